// The phone's outbox: reports, rectifications and re-checks made without signal wait here
// (IndexedDB, through the idb library copied from npm) with their photos, and are sent when the
// connection returns. Each carries the idempotency key it was made with, so sending it again
// (a dropped answer, two tabs) never records it twice: the server answers a repeated key with
// the first result.
/* global idb */
(() => {
  const DB_NAME = "gongjian-field";
  const STORE = "outbox";
  let dbPromise = null;
  const db = () => {
    if (!dbPromise) {
      dbPromise = idb.openDB(DB_NAME, 1, {
        upgrade(database) {
          const store = database.createObjectStore(STORE, { keyPath: "key" });
          store.createIndex("createdAt", "createdAt");
        },
      });
    }
    return dbPromise;
  };
  const listeners = new Set();
  const changed = async () => {
    const items = await all();
    for (const listener of listeners) listener(items);
  };
  const all = async () => (await (await db()).getAllFromIndex(STORE, "createdAt"));

  const csrfToken = () => {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  };

  // item: {key, kind, title, url, user, fields: [[name, value]], tokens: [..], photos: [{blob, name}], createdAt, state, error}
  const add = async (item) => {
    await (await db()).put(STORE, { ...item, state: "waiting", error: "", createdAt: item.createdAt || Date.now() });
    await changed();
  };
  const remove = async (key) => {
    await (await db()).delete(STORE, key);
    await changed();
  };
  const update = async (key, fields) => {
    const database = await db();
    const item = await database.get(STORE, key);
    if (!item) return;
    await database.put(STORE, { ...item, ...fields });
    await changed();
  };

  const messageOf = (errors) => Object.values(errors || {}).flat().join(" ");

  // Send one item; resolves to {sent: true, body} or {sent: false, error, retry}.
  const sendOne = async (item, strings) => {
    const body = new FormData();
    for (const [name, value] of item.fields) body.append(name, value);
    for (const token of item.tokens || []) body.append("photo_token", token);
    for (const photo of item.photos || []) body.append("photos", photo.blob, photo.name || "photo.jpg");
    let response;
    try {
      response = await fetch(item.url, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { Accept: "application/json", "Idempotency-Key": item.key, "X-CSRFToken": csrfToken() },
      });
    } catch (error) {
      return { sent: false, retry: true, error: "" };
    }
    const type = response.headers.get("Content-Type") || "";
    if (response.ok && type.includes("application/json")) return { sent: true, body: await response.json() };
    if (response.redirected || (response.ok && !type.includes("application/json"))) {
      return { sent: false, retry: true, error: strings.signIn };
    }
    if (response.status >= 500) return { sent: false, retry: true, error: strings.serverError };
    let error = `${response.status}`;
    if (type.includes("application/json")) {
      const data = await response.json();
      error = messageOf(data.errors) || data.detail || error;
    }
    return { sent: false, retry: false, error };
  };

  let sending = false;
  const sendAll = async (strings, user) => {
    if (sending || !navigator.onLine) return [];
    sending = true;
    const done = [];
    try {
      for (const item of await all()) {
        if (item.state === "failed") continue;
        if (String(item.user) !== String(user)) continue;
        await update(item.key, { state: "sending" });
        const result = await sendOne(item, strings);
        if (result.sent) {
          await remove(item.key);
          done.push(result.body);
        } else if (result.retry) {
          await update(item.key, { state: "waiting", error: result.error });
          if (!result.error) break; // no connection after all: try again later
        } else {
          await update(item.key, { state: "failed", error: result.error });
        }
      }
    } finally {
      sending = false;
    }
    return done;
  };

  window.GongjianOutbox = {
    add,
    all,
    remove,
    retry: (key) => update(key, { state: "waiting", error: "" }),
    sendAll,
    onChange: (listener) => {
      listeners.add(listener);
      all().then(listener);
    },
  };
})();
