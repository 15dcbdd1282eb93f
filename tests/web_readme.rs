//! The README's Rust example, compiled with the browser tests so the front door stays true.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::expect_used, dead_code)]

// --- README: begin ---
use stepup::{StepUpClient, StepUpOptions, StepUpPolicy};

/// Call from a click handler: the popup opens before the first `.await`.
async fn transfer(client: &StepUpClient) -> Result<(), stepup::Error> {
    let policy = StepUpPolicy { mfa: true, max_age: Some(300), ..Default::default() };
    let session = client.require_step_up(&policy, StepUpOptions::default()).await?; // verified acr/amr/auth_time
    let request = web_sys::Request::new_with_str("/api/transfer").expect("a valid URL");
    let response = client.fetch(request).await?; // Bearer token, RFC 9470 step-up and one retry
    web_sys::console::log_2(&session.amr.join(" ").into(), &response.status().into());
    Ok(())
}
// --- README: end ---

#[wasm_bindgen_test::wasm_bindgen_test]
fn readme_example_compiles() {
    // Compiling is the test: a renamed method or type breaks this file and the README with it.
    let _ = transfer;
}
