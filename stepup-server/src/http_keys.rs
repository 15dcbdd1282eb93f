//! The issuer's JWKS over HTTPS (feature `jwks-http`), with the client's rules (OIDC Core §10.1.1):
//!
//! - **Discovery**: `{issuer}/.well-known/openid-configuration` unless a `jwks_uri` is configured; its
//!   `issuer` must equal the configured one, its `jwks_uri` must be https (http only on loopback).
//! - **No redirects**: a 3xx is a failure (hyper's client never follows one).
//! - **Single flight**: one request at a time; concurrent checks wait for it and share its answer.
//! - **Expiry**: a set is kept for the response's `Cache-Control: max-age` clamped to 5 min – 24 h
//!   (`stepup::core::jwk::jwks_max_age`), then fetched again.
//! - **Rotation**: a token whose `kid` is not in the set makes us refetch it: the first time always, then
//!   at most once a minute, so made-up `kid`s never turn the guard into a request amplifier. A failed
//!   request is answered again, without a new request, until a minute has passed.
//!
//! Why hyper-util's client with hyper-rustls (ring provider, webpki roots) and not reqwest: it is what
//! reqwest is built on, minus the cookie, redirect, proxy, form and URL-encoding layers this needs none of;
//! the TLS stack reuses ring, already the guard's signature crate; no OpenSSL, no aws-lc build (a C/CMake
//! build that costs minutes on a small machine).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http::{header, Request, StatusCode};
use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use stepup::core::authorize::is_secure_url;
use stepup::core::discovery::discovery_url;
use stepup::core::error::ErrorCode;
use stepup::core::json::{self, Json};
use stepup::core::jwk::{jwks_max_age, Jwks};

use crate::keys::{KeyFault, KeySet};

/// Minimum time between two requests after the first rotation refetch (and after a failure).
pub const REFETCH_INTERVAL: Duration = Duration::from_secs(60);
/// A discovery document or JWKS larger than this is refused.
const MAX_BODY: usize = 512 * 1024;
/// Each request (connect, TLS, headers, body) must finish within this.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

type HttpClient = Client<HttpsConnector<HttpConnector>, Empty<Bytes>>;

#[derive(Debug, Default)]
struct State {
    jwks_uri: Option<String>,
    set: Option<(Arc<KeySet>, Instant)>,
    /// The last request's failure and when it happened: answered again within the interval.
    failure: Option<(KeyFault, Instant)>,
    requested_at: Option<Instant>,
    rotated: bool,
}

pub(crate) struct RemoteKeys {
    issuer: String,
    client: HttpClient,
    state: Mutex<State>,
    /// Held while a request is in flight: the single flight.
    flight: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for RemoteKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteKeys").field("issuer", &self.issuer).finish_non_exhaustive()
    }
}

fn fault(code: ErrorCode, message: impl Into<String>) -> KeyFault {
    KeyFault { code, message: message.into() }
}

impl RemoteKeys {
    /// Keys of `issuer`, from `jwks_uri` or found by discovery.
    pub(crate) fn new(issuer: &str, jwks_uri: Option<&str>) -> Result<RemoteKeys, KeyFault> {
        if let Some(uri) = jwks_uri {
            if !is_secure_url(uri) {
                return Err(fault(ErrorCode::InvalidConfig, "jwksUri must be an https URL (http only on loopback)"));
            }
        } else if !is_secure_url(issuer) {
            return Err(fault(ErrorCode::InvalidConfig, "the issuer must be an https URL to be discovered (or give jwksUri or jwks)"));
        }
        // rustls deprecates its ring provider for lacking post-quantum key exchange. A JWKS is public: what
        // TLS must give it is authenticity at fetch time, which a future quantum computer cannot forge after
        // the fact; and ring keeps aws-lc's CMake build out of the tree.
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(provider)
            .map_err(|e| fault(ErrorCode::InvalidConfig, format!("TLS setup failed: {e}")))?
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new()).build(connector);
        let state = State { jwks_uri: jwks_uri.map(str::to_owned), ..State::default() };
        Ok(RemoteKeys { issuer: issuer.to_owned(), client, state: Mutex::new(state), flight: tokio::sync::Mutex::new(()) })
    }

    fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        // A poisoned lock only means another thread panicked while holding it; the state is still coherent
        // (each update is one assignment), so keep serving.
        let mut guard = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }

    /// A cached, unexpired set; or the standing failure; or `None`: ask.
    fn cached(&self, now: Instant) -> Option<Result<Arc<KeySet>, KeyFault>> {
        self.with_state(|s| {
            if let Some((set, until)) = &s.set {
                if now < *until {
                    return Some(Ok(set.clone()));
                }
            }
            match &s.failure {
                Some((f, at)) if now.duration_since(*at) < REFETCH_INTERVAL => Some(Err(f.clone())),
                _ => None,
            }
        })
    }

    pub(crate) async fn current(&self) -> Result<Arc<KeySet>, KeyFault> {
        if let Some(r) = self.cached(Instant::now()) {
            return r;
        }
        let _flight = self.flight.lock().await;
        // Another check may have fetched while we waited.
        if let Some(r) = self.cached(Instant::now()) {
            return r;
        }
        self.fetch().await
    }

    pub(crate) async fn rotated(&self, seen: &Arc<KeySet>) -> Option<Arc<KeySet>> {
        let _flight = self.flight.lock().await;
        let now = Instant::now();
        let (newer, allowed) = self.with_state(|s| {
            let newer = s.set.as_ref().map(|(set, _)| set.clone()).filter(|set| !Arc::ptr_eq(set, seen));
            let allowed = !s.rotated || s.requested_at.map_or(true, |t| now.duration_since(t) >= REFETCH_INTERVAL);
            (newer, allowed)
        });
        if newer.is_some() {
            return newer;
        }
        if !allowed {
            return None;
        }
        self.with_state(|s| s.rotated = true);
        self.fetch().await.ok()
    }

    /// One request (discovery first when the `jwks_uri` is not known yet), under the flight lock.
    async fn fetch(&self) -> Result<Arc<KeySet>, KeyFault> {
        let started = Instant::now();
        self.with_state(|s| s.requested_at = Some(started));
        let result = self.fetch_set().await;
        self.with_state(|s| match &result {
            Ok((set, max_age)) => {
                s.set = Some((set.clone(), started + Duration::from_secs(*max_age)));
                s.failure = None;
            }
            Err(f) => s.failure = Some((f.clone(), started)),
        });
        result.map(|(set, _)| set)
    }

    async fn fetch_set(&self) -> Result<(Arc<KeySet>, u64), KeyFault> {
        let uri = match self.with_state(|s| s.jwks_uri.clone()) {
            Some(uri) => uri,
            None => {
                let uri = self.discover().await?;
                self.with_state(|s| s.jwks_uri = Some(uri.clone()));
                uri
            }
        };
        let (body, cache_control) = self.get_json(&uri, ErrorCode::KeyNotFound).await?;
        let jwks = Jwks::from_json(&body).map_err(|e| fault(ErrorCode::KeyNotFound, e.message()))?;
        Ok((Arc::new(KeySet::new(jwks)), jwks_max_age(cache_control.as_deref())))
    }

    async fn discover(&self) -> Result<String, KeyFault> {
        let (doc, _) = self.get_json(&discovery_url(&self.issuer), ErrorCode::DiscoveryFailed).await?;
        if doc.get("issuer").and_then(Json::as_str) != Some(self.issuer.as_str()) {
            return Err(fault(ErrorCode::IssuerMismatch, "the discovery document names another issuer"));
        }
        match doc.get("jwks_uri").and_then(Json::as_str) {
            Some(uri) if is_secure_url(uri) => Ok(uri.to_owned()),
            _ => Err(fault(ErrorCode::DiscoveryFailed, "the discovery document has no https jwks_uri")),
        }
    }

    /// GET `uri` as JSON: status 200 only (no redirect is followed), at most [`MAX_BODY`] bytes.
    async fn get_json(&self, uri: &str, code: ErrorCode) -> Result<(Json, Option<String>), KeyFault> {
        let request = Request::get(uri)
            .header(header::ACCEPT, "application/json")
            .body(Empty::new())
            .map_err(|_| fault(code, "the URL is not a valid request target"))?;
        let exchange = async {
            let response = self.client.request(request).await.map_err(|e| fault(code, format!("request failed: {e}")))?;
            if response.status() != StatusCode::OK {
                return Err(fault(code, format!("HTTP status {}", response.status().as_u16())));
            }
            let cache_control = response.headers().get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()).map(str::to_owned);
            let body = Limited::new(response.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|_| fault(code, "the response body could not be read or is too large"))?
                .to_bytes();
            Ok((body, cache_control))
        };
        let (body, cache_control) = tokio::time::timeout(REQUEST_TIMEOUT, exchange).await.map_err(|_| fault(code, "the request timed out"))??;
        let text = std::str::from_utf8(&body).map_err(|_| fault(code, "the response is not UTF-8"))?;
        let doc = json::parse(text, code).map_err(|e| fault(code, e.message()))?;
        Ok((doc, cache_control))
    }
}
