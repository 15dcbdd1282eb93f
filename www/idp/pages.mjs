// Server-rendered pages of the dev identity provider. Small on purpose; element ids are stable
// because the e2e tests click them: #username #password #login #otp #verify #use-passkey
// #add-passkey #error #passkey-status.

export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

const STYLE = `
  *{box-sizing:border-box}
  body{margin:0;min-height:100vh;display:grid;place-items:center;background:#f3f4f6;color:#111827;
       font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
  main{width:min(380px,92vw);background:#fff;border-radius:12px;box-shadow:0 4px 24px rgba(0,0,0,.08);padding:28px}
  h1{font-size:1.25rem;margin:0 0 4px} p.sub{margin:0 0 20px;color:#6b7280;font-size:.9rem}
  label{display:block;font-size:.85rem;font-weight:600;margin:14px 0 4px}
  input{width:100%;padding:10px 12px;border:1px solid #d1d5db;border-radius:8px;font-size:1rem}
  input:focus{outline:2px solid #2563eb;border-color:transparent}
  button{width:100%;margin-top:18px;padding:11px;border:0;border-radius:8px;background:#2563eb;color:#fff;font-size:1rem;font-weight:600;cursor:pointer}
  button.secondary{background:#fff;color:#1f2937;border:1px solid #d1d5db}
  button:disabled{opacity:.6;cursor:default}
  .error{background:#fef2f2;color:#991b1b;border:1px solid #fecaca;border-radius:8px;padding:8px 12px;margin:12px 0 0;font-size:.9rem}
  .hint{color:#6b7280;font-size:.8rem;margin-top:16px}
  .or{text-align:center;color:#9ca3af;font-size:.8rem;margin:18px 0 0}
  ul{padding-left:18px} code{font-size:.85em;background:#f3f4f6;padding:1px 4px;border-radius:4px}
  #passkey-status{min-height:1.2em;font-size:.9rem;color:#374151;margin-top:8px}
`;

export function layout(title, body) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · stepup dev IdP</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

function errorBox(error) {
  return error ? `<p class="error" id="error" role="alert">${esc(error)}</p>` : "";
}

export function loginPage({ uid, username = "", error, why, clientName }) {
  return layout("Sign in", `
  <h1>Sign in</h1>
  <p class="sub">${esc(why ?? `to continue to ${clientName ?? "the app"}`)}</p>
  ${errorBox(error)}
  <form id="login-form" method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
    <label for="username">Username</label>
    <input id="username" name="username" value="${esc(username)}" autocomplete="username"${username ? "" : " autofocus"} required>
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password"${username ? " autofocus" : ""} required>
    <button id="login" type="submit">Sign in</button>
  </form>
  <p class="hint">Demo user: <code>alice</code> / <code>password123</code> · <a id="cancel" href="/interaction/${esc(uid)}/cancel">Cancel</a></p>`);
}

/** Client-side script for passkey ceremonies, using our own package served at /pkg/. */
function passkeyScript({ button, optionsUrl, verifyUrl, fn, done }) {
  return `<script type="module">
  const button = document.getElementById(${JSON.stringify(button)});
  const status = document.getElementById("passkey-status");
  const explain = (e) => ({
    webauthn_not_allowed: "The passkey prompt was cancelled or timed out. Try again.",
    webauthn_already_registered: "This authenticator already holds a passkey for you.",
    webauthn_not_supported: "This browser does not support passkeys.",
    webauthn_invalid_domain: "Passkeys only work on http://localhost or https pages.",
  })[e?.code] ?? (e?.message || String(e));
  async function post(url, body) {
    const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const json = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(json.message || json.error || ("HTTP " + r.status));
    return json;
  }
  button.addEventListener("click", async () => {
    button.disabled = true;
    status.textContent = "Loading…";
    try {
      let pkg;
      try { pkg = await import("/pkg/stepup.js"); await pkg.default(); }
      catch (e) { throw new Error("The stepup package is not built here (run npm run build)."); }
      const options = await post(${JSON.stringify(optionsUrl)}, {});
      status.textContent = "Waiting for your passkey…";
      const response = await pkg.${fn}(options);
      status.textContent = "Checking…";
      const result = await post(${JSON.stringify(verifyUrl)}, response);
      ${done}
    } catch (e) {
      status.textContent = explain(e);
      button.disabled = false;
    }
  });
  </script>`;
}

export function factorPage({ uid, error, username, hasPasskey, why }) {
  return layout("Verify it's you", `
  <h1>Verify it's you</h1>
  <p class="sub">${esc(why ?? "This action needs a second factor.")} Signed in as <strong id="who">${esc(username)}</strong>.</p>
  ${errorBox(error)}
  <form id="otp-form" method="post" action="/interaction/${esc(uid)}/otp" autocomplete="off">
    <label for="otp">Code from your authenticator app</label>
    <input id="otp" name="otp" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" placeholder="123456" autocomplete="one-time-code" autofocus required>
    <button id="verify" type="submit">Verify</button>
  </form>
  ${hasPasskey ? `
  <p class="or">or</p>
  <button id="use-passkey" class="secondary" type="button">Use a passkey</button>
  <p id="passkey-status" aria-live="polite"></p>
  ${passkeyScript({
    button: "use-passkey",
    optionsUrl: `/interaction/${uid}/passkey/options`,
    verifyUrl: `/interaction/${uid}/passkey/verify`,
    fn: "authenticatePasskey",
    done: "location.assign(result.location);",
  })}` : ""}
  <p class="hint">Demo TOTP secret: <code>JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP</code> · <a id="cancel" href="/interaction/${esc(uid)}/cancel">Cancel</a></p>`);
}

export function accountPage({ username, passkeys, signOutUrl }) {
  const items = passkeys.length
    ? passkeys.map((p) => `<li data-credential-id="${esc(p.id)}">${esc(p.deviceType === "multiDevice" ? "Synced passkey" : "Device-bound passkey")} · added ${esc(p.createdAt.slice(0, 10))}</li>`).join("")
    : `<li id="no-passkeys">none yet</li>`;
  return layout("Your sign-in methods", `
  <h1>Your sign-in methods</h1>
  <p class="sub">Signed in as <strong id="who">${esc(username)}</strong>.</p>
  <h2 style="font-size:1rem">Authenticator app (TOTP)</h2>
  <p>Enrolled (demo secret).</p>
  <h2 style="font-size:1rem">Passkeys</h2>
  <ul id="passkeys">${items}</ul>
  <button id="add-passkey" type="button">Add a passkey</button>
  <p id="passkey-status" aria-live="polite"></p>
  ${passkeyScript({
    button: "add-passkey",
    optionsUrl: "/account/passkeys/options",
    verifyUrl: "/account/passkeys/verify",
    fn: "registerPasskey",
    done: 'status.textContent = "Passkey added."; setTimeout(() => location.reload(), 300);',
  })}
  <p class="hint"><a id="sign-out" href="${esc(signOutUrl)}">Sign out</a></p>`);
}

export function messagePage(title, message, { id = "message" } = {}) {
  return layout(title, `<h1>${esc(title)}</h1><p id="${esc(id)}">${esc(message)}</p>`);
}

export function logoutPage(form) {
  // oidc-provider hands us the confirmation form (with its xsrf token). The dev provider does not
  // ask "are you sure": it submits at once, so sign-out stays click-free in tests and the demo.
  return layout("Signing out", `<h1>Signing out…</h1>${form}
  <button id="logout" type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
  <script>document.getElementById("logout").click()</script>`);
}
