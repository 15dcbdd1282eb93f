// API guard throughput in Node: checks per second of stepup/server (pkg/server/) against `jose` doing the same checks
// by hand, for a cached-key RS256 token, a cached-key ES256 token, and a DPoP-bound request (RS256 token + ES256
// proof, a fresh proof each check). Both sides judge the same requests with the same policy ({ mfa: true, maxAge }),
// keys already fetched (inline JWKS / createLocalJWKSet), one request at a time.
//   node bench/lib/guard.mjs [--quick]     this section alone, printed
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { calculateJwkThumbprint, createLocalJWKSet, EmbeddedJWK, exportJWK, generateKeyPair, jwtVerify, SignJWT } from "jose";
import { median } from "./stats.mjs";

const ISSUER = "https://idp.example";
const AUDIENCE = "https://api.example";
const MFA = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";
const URL_ = "https://api.example/transfer";
const POLICY = { mfa: true, maxAge: 600 };
const sha256 = (s) => createHash("sha256").update(s).digest("base64url");

/** What the guard checks, written with jose: RFC 9068 token, the policy, and for DPoP the RFC 9449 proof checks. */
function joseGuard(jwks) {
  const keySet = createLocalJWKSet(jwks);
  const seen = new Map();
  const categories = [["pwd", "pin", "kba"], ["otp", "hwk", "swk", "sms", "tel", "sc", "pop"], ["fpt", "face", "iris", "retina", "vbm"]];
  const isMfa = (c) => c.acr === MFA || (Array.isArray(c.amr) && (c.amr.includes("mfa") || categories.filter((set) => c.amr.some((m) => set.includes(m))).length >= 2));
  return async function check({ method, url, headers }) {
    const [scheme, token] = (headers.authorization ?? "").split(" ");
    const { payload } = await jwtVerify(token, keySet, { issuer: ISSUER, audience: AUDIENCE, typ: "at+jwt", algorithms: ["RS256", "PS256", "ES256"], clockTolerance: 60, requiredClaims: ["sub", "iat", "exp"] });
    const jkt = payload.cnf?.jkt;
    if ((scheme === "DPoP") !== (typeof jkt === "string")) return { ok: false };
    if (jkt) {
      const { payload: p, protectedHeader: h } = await jwtVerify(headers.dpop, EmbeddedJWK, { typ: "dpop+jwt", algorithms: ["ES256", "PS256", "RS256", "EdDSA"] });
      const now = Math.floor(Date.now() / 1000);
      if (h.jwk.d !== undefined || p.htm !== method || p.htu !== url.split(/[?#]/)[0] || Math.abs(now - p.iat) > 60 || p.ath !== sha256(token)) return { ok: false };
      if ((await calculateJwkThumbprint(h.jwk)) !== jkt) return { ok: false };
      const key = `${jkt} ${p.jti}`;
      if (seen.has(key)) return { ok: false };
      seen.set(key, p.iat + 61);
    }
    const fresh = typeof payload.auth_time === "number" && Math.floor(Date.now() / 1000) - payload.auth_time <= POLICY.maxAge;
    return { ok: isMfa(payload) && fresh, sub: payload.sub };
  };
}

/** Checks per second of `check` for `ms` (a fresh request from `next()` each call). */
async function run(check, next, ms) {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    const res = await check(next());
    if (!res.ok) throw new Error(`bench: a check failed: ${JSON.stringify(res)}`);
    n++;
  }
  return (n * 1000) / (performance.now() - t0);
}

/** Both sides, their runs interleaved (so both meet the same machine load); the median of `rounds` runs each. */
async function rates(sides, { ms, rounds }) {
  const out = sides.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, [check, next]] of sides.entries()) out[i].push(await run(check, next, ms));
  }
  return out.map((xs) => Math.round(median(xs)));
}

export async function guardThroughput({ ms = 500, rounds = 5, log = () => {} } = {}) {
  const { createApiGuard, memoryReplayStore } = await import("../../pkg/server/server.js");
  const rs = await generateKeyPair("RS256");
  const es = await generateKeyPair("ES256");
  const jwks = { keys: [{ ...(await exportJWK(rs.publicKey)), kid: "rs-1", alg: "RS256" }, { ...(await exportJWK(es.publicKey)), kid: "es-1", alg: "ES256" }] };
  const sign = (key, kid, alg, claims = {}) => new SignJWT({ sub: "user-1", amr: ["pwd", "otp"], auth_time: Math.floor(Date.now() / 1000) - 10, ...claims })
    .setProtectedHeader({ alg, kid, typ: "at+jwt" }).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime("1h").sign(key.privateKey);
  const client = await generateKeyPair("ES256");
  const clientJwk = await exportJWK(client.publicKey);
  const jkt = await calculateJwkThumbprint(clientJwk);
  const tokens = { RS256: await sign(rs, "rs-1", "RS256"), ES256: await sign(es, "es-1", "ES256"), DPoP: await sign(rs, "rs-1", "RS256", { cnf: { jkt } }) };
  // Proofs are signed ahead (each is used once): enough for the longest run of both sides.
  const proofCount = Math.ceil(((ms * rounds) / 1000) * 5000) + 100;
  log(`guard: signing ${proofCount} DPoP proofs`);
  const proofs = [];
  for (let i = 0; i < proofCount; i++) {
    proofs.push(await new SignJWT({ htm: "POST", htu: URL_, jti: `j${i}`, ath: sha256(tokens.DPoP) }).setIssuedAt()
      .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk: clientJwk }).sign(client.privateKey));
  }
  const bearer = (t) => () => ({ method: "POST", url: URL_, headers: { authorization: `Bearer ${t}` } });
  // One run of the proofs per side (each side has its own replay store): never a proof twice.
  const dpop = () => {
    let i = 0;
    return () => {
      if (i >= proofs.length) throw new Error("bench: more DPoP checks than proofs signed ahead");
      return { method: "POST", url: URL_, headers: { authorization: `DPoP ${tokens.DPoP}`, dpop: proofs[i++] } };
    };
  };
  const results = [];
  for (const [name, next] of [["RS256 token", bearer(tokens.RS256)], ["ES256 token", bearer(tokens.ES256)], ["DPoP-bound request (RS256 token + ES256 proof)", null]]) {
    const guard = await createApiGuard({ issuer: ISSUER, audience: AUDIENCE, jwks, replayStore: memoryReplayStore({ max: proofCount * 2 }) });
    const stepupCheck = (req) => guard.check(req, POLICY);
    const joseCheck = joseGuard(jwks);
    const [nextStepup, nextJose] = next ? [next, next] : [dpop(), dpop()];
    // Warm both (key import, JIT) before timing.
    for (let i = 0; i < 50; i++) {
      await stepupCheck(nextStepup());
      await joseCheck(nextJose());
    }
    const [stepup, jose] = await rates([[stepupCheck, nextStepup], [joseCheck, nextJose]], { ms, rounds });
    log(`guard: ${name}: stepup/server ${stepup}/s, jose ${jose}/s`);
    results.push({ name, stepup, jose });
  }
  return { ms, rounds, node: process.version, results };
}

/** The report's section (bench/RESULTS.md). */
/** The Rust guard's throughput: `cargo bench -p stepup-server --bench guard` (release, one core, keys inline and
 * cached), its lines "<name>  <n> checks/s  (...)" read back as [{ name, perSecond }]. */
export function rustGuardThroughput(root) {
  const out = execFileSync("cargo", ["bench", "--quiet", "-p", "stepup-server", "--bench", "guard"], { cwd: root, encoding: "utf8" });
  const rows = [];
  for (const line of out.split("\n")) {
    const m = line.match(/^(.+?)\s+(\d+) checks\/s/);
    if (m) rows.push({ name: m[1].trim(), perSecond: Number(m[2]) });
  }
  if (!rows.length) throw new Error(`no figures in the Rust guard bench's output:\n${out}`);
  return rows;
}

export function guardSection(r) {
  if (!r.guard) return [];
  const rust = r.guard.rust ?? [];
  return [
    "## API guard throughput (Node)",
    "",
    `Checks per second, one at a time, keys cached, policy \`{ mfa: true, maxAge }\`: stepup/server (the Rust rules in its Node wasm build, WebCrypto signatures) against \`jose\` doing the same checks by hand (bench/lib/guard.mjs). Median of ${r.guard.rounds} runs of ${r.guard.ms} ms each, the two sides' runs interleaved; Node ${r.guard.node}. The DPoP rows use a fresh proof per check (each is claimed in the replay store).`,
    "",
    "| request | stepup/server | jose by hand | ratio |",
    "|---|---:|---:|---:|",
    ...r.guard.results.map((x) => `| ${x.name} | ${x.stepup} | ${x.jose} | ${(x.stepup / x.jose).toFixed(2)}× |`),
    ...(rust.length
      ? [
          "",
          "## API guard throughput (Rust)",
          "",
          "`stepup-server` (the same rules, signatures by ring), `cargo bench -p stepup-server --bench guard`: one core, keys inline, policy `nist-aal2` with a scope; 20,000 checks per token row, 5,000 DPoP requests each with a proof of its own (claimed in the in-memory replay store).",
          "",
          "| request | checks/s |",
          "|---|---:|",
          ...rust.map((x) => `| ${x.name} | ${x.perSecond} |`),
        ]
      : []),
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes("--quick");
  const g = await guardThroughput({ ms: quick ? 200 : 500, rounds: quick ? 2 : 5, log: (m) => console.log(`[bench] ${m}`) });
  console.log(guardSection({ guard: g }).join("\n"));
}
