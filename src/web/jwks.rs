//! Where verification keys come from: a JWKS given inline, or the issuer's `jwks_uri`, fetched and
//! cached per URI (OIDC Core §10.1.1).
//!
//! - **One fetch in flight per URI**: concurrent verifications share it (single flight), so a burst of
//!   tokens never becomes a burst of requests.
//! - **Expiry**: a set is kept for the response's `Cache-Control: max-age`, clamped to
//!   [`jwk::JWKS_MIN_AGE`, `jwk::JWKS_MAX_AGE`] (default [`jwk::JWKS_DEFAULT_AGE`]), then fetched again.
//! - **Rotation**: a token whose `kid` is not in the set makes us refetch it; the first such refetch for a
//!   URI always happens (a provider may rotate right after we fetched), after that at most one request
//!   every [`REFETCH_INTERVAL_MS`], failed requests included, so neither made-up `kid`s nor a failing
//!   `jwks_uri` turn us into a request amplifier. Within the interval an unknown `kid` is `key_not_found`
//!   and a failed fetch answers its error again without a request.
//! - Imported WebCrypto keys are kept by algorithm and key material (inline sets too, `glue.js`), so a
//!   verification costs one `importKey` per key per page.

use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;


use super::crypto;
use super::http;
use super::util::{now_millis, PageLocal, Settle, TrapCell};
use crate::core::error::{Error, ErrorCode, Result};
use crate::core::jwk::{self, select_key, Algorithm, Jwk, Jwks};
use crate::core::jwt::JoseHeader;

/// Minimum time between two requests for one `jwks_uri` after its first rotation refetch.
pub const REFETCH_INTERVAL_MS: f64 = 60_000.0;

/// The keys to verify an ID token with.
#[derive(Clone, Debug)]
pub enum JwksSource {
    /// A JWKS document the caller already has (no network).
    Static(Rc<Jwks>),
    /// The issuer's `jwks_uri`.
    Remote(String),
}

impl JwksSource {
    pub fn from_jwks(jwks: Jwks) -> Self {
        JwksSource::Static(Rc::new(jwks))
    }
    pub fn remote(uri: impl Into<String>) -> Self {
        JwksSource::Remote(uri.into())
    }

    /// The key for a token with this header and (already allow-listed) algorithm.
    pub async fn key_for(&self, header: &JoseHeader, alg: Algorithm) -> Result<Jwk> {
        let uri = match self {
            JwksSource::Static(jwks) => return select_key(jwks, header, alg).cloned(),
            JwksSource::Remote(uri) => uri,
        };
        let set = match cached_set(uri) {
            Some(hit) => hit,
            None => fetch_shared(uri).await,
        }?;
        let not_found = match select_key(&set, header, alg) {
            Ok(jwk) => return Ok(jwk.clone()),
            Err(e) => e,
        };
        // Unknown kid: refetch once (the first rotation always; then within the rate limit), unless a
        // request is already in flight, which this caller joins instead.
        let now = now_millis();
        let refetch = with_entry(uri, |e| {
            let allowed = e.in_flight.is_some() || !e.rotated || may_request(e, now);
            if allowed {
                e.rotated = true;
            }
            allowed
        });
        if !refetch {
            return Err(not_found);
        }
        let fresh = fetch_shared(uri).await?;
        select_key(&fresh, header, alg).cloned()
    }

    /// Start fetching the remote set in the background unless a fresh one is cached, so the first verification
    /// does not wait for it (`StepUpClient::create` calls this). Errors are kept for the next verification to report.
    pub fn prefetch(&self) {
        if let JwksSource::Remote(uri) = self {
            if cached_set(uri).is_none() {
                let uri = uri.clone();
                super::task::spawn(async move {
                    let _ = fetch_shared(&uri).await;
                });
            }
        }
    }
}

type Fetched = Result<Rc<Jwks>>;

/// What is known of one `jwks_uri`.
#[derive(Default)]
struct Entry {
    /// The last fetch's outcome and when it ends being usable (`performance`-independent wall clock ms).
    last: Option<(Fetched, f64)>,
    /// When the last request for this URI was made.
    requested_at: Option<f64>,
    /// Whether a rotation refetch (unknown `kid`) already happened.
    rotated: bool,
    /// The request in flight, which every caller awaits.
    in_flight: Option<Settle<Fetched>>,
}

// Per page and per jwks_uri: every client (and verifyIdToken) of one issuer shares the set.
static CACHE: PageLocal<TrapCell<Vec<(String, Entry)>>> = PageLocal::new(TrapCell::new(Vec::new()));

fn with_entry<T>(uri: &str, f: impl FnOnce(&mut Entry) -> T) -> T {
    CACHE.with(|c| {
        let mut cache = c.borrow_mut();
        let i = entry_index(&mut cache, uri);
        match cache.get_mut(i) {
            Some((_, e)) => f(e),
            None => f(&mut Entry::default()),
        }
    })
}

/// Where `uri`'s entry is, made when missing: apart from [`with_entry`]'s `T`, one copy for all its callers.
#[inline(never)]
fn entry_index(cache: &mut Vec<(String, Entry)>, uri: &str) -> usize {
    match cache.iter().position(|(u, _)| u == uri) {
        Some(i) => i,
        None => {
            cache.push((String::from(uri), Entry::default()));
            cache.len() - 1
        }
    }
}

/// Forget every cached JWKS and imported key (tests; or an app that wants to force a refetch).
pub fn clear_cache() {
    CACHE.with(|c| c.borrow_mut().clear());
    crypto::forget_keys();
}

/// Request the set, or join the request in flight.
async fn fetch_shared(uri: &str) -> Fetched {
    let (settle, leader) = with_entry(uri, |e| match &e.in_flight {
        Some(s) => (s.clone(), false),
        None => {
            let s = Settle::new();
            e.in_flight = Some(s.clone());
            e.requested_at = Some(now_millis());
            (s, true)
        }
    });
    if leader {
        let fetched = match http::start_json(uri, None, None) {
            Ok(promise) => http::json_response(super::task::settled(promise).await),
            Err(e) => Err(e),
        };
        let (result, max_age) = match fetched {
            Err(e) => (Err(e), 0),
            Ok(resp) if !resp.ok() => {
                (Err(Error::new(ErrorCode::KeyNotFound, "the JWKS could not be fetched (HTTP error)").with_claim("jwks_uri")), 0)
            }
            Ok(resp) => {
                let parsed = resp
                    .body
                    .ok_or_else(|| Error::new(ErrorCode::KeyNotFound, "the JWKS is not JSON").with_claim("jwks_uri"))
                    .and_then(|body| Jwks::from_json(&body))
                    .map(Rc::new);
                (parsed, jwk::jwks_max_age(resp.cache_control.as_deref()))
            }
        };
        // A failure is answered again until the refetch interval allows a new request.
        let until = if result.is_ok() { now_millis() + (max_age as f64) * 1000.0 } else { f64::INFINITY };
        with_entry(uri, |e| {
            e.last = Some((result.clone(), until));
            e.in_flight = None;
        });
        settle.settle(result);
    }
    settle.wait().await.unwrap_or_else(|| Err(Error::new(ErrorCode::KeyNotFound, "the JWKS request was lost")))
}

/// Whether a new request for `uri` is allowed now (the rate limit on refetches).
fn may_request(e: &Entry, now: f64) -> bool {
    match e.requested_at {
        None => true,
        Some(t) => now - t >= REFETCH_INTERVAL_MS || now < t,
    }
}

/// The usable set of `uri` if one is cached and not expired (or the failure that stands), else `None`: fetch it.
fn cached_set(uri: &str) -> Option<Fetched> {
    let now = now_millis();
    with_entry(uri, |e| match &e.last {
        Some((Ok(set), until)) if now < *until => Some(Ok(set.clone())),
        // A failed fetch stands until the interval allows asking again.
        Some((Err(err), _)) if !may_request(e, now) => Some(Err(err.clone())),
        _ => None,
    })
}
