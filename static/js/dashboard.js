// The role dashboards' charts: every <canvas data-chart-spec="ID"> is drawn by Chart.js from the JSON in the
// <script id="ID"> beside it (core.dashboards.Chart: type, labels, datasets, units), so a panel needs no
// script of its own.
document.addEventListener("DOMContentLoaded", () => {
  if (typeof Chart === "undefined") {
    return;
  }
  const palette = ["#0d6efd", "#20c997", "#fd7e14", "#6f42c1", "#dc3545", "#198754", "#0dcaf0", "#6c757d"];
  const format = (unit) => (value) => {
    if (value === null || value === undefined) {
      return "—";
    }
    // Small values keep their decimals (an axis of 0 to 1 reads 0.2, 0.4...); amounts are shown whole.
    const digits = unit === "%" || Math.abs(value) < 10 ? 1 : 0;
    const text = Number(value).toLocaleString(undefined, { maximumFractionDigits: digits });
    return unit === "%" ? `${text} %` : text;
  };

  const draw = (canvas, spec) => {
    const round = spec.type === "doughnut" || spec.type === "pie";
    const left = format(spec.unit);
    const right = format(spec.rightUnit);
    const datasets = spec.datasets.map((series, index) => {
      const colour = palette[index % palette.length];
      const dataset = { label: series.label, data: series.data, spanGaps: true };
      if (round) {
        dataset.backgroundColor = spec.labels.map((_label, at) => palette[at % palette.length]);
      } else {
        dataset.backgroundColor = colour;
        dataset.borderColor = colour;
      }
      if (series.type) {
        dataset.type = series.type;
      }
      if ((series.type || spec.type) === "line") {
        dataset.borderWidth = 2;
        dataset.tension = 0; // straight between the points: a curve would show values no period had
      }
      if (series.axis === "right") {
        dataset.yAxisID = "right";
      }
      return dataset;
    });
    const valueAxis = spec.horizontal ? "x" : "y";
    const options = {
      maintainAspectRatio: false,
      // A reader who asked the system for less motion gets the charts drawn at once.
      animation: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? false : undefined,
      plugins: { legend: { display: datasets.length > 1 || round } },
    };
    if (!round) {
      options.indexAxis = valueAxis === "x" ? "y" : "x";
      options.scales = {
        [valueAxis]: { beginAtZero: true, stacked: spec.stacked, ticks: { callback: left } },
        [valueAxis === "x" ? "y" : "x"]: { stacked: spec.stacked },
      };
      if (spec.datasets.some((series) => series.axis === "right")) {
        options.scales.right = {
          position: "right",
          beginAtZero: true,
          grid: { drawOnChartArea: false },
          ticks: { callback: right },
        };
        if (spec.rightUnit === "%") {
          options.scales.right.suggestedMax = 100;
        }
      }
      options.plugins.tooltip = {
        callbacks: {
          label: (item) => {
            const value = item.parsed[valueAxis];
            return `${item.dataset.label}: ${(item.dataset.yAxisID === "right" ? right : left)(value)}`;
          },
        },
      };
    }
    new Chart(canvas, { type: spec.type, data: { labels: spec.labels, datasets }, options });
  };

  for (const canvas of document.querySelectorAll("canvas[data-chart-spec]")) {
    const source = document.getElementById(canvas.dataset.chartSpec);
    if (source) {
      draw(canvas, JSON.parse(source.textContent));
    }
  }
});
