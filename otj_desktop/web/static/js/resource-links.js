// Resource-link rows of the activity form: "Add a link" and "Remove" in place.
//
// Without this script the form still works: it shows a few empty rows, a "Remove this link when
// saving" tick box per row and an "Add more rows" button that has the server send the form
// back with more rows (see web/resource_link_form.py). With it, those are hidden and rows are
// added from the <template> and removed from the page. Field names keep their row number
// (links-N-title ...), gaps and all: the server reads whatever numbered rows arrive.
(() => {
  "use strict";

  const MAX_ROWS = 50;

  function rowNumber(row) {
    const match = /^link-row-(\d+)$/.exec(row.id);
    return match ? Number(match[1]) : -1;
  }

  function setUp(box) {
    if (box.dataset.linksReady) return;
    box.dataset.linksReady = "1";
    box.classList.add("js-links");
    const list = box.querySelector("[data-link-list]");
    const template = box.querySelector("template[data-link-template]");
    const status = box.querySelector("[data-link-status]");
    if (!list || !template) return;

    const rows = () => Array.from(list.querySelectorAll("[data-link-row]"));
    const say = (text) => {
      if (status) status.textContent = text;
    };

    const addButton = document.createElement("button");
    addButton.type = "button";
    addButton.className = "button small";
    addButton.textContent = "Add a link";
    addButton.dataset.linkAdd = "";
    const actions = box.querySelector(".link-rows-actions") || box;
    actions.appendChild(addButton);

    function renumber() {
      rows().forEach((row, i) => {
        const number = row.querySelector("[data-link-number]");
        if (number) number.textContent = String(i + 1);
        const remove = row.querySelector("[data-link-remove]");
        if (remove) remove.setAttribute("aria-label", "Remove link " + (i + 1));
      });
      addButton.disabled = rows().length >= MAX_ROWS;
    }

    function addRemoveButton(row) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button small danger";
      button.textContent = "Remove";
      button.dataset.linkRemove = "";
      button.addEventListener("click", () => removeRow(row));
      row.appendChild(button);
    }

    function removeRow(row) {
      const all = rows();
      const next = all[all.indexOf(row) + 1] || all[all.indexOf(row) - 1];
      row.remove();
      renumber();
      say("Link removed.");
      const target = next ? next.querySelector("select, input") : addButton;
      if (target) target.focus();
    }

    function addRow() {
      if (rows().length >= MAX_ROWS) return;
      const n = Math.max(-1, ...rows().map(rowNumber)) + 1;
      const fragment = template.content.cloneNode(true);
      fragment.querySelectorAll("*").forEach((el) => {
        for (const attr of ["id", "name", "for", "aria-describedby"]) {
          const value = el.getAttribute(attr);
          if (value && value.includes("__N__")) el.setAttribute(attr, value.replaceAll("__N__", String(n)));
        }
      });
      const row = fragment.querySelector("[data-link-row]");
      list.appendChild(fragment);
      addRemoveButton(row);
      renumber();
      say("Link " + rows().length + " added.");
      const first = row.querySelector("input[name$='-title']");
      if (first) first.focus();
    }

    // A row ticked for removal before this script ran is removed as the tick box said.
    rows().forEach((row) => {
      const tick = row.querySelector("input[name$='-remove']");
      if (tick && tick.checked) row.remove();
      else addRemoveButton(row);
    });
    addButton.addEventListener("click", addRow);
    renumber();
  }

  function init() {
    document.querySelectorAll("[data-link-rows]").forEach(setUp);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
