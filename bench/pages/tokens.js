// Token work in the browser, same inputs for every library. bench/lib/tokens.mjs calls window.bench.
import init, { decodeJwt, validateIdTokenClaims, verifyIdToken } from "stepup";
import { createLocalJWKSet, decodeJwt as joseDecodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { jwtDecode } from "jwt-decode";

await init();

/**
 * The ID-token claim rules stepup applies (OIDC Core 3.1.3.7 + step-up), written in plain JS for the
 * libraries that only decode: alg allowlist, iss, aud/azp, exp/iat/nbf types and times with leeway,
 * nonce, sub, auth_time within max_age, acr among acr_values.
 */
function checkClaims(header, c, e) {
  const now = e.now ?? Math.floor(Date.now() / 1000);
  const leeway = e.leeway ?? 60;
  if (!(e.algorithms ?? ["RS256", "PS256", "ES256"]).includes(header.alg)) throw new Error("unsupported_algorithm");
  if (c.iss !== e.issuer) throw new Error("invalid_issuer");
  const aud = typeof c.aud === "string" ? [c.aud] : c.aud;
  if (!Array.isArray(aud) || !aud.includes(e.clientId)) throw new Error("invalid_audience");
  if ((aud.length > 1 || c.azp !== undefined) && c.azp !== e.clientId) throw new Error("invalid_authorized_party");
  for (const k of ["exp", "iat", "nbf", "auth_time"]) {
    if (c[k] !== undefined && typeof c[k] !== "number") throw new Error("invalid_claim");
  }
  if (c.exp === undefined || c.iat === undefined) throw new Error("missing_claim");
  if (c.exp <= now - leeway) throw new Error("token_expired");
  if (c.iat > now + leeway) throw new Error("invalid_issued_at");
  if (c.nbf !== undefined && c.nbf > now + leeway) throw new Error("token_not_yet_valid");
  if (typeof c.sub !== "string" || !c.sub) throw new Error("missing_claim");
  if (e.nonce !== undefined && c.nonce !== e.nonce) throw new Error("nonce_mismatch");
  if (e.maxAge !== undefined) {
    if (c.auth_time === undefined) throw new Error("missing_claim");
    if (now - c.auth_time > e.maxAge + leeway) throw new Error("auth_time_too_old");
  }
  if (e.acrValues && !e.acrValues.includes(c.acr)) throw new Error("acr_not_satisfied");
  return c;
}

let data;
let joseKeys;

const ops = {
  // decode: header + claims
  "stepup decodeJwt": () => decodeJwt(data.rs256),
  "jwt-decode (header + payload)": () => [jwtDecode(data.rs256, { header: true }), jwtDecode(data.rs256)],
  "jose decodeProtectedHeader + decodeJwt": () => [decodeProtectedHeader(data.rs256), joseDecodeJwt(data.rs256)],
  // decode + every claim rule, no signature
  "stepup validateIdTokenClaims": () => validateIdTokenClaims(data.rs256, data.expect),
  "jwt-decode + JS claim checks": () => checkClaims(jwtDecode(data.rs256, { header: true }), jwtDecode(data.rs256), data.expect),
  "jose decode + JS claim checks": () => checkClaims(decodeProtectedHeader(data.rs256), joseDecodeJwt(data.rs256), data.expect),
  // signature (WebCrypto) + every claim rule
  "stepup verifyIdToken RS256": () => verifyIdToken(data.rs256, { ...data.expect, jwks: data.jwks }),
  "stepup verifyIdToken ES256": () => verifyIdToken(data.es256, { ...data.expect, jwks: data.jwks }),
  // jwksUri: stepup fetches the set once and caches the imported CryptoKeys per URI (inline `jwks` imports per call).
  "stepup verifyIdToken RS256 (jwksUri, cached keys)": () => verifyIdToken(data.rs256, { ...data.expect, jwksUri: data.jwksUri }),
  "stepup verifyIdToken ES256 (jwksUri, cached keys)": () => verifyIdToken(data.es256, { ...data.expect, jwksUri: data.jwksUri }),
  "jose jwtVerify RS256 + JS claim checks": async () => {
    const r = await jwtVerify(data.rs256, joseKeys, { issuer: data.expect.issuer, audience: data.expect.clientId, algorithms: ["RS256", "PS256", "ES256"], currentDate: new Date(data.expect.now * 1000), clockTolerance: 60 });
    return checkClaims(r.protectedHeader, r.payload, data.expect);
  },
  "jose jwtVerify ES256 + JS claim checks": async () => {
    const r = await jwtVerify(data.es256, joseKeys, { issuer: data.expect.issuer, audience: data.expect.clientId, algorithms: ["RS256", "PS256", "ES256"], currentDate: new Date(data.expect.now * 1000), clockTolerance: 60 });
    return checkClaims(r.protectedHeader, r.payload, data.expect);
  },
};

window.bench = {
  names: Object.keys(ops),
  setup(d) {
    data = d;
    joseKeys = createLocalJWKSet(d.jwks);
  },
  /** Run `name` back to back for `ms` milliseconds (awaiting async ones); returns [ops, elapsed ms]. */
  async run(name, ms) {
    const op = ops[name];
    const first = op();
    const isAsync = first && typeof first.then === "function";
    if (isAsync) await first;
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    if (isAsync) {
      while (t - t0 < ms) { for (let i = 0; i < 8; i++) await op(); n += 8; t = performance.now(); }
    } else {
      while (t - t0 < ms) { for (let i = 0; i < 64; i++) op(); n += 64; t = performance.now(); }
    }
    return [n, t - t0];
  },
  /** Every op must succeed on the good tokens (so nobody is measured failing fast). */
  async selfCheck() {
    const out = {};
    for (const [name, op] of Object.entries(ops)) {
      try { await op(); out[name] = "ok"; } catch (e) { out[name] = `${e.code ?? ""} ${e.message}`; }
    }
    return out;
  },
};
window.ready = true;
