// The indicators of an actor's page as a chart, drawn over the table that holds the same
// figures (the page reads whole without it). Chart.js comes from npm (api/ui), served by
// the portal at /static/portal/chart.umd.min.js; without it the figure stays hidden.
(function () {
  "use strict";
  var figure = document.getElementById("indicator-chart");
  if (!figure || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(document.getElementById("indicator-data").textContent);
  if (!data.series.length || data.years.length < 2) { return; }
  var canvas = document.createElement("canvas");
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", figure.getAttribute("aria-label"));
  figure.appendChild(canvas);
  figure.hidden = false;
  var colours = ["#0b5cad", "#b35900"];
  new window.Chart(canvas, {
    type: "line",
    data: {
      labels: data.years,
      datasets: data.series.map(function (series, number) {
        return { label: series.label, data: series.values, borderColor: colours[number % 2],
                 backgroundColor: colours[number % 2], tension: 0.2 };
      })
    },
    options: { responsive: true, animation: false, scales: { y: { beginAtZero: true } } }
  });
}());
