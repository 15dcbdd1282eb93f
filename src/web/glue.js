// Browser primitives behind a few coarse calls, so the wasm imports one function per job instead of a
// shim per Web API member it touches. Plain JS without decisions: every check stays in Rust (src/web/).

/** GET `url` (no `form`) or POST the urlencoded `form` to it, accepting JSON, without credentials, with a `DPoP`
 * header when a key `pair` is given (the proof: `input` signed, see dpopSign). Never follows a redirect (`fetch`
 * rejects one): a token request's code verifier or refresh token must not be re-posted wherever a 307 points, nor
 * a discovery document or JWKS be taken from elsewhere. Throws synchronously when `Request` rejects the URL; the
 * promise resolves to `{ status, text, cacheControl, nonce }` (`nonce`: the DPoP-Nonce header) or rejects with
 * what signing, `fetch` or the body read rejected with. */
export function sendJson(url, form, pair, input) {
  const headers = { Accept: "application/json" };
  if (form != null) headers["Content-Type"] = "application/x-www-form-urlencoded";
  const request = new Request(url, { method: form == null ? "GET" : "POST", headers, body: form, credentials: "omit", redirect: "error" });
  return (async () => {
    if (pair) request.headers.set("DPoP", await dpopSign(pair, input));
    const response = await fetch(request);
    const h = response.headers;
    return { status: response.status, text: await response.text(), cacheControl: h.get("cache-control"), nonce: h.get("dpop-nonce") };
  })();
}

/** `new Request(input, init)`, exactly as `fetch(input, init)` builds it; throws as it throws. */
export function newRequest(input, init) {
  return new Request(input, init);
}

/** `fetch(request)` with `Authorization: Bearer <token>` (or, when a key `pair` is given, `DPoP <token>` and the
 * `DPoP` header: `input` signed, see dpopSign) and `redirect: "manual"` when a token is given, after keeping an
 * untouched copy for one retry (a body can be read once). Throws as `Request.clone()` or `Headers.set` throw;
 * resolves to `{ response, status, type, challenge, nonce, retry }` (`type`: the response type, "opaqueredirect"
 * for a redirect not followed; `challenge`: the WWW-Authenticate header or null; `nonce`: the DPoP-Nonce header
 * or null) and rejects as signing or `fetch` reject. */
export function sendRequest(request, token, pair, input) {
  const retry = request.clone();
  if (token != null) {
    // With the token attached, redirects are not followed: src/web/http.rs refuses one.
    request = new Request(request, { redirect: "manual" });
    request.headers.set("Authorization", (pair ? "DPoP " : "Bearer ") + token);
  }
  return (async () => {
    if (pair) request.headers.set("DPoP", await dpopSign(pair, input));
    const response = await fetch(request);
    const h = response.headers;
    return { response, status: response.status, type: response.type, challenge: h.get("WWW-Authenticate"), nonce: h.get("DPoP-Nonce"), retry };
  })();
}

/** The DPoP key pair (RFC 9449) stored in IndexedDB under `name`, or a new ES256 pair whose private key is not
 * extractable. `op` 0: a new pair, kept nowhere (memory); 1: the stored pair, else a new one stored (IndexedDB);
 * 2: the stored pair, deleted from storage (a redirect's hand-over), else a new one; 3: a new pair stored in place
 * of the stored one. Resolves to `{ pair, x, y, about }` (`x`, `y`: the public key's coordinates; `about`, for a
 * stored pair only: what src/core/dpop.rs `sound_stored_key` judges it by, since anything of the origin can write
 * IndexedDB) and rejects as WebCrypto or IndexedDB reject. */
export async function dpopKey(name, op) {
  let pair = op == 1 || op == 2 ? await idb("readwrite", (s) => s.get(name), op == 2 && ((s) => s.delete(name))) : null;
  let about = null;
  if (pair) {
    const k = pair.privateKey;
    about = [k instanceof CryptoKey && pair.publicKey instanceof CryptoKey, k?.algorithm?.name, k?.algorithm?.namedCurve, k?.extractable, ...(k?.usages ?? [])].join(" ");
  } else {
    pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
    if (op == 3) await idb("readwrite", (s) => s.put(pair, name));
    // `add` fails when another tab stored a pair meanwhile: then both use that one.
    if (op == 1) pair = await idb("readwrite", (s) => s.add(pair, name)).then(() => pair, () => idb("readonly", (s) => s.get(name)));
  }
  // A stored "pair" may be anything: one whose public key cannot be exported is judged by `about` alone.
  const { x, y } = await crypto.subtle.exportKey("jwk", pair.publicKey).catch((e) => { if (!about) throw e; return {}; });
  return { pair, x, y, about };
}

/** Store `pair` under `name` in IndexedDB (a CryptoKey survives structured cloning, still not extractable), then
 * go to `url` (also when storing failed: the redirect callback then finds no pair and says so). */
export function dpopLeave(name, pair, url) {
  idb("readwrite", (s) => s.put(pair, name)).catch(() => {}).then(() => location.assign(url));
}

/** Delete the pair stored under `name` and the hand-overs stored under `name` + "\n" + anything (in the background:
 * IndexedDB runs it before any transaction opened later). */
export function dpopDelete(name) {
  idb("readwrite", (s) => s.delete(name), (s) => s.delete(IDBKeyRange.bound(name + "\n", name + "\n\uffff"))).catch(() => {});
}

/** A DPoP proof: the JWS signing `input` (built by src/core/dpop.rs), ".", and its ES256 signature by `pair`'s
 * private key (WebCrypto's raw r || s is the JWS form, RFC 7518 §3.4) in base64url. */
export async function dpopSign(pair, input) {
  return input + "." + base64url(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, pair.privateKey, new TextEncoder().encode(input)));
}

/** One transaction on the "keys" store of the "stepup-dpop" database: `first`, then `then` when given. Resolves
 * to the result of `first`'s request once the transaction completed. */
function idb(mode, first, then) {
  return new Promise((ok, ko) => {
    const open = indexedDB.open("stepup-dpop", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("keys");
    open.onerror = () => ko(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction("keys", mode);
      const store = tx.objectStore("keys");
      const request = first(store);
      if (then) then(store);
      tx.oncomplete = () => { db.close(); ok(request.result); };
      tx.onerror = tx.onabort = () => { db.close(); ko(tx.error); };
    };
  });
}

/** WebAuthn options JSON, already checked by src/web/webauthn.rs, converted by the browser's own
 * `PublicKeyCredential.parseCreationOptionsFromJSON` (`create`) or `parseRequestOptionsFromJSON`; throws
 * what the browser throws. A browser without that method (Safari before 18.4, Firefox before 119) gets a
 * copy with every binary member of the W3C JSON form decoded, as the method would. */
export function passkeyOptions(create, options) {
  const parse = PublicKeyCredential[create ? "parseCreationOptionsFromJSON" : "parseRequestOptionsFromJSON"];
  if (parse) return parse.call(PublicKeyCredential, options);
  const o = JSON.parse(JSON.stringify(options));
  const { prf = {}, largeBlob } = o.extensions || {};
  // Rust has checked each one is strict base64url, which atob reads once it is plain base64.
  const bytes = (x, k) => {
    if (typeof x?.[k] == "string") x[k] = Uint8Array.from(atob(x[k].replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  };
  bytes(o, "challenge");
  bytes(o.user, "id");
  bytes(largeBlob, "write");
  for (const c of o.excludeCredentials || o.allowCredentials || []) bytes(c, "id");
  for (const v of [prf.eval, ...Object.values(prf.evalByCredential || {})]) {
    bytes(v, "first");
    bytes(v, "second");
  }
  return o;
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
  // Without `toJSON` (the browsers that lack the parse methods), the same members from the credential's attributes
  // and getters (`getTransports()` for `transports`, …), the absent ones left out.
  const json = credential.toJSON ? credential.toJSON() : base64url({ ...pick(credential, "id rawId type authenticatorAttachment"),
    response: pick(credential.response, "clientDataJSON attestationObject authenticatorData publicKey publicKeyAlgorithm transports signature userHandle") });
  json.clientExtensionResults = base64url(credential.getClientExtensionResults());
  return json;
}

/** The members `names` of `o` that are neither null nor undefined, each read as an attribute or through its getter. */
function pick(o, names) {
  const out = {};
  for (const k of names.split(" ")) {
    const get = o["get" + k[0].toUpperCase() + k.slice(1)];
    const v = k in o ? o[k] : get && get.call(o);
    if (v != null) out[k] = v;
  }
  return out;
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

/** `target.addEventListener(kind, f)`; returns the function that removes it. */
export function listen(target, kind, f) {
  target.addEventListener(kind, f);
  return () => target.removeEventListener(kind, f);
}

/** `f(event)` for each message on the BroadcastChannel `name`; returns the function that closes the channel (a no-op
 * where there is no BroadcastChannel or it refuses the name). */
export function channel(name, f) {
  try {
    const c = new BroadcastChannel(name);
    c.onmessage = f;
    return () => c.close();
  } catch {
    return () => {};
  }
}

/** `setTimeout(f, ms)`, or `setInterval(f, ms)` when `repeat`; returns the function that clears it. */
export function timer(ms, repeat, f) {
  const id = repeat ? setInterval(f, ms) : setTimeout(f, ms);
  return () => (repeat ? clearInterval : clearTimeout)(id);
}

/** `new URL(url).origin` ("" when `url` is not a URL), or this page's origin when `url` is undefined. */
export function originOf(url) {
  try {
    return url === undefined ? location.origin : new URL(url).origin;
  } catch {
    return "";
  }
}

/** `history.replaceState(null, "", url)`: this history entry and the address bar now show `url` (nothing when the
 * browser refuses it). */
export function replaceUrl(url) {
  try {
    history.replaceState(null, "", url);
  } catch {}
}

/** A new promise and the functions that settle it: `[promise, resolve, reject]`; `settle` resolves (`ok`) or rejects
 * it with `value`. */
export function deferred() {
  const d = [];
  d[0] = new Promise((resolve, reject) => {
    d[1] = resolve;
    d[2] = reject;
  });
  return d;
}
export function settle(d, ok, value) {
  d[ok ? 1 : 2](value);
}

/** `f([true, value])` once `promise` fulfils, `f([false, reason])` if it rejects. */
export function whenSettled(promise, f) {
  promise.then((v) => f([true, v]), (e) => f([false, e]));
}

/** `globalThis`; and the page's `window` (undefined in a worker). */
export function global() {
  return globalThis;
}
export function page() {
  return typeof window == "object" ? window : undefined;
}

/** `performance.now()`: milliseconds that a change of the system clock does not move. */
export function monotonic() {
  return performance.now();
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

/** Web Storage for the session cache and the redirect transaction: `local` picks localStorage, else sessionStorage. `value` undefined reads,
 * null removes, a string writes. Returns the stored text (after a write: as read back) or null; a storage that
 * throws (disabled, full) reads as null and drops the write, so the session then lives in memory only. */
export function store(local, key, value) {
  try {
    const s = local ? localStorage : sessionStorage;
    if (value === null) s.removeItem(key);
    else if (value !== undefined) s.setItem(key, value);
    return s.getItem(key);
  } catch {
    return null;
  }
}

/** The keys of `store`'s storage that start with `prefix`, one per line ("" for none, or when the storage throws). */
export function storeKeys(local, prefix) {
  try {
    const s = local ? localStorage : sessionStorage;
    const keys = [];
    for (let i = 0; i < s.length; i++) if (s.key(i).startsWith(prefix)) keys.push(s.key(i));
    return keys.join("\n");
  } catch {
    return "";
  }
}

/** Call `onChange(event)` when another tab writes `key` in localStorage (a StorageEvent; no `key`, no storage
 * listener: only localStorage reaches other tabs, and the first one costs a fresh page half a millisecond) or posts
 * on the BroadcastChannel `name` (a MessageEvent, its `data` the message). Returns `send(message)`: a string is
 * posted to the other tabs, null stops listening. */
export function watch(key, name, onChange) {
  const onStorage = (e) => { if (e.key === key || e.key === null) onChange(e); };
  if (key) addEventListener("storage", onStorage);
  const channel = typeof BroadcastChannel == "function" ? new BroadcastChannel(name) : null;
  if (channel) channel.onmessage = onChange;
  return (message) => {
    if (message != null) return channel?.postMessage(message);
    removeEventListener("storage", onStorage);
    channel?.close();
  };
}

/** Wait for the Web Lock `name` (`navigator.locks`; where there is none, nothing is locked). Resolves to the
 * function that releases it, whose `mark` is the newest mark `publish`ed for `name` by any tab (0 for none), read
 * from the lock manager once the lock is held; rejects with the signal's reason when `signal` aborts. */
export function lock(name, signal) {
  const locks = navigator.locks;
  if (!locks) return Promise.resolve(Object.assign(() => {}, { mark: 0 }));
  return new Promise((ok, ko) => {
    locks.request(name, signal ? { signal } : {}, async () => {
      let mark = 0;
      for (const held of (await locks.query()).held) {
        if (held.name.startsWith(name + "#")) mark = Math.max(mark, held.name.slice(name.length + 1));
      }
      return new Promise((release) => ok(Object.assign(release, { mark })));
    }).catch(ko);
  });
}

const published = {};
/** Hold the Web Lock `name#mark` while this page lives, instead of the one it published before for `name`:
 * `lock` in other tabs reads the mark from the lock manager, which (unlike localStorage across processes) is
 * up to date the moment they hold the lock. */
export function publish(name, mark) {
  const before = published[name];
  navigator.locks?.request(`${name}#${mark}`, () => new Promise((release) => (published[name] = release)));
  before?.();
}

/** `value` as JSON text for the wasm's parser (src/web/json.rs `from_js`), without its own members named in `skip`
 * (space-separated: dropped by the replacer, so what they hold need not be JSON), or `undefined` when JSON cannot
 * hold it: a function, symbol or bigint anywhere else in it, a cycle, or a getter or `toJSON` that throws. */
export function jsonText(value, skip) {
  const names = skip ? skip.split(" ") : [];
  try {
    return JSON.stringify(value, function (k, v) {
      if (this === value && names.includes(k)) return undefined;
      const t = typeof v;
      if (t === "function" || t === "symbol" || t === "bigint") throw 0;
      return v;
    });
  } catch {
    return undefined;
  }
}

/** The thrown `StepUpError` (src/js/error.rs): an `Error` with `name` "StepUpError", the members of `fields` (JSON text:
 * `code`, and `claim`, `error`, `errorDescription`, `acrValues`, `maxAge` when set) and `cause` unless undefined. */
export function stepUpError(message, fields, cause) {
  const e = Object.assign(new Error(message), JSON.parse(fields));
  e.name = "StepUpError";
  if (cause !== undefined) e.cause = cause;
  return e;
}

/** handleRedirectCallback's result: `{ session }`, and `appState` (the value given to the login, stored as JSON
 * text) unless there is none or the stored text no longer parses. */
export function redirectResult(session, appState) {
  try {
    return appState == null ? { session } : { session, appState: JSON.parse(appState) };
  } catch {
    return { session };
  }
}

/** The package's `isStepUpError` (re-exported by its main entry, see scripts/build.mjs): whether `e` is an error
 * stepUpError made, for `catch (e)`. False for anything whose inspection throws (a revoked Proxy, a throwing getter). */
export function isStepUpError(e) {
  try {
    return e instanceof Error && e.name === "StepUpError" && typeof e.code === "string";
  } catch {
    return false;
  }
}
