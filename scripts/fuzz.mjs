// `npm run fuzz`: build the cargo-fuzz targets in fuzz/ and run each one, one after another with a single
// job, for a number of executions; print per target: execs, seconds, edges (`cov:`), features (`ft:`),
// corpus size, crashes. Not part of `npm test`. Installs cargo-fuzz when `cargo fuzz` is missing.
// Flags: --runs=N (executions per target, default 10000000), --only=jwt,json (targets, default all in
//        fuzz/Cargo.toml), --max-len=N (default 4096), --asan (AddressSanitizer on; off by default: the code
//        under test is safe Rust, and ASan costs 2-5x the speed; overflow checks and debug assertions stay on).
// Corpora grow in fuzz/corpus/<target> (seeded from fuzz/seeds/<target>), crashes land in fuzz/artifacts/
// (both ignored by git); the figures of the run are also written to fuzz/artifacts/last-run.json.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const fuzzDir = join(root, "fuzz");
const args = process.argv.slice(2);
const value = (name, dflt) => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : dflt;
};
const runs = Number(value("runs", "10000000"));
const maxLen = Number(value("max-len", "4096"));
const sanitizer = args.includes("--asan") ? "address" : "none";
const all = [...readFileSync(join(fuzzDir, "Cargo.toml"), "utf8").matchAll(/\[\[bin\]\]\s*name\s*=\s*"([^"]+)"/g)].map((m) => m[1]);
const targets = value("only", all.join(",")).split(",").filter(Boolean);
const unknown = targets.filter((t) => !all.includes(t));
if (unknown.length || !Number.isInteger(runs) || runs < 1) {
  console.error(`[fuzz] targets are ${all.join(", ")}; --runs must be a positive integer`);
  process.exit(2);
}
const log = (m) => console.log(`[fuzz] ${m}`);
// cargo-fuzz passes nightly-only flags; RUSTC_BOOTSTRAP lets a stable toolchain take them.
const env = { ...process.env, RUSTC_BOOTSTRAP: "1" };

if (spawnSync("cargo", ["fuzz", "--version"], { env, stdio: "ignore" }).status !== 0) {
  log("cargo-fuzz is missing: cargo install cargo-fuzz --locked");
  const r = spawnSync("cargo", ["install", "cargo-fuzz", "--locked"], { env, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

log(`building the fuzz targets (sanitizer: ${sanitizer})`);
const build = spawnSync("cargo", ["fuzz", "build", "-s", sanitizer], { cwd: root, env, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

/** Run one target; resolve with its figures, parsed from libFuzzer's output. */
function run(target) {
  const corpus = join(fuzzDir, "corpus", target);
  const artifacts = join(fuzzDir, "artifacts", target);
  mkdirSync(corpus, { recursive: true });
  mkdirSync(artifacts, { recursive: true });
  const before = new Set(readdirSync(artifacts));
  const dict = join(fuzzDir, `${target}.dict`);
  const seeds = join(fuzzDir, "seeds", target);
  const libfuzzer = [`-runs=${runs}`, `-max_len=${maxLen}`, "-print_final_stats=1", `-artifact_prefix=${artifacts}/`];
  if (existsSync(dict)) libfuzzer.push(`-dict=${dict}`);
  const cargoArgs = ["fuzz", "run", "-s", sanitizer, target, corpus, ...(existsSync(seeds) ? [seeds] : []), "--", ...libfuzzer];
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn("cargo", cargoArgs, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const take = (d) => {
      out += d;
      // Keep only the tail: a long run prints many status lines.
      if (out.length > 1 << 20) out = out.slice(-(1 << 19));
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("close", (code) => {
      const seconds = (Date.now() - t0) / 1000;
      const status = [...out.matchAll(/^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)\/(\S+)/gm)].pop();
      const stat = (name) => Number(out.match(new RegExp(`^stat::${name}:\\s*(\\d+)`, "m"))?.[1] ?? NaN);
      const crashes = readdirSync(artifacts).filter((f) => !before.has(f));
      const execs = Number.isFinite(stat("number_of_executed_units")) ? stat("number_of_executed_units") : Number(status?.[1] ?? 0);
      const r = {
        target,
        execs,
        seconds: Math.round(seconds),
        execsPerSecond: Math.round(execs / seconds),
        cov: Number(status?.[2] ?? NaN),
        ft: Number(status?.[3] ?? NaN),
        corpus: Number(status?.[4] ?? NaN),
        corpusSize: status?.[5] ?? "?",
        peakRssMb: stat("peak_rss_mb"),
        exit: code,
        crashes: crashes.map((f) => join("fuzz", "artifacts", target, f)),
      };
      if (code !== 0) process.stdout.write(out.slice(-4000));
      resolve(r);
    });
  });
}

const results = [];
const started = new Date();
for (const target of targets) {
  log(`${target}: ${runs} executions, -max_len=${maxLen}`);
  const r = await run(target);
  results.push(r);
  log(
    `${target}: ${r.execs} execs in ${r.seconds} s (${r.execsPerSecond}/s), cov ${r.cov}, ft ${r.ft}, corpus ${r.corpus} (${r.corpusSize}), ` +
      `crashes ${r.crashes.length}${r.exit ? ` (exit ${r.exit})` : ""}`,
  );
}

console.log("\n| target | execs | seconds | execs/s | cov (edges) | ft | corpus | crashes |\n|---|---:|---:|---:|---:|---:|---:|---:|");
for (const r of results) {
  console.log(`| ${r.target} | ${r.execs} | ${r.seconds} | ${r.execsPerSecond} | ${r.cov} | ${r.ft} | ${r.corpus} (${r.corpusSize}) | ${r.crashes.length} |`);
}
const summary = { date: started.toISOString(), cpus: cpus().length, runs, maxLen, sanitizer, results };
mkdirSync(join(fuzzDir, "artifacts"), { recursive: true });
writeFileSync(join(fuzzDir, "artifacts", "last-run.json"), `${JSON.stringify(summary, null, 2)}\n`);
const failed = results.filter((r) => r.exit !== 0 || r.crashes.length);
if (failed.length) {
  log(`FAILED: ${failed.map((r) => r.target).join(", ")}; inputs: ${failed.flatMap((r) => r.crashes).join(" ") || "see the output above"}`);
  process.exit(1);
}
log(`all ${results.length} targets ran ${runs} executions each without a crash`);
