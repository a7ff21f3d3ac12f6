// The map of problems (templates/inspections/map.html, docs/map.md). Unit boundaries with their
// names, problems clustered and coloured by status and overdue, a heat layer. The base map is
// optional: without a configured tile server everything is drawn on a plain background and no
// outside server is ever contacted.
document.addEventListener("DOMContentLoaded", async () => {
  const element = document.getElementById("problem-map");
  const configElement = document.getElementById("map-config");
  if (!element || !configElement || typeof L === "undefined") return;
  const config = JSON.parse(configElement.textContent);
  const labels = config.labels || {};
  const map = L.map(element, { maxZoom: config.maxZoom || 18 }).setView(config.center, 12);
  // The library's name only, without the flag Leaflet 1.9 adds to its attribution by default.
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  const tileOptions = { maxZoom: config.maxZoom || 18, attribution: config.attribution || "" };
  if (config.subdomains && config.subdomains.length) tileOptions.subdomains = config.subdomains;
  if (config.tileUrl) L.tileLayer(config.tileUrl, tileOptions).addTo(map);
  if (config.overlayUrl) L.tileLayer(config.overlayUrl, { ...tileOptions, attribution: "" }).addTo(map);

  // Unit names lie under the problems' pins and clusters (markers: 600), above the outlines (400).
  map.createPane("unit-labels").classList.add("map-label-pane");
  // Which unit names show depends on the zoom (map.css): streets first, compounds when close.
  const showZoom = () => { element.dataset.zoom = String(Math.round(map.getZoom())); };
  map.on("zoomend", showZoom);
  showZoom();

  const format = (template, values) => template.replace(/%\((\w+)\)s/g, (_, key) => String(values[key]));
  const kindOf = (p) => (p.overdue ? "overdue" : p.status);

  function popupFor(p) {
    const box = document.createElement("div");
    box.className = "map-popup";
    if (p.thumb) {
      const img = document.createElement("img");
      img.src = p.thumb;
      img.alt = labels.photo || "";
      img.loading = "lazy";
      img.className = "map-popup-photo";
      box.append(img);
    }
    const title = document.createElement("div");
    title.className = "fw-semibold";
    title.textContent = `${p.number} · ${p.category}`;
    const status = document.createElement("div");
    status.className = `map-popup-status map-status-${kindOf(p)}`;
    status.textContent = p.deadline_label ? `${p.status_label} · ${p.deadline_label}` : p.status_label;
    const unit = document.createElement("div");
    unit.textContent = p.unit;
    const deadline = document.createElement("div");
    deadline.textContent = `${labels.deadline}: ${p.deadline}`;
    const link = document.createElement("a");
    link.href = p.url;
    link.className = "map-popup-link";
    link.textContent = labels.open;
    box.append(title, status, unit, deadline, link);
    return box;
  }

  function clusterIcon(cluster) {
    const kinds = cluster.getAllChildMarkers().map((m) => m.options.kind);
    const worst = ["overdue", "open", "submitted", "closed", "void"].find((k) => kinds.includes(k)) || "void";
    const count = cluster.getChildCount();
    const size = count < 10 ? 34 : count < 100 ? 40 : 48;
    return L.divIcon({
      html: `<span>${count}</span>`,
      className: `map-cluster map-cluster-${worst}`,
      iconSize: L.point(size, size),
    });
  }

  async function load(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(String(response.status));
    return response.json();
  }

  const count = document.querySelector(".js-map-count");
  let boundaries;
  let problems;
  try {
    [boundaries, problems] = await Promise.all([load(config.boundariesUrl), load(config.dataUrl)]);
  } catch (error) {
    if (count) count.textContent = labels.failed;
    element.dataset.ready = "error";
    return;
  }

  const boundaryLayer = L.geoJSON(boundaries, {
    interactive: false,
    style: (f) => ({ className: `map-boundary map-boundary-${f.properties.level}` }),
    onEachFeature: (f, layer) => {
      layer.bindTooltip(f.properties.name, {
        permanent: true,
        direction: "center",
        // Below the centre, where a problem's pin usually stands, so the pin does not cover the name.
        offset: [0, 18],
        pane: "unit-labels",
        className: `map-label map-label-${f.properties.level}`,
      });
    },
  }).addTo(map);

  const clusters = L.markerClusterGroup({
    iconCreateFunction: clusterIcon,
    showCoverageOnHover: false,
    maxClusterRadius: 50,
    spiderfyOnMaxZoom: true,
  });
  const heatPoints = [];
  for (const feature of problems.features) {
    const p = feature.properties;
    const [lng, lat] = feature.geometry.coordinates;
    const kind = kindOf(p);
    const marker = L.marker([lat, lng], {
      kind,
      icon: L.divIcon({ className: `map-pin map-pin-${kind}`, iconSize: [20, 20] }),
      title: `${p.number} ${p.category}`,
      alt: `${p.number} ${p.category}`,
    });
    marker.bindPopup(() => popupFor(p), { maxWidth: 260, minWidth: 200 });
    clusters.addLayer(marker);
    heatPoints.push([lat, lng, p.overdue ? 1 : 0.6]);
  }
  clusters.addTo(map);
  const heat = L.heatLayer(heatPoints, { radius: 25, blur: 18, maxZoom: 16 });
  const overlays = {};
  overlays[labels.boundaries] = boundaryLayer;
  overlays[labels.problems] = clusters;
  overlays[labels.heat] = heat;
  L.control.layers(null, overlays, { collapsed: window.matchMedia("(max-width: 576px)").matches }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);

  const extent = L.latLngBounds([]);
  if (boundaryLayer.getLayers().length) extent.extend(boundaryLayer.getBounds());
  for (const feature of problems.features) {
    const [lng, lat] = feature.geometry.coordinates;
    extent.extend([lat, lng]);
  }
  if (extent.isValid()) map.fitBounds(extent, { padding: [20, 20], maxZoom: 16, animate: false });

  if (count) {
    const parts = [format(labels.shown, { shown: problems.shown, total: problems.total })];
    if (problems.message) parts.push(problems.message);
    if (problems.unplaced) parts.push(format(labels.unplaced, { count: problems.unplaced }));
    if (boundaries.message) parts.push(boundaries.message);
    count.textContent = parts.join(" ");
  }
  element.dataset.markers = String(problems.features.length);
  element.dataset.boundaries = String(boundaryLayer.getLayers().length);
  element.dataset.ready = "1";
});
