//! `StepUpClient`: the Rust API of step-up authentication in the browser (the JS class wraps it).
//!
//! ```ignore
//! let client = StepUpClient::create(ClientConfig::new(issuer, client_id, redirect_uri)).await?;
//! // inside a click handler: the popup opens synchronously when `require_step_up` is called
//! let session = client.require_step_up(&policy, StepUpOptions::default()).await?;
//! ```
//!
//! The rules kept here:
//! - one interactive flow at a time: a second popup request while one is open joins it (no second
//!   popup) and judges the result against its own policy;
//! - the session is keyed by strength: a step-up result is stored and returned only after the ID
//!   token passed every check *and* the policy is met, so a provider that ignored `acr_values` never
//!   replaces (or is mistaken for) the stronger session that was asked for;
//! - methods that may open a popup do so synchronously, before returning their future, because
//!   browsers only allow popups during the user's click.

use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::Cell;
use core::future::Future;
use core::pin::Pin;

use web_sys::AbortSignal;

use super::dpop::{Dpop, KeyStorage};
use super::flow::{self, Provider};
use super::http;
use super::util;
use super::jwks::JwksSource;
use super::popup::{self, Popup, WaitOptions};
use super::redirect;
use super::session_store::{self, SessionCache};
use super::storage::{self, Transaction};
use super::util::{now_seconds, Settle, TrapCell};
use crate::core::authorize::logout_url;
use crate::core::transaction::{self, Pending};
use crate::core::cache::CacheLocation;
pub use crate::core::config::{AuthorizeOptions, ClientConfig};
use crate::core::config::{token_may_go_to, without_trailing_slashes};
use crate::core::challenge::parse_step_up_challenge;
use crate::core::discovery::{discovery_url, ProviderMetadata};
use crate::core::dpop;
use crate::core::error::{Error, ErrorCode, Result};
use crate::core::jwk::DEFAULT_ALGORITHMS;
use crate::core::options;
use crate::core::policy::{self, StepUpPolicy, DEFAULT_STEP_UP_ACR};
use crate::core::session::{self, Session};
use crate::core::validate::DEFAULT_LEEWAY;

/// A boxed local future: what the popup-opening methods return after their synchronous part.
pub type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// How `require_step_up` runs the login when one is needed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    #[default]
    Popup,
    Redirect,
}

/// Options of `require_step_up` / `login_with_popup`.
#[derive(Clone, Debug, Default)]
pub struct StepUpOptions {
    pub mode: Mode,
    /// Aborts a popup flow (`aborted`).
    pub signal: Option<AbortSignal>,
    /// Redirect mode: returned by `handle_redirect_callback` (JSON text).
    pub app_state: Option<String>,
    /// The scope to log in with instead of the config's, for providers that step up by scope. The current
    /// session then counts only if its granted scope holds every one of these.
    pub scope: Option<String>,
}

/// What `handle_redirect_callback` returns.
#[derive(Clone, Debug, PartialEq)]
pub struct RedirectResult {
    pub session: Session,
    /// The `app_state` given to `login_with_redirect` / `require_step_up` (JSON text).
    pub app_state: Option<String>,
}

type Shared = Settle<Result<Session>>;

#[derive(Debug)]
pub(super) struct Inner {
    pub(super) provider: Provider,
    pub(super) session: TrapCell<Option<Session>>,
    /// The popup flow in progress, which later callers join, and its window.
    flow: TrapCell<Option<(Shared, Popup)>>,
    /// Counts logouts: a flow that started before the last one ends `aborted` and stores nothing.
    pub(super) epoch: Cell<u32>,
    /// The refresh token and the other APIs' access tokens; the storage, lock and tabs (`session_store`).
    pub(super) cache: SessionCache,
}

/// The step-up client. Cheap to clone (shared state).
#[derive(Clone, Debug)]
pub struct StepUpClient {
    pub(super) inner: Rc<Inner>,
}

/// Clones are the same client (one shared state); separately created clients are not equal.
impl PartialEq for StepUpClient {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }
}

fn ready<T: 'static>(value: T) -> LocalFuture<T> {
    Box::pin(core::future::ready(value))
}

impl StepUpClient {
    /// Check the configuration and load the provider's metadata (discovery, unless `config.metadata`
    /// is given). The discovery `issuer` must equal `config.issuer` exactly (`issuer_mismatch`)
    /// before anything else happens. `config` is a [`ClientConfig`] (or a boxed one: the future holds it
    /// across the discovery request as a pointer).
    pub async fn create(config: impl Into<Box<ClientConfig>>) -> Result<StepUpClient> {
        let config = config.into();
        let metadata = match &config.metadata {
            Some(doc) => ProviderMetadata::from_json(doc, &config.issuer)?,
            None => {
                if config.issuer.is_empty() {
                    return Err(Error::new(ErrorCode::InvalidConfig, "issuer is required").with_claim("issuer"));
                }
                // OIDC Discovery §3: the issuer is https (localhost aside). Refuse before any request, so the
                // discovery document is never fetched in clear text.
                options::secure_url(&config.issuer, "issuer")?;
                let resp = http::json_response(super::task::settled(http::start_json(&discovery_url(&config.issuer), None, None)?).await)?;
                if !resp.ok() {
                    return Err(Error::new(ErrorCode::DiscoveryFailed, "the discovery document could not be fetched"));
                }
                let doc = resp
                    .body
                    .ok_or_else(|| Error::new(ErrorCode::DiscoveryFailed, "the discovery document is not JSON"))?;
                ProviderMetadata::from_json(&doc, &config.issuer)?
            }
        };
        let client = Self::with_metadata(*config, metadata)?;
        // The stored session, if any, once its ID token passed verification again (it may fetch the JWKS).
        session_store::restore(&client.inner).await;
        // With DPoP the key pair must be ready before the first login: the authorization URL carries its
        // thumbprint and is built during the user's click.
        if let Some(d) = &client.inner.provider.dpop {
            d.key().await?;
        }
        // Have the signing keys ready before the user clicks: the popup's round trip then waits only for
        // the token endpoint. In the background, so `create` does not wait for it either.
        client.inner.provider.jwks.prefetch();
        Ok(client)
    }

    /// Build from metadata already checked with `ProviderMetadata::from_json`. With `use_dpop`, await
    /// [`Self::dpop_key`] before the first login ([`Self::create`] does). A stored session is not restored
    /// here: [`Self::create`] restores it once its ID token is verified again (or call [`Self::restore_session`]).
    pub fn with_metadata(config: ClientConfig, metadata: ProviderMetadata) -> Result<StepUpClient> {
        for (value, name) in [(&config.client_id, "clientId"), (&config.redirect_uri, "redirectUri")] {
            if value.is_empty() {
                return Err(Error::new(ErrorCode::InvalidConfig, "a required setting is empty").with_claim(name));
            }
        }
        // An entry that is not exactly an origin (a path, a typo) would never match in `fetch`: say so now.
        for o in &config.api_origins {
            let origin = util::origin_of(Some(o));
            if origin.is_empty() || origin == "null" || origin != without_trailing_slashes(o) {
                return Err(Error::new(ErrorCode::InvalidConfig, "apiOrigins entries must be origins, like https://api.example.com")
                    .with_claim("apiOrigins"));
            }
        }
        let algorithms = match &config.algorithms {
            Some(names) => options::algorithms(names)?,
            None => DEFAULT_ALGORITHMS.to_vec(),
        };
        // The key pair is kept where the tokens are: in memory with them, else in IndexedDB (a CryptoKey survives
        // there, still not extractable), so the tokens a reload restores still have their key.
        let keys = match config.cache_location {
            CacheLocation::Memory => KeyStorage::Memory,
            CacheLocation::SessionStorage | CacheLocation::LocalStorage => KeyStorage::IndexedDb,
        };
        let dpop = config.use_dpop.then(|| Rc::new(Dpop::new(&metadata.issuer, &config.client_id, keys)));
        let provider = Provider {
            dpop,
            leeway: config.leeway.unwrap_or(DEFAULT_LEEWAY),
            step_up_acr: config.step_up_acr.clone().unwrap_or_else(|| String::from(DEFAULT_STEP_UP_ACR)),
            jwks: JwksSource::remote(metadata.jwks_uri.clone()),
            algorithms,
            metadata,
            config,
        };
        let cache = SessionCache::new(&provider);
        let inner = Rc::new(Inner { provider, session: TrapCell::new(None), flow: TrapCell::new(None), epoch: Cell::new(0), cache });
        // Follow the other tabs from now on; `create` restores the stored session (verified) before it resolves.
        session_store::attach(&inner);
        Ok(StepUpClient { inner })
    }

    /// Adopt the session kept in `cache_location`, if there is one and its ID tokens pass verification again
    /// (signature with the issuer's keys, `iss`, `aud`, `azp`, `sub`); its auth context is read from the login's
    /// verified ID token. An entry that cannot be verified (keys unreachable, or forged) is not adopted: there is
    /// then no session, and a policy steps up. [`Self::create`] calls this.
    pub async fn restore_session(&self) {
        session_store::restore(&self.inner).await;
    }

    pub fn config(&self) -> &ClientConfig {
        &self.inner.provider.config
    }

    /// The `acr` requested for `mfa` policies (config `step_up_acr`, else the PAPE multi-factor URI).
    pub fn step_up_acr(&self) -> &str {
        &self.inner.provider.step_up_acr
    }

    /// The clock skew allowance in seconds (config `leeway`, else 60).
    pub fn leeway(&self) -> u64 {
        self.inner.provider.leeway
    }

    pub fn metadata(&self) -> &ProviderMetadata {
        &self.inner.provider.metadata
    }

    /// Judge `ctx` against `policy` at `now` (the provider's clock) with this client's `step_up_acr`, leeway
    /// and `acr_levels`: the one judgement `require_step_up`, its result check and the adapters share.
    pub fn evaluate(&self, ctx: &policy::AuthContext, policy: &StepUpPolicy, now: i64) -> policy::StepUpDecision {
        self.inner.provider.evaluate(ctx, policy, now)
    }

    /// The current session (the last login that passed every check), if any.
    pub fn session(&self) -> Option<Session> {
        self.inner.session.borrow().clone()
    }

    /// Log in with a popup. The popup opens during this call (keep it inside the click handler);
    /// the returned future finishes the login.
    pub fn login_with_popup(&self, options: AuthorizeOptions, signal: Option<AbortSignal>) -> LocalFuture<Result<Session>> {
        self.popup_flow(options, None, None, signal)
    }

    /// Leave for the provider in this tab. The answer is read by [`Self::handle_redirect_callback`]
    /// on the `redirect_uri` page. `app_state` is JSON text handed back there.
    pub fn login_with_redirect(&self, options: AuthorizeOptions, app_state: Option<String>) -> Result<()> {
        self.redirect_flow(options, None, None, app_state)
    }

    /// Finish a redirect login from `url` (default: this page's URL). The URL is cleaned first, the
    /// transaction is taken out of storage (one use), then the response is checked and redeemed.
    pub async fn handle_redirect_callback(&self, url: Option<String>) -> Result<RedirectResult> {
        let url = match url {
            Some(u) => u,
            None => redirect::current_url()?,
        };
        redirect::clean_current_url(&url);
        let params = crate::core::authorize::parse_callback(&url)?;
        let tx = storage::take(params.state.as_deref(), now_seconds())?;
        let provider = &self.inner.provider;
        if tx.issuer != provider.metadata.issuer || tx.client_id != provider.config.client_id {
            return Err(Error::new(ErrorCode::MissingTransaction, "the login in progress belongs to another client"));
        }
        if let Some(d) = &provider.dpop {
            d.take_handoff(&tx.pending.state).await?;
        }
        let (session, refresh_token) = flow::finish(provider, &tx.pending, &url).await?;
        if let Some(p) = &tx.policy {
            check_policy(provider, p, &session)?;
        }
        self.inner.adopt(session.clone(), refresh_token);
        Ok(RedirectResult { session, app_state: tx.app_state })
    }

    /// Return the current session if it satisfies `policy`; else log in again with the `acr_values`
    /// / `max_age` the policy needs, and check the result against the policy (`acr_not_satisfied`,
    /// `amr_not_satisfied`, `auth_time_too_old` when the provider did not deliver). `acr_values` derived from an
    /// `mfa` / `amr` / `max_age` policy are only a hint: the new token is judged by the policy (`policy::acr_binds`).
    /// With `options.scope` the login asks for that scope, and the current session counts only if its granted
    /// scope holds it (providers that step up by scope).
    ///
    /// The decision is made and the popup opened during this call. In redirect mode the tab leaves
    /// and the returned future never completes; the session comes from `handle_redirect_callback`.
    pub fn require_step_up(&self, policy: &StepUpPolicy, options: StepUpOptions) -> LocalFuture<Result<Session>> {
        let provider = &self.inner.provider;
        let now = now_seconds();
        // With a refresh token, expired tokens are renewed: the interactive context is what is judged.
        let renewable = self.can_refresh();
        let current = self.session().filter(|s| renewable || !s.is_expired(now, 0));
        let ctx = current.as_ref().map(Session::auth_context).unwrap_or_default();
        let provider_now = current.as_ref().map_or(now, |s| s.provider_now(now));
        let decision = provider.evaluate(&ctx, policy, provider_now);
        // A step-up by scope: the session counts only if it was granted every scope asked for.
        let scoped = options.scope.as_deref().map_or(true, |s| policy::scope_covers(current.as_ref().and_then(|c| c.scope.as_deref()), s));
        if decision.satisfied && scoped {
            if let Some(session) = current {
                if session.is_expired(now, 0) {
                    let inner = self.inner.clone();
                    return Box::pin(async move {
                        inner.access_token(None, None).await?;
                        inner.session.borrow().clone().ok_or_else(session_store::login_required)
                    });
                }
                return ready(Ok(session));
            }
        }
        // Bound to the signed-in user even when their tokens have expired.
        let (user, login_hint) = step_up_binding(self.inner.session.borrow().as_ref());
        let authorize = AuthorizeOptions {
            acr_values: decision.acr_values.clone(),
            max_age: decision.max_age,
            login_hint,
            scope: options.scope,
            ..AuthorizeOptions::default()
        };
        match options.mode {
            Mode::Popup => self.popup_flow(authorize, Some(policy.clone()), user, options.signal),
            Mode::Redirect => match self.redirect_flow(authorize, Some(policy.clone()), user, options.app_state) {
                Err(e) => ready(Err(e)),
                Ok(()) => Box::pin(core::future::pending()),
            },
        }
    }

    /// `fetch` with the session's access token as a Bearer token (renewed first with the refresh token when
    /// it expired; a renewal answered `mfa_required` steps up in a popup first). A 401 carrying an RFC 9470
    /// `insufficient_user_authentication` challenge starts a popup step-up with the challenge's
    /// `acr_values` / `max_age` (an Entra ID `insufficient_claims` challenge: with its `claims` request), then
    /// the request is sent once more with the new token. When the
    /// popup cannot open (no user activation any more), `step_up_required` carries what to ask for.
    pub async fn fetch(&self, request: web_sys::Request) -> Result<web_sys::Response> {
        self.check_token_audience(&util::get(&request, "url").as_string().unwrap_or_default())?;
        // The popup step-up to run before the next send: policy, acr_values, max_age, claims request.
        let mut step_up = None;
        let mut token = match self.bearer().await {
            // The token endpoint answered `mfa_required`: step up as for an RFC 9470 challenge.
            Err(mut e) if e.kind() == ErrorCode::StepUpRequired => {
                step_up = Some((StepUpPolicy { mfa: true, ..StepUpPolicy::default() }, e.acr_values.take(), None, None));
                None
            }
            other => other?,
        };
        let (mut request, mut challenged) = (request, false);
        // At most two sends: the request, and after a challenge's step-up its untouched copy (one loop, so the
        // state machine holds one send and one step-up).
        loop {
            if let Some((policy, acr_values, max_age, claims)) = step_up.take() {
                let flow = self.api_step_up(policy, acr_values.clone(), max_age, claims);
                token = flow.await.map_err(|e| popup_blocked_to_step_up(e, acr_values, max_age))?.access_token;
            }
            let sent = self.send(&request, token.take()).await?;
            if challenged || sent.status != 401 {
                return Ok(sent.response);
            }
            let Some(challenge) = sent.challenge.as_deref().and_then(parse_step_up_challenge) else {
                return Ok(sent.response);
            };
            // RFC 9470 §5: re-authorize with the server's values, even if our own view says the session is
            // strong enough; the resource server is the judge. Entra's insufficient_claims: its `claims` request
            // goes back to the provider as is.
            let (policy, acr_values) = challenge.step_up(&self.inner.provider.step_up_acr);
            step_up = Some((policy, acr_values, challenge.max_age, challenge.claims));
            (request, challenged) = (sent.retry, true);
        }
    }

    /// Send with the access token: as a Bearer token, or with DPoP as `Authorization: DPoP` plus a proof for
    /// this method, URL and token (RFC 9449 §7.1). A `401` DPoP `use_dpop_nonce` challenge with a new
    /// `DPoP-Nonce` is answered once with a proof carrying it (§9).
    async fn send(&self, request: &web_sys::Request, token: Option<String>) -> Result<http::Sent> {
        let dpop = self.inner.provider.dpop.as_deref().filter(|_| token.is_some());
        let method = util::get(request, "method").as_string().unwrap_or_default();
        let url = util::get(request, "url").as_string().unwrap_or_default();
        let mut request = Clone::clone(request); // the JS object, not `Request.clone()`
        let mut retry = true;
        loop {
            let proof = match dpop {
                Some(d) => Some(d.proof(&method, &url, token.as_deref())?),
                None => None,
            };
            // http::send in two halves around the one await, so that no state machine of its own is nested here.
            let done = super::task::settled(http::start_send(&request, token.clone(), proof)?).await;
            let sent = http::sent(done, token.is_some())?;
            match dpop {
                Some(d)
                    if retry
                        && d.remember_nonce(&url, sent.dpop_nonce.as_deref())
                        && dpop::resource_wants_nonce(sent.status, sent.challenge.as_deref()) =>
                {
                    retry = false;
                    request = sent.retry;
                }
                _ => return Ok(sent),
            }
        }
    }

    /// The DPoP key pair, loaded (IndexedDB) or made when needed; `None` without `use_dpop`.
    pub async fn dpop_key(&self) -> Result<Option<String>> {
        match &self.inner.provider.dpop {
            Some(d) => Ok(Some(String::from(d.key().await?.thumbprint()))),
            None => Ok(None),
        }
    }

    /// The RFC 7638 thumbprint of the DPoP key (the `cnf.jkt` of tokens bound to it), when one is loaded.
    pub fn dpop_thumbprint(&self) -> Option<String> {
        self.inner.provider.dpop.as_ref().and_then(|d| d.loaded()).map(|k| String::from(k.thumbprint()))
    }

    /// A DPoP proof (RFC 9449 §4) for a request the app sends itself with `Authorization: DPoP
    /// <access token>`: `method` and the absolute `url` as sent, `ath` of `access_token` (default: the
    /// session's, when there is one), and the server's nonce: `nonce` when given (a `DPoP-Nonce` the app
    /// received; it is remembered for that origin), else the last one that origin sent us. Without
    /// `use_dpop`: `invalid_config`.
    pub async fn dpop_proof(&self, method: &str, url: &str, nonce: Option<String>, access_token: Option<String>) -> Result<String> {
        let signed = super::task::settled(self.dpop_proof_promise(method, url, nonce, access_token)?).await;
        signed.map(|p| p.as_string().unwrap_or_default()).map_err(|e| {
            Error::new(ErrorCode::UnsupportedAlgorithm, "the DPoP proof could not be signed").with_cause(e)
        })
    }

    /// [`Self::dpop_proof`] as a promise of the proof (what the JS method returns).
    pub fn dpop_proof_promise(
        &self,
        method: &str,
        url: &str,
        nonce: Option<String>,
        access_token: Option<String>,
    ) -> Result<js_sys::Promise> {
        let d = self.inner.provider.dpop.as_ref().ok_or_else(|| {
            Error::new(ErrorCode::InvalidConfig, "useDpop is off: this client has no DPoP key").with_claim("useDpop")
        })?;
        d.remember_nonce(url, nonce.as_deref());
        d.sign(&method.to_ascii_uppercase(), url, access_token.or_else(|| self.inner.session.borrow().as_ref().and_then(|s| s.access_token.clone())).as_deref())
    }

    /// The popup step-up an API asked for (RFC 9470 challenge, or `mfa_required`), for the signed-in user.
    fn api_step_up(
        &self,
        policy: StepUpPolicy,
        acr_values: Option<Vec<String>>,
        max_age: Option<u64>,
        claims: Option<String>,
    ) -> LocalFuture<Result<Session>> {
        let (user, login_hint) = step_up_binding(self.inner.session.borrow().as_ref());
        let extra_params = claims.map(|c| alloc::vec![(String::from("claims"), c)]).unwrap_or_default();
        let authorize = AuthorizeOptions { acr_values, max_age, login_hint, extra_params, ..Default::default() };
        self.popup_flow(authorize, Some(policy), user, None)
    }

    /// Forget the session; when the provider has an `end_session_endpoint`, go there (RP-initiated
    /// logout) with `id_token_hint`, `client_id` and `post_logout_redirect_uri = return_to`.
    ///
    /// A login in progress ends first, so that nothing finishing later can sign the user back in: a popup
    /// flow's callers get `aborted` and its window is closed (no token request follows), and this tab's
    /// pending redirect transactions are discarded (their callback finds `missing_transaction`).
    pub fn logout(&self, return_to: Option<&str>) -> Result<()> {
        self.inner.end_flows();
        let session = self.inner.session.borrow().clone();
        // Logout deletes the DPoP key pair (tokens bound to it become useless everywhere) and makes the next.
        if let Some(d) = self.inner.provider.dpop.clone() {
            d.delete();
            super::task::spawn(async move {
                let _ = d.key().await;
            });
        }
        // Every tab of this client follows (session_store), then the provider's logout.
        self.inner.sign_out(true);
        let provider = &self.inner.provider;
        let Some(endpoint) = provider.metadata.end_session_endpoint.as_deref() else {
            return Ok(());
        };
        let hint = session.as_ref().map(|s| s.id_token.as_str());
        redirect::navigate(&logout_url(endpoint, &provider.config.client_id, hint, return_to))
    }

    /// The session's own access token for `fetch`: none without a session; renewed with the refresh token
    /// when there is one; else the current token while it is valid (an expired one is not sent).
    async fn bearer(&self) -> Result<Option<String>> {
        if self.inner.session.borrow().is_none() {
            return Ok(None);
        }
        if self.can_refresh() {
            return self.inner.access_token(None, None).await.map(Some);
        }
        let now = now_seconds();
        Ok(self.inner.session.borrow().as_ref().filter(|s| !s.is_expired(now, 0)).and_then(|s| s.access_token.clone()))
    }

    /// RFC 9700 §4.9 / RFC 6750 §5.3: a bearer token goes only where it is meant to. `fetch` attaches it for
    /// the page's own origin and the configured `api_origins`; any other URL is refused before any request.
    fn check_token_audience(&self, url: &str) -> Result<()> {
        let target = util::origin_of(Some(url));
        if target.is_empty() {
            return Err(Error::new(ErrorCode::InvalidConfig, "fetch: not a valid URL"));
        }
        if token_may_go_to(&target, &util::origin_of(None), &self.inner.provider.config.api_origins) {
            return Ok(());
        }
        Err(Error::new(ErrorCode::InvalidConfig, "fetch: this origin is not in apiOrigins; the access token is not sent there")
            .with_claim("apiOrigins"))
    }

    fn redirect_flow(
        &self,
        options: AuthorizeOptions,
        policy: Option<StepUpPolicy>,
        user: Option<String>,
        app_state: Option<String>,
    ) -> Result<()> {
        let provider = &self.inner.provider;
        let (issuer, client_id) = (&provider.metadata.issuer, &provider.config.client_id);
        let transaction = |pending: Pending| Transaction {
            issuer: issuer.clone(),
            client_id: client_id.clone(),
            created_at: pending.sent_at,
            pending,
            policy: policy.clone(),
            app_state: app_state.clone(),
        };
        // The state sent seals everything the callback judges the answer by (`core::transaction::seal`).
        let seal = |pending: &mut Pending| {
            pending.user = user.clone();
            pending.state = transaction::seal(&transaction(pending.clone()));
        };
        let (pending, url) = flow::begin(provider, &provider.config.redirect_uri, &options, policy::acr_binds(policy.as_ref()), Some(&seal))?;
        let tx = transaction(pending);
        storage::save(&tx, tx.created_at)?;
        match &provider.dpop {
            // A key kept in memory crosses the navigation in IndexedDB.
            Some(d) => d.leave(&tx.pending.state, &url),
            None => redirect::navigate(&url),
        }
    }

    /// Open the popup now (or join the one already open), run the flow detached, and return a future
    /// of its result. Detached so that a caller dropping its future cannot strand the shared flow.
    fn popup_flow(
        &self,
        options: AuthorizeOptions,
        policy: Option<StepUpPolicy>,
        user: Option<String>,
        signal: Option<AbortSignal>,
    ) -> LocalFuture<Result<Session>> {
        // Every option is checked (the request built) before a popup opens: a bad one never flashes a window.
        let provider = &self.inner.provider;
        let redirect_uri = provider.config.popup_redirect_uri.clone().unwrap_or_else(|| provider.config.redirect_uri.clone());
        let (mut pending, url) = match flow::begin(provider, &redirect_uri, &options, policy::acr_binds(policy.as_ref()), None) {
            Ok(started) => started,
            Err(e) => return ready(Err(e)),
        };
        pending.user = user;
        let joined = self.inner.flow.borrow().as_ref().map(|(shared, _)| shared.clone());
        if let Some(shared) = joined {
            let inner = self.inner.clone();
            let wait = popup::abortable(shared, signal);
            return Box::pin(async move {
                let session = wait.await?;
                if let Some(p) = &policy {
                    check_policy(&inner.provider, p, &session)?;
                }
                Ok(session)
            });
        }
        let provider_origin = util::origin_of(Some(&self.inner.provider.metadata.authorization_endpoint));
        // Before the popup opens, so that it inherits a copy (popup::channel_secret).
        let channel_secret = match popup::channel_secret(&pending.state) {
            Ok(s) => s,
            Err(e) => return ready(Err(e)),
        };
        let popup = match Popup::open_blank() {
            Ok(p) => p,
            Err(e) => return ready(Err(e)),
        };
        if let Err(e) = popup.navigate(&url) {
            popup.close();
            return ready(Err(e));
        }
        let shared: Shared = Settle::new();
        *self.inner.flow.borrow_mut() = Some((shared.clone(), popup.clone()));
        let wait = WaitOptions {
            state: pending.state.as_str().into(),
            channel_secret,
            provider_origin,
            timeout_seconds: provider.config.popup_timeout_seconds.unwrap_or(popup::DEFAULT_TIMEOUT_SECONDS),
            signal,
        };
        let callback = popup::wait_for_callback(&popup, &wait);
        let inner = self.inner.clone();
        let settle = shared.clone();
        let epoch = self.inner.epoch.get();
        super::task::spawn(async move {
            // Straight-line awaits, one state machine: the callback, then (unless the user signed out meanwhile:
            // no token request for that login) the code redeemed and the result judged.
            let result = match callback.await {
                Ok(_) if inner.epoch.get() != epoch => Err(signed_out()),
                Ok(url) => {
                    let finished = flow::finish(&inner.provider, &pending, &url).await;
                    finished.and_then(|done| checked(&inner.provider, policy.as_ref(), done))
                }
                Err(e) => Err(e),
            };
            if inner.epoch.get() != epoch {
                return; // signed out meanwhile: logout settled this flow and may have started none or another
            }
            *inner.flow.borrow_mut() = None;
            let result = result.map(|(session, refresh_token)| {
                inner.adopt(session.clone(), refresh_token);
                session
            });
            settle.settle(result);
        });
        Box::pin(async move { shared.wait().await.unwrap_or_else(|| Err(flow_lost())) })
    }
}

/// A finished login judged against the policy it was for (the provider may have authenticated less than asked).
fn checked(provider: &Provider, policy: Option<&StepUpPolicy>, done: (Session, Option<String>)) -> Result<(Session, Option<String>)> {
    if let Some(p) = policy {
        check_policy(provider, p, &done.0)?;
    }
    Ok(done)
}

impl Inner {
    /// End every login in progress, so that nothing finishing later can sign the user back in: a popup
    /// flow's callers get `aborted` and its window is closed (no token request follows), and this tab's
    /// pending redirect transactions are discarded (their callback finds `missing_transaction`).
    pub(super) fn end_flows(&self) {
        self.epoch.set(self.epoch.get().wrapping_add(1));
        if let Some((shared, popup)) = self.flow.borrow_mut().take() {
            shared.settle(Err(signed_out()));
            popup.close();
        }
        storage::discard_all();
    }
}

/// The policy judged on a fresh session: the provider may have authenticated less than asked.
fn check_policy(provider: &Provider, policy: &StepUpPolicy, session: &Session) -> Result<()> {
    let now = session.provider_now(now_seconds());
    let decision = provider.evaluate(&session.auth_context(), policy, now);
    match decision.to_error() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// When the popup an API's step-up needs cannot open (no user activation any more), `step_up_required`
/// carries what to ask for, from a click.
fn popup_blocked_to_step_up(mut e: Error, acr_values: Option<Vec<String>>, max_age: Option<u64>) -> Error {
    if e.kind() != ErrorCode::PopupBlocked {
        return e;
    }
    let mut err =
        Error::new(ErrorCode::StepUpRequired, "the API asks for step-up; call requireStepUp from a click").with_step_up(acr_values, max_age);
    err.cause = e.cause.take();
    err
}

/// A step-up is for the signed-in user: the answer must carry their `sub` (`user_mismatch`), and the
/// provider is asked for their account with `login_hint`. Without a session, nothing is bound.
fn step_up_binding(current: Option<&Session>) -> (Option<String>, Option<String>) {
    match current {
        Some(s) => (s.claims.sub.clone(), session::login_hint(&s.claims)),
        None => (None, None),
    }
}

pub(super) fn signed_out() -> Error {
    Error::new(ErrorCode::Aborted, "the user signed out while the login was in progress")
}

fn flow_lost() -> Error {
    Error::new(ErrorCode::PopupClosed, "the login flow ended without a result")
}
