/* Ordered rows of a Django formset (the program's timetable, an event's speakers): add any
   number of rows, remove one, move one up or down — all on one page. The server reads the
   order from each row's ORDER field and removals from DELETE, so without this script the
   page still works: one blank row per save, order numbers typed in, Delete ticked. */
(function () {
  "use strict";

  function setup(editor) {
    var prefix = editor.getAttribute("data-rows-editor");
    var list = editor.querySelector("[data-rows]");
    var template = editor.querySelector("template[data-row-template]");
    var total = editor.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var actions = editor.querySelector("[data-rows-actions]");
    if (!list || !template || !total || !actions) return;
    var text = {
      up: document.documentElement.lang === "en" ? "Move up" : "上へ",
      down: document.documentElement.lang === "en" ? "Move down" : "下へ",
      remove: document.documentElement.lang === "en" ? "Remove this row" : "この行を削除",
    };

    function rows() {
      return Array.prototype.filter.call(list.children, function (row) { return !row.hidden; });
    }

    function renumber() {
      rows().forEach(function (row, index) {
        var order = row.querySelector("input[name$='-ORDER']");
        if (order) order.value = index + 1;
        var legend = row.querySelector("[data-row-legend]");
        if (legend) legend.textContent = legend.textContent.replace(/\s*\d*$/, "") + " " + (index + 1);
      });
    }

    function button(label, handler) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "button button-secondary button-small";
      b.textContent = label;
      b.addEventListener("click", handler);
      return b;
    }

    function decorate(row) {
      // The order and Delete fields stay in the form (submitted) but the buttons replace them.
      var order = row.querySelector("input[name$='-ORDER']");
      if (order) order.closest(".field").hidden = true;
      var remove = row.querySelector("input[name$='-DELETE']");
      if (remove) remove.closest(".field").hidden = true;
      var bar = document.createElement("p");
      bar.className = "actions rows-row-actions";
      bar.appendChild(button(text.up, function () {
        var previous = row.previousElementSibling;
        while (previous && previous.hidden) previous = previous.previousElementSibling;
        if (previous) { list.insertBefore(row, previous); renumber(); row.querySelector("button").focus(); }
      }));
      bar.appendChild(button(text.down, function () {
        var next = row.nextElementSibling;
        while (next && next.hidden) next = next.nextElementSibling;
        if (next) { list.insertBefore(next, row); renumber(); }
      }));
      bar.appendChild(button(text.remove, function () {
        if (remove) { remove.checked = true; row.hidden = true; } else { row.remove(); }
        renumber();
        actions.querySelector("button").focus();
      }));
      row.querySelector("fieldset").appendChild(bar);
    }

    rows().forEach(decorate);
    actions.hidden = false;
    actions.querySelector("[data-row-add]").addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      var holder = document.createElement("ol");
      holder.innerHTML = html.trim();
      var row = holder.firstElementChild;
      list.appendChild(row);
      total.value = index + 1;
      decorate(row);
      renumber();
      var first = row.querySelector("input:not([type=hidden]), textarea, select");
      if (first) first.focus();
    });
    renumber();
  }

  document.querySelectorAll("[data-rows-editor]").forEach(setup);
})();
