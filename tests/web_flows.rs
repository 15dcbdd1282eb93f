//! Browser tests of the redirect transaction store (sessionStorage), in headless Chromium through
//! wasm-bindgen-test. Its text codec and the option readers are tested natively (`core::transaction`,
//! `core::config`).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use stepup::core::json::{self, Json};
use stepup::core::policy::{AmrPolicy, StepUpPolicy};
use stepup::web::client::ClientConfig;
use stepup::web::flow::Pending;
use stepup::web::storage::{self, Transaction, TX_PREFIX, TX_TTL_SECONDS};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn session_storage() -> web_sys::Storage {
    web_sys::window().unwrap().session_storage().unwrap().unwrap()
}

fn clear() {
    session_storage().clear().unwrap();
}

fn tx(state: &str, created_at: i64) -> Transaction {
    Transaction {
        issuer: "https://idp.example/".into(),
        client_id: "spa".into(),
        pending: Pending {
            state: state.into(),
            nonce: "n".into(),
            verifier: "v".repeat(43),
            redirect_uri: "https://app.example/cb".into(),
            scope: Some("openid mfa".into()),
            acr_values: Some(vec!["urn:mfa".into()]),
            max_age: Some(300),
            sent_at: created_at,
            user: Some("248289761001".into()),
        },
        policy: Some(StepUpPolicy {
            acr: None,
            amr: Some(AmrPolicy { any_of: vec!["otp".into()], all_of: vec![] }),
            mfa: true,
            max_age: Some(60),
        }),
        app_state: Some(r#"{"returnTo":"/x"}"#.into()),
        created_at,
    }
}

const NOW: i64 = 1_800_000_000;

/// `tx` with its state sealed, as the redirect flow stores it (`core::transaction::seal`).
fn sealed(mut t: Transaction) -> Transaction {
    t.pending.state = stepup::core::transaction::seal(&t);
    t
}

#[wasm_bindgen_test]
fn a_transaction_round_trips_and_is_read_once() {
    clear();
    let t = sealed(tx("s1", NOW));
    let state = t.pending.state.clone();
    storage::save(&t, NOW).unwrap();
    assert!(storage::has_pending());
    assert_eq!(storage::take(Some(&state), NOW + 5).unwrap(), t);
    assert!(!storage::has_pending(), "deleted on read");
    assert_eq!(storage::take(Some(&state), NOW + 5).unwrap_err().code(), "missing_transaction");
}

/// A same-tab writer strips the policy and the bound user from the stored transaction: the state the provider
/// returns no longer matches it, and nothing of it is used.
#[wasm_bindgen_test]
fn an_altered_transaction_is_state_mismatch() {
    clear();
    let t = sealed(tx("s1", NOW));
    let state = t.pending.state.clone();
    storage::save(&t, NOW).unwrap();
    let key = format!("{TX_PREFIX}{state}");
    let text = session_storage().get_item(&key).unwrap().unwrap();
    let weakened = text.replace(r#""mfa":true"#, r#""mfa":false"#).replace(r#""user":"248289761001","#, "");
    assert_ne!(weakened, text);
    session_storage().set_item(&key, &weakened).unwrap();
    assert_eq!(storage::take(Some(&state), NOW + 5).unwrap_err().code(), "state_mismatch");
    // An unsealed transaction (stored under its bare state) is refused the same way.
    storage::save(&tx("bare", NOW), NOW).unwrap();
    assert_eq!(storage::take(Some("bare"), NOW + 5).unwrap_err().code(), "state_mismatch");
}

#[wasm_bindgen_test]
fn logout_discards_the_redirect_logins_pending_in_this_tab() {
    clear();
    storage::save(&tx("s1", NOW), NOW).unwrap();
    storage::save(&tx("s2", NOW), NOW).unwrap();
    // A provider without end_session_endpoint: logout stays on the page.
    let metadata = stepup::core::discovery::ProviderMetadata::from_json(
        &parse(r#"{"issuer":"https://idp.example/","authorization_endpoint":"https://idp.example/auth","token_endpoint":"https://idp.example/token","jwks_uri":"https://idp.example/jwks"}"#),
        "https://idp.example/",
    )
    .unwrap();
    let client = stepup::StepUpClient::with_metadata(ClientConfig::new("https://idp.example/", "spa", "https://app.example/cb"), metadata).unwrap();
    client.logout(None).unwrap();
    assert!(!storage::has_pending(), "a callback arriving after logout finds no transaction");
    assert_eq!(storage::take(Some("s1"), NOW + 5).unwrap_err().code(), "missing_transaction");
}

#[wasm_bindgen_test]
fn an_unknown_state_with_logins_pending_is_state_mismatch_and_ends_them() {
    clear();
    storage::save(&tx("real", NOW), NOW).unwrap();
    assert_eq!(storage::take(Some("forged"), NOW).unwrap_err().code(), "state_mismatch");
    assert!(!storage::has_pending(), "the pending login is not resumed after a forged answer");
    assert_eq!(storage::take(Some("real"), NOW).unwrap_err().code(), "missing_transaction");
}

#[wasm_bindgen_test]
fn no_state_or_nothing_pending_is_missing_transaction() {
    clear();
    assert_eq!(storage::take(Some("x"), NOW).unwrap_err().code(), "missing_transaction");
    storage::save(&tx("a", NOW), NOW).unwrap();
    assert_eq!(storage::take(None, NOW).unwrap_err().code(), "missing_transaction");
    assert_eq!(storage::take(Some(""), NOW).unwrap_err().code(), "missing_transaction");
}

#[wasm_bindgen_test]
fn transactions_expire_after_ten_minutes() {
    clear();
    storage::save(&tx("old", NOW), NOW).unwrap();
    assert_eq!(storage::take(Some("old"), NOW + TX_TTL_SECONDS + 1).unwrap_err().code(), "missing_transaction");
    // Saving sweeps expired leftovers of abandoned logins.
    storage::save(&tx("stale", NOW), NOW).unwrap();
    storage::save(&tx("fresh", NOW + TX_TTL_SECONDS + 1), NOW + TX_TTL_SECONDS + 1).unwrap();
    assert!(session_storage().get_item(&format!("{TX_PREFIX}stale")).unwrap().is_none());
}

#[wasm_bindgen_test]
fn a_corrupted_entry_is_missing_transaction() {
    clear();
    session_storage().set_item(&format!("{TX_PREFIX}bad"), "{not json").unwrap();
    assert_eq!(storage::take(Some("bad"), NOW).unwrap_err().code(), "missing_transaction");
    session_storage().set_item(&format!("{TX_PREFIX}typed"), r#"{"state":1}"#).unwrap();
    assert_eq!(storage::take(Some("typed"), NOW).unwrap_err().code(), "missing_transaction");
}

fn parse(text: &str) -> Json {
    json::parse(text, stepup::ErrorCode::InvalidConfig).unwrap()
}


/// The browser layer's types that hold a secret print none through `Debug` (the native types: tests/flow.rs).
#[wasm_bindgen_test]
fn debug_of_the_web_types_holding_a_secret_prints_no_secret() {
    let wait = stepup::web::popup::WaitOptions {
        state: "SECRET-state".into(),
        channel_secret: Some("SECRET-channel".into()),
        provider_origin: "https://idp.example".into(),
        timeout_seconds: 300,
        signal: None,
    };
    let response = stepup::web::http::JsonResponse {
        status: 200,
        body: Some(parse(r#"{"access_token":"SECRET-at","refresh_token":"SECRET-rt"}"#)),
        cache_control: None,
        dpop_nonce: None,
    };
    for text in [format!("{wait:?}"), format!("{response:?}")] {
        assert!(!text.contains("SECRET") && text.contains("[redacted]"), "{text}");
    }
}
