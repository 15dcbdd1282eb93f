// The nearest pair of JS libraries to stepup's scope: OIDC popup/redirect login + passkey ceremonies.
export * from "./oidc-client-ts.js";
export {
  browserSupportsWebAuthn, browserSupportsWebAuthnAutofill, platformAuthenticatorIsAvailable,
  startAuthentication, startRegistration,
} from "./simplewebauthn-browser.js";
