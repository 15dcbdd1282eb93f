//! # stepup-server
//!
//! The API half of step-up authentication: an access-token guard with the same rules as the `stepup`
//! browser client, so that **the challenge an API sends is exactly the one the client answers**.
//!
//! [`ApiGuard::check`] takes a request's method, URL and headers and an operation's [`GuardPolicy`] (a
//! [`StepUpPolicy`] and a scope) and answers [`ApiAuth`] or a [`Rejection`]:
//! - no token → 401 with a bare `Bearer` (and `DPoP`) challenge;
//! - a bad token (signature, `alg`, `typ`, `iss`, `aud`, `exp` / `nbf` / `iat`, a DPoP-bound token sent as
//!   Bearer) → 401 `error="invalid_token"`;
//! - too weak or too old (`acr` / `amr` / `auth_time`, RFC 9068 §2.2.1) → 401
//!   `error="insufficient_user_authentication"` with `acr_values` and `max_age` (RFC 9470 §3);
//! - a scope missing → 403 `error="insufficient_scope"`;
//! - a DPoP proof missing or wrong, or replayed → 401 `DPoP error="invalid_dpop_proof"` (RFC 9449);
//! - the replay store cannot answer → 503 `replay_store_unavailable` (fail closed); the issuer's keys cannot
//!   be fetched → 503 `discovery_failed`.
//!
//! The rules themselves are `stepup::core::guard` (pure, shared with the Node guard `stepup/server`); this
//! crate verifies signatures, fetches keys, remembers DPoP proofs and speaks HTTP.
//!
//! ## axum (features `axum`, and `jwks-http` to fetch the issuer's keys)
//!
//! A handler names the policy it needs in its signature: `StepUp<PciDss>` (the `axum` module has the
//! whole example, the README's).
//!
//! Or guard whole routes with a tower layer and read the result with `axum::Authenticated`:
//! `router.route_layer(guard.layer(StepUpPolicy::preset("nist-aal2")?))`.
//!
//! ## Features
//! - `tower`: [`StepUpLayer`]; `axum`: the extractors and `IntoResponse` for [`Rejection`];
//! - `jwks-http`: keys from the issuer's `jwks_uri` (discovered unless given), over HTTPS with hyper-util
//!   and rustls. Without it, give the JWKS inline ([`ApiGuardBuilder::jwks_json`]);
//! - `redis`: [`RedisReplayStore`], a DPoP replay store shared by every instance of an API;
//! - `leptos`: [`leptos::require_step_up`] inside a Leptos `#[server]` function (leptos_axum).
//!
//! ## Why ring
//! Signatures are verified by [`ring`], no crypto of our own. ring is audited, it is the default provider
//! of rustls (so the TLS of `jwks-http` adds no second crypto library), it verifies RSA PKCS#1 v1.5 and PSS
//! from a JWK's `n` and `e` directly, ECDSA P-256 / P-384 from the uncompressed point, and Ed25519, and it
//! builds in seconds with no C toolchain beyond `cc` (aws-lc-rs needs CMake and takes minutes; RustCrypto's
//! `rsa` crate has had a timing side channel, RUSTSEC-2023-0071). What ring lacks: P-521, so `ES512` is
//! refused when a guard is built with it (the default allowlist is RS256, PS256, ES256).
//!
//! RSA keys under 2048 bits are refused, as the client refuses them (RFC 7518 §3.3).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

mod guard;
#[cfg(feature = "jwks-http")]
mod http_keys;
mod keys;
mod rejection;
mod replay;
#[cfg(feature = "redis")]
mod redis_store;
mod verify;
#[cfg(feature = "tower")]
mod tower;
#[cfg(feature = "axum")]
pub mod axum;
#[cfg(feature = "leptos")]
pub mod leptos;

pub use guard::{ApiGuard, ApiGuardBuilder};
pub use rejection::Rejection;
pub use replay::{BoxFuture, MemoryReplayStore, ReplayStore, ReplayStoreError, DEFAULT_REPLAY_CAPACITY};
#[cfg(feature = "redis")]
pub use redis_store::{RedisReplayStore, DEFAULT_PREFIX as REDIS_DEFAULT_PREFIX};
#[cfg(feature = "tower")]
pub use crate::tower::{StepUpLayer, StepUpService};

pub use stepup::core::guard::{codes, ApiAuth, ClaimNames, DpopMode, GuardConfig, GuardPolicy, Scheme};
pub use stepup::core::jwk::{Algorithm, Jwks};
pub use stepup::{AmrPolicy, StepUpPolicy};

#[cfg(feature = "tower")]
impl ApiGuard {
    /// A tower layer checking every request against `policy`.
    pub fn layer(&self, policy: impl Into<GuardPolicy>) -> StepUpLayer {
        StepUpLayer::new(self.clone(), policy)
    }
}
