// Assessment pages: the unit's trend chart, busy buttons for long computations, and selects that
// submit themselves. Data comes from json_script blocks (the Content Security Policy forbids inline
// scripts).
document.addEventListener("DOMContentLoaded", () => {
  // A computation takes a while for a whole city: say so, and do not let it be started twice.
  for (const form of document.querySelectorAll("form.js-busy")) {
    form.addEventListener("submit", () => {
      const button = form.querySelector("button[type=submit]");
      if (!button) return;
      if (button.dataset.busyText) button.textContent = button.dataset.busyText;
      button.disabled = true;
    });
  }

  for (const form of document.querySelectorAll("form.js-autosubmit")) {
    const button = form.querySelector(".js-autosubmit-button");
    if (button) button.hidden = true;
    for (const select of form.querySelectorAll("select")) {
      select.addEventListener("change", () => form.submit());
    }
  }

  const holder = document.getElementById("sheet-trend");
  const source = document.getElementById("sheet-trend-data");
  if (holder && source && window.echarts) {
    const data = JSON.parse(source.textContent);
    const chart = echarts.init(holder);
    const current = data.months.indexOf(data.current);
    chart.setOption({
      textStyle: { fontFamily: '"Noto Sans CJK SC", "Microsoft YaHei", sans-serif' },
      grid: { left: 40, right: 16, top: 24, bottom: 32 },
      tooltip: {
        trigger: "axis",
        formatter: (params) => {
          const p = params[0];
          const rank = data.ranks[p.dataIndex];
          return `${p.name}<br>${data.labels.rate}: ${p.value}%` + (rank ? `<br>${data.labels.rank}: ${rank}` : "");
        },
      },
      xAxis: { type: "category", data: data.months, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        {
          name: data.labels.rate,
          type: "line",
          smooth: true,
          symbolSize: 8,
          data: data.rates.map((value, index) =>
            index === current ? { value, itemStyle: { color: "#dc3545" }, symbolSize: 12 } : value
          ),
          areaStyle: { opacity: 0.08 },
        },
      ],
    });
    // A point opens that month's sheet.
    chart.on("click", (params) => {
      const url = data.urls[params.dataIndex];
      if (url) window.location.href = url;
    });
    window.addEventListener("resize", () => chart.resize());
  }
});
