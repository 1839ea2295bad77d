// The Chat screen, live: one WebSocket to /ws/ and the small partials the server renders.
//
// Every row and bubble is rendered by the server (one rendering path): an event only says what
// changed, and this file asks for the partial of that row or bubble and puts it in place.
// Frames are {"event", "data", "id"}; the last id is remembered and sent back as
// {"resume_from": id} on every (re)connection, so nothing said meanwhile is lost.
//
// What it says on #chat for people and browser tests: data-socket ("connecting", "open" once a
// replay is done, "reconnecting"), data-alerts (how many sounds and notifications so far) and
// data-last-alert (the conversation of the latest one).
(function () {
  "use strict";

  var NEAR_BOTTOM = 80; // px from the end that still count as "at the bottom"
  var USER_SCROLL_MS = 1500; // a scroll this soon after a wheel, touch, key or click is theirs
  var ROW_DELAY_MS = 150;
  var SCROLL_KEYS = ["PageUp", "PageDown", "ArrowUp", "ArrowDown", "Home", "End", " "];
  var HEAD_REFRESH_MS = 10 * 60 * 1000; // the 24-hour window's "quedan ..." is re-read this often

  var root = null;
  var me = 0;
  var lastId = 0;
  var attention = {}; // conversation id -> {status, mine, unread, name}
  var itemRequests = {}; // conversation id -> number of the latest row request
  var itemTimers = {}; // conversation id -> a row refresh about to be asked
  var catchingUp = false;
  var catchUpAgain = false;
  var stickToBottom = true;
  var sound = null;
  var baseTitle = document.title.replace(/^\(\d+\) /, "");
  var viewerOpener = null;
  var olderScroll = null;
  var headStale = false; // a header refresh waited while the agent was busy in it
  var statusBefore = {}; // message id -> true: its status changed before its bubble was shown
  var userScrolledAt = 0;
  var windowTimer = null;
  var dayTimer = null;
  var alerts = 0;

  // --- Small helpers --------------------------------------------------------------------------

  function byId(id) {
    return document.getElementById(id);
  }

  function text(key) {
    return (root && root.dataset[key]) || "";
  }

  function openId() {
    var pane = byId("pane");
    return pane && pane.dataset.conversationId ? Number(pane.dataset.conversationId) : null;
  }

  function currentTab() {
    var tab = byId("chat-tab");
    return tab ? tab.value : "";
  }

  function currentQuery() {
    var query = byId("chat-q");
    return query ? query.value.trim() : "";
  }

  function urlFor(pattern, id) {
    return pattern.replace("/0/", "/" + id + "/");
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content;
  }

  // A partial: its HTML, null for 404, and a reload when the session is gone (the login page).
  function getPart(url) {
    return fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } }).then(
      function (response) {
        if (response.redirected && response.url.indexOf("/login/") !== -1) {
          window.location.reload();
          return null;
        }
        if (response.status === 404) {
          return null;
        }
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      }
    );
  }

  // --- The socket -----------------------------------------------------------------------------

  function connect() {
    window.ventanillaLive({
      lastId: lastId,
      connecting: function (again) {
        root.dataset.socket = again ? "reconnecting" : "connecting";
      },
      opened: function (resume) {
        resume();
      },
      frame: handle,
      dropped: function () {
        byId("chat-banner").hidden = false;
        root.dataset.socket = "reconnecting";
      },
    });
  }

  function handle(frame) {
    var data = frame.data || {};
    switch (frame.event) {
      case "conversation:incoming":
      case "conversation:update":
      case "conversation:closed":
        onConversation(frame.event, data);
        break;
      case "message:new":
        onMessageNew(data);
        break;
      case "message:status":
        onMessageStatus(data);
        break;
      case "resume:done":
        byId("chat-banner").hidden = true;
        root.dataset.socket = "open";
        catchUp(false); // the open thread, read directly
        if (data.complete === false) {
          refreshSide(); // more was missed than a replay holds: the list and badges again
          refreshHead();
        }
        break;
    }
  }

  // --- Conversations: the list, the badges, the title -----------------------------------------

  function onConversation(event, data) {
    var id = Number(data.id);
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

  function track(data) {
    var id = Number(data.id);
    var before = attention[id];
    var assignee = data.assigned_to ? data.assigned_to.id : null;
    var mine = assignee === me;
    var waiting = data.status === "queued" && assignee === null;
    if (data.status !== "closed" && (mine || waiting)) {
      attention[id] = {
        status: data.status,
        mine: mine,
        unread: Number(data.unread_count) || 0,
        name: data.contact ? data.contact.name : "",
      };
      var isNew = mine ? !before || !before.mine : !before;
      if (isNew && id !== openId()) {
        alertPerson(id, text(mine ? "tNewChat" : "tQueued"), attention[id].name);
      }
    } else {
      delete attention[id];
    }
    updateCounts();
  }

  function forget(id) {
    delete attention[id];
    updateCounts();
  }

  function updateCounts() {
    var mine = 0;
    var queue = 0;
    var unread = 0;
    Object.keys(attention).forEach(function (id) {
      var item = attention[id];
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
    var badge = document.querySelector('[data-count="' + tab + '"]');
    if (badge) {
      var shown = document.createElement("span");
      shown.setAttribute("aria-hidden", "true");
      shown.textContent = String(count);
      var said = document.createElement("span");
      said.className = "visually-hidden";
      said.textContent = " " + (badge.dataset.label || "").replace("{n}", String(count));
      badge.replaceChildren(shown, said);
      badge.hidden = count === 0;
    }
  }

  function readAttention() {
    var data = byId("chat-attention");
    var rows = [];
    try {
      rows = data ? JSON.parse(data.textContent) : [];
    } catch (error) {
      rows = [];
    }
    attention = {};
    rows.forEach(function (item) {
      attention[item.id] = item;
    });
    updateCounts();
  }

  // The left column again, as the tab and search show it (after a replay that was not complete,
  // or when the day changes and "14:05" must become "Ayer").
  function refreshSide() {
    var query = new URLSearchParams({ tab: currentTab(), q: currentQuery() });
    getPart(root.dataset.listUrl + "?" + query.toString())
      .then(function (html) {
        var side = byId("chat-side");
        if (html === null || !side) {
          return;
        }
        var focused = document.activeElement && side.contains(document.activeElement);
        var typing = focused && document.activeElement.id === "chat-q";
        if (typing) {
          return; // the search they are typing answers with its own list
        }
        side.innerHTML = html;
        window.htmx.process(side);
        readAttention();
        markOpen();
      })
      .catch(function () {});
  }

  function removeItem(id) {
    var item = byId("conv-" + id);
    if (item) {
      item.remove();
    }
  }

  // Row refreshes asked within a moment of each other (a message and its conversation's update,
  // a bot's burst of replies) make one request.
  function scheduleItem(id) {
    if (itemTimers[id]) {
      return;
    }
    itemTimers[id] = window.setTimeout(function () {
      delete itemTimers[id];
      refreshItem(id);
    }, ROW_DELAY_MS);
  }

  function refreshItem(id) {
    var number = (itemRequests[id] || 0) + 1;
    itemRequests[id] = number;
    var query = new URLSearchParams({ tab: currentTab(), q: currentQuery() });
    getPart(urlFor(root.dataset.itemUrl, id) + "?" + query.toString())
      .then(function (html) {
        if (itemRequests[id] !== number) {
          return; // a newer answer is on its way
        }
        if (html === null) {
          removeItem(id);
        } else {
          placeItem(id, html);
        }
      })
      .catch(function () {});
  }

  function activityOf(item) {
    return Date.parse(item.dataset.activity) || 0;
  }

  function placeItem(id, html) {
    var list = byId("chat-items");
    var item = fragment(html).firstElementChild;
    if (!list || !item) {
      return;
    }
    var old = byId("conv-" + id);
    var hadFocus = old && old === document.activeElement;
    if (old) {
      old.remove();
    }
    var empty = byId("chat-list-empty");
    if (empty) {
      empty.remove();
    }
    var when = activityOf(item);
    var before = null;
    var rows = list.querySelectorAll(".chat-item");
    for (var i = 0; i < rows.length; i += 1) {
      var other = activityOf(rows[i]);
      if (other < when || (other === when && Number(rows[i].dataset.id) < id)) {
        before = rows[i];
        break;
      }
    }
    var more = list.querySelector(".chat-list__more");
    if (before) {
      list.insertBefore(item, before);
    } else if (more) {
      return; // it belongs to a page not loaded yet
    } else {
      list.appendChild(item);
    }
    window.htmx.process(item);
    markOpen();
    if (hadFocus) {
      item.focus();
    }
  }

  function markOpen() {
    var open = openId();
    document.querySelectorAll("#chat-items .chat-item").forEach(function (item) {
      var isOpen = Number(item.dataset.id) === open;
      item.classList.toggle("is-open", isOpen);
      if (isOpen) {
        item.setAttribute("aria-current", "true");
      } else {
        item.removeAttribute("aria-current");
      }
    });
  }

  // --- The open conversation ------------------------------------------------------------------

  // The agent is editing the card or has an action menu (close, transfer) open: a fresh header
  // would take it away mid-typing, so it waits until the menu closes (their typing wins).
  function busyIn(head) {
    return Boolean(head.querySelector(".card-form, .dropdown[open]"));
  }

  function refreshHead() {
    var pane = byId("pane");
    var head = byId("chat-head");
    if (!pane || !head) {
      return;
    }
    headStale = busyIn(head);
    if (headStale) {
      return;
    }
    if (head.querySelector(".dropdown[open]")) {
      headStale = true; // choosing a transfer or typing a close reason: after they are done
      return;
    }
    getPart(pane.dataset.headUrl)
      .then(function (html) {
        if (html === null) {
          paneGone();
          return;
        }
        var fresh = fragment(html).firstElementChild;
        var current = byId("chat-head");
        if (!fresh || !current) {
          return;
        }
        if (busyIn(current)) {
          headStale = true;
          return;
        }
        if (current.querySelector(".dropdown[open]")) {
          headStale = true;
          return;
        }
        var moved = fresh.dataset.state !== current.dataset.state;
        current.replaceWith(fresh);
        window.htmx.process(fresh);
        watchWindow();
        var composer = byId("composer");
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
      .catch(function () {});
  }

  // WhatsApp's 24-hour window closes while the chat is open: the header and the composer say so
  // then, without waiting for an event.
  function watchWindow() {
    window.clearTimeout(windowTimer);
    var head = byId("chat-head");
    var ends = head ? Date.parse(head.dataset.windowEnds || "") : NaN;
    if (isNaN(ends)) {
      return;
    }
    var wait = Math.max(1000, Math.min(ends - Date.now() + 1000, HEAD_REFRESH_MS));
    windowTimer = window.setTimeout(refreshHead, wait);
  }

  function isoDay(date) {
    var month = String(date.getMonth() + 1).padStart(2, "0");
    var day = String(date.getDate()).padStart(2, "0");
    return date.getFullYear() + "-" + month + "-" + day;
  }

  // At midnight "Hoy" becomes "Ayer": the chips of the thread and the times of the list.
  function watchDay() {
    window.clearTimeout(dayTimer);
    var now = new Date();
    var midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 0, 0, 5);
    dayTimer = window.setTimeout(function () {
      relabelDays();
      refreshSide();
      watchDay();
    }, midnight - now);
  }

  function relabelDays() {
    var today = new Date();
    var yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
    document.querySelectorAll("#chat-thread .entry").forEach(function (entry) {
      var label = entry.querySelector(":scope > .entry__day > span");
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

  function paneGone() {
    var pane = byId("chat-pane");
    if (!pane) {
      return;
    }
    var box = document.createElement("div");
    box.className = "pane pane--empty";
    box.id = "pane";
    var note = document.createElement("p");
    note.className = "pane__notice";
    note.setAttribute("role", "status");
    note.textContent = text("tGone");
    box.appendChild(note);
    pane.replaceChildren(box);
    markOpen();
  }

  function atBottom(thread) {
    return thread.scrollHeight - thread.scrollTop - thread.clientHeight < NEAR_BOTTOM;
  }

  function toBottom() {
    var thread = byId("chat-thread");
    if (thread) {
      thread.scrollTop = thread.scrollHeight;
    }
    stickToBottom = true;
    var pill = byId("chat-pill");
    if (pill) {
      pill.hidden = true;
    }
  }

  function lastMessageId(thread) {
    var last = 0;
    thread.querySelectorAll('.entry[id^="m-"]').forEach(function (entry) {
      last = Math.max(last, Number(entry.id.slice(2)));
    });
    return last;
  }

  // Day chips, conversation separators and bubble tails: the server's rule, applied again where
  // pages and live bubbles meet.
  function relabel(thread) {
    var current = String(openId());
    var previous = null;
    thread.querySelectorAll(":scope > .entry").forEach(function (entry) {
      var newDay = !previous || previous.dataset.day !== entry.dataset.day;
      var newConversation = !previous || previous.dataset.conv !== entry.dataset.conv;
      var day = entry.querySelector(":scope > .entry__day");
      if (day) {
        day.hidden = !newDay;
      }
      var separator = entry.querySelector(":scope > .entry__sep");
      if (separator) {
        separator.hidden = previous ? !newConversation : entry.dataset.conv === current;
      }
      var tail =
        newDay ||
        newConversation ||
        previous.dataset.side !== entry.dataset.side ||
        previous.dataset.author !== entry.dataset.author;
      entry.classList.toggle("entry--tail", tail);
      previous = entry;
    });
  }

  // New bubbles and notes since the last bubble shown; again when asked meanwhile.
  function catchUp(ownMessage) {
    var pane = byId("pane");
    var thread = byId("chat-thread");
    if (!pane || !thread || !pane.dataset.afterUrl) {
      return;
    }
    if (catchingUp) {
      catchUpAgain = true;
      return;
    }
    catchingUp = true;
    var conversation = openId();
    getPart(pane.dataset.afterUrl + "?m=" + lastMessageId(thread))
      .then(function (html) {
        var now = byId("chat-thread");
        if (html === null || openId() !== conversation || !now) {
          return;
        }
        appendEntries(now, html, ownMessage);
      })
      .catch(function () {})
      .then(function () {
        catchingUp = false;
        if (catchUpAgain) {
          catchUpAgain = false;
          catchUp(false);
        }
      });
  }

  function appendEntries(thread, html, ownMessage) {
    var wasAtBottom = atBottom(thread);
    var added = 0;
    Array.prototype.slice.call(fragment(html).children).forEach(function (entry) {
      var known = entry.id && byId(entry.id);
      if (known) {
        known.replaceWith(entry);
      } else {
        thread.appendChild(entry);
        added += 1;
      }
    });
    relabel(thread);
    Object.keys(statusBefore).forEach(function (id) {
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

  function onMessageNew(data) {
    var conversation = Number(data.conversation_id);
    var open = openId();
    var own = data.direction === "out" && data.sender && data.sender.id === me;
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
      var item = attention[conversation];
      if (item) {
        var preview = data.text || text("tAttachment");
        alertPerson(conversation, item.name || text("tUnknown"), preview);
      }
    }
  }

  function onMessageStatus(data) {
    var pane = byId("pane");
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
    var pane = byId("pane");
    if (!pane) {
      return;
    }
    getPart(pane.dataset.messageUrl.replace(/\/0\/$/, "/" + Number(id) + "/"))
      .then(function (html) {
        var now = byId("m-" + id);
        var fresh = html && fragment(html).firstElementChild;
        if (now && fresh) {
          var thread = byId("chat-thread");
          var wasAtBottom = thread && atBottom(thread);
          now.replaceWith(fresh);
          relabel(thread);
          if (wasAtBottom) {
            toBottom();
          }
        }
      })
      .catch(function () {});
  }

  // The open chat is read as it arrives, by the agent who answers it (or while nobody does).
  function mayRead() {
    var head = byId("chat-head");
    var assignee = head ? head.dataset.state.split("|")[1] : "";
    return !assignee || Number(assignee) === me;
  }

  function markRead(conversation) {
    if (!mayRead()) {
      return;
    }
    fetch("/api/conversations/" + conversation + "/read", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
    }).catch(function () {});
  }

  function opened() {
    var thread = byId("chat-thread");
    statusBefore = {};
    markOpen();
    watchWindow();
    if (!thread) {
      return;
    }
    relabel(thread);
    toBottom();
    var item = byId("conv-" + openId());
    var badge = item && item.querySelector(".chat-item__unread");
    if (badge && mayRead()) {
      badge.remove(); // the server marked it read; its event brings the row back in a moment
      item.classList.remove("chat-item--unread");
    }
  }

  // --- Sound and desktop notifications --------------------------------------------------------

  function wakeSound(event) {
    if (event && !event.isTrusted) {
      return; // browsers allow sound only after a person's own click or key
    }
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) {
      return;
    }
    try {
      sound = sound || new Context();
      if (sound.state === "suspended") {
        sound.resume();
      }
    } catch (error) {
      sound = null;
    }
  }

  function beep() {
    if (!sound || sound.state !== "running") {
      return;
    }
    var start = sound.currentTime;
    [880, 1320].forEach(function (frequency, index) {
      var at = start + index * 0.13;
      var oscillator = sound.createOscillator();
      var gain = sound.createGain();
      oscillator.type = "sine";
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.18, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.18);
      oscillator.connect(gain);
      gain.connect(sound.destination);
      oscillator.start(at);
      oscillator.stop(at + 0.2);
    });
  }

  function alertPerson(conversation, title, body) {
    alerts += 1;
    root.dataset.alerts = String(alerts);
    root.dataset.lastAlert = String(conversation);
    beep();
    if (!("Notification" in window) || window.Notification.permission !== "granted") {
      return;
    }
    try {
      var note = new window.Notification(title, {
        body: String(body || "").slice(0, 140),
        tag: "ventanilla-" + conversation,
      });
      note.onclick = function () {
        window.focus();
        openConversation(conversation);
        note.close();
      };
    } catch (error) {
      // some browsers only notify from a service worker: the sound and the title still tell
    }
  }

  function showNotifyButton() {
    var button = byId("chat-notify");
    if (button) {
      button.hidden = !("Notification" in window) || window.Notification.permission !== "default";
    }
  }

  function openConversation(id) {
    var item = byId("conv-" + id);
    if (item) {
      item.click();
      return;
    }
    var url = urlFor(root.dataset.chatUrl, id);
    window.htmx.ajax("GET", url, { target: "#chat-pane" }).then(function () {
      window.history.pushState({}, "", url);
    });
  }

  // --- The image viewer -----------------------------------------------------------------------

  function openViewer(button) {
    var viewer = byId("chat-viewer");
    var image = byId("chat-viewer-img");
    var thumb = button.querySelector("img");
    image.src = button.dataset.viewer;
    image.alt = thumb ? thumb.alt : "";
    viewerOpener = button;
    viewer.hidden = false;
    byId("chat-viewer-close").focus();
  }

  function closeViewer() {
    var viewer = byId("chat-viewer");
    if (!viewer || viewer.hidden) {
      return false;
    }
    viewer.hidden = true;
    byId("chat-viewer-img").removeAttribute("src");
    if (viewerOpener && document.body.contains(viewerOpener)) {
      viewerOpener.focus();
    }
    viewerOpener = null;
    return true;
  }

  // Esc while editing the contact card puts the card back as it was.
  function cancelCard() {
    var cancel = document.querySelector("#contact-card .card-form [data-cancel]");
    if (!cancel || !cancel.closest(".card-form").contains(document.activeElement)) {
      return false;
    }
    cancel.click();
    return true;
  }

  // Closes the open action menus but `keep`; with `refocus`, its button takes the focus back.
  function closeDropdowns(keep, refocus) {
    var closed = false;
    document.querySelectorAll(".dropdown[open]").forEach(function (dropdown) {
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

  // --- The composer ---------------------------------------------------------------------------

  function fitComposer(textarea) {
    textarea.style.height = "auto";
    textarea.style.height = textarea.scrollHeight + 2 + "px";
  }

  function focusComposer() {
    var textarea = document.querySelector("#composer textarea");
    if (textarea) {
      textarea.focus();
      if (textarea.value) {
        fitComposer(textarea);
      }
    }
  }

  // --- Wiring ---------------------------------------------------------------------------------

  function moveBetweenChats(step) {
    var items = Array.prototype.slice.call(document.querySelectorAll("#chat-items .chat-item"));
    if (!items.length) {
      return;
    }
    var index = items.findIndex(function (item) {
      return item.classList.contains("is-open");
    });
    var next = index === -1 ? (step > 0 ? 0 : items.length - 1) : index + step;
    if (next < 0 || next >= items.length) {
      return;
    }
    items[next].scrollIntoView({ block: "nearest" });
    items[next].click();
  }

  function wire() {
    document.addEventListener("keydown", function (event) {
      var field = event.target.matches && event.target.matches("input, textarea, select");
      if (SCROLL_KEYS.indexOf(event.key) !== -1 && !field) {
        userScrolledAt = Date.now();
      }
      if (event.key === "Escape" && (closeViewer() || closeDropdowns(null, true) || cancelCard())) {
        event.preventDefault();
        return;
      }
      var viewer = byId("chat-viewer");
      if (event.key === "Tab" && viewer && !viewer.hidden) {
        event.preventDefault(); // the viewer is modal: its one button keeps the focus
        byId("chat-viewer-close").focus();
        return;
      }
      if (
        event.altKey &&
        !event.ctrlKey &&
        !event.metaKey &&
        !event.shiftKey &&
        (event.key === "ArrowUp" || event.key === "ArrowDown")
      ) {
        event.preventDefault();
        moveBetweenChats(event.key === "ArrowDown" ? 1 : -1);
        return;
      }
      var target = event.target;
      // Enter sends, Shift+Enter is a new line (Enter while composing an accent or IME is not)
      if (target.matches && target.matches("#composer textarea") && event.key === "Enter") {
        if (event.shiftKey || event.altKey || event.ctrlKey || event.metaKey || event.isComposing) {
          return;
        }
        event.preventDefault();
        if (target.value.trim() && target.form) {
          target.form.requestSubmit();
        }
      }
    });

    document.addEventListener("input", function (event) {
      if (event.target.matches && event.target.matches("#composer textarea")) {
        fitComposer(event.target);
        var error = byId("composer-error");
        if (error && event.target.value.trim()) {
          error.remove(); // typing answers "write a message first"
          event.target.removeAttribute("aria-invalid");
          event.target.removeAttribute("aria-describedby");
        }
      }
    });

    document.addEventListener("click", function (event) {
      wakeSound(event);
      var target = event.target.closest ? event.target : null;
      if (!target) {
        return;
      }
      closeDropdowns(target.closest(".dropdown"));
      var image = target.closest("[data-viewer]");
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
        window.Notification.requestPermission().then(showNotifyButton);
        return;
      }
      var item = target.closest(".chat-item");
      if (item) {
        document.querySelectorAll("#chat-items .chat-item").forEach(function (other) {
          other.classList.toggle("is-open", other === item);
        });
      }
    });
    document.addEventListener("keydown", wakeSound);
    // one action menu open at a time
    document.addEventListener(
      "toggle",
      function (event) {
        if (!event.target.classList || !event.target.classList.contains("dropdown")) {
          return;
        }
        if (event.target.open) {
          closeDropdowns(event.target);
          var field = event.target.querySelector("select, input:not([type=hidden])");
          if (field) {
            field.focus();
          }
        } else if (headStale && event.target.closest("#chat-head")) {
          refreshHead(); // what changed while the menu was open
        }
      },
      true
    );

    var pane = byId("chat-pane");
    ["wheel", "touchstart", "touchmove", "pointerdown"].forEach(function (name) {
      pane.addEventListener(
        name,
        function () {
          userScrolledAt = Date.now();
        },
        { capture: true, passive: true }
      );
    });
    // Stick to the bottom while there; a scroll the agent makes away from it unsticks (and new
    // messages then show the pill). A scroll nobody made (a picture above grew the thread and
    // the browser kept its place) does not: a thread at the bottom stays there.
    pane.addEventListener(
      "scroll",
      function (event) {
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
      function (event) {
        if (event.target.tagName === "IMG" && stickToBottom) {
          toBottom();
        }
      },
      true
    );

    document.addEventListener("visibilitychange", function () {
      var open = openId();
      if (!document.hidden && open && attention[open] && attention[open].unread > 0) {
        markRead(open);
      }
    });

    // htmx: the 422s and 409s carry the form with its errors; a 404 pane is gone
    document.addEventListener("htmx:beforeSwap", function (event) {
      var detail = event.detail;
      var status = detail.xhr.status;
      if (detail.xhr.responseURL && detail.xhr.responseURL.indexOf("/login/") !== -1) {
        detail.shouldSwap = false;
        window.location.reload();
        return;
      }
      if ((status === 422 || status === 409) && root.contains(detail.target)) {
        detail.shouldSwap = true;
        detail.isError = false;
      } else if (status === 404 && detail.target.id === "chat-pane") {
        detail.shouldSwap = false;
        paneGone();
      }
      if (detail.target.classList && detail.target.classList.contains("thread__older")) {
        var thread = byId("chat-thread");
        olderScroll = thread ? thread.scrollHeight - thread.scrollTop : null;
      }
    });

    document.addEventListener("htmx:beforeRequest", function (event) {
      var form = event.detail.elt;
      if (form && form.id === "composer") {
        var textarea = form.querySelector("textarea");
        if (textarea) {
          textarea.readOnly = true;
        }
      }
    });

    document.addEventListener("htmx:afterRequest", function (event) {
      var form = event.detail.elt;
      if (form && form.id === "composer" && document.body.contains(form)) {
        var textarea = form.querySelector("textarea");
        if (textarea) {
          textarea.readOnly = false;
        }
      }
    });

    document.addEventListener("chat:sent", function () {
      var textarea = document.querySelector("#composer textarea");
      if (textarea) {
        textarea.readOnly = false;
        textarea.value = "";
        fitComposer(textarea);
        textarea.focus();
      }
      catchUp(true);
    });

    document.addEventListener("htmx:afterSwap", function (event) {
      var target = event.detail.target;
      if (olderScroll !== null) {
        var thread = byId("chat-thread");
        if (thread) {
          relabel(thread);
          thread.scrollTop = thread.scrollHeight - olderScroll;
        }
        olderScroll = null;
      }
      if (!target) {
        return;
      }
      if (target.id === "chat-pane") {
        headStale = false;
        opened();
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
      var card = byId("contact-card");
      var form = card && card.querySelector(".card-form");
      if (form && (target.id === "chat-head" || !document.body.contains(target))) {
        var field = form.querySelector("[aria-invalid='true']") || form.querySelector("input:not([type=hidden])");
        if (field) {
          field.focus();
        }
      }
    });

    // with the pane swapped on the same page, the back button reloads what the address says
    window.htmx.config.historyCacheSize = 0;
    window.htmx.config.refreshOnHistoryMiss = true;
  }

  function start() {
    root = byId("chat");
    if (!root || !window.htmx) {
      return;
    }
    me = Number(root.dataset.me);
    lastId = Number(root.dataset.lastEventId) || 0;
    root.dataset.alerts = "0";
    wire();
    readAttention();
    showNotifyButton();
    opened();
    watchDay();
    var toast = root.querySelector(".chat-toast");
    if (toast) {
      window.setTimeout(function () {
        toast.remove();
      }, 6000);
    }
    connect();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
