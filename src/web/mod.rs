//! The browser layer: WebCrypto, fetch, storage, popup and redirect flows, WebAuthn, and `StepUpClient`.
//! Only compiled for wasm32. Calls `core` for every rule; formats nothing for JS (that is `js`).

pub mod client;
pub mod crypto;
pub mod dpop;
pub mod flow;
pub mod http;
pub mod json;
pub mod jwks;
pub mod popup;
pub mod redirect;
pub mod session_store;
pub mod storage;
pub mod task;
pub mod util;
pub mod verify;
pub mod webauthn;
