// Shared e2e plumbing: a real Chromium through playwright-core, and a static file server on a random port.
import { createServer } from "node:http";
import { createReadStream, existsSync, statSync } from "node:fs";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const repoRoot = resolve(fileURLToPath(new URL("../..", import.meta.url)));

// What playwright was last asked to do, kept so that a test stuck on a call with no timeout of its own
// (evaluate, newContext, close) says where it is stuck instead of going silent until the file's timeout.
// Playwright logs "=> page.click started" and "<= page.click succeeded" (or failed) for every call.
const recentCalls = [];
let pending = 0;
let lastCallAt = Date.now();
let reported = false;
const apiLogger = {
  isEnabled: (name) => name === "api",
  log: (_name, _severity, message) => {
    if (message.startsWith("=> ")) pending++;
    else if (message.startsWith("<= ")) pending--;
    recentCalls.push(`${new Date().toISOString()} ${message}`);
    if (recentCalls.length > 30) recentCalls.shift();
    lastCallAt = Date.now();
    reported = false;
  },
};
const STUCK_MS = 120_000;
setInterval(() => {
  if (reported || pending <= 0 || Date.now() - lastCallAt < STUCK_MS) return;
  reported = true;
  process.stderr.write(`[harness] a playwright call has been pending for ${STUCK_MS / 1000} s; the last calls:\n  ${recentCalls.join("\n  ")}\n`);
}, 10_000).unref();

/** Chromium from CHROME_PATH (set by scripts/bootstrap.mjs) or the Debian path; headless, offline-friendly. */
export async function launchBrowser(options = {}) {
  const executablePath = process.env.CHROME_PATH || "/usr/bin/chromium";
  return chromium.launch({
    executablePath,
    logger: apiLogger,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
      ...(options.args ?? []),
    ],
    ...options.launch,
  });
}

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ts": "text/plain; charset=utf-8",
};

/**
 * Serve directories over HTTP on 127.0.0.1:<random>. `mounts` maps URL prefixes to directories,
 * e.g. { "/": "tests/smoke", "/pkg/": "pkg" }. `headers` adds response headers (e.g. COOP).
 * `host` is the name used in the returned URL: "localhost" by default (a secure context for WebAuthn).
 */
export async function serveStatic({ mounts, headers = {}, host = "localhost", onRequest } = {}) {
  const table = Object.entries(mounts)
    .map(([prefix, dir]) => [prefix, resolve(repoRoot, dir)])
    .sort((a, b) => b[0].length - a[0].length);
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    onRequest?.(req, url);
    for (const [prefix, dir] of table) {
      if (!url.pathname.startsWith(prefix)) continue;
      const rel = decodeURIComponent(url.pathname.slice(prefix.length)) || "index.html";
      const file = normalize(join(dir, rel));
      if (file !== dir && !file.startsWith(dir + sep)) break; // no path traversal
      let path = file;
      if (existsSync(path) && statSync(path).isDirectory()) path = join(path, "index.html");
      if (!existsSync(path)) break;
      res.writeHead(200, {
        "content-type": TYPES[extname(path)] ?? "application/octet-stream",
        "cache-control": "no-store",
        ...headers,
      });
      createReadStream(path).pipe(res);
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found");
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  return {
    url: `http://${host}:${port}`,
    port,
    server,
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(() => ok()); }),
  };
}

/** Collect console errors and page errors, so a test can assert the page stayed healthy. */
export function watchPage(page) {
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  return errors;
}

/**
 * Answer the dev identity provider's pages in `p` (a popup or the tab itself): the password page
 * (`#username #password #login`) and the second-factor page (`#otp #verify`, with a fresh TOTP code from
 * `idp.totp()`), until the page closes or, with `stopAt`, reaches a URL starting with it.
 * Returns the ids of the pages answered, e.g. ["password", "otp"].
 */
export async function signInAtIdp(p, idp, { user = "alice", password = "password123", stopAt, timeout = 15000 } = {}) {
  const seen = [];
  for (let step = 0; step < 6 && !p.isClosed(); step++) {
    let id;
    try {
      id = await (await p.waitForSelector("#password, #otp", { timeout })).getAttribute("id");
    } catch (e) {
      if (p.isClosed() || (stopAt && p.url().startsWith(stopAt))) break;
      throw e;
    }
    seen.push(id);
    const left = p.waitForNavigation({ timeout }).catch(() => {});
    if (id === "password") {
      await p.fill("#username", user);
      await p.fill("#password", password);
      await p.click("#login");
    } else {
      await p.fill("#otp", await idp.totp());
      await p.click("#verify");
    }
    await left;
    if (stopAt && !p.isClosed() && p.url().startsWith(stopAt)) break;
  }
  return seen;
}

/**
 * On the test app (tests/e2e/pages/app.html): click #go with `action` as the click's work. `action` is a page
 * function of `arg`, e.g. (policy) => window.client.requireStepUp(policy). Returns the index of its outcome
 * (see outcome()).
 */
export async function click(page, action, arg) {
  const index = await page.evaluate(([src, a]) => {
    // eslint-disable-next-line no-new-func
    const fn = new Function(`return (${src})`)();
    window.nextAction = () => fn(a);
    return window.outcomes.length;
  }, [action.toString(), arg]);
  // Nothing is evaluated in the page between the click and the action's async steps: playwright's
  // evaluate runs with a user gesture, which would hand the page a fresh activation.
  await page.click("#go");
  return index;
}

/** The page's clock in whole seconds (take it right after a login, for waitForAge). */
export const pageSeconds = (page) => page.evaluate(() => Math.floor(Date.now() / 1000));

/**
 * Wait until `session`'s authentication is at least `age` seconds old as stepup judges it. stepup measures ages in
 * the provider's clock, estimated at the login as the ID token's `iat` minus the second the answer arrived
 * (src/core/session.rs); a slow answer puts that estimate up to `seenAt - iat` seconds behind, where `seenAt` is
 * `pageSeconds` taken once the test had the session. Waiting that long more makes the age certain, not likely.
 */
export async function waitForAge(page, session, age, seenAt, timeout = 20000) {
  const behind = Math.max(0, seenAt - session.claims.iat);
  await page.waitForFunction((t) => Date.now() / 1000 >= t, session.authTime + age + behind, { timeout });
}

/** The settled outcome number `i` of the test app: `{ ok, value }` or `{ ok: false, code, … }`. */
export async function outcome(page, i, timeout = 30000) {
  await page.waitForFunction((n) => window.outcomes[n] && !window.outcomes[n].pending, i, { timeout, polling: 20 });
  return page.evaluate((n) => window.outcomes[n], i);
}

/** Click (see click()) and take the popup the click opens. Returns the outcome index and the popup. */
export async function clickForPopup(page, action, arg) {
  const popupOpened = page.waitForEvent("popup", { timeout: 10000 });
  const i = await click(page, action, arg);
  return { i, popup: await popupOpened };
}

/** Click (see click()), sign in at `idp` in the popup the click opens (see signInAtIdp(), `opts`), and return
 * the outcome, the IdP pages answered and the popup. */
export async function popupSignIn(page, idp, action, arg, opts) {
  const { i, popup } = await clickForPopup(page, action, arg);
  const pages = await signInAtIdp(popup, idp, opts);
  return { result: await outcome(page, i), pages, popup };
}
