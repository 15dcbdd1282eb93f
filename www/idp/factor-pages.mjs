// Pages of the second-factor step and of enrollment (at sign-in and on /account). Element ids are
// stable for tests: see README.md ("Pages").
import { FACTOR_LABELS } from "./guardian.mjs";
import { errorBox, esc, layout, noticeBox, passkeyScript } from "./pages.mjs";

const CHANNEL_WORDS = { sms: "by text message", voice: "in a phone call", email: "by email" };
const FACTOR_HINTS = {
  otp: "Enter the code your app shows",
  "push-notification": "Approve a request on your phone",
  sms: "Get a code by text message",
  voice: "Get a call that reads a code",
  email: "Get a code by email",
  "recovery-code": "Use one of your saved codes",
};

/** The dev outbox link: where email, text, call and push "arrive". */
export function outboxLink(text = "dev outbox") {
  return `<a id="outbox-link" href="/outbox" target="_blank" rel="noopener">${esc(text)} ↗</a>`;
}

/** A 6-digit code form. */
export function codeForm({ id, action, inputId, buttonId, label, autofocus = true }) {
  return `<form id="${id}" method="post" action="${esc(action)}" autocomplete="off">
    <label for="${inputId}">${esc(label)}</label>
    <input id="${inputId}" name="${inputId === "otp" ? "otp" : "code"}" class="code" inputmode="numeric" pattern="[0-9 ]{6,7}" maxlength="7" placeholder="123456" autocomplete="one-time-code"${autofocus ? " autofocus" : ""} required>
    <button id="${buttonId}" type="submit">Verify</button>
  </form>`;
}

function currentFactorBlock({ uid, factor, challenge, push, username }) {
  const base = `/interaction/${esc(uid)}`;
  switch (factor) {
    case "otp":
      return codeForm({ id: "otp-form", action: `${base}/otp`, inputId: "otp", buttonId: "verify", label: "Code from your authenticator app" });
    case "sms":
    case "voice":
    case "email":
      return `<p class="notice" id="code-sent" role="status">We sent a code ${CHANNEL_WORDS[factor]} to <strong>${esc(challenge?.masked ?? "")}</strong>. Find it in the ${outboxLink()}.</p>
      ${codeForm({ id: "code-form", action: `${base}/code`, inputId: "code", buttonId: "verify-code", label: "Verification code" })}
      <form method="post" action="${base}/factor"><input type="hidden" name="factor" value="${esc(factor)}">
        <button id="resend" class="link" type="submit" style="margin-top:10px">Send a new code</button></form>`;
    case "push-notification":
      return `<p class="notice" role="status">We sent a notification to <strong id="push-device">${esc(push?.device ?? "your phone")}</strong>. Approve it in the ${outboxLink()}.</p>
      <p class="status" id="push-status" aria-live="polite"><span class="spinner" aria-hidden="true"></span>Waiting for your approval…</p>
      <form id="push-form" method="post" action="${base}/push" data-push-id="${esc(push?.id ?? "")}">
        <button id="push-continue" class="secondary" type="submit">I approved it</button>
      </form>
      <script type="module">
        // Poll until the request is decided: approved → finish the sign-in, denied/expired → say so.
        const status = document.getElementById("push-status");
        const form = document.getElementById("push-form");
        const words = { denied: "The request was denied on your phone. Choose another way, or send a new notification below.",
                        expired: "The request expired. Send a new notification below.", unknown: "This request is no longer known. Send a new notification below." };
        async function poll() {
          try {
            const r = await fetch(${JSON.stringify(`${base}/push`)}, { headers: { accept: "application/json" } });
            const { status: s } = await r.json();
            if (s === "approved") { status.textContent = "Approved. Signing you in…"; form.submit(); return; }
            if (words[s]) { status.textContent = words[s]; status.classList.add("error"); return; }
          } catch { /* the provider restarted or the network blinked: try again */ }
          setTimeout(poll, 1000);
        }
        setTimeout(poll, 800);
      </script>`;
    case "recovery-code":
      return `<form id="recovery-form" method="post" action="${base}/recovery" autocomplete="off">
        <label for="recovery-code">Recovery code</label>
        <input id="recovery-code" name="code" placeholder="XXXX-XXXX-XXXX" autocapitalize="characters" spellcheck="false" autofocus required>
        <button id="verify-recovery" type="submit">Verify</button>
      </form>
      <p class="hint">Each recovery code works once. ${esc(username)} can make new ones on the account page.</p>`;
    default:
      return "";
  }
}

/**
 * The second-factor step.
 * @param {object} o
 * @param {string} o.factor the factor asked now (otp, sms, voice, email, push-notification, recovery-code), or null when only passkeys are on
 * @param {string[]} o.others other factors to offer (non-passkey)
 * @param {boolean} o.hasPasskey whether to offer "Use a passkey"
 */
export function factorPage({ uid, error, notice, username, why, factor, others = [], hasPasskey, challenge, push, demoSecret }) {
  const base = `/interaction/${esc(uid)}`;
  const passkey = hasPasskey ? `
  ${factor ? `<p class="or">or</p>` : ""}
  <button id="use-passkey" class="${factor ? "secondary" : ""}" type="button">Use a passkey</button>
  <p id="passkey-status" aria-live="polite"></p>
  ${passkeyScript({ button: "use-passkey", optionsUrl: `${base}/passkey/options`, verifyUrl: `${base}/passkey/verify`, fn: "authenticatePasskey", done: "location.assign(result.location);" })}` : "";
  const choices = others.length ? `
  <details id="other-factors"${factor ? "" : " open"}><summary>Other ways to verify</summary>
    <form method="post" action="${base}/factor"><ul class="choices">
      ${others.map((f) => `<li><button id="factor-${esc(f)}" name="factor" value="${esc(f)}" type="submit">${esc(FACTOR_LABELS[f])}<small>${esc(FACTOR_HINTS[f] ?? "")}</small></button></li>`).join("")}
    </ul></form>
  </details>` : "";
  return layout("Verify it's you", `
  <h1>Verify it's you</h1>
  <p class="sub">${esc(why ?? "This action needs a second factor.")} Signed in as <strong id="who">${esc(username)}</strong>.</p>
  ${errorBox(error)}${noticeBox(notice)}
  ${currentFactorBlock({ uid, factor, challenge, push, username })}
  ${passkey}
  ${choices}
  <p class="hint">${factor === "otp" && demoSecret ? `Demo TOTP secret: <code>${esc(demoSecret)}</code> · ` : ""}Codes and push requests arrive in the ${outboxLink()} · <a id="cancel" href="${base}/cancel">Cancel</a></p>`);
}

/** First second factor, asked during a sign-in when the user has none that can be relied on. */
export function enrollChoicePage({ uid, username, why, error, options, emailFallback, recoveryFallback }) {
  const base = `/interaction/${esc(uid)}`;
  const labels = { otp: ["Authenticator app", "Scan a QR code with Google Authenticator, 1Password, Authy…"], phone: ["Phone number", "Receive codes by text message or phone call"] };
  return layout("Set up a second factor", `
  <h1>Protect your account</h1>
  <p class="sub">${esc(why ?? "This action needs a second factor.")} <strong id="who">${esc(username)}</strong> has none set up yet: choose one.</p>
  ${errorBox(error)}
  <form method="post" action="${base}/enroll"><ul class="choices">
    ${options.map((o) => `<li><button id="enroll-${o}" name="method" value="${o}" type="submit">${esc(labels[o][0])}<small>${esc(labels[o][1])}</small></button></li>`).join("")}
  </ul></form>
  ${emailFallback || recoveryFallback ? `<form method="post" action="${base}/factor" class="hint">
    ${emailFallback ? `<button id="factor-email" class="link" name="factor" value="email" type="submit">Email me a code instead</button>` : ""}
    ${recoveryFallback ? `${emailFallback ? " · " : ""}<button id="factor-recovery-code" class="link" name="factor" value="recovery-code" type="submit">Use a recovery code</button>` : ""}
  </form>` : ""}
  <p class="hint"><a id="cancel" href="${base}/cancel">Cancel</a></p>`);
}

/** Authenticator-app enrollment: QR code, the secret in text, and a code to prove it works. */
export function enrollOtpPage({ action, qrSvg, secret, error, username, cancelUrl, title = "Set up your authenticator app" }) {
  const grouped = secret.replace(/(.{4})/g, "$1 ").trim();
  return layout(title, `
  <h1>${esc(title)}</h1>
  <p class="sub">Scan this QR code with an authenticator app, then enter the 6-digit code it shows.</p>
  ${errorBox(error)}
  <div class="qr" id="totp-qr" role="img" aria-label="QR code holding the authenticator secret for ${esc(username)}">${qrSvg}</div>
  <details><summary>Can't scan it? Type the key</summary>
    <p>Key (base32, SHA-1, 6 digits, 30 s): <code id="totp-secret" data-secret="${esc(secret)}">${esc(grouped)}</code></p></details>
  ${codeForm({ id: "enroll-otp-form", action, inputId: "enroll-code", buttonId: "enroll-verify", label: "Code from your app" })}
  ${cancelUrl ? `<p class="hint"><a id="cancel" href="${esc(cancelUrl)}">Cancel</a></p>` : ""}`);
}

/** Phone enrollment: a number and how to receive codes. */
export function enrollPhonePage({ action, error, number = "", channels, cancelUrl }) {
  return layout("Add a phone", `
  <h1>Add your phone</h1>
  <p class="sub">We'll send a code to check it's yours. The dev provider delivers it to the ${outboxLink()}.</p>
  ${errorBox(error)}
  <form id="phone-form" method="post" action="${esc(action)}" autocomplete="off">
    <label for="phone">Phone number, with country code</label>
    <input id="phone" name="phone" type="tel" value="${esc(number)}" placeholder="+1 202 555 0100" autocomplete="tel" autofocus required>
    ${channels.length > 1 ? `<fieldset style="border:0;padding:0;margin:14px 0 0"><legend style="font-size:.85rem;font-weight:600">Send the code</legend>
      <label style="font-weight:400;display:inline-flex;gap:6px;margin-right:16px"><input type="radio" id="channel-sms" name="channel" value="sms" checked> by text message</label>
      <label style="font-weight:400;display:inline-flex;gap:6px"><input type="radio" id="channel-voice" name="channel" value="voice"> in a phone call</label></fieldset>`
      : `<input type="hidden" name="channel" value="${esc(channels[0])}">`}
    <button id="send-code" type="submit">Send code</button>
  </form>
  ${cancelUrl ? `<p class="hint"><a id="cancel" href="${esc(cancelUrl)}">Cancel</a></p>` : ""}`);
}

/** The code sent to a phone being enrolled. */
export function verifyPhonePage({ action, error, masked, channel, cancelUrl }) {
  return layout("Check your phone", `
  <h1>Check your phone</h1>
  <p class="notice" id="code-sent" role="status">We sent a code ${CHANNEL_WORDS[channel]} to <strong>${esc(masked)}</strong>. Find it in the ${outboxLink()}.</p>
  ${errorBox(error)}
  ${codeForm({ id: "code-form", action, inputId: "code", buttonId: "verify-code", label: "Verification code" })}
  ${cancelUrl ? `<p class="hint"><a id="cancel" href="${esc(cancelUrl)}">Cancel</a></p>` : ""}`);
}

/** Recovery codes, shown this once. */
export function recoveryCodesPage({ codes, action, button = "I saved my codes", intro, method = "post" }) {
  return layout("Save your recovery codes", `
  <h1>Save your recovery codes</h1>
  <p class="sub">${esc(intro ?? "If you lose your phone, each of these codes lets you sign in once.")} They are shown <strong>only now</strong>: copy them somewhere safe.</p>
  <ol class="codes" id="recovery-codes">${codes.map((c) => `<li>${esc(c)}</li>`).join("")}</ol>
  <form method="${method}" action="${esc(action)}"><button id="continue" type="submit">${esc(button)}</button></form>`);
}
