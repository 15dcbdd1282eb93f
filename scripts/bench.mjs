// `npm run bench`: one run on this machine, written to bench/RESULTS.md (and bench/.work/results.json).
//   size          what an app ships for each library (Vite production build, minified), gzip and brotli
//   cold start    import + init/construct in Chromium, fresh context per load, median of --runs (30)
//   token work    decode / claim checks / signature verification ops/s in Chromium
//   round trip    popup step-up with password + TOTP against the dev IdP: stepup vs oidc-client-ts, median of --roundtrips (10)
//   checks        what each of the two rejects, one broken thing at a time
//   wasm          twiggy breakdown of stepup's wasm, wasm-opt variants; --experiments adds rustc opt-level builds
//   guard         the API guard in Node: checks/s of stepup/server against jose by hand (alone: node bench/lib/guard.mjs),
//                 and the Rust guard (stepup-server: cargo bench -p stepup-server --bench guard)
// Flags: --no-build (use pkg/ as it is), --experiments, --quick (few runs, for trying the script), --report-only,
//        --runs=N, --roundtrips=N, --only=size,cold,tokens,roundtrip,checks,wasm,guard
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { bootstrap, root } from "./bootstrap.mjs";
import { build } from "./build.mjs";

const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const value = (name, dflt) => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : dflt;
};
const quick = flag("quick");
const runs = Number(value("runs", quick ? 3 : 30));
const roundtripRuns = Number(value("roundtrips", quick ? 2 : 10));
const only = value("only", "size,cold,tokens,roundtrip,checks,wasm,guard").split(",");
const log = (m) => console.log(`[bench] ${m}`);

if (flag("report-only")) {
  // Re-render bench/RESULTS.md from the last run's bench/.work/results.json (e.g. after editing the report code).
  const { writeReport } = await import("../bench/lib/report.mjs");
  const results = JSON.parse(readFileSync(join(root, "bench", ".work", "results.json"), "utf8"));
  writeFileSync(join(root, "bench", "RESULTS.md"), writeReport(results));
  log("re-rendered bench/RESULTS.md from bench/.work/results.json");
  process.exit(0);
}

const t0 = Date.now();
const machine = {
  date: new Date().toISOString(),
  loadStart: loadavg(),
  nproc: execFileSync("nproc", { encoding: "utf8" }).trim(),
  cpu: (readFileSync("/proc/cpuinfo", "utf8").match(/^model name\s*:\s*(.+)$/m) ?? [])[1] ?? cpus()[0]?.model,
  memGiB: (totalmem() / 2 ** 30).toFixed(1),
  node: process.version,
};

const tools = bootstrap();
tools.wasmOpt = join(root, "node_modules", ".bin", "wasm-opt");
if (!flag("no-build")) build({ tools });
machine.commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
machine.dirty = execFileSync("git", ["status", "--porcelain", "--", "src", "Cargo.toml", "Cargo.lock"], { cwd: root, encoding: "utf8" }).trim() !== "";

// Imported after bootstrap: they need node_modules.
const { launchBrowser } = await import("../tests/e2e/harness.mjs");
const { prepareWork, buildEntrySites, buildPagesSite, withWasmPreload, work } = await import("../bench/lib/sites.mjs");
const { sizeOf } = await import("../bench/lib/size.mjs");
const { coldStart } = await import("../bench/lib/coldstart.mjs");
const { tokenWork } = await import("../bench/lib/tokens.mjs");
const { startStack, roundTrips, checkMatrix } = await import("../bench/lib/roundtrip.mjs");
const { analyzeWasm } = await import("../bench/lib/wasm.mjs");
const { writeReport } = await import("../bench/lib/report.mjs");

const versions = {};
for (const name of ["@auth0/auth0-spa-js", "oidc-client-ts", "@simplewebauthn/browser", "jwt-decode", "jose", "vite"]) {
  versions[name] = JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")).version;
}

const results = { machine, versions, runs, roundtripRuns, quick };
prepareWork(); // packs pkg/ now, so a concurrent rebuild cannot change it under the benchmark
log("building the bench apps with Vite");
const sites = await buildEntrySites();
// The same stepup app with its wasm preloaded by the page's HTML: timed, not sized again (the same files).
sites["stepup+preload"] = withWasmPreload(sites.stepup);
const pagesDist = await buildPagesSite();

const pkgFiles = ["stepup_bg.wasm", "stepup.js"].map((name) => ({ name, bytes: readFileSync(join(work, "node_modules", "stepup", name)) }));
results.size = { "stepup (pkg/ as installed: wasm + unminified glue)": sizeOf(pkgFiles) };
for (const [entry, { files, variant }] of Object.entries(sites)) if (entry !== "none" && !variant) results.size[entry] = sizeOf(files);

const browser = await launchBrowser();
try {
  machine.browser = `Chromium ${browser.version()} (headless, playwright-core)`;
  if (only.includes("cold")) {
    log(`cold start: ${runs} loads per library`);
    results.cold = await coldStart(browser, sites, { runs, log });
  }
  if (only.includes("tokens")) {
    log("token work");
    results.tokens = await tokenWork(browser, pagesDist, { ms: quick ? 150 : 500, rounds: quick ? 2 : 7, log });
  }
  if (only.includes("roundtrip") || only.includes("checks")) {
    const stack = await startStack(pagesDist);
    try {
      if (only.includes("roundtrip")) {
        log(`popup round trips: ${roundtripRuns} per library`);
        results.roundtrip = await roundTrips(browser, stack, { runs: roundtripRuns, log });
      }
      if (only.includes("checks")) {
        log("what each library rejects");
        results.checks = await checkMatrix(browser, stack, { log });
      }
    } finally {
      await stack.close();
    }
  }
} finally {
  await browser.close();
}
if (only.includes("wasm")) {
  log("wasm size breakdown and variants");
  results.wasm = analyzeWasm({ tools, root, work, experiments: flag("experiments"), log });
}
if (only.includes("guard")) {
  log("API guard throughput (Node)");
  const { guardThroughput } = await import("../bench/lib/guard.mjs");
  results.guard = await guardThroughput({ ms: quick ? 200 : 500, rounds: quick ? 2 : 5, log });
  log("API guard throughput (Rust)");
  const { rustGuardThroughput } = await import("../bench/lib/guard.mjs");
  results.guard.rust = rustGuardThroughput(root);
}
machine.loadEnd = loadavg();
machine.seconds = Math.round((Date.now() - t0) / 1000);

mkdirSync(work, { recursive: true });
writeFileSync(join(work, "results.json"), JSON.stringify(results, (k, v) => (k === "bytes" && typeof v === "object" ? undefined : v), 2));
const out = join(root, "bench", "RESULTS.md");
writeFileSync(out, writeReport(results));
log(`wrote ${out} in ${machine.seconds} s`);
