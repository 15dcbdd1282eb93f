// The whole demo as one call, for `npm start` (scripts/start.mjs) and the e2e test: a static
// server for the SPA (www/app/ at /, the stepup package at /pkg/, its settings at /config.json),
// the dev identity provider and the demo API.
//
// With STEPUP_ISSUER set (e.g. an Auth0 tenant) no local identity provider starts: the SPA and
// the demo API use that provider; STEPUP_CLIENT_ID is then required, STEPUP_AUDIENCE recommended
// (without it Auth0 issues no JWT access token for the API). See docs/DEMO.md.
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { startApi } from "./api/server.mjs";
import { DEMO_CLIENT_ID, DEMO_TOTP_SECRET, startIdp, USERS } from "./idp/provider.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "..");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".ts": "text/plain; charset=utf-8",
};

const USER_NOTES = {
  alice: "has every factor: authenticator app, text, call, email, push (add a passkey on the account page)",
  bob: "has none yet: sets one up (QR code) at his first step-up",
};

/**
 * The SPA's static server. `config` may be set later (`server.config = …`): the identity provider
 * needs the app's origin before it starts, and the app's settings need the provider's issuer.
 */
export async function startAppServer({ port = 0, host = "127.0.0.1", hostname = "localhost", appDir = join(here, "app"), pkgDir = join(repoRoot, "pkg") } = {}) {
  const roots = [["/pkg/", pkgDir], ["/", appDir]];
  const state = { config: null };

  function headers(type, config) {
    const h = { "content-type": type, "cache-control": "no-store", "x-content-type-options": "nosniff" };
    if (type.startsWith("text/html")) {
      // The page may talk to itself, the identity provider and the API, and run our wasm; nothing else.
      const connect = ["'self'", config?.issuer, config?.apiUrl].filter(Boolean).map((u) => (u === "'self'" ? u : new URL(u).origin));
      h["content-security-policy"] = [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        `connect-src ${connect.join(" ")}`,
        "img-src 'self' data:",
        "style-src 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
      ].join("; ");
      // The callback URL carries the authorization code: never send it to anyone in a Referer.
      h["referrer-policy"] = "no-referrer";
    }
    return h;
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://app.invalid");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" });
      res.end();
      return;
    }
    if (url.pathname === "/config.json") {
      res.writeHead(state.config ? 200 : 503, headers("application/json"));
      res.end(JSON.stringify(state.config ?? { error: "starting" }));
      return;
    }
    for (const [prefix, dir] of roots) {
      if (!url.pathname.startsWith(prefix)) continue;
      let rel;
      try {
        rel = decodeURIComponent(url.pathname.slice(prefix.length)) || "index.html";
      } catch {
        break;
      }
      const file = normalize(join(dir, rel));
      if (!file.startsWith(dir + sep)) break; // no path traversal
      if (!existsSync(file) || !statSync(file).isFile()) break;
      res.writeHead(200, headers(TYPES[extname(file)] ?? "application/octet-stream", state.config));
      if (req.method === "HEAD") res.end();
      else createReadStream(file).pipe(res);
      return;
    }
    const missingPkg = url.pathname.startsWith("/pkg/");
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
    res.end(missingPkg ? "Not found. Is the stepup package built? `npm run build` writes pkg/." : "Not found.");
  });
  await new Promise((ok, ko) => {
    server.once("error", ko);
    server.listen(port, host, ok);
  });
  const actual = server.address().port;
  return {
    url: `http://${hostname}:${actual}`,
    port: actual,
    get config() {
      return state.config;
    },
    set config(value) {
      state.config = value;
    },
    close: () => new Promise((ok) => {
      server.closeAllConnections?.();
      server.close(() => ok());
    }),
  };
}

/** Listen on `port`, or on a free one when it is taken and `fallback` allows it. */
async function onPort(start, port, fallback) {
  try {
    return await start(port);
  } catch (err) {
    if (err.code !== "EADDRINUSE" || !fallback || port === 0) throw err;
    return start(0);
  }
}

/**
 * Start the demo.
 * @param {object} [o]
 * @param {number} [o.appPort=0] @param {number} [o.idpPort=0] @param {number} [o.apiPort=0]
 * @param {boolean} [o.portFallback=false] take a free port when a requested one is busy
 * @param {object} [o.env=process.env] STEPUP_ISSUER, STEPUP_CLIENT_ID, STEPUP_AUDIENCE, STEPUP_SCOPE,
 *   STEPUP_API_CLAIMS_NAMESPACE; STEPUP_ACCESS_TOKEN_TTL (seconds, the dev provider's access tokens: short to watch
 *   "Keep me signed in" renew them)
 * @param {string} [o.dataDir] the dev provider's factor store (default www/idp/.data)
 * @param {boolean} [o.testMode=false] the dev provider's test endpoints
 * @param {string} [o.pkgDir] what /pkg/ serves
 * @param {object} [o.guardian] the dev provider's factor settings instead of www/idp/guardian.json
 */
export async function startDemo({ appPort = 0, idpPort = 0, apiPort = 0, portFallback = false, env = process.env, dataDir, testMode = false, pkgDir, guardian } = {}) {
  const external = Boolean(env.STEPUP_ISSUER);
  if (external && !env.STEPUP_CLIENT_ID) throw new Error("STEPUP_ISSUER is set but STEPUP_CLIENT_ID is not: both are needed to use another identity provider (docs/DEMO.md).");
  // With a real tenant the callback URLs are registered there: the app's port must not move.
  const app = await onPort((port) => startAppServer({ port, pkgDir }), appPort, portFallback && !external);
  const stopping = [app];
  try {
    let idp;
    let api;
    let config;
    if (external) {
      const audience = env.STEPUP_AUDIENCE || undefined;
      // Without an audience there is no JWT access token to check; the API still starts and says so.
      api = await onPort((port) => startApi({ port, issuer: env.STEPUP_ISSUER, audience: audience ?? "(STEPUP_AUDIENCE not set)", typ: null, claimsNamespace: env.STEPUP_API_CLAIMS_NAMESPACE || undefined }), apiPort, portFallback);
      stopping.push(api);
      config = { issuer: env.STEPUP_ISSUER, clientId: env.STEPUP_CLIENT_ID, audience, scope: env.STEPUP_SCOPE || undefined, apiUrl: api.url, localIdp: null };
    } else {
      const accessTokenTtl = Number(env.STEPUP_ACCESS_TOKEN_TTL) > 0 ? Number(env.STEPUP_ACCESS_TOKEN_TTL) : undefined;
      idp = await onPort((port) => startIdp({ port, appOrigins: [app.url], dataDir, testMode, pkgDir, guardian, accessTokenTtl }), idpPort, portFallback);
      stopping.push(idp);
      api = await onPort((port) => startApi({ port, issuer: idp.issuer, audience: idp.audience }), apiPort, portFallback);
      stopping.push(api);
      config = {
        issuer: idp.issuer,
        clientId: DEMO_CLIENT_ID,
        audience: idp.audience,
        apiUrl: api.url,
        localIdp: {
          users: Object.entries(USERS).map(([username, u]) => ({ username, password: u.password, note: USER_NOTES[username] ?? "" })),
          totpSecret: DEMO_TOTP_SECRET,
          outboxUrl: `${idp.issuer}/outbox`,
          accountUrl: `${idp.issuer}/account`,
        },
      };
    }
    app.config = config;
    return {
      url: `${app.url}/`,
      config,
      app,
      idp,
      api,
      external,
      close: () => Promise.all(stopping.map((s) => s.close())),
    };
  } catch (err) {
    await Promise.all(stopping.map((s) => s.close()));
    throw err;
  }
}
