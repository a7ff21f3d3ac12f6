// The field app's service worker, run through /sw.js (gongjian/inspections/offline.py), which sets
// self.GONGJIAN_SW (what to precache, where the Workbox modules are) and loads Workbox from
// static/vendor/workbox (copied from npm; never Google's CDN).
/* global workbox */
const config = self.GONGJIAN_SW;
workbox.setConfig({ debug: false, modulePathCb: (name) => config.modules[name] });

const { precacheAndRoute, cleanupOutdatedCaches } = workbox.precaching;
const { registerRoute } = workbox.routing;
const { NetworkFirst, StaleWhileRevalidate, CacheFirst } = workbox.strategies;
const { CacheableResponsePlugin } = workbox.cacheableResponse;
const { ExpirationPlugin } = workbox.expiration;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

cleanupOutdatedCaches();
precacheAndRoute(config.precache);

// Field pages: the network first; without signal, the copy kept from the last visit.
const fieldPages = new RegExp(config.fieldPages);
registerRoute(
  ({ request, url }) => request.method === "GET" && url.origin === self.location.origin && fieldPages.test(url.pathname),
  new NetworkFirst({
    cacheName: "gongjian-field-pages",
    networkTimeoutSeconds: 6,
    // Pages vary by Cookie and Accept-Language; the copy is the signed-in person's own, by URL.
    matchOptions: { ignoreVary: true },
    plugins: [
      new CacheableResponsePlugin({ statuses: [200] }),
      new ExpirationPlugin({ maxEntries: 80, maxAgeSeconds: 14 * 24 * 3600 }),
    ],
  }),
);

// Other static files (fonts, images of the vendor libraries): served at once, refreshed behind.
registerRoute(
  ({ request, url }) => request.method === "GET" && url.origin === self.location.origin && url.pathname.startsWith("/static/"),
  new StaleWhileRevalidate({ cacheName: "gongjian-static" }),
);

// Thumbnails of problems' photos already seen: kept for a week, so the field pages show them offline.
registerRoute(
  ({ request, url }) => request.method === "GET" && url.origin === self.location.origin && /^\/problems\/photos\/\d+\/thumb\/$/.test(url.pathname),
  new CacheFirst({
    cacheName: "gongjian-field-photos",
    plugins: [
      new CacheableResponsePlugin({ statuses: [200] }),
      new ExpirationPlugin({ maxEntries: 200, maxAgeSeconds: 7 * 24 * 3600 }),
    ],
  }),
);
