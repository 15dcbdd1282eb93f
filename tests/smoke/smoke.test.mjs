// Smoke test of the npm package as built: pkg/ loaded in headless Chromium by a plain
// <script type="module"> with an explicit init(), each synchronous export called once with good input
// and once with bad input that must come back as a StepUpError with the right code.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, serveStatic, watchPage } from "../e2e/harness.mjs";

let browser, server, page, errors;
const now = 1_700_000_000;
const claims = { iss: "https://idp.example/", sub: "alice", aud: "app", iat: now, exp: now + 600, nonce: "n-1",
  auth_time: now - 10, acr: "http://schemas.openid.net/pape/policies/2007/06/multi-factor", amr: ["pwd", "otp"] };

before(async () => {
  server = await serveStatic({ mounts: { "/pkg/": "pkg", "/": "tests/smoke" } });
  browser = await launchBrowser();
  page = await browser.newPage();
  errors = watchPage(page);
  await page.goto(`${server.url}/index.html`);
  await page.waitForFunction(() => window.ready || window.initError);
  assert.equal(await page.evaluate(() => window.initError ?? null), null);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const call = (fn, ...args) => page.evaluate(([fn, args]) => window.attempt(() => eval(fn)(...args)), [fn, args]);

test("exports the contract's names", async () => {
  const names = await page.evaluate(() => Object.keys(window.stepup).sort());
  for (const name of ["default", "decodeJwt", "validateIdTokenClaims", "evaluateStepUp", "parseStepUpChallenge"]) {
    assert.ok(names.includes(name), `missing export ${name}; have ${names}`);
  }
});

test("decodeJwt returns header and claims; garbage is malformed_token", async () => {
  const token = await page.evaluate(([c]) => window.makeToken({ alg: "RS256", kid: "k1" }, c), [claims]);
  const r = await call("stepup.decodeJwt", token);
  assert.deepEqual(r.ok, { header: { alg: "RS256", kid: "k1" }, claims });
  const bad = await call("stepup.decodeJwt", "not.a.jwt=");
  assert.deepEqual([bad.err.isError, bad.err.name, bad.err.code], [true, "StepUpError", "malformed_token"]);
  const notString = await call("stepup.decodeJwt", 42);
  assert.equal(notString.err.code, "malformed_token");
});

test("decodeJwt's claims are plain data: a __proto__ member is an own property, not the object's prototype", async () => {
  const b64 = (text) => Buffer.from(text).toString("base64url");
  const token = [b64('{"alg":"RS256"}'), b64('{"sub":"u","__proto__":{"polluted":true}}'), b64("sig")].join(".");
  const seen = await page.evaluate((t) => {
    const { claims } = window.stepup.decodeJwt(t);
    return {
      own: Object.prototype.hasOwnProperty.call(claims, "__proto__"),
      inherited: claims.polluted === true,
      plain: Object.getPrototypeOf(claims) === Object.prototype,
      global: {}.polluted === true,
    };
  }, token);
  assert.deepEqual(seen, { own: true, inherited: false, plain: true, global: false });
});

test("validateIdTokenClaims accepts a good token and names the failed rule", async () => {
  const expect = { issuer: claims.iss, clientId: "app", nonce: "n-1", now, maxAge: 300,
    acrValues: [claims.acr] };
  const token = await page.evaluate(([c]) => window.makeToken({ alg: "RS256" }, c), [claims]);
  assert.deepEqual((await call("stepup.validateIdTokenClaims", token, expect)).ok, claims);

  const cases = [
    [{ ...expect, issuer: claims.iss + "1" }, "invalid_issuer"],
    [{ ...expect, clientId: "other" }, "invalid_audience"],
    [{ ...expect, nonce: "n-2" }, "nonce_mismatch"],
    [{ ...expect, now: now + 600 + 61 }, "token_expired"],
    // max_age counts back from the token's iat (the provider's clock), with 5 s for the trip: auth_time is iat − 10.
    [{ ...expect, maxAge: 4 }, "auth_time_too_old"],
    [{ ...expect, acrValues: ["urn:other"] }, "acr_not_satisfied"],
    [{ ...expect, leeway: "60" }, "invalid_config"],
  ];
  for (const [exp, code] of cases) {
    const r = await call("stepup.validateIdTokenClaims", token, exp);
    assert.equal(r.err?.code, code, JSON.stringify(exp));
    assert.equal(r.err.name, "StepUpError");
  }
  const acr = await call("stepup.validateIdTokenClaims", token, { ...expect, acrValues: ["urn:other"] });
  assert.deepEqual(acr.err.acrValues, ["urn:other"]);
  const none = await page.evaluate(([c]) => window.makeToken({ alg: "none" }, c), [claims]);
  assert.equal((await call("stepup.validateIdTokenClaims", none, expect)).err.code, "unsupported_algorithm");
  const stringExp = await page.evaluate(([c]) => window.makeToken({ alg: "RS256" }, { ...c, exp: String(c.exp) }), [claims]);
  const r = await call("stepup.validateIdTokenClaims", stringExp, expect);
  assert.deepEqual([r.err.code, r.err.claim], ["invalid_claim", "exp"]);
});

test("evaluateStepUp judges acr, amr and auth_time", async () => {
  const ok = await call("stepup.evaluateStepUp", claims, { mfa: true, maxAge: 300 }, now);
  assert.deepEqual(ok.ok, { satisfied: true, reasons: [] });
  const weak = { ...claims, acr: "urn:pwd", amr: ["pwd"], auth_time: now - 1000 };
  const r = await call("stepup.evaluateStepUp", weak, { mfa: true, maxAge: 300 }, now);
  assert.equal(r.ok.satisfied, false);
  assert.deepEqual(r.ok.reasons, ["mfa_not_satisfied", "auth_time_too_old"]);
  assert.deepEqual(r.ok.acrValues, ["http://schemas.openid.net/pape/policies/2007/06/multi-factor"]);
  assert.equal(r.ok.maxAge, 300);
  const bad = await call("stepup.evaluateStepUp", claims, { mfa: "yes" }, now);
  assert.deepEqual([bad.err.code, bad.err.claim], ["invalid_config", "mfa"]);
});

test("policyPreset: the compliance presets stepup/server and Rust judge by; an unknown name is invalid_config", async () => {
  assert.deepEqual((await call("stepup.policyPreset", "nist-aal2")).ok, { mfa: true, maxAge: 86400 });
  assert.deepEqual((await call("stepup.policyPreset", "nist-aal3")).ok, { amr: { anyOf: ["hwk", "sc"] }, mfa: true, maxAge: 43200 });
  assert.deepEqual((await call("stepup.policyPreset", "pci-dss")).ok, { mfa: true, maxAge: 900 });
  for (const name of ["hipaa", "NIST-AAL2", ""]) assert.equal((await call("stepup.policyPreset", name)).err.code, "invalid_config", name);
});

test("an argument JSON cannot hold is invalid_config, never a raw exception: a function, a bigint, a cycle, a throwing getter, nesting past 64", async () => {
  const seen = await page.evaluate(([c, now]) => {
    const cyclic = { mfa: true };
    cyclic.self = cyclic;
    const policies = {
      fn: { mfa: true, extra: () => 1 },
      bigint: { mfa: true, maxAge: 10n },
      cycle: cyclic,
      getter: { mfa: true, get maxAge() { throw new Error("boom"); } },
      deep: JSON.parse(`{"mfa":true,"x":${'{"a":'.repeat(100)}1${"}".repeat(100)}}`),
    };
    const out = {};
    for (const [name, policy] of Object.entries(policies)) {
      try {
        window.stepup.evaluateStepUp(c, policy, now);
        out[name] = "accepted";
      } catch (e) {
        out[name] = `${e.name}:${e.code}`;
      }
    }
    // What JSON leaves out is left out: an undefined member is absent, as JSON.stringify has it.
    out.undefinedMember = window.stepup.evaluateStepUp(c, { mfa: true, maxAge: undefined }, now).satisfied;
    return out;
  }, [claims, now]);
  const refused = "StepUpError:invalid_config";
  assert.deepEqual(seen, { fn: refused, bigint: refused, cycle: refused, getter: refused, deep: refused, undefinedMember: true });
});

test("parseStepUpChallenge reads RFC 9470 and returns null otherwise", async () => {
  const header = 'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="http://schemas.openid.net/pape/policies/2007/06/multi-factor", max_age="300"';
  const r = await call("stepup.parseStepUpChallenge", header);
  assert.deepEqual(r.ok, { scheme: "Bearer", error: "insufficient_user_authentication",
    errorDescription: "A different authentication level is required",
    acrValues: ["http://schemas.openid.net/pape/policies/2007/06/multi-factor"], maxAge: 300 });
  assert.equal((await call("stepup.parseStepUpChallenge", 'Bearer error="invalid_token"')).ok, null);
  assert.equal((await call("stepup.parseStepUpChallenge", "\u0000garbage=,,")).ok, null);
});

test("isStepUpError tells our errors from look-alikes", async () => {
  const r = await page.evaluate(() => {
    let ours;
    try { stepup.decodeJwt("x"); } catch (e) { ours = e; }
    const fake = { name: "StepUpError", code: "malformed_token", message: "" };
    const named = Object.assign(new Error("x"), { name: "StepUpError" });
    return [stepup.isStepUpError(ours), stepup.isStepUpError(new Error("x")), stepup.isStepUpError(fake),
      stepup.isStepUpError(named), stepup.isStepUpError(null), stepup.isStepUpError("StepUpError")];
  });
  assert.deepEqual(r, [true, false, false, false, false, false]);
});

test("the page logged no errors", () => {
  assert.deepEqual(errors, []);
});
