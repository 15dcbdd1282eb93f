// The demo API: a resource server that asks for step-up the standard way (RFC 9470).
//   GET  /api/balance         any valid access token: { sub, balance, currency, payoutAccount }
//   POST /api/transfer        {amount?, to?, dryRun?}  needs MFA (acr = the MFA URI, or amr contains "mfa")
//   PUT  /api/payout-account  {iban}          within the last 300 s, else 401 +
//                             WWW-Authenticate: Bearer error="insufficient_user_authentication"
//   GET  /api/audit-log       needs MFA, asked the way Microsoft Entra ID asks for a Conditional Access
//                             authentication context: 401 + WWW-Authenticate: Bearer error="insufficient_claims",
//                             claims="<base64 of an OIDC claims request>" (here an essential acr, which
//                             oidc-provider understands; Entra writes {"access_token":{"acrs":…}})
// Every route is guarded by stepup/server (the package's API guard, pkg/server/): access tokens are RFC 9068 JWTs
// (any JWT profile from another provider when `typ` is null), checked against the issuer's JWKS, and the guard
// answers with the RFC 9470 / RFC 6750 / RFC 9449 challenge the client understands. A DPoP-bound token (RFC 9449:
// `cnf.jkt`) passes only as `Authorization: DPoP <token>` with a valid, unused proof of its key; a bound token sent as
// a Bearer token is refused. What stays here is the demo's own: its routes, balances in memory, the Entra-style
// audit-log challenge, and the DPoP nonces it hands out when a test asks for them (RFC 9449 §9).
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";

export const MFA_ACR = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, PUT, OPTIONS",
  "access-control-allow-headers": "authorization, content-type, dpop",
  // Without this a cross-origin SPA cannot read the step-up challenge, nor the DPoP nonce.
  "access-control-expose-headers": "WWW-Authenticate, DPoP-Nonce",
  "access-control-max-age": "600",
};

/** An RFC 6750 / RFC 9470 challenge; values are quoted strings (no quotes or backslashes in ours). */
export function bearerChallenge(params, scheme = "Bearer") {
  const parts = Object.entries(params).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}="${v}"`);
  return parts.length ? `${scheme} ${parts.join(", ")}` : scheme;
}

/** The `DPoP` challenge of RFC 9449 §7.1 (with the algorithms we accept). */
export const dpopChallenge = (params) => bearerChallenge({ algs: DPOP_ALGS.join(" "), ...params }, "DPoP");

/** Proof algorithms accepted (asymmetric only, RFC 9449 §4.2): the guard's default. */
export const DPOP_ALGS = ["ES256", "PS256", "RS256", "EdDSA"];

/**
 * The claims request of the audit log's challenge (OIDC Core 5.5): the MFA acr, essential. Sent as Entra
 * sends its own: standard base64 with padding, in a quoted `claims` parameter.
 */
export const AUDIT_LOG_CLAIMS = { id_token: { acr: { essential: true, value: MFA_ACR } } };

/** An Entra ID style `insufficient_claims` challenge for `claims` (realm and authorization_uri as Entra writes them). */
export function claimsChallenge(issuer, claims) {
  const encoded = Buffer.from(JSON.stringify(claims)).toString("base64");
  return `Bearer realm="", authorization_uri="${issuer}/auth", error="insufficient_claims", claims="${encoded}"`;
}

/**
 * @param {object} o
 * @param {string} o.issuer the IdP issuer (its discovery gives the JWKS)
 * @param {string} o.audience expected `aud` of access tokens (the IdP's resource indicator)
 * @param {number} [o.port=0]
 * @param {string} [o.host="127.0.0.1"]
 * @param {string} [o.hostname="localhost"]
 * @param {number} [o.maxAge=300] how recent an MFA must be for a transfer, in seconds
 * @param {number} [o.jwksCooldownMs=0] minimum time between JWKS refetches on an unknown kid
 * @param {string|null} [o.typ="at+jwt"] required JWT `typ` header (RFC 9068); null also accepts "JWT" or none
 *   (Auth0's default token profile writes "JWT"): the guard's `plainJwt`
 * @param {string} [o.claimsNamespace] read acr/amr/auth_time as `<namespace>acr` etc. (the guard's `claimNames`):
 *   providers such as Auth0 let a post-login Action add them to access tokens only as namespaced custom claims
 * @param {number} [o.dpopIatWindow=60] how far a DPoP proof's `iat` may be from now, in seconds
 */
export async function startApi({ issuer, audience, port = 0, host = "127.0.0.1", hostname = "localhost", maxAge = 300, jwksCooldownMs = 0, typ = "at+jwt", claimsNamespace, dpopIatWindow = 60 }) {
  if (!issuer || !audience) throw new Error("startApi needs { issuer, audience }");
  // Loaded here, not at the top: the demo's modules are imported before `npm start` builds pkg/.
  const { createApiGuard } = await import("../../pkg/server/server.js");
  const ns = claimsNamespace;
  const guard = await createApiGuard({
    issuer,
    audience,
    // Auth0's default token profile writes typ "JWT" (RFC 9068 wants "at+jwt").
    plainJwt: typ === null,
    ...(ns ? { claimNames: { acr: `${ns}acr`, amr: `${ns}amr`, authTime: `${ns}auth_time` } } : {}),
    dpopIatWindow,
    // Cooldown 0 so a rotation is followed at once (tests rotate and call right away); a production API keeps the
    // default 60 s so forged kids cannot make it hammer the IdP.
    jwksCooldown: jwksCooldownMs / 1000,
  });
  /** Sensitive routes: MFA, and recent (the client steps up when the guard says so). */
  const STEP_UP = { mfa: true, maxAge };

  const requestLog = [];
  /** Test switches: `requireDpopNonce` makes every DPoP proof carry a nonce this API handed out (RFC 9449 §9). */
  const switches = { requireDpopNonce: false };
  /** Nonces handed out, with their expiry; the newest is sent with every DPoP answer. */
  const nonces = new Map();
  let currentNonce = null;
  function nonce() {
    const now = Date.now();
    for (const [n, exp] of nonces) if (exp < now) nonces.delete(n);
    if (!currentNonce || !nonces.has(currentNonce) || nonces.get(currentNonce) - now < 60_000) {
      currentNonce = randomBytes(16).toString("base64url");
      nonces.set(currentNonce, now + 300_000);
    }
    return currentNonce;
  }

  /** Per user: { balance, payoutAccount }. A demo: memory only, reset at restart. */
  const accounts = new Map();
  const account = (sub) => {
    if (!accounts.has(sub)) accounts.set(sub, { balance: 1234.56, payoutAccount: "DE89 3704 0044 0532 0130 00" });
    return accounts.get(sub);
  };

  /** The guard's verdict for this request and route; a refusal as `{ error: { status, challenge, body } }`. */
  async function authenticate(req, url, policy) {
    const result = await guard.check({ method: req.method, url, headers: req.headers }, policy);
    if (!result.ok) {
      return { error: { status: result.status, challenge: result.wwwAuthenticate, body: { error: result.code, message: result.description } } };
    }
    // RFC 9449 §9: when nonces are asked for, a proof must carry one this API handed out.
    if (result.scheme === "DPoP" && switches.requireDpopNonce && !nonces.has(result.dpopNonce)) {
      const reason = "this API wants its nonce in the DPoP proof";
      return { error: { status: 401, challenge: dpopChallenge({ error: "use_dpop_nonce", error_description: reason }), body: { error: "use_dpop_nonce", message: reason } } };
    }
    // The step-up facts as the guard read them (under the configured claim names).
    return { claims: { ...result.claims, acr: result.acr, amr: result.amr, auth_time: result.authTime } };
  }

  async function readJson(req) {
    let text = "";
    for await (const chunk of req) {
      text += chunk;
      if (text.length > 16384) throw Object.assign(new Error("body too large"), { status: 413 });
    }
    if (!text.trim()) return {};
    try {
      const value = JSON.parse(text);
      if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
      return value;
    } catch {
      throw Object.assign(new Error("The body must be a JSON object."), { status: 400 });
    }
  }

  /** This API's own URL, what a DPoP proof's htu must name (RFC 9449 §4.3). */
  let publicUrl;
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://api.invalid");
    requestLog.push({ time: Date.now(), method: req.method, path: url.pathname });
    const send = (status, body, headers = {}) => {
      // RFC 9449 §9: the nonce to use next, on every answer to a DPoP request.
      const fresh = req.headers.dpop !== undefined ? { "dpop-nonce": nonce() } : {};
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...CORS, ...fresh, ...headers });
      res.end(JSON.stringify(body));
    };
    try {
      if (req.method === "OPTIONS") {
        res.writeHead(204, CORS);
        res.end();
        return;
      }
      const route = `${req.method} ${url.pathname}`;
      const routes = ["GET /api/balance", "POST /api/transfer", "PUT /api/payout-account", "GET /api/audit-log"];
      if (!routes.includes(route)) {
        send(404, { error: "not_found", message: `No route ${route}. Try ${routes.join(", ")}.` });
        return;
      }
      const sensitive = route === "POST /api/transfer" || route === "PUT /api/payout-account";
      const { claims, error } = await authenticate(req, new URL(url.pathname, publicUrl).href, sensitive ? STEP_UP : null);
      if (error) {
        send(error.status, error.body, error.challenge ? { "www-authenticate": error.challenge } : {});
        return;
      }
      const mine = account(claims.sub);
      if (route === "GET /api/balance") {
        send(200, { sub: claims.sub, balance: mine.balance, currency: "EUR", payoutAccount: mine.payoutAccount });
        return;
      }
      if (route === "GET /api/audit-log") {
        if (claims.acr !== MFA_ACR) {
          send(401, { error: "insufficient_claims", message: "The audit log needs multi-factor authentication." }, {
            "www-authenticate": claimsChallenge(issuer, AUDIT_LOG_CLAIMS),
          });
          return;
        }
        send(200, { sub: claims.sub, acr: claims.acr, entries: [{ at: claims.auth_time, event: "signed in with a second factor" }] });
        return;
      }
      let body;
      try {
        body = await readJson(req);
      } catch (err) {
        send(err.status ?? 400, { error: "invalid_request", message: err.message });
        return;
      }
      const done = { acr: claims.acr, amr: claims.amr, auth_time: claims.auth_time };
      // {"dryRun": true}: only "would this token do?" (the demo's challenge viewer); nothing changes.
      if (body.dryRun === true) {
        send(200, { ok: true, dryRun: true, ...done });
        return;
      }
      if (route === "PUT /api/payout-account") {
        const iban = normalizeIban(body.iban);
        if (!iban) {
          send(400, { error: "invalid_request", message: "That is not a valid IBAN (check the country code, length and check digits)." });
          return;
        }
        mine.payoutAccount = iban;
        send(200, { ok: true, payoutAccount: iban, ...done });
        return;
      }
      // The demo does not insist on a body: a bare POST transfers 10.
      const amount = Number(body.amount ?? 10);
      if (!Number.isFinite(amount) || amount <= 0 || amount > 1_000_000) {
        send(400, { error: "invalid_request", message: "amount must be a positive number (at most 1 000 000)" });
        return;
      }
      if (amount > mine.balance) {
        send(400, { error: "insufficient_funds", message: `The balance is ${mine.balance.toFixed(2)} EUR.` });
        return;
      }
      mine.balance = Math.round((mine.balance - amount) * 100) / 100;
      const to = typeof body.to === "string" ? body.to.slice(0, 80) : undefined;
      send(200, { ok: true, amount, to, balance: mine.balance, currency: "EUR", ...done });
    } catch (err) {
      console.error("[api]", err);
      if (!res.headersSent) send(500, { error: "server_error", message: "The demo API failed (see its console)." });
      else res.end();
    }
  });
  await new Promise((ok, ko) => {
    server.once("error", ko);
    server.listen(port, host, ok);
  });
  const actualPort = server.address().port;
  publicUrl = `http://${hostname}:${actualPort}`;
  return {
    url: publicUrl,
    port: actualPort,
    requestLog,
    /** Test switches ({ requireDpopNonce }), live. */
    switches,
    close: () => new Promise((ok) => {
      server.closeAllConnections?.();
      server.close(() => ok());
    }),
  };
}

/**
 * An IBAN in groups of four, or null: 2 letters, 2 check digits, up to 30 letters/digits, and
 * the ISO 13616 mod-97 check (so a typo in any digit is caught).
 */
export function normalizeIban(input) {
  const compact = String(input ?? "").replace(/\s+/g, "").toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(compact)) return null;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  const digits = rearranged.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rest = 0;
  for (const d of digits) rest = (rest * 10 + Number(d)) % 97;
  return rest === 1 ? compact.replace(/(.{4})/g, "$1 ").trim() : null;
}
