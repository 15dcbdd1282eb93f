// The API guard's parity cases, made concrete: reads tests/guard/cases.json, signs every row's access token and DPoP
// proof, and writes the result to the path given as the first argument. The Node guard (tests/guard/parity.test.mjs)
// and the Rust guard (stepup-server's runner, reading the path in STEPUP_GUARD_CASES) judge the same file and must both
// give each row's `expected`.
//
//   node tests/guard/make-cases.mjs <out.json>
//
// Generated file format (JSON):
// {
//   "now": 1700000000,                      // the clock of every check, seconds since the epoch
//   "jwks": { "keys": [ ... ] },            // the issuer's public keys (RS256 "rs-1", ES256 "es-1", PS256 "ps-1")
//   "cases": [ {
//     "name": "expired",
//     "config": { "issuer": "...", "audience": "...", ... },   // createApiGuard / GuardConfig::from_json options,
//                                                               // without jwks (use the file's) and without a store
//     "request": { "method": "POST", "url": "https://api.example/transfer",
//                  "headers": { "authorization"?: "...", "dpop"?: "..." } },   // header names lowercase
//     "policy": null | { StepUpPolicy & { scope? } } | { "preset": "nist-aal3", ...more members },
//                                       // a preset: policyPreset(name) / StepUpPolicy::preset(name), then the
//                                       // row's other members (e.g. scope) over it
//     "sendTwice": false,               // true: check the same request twice on one guard; `expected` is the second's
//     "expected": { "ok": true } | { "status": 401, "code": "token_expired", "wwwAuthenticate": "Bearer error=..." }
//   } ]
// }
// Every row gets a guard of its own (a fresh in-memory replay store). `wwwAuthenticate` is compared byte for byte.
//
// cases.json rows (the input): `token` (null: no Authorization) with `key` (rs | es | ps | rs-other: an RSA key
// outside the JWKS under kid rs-1 | hs: HS256), `header` / `claims` merged over the defaults (null deletes a member),
// `forge` (a signature byte flipped), `unsigned` (alg none, empty signature), `bind` (cnf.jkt of the proof key; the
// default under the DPoP scheme); `scheme` (Bearer | DPoP); `authorization` (the header as given); `proof` (null: no
// DPoP header; an object: sent even with Bearer) with `key` (ec | ec-other), `header` / `claims`, `forge`,
// `unsigned`, `privateJwk`; `request { method, url }`; `config`; `policy`; `sendTwice`; `expected`.
import { createHash, createHmac, generateKeyPairSync, sign } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { calculateJwkThumbprint } from "jose";

const here = dirname(fileURLToPath(import.meta.url));
const b64 = (bytes) => Buffer.from(bytes).toString("base64url");
const json64 = (value) => b64(JSON.stringify(value));

function rsa(kid) {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: "jwk" }), kid, use: "sig" } };
}
function ec(kid) {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: "jwk" }), ...(kid ? { kid } : {}) } };
}

/** The signature of `input` by `key` for `alg` (JWS form: ECDSA as raw r || s). */
function signWith(alg, key, input) {
  switch (alg) {
    case "RS256":
      return sign("sha256", Buffer.from(input), key.privateKey);
    case "PS256":
      return sign("sha256", Buffer.from(input), { key: key.privateKey, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 });
    case "ES256":
      return sign("sha256", Buffer.from(input), { key: key.privateKey, dsaEncoding: "ieee-p1363" });
    case "HS256":
      return createHmac("sha256", key.secret).update(input).digest();
    default:
      throw new Error(`make-cases: cannot sign ${alg}`);
  }
}

/** `base` with `changes` merged over it; a null value deletes the member. */
function merge(base, changes = {}) {
  const out = { ...base };
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

function jws(header, claims, { alg, key, forge, unsigned }) {
  const input = `${json64(header)}.${json64(claims)}`;
  if (unsigned) return `${input}.`;
  const sig = Buffer.from(signWith(alg, key, input));
  if (forge) sig[sig.length - 1] ^= 0x01;
  return `${input}.${b64(sig)}`;
}

export async function makeCases() {
  const table = JSON.parse(readFileSync(join(here, "cases.json"), "utf8"));
  const now = table.now;
  const keys = {
    rs: { ...rsa("rs-1"), alg: "RS256" },
    es: { ...ec("es-1"), alg: "ES256" },
    ps: { ...rsa("ps-1"), alg: "PS256" },
    "rs-other": { ...rsa("rs-1"), alg: "RS256" },
    hs: { kid: "hs-1", secret: "a shared secret no public client has", alg: "HS256" },
  };
  const proofKeys = { ec: ec(), "ec-other": ec() };
  const jwks = { keys: [keys.rs.jwk, keys.es.jwk, keys.ps.jwk] };
  const boundTo = await calculateJwkThumbprint(proofKeys.ec.jwk);
  const baseClaims = {
    iss: table.config.issuer,
    aud: table.config.audience,
    sub: "user-1",
    iat: now - 60,
    exp: now + 600,
    auth_time: now - 120,
    amr: ["pwd", "otp"],
    scope: "read transfer",
  };
  const cases = [];
  for (const [i, row] of table.rows.entries()) {
    const scheme = row.scheme ?? "Bearer";
    const method = row.request?.method ?? "POST";
    const url = row.request?.url ?? table.url;
    const headers = {};
    let token = null;
    if (row.token !== null) {
      const t = row.token ?? {};
      const key = keys[t.key ?? "rs"];
      const bind = t.bind ?? scheme === "DPoP";
      const header = merge({ alg: t.unsigned ? "none" : key.alg, typ: "at+jwt", kid: key.kid }, t.header);
      const claims = merge({ ...baseClaims, ...(bind ? { cnf: { jkt: boundTo } } : {}) }, t.claims);
      token = jws(header, claims, { alg: key.alg, key, forge: t.forge, unsigned: t.unsigned });
    }
    if (row.authorization !== undefined) headers.authorization = row.authorization;
    else if (token !== null) headers.authorization = `${scheme} ${token}`;
    const proofSpec = row.proof === undefined ? (scheme === "DPoP" ? {} : null) : row.proof;
    if (proofSpec !== null) {
      const key = proofKeys[proofSpec.key ?? "ec"];
      const jwk = proofSpec.privateJwk ? key.privateKey.export({ format: "jwk" }) : key.jwk;
      const header = merge({ typ: "dpop+jwt", alg: proofSpec.unsigned ? "none" : "ES256", jwk }, proofSpec.header);
      const htu = url.split(/[?#]/)[0];
      const ath = createHash("sha256").update(token ?? "").digest("base64url");
      const claims = merge({ jti: `proof-${i}`, htm: method, htu, iat: now, ath }, proofSpec.claims);
      headers.dpop = jws(header, claims, { alg: "ES256", key, forge: proofSpec.forge, unsigned: proofSpec.unsigned });
    }
    cases.push({
      name: row.name,
      config: { ...table.config, ...(row.config ?? {}) },
      request: { method, url, headers },
      policy: row.policy ?? null,
      sendTwice: row.sendTwice === true,
      expected: row.expected,
    });
  }
  return { now, jwks, cases };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    console.error("usage: node tests/guard/make-cases.mjs <out.json>");
    process.exit(2);
  }
  const made = await makeCases();
  writeFileSync(out, JSON.stringify(made, null, 1) + "\n");
  console.log(`[make-cases] ${made.cases.length} cases → ${out}`);
}
