//! The redirect flow's transaction, kept in `sessionStorage` across the trip to the provider.
//!
//! Why sessionStorage: it is per tab and per origin, so the transaction is bound to this browser tab
//! (RFC 9700 §4.7.1) and dies with it; nothing here outlives the tab the way localStorage would. Each
//! transaction is stored under its `state`, read once and deleted *before* anything is validated (a
//! replayed callback finds nothing), and refused after [`TX_TTL_SECONDS`].

use alloc::string::String;
use alloc::vec::Vec;

use js_sys::Array;
use wasm_bindgen::JsValue;
use web_sys::Storage;

use super::util::{object, set, set_str, window};
use super::flow::Pending;
use crate::core::error::{Error, ErrorCode, FirstError, Result};
use crate::core::json::{self, Json};
use crate::core::options::{self, Options};
use crate::core::policy::StepUpPolicy;

/// Key prefix of our transactions; the rest of the key is the `state`.
pub const TX_PREFIX: &str = "stepup.tx.";
/// A transaction older than this (10 minutes) is refused as `missing_transaction`.
pub const TX_TTL_SECONDS: i64 = 600;

/// What the callback needs to finish a redirect login.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Transaction {
    /// Issuer and client the request was made for: a callback is only finished by the same client.
    pub issuer: String,
    pub client_id: String,
    /// State, nonce, PKCE verifier (the secret half), redirect URI, and the `acr_values` / `max_age`
    /// sent, to check the ID token against.
    pub pending: Pending,
    /// The policy of a `requireStepUp` in redirect mode, judged again when the user comes back.
    pub policy: Option<StepUpPolicy>,
    /// The caller's `appState`, as JSON text.
    pub app_state: Option<String>,
    /// Seconds since the epoch.
    pub created_at: i64,
}

fn storage() -> Result<Storage> {
    let unavailable = || Error::new(ErrorCode::InvalidConfig, "sessionStorage is not available (needed by the redirect flow)");
    match window()?.session_storage() {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(unavailable()),
        Err(e) => Err(unavailable().with_cause(e)),
    }
}

fn strings_js(values: &[String]) -> JsValue {
    values.iter().map(|v| JsValue::from_str(v)).collect::<Array>().into()
}

/// The policy in the camelCase shape `core::options::policy` reads back.
fn policy_js(p: &StepUpPolicy) -> JsValue {
    let o = object();
    if let Some(acr) = &p.acr {
        set(&o, "acr", &strings_js(acr));
    }
    if let Some(amr) = &p.amr {
        let a = object();
        set(&a, "anyOf", &strings_js(&amr.any_of));
        set(&a, "allOf", &strings_js(&amr.all_of));
        set(&o, "amr", &a);
    }
    set(&o, "mfa", &JsValue::from_bool(p.mfa));
    if let Some(m) = p.max_age {
        set(&o, "maxAge", &JsValue::from_f64(m as f64));
    }
    o
}

fn to_text(tx: &Transaction) -> Result<String> {
    let o = object();
    for (k, v) in [
        ("issuer", &tx.issuer),
        ("clientId", &tx.client_id),
        ("state", &tx.pending.state),
        ("nonce", &tx.pending.nonce),
        ("verifier", &tx.pending.verifier),
        ("redirectUri", &tx.pending.redirect_uri),
    ] {
        set_str(&o, k, v);
    }
    if let Some(a) = &tx.pending.acr_values {
        set(&o, "acrValues", &strings_js(a));
    }
    if let Some(m) = tx.pending.max_age {
        set(&o, "maxAge", &JsValue::from_f64(m as f64));
    }
    if let Some(p) = &tx.policy {
        set(&o, "policy", &policy_js(p));
    }
    if let Some(s) = &tx.app_state {
        set_str(&o, "appState", s);
    }
    if let Some(u) = &tx.pending.user {
        set_str(&o, "user", u);
    }
    set(&o, "createdAt", &JsValue::from_f64(tx.created_at as f64));
    js_sys::JSON::stringify(&o)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| Error::new(ErrorCode::InvalidConfig, "the transaction could not be serialized"))
}

fn from_text(text: &str) -> Result<Transaction> {
    let corrupt = || Error::new(ErrorCode::MissingTransaction, "the stored transaction is unreadable");
    let value: Json = json::parse(text, ErrorCode::MissingTransaction)?;
    let o = Options::new(Some(&value), "transaction").map_err(|_| corrupt())?;
    let mut err = FirstError::default();
    let created_at = err.take(o.time("createdAt")).unwrap_or(0);
    let tx = Transaction {
        issuer: err.take(o.required_string("issuer")),
        client_id: err.take(o.required_string("clientId")),
        pending: Pending {
            state: err.take(o.required_string("state")),
            nonce: err.take(o.required_string("nonce")),
            verifier: err.take(o.required_string("verifier")),
            redirect_uri: err.take(o.required_string("redirectUri")),
            acr_values: err.take(o.strings("acrValues")),
            max_age: err.take(o.uint("maxAge")),
            // The transaction is saved as the request is sent.
            sent_at: created_at,
            user: err.take(o.string("user")),
        },
        policy: o.get("policy").map(|p| err.take(options::policy(Some(p)))),
        app_state: err.take(o.string("appState")),
        created_at,
    };
    err.or_ok(tx).map_err(|_| corrupt())
}

fn key(state: &str) -> String {
    let mut k = String::from(TX_PREFIX);
    k.push_str(state);
    k
}

/// Our transaction keys currently in storage.
fn our_keys(s: &Storage) -> Vec<String> {
    let mut keys = Vec::new();
    for i in 0..s.length().unwrap_or(0) {
        if let Ok(Some(k)) = s.key(i) {
            if k.starts_with(TX_PREFIX) {
                keys.push(k);
            }
        }
    }
    keys
}

/// Store `tx` under its state, dropping expired transactions left by abandoned logins.
pub fn save(tx: &Transaction, now: i64) -> Result<()> {
    let s = storage()?;
    for k in our_keys(&s) {
        let stale = s.get_item(&k).ok().flatten().and_then(|t| from_text(&t).ok()).map_or(true, |t| expired(&t, now));
        if stale {
            let _ = s.remove_item(&k);
        }
    }
    let text = to_text(tx)?;
    s.set_item(&key(&tx.pending.state), &text)
        .map_err(|e| Error::new(ErrorCode::InvalidConfig, "sessionStorage refused the transaction").with_cause(e))
}

fn expired(tx: &Transaction, now: i64) -> bool {
    now.saturating_sub(tx.created_at) > TX_TTL_SECONDS || tx.created_at > now.saturating_add(TX_TTL_SECONDS)
}

/// Take the transaction for `state` out of storage (it is deleted whatever happens next).
///
/// - no `state` in the response, or nothing stored at all → `missing_transaction`;
/// - other transactions pending but none for this `state` → `state_mismatch` (a forged or altered
///   response), and the pending ones are discarded: one interactive flow at a time, and a flow that
///   met a forged response is not resumed;
/// - expired or unreadable → `missing_transaction`.
pub fn take(state: Option<&str>, now: i64) -> Result<Transaction> {
    let s = storage()?;
    let pending = our_keys(&s);
    let Some(state) = state.filter(|st| !st.is_empty()) else {
        return Err(Error::new(ErrorCode::MissingTransaction, "the callback has no state"));
    };
    let k = key(state);
    let text = s.get_item(&k).ok().flatten();
    let _ = s.remove_item(&k);
    let Some(text) = text else {
        if pending.is_empty() {
            return Err(Error::new(ErrorCode::MissingTransaction, "no login is in progress in this tab"));
        }
        for other in pending {
            let _ = s.remove_item(&other);
        }
        return Err(Error::new(ErrorCode::StateMismatch, "the response state matches no login in progress"));
    };
    let tx = from_text(&text)?;
    if tx.pending.state != state {
        return Err(Error::new(ErrorCode::StateMismatch, "the stored transaction is for another state"));
    }
    if expired(&tx, now) {
        return Err(Error::new(ErrorCode::MissingTransaction, "the login took longer than 10 minutes"));
    }
    Ok(tx)
}

/// Discard every redirect login waiting for its callback in this tab (logout).
pub fn discard_all() {
    if let Ok(s) = storage() {
        for k in our_keys(&s) {
            let _ = s.remove_item(&k);
        }
    }
}

/// Whether a redirect login is waiting for its callback in this tab.
pub fn has_pending() -> bool {
    storage().map(|s| !our_keys(&s).is_empty()).unwrap_or(false)
}
