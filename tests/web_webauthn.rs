//! The Rust-only entry of `stepup::webauthn`: options as JSON text (what a Rust app holds), checked
//! before the browser is called. The ceremonies themselves run in tests/e2e/passkeys.test.mjs with
//! the DevTools virtual authenticator, which wasm-bindgen-test cannot drive.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use stepup::webauthn::{authenticate_passkey, register_passkey};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const CREATE: &str = r#"{"rp":{"name":"Example","id":"localhost"},"user":{"id":"dXNlci0x","name":"alice","displayName":"Alice"},
  "challenge":"Y2hhbGxlbmdlLWJ5dGVzLTEyMzQ1Njc4","pubKeyCredParams":[{"type":"public-key","alg":-7}],"timeout":60000}"#;

async fn create_code(text: &str, signal: Option<&web_sys::AbortSignal>) -> String {
    register_passkey(text, signal).await.err().map(|e| e.code().to_string()).unwrap_or_else(|| "ok".into())
}

#[wasm_bindgen_test]
async fn text_that_is_not_json_is_invalid_options() {
    assert_eq!(create_code("{not json", None).await, "webauthn_invalid_options");
    assert_eq!(create_code("[]", None).await, "webauthn_invalid_options");
}

#[wasm_bindgen_test]
async fn text_with_a_padded_or_missing_challenge_is_invalid_options() {
    let padded = CREATE.replace("Y2hhbGxlbmdlLWJ5dGVzLTEyMzQ1Njc4", "Y2hhbGxlbmdl==");
    assert_eq!(create_code(&padded, None).await, "webauthn_invalid_options");
    let missing = CREATE.replace(r#""challenge":"Y2hhbGxlbmdlLWJ5dGVzLTEyMzQ1Njc4","#, "");
    assert_eq!(create_code(&missing, None).await, "webauthn_invalid_options");
    let get = authenticate_passkey(r#"{"rpId":"localhost"}"#, false, None).await.err().unwrap();
    assert_eq!(get.code(), "webauthn_invalid_options");
}

#[wasm_bindgen_test]
async fn a_challenge_under_16_bytes_is_invalid_options() {
    // WebAuthn L3 §13.4.3: at least 16 random bytes. 15 bytes fail, 16 pass every check.
    let short = CREATE.replace("Y2hhbGxlbmdlLWJ5dGVzLTEyMzQ1Njc4", "MTIzNDU2Nzg5MDEyMzQ1");
    assert_eq!(create_code(&short, None).await, "webauthn_invalid_options");
    let get = authenticate_passkey(r#"{"challenge":"MTIzNDU2Nzg5MDEyMzQ1"}"#, false, None).await.err().unwrap();
    assert_eq!(get.code(), "webauthn_invalid_options");
    let controller = web_sys::AbortController::new().unwrap();
    controller.abort();
    let sixteen = CREATE.replace("Y2hhbGxlbmdlLWJ5dGVzLTEyMzQ1Njc4", "MTIzNDU2Nzg5MDEyMzQ1Ng");
    assert_eq!(create_code(&sixteen, Some(&controller.signal())).await, "webauthn_aborted");
}

#[wasm_bindgen_test]
async fn valid_text_reaches_the_ceremony_and_an_aborted_signal_ends_it() {
    // Valid options pass every check (else invalid_options); an already aborted signal then ends the
    // ceremony before the browser shows anything.
    let controller = web_sys::AbortController::new().unwrap();
    controller.abort();
    assert_eq!(create_code(CREATE, Some(&controller.signal())).await, "webauthn_aborted");
}
