// /account: the signed-in user's sign-in methods, where factors are enrolled and removed.
// It reads oidc-provider's own session. To get one it sends the browser through a normal
// authorization request of the internal client `idp-account` (response_type=none: no code, no
// token, just the session), asking for MFA within the last 10 minutes: changing sign-in methods
// needs a fresh strong sign-in, as it should.
import { randomBytes } from "node:crypto";
import { accountPage } from "./account-page.mjs";
import { ACR_MFA, USERS } from "./config.mjs";
import { enrollOtpPage, enrollPhonePage, recoveryCodesPage, verifyPhonePage } from "./factor-pages.mjs";
import { maskPhone, normalizePhone } from "./factors.mjs";
import { HttpError, readBody, redirect, sendHtml, sendJson } from "./http.mjs";
import { messagePage } from "./pages.mjs";
import { PasskeyError } from "./passkeys.mjs";
import { totpMatch } from "./totp.mjs";

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
  const { factors } = app;
  // Enrollment under way per session (a TOTP secret not yet confirmed, a phone code sent).
  const pending = new Map();

  async function freshSession(req, res) {
    const session = await app.provider.Session.get({ req, res, secure: false });
    const fresh = Boolean(session.accountId) && session.acr === ACR_MFA && Date.now() / 1000 - session.loginTs <= FRESH_SECONDS;
    return { session, fresh };
  }

  function showAccount(res, user, { status = 200, done, error } = {}) {
    sendHtml(res, status, accountPage({
      username: user,
      email: USERS[user]?.email,
      record: app.store.get(user),
      guardian: app.guardian,
      recoveryLeft: factors.recoveryCodesLeft(user),
      signOutUrl: "/session/end",
      done,
      error,
    }));
  }

  const phoneChannels = () => ["sms", "voice"].filter((c) => factors.isOn(c));

  /** Form posts that change a factor. Each answers with a page or a redirect back to /account. */
  async function factorAction(req, res, path, user, key) {
    const body = await readBody(req);
    const mine = pending.get(key) ?? {};
    pending.set(key, mine);
    switch (path) {
      case "/account/otp": {
        if (!factors.isOn("otp")) return showAccount(res, user, { status: 400, error: "The authenticator app factor (otp) is turned off in guardian.json." });
        mine.totp = await factors.totpEnrollment(user, "stepup dev IdP");
        return sendHtml(res, 200, enrollOtpPage({ ...mine.totp, action: "/account/otp/verify", username: user, cancelUrl: "/account" }));
      }
      case "/account/otp/verify": {
        if (!mine.totp) return showAccount(res, user, { status: 400, error: "No authenticator app is being set up. Start again." });
        const code = String(body.code ?? "").replace(/\s+/g, "");
        const step = await totpMatch(mine.totp.secret, code);
        if (step === null) {
          const error = /^\d{6}$/.test(code) ? "That code does not match. Check that your app scanned this QR code and that its clock is right." : "Enter the 6-digit code your authenticator app shows.";
          return sendHtml(res, 401, enrollOtpPage({ ...mine.totp, action: "/account/otp/verify", username: user, cancelUrl: "/account", error }));
        }
        factors.setTotp(user, mine.totp.secret, step);
        mine.totp = undefined;
        return redirect(res, "/account?done=otp");
      }
      case "/account/otp/remove":
        factors.remove(user, "totp");
        return redirect(res, "/account?done=otp-removed");
      case "/account/phone":
        if (!phoneChannels().length) return showAccount(res, user, { status: 400, error: "Text messages and phone calls are both turned off in guardian.json." });
        return sendHtml(res, 200, enrollPhonePage({ action: "/account/phone/send", channels: phoneChannels(), cancelUrl: "/account" }));
      case "/account/phone/send": {
        const number = normalizePhone(body.phone);
        const channel = String(body.channel ?? "sms");
        const again = (error) => sendHtml(res, 400, enrollPhonePage({ action: "/account/phone/send", channels: phoneChannels(), cancelUrl: "/account", number: body.phone, error }));
        if (!number) return again("Enter the number in international format, starting with + and the country code, e.g. +1 202 555 0100.");
        if (!phoneChannels().includes(channel)) return again(`Codes cannot be sent by ${channel} (turned off in guardian.json).`);
        mine.phone = factors.sendCode(user, channel, { app: "your account settings", to: number });
        return sendHtml(res, 200, verifyPhonePage({ action: "/account/phone/verify", masked: maskPhone(number), channel, cancelUrl: "/account" }));
      }
      case "/account/phone/verify": {
        const problem = factors.checkCode(mine.phone, body.code);
        if (problem) {
          if (!mine.phone) return showAccount(res, user, { status: 400, error: problem });
          return sendHtml(res, 401, verifyPhonePage({ action: "/account/phone/verify", masked: maskPhone(mine.phone.to), channel: mine.phone.channel, cancelUrl: "/account", error: problem }));
        }
        factors.setPhone(user, mine.phone.to);
        mine.phone = undefined;
        return redirect(res, "/account?done=phone");
      }
      case "/account/phone/remove":
        factors.remove(user, "phone");
        return redirect(res, "/account?done=phone-removed");
      case "/account/push":
        if (!factors.isOn("push-notification")) return showAccount(res, user, { status: 400, error: "Push notifications are turned off in guardian.json." });
        // No phone app here: the dev outbox plays the enrolled device.
        factors.setPush(user, `${USERS[user]?.name?.split(" ")[0] ?? user}'s phone`);
        return redirect(res, "/account?done=push");
      case "/account/push/remove":
        factors.remove(user, "push");
        return redirect(res, "/account?done=push-removed");
      case "/account/recovery-codes": {
        if (!factors.isOn("recovery-code")) return showAccount(res, user, { status: 400, error: "Recovery codes are turned off in guardian.json." });
        const codes = factors.newRecoveryCodes(user);
        return sendHtml(res, 200, recoveryCodesPage({ codes, action: "/account", method: "get", button: "Done", intro: "Your old recovery codes no longer work. Each new code lets you sign in once." }));
      }
      case "/account/passkeys/remove":
        if (!app.store.removePasskey(user, String(body.id ?? ""))) return showAccount(res, user, { status: 404, error: "No such passkey." });
        return redirect(res, "/account?done=passkey-removed");
      case "/account/devices/forget":
        factors.forgetDevices(user);
        return redirect(res, "/account?done=devices");
      default:
        throw new HttpError(404, `No such page: POST ${path}`);
    }
  }

  return async function handle(req, res, url) {
    if (url.pathname !== "/account" && !url.pathname.startsWith("/account/")) return false;
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
      showAccount(res, session.accountId, { done: url.searchParams.get("done") ?? undefined });
      return true;
    }

    if (req.method !== "POST") throw new HttpError(405, `${req.method} ${url.pathname} is not supported`);
    // Browsers send Origin on every POST: refuse forms posted from other sites (other localhost
    // ports included) that would ride on the session cookie.
    const origin = req.headers.origin;
    if (origin && origin !== app.issuer) throw new HttpError(403, "This form must be sent from the identity provider's own pages.");
    if (!fresh) {
      if (url.pathname.startsWith("/account/passkeys/") && url.pathname !== "/account/passkeys/remove") {
        sendJson(res, 401, { error: "login_required", message: "Sign in again (with a second factor) to add a passkey." });
      } else {
        sendHtml(res, 401, messagePage("Sign in again", "Changing sign-in methods needs a sign-in with a second factor in the last 10 minutes. Open /account again.", { id: "error" }));
      }
      return true;
    }

    if (url.pathname === "/account/passkeys/options" || url.pathname === "/account/passkeys/verify") {
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
    await factorAction(req, res, url.pathname, session.accountId, `account:${session.uid}`);
    // Forget enrollments of sessions that went away (bounded like the login progress map).
    if (pending.size > 1000) pending.clear();
    return true;
  };
}
