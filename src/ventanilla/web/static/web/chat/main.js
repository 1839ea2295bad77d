// The Chat screen, live: one WebSocket to /ws/ and the small partials the server renders.
//
// Every row and bubble is rendered by the server (one rendering path): an event only says what
// changed, and the screen asks for the partial of that row or bubble and puts it in place.
// Frames are {"event", "data", "id"}; the last id is remembered (live.js) and sent back as
// {"resume_from": id} on every (re)connection, so nothing said meanwhile is lost.
//
// What it says on #chat for people and browser tests: data-socket ("connecting", "open" once a
// replay is done, "reconnecting"), data-alerts (how many sounds and notifications so far) and
// data-last-alert (the conversation of the latest one).
//
// This module starts the screen and routes the socket's events and the page's clicks and htmx
// swaps to the parts: list.js (the left column), pane.js (the open conversation's header),
// thread.js (its bubbles and scroll), composer.js, attachments.js (files in the composer),
// quickreplies.js and mentions.js (the "/" and "@" lists), viewer.js, keys.js, alerts.js; state.js holds
// what they share, dom.js their helpers. Native ES modules, no build step (docs/chat.md).
import { alertPerson, askToNotify, showNotifyButton, wakeSound } from "./alerts.js";
import { wireAttachments } from "./attachments.js";
import { focusComposer, wireComposer } from "./composer.js";
import { byId, openId, text } from "./dom.js";
import { wireEmoji } from "./emoji.js";
import { wireKeys } from "./keys.js";
import {
  attentionOf,
  forget,
  markOpen,
  readAttention,
  refreshSide,
  removeItem,
  scheduleItem,
  showClicked,
  tickWaiting,
  track,
  updateCounts,
} from "./list.js";
import { wireMentions } from "./mentions.js";
import { onNote, wireNotes } from "./notes.js";
import {
  closeDropdowns,
  dropdownToggled,
  focusCardForm,
  markRead,
  opened,
  paneGone,
  paneSwapped,
  refreshHead,
} from "./pane.js";
import { wireReply } from "./reply.js";
import { wireQuickReplies } from "./quickreplies.js";
import { state } from "./state.js";
import {
  catchUp,
  rememberOlderScroll,
  restoreOlderScroll,
  showStatus,
  toBottom,
  watchDay,
  wireThread,
} from "./thread.js";
import { closeViewer, openViewer } from "./viewer.js";
import "./templates.js"; // the template picker wires itself (templates.js)

// --- The socket's events ----------------------------------------------------------------------

function connect(lastId) {
  state.live = window.ventanillaLive({
    lastId: lastId,
    watching: openId,
    connecting: (again) => {
      state.root.dataset.socket = again ? "reconnecting" : "connecting";
    },
    opened: (resume) => {
      resume();
    },
    frame: handle,
    dropped: () => {
      byId("chat-banner").hidden = false;
      state.root.dataset.socket = "reconnecting";
    },
  });
}

function handle(frame) {
  const data = frame.data || {};
  switch (frame.event) {
    case "conversation:incoming":
    case "conversation:update":
    case "conversation:closed":
      onConversation(data);
      break;
    case "message:new":
      onMessageNew(data);
      break;
    case "message:status":
    case "message:reaction": // the bubble again, with its reactions
      showStatus(data);
      break;
    case "note:new":
      onNote(data);
      break;
    case "resume:done":
      byId("chat-banner").hidden = true;
      state.root.dataset.socket = "open";
      catchUp(false); // the open thread, read directly
      if (data.complete === false) {
        refreshSide(); // more was missed than a replay holds: the list and badges again
        refreshHead();
      }
      break;
  }
}

function onConversation(data) {
  const id = Number(data.id);
  if (data.visible === false) {
    forget(id);
    removeItem(id);
    if (id === openId()) {
      paneGone();
    }
    return;
  }
  track(data);
  scheduleItem(id);
  if (id === openId()) {
    refreshHead();
  }
}

function onMessageNew(data) {
  const conversation = Number(data.conversation_id);
  const open = openId();
  const own = data.direction === "out" && data.sender && data.sender.id === state.me;
  if (data.direction === "out") {
    scheduleItem(conversation); // a reply moves its row up with "Tú:" / "Bot:" (no update comes)
  }
  if (conversation === open) {
    catchUp(own);
    if (data.direction === "in" && !document.hidden) {
      markRead(conversation);
    }
  }
  if (data.direction === "in" && (conversation !== open || document.hidden)) {
    const item = attentionOf(conversation);
    if (item) {
      const preview = data.text || text("tAttachment");
      alertPerson(conversation, item.name || text("tUnknown"), preview);
    }
  }
}

// --- The page's own events --------------------------------------------------------------------

function onClick(event) {
  wakeSound(event);
  const target = event.target.closest ? event.target : null;
  if (!target) {
    return;
  }
  closeDropdowns(target.closest(".dropdown"));
  const image = target.closest("[data-viewer]");
  if (image) {
    openViewer(image);
    return;
  }
  if (target.closest("#chat-viewer-close") || target.id === "chat-viewer") {
    closeViewer();
    return;
  }
  if (target.closest("#chat-pill")) {
    toBottom();
    return;
  }
  if (target.closest("#chat-notify")) {
    askToNotify();
    return;
  }
  const item = target.closest(".chat-item");
  if (item) {
    showClicked(item);
  }
}

// The socket hears the ticks of the conversation being opened from before its pane is read, so
// no status is missed between the two.
const PANE_PATH = /^\/chats\/(\d+)\/$/;

function beforeRequest(event) {
  const detail = event.detail;
  const path = detail.requestConfig && detail.requestConfig.path;
  const match = detail.target && detail.target.id === "chat-pane" && PANE_PATH.exec(path || "");
  if (match && state.live) {
    state.live.watch(Number(match[1]));
  }
}

// htmx: the 422s and 409s carry the form with its errors; a 404 pane is gone
function beforeSwap(event) {
  const detail = event.detail;
  const status = detail.xhr.status;
  if (detail.xhr.responseURL && detail.xhr.responseURL.indexOf("/login/") !== -1) {
    detail.shouldSwap = false;
    window.location.reload();
    return;
  }
  if ((status === 422 || status === 409 || status === 403) && state.root.contains(detail.target)) {
    detail.shouldSwap = true;
    detail.isError = false;
  } else if (status === 404 && detail.target.id === "chat-pane") {
    detail.shouldSwap = false;
    paneGone();
  }
  if (detail.target.classList && detail.target.classList.contains("thread__older")) {
    rememberOlderScroll();
  }
}

function afterSwap(event) {
  const target = event.detail.target;
  restoreOlderScroll();
  if (!target) {
    return;
  }
  if (target.id === "chat-pane") {
    if (state.live) {
      state.live.watch(openId());
    }
    paneSwapped();
    focusComposer();
  } else if (target.id === "chat-side") {
    readAttention();
    markOpen();
  } else if (target.id === "chat-items") {
    markOpen();
    updateCounts();
  } else if (target.id === "composer" || (target.closest && target.closest("#composer"))) {
    focusComposer();
  }
  focusCardForm(target);
}

function wire() {
  wireQuickReplies(); // before wireKeys: its keys go first while its list is open
  wireMentions(); // likewise
  wireKeys();
  wireComposer();
  wireAttachments();
  wireEmoji();
  wireReply();
  wireNotes();
  document.addEventListener("click", onClick);
  document.addEventListener("keydown", wakeSound);
  document.addEventListener(
    "toggle",
    (event) => {
      if (event.target.classList && event.target.classList.contains("dropdown")) {
        dropdownToggled(event.target);
      }
    },
    true
  );
  wireThread(byId("chat-pane"));
  document.addEventListener("visibilitychange", () => {
    const open = openId();
    const item = open && attentionOf(open);
    if (!document.hidden && item && item.unread > 0) {
      markRead(open);
    }
  });
  document.addEventListener("htmx:beforeRequest", beforeRequest);
  document.addEventListener("htmx:beforeSwap", beforeSwap);
  document.addEventListener("htmx:afterSwap", afterSwap);

  // with the pane swapped on the same page, the back button reloads what the address says
  window.htmx.config.historyCacheSize = 0;
  window.htmx.config.refreshOnHistoryMiss = true;
}

function start() {
  state.root = byId("chat");
  if (!state.root || !window.htmx) {
    return;
  }
  state.me = Number(state.root.dataset.me);
  state.root.dataset.alerts = "0";
  wire();
  readAttention();
  showNotifyButton();
  opened();
  watchDay();
  tickWaiting();
  const toast = state.root.querySelector(".chat-toast");
  if (toast) {
    window.setTimeout(() => {
      toast.remove();
    }, 6000);
  }
  connect(Number(state.root.dataset.lastEventId) || 0);
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start);
} else {
  start();
}
