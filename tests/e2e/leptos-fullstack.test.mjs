// examples/leptos-fullstack end to end: axum + Leptos server-side rendering, hydrated in headless Chromium,
// against the dev identity provider. The server renders the guard's fallback (no client there); the page
// hydrates without warnings; a password sign-in in a popup; the "transfer" server function (guarded by
// stepup-server with { mfa, maxAge: 300 }) answers 401 with the RFC 9470 challenge, the server-function client
// steps up in a popup (TOTP) and calls again, and the function runs. The password-level token, replayed, is
// still refused by the server.
//
// The example is built here when missing (cargo, then the pinned wasm-bindgen): see scripts/fullstack.mjs.
// Run: node --test tests/e2e/leptos-fullstack.test.mjs
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchBrowser, signInAtIdp } from "./harness.mjs";
import { ACR_MFA, ACR_PWD, startIdp } from "../../www/idp/provider.mjs";
import { buildFullstack } from "../../scripts/fullstack.mjs";

let idp, server, appUrl, browser, dataDir;

/** Start the example's server; resolves with its URL (it prints `listening on http://…`). */
function startServer({ binary, site }) {
  return new Promise((ok, ko) => {
    const child = spawn(binary, [], {
      env: { ...process.env, ISSUER: idp.issuer, AUDIENCE: idp.audience, SITE: site, PORT: "0" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) ok({ child, url: `http://localhost:${m[1]}` });
    });
    child.on("exit", (code) => ko(new Error(`the example's server exited (${code}): ${out}`)));
  });
}

before(async () => {
  const built = buildFullstack();
  dataDir = mkdtempSync(join(tmpdir(), "stepup-fullstack-"));
  idp = await startIdp({ redirectPaths: ["/", "/popup-callback.html"], testMode: true, dataDir });
  server = await startServer(built);
  appUrl = server.url;
  idp.addAppOrigin(appUrl);
  // Chromium's popup blocker stays ON: the popups must open within the click's user activation.
  browser = await launchBrowser({ launch: { ignoreDefaultArgs: ["--disable-popup-blocking"] } });
});

after(async () => {
  await browser?.close();
  server?.child.kill();
  await idp?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function popupFlow(page, selector) {
  const opened = page.waitForEvent("popup", { timeout: 15000 });
  await page.click(selector);
  const popup = await opened;
  const pages = await signInAtIdp(popup, idp, { timeout: 20000 });
  if (!popup.isClosed()) await popup.waitForEvent("close", { timeout: 20000 });
  return pages;
}

const text = (page, sel) => page.textContent(sel).then((t) => t.trim());

test("the server renders the guard's fallback, never the protected content", async () => {
  const html = await (await fetch(`${appUrl}/`)).text();
  assert.match(html, /id="not-verified"/);
  assert.doesNotMatch(html, /id="verified"/);
  assert.match(html, /<p id="status">loading<\/p>/);
});

test("hydrate, sign in, transfer: 401 challenge, popup step-up, retry, the function runs", { timeout: 180000 }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`); });
  const calls = [];
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
  page.on("response", async (r) => {
    if (!r.url().endsWith("/api/transfer")) return;
    calls.push({ status: r.status(), authorization: (await r.request().allHeaders()).authorization, challenge: (await r.allHeaders())["www-authenticate"] });
  });
  const query = new URLSearchParams({ issuer: idp.issuer, client_id: idp.clientId });
  await page.goto(`${appUrl}/?${query}`);
  // Hydrated, then the effect read the (empty) session.
  await page.waitForFunction(() => document.querySelector("#status")?.textContent === "ready", null, { timeout: 30000 })
    .catch((e) => { throw new Error(`${e.message}; page problems: ${JSON.stringify(problems)}`); });
  assert.ok(await page.$("#not-verified"));

  assert.deepEqual(await popupFlow(page, "#sign-in"), ["password"]);
  await page.waitForFunction((acr) => document.querySelector("#acr")?.textContent === acr, ACR_PWD, { timeout: 20000 });
  assert.ok(await page.$("#not-verified"), "a password login does not satisfy the transfer's policy");

  // The server function refuses the password-level token with the step-up challenge; the client steps up.
  const stepUp = await popupFlow(page, "#transfer").catch(async (e) => {
    throw new Error(`${e.message}; result: ${await text(page, "#result")}; calls: ${JSON.stringify(calls)}; page problems: ${JSON.stringify(problems)}`);
  });
  assert.deepEqual(stepUp, ["otp"]);
  await page.waitForFunction(() => document.querySelector("#result")?.textContent.includes("sent 100"), null, { timeout: 30000 });
  assert.equal(await text(page, "#result"), "alice sent 100 €");
  assert.equal(await text(page, "#acr"), ACR_MFA);
  await page.waitForSelector("#verified", { timeout: 10000 });

  assert.equal(calls.length, 2, JSON.stringify(calls));
  assert.equal(calls[0].status, 401);
  assert.match(calls[0].challenge, /error="insufficient_user_authentication"/);
  assert.match(calls[0].challenge, /max_age="?300\b/);
  assert.equal(calls[1].status, 200);
  assert.notEqual(calls[0].authorization, calls[1].authorization, "the retry carries the stepped-up token");

  // The weaker token, replayed outside the browser: still refused, the function does not run.
  const replay = await fetch(`${appUrl}/api/transfer`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: calls[0].authorization },
    body: "amount=100",
  });
  assert.equal(replay.status, 401);
  assert.doesNotMatch(await replay.text(), /sent 100/);
  // Chromium logs every 4xx fetch; the one 401 above is the challenge the flow expects. Anything else (a
  // hydration warning, a panic, another failed load) fails the test.
  const challenge401 = "error: Failed to load resource: the server responded with a status of 401 (Unauthorized)";
  assert.deepEqual(problems.filter((p) => p !== challenge401), [], "no hydration warning, no error");
  assert.equal(problems.length, 1, JSON.stringify(problems));
  await context.close();
});
