// A list that opens over the composer for the word being typed right before the caret: the "/"
// quick replies (quickreplies.js) and the "@" mentions of a note (mentions.js). ↑ / ↓ move
// (wrapping), Enter or Tab picks, Esc closes; a click picks too. The composer keeps the focus
// (aria-expanded, aria-controls, aria-activedescendant); the list's keys are captured before
// the screen's own (keys.js), so nothing is sent while it is open.
import { byId, openId } from "./dom.js";

const TEXTAREA = "#composer textarea";
const FRESH_MS = 60000; // a list fetched this recently is used again

export function fold(text) {
  return String(text || "")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();
}

// `url(conversation)`'s items, fetched once a minute per conversation; keys typed while the
// fetch is on its way wait for that same fetch.
function loader(url) {
  let cache = { conversation: null, at: 0, items: [] };
  let pending = null; // {conversation, promise}
  return (conversation) => {
    if (cache.conversation === conversation && Date.now() - cache.at < FRESH_MS) {
      return Promise.resolve(cache.items);
    }
    if (pending && pending.conversation === conversation) {
      return pending.promise;
    }
    const promise = fetch(url(conversation), { credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : { items: [] }))
      .then((body) => {
        cache = { conversation: conversation, at: Date.now(), items: body.items || [] };
        return cache.items;
      });
    pending = { conversation: conversation, promise: promise };
    const settled = () => {
      if (pending && pending.promise === promise) {
        pending = null;
      }
    };
    promise.then(settled, settled);
    return promise;
  };
}

// `kind`: {id (the list's), optionId(item), label and empty (data-* keys of #composer for its
// name and "nothing matches"), url(conversation), find(textarea) -> {start, query} or null,
// match(items, query) -> items, draw(option, item) fills an option, pick(textarea, item, start)
// puts the item in the composer}.
export function caretPicker(kind) {
  const load = loader(kind.url);
  let open = null; // {start, matches, index}
  let closes = 0; // a list answering keys typed before the last close (Esc) opens nothing

  function list() {
    let element = byId(kind.id);
    const form = byId("composer");
    if (!element && form) {
      element = document.createElement("ul");
      element.id = kind.id;
      element.className = "quick-picker";
      element.setAttribute("role", "listbox");
      element.setAttribute("aria-label", form.dataset[kind.label] || "");
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
    if (!element || !textarea || !open) {
      return;
    }
    const options = open.matches.map((item, index) => {
      const option = document.createElement("li");
      option.id = kind.optionId(item);
      option.className = "quick-picker__item";
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", index === open.index ? "true" : "false");
      option.dataset.index = String(index);
      kind.draw(option, item);
      return option;
    });
    if (!options.length) {
      const empty = document.createElement("li");
      empty.className = "quick-picker__empty";
      empty.textContent = byId("composer").dataset[kind.empty] || "—";
      options.push(empty);
    }
    element.replaceChildren(...options);
    element.hidden = false;
    textarea.setAttribute("aria-expanded", "true");
    textarea.setAttribute("aria-controls", kind.id);
    const selected = open.matches[open.index];
    if (selected) {
      textarea.setAttribute("aria-activedescendant", kind.optionId(selected));
      byId(kind.optionId(selected)).scrollIntoView({ block: "nearest" });
    } else {
      textarea.removeAttribute("aria-activedescendant");
    }
  }

  function close() {
    const element = byId(kind.id);
    const textarea = document.querySelector(TEXTAREA);
    const wasOpen = open !== null;
    open = null;
    closes += 1;
    if (element) {
      element.hidden = true;
    }
    if (textarea && wasOpen) {
      textarea.setAttribute("aria-expanded", "false");
      textarea.removeAttribute("aria-activedescendant");
    }
    return wasOpen;
  }

  function choose(index) {
    const textarea = document.querySelector(TEXTAREA);
    const item = open && open.matches[index];
    if (!textarea || !item) {
      return;
    }
    const start = open.start;
    close();
    textarea.focus();
    kind.pick(textarea, item, start);
    textarea.dispatchEvent(new Event("input", { bubbles: true })); // it grows to fit
  }

  function onInput(event) {
    if (!event.target.matches || !event.target.matches(TEXTAREA)) {
      return;
    }
    const found = kind.find(event.target);
    const conversation = openId();
    if (!found || !conversation) {
      close();
      return;
    }
    const closesBefore = closes;
    load(conversation)
      .then((items) => {
        const now = kind.find(event.target);
        if (!now || openId() !== conversation || closes !== closesBefore) {
          return;
        }
        open = { start: now.start, matches: kind.match(items, now.query), index: 0 };
        render();
      })
      .catch(() => {});
  }

  // Keys while the list is open are its own: nothing is sent, no menu closes.
  function onKey(event) {
    if (!open || !event.target.matches || !event.target.matches(TEXTAREA)) {
      return;
    }
    const count = open.matches.length;
    let handled = true;
    if (event.key === "ArrowDown" && count) {
      open.index = (open.index + 1) % count;
      render();
    } else if (event.key === "ArrowUp" && count) {
      open.index = (open.index - 1 + count) % count;
      render();
    } else if ((event.key === "Enter" && !event.shiftKey) || event.key === "Tab") {
      if (count) {
        choose(open.index);
      } else {
        close();
      }
    } else if (event.key === "Escape") {
      close();
    } else {
      handled = false;
    }
    if (handled) {
      event.preventDefault();
      event.stopPropagation();
    }
  }

  function wire() {
    document.addEventListener("input", onInput);
    document.addEventListener("keydown", onKey, true); // before the screen's own keys
    document.addEventListener("focusout", (event) => {
      if (event.target.matches && event.target.matches(TEXTAREA)) {
        window.setTimeout(() => {
          if (document.activeElement !== event.target) {
            close();
          }
        }, 150);
      }
    });
    document.addEventListener("chat:sent", close);
  }

  return { wire: wire, close: close };
}

// Items whose folded `fields` hold the folded query, those starting with it first.
export function matching(items, query, fields, limit) {
  const wanted = fold(query).trim();
  const scored = [];
  items.forEach((item) => {
    const values = fields(item).map(fold);
    if (!wanted || values.join(" ").indexOf(wanted) !== -1) {
      const first = values.some((value) => value.indexOf(wanted) === 0);
      scored.push({ item: item, first: first ? 0 : 1 });
    }
  });
  scored.sort((a, b) => a.first - b.first);
  return scored.slice(0, limit).map((entry) => entry.item);
}

// A span of `className` with `text`, for an option.
export function part(className, text) {
  const span = document.createElement("span");
  span.className = className;
  span.textContent = text;
  return span;
}
