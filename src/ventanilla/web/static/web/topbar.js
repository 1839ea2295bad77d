// The top bar's menus (<details class="navmenu">) close on a click elsewhere and on Escape,
// as a menu does; the disclosure itself needs no script to open.
(() => {
  const openMenus = () => document.querySelectorAll(".navmenu details[open]");

  document.addEventListener("click", (event) => {
    for (const menu of openMenus()) {
      if (!menu.contains(event.target)) menu.open = false;
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    for (const menu of openMenus()) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
})();
