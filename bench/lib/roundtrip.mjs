// Popup step-up against the dev identity provider (npm oidc-provider, www/idp/), automated login:
// password page, then the TOTP page; every flow in a fresh browser context (no provider session), so both
// libraries go through the same two pages. stepup: requireStepUp({ mfa: true, maxAge: 300 }); oidc-client-ts:
// signinPopup({ acr_values: <MFA URI>, max_age: 300 }) + signinPopupCallback() on its callback page.
//
// Timed: click → validated token (page clock), and callback page requested → token in the app
// (the library's own work after the provider: code exchange, JWKS, checks).
//
// checkMatrix(): the same flows with one thing wrong at a time, to see what each library rejects. Token
// responses are rewritten in flight (playwright routes): a claim changed and the token re-signed with a
// key of ours that the (equally rewritten) JWKS publishes, so only that one check can fail; or the
// provider's own misbehaviour switches (acr_values ignored, state tampered, wrong RFC 9207 `iss`).
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from "jose";
import { serveStatic, signInAtIdp } from "../../tests/e2e/harness.mjs";
import { ACR_MFA, startIdp } from "../../www/idp/provider.mjs";
import { median, quartiles } from "./stats.mjs";

const POLICY = { mfa: true, maxAge: 300 };

export async function startStack(pagesDist) {
  const callbacks = [];
  const app = await serveStatic({
    mounts: { "/": pagesDist },
    onRequest: (req, url) => { if (url.pathname.endsWith("-callback.html")) callbacks.push({ path: url.pathname, at: Date.now() }); },
  });
  const dataDir = mkdtempSync(join(tmpdir(), "stepup-bench-idp-"));
  // Redirect URIs match exactly: the pages of both libraries (bench/pages) are registered.
  const redirectPaths = ["/stepup.html", "/stepup-callback.html", "/oidc.html", "/oidc-callback.html"];
  const idp = await startIdp({ appOrigins: [app.url], redirectPaths, testMode: true, dataDir });
  const discovery = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json();
  return {
    app, idp, discovery, callbacks,
    async close() { await idp.close(); await app.close(); rmSync(dataDir, { recursive: true, force: true }); },
  };
}

function pageUrl(stack, lib, policy = POLICY) {
  const { app, idp } = stack;
  const q = new URLSearchParams({ issuer: idp.issuer, clientId: idp.clientId });
  if (lib === "stepup") {
    q.set("policy", JSON.stringify(policy));
    return `${app.url}/stepup.html?${q}`;
  }
  q.set("acr", ACR_MFA);
  if (policy.maxAge !== undefined) q.set("maxAge", String(policy.maxAge));
  return `${app.url}/oidc.html?${q}`;
}


/** One popup flow in a fresh context; `prepare(context)` may add routes. */
async function flow(browser, stack, lib, { prepare, policy } = {}) {
  const context = await browser.newContext();
  try {
    if (prepare) await prepare(context);
    const page = await context.newPage();
    await page.goto(pageUrl(stack, lib, policy));
    await page.waitForFunction(() => window.ready === true, null, { timeout: 20000 });
    const since = stack.callbacks.length;
    // The dev provider takes each TOTP code once, so a code can mean waiting for the next 30 s step: get it
    // before the click, so the wait is not part of the timed round trip.
    const code = await stack.idp.totp();
    const popupOpened = page.waitForEvent("popup", { timeout: 10000 });
    await page.click("#go");
    const pages = await signInAtIdp(await popupOpened, { totp: async () => code });
    await page.waitForFunction(() => window.result, null, { timeout: 30000, polling: 5 });
    const result = await page.evaluate(() => window.result);
    const cb = stack.callbacks.slice(since).find((c) => c.path.startsWith(lib === "stepup" ? "/stepup" : "/oidc"));
    return { ...result, pages, afterCallback: cb ? result.doneEpoch - cb.at : null };
  } finally {
    await context.close();
  }
}

export async function roundTrips(browser, stack, { runs = 10, log = () => {} } = {}) {
  const samples = { stepup: [], "oidc-client-ts": [] };
  for (let i = -1; i < runs; i++) { // round -1: warm-up, not counted
    for (const lib of Object.keys(samples)) {
      const r = await flow(browser, stack, lib);
      if (!r.ok) throw new Error(`${lib} round trip failed: ${r.error}`);
      if (r.acr !== ACR_MFA || r.pages.join() !== "password,otp") throw new Error(`${lib}: unexpected ${r.acr} ${r.pages}`);
      if (i >= 0) samples[lib].push(r);
    }
    if (i >= 0) log(`round trip ${i + 1}/${runs}: stepup ${samples.stepup[i].ms.toFixed(0)} ms, oidc-client-ts ${samples["oidc-client-ts"][i].ms.toFixed(0)} ms`);
  }
  const out = {};
  for (const [lib, xs] of Object.entries(samples)) {
    out[lib] = {
      n: xs.length,
      clickToToken: median(xs.map((x) => x.ms)),
      iqr: quartiles(xs.map((x) => x.ms)),
      afterCallback: median(xs.map((x) => x.afterCallback)),
      afterCallbackIqr: quartiles(xs.map((x) => x.afterCallback)),
    };
  }
  return out;
}

// ------------------------------------------------------------------------------ what each one checks

/** Rewrite the token endpoint's answer with `edit(json, ctx)`; serve `jwks` at the JWKS URI when given. */
function rewrite(stack, edit, jwks) {
  return async (context) => {
    await context.route(stack.discovery.token_endpoint, async (route) => {
      const response = await route.fetch();
      const json = await response.json();
      await route.fulfill({ response, json: await edit(json) });
    });
    if (jwks) {
      await context.route(stack.discovery.jwks_uri, (route) =>
        route.fulfill({ status: 200, contentType: "application/json", headers: { "access-control-allow-origin": "*" }, body: JSON.stringify(jwks) }));
    }
  };
}

const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");

export async function checkMatrix(browser, stack, { log = () => {} } = {}) {
  const { idp } = stack;
  const key = await generateKeyPair("RS256", { extractable: true });
  const kid = "bench-resign";
  const ourJwks = { keys: [{ ...(await exportJWK(key.publicKey)), kid, alg: "RS256", use: "sig" }] };
  const resign = (change) => rewrite(stack, async (json) => {
    const claims = { ...decodeJwt(json.id_token), ...change(Math.floor(Date.now() / 1000), json) };
    json.id_token = await new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid }).sign(key.privateKey);
    return json;
  }, ourJwks);

  const cases = [
    { check: "nothing wrong (baseline)", expect: "both accept" },
    { check: "ID token signature (one byte of the signature changed)", prepare: rewrite(stack, (json) => {
      const [h, p, s] = json.id_token.split(".");
      const mid = Math.floor(s.length / 2);
      json.id_token = `${h}.${p}.${s.slice(0, mid)}${s[mid] === "A" ? "B" : "A"}${s.slice(mid + 1)}`;
      return json;
    }) },
    { check: "`alg: none` ID token (unsigned)", prepare: rewrite(stack, (json) => {
      const [, p] = json.id_token.split(".");
      json.id_token = `${b64({ ...decodeProtectedHeader(json.id_token), alg: "none" })}.${p}.`;
      return json;
    }) },
    { check: "`iss` of the ID token", prepare: resign(() => ({ iss: "https://attacker.example/" })) },
    { check: "`aud` (another client's token)", prepare: resign(() => ({ aud: "another-client" })) },
    { check: "`exp` (expired an hour ago)", prepare: resign((now) => ({ exp: now - 3600, iat: now - 7200 })) },
    { check: "`iat` in the future (+1 h)", prepare: resign((now) => ({ iat: now + 3600, exp: now + 7200 })) },
    { check: "`nonce` (not the one sent)", prepare: resign(() => ({ nonce: "forged-nonce" })) },
    { check: "`sub` missing", prepare: resign(() => ({ sub: undefined })) },
    // The dev provider puts no at_hash in ID tokens from the token endpoint (optional there): add the right
    // one for the access token it issued, then hand the app another access token.
    { check: "`at_hash` (access token swapped)", prepare: resign((now, json) => {
      const atHash = createHash("sha256").update(json.access_token).digest().subarray(0, 16).toString("base64url");
      json.access_token = json.access_token.slice(0, -2) + (json.access_token.endsWith("AA") ? "BB" : "AA");
      return { at_hash: atHash };
    }) },
    { check: "`acr`: provider ignored acr_values (password only)", switches: { ignoreAcrValues: true } },
    { check: "`auth_time` older than `max_age` (1 h ago, max_age 300)", prepare: resign((now) => ({ auth_time: now - 3600 })) },
    { check: "`auth_time` missing though `max_age` was sent", prepare: resign(() => ({ auth_time: undefined })) },
    { check: "`amr`: MFA acr but amr only `pwd` (policy: an otp/hwk factor)", prepare: resign(() => ({ amr: ["pwd"] })),
      policy: { mfa: true, maxAge: 300, amr: { anyOf: ["otp", "hwk", "swk"] } } },
    { check: "`state` changed in the redirect", switches: { tamperState: true } },
    { check: "RFC 9207 `iss` response parameter wrong", switches: { wrongIss: true } },
  ];
  const rows = [];
  for (const c of cases) {
    const row = { check: c.check };
    for (const lib of ["stepup", "oidc-client-ts"]) {
      Object.assign(idp.switches, { ignoreAcrValues: false, tamperState: false, wrongIss: false }, c.switches ?? {});
      try {
        const r = await flow(browser, stack, lib, { prepare: c.prepare, policy: c.policy });
        row[lib] = r.ok ? { accepted: true, acr: r.acr, amr: r.amr } : { accepted: false, error: r.error };
      } catch (e) {
        row[lib] = { accepted: false, error: `flow did not finish: ${String(e.message).split("\n")[0]}` };
      } finally {
        Object.assign(idp.switches, { ignoreAcrValues: false, tamperState: false, wrongIss: false });
      }
    }
    log(`check: ${c.check}: stepup ${row.stepup.accepted ? "ACCEPTED" : "rejected (" + row.stepup.error + ")"}; oidc-client-ts ${row["oidc-client-ts"].accepted ? "ACCEPTED" : "rejected (" + row["oidc-client-ts"].error + ")"}`);
    rows.push(row);
  }
  return rows;
}
