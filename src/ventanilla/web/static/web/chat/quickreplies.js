// Quick replies in the composer: "/" at the start of a word opens a list of the replies this
// person may use in the open chat (GET /api/quick-replies?conversation_id=…, each with its text
// already filled: {nombre}, {agente}, {area}). What follows the "/" filters it by code, title and
// text, accents and case ignored. ↑ / ↓ move, Enter or Tab inserts, Esc closes; a click inserts
// too. The reply replaces "/…" in the composer and stays editable before it is sent; its file, if
// it has one, waits in the composer as an attached file would (attachments.js).
import { chooseQuickReplyFile } from "./attachments.js";
import { byId, openId } from "./dom.js";

const TEXTAREA = "#composer textarea";
const FRESH_MS = 60000; // a list fetched this recently is used again
const SHOWN = 50;

let cache = { conversation: null, at: 0, items: [] };
let picker = null; // the open list: {slash, matches, index}

export function fold(text) {
  return String(text || "")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();
}

function replies(conversation) {
  if (cache.conversation === conversation && Date.now() - cache.at < FRESH_MS) {
    return Promise.resolve(cache.items);
  }
  const url = "/api/quick-replies?conversation_id=" + conversation;
  return fetch(url, { credentials: "same-origin" })
    .then((response) => (response.ok ? response.json() : { items: [] }))
    .then((body) => {
      cache = { conversation: conversation, at: Date.now(), items: body.items || [] };
      return cache.items;
    });
}

// The "/word" being typed right before the caret: {slash: its index, query}, or null.
function slashBeforeCaret(textarea) {
  const before = textarea.value.slice(0, textarea.selectionStart);
  const match = /(^|\s)\/([^\s/]*)$/.exec(before);
  return match ? { slash: before.length - match[2].length - 1, query: match[2] } : null;
}

function matching(items, query) {
  const wanted = fold(query).trim();
  const scored = [];
  items.forEach((item) => {
    const code = fold(item.code);
    const haystack = code + " " + fold(item.title) + " " + fold(item.text);
    if (!wanted || haystack.indexOf(wanted) !== -1) {
      scored.push({ item: item, first: code.indexOf(wanted) === 0 ? 0 : 1 });
    }
  });
  scored.sort((a, b) => a.first - b.first);
  return scored.slice(0, SHOWN).map((entry) => entry.item);
}

function list() {
  let element = byId("quick-picker");
  const form = byId("composer");
  if (!element && form) {
    element = document.createElement("ul");
    element.id = "quick-picker";
    element.className = "quick-picker";
    element.setAttribute("role", "listbox");
    element.setAttribute("aria-label", form.dataset.quickLabel || "Respuestas rápidas");
    element.hidden = true;
    element.addEventListener("mousedown", (event) => {
      const option = event.target.closest("[role=option]");
      if (option) {
        event.preventDefault(); // the composer keeps the focus
        choose(Number(option.dataset.index));
      }
    });
    form.appendChild(element);
  }
  return element;
}

function render() {
  const element = list();
  const textarea = document.querySelector(TEXTAREA);
  if (!element || !textarea || !picker) {
    return;
  }
  const options = picker.matches.map((item, index) => {
    const option = document.createElement("li");
    option.id = "quick-reply-" + item.id;
    option.className = "quick-picker__item";
    option.setAttribute("role", "option");
    option.setAttribute("aria-selected", index === picker.index ? "true" : "false");
    option.dataset.index = String(index);
    option.dataset.code = item.code;
    const code = document.createElement("span");
    code.className = "quick-picker__code";
    code.textContent = "/" + item.code;
    const title = document.createElement("span");
    title.className = "quick-picker__title";
    title.textContent = item.title;
    const text = document.createElement("span");
    text.className = "quick-picker__text";
    text.textContent = item.filled || item.text;
    option.append(code, title, text);
    if (item.file) {
      const file = document.createElement("span");
      file.className = "quick-picker__file";
      file.textContent = "📎 " + item.file.filename;
      option.append(file);
    }
    return option;
  });
  if (!options.length) {
    const empty = document.createElement("li");
    empty.className = "quick-picker__empty";
    empty.textContent = byId("composer").dataset.quickEmpty || "—";
    options.push(empty);
  }
  element.replaceChildren(...options);
  element.hidden = false;
  textarea.setAttribute("aria-expanded", "true");
  textarea.setAttribute("aria-controls", "quick-picker");
  const selected = picker.matches[picker.index];
  if (selected) {
    textarea.setAttribute("aria-activedescendant", "quick-reply-" + selected.id);
    byId("quick-reply-" + selected.id).scrollIntoView({ block: "nearest" });
  } else {
    textarea.removeAttribute("aria-activedescendant");
  }
}

export function closePicker() {
  const element = byId("quick-picker");
  const textarea = document.querySelector(TEXTAREA);
  const wasOpen = picker !== null;
  picker = null;
  if (element) {
    element.hidden = true;
  }
  if (textarea) {
    textarea.setAttribute("aria-expanded", "false");
    textarea.removeAttribute("aria-activedescendant");
  }
  return wasOpen;
}

function choose(index) {
  const textarea = document.querySelector(TEXTAREA);
  const item = picker && picker.matches[index];
  if (!textarea || !item) {
    return;
  }
  const text = item.filled || item.text;
  const end = textarea.selectionStart;
  textarea.value = textarea.value.slice(0, picker.slash) + text + textarea.value.slice(end);
  const caret = picker.slash + text.length;
  closePicker();
  textarea.focus();
  textarea.setSelectionRange(caret, caret);
  textarea.dispatchEvent(new Event("input", { bubbles: true })); // it grows to fit
  if (item.file) {
    chooseQuickReplyFile(item);
    textarea.focus(); // Enter sends the text with the file
  }
}

function onInput(event) {
  if (!event.target.matches || !event.target.matches(TEXTAREA)) {
    return;
  }
  const found = slashBeforeCaret(event.target);
  const conversation = openId();
  if (!found || !conversation) {
    closePicker();
    return;
  }
  replies(conversation)
    .then((items) => {
      const now = slashBeforeCaret(event.target);
      if (!now || openId() !== conversation) {
        return;
      }
      picker = { slash: now.slash, matches: matching(items, now.query), index: 0 };
      render();
    })
    .catch(() => {});
}

// Keys while the list is open are its own: nothing is sent, no menu closes.
function onKey(event) {
  if (!picker || !event.target.matches || !event.target.matches(TEXTAREA)) {
    return;
  }
  const count = picker.matches.length;
  let handled = true;
  if (event.key === "ArrowDown" && count) {
    picker.index = (picker.index + 1) % count;
    render();
  } else if (event.key === "ArrowUp" && count) {
    picker.index = (picker.index - 1 + count) % count;
    render();
  } else if ((event.key === "Enter" && !event.shiftKey) || event.key === "Tab") {
    if (count) {
      choose(picker.index);
    } else {
      closePicker();
    }
  } else if (event.key === "Escape") {
    closePicker();
  } else {
    handled = false;
  }
  if (handled) {
    event.preventDefault();
    event.stopPropagation();
  }
}

export function wireQuickReplies() {
  document.addEventListener("input", onInput);
  document.addEventListener("keydown", onKey, true); // before the screen's own keys
  document.addEventListener("focusout", (event) => {
    if (event.target.matches && event.target.matches(TEXTAREA)) {
      window.setTimeout(() => {
        if (document.activeElement !== event.target) {
          closePicker();
        }
      }, 150);
    }
  });
  document.addEventListener("chat:sent", closePicker);
}
