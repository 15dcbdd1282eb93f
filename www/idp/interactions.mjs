// The login interaction: the password, then a second factor when the request asks for more than
// the session has (acr_values, an essential acr) or when guardian.json's policy wants one
// (all-applications: always; confidence-score: on a device this user never completed MFA on).
// oidc-provider decides *whether* to interact (its policy plus our acr_step_up check); this module
// decides *what* to ask and which acr/amr result. The second-factor routes are in second-factor.mjs.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { USERS } from "./config.mjs";
import { HttpError, readBody, redirect, sendHtml, sendJson } from "./http.mjs";
import { waitText } from "./lockout.mjs";
import { loginPage, messagePage } from "./pages.mjs";
import { createSecondFactor } from "./second-factor.mjs";

// Reasons oidc-provider gives when only the *level* is too low; then the user who is already
// signed in skips the password and goes straight to the second factor.
const STEP_UP_ONLY = new Set(["acr_step_up", "essential_acr", "essential_acrs"]);

const WHY = {
  max_age: "Your last sign-in is too old for this action: please sign in again.",
  login_prompt: "The app asked you to confirm it's you.",
};

/** The cookie that recognises a browser for the confidence-score policy. Random, httpOnly. */
export const DEVICE_COOKIE = "stepup_device";
const DEVICE_COOKIE_MAX_AGE = 365 * 24 * 3600;

function passwordOk(username, password) {
  const user = Object.hasOwn(USERS, username) ? USERS[username] : undefined;
  const a = Buffer.from(String(password ?? ""));
  const b = Buffer.from(user?.password ?? "\0no-user");
  return Boolean(user) && a.length === b.length && timingSafeEqual(a, b);
}

function cookie(req, name) {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

export function createInteractions({ app }) {
  // Per-interaction progress (who passed the password step, which factor is asked, codes sent,
  // enrollment under way), keyed by interaction uid. The uid is unguessable and bound to the
  // browser by oidc-provider's interaction cookie.
  const progress = new Map();
  const { factors, guardian } = app;

  async function details(req, res, uid) {
    let interaction;
    try {
      interaction = await app.provider.interactionDetails(req, res);
    } catch {
      throw new HttpError(400, "This sign-in page has expired or was already used. Go back to the app and start again.", "session_not_found");
    }
    if (interaction.uid !== uid) throw new HttpError(400, "This sign-in page does not belong to your current sign-in. Go back to the app and start again.");
    const state = progress.get(uid) ?? {};
    const target = app.profile.target(interaction.params, app.switches);
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
    return { uid, interaction, state, target, reasons, clientName: client?.clientName ?? interaction.params.client_id };
  }

  /** Why guardian.json's policy wants a second factor for this sign-in, or null. */
  function policyReason(req, username) {
    if (guardian.policies.includes("all-applications")) return "A second factor is required at every sign-in.";
    if (guardian.policies.includes("confidence-score") && !factors.knowsDevice(username, cookie(req, DEVICE_COOKIE))) {
      return "We don't recognise this device, so we need a second factor.";
    }
    return null;
  }

  /**
   * End the interaction as a successful login: password only (factorAmr null) or with a second
   * factor. After a second factor this browser becomes a known device (confidence-score).
   */
  async function complete(req, res, ctx, factorAmr, { asJson = false } = {}) {
    const { uid, state } = ctx;
    // What the login reports (acr, amr) is the profile's: see profiles.mjs.
    const login = { accountId: state.accountId, ...app.profile.result(factorAmr) };
    if (factorAmr) {
      const device = cookie(req, DEVICE_COOKIE) ?? randomBytes(24).toString("base64url");
      factors.rememberDevice(state.accountId, device);
      res.setHeader("set-cookie", `${DEVICE_COOKIE}=${device}; Path=/; Max-Age=${DEVICE_COOKIE_MAX_AGE}; HttpOnly; SameSite=Lax`);
    }
    progress.delete(uid);
    const result = { login: { ...login, ts: Math.floor(Date.now() / 1000), remember: true } };
    if (asJson) {
      const location = await app.provider.interactionResult(req, res, result, { mergeWithLastSubmission: false });
      sendJson(res, 200, { location });
      return;
    }
    await app.provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }

  /** End the interaction with an OAuth error back to the app. */
  async function fail(req, res, uid, error, description) {
    progress.delete(uid);
    await app.provider.interactionFinished(req, res, { error, error_description: description }, { mergeWithLastSubmission: false });
  }

  const secondFactor = createSecondFactor({ app, complete, fail });

  function render(res, status, ctx, error) {
    const { uid, interaction, state, reasons, clientName } = ctx;
    if (state.accountId) {
      return secondFactor.render(res, status, ctx, error);
    }
    // Without a session the plain "sign in" text fits, whatever else the request asked.
    const why = reasons.includes("no_session") ? undefined : reasons.map((r) => WHY[r]).find(Boolean);
    sendHtml(res, status, loginPage({ uid, error, why, username: interaction.params.login_hint, clientName }));
  }

  /** Routes under /interaction/:uid. Returns false when the path is not ours. */
  return async function handle(req, res, url) {
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(\/[a-z/-]+)?$/.exec(url.pathname);
    if (!match) return false;
    const [, uid, action = ""] = match;
    const ctx = await details(req, res, uid);
    const { interaction, state, target } = ctx;

    if (target === null) {
      await fail(req, res, uid, "unmet_authentication_requirements", "none of the requested essential acr values is supported");
      return true;
    }
    if (interaction.prompt.name !== "login") {
      // Consent is granted in loadExistingGrant, so this only happens for an unknown prompt.
      sendHtml(res, 400, messagePage("Cannot continue", `Unexpected prompt ${interaction.prompt.name}.`, { id: "error" }));
      return true;
    }

    if (req.method === "GET" && action === "") {
      // A profile that enrolls nothing during a sign-in answers with the level achieved: the password.
      if (state.accountId && !app.profile.enrollment && factors.needsEnrollment(state.accountId)) {
        await complete(req, res, ctx, null);
        return true;
      }
      await render(res, 200, ctx);
      return true;
    }
    if (req.method === "GET" && action === "/cancel") {
      await fail(req, res, uid, "access_denied", "the user cancelled the sign-in");
      return true;
    }
    if (req.method === "POST" && action === "/login") {
      const body = await readBody(req);
      const username = String(body.username ?? "").trim();
      if (!username || !body.password) {
        await render(res, 400, ctx, "Enter your username and password.");
        return true;
      }
      // 5 failures in a row lock the user's password for a while (app.lockout), the right one too.
      const key = `password:${username.slice(0, 128)}`;
      const locked = app.lockout.lockedFor(key);
      if (locked) {
        interaction.params.login_hint = username;
        await render(res, 429, ctx, `Too many failed sign-ins for this account: try again in ${waitText(locked)}.`);
        return true;
      }
      if (!passwordOk(username, body.password)) {
        interaction.params.login_hint = username;
        const left = app.lockout.fail(key);
        await render(res, 401, ctx, left ? "Wrong username or password." : `Wrong username or password. Too many failed sign-ins for this account: try again in ${waitText(app.lockout.lockedFor(key))}.`);
        return true;
      }
      app.lockout.succeed(key);
      const policy = target >= 1 ? null : policyReason(req, username);
      if (target >= 1 || policy) {
        state.accountId = username;
        state.why = policy ?? "This action needs a second factor.";
        redirect(res, `/interaction/${uid}`);
        return true;
      }
      await complete(req, res, { ...ctx, state: { ...state, accountId: username } }, null);
      return true;
    }
    if (await secondFactor.handle(req, res, action, ctx)) return true;
    throw new HttpError(404, `No such page: ${req.method} ${url.pathname}`);
  };
}
