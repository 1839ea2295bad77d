// The Tablero, live: one WebSocket to /ws/ (like chat.js). A `session:qr` swaps the QR image of
// its line; a `session:status` asks the server for that line's card again (one rendering path).
(function () {
  "use strict";

  var MAX_BACKOFF = 10000;
  var root = null;
  var lastId = 0;
  var socket = null;
  var attempts = 0;
  var requests = {}; // line id -> number of the latest card request

  function card(lineId) {
    return document.getElementById("line-" + lineId);
  }

  function refreshCard(lineId) {
    if (!card(lineId)) {
      return;
    }
    var number = (requests[lineId] || 0) + 1;
    requests[lineId] = number;
    var url = root.dataset.lineUrl.replace(/\/0\/$/, "/" + lineId + "/");
    fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        var current = card(lineId);
        if (html === null || !current || requests[lineId] !== number) {
          return;
        }
        var holder = document.createElement("div");
        holder.innerHTML = html.trim();
        var fresh = holder.firstElementChild;
        if (fresh) {
          current.replaceWith(fresh);
          if (window.htmx) {
            window.htmx.process(fresh);
          }
        }
      })
      .catch(function () {});
  }

  function showQr(data) {
    var current = card(data.line_id);
    if (!current || !data.qr) {
      return;
    }
    var box = current.querySelector('[data-role="qr"]');
    var image = box && box.querySelector("img");
    if (!image) {
      return;
    }
    image.src = data.qr;
    image.hidden = false;
    box.hidden = false;
  }

  function handle(frame) {
    var data = frame.data || {};
    switch (frame.event) {
      case "session:qr":
        showQr(data);
        break;
      case "session:status":
        refreshCard(data.line_id);
        break;
      case "resume:done":
        document.getElementById("dash-live").hidden = true;
        break;
    }
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + window.location.host + "/ws/");
    socket = ws;
    ws.onopen = function () {
      attempts = 0;
      if (lastId > 0) {
        ws.send(JSON.stringify({ resume_from: lastId }));
      } else {
        document.getElementById("dash-live").hidden = true;
      }
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
      handle(frame);
    };
    ws.onclose = function (event) {
      if (socket !== ws) {
        return;
      }
      socket = null;
      if (event.code === 4401 || event.code === 4403) {
        window.location.reload();
        return;
      }
      document.getElementById("dash-live").hidden = false;
      var delay = Math.min(MAX_BACKOFF, 500 * Math.pow(2, attempts));
      attempts += 1;
      window.setTimeout(connect, delay * (0.85 + Math.random() * 0.3));
    };
  }

  function start() {
    root = document.getElementById("dashboard");
    if (root && "WebSocket" in window) {
      connect();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
