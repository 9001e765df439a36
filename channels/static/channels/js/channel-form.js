// Shows only the settings the chosen payment method needs (channels/forms.py puts each
// method's configuration kind on the select); until a method is chosen, none. Without
// JavaScript every group shows, and the server still checks and empties what the method
// does not use.
(function () {
  function update(select) {
    var kinds = JSON.parse(select.dataset.methodKinds || "{}");
    var kind = kinds[select.value];
    document.querySelectorAll("[data-config-kind]").forEach(function (panel) {
      var section = panel.closest("section") || panel;
      section.hidden = !panel.dataset.configKind.split(" ").includes(kind);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.querySelector("select[data-method-kinds]");
    if (!select) return;
    select.addEventListener("change", function () { update(select); });
    update(select);
  });
})();
