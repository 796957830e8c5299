// Two-factor authentication: TOTP enrolment (QR code and secret, confirmed with a code, backup codes shown
// once) and the code step of a login for a user who has it.
import * as api from "./api.js";
import { $, setStatus, show } from "./ui.js";

// One code form at a time: the DOM holds a single input[name=code], for enrolment or for the login step.
export function codeForm(id, label, onSubmit) {
  const form = document.createElement("form");
  form.id = id;
  const caption = document.createElement("label");
  caption.textContent = `${label} `;
  const input = document.createElement("input");
  Object.assign(input, { name: "code", autocomplete: "one-time-code", required: true, maxLength: 64 });
  input.setAttribute("inputmode", "text");
  caption.append(input);
  const submit = document.createElement("button");
  submit.type = "submit";
  submit.textContent = "Verify";
  form.append(caption, submit);
  form.addEventListener("submit", onSubmit);
  return form;
}

export async function loadStatus() {
  const { methods } = await api.call("/auth/mfa/");
  const totp = methods.find((method) => method.type === "totp" && method.confirmed);
  const backup = methods.find((method) => method.type === "backup_code");
  $("#mfa-status").textContent = totp
    ? `Two-factor authentication is on (${backup ? backup.remaining : 0} backup codes left).`
    : "Two-factor authentication is off.";
  show("#mfa-enrol", !totp);
  return Boolean(totp);
}

export async function startEnrolment(password) {
  const body = password ? { password } : {};
  const started = await api.call("/auth/mfa/totp/", { method: "POST", body });
  $("#totp-secret").textContent = started.secret;
  $("#totp-qr").src = started.qr_png; // a data: URI, allowed by the page's img-src
  show("#mfa-enrol", false);
  show("#mfa-enrolment", true);
  setStatus("Scan the QR code (or type the secret) in your authenticator app, then enter a code.");
}

export async function confirmEnrolment(code) {
  const { backup_codes: codes } = await api.call("/auth/mfa/totp/confirm/", { method: "POST", body: { code } });
  const items = codes.map((value) => {
    const item = document.createElement("li");
    item.textContent = value;
    return item;
  });
  $("#backup-codes").replaceChildren(...items);
  show("#mfa-backup", true);
  show("#mfa-enrolment", false);
  $("#totp-secret").textContent = "";
  $("#totp-qr").removeAttribute("src");
}

export function forget() {
  $("#totp-secret").textContent = "";
  $("#totp-qr").removeAttribute("src");
  $("#backup-codes").replaceChildren();
  show("#mfa-enrolment", false);
  show("#mfa-backup", false);
}
