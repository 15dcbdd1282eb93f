// DPoP (RFC 9449) end to end: the npm package (pkg/) in headless Chromium with `useDpop: true`, the dev identity
// provider (npm oidc-provider with its DPoP feature and nonces) and the demo API verifying DPoP-bound tokens with
// `jose`. Proofs are read off the wire (the browser's requests) and checked here with `jose` too.
// Run: node --test tests/e2e/dpop.test.mjs
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { calculateJwkThumbprint, decodeJwt, EmbeddedJWK, exportJWK, generateKeyPair, jwtVerify, SignJWT } from "jose";
import { click, launchBrowser, outcome, popupSignIn, serveStatic, signInAtIdp } from "./harness.mjs";
import { ACR_MFA, startIdp } from "../../www/idp/provider.mjs";
import { startApi } from "../../www/api/server.mjs";

const PKG = process.env.STEPUP_PKG_DIR || "pkg";
const sha256 = (text) => createHash("sha256").update(text).digest("base64url");

let app, idp, api, browser, dataDir, meta;

before(async () => {
  app = await serveStatic({ mounts: { "/": "tests/e2e/pages", "/pkg/": PKG } });
  dataDir = mkdtempSync(join(tmpdir(), "stepup-dpop-"));
  idp = await startIdp({ appOrigins: [app.url], testMode: true, dataDir });
  api = await startApi({ issuer: idp.issuer, audience: idp.audience });
  meta = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json();
  browser = await launchBrowser({ launch: { ignoreDefaultArgs: ["--disable-popup-blocking"] } });
});

after(async () => {
  await browser?.close();
  await api?.close();
  await idp?.close();
  await app?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function reset() {
  idp.switches.requireDpopNonce = false;
  api.switches.requireDpopNonce = false;
}

function config(extra = {}) {
  return {
    issuer: idp.issuer,
    clientId: idp.clientId,
    redirectUri: `${app.url}/callback.html`,
    popupRedirectUri: `${app.url}/popup-callback.html`,
    apiOrigins: [api.url],
    useDpop: true,
    ...extra,
  };
}

/**
 * A fresh context on the test app with a DPoP client. Every request is recorded with its headers (the proofs), and
 * every key pair WebCrypto generates is kept in `window.__keys` (the page's own keys, to try exporting them).
 */
async function openApp(extra) {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    const generate = crypto.subtle.generateKey.bind(crypto.subtle);
    window.__keys = [];
    crypto.subtle.generateKey = async (...args) => {
      const pair = await generate(...args);
      window.__keys.push(pair);
      return pair;
    };
  });
  const requests = [];
  context.on("request", (r) => requests.push({ url: r.url(), method: r.method(), headers: r.headers() }));
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${app.url}/app.html`);
  await page.waitForFunction(() => window.ready === true);
  await page.evaluate((c) => window.createClient(c), config(extra));
  return { context, page, requests, errors };
}

const popupFlow = (page, action, arg) => popupSignIn(page, idp, action, arg);

const tokenRequests = (requests) => requests.filter((r) => r.url === meta.token_endpoint && r.method === "POST");
const authorizeUrls = (requests) => requests.filter((r) => r.url.startsWith(meta.authorization_endpoint)).map((r) => new URL(r.url));

/** Verify a proof as RFC 9449 §4.3 asks (signature by its header key, typ, alg), and return its parts. */
async function readProof(proof) {
  const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: "dpop+jwt", algorithms: ["ES256"] });
  assert.equal(protectedHeader.alg, "ES256");
  assert.deepEqual(Object.keys(protectedHeader.jwk).sort(), ["crv", "kty", "x", "y"], "the header jwk is public members only");
  return { payload, header: protectedHeader, jkt: await calculateJwkThumbprint(protectedHeader.jwk) };
}

/** A fresh proof made in Node with a key that is not the browser's. */
async function foreignProof(htm, htu, accessToken) {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  return new SignJWT({ htm, htu, jti: crypto.randomUUID(), ath: sha256(accessToken) })
    .setProtectedHeader({ alg: "ES256", typ: "dpop+jwt", jwk: await exportJWK(publicKey) })
    .setIssuedAt()
    .sign(privateKey);
}

const callApi = (headers, path = "/api/balance", method = "GET") => fetch(`${api.url}${path}`, { headers, method });

describe("DPoP (RFC 9449) in Chromium", () => {
  test("popup login with DPoP: dpop_jkt sent, the token endpoint gets a valid proof, the tokens are bound (cnf.jkt = the key's thumbprint), the API accepts; the private key cannot be exported", async () => {
    reset();
    const { context, page, requests, errors } = await openApp();
    const thumbprint = await page.evaluate(() => window.client.dpopThumbprint);
    assert.match(thumbprint, /^[A-Za-z0-9_-]{43}$/);
    const { result } = await popupFlow(page, () => window.client.loginWithPopup());
    assert.equal(result.ok, true, JSON.stringify(result));
    const session = result.value;
    assert.equal(session.tokenType, "DPoP");

    const [authorize] = authorizeUrls(requests);
    assert.equal(authorize.searchParams.get("dpop_jkt"), thumbprint, "the code is bound to the key");
    const [tokenRequest] = tokenRequests(requests);
    const proof = await readProof(tokenRequest.headers.dpop);
    assert.equal(proof.jkt, thumbprint);
    assert.equal(proof.payload.htm, "POST");
    assert.equal(proof.payload.htu, meta.token_endpoint);
    assert.equal(proof.payload.ath, undefined, "no access token yet");
    assert.ok(Math.abs(proof.payload.iat - Date.now() / 1000) < 30);
    assert.ok(Buffer.from(proof.payload.jti, "base64url").length >= 16, "jti: at least 128 random bits");

    const at = decodeJwt(session.accessToken);
    assert.equal(at.cnf?.jkt, thumbprint, "the access token is bound to the key");

    const r = await page.evaluate(async (u) => {
      const res = await window.client.fetch(`${u}/api/balance`);
      return { status: res.status, body: await res.json() };
    }, api.url);
    assert.equal(r.status, 200, JSON.stringify(r));
    assert.equal(r.body.sub, "alice");
    const apiCall = requests.find((q) => q.url === `${api.url}/api/balance` && q.method === "GET");
    assert.equal(apiCall.headers.authorization, `DPoP ${session.accessToken}`);
    const apiProof = await readProof(apiCall.headers.dpop);
    assert.deepEqual([apiProof.payload.htm, apiProof.payload.htu, apiProof.payload.ath, apiProof.jkt],
      ["GET", `${api.url}/api/balance`, sha256(session.accessToken), thumbprint]);
    assert.notEqual(apiProof.payload.jti, proof.payload.jti, "a fresh jti per proof");

    // The key pair WebCrypto made for the client: its private key is not extractable, and exporting it fails.
    const keys = await page.evaluate(async () => Promise.all(window.__keys.map(async (pair) => ({
      extractable: pair.privateKey.extractable,
      algorithm: pair.privateKey.algorithm,
      exported: await crypto.subtle.exportKey("jwk", pair.privateKey).then(() => "exported", (e) => e.name),
      exportedPkcs8: await crypto.subtle.exportKey("pkcs8", pair.privateKey).then(() => "exported", (e) => e.name),
      publicJwk: await crypto.subtle.exportKey("jwk", pair.publicKey),
    }))));
    assert.equal(keys.length, 1, "one key pair for the client");
    assert.deepEqual(keys[0].algorithm, { name: "ECDSA", namedCurve: "P-256" });
    assert.equal(keys[0].extractable, false);
    assert.equal(keys[0].exported, "InvalidAccessError");
    assert.equal(keys[0].exportedPkcs8, "InvalidAccessError");
    const { kty, crv, x, y } = keys[0].publicJwk;
    assert.equal(await calculateJwkThumbprint({ kty, crv, x, y }), thumbprint, "the key that signed is that pair");
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("redirect login with DPoP: the key kept in memory crosses the navigation (IndexedDB, taken once), the tokens are bound, the API accepts", async () => {
    reset();
    const { context, page, requests } = await openApp();
    const thumbprint = await page.evaluate(() => window.client.dpopThumbprint);
    const nav = page.waitForURL((u) => u.href.startsWith(idp.issuer), { timeout: 10000 });
    await click(page, () => window.client.loginWithRedirect());
    await nav;
    await signInAtIdp(page, idp, { stopAt: app.url });
    await page.waitForFunction(() => window.done === true, null, { timeout: 15000 });
    const result = await page.evaluate(() => window.result);
    assert.equal(result.ok, true, JSON.stringify(result));
    const session = result.value.session;
    assert.equal(session.tokenType, "DPoP");
    const [authorize] = authorizeUrls(requests);
    assert.equal(authorize.searchParams.get("dpop_jkt"), thumbprint);
    const proof = await readProof(tokenRequests(requests)[0].headers.dpop);
    assert.equal(proof.jkt, thumbprint, "the callback page proved the key the code was bound to");
    assert.equal(decodeJwt(session.accessToken).cnf?.jkt, thumbprint);
    const after = await page.evaluate(async (u) => {
      const res = await window.client.fetch(`${u}/api/balance`);
      const keys = await new Promise((ok, ko) => {
        const open = indexedDB.open("stepup-dpop");
        open.onerror = () => ko(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction("keys").objectStore("keys").getAllKeys();
          req.onsuccess = () => { open.result.close(); ok(req.result); };
        };
      });
      return { status: res.status, thumbprint: window.client.dpopThumbprint, stored: keys.length };
    }, api.url);
    assert.deepEqual(after, { status: 200, thumbprint, stored: 0 }, "the hand-over was taken out of IndexedDB");
    await context.close();
  });

  test("the access token copied out of the page and replayed from Node (no key) is refused; so are a replayed proof (jti) and a proof of another request", async () => {
    reset();
    const { context, page, requests } = await openApp();
    const { result } = await popupFlow(page, () => window.client.loginWithPopup());
    assert.equal(result.ok, true, JSON.stringify(result));
    const at = result.value.accessToken;
    const url = `${api.url}/api/balance`;

    const asBearer = await callApi({ authorization: `Bearer ${at}` });
    assert.equal(asBearer.status, 401);
    assert.match(asBearer.headers.get("www-authenticate"), /^DPoP .*error="invalid_token"/);
    const noProof = await callApi({ authorization: `DPoP ${at}` });
    assert.equal(noProof.status, 401);
    assert.match(noProof.headers.get("www-authenticate"), /error="invalid_dpop_proof"/);
    const otherKey = await callApi({ authorization: `DPoP ${at}`, dpop: await foreignProof("GET", url, at) });
    assert.equal(otherKey.status, 401);
    assert.match((await otherKey.json()).message, /cnf\.jkt/);

    // The browser's own request, sent again as it was: the proof's jti was used.
    const ok = await page.evaluate(async (u) => (await window.client.fetch(u)).status, url);
    assert.equal(ok, 200);
    const sent = requests.filter((q) => q.url === url).at(-1);
    const replay = await callApi({ authorization: sent.headers.authorization, dpop: sent.headers.dpop });
    assert.equal(replay.status, 401);
    assert.match((await replay.json()).message, /used before \(jti\)/);
    // A fresh proof of the browser's request would not be good for another route either: htm and htu differ.
    const moved = await callApi({ authorization: sent.headers.authorization, dpop: sent.headers.dpop }, "/api/transfer", "POST");
    assert.equal(moved.status, 401);
    assert.match((await moved.json()).message, /another method \(htm\)/);
    await context.close();
  });

  test("use_dpop_nonce at the token endpoint: one retry with the provider's nonce, then success", async () => {
    reset();
    idp.switches.requireDpopNonce = true;
    const { context, page, requests } = await openApp();
    const { result } = await popupFlow(page, () => window.client.loginWithPopup());
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.value.tokenType, "DPoP");
    const calls = tokenRequests(requests);
    assert.equal(calls.length, 2, "the first request and one retry");
    const [first, second] = await Promise.all(calls.map((c) => readProof(c.headers.dpop)));
    assert.equal(first.payload.nonce, undefined);
    assert.match(second.payload.nonce, /^[!#-[\]-~]+$/, "the nonce the provider sent");
    assert.notEqual(first.payload.jti, second.payload.jti);
    await context.close();
  });

  test("use_dpop_nonce at the API: one retry with the API's nonce, then success; later calls carry the nonce at once", async () => {
    reset();
    const { context, page, requests } = await openApp();
    const { result } = await popupFlow(page, () => window.client.loginWithPopup());
    assert.equal(result.ok, true, JSON.stringify(result));
    api.switches.requireDpopNonce = true;
    const url = `${api.url}/api/balance`;
    const calls = () => api.requestLog.filter((r) => r.path === "/api/balance" && r.method === "GET").length;
    const before = calls();
    const status = await page.evaluate(async (u) => (await window.client.fetch(u)).status, url);
    assert.equal(status, 200);
    assert.equal(calls() - before, 2, "a 401 use_dpop_nonce, then one retry");
    const proofs = await Promise.all(requests.filter((q) => q.url === url).map((q) => readProof(q.headers.dpop)));
    assert.equal(proofs[0].payload.nonce, undefined);
    assert.ok(proofs[1].payload.nonce);
    const again = await page.evaluate(async (u) => (await window.client.fetch(u)).status, url);
    assert.equal(again, 200);
    assert.equal(calls() - before, 3, "the remembered nonce: no second 401");
    reset();
    await context.close();
  });

  test("RFC 9470 step-up under DPoP: a DPoP insufficient_user_authentication challenge → popup → the retry succeeds with a proof for the new token", async () => {
    reset();
    const { context, page, requests } = await openApp();
    const login = await popupFlow(page, () => window.client.loginWithPopup());
    assert.equal(login.result.ok, true, JSON.stringify(login.result));
    const url = `${api.url}/api/transfer`;
    const challenges = [];
    page.on("response", async (r) => {
      if (r.url() === url && r.request().method() === "POST") challenges.push([r.status(), await r.headerValue("www-authenticate")]);
    });
    const { result, pages } = await popupFlow(page, async (u) => {
      const r = await window.client.fetch(u, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ amount: 3 }) });
      return { status: r.status, body: await r.json(), session: window.client.session };
    }, url);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.value.status, 200, JSON.stringify(result.value));
    assert.equal(result.value.body.acr, ACR_MFA);
    assert.deepEqual(pages, ["otp"]);
    const posts = requests.filter((q) => q.url === url && q.method === "POST");
    assert.equal(posts.length, 2, "the first call and one retry");
    assert.equal(challenges[0][0], 401);
    assert.match(challenges[0][1], /^DPoP .*error="insufficient_user_authentication"/, "the API challenged with the DPoP scheme");
    assert.deepEqual(challenges[1], [200, null]);
    const [firstProof, retryProof] = await Promise.all(posts.map((q) => readProof(q.headers.dpop)));
    const newToken = result.value.session.accessToken;
    assert.notEqual(newToken, login.result.value.accessToken);
    assert.equal(firstProof.payload.ath, sha256(login.result.value.accessToken));
    assert.equal(retryProof.payload.ath, sha256(newToken), "the retry proves the new token");
    assert.equal(posts[1].headers.authorization, `DPoP ${newToken}`);
    assert.equal(decodeJwt(newToken).cnf?.jkt, retryProof.jkt, "the stepped-up token is bound to the same key");
    await context.close();
  });

  test("a token response with token_type Bearer while DPoP is on is token_request_failed, and no session is made", async () => {
    reset();
    const { context, page } = await openApp();
    await context.route(meta.token_endpoint, async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      await route.fulfill({ response, json: { ...body, token_type: "Bearer" } });
    });
    const { result } = await popupFlow(page, () => window.client.loginWithPopup());
    assert.equal(result.ok, false);
    assert.equal(result.code, "token_request_failed");
    assert.equal(await page.evaluate(() => window.client.session), null);
    await context.close();
  });

  test("dpopProof(method, url, { nonce, accessToken }) for requests the app sends itself; invalid_config without useDpop", async () => {
    reset();
    const { context, page } = await openApp();
    const { result } = await popupFlow(page, () => window.client.loginWithPopup());
    assert.equal(result.ok, true, JSON.stringify(result));
    const url = `${api.url}/api/balance`;
    const own = await page.evaluate(async (u) => {
      const proof = await window.client.dpopProof("get", new URL(u), { nonce: "app-nonce" });
      const res = await fetch(u, { headers: { authorization: `DPoP ${window.client.session.accessToken}`, dpop: proof } });
      const forToken = await window.client.dpopProof("GET", u, { accessToken: "another.token" });
      return { proof, status: res.status, forToken };
    }, url);
    assert.equal(own.status, 200);
    const proof = await readProof(own.proof);
    assert.deepEqual([proof.payload.htm, proof.payload.htu, proof.payload.nonce, proof.payload.ath],
      ["GET", url, "app-nonce", sha256(result.value.accessToken)]);
    const forToken = await readProof(own.forToken);
    assert.deepEqual([forToken.payload.ath, forToken.payload.nonce], [sha256("another.token"), "app-nonce"], "the given token's ath; the remembered nonce");
    assert.notEqual(forToken.payload.jti, proof.payload.jti);
    const off = await page.evaluate(async (c) => {
      const plain = await window.StepUpClient.create(c);
      return { thumbprint: plain.dpopThumbprint, proof: await plain.dpopProof("GET", location.href).then(() => "made", (e) => `${e.code}:${e.claim}`) };
    }, config({ useDpop: false }));
    assert.deepEqual(off, { thumbprint: undefined, proof: "invalid_config:useDpop" });
    await context.close();
  });

  test("logout deletes the key pair: the thumbprint is gone at once, and the next key is a new one", async () => {
    reset();
    // Without an end_session_endpoint logout stays on the page, so the next key can be seen.
    const { end_session_endpoint: _, ...metadata } = meta;
    const { context, page } = await openApp({ metadata });
    const { result } = await popupFlow(page, () => window.client.loginWithPopup());
    assert.equal(result.ok, true, JSON.stringify(result));
    const before = await page.evaluate(() => window.client.dpopThumbprint);
    const right = await page.evaluate(() => {
      window.client.logout();
      return window.client.dpopThumbprint;
    });
    assert.equal(right, undefined, "forgotten at once");
    await page.waitForFunction(() => typeof window.client.dpopThumbprint === "string");
    const next = await page.evaluate(() => window.client.dpopThumbprint);
    assert.notEqual(next, before);
    const extractable = await page.evaluate(() => window.__keys.map((k) => k.privateKey.extractable));
    assert.deepEqual(extractable, [false, false], "a new pair, not extractable either");
    await context.close();
  });

  test("cacheLocation localStorage: the key pair survives a reload (IndexedDB), its private key still cannot be exported, the restored tokens work; a refresh grant proves the same key", async () => {
    reset();
    const extra = { cacheLocation: "localStorage", useRefreshTokens: true };
    const { context, page, requests } = await openApp(extra);
    const { result } = await popupFlow(page, () => window.client.loginWithPopup());
    assert.equal(result.ok, true, JSON.stringify(result));
    const thumbprint = await page.evaluate(() => window.client.dpopThumbprint);
    await page.reload();
    await page.waitForFunction(() => window.ready === true);
    const back = await page.evaluate(async (c) => {
      await window.createClient(c);
      const stored = await new Promise((ok, ko) => {
        const open = indexedDB.open("stepup-dpop");
        open.onerror = () => ko(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction("keys").objectStore("keys").getAll();
          req.onsuccess = () => { open.result.close(); ok(req.result); };
        };
      });
      return {
        thumbprint: window.client.dpopThumbprint,
        session: window.client.session,
        stored: stored.length,
        exported: await crypto.subtle.exportKey("jwk", stored[0].privateKey).then(() => "exported", (e) => e.name),
        extractable: stored[0].privateKey.extractable,
        generated: window.__keys.length,
      };
    }, config(extra));
    assert.equal(back.thumbprint, thumbprint, "the same key pair after the reload");
    assert.deepEqual([back.stored, back.exported, back.extractable, back.generated], [1, "InvalidAccessError", false, 0], "loaded from IndexedDB, not made again");
    assert.equal(back.session?.accessToken, result.value.accessToken, "the session is back");
    assert.equal(await page.evaluate(async (u) => (await window.client.fetch(u)).status, `${api.url}/api/balance`), 200);

    idp.switches.accessTokenTtl = 3;
    try {
      const { result: again } = await popupFlow(page, () => window.client.loginWithPopup());
      assert.equal(again.ok, true, JSON.stringify(again));
      await page.waitForFunction(() => window.client.session.expiresAt * 1000 <= Date.now(), null, { timeout: 15000, polling: 100 });
      const renewed = await page.evaluate(() => window.client.getAccessToken());
      const refresh = requests.filter((r) => r.url === meta.token_endpoint && r.method === "POST").at(-1);
      const proof = await readProof(refresh.headers.dpop);
      assert.equal(proof.jkt, thumbprint, "the refresh grant proves the key");
      assert.equal(decodeJwt(renewed).cnf?.jkt, thumbprint, "the renewed access token is bound to it");
    } finally {
      idp.switches.accessTokenTtl = 600;
    }
    await context.close();
  });

  test("a key pair swapped into IndexedDB with an extractable private key is never used: it is replaced by a new non-extractable pair", async () => {
    reset();
    const extra = { cacheLocation: "localStorage", useRefreshTokens: true };
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${app.url}/app.html`);
    await page.waitForFunction(() => window.ready === true);
    // What a one-time script would plant under the client's name (issuer, newline, client id): a pair it can export.
    const planted = await page.evaluate(async (name) => {
      const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
      await new Promise((ok, ko) => {
        const open = indexedDB.open("stepup-dpop", 1);
        open.onupgradeneeded = () => open.result.createObjectStore("keys");
        open.onerror = () => ko(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction("keys", "readwrite");
          tx.objectStore("keys").put(pair, name);
          tx.oncomplete = () => { open.result.close(); ok(); };
        };
      });
      const { x, y } = await crypto.subtle.exportKey("jwk", pair.publicKey);
      return { x, y };
    }, `${idp.issuer}\n${idp.clientId}`);
    const plantedThumbprint = createHash("sha256").update(JSON.stringify({ crv: "P-256", kty: "EC", x: planted.x, y: planted.y })).digest("base64url");
    const loaded = await page.evaluate(async (c) => {
      await window.createClient(c);
      const stored = await new Promise((ok, ko) => {
        const open = indexedDB.open("stepup-dpop");
        open.onerror = () => ko(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction("keys").objectStore("keys").getAll();
          req.onsuccess = () => { open.result.close(); ok(req.result); };
        };
      });
      return { thumbprint: window.client.dpopThumbprint, stored: stored.length, extractable: stored.map((p) => p.privateKey.extractable) };
    }, config(extra));
    assert.notEqual(loaded.thumbprint, plantedThumbprint, "the planted pair is not the client's key");
    assert.deepEqual([loaded.stored, loaded.extractable], [1, [false]], "it was replaced in IndexedDB by a pair that cannot be exported");
    // Logins bind to the new key.
    const { result } = await popupFlow(page, () => window.client.loginWithPopup());
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(decodeJwt(result.value.accessToken).cnf?.jkt, loaded.thumbprint);
    await context.close();
  });

  test("the refresh token and the access token copied out of localStorage and replayed from Node (no key) are refused by the provider and the API", async () => {
    reset();
    const { context, page } = await openApp({ cacheLocation: "localStorage", useRefreshTokens: true });
    const { result } = await popupFlow(page, () => window.client.loginWithPopup());
    assert.equal(result.ok, true, JSON.stringify(result));
    const entry = await page.evaluate((idToken) => Object.values(localStorage).find((v) => v.includes(idToken)), result.value.idToken);
    const lines = entry.split("\n");
    const refreshToken = lines[lines.indexOf(result.value.idToken) + 2];
    const accessToken = lines[lines.indexOf(result.value.idToken) + 3];
    assert.ok(refreshToken && accessToken === result.value.accessToken, "both tokens are in localStorage");
    const grant = (headers = {}) => fetch(meta.token_endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: idp.clientId }),
    });
    const bare = await grant();
    assert.equal(bare.status, 400);
    assert.equal((await bare.json()).error, "invalid_grant", "without a proof");
    const foreign = await grant({ dpop: await foreignProof("POST", meta.token_endpoint, "") });
    assert.equal(foreign.status, 400);
    assert.equal((await foreign.json()).error, "invalid_grant", "with a proof of another key");
    assert.equal((await callApi({ authorization: `Bearer ${accessToken}` })).status, 401);
    assert.equal((await callApi({ authorization: `DPoP ${accessToken}`, dpop: await foreignProof("GET", `${api.url}/api/balance`, accessToken) })).status, 401);
    // The page itself, with the key, still renews.
    assert.ok(await page.evaluate(() => window.client.getAccessToken()));
    await context.close();
  });

  test("localStorage, two tabs: after a logout and a new login in one tab, the other tab proves the new key (it reads the pair again from IndexedDB) and its API call succeeds", async () => {
    reset();
    // Without an end_session_endpoint logout stays on the page.
    const { end_session_endpoint: _, ...metadata } = meta;
    const extra = { cacheLocation: "localStorage", useRefreshTokens: true, metadata };
    const { context, page } = await openApp(extra);
    const { result } = await popupFlow(page, () => window.client.loginWithPopup());
    assert.equal(result.ok, true, JSON.stringify(result));
    const other = await context.newPage();
    await other.goto(`${app.url}/app.html`);
    await other.waitForFunction(() => window.ready === true);
    await other.evaluate((c) => window.createClient(c), config(extra));
    const first = await page.evaluate(() => window.client.dpopThumbprint);
    assert.equal(await other.evaluate(() => window.client.dpopThumbprint), first, "both tabs load the one stored pair");
    await page.evaluate(() => {
      window.client.logout();
    });
    await other.waitForFunction(() => window.client.session === null, null, { timeout: 5000, polling: 20 });
    const { result: again } = await popupFlow(page, () => window.client.loginWithPopup());
    assert.equal(again.ok, true, JSON.stringify(again));
    const second = await page.evaluate(() => window.client.dpopThumbprint);
    assert.notEqual(second, first, "the logout made a new pair");
    // The other tab takes the new session from localStorage and the new pair from IndexedDB.
    await other.waitForFunction((jkt) => window.client.session !== null && window.client.dpopThumbprint === jkt, second, { timeout: 5000, polling: 20 });
    assert.equal(await other.evaluate(async (u) => (await window.client.fetch(u)).status, `${api.url}/api/balance`), 200);
    await context.close();
  });
});
