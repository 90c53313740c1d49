// The OEE page's charts: the ratios per day (lines) and the minutes lost per cause (bars), drawn by
// Chart.js from the JSON the page carries (#oee-chart-data).
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("oee-chart-data");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);
  const colours = ["#212529", "#0d6efd", "#fd7e14", "#198754"];

  new Chart(document.getElementById("oee-trend"), {
    type: "line",
    data: {
      labels: data.trend.labels,
      datasets: data.trend.series.map((series, index) => ({
        label: series.label,
        data: series.data,
        borderColor: colours[index % colours.length],
        backgroundColor: colours[index % colours.length],
        borderWidth: index === 0 ? 3 : 1.5,
        spanGaps: false,
        tension: 0.2,
      })),
    },
    options: {
      maintainAspectRatio: false,
      scales: { y: { beginAtZero: true, suggestedMax: 100, ticks: { callback: (value) => `${value} %` } } },
      plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${item.parsed.y.toFixed(1)} %` } } },
    },
  });

  new Chart(document.getElementById("oee-losses"), {
    type: "bar",
    data: {
      labels: data.losses.labels,
      datasets: [{ label: data.losses.title, data: data.losses.minutes, backgroundColor: "#dc3545" }],
    },
    options: {
      indexAxis: "y",
      maintainAspectRatio: false,
      plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true } },
    },
  });
});
