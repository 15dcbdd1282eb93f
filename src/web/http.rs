//! HTTP for the flows: discovery and JWKS (GET JSON), the token endpoint (form POST), and the app's
//! requests of `StepUpClient::fetch` ([`send`]).
//!
//! Each goes through one function of `glue.js` (build or copy the request, `fetch`, read what the flow
//! needs): one import instead of the Request/Headers/Response members. A rejection is kept as `cause`
//! (the original `TypeError`). JSON bodies go through `core::json::parse`, never serde_json.

use alloc::string::String;
use core::future::Future;

use js_sys::Promise;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use super::util::get;
use crate::core::error::{Error, ErrorCode, Result};
use crate::core::json::{self, Json};

/// A finished response: its status and its body parsed as JSON (`None` when the body is not JSON).
#[derive(Clone)]
pub struct JsonResponse {
    pub status: u16,
    pub body: Option<Json>,
    /// The `Cache-Control` header, when the server sent one (and CORS exposes it: it is a safelisted header).
    pub cache_control: Option<String>,
    /// The `DPoP-Nonce` header (RFC 9449 §8), when the server sent one and CORS exposes it.
    pub dpop_nonce: Option<String>,
}

/// `Debug` without the body: a token response's body holds the tokens (see `core::secret`).
impl core::fmt::Debug for JsonResponse {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("JsonResponse")
            .field("status", &self.status)
            .field("body", &self.body.as_ref().map(|_| crate::core::secret::Redacted))
            .field("cache_control", &self.cache_control)
            .field("dpop_nonce", &self.dpop_nonce)
            .finish()
    }
}

impl JsonResponse {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

fn network_error(cause: JsValue) -> Error {
    Error::new(ErrorCode::NetworkError, "the request did not reach the server (network or CORS failure)").with_cause(cause)
}

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// glue.js `sendJson`: the request, sent with the global `fetch`, and the body read as text.
    #[wasm_bindgen(catch, js_name = sendJson)]
    fn send_json_js(url: &str, form: Option<&str>, pair: &JsValue, input: Option<&str>) -> core::result::Result<Promise, JsValue>;
    /// glue.js `newRequest`: `new Request(input, init)`.
    #[wasm_bindgen(catch, js_name = newRequest)]
    fn new_request_js(input: &JsValue, init: &JsValue) -> core::result::Result<web_sys::Request, JsValue>;
    /// glue.js `sendRequest`: a copy kept for a retry, the bearer (or DPoP) token and proof set, `fetch`.
    #[wasm_bindgen(catch, js_name = sendRequest)]
    fn send_request_js(
        request: &web_sys::Request,
        token: Option<&str>,
        pair: &JsValue,
        input: Option<&str>,
    ) -> core::result::Result<Promise, JsValue>;
}

/// `new Request(input, init)` as `fetch(input, init)` would build it (`input`: a URL string, a `URL` or a
/// `Request`; `init`: a `RequestInit`, or undefined / null). A constructor error is `invalid_config`.
pub fn new_request(input: &JsValue, init: &JsValue) -> Result<web_sys::Request> {
    if !input.is_string() && !input.is_object() {
        return Err(Error::new(ErrorCode::InvalidConfig, "fetch: input must be a URL string, URL or Request"));
    }
    new_request_js(input, init).map_err(|e| Error::new(ErrorCode::InvalidConfig, "fetch: invalid request").with_cause(e))
}

/// What [`send`] got back: the response, what the step-up needs from it, and the untouched copy of the
/// request for one retry.
pub struct Sent {
    pub response: web_sys::Response,
    pub status: u16,
    /// The `WWW-Authenticate` header.
    pub challenge: Option<String>,
    /// The `DPoP-Nonce` header (RFC 9449 §9).
    pub dpop_nonce: Option<String>,
    pub retry: web_sys::Request,
}

/// A DPoP proof to sign and send: the key pair and the proof's signing input (`web::dpop::Dpop::proof`).
pub type Proof = Option<(JsValue, String)>;

fn split(proof: Proof) -> (JsValue, Option<String>) {
    match proof {
        Some((pair, input)) => (pair, Some(input)),
        None => (JsValue::UNDEFINED, None),
    }
}

/// Send `request` with `Authorization: Bearer <token>` when a token is given (`DPoP <token>` and the
/// `DPoP` header, the proof signed on the way, when a proof is given too: RFC 9449 §7.1). A request whose body was
/// already read (it cannot be copied for the retry) or a token the header cannot carry is `invalid_config`;
/// a `fetch` rejection is `network_error`.
///
/// RFC 9700 §4.9 / RFC 6750 §5.3: a bearer token never follows a redirect, which could hand it to another
/// server (current browsers drop `Authorization` on a cross-origin redirect, older ones did not, and a
/// same-origin redirect may lead anywhere next). With a token the request goes with `redirect: "manual"`,
/// and a redirect answer is `network_error`.
pub async fn send(request: &web_sys::Request, token: Option<String>, proof: Proof) -> Result<Sent> {
    let with_token = token.is_some();
    let done = super::task::settled(start_send(request, token, proof)?).await;
    sent(done, with_token)
}

/// [`send`] up to the request in flight: the promise of glue.js `sendRequest`.
pub fn start_send(request: &web_sys::Request, token: Option<String>, proof: Proof) -> Result<Promise> {
    let (pair, input) = split(proof);
    send_request_js(request, token.as_deref(), &pair, input.as_deref())
        .map_err(|e| Error::new(ErrorCode::InvalidConfig, "the request cannot be sent (a used body, or a bad token)").with_cause(e))
}

/// [`send`] from the settled promise of [`start_send`] on (`with_token`: a token was attached).
pub fn sent(done: core::result::Result<JsValue, JsValue>, with_token: bool) -> Result<Sent> {
    let done = done.map_err(network_error)?;
    if with_token && get(&done, "type").as_string().as_deref() == Some("opaqueredirect") {
        return Err(Error::new(ErrorCode::NetworkError, "the API answered with a redirect; the access token does not follow redirects"));
    }
    Ok(Sent {
        response: get(&done, "response").unchecked_into(),
        status: get(&done, "status").as_f64().map_or(0, |s| s as u16),
        challenge: get(&done, "challenge").as_string(),
        dpop_nonce: get(&done, "nonce").as_string(),
        retry: get(&done, "retry").unchecked_into(),
    })
}

async fn send_json(url: &str, form: Option<String>, proof: Proof) -> Result<JsonResponse> {
    json_response(super::task::settled(start_json(url, form, proof)?).await)
}

/// The request of [`get_json`] / [`post_form`] / [`post_form_with_proof`] in flight: glue.js `sendJson`'s
/// promise, for a caller that awaits it itself and reads it with [`json_response`] (one state machine less).
pub fn start_json(url: &str, form: Option<String>, proof: Proof) -> Result<Promise> {
    let (pair, input) = split(proof);
    send_json_js(url, form.as_deref(), &pair, input.as_deref()).map_err(|_| Error::new(ErrorCode::InvalidConfig, "the request URL is not valid"))
}

/// The settled promise of [`start_json`] read: status, body as JSON, the headers the flows need.
pub fn json_response(done: core::result::Result<JsValue, JsValue>) -> Result<JsonResponse> {
    let done = done.map_err(network_error)?;
    // A status outside 0..=999 cannot come from fetch; it reads as 0 (not ok) either way.
    let status = get(&done, "status").as_f64().map_or(0, |s| s as u16);
    // A body that is not JSON is `None`: the caller decides what that means for its endpoint.
    let body = get(&done, "text").as_string().and_then(|t| json::parse(&t, ErrorCode::NetworkError).ok());
    Ok(JsonResponse {
        status,
        body,
        cache_control: get(&done, "cacheControl").as_string(),
        dpop_nonce: get(&done, "nonce").as_string(),
    })
}

/// GET `url` expecting JSON (discovery, JWKS). No credentials are sent: these are public documents.
pub fn get_json(url: &str) -> impl Future<Output = Result<JsonResponse>> + '_ {
    send_json(url, None, None)
}

/// POST `body` (already `application/x-www-form-urlencoded`) to `url`, expecting JSON back
/// (the token endpoint; RFC 6749 §4.1.3). No credentials (cookies) are sent.
pub fn post_form(url: &str, body: String) -> impl Future<Output = Result<JsonResponse>> + '_ {
    send_json(url, Some(body), None)
}

/// [`post_form`] with a `DPoP` header carrying `proof`, signed on the way (RFC 9449 §5).
pub fn post_form_with_proof(url: &str, body: String, proof: Proof) -> impl Future<Output = Result<JsonResponse>> + '_ {
    send_json(url, Some(body), proof)
}
