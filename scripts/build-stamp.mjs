// Whether pkg/ is already what `npm run build` would write: cargo skips an unchanged wasm in a fraction of a second,
// but the steps after it (wasm-bindgen, the wasm-opt passes, the function order) take about half a minute and would
// produce the same bytes again. The stamp, kept beside cargo's output, names the inputs of those steps (cargo's wasm,
// the scripts that post-process it, the JS and texts the package takes from the repository, the tools' versions)
// and the files pkg/ held when they were written; both must match for the steps to be skipped.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

/** Every file under `dir` (sorted, recursively) whose name passes `keep`. */
function filesUnder(dir, keep = () => true) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && keep(e.name))
    .map((e) => join(e.parentPath ?? e.path, e.name))
    .sort();
}

function digest(root, files) {
  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(`${relative(root, file)}\0`);
    hash.update(existsSync(file) ? readFileSync(file) : "(missing)");
    hash.update("\0");
  }
  return hash.digest("hex");
}

/**
 * The inputs of the post-processing: cargo's `wasm`, this directory's build scripts, the package's JS from `src/`
 * (the `StepUpClient` class, the snippets wasm-bindgen copies, the server driver), the manifest, README and licences
 * it ships, the binaryen package, `also` (other wasm the package takes in: the server module's), and the wasm-bindgen binary (by path, size and time: hashing it would cost more than it saves).
 */
export function postProcessingInputs(root, { wasm, wasmBindgen, also = [] }) {
  const scripts = ["build.mjs", "build-stamp.mjs", "unreachable-formatting.mjs", "order-functions.mjs", "wasm-sections.mjs"]
    .map((f) => join(root, "scripts", f));
  const js = filesUnder(join(root, "src"), (name) => /\.(js|d\.ts)$/.test(name));
  const shipped = ["Cargo.toml", "docs/PACKAGE.md", "LICENSE-MIT", "LICENSE-APACHE", "node_modules/binaryen/package.json"].map((f) => join(root, f));
  let tool = "(none)";
  try {
    const s = statSync(wasmBindgen);
    tool = `${wasmBindgen} ${s.size} ${s.mtimeMs}`;
  } catch {
    tool = String(wasmBindgen);
  }
  return `${digest(root, [wasm, ...also, ...scripts, ...js, ...shipped])} ${createHash("sha256").update(tool).digest("hex")}`;
}

/** What pkg/ holds now. */
export const pkgDigest = (pkg) => digest(pkg, filesUnder(pkg));

/** Whether `stamp` records these `inputs` and pkg/ still holds what was written then. */
export function upToDate(stamp, inputs, pkg) {
  try {
    const recorded = JSON.parse(readFileSync(stamp, "utf8"));
    return recorded.inputs === inputs && recorded.pkg === pkgDigest(pkg);
  } catch {
    return false; // no stamp yet, or an unreadable one: build
  }
}

export function recordStamp(stamp, inputs, pkg) {
  writeFileSync(stamp, `${JSON.stringify({ inputs, pkg: pkgDigest(pkg) })}\n`);
}
