import {
  browserSupportsWebAuthn, browserSupportsWebAuthnAutofill, platformAuthenticatorIsAvailable,
  startAuthentication, startRegistration,
} from "@simplewebauthn/browser";

export { browserSupportsWebAuthn, browserSupportsWebAuthnAutofill, platformAuthenticatorIsAvailable, startAuthentication, startRegistration };

/** Cold start: nothing to construct; the capability check an app makes first. */
export async function start() {
  return browserSupportsWebAuthn();
}
