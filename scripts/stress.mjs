// Run browser tests again and again while other processes keep every core busy, to show that a test
// holds on a loaded machine (a race hidden by an idle CPU fails here). Not part of `npm test`.
//
//   node scripts/stress.mjs [--runs 20] [--hogs <cores>] [--file tests/e2e/flows.test.mjs] [--pattern <regex>]
//
// Needs a built pkg/ (`npm run build`). Stops at the first failing run and prints its output.
import { spawn, spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { root } from "./bootstrap.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const runs = Number(arg("runs", 20));
const hogs = Number(arg("hogs", availableParallelism()));
const file = arg("file", "tests/e2e/flows.test.mjs");
const pattern = arg("pattern", "clos|Cross-Origin");

// A hog is a busy loop in its own process, at the same priority as the tests.
const hogProcs = Array.from({ length: hogs }, () => spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }));
const stop = () => hogProcs.forEach((p) => p.kill("SIGKILL"));
process.on("exit", stop);
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));

console.log(`${runs} runs of ${file} /${pattern}/ with ${hogs} busy processes`);
let passed = 0;
for (let n = 1; n <= runs; n++) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ["--test", "--test-concurrency=1", `--test-name-pattern=${pattern}`, file], { cwd: root, encoding: "utf8" });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  const latencies = [...r.stdout.matchAll(/latency[^:]*: (\d+) ms/g)].map((m) => Number(m[1]));
  if (r.status !== 0) {
    console.log(r.stdout + r.stderr);
    console.log(`run ${n}: FAILED (${secs} s); ${passed} of ${n} passed`);
    process.exit(1);
  }
  passed++;
  console.log(`run ${n}: ok (${secs} s; popup_closed latencies ${latencies.join(" ")} ms)`);
}
console.log(`${passed} of ${runs} runs passed with ${hogs} busy processes`);
// The hogs keep the event loop alive: end them (and this process) explicitly.
stop();
process.exit(0);
