// `npm test`: everything, in order, stopping at the first failure.
// lint (clippy with the panic lints, native and wasm) → native tests → the Rust API guard → wasm build → packaging
// (tests/packaging/) → size budget → API guard (Node) → browser unit tests
// (wasm-bindgen-test in headless Chromium) → browser end-to-end tests (playwright-core + Chromium) → the engine suite in
// Chromium, Firefox ESR and WebKitGTK (tests/engines/).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bootstrap, root } from "./bootstrap.mjs";
import { build } from "./build.mjs";
import { buildExamples } from "./examples.mjs";
import { checkPackaging } from "./packaging.mjs";

const t0 = Date.now();
const steps = [];

function step(name, fn) {
  const s = Date.now();
  console.log(`\n=== ${name}`);
  fn();
  const secs = (Date.now() - s) / 1000;
  steps.push([name, secs]);
  console.log(`=== ${name}: ok (${secs.toFixed(1)} s)`);
}

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: root, env: { ...process.env, ...env } });
  if (r.status !== 0) {
    console.error(`\nnpm test: FAILED at: ${cmd} ${args.join(" ")}`);
    process.exit(1);
  }
}

const tools = bootstrap({ engines: true });

// The README's Rust example must be the one tests/web_readme.rs compiles, line for line.
step("README examples are the tested ones", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const rust = readme.match(/## Rust\n\n```rust\n([\s\S]*?)```/)?.[1];
  const tested = readFileSync(join(root, "tests", "web_readme.rs"), "utf8").match(/\/\/ --- README: begin ---\n([\s\S]*?)\/\/ --- README: end ---/)?.[1];
  if (!rust || rust !== tested) {
    console.error("README.md's Rust example differs from tests/web_readme.rs (between the README markers)");
    process.exit(1);
  }
});

// The benchmark figures README.md and docs/PACKAGE.md quote are those of bench/RESULTS.md (scripts/figures.mjs).
step("README and docs/PACKAGE.md figures are bench/RESULTS.md's", () => run("node", ["--test", "tests/figures.test.mjs"]));

step("clippy (native, all targets)", () => run("cargo", ["clippy", "--all-targets", "--", "-D", "warnings"]));
step("clippy (wasm32, features js + leptos + yew; and every test target with js)", () => {
  run("cargo", ["clippy", "--target", "wasm32-unknown-unknown", "--features", "js,leptos,yew", "--lib", "--", "-D", "warnings"]);
  // The native-only tests (proptest, serde_json) compile away on wasm32; the rest must stay clean there too.
  run("cargo", ["clippy", "--target", "wasm32-unknown-unknown", "--features", "js", "--tests", "--", "-D", "warnings"]);
});
// The npm build: `js` without std (scripts/build.mjs), with its own panic handler.
step("clippy (wasm32, js without std: the npm build)", () =>
  run("cargo", ["clippy", "--target", "wasm32-unknown-unknown", "--no-default-features", "--features", "js", "--lib", "--", "-D", "warnings"]));
// Rust users build without `js`: that configuration must stay clean too.
// The API guard's Node build (feature `server`, std): scripts/build.mjs builds it into pkg/server/.
step("clippy (wasm32, server: the stepup/server build)", () =>
  run("cargo", ["clippy", "--target", "wasm32-unknown-unknown", "--features", "server", "--lib", "--", "-D", "warnings"]));
step("clippy (wasm32, no features)", () =>
  run("cargo", ["clippy", "--target", "wasm32-unknown-unknown", "--lib", "--", "-D", "warnings"]));
step("cargo test (native)", () => run("cargo", ["test", "--quiet"]));
// The Leptos / Yew adapters in a server-rendered app (tests/ssr-adapters/, a crate of its own): the server renders the
// guards without a client (fallback, never the children), and the same source builds for the browser's hydration.
step("adapters server-side (leptos + yew ssr render, hydrate build)", () => {
  run("cargo", ["clippy", "--features", "leptos,yew", "--lib", "--", "-D", "warnings"]);
  const crate = ["--manifest-path", "tests/ssr-adapters/Cargo.toml", "--target-dir", "target/leptos-ssr"];
  run("cargo", ["test", "--quiet", ...crate, "--features", "ssr"]);
  run("cargo", ["check", "--quiet", ...crate, "--target", "wasm32-unknown-unknown", "--features", "hydrate"]);
});
// The Rust API guard (the workspace's stepup-server/ crate): clippy with the panic lints and its docs, every feature;
// then its tests (axum over loopback, keys over HTTP, a real redis-server) with the parity table make-cases.mjs signs,
// the file the Node guard judges too (tests/guard/parity.test.mjs).
step("API guard (Rust)", () => {
  run("cargo", ["clippy", "-p", "stepup-server", "--all-features", "--all-targets", "--", "-D", "warnings"]);
  run("cargo", ["doc", "--no-deps", "-p", "stepup-server", "--all-features"], { RUSTDOCFLAGS: "-D warnings" });
  const env = {};
  if (existsSync(join(root, "tests", "guard", "make-cases.mjs"))) {
    const cases = join(root, "target", "guard-cases.json");
    run("node", ["tests/guard/make-cases.mjs", cases]);
    env.STEPUP_GUARD_CASES = cases;
  }
  run("cargo", ["test", "--quiet", "-p", "stepup-server", "--all-features"], env);
});
step("cargo doc (native, and wasm32 with leptos + yew), warnings denied", () => {
  run("cargo", ["doc", "--no-deps"], { RUSTDOCFLAGS: "-D warnings" });
  run("cargo", ["doc", "--no-deps", "--target", "wasm32-unknown-unknown", "--features", "leptos,yew"], { RUSTDOCFLAGS: "-D warnings" });
});
step("build pkg/", () => build({ tools }));
// What crates.io and npm get: the file lists in tests/packaging/, then cargo's verify build of the .crate.
step("packaging (cargo package, npm pack)", () => {
  try {
    checkPackaging();
  } catch (e) {
    console.error(`\n${e.message}\nnpm test: FAILED at: packaging`);
    process.exit(1);
  }
});
// What an app ships (wasm + Vite-minified glue, gzip -9) against bench/size-budget.json; builds no wasm.
step("size budget", () => run("node", ["scripts/size-budget.mjs"]));
// The API guard for Node (stepup/server, pkg/server/): its own tests (a real loopback provider and http server, a real
// redis-server), then the parity table. The generated cases stay in target/guard-cases.json (STEPUP_GUARD_CASES) so
// that the Rust guard judges the very same tokens.
step("API guard (Node)", () => {
  const cases = join(root, "target", "guard-cases.json");
  run("node", ["tests/guard/make-cases.mjs", cases]);
  const files = ["tests/server", "tests/guard"].flatMap((d) => readdirSync(join(root, d)).filter((f) => f.endsWith(".test.mjs")).map((f) => `${d}/${f}`));
  run("node", ["--test", "--test-concurrency=1", ...files], { STEPUP_GUARD_CASES: cases });
});
// The Leptos and Yew example apps (feature `js` off), driven by tests/e2e/examples.test.mjs.
step("build examples/ (leptos, yew)", () => buildExamples({ tools }));

// Browser unit tests of the web layer: tests/web_*.rs, run by wasm-bindgen-test-runner through chromedriver.
const webTests = readdirSync(join(root, "tests")).filter((f) => /^web_.*\.rs$/.test(f)).map((f) => f.slice(0, -3));
if (webTests.length) {
  step(`wasm-bindgen-test in Chromium (${webTests.join(", ")})`, () => {
    // chromedriver reads browser flags from webdriver.json in the working directory.
    const args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
      "--disable-background-networking", "--disable-component-update", "--no-first-run"];
    writeFileSync(join(root, "webdriver.json"), JSON.stringify({ "goog:chromeOptions": { binary: tools.chrome, args } }));
    const runner = join(tools.wasmBindgen, "..", "wasm-bindgen-test-runner");
    run("cargo", ["test", "--target", "wasm32-unknown-unknown", "--features", "js", ...webTests.flatMap((t) => ["--test", t])], {
      CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER: runner,
      CHROMEDRIVER: tools.driver,
      WASM_BINDGEN_TEST_TIMEOUT: "120",
    });
  });
}

// End-to-end: every *.test.mjs under tests/, one file at a time (each drives its own Chromium).
const e2e = [];
for (const dir of ["tests/smoke", "tests/e2e"]) {
  if (!existsSync(join(root, dir))) continue;
  for (const f of readdirSync(join(root, dir)).sort()) if (f.endsWith(".test.mjs")) e2e.push(`${dir}/${f}`);
}
// --test-timeout bounds each file (node 20 applies it to the file as a whole): the longest takes about 4 minutes on
// a loaded 2-core machine, so a hung file fails with its name after 10 minutes instead of holding the run.
step(`browser end-to-end (${e2e.length} files)`, () => run("node", ["--test", "--test-concurrency=1", "--test-timeout=600000", ...e2e]));

// ---- Browser engines: the flows where engines differ (popups and COOP, tabs, Web Locks, IndexedDB, WebAuthn), the same
// assertions in Chromium, Firefox ESR and WebKitGTK (tests/engines/, one file and process per engine, its own servers).
// One engine at a time (about a minute each): three browsers side by side on two loaded cores left WebKitGTK's
// WebDriver stalled in some runs. Each file is bounded like the e2e files.
const engineFiles = readdirSync(join(root, "tests", "engines")).filter((f) => f.endsWith(".test.mjs")).sort().map((f) => `tests/engines/${f}`);
step(`browser engines (${engineFiles.map((f) => f.slice(14, -9)).join(", ")})`, () =>
  run("node", ["--test", "--test-concurrency=1", "--test-timeout=600000", ...engineFiles]));

const total = ((Date.now() - t0) / 1000).toFixed(1);
console.log("\n" + steps.map(([n, s]) => `  ok  ${s.toFixed(1).padStart(6)} s  ${n}`).join("\n"));
console.log(`\nnpm test: all ${steps.length} steps passed in ${total} s`);
