// Takt's own behaviour, kept out of the pages so a content security policy can forbid inline scripts.
document.addEventListener("change", (event) => {
  // A select marked data-autosubmit submits its form (language switcher, list filters without htmx).
  if (event.target.matches("[data-autosubmit]")) {
    event.target.form.submit();
  }
});
