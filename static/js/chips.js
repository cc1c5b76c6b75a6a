// Token/chip picker for multi-value fields (select[multiple][data-chips]); vendored, no CDN, CSP script-src 'self'.
// The native select stays in the form (hidden) and keeps being what is submitted; the picker only ever selects
// or unselects the one option a chip or suggestion stands for, so a plain click never drops other values.
(function () {
  "use strict";

  function build(select) {
    if (select.dataset.chipsReady) { return; }
    select.dataset.chipsReady = "1";
    var box = document.createElement("div");
    box.className = "chips";
    var list = document.createElement("ul");
    list.className = "chips-list";
    var input = document.createElement("input");
    input.type = "text";
    input.className = "chips-input";
    input.setAttribute("aria-label", "Add to " + (select.getAttribute("aria-label") || select.name));
    input.setAttribute("autocomplete", "off");
    input.placeholder = "add…";
    var menu = document.createElement("ul");
    menu.className = "chips-menu";
    menu.setAttribute("role", "listbox");
    menu.hidden = true;
    box.appendChild(list);
    box.appendChild(input);
    box.appendChild(menu);
    select.hidden = true;
    select.setAttribute("tabindex", "-1");
    select.parentNode.insertBefore(box, select.nextSibling);

    function render() {
      list.innerHTML = "";
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.selected) { return; }
        var chip = document.createElement("li");
        chip.className = "chip";
        chip.textContent = option.text;
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "chip-remove";
        remove.textContent = "×";
        remove.setAttribute("aria-label", "Remove " + option.text);
        remove.addEventListener("click", function () {
          option.selected = false;
          render();
          input.focus();
        });
        chip.appendChild(remove);
        list.appendChild(chip);
      });
    }

    function matches() {
      var query = input.value.trim().toLowerCase();
      return Array.prototype.filter.call(select.options, function (option) {
        return !option.selected && option.value !== "" && option.text.toLowerCase().indexOf(query) !== -1;
      }).slice(0, 12);
    }

    function showMenu() {
      menu.innerHTML = "";
      var found = matches();
      found.forEach(function (option, index) {
        var item = document.createElement("li");
        item.setAttribute("role", "option");
        item.className = "chips-option" + (index === 0 ? " active" : "");
        item.textContent = option.text;
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();  // keep the focus in the input
          add(option);
        });
        menu.appendChild(item);
      });
      menu.hidden = found.length === 0;
    }

    function add(option) {
      option.selected = true;
      input.value = "";
      render();
      showMenu();
      input.focus();
    }

    function move(step) {
      var items = menu.querySelectorAll(".chips-option");
      if (!items.length) { return; }
      var at = Array.prototype.findIndex.call(items, function (i) { return i.classList.contains("active"); });
      if (at >= 0) { items[at].classList.remove("active"); }
      items[(at + step + items.length) % items.length].classList.add("active");
    }

    input.addEventListener("input", showMenu);
    input.addEventListener("focus", showMenu);
    input.addEventListener("blur", function () { menu.hidden = true; });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!menu.hidden) { event.preventDefault(); event.stopPropagation(); move(event.key === "ArrowDown" ? 1 : -1); }
      } else if (event.key === "Enter" && !menu.hidden && input.value.trim()) {
        // Enter with a typed filter picks the highlighted option; with nothing typed it saves the row.
        var active = menu.querySelector(".chips-option.active");
        var option = active && Array.prototype.find.call(select.options, function (o) {
          return !o.selected && o.text === active.textContent;
        });
        if (option) { event.preventDefault(); event.stopPropagation(); add(option); }
      } else if (event.key === "Backspace" && !input.value) {
        var chosen = Array.prototype.filter.call(select.options, function (o) { return o.selected; });
        if (chosen.length) { chosen[chosen.length - 1].selected = false; render(); }
      } else if (event.key === "Escape" && !menu.hidden) {
        event.stopPropagation();
        menu.hidden = true;
      }
    });
    render();
  }

  function enhance(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("select[multiple][data-chips]").forEach(build);
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.detail.elt); });
})();
