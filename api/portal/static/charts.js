// Progressive enhancement: a chart drawn above each table marked data-chart, from the
// figures in the table itself (the table stays: it is the accessible form of the chart).
// Columns whose header has data-series="false" are not drawn; columns are grouped by their
// header's data-unit (one chart per unit, so euros and headcounts never share an axis).
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var palette = ["#0b5cad", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0e7490", "#a16207", "#475569"];
  function cellValue(cell) {
    if (!cell || cell.dataset.suppressed === "true") { return null; }
    var raw = cell.dataset.value;
    return raw === undefined || raw === "" ? null : Number(raw);
  }
  document.querySelectorAll("table[data-chart]").forEach(function (table) {
    var kind = table.dataset.chart;
    var heads = Array.prototype.slice.call(table.querySelectorAll("thead th"));
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
    var caption = table.querySelector("caption");
    var groups = {};
    heads.forEach(function (th, index) {
      if (index === 0 || th.dataset.series === "false") { return; }
      var unit = th.dataset.unit || "count";
      (groups[unit] = groups[unit] || []).push(index);
    });
    var labels = rows.map(function (tr) { return tr.querySelector("th").textContent.trim(); });
    Object.keys(groups).forEach(function (unit) {
      var datasets = groups[unit].map(function (index, n) {
        return {
          label: heads[index].textContent.trim(),
          data: rows.map(function (tr) { return cellValue(tr.children[index]); }),
          backgroundColor: palette[n % palette.length],
          borderColor: palette[n % palette.length]
        };
      });
      var figure = document.createElement("div");
      figure.className = "chart";
      var canvas = document.createElement("canvas");
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", (caption ? caption.textContent.trim() : "") +
                          " — " + (document.documentElement.lang === "fr"
                                   ? "graphique ; le tableau qui suit donne les valeurs"
                                   : "chart; the table below gives the values"));
      figure.appendChild(canvas);
      table.parentNode.parentNode.insertBefore(figure, table.parentNode);
      new Chart(canvas, {
        type: kind === "line" ? "line" : "bar",
        data: { labels: labels, datasets: datasets },
        options: {
          responsive: true, maintainAspectRatio: false, animation: false,
          locale: document.documentElement.lang === "fr" ? "fr-FR" : "en-GB",
          plugins: { legend: { position: "bottom" } },
          scales: { y: { beginAtZero: true } }
        }
      });
    });
  });
})();
