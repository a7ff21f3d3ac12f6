// The report page: filter long pickers as the user types; ask the browser for a location only
// when the user presses the button (the photo's own GPS is read on the server otherwise).
document.addEventListener("DOMContentLoaded", () => {
  for (const input of document.querySelectorAll(".js-filter-select")) {
    const select = document.getElementById(input.dataset.target);
    if (!select) continue;
    input.addEventListener("input", () => {
      const needle = input.value.trim().toLowerCase();
      let firstMatch = null;
      for (const option of select.options) {
        if (!option.value) continue;
        const match = !needle || option.text.toLowerCase().includes(needle);
        option.hidden = !match;
        if (match && !firstMatch) firstMatch = option;
      }
      if (needle && firstMatch && select.selectedOptions[0]?.hidden !== false) firstMatch.selected = true;
    });
  }
  const locate = document.querySelector(".js-locate");
  const status = document.querySelector(".js-locate-status");
  if (locate && "geolocation" in navigator) {
    locate.addEventListener("click", () => {
      navigator.geolocation.getCurrentPosition(
        (position) => {
          document.getElementById("id_latitude").value = position.coords.latitude.toFixed(6);
          document.getElementById("id_longitude").value = position.coords.longitude.toFixed(6);
          status.textContent = `${locate.dataset.done}: ${position.coords.latitude.toFixed(5)}, ${position.coords.longitude.toFixed(5)}`;
        },
        () => { status.textContent = locate.dataset.failed; },
        { enableHighAccuracy: true, timeout: 10000 },
      );
    });
  } else if (locate) {
    locate.hidden = true;
  }
});
