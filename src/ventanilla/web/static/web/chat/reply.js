// Quoting: a bubble's "Responder" puts the message above the composer (#composer-quote) and its
// id in the form (reply_to), so the answer goes out quoting it (context.message_id on the Cloud
// API, quotedMsg on WPPConnect); × or a sent answer takes the quote away. A quote shown over a
// bubble (.bubble__quote) takes the thread to the quoted bubble when it is on the page.
import { byId } from "./dom.js";

function quote(button) {
  const form = byId("composer");
  const box = byId("composer-quote");
  if (!form || !box || form.dataset.locked === "1") {
    return;
  }
  byId("composer-reply-to").value = button.dataset.reply;
  box.querySelector("[data-quote-author]").textContent = button.dataset.replyAuthor || "";
  box.querySelector("[data-quote-text]").textContent = button.dataset.replyText || "";
  box.hidden = false;
  form.querySelector("textarea").focus();
}

export function unquote() {
  const field = byId("composer-reply-to");
  const box = byId("composer-quote");
  if (field) {
    field.value = "";
  }
  if (box) {
    box.hidden = true;
  }
}

function jump(link, event) {
  const bubble = byId("m-" + link.dataset.quote);
  if (!bubble) {
    return; // on an older page: the link's own #m-<id> does nothing worse
  }
  event.preventDefault();
  bubble.scrollIntoView({ block: "center", behavior: "smooth" });
  bubble.classList.remove("entry--flash");
  void bubble.offsetWidth; // restart the animation
  bubble.classList.add("entry--flash");
}

export function wireReply() {
  document.addEventListener("click", (event) => {
    const target = event.target.closest ? event.target : null;
    if (!target) {
      return;
    }
    const reply = target.closest("[data-reply]");
    const link = target.closest("[data-quote]");
    if (reply) {
      quote(reply);
    } else if (target.closest("[data-reply-cancel]")) {
      unquote();
      const textarea = document.querySelector("#composer textarea");
      if (textarea) {
        textarea.focus();
      }
    } else if (link) {
      jump(link, event);
    }
  });
  document.addEventListener("chat:sent", unquote);
}
