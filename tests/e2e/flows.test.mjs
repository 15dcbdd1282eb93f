// Step-up flows end to end: the npm package (pkg/) in headless Chromium against the dev identity
// provider (npm oidc-provider) and the RFC 9470 demo API. Run: node --test tests/e2e/flows.test.mjs
//
// Every action that may open a popup runs inside a real click (#go on the test app), and Chromium's
// popup blocker is ON (playwright turns it off by default), so "opened inside the click" is tested.
// STEPUP_PKG_DIR points the app at another build of the package (default: pkg/).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { click, clickForPopup, launchBrowser, outcome, pageSeconds, popupSignIn, serveStatic, signInAtIdp, waitForAge } from "./harness.mjs";
import { ACR_MFA, ACR_PWD, DEFAULT_REDIRECT_PATHS, startIdp } from "../../www/idp/provider.mjs";
import { startApi } from "../../www/api/server.mjs";

const PKG = process.env.STEPUP_PKG_DIR || "pkg";

let app, idp, api, browser, dataDir;

before(async () => {
  app = await serveStatic({ mounts: { "/": "tests/e2e/pages", "/pkg/": PKG } });
  dataDir = mkdtempSync(join(tmpdir(), "stepup-flows-"));
  // popup-callback-wasm.html: the callback page as the main entry writes it (init, then handlePopupCallback).
  idp = await startIdp({ appOrigins: [app.url], testMode: true, dataDir, redirectPaths: [...DEFAULT_REDIRECT_PATHS, "/popup-callback-wasm.html"] });
  api = await startApi({ issuer: idp.issuer, audience: idp.audience });
  browser = await launchBrowser({ launch: { ignoreDefaultArgs: ["--disable-popup-blocking"] } });
});

after(async () => {
  await browser?.close();
  await api?.close();
  await idp?.close();
  await app?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function resetSwitches() {
  Object.assign(idp.switches, { ignoreAcrValues: false, coopHeaders: false, wrongIss: false, tamperState: false });
}

function config(extra = {}) {
  return {
    issuer: idp.issuer,
    clientId: idp.clientId,
    redirectUri: `${app.url}/callback.html`,
    popupRedirectUri: `${app.url}/popup-callback.html`,
    scope: "openid profile",
    ...extra,
  };
}

/** A fresh browser context (own cookies at the IdP, own sessionStorage) on the test app. */
async function openApp(extra) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const popups = [];
  context.on("page", (p) => popups.push(p));
  await page.goto(`${app.url}/app.html`);
  await page.waitForFunction(() => window.ready === true);
  await page.evaluate((c) => window.createClient(c), config(extra));
  return { context, page, popups, errors };
}

/** Answer the IdP's pages in `p` (popup or tab) until it closes or leaves the IdP. Returns the pages seen. */
const signIn = (p, opts) => signInAtIdp(p, idp, opts);

const popupFlow = (page, action, arg) => popupSignIn(page, idp, action, arg);

const tokenCalls = () => idp.requestsTo("/token").length;

describe("step-up flows in Chromium", () => {
  test("create: discovery issuer must match exactly; wrong option types are invalid_config", async () => {
    const { context, page } = await openApp();
    const codes = await page.evaluate(async (c) => {
      const code = (p) => p.then(() => "created", (e) => `${e.name}:${e.code}:${e.claim ?? ""}`);
      return {
        slash: await code(window.StepUpClient.create({ ...c, issuer: `${c.issuer}/` })),
        leeway: await code(window.StepUpClient.create({ ...c, leeway: "60" })),
        clientId: await code(window.StepUpClient.create({ ...c, clientId: 7 })),
        apiPath: await code(window.StepUpClient.create({ ...c, apiOrigins: ["https://api.example.com/v1"] })),
        apiOrigin: await code(window.StepUpClient.create({ ...c, apiOrigins: ["https://api.example.com/", "http://localhost:1"] })),
        popupOpts: await window.client.loginWithPopup({ maxAge: -1 }).then(() => "opened", (e) => `${e.code}:${e.claim}`),
        policy: await window.client.requireStepUp({ mfa: "yes" }).then(() => "ran", (e) => `${e.code}:${e.claim}`),
        mode: await window.client.requireStepUp({ mfa: true }, { mode: "tab" }).then(() => "ran", (e) => `${e.code}:${e.claim}`),
        // appState must be JSON, as every options object: refused before the tab leaves, not silently trimmed.
        appStateFunction: await window.client.loginWithRedirect({ appState: { back: "/", onDone() {} } }).then(() => "left", (e) => `${e.code}:${e.claim}`),
        appStateBigint: await window.client.requireStepUp({ mfa: true }, { mode: "redirect", appState: 1n }).then(() => "left", (e) => `${e.code}:${e.claim}`),
      };
    }, config());
    assert.deepEqual(codes, {
      slash: "StepUpError:issuer_mismatch:",
      leeway: "StepUpError:invalid_config:leeway",
      clientId: "StepUpError:invalid_config:clientId",
      apiPath: "StepUpError:invalid_config:apiOrigins",
      apiOrigin: "created",
      popupOpts: "invalid_config:maxAge",
      policy: "invalid_config:mfa",
      mode: "invalid_config:mode",
      appStateFunction: "invalid_config:appState",
      appStateBigint: "invalid_config:appState",
    });
    await context.close();
  });

  test("popup step-up with a TOTP code: acr is the MFA URI and amr has otp", async () => {
    resetSwitches();
    const { context, page, errors } = await openApp();
    const { result, pages } = await popupFlow(page, (policy) => window.client.requireStepUp(policy), { mfa: true });
    assert.equal(result.ok, true, JSON.stringify(result));
    const s = result.value;
    assert.equal(s.acr, ACR_MFA);
    assert.ok(s.amr.includes("otp"), `amr ${s.amr}`);
    assert.deepEqual(pages, ["password", "otp"]);
    assert.equal(s.claims.acr, ACR_MFA);
    assert.equal(s.claims.sub, "alice");
    assert.equal(typeof s.authTime, "number");
    assert.ok(s.accessToken && s.idToken);
    const session = await page.evaluate(() => window.client.session);
    assert.equal(session.idToken, s.idToken);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("each request: S256 PKCE, fresh 256-bit state and nonce; relay only to our origin; nothing left in storage", async () => {
    resetSwitches();
    const context = await browser.newContext();
    // Record the targetOrigin of every postMessage a popup sends to its opener. Window is a [Global] interface, so
    // postMessage is an own property of each window: the popup's `opener.postMessage` looks it up on the opener.
    // The wrapper is made in the popup's own realm, so the message still comes from the popup (`event.source` is
    // the window whose script called postMessage), which the opener checks.
    await context.addInitScript(() => {
      window.__pmTargets = [];
      const host = window.opener;
      if (!host) return;
      try {
        host.__postMessage ??= host.postMessage;
        host.postMessage = function (message, target, ...rest) {
          host.__pmTargets.push(typeof target === "string" ? target : target?.targetOrigin ?? "(none)");
          return host.__postMessage.call(host, message, target, ...rest);
        };
      } catch {} // the provider's pages: the opener is another origin's
    });
    const authorizeUrls = [];
    context.on("request", (r) => { if (r.url().startsWith(idp.issuer) && r.url().includes("code_challenge=")) authorizeUrls.push(new URL(r.url())); });
    const page = await context.newPage();
    await page.goto(`${app.url}/app.html`);
    await page.waitForFunction(() => window.ready === true);
    await page.evaluate((c) => window.createClient(c), config());
    const first = await popupFlow(page, () => window.client.loginWithPopup());
    assert.equal(first.result.ok, true, JSON.stringify(first.result));
    const second = await popupFlow(page, (policy) => window.client.requireStepUp(policy), { mfa: true });
    assert.equal(second.result.ok, true, JSON.stringify(second.result));

    assert.equal(authorizeUrls.length, 2);
    const params = authorizeUrls.map((u) => u.searchParams);
    for (const p of params) {
      assert.equal(p.get("code_challenge_method"), "S256");
      assert.match(p.get("code_challenge"), /^[A-Za-z0-9_-]{43}$/);
      // 32 random bytes, base64url: 256 bits, well above the 128 the BCP asks for.
      assert.match(p.get("state"), /^[A-Za-z0-9_-]{43}$/);
      assert.match(p.get("nonce"), /^[A-Za-z0-9_-]{43}$/);
      assert.notEqual(p.get("state"), p.get("nonce"));
    }
    for (const name of ["state", "nonce", "code_challenge"]) {
      assert.notEqual(params[0].get(name), params[1].get(name), `${name} is fresh per request`);
    }

    const left = await page.evaluate(() => ({
      pm: window.__pmTargets,
      local: Object.keys(localStorage),
      session: Object.keys(sessionStorage).map((k) => [k, sessionStorage.getItem(k)]),
    }));
    assert.deepEqual(left.pm, [new URL(app.url).origin, new URL(app.url).origin], "one relay per flow, to our origin, never *");
    assert.deepEqual(left.local, [], "nothing in localStorage");
    for (const [k, v] of left.session) {
      for (const secret of [second.result.value.idToken, second.result.value.accessToken]) {
        assert.ok(!v.includes(secret), `sessionStorage ${k} holds no token`);
      }
    }
    await context.close();
  });

  test("the callback page: stepup/callback relays without loading the wasm, and the main entry's handlePopupCallback relays the same way", async () => {
    resetSwitches();
    for (const [page_, wasm] of [["popup-callback.html", false], ["popup-callback-wasm.html", true]]) {
      const { context, page } = await openApp({ popupRedirectUri: `${app.url}/${page_}` });
      const loaded = [];
      context.on("request", (r) => loaded.push([r.frame().page() === page ? "app" : "popup", new URL(r.url()).pathname]));
      const { result } = await popupFlow(page, (policy) => window.client.requireStepUp(policy), { mfa: true });
      assert.equal(result.ok, true, `${page_}: ${JSON.stringify(result)}`);
      const popupWasm = loaded.filter(([who, path]) => who === "popup" && path.endsWith(".wasm"));
      assert.equal(popupWasm.length, wasm ? 1 : 0, `${page_}: ${JSON.stringify(loaded)}`);
      await context.close();
    }
    // The relay itself, on a page of ours in a tab (no opener): exactly one non-empty state, or nothing is relayed.
    const context = await browser.newContext();
    const listener = await context.newPage();
    await listener.goto(`${app.url}/app.html`);
    await listener.evaluate(() => {
      window.heard = [];
      for (const s of ["s1", "a", "b", ""]) new BroadcastChannel(`stepup:${s}`).onmessage = (e) => window.heard.push(e.data);
    });
    const tab = await context.newPage();
    for (const query of ["?code=c&state=a&state=b", "?code=c&state=", "?code=c", "?code=c&state=s1&iss=x#state=other"]) {
      await tab.goto(`${app.url}/popup-callback.html${query}`);
      await tab.waitForFunction(() => window.relayed !== undefined);
      const relayed = await tab.evaluate(() => window.relayed);
      const left = await tab.evaluate(() => location.search + location.hash);
      if (query.includes("s1")) {
        assert.equal(relayed, true, query);
        assert.equal(left, "", "the answer is removed from the address bar");
      } else {
        assert.equal(relayed, false, query);
        assert.equal(left, query, "nothing relayed, nothing changed");
      }
    }
    await listener.waitForFunction(() => window.heard.length > 0);
    // A page the flow did not open holds no channel secret: the opener would ignore this message (src/web/popup.rs).
    assert.deepEqual(await listener.evaluate(() => window.heard), [{ type: "stepup:callback", url: `${app.url}/popup-callback.html?code=c&state=s1&iss=x#state=other`, secret: null }]);
    await context.close();
  });

  test("redirect step-up completes and returns appState; the callback URL is cleaned", async () => {
    resetSwitches();
    const { context, page } = await openApp();
    const appState = { returnTo: "/transfer", amount: 25, nested: [1, "two"] };
    const nav = page.waitForURL((u) => u.href.startsWith(idp.issuer), { timeout: 10000 });
    await click(page, ([s]) => window.client.requireStepUp({ mfa: true }, { mode: "redirect", appState: s }), [appState]);
    await nav;
    const pages = await signIn(page, { stopAt: app.url });
    assert.deepEqual(pages, ["password", "otp"]);
    await page.waitForFunction(() => window.done === true, null, { timeout: 15000 });
    const { result, urlAfter } = await page.evaluate(() => ({ result: window.result, urlAfter: window.urlAfter }));
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.deepEqual(result.value.appState, appState);
    assert.equal(result.value.session.acr, ACR_MFA);
    assert.ok(result.value.session.amr.includes("otp"));
    assert.equal(urlAfter, `${app.url}/callback.html`, "code, state and iss removed from the address bar");
    // The transaction was read once: replaying the same callback URL finds nothing.
    const replay = await page.evaluate(async (u) => {
      try { await window.client.handleRedirectCallback(u); return "accepted"; } catch (e) { return e.code; }
    }, `${app.url}/callback.html?code=x&state=y`);
    assert.equal(replay, "missing_transaction");
    await context.close();
  });

  test("a satisfied policy opens no popup; an elapsed maxAge opens one, whatever the leeway", async () => {
    resetSwitches();
    // The default 60 s leeway: it is for exp/iat/nbf, and must not stretch a 1 s maxAge to 61 s.
    const { context, page, popups } = await openApp();
    const first = await popupFlow(page, (p) => window.client.requireStepUp(p), { mfa: true });
    assert.equal(first.result.ok, true, JSON.stringify(first.result));
    const before = popups.length;

    const i = await click(page, (p) => window.client.requireStepUp(p), { mfa: true, maxAge: 300 });
    const again = await outcome(page, i, 5000);
    assert.equal(again.ok, true);
    assert.equal(again.value.idToken, first.result.value.idToken, "the same session, no new login");
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(popups.length, before, "no popup was opened");

    // auth_time is now older than 1 s in the provider's clock: a popup must open, and the new login is fresh.
    await new Promise((r) => setTimeout(r, 2100));
    const fresh = await popupFlow(page, (p) => window.client.requireStepUp(p), { mfa: true, maxAge: 1 });
    assert.equal(popups.length, before + 1, "exactly one popup");
    assert.equal(fresh.result.ok, true, JSON.stringify(fresh.result));
    assert.ok(fresh.result.value.authTime > first.result.value.authTime, "re-authenticated");
    assert.notEqual(fresh.result.value.idToken, first.result.value.idToken);
    await context.close();
  });

  test("a step-up answered as another user → user_mismatch, and the session stays the signed-in user's", async () => {
    resetSwitches();
    const { context, page } = await openApp();
    const login = await popupFlow(page, () => window.client.loginWithPopup());
    assert.equal(login.result.ok, true, JSON.stringify(login.result));
    const alice = login.result.value;
    const seenAt = await pageSeconds(page);
    const tokensBefore = tokenCalls();
    // maxAge 0 makes the provider ask for the password again; the person signs in as bob instead. Ages are
    // whole seconds: once the clock has left the login's second, alice's session no longer satisfies it.
    await waitForAge(page, alice, 2, seenAt);
    const { i, popup } = await clickForPopup(page, (p) => window.client.requireStepUp(p), { maxAge: 0 });
    await popup.waitForSelector("#password");
    const hint = alice.claims.email ?? alice.claims.preferred_username;
    if (hint) assert.equal(await popup.inputValue("#username"), hint, "login_hint asks for the signed-in account");
    await signIn(popup, { user: "bob" });
    const result = await outcome(page, i);
    assert.equal(result.code, "user_mismatch", JSON.stringify(result));
    assert.equal(tokenCalls(), tokensBefore + 1, "the code was redeemed once, then refused");
    assert.equal(await page.evaluate(() => window.client.session.idToken), alice.idToken, "the session is still alice's");
    // An explicit login is how accounts are switched: not bound.
    const { i: j, popup: again } = await clickForPopup(page, () => window.client.loginWithPopup({ prompt: "login" }));
    await signIn(again, { user: "bob" });
    const switched = await outcome(page, j);
    assert.equal(switched.ok, true, JSON.stringify(switched));
    assert.notEqual(switched.value.claims.sub, alice.claims.sub);
    await context.close();
  });

  test("a provider that ignores acr_values: the policy judges the answer (amr_not_satisfied for mfa, acr_not_satisfied for an acr the caller asked), and the weaker session is not taken", async () => {
    resetSwitches();
    const { context, page } = await openApp();
    const login = await popupFlow(page, () => window.client.loginWithPopup());
    assert.equal(login.result.ok, true, JSON.stringify(login.result));
    assert.equal(login.result.value.acr, ACR_PWD);
    idp.switches.ignoreAcrValues = true;
    // acr_values derived from { mfa: true } are a hint (OIDC Core 5.5.1.1): the policy is the judge.
    // An acr the caller lists binds: the returned acr must be one of them.
    for (const [policy, code] of [[{ mfa: true }, "amr_not_satisfied"], [{ acr: [ACR_MFA] }, "acr_not_satisfied"]]) {
      const tokensBefore = tokenCalls();
      const { result } = await popupFlow(page, (p) => window.client.requireStepUp(p), policy);
      assert.equal(result.ok, false);
      assert.equal(result.code, code, JSON.stringify(result));
      assert.deepEqual(result.acrValues, [ACR_MFA]);
      assert.equal(tokenCalls(), tokensBefore + 1, "the code was redeemed, then the token was refused");
      const session = await page.evaluate(() => window.client.session);
      assert.equal(session.idToken, login.result.value.idToken, "the session is still the first login");
      assert.equal(session.acr, ACR_PWD);
    }
    resetSwitches();
    await context.close();
  });

  for (const [name, sw, code] of [
    ["tampered state", { tamperState: true }, "state_mismatch"],
    ["wrong iss", { wrongIss: true }, "issuer_mismatch"],
  ]) {
    test(`popup: ${name} → ${code}, and no request reaches the token endpoint`, async () => {
      resetSwitches();
      const { context, page } = await openApp();
      Object.assign(idp.switches, sw);
      const before = tokenCalls();
      const { result } = await popupFlow(page, () => window.client.loginWithPopup());
      assert.equal(result.ok, false);
      assert.equal(result.code, code, JSON.stringify(result));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(tokenCalls(), before, "no /token request");
      assert.equal(await page.evaluate(() => window.client.session), null);
      resetSwitches();
      await context.close();
    });

    test(`redirect: ${name} → ${code}, and no request reaches the token endpoint`, async () => {
      resetSwitches();
      const { context, page } = await openApp();
      Object.assign(idp.switches, sw);
      const before = tokenCalls();
      const nav = page.waitForURL((u) => u.href.startsWith(idp.issuer), { timeout: 10000 });
      await click(page, () => window.client.loginWithRedirect());
      await nav;
      await signIn(page, { stopAt: app.url });
      await page.waitForFunction(() => window.done === true, null, { timeout: 15000 });
      const result = await page.evaluate(() => window.result);
      assert.equal(result.ok, false);
      assert.equal(result.code, code, JSON.stringify(result));
      assert.equal(tokenCalls(), before, "no /token request");
      resetSwitches();
      await context.close();
    });
  }

  /**
   * Open a popup with `action`, close it at `moment` ("held": before the provider's page loads, its answer
   * held back; "shown": `reactMs` after the provider's password page appears; "later": a second after that),
   * and return the outcome with the time from the close to the rejection.
   */
  async function closePopup(context, page, moment, action = () => window.client.loginWithPopup(), reactMs = 0) {
    let release = () => {};
    if (moment === "held") {
      const held = new Promise((r) => { release = r; });
      await context.route(`${idp.issuer}/**`, async (route) => { await held; await route.continue().catch(() => {}); });
    }
    const { i, popup } = await clickForPopup(page, action, { mfa: true, maxAge: 0 });
    if (moment === "held") assert.equal(popup.url(), "about:blank");
    else await popup.waitForSelector("#password");
    if (moment === "shown" && reactMs) await popup.waitForTimeout(reactMs);
    if (moment === "later") await popup.waitForTimeout(1000);
    await page.evaluate(() => { window.closedAt = performance.now(); });
    await popup.close();
    try {
      const result = await outcome(page, i, 8000);
      return { result, latency: result.at - (await page.evaluate(() => window.closedAt)) };
    } finally {
      release();
      if (moment === "held") await context.unroute(`${idp.issuer}/**`);
    }
  }

  /** A person's fastest reaction to a page that appears, in ms. */
  const REACTION_MS = 250;
  for (const coop of [false, true]) {
    const moments = coop ? ["held"] : ["held", "shown", "later"];
    const provider = coop ? "a provider that sends COOP" : "a provider without COOP";
    test(`closing the popup → popup_closed within 1 s, first popup of a page and a later one (${provider}; closed ${moments.join(", ")})`, async () => {
      resetSwitches();
      idp.switches.coopHeaders = coop;
      for (const moment of moments) {
        for (const which of ["first", "later"]) {
          // A fresh page for the first popup: nothing learnt about the provider yet.
          const { context, page } = await openApp();
          if (which === "later") {
            const login = await popupFlow(page, () => window.client.loginWithPopup());
            assert.equal(login.result.ok, true, JSON.stringify(login.result));
          }
          // On a first popup stepup can only tell a close from COOP's cut by timing (src/web/popup.rs): a close
          // within HUMAN_MS (65 ms) of the provider's page committing counts as COOP's, as no person closes a page
          // that fast. The robot sees the password field 40-140 ms after the commit, so "shown" on a first popup
          // closes after a person's fastest reaction to a page (250 ms). A later popup of the page is closed as soon
          // as the field appears: the provider is known to be without COOP, and any close must be popup_closed.
          const reactMs = moment === "shown" && which === "first" ? REACTION_MS : 0;
          const { result, latency } = await closePopup(context, page, moment, (p) => window.client.requireStepUp(p), reactMs);
          console.log(`# popup_closed latency (${provider}, ${which} popup, closed ${moment}): ${latency.toFixed(0)} ms`);
          assert.equal(result.code, "popup_closed", `${which} popup, closed ${moment}: ${JSON.stringify(result)}`);
          assert.ok(latency <= 1000, `popup_closed after ${latency} ms`);
          // The flow is over: a new login can start.
          const again = await popupFlow(page, () => window.client.loginWithPopup());
          assert.equal(again.result.ok, true, JSON.stringify(again.result));
          await context.close();
        }
      }
      resetSwitches();
    });
  }

  test("a popup closed on a COOP provider's page cannot be seen closing: it ends at popupTimeoutSeconds (the documented limit)", async () => {
    resetSwitches();
    idp.switches.coopHeaders = true;
    const { context, page } = await openApp({ popupTimeoutSeconds: 3 });
    const { result } = await closePopup(context, page, "shown");
    assert.equal(result.code, "popup_timeout", JSON.stringify(result));
    resetSwitches();
    await context.close();
  });

  test("a popup the browser blocks rejects with popup_blocked", async () => {
    resetSwitches();
    const { context, page, popups } = await openApp();
    // The click's user activation is spent on another window.open first, so Chromium's popup
    // blocker (on in these tests) refuses ours: the real "called outside a click" situation.
    const i = await click(page, () => {
      window.open("about:blank", "_blank", "popup");
      return window.client.loginWithPopup();
    });
    const result = await outcome(page, i, 5000);
    assert.equal(result.ok, false);
    assert.equal(result.code, "popup_blocked", JSON.stringify(result));
    assert.equal(popups.length, 1, "only the first window opened");
    await context.close();
  });

  test("Cross-Origin-Opener-Policy on the provider's pages: the popup flow still completes", async () => {
    resetSwitches();
    idp.switches.coopHeaders = true;
    const { context, page } = await openApp();
    const { i, popup } = await clickForPopup(page, (p) => window.client.requireStepUp(p), { mfa: true });
    await popup.waitForSelector("#password");
    // COOP really severed the popup from its opener: only the BroadcastChannel can carry the answer.
    assert.equal(await popup.evaluate(() => window.opener === null), true);
    await signIn(popup);
    const result = await outcome(page, i);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.value.acr, ACR_MFA);
    resetSwitches();
    await context.close();
  });

  test("two concurrent requireStepUp calls share one popup", async () => {
    resetSwitches();
    const { context, page, popups } = await openApp();
    const { i, popup } = await clickForPopup(page, (p) => Promise.all([window.client.requireStepUp(p), window.client.requireStepUp(p)]), { mfa: true });
    await signIn(popup);
    const result = await outcome(page, i);
    assert.equal(result.ok, true, JSON.stringify(result));
    const [a, b] = result.value;
    assert.equal(a.idToken, b.idToken);
    assert.equal(popups.length, 1, "exactly one popup");
    await context.close();
  });

  test("a caller that joined a shared popup leaves with its own AbortSignal; the flow goes on for the other", async () => {
    resetSwitches();
    const { context, page, popups } = await openApp();
    const { i, popup } = await clickForPopup(page, (p) => {
      window.joinedController = new AbortController();
      const first = window.client.requireStepUp(p);
      const joined = window.client.requireStepUp(p, { signal: window.joinedController.signal });
      return Promise.allSettled([first, joined]).then((rs) =>
        rs.map((r) => (r.status === "fulfilled" ? { ok: true, acr: r.value.acr } : { code: r.reason.code })));
    }, { mfa: true });
    await popup.waitForSelector("#password");
    await page.evaluate(() => window.joinedController.abort());
    await signIn(popup);
    const result = await outcome(page, i);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.deepEqual(result.value, [{ ok: true, acr: ACR_MFA }, { code: "aborted" }]);
    assert.equal(popups.length, 1, "exactly one popup");
    await context.close();
  });

  test("messages from anything but our popup are ignored", async () => {
    resetSwitches();
    const { context, page } = await openApp();
    const { i, popup } = await clickForPopup(page, () => window.client.loginWithPopup());
    await popup.waitForSelector("#password");
    // Forged answers: from the opener itself (right origin, wrong source), and on a channel named
    // with a guessed state. Neither may end the flow.
    await page.evaluate(() => {
      const forged = { type: "stepup:callback", url: `${location.origin}/popup-callback.html?code=forged&state=guess` };
      window.postMessage(forged, location.origin);
      const ch = new BroadcastChannel("stepup:guess");
      ch.postMessage(forged);
      ch.close();
    });
    await new Promise((r) => setTimeout(r, 400));
    assert.equal((await page.evaluate((n) => window.outcomes[n], i)).pending, true, "still waiting for the real answer");
    await signIn(popup);
    const result = await outcome(page, i);
    assert.equal(result.ok, true, JSON.stringify(result));
    await context.close();
  });

  for (const coop of [false, true]) {
    test(`a callback page the flow did not open cannot finish it, even with the real state (${coop ? "COOP provider" : "no COOP"})`, async () => {
      // Someone who learned the state (a leaked URL) has our origin's callback page post their own code on the
      // state's BroadcastChannel: a page opened by a link, not by the flow, holds no copy of the flow's channel
      // secret, so the opener ignores it and the real popup still finishes the login.
      resetSwitches();
      idp.switches.coopHeaders = coop;
      const { context, page } = await openApp();
      const states = [];
      context.on("request", (r) => {
        const url = new URL(r.url());
        if (url.pathname.endsWith("/auth") && url.searchParams.get("state")) states.push(url.searchParams.get("state"));
      });
      const before = tokenCalls();
      const { i, popup } = await clickForPopup(page, () => window.client.loginWithPopup());
      await popup.waitForSelector("#password");
      assert.equal(states.length, 1, "the authorization request was seen");
      const forged = await context.newPage();
      await forged.goto(`${app.url}/popup-callback.html?code=forged-code&state=${encodeURIComponent(states[0])}`);
      await forged.waitForFunction(() => !location.search, null, { timeout: 5000 }).catch(() => {});
      await signIn(popup);
      const result = await outcome(page, i);
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.equal(tokenCalls() - before, 1, "one token request: the real code's");
      resetSwitches();
      await context.close();
    });
  }

  test("a token endpoint or jwks_uri that answers with a redirect is not followed: no code verifier re-posted, no keys from elsewhere", async () => {
    resetSwitches();
    const discovery = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json();
    // A server that sends every request on to the real provider with a 307 (method and body kept by fetch if followed).
    const hits = [];
    const redirector = await new Promise((ok) => {
      const server = createServer((req, res) => {
        hits.push(req.url);
        const target = req.url.startsWith("/token") ? discovery.token_endpoint : discovery.jwks_uri;
        res.writeHead(307, { Location: target, "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "*" });
        res.end();
      });
      server.listen(0, "127.0.0.1", () => ok(server));
    });
    const via = `http://localhost:${redirector.address().port}`;
    try {
      for (const [moved, code] of [["token_endpoint", "network_error"], ["jwks_uri", "network_error"]]) {
        const metadata = { ...discovery, [moved]: `${via}/${moved === "token_endpoint" ? "token" : "jwks"}` };
        hits.length = 0;
        const { context, page } = await openApp({ metadata });
        const grants = idp.grants().length;
        const { result } = await popupFlow(page, () => window.client.loginWithPopup());
        assert.equal(result.ok, false, `${moved}: ${JSON.stringify(result)}`);
        assert.equal(result.code, code, `${moved}: ${JSON.stringify(result)}`);
        assert.ok(hits.length >= 1, `${moved}: the redirecting server was asked`);
        if (moved === "token_endpoint") assert.equal(idp.grants().length, grants, "the code never reached the provider's token endpoint");
        assert.equal(await page.evaluate(() => window.client.session), null);
        await context.close();
      }
    } finally {
      await new Promise((ok) => redirector.close(ok));
    }
  });

  test("popupTimeoutSeconds elapses → popup_timeout; an AbortSignal → aborted; both close the popup", async () => {
    resetSwitches();
    const { context, page } = await openApp({ popupTimeoutSeconds: 1 });
    let { i, popup } = await clickForPopup(page, () => window.client.loginWithPopup());
    let result = await outcome(page, i, 5000);
    assert.equal(result.code, "popup_timeout", JSON.stringify(result));
    await popup.waitForEvent("close", { timeout: 2000 }).catch(() => {});
    assert.equal(popup.isClosed(), true, "the timed-out popup was closed");

    await page.evaluate((c) => window.createClient(c), config());
    ({ i, popup } = await clickForPopup(page, () => {
      window.controller = new AbortController();
      return window.client.requireStepUp({ mfa: true }, { signal: window.controller.signal });
    }));
    await popup.waitForSelector("#password");
    await page.evaluate(() => window.controller.abort());
    result = await outcome(page, i, 5000);
    assert.equal(result.code, "aborted", JSON.stringify(result));
    await popup.waitForEvent("close", { timeout: 2000 }).catch(() => {});
    assert.equal(popup.isClosed(), true, "the aborted popup was closed");
    await context.close();
  });

  test("client.fetch without a user activation: step_up_required carries the challenge, and no retry is sent", async () => {
    resetSwitches();
    const { context, page } = await openApp({ apiOrigins: [api.url] });
    const login = await popupFlow(page, () => window.client.loginWithPopup());
    assert.equal(login.result.ok, true, JSON.stringify(login.result));
    const before = api.requestLog.filter((r) => r.path === "/api/transfer" && r.method === "POST").length;
    // Start the call once the page's user activation has expired (~5 s after the last click or
    // playwright evaluate), as when an app calls the API from a timer: the popup cannot open.
    const i = await page.evaluate((u) => window.whenInactive(() => window.client.fetch(`${u}/api/transfer`, { method: "POST" })), api.url);
    // Wait without touching the page (see click()) until the 401 has come back and been handled.
    const posts = () => api.requestLog.filter((r) => r.path === "/api/transfer" && r.method === "POST").length;
    for (let t = 0; t < 300 && posts() === before; t++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    const result = await outcome(page, i, 10000);
    assert.equal(result.ok, false);
    assert.equal(result.code, "step_up_required", JSON.stringify(result));
    assert.deepEqual(result.acrValues, [ACR_MFA]);
    assert.equal(result.maxAge, 300);
    const after = api.requestLog.filter((r) => r.path === "/api/transfer" && r.method === "POST").length;
    assert.equal(after - before, 1, "one call, no retry");
    await context.close();
  });

  test("verifyIdToken checks a provider's token against its jwks_uri", async () => {
    resetSwitches();
    const { context, page } = await openApp();
    const login = await popupFlow(page, () => window.client.loginWithPopup());
    assert.equal(login.result.ok, true, JSON.stringify(login.result));
    const meta = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json();
    const results = await page.evaluate(async ([token, iss, clientId, jwksUri]) => {
      const run = (expect) => window.stepup.verifyIdToken(token, expect).then((c) => ({ ok: true, sub: c.sub, acr: c.acr }), (e) => ({ ok: false, code: e.code, name: e.name }));
      return {
        good: await run({ issuer: iss, clientId, jwksUri }),
        audience: await run({ issuer: iss, clientId: "someone-else", jwksUri }),
        noKeys: await run({ issuer: iss, clientId }),
        tampered: await window.stepup.verifyIdToken(token.slice(0, -4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA"), { issuer: iss, clientId, jwksUri }).then(() => "accepted", (e) => e.code),
      };
    }, [login.result.value.idToken, idp.issuer, idp.clientId, meta.jwks_uri]);
    assert.deepEqual(results.good, { ok: true, sub: "alice", acr: ACR_PWD });
    assert.equal(results.audience.code, "invalid_audience");
    assert.equal(results.audience.name, "StepUpError");
    assert.equal(results.noKeys.code, "invalid_config");
    assert.ok(["invalid_signature", "malformed_token"].includes(results.tampered), results.tampered);
    await context.close();
  });

  test("the provider rotates its signing keys: one JWKS refetch and the new token verifies", async () => {
    resetSwitches();
    const { context, page } = await openApp();
    const meta = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json();
    const jwksPath = new URL(meta.jwks_uri).pathname;
    const first = await popupFlow(page, () => window.client.loginWithPopup());
    assert.equal(first.result.ok, true, JSON.stringify(first.result));
    const fetchesBefore = idp.requestsTo(jwksPath).length;
    const newKids = await idp.rotateKeys();
    const second = await popupFlow(page, () => window.client.loginWithPopup({ prompt: "login" }));
    assert.equal(second.result.ok, true, JSON.stringify(second.result));
    const kid = JSON.parse(Buffer.from(second.result.value.idToken.split(".")[0], "base64url")).kid;
    assert.ok(newKids.includes(kid), "signed with a rotated key");
    assert.equal(idp.requestsTo(jwksPath).length - fetchesBefore, 1, "exactly one refetch");
    await context.close();
  });

  test("logout during a popup login: the login ends aborted, the popup closes, no token request, no session", async () => {
    resetSwitches();
    const meta = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json();
    delete meta.end_session_endpoint; // logout stays on the page
    const { context, page } = await openApp({ metadata: meta });
    const tokensBefore = tokenCalls();
    const { i, popup } = await clickForPopup(page, () => window.client.loginWithPopup());
    await popup.waitForSelector("#password");
    const popupClosed = popup.waitForEvent("close", { timeout: 5000 });
    await page.evaluate(() => window.client.logout());
    const result = await outcome(page, i, 5000);
    assert.equal(result.code, "aborted", JSON.stringify(result));
    await popupClosed;
    assert.equal(await page.evaluate(() => window.client.session), null);
    assert.equal(tokenCalls(), tokensBefore, "no token request");
    // The client is usable again.
    const again = await popupFlow(page, () => window.client.loginWithPopup());
    assert.equal(again.result.ok, true, JSON.stringify(again.result));
    await context.close();
  });

  test("logout forgets the session and goes to the provider's end_session_endpoint", async () => {
    resetSwitches();
    const { context, page } = await openApp();
    const login = await popupFlow(page, () => window.client.loginWithPopup());
    assert.equal(login.result.ok, true, JSON.stringify(login.result));
    const meta = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json();
    const request = page.waitForRequest((r) => r.url().startsWith(meta.end_session_endpoint), { timeout: 10000 });
    assert.notEqual(await page.evaluate(() => window.client.session), null);
    const sessionAfter = await page.evaluate((u) => { window.client.logout({ returnTo: u }); return window.client.session; }, `${app.url}/`);
    assert.equal(sessionAfter, null, "forgotten at once, before the page leaves");
    const url = new URL((await request).url());
    assert.equal(url.searchParams.get("id_token_hint"), login.result.value.idToken);
    assert.equal(url.searchParams.get("client_id"), idp.clientId);
    assert.equal(url.searchParams.get("post_logout_redirect_uri"), `${app.url}/`);
    await context.close();
  });

  test("client.fetch sends the access token only to the page's origin and apiOrigins", async () => {
    resetSwitches();
    const { context, page } = await openApp(); // no apiOrigins: the API's origin is foreign
    const login = await popupFlow(page, () => window.client.loginWithPopup());
    assert.equal(login.result.ok, true, JSON.stringify(login.result));
    const before = api.requestLog.length;
    const r = await page.evaluate(async (u) => {
      try {
        await window.client.fetch(`${u}/api/balance`);
        return { ok: true };
      } catch (e) {
        return { name: e.name, code: e.code, claim: e.claim };
      }
    }, api.url);
    assert.deepEqual(r, { name: "StepUpError", code: "invalid_config", claim: "apiOrigins" });
    assert.equal(api.requestLog.length, before, "no request left the page");
    await context.close();
  });

  test("client.fetch: the access token never follows a redirect (an allowed API answering 302 to another origin)", async () => {
    resetSwitches();
    const { createServer } = await import("node:http");
    const listen = (handler) => new Promise((resolve) => {
      const server = createServer(handler);
      server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` }));
    });
    const cors = (res) => {
      res.setHeader("access-control-allow-origin", app.url);
      res.setHeader("access-control-allow-headers", "authorization");
    };
    const seen = [];
    const elsewhere = await listen((req, res) => { seen.push(req.headers.authorization ?? null); cors(res); res.end("{}"); });
    const redirector = await listen((req, res) => {
      cors(res);
      if (req.method === "OPTIONS") return res.end();
      res.writeHead(302, { location: `${elsewhere.url}/steal` }).end();
    });
    try {
      const { context, page } = await openApp({ apiOrigins: [redirector.url] });
      const login = await popupFlow(page, () => window.client.loginWithPopup());
      assert.equal(login.result.ok, true, JSON.stringify(login.result));
      const r = await page.evaluate(async (u) => {
        try {
          await window.client.fetch(`${u}/api/balance`);
          return { ok: true };
        } catch (e) {
          return { code: e.code };
        }
      }, redirector.url);
      assert.deepEqual(r, { code: "network_error" });
      assert.deepEqual(seen, [], "nothing reached the other origin, with or without the token");
      await context.close();
    } finally {
      redirector.server.close();
      elsewhere.server.close();
    }
  });

  test("the API's RFC 9470 challenge: client.fetch steps up and the retried call succeeds", async () => {
    resetSwitches();
    const { context, page } = await openApp({ apiOrigins: [api.url] });
    const login = await popupFlow(page, () => window.client.loginWithPopup());
    assert.equal(login.result.ok, true, JSON.stringify(login.result));

    const balance = await page.evaluate(async (u) => {
      const r = await window.client.fetch(`${u}/api/balance`);
      return { status: r.status, body: await r.json() };
    }, api.url);
    assert.equal(balance.status, 200, JSON.stringify(balance));

    const transferPosts = () => api.requestLog.filter((r) => r.path === "/api/transfer" && r.method === "POST").length;
    const transfersBefore = transferPosts();
    const { result, pages } = await popupFlow(page, async (u) => {
      const r = await window.client.fetch(`${u}/api/transfer`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ amount: 5 }) });
      return { status: r.status, body: await r.json() };
    }, api.url);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.value.status, 200, JSON.stringify(result.value));
    assert.equal(result.value.body.ok, true);
    assert.equal(result.value.body.amount, 5, "the retried request kept its body");
    assert.equal(result.value.body.acr, ACR_MFA);
    assert.deepEqual(pages, ["otp"], "the IdP session stood; only the second factor was asked");
    assert.equal(transferPosts() - transfersBefore, 2, "the first call and one retry");
    await context.close();
  });
});
