// `npm run build`: the release wasm, wasm-bindgen's `--target web` glue, wasm-opt, and pkg/package.json.
// pkg/ is generated, never hand-edited.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bootstrap, root } from "./bootstrap.mjs";

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: root, env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed`);
}

export function build({ tools = bootstrap({ browser: false }) } = {}) {
  const t0 = Date.now();
  run("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "--features", "js", "--lib"]);
  const pkg = join(root, "pkg");
  rmSync(pkg, { recursive: true, force: true });
  mkdirSync(pkg);
  const targetDir = process.env.CARGO_TARGET_DIR || join(root, "target");
  const wasm = join(targetDir, "wasm32-unknown-unknown", "release", "stepup.wasm");
  run(tools.wasmBindgen, ["--target", "web", "--out-dir", pkg, "--out-name", "stepup", wasm]);
  // wasm-opt -Oz from npm binaryen: ~29 KiB less raw wasm for the browser to compile; gzip stays within
  // 1 KiB either way (figures in bench/RESULTS.md). --converge repeats -Oz until nothing shrinks; inlining a
  // function into its only caller only up to 20 bytes keeps -Oz from merging large bodies, which compresses
  // worse (~3 KB gzip less, ~2 KB more raw).
  const wasmOpt = join(root, "node_modules", ".bin", "wasm-opt");
  const bg = join(pkg, "stepup_bg.wasm");
  if (existsSync(wasmOpt)) {
    run(wasmOpt, ["-Oz", "--converge", "--one-caller-inline-max-function-size=20", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext",
      "--enable-mutable-globals", "--enable-reference-types", "--enable-multivalue", "--strip-debug", "--strip-producers",
      bg, "-o", bg]);
  }
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
      "./stepup_bg.wasm": "./stepup_bg.wasm",
      "./package.json": "./package.json",
    },
    // What `npm pack` ships; tests/packaging/npm-pack.txt is the expected list and `npm test` compares them.
    files: ["stepup.js", "stepup.d.ts", "stepup_bg.wasm", "stepup_bg.wasm.d.ts", "snippets/", "README.md", ...licences],
    sideEffects: false,
    repository: { type: "git", url: `git+${repository}.git` },
    homepage: `${repository}#readme`,
    bugs: { url: `${repository}/issues` },
    // No `engines`: the package runs in browsers (a secure context with WebCrypto and WebAssembly), not in Node.
    keywords: ["oidc", "openid-connect", "oauth", "pkce", "step-up", "mfa", "acr", "webauthn", "passkeys", "jwt", "wasm"],
  };
  writeFileSync(join(pkg, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
  const readme = join(root, "docs", "PACKAGE.md");
  if (existsSync(readme)) copyFileSync(readme, join(pkg, "README.md"));
  console.log(`[build] pkg/ ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) build();
