// ECharts for the statistics page; the numbers come from a JSON data block (CSP-safe).
document.addEventListener("DOMContentLoaded", () => {
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const font = { fontFamily: '"Noto Sans CJK SC", "Microsoft YaHei", sans-serif' };
  const categories = echarts.init(document.getElementById("chart-categories"));
  categories.setOption({
    textStyle: font,
    tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
    series: [{ type: "pie", radius: ["35%", "65%"], data: data.categories, label: { formatter: "{b}\n{d}%" } }],
  });
  const trend = echarts.init(document.getElementById("chart-trend"));
  trend.setOption({
    textStyle: font,
    tooltip: { trigger: "axis" },
    legend: { data: [data.labels.found, data.labels.closed] },
    xAxis: { type: "category", data: data.trend.map((r) => r.month) },
    yAxis: { type: "value" },
    series: [
      { name: data.labels.found, type: "bar", data: data.trend.map((r) => r.found) },
      { name: data.labels.closed, type: "line", data: data.trend.map((r) => r.closed) },
    ],
  });
  window.addEventListener("resize", () => { categories.resize(); trend.resize(); });
});
