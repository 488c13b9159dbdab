// The page's side of the desktop shell.
//
// * "New window" / "Open in new window" forms (marked data-new-window) are sent with fetch, so
//   this window stays where it is; without JS they still work as plain form posts.
// * Ctrl+N (Cmd+N on a Mac) opens a new window: pywebview menus cannot carry shortcuts, and the
//   web view gives every key to the page, so the page owns the shortcut.
// * Links to other sites open in the system browser, never inside an app window. pywebview
//   already sends target=_blank links and window.open() there; a plain same-window link to
//   another origin would otherwise navigate the app window away, so it is turned into
//   window.open() here (the Qt backend also refuses such navigations itself).
(() => {
  "use strict";

  const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content || "";
  const hasWindows = () => document.body?.dataset.desktop === "windows";

  async function openWindow(path) {
    const response = await fetch("/shell/new-window", {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: new URLSearchParams({ path }),
      credentials: "same-origin",
    });
    return response.ok;
  }

  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-new-window]");
    if (!form) return;
    event.preventDefault();
    const button = form.querySelector("button");
    if (button) button.disabled = true;
    openWindow(form.elements.path.value)
      .catch(() => false)
      .then((opened) => {
        if (button) button.disabled = false;
        if (!opened) form.submit(); // the server explains why, as a notice on the page
      });
  });

  document.addEventListener("keydown", (event) => {
    const mod = event.ctrlKey || event.metaKey;
    if (!mod || event.shiftKey || event.altKey || event.key.toLowerCase() !== "n") return;
    if (!hasWindows()) return; // in a browser, Ctrl+N keeps its usual meaning
    event.preventDefault();
    openWindow("/").catch(() => {});
  });

  document.addEventListener(
    "click",
    (event) => {
      const link = event.target.closest?.("a[href]");
      if (!link || event.defaultPrevented) return;
      let url;
      try {
        url = new URL(link.href, location.href);
      } catch {
        return;
      }
      if (!/^https?:$/.test(url.protocol) || url.origin === location.origin) return;
      event.preventDefault();
      window.open(url.href, "_blank");
    },
    true,
  );
})();
