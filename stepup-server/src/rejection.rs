//! A refused request, as this crate hands it out: the status, the stable code, the challenge, and the
//! response that says so.

use http::header::{HeaderName, HeaderValue, CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderMap, Response, StatusCode};
use stepup::core::guard::Rejection as CoreRejection;
use stepup::core::json::ObjectWriter;

/// Why the guard refused a request (DESIGN.md "API guard"): 400 / 401 / 403 with a `WWW-Authenticate`
/// challenge in RFC 9110's grammar, or 503 when the replay store cannot answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub(crate) inner: CoreRejection,
    pub(crate) dpop_nonce: Option<String>,
}

impl From<CoreRejection> for Rejection {
    fn from(inner: CoreRejection) -> Self {
        Rejection { inner, dpop_nonce: None }
    }
}

impl Rejection {
    /// 400, 401, 403 or 503.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.inner.status).unwrap_or(StatusCode::UNAUTHORIZED)
    }

    /// The failed rule: `missing_token`, `token_expired`, `acr_not_satisfied`, `insufficient_scope`,
    /// `invalid_dpop_proof`, `replay_store_unavailable`, ... (the same codes as the Node guard).
    pub fn code(&self) -> &'static str {
        self.inner.code
    }

    /// The `WWW-Authenticate` value to send; `None` for 503.
    pub fn www_authenticate(&self) -> Option<&str> {
        self.inner.www_authenticate.as_deref()
    }

    /// One sentence for a log or a response body.
    pub fn description(&self) -> &'static str {
        self.inner.description
    }

    /// The claim or header member the failure is about, when there is one.
    pub fn claim(&self) -> Option<&str> {
        self.inner.claim.as_deref()
    }

    /// The `DPoP-Nonce` to send (RFC 9449 §9), when the guard asks for one.
    pub fn dpop_nonce(&self) -> Option<&str> {
        self.dpop_nonce.as_deref()
    }

    /// The headers to answer with: `WWW-Authenticate`, and `DPoP-Nonce` when there is one. A value that is
    /// not a valid header value (none is: the challenge is written in RFC 9110's grammar) is left out.
    pub fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(v) = self.www_authenticate().and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(WWW_AUTHENTICATE, v);
        }
        if let Some(v) = self.dpop_nonce().and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(HeaderName::from_static("dpop-nonce"), v);
        }
        headers
    }

    /// The JSON body: `{"code":"…","description":"…"}` (and `"claim"` when there is one).
    pub fn body(&self) -> String {
        let mut body = ObjectWriter::new();
        body.string("code", self.code());
        body.string("description", self.description());
        if let Some(claim) = self.claim() {
            body.string("claim", claim);
        }
        body.finish()
    }

    /// The whole answer, for any body type that can be made from a `String`.
    pub fn to_response<B: From<String>>(&self) -> Response<B> {
        let mut response = Response::new(B::from(self.body()));
        *response.status_mut() = self.status();
        let headers = response.headers_mut();
        headers.extend(self.headers());
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status().as_u16(), self.code(), self.description())
    }
}

impl std::error::Error for Rejection {}
