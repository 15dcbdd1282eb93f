//! ID-token validation, OIDC Core 1.0 §3.1.3.7 and RFC 8725, everything but the signature (which needs
//! WebCrypto and lives in the browser layer). Each check is one function named after its rule and runs
//! in the order §3.1.3.7 lists them, so the first failing rule is the one reported.
//!
//! Error codes for absent claims: a required claim that is missing (`iss`, `aud`, `exp`, `iat`, `sub`,
//! and `auth_time` when `max_age` was sent) is `missing_claim` with the claim name; a missing `nonce`
//! when one was sent is `nonce_mismatch` (the token does not carry *our* nonce, which is the replay
//! failure callers handle), and a missing `azp` with several audiences is `invalid_authorized_party`.

use alloc::string::String;
use alloc::vec::Vec;


use super::base64url;
use super::error::{Error, ErrorCode, Result};
use super::jwk::{Algorithm, DEFAULT_ALGORITHMS};
use super::jwt::{self, DecodedJwt, JoseHeader};
use super::secret::Secret;

/// What the relying party expects of an ID token.
#[derive(Clone, Debug, PartialEq)]
pub struct Expectations {
    /// The issuer identifier, compared byte for byte (a trailing slash matters).
    pub issuer: String,
    pub client_id: String,
    /// The nonce sent in the authorization request; when set the token must carry it.
    pub nonce: Option<Secret>,
    /// `max_age` sent in the authorization request, seconds; when set `auth_time` is required.
    pub max_age: Option<u64>,
    /// When that request was sent, seconds since the epoch in *this* clock (`now`'s). `max_age` counts
    /// back from it; without it, from the token's `iat`.
    pub sent_at: Option<i64>,
    /// `acr_values` sent for step-up; when set the returned `acr` must be one of them (or, with
    /// `acr_levels`, a level at or above them: `policy::acr_meets`).
    pub acr_values: Option<Vec<String>>,
    /// Ordered acr levels, weakest first (the client's `acrLevels`); empty by default (exact membership).
    pub acr_levels: Vec<String>,
    /// Allowed clock skew in seconds. Default 60; 0 means exactly 0.
    pub leeway: u64,
    /// Current time, seconds since the epoch (injected: core has no clock).
    pub now: i64,
    /// Allowed signing algorithms (RFC 8725 §3.1 allowlist).
    pub algorithms: Vec<Algorithm>,
    /// The `sub` the token must carry: a step-up answers for the user who is signed in (`user_mismatch`).
    pub subject: Option<String>,
    /// Audiences besides `client_id` that the token may also be for (OIDC Core §3.1.3.7 #3: any other is
    /// untrusted and rejected). Empty by default.
    pub trusted_audiences: Vec<String>,
    /// The access token issued with the ID token; when set and the token has `at_hash`, it is checked.
    pub access_token: Option<Secret>,
    /// Whether `exp`, `iat` and `nbf` are checked against `now` (default). Off only for an ID token read back
    /// from storage ([`Expectations::for_stored`]).
    pub check_lifetime: bool,
}

/// Default clock skew allowance, seconds.
pub const DEFAULT_LEEWAY: u64 = 60;

/// `sub` length limit (OIDC Core §2: at most 255 ASCII characters). Counted in bytes, which equals
/// characters for ASCII and is stricter otherwise.
const MAX_SUB_LEN: usize = 255;

impl Expectations {
    /// Expectations with leeway 60 s and the default algorithms (RS256, PS256, ES256); no nonce,
    /// `max_age`, `acr_values` or access token.
    pub fn new(issuer: impl Into<String>, client_id: impl Into<String>, now: i64) -> Expectations {
        Expectations {
            issuer: issuer.into(),
            client_id: client_id.into(),
            nonce: None,
            max_age: None,
            sent_at: None,
            acr_values: None,
            acr_levels: Vec::new(),
            leeway: DEFAULT_LEEWAY,
            now,
            algorithms: DEFAULT_ALGORITHMS.to_vec(),
            trusted_audiences: Vec::new(),
            subject: None,
            access_token: None,
            check_lifetime: true,
        }
    }

    /// These expectations for an ID token read back from storage (a restored or another tab's session): every
    /// rule about who issued it, to whom and for whom (signature, `alg`, `typ`, `iss`, `aud`, `azp`, `sub`), none
    /// about its lifetime. The token was checked in full when the login received it; it stays the proof of who
    /// signed in and how (`acr`, `amr`, `auth_time`) after it expires, while the session lives on its access and
    /// refresh tokens, and ages are judged from `auth_time` by the policy.
    pub fn for_stored(mut self) -> Expectations {
        self.check_lifetime = false;
        self.nonce = None;
        self.max_age = None;
        self.acr_values = None;
        self.access_token = None;
        self
    }
}

/// A failed rule, before it becomes the [`Error`] returned: a few words that each check hands back, and one
/// place ([`Failure::into_error`]) that builds the error and adds the step-up fields.
#[derive(Debug)]
struct Failure {
    code: ErrorCode,
    /// Always set; an `Option` so it reads like [`Error::claim`].
    claim: Option<&'static str>,
    msg: &'static str,
}

impl Failure {
    #[cfg(test)]
    fn code(&self) -> &'static str {
        self.code.as_str()
    }

    /// The error, with the `acr_values` / `max_age` to step up with when the failure is one a new login
    /// with them can fix (an `acr` or an `auth_time` that does not meet the request).
    // Always inlined: the message, which the npm build's `Error::new` drops, is then never stored.
    #[inline(always)]
    fn into_error(self, exp: &Expectations) -> Error {
        let e = Error::new(self.code, self.msg).with_claim(self.claim.unwrap_or_default());
        match self.code {
            ErrorCode::AcrNotSatisfied | ErrorCode::AuthTimeTooOld => e.with_step_up(exp.acr_values.clone(), exp.max_age),
            _ => e,
        }
    }
}

type Checked = core::result::Result<(), Failure>;

fn err(code: ErrorCode, claim: &'static str, msg: &'static str) -> Failure {
    Failure { code, claim: Some(claim), msg }
}

fn missing(claim: &'static str) -> Failure {
    err(ErrorCode::MissingClaim, claim, "required claim is missing")
}

/// Equality that takes the same time wherever the first difference is, for values compared against
/// secrets we generated (nonce, the authorization request's `state`) or derived (at_hash).
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Check the JOSE header (OIDC Core §3.1.3.7 #7, RFC 8725 §3.1, RFC 7515 §4.1.11) and return the
/// algorithm to verify the signature with.
///
/// `alg` must name one of [`Algorithm`] *and* be on `exp.algorithms`: `none` in any letter case and
/// HS* (keyed with a secret a public client does not have, or worse, with the RSA public key) can never
/// pass. Any `crit` member is `unsupported_critical_header`, since we implement no JWS extension; in
/// particular `b64` (RFC 7797 unencoded payload) would change what the signature covers. A `b64`
/// outside `crit` is ignored by RFC 7797 §6 rules, and we decode the payload normally.
// `iter().any` rather than `contains`: the search inlines, where `contains` links a copy of
// `slice_contains` for `Algorithm` alone.
#[allow(clippy::manual_contains)]
pub fn check_header(header: &JoseHeader, exp: &Expectations) -> Result<Algorithm> {
    let alg = match Algorithm::from_name(&header.alg) {
        Some(alg) if exp.algorithms.iter().any(|a| *a == alg) => alg,
        _ if header.alg.eq_ignore_ascii_case("none") => {
            return Err(err(ErrorCode::UnsupportedAlgorithm, "alg", "unsigned tokens (alg none) are never accepted").into_error(exp))
        }
        _ => return Err(err(ErrorCode::UnsupportedAlgorithm, "alg", "alg is not on the allowed list").into_error(exp)),
    };
    if let Some(first) = header.crit.first() {
        return Err(Error::new(ErrorCode::UnsupportedCriticalHeader, "crit names an extension we do not implement")
            .with_claim(first.as_str()));
    }
    // RFC 8725 §3.11: explicit typing keeps other JWTs of the same issuer (an `at+jwt` access token, a
    // `logout+jwt`) from passing as ID tokens. An ID token's `typ` is absent or `JWT`.
    if header.typ.as_deref().is_some_and(|t| !t.eq_ignore_ascii_case("JWT")) {
        return Err(err(ErrorCode::InvalidClaim, "typ", "the typ header says this is not an ID token").into_error(exp));
    }
    Ok(alg)
}

/// §3.1.3.7 #2: `iss` exactly equals the issuer we expect (no normalisation: mix-up defence).
fn check_iss_exact(iss: Option<&str>, exp: &Expectations) -> Checked {
    match iss {
        None => Err(missing("iss")),
        Some(iss) if iss == exp.issuer => Ok(()),
        Some(_) => Err(err(ErrorCode::InvalidIssuer, "iss", "iss does not equal the issuer")),
    }
}

/// §3.1.3.7 #3: `aud` contains our client_id, and "MUST be rejected if [it] contains additional audiences
/// not trusted by the Client": every other member must be in `trusted_audiences`.
fn check_aud_contains_client_id(aud: &[String], exp: &Expectations) -> Checked {
    if aud.is_empty() {
        return Err(missing("aud"));
    }
    if !aud.contains(&exp.client_id) {
        return Err(err(ErrorCode::InvalidAudience, "aud", "aud does not contain the client_id"));
    }
    if aud.iter().any(|a| *a != exp.client_id && !exp.trusted_audiences.contains(a)) {
        return Err(err(ErrorCode::InvalidAudience, "aud", "aud names an audience that is not trusted"));
    }
    Ok(())
}

/// §3.1.3.7 #4–5: with several audiences `azp` must be present, and when present it must be our
/// client_id: the token was issued *to* us, not to another client that shares the audience.
fn check_azp(aud: &[String], azp: Option<&str>, exp: &Expectations) -> Checked {
    match azp {
        None if aud.len() > 1 => Err(err(ErrorCode::InvalidAuthorizedParty, "azp", "several audiences but no azp")),
        Some(azp) if azp != exp.client_id => {
            Err(err(ErrorCode::InvalidAuthorizedParty, "azp", "azp does not equal the client_id"))
        }
        _ => Ok(()),
    }
}

/// Whether time `t` is after `now + leeway` (a bound past `i64::MAX` is one no time passes).
fn beyond_leeway(t: i64, exp: &Expectations) -> bool {
    exp.now.checked_add_unsigned(exp.leeway).is_some_and(|bound| t > bound)
}

/// §3.1.3.7 #9 (RFC 7519 §4.1.4): `exp` present and `exp > now - leeway`.
fn check_exp(exp_claim: Option<i64>, exp: &Expectations) -> Checked {
    let e = exp_claim.ok_or_else(|| missing("exp"))?;
    // `now - leeway` below `i64::MIN` is a bound no `exp` reaches.
    if exp.now.checked_sub_unsigned(exp.leeway).is_some_and(|bound| e <= bound) {
        return Err(err(ErrorCode::TokenExpired, "exp", "token has expired"));
    }
    Ok(())
}

/// §3.1.3.7 #10 (OIDC Core §2): `iat` present and not in the future beyond the leeway.
fn check_iat(iat: Option<i64>, exp: &Expectations) -> Checked {
    let iat = iat.ok_or_else(|| missing("iat"))?;
    if beyond_leeway(iat, exp) {
        return Err(err(ErrorCode::InvalidIssuedAt, "iat", "token was issued in the future"));
    }
    Ok(())
}

/// RFC 7519 §4.1.5: when `nbf` is present, `nbf <= now + leeway`.
fn check_nbf(nbf: Option<i64>, exp: &Expectations) -> Checked {
    match nbf {
        Some(nbf) if beyond_leeway(nbf, exp) => {
            Err(err(ErrorCode::TokenNotYetValid, "nbf", "token is not valid yet"))
        }
        _ => Ok(()),
    }
}

/// OIDC Core §2: `sub` is required, non-empty and at most 255 characters.
fn check_sub(sub: Option<&str>) -> Checked {
    match sub {
        None => Err(missing("sub")),
        Some(s) if s.is_empty() || s.len() > MAX_SUB_LEN => {
            Err(err(ErrorCode::InvalidClaim, "sub", "sub must be 1 to 255 characters"))
        }
        Some(_) => Ok(()),
    }
}

/// A step-up answers for the user who is signed in: the token's `iss` is the issuer (checked first), so the
/// same user is the same `sub`. Checked before the step-up claims, since for another user those do not
/// matter: someone completed the second factor as another account, and the session must stay as it is.
fn check_same_user(sub: Option<&str>, exp: &Expectations) -> Checked {
    match exp.subject.as_deref() {
        Some(want) if sub != Some(want) => {
            Err(err(ErrorCode::UserMismatch, "sub", "the provider answered for another user than the one signed in"))
        }
        _ => Ok(()),
    }
}

/// §3.1.3.7 #11: when we sent a nonce, the token carries exactly it (replay defence).
fn check_nonce(nonce: Option<&str>, exp: &Expectations) -> Checked {
    match exp.nonce.as_ref().map(Secret::expose) {
        Some(want) if !nonce.is_some_and(|got| constant_time_eq(got.as_bytes(), want.as_bytes())) => {
            Err(err(ErrorCode::NonceMismatch, "nonce", "nonce does not equal the one sent"))
        }
        _ => Ok(()),
    }
}

/// §3.1.3.7 #12 with §5.5.1.1: when we asked for `acr_values`, the returned `acr` must be one of them (or a
/// level at or above them, with ordered levels). Providers may answer a voluntary request with a weaker
/// `acr`; for step-up that is a failure, and the error carries the values to ask for again.
fn check_acr_requested(acr: Option<&str>, exp: &Expectations) -> Checked {
    match &exp.acr_values {
        Some(wanted) if !super::policy::acr_meets(acr, wanted, &exp.acr_levels) => {
            Err(err(ErrorCode::AcrNotSatisfied, "acr", "acr is not one of the requested acr_values"))
        }
        _ => Ok(()),
    }
}

/// How far a provider's `auth_time` may precede the moment our request reached it, beyond `max_age`:
/// the request's network latency and the whole-second rounding of `iat` and `auth_time`. Not the
/// leeway: that one is for the clock skew, which the `max_age` check measures instead.
pub const MAX_AGE_LATENCY: i64 = 5;

/// §3.1.3.7 #13: when we sent `max_age`, `auth_time` is required and no older than `max_age` when the
/// request was sent, judged in the *provider's* clock, so no leeway widens `max_age` (a 60 s leeway
/// would void every `max_age` under a minute). The token's `iat`, read at receipt (`now`), tells the
/// provider's clock: the request left at `sent_at + (iat - now)` there, and
/// `auth_time >= that - max_age - MAX_AGE_LATENCY`. Without `sent_at` the token's issue time stands in.
/// An `auth_time` in the future (beyond the leeway) is nonsense and rejected whether or not `max_age`
/// was sent.
fn check_auth_time_max_age(auth_time: Option<i64>, iat: Option<i64>, exp: &Expectations) -> Checked {
    let now = i128::from(exp.now);
    if let Some(t) = auth_time {
        if beyond_leeway(t, exp) {
            return Err(err(ErrorCode::InvalidClaim, "auth_time", "auth_time is in the future"));
        }
    }
    let Some(max_age) = exp.max_age else { return Ok(()) };
    let t = auth_time.ok_or_else(|| missing("auth_time"))?;
    // `auth_time: 0` (a provider that cannot tell when the user authenticated) never meets a `max_age`.
    if t <= 0 {
        return Err(err(ErrorCode::AuthTimeTooOld, "auth_time", "auth_time 0 does not say when the user authenticated"));
    }
    // `iat` is required and checked before this rule; `now` stands in for a caller that skipped it.
    let issued = iat.map_or(now, i128::from);
    let sent = exp.sent_at.map_or(issued, |s| i128::from(s).min(now) + (issued - now));
    if i128::from(t) < sent - i128::from(max_age) - i128::from(MAX_AGE_LATENCY) {
        return Err(err(ErrorCode::AuthTimeTooOld, "auth_time", "authentication is older than max_age"));
    }
    Ok(())
}

/// The `at_hash` of an access token (OIDC Core §3.1.3.6 / §3.2.2.9): base64url of the left half of the
/// hash of its ASCII octets, with the hash of the ID token's `alg`.
pub fn at_hash(alg: Algorithm, access_token: &str) -> String {
    let bytes = access_token.as_bytes();
    let digest: Vec<u8> = match alg.hash_bits() {
        256 => super::sha::sha256(bytes),
        384 => super::sha::sha384(bytes),
        _ => super::sha::sha512(bytes),
    };
    base64url::encode(digest.get(..digest.len() / 2).unwrap_or_default())
}

/// §3.2.2.9 / §3.3.2.11: when the token has `at_hash` and we hold the access token, they must match,
/// binding the access token to this ID token.
fn check_at_hash(jwt: &DecodedJwt, exp: &Expectations) -> Checked {
    let (Some(claimed), Some(access_token)) = (jwt.claims.at_hash.as_deref(), exp.access_token.as_ref().map(Secret::expose)) else {
        return Ok(());
    };
    let alg = Algorithm::from_name(&jwt.header.alg)
        .ok_or_else(|| err(ErrorCode::UnsupportedAlgorithm, "alg", "alg is not on the allowed list"))?;
    if !constant_time_eq(at_hash(alg, access_token).as_bytes(), claimed.as_bytes()) {
        return Err(err(ErrorCode::AtHashMismatch, "at_hash", "at_hash does not match the access token"));
    }
    Ok(())
}

/// Every claim rule, in OIDC Core §3.1.3.7 order. Does not look at the header's `alg` or `crit`
/// (that is [`check_header`]) except to pick the `at_hash` hash.
pub fn validate_claims(jwt: &DecodedJwt, exp: &Expectations) -> Result<()> {
    check_claims(jwt, exp).map_err(|f| f.into_error(exp))
}

fn check_claims(jwt: &DecodedJwt, exp: &Expectations) -> Checked {
    let c = &jwt.claims;
    check_iss_exact(c.iss.as_deref(), exp)?;
    check_aud_contains_client_id(&c.aud, exp)?;
    check_azp(&c.aud, c.azp.as_deref(), exp)?;
    if exp.check_lifetime {
        check_exp(c.exp, exp)?;
        check_iat(c.iat, exp)?;
        check_nbf(c.nbf, exp)?;
    }
    check_sub(c.sub.as_deref())?;
    check_same_user(c.sub.as_deref(), exp)?;
    check_nonce(c.nonce.as_deref(), exp)?;
    check_acr_requested(c.acr.as_deref(), exp)?;
    check_auth_time_max_age(c.auth_time, c.iat, exp)?;
    check_at_hash(jwt, exp)
}

/// Decode, check the header, validate the claims: everything but the signature, which the browser
/// layer verifies with the issuer's JWKS (`jwk::select_key` + WebCrypto) before trusting the result.
pub fn validate(token: &str, exp: &Expectations) -> Result<DecodedJwt> {
    let jwt = jwt::decode(token)?;
    check_header(&jwt.header, exp)?;
    validate_claims(&jwt, exp)?;
    Ok(jwt)
}

#[cfg(test)]
// A `Failure`'s claim is an `Option<&str>` already; the tests read it as they read `Error::claim`.
#[allow(clippy::unwrap_used, clippy::needless_option_as_deref)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_matches_the_oidc_example() {
        // OIDC Core §A.3: access token "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y" → at_hash
        // "77QmUPtjPfzWtF2AnpK9RQ" (RS256).
        assert_eq!(at_hash(Algorithm::RS256, "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"), "77QmUPtjPfzWtF2AnpK9RQ");
        assert_eq!(at_hash(Algorithm::ES384, "x").len(), 32);
        assert_eq!(at_hash(Algorithm::EdDSA, "x").len(), 43);
    }

    #[test]
    fn time_math_does_not_overflow() {
        let mut exp = Expectations::new("i", "c", i64::MIN);
        exp.leeway = u64::MAX;
        assert!(check_exp(Some(0), &exp).is_ok());
        assert!(check_iat(Some(i64::MAX), &exp).is_ok());
        exp.now = i64::MAX;
        exp.max_age = Some(u64::MAX);
        exp.sent_at = Some(i64::MIN);
        assert!(check_auth_time_max_age(Some(1), Some(i64::MIN), &exp).is_ok());
    }

    /// Issue: the 60 s leeway was added to `max_age`, so `max_age=0` accepted an `auth_time` 59 s old.
    #[test]
    fn time_bounds_match_exact_integer_math() {
        let times = [i64::MIN, i64::MIN + 1, -61, -60, -1, 0, 1, 59, 60, 61, i64::MAX - 60, i64::MAX - 1, i64::MAX];
        let leeways = [0, 1, 60, i64::MAX as u64, i64::MAX as u64 + 1, u64::MAX];
        for now in times {
            for leeway in leeways {
                let mut exp = Expectations::new("i", "c", now);
                exp.leeway = leeway;
                let (now, leeway) = (i128::from(now), i128::from(leeway));
                for t in times {
                    let expired = i128::from(t) <= now - leeway;
                    let future = i128::from(t) > now + leeway;
                    assert_eq!(check_exp(Some(t), &exp).is_err(), expired, "exp {t} now {now} leeway {leeway}");
                    assert_eq!(check_iat(Some(t), &exp).is_err(), future, "iat {t} now {now} leeway {leeway}");
                    assert_eq!(check_nbf(Some(t), &exp).is_err(), future, "nbf {t} now {now} leeway {leeway}");
                    assert_eq!(check_auth_time_max_age(Some(t), None, &exp).is_err(), future, "auth_time {t}");
                }
            }
        }
    }

    #[test]
    fn max_age_is_judged_in_the_providers_clock_without_leeway() {
        const NOW: i64 = 1_700_000_000;
        let mut exp = Expectations::new("i", "c", NOW);
        exp.max_age = Some(0);
        exp.sent_at = Some(NOW - 30); // the popup was open 30 s
        // Same clocks (iat = now): a login after the request passes; one before it does not.
        assert!(check_auth_time_max_age(Some(NOW - 20), Some(NOW), &exp).is_ok());
        assert!(check_auth_time_max_age(Some(NOW - 30 - MAX_AGE_LATENCY), Some(NOW), &exp).is_ok());
        let old = check_auth_time_max_age(Some(NOW - 30 - MAX_AGE_LATENCY - 1), Some(NOW), &exp).unwrap_err();
        assert_eq!((old.code(), old.claim.as_deref()), ("auth_time_too_old", Some("auth_time")));
        assert!(check_auth_time_max_age(Some(NOW - 59), Some(NOW), &exp).is_err(), "no 60 s leeway");
        // The provider's clock runs 50 s ahead (within the leeway that iat is checked with).
        assert!(check_auth_time_max_age(Some(NOW + 50 - 20), Some(NOW + 50), &exp).is_ok());
        assert!(check_auth_time_max_age(Some(NOW + 50 - 40), Some(NOW + 50), &exp).is_err());
        // ... or 100 s behind.
        assert!(check_auth_time_max_age(Some(NOW - 100 - 20), Some(NOW - 100), &exp).is_ok());
        assert!(check_auth_time_max_age(Some(NOW - 100 - 40), Some(NOW - 100), &exp).is_err());
        // max_age 300, an SSO session 290 s old when the request arrived: accepted; 310 s: refused.
        exp.max_age = Some(300);
        assert!(check_auth_time_max_age(Some(NOW - 30 - 290), Some(NOW), &exp).is_ok());
        assert!(check_auth_time_max_age(Some(NOW - 30 - 310), Some(NOW), &exp).is_err());
        // Without sent_at the token's iat is the reference.
        exp.sent_at = None;
        exp.max_age = Some(0);
        assert!(check_auth_time_max_age(Some(NOW - MAX_AGE_LATENCY), Some(NOW), &exp).is_ok());
        assert!(check_auth_time_max_age(Some(NOW - MAX_AGE_LATENCY - 1), Some(NOW), &exp).is_err());
        // auth_time 0 (a provider that cannot tell) never passes a max_age.
        exp.max_age = Some(86_400);
        assert!(check_auth_time_max_age(Some(0), Some(NOW), &exp).is_err());
    }

    #[test]
    fn only_acr_and_auth_time_failures_carry_the_step_up_request() {
        const NOW: i64 = 1_700_000_000;
        let decode = |claims: &str| {
            let parts = [base64url::encode(br#"{"alg":"RS256"}"#), base64url::encode(claims.as_bytes()), String::new()];
            jwt::decode(&parts.join(".")).unwrap()
        };
        let mut exp = Expectations::new("https://i", "c", NOW);
        exp.acr_values = Some(alloc::vec![String::from("gold")]);
        exp.max_age = Some(60);
        let base = alloc::format!(r#""iss":"https://i","aud":"c","exp":{},"iat":{NOW},"sub":"u""#, NOW + 600);
        for (claims, code, step_up) in [
            (alloc::format!(r#"{{{base},"acr":"bronze","auth_time":{NOW}}}"#), "acr_not_satisfied", true),
            (alloc::format!(r#"{{{base},"acr":"gold","auth_time":{}}}"#, NOW - 1000), "auth_time_too_old", true),
            (alloc::format!(r#"{{{base},"acr":"gold","auth_time":0}}"#), "auth_time_too_old", true),
            (alloc::format!(r#"{{{base},"acr":"gold"}}"#), "missing_claim", false),
            (alloc::format!(r#"{{{base},"acr":"gold","auth_time":{}}}"#, NOW + 1000), "invalid_claim", false),
            (alloc::format!(r#"{{{base},"nbf":{}}}"#, NOW + 1000), "token_not_yet_valid", false),
        ] {
            let e = validate_claims(&decode(&claims), &exp).unwrap_err();
            assert_eq!(e.code(), code, "{claims}");
            let want = if step_up { (exp.acr_values.clone(), exp.max_age) } else { (None, None) };
            assert_eq!((e.acr_values.clone(), e.max_age), want, "{claims}");
        }
    }

    #[test]
    fn constant_time_eq_works() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    /// A stored ID token is judged on who issued it, to whom and for whom, not on its lifetime: an expired one
    /// still proves the login (the session lives on its other tokens), a token for another client never does.
    #[test]
    fn stored_tokens_skip_lifetime_rules_only() {
        let decode = |claims: &str| {
            let parts = [base64url::encode(br#"{"alg":"RS256"}"#), base64url::encode(claims.as_bytes()), String::new()];
            jwt::decode(&parts.join(".")).unwrap()
        };
        let mut exp = Expectations::new("https://i", "c", 10_000);
        exp.nonce = Some("n".into());
        exp.max_age = Some(1);
        let expired = decode(r#"{"iss":"https://i","aud":"c","exp":100,"iat":50,"nbf":40,"sub":"u","auth_time":40}"#);
        assert_eq!(validate_claims(&expired, &exp).unwrap_err().code(), "token_expired");
        let stored = exp.clone().for_stored();
        assert!(validate_claims(&expired, &stored).is_ok());
        for (claims, code) in [
            (r#"{"iss":"https://other","aud":"c","exp":100,"iat":50,"sub":"u"}"#, "invalid_issuer"),
            (r#"{"iss":"https://i","aud":"d","exp":100,"iat":50,"sub":"u"}"#, "invalid_audience"),
            (r#"{"iss":"https://i","aud":["c","e"],"exp":100,"iat":50,"sub":"u"}"#, "invalid_audience"),
            (r#"{"iss":"https://i","aud":"c","azp":"d","exp":100,"iat":50,"sub":"u"}"#, "invalid_authorized_party"),
            (r#"{"iss":"https://i","aud":"c","exp":100,"iat":50}"#, "missing_claim"),
        ] {
            assert_eq!(validate_claims(&decode(claims), &stored).unwrap_err().code(), code, "{claims}");
        }
    }
}
