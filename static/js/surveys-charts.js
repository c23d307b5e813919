/* Survey result charts, drawn with the vendored Chart.js (static/vendor/chartjs).
   Each canvas names the <script type="application/json"> that holds its numbers;
   the same numbers are in the table beside it, so nothing depends on the picture. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var palette = ["#0017c1", "#b04a00", "#115a36", "#6f2da8", "#8a5300", "#00566b", "#a3003b", "#4d4d4d"];
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#1a1a1a";
  Chart.defaults.animation = false;

  function read(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  document.querySelectorAll("canvas[data-survey-chart]").forEach(function (canvas) {
    var spec = read(canvas.getAttribute("data-survey-chart"));
    if (!spec) { return; }
    var horizontal = !!spec.horizontal;
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: [{ label: spec.label, data: spec.values, backgroundColor: palette[0] }]
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: horizontal
          ? { x: { beginAtZero: true, ticks: { precision: 0 } } }
          : { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  });

  document.querySelectorAll("canvas[data-survey-compare]").forEach(function (canvas) {
    var spec = read(canvas.getAttribute("data-survey-compare"));
    if (!spec) { return; }
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (s, i) {
          return { label: s.label, data: s.values, backgroundColor: palette[i % palette.length] };
        })
      },
      options: {
        maintainAspectRatio: false,
        scales: { y: { min: 0, max: 5, ticks: { stepSize: 1 } } }
      }
    });
  });
})();
