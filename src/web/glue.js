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
