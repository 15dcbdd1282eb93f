//! The authorization request (OIDC Core §3.1.2.1, RFC 6749 §4.1.1, RFC 7636 §4.3) and the parsing and
//! checking of its response (RFC 6749 §4.1.2, RFC 9207), plus the URL helpers they share with `token`
//! and `discovery`: form encoding, percent-decoding, the https endpoint rule.

use alloc::string::String;
use alloc::vec::Vec;

use super::text;
use super::error::{Error, ErrorCode, Result};
use super::json;
use super::validate::constant_time_eq;

/// Everything an authorization-code + PKCE request carries. `state`, `nonce` and `code_challenge` come
/// from [`super::pkce`]; the step-up fields from a [`super::policy::StepUpDecision`] or an RFC 9470
/// challenge. It borrows every value: the caller keeps `state`, `nonce` and the rest for the transaction, and
/// the request only writes them into the URL.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AuthorizationRequest<'a> {
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    /// Space-separated; `openid` is always added (OIDC Core §3.1.2.1).
    pub scope: &'a str,
    pub state: &'a str,
    pub nonce: &'a str,
    /// The S256 challenge (the method is always S256: RFC 9700 §2.1.1 forbids `plain`).
    pub code_challenge: &'a str,
    /// Sent space-joined as `acr_values` (OIDC Core §3.1.2.1) in preference order; empty means not sent.
    pub acr_values: &'a [String],
    pub max_age: Option<u64>,
    /// Sent as given; an empty string is not sent.
    pub prompt: Option<&'a str>,
    pub login_hint: Option<&'a str>,
    /// Auth0's API selector.
    pub audience: Option<&'a str>,
    /// Also ask for `acr` as an essential claim with `acr_values` as its values (OIDC Core §5.5.1.1), which
    /// obliges the provider to meet one of them or fail, instead of silently returning less.
    pub essential_acr: bool,
    /// The RFC 7638 thumbprint of the client's DPoP key (RFC 9449 §10): the provider binds the code to it,
    /// so only a token request proving that key can redeem it.
    pub dpop_jkt: Option<&'a str>,
    /// Further parameters. They may not repeat a parameter already sent (RFC 6749 §3.1: at most once) nor
    /// name a security parameter ([`RESERVED_PARAMS`]), so a caller cannot weaken the request.
    pub extra: &'a [(String, String)],
}

/// Parameters only stepup sets. `request` / `request_uri` are here because a request object (RFC 9101)
/// would replace `state`, `nonce` and `code_challenge` wholesale.
pub const RESERVED_PARAMS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "request",
    "request_uri",
    "dpop_jkt",
];

/// An `invalid_config` failure as its message: what the request's builders hand back, turned into the
/// [`Error`] in one place (measured smaller than an `Error` built at each check).
type Config<T> = core::result::Result<T, &'static str>;

#[inline(always)] // so the npm build, whose `Error::new` drops the message, keeps none of them
fn config(msg: &'static str) -> Error {
    Error::new(ErrorCode::InvalidConfig, msg)
}

/// A query being built: remembers the names sent so no parameter goes out twice.
struct Query {
    out: String,
    names: Vec<String>,
    first: bool,
}

impl Query {
    fn add(&mut self, name: &str, value: &str) -> Config<()> {
        if self.names.iter().any(|n| n == name) {
            return Err("authorization parameter given twice");
        }
        self.names.push(String::from(name));
        if !self.first {
            self.out.push('&');
        }
        self.first = false;
        push_encoded(&mut self.out, name);
        self.out.push('=');
        push_encoded(&mut self.out, value);
        Ok(())
    }
}

impl AuthorizationRequest<'_> {
    /// The URL to send the browser to. Errors are `invalid_config`: the endpoint is not https (http only for
    /// localhost), a required value is empty, or a parameter would be sent twice or override a reserved one.
    pub fn to_url(&self, authorization_endpoint: &str) -> Result<String> {
        self.url(authorization_endpoint).map_err(config)
    }

    /// [`Self::to_url`], its failure as the message.
    fn url(&self, authorization_endpoint: &str) -> Config<String> {
        // RFC 6749 §3.1 (TLS; no fragment in the endpoint), RFC 9700 §2.6.
        if !is_secure_url(authorization_endpoint) || authorization_endpoint.contains('#') {
            return Err("authorization_endpoint must be an https URL without a fragment");
        }
        // One test each, not a loop over (value, message) pairs: the npm build drops the messages
        // (`Error::new`), which it can only do when no array holds them.
        if self.client_id.is_empty() {
            return Err("client_id is empty");
        }
        if self.redirect_uri.is_empty() {
            return Err("redirect_uri is empty");
        }
        if self.state.is_empty() {
            return Err("state is empty");
        }
        if self.nonce.is_empty() {
            return Err("nonce is empty");
        }
        // RFC 6749 §3.1.2: the redirection endpoint URI MUST NOT include a fragment.
        if self.redirect_uri.contains('#') {
            return Err("redirect_uri must not contain a fragment");
        }
        // RFC 7636 §4.2: an S256 challenge is 43 base64url characters.
        let b64url = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
        if self.code_challenge.len() != 43 || !text::all_bytes(self.code_challenge, b64url) {
            return Err("code_challenge is not an S256 challenge");
        }
        // OIDC Core §3.1.2.1: acr_values is space-separated, so a value can neither be empty nor hold a space.
        if self.acr_values.iter().any(|v| v.is_empty() || v.contains(' ')) {
            return Err("an acr value is empty or contains a space");
        }

        let (base, endpoint_query) = match text::split_once(authorization_endpoint, b'?') {
            Some((b, q)) => (b, q),
            None => (authorization_endpoint, ""),
        };
        let mut q = Query { out: String::from(base), names: Vec::new(), first: true };
        q.out.push('?');
        // The endpoint's own query is kept verbatim, and counts for the at-most-once rule.
        for (name, _, pair) in pairs(endpoint_query) {
            if q.names.contains(&name) {
                return Err("authorization_endpoint repeats a query parameter");
            }
            q.names.push(name);
            if !q.first {
                q.out.push('&');
            }
            q.first = false;
            q.out.push_str(pair);
        }

        q.add("response_type", "code")?;
        q.add("client_id", self.client_id)?;
        q.add("redirect_uri", self.redirect_uri)?;
        q.add("scope", &normalize_scope(self.scope)?)?;
        q.add("state", self.state)?;
        q.add("nonce", self.nonce)?;
        q.add("code_challenge", self.code_challenge)?;
        q.add("code_challenge_method", "S256")?;
        if !self.acr_values.is_empty() {
            // Space-separated (a loop, not `join`: that links a generic copy routine per element type).
            let mut v = String::new();
            for (i, acr) in self.acr_values.iter().enumerate() {
                if i > 0 {
                    v.push(' ');
                }
                v.push_str(acr);
            }
            q.add("acr_values", &v)?;
        }
        if let Some(max_age) = self.max_age {
            let mut v = String::new();
            push_u64(&mut v, max_age);
            q.add("max_age", &v)?;
        }
        for (name, value) in
            [("prompt", self.prompt), ("login_hint", self.login_hint), ("audience", self.audience), ("dpop_jkt", self.dpop_jkt)]
        {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                q.add(name, v)?;
            }
        }
        if self.essential_acr && !self.acr_values.is_empty() {
            q.add("claims", &essential_acr_claims(self.acr_values))?;
        }
        for (name, value) in self.extra {
            if name.is_empty() || RESERVED_PARAMS.contains(&name.as_str()) {
                return Err("extra parameters may not set a reserved parameter");
            }
            q.add(name, value)?;
        }
        Ok(q.out)
    }
}

/// `openid` first, then the caller's scope tokens without duplicates. RFC 6749 §3.3: tokens are separated
/// by single spaces and made of NQCHAR (%x21 / %x23-5B / %x5D-7E).
fn normalize_scope(scope: &str) -> Config<String> {
    let mut out = String::from("openid");
    for token in text::split(scope, b' ').filter(|t| !t.is_empty()) {
        if !text::all_bytes(token, |b| matches!(b, 0x21 | 0x23..=0x5b | 0x5d..=0x7e)) {
            return Err("scope contains a character RFC 6749 §3.3 does not allow");
        }
        if !text::split(&out, b' ').any(|t| t == token) {
            out.push(' ');
            out.push_str(token);
        }
    }
    Ok(out)
}

/// OIDC Core §5.5 / §5.5.1.1: `{"id_token":{"acr":{"essential":true,"values":[...]}}}`.
fn essential_acr_claims(values: &[String]) -> String {
    let mut out = String::from(r#"{"id_token":{"acr":{"essential":true,"values":["#);
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json::write_string(&mut out, v);
    }
    out.push_str("]}}}");
    out
}

/// `Debug` without the secrets (`state`, `nonce`): see `core::secret`.
impl core::fmt::Debug for AuthorizationRequest<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        use super::secret::Redacted;
        f.debug_struct("AuthorizationRequest")
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("scope", &self.scope)
            .field("state", &Redacted)
            .field("nonce", &Redacted)
            .field("code_challenge", &self.code_challenge)
            .field("acr_values", &self.acr_values)
            .field("max_age", &self.max_age)
            .field("prompt", &self.prompt)
            .field("login_hint", &self.login_hint)
            .field("audience", &self.audience)
            .field("essential_acr", &self.essential_acr)
            .field("dpop_jkt", &self.dpop_jkt)
            .finish_non_exhaustive()
    }
}

/// The authorization response parameters (RFC 6749 §4.1.2 / §4.1.2.1, RFC 9207 §2), percent-decoded.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub iss: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    pub error_uri: Option<String>,
}

/// `Debug` without the secrets (`code`, `state`): see `core::secret`.
impl core::fmt::Debug for CallbackParams {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        use super::secret::maybe;
        f.debug_struct("CallbackParams")
            .field("code", &maybe(&self.code))
            .field("state", &maybe(&self.state))
            .field("iss", &self.iss)
            .field("error", &self.error)
            .field("error_description", &self.error_description)
            .field("error_uri", &self.error_uri)
            .finish()
    }
}

/// The names [`parse_callback`] reads.
const RESPONSE_PARAMS: &[&str] = &["code", "state", "iss", "error", "error_description", "error_uri"];

/// Read the response parameters of a callback URL (absolute or relative).
///
/// Source: the query when it holds any response parameter, else the fragment (`response_mode=fragment`).
/// Decoding is `application/x-www-form-urlencoded` as the browser's URLSearchParams does it: `+` is a space,
/// a malformed `%` escape is kept literally, invalid UTF-8 becomes U+FFFD; a value corrupted that way then
/// fails [`validate_callback`]'s exact comparisons. Other parameters are ignored.
///
/// RFC 6749 §3.1: parameters MUST NOT be repeated. A repeated response parameter means the URL was
/// tampered with (which copy would the browser layer believe?), so it is rejected like a forged response:
/// `issuer_mismatch` for a repeated `iss`, `state_mismatch` for any other.
pub fn parse_callback(url: &str) -> Result<CallbackParams> {
    let (head, fragment) = text::split_once(url, b'#').unwrap_or((url, ""));
    let query = text::split_once(head, b'?').map_or("", |(_, q)| q);
    let source = if pairs(query).any(|(n, _, _)| RESPONSE_PARAMS.contains(&n.as_str())) { query } else { fragment };
    let mut p = CallbackParams::default();
    for (name, value, _) in pairs(source) {
        let slot = match name.as_str() {
            "code" => &mut p.code,
            "state" => &mut p.state,
            "iss" => &mut p.iss,
            "error" => &mut p.error,
            "error_description" => &mut p.error_description,
            "error_uri" => &mut p.error_uri,
            _ => continue,
        };
        if slot.is_some() {
            return Err(if name == "iss" {
                Error::new(ErrorCode::IssuerMismatch, "the authorization response repeats iss")
            } else {
                Error::new(ErrorCode::StateMismatch, "the authorization response repeats a parameter")
            });
        }
        *slot = Some(percent_decode(value));
    }
    Ok(p)
}

/// Split a query into (decoded name, raw value, raw `name=value`) triples, empty pairs left out.
fn pairs(query: &str) -> impl Iterator<Item = (String, &str, &str)> {
    text::split(query, b'&').filter(|p| !p.is_empty()).map(|p| {
        let (n, v) = text::split_once(p, b'=').unwrap_or((p, ""));
        (percent_decode(n), v, p)
    })
}

/// Check a parsed response and return the authorization code. The order is the spec's and matters:
/// 1. `state` equals the one this browser sent (RFC 6749 §10.12, RFC 9700 §4.7.1) → `state_mismatch`;
/// 2. `iss`, when present, equals the issuer exactly, and is present when the provider advertises
///    `authorization_response_iss_parameter_supported` (RFC 9207 §2.4) → `issuer_mismatch`;
/// 3. an `error` response (RFC 6749 §4.1.2.1) → `authorization_error` with `error` / `error_description`;
/// 4. a `code` of VSCHARs (RFC 6749 §4.1.2, Appendix A.11) → else `authorization_error`.
///
/// Errors are only believed once they are known to answer our request from the right issuer.
pub fn validate_callback(params: &CallbackParams, expected_state: &str, issuer: &str, iss_required: bool) -> Result<String> {
    let state_ok = params.state.as_deref().is_some_and(|s| !expected_state.is_empty() && constant_time_eq(s.as_bytes(), expected_state.as_bytes()));
    if !state_ok {
        return Err(Error::new(ErrorCode::StateMismatch, "the response state does not match the request"));
    }
    match params.iss.as_deref() {
        Some(iss) if iss != issuer => {
            return Err(Error::new(ErrorCode::IssuerMismatch, "the response iss is not the issuer"));
        }
        None if iss_required => {
            return Err(Error::new(ErrorCode::IssuerMismatch, "the response has no iss but the issuer sends one"));
        }
        _ => {}
    }
    if let Some(error) = &params.error {
        return Err(Error::new(ErrorCode::AuthorizationError, "the provider returned an error")
            .with_oauth(error.clone(), params.error_description.clone()));
    }
    match &params.code {
        Some(c) if !c.is_empty() && text::all_bytes(c, |b| (0x20..=0x7e).contains(&b)) => Ok(c.clone()),
        _ => Err(Error::new(ErrorCode::AuthorizationError, "the response has no valid code")),
    }
}

/// Response parameters removed by [`clean_url`].
const CLEANED_PARAMS: &[&str] = &["code", "state", "iss", "error", "error_description", "error_uri", "session_state"];

/// The URL without the OAuth response parameters, for `history.replaceState` (so a reload, the history or
/// a copied link never carries the code). Other query and fragment parameters and the path are kept as is;
/// an emptied query or fragment loses its `?` / `#`.
pub fn clean_url(url: &str) -> String {
    let (head, fragment) = match text::split_once(url, b'#') {
        Some((h, f)) => (h, Some(f)),
        None => (url, None),
    };
    let (path, query) = match text::split_once(head, b'?') {
        Some((p, q)) => (p, Some(q)),
        None => (head, None),
    };
    let mut out = String::from(path);
    for (sep, part) in [('?', query), ('#', fragment)] {
        let Some(part) = part else { continue };
        // The kept parameters, `sep` before the first and `&` between (written as found, no `join`).
        let mut next = sep;
        for (name, _, p) in pairs(part) {
            if !CLEANED_PARAMS.contains(&name.as_str()) {
                out.push(next);
                out.push_str(p);
                next = '&';
            }
        }
    }
    out
}

/// Append `s` percent-encoded for a query or a form body: RFC 3986 unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`) as is, every other UTF-8 byte as `%XX`. A space is `%20`, which form decoders
/// and URL parsers both read as a space (`+` would be a plus sign to a plain URL parser).
/// RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §2): the `end_session_endpoint` with
/// `client_id`, `id_token_hint` (the session's ID token, so the provider knows whom to sign out) and
/// `post_logout_redirect_uri` when given, appended to any query the endpoint already has.
pub fn logout_url(end_session_endpoint: &str, client_id: &str, id_token_hint: Option<&str>, return_to: Option<&str>) -> String {
    let mut url = String::from(end_session_endpoint);
    url.push(if end_session_endpoint.contains('?') { '&' } else { '?' });
    url.push_str("client_id=");
    push_encoded(&mut url, client_id);
    if let Some(t) = id_token_hint {
        url.push_str("&id_token_hint=");
        push_encoded(&mut url, t);
    }
    if let Some(r) = return_to {
        url.push_str("&post_logout_redirect_uri=");
        push_encoded(&mut url, r);
    }
    url
}

pub fn push_encoded(out: &mut String, s: &str) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(hex_digit(b >> 4));
            out.push(hex_digit(b & 15));
        }
    }
}

fn hex_digit(n: u8) -> char {
    char::from_digit(u32::from(n), 16).unwrap_or('0').to_ascii_uppercase()
}

/// Decode `application/x-www-form-urlencoded` (WHATWG URL §5.1): `+` is a space, `%XX` a byte, a `%` not
/// followed by two hex digits stays literal, invalid UTF-8 becomes U+FFFD.
pub fn percent_decode(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let mut ahead = bytes.clone();
                let hex = |b: Option<u8>| b.and_then(|b| char::from(b).to_digit(16));
                match (hex(ahead.next()), hex(ahead.next())) {
                    (Some(h), Some(l)) => {
                        out.push(((h << 4) | l) as u8);
                        bytes = ahead;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
    }
    utf8_lossy(&out)
}

/// What `String::from_utf8_lossy` gives (each invalid sequence becomes U+FFFD), without linking its
/// chunk iterator.
fn utf8_lossy(mut bytes: &[u8]) -> String {
    let mut out = String::new();
    loop {
        match core::str::from_utf8(bytes) {
            Ok(s) => {
                out.push_str(s);
                return out;
            }
            Err(e) => {
                let valid = bytes.get(..e.valid_up_to()).unwrap_or_default();
                out.push_str(core::str::from_utf8(valid).unwrap_or_default());
                out.push(char::REPLACEMENT_CHARACTER);
                // `error_len` is `None` for a sequence cut off by the end: one replacement for all of it.
                let skip = e.valid_up_to() + e.error_len().unwrap_or(bytes.len());
                bytes = bytes.get(skip..).unwrap_or_default();
            }
        }
    }
}

/// RFC 9700 §2.6 / RFC 8252 §8.3: endpoints use TLS; plain http only to the loopback host (the dev
/// provider). Also refused: userinfo (`https://good@evil`), empty or odd hosts, whitespace and controls,
/// a non-numeric port.
pub fn is_secure_url(url: &str) -> bool {
    // A byte search, not `split_once("://")`: a `&str` pattern links core's two-way string searcher (~2 KB).
    let Some(sep) = url.as_bytes().windows(3).position(|w| w == b"://") else { return false };
    let (Some(scheme), Some(rest)) = (url.get(..sep), url.get(sep + 3..)) else { return false };
    if !text::all_bytes(url, |b| b > b' ' && b != 0x7f && b != b'\\') {
        return false;
    }
    let end = rest.bytes().position(|b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(rest.len());
    let authority = rest.get(..end).unwrap_or_default();
    let (host, port, v6) = match authority.strip_prefix('[') {
        // An IPv6 literal: `[...]` then an optional `:port`.
        Some(v6) => {
            let Some((addr, rest)) = text::split_once(v6, b']') else { return false };
            if !text::all_bytes(addr, |b| b.is_ascii_hexdigit() || b == b':' || b == b'.') {
                return false;
            }
            let port = match rest {
                "" => None,
                r => match r.strip_prefix(':') {
                    Some(p) => Some(p),
                    None => return false,
                },
            };
            (addr, port, true)
        }
        None => match text::split_once(authority, b':') {
            Some((h, p)) => (h, Some(p), false),
            None => (authority, None, false),
        },
    };
    let host_ok = !host.is_empty() && (v6 || text::all_bytes(host, |b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'));
    let port_ok = port.map_or(true, |p| (1..=5).contains(&p.len()) && text::all_bytes(p, |b| b.is_ascii_digit()));
    if !host_ok || !port_ok {
        return false;
    }
    let loopback = host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1" || (v6 && host == "::1");
    scheme.eq_ignore_ascii_case("https") || (scheme.eq_ignore_ascii_case("http") && loopback)
}

/// Append the decimal digits of `n` (integer formatting without `core::fmt`).
pub(crate) fn push_u64(out: &mut String, n: u64) {
    if n >= 10 {
        push_u64(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// [`push_u64`] with a sign.
pub(crate) fn push_i64(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_u64(out, n.unsigned_abs());
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;

    #[test]
    fn encoding_roundtrips() {
        let s = "a b&c=d+é~-._/?#%";
        let mut e = String::new();
        push_encoded(&mut e, s);
        assert_eq!(e, "a%20b%26c%3Dd%2B%C3%A9~-._%2F%3F%23%25");
        assert_eq!(percent_decode(&e), s);
        assert_eq!(percent_decode("a+b%zz%4"), "a b%zz%4");
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
        let mut n = String::new();
        push_u64(&mut n, u64::MAX);
        push_u64(&mut n, 0);
        assert_eq!(n, "184467440737095516150");
    }

    #[test]
    fn secure_urls() {
        for ok in ["https://a.example/authorize", "HTTPS://a.example:8443", "http://localhost:3000/x", "http://127.0.0.1/",
            "http://[::1]:80/a", "https://[2001:db8::1]/", "https://idp.example?x=1"] {
            assert!(is_secure_url(ok), "{ok}");
        }
        for bad in ["http://a.example/", "ftp://a.example", "https://", "https:///path", "https://a@b.example/",
            "http://localhost@evil.example/", "http://localhost.evil.example/", "https://a b.example", "https://a.example:x",
            "https://a.example:123456", "//a.example", "https://a\\b.example", "http://127.0.0.2/", "https://[zz]/",
            "javascript:alert(1)"] {
            assert!(!is_secure_url(bad), "{bad}");
        }
    }

    #[test]
    fn the_authority_ends_at_the_first_slash_question_mark_or_hash() {
        for ok in ["https://a.example#f", "http://localhost?x=/", "https://a.example:443/p?q#f", "https://[::1]#x"] {
            assert!(is_secure_url(ok), "{ok}");
        }
        for bad in ["https://#x", "https://?x", "https:///", "https://a.example:/x", "https://a.example:1234567?x"] {
            assert!(!is_secure_url(bad), "{bad}");
        }
    }

    #[test]
    fn utf8_lossy_is_std_lossy() {
        for bytes in [&b"plain"[..], b"caf\xc3\xa9", b"a\xffb", b"\xff\xfe", b"cut \xe2\x82", b"\xe2\x82x\xf0\x9f\x98\x80", b"", b"\xc0\xaf"] {
            assert_eq!(utf8_lossy(bytes), String::from_utf8_lossy(bytes));
        }
    }
}
