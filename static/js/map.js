// Open problems on a Leaflet map. The tile layer is optional: an intranet without a tile server
// still gets markers on a plain background (never an outside tile server).
document.addEventListener("DOMContentLoaded", async () => {
  const config = JSON.parse(document.getElementById("map-config").textContent);
  const map = L.map("problem-map", { preferCanvas: true }).setView(config.center, 12);
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { maxZoom: 19, attribution: config.attribution || "" }).addTo(map);
  }
  const colours = { open: "#fd7e14", submitted: "#0d6efd", overdue: "#dc3545" };
  const response = await fetch(config.dataUrl, { credentials: "same-origin" });
  if (!response.ok) return;
  const { points } = await response.json();
  const bounds = [];
  for (const p of points) {
    const colour = p.overdue ? colours.overdue : colours[p.status] || "#6c757d";
    const marker = L.circleMarker([p.lat, p.lng], { radius: 7, color: colour, fillColor: colour, fillOpacity: 0.8 });
    const link = document.createElement("a");
    link.href = `/problems/${p.id}/`;
    link.textContent = `${p.number} ${p.category}`;
    marker.bindPopup(link);
    marker.addTo(map);
    bounds.push([p.lat, p.lng]);
  }
  if (bounds.length) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 });
  const count = document.querySelector(".js-map-count");
  if (count) count.textContent = `${count.dataset.label} ${points.length}`;
  document.getElementById("problem-map").dataset.markers = String(points.length);
});
