// The API client: the access token lives in this module's memory only; the refresh token lives in the
// HttpOnly cookie that the browser sends to /auth/refresh/ and /auth/logout/ and that no script can read.

const base = document.querySelector('meta[name="apiauth-api-base"]')?.content || "";
const CSRF_HEADER = { "X-Requested-With": "fetch" };
const REFRESH_MARGIN_MS = 30000;

let accessToken = null;
let refreshTimer = null;
let onSignedOut = () => {};

export class ApiError extends Error {
  constructor(status, error, description) {
    super(description ? `${error}: ${description}` : error);
    this.status = status;
    this.error = error;
  }
}

export function setSignedOutHandler(handler) {
  onSignedOut = handler;
}

export function signedIn() {
  return accessToken !== null;
}

async function send(path, { method = "GET", body, bearer = true, cookie = false } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (cookie) Object.assign(headers, CSRF_HEADER);
  if (bearer && accessToken) headers.Authorization = `Bearer ${accessToken}`;
  let response;
  try {
    response = await fetch(base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: cookie ? "include" : "omit",
      cache: "no-store",
    });
  } catch (exc) {
    throw new ApiError(0, "network_error", "The API could not be reached (network or CORS refusal).");
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const error = (data && typeof data.error === "string") ? data.error : `HTTP ${response.status}`;
    const description = data && typeof data.error_description === "string" ? data.error_description : "";
    throw new ApiError(response.status, error, description);
  }
  return data;
}

function accept(tokens) {
  accessToken = tokens.access_token;
  clearTimeout(refreshTimer);
  const delay = Math.max(5000, tokens.expires_in * 1000 - REFRESH_MARGIN_MS);
  refreshTimer = setTimeout(() => refresh().catch(() => forget(true)), delay);
}

function forget(notify) {
  accessToken = null;
  clearTimeout(refreshTimer);
  refreshTimer = null;
  if (notify) onSignedOut();
}

// Tokens, or ``{mfaToken, methods}`` when the account has a second factor and the code step must follow.
export async function login(username, password) {
  const body = { username, password, refresh_transport: "cookie" };
  const answer = await send("/auth/login/", { method: "POST", body, bearer: false, cookie: true });
  if (answer.mfa_required) return { mfaToken: answer.mfa_token, methods: answer.methods };
  accept(answer);
  return null;
}

export async function verifyMfa(mfaToken, code) {
  const body = { mfa_token: mfaToken, code }; // the login's "cookie" choice waits in the mfa_token
  accept(await send("/auth/mfa/verify/", { method: "POST", body, bearer: false, cookie: true }));
}

// Exchanges the cookie for a new access token (and a new cookie); fails with 401 when there is no session.
export async function refresh() {
  accept(await send("/auth/refresh/", { method: "POST", bearer: false, cookie: true }));
}

// An authenticated call; an expired or revoked access token gets one silent refresh and one retry.
export async function call(path, options = {}) {
  try {
    return await send(path, options);
  } catch (exc) {
    if (!(exc instanceof ApiError) || exc.status !== 401 || !accessToken) throw exc;
    try {
      await refresh();
    } catch (refreshError) {
      forget(true);
      throw refreshError;
    }
    return send(path, options);
  }
}

export async function logout() {
  try {
    await send("/auth/logout/", { method: "POST", cookie: true });
  } finally {
    forget(false);
  }
}

export async function logoutAll() {
  try {
    await send("/auth/logout-all/", { method: "POST", cookie: true });
  } finally {
    forget(false);
  }
}

export function sessionEnded() {
  forget(false);
}
