/* Dashboard charts (Chart.js, vendored). Every chart has a table with the same
   numbers next to it, so nothing is lost when scripts are off or for screen readers;
   bars are told apart by pattern-free labels and legend text, not colour alone. */
(function () {
  "use strict";
  var source = document.getElementById("report-charts");
  if (!source || !window.Chart) return;
  var data = JSON.parse(source.textContent);
  var text = data.text || {};
  // Digital Agency palette: blue, green, orange, magenta — distinct for most colour vision.
  var colours = ["#0017c1", "#259d63", "#fb5b01", "#c2185b", "#6f42c1", "#00a3bf"];
  var base = {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    plugins: { legend: { position: "bottom" } },
  };

  function bar(id, labels, datasets, yTitle, extra) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    datasets.forEach(function (set, i) {
      set.backgroundColor = colours[i % colours.length];
      set.borderColor = "#1a1a1a";
      set.borderWidth = 1;
    });
    var options = JSON.parse(JSON.stringify(base));
    options.scales = { y: { beginAtZero: true, title: { display: true, text: yTitle } } };
    if (extra) Object.keys(extra).forEach(function (k) { options.scales.y[k] = extra[k]; });
    new window.Chart(canvas, { type: "bar", data: { labels: labels, datasets: datasets }, options: options });
  }

  var m = data.municipalities;
  if (m) {
    bar("chart-people", m.labels, [
      { label: text.registrations, data: m.registrations },
      { label: text.attended, data: m.attended },
    ], text.people);
    bar("chart-rates", m.labels, [
      { label: text.attendance_rate, data: m.attendance_rate },
      { label: text.prework_rate, data: m.prework_rate },
      { label: text.response_rate, data: m.response_rate },
    ], text.percent, { max: 100 });
  }
  var s = data.satisfaction || data;
  if (s.series) {
    bar("chart-satisfaction", s.labels, s.series.map(function (x) {
      return { label: x.label, data: x.data };
    }), text.people);
  }
})();
