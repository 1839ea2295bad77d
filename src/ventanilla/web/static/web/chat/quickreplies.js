// Quick replies in the composer: "/" at the start of a word opens a list of the replies this
// person may use in the open chat (GET /api/quick-replies?conversation_id=…, each with its text
// already filled: {nombre}, {agente}, {area}). What follows the "/" filters it by code, title and
// text, accents and case ignored; the keys and clicks are caretpicker.js's. The reply replaces
// "/…" in the composer and stays editable before it is sent; its file, if it has one, waits in
// the composer as an attached file would (attachments.js).
import { chooseQuickReplyFile } from "./attachments.js";
import { caretPicker, matching, part } from "./caretpicker.js";

const SHOWN = 50;

// The "/word" being typed right before the caret: {start: the slash's index, query}, or null.
function slashBeforeCaret(textarea) {
  const before = textarea.value.slice(0, textarea.selectionStart);
  const match = /(^|\s)\/([^\s/]*)$/.exec(before);
  return match ? { start: before.length - match[2].length - 1, query: match[2] } : null;
}

function draw(option, item) {
  option.dataset.code = item.code;
  option.append(
    part("quick-picker__code", "/" + item.code),
    part("quick-picker__title", item.title),
    part("quick-picker__text", item.filled || item.text)
  );
  if (item.file) {
    option.append(part("quick-picker__file", "📎 " + item.file.filename));
  }
}

function pick(textarea, item, start) {
  const text = item.filled || item.text;
  const end = textarea.selectionStart;
  textarea.value = textarea.value.slice(0, start) + text + textarea.value.slice(end);
  const caret = start + text.length;
  textarea.setSelectionRange(caret, caret);
  if (item.file) {
    chooseQuickReplyFile(item);
    textarea.focus(); // Enter sends the text with the file
  }
}

const quickReplies = caretPicker({
  id: "quick-picker",
  optionId: (item) => "quick-reply-" + item.id,
  label: "quickLabel",
  empty: "quickEmpty",
  url: (conversation) => "/api/quick-replies?conversation_id=" + conversation,
  find: slashBeforeCaret,
  match: (items, query) =>
    matching(items, query, (item) => [item.code, item.title, item.text], SHOWN),
  draw: draw,
  pick: pick,
});

export const wireQuickReplies = quickReplies.wire;
