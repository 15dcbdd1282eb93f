//! Step-up policy: is the current authentication strong and fresh enough for an operation, and if not,
//! what to ask the provider for (`acr_values`, `max_age`).
//!
//! The rules, each checked independently so the caller sees every unmet one:
//! - `acr`: the context's `acr` is one of the listed values (OIDC Core §2 `acr`, §5.5.1.1);
//! - `amr.any_of` / `amr.all_of`: the context's `amr` contains one / all of them (RFC 8176 values);
//! - `mfa`: [`is_mfa`] (DESIGN.md definition);
//! - `max_age`: [`freshness`]: `auth_time` present and `now - auth_time <= max_age` (OIDC Core §3.1.2.1
//!   `max_age`), with `now` in the provider's clock and no leeway, and not more than `leeway` in the
//!   future (a future `auth_time` proves nothing about recency).

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::claims::Claims;
use super::error::{Error, ErrorCode};

/// Auth0's (and the OpenID PAPE) multi-factor policy URI: the `acr_values` we request for `mfa` policies.
pub const DEFAULT_STEP_UP_ACR: &str = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";

/// What an operation requires. `Default` requires nothing (always satisfied).
///
/// An empty `acr` list, or empty `any_of` / `all_of`, means "no requirement": an empty list could never be
/// met, and a policy that can never be met would loop the user through logins.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepUpPolicy {
    /// Acceptable `acr` values, any one of them.
    pub acr: Option<Vec<String>>,
    pub amr: Option<AmrPolicy>,
    /// Require multi-factor authentication ([`is_mfa`]).
    pub mfa: bool,
    /// Seconds since `auth_time` after which the user must authenticate again.
    pub max_age: Option<u64>,
}

/// Required authentication methods (RFC 8176 `amr` values, or the provider's own names).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AmrPolicy {
    /// At least one of these must be present.
    pub any_of: Vec<String>,
    /// All of these must be present.
    pub all_of: Vec<String>,
}

/// The authentication facts a policy is judged on: from a validated ID token, or the last interactive login
/// (Auth0 omits `amr` from silently issued tokens, so the session keeps the interactive one).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthContext {
    pub acr: Option<String>,
    pub amr: Vec<String>,
    pub auth_time: Option<i64>,
}

impl From<&Claims> for AuthContext {
    fn from(c: &Claims) -> Self {
        AuthContext { acr: c.acr.clone(), amr: c.amr.clone(), auth_time: c.auth_time }
    }
}

/// Why a policy is not satisfied. The string forms are part of the JS contract (`StepUpDecision.reasons`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    AcrNotSatisfied,
    AmrNotSatisfied,
    MfaNotSatisfied,
    AuthTimeMissing,
    AuthTimeTooOld,
    AuthTimeInFuture,
}

impl Reason {
    /// The stable snake_case form, e.g. `"auth_time_too_old"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Reason::AcrNotSatisfied => "acr_not_satisfied",
            Reason::AmrNotSatisfied => "amr_not_satisfied",
            Reason::MfaNotSatisfied => "mfa_not_satisfied",
            Reason::AuthTimeMissing => "auth_time_missing",
            Reason::AuthTimeTooOld => "auth_time_too_old",
            Reason::AuthTimeInFuture => "auth_time_in_future",
        }
    }

    /// The error code a step-up failure with this reason is reported under (DESIGN.md error codes).
    pub const fn code(self) -> ErrorCode {
        match self {
            Reason::AcrNotSatisfied => ErrorCode::AcrNotSatisfied,
            Reason::AmrNotSatisfied | Reason::MfaNotSatisfied => ErrorCode::AmrNotSatisfied,
            Reason::AuthTimeMissing | Reason::AuthTimeTooOld | Reason::AuthTimeInFuture => ErrorCode::AuthTimeTooOld,
        }
    }

    const fn claim(self) -> &'static str {
        match self {
            Reason::AcrNotSatisfied => "acr",
            Reason::AmrNotSatisfied | Reason::MfaNotSatisfied => "amr",
            _ => "auth_time",
        }
    }

    const fn message(self) -> &'static str {
        match self {
            Reason::AcrNotSatisfied => "acr is not one of the required values",
            Reason::AmrNotSatisfied => "amr does not meet the required authentication methods",
            Reason::MfaNotSatisfied => "the authentication was not multi-factor",
            Reason::AuthTimeMissing => "max_age is required but the token has no auth_time",
            Reason::AuthTimeTooOld => "auth_time is older than max_age",
            Reason::AuthTimeInFuture => "auth_time is in the future",
        }
    }
}

/// The outcome of [`evaluate`]: satisfied, or the unmet rules and what to request to meet them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepUpDecision {
    pub satisfied: bool,
    /// Every unmet rule, in the order acr, amr, mfa, auth_time.
    pub reasons: Vec<Reason>,
    /// `acr_values` to send with the step-up authorization request (`None` when satisfied).
    pub acr_values: Option<Vec<String>>,
    /// `max_age` to send (`None` when satisfied); sending it makes the provider re-authenticate.
    pub max_age: Option<u64>,
}

impl StepUpDecision {
    /// The error for an unsatisfied decision (named after the first reason), carrying what to request;
    /// `None` when satisfied.
    pub fn to_error(&self) -> Option<Error> {
        let reason = *self.reasons.first()?;
        Some(
            Error::new(reason.code(), reason.message())
                .with_claim(reason.claim())
                .with_step_up(self.acr_values.clone(), self.max_age),
        )
    }
}

/// RFC 8176 §2 factor categories, as DESIGN.md groups them.
const KNOWLEDGE: &[&str] = &["pwd", "pin", "kba"];
const POSSESSION: &[&str] = &["otp", "hwk", "swk", "sms", "tel", "sc", "pop"];
const INHERENCE: &[&str] = &["fpt", "face", "iris", "retina", "vbm"];

/// Multi-factor per DESIGN.md: `amr` contains `mfa` (RFC 8176 §2), or factors from two different categories
/// (knowledge / possession / inherence), or the provider says so through `acr == step_up_acr`.
pub fn is_mfa(amr: &[String], acr: Option<&str>, step_up_acr: &str) -> bool {
    let has = |set: &[&str]| amr.iter().any(|m| set.contains(&m.as_str()));
    let categories = [KNOWLEDGE, POSSESSION, INHERENCE].iter().filter(|set| has(set)).count();
    amr.iter().any(|m| m == "mfa") || categories >= 2 || (!step_up_acr.is_empty() && acr == Some(step_up_acr))
}

/// The freshness rule, the one place it is written (the client, `evaluateStepUp` and the Leptos/Yew guards
/// all come here): `auth_time` is required, at most `max_age` seconds before `now`, and at most `leeway`
/// seconds after it. `now` should be the provider's clock (a session knows it: [`crate::core::session::Session::provider_now`]),
/// so the age needs no leeway: a 60 s allowance would make every `max_age` under a minute void.
pub fn freshness(auth_time: Option<i64>, max_age: u64, now: i64, leeway: u64) -> Option<Reason> {
    let Some(t) = auth_time else { return Some(Reason::AuthTimeMissing) };
    let age = i128::from(now) - i128::from(t);
    if age > i128::from(max_age) {
        Some(Reason::AuthTimeTooOld)
    } else if -age > i128::from(leeway) {
        Some(Reason::AuthTimeInFuture)
    } else {
        None
    }
}

/// Whether the `acr_values` of a login bind its result (the returned `acr` must be one of them) or only
/// hint at what to do (OIDC Core §3.1.2.1 and §5.5.1.1: `acr_values` is a voluntary request, and a provider
/// may answer without `acr`). They bind when the caller asked for `acr` itself: an explicit login (`None`:
/// `loginWithPopup` / `loginWithRedirect` with `acrValues`), or a policy listing `acr`. Derived from an
/// `mfa` / `amr` / `maxAge` policy they are a hint, and the result is judged by that policy.
pub fn acr_binds(policy: Option<&StepUpPolicy>) -> bool {
    policy.map_or(true, |p| p.acr.as_ref().is_some_and(|l| !l.is_empty()))
}

/// The first second (in `auth_time`'s clock) at which [`freshness`] stops holding for `max_age`.
pub fn stale_at(auth_time: i64, max_age: u64) -> i64 {
    auth_time.saturating_add(i64::try_from(max_age).unwrap_or(i64::MAX)).saturating_add(1)
}

/// Judge `ctx` against `policy` at time `now` (seconds since the epoch, the provider's clock where known);
/// `leeway` only bounds how far in the future `auth_time` may be.
///
/// When unsatisfied, the decision says what to request: `acr_values` is the policy's `acr` list, or else
/// `[step_up_acr]` when the policy asks for `mfa` or an `amr` (even if only freshness failed: a re-login
/// without it could come back single-factor); `max_age` is the policy's, since sending it forces re-auth.
pub fn evaluate(ctx: &AuthContext, policy: &StepUpPolicy, now: i64, step_up_acr: &str, leeway: u64) -> StepUpDecision {
    let mut reasons = Vec::new();
    let acr_list = policy.acr.as_deref().filter(|l| !l.is_empty());

    // OIDC Core §5.5.1.1: the returned acr must be one of the requested values.
    if let Some(list) = acr_list {
        if !ctx.acr.as_ref().is_some_and(|a| list.contains(a)) {
            reasons.push(Reason::AcrNotSatisfied);
        }
    }
    // RFC 8176: required authentication methods.
    let amr_policy = policy.amr.as_ref().filter(|p| !p.any_of.is_empty() || !p.all_of.is_empty());
    if let Some(p) = amr_policy {
        let any_ok = p.any_of.is_empty() || p.any_of.iter().any(|m| ctx.amr.contains(m));
        let all_ok = p.all_of.iter().all(|m| ctx.amr.contains(m));
        if !any_ok || !all_ok {
            reasons.push(Reason::AmrNotSatisfied);
        }
    }
    if policy.mfa && !is_mfa(&ctx.amr, ctx.acr.as_deref(), step_up_acr) {
        reasons.push(Reason::MfaNotSatisfied);
    }
    // OIDC Core §3.1.3.7 rule 11 (max_age): auth_time required and recent enough.
    if let Some(reason) = policy.max_age.and_then(|max_age| freshness(ctx.auth_time, max_age, now, leeway)) {
        reasons.push(reason);
    }

    if reasons.is_empty() {
        return StepUpDecision { satisfied: true, ..StepUpDecision::default() };
    }
    let acr_values = match acr_list {
        Some(list) => Some(list.to_vec()),
        None if policy.mfa || amr_policy.is_some() => Some(vec![String::from(step_up_acr)]),
        None => None,
    };
    StepUpDecision { satisfied: false, reasons, acr_values, max_age: policy.max_age }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;
    use alloc::string::ToString;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }
    fn ctx(acr: Option<&str>, amr: &[&str], auth_time: Option<i64>) -> AuthContext {
        AuthContext { acr: acr.map(String::from), amr: s(amr), auth_time }
    }
    const NOW: i64 = 1_700_000_000;
    const MFA: &str = DEFAULT_STEP_UP_ACR;

    #[test]
    fn empty_policy_is_satisfied() {
        let d = evaluate(&AuthContext::default(), &StepUpPolicy::default(), NOW, MFA, 60);
        assert!(d.satisfied && d.reasons.is_empty() && d.acr_values.is_none() && d.to_error().is_none());
    }

    #[test]
    fn acr_must_be_listed() {
        let p = StepUpPolicy { acr: Some(s(&["gold", "silver"])), ..Default::default() };
        assert!(evaluate(&ctx(Some("silver"), &[], None), &p, NOW, MFA, 0).satisfied);
        for c in [ctx(Some("bronze"), &[], None), ctx(None, &[], None), ctx(Some("Gold"), &[], None)] {
            let d = evaluate(&c, &p, NOW, MFA, 0);
            assert_eq!(d.reasons, [Reason::AcrNotSatisfied]);
            assert_eq!(d.acr_values, Some(s(&["gold", "silver"])));
            let e = d.to_error().unwrap();
            assert_eq!((e.code(), e.claim.as_deref()), ("acr_not_satisfied", Some("acr")));
            assert_eq!(e.acr_values, Some(s(&["gold", "silver"])));
        }
        let empty = StepUpPolicy { acr: Some(Vec::new()), ..Default::default() };
        assert!(evaluate(&ctx(None, &[], None), &empty, NOW, MFA, 0).satisfied);
    }

    #[test]
    fn amr_any_and_all() {
        let p = StepUpPolicy {
            amr: Some(AmrPolicy { any_of: s(&["hwk", "otp"]), all_of: s(&["pwd"]) }),
            ..Default::default()
        };
        assert!(evaluate(&ctx(None, &["pwd", "otp"], None), &p, NOW, MFA, 0).satisfied);
        let d = evaluate(&ctx(None, &["otp"], None), &p, NOW, MFA, 0);
        assert_eq!(d.reasons, [Reason::AmrNotSatisfied]);
        assert_eq!(d.acr_values, Some(s(&[MFA])));
        assert_eq!(d.to_error().unwrap().code(), "amr_not_satisfied");
        assert!(!evaluate(&ctx(None, &["pwd"], None), &p, NOW, MFA, 0).satisfied);
        let empty = StepUpPolicy { amr: Some(AmrPolicy::default()), ..Default::default() };
        let d = evaluate(&ctx(None, &[], None), &empty, NOW, MFA, 0);
        assert!(d.satisfied);
    }

    #[test]
    fn mfa_definition() {
        assert!(is_mfa(&s(&["mfa"]), None, MFA));
        assert!(is_mfa(&s(&["pwd", "otp"]), None, MFA));
        assert!(is_mfa(&s(&["fpt", "hwk"]), None, MFA));
        assert!(is_mfa(&s(&["pin", "face"]), None, MFA));
        assert!(is_mfa(&[], Some(MFA), MFA));
        assert!(!is_mfa(&s(&["pwd", "pin", "kba"]), None, MFA), "one category, three factors");
        assert!(!is_mfa(&s(&["otp", "sms", "hwk"]), None, MFA));
        assert!(!is_mfa(&s(&["pwd", "geo"]), None, MFA), "geo is in no category");
        assert!(!is_mfa(&s(&["MFA"]), None, MFA), "amr values are case-sensitive");
        assert!(!is_mfa(&[], Some("other"), MFA));
        assert!(!is_mfa(&[], Some(""), ""), "an empty step-up acr never matches");
    }

    #[test]
    fn mfa_policy_requests_step_up_acr() {
        let p = StepUpPolicy { mfa: true, ..Default::default() };
        let d = evaluate(&ctx(Some("basic"), &["pwd"], Some(NOW)), &p, NOW, MFA, 60);
        assert_eq!(d.reasons, [Reason::MfaNotSatisfied]);
        assert_eq!(d.acr_values, Some(s(&[MFA])));
        assert_eq!(d.max_age, None);
        let e = d.to_error().unwrap();
        assert_eq!((e.code(), e.acr_values.clone()), ("amr_not_satisfied", Some(s(&[MFA]))));
        // A custom step-up acr is what gets requested, and what counts.
        let d = evaluate(&ctx(None, &["pwd"], None), &p, NOW, "urn:acr:strong", 60);
        assert_eq!(d.acr_values, Some(s(&["urn:acr:strong"])));
        assert!(evaluate(&ctx(Some("urn:acr:strong"), &[], None), &p, NOW, "urn:acr:strong", 60).satisfied);
    }

    #[test]
    fn acr_binds_only_when_the_caller_asked_for_acr() {
        assert!(acr_binds(None), "an explicit login's acrValues");
        assert!(acr_binds(Some(&StepUpPolicy { acr: Some(s(&["gold"])), ..Default::default() })));
        assert!(!acr_binds(Some(&StepUpPolicy { mfa: true, ..Default::default() })));
        assert!(!acr_binds(Some(&StepUpPolicy { max_age: Some(0), ..Default::default() })));
        let amr = AmrPolicy { all_of: s(&["otp"]), ..Default::default() };
        assert!(!acr_binds(Some(&StepUpPolicy { amr: Some(amr), acr: Some(Vec::new()), ..Default::default() })));
    }

    #[test]
    fn max_age_boundaries() {
        let p = StepUpPolicy { max_age: Some(300), ..Default::default() };
        let at = |t: i64, leeway: u64| evaluate(&ctx(None, &[], Some(t)), &p, NOW, MFA, leeway);
        assert!(at(NOW - 300, 0).satisfied, "age == max_age is fine");
        assert_eq!(at(NOW - 301, 0).reasons, [Reason::AuthTimeTooOld]);
        // The age is judged in the provider's clock (the caller's `now`): no leeway widens it.
        assert_eq!(at(NOW - 301, 60).reasons, [Reason::AuthTimeTooOld], "leeway does not extend max_age");
        assert_eq!(stale_at(NOW - 300, 300), NOW + 1);
        assert!(at(NOW + 60, 60).satisfied, "future within leeway");
        assert_eq!(at(NOW + 61, 60).reasons, [Reason::AuthTimeInFuture]);
        assert_eq!(at(NOW + 1, 0).reasons, [Reason::AuthTimeInFuture], "leeway 0 means 0");
        assert!(at(NOW, 0).satisfied);
        let d = at(NOW - 301, 0);
        assert_eq!((d.acr_values.clone(), d.max_age), (None, Some(300)));
        let e = d.to_error().unwrap();
        assert_eq!((e.code(), e.max_age, e.claim.as_deref()), ("auth_time_too_old", Some(300), Some("auth_time")));

        let d = evaluate(&ctx(None, &[], None), &p, NOW, MFA, 60);
        assert_eq!(d.reasons, [Reason::AuthTimeMissing]);
        assert_eq!(d.to_error().unwrap().code(), "auth_time_too_old");

        let zero = StepUpPolicy { max_age: Some(0), ..Default::default() };
        assert!(!evaluate(&ctx(None, &[], Some(NOW - 1)), &zero, NOW, MFA, 0).satisfied);
        // No overflow at the extremes.
        let huge = StepUpPolicy { max_age: Some(u64::MAX), ..Default::default() };
        assert!(evaluate(&ctx(None, &[], Some(i64::MIN)), &huge, i64::MAX, MFA, u64::MAX).satisfied);
        assert!(!evaluate(&ctx(None, &[], Some(i64::MIN)), &p, i64::MAX, MFA, 60).satisfied);
        assert!(!evaluate(&ctx(None, &[], Some(i64::MAX)), &p, i64::MIN, MFA, 60).satisfied);
    }

    #[test]
    fn all_reasons_reported_in_order_and_fresh_mfa_asks_for_step_up_acr() {
        let p = StepUpPolicy {
            acr: None,
            amr: Some(AmrPolicy { any_of: s(&["hwk"]), all_of: Vec::new() }),
            mfa: true,
            max_age: Some(60),
        };
        let d = evaluate(&ctx(None, &["pwd"], None), &p, NOW, MFA, 0);
        assert_eq!(d.reasons, [Reason::AmrNotSatisfied, Reason::MfaNotSatisfied, Reason::AuthTimeMissing]);
        let names: Vec<_> = d.reasons.iter().map(|r| r.as_str()).collect();
        assert_eq!(names, ["amr_not_satisfied", "mfa_not_satisfied", "auth_time_missing"]);
        // MFA done but stale: the re-login must still be MFA, so the step-up acr is requested with max_age.
        let p = StepUpPolicy { mfa: true, max_age: Some(60), ..Default::default() };
        let d = evaluate(&ctx(None, &["mfa"], Some(NOW - 600)), &p, NOW, MFA, 0);
        assert_eq!(d.reasons, [Reason::AuthTimeTooOld]);
        assert_eq!((d.acr_values, d.max_age), (Some(s(&[MFA])), Some(60)));
    }

    #[test]
    fn acr_list_wins_over_step_up_acr() {
        let p = StepUpPolicy { acr: Some(s(&["loa3"])), mfa: true, max_age: Some(10), ..Default::default() };
        let d = evaluate(&ctx(Some("loa1"), &["pwd"], Some(NOW - 100)), &p, NOW, MFA, 0);
        assert_eq!(d.reasons, [Reason::AcrNotSatisfied, Reason::MfaNotSatisfied, Reason::AuthTimeTooOld]);
        assert_eq!((d.acr_values, d.max_age), (Some(s(&["loa3"])), Some(10)));
    }
}
