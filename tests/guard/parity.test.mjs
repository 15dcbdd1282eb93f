// The parity table (tests/guard/cases.json) judged by the Node guard, stepup/server: every row must give its
// `expected` verdict and challenge. Reads the generated file named by STEPUP_GUARD_CASES (the one the Rust guard
// judges in the same `npm test` run), or makes one here.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { createApiGuard, policyPreset } from "../../pkg/server/server.js";
import { initSync, parseStepUpChallenge } from "../../pkg/stepup.js";
import { makeCases } from "./make-cases.mjs";

// The browser package's own parser, loaded from disk (its pure helpers need no DOM).
initSync({ module: readFileSync(new URL("../../pkg/stepup_bg.wasm", import.meta.url)) });

const file = process.env.STEPUP_GUARD_CASES;
const { now, jwks, cases } = file ? JSON.parse(readFileSync(file, "utf8")) : await makeCases();

/** A row's policy: `{ preset, ...rest }` is the preset with the rest over it. */
function policyOf(p) {
  if (!p) return p;
  const { preset, ...rest } = p;
  return preset ? { ...policyPreset(preset), ...rest } : p;
}

test("the parity table covers what the guards must agree on", () => {
  assert.ok(cases.length >= 60, `${cases.length} cases`);
  const names = new Set(cases.map((c) => c.name));
  assert.equal(names.size, cases.length, "row names are unique");
  const codes = new Set(cases.map((c) => c.expected.code).filter(Boolean));
  for (const code of ["missing_token", "invalid_request", "invalid_token", "token_expired", "invalid_audience", "invalid_issuer",
    "unsupported_algorithm", "invalid_signature", "key_not_found", "amr_not_satisfied", "acr_not_satisfied", "auth_time_too_old",
    "insufficient_scope", "invalid_dpop_proof"]) {
    assert.ok(codes.has(code), `a row answers ${code}`);
  }
});

for (const c of cases) {
  test(`parity: ${c.name}`, async () => {
    const guard = await createApiGuard({ ...c.config, jwks });
    const policy = policyOf(c.policy);
    let result = await guard.check(c.request, policy, { now });
    if (c.sendTwice) {
      assert.equal(result.ok, true, `the first use passes: ${JSON.stringify(result)}`);
      result = await guard.check(c.request, policy, { now });
    }
    if (c.expected.ok) {
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.equal(result.sub, "user-1");
      return;
    }
    assert.equal(result.ok, false, JSON.stringify(result));
    assert.deepEqual({ status: result.status, code: result.code, wwwAuthenticate: result.wwwAuthenticate },
      { status: c.expected.status, code: c.expected.code, wwwAuthenticate: c.expected.wwwAuthenticate });
    assert.deepEqual(result.headers, { "WWW-Authenticate": c.expected.wwwAuthenticate });
    // The client reads what the guard asks for: a step-up challenge parses with its acr_values and max_age.
    const parsed = parseStepUpChallenge(result.wwwAuthenticate);
    if (result.wwwAuthenticate.includes("insufficient_user_authentication")) {
      assert.ok(parsed, `the client parses ${result.wwwAuthenticate}`);
      assert.equal(parsed.scheme, c.request.headers.authorization.split(" ")[0]);
      const acr = /acr_values="([^"]*)"/.exec(result.wwwAuthenticate)?.[1];
      assert.deepEqual(parsed.acrValues, acr?.split(" "));
      const maxAge = /max_age="(\d+)"/.exec(result.wwwAuthenticate)?.[1];
      assert.equal(parsed.maxAge, maxAge === undefined ? undefined : Number(maxAge));
    } else {
      assert.equal(parsed, null);
    }
  });
}
