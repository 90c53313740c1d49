// The warehouse tablet's scanner support. A barcode scanner is a keyboard ("keyboard wedge"): it types
// the code into the focused field and presses Enter. Kept out of the pages, so a content security
// policy can forbid inline scripts.
//
// - On load, the focus goes to the field refused by the last scan (.is-invalid, emptied by the server),
//   else to the first empty [data-scan] field, else to the first one with its text selected, so a
//   prefilled quantity is confirmed by Enter or replaced by typing.
// - Enter in a [data-scan] field moves to the next [data-scan] field of its form instead of
//   submitting; on the last one it submits. Scan, scan, Enter: done.
// - A form is submitted once: a scanner's extra Enter does not post it twice.
// - A form with data-confirm asks before it is submitted.
(() => {
  "use strict";

  const usable = (field) =>
    !field.disabled && !field.readOnly && field.type !== "hidden" && field.getClientRects().length > 0;

  const scanFields = (root) => Array.from(root.querySelectorAll("[data-scan]")).filter(usable);

  const focus = (field) => {
    field.focus();
    if (typeof field.select === "function") {
      field.select();
    }
  };

  const focusFirst = () => {
    const fields = scanFields(document);
    const target =
      fields.find((field) => field.classList.contains("is-invalid")) ||
      fields.find((field) => field.value === "") ||
      fields[0];
    if (target) {
      focus(target);
    }
  };

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.isComposing) {
      return;
    }
    const field = event.target;
    if (!(field instanceof HTMLInputElement) || !field.matches("[data-scan]") || !field.form) {
      return;
    }
    event.preventDefault();
    const fields = scanFields(field.form);
    const next = fields[fields.indexOf(field) + 1];
    if (next) {
      focus(next);
    } else {
      field.form.requestSubmit();
    }
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.dataset.submitted) {
      event.preventDefault();
      return;
    }
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "1";
  });

  // Back from the browser's cache (bfcache): the form may be submitted again.
  window.addEventListener("pageshow", () => {
    document.querySelectorAll("form[data-submitted]").forEach((form) => {
      delete form.dataset.submitted;
    });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusFirst);
  } else {
    focusFirst();
  }
})();
