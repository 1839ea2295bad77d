// Small helpers every part of the Chat screen uses: the page's elements, texts and addresses, and
// the partials the server renders.
import { state } from "./state.js";

export function byId(id) {
  return document.getElementById(id);
}

// A text the page gives in the person's language (data-t-* on #chat).
export function text(key) {
  return (state.root && state.root.dataset[key]) || "";
}

// The open conversation's id, or null.
export function openId() {
  const pane = byId("pane");
  return pane && pane.dataset.conversationId ? Number(pane.dataset.conversationId) : null;
}

// The list's tab, search and order, as a query string: a row or the list asked for as they show it.
export function listQuery() {
  const tab = byId("chat-tab");
  const query = byId("chat-q");
  const label = byId("chat-label");
  const sort = byId("chat-sort");
  return new URLSearchParams({
    tab: tab ? tab.value : "",
    q: query ? query.value.trim() : "",
    label: label ? label.value : "",
    sort: sort ? sort.value : "",
  }).toString();
}

export function urlFor(pattern, id) {
  return pattern.replace("/0/", "/" + id + "/");
}

export function csrfToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  } catch (error) {
    return "";
  }
}

export function fragment(html) {
  const template = document.createElement("template");
  template.innerHTML = html.trim();
  return template.content;
}

// A partial: its HTML, null for 404, and a reload when the session is gone (the login page).
export function getPart(url) {
  return fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } }).then(
    (response) => {
      if (response.redirected && response.url.indexOf("/login/") !== -1) {
        window.location.reload();
        return null;
      }
      if (response.status === 404) {
        return null;
      }
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.text();
    }
  );
}
