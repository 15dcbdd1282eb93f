// stepup/server: the API half of step-up (Node >= 20, ESM, WebCrypto). See docs/SERVER.md.

/** What an operation requires of the user's authentication (the browser client's `StepUpPolicy`). */
export interface StepUpPolicy {
  acr?: string[];
  amr?: { anyOf?: string[]; allOf?: string[] };
  mfa?: boolean;
  /** Seconds since `auth_time`; a token without `auth_time` fails it. */
  maxAge?: number;
}

/** A guard's policy for one operation: a step-up policy and the scopes the token must hold (space-separated). */
export type GuardPolicy = StepUpPolicy & { scope?: string };

/** DPoP proofs already seen (RFC 9449 §11.1), one use each. */
export interface ReplayStore {
  /** `false` when `key` was claimed before and has not expired; throw when the store cannot answer (the guard
   * then fails closed: 503 `replay_store_unavailable`). `expiresAt` is in seconds since the epoch. */
  claim(key: string, expiresAt: number): Promise<boolean>;
}

export interface ApiGuardOptions {
  /** Compared byte for byte with `iss`; discovery (`/.well-known/openid-configuration`) finds the JWKS. */
  issuer: string;
  /** The token's `aud` must contain one of these (RFC 9068 §4). */
  audience: string | string[];
  /** The JWKS URI, instead of discovery. */
  jwksUri?: string;
  /** The JWKS itself: nothing is fetched. */
  jwks?: { keys: object[] };
  /** Access-token algorithms; default ["RS256", "PS256", "ES256"]. `none` and HS* cannot be named. */
  algorithms?: string[];
  /** Clock skew for exp / nbf / iat, seconds; default 60. */
  leeway?: number;
  /** Ordered acr levels, weakest first: an acr at or above the one required satisfies it. */
  acrLevels?: string[];
  /** Provider method names → RFC 8176 values (`{ totp: "otp" }`), applied before the policy. */
  amrAliases?: Record<string, string>;
  /** The acr that means multi-factor, and the one challenges ask for; default the OpenID PAPE multi-factor URI. */
  stepUpAcr?: string;
  /** Where acr / amr / auth_time are read (e.g. an Auth0 Action's namespaced custom claims). */
  claimNames?: { acr?: string; amr?: string; authTime?: string };
  /** Default "allowed". */
  dpop?: "allowed" | "required" | "off";
  /** DPoP proof algorithms; default ["ES256", "PS256", "RS256", "EdDSA"]. */
  dpopAlgorithms?: string[];
  /** How far a proof's iat may be from now, either way, seconds; default 60. */
  dpopIatWindow?: number;
  /** Also accept tokens whose typ is JWT or absent (Auth0's default profile, Okta); default false (RFC 9068 §4). */
  plainJwt?: boolean;
  /** Where proofs' jti are remembered; default `memoryReplayStore()` (one process). */
  replayStore?: ReplayStore;
  /** Seconds between JWKS refetches for an unknown kid; default 60. */
  jwksCooldown?: number;
  /** The fetch to use; default globalThis.fetch. */
  fetch?: typeof fetch;
}

export interface ApiAuth {
  ok: true;
  sub: string;
  acr?: string;
  /** RFC 8176 values after amrAliases. */
  amr: string[];
  authTime?: number;
  /** The granted scopes, space-separated (`scope`, or `scp`). */
  scope?: string;
  scheme: "Bearer" | "DPoP";
  /** Every claim of the token. */
  claims: Record<string, unknown>;
  /** DPoP: the thumbprint of the key the token is bound to. */
  jkt?: string;
  /** DPoP: the proof's nonce, for an API that hands out nonces (RFC 9449 §9) to check. */
  dpopNonce?: string;
}

export interface ApiRejection {
  ok: false;
  /** 400, 401, 403, or 503 (replay store or provider keys unavailable). */
  status: 400 | 401 | 403 | 503;
  /** The failed rule: missing_token, invalid_request, invalid_token, invalid_dpop_proof, insufficient_scope,
   * replay_store_unavailable, discovery_failed, or the token check's code (token_expired, invalid_audience,
   * invalid_signature, key_not_found, acr_not_satisfied, amr_not_satisfied, auth_time_too_old, ...). */
  code: string;
  /** The challenge (RFC 6750, RFC 9470, RFC 9449); undefined for 503. */
  wwwAuthenticate?: string;
  /** The headers to send (WWW-Authenticate). */
  headers: Record<string, string>;
  description: string;
  claim?: string;
}

export interface GuardRequest {
  method: string;
  /** Absolute, as the client saw it (a DPoP proof's htu names it). */
  url: string | URL;
  /** A Headers object or a plain object, any case. */
  headers: Headers | Record<string, string | string[] | undefined>;
}

export interface ApiGuard {
  /** Judge a request. `testing.now` (seconds since the epoch) replaces the clock: a testing hook. */
  check(request: GuardRequest, policy?: GuardPolicy | null, testing?: { now?: number }): Promise<ApiAuth | ApiRejection>;
  /** `(req, res, next)` for Node http, Express and Connect: answers failures with their status, headers and
   * `{ error, message }`; on success sets `req.auth` and calls `next()`. `options.url(req)` gives the URL the
   * client requested when a proxy changes it (default: `req.protocol` or the socket, and the Host header). */
  middleware(policy?: GuardPolicy | null, options?: { url?: (req: any) => string }): (req: any, res: any, next?: (err?: unknown) => void) => void;
}

export function createApiGuard(options: ApiGuardOptions): Promise<ApiGuard>;
export function policyPreset(name: "nist-aal2" | "nist-aal3" | "pci-dss"): StepUpPolicy;
export function memoryReplayStore(options?: { max?: number }): ReplayStore;
/** `client`: a connected node-redis client (npm `redis`), best created with `disableOfflineQueue: true`. */
export function redisReplayStore(client: { set: Function; isReady?: boolean }, options?: { prefix?: string }): ReplayStore;

export class StepUpError extends Error {
  name: "StepUpError";
  code: string;
  claim?: string;
}
