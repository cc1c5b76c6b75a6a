// Keyboard in element lists: arrows (or j/k) move between rows, `e` edits the focused row in place, and after a
// save or a cancel the focus comes back to that row. Inside an edited row Tab/Shift-Tab move between cells
// (native), Enter saves and Esc cancels (app.js). Vendored, CSP script-src 'self'.
(function () {
  "use strict";

  function typing(el) {
    return /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) || el.isContentEditable;
  }

  function rows(table) {
    return Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-row-keys]"));
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(document.activeElement)) { return; }
    var row = document.activeElement.closest && document.activeElement.closest("tr[data-row-keys]");
    if (!row) {
      if (event.key === "ArrowDown" || event.key === "j") {
        var first = document.querySelector("tbody tr[data-row-keys]");
        if (first && document.activeElement === document.body) { event.preventDefault(); first.focus(); }
      }
      return;
    }
    var all = rows(row.closest("table"));
    var at = all.indexOf(row);
    if (event.key === "ArrowDown" || event.key === "j") {
      if (at < all.length - 1) { event.preventDefault(); all[at + 1].focus(); }
    } else if (event.key === "ArrowUp" || event.key === "k") {
      if (at > 0) { event.preventDefault(); all[at - 1].focus(); }
    } else if (event.key === "e" || event.key === "F2") {
      var edit = row.querySelector("[data-edit-key]");
      if (edit) { event.preventDefault(); edit.click(); }
    }
  });

  // A row swapped back from its editor (saved or cancelled) takes the focus, so the keyboard carries on from it.
  var returning = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    returning = target && target.matches && target.matches("tr.editing") ? target.id : null;
  });
  // htmx gives the focus back to the element with the focused one's id — the row itself, which keeps its id while
  // being edited — so once settled, an edited row that holds the focus hands it to its first field.
  document.addEventListener("htmx:afterSettle", function () {
    var row = document.querySelector("tr.editing");
    if (row && (document.activeElement === row || document.activeElement === document.body)) {
      var first = row.querySelector("input:not([type=hidden]):not([hidden]), select:not([hidden]), textarea");
      if (first) { first.focus(); }
    }
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (!returning) { return; }
    var row = document.getElementById(returning);
    returning = null;
    if (row && row.hasAttribute("data-row-keys")) { row.focus(); }
  });
})();
