// The evidence pack page: a "Print…" button for browsers (the app's own windows ignore
// window.print(), so there the page offers "Save as PDF…" instead and never shows this).
(() => {
  "use strict";
  function init() {
    document.querySelectorAll("button[data-print]").forEach((button) => {
      button.hidden = false;
      button.addEventListener("click", () => window.print());
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
