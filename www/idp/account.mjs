// /account: the signed-in user's sign-in methods, where a passkey is enrolled.
// It reads oidc-provider's own session. To get one it sends the browser through a normal
// authorization request of the internal client `idp-account` (response_type=none: no code, no
// token, just the session), asking for MFA within the last 10 minutes: adding a sign-in method
// needs a fresh strong sign-in, as it should.
import { randomBytes } from "node:crypto";
import { ACR_MFA } from "./config.mjs";
import { readBody, redirect, sendHtml, sendJson } from "./http.mjs";
import { accountPage, messagePage } from "./pages.mjs";
import { PasskeyError } from "./passkeys.mjs";

export const ACCOUNT_CLIENT_ID = "idp-account";
const FRESH_SECONDS = 600;

export function accountClient(issuer) {
  return {
    client_id: ACCOUNT_CLIENT_ID,
    client_name: "Account settings",
    token_endpoint_auth_method: "none",
    response_types: ["none"],
    grant_types: [],
    redirect_uris: [`${issuer}/account`],
  };
}

export function createAccount({ app }) {
  async function freshSession(req, res) {
    const session = await app.provider.Session.get({ req, res, secure: false });
    const fresh = Boolean(session.accountId) && session.acr === ACR_MFA && Date.now() / 1000 - session.loginTs <= FRESH_SECONDS;
    return { session, fresh };
  }

  return async function handle(req, res, url) {
    if (!url.pathname.startsWith("/account")) return false;
    const { session, fresh } = await freshSession(req, res);

    if (req.method === "GET" && url.pathname === "/account") {
      if (url.searchParams.has("error")) {
        sendHtml(res, 400, messagePage("Could not sign you in", `${url.searchParams.get("error")}: ${url.searchParams.get("error_description") ?? ""}`, { id: "error" }));
        return true;
      }
      if (!fresh) {
        if (url.searchParams.has("state")) {
          // We came back from the provider and still have no fresh MFA session (e.g. the
          // ignoreAcrValues test switch is on): say so instead of redirecting in a loop.
          sendHtml(res, 403, messagePage("Stronger sign-in needed", "Managing sign-in methods needs a sign-in with a second factor in the last 10 minutes.", { id: "error" }));
          return true;
        }
        const auth = new URL("/auth", app.issuer);
        auth.search = new URLSearchParams({
          client_id: ACCOUNT_CLIENT_ID,
          response_type: "none",
          scope: "openid",
          redirect_uri: `${app.issuer}/account`,
          acr_values: ACR_MFA,
          max_age: String(FRESH_SECONDS),
          state: randomBytes(16).toString("base64url"),
        }).toString();
        redirect(res, auth.href);
        return true;
      }
      sendHtml(res, 200, accountPage({ username: session.accountId, passkeys: app.store.passkeys(session.accountId), signOutUrl: "/session/end" }));
      return true;
    }

    if (req.method === "POST" && (url.pathname === "/account/passkeys/options" || url.pathname === "/account/passkeys/verify")) {
      if (!fresh) {
        sendJson(res, 401, { error: "login_required", message: "Sign in again (with a second factor) to add a passkey." });
        return true;
      }
      const body = await readBody(req);
      const key = `account:${session.uid}`;
      try {
        if (url.pathname.endsWith("/options")) {
          sendJson(res, 200, await app.passkeys.registrationOptions(key, session.accountId));
        } else {
          sendJson(res, 200, await app.passkeys.verifyRegistration(key, session.accountId, body));
        }
      } catch (err) {
        if (!(err instanceof PasskeyError)) throw err;
        sendJson(res, 400, { error: err.code, message: err.message });
      }
      return true;
    }
    return false;
  };
}
