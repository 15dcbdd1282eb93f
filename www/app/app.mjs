// Stepup Bank: the demo of the stepup package. Signing in is password-level; "Transfer" and
// "Change payout account" call client.requireStepUp({ mfa: true, maxAge: 300 }), which asks for a
// second factor (popup or redirect) only when the current sign-in is not strong or recent enough.
// A third button lets the API itself ask, with an RFC 9470 challenge that client.fetch answers.
//
// One rule shapes the handlers below: a popup may only open during the user's click, so every
// handler calls requireStepUp / loginWithPopup synchronously, before its first `await`.
import init, { StepUpClient, decodeJwt, evaluateStepUp, parseStepUpChallenge, webauthnSupport } from "/pkg/stepup.js";
import { $, duration, html, money, mount, nowSeconds } from "./dom.mjs";
import { explain } from "./errors.mjs";
import { createInspector } from "./inspector.mjs";
import { shell } from "./shell.mjs";

/** What sensitive actions need: a second factor, used in the last 5 minutes. */
const POLICY = { mfa: true, maxAge: 300 };
const MODE_KEY = "stepup-demo:mode"; // popup or redirect: a preference, not a secret
const DPOP_KEY = "stepup-demo:dpop"; // "on": tokens bound to a DPoP key (RFC 9449); a preference too
const KEEP_KEY = "stepup-demo:keep"; // "Keep me signed in": a preference, not a secret
const ACTIVITY_KEY = "stepup-demo:activity"; // this tab's Activity list, kept across a redirect or reload

const state = {
  config: null,
  client: null,
  mode: localStorage.getItem(MODE_KEY) === "redirect" ? "redirect" : "popup",
  keep: localStorage.getItem(KEEP_KEY) === "1",
  renewedAt: null, // when the session's access token was last renewed by the refresh token (seconds)
  account: null, // { balance, currency, payoutAccount } from the API
  activity: [],
  busy: false,
  signingOut: false, // this tab's "Sign out" was clicked: the session's end is ours, not another tab's
  shownIdToken: undefined, // the ID token the inspector shows (null: the signed-out state; undefined: redraw)
};
let inspector;

// ------------------------------------------------------------------------------------------------
// Boot

async function boot() {
  const dpopOn = localStorage.getItem(DPOP_KEY) === "on";
  mount("root", shell({ dpop: dpopOn }));
  restoreActivity();
  for (const input of document.querySelectorAll('input[name="mode"]')) {
    input.checked = input.value === state.mode;
    input.addEventListener("change", () => setMode(input.value));
  }
  // The client is created with or without DPoP, so switching makes a new one: reload (the session, in
  // memory, goes; the redirect callback page reads the same preference).
  const dpop = $("#dpop");
  dpop.checked = dpopOn;
  dpop.addEventListener("change", () => {
    localStorage.setItem(DPOP_KEY, dpop.checked ? "on" : "off");
    location.assign("/");
  });
  wire();
  try {
    const res = await fetch("/config.json", { cache: "no-store" });
    if (!res.ok) throw new Error(`/config.json answered ${res.status}`);
    state.config = await res.json();
  } catch {
    fatal("The demo's settings could not be loaded", "Start it with `npm start`: it serves /config.json next to this page.");
    return;
  }
  try {
    await init();
  } catch {
    fatal("The stepup package did not load", "Build it with `npm run build` (npm start does it for you), then reload.");
    return;
  }
  inspector = createInspector({ decodeJwt, evaluateStepUp, policy: POLICY, dpopThumbprint: () => state.client?.dpopThumbprint });
  renderIntro();
  const keep = $("#keep");
  keep.checked = state.keep;
  keep.addEventListener("change", async () => {
    state.keep = keep.checked;
    localStorage.setItem(KEEP_KEY, state.keep ? "1" : "0");
    await createClient();
    update();
  });
  if (!(await createClient())) return;
  if (document.body.dataset.page === "callback") await finishRedirect();
  else if (state.client.session) {
    // Kept signed in: create() restored the session from localStorage.
    log("info", "Session restored", `Kept signed in from before the reload (${amrText(state.client.session)}).`);
    run(refreshAccount);
  }
  update();
  webauthnSupport().then(renderSupport, () => renderSupport(null));
  setInterval(() => inspector.tick(), 1000);
}

/** Create the client ("Keep me signed in": localStorage and refresh tokens) and follow its session. */
async function createClient() {
  const { issuer, clientId, audience, scope } = state.config;
  try {
    state.client?.free();
    state.client = await StepUpClient.create({
      issuer,
      clientId,
      audience,
      scope: scope ?? "openid profile email",
      // client.fetch sends the access token only to these origins (and the page's own).
      apiOrigins: [new URL(state.config.apiUrl).origin],
      redirectUri: `${location.origin}/callback.html`,
      popupRedirectUri: `${location.origin}/popup-callback.html`,
      useDpop: localStorage.getItem(DPOP_KEY) === "on",
      ...(state.keep ? { cacheLocation: "localStorage", useRefreshTokens: true } : {}),
    });
  } catch (err) {
    state.client = null;
    showError(err);
    update();
    return false;
  }
  let last = state.client.session;
  // Every change: a sign-in, a step-up, a renewed access token, a sign-out here or in another tab, a session
  // the provider ended (login_required). Each redraws the inspector and says what happened in Activity.
  state.client.onSessionChange((session) => {
    const sameSignIn = Boolean(session && last && session.authTime === last.authTime && session.claims.sub === last.claims.sub);
    const renewed = sameSignIn && session.accessToken !== last.accessToken;
    state.renewedAt = renewed ? nowSeconds() : sameSignIn ? state.renewedAt : null;
    logSessionChange(last, session, renewed);
    if (session) state.signingOut = false;
    if (!session) state.account = null;
    else if (!last && !state.busy) run(refreshAccount); // signed in in another tab
    last = session;
    state.shownIdToken = undefined; // redraw the inspector
    $("#challenge").hidden = true; // a challenge shown for the old token says nothing about the new one
    update();
  });
  return true;
}

/**
 * Activity for the session changes no button of this tab announces. A sign-in or step-up started here is logged
 * by its handler (this tab is busy then); the rest came from elsewhere: another tab, the refresh token, the provider.
 */
function logSessionChange(before, after, renewed) {
  if (!after) {
    if (state.signingOut) log("info", "Signed out", "The session is gone from this page; the identity provider ends its own next.");
    else if (state.busy) log("warn", "Session ended", "The identity provider no longer accepts it (expired, revoked or signed out): sign in again.");
    else log("warn", "Signed out elsewhere", "Another tab signed out, or ended the session: this page forgot it too.");
  } else if (renewed) {
    log("info", "Access token renewed", "By the refresh token; the sign-in's context (acr, amr, auth_time) stays as it was.");
  } else if (!state.busy) {
    log("info", before ? "Signed in again in another tab" : "Signed in in another tab", amrText(after));
  }
}

/** The redirect flow's way back: finish the login, then resume what the user was doing. */
async function finishRedirect() {
  let result;
  try {
    result = await state.client.handleRedirectCallback();
  } catch (err) {
    showError(err);
    return;
  } finally {
    // The code and state are gone from the address bar either way; show the app's own URL.
    history.replaceState(null, "", "/");
    document.title = "Stepup Bank · step-up authentication demo";
  }
  const intent = result.appState ?? { action: "signin" };
  log("ok", intent.action === "signin" ? "Signed in (redirect)" : "Verified (redirect)", amrText(result.session));
  await refreshAccount();
  if (intent.action === "transfer" || intent.action === "payout") await perform(intent);
}

// ------------------------------------------------------------------------------------------------
// Actions. Each click handler starts the flow synchronously, then awaits.

function wire() {
  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button || button.disabled) return;
    const handlers = { signin: signIn, signout: signOut, "api-transfer": apiTransfer, "peek": peekChallenge, refresh: () => run(refreshAccount), "dismiss-error": clearError, "use-redirect": () => { setMode("redirect"); clearError(); } };
    handlers[button.dataset.action]?.(button);
  });
  $("#transfer-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const amount = Number(form.amount.value);
    const to = form.to.value.trim();
    if (!to) return fieldError(form.to, "Who is the money for?");
    if (!Number.isFinite(amount) || amount <= 0) return fieldError(form.amount, "Enter an amount above zero.");
    if (state.account && amount > state.account.balance) return fieldError(form.amount, `That is more than your balance (${money(state.account.balance)}).`);
    stepUpThen({ action: "transfer", amount: Math.round(amount * 100) / 100, to });
  });
  $("#payout-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const iban = form.iban.value.replace(/\s+/g, "").toUpperCase();
    if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return fieldError(form.iban, "Enter an IBAN, e.g. GB82 WEST 1234 5698 7654 32.");
    stepUpThen({ action: "payout", iban });
  });
  for (const input of document.querySelectorAll("form input")) input.addEventListener("input", () => fieldError(input, ""));
}

function signIn() {
  clearError();
  const { client } = state;
  if (!client) return;
  if (state.mode === "redirect") {
    log("info", "Signing in (redirect)", "Leaving for the identity provider; the answer comes back to /callback.html.");
    run(() => client.loginWithRedirect({ appState: { action: "signin" } }));
    return;
  }
  const login = client.loginWithPopup(); // opens the popup now, inside the click
  log("info", "Signing in (popup)", "A window of the identity provider is open.");
  run(async () => {
    const session = await login;
    log("ok", "Signed in", amrText(session));
    await refreshAccount();
  });
}

function signOut() {
  clearError();
  state.signingOut = true;
  run(async () => {
    try {
      await state.client.logout({ returnTo: `${location.origin}/` }); // leaves for the provider's logout page, if it has one
    } catch (err) {
      state.signingOut = false;
      throw err;
    }
  });
}

/** Check the sign-in against POLICY (stepping up when needed), then do the action. */
function stepUpThen(intent) {
  clearError();
  const { client } = state;
  const before = client.session?.idToken;
  const pending = client.requireStepUp(POLICY, { mode: state.mode, appState: intent }); // the popup opens now
  log("info", `${label(intent)}: checking your sign-in`, `Policy { mfa: true, maxAge: 300 }, ${state.mode} mode.`);
  run(async () => {
    const session = await pending;
    if (session.idToken !== before) log("ok", "Verified: second factor done", amrText(session));
    else log("info", "No prompt needed", "Your sign-in already meets the policy.");
    update();
    await perform(intent);
  });
}

/** Do a sensitive action through client.fetch (the bearer token, and RFC 9470 if the API objects). */
async function perform(intent) {
  if (intent.action === "transfer") {
    const body = await callApi("/api/transfer", { method: "POST", body: { amount: intent.amount, to: intent.to } });
    state.account = { ...state.account, balance: body.balance, currency: body.currency };
    log("ok", `Sent ${money(body.amount)} to ${body.to ?? "someone"}`, `New balance ${money(body.balance)}.`);
    $("#transfer-form").reset();
  } else if (intent.action === "payout") {
    const body = await callApi("/api/payout-account", { method: "PUT", body: { iban: intent.iban } });
    state.account = { ...state.account, payoutAccount: body.payoutAccount };
    log("ok", "Payout account changed", body.payoutAccount);
    $("#payout-form").reset();
  }
  update();
}

/** Let the API decide: POST /api/transfer through client.fetch, which answers its challenge. */
function apiTransfer() {
  clearError();
  const { client } = state;
  const before = client.session;
  log("info", "POST /api/transfer through client.fetch", `With the current access token (${amrText(before)}).`);
  // client.fetch opens the step-up popup itself if the API challenges, still within this click's
  // user activation (browsers allow about 5 s); else it throws step_up_required.
  const response = client.fetch(api("/api/transfer"), json({ method: "POST", body: { amount: 1, to: "RFC 9470 test" } }));
  run(async () => {
    const res = await response;
    const body = await res.json().catch(() => ({}));
    const after = client.session;
    if (after?.idToken !== before?.idToken) {
      log("warn", "The API answered 401 insufficient_user_authentication", "stepup read acr_values and max_age from its WWW-Authenticate header, stepped up in a popup, and retried once with the new token.");
    }
    if (!res.ok) throw apiError(res, body);
    state.account = { ...state.account, balance: body.balance };
    log("ok", `The API accepted the transfer (${res.status})`, `Sent ${money(body.amount)}. New balance ${money(body.balance)}.`);
    update();
  }, { stepUpRetry: apiTransfer });
}

/**
 * Show the raw challenge: a dry-run POST with plain fetch, so no money moves and no step-up starts. The token goes
 * as client.fetch would send it: `Bearer`, or with DPoP on `DPoP` with a proof of this browser's key (RFC 9449),
 * without which the API refuses a bound token before it looks at the sign-in.
 */
function peekChallenge() {
  clearError();
  const { client } = state;
  const token = client.session?.accessToken;
  const dpop = Boolean(client.dpopThumbprint);
  const url = api("/api/transfer");
  const send = async (nonce) => {
    const headers = { authorization: `${dpop ? "DPoP" : "Bearer"} ${token}` };
    if (dpop) headers.dpop = await client.dpopProof("POST", url, nonce ? { nonce } : {});
    return fetch(url, json({ method: "POST", body: { dryRun: true }, headers }));
  };
  run(async () => {
    let res = await send();
    // RFC 9449 §9: an API that wants its own nonce in the proof says so once, with the nonce to use.
    const nonce = res.headers.get("dpop-nonce");
    if (dpop && res.status === 401 && nonce && /error="use_dpop_nonce"/.test(res.headers.get("www-authenticate") ?? "")) res = await send(nonce);
    const header = res.headers.get("www-authenticate");
    const parsed = header ? parseStepUpChallenge(header) : null;
    mount("challenge", html`
      <p><strong>HTTP ${res.status}</strong> ${res.status === 401 ? "Unauthorized" : res.ok ? "OK: your token already satisfies the API" : ""}</p>
      <p class="muted" id="challenge-sent">Sent <code>Authorization: ${dpop ? "DPoP" : "Bearer"} &lt;access token&gt;</code>${dpop ? html` and a <code>DPoP</code> proof from <code>client.dpopProof("POST", url)</code>` : ""}.</p>
      ${header ? html`<p class="label">WWW-Authenticate</p><pre id="challenge-header">${header}</pre>
        <p class="label">parseStepUpChallenge(header)</p><pre id="challenge-parsed">${JSON.stringify(parsed, null, 2)}</pre>` : ""}`);
    $("#challenge").hidden = false;
  });
}

// ------------------------------------------------------------------------------------------------
// The demo API

const api = (path) => new URL(path, state.config.apiUrl).href;

function json({ body, headers = {}, ...init }) {
  return { ...init, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

function apiError(res, body) {
  const code = body.error ?? `http_${res.status}`;
  if (res.status === 401 && (code === "missing_token" || code === "invalid_token")) {
    // Access tokens live 10 minutes here; the identity provider still knows you.
    return { api: code, title: "Your session has expired", message: "Sign out and sign in again: it takes one click, the identity provider remembers you." };
  }
  return { api: code, title: res.status === 401 ? "The bank did not accept your sign-in" : "The bank could not do that", message: body.message ?? `HTTP ${res.status}` };
}

async function callApi(path, { body, method = "GET" } = {}) {
  const init = body === undefined ? { method } : json({ method, body });
  const res = await state.client.fetch(api(path), init);
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw apiError(res, data);
  return data;
}

async function refreshAccount() {
  if (!state.client?.session) return;
  const body = await callApi("/api/balance");
  state.account = { balance: body.balance, currency: body.currency, payoutAccount: body.payoutAccount };
  update();
}

// ------------------------------------------------------------------------------------------------
// Rendering

function update() {
  const session = state.client?.session ?? null;
  document.body.classList.toggle("signed-in", Boolean(session));
  renderUser(session);
  renderAccount(session);
  if (inspector && (session?.idToken ?? null) !== state.shownIdToken) {
    state.shownIdToken = session?.idToken ?? null;
    inspector.render(session, { renewedAt: state.renewedAt });
  }
  for (const button of document.querySelectorAll("[data-needs-client]")) button.disabled = state.busy || !state.client;
  for (const button of document.querySelectorAll("[data-needs-session]")) button.disabled = state.busy || !session;
}

function renderUser(session) {
  if (!session) {
    mount("user-area", html`<button class="primary" data-action="signin" data-needs-client id="sign-in" type="button">Sign in</button>`);
    return;
  }
  const c = session.claims;
  const name = c.name ?? c.preferred_username ?? c.email ?? c.sub;
  const initials = name.split(/\s+/).map((w) => w[0]).join("").slice(0, 2).toUpperCase();
  mount("user-area", html`<span class="avatar" aria-hidden="true">${initials}</span>
    <span class="who" id="user-name">${name}</span>
    <button class="ghost" data-action="signout" data-needs-session id="sign-out" type="button">Sign out</button>`);
}

function renderAccount(session) {
  $("#signed-out").hidden = Boolean(session);
  $("#signed-in").hidden = !session;
  const a = state.account;
  mount("balance", a ? money(a.balance, a.currency) : "—");
  mount("payout-current", a?.payoutAccount ?? "—");
}

function renderIntro() {
  const local = state.config.localIdp;
  mount("intro-extra", local ? html`
    <div class="creds" id="demo-credentials">
      <p><strong>Demo users</strong> (password <code>${local.users[0]?.password}</code>)</p>
      <ul>${local.users.map((u) => html`<li><code>${u.username}</code> ${u.note}</li>`)}</ul>
      <p>Codes by text, call and email, and push approvals arrive in the <a href="${local.outboxUrl}" target="_blank" rel="noopener">dev outbox ↗</a>.
      TOTP secret of alice: <code class="secret" id="totp-secret" data-secret="${local.totpSecret}">${local.totpSecret.match(/.{1,4}/g)?.join(" ")}</code>. Passkeys and recovery codes: <a href="${local.accountUrl}" target="_blank" rel="noopener">account page ↗</a>.</p>
    </div>` : html`<p class="creds">Identity provider: <code>${state.config.issuer}</code></p>`);
  mount("footer-links", local ? html`<a href="${local.outboxUrl}" target="_blank" rel="noopener">Dev outbox</a> ·
    <a href="${local.accountUrl}" target="_blank" rel="noopener" id="account-link">Sign-in methods (add a passkey)</a> · ` : "");
}

function renderSupport(support) {
  const mark = (ok) => (ok ? "yes" : "no");
  mount("support", support
    ? html`This browser: passkeys ${mark(support.webauthn)} · platform authenticator ${mark(support.platformAuthenticator)} · passkey autofill ${mark(support.conditionalMediation)}`
    : "This browser: passkey support unknown");
}

// ------------------------------------------------------------------------------------------------
// Activity, errors, busy state

function log(kind, title, detail = "") {
  state.activity.unshift({ kind, title, detail, time: Date.now() });
  state.activity.length = Math.min(state.activity.length, 30);
  try {
    sessionStorage.setItem(ACTIVITY_KEY, JSON.stringify(state.activity));
  } catch {
    // Storage full or switched off: the list lives in this page only.
  }
  renderActivity();
}

/** The entries logged before a redirect (or reload) of this tab: what happened before the page left. */
function restoreActivity() {
  try {
    const kept = JSON.parse(sessionStorage.getItem(ACTIVITY_KEY) ?? "[]");
    if (Array.isArray(kept)) state.activity = kept.filter((e) => e && typeof e.title === "string" && Number.isFinite(e.time)).slice(0, 30);
  } catch {
    state.activity = [];
  }
  renderActivity();
}

function renderActivity() {
  mount("activity", state.activity.map((e) => html`<li class="${e.kind}"><time>${new Date(e.time).toLocaleTimeString("en-GB")}</time>
    <div><strong>${e.title}</strong>${e.detail ? html`<span>${e.detail}</span>` : ""}</div></li>`));
}

/** Run an async step with the buttons disabled; errors become the friendly banner. */
async function run(step, { stepUpRetry } = {}) {
  state.busy = true;
  update();
  try {
    await step();
  } catch (err) {
    showError(err, { stepUpRetry });
  } finally {
    state.busy = false;
    update();
  }
}

function showError(err, { stepUpRetry } = {}) {
  if (!(err?.name === "StepUpError" || err?.api)) console.error(err); // for developers; never shown raw
  const { title, advice, code, detail } = explain(err);
  const actions = [];
  if (err?.code === "popup_blocked" && state.mode === "popup") actions.push(html`<button class="primary small" data-action="use-redirect" type="button">Use redirect instead</button>`);
  if (err?.code === "step_up_required" && stepUpRetry) actions.push(html`<button class="primary small" id="verify-now" type="button">Verify now</button>`);
  const box = mount("error", html`<div><strong id="error-title">${title}</strong><p>${advice}</p>
      ${detail ? html`<p class="detail">${detail}</p>` : ""}
      ${code ? html`<p class="code">code: <code id="error-code">${code}</code></p>` : ""}
      ${actions.length ? html`<p class="actions">${actions}</p>` : ""}</div>
    <button class="close" data-action="dismiss-error" type="button" aria-label="Dismiss">×</button>`);
  box.hidden = false;
  box.dataset.code = err?.code ?? err?.api ?? "";
  // "Verify now": a fresh click, so the popup may open; ask for what the API asked for, then retry.
  $("#verify-now")?.addEventListener("click", () => {
    clearError();
    const policy = { ...(err.acrValues ? { acr: err.acrValues } : { mfa: true }), ...(err.maxAge !== undefined ? { maxAge: err.maxAge } : {}) };
    const pending = state.client.requireStepUp(policy, { mode: "popup" });
    run(async () => {
      await pending;
      stepUpRetry();
    });
  });
  log("err", title, code ? `code ${code}` : "");
}

function clearError() {
  const box = $("#error");
  box.hidden = true;
  box.innerHTML = "";
}

function fatal(title, advice) {
  showError({ api: "setup", title, message: advice });
}

function fieldError(input, message) {
  input.setCustomValidity(message);
  input.setAttribute("aria-invalid", message ? "true" : "false");
  const hint = document.getElementById(`${input.id}-error`);
  if (hint) hint.textContent = message;
  if (message) input.focus();
}

function setMode(mode) {
  state.mode = mode === "redirect" ? "redirect" : "popup";
  localStorage.setItem(MODE_KEY, state.mode);
  for (const input of document.querySelectorAll('input[name="mode"]')) input.checked = input.value === state.mode;
}

const label = (intent) => ({ transfer: `Transfer ${money(intent.amount)}`, payout: "Change payout account" })[intent.action] ?? intent.action;

function amrText(session) {
  if (!session) return "not signed in";
  const age = session.authTime ? `, ${duration(nowSeconds() - session.authTime)} ago` : "";
  return `amr ${session.amr?.length ? session.amr.join(" + ") : "none"}${age}`;
}

boot();
