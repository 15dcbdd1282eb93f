// The demo API: a resource server that asks for step-up the standard way (RFC 9470).
//   GET  /api/balance         any valid access token: { sub, balance, currency, payoutAccount }
//   POST /api/transfer        {amount?, to?, dryRun?}  needs MFA (acr = the MFA URI, or amr contains "mfa")
//   PUT  /api/payout-account  {iban}          within the last 300 s, else 401 +
//                             WWW-Authenticate: Bearer error="insufficient_user_authentication"
//   GET  /api/audit-log       needs MFA, asked the way Microsoft Entra ID asks for a Conditional Access
//                             authentication context: 401 + WWW-Authenticate: Bearer error="insufficient_claims",
//                             claims="<base64 of an OIDC claims request>" (here an essential acr, which
//                             oidc-provider understands; Entra writes {"access_token":{"acrs":…}})
// Access tokens are JWTs (RFC 9068 from the dev IdP; any JWT profile from another provider when
// `typ` is null), verified with `jose` against the issuer's JWKS. Balances live in memory, per user.
import { createServer } from "node:http";
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from "jose";

export const MFA_ACR = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, PUT, OPTIONS",
  "access-control-allow-headers": "authorization, content-type",
  // Without this a cross-origin SPA cannot read the step-up challenge.
  "access-control-expose-headers": "WWW-Authenticate",
  "access-control-max-age": "600",
};

/** An RFC 6750 / RFC 9470 challenge; values are quoted strings (no quotes or backslashes in ours). */
export function bearerChallenge(params) {
  const parts = Object.entries(params).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}="${v}"`);
  return parts.length ? `Bearer ${parts.join(", ")}` : "Bearer";
}

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
 * @param {string|null} [o.typ="at+jwt"] required JWT `typ` header (RFC 9068); null accepts any
 *   (Auth0's default token profile writes "JWT")
 * @param {string} [o.claimsNamespace] also read acr/amr/auth_time as `<namespace>acr` etc.: providers
 *   such as Auth0 let a post-login Action add them to access tokens only as namespaced custom claims
 */
export async function startApi({ issuer, audience, port = 0, host = "127.0.0.1", hostname = "localhost", maxAge = 300, jwksCooldownMs = 0, typ = "at+jwt", claimsNamespace }) {
  if (!issuer || !audience) throw new Error("startApi needs { issuer, audience }");
  let jwks;
  async function keySet() {
    if (!jwks) {
      const res = await fetch(new URL(".well-known/openid-configuration", issuer.endsWith("/") ? issuer : `${issuer}/`));
      if (!res.ok) throw new Error(`discovery at ${issuer} answered ${res.status}`);
      const meta = await res.json();
      // createRemoteJWKSet refetches on an unknown kid, so key rotation at the IdP just works.
      // Cooldown 0 so a rotation is followed at once (tests rotate and call right away); a
      // production API keeps jose's 30 s default so forged kids cannot make it hammer the IdP.
      jwks = createRemoteJWKSet(new URL(meta.jwks_uri), { cooldownDuration: jwksCooldownMs });
    }
    return jwks;
  }

  const requestLog = [];
  /** Per user: { balance, payoutAccount }. A demo: memory only, reset at restart. */
  const accounts = new Map();
  const account = (sub) => {
    if (!accounts.has(sub)) accounts.set(sub, { balance: 1234.56, payoutAccount: "DE89 3704 0044 0532 0130 00" });
    return accounts.get(sub);
  };

  async function authenticate(req) {
    const header = req.headers.authorization ?? "";
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
    if (!match) return { error: { status: 401, challenge: bearerChallenge({ realm: "stepup-demo" }), body: { error: "missing_token", message: "Send an access token: Authorization: Bearer <token>." } } };
    try {
      const { payload } = await jwtVerify(match[1], await keySet(), {
        issuer,
        audience,
        ...(typ ? { typ } : {}),
        algorithms: ["RS256", "PS256", "ES256"],
      });
      if (claimsNamespace) {
        for (const name of ["acr", "amr", "auth_time"]) payload[name] ??= payload[`${claimsNamespace}${name}`];
      }
      return { claims: payload };
    } catch (err) {
      const description = err instanceof joseErrors.JWTExpired ? "the access token expired" : "the access token is invalid";
      return { error: { status: 401, challenge: bearerChallenge({ error: "invalid_token", error_description: description }), body: { error: "invalid_token", message: description } } };
    }
  }

  /** Step-up policy of sensitive routes: MFA, and recent. Returns the unmet reason or null. */
  function stepUpDenied(claims, what, now = Math.floor(Date.now() / 1000)) {
    const mfa = claims.acr === MFA_ACR || (Array.isArray(claims.amr) && claims.amr.includes("mfa"));
    if (!mfa) return `${what} needs multi-factor authentication`;
    if (typeof claims.auth_time !== "number" || now - claims.auth_time > maxAge) return `${what} needs an authentication in the last ${maxAge} seconds`;
    return null;
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

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://api.invalid");
    requestLog.push({ time: Date.now(), method: req.method, path: url.pathname });
    const send = (status, body, headers = {}) => {
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...CORS, ...headers });
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
      const { claims, error } = await authenticate(req);
      if (error) {
        send(error.status, error.body, { "www-authenticate": error.challenge });
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
      const denied = stepUpDenied(claims, route === "POST /api/transfer" ? "A transfer" : "Changing the payout account");
      if (denied) {
        send(401, { error: "insufficient_user_authentication", message: denied }, {
          "www-authenticate": bearerChallenge({
            error: "insufficient_user_authentication",
            error_description: denied,
            acr_values: MFA_ACR,
            max_age: String(maxAge),
          }),
        });
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
  return {
    url: `http://${hostname}:${actualPort}`,
    port: actualPort,
    requestLog,
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
