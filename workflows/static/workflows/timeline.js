// When a long range makes the chart scroll sideways, open it where today is, so the line
// that matters most is in view rather than years ago at the left edge.
document.addEventListener("DOMContentLoaded", () => {
  const chart = document.querySelector(".rollout-timeline-chart");
  const today = chart && chart.querySelector(".today line");
  if (!today || chart.scrollWidth <= chart.clientWidth) return;
  const svg = chart.querySelector("svg");
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  chart.scrollLeft = today.x1.baseVal.value * scale - chart.clientWidth * 0.6;
});
