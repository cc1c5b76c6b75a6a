// Quick capture bar (templates/capture/_bar.html). htmx does the requests; this only wires the keyboard:
// Enter confirms a fresh, clean preview (otherwise it refreshes the preview), Esc clears (or closes the help),
// "c" jumps to the line from anywhere ("/" is the global search's, in app.js), "?" in the empty line toggles
// the help, ArrowDown moves into the preview, and suggestion / example buttons put their line in the input
// and preview it.
(function () {
  "use strict";

  function byId(id) { return document.getElementById(id); }

  // "ready", "pending", "invalid", or "stale" when the preview does not describe the line as it is now.
  function previewState() {
    var input = byId("capture-line");
    var box = document.querySelector("#capture-preview [data-capture-state][data-line]");
    if (!input || !box) { return "stale"; }
    if (box.getAttribute("data-line") !== input.value) { return "stale"; }
    return box.getAttribute("data-capture-state");
  }

  function previewNow() {
    var input = byId("capture-line");
    if (input && window.htmx && input.value.trim() !== "") { window.htmx.trigger(input, "capture:preview"); }
  }

  function toggleHelp(open) {
    var panel = byId("capture-help");
    var button = document.querySelector("#capture-bar [data-capture-help]");
    if (!panel) { return; }
    var show = typeof open === "boolean" ? open : panel.hidden;
    panel.hidden = !show;
    if (button) { button.setAttribute("aria-expanded", String(show)); }
    if (show && window.htmx) { window.htmx.trigger(panel, "capture:help"); }
  }

  function clearLine() {
    var input = byId("capture-line");
    var preview = byId("capture-preview");
    if (input) { input.value = ""; }
    if (preview) { preview.textContent = ""; }
  }

  function typingIn(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  // Confirm only what the consultant has seen: a preview of this very line with nothing left to settle.
  // Runs in the capture phase, before htmx's own submit handler on the form.
  document.addEventListener("submit", function (event) {
    if (!event.target || event.target.id !== "capture-bar") { return; }
    if (previewState() !== "ready") {
      event.preventDefault();
      event.stopPropagation();
      previewNow();
    }
  }, true);

  document.addEventListener("keydown", function (event) {
    var input = byId("capture-line");
    var bar = byId("capture-bar");
    if (!input || !bar) { return; }
    if (event.target === input) {
      if (event.key === "Escape") {
        event.preventDefault();
        if (!byId("capture-help").hidden) { toggleHelp(false); } else { clearLine(); }
      } else if (event.key === "?" && input.value === "") {
        event.preventDefault();
        toggleHelp();
      } else if (event.key === "ArrowDown") {
        var first = byId("capture-preview").querySelector("button, input, select, a[href]");
        if (first) { event.preventDefault(); first.focus(); }
      }
      return;
    }
    if (bar.contains(event.target) && event.key === "Escape") {
      event.preventDefault();
      input.focus();
      return;
    }
    if (event.key === "c" && !event.ctrlKey && !event.metaKey && !event.altKey && !typingIn(event.target)) {
      event.preventDefault();
      input.focus();
      input.select();
    }
  });

  // After a capture the whole bar is replaced (htmx focuses its autofocus input): keep typing at the end.
  document.addEventListener("htmx:load", function (event) {
    if (!event.target || event.target.id !== "capture-bar") { return; }
    var input = byId("capture-line");
    if (input && document.activeElement === input) {
      input.setSelectionRange(input.value.length, input.value.length);
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) { return; }
    var pick = target.closest("[data-capture-line]");
    var input = byId("capture-line");
    if (pick && input) {
      event.preventDefault();
      input.value = pick.getAttribute("data-capture-line");
      input.focus();
      input.setSelectionRange(input.value.length, input.value.length);
      previewNow();
      return;
    }
    if (target.closest("#capture-bar [data-capture-help]")) {
      toggleHelp();
    }
  });
})();
