// TOTP (RFC 6238: SHA-1, 6 digits, 30 s) through otplib, as authenticator apps compute it.
import { generate, verify } from "otplib";

/** The current code for a base32 secret (tests use this to "read the authenticator app"). */
export function totpCode(secret, epochSeconds) {
  return generate({ secret, ...(epochSeconds === undefined ? {} : { epoch: epochSeconds }) });
}

/** True when `code` is valid now, allowing one 30 s step of clock drift either way. */
export async function totpValid(secret, code) {
  if (typeof secret !== "string" || !secret || typeof code !== "string" || !/^\d{6}$/.test(code)) return false;
  const result = await verify({ secret, token: code, epochTolerance: 30 });
  return result.valid === true;
}
