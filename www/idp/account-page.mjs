// /account: the signed-in user's sign-in methods. Ids for tests: #who, #passkeys
// (li[data-credential-id]), #no-passkeys, #add-passkey, #passkey-status, #sign-out, and per factor
// a row #factor-row-<name> with its buttons (#setup-otp, #setup-phone, #setup-push,
// #new-recovery-codes, #remove-otp, #remove-phone, #remove-push, #forget-devices).
import { maskPhone, passkeyFactor } from "./factors.mjs";
import { FACTOR_LABELS } from "./guardian.mjs";
import { esc, layout, passkeyScript } from "./pages.mjs";

const POLICY_TEXT = {
  none: "A second factor is asked only when an app asks for it (step-up with acr_values).",
  "all-applications": "Policy all-applications: a second factor at every sign-in.",
  "confidence-score": "Policy confidence-score: a second factor on devices you never used one on (and whenever an app asks).",
};

const DONE_TEXT = {
  otp: "Authenticator app set up.",
  "otp-removed": "Authenticator app removed.",
  phone: "Phone added.",
  "phone-removed": "Phone removed.",
  push: "Push notifications enabled for this device.",
  "push-removed": "Push notifications turned off.",
  "passkey-removed": "Passkey removed.",
  devices: "Remembered devices forgotten: the next sign-in on any device asks for a second factor (confidence-score).",
};

function pill(on) {
  return on ? `<span class="pill on">on</span>` : `<span class="pill" title="turned off in www/idp/guardian.json">off in guardian.json</span>`;
}

function action(path, id, label, cls = "secondary", hidden = {}) {
  const fields = Object.entries(hidden).map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join("");
  return `<form method="post" action="${esc(path)}">${fields}<button id="${esc(id)}" class="${cls}" type="submit">${esc(label)}</button></form>`;
}

function row(name, on, detail, buttons) {
  return `<div class="row" id="factor-row-${esc(name)}"><div><span class="what">${esc(FACTOR_LABELS[name] ?? name)}</span> ${pill(on)}<small>${detail}</small></div><div style="display:flex;gap:6px">${buttons}</div></div>`;
}

export function accountPage({ username, email, record, guardian, recoveryLeft, signOutUrl, done, error }) {
  const on = (f) => guardian.factors[f] === true;
  const policy = guardian.policies[0] ?? "none";
  const passkeys = record.passkeys ?? [];
  const items = passkeys.length
    ? passkeys.map((p) => `<li data-credential-id="${esc(p.id)}" style="display:flex;justify-content:space-between;align-items:center;gap:8px">
        <span>${esc(p.deviceType === "multiDevice" ? "Synced passkey" : "Device-bound passkey")} · ${esc(FACTOR_LABELS[passkeyFactor(p)])} · added ${esc(p.createdAt.slice(0, 10))}</span>
        ${action("/account/passkeys/remove", `remove-passkey-${p.id.slice(0, 8)}`, "Remove", "danger", { id: p.id })}</li>`).join("")
    : `<li id="no-passkeys">none yet</li>`;
  return layout("Your sign-in methods", `
  <h1>Your sign-in methods</h1>
  <p class="sub">Signed in as <strong id="who">${esc(username)}</strong>. ${esc(POLICY_TEXT[policy])}</p>
  ${done && DONE_TEXT[done] ? `<p class="success" id="done" role="status">${esc(DONE_TEXT[done])}</p>` : ""}
  ${error ? `<p class="error" id="error" role="alert">${esc(error)}</p>` : ""}
  <h2>Second factors</h2>
  ${row("otp", on("otp"), record.totp ? `Set up ${esc(record.totp.createdAt?.slice(0, 10) ?? "")}` : "Not set up",
    action("/account/otp", "setup-otp", record.totp ? "Replace" : "Set up", record.totp ? "secondary" : "") + (record.totp ? action("/account/otp/remove", "remove-otp", "Remove", "danger") : ""))}
  ${row("sms", on("sms") || on("voice"), record.phone ? `${esc(maskPhone(record.phone.number))} · text message ${on("sms") ? "on" : "off"}, phone call ${on("voice") ? "on" : "off"}` : "No phone",
    action("/account/phone", "setup-phone", record.phone ? "Change" : "Add phone", record.phone ? "secondary" : "") + (record.phone ? action("/account/phone/remove", "remove-phone", "Remove", "danger") : ""))}
  ${row("push-notification", on("push-notification"), record.push ? `${esc(record.push.device)} (requests arrive in the <a href="/outbox" target="_blank" rel="noopener">dev outbox ↗</a>)` : "No device",
    record.push ? action("/account/push/remove", "remove-push", "Remove", "danger") : action("/account/push", "setup-push", "Enable", ""))}
  ${row("email", on("email"), email ? `Codes go to ${esc(email)} (the dev outbox)` : "No email address", "")}
  ${row("recovery-code", on("recovery-code"), recoveryLeft ? `${recoveryLeft} unused code${recoveryLeft === 1 ? "" : "s"}` : "None",
    action("/account/recovery-codes", "new-recovery-codes", recoveryLeft ? "New codes" : "Create codes", recoveryLeft ? "secondary" : ""))}
  <h2>Passkeys</h2>
  <p class="sub" style="margin:0">${pill(on("webauthn-platform"))} on this device (webauthn-platform) · ${pill(on("webauthn-roaming"))} security keys (webauthn-roaming)</p>
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
  <h2>Remembered devices</h2>
  <div class="row"><div><span class="what">${(record.devices ?? []).length} device(s)</span><small>Browsers where you completed a second factor; the confidence-score policy skips the second factor there.</small></div>
    ${action("/account/devices/forget", "forget-devices", "Forget all", "danger")}</div>
  <p class="hint"><a href="/outbox" target="_blank" rel="noopener">Dev outbox ↗</a> · <a id="sign-out" href="${esc(signOutUrl)}">Sign out</a></p>`, { wide: true });
}
