//! TypeScript declarations for the contract's option, result and error types (DESIGN.md), emitted into
//! `pkg/stepup.d.ts`. The exports refer to them through `unchecked_param_type` / `unchecked_return_type`,
//! so no public signature is `any`.

use wasm_bindgen::prelude::*;

/// `StepUpErrorCode`, generated from `ErrorCode::ALL` (core/error.rs).
#[wasm_bindgen(typescript_custom_section)]
const ERROR_CODES: &str = crate::core::error::ErrorCode::TYPESCRIPT;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"

/** What every stepup function throws (an `Error` with `name === "StepUpError"`). */
export interface StepUpError extends Error {
  name: "StepUpError";
  code: StepUpErrorCode;
  /** The claim or option member a check failed on. */
  claim?: string;
  /** OAuth `error` from the provider. */
  error?: string;
  /** OAuth `error_description` from the provider. */
  errorDescription?: string;
  /** What to request to satisfy the policy (step-up errors, `step_up_required`). */
  acrValues?: string[];
  maxAge?: number;
  /** The original DOMException or TypeError from the browser. */
  cause?: unknown;
}

export interface JoseHeader { alg: string; kid?: string; typ?: string; crit?: string[]; [member: string]: unknown }

/** ID token claims: the registered ones typed, every other claim kept. */
export interface IdTokenClaims {
  iss: string; sub: string; aud: string | string[]; exp: number; iat: number;
  nbf?: number; auth_time?: number; nonce?: string; acr?: string; amr?: string[]; azp?: string;
  at_hash?: string; sid?: string;
  [claim: string]: unknown;
}

export interface DecodedJwt { header: JoseHeader; claims: Record<string, unknown> }

export interface ClaimExpectations {
  issuer: string; clientId: string; nonce?: string; maxAge?: number; acrValues?: string[];
  /** Seconds of clock skew allowed; default 60; 0 means 0. */
  leeway?: number;
  /** Seconds since the epoch; default: now. */
  now?: number;
  /** Default ["RS256", "PS256", "ES256"]; "none" and HS* are never accepted. */
  algorithms?: string[];
  /** Checks `at_hash` when the token has one. */
  accessToken?: string;
  /** Audiences the token may carry besides clientId (then azp must be clientId); any other is invalid_audience. */
  trustedAudiences?: string[];
}

export interface VerifyExpectations extends ClaimExpectations {
  /** A JWK Set (`{ keys: [...] }`) to verify with; or */
  jwks?: { keys: object[] };
  /** the URL to fetch it from. */
  jwksUri?: string;
}

export interface StepUpPolicy {
  /** Acceptable `acr` values, any one. */
  acr?: string[];
  amr?: { anyOf?: string[]; allOf?: string[] };
  /** `amr` has `mfa`, or factors of two RFC 8176 categories, or `acr` is the step-up acr. */
  mfa?: boolean;
  /** Seconds since `auth_time` after which the user must authenticate again. */
  maxAge?: number;
}

export type StepUpReason =
  | "acr_not_satisfied" | "amr_not_satisfied" | "mfa_not_satisfied"
  | "auth_time_missing" | "auth_time_too_old" | "auth_time_in_future";

export interface StepUpDecision { satisfied: boolean; reasons: StepUpReason[]; acrValues?: string[]; maxAge?: number }

export interface StepUpChallenge {
  scheme: string;
  /** "insufficient_user_authentication" (RFC 9470) or "insufficient_claims" (Microsoft Entra ID). */
  error: string;
  errorDescription?: string;
  /** RFC 9470's acr_values; for insufficient_claims, the acr / acrs values its claims request names. */
  acrValues?: string[];
  maxAge?: number;
  /** insufficient_claims: the decoded claims request, e.g. { access_token: { acrs: { essential: true, value: "c1" } } }. */
  claims?: Record<string, unknown>;
}
"#;
