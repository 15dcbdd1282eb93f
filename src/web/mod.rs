//! The browser layer: WebCrypto, fetch, storage, popup and redirect flows, WebAuthn, and `StepUpClient`.
//! Only compiled for wasm32. Calls `core` for every rule; formats nothing for JS (that is `js`).

pub mod crypto;
pub mod http;
pub mod jwks;
pub mod util;
pub mod verify;
pub mod webauthn;
