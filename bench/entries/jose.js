import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import { metadata } from "./_config.js";

export { createRemoteJWKSet, decodeJwt, jwtVerify };

/** Cold start: the remote key set an app would verify ID tokens with (fetched lazily, on first use). */
export async function start() {
  return createRemoteJWKSet(new URL(metadata.jwks_uri));
}
