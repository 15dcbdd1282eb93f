// Shared by the stepup/server tests: an issuer's keys, signed access tokens and DPoP proofs (jose), and real
// loopback servers.
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from "jose";

export const ISSUER = "https://idp.example";
export const AUDIENCE = "https://api.example";
export const MFA = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";

export async function issuerKeys() {
  const rs = await generateKeyPair("RS256");
  const es = await generateKeyPair("ES256");
  const jwks = {
    keys: [
      { ...(await exportJWK(rs.publicKey)), kid: "rs-1", alg: "RS256", use: "sig" },
      { ...(await exportJWK(es.publicKey)), kid: "es-1", alg: "ES256", use: "sig" },
    ],
  };
  return { rs, es, jwks };
}

export const seconds = () => Math.floor(Date.now() / 1000);

/** An RFC 9068 access token signed by `key` ("rs" or "es" of `keys`). */
export function accessToken(keys, claims = {}, { key = "rs", kid = `${key}-1`, issuer = ISSUER, typ = "at+jwt" } = {}) {
  const alg = key === "rs" ? "RS256" : "ES256";
  return new SignJWT({ sub: "user-1", amr: ["pwd", "otp"], auth_time: seconds() - 30, scope: "read transfer", ...claims })
    .setProtectedHeader({ alg, kid, typ })
    .setIssuer(issuer)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(keys[key].privateKey);
}

/** A client's DPoP key pair and its thumbprint. */
export async function dpopKey() {
  const pair = await generateKeyPair("ES256");
  const jwk = await exportJWK(pair.publicKey);
  return { ...pair, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

let counter = 0;
/** A DPoP proof (RFC 9449 §4.2) for a resource request carrying `token`. */
export function dpopProof(key, method, url, token, claims = {}) {
  const htu = url.split(/[?#]/)[0];
  return new SignJWT({ htm: method, htu, jti: `jti-${process.pid}-${++counter}-${Math.random()}`, ath: createHash("sha256").update(token).digest("base64url"), ...claims })
    .setIssuedAt()
    .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk: key.jwk })
    .sign(key.privateKey);
}

/** A Node http server on loopback (port 0) answering with `handler`; `{ url, close }`. */
export async function listen(handler) {
  const server = createServer(handler);
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}
