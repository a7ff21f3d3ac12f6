// 随手拍 (gongjian/residents): the position from the phone when the resident asks for it; a change
// of category or place asks the server for open problems nearby (htmx, "是这个问题吗？+1").
document.addEventListener("DOMContentLoaded", () => {
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
        const lat = document.getElementById("id_latitude");
        const lng = document.getElementById("id_longitude");
        lat.value = position.coords.latitude.toFixed(6);
        lng.value = position.coords.longitude.toFixed(6);
        status.textContent = `${locate.dataset.done}: ${position.coords.latitude.toFixed(5)}, ${position.coords.longitude.toFixed(5)}`;
        lng.dispatchEvent(new Event("change", { bubbles: true }));
      },
      () => { status.textContent = locate.dataset.failed; },
      { enableHighAccuracy: true, timeout: 10000 },
    );
  });
});
