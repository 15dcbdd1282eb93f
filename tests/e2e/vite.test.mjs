// The npm package in a Vite app, as a front-end developer uses it: tests/vite-consumer/ copied to a
// temporary folder, pkg/ packed with `npm pack` and unpacked as its node_modules/stepup, then
//   1. `vite build` (production): the wasm must come out as a hashed asset that the glue fetches, and the
//      built app must run in Chromium: token helpers, verifyIdToken, and a popup step-up (password + TOTP)
//      against the dev identity provider, with the popup callback page built by Vite too;
//   2. `vite` dev server, with the documented `optimizeDeps.exclude: ["stepup"]` and without any setting:
//      the app runs as well.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, createServer } from "vite";
import { launchBrowser, repoRoot, serveStatic, signInAtIdp } from "./harness.mjs";
import { installPackedPackage } from "../vite-consumer/pack.mjs";
import { ACR_MFA, startIdp } from "../../www/idp/provider.mjs";

let dir, browser, dataDir;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "stepup-vite-"));
  for (const f of ["index.html", "popup-callback.html", "vite.config.js", "package.json", "src"]) {
    cpSync(join(repoRoot, "tests", "vite-consumer", f), join(dir, f), { recursive: true });
  }
  installPackedPackage(dir);
  // The consumer's own devDependency: the workspace's vite.
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  symlinkSync(join(repoRoot, "node_modules", "vite"), join(dir, "node_modules", "vite"), "dir");
  dataDir = mkdtempSync(join(tmpdir(), "stepup-vite-idp-"));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const expectedChecks = {
  decoded: "alice",
  validated: ACR_MFA,
  wrongNonce: "nonce_mismatch",
  malformed: "malformed_token",
  verified: "alice",
  badSignature: "invalid_signature",
  policy: ["mfa_not_satisfied"],
  challenge: 300,
  webauthn: "boolean",
  badConfig: "invalid_config",
};

async function openApp(url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text()); });
  // Every failed request but the favicon (the consumer app has none).
  page.on("response", (r) => { if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) errors.push(`${r.status()} ${r.url()}`); });
  await page.goto(url);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 20000 });
  return { context, page, errors };
}


describe("stepup in a Vite app", () => {
  test("vite build: the wasm is an emitted asset and the app runs, including a popup step-up", async () => {
    const quiet = { logLevel: "warn", root: dir, configFile: join(dir, "vite.config.js") };
    await build({ ...quiet, build: { outDir: join(dir, "dist"), emptyOutDir: true } });
    const assets = readdirSync(join(dir, "dist", "assets"));
    const wasm = assets.filter((f) => f.endsWith(".wasm"));
    assert.equal(wasm.length, 1, `one wasm asset, got ${assets}`);
    const js = assets.filter((f) => f.endsWith(".js")).map((f) => readFileSync(join(dir, "dist", "assets", f), "utf8")).join("\n");
    assert.ok(js.includes(wasm[0]), "the built JS refers to the hashed wasm asset");

    const app = await serveStatic({ mounts: { "/": join(dir, "dist") } });
    const idp = await startIdp({ appOrigins: [app.url], testMode: true, dataDir });
    try {
      const { context, page, errors } = await openApp(`${app.url}/index.html?issuer=${encodeURIComponent(idp.issuer)}&clientId=${idp.clientId}`);
      assert.deepEqual(await page.evaluate(() => window.checks), expectedChecks);
      assert.match(await page.evaluate(() => window.wasmUrl), new RegExp(`/assets/${wasm[0].replace(".", "\\.")}$`));

      const popupOpened = page.waitForEvent("popup", { timeout: 10000 });
      await page.click("#step-up");
      await signInAtIdp(await popupOpened, idp);
      await page.waitForFunction(() => window.outcome, null, { timeout: 30000 });
      const outcome = await page.evaluate(() => window.outcome);
      assert.equal(outcome.ok, true, JSON.stringify(outcome));
      assert.equal(outcome.acr, ACR_MFA);
      assert.ok(outcome.amr.includes("otp"), JSON.stringify(outcome.amr));
      assert.deepEqual(errors, []);
      await context.close();
    } finally {
      await idp.close();
      await app.close();
    }
  });

  for (const exclude of [true, false]) {
    const name = exclude ? "with the documented optimizeDeps.exclude: ['stepup']" : "with no settings at all";
    test(`vite dev server ${name}: the app loads the wasm and runs`, async () => {
      const server = await createServer({
        logLevel: "warn", root: dir,
        ...(exclude ? { configFile: join(dir, "vite.config.js") } : { configFile: false, build: { target: "es2022" } }),
        server: { port: 0, host: "127.0.0.1", strictPort: false, hmr: false },
      });
      await server.listen();
      try {
        const { port } = server.httpServer.address();
        const { context, page, errors } = await openApp(`http://localhost:${port}/index.html`);
        assert.deepEqual(await page.evaluate(() => window.checks), expectedChecks);
        assert.match(await page.evaluate(() => window.wasmUrl), /stepup_bg\.wasm/);
        assert.deepEqual(errors, []);
        await context.close();
      } finally {
        await server.close();
      }
    });
  }
});
