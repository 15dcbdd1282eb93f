// Passkeys end to end: registerPasskey / authenticatePasskey / webauthnSupport from pkg/ in headless
// Chromium with the DevTools-protocol virtual authenticator, every response verified by the relying-party
// library @simplewebauthn/server. The ceremonies run on the browser's WebAuthn L3 JSON methods
// (parse…OptionsFromJSON, toJSON) where it has them, and on glue.js's conversion where it does not (tested here
// with the methods deleted). Chromium only: Firefox's virtual authenticator is reachable through geckodriver alone,
// which Debian does not package (puppeteer's WebDriver BiDi has no WebAuthn module), and WebKitGTK has no WebAuthn.
//
// STEPUP_PKG=<dir> serves another build than pkg/ (e.g. one built outside the shared tree).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { launchBrowser, repoRoot, serveStatic, watchPage } from "./harness.mjs";

const PKG = process.env.STEPUP_PKG || "pkg";
const rpID = "localhost";
const HIDE_NATIVE = `
  delete PublicKeyCredential.parseCreationOptionsFromJSON;
  delete PublicKeyCredential.parseRequestOptionsFromJSON;
  delete PublicKeyCredential.prototype.toJSON;`;
const AUTHENTICATOR = { protocol: "ctap2", ctap2Version: "ctap2_1", transport: "internal", hasResidentKey: true,
  hasUserVerification: true, isUserVerified: true };
// PRF and largeBlob get their own authenticator: in Chromium 148 a virtual authenticator with them keeps
// failing (NotAllowedError) once user verification was switched off and on again.
const EXTENSIONS_AUTHENTICATOR = { ...AUTHENTICATOR, hasPrf: true, hasLargeBlob: true };
const B64URL = /^[A-Za-z0-9_-]*$/;
const b64u = (bytes) => Buffer.from(bytes).toString("base64url");

let browser, server;

before(async () => {
  server = await serveStatic({ mounts: { "/pkg/": PKG, "/": "tests/e2e/passkey-pages" } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** A fresh context + page on `origin`, loaded and initialised; optionally a virtual authenticator. */
async function openPage({ initScript, origin = server.url, path = "index.html", authenticator = AUTHENTICATOR } = {}) {
  const context = await browser.newContext();
  if (initScript) await context.addInitScript(initScript);
  const page = await context.newPage();
  const errors = watchPage(page);
  await page.goto(`${origin}/${path}`);
  await page.waitForFunction(() => window.ready || window.initError);
  assert.equal(await page.evaluate(() => window.initError ?? null), null);
  let cdp, authenticatorId;
  if (authenticator) {
    cdp = await context.newCDPSession(page);
    await cdp.send("WebAuthn.enable", { enableUI: false });
    ({ authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", { options: authenticator }));
  }
  return { context, page, cdp, authenticatorId, errors };
}

/** Relying-party creation options from @simplewebauthn/server, as JSON. */
function registrationOptions(extra = {}) {
  return generateRegistrationOptions({
    rpName: "stepup e2e",
    rpID,
    userName: extra.userName ?? "alice",
    attestationType: "none",
    authenticatorSelection: { residentKey: "required", userVerification: "required" },
    ...extra,
  });
}

describe("passkeys on the browser's WebAuthn L3 JSON methods", () => {
  let ctx, page, cdp, authenticatorId;
  /** The first credential registered here: { id, publicKey, counter, transports } for the server. */
  let credential, userId;
  /** Every credential the server has registered, by id. */
  const known = new Map();

  const calls = () => page.evaluate(() => ({ ...window.calls }));
  const register = (options, init) => page.evaluate(([o, i]) => attempt(() => stepup.registerPasskey(o, i)), [options, init]);
  const authenticate = (options, init) =>
    page.evaluate(([o, i]) => attempt(() => stepup.authenticatePasskey(o, i)), [options, init]);
  const virtual = (method, params = {}) => cdp.send(`WebAuthn.${method}`, { authenticatorId, ...params });

  before(async () => {
    ctx = await openPage();
    ({ page, cdp, authenticatorId } = ctx);
    const native = await page.evaluate(() => [typeof PublicKeyCredential.parseCreationOptionsFromJSON,
      typeof PublicKeyCredential.parseRequestOptionsFromJSON, typeof PublicKeyCredential.prototype.toJSON]);
    assert.deepEqual(native, ["function", "function", "function"]);
  });

  after(async () => {
    assert.deepEqual(ctx.errors, []);
    await ctx.context.close();
  });

  test("webauthnSupport reports WebAuthn, the platform authenticator and conditional mediation", async () => {
    assert.deepEqual(await page.evaluate(() => stepup.webauthnSupport()),
      { webauthn: true, platformAuthenticator: true, conditionalMediation: true });
  });

  test("register then authenticate: @simplewebauthn/server verifies both responses", async () => {
    const before = await calls();
    const options = await registrationOptions();
    const reg = await register(options);
    assert.ok(reg.ok, JSON.stringify(reg.err));
    const r = reg.ok;
    assert.equal(r.type, "public-key");
    assert.equal(r.id, r.rawId);
    assert.equal(r.authenticatorAttachment, "platform");
    for (const key of ["clientDataJSON", "attestationObject", "authenticatorData", "publicKey"]) {
      assert.match(r.response[key], B64URL, key);
    }
    assert.deepEqual(r.response.transports, ["internal"]);
    assert.equal(typeof r.response.publicKeyAlgorithm, "number");
    assert.equal(typeof r.clientExtensionResults, "object");
    const verified = await verifyRegistrationResponse({ response: r, expectedChallenge: options.challenge,
      expectedOrigin: server.url, expectedRPID: rpID, requireUserVerification: true });
    assert.equal(verified.verified, true);
    credential = verified.registrationInfo.credential;
    known.set(credential.id, credential);
    userId = options.user.id;

    const authOptions = await generateAuthenticationOptions({ rpID, userVerification: "required",
      allowCredentials: [{ id: credential.id, transports: credential.transports }] });
    const auth = await authenticate(authOptions);
    assert.ok(auth.ok, JSON.stringify(auth.err));
    assert.equal(auth.ok.id, credential.id);
    assert.equal(auth.ok.response.userHandle, userId);
    for (const key of ["clientDataJSON", "authenticatorData", "signature"]) assert.match(auth.ok.response[key], B64URL);
    const checked = await verifyAuthenticationResponse({ response: auth.ok, expectedChallenge: authOptions.challenge,
      expectedOrigin: server.url, expectedRPID: rpID, credential, requireUserVerification: true });
    assert.equal(checked.verified, true);
    credential.counter = checked.authenticationInfo.newCounter;

    // Exactly one browser call each, converted by the browser's own JSON methods.
    const now = await calls();
    assert.equal(now.create - before.create, 1);
    assert.equal(now.get - before.get, 1);
    assert.equal(now.parseCreation - before.parseCreation, 1);
    assert.equal(now.parseRequest - before.parseRequest, 1);
    assert.equal(now.toJSON - before.toJSON, 2);
  });

  test("hints and unknown members pass through to the browser", async () => {
    const options = { ...(await registrationOptions({ userName: "bob" })), hints: ["client-device"], futureMember: { x: 1 } };
    const reg = await register(options);
    assert.ok(reg.ok, JSON.stringify(reg.err));
    assert.deepEqual(await page.evaluate(() => window.lastHints), ["client-device"]);
    const verified = await verifyRegistrationResponse({ response: reg.ok, expectedChallenge: options.challenge,
      expectedOrigin: server.url, expectedRPID: rpID, requireUserVerification: true });
    assert.equal(verified.verified, true);
    known.set(reg.ok.id, verified.registrationInfo.credential);
  });

  test("discoverable login with conditional mediation (autofill)", async () => {
    const authOptions = await generateAuthenticationOptions({ rpID, userVerification: "required" });
    const auth = await authenticate(authOptions, { conditional: true });
    assert.ok(auth.ok, JSON.stringify(auth.err));
    assert.equal(await page.evaluate(() => window.lastMediation), "conditional");
    // The authenticator picks one of its discoverable credentials; the server knows each of them.
    const picked = known.get(auth.ok.id);
    assert.ok(picked, `unknown credential ${auth.ok.id}`);
    assert.match(auth.ok.response.userHandle, B64URL);
    const checked = await verifyAuthenticationResponse({ response: auth.ok, expectedChallenge: authOptions.challenge,
      expectedOrigin: server.url, expectedRPID: rpID, credential: picked, requireUserVerification: true });
    assert.equal(checked.verified, true);
    picked.counter = checked.authenticationInfo.newCounter;
  });

  test("PRF and largeBlob outputs come back base64url (the native toJSON drops them)", async (t) => {
    const own = await openPage({ authenticator: EXTENSIONS_AUTHENTICATOR });
    const register = (o) => own.page.evaluate(([o]) => attempt(() => stepup.registerPasskey(o)), [o]);
    const authenticate = (o) => own.page.evaluate(([o]) => attempt(() => stepup.authenticatePasskey(o)), [o]);
    try {
      const salt1 = b64u(Buffer.alloc(32, 1));
      const salt2 = b64u(Buffer.alloc(32, 2));
      const options = await registrationOptions({ userName: "prf-user",
        extensions: { prf: { eval: { first: salt1 } }, largeBlob: { support: "required" } } });
      const reg = await register(options);
      assert.ok(reg.ok, JSON.stringify(reg.err));
      const regExt = reg.ok.clientExtensionResults;
      assert.equal(regExt.prf.enabled, true);
      assert.equal(regExt.largeBlob.supported, true);
      const id = reg.ok.id;

      const get = (extensions) => authenticate({ challenge: b64u(Buffer.alloc(16, 7)), rpId: rpID,
        allowCredentials: [{ type: "public-key", id }], userVerification: "required", extensions });
      const a = await get({ prf: { eval: { first: salt1, second: salt2 } }, largeBlob: { write: b64u("hello blob") } });
      assert.ok(a.ok, JSON.stringify(a.err));
      const { prf, largeBlob } = a.ok.clientExtensionResults;
      assert.equal(typeof prf.results.first, "string");
      assert.equal(Buffer.from(prf.results.first, "base64url").length, 32);
      assert.equal(Buffer.from(prf.results.second, "base64url").length, 32);
      assert.notEqual(prf.results.first, prf.results.second);
      // The registration-time result for the same salt is the same PRF output.
      if (regExt.prf.results) assert.equal(regExt.prf.results.first, prf.results.first);
      assert.equal(largeBlob.written, true);

      // evalByCredential (keys stay credential ids) and a largeBlob read.
      const b = await get({ prf: { evalByCredential: { [id]: { first: salt2 } } }, largeBlob: { read: true } });
      assert.ok(b.ok, JSON.stringify(b.err));
      assert.equal(b.ok.clientExtensionResults.prf.results.first, prf.results.second);
      assert.equal(Buffer.from(b.ok.clientExtensionResults.largeBlob.blob, "base64url").toString(), "hello blob");

      {
        // What the browser's own toJSON() makes of the same PRF output (reported, not asserted).
        const raw = await own.page.evaluate(async ([o]) => {
          const c = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(o) });
          return JSON.stringify(c.toJSON().clientExtensionResults);
        }, [{ challenge: b64u(Buffer.alloc(16, 8)), rpId: rpID, allowCredentials: [{ type: "public-key", id }],
          extensions: { prf: { eval: { first: salt1 } } } }]);
        t.diagnostic(`Chromium's own toJSON().clientExtensionResults: ${raw}; ours: ${JSON.stringify({ prf: { results: { first: prf.results.first } } })}`);
      }
      assert.deepEqual(own.errors, []);
    } finally {
      await own.context.close();
    }
  });

  test("user verification failing → webauthn_not_allowed (cause: the NotAllowedError)", async () => {
    await virtual("setUserVerified", { isUserVerified: false });
    try {
      const r = await authenticate({ challenge: b64u(Buffer.alloc(16, 1)), userVerification: "required" });
      assert.deepEqual([r.err?.name, r.err?.code, r.err?.causeName, r.err?.causeIsDomException],
        ["StepUpError", "webauthn_not_allowed", "NotAllowedError", true]);
    } finally {
      await virtual("setUserVerified", { isUserVerified: true });
    }
  });

  test("no user presence until the timeout → webauthn_not_allowed", async () => {
    await virtual("setAutomaticPresenceSimulation", { enabled: false });
    try {
      const r = await authenticate({ challenge: b64u(Buffer.alloc(16, 2)), timeout: 1000 });
      assert.deepEqual([r.err?.code, r.err?.causeName], ["webauthn_not_allowed", "NotAllowedError"]);
    } finally {
      await virtual("setAutomaticPresenceSimulation", { enabled: true });
    }
  });

  test("a credential in excludeCredentials → webauthn_already_registered", async () => {
    const options = await registrationOptions({ excludeCredentials: [{ id: credential.id, transports: ["internal"] }] });
    const r = await register(options);
    assert.deepEqual([r.err?.code, r.err?.causeName], ["webauthn_already_registered", "InvalidStateError"]);
  });

  test("an rp id that is not this host → webauthn_invalid_rp_id", async () => {
    const options = await registrationOptions({ rpID: "example.com" });
    const r = await register(options);
    assert.deepEqual([r.err?.code, r.err?.causeName], ["webauthn_invalid_rp_id", "SecurityError"]);
    const g = await authenticate({ challenge: b64u(Buffer.alloc(16, 3)), rpId: "example.com" });
    assert.deepEqual([g.err?.code, g.err?.causeName], ["webauthn_invalid_rp_id", "SecurityError"]);
  });

  test("bogus signature bits: our response is delivered, the server rejects it", async () => {
    await virtual("setResponseOverrideBits", { isBogusSignature: true });
    let auth, authOptions;
    try {
      authOptions = await generateAuthenticationOptions({ rpID, userVerification: "required",
        allowCredentials: [{ id: credential.id }] });
      auth = await authenticate(authOptions);
    } finally {
      await virtual("setResponseOverrideBits", { isBogusSignature: false });
    }
    assert.ok(auth.ok, JSON.stringify(auth.err));
    const verdict = await verifyAuthenticationResponse({ response: auth.ok, expectedChallenge: authOptions.challenge,
      expectedOrigin: server.url, expectedRPID: rpID, credential, requireUserVerification: true })
      .then((v) => v.verified, () => false);
    assert.equal(verdict, false);
  });

  test("malformed options → webauthn_invalid_options and the browser is never called", async () => {
    const good = await registrationOptions({ userName: "carol" });
    const goodGet = { challenge: b64u(Buffer.alloc(16, 4)), allowCredentials: [{ type: "public-key", id: credential.id }] };
    const before = await calls();
    const bad = [
      ["challenge with padding", { ...good, challenge: good.challenge + "=" }],
      ["challenge with + and /", { ...good, challenge: "ab+/cdef" }],
      ["challenge with non-canonical trailing bits", { ...good, challenge: "AB" }],
      ["challenge missing", { ...good, challenge: undefined }],
      ["challenge empty", { ...good, challenge: "" }],
      ["challenge of 15 bytes (WebAuthn L3 §13.4.3: at least 16)", { ...good, challenge: b64u(Buffer.alloc(15, 9)) }],
      ["challenge not a string", { ...good, challenge: [1, 2, 3] }],
      ["user.id standard base64", { ...good, user: { ...good.user, id: "a/b+" } }],
      ["user.id too long", { ...good, user: { ...good.user, id: b64u(Buffer.alloc(65)) } }],
      ["user missing", { ...good, user: undefined }],
      ["user.displayName missing", { ...good, user: { id: good.user.id, name: "carol" } }],
      ["rp missing", { ...good, rp: undefined }],
      ["rp.name missing", { ...good, rp: { id: rpID } }],
      ["pubKeyCredParams missing", { ...good, pubKeyCredParams: undefined }],
      ["pubKeyCredParams alg not a number", { ...good, pubKeyCredParams: [{ type: "public-key", alg: "ES256" }] }],
      ["excludeCredentials id bad", { ...good, excludeCredentials: [{ type: "public-key", id: "not base64url!" }] }],
      ["excludeCredentials not an array", { ...good, excludeCredentials: { id: credential.id } }],
      ["prf salt bad", { ...good, extensions: { prf: { eval: { first: "===" } } } }],
      ["largeBlob write bad", { ...good, extensions: { largeBlob: { write: "a b" } } }],
      ["options not an object", "not an object"],
    ];
    for (const [what, options] of bad) {
      const r = await register(options);
      assert.equal(r.err?.code, "webauthn_invalid_options", `${what}: ${JSON.stringify(r)}`);
      assert.equal(r.err?.name, "StepUpError", what);
    }
    const badGet = [
      ["challenge bad", { ...goodGet, challenge: "%%%" }],
      ["challenge missing", { allowCredentials: goodGet.allowCredentials }],
      ["challenge of 15 bytes", { ...goodGet, challenge: b64u(Buffer.alloc(15, 9)) }],
      ["allowCredentials id padded", { ...goodGet, allowCredentials: [{ type: "public-key", id: credential.id + "=" }] }],
      ["allowCredentials type missing", { ...goodGet, allowCredentials: [{ id: credential.id }] }],
      ["rpId not a string", { ...goodGet, rpId: 42 }],
      ["prf evalByCredential key not base64url", { ...goodGet, extensions: { prf: { evalByCredential: { "a=b": { first: "AAAA" } } } } }],
      ["prf eval without first", { ...goodGet, extensions: { prf: { eval: { second: "AAAA" } } } }],
      ["options null", null],
    ];
    for (const [what, options] of badGet) {
      const r = await authenticate(options);
      assert.equal(r.err?.code, "webauthn_invalid_options", `${what}: ${JSON.stringify(r)}`);
    }
    const signal = await page.evaluate(([o]) => attempt(() => stepup.authenticatePasskey(o, { signal: "nope" })), [goodGet]);
    assert.equal(signal.err?.code, "webauthn_invalid_options");
    assert.deepEqual(await calls(), before, "no navigator.credentials call, no parse…FromJSON call");
  });

  test("AbortSignal: already aborted → no browser call; aborted mid-ceremony → webauthn_aborted", async () => {
    const options = { challenge: b64u(Buffer.alloc(16, 5)) };
    const before = await calls();
    const early = await page.evaluate(([o]) => attempt(() => stepup.authenticatePasskey(o, { signal: AbortSignal.abort() })), [options]);
    assert.deepEqual([early.err?.code, early.err?.causeName], ["webauthn_aborted", "AbortError"]);
    assert.equal((await calls()).get, before.get);

    await virtual("setAutomaticPresenceSimulation", { enabled: false });
    try {
      const r = await page.evaluate(async ([o]) => {
        const c = new AbortController();
        const p = attempt(() => stepup.authenticatePasskey(o, { signal: c.signal }));
        await new Promise((ok) => setTimeout(ok, 300));
        c.abort();
        return p;
      }, [options]);
      assert.deepEqual([r.err?.code, r.err?.causeName], ["webauthn_aborted", "AbortError"]);
      // A reason given by the caller is the cause.
      const reason = await page.evaluate(async ([o]) => {
        const c = new AbortController();
        const p = stepup.registerPasskey(o, { signal: c.signal }).catch((e) => e);
        await new Promise((ok) => setTimeout(ok, 200));
        const why = new Error("user left");
        c.abort(why);
        const e = await p;
        return [e.code, e.cause === why];
      }, [await registrationOptions({ userName: "dave" })]);
      assert.deepEqual(reason, ["webauthn_aborted", true]);
    } finally {
      await virtual("setAutomaticPresenceSimulation", { enabled: true });
    }
  });

  test("a new ceremony aborts the running one", async () => {
    await virtual("setAutomaticPresenceSimulation", { enabled: false });
    await page.evaluate(() => start("first", () => stepup.authenticatePasskey({ challenge: "AAAAAAAAAAAAAAAAAAAAAA" })));
    await new Promise((ok) => setTimeout(ok, 300));
    await virtual("setAutomaticPresenceSimulation", { enabled: true });
    const authOptions = await generateAuthenticationOptions({ rpID, userVerification: "required",
      allowCredentials: [{ id: credential.id }] });
    const second = await authenticate(authOptions);
    const first = await page.evaluate(() => settle("first"));
    assert.deepEqual([first.err?.code, first.err?.causeName], ["webauthn_aborted", "AbortError"]);
    assert.ok(second.ok, JSON.stringify(second.err));
    const checked = await verifyAuthenticationResponse({ response: second.ok, expectedChallenge: authOptions.challenge,
      expectedOrigin: server.url, expectedRPID: rpID, credential, requireUserVerification: true });
    assert.equal(checked.verified, true);
  });
});

describe("passkeys, environment errors", () => {
  test("without the WebAuthn Level 3 JSON methods (parse…OptionsFromJSON, toJSON): glue.js converts, and @simplewebauthn/server verifies every response", async () => {
    // What Safari before 18.4 and Firefox before 119 offer: WebAuthn Level 2 only.
    const { context, page, errors } = await openPage({ initScript: HIDE_NATIVE, authenticator: EXTENSIONS_AUTHENTICATOR });
    const register = (o) => page.evaluate(([o]) => attempt(() => stepup.registerPasskey(o)), [o]);
    const authenticate = (o) => page.evaluate(([o]) => attempt(() => stepup.authenticatePasskey(o)), [o]);
    try {
      assert.deepEqual(await page.evaluate(() => [typeof PublicKeyCredential.parseCreationOptionsFromJSON,
        typeof PublicKeyCredential.parseRequestOptionsFromJSON, typeof PublicKeyCredential.prototype.toJSON]), ["undefined", "undefined", "undefined"]);
      assert.deepEqual(await page.evaluate(() => stepup.webauthnSupport()),
        { webauthn: true, platformAuthenticator: true, conditionalMediation: true });

      const salt1 = b64u(Buffer.alloc(32, 1));
      const salt2 = b64u(Buffer.alloc(32, 2));
      const options = await registrationOptions({ userName: "level2", extensions: { prf: { eval: { first: salt1 } }, largeBlob: { support: "required" } } });
      const reg = await register(options);
      assert.ok(reg.ok, JSON.stringify(reg.err));
      const r = reg.ok;
      assert.deepEqual([r.type, r.id, r.authenticatorAttachment], ["public-key", r.rawId, "platform"]);
      for (const key of ["clientDataJSON", "attestationObject", "authenticatorData", "publicKey"]) assert.match(r.response[key], B64URL, key);
      assert.deepEqual(r.response.transports, ["internal"]);
      assert.ok(options.pubKeyCredParams.some((p) => p.alg === r.response.publicKeyAlgorithm), `alg ${r.response.publicKeyAlgorithm}`);
      assert.equal(r.clientExtensionResults.prf.enabled, true);
      // The challenge went through glue.js's decoding: the server finds its own in clientDataJSON.
      const verified = await verifyRegistrationResponse({ response: r, expectedChallenge: options.challenge,
        expectedOrigin: server.url, expectedRPID: rpID, requireUserVerification: true });
      assert.equal(verified.verified, true);
      const credential = verified.registrationInfo.credential;

      // allowCredentials ids, the PRF salts and largeBlob.write decoded too: the right credential answers, with the
      // PRF outputs of those salts and the blob written.
      const authOptions = await generateAuthenticationOptions({ rpID, userVerification: "required",
        allowCredentials: [{ id: credential.id, transports: credential.transports }],
        extensions: { prf: { eval: { first: salt1, second: salt2 } }, largeBlob: { write: b64u("level 2 blob") } } });
      const auth = await authenticate(authOptions);
      assert.ok(auth.ok, JSON.stringify(auth.err));
      assert.equal(auth.ok.id, credential.id);
      assert.equal(auth.ok.response.userHandle, options.user.id, "user.id was decoded at registration");
      for (const key of ["clientDataJSON", "authenticatorData", "signature"]) assert.match(auth.ok.response[key], B64URL, key);
      const checked = await verifyAuthenticationResponse({ response: auth.ok, expectedChallenge: authOptions.challenge,
        expectedOrigin: server.url, expectedRPID: rpID, credential, requireUserVerification: true });
      assert.equal(checked.verified, true);
      credential.counter = checked.authenticationInfo.newCounter;
      const { prf, largeBlob } = auth.ok.clientExtensionResults;
      assert.deepEqual([Buffer.from(prf.results.first, "base64url").length, Buffer.from(prf.results.second, "base64url").length], [32, 32]);
      assert.notEqual(prf.results.first, prf.results.second);
      assert.equal(largeBlob.written, true);

      // evalByCredential (its keys stay credential ids) and a largeBlob read.
      const again = await generateAuthenticationOptions({ rpID, userVerification: "required", allowCredentials: [{ id: credential.id }],
        extensions: { prf: { evalByCredential: { [credential.id]: { first: salt2 } } }, largeBlob: { read: true } } });
      const b = await authenticate(again);
      assert.ok(b.ok, JSON.stringify(b.err));
      assert.equal(b.ok.clientExtensionResults.prf.results.first, prf.results.second, "the same salt, the same PRF output");
      assert.equal(Buffer.from(b.ok.clientExtensionResults.largeBlob.blob, "base64url").toString(), "level 2 blob");
      const second = await verifyAuthenticationResponse({ response: b.ok, expectedChallenge: again.challenge,
        expectedOrigin: server.url, expectedRPID: rpID, credential, requireUserVerification: true });
      assert.equal(second.verified, true);

      // excludeCredentials ids are decoded: the authenticator recognises the credential and refuses a second one.
      const excluded = await register(await registrationOptions({ userName: "level2", excludeCredentials: [{ id: credential.id, transports: ["internal"] }] }));
      assert.deepEqual([excluded.err?.code, excluded.err?.causeName], ["webauthn_already_registered", "InvalidStateError"]);

      // A discoverable login (no allowCredentials, no userHandle asked): the response has the user handle.
      const discoverable = await generateAuthenticationOptions({ rpID, userVerification: "required" });
      const d = await authenticate(discoverable);
      assert.ok(d.ok, JSON.stringify(d.err));
      assert.equal(d.ok.response.userHandle, options.user.id);
      assert.equal((await verifyAuthenticationResponse({ response: d.ok, expectedChallenge: discoverable.challenge,
        expectedOrigin: server.url, expectedRPID: rpID, credential: { ...credential, counter: second.authenticationInfo.newCounter }, requireUserVerification: true })).verified, true);

      // Every check is still Rust's: malformed options never reach the browser.
      const before = await page.evaluate(() => ({ ...window.calls }));
      const bad = await page.evaluate(() => attempt(() => stepup.authenticatePasskey({ challenge: "A=" })));
      assert.equal(bad.err?.code, "webauthn_invalid_options");
      assert.deepEqual(await page.evaluate(() => ({ ...window.calls })), before);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test("an IP-address origin (not a valid domain) → webauthn_invalid_domain", async () => {
    const { context, page, errors } = await openPage({ origin: server.url.replace("localhost", "127.0.0.1") });
    try {
      const options = await registrationOptions();
      delete options.rp.id;
      const r = await page.evaluate(([o]) => attempt(() => stepup.registerPasskey(o)), [options]);
      assert.deepEqual([r.err?.code, r.err?.causeName], ["webauthn_invalid_domain", "SecurityError"]);
      const g = await page.evaluate(() => attempt(() => stepup.authenticatePasskey({ challenge: "AAAAAAAAAAAAAAAAAAAAAA" })));
      assert.deepEqual([g.err?.code, g.err?.causeName], ["webauthn_invalid_domain", "SecurityError"]);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test("no PublicKeyCredential → webauthn_not_supported; webauthnSupport all false", async () => {
    const { context, page } = await openPage({ initScript: "delete window.PublicKeyCredential;", authenticator: false });
    try {
      assert.deepEqual(await page.evaluate(() => stepup.webauthnSupport()),
        { webauthn: false, platformAuthenticator: false, conditionalMediation: false });
      const options = await registrationOptions();
      const r = await page.evaluate(([o]) => attempt(() => stepup.registerPasskey(o)), [options]);
      assert.equal(r.err?.code, "webauthn_not_supported");
      const g = await page.evaluate(() => attempt(() => stepup.authenticatePasskey({ challenge: "AAAAAAAAAAAAAAAAAAAAAA" })));
      assert.equal(g.err?.code, "webauthn_not_supported");
      // Malformed options are still reported as such, before anything else.
      const bad = await page.evaluate(() => attempt(() => stepup.authenticatePasskey({ challenge: "A=" })));
      assert.equal(bad.err?.code, "webauthn_invalid_options");
    } finally {
      await context.close();
    }
  });
});

describe("a passkey as the second factor of requireStepUp (dev identity provider)", () => {
  let idp, dataDir, ACR_MFA;

  before(async () => {
    // Imported here so that the ceremony tests above never depend on the provider's code.
    let startIdp;
    ({ ACR_MFA, startIdp } = await import("../../www/idp/provider.mjs"));
    dataDir = mkdtempSync(join(tmpdir(), "stepup-passkeys-"));
    // The provider's second-factor page loads the same package build from its own /pkg/.
    // Redirect URIs match exactly: this page server's own callback pages are registered.
    idp = await startIdp({ appOrigins: [server.url], redirectPaths: ["/stepup-callback.html", "/stepup-popup.html"], testMode: true, dataDir, pkgDir: resolve(repoRoot, PKG) });
  });

  after(async () => {
    await idp?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const config = () => ({ issuer: idp.issuer, clientId: idp.clientId, redirectUri: `${server.url}/stepup-callback.html`,
    popupRedirectUri: `${server.url}/stepup-popup.html` });

  /** The SPA, with alice's passkey enrolled in this tab's authenticator by our registerPasskey. */
  async function appWithPasskey() {
    const app = await openPage({ path: "stepup.html" });
    const enrolled = await app.page.evaluate(([issuer]) => window.enroll(issuer, "alice"), [idp.issuer]);
    assert.equal(enrolled.verified, true, JSON.stringify(enrolled));
    await app.page.evaluate((c) => window.createClient(c), config());
    return app;
  }

  /** Password on the provider's login page, then "Use a passkey" on its second-factor page. */
  async function passwordThenPasskey(p) {
    await p.waitForSelector("#password", { timeout: 15000 });
    await p.fill("#username", "alice");
    await p.fill("#password", "password123");
    await p.click("#login");
    await p.waitForSelector("#use-passkey", { timeout: 15000 });
    await p.click("#use-passkey");
  }

  function assertPasskeyStepUp(session) {
    assert.equal(session.acr, ACR_MFA);
    assert.equal(session.claims.sub, "alice");
    assert.ok(session.amr.includes("hwk"), `amr ${session.amr}: a device-bound passkey`);
    assert.ok(session.amr.includes("user"), `amr ${session.amr}: user verification happened`);
    assert.ok(!session.amr.includes("otp"), `amr ${session.amr}`);
  }

  test("popup mode: requireStepUp → the provider's page runs authenticatePasskey → amr has hwk and user", async () => {
    const { context, page, cdp, authenticatorId, errors } = await appWithPasskey();
    try {
      // The popup is another tab with its own virtual authenticator: give it a copy of the passkey.
      const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
      assert.equal(credentials.length, 1);
      const pkgLoads = idp.requestsTo("/pkg/stepup.js").length;
      const opened = page.waitForEvent("popup");
      await page.evaluate(() => window.requireStepUp({ mfa: true, amr: { anyOf: ["hwk", "swk"] } }));
      const popup = await opened;
      const popupCdp = await context.newCDPSession(popup);
      await popupCdp.send("WebAuthn.enable", { enableUI: false });
      const { authenticatorId: popupAuthenticator } = await popupCdp.send("WebAuthn.addVirtualAuthenticator", { options: AUTHENTICATOR });
      for (const credential of credentials) {
        await popupCdp.send("WebAuthn.addCredential", { authenticatorId: popupAuthenticator, credential });
      }
      await passwordThenPasskey(popup);
      await page.waitForFunction(() => window.outcome, null, { timeout: 20000 });
      const outcome = await page.evaluate(() => window.outcome);
      assert.ok(outcome.ok, JSON.stringify(outcome.err));
      assertPasskeyStepUp(outcome.ok);
      assert.ok(idp.requestsTo("/pkg/stepup.js").length > pkgLoads, "the provider's page loaded our package");
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test("redirect mode: the same tab's passkey answers on the provider's page", async () => {
    const { context, page, errors } = await appWithPasskey();
    try {
      const left = page.waitForURL((u) => u.href.startsWith(idp.issuer), { timeout: 10000 });
      await page.evaluate(() => window.requireStepUp({ mfa: true }, { mode: "redirect" }));
      await left;
      await passwordThenPasskey(page);
      await page.waitForURL((u) => u.href.startsWith(`${server.url}/stepup-callback.html`), { timeout: 15000 });
      await page.waitForFunction(() => window.outcome, null, { timeout: 15000 });
      const outcome = await page.evaluate(() => window.outcome);
      assert.ok(outcome.ok, JSON.stringify(outcome.err));
      assertPasskeyStepUp(outcome.ok);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});

describe("ordered levels (the provider's levels profile): a passkey reaches loa-4", () => {
  let idp, dataDir, LOA_LEVELS;

  before(async () => {
    let startIdp;
    ({ LOA_LEVELS, startIdp } = await import("../../www/idp/provider.mjs"));
    dataDir = mkdtempSync(join(tmpdir(), "stepup-levels-"));
    idp = await startIdp({ profile: "levels", appOrigins: [server.url], redirectPaths: ["/stepup-callback.html", "/stepup-popup.html"], testMode: true, dataDir, pkgDir: resolve(repoRoot, PKG) });
  });

  after(async () => {
    await idp?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const config = (extra) => ({ issuer: idp.issuer, clientId: idp.clientId, redirectUri: `${server.url}/stepup-callback.html`,
    popupRedirectUri: `${server.url}/stepup-popup.html`, ...extra });

  test("acrLevels: asking loa-3 and receiving loa-4 resolves; without acrLevels the same answer is acr_not_satisfied", async () => {
    const { context, page, cdp, authenticatorId, errors } = await openPage({ path: "stepup.html" });
    try {
      const enrolled = await page.evaluate(([issuer]) => window.enroll(issuer, "alice"), [idp.issuer]);
      assert.equal(enrolled.verified, true, JSON.stringify(enrolled));
      await page.evaluate((c) => window.createClient(c), config({ acrLevels: LOA_LEVELS }));
      const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
      const opened = page.waitForEvent("popup");
      await page.evaluate(() => window.requireStepUp({ acr: ["loa-3"] }));
      const popup = await opened;
      // The popup is another tab with its own virtual authenticator: give it a copy of the passkey.
      const popupCdp = await context.newCDPSession(popup);
      await popupCdp.send("WebAuthn.enable", { enableUI: false });
      const { authenticatorId: popupAuthenticator } = await popupCdp.send("WebAuthn.addVirtualAuthenticator", { options: AUTHENTICATOR });
      for (const credential of credentials) await popupCdp.send("WebAuthn.addCredential", { authenticatorId: popupAuthenticator, credential });
      await popup.waitForSelector("#password", { timeout: 15000 });
      await popup.fill("#username", "alice");
      await popup.fill("#password", "password123");
      await popup.click("#login");
      await popup.waitForSelector("#use-passkey", { timeout: 15000 });
      await popup.click("#use-passkey");
      await page.waitForFunction(() => window.outcome, null, { timeout: 20000 });
      const outcome = await page.evaluate(() => window.outcome);
      assert.ok(outcome.ok, JSON.stringify(outcome.err));
      assert.equal(outcome.ok.acr, "loa-4", "the provider answered with the level achieved");
      assert.ok(outcome.ok.amr.includes("hwk"), `amr ${outcome.ok.amr}`);

      // A client without acrLevels asks loa-3 too; the provider's session answers loa-4 at once (no page).
      await page.evaluate((c) => { window.outcome = null; return window.createClient(c); }, config());
      const again = page.waitForEvent("popup");
      await page.evaluate(() => window.requireStepUp({ acr: ["loa-3"] }));
      await again;
      await page.waitForFunction(() => window.outcome, null, { timeout: 20000 });
      const exact = await page.evaluate(() => window.outcome);
      assert.equal(exact.err?.code, "acr_not_satisfied", JSON.stringify(exact));
      assert.equal(await page.evaluate(() => window.client.session), null, "the loa-4 answer was not taken");
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
