// DOM helpers. Everything the API says is rendered with textContent, never as HTML: error descriptions,
// key names and user agents carry caller-supplied strings.

export const $ = (selector) => document.querySelector(selector);

export function show(selector, visible) {
  $(selector).hidden = !visible;
}

export function showError(message) {
  const box = $("#error");
  box.textContent = message;
  box.hidden = !message;
}

export function setStatus(message) {
  $("#status").textContent = message;
}

export function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  if (className) td.className = className;
  return td;
}

export function button(label, handler, attributes = {}) {
  const node = document.createElement("button");
  node.type = "button";
  node.textContent = label;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.addEventListener("click", handler);
  return node;
}

export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "never";
}
