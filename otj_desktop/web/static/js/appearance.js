/*
 * appearance.js: switch this window's theme when the choice changes, here or in another window.
 *
 * The server renders the chosen theme as data-theme on <html> (web/appearance.py), so a page
 * loads in the right colours without any script. The toggle's form saves in the background
 * (background-forms.js); its `otj:background-saved` event switches this page at once. When
 * the choice changes in any window the app announces `appearance_changed` ({theme}); live.js
 * re-dispatches every event as `otj:live` on document, and this sets the attribute to match
 * (none for "system"). The toggle is a live region, so it also shows the new choice by itself.
 */
(function () {
  "use strict";

  function apply(theme) {
    if (theme === "light" || theme === "dark") {
      document.documentElement.setAttribute("data-theme", theme);
    } else {
      document.documentElement.removeAttribute("data-theme");
    }
    var buttons = document.querySelectorAll('button[form="appearance-form"]');
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", buttons[i].value === theme ? "true" : "false");
    }
  }

  document.addEventListener("otj:live", function (event) {
    var detail = event.detail || {};
    if (detail.kind === "appearance_changed" && detail.data) apply(detail.data.theme);
  });

  document.addEventListener("otj:background-saved", function (event) {
    var detail = event.detail || {};
    if (detail.form === "appearance-form") apply(detail.value);
  });
})();
