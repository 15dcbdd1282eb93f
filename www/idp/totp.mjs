// TOTP (RFC 6238: SHA-1, 6 digits, 30 s) through otplib, as authenticator apps compute it.
import { generate, verify } from "otplib";

export const TOTP_PERIOD = 30;

/** The time step (RFC 6238's T) of a moment, in seconds since the epoch. */
export const totpStepAt = (epochSeconds) => Math.floor(epochSeconds / TOTP_PERIOD);

/** The code for a base32 secret, now or at `epochSeconds` (tests use this to "read the authenticator app"). */
export function totpCode(secret, epochSeconds) {
  return generate({ secret, ...(epochSeconds === undefined ? {} : { epoch: epochSeconds }) });
}

/**
 * The time step `code` belongs to when it is valid now (one 30 s step of clock drift allowed
 * either way), else null. The caller refuses a step already used (RFC 6238 5.2).
 */
export async function totpMatch(secret, code) {
  if (typeof secret !== "string" || !secret || typeof code !== "string" || !/^\d{6}$/.test(code)) return null;
  const result = await verify({ secret, token: code, epochTolerance: TOTP_PERIOD });
  return result.valid === true ? result.timeStep : null;
}

/** True when `code` is valid now (no replay check: for confirming a secret being enrolled). */
export async function totpValid(secret, code) {
  return (await totpMatch(secret, code)) !== null;
}
