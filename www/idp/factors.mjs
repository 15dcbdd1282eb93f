// Second factors of a user: which ones are on (guardian.json) and enrolled (the store), and the
// checks behind each: TOTP codes, codes sent through the dev outbox (email, sms, voice), push
// approvals, single-use recovery codes, remembered devices. No HTTP here: interactions.mjs and
// account.mjs drive it. Each factor's RFC 8176 `amr` is decided here too (FACTOR_AMR).
import { createHash, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import { generateSecret, generateURI } from "otplib";
import QRCode from "qrcode";
import { AMR } from "./config.mjs";
import { FACTOR_NAMES } from "./guardian.mjs";
import { CODE_TTL_MS } from "./outbox.mjs";
import { createLockout } from "./lockout.mjs";
import { totpMatch, totpStepAt } from "./totp.mjs";

/** amr per factor (passkeys get theirs from the authenticator data: passkeyAmr in passkeys.mjs). */
export const FACTOR_AMR = {
  otp: [AMR.otp],
  sms: [AMR.sms],
  voice: [AMR.tel],
  // RFC 8176 has no "email": an emailed code is a one-time password.
  email: [AMR.otp],
  // An authenticator app signs its approval with a key it keeps in software.
  "push-notification": [AMR.swk],
  // A recovery code is a password that works once.
  "recovery-code": [AMR.otp],
};

const CODE_ATTEMPTS = 5;
const RECOVERY_CODE_COUNT = 10;
// Crockford-style alphabet: no 0/O, 1/I/L, so codes survive being copied by hand.
const RECOVERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

const sha256 = (text) => createHash("sha256").update(text).digest("base64url");

/** "+12025550100" → "•••• 0100": enough to recognise one's own phone, not to learn it. */
export function maskPhone(number) {
  return `•••• ${String(number).slice(-4)}`;
}

/** "alice@example.com" → "a••••@example.com". */
export function maskEmail(email) {
  const [local, domain] = String(email).split("@");
  return `${local.slice(0, 1)}••••@${domain ?? ""}`;
}

/** E.164 phone numbers only (+, country code, up to 15 digits); spaces, dashes, dots and brackets are ignored. */
export function normalizePhone(input) {
  const compact = String(input ?? "").replace(/[\s().-]/g, "");
  return /^\+[1-9]\d{6,14}$/.test(compact) ? compact : null;
}

/** Which guardian factor a stored passkey counts as: a platform authenticator or a roaming key. */
export function passkeyFactor(passkey) {
  const attachment = passkey.attachment ?? (passkey.transports?.some((t) => ["usb", "nfc", "ble"].includes(t)) && !passkey.transports.includes("internal") ? "cross-platform" : "platform");
  return attachment === "cross-platform" ? "webauthn-roaming" : "webauthn-platform";
}

function normalizeRecoveryCode(input) {
  return String(input ?? "").toUpperCase().replace(/[\s-]/g, "");
}

/**
 * @param {object} o
 * @param {ReturnType<import('./store.mjs').openStore>} o.store
 * @param {{policies: string[], factors: Record<string, boolean>}} o.guardian live settings
 * @param {ReturnType<import('./outbox.mjs').createOutbox>} o.outbox
 * @param {Record<string, {email?: string}>} o.users
 * @param {ReturnType<import('./lockout.mjs').createLockout>} [o.lockout] failed-attempt lockout (the authenticator app's key is `otp:<user>`)
 */
export function createFactors({ store, guardian, outbox, users, lockout = createLockout() }) {
  const on = (name) => guardian.factors[name] === true;

  /** Factor names the user has set up (whether or not guardian.json has them on). */
  function enrolled(username) {
    const rec = store.get(username);
    const names = new Set();
    if (rec.totp) names.add("otp");
    if (rec.phone) {
      names.add("sms");
      names.add("voice");
    }
    // As with Auth0, the email factor uses the account's (verified) address: nothing to enroll.
    if (users[username]?.email) names.add("email");
    if (rec.push) names.add("push-notification");
    if (rec.recoveryCodes?.some((c) => !c.usedAt)) names.add("recovery-code");
    for (const p of rec.passkeys ?? []) names.add(passkeyFactor(p));
    return names;
  }

  /** Factors the user can sign in with now: enrolled and on, in the order pages offer them. */
  function available(username) {
    const mine = enrolled(username);
    return FACTOR_NAMES.filter((name) => mine.has(name) && on(name));
  }

  /**
   * True when the user must set up a factor before a second factor can be asked: none of the
   * factors one enrolls (app, phone, push, passkey) is usable. Email and recovery codes are
   * fallbacks, not a first factor to rely on (Auth0 treats email the same way).
   */
  function needsEnrollment(username) {
    return !available(username).some((n) => n !== "email" && n !== "recovery-code") && enrollable().length > 0;
  }

  /** What can be enrolled during a sign-in: the authenticator app and a phone (sms or voice). */
  function enrollable() {
    return [...(on("otp") ? ["otp"] : []), ...(on("sms") || on("voice") ? ["phone"] : [])];
  }

  function passkeys(username) {
    return store.passkeys(username).filter((p) => on(passkeyFactor(p)));
  }

  /** Where a code for `channel` goes, masked for display. */
  function destination(username, channel) {
    if (channel === "email") return users[username]?.email;
    return store.get(username).phone?.number;
  }

  return {
    enrolled,
    available,
    needsEnrollment,
    enrollable,
    passkeys,
    isOn: on,
    destination,

    /**
     * Check a code from the user's authenticator app. Each code works once (RFC 6238 5.2: the
     * time steps already used are kept with the secret), and after 5 wrong codes in a row the
     * factor is locked for a while, when even the right code is refused.
     * @returns {Promise<{ok: true} | {ok: false, reason: "locked", retryInMs: number} | {ok: false, reason: "invalid" | "replayed", left: number}>}
     */
    async checkTotp(username, code) {
      const key = `otp:${username}`;
      const locked = lockout.lockedFor(key);
      if (locked) return { ok: false, reason: "locked", retryInMs: locked };
      const step = await totpMatch(store.get(username).totp?.secret, code);
      // No await from here on: the check and the record of a step happen in one go.
      if (step === null || this.totpStepUsed(username, step)) {
        const left = lockout.fail(key);
        if (!left) return { ok: false, reason: "locked", retryInMs: lockout.lockedFor(key) };
        return { ok: false, reason: step === null ? "invalid" : "replayed", left };
      }
      this.useTotpStep(username, step);
      lockout.succeed(key);
      return { ok: true };
    },

    /** True when a code of this time step was already accepted for the user's authenticator app. */
    totpStepUsed(username, step) {
      return (store.get(username).totp?.usedSteps ?? []).includes(step);
    },

    /** Record a time step as used; steps too old to be valid again are dropped. */
    useTotpStep(username, step) {
      const oldest = totpStepAt(Date.now() / 1000) - 2;
      store.update(username, (rec) => {
        if (!rec.totp) return;
        rec.totp.usedSteps = [...(rec.totp.usedSteps ?? []).filter((s) => s >= oldest && s !== step), step];
      });
    },

    /** Send a fresh 6-digit code through the outbox. Returns the challenge to keep server-side. */
    sendCode(username, channel, { app, to = destination(username, channel) } = {}) {
      if (!to) throw new Error(`${username} has nowhere to send a ${channel} code`);
      const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
      outbox.deliverCode({ channel, user: username, to, code, app });
      return { channel, to, code, expires: Date.now() + CODE_TTL_MS, attempts: 0 };
    },

    /** null when `input` is the challenge's code; else what to tell the user. Single use. */
    checkCode(challenge, input) {
      if (!challenge) return "No code was sent yet. Choose how to receive one.";
      if (challenge.used) return "That code was already used. Send a new one.";
      if (Date.now() > challenge.expires) return "That code expired. Send a new one.";
      if (challenge.attempts >= CODE_ATTEMPTS) return "Too many wrong codes. Send a new one.";
      const code = String(input ?? "").replace(/\s+/g, "");
      if (!/^\d{6}$/.test(code)) return "Enter the 6-digit code.";
      const ok = timingSafeEqual(Buffer.from(code), Buffer.from(challenge.code));
      if (!ok) {
        challenge.attempts += 1;
        const left = CODE_ATTEMPTS - challenge.attempts;
        return left > 0 ? `That code is not right. ${left} ${left === 1 ? "try" : "tries"} left.` : "Too many wrong codes. Send a new one.";
      }
      challenge.used = true;
      return null;
    },

    sendPush(username, { app, where }) {
      const device = store.get(username).push?.device;
      if (!device) throw new Error(`${username} has no device enrolled for push`);
      return outbox.sendPush({ user: username, device, app, where });
    },

    pushStatus(id, username) {
      const item = outbox.push(id);
      return item && item.user === username ? item.status : "unknown";
    },

    /** Use a recovery code: true once per code. */
    useRecoveryCode(username, input) {
      const hash = sha256(normalizeRecoveryCode(input));
      return store.update(username, (rec) => {
        const match = rec.recoveryCodes?.find((c) => !c.usedAt && c.hash === hash);
        if (!match) return false;
        match.usedAt = new Date().toISOString();
        return true;
      });
    },

    recoveryCodesLeft(username) {
      return (store.get(username).recoveryCodes ?? []).filter((c) => !c.usedAt).length;
    },

    /** New recovery codes (replacing the old ones). The plain codes are returned once, never stored. */
    newRecoveryCodes(username) {
      const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => {
        const raw = Array.from(randomBytes(12), (b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]).join("");
        return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8, 12)}`;
      });
      const createdAt = new Date().toISOString();
      store.update(username, (rec) => {
        rec.recoveryCodes = codes.map((c) => ({ hash: sha256(normalizeRecoveryCode(c)), createdAt }));
      });
      return codes;
    },

    /** A new TOTP secret with its otpauth:// URI and a QR code (inline SVG) for authenticator apps. */
    async totpEnrollment(username, issuerName) {
      const secret = generateSecret();
      const uri = generateURI({ issuer: issuerName, label: username, secret });
      const qrSvg = await QRCode.toString(uri, { type: "svg", margin: 1, errorCorrectionLevel: "M" });
      return { secret, uri, qrSvg };
    },

    /** Enroll an authenticator app; `usedStep` is the step of the code that confirmed it (used up). */
    setTotp(username, secret, usedStep) {
      store.update(username, (rec) => {
        rec.totp = { secret, createdAt: new Date().toISOString(), ...(usedStep === undefined ? {} : { usedSteps: [usedStep] }) };
      });
      lockout.succeed(`otp:${username}`);
    },
    setPhone(username, number) {
      store.update(username, (rec) => {
        rec.phone = { number, createdAt: new Date().toISOString() };
      });
    },
    setPush(username, device) {
      store.update(username, (rec) => {
        rec.push = { device, createdAt: new Date().toISOString() };
      });
    },
    remove(username, key) {
      store.update(username, (rec) => {
        delete rec[key];
      });
    },

    /** confidence-score: has this user completed MFA on the device holding this cookie value? */
    knowsDevice(username, cookieValue) {
      if (!cookieValue) return false;
      const hash = sha256(cookieValue);
      return (store.get(username).devices ?? []).some((d) => d.hash === hash);
    },
    rememberDevice(username, cookieValue) {
      const hash = sha256(cookieValue);
      const now = new Date().toISOString();
      store.update(username, (rec) => {
        rec.devices ??= [];
        const known = rec.devices.find((d) => d.hash === hash);
        if (known) known.lastSeenAt = now;
        else rec.devices.push({ hash, createdAt: now, lastSeenAt: now });
        // Bounded: the oldest remembered devices are forgotten first.
        if (rec.devices.length > 20) rec.devices.splice(0, rec.devices.length - 20);
      });
    },
    forgetDevices(username) {
      store.update(username, (rec) => {
        rec.devices = [];
      });
    },
  };
}
