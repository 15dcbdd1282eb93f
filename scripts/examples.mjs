// Build the Rust front-end examples (examples/leptos, examples/yew) into examples/<name>/dist/:
// `cargo build --release --target wasm32-unknown-unknown` (each example is its own crate and workspace,
// with stepup as a path dependency WITHOUT the `js` feature), then the pinned wasm-bindgen CLI with
// `--target web`, then wasm-opt -Oz when npm binaryen is installed (as for pkg/), then the static pages.
//
// Both examples share one CARGO_TARGET_DIR (<target>/examples), so their common dependencies (web-sys,
// js-sys, serde, stepup itself…) compile once.
//
//   node scripts/examples.mjs            # both
//   node scripts/examples.mjs yew        # one
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { bootstrap, root } from "./bootstrap.mjs";

export const EXAMPLES = ["leptos", "yew"];

/** The static files each example ships next to the generated app.js / app_bg.wasm. */
const PAGES = ["index.html", "popup-callback.html", "style.css"];

function run(cmd, args, { env = {}, cwd = root } = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd, env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed with status ${r.status}`);
}

export function examplesTargetDir() {
  return join(process.env.CARGO_TARGET_DIR || join(root, "target"), "examples");
}

export function distDir(name) {
  return join(root, "examples", name, "dist");
}

/** Raw and gzip (level 9) bytes of a file. */
function sizes(file) {
  const bytes = readFileSync(file);
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

/**
 * Build `names` (default both). `tools.wasmBindgen` is the pinned wasm-bindgen CLI from bootstrap().
 * Returns [{ name, dist, seconds, wasm: {raw, gzip}, js: {raw, gzip} }] and logs one line per example.
 */
export function buildExamples({ tools = bootstrap({ browser: false }), names = EXAMPLES } = {}) {
  const targetDir = examplesTargetDir();
  const wasmOpt = join(root, "node_modules", ".bin", "wasm-opt");
  const results = [];
  for (const name of names) {
    if (!EXAMPLES.includes(name)) throw new Error(`unknown example ${name} (known: ${EXAMPLES.join(", ")})`);
    const t0 = Date.now();
    const dir = join(root, "examples", name);
    run("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "--manifest-path", join(dir, "Cargo.toml")], {
      env: { CARGO_TARGET_DIR: targetDir },
    });
    const cargoSeconds = (Date.now() - t0) / 1000;
    const wasm = join(targetDir, "wasm32-unknown-unknown", "release", `stepup-example-${name}.wasm`);
    const dist = distDir(name);
    rmSync(dist, { recursive: true, force: true });
    mkdirSync(dist, { recursive: true });
    run(tools.wasmBindgen, ["--target", "web", "--no-typescript", "--out-dir", dist, "--out-name", "app", wasm]);
    const bg = join(dist, "app_bg.wasm");
    if (existsSync(wasmOpt)) {
      run(wasmOpt, ["-Oz", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext",
        "--enable-mutable-globals", "--enable-reference-types", "--enable-multivalue", "--strip-debug", "--strip-producers",
        bg, "-o", bg]);
    }
    for (const page of PAGES) copyFileSync(join(dir, page), join(dist, page));
    const result = {
      name,
      dist,
      seconds: (Date.now() - t0) / 1000,
      cargoSeconds,
      wasm: sizes(bg),
      js: sizes(join(dist, "app.js")),
    };
    results.push(result);
    const kb = (n) => (n / 1024).toFixed(1);
    console.log(`[examples] ${name}: dist ready in ${result.seconds.toFixed(1)} s (cargo ${cargoSeconds.toFixed(1)} s); ` +
      `wasm ${kb(result.wasm.raw)} KB (${kb(result.wasm.gzip)} KB gzip), app.js ${kb(result.js.raw)} KB (${kb(result.js.gzip)} KB gzip)`);
  }
  return results;
}

/** Whether every example has a built dist/ (the e2e test builds the missing ones). */
export function examplesBuilt(names = EXAMPLES) {
  return names.every((n) => existsSync(join(distDir(n), "app_bg.wasm")) && existsSync(join(distDir(n), "index.html")));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const names = process.argv.slice(2);
  buildExamples({ names: names.length ? names : EXAMPLES });
}
