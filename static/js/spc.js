// The SPC page's control charts, drawn by Chart.js from the JSON the page carries (#spc-chart-data):
// the individual values against their mean, control limits (dashed) and specification limits (red), and
// the X-bar and R charts of the subgroups when a subgroup size is chosen.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("spc-chart-data");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);
  const text = data.text;

  // A horizontal line across the chart: a mean, a control limit or a specification limit.
  const level = (label, value, count, colour, dash) => ({
    label,
    data: Array(count).fill(value),
    borderColor: colour,
    borderWidth: 1.5,
    borderDash: dash,
    pointRadius: 0,
    fill: false,
  });

  const draw = (canvasId, labels, series, lines) => {
    const canvas = document.getElementById(canvasId);
    if (!canvas) {
      return;
    }
    new Chart(canvas, {
      type: "line",
      data: {
        labels,
        datasets: [
          { ...series, borderColor: "#0d6efd", backgroundColor: "#0d6efd", borderWidth: 2, tension: 0 },
          ...lines.filter((line) => line.data[0] !== null && line.data[0] !== undefined),
        ],
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { position: "bottom" } },
        scales: { x: { ticks: { maxRotation: 60, autoSkip: true } } },
      },
    });
  };

  if (data.individuals) {
    const chart = data.individuals;
    const count = chart.values.length;
    draw("spc-individuals", data.labels, { label: text.value, data: chart.values }, [
      level(text.mean, chart.mean, count, "#198754", []),
      level(text.ucl, chart.ucl, count, "#fd7e14", [6, 4]),
      level(text.lcl, chart.lcl, count, "#fd7e14", [6, 4]),
      level(text.usl, data.usl, count, "#dc3545", []),
      level(text.lsl, data.lsl, count, "#dc3545", []),
    ]);
  }
  if (data.xbar) {
    const chart = data.xbar;
    const labels = chart.means.map((_mean, index) => index + 1);
    const count = labels.length;
    draw("spc-xbar", labels, { label: text.subgroupMean, data: chart.means }, [
      level(text.mean, chart.grandMean, count, "#198754", []),
      level(text.ucl, chart.xUcl, count, "#fd7e14", [6, 4]),
      level(text.lcl, chart.xLcl, count, "#fd7e14", [6, 4]),
    ]);
    draw("spc-range", labels, { label: text.range, data: chart.ranges }, [
      level(text.mean, chart.rBar, count, "#198754", []),
      level(text.ucl, chart.rUcl, count, "#fd7e14", [6, 4]),
      level(text.lcl, chart.rLcl, count, "#fd7e14", [6, 4]),
    ]);
  }
});
