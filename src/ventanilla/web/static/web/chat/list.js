// The left column: the rows, the tab badges and the page title.
//
// `attention` is what the badges and the title count: the viewer's open chats and those waiting
// in their queue (conversation id -> {status, mine, unread, name}), read from #chat-attention
// and kept by the events.
import { alertPerson } from "./alerts.js";
import { byId, fragment, getPart, listQuery, openId, text, urlFor } from "./dom.js";
import { state } from "./state.js";

const ROW_DELAY_MS = 150;

let attention = {};
const itemRequests = {}; // conversation id -> number of the latest row request
const itemTimers = {}; // conversation id -> a row refresh about to be asked
const baseTitle = document.title.replace(/^\(\d+\) /, "");

// What the list knows of a conversation the viewer must attend to, or undefined.
export function attentionOf(id) {
  return attention[id];
}

export function track(data) {
  const id = Number(data.id);
  const before = attention[id];
  const assignee = data.assigned_to ? data.assigned_to.id : null;
  const mine = assignee === state.me;
  const waiting = data.status === "queued" && assignee === null;
  if (data.status !== "closed" && (mine || waiting)) {
    attention[id] = {
      status: data.status,
      mine: mine,
      unread: Number(data.unread_count) || 0,
      name: data.contact ? data.contact.name : "",
    };
    const isNew = mine ? !before || !before.mine : !before;
    if (isNew && id !== openId()) {
      alertPerson(id, text(mine ? "tNewChat" : "tQueued"), attention[id].name);
    }
  } else {
    delete attention[id];
  }
  updateCounts();
}

export function forget(id) {
  delete attention[id];
  updateCounts();
}

export function updateCounts() {
  let mine = 0;
  let queue = 0;
  let unread = 0;
  Object.keys(attention).forEach((id) => {
    const item = attention[id];
    if (item.mine && item.unread > 0) {
      mine += 1;
    }
    if (!item.mine && item.status === "queued") {
      queue += 1;
    }
    if (item.unread > 0) {
      unread += 1;
    }
  });
  setCount("mine", mine);
  setCount("queue", queue);
  document.title = (unread ? "(" + unread + ") " : "") + baseTitle;
}

// "3" on screen, "3 con mensajes sin leer" (or "... esperando") for screen readers
function setCount(tab, count) {
  const badge = document.querySelector('[data-count="' + tab + '"]');
  if (badge) {
    const shown = document.createElement("span");
    shown.setAttribute("aria-hidden", "true");
    shown.textContent = String(count);
    const said = document.createElement("span");
    said.className = "visually-hidden";
    said.textContent = " " + (badge.dataset.label || "").replace("{n}", String(count));
    badge.replaceChildren(shown, said);
    badge.hidden = count === 0;
  }
}

export function readAttention() {
  const data = byId("chat-attention");
  let rows = [];
  try {
    rows = data ? JSON.parse(data.textContent) : [];
  } catch (error) {
    rows = [];
  }
  attention = {};
  rows.forEach((item) => {
    attention[item.id] = item;
  });
  updateCounts();
}

// The left column again, as the tab and search show it (after a replay that was not complete,
// or when the day changes and "14:05" must become "Ayer").
export function refreshSide() {
  getPart(state.root.dataset.listUrl + "?" + listQuery())
    .then((html) => {
      const side = byId("chat-side");
      if (html === null || !side) {
        return;
      }
      const focused = document.activeElement && side.contains(document.activeElement);
      const typing = focused && document.activeElement.id === "chat-q";
      if (typing) {
        return; // the search they are typing answers with its own list
      }
      side.innerHTML = html;
      window.htmx.process(side);
      readAttention();
      markOpen();
      tickWaiting();
    })
    .catch(() => {});
}

export function removeItem(id) {
  const item = byId("conv-" + id);
  if (item) {
    item.remove();
  }
}

// Row refreshes asked within a moment of each other (a message and its conversation's update,
// a bot's burst of replies) make one request.
export function scheduleItem(id) {
  if (itemTimers[id]) {
    return;
  }
  itemTimers[id] = window.setTimeout(() => {
    delete itemTimers[id];
    refreshItem(id);
  }, ROW_DELAY_MS);
}

function refreshItem(id) {
  const number = (itemRequests[id] || 0) + 1;
  itemRequests[id] = number;
  getPart(urlFor(state.root.dataset.itemUrl, id) + "?" + listQuery())
    .then((html) => {
      if (itemRequests[id] !== number) {
        return; // a newer answer is on its way
      }
      if (html === null) {
        removeItem(id);
      } else {
        placeItem(id, html);
      }
    })
    .catch(() => {});
}

function activityOf(item) {
  return Date.parse(item.dataset.activity) || 0;
}

function sortedByWaiting() {
  const sort = byId("chat-sort");
  return Boolean(sort && sort.value === "waiting");
}

// Whether row `item` (conversation `id`) goes before `row` in the list's order: newest
// activity first, or, sorted by waiting, who has waited longest first.
function goesBefore(item, id, row) {
  if (sortedByWaiting()) {
    const mine = Date.parse(item.dataset.waitingSince) || 0;
    const other = Date.parse(row.dataset.waitingSince) || 0;
    return other > mine || (other === mine && Number(row.dataset.id) > id);
  }
  const when = activityOf(item);
  const other = activityOf(row);
  return other < when || (other === when && Number(row.dataset.id) < id);
}

const WAIT_TICK_MS = 20000;
const DUE_SOON_MS = 10 * 60000; // rows.DUE_SOON
let waitTimer = null;

// "12 min", "2 h 05 min", "3 d": the server's labels (rows.span), from the page's texts.
function spanLabel(minutes) {
  if (minutes < 60) {
    return text("tWaitMin").replace("{m}", String(Math.max(1, minutes)));
  }
  if (minutes < 24 * 60) {
    return text("tWaitHours")
      .replace("{h}", String(Math.floor(minutes / 60)))
      .replace("{m}", String(minutes % 60).padStart(2, "0"));
  }
  return text("tWaitDays").replace("{d}", String(Math.floor(minutes / (24 * 60))));
}

function waitedLabel(since, now) {
  return spanLabel(Math.max(0, Math.floor((now - since) / 60000)));
}

// A row's target (rows.due_label): the time left, or how long ago it was due; the deadline came
// from the server, working hours counted, so this only compares it with the clock. Returns the
// milliseconds left (0 once overdue).
function showDue(label, now) {
  const due = Date.parse(label.getAttribute("datetime"));
  const tag = label.parentElement;
  if (!due || !tag) {
    return 0;
  }
  const left = due - now;
  let shown;
  if (left > 0) {
    const key = tag.dataset.dueKind === "first_response" ? "tDueFirstResponse" : "tDueResolution";
    shown = text(key).replace("{t}", spanLabel(Math.ceil(left / 60000)));
  } else {
    shown = text("tOverdue").replace("{t}", waitedLabel(due, now));
  }
  label.textContent = shown;
  tag.classList.toggle("tag--overdue", left <= 0);
  tag.classList.toggle("tag--soon", left > 0 && left <= DUE_SOON_MS);
  return Math.max(0, left);
}

// How long each waiting customer has waited and the time left to each target, ticking on in
// the rows (no request: the times came with the row); a target that falls due before the next
// tick is shown overdue at that moment.
export function tickWaiting() {
  window.clearTimeout(waitTimer);
  const now = Date.now();
  document.querySelectorAll("#chat-items .chat-item__waited").forEach((label) => {
    const since = Date.parse(label.getAttribute("datetime"));
    if (since) {
      label.textContent = waitedLabel(since, now);
    }
  });
  let next = WAIT_TICK_MS;
  document.querySelectorAll("#chat-items .chat-item__due").forEach((label) => {
    const left = showDue(label, now);
    if (left > 0) {
      next = Math.min(next, left + 50);
    }
  });
  waitTimer = window.setTimeout(tickWaiting, next);
}

function placeItem(id, html) {
  const list = byId("chat-items");
  const item = fragment(html).firstElementChild;
  if (!list || !item) {
    return;
  }
  const old = byId("conv-" + id);
  const hadFocus = old && old === document.activeElement;
  if (old) {
    old.remove();
  }
  const empty = byId("chat-list-empty");
  if (empty) {
    empty.remove();
  }
  const before = Array.prototype.find.call(list.querySelectorAll(".chat-item"), (row) =>
    goesBefore(item, id, row)
  );
  const more = list.querySelector(".chat-list__more");
  if (before) {
    list.insertBefore(item, before);
  } else if (more) {
    return; // it belongs to a page not loaded yet
  } else {
    list.appendChild(item);
  }
  window.htmx.process(item);
  markOpen();
  tickWaiting(); // its deadline may come before the next tick
  if (hadFocus) {
    item.focus();
  }
}

function rows() {
  return Array.from(document.querySelectorAll("#chat-items .chat-item"));
}

// The open conversation's row shows it (and says so to screen readers).
export function markOpen() {
  const open = openId();
  rows().forEach((item) => {
    const isOpen = Number(item.dataset.id) === open;
    item.classList.toggle("is-open", isOpen);
    if (isOpen) {
      item.setAttribute("aria-current", "true");
    } else {
      item.removeAttribute("aria-current");
    }
  });
}

// A click on a row shows it open at once, before its pane comes.
export function showClicked(item) {
  rows().forEach((other) => {
    other.classList.toggle("is-open", other === item);
  });
}

// Alt+↑ / Alt+↓: the previous or next row, opened.
export function moveBetweenChats(step) {
  const items = rows();
  if (!items.length) {
    return;
  }
  const index = items.findIndex((item) => item.classList.contains("is-open"));
  const next = index === -1 ? (step > 0 ? 0 : items.length - 1) : index + step;
  if (next < 0 || next >= items.length) {
    return;
  }
  items[next].scrollIntoView({ block: "nearest" });
  items[next].click();
}

// A row's unread badge goes as its chat is opened and read (the server marked it read; its event
// brings the row back in a moment).
export function dropUnreadBadge(id) {
  const item = byId("conv-" + id);
  const badge = item && item.querySelector(".chat-item__unread");
  if (badge) {
    badge.remove();
    item.classList.remove("chat-item--unread");
  }
}
