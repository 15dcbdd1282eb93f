//! HTTP for the flows: discovery and JWKS (GET JSON), the token endpoint (form POST), and a raw fetch
//! for `StepUpClient::fetch`.
//!
//! The JSON requests go through one function of `glue.js` (build the request, `fetch`, read the text):
//! one import instead of the Request/Headers/Response members. A rejection is kept as `cause` (the
//! original `TypeError`). JSON bodies go through `core::json::parse`, never serde_json.

use alloc::string::String;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::util::get;
use crate::core::error::{Error, ErrorCode, Result};
use crate::core::json::{self, Json};

/// A finished response: its status and its body parsed as JSON (`None` when the body is not JSON).
#[derive(Clone, Debug)]
pub struct JsonResponse {
    pub status: u16,
    pub body: Option<Json>,
    /// The `Cache-Control` header, when the server sent one (and CORS exposes it: it is a safelisted header).
    pub cache_control: Option<String>,
}

impl JsonResponse {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

fn network_error(cause: JsValue) -> Error {
    Error::new(ErrorCode::NetworkError, "the request did not reach the server (network or CORS failure)").with_cause(cause)
}

/// `fetch(request)` on the global object (window or worker), keeping the rejection as `cause`.
pub async fn fetch(request: &web_sys::Request) -> Result<web_sys::Response> {
    let global = js_sys::global();
    let f = get(&global, "fetch");
    let f: &Function = f.dyn_ref().ok_or_else(|| Error::new(ErrorCode::NetworkError, "fetch is not available"))?;
    let promise: Promise = f.call1(&global, request).map_err(network_error)?.unchecked_into();
    let response = JsFuture::from(promise).await.map_err(network_error)?;
    response
        .dyn_into::<web_sys::Response>()
        .map_err(|v| Error::new(ErrorCode::NetworkError, "fetch returned something that is not a Response").with_cause(v))
}

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// glue.js `sendJson`: the request, sent with the global `fetch`, and the body read as text.
    #[wasm_bindgen(catch, js_name = sendJson)]
    fn send_json_js(url: &str, form: Option<String>) -> core::result::Result<Promise, JsValue>;
}

async fn send_json(url: &str, form: Option<String>) -> Result<JsonResponse> {
    let promise = send_json_js(url, form).map_err(|_| Error::new(ErrorCode::InvalidConfig, "the request URL is not valid"))?;
    let done = JsFuture::from(promise).await.map_err(network_error)?;
    // A status outside 0..=999 cannot come from fetch; it reads as 0 (not ok) either way.
    let status = get(&done, "status").as_f64().map_or(0, |s| s as u16);
    // A body that is not JSON is `None`: the caller decides what that means for its endpoint.
    let body = get(&done, "text").as_string().and_then(|t| json::parse(&t, ErrorCode::NetworkError).ok());
    Ok(JsonResponse { status, body, cache_control: get(&done, "cacheControl").as_string() })
}

/// GET `url` expecting JSON (discovery, JWKS). No credentials are sent: these are public documents.
pub async fn get_json(url: &str) -> Result<JsonResponse> {
    send_json(url, None).await
}

/// POST `body` (already `application/x-www-form-urlencoded`) to `url`, expecting JSON back
/// (the token endpoint; RFC 6749 §4.1.3). No credentials (cookies) are sent.
pub async fn post_form(url: &str, body: String) -> Result<JsonResponse> {
    send_json(url, Some(body)).await
}
