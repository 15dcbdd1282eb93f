//! The npm package's exports (feature `js`). Thin `#[wasm_bindgen]` wrappers only: every rule lives in
//! `core` or `web`; this layer converts JS values in and out and maps errors to `StepUpError`.

mod client;
pub mod error;
mod token;
mod types;
mod verify;
mod webauthn;
