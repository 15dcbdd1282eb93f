// Browser primitives behind a few coarse calls, so the wasm imports one function per job instead of a
// shim per Web API member it touches. Plain JS without decisions: every check stays in Rust (src/web/).

/** GET `url` (no `form`) or POST the urlencoded `form` to it, accepting JSON, without credentials.
 * Throws synchronously when `Request` rejects the URL; the promise resolves to `{ status, text, cacheControl }` or
 * rejects with what `fetch` or the body read rejected with. */
export function sendJson(url, form) {
  const headers = { Accept: "application/json" };
  if (form != null) headers["Content-Type"] = "application/x-www-form-urlencoded";
  const request = new Request(url, { method: form == null ? "GET" : "POST", headers, body: form, credentials: "omit" });
  return (async () => {
    const response = await fetch(request);
    return { status: response.status, text: await response.text(), cacheControl: response.headers.get("cache-control") };
  })();
}

/** `new Request(input, init)`, exactly as `fetch(input, init)` builds it; throws as it throws. */
export function newRequest(input, init) {
  return new Request(input, init);
}

/** `fetch(request)` with `Authorization: Bearer <token>` and `redirect: "manual"` when a token is given, after
 * keeping an untouched copy for one retry (a body can be read once). Throws as `Request.clone()` or `Headers.set`
 * throw; resolves to `{ response, status, type, challenge, retry }` (`type`: the response type, "opaqueredirect"
 * for a redirect not followed; `challenge`: the WWW-Authenticate header or null) and rejects as `fetch` rejects. */
export function sendRequest(request, token) {
  const retry = request.clone();
  if (token != null) {
    // With the token attached, redirects are not followed: src/web/http.rs refuses one.
    request = new Request(request, { redirect: "manual" });
    request.headers.set("Authorization", "Bearer " + token);
  }
  return fetch(request).then((response) =>
    ({ response, status: response.status, type: response.type, challenge: response.headers.get("WWW-Authenticate"), retry }));
}

/** WebAuthn options JSON, already checked by src/web/webauthn.rs, converted by the browser's own
 * `PublicKeyCredential.parseCreationOptionsFromJSON` (`create`) or `parseRequestOptionsFromJSON`; throws
 * what the browser throws. Rust has checked that both methods exist. */
export function passkeyOptions(create, options) {
  return create ? PublicKeyCredential.parseCreationOptionsFromJSON(options) : PublicKeyCredential.parseRequestOptionsFromJSON(options);
}

/** The ceremony: `navigator.credentials.create` (`create`) or `.get` with the converted options, the
 * ceremony's `signal` and, when `conditional`, conditional mediation. Resolves to `credential.toJSON()` with
 * `clientExtensionResults` rebuilt from `getClientExtensionResults()`, every binary as base64url (browsers'
 * `toJSON` has shipped without them), or to null when the browser gave no credential; rejects with the
 * browser's error. */
export async function passkey(create, publicKey, signal, conditional) {
  const request = { publicKey, signal };
  if (conditional) request.mediation = "conditional";
  const credential = await navigator.credentials[create ? "create" : "get"](request);
  if (!credential) return null;
  const json = credential.toJSON();
  json.clientExtensionResults = base64url(credential.getClientExtensionResults());
  return json;
}

/** Every ArrayBuffer or view inside `v` (objects and arrays, recursively) as unpadded base64url text. */
function base64url(v) {
  if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) {
    let s = "";
    for (const b of new Uint8Array(v.buffer || v, v.byteOffset || 0, v.byteLength)) s += String.fromCharCode(b);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  if (Array.isArray(v)) return v.map(base64url);
  if (v && typeof v == "object") {
    const out = {};
    for (const k of Object.keys(v)) out[k] = base64url(v[k]);
    return out;
  }
  return v;
}

/** `window.open("", "_blank")` as a popup of `width`×`height` centred over this window: the window, or null when the
 * browser blocked it; throws what `open` throws. */
export function openPopup(width, height) {
  const left = Math.round(screenX + (outerWidth - width) / 2);
  const top = Math.round(screenY + (outerHeight - height) / 2);
  return open("", "_blank", `popup=yes,width=${width},height=${height},left=${left},top=${top}`);
}

/** The callback page's answer `{ type, url }`, posted to `window.opener` with `origin` (this page's own: the URL
 * holds the authorization code, so never "*") as the target, and over the BroadcastChannel `channel` for when
 * Cross-Origin-Opener-Policy severed the opener. Either may be missing; neither failure is reported. */
export function relay(type, url, origin, channel) {
  const message = { type, url };
  try {
    opener?.postMessage(message, origin);
  } catch {}
  try {
    const c = new BroadcastChannel(channel);
    c.postMessage(message);
    c.close();
  } catch {}
}

/** Imported verification keys, by import parameters and public JWK (both JSON text), oldest first: a page
 * verifies tokens of one or two issuers, so 32 is plenty. */
const keys = new Map();

/** `crypto.subtle.importKey("jwk", …)` of `jwk` with `importParams` (once per page and key), then
 * `crypto.subtle.verify(verifyParams, key, signature, data)`: a promise of the boolean, rejected with WebCrypto's
 * error. Parameters and key come from src/core/jwk.rs `verification_plan`, as JSON text. */
export function verifySignature(importParams, jwk, verifyParams, signature, data) {
  const id = importParams + jwk;
  let key = keys.get(id);
  if (!key) {
    key = crypto.subtle.importKey("jwk", JSON.parse(jwk), JSON.parse(importParams), false, ["verify"]);
    keys.set(id, key);
    key.catch(() => keys.delete(id));
    if (keys.size > 32) keys.delete(keys.keys().next().value);
  }
  return key.then((k) => crypto.subtle.verify(JSON.parse(verifyParams), k, signature, data));
}

/** Forget every imported key. */
export function forgetKeys() {
  keys.clear();
}
