// Fixed facts of the development identity provider: levels, users, the demo client.
// Everything here is for local development and tests only; none of it is a secret worth keeping.

/** Password-only authentication. Our own URN: no standard names a "password level". */
export const ACR_PWD = "urn:stepup:pwd";
/** Auth0's (and PAPE's) multi-factor policy URI: what Auth0 users send in `acr_values` to step up. */
export const ACR_MFA = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";
/** Weakest first: the index is the strength used to compare a session with a request. */
export const ACR_LEVELS = [ACR_PWD, ACR_MFA];

/** The resource indicator (and access-token `aud`) of the demo API when none is asked for. */
export const DEFAULT_API_AUDIENCE = "http://localhost/api";
/**
 * A second API, served by the same provider, that needs a second factor: the token endpoint answers a
 * refresh-token grant for it with Auth0's 403 `{"error":"mfa_required","mfa_token":…}` when the grant's
 * authentication was not multi-factor.
 */
export const MFA_API_AUDIENCE = "http://localhost/mfa-api";
/** Access-token lifetime in seconds when none is configured (`accessTokenTtl`). */
export const DEFAULT_ACCESS_TOKEN_TTL = 600;
/** Scopes the demo API understands; the SPA does not need to ask for them. */
export const API_SCOPES = "api:read api:transfer";

/** The demo SPA's client: public (no secret), PKCE S256 required, code flow only. */
export const DEMO_CLIENT_ID = "stepup-demo";

/**
 * The demo user's TOTP secret, fixed so tests and people can compute codes
 * (`oathtool --totp -b JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP`, or add it to an authenticator app).
 * 20 bytes: otplib 13 refuses secrets shorter than RFC 4226's 128 bits, so the well-known
 * 10-byte `JBSWY3DPEHPK3PXP` is written twice.
 */
export const DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/**
 * Users of the dev provider. Passwords are plain on purpose: this is a demo, not a user store.
 * `enrolled` seeds the factor store the first time it sees the user (see store.mjs): alice has
 * every factor but recovery codes and passkeys (she adds those on /account); bob has none, so
 * his first step-up walks through enrollment (authenticator app with a QR code, or a phone).
 */
export const USERS = {
  alice: {
    sub: "alice",
    password: "password123",
    name: "Alice Example",
    email: "alice@example.com",
    enrolled: {
      totp: { secret: DEMO_TOTP_SECRET },
      phone: { number: "+12025550100" },
      push: { device: "Alice's phone" },
    },
  },
  bob: {
    sub: "bob",
    password: "password123",
    name: "Bob Example",
    email: "bob@example.com",
    enrolled: {},
  },
};

/** WebAuthn relying party: the IdP's pages run on http://localhost:<port>, a secure context. */
export const RP_ID = "localhost";
export const RP_NAME = "stepup dev identity provider";

/**
 * RFC 8176 `amr` values this provider emits:
 * pwd (password), otp (a one-time code: TOTP, an emailed code, a recovery code), sms (a code by
 * text message), tel (a code read out in a phone call), hwk (device-bound passkey), swk (synced
 * passkey, or the approval of a push notification, which an authenticator app signs with a key it
 * keeps in software), user (user verification happened on the authenticator), mfa (two factors).
 */
export const AMR = { pwd: "pwd", otp: "otp", sms: "sms", tel: "tel", hwk: "hwk", swk: "swk", user: "user", mfa: "mfa" };
