// The console's one socket to /ws/, shared by the live screens (chat/main.js, dashboard.js): it
// keeps the id of the last event seen, reconnects with jittered backoff, asks for what it missed
// (resume_from), and goes to the login page when the server says the session is over (4401).
// A screen with an open conversation says which ({"watch": id}, again on every connection):
// only that conversation's delivery ticks (message:status) reach it.
(function () {
  "use strict";

  var MAX_BACKOFF = 10000;
  var SESSION_ENDED = 4401; // signed out, expired, or password, role or active flag changed

  // screen: { lastId, watching(), connecting(again), opened(resume, lastId), frame(frame), dropped() }
  // Returns { watch(id) }: tells the socket which conversation is open now (null: none).
  window.ventanillaLive = function (screen) {
    var lastId = screen.lastId || 0;
    var socket = null;
    var attempts = 0;

    function connect() {
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      var ws = new WebSocket(scheme + window.location.host + "/ws/");
      socket = ws;
      if (screen.connecting) {
        screen.connecting(attempts > 0);
      }
      ws.onopen = function () {
        attempts = 0;
        if (screen.watching) {
          ws.send(JSON.stringify({ watch: screen.watching() }));
        }
        screen.opened(function () {
          ws.send(JSON.stringify({ resume_from: lastId }));
        }, lastId);
      };
      ws.onmessage = function (message) {
        var frame;
        try {
          frame = JSON.parse(message.data);
        } catch (error) {
          return;
        }
        if (typeof frame.id === "number" && frame.id > lastId) {
          lastId = frame.id;
        }
        screen.frame(frame);
      };
      ws.onclose = function (event) {
        if (socket !== ws) {
          return;
        }
        socket = null;
        if (event.code === SESSION_ENDED) {
          // never reconnect with a session that is over; a person still signed in (their role
          // changed) is sent straight back here
          var here = window.location.pathname + window.location.search;
          window.location.assign("/login/?next=" + encodeURIComponent(here));
          return;
        }
        screen.dropped();
        var delay = Math.min(MAX_BACKOFF, 500 * Math.pow(2, attempts));
        attempts += 1;
        window.setTimeout(connect, delay * (0.85 + Math.random() * 0.3));
      };
    }

    connect();
    return {
      watch: function (id) {
        if (socket && socket.readyState === WebSocket.OPEN) {
          socket.send(JSON.stringify({ watch: id }));
        }
      },
    };
  };
})();
