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

/// A view of an options object; `null`/`undefined` read as an empty object (the default).
#[derive(Clone, Copy, Default)]
pub struct Options<'a>(Option<&'a Json>);

impl<'a> Options<'a> {
    /// `value` must be an object, `null`, or absent.
    pub fn new(value: Option<&'a Json>, what: &str) -> Result<Options<'a>> {
        let Reader { options, err } = Reader::new(value, what);
        err.or_ok(options)
    }

    /// A member, treating JSON `null` as absent (JS `undefined` never reaches us; `null` is its JSON twin).
    pub fn get(&self, key: &str) -> Option<&'a Json> {
        match self.0.and_then(|o| o.get(key)) {
            None | Some(Json::Null) => None,
            Some(v) => Some(v),
        }
    }

    /// The object these options view; `None` for `null` or absent.
    pub fn json(&self) -> Option<&'a Json> {
        self.0
    }

    /// One member read by a [`Reader`] of these options, its failure returned.
    fn read<T>(self, member: impl FnOnce(&mut Reader<'a>) -> T) -> Result<T> {
        let mut r = Reader { options: self, err: FirstError::default() };
        let value = member(&mut r);
        r.finish(value)
    }

    pub fn string(&self, key: &str) -> Result<Option<String>> {
        self.read(|r| r.string(key))
    }

    pub fn required_string(&self, key: &str) -> Result<String> {
        self.read(|r| r.required_string(key))
    }

    pub fn boolean(&self, key: &str) -> Result<Option<bool>> {
        self.read(|r| r.boolean(key))
    }

    /// A non-negative integer number of seconds (or count).
    pub fn uint(&self, key: &str) -> Result<Option<u64>> {
        self.read(|r| r.uint(key))
    }

    /// A time in seconds since the epoch; fractions are floored (JS `Date.now() / 1000` is welcome).
    pub fn time(&self, key: &str) -> Result<Option<i64>> {
        self.read(|r| r.time(key))
    }

    pub fn strings(&self, key: &str) -> Result<Option<Vec<String>>> {
        self.read(|r| r.strings(key))
    }

    pub fn object(&self, key: &str) -> Result<Options<'a>> {
        self.read(|r| r.object(key))
    }
}

/// An options object read member by member, keeping the first failure ([`FirstError`]): each member is one
/// call at a reader's call site, and a member that fails reads as absent (or empty, or false).
pub struct Reader<'a> {
    pub options: Options<'a>,
    pub err: FirstError,
}

impl<'a> Reader<'a> {
    /// `value` must be an object, `null`, or absent (see [`Options::new`]); anything else is the first failure,
    /// and every member then reads as absent.
    pub fn new(value: Option<&'a Json>, what: &str) -> Reader<'a> {
        let mut r = Reader { options: Options(None), err: FirstError::default() };
        r.options = r.view(value, what);
        r
    }

    /// `value` as options: an object, or `null` or absent (empty); anything else is a failure naming `what`.
    fn view(&mut self, value: Option<&'a Json>, what: &str) -> Options<'a> {
        match value {
            None | Some(Json::Null) => Options(None),
            Some(v @ Json::Object(_)) => Options(Some(v)),
            Some(_) => self.fail(what, "an object"),
        }
    }

    /// The member `key` as options of its own (see [`Reader::new`]).
    pub fn object(&mut self, key: &str) -> Options<'a> {
        self.view(self.options.get(key), key)
    }

    /// Note that `key` is not `want` (`invalid_config` naming it); the member reads as `T::default()`.
    fn fail<T: Default>(&mut self, key: &str, want: &str) -> T {
        self.err.note(invalid(key, want))
    }

    #[inline(never)]
    pub fn string(&mut self, key: &str) -> Option<String> {
        match self.options.get(key) {
            None => None,
            Some(Json::String(s)) => Some(s.clone()),
            Some(_) => self.fail(key, "a string"),
        }
    }

    #[inline(never)]
    pub fn required_string(&mut self, key: &str) -> String {
        match self.options.get(key) {
            Some(Json::String(s)) if !s.is_empty() => s.clone(),
            None | Some(Json::String(_)) => self.fail(key, "a non-empty string"),
            Some(_) => self.fail(key, "a string"),
        }
    }

    #[inline(never)]
    pub fn boolean(&mut self, key: &str) -> Option<bool> {
        match self.options.get(key) {
            None => None,
            Some(Json::Bool(b)) => Some(*b),
            Some(_) => self.fail(key, "a boolean"),
        }
    }

    /// [`Reader::boolean`], absent read as false.
    pub fn flag(&mut self, key: &str) -> bool {
        self.boolean(key).unwrap_or(false)
    }

    /// A non-negative integer number of seconds (or count).
    #[inline(never)]
    pub fn uint(&mut self, key: &str) -> Option<u64> {
        match self.options.get(key) {
            None => None,
            // In range, the cast is exact for integers and truncates fractions, which the comparison then rejects.
            Some(Json::Number(n)) if *n >= 0.0 && *n <= MAX_SAFE_INTEGER && (*n as u64) as f64 == *n => Some(*n as u64),
            Some(_) => self.fail(key, "a non-negative integer"),
        }
    }

    /// A time in seconds since the epoch; fractions are floored (JS `Date.now() / 1000` is welcome).
    #[inline(never)]
    pub fn time(&mut self, key: &str) -> Option<i64> {
        match self.options.get(key) {
            None => None,
            // Non-negative and in range, so the cast truncates toward zero: the floor.
            Some(Json::Number(n)) if *n >= 0.0 && *n <= MAX_SAFE_INTEGER => Some(*n as i64),
            Some(_) => self.fail(key, "seconds since the epoch"),
        }
    }

    #[inline(never)]
    pub fn strings(&mut self, key: &str) -> Option<Vec<String>> {
        match self.options.get(key) {
            None => None,
            Some(v) => match v.as_strings() {
                Some(list) => Some(list),
                None => self.fail(key, "an array of strings"),
            },
        }
    }

    /// [`Reader::strings`], absent read as empty.
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
    let mut r = Reader::new(None, "");
    let allowed = r.algorithms(names);
    r.finish(allowed)
}

impl Reader<'_> {
    /// An algorithm allowlist (see [`algorithms`]); an unknown name is noted, and the list reads as empty.
    pub fn algorithms(&mut self, names: &[String]) -> Vec<Algorithm> {
        let mut out = Vec::with_capacity(names.len());
        for n in names {
            match Algorithm::from_name(n) {
                Some(a) => out.push(a),
                None => return self.err.note(Error::new(ErrorCode::UnsupportedAlgorithm, "algorithm not supported").with_claim("algorithms")),
            }
        }
        out
    }
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
    exp.nonce = r.string("nonce").map(Into::into);
    exp.max_age = r.uint("maxAge");
    exp.acr_values = r.strings("acrValues");
    exp.leeway = r.uint("leeway").unwrap_or(DEFAULT_LEEWAY);
    exp.now = r.time("now").unwrap_or(now);
    if let Some(names) = r.strings("algorithms") {
        exp.algorithms = r.algorithms(&names);
    }
    exp.access_token = r.string("accessToken").map(Into::into);
    exp.trusted_audiences = r.list("trustedAudiences");
    r.finish(exp)
}

/// `StepUpPolicy` → [`StepUpPolicy`].
pub fn policy(value: Option<&Json>) -> Result<StepUpPolicy> {
    let mut r = Reader::new(value, "policy");
    let policy = r.step_up_policy();
    r.finish(policy)
}

impl<'a> Reader<'a> {
    /// `read` with `options` in place of these, the failures noted here.
    fn within<T>(&mut self, options: Options<'a>, read: impl FnOnce(&mut Self) -> T) -> T {
        let outer = core::mem::replace(&mut self.options, options);
        let value = read(self);
        self.options = outer;
        value
    }

    /// These options as a `StepUpPolicy` (see [`policy`]).
    fn step_up_policy(&mut self) -> StepUpPolicy {
        // The nested `amr` object is read first: its failures come first.
        let amr = self.object("amr");
        let amr = self.within(amr, |r| match (r.strings("anyOf"), r.strings("allOf")) {
            (None, None) => None,
            (any_of, all_of) => Some(AmrPolicy { any_of: any_of.unwrap_or_default(), all_of: all_of.unwrap_or_default() }),
        });
        StepUpPolicy { acr: self.strings("acr"), amr, mfa: self.flag("mfa"), max_age: self.uint("maxAge") }
    }

    /// The member `key` as a `StepUpPolicy` (see [`policy`]); `None` when absent.
    pub fn policy(&mut self, key: &str) -> Option<StepUpPolicy> {
        self.options.get(key)?;
        let policy = self.object(key);
        Some(self.within(policy, Reader::step_up_policy))
    }
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
        assert_eq!((e.issuer.as_str(), e.client_id.as_str(), e.nonce.as_ref().map(|n| n.expose())), ("https://i/", "c", Some("n")));
        assert_eq!((e.max_age, e.leeway, e.now), (Some(300), 0, 1_700_000_000));
        assert_eq!(e.algorithms, vec![Algorithm::ES256]);
        assert_eq!(e.acr_values, Some(vec!["a".into()]));
        assert_eq!(e.access_token.as_ref().map(|t| t.expose()), Some("t"));
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
    fn an_allowlist_reads_every_name_or_fails() {
        assert_eq!(algorithms(&["ES256".into(), "RS256".into()]).unwrap(), vec![Algorithm::ES256, Algorithm::RS256]);
        assert_eq!(algorithms(&[]).unwrap(), vec![]);
        let e = algorithms(&["ES256".into(), "none".into()]).unwrap_err();
        assert_eq!((e.code(), e.claim.as_deref()), ("unsupported_algorithm", Some("algorithms")));
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
    fn each_options_member_returns_its_own_failure() {
        let j = json(r#"{"s":"x","e":"","n":1.5,"b":true,"o":{"k":1},"a":["x"],"z":null}"#);
        let o = Options::new(Some(&j), "o").unwrap();
        let claim = |mut e: Error| e.claim.take();
        assert_eq!(o.string("s").unwrap().as_deref(), Some("x"));
        assert_eq!((o.string("z").unwrap(), o.string("missing").unwrap()), (None, None));
        assert_eq!(claim(o.string("n").unwrap_err()).as_deref(), Some("n"));
        assert_eq!(o.required_string("s").unwrap(), "x");
        assert_eq!(o.required_string("e").unwrap_err().message(), "e must be a non-empty string");
        assert_eq!(o.required_string("n").unwrap_err().message(), "n must be a string");
        assert_eq!(o.required_string("z").unwrap_err().message(), "z must be a non-empty string");
        assert_eq!(o.uint("n").unwrap_err().message(), "n must be a non-negative integer");
        assert_eq!(o.time("n").unwrap(), Some(1));
        assert_eq!(o.time("s").unwrap_err().message(), "s must be seconds since the epoch");
        assert_eq!((o.boolean("b").unwrap(), o.boolean("z").unwrap()), (Some(true), None));
        assert_eq!(o.boolean("s").unwrap_err().message(), "s must be a boolean");
        assert!(o.object("o").unwrap().get("k").is_some());
        assert!(o.object("z").unwrap().get("k").is_none());
        assert_eq!(o.object("s").err().map(|e| e.message().to_string()).as_deref(), Some("s must be an object"));
        assert_eq!(o.strings("a").unwrap(), Some(vec!["x".into()]));
        assert_eq!(o.strings("o").unwrap_err().message(), "o must be an array of strings");
        assert_eq!(Options::new(Some(&json("1")), "what").err().and_then(claim).as_deref(), Some("what"));
        assert!(Options::new(Some(&Json::Null), "what").unwrap().get("s").is_none());
        assert!(Options::new(None, "what").unwrap().get("s").is_none());
    }

    #[test]
    fn the_first_failure_is_reported_in_reading_order() {
        let claim = |r: Result<StepUpPolicy>| r.unwrap_err().claim.take();
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
