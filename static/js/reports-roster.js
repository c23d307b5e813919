/* Attendance roster: record a row without reloading the page, and keys on a focused row
   (A attended, X absent, L left early). Without this script the buttons submit the form
   and the server redirects back to the row, so nothing depends on it. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-roster]");
  if (!form || !window.fetch) return;
  var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var keys = { a: "attended", x: "absent", l: "left_early" };

  function update(row, data) {
    var cell = row.querySelector("td[data-state]");
    cell.setAttribute("data-state", data.attendance);
    var badge = cell.querySelector(".badge");
    badge.className = "badge attendance-" + data.attendance;
    badge.textContent = data.label;
    row.querySelectorAll("button[name=row]").forEach(function (button) {
      var on = button.getAttribute("data-state") === data.attendance;
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.classList.toggle("button-secondary", !on);
    });
    Object.keys(data.counts).forEach(function (name) {
      var target = document.querySelector("[data-count=" + name + "]");
      if (target) target.textContent = data.counts[name];
    });
  }

  function send(row, state) {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", token);
    body.append("row", row.getAttribute("data-registration") + ":" + state);
    return fetch(form.action, {
      method: "POST",
      body: body,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) throw new Error(data.error || response.statusText);
          update(row, data);
        });
      })
      .catch(function () {
        // Fall back to the ordinary form post, which reports the error on the page.
        var button = row.querySelector("button[data-state=" + state + "]");
        if (button) {
          form.removeEventListener("click", onClick);
          button.click();
        }
      });
  }

  function onClick(event) {
    var button = event.target.closest("button[name=row]");
    if (!button) return;
    event.preventDefault();
    send(button.closest("tr"), button.getAttribute("data-state"));
  }

  form.addEventListener("click", onClick);
  form.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var state = keys[(event.key || "").toLowerCase()];
    var row = event.target.closest("tr[data-registration]");
    if (!state || !row || event.target.tagName === "INPUT" || event.target.tagName === "SELECT") return;
    event.preventDefault();
    send(row, state);
  });
})();
