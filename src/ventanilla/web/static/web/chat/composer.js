// The composer: it grows with what is typed, Enter sends and Shift+Enter is a new line, it is
// read-only while a send is on its way, and empties once the server took it (chat:sent).
import { enterSends } from "../compose.js";
import { byId } from "./dom.js";
import { catchUp } from "./thread.js";

const TEXTAREA = "#composer textarea";

function fitComposer(textarea) {
  textarea.style.height = "auto";
  textarea.style.height = textarea.scrollHeight + 2 + "px";
}

export function focusComposer() {
  const textarea = document.querySelector(TEXTAREA);
  if (textarea) {
    textarea.focus();
    if (textarea.value) {
      fitComposer(textarea);
    }
  }
}

export function sendOnEnter(event) {
  if (event.target.matches && event.target.matches(TEXTAREA)) {
    enterSends(event);
  }
}

function setReadOnly(form, readOnly) {
  const textarea = form.querySelector("textarea");
  if (textarea) {
    textarea.readOnly = readOnly;
  }
}

export function wireComposer() {
  document.addEventListener("input", (event) => {
    if (event.target.matches && event.target.matches(TEXTAREA)) {
      fitComposer(event.target);
      const error = byId("composer-error");
      if (error && event.target.value.trim()) {
        error.remove(); // typing answers "write a message first"
        event.target.removeAttribute("aria-invalid");
        event.target.removeAttribute("aria-describedby");
      }
    }
  });

  document.addEventListener("htmx:beforeRequest", (event) => {
    const form = event.detail.elt;
    if (form && form.id === "composer") {
      setReadOnly(form, true);
    }
  });

  document.addEventListener("htmx:afterRequest", (event) => {
    const form = event.detail.elt;
    if (form && form.id === "composer" && document.body.contains(form)) {
      setReadOnly(form, false);
    }
  });

  document.addEventListener("chat:sent", () => {
    const textarea = document.querySelector(TEXTAREA);
    if (textarea) {
      textarea.readOnly = false;
      textarea.value = "";
      fitComposer(textarea);
      textarea.focus();
    }
    catchUp(true);
  });
}
