// The flows where browser engines differ (popups and COOP, BroadcastChannel, Web Locks, storage events, IndexedDB with
// non-extractable keys, WebAuthn), with the same assertions in Chromium, Firefox ESR and WebKitGTK: the npm package
// (pkg/) on the test app (tests/e2e/pages) against the dev identity provider (npm oidc-provider) and the RFC 9470 demo
// API. Each engine through tests/engines/driver.mjs; the popup blocker is on in each, and every call that may open a
// popup runs inside a real click.
//
// One file per engine (chromium.test.mjs, firefox.test.mjs, webkit.test.mjs) calls engineSuite(name): each runs in
// its own process with its own servers, so `node --test tests/engines/` runs the engines side by side.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serveStatic } from "../e2e/harness.mjs";
import { ACR_MFA, ACR_PWD, DEFAULT_API_AUDIENCE, startIdp } from "../../www/idp/provider.mjs";
import { startApi } from "../../www/api/server.mjs";
import { click, clickForPopup, launchEngine, outcome, popupSignIn, runIn, signIn, waitForUrl } from "./driver.mjs";

const PKG = process.env.STEPUP_PKG_DIR || "pkg";
/** A second API of the provider (refresh grants for another audience). */
const API2 = "http://localhost/api2";
/** A person's fastest reaction to a page that appears, in ms (see tests/e2e/flows.test.mjs). */
const REACTION_MS = 250;
/** How long a person looks at the provider's page before closing it, here. On a first popup stepup widens the window
 * in which a close counts as COOP's cut by twice the page's lateness at the commit (src/web/popup.rs); with three
 * engines starting side by side on two cores that lateness reached a few hundred ms, which put a close 250 ms after
 * the page showed inside the window. A person takes longer than either. */
const LOOK_MS = 1000;

let app, idp, api, dataDir, meta;

/** The suite in the engine `name` ("chromium", "firefox" or "webkit"), with its own page server, provider and API. */
export function engineSuite(name) {

  before(async () => {
    app = await serveStatic({ mounts: { "/": "tests/e2e/pages", "/pkg/": PKG } });
    dataDir = mkdtempSync(join(tmpdir(), "stepup-engines-"));
    idp = await startIdp({ appOrigins: [app.url], testMode: true, dataDir, audience: [DEFAULT_API_AUDIENCE, API2] });
    api = await startApi({ issuer: idp.issuer, audience: DEFAULT_API_AUDIENCE });
    meta = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json();
  });

  after(async () => {
    await api?.close();
    await idp?.close();
    await app?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  function resetSwitches() {
    Object.assign(idp.switches, { ignoreAcrValues: false, coopHeaders: false, wrongIss: false, tamperState: false,
      requireDpopNonce: false, refreshSub: false, accessTokenTtl: 600 });
    api.switches.requireDpopNonce = false;
  }

  function config(extra = {}) {
    return {
      issuer: idp.issuer,
      clientId: idp.clientId,
      redirectUri: `${app.url}/callback.html`,
      popupRedirectUri: `${app.url}/popup-callback.html`,
      scope: "openid profile",
      apiOrigins: [api.url],
      ...extra,
    };
  }

  const grantsSince = (mark) => idp.grants().slice(mark).map((g) => [g.grantType, g.error]);

  describe(`engine: ${name}`, () => {
    let engine;

    before(async () => {
      engine = await launchEngine(name);
    });

    after(async () => {
      await engine?.close();
    });

    /** A tab on the test app with a client of `extra` config, in `context` (a new one by default). */
    async function openApp(extra, context) {
      context ??= await engine.newContext();
      const page = await context.newPage();
      await page.goto(`${app.url}/app.html`);
      await page.waitFor(() => window.ready === true);
      await page.evaluate((c) => window.createClient(c), config(extra));
      return { context, page };
    }

    const popupFlow = (context, page, action, arg, opts) => popupSignIn(context, page, idp, action, arg, opts);
    const session = (page) => page.evaluate(() => window.client.session);

    test("the engine (version in the test log)", async (t) => {
      const { context, page } = await openApp();
      t.diagnostic(engine.version);
      // What these flows rely on is there.
      assert.deepEqual(await page.evaluate(() => ({
        secure: isSecureContext, broadcastChannel: typeof BroadcastChannel, locks: typeof navigator.locks?.request,
        indexedDB: typeof indexedDB, subtle: typeof crypto.subtle?.sign,
      })), { secure: true, broadcastChannel: "function", locks: "function", indexedDB: "object", subtle: "function" });
      await context.close();
    });

    test("popup step-up with a TOTP code: acr is the MFA URI, amr has otp, the client holds the session", async () => {
      resetSwitches();
      const { context, page } = await openApp();
      const { result, pages } = await popupFlow(context, page, (p) => window.client.requireStepUp(p), { mfa: true });
      assert.equal(result.ok, true, JSON.stringify(result));
      const s = result.value;
      assert.deepEqual(pages, ["password", "otp"]);
      assert.equal(s.acr, ACR_MFA);
      assert.ok(s.amr.includes("otp"), `amr ${s.amr}`);
      assert.equal(s.claims.sub, "alice");
      assert.equal((await session(page)).idToken, s.idToken);
      // A satisfied policy opens no popup and returns the same session.
      const i = await click(page, (p) => window.client.requireStepUp(p), { mfa: true });
      const again = await outcome(page, i, 5000);
      assert.equal(again.ok, true, JSON.stringify(again));
      assert.equal(again.value.idToken, s.idToken);
      await context.close();
    });

    test("redirect step-up completes and returns appState; the callback URL is cleaned; the transaction is read once", async () => {
      resetSwitches();
      const { context, page } = await openApp();
      const appState = { returnTo: "/transfer", amount: 25, nested: [1, "two"] };
      await click(page, ([s]) => window.client.requireStepUp({ mfa: true }, { mode: "redirect", appState: s }), [appState]);
      // At the provider first: until the tab has left, it is still on the app, where signIn would stop.
      await waitForUrl(page, idp.issuer);
      const pages = await signIn(page, idp, { stopAt: app.url });
      assert.deepEqual(pages, ["password", "otp"]);
      await page.waitFor(() => window.done === true);
      const { result, urlAfter } = await page.evaluate(() => ({ result: window.result, urlAfter: window.urlAfter }));
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.deepEqual(result.value.appState, appState);
      assert.equal(result.value.session.acr, ACR_MFA);
      assert.ok(result.value.session.amr.includes("otp"));
      assert.equal(urlAfter, `${app.url}/callback.html`, "code, state and iss removed from the address bar");
      const replay = await page.evaluate(async (u) => {
        try { await window.client.handleRedirectCallback(u); return "accepted"; } catch (e) { return e.code; }
      }, `${app.url}/callback.html?code=x&state=y`);
      assert.equal(replay, "missing_transaction");
      await context.close();
    });

    /**
     * Open a popup with requireStepUp, close it `reactMs` after the provider's password page shows, and return the
     * outcome with the time from the close to the rejection (page clock).
     */
    async function closePopup(context, page, reactMs) {
      const { i, popup } = await clickForPopup(context, page, (p) => window.client.requireStepUp(p), { mfa: true, maxAge: 0 });
      await popup.waitFor(() => document.querySelector("#password") !== null);
      if (reactMs) await new Promise((r) => setTimeout(r, reactMs));
      await page.evaluate(() => { window.closedAt = performance.now(); });
      await popup.close();
      const result = await outcome(page, i, 8000).catch(async (e) => {
        throw new Error(`${e.message}; the popup reads closed to the driver: ${await popup.isClosed()}`);
      });
      return { result, latency: result.at - (await page.evaluate(() => window.closedAt)) };
    }

    test("closing the popup → popup_closed within 1 s: the first popup of a page and a later one; a new login works after", async (t) => {
      resetSwitches();
      for (const which of ["first", "later"]) {
        const { context, page } = await openApp();
        if (which === "later") {
          const login = await popupFlow(context, page, () => window.client.loginWithPopup());
          assert.equal(login.result.ok, true, JSON.stringify(login.result));
        }
        // On a first popup stepup tells a close from COOP's cut by timing (src/web/popup.rs): closed once a person has
        // looked at the page. A later popup's provider is known to be without COOP: closed as soon as the page shows.
        const { result, latency } = await closePopup(context, page, which === "first" ? LOOK_MS : 0);
        t.diagnostic(`popup_closed latency (${which} popup): ${latency.toFixed(0)} ms`);
        assert.equal(result.code, "popup_closed", `${which} popup: ${JSON.stringify(result)}`);
        assert.ok(latency <= 1000, `popup_closed after ${latency} ms`);
        // prompt=login: the provider's session from the earlier login would otherwise answer at once, and a popup that
        // opens and closes between two polls of WebKit's window handles is never seen by the driver.
        const again = await popupFlow(context, page, () => window.client.loginWithPopup({ prompt: "login" }));
        assert.equal(again.result.ok, true, JSON.stringify(again.result));
        assert.deepEqual(again.pages, ["password"]);
        await context.close();
      }
    });

    test("Cross-Origin-Opener-Policy on the provider's pages: the popup flow completes; a popup closed there ends at popupTimeoutSeconds", async () => {
      resetSwitches();
      idp.switches.coopHeaders = true;
      try {
        const { context, page } = await openApp();
        const { i, popup } = await clickForPopup(context, page, (p) => window.client.requireStepUp(p), { mfa: true });
        await popup.waitFor(() => document.querySelector("#password") !== null);
        // COOP severed the popup from its opener: only the BroadcastChannel can carry the answer.
        assert.equal(await popup.evaluate(() => window.opener === null), true);
        await signIn(popup, idp);
        const result = await outcome(page, i);
        assert.equal(result.ok, true, JSON.stringify(result));
        assert.equal(result.value.acr, ACR_MFA);
        await context.close();

        // The documented limit: a COOP popup cannot be seen closing.
        const other = await openApp({ popupTimeoutSeconds: 3 });
        const { result: closed } = await closePopup(other.context, other.page, REACTION_MS);
        assert.equal(closed.code, "popup_timeout", JSON.stringify(closed));
        await other.context.close();
      } finally {
        resetSwitches();
      }
    });

    // WebKit keeps a click's permission to open a popup across timers but not across `fetch` (measured in WebKitGTK
    // 2.50: window.open after `await fetch()` in a click is blocked), so client.fetch cannot open the step-up popup
    // there: it answers step_up_required with the challenge, and the app steps up from a click (README, "Browser support").
    const fetchOpensPopup = name !== "webkit";
    test(`the API's RFC 9470 challenge: ${fetchOpensPopup ? "client.fetch steps up in a popup and the retried call succeeds with its body" : "client.fetch answers step_up_required with the challenge (no popup after fetch in WebKit); requireStepUp from a click, then the call succeeds"}`, async () => {
      resetSwitches();
      const { context, page } = await openApp();
      const login = await popupFlow(context, page, () => window.client.loginWithPopup());
      assert.equal(login.result.ok, true, JSON.stringify(login.result));
      const posts = () => api.requestLog.filter((r) => r.path === "/api/transfer" && r.method === "POST").length;
      const before = posts();
      const transfer = async (u) => {
        const r = await window.client.fetch(`${u}/api/transfer`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ amount: 5 }) });
        return { status: r.status, body: await r.json() };
      };
      let result, pages;
      if (fetchOpensPopup) {
        ({ result, pages } = await popupFlow(context, page, transfer, api.url));
      } else {
        const refused = await outcome(page, await click(page, transfer, api.url));
        assert.equal(refused.code, "step_up_required", JSON.stringify(refused));
        assert.deepEqual([refused.acrValues, refused.maxAge], [[ACR_MFA], 300]);
        assert.equal(posts() - before, 1, "one call, no retry without the step-up");
        const stepped = await popupFlow(context, page, ([acr, maxAge]) => window.client.requireStepUp({ acr, maxAge }), [refused.acrValues, refused.maxAge]);
        assert.equal(stepped.result.ok, true, JSON.stringify(stepped.result));
        pages = stepped.pages;
        result = await outcome(page, await click(page, transfer, api.url));
      }
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.equal(result.value.status, 200, JSON.stringify(result.value));
      assert.deepEqual([result.value.body.ok, result.value.body.amount, result.value.body.acr], [true, 5, ACR_MFA]);
      assert.deepEqual(pages, ["otp"], "the provider's session stood; only the second factor was asked");
      assert.equal(posts() - before, 2, "the first call and one retry");
      await context.close();
    });

    test("reload with localStorage: the session is back after create(), and its refresh token gets a token for another API", async () => {
      resetSwitches();
      const extra = { cacheLocation: "localStorage", useRefreshTokens: true };
      const { context, page } = await openApp(extra);
      const { result } = await popupFlow(context, page, () => window.client.loginWithPopup());
      assert.equal(result.ok, true, JSON.stringify(result));
      const s = result.value;
      await page.reload();
      await page.waitFor(() => window.ready === true);
      const back = await page.evaluate(async (c) => {
        await window.createClient(c);
        return window.client.session;
      }, config(extra));
      assert.ok(back, "a session after the reload");
      assert.deepEqual([back.idToken, back.acr, back.amr, back.authTime], [s.idToken, ACR_PWD, s.amr, s.authTime]);
      const mark = idp.grants().length;
      const token = await page.evaluate((a) => window.client.getAccessToken({ audience: a }), API2);
      assert.equal(JSON.parse(Buffer.from(token.split(".")[1], "base64url")).aud, API2);
      assert.deepEqual(grantsSince(mark), [["refresh_token", undefined]]);
      await context.close();
    });

    test("two tabs renew at the same moment under the Web Lock: one refresh grant, both get the new token", async () => {
      resetSwitches();
      idp.switches.accessTokenTtl = 3;
      try {
        const extra = { useRefreshTokens: true, cacheLocation: "localStorage" };
        const a = await openApp(extra);
        const { result } = await popupFlow(a.context, a.page, () => window.client.loginWithPopup());
        assert.equal(result.ok, true, JSON.stringify(result));
        const b = await openApp(extra, a.context);
        assert.equal(await b.page.evaluate(() => window.client.session?.idToken), result.value.idToken, "tab B restored the session");
        await a.page.waitFor(() => window.client.session.expiresAt * 1000 <= Date.now(), null, 15000);
        // Each round: both tabs ask at once (started, then awaited), for a token neither has.
        for (const options of [{}, { audience: API2 }, { scope: "openid" }]) {
          const mark = idp.grants().length;
          const [ia, ib] = [await runIn(a.page, (o) => window.client.getAccessToken(o), options), await runIn(b.page, (o) => window.client.getAccessToken(o), options)];
          const [ta, tb] = [await outcome(a.page, ia), await outcome(b.page, ib)];
          assert.ok(ta.ok && tb.ok, JSON.stringify([options, ta, tb]));
          assert.equal(ta.value, tb.value, `both tabs have the one new token (${JSON.stringify(options)})`);
          assert.deepEqual(grantsSince(mark), [["refresh_token", undefined]], `exactly one refresh grant, no error (${JSON.stringify(options)})`);
        }
        await a.context.close();
      } finally {
        resetSwitches();
      }
    });

    test("logout in one tab → the other tab's session is null and its listener ran within 1 s; a new login reaches it too", async () => {
      resetSwitches();
      // Without an end_session_endpoint logout stays on the page.
      const { end_session_endpoint: _, ...metadata } = meta;
      const extra = { useRefreshTokens: true, cacheLocation: "localStorage", metadata };
      const a = await openApp(extra);
      const b = await openApp(extra, a.context);
      const listen = () => b.page.evaluate(() => {
        window.changes = [];
        window.client.onSessionChange((s) => window.changes.push({ idToken: s ? s.idToken : null, at: Date.now() }));
      });
      await listen();
      const { result } = await popupFlow(a.context, a.page, () => window.client.loginWithPopup());
      assert.equal(result.ok, true, JSON.stringify(result));
      await b.page.waitFor((id) => window.changes.some((c) => c.idToken === id), result.value.idToken, 5000);
      assert.equal((await session(b.page)).idToken, result.value.idToken);
      await listen();
      const t0 = await a.page.evaluate(() => {
        const t = Date.now();
        window.client.logout();
        return t;
      });
      await b.page.waitFor(() => window.changes.length > 0, null, 5000);
      const { changes, now } = await b.page.evaluate(() => ({ changes: window.changes, now: window.client.session }));
      assert.equal(now, null);
      assert.equal(changes[0].idToken, null);
      assert.ok(changes[0].at - t0 < 1000, `the listener ran ${changes[0].at - t0} ms after the logout`);
      await a.context.close();
    });

    test("DPoP: the key pair survives a reload (IndexedDB), its private key cannot be exported, the API accepts the proofs, a refresh grant proves the same key", async () => {
      resetSwitches();
      const extra = { useDpop: true, cacheLocation: "localStorage", useRefreshTokens: true };
      const { context, page } = await openApp(extra);
      const thumbprint = await page.evaluate(() => window.client.dpopThumbprint);
      assert.match(thumbprint, /^[A-Za-z0-9_-]{43}$/);
      const { result } = await popupFlow(context, page, () => window.client.loginWithPopup());
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.equal(result.value.tokenType, "DPoP");
      const at = JSON.parse(Buffer.from(result.value.accessToken.split(".")[1], "base64url"));
      assert.equal(at.cnf?.jkt, thumbprint, "the access token is bound to the key");
      const balance = () => page.evaluate(async (u) => (await window.client.fetch(`${u}/api/balance`)).status, api.url);
      assert.equal(await balance(), 200, "the API verified the proof");

      await page.reload();
      await page.waitFor(() => window.ready === true);
      const back = await page.evaluate(async (c) => {
        await window.createClient(c);
        const stored = await new Promise((ok, ko) => {
          const open = indexedDB.open("stepup-dpop");
          open.onerror = () => ko(open.error);
          open.onsuccess = () => {
            const req = open.result.transaction("keys").objectStore("keys").getAll();
            req.onsuccess = () => { open.result.close(); ok(req.result); };
          };
        });
        return {
          thumbprint: window.client.dpopThumbprint,
          accessToken: window.client.session?.accessToken,
          stored: stored.length,
          extractable: stored[0].privateKey.extractable,
          exported: await crypto.subtle.exportKey("jwk", stored[0].privateKey).then(() => "exported", (e) => e.name),
        };
      }, config(extra));
      assert.deepEqual(back, { thumbprint, accessToken: result.value.accessToken, stored: 1, extractable: false, exported: "InvalidAccessError" });
      assert.equal(await balance(), 200, "the restored key's proofs are accepted");

      // A refresh grant with a proof of the same key, and the renewed token bound to it.
      const mark = idp.grants().length;
      const renewed = await page.evaluate((a) => window.client.getAccessToken({ audience: a }), API2);
      assert.deepEqual(grantsSince(mark), [["refresh_token", undefined]]);
      assert.equal(JSON.parse(Buffer.from(renewed.split(".")[1], "base64url")).cnf?.jkt, thumbprint);
      await context.close();
    });

    test(`WebAuthn: ${name === "webkit" ? "WebKitGTK has none: webauthnSupport all false, registerPasskey → webauthn_not_supported" : "webauthnSupport reports it (the ceremonies are tested in Chromium, tests/e2e/passkeys.test.mjs)"}`, async () => {
      const { context, page } = await openApp();
      const support = await page.evaluate(() => window.stepup.webauthnSupport());
      const register = await page.evaluate(() => window.stepup.registerPasskey({ challenge: "A=" }).then(() => "ok", (e) => e.code));
      if (name === "webkit") {
        assert.deepEqual(support, { webauthn: false, platformAuthenticator: false, conditionalMediation: false });
        const options = { rp: { name: "x" }, user: { id: "AQ", name: "a", displayName: "a" }, challenge: "AAAAAAAAAAAAAAAAAAAAAA", pubKeyCredParams: [{ type: "public-key", alg: -7 }] };
        const code = await page.evaluate((o) => window.stepup.registerPasskey(o).then(() => "ok", (e) => e.code), options);
        assert.equal(code, "webauthn_not_supported");
      } else {
        assert.equal(support.webauthn, true);
      }
      // Malformed options are refused by Rust's checks first, in every engine.
      assert.equal(register, "webauthn_invalid_options");
      await context.close();
    });
  });
}
