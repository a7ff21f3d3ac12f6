// The "held" page of an activity: a preview of each photo as soon as it is chosen (a photo kept
// from a refused submit shows its server preview until another is chosen in its place).
(() => {
  "use strict";
  document.addEventListener("DOMContentLoaded", () => {
    for (const slot of document.querySelectorAll(".js-hold-photo")) {
      const input = slot.querySelector("input[type=file]");
      const preview = slot.querySelector(".js-hold-preview");
      const img = slot.querySelector(".js-hold-preview-img");
      if (!input || !preview || !img) continue;
      let url = null;
      input.addEventListener("change", () => {
        if (url) URL.revokeObjectURL(url);
        const file = input.files && input.files[0];
        if (!file) return;
        url = URL.createObjectURL(file);
        img.src = url;
        preview.hidden = false;
        const kept = slot.querySelector(".js-hold-kept");
        if (kept) kept.remove();
        const token = slot.querySelector("input[type=hidden][name^=photo_token_]");
        if (token) token.value = "";
      });
    }
  });
})();
