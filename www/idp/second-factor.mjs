// The second-factor step of a sign-in (after the password, or straight away on a step-up of an
// existing session): which factor to ask, the routes that check each one, and enrollment of a
// first factor for a user who has none (authenticator app with a QR code, or a phone), followed
// by recovery codes shown once.
//
// Routes, under /interaction/:uid:
//   POST /factor {factor}            choose a factor (sends the code / push at once)
//   POST /otp {otp}                  TOTP
//   POST /code {code}                the code sent by sms, voice or email
//   GET  /push                       JSON {status} of the push request (the page polls it)
//   POST /push                       finish once the push was approved
//   POST /recovery {code}            a recovery code (single use)
//   POST /passkey/options|verify     passkey ceremony (JSON)
//   POST /enroll {method}            start enrolling otp | phone
//   POST /enroll/otp/verify {code}   confirm the authenticator app
//   POST /enroll/phone {phone, channel}, POST /enroll/phone/verify {code}
//   POST /finish                     after the recovery codes were shown
import { DEMO_TOTP_SECRET } from "./config.mjs";
import { enrollChoicePage, enrollOtpPage, enrollPhonePage, factorPage, recoveryCodesPage, verifyPhonePage } from "./factor-pages.mjs";
import { FACTOR_AMR, maskEmail, maskPhone, normalizePhone } from "./factors.mjs";
import { FACTOR_LABELS } from "./guardian.mjs";
import { HttpError, readBody, redirect, sendHtml, sendJson } from "./http.mjs";
import { layout, messagePage } from "./pages.mjs";
import { PasskeyError } from "./passkeys.mjs";
import { waitText } from "./lockout.mjs";
import { totpMatch } from "./totp.mjs";

const PASSKEY_FACTORS = new Set(["webauthn-platform", "webauthn-roaming"]);
const CODE_CHANNELS = new Set(["sms", "voice", "email"]);

export function createSecondFactor({ app, complete, fail }) {
  const { factors } = app;

  const appName = (ctx) => ctx.clientName ?? "the app";
  const masked = (channel, to) => (channel === "email" ? maskEmail(to) : maskPhone(to));

  /** Factors offered as buttons (passkeys have their own button). */
  const choosable = (user) => factors.available(user).filter((f) => !PASSKEY_FACTORS.has(f));

  /** Ask `factor` now: send its code or push when it has one. */
  function choose(ctx, factor) {
    const { state } = ctx;
    state.factor = factor;
    state.challenge = undefined;
    state.push = undefined;
    if (CODE_CHANNELS.has(factor)) {
      state.challenge = factors.sendCode(state.accountId, factor, { app: appName(ctx) });
    } else if (factor === "push-notification") {
      const item = factors.sendPush(state.accountId, { app: appName(ctx), where: "From a browser on this computer." });
      state.push = { id: item.id, device: item.to };
    }
  }

  /** After a first factor was enrolled: recovery codes once (when that factor is on), then done. */
  async function enrolled(req, res, ctx, amr) {
    const { state, uid } = ctx;
    state.enrolling = undefined;
    if (factors.isOn("recovery-code") && factors.recoveryCodesLeft(state.accountId) === 0) {
      state.pendingAmr = amr;
      const codes = factors.newRecoveryCodes(state.accountId);
      sendHtml(res, 200, recoveryCodesPage({ codes, action: `/interaction/${uid}/finish`, button: "I saved my codes, continue" }));
      return;
    }
    await complete(req, res, ctx, amr);
  }

  function render(res, status, ctx, error) {
    const { uid, state } = ctx;
    const user = state.accountId;
    const base = `/interaction/${uid}`;
    if (state.pendingAmr) {
      sendHtml(res, status, layout("Continue", `<h1>You're all set</h1><p class="sub">Your second factor is ready.</p>
        <form method="post" action="${base}/finish"><button id="continue" type="submit">Continue</button></form>`));
      return;
    }
    if (state.enrolling?.kind === "otp") {
      sendHtml(res, status, enrollOtpPage({ ...state.enrolling, action: `${base}/enroll/otp/verify`, error, username: user, cancelUrl: `${base}/cancel` }));
      return;
    }
    if (state.enrolling?.kind === "phone") {
      const e = state.enrolling;
      sendHtml(res, status, e.challenge
        ? verifyPhonePage({ action: `${base}/enroll/phone/verify`, error, masked: maskPhone(e.challenge.to), channel: e.challenge.channel, cancelUrl: `${base}/cancel` })
        : enrollPhonePage({ action: `${base}/enroll/phone`, error, number: e.number, channels: phoneChannels(), cancelUrl: `${base}/cancel` }));
      return;
    }
    const offered = choosable(user);
    const passkeys = factors.passkeys(user).length > 0;
    if (!state.factor && factors.needsEnrollment(user)) {
      sendHtml(res, status, enrollChoicePage({
        uid, username: user, why: state.why, error, options: factors.enrollable(),
        emailFallback: offered.includes("email"), recoveryFallback: offered.includes("recovery-code"),
      }));
      return;
    }
    if (!offered.length && !passkeys) {
      sendHtml(res, 409, messagePage("No second factor available",
        `${user} has no second factor that guardian.json allows, and none can be set up here. Turn a factor on in www/idp/guardian.json, or cancel.`, { id: "error" })
        .replace("</main>", `<p class="hint"><a id="cancel" href="${base}/cancel">Cancel</a></p></main>`));
      return;
    }
    // The factor asked first: the chosen one, else the first offered (sending its code if it has one).
    if (!state.factor || !offered.includes(state.factor)) {
      if (offered.length) choose(ctx, offered[0]);
      else state.factor = null;
    }
    const factor = state.factor;
    sendHtml(res, status, factorPage({
      uid, error, username: user, why: state.why, factor,
      others: offered.filter((f) => f !== factor),
      hasPasskey: passkeys,
      challenge: state.challenge && { masked: masked(state.challenge.channel, state.challenge.to) },
      push: state.push,
      notice: state.notice,
      demoSecret: factors.enrolled(user).has("otp") && app.store.get(user).totp?.secret === DEMO_TOTP_SECRET ? DEMO_TOTP_SECRET : undefined,
    }));
    state.notice = undefined;
  }

  function phoneChannels() {
    return ["sms", "voice"].filter((c) => factors.isOn(c));
  }

  /** The user must be past the password step and `factor` must be on and theirs. */
  function requireFactor(ctx, factor) {
    if (!ctx.state.accountId) throw new HttpError(400, "Sign in with your password first.");
    if (!factors.isOn(factor)) throw new HttpError(400, `${FACTOR_LABELS[factor] ?? factor} is turned off in guardian.json. Choose another way to verify.`);
    if (!factors.available(ctx.state.accountId).includes(factor)) throw new HttpError(400, `${ctx.state.accountId} has no ${FACTOR_LABELS[factor] ?? factor} set up. Choose another way to verify.`);
  }

  /** Handle `action` under /interaction/:uid; false when it is not a second-factor route. */
  async function handle(req, res, action, ctx) {
    const { state, uid } = ctx;
    const route = `${req.method} ${action}`;
    const user = state.accountId;
    switch (route) {
      case "POST /factor": {
        const body = await readBody(req);
        const factor = String(body.factor ?? "");
        if (!FACTOR_LABELS[factor] || PASSKEY_FACTORS.has(factor)) throw new HttpError(400, `Unknown factor ${JSON.stringify(factor)}.`);
        requireFactor(ctx, factor);
        choose(ctx, factor);
        redirect(res, `/interaction/${uid}`);
        return true;
      }

      case "POST /otp": {
        requireFactor(ctx, "otp");
        const body = await readBody(req);
        const code = String(body.otp ?? "").replace(/\s+/g, "");
        state.factor = "otp";
        if (!/^\d{6}$/.test(code)) {
          render(res, 400, ctx, "Enter the 6-digit code from your authenticator app.");
          return true;
        }
        const check = await factors.checkTotp(user, code);
        if (!check.ok) {
          if (check.reason === "locked") {
            render(res, 429, ctx, `Too many wrong codes: the authenticator app is locked for ${waitText(check.retryInMs)}. Choose another way to verify, or try again later.`);
            return true;
          }
          const why = check.reason === "replayed"
            ? "That code was already used. Wait for your authenticator app to show the next one."
            : "That code is not valid. Check your authenticator app's clock and try the current code.";
          render(res, 401, ctx, `${why} ${check.left} ${check.left === 1 ? "try" : "tries"} left.`);
          return true;
        }
        await complete(req, res, ctx, FACTOR_AMR.otp);
        return true;
      }

      case "POST /code": {
        const factor = state.challenge?.channel;
        if (!factor) throw new HttpError(400, "No code was sent for this sign-in. Choose how to receive one.");
        requireFactor(ctx, factor);
        const body = await readBody(req);
        const problem = factors.checkCode(state.challenge, body.code);
        if (problem) {
          render(res, 401, ctx, problem);
          return true;
        }
        await complete(req, res, ctx, FACTOR_AMR[factor]);
        return true;
      }

      case "GET /push":
        sendJson(res, 200, { status: state.push ? factors.pushStatus(state.push.id, user) : "unknown" });
        return true;

      case "POST /push": {
        requireFactor(ctx, "push-notification");
        const status = state.push ? factors.pushStatus(state.push.id, user) : "unknown";
        if (status === "approved") {
          await complete(req, res, ctx, FACTOR_AMR["push-notification"]);
          return true;
        }
        const why = {
          pending: "The request is not approved yet. Approve it in the dev outbox, then continue.",
          denied: "The request was denied on your phone.",
          expired: "The request expired.",
        }[status] ?? "No push request is pending.";
        if (status !== "pending") choose(ctx, "push-notification"); // a fresh request to approve
        render(res, status === "pending" ? 409 : 403, ctx, status === "pending" ? why : `${why} We sent a new one.`);
        return true;
      }

      case "POST /recovery": {
        requireFactor(ctx, "recovery-code");
        const body = await readBody(req);
        state.factor = "recovery-code";
        const code = String(body.code ?? "").trim();
        if (!code) {
          render(res, 400, ctx, "Enter one of your recovery codes.");
          return true;
        }
        if (!factors.useRecoveryCode(user, code)) {
          render(res, 401, ctx, "That recovery code is not valid, or it was already used.");
          return true;
        }
        const left = factors.recoveryCodesLeft(user);
        if (left <= 2) console.log(`[idp] ${user} has ${left} recovery code(s) left`);
        await complete(req, res, ctx, FACTOR_AMR["recovery-code"]);
        return true;
      }

      case "POST /passkey/options":
      case "POST /passkey/verify": {
        if (!user) throw new HttpError(400, "Sign in with your password first.");
        const body = await readBody(req);
        try {
          const allowed = factors.passkeys(user);
          if (action === "/passkey/options") {
            if (!allowed.length) throw new PasskeyError("no_passkeys", `${user} has no passkey that guardian.json allows.`);
            sendJson(res, 200, await app.passkeys.authenticationOptions(`interaction:${uid}`, user, { only: allowed.map((p) => p.id) }));
          } else {
            if (!allowed.some((p) => p.id === body?.id)) throw new PasskeyError("unknown_credential", "This passkey is not allowed here (unknown, or its kind is turned off in guardian.json).");
            const result = await app.passkeys.verifyAuthentication(`interaction:${uid}`, user, body);
            await complete(req, res, ctx, result.amr, { asJson: true });
          }
        } catch (err) {
          if (!(err instanceof PasskeyError)) throw err;
          sendJson(res, 400, { error: err.code, message: err.message });
        }
        return true;
      }

      case "POST /enroll": {
        if (!user) throw new HttpError(400, "Sign in with your password first.");
        if (!factors.needsEnrollment(user)) throw new HttpError(400, `${user} already has a second factor; use it.`);
        const body = await readBody(req);
        const method = String(body.method ?? "");
        if (!factors.enrollable().includes(method)) throw new HttpError(400, `Cannot set up ${JSON.stringify(method)} here; choose one of: ${factors.enrollable().join(", ")}.`);
        state.enrolling = method === "otp" ? { kind: "otp", ...(await factors.totpEnrollment(user, "stepup dev IdP")) } : { kind: "phone" };
        redirect(res, `/interaction/${uid}`);
        return true;
      }

      case "POST /enroll/otp/verify": {
        if (state.enrolling?.kind !== "otp") throw new HttpError(400, "No authenticator app is being set up. Start again.");
        const body = await readBody(req);
        const code = String(body.code ?? "").replace(/\s+/g, "");
        if (!/^\d{6}$/.test(code)) {
          render(res, 400, ctx, "Enter the 6-digit code your authenticator app shows.");
          return true;
        }
        const step = await totpMatch(state.enrolling.secret, code);
        if (step === null) {
          render(res, 401, ctx, "That code does not match. Check that your app scanned this QR code and that its clock is right.");
          return true;
        }
        factors.setTotp(user, state.enrolling.secret, step);
        await enrolled(req, res, ctx, FACTOR_AMR.otp);
        return true;
      }

      case "POST /enroll/phone": {
        if (state.enrolling?.kind !== "phone") throw new HttpError(400, "No phone is being set up. Start again.");
        const body = await readBody(req);
        const number = normalizePhone(body.phone);
        const channel = String(body.channel ?? "sms");
        state.enrolling.number = String(body.phone ?? "");
        if (!number) {
          render(res, 400, ctx, "Enter the number in international format, starting with + and the country code, e.g. +1 202 555 0100.");
          return true;
        }
        if (!phoneChannels().includes(channel)) {
          render(res, 400, ctx, `Codes cannot be sent by ${channel} (turned off in guardian.json).`);
          return true;
        }
        state.enrolling.challenge = factors.sendCode(user, channel, { app: appName(ctx), to: number });
        redirect(res, `/interaction/${uid}`);
        return true;
      }

      case "POST /enroll/phone/verify": {
        const challenge = state.enrolling?.kind === "phone" ? state.enrolling.challenge : undefined;
        if (!challenge) throw new HttpError(400, "No phone is being set up. Start again.");
        const body = await readBody(req);
        const problem = factors.checkCode(challenge, body.code);
        if (problem) {
          if (challenge.used || challenge.attempts >= 5 || Date.now() > challenge.expires) state.enrolling = { kind: "phone", number: challenge.to };
          render(res, 401, ctx, problem);
          return true;
        }
        factors.setPhone(user, challenge.to);
        await enrolled(req, res, ctx, FACTOR_AMR[challenge.channel]);
        return true;
      }

      case "POST /finish": {
        if (!state.pendingAmr) throw new HttpError(400, "Nothing to finish: start the sign-in again.");
        await complete(req, res, ctx, state.pendingAmr);
        return true;
      }

      default:
        return false;
    }
  }

  return { render, handle };
}
