//! The redirect flow's transaction, kept in `sessionStorage` across the trip to the provider.
//!
//! Why sessionStorage: it is per tab and per origin, so the transaction is bound to this browser tab
//! (RFC 9700 §4.7.1) and dies with it; nothing here outlives the tab the way localStorage would. Each
//! transaction is stored under its `state`, read once and deleted *before* anything is validated (a
//! replayed callback finds nothing), and refused after [`TX_TTL_SECONDS`]. The text and the lifetime are
//! `core::transaction`'s.

use alloc::string::String;
use alloc::vec::Vec;

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

use crate::core::error::{Error, ErrorCode, Result};
use crate::core::transaction::{decode, encode};
pub use crate::core::transaction::{Transaction, TX_TTL_SECONDS};

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = store)]
    fn store_js(local: bool, key: &str, value: JsValue) -> JsValue;
    /// glue.js `storeKeys`: the keys of that storage starting with `prefix`, one per line (a string; `as_string`, as
    /// `util::origin_of` says why).
    #[wasm_bindgen(js_name = storeKeys)]
    fn store_keys(local: bool, prefix: &str) -> JsValue;
}

/// glue.js `store`: read (`value` undefined), write or remove (null) a Web Storage entry (`local`:
/// localStorage, else sessionStorage); returns it as read. A storage that throws reads as null.
pub(super) fn store(local: bool, key: &str, value: JsValue) -> Option<String> {
    store_js(local, key, value).as_string()
}

/// Key prefix of our transactions; the rest of the key is the `state`.
pub const TX_PREFIX: &str = "stepup.tx.";

fn key(state: &str) -> String {
    let mut k = String::from(TX_PREFIX);
    k.push_str(state);
    k
}

fn read(key: &str) -> Option<String> {
    store(false, key, JsValue::UNDEFINED)
}

fn remove(key: &str) {
    store(false, key, JsValue::NULL);
}

/// Our transaction keys currently in storage (none when sessionStorage is unavailable). A key holding a line
/// break (not one of ours: a `state` is base64url) cannot smuggle another name in: each line must be ours too.
fn our_keys() -> Vec<String> {
    let listed = store_keys(false, TX_PREFIX).as_string().unwrap_or_default();
    // A loop, not `filter(..).map(..).collect()`: that chain was three generic instances of its own.
    let mut keys = Vec::new();
    for k in crate::core::text::split(&listed, b'\n') {
        if k.starts_with(TX_PREFIX) {
            keys.push(String::from(k));
        }
    }
    keys
}

/// Store `tx` under its state, dropping expired transactions left by abandoned logins.
pub fn save(tx: &Transaction, now: i64) -> Result<()> {
    for k in our_keys() {
        if read(&k).and_then(|t| decode(&t).ok()).map_or(true, |t| t.expired(now)) {
            remove(&k);
        }
    }
    let text = encode(tx);
    // Read back as written, or sessionStorage is missing, disabled or full.
    if store(false, &key(&tx.pending.state), JsValue::from_str(&text)).as_deref() != Some(text.as_str()) {
        return Err(Error::new(ErrorCode::InvalidConfig, "sessionStorage is unavailable or refused the transaction (needed by the redirect flow)"));
    }
    Ok(())
}

/// Take the transaction for `state` out of storage (it is deleted whatever happens next).
///
/// - no `state` in the response, or nothing stored at all → `missing_transaction`;
/// - other transactions pending but none for this `state` → `state_mismatch` (a forged or altered
///   response), and the pending ones are discarded: one interactive flow at a time, and a flow that
///   met a forged response is not resumed;
/// - altered since it was stored (its state's seal, `core::transaction::check_seal`) → `state_mismatch`;
/// - expired or unreadable → `missing_transaction`.
pub fn take(state: Option<&str>, now: i64) -> Result<Transaction> {
    let pending = our_keys();
    let Some(state) = state.filter(|st| !st.is_empty()) else {
        return Err(Error::new(ErrorCode::MissingTransaction, "the callback has no state"));
    };
    let k = key(state);
    let text = read(&k);
    remove(&k);
    let Some(text) = text else {
        if pending.is_empty() {
            return Err(Error::new(ErrorCode::MissingTransaction, "no login is in progress in this tab"));
        }
        for other in pending {
            remove(&other);
        }
        return Err(Error::new(ErrorCode::StateMismatch, "the response state matches no login in progress"));
    };
    let tx = decode(&text)?;
    if tx.pending.state != state {
        return Err(Error::new(ErrorCode::StateMismatch, "the stored transaction is for another state"));
    }
    if tx.expired(now) {
        return Err(Error::new(ErrorCode::MissingTransaction, "the login took longer than 10 minutes"));
    }
    // Its `policy`, `acrValues`, `maxAge` and `user` are the ones the state the provider returned was sealed over.
    crate::core::transaction::check_seal(&tx)?;
    Ok(tx)
}

/// Discard every redirect login waiting for its callback in this tab (logout).
pub fn discard_all() {
    for k in our_keys() {
        remove(&k);
    }
}

/// Whether a redirect login is waiting for its callback in this tab.
pub fn has_pending() -> bool {
    !our_keys().is_empty()
}
