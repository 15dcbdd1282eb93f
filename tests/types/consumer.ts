// A typed consumer of the `stepup` npm package, compiled with `tsc --noEmit --strict` (and stricter flags,
// see tsconfig.json). It touches every export and every option, result and error type of the contract
// (DESIGN.md), checks that no public signature is `any`, and that wrong calls do NOT compile
// (`@ts-expect-error` fails the build when the line it guards compiles, e.g. because a type became `any`).
import init, {
  authenticatePasskey,
  decodeJwt,
  evaluateStepUp,
  handlePopupCallback,
  parseStepUpChallenge,
  registerPasskey,
  StepUpClient,
  validateIdTokenClaims,
  verifyIdToken,
  webauthnSupport,
} from "stepup";
import { handlePopupCallback as relayWithoutWasm } from "stepup/callback";
import type {
  AuthenticatePasskeyOptions,
  AuthenticationResponseJSON,
  AuthorizeOptions,
  ClaimExpectations,
  ClientConfig,
  DecodedJwt,
  IdTokenClaims,
  JoseHeader,
  LogoutOptions,
  PopupLoginOptions,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RedirectCallbackResult,
  RedirectLoginOptions,
  RegisterPasskeyOptions,
  RegistrationResponseJSON,
  RequireStepUpOptions,
  Session,
  StepUpChallenge,
  StepUpDecision,
  StepUpError,
  StepUpErrorCode,
  StepUpPolicy,
  StepUpReason,
  VerifyExpectations,
  WebAuthnSupport,
} from "stepup";

// ---------------------------------------------------------------- type-level helpers
type IsAny<T> = 0 extends 1 & T ? true : false;
type Assert<T extends true> = T;
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Keys of T whose type is `any` (must be `never`). */
type AnyMembers<T> = { [K in keyof T]-?: IsAny<T[K]> extends true ? K : never }[keyof T];
type NoAnyMembers<T> = Equals<AnyMembers<T>, never>;
/** True when a function type has no `any` parameter and no `any` (or Promise<any>) result. */
type NoAnyFn<F> = F extends (...args: infer P) => infer R
  ? true extends { [I in keyof P]: IsAny<P[I]> }[number]
    ? false
    : IsAny<R> extends true ? false : IsAny<Awaited<R>> extends true ? false : true
  : false;

// No export's signature is `any` (init is wasm-bindgen's own: its InitOutput lists raw wasm exports).
export type _noAny = [
  Assert<NoAnyFn<typeof decodeJwt>>,
  Assert<NoAnyFn<typeof validateIdTokenClaims>>,
  Assert<NoAnyFn<typeof evaluateStepUp>>,
  Assert<NoAnyFn<typeof parseStepUpChallenge>>,
  Assert<NoAnyFn<typeof verifyIdToken>>,
  Assert<NoAnyFn<typeof handlePopupCallback>>,
  Assert<NoAnyFn<typeof relayWithoutWasm>>,
  Assert<NoAnyFn<typeof registerPasskey>>,
  Assert<NoAnyFn<typeof authenticatePasskey>>,
  Assert<NoAnyFn<typeof webauthnSupport>>,
  Assert<NoAnyFn<typeof StepUpClient.create>>,
  Assert<NoAnyFn<StepUpClient["loginWithPopup"]>>,
  Assert<NoAnyFn<StepUpClient["loginWithRedirect"]>>,
  Assert<NoAnyFn<StepUpClient["handleRedirectCallback"]>>,
  Assert<NoAnyFn<StepUpClient["requireStepUp"]>>,
  Assert<NoAnyFn<StepUpClient["fetch"]>>,
  Assert<NoAnyFn<StepUpClient["dpopProof"]>>,
  Assert<Equals<StepUpClient["dpopThumbprint"], string | undefined>>,
  Assert<NoAnyFn<StepUpClient["logout"]>>,
  Assert<NoAnyFn<StepUpClient["getAccessToken"]>>,
  Assert<NoAnyFn<StepUpClient["onSessionChange"]>>,
  Assert<Equals<StepUpClient["session"], Session | null>>,
  // No option/result member is `any`.
  Assert<NoAnyMembers<ClaimExpectations>>,
  Assert<NoAnyMembers<VerifyExpectations>>,
  Assert<NoAnyMembers<ClientConfig>>,
  Assert<NoAnyMembers<AuthorizeOptions>>,
  Assert<NoAnyMembers<PopupLoginOptions>>,
  Assert<NoAnyMembers<RedirectLoginOptions>>,
  Assert<NoAnyMembers<RequireStepUpOptions>>,
  Assert<NoAnyMembers<LogoutOptions>>,
  Assert<NoAnyMembers<StepUpPolicy>>,
  Assert<NoAnyMembers<StepUpDecision>>,
  Assert<NoAnyMembers<StepUpChallenge>>,
  Assert<NoAnyMembers<Session>>,
  Assert<NoAnyMembers<RedirectCallbackResult>>,
  Assert<NoAnyMembers<DecodedJwt>>,
  Assert<NoAnyMembers<JoseHeader>>,
  Assert<NoAnyMembers<IdTokenClaims>>,
  Assert<NoAnyMembers<StepUpError>>,
  Assert<NoAnyMembers<WebAuthnSupport>>,
  Assert<NoAnyMembers<RegistrationResponseJSON>>,
  Assert<NoAnyMembers<AuthenticationResponseJSON>>,
  Assert<NoAnyMembers<RegisterPasskeyOptions>>,
  Assert<NoAnyMembers<AuthenticatePasskeyOptions>>,
  // Result shapes of the contract.
  Assert<Equals<Session["amr"], string[]>>,
  Assert<Equals<Session["claims"], IdTokenClaims>>,
  Assert<Equals<StepUpDecision["reasons"], StepUpReason[]>>,
  Assert<Equals<ReturnType<typeof parseStepUpChallenge>, StepUpChallenge | null>>,
  Assert<Equals<ReturnType<typeof verifyIdToken>, Promise<IdTokenClaims>>>,
  Assert<Equals<ReturnType<typeof webauthnSupport>, Promise<WebAuthnSupport>>>,
  Assert<Equals<StepUpError["name"], "StepUpError">>,
  Assert<Equals<StepUpError["code"], StepUpErrorCode>>,
];

// ---------------------------------------------------------------- errors
/** The package throws plain Errors with name "StepUpError": this guard is how an app narrows them. */
export function isStepUpError(e: unknown): e is StepUpError {
  return e instanceof Error && e.name === "StepUpError" && typeof (e as { code?: unknown }).code === "string";
}

/** Every code of DESIGN.md, handled; `never` at the end fails when the union gains or loses a code. */
export function advice(e: StepUpError): "retry" | "login" | "fix-config" | "tell-user" | "ignore" {
  switch (e.code) {
    case "malformed_token": case "unsupported_algorithm": case "invalid_signature": case "key_not_found":
    case "invalid_issuer": case "invalid_audience": case "invalid_authorized_party": case "token_expired":
    case "token_not_yet_valid": case "invalid_issued_at": case "nonce_mismatch": case "missing_claim":
    case "invalid_claim": case "unsupported_critical_header": case "at_hash_mismatch":
      return "login";
    case "auth_time_too_old": case "acr_not_satisfied": case "amr_not_satisfied": case "step_up_required": {
      const acr: string[] | undefined = e.acrValues;
      const maxAge: number | undefined = e.maxAge;
      return acr || maxAge !== undefined ? "login" : "tell-user";
    }
    case "invalid_config": case "discovery_failed": case "issuer_mismatch":
      return "fix-config";
    case "state_mismatch": case "missing_transaction": case "popup_closed": case "aborted":
      return "ignore";
    case "authorization_error": case "token_request_failed": {
      const oauth: [string | undefined, string | undefined] = [e.error, e.errorDescription];
      return oauth[0] === "access_denied" ? "ignore" : "tell-user";
    }
    case "network_error": case "popup_timeout":
      return "retry";
    case "popup_blocked": case "user_mismatch":
      return "tell-user";
    case "login_required":
      return "login";
    case "webauthn_not_supported": case "webauthn_aborted": case "webauthn_not_allowed":
    case "webauthn_already_registered": case "webauthn_invalid_domain": case "webauthn_invalid_rp_id":
    case "webauthn_unsupported_algorithm": case "webauthn_constraint": case "webauthn_invalid_options":
    case "webauthn_failed": {
      const cause: unknown = e.cause;
      return cause instanceof DOMException && cause.name === "AbortError" ? "ignore" : "tell-user";
    }
    default: {
      const unhandled: never = e.code;
      return unhandled;
    }
  }
}

// ---------------------------------------------------------------- the exports, as an app calls them
const ISSUER = "https://tenant.example.auth0.com/";
const MFA = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";

export async function start(wasmUrl?: URL): Promise<void> {
  await init();
  await init(wasmUrl ? { module_or_path: wasmUrl } : undefined);
}

export function tokens(idToken: string, accessToken: string): string | undefined {
  const decoded: DecodedJwt = decodeJwt(idToken);
  const header: JoseHeader = decoded.header;
  const alg: string = header.alg;
  const kid: string | undefined = header.kid;

  const expect: ClaimExpectations = {
    issuer: ISSUER,
    clientId: "spa",
    nonce: "n-0S6_WzA2Mj",
    maxAge: 300,
    acrValues: [MFA],
    leeway: 0,
    now: Math.floor(Date.now() / 1000),
    algorithms: ["RS256", "ES256"],
    accessToken,
  };
  const claims: IdTokenClaims = validateIdTokenClaims(idToken, expect);
  const iss: string = claims.iss;
  const aud: string | string[] = claims.aud;
  const exp: number = claims.exp;
  const authTime: number | undefined = claims.auth_time;
  const amr: string[] | undefined = claims.amr;
  const custom: unknown = claims["https://example.com/roles"];

  const policy: StepUpPolicy = { acr: [MFA], amr: { anyOf: ["otp", "hwk"], allOf: ["pwd"] }, mfa: true, maxAge: 600 };
  const decision: StepUpDecision = evaluateStepUp(claims, policy, Math.floor(Date.now() / 1000));
  const reasons: StepUpReason[] = decision.reasons;
  const again: string[] | undefined = decision.acrValues;
  const within: number | undefined = decision.maxAge;
  evaluateStepUp({ acr: "urn:pwd", amr: ["pwd"] }, { mfa: true }, undefined);

  const challenge = parseStepUpChallenge(
    'Bearer error="insufficient_user_authentication", acr_values="' + MFA + '", max_age="300"',
  );
  if (challenge) {
    const c: StepUpChallenge = challenge;
    const words: [string, string, string | undefined, string[] | undefined, number | undefined] =
      [c.scheme, c.error, c.errorDescription, c.acrValues, c.maxAge];
    const claimsRequest: Record<string, unknown> | undefined = c.claims;
    void [words, claimsRequest];
  }
  void [alg, kid, iss, aud, exp, authTime, amr, custom, reasons, again, within, decision.satisfied];
  return claims.sub;
}

export async function verify(idToken: string, jwks: { keys: JsonWebKey[] }): Promise<IdTokenClaims> {
  const inline: VerifyExpectations = { issuer: ISSUER, clientId: "spa", jwks, algorithms: ["ES256"] };
  const remote: VerifyExpectations = { issuer: ISSUER, clientId: "spa", jwksUri: ISSUER + ".well-known/jwks.json" };
  try {
    return await verifyIdToken(idToken, inline);
  } catch (e) {
    if (isStepUpError(e) && e.code === "key_not_found") return verifyIdToken(idToken, remote);
    throw e;
  }
}

export async function client(button: HTMLButtonElement, signal: AbortSignal): Promise<void> {
  const config: ClientConfig = {
    issuer: ISSUER,
    clientId: "spa",
    redirectUri: location.origin + "/callback",
    popupRedirectUri: location.origin + "/popup-callback.html",
    scope: "openid profile email",
    audience: "https://api.example.com",
    leeway: 30,
    popupTimeoutSeconds: 120,
    metadata: { issuer: ISSUER, authorization_endpoint: ISSUER + "authorize", token_endpoint: ISSUER + "oauth/token" },
    algorithms: ["RS256"],
    stepUpAcr: MFA,
    apiOrigins: ["https://api.example.com"],
    amrAliases: { password: "pwd", totp: "otp", webauthn: "hwk" },
    acrLevels: ["loa-1", "loa-2", "loa-3"],
    useDpop: true,
    cacheLocation: "localStorage",
    useRefreshTokens: true,
  };
  const c: StepUpClient = await StepUpClient.create(config);
  const token: string = await c.getAccessToken();
  const token2: string = await c.getAccessToken({ audience: "https://api2.example.com", scope: "read", signal });
  const unsubscribe: () => void = c.onSessionChange((s: Session | null) => console.log(s?.acr));
  unsubscribe();
  const jkt: string | undefined = c.dpopThumbprint;
  const proof: string = await c.dpopProof("GET", "https://api.example.com/balance");
  const proof2: string = await c.dpopProof("POST", new URL("https://api.example.com/transfer"), { nonce: "server-nonce", accessToken: "at" });
  void [token, token2, jkt, proof, proof2];
  const current: Session | null = c.session;
  if (current) {
    const s: Session = current;
    const fields: [string, string | undefined, string | undefined, number | undefined, string | undefined,
      IdTokenClaims, string | undefined, string[], number | undefined] =
      [s.idToken, s.accessToken, s.tokenType, s.expiresAt, s.scope, s.claims, s.acr, s.amr, s.authTime];
    void fields;
  }

  const authorize: AuthorizeOptions = {
    acrValues: [MFA], maxAge: 0, prompt: "login", loginHint: "alice@example.com", essentialAcr: true,
    extraParams: { ui_locales: "fr" }, scope: "openid mfa",
  };
  const popup: PopupLoginOptions = { ...authorize, signal };
  const redirect: RedirectLoginOptions = { ...authorize, appState: { returnTo: "/transfer" } };
  const stepUp: RequireStepUpOptions = { mode: "popup", signal, appState: { step: 2 }, scope: "openid mfa" };

  button.addEventListener("click", async () => {
    try {
      const s1: Session = await c.loginWithPopup(popup);
      const s2: Session = await c.requireStepUp({ mfa: true, maxAge: 300 }, stepUp);
      const s3: Session = await c.requireStepUp({ acr: [MFA] });
      const r: Response = await c.fetch("/api/transfer", { method: "POST", body: JSON.stringify({ amount: 25 }) });
      const r2: Response = await c.fetch(new URL("/api/balance", location.href));
      const r3: Response = await c.fetch(new Request("/api/balance"));
      void [s1, s2, s3, r, r2, r3];
    } catch (e) {
      if (isStepUpError(e)) console.log(advice(e), e.message, e.claim);
    }
  });
  await c.loginWithRedirect(redirect);
  await c.loginWithRedirect();
  const back: RedirectCallbackResult = await c.handleRedirectCallback();
  const back2: RedirectCallbackResult = await c.handleRedirectCallback(location.href);
  const appState: unknown = back.appState;
  const logout: LogoutOptions = { returnTo: location.origin };
  await c.logout(logout);
  await c.logout();
  void [back2, appState];
  c.free();
}

export function callbackPage(): void {
  handlePopupCallback();
  // stepup/callback: no init, and it says whether there was an answer to relay.
  const relayed: boolean = relayWithoutWasm();
  // @ts-expect-error it takes no argument
  relayWithoutWasm("url");
  void relayed;
}

export async function passkeys(signal: AbortSignal): Promise<void> {
  const support: WebAuthnSupport = await webauthnSupport();
  if (!support.webauthn) return;
  const creation: PublicKeyCredentialCreationOptionsJSON = {
    rp: { id: "example.com", name: "Example" },
    user: { id: "dXNlci0x", name: "alice", displayName: "Alice" },
    challenge: "Y2hhbGxlbmdl",
    pubKeyCredParams: [{ type: "public-key", alg: -7 }, { type: "public-key", alg: -257 }],
    timeout: 60000,
    excludeCredentials: [{ type: "public-key", id: "Y3JlZA", transports: ["internal", "hybrid"] }],
    authenticatorSelection: { residentKey: "required", userVerification: "required", authenticatorAttachment: "platform" },
    hints: ["client-device"],
    attestation: "none",
    extensions: { credProps: true, prf: { eval: { first: "c2FsdA" } } },
  };
  const reg: RegistrationResponseJSON = await registerPasskey(creation, { signal });
  const transports = reg.response.transports;
  const prfEnabled: boolean | undefined = reg.clientExtensionResults.prf?.enabled;

  const request: PublicKeyCredentialRequestOptionsJSON = {
    challenge: "Y2hhbGxlbmdl", rpId: "example.com", userVerification: "preferred",
    allowCredentials: [{ type: "public-key", id: reg.rawId }],
  };
  const options: AuthenticatePasskeyOptions = { conditional: support.conditionalMediation, signal };
  const auth: AuthenticationResponseJSON = await authenticatePasskey(request, options);
  const sig: string = auth.response.signature;
  const userHandle: string | undefined = auth.response.userHandle;
  await authenticatePasskey(request);
  void [transports, prfEnabled, sig, userHandle, support.platformAuthenticator];
}

// ---------------------------------------------------------------- calls that must NOT compile
export async function wrong(c: StepUpClient, token: string): Promise<void> {
  // @ts-expect-error clientId is required
  validateIdTokenClaims(token, { issuer: ISSUER });
  // @ts-expect-error leeway is a number of seconds
  validateIdTokenClaims(token, { issuer: ISSUER, clientId: "spa", leeway: "60" });
  // @ts-expect-error the token is a string
  decodeJwt(42);
  // @ts-expect-error mfa is a boolean
  evaluateStepUp({}, { mfa: "yes" }, 0);
  // @ts-expect-error amr policy is { anyOf?, allOf? }
  evaluateStepUp({}, { amr: ["otp"] }, 0);
  // @ts-expect-error redirectUri is required
  await StepUpClient.create({ issuer: ISSUER, clientId: "spa" });
  // @ts-expect-error the constructor is private: use StepUpClient.create
  new StepUpClient();
  // @ts-expect-error mode is "popup" or "redirect"
  await c.requireStepUp({ mfa: true }, { mode: "tab" });
  // @ts-expect-error acrValues is a list
  await c.loginWithPopup({ acrValues: MFA });
  // @ts-expect-error extraParams values are strings
  await c.loginWithRedirect({ extraParams: { max: 1 } });
  // @ts-expect-error amrAliases maps names to one RFC 8176 value each
  await StepUpClient.create({ ...config, amrAliases: { totp: ["otp"] } });
  // @ts-expect-error scope is a space-separated string
  await c.requireStepUp({ mfa: true }, { scope: ["openid", "mfa"] });
  // @ts-expect-error session is read-only
  c.session = null;
  // @ts-expect-error the DPoP key's thumbprint is read-only
  c.dpopThumbprint = "x";
  // @ts-expect-error dpopProof takes its nonce in an options object
  await c.dpopProof("GET", "https://api.example.com/", "nonce");
  // @ts-expect-error useDpop is a boolean
  await StepUpClient.create({ issuer: ISSUER, clientId: "spa", redirectUri: "https://app.example/cb", useDpop: "yes" });
  // @ts-expect-error cacheLocation is one of three names
  await StepUpClient.create({ issuer: ISSUER, clientId: "spa", redirectUri: "/", cacheLocation: "cookie" });
  // @ts-expect-error the listener gets a Session or null
  c.onSessionChange((s: string) => s);
  // @ts-expect-error verifyIdToken resolves to claims, not a Session
  const s: Session = await verifyIdToken(token, { issuer: ISSUER, clientId: "spa", jwksUri: "x" });
  // @ts-expect-error not a code of the contract
  const code: StepUpErrorCode = "mfa_required";
  // @ts-expect-error pubKeyCredParams is required
  await registerPasskey({ rp: { name: "x" }, user: { id: "a", name: "b", displayName: "c" }, challenge: "x" });
  // @ts-expect-error the W3C JSON form carries base64url strings, not ArrayBuffers
  await authenticatePasskey({ challenge: new ArrayBuffer(8) });
  void [s, code];
}
