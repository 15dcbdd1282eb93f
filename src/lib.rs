//! # stepup
//!
//! Step-up authentication for single-page apps, in Rust compiled to WebAssembly.
//!
//! Layers, each calling only the one below: `js` (feature, the npm exports) → `web` (the browser, wasm32
//! only) → [`core`] (pure Rust, tested natively).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

// `Error` carries the OAuth and step-up fields callers need (~150 bytes); boxing it would cost an allocation
// on every error for no gain in a single-threaded wasm module.
#![allow(clippy::result_large_err)]

extern crate alloc;

pub mod core;
#[cfg(target_arch = "wasm32")]
pub mod web;
#[cfg(all(feature = "js", target_arch = "wasm32"))]
mod js;
// What the Leptos and Yew adapters share (judging a session for guards, re-check timers).
#[cfg(all(target_arch = "wasm32", any(feature = "leptos", feature = "yew")))]
mod adapter;
#[cfg(feature = "leptos")]
pub mod leptos;
#[cfg(feature = "yew")]
pub mod yew;

pub use crate::core::claims::Claims;
pub use crate::core::error::{Error, ErrorCode, Result};
pub use crate::core::policy::{evaluate, AmrPolicy, AuthContext, StepUpDecision, StepUpPolicy, DEFAULT_STEP_UP_ACR};
pub use crate::core::session::Session;
pub use crate::core::validate::Expectations;

#[cfg(target_arch = "wasm32")]
pub use crate::web::client::{AuthorizeOptions, ClientConfig, Mode, RedirectResult, StepUpClient, StepUpOptions};
/// For the page the provider redirects the popup to: relay the response to the opener (our origin
/// only) or over the state's BroadcastChannel. `Ok(false)` when the URL holds no OAuth response.
#[cfg(target_arch = "wasm32")]
pub use crate::web::popup::relay_callback as handle_popup_callback;
/// WebAuthn passkey ceremonies (`navigator.credentials`).
#[cfg(target_arch = "wasm32")]
pub use crate::web::webauthn;
