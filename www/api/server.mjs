// The demo API: a resource server that asks for step-up the standard way (RFC 9470).
//   GET  /api/balance   any valid access token
//   POST /api/transfer  needs MFA (acr = the MFA URI, or amr contains "mfa") within the last 300 s,
//                       else 401 + WWW-Authenticate: Bearer error="insufficient_user_authentication"
// Access tokens are JWTs from the dev IdP (RFC 9068), verified with `jose` against its JWKS.
import { createServer } from "node:http";
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from "jose";

export const MFA_ACR = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, OPTIONS",
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
 * @param {object} o
 * @param {string} o.issuer the IdP issuer (its discovery gives the JWKS)
 * @param {string} o.audience expected `aud` of access tokens (the IdP's resource indicator)
 * @param {number} [o.port=0]
 * @param {string} [o.host="127.0.0.1"]
 * @param {string} [o.hostname="localhost"]
 * @param {number} [o.maxAge=300] how recent an MFA must be for a transfer, in seconds
 * @param {number} [o.jwksCooldownMs=0] minimum time between JWKS refetches on an unknown kid
 */
export async function startApi({ issuer, audience, port = 0, host = "127.0.0.1", hostname = "localhost", maxAge = 300, jwksCooldownMs = 0 }) {
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
  let balance = 1234.56;

  async function authenticate(req) {
    const header = req.headers.authorization ?? "";
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
    if (!match) return { error: { status: 401, challenge: bearerChallenge({ realm: "stepup-demo" }), body: { error: "missing_token", message: "Send an access token: Authorization: Bearer <token>." } } };
    try {
      const { payload } = await jwtVerify(match[1], await keySet(), {
        issuer,
        audience,
        typ: "at+jwt",
        algorithms: ["RS256", "PS256", "ES256"],
      });
      return { claims: payload };
    } catch (err) {
      const description = err instanceof joseErrors.JWTExpired ? "the access token expired" : "the access token is invalid";
      return { error: { status: 401, challenge: bearerChallenge({ error: "invalid_token", error_description: description }), body: { error: "invalid_token", message: description } } };
    }
  }

  /** Step-up policy of a transfer: MFA, and recent. Returns the unmet reason or null. */
  function transferDenied(claims, now = Math.floor(Date.now() / 1000)) {
    const mfa = claims.acr === MFA_ACR || (Array.isArray(claims.amr) && claims.amr.includes("mfa"));
    if (!mfa) return "A transfer needs multi-factor authentication";
    if (typeof claims.auth_time !== "number" || now - claims.auth_time > maxAge) return `A transfer needs an authentication in the last ${maxAge} seconds`;
    return null;
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
      if (route !== "GET /api/balance" && route !== "POST /api/transfer") {
        send(404, { error: "not_found", message: `No route ${route}. Try GET /api/balance or POST /api/transfer.` });
        return;
      }
      const { claims, error } = await authenticate(req);
      if (error) {
        send(error.status, error.body, { "www-authenticate": error.challenge });
        return;
      }
      if (route === "GET /api/balance") {
        send(200, { sub: claims.sub, balance, currency: "EUR" });
        return;
      }
      const denied = transferDenied(claims);
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
      let text = "";
      for await (const chunk of req) {
        text += chunk;
        if (text.length > 16384) break;
      }
      let amount = 10; // the demo does not insist on a body: a bare POST transfers 10
      if (text.trim()) {
        try {
          amount = Number(JSON.parse(text).amount ?? amount);
        } catch {
          send(400, { error: "invalid_request", message: "The body must be JSON like {\"amount\": 25}." });
          return;
        }
      }
      if (!Number.isFinite(amount) || amount <= 0) {
        send(400, { error: "invalid_request", message: "amount must be a positive number" });
        return;
      }
      balance = Math.round((balance - amount) * 100) / 100;
      send(200, { ok: true, amount, balance, currency: "EUR", acr: claims.acr, amr: claims.amr, auth_time: claims.auth_time });
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
