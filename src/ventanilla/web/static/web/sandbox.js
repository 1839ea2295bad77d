// The sandbox phone: remembers who you are, sends on Enter, keeps the thread at the bottom.
// Everything else (sending, polling) is htmx attributes in the templates. A native ES module:
// Enter sends as in the Chat screen's composer (compose.js).
import { enterSends } from "./compose.js";

var PHONE_KEY = "ventanilla.sandbox.phone";
var NAME_KEY = "ventanilla.sandbox.name";
var NEAR_BOTTOM = 48; // px: closer than this to the end counts as "at the bottom"

var lastThread = null; // the last polled thread HTML: an identical poll is not swapped
var wasAtBottom = true;
var refreshTimer = null;

function byId(id) {
  return document.getElementById(id);
}

function remember(key, value) {
  try {
    window.localStorage.setItem(key, value);
  } catch (error) {
    // private mode or storage disabled: nothing to remember
  }
}

function recall(key) {
  try {
    return window.localStorage.getItem(key);
  } catch (error) {
    return null;
  }
}

function atBottom(thread) {
  return thread.scrollHeight - thread.scrollTop - thread.clientHeight < NEAR_BOTTOM;
}

function toBottom() {
  var thread = byId("sandbox-thread");
  if (thread) {
    thread.scrollTop = thread.scrollHeight;
  }
}

function refreshThread() {
  var thread = byId("sandbox-thread");
  lastThread = null;
  if (thread && window.htmx) {
    window.htmx.trigger(thread, "refresh-thread");
  }
}

function fitComposer(textarea) {
  textarea.style.height = "auto";
  textarea.style.height = textarea.scrollHeight + "px";
}

function restore() {
  var phone = byId("sandbox-phone");
  var name = byId("sandbox-name");
  var fromUrl = new URLSearchParams(window.location.search).has("phone");
  var storedPhone = recall(PHONE_KEY);
  var storedName = recall(NAME_KEY);
  if (name && !name.value && storedName) {
    name.value = storedName;
  }
  if (phone && !fromUrl && storedPhone && storedPhone !== phone.value) {
    phone.value = storedPhone;
    refreshThread();
  }
  toBottom();
}

document.addEventListener("DOMContentLoaded", restore);

document.addEventListener("input", function (event) {
  var target = event.target;
  if (target.id === "sandbox-phone") {
    remember(PHONE_KEY, target.value);
    window.clearTimeout(refreshTimer);
    refreshTimer = window.setTimeout(refreshThread, 400);
  } else if (target.id === "sandbox-name") {
    remember(NAME_KEY, target.value);
  } else if (target.id === "sandbox-text") {
    fitComposer(target);
  }
});

// Enter sends, Shift+Enter is a new line (compose.js)
document.addEventListener("keydown", function (event) {
  if (event.target.id === "sandbox-text") {
    enterSends(event);
  }
});

document.addEventListener("htmx:beforeSwap", function (event) {
  var detail = event.detail;
  var target = detail.target;
  if (target.id === "sandbox-form" && detail.xhr.status === 422) {
    // the phone comes back with the field errors
    detail.shouldSwap = true;
    detail.isError = false;
  } else if (target.id === "sandbox-thread") {
    if (detail.xhr.responseURL && detail.xhr.responseURL.indexOf("/sandbox/thread/") === -1) {
      // signed out meanwhile: the poll was redirected; the page goes to the login
      detail.shouldSwap = false;
      window.location.reload();
      return;
    }
    if (detail.serverResponse === lastThread) {
      detail.shouldSwap = false;
      return;
    }
    lastThread = detail.serverResponse;
    wasAtBottom = atBottom(target);
  }
});

// htmx fires afterSwap on the new content: the thread itself, or the re-rendered phone.
document.addEventListener("htmx:afterSwap", function (event) {
  var swapped = event.target;
  if (swapped.id === "sandbox-thread") {
    if (wasAtBottom) {
      toBottom();
    }
  } else if (swapped.id === "sandbox-form") {
    lastThread = null;
    toBottom();
    var text = byId("sandbox-text");
    if (text && text.value) {
      fitComposer(text);
    }
    var invalid = swapped.querySelector("[aria-invalid='true']");
    var focus = invalid || text;
    if (focus) {
      focus.focus();
    }
  }
});

document.addEventListener("htmx:responseError", function (event) {
  if (event.detail.elt && event.detail.elt.id === "sandbox-form") {
    var alert = byId("sandbox-alert");
    if (alert) {
      alert.hidden = false;
    }
  }
});

document.addEventListener("htmx:sendError", function (event) {
  if (event.detail.elt && event.detail.elt.id === "sandbox-form") {
    var alert = byId("sandbox-alert");
    if (alert) {
      alert.hidden = false;
    }
  }
});
