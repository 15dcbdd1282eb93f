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

use super::text;
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

/// The names [`StepUpPolicy::preset`] knows.
pub const PRESETS: [&str; 3] = ["nist-aal2", "nist-aal3", "pci-dss"];

impl StepUpPolicy {
    /// A compliance preset: what a token's `acr` / `amr` / `auth_time` can show of a standard, no more
    /// (docs/COMPLIANCE.md says what each leaves to the app and the provider). An unknown name is
    /// `invalid_config`, never a laxer policy.
    ///
    /// - `nist-aal2`: multi-factor, authenticated within 24 h (NIST SP 800-63B-4 AAL2: reauthentication at
    ///   least every 24 hours).
    /// - `nist-aal3`: multi-factor with a hardware-bound key, authenticated within 12 h (AAL3: reauthentication
    ///   at least every 12 hours, a phishing-resistant authenticator whose key is protected in hardware). Of
    ///   RFC 8176's method values, two say the key is in hardware: `hwk` ("proof-of-possession of a
    ///   hardware-secured key": a security key, a device-bound passkey) and `sc` ("smart card": PIV/CAC, the
    ///   archetype of AAL3). `swk` (a software-secured key), `pop` (a key of either kind), `otp`, `sms` and `tel`
    ///   cannot show AAL3, so any one of `hwk` or `sc` is required besides `mfa`.
    /// - `pci-dss`: multi-factor, authenticated within 15 min (PCI DSS v4.0.1 8.4.2 MFA into the CDE, 8.5.1 at
    ///   least two factor types; 8.2.8's 15-minute idle limit judged from `auth_time`, which is stricter).
    pub fn preset(name: &str) -> Result<StepUpPolicy, Error> {
        let (max_age, hardware_key) = match name {
            "nist-aal2" => (86_400, false),
            "nist-aal3" => (43_200, true),
            "pci-dss" => (900, false),
            _ => return Err(Error::new(ErrorCode::InvalidConfig, "unknown policy preset").with_claim("preset")),
        };
        let amr = hardware_key.then(|| AmrPolicy { any_of: vec![String::from("hwk"), String::from("sc")], all_of: Vec::new() });
        Ok(StepUpPolicy { acr: None, amr, mfa: true, max_age: Some(max_age) })
    }

    /// The policy as the JS contract's `StepUpPolicy` (camelCase JSON text; an empty `anyOf` / `allOf` left out, and
    /// `amr` when both are: no requirement either way): what `policyPreset` returns from the browser entry and from
    /// `stepup/server`, and the form a redirect transaction stores. Read back by `options::policy`, the text is
    /// written again unchanged, which the transaction's seal relies on.
    pub fn to_json(&self) -> String {
        let mut w = super::json::ObjectWriter::new();
        if let Some(acr) = &self.acr {
            w.strings("acr", acr);
        }
        if let Some(AmrPolicy { any_of, all_of }) = self.amr.as_ref().filter(|a| !a.any_of.is_empty() || !a.all_of.is_empty()) {
            let mut amr = super::json::ObjectWriter::new();
            if !any_of.is_empty() {
                amr.strings("anyOf", any_of);
            }
            if !all_of.is_empty() {
                amr.strings("allOf", all_of);
            }
            w.raw("amr", &amr.finish());
        }
        w.boolean("mfa", self.mfa);
        if let Some(m) = self.max_age {
            w.uint("maxAge", m);
        }
        w.finish()
    }
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

/// The string form, so a list of reasons is written as a list of strings (`ObjectWriter::strings`).
impl AsRef<str> for Reason {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
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
    // `auth_time: 0` is what a provider writes when it cannot tell: the session reports it as it is, and it
    // never proves freshness, whatever the `max_age` (1970 would be "fresh" for a max_age over 56 years).
    if t <= 0 {
        return Some(Reason::AuthTimeTooOld);
    }
    // The distance between the two times is exact in a u64 (no i128 arithmetic needed).
    let distance = now.abs_diff(t);
    if now >= t {
        (distance > max_age).then_some(Reason::AuthTimeTooOld)
    } else {
        (distance > leeway).then_some(Reason::AuthTimeInFuture)
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

/// Whether a returned `acr` meets a requested list (OIDC Core §5.5.1.1): it is one of them, or, with ordered
/// `levels` (the client's `acrLevels`, weakest first), it is a listed level at or above the weakest requested
/// value that is a level. Providers with levels of assurance answer with the level achieved, which may be
/// above the one asked for. Without levels, or for values that are not levels, membership is exact.
pub fn acr_meets(acr: Option<&str>, wanted: &[String], levels: &[String]) -> bool {
    let Some(acr) = acr else { return false };
    let rank = |v: &str| levels.iter().position(|l| l == v);
    let got = rank(acr);
    wanted.iter().any(|w| w == acr || rank(w).is_some_and(|r| got.is_some_and(|g| g >= r)))
}

/// The `amr` a policy is judged on: each of the provider's method names replaced by its RFC 8176 value from
/// `aliases` (the client's `amrAliases`, e.g. `totp` → `otp`), others kept; no value twice. The raw list
/// stays in the ID token's claims.
pub fn alias_amr(amr: &[String], aliases: &[(String, String)]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(amr.len());
    for m in amr {
        let mapped = aliases.iter().find(|(from, _)| from == m).map_or(m, |(_, to)| to);
        if !out.contains(mapped) {
            out.push(mapped.clone());
        }
    }
    out
}

/// Whether a granted `scope` (space-separated) holds every scope of `requested` (RFC 6749 §3.3).
pub fn scope_covers(granted: Option<&str>, requested: &str) -> bool {
    let granted = granted.unwrap_or_default();
    text::split(requested, b' ').all(|s| s.is_empty() || text::split(granted, b' ').any(|g| g == s))
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
    evaluate_with_levels(ctx, policy, now, step_up_acr, leeway, &[])
}

/// [`evaluate`] with ordered acr `levels` (weakest first, see [`acr_meets`]): a policy's `acr` and the
/// `mfa` rule's `step_up_acr` are met by a level at or above them.
pub fn evaluate_with_levels(
    ctx: &AuthContext,
    policy: &StepUpPolicy,
    now: i64,
    step_up_acr: &str,
    leeway: u64,
    levels: &[String],
) -> StepUpDecision {
    let mut reasons = Vec::new();
    let acr_list = policy.acr.as_deref().filter(|l| !l.is_empty());

    // OIDC Core §5.5.1.1: the returned acr must be one of the requested values (or a level above them).
    if let Some(list) = acr_list {
        if !acr_meets(ctx.acr.as_deref(), list, levels) {
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
    let above_step_up = || !levels.is_empty() && acr_meets(ctx.acr.as_deref(), &[String::from(step_up_acr)], levels);
    if policy.mfa && !is_mfa(&ctx.amr, ctx.acr.as_deref(), step_up_acr) && !above_step_up() {
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
    fn policies_as_the_contracts_json() {
        let text = |name: &str| StepUpPolicy::preset(name).unwrap().to_json();
        assert_eq!(text("nist-aal2"), r#"{"mfa":true,"maxAge":86400}"#);
        assert_eq!(text("nist-aal3"), r#"{"amr":{"anyOf":["hwk","sc"]},"mfa":true,"maxAge":43200}"#);
        assert_eq!(text("pci-dss"), r#"{"mfa":true,"maxAge":900}"#);
        let all = StepUpPolicy { acr: Some(s(&["a"])), amr: Some(AmrPolicy { any_of: vec![], all_of: s(&["otp"]) }), mfa: false, max_age: None };
        assert_eq!(all.to_json(), r#"{"acr":["a"],"amr":{"allOf":["otp"]},"mfa":false}"#);
        // What it writes, the option reader reads back as the same policy.
        let back = crate::core::options::policy(Some(&crate::core::json::parse(&all.to_json(), ErrorCode::InvalidConfig).unwrap())).unwrap();
        assert_eq!(back, all);
    }

    #[test]
    fn presets_are_what_tokens_can_show_and_unknown_names_fail() {
        let aal2 = StepUpPolicy::preset("nist-aal2").unwrap();
        assert_eq!(aal2, StepUpPolicy { mfa: true, max_age: Some(86_400), ..Default::default() });
        let aal3 = StepUpPolicy::preset("nist-aal3").unwrap();
        assert_eq!((aal3.mfa, aal3.max_age), (true, Some(43_200)));
        assert_eq!(aal3.amr, Some(AmrPolicy { any_of: s(&["hwk", "sc"]), all_of: Vec::new() }));
        assert_eq!(StepUpPolicy::preset("pci-dss").unwrap(), StepUpPolicy { mfa: true, max_age: Some(900), ..Default::default() });
        for bad in ["", "NIST-AAL2", "nist-aal1", "pci", "nist-aal2 "] {
            let e = StepUpPolicy::preset(bad).unwrap_err();
            assert_eq!((e.code(), e.claim.as_deref()), ("invalid_config", Some("preset")), "{bad:?}");
        }
        assert!(PRESETS.iter().all(|p| StepUpPolicy::preset(p).is_ok()));
        // AAL3: an OTP second factor is MFA but not a hardware key; a security key with a PIN is both.
        let fresh = NOW - 60;
        assert!(!evaluate(&ctx(None, &["pwd", "otp"], Some(fresh)), &aal3, NOW, MFA, 0).satisfied);
        assert!(evaluate(&ctx(None, &["pin", "hwk"], Some(fresh)), &aal3, NOW, MFA, 0).satisfied);
        assert!(evaluate(&ctx(None, &["pwd", "otp"], Some(fresh)), &aal2, NOW, MFA, 0).satisfied);
    }

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
    fn acr_levels_accept_a_level_at_or_above_the_one_asked() {
        let levels = s(&["loa-1", "loa-2", "loa-3", "loa-4"]);
        let want = s(&["loa-3"]);
        assert!(acr_meets(Some("loa-3"), &want, &levels));
        assert!(acr_meets(Some("loa-4"), &want, &levels), "above the one asked");
        assert!(!acr_meets(Some("loa-2"), &want, &levels), "below");
        assert!(!acr_meets(Some("loa-9"), &want, &levels), "not a level");
        assert!(!acr_meets(None, &want, &levels), "absent");
        assert!(!acr_meets(Some("loa-4"), &want, &[]), "without levels membership is exact");
        assert!(acr_meets(Some("loa-3"), &want, &[]));
        // The weakest requested level is the floor; a non-level in the list still matches exactly.
        assert!(acr_meets(Some("loa-3"), &s(&["loa-4", "loa-2"]), &levels));
        assert!(acr_meets(Some("gold"), &s(&["gold", "loa-4"]), &levels));
        assert!(!acr_meets(Some("loa-3"), &s(&["gold"]), &levels), "no requested value is a level");
        let p = StepUpPolicy { acr: Some(want.clone()), ..Default::default() };
        assert!(evaluate_with_levels(&ctx(Some("loa-4"), &[], None), &p, NOW, MFA, 0, &levels).satisfied);
        let d = evaluate_with_levels(&ctx(Some("loa-2"), &[], None), &p, NOW, MFA, 0, &levels);
        assert_eq!((d.reasons, d.acr_values), (alloc::vec![Reason::AcrNotSatisfied], Some(want)));
        assert!(!evaluate(&ctx(Some("loa-4"), &[], None), &p, NOW, MFA, 0).satisfied, "evaluate has no levels");
        // mfa with stepUpAcr = a level: a level above it counts, one below does not.
        let mfa = StepUpPolicy { mfa: true, ..Default::default() };
        assert!(evaluate_with_levels(&ctx(Some("loa-4"), &["pwd"], None), &mfa, NOW, "loa-3", 0, &levels).satisfied);
        assert!(!evaluate_with_levels(&ctx(Some("loa-2"), &["pwd"], None), &mfa, NOW, "loa-3", 0, &levels).satisfied);
        assert!(!evaluate(&ctx(Some("loa-4"), &["pwd"], None), &mfa, NOW, "loa-3", 0).satisfied);
    }

    #[test]
    fn amr_aliases_map_provider_names_before_the_policy() {
        let aliases = alloc::vec![
            ("password".to_string(), "pwd".to_string()),
            ("totp".to_string(), "otp".to_string()),
            ("webauthn".to_string(), "hwk".to_string()),
            ("otp".to_string(), "otp".to_string()),
        ];
        assert_eq!(alias_amr(&s(&["password", "totp"]), &aliases), ["pwd", "otp"]);
        assert_eq!(alias_amr(&s(&["totp", "otp", "geo"]), &aliases), ["otp", "geo"], "no value twice, unknown kept");
        assert_eq!(alias_amr(&s(&["password", "totp"]), &[]), ["password", "totp"]);
        let mfa = StepUpPolicy { mfa: true, ..Default::default() };
        let raw = ctx(None, &["password", "totp"], None);
        assert!(!evaluate(&raw, &mfa, NOW, MFA, 0).satisfied, "provider names are in no RFC 8176 category");
        let mapped = AuthContext { amr: alias_amr(&raw.amr, &aliases), ..raw };
        assert!(evaluate(&mapped, &mfa, NOW, MFA, 0).satisfied);
    }

    #[test]
    fn scope_covers_every_requested_scope() {
        assert!(scope_covers(Some("openid profile mfa"), "openid mfa"));
        assert!(scope_covers(Some("openid"), " openid  "));
        assert!(!scope_covers(Some("openid profile"), "openid mfa"));
        assert!(!scope_covers(Some("openid mfa2"), "mfa"), "whole scope tokens only");
        assert!(!scope_covers(None, "mfa"));
        assert!(scope_covers(None, ""));
    }

    #[test]
    fn auth_time_zero_never_proves_freshness() {
        for max_age in [0, 300, 9_007_199_254_740_991] {
            assert_eq!(freshness(Some(0), max_age, NOW, 60), Some(Reason::AuthTimeTooOld));
        }
        assert_eq!(freshness(Some(-5), u64::MAX, NOW, 60), Some(Reason::AuthTimeTooOld));
        assert_eq!(freshness(Some(1), u64::MAX, NOW, 60), None, "a positive time is judged by age");
        // No max_age: auth_time 0 is only reported, not judged.
        assert!(evaluate(&ctx(None, &[], Some(0)), &StepUpPolicy::default(), NOW, MFA, 0).satisfied);
    }

    #[test]
    fn freshness_matches_exact_integer_math() {
        let times = [i64::MIN, -1, 0, 1, 2, 59, 60, 61, 300, 301, i64::MAX - 300, i64::MAX - 1, i64::MAX];
        let spans = [0, 1, 60, 300, i64::MAX as u64, i64::MAX as u64 + 1, u64::MAX];
        for now in times {
            for t in times.into_iter().filter(|&t| t > 0) {
                for max_age in spans {
                    for leeway in spans {
                        let age = i128::from(now) - i128::from(t);
                        let want = if age > i128::from(max_age) {
                            Some(Reason::AuthTimeTooOld)
                        } else if -age > i128::from(leeway) {
                            Some(Reason::AuthTimeInFuture)
                        } else {
                            None
                        };
                        assert_eq!(freshness(Some(t), max_age, now, leeway), want, "{t} {max_age} {now} {leeway}");
                    }
                }
            }
        }
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
        assert!(evaluate(&ctx(None, &[], Some(1)), &huge, i64::MAX, MFA, u64::MAX).satisfied);
        assert!(!evaluate(&ctx(None, &[], Some(i64::MIN)), &huge, i64::MAX, MFA, u64::MAX).satisfied, "not positive");
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
