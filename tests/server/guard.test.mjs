// stepup/server: the Node driver around core::guard. Discovery and the JWKS from a real loopback provider, WebCrypto
// signatures, the middleware over a real Node http server, the in-memory replay store, options checking.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createApiGuard, memoryReplayStore, policyPreset, StepUpError } from "../../pkg/server/server.js";
import { accessToken, AUDIENCE, dpopKey, dpopProof, ISSUER, issuerKeys, listen, MFA } from "./helpers.mjs";

let keys;
before(async () => {
  keys = await issuerKeys();
});

/** A provider on loopback: discovery and JWKS, with a request count per path and switchable answers. */
async function provider({ cacheControl } = {}) {
  const hits = {};
  const state = { jwks: keys.jwks, redirectJwks: false, issuer: null };
  const server = await listen((req, res) => {
    hits[req.url] = (hits[req.url] ?? 0) + 1;
    if (req.url === "/.well-known/openid-configuration") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ issuer: state.issuer ?? server.url, jwks_uri: `${server.url}/jwks` }));
    } else if (req.url === "/jwks" && state.redirectJwks) {
      res.writeHead(302, { location: `${server.url}/elsewhere` });
      res.end();
    } else if (req.url === "/jwks" || req.url === "/elsewhere") {
      res.writeHead(200, { "content-type": "application/json", ...(cacheControl ? { "cache-control": cacheControl } : {}) });
      res.end(JSON.stringify(state.jwks));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  return { ...server, hits, state };
}

const get = (token, url = "https://api.example/balance", extra = {}) => ({ method: "GET", url, headers: { authorization: `Bearer ${token}`, ...extra } });

describe("options and presets", () => {
  test("bad options throw StepUpError invalid_config naming the member", async () => {
    for (const [options, claim] of [
      [undefined, "options"],
      [{ audience: AUDIENCE, jwks: { keys: [] } }, "issuer"],
      [{ issuer: ISSUER, jwks: { keys: [] } }, "audience"],
      [{ issuer: ISSUER, audience: AUDIENCE, dpop: "maybe", jwks: { keys: [] } }, "dpop"],
      [{ issuer: ISSUER, audience: AUDIENCE, replayStore: {}, jwks: { keys: [] } }, "replayStore"],
      [{ issuer: "http://idp.example", audience: AUDIENCE }, "issuer"],
      [{ issuer: ISSUER, audience: AUDIENCE, jwksUri: "http://keys.example/jwks" }, "jwksUri"],
    ]) {
      await assert.rejects(createApiGuard(options), (e) => e instanceof StepUpError && e.name === "StepUpError" && e.code === "invalid_config" && e.claim === claim, JSON.stringify(options));
    }
    await assert.rejects(createApiGuard({ issuer: ISSUER, audience: AUDIENCE, algorithms: ["none"], jwks: { keys: [] } }), { code: "unsupported_algorithm" });
  });

  test("policyPreset gives the documented policies and refuses unknown names", () => {
    assert.deepEqual(policyPreset("nist-aal2"), { mfa: true, maxAge: 86400 });
    assert.deepEqual(policyPreset("nist-aal3"), { mfa: true, maxAge: 43200, amr: { anyOf: ["hwk", "sc"] } });
    assert.deepEqual(policyPreset("pci-dss"), { mfa: true, maxAge: 900 });
    for (const bad of ["", "NIST-AAL2", "hipaa", undefined]) assert.throws(() => policyPreset(bad), { name: "StepUpError", code: "invalid_config" });
  });

  test("a policy of the wrong shape throws instead of guarding laxly", async () => {
    const guard = await createApiGuard({ issuer: ISSUER, audience: AUDIENCE, jwks: keys.jwks });
    const token = await accessToken(keys);
    await assert.rejects(guard.check(get(token), { maxAge: "300" }), { code: "invalid_config" });
    await assert.rejects(guard.check(get(token), "mfa"), { code: "invalid_config" });
    assert.throws(() => guard.middleware({ mfa: "yes" }), { code: "invalid_config" });
  });
});

describe("check()", () => {
  test("RS256 and ES256 tokens verify with WebCrypto; a token signed by another key does not", async () => {
    const guard = await createApiGuard({ issuer: ISSUER, audience: AUDIENCE, jwks: keys.jwks });
    for (const key of ["rs", "es"]) {
      const r = await guard.check(get(await accessToken(keys, {}, { key })), { mfa: true, scope: "transfer" });
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.deepEqual([r.sub, r.scheme, r.scope, r.amr], ["user-1", "Bearer", "read transfer", ["pwd", "otp"]]);
      assert.equal(r.claims.iss, ISSUER);
    }
    const other = await issuerKeys();
    const forged = await accessToken(other, {}, { key: "rs" });
    const r = await guard.check(get(forged), null);
    assert.deepEqual([r.ok, r.status, r.code], [false, 401, "invalid_signature"]);
    // Headers as a Headers object, any case.
    const ok = await guard.check({ method: "GET", url: "https://api.example/", headers: new Headers({ AUTHORIZATION: `bearer ${await accessToken(keys)}` }) });
    assert.equal(ok.ok, true);
  });

  test("a weak token gets the RFC 9470 challenge the client answers", async () => {
    const guard = await createApiGuard({ issuer: ISSUER, audience: AUDIENCE, jwks: keys.jwks });
    const r = await guard.check(get(await accessToken(keys, { amr: ["pwd"] })), { mfa: true, maxAge: 300 });
    assert.deepEqual([r.ok, r.status, r.code], [false, 401, "amr_not_satisfied"]);
    assert.equal(r.wwwAuthenticate, `Bearer error="insufficient_user_authentication", error_description="a stronger authentication is required", acr_values="${MFA}", max_age="300"`);
    assert.deepEqual(r.headers, { "WWW-Authenticate": r.wwwAuthenticate });
  });

  test("the testing clock judges expiry", async () => {
    const guard = await createApiGuard({ issuer: ISSUER, audience: AUDIENCE, jwks: keys.jwks });
    const token = await accessToken(keys);
    assert.equal((await guard.check(get(token), null)).ok, true);
    const later = Math.floor(Date.now() / 1000) + 3600;
    assert.equal((await guard.check(get(token), null, { now: later })).code, "token_expired");
  });

  test("DPoP: a proof is used once (in-memory store), and the result names the key", async () => {
    const guard = await createApiGuard({ issuer: ISSUER, audience: AUDIENCE, jwks: keys.jwks });
    const key = await dpopKey();
    const token = await accessToken(keys, { cnf: { jkt: key.jkt } });
    const url = "https://api.example/transfer";
    const proof = await dpopProof(key, "POST", url, token, { nonce: "n-1" });
    const req = { method: "POST", url: `${url}?amount=3`, headers: { authorization: `DPoP ${token}`, dpop: proof } };
    const first = await guard.check(req, null);
    assert.deepEqual([first.ok, first.scheme, first.jkt, first.dpopNonce], [true, "DPoP", key.jkt, "n-1"]);
    assert.equal(first.replay, undefined, "the replay key stays inside the guard");
    const again = await guard.check(req, null);
    assert.deepEqual([again.ok, again.status, again.code], [false, 401, "invalid_dpop_proof"]);
    assert.match(again.wwwAuthenticate, /^DPoP error="invalid_dpop_proof", error_description="the DPoP proof was used before \(jti\)"/);
    // A fresh proof passes; a proof signed by another key than its header's fails.
    assert.equal((await guard.check({ ...req, headers: { ...req.headers, dpop: await dpopProof(key, "POST", url, token) } }, null)).ok, true);
    const thief = await dpopKey();
    const stolen = await dpopProof({ ...thief, jwk: key.jwk }, "POST", url, token);
    const r = await guard.check({ ...req, headers: { ...req.headers, dpop: stolen } }, null);
    assert.deepEqual([r.code, r.description], ["invalid_dpop_proof", "the DPoP proof's signature does not verify"]);
  });

  test("the in-memory store is bounded and fails closed when full", async () => {
    const store = memoryReplayStore({ max: 2 });
    const later = Date.now() / 1000 + 60;
    assert.equal(await store.claim("a", later), true);
    assert.equal(await store.claim("a", later), false);
    assert.equal(await store.claim("b", later), true);
    await assert.rejects(store.claim("c", later));
    const guard = await createApiGuard({ issuer: ISSUER, audience: AUDIENCE, jwks: keys.jwks, replayStore: store });
    const key = await dpopKey();
    const token = await accessToken(keys, { cnf: { jkt: key.jkt } });
    const url = "https://api.example/x";
    const r = await guard.check({ method: "GET", url, headers: { authorization: `DPoP ${token}`, dpop: await dpopProof(key, "GET", url, token) } }, null);
    assert.deepEqual([r.ok, r.status, r.code, r.wwwAuthenticate], [false, 503, "replay_store_unavailable", undefined]);
    // Expired entries make room.
    const short = memoryReplayStore({ max: 1 });
    assert.equal(await short.claim("old", Date.now() / 1000 - 1), true);
    assert.equal(await short.claim("new", later), true);
  });
});

describe("keys from the provider", () => {
  let idp;
  after(async () => idp?.close());

  test("discovery, then one JWKS fetch shared by concurrent checks (single flight)", async () => {
    idp = await provider();
    const guard = await createApiGuard({ issuer: idp.url, audience: AUDIENCE });
    const tokens = await Promise.all([1, 2, 3, 4, 5].map(() => accessToken(keys, {}, { issuer: idp.url })));
    const results = await Promise.all(tokens.map((t) => guard.check(get(t), null)));
    assert.deepEqual(results.map((r) => r.ok), [true, true, true, true, true], JSON.stringify(results));
    assert.deepEqual([idp.hits["/.well-known/openid-configuration"], idp.hits["/jwks"]], [1, 1]);
    await idp.close();
    idp = null;
  });

  test("an unknown kid refetches once, then not again within the cooldown", async () => {
    idp = await provider();
    const guard = await createApiGuard({ issuer: idp.url, audience: AUDIENCE, jwksUri: undefined });
    assert.equal((await guard.check(get(await accessToken(keys, {}, { issuer: idp.url })), null)).ok, true);
    assert.equal(idp.hits["/jwks"], 1);
    // The provider rotates: a new key under a new kid.
    const rotated = await issuerKeys();
    idp.state.jwks = { keys: [...keys.jwks.keys, { ...rotated.jwks.keys[0], kid: "rs-2" }] };
    const next = await accessToken(rotated, {}, { issuer: idp.url, kid: "rs-2" });
    assert.equal((await guard.check(get(next), null)).ok, true, "one refetch finds the new key");
    assert.equal(idp.hits["/jwks"], 2);
    const unknown = await accessToken(rotated, {}, { issuer: idp.url, kid: "rs-9" });
    const r = await guard.check(get(unknown), null);
    assert.deepEqual([r.status, r.code], [401, "key_not_found"]);
    assert.equal(idp.hits["/jwks"], 2, "within the cooldown: no third fetch");
    await idp.close();
    idp = null;
  });

  test("jwksCooldown 0 follows every rotation at once", async () => {
    idp = await provider();
    const guard = await createApiGuard({ issuer: idp.url, audience: AUDIENCE, jwksUri: `${idp.url}/jwks`, jwksCooldown: 0 });
    const unknown = await accessToken(keys, {}, { issuer: idp.url, kid: "nope" });
    await guard.check(get(unknown), null);
    await guard.check(get(unknown), null);
    assert.equal(idp.hits["/.well-known/openid-configuration"], undefined, "jwksUri given: no discovery");
    assert.equal(idp.hits["/jwks"], 3, "the first load and one refetch per unknown kid");
    await idp.close();
    idp = null;
  });

  test("a JWKS behind a redirect is never followed, and the guard fails closed (503)", async () => {
    idp = await provider();
    idp.state.redirectJwks = true;
    const guard = await createApiGuard({ issuer: idp.url, audience: AUDIENCE });
    const r = await guard.check(get(await accessToken(keys, {}, { issuer: idp.url })), null);
    assert.deepEqual([r.ok, r.status, r.code], [false, 503, "discovery_failed"]);
    assert.equal(idp.hits["/elsewhere"], undefined, "the redirect was not followed");
    await idp.close();
    idp = null;
  });

  test("a discovery document naming another issuer gives no keys", async () => {
    idp = await provider();
    idp.state.issuer = "https://evil.example";
    const guard = await createApiGuard({ issuer: idp.url, audience: AUDIENCE });
    const r = await guard.check(get(await accessToken(keys, {}, { issuer: idp.url })), null);
    assert.deepEqual([r.status, r.code], [503, "discovery_failed"]);
    assert.equal(idp.hits["/jwks"], undefined);
    await idp.close();
    idp = null;
  });
});

describe("middleware over a real Node http server", () => {
  let api;
  let guard;
  after(async () => api?.close());

  test("answers failures itself and hands req.auth to the route on success", async () => {
    guard = await createApiGuard({ issuer: ISSUER, audience: AUDIENCE, jwks: keys.jwks });
    const transfer = guard.middleware({ mfa: true, maxAge: 300 });
    let reached = 0;
    api = await listen((req, res) => {
      transfer(req, res, (err) => {
        reached++;
        res.writeHead(err ? 500 : 200, { "content-type": "application/json" });
        res.end(JSON.stringify(err ? { err: String(err) } : { sub: req.auth.sub, scheme: req.auth.scheme, amr: req.auth.amr }));
      });
    });
    const call = (headers = {}) => fetch(`${api.url}/transfer`, { method: "POST", headers });
    const none = await call();
    assert.equal(none.status, 401);
    assert.equal(none.headers.get("www-authenticate"), 'Bearer, DPoP algs="ES256 PS256 RS256 EdDSA"');
    assert.deepEqual(await none.json(), { error: "missing_token", message: "the request carries no access token" });
    const weak = await call({ authorization: `Bearer ${await accessToken(keys, { amr: ["pwd"] })}` });
    assert.equal(weak.status, 401);
    assert.match(weak.headers.get("www-authenticate"), /^Bearer error="insufficient_user_authentication"/);
    assert.equal((await weak.json()).error, "amr_not_satisfied");
    assert.equal(reached, 0, "no failure reached the route");
    const good = await call({ authorization: `Bearer ${await accessToken(keys)}` });
    assert.equal(good.status, 200);
    assert.deepEqual(await good.json(), { sub: "user-1", scheme: "Bearer", amr: ["pwd", "otp"] });
    assert.equal(reached, 1);
  });

  test("DPoP through the middleware: htu is the URL the client called (Host header)", async () => {
    const key = await dpopKey();
    const token = await accessToken(keys, { cnf: { jkt: key.jkt } });
    const url = `${api.url}/transfer`;
    const ok = await fetch(`${url}?x=1`, { method: "POST", headers: { authorization: `DPoP ${token}`, dpop: await dpopProof(key, "POST", url, token) } });
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).scheme, "DPoP");
    const elsewhere = await fetch(url, { method: "POST", headers: { authorization: `DPoP ${token}`, dpop: await dpopProof(key, "POST", "http://127.0.0.1:1/transfer", token) } });
    assert.equal(elsewhere.status, 401);
    assert.match(elsewhere.headers.get("www-authenticate"), /another URL \(htu\)/);
  });
});
