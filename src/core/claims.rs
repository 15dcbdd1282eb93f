//! Typed ID-token claims (OIDC Core §2, RFC 7519 §4.1).
//!
//! A claim of the wrong JSON type is `invalid_claim`, never "absent": treating `"exp": "123"` as a
//! missing `exp`, or `"amr": "mfa"` as no `amr`, is how validators get bypassed. Every other claim is
//! kept untouched in [`Claims::extra`]. The step-up view of these claims (`acr`, `amr`, `auth_time`)
//! is `policy::AuthContext`, built `From<&Claims>`.

use alloc::string::String;
use alloc::vec::Vec;

use super::error::{Error, ErrorCode, FirstError, Result};
use super::json::{Json, JsonObject};

/// The claims stepup reads, typed; the rest in `extra`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Claims {
    pub iss: Option<String>,
    pub sub: Option<String>,
    /// `aud` as sent: a single string becomes a one-element list.
    pub aud: Vec<String>,
    pub exp: Option<i64>,
    pub iat: Option<i64>,
    pub nbf: Option<i64>,
    pub auth_time: Option<i64>,
    pub nonce: Option<String>,
    pub acr: Option<String>,
    /// Empty when absent (RFC 8176 values, e.g. `pwd`, `otp`, `mfa`).
    pub amr: Vec<String>,
    pub azp: Option<String>,
    pub at_hash: Option<String>,
    pub sid: Option<String>,
    /// Every claim not listed above.
    pub extra: JsonObject,
}

const KNOWN: [&str; 13] =
    ["iss", "sub", "aud", "exp", "iat", "nbf", "auth_time", "nonce", "acr", "amr", "azp", "at_hash", "sid"];

/// Largest integer a JSON number (an IEEE double) holds exactly: 2^53.
const MAX_NUMERIC_DATE: f64 = 9_007_199_254_740_992.0;

fn invalid(claim: &'static str, msg: &'static str) -> Error {
    Error::new(ErrorCode::InvalidClaim, msg).with_claim(claim)
}

/// Reads the claims one by one and keeps the first error ([`FirstError`]).
struct Reader<'a> {
    obj: &'a JsonObject,
    err: FirstError,
}

impl Reader<'_> {
    fn fail<T: Default>(&mut self, claim: &'static str, msg: &'static str) -> T {
        self.err.note(invalid(claim, msg))
    }

    /// An optional string claim.
    fn string(&mut self, name: &'static str) -> Option<String> {
        match self.obj.get(name) {
            None => None,
            Some(Json::String(s)) => Some(s.clone()),
            Some(_) => self.fail(name, "claim must be a string"),
        }
    }

    /// An optional array of strings (`amr`); absent is empty. With `one_allowed` (`aud`, RFC 7519 §4.1.3) it may
    /// also be one string.
    fn strings(&mut self, name: &'static str, one_allowed: bool) -> Vec<String> {
        match self.obj.get(name) {
            None => Vec::new(),
            Some(Json::String(s)) if one_allowed => alloc::vec![s.clone()],
            Some(v) => match v.as_strings() {
                Some(list) => list,
                None => self.fail(name, "claim must be an array of strings"),
            },
        }
    }

    /// A NumericDate (RFC 7519 §2): a JSON number of seconds. Fractions are allowed by the RFC and floored;
    /// negative values and values beyond 2^53 (where doubles stop being exact) are rejected.
    fn numeric_date(&mut self, name: &'static str) -> Option<i64> {
        match self.obj.get(name) {
            None => None,
            // The range check also rejects NaN (every comparison is false) and ±infinity, which a JS
            // caller's object could carry even though JSON text cannot.
            Some(Json::Number(n)) if (0.0..=MAX_NUMERIC_DATE).contains(n) => Some(*n as i64),
            Some(Json::Number(_)) => self.fail(name, "date claim out of range"),
            Some(_) => self.fail(name, "date claim must be a number"),
        }
    }
}

impl Claims {
    /// Read the claims object. Not an object → `invalid_claim` (`jwt::decode` reports a non-object
    /// payload as `malformed_token` before calling this).
    pub fn from_json(value: &Json) -> Result<Claims> {
        let obj =
            value.as_object().ok_or_else(|| Error::new(ErrorCode::InvalidClaim, "claims must be a JSON object"))?;
        let mut r = Reader { obj, err: FirstError::default() };
        let extra = obj.without(&KNOWN);
        let claims = Claims {
            iss: r.string("iss"),
            sub: r.string("sub"),
            aud: r.strings("aud", true),
            exp: r.numeric_date("exp"),
            iat: r.numeric_date("iat"),
            nbf: r.numeric_date("nbf"),
            auth_time: r.numeric_date("auth_time"),
            nonce: r.string("nonce"),
            acr: r.string("acr"),
            amr: r.strings("amr", false),
            azp: r.string("azp"),
            at_hash: r.string("at_hash"),
            sid: r.string("sid"),
            extra,
        };
        r.err.or_ok(claims)
    }

    /// Whether `aud` lists `client_id`.
    pub fn has_audience(&self, client_id: &str) -> bool {
        self.aud.iter().any(|a| a == client_id)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::core::json::parse;

    fn claims(text: &str) -> Result<Claims> {
        Claims::from_json(&parse(text, ErrorCode::MalformedToken).unwrap())
    }

    #[test]
    fn reads_typed_claims_and_keeps_the_rest() {
        let c = claims(
            r#"{"iss":"https://i/","sub":"u","aud":"c","exp":10.9,"iat":1,"amr":["pwd","otp"],
                "acr":"x","auth_time":5,"email":"a@b"}"#,
        )
        .unwrap();
        assert_eq!(c.aud, ["c"]);
        assert_eq!(c.exp, Some(10));
        assert_eq!(c.amr, ["pwd", "otp"]);
        assert_eq!(c.extra.len(), 1);
        assert!(c.extra.contains_key("email"));
        assert_eq!((c.acr.as_deref(), c.auth_time), (Some("x"), Some(5)));
        assert!(c.has_audience("c"));
    }

    #[test]
    fn wrong_types_are_invalid_not_absent() {
        for (text, claim) in [
            (r#"{"exp":"123"}"#, "exp"),
            (r#"{"iat":null}"#, "iat"),
            (r#"{"nbf":true}"#, "nbf"),
            (r#"{"auth_time":[1]}"#, "auth_time"),
            (r#"{"amr":"mfa"}"#, "amr"),
            (r#"{"amr":["pwd",1]}"#, "amr"),
            (r#"{"nonce":5}"#, "nonce"),
            (r#"{"aud":["a",null]}"#, "aud"),
            (r#"{"aud":{}}"#, "aud"),
            (r#"{"sub":1}"#, "sub"),
            (r#"{"exp":-1}"#, "exp"),
            (r#"{"exp":9007199254740993e3}"#, "exp"),
        ] {
            let err = claims(text).unwrap_err();
            assert_eq!((err.code(), err.claim.as_deref()), ("invalid_claim", Some(claim)), "{text}");
        }
        assert_eq!(claims("[]").unwrap_err().code(), "invalid_claim");
    }

    #[test]
    fn non_finite_numbers_from_js_objects_are_rejected() {
        let mut obj = JsonObject::new();
        obj.insert("exp".into(), Json::Number(f64::NAN));
        assert!(Claims::from_json(&Json::Object(obj.clone())).is_err());
        obj.insert("exp".into(), Json::Number(f64::INFINITY));
        assert!(Claims::from_json(&Json::Object(obj)).is_err());
    }
}
