// The development identity provider and the demo API, driven over plain HTTP (a tiny cookie-jar
// "browser" that follows redirects by hand), plus one Chromium run for the passkey factor.
// Run: node --test tests/e2e/idp.test.mjs
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { ACR_MFA, ACR_PWD, DEMO_CLIENT_ID, loadGuardian, startIdp, totpCode, DEMO_TOTP_SECRET, validateGuardian } from "../../www/idp/provider.mjs";
import { startApi } from "../../www/api/server.mjs";

const APP = "http://localhost:4999"; // the SPA origin; never contacted: we stop at its redirect

/** A minimal user agent: one cookie jar, manual redirects, form posts. */
function browser() {
  const jar = new Map(); // name -> value (one host; paths ignored: extra cookies are harmless)
  async function request(url, init = {}) {
    const headers = new Headers(init.headers);
    if (jar.size) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const i = pair.indexOf("=");
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=/i.test(a) && new Date(a.split("=")[1]) < new Date());
      if (!value || expired) jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }
  /** Follow redirects on the IdP; stop at the app (returns that URL) or at a page (returns it). */
  async function go(url, init) {
    let res = await request(url, init);
    let current = new URL(url);
    for (let i = 0; i < 20 && res.status >= 300 && res.status < 400; i++) {
      const next = new URL(res.headers.get("location"), current);
      if (next.origin === APP) return { redirect: next, res };
      current = next;
      res = await request(next);
    }
    return { page: current, res, html: await res.text() };
  }
  const post = (url, form) => go(url, { method: "POST", body: new URLSearchParams(form) });
  return { request, go, post, jar };
}

function pkce() {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

function authorizeUrl(idp, params = {}, app = APP) {
  const { verifier, challenge } = pkce();
  const state = randomBytes(16).toString("base64url");
  const nonce = randomBytes(16).toString("base64url");
  const url = new URL("/auth", idp.issuer);
  url.search = new URLSearchParams({
    client_id: DEMO_CLIENT_ID,
    response_type: "code",
    scope: "openid profile",
    redirect_uri: `${app}/callback.html`,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state,
    nonce,
    ...params,
  }).toString();
  return { url: url.href, verifier, state, nonce, app };
}

const idOf = (html, id) => new RegExp(`id="${id}"`).test(html);
const formAction = (html, id) => new RegExp(`<form id="${id}"[^>]*action="([^"]+)"`).exec(html)?.[1];

/** Run an authorization request through the login pages with the given answers. */
async function login(idp, ua, params, { password = "password123", otp = true, expectPassword } = {}) {
  const req = authorizeUrl(idp, params);
  let step = await ua.go(req.url);
  const pages = [];
  while (!step.redirect) {
    assert.equal(step.res.status, 200, `unexpected ${step.res.status} at ${step.page}: ${step.html.slice(0, 400)}`);
    if (idOf(step.html, "password")) {
      pages.push("password");
      step = await ua.post(new URL(formAction(step.html, "login-form"), idp.issuer), { username: "alice", password });
    } else if (idOf(step.html, "otp")) {
      pages.push("otp");
      assert.ok(otp, "a second factor was asked for but not expected");
      step = await ua.post(new URL(formAction(step.html, "otp-form"), idp.issuer), { otp: await idp.totp() });
    } else {
      assert.fail(`unexpected page ${step.page}: ${step.html.slice(0, 400)}`);
    }
  }
  if (expectPassword !== undefined) assert.equal(pages.includes("password"), expectPassword, `pages: ${pages}`);
  return { ...req, redirect: step.redirect, pages };
}

async function exchange(idp, flow) {
  const app = flow.app ?? APP;
  const params = flow.redirect.searchParams;
  assert.equal(params.get("state"), flow.state);
  assert.equal(params.get("iss"), idp.issuer, "RFC 9207 iss in the authorization response");
  const res = await fetch(`${idp.issuer}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: app },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: params.get("code"),
      redirect_uri: `${app}/callback.html`,
      client_id: DEMO_CLIENT_ID,
      code_verifier: flow.verifier,
    }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(res.headers.get("access-control-allow-origin"), app, "token endpoint CORS for SPAs");
  return body;
}

describe("dev identity provider", () => {
  let idp;
  let api;
  let dataDir;
  let jwks;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "stepup-idp-"));
    idp = await startIdp({ dataDir, testMode: true, appOrigins: [APP] });
    api = await startApi({ issuer: idp.issuer, audience: idp.audience });
    // No cooldown: the key-rotation test refetches at once, as our package does on an unknown kid.
    jwks = createRemoteJWKSet(new URL(`${idp.issuer}/jwks`), { cooldownDuration: 0 });
  });
  after(async () => {
    await api?.close();
    await idp?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const verifyId = (token, nonce) => jwtVerify(token, jwks, { issuer: idp.issuer, audience: DEMO_CLIENT_ID }).then(({ payload, protectedHeader }) => {
    assert.equal(payload.nonce, nonce);
    return { payload, protectedHeader };
  });

  test("discovery advertises what stepup relies on", async () => {
    const res = await fetch(`${idp.issuer}/.well-known/openid-configuration`, { headers: { origin: APP } });
    assert.ok([APP, "*"].includes(res.headers.get("access-control-allow-origin")), "discovery CORS");
    const meta = await res.json();
    assert.equal(meta.issuer, idp.issuer);
    assert.match(idp.issuer, /^http:\/\/localhost:\d+$/);
    assert.equal(meta.authorization_response_iss_parameter_supported, true);
    assert.deepEqual(meta.code_challenge_methods_supported, ["S256"]);
    assert.deepEqual(meta.acr_values_supported, [ACR_PWD, ACR_MFA]);
    assert.equal(meta.claims_parameter_supported, true);
    for (const c of ["acr", "amr", "auth_time"]) assert.ok(meta.claims_supported.includes(c), c);
    assert.ok(meta.end_session_endpoint);
    const keys = (await (await fetch(meta.jwks_uri)).json()).keys;
    assert.deepEqual(keys.map((k) => k.alg), ["RS256", "ES256"]);
    assert.ok(keys.every((k) => !k.d), "no private parts in the JWKS");
  });

  test("PKCE is required", async () => {
    const url = new URL(authorizeUrl(idp).url);
    url.searchParams.delete("code_challenge");
    url.searchParams.delete("code_challenge_method");
    const step = await browser().go(url.href);
    assert.equal(step.redirect.searchParams.get("error"), "invalid_request");
    assert.match(step.redirect.searchParams.get("error_description"), /PKCE/);
  });

  test("password login: acr is the password level, amr [pwd]; the API wants a step-up for transfers", async () => {
    const ua = browser();
    const before = Math.floor(Date.now() / 1000);
    const flow = await login(idp, ua, {}, { otp: false, expectPassword: true });
    const tokens = await exchange(idp, flow);
    const { payload } = await verifyId(tokens.id_token, flow.nonce);
    assert.equal(payload.acr, ACR_PWD);
    assert.deepEqual(payload.amr, ["pwd"]);
    assert.ok(payload.auth_time >= before - 1 && payload.auth_time <= Math.ceil(Date.now() / 1000));

    // The access token is a JWT for the demo API carrying the same authentication context.
    assert.equal(decodeProtectedHeader(tokens.access_token).typ, "at+jwt");
    const at = decodeJwt(tokens.access_token);
    assert.equal(at.aud, idp.audience);
    assert.equal(at.acr, ACR_PWD);
    assert.deepEqual(at.amr, ["pwd"]);
    assert.equal(at.auth_time, payload.auth_time);

    const auth = { authorization: `Bearer ${tokens.access_token}`, origin: APP };
    const balance = await fetch(`${api.url}/api/balance`, { headers: auth });
    assert.equal(balance.status, 200);
    assert.equal((await balance.json()).sub, "alice");

    const transfer = await fetch(`${api.url}/api/transfer`, { method: "POST", headers: auth });
    assert.equal(transfer.status, 401);
    const challenge = transfer.headers.get("www-authenticate");
    assert.match(challenge, /^Bearer error="insufficient_user_authentication", error_description="[^"]+", acr_values="http:\/\/schemas\.openid\.net\/pape\/policies\/2007\/06\/multi-factor", max_age="300"$/);
    assert.equal(transfer.headers.get("access-control-expose-headers"), "WWW-Authenticate, DPoP-Nonce");

    // Step-up on the same session: only the second factor is asked, and auth_time moves on.
    const stepUp = await login(idp, ua, { acr_values: ACR_MFA }, { expectPassword: false });
    assert.deepEqual(stepUp.pages, ["otp"]);
    const strong = await exchange(idp, stepUp);
    const { payload: p2 } = await verifyId(strong.id_token, stepUp.nonce);
    assert.equal(p2.acr, ACR_MFA);
    assert.deepEqual(p2.amr, ["pwd", "otp", "mfa"]);
    assert.ok(p2.auth_time >= payload.auth_time);

    const ok = await fetch(`${api.url}/api/transfer`, { method: "POST", headers: { ...auth, authorization: `Bearer ${strong.access_token}`, "content-type": "application/json" }, body: JSON.stringify({ amount: 25 }) });
    assert.equal(ok.status, 200, await ok.clone().text());
    assert.equal((await ok.json()).amount, 25);
  });

  test("MFA on a fresh session: password then TOTP; the session then satisfies MFA without prompting", async () => {
    const ua = browser();
    const flow = await login(idp, ua, { acr_values: `${ACR_MFA}` });
    assert.deepEqual(flow.pages, ["password", "otp"]);
    const { payload } = await verifyId((await exchange(idp, flow)).id_token, flow.nonce);
    assert.equal(payload.acr, ACR_MFA);
    assert.deepEqual(payload.amr, ["pwd", "otp", "mfa"]);

    const again = await login(idp, ua, { acr_values: ACR_MFA });
    assert.deepEqual(again.pages, [], "an MFA session satisfies a second MFA request silently");
    const { payload: p2 } = await verifyId((await exchange(idp, again)).id_token, again.nonce);
    assert.equal(p2.acr, ACR_MFA);
    assert.equal(p2.auth_time, payload.auth_time, "no new authentication, same auth_time");
  });

  test("essential acr in the claims parameter asks for MFA", async () => {
    const ua = browser();
    const claims = JSON.stringify({ id_token: { acr: { essential: true, values: [ACR_MFA] } } });
    const flow = await login(idp, ua, { claims });
    assert.deepEqual(flow.pages, ["password", "otp"]);
    const { payload } = await verifyId((await exchange(idp, flow)).id_token, flow.nonce);
    assert.equal(payload.acr, ACR_MFA);
  });

  test("prompt=none cannot step up silently; an unsupported essential acr is refused", async () => {
    const ua = browser();
    await login(idp, ua, {}, { otp: false });
    const silent = await ua.go(authorizeUrl(idp, { prompt: "none", acr_values: ACR_MFA }).url);
    assert.equal(silent.redirect.searchParams.get("error"), "login_required");
    const claims = JSON.stringify({ id_token: { acr: { essential: true, values: ["urn:example:unknown"] } } });
    const unmet = await ua.go(authorizeUrl(idp, { claims }).url);
    assert.equal(unmet.redirect.searchParams.get("error"), "unmet_authentication_requirements");
  });

  test("max_age and prompt=login force a new authentication", async () => {
    const ua = browser();
    await login(idp, ua, {}, { otp: false });
    await new Promise((r) => setTimeout(r, 1100));
    const reauth = await login(idp, ua, { max_age: "0" }, { otp: false });
    assert.deepEqual(reauth.pages, ["password"]);
    const prompted = await login(idp, ua, { prompt: "login" }, { otp: false });
    assert.deepEqual(prompted.pages, ["password"]);
    const silent = await login(idp, ua, { max_age: "600" }, { otp: false });
    assert.deepEqual(silent.pages, []);
  });

  test("bad input gets a clear message", async () => {
    const ua = browser();
    let step = await ua.go(authorizeUrl(idp, { acr_values: ACR_MFA }).url);
    const action = new URL(formAction(step.html, "login-form"), idp.issuer);
    step = await ua.post(action, { username: "alice", password: "nope" });
    assert.equal(step.res.status, 401);
    assert.match(step.html, /id="error"[^>]*>Wrong username or password/);
    step = await ua.post(action, { username: "alice", password: "password123" });
    const otpAction = new URL(formAction(step.html, "otp-form"), idp.issuer);
    step = await ua.post(otpAction, { otp: "12ab" });
    assert.equal(step.res.status, 400);
    assert.match(step.html, /6-digit code/);
    const wrong = String((Number(await totpCode(DEMO_TOTP_SECRET)) + 500000) % 1000000).padStart(6, "0");
    step = await ua.post(otpAction, { otp: wrong });
    assert.equal(step.res.status, 401);
    assert.match(step.html, /not valid/);
  });

  test("cancel returns access_denied to the app; logout ends the session and returns to the app", async () => {
    const ua = browser();
    const req = authorizeUrl(idp);
    const page = await ua.go(req.url);
    const cancel = /id="cancel" href="([^"]+)"/.exec(page.html)[1];
    const cancelled = await ua.go(new URL(cancel, idp.issuer));
    assert.equal(cancelled.redirect.searchParams.get("error"), "access_denied");
    assert.equal(cancelled.redirect.searchParams.get("state"), req.state);

    const flow = await login(idp, ua, {}, { otp: false });
    const { id_token: idToken } = await exchange(idp, flow);
    const end = new URL("/session/end", idp.issuer);
    end.search = new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: `${APP}/`, state: "bye" }).toString();
    let step = await ua.go(end.href);
    assert.match(step.html, /id="logout"/, "the confirmation page submits itself");
    const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(step.html);
    const fields = Object.fromEntries([...form[2].matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    step = await ua.post(new URL(form[1], idp.issuer), { ...fields, logout: "yes" });
    assert.equal(step.redirect?.href, `${APP}/?state=bye`);
    const after = await login(idp, ua, {}, { otp: false });
    assert.deepEqual(after.pages, ["password"], "signed out: the password is asked again");
  });

  test("test switches: ignoreAcrValues, tamperState, wrongIss; the request log shows no token call", async () => {
    try {
      idp.switches.ignoreAcrValues = true;
      const flow = await login(idp, browser(), { acr_values: ACR_MFA, claims: JSON.stringify({ id_token: { acr: { essential: true, values: [ACR_MFA] } } }) });
      assert.deepEqual(flow.pages, ["password"], "no second factor asked");
      const { payload } = await verifyId((await exchange(idp, flow)).id_token, flow.nonce);
      assert.equal(payload.acr, ACR_PWD, "the weak acr, although MFA was asked");
    } finally {
      idp.switches.ignoreAcrValues = false;
    }

    // Switches over HTTP (as a browser test would set them).
    const set = (body) => fetch(`${idp.issuer}/__test/switches`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) => r.json());
    assert.equal((await set({ tamperState: true })).tamperState, true);
    const start = idp.requestLog.length;
    let flow = await login(idp, browser(), {}, { otp: false });
    assert.notEqual(flow.redirect.searchParams.get("state"), flow.state);
    await set({ tamperState: false, wrongIss: true });
    flow = await login(idp, browser(), {}, { otp: false });
    assert.equal(flow.redirect.searchParams.get("state"), flow.state);
    assert.equal(flow.redirect.searchParams.get("iss"), "https://attacker.example");
    await set({ wrongIss: false });
    assert.deepEqual(idp.requestLog.slice(start).filter((r) => r.path === "/token"), []);
    const log = await (await fetch(`${idp.issuer}/__test/requests`)).json();
    assert.ok(log.some((r) => r.path === "/auth" && r.method === "GET"));
    const unknown = await fetch(`${idp.issuer}/__test/switches`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ nope: 1 }) });
    assert.equal(unknown.status, 400);
  });

  test("coopHeaders puts Cross-Origin-Opener-Policy on the provider's pages", async () => {
    const url = authorizeUrl(idp).url;
    assert.equal((await fetch(url, { redirect: "manual" })).headers.get("cross-origin-opener-policy"), null);
    idp.switches.coopHeaders = true;
    try {
      const res = await fetch(url, { redirect: "manual" });
      assert.equal(res.headers.get("cross-origin-opener-policy"), "same-origin");
    } finally {
      idp.switches.coopHeaders = false;
    }
  });

  test("rotateKeys: new kid, old key gone from the JWKS, sessions survive", async () => {
    const ua = browser();
    const first = await login(idp, ua, {}, { otp: false });
    const oldKid = decodeProtectedHeader((await exchange(idp, first)).id_token).kid;
    const kids = await idp.rotateKeys();
    assert.ok(!kids.includes(oldKid));
    const published = (await (await fetch(`${idp.issuer}/jwks`)).json()).keys.map((k) => k.kid);
    assert.deepEqual(published, kids);
    const second = await login(idp, ua, {}, { otp: false });
    assert.deepEqual(second.pages, [], "the session survived the rotation");
    const tokens = await exchange(idp, second);
    assert.equal(decodeProtectedHeader(tokens.id_token).kid, kids[0]);
    await verifyId(tokens.id_token, second.nonce); // jose refetches the JWKS for the new kid
    const balance = await fetch(`${api.url}/api/balance`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(balance.status, 200, "the API follows the rotation too");
  });

  test("the API rejects missing and forged tokens with a Bearer challenge", async () => {
    const none = await fetch(`${api.url}/api/balance`);
    assert.equal(none.status, 401);
    assert.match(none.headers.get("www-authenticate"), /^Bearer/);
    const forged = await fetch(`${api.url}/api/balance`, { headers: { authorization: "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0." } });
    assert.equal(forged.status, 401);
    assert.match(forged.headers.get("www-authenticate"), /error="invalid_token"/);
    const preflight = await fetch(`${api.url}/api/transfer`, { method: "OPTIONS", headers: { origin: APP, "access-control-request-headers": "authorization" } });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get("access-control-allow-headers"), /authorization/);
  });
});

// ---------------------------------------------------------------------------------------------
// Passkeys in Chromium with the DevTools virtual authenticator. The provider's pages load the
// stepup package from /pkg/; here a stand-in built on the browser's own WebAuthn JSON methods is
// served instead, so this test checks the provider alone (tests/e2e/passkeys.test.mjs runs the
// real package).
const STAND_IN_PKG = `
export default async function init() {}
export async function registerPasskey(options) {
  const credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) });
  return credential.toJSON();
}
export async function authenticatePasskey(options) {
  const credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
  return credential.toJSON();
}`;

describe("passkeys at the dev identity provider (Chromium)", () => {
  let idp;
  let dataDir;
  let browserInstance;
  let page;
  let cdp;
  let authenticatorId;
  let appServer;
  let app;

  before(async () => {
    const { writeFileSync, mkdirSync } = await import("node:fs");
    const { launchBrowser, serveStatic } = await import("./harness.mjs");
    dataDir = mkdtempSync(join(tmpdir(), "stepup-idp-pk-"));
    const pkgDir = join(dataDir, "pkg");
    const appDir = join(dataDir, "app");
    mkdirSync(pkgDir);
    mkdirSync(appDir);
    writeFileSync(join(pkgDir, "stepup.js"), STAND_IN_PKG);
    writeFileSync(join(appDir, "index.html"), "<!doctype html><title>app</title><p>app</p>");
    writeFileSync(join(appDir, "callback.html"), "<!doctype html><title>callback</title><p>callback</p>");
    // The SPA on its own random port; the provider learns its origin after starting.
    appServer = await serveStatic({ mounts: { "/": appDir } });
    app = appServer.url;
    idp = await startIdp({ dataDir, pkgDir, testMode: true });
    idp.addAppOrigin(app);
    browserInstance = await launchBrowser();
    const context = await browserInstance.newContext();
    page = await context.newPage();
    cdp = await context.newCDPSession(page);
    await cdp.send("WebAuthn.enable", { enableUI: false });
    ({ authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", ctap2Version: "ctap2_1", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    }));
  });
  after(async () => {
    await browserInstance?.close();
    await idp?.close();
    await appServer?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("enroll a passkey on /account (after MFA), then use it as the step-up factor", async () => {
    await page.goto(`${idp.issuer}/account`);
    await page.fill("#username", "alice");
    await page.fill("#password", "password123");
    await page.click("#login");
    await page.fill("#otp", await idp.totp());
    await page.click("#verify");
    await page.waitForSelector("#add-passkey");
    assert.equal(new URL(page.url()).pathname, "/account");
    await page.click("#add-passkey");
    await page.waitForSelector("#passkeys li[data-credential-id]");
    const stored = idp.store.passkeys("alice");
    assert.equal(stored.length, 1);

    // Step-up that forces a new sign-in (max_age=0): password, then the passkey instead of TOTP.
    const flow = authorizeUrl(idp, { acr_values: ACR_MFA, max_age: "0" }, app);
    await page.goto(flow.url);
    await page.fill("#password", "password123");
    await page.fill("#username", "alice");
    await page.click("#login");
    await page.waitForSelector("#use-passkey");
    await Promise.all([page.waitForURL(`${app}/**`), page.click("#use-passkey")]);
    const tokens = await exchange(idp, { ...flow, redirect: new URL(page.url()) });
    const { payload } = await jwtVerify(tokens.id_token, createRemoteJWKSet(new URL(`${idp.issuer}/jwks`)), { issuer: idp.issuer, audience: DEMO_CLIENT_ID });
    assert.equal(payload.acr, ACR_MFA);
    assert.deepEqual(payload.amr, ["pwd", "hwk", "user", "mfa"], "device-bound key with user verification");
  });

  test("JSON passkey API from another origin: register, authenticate, reject a bogus signature", async () => {
    await page.goto(`${app}/`);
    const run = (body) => page.evaluate(async ({ issuer, username, bogus }) => {
      const post = (path, body) => fetch(issuer + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
        .then(async (r) => ({ status: r.status, body: await r.json() }));
      const out = {};
      if (!bogus) {
        const reg = await post("/passkey/register/options", { username });
        const created = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(reg.body) });
        out.register = await post("/passkey/register/verify", { username, response: created.toJSON() });
      }
      const auth = await post("/passkey/auth/options", { username });
      const got = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(auth.body) });
      out.authenticate = await post("/passkey/auth/verify", { username, response: got.toJSON() });
      return out;
    }, { issuer: idp.issuer, ...body });

    const ok = await run({ username: "pk-test" });
    assert.equal(ok.register.status, 200, JSON.stringify(ok.register.body));
    assert.equal(ok.register.body.verified, true);
    assert.equal(ok.register.body.origin, app);
    assert.equal(ok.authenticate.status, 200, JSON.stringify(ok.authenticate.body));
    assert.deepEqual(ok.authenticate.body.amr, ["hwk", "user"]);


    await cdp.send("WebAuthn.setResponseOverrideBits", { authenticatorId, isBogusSignature: true });
    try {
      const bogus = await run({ username: "pk-test", bogus: true });
      assert.equal(bogus.authenticate.status, 400);
      assert.equal(bogus.authenticate.body.verified, false);
      assert.equal(bogus.authenticate.body.error, "verification_failed");
    } finally {
      await cdp.send("WebAuthn.setResponseOverrideBits", { authenticatorId, isBogusSignature: false });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Second factors by guardian.json (Auth0's factor names), the dev outbox, enrollment, policies.
describe("factors, the dev outbox, enrollment and MFA policies", () => {
  let idp;
  let dataDir;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "stepup-idp-factors-"));
    idp = await startIdp({ dataDir, testMode: true, appOrigins: [APP] });
  });
  after(async () => {
    await idp?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const uidOf = (step) => /^\/interaction\/([^/]+)/.exec(step.page.pathname)?.[1];
  const at = (path) => new URL(path, idp.issuer);

  /** Start an authorization request and pass the password step: returns the next page. */
  async function pastPassword(ua, params = { acr_values: ACR_MFA }, username = "alice") {
    const req = authorizeUrl(idp, params);
    let step = await ua.go(req.url);
    if (idOf(step.html, "password")) step = await ua.post(at(formAction(step.html, "login-form")), { username, password: "password123" });
    return { req, step, uid: step.page && uidOf(step) };
  }
  const choose = (ua, uid, factor) => ua.post(at(`/interaction/${uid}/factor`), { factor });
  async function claimsOf(req, step) {
    assert.ok(step.redirect, `expected a redirect to the app, got ${step.res.status} ${step.page}: ${step.html?.slice(0, 300)}`);
    const tokens = await exchange(idp, { ...req, redirect: step.redirect });
    return decodeJwt(tokens.id_token);
  }

  test("sms, voice and email codes arrive in the dev outbox; each sets its RFC 8176 amr; a code works once", async () => {
    for (const [factor, amr] of [["sms", ["pwd", "sms", "mfa"]], ["voice", ["pwd", "tel", "mfa"]], ["email", ["pwd", "otp", "mfa"]]]) {
      const ua = browser();
      const { req, step: first, uid } = await pastPassword(ua);
      assert.ok(idOf(first.html, "otp-form"), "the authenticator app is asked first");
      assert.ok(idOf(first.html, `factor-${factor}`), `${factor} is offered`);
      let step = await choose(ua, uid, factor);
      assert.ok(idOf(step.html, "code-form"), step.html.slice(0, 400));
      assert.match(step.html, /We sent a code/);

      // The outbox, over HTTP as a person (or a test) reads it.
      const messages = await (await fetch(at(`/outbox/messages?user=alice&channel=${factor}`))).json();
      const message = messages[0];
      assert.equal(message.channel, factor);
      assert.equal(message.to, factor === "email" ? "alice@example.com" : "+12025550100");
      assert.match(message.code, /^\d{6}$/);
      assert.ok(message.text.includes(factor === "voice" ? message.code.split("").join(", ") : message.code));
      const page = await (await fetch(at("/outbox"))).text();
      assert.match(page, new RegExp(`data-code="${message.code}"`));

      const wrong = String((Number(message.code) + 1) % 1000000).padStart(6, "0");
      step = await ua.post(at(`/interaction/${uid}/code`), { code: wrong });
      assert.equal(step.res.status, 401);
      assert.match(step.html, /not right\. 4 tries left/);
      step = await ua.post(at(`/interaction/${uid}/code`), { code: message.code });
      const claims = await claimsOf(req, step);
      assert.equal(claims.acr, ACR_MFA);
      assert.deepEqual(claims.amr, amr, factor);
    }
  });

  test("a code expires after five wrong tries", async () => {
    const ua = browser();
    const { uid } = await pastPassword(ua);
    await choose(ua, uid, "sms");
    const { code } = idp.outbox.list({ user: "alice", channel: "sms" })[0];
    const wrong = String((Number(code) + 7) % 1000000).padStart(6, "0");
    let step;
    for (let i = 0; i < 5; i++) step = await ua.post(at(`/interaction/${uid}/code`), { code: wrong });
    assert.match(step.html, /Too many wrong codes/);
    step = await ua.post(at(`/interaction/${uid}/code`), { code });
    assert.equal(step.res.status, 401, "the right code no longer works");
    assert.match(step.html, /Too many wrong codes\. Send a new one/);
  });

  test("push notification: denied, then approved in the outbox; the waiting page polls its status", async () => {
    const ua = browser();
    const { req, uid } = await pastPassword(ua);
    let step = await choose(ua, uid, "push-notification");
    assert.ok(idOf(step.html, "push-form"), step.html.slice(0, 400));
    assert.match(step.html, /Alice&#39;s phone/);
    const status = async () => (await (await ua.request(at(`/interaction/${uid}/push`), { headers: { accept: "application/json" } })).json()).status;
    assert.equal(await status(), "pending");
    step = await ua.post(at(`/interaction/${uid}/push`), {});
    assert.equal(step.res.status, 409, "not approved yet");
    assert.match(step.html, /not approved yet/);

    // Deny through the outbox page's form (no JavaScript): back to the outbox.
    let push = idp.outbox.list({ user: "alice", channel: "push" })[0];
    assert.equal(push.status, "pending");
    const denied = await fetch(at(`/outbox/push/${push.id}`), { method: "POST", body: new URLSearchParams({ decision: "deny" }), redirect: "manual" });
    assert.equal(denied.status, 303);
    assert.equal(await status(), "denied");
    step = await ua.post(at(`/interaction/${uid}/push`), {});
    assert.equal(step.res.status, 403);
    assert.match(step.html, /denied on your phone\. We sent a new one/);
    const again = await fetch(at(`/outbox/push/${push.id}`), { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify({ decision: "approve" }) });
    assert.equal(again.status, 400, "a decided request cannot be decided again");

    // Approve the new request (JSON, as the outbox page's script does).
    push = idp.outbox.list({ user: "alice", channel: "push" })[0];
    assert.equal(push.status, "pending");
    const approved = await fetch(at(`/outbox/push/${push.id}`), { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify({ decision: "approve" }) });
    assert.deepEqual(await approved.json(), { id: push.id, status: "approved" });
    assert.equal(await status(), "approved");
    step = await ua.post(at(`/interaction/${uid}/push`), {});
    assert.deepEqual((await claimsOf(req, step)).amr, ["pwd", "swk", "mfa"]);
  });

  test("recovery codes: made on /account after MFA, shown once, each works once", async () => {
    const ua = browser();
    // /account signs in through the provider (password + TOTP) and lands back on /account.
    let step = await ua.go(at("/account"));
    step = await ua.post(at(formAction(step.html, "login-form")), { username: "alice", password: "password123" });
    step = await ua.post(at(formAction(step.html, "otp-form")), { otp: await idp.totp() });
    assert.equal(step.page.pathname, "/account");
    assert.ok(idOf(step.html, "new-recovery-codes"));
    step = await ua.post(at("/account/recovery-codes"), {});
    const codes = [...step.html.matchAll(/<li>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})<\/li>/g)].map((m) => m[1]);
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    assert.ok(!JSON.stringify(idp.store.get("alice")).includes(codes[0]), "only hashes are stored");
    step = await ua.go(at("/account"));
    assert.match(step.html, /10 unused codes/);
    assert.doesNotMatch(step.html, new RegExp(codes[0]), "shown once");

    // First use works (and its amr is otp: a recovery code is a one-time password).
    let ua2 = browser();
    let flow = await pastPassword(ua2);
    let page = await choose(ua2, flow.uid, "recovery-code");
    assert.ok(idOf(page.html, "recovery-form"));
    page = await ua2.post(at(`/interaction/${flow.uid}/recovery`), { code: codes[0] });
    assert.deepEqual((await claimsOf(flow.req, page)).amr, ["pwd", "otp", "mfa"]);
    // Second use of the same code fails; another code, typed in lower case without dashes, works.
    ua2 = browser();
    flow = await pastPassword(ua2);
    await choose(ua2, flow.uid, "recovery-code");
    page = await ua2.post(at(`/interaction/${flow.uid}/recovery`), { code: codes[0] });
    assert.equal(page.res.status, 401);
    assert.match(page.html, /already used/);
    page = await ua2.post(at(`/interaction/${flow.uid}/recovery`), { code: codes[1].replaceAll("-", "").toLowerCase() });
    assert.equal((await claimsOf(flow.req, page)).acr, ACR_MFA);
    step = await ua.go(at("/account"));
    assert.match(step.html, /8 unused codes/);
  });

  test("bob enrolls an authenticator app from a QR code, saves recovery codes once, and it survives a restart", async () => {
    const own = mkdtempSync(join(tmpdir(), "stepup-idp-bob-"));
    let mine = await startIdp({ dataDir: own, testMode: true, appOrigins: [APP] });
    try {
      const ua = browser();
      const req = authorizeUrl(mine, { acr_values: ACR_MFA });
      let step = await ua.go(req.url);
      step = await ua.post(new URL(formAction(step.html, "login-form"), mine.issuer), { username: "bob", password: "password123" });
      assert.ok(idOf(step.html, "enroll-otp"), "bob has no factor: enrollment is offered");
      assert.ok(idOf(step.html, "enroll-phone"));
      assert.ok(idOf(step.html, "factor-email"), "email as a fallback");
      const uid = uidOf(step);
      step = await ua.post(new URL(`/interaction/${uid}/enroll`, mine.issuer), { method: "otp" });
      assert.match(step.html, /id="totp-qr"[^>]*><svg/);
      const secret = /data-secret="([A-Z2-7]+)"/.exec(step.html)[1];
      assert.ok(secret.length >= 32, "a 160-bit secret");
      const verify = new URL(formAction(step.html, "enroll-otp-form"), mine.issuer);
      step = await ua.post(verify, { code: "000000" === (await totpCode(secret)) ? "111111" : "000000" });
      assert.equal(step.res.status, 401);
      assert.match(step.html, /does not match/);
      step = await ua.post(verify, { code: await totpCode(secret) });
      const codes = [...step.html.matchAll(/<li>([A-Z0-9-]{14})<\/li>/g)].map((m) => m[1]);
      assert.equal(codes.length, 10, "recovery codes are shown after the first enrollment");
      step = await ua.post(new URL(`/interaction/${uid}/finish`, mine.issuer), {});
      assert.ok(step.redirect, step.html?.slice(0, 300));
      const tokens = await exchange(mine, { ...req, redirect: step.redirect });
      assert.deepEqual(decodeJwt(tokens.id_token).amr, ["pwd", "otp", "mfa"]);
      assert.equal(decodeJwt(tokens.id_token).sub, "bob");

      await mine.close();
      mine = await startIdp({ dataDir: own, testMode: true, appOrigins: [APP] });
      const ua2 = browser();
      const req2 = authorizeUrl(mine, { acr_values: ACR_MFA });
      step = await ua2.go(req2.url);
      step = await ua2.post(new URL(formAction(step.html, "login-form"), mine.issuer), { username: "bob", password: "password123" });
      assert.ok(idOf(step.html, "otp-form"), "after a restart bob's app is still enrolled");
      assert.ok(idOf(step.html, "factor-recovery-code"), "and so are his recovery codes");
      // The enrollment used up its code: the provider's test API gives the next one.
      step = await ua2.post(new URL(formAction(step.html, "otp-form"), mine.issuer), { otp: await mine.totp("bob") });
      assert.equal(decodeJwt((await exchange(mine, { ...req2, redirect: step.redirect })).id_token).acr, ACR_MFA);
    } finally {
      await mine.close();
      rmSync(own, { recursive: true, force: true });
    }
  });

  test("phone enrollment: a bad number gets a clear message; the code comes by phone call; amr tel", async () => {
    const own = mkdtempSync(join(tmpdir(), "stepup-idp-phone-"));
    const mine = await startIdp({ dataDir: own, testMode: true, appOrigins: [APP] });
    try {
      const ua = browser();
      const req = authorizeUrl(mine, { acr_values: ACR_MFA });
      let step = await ua.go(req.url);
      step = await ua.post(new URL(formAction(step.html, "login-form"), mine.issuer), { username: "bob", password: "password123" });
      const uid = uidOf(step);
      step = await ua.post(new URL(`/interaction/${uid}/enroll`, mine.issuer), { method: "phone" });
      assert.ok(idOf(step.html, "phone-form"));
      const send = new URL(formAction(step.html, "phone-form"), mine.issuer);
      step = await ua.post(send, { phone: "555-0100", channel: "sms" });
      assert.equal(step.res.status, 400);
      assert.match(step.html, /international format/);
      step = await ua.post(send, { phone: "+1 (202) 555-0142", channel: "voice" });
      assert.ok(idOf(step.html, "code-form"), step.html.slice(0, 300));
      const call = mine.outbox.list({ user: "bob", channel: "voice" })[0];
      assert.equal(call.to, "+12025550142");
      step = await ua.post(new URL(formAction(step.html, "code-form"), mine.issuer), { code: call.code });
      step = await ua.post(new URL(`/interaction/${uid}/finish`, mine.issuer), {});
      const tokens = await exchange(mine, { ...req, redirect: step.redirect });
      assert.deepEqual(decodeJwt(tokens.id_token).amr, ["pwd", "tel", "mfa"]);
      assert.equal(mine.store.get("bob").phone.number, "+12025550142");
    } finally {
      await mine.close();
      rmSync(own, { recursive: true, force: true });
    }
  });

  test("confidence-score asks for MFA on an unknown device only; all-applications at every login", async () => {
    try {
      idp.guardian.policies = ["confidence-score"];
      const ua = browser();
      let flow = await login(idp, ua, {}, { expectPassword: true });
      assert.deepEqual(flow.pages, ["password", "otp"], "a new device: MFA without the app asking");
      let claims = decodeJwt((await exchange(idp, flow)).id_token);
      assert.equal(claims.acr, ACR_MFA);
      assert.ok(ua.jar.has("stepup_device"), "the device is remembered by a cookie");
      flow = await login(idp, ua, { prompt: "login" }, { otp: false });
      assert.deepEqual(flow.pages, ["password"], "the same device: password only");
      claims = decodeJwt((await exchange(idp, flow)).id_token);
      assert.deepEqual(claims.amr, ["pwd"]);
      flow = await login(idp, browser(), {});
      assert.deepEqual(flow.pages, ["password", "otp"], "another device: MFA again");
      // Step-up by acr_values is honoured whatever the policy.
      flow = await login(idp, ua, { prompt: "login", acr_values: ACR_MFA });
      assert.deepEqual(flow.pages, ["password", "otp"]);

      idp.guardian.policies = ["all-applications"];
      flow = await login(idp, ua, { prompt: "login" });
      assert.deepEqual(flow.pages, ["password", "otp"], "all-applications: MFA even on a known device");
    } finally {
      idp.guardian.policies = [];
    }
    const flow = await login(idp, browser(), {}, { otp: false });
    assert.deepEqual(flow.pages, ["password"], "no policy: password only unless the app asks");
  });

  test("a factor turned off in guardian.json is neither offered nor accepted; bad settings get a clear message", async () => {
    idp.guardian.factors.sms = false;
    try {
      const ua = browser();
      const { uid, step } = await pastPassword(ua);
      assert.ok(!idOf(step.html, "factor-sms"));
      assert.ok(idOf(step.html, "factor-voice"));
      const forced = await choose(ua, uid, "sms");
      assert.equal(forced.res.status, 400);
      assert.match(forced.html, /turned off in guardian\.json/);
    } finally {
      idp.guardian.factors.sms = true;
    }
    assert.throws(() => validateGuardian({ policies: ["sometimes"] }), /unknown policy "sometimes"; known: all-applications, confidence-score/);
    assert.throws(() => validateGuardian({ factors: { otpp: true } }), /unknown factor "otpp"; known: otp,/);
    assert.throws(() => validateGuardian({ factors: { otp: "yes" } }), /factor otp must be true or false/);
    const bad = await fetch(at("/__test/guardian"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ factors: { sms: "off" } }) });
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).message, /factor sms must be true or false/);
    const good = await fetch(at("/__test/guardian"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ factors: { email: false } }) });
    assert.equal((await good.json()).factors.email, false);
    assert.equal(idp.guardian.factors.email, false, "the live settings changed");
    idp.guardian.factors.email = true;
    // The shipped guardian.json is valid and uses Auth0's names only.
    assert.deepEqual(Object.keys(loadGuardian().factors).sort(), ["email", "otp", "push-notification", "recovery-code", "sms", "voice", "webauthn-platform", "webauthn-roaming"]);
  });
});

describe("dev identity provider hardening: exact redirect URIs, CORS for the apps only, TOTP single use, lockouts", () => {
  const LOCK_MS = 2500;
  let idp;
  let dataDir;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "stepup-idp-hardening-"));
    idp = await startIdp({ dataDir, testMode: true, appOrigins: [APP], lockout: { ms: LOCK_MS } });
  });
  after(async () => {
    await idp?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const at = (path) => new URL(path, idp.issuer);
  const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

  /** Pass alice's password on an MFA request: returns the second-factor form's URL. */
  async function otpForm(ua) {
    const req = authorizeUrl(idp, { acr_values: ACR_MFA });
    let step = await ua.go(req.url);
    step = await ua.post(at(formAction(step.html, "login-form")), { username: "alice", password: "password123" });
    assert.ok(idOf(step.html, "otp-form"), step.html.slice(0, 300));
    return { req, action: at(formAction(step.html, "otp-form")) };
  }

  /** A 6-digit code that is none of alice's codes around now. */
  async function wrongCode() {
    const now = Math.floor(Date.now() / 1000);
    const valid = new Set(await Promise.all([-60, -30, 0, 30, 60].map((d) => totpCode(DEMO_TOTP_SECRET, now + d))));
    for (let n = 0; ; n++) {
      const code = String((123456 + n * 7919) % 1000000).padStart(6, "0");
      if (!valid.has(code)) return code;
    }
  }

  test("redirect URIs match exactly: another path, port, query or host for the app is refused", async () => {
    const ok = await browser().go(authorizeUrl(idp).url);
    assert.ok(idOf(ok.html, "password"), "the registered callback works");
    for (const redirect of [`${APP}/elsewhere.html`, `${APP}/callback.html/x`, `${APP}/callback.html?next=1`, "http://localhost:5000/callback.html", "http://127.0.0.1:4999/callback.html"]) {
      const url = new URL(authorizeUrl(idp).url);
      url.searchParams.set("redirect_uri", redirect);
      const step = await browser().go(url.href);
      assert.equal(step.redirect, undefined, `${redirect}: never sent back to the app`);
      assert.equal(step.res.status, 400, redirect);
      assert.match(step.html, /id="error"[\s\S]*redirect_uri/, redirect);
    }

    // Post-logout redirects too: only the registered ones.
    const ua = browser();
    const flow = await login(idp, ua, {}, { otp: false });
    const { id_token: idToken } = await exchange(idp, flow);
    const end = new URL("/session/end", idp.issuer);
    end.search = new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: `${APP}/elsewhere.html` }).toString();
    const refused = await ua.go(end.href);
    assert.equal(refused.res.status, 400);
    assert.match(refused.html, /post_logout_redirect_uri/);

    // An origin added later gets the same exact paths, and nothing else.
    const other = "http://localhost:4998";
    idp.addAppOrigin(other);
    const added = await browser().go(authorizeUrl(idp, {}, other).url);
    assert.ok(idOf(added.html, "password"), "a registered path on the added origin works");
    const url = new URL(authorizeUrl(idp, {}, other).url);
    url.searchParams.set("redirect_uri", `${other}/elsewhere.html`);
    assert.equal((await browser().go(url.href)).res.status, 400);
  });

  test("CORS: discovery, JWKS and token answer the app's origin; another origin gets no Access-Control-Allow-Origin", async () => {
    const token = (origin) => fetch(at("/token"), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin },
      body: new URLSearchParams({ grant_type: "authorization_code", code: "x", redirect_uri: `${APP}/callback.html`, client_id: DEMO_CLIENT_ID, code_verifier: "v".repeat(43) }),
    });
    const preflight = (origin) => fetch(at("/token"), { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" } });
    for (const path of ["/.well-known/openid-configuration", "/jwks"]) {
      assert.equal((await fetch(at(path), { headers: { origin: APP } })).headers.get("access-control-allow-origin"), APP, path);
    }
    assert.equal((await token(APP)).headers.get("access-control-allow-origin"), APP);
    assert.equal((await preflight(APP)).headers.get("access-control-allow-origin"), APP);

    for (const foreign of ["http://localhost:5000", "https://attacker.example", "null"]) {
      for (const path of ["/.well-known/openid-configuration", "/jwks"]) {
        const res = await fetch(at(path), { headers: { origin: foreign } });
        assert.equal(res.status, 200, "the document itself is public");
        assert.equal(res.headers.get("access-control-allow-origin"), null, `${path} from ${foreign}`);
        assert.equal(res.headers.get("access-control-expose-headers"), null);
      }
      const res = await token(foreign);
      assert.equal(res.headers.get("access-control-allow-origin"), null, `token from ${foreign}`);
      assert.equal(res.status, 400);
      assert.match((await res.json()).error_description, /origin .* not allowed/);
      const pre = await preflight(foreign);
      assert.equal(pre.headers.get("access-control-allow-origin"), null, `preflight from ${foreign}`);
      assert.equal(pre.headers.get("access-control-allow-methods"), null);
    }
  });

  test("a TOTP code works once: replayed in another sign-in within its window it is refused", async () => {
    const code = await idp.totp();
    const ua = browser();
    const first = await otpForm(ua);
    const ok = await ua.post(first.action, { otp: code });
    assert.ok(ok.redirect, `the first use signs in: ${ok.html?.slice(0, 300)}`);
    assert.deepEqual(decodeJwt((await exchange(idp, { ...first.req, redirect: ok.redirect })).id_token).amr, ["pwd", "otp", "mfa"]);

    // Seen over a shoulder or in a proxy log, the same code in another browser a moment later.
    const thief = browser();
    const second = await otpForm(thief);
    const replay = await thief.post(second.action, { otp: code });
    assert.equal(replay.res.status, 401);
    assert.equal(replay.redirect, undefined);
    assert.match(replay.html, /id="error"[^>]*>That code was already used/);
    const fresh = await thief.post(second.action, { otp: await idp.totp() });
    assert.ok(fresh.redirect, "the next code works");
  });

  test("5 wrong TOTP codes lock the authenticator app: the right code is refused until the lock ends", async () => {
    const ua = browser();
    const { req, action } = await otpForm(ua);
    const right = await idp.totp(); // before the lock starts: getting a code may wait for the next 30 s step
    const wrong = await wrongCode();
    for (let i = 1; i <= 5; i++) {
      const step = await ua.post(action, { otp: wrong });
      assert.equal(step.res.status, i < 5 ? 401 : 429, `attempt ${i}`);
      if (i < 5) assert.match(step.html, new RegExp(`${5 - i} tr(y|ies) left`));
    }
    let step = await ua.post(action, { otp: right });
    assert.equal(step.res.status, 429, "6th attempt, right code: still refused");
    assert.equal(step.redirect, undefined);
    assert.match(step.html, /id="error"[^>]*>Too many wrong codes: the authenticator app is locked for \d+ seconds?/);
    // Locked for the user, not only for this sign-in.
    const other = browser();
    const elsewhere = await otpForm(other);
    assert.equal((await other.post(elsewhere.action, { otp: right })).res.status, 429);

    await sleep(LOCK_MS + 200);
    step = await ua.post(action, { otp: right });
    assert.ok(step.redirect, `after the lock the right code works (it was not used up while locked): ${step.html?.slice(0, 300)}`);
    assert.equal(decodeJwt((await exchange(idp, { ...req, redirect: step.redirect })).id_token).acr, ACR_MFA);
  });

  test("5 wrong passwords lock the user's password: the right one is refused until the lock ends", async () => {
    const ua = browser();
    const req = authorizeUrl(idp);
    let step = await ua.go(req.url);
    const action = at(formAction(step.html, "login-form"));
    for (let i = 1; i <= 5; i++) {
      step = await ua.post(action, { username: "bob", password: `guess-${i}` });
      assert.equal(step.res.status, 401, `attempt ${i}`);
      assert.match(step.html, /Wrong username or password/);
    }
    assert.match(step.html, /Too many failed sign-ins for this account/);
    step = await ua.post(action, { username: "bob", password: "password123" });
    assert.equal(step.res.status, 429, "6th attempt, right password: still refused");
    assert.equal(step.redirect, undefined);
    assert.match(step.html, /id="error"[^>]*>Too many failed sign-ins for this account: try again in \d+ seconds?/);
    // Per user: alice is not locked by failures on bob.
    const alice = await login(idp, browser(), {}, { otp: false });
    assert.ok(alice.redirect);

    await sleep(LOCK_MS + 200);
    step = await ua.post(action, { username: "bob", password: "password123" });
    assert.ok(step.redirect, `after the lock the right password works: ${step.html?.slice(0, 300)}`);
    assert.equal(decodeJwt((await exchange(idp, { ...req, redirect: step.redirect })).id_token).sub, "bob");
  });
});
