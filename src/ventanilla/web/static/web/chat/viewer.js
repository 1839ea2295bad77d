// The full-screen picture viewer: modal (its one button keeps the focus), closed by Esc, its
// button or the backdrop, and the focus back on the picture that opened it.
import { byId } from "./dom.js";

let opener = null;

export function openViewer(button) {
  const viewer = byId("chat-viewer");
  const image = byId("chat-viewer-img");
  const thumb = button.querySelector("img");
  image.src = button.dataset.viewer;
  image.alt = thumb ? thumb.alt : "";
  opener = button;
  viewer.hidden = false;
  byId("chat-viewer-close").focus();
}

// False when there was no viewer open.
export function closeViewer() {
  const viewer = byId("chat-viewer");
  if (!viewer || viewer.hidden) {
    return false;
  }
  viewer.hidden = true;
  byId("chat-viewer-img").removeAttribute("src");
  if (opener && document.body.contains(opener)) {
    opener.focus();
  }
  opener = null;
  return true;
}

// Tab while the viewer is open stays on its button. False when there is no viewer open.
export function keepFocusInViewer(event) {
  const viewer = byId("chat-viewer");
  if (event.key !== "Tab" || !viewer || viewer.hidden) {
    return false;
  }
  event.preventDefault();
  byId("chat-viewer-close").focus();
  return true;
}
