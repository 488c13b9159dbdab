/*
 * background-forms.js: small forms on every page that save without leaving it.
 *
 * A form marked data-background (the appearance toggle, the reminder's Dismiss) works as a
 * plain form without script: it posts and comes back to the page. That would throw away
 * whatever is being typed in another form on the page, so with this script a click on one of
 * its buttons (inside the form, or naming it with form="...") posts it in the background
 * instead, asking for JSON (the server answers 204). Every window, this one included, then
 * updates from the live event the change announces. On a refusal or a network error the form
 * is submitted the plain way, so the server can say what is wrong.
 * A successful save is dispatched on document as `otj:background-saved`
 * ({form, name, value}) for scripts that show the result at once (appearance.js).
 */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[type=submit]");
    if (!button || !window.fetch || !window.FormData) return;
    var form = button.form;
    if (!form || !form.hasAttribute("data-background")) return;
    event.preventDefault();
    var body = new FormData(form);
    if (button.name) body.set(button.name, button.value);
    var live = window.OTJLive || {};
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-OTJ-Origin": live.origin || "" },
    }).then(
      function (response) {
        if (!response.ok) return plain(form, button);
        document.dispatchEvent(
          new CustomEvent("otj:background-saved", {
            detail: { form: form.id, name: button.name, value: button.value },
          })
        );
      },
      function () {
        plain(form, button);
      }
    );
  });

  function plain(form, button) {
    if (form.requestSubmit) form.requestSubmit(button);
    else form.submit();
  }
})();
