// 随手拍 (gongjian/residents): the place from the phone's position when the resident asks for it, or
// a pin dropped on the map (only when the city has a tile server); a change of category or place
// asks the server for open problems nearby (htmx, "是这个问题吗？+1").
document.addEventListener("DOMContentLoaded", () => {
  const lat = document.getElementById("id_latitude");
  const lng = document.getElementById("id_longitude");
  if (!lat || !lng) return;
  let pin = null;
  let map = null;
  const place = (latitude, longitude) => {
    lat.value = latitude.toFixed(6);
    lng.value = longitude.toFixed(6);
    if (map) {
      if (pin) pin.setLatLng([latitude, longitude]);
      else pin = L.marker([latitude, longitude]).addTo(map);
    }
    lng.dispatchEvent(new Event("change", { bubbles: true }));
  };

  const configNode = document.getElementById("resident-map-config");
  if (configNode && window.L) {
    const config = JSON.parse(configNode.textContent);
    map = L.map("resident-map").setView(config.center, 15);
    // The library's name only, without the flag Leaflet 1.9 adds to its attribution by default.
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    L.tileLayer(config.tileUrl, { maxZoom: 19, attribution: config.attribution || "" }).addTo(map);
    map.on("click", (event) => place(event.latlng.lat, event.latlng.lng));
  }

  const locate = document.querySelector(".js-resident-locate");
  const status = document.querySelector(".js-resident-locate-status");
  if (!locate) return;
  if (!("geolocation" in navigator)) {
    locate.hidden = true;
    return;
  }
  locate.addEventListener("click", () => {
    status.textContent = locate.dataset.busy;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        place(position.coords.latitude, position.coords.longitude);
        if (map) map.setView([position.coords.latitude, position.coords.longitude], 17);
        status.textContent = `${locate.dataset.done}: ${position.coords.latitude.toFixed(5)}, ${position.coords.longitude.toFixed(5)}`;
      },
      () => { status.textContent = locate.dataset.failed; },
      { enableHighAccuracy: true, timeout: 10000 },
    );
  });
});
