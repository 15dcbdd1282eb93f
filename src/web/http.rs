//! HTTP for the flows: discovery and JWKS (GET JSON), the token endpoint (form POST), and a raw fetch
//! for `StepUpClient::fetch`.
//!
//! Requests are built with gloo-net; they are sent with the global `fetch` directly rather than
//! gloo-net's `send`, because `send` turns a rejection into a string and we must hand the caller the
//! original `TypeError` as `cause`. JSON bodies go through `core::json::parse` (the engine's
//! `JSON.parse`), never serde_json.

use alloc::string::String;

use gloo_net::http::{Request, RequestBuilder};
use js_sys::{Function, Promise};
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

async fn send_json(builder: RequestBuilder, body: Option<String>) -> Result<JsonResponse> {
    let built: core::result::Result<Request, gloo_net::Error> = match body {
        Some(b) => builder.body(b),
        None => builder.build(),
    };
    let request: web_sys::Request = built
        .map_err(|_| Error::new(ErrorCode::InvalidConfig, "the request URL is not valid"))?
        .into();
    let response = fetch(&request).await?;
    let status = response.status();
    let text = match response.text() {
        Ok(p) => JsFuture::from(p).await.map_err(network_error)?,
        Err(e) => return Err(network_error(e)),
    };
    // A body that is not JSON is `None`: the caller decides what that means for its endpoint.
    let body = text.as_string().and_then(|t| json::parse(&t, ErrorCode::NetworkError).ok());
    Ok(JsonResponse { status, body })
}

/// GET `url` expecting JSON (discovery, JWKS). No credentials are sent: these are public documents.
pub async fn get_json(url: &str) -> Result<JsonResponse> {
    let builder = Request::get(url)
        .header("Accept", "application/json")
        .credentials(web_sys::RequestCredentials::Omit);
    send_json(builder, None).await
}

/// POST `body` (already `application/x-www-form-urlencoded`) to `url`, expecting JSON back
/// (the token endpoint; RFC 6749 §4.1.3).
pub async fn post_form(url: &str, body: String) -> Result<JsonResponse> {
    let builder = Request::post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .credentials(web_sys::RequestCredentials::Omit);
    send_json(builder, Some(body)).await
}
