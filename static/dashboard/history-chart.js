/* The dashboard's chart of signatures over time (templates/dashboard/_history.html).
 *
 * Reads the numbers the page carries in <script type="application/json" id="history-data">
 * (selectors.petition_history -> pace.chart_data) and draws them with the vendored Chart.js
 * (static/vendor/chartjs): raw and valid each day, the steady line to the requirement by the
 * finish, valid at the 7-day pace from today, and the dates that bound the campaign as vertical
 * lines. The same numbers are in the table under the chart. The words come translated from the
 * canvas's data-word-* attributes, the number and date formats from the page's language. No
 * inline script: the site's Content-Security-Policy allows scripts from the site only. */
(function () {
  "use strict";

  var canvas = document.getElementById("history-chart");
  var source = document.getElementById("history-data");
  if (!canvas || !source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var words = canvas.dataset;
  var language = document.documentElement.lang || "en";
  var numbers = new Intl.NumberFormat(language);
  var shortDay = new Intl.DateTimeFormat(language, { month: "short", day: "numeric", timeZone: "UTC" });
  function dayOf(iso) {
    return shortDay.format(new Date(iso + "T00:00:00Z"));
  }
  var labels = data.labels.map(dayOf);

  var COLORS = {
    raw: "#6c757d",
    valid: "#198754",
    needed: "#dc3545",
    today: "#0d6efd",
    milestone: "#6f42c1",
  };

  // Vertical lines for today and the milestones (the deadline, the suggested filing dates).
  var markers = [{ index: data.labels.indexOf(data.today), text: words.wordToday, color: COLORS.today }];
  (data.milestones || []).forEach(function (milestone) {
    markers.push({ index: data.labels.indexOf(milestone.day), text: milestone.label, color: COLORS.milestone });
  });
  var markerPlugin = {
    id: "historyMarkers",
    afterDatasetsDraw: function (chart) {
      var x = chart.scales.x;
      var area = chart.chartArea;
      var context = chart.ctx;
      context.save();
      context.font = "11px system-ui, sans-serif";
      markers.forEach(function (marker, n) {
        if (marker.index < 0) {
          return;
        }
        var left = x.getPixelForValue(marker.index);
        context.strokeStyle = marker.color;
        context.fillStyle = marker.color;
        context.setLineDash([3, 3]);
        context.lineWidth = 1;
        context.beginPath();
        context.moveTo(left, area.top);
        context.lineTo(left, area.bottom);
        context.stroke();
        context.setLineDash([]);
        var text = marker.text;
        var width = context.measureText(text).width;
        var textLeft = left + 3 + width > area.right ? left - 3 - width : left + 3;
        context.fillText(text, textLeft, area.top + 12 + 13 * (n % 3));
      });
      context.restore();
    },
  };

  var chart = new window.Chart(canvas, {
    type: "line",
    data: {
      labels: labels,
      datasets: [
        {
          label: words.wordRaw,
          data: data.raw,
          borderColor: COLORS.raw,
          backgroundColor: COLORS.raw,
          borderWidth: 2,
          pointRadius: 0,
        },
        {
          label: words.wordValid,
          data: data.valid,
          borderColor: COLORS.valid,
          backgroundColor: "rgba(25, 135, 84, 0.12)",
          fill: "origin",
          borderWidth: 2.5,
          pointRadius: 0,
        },
        {
          label: words.wordLine,
          data: data.needed,
          borderColor: COLORS.needed,
          backgroundColor: COLORS.needed,
          borderDash: [6, 4],
          borderWidth: 1.5,
          pointRadius: 0,
        },
        {
          label: words.wordProjected,
          data: data.projected,
          borderColor: COLORS.valid,
          backgroundColor: COLORS.valid,
          borderDash: [2, 3],
          borderWidth: 1.5,
          pointRadius: 0,
        },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { ticks: { autoSkip: true, maxTicksLimit: 12, maxRotation: 0 } },
        y: {
          beginAtZero: true,
          ticks: {
            callback: function (value) {
              return numbers.format(value);
            },
          },
        },
      },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 18, boxHeight: 2 } },
        tooltip: {
          callbacks: {
            title: function (items) {
              return items.length ? data.labels[items[0].dataIndex] : "";
            },
            label: function (item) {
              return item.dataset.label + ": " + numbers.format(item.parsed.y);
            },
          },
        },
      },
    },
    plugins: [markerPlugin],
  });
  canvas.dataset.ready = "true"; // drawn (the browser test waits for it)
  canvas.historyChart = chart;
})();
