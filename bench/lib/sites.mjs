// Builds what the benchmark loads, with Vite (production, minified), under bench/.work/ (gitignored):
//   site/<entry>/  one app per bench/entries/<entry>.js: index.html + main.js that import()s the entry and
//                  times it; the entry chunk (+ stepup's wasm asset) is what the size table counts.
//   site/pages/    bench/pages/: the token-work page and the popup round-trip apps + callback pages.
// stepup comes from the packed pkg/ (npm pack → node_modules/stepup), the others from the workspace's
// node_modules, as installed from npm.
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "vite";
import { repoRoot } from "../../tests/e2e/harness.mjs";
import { installPackedPackage } from "../../tests/vite-consumer/pack.mjs";

export const work = join(repoRoot, "bench", ".work");
export const ENTRIES = [
  "none",
  "stepup",
  "auth0-spa-js",
  "oidc-client-ts",
  "simplewebauthn-browser",
  "oidc-client-ts+simplewebauthn",
  "oidc-client-ts+simplewebauthn+jose",
  "jwt-decode",
  "jose",
];

function viteConfig(root, input) {
  return {
    root,
    configFile: false,
    logLevel: "warn",
    build: {
      outDir: join(root, "dist"),
      emptyOutDir: true,
      target: "es2022",
      minify: true,
      modulePreload: false, // no preload polyfill in the harness chunk
      assetsInlineLimit: 0, // the wasm stays a file, as apps ship it
      manifest: true,
      rollupOptions: { input },
    },
  };
}

export function prepareWork() {
  rmSync(join(work, "site"), { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  installPackedPackage(work); // bench/.work/node_modules/stepup
}

/** Build one app per entry; returns { entry: { dir, files: [{ name, bytes }] } } of the entry's chunk(s) and assets. */
export async function buildEntrySites() {
  const out = {};
  for (const entry of ENTRIES) out[entry] = await buildEntrySite(entry, work);
  return out;
}

/** One entry's app under `base`/site/<entry> (the package resolved from `base`/node_modules): its chunk(s) and assets. */
export async function buildEntrySite(entry, base) {
  const root = join(base, "site", entry);
  rmSync(root, { recursive: true, force: true });
  cpSync(join(repoRoot, "bench", "entries"), join(root, "entries"), { recursive: true });
  writeFileSync(join(root, "index.html"), `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${entry} cold start</title></head>
<body><script type="module" src="./main.js"></script></body></html>
`);
  writeFileSync(join(root, "main.js"), `// Cold start: import the library's chunk, then start() it (init + client construction).
const t0 = performance.now();
const lib = await import("./entries/${entry}.js");
const t1 = performance.now();
await lib.start();
const t2 = performance.now();
window.__bench = { import: t1 - t0, start: t2 - t1, ready: t2 };
`);
  await build(viteConfig(root, { index: join(root, "index.html") }));
  const dist = join(root, "dist");
  const manifest = JSON.parse(readFileSync(join(dist, ".vite", "manifest.json"), "utf8"));
  const harness = manifest["index.html"].file;
  const files = readdirSync(join(dist, "assets"))
    .map((f) => `assets/${f}`)
    .filter((f) => f !== harness)
    .map((name) => ({ name, bytes: readFileSync(join(dist, name)) }));
  return { dir: dist, files };
}

/** The stepup app of `site` (from buildEntrySite) again, its page's HTML preloading the wasm: what an app can add so
 * that the wasm downloads while the JS does, instead of after `init()` asks for it. The fetch `init()` makes (mode
 * cors, credentials same-origin) is the one `<link rel="preload" as="fetch" crossorigin>` makes, so it is reused. */
export function withWasmPreload(site, base = work) {
  const wasm = site.files.find((f) => f.name.endsWith(".wasm"));
  if (!wasm) throw new Error("the stepup app has no wasm asset");
  const dir = join(base, "site", "stepup+preload", "dist");
  rmSync(dir, { recursive: true, force: true });
  cpSync(site.dir, dir, { recursive: true });
  const index = join(dir, "index.html");
  const link = `<link rel="preload" href="/${wasm.name}" as="fetch" type="application/wasm" crossorigin>`;
  writeFileSync(index, readFileSync(index, "utf8").replace("<head>", `<head>${link}`));
  return { dir, files: site.files, variant: true };
}

/** What an app ships for stepup, measured as the size table does: pkg/ packed, the stepup entry built by Vite,
 * its files compressed one by one. Builds no wasm: measures pkg/ as it is. */
export async function shippedStepup(base = join(work, "budget")) {
  const { sizeOf } = await import("./size.mjs");
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  installPackedPackage(base);
  const { files } = await buildEntrySite("stepup", base);
  return sizeOf(files);
}

export async function buildPagesSite() {
  const root = join(work, "site", "pages");
  cpSync(join(repoRoot, "bench", "pages"), root, { recursive: true });
  const input = Object.fromEntries(readdirSync(root).filter((f) => f.endsWith(".html")).map((f) => [f.slice(0, -5), join(root, f)]));
  await build(viteConfig(root, input));
  return join(root, "dist");
}

export function fileSize(path) {
  return statSync(path).size;
}
