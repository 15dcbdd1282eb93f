//! `WWW-Authenticate` parsing (RFC 9110 §11.6.1, §11.2) and the step-up challenges in it: RFC 9470's, and
//! Microsoft Entra ID's `insufficient_claims` claims challenge.
//!
//! Grammar (RFC 9110 §11.2, §5.6):
//! ```text
//! WWW-Authenticate = #challenge
//! challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//! auth-param       = token BWS "=" BWS ( token / quoted-string )
//! token68          = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
//! ```
//! A comma separates both challenges and the parameters of one challenge; an element that is
//! `name=value` continues the current challenge, anything else starts the next one.
//!
//! Unparseable headers yield `None`, never an error: a header we cannot read is not a step-up request,
//! and the caller then treats the response as the plain 401/403 it is. Guessing at a half-parsed header
//! could make us re-authenticate with values the server never asked for.

use alloc::string::String;
use alloc::vec::Vec;

use super::text;
use super::json::Json;
use super::policy::StepUpPolicy;

/// One challenge. `scheme` is kept as sent (compare it case-insensitively: [`Challenge::is_scheme`]);
/// parameter names are lowercased (they are case-insensitive, RFC 9110 §11.2), values unescaped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: String,
    pub token68: Option<String>,
    pub params: Vec<(String, String)>,
}

impl Challenge {
    /// The value of parameter `name` (give it in lowercase).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
    /// Whether the scheme is `scheme`, ignoring ASCII case (RFC 9110 §11.1).
    pub fn is_scheme(&self, scheme: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(scheme)
    }
}

/// RFC 9110 §5.6.2 tchar.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A cursor over the header bytes. Every read goes through `get`, so no input can index out of bounds.
struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    /// OWS (RFC 9110 §5.6.3); true when any was skipped.
    fn ows(&mut self) -> bool {
        let start = self.i;
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
        self.i > start
    }
    /// Commas and OWS between list elements (RFC 9110 §5.6.1 allows empty elements).
    fn list_separators(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b',')) {
            self.i += 1;
        }
    }
    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> Option<&'a str> {
        let start = self.i;
        while self.peek().is_some_and(&f) {
            self.i += 1;
        }
        let s = self.b.get(start..self.i).and_then(|s| core::str::from_utf8(s).ok())?;
        (!s.is_empty()).then_some(s)
    }
    fn token(&mut self) -> Option<&'a str> {
        self.take_while(is_tchar)
    }
    fn token68(&mut self) -> Option<&'a str> {
        let start = self.i;
        self.take_while(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))?;
        while self.peek() == Some(b'=') {
            self.i += 1;
        }
        self.b.get(start..self.i).and_then(|s| core::str::from_utf8(s).ok())
    }
    /// RFC 9110 §5.6.4 quoted-string, unescaped.
    fn quoted_string(&mut self) -> Option<String> {
        if self.peek() != Some(b'"') {
            return None;
        }
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let b = self.peek()?;
            self.i += 1;
            match b {
                b'"' => return String::from_utf8(out).ok(),
                // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
                b'\\' => {
                    let c = self.peek().filter(|&c| c == b'\t' || (c >= 0x20 && c != 0x7f))?;
                    self.i += 1;
                    out.push(c);
                }
                // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
                b'\t' | 0x20..=0x7e | 0x80..=0xff => out.push(b),
                _ => return None,
            }
        }
    }
    /// `token BWS "=" BWS ( token / quoted-string )`, or nothing consumed.
    fn auth_param(&mut self) -> Option<(String, String)> {
        let start = self.i;
        let param = (|| {
            let name = self.token()?.to_ascii_lowercase();
            self.ows();
            if self.peek() != Some(b'=') {
                return None;
            }
            self.i += 1;
            self.ows();
            let value = match self.token() {
                Some(t) => String::from(t),
                None => self.quoted_string()?,
            };
            Some((name, value))
        })();
        if param.is_none() {
            self.i = start;
        }
        param
    }
}

/// Parse a `WWW-Authenticate` value into its challenges (`Basic realm="a", Bearer error="x"` is two).
/// `None` when the header does not follow the grammar or repeats a parameter within one challenge
/// (RFC 9110 §11.2: each name MUST occur only once); an empty header is `Some(vec![])`.
pub fn parse_www_authenticate(header: &str) -> Option<Vec<Challenge>> {
    let mut p = Parser { b: header.as_bytes(), i: 0 };
    let mut out = Vec::new();
    p.list_separators();
    while p.peek().is_some() {
        let mut ch = Challenge { scheme: String::from(p.token()?), ..Challenge::default() };
        // `1*SP` then a token68 or the first auth-param.
        if p.ows() && !matches!(p.peek(), None | Some(b',')) {
            match p.auth_param() {
                Some(param) => ch.params.push(param),
                None => ch.token68 = Some(String::from(p.token68()?)),
            }
        }
        // Then `, name=value` elements continue this challenge; anything else begins the next one.
        loop {
            p.ows();
            match p.peek() {
                None => break,
                Some(b',') => p.list_separators(),
                Some(_) => return None,
            }
            if ch.token68.is_some() {
                break;
            }
            match p.auth_param() {
                Some((name, _)) if ch.param(&name).is_some() => return None,
                Some(param) => ch.params.push(param),
                None => break,
            }
        }
        out.push(ch);
    }
    Some(out)
}

/// A step-up challenge: the resource server wants a stronger or fresher authentication. Either RFC 9470 §3
/// (`insufficient_user_authentication`) or Microsoft Entra ID's Conditional Access authentication context
/// (`insufficient_claims` with a `claims` request to send back).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepUpChallenge {
    /// `"Bearer"` or `"DPoP"` (normalized to that spelling).
    pub scheme: String,
    /// `insufficient_user_authentication` or `insufficient_claims`.
    pub error: String,
    pub error_description: Option<String>,
    /// In the server's order of preference; `None` when absent or empty. For `insufficient_claims`, the
    /// `acr` / `acrs` values its `claims` names (under `id_token`, `access_token` or `userinfo`).
    pub acr_values: Option<Vec<String>>,
    pub max_age: Option<u64>,
    /// `insufficient_claims` only: the OIDC Core §5.5 `claims` request to send with the new authorization
    /// request, as JSON text (decoded from the header's base64; always a JSON object).
    pub claims: Option<String>,
}

impl StepUpChallenge {
    /// What the resource server asks for (RFC 9470 §5), as the policy the new login is judged by and the
    /// `acr_values` to send: its `acr_values` (binding: the server listed them) and `max_age`; a challenge
    /// naming neither still asks for a stronger login, which is `mfa` with `[step_up_acr]` as a hint.
    ///
    /// An `insufficient_claims` challenge sends its `claims` and no `acr_values`: the ID token must then carry
    /// an `acr` its `id_token` member lists (the server asked for it; OIDC Core §5.5.1.1), while what it asks
    /// of the access token (Entra's `acrs`) is for the server to judge on the retry.
    pub fn step_up(&self, step_up_acr: &str) -> (StepUpPolicy, Option<Vec<String>>) {
        if let Some(text) = &self.claims {
            let acr = claims_acr(text, true).unwrap_or_default();
            return (StepUpPolicy { acr: (!acr.is_empty()).then_some(acr), ..StepUpPolicy::default() }, None);
        }
        let mfa = self.acr_values.is_none() && self.max_age.is_none();
        let policy = StepUpPolicy { acr: self.acr_values.clone(), amr: None, mfa, max_age: self.max_age };
        let acr_values = self.acr_values.clone().or_else(|| mfa.then(|| alloc::vec![String::from(step_up_acr)]));
        (policy, acr_values)
    }
}

/// RFC 9470 §3: the error code that asks for step-up.
pub const INSUFFICIENT_USER_AUTHENTICATION: &str = "insufficient_user_authentication";

/// Microsoft Entra ID's error code for a Conditional Access authentication context the token lacks.
pub const INSUFFICIENT_CLAIMS: &str = "insufficient_claims";

/// The `acr` (OIDC Core §5.5.1.1) and `acrs` (Entra) values a `claims` request names, in order, each once:
/// `value` and `values` of `id_token.acr`, then (unless `id_token_only`) of `access_token.acrs` / `.acr` and
/// `userinfo.acr`. `None` when the text is not a JSON object.
fn claims_acr(text: &str, id_token_only: bool) -> Option<Vec<String>> {
    const PLACES: [(&str, &str); 4] = [("id_token", "acr"), ("access_token", "acrs"), ("access_token", "acr"), ("userinfo", "acr")];
    let doc = super::json::parse(text, super::error::ErrorCode::InvalidConfig).ok()?;
    doc.as_object()?;
    let mut out: Vec<String> = Vec::new();
    for (member, claim) in PLACES.get(..if id_token_only { 1 } else { 4 }).unwrap_or_default() {
        let Some(request) = doc.get(member).and_then(|m| m.get(claim)) else { continue };
        let mut add = |v: &Json| {
            if let Some(v) = v.as_str().filter(|v| !v.is_empty() && !out.iter().any(|o| o == v)) {
                out.push(String::from(v));
            }
        };
        if let Some(v) = request.get("value") {
            add(v);
        }
        for v in request.get("values").and_then(Json::as_array).unwrap_or_default() {
            add(v);
        }
    }
    Some(out)
}

/// Standard base64 (RFC 4648 §4, Entra's `claims`), padding allowed: rewritten to base64url and decoded
/// strictly (canonical bits, no whitespace).
fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let body = s.strip_suffix("==").or_else(|| s.strip_suffix('=')).unwrap_or(s);
    if body.len() != s.len() && s.len() % 4 != 0 {
        return None;
    }
    let mut url = Vec::with_capacity(body.len());
    for b in body.bytes() {
        url.push(match b {
            b'+' => b'-',
            b'/' => b'_',
            b'-' | b'_' => return None,
            b => b,
        });
    }
    super::base64url::decode(core::str::from_utf8(&url).ok()?).ok()
}

/// Entra ID's challenge: `error="insufficient_claims"` with `claims` = base64 of a JSON object.
fn insufficient_claims(ch: &Challenge) -> Option<StepUpChallenge> {
    if ch.param("error") != Some(INSUFFICIENT_CLAIMS) {
        return None;
    }
    let text = String::from_utf8(decode_base64(ch.param("claims")?)?).ok()?;
    let acr = claims_acr(&text, false)?;
    Some(StepUpChallenge {
        error: String::from(INSUFFICIENT_CLAIMS),
        error_description: ch.param("error_description").map(String::from),
        acr_values: (!acr.is_empty()).then_some(acr),
        claims: Some(text),
        ..StepUpChallenge::default()
    })
}

/// The first `Bearer` or `DPoP` (RFC 9449 §7.1) challenge whose `error` is
/// `insufficient_user_authentication`, or `insufficient_claims` with a readable `claims` (base64 of a JSON
/// object), if any.
///
/// `acr_values` is split on spaces in order; `max_age` must be a non-negative decimal integer (as a token
/// or a quoted-string, RFC 9470 §3). A `max_age` that is not one makes the whole challenge unreadable
/// (`None`): stepping up without the freshness the server demands would only earn another 401.
pub fn parse_step_up_challenge(header: &str) -> Option<StepUpChallenge> {
    for ch in &parse_www_authenticate(header)? {
        let dpop = ch.is_scheme("dpop");
        if !dpop && !ch.is_scheme("bearer") {
            continue;
        }
        let out = if ch.param("error") == Some(INSUFFICIENT_USER_AUTHENTICATION) {
            // An unreadable `max_age` ends the search: the challenge asked for step-up but cannot be met.
            insufficient_user_authentication(ch)?
        } else if let Some(out) = insufficient_claims(ch) {
            out
        } else {
            continue;
        };
        return Some(StepUpChallenge { scheme: String::from(if dpop { "DPoP" } else { "Bearer" }), ..out });
    }
    None
}

/// RFC 9470 §3's `insufficient_user_authentication` challenge (the caller sets `scheme`); `None` when its
/// `max_age` is not a decimal integer.
fn insufficient_user_authentication(ch: &Challenge) -> Option<StepUpChallenge> {
    let mut acr_values = Vec::new();
    for v in text::split(ch.param("acr_values").unwrap_or_default(), b' ') {
        if !v.is_empty() {
            acr_values.push(String::from(v));
        }
    }
    let acr_values = (!acr_values.is_empty()).then_some(acr_values);
    let max_age = match ch.param("max_age") {
        None => None,
        Some(v) => Some(text::decimal(v)?),
    };
    Some(StepUpChallenge {
        scheme: String::new(),
        error: String::from(INSUFFICIENT_USER_AUTHENTICATION),
        error_description: ch.param("error_description").map(String::from),
        acr_values,
        max_age,
        claims: None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_first_bearer_or_dpop_step_up_challenge_answers() {
        let claims = crate::core::base64url::encode(br#"{"id_token":{"acr":{"values":["c1"]}}}"#);
        let h = alloc::format!(
            r#"Basic realm="a", DPoP error="invalid_token", Bearer error="insufficient_claims", claims="{claims}", DPoP error="insufficient_user_authentication""#
        );
        let c = parse_step_up_challenge(&h).unwrap();
        assert_eq!((c.scheme.as_str(), c.error.as_str()), ("Bearer", INSUFFICIENT_CLAIMS));
        assert_eq!(c.acr_values, Some(alloc::vec![String::from("c1")]));
        // An unreadable `claims` is passed over; an unreadable `max_age` ends the search.
        let c = parse_step_up_challenge(r#"Bearer error="insufficient_claims", claims="!!", dpop error="insufficient_user_authentication", acr_values="a  b""#)
            .unwrap();
        assert_eq!((c.scheme.as_str(), c.error.as_str()), ("DPoP", INSUFFICIENT_USER_AUTHENTICATION));
        assert_eq!(c.acr_values, Some(alloc::vec![String::from("a"), String::from("b")]));
        assert_eq!(
            parse_step_up_challenge(r#"Bearer error="insufficient_user_authentication", max_age="x", DPoP error="insufficient_user_authentication""#),
            None
        );
        assert_eq!(parse_step_up_challenge(r#"Basic error="insufficient_user_authentication""#), None);
    }
}
