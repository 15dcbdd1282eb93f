// The demo's story in headless Chromium, as a person would walk it: sign in with a password, then
// "Transfer" asks for a second factor in a popup (TOTP, then a passkey), or by redirect; the API's
// own RFC 9470 challenge; errors told in words. Screenshots go to test-results/demo/.
// The popup blocker is ON (playwright turns it off by default): popups must open inside clicks.
// Run: node --test tests/e2e/demo.test.mjs   (needs pkg/: npm run build)
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchBrowser, repoRoot, watchPage } from "./harness.mjs";
import { startDemo } from "../../www/demo.mjs";
import { explain } from "../../www/app/errors.mjs";

const SHOTS = join(repoRoot, "test-results", "demo");
const AUTHENTICATOR = { protocol: "ctap2", ctap2Version: "ctap2_1", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true };

let demo;
let browser;
let dataDir;
const pageErrors = [];

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), "stepup-demo-"));
  demo = await startDemo({ dataDir, testMode: true });
  browser = await launchBrowser({ launch: { ignoreDefaultArgs: ["--disable-popup-blocking"] } });
});

after(async () => {
  await browser?.close();
  await demo?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  // Chromium logs every 4xx answer as a console error: the API's 401 challenges are the story.
  const unexpected = pageErrors.filter((e) => !/the server responded with a status of 401/.test(e));
  assert.deepEqual(unexpected, [], "no page errors or console errors in the demo");
});

const shot = (page, name) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

/** A fresh browser (own cookies at the provider) on the demo page. */
async function openDemo({ mode = "popup" } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = watchPage(page);
  const popups = [];
  context.on("page", (p) => popups.push(p));
  await page.goto(demo.url);
  await page.waitForSelector("#sign-in-hero:not([disabled])");
  if (mode === "redirect") await page.click('label[for="mode-redirect"]');
  return { context, page, errors, popups, done: async () => { pageErrors.push(...errors); await context.close(); } };
}

/** Click `selector`, take the popup it opens. */
async function clickForPopup(page, selector) {
  const opened = page.waitForEvent("popup", { timeout: 10000 });
  await page.click(selector);
  return opened;
}

/** Sign in with the password on the provider's page `p`. */
async function password(p, username = "alice") {
  await p.waitForSelector("#password");
  await p.fill("#username", username);
  await p.fill("#password", "password123");
  await p.click("#login");
}

/** Answer the authenticator-app step on `p`; waits for the popup to close when it is one. */
async function totp(p, { popup = true } = {}) {
  await p.waitForSelector("#otp");
  await p.fill("#otp", await demo.idp.totp());
  const closed = popup ? p.waitForEvent("close", { timeout: 15000 }) : null;
  await p.click("#verify");
  await closed;
}

async function signInWithPopup(page) {
  const popup = await clickForPopup(page, "#sign-in");
  const closed = popup.waitForEvent("close", { timeout: 15000 });
  await password(popup);
  await closed;
  await page.waitForSelector('#level.weak');
  await page.waitForFunction(() => document.getElementById("balance").textContent.includes("€"));
}

const activity = (page, kind, text) => page.locator(`#activity li.${kind}`, { hasText: text }).first().waitFor({ timeout: 15000 });

describe("the demo: Stepup Bank", () => {
  test("serves the app, the package and its settings; the page has a strict CSP", async () => {
    const res = await fetch(demo.url);
    assert.equal(res.status, 200);
    const csp = res.headers.get("content-security-policy");
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
    assert.match(csp, new RegExp(`connect-src 'self' ${demo.config.issuer} ${demo.config.apiUrl}`));
    assert.equal(res.headers.get("referrer-policy"), "no-referrer");
    const config = await (await fetch(new URL("/config.json", demo.url))).json();
    assert.deepEqual(Object.keys(config).sort(), ["apiUrl", "audience", "clientId", "issuer", "localIdp"]);
    assert.equal(config.clientId, "stepup-demo");
    assert.equal((await fetch(new URL("/pkg/stepup.js", demo.url))).status, 200);
    assert.equal((await fetch(new URL("/callback.html", demo.url))).status, 200);
    assert.equal((await fetch(new URL("/popup-callback.html", demo.url))).status, 200);
    for (const path of ["/../idp/store.mjs", "/%2e%2e/idp/.data/factors.json", "/idp/guardian.json"]) {
      assert.equal((await fetch(new URL(path, demo.url))).status, 404, `${path} stays private`);
    }
  });

  test("the page preloads the wasm and init() uses that download: one request for it, made by the <link>", async () => {
    const { page, done } = await openDemo();
    // A preload that init()'s fetch cannot reuse (another mode or credentials) is a second request; none is a fetch.
    const loads = await page.evaluate(() =>
      performance.getEntriesByType("resource").filter((e) => e.name.endsWith("/stepup_bg.wasm")).map((e) => e.initiatorType));
    assert.deepEqual(loads, ["link"]);
    await done();
  });

  test("Keep me signed in: a reload keeps the session, the inspector names the sign-in's context, a renewal shows, and a second tab follows the sign-out", async () => {
    const { context, page, done } = await openDemo();
    await page.check("#keep");
    await signInWithPopup(page);
    assert.match(await page.textContent("#context"), /Context from the sign-in at \d\d:\d\d:\d\d \(pwd\)/);
    await page.reload();
    await page.waitForSelector("#level.weak");
    assert.ok(await page.isChecked("#keep"), "the preference is kept");
    await page.waitForFunction(() => document.getElementById("balance").textContent.includes("€"));
    // Renew the access token (as an expired one would be): the context stays, the renewal time shows.
    const before = await page.textContent("#context");
    await page.evaluate(() => {
      const key = Object.keys(localStorage).find((k) => k.startsWith("stepup.session "));
      const lines = localStorage.getItem(key).split("\n");
      lines[6] = "1"; // the access token's expiry: long past
      localStorage.setItem(key, lines.join("\n"));
    });
    await page.reload();
    await page.waitForSelector("#renewed-at", { timeout: 15000 });
    await activity(page, "info", "Access token renewed");
    assert.ok((await page.textContent("#context")).startsWith(before.split(").")[0]), "the same sign-in's context");
    // A second tab shares the session; signing out there signs this tab out.
    const other = await context.newPage();
    await other.goto(demo.url);
    await other.waitForSelector("#sign-out");
    await other.click("#sign-out");
    await page.waitForSelector("#sign-in-hero", { state: "visible", timeout: 5000 });
    await done();
  });

  test("a sign-out in another tab empties this tab's inspector and says so in Activity", async () => {
    const { context, page, done } = await openDemo();
    await page.check("#keep");
    await signInWithPopup(page);
    await activity(page, "ok", "Signed in");
    const other = await context.newPage();
    pageErrors.push(...watchPage(other));
    await other.goto(demo.url);
    await other.waitForSelector("#sign-out");
    await other.click("#sign-out");
    await page.waitForSelector("#sign-in-hero", { state: "visible", timeout: 5000 });
    await page.waitForSelector("#inspector-empty", { timeout: 5000 });
    assert.equal(await page.locator("#level").count(), 0, "no trace of the old session in the inspector");
    assert.equal(await page.locator("#decision").count(), 0);
    await activity(page, "warn", "Signed out elsewhere");
    assert.equal(await page.locator("#activity li", { hasText: "Session restored" }).count(), 0, "this tab's session was never reloaded");
    await activity(other, "info", "Session restored");
    await done();
  });

  test("a kept session the provider no longer renews (login_required) empties the inspector and says so in Activity", async () => {
    const { page, errors, done } = await openDemo();
    await page.check("#keep");
    await signInWithPopup(page);
    // The refresh token revoked at the provider, as it looks to the page: an unknown one, and the access token expired.
    await page.evaluate(() => {
      const key = Object.keys(localStorage).find((k) => k.startsWith("stepup.session "));
      const lines = localStorage.getItem(key).split("\n");
      lines[3] = "revoked-refresh-token"; // the stored entry's lines: src/core/cache.rs encode
      lines[6] = "1";
      localStorage.setItem(key, lines.join("\n"));
    });
    await page.reload();
    await page.waitForSelector("#error:not([hidden])", { timeout: 15000 });
    assert.equal(await page.textContent("#error-code"), "login_required");
    await page.waitForSelector("#sign-in-hero", { state: "visible" });
    await page.waitForSelector("#inspector-empty", { timeout: 5000 });
    assert.equal(await page.locator("#level").count(), 0, "no trace of the ended session in the inspector");
    await activity(page, "warn", "Session ended");
    // The token endpoint's 400 invalid_grant is the story here; Chromium logs it as a console error.
    const refused = errors.findIndex((e) => /status of 400 \(Bad Request\)/.test(e));
    assert.notEqual(refused, -1, "the refresh was refused by the provider");
    errors.splice(refused, 1);
    await done();
  });

  test("popup: sign in with a password, Transfer asks for TOTP, the transfer goes through; then no prompt for 5 minutes", async () => {
    const { page, popups, done } = await openDemo();
    await shot(page, "01-signed-out");
    await signInWithPopup(page);
    assert.equal(await page.textContent("#balance"), "€1,234.56");
    assert.equal(await page.locator("#amr li").count(), 1);
    assert.ok(await page.isVisible('#amr li[data-amr="pwd"]'));
    assert.equal(await page.getAttribute("#decision", "data-satisfied"), "false");
    assert.ok(await page.isVisible('#reasons li[data-reason="mfa_not_satisfied"]'));
    await shot(page, "02-signed-in-password");

    await page.fill("#to", "Bob's Bikes");
    await page.fill("#amount", "25");
    const popup = await clickForPopup(page, "#transfer");
    await popup.waitForSelector("#otp");
    assert.equal(await popup.textContent("#who"), "alice", "the signed-in user only adds the second factor");
    await popup.screenshot({ path: join(SHOTS, "03-popup-second-factor.png") });
    await totp(popup);
    await activity(page, "ok", "Sent €25.00 to Bob's Bikes");
    assert.equal(await page.textContent("#balance"), "€1,209.56");

    // The inspector shows the new sign-in: amr pwd + otp + mfa, the policy satisfied.
    await page.waitForSelector("#level.strong");
    const amr = await page.$$eval("#amr li", (lis) => lis.map((li) => li.dataset.amr));
    assert.deepEqual(amr, ["pwd", "otp", "mfa"]);
    assert.match(await page.textContent('#amr li[data-amr="otp"]'), /One-time password/);
    assert.equal(await page.getAttribute("#decision", "data-satisfied"), "true");
    assert.match(await page.textContent("#auth-age"), /s ago$/);
    await page.click("#inspector summary >> text=ID token claims");
    assert.match(await page.textContent("#id-claims"), /"amr": \[\s*"pwd",\s*"otp",\s*"mfa"\s*\]/);
    await shot(page, "04-after-step-up");

    // Inside the 5 minutes: no popup for another transfer, nor for changing the payout account.
    const before = popups.length;
    await page.fill("#to", "Rent");
    await page.fill("#amount", "100");
    await page.click("#transfer");
    await activity(page, "ok", "Sent €100.00 to Rent");
    await page.fill("#iban", "GB82 WEST 1234 5698 7654 32");
    await page.click("#change-payout");
    await activity(page, "ok", "Payout account changed");
    assert.equal(await page.textContent("#payout-current"), "GB82 WEST 1234 5698 7654 32");
    assert.equal(popups.length, before, "no popup while the second factor is fresh");
    await done();
  });

  test("popup: the same with a passkey enrolled on the account page (virtual authenticator)", async () => {
    // Enroll on the provider's account page (it asks for password + TOTP first).
    const enroll = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const accountPage = await enroll.newPage();
    pageErrors.push(...watchPage(accountPage));
    const cdpA = await enroll.newCDPSession(accountPage);
    await cdpA.send("WebAuthn.enable", { enableUI: false });
    const { authenticatorId: a } = await cdpA.send("WebAuthn.addVirtualAuthenticator", { options: AUTHENTICATOR });
    await accountPage.goto(demo.config.localIdp.accountUrl);
    await password(accountPage);
    await totp(accountPage, { popup: false });
    await accountPage.click("#add-passkey");
    await accountPage.waitForSelector("#passkeys li[data-credential-id]");
    await shot(accountPage, "05-account-passkey-added");
    // The same authenticator in another browser: copy its credential (private key included).
    const { credentials } = await cdpA.send("WebAuthn.getCredentials", { authenticatorId: a });
    assert.equal(credentials.length, 1);
    await enroll.close();

    const { context, page, done } = await openDemo();
    await signInWithPopup(page);
    await page.fill("#iban", "FR14 2004 1010 0505 0001 3M02 606");
    const popup = await clickForPopup(page, "#change-payout");
    const cdp = await context.newCDPSession(popup); // a virtual authenticator belongs to one page
    await cdp.send("WebAuthn.enable", { enableUI: false });
    const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", { options: AUTHENTICATOR });
    for (const credential of credentials) await cdp.send("WebAuthn.addCredential", { authenticatorId, credential });
    await popup.waitForSelector("#use-passkey");
    const closed = popup.waitForEvent("close", { timeout: 15000 });
    await popup.click("#use-passkey");
    await closed;
    await activity(page, "ok", "Payout account changed");
    assert.equal(await page.textContent("#payout-current"), "FR14 2004 1010 0505 0001 3M02 606");
    await page.waitForSelector("#level.strong");
    const amr = await page.$$eval("#amr li", (lis) => lis.map((li) => li.dataset.amr));
    assert.deepEqual(amr, ["pwd", "hwk", "user", "mfa"], "a device-bound passkey with user verification");
    assert.match(await page.textContent('#amr li[data-amr="hwk"]'), /hardware-secured key/);
    await shot(page, "06-after-passkey-step-up");
    await done();
  });

  test("popup: a push notification approved in the dev outbox; the waiting popup notices by itself", async () => {
    const { context, page, done } = await openDemo();
    await signInWithPopup(page);
    await page.fill("#to", "Coffee");
    await page.fill("#amount", "3.5");
    const popup = await clickForPopup(page, "#transfer");
    await popup.click("#other-factors summary");
    await popup.click("#factor-push-notification");
    await popup.waitForSelector("#push-status");
    await popup.screenshot({ path: join(SHOTS, "13-push-waiting.png") });
    // The "phone": the outbox page, in another tab of the same browser.
    const outbox = await context.newPage();
    pageErrors.push(...watchPage(outbox));
    await outbox.goto(demo.config.localIdp.outboxUrl);
    const request = outbox.locator('#outbox li[data-channel="push"][data-status="pending"]').first();
    await request.waitFor();
    await shot(outbox, "14-outbox-push");
    const closed = popup.waitForEvent("close", { timeout: 15000 });
    await request.locator("button.approve").click();
    await closed; // the popup polled, saw "approved" and finished the sign-in
    await activity(page, "ok", "Sent €3.50 to Coffee");
    const amr = await page.$$eval("#amr li", (lis) => lis.map((li) => li.dataset.amr));
    assert.deepEqual(amr, ["pwd", "swk", "mfa"]);
    await outbox.locator('#outbox li[data-channel="push"][data-status="approved"]').first().waitFor();
    await done();
  });

  test("redirect: sign in and Transfer leave the page and come back to /callback.html, which resumes the transfer", async () => {
    const { page, popups, done } = await openDemo({ mode: "redirect" });
    await page.click("#sign-in");
    await password(page);
    await page.waitForURL(demo.url);
    await page.waitForSelector("#level.weak");
    assert.equal(page.url(), demo.url, "the code and state left the address bar");
    await activity(page, "ok", "Signed in (redirect)");
    assert.equal(await page.locator("#activity li", { hasText: "Signing in (redirect)" }).count(), 1, "Activity from before the redirect is kept");
    await page.waitForFunction(() => document.getElementById("balance").textContent.includes("€"));

    await page.fill("#to", "Landlord");
    await page.fill("#amount", "40");
    await page.click("#transfer");
    await page.waitForURL(new RegExp(`^${demo.config.issuer}/interaction/`));
    await shot(page, "07-redirect-second-factor");
    await totp(page, { popup: false });
    await page.waitForURL(demo.url);
    await activity(page, "ok", "Sent €40.00 to Landlord");
    assert.equal(await page.isChecked("#mode-redirect"), true, "the mode survives the round trip");
    const amr = await page.$$eval("#amr li", (lis) => lis.map((li) => li.dataset.amr));
    assert.deepEqual(amr, ["pwd", "otp", "mfa"]);
    assert.equal(popups.length, 0, "no popup: the page itself went to the provider and back");
    await shot(page, "08-redirect-done");

    // Sign out: RP-initiated logout at the provider, back to the app, signed out there too.
    await page.click("#sign-out");
    await page.waitForURL(demo.url);
    await page.waitForSelector("#sign-in-hero:not([disabled])");
    await page.click("#sign-in");
    await page.waitForSelector("#password");
    assert.ok(page.url().startsWith(demo.config.issuer), "the provider asks for the password again");
    await done();
  });

  test("RFC 9470: the API challenges, client.fetch steps up in a popup and retries", async () => {
    const { page, done } = await openDemo();
    await signInWithPopup(page);
    assert.equal(await page.textContent("#rfc-scheme"), "Bearer");
    await page.click("#peek-challenge");
    await page.waitForSelector("#challenge-header");
    assert.match(await page.textContent("#challenge-header"), /^Bearer error="insufficient_user_authentication".*acr_values="http:\/\/schemas\.openid\.net\/pape\/policies\/2007\/06\/multi-factor", max_age="300"$/);
    const parsed = JSON.parse(await page.textContent("#challenge-parsed"));
    assert.deepEqual(parsed.acrValues, ["http://schemas.openid.net/pape/policies/2007/06/multi-factor"]);
    assert.equal(parsed.maxAge, 300);
    const posts = () => demo.api.requestLog.filter((r) => r.path === "/api/transfer" && r.method === "POST").length;
    const transfersBefore = posts();

    const popup = await clickForPopup(page, "#api-transfer");
    await totp(popup);
    await activity(page, "warn", "The API answered 401 insufficient_user_authentication");
    await activity(page, "ok", "The API accepted the transfer (200)");
    assert.equal(posts() - transfersBefore, 2, "one refused call, one retry");
    await shot(page, "09-rfc9470-retry");
    await done();
  });

  test("errors are told in words: a closed popup, a provider that skips the second factor", async () => {
    const { page, done } = await openDemo();
    await signInWithPopup(page);
    await page.fill("#to", "Nobody");
    await page.fill("#amount", "5");
    const popup = await clickForPopup(page, "#transfer");
    await popup.waitForSelector("#otp");
    await popup.close();
    await page.waitForSelector("#error:not([hidden])");
    assert.equal(await page.textContent("#error-title"), "The sign-in window was closed");
    assert.equal(await page.textContent("#error-code"), "popup_closed");
    await shot(page, "10-error-popup-closed");

    const transfers = () => demo.api.requestLog.filter((r) => r.path === "/api/transfer").length;
    const before = transfers();
    const balance = await page.textContent("#balance");
    demo.idp.switches.ignoreAcrValues = true;
    try {
      const again = await clickForPopup(page, "#transfer");
      await again.waitForEvent("close", { timeout: 15000 }).catch(() => {});
      await page.waitForSelector("#error:not([hidden])");
      await page.waitForFunction(() => /not_satisfied/.test(document.getElementById("error-code")?.textContent ?? ""));
      assert.equal(await page.textContent("#error-title"), "The identity provider did not ask for a second factor");
      const text = await page.textContent("#error");
      assert.doesNotMatch(text, /\bat \S+:\d+|Error:|wasm/, "no stack trace, no raw error");
    } finally {
      demo.idp.switches.ignoreAcrValues = false;
    }
    assert.equal(transfers(), before, "no money moved");
    assert.equal(await page.textContent("#balance"), balance);
    await done();
  });

  test("bob sets up his first factor from a QR code inside the popup", async () => {
    const { page, done } = await openDemo();
    const popup = await clickForPopup(page, "#sign-in");
    let closed = popup.waitForEvent("close", { timeout: 15000 });
    await password(popup, "bob");
    await closed;
    await page.waitForSelector("#level.weak");
    await page.fill("#iban", "DE89 3704 0044 0532 0130 00");
    const stepUp = await clickForPopup(page, "#change-payout");
    await stepUp.click("#enroll-otp");
    await stepUp.waitForSelector("#totp-qr svg");
    await stepUp.screenshot({ path: join(SHOTS, "11-bob-qr-enrollment.png") });
    const secret = await stepUp.getAttribute("#totp-secret", "data-secret");
    const { totpCode } = await import("../../www/idp/provider.mjs");
    await stepUp.fill("#enroll-code", await totpCode(secret));
    await stepUp.click("#enroll-verify");
    await stepUp.waitForSelector("#recovery-codes li");
    assert.equal(await stepUp.locator("#recovery-codes li").count(), 10);
    await stepUp.screenshot({ path: join(SHOTS, "12-bob-recovery-codes.png") });
    closed = stepUp.waitForEvent("close", { timeout: 15000 });
    await stepUp.click("#continue");
    await closed;
    await activity(page, "ok", "Payout account changed");
    assert.equal(await page.textContent("#user-name"), "Bob Example");
    await done();
  });

  test("the DPoP switch: after sign-in the inspector shows the key thumbprint and the access token's cnf.jkt naming it; the balance loads with DPoP", async () => {
    const { page, done } = await openDemo();
    await page.check("#dpop");
    await page.waitForSelector("#sign-in-hero:not([disabled])");
    assert.equal(await page.isChecked("#dpop"), true, "the preference survives the reload");
    await signInWithPopup(page);
    assert.equal(await page.textContent("#token-type"), "DPoP");
    const jkt = await page.textContent("#dpop-jkt");
    assert.match(jkt, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(await page.textContent("#cnf-jkt"), jkt);
    assert.match(await page.textContent("#cnf-match"), /names this key/);
    assert.match(await page.textContent("#balance"), /^€[\d,.]+$/, "the API took the DPoP-bound token");
    await shot(page, "dpop-inspector");
    await done();
  });

  test("the DPoP switch: \"Show the API's challenge\" sends a DPoP proof and shows the RFC 9470 challenge under the DPoP scheme, then 200 after a step-up", async () => {
    const { page, done } = await openDemo();
    await page.check("#dpop");
    await page.waitForSelector("#sign-in-hero:not([disabled])");
    await signInWithPopup(page);
    await page.click("#peek-challenge");
    await page.waitForSelector("#challenge-header");
    const header = await page.textContent("#challenge-header");
    // The guard's RFC 9470 challenge under the DPoP scheme (RFC 9449 §7.1: with the algorithms it accepts for proofs).
    assert.match(header, /^DPoP error="insufficient_user_authentication", /);
    assert.match(header, /, acr_values="http:\/\/schemas\.openid\.net\/pape\/policies\/2007\/06\/multi-factor", max_age="300"(, |$)/);
    assert.match(header, /(^|, )algs="[^"]+"/);
    const parsed = JSON.parse(await page.textContent("#challenge-parsed"));
    assert.deepEqual(parsed.acrValues, ["http://schemas.openid.net/pape/policies/2007/06/multi-factor"]);
    assert.equal(parsed.maxAge, 300);
    assert.match(await page.textContent("#challenge-sent"), /Authorization: DPoP .*DPoP proof/);
    assert.equal(await page.textContent("#rfc-scheme"), "DPoP", "the card names the scheme the API uses");

    const popup = await clickForPopup(page, "#api-transfer");
    await totp(popup);
    await activity(page, "ok", "The API accepted the transfer (200)");
    await page.click("#peek-challenge");
    await page.waitForFunction(() => /^HTTP 200/.test(document.querySelector("#challenge p")?.textContent ?? ""));
    assert.equal(await page.locator("#challenge-header").count(), 0, "no challenge once the sign-in is strong enough");
    await shot(page, "dpop-challenge");
    await done();
  });
});

describe("the demo against another provider (STEPUP_ISSUER)", () => {
  test("no local provider starts; the page and the API use the given issuer, client and audience", async () => {
    await assert.rejects(() => startDemo({ env: { STEPUP_ISSUER: "https://tenant.example/" } }), /STEPUP_CLIENT_ID is not/);
    // "Another provider": a second dev provider started on its own, as a tenant would be.
    const { startIdp } = await import("../../www/idp/provider.mjs");
    const own = mkdtempSync(join(tmpdir(), "stepup-demo-ext-"));
    const tenant = await startIdp({ dataDir: own, testMode: true });
    const external = await startDemo({ env: { STEPUP_ISSUER: tenant.issuer, STEPUP_CLIENT_ID: tenant.clientId, STEPUP_AUDIENCE: tenant.audience } });
    try {
      tenant.addAppOrigin(external.app.url);
      assert.equal(external.idp, undefined);
      assert.equal(external.config.localIdp, null);
      assert.equal(external.config.issuer, tenant.issuer);
      const context = await browser.newContext();
      const page = await context.newPage();
      pageErrors.push(...watchPage(page));
      await page.goto(external.url);
      await page.waitForSelector("#sign-in-hero:not([disabled])");
      assert.match(await page.textContent("#intro-extra"), new RegExp(`Identity provider: ${tenant.issuer}`));
      const popup = await clickForPopup(page, "#sign-in");
      const closed = popup.waitForEvent("close", { timeout: 15000 });
      await password(popup);
      await closed;
      await page.waitForFunction(() => document.getElementById("balance").textContent.includes("€"));
      assert.ok(external.api.requestLog.some((r) => r.path === "/api/balance" && r.method === "GET"), "the local API accepted the tenant's token");
      await context.close();
    } finally {
      await external.close();
      await tenant.close();
      rmSync(own, { recursive: true, force: true });
    }
  });
});

describe("friendly error messages", () => {
  const codes = ["malformed_token", "unsupported_algorithm", "invalid_signature", "key_not_found", "invalid_issuer", "invalid_audience",
    "invalid_authorized_party", "token_expired", "token_not_yet_valid", "invalid_issued_at", "nonce_mismatch", "missing_claim", "invalid_claim",
    "unsupported_critical_header", "at_hash_mismatch", "auth_time_too_old", "acr_not_satisfied", "amr_not_satisfied", "invalid_config",
    "discovery_failed", "issuer_mismatch", "state_mismatch", "missing_transaction", "authorization_error", "token_request_failed", "network_error",
    "popup_blocked", "popup_closed", "popup_timeout", "aborted", "step_up_required", "webauthn_not_supported", "webauthn_aborted",
    "webauthn_not_allowed", "webauthn_already_registered", "webauthn_invalid_domain", "webauthn_invalid_rp_id", "webauthn_unsupported_algorithm",
    "webauthn_constraint", "webauthn_invalid_options", "webauthn_failed"];

  test("every StepUpError code has a title and advice, and popup_blocked says what to do", () => {
    for (const code of codes) {
      const err = Object.assign(new Error(`details of ${code}`), { name: "StepUpError", code, error: "access_denied" });
      const { title, advice } = explain(err);
      assert.ok(title && advice, code);
      assert.doesNotMatch(`${title} ${advice}`, /undefined|\bat \S+:\d+/, code);
    }
    assert.match(explain({ name: "StepUpError", code: "popup_blocked" }).advice, /Allow popups .* or switch to Redirect/);
    assert.equal(explain({ name: "StepUpError", code: "authorization_error", error: "access_denied" }).title, "Sign-in cancelled");
    assert.equal(explain(new TypeError("Failed to fetch")).title, "Network problem");
  });
});
