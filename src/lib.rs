//! # stepup
//!
//! Step-up authentication for single-page apps, in Rust compiled to WebAssembly: verify ID tokens
//! (JWKS signature, then every OpenID Connect claim rule), judge `acr` / `amr` / `auth_time` against a
//! policy, and when the user is not strong enough run an authorization-code + PKCE login in a popup or a
//! redirect with `acr_values` / `max_age`, then check that the step-up really happened. Plus WebAuthn
//! passkey ceremonies (`webauthn`, wasm32).
//!
//! Layers, each calling only the one below: `js` (feature, the npm exports) → `web` (the browser, wasm32
//! only) → [`core`] (pure Rust, tested natively).
//!
//! ## In a Leptos or Yew app (wasm32, feature `js` off)
//!
//! Create a `StepUpClient` once, then in a click handler ask for the strength the operation needs
//! (the popup opens before the first `.await`). This is the README's example, compiled by
//! `tests/web_readme.rs`; the `leptos` and `yew` features add providers, hooks and `<RequireStepUp>` guards.
//!
//! ```ignore
//! use stepup::{StepUpClient, StepUpOptions, StepUpPolicy};
//!
//! async fn transfer(client: &StepUpClient) -> Result<(), stepup::Error> {
//!     let policy = StepUpPolicy { mfa: true, max_age: Some(300), ..Default::default() };
//!     let session = client.require_step_up(&policy, StepUpOptions::default()).await?;
//!     let request = web_sys::Request::new_with_str("/api/transfer").expect("a valid URL");
//!     let response = client.fetch(request).await?; // Bearer token, RFC 9470 step-up and one retry
//!     Ok(())
//! }
//! ```
//!
//! ## The rules alone (any target)
//!
//! ```
//! use stepup::{evaluate, AuthContext, StepUpPolicy, DEFAULT_STEP_UP_ACR};
//!
//! let password_only = AuthContext { acr: Some("urn:pwd".into()), amr: vec!["pwd".into()], auth_time: Some(1_700_000_000) };
//! let policy = StepUpPolicy { mfa: true, max_age: Some(300), ..Default::default() };
//! let decision = evaluate(&password_only, &policy, 1_700_000_100, DEFAULT_STEP_UP_ACR, 60);
//! assert!(!decision.satisfied);
//! // What to send in the step-up authorization request:
//! assert_eq!(decision.acr_values, Some(vec![DEFAULT_STEP_UP_ACR.to_string()]));
//! assert_eq!(decision.max_age, Some(300));
//! ```
//!
//! Every failure is a [`Error`] whose [`Error::code`] is one of the stable strings of [`ErrorCode`].
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

// Without std the module must bring its own panic handler and allocator: only the npm build (`js`) does.
#[cfg(not(any(feature = "std", feature = "js")))]
compile_error!("stepup needs its default `std` feature unless it is built as the npm package (feature `js`)");

/// Without std (the npm build), a panic (none is reachable: clippy denies its sources, the parsers are
/// fuzzed) stops the module with a trap instead of formatting a message nobody reads.
#[cfg(all(not(feature = "std"), feature = "js", target_arch = "wasm32"))]
#[panic_handler]
fn panic(_: &::core::panic::PanicInfo) -> ! {
    ::core::arch::wasm32::unreachable()
}

pub mod core;
#[cfg(target_arch = "wasm32")]
pub mod web;
#[cfg(all(feature = "js", target_arch = "wasm32"))]
mod js;
// The API guard's exports for Node (`stepup/server`), a wasm build of its own (scripts/build.mjs).
#[cfg(all(feature = "server", target_arch = "wasm32"))]
mod server;
// What the Leptos and Yew adapters share (judging a session for guards, re-check timers; on the server: nothing known).
#[cfg(any(feature = "leptos", feature = "yew"))]
mod adapter;
#[cfg(feature = "leptos")]
pub mod leptos;
#[cfg(feature = "yew")]
pub mod yew;

pub use crate::core::cache::CacheLocation;
pub use crate::core::claims::Claims;
pub use crate::core::error::{Error, ErrorCode, ErrorDetails, Result};
pub use crate::core::policy::{evaluate, AmrPolicy, AuthContext, StepUpDecision, StepUpPolicy, DEFAULT_STEP_UP_ACR};
pub use crate::core::session::Session;
pub use crate::core::validate::Expectations;

#[cfg(target_arch = "wasm32")]
pub use crate::web::client::{AuthorizeOptions, ClientConfig, Mode, RedirectResult, StepUpClient, StepUpOptions};
#[cfg(target_arch = "wasm32")]
pub use crate::web::session_store::{SessionListener, TokenOptions};
/// For the page the provider redirects the popup to: relay the response to the opener (our origin
/// only) or over the state's BroadcastChannel. `Ok(false)` when the URL holds no OAuth response.
#[cfg(target_arch = "wasm32")]
pub use crate::web::popup::relay_callback as handle_popup_callback;
/// WebAuthn passkey ceremonies (`navigator.credentials`).
#[cfg(target_arch = "wasm32")]
pub use crate::web::webauthn;
