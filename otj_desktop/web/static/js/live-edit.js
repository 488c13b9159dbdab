/*
 * live-edit.js: while an activity's edit form is open, say so when that activity is changed or
 * deleted in another window, and offer the choices, without touching anything typed.
 *
 * Loaded by activities/form.html for an existing activity; listens to the `otj:live` events
 * live.js dispatches. The form (form[data-live-edit]) is never swapped or reloaded; the notice
 * goes into #edit-live-notice (a polite status region: announced, focus stays put).
 *
 *  changed  -> "See theirs" shows the saved version (fetched from the activity's page) with a
 *              "Use theirs (discard mine)" link; "Keep mine" takes their version number into
 *              the form, so saving replaces theirs: the user has been told and chose.
 *              Doing nothing is safe too: saving then shows the server's conflict page.
 *  deleted  -> "Save mine as a new activity" (submits the form to the create URL) or
 *              "Discard mine".
 * After a gap (`resync`) it asks the server for the activity's current version.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-live-edit]");
  var box = document.getElementById("edit-live-notice");
  if (!form || !box) return;

  var activityId = form.getAttribute("data-live-edit");
  var versionField = form.querySelector('input[name="version"]');
  var urls = {
    show: form.getAttribute("data-show-url"),
    edit: form.getAttribute("data-edit-url"),
    create: form.getAttribute("data-create-url"),
    list: form.getAttribute("data-list-url"),
  };
  var ukDate = new Intl.DateTimeFormat("en-GB", {
    day: "numeric",
    month: "short",
    year: "numeric",
    timeZone: "UTC",
  });

  function formVersion() {
    return parseInt(versionField && versionField.value, 10) || 0;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      node.setAttribute(name, attrs[name]);
    });
    if (text) node.textContent = text;
    return node;
  }

  function describe(data) {
    var parts = [];
    if (data.activity_date) {
      var day = new Date(data.activity_date + "T00:00:00Z");
      if (!isNaN(day)) parts.push(ukDate.format(day));
    }
    if (data.duration_hours !== undefined) parts.push(data.duration_hours + " hours");
    if (data.ksb_codes && data.ksb_codes.length) parts.push(data.ksb_codes.join(", "));
    return parts.length ? " (" + parts.join(" · ") + ")" : "";
  }

  function showChanged(data) {
    var heading = el("h2", {}, "This activity was changed in another window");
    var text = el(
      "p",
      {},
      "It now reads “" +
        (data.title || "") +
        "”" +
        describe(data) +
        ". What you typed here is untouched. Which version do you want?"
    );
    var seeTheirs = el("button", { type: "button", "aria-expanded": "false" }, "See theirs");
    var keepMine = el("button", { type: "button", class: "primary" }, "Keep mine");
    var actions = el("div", { class: "actions" });
    actions.append(seeTheirs, keepMine);
    var panel = el("div", { class: "their-version", hidden: "" });

    seeTheirs.addEventListener("click", function () {
      var open = seeTheirs.getAttribute("aria-expanded") === "true";
      seeTheirs.setAttribute("aria-expanded", open ? "false" : "true");
      if (open) {
        panel.hidden = true;
        return;
      }
      panel.hidden = false;
      loadTheirs(panel);
    });
    keepMine.addEventListener("click", function () {
      if (versionField && data.version) versionField.value = String(data.version);
      box.replaceChildren(
        el(
          "p",
          {},
          "You are keeping your version. Saving it will replace the one saved in the other window."
        )
      );
    });
    box.replaceChildren(heading, text, actions, panel);
  }

  function loadTheirs(panel) {
    panel.replaceChildren(el("p", { class: "muted" }, "Loading their version…"));
    fetch(urls.show, { headers: { "X-OTJ-Live": "1" }, credentials: "same-origin" })
      .then(function (response) {
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var facts = doc.getElementById("activity-facts");
        var title = doc.querySelector("#activity-detail h1");
        var useTheirs = el(
          "a",
          { class: "button", href: urls.edit },
          "Use theirs (discard mine)"
        );
        if (!facts) {
          panel.replaceChildren(el("p", {}, "Their version is no longer there."));
          return;
        }
        // Ids in the fetched copy would clash with this page's.
        facts.removeAttribute("id");
        facts.querySelectorAll("[id], [aria-labelledby]").forEach(function (node) {
          node.removeAttribute("id");
          node.removeAttribute("aria-labelledby");
        });
        var heading = el("h3", {}, "Theirs: " + (title ? title.textContent : ""));
        panel.replaceChildren(heading, document.adoptNode(facts), useTheirs);
      })
      .catch(function () {
        panel.replaceChildren(el("p", {}, "Their version could not be loaded just now."));
      });
  }

  function showDeleted(data) {
    var heading = el("h2", {}, "This activity was deleted in another window");
    var text = el(
      "p",
      {},
      (data && data.title ? "“" + data.title + "” was deleted. " : "") +
        "What you typed is still here, but it can no longer be saved to that activity."
    );
    var saveNew = el(
      "button",
      {
        type: "submit",
        form: form.id,
        formaction: urls.create,
        formnovalidate: "",
        class: "primary",
      },
      "Save mine as a new activity"
    );
    var discard = el("a", { class: "button", href: urls.list }, "Discard mine");
    var actions = el("div", { class: "actions" });
    actions.append(saveNew, discard);
    box.replaceChildren(heading, text, actions);
  }

  /** After a gap: what is the activity's version now? */
  function checkNow() {
    fetch(urls.show, { headers: { "X-OTJ-Live": "1" }, credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (html) {
          return { status: response.status, html: html };
        });
      })
      .then(function (result) {
        var doc = new DOMParser().parseFromString(result.html, "text/html");
        var detail = doc.getElementById("activity-detail");
        if (!detail) return;
        var title = detail.querySelector("h1");
        var data = { id: activityId, title: title ? title.textContent : "" };
        if (result.status === 404) {
          showDeleted(data);
          return;
        }
        data.version = parseInt(detail.getAttribute("data-version"), 10) || 0;
        if (data.version > formVersion()) showChanged(data);
      })
      .catch(function () {});
  }

  document.addEventListener("otj:live", function (e) {
    var event = e.detail || {};
    if (event.kind === "resync") {
      checkNow();
      return;
    }
    var data = event.data;
    if (event.mine || !data || String(data.id) !== activityId) return;
    if (event.kind === "activity_deleted") showDeleted(data);
    else if (event.kind === "activity_saved" && data.version > formVersion()) showChanged(data);
  });
})();
