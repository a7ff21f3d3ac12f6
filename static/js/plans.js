// The Gantt view's bars: offsets and widths come as data attributes (percent of the plan's span);
// the Content Security Policy forbids inline styles, so they are set here.
document.addEventListener("DOMContentLoaded", () => {
  for (const el of document.querySelectorAll(".js-gantt")) {
    const clamp = (v) => Math.max(0, Math.min(100, Number(v) || 0));
    if (el.dataset.offset !== undefined) el.style.left = `${clamp(el.dataset.offset)}%`;
    if (el.dataset.width !== undefined) el.style.width = `${clamp(el.dataset.width)}%`;
  }
});
