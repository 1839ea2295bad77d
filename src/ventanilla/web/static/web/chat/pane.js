// The open conversation around its thread: the header (contact card, 24-hour window, action
// menus), the composer's lock, the read mark, and the pane when the conversation is gone.
import { byId, csrfToken, fragment, getPart, openId, text } from "./dom.js";
import { dropUnreadBadge, markOpen } from "./list.js";
import { state } from "./state.js";
import { catchUp, threadOpened } from "./thread.js";

const HEAD_REFRESH_MS = 10 * 60 * 1000; // the 24-hour window's "quedan ..." is re-read this often

let headStale = false; // a header refresh waited while the agent was busy in it
let windowTimer = null;

// The agent is editing the card or has an action menu (close, transfer) open: a fresh header
// would take it away mid-typing, so it waits until the menu closes (their typing wins).
function busyIn(head) {
  return Boolean(head.querySelector(".card-form, .dropdown[open]"));
}

export function refreshHead() {
  const pane = byId("pane");
  const head = byId("chat-head");
  if (!pane || !head) {
    return;
  }
  headStale = busyIn(head);
  if (headStale) {
    return;
  }
  getPart(pane.dataset.headUrl)
    .then((html) => {
      if (html === null) {
        paneGone();
        return;
      }
      const fresh = fragment(html).firstElementChild;
      const current = byId("chat-head");
      if (!fresh || !current) {
        return;
      }
      if (busyIn(current)) {
        headStale = true;
        return;
      }
      const moved = fresh.dataset.state !== current.dataset.state;
      current.replaceWith(fresh);
      window.htmx.process(fresh);
      watchWindow();
      const composer = byId("composer");
      if (composer && composer.dataset.locked !== fresh.dataset.locked) {
        window.htmx.ajax("GET", pane.dataset.composerUrl, {
          target: "#composer",
          swap: "outerHTML",
        });
      }
      if (moved) {
        catchUp(false); // the note of the assignment, transfer or close
      }
    })
    .catch(() => {});
}

// WhatsApp's 24-hour window closes while the chat is open: the header and the composer say so
// then, without waiting for an event.
function watchWindow() {
  window.clearTimeout(windowTimer);
  const head = byId("chat-head");
  const ends = head ? Date.parse(head.dataset.windowEnds || "") : NaN;
  if (isNaN(ends)) {
    return;
  }
  const wait = Math.max(1000, Math.min(ends - Date.now() + 1000, HEAD_REFRESH_MS));
  windowTimer = window.setTimeout(refreshHead, wait);
}

// The conversation left the viewer's view (or is no more): the pane says so.
export function paneGone() {
  const pane = byId("chat-pane");
  if (!pane) {
    return;
  }
  if (state.live) {
    state.live.watch(null);
  }
  const box = document.createElement("div");
  box.className = "pane pane--empty";
  box.id = "pane";
  const note = document.createElement("p");
  note.className = "pane__notice";
  note.setAttribute("role", "status");
  note.textContent = text("tGone");
  box.appendChild(note);
  pane.replaceChildren(box);
  markOpen();
}

// The open chat is read as it arrives, by the agent who answers it (or while nobody does).
function mayRead() {
  const head = byId("chat-head");
  const assignee = head ? head.dataset.state.split("|")[1] : "";
  return !assignee || Number(assignee) === state.me;
}

export function markRead(conversation) {
  if (!mayRead()) {
    return;
  }
  fetch("/api/conversations/" + conversation + "/read", {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken() },
  }).catch(() => {});
}

// A pane came (the page itself, or a swap): its row, its window, its thread at the bottom.
export function opened() {
  markOpen();
  watchWindow();
  if (threadOpened() && mayRead()) {
    dropUnreadBadge(openId());
  }
}

// A new pane was swapped in: nothing of the old header waits any longer.
export function paneSwapped() {
  headStale = false;
  opened();
}

// Closes the open action menus but `keep`; with `refocus`, its button takes the focus back.
export function closeDropdowns(keep, refocus) {
  let closed = false;
  document.querySelectorAll(".dropdown[open]").forEach((dropdown) => {
    if (dropdown !== keep) {
      dropdown.open = false;
      closed = true;
      if (refocus) {
        dropdown.querySelector("summary").focus();
      }
    }
  });
  return closed;
}

// One action menu open at a time, its first field focused; the header refresh that waited for
// it comes once it closes.
export function dropdownToggled(dropdown) {
  if (dropdown.open) {
    closeDropdowns(dropdown);
    const field = dropdown.querySelector("select, input:not([type=hidden])");
    if (field) {
      field.focus();
    }
  } else if (headStale && dropdown.closest("#chat-head")) {
    refreshHead(); // what changed while the menu was open
  }
}

// Esc while editing the contact card puts the card back as it was.
export function cancelCard() {
  const cancel = document.querySelector("#contact-card .card-form [data-cancel]");
  if (!cancel || !cancel.closest(".card-form").contains(document.activeElement)) {
    return false;
  }
  cancel.click();
  return true;
}

// The contact card's form, once swapped in (to edit, or back with its errors), has the focus.
export function focusCardForm(target) {
  const card = byId("contact-card");
  const form = card && card.querySelector(".card-form");
  if (form && (target.id === "chat-head" || !document.body.contains(target))) {
    const field =
      form.querySelector("[aria-invalid='true']") || form.querySelector("input:not([type=hidden])");
    if (field) {
      field.focus();
    }
  }
}
