// Token work in Chromium: ops/s of each operation on the same RS256 and ES256 ID tokens (signed here with
// jose in Node; the keys go to the page as an inline JWK Set). Each op: warm-up, then `rounds` timed runs
// of `ms` each, median ops/s.
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { serveStatic } from "../../tests/e2e/harness.mjs";
import { median } from "./stats.mjs";

const MFA = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";

export async function makeTokens() {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    sub: "248289761001", nonce: "n-0S6_WzA2Mj", auth_time: now - 30, acr: MFA, amr: ["pwd", "otp", "mfa"],
    sid: "08a5019c-17e1-4977-8f42-65a12843ea02", name: "Alice Example", email: "alice@example.com",
    at_hash: createHash("sha256").update("access-token").digest().subarray(0, 16).toString("base64url"),
  };
  const issuer = "https://idp.example/";
  const rsa = await generateKeyPair("RS256", { extractable: true });
  const ec = await generateKeyPair("ES256", { extractable: true });
  const sign = (key, alg, kid) => new SignJWT(claims).setProtectedHeader({ alg, kid, typ: "JWT" })
    .setIssuer(issuer).setAudience("spa").setIssuedAt(now).setExpirationTime(now + 3600).sign(key);
  const jwks = { keys: [
    { ...(await exportJWK(rsa.publicKey)), kid: "rsa-1", alg: "RS256", use: "sig" },
    { ...(await exportJWK(ec.publicKey)), kid: "ec-1", alg: "ES256", use: "sig" },
  ] };
  return {
    rs256: await sign(rsa.privateKey, "RS256", "rsa-1"),
    es256: await sign(ec.privateKey, "ES256", "ec-1"),
    jwks,
    expect: { issuer, clientId: "spa", nonce: claims.nonce, maxAge: 300, acrValues: [MFA], now },
  };
}

export async function tokenWork(browser, pagesDist, { ms = 400, rounds = 5, log = () => {} } = {}) {
  const data = await makeTokens();
  writeFileSync(join(pagesDist, "jwks.json"), JSON.stringify(data.jwks)); // for verifyIdToken's jwksUri
  const server = await serveStatic({ mounts: { "/": pagesDist } });
  data.jwksUri = `${server.url}/jwks.json`;
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${server.url}/tokens.html`);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 20000 });
    await page.evaluate((d) => window.bench.setup(d), data);
    const check = await page.evaluate(() => window.bench.selfCheck());
    const failed = Object.entries(check).filter(([, v]) => v !== "ok");
    if (failed.length) throw new Error(`token ops failed on good tokens: ${JSON.stringify(failed)}`);
    const names = await page.evaluate(() => window.bench.names);
    const out = {};
    for (const name of names) {
      await page.evaluate(([n, t]) => window.bench.run(n, t), [name, ms / 2]); // warm-up (JIT, key import caches)
      const rates = [];
      for (let i = 0; i < rounds; i++) {
        const [n, elapsed] = await page.evaluate(([nm, t]) => window.bench.run(nm, t), [name, ms]);
        rates.push((n / elapsed) * 1000);
      }
      out[name] = { opsPerSec: median(rates), rates };
      log(`tokens: ${name}: ${Math.round(out[name].opsPerSec)} ops/s`);
    }
    return { results: out, tokenBytes: { rs256: data.rs256.length, es256: data.es256.length } };
  } finally {
    await context.close();
    await server.close();
  }
}
