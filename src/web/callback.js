// The popup's callback page: hand the provider's answer to the window that opened the popup, then close.
// Plain JS with no import, so the npm package's `stepup/callback` entry relays without loading the wasm
// (the popup closes as soon as the page runs); the wasm's `handlePopupCallback` and the Rust
// `relay_callback` call this same function. It decides nothing about the answer: the opener checks
// everything (state, iss, error, code) before any request (src/web/flow.rs).
//
// The message and the channel name are those src/web/popup.rs listens for (MESSAGE_TYPE, CHANNEL_PREFIX).

/** OAuth response parameters (RFC 6749 §4.1.2 and §4.1.2.1, RFC 9207): where they are is where the answer is. */
const RESPONSE = ["code", "state", "iss", "error", "error_description", "error_uri"];

/**
 * Relay this page's authorization response: `{ type: "stepup:callback", url }` to `window.opener` with this
 * page's own origin as the target (the URL holds the code, so never "*"), and over the BroadcastChannel
 * `stepup:<state>` for when Cross-Origin-Opener-Policy severed the opener, with the flow's channel secret: the
 * opener wrote it to its sessionStorage under the channel's name before opening this popup, which holds a copy
 * (a page not opened by the flow has none, and the opener ignores its message). Then the response is removed
 * from the address bar and history, and the popup closes. Returns whether there was an answer to relay: none
 * without exactly one non-empty `state`.
 */
export function handlePopupCallback() {
  const query = new URLSearchParams(location.search);
  const params = RESPONSE.some((n) => query.has(n)) ? query : new URLSearchParams(location.hash.slice(1));
  const states = params.getAll("state");
  if (states.length !== 1 || !states[0]) return false;
  const name = `stepup:${states[0]}`;
  const message = { type: "stepup:callback", url: location.href };
  try {
    opener?.postMessage(message, location.origin);
  } catch {}
  try {
    const secret = sessionStorage.getItem(name);
    sessionStorage.removeItem(name);
    const channel = new BroadcastChannel(name);
    channel.postMessage({ ...message, secret });
    channel.close();
  } catch {}
  // The code must not stay in this window's history, should it stay open.
  history.replaceState(null, "", location.pathname);
  close();
  return true;
}
