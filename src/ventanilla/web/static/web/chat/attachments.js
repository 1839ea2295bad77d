// Attachments in the composer: the clip button, a paste or a drop on the conversation choose one
// file; it is checked against WhatsApp's limits before uploading (the table the server renders
// as #attachment-limits, the same it checks again on arrival), shown with an optional caption,
// and uploaded with XMLHttpRequest so a bar shows the upload's progress. Once the server queued
// it the thread catches up and the bubble appears like any other reply.
//
// A quick reply with a file (quickreplies.js) leaves that file pending here as if the agent had
// attached it: removable with ✕, and sent when the composer is sent, the composer's text as its
// caption (the server sends the text after the file when the kind takes no caption).
//
// What it says on #attach for people and browser tests: data-state is "empty", "ready",
// "uploading" or "error"; data-source is "quick-reply" for a quick reply's file; the error is in
// .attach__error (role=alert).
import { byId } from "./dom.js";
import { catchUp } from "./thread.js";

let pending = null; // the File chosen, or {quickReply: id} for a quick reply's, until sent or dropped
let preview = ""; // its object URL, for an image's thumbnail

function panel() {
  return byId("attach");
}

function limits() {
  const script = byId("attachment-limits");
  return script ? JSON.parse(script.textContent) : {};
}

function extensionOf(name) {
  const dot = name.lastIndexOf(".");
  return dot >= 0 ? name.slice(dot).toLowerCase() : "";
}

// The kind the browser can tell from the type and the name; the server reads the bytes.
function kindOf(file, table) {
  const type = (file.type || "").split(";")[0].trim().toLowerCase();
  const extension = extensionOf(file.name || "");
  for (const [name, kind] of Object.entries(table)) {
    if (kind && kind.mimes && (kind.mimes.includes(type) || kind.extensions.includes(extension))) {
      return [name, kind];
    }
  }
  return [null, null];
}

function sizeText(bytes) {
  if (bytes >= 1024 * 1024) {
    return (bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, "") + " MB";
  }
  return Math.max(1, Math.round(bytes / 1024)) + " KB";
}

function show(box, state, error) {
  box.hidden = false;
  box.dataset.state = state;
  const message = box.querySelector(".attach__error");
  message.textContent = error || "";
  message.hidden = !error;
  box.querySelector(".attach__progress").hidden = state !== "uploading";
  box.querySelector("[data-attach-send]").disabled = state !== "ready";
}

function forget() {
  pending = null;
  if (preview) {
    URL.revokeObjectURL(preview);
    preview = "";
  }
}

function clear() {
  forget();
  const box = panel();
  if (box) {
    box.hidden = true;
    box.dataset.state = "empty";
    delete box.dataset.source;
    box.querySelector(".attach__caption").value = "";
    box.querySelector(".attach__progress").value = 0;
  }
}

// `source`: where the thumbnail of an image is drawn from (an object URL, a stored file's address)
function describe(box, name, size, kindName, source) {
  box.querySelector(".attach__name").textContent = name || kindName || "";
  box.querySelector(".attach__size").textContent = size ? sizeText(size) : "";
  const thumb = box.querySelector(".attach__thumb");
  const image = kindName === "image" || kindName === "sticker";
  if (image) {
    thumb.src = source();
  }
  thumb.hidden = !image;
  box.querySelector(".attach__icon").toggleAttribute("hidden", image); // an SVG has no .hidden
}

export function chooseFile(file) {
  const box = panel();
  if (!box || !file) {
    return;
  }
  forget();
  delete box.dataset.source;
  const table = limits();
  const [kindName, kind] = kindOf(file, table);
  describe(box, file.name, file.size, kindName, () => {
    preview = URL.createObjectURL(file);
    return preview;
  });
  const caption = box.querySelector(".attach__caption");
  caption.hidden = Boolean(kind) && !kind.captioned;
  if (!kind) {
    show(box, "error", table.unsupported);
  } else if (file.size > kind.max) {
    show(box, "error", kind.too_large + " (" + sizeText(file.size) + ")");
  } else {
    pending = file;
    show(box, "ready", "");
    (caption.hidden ? box.querySelector("[data-attach-send]") : caption).focus();
  }
}

// A quick reply's file, already stored and checked: pending as if attached, the composer's text
// its caption.
export function chooseQuickReplyFile(reply) {
  const box = panel();
  const file = reply && reply.file;
  if (!box || !file) {
    return;
  }
  forget();
  describe(box, file.filename, file.size, file.kind, () => file.url);
  box.querySelector(".attach__caption").hidden = true;
  box.dataset.source = "quick-reply";
  pending = { quickReply: reply.id };
  show(box, "ready", "");
}

function quickReplyPending() {
  return Boolean(pending && pending.quickReply);
}

function refusal(xhr) {
  let body = {};
  try {
    body = JSON.parse(xhr.responseText || "{}");
  } catch {
    body = {};
  }
  const errors = body.errors || {};
  const first = (errors.file || errors.caption || errors.quick_reply_id || errors.text || [])[0];
  return first || body.detail || panel().dataset.failed || String(xhr.status);
}

function upload() {
  const box = panel();
  const form = byId("composer");
  if (!box || !pending || !form || box.dataset.state === "uploading") {
    return;
  }
  const data = new FormData();
  const fromQuickReply = quickReplyPending();
  const caption = box.querySelector(".attach__caption");
  if (fromQuickReply) {
    data.append("quick_reply_id", String(pending.quickReply));
    data.append("caption", form.querySelector("textarea").value);
  } else {
    data.append("file", pending, pending.name || "file");
    if (!caption.hidden) {
      data.append("caption", caption.value);
    }
  }
  const token = form.querySelector("input[name=csrfmiddlewaretoken]");
  const bar = box.querySelector(".attach__progress");
  const xhr = new XMLHttpRequest();
  xhr.open("POST", box.dataset.url);
  xhr.setRequestHeader("X-CSRFToken", token ? token.value : "");
  xhr.upload.addEventListener("progress", (event) => {
    if (event.lengthComputable) {
      bar.value = Math.round((event.loaded / event.total) * 100);
    }
  });
  xhr.addEventListener("load", () => {
    if (xhr.status === 201) {
      clear();
      if (fromQuickReply) {
        // the composer's text went with the file: emptied as after any send (composer.js)
        const id = JSON.parse(xhr.responseText || "{}").id;
        document.dispatchEvent(new CustomEvent("chat:sent", { detail: { id: id } }));
      } else {
        catchUp(true);
      }
      return;
    }
    show(box, "error", refusal(xhr));
  });
  xhr.addEventListener("error", () => {
    show(box, "error", box.dataset.failed);
  });
  bar.value = 0;
  show(box, "uploading", "");
  xhr.send(data);
}

function filesOf(transfer) {
  return transfer && transfer.files && transfer.files.length ? transfer.files : null;
}

function onClick(event) {
  const target = event.target.closest
    ? event.target.closest("[data-attach-pick], [data-attach-cancel], [data-attach-send]")
    : null;
  if (!target) {
    return;
  }
  if (target.matches("[data-attach-pick]")) {
    const input = byId("attach-input");
    if (input) {
      input.click();
    }
  } else if (target.matches("[data-attach-cancel]")) {
    clear();
  } else {
    upload();
  }
}

function onDrop(event) {
  const pane = byId("chat-pane");
  if (!pane || !pane.contains(event.target) || !byId("attach")) {
    return;
  }
  const types = event.dataTransfer ? Array.from(event.dataTransfer.types || []) : [];
  if (!types.includes("Files")) {
    return;
  }
  event.preventDefault(); // a dropped file is attached, not opened by the browser
  pane.classList.toggle("is-dropping", event.type === "dragover");
  if (event.type === "drop") {
    const files = filesOf(event.dataTransfer);
    if (files) {
      chooseFile(files[0]);
    }
  }
}

export function wireAttachments() {
  document.addEventListener("click", onClick);
  document.addEventListener("change", (event) => {
    if (event.target.matches && event.target.matches("[data-attach-input]")) {
      chooseFile(event.target.files[0]);
      event.target.value = "";
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.id === "attach-caption" && !event.isComposing) {
      event.preventDefault(); // not the text composer's form
      upload();
    }
  });
  document.addEventListener("paste", (event) => {
    const files = filesOf(event.clipboardData);
    if (files && event.target.closest && event.target.closest("#composer")) {
      event.preventDefault();
      chooseFile(files[0]);
    }
  });
  document.addEventListener("dragover", onDrop);
  document.addEventListener("drop", onDrop);
  document.addEventListener("dragleave", (event) => {
    const pane = byId("chat-pane");
    if (pane && event.target === pane) {
      pane.classList.remove("is-dropping");
    }
  });
  // the composer sent with a quick reply's file pending sends the file, its text the caption
  // (a private note is sent as a note: the file stays pending)
  document.addEventListener("htmx:confirm", (event) => {
    const form = event.detail.elt;
    const note = form && form.querySelector && form.querySelector("#composer-note");
    if (form && form.id === "composer" && quickReplyPending() && !(note && note.checked)) {
      event.preventDefault();
      upload();
    }
  });
  document.addEventListener("htmx:beforeSwap", (event) => {
    // another conversation (or a fresh composer) leaves a chosen file behind
    const swapped = event.detail.target;
    if (swapped && swapped.contains && swapped.contains(panel())) {
      forget();
    }
  });
}
