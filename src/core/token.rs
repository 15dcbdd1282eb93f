//! The token request (RFC 6749 §4.1.3 with RFC 7636 §4.5 `code_verifier`) and its response
//! (RFC 6749 §5.1 / §5.2, OIDC Core §3.1.3.3).

use alloc::string::String;

use super::authorize::{push_encoded, push_u64};
use super::error::{Error, ErrorCode, FirstError, Result};
use super::json::Json;

/// The `application/x-www-form-urlencoded` body of the authorization-code grant for a public client
/// (`client_id` in the body, no secret: RFC 6749 §3.2.1).
pub fn token_request_body(code: &str, redirect_uri: &str, client_id: &str, verifier: &str) -> String {
    let mut out = String::from("grant_type=authorization_code");
    for (name, value) in [("code", code), ("redirect_uri", redirect_uri), ("client_id", client_id), ("code_verifier", verifier)] {
        push_form_param(&mut out, name, value);
    }
    out
}

/// `&name=value` of a form body, the value form-encoded: every grant's body is written with it.
pub(crate) fn push_form_param(out: &mut String, name: &str, value: &str) {
    out.push('&');
    out.push_str(name);
    out.push('=');
    push_encoded(out, value);
}

/// A successful token response. The ID token is not validated here: that is `validate` + the browser's
/// signature check, before anything in here is used (RFC 9700 §4.5.3).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TokenResponse {
    pub id_token: String,
    pub access_token: Option<String>,
    /// `"Bearer"` or `"DPoP"`, normalized to that spelling (the value is case-insensitive, RFC 6749 §5.1).
    pub token_type: Option<String>,
    pub expires_in: Option<u64>,
    pub scope: Option<String>,
    pub refresh_token: Option<String>,
}

impl core::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        use super::secret::{maybe, Redacted};
        f.debug_struct("TokenResponse")
            .field("id_token", &Redacted)
            .field("access_token", &maybe(&self.access_token))
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .field("refresh_token", &maybe(&self.refresh_token))
            .finish()
    }
}

fn failed(msg: &'static str) -> Error {
    Error::new(ErrorCode::TokenRequestFailed, msg)
}

/// Read the token endpoint's answer (`body` is the parsed JSON, `None` when it was not JSON).
///
/// Every failure is `token_request_failed`: a non-2xx status or any `error` member (RFC 6749 §5.2, with
/// `error` / `error_description` carried over), a body that is not an object, no `id_token` (OIDC Core
/// §3.1.3.3), a member of the wrong JSON type, or a `token_type` that is missing or not `Bearer`: RFC 6749
/// §5.1 requires it, and a `DPoP` token (RFC 9449 §5) is useless without a proof key this client does not hold.
/// `expires_in` may be a non-negative integer or a string of digits (older Azure AD sent strings).
pub fn parse_token_response(status: u16, body: Option<&Json>) -> Result<TokenResponse> {
    parse(status, body, true, false)
}

/// [`parse_token_response`] for a client that sent a DPoP proof (`dpop`) or not. With a proof the
/// `token_type` must be `DPoP` (RFC 9449 §5): a `Bearer` answer means the provider ignored the proof, and
/// the token would be a plain bearer token after all, which a client that asked for binding must not use.
pub fn parse_token_response_for(status: u16, body: Option<&Json>, dpop: bool) -> Result<TokenResponse> {
    parse(status, body, true, dpop)
}

/// Read the answer to a refresh-token grant: as [`parse_token_response_for`], except that the ID token may be
/// absent (RFC 6749 §6 and OIDC Core §12.2: a refresh need not return one); it is then the empty string.
pub fn parse_refresh_response(status: u16, body: Option<&Json>, dpop: bool) -> Result<TokenResponse> {
    parse(status, body, false, dpop)
}

/// "the token endpoint answered HTTP <status>": the message, written only where `Error::new` keeps it
/// (not in the npm package's build).
struct HttpStatus(u16);

impl From<HttpStatus> for String {
    fn from(HttpStatus(status): HttpStatus) -> String {
        let mut msg = String::from("the token endpoint answered HTTP ");
        push_u64(&mut msg, u64::from(status));
        msg
    }
}

fn parse(status: u16, body: Option<&Json>, id_token_required: bool, dpop: bool) -> Result<TokenResponse> {
    let obj = body.and_then(Json::as_object);
    // RFC 6749 §5.2: the error response.
    if let Some(error) = obj.and_then(|o| o.get("error")).filter(|e| !matches!(e, Json::Null)) {
        let description = obj.and_then(|o| o.get("error_description")).and_then(Json::as_str).map(String::from);
        return Err(failed("the token endpoint returned an error")
            .with_oauth(error.as_str().unwrap_or("invalid_response"), description));
    }
    if !(200..300).contains(&status) {
        return Err(Error::new(ErrorCode::TokenRequestFailed, HttpStatus(status)));
    }
    let obj = obj.ok_or_else(|| failed("the token response is not a JSON object"))?;
    // Every member is read and every failure noted; the first one is answered at the end (FirstError).
    let mut err = FirstError::default();
    let mut string = |name: &str| match obj.get(name) {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => Some(s.clone()),
        Some(_) => err.note(failed("a token response member is not a string")),
    };
    let id_token = string("id_token").filter(|t| !t.is_empty());
    let token_type = string("token_type");
    let access_token = string("access_token");
    let scope = string("scope");
    let refresh_token = string("refresh_token");
    if id_token.is_none() && id_token_required {
        err.note::<()>(failed("the token response has no id_token"));
    }
    // RFC 6749 §5.1 / §7.1 (case-insensitive): the only type we can use is the one we asked for.
    let want = if dpop { "DPoP" } else { "Bearer" };
    match &token_type {
        Some(t) if t.eq_ignore_ascii_case(want) => {}
        None => err.note(failed("the token response has no token_type")),
        Some(_) => err.note(failed(if dpop { "token_type is not DPoP" } else { "token_type is not Bearer" })),
    }
    let expires_in = match obj.get("expires_in") {
        None | Some(Json::Null) => None,
        Some(v) => match v {
            Json::Number(n) if *n >= 0.0 && *n <= 9_007_199_254_740_991.0 && (*n as u64) as f64 == *n => Some(*n as u64),
            Json::String(s) if s.len() <= 15 => super::text::decimal(s),
            _ => None,
        }
        .or_else(|| err.note(failed("expires_in is not a non-negative integer"))),
    };
    err.or_ok(TokenResponse {
        id_token: id_token.unwrap_or_default(),
        access_token,
        token_type: Some(String::from(want)),
        expires_in,
        scope,
        refresh_token,
    })
}
