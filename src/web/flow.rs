//! One authorization-code + PKCE round trip, shared by the popup and redirect flows: build the request
//! ([`begin`]) and finish it from the callback URL ([`finish`]).
//!
//! `finish` is the place where "after any failed check, no further request" holds: the callback is
//! checked (state, then `iss`, then error) before the token endpoint is called, and the ID token is
//! verified (signature and every claim rule with this transaction's nonce, `max_age` and `acr_values`)
//! before a session exists.

use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;


use super::client::{AuthorizeOptions, ClientConfig};
use super::crypto;
use super::dpop::Dpop;
use super::http;
use super::jwks::JwksSource;
use super::util::now_seconds;
use super::verify::verify_id_token;
use crate::core::authorize::{self, AuthorizationRequest};
use crate::core::claims::Claims;
use crate::core::discovery::ProviderMetadata;
use crate::core::dpop;
use crate::core::error::Result;
use crate::core::jwk::Algorithm;
use crate::core::pkce::{self, Pkce};
use crate::core::policy::{self, AuthContext, StepUpDecision, StepUpPolicy};
use crate::core::session::Session;
use crate::core::token::{self, TokenResponse};
use crate::core::validate::Expectations;

/// Everything fixed for a client: its configuration, the provider's checked metadata, its keys.
#[derive(Debug)]
pub struct Provider {
    pub config: ClientConfig,
    pub metadata: ProviderMetadata,
    pub jwks: JwksSource,
    pub algorithms: Vec<Algorithm>,
    pub leeway: u64,
    pub step_up_acr: String,
    /// The DPoP key and nonces when the client binds its tokens (RFC 9449; config `use_dpop`).
    pub dpop: Option<Rc<Dpop>>,
}

impl Provider {
    /// What every ID token of this client is checked against (issuer, audience, algorithms, leeway, at `now`),
    /// with `access_token` for its `at_hash`: the login adds its nonce, ages and acr; a refresh its `sub`.
    pub fn expectations(&self, now: i64, access_token: Option<String>) -> Expectations {
        let mut expect = Expectations::new(self.metadata.issuer.clone(), self.config.client_id.clone(), now);
        expect.leeway = self.leeway;
        expect.algorithms = self.algorithms.clone();
        expect.trusted_audiences = self.config.trusted_audiences.clone();
        expect.access_token = access_token.map(Into::into);
        expect
    }

    /// A policy judged with this client's settings: `step_up_acr`, leeway and ordered `acr_levels`.
    pub fn evaluate(&self, ctx: &AuthContext, policy: &StepUpPolicy, now: i64) -> StepUpDecision {
        policy::evaluate_with_levels(ctx, policy, now, &self.step_up_acr, self.leeway, &self.config.acr_levels)
    }
}

pub use crate::core::transaction::Pending;

/// Fresh state, nonce and PKCE verifier (32 random bytes each), and the authorization URL. `acr_binds`:
/// whether the returned `acr` must be one of `opts.acr_values` (`policy::acr_binds`). `seal`, when given, may
/// change the request in flight before the URL is built from it (the redirect flow binds the signed-in user and
/// seals its stored transaction into the state: `core::transaction::seal`).
pub fn begin(
    provider: &Provider,
    redirect_uri: &str,
    opts: &AuthorizeOptions,
    acr_binds: bool,
    seal: Option<&dyn Fn(&mut Pending)>,
) -> Result<(Pending, String)> {
    let state = pkce::random_token(&crypto::random_array::<32>()?);
    let nonce = pkce::random_token(&crypto::random_array::<32>()?);
    let pair = Pkce::from_random(&crypto::random_array::<32>()?);
    let config = &provider.config;
    let acr_values = opts.acr_values.clone().filter(|v| !v.is_empty());
    let mut scope = opts.scope.clone().or_else(|| config.scope.clone()).unwrap_or_else(|| String::from("openid profile"));
    // OIDC Core §11: a refresh token is asked for with offline_access.
    if config.use_refresh_tokens && !crate::core::text::split(&scope, b' ').any(|s| s == "offline_access") {
        scope.push_str(" offline_access");
    }
    // RFC 9449 §10: the code is bound to our key, so only a proof of that key redeems it.
    let dpop_jkt = provider.dpop.as_ref().map(|d| d.thumbprint()).transpose()?;
    let mut pending = Pending {
        state,
        nonce,
        verifier: pair.verifier,
        redirect_uri: String::from(redirect_uri),
        scope: Some(scope),
        acr_values: acr_values.clone().filter(|_| acr_binds || opts.essential_acr),
        max_age: opts.max_age,
        sent_at: now_seconds(),
        user: None,
    };
    if let Some(seal) = seal {
        seal(&mut pending);
    }
    let request = AuthorizationRequest {
        client_id: &config.client_id,
        redirect_uri,
        scope: pending.scope.as_deref().unwrap_or_default(),
        state: &pending.state,
        nonce: &pending.nonce,
        code_challenge: &pair.challenge,
        acr_values: acr_values.as_deref().unwrap_or_default(),
        max_age: opts.max_age,
        prompt: opts.prompt.as_deref(),
        login_hint: opts.login_hint.as_deref(),
        audience: config.audience.as_deref(),
        essential_acr: opts.essential_acr,
        dpop_jkt: dpop_jkt.as_deref(),
        extra: &opts.extra_params,
    };
    let url = request.to_url(&provider.metadata.authorization_endpoint)?;
    Ok((pending, url))
}

/// One request to the token endpoint, any grant (`body`: the form, e.g. [`token::token_request_body`]), and
/// its answer read by [`token::parse_token_response_for`], or for a refresh grant (`refresh`: no ID token
/// needed) by [`token::parse_refresh_response`]: the one place every token request goes through. With DPoP (RFC 9449 §5) the request carries a
/// proof of the client's key and the answer must be `token_type: DPoP`; a `400 use_dpop_nonce` with a new
/// `DPoP-Nonce` is retried once with that nonce (§8), and any nonce the endpoint sends is remembered.
pub async fn token_request(provider: &Provider, body: String, refresh: bool) -> Result<TokenResponse> {
    let url = &provider.metadata.token_endpoint;
    let dpop = provider.dpop.as_deref();
    let mut retry = true;
    loop {
        let proof = match dpop {
            Some(d) => Some(d.proof("POST", url, None)?),
            None => None,
        };
        let response = http::json_response(super::task::settled(http::start_json(url, Some(body.clone()), proof)?).await)?;
        if let Some(d) = dpop {
            let fresh = d.remember_nonce(url, response.dpop_nonce.as_deref());
            if retry && fresh && dpop::token_endpoint_wants_nonce(response.status, response.body.as_ref()) {
                retry = false;
                continue;
            }
        }
        let (status, body, bound) = (response.status, response.body.as_ref(), dpop.is_some());
        return if refresh { token::parse_refresh_response(status, body, bound) } else { token::parse_token_response_for(status, body, bound) };
    }
}

/// Verify the ID token of a refresh answer like any other (signature, `iss`, `aud`, `exp`, `iat`,
/// `at_hash`), and that it is for the signed-in user `sub` (`user_mismatch`). No nonce, `max_age` or
/// `acr` is checked: no authentication happened. `None` when the answer has no ID token.
pub async fn verify_refreshed(provider: &Provider, tokens: &TokenResponse, sub: Option<String>, now: i64) -> Result<Option<Box<Claims>>> {
    match refresh_expectations(provider, tokens, sub, now) {
        Some(expect) => Ok(Some(verify_id_token(&tokens.id_token, &expect, &provider.jwks).await?.claims)),
        None => Ok(None),
    }
}

/// What [`verify_refreshed`] checks the refresh answer's ID token against; `None` when it has none.
pub fn refresh_expectations(provider: &Provider, tokens: &TokenResponse, sub: Option<String>, now: i64) -> Option<Expectations> {
    if tokens.id_token.is_empty() {
        return None;
    }
    let mut expect = provider.expectations(now, tokens.access_token.clone());
    expect.subject = sub;
    Some(expect)
}

/// Check the callback, redeem the code, verify the ID token, and build the session; with it, the
/// refresh token when the provider issued one.
pub async fn finish(provider: &Provider, pending: &Pending, callback_url: &str) -> Result<(Session, Option<String>)> {
    let meta = &provider.metadata;
    let params = authorize::parse_callback(callback_url)?;
    let code = authorize::validate_callback(
        &params,
        &pending.state,
        &meta.issuer,
        meta.authorization_response_iss_parameter_supported,
    )?;
    let body = token::token_request_body(&code, &pending.redirect_uri, &provider.config.client_id, &pending.verifier);
    let mut tokens = token_request(provider, body, false).await?;
    let now = now_seconds();
    let mut expect = provider.expectations(now, tokens.access_token.clone());
    expect.nonce = Some(pending.nonce.as_str().into());
    expect.max_age = pending.max_age;
    expect.sent_at = Some(pending.sent_at);
    expect.acr_values = pending.acr_values.clone();
    expect.acr_levels = provider.config.acr_levels.clone();
    expect.subject = pending.user.clone();
    let decoded = verify_id_token(&tokens.id_token, &expect, &provider.jwks).await?;
    let refresh_token = tokens.refresh_token.take();
    let mut session = Session::new(tokens, decoded.claims, now);
    // The provider's method names in RFC 8176 terms before any policy sees them (the claims keep the raw ones).
    session.amr = policy::alias_amr(&session.amr, &provider.config.amr_aliases);
    // RFC 6749 §5.1: a token response without `scope` granted the scope requested. An empty one says nothing
    // either (a provider may list only the access token's resource scopes, none here): the ID token proves
    // at least `openid` was granted.
    if session.scope.as_deref().unwrap_or_default().is_empty() {
        session.scope = pending.scope.clone();
    }
    Ok((session, refresh_token))
}
