// Test-only HTTP endpoints, mounted only when the IdP starts with testMode: true.
//   /__test/switches   GET: current switches; POST JSON: set them ({"rotateKeys": true} rotates keys)
//   /__test/requests   GET: the request log; DELETE: clear it
//   /__test/totp       GET ?user=alice: a TOTP code of the user's that is not used yet
//   /__test/guardian   GET: factor settings; POST JSON {policies?, factors?}: change them (checked)
//   /passkey/...       a JSON WebAuthn API over @simplewebauthn/server for the passkey e2e tests
import { USERS } from "./config.mjs";
import { GuardianError, validateGuardian } from "./guardian.mjs";
import { HttpError, readBody, sendJson } from "./http.mjs";
import { PasskeyError } from "./passkeys.mjs";

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
  "access-control-allow-headers": "content-type",
};

export const SWITCH_NAMES = ["ignoreAcrValues", "coopHeaders", "wrongIss", "tamperState", "requireDpopNonce", "refreshSub", "accessTokenTtl"];

function username(value) {
  const name = value ?? "alice";
  if (typeof name !== "string" || !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
    throw new HttpError(400, "username must be 1-64 characters of A-Z a-z 0-9 _ . -");
  }
  return name;
}

export function createTestApi({ app }) {
  return async function handle(req, res, url) {
    const path = url.pathname;
    if (!path.startsWith("/__test/") && !path.startsWith("/passkey/")) return false;
    if (req.method === "OPTIONS") {
      res.writeHead(204, CORS);
      res.end();
      return true;
    }
    const json = (status, body) => sendJson(res, status, body, CORS);

    if (path === "/__test/switches") {
      if (req.method === "POST") {
        const body = await readBody(req);
        for (const [name, value] of Object.entries(body)) {
          if (name === "rotateKeys") continue;
          if (!SWITCH_NAMES.includes(name)) throw new HttpError(400, `unknown switch ${name}; known: ${SWITCH_NAMES.join(", ")}, rotateKeys`);
          app.switches[name] = value;
        }
        if (body.rotateKeys) await app.rotateKeys();
      }
      json(200, { ...app.switches, kids: app.kids() });
      return true;
    }
    if (path === "/__test/requests") {
      if (req.method === "DELETE") app.requestLog.length = 0;
      json(200, app.requestLog);
      return true;
    }
    if (path === "/__test/totp" && req.method === "GET") {
      const name = username(url.searchParams.get("user") ?? undefined);
      const secret = app.store.get(name).totp?.secret;
      if (!USERS[name] || !secret) throw new HttpError(404, `${name} is not a user with an authenticator app`);
      // A code the provider will accept: each code works once, so not one already used or given out.
      json(200, { code: await app.nextTotp(name) });
      return true;
    }
    if (path === "/__test/guardian") {
      if (req.method === "POST") {
        const body = await readBody(req);
        let next;
        try {
          next = validateGuardian({ policies: body.policies ?? app.guardian.policies, factors: { ...app.guardian.factors, ...body.factors } }, "POST /__test/guardian");
        } catch (err) {
          if (err instanceof GuardianError) throw new HttpError(400, err.message);
          throw err;
        }
        // Mutate in place: the factor logic holds this very object.
        app.guardian.policies = next.policies;
        Object.assign(app.guardian.factors, next.factors);
      }
      json(200, app.guardian);
      return true;
    }

    if (path === "/passkey/credentials" && req.method === "GET") {
      json(200, app.store.passkeys(username(url.searchParams.get("username") ?? undefined)));
      return true;
    }
    if (req.method !== "POST") throw new HttpError(405, `${req.method} ${path} is not supported`);
    const body = await readBody(req);
    const user = username(body.username);
    const response = body.response ?? body;
    const opts = {
      userVerification: body.userVerification,
      residentKey: body.residentKey,
      attachment: body.authenticatorAttachment,
      requireUserVerification: body.requireUserVerification === true,
    };
    try {
      switch (path) {
        case "/passkey/register/options":
          json(200, await app.passkeys.registrationOptions(`test-reg:${user}`, user, clean(opts)));
          return true;
        case "/passkey/register/verify":
          json(200, await app.passkeys.verifyRegistration(`test-reg:${user}`, user, response, opts));
          return true;
        case "/passkey/auth/options":
          json(200, await app.passkeys.authenticationOptions(`test-auth:${user}`, user, clean(opts)));
          return true;
        case "/passkey/auth/verify":
          json(200, await app.passkeys.verifyAuthentication(`test-auth:${user}`, user, response, opts));
          return true;
        default:
          throw new HttpError(404, `no such test endpoint ${path}`);
      }
    } catch (err) {
      if (!(err instanceof PasskeyError)) throw err;
      json(400, { verified: false, error: err.code, message: err.message });
      return true;
    }
  };
}

function clean(o) {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
