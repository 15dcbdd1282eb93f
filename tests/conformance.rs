//! ID-token conformance table: every claim rule of DESIGN.md's security section (OIDC Core §3.1.3.7,
//! RFC 8725, the OpenID RP certification negatives, the step-up rules) with a rejecting and an
//! accepting case. Each row starts from a valid token and valid expectations and changes one thing.
//! Signatures are the browser layer's job, so the signature bytes here are fake.
// proptest and serde_json are native dev-dependencies only (Cargo.toml).
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256, Sha384};
use stepup::core::base64url;
use stepup::core::json;
use stepup::core::jwk::{select_key, Algorithm, Jwks};
use stepup::core::policy::{acr_binds, evaluate, AmrPolicy, AuthContext, StepUpPolicy};
use stepup::core::validate::{check_header, validate, Expectations};
use stepup::ErrorCode;

const NOW: i64 = 1_700_000_000;
const LEEWAY: i64 = 60;
const ISS: &str = "https://idp.example/";
const CLIENT: &str = "client-1";
const NONCE: &str = "n-0S6_WzA2Mj";
const MFA: &str = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";
const ACCESS_TOKEN: &str = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y";

type Obj = Map<String, Value>;

struct Case {
    name: &'static str,
    header: fn(&mut Obj),
    claims: fn(&mut Obj),
    /// Rewrites the finished token text (padding, bad characters, part counts).
    token: fn(String) -> String,
    expect: fn(&mut Expectations),
    /// `Ok(())` or the expected error code.
    want: Result<(), &'static str>,
    /// When set, the error's `claim` must be this.
    claim: Option<&'static str>,
    /// A step-up with this policy (from no session): the `acr_values` it sends bind the token only when the
    /// caller asked for `acr` (`policy::acr_binds`), and the new token is then judged by the policy.
    policy: Option<fn() -> StepUpPolicy>,
}

const BASE: Case =
    Case { name: "", header: |_| {}, claims: |_| {}, token: |t| t, expect: |_| {}, want: Ok(()), claim: None, policy: None };

fn mfa_policy() -> StepUpPolicy {
    StepUpPolicy { mfa: true, ..Default::default() }
}

fn base_header() -> Obj {
    obj(json!({"alg": "RS256", "kid": "k1", "typ": "JWT"}))
}

fn base_claims() -> Obj {
    obj(json!({
        "iss": ISS, "sub": "248289761001", "aud": CLIENT, "exp": NOW + 300, "iat": NOW - 10,
        "nonce": NONCE, "auth_time": NOW - 30, "acr": MFA, "amr": ["pwd", "otp"], "sid": "s1",
        "email": "jane@example.com"
    }))
}

fn base_expectations() -> Expectations {
    let mut e = Expectations::new(ISS, CLIENT, NOW);
    e.nonce = Some(NONCE.into());
    e
}

fn obj(v: Value) -> Obj {
    match v {
        Value::Object(o) => o,
        _ => unreachable!(),
    }
}

fn b64(bytes: &[u8]) -> String {
    base64url::encode(bytes)
}

/// Fake signature bytes chosen so their base64url contains both `-` and `_`.
const FAKE_SIG: [u8; 6] = [0xfb, 0xff, 0xbf, 0xfb, 0xff, 0xbf];

fn build(header: &Obj, claims: &Obj) -> String {
    raw_token(&Value::Object(header.clone()).to_string(), &Value::Object(claims.clone()).to_string())
}

fn raw_token(header: &str, payload: &str) -> String {
    [b64(header.as_bytes()), b64(payload.as_bytes()), b64(&FAKE_SIG)].join(".")
}

/// The left half of SHA-256 of the access token, base64url: OIDC Core §3.1.3.6 spelled out.
fn at_hash_256(token: &str) -> String {
    b64(&Sha256::digest(token.as_bytes())[..16])
}

/// Pad every part to a multiple of four with `=`, as standard base64 would.
fn pad(t: String) -> String {
    t.split('.').map(|p| format!("{p}{}", "=".repeat((4 - p.len() % 4) % 4))).collect::<Vec<_>>().join(".")
}

fn set(c: &mut Obj, k: &str, v: Value) {
    c.insert(k.into(), v);
}

#[rustfmt::skip] // one row per line reads as a table
fn cases() -> Vec<Case> {
    vec![
        Case { name: "baseline token is accepted", ..BASE },
        // --- iss (§3.1.3.7 #2)
        Case { name: "iss+1", claims: |c| set(c, "iss", json!("https://idp.example/1")), want: Err("invalid_issuer"), claim: Some("iss"), ..BASE },
        Case { name: "iss without trailing slash", claims: |c| set(c, "iss", json!("https://idp.example")), want: Err("invalid_issuer"), ..BASE },
        Case { name: "iss different case", claims: |c| set(c, "iss", json!("https://IDP.example/")), want: Err("invalid_issuer"), ..BASE },
        Case { name: "missing iss", claims: |c| { c.remove("iss"); }, want: Err("missing_claim"), claim: Some("iss"), ..BASE },
        Case { name: "iss as number", claims: |c| set(c, "iss", json!(1)), want: Err("invalid_claim"), claim: Some("iss"), ..BASE },
        // --- aud (#3) and azp (#4, #5)
        Case { name: "aud+1", claims: |c| set(c, "aud", json!("client-11")), want: Err("invalid_audience"), claim: Some("aud"), ..BASE },
        Case { name: "missing aud", claims: |c| { c.remove("aud"); }, want: Err("missing_claim"), claim: Some("aud"), ..BASE },
        Case { name: "aud empty array", claims: |c| set(c, "aud", json!([])), want: Err("missing_claim"), ..BASE },
        Case { name: "aud as array of one", claims: |c| set(c, "aud", json!([CLIENT])), ..BASE },
        Case { name: "aud as number", claims: |c| set(c, "aud", json!(5)), want: Err("invalid_claim"), claim: Some("aud"), ..BASE },
        Case { name: "aud array without client", claims: |c| set(c, "aud", json!(["a", "b"])), want: Err("invalid_audience"), ..BASE },
        // Extra audiences: rejected unless trusted (OIDC Core 3.1.3.7 #3), even with azp = client.
        Case { name: "two audiences, the other untrusted, azp = client", claims: |c| { set(c, "aud", json!([CLIENT, "api"])); set(c, "azp", json!(CLIENT)); }, want: Err("invalid_audience"), claim: Some("aud"), ..BASE },
        Case { name: "two audiences, the other trusted, no azp", claims: |c| set(c, "aud", json!([CLIENT, "api"])), expect: |e| e.trusted_audiences = vec!["api".into()], want: Err("invalid_authorized_party"), claim: Some("azp"), ..BASE },
        Case { name: "two audiences, the other trusted, azp = client", claims: |c| { set(c, "aud", json!([CLIENT, "api"])); set(c, "azp", json!(CLIENT)); }, expect: |e| e.trusted_audiences = vec!["api".into()], ..BASE },
        Case { name: "two audiences, the other trusted, azp = other", claims: |c| { set(c, "aud", json!([CLIENT, "api"])); set(c, "azp", json!("api")); }, expect: |e| e.trusted_audiences = vec!["api".into()], want: Err("invalid_authorized_party"), ..BASE },
        Case { name: "three audiences, one untrusted", claims: |c| { set(c, "aud", json!([CLIENT, "api", "evil"])); set(c, "azp", json!(CLIENT)); }, expect: |e| e.trusted_audiences = vec!["api".into()], want: Err("invalid_audience"), ..BASE },
        Case { name: "azp wrong with one audience", claims: |c| set(c, "azp", json!("client-2")), want: Err("invalid_authorized_party"), claim: Some("azp"), ..BASE },
        Case { name: "azp = client with one audience", claims: |c| set(c, "azp", json!(CLIENT)), ..BASE },
        // --- alg (#6, #7; RFC 8725 §3.1)
        Case { name: "alg none", header: |h| set(h, "alg", json!("none")), want: Err("unsupported_algorithm"), claim: Some("alg"), ..BASE },
        Case { name: "alg None", header: |h| set(h, "alg", json!("None")), want: Err("unsupported_algorithm"), ..BASE },
        Case { name: "alg NONE", header: |h| set(h, "alg", json!("NONE")), want: Err("unsupported_algorithm"), ..BASE },
        Case { name: "alg nOnE, empty signature", header: |h| set(h, "alg", json!("nOnE")), token: |t| format!("{}.", t.rsplit_once('.').unwrap().0), want: Err("unsupported_algorithm"), ..BASE },
        Case { name: "alg HS256", header: |h| set(h, "alg", json!("HS256")), want: Err("unsupported_algorithm"), ..BASE },
        Case { name: "alg HS512", header: |h| set(h, "alg", json!("HS512")), want: Err("unsupported_algorithm"), ..BASE },
        Case { name: "alg rs256 (wrong case)", header: |h| set(h, "alg", json!("rs256")), want: Err("unsupported_algorithm"), ..BASE },
        Case { name: "alg RS512 not on default list", header: |h| set(h, "alg", json!("RS512")), want: Err("unsupported_algorithm"), ..BASE },
        Case { name: "alg RS512 when allowed", header: |h| set(h, "alg", json!("RS512")), expect: |e| e.algorithms.push(Algorithm::RS512), ..BASE },
        Case { name: "alg ES256 (default list)", header: |h| set(h, "alg", json!("ES256")), ..BASE },
        Case { name: "alg PS256 (default list)", header: |h| set(h, "alg", json!("PS256")), ..BASE },
        Case { name: "alg ES256 when only RS256 allowed", header: |h| set(h, "alg", json!("ES256")), expect: |e| e.algorithms = vec![Algorithm::RS256], want: Err("unsupported_algorithm"), ..BASE },
        Case { name: "alg missing", header: |h| { h.remove("alg"); }, want: Err("malformed_token"), claim: Some("alg"), ..BASE },
        Case { name: "alg as number", header: |h| set(h, "alg", json!(256)), want: Err("malformed_token"), ..BASE },
        // --- crit (RFC 7515 §4.1.11) and ignored key headers (RFC 8725 §3.10)
        Case { name: "unknown crit", header: |h| { set(h, "crit", json!(["urn:x:ext"])); set(h, "urn:x:ext", json!(1)); }, want: Err("unsupported_critical_header"), claim: Some("urn:x:ext"), ..BASE },
        Case { name: "crit b64 (RFC 7797)", header: |h| { set(h, "crit", json!(["b64"])); set(h, "b64", json!(false)); }, want: Err("unsupported_critical_header"), ..BASE },
        Case { name: "crit empty array", header: |h| set(h, "crit", json!([])), want: Err("malformed_token"), ..BASE },
        Case { name: "crit not an array", header: |h| set(h, "crit", json!("exp")), want: Err("malformed_token"), ..BASE },
        Case { name: "jku, x5u and jwk headers are ignored", header: |h| { set(h, "jku", json!("https://evil.example/jwks")); set(h, "x5u", json!("https://evil.example/c")); set(h, "jwk", json!({"kty": "oct", "k": "AA"})); }, ..BASE },
        Case { name: "no kid, no typ", header: |h| { h.remove("kid"); h.remove("typ"); }, ..BASE },
        // A step-up for the signed-in user: another sub is user_mismatch, before the step-up claims are looked at.
        Case { name: "subject expected and equal", expect: |e| e.subject = Some("248289761001".into()), ..BASE },
        Case { name: "subject expected, another sub", expect: |e| e.subject = Some("someone-else".into()), want: Err("user_mismatch"), claim: Some("sub"), ..BASE },
        Case { name: "subject expected, another sub and a wrong acr", expect: |e| { e.subject = Some("someone-else".into()); e.acr_values = Some(vec!["urn:other".into()]); }, want: Err("user_mismatch"), ..BASE },
        // RFC 8725 3.11: a typ other than JWT is another kind of token.
        Case { name: "typ jwt (any case)", header: |h| set(h, "typ", json!("jwt")), ..BASE },
        Case { name: "typ at+jwt (an access token)", header: |h| set(h, "typ", json!("at+jwt")), want: Err("invalid_claim"), claim: Some("typ"), ..BASE },
        Case { name: "typ logout+jwt", header: |h| set(h, "typ", json!("logout+jwt")), want: Err("invalid_claim"), claim: Some("typ"), ..BASE },
        // --- exp (#9)
        Case { name: "missing exp", claims: |c| { c.remove("exp"); }, want: Err("missing_claim"), claim: Some("exp"), ..BASE },
        Case { name: "past exp", claims: |c| set(c, "exp", json!(NOW - 3600)), want: Err("token_expired"), claim: Some("exp"), ..BASE },
        Case { name: "exp = now - leeway (expired)", claims: |c| set(c, "exp", json!(NOW - LEEWAY)), want: Err("token_expired"), ..BASE },
        Case { name: "exp = now - leeway + 1 (valid)", claims: |c| set(c, "exp", json!(NOW - LEEWAY + 1)), ..BASE },
        Case { name: "leeway 0: exp = now (expired)", claims: |c| set(c, "exp", json!(NOW)), expect: |e| e.leeway = 0, want: Err("token_expired"), ..BASE },
        Case { name: "leeway 0: exp = now + 1 (valid)", claims: |c| set(c, "exp", json!(NOW + 1)), expect: |e| e.leeway = 0, ..BASE },
        Case { name: "leeway 0: exp = now - 1 (expired)", claims: |c| set(c, "exp", json!(NOW - 1)), expect: |e| e.leeway = 0, want: Err("token_expired"), ..BASE },
        Case { name: "exp as a string", claims: |c| set(c, "exp", json!((NOW + 300).to_string())), want: Err("invalid_claim"), claim: Some("exp"), ..BASE },
        Case { name: "exp null", claims: |c| set(c, "exp", Value::Null), want: Err("invalid_claim"), claim: Some("exp"), ..BASE },
        Case { name: "exp negative", claims: |c| set(c, "exp", json!(-1)), want: Err("invalid_claim"), ..BASE },
        Case { name: "exp fractional is floored", claims: |c| set(c, "exp", json!(NOW as f64 + 0.5)), expect: |e| e.leeway = 0, want: Err("token_expired"), ..BASE },
        Case { name: "exp fractional accepted", claims: |c| set(c, "exp", json!(NOW as f64 + 1.5)), expect: |e| e.leeway = 0, ..BASE },
        // --- iat (#10)
        Case { name: "missing iat", claims: |c| { c.remove("iat"); }, want: Err("missing_claim"), claim: Some("iat"), ..BASE },
        Case { name: "iat = now + leeway (valid)", claims: |c| set(c, "iat", json!(NOW + LEEWAY)), ..BASE },
        Case { name: "iat = now + leeway + 1", claims: |c| set(c, "iat", json!(NOW + LEEWAY + 1)), want: Err("invalid_issued_at"), claim: Some("iat"), ..BASE },
        Case { name: "leeway 0: iat = now + 1", claims: |c| set(c, "iat", json!(NOW + 1)), expect: |e| e.leeway = 0, want: Err("invalid_issued_at"), ..BASE },
        Case { name: "leeway 0: iat = now", claims: |c| set(c, "iat", json!(NOW)), expect: |e| e.leeway = 0, ..BASE },
        Case { name: "iat as a string", claims: |c| set(c, "iat", json!("1")), want: Err("invalid_claim"), claim: Some("iat"), ..BASE },
        // --- nbf (RFC 7519 §4.1.5)
        Case { name: "nbf in the future", claims: |c| set(c, "nbf", json!(NOW + 3600)), want: Err("token_not_yet_valid"), claim: Some("nbf"), ..BASE },
        Case { name: "nbf = now + leeway + 1", claims: |c| set(c, "nbf", json!(NOW + LEEWAY + 1)), want: Err("token_not_yet_valid"), ..BASE },
        Case { name: "nbf = now + leeway (valid)", claims: |c| set(c, "nbf", json!(NOW + LEEWAY)), ..BASE },
        Case { name: "leeway 0: nbf = now + 1", claims: |c| set(c, "nbf", json!(NOW + 1)), expect: |e| e.leeway = 0, want: Err("token_not_yet_valid"), ..BASE },
        Case { name: "nbf in the past", claims: |c| set(c, "nbf", json!(NOW - 10)), ..BASE },
        // --- sub (§2)
        Case { name: "missing sub", claims: |c| { c.remove("sub"); }, want: Err("missing_claim"), claim: Some("sub"), ..BASE },
        Case { name: "sub of 256 characters", claims: |c| set(c, "sub", json!("s".repeat(256))), want: Err("invalid_claim"), claim: Some("sub"), ..BASE },
        Case { name: "sub of 255 characters", claims: |c| set(c, "sub", json!("s".repeat(255))), ..BASE },
        Case { name: "sub empty", claims: |c| set(c, "sub", json!("")), want: Err("invalid_claim"), ..BASE },
        Case { name: "sub as number", claims: |c| set(c, "sub", json!(248289761001_u64)), want: Err("invalid_claim"), ..BASE },
        // --- nonce (#11)
        Case { name: "nonce+1", claims: |c| set(c, "nonce", json!(format!("{NONCE}1"))), want: Err("nonce_mismatch"), claim: Some("nonce"), ..BASE },
        Case { name: "nonce missing while expected", claims: |c| { c.remove("nonce"); }, want: Err("nonce_mismatch"), ..BASE },
        Case { name: "nonce as number", claims: |c| set(c, "nonce", json!(1)), want: Err("invalid_claim"), claim: Some("nonce"), ..BASE },
        Case { name: "nonce present, none expected", expect: |e| e.nonce = None, ..BASE },
        Case { name: "no nonce, none expected", claims: |c| { c.remove("nonce"); }, expect: |e| e.nonce = None, ..BASE },
        // --- acr (#12, §5.5.1.1)
        Case { name: "acr not among acr_values", claims: |c| set(c, "acr", json!("urn:loa:1")), expect: |e| e.acr_values = Some(vec![MFA.into()]), want: Err("acr_not_satisfied"), claim: Some("acr"), ..BASE },
        Case { name: "acr missing with acr_values", claims: |c| { c.remove("acr"); }, expect: |e| e.acr_values = Some(vec![MFA.into()]), want: Err("acr_not_satisfied"), ..BASE },
        Case { name: "acr among acr_values", expect: |e| e.acr_values = Some(vec!["urn:loa:3".into(), MFA.into()]), ..BASE },
        Case { name: "acr weaker but none requested", claims: |c| set(c, "acr", json!("0")), ..BASE },
        Case { name: "acr as array", claims: |c| set(c, "acr", json!([MFA])), want: Err("invalid_claim"), claim: Some("acr"), ..BASE },
        // The policy is the judge (OIDC Core 5.5.1.1: acr_values is voluntary, a provider may omit acr): acr_values
        // derived from an mfa / amr policy are a hint; an acr the caller asked for binds.
        Case { name: "acr absent, policy mfa met by amr (pwd + otp)", claims: |c| { c.remove("acr"); }, policy: Some(mfa_policy), ..BASE },
        Case { name: "acr absent, policy amr allOf otp met by amr", claims: |c| { c.remove("acr"); }, policy: Some(|| StepUpPolicy { amr: Some(AmrPolicy { all_of: vec!["otp".into()], ..Default::default() }), ..Default::default() }), ..BASE },
        Case { name: "acr absent, policy mfa, amr pwd only", claims: |c| { c.remove("acr"); set(c, "amr", json!(["pwd"])); }, policy: Some(mfa_policy), want: Err("amr_not_satisfied"), claim: Some("amr"), ..BASE },
        Case { name: "acr absent, caller asked acr (policy acr), amr meets mfa", claims: |c| { c.remove("acr"); }, policy: Some(|| StepUpPolicy { acr: Some(vec![MFA.into()]), ..Default::default() }), want: Err("acr_not_satisfied"), claim: Some("acr"), ..BASE },
        Case { name: "acr absent, caller asked acr (acrValues), amr meets mfa", claims: |c| { c.remove("acr"); }, expect: |e| e.acr_values = Some(vec![MFA.into()]), want: Err("acr_not_satisfied"), claim: Some("acr"), ..BASE },
        Case { name: "acr weaker, policy mfa met by amr", claims: |c| set(c, "acr", json!("urn:loa:1")), policy: Some(mfa_policy), ..BASE },
        // Ordered levels (acrLevels): a level at or above the one asked satisfies it; without levels, exact.
        Case { name: "levels: asked loa-3, got loa-4", claims: |c| set(c, "acr", json!("loa-4")), expect: |e| { e.acr_values = Some(vec!["loa-3".into()]); e.acr_levels = levels(); }, ..BASE },
        Case { name: "levels: asked loa-3, got loa-2", claims: |c| set(c, "acr", json!("loa-2")), expect: |e| { e.acr_values = Some(vec!["loa-3".into()]); e.acr_levels = levels(); }, want: Err("acr_not_satisfied"), claim: Some("acr"), ..BASE },
        Case { name: "no levels: asked loa-3, got loa-4", claims: |c| set(c, "acr", json!("loa-4")), expect: |e| e.acr_values = Some(vec!["loa-3".into()]), want: Err("acr_not_satisfied"), ..BASE },
        Case { name: "levels: asked loa-3, got a value that is no level", claims: |c| set(c, "acr", json!("gold")), expect: |e| { e.acr_values = Some(vec!["loa-3".into()]); e.acr_levels = levels(); }, want: Err("acr_not_satisfied"), ..BASE },
        // --- auth_time and max_age (#13)
        Case { name: "max_age sent, auth_time missing", claims: |c| { c.remove("auth_time"); }, expect: |e| e.max_age = Some(300), want: Err("missing_claim"), claim: Some("auth_time"), ..BASE },
        Case { name: "max_age sent, auth_time too old", claims: |c| set(c, "auth_time", json!(NOW - 3600)), expect: |e| e.max_age = Some(300), want: Err("auth_time_too_old"), claim: Some("auth_time"), ..BASE },
        // max_age counts back from the request, in the provider's clock (its iat, NOW - 10, at receipt), with
        // MAX_AGE_LATENCY (5 s) for the trip and whole seconds; the leeway never widens it.
        Case { name: "max_age: auth_time = iat - max_age - 5 - 1", claims: |c| set(c, "auth_time", json!(NOW - 10 - 300 - 6)), expect: |e| e.max_age = Some(300), want: Err("auth_time_too_old"), claim: Some("auth_time"), ..BASE },
        Case { name: "max_age: auth_time = iat - max_age - 5", claims: |c| set(c, "auth_time", json!(NOW - 10 - 300 - 5)), expect: |e| e.max_age = Some(300), ..BASE },
        Case { name: "max_age: the leeway does not widen it (age = max_age + leeway)", claims: |c| set(c, "auth_time", json!(NOW - 10 - 300 - LEEWAY)), expect: |e| e.max_age = Some(300), want: Err("auth_time_too_old"), ..BASE },
        Case { name: "max_age 0, auth_time = iat", claims: |c| set(c, "auth_time", json!(NOW - 10)), expect: |e| { e.max_age = Some(0); e.leeway = 0; }, ..BASE },
        Case { name: "max_age 0, auth_time 59 s before iat", claims: |c| set(c, "auth_time", json!(NOW - 10 - 59)), expect: |e| e.max_age = Some(0), want: Err("auth_time_too_old"), ..BASE },
        Case { name: "max_age 0, request sent 120 s ago: a login after it", claims: |c| set(c, "auth_time", json!(NOW - 10 - 120 - 5)), expect: |e| { e.max_age = Some(0); e.sent_at = Some(NOW - 120); }, ..BASE },
        Case { name: "max_age 0, request sent 120 s ago: a login before it", claims: |c| set(c, "auth_time", json!(NOW - 10 - 120 - 6)), expect: |e| { e.max_age = Some(0); e.sent_at = Some(NOW - 120); }, want: Err("auth_time_too_old"), ..BASE },
        Case { name: "auth_time in the future", claims: |c| set(c, "auth_time", json!(NOW + LEEWAY + 1)), expect: |e| e.max_age = Some(300), want: Err("invalid_claim"), claim: Some("auth_time"), ..BASE },
        Case { name: "auth_time in the future, no max_age", claims: |c| set(c, "auth_time", json!(NOW + 3600)), want: Err("invalid_claim"), ..BASE },
        Case { name: "auth_time = now + leeway", claims: |c| set(c, "auth_time", json!(NOW + LEEWAY)), expect: |e| e.max_age = Some(300), ..BASE },
        Case { name: "auth_time as a string", claims: |c| set(c, "auth_time", json!("1700000000")), want: Err("invalid_claim"), claim: Some("auth_time"), ..BASE },
        Case { name: "no max_age, old auth_time", claims: |c| set(c, "auth_time", json!(NOW - 86400 * 30)), ..BASE },
        Case { name: "no max_age, no auth_time", claims: |c| { c.remove("auth_time"); }, ..BASE },
        // auth_time 0: a provider that cannot tell. Reported as is, never fresh for any max_age.
        Case { name: "auth_time 0, no max_age", claims: |c| set(c, "auth_time", json!(0)), ..BASE },
        Case { name: "auth_time 0, max_age of 100 years", claims: |c| set(c, "auth_time", json!(0)), expect: |e| e.max_age = Some(100 * 365 * 86400), want: Err("auth_time_too_old"), claim: Some("auth_time"), ..BASE },
        Case { name: "auth_time 0, policy maxAge of 100 years", claims: |c| set(c, "auth_time", json!(0)), policy: Some(|| StepUpPolicy { max_age: Some(100 * 365 * 86400), ..Default::default() }), want: Err("auth_time_too_old"), claim: Some("auth_time"), ..BASE },
        // --- amr type (the amr policy itself is policy.rs)
        Case { name: "amr as a string", claims: |c| set(c, "amr", json!("mfa")), want: Err("invalid_claim"), claim: Some("amr"), ..BASE },
        Case { name: "amr with a number", claims: |c| set(c, "amr", json!(["pwd", 2])), want: Err("invalid_claim"), ..BASE },
        // --- at_hash (§3.1.3.6, §3.2.2.9)
        Case { name: "at_hash match", claims: |c| set(c, "at_hash", json!(at_hash_256(ACCESS_TOKEN))), expect: |e| e.access_token = Some(ACCESS_TOKEN.into()), ..BASE },
        Case { name: "at_hash mismatch", claims: |c| set(c, "at_hash", json!(at_hash_256("another-token"))), expect: |e| e.access_token = Some(ACCESS_TOKEN.into()), want: Err("at_hash_mismatch"), claim: Some("at_hash"), ..BASE },
        Case { name: "at_hash OIDC example value", claims: |c| set(c, "at_hash", json!("77QmUPtjPfzWtF2AnpK9RQ")), expect: |e| e.access_token = Some(ACCESS_TOKEN.into()), ..BASE },
        Case { name: "at_hash with SHA-384 for ES384", header: |h| set(h, "alg", json!("ES384")), claims: |c| set(c, "at_hash", json!(b64(&Sha384::digest(ACCESS_TOKEN.as_bytes())[..24]))), expect: |e| { e.algorithms = vec![Algorithm::ES384]; e.access_token = Some(ACCESS_TOKEN.into()); }, ..BASE },
        Case { name: "at_hash with SHA-256 under RS384", header: |h| set(h, "alg", json!("RS384")), claims: |c| set(c, "at_hash", json!(at_hash_256(ACCESS_TOKEN))), expect: |e| { e.algorithms = vec![Algorithm::RS384]; e.access_token = Some(ACCESS_TOKEN.into()); }, want: Err("at_hash_mismatch"), ..BASE },
        Case { name: "at_hash present, no access token held", claims: |c| set(c, "at_hash", json!("AAAA")), ..BASE },
        Case { name: "at_hash as number", claims: |c| set(c, "at_hash", json!(1)), want: Err("invalid_claim"), ..BASE },
        // --- compact serialization (RFC 7515 §7.1, RFC 8725 §3.11)
        Case { name: "padded base64url", token: pad, want: Err("malformed_token"), ..BASE },
        Case { name: "'+' in a part", token: |t| t.replace('-', "+"), want: Err("malformed_token"), ..BASE },
        Case { name: "'/' in a part", token: |t| t.replace('_', "/"), want: Err("malformed_token"), ..BASE },
        Case { name: "whitespace in a part", token: |t| t.replacen('.', ".\n", 1), want: Err("malformed_token"), ..BASE },
        Case { name: "2 parts", token: |t| t.rsplit_once('.').unwrap().0.to_owned(), want: Err("malformed_token"), ..BASE },
        Case { name: "4 parts", token: |t| format!("{t}.AAAA"), want: Err("malformed_token"), ..BASE },
        Case { name: "5 parts (JWE)", token: |t| format!("{t}.AAAA.AAAA"), want: Err("malformed_token"), ..BASE },
        Case { name: "empty token", token: |_| String::new(), want: Err("malformed_token"), ..BASE },
        Case { name: "non-canonical trailing bits", token: |t| format!("{t}hh"), want: Err("malformed_token"), ..BASE },
        Case { name: "over MAX_TOKEN_LEN", claims: |c| set(c, "pad", json!("x".repeat(stepup::core::jwt::MAX_TOKEN_LEN))), want: Err("malformed_token"), ..BASE },
        Case { name: "payload is an array", token: |_| raw_token(r#"{"alg":"RS256"}"#, "[]"), want: Err("malformed_token"), ..BASE },
        Case { name: "payload is not JSON", token: |_| raw_token(r#"{"alg":"RS256"}"#, "{iss:1}"), want: Err("malformed_token"), ..BASE },
        Case { name: "header is not UTF-8", token: |t| format!("{}{}", b64(&[0xff, 0xfe]), &t[t.find('.').unwrap()..]), want: Err("malformed_token"), ..BASE },
        Case { name: "duplicate claim (second iss)", token: |_| raw_token(r#"{"alg":"RS256"}"#, &format!(r#"{{"iss":"{ISS}","iss":"https://evil/"}}"#)), want: Err("malformed_token"), ..BASE },
        Case { name: "duplicate header member (second alg)", token: |t| format!("{}{}", b64(br#"{"alg":"RS256","alg":"none"}"#), &t[t.find('.').unwrap()..]), want: Err("malformed_token"), ..BASE },
    ]
}

fn run(case: &Case) -> Result<(), stepup::Error> {
    let mut header = base_header();
    (case.header)(&mut header);
    let mut claims = base_claims();
    (case.claims)(&mut claims);
    let token = (case.token)(build(&header, &claims));
    let mut exp = base_expectations();
    (case.expect)(&mut exp);
    let Some(policy) = case.policy.map(|f| f()) else {
        return validate(&token, &exp).map(|_| ());
    };
    // What the client does: ask for what the policy needs, bind acr only when the caller asked for it,
    // validate, then judge the new authentication by the policy.
    let ask = evaluate(&AuthContext::default(), &policy, NOW, MFA, LEEWAY as u64);
    exp.acr_values = ask.acr_values.filter(|_| acr_binds(Some(&policy)));
    exp.max_age = ask.max_age;
    let jwt = validate(&token, &exp)?;
    match evaluate(&AuthContext::from(&*jwt.claims), &policy, NOW, MFA, LEEWAY as u64).to_error() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn levels() -> Vec<String> {
    ["loa-1", "loa-2", "loa-3", "loa-4"].map(String::from).to_vec()
}

#[test]
fn conformance_table() {
    let cases = cases();
    let mut failures = Vec::new();
    for case in &cases {
        let got = run(case);
        let code = got.as_ref().map(|_| ()).map_err(|e| e.code());
        let claim_ok = match (&got, case.claim) {
            (Err(e), Some(c)) => e.claim.as_deref() == Some(c),
            _ => true,
        };
        if code != case.want || !claim_ok {
            failures.push(format!("{}: want {:?} (claim {:?}), got {:?}", case.name, case.want, case.claim, got));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
    // Every rejecting rule above has an accepting neighbour; make sure the table keeps both kinds.
    assert!(cases.iter().filter(|c| c.want.is_ok()).count() >= 30);
    assert!(cases.iter().filter(|c| c.want.is_err()).count() >= 60);
}

#[test]
fn names_are_unique() {
    let cases = cases();
    let mut names: Vec<_> = cases.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), cases.len());
}

#[test]
fn step_up_errors_say_what_to_ask_for() {
    let mut exp = base_expectations();
    exp.acr_values = Some(vec![MFA.into()]);
    exp.max_age = Some(300);
    let mut claims = base_claims();
    set(&mut claims, "acr", json!("urn:loa:1"));
    let err = validate(&build(&base_header(), &claims), &exp).unwrap_err();
    assert_eq!(err.kind(), ErrorCode::AcrNotSatisfied);
    assert_eq!((err.acr_values.clone(), err.max_age), (Some(vec![MFA.to_owned()]), Some(300)));

    let mut claims = base_claims();
    set(&mut claims, "auth_time", json!(NOW - 1000));
    let err = validate(&build(&base_header(), &claims), &exp).unwrap_err();
    assert_eq!(err.kind(), ErrorCode::AuthTimeTooOld);
    assert_eq!((err.acr_values.clone(), err.max_age), (Some(vec![MFA.to_owned()]), Some(300)));
}

#[test]
fn validate_returns_the_decoded_token() {
    let token = build(&base_header(), &base_claims());
    let jwt = validate(&token, &base_expectations()).unwrap();
    assert_eq!(jwt.claims.sub.as_deref(), Some("248289761001"));
    assert_eq!(jwt.claims.amr, ["pwd", "otp"]);
    assert_eq!(jwt.claims.extra.get("email").and_then(json::Json::as_str), Some("jane@example.com"));
    assert_eq!(jwt.signature, FAKE_SIG);
    assert_eq!(format!("{}.{}", jwt.signing_input, b64(&FAKE_SIG)), token);
    assert_eq!(check_header(&jwt.header, &base_expectations()).unwrap(), Algorithm::RS256);
}

#[test]
fn key_selection_follows_kid_and_refuses_type_confusion() {
    let n = b64(&[0xc1; 256]);
    let jwks_text = json!({"keys": [
        {"kty": "RSA", "kid": "k1", "use": "sig", "n": n, "e": "AQAB"},
        {"kty": "RSA", "kid": "k2", "alg": "PS256", "n": n, "e": "AQAB"},
        {"kty": "EC", "kid": "k3", "crv": "P-256", "x": b64(&[1; 32]), "y": b64(&[2; 32])},
        {"kty": "RSA", "kid": "enc", "use": "enc", "n": n, "e": "AQAB"},
    ]})
    .to_string();
    let jwks = Jwks::from_json(&json::parse(&jwks_text, ErrorCode::KeyNotFound).unwrap()).unwrap();
    assert_eq!(jwks.keys.len(), 3);
    let jwt = validate(&build(&base_header(), &base_claims()), &base_expectations()).unwrap();
    assert_eq!(select_key(&jwks, &jwt.header, Algorithm::RS256).unwrap().kid.as_deref(), Some("k1"));

    let mut header = jwt.header.clone();
    header.kid = Some("k2".into());
    assert_eq!(select_key(&jwks, &header, Algorithm::RS256).unwrap_err().code(), "key_not_found");
    assert_eq!(select_key(&jwks, &header, Algorithm::PS256).unwrap().kid.as_deref(), Some("k2"));
    header.kid = Some("k3".into());
    assert_eq!(select_key(&jwks, &header, Algorithm::RS256).unwrap_err().code(), "key_not_found");
    header.kid = Some("rotated".into());
    assert_eq!(select_key(&jwks, &header, Algorithm::RS256).unwrap_err().code(), "key_not_found");
    header.kid = Some("enc".into());
    assert_eq!(select_key(&jwks, &header, Algorithm::RS256).unwrap_err().code(), "key_not_found");
    header.kid = None;
    assert_eq!(select_key(&jwks, &header, Algorithm::ES256).unwrap().kid.as_deref(), Some("k3"));
}

#[test]
fn the_padding_row_really_pads() {
    let token = build(&base_header(), &base_claims());
    let padded = pad(token.clone());
    assert_ne!(padded, token);
    assert_eq!(padded.replace('=', ""), token);
}
