// The phone pages (report, rectify, re-check): photos sent as soon as they are chosen, the place
// suggested from the photo's GPS or the phone's position, pickers that filter as you type and
// select with a tap or Enter, every error shown at once, and the outbox when there is no signal.
/* global exifr, GongjianOutbox */
(() => {
  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));
  const stringsElement = document.getElementById("field-strings");
  const S = stringsElement ? JSON.parse(stringsElement.textContent) : {};
  const fmt = (text, values) => text.replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));

  const newKey = () => {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
  const csrf = () => ($("input[name=csrfmiddlewaretoken]") || {}).value || "";

  // --- installable app: the service worker at the root, and the report page kept for offline ---
  const registerWorker = () => {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
    if (navigator.onLine && "caches" in window) {
      caches.open("gongjian-field-pages").then((cache) => cache.add("/problems/report/")).catch(() => {});
    }
  };

  // --- distance (the same rule as gongjian/inspections/nearby.py, for use without signal) ---
  const distance = (lat1, lng1, lat2, lng2) => {
    const rad = Math.PI / 180;
    const dp = (lat2 - lat1) * rad;
    const dl = (lng2 - lng1) * rad;
    const a = Math.sin(dp / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dl / 2) ** 2;
    return 2 * 6371000 * Math.asin(Math.sqrt(Math.min(1, a)));
  };
  const levelOrder = { compound: 0, community: 1 };
  const nearestLocally = (lat, lng, limit = 5) =>
    $$("input[name=unit][data-lat]")
      .map((input) => ({
        id: input.value,
        name: input.closest("label").querySelector(".pick-name").textContent,
        level: input.dataset.level,
        d: distance(lat, lng, Number(input.dataset.lat), Number(input.dataset.lng)),
      }))
      .filter((u) => u.d <= 3000)
      .sort((a, b) => Math.floor(a.d / 60) - Math.floor(b.d / 60) || (levelOrder[a.level] ?? 2) - (levelOrder[b.level] ?? 2) || a.d - b.d || a.id - b.id)
      .slice(0, limit)
      .map((u) => ({ id: Number(u.id), name: u.name, distance_m: Math.round(u.d) }));

  // --- searchable pickers: typing filters, a tap or Enter selects ---
  const setupPick = (pick) => {
    const search = $(".js-pick-search", pick);
    const options = $$(".pick-option", pick);
    const more = $(".js-pick-more", pick);
    const limit = Number(pick.dataset.limit || 8);
    let expanded = false;
    const visible = () => options.filter((o) => !o.hidden);
    const refresh = () => {
      const needle = (search.value || "").trim().toLowerCase();
      let shown = 0;
      for (const option of options) {
        const input = $("input", option);
        const match = !needle || (input.dataset.search || "").toLowerCase().includes(needle);
        const show = input.checked || (match && (expanded || needle || shown < limit));
        option.hidden = !show;
        if (show && !input.checked) shown += 1;
        option.classList.toggle("is-selected", input.checked);
      }
      if (more) more.hidden = expanded || Boolean(needle) || options.length <= limit;
    };
    search.addEventListener("input", refresh);
    search.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      const first = visible().find((o) => (o.querySelector("input").dataset.search || "").toLowerCase().includes(search.value.trim().toLowerCase()));
      if (first) {
        const input = $("input", first);
        input.checked = true;
        input.dispatchEvent(new Event("change", { bubbles: true }));
        search.value = "";
        refresh();
        search.blur();
      }
    });
    pick.addEventListener("change", () => refresh());
    if (more) more.addEventListener("click", () => { expanded = true; refresh(); });
    refresh();
    pick.refresh = refresh;
    return pick;
  };
  const choose = (name, value) => {
    const input = $(`input[name=${name}][value="${CSS.escape(String(value))}"]`);
    if (!input) return false;
    input.checked = true;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  };

  // --- the place: nearest units from a position ---
  const showNearby = async (form, lat, lng, title) => {
    const box = $(".js-nearby", form);
    if (!box) return;
    $("#id_latitude", form).value = lat.toFixed(6);
    $("#id_longitude", form).value = lng.toFixed(6);
    let units = null;
    if (navigator.onLine && form.dataset.nearbyUrl) {
      try {
        const response = await fetch(`${form.dataset.nearbyUrl}?lat=${lat.toFixed(6)}&lng=${lng.toFixed(6)}`, {
          headers: { Accept: "application/json" }, credentials: "same-origin",
        });
        if (response.ok) units = (await response.json()).units;
      } catch (error) { units = null; }
    }
    if (!units) units = nearestLocally(lat, lng);
    const list = $(".js-nearby-list", form);
    list.replaceChildren();
    for (const unit of units) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-outline-primary nearby-unit";
      button.dataset.unit = unit.id;
      const name = document.createElement("span");
      name.textContent = unit.name;
      const far = document.createElement("small");
      far.textContent = fmt(S.metres || "%(n)s m", { n: unit.distance_m });
      button.append(name, far);
      button.addEventListener("click", () => {
        choose("unit", unit.id);
        for (const other of $$(".nearby-unit", list)) other.classList.toggle("active", other === button);
      });
      list.append(button);
    }
    $(".js-nearby-title", form).textContent = title;
    box.hidden = units.length === 0;
  };
  const locatePhone = (form, status) => {
    if (!("geolocation" in navigator)) return;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        if (status) status.textContent = S.located;
        showNearby(form, position.coords.latitude, position.coords.longitude, S.nearestPhone);
      },
      () => { if (status) status.textContent = S.locateFailed; },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 },
    );
  };

  // --- photos: sent as soon as chosen, previews, removable; kept on the phone without signal ---
  const setupPhotos = (form, block) => {
    const input = $("input[type=file]", block);
    const previews = $(".js-previews", block);
    let located = false;
    const addPreview = (file) => {
      const item = document.createElement("li");
      item.className = "photo-preview";
      item.dataset.state = "uploading";
      item.file = file;
      const img = document.createElement("img");
      img.alt = S.photo;
      img.src = URL.createObjectURL(file);
      const state = document.createElement("span");
      state.className = "photo-state small";
      state.textContent = S.uploading;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-sm btn-outline-danger photo-remove js-photo-remove";
      remove.textContent = S.remove;
      item.append(img, state, remove);
      previews.append(item);
      return item;
    };
    const upload = async (item) => {
      const body = new FormData();
      body.append("photo", item.file, item.file.name || "photo.jpg");
      const state = $(".photo-state", item);
      try {
        const response = await fetch(block.dataset.uploadUrl, {
          method: "POST", body, credentials: "same-origin",
          headers: { Accept: "application/json", "X-CSRFToken": csrf() },
        });
        const data = await response.json();
        if (!response.ok) {
          item.dataset.state = "refused";
          state.textContent = Object.values(data.errors || {}).flat().join(" ");
          state.classList.add("text-danger");
          return;
        }
        const token = document.createElement("input");
        token.type = "hidden";
        token.name = "photo_token";
        token.value = data.token;
        item.append(token);
        item.dataset.state = "sent";
        state.textContent = S.sent;
        if (!located && data.latitude !== null && data.latitude !== undefined) {
          located = true;
          showNearby(form, data.latitude, data.longitude, S.nearestPhoto);
        }
      } catch (error) {
        item.dataset.state = "kept";
        state.textContent = S.kept;
      }
    };
    input.addEventListener("change", async () => {
      const files = Array.from(input.files || []);
      input.value = "";
      for (const file of files) {
        const item = addPreview(file);
        if (!located && form.dataset.nearbyUrl && window.exifr) {
          try {
            const gps = await exifr.gps(file);
            if (gps && Number.isFinite(gps.latitude) && !located) {
              located = true;
              showNearby(form, gps.latitude, gps.longitude, S.nearestPhoto);
            }
          } catch (error) { /* no readable position in this photo */ }
        }
        if (navigator.onLine) upload(item);
        else { item.dataset.state = "kept"; $(".photo-state", item).textContent = S.kept; }
      }
      if (!located && form.dataset.nearbyUrl) locatePhone(form, $(".js-locate-status", form));
      clearError(form, "photos");
    });
    previews.addEventListener("click", (event) => {
      const button = event.target.closest(".js-photo-remove");
      if (button) button.closest(".photo-preview").remove();
    });
    input.required = false; // the previews hold the photos now; checked before sending
  };
  const photoItems = (form) => $$(".photo-preview", form).filter((item) => item.dataset.state !== "refused");

  // --- errors: all at once, next to their fields and in one list at the top ---
  const clearError = (form, field) => {
    const slot = $(`.js-error[data-for="${field}"]`, form);
    if (slot) slot.textContent = "";
    const control = form.elements[field];
    if (control && control.classList) control.classList.remove("is-invalid");
  };
  const showErrors = (form, errors) => {
    const box = $(".js-form-errors", form);
    const list = $(".js-form-error-list", form);
    for (const slot of $$(".js-error", form)) slot.textContent = "";
    for (const element of $$(".is-invalid", form)) element.classList.remove("is-invalid");
    list.replaceChildren();
    for (const [field, messages] of Object.entries(errors)) {
      for (const message of messages) {
        const li = document.createElement("li");
        li.textContent = message;
        list.append(li);
      }
      const slot = $(`.js-error[data-for="${field}"]`, form);
      if (slot) slot.textContent = messages.join(" ");
      const control = form.elements[field];
      if (control && control.classList) control.classList.add("is-invalid");
    }
    box.hidden = Object.keys(errors).length === 0;
    if (!box.hidden) { box.scrollIntoView({ block: "start" }); box.focus({ preventScroll: true }); }
  };
  const checkRequired = (form) => {
    const errors = {};
    const kind = form.dataset.kind;
    const value = (name) => {
      const control = form.elements[name];
      if (!control) return "";
      return (control.value || "").trim();
    };
    const failed = kind === "review" && value("passed") === "false";
    if ((kind !== "review" || failed) && photoItems(form).length === 0) errors.photos = [S.photoRequired];
    const required = { report: ["unit", "category", "description"], rectify: ["note"], review: ["passed"] }[kind] || [];
    for (const name of required) if (!value(name)) errors[name] = [S.required];
    if (failed && !value("note")) errors.note = [S.reasonRequired];
    return errors;
  };

  // --- sending, or keeping it in the outbox ---
  const notice = (text) => {
    const box = $(".js-field-notice");
    if (!box) return;
    box.textContent = text;
    box.hidden = !text;
  };
  const keyInput = (form) => $(".js-idempotency-key", form);
  const outboxItem = (form) => {
    const fields = [];
    for (const [name, value] of new FormData(form).entries()) {
      if (["photos", "photo_token", "csrfmiddlewaretoken", "idempotency_key"].includes(name)) continue;
      fields.push([name, value]);
    }
    const items = photoItems(form);
    const description = (form.elements.description || form.elements.note || {}).value || "";
    return {
      key: keyInput(form).value,
      kind: form.dataset.kind,
      title: `${form.dataset.title} · ${description.slice(0, 40)}`,
      url: form.action,
      user: $(".js-outbox").dataset.user,
      fields,
      tokens: items.map((i) => ($("input[name=photo_token]", i) || {}).value).filter(Boolean),
      photos: items.filter((i) => !$("input[name=photo_token]", i) && i.file).map((i) => ({ blob: i.file, name: i.file.name || "photo.jpg" })),
    };
  };
  const resetForm = (form) => {
    form.reset();
    for (const item of $$(".photo-preview", form)) item.remove();
    const nearby = $(".js-nearby", form);
    if (nearby) nearby.hidden = true;
    for (const pick of $$(".js-pick", form)) pick.refresh && pick.refresh();
    keyInput(form).value = newKey();
    window.scrollTo(0, 0);
  };
  const keep = async (form) => {
    await GongjianOutbox.add(outboxItem(form));
    resetForm(form);
    notice(S.queued);
  };
  const setupSubmit = (form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      notice("");
      const errors = checkRequired(form);
      showErrors(form, errors);
      if (Object.keys(errors).length) return;
      const button = $(".js-submit", form);
      if (!navigator.onLine) { await keep(form); return; }
      button.disabled = true;
      const item = outboxItem(form);
      const body = new FormData();
      body.append("csrfmiddlewaretoken", csrf());
      for (const [name, value] of item.fields) body.append(name, value);
      for (const token of item.tokens) body.append("photo_token", token);
      for (const photo of item.photos) body.append("photos", photo.blob, photo.name);
      let response;
      try {
        response = await fetch(form.action, {
          method: "POST", body, credentials: "same-origin",
          headers: { Accept: "application/json", "Idempotency-Key": item.key },
        });
      } catch (error) {
        button.disabled = false;
        await keep(form);
        return;
      }
      button.disabled = false;
      const type = response.headers.get("Content-Type") || "";
      if (type.includes("application/json")) {
        const data = await response.json();
        if (response.ok) { window.location.assign(data.url); return; }
        if (data.errors) { showErrors(form, data.errors); return; }
      }
      if (response.status >= 500) { await keep(form); return; }
      showErrors(form, { __all__: [`${response.status} ${response.statusText}`] });
    });
  };

  // --- what waits in the outbox ---
  const setupOutbox = () => {
    const box = $(".js-outbox");
    if (!box || !window.GongjianOutbox) return;
    const user = box.dataset.user;
    const list = $(".js-outbox-list", box);
    const render = (items) => {
      const mine = items.filter((i) => String(i.user) === String(user));
      $(".js-outbox-count", box).textContent = String(mine.length);
      box.hidden = mine.length === 0;
      list.replaceChildren();
      for (const item of mine) {
        const li = document.createElement("li");
        li.className = `outbox-item outbox-${item.state}`;
        li.dataset.key = item.key;
        const title = document.createElement("div");
        title.className = "fw-semibold";
        title.textContent = item.title;
        const state = document.createElement("div");
        state.className = `small outbox-state ${item.state === "failed" ? "text-danger" : "text-muted"}`;
        const when = new Date(item.createdAt).toLocaleString();
        state.textContent = `${item.state === "failed" ? S.failed : item.state === "sending" ? S.sending : S.waiting} · ${when}${item.error ? ` · ${item.error}` : ""}`;
        li.append(title, state);
        if (item.state === "failed") {
          const remove = document.createElement("button");
          remove.type = "button";
          remove.className = "btn btn-sm btn-outline-danger";
          remove.textContent = S.remove;
          remove.addEventListener("click", () => GongjianOutbox.remove(item.key));
          li.append(remove);
        }
        list.append(li);
      }
    };
    GongjianOutbox.onChange(render);
    const send = async () => {
      const done = await GongjianOutbox.sendAll(S, user);
      if (done.length) notice(done.map((d) => fmt(S.recorded, { number: d.number })).join(" "));
    };
    $(".js-outbox-send", box).addEventListener("click", send);
    window.addEventListener("online", send);
    window.setInterval(send, 15000);
    send();
  };

  const setupConnection = () => {
    const label = $(".js-connection");
    if (!label) return;
    const show = () => {
      label.textContent = navigator.onLine ? "" : label.dataset.offline;
      label.hidden = navigator.onLine;
    };
    window.addEventListener("online", show);
    window.addEventListener("offline", show);
    show();
  };

  // --- category suggestions from the description (GET /api/v1/categories/suggest/) ---
  const setupSuggestions = (form) => {
    const text = form.elements.description;
    const box = $(".js-suggestions", form);
    if (!text || !box || !form.dataset.suggestUrl) return;
    let timer = null;
    let asked = "";
    const ask = async () => {
      const value = text.value.trim();
      if (value.length < 2 || value === asked || !navigator.onLine) return;
      asked = value;
      try {
        const response = await fetch(`${form.dataset.suggestUrl}?text=${encodeURIComponent(value)}`, {
          headers: { Accept: "application/json" }, credentials: "same-origin",
        });
        if (!response.ok) { box.hidden = true; return; }
        const suggestions = ((await response.json()).suggestions || []).slice(0, 3);
        const list = $(".js-suggestion-list", box);
        list.replaceChildren();
        for (const s of suggestions) {
          if (!$(`input[name=category][value="${CSS.escape(String(s.code))}"]`, form)) continue;
          const button = document.createElement("button");
          button.type = "button";
          button.className = "btn btn-sm btn-outline-success suggestion";
          button.textContent = s.name;
          button.addEventListener("click", () => choose("category", s.code));
          list.append(button);
        }
        box.hidden = list.children.length === 0;
      } catch (error) { box.hidden = true; }
    };
    text.addEventListener("input", () => { window.clearTimeout(timer); timer = window.setTimeout(ask, 500); });
  };

  const setupReview = (form) => {
    if (form.dataset.kind !== "review") return;
    const failOnly = $(".js-fail-only", form);
    const show = () => {
      const failed = (form.elements.passed.value || "") === "false";
      failOnly.hidden = !failed;
    };
    form.addEventListener("change", show);
    show();
  };

  document.addEventListener("DOMContentLoaded", () => {
    registerWorker();
    setupOutbox();
    setupConnection();
    const form = $(".js-field-form");
    if (!form) return;
    keyInput(form).value = newKey();
    for (const pick of $$(".js-pick", form)) setupPick(pick);
    for (const block of $$(".js-photos", form)) setupPhotos(form, block);
    const locate = $(".js-locate", form);
    if (locate) {
      if ("geolocation" in navigator) locate.addEventListener("click", () => locatePhone(form, $(".js-locate-status", form)));
      else locate.hidden = true;
    }
    for (const type of ["change", "input"]) {
      form.addEventListener(type, (event) => { if (event.target.name) clearError(form, event.target.name); });
    }
    setupSuggestions(form);
    setupReview(form);
    setupSubmit(form);
  });
})();
