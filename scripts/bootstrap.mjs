// Installs what `npm start`, `npm test` and `npm run bench` need, once, on a machine that has only
// Rust (rustup) and Node: npm packages, the wasm32 target, wasm-bindgen-cli pinned to Cargo.lock,
// a Chromium (+ chromedriver), and redis-server (the API guard's replay store tests); for `npm test` also Firefox ESR and
// WebKitWebDriver. Each step checks first, so a second run costs under a second.
// Prints nothing on the happy path except what it installs. Exposes the tools through `tools()`.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function log(msg) {
  console.log(`[bootstrap] ${msg}`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: root, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed with status ${r.status}`);
}

function output(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8", cwd: root });
  return r.status === 0 ? r.stdout.trim() : null;
}

function which(name) {
  return output("sh", ["-c", `command -v ${name}`]);
}

function npmPackages() {
  const stamp = join(root, "node_modules", ".package-lock.json");
  const lock = join(root, "package-lock.json");
  const pkg = join(root, "package.json");
  const newest = Math.max(statSync(pkg).mtimeMs, existsSync(lock) ? statSync(lock).mtimeMs : 0);
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= newest) return;
  log("installing npm packages");
  run("npm", existsSync(lock) ? ["ci", "--no-audit", "--no-fund"] : ["install", "--no-audit", "--no-fund"]);
}

function wasmTarget() {
  const installed = output("rustup", ["target", "list", "--installed"]) ?? "";
  if (installed.split("\n").includes("wasm32-unknown-unknown")) return;
  log("adding the wasm32-unknown-unknown target");
  run("rustup", ["target", "add", "wasm32-unknown-unknown"]);
}

/** The wasm-bindgen version Cargo.lock pins; the CLI must match it exactly. */
export function lockedWasmBindgen() {
  const lock = readFileSync(join(root, "Cargo.lock"), "utf8");
  const m = lock.match(/name = "wasm-bindgen"\nversion = "([^"]+)"/);
  if (!m) throw new Error("wasm-bindgen not found in Cargo.lock");
  return m[1];
}

function wasmBindgen() {
  if (!existsSync(join(root, "Cargo.lock"))) run("cargo", ["generate-lockfile"]);
  const want = lockedWasmBindgen();
  // `cargo install` puts binaries in $CARGO_HOME/bin (default ~/.cargo/bin); look there, not on PATH,
  // so a different wasm-bindgen earlier on PATH cannot be picked up by mistake.
  const bin = join(process.env.CARGO_HOME || join(homedir(), ".cargo"), "bin", "wasm-bindgen");
  const have = existsSync(bin) ? output(bin, ["--version"]) : null;
  if (have === `wasm-bindgen ${want}`) return bin;
  log(`installing wasm-bindgen-cli ${want} (about 3 minutes, once)`);
  // --locked first for reproducibility; the registry mirror may lack a yanked pin, so fall back.
  try {
    run("cargo", ["install", "wasm-bindgen-cli", "--version", want, "--locked", "--force"]);
  } catch {
    run("cargo", ["install", "wasm-bindgen-cli", "--version", want, "--force"]);
  }
  return bin;
}

function findChrome() {
  if (process.env.CHROME_PATH) {
    if (!existsSync(process.env.CHROME_PATH)) throw new Error(`CHROME_PATH=${process.env.CHROME_PATH} does not exist`);
    return process.env.CHROME_PATH;
  }
  for (const name of ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"]) {
    const p = which(name);
    if (p) return p;
  }
  return null;
}

function chromium() {
  let chrome = findChrome();
  let driver = process.env.CHROMEDRIVER || which("chromedriver");
  if (chrome && driver) return { chrome, driver };
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !which("apt-get")) {
    throw new Error(
      "No Chromium/chromedriver found. Set CHROME_PATH (and CHROMEDRIVER), or install Debian's chromium and chromium-driver.",
    );
  }
  log("installing Debian chromium and chromium-driver");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () => spawnSync("apt-get", ["install", "-y", "-q", "chromium", "chromium-driver"], { stdio: "inherit", env });
  if (install().status !== 0) {
    run("apt-get", ["update", "-q"], { env });
    run("apt-get", ["install", "-y", "-q", "chromium", "chromium-driver"], { env });
  }
  chrome = findChrome();
  driver = process.env.CHROMEDRIVER || which("chromedriver");
  if (!chrome || !driver) throw new Error("chromium installed but not found on PATH");
  return { chrome, driver };
}

/** Debian's redis-server, for the API guard's shared replay store tests: `REDIS_SERVER` if set, else on PATH (or
 * /usr/bin), else installed as root with apt-get the way Chromium is. */
export function redisServer({ install = true } = {}) {
  const find = () => {
    if (process.env.REDIS_SERVER) {
      if (!existsSync(process.env.REDIS_SERVER)) throw new Error(`REDIS_SERVER=${process.env.REDIS_SERVER} does not exist`);
      return process.env.REDIS_SERVER;
    }
    return which("redis-server") ?? (existsSync("/usr/bin/redis-server") ? "/usr/bin/redis-server" : null);
  };
  const found = find();
  if (found || !install) return found;
  if (process.getuid?.() !== 0 || !which("apt-get")) {
    throw new Error("No redis-server found. Set REDIS_SERVER, or install Debian's redis-server.");
  }
  log("installing Debian redis-server");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  if (spawnSync("apt-get", ["install", "-y", "-q", "redis-server"], { stdio: "inherit", env }).status !== 0) {
    run("apt-get", ["update", "-q"], { env });
    run("apt-get", ["install", "-y", "-q", "redis-server"], { env });
  }
  const installed = find();
  if (!installed) throw new Error("redis-server installed but not found");
  return installed;
}

/** Node 20 is the lowest version the tooling, the demo and `stepup/server` support (README, "Node.js versions"). */
function nodeVersion() {
  const major = Number(process.versions.node.split(".")[0]);
  if (major < 20) throw new Error(`Node.js ${process.versions.node} is too old: stepup's tooling needs Node.js 20 or later`);
}

// ---- the other engines (tests/engines/): Firefox ESR, WebKitGTK's WebKitWebDriver, and Xvfb for it ----

/** Firefox ESR and WebKitWebDriver (and xvfb-run when no DISPLAY is set): FIREFOX_PATH and WEBKIT_DRIVER when given,
 * else Debian's firefox-esr, webkit2gtk-driver and xvfb, installed as root with apt-get when missing. */
function otherEngines() {
  const find = () => ({
    firefox: process.env.FIREFOX_PATH || which("firefox-esr"),
    webkitDriver: process.env.WEBKIT_DRIVER || which("WebKitWebDriver"),
    xvfb: process.env.DISPLAY ? null : which("xvfb-run"),
  });
  for (const [name, path] of [["FIREFOX_PATH", process.env.FIREFOX_PATH], ["WEBKIT_DRIVER", process.env.WEBKIT_DRIVER]]) {
    if (path && !existsSync(path)) throw new Error(`${name}=${path} does not exist`);
  }
  let found = find();
  const missing = () => [
    !found.firefox && "firefox-esr",
    !found.webkitDriver && "webkit2gtk-driver",
    !process.env.DISPLAY && !found.xvfb && "xvfb",
  ].filter(Boolean);
  if (missing().length) {
    if (process.getuid?.() !== 0 || !which("apt-get")) {
      throw new Error(`Missing for the engine tests: ${missing().join(", ")}. Install those Debian packages, or set FIREFOX_PATH / WEBKIT_DRIVER.`);
    }
    log(`installing Debian ${missing().join(", ")}`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const install = () => spawnSync("apt-get", ["install", "-y", "-q", ...missing()], { stdio: "inherit", env });
    if (install().status !== 0) {
      run("apt-get", ["update", "-q"], { env });
      run("apt-get", ["install", "-y", "-q", ...missing()], { env });
    }
    found = find();
    if (missing().length) throw new Error(`installed but not found on PATH: ${missing().join(", ")}`);
  }
  return found;
}

/** Run every step; returns the tool paths the other scripts use. `engines`: also Firefox ESR and WebKitGTK. */
export function bootstrap({ browser = true, engines = false } = {}) {
  nodeVersion();
  npmPackages();
  wasmTarget();
  const wasmBindgenBin = wasmBindgen();
  const tools = { wasmBindgen: wasmBindgenBin };
  if (browser) Object.assign(tools, chromium(), { redisServer: redisServer() });
  if (engines) Object.assign(tools, otherEngines());
  if (tools.redisServer) process.env.REDIS_SERVER = tools.redisServer;
  if (tools.chrome) process.env.CHROME_PATH = tools.chrome;
  if (tools.driver) process.env.CHROMEDRIVER = tools.driver;
  if (tools.firefox) process.env.FIREFOX_PATH = tools.firefox;
  if (tools.webkitDriver) process.env.WEBKIT_DRIVER = tools.webkitDriver;
  return tools;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const t = bootstrap({ engines: true });
  log(`ready: ${JSON.stringify(t)}`);
}
