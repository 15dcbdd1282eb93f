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

/** Web Storage for the session cache: `local` picks localStorage, else sessionStorage. `value` undefined reads,
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

/** Call `onChange(event)` when another tab writes `key` in localStorage (a StorageEvent) or posts on the
 * BroadcastChannel `name` (a MessageEvent, its `data` the message). Returns `send(message)`: a string is posted to
 * the other tabs, null stops listening. */
export function watch(key, name, onChange) {
  const onStorage = (e) => { if (e.key === key || e.key === null) onChange(e); };
  addEventListener("storage", onStorage);
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
