/*
 * appearance.js: switch this window's theme when another window changes it.
 *
 * The server renders the chosen theme as data-theme on <html> (web/appearance.py), so a page
 * loads in the right colours without any script. When the apprentice changes it in another
 * window, the app announces `appearance_changed` ({theme}); live.js re-dispatches every event
 * as `otj:live` on document, and this sets the attribute to match (none for "system").
 * The header's toggle is a live region, so it shows the new choice by itself.
 */
(function () {
  "use strict";

  document.addEventListener("otj:live", function (event) {
    var detail = event.detail || {};
    if (detail.kind !== "appearance_changed" || !detail.data) return;
    var theme = detail.data.theme;
    if (theme === "light" || theme === "dark") {
      document.documentElement.setAttribute("data-theme", theme);
    } else {
      document.documentElement.removeAttribute("data-theme");
    }
  });
})();
