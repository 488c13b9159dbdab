// The header's "More" menu (a <details> disclosure, which works without this script): close
// it with Escape (focus goes back to its button), when a click lands elsewhere, and when
// keyboard focus moves on past it, as a menu button would.
(() => {
  "use strict";

  const openMenus = () => document.querySelectorAll("details.nav-more[open]");

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    for (const menu of openMenus()) {
      menu.open = false;
      if (menu.contains(document.activeElement)) menu.querySelector("summary")?.focus();
    }
  });

  document.addEventListener("click", (event) => {
    for (const menu of openMenus()) {
      if (!menu.contains(event.target)) menu.open = false;
    }
  });

  document.addEventListener("focusin", (event) => {
    for (const menu of openMenus()) {
      if (!menu.contains(event.target)) menu.open = false;
    }
  });
})();
