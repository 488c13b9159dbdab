/* In-place target editors on the dashboard (forms marked data-inplace).
 *
 * Without this script each editor is an ordinary form that posts and comes back to the
 * dashboard. With it, the form is sent with fetch and the server answers JSON: on success the
 * editor closes, a polite status message is announced, and the page's live regions are
 * re-fetched and swapped in place (the same thing live sync does when another window changes
 * something), so the pace and cards show the new target at once; on a bad value the message
 * appears beside the field and what was typed stays.
 */
(function () {
  "use strict";

  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = meta ? meta.getAttribute("content") : "";

  function announce(text) {
    var region = document.getElementById("targets-status");
    if (!region) {
      return;
    }
    region.textContent = "";
    window.setTimeout(function () {
      region.textContent = text;
    }, 50); // a change after clearing makes screen readers announce a repeated message
  }

  function setError(form, message) {
    var input = form.querySelector('input[name="value"]');
    var error = form.querySelector(".error");
    var field = form.querySelector(".field");
    var hintId = input.id + "-hint";
    if (message) {
      error.querySelector("[data-error-text]").textContent = message;
      error.hidden = false;
      field.classList.add("has-error");
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", hintId + " " + error.id);
      input.focus();
    } else {
      error.hidden = true;
      field.classList.remove("has-error");
      input.removeAttribute("aria-invalid");
      input.setAttribute("aria-describedby", hintId);
    }
  }

  // Re-render every live region of this page from a fresh copy of it.
  function refreshRegions() {
    return fetch(window.location.href, {
      headers: { Accept: "text/html" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (!html) {
          return;
        }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live][id]").forEach(function (region) {
          var replacement = fresh.getElementById(region.id);
          if (replacement) {
            region.replaceWith(document.importNode(replacement, true));
          }
        });
      });
  }

  function save(form) {
    var button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (result) {
        if (!result.ok) {
          setError(form, result.error || "That value could not be saved.");
          return null;
        }
        setError(form, "");
        var details = form.closest("details");
        if (details) {
          details.open = false;
          details.querySelector("summary").focus();
        }
        announce(result.message);
        return refreshRegions();
      })
      .catch(function () {
        setError(form, "The app did not answer, so nothing was saved. Try again.");
      })
      .finally(function () {
        button.disabled = false;
        form.removeAttribute("aria-busy");
      });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest ? event.target.closest("form[data-inplace]") : null;
    if (!form) {
      return;
    }
    event.preventDefault();
    save(form);
  });

  // Opening an editor starts from the value shown now, which another window may have changed
  // since the page loaded (live sync swaps the figure, not the form), unless an error shows
  // what was typed.
  document.addEventListener(
    "toggle",
    function (event) {
      var details = event.target;
      if (!details.matches || !details.matches("details.edit-in-place") || !details.open) {
        return;
      }
      var form = details.querySelector("form[data-inplace]");
      var view = form && document.getElementById(form.getAttribute("data-view"));
      var error = form && form.querySelector(".error");
      if (view && error && error.hidden && view.hasAttribute("data-value")) {
        form.querySelector('input[name="value"]').value = view.getAttribute("data-value");
      }
    },
    true // toggle does not bubble
  );

  // Escape closes an open editor and puts focus back on its "Change" button.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var details = event.target.closest ? event.target.closest("details.edit-in-place") : null;
    if (details && details.open) {
      details.open = false;
      details.querySelector("summary").focus();
    }
  });
})();
