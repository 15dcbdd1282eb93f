// Sessions beyond one login, end to end: cacheLocation, refresh tokens (rotation, reuse detection), access
// tokens per API, mfa_required, tabs that follow each other. The npm package (pkg/) in headless Chromium against
// the dev identity provider (npm oidc-provider). Run: node --test tests/e2e/sessions.test.mjs
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clickForPopup, launchBrowser, outcome, pageSeconds, popupSignIn, repoRoot, serveStatic, waitForAge } from "./harness.mjs";
import { ACR_MFA, ACR_PWD, DEFAULT_API_AUDIENCE, MFA_API_AUDIENCE, startIdp } from "../../www/idp/provider.mjs";
import { startApi } from "../../www/api/server.mjs";

const PKG = process.env.STEPUP_PKG_DIR || "pkg";
/** A second API of the provider, with no MFA requirement. */
const API2 = "http://localhost/api2";

let app, idp, mfaApi, browser, dataDir;

before(async () => {
  app = await serveStatic({ mounts: { "/": "tests/e2e/pages", "/pkg/": PKG } });
  dataDir = mkdtempSync(join(tmpdir(), "stepup-sessions-"));
  idp = await startIdp({ appOrigins: [app.url], testMode: true, dataDir, audience: [DEFAULT_API_AUDIENCE, API2] });
  mfaApi = await startApi({ issuer: idp.issuer, audience: MFA_API_AUDIENCE });
  browser = await launchBrowser({ launch: { ignoreDefaultArgs: ["--disable-popup-blocking"] } });
});

after(async () => {
  await browser?.close();
  await mfaApi?.close();
  await idp?.close();
  await app?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function config(extra = {}) {
  return {
    issuer: idp.issuer,
    clientId: idp.clientId,
    redirectUri: `${app.url}/callback.html`,
    popupRedirectUri: `${app.url}/popup-callback.html`,
    scope: "openid profile",
    audience: DEFAULT_API_AUDIENCE,
    ...extra,
  };
}

/** A tab on the test app with a client of `extra` config, in `context` (a new one by default). */
async function openTab(extra, context) {
  context ??= await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${app.url}/app.html`);
  await page.waitForFunction(() => window.ready === true);
  await page.evaluate((c) => window.createClient(c), config(extra));
  return { context, page, errors };
}

/** Click, sign in at the provider in the popup the click opens, and return the outcome. */
async function popupFlow(page, action, arg) {
  const { result, pages } = await popupSignIn(page, idp, action, arg);
  assert.equal(result.ok, true, JSON.stringify(result));
  return { session: result.value, pages };
}

const mfaLogin = (page) => popupFlow(page, (p) => window.client.requireStepUp(p), { mfa: true });
const pwdLogin = (page) => popupFlow(page, () => window.client.loginWithPopup());

/** `client.getAccessToken(options)` in the page: { token } or { code, error, acrValues }. */
const getToken = (page, options) =>
  page.evaluate((o) => window.client.getAccessToken(o).then(
    (token) => ({ token }),
    (e) => ({ code: e.code, error: e.error, acrValues: e.acrValues, ...(e.cause ? { cause: String(e.cause) } : {}) }),
  ), options);

const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString());
const refreshGrants = () => idp.grants("refresh_token");
const everyValue = (page) => page.evaluate(() =>
  [localStorage, sessionStorage].flatMap((s) => Object.keys(s).map((k) => [k, s.getItem(k)])));
/** Wait until the session's own access token has expired (in the page's clock). */
const expired = (page) => page.waitForFunction(() => window.client.session && window.client.session.expiresAt * 1000 <= Date.now(), null, { timeout: 15000, polling: 100 });

/** Record every onSessionChange call in window.changes as { idToken|null, at }. */
const listen = (page) => page.evaluate(() => {
  window.changes = [];
  window.unsubscribe = window.client.onSessionChange((s) => window.changes.push({ idToken: s ? s.idToken : null, at: Date.now() }));
});

describe("sessions in Chromium", () => {
  test("without a session getAccessToken is login_required; wrong arguments are invalid_config", async () => {
    const { context, page } = await openTab({ useRefreshTokens: true });
    assert.deepEqual(await getToken(page), { code: "login_required", error: undefined, acrValues: undefined });
    const codes = await page.evaluate(async (c) => {
      const code = (f) => Promise.resolve().then(f).then(() => "ok", (e) => `${e.code}:${e.claim ?? ""}`);
      return {
        location: await code(() => window.StepUpClient.create({ ...c, cacheLocation: "cookie" })),
        refresh: await code(() => window.StepUpClient.create({ ...c, useRefreshTokens: "yes" })),
        audience: await code(() => window.client.getAccessToken({ audience: 5 })),
        options: await code(() => window.client.getAccessToken("api")),
        listener: await code(() => window.client.onSessionChange("not a function")),
        // A freed client: its handle names no client any more (and there is no other way to make one).
        freed: await (async () => {
          const freed = await window.StepUpClient.create(c);
          freed.free();
          return [await code(() => freed.session), await code(() => freed.getAccessToken()), await code(() => freed.logout())].join(" ");
        })(),
        constructor: (() => { try { new window.StepUpClient(); return "ok"; } catch (e) { return e.name; } })(),
      };
    }, config());
    assert.deepEqual(codes, {
      location: "invalid_config:cacheLocation",
      refresh: "invalid_config:useRefreshTokens",
      audience: "invalid_config:audience",
      options: "invalid_config:",
      listener: "invalid_config:listener",
      freed: "invalid_config: invalid_config: invalid_config:",
      constructor: "TypeError",
    });
    await context.close();
  });

  test("only a localStorage client listens for storage events (the listener costs a fresh page's create() about 1 ms)", async () => {
    const context = await browser.newContext();
    await context.addInitScript(() => {
      window.storageListeners = 0;
      const add = window.addEventListener;
      window.addEventListener = function (type, ...rest) {
        if (type === "storage") window.storageListeners++;
        return add.call(this, type, ...rest);
      };
    });
    const counts = {};
    for (const cacheLocation of ["memory", "sessionStorage", "localStorage"]) {
      const { page } = await openTab({ cacheLocation }, context);
      counts[cacheLocation] = await page.evaluate(() => window.storageListeners);
    }
    assert.deepEqual(counts, { memory: 0, sessionStorage: 0, localStorage: 1 });
    await context.close();
  });

  for (const cacheLocation of ["sessionStorage", "localStorage"]) {
    test(`reload with ${cacheLocation}: the session is back after create(), same acr/amr/authTime; no flow secret stored`, async () => {
      const flowSecrets = [];
      const context = await browser.newContext();
      context.on("request", (r) => {
        const url = new URL(r.url());
        for (const name of ["state", "nonce", "code_challenge"]) if (url.searchParams.get(name)) flowSecrets.push(url.searchParams.get(name));
        const verifier = new URLSearchParams(r.postData() ?? "").get("code_verifier");
        if (verifier) flowSecrets.push(verifier);
      });
      const { page } = await openTab({ cacheLocation, useRefreshTokens: true }, context);
      // (Password only: a TOTP code works once, and the MFA context is carried over in the renewal test below.)
      const { session } = await pwdLogin(page);
      assert.ok(session.amr.includes("pwd") && session.acr === ACR_PWD && session.authTime);
      assert.ok(flowSecrets.length >= 4, "state, nonce, challenge and verifier were seen");

      const values = await everyValue(page);
      const stored = values.filter(([, v]) => v.includes(session.idToken));
      assert.equal(stored.length, 1, "one entry holds the session");
      const other = cacheLocation === "localStorage" ? "sessionStorage" : "localStorage";
      assert.equal(await page.evaluate(([kind, key]) => window[kind].getItem(key), [other, stored[0][0]]), null, `nothing in ${other}`);
      for (const [k, v] of values) for (const secret of flowSecrets) assert.ok(!v.includes(secret), `${k} holds no state, nonce or verifier`);

      await page.reload();
      await page.waitForFunction(() => window.ready === true);
      const back = await page.evaluate(async (c) => {
        await window.createClient(c);
        return window.client.session; // read at once: create() resolved with the session restored
      }, config({ cacheLocation, useRefreshTokens: true }));
      assert.ok(back, "a session after the reload");
      assert.deepEqual([back.idToken, back.acr, back.amr, back.authTime], [session.idToken, session.acr, session.amr, session.authTime]);
      // And it works: a token for another API comes from the stored refresh token.
      const api2 = await getToken(page, { audience: API2 });
      assert.ok(api2.token, JSON.stringify(api2));
      assert.equal(claimsOf(api2.token).aud, API2);
      await context.close();
    });
  }

  test("memory (the default): nothing token-like in either storage, and a reload has no session", async () => {
    const { context, page } = await openTab({ useRefreshTokens: true });
    const { session } = await pwdLogin(page);
    await getToken(page, { audience: API2 }); // a refresh grant too: its tokens stay in memory as well
    for (const [k, v] of await everyValue(page)) {
      assert.ok(!/eyJ/.test(v), `${k} holds no JWT`);
      assert.ok(!v.includes(session.accessToken), `${k} holds no access token`);
    }
    assert.deepEqual((await everyValue(page)).map(([k]) => k), ["e2e.config"], "only the test page's own entry");
    await page.reload();
    await page.waitForFunction(() => window.ready === true);
    const back = await page.evaluate(async (c) => { await window.createClient(c); return window.client.session; }, config({ useRefreshTokens: true }));
    assert.equal(back, null);
    await context.close();
  });

  test("an expired access token is renewed by refresh; the context stays although the refreshed ID token has no amr; maxAge 5 after 6 s opens a popup", async () => {
    idp.switches.accessTokenTtl = 3;
    try {
      const { context, page } = await openTab({ useRefreshTokens: true, cacheLocation: "localStorage" });
      const { session } = await mfaLogin(page);
      const seenAt = await pageSeconds(page);
      await expired(page);
      const before = refreshGrants().length;
      const renewed = await getToken(page);
      assert.ok(renewed.token, JSON.stringify(renewed));
      assert.notEqual(renewed.token, session.accessToken);
      assert.equal(refreshGrants().length, before + 1, "one refresh grant");
      const now = await page.evaluate(() => window.client.session);
      assert.equal(now.accessToken, renewed.token);
      assert.notEqual(now.idToken, session.idToken, "the refreshed ID token was taken");
      assert.equal(claimsOf(now.idToken).amr, undefined, "the provider left amr out of the refreshed ID token");
      assert.deepEqual([now.claims.acr, now.claims.amr, now.claims.auth_time], [session.claims.acr, session.claims.amr, session.claims.auth_time], "the claims report the login's context, as the session does");
      assert.deepEqual([now.acr, now.amr, now.authTime], [session.acr, session.amr, session.authTime], "the interactive context");
      // The access token from the refresh grant carries the interactive authentication too.
      assert.equal(claimsOf(renewed.token).acr, ACR_MFA);

      // A refresh is no authentication: 6 s after the login, a 5 s maxAge needs the user again.
      await waitForAge(page, session, 6, seenAt);
      const { result: fresh } = await popupSignIn(page, idp, (p) => window.client.requireStepUp(p), { mfa: true, maxAge: 5 });
      assert.equal(fresh.ok, true, JSON.stringify(fresh));
      assert.ok(fresh.value.authTime >= session.authTime + 6);
      await context.close();
    } finally {
      idp.switches.accessTokenTtl = 600;
    }
  });

  test("two tabs renew at the same moment: one refresh grant, both get the new token, no invalid_grant", async () => {
    idp.switches.accessTokenTtl = 3;
    try {
      const extra = { useRefreshTokens: true, cacheLocation: "localStorage" };
      const a = await openTab(extra);
      const { session } = await pwdLogin(a.page);
      const b = await openTab(extra, a.context);
      assert.equal(await b.page.evaluate(() => window.client.session?.idToken), session.idToken, "tab B restored the session");
      await expired(a.page);
      const before = idp.grants().length;
      const [ta, tb] = await Promise.all([getToken(a.page), getToken(b.page)]);
      assert.ok(ta.token && tb.token, JSON.stringify([ta, tb]));
      assert.equal(ta.token, tb.token, "both tabs have the one new token");
      assert.notEqual(ta.token, session.accessToken);
      const grants = idp.grants().slice(before);
      assert.deepEqual(grants.map((g) => [g.grantType, g.error]), [["refresh_token", undefined]], "exactly one refresh grant, no error");
      // Again for tokens neither tab has: each time one grant, whichever tab holds the lock first. The other
      // tab takes the lock right after and must see the rotated refresh token, although browsers pass
      // localStorage between processes asynchronously (a stale read here would spend the rotated token).
      for (const options of [{ audience: API2 }, { scope: "openid" }, { audience: API2, scope: "openid" }, { scope: "profile" }, { audience: API2, scope: "profile" }, { scope: "openid profile" }]) {
        const mark = idp.grants().length;
        const [x, y] = await Promise.all([getToken(a.page, options), getToken(b.page, options)]);
        assert.ok(x.token && x.token === y.token, JSON.stringify([options, x, y]));
        assert.deepEqual(idp.grants().slice(mark).map((g) => [g.grantType, g.error]), [["refresh_token", undefined]], JSON.stringify(options));
      }
      await a.context.close();
    } finally {
      idp.switches.accessTokenTtl = 600;
    }
  });

  test("the Web Lock carries a renewal's mark to the next holder at once, though localStorage may still show the old entry", async () => {
    // What the two-tab test relies on, in isolation (src/web/glue.js lock/publish): tab A writes under the lock,
    // publishes the write's mark and releases; tab B, queued on the lock, must learn that mark with the lock,
    // whatever its own view of localStorage shows at that moment (Chromium updates it asynchronously).
    const context = await browser.newContext();
    const [a, b] = [await context.newPage(), await context.newPage()];
    const glue = readdirSync(join(repoRoot, PKG, "snippets")).map((d) => `/pkg/snippets/${d}/src/web/glue.js`)[0];
    for (const p of [a, b]) {
      await p.goto(`${app.url}/app.html`);
      await p.evaluate(async (g) => { window.glue = await import(g); }, glue);
    }
    let stale = 0;
    for (let i = 1; i <= 40; i++) {
      await a.evaluate(() => window.glue.lock("e2e-lock").then((release) => { window.release = release; }));
      const got = b.evaluate(() => window.glue.lock("e2e-lock").then((release) => {
        const seen = localStorage.getItem("e2e-entry");
        release();
        return { mark: release.mark, seen };
      }));
      await a.evaluate((n) => {
        localStorage.setItem("e2e-entry", String(n));
        window.glue.publish("e2e-lock", n);
        window.release();
      }, i);
      const { mark, seen } = await got;
      assert.equal(mark, i, "the mark of the last write, with the lock");
      if (seen !== String(i)) stale++;
    }
    console.log(`localStorage showed the previous entry to the next lock holder in ${stale} of 40 rounds`);
    await context.close();
  });

  test("reuse of a rotated refresh token (the provider revokes the family) → login_required, session cleared in all tabs", async () => {
    const extra = { useRefreshTokens: true, cacheLocation: "localStorage" };
    const a = await openTab(extra);
    await pwdLogin(a.page);
    const b = await openTab(extra, a.context);
    await listen(b.page);
    const storedRefreshToken = () => a.page.evaluate(() => {
      const key = Object.keys(localStorage).find((k) => k.startsWith("stepup.session "));
      return localStorage.getItem(key).split("\n")[3];
    });
    const first = await storedRefreshToken();
    assert.ok(first);
    // A refresh rotates the refresh token.
    assert.ok((await getToken(a.page, { audience: API2 })).token);
    const second = await storedRefreshToken();
    assert.ok(second && second !== first, "rotated");
    // Someone (a stolen copy) spends the old one: the provider sees the reuse and revokes the whole grant.
    const stolen = await fetch(`${idp.issuer}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: first, client_id: idp.clientId }),
    });
    assert.equal((await stolen.json()).error, "invalid_grant");
    // The next renewal finds the family revoked.
    const result = await getToken(a.page, { audience: API2, scope: "api:read" });
    assert.deepEqual([result.code, result.error], ["login_required", "invalid_grant"]);
    assert.equal(await a.page.evaluate(() => window.client.session), null);
    await b.page.waitForFunction(() => window.changes.some((c) => c.idToken === null), null, { timeout: 5000 });
    assert.equal(await b.page.evaluate(() => window.client.session), null, "tab B follows");
    assert.deepEqual((await everyValue(a.page)).filter(([k]) => k.startsWith("stepup.")), [], "nothing left in storage");
    // With no session, getAccessToken says so.
    assert.equal((await getToken(b.page)).code, "login_required");
    await a.context.close();
  });

  test("mfa_required at the token endpoint → step_up_required; then requireStepUp → the API call succeeds", async () => {
    const { context, page } = await openTab({ useRefreshTokens: true });
    const { session } = await pwdLogin(page);
    assert.equal(session.acr, ACR_PWD);
    const refused = await getToken(page, { audience: MFA_API_AUDIENCE });
    assert.deepEqual(refused, { code: "step_up_required", error: "mfa_required", acrValues: [ACR_MFA] });
    assert.equal((await page.evaluate(() => window.client.session)).idToken, session.idToken, "the session stays");
    const { session: stepped } = await mfaLogin(page);
    assert.equal(stepped.acr, ACR_MFA);
    const ok = await getToken(page, { audience: MFA_API_AUDIENCE });
    assert.ok(ok.token, JSON.stringify(ok));
    const status = await page.evaluate(async ([url, token]) => (await fetch(url, { headers: { Authorization: `Bearer ${token}` } })).status, [`${mfaApi.url}/api/balance`, ok.token]);
    assert.equal(status, 200);
    await context.close();
  });

  test("client.fetch steps up by itself when renewing its token meets mfa_required", async () => {
    idp.switches.accessTokenTtl = 3;
    try {
      const { context, page } = await openTab({ useRefreshTokens: true, audience: MFA_API_AUDIENCE, apiOrigins: [mfaApi.url] });
      await pwdLogin(page);
      await expired(page);
      const { result, pages } = await popupSignIn(page, idp, (url) => window.client.fetch(url).then((r) => r.status), `${mfaApi.url}/api/balance`);
      assert.deepEqual(pages, ["otp"], "only the second factor was asked");
      assert.deepEqual([result.ok, result.value], [true, 200], JSON.stringify(result));
      assert.equal((await page.evaluate(() => window.client.session)).acr, ACR_MFA);
      await context.close();
    } finally {
      idp.switches.accessTokenTtl = 600;
    }
  });

  test("a refreshed ID token for another sub → user_mismatch, and the session is dropped", async () => {
    const { context, page } = await openTab({ useRefreshTokens: true });
    await pwdLogin(page);
    idp.switches.refreshSub = "bob";
    try {
      const result = await getToken(page, { audience: API2 });
      assert.equal(result.code, "user_mismatch", JSON.stringify(result));
      assert.equal(await page.evaluate(() => window.client.session), null);
    } finally {
      idp.switches.refreshSub = false;
    }
    await context.close();
  });

  test("two audiences get two different access tokens, and a step-up replaces both", async () => {
    const { context, page } = await openTab({ useRefreshTokens: true });
    await pwdLogin(page);
    const t1 = (await getToken(page)).token;
    const t2 = (await getToken(page, { audience: API2 })).token;
    assert.ok(t1 && t2 && t1 !== t2);
    assert.deepEqual([claimsOf(t1).aud, claimsOf(t2).aud], [DEFAULT_API_AUDIENCE, API2]);
    assert.equal((await getToken(page, { audience: API2 })).token, t2, "cached per audience");
    await mfaLogin(page);
    const before = refreshGrants().length;
    const u1 = (await getToken(page)).token;
    const u2 = (await getToken(page, { audience: API2 })).token;
    assert.ok(u1 !== t1 && u2 !== t2, "neither pre-step-up token comes back");
    assert.deepEqual([claimsOf(u1).acr, claimsOf(u2).acr], [ACR_MFA, ACR_MFA]);
    assert.equal(refreshGrants().length, before + 1, "API2's token was renewed with the new refresh token");
    await context.close();
  });

  for (const cacheLocation of ["memory", "localStorage"]) {
    test(`${cacheLocation}: logout in one tab → the other tab's session is null and its listener ran, within 1 s${cacheLocation === "localStorage" ? "; a new session reaches it too" : ""}`, async () => {
      const extra = { useRefreshTokens: true, cacheLocation };
      const a = await openTab(extra);
      const b = await openTab(extra, a.context);
      await listen(b.page);
      const { session } = await pwdLogin(a.page);
      if (cacheLocation === "memory") {
        assert.equal(await b.page.evaluate(() => window.client.session), null, "memory: a login stays in its tab");
        await pwdLogin(b.page); // each tab signs in on its own
      } else {
        // localStorage: the new session reaches the other tab (storage event) and its listener.
        await b.page.waitForFunction((id) => window.changes.some((c) => c.idToken === id), session.idToken, { timeout: 5000 });
        assert.equal(await b.page.evaluate(() => window.client.session.idToken), session.idToken);
      }
      assert.ok(await b.page.evaluate(() => window.client.session));
      await listen(b.page);
      // A listener that unsubscribed is not called.
      await b.page.evaluate(() => {
        window.stale = 0;
        window.client.onSessionChange(() => window.stale++)();
      });
      const t0 = await a.page.evaluate(() => {
        const t = Date.now();
        window.client.logout();
        return t;
      });
      await b.page.waitForFunction(() => window.changes.length > 0, null, { timeout: 5000, polling: 20 });
      const { changes, now, stale } = await b.page.evaluate(() => ({ changes: window.changes, now: window.client.session, stale: window.stale }));
      assert.equal(now, null);
      assert.equal(changes[0].idToken, null);
      assert.ok(changes[0].at - t0 < 1000, `the listener ran ${changes[0].at - t0} ms after the logout`);
      assert.equal(stale, 0);
      await a.context.close();
    });
  }
});

/** The stored session entry of the page's client: [key, lines]. */
const storedEntry = (page) => page.evaluate(() => {
  const key = Object.keys(localStorage).find((k) => k.startsWith("stepup.session "));
  return [key, localStorage.getItem(key).split("\n")];
});
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("nothing read back is trusted as read", () => {
  // What a script that could write localStorage once would plant: the signed-in user's own entry with an ID token
  // claiming a fresh MFA login. Unsigned (alg none), and the provider's real header and signature over changed claims.
  const forgeries = {
    "alg none": (token, claims) => `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`,
    "changed claims under the real signature": (token, claims) => { const [h, , sig] = token.split("."); return `${h}.${b64(claims)}.${sig}`; },
  };
  for (const [name, forge] of Object.entries(forgeries)) {
    test(`a forged stored session (${name}, acr/amr/auth_time of an MFA login) is taken neither by another tab nor after a reload`, async () => {
      const extra = { useRefreshTokens: true, cacheLocation: "localStorage" };
      const a = await openTab(extra);
      const { session } = await pwdLogin(a.page);
      assert.equal(session.acr, ACR_PWD);
      const b = await openTab(extra, a.context);
      assert.equal(await b.page.evaluate(() => window.client.session?.idToken), session.idToken, "tab B restored the real session");
      await listen(b.page);

      const [key, lines] = await storedEntry(a.page);
      const claims = { ...claimsOf(session.idToken), acr: ACR_MFA, amr: ["pwd", "otp", "mfa"], auth_time: Math.floor(Date.now() / 1000) };
      lines[1] = forge(session.idToken, claims);
      await a.page.evaluate(([k, v]) => localStorage.setItem(k, v), [key, lines.join("\n")]);

      // Tab B hears the write at once (storage event): it must not take the forged context.
      await b.page.waitForFunction(() => window.changes.length > 0, null, { timeout: 5000, polling: 20 });
      const seen = await b.page.evaluate(() => ({ session: window.client.session, changes: window.changes }));
      assert.equal(seen.session, null, `tab B took: ${JSON.stringify(seen.session?.acr)}`);
      assert.deepEqual(seen.changes.map((c) => c.idToken), [null], "tab B's listeners hear that there is no session now");
      const decision = await b.page.evaluate(() => window.client.session ? "satisfied" : "no session: a step-up must log in");
      assert.equal(decision, "no session: a step-up must log in");

      // A reload: create() finds the entry and does not adopt it.
      await a.page.reload();
      await a.page.waitForFunction(() => window.ready === true);
      const back = await a.page.evaluate(async (c) => { await window.createClient(c); return window.client.session; }, config(extra));
      assert.equal(back, null, `after the reload: ${JSON.stringify(back?.acr)}`);
      // And a step-up really goes to the provider: the MFA policy opens a popup (the test then aborts it).
      const { i, popup } = await clickForPopup(a.page, (p) => {
        window.stepUpAbort = new AbortController();
        return window.client.requireStepUp(p, { signal: window.stepUpAbort.signal });
      }, { mfa: true });
      assert.ok(popup, "a popup opened");
      await a.page.evaluate(() => window.stepUpAbort.abort());
      const result = await outcome(a.page, i);
      assert.equal(result.code, "aborted", JSON.stringify(result));
      await a.context.close();
    });
  }

  test("a stored entry whose keys cannot be fetched is not adopted; it is taken on the next load once they can", async () => {
    const extra = { useRefreshTokens: true, cacheLocation: "sessionStorage" };
    const { context, page } = await openTab(extra);
    const { session } = await pwdLogin(page);
    await context.route("**/jwks*", (route) => route.abort());
    await page.reload();
    await page.waitForFunction(() => window.ready === true);
    const offline = await page.evaluate(async (c) => { await window.createClient(c); return window.client.session; }, config(extra));
    assert.equal(offline, null, "not verified, not trusted");
    await context.unroute("**/jwks*");
    await page.reload();
    await page.waitForFunction(() => window.ready === true);
    const online = await page.evaluate(async (c) => { await window.createClient(c); return window.client.session; }, config(extra));
    assert.equal(online?.idToken, session.idToken, "the entry stayed, and is verified now");
    await context.close();
  });

  test("another tab signs in as another user: this tab's session and listeners follow (never a silent swap)", async () => {
    const extra = { useRefreshTokens: true, cacheLocation: "localStorage" };
    const a = await openTab(extra);
    await pwdLogin(a.page);
    const b = await openTab(extra, a.context);
    await listen(b.page);
    const { result } = await popupSignIn(a.page, idp, () => window.client.loginWithPopup({ prompt: "login" }), undefined, { user: "bob" });
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.value.claims.sub, "bob");
    await b.page.waitForFunction((id) => window.changes.some((c) => c.idToken === id), result.value.idToken, { timeout: 5000, polling: 20 });
    assert.equal(await b.page.evaluate(() => window.client.session.claims.sub), "bob");
    await a.context.close();
  });

  test("the wait for another tab's renewal is bounded: a lock mark from the future is not waited for, one never reached ends the wait, an AbortSignal ends it at once", async () => {
    const { context, page } = await openTab({ useRefreshTokens: true, cacheLocation: "localStorage" });
    await pwdLogin(page);
    // The client's refresh lock, from the mark its login published (src/web/glue.js publish).
    const name = await page.evaluate(async () =>
      (await navigator.locks.query()).held.map((l) => l.name).find((n) => n.startsWith("stepup.refresh "))?.split("#")[0]);
    assert.ok(name, "the login published its mark");
    // Another script of the origin holds a lock named like a mark, until told to let go.
    const hold = (mark) => page.evaluate(([n, m]) => {
      navigator.locks.request(`${n}#${m}`, () => new Promise((release) => { window.letGo = release; }));
    }, [name, mark]);
    const raced = (options, abortAfterMs) => page.evaluate(([o, ms]) => {
      const controller = new AbortController();
      if (ms != null) setTimeout(() => controller.abort(), ms);
      const token = window.client.getAccessToken({ ...o, signal: controller.signal }).then((t) => ({ token: t }), (e) => ({ code: e.code }));
      // A bound on the test, not a measurement: without the fix the wait never ends.
      return Promise.race([token, new Promise((r) => setTimeout(() => r({ code: "still waiting after 20 s" }), 20000))]);
    }, [options, abortAfterMs]);

    await hold(9999999999999);
    const far = await raced({ audience: API2 });
    assert.ok(far.token, JSON.stringify(far));
    await page.evaluate(() => window.letGo());

    await hold(await page.evaluate(() => Date.now() + 4000));
    const near = await raced({ audience: API2, scope: "openid" });
    assert.ok(near.token, JSON.stringify(near));
    const aborted = await raced({ audience: API2, scope: "profile" }, 300);
    assert.equal(aborted.code, "aborted", JSON.stringify(aborted));
    await page.evaluate(() => window.letGo());
    await context.close();
  });
});
