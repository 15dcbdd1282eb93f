//! Pure Rust, no browser: everything here builds and tests natively with `cargo test`.
//! Each module owns one rule set and names its checks after the spec rule they enforce.

pub mod error;
pub mod json;
pub mod options;

// Token side: compact JWS parsing, typed claims, JWKs and key selection, OIDC Core 3.1.3.7 claim checks.
pub mod base64url;
pub mod claims;
pub mod jwk;
pub mod jwt;
pub mod validate;

// Flow side: step-up policy, PKCE, authorization request/response, token response,
// RFC 9470 challenges, discovery metadata, the session.
pub mod authorize;
pub mod cache;
pub mod config;
pub mod challenge;
pub mod discovery;
pub mod dpop;
// The API half: the same rules judging access tokens where the data is (DESIGN.md "API guard").
pub mod guard;
pub mod passkey;
pub mod pkce;
pub mod policy;
pub mod secret;
pub mod sha;
pub mod session;
pub mod text;
pub mod token;
pub mod transaction;
