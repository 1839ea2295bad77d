// The console's one socket to /ws/, shared by the live screens (chat.js, dashboard.js): it keeps
// the id of the last event seen, reconnects with jittered backoff, asks for what it missed
// (resume_from), and reloads the page when the server says the session is gone (4401/4403).
(function () {
  "use strict";

  var MAX_BACKOFF = 10000;

  // screen: { lastId, connecting(again), opened(resume, lastId), frame(frame), dropped() }
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
        if (event.code === 4401 || event.code === 4403) {
          window.location.reload(); // signed out or deactivated: the login page says so
          return;
        }
        screen.dropped();
        var delay = Math.min(MAX_BACKOFF, 500 * Math.pow(2, attempts));
        attempts += 1;
        window.setTimeout(connect, delay * (0.85 + Math.random() * 0.3));
      };
    }

    connect();
  };
})();
