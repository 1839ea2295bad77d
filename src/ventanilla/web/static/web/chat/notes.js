// Private notes: the composer's "Nota privada" switch (its placeholder says so), a note of the
// open chat shown as it is written, and a mention of the viewer told at once: a sound, a desktop
// notification and a notice to open the chat (#chat-mention; #chat's data-mentions counts them
// for people and browser tests).
import { alertPerson } from "./alerts.js";
import { byId, openId, text, urlFor } from "./dom.js";
import { state } from "./state.js";
import { catchUp } from "./thread.js";

let mentions = 0;

export function onNote(data) {
  const conversation = Number(data.conversation_id);
  if (conversation === openId()) {
    catchUp(false);
  }
  const mentioned = (data.mentions || []).some((person) => person.id === state.me);
  if (!mentioned || (data.author && data.author.id === state.me)) {
    return;
  }
  mentions += 1;
  state.root.dataset.mentions = String(mentions);
  const who = data.author ? data.author.name : "";
  const title = text("tMention").replace("{name}", who);
  alertPerson(conversation, title, data.text);
  showMention(conversation, title, data.text);
}

function showMention(conversation, title, body) {
  let notice = byId("chat-mention");
  if (!notice) {
    notice = document.createElement("a");
    notice.id = "chat-mention";
    notice.className = "chat-mention";
    notice.setAttribute("role", "status");
    state.root.appendChild(notice);
  }
  notice.href = urlFor(state.root.dataset.chatUrl, conversation);
  notice.dataset.conversation = String(conversation);
  const heading = document.createElement("strong");
  heading.textContent = title;
  const said = document.createElement("span");
  said.textContent = String(body || "").slice(0, 140);
  notice.replaceChildren(heading, said);
  notice.hidden = false;
}

function placeholder(form) {
  const box = form.querySelector("#composer-note");
  const textarea = form.querySelector("textarea");
  if (!box || !textarea) {
    return;
  }
  if (!textarea.dataset.messagePlaceholder) {
    textarea.dataset.messagePlaceholder = textarea.placeholder;
  }
  textarea.placeholder = box.checked
    ? textarea.dataset.notePlaceholder || textarea.placeholder
    : textarea.dataset.messagePlaceholder;
}

export function wireNotes() {
  document.addEventListener("change", (event) => {
    if (event.target.id === "composer-note") {
      placeholder(event.target.form);
      event.target.form.querySelector("textarea").focus();
    }
  });
  document.addEventListener("click", (event) => {
    const notice = event.target.closest && event.target.closest("#chat-mention");
    if (notice) {
      notice.hidden = true;
    }
  });
}
