// The fund ledger's entry form: show the source for an income and the purpose for a spending.
// Without this script both fields show; the service ignores the one that does not apply.
(function () {
  "use strict";
  function sync(form) {
    var checked = form.querySelector("input[name=kind]:checked");
    var kind = checked ? checked.value : "";
    form.querySelectorAll(".js-income-only").forEach(function (el) { el.hidden = kind === "spending"; });
    form.querySelectorAll(".js-spending-only").forEach(function (el) { el.hidden = kind === "income"; });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("#entry-form form").forEach(function (form) {
      sync(form);
      form.addEventListener("change", function (event) {
        if (event.target.name === "kind") sync(form);
      });
      // One tap books one entry: a second tap while the first is being sent does nothing.
      form.addEventListener("submit", function (event) {
        if (form.dataset.sending) { event.preventDefault(); return; }
        form.dataset.sending = "1";
      });
    });
  });
})();
