// What the two composers share, the Chat screen's (chat/composer.js) and the sandbox phone's
// (sandbox.js): a native ES module, imported by both.

// Enter in a composer sends its form, Shift+Enter is a new line (and Enter while composing an
// accent or IME is not). An empty message is not sent.
export function enterSends(event) {
  if (event.key !== "Enter") {
    return;
  }
  if (event.shiftKey || event.altKey || event.ctrlKey || event.metaKey || event.isComposing) {
    return;
  }
  event.preventDefault();
  const textarea = event.target;
  if (textarea.value.trim() && textarea.form) {
    textarea.form.requestSubmit();
  }
}
