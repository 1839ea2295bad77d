// Message templates in the composer (and on "Nuevo chat"): picking one draws its parameters,
// `{{1}}` pre-filled with the contact's name, and a live preview of what the customer will read;
// when the 24-hour window closes while the chat is open, the picker is fetched again (it opens,
// being all the agent may send). The server renders the same first (web/chat/templates.py).
//
// It wires itself once on import: main.js imports it for the Chat screen, chat/start.html loads
// it on its own.
import { fragment, getPart } from "./dom.js";

const PARAMETER = /\{\{\s*(\d+)\s*\}\}/g;

function pickerOf(element) {
  return element.closest ? element.closest("[data-template-picker]") : null;
}

function chosenOption(picker) {
  const select = picker.querySelector("[data-template-select]");
  return select ? select.options[select.selectedIndex] : null;
}

function values(picker) {
  return Array.from(picker.querySelectorAll("[data-template-params] input")).map((i) => i.value);
}

// What the customer will read: the body with each {{n}} filled (text only, never HTML).
export function showPreview(picker) {
  const option = chosenOption(picker);
  const preview = picker.querySelector("[data-template-preview]");
  if (!option || !preview) {
    return;
  }
  const given = values(picker);
  preview.textContent = (option.dataset.body || "").replace(PARAMETER, (whole, number) => {
    const value = given[Number(number) - 1];
    return value ? value : whole;
  });
}

function parameterField(number, value) {
  const wrap = document.createElement("div");
  wrap.className = "tpl__param";
  const label = document.createElement("label");
  const input = document.createElement("input");
  input.type = "text";
  input.name = "parameter";
  input.id = "tpl-param-" + number;
  input.maxLength = 1024;
  input.autocomplete = "off";
  input.value = value;
  label.htmlFor = input.id;
  label.textContent = "{{" + number + "}}";
  wrap.append(label, input);
  return wrap;
}

// Another template: its own parameters, {{1}} = the contact's name.
export function drawParameters(picker) {
  const option = chosenOption(picker);
  const box = picker.querySelector("[data-template-params]");
  if (!option || !box) {
    return;
  }
  const count = Number(option.dataset.count) || 0;
  const name = picker.dataset.contactName || "";
  box.replaceChildren();
  for (let number = 1; number <= count; number += 1) {
    box.append(parameterField(number, number === 1 ? name : ""));
  }
  picker.querySelectorAll(".tpl__error").forEach((error) => error.remove());
  showPreview(picker);
}

// "Nuevo chat": a line with templates asks for one; other lines for free text.
function showLineWay(select) {
  const form = select.form;
  const option = select.options[select.selectedIndex];
  const templated = Boolean(option && option.dataset.templates === "1");
  form.querySelectorAll("[data-way]").forEach((part) => {
    part.hidden = (part.dataset.way === "template") !== templated;
    part.querySelectorAll("input, select, textarea").forEach((field) => {
      field.disabled = part.hidden;
    });
  });
  const picker = form.querySelector("[data-template-picker]");
  const choose = picker && picker.querySelector("[data-template-select]");
  if (!choose) {
    return;
  }
  let first = null;
  Array.from(choose.options).forEach((item) => {
    item.hidden = item.dataset.line !== select.value;
    if (!item.hidden && first === null) {
      first = item;
    }
  });
  const current = choose.options[choose.selectedIndex];
  if (first && (!current || current.hidden)) {
    choose.value = first.value;
    drawParameters(picker);
  }
}

function refreshPicker() {
  const form = document.getElementById("composer-templates");
  if (!form || !form.dataset.url) {
    return;
  }
  getPart(form.dataset.url)
    .then((html) => {
      const current = document.getElementById("composer-templates");
      const fresh = html && fragment(html).firstElementChild;
      if (current && fresh) {
        current.replaceWith(fresh);
        window.htmx.process(fresh);
      }
    })
    .catch(() => {});
}

function wire() {
  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target.matches && target.matches("[data-template-select]")) {
      drawParameters(pickerOf(target));
    } else if (target.matches && target.matches("[data-start-line]")) {
      showLineWay(target);
    }
  });
  document.addEventListener("input", (event) => {
    const picker = pickerOf(event.target);
    if (picker && event.target.closest("[data-template-params]")) {
      showPreview(picker);
    }
  });
  // the composer was swapped because the window's state changed: the picker follows it
  document.addEventListener("htmx:afterSwap", (event) => {
    const target = event.detail && event.detail.target;
    if (target && target.id === "composer") {
      refreshPicker();
    }
  });
  const line = document.querySelector("[data-start-line]");
  if (line) {
    showLineWay(line);
  }
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", wire);
} else {
  wire();
}
