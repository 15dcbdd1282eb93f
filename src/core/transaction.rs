//! One authorization request in flight ([`Pending`]) and the redirect flow's stored form of it
//! ([`Transaction`], kept by `web::storage` in `sessionStorage` across the trip to the provider): its text
//! codec and its lifetime, here so that they are tested natively.
//!
//! The stored text is integrity-protected by the `state` itself ([`seal`]): storage is readable and writable by
//! every script of the origin, and a same-tab writer must not be able to strip the `policy`, `acrValues`,
//! `maxAge` or `user` that the callback judges the answer by. The `state` sent to the provider ends with a hash
//! of everything else the transaction holds, and the provider hands it back in the callback URL, out of that
//! writer's reach; [`check_seal`] recomputes it. No key is needed, so there is no key to steal or to use: a
//! writer can replace the stored text, but not make it match the `state` the provider returns.
//!
//! The text is a JSON object written by `json::ObjectWriter` (integers only: no float formatting in the wasm)
//! and read back by the strict parser and the option readers; anything unreadable is `missing_transaction`.

use alloc::string::String;
use alloc::vec::Vec;

use super::error::{Error, ErrorCode, Result};
use super::json::{self, Json, ObjectWriter};
use super::options::Reader;
use super::policy::StepUpPolicy;

/// A transaction older than this (10 minutes) is refused as `missing_transaction`.
pub const TX_TTL_SECONDS: i64 = 600;

/// The secrets and parameters of one request in flight, needed to finish it.
#[derive(Clone, Default, PartialEq)]
pub struct Pending {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    pub redirect_uri: String,
    /// The scope sent: what was granted when the token response does not say (RFC 6749 §5.1).
    pub scope: Option<String>,
    /// The `acr_values` the returned `acr` must be one of (`None` when those sent were only a hint, see
    /// `policy::acr_binds`) and the `max_age` sent (`auth_time` must be
    /// recent enough).
    pub acr_values: Option<Vec<String>>,
    pub max_age: Option<u64>,
    /// When the request was sent, seconds since the epoch in this browser's clock: `max_age` is judged
    /// from this moment (in the provider's clock, see `core::validate`).
    pub sent_at: i64,
    /// The `sub` of the signed-in user a step-up is for: the answer must be for them (`user_mismatch`).
    /// `None` for an explicit login, which may switch accounts.
    pub user: Option<String>,
}

impl core::fmt::Debug for Pending {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        use super::secret::Redacted;
        f.debug_struct("Pending")
            .field("state", &Redacted)
            .field("nonce", &Redacted)
            .field("verifier", &Redacted)
            .field("redirect_uri", &self.redirect_uri)
            .field("scope", &self.scope)
            .field("acr_values", &self.acr_values)
            .field("max_age", &self.max_age)
            .field("sent_at", &self.sent_at)
            .field("user", &self.user)
            .finish()
    }
}

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

impl Transaction {
    /// Older than [`TX_TTL_SECONDS`] at `now`, or made more than that far in the future (a clock set back).
    pub fn expired(&self, now: i64) -> bool {
        now.saturating_sub(self.created_at) > TX_TTL_SECONDS || self.created_at > now.saturating_add(TX_TTL_SECONDS)
    }
}

/// The stored text of `tx` (read back by [`decode`]).
pub fn encode(tx: &Transaction) -> String {
    let mut w = ObjectWriter::new();
    let p = &tx.pending;
    w.string("issuer", &tx.issuer);
    w.string("clientId", &tx.client_id);
    w.string("state", &p.state);
    w.string("nonce", &p.nonce);
    w.string("verifier", &p.verifier);
    w.string("redirectUri", &p.redirect_uri);
    if let Some(a) = &p.acr_values {
        w.strings("acrValues", a);
    }
    if let Some(m) = p.max_age {
        w.uint("maxAge", m);
    }
    if let Some(policy) = &tx.policy {
        w.raw("policy", &policy.to_json());
    }
    w.optional_string("appState", &tx.app_state);
    w.optional_string("user", &p.user);
    w.optional_string("scope", &p.scope);
    w.int("createdAt", tx.created_at);
    w.finish()
}

/// Read a stored transaction; anything unreadable (not ours, cut short, a member of the wrong type) is
/// `missing_transaction`.
pub fn decode(text: &str) -> Result<Transaction> {
    let corrupt = || Error::new(ErrorCode::MissingTransaction, "the stored transaction is unreadable");
    let value: Json = json::parse(text, ErrorCode::MissingTransaction)?;
    let mut r = Reader::new(Some(&value), "transaction");
    let created_at = r.time("createdAt").unwrap_or(0);
    let tx = Transaction {
        issuer: r.required_string("issuer"),
        client_id: r.required_string("clientId"),
        pending: Pending {
            state: r.required_string("state"),
            nonce: r.required_string("nonce"),
            verifier: r.required_string("verifier"),
            redirect_uri: r.required_string("redirectUri"),
            scope: r.string("scope"),
            acr_values: r.strings("acrValues"),
            max_age: r.uint("maxAge"),
            // The transaction is saved as the request is sent.
            sent_at: created_at,
            user: r.string("user"),
        },
        policy: r.policy("policy"),
        app_state: r.string("appState"),
        created_at,
    };
    r.finish(tx).map_err(|_| corrupt())
}

/// Separates the random part of a sealed `state` from its hash (base64url never holds it).
const SEAL_SEPARATOR: char = '.';
/// Bytes of the SHA-256 hash a sealed `state` carries: 128 bits, the strength of the random part.
const SEAL_BYTES: usize = 16;

/// The hash of `tx` as it is sealed: every member, with `state` its random part.
fn seal_of(tx: &Transaction) -> String {
    let digest = super::sha::sha256(encode(tx).as_bytes());
    super::base64url::encode(digest.get(..SEAL_BYTES).unwrap_or_default())
}

/// The `state` to send for `tx`, whose `pending.state` is still the random part alone: that part, a `.`, and
/// the hash of the whole transaction. Store the transaction with this state (see the module docs).
pub fn seal(tx: &Transaction) -> String {
    let mut state = tx.pending.state.clone();
    state.push(SEAL_SEPARATOR);
    state.push_str(&seal_of(tx));
    state
}

/// The stored transaction is the one its `state` was sealed over ([`seal`]): else `state_mismatch` (a member was
/// changed, added or removed since). Call it with a transaction whose `state` equals the callback's.
pub fn check_seal(tx: &Transaction) -> Result<()> {
    let altered = || Error::new(ErrorCode::StateMismatch, "the stored login was altered after it was sent");
    let (random, hash) = tx.pending.state.rsplit_once(SEAL_SEPARATOR).ok_or_else(altered)?;
    let mut unsealed = tx.clone();
    unsealed.pending.state = String::from(random);
    // The round trip through storage loses `sent_at` (it is `created_at`): seal and check see the same.
    unsealed.pending.sent_at = unsealed.created_at;
    if !super::validate::constant_time_eq(seal_of(&unsealed).as_bytes(), hash.as_bytes()) {
        return Err(altered());
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::core::policy::AmrPolicy;
    use alloc::format;
    use alloc::vec;

    fn full() -> Transaction {
        Transaction {
            issuer: "https://idp.example/".into(),
            client_id: "app".into(),
            pending: Pending {
                state: "st\"ate".into(),
                nonce: "n\\once".into(),
                verifier: "v".into(),
                redirect_uri: "https://app.example/cb".into(),
                scope: Some("openid mfa".into()),
                acr_values: Some(vec!["urn:a".into(), "b\u{1}".into()]),
                max_age: Some(300),
                sent_at: 1_700_000_000,
                user: Some("alice".into()),
            },
            policy: Some(StepUpPolicy {
                acr: Some(vec!["urn:a".into()]),
                amr: Some(AmrPolicy { any_of: vec!["otp".into()], all_of: vec![] }),
                mfa: true,
                max_age: Some(60),
            }),
            app_state: Some(r#"{"returnTo":"/transfer\n"}"#.into()),
            created_at: 1_700_000_000,
        }
    }

    #[test]
    fn every_member_survives_the_round_trip() {
        let tx = full();
        assert_eq!(decode(&encode(&tx)).unwrap(), tx);
        // The least a transaction holds: no optional member, a policy with no amr and no acr.
        let mut small = Transaction { created_at: 5, ..Transaction::default() };
        small.pending.sent_at = 5;
        for s in [&mut small.issuer, &mut small.client_id, &mut small.pending.state, &mut small.pending.nonce] {
            *s = "x".into();
        }
        small.pending.verifier = "v".into();
        small.pending.redirect_uri = "https://a/cb".into();
        small.policy = Some(StepUpPolicy::default());
        assert_eq!(decode(&encode(&small)).unwrap(), small);
    }

    #[test]
    fn the_text_is_the_camel_case_object() {
        let text = encode(&full());
        assert!(text.starts_with(r#"{"issuer":"https://idp.example/","clientId":"app","state":"st\"ate","nonce":"n\\once""#), "{text}");
        assert!(text.contains(r#""acrValues":["urn:a","b\u0001"],"maxAge":300,"policy":{"acr":["urn:a"],"amr":{"anyOf":["otp"]},"mfa":true,"maxAge":60}"#), "{text}");
        assert!(text.ends_with(r#""user":"alice","scope":"openid mfa","createdAt":1700000000}"#), "{text}");
        let whole = r#"{"issuer":"https://idp.example/","clientId":"app","state":"st\"ate","nonce":"n\\once","verifier":"v","redirectUri":"https://app.example/cb","acrValues":["urn:a","b\u0001"],"maxAge":300,"policy":{"acr":["urn:a"],"amr":{"anyOf":["otp"]},"mfa":true,"maxAge":60},"appState":"{\"returnTo\":\"/transfer\\n\"}","user":"alice","scope":"openid mfa","createdAt":1700000000}"#;
        assert_eq!(text, whole);
        let bare = Transaction { created_at: -1, ..Transaction::default() };
        assert_eq!(encode(&bare), r#"{"issuer":"","clientId":"","state":"","nonce":"","verifier":"","redirectUri":"","createdAt":-1}"#);
    }

    #[test]
    fn anything_unreadable_is_missing_transaction() {
        let text = encode(&full());
        let cut = &text[..text.len() - 1];
        let wrong_type = text.replace(r#""nonce":"n\\once""#, r#""nonce":7"#);
        let no_state = text.replace(r#""state":"st\"ate","#, "");
        let bad_policy = text.replace(r#""mfa":true"#, r#""mfa":"yes""#);
        for bad in [cut, "[]", "", "null", &wrong_type, &no_state, &bad_policy] {
            let e = decode(bad).unwrap_err();
            assert_eq!(e.code(), "missing_transaction", "{bad}");
        }
    }

    #[test]
    fn a_transaction_lives_ten_minutes_and_never_comes_from_the_future() {
        let tx = Transaction { created_at: 1_000, ..Transaction::default() };
        assert!(!tx.expired(1_000 + TX_TTL_SECONDS));
        assert!(tx.expired(1_001 + TX_TTL_SECONDS));
        assert!(!tx.expired(1_000 - TX_TTL_SECONDS));
        assert!(tx.expired(999 - TX_TTL_SECONDS));
        assert!(!Transaction { created_at: i64::MIN, ..Transaction::default() }.expired(i64::MIN));
        assert!(Transaction { created_at: i64::MIN, ..Transaction::default() }.expired(i64::MAX));
    }

    #[test]
    fn debug_never_prints_the_secrets() {
        let shown = format!("{:?}", full());
        for secret in ["st\\\"ate", "n\\\\once", "verifier: \"v\""] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("[redacted]"), "{shown}");
    }

    #[test]
    fn the_state_seals_the_transaction() {
        let mut tx = full();
        tx.pending.state = "random-part".into();
        let state = seal(&tx);
        assert!(state.starts_with("random-part.") && state.len() == "random-part.".len() + 22, "{state}");
        tx.pending.state = state.clone();
        // As the callback reads it back from storage.
        let back = decode(&encode(&tx)).unwrap();
        assert!(check_seal(&back).is_ok());
        // A same-tab writer strips or weakens what the answer is judged by: the seal no longer matches.
        let text = encode(&tx);
        for altered in [
            text.replace(r#""policy":{"acr":["urn:a"],"amr":{"anyOf":["otp"]},"mfa":true,"maxAge":60},"#, ""),
            text.replace(r#""mfa":true"#, r#""mfa":false"#),
            text.replace(r#""acrValues":["urn:a","b\u0001"],"#, ""),
            text.replace(r#""maxAge":300,"#, ""),
            text.replace(r#""user":"alice","#, ""),
            text.replace(r#""createdAt":1700000000"#, r#""createdAt":1700000001"#),
        ] {
            assert_ne!(altered, text);
            let e = check_seal(&decode(&altered).unwrap()).unwrap_err();
            assert_eq!(e.code(), "state_mismatch", "{altered}");
        }
        // Every shape of policy reads back as it was written: a sealed transaction stays sealed.
        for amr in [None, Some(AmrPolicy::default()), Some(AmrPolicy { any_of: vec![], all_of: vec!["otp".into()] })] {
            let mut t = full();
            t.pending.state = "random-part".into();
            t.policy = Some(StepUpPolicy { acr: Some(vec![]), amr, mfa: false, max_age: None });
            t.pending.state = seal(&t);
            assert!(check_seal(&decode(&encode(&t)).unwrap()).is_ok(), "{}", encode(&t));
        }
        // An unsealed state, or one whose hash was cut, is refused too.
        for state in ["random-part", "random-part.", "random-part.AAAA"] {
            let mut t = back.clone();
            t.pending.state = state.into();
            assert_eq!(check_seal(&t).unwrap_err().code(), "state_mismatch", "{state}");
        }
    }
}
