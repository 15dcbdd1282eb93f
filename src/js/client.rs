//! The `StepUpClient` class of the npm package: argument conversion around
//! `web::client::StepUpClient`, nothing else.
//!
//! Methods that may open a popup (`loginWithPopup`, `requireStepUp`) are synchronous functions that
//! return a Promise: the Rust side opens the popup before they return, while the user's click is
//! still being handled.

use alloc::string::String;
use alloc::vec::Vec;

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use super::{parsed, promise, signal_of, token_part};
use crate::core::json::ObjectWriter;

use super::error::{to_js, IntoJsResult};
use super::token::arg;
use crate::core::json::Json;
use crate::core::options;
use crate::core::session::Session;
use crate::web::client::{AuthorizeOptions, ClientConfig, LocalFuture, Mode, StepUpClient, StepUpOptions};
use crate::web::session_store::TokenOptions;
use crate::web::json as web_json;
use crate::web::http;
use crate::web::util::{get, PageLocal, TrapCell};
use crate::{Error, ErrorCode, Result};

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// glue.js `redirectResult`: `{ session }`, with `appState` parsed from its JSON text when there is one.
    #[wasm_bindgen(js_name = redirectResult)]
    fn redirect_result(session: &JsValue, app_state: Option<&str>) -> JsValue;
}

#[wasm_bindgen(typescript_custom_section)]
const CLIENT_TYPES: &str = r#"
export interface ClientConfig {
  /** Exactly as the provider writes it (Auth0: "https://tenant.auth0.com/" with the slash). */
  issuer: string;
  clientId: string;
  /** Where the redirect flow returns (the page calling handleRedirectCallback). */
  redirectUri: string;
  /** Where the popup flow returns (a page calling handlePopupCallback); default redirectUri. */
  popupRedirectUri?: string;
  /** Default "openid profile"; "openid" is always sent. */
  scope?: string;
  /** Auth0 API identifier. */
  audience?: string;
  /** Clock skew allowance in seconds; default 60, and 0 means 0. */
  leeway?: number;
  /** Default 300. */
  popupTimeoutSeconds?: number;
  /** The discovery document, to skip fetching it (checked the same way). */
  metadata?: Record<string, unknown>;
  /** ID token algorithm allowlist; default ["RS256", "PS256", "ES256"]. */
  algorithms?: string[];
  /** acr requested for `mfa` policies; default "http://schemas.openid.net/pape/policies/2007/06/multi-factor". */
  stepUpAcr?: string;
  /** Origins besides the page's own that `client.fetch` may send the access token to, e.g.
   * ["https://api.example.com"]. A request anywhere else throws invalid_config instead of leaking the token. */
  apiOrigins?: string[];
  /** Audiences an ID token may carry besides clientId (then azp must be clientId); any other is invalid_audience. */
  trustedAudiences?: string[];
  /** The provider's amr method names → RFC 8176 values, e.g. { password: "pwd", totp: "otp", webauthn: "hwk" },
   * applied to a new session's amr before any policy is judged (session.claims.amr keeps the raw names). */
  amrAliases?: Record<string, string>;
  /** Ordered acr levels, weakest first, e.g. ["loa-1", "loa-2", "loa-3", "loa-4"]: a returned acr at or above
   * the requested one satisfies it. Without it a returned acr must be one of those requested. */
  acrLevels?: string[];
  /** Bind the tokens to a key pair that never leaves this browser (RFC 9449 DPoP; default false): authorization
   * requests carry dpop_jkt, token requests a DPoP proof, the token response must say token_type "DPoP", and
   * client.fetch sends `Authorization: DPoP <token>` with a proof. The private key is not extractable. */
  useDpop?: boolean;
  /** Where the session is kept: "memory" (default: nothing outlives the page), "sessionStorage" (this tab
   * survives a reload) or "localStorage" (every tab shares it). Stored: the tokens and the interactive
   * context, readable by any script of this origin (an XSS). Never a PKCE verifier or nonce. */
  cacheLocation?: "memory" | "sessionStorage" | "localStorage";
  /** Ask for offline_access and renew access tokens with the refresh-token grant. Default false. */
  useRefreshTokens?: boolean;
}

export interface GetAccessTokenOptions {
  /** The API (Auth0 audience); default the configured one. */
  audience?: string;
  /** A scope to ask for; default the login's. */
  scope?: string;
  /** Aborts the wait for another tab's renewal. */
  signal?: AbortSignal;
}

export interface AuthorizeOptions {
  acrValues?: string[];
  maxAge?: number;
  prompt?: string;
  loginHint?: string;
  /** Also request acr as an essential claim, so the provider must meet it or fail. */
  essentialAcr?: boolean;
  extraParams?: Record<string, string>;
  /** The scope of this login instead of the config's (providers that step up by scope); "openid" is always sent. */
  scope?: string;
}

export interface PopupLoginOptions extends AuthorizeOptions { signal?: AbortSignal }

export interface RedirectLoginOptions extends AuthorizeOptions {
  /** Any JSON-serializable value, returned by handleRedirectCallback. */
  appState?: unknown;
}

export interface RequireStepUpOptions {
  /** Default "popup". In "redirect" mode the tab leaves and the promise never settles. */
  mode?: "popup" | "redirect";
  signal?: AbortSignal;
  /** Redirect mode: returned by handleRedirectCallback. */
  appState?: unknown;
  /** The scope to log in with instead of the config's (providers that step up by scope); the current session
   * then counts only if its granted scope holds all of it. */
  scope?: string;
}

export interface Session {
  idToken: string;
  accessToken?: string;
  tokenType?: string;
  /** Seconds since the epoch. */
  expiresAt?: number;
  /** The scope granted (the token response's, else the one requested). */
  scope?: string;
  /** Every claim of the verified ID token, as the provider wrote it (claims.amr: the raw method names). */
  claims: IdTokenClaims;
  acr?: string;
  /** The claims' amr through the config's amrAliases: what policies are judged on. */
  amr: string[];
  /** Seconds since the epoch, as the provider wrote it (0 when it could not tell; that never meets a maxAge). */
  authTime?: number;
}

export interface RedirectCallbackResult { session: Session; appState?: unknown }

export interface LogoutOptions { returnTo?: string }

export interface DpopProofOptions {
  /** A DPoP-Nonce the server sent (it is remembered for that origin); default the last one that origin sent. */
  nonce?: string;
  /** The access token the request carries (the proof's ath); default the session's. */
  accessToken?: string;
}
"#;

/// An options object without its members that are not JSON (`skip`, space-separated: `signal`, `appState`).
fn json_part(value: &JsValue, skip: &str) -> Result<Option<Json>> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if !value.is_object() {
        return Err(Error::new(ErrorCode::InvalidConfig, "options must be an object"));
    }
    web_json::from_js_without(value, skip)
        .map(Some)
        .ok_or_else(|| Error::new(ErrorCode::InvalidConfig, "options is not a plain JSON object"))
}

/// An optional string member: `undefined` / `null` are absent, any other non-string is `invalid_config`.
fn string_of(value: &JsValue, key: &str) -> Result<Option<String>> {
    let v = get(value, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_string().map(Some).ok_or_else(|| Error::new(ErrorCode::InvalidConfig, "must be a string").with_claim(key))
}

/// `appState` as JSON text (it must survive sessionStorage): JSON, like every options object, so a function or a
/// bigint anywhere in it is refused rather than silently left out.
fn app_state_of(value: &JsValue) -> Result<Option<String>> {
    let s = get(value, "appState");
    if s.is_undefined() {
        return Ok(None);
    }
    web_json::text(&s)
        .map(Some)
        .ok_or_else(|| Error::new(ErrorCode::InvalidConfig, "appState must be JSON-serializable").with_claim("appState"))
}

/// `Session` → the plain object of the contract.
pub(crate) fn session_to_js(s: &Session) -> JsValue {
    let mut o = ObjectWriter::new();
    o.string("idToken", &s.id_token);
    for (k, v) in [("accessToken", &s.access_token), ("tokenType", &s.token_type), ("scope", &s.scope), ("acr", &s.acr)] {
        if let Some(v) = v {
            o.string(k, v);
        }
    }
    for (k, v) in [("expiresAt", s.expires_at), ("authTime", s.auth_time)] {
        if let Some(v) = v {
            o.int(k, v);
        }
    }
    // The full claims object, as the provider wrote it (the token was verified when the session was made, or
    // decoded again when it was read from storage); spliced as JSON text only after our parser read it again.
    let claims = match crate::core::jwt::decode(&s.id_token) {
        Ok(d) => with_context(token_part(&s.id_token, 1), &d.claims, &s.claims),
        Err(_) => String::from("{}"),
    };
    o.raw("claims", &claims);
    o.strings("amr", &s.amr);
    parsed(&o.finish())
}

/// The token's claims text, with the session's `acr`, `amr` and `auth_time` written after the token's own when they
/// differ: after a refresh the session reports the interactive login's context (`core::cache::apply_refresh`), not
/// the refreshed token's. `JSON.parse` keeps the last of two members of one name.
fn with_context(mut text: String, token: &crate::core::claims::Claims, session: &crate::core::claims::Claims) -> String {
    if token.acr == session.acr && token.amr == session.amr && token.auth_time == session.auth_time {
        return text;
    }
    let mut w = ObjectWriter::new();
    w.optional_string("acr", &session.acr);
    w.strings("amr", &session.amr);
    if let Some(t) = session.auth_time {
        w.int("auth_time", t);
    }
    let members = w.finish();
    let (Some(end), Some(more)) = (text.rfind('}'), members.strip_prefix('{')) else { return text };
    text.truncate(end);
    if !text.trim_end().ends_with('{') {
        text.push(',');
    }
    text.push_str(more);
    text
}

/// The promise of a popup login's session: one async body for `loginWithPopup` and `requireStepUp`.
fn session_promise(fut: LocalFuture<Result<Session>>) -> Promise {
    promise(async move { fut.await.map(|s| session_to_js(&s)).js() })
}

fn reject(err: Error) -> Promise {
    Promise::reject(&to_js(err))
}

/// The clients `StepUpClient.create` made, by id: the JS class (`src/js/client.js`) holds the id and calls the
/// `client…` functions below with it; what each method does is written once, in `src/js/client.d.ts`. Slot 0 is
/// never used, so the id 0 of a freed object finds no client, and a slot is never reused (one word per client a page
/// ever makes), so an id can only ever name its own client. (A JS class of our own instead of a `#[wasm_bindgen]`
/// struct: wasm-bindgen wraps each method of a struct in a borrow check of its own, and an id needs none.)
static CLIENTS: PageLocal<TrapCell<Vec<Option<StepUpClient>>>> = PageLocal::new(TrapCell::new(Vec::new()));

/// The client `id` names, or `invalid_config` for one that was freed.
#[inline(never)]
fn client(id: u32) -> Result<StepUpClient> {
    CLIENTS
        .with(|c| c.borrow().get(id as usize).cloned().flatten())
        .ok_or_else(|| Error::new(ErrorCode::InvalidConfig, "this StepUpClient was freed"))
}

/// Run `f` with the client `id` names, or reject for a freed one.
fn with_client(id: u32, f: impl FnOnce(StepUpClient) -> Promise) -> Promise {
    client(id).map_or_else(reject, f)
}

/// `StepUpClient.create(config)` (its contract: `client.d.ts`); resolves with the new client's id.
#[wasm_bindgen(js_name = clientCreate, skip_typescript)]
pub fn client_create(config: JsValue) -> Promise {
    let parsed = arg(&config, "config").and_then(|c| ClientConfig::from_json(c.as_ref())).map(alloc::boxed::Box::new);
    promise(async move {
        let client = StepUpClient::create(parsed.js()?).await.js()?;
        let id = CLIENTS.with(|c| {
            let mut c = c.borrow_mut();
            if c.is_empty() {
                c.push(None);
            }
            c.push(Some(client));
            c.len() - 1
        });
        Ok(JsValue::from_f64(id as f64))
    })
}

/// Forget the client `id` names (`client.free()`, or the object was garbage-collected).
#[wasm_bindgen(js_name = clientFree, skip_typescript)]
pub fn client_free(id: u32) {
    let gone = CLIENTS.with(|c| c.borrow_mut().get_mut(id as usize).and_then(Option::take));
    // Dropped after the borrow: the client's own drop posts to the other tabs' channel.
    drop(gone);
}

/// `client.loginWithPopup(options)`: the popup opens before this returns.
#[wasm_bindgen(js_name = clientLoginWithPopup, skip_typescript)]
pub fn client_login_with_popup(id: u32, options: JsValue) -> Promise {
    with_client(id, |c| {
        let parsed = (|| Ok((AuthorizeOptions::from_json(json_part(&options, "signal")?.as_ref())?, signal_of(&options, ErrorCode::InvalidConfig)?)))();
        match parsed {
            Ok((opts, signal)) => session_promise(c.login_with_popup(opts, signal)),
            Err(e) => reject(e),
        }
    })
}

/// `client.loginWithRedirect(options)`.
#[wasm_bindgen(js_name = clientLoginWithRedirect, skip_typescript)]
pub fn client_login_with_redirect(id: u32, options: JsValue) -> Promise {
    with_client(id, |c| {
        let result = (|| {
            let opts = AuthorizeOptions::from_json(json_part(&options, "appState")?.as_ref())?;
            c.login_with_redirect(opts, app_state_of(&options)?)
        })();
        match result {
            Ok(()) => Promise::resolve(&JsValue::UNDEFINED),
            Err(e) => reject(e),
        }
    })
}

/// `client.handleRedirectCallback(url)`.
#[wasm_bindgen(js_name = clientHandleRedirectCallback, skip_typescript)]
pub fn client_handle_redirect_callback(id: u32, url: JsValue) -> Promise {
    with_client(id, |client| {
        promise(async move {
            if !url.is_undefined() && !url.is_null() && url.as_string().is_none() {
                return Err(to_js(Error::new(ErrorCode::InvalidConfig, "url must be a string")));
            }
            let result = client.handle_redirect_callback(url.as_string()).await.js()?;
            Ok(redirect_result(&session_to_js(&result.session), result.app_state.as_deref()))
        })
    })
}

/// `client.requireStepUp(policy, options)`: in popup mode the popup opens before this returns.
#[wasm_bindgen(js_name = clientRequireStepUp, skip_typescript)]
pub fn client_require_step_up(id: u32, policy: JsValue, options: JsValue) -> Promise {
    with_client(id, |c| {
        let parsed = (|| {
            let policy = options::policy(arg(&policy, "policy")?.as_ref())?;
            let plain = json_part(&options, "signal appState")?;
            let o = options::Options::new(plain.as_ref(), "options")?;
            let mode = match o.string("mode")?.as_deref() {
                None | Some("popup") => Mode::Popup,
                Some("redirect") => Mode::Redirect,
                Some(_) => return Err(Error::new(ErrorCode::InvalidConfig, "mode must be \"popup\" or \"redirect\"").with_claim("mode")),
            };
            let (signal, app_state, scope) = (signal_of(&options, ErrorCode::InvalidConfig)?, app_state_of(&options)?, o.string("scope")?);
            Ok((policy, StepUpOptions { mode, signal, app_state, scope }))
        })();
        match parsed {
            Ok((policy, opts)) => session_promise(c.require_step_up(&policy, opts)),
            Err(e) => reject(e),
        }
    })
}

/// `client.fetch(input, init)`.
#[wasm_bindgen(js_name = clientFetch, skip_typescript)]
pub fn client_fetch(id: u32, input: JsValue, init: JsValue) -> Promise {
    with_client(id, |client| {
        let request = http::new_request(&input, &init);
        promise(async move {
            let response = client.fetch(request.js()?).await.js()?;
            Ok(response.into())
        })
    })
}

/// `client.dpopProof(method, url, options)`.
#[wasm_bindgen(js_name = clientDpopProof, skip_typescript)]
pub fn client_dpop_proof(id: u32, method: &str, url: JsValue, options: JsValue) -> Promise {
    with_client(id, |c| {
        // A string, or a URL object's href.
        let url = url.as_string().or_else(|| get(&url, "href").as_string()).unwrap_or_default();
        let (nonce, token) = (get(&options, "nonce").as_string(), get(&options, "accessToken").as_string());
        c.dpop_proof_promise(method, &url, nonce, token).unwrap_or_else(reject)
    })
}

/// `client.dpopThumbprint`.
#[wasm_bindgen(js_name = clientDpopThumbprint, skip_typescript)]
pub fn client_dpop_thumbprint(id: u32) -> core::result::Result<JsValue, JsValue> {
    let c = client(id).map_err(to_js)?;
    Ok(c.dpop_thumbprint().map_or(JsValue::UNDEFINED, |t| JsValue::from_str(&t)))
}

/// `client.getAccessToken(options)`.
#[wasm_bindgen(js_name = clientGetAccessToken, skip_typescript)]
pub fn client_get_access_token(id: u32, options: JsValue) -> Promise {
    with_client(id, |client| {
        let parsed = (|| {
            if !options.is_undefined() && !options.is_null() && !options.is_object() {
                return Err(Error::new(ErrorCode::InvalidConfig, "options must be an object"));
            }
            Ok(TokenOptions { audience: string_of(&options, "audience")?, scope: string_of(&options, "scope")?, signal: signal_of(&options, ErrorCode::InvalidConfig)? })
        })();
        promise(async move { Ok(JsValue::from_str(&client.get_access_token(parsed.js()?).await.js()?)) })
    })
}

/// `client.onSessionChange(listener)`.
#[wasm_bindgen(js_name = clientOnSessionChange, skip_typescript)]
pub fn client_on_session_change(id: u32, listener: JsValue) -> core::result::Result<JsValue, JsValue> {
    let c = client(id).map_err(to_js)?;
    if !listener.is_function() {
        return Err(to_js(Error::new(ErrorCode::InvalidConfig, "the listener must be a function").with_claim("listener")));
    }
    let listener: js_sys::Function = listener.unchecked_into();
    let guard = c.on_session_change(move |s| {
        let _ = listener.call1(&JsValue::NULL, &s.map_or(JsValue::NULL, session_to_js));
    });
    Ok(crate::web::util::once(move || drop(guard)))
}

/// `client.session`.
#[wasm_bindgen(js_name = clientSession, skip_typescript)]
pub fn client_session(id: u32) -> core::result::Result<JsValue, JsValue> {
    let c = client(id).map_err(to_js)?;
    Ok(c.session().map_or(JsValue::NULL, |s| session_to_js(&s)))
}

/// `client.logout(options)`.
#[wasm_bindgen(js_name = clientLogout, skip_typescript)]
pub fn client_logout(id: u32, options: JsValue) -> Promise {
    with_client(id, |c| {
        let result = (|| {
            let plain = arg(&options, "options")?;
            let o = options::Options::new(plain.as_ref(), "options")?;
            c.logout(o.string("returnTo")?.as_deref())
        })();
        match result {
            Ok(()) => Promise::resolve(&JsValue::UNDEFINED),
            Err(e) => reject(e),
        }
    })
}
