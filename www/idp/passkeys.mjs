// Passkeys (WebAuthn) on the server side, verified by @simplewebauthn/server.
// The browser side is our own package (registerPasskey / authenticatePasskey in pkg/stepup.js).
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { AMR, RP_ID, RP_NAME } from "./config.mjs";

const CHALLENGE_TTL_MS = 5 * 60 * 1000;

/**
 * @param {object} o
 * @param {ReturnType<import('./store.mjs').openStore>} o.store
 * @param {(origin: string) => boolean} o.originAllowed which page origins may run ceremonies
 */
export function createPasskeys({ store, originAllowed }) {
  // One pending challenge per ceremony key (interaction uid, session, or test user): a new
  // ceremony replaces the old one, and a challenge is used at most once.
  const challenges = new Map();

  function remember(key, challenge) {
    challenges.set(key, { challenge, expires: Date.now() + CHALLENGE_TTL_MS });
  }
  function takeChallenge(key) {
    const entry = challenges.get(key);
    challenges.delete(key);
    if (!entry || entry.expires < Date.now()) {
      throw new PasskeyError("no_challenge", "No passkey ceremony is pending (or it expired); start again.");
    }
    return entry.challenge;
  }

  /** The origin the browser reports, if we allow it; otherwise a clear error before any crypto. */
  function expectedOrigin(response) {
    let origin;
    try {
      const clientData = JSON.parse(Buffer.from(response.response.clientDataJSON, "base64url").toString("utf8"));
      origin = clientData.origin;
    } catch {
      throw new PasskeyError("bad_response", "The passkey response is not a WebAuthn response JSON (clientDataJSON unreadable).");
    }
    if (typeof origin !== "string" || !originAllowed(origin)) {
      throw new PasskeyError("bad_origin", `Passkey ceremonies are not accepted from origin ${JSON.stringify(origin)}.`);
    }
    return origin;
  }

  function checkShape(response) {
    if (!response || typeof response !== "object" || typeof response.id !== "string" || typeof response.response !== "object" || response.response === null) {
      throw new PasskeyError("bad_response", "Expected a WebAuthn response JSON object with `id` and `response`.");
    }
  }

  return {
    async registrationOptions(key, username, { userVerification = "preferred", residentKey = "preferred", attachment } = {}) {
      const options = await generateRegistrationOptions({
        rpName: RP_NAME,
        rpID: RP_ID,
        userName: username,
        userID: new TextEncoder().encode(username),
        attestationType: "none",
        // Already-registered credentials are excluded, so the browser answers InvalidStateError
        // (our package: webauthn_already_registered) instead of registering twice.
        excludeCredentials: store.passkeys(username).map((p) => ({ id: p.id, transports: p.transports })),
        authenticatorSelection: { residentKey, userVerification, ...(attachment ? { authenticatorAttachment: attachment } : {}) },
      });
      remember(key, options.challenge);
      return options;
    },

    async verifyRegistration(key, username, response, { requireUserVerification = false } = {}) {
      checkShape(response);
      const expectedChallenge = takeChallenge(key);
      const origin = expectedOrigin(response);
      let result;
      try {
        result = await verifyRegistrationResponse({
          response,
          expectedChallenge,
          expectedOrigin: origin,
          expectedRPID: RP_ID,
          requireUserVerification,
        });
      } catch (err) {
        throw new PasskeyError("verification_failed", err.message);
      }
      if (!result.verified) throw new PasskeyError("verification_failed", "The passkey registration could not be verified.");
      const info = result.registrationInfo;
      const passkey = {
        id: info.credential.id,
        publicKey: Buffer.from(info.credential.publicKey).toString("base64url"),
        counter: info.credential.counter,
        transports: response.response.transports ?? info.credential.transports ?? [],
        // "platform" or "cross-platform": which guardian factor it counts as (webauthn-platform / -roaming).
        attachment: ["platform", "cross-platform"].includes(response.authenticatorAttachment) ? response.authenticatorAttachment : undefined,
        deviceType: info.credentialDeviceType,
        backedUp: info.credentialBackedUp,
        userVerified: info.userVerified,
        createdAt: new Date().toISOString(),
      };
      store.addPasskey(username, passkey);
      return { verified: true, credentialId: passkey.id, deviceType: passkey.deviceType, userVerified: info.userVerified, origin };
    },

    /** `only`: credential ids to allow (default every passkey of the user). */
    async authenticationOptions(key, username, { userVerification = "preferred", only } = {}) {
      const passkeys = store.passkeys(username).filter((p) => !only || only.includes(p.id));
      if (!passkeys.length) throw new PasskeyError("no_passkeys", `${username} has no passkey enrolled.`);
      const options = await generateAuthenticationOptions({
        rpID: RP_ID,
        userVerification,
        allowCredentials: passkeys.map((p) => ({ id: p.id, transports: p.transports })),
      });
      remember(key, options.challenge);
      return options;
    },

    async verifyAuthentication(key, username, response, { requireUserVerification = false } = {}) {
      checkShape(response);
      const expectedChallenge = takeChallenge(key);
      const origin = expectedOrigin(response);
      const stored = store.findPasskey(username, response.id);
      if (!stored) throw new PasskeyError("unknown_credential", "This passkey is not registered for this user.");
      let result;
      try {
        result = await verifyAuthenticationResponse({
          response,
          expectedChallenge,
          expectedOrigin: origin,
          expectedRPID: RP_ID,
          requireUserVerification,
          credential: {
            id: stored.id,
            publicKey: new Uint8Array(Buffer.from(stored.publicKey, "base64url")),
            counter: stored.counter,
            transports: stored.transports,
          },
        });
      } catch (err) {
        throw new PasskeyError("verification_failed", err.message);
      }
      if (!result.verified) throw new PasskeyError("verification_failed", "The passkey signature did not verify.");
      const info = result.authenticationInfo;
      store.updatePasskey(username, stored.id, { counter: info.newCounter, lastUsedAt: new Date().toISOString() });
      return {
        verified: true,
        credentialId: stored.id,
        userVerified: info.userVerified,
        deviceType: info.credentialDeviceType,
        amr: passkeyAmr(info),
        origin,
      };
    },
  };
}

/**
 * RFC 8176 methods for a passkey: `hwk` for a device-bound key (the private key cannot leave the
 * authenticator), `swk` for a synced ("multi-device") passkey, plus `user` when the authenticator
 * verified the user (PIN or biometric).
 */
export function passkeyAmr({ credentialDeviceType, userVerified }) {
  return [credentialDeviceType === "multiDevice" ? AMR.swk : AMR.hwk, ...(userVerified ? [AMR.user] : [])];
}

export class PasskeyError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "PasskeyError";
    this.code = code;
  }
}
