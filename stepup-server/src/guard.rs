//! [`ApiGuard`]: the driver around `stepup::core::guard`'s two pure steps. `begin` reads the request as far
//! as no key and no clock is needed; the driver verifies the token's signature with the issuer's key and the
//! DPoP proof's with its own `jwk`; `finish` judges claims, scope and the step-up policy at `now`; the driver
//! claims the proof's `jti` in the replay store. The Node guard is the same driver in JavaScript, so both
//! answer every request alike.

use std::sync::Arc;

use http::header::{AUTHORIZATION, HOST};
use http::{HeaderMap, Method, Uri};
use stepup::core::error::{Error, ErrorCode, Result};
use stepup::core::guard::{self as rules, GuardConfig, GuardRequest, Pending, Rejection as CoreRejection, Verified};
use stepup::core::json::{self, Json};
use stepup::core::jwk::{Algorithm, Jwks};

use crate::keys::{self, KeyFault, KeySet, Keys};
use crate::replay::{unix_now, MemoryReplayStore, ReplayStore};
use crate::verify;
use crate::{ApiAuth, ClaimNames, DpopMode, GuardPolicy, Rejection};

/// An access-token guard for one API (issuer + audience). Cheap to clone: clones share keys and replay store.
#[derive(Clone)]
pub struct ApiGuard(Arc<Inner>);

struct Inner {
    config: GuardConfig,
    keys: Keys,
    replay: Arc<dyn ReplayStore>,
    public_origin: Option<String>,
}

impl std::fmt::Debug for ApiGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiGuard").field("config", &self.0.config).field("keys", &self.0.keys).finish_non_exhaustive()
    }
}

/// Builds an [`ApiGuard`]: [`ApiGuard::builder`] (typed) or [`ApiGuard::from_json`] (the Node guard's options).
pub struct ApiGuardBuilder {
    config: GuardConfig,
    jwks: Option<Jwks>,
    jwks_uri: Option<String>,
    replay: Option<Arc<dyn ReplayStore>>,
    public_origin: Option<String>,
}

impl std::fmt::Debug for ApiGuardBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiGuardBuilder").field("config", &self.config).field("jwks_uri", &self.jwks_uri).finish_non_exhaustive()
    }
}

fn invalid_config(member: &'static str, message: &'static str) -> Error {
    Error::new(ErrorCode::InvalidConfig, message).with_claim(member)
}

impl ApiGuardBuilder {
    /// Every setting of the shared rules (`stepup::core::guard::GuardConfig`): algorithms, leeway, acr levels,
    /// amr aliases, step-up acr, claim names, DPoP mode and algorithms, `plain_jwt`.
    pub fn config_mut(&mut self) -> &mut GuardConfig {
        &mut self.config
    }

    /// Accept tokens for any of these audiences (`aud` must contain one).
    pub fn audiences<S: Into<String>>(mut self, audiences: impl IntoIterator<Item = S>) -> Self {
        self.config.audiences = audiences.into_iter().map(Into::into).collect();
        self
    }

    /// The access-token allowlist (default RS256, PS256, ES256).
    pub fn algorithms(mut self, algorithms: &[Algorithm]) -> Self {
        self.config.algorithms = algorithms.to_vec();
        self
    }

    /// Clock skew for `exp` / `nbf` / `iat`, seconds (default 60).
    pub fn leeway(mut self, seconds: u64) -> Self {
        self.config.leeway = seconds;
        self
    }

    /// Ordered acr levels, weakest first: a token at or above the requested level satisfies it.
    pub fn acr_levels<S: Into<String>>(mut self, levels: impl IntoIterator<Item = S>) -> Self {
        self.config.acr_levels = levels.into_iter().map(Into::into).collect();
        self
    }

    /// Provider method names → RFC 8176 values, applied before policies.
    pub fn amr_aliases<A: Into<String>, B: Into<String>>(mut self, aliases: impl IntoIterator<Item = (A, B)>) -> Self {
        self.config.amr_aliases = aliases.into_iter().map(|(a, b)| (a.into(), b.into())).collect();
        self
    }

    /// Where `acr` / `amr` / `auth_time` are read (an Auth0 Action's namespaced claims).
    pub fn claim_names(mut self, names: ClaimNames) -> Self {
        self.config.claim_names = names;
        self
    }

    /// DPoP `allowed` (default), `required` or `off`.
    pub fn dpop(mut self, mode: DpopMode) -> Self {
        self.config.dpop = mode;
        self
    }

    /// Verify with this JWKS (no network).
    pub fn jwks(mut self, jwks: Jwks) -> Self {
        self.jwks = Some(jwks);
        self
    }

    /// Verify with this JWKS document (JSON text).
    pub fn jwks_json(self, text: &str) -> Result<Self> {
        let doc = json::parse(text, ErrorCode::InvalidConfig)?;
        Ok(self.jwks(Jwks::from_json(&doc).map_err(|_| invalid_config("jwks", "jwks is not a JWK Set"))?))
    }

    /// Fetch keys from this URI (feature `jwks-http`) instead of discovering it from the issuer.
    pub fn jwks_uri(mut self, uri: impl Into<String>) -> Self {
        self.jwks_uri = Some(uri.into());
        self
    }

    /// Where DPoP proof `jti`s are claimed (default: a [`MemoryReplayStore`] of this guard alone). APIs that
    /// run on several instances share one, e.g. [`RedisReplayStore`](crate::RedisReplayStore).
    pub fn replay_store(mut self, store: impl ReplayStore) -> Self {
        self.replay = Some(Arc::new(store));
        self
    }

    /// The API's public origin (`https://api.example.com`), from which the tower layer and the axum extractors
    /// rebuild the URL a client requested (what a DPoP proof's `htu` names). Without it they use the request's
    /// `Host` and `http`: set it whenever TLS ends in front of the app.
    pub fn public_origin(mut self, origin: impl Into<String>) -> Self {
        let origin: String = origin.into();
        self.public_origin = Some(origin.trim_end_matches('/').to_owned());
        self
    }

    pub fn build(self) -> Result<ApiGuard> {
        if self.config.audiences.is_empty() || self.config.audiences.iter().any(String::is_empty) {
            return Err(invalid_config("audience", "audience must be a non-empty string or array of them"));
        }
        if !self.config.algorithms.iter().chain(&self.config.dpop_algorithms).all(|a| verify::supported(*a)) {
            return Err(invalid_config("algorithms", "ES512 (P-521) is not supported by the Rust guard"));
        }
        let keys = match (self.jwks, self.jwks_uri) {
            (Some(jwks), _) => Keys::Inline(Arc::new(KeySet::new(jwks))),
            #[cfg(feature = "jwks-http")]
            (None, uri) => Keys::Remote(Box::new(
                crate::http_keys::RemoteKeys::new(&self.config.issuer, uri.as_deref()).map_err(KeyFault::into_error)?,
            )),
            #[cfg(not(feature = "jwks-http"))]
            (None, _) => return Err(invalid_config("jwks", "give jwks (fetching keys needs the jwks-http feature)")),
        };
        let replay = self.replay.unwrap_or_else(|| Arc::new(MemoryReplayStore::default()));
        Ok(ApiGuard(Arc::new(Inner { config: self.config, keys, replay, public_origin: self.public_origin })))
    }
}

/// A header's value as text; several are joined with ", " (RFC 9110 §5.3), which no single credential holds,
/// so a request with two `Authorization` or two `DPoP` headers fails. A value that is not text makes the
/// whole header unreadable, which fails the same way.
fn header_text(headers: &HeaderMap, name: impl http::header::AsHeaderName + Clone) -> Option<String> {
    let mut out: Option<String> = None;
    for value in headers.get_all(name.clone()) {
        let text = value.to_str().unwrap_or("\u{fffd}");
        match &mut out {
            None => out = Some(text.to_owned()),
            Some(all) => {
                all.push_str(", ");
                all.push_str(text);
            }
        }
    }
    out
}

/// 503 `discovery_failed` when the issuer's keys cannot be fetched (as the Node guard answers): an outage,
/// not a bad token (a 401 would send clients to log in again for nothing).
fn keys_unavailable(fault: &KeyFault) -> Rejection {
    let _ = fault;
    Rejection::from(CoreRejection {
        status: 503,
        code: ErrorCode::DiscoveryFailed.as_str(),
        www_authenticate: None,
        description: "the provider's keys could not be fetched",
        claim: None,
    })
}

impl ApiGuard {
    /// A guard for tokens of `issuer` meant for `audience`, every other setting at its default.
    pub fn builder(issuer: impl Into<String>, audience: impl Into<String>) -> ApiGuardBuilder {
        ApiGuardBuilder {
            config: GuardConfig::new(issuer, audience),
            jwks: None,
            jwks_uri: None,
            replay: None,
            public_origin: None,
        }
    }

    /// The Node guard's options object (`createApiGuard({ issuer, audience, jwks, jwksUri, algorithms, ... })`)
    /// as JSON text; `replayStore` is set on the builder.
    pub fn from_json(options: &str) -> Result<ApiGuardBuilder> {
        let doc = json::parse(options, ErrorCode::InvalidConfig)?;
        let config = GuardConfig::from_json(&doc)?;
        let mut builder = ApiGuardBuilder { config, jwks: None, jwks_uri: None, replay: None, public_origin: None };
        match doc.get("jwks") {
            None | Some(Json::Null) => {}
            Some(jwks) => builder.jwks = Some(Jwks::from_json(jwks).map_err(|_| invalid_config("jwks", "jwks is not a JWK Set"))?),
        }
        match doc.get("jwksUri") {
            None | Some(Json::Null) => {}
            Some(Json::String(uri)) => builder.jwks_uri = Some(uri.clone()),
            Some(_) => return Err(invalid_config("jwksUri", "jwksUri must be a string")),
        }
        Ok(builder)
    }

    /// The rules' settings.
    pub fn config(&self) -> &GuardConfig {
        &self.0.config
    }

    /// Check a request against `policy` now. `url` is the absolute URL the client requested.
    pub async fn check(&self, method: &Method, url: &str, headers: &HeaderMap, policy: &GuardPolicy) -> std::result::Result<ApiAuth, Rejection> {
        self.check_at(method, url, headers, policy, unix_now()).await
    }

    /// [`ApiGuard::check`] with the clock given (seconds since the epoch): for tests and recorded requests.
    pub async fn check_at(
        &self,
        method: &Method,
        url: &str,
        headers: &HeaderMap,
        policy: &GuardPolicy,
        now: i64,
    ) -> std::result::Result<ApiAuth, Rejection> {
        let config = &self.0.config;
        // Keys first, as the Node guard: while the provider's keys cannot be had, every request is a 503.
        let set = self.0.keys.current().await.map_err(|f| keys_unavailable(&f))?;
        let pending = {
            let authorization = header_text(headers, AUTHORIZATION);
            let dpop = header_text(headers, "dpop");
            let request = GuardRequest { method: method.as_str(), url, authorization: authorization.as_deref(), dpop: dpop.as_deref() };
            rules::begin(config, &request)?
        };
        let token = self.verify_token(&pending, set).await?;
        let proof = pending
            .proof
            .as_ref()
            .is_some_and(|p| keys::verify_with_jwk(&p.jwk, p.alg, p.signing_input.as_bytes(), &p.signature).is_ok());
        let auth = rules::finish(config, pending, Verified { token, proof }, policy, now)?;
        if let Some(replay) = &auth.replay {
            // Stores count time by the real clock: the proof's remaining window at `now` is carried over to it
            // (the same as `expires_at` when `now` is the real clock), as the Node guard does.
            let expires_at = unix_now().saturating_add(replay.expires_at.saturating_sub(now));
            match self.0.replay.claim(&replay.key, expires_at).await {
                Ok(true) => {}
                Ok(false) => return Err(CoreRejection::replayed_proof(config).into()),
                Err(_) => return Err(CoreRejection::replay_store_unavailable().into()),
            }
        }
        Ok(auth)
    }

    /// Whether the token's signature verifies with the issuer's key. A key that cannot be chosen (unknown
    /// `kid`, after the one refetch the rotation rule allows) is the rules' `key_not_found` rejection.
    async fn verify_token(&self, pending: &Pending, set: Arc<KeySet>) -> std::result::Result<bool, Rejection> {
        let config = &self.0.config;
        let t = &pending.token;
        // Only the error's kind survives the `.await` below (`stepup::Error` is not `Send`).
        let first = set.verify(&t.header, t.alg, t.signing_input.as_bytes(), &t.signature).map_err(|e| e.kind());
        let set = match first {
            Ok(()) => return Ok(true),
            Err(ErrorCode::KeyNotFound) => self.0.keys.rotated(&set).await.unwrap_or(set),
            Err(_) => return Ok(false),
        };
        match set.verify(&t.header, t.alg, t.signing_input.as_bytes(), &t.signature) {
            Ok(()) => Ok(true),
            // The rules say how an unknown key is answered (401 invalid_token, code key_not_found).
            Err(e) if e.kind() == ErrorCode::KeyNotFound => match pending.token_key(config, set.jwks()) {
                Err(rejection) => Err(rejection.into()),
                Ok(_) => Ok(false),
            },
            Err(_) => Ok(false),
        }
    }

    /// The absolute URL a client requested, rebuilt from a server-side request: the configured public origin
    /// (or `http://` + `Host`) and the path and query.
    pub fn request_url(&self, uri: &Uri, headers: &HeaderMap) -> String {
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        if let Some(origin) = &self.0.public_origin {
            return [origin.as_str(), path].concat();
        }
        if let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) {
            return [scheme, "://", authority.as_str(), path].concat();
        }
        let host = headers.get(HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
        ["http://", host, path].concat()
    }
}
