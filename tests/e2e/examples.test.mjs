// The Rust front-end examples (examples/leptos, examples/yew) end to end: each app, built for wasm32
// with stepup's `leptos` / `yew` feature and WITHOUT `js`, runs in headless Chromium against the dev
// identity provider (npm oidc-provider): sign in with a popup (password), then the sensitive section's
// guard asks for a second factor in a popup (TOTP) and shows the guarded content with acr = the MFA URI.
// Also: the built examples carry none of the npm package's JS exports.
//
// Builds come from scripts/examples.mjs (npm test runs it first); missing ones are built here.
// Run: node --test tests/e2e/examples.test.mjs
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchBrowser, repoRoot, serveStatic, signInAtIdp } from "./harness.mjs";
import { ACR_MFA, ACR_PWD, startIdp } from "../../www/idp/provider.mjs";
import { EXAMPLES, buildExamples, distDir, examplesBuilt } from "../../scripts/examples.mjs";

/** What the npm package exports (DESIGN.md); wasm-bindgen names class methods `stepupclient_<method>`. */
const JS_EXPORTS = [
  "decodeJwt", "validateIdTokenClaims", "evaluateStepUp", "parseStepUpChallenge", "verifyIdToken",
  "StepUpClient", "handlePopupCallback", "registerPasskey", "authenticatePasskey", "webauthnSupport",
];

let app, idp, browser, dataDir;

before(async () => {
  const missing = EXAMPLES.filter((n) => !examplesBuilt([n]));
  if (missing.length) buildExamples({ names: missing });
  const mounts = Object.fromEntries(EXAMPLES.map((n) => [`/${n}/`, distDir(n)]));
  app = await serveStatic({ mounts });
  dataDir = mkdtempSync(join(tmpdir(), "stepup-examples-"));
  // Redirect URIs match exactly: each example's page and popup callback, in its folder.
  const redirectPaths = EXAMPLES.flatMap((n) => [`/${n}/index.html`, `/${n}/popup-callback.html`]);
  idp = await startIdp({ appOrigins: [app.url], redirectPaths, testMode: true, dataDir });
  // Chromium's popup blocker stays ON (playwright turns it off by default): the popups must open in the click.
  browser = await launchBrowser({ launch: { ignoreDefaultArgs: ["--disable-popup-blocking"] } });
});

after(async () => {
  await browser?.close();
  await idp?.close();
  await app?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Answer the provider's pages in the popup until it closes. Returns the page ids seen. */
async function signIn(popup) {
  const seen = await signInAtIdp(popup, idp, { timeout: 20000 });
  if (!popup.isClosed()) await popup.waitForEvent("close", { timeout: 20000 });
  return seen;
}

/** Click `selector` in the app, take the popup it opens, and sign in there. */
async function popupFlow(page, selector) {
  const opened = page.waitForEvent("popup", { timeout: 10000 });
  await page.click(selector);
  const popup = await opened;
  const errors = [];
  popup.on("pageerror", (e) => errors.push(String(e)));
  const pages = await signIn(popup);
  return { pages, errors };
}

const text = (page, sel) => page.textContent(sel).then((t) => t.trim());

for (const name of EXAMPLES) {
  describe(`examples/${name}`, () => {
    test("sign in with a popup, then step up with TOTP: the guarded content appears with acr = MFA URI", { timeout: 120000 }, async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`); });
      const query = new URLSearchParams({ issuer: idp.issuer, client_id: idp.clientId });
      await page.goto(`${app.url}/${name}/index.html?${query}`);

      // Signed out: the guard shows its fallback.
      await page.waitForSelector("#sign-in", { timeout: 30000 });
      assert.equal(await page.$("#sensitive"), null);
      assert.ok(await page.$("#step-up"), "the guard's fallback (step-up button) is shown");
      assert.equal(await text(page, "#acr"), "-");

      // Password sign-in in a popup: acr is the password level, the guard still says no.
      const login = await popupFlow(page, "#sign-in");
      assert.deepEqual(login.pages, ["password"]);
      assert.deepEqual(login.errors, []);
      await page.waitForFunction((acr) => document.querySelector("#acr")?.textContent.trim() === acr, ACR_PWD, { timeout: 20000 });
      assert.equal(await text(page, "#amr"), "pwd");
      assert.equal(await text(page, "#sub"), "alice");
      assert.equal(await page.$("#sensitive"), null);

      // Step-up from the guard's fallback: only the second factor is asked (the provider has a session).
      const stepUp = await popupFlow(page, "#step-up");
      assert.deepEqual(stepUp.pages, ["otp"]);
      assert.deepEqual(stepUp.errors, []);
      await page.waitForSelector("#sensitive", { timeout: 20000 });
      assert.equal(await text(page, "#acr"), ACR_MFA);
      assert.ok((await text(page, "#amr")).split(" ").includes("otp"), await text(page, "#amr"));
      assert.equal(await page.$("#step-up"), null);
      assert.equal(await text(page, "#error"), "");

      await page.click("#transfer");
      await page.waitForSelector("#transfer-done", { timeout: 5000 });

      // Sign out in another tab of the app: this tab's session ends and the guard falls back at once.
      const other = await context.newPage();
      await other.goto(`${app.url}/${name}/index.html?${query}`);
      await other.waitForSelector("#sign-out", { timeout: 30000 });
      await other.click("#sign-out");
      await page.waitForSelector("#step-up", { timeout: 5000 });
      assert.equal(await page.$("#sensitive"), null);
      assert.equal(await text(page, "#acr"), "-");
      assert.deepEqual(errors, []);
      await context.close();
    });

    test("built without `js`: none of the npm package's exports in the wasm or its JS glue", () => {
      const dist = distDir(name);
      const wasm = new WebAssembly.Module(readFileSync(join(dist, "app_bg.wasm")));
      const exported = WebAssembly.Module.exports(wasm).map((e) => e.name);
      const glue = readFileSync(join(dist, "app.js"), "utf8");
      for (const js of JS_EXPORTS) {
        const hits = exported.filter((e) => e.toLowerCase().includes(js.toLowerCase()));
        assert.deepEqual(hits, [], `wasm export of ${js}`);
        assert.ok(!new RegExp(`\\b${js}\\b`).test(glue), `${js} in app.js`);
      }
      // What the glue does export: wasm-bindgen's loader, plus whatever the framework exports (Leptos
      // links wasm-streams' IntoUnderlying* classes); none of it ours.
      const jsExports = [...glue.matchAll(/^export (?:async )?(?:function|class|const|let) (\w+)/gm)].map((m) => m[1]);
      const ours = new Set(JS_EXPORTS.map((n) => n.toLowerCase()));
      assert.deepEqual(jsExports.filter((n) => ours.has(n.toLowerCase())), []);
      assert.match(glue, /export \{ initSync/);
    });
  });
}

test("control: the npm package (pkg/, feature js) does export them, so the check above can fail", { skip: !existsSync(join(repoRoot, "pkg", "stepup.js")) }, () => {
  // pkg/'s wasm exports carry short names (scripts/build.mjs minifies them), so the control reads its glue, which
  // the check above reads too.
  const glue = readFileSync(join(repoRoot, "pkg", "stepup.js"), "utf8");
  for (const js of ["decodeJwt", "StepUpClient", "verifyIdToken", "registerPasskey"]) {
    assert.match(glue, new RegExp(`^export (?:async )?(?:function|class) ${js}\\b`, "m"), `pkg/ exports ${js}`);
  }
});
