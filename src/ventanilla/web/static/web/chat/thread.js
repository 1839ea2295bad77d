// The open conversation's thread: the bubbles and notes since the last one shown, a bubble's
// tick again, the day chips and tails where pages and live bubbles meet, and the smart scroll.
//
// Smart scroll: a thread at the bottom stays there (also when pictures load late); one the agent
// scrolled up stays where they are, and new messages show the "Nuevos mensajes" pill instead.
import { byId, fragment, getPart, openId, text } from "./dom.js";
import { refreshSide } from "./list.js";

const NEAR_BOTTOM = 80; // px from the end that still count as "at the bottom"
const OLDER_PAGES_TO_FIND = 5; // older pages loaded at most to reach a search's message
const USER_SCROLL_MS = 1500; // a scroll this soon after a wheel, touch, key or click is theirs

let stickToBottom = true;
let userScrolledAt = 0;
let catchingUp = false;
let catchUpAgain = false;
let statusBefore = {}; // message id -> true: its status changed before its bubble was shown
let olderScroll = null; // the distance from the end while an older page comes in
let dayTimer = null;

function atBottom(thread) {
  return thread.scrollHeight - thread.scrollTop - thread.clientHeight < NEAR_BOTTOM;
}

export function toBottom() {
  const thread = byId("chat-thread");
  if (thread) {
    thread.scrollTop = thread.scrollHeight;
  }
  stickToBottom = true;
  const pill = byId("chat-pill");
  if (pill) {
    pill.hidden = true;
  }
}

// A wheel, touch, click or scroll key of the agent's: a scroll that follows is theirs.
export function userScrolled() {
  userScrolledAt = Date.now();
}

function lastMessageId(thread) {
  let last = 0;
  thread.querySelectorAll('.entry[id^="m-"]').forEach((entry) => {
    last = Math.max(last, Number(entry.id.slice(2)));
  });
  return last;
}

// Day chips, conversation separators and bubble tails: the server's rule, applied again where
// pages and live bubbles meet.
function relabel(thread) {
  const current = String(openId());
  let previous = null;
  thread.querySelectorAll(":scope > .entry").forEach((entry) => {
    const newDay = !previous || previous.dataset.day !== entry.dataset.day;
    const newConversation = !previous || previous.dataset.conv !== entry.dataset.conv;
    const day = entry.querySelector(":scope > .entry__day");
    if (day) {
      day.hidden = !newDay;
    }
    const separator = entry.querySelector(":scope > .entry__sep");
    if (separator) {
      separator.hidden = previous ? !newConversation : entry.dataset.conv === current;
    }
    const tail =
      newDay ||
      newConversation ||
      previous.dataset.side !== entry.dataset.side ||
      previous.dataset.author !== entry.dataset.author;
    entry.classList.toggle("entry--tail", tail);
    previous = entry;
  });
}

// A conversation's pane came: its thread at the bottom, or at the message a search found
// (data-focus). False when it has no thread.
export function threadOpened() {
  const thread = byId("chat-thread");
  const pane = byId("pane");
  statusBefore = {};
  if (!thread) {
    return false;
  }
  relabel(thread);
  if (pane && pane.dataset.focus) {
    showFound(thread, pane.dataset.focus, OLDER_PAGES_TO_FIND);
  } else {
    toBottom();
  }
  return true;
}

// The message a search found, scrolled to the middle and highlighted; when it is further back
// than the first page reaches, older pages are loaded (a few at most) until it comes.
function showFound(thread, domId, pagesLeft) {
  const entry = byId(domId);
  if (entry) {
    stickToBottom = false;
    entry.classList.add("entry--found");
    entry.scrollIntoView({ block: "center" });
    return;
  }
  const older = thread.querySelector(".thread__older button");
  if (!older || pagesLeft <= 0) {
    toBottom();
    return;
  }
  thread.addEventListener(
    "htmx:afterSettle",
    () => {
      if (byId("chat-thread") === thread) {
        showFound(thread, domId, pagesLeft - 1);
      }
    },
    { once: true }
  );
  older.click();
}

// New bubbles and notes since the last bubble shown; again when asked meanwhile.
export function catchUp(ownMessage) {
  const pane = byId("pane");
  const thread = byId("chat-thread");
  if (!pane || !thread || !pane.dataset.afterUrl) {
    return;
  }
  if (catchingUp) {
    catchUpAgain = true;
    return;
  }
  catchingUp = true;
  const conversation = openId();
  getPart(pane.dataset.afterUrl + "?m=" + lastMessageId(thread))
    .then((html) => {
      const now = byId("chat-thread");
      if (html === null || openId() !== conversation || !now) {
        return;
      }
      appendEntries(now, html, ownMessage);
    })
    .catch(() => {})
    .then(() => {
      catchingUp = false;
      if (catchUpAgain) {
        catchUpAgain = false;
        catchUp(false);
      }
    });
}

function appendEntries(thread, html, ownMessage) {
  const wasAtBottom = atBottom(thread);
  let added = 0;
  Array.from(fragment(html).children).forEach((entry) => {
    const known = entry.id && byId(entry.id);
    if (known) {
      known.replaceWith(entry);
    } else {
      thread.appendChild(entry);
      added += 1;
    }
  });
  relabel(thread);
  Object.keys(statusBefore).forEach((id) => {
    if (byId("m-" + id)) {
      delete statusBefore[id];
      refreshBubble(id);
    }
  });
  if (ownMessage || wasAtBottom) {
    toBottom();
  } else if (added) {
    stickToBottom = false;
    byId("chat-pill").hidden = false;
  }
}

// message:status of the open conversation: its bubble again, with the new tick.
export function showStatus(data) {
  const pane = byId("pane");
  if (!pane || Number(data.conversation_id) !== openId()) {
    return;
  }
  if (!byId("m-" + data.id)) {
    // its bubble is still on its way (a send is often faster than the catch-up that shows
    // it) and may come with the status before this one: it is asked for again once shown
    statusBefore[data.id] = true;
    return;
  }
  refreshBubble(data.id);
}

function refreshBubble(id) {
  const pane = byId("pane");
  if (!pane) {
    return;
  }
  getPart(pane.dataset.messageUrl.replace(/\/0\/$/, "/" + Number(id) + "/"))
    .then((html) => {
      const now = byId("m-" + id);
      const fresh = html && fragment(html).firstElementChild;
      if (now && fresh) {
        const thread = byId("chat-thread");
        const wasAtBottom = thread && atBottom(thread);
        now.replaceWith(fresh);
        relabel(thread);
        if (wasAtBottom) {
          toBottom();
        }
      }
    })
    .catch(() => {});
}

// An older page is about to come in above: the thread keeps its place when it does.
export function rememberOlderScroll() {
  const thread = byId("chat-thread");
  olderScroll = thread ? thread.scrollHeight - thread.scrollTop : null;
}

export function restoreOlderScroll() {
  if (olderScroll === null) {
    return;
  }
  const thread = byId("chat-thread");
  if (thread) {
    relabel(thread);
    thread.scrollTop = thread.scrollHeight - olderScroll;
  }
  olderScroll = null;
}

function isoDay(date) {
  const month = String(date.getMonth() + 1).padStart(2, "0");
  const day = String(date.getDate()).padStart(2, "0");
  return date.getFullYear() + "-" + month + "-" + day;
}

// At midnight "Hoy" becomes "Ayer": the chips of the thread and the times of the list.
export function watchDay() {
  window.clearTimeout(dayTimer);
  const now = new Date();
  const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 0, 0, 5);
  dayTimer = window.setTimeout(() => {
    relabelDays();
    refreshSide();
    watchDay();
  }, midnight - now);
}

function relabelDays() {
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  document.querySelectorAll("#chat-thread .entry").forEach((entry) => {
    const label = entry.querySelector(":scope > .entry__day > span");
    if (!label) {
      return;
    }
    if (entry.dataset.day === isoDay(today)) {
      label.textContent = text("tToday");
    } else if (entry.dataset.day === isoDay(yesterday)) {
      label.textContent = text("tYesterday");
    } else {
      label.textContent = label.dataset.date || label.textContent;
    }
  });
}

// The pane's own listeners (it stays; the thread inside it is swapped).
export function wireThread(pane) {
  ["wheel", "touchstart", "touchmove", "pointerdown"].forEach((name) => {
    pane.addEventListener(name, userScrolled, { capture: true, passive: true });
  });
  // Stick to the bottom while there; a scroll the agent makes away from it unsticks (and new
  // messages then show the pill). A scroll nobody made (a picture above grew the thread and
  // the browser kept its place) does not: a thread at the bottom stays there.
  pane.addEventListener(
    "scroll",
    (event) => {
      if (event.target.id !== "chat-thread") {
        return;
      }
      if (atBottom(event.target)) {
        stickToBottom = true;
        byId("chat-pill").hidden = true;
      } else if (Date.now() - userScrolledAt < USER_SCROLL_MS) {
        stickToBottom = false;
      } else if (stickToBottom) {
        toBottom();
      }
    },
    true
  );
  // a picture that loads late keeps a thread at the bottom where it was
  pane.addEventListener(
    "load",
    (event) => {
      if (event.target.tagName === "IMG" && stickToBottom) {
        toBottom();
      }
    },
    true
  );
}
