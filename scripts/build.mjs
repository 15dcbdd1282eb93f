// `npm run build`: the release wasm, wasm-bindgen's `--target web` glue, wasm-opt, and pkg/package.json.
// pkg/ is generated, never hand-edited.
import { spawnSync } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bootstrap, root } from "./bootstrap.mjs";
import { postProcessingInputs, recordStamp, upToDate } from "./build-stamp.mjs";
import { blankPanicLocations, unreachableFormatting, unreachablePanics } from "./unreachable-formatting.mjs";

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: root, env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed`);
}

/** The wasm features rustc's wasm32 target emits, which every wasm-opt pass over the module must accept. */
export const FEATURES = ["--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext",
  "--enable-mutable-globals", "--enable-reference-types", "--enable-multivalue"];

/**
 * The wasm-opt passes of the npm build (the bench's wasm analysis runs the same). -Oz: ~29 KiB less raw wasm for the
 * browser to compile; gzip stays within 1 KiB either way (figures in bench/RESULTS.md). Before each -Oz, every
 * function's control flow is flattened and rebuilt by binaryen's relooper (`--flatten --rereloop`): -Oz then finds
 * fewer, simpler blocks and branches to fold (−518 B gzip shipped; twice measured better than once or three times).
 * --converge repeats the passes until nothing shrinks; inlining a function into its only caller only up to 20 bytes
 * keeps -Oz from merging large bodies, which compresses worse (~3 KB gzip less, ~2 KB more raw).
 */
const RELOOPED = ["--flatten", "--rereloop", "-Oz"];
export const OPTIMIZE = [...RELOOPED, ...RELOOPED, "--converge", "--one-caller-inline-max-function-size=20"];

/** wasm-bindgen's settings. `TextEncoder.encodeInto` is used without testing for it (every browser the package
 * runs in has had it since 2020), so the glue carries no fallback for it. */
export const BINDGEN = ["--target", "web", "--encode-into", "always"];

/**
 * Short names for the wasm's imports, exports and import module, and the glue rewritten to match.
 * wasm-bindgen names each import after the JS function plus a 16-hex-digit hash (`__wbg_fetch_1a2b…`); they
 * appear in the wasm and again in the glue's import object, where no minifier may touch them. binaryen
 * renames them and prints the mapping; every renamed name must then occur in the glue exactly as expected,
 * or the build fails rather than ship a module whose imports do not match.
 */
function minifyNames(wasmOpt, pkg) {
  const bg = join(pkg, "stepup_bg.wasm");
  const r = spawnSync(wasmOpt, [bg, "--minify-imports-and-exports-and-modules", ...FEATURES, "-o", bg], { encoding: "utf8", cwd: root });
  if (r.status !== 0) throw new Error(`wasm-opt --minify-imports-and-exports-and-modules failed: ${r.stderr}`);
  const map = JSON.parse(r.stdout.slice(r.stdout.indexOf("{")));
  const modules = new Set(WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(bg))).map((i) => i.module));
  if (modules.size !== 1) throw new Error(`expected one import module after minifying, got ${[...modules]}`);
  const [module] = modules;
  const glue = join(pkg, "stepup.js");
  let js = readFileSync(glue, "utf8");
  const once = (from, to) => {
    const parts = js.split(from);
    if (parts.length !== 2) throw new Error(`minifyNames: ${JSON.stringify(from)} occurs ${parts.length - 1} times in the glue`);
    js = parts.join(to);
  };
  const ident = (name) => /^[A-Za-z_$][\w$]*$/.test(name);
  const joined = [];
  for (const [mod, from, to] of map.imports) {
    if (mod === "./stepup_bg.js") {
      once(`        ${from}: function(`, `        ${JSON.stringify(to)}: function(`);
      continue;
    }
    // A snippet function wasm-bindgen imports straight from its module (it needs no wrapper, e.g. callback.js):
    // the glue hands that module over as `importN`; it joins the one import object under its short name.
    const named = js.match(new RegExp(`^import \\* as (import\\d+) from ${JSON.stringify(mod).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`, "m"));
    if (!named || !/^\.\/snippets\//.test(mod)) throw new Error(`minifyNames: unexpected import module ${mod}`);
    joined.push(`        ${JSON.stringify(to)}: ${named[1]}.${from},\n`);
    if (js.includes(`        ${JSON.stringify(mod)}: ${named[1]},\n`)) once(`        ${JSON.stringify(mod)}: ${named[1]},\n`, "");
  }
  once("    const import0 = {\n        __proto__: null,\n", `    const import0 = {\n        __proto__: null,\n${joined.join("")}`);
  once(`"./stepup_bg.js": import0`, `${JSON.stringify(module)}: import0`);
  const types = join(pkg, "stepup_bg.wasm.d.ts");
  let dts = readFileSync(types, "utf8");
  for (const [from, to] of map.exports) {
    const use = new RegExp(`\\bwasm\\.${from.replace(/\$/g, "\\$")}\\b`, "g");
    js = js.replace(use, ident(to) ? `wasm.${to}` : `wasm[${JSON.stringify(to)}]`);
    dts = dts.replace(new RegExp(`^export const ${from}:`, "m"), `export const ${JSON.stringify(to).slice(1, -1)}:`);
  }
  const left = js.match(/\bwasm\.(?!memory\b)[A-Za-z_]\w{3,}/g)?.filter((n) => !map.exports.some(([, to]) => `wasm.${to}` === n));
  if (left?.length) throw new Error(`minifyNames: the glue still uses ${[...new Set(left)]}`);
  // A namespace import (`import * as import1`, for the snippet functions imported as they are) makes a bundler build
  // the module's namespace object, a getter for every export: import the few functions used by name instead. (The
  // wasm imports from one module now, so a snippet module handed over whole in the import object goes too.)
  for (const [line, ns, mod] of js.matchAll(/^import \* as (import\d+) from ("[^"\n]+");?\n/gm)) {
    js = js.replace(`        ${mod}: ${ns},\n`, "");
    const uses = new RegExp(`\\b${ns}\\.([A-Za-z_$][\\w$]*)`, "g");
    const names = [...new Set([...js.matchAll(uses)].map((m) => m[1]))];
    js = js.replace(line, names.length ? `import { ${names.map((n) => `${n} as ${ns}_${n}`).join(", ")} } from ${mod};\n` : "");
    js = js.replace(uses, `${ns}_$1`);
    const other = js.match(new RegExp(`.{0,60}\\b${ns}\\b(?!_).{0,60}`));
    if (other) throw new Error(`minifyNames: ${ns} is used other than as ${ns}.<name>: ${other[0]}`);
  }
  writeFileSync(glue, js);
  writeFileSync(types, dts);
}

/** The package's plain-JS functions, which need no wasm and no `init()`: `stepup/callback` (the popup callback page's
 * relay, src/web/callback.js) and, re-exported by the main entry beside the wasm's exports, that same
 * `handlePopupCallback` and `isStepUpError` (src/web/glue.js). Both entries re-export the snippets wasm-bindgen
 * copied, so an app that imports both bundles the relay once. */
function writeJsEntries(pkg) {
  appendClient(pkg);
  const snippets = join(pkg, "snippets");
  const found = existsSync(snippets) ? readdirSync(snippets).filter((d) => existsSync(join(snippets, d, "src", "web", "callback.js"))) : [];
  if (found.length !== 1) throw new Error(`build: expected one snippets/*/src/web/callback.js, found ${found.length}`);
  const web = `./snippets/${found[0]}/src/web`;
  const relay = `export { handlePopupCallback } from "${web}/callback.js";\n`;
  writeFileSync(join(pkg, "callback.js"), relay);
  const relayDoc = `/**
 * On the popup's callback page: hands the provider's answer to the window that opened the popup (postMessage to this
 * origin, or a BroadcastChannel when Cross-Origin-Opener-Policy severed the opener), removes it from the address bar,
 * and closes the popup. Needs no wasm and no \`init()\`. Returns whether there was an answer to relay (exactly one
 * non-empty \`state\`).
 */
export function handlePopupCallback(): boolean;
`;
  writeFileSync(join(pkg, "callback.d.ts"), relayDoc);
  const glue = readFileSync(join(pkg, "stepup.js"), "utf8");
  for (const name of ["handlePopupCallback", "isStepUpError"]) {
    if (glue.includes(`export function ${name}(`)) throw new Error(`build: the wasm exports ${name}, which the main entry re-exports`);
  }
  appendFileSync(join(pkg, "stepup.js"), `${relay}export { isStepUpError } from "${web}/glue.js";\n`);
  appendFileSync(join(pkg, "stepup.d.ts"), `
${relayDoc}
/**
 * Type guard for \`catch (e)\`: whether \`e\` is an error thrown by stepup. Needs no \`init()\`.
 */
export function isStepUpError(e: unknown): e is StepUpError;
`);
}

/** The `StepUpClient` class (src/js/client.js; its types src/js/client.d.ts) appended to the glue: it calls the wasm's
 * `client…` exports (src/js/client.rs) with the id of its client, and those stay private to the module. */
function appendClient(pkg) {
  const glue = join(pkg, "stepup.js");
  let js = readFileSync(glue, "utf8");
  const exported = [...js.matchAll(/^export function (client[A-Z]\w*)\(/gm)].map((m) => m[1]).sort();
  const cls = readFileSync(join(root, "src", "js", "client.js"), "utf8");
  const called = [...new Set([...cls.matchAll(/\b(client[A-Z]\w*)\(/g)].map((m) => m[1]))].sort();
  if (exported.join() !== called.join()) throw new Error(`build: the wasm exports ${exported}, src/js/client.js calls ${called}`);
  if (/^export (class|function) StepUpClient\b/m.test(js)) throw new Error("build: the wasm exports StepUpClient itself");
  js = js.replace(/^export function (client[A-Z]\w*)\(/gm, "function $1(");
  writeFileSync(glue, `${js}\n${cls}`);
  appendFileSync(join(pkg, "stepup.d.ts"), `\n${readFileSync(join(root, "src", "js", "client.d.ts"), "utf8")}`);
}

/**
 * rustflags that cut the build machine's cargo registry out of the panic locations the wasm carries (a file name
 * per `#[track_caller]` call site in a dependency): `js-sys-0.3.107/src/…` ships, not where this machine keeps it.
 * (Our own files are already relative; the standard library's arrive as `/rustc/<commit>/…`, which a flag of ours
 * cannot change.)
 */
function remapPaths() {
  const registry = join(process.env.CARGO_HOME || join(homedir(), ".cargo"), "registry", "src");
  return existsSync(registry) ? readdirSync(registry).map((index) => `--remap-path-prefix=${join(registry, index)}/=`) : [];
}

/**
 * `stepup/server` (pkg/server/): the API guard for Node, a wasm build of its own (feature `server`, with std) that the
 * browser entry never imports, so none of it reaches an app's bundle or the size budget. wasm-bindgen's `--target web`
 * glue, loaded from disk by src/server/server.js (`initSync`), and that driver with its types. Optimized for speed
 * (wasm-opt -O3), not size: it runs on servers.
 */
function buildServer(pkg, tools, built) {
  const out = join(pkg, "server");
  mkdirSync(out, { recursive: true });
  const wasm = join(dirname(built), "stepup-server.wasm");
  copyFileSync(built, wasm);
  run(tools.wasmBindgen, ["--target", "web", "--out-dir", out, "--out-name", "stepup_server", wasm]);
  // The browser layer's glue.js is a wasm-bindgen snippet of the crate; the server module imports none of it.
  const glue = readFileSync(join(out, "stepup_server.js"), "utf8");
  if (/from ['"]\.\/snippets\//.test(glue)) throw new Error("build: the server module imports a browser snippet");
  rmSync(join(out, "snippets"), { recursive: true, force: true });
  const wasmOpt = join(root, "node_modules", ".bin", "wasm-opt");
  const bg = join(out, "stepup_server_bg.wasm");
  if (existsSync(wasmOpt)) run(wasmOpt, ["-O3", ...FEATURES, "--strip-debug", "--strip-producers", bg, "-o", bg]);
  for (const f of ["server.js", "server.d.ts"]) copyFileSync(join(root, "src", "server", f), join(out, f));
}

/** Cargo's build of the server module (see buildServer), in a target directory of its own: with the browser build's
 * features in the same one, each build would relink the other's `stepup.wasm`. Returns the wasm's path. */
function cargoServer(targetDir) {
  const dir = join(targetDir, "server");
  run("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "--features", "server", "--lib", "--target-dir", dir,
    "--config", `build.rustflags=${JSON.stringify(remapPaths())}`]);
  return join(dir, "wasm32-unknown-unknown", "release", "stepup.wasm");
}

/** `force`: run every step even when pkg/ is up to date (`npm run build -- --force`). */
export function build({ tools = bootstrap({ browser: false }), force = false } = {}) {
  const t0 = Date.now();
  run("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "--no-default-features", "--features", "js", "--lib",
    "--config", `build.rustflags=${JSON.stringify(remapPaths())}`]);
  const pkg = join(root, "pkg");
  const targetDir = process.env.CARGO_TARGET_DIR || join(root, "target");
  const built = join(targetDir, "wasm32-unknown-unknown", "release", "stepup.wasm");
  // The steps below take about half a minute; with the same inputs they write the same pkg/ (scripts/build-stamp.mjs).
  const stamp = join(targetDir, "wasm32-unknown-unknown", "release", "stepup-npm.stamp");
  const serverBuilt = cargoServer(targetDir);
  const inputs = postProcessingInputs(root, { wasm: built, wasmBindgen: tools.wasmBindgen, also: [serverBuilt] });
  if (!force && upToDate(stamp, inputs, pkg)) {
    console.log(`[build] pkg/ is up to date (same wasm, scripts and package files) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return;
  }
  rmSync(pkg, { recursive: true, force: true });
  mkdirSync(pkg);
  // The standard library's formatting functions that nothing can call, and its panicking functions, which build a
  // message for a handler that traps without reading it (scripts/unreachable-formatting.mjs).
  const formatting = unreachableFormatting(built);
  console.log(formatting.skipped ? `[build] formatting kept: ${formatting.skipped}` : `[build] ${formatting.stubbed.length} formatting functions made unreachable`);
  const panics = unreachablePanics(formatting.bytes);
  console.log(panics.skipped ? `[build] panic functions kept: ${panics.skipped}` : `[build] ${panics.stubbed.length} panic functions made unreachable`);
  const wasm = join(targetDir, "wasm32-unknown-unknown", "release", "stepup-npm.wasm");
  writeFileSync(wasm, panics.bytes);
  run(tools.wasmBindgen, [...BINDGEN, "--out-dir", pkg, "--out-name", "stepup", wasm]);
  // wasm-opt (OPTIMIZE) from npm binaryen. The short names come first: optimizing the module as it ships
  // measured 201 B gzip less than renaming after the optimizer (bench/size-ledger.md).
  const wasmOpt = join(root, "node_modules", ".bin", "wasm-opt");
  const bg = join(pkg, "stepup_bg.wasm");
  if (existsSync(wasmOpt)) {
    minifyNames(wasmOpt, pkg);
    // The `producers` and `target_features` sections tell tools what made the module; browsers ignore them.
    run(wasmOpt, [...OPTIMIZE, ...FEATURES, "--strip-debug", "--strip-producers",
      "--strip-target-features", bg, "-o", bg]);
    if (!panics.skipped) {
      // What only a panic's report would read, now that panics trap without one (scripts/unreachable-formatting.mjs).
      const blanked = blankPanicLocations(readFileSync(bg));
      writeFileSync(bg, blanked.bytes);
      console.log(`[build] ${blanked.locations} panic locations and ${blanked.files} file names blanked`);
    }
    // The functions re-listed so that similar ones are neighbours within gzip's window (scripts/order-functions.mjs).
    // Its own process: binaryen's module is ESM, loaded once `npm ci` has run, and this function is synchronous.
    run(process.execPath, [join(root, "scripts", "order-functions.mjs"), bg]);
  }
  writeJsEntries(pkg);
  buildServer(pkg, tools, serverBuilt);
  const cargo = readFileSync(join(root, "Cargo.toml"), "utf8");
  const version = cargo.match(/^version = "([^"]+)"/m)?.[1] ?? "0.0.0";
  const repository = cargo.match(/^repository = "([^"]+)"/m)?.[1];
  if (!repository) throw new Error("Cargo.toml has no repository: pkg/package.json takes its links from it");
  // The licence texts ship with the package (Cargo.toml and package.json both say MIT OR Apache-2.0).
  const licences = ["LICENSE-MIT", "LICENSE-APACHE"];
  for (const f of licences) copyFileSync(join(root, f), join(pkg, f));
  const manifest = {
    name: "stepup",
    version,
    description: "Step-up authentication for single-page apps: verified ID tokens, acr/amr/auth_time policy, PKCE popup/redirect, passkeys (Rust + WebAssembly)",
    license: "MIT OR Apache-2.0",
    type: "module",
    main: "./stepup.js",
    module: "./stepup.js",
    types: "./stepup.d.ts",
    exports: {
      ".": { types: "./stepup.d.ts", default: "./stepup.js" },
      "./callback": { types: "./callback.d.ts", default: "./callback.js" },
      // The API guard for Node (pkg/server/, see buildServer): never imported by the browser entry.
      "./server": { types: "./server/server.d.ts", default: "./server/server.js" },
      "./stepup_bg.wasm": "./stepup_bg.wasm",
      "./package.json": "./package.json",
    },
    // What `npm pack` ships; tests/packaging/npm-pack.txt is the expected list and `npm test` compares them.
    files: ["stepup.js", "stepup.d.ts", "stepup_bg.wasm", "stepup_bg.wasm.d.ts", "callback.js", "callback.d.ts", "snippets/", "server/", "README.md", ...licences],
    sideEffects: false,
    repository: { type: "git", url: `git+${repository}.git` },
    homepage: `${repository}#readme`,
    bugs: { url: `${repository}/issues` },
    // No `engines`: the package runs in browsers (a secure context with WebCrypto and WebAssembly); only its
    // `stepup/server` entry is for Node (>= 20).
    keywords: ["oidc", "openid-connect", "oauth", "pkce", "step-up", "mfa", "acr", "webauthn", "passkeys", "jwt", "wasm"],
  };
  writeFileSync(join(pkg, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
  const readme = join(root, "docs", "PACKAGE.md");
  if (existsSync(readme)) copyFileSync(readme, join(pkg, "README.md"));
  recordStamp(stamp, inputs, pkg);
  console.log(`[build] pkg/ ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) build({ force: process.argv.includes("--force") });
