// The composer's emoji picker: emoji-picker-element, vendored like htmx (docs/dependencies.md,
// static/web/vendor/VERSIONS.txt), loaded on the first click of the composer's emoji button,
// with its Spanish texts and names served by the desk (it never asks a CDN). A chosen emoji goes
// in at the caret, replacing the selection, as typing would.
//
// The picker styles its shadow root with a <style> element, which the page's Content-Security-
// Policy (style-src 'self') refuses; its rules are adopted as a constructed style sheet instead,
// which the policy allows (nothing inline is ever allowed for the rest of the page).
const VENDOR = new URL("../vendor/emoji-picker-element-1.29.1/", import.meta.url).href;
const DATA = new URL(
  "../vendor/emoji-picker-element-data-1.8.0/es/cldr/data.json",
  import.meta.url
).href;

let loading = null;
let picker = null;

function load() {
  if (!loading) {
    loading = Promise.all([import(VENDOR + "picker.js"), import(VENDOR + "i18n/es.js")]);
  }
  return loading;
}

// Text typed (or chosen) into a textarea at its caret, as the browser would: the selection is
// replaced, the caret ends after it, and listeners hear an input event.
export function insertAtCaret(textarea, text) {
  const start = textarea.selectionStart ?? textarea.value.length;
  const end = textarea.selectionEnd ?? start;
  textarea.focus();
  textarea.setRangeText(text, start, end, "end");
  textarea.dispatchEvent(new Event("input", { bubbles: true }));
}

function adoptStyles(element) {
  const root = element.shadowRoot;
  const style = root && root.querySelector("style");
  if (!style || !("adoptedStyleSheets" in root)) {
    return;
  }
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(style.textContent);
  root.adoptedStyleSheets = [sheet];
  style.remove();
}

function panel() {
  return document.getElementById("composer-emoji-panel");
}

function button() {
  return document.getElementById("composer-emoji");
}

function close() {
  const box = panel();
  if (box && !box.hidden) {
    box.hidden = true;
    button().setAttribute("aria-expanded", "false");
    return true;
  }
  return false;
}

function open() {
  const box = panel();
  if (!box) {
    return;
  }
  box.hidden = false;
  button().setAttribute("aria-expanded", "true");
  load().then(([pickerModule, es]) => {
    if (!picker || !box.contains(picker)) {
      const Picker = pickerModule.default;
      picker = new Picker({ locale: "es", dataSource: DATA, i18n: es.default });
      picker.setAttribute("aria-label", box.dataset.label || "");
      adoptStyles(picker);
      box.replaceChildren(picker);
    }
  });
}

function chosen(event) {
  const textarea = document.querySelector("#composer textarea");
  if (textarea && event.detail && event.detail.unicode) {
    insertAtCaret(textarea, event.detail.unicode);
  }
}

export function wireEmoji() {
  document.addEventListener("click", (event) => {
    const target = event.target.closest ? event.target : null;
    if (!target) {
      return;
    }
    if (target.closest("#composer-emoji")) {
      if (!close()) {
        open();
      }
    } else if (!target.closest("#composer-emoji-panel")) {
      close();
    }
  });
  document.addEventListener("emoji-click", chosen);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && close()) {
      const textarea = document.querySelector("#composer textarea");
      if (textarea) {
        textarea.focus();
      }
    }
  });
  document.addEventListener("chat:sent", close);
}
