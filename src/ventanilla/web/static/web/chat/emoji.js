// The composer's emoji picker: emoji-picker-element, vendored like htmx (docs/dependencies.md,
// static/web/vendor/VERSIONS.txt), loaded on the first click of the composer's emoji button,
// with its Spanish texts and names served by the desk (it never asks a CDN). A chosen emoji goes
// in at the caret, replacing the selection, as typing would.
//
// The page's Content-Security-Policy allows no inline style (style-src 'self', docs/security.md),
// and the picker styles itself inline in two ways; both are applied through the CSSOM instead,
// which the policy does not govern, without touching the vendored files:
// - its shadow root's <style> element: its rules are adopted as a constructed style sheet;
// - a few style attributes (a tab's underline, the grid's rows), set with setAttribute: for the
//   elements of a picker's shadow root, that call sets `element.style.cssText` instead.
// Markup injected into the page still gets no inline style: the parser's attributes are refused.
const VENDOR = new URL("../vendor/emoji-picker-element-1.29.1/", import.meta.url).href;
const DATA = new URL(
  "../vendor/emoji-picker-element-data-1.8.0/es/cldr/data.json",
  import.meta.url
).href;

let loading = null;
let picker = null;

function load() {
  if (!loading) {
    styleThroughCssom();
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

const PENDING = new WeakMap(); // an element not in the page yet -> the style it was given

function inPicker(element) {
  const root = element.getRootNode && element.getRootNode();
  return root instanceof ShadowRoot && root.host.localName === "emoji-picker";
}

// The picker builds its parts in a <template>'s own document and sets their style attributes
// there; the page would refuse those attributes when the parts come in. So a style given to an
// element outside the page waits (PENDING) and is applied through the CSSOM once the element is
// in a picker (`applyPending`); one given to an element of a picker is applied at once.
function styleThroughCssom() {
  const setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (name === "style" && this.ownerDocument !== document) {
      PENDING.set(this, String(value));
      return;
    }
    if (name === "style" && inPicker(this)) {
      this.style.cssText = value;
      return;
    }
    setAttribute.call(this, name, value);
  };
}

function applyPending(records) {
  records.forEach((record) => {
    record.addedNodes.forEach((node) => {
      if (node.nodeType !== Node.ELEMENT_NODE) {
        return;
      }
      [node, ...node.querySelectorAll("*")].forEach((element) => {
        if (PENDING.has(element)) {
          element.style.cssText = PENDING.get(element);
          PENDING.delete(element);
        }
      });
    });
  });
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
      const observer = new MutationObserver(applyPending);
      observer.observe(picker.shadowRoot, { childList: true, subtree: true });
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
