// The login interaction: password, then (when the request asks for more than the session has)
// a second factor: TOTP or a passkey. oidc-provider decides *whether* to interact (its policy,
// plus our acr_step_up check); this module decides *what* to ask and which acr/amr result.
import { timingSafeEqual } from "node:crypto";
import { ACR_MFA, ACR_PWD, AMR, USERS } from "./config.mjs";
import { HttpError, readBody, redirect, sendHtml, sendJson } from "./http.mjs";
import { requestedAcr, targetAcr } from "./oidc.mjs";
import { factorPage, loginPage, messagePage } from "./pages.mjs";
import { PasskeyError } from "./passkeys.mjs";
import { totpValid } from "./totp.mjs";

// Reasons oidc-provider gives when only the *level* is too low; then the user who is already
// signed in skips the password and goes straight to the second factor.
const STEP_UP_ONLY = new Set(["acr_step_up", "essential_acr", "essential_acrs"]);

const WHY = {
  max_age: "Your last sign-in is too old for this action: please sign in again.",
  login_prompt: "The app asked you to confirm it's you.",
};

function passwordOk(username, password) {
  const user = Object.hasOwn(USERS, username) ? USERS[username] : undefined;
  const a = Buffer.from(String(password ?? ""));
  const b = Buffer.from(user?.password ?? "\0no-user");
  return Boolean(user) && a.length === b.length && timingSafeEqual(a, b);
}

export function createInteractions({ app }) {
  // Per-interaction progress (which user passed the password step), keyed by interaction uid.
  // The uid is unguessable and bound to the browser by oidc-provider's interaction cookie.
  const progress = new Map();

  async function details(req, res, uid) {
    let interaction;
    try {
      interaction = await app.provider.interactionDetails(req, res);
    } catch {
      throw new HttpError(400, "This sign-in page has expired or was already used. Go back to the app and start again.", "session_not_found");
    }
    if (interaction.uid !== uid) throw new HttpError(400, "This sign-in page does not belong to your current sign-in. Go back to the app and start again.");
    const state = progress.get(uid) ?? {};
    const target = targetAcr(requestedAcr(interaction.params, interaction.params.claims), app.switches);
    const reasons = interaction.prompt.reasons ?? [];
    const sessionUser = interaction.session?.accountId;
    // Step-up on an existing session: the password step is already done.
    if (!state.accountId && sessionUser && reasons.length && reasons.every((r) => STEP_UP_ONLY.has(r))) {
      state.accountId = sessionUser;
      state.why = "The app asked for a stronger sign-in.";
    }
    state.touched = Date.now();
    progress.set(uid, state);
    // Abandoned logins: forget them after an hour (the interaction's own lifetime).
    for (const [key, value] of progress) if (Date.now() - value.touched > 3600_000) progress.delete(key);
    const client = await app.provider.Client.find(interaction.params.client_id);
    return { interaction, state, target, reasons, clientName: client?.clientName ?? interaction.params.client_id };
  }

  async function finish(req, res, uid, login) {
    progress.delete(uid);
    await app.provider.interactionFinished(req, res, { login: { ...login, ts: Math.floor(Date.now() / 1000), remember: true } }, { mergeWithLastSubmission: false });
  }

  async function loginResult(req, res, uid, target, accountId, factorAmr, asJson) {
    const login = factorAmr
      ? { accountId, acr: ACR_MFA, amr: [AMR.pwd, ...factorAmr, AMR.mfa] }
      : { accountId, acr: ACR_PWD, amr: [AMR.pwd] };
    if (asJson) {
      progress.delete(uid);
      const location = await app.provider.interactionResult(req, res, { login: { ...login, ts: Math.floor(Date.now() / 1000), remember: true } }, { mergeWithLastSubmission: false });
      sendJson(res, 200, { location });
      return;
    }
    await finish(req, res, uid, login);
  }

  function renderStep(res, status, { uid, interaction, state, reasons, clientName }, error) {
    if (state.accountId) {
      sendHtml(res, status, factorPage({
        uid, error, username: state.accountId, why: state.why,
        hasPasskey: app.store.passkeys(state.accountId).length > 0,
      }));
    } else {
      // Without a session the plain "sign in" text fits, whatever else the request asked.
      const why = reasons.includes("no_session") ? undefined : reasons.map((r) => WHY[r]).find(Boolean);
      sendHtml(res, status, loginPage({ uid, error, why, username: interaction.params.login_hint, clientName }));
    }
  }

  /** Routes under /interaction/:uid. Returns false when the path is not ours. */
  return async function handle(req, res, url) {
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(\/[a-z/]+)?$/.exec(url.pathname);
    if (!match) return false;
    const [, uid, action = ""] = match;
    const route = `${req.method} ${action}`;
    const ctx = await details(req, res, uid);
    const { interaction, state, target } = ctx;

    if (target === null) {
      progress.delete(uid);
      await app.provider.interactionFinished(req, res, {
        error: "unmet_authentication_requirements",
        error_description: "none of the requested essential acr values is supported",
      }, { mergeWithLastSubmission: false });
      return true;
    }
    if (interaction.prompt.name !== "login") {
      // Consent is granted in loadExistingGrant, so this only happens for an unknown prompt.
      sendHtml(res, 400, messagePage("Cannot continue", `Unexpected prompt ${interaction.prompt.name}.`, { id: "error" }));
      return true;
    }

    switch (route) {
      case "GET ":
        renderStep(res, 200, { uid, ...ctx });
        return true;

      case "POST /login": {
        const body = await readBody(req);
        const username = String(body.username ?? "").trim();
        if (!username || !body.password) {
          renderStep(res, 400, { uid, ...ctx }, "Enter your username and password.");
          return true;
        }
        if (!passwordOk(username, body.password)) {
          interaction.params.login_hint = username;
          renderStep(res, 401, { uid, ...ctx }, "Wrong username or password.");
          return true;
        }
        if (target === ACR_MFA) {
          state.accountId = username;
          state.why = "This action needs a second factor.";
          redirect(res, `/interaction/${uid}`);
          return true;
        }
        await loginResult(req, res, uid, target, username, null, false);
        return true;
      }

      case "POST /otp": {
        if (!state.accountId) throw new HttpError(400, "Sign in with your password first.");
        const body = await readBody(req);
        const code = String(body.otp ?? "").replace(/\s+/g, "");
        if (!/^\d{6}$/.test(code)) {
          renderStep(res, 400, { uid, ...ctx }, "Enter the 6-digit code from your authenticator app.");
          return true;
        }
        if (!(await totpValid(USERS[state.accountId]?.totpSecret, code))) {
          renderStep(res, 401, { uid, ...ctx }, "That code is not valid. Check your authenticator app's clock and try the current code.");
          return true;
        }
        await loginResult(req, res, uid, target, state.accountId, [AMR.otp], false);
        return true;
      }

      case "POST /passkey/options":
      case "POST /passkey/verify": {
        if (!state.accountId) throw new HttpError(400, "Sign in with your password first.");
        const body = await readBody(req);
        try {
          if (action === "/passkey/options") {
            sendJson(res, 200, await app.passkeys.authenticationOptions(`interaction:${uid}`, state.accountId));
          } else {
            const result = await app.passkeys.verifyAuthentication(`interaction:${uid}`, state.accountId, body);
            await loginResult(req, res, uid, target, state.accountId, result.amr, true);
          }
        } catch (err) {
          if (!(err instanceof PasskeyError)) throw err;
          sendJson(res, 400, { error: err.code, message: err.message });
        }
        return true;
      }

      case "GET /cancel":
        progress.delete(uid);
        await app.provider.interactionFinished(req, res, { error: "access_denied", error_description: "the user cancelled the sign-in" }, { mergeWithLastSubmission: false });
        return true;

      default:
        throw new HttpError(404, `No such page: ${req.method} ${url.pathname}`);
    }
  };
}
