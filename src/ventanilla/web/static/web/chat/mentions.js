// Mentions in private notes: with the composer's "Nota privada" on, "@" at the start of a word
// opens the colleagues who may see the open chat (GET /api/conversations/{id}/mentionable: the
// rule that accepts a mention on the server). What follows the "@" filters them by username and
// name, accents and case ignored; the keys and clicks are caretpicker.js's. Picking one writes
// "@username " in place of what was typed.
import { caretPicker, matching, part } from "./caretpicker.js";

const SHOWN = 20;

function noteMode(textarea) {
  const box = textarea.form && textarea.form.querySelector("#composer-note");
  return Boolean(box && box.checked);
}

// The "@word" being typed right before the caret in a note: {start: the @'s index, query}, or
// null. An "@" inside a word (an e-mail address) is not a mention, as on the server.
function atBeforeCaret(textarea) {
  if (!noteMode(textarea)) {
    return null;
  }
  const before = textarea.value.slice(0, textarea.selectionStart);
  const match = /(^|[^\w@.])@([^\s@]*)$/.exec(before);
  return match ? { start: before.length - match[2].length - 1, query: match[2] } : null;
}

function draw(option, item) {
  option.dataset.username = item.username;
  option.append(
    part("quick-picker__code", "@" + item.username),
    part("quick-picker__title", item.name)
  );
}

function pick(textarea, item, start) {
  const mention = "@" + item.username + " ";
  const after = textarea.value.slice(textarea.selectionStart).replace(/^\s+/, "");
  textarea.value = textarea.value.slice(0, start) + mention + after;
  const caret = start + mention.length;
  textarea.setSelectionRange(caret, caret);
}

const mentions = caretPicker({
  id: "mention-picker",
  optionId: (item) => "mention-" + item.id,
  label: "mentionLabel",
  empty: "mentionEmpty",
  url: (conversation) => "/api/conversations/" + conversation + "/mentionable",
  find: atBeforeCaret,
  match: (items, query) => matching(items, query, (item) => [item.username, item.name], SHOWN),
  draw: draw,
  pick: pick,
});

export function wireMentions() {
  mentions.wire();
  document.addEventListener("change", (event) => {
    if (event.target.id === "composer-note" && !event.target.checked) {
      mentions.close(); // a message to the customer mentions nobody
    }
  });
}
