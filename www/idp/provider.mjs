// The development identity provider: npm oidc-provider (a certified OpenID provider) with
// password + TOTP/passkey interactions, a factor store, a request log and test switches.
//
//   import { startIdp } from "./www/idp/provider.mjs";
//   const idp = await startIdp({ appOrigins: ["http://localhost:5173"], testMode: true });
//   idp.issuer  // "http://localhost:<port>"
//   await idp.close();
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { accountClient, createAccount } from "./account.mjs";
import { createMemoryAdapter } from "./adapter.mjs";
import { DEFAULT_ACCESS_TOKEN_TTL, DEFAULT_API_AUDIENCE, DEMO_CLIENT_ID, DEMO_TOTP_SECRET, MFA_API_AUDIENCE, USERS } from "./config.mjs";
import { createFactors } from "./factors.mjs";
import { loadGuardian, validateGuardian } from "./guardian.mjs";
import { HttpError, sendHtml, sendJson, serveFile } from "./http.mjs";
import { createInteractions } from "./interactions.mjs";
import { cookieKeys, generateSigningKeys } from "./keys.mjs";
import { createLockout } from "./lockout.mjs";
import { createOidcProvider } from "./oidc.mjs";
import { createOutbox } from "./outbox.mjs";
import { createOutboxRoutes } from "./outbox-routes.mjs";
import { messagePage } from "./pages.mjs";
import { createPasskeys } from "./passkeys.mjs";
import { getProfile } from "./profiles.mjs";
import { openStore } from "./store.mjs";
import { createTestApi } from "./testapi.mjs";
import { TOTP_PERIOD, totpCode, totpStepAt } from "./totp.mjs";

export * from "./config.mjs";
export { totpCode } from "./totp.mjs";
export { FACTOR_NAMES, POLICY_NAMES, loadGuardian, validateGuardian } from "./guardian.mjs";
export { CUSTOM_AMR, LOA_LEVELS, MFA_SCOPE, PROFILE_NAMES } from "./profiles.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "../..");

/** Client metadata for a public browser client: no secret, code flow, PKCE (required globally). */
export function publicClient({ client_id, redirect_uris = [], post_logout_redirect_uris = [], ...rest }) {
  return {
    client_id,
    token_endpoint_auth_method: "none",
    response_types: ["code"],
    grant_types: ["authorization_code", "refresh_token"],
    redirect_uris,
    post_logout_redirect_uris,
    ...rest,
  };
}

/**
 * Paths registered as redirect URIs of the demo client on every app origin: the demo SPA's
 * callback pages (www/app), `/` (an app that is its own callback) and `/index.html` (the
 * Leptos and Yew examples served from a folder's root).
 */
export const DEFAULT_REDIRECT_PATHS = ["/callback.html", "/popup-callback.html", "/", "/index.html"];
/** Paths registered as post-logout redirect URIs on every app origin. */
export const DEFAULT_POST_LOGOUT_PATHS = ["/", "/index.html"];

/** The exact redirect URIs registered for an app origin (nothing else on it is allowed). */
export function appRedirects(origin, { redirectPaths = DEFAULT_REDIRECT_PATHS, postLogoutPaths = DEFAULT_POST_LOGOUT_PATHS } = {}) {
  return {
    redirect_uris: redirectPaths.map((path) => `${origin}${path}`),
    post_logout_redirect_uris: postLogoutPaths.map((path) => `${origin}${path}`),
  };
}

/**
 * Start the dev identity provider.
 * @param {object} [options]
 * @param {number} [options.port=0] 0 picks a free port
 * @param {string} [options.host="127.0.0.1"] listen address
 * @param {string} [options.hostname="localhost"] host name in the issuer (WebAuthn needs localhost)
 * @param {string[]} [options.appOrigins] SPA origins: each gets the redirect paths below, and CORS
 * @param {string[]} [options.redirectPaths] paths registered as redirect URIs on every app origin
 *   (default DEFAULT_REDIRECT_PATHS); matched exactly, as every registered redirect URI
 * @param {string[]} [options.postLogoutPaths] the same for post-logout redirects (default DEFAULT_POST_LOGOUT_PATHS)
 * @param {{attempts?: number, ms?: number}} [options.lockout] failed passwords / TOTP codes in a
 *   row that lock them (default 5), and for how long (default 5 minutes)
 * @param {object[]} [options.clients] extra public clients {client_id, redirect_uris, post_logout_redirect_uris, ...}
 * @param {string|string[]} [options.audience] resource indicator(s) of APIs (default http://localhost/api);
 *   MFA_API_AUDIENCE is always added, the API whose refresh grants need MFA (mfa_required)
 * @param {number} [options.accessTokenTtl=600] access-token lifetime in seconds (short to watch renewals);
 *   live as `idp.switches.accessTokenTtl`
 * @param {string} [options.dataDir] factor store folder (default www/idp/.data)
 * @param {string} [options.pkgDir] where /pkg/ is served from (default the repo's pkg/)
 * @param {boolean} [options.testMode=false] mounts /__test/* and the /passkey/* JSON API
 * @param {string} [options.guardianFile] factor settings (default www/idp/guardian.json)
 * @param {object} [options.guardian] factor settings as an object, instead of the file
 * @param {string} [options.profile="standard"] how the provider reports and asks for strength, emulating
 *   other providers: standard, no-acr, custom-amr, scope-step-up, levels (see profiles.mjs)
 */
export async function startIdp(options = {}) {
  const {
    port = 0,
    host = "127.0.0.1",
    hostname = "localhost",
    testMode = false,
    dataDir = join(here, ".data"),
    pkgDir = join(repoRoot, "pkg"),
  } = options;
  const audiences = [...new Set([options.audience ?? DEFAULT_API_AUDIENCE, MFA_API_AUDIENCE].flat())];
  const appOrigins = new Set((options.appOrigins ?? []).map((o) => new URL(o).origin));
  const redirectPaths = { redirectPaths: options.redirectPaths, postLogoutPaths: options.postLogoutPaths };
  for (const path of [...(options.redirectPaths ?? []), ...(options.postLogoutPaths ?? [])]) {
    if (typeof path !== "string" || !path.startsWith("/")) throw new Error(`startIdp: redirect paths start with "/", not ${JSON.stringify(path)}`);
  }
  const lockout = createLockout(options.lockout);
  const profile = getProfile(options.profile);

  const requestLog = [];
  // Token-endpoint outcomes, for tests: { time, grantType, error? } (error: the OAuth error code).
  const grantLog = [];
  // Test switches: all off unless a test turns them on. See README.md.
  // refreshSub: refreshed ID tokens carry this `sub` instead of the user's (a provider answering for
  // another user). accessTokenTtl: access-token lifetime in seconds.
  const switches = { ignoreAcrValues: false, coopHeaders: false, wrongIss: false, tamperState: false, requireDpopNonce: false, refreshSub: false, accessTokenTtl: options.accessTokenTtl ?? DEFAULT_ACCESS_TOKEN_TTL };

  // Factor settings (Auth0 Guardian's vocabulary). A live object: tests change it in-process
  // (idp.guardian.policies = ["confidence-score"]) or through POST /__test/guardian.
  const guardian = options.guardian ? validateGuardian(options.guardian, "startIdp({ guardian })") : loadGuardian(options.guardianFile);
  const seed = Object.fromEntries(Object.entries(USERS).map(([name, u]) => [name, u.enrolled ?? {}]));
  const store = openStore(dataDir, seed);
  const outbox = createOutbox();
  const factors = createFactors({ store, guardian, outbox, users: USERS, lockout });
  const Adapter = createMemoryAdapter();
  // The nonces of authorization requests that asked for offline_access (see oidc.mjs), kept across key rotations.
  const offline = new Set();
  const cookies = cookieKeys();
  let jwks = await generateSigningKeys();
  // Kept across rebuilds (key rotation, new app origins), so nonces handed out stay valid.
  const dpopNonceSecret = randomBytes(32);
  let provider;
  let providerHandler;

  const server = createServer((req, res) => {
    dispatch(req, res).catch((err) => fail(res, err));
  });
  await new Promise((ok, ko) => {
    server.once("error", ko);
    server.listen(port, host, ok);
  });
  const actualPort = server.address().port;
  const issuer = `http://${hostname}:${actualPort}`;

  const extraClients = (options.clients ?? []).map(publicClient);
  // The demo client's redirect URIs: the redirect paths on each app origin, registered in its
  // metadata, so oidc-provider matches them exactly (no other path, no other port).
  const clients = () => {
    const origins = appOrigins.size ? [...appOrigins] : ["http://localhost:3000"];
    const uris = origins.map((origin) => appRedirects(origin, redirectPaths));
    return [
      publicClient({
        client_id: DEMO_CLIENT_ID,
        client_name: "stepup demo",
        redirect_uris: uris.flatMap((u) => u.redirect_uris),
        post_logout_redirect_uris: uris.flatMap((u) => u.post_logout_redirect_uris),
      }),
      ...extraClients,
      accountClient(issuer),
    ];
  };
  // CORS: the app origins and those of the extra clients' redirect URIs; no other origin.
  const extraOrigins = new Set(extraClients.flatMap((c) => c.redirect_uris.map((u) => new URL(u).origin)));
  const corsAllowed = (origin) => appOrigins.has(origin) || extraOrigins.has(origin);

  function build() {
    provider = createOidcProvider({ issuer, jwks, cookieKeys: cookies, clients: clients(), corsAllowed, audiences, mfaAudiences: [MFA_API_AUDIENCE], switches, Adapter, profile, dpopNonceSecret, offline });
    provider.on("server_error", (_ctx, err) => console.error("[idp] server error:", err));
    const logGrant = (ctx, err) => {
      grantLog.push({ time: Date.now(), grantType: ctx.oidc?.params?.grant_type, ...(err ? { error: err.error ?? err.message } : {}) });
      if (grantLog.length > 20000) grantLog.splice(0, 10000);
    };
    provider.on("grant.success", (ctx) => logGrant(ctx));
    provider.on("grant.error", (ctx, err) => logGrant(ctx, err));
    providerHandler = provider.callback();
  }
  build();

  const app = {
    issuer,
    profile,
    switches,
    store,
    guardian,
    outbox,
    factors,
    lockout,
    requestLog,
    get provider() {
      return provider;
    },
    passkeys: createPasskeys({
      store,
      // The IdP's own pages always; in test mode any http://localhost:<port> page too, so
      // tests can run ceremonies from their own page server against the JSON API.
      originAllowed: (origin) => origin === issuer || (testMode && /^http:\/\/localhost(:\d{1,5})?$/.test(origin)),
    }),
    kids: () => jwks.keys.map((k) => k.kid),
    nextTotp: (user) => nextTotp(user),
    async rotateKeys() {
      // oidc-provider fixes its keystore at construction, so rotation builds a new Provider
      // over the same storage and cookie keys: sessions and pending logins survive, the old
      // keys disappear from /jwks.
      jwks = await generateSigningKeys();
      build();
      return app.kids();
    },
  };

  // Also reachable as idp.switches.rotateKeys() (not enumerable: the switches stay plain flags).
  Object.defineProperty(switches, "rotateKeys", { value: () => app.rotateKeys(), enumerable: false });

  const routes = [createInteractions({ app }), createAccount({ app }), createOutboxRoutes({ app }), ...(testMode ? [createTestApi({ app })] : [])];

  async function dispatch(req, res) {
    const url = new URL(req.url, issuer);
    requestLog.push({ time: Date.now(), method: req.method, path: url.pathname });
    // A long `npm start` session must not grow without bound; tests never get near this.
    if (requestLog.length > 20000) requestLog.splice(0, 10000);
    if (switches.coopHeaders) res.setHeader("cross-origin-opener-policy", "same-origin");

    if (url.pathname.startsWith("/pkg/") && req.method === "GET") {
      serveFile(res, pkgDir, decodeURIComponent(url.pathname.slice("/pkg/".length)));
      return;
    }
    if (url.pathname === "/" && req.method === "GET") {
      sendHtml(res, 200, messagePage("stepup dev identity provider", `Issuer ${issuer}. Discovery at /.well-known/openid-configuration; your sign-in methods at /account; codes and push requests in the dev outbox at /outbox.`));
      return;
    }
    for (const route of routes) {
      if (await route(req, res, url)) return;
    }
    providerHandler(req, res);
  }

  function fail(res, err) {
    const status = err instanceof HttpError ? err.status : 500;
    if (status === 500) console.error("[idp]", err);
    if (res.headersSent) {
      res.end();
      return;
    }
    const message = status === 500 ? "Internal error in the dev identity provider (see its console)." : err.message;
    const wantsJson = (res.req?.headers.accept ?? "").includes("application/json") || (res.req?.headers["content-type"] ?? "").includes("json");
    if (wantsJson) sendJson(res, status, { error: err.code ?? "server_error", message }, testMode ? { "access-control-allow-origin": "*" } : {});
    else sendHtml(res, status, messagePage("Something went wrong", message, { id: "error" }));
  }

  // Codes handed out by totp(): not handed out again (two sign-ins in a row need two codes).
  const handedOut = new Map(); // user -> Set of time steps
  async function nextTotp(user) {
    const secret = store.get(user).totp?.secret ?? DEMO_TOTP_SECRET;
    for (;;) {
      const nowSeconds = Date.now() / 1000;
      const current = totpStepAt(nowSeconds);
      const given = handedOut.get(user) ?? new Set();
      for (const s of given) if (s < current - 1) given.delete(s);
      handedOut.set(user, given);
      // The current step's code, else the next one (accepted one step early). The previous
      // step's code is still accepted too, but only until this step ends: used when 10 s are left.
      const left = (current + 1) * TOTP_PERIOD - nowSeconds;
      const candidates = left > 10 ? [current, current + 1, current - 1] : [current, current + 1];
      const step = candidates.find((s) => !given.has(s) && !factors.totpStepUsed(user, s));
      if (step !== undefined) {
        given.add(step);
        return totpCode(secret, step * TOTP_PERIOD);
      }
      await new Promise((ok) => setTimeout(ok, Math.ceil(left * 1000) + 50));
    }
  }

  return {
    issuer,
    /** The provider profile's name (profiles.mjs). */
    profile: profile.name,
    port: actualPort,
    url: issuer,
    clientId: DEMO_CLIENT_ID,
    audience: audiences[0],
    requestLog,
    switches,
    store,
    /** The live factor settings ({ policies, factors }); change them in tests. */
    guardian,
    /** The dev outbox: outbox.list({ user, channel }) newest first, outbox.decide(id, "approve"). */
    outbox,
    factors,
    get provider() {
      return provider;
    },
    /** Replace the signing keys (new kids); the old ones leave /jwks at once. Returns the new kids. */
    rotateKeys: () => app.rotateKeys(),
    kids: app.kids,
    /**
     * Register the redirect paths on another SPA origin, and allow it CORS (tests start page
     * servers later). Client metadata is fixed when oidc-provider starts, so this builds a new
     * one over the same storage and keys: sessions and pending logins survive.
     */
    addAppOrigin(origin) {
      const { origin: o } = new URL(origin);
      if (appOrigins.has(o)) return;
      appOrigins.add(o);
      build();
    },
    /** Token-endpoint outcomes { time, grantType, error? }, optionally of one grant type ("refresh_token"). */
    grants: (grantType) => grantLog.filter((g) => !grantType || g.grantType === grantType),
    /** Requests whose path is `path` (e.g. "/token"), from the request log. */
    requestsTo: (path) => requestLog.filter((r) => r.path === path),
    /** The failed-attempt lockout of passwords and TOTP codes: lockedFor(key), clear(). */
    lockout,
    /**
     * A TOTP code of a user (default alice) that the provider will accept: what the
     * authenticator app shows now, or its next code when this one was used (each code works
     * once). Codes given out are not given again; when none is left in the window, this waits
     * for the next 30 s step. For tests: one sign-in after another, each with its own code.
     */
    totp: (user = "alice") => nextTotp(user),
    close() {
      return new Promise((ok) => {
        server.closeAllConnections?.();
        server.close(() => {
          Adapter.clear();
          ok();
        });
      });
    },
  };
}
