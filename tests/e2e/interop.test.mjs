// Interop end to end: the npm package (pkg/) in headless Chromium against the dev identity provider run
// with the profiles that emulate other providers (www/idp/profiles.mjs): no acr at all, its own amr names,
// step-up by scope, ordered levels of assurance; and an API that challenges the way Microsoft Entra ID
// does (insufficient_claims). Run: node --test tests/e2e/interop.test.mjs
//
// As in flows.test.mjs, every call that may open a popup runs inside a real click (#go on the test app)
// with Chromium's popup blocker on.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { click, launchBrowser, outcome, popupSignIn, serveStatic, signInAtIdp } from "./harness.mjs";
import { ACR_MFA, LOA_LEVELS, PROFILE_NAMES, startIdp } from "../../www/idp/provider.mjs";
import { AUDIT_LOG_CLAIMS, startApi } from "../../www/api/server.mjs";

const PKG = process.env.STEPUP_PKG_DIR || "pkg";
const ALIASES = { password: "pwd", totp: "otp", webauthn: "hwk", sms: "sms", voice: "tel" };

let app, browser, dataDir, api;
/** One provider per profile, each on its own port and issuer. */
const idps = {};

before(async () => {
  app = await serveStatic({ mounts: { "/": "tests/e2e/pages", "/pkg/": PKG } });
  dataDir = mkdtempSync(join(tmpdir(), "stepup-interop-"));
  for (const profile of PROFILE_NAMES) {
    idps[profile] = await startIdp({ appOrigins: [app.url], testMode: true, dataDir: join(dataDir, profile), profile });
  }
  api = await startApi({ issuer: idps.standard.issuer, audience: idps.standard.audience });
  browser = await launchBrowser({ launch: { ignoreDefaultArgs: ["--disable-popup-blocking"] } });
});

after(async () => {
  await browser?.close();
  await api?.close();
  for (const idp of Object.values(idps)) await idp.close();
  await app?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const config = (idp, extra = {}) => ({
  issuer: idp.issuer,
  clientId: idp.clientId,
  redirectUri: `${app.url}/callback.html`,
  popupRedirectUri: `${app.url}/popup-callback.html`,
  scope: "openid profile",
  ...extra,
});

/**
 * A fresh browser context (own cookies at the providers) on the test app with a client of `idp`.
 * `popups` collects every window the page opens; `authorizeUrls` every authorization request sent.
 */
async function openApp(idp, extra) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const popups = [];
  const authorizeUrls = [];
  page.on("popup", (p) => popups.push(p));
  context.on("request", (r) => {
    if (r.url().startsWith(`${idp.issuer}/auth?`)) authorizeUrls.push(new URL(r.url()));
  });
  await page.goto(`${app.url}/app.html`);
  await page.waitForFunction(() => window.ready === true);
  await page.evaluate((c) => window.createClient(c), config(idp, extra));
  return { context, page, popups, authorizeUrls };
}

/** Click, sign in at `idp` in the popup the click opens (as `user`), and return the outcome and the pages answered. */
const popupFlow = (idp, page, action, arg, opts) => popupSignIn(page, idp, action, arg, opts);

const requireStepUp = ([policy, options]) => window.client.requireStepUp(policy, options);
const session = (page) => page.evaluate(() => window.client.session);

describe("interop: providers that omit acr, name amr their own way, step up by scope, or use levels", () => {
  test("no-acr: { mfa: true } and { amr: { allOf: [\"otp\"] } } resolve, judged by the policy; acr_values went as a hint", async () => {
    const idp = idps["no-acr"];
    // This provider ignores acr_values: a second factor comes from its own policy (every sign-in).
    idp.guardian.policies = ["all-applications"];
    try {
      for (const policy of [{ mfa: true }, { amr: { allOf: ["otp"] } }]) {
        const { context, page, authorizeUrls } = await openApp(idp);
        const { result, pages } = await popupFlow(idp, page, requireStepUp, [policy]);
        assert.equal(result.ok, true, `${JSON.stringify(policy)}: ${JSON.stringify(result)}`);
        assert.deepEqual(pages, ["password", "otp"]);
        assert.equal(result.value.acr, undefined, "the provider issued no acr");
        assert.equal(result.value.claims.acr, undefined);
        assert.deepEqual(result.value.amr, ["pwd", "otp"]);
        assert.equal(authorizeUrls.length, 1);
        assert.equal(authorizeUrls[0].searchParams.get("acr_values"), ACR_MFA, "the derived acr_values were sent, as a hint");
        assert.equal((await session(page)).idToken, result.value.idToken);
        await context.close();
      }
      // A step-up over a password session: max_age makes this provider sign the user in again (it ignores
      // acr_values), its policy asks for the second factor, and the answer (still without acr) meets the policy
      // (two factors, fresh: the 5 s leave room for the token request on a loaded machine).
      const { context, page } = await openApp(idp);
      idp.guardian.policies = [];
      const login = await popupFlow(idp, page, (o) => window.client.loginWithPopup(o));
      assert.deepEqual(login.result.value.amr, ["pwd"]);
      idp.guardian.policies = ["all-applications"];
      // Wait (on the clock, not a guess) until the password login is older than the policy's maxAge.
      await page.waitForFunction((t) => Date.now() / 1000 > t + 6, login.result.value.authTime, { timeout: 15000, polling: 100 });
      const { result, pages } = await popupFlow(idp, page, requireStepUp, [{ mfa: true, maxAge: 5 }]);
      assert.deepEqual(pages, ["password", "otp"]);
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.equal(result.value.acr, undefined);
      assert.deepEqual(result.value.amr, ["pwd", "otp"]);
      assert.equal(result.value.claims.sub, login.result.value.claims.sub);
      await context.close();
    } finally {
      idp.guardian.policies = [];
    }
  });

  test("no-acr: acr absent while the caller asked for acr → acr_not_satisfied; only pwd → amr_not_satisfied / acr_not_satisfied; the session is kept", async () => {
    const idp = idps["no-acr"];
    idp.guardian.policies = ["all-applications"];
    try {
      // The caller asked for acr itself: the two factors do not make up for the missing acr.
      for (const [action, arg] of [[requireStepUp, [{ acr: [ACR_MFA] }]], [(o) => window.client.loginWithPopup(o), { acrValues: [ACR_MFA] }]]) {
        const { context, page } = await openApp(idp);
        const tokens = idp.requestsTo("/token").length;
        const { result, pages } = await popupFlow(idp, page, action, arg);
        assert.deepEqual(pages, ["password", "otp"]);
        assert.equal(result.ok, false);
        assert.equal(result.code, "acr_not_satisfied", JSON.stringify(result));
        assert.deepEqual(result.acrValues, [ACR_MFA]);
        assert.equal(idp.requestsTo("/token").length, tokens + 1, "the code was redeemed, then the token refused");
        assert.equal(await session(page), null, "no session from a refused token");
        await context.close();
      }
    } finally {
      idp.guardian.policies = [];
    }
    // A password-only provider answer: still refused, as before the policy judged.
    const { context, page } = await openApp(idp);
    const login = await popupFlow(idp, page, (o) => window.client.loginWithPopup(o));
    assert.equal(login.result.ok, true, JSON.stringify(login.result));
    assert.deepEqual(login.result.value.amr, ["pwd"]);
    for (const [policy, code] of [[{ mfa: true }, "amr_not_satisfied"], [{ amr: { allOf: ["otp"] } }, "amr_not_satisfied"], [{ acr: [ACR_MFA] }, "acr_not_satisfied"]]) {
      const { result, pages } = await popupFlow(idp, page, requireStepUp, [policy]);
      assert.deepEqual(pages, [], "single sign-on: the provider ignored acr_values and asked nothing");
      assert.equal(result.code, code, `${JSON.stringify(policy)}: ${JSON.stringify(result)}`);
      assert.equal((await session(page)).idToken, login.result.value.idToken, "the first session is kept");
    }
    await context.close();
  });

  test("custom-amr: amrAliases map password/totp to pwd/otp, so { mfa: true } resolves; without them it does not", async () => {
    const idp = idps["custom-amr"];
    {
      const { context, page } = await openApp(idp, { amrAliases: ALIASES });
      const { result, pages } = await popupFlow(idp, page, requireStepUp, [{ mfa: true, amr: { allOf: ["otp"] } }]);
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.deepEqual(pages, ["password", "otp"]);
      assert.deepEqual(result.value.amr, ["pwd", "otp"], "mapped: what the policy was judged on");
      assert.deepEqual(result.value.claims.amr, ["password", "totp"], "raw: as the provider wrote it");
      assert.equal(result.value.acr, undefined);
      await context.close();
    }
    const { context, page } = await openApp(idp);
    const tokens = idp.requestsTo("/token").length;
    const { result, pages } = await popupFlow(idp, page, requireStepUp, [{ mfa: true }]);
    assert.deepEqual(pages, ["password", "otp"]);
    assert.equal(result.code, "amr_not_satisfied", JSON.stringify(result));
    assert.equal(idp.requestsTo("/token").length, tokens + 1);
    assert.equal(await session(page), null);
    // A wrong amrAliases is refused when the client is made.
    const bad = await page.evaluate(async (c) => window.StepUpClient.create(c).then(() => "created", (e) => `${e.code}:${e.claim}`),
      config(idp, { amrAliases: { totp: 1 } }));
    assert.equal(bad, "invalid_config:amrAliases");
    await context.close();
  });

  test("scope-step-up: requireStepUp({ amr: { allOf: [\"otp\"] } }, { scope: \"openid mfa\" }) resolves in one client; the session records the scope", async () => {
    const idp = idps["scope-step-up"];
    const { context, page, authorizeUrls } = await openApp(idp);
    const login = await popupFlow(idp, page, (o) => window.client.loginWithPopup(o));
    assert.equal(login.result.ok, true, JSON.stringify(login.result));
    assert.equal(login.result.value.scope.split(" ").includes("mfa"), false);
    // Without the scope the provider does not step up: the policy says so.
    const plain = await popupFlow(idp, page, requireStepUp, [{ amr: { allOf: ["otp"] } }]);
    assert.deepEqual(plain.pages, []);
    assert.equal(plain.result.code, "amr_not_satisfied", JSON.stringify(plain.result));
    // With it, the same client steps up: only the second factor is asked.
    const { result, pages } = await popupFlow(idp, page, requireStepUp, [{ amr: { allOf: ["otp"] } }, { scope: "openid mfa" }]);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.deepEqual(pages, ["otp"]);
    assert.deepEqual(result.value.amr, ["pwd", "otp"]);
    assert.equal(result.value.claims.sub, login.result.value.claims.sub);
    assert.deepEqual(result.value.scope.split(" ").sort(), ["mfa", "openid"]);
    assert.equal(authorizeUrls.at(-1).searchParams.get("scope"), "openid mfa");
    // The session now holds both the policy and the scope: no popup.
    const before = authorizeUrls.length;
    const again = await outcome(page, await click(page, requireStepUp, [{ amr: { allOf: ["otp"] } }, { scope: "mfa" }]));
    assert.equal(again.ok, true);
    assert.equal(again.value.idToken, result.value.idToken);
    assert.equal(authorizeUrls.length, before);
    await context.close();
  });

  test("scope-step-up in redirect mode: loginWithRedirect({ scope }) and requireStepUp(policy, { scope, mode: \"redirect\" }) record the granted scope", async () => {
    const idp = idps["scope-step-up"];
    const { context, page, authorizeUrls } = await openApp(idp);
    for (const [action, arg, want] of [
      [(o) => window.client.loginWithRedirect(o), { scope: "openid mfa" }, ["password", "otp"]],
      [([p, o]) => window.client.requireStepUp(p, o), [{ amr: { allOf: ["otp"] } }, { scope: "openid mfa", mode: "redirect" }], ["password", "otp"]],
    ]) {
      const nav = page.waitForURL((u) => u.href.startsWith(idp.issuer), { timeout: 10000 });
      await click(page, action, arg);
      await nav;
      assert.equal(authorizeUrls.at(-1).searchParams.get("scope"), "openid mfa");
      const pages = await signInAtIdp(page, idp, { stopAt: app.url });
      assert.deepEqual(pages, want);
      await page.waitForFunction(() => window.done === true, null, { timeout: 15000 });
      const result = await page.evaluate(() => window.result);
      assert.equal(result.ok, true, JSON.stringify(result));
      // The token response lists no OpenID scope here (only the API's, none): the session keeps the one requested.
      assert.deepEqual(result.value.session.scope.split(" ").sort(), ["mfa", "openid"]);
      assert.deepEqual(result.value.session.amr, ["pwd", "otp"]);
      // Back to the app page for the next round (a fresh context: no single sign-on between the rounds).
      await context.clearCookies();
      await page.goto(`${app.url}/app.html`);
      await page.waitForFunction(() => window.ready === true);
      await page.evaluate((c) => window.createClient(c), config(idp));
    }
    await context.close();
  });

  test("levels: acrLevels accepts the level achieved at or above the one asked; without it membership is exact; loa-2 for loa-3 is acr_not_satisfied", async () => {
    const idp = idps.levels;
    const levels = { acrLevels: LOA_LEVELS, stepUpAcr: "loa-3" };
    // bob has no second factor, and this provider enrolls none during a sign-in: it answers loa-2.
    {
      const { context, page } = await openApp(idp, levels);
      const { result, pages } = await popupFlow(idp, page, requireStepUp, [{ acr: ["loa-3"] }], { user: "bob" });
      assert.deepEqual(pages, ["password"]);
      assert.equal(result.code, "acr_not_satisfied", JSON.stringify(result));
      assert.deepEqual(result.acrValues, ["loa-3"]);
      await context.close();
    }
    {
      const { context, page } = await openApp(idp, levels);
      const { result, pages } = await popupFlow(idp, page, requireStepUp, [{ mfa: true }]);
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.deepEqual(pages, ["password", "otp"]);
      assert.equal(result.value.acr, "loa-3");
      // Asking loa-2 now: the provider answers with the level achieved, loa-3, which is at or above it.
      const lower = await popupFlow(idp, page, (o) => window.client.loginWithPopup(o), { acrValues: ["loa-2"] });
      assert.equal(lower.result.ok, true, JSON.stringify(lower.result));
      assert.deepEqual(lower.pages, []);
      assert.equal(lower.result.value.acr, "loa-3");
      await context.close();
    }
    // The same answer without acrLevels: loa-3 is not the loa-2 asked for.
    const { context, page } = await openApp(idp);
    await popupFlow(idp, page, (o) => window.client.loginWithPopup(o), { acrValues: ["loa-3"] });
    const exact = await popupFlow(idp, page, (o) => window.client.loginWithPopup(o), { acrValues: ["loa-2"] });
    assert.deepEqual(exact.pages, []);
    assert.equal(exact.result.code, "acr_not_satisfied", JSON.stringify(exact.result));
    assert.equal((await session(page)).acr, "loa-3", "the loa-3 session is kept");
    await context.close();
  });
});

describe("interop: options are checked before any popup opens", () => {
  test("a bad option throws invalid_config and no popup ever opens (counted)", async () => {
    const idp = idps.standard;
    const { context, page, popups, authorizeUrls } = await openApp(idp);
    const cases = [
      [(o) => window.client.loginWithPopup(o), { extraParams: { scope: "openid mfa" } }, "scope given twice"],
      [(o) => window.client.loginWithPopup(o), { scope: "openid", extraParams: { scope: "mfa" } }, "scope given twice"],
      [(o) => window.client.loginWithPopup(o), { extraParams: { state: "x" } }, "a reserved parameter"],
      [(o) => window.client.loginWithPopup(o), { acrValues: ["a b"] }, "an acr value with a space"],
      [(o) => window.client.loginWithPopup(o), { essentialAcr: true, acrValues: [ACR_MFA], extraParams: { claims: "{}" } }, "claims given twice"],
      [(o) => window.client.loginWithPopup(o), { scope: 7 }, "scope of the wrong type"],
      [requireStepUp, [{ mfa: true }, { scope: ["mfa"] }], "requireStepUp scope of the wrong type"],
    ];
    for (const [action, arg, what] of cases) {
      const result = await outcome(page, await click(page, action, arg));
      assert.equal(result.ok, false, what);
      assert.equal(result.code, "invalid_config", `${what}: ${JSON.stringify(result)}`);
    }
    // loginWithRedirect checks the same way before the tab leaves.
    const redirect = await page.evaluate(() => window.client.loginWithRedirect({ extraParams: { scope: "x" } }).then(() => "left", (e) => e.code));
    assert.equal(redirect, "invalid_config");
    assert.equal(popups.length, 0, "no popup flashed open");
    assert.equal(authorizeUrls.length, 0);
    assert.equal(page.url(), `${app.url}/app.html`);
    // A good option still opens the popup from the same click.
    const { result } = await popupFlow(idp, page, (o) => window.client.loginWithPopup(o), { scope: "openid email" });
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(popups.length, 1);
    assert.deepEqual(result.value.scope.split(" ").sort(), ["email", "openid"]);
    await context.close();
  });
});

describe("interop: auth_time 0", () => {
  test("a provider that cannot tell when the user authenticated: auth_time 0 never meets a maxAge, however long", async () => {
    const { context, page } = await openApp(idps.standard);
    const decisions = await page.evaluate(() => {
      const now = Math.floor(Date.now() / 1000);
      const judge = (claims, policy) => window.stepup.evaluateStepUp(claims, policy, now);
      return {
        zero: judge({ auth_time: 0, amr: ["pwd", "otp"] }, { mfa: true, maxAge: 100 * 365 * 86400 }),
        one: judge({ auth_time: 1, amr: ["pwd", "otp"] }, { mfa: true, maxAge: 100 * 365 * 86400 }),
        noMaxAge: judge({ auth_time: 0, amr: ["pwd", "otp"] }, { mfa: true }),
      };
    });
    assert.deepEqual(decisions.zero.reasons, ["auth_time_too_old"]);
    assert.equal(decisions.one.satisfied, true, "a real time, however old, is judged by its age");
    assert.equal(decisions.noMaxAge.satisfied, true, "reported, and judged only when an age is asked");
    await context.close();
  });
});

describe("interop: Microsoft Entra ID style insufficient_claims", () => {
  test("parseStepUpChallenge decodes the claims; client.fetch steps up with that claims request and the retry succeeds", async () => {
    const idp = idps.standard;
    const { context, page, authorizeUrls } = await openApp(idp, { apiOrigins: [api.url] });
    const login = await popupFlow(idp, page, (o) => window.client.loginWithPopup(o));
    assert.equal(login.result.ok, true, JSON.stringify(login.result));
    const url = `${api.url}/api/audit-log`;
    // The API's challenge as the page sees it, read by the pure helper; and Entra's documented example.
    const parsed = await page.evaluate(async (u) => {
      const res = await fetch(u, { headers: { authorization: `Bearer ${window.client.session.accessToken}` } });
      return {
        status: res.status,
        challenge: window.stepup.parseStepUpChallenge(res.headers.get("www-authenticate")),
        entra: window.stepup.parseStepUpChallenge('Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiYzEifX19"'),
      };
    }, url);
    assert.equal(parsed.status, 401);
    assert.deepEqual(parsed.challenge, { scheme: "Bearer", error: "insufficient_claims", acrValues: [ACR_MFA], claims: AUDIT_LOG_CLAIMS });
    assert.deepEqual(parsed.entra, { scheme: "Bearer", error: "insufficient_claims", acrValues: ["c1"], claims: { access_token: { acrs: { essential: true, value: "c1" } } } });

    const before = api.requestLog.filter((r) => r.path === "/api/audit-log").length;
    const { result, pages } = await popupFlow(idp, page, async (u) => {
      const res = await window.client.fetch(u);
      return { status: res.status, body: await res.json() };
    }, url);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.deepEqual(pages, ["otp"], "the signed-in user was asked for the second factor only");
    assert.equal(result.value.status, 200, JSON.stringify(result.value));
    assert.equal(result.value.body.acr, ACR_MFA);
    const sent = authorizeUrls.at(-1);
    assert.deepEqual(JSON.parse(sent.searchParams.get("claims")), AUDIT_LOG_CLAIMS, "the challenge's claims request was sent");
    assert.equal(sent.searchParams.get("acr_values"), null);
    assert.equal(api.requestLog.filter((r) => r.path === "/api/audit-log").length, before + 2, "one 401, one retry");
    assert.equal((await session(page)).acr, ACR_MFA);
    await context.close();
  });
});
