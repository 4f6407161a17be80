// The workspace's small behaviours, without inline scripts (strict CSP): response templates fill
// a note, "select all" on the inbox, and the list/map switch on phones.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    const picker = event.target.closest("select.fill-template");
    if (picker && picker.value) {
      const target = document.getElementById(picker.dataset.target);
      if (target) { target.value = picker.value; target.focus(); }
    }
    if (event.target.id === "select-all") {
      document.querySelectorAll("input[name=ids]").forEach(function (box) { box.checked = event.target.checked; });
    }
  });
  // On a phone the tabs scroll sideways: the chosen one is brought into sight.
  const current = document.querySelector(".tabs [aria-current]");
  if (current) current.scrollIntoView({ block: "nearest", inline: "center" });
  document.querySelectorAll(".view-switch button").forEach(function (button) {
    button.addEventListener("click", function () {
      const split = document.getElementById("split");
      split.dataset.show = button.dataset.show;
      document.querySelectorAll(".view-switch button").forEach(function (b) {
        b.setAttribute("aria-pressed", String(b === button));
      });
      if (window.workspaceMap) window.workspaceMap.resize();
    });
  });
})();
