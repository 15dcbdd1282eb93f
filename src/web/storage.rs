//! The redirect flow's transaction, kept in `sessionStorage` across the trip to the provider.
//!
//! Why sessionStorage: it is per tab and per origin, so the transaction is bound to this browser tab
//! (RFC 9700 §4.7.1) and dies with it; nothing here outlives the tab the way localStorage would. Each
//! transaction is stored under its `state`, read once and deleted *before* anything is validated (a
//! replayed callback finds nothing), and refused after [`TX_TTL_SECONDS`]. The text and the lifetime are
//! `core::transaction`'s.

use alloc::string::String;
use alloc::vec::Vec;

use web_sys::Storage;

use super::util::window;
use crate::core::error::{Error, ErrorCode, Result};
use crate::core::transaction::{decode, encode};
pub use crate::core::transaction::{Transaction, TX_TTL_SECONDS};

/// Key prefix of our transactions; the rest of the key is the `state`.
pub const TX_PREFIX: &str = "stepup.tx.";

fn storage() -> Result<Storage> {
    let unavailable = || Error::new(ErrorCode::InvalidConfig, "sessionStorage is not available (needed by the redirect flow)");
    match window()?.session_storage() {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(unavailable()),
        Err(e) => Err(unavailable().with_cause(e)),
    }
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
        let stale = s.get_item(&k).ok().flatten().and_then(|t| decode(&t).ok()).map_or(true, |t| t.expired(now));
        if stale {
            let _ = s.remove_item(&k);
        }
    }
    s.set_item(&key(&tx.pending.state), &encode(tx))
        .map_err(|e| Error::new(ErrorCode::InvalidConfig, "sessionStorage refused the transaction").with_cause(e))
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
    let tx = decode(&text)?;
    if tx.pending.state != state {
        return Err(Error::new(ErrorCode::StateMismatch, "the stored transaction is for another state"));
    }
    if tx.expired(now) {
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
