// The operator tablet's own behaviour, beside the scanner support of scan.js. Kept out of the pages, so
// a content security policy can forbid inline scripts.
//
// - A [data-print] button prints the page; the print style sheet keeps only the produced lot codes.
(() => {
  "use strict";

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-print]");
    if (button) {
      window.print();
    }
  });
})();
