// Shared e2e plumbing: a real Chromium through playwright-core, and a static file server on a random port.
import { createServer } from "node:http";
import { createReadStream, existsSync, statSync } from "node:fs";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const repoRoot = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** Chromium from CHROME_PATH (set by scripts/bootstrap.mjs) or the Debian path; headless, offline-friendly. */
export async function launchBrowser(options = {}) {
  const executablePath = process.env.CHROME_PATH || "/usr/bin/chromium";
  return chromium.launch({
    executablePath,
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
