// The page: wires the forms and buttons to the API client and renders what it answers.
import * as api from "./api.js";
import * as mfa from "./mfa.js";
import { $, button, cell, setStatus, show, showError, when } from "./ui.js";

function guard(action) {
  return async (event) => {
    if (event) event.preventDefault();
    showError("");
    try {
      await action(event);
    } catch (exc) {
      showError(exc.message);
    }
  };
}

function showSignedOut(message) {
  show("#account", false);
  show("#signed-in", false);
  show("#login-section", true);
  $("#current-user").textContent = "";
  $("#api-keys").replaceChildren();
  $("#sessions").replaceChildren();
  $("#api-key-plaintext").textContent = "";
  show("#api-key-new", false);
  show("#mfa-login", false);
  $("#mfa-login-slot").replaceChildren();
  $("#mfa-confirm-slot").replaceChildren();
  mfa.forget();
  setStatus(message || "Signed out.");
  document.body.dataset.state = "signed-out";
}

async function showSignedIn() {
  const me = await api.call("/api/whoami/");
  $("#current-user").textContent = me.user;
  show("#login-section", false);
  show("#mfa-login", false);
  $("#mfa-login-slot").replaceChildren();
  show("#account", true);
  show("#signed-in", true);
  await Promise.all([loadKeys(), loadSessions(), mfa.loadStatus()]);
  setStatus("Signed in.");
  document.body.dataset.state = "signed-in";
}

// ---- API keys ----

function revealKey(issued) {
  $("#api-key-plaintext").textContent = issued.key;
  show("#api-key-new", true);
}

async function loadKeys() {
  const keys = await api.call("/auth/api-keys/");
  const rows = keys.map((key) => {
    const row = document.createElement("tr");
    row.dataset.keyId = String(key.id);
    row.append(cell(key.name), cell(key.key_prefix), cell(key.state), cell(when(key.last_used_at)));
    const actions = document.createElement("td");
    if (key.state !== "revoked" && key.state !== "expired") {
      actions.append(
        button("Rotate", guard(() => rotateKey(key.id)), { class: "api-key-rotate" }),
        button("Revoke", guard(() => revokeKey(key.id)), { class: "api-key-revoke" }),
      );
    }
    row.append(actions);
    return row;
  });
  $("#api-keys").replaceChildren(...rows);
}

async function createKey() {
  const name = $("#api-key-name").value.trim();
  revealKey(await api.call("/auth/api-keys/", { method: "POST", body: { name } }));
  $("#api-key-name").value = "";
  await loadKeys();
  setStatus("API key created.");
}

async function rotateKey(id) {
  revealKey(await api.call(`/auth/api-keys/${id}/rotate/`, { method: "POST" }));
  await loadKeys();
  setStatus("API key rotated.");
}

async function revokeKey(id) {
  await api.call(`/auth/api-keys/${id}/`, { method: "DELETE" });
  show("#api-key-new", false);
  $("#api-key-plaintext").textContent = "";
  await loadKeys();
  setStatus("API key revoked.");
}

async function copyKey() {
  await navigator.clipboard.writeText($("#api-key-plaintext").textContent);
  setStatus("Copied to the clipboard.");
}

// ---- sessions ----

async function loadSessions() {
  const { sessions } = await api.call("/auth/sessions/");
  const rows = sessions.map((session) => {
    const row = document.createElement("tr");
    row.dataset.sessionId = session.id;
    if (session.current) row.className = "current";
    const device = session.user_agent || "unknown device";
    row.append(
      cell(session.current ? `${device} (this session)` : device, "device"),
      cell(session.ip_address || ""),
      cell(when(session.last_used_at)),
    );
    const actions = document.createElement("td");
    actions.append(button("Revoke", guard(() => revokeSession(session)), { class: "session-revoke" }));
    row.append(actions);
    return row;
  });
  $("#sessions").replaceChildren(...rows);
}

async function revokeSession(session) {
  await api.call(`/auth/sessions/${encodeURIComponent(session.id)}/`, { method: "DELETE" });
  if (session.current) {
    api.sessionEnded();
    showSignedOut("This session was revoked.");
    return;
  }
  await loadSessions();
  setStatus("Session revoked.");
}

// ---- login and logout ----

async function submitLogin(event) {
  const form = event.target;
  const challenge = await api.login(form.elements.username.value, form.elements.password.value);
  form.reset();
  if (challenge) {
    askForCode(challenge.mfaToken);
    return;
  }
  await showSignedIn();
}

// The second step of a login: a code from the authenticator app, or a backup code.
function askForCode(mfaToken) {
  show("#login-section", false);
  show("#mfa-login", true);
  const form = mfa.codeForm("mfa-login-form", "Code", guard(async (event) => {
    await api.verifyMfa(mfaToken, event.target.elements.code.value.trim());
    await showSignedIn();
  }));
  $("#mfa-login-slot").replaceChildren(form);
  form.elements.code.focus();
  setStatus("Two-factor authentication required.");
  document.body.dataset.state = "mfa-required";
}

async function startEnrolment() {
  const password = $("#mfa-password").value;
  await mfa.startEnrolment(password);
  $("#mfa-password").value = "";
  const form = mfa.codeForm("mfa-confirm-form", "Code from the app", guard(async (event) => {
    await mfa.confirmEnrolment(event.target.elements.code.value.trim());
    $("#mfa-confirm-slot").replaceChildren();
    await mfa.loadStatus();
    setStatus("Two-factor authentication is on.");
  }));
  $("#mfa-confirm-slot").replaceChildren(form);
}

async function logout(everywhere) {
  await (everywhere ? api.logoutAll() : api.logout());
  showSignedOut(everywhere ? "Signed out on every device." : "Signed out.");
}

async function start() {
  api.setSignedOutHandler(() => showSignedOut("Your session ended; please sign in again."));
  $("#login-form").addEventListener("submit", guard(submitLogin));
  $("#logout").addEventListener("click", guard(() => logout(false)));
  $("#logout-all").addEventListener("click", guard(() => logout(true)));
  $("#api-key-form").addEventListener("submit", guard(createKey));
  $("#api-key-copy").addEventListener("click", guard(copyKey));
  $("#mfa-enrol").addEventListener("submit", guard(startEnrolment));
  try {
    await api.refresh(); // a reload keeps the session through the cookie; 401 when there is none
  } catch (exc) {
    showSignedOut(exc.status === 401 ? "Please sign in." : "");
    if (exc.status !== 401) showError(exc.message);
    return;
  }
  await guard(showSignedIn)();
}

start();
