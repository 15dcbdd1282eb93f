// Signing keys, made fresh at every start (and on rotateKeys()): nothing to keep on disk.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { calculateJwkThumbprint } from "jose";

async function privateJwk(type, options, alg) {
  const { privateKey } = generateKeyPairSync(type, options);
  const jwk = privateKey.export({ format: "jwk" });
  // kid = RFC 7638 thumbprint: unique per key, so a rotated key always has a new kid.
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg, use: "sig" };
}

/** RS256 first (the default ID-token and access-token algorithm), ES256 available to clients that ask. */
export async function generateSigningKeys() {
  return {
    keys: [
      await privateJwk("rsa", { modulusLength: 2048 }, "RS256"),
      await privateJwk("ec", { namedCurve: "P-256" }, "ES256"),
    ],
  };
}

/** Keys that sign the provider's cookies; kept across key rotation so sessions survive it. */
export function cookieKeys() {
  return [randomBytes(32).toString("base64url")];
}
