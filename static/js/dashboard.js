// The leader overview's trend chart and the 大屏 (big screen): figures come from a JSON data block
// (CSP: no inline script) and, on the big screen, from the figures endpoint every minute.
(() => {
  const font = { fontFamily: '"Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif' };
  const readJson = (id) => {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  };

  const trendOption = (data, labels, big) => {
    const size = big ? 22 : 11;
    return {
      textStyle: { ...font, fontSize: size },
      animation: !big,
      grid: big ? { left: 70, right: 30, top: 64, bottom: 44 } : { left: 32, right: 8, top: 28, bottom: 22 },
      legend: {
        top: 0,
        data: [labels.found, labels.closed, labels.overdue],
        textStyle: { fontSize: size, color: big ? "#e8eef7" : "#333" },
        itemWidth: big ? 30 : 14,
      },
      tooltip: { trigger: "axis" },
      xAxis: {
        type: "category",
        data: data.trend.map((r) => r.month.slice(2)),
        axisLabel: { fontSize: size, color: big ? "#c8d3e6" : "#555" },
      },
      yAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: size, color: big ? "#c8d3e6" : "#555" } },
      series: [
        { name: labels.found, type: "bar", data: data.trend.map((r) => r.found), itemStyle: { color: "#4e79a7" } },
        { name: labels.closed, type: "bar", data: data.trend.map((r) => r.closed), itemStyle: { color: "#59a14f" } },
        {
          name: labels.overdue,
          type: "line",
          data: data.trend.map((r) => r.overdue),
          itemStyle: { color: "#e15759" },
          lineStyle: { width: big ? 4 : 2 },
          symbolSize: big ? 12 : 6,
        },
      ],
    };
  };

  const categoriesOption = (data) => {
    const rows = [...data.categories].reverse();
    return {
      textStyle: { ...font, fontSize: 22 },
      animation: false,
      grid: { left: 220, right: 70, top: 10, bottom: 20 },
      xAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: 20, color: "#c8d3e6" } },
      yAxis: { type: "category", data: rows.map((r) => r.name), axisLabel: { fontSize: 22, color: "#e8eef7", width: 200, overflow: "truncate" } },
      series: [{ type: "bar", data: rows.map((r) => r.count), itemStyle: { color: "#f28e2b" }, label: { show: true, position: "right", fontSize: 22, color: "#e8eef7" } }],
    };
  };

  // The overview page (phone first): only the trend is a chart; the rest is server-rendered text.
  const overview = () => {
    const holder = document.getElementById("chart-trend");
    const data = readJson("overview-data");
    if (!holder || !data || !window.echarts) return;
    const chart = echarts.init(holder);
    chart.setOption(trendOption(data, readJson("overview-labels"), false));
    new ResizeObserver(() => chart.resize()).observe(holder);
  };

  // The big screen: everything rendered from the figures, again after each fetch.
  const item = (text, className) => {
    const li = document.createElement("li");
    li.textContent = text;
    if (className) li.className = className;
    return li;
  };
  const fill = (list, rows, empty) => {
    list.replaceChildren(...(rows.length ? rows : [item(empty, "wall-empty")]));
  };
  const changeText = (figure) => (figure.change > 0 ? `▲ +${figure.change}` : figure.change < 0 ? `▼ ${figure.change}` : "±0");

  const wall = () => {
    const root = document.getElementById("wall");
    if (!root || !window.echarts) return;
    const labels = readJson("overview-labels");
    const trend = echarts.init(document.getElementById("wall-chart-trend"));
    const categories = echarts.init(document.getElementById("wall-chart-categories"));
    const q = (cls) => root.querySelector(`.js-wall-${cls}`);
    const render = (data) => {
      q("month").textContent = data.month;
      q("updated").textContent = data.generated_at.slice(11, 16);
      // More found is neither good nor bad; fewer closed is worse; more overdue is worse.
      for (const [key, sign] of [["found", 0], ["closed", 1], ["overdue", -1]]) {
        q(key).textContent = data[key].value;
        const change = q(`${key}-change`);
        change.textContent = `${changeText(data[key])} ${labels.vs}`;
        const worse = sign * data[key].change < 0;
        const better = sign * data[key].change > 0;
        change.classList.toggle("wall-worse", worse);
        change.classList.toggle("wall-better", better);
      }
      q("overdue-now").textContent = data.overdue_now;
      q("ranking-month").textContent = data.ranking.month;
      const rank = (r) => {
        const li = item(`${r.unit} `);
        const number = document.createElement("span");
        number.className = "wall-rank";
        number.textContent = r.rank ?? "–";
        const rate = document.createElement("span");
        rate.className = "wall-rate";
        rate.textContent = `${r.rate}%`;
        li.prepend(number);
        li.append(rate);
        return li;
      };
      fill(q("top"), data.ranking.top.map(rank), labels.none);
      fill(q("bottom"), data.ranking.bottom.map(rank), labels.none);
      fill(q("flags"), data.red_flags.map((f) => item(`⚑ ${f.unit}`)), labels.none);
      fill(
        q("oldest"),
        data.oldest_overdue.map((c) => {
          const li = item(`${c.unit} · ${c.category} `);
          const badge = document.createElement("span");
          badge.className = "wall-days";
          badge.textContent = c.label;
          li.append(badge);
          return li;
        }),
        labels.none,
      );
      trend.setOption(trendOption(data, labels, true), true);
      categories.setOption(categoriesOption(data), true);
      root.dataset.generatedAt = data.generated_at;
    };
    render(readJson("overview-data"));
    const seconds = Number(root.dataset.refreshSeconds) || 60;
    const refresh = () =>
      fetch(root.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
        .then((data) => {
          root.classList.remove("wall-stale");
          render(data);
        })
        .catch(() => root.classList.add("wall-stale"));
    window.setInterval(refresh, seconds * 1000);
    // The panels settle once the figures are in (and on any resize): the charts follow them.
    for (const chart of [trend, categories]) new ResizeObserver(() => chart.resize()).observe(chart.getDom());
  };

  document.addEventListener("DOMContentLoaded", () => {
    overview();
    wall();
  });
})();
