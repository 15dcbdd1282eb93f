// Build examples/leptos-fullstack: the server (`cargo build --features ssr`, native, cargo's dev profile) and the
// browser half (`--release --lib --target wasm32-unknown-unknown --features hydrate`, then the pinned wasm-bindgen
// CLI with `--target web`) into <target>/leptos-ssr/. No cargo-leptos.
//
// The release profile in the example's Cargo.toml is tuned for the wasm's size (opt-level z, LTO, one codegen
// unit); on the native server it costs minutes and buys nothing a local run needs. The target directory is the one
// tests/ssr-adapters builds in: what both resolve alike is compiled once.
//
//   node scripts/fullstack.mjs
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bootstrap, root } from "./bootstrap.mjs";

const dir = join(root, "examples", "leptos-fullstack");

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: dir, env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed with status ${r.status}`);
}

/** Build both halves; returns { binary, site, seconds }. */
export function buildFullstack({ tools = bootstrap({ browser: false }) } = {}) {
  const t0 = Date.now();
  const targetDir = join(process.env.CARGO_TARGET_DIR || join(root, "target"), "leptos-ssr");
  run("cargo", ["build", "--features", "ssr", "--bin", "server", "--target-dir", targetDir]);
  run("cargo", ["build", "--release", "--lib", "--target", "wasm32-unknown-unknown", "--features", "hydrate", "--target-dir", targetDir]);
  const site = join(targetDir, "site");
  mkdirSync(site, { recursive: true });
  const wasm = join(targetDir, "wasm32-unknown-unknown", "release", "stepup_example_leptos_fullstack.wasm");
  run(tools.wasmBindgen, ["--target", "web", "--no-typescript", "--out-dir", site, "--out-name", "app", wasm]);
  const binary = join(targetDir, "debug", "server");
  if (!existsSync(binary)) throw new Error(`no server binary at ${binary}`);
  const seconds = (Date.now() - t0) / 1000;
  console.log(`[fullstack] built in ${seconds.toFixed(1)} s`);
  return { binary, site, seconds };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) buildFullstack();
