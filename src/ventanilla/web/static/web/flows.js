// The Flows screen: a node's type re-renders its fields at once, the 422s (problems to show)
// are swapped in like any answer, and the simulator's conversation stays scrolled to its end.
// Everything else is plain form posts, which htmx turns into in-place swaps.
(function () {
  "use strict";

  function toEnd() {
    var thread = document.getElementById("sim-thread");
    if (thread) {
      thread.scrollTop = thread.scrollHeight;
    }
  }

  document.addEventListener("DOMContentLoaded", toEnd);

  document.addEventListener("change", function (event) {
    var target = event.target;
    var refresh = document.getElementById("flow-refresh");
    if (target.hasAttribute && target.hasAttribute("data-flow-refresh") && refresh && target.form) {
      target.form.requestSubmit(refresh);
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (detail.target.id !== "flow-form") {
      return;
    }
    if (detail.xhr.responseURL && detail.xhr.responseURL.indexOf("/login/") !== -1) {
      detail.shouldSwap = false; // signed out meanwhile: the page goes to the login
      window.location.reload();
    } else if (detail.xhr.status === 422) {
      detail.shouldSwap = true; // the form comes back with the problems next to their fields
      detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target.id !== "flow-form") {
      return;
    }
    toEnd();
    if (!document.getElementById("flow-problems")) {
      return; // nothing refused (or only the simulator's field, which keeps the focus)
    }
    // a refused save: take the person to the first problem
    var form = event.target;
    var field = form.querySelector('[aria-invalid="true"]');
    var node = form.querySelector(".flows__errors, .node__errors");
    var first = field;
    if (node && (!field || node.compareDocumentPosition(field) & Node.DOCUMENT_POSITION_FOLLOWING)) {
      first = node; // a message about a node as a whole comes before any field below it
    }
    if (first) {
      first.scrollIntoView({ block: "center" });
      if (first === field) {
        field.focus({ preventScroll: true });
      }
    }
  });
})();
