// What the registries get: `cargo package --list` and `npm pack --dry-run` (of pkg/) must each name exactly the
// files in tests/packaging/cargo-package.txt and tests/packaging/npm-pack.txt, so a stray file (demo, tooling,
// notes) or a missing one (a licence, the wasm) fails. Then `cargo package` builds the crate from its own
// .crate file (cargo's verify step), which fails if the library needs a file the crate does not ship.
//
//   node scripts/packaging.mjs            check (pkg/ must be built: `npm run build`)
//   node scripts/packaging.mjs --update   rewrite the expected lists from what the tools ship now
//   node scripts/packaging.mjs --no-build only the two lists, without cargo's verify build
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { root } from "./bootstrap.mjs";

const expectedDir = join(root, "tests", "packaging");
// Written by cargo from the git checkout (commit, path in repo); absent when packaging outside git.
const generatedByVcs = new Set([".cargo_vcs_info.json"]);

function capture(cmd, args, cwd, env = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status}) in ${cwd}\n${r.stdout ?? ""}${r.stderr ?? ""}`);
  }
  return r;
}

export function cargoFiles() {
  const out = capture("cargo", ["package", "--list", "--allow-dirty", "--quiet"], root).stdout;
  return out.split("\n").map((l) => l.trim()).filter((l) => l && !generatedByVcs.has(l)).sort();
}

export function npmPack(pkgDir = join(root, "pkg")) {
  if (!existsSync(join(pkgDir, "package.json"))) throw new Error(`${pkgDir} has no package.json: run \`npm run build\` first`);
  const out = capture("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], pkgDir).stdout;
  const [info] = JSON.parse(out);
  return { files: info.files.map((f) => f.path).sort(), unpackedSize: info.unpackedSize, size: info.size };
}

function readExpected(name) {
  const file = join(expectedDir, name);
  if (!existsSync(file)) return null;
  return readFileSync(file, "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#")).sort();
}

function writeExpected(name, header, files) {
  writeFileSync(join(expectedDir, name), `${header.map((l) => `# ${l}`).join("\n")}\n${files.join("\n")}\n`);
}

/** The differences as lines, empty when the lists match. */
function compare(what, expectedName, expected, actual) {
  if (!expected) return [`${what}: tests/packaging/${expectedName} is missing`];
  const stray = actual.filter((f) => !expected.includes(f));
  const missing = expected.filter((f) => !actual.includes(f));
  if (!stray.length && !missing.length) return [];
  return [
    `${what} differs from tests/packaging/${expectedName}:`,
    ...stray.map((f) => `  + ${f}    (shipped, not expected: a stray file?)`),
    ...missing.map((f) => `  - ${f}    (expected, not shipped)`),
  ];
}

const CARGO_HEADER = [
  "Expected `cargo package --list` (without .cargo_vcs_info.json): the library, README, changelog, licences and",
  "the Rust tests that run from the crate alone. Checked by `npm test` (scripts/packaging.mjs); after an intended",
  "change, `node scripts/packaging.mjs --update` rewrites this file.",
];
const NPM_HEADER = [
  "Expected `npm pack --dry-run` of pkg/ (the npm package `npm run build` writes). Checked by `npm test`",
  "(scripts/packaging.mjs); after an intended change, `node scripts/packaging.mjs --update` rewrites this file.",
];

export function checkPackaging({ update = false, verify = true } = {}) {
  const cargo = cargoFiles();
  const npm = npmPack();
  if (update) {
    writeExpected("cargo-package.txt", CARGO_HEADER, cargo);
    writeExpected("npm-pack.txt", NPM_HEADER, npm.files);
    console.log(`[packaging] expected lists rewritten: ${cargo.length} crate files, ${npm.files.length} npm files`);
    return;
  }
  const problems = [
    ...compare("cargo package --list", "cargo-package.txt", readExpected("cargo-package.txt"), cargo),
    ...compare("npm pack --dry-run (pkg/)", "npm-pack.txt", readExpected("npm-pack.txt"), npm.files),
  ];
  if (problems.length) {
    throw new Error(`${problems.join("\n")}\nIf the change is intended: node scripts/packaging.mjs --update, and commit the lists.`);
  }
  console.log(`[packaging] crate: ${cargo.length} files as expected; npm: ${npm.files.length} files as expected, ` +
    `${(npm.unpackedSize / 1024).toFixed(1)} KiB unpacked, ${(npm.size / 1024).toFixed(1)} KiB packed`);
  if (verify) {
    // cargo unpacks the .crate and builds it natively, in the workspace's target dir (target/package/…), so the
    // dependencies already built by the native tests are reused. Needs the crates.io index, nothing else.
    const r = capture("cargo", ["package", "--allow-dirty"], root, { CARGO_TARGET_DIR: process.env.CARGO_TARGET_DIR || join(root, "target") });
    const summary = r.stderr.split("\n").find((l) => /Packaged \d+ files/.test(l))?.trim();
    console.log(`[packaging] cargo package (verify build of the .crate) ok: ${summary ?? ""}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = new Set(process.argv.slice(2));
  try {
    checkPackaging({ update: args.has("--update"), verify: !args.has("--no-build") });
  } catch (e) {
    console.error(`[packaging] FAILED\n${e.message}`);
    process.exit(1);
  }
}
