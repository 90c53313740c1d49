// The CRM dashboard's and the forecast page's charts, drawn by Chart.js from the JSON the page carries:
// pipeline value per stage (#crm-stage-data) and won + weighted pipeline per month against target
// (#crm-forecast-data). A page without one of them simply has no such chart.
document.addEventListener("DOMContentLoaded", () => {
  if (typeof Chart === "undefined") {
    return;
  }
  const read = (id) => {
    const source = document.getElementById(id);
    return source ? JSON.parse(source.textContent) : null;
  };
  const money = (value) => value.toLocaleString(undefined, { maximumFractionDigits: 0 });

  const stages = read("crm-stage-data");
  if (stages) {
    new Chart(document.getElementById("crm-stage-chart"), {
      type: "bar",
      data: {
        labels: stages.labels,
        datasets: [
          { label: stages.titles.value, data: stages.value, backgroundColor: "#0d6efd" },
          { label: stages.titles.weighted, data: stages.weighted, backgroundColor: "#20c997" },
        ],
      },
      options: {
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, ticks: { callback: money } } },
        plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${money(item.parsed.y)}` } } },
      },
    });
  }

  const forecast = read("crm-forecast-data");
  if (forecast) {
    new Chart(document.getElementById("crm-forecast-chart"), {
      data: {
        labels: forecast.labels,
        datasets: [
          { type: "bar", label: forecast.titles.won, data: forecast.won, backgroundColor: "#198754", stack: "committed" },
          {
            type: "bar",
            label: forecast.titles.weighted,
            data: forecast.weighted,
            backgroundColor: "#9ec5fe",
            stack: "committed",
          },
          {
            type: "line",
            label: forecast.titles.target,
            data: forecast.target,
            borderColor: "#dc3545",
            backgroundColor: "#dc3545",
            borderWidth: 2,
            tension: 0,
            stack: "target", // its own stack: drawn at its value, not on top of the bars
          },
        ],
      },
      options: {
        maintainAspectRatio: false,
        scales: { x: { stacked: true }, y: { beginAtZero: true, stacked: true, ticks: { callback: money } } },
        plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${money(item.parsed.y)}` } } },
      },
    });
  }
});
