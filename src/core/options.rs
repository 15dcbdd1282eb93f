//! Options objects as callers write them (camelCase JSON, as in DESIGN.md's JS contract) → core types.
//!
//! One reader for JS objects and JSON config alike, so a wrong type is reported the same way everywhere:
//! `invalid_config` naming the member, never silently ignored.

use alloc::string::String;
use alloc::vec::Vec;

use super::error::{Error, ErrorCode, FirstError, Result};
use super::jwk::Algorithm;
use super::json::Json;
use super::policy::{AmrPolicy, StepUpPolicy};
use super::validate::{Expectations, DEFAULT_LEEWAY};

/// Largest integer a JS number holds exactly (2^53 − 1).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

fn invalid(member: &str, want: &str) -> Error {
    Error::new(ErrorCode::InvalidConfig, MustBe(member, want)).with_claim(member)
}

/// The message `<member> must be <want>`, written only where an error keeps its message (see [`Error::new`]).
struct MustBe<'a>(&'a str, &'a str);

impl From<MustBe<'_>> for String {
    fn from(MustBe(member, want): MustBe<'_>) -> String {
        let mut msg = String::from(member);
        msg.push_str(" must be ");
        msg.push_str(want);
        msg
    }
}

/// A view of an options object; `null`/`undefined` read as an empty object.
#[derive(Clone, Copy, Default)]
pub struct Options<'a>(Option<&'a Json>);

impl<'a> Options<'a> {
    /// `value` must be an object, `null`, or absent.
    pub fn new(value: Option<&'a Json>, what: &str) -> Result<Options<'a>> {
        match value {
            None | Some(Json::Null) => Ok(Options(None)),
            Some(v @ Json::Object(_)) => Ok(Options(Some(v))),
            Some(_) => Err(invalid(what, "an object")),
        }
    }

    /// A member, treating JSON `null` as absent (JS `undefined` never reaches us; `null` is its JSON twin).
    pub fn get(&self, key: &str) -> Option<&'a Json> {
        match self.0.and_then(|o| o.get(key)) {
            None | Some(Json::Null) => None,
            Some(v) => Some(v),
        }
    }

    pub fn string(&self, key: &str) -> Result<Option<String>> {
        match self.get(key) {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(invalid(key, "a string")),
        }
    }

    pub fn required_string(&self, key: &str) -> Result<String> {
        match self.string(key)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(invalid(key, "a non-empty string")),
        }
    }

    pub fn boolean(&self, key: &str) -> Result<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Json::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(invalid(key, "a boolean")),
        }
    }

    /// A non-negative integer number of seconds (or count).
    pub fn uint(&self, key: &str) -> Result<Option<u64>> {
        match self.get(key) {
            None => Ok(None),
            // In range, the cast is exact for integers and truncates fractions, which the comparison then rejects.
            Some(Json::Number(n)) if *n >= 0.0 && *n <= MAX_SAFE_INTEGER && (*n as u64) as f64 == *n => Ok(Some(*n as u64)),
            Some(_) => Err(invalid(key, "a non-negative integer")),
        }
    }

    /// A time in seconds since the epoch; fractions are floored (JS `Date.now() / 1000` is welcome).
    pub fn time(&self, key: &str) -> Result<Option<i64>> {
        match self.get(key) {
            None => Ok(None),
            // Non-negative and in range, so the cast truncates toward zero: the floor.
            Some(Json::Number(n)) if *n >= 0.0 && *n <= MAX_SAFE_INTEGER => Ok(Some(*n as i64)),
            Some(_) => Err(invalid(key, "seconds since the epoch")),
        }
    }

    pub fn strings(&self, key: &str) -> Result<Option<Vec<String>>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.as_strings().map(Some).ok_or_else(|| invalid(key, "an array of strings")),
        }
    }

    pub fn object(&self, key: &str) -> Result<Options<'a>> {
        Options::new(self.get(key), key)
    }
}

/// An options object read member by member, keeping the first failure ([`FirstError`]): each member is one
/// call at a reader's call site (a read and a `take`, generic per member type, were two).
pub struct Reader<'a> {
    pub options: Options<'a>,
    pub err: FirstError,
}

impl<'a> Reader<'a> {
    /// `value` must be an object, `null`, or absent (see [`Options::new`]); anything else is the first failure,
    /// and every member then reads as absent.
    pub fn new(value: Option<&'a Json>, what: &str) -> Reader<'a> {
        let mut err = FirstError::default();
        let options = err.take(Options::new(value, what));
        Reader { options, err }
    }

    /// [`Options::string`]; a failure reads as absent.
    #[inline(never)]
    pub fn string(&mut self, key: &str) -> Option<String> {
        self.err.take(self.options.string(key))
    }

    /// [`Options::required_string`]; a failure reads as empty.
    #[inline(never)]
    pub fn required_string(&mut self, key: &str) -> String {
        self.err.take(self.options.required_string(key))
    }

    /// [`Options::boolean`]; absent or a failure reads as false.
    #[inline(never)]
    pub fn flag(&mut self, key: &str) -> bool {
        self.err.take(self.options.boolean(key)).unwrap_or(false)
    }

    /// [`Options::uint`]; a failure reads as absent.
    #[inline(never)]
    pub fn uint(&mut self, key: &str) -> Option<u64> {
        self.err.take(self.options.uint(key))
    }

    /// [`Options::time`]; a failure reads as absent.
    #[inline(never)]
    pub fn time(&mut self, key: &str) -> Option<i64> {
        self.err.take(self.options.time(key))
    }

    /// [`Options::strings`]; a failure reads as absent.
    #[inline(never)]
    pub fn strings(&mut self, key: &str) -> Option<Vec<String>> {
        self.err.take(self.options.strings(key))
    }

    /// [`Options::strings`]; absent or a failure reads as empty.
    #[inline(never)]
    pub fn list(&mut self, key: &str) -> Vec<String> {
        self.strings(key).unwrap_or_default()
    }

    /// `value` when every member read well, else the first failure.
    pub fn finish<T>(self, value: T) -> Result<T> {
        self.err.or_ok(value)
    }
}

/// Parse an algorithm allowlist; unknown names (and `none`, `HS256`) are `unsupported_algorithm`.
pub fn algorithms(names: &[String]) -> Result<Vec<Algorithm>> {
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        out.push(
            Algorithm::from_name(n)
                .ok_or_else(|| Error::new(ErrorCode::UnsupportedAlgorithm, "algorithm not supported").with_claim("algorithms"))?,
        );
    }
    Ok(out)
}

/// A URL we will fetch from must be https (OIDC Discovery §3, RFC 9700 §2.6); `http://localhost` (and
/// loopback addresses) is allowed for development. Else `invalid_config` naming `member`, before any request.
pub fn secure_url(url: &str, member: &'static str) -> Result<()> {
    if crate::core::authorize::is_secure_url(url) {
        Ok(())
    } else {
        Err(Error::new(ErrorCode::InvalidConfig, "must be an https URL (http only on localhost)").with_claim(member))
    }
}

/// `ClaimExpectations` → [`Expectations`]. `now` is used when the object has no `now`.
pub fn expectations(value: Option<&Json>, now: i64) -> Result<Expectations> {
    let mut r = Reader::new(value, "expectations");
    let mut exp = Expectations::new(r.required_string("issuer"), r.required_string("clientId"), now);
    exp.nonce = r.string("nonce");
    exp.max_age = r.uint("maxAge");
    exp.acr_values = r.strings("acrValues");
    exp.leeway = r.uint("leeway").unwrap_or(DEFAULT_LEEWAY);
    exp.now = r.time("now").unwrap_or(now);
    if let Some(names) = r.strings("algorithms") {
        exp.algorithms = r.err.take(algorithms(&names));
    }
    exp.access_token = r.string("accessToken");
    exp.trusted_audiences = r.list("trustedAudiences");
    r.finish(exp)
}

/// `StepUpPolicy` → [`StepUpPolicy`].
pub fn policy(value: Option<&Json>) -> Result<StepUpPolicy> {
    let mut r = Reader::new(value, "policy");
    let policy = r.options;
    // The nested `amr` object is read by the same reader: its failures come first.
    r.options = r.err.take(policy.object("amr"));
    let amr = match (r.strings("anyOf"), r.strings("allOf")) {
        (None, None) => None,
        (any_of, all_of) => Some(AmrPolicy { any_of: any_of.unwrap_or_default(), all_of: all_of.unwrap_or_default() }),
    };
    r.options = policy;
    let policy = StepUpPolicy { acr: r.strings("acr"), amr, mfa: r.flag("mfa"), max_age: r.uint("maxAge") };
    r.finish(policy)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::core::json::parse;

    fn json(s: &str) -> Json {
        parse(s, ErrorCode::InvalidConfig).unwrap()
    }

    #[test]
    fn expectations_read_every_member_and_keep_leeway_zero() {
        let j = json(r#"{"issuer":"https://i/","clientId":"c","nonce":"n","maxAge":300,"acrValues":["a"],"leeway":0,"now":1700000000.9,"algorithms":["ES256"],"accessToken":"t","trustedAudiences":["api"]}"#);
        let e = expectations(Some(&j), 1).unwrap();
        assert_eq!((e.issuer.as_str(), e.client_id.as_str(), e.nonce.as_deref()), ("https://i/", "c", Some("n")));
        assert_eq!((e.max_age, e.leeway, e.now), (Some(300), 0, 1_700_000_000));
        assert_eq!(e.algorithms, vec![Algorithm::ES256]);
        assert_eq!(e.acr_values, Some(vec!["a".into()]));
        assert_eq!(e.access_token.as_deref(), Some("t"));
        assert_eq!(e.trusted_audiences, vec!["api".to_string()]);
    }

    #[test]
    fn urls_we_fetch_from_are_https_or_localhost() {
        assert!(secure_url("https://idp.example/", "issuer").is_ok());
        assert!(secure_url("http://localhost:3000/", "issuer").is_ok());
        assert!(secure_url("http://127.0.0.1:3000/jwks", "jwksUri").is_ok());
        for bad in ["http://idp.example/", "ftp://idp.example/", "idp.example", "", "http://localhost.evil.example/"] {
            let e = secure_url(bad, "jwksUri").unwrap_err();
            assert_eq!((e.code(), e.claim.as_deref()), ("invalid_config", Some("jwksUri")), "{bad}");
        }
    }

    #[test]
    fn expectations_default_leeway_and_now() {
        let e = expectations(Some(&json(r#"{"issuer":"i","clientId":"c"}"#)), 42).unwrap();
        assert_eq!((e.leeway, e.now), (60, 42));
    }

    #[test]
    fn wrong_types_are_invalid_config_naming_the_member() {
        for (doc, member) in [
            (r#"{"clientId":"c"}"#, "issuer"),
            (r#"{"issuer":"i","clientId":5}"#, "clientId"),
            (r#"{"issuer":"i","clientId":"c","maxAge":"300"}"#, "maxAge"),
            (r#"{"issuer":"i","clientId":"c","maxAge":-1}"#, "maxAge"),
            (r#"{"issuer":"i","clientId":"c","leeway":1.5}"#, "leeway"),
            (r#"{"issuer":"i","clientId":"c","acrValues":"a"}"#, "acrValues"),
        ] {
            let err = expectations(Some(&json(doc)), 0).unwrap_err();
            assert_eq!((err.code(), err.claim.as_deref()), ("invalid_config", Some(member)), "{doc}");
        }
        assert_eq!(expectations(Some(&json("[]")), 0).unwrap_err().code(), "invalid_config");
    }

    #[test]
    fn algorithm_allowlist_rejects_none_and_hmac() {
        for bad in ["none", "HS256", "rs256"] {
            let j = json(&format!(r#"{{"issuer":"i","clientId":"c","algorithms":["{bad}"]}}"#));
            assert_eq!(expectations(Some(&j), 0).unwrap_err().code(), "unsupported_algorithm");
        }
    }

    #[test]
    fn policy_reads_nested_amr() {
        let p = policy(Some(&json(r#"{"acr":["x"],"amr":{"anyOf":["otp"]},"mfa":true,"maxAge":0}"#))).unwrap();
        assert_eq!(p.acr, Some(vec!["x".into()]));
        assert_eq!(p.amr, Some(AmrPolicy { any_of: vec!["otp".into()], all_of: vec![] }));
        assert!(p.mfa);
        assert_eq!(p.max_age, Some(0));
        assert_eq!(policy(None).unwrap(), StepUpPolicy::default());
        assert_eq!(policy(Some(&json(r#"{"mfa":"yes"}"#))).unwrap_err().claim.as_deref(), Some("mfa"));
    }

    #[test]
    fn the_first_failure_is_reported_in_reading_order() {
        let claim = |r: Result<StepUpPolicy>| r.unwrap_err().claim;
        assert_eq!(claim(policy(Some(&json("[]")))).as_deref(), Some("policy"));
        assert_eq!(claim(policy(Some(&json(r#"{"acr":1,"amr":5,"mfa":"yes"}"#)))).as_deref(), Some("amr"));
        assert_eq!(claim(policy(Some(&json(r#"{"acr":1,"amr":{"allOf":2,"anyOf":1}}"#)))).as_deref(), Some("anyOf"));
        assert_eq!(claim(policy(Some(&json(r#"{"acr":1,"amr":{"allOf":["x"]},"maxAge":-1}"#)))).as_deref(), Some("acr"));
        let p = policy(Some(&json(r#"{"amr":null,"maxAge":null}"#))).unwrap();
        assert_eq!(p, StepUpPolicy::default());
        let e = expectations(Some(&json("5")), 0).unwrap_err();
        assert_eq!((e.code(), e.claim.as_deref()), ("invalid_config", Some("expectations")));
        let e = expectations(Some(&json(r#"{"nonce":1,"issuer":"i"}"#)), 0).unwrap_err();
        assert_eq!(e.claim.as_deref(), Some("clientId"), "issuer and clientId are read first");
        assert_eq!(e.message(), "clientId must be a non-empty string");
    }
}
