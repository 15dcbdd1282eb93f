//! JWS compact serialization (RFC 7515 §7.1): `header.payload.signature`, each strict base64url.
//!
//! Decoding checks shape only: three parts, size cap, UTF-8 JSON objects, header members of the right
//! type, claims of the right type. Whether the `alg` or `crit` is acceptable is the validator's call
//! (`validate::check_header`), so `decodeJwt` can still show a token that would be rejected.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use super::text;
use super::base64url;
use super::claims::Claims;
use super::error::{Error, ErrorCode, FirstError, Result};
use super::json::{self, Json, JsonObject};

/// Longest token accepted, in bytes. ID tokens are a few KiB; the cap bounds the work (base64, JSON,
/// hashing) an attacker-supplied string can make us do.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// The JOSE header members stepup reads. `jku`, `x5u`, `jwk` and `x5c` stay in `raw` and are never
/// used: keys come only from the issuer's JWKS (RFC 8725 §3.10).
#[derive(Clone, Debug, PartialEq)]
pub struct JoseHeader {
    pub alg: String,
    pub kid: Option<String>,
    pub typ: Option<String>,
    /// Empty when absent; never empty when present (RFC 7515 §4.1.11).
    pub crit: Vec<String>,
    pub raw: JsonObject,
}

/// A decoded, not yet validated, compact JWS.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodedJwt {
    pub header: JoseHeader,
    /// Boxed, here and in [`super::session::Session`]: the claims are some 200 bytes, and the flows that hold
    /// and return a token or a session move a pointer instead.
    pub claims: Box<Claims>,
    pub header_json: Json,
    pub claims_json: Json,
    /// `base64url(header) || '.' || base64url(payload)`, exactly as received: the bytes the signature covers.
    pub signing_input: String,
    pub signature: Vec<u8>,
}

fn malformed(msg: &'static str) -> Error {
    Error::new(ErrorCode::MalformedToken, msg)
}

fn header_error(member: &'static str, msg: &'static str) -> Error {
    malformed(msg).with_claim(member)
}

/// An optional header member that must be a string when present.
fn header_str(obj: &JsonObject, err: &mut FirstError, name: &'static str) -> Option<String> {
    match obj.get(name) {
        None => None,
        Some(Json::String(s)) => Some(s.clone()),
        Some(_) => err.note(header_error(name, "header member must be a string")),
    }
}

impl JoseHeader {
    /// Read a header object. `alg` is required (RFC 7515 §4.1.1); `crit`, when present, is a non-empty
    /// array of strings (§4.1.11). Anything else of the wrong type is `malformed_token`.
    pub fn from_json(value: &Json) -> Result<JoseHeader> {
        let obj = value.as_object().ok_or_else(|| malformed("JOSE header is not a JSON object"))?;
        let mut err = FirstError::default();
        let alg = match header_str(obj, &mut err, "alg") {
            Some(alg) => alg,
            None => err.note(header_error("alg", "JOSE header has no alg")),
        };
        let crit = match obj.get("crit") {
            None => Vec::new(),
            Some(v @ Json::Array(items)) if !items.is_empty() => match v.as_strings() {
                Some(crit) => crit,
                None => err.note(header_error("crit", "crit must list strings")),
            },
            Some(_) => err.note(header_error("crit", "crit must be a non-empty array")),
        };
        let header = JoseHeader {
            alg,
            kid: header_str(obj, &mut err, "kid"),
            typ: header_str(obj, &mut err, "typ"),
            crit,
            raw: obj.clone(),
        };
        err.or_ok(header)
    }
}

/// Decode one base64url part into a JSON object.
fn json_part(part: &str, what: &'static str) -> Result<Json> {
    let bytes = base64url::decode(part)?;
    let text = core::str::from_utf8(&bytes).map_err(|_| malformed("token part is not UTF-8"))?;
    let value = json::parse(text, ErrorCode::MalformedToken)?;
    if value.as_object().is_none() {
        return Err(malformed(what));
    }
    Ok(value)
}

/// Decode a compact JWS without judging it. Five parts (a JWE) or any other count is
/// `malformed_token`; so is any non-base64url part, a non-object header or payload, or a token over
/// [`MAX_TOKEN_LEN`]. Claims of the wrong type are `invalid_claim` (see [`Claims::from_json`]).
/// An empty signature decodes (it is valid base64url); signature verification rejects it.
pub fn decode(token: &str) -> Result<DecodedJwt> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(malformed("token is too long"));
    }
    // Exactly two dots: `header.payload.signature`.
    let parts = text::split_once(token, b'.').and_then(|(h, rest)| Some((h, text::split_once(rest, b'.')?)));
    let Some((h, (p, s))) = parts.filter(|(_, (_, s))| !s.contains('.')) else {
        return Err(malformed("token must have exactly three parts"));
    };
    let header_json = json_part(h, "JOSE header is not a JSON object")?;
    let claims_json = json_part(p, "payload is not a JSON object")?;
    let signature = base64url::decode(s)?;
    let header = JoseHeader::from_json(&header_json)?;
    let claims = Box::new(Claims::from_json(&claims_json)?);
    // h and p are the first bytes of token, separated by one '.'.
    let signing_input = String::from(token.get(..h.len() + 1 + p.len()).unwrap_or_default());
    Ok(DecodedJwt { header, claims, header_json, claims_json, signing_input, signature })
}

/// The JSON text of a token's header (`0`) or payload (`1`), as the token carries it: for results handed to JS
/// callers, who `JSON.parse` it once instead of receiving the parsed tree member by member. Only for a token
/// that [`decode`] accepted, so the text is a JSON object our strict parser read. `None` when the part is
/// missing or not base64url UTF-8.
pub fn part_text(token: &str, index: usize) -> Option<String> {
    let part = text::split(token, b'.').nth(index)?;
    String::from_utf8(base64url::decode(part).ok()?).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        base64url::encode(s.as_bytes())
    }

    fn token(header: &str, payload: &str) -> String {
        [b64(header), b64(payload), base64url::encode(b"sig")].join(".")
    }

    #[test]
    fn decodes_a_token() {
        let t = token(r#"{"alg":"RS256","kid":"k","jku":"https://evil/"}"#, r#"{"sub":"u","x":1}"#);
        let jwt = decode(&t).unwrap();
        assert_eq!(jwt.header.alg, "RS256");
        assert_eq!(jwt.header.kid.as_deref(), Some("k"));
        assert!(jwt.header.raw.contains_key("jku"));
        assert_eq!(jwt.claims.sub.as_deref(), Some("u"));
        assert_eq!(jwt.signature, b"sig");
        assert_eq!(Some(jwt.signing_input.as_str()), t.rsplit_once('.').map(|(a, _)| a));
        assert_eq!(part_text(&t, 0).as_deref(), Some(r#"{"alg":"RS256","kid":"k","jku":"https://evil/"}"#));
        assert_eq!(part_text(&t, 1).as_deref(), Some(r#"{"sub":"u","x":1}"#));
        assert_eq!(part_text(&t, 3), None);
        assert_eq!(part_text("a.%%", 1), None);
    }

    #[test]
    fn rejects_bad_shapes() {
        let good = token(r#"{"alg":"RS256"}"#, "{}");
        let cases = [
            String::new(),
            "a.b".into(),
            [good.as_str(), "x"].join("."),
            [good.as_str(), "x", "y"].join("."),
            token("[]", "{}"),
            token(r#"{"alg":"RS256"}"#, "[1]"),
            token(r#"{"alg":"RS256"}"#, "not json"),
            token(r#"{"alg":5}"#, "{}"),
            token(r#"{"kid":"k"}"#, "{}"),
            token(r#"{"alg":"RS256","crit":[]}"#, "{}"),
            token(r#"{"alg":"RS256","crit":"b64"}"#, "{}"),
            token(r#"{"alg":"RS256","crit":[1]}"#, "{}"),
            token(r#"{"alg":"RS256","kid":1}"#, "{}"),
            token(r#"{"alg":"RS256","alg":"none"}"#, "{}"),
            [base64url::encode(&[0xff, 0xfe]), b64("{}"), String::new()].join("."),
            good.replacen('.', "=.", 1),
            "a".repeat(MAX_TOKEN_LEN + 1),
        ];
        for t in cases {
            assert_eq!(decode(&t).unwrap_err().code(), "malformed_token", "{t}");
        }
    }

    #[test]
    fn decode_leaves_alg_and_crit_to_validation() {
        let jwt = decode(&token(r#"{"alg":"none","crit":["b64"]}"#, "{}")).unwrap();
        assert_eq!((jwt.header.alg.as_str(), jwt.header.crit.len()), ("none", 1));
    }
}
