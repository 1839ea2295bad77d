// The Chat screen's keyboard: Esc closes the image viewer, an open action menu or the contact
// card's form (the first there is); Alt+↑ / Alt+↓ open the previous / next chat; Enter in the
// composer sends; scroll keys outside a field count as the agent's own scroll.
import { sendOnEnter } from "./composer.js";
import { moveBetweenChats } from "./list.js";
import { cancelCard, closeDropdowns } from "./pane.js";
import { userScrolled } from "./thread.js";
import { closeViewer, keepFocusInViewer } from "./viewer.js";

const SCROLL_KEYS = ["PageUp", "PageDown", "ArrowUp", "ArrowDown", "Home", "End", " "];

function onKey(event) {
  const field = event.target.matches && event.target.matches("input, textarea, select");
  if (SCROLL_KEYS.indexOf(event.key) !== -1 && !field) {
    userScrolled();
  }
  if (event.key === "Escape" && (closeViewer() || closeDropdowns(null, true) || cancelCard())) {
    event.preventDefault();
    return;
  }
  if (keepFocusInViewer(event)) {
    return;
  }
  if (
    event.altKey &&
    !event.ctrlKey &&
    !event.metaKey &&
    !event.shiftKey &&
    (event.key === "ArrowUp" || event.key === "ArrowDown")
  ) {
    event.preventDefault();
    moveBetweenChats(event.key === "ArrowDown" ? 1 : -1);
    return;
  }
  sendOnEnter(event);
}

export function wireKeys() {
  document.addEventListener("keydown", onKey);
}
