// Where stepup's wasm bytes go, and what build settings would change them.
//   twiggy on the un-stripped release wasm (target/…/release/stepup.wasm), and on a copy of the shipped
//   wasm that keeps function names (wasm-bindgen --keep-debug, then the same wasm-opt -Oz with -g), so the
//   table names the functions that ship; bytes summed by crate/module.
//   wasm-opt variants on the same wasm-bindgen output, and (with --experiments) other rustc opt-levels,
//   built in their own target dirs so the shared one is not disturbed.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { compressed } from "./size.mjs";
import { BINDGEN, FEATURES, OPTIMIZE } from "../../scripts/build.mjs";


function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 28, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Pinned so the breakdown's grouping stays comparable between runs. */
const TWIGGY_VERSION = "0.8.0";

/** twiggy from $CARGO_HOME/bin, installed there (pinned, ~1 min, once) when missing; null if that fails. */
export function twiggyPath() {
  const p = join(process.env.CARGO_HOME || join(homedir(), ".cargo"), "bin", "twiggy");
  if (!existsSync(p)) {
    console.log(`[bench] installing twiggy ${TWIGGY_VERSION} (once)`);
    spawnSync("cargo", ["install", "twiggy", "--version", TWIGGY_VERSION], { stdio: "inherit" });
  }
  return existsSync(p) ? p : null;
}

function twiggyTop(twiggy, wasm) {
  return JSON.parse(run(twiggy, ["top", "-n", "1000000", "--format", "json", wasm]));
}

/** The crate (or crate::module for stepup) a twiggy item belongs to. */
export function owner(name) {
  if (/^custom section|subsection$|^"?(producers|target_features)/.test(name)) return "(custom sections: names, wasm-bindgen metadata)";
  if (/^data segment|^data\[/.test(name)) return "(data: string literals, tables)";
  if (/^(import|export|type|table|elem|global|memory|func)\b|^wasm magic|^"/.test(name)) return "(wasm structure: imports, exports, types, tables)";
  if (/^code\[/.test(name)) return "(unnamed code)";
  if (/ (externref|multivalue) shim$/.test(name)) return "(wasm-bindgen export shims, with the export bodies inlined)";
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return "stepup::js (exported functions)";
  // Trait impls and closures: take the first path in the name: "<alloc::vec::Vec<T> as Trait>::f" → alloc.
  const m = name.replace(/^<+/, "").match(/^([A-Za-z_][A-Za-z0-9_]*)(?:\[[0-9a-f]+\])?(?:::([A-Za-z_][A-Za-z0-9_]*))?(?:::([A-Za-z_][A-Za-z0-9_]*))?/);
  if (!m) return "(other)";
  const crate = m[1];
  if (crate === "stepup") return m[3] && ["core", "web", "js"].includes(m[2]) ? `stepup::${m[2]}::${m[3]}` : `stepup::${m[2] ?? ""}`;
  if (crate === "__wbindgen" || crate.startsWith("__wbg") || crate.startsWith("wasm_bindgen") || crate.startsWith("__externref")) return "wasm_bindgen";
  if (crate === "core" || crate === "alloc" || crate === "std") return `${crate}::${m[2] ?? ""}`;
  // Async fns are polled inside future_to_promise: their inlined bodies are named after it.
  if (crate === "js_sys" && m[2] === "futures") return "js_sys::futures (async bodies inlined into future_to_promise)";
  return crate;
}

export function byOwner(items) {
  const sums = new Map();
  for (const { name, shallow_size } of items) {
    const o = owner(name);
    sums.set(o, (sums.get(o) ?? 0) + shallow_size);
  }
  return [...sums].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/** wasm-bindgen + wasm-opt with `optArgs` on `wasm` into `dir`; returns the sizes of the resulting _bg.wasm and glue. */
function bindAndOpt(tools, wasm, dir, optArgs, { keepDebug = false } = {}) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  run(tools.wasmBindgen, [...BINDGEN, "--out-dir", dir, "--out-name", "stepup", ...(keepDebug ? ["--keep-debug"] : []), wasm]);
  const bg = join(dir, "stepup_bg.wasm");
  if (optArgs) run(tools.wasmOpt, [...optArgs, ...FEATURES, bg, "-o", bg]);
  return { wasm: compressed(readFileSync(bg)), glue: compressed(readFileSync(join(dir, "stepup.js"))), path: bg };
}

export function analyzeWasm({ tools, root, work, experiments = false, log = () => {} }) {
  const twiggy = twiggyPath();
  const targetDir = process.env.CARGO_TARGET_DIR || join(root, "target");
  const release = join(targetDir, "wasm32-unknown-unknown", "release", "stepup.wasm");
  const out = { release: null, named: null, wasmOpt: [], optLevels: [] };
  if (!twiggy) log("twiggy not found (~/.cargo/bin/twiggy): `cargo install twiggy` for the size breakdown");

  if (twiggy && existsSync(release)) {
    const items = twiggyTop(twiggy, release);
    const total = items.reduce((s, i) => s + i.shallow_size, 0);
    out.release = { total, top: items.slice(0, 15), owners: byOwner(items).slice(0, 20) };
  }

  // The shipped wasm, with names kept: what the bytes that ship are.
  const named = bindAndOpt(tools, release, join(work, "wasm", "named"), [...OPTIMIZE, "-g", "--strip-producers"], { keepDebug: true });
  if (twiggy) {
    const items = twiggyTop(twiggy, named.path).filter((i) => !/^custom section|subsection$/.test(i.name));
    const total = items.reduce((s, i) => s + i.shallow_size, 0);
    out.named = {
      total, top: items.slice(0, 25), owners: byOwner(items),
      fmtBytes: items.filter((i) => /fmt::|::fmt\b/.test(i.name)).reduce((n, i) => n + i.shallow_size, 0),
    };
  }

  // Strings in the shipped wasm: panic locations (file paths kept for bounds checks etc. even with
  // panic = "abort") and the rest (error messages, JSON member names, import names).
  {
    const text = readFileSync(named.path).toString("latin1");
    const paths = text.match(/\/rustc\/[0-9a-f]{40}\/library\/[\w/]+\.rs|(?:src|\.cargo\/registry[\w./-]*)\/[\w/]+\.rs/g) ?? [];
    out.panicLocationBytes = paths.reduce((n, p) => n + p.length, 0);
    out.panicLocationFiles = new Set(paths).size;
  }

  // wasm-opt settings on the same input.
  const variants = [
    ["no wasm-opt passes (wasm-bindgen output, debug sections stripped)", ["--strip-debug", "--strip-producers"]],
    ["wasm-opt -O2", ["-O2", "--strip-debug", "--strip-producers"]],
    ["wasm-opt -O3", ["-O3", "--strip-debug", "--strip-producers"]],
    ["wasm-opt -Os", ["-Os", "--strip-debug", "--strip-producers"]],
    ["wasm-opt -Oz", ["-Oz", "--strip-debug", "--strip-producers"]],
    ["wasm-opt -Oz --converge", ["-Oz", "--converge", "--strip-debug", "--strip-producers"]],
    ["wasm-opt -Oz --converge -ocimfs=20", ["-Oz", "--converge", "--one-caller-inline-max-function-size=20", "--strip-debug", "--strip-producers"]],
    ["wasm-opt (--flatten --rereloop -Oz) × 2 --converge -ocimfs=20 (npm run build)",
      [...OPTIMIZE, "--strip-debug", "--strip-producers"]],
    ["wasm-opt -Oz -Oz (twice)", ["-Oz", "-Oz", "--strip-debug", "--strip-producers"]],
    ["wasm-opt --gufa -Oz", ["--gufa", "-Oz", "--strip-debug", "--strip-producers"]],
  ];
  for (const [name, args] of variants) {
    const t0 = Date.now();
    const r = bindAndOpt(tools, release, join(work, "wasm", "variant"), args);
    out.wasmOpt.push({ name, wasm: r.wasm, glue: r.glue, seconds: (Date.now() - t0) / 1000 });
    log(`wasm-opt: ${name}: wasm ${r.wasm.raw} B, gzip ${r.wasm.gzip} B`);
  }

  if (experiments) {
    // rustc opt-levels (Cargo.toml has "z"), each in its own target dir; then the same wasm-opt -Oz.
    for (const [name, env] of [
      ['opt-level = "z" (Cargo.toml)', null],
      ['opt-level = "s"', { CARGO_PROFILE_RELEASE_OPT_LEVEL: "s" }],
      ["opt-level = 2", { CARGO_PROFILE_RELEASE_OPT_LEVEL: "2" }],
      ['opt-level = "z", lto = "thin"', { CARGO_PROFILE_RELEASE_LTO: "thin" }],
    ]) {
      let wasm = release;
      let seconds = 0;
      if (env) {
        const dir = join(targetDir, `bench-${Object.values(env)[0]}`);
        const t0 = Date.now();
        log(`cargo build --release with ${JSON.stringify(env)} (own target dir)`);
        run("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "--features", "js", "--lib"], {
          cwd: root, env: { ...process.env, ...env, CARGO_TARGET_DIR: dir }, stdio: ["ignore", "ignore", "pipe"],
        });
        seconds = (Date.now() - t0) / 1000;
        wasm = join(dir, "wasm32-unknown-unknown", "release", "stepup.wasm");
      }
      const r = bindAndOpt(tools, wasm, join(work, "wasm", "variant"), ["-Oz", "--strip-debug", "--strip-producers"]);
      out.optLevels.push({ name, wasm: r.wasm, glue: r.glue, buildSeconds: seconds, pkgDir: null });
      log(`${name}: wasm ${r.wasm.raw} B, gzip ${r.wasm.gzip} B`);
    }
  }
  return out;
}
