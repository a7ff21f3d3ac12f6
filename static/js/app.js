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
