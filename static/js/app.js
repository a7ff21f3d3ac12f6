// Small behaviours without inline scripts (the Content Security Policy forbids them).
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll(".js-language-form")) {
    const select = form.querySelector("select");
    const button = form.querySelector("button");
    if (select && button) {
      button.hidden = true;
      select.addEventListener("change", () => form.submit());
    }
  }
});

// --- Progress bars, period selector, rows added to forms, background jobs' progress (binders, bulletins, exports). ---
(() => {
  const setBar = (bar, value) => {
    const percent = Math.max(0, Math.min(100, Number(value) || 0));
    bar.style.width = `${percent}%`;
    bar.textContent = `${percent}%`;
    const outer = bar.closest("[role=progressbar]");
    if (outer) outer.setAttribute("aria-valuenow", String(percent));
  };

  const pollJob = (card) => {
    const url = card.dataset.statusUrl;
    const bar = card.querySelector(".js-job-bar");
    const status = card.querySelector(".js-job-status");
    const stage = card.querySelector(".js-job-stage");
    const message = card.querySelector(".js-job-message");
    const download = card.querySelector(".js-job-download");
    const filename = card.querySelector(".js-job-filename");
    const summary = card.querySelector(".js-job-summary");
    const show = (state) => {
      card.dataset.status = state.status;
      if (bar) {
        setBar(bar, state.progress);
        const finished = state.status === "done" || state.status === "failed";
        bar.classList.toggle("progress-bar-striped", !finished);
        bar.classList.toggle("progress-bar-animated", !finished);
        bar.classList.toggle("bg-success", state.status === "done");
        bar.classList.toggle("bg-danger", state.status === "failed");
      }
      if (status) {
        status.textContent = state.status_label || state.status;
        status.classList.toggle("text-bg-success", state.status === "done");
        status.classList.toggle("text-bg-danger", state.status === "failed");
        status.classList.toggle("text-bg-secondary", state.status !== "done" && state.status !== "failed");
      }
      if (stage) stage.textContent = state.status === "done" ? "" : state.stage || "";
      if (message) {
        message.textContent = state.message || "";
        message.hidden = !state.message;
      }
      if (download) {
        download.hidden = !state.download_url;
        if (state.download_url) download.href = state.download_url;
      }
      if (filename) filename.textContent = state.filename || "";
      if (summary) {
        summary.textContent = state.summary || "";
        summary.hidden = !state.summary;
      }
    };
    const tick = async () => {
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (response.ok) {
          const state = await response.json();
          show(state);
          if (state.status === "done" && card.hasAttribute("data-reload-when-done")) window.location.reload();
          if (state.status === "done" || state.status === "failed") return;
        }
      } catch (error) {
        // A dropped connection: try again on the next tick.
      }
      window.setTimeout(tick, 1000);
    };
    if (card.dataset.status !== "done" && card.dataset.status !== "failed") window.setTimeout(tick, 1000);
  };

  const addFormsetRow = (fieldset) => {
    const total = fieldset.querySelector(`input[name="${fieldset.dataset.prefix}-TOTAL_FORMS"]`);
    const template = fieldset.querySelector("template.js-formset-empty");
    const rows = fieldset.querySelector(".js-formset-rows");
    if (!total || !template || !rows) return;
    const index = Number(total.value) || 0;
    const html = template.innerHTML.replace(/__prefix__/g, String(index));
    rows.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    const first = rows.lastElementChild && rows.lastElementChild.querySelector("input, select, textarea");
    if (first) first.focus();
  };

  document.addEventListener("DOMContentLoaded", () => {
    for (const bar of document.querySelectorAll(".js-progress[data-progress]")) setBar(bar, bar.dataset.progress);
    for (const form of document.querySelectorAll(".js-autosubmit")) {
      const button = form.querySelector("button[type=submit]");
      if (button) button.hidden = true;
      for (const select of form.querySelectorAll("select")) select.addEventListener("change", () => form.submit());
    }
    for (const fieldset of document.querySelectorAll(".js-formset")) {
      const button = fieldset.querySelector(".js-formset-add");
      if (button) button.addEventListener("click", () => addFormsetRow(fieldset));
    }
    for (const card of document.querySelectorAll(".js-job[data-status-url]")) pollJob(card);
  });
})();

// --- Signed out (no user menu on the page): the field app's copies of pages and photos were the
// last person's; drop them, so nobody else sees them without signal. ---
document.addEventListener("DOMContentLoaded", () => {
  if (document.getElementById("user-menu") || !("caches" in window)) return;
  for (const name of ["gongjian-field-pages", "gongjian-field-photos"]) caches.delete(name).catch(() => {});
});
