// A supplier's scorecard trend: score and percentages per month (left axis), reject rate and price
// variance (right axis), drawn by Chart.js from the JSON the page carries (#scorecard-chart-data).
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("scorecard-chart-data");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);
  const colours = ["#212529", "#0d6efd", "#198754", "#dc3545", "#fd7e14"];

  new Chart(document.getElementById("scorecard-trend"), {
    type: "line",
    data: {
      labels: data.labels,
      datasets: data.series.map((series, index) => ({
        label: series.label,
        data: series.data,
        yAxisID: series.axis,
        borderColor: colours[index % colours.length],
        backgroundColor: colours[index % colours.length],
        borderWidth: index === 0 ? 3 : 1.5,
        borderDash: series.axis === "y2" ? [5, 4] : [],
        spanGaps: false,
        tension: 0.2,
      })),
    },
    options: {
      maintainAspectRatio: false,
      scales: {
        y: { min: 0, suggestedMax: 100, title: { display: true, text: data.axes.y } },
        y2: {
          position: "right",
          suggestedMin: 0,
          suggestedMax: 10,
          grid: { drawOnChartArea: false },
          title: { display: true, text: data.axes.y2 },
        },
      },
      plugins: {
        tooltip: {
          callbacks: {
            label: (item) => {
              const value = item.parsed.y === null ? "—" : item.parsed.y.toFixed(1);
              return `${item.dataset.label}: ${value}`;
            },
          },
        },
      },
    },
  });
});
