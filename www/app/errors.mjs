// Errors as people understand them: a title, what to do, and the stable StepUpError code in small
// print for developers. Never a stack trace. Codes are the package's (docs: DESIGN.md, "Errors").

const MESSAGES = {
  popup_blocked: ["The sign-in window was blocked", "Allow popups for this site, or switch to Redirect above and try again."],
  popup_closed: ["The sign-in window was closed", "Nothing changed. Try again when you're ready."],
  popup_timeout: ["The sign-in took too long", "The sign-in window was open for 5 minutes without finishing. Try again."],
  aborted: ["Sign-in cancelled", "Nothing changed."],
  user_mismatch: ["That was another account", "The second factor was completed as someone else. Nothing changed: verify with the account you are signed in with."],
  login_required: ["Please sign in again", "Your kept sign-in ended: it was signed out, expired, or revoked at the identity provider."],
  step_up_required: ["The bank wants a fresh second factor", "The API asked for a stronger sign-in, but the window could not open without a click. Press “Verify now”."],
  acr_not_satisfied: ["The identity provider did not ask for a second factor", "It signed you in, but not at the level this action needs, so nothing was sent. With Auth0, check the post-login Action that enables MFA when acr_values asks for it (docs/DEMO.md)."],
  amr_not_satisfied: ["The identity provider did not ask for a second factor", "Your sign-in did not use the methods this action needs, so nothing was sent."],
  auth_time_too_old: ["That sign-in is too old", "This action needs a sign-in from the last 5 minutes. Try again and verify once more."],
  missing_transaction: ["No sign-in was in progress", "This page was opened without a sign-in of ours, or the sign-in already finished. Start again."],
  state_mismatch: ["This sign-in answer doesn't match ours", "It may be stale or forged. Nothing was sent to the identity provider. Start again."],
  issuer_mismatch: ["The identity provider is not the one configured", "Its discovery document names another issuer. Check STEPUP_ISSUER (Auth0: https://YOUR_DOMAIN/ with the slash)."],
  discovery_failed: ["Can't reach the identity provider", "Its discovery document could not be loaded. Is `npm start` still running? With Auth0, check STEPUP_ISSUER."],
  network_error: ["Network problem", "A request did not get through. Is `npm start` still running? Check your connection and try again."],
  token_request_failed: ["The identity provider refused to issue tokens", "The sign-in finished but exchanging its code failed. Try again."],
  invalid_config: ["The demo is misconfigured", "A setting is missing or wrong; see the details below and docs/DEMO.md."],
  webauthn_not_allowed: ["The passkey prompt was cancelled", "Or it timed out. Try again."],
  webauthn_not_supported: ["This browser does not support passkeys", "Use another factor."],
};

const AUTHORIZATION_ERRORS = {
  access_denied: ["Sign-in cancelled", "You cancelled at the identity provider. Nothing changed."],
  login_required: ["Please sign in", "The identity provider needs you to sign in again."],
  unmet_authentication_requirements: ["The identity provider cannot provide that level", "It has no second factor that meets this request. Check its MFA settings."],
  interaction_required: ["The identity provider needs your input", "Try again; a window or page will ask you."],
};

const TOKEN_CODES = new Set(["malformed_token", "unsupported_algorithm", "invalid_signature", "key_not_found", "invalid_issuer",
  "invalid_audience", "invalid_authorized_party", "token_expired", "token_not_yet_valid", "invalid_issued_at", "nonce_mismatch",
  "missing_claim", "invalid_claim", "unsupported_critical_header", "at_hash_mismatch"]);

/** { title, advice, code, detail } for any thrown value. */
export function explain(err) {
  const code = err?.name === "StepUpError" ? err.code : undefined;
  if (code === "authorization_error") {
    const [title, advice] = AUTHORIZATION_ERRORS[err.error] ?? ["The identity provider said no", err.errorDescription ?? "Try again."];
    return { title, advice, code: `${code}: ${err.error}`, detail: err.errorDescription };
  }
  if (code && MESSAGES[code]) {
    const [title, advice] = MESSAGES[code];
    return { title, advice, code, detail: code === "invalid_config" ? err.message : undefined };
  }
  if (code && TOKEN_CODES.has(code)) {
    return { title: "The sign-in answer failed a security check", advice: "Its ID token was rejected, so it was not used. Try again; if it keeps happening, the provider's configuration is off.", code, detail: err.message };
  }
  if (code?.startsWith("webauthn_")) {
    return { title: "The passkey did not work", advice: "Try again or choose another factor.", code, detail: err.message };
  }
  if (code) return { title: "Something went wrong", advice: "Try again.", code, detail: err.message };
  if (err instanceof TypeError && /fetch|network/i.test(err.message)) return explain({ name: "StepUpError", code: "network_error" });
  if (err?.api) return { title: err.title ?? "The bank could not do that", advice: err.message, code: err.api };
  return { title: "Something went wrong", advice: "Try again. Details are in the browser console.", code: err?.name };
}
