// The Tablero, live over the console socket (live.js). A `session:qr` swaps the QR image of
// its line; a `session:status` asks the server for that line's card again (one rendering path).
(function () {
  "use strict";

  var root = null;
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
    var live = document.getElementById("dash-live");
    window.ventanillaLive({
      opened: function (resume, lastId) {
        if (lastId > 0) {
          resume();
        } else {
          live.hidden = true;
        }
      },
      frame: handle,
      dropped: function () {
        live.hidden = false;
      },
    });
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
