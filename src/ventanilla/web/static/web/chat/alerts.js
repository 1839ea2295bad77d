// Sound and desktop notifications: a new message in a chat that is not open (or with the tab
// hidden), a chat newly assigned to the viewer, a new conversation in their queue.
//
// #chat says how many so far (data-alerts) and the conversation of the latest (data-last-alert),
// for people and browser tests.
import { byId, urlFor } from "./dom.js";
import { state } from "./state.js";

let sound = null;
let alerts = 0;

// Browsers allow sound only after a person's own click or key: each one wakes it.
export function wakeSound(event) {
  if (event && !event.isTrusted) {
    return;
  }
  const Context = window.AudioContext || window.webkitAudioContext;
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
  const start = sound.currentTime;
  [880, 1320].forEach((frequency, index) => {
    const at = start + index * 0.13;
    const oscillator = sound.createOscillator();
    const gain = sound.createGain();
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

export function alertPerson(conversation, title, body) {
  alerts += 1;
  state.root.dataset.alerts = String(alerts);
  state.root.dataset.lastAlert = String(conversation);
  beep();
  if (!("Notification" in window) || window.Notification.permission !== "granted") {
    return;
  }
  try {
    const note = new window.Notification(title, {
      body: String(body || "").slice(0, 140),
      tag: "ventanilla-" + conversation,
    });
    note.onclick = () => {
      window.focus();
      openConversation(conversation);
      note.close();
    };
  } catch (error) {
    // some browsers only notify from a service worker: the sound and the title still tell
  }
}

// The bell button in the list: shown while the browser has not been asked yet.
export function showNotifyButton() {
  const button = byId("chat-notify");
  if (button) {
    button.hidden = !("Notification" in window) || window.Notification.permission !== "default";
  }
}

export function askToNotify() {
  window.Notification.requestPermission().then(showNotifyButton);
}

function openConversation(id) {
  const item = byId("conv-" + id);
  if (item) {
    item.click();
    return;
  }
  const url = urlFor(state.root.dataset.chatUrl, id);
  window.htmx.ajax("GET", url, { target: "#chat-pane" }).then(() => {
    window.history.pushState({}, "", url);
  });
}
