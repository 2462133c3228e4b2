// The top bar's menus are <details> (they open without this script); with it, a click
// outside an open menu or the Escape key closes it, as a menu is expected to.
(function () {
  "use strict";
  function openMenus() { return document.querySelectorAll("details.nav-menu[open]"); }
  document.addEventListener("click", function (event) {
    openMenus().forEach(function (menu) { if (!menu.contains(event.target)) { menu.open = false; } });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    openMenus().forEach(function (menu) {
      menu.open = false;
      if (menu.contains(document.activeElement)) { menu.querySelector("summary").focus(); }
    });
  });
})();
