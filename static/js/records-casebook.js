/* Casebook build page: ask the server for the progress every 2 seconds and show it
   (the status line is aria-live); reload once the build has finished so the download
   links appear. Without this script the page has a Refresh link. */
(function () {
  "use strict";
  var box = document.querySelector("[data-build-state][data-active]");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-build-state");
  var bar = box.querySelector("progress");
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        bar.value = data.progress;
        bar.textContent = data.progress + "%";
        box.querySelector("[data-percent]").textContent = data.progress + "%";
        box.querySelector("[data-label]").textContent = data.label;
        box.querySelector("[data-step]").textContent = data.step;
        if (data.finished) { window.location.reload(); } else { window.setTimeout(poll, 2000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
