// Throughline front-end glue: htmx does the requests; this adds keyboard shortcuts, toasts and error reports.
(function () {
  "use strict";

  function report(text) {
    var box = document.getElementById("toasts");
    if (!box) { return; }
    var toast = document.createElement("div");
    toast.className = "toast toast-error";
    toast.setAttribute("role", "alert");
    var span = document.createElement("span");
    span.textContent = text;
    toast.appendChild(span);
    box.appendChild(toast);
    setTimeout(function () { toast.remove(); }, 8000);
  }

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    report(status === 403 ? "Your role in this engagement does not allow this change."
      : status === 404 ? "That object no longer exists (or is not in this engagement)."
      : "The server could not do that (" + status + "). Nothing was saved.");
  });
  document.addEventListener("htmx:sendError", function () {
    report("The server cannot be reached. Your last change was not saved.");
  });

  // Toasts: dismiss on click; info toasts fade after a while, undo toasts stay longer.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-dismiss]");
    if (button) { button.closest(".toast").remove(); }
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    document.querySelectorAll("#toasts .toast:not([data-timed])").forEach(function (toast) {
      toast.setAttribute("data-timed", "1");
      setTimeout(function () { toast.remove(); }, toast.querySelector("[hx-post]") ? 15000 : 5000);
    });
  });

  // Navigation menus: one open at a time; a click elsewhere or Esc closes it.
  function closeMenus(except) {
    document.querySelectorAll("details.nav-menu[open]").forEach(function (menu) {
      if (menu !== except) { menu.removeAttribute("open"); }
    });
  }
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest("details.nav-menu"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closeMenus(null); }
  });

  // The scenario switcher (and any select marked data-autosubmit) reloads the page when changed.
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) { select.form.submit(); }
  });

  // "/" or Ctrl+K jumps to the global search; Esc leaves it; arrow down moves into the results.
  document.addEventListener("keydown", function (event) {
    var search = document.getElementById("global-search");
    if (!search) { return; }
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
    if ((event.key === "/" && !typing) || (event.key.toLowerCase() === "k" && (event.ctrlKey || event.metaKey))) {
      event.preventDefault();
      search.focus();
      search.select();
    } else if (document.activeElement === search && event.key === "Escape") {
      search.value = "";
      document.getElementById("global-search-results").innerHTML = "";
      search.blur();
    } else if (document.activeElement === search && event.key === "ArrowDown") {
      var first = document.querySelector("#global-search-results a");
      if (first) { event.preventDefault(); first.focus(); }
    }
  });

  // In an inline row: Enter saves, Esc cancels (CSP forbids htmx's eval'd trigger filters, so it is done here).
  document.addEventListener("keydown", function (event) {
    var row = event.target.closest && event.target.closest("tr.editing, tr.add-row");
    if (!row || event.isComposing) { return; }
    if (event.key === "Enter" && event.target.tagName !== "TEXTAREA") {
      var save = row.querySelector("[data-enter-key]");
      if (save) { event.preventDefault(); save.click(); }
    } else if (event.key === "Escape") {
      var cancel = row.querySelector("[data-escape-key]");
      if (cancel) { event.preventDefault(); cancel.click(); }
    }
  });

  // After an inline row form appears, put the cursor in its first field.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    var row = target && target.matches && target.matches("tr.editing") ? target : null;
    row = row || document.querySelector("tr.editing");
    if (row && row.isConnected) {
      var first = row.querySelector("input:not([type=hidden]), select, textarea");
      if (first && !row.contains(document.activeElement)) { first.focus(); }
    }
  });
})();
