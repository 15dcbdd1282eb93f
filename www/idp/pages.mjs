// Server-rendered pages of the dev identity provider: the shared layout and the simple pages.
// Second-factor pages are in factor-pages.mjs, the account page in account-page.mjs, the outbox
// in outbox-page.mjs. Element ids are stable because e2e tests click them (see README.md).

export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

const STYLE = `
  *{box-sizing:border-box}
  :root{--ink:#0f172a;--muted:#64748b;--line:#e2e8f0;--brand:#4f46e5;--brand-ink:#fff;--bg:#f1f5f9;--ok:#047857;--bad:#b91c1c}
  body{margin:0;min-height:100vh;display:flex;flex-direction:column;align-items:center;justify-content:center;gap:14px;
       background:radial-gradient(1200px 600px at 50% -10%,#e0e7ff 0,var(--bg) 60%);color:var(--ink);
       font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;padding:24px 0}
  .brand{font-size:.75rem;letter-spacing:.08em;text-transform:uppercase;color:var(--muted);font-weight:600}
  .brand b{color:var(--brand)}
  main{width:min(400px,92vw);background:#fff;border:1px solid var(--line);border-radius:16px;box-shadow:0 10px 30px rgba(15,23,42,.08);padding:28px}
  main.wide{width:min(640px,94vw)}
  h1{font-size:1.3rem;margin:0 0 4px;letter-spacing:-.01em} h2{font-size:1rem;margin:22px 0 6px}
  p.sub{margin:0 0 18px;color:var(--muted);font-size:.92rem}
  label{display:block;font-size:.85rem;font-weight:600;margin:14px 0 4px}
  input[type=text],input[type=password],input[type=tel],input:not([type]){width:100%;padding:10px 12px;border:1px solid #cbd5e1;border-radius:10px;font-size:1rem;background:#fff}
  input:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid #a5b4fc;outline-offset:1px}
  input.code{font:600 1.35rem/1 ui-monospace,SFMono-Regular,Menlo,monospace;letter-spacing:.3em;text-align:center}
  button,.button{display:block;width:100%;margin-top:16px;padding:11px;border:0;border-radius:10px;background:var(--brand);color:var(--brand-ink);
         font:600 1rem system-ui,sans-serif;cursor:pointer;text-align:center;text-decoration:none}
  button:hover{filter:brightness(1.07)}
  button.secondary,.button.secondary{background:#fff;color:var(--ink);border:1px solid #cbd5e1}
  button.link{background:none;color:var(--brand);padding:0;margin:0;width:auto;display:inline;font-weight:600;font-size:.9rem}
  button.danger{background:#fff;color:var(--bad);border:1px solid #fecaca}
  button:disabled{opacity:.6;cursor:default}
  .error{background:#fef2f2;color:#991b1b;border:1px solid #fecaca;border-radius:10px;padding:9px 12px;margin:12px 0 0;font-size:.9rem}
  .notice{background:#eef2ff;color:#3730a3;border:1px solid #c7d2fe;border-radius:10px;padding:9px 12px;margin:12px 0 0;font-size:.9rem}
  .success{background:#ecfdf5;color:#065f46;border:1px solid #a7f3d0;border-radius:10px;padding:9px 12px;margin:12px 0 0;font-size:.9rem}
  .hint{color:var(--muted);font-size:.8rem;margin-top:18px}
  .or{display:flex;align-items:center;gap:10px;color:#94a3b8;font-size:.8rem;margin:18px 0 0}
  .or::before,.or::after{content:"";flex:1;border-top:1px solid var(--line)}
  .choices{list-style:none;padding:0;margin:8px 0 0;display:grid;gap:8px}
  .choices button{margin:0;text-align:left;background:#fff;color:var(--ink);border:1px solid var(--line);padding:10px 12px;font-weight:600}
  .choices button:hover{border-color:#a5b4fc;background:#f8fafc}
  .choices small{display:block;font-weight:400;color:var(--muted);font-size:.8rem}
  details{margin-top:18px} summary{cursor:pointer;font-size:.9rem;font-weight:600;color:var(--brand)}
  ul{padding-left:18px} code{font:.85em ui-monospace,SFMono-Regular,Menlo,monospace;background:#f1f5f9;padding:1px 5px;border-radius:5px;word-break:break-all}
  .qr{display:flex;justify-content:center;margin:14px 0} .qr svg{width:184px;height:184px;border:1px solid var(--line);border-radius:12px;padding:6px;background:#fff}
  .codes{display:grid;grid-template-columns:1fr 1fr;gap:6px 18px;padding:14px 18px;background:#f8fafc;border:1px dashed #cbd5e1;border-radius:12px;
         font:600 .95rem ui-monospace,SFMono-Regular,Menlo,monospace;list-style:none;margin:12px 0}
  .row{display:flex;justify-content:space-between;align-items:center;gap:12px;padding:10px 0;border-top:1px solid var(--line)}
  .row:first-of-type{border-top:0} .row .what{font-weight:600} .row small{display:block;color:var(--muted);font-weight:400}
  .row form{margin:0} .row button{margin:0;width:auto;padding:7px 12px;font-size:.85rem;white-space:nowrap}
  #passkeys{list-style:none;padding:0;margin:8px 0 0} #passkeys li{padding:8px 0;border-top:1px solid var(--line);font-size:.92rem}
  #passkeys li form{margin:0} #passkeys li button{margin:0;width:auto;padding:7px 12px;font-size:.85rem;white-space:nowrap}
  #no-passkeys{color:var(--muted)}
  .pill{display:inline-block;font-size:.72rem;font-weight:700;padding:2px 8px;border-radius:99px;background:#f1f5f9;color:var(--muted)}
  .pill.on{background:#dcfce7;color:#166534}
  .status{min-height:1.4em;font-size:.9rem;color:#334155;margin-top:10px}
  .spinner{display:inline-block;width:.9em;height:.9em;border:2px solid #c7d2fe;border-top-color:var(--brand);border-radius:50%;animation:spin 1s linear infinite;vertical-align:-2px;margin-right:6px}
  @keyframes spin{to{transform:rotate(1turn)}}
  @media (prefers-reduced-motion:reduce){.spinner{animation:none}}
  #passkey-status{min-height:1.2em;font-size:.9rem;color:#334155;margin-top:8px}
`;

export function layout(title, body, { wide = false, head = "" } = {}) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · stepup dev IdP</title><link rel="icon" href="data:,"><style>${STYLE}</style>${head}</head>
<body><div class="brand" aria-hidden="true"><b>stepup</b> · development identity provider</div>
<main${wide ? ' class="wide"' : ""}>${body}</main></body></html>`;
}

export function errorBox(error) {
  return error ? `<p class="error" id="error" role="alert">${esc(error)}</p>` : "";
}

export function noticeBox(notice, id = "notice") {
  return notice ? `<p class="notice" id="${esc(id)}" role="status">${esc(notice)}</p>` : "";
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
  <p class="hint">Demo users: <code>alice</code> (every factor set up) or <code>bob</code> (none yet), password <code>password123</code> · <a id="cancel" href="/interaction/${esc(uid)}/cancel">Cancel</a></p>`);
}

/** Client-side script for passkey ceremonies, using our own package served at /pkg/. */
export function passkeyScript({ button, optionsUrl, verifyUrl, fn, done }) {
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
