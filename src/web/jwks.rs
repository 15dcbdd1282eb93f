//! Where verification keys come from: a JWKS given inline, or the issuer's `jwks_uri`, fetched once
//! and cached per URI for the life of the page.
//!
//! Key rotation (OIDC Core §10.1.1): a token whose `kid` is not in the cached set makes us refetch the
//! set once, then fail with `key_not_found`. The first such refetch for a URI always happens; after
//! that at most one every [`REFETCH_INTERVAL_MS`], so a stream of tokens with made-up `kid`s cannot
//! turn us into a request amplifier against the provider.

use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;

use web_sys::CryptoKey;

use super::crypto;
use super::http;
use super::util::now_millis;
use crate::core::error::{Error, ErrorCode, Result};
use crate::core::jwk::{select_key, Algorithm, Jwk, Jwks};
use crate::core::jwt::JoseHeader;

/// Minimum time between two rotation refetches of one `jwks_uri` (after the first).
pub const REFETCH_INTERVAL_MS: f64 = 30_000.0;

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

    /// The imported WebCrypto key for a token with this header and (already allow-listed) algorithm.
    pub async fn key_for(&self, header: &JoseHeader, alg: Algorithm) -> Result<CryptoKey> {
        match self {
            JwksSource::Static(jwks) => {
                let jwk = select_key(jwks, header, alg)?.clone();
                crypto::import_key(&jwk, alg).await
            }
            JwksSource::Remote(uri) => remote_key(uri, header, alg).await,
        }
    }
}

/// One cached JWKS: the set, when it was last fetched for rotation, and the keys imported so far.
struct Entry {
    jwks: Rc<Jwks>,
    /// Time of the last refetch caused by an unknown `kid`; `None` until the first.
    rotated_at: Option<f64>,
    imported: Vec<(String, CryptoKey)>,
}

std::thread_local! {
    // Per page and per jwks_uri: every client (and verifyIdToken) of one issuer shares the set.
    static CACHE: RefCell<Vec<(String, Entry)>> = const { RefCell::new(Vec::new()) };
}

/// The cached set of `uri` (a page talks to one or two issuers: a linear search).
fn entry<'a>(cache: &'a [(String, Entry)], uri: &str) -> Option<&'a Entry> {
    cache.iter().find(|(u, _)| u == uri).map(|(_, e)| e)
}

/// Forget every cached JWKS (tests; or an app that wants to force a refetch).
pub fn clear_cache() {
    CACHE.with(|c| c.borrow_mut().clear());
}

async fn fetch_jwks(uri: &str) -> Result<Jwks> {
    let resp = http::get_json(uri).await?;
    if !resp.ok() {
        return Err(Error::new(ErrorCode::KeyNotFound, "the JWKS could not be fetched (HTTP error)").with_claim("jwks_uri"));
    }
    let body = resp
        .body
        .ok_or_else(|| Error::new(ErrorCode::KeyNotFound, "the JWKS is not JSON").with_claim("jwks_uri"))?;
    Jwks::from_json(&body)
}

fn store(uri: &str, jwks: Jwks, rotated_at: Option<f64>) {
    let entry = Entry { jwks: Rc::new(jwks), rotated_at, imported: Vec::new() };
    CACHE.with(|c| {
        let mut cache = c.borrow_mut();
        match cache.iter_mut().find(|(u, _)| u == uri) {
            Some((_, e)) => *e = entry,
            None => cache.push((String::from(uri), entry)),
        }
    });
}

/// Identity of an imported key: the algorithm and the public key material (not the `kid`, which a
/// rotated set may reuse for a different key).
fn key_id(jwk: &Jwk, alg: Algorithm) -> String {
    let mut id = String::from(alg.name());
    for part in [&jwk.n, &jwk.e, &jwk.x, &jwk.y].into_iter().flatten() {
        id.push('|');
        id.push_str(part);
    }
    id
}

async fn remote_key(uri: &str, header: &JoseHeader, alg: Algorithm) -> Result<CryptoKey> {
    let cached = CACHE.with(|c| entry(&c.borrow(), uri).map(|e| (e.jwks.clone(), e.rotated_at)));
    let (jwks, rotated_at) = match cached {
        Some(hit) => hit,
        None => {
            store(uri, fetch_jwks(uri).await?, None);
            match CACHE.with(|c| entry(&c.borrow(), uri).map(|e| (e.jwks.clone(), e.rotated_at))) {
                Some(hit) => hit,
                None => return Err(Error::new(ErrorCode::KeyNotFound, "the JWKS cache lost the set")),
            }
        }
    };
    let jwk = match select_key(&jwks, header, alg) {
        Ok(jwk) => jwk.clone(),
        Err(not_found) => {
            let now = now_millis();
            let may_refetch = rotated_at.map_or(true, |t| now - t >= REFETCH_INTERVAL_MS || now < t);
            if !may_refetch {
                return Err(not_found);
            }
            let fresh = fetch_jwks(uri).await?;
            let jwk = select_key(&fresh, header, alg).cloned();
            store(uri, fresh, Some(now));
            jwk?
        }
    };
    import_cached(uri, &jwk, alg).await
}

async fn import_cached(uri: &str, jwk: &Jwk, alg: Algorithm) -> Result<CryptoKey> {
    let id = key_id(jwk, alg);
    let hit = CACHE.with(|c| {
        entry(&c.borrow(), uri).and_then(|e| e.imported.iter().find(|(k, _)| *k == id).map(|(_, key)| key.clone()))
    });
    if let Some(key) = hit {
        return Ok(key);
    }
    let key = crypto::import_key(jwk, alg).await?;
    CACHE.with(|c| {
        if let Some((_, e)) = c.borrow_mut().iter_mut().find(|(u, _)| u == uri) {
            e.imported.push((id, key.clone()));
        }
    });
    Ok(key)
}
