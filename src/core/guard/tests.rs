#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::core::base64url;
use crate::core::challenge::{parse_step_up_challenge, parse_www_authenticate};
use crate::core::error::ErrorCode;
use crate::core::json::parse;
use crate::core::policy::{AmrPolicy, StepUpPolicy, DEFAULT_STEP_UP_ACR};

const ISS: &str = "https://idp.example";
const AUD: &str = "https://api.example";
const NOW: i64 = 1_700_000_000;
const URL: &str = "https://api.example/transfer?x=1";
// RFC 7515 Appendix A.3's P-256 key and its RFC 7638 thumbprint (as in core::dpop's tests).
const X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
const Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
const JKT: &str = "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U";

fn json(s: &str) -> Json {
    parse(s, ErrorCode::InvalidConfig).unwrap()
}

fn config() -> GuardConfig {
    GuardConfig::new(ISS, AUD)
}

fn jws(header: &str, claims: &str, sig: &[u8]) -> String {
    [base64url::encode(header.as_bytes()), base64url::encode(claims.as_bytes()), base64url::encode(sig)].join(".")
}

fn claims_with(extra: &str) -> String {
    let base = format!(r#""iss":"{ISS}","aud":"{AUD}","sub":"u1","iat":{},"exp":{}"#, NOW - 10, NOW + 300);
    if extra.is_empty() {
        format!("{{{base}}}")
    } else {
        format!("{{{base},{extra}}}")
    }
}

fn token(extra: &str) -> String {
    jws(r#"{"alg":"RS256","typ":"at+jwt","kid":"k1"}"#, &claims_with(extra), b"sig")
}

fn bound_token(extra: &str) -> String {
    let cnf = format!(r#""cnf":{{"jkt":"{JKT}"}}"#);
    token(&if extra.is_empty() { cnf } else { format!("{cnf},{extra}") })
}

fn proof_header() -> String {
    format!(r#"{{"typ":"dpop+jwt","alg":"ES256","jwk":{{"kty":"EC","crv":"P-256","x":"{X}","y":"{Y}"}}}}"#)
}

fn proof_claims(token: &str) -> String {
    format!(r#"{{"jti":"j-1","htm":"POST","htu":"https://api.example/transfer","iat":{NOW},"ath":"{}"}}"#, dpop::ath(token))
}

#[test]
fn the_proofs_nonce_is_handed_to_the_driver() {
    let t = bound_token("");
    let claims = proof_claims(&t).replace(r#""jti""#, r#""nonce":"n-1","jti""#);
    let ok = pass_dpop(&config(), &t, &proof(&proof_header(), &claims), ok_verified(), NOW).unwrap();
    assert_eq!(ok.dpop_nonce.as_deref(), Some("n-1"));
}

fn proof(header: &str, claims: &str) -> String {
    jws(header, claims, &[1; 64])
}

use crate::core::dpop;

fn req<'a>(authorization: Option<&'a str>, dpop: Option<&'a str>) -> GuardRequest<'a> {
    GuardRequest { method: "POST", url: URL, authorization, dpop }
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn rejected(config: &GuardConfig, r: &GuardRequest<'_>) -> Rejection {
    begin(config, r).unwrap_err()
}

/// Every challenge the guard writes must follow RFC 9110's grammar (the client's parser reads it).
fn parses(r: &Rejection) -> Vec<crate::core::challenge::Challenge> {
    let h = r.www_authenticate.as_deref().expect("a challenge");
    parse_www_authenticate(h).unwrap_or_else(|| panic!("unparseable challenge {h}"))
}

fn ok_verified() -> Verified {
    Verified { token: true, proof: true }
}

fn pass(config: &GuardConfig, token: &str, policy: &GuardPolicy) -> Result<ApiAuth, Rejection> {
    let auth = bearer(token);
    let pending = begin(config, &req(Some(&auth), None))?;
    finish(config, pending, ok_verified(), policy, NOW)
}

fn pass_dpop(config: &GuardConfig, token: &str, proof: &str, verified: Verified, now: i64) -> Result<ApiAuth, Rejection> {
    let auth = format!("DPoP {token}");
    let pending = begin(config, &req(Some(&auth), Some(proof)))?;
    finish(config, pending, verified, &GuardPolicy::default(), now)
}

// ---- configuration and policy ----

#[test]
fn config_reads_the_contract_and_keeps_its_defaults() {
    let c = GuardConfig::from_json(&json(&format!(r#"{{"issuer":"{ISS}","audience":"{AUD}","jwksUri":"https://x/"}}"#))).unwrap();
    assert_eq!(c, config());
    assert_eq!((c.leeway, c.dpop, c.dpop_iat_window, c.plain_jwt), (60, DpopMode::Allowed, 60, false));
    assert_eq!(c.step_up_acr, DEFAULT_STEP_UP_ACR);
    let c = GuardConfig::from_json(&json(
        r#"{"issuer":"i","audience":["a","b"],"algorithms":["ES256"],"leeway":0,"acrLevels":["l1","l2"],
            "amrAliases":{"totp":"otp"},"stepUpAcr":"l2","claimNames":{"acr":"https://n/acr","authTime":"https://n/at"},
            "dpop":"required","dpopAlgorithms":["EdDSA"],"dpopIatWindow":30,"plainJwt":true}"#,
    ))
    .unwrap();
    assert_eq!(c.audiences, ["a", "b"]);
    assert_eq!((c.algorithms.clone(), c.leeway, c.step_up_acr.as_str()), (vec![Algorithm::ES256], 0, "l2"));
    assert_eq!(c.amr_aliases, [("totp".to_string(), "otp".to_string())]);
    assert_eq!((c.claim_names.acr.as_str(), c.claim_names.amr.as_str(), c.claim_names.auth_time.as_str()), ("https://n/acr", "amr", "https://n/at"));
    assert_eq!((c.dpop, c.dpop_algorithms.clone(), c.dpop_iat_window, c.plain_jwt), (DpopMode::Required, vec![Algorithm::EdDSA], 30, true));
    assert_eq!(GuardConfig::from_json(&json(r#"{"issuer":"i","audience":"a","dpop":"off"}"#)).unwrap().dpop, DpopMode::Off);
}

#[test]
fn bad_config_is_an_error_naming_the_member() {
    let cases = [
        (r#"{"audience":"a"}"#, "invalid_config", "issuer"),
        (r#"{"issuer":"","audience":"a"}"#, "invalid_config", "issuer"),
        (r#"{"issuer":"i"}"#, "invalid_config", "audience"),
        (r#"{"issuer":"i","audience":""}"#, "invalid_config", "audience"),
        (r#"{"issuer":"i","audience":[]}"#, "invalid_config", "audience"),
        (r#"{"issuer":"i","audience":["a",1]}"#, "invalid_config", "audience"),
        (r#"{"issuer":"i","audience":"a","dpop":"sometimes"}"#, "invalid_config", "dpop"),
        (r#"{"issuer":"i","audience":"a","leeway":-1}"#, "invalid_config", "leeway"),
        (r#"{"issuer":"i","audience":"a","claimNames":{"acr":""}}"#, "invalid_config", "claimNames"),
        (r#"{"issuer":"i","audience":"a","claimNames":{"amr":5}}"#, "invalid_config", "claimNames"),
        (r#"{"issuer":"i","audience":"a","amrAliases":{"x":1}}"#, "invalid_config", "amrAliases"),
        (r#"{"issuer":"i","audience":"a","algorithms":[]}"#, "invalid_config", "algorithms"),
        (r#"{"issuer":"i","audience":"a","algorithms":["none"]}"#, "unsupported_algorithm", "algorithms"),
        (r#"{"issuer":"i","audience":"a","dpopAlgorithms":["HS256"]}"#, "unsupported_algorithm", "algorithms"),
        (r#"{"issuer":"i","audience":"a","dpopIatWindow":"60"}"#, "invalid_config", "dpopIatWindow"),
        ("[]", "invalid_config", "options"),
    ];
    for (text, code, claim) in cases {
        let e = GuardConfig::from_json(&json(text)).unwrap_err();
        assert_eq!((e.code(), e.claim.as_deref()), (code, Some(claim)), "{text}");
    }
}

#[test]
fn policy_is_the_clients_plus_scope() {
    let p = GuardPolicy::from_json(Some(&json(r#"{"mfa":true,"maxAge":300,"acr":["a"],"amr":{"anyOf":["hwk"]},"scope":"read write"}"#))).unwrap();
    assert_eq!(p.step_up, StepUpPolicy { acr: Some(vec!["a".into()]), amr: Some(AmrPolicy { any_of: vec!["hwk".into()], all_of: Vec::new() }), mfa: true, max_age: Some(300) });
    assert_eq!(p.scope.as_deref(), Some("read write"));
    assert_eq!(GuardPolicy::from_json(None).unwrap(), GuardPolicy::default());
    assert_eq!(GuardPolicy::from_json(Some(&json(r#"{"scope":"  "}"#))).unwrap().scope, None);
    for bad in [r#"{"scope":1}"#, r#"{"maxAge":"5"}"#, r#"{"mfa":1}"#, "3"] {
        assert_eq!(GuardPolicy::from_json(Some(&json(bad))).unwrap_err().code(), "invalid_config", "{bad}");
    }
    assert_eq!(GuardPolicy::from(StepUpPolicy::preset("pci-dss").unwrap()).step_up.max_age, Some(900));
}

// ---- step 1: scheme, token, binding ----

#[test]
fn no_token_gets_a_bare_challenge_for_each_dpop_mode() {
    let mut c = config();
    for (mode, want) in [
        (DpopMode::Allowed, r#"Bearer, DPoP algs="ES256 PS256 RS256 EdDSA""#),
        (DpopMode::Required, r#"DPoP algs="ES256 PS256 RS256 EdDSA""#),
        (DpopMode::Off, "Bearer"),
    ] {
        c.dpop = mode;
        for authorization in [None, Some(""), Some("   "), Some("Basic dXNlcjpwYXNz"), Some("Bearerx abc")] {
            let r = rejected(&c, &req(authorization, None));
            assert_eq!((r.status, r.code, r.www_authenticate.as_deref()), (401, codes::MISSING_TOKEN, Some(want)), "{mode:?} {authorization:?}");
            let parsed = parses(&r);
            assert!(parsed.iter().all(|ch| ch.param("error").is_none()), "no error without credentials (RFC 6750 §3.1)");
            assert_eq!(parse_step_up_challenge(want), None);
        }
    }
}

#[test]
fn a_malformed_credential_is_invalid_request() {
    for h in ["Bearer", "Bearer ", "Bearer a b", "Bearer a,b", "Bearer ===", "Bearer é", "DPoP ="] {
        let r = rejected(&config(), &req(Some(h), None));
        assert_eq!((r.status, r.code), (400, codes::INVALID_REQUEST), "{h}");
        assert_eq!(parses(&r)[0].param("error"), Some("invalid_request"));
    }
    // The scheme is case-insensitive and extra spaces are allowed (RFC 9110 §11.1, RFC 6750 §2.1: 1*SP).
    let t = token("");
    for h in [format!("bearer {t}"), format!("BEARER   {t}"), format!(" Bearer {t} ")] {
        assert!(begin(&config(), &req(Some(&h), None)).is_ok(), "{h}");
    }
}

#[test]
fn scheme_must_fit_the_dpop_mode() {
    let t = token("");
    let b = bearer(&t);
    let d = format!("DPoP {t}");
    let mut c = config();
    c.dpop = DpopMode::Off;
    let r = rejected(&c, &req(Some(&d), Some("x.y.z")));
    assert_eq!((r.status, r.code), (401, codes::INVALID_TOKEN));
    assert!(r.www_authenticate.as_deref().unwrap().starts_with("Bearer error=\"invalid_token\""));
    // With DPoP off a DPoP header is not this API's business.
    assert!(begin(&c, &req(Some(&b), Some("x.y.z"))).is_ok());
    c.dpop = DpopMode::Required;
    let r = rejected(&c, &req(Some(&b), None));
    assert_eq!((r.status, r.code), (401, codes::INVALID_TOKEN));
    assert!(parses(&r)[0].is_scheme("dpop"));
    // Allowed: a proof beside a Bearer token is ambiguous.
    let r = rejected(&config(), &req(Some(&b), Some("x.y.z")));
    assert_eq!((r.status, r.code), (400, codes::INVALID_REQUEST));
}

#[test]
fn token_header_checks() {
    let claims = claims_with("");
    let cases = [
        (r#"{"alg":"none","typ":"at+jwt"}"#, "unsupported_algorithm"),
        (r#"{"alg":"HS256","typ":"at+jwt"}"#, "unsupported_algorithm"),
        (r#"{"alg":"PS384","typ":"at+jwt"}"#, "unsupported_algorithm"),
        (r#"{"alg":"RS256","typ":"at+jwt","crit":["b64"],"b64":false}"#, "unsupported_critical_header"),
        (r#"{"alg":"RS256"}"#, "invalid_claim"),
        (r#"{"alg":"RS256","typ":"JWT"}"#, "invalid_claim"),
        (r#"{"alg":"RS256","typ":"dpop+jwt"}"#, "invalid_claim"),
        (r#"{"alg":"RS256","typ":5}"#, "malformed_token"),
    ];
    for (header, code) in cases {
        let auth = bearer(&jws(header, &claims, b"s"));
        let r = rejected(&config(), &req(Some(&auth), None));
        assert_eq!((r.status, r.code), (401, code), "{header}");
        assert_eq!(parses(&r)[0].param("error"), Some("invalid_token"));
        assert_eq!(parses(&r)[0].param("error_description"), Some(ErrorCode::ALL.iter().find(|c| c.as_str() == code).unwrap().sentence()));
    }
    for header in [r#"{"alg":"RS256","typ":"application/at+jwt"}"#, r#"{"alg":"RS256","typ":"AT+JWT"}"#] {
        assert!(begin(&config(), &req(Some(&bearer(&jws(header, &claims, b"s"))), None)).is_ok(), "{header}");
    }
    let mut plain = config();
    plain.plain_jwt = true;
    for header in [r#"{"alg":"RS256"}"#, r#"{"alg":"RS256","typ":"JWT"}"#, r#"{"alg":"RS256","typ":"at+jwt"}"#] {
        assert!(begin(&plain, &req(Some(&bearer(&jws(header, &claims, b"s"))), None)).is_ok(), "{header}");
    }
    let r = rejected(&plain, &req(Some(&bearer(&jws(r#"{"alg":"RS256","typ":"dpop+jwt"}"#, &claims, b"s"))), None));
    assert_eq!(r.code, "invalid_claim", "plainJwt admits JWT, not other types");
    for bad in ["abc", "a.b", "a.b.c.d.e"] {
        assert_eq!(rejected(&config(), &req(Some(&bearer(bad)), None)).code, "malformed_token");
    }
}

#[test]
fn a_bound_token_only_under_dpop_and_an_unbound_one_never() {
    let b = bearer(&bound_token(""));
    let r = rejected(&config(), &req(Some(&b), None));
    assert_eq!((r.status, r.code), (401, codes::INVALID_TOKEN));
    let ch = &parses(&r)[0];
    assert!(ch.is_scheme("dpop") && ch.param("error") == Some("invalid_token") && ch.param("algs").is_some());
    let mut off = config();
    off.dpop = DpopMode::Off;
    assert_eq!(rejected(&off, &req(Some(&b), None)).code, codes::INVALID_TOKEN, "DPoP off never drops a binding");
    let d = format!("DPoP {}", token(""));
    let r = rejected(&config(), &req(Some(&d), Some("x")));
    assert_eq!((r.status, r.code), (401, codes::INVALID_TOKEN));
    assert!(parses(&r)[0].is_scheme("dpop"));
    for cnf in [r#""cnf":"x""#, r#""cnf":{}"#, r#""cnf":{"jkt":5}"#, r#""cnf":{"jkt":""}"#, r#""cnf":{"x5t#S256":"abc"}"#, r#""cnf":{"jkt":"a","x5t#S256":"b"}"#] {
        let r = rejected(&config(), &req(Some(&bearer(&token(cnf))), None));
        assert_eq!((r.code, r.claim.as_deref()), ("invalid_claim", Some("cnf")), "{cnf}");
    }
}

// ---- the DPoP proof ----

#[test]
fn a_good_proof_passes_and_is_remembered_until_its_window_ends() {
    let t = bound_token("");
    let p = proof(&proof_header(), &proof_claims(&t));
    let auth = format!("DPoP {t}");
    let pending = begin(&config(), &req(Some(&auth), Some(&p))).unwrap();
    let pr = pending.proof.clone().unwrap();
    assert_eq!((pr.alg, pr.jkt.as_str(), pr.jti.as_str(), pr.iat), (Algorithm::ES256, JKT, "j-1", NOW));
    assert_eq!(pr.plan.verify_params, r#"{"name":"ECDSA","hash":"SHA-256"}"#);
    assert_eq!(Some(pr.signing_input.as_str()), p.rsplit_once('.').map(|(a, _)| a));
    let ok = finish(&config(), pending, ok_verified(), &GuardPolicy::default(), NOW).unwrap();
    assert_eq!((ok.scheme, ok.jkt.as_deref(), ok.dpop_nonce.as_deref()), (Scheme::DPoP, Some(JKT), None));
    let v: serde_json::Value = serde_json::from_str(&ok.to_json()).unwrap();
    assert_eq!((v["jkt"].as_str(), v["replay"]["expiresAt"].as_i64()), (Some(JKT), Some(NOW + 61)));
    let replay = ok.replay.unwrap();
    assert_eq!(replay.expires_at, NOW + 61);
    assert_eq!(replay.key, proof::replay_key(JKT, "j-1"));
    assert_ne!(replay.key, proof::replay_key(JKT, "j-2"));
    assert_ne!(replay.key, proof::replay_key("other", "j-1"));
    assert_eq!(replay.key.len(), 43);
}

#[test]
fn every_proof_check_refuses_with_a_dpop_challenge() {
    let t = bound_token("");
    let claims = proof_claims(&t);
    let header = proof_header();
    let key = format!(r#"{{"kty":"EC","crv":"P-256","x":"{X}","y":"{Y}"}}"#);
    let with_claims = |c: &str| proof(&header, c);
    let other_claims = |from: &str, to: &str| with_claims(&claims.replace(from, to));
    let n = base64url::encode(&[0xc5; 256]);
    let cases: Vec<(String, &str)> = vec![
        ("not a jwt".into(), "well-formed"),
        (format!("{p}, {p}", p = with_claims(&claims)), "well-formed"),
        (proof(&header.replace("dpop+jwt", "JWT"), &claims), "typ"),
        (proof(&header.replace(r#""typ":"dpop+jwt","#, ""), &claims), "typ"),
        (proof(&header.replace("ES256", "HS256"), &claims), "alg"),
        (proof(&header.replace("ES256", "none"), &claims), "alg"),
        (proof(&header.replace("ES256", "ES384"), &claims), "alg"),
        (proof(&header.replace(r#""jwk""#, r#""crit":["x"],"x":1,"jwk""#), &claims), "crit"),
        (proof(&header.replace(&format!(r#","jwk":{key}"#), ""), &claims), "no jwk"),
        (proof(&header.replace(r#""y":"#, r#""d":"AAAA","y":"#), &claims), "private"),
        (proof(&header.replace(&key, r#"{"kty":"oct","k":"AAAA"}"#), &claims), "private"),
        (proof(&header.replace(&key, r#"{"kty":"EC","crv":"P-256","x":"!!"}"#), &claims), "usable"),
        (proof(&header.replace(&key, &format!(r#"{{"kty":"RSA","n":"{n}","e":"AQAB"}}"#)), &claims), "fit"),
        (jws(&header, &claims, &[1; 70]), "fit"),
        (other_claims(r#""jti":"j-1","#, ""), "lacks"),
        (other_claims(r#""jti":"j-1""#, r#""jti":5"#), "lacks"),
        (other_claims(r#""htm":"POST","#, ""), "lacks"),
        (other_claims(r#""htu":"https://api.example/transfer","#, ""), "lacks"),
        (other_claims(&format!(r#""iat":{NOW},"#), ""), "lacks"),
        (other_claims(r#""jti":"j-1""#, r#""jti":"""#), "jti"),
        (other_claims("j-1", &"j".repeat(257)), "jti"),
        (other_claims(r#""htm":"POST""#, r#""htm":"post""#), "htm"),
        (other_claims(r#""htm":"POST""#, r#""htm":"GET""#), "htm"),
        (other_claims("/transfer", "/balance"), "htu"),
        (other_claims("https://api.example", "https://evil.example"), "htu"),
        (other_claims("https://api.example", "http://api.example"), "htu"),
        (other_claims(&dpop::ath(&t), &dpop::ath("another token")), "ath"),
        (other_claims(&format!(r#","ath":"{}""#, dpop::ath(&t)), ""), "ath"),
    ];
    let auth = format!("DPoP {t}");
    for (p, what) in cases {
        let r = rejected(&config(), &req(Some(&auth), Some(&p)));
        assert_eq!((r.status, r.code), (401, codes::INVALID_DPOP_PROOF), "{what}: {p}");
        assert!(r.description.contains(what), "{what}: {}", r.description);
        let ch = &parses(&r)[0];
        assert!(ch.is_scheme("dpop") && ch.param("error") == Some("invalid_dpop_proof"), "{what}");
        assert_eq!(ch.param("error_description"), Some(r.description));
    }
    // No proof at all.
    let r = rejected(&config(), &req(Some(&auth), None));
    assert_eq!((r.code, r.description), (codes::INVALID_DPOP_PROOF, "the request has no DPoP proof"));
    // A proof by another key than the token's.
    let other = bound_token("").replace(&base64url::encode(JKT.as_bytes()), "");
    let t2 = token(r#""cnf":{"jkt":"bm90LXRoZS1rZXk"}"#);
    assert_ne!(other, t2);
    let p2 = proof(&header, &proof_claims(&t2));
    let r = rejected(&config(), &req(Some(&format!("DPoP {t2}")), Some(&p2)));
    assert!(r.description.contains("cnf.jkt"), "{}", r.description);
}

#[test]
fn proof_signature_and_iat_window_are_judged_in_finish() {
    let t = bound_token("");
    let p = proof(&proof_header(), &proof_claims(&t));
    let r = pass_dpop(&config(), &t, &p, Verified { token: true, proof: false }, NOW).unwrap_err();
    assert_eq!((r.code, r.description), (codes::INVALID_DPOP_PROOF, "the DPoP proof's signature does not verify"));
    assert!(pass_dpop(&config(), &t, &p, ok_verified(), NOW + 60).is_ok(), "60 s old: inside the window");
    assert!(pass_dpop(&config(), &t, &p, ok_verified(), NOW - 60).is_ok(), "60 s ahead: inside the window");
    let r = pass_dpop(&config(), &t, &p, ok_verified(), NOW + 61).unwrap_err();
    assert!(r.description.contains("too old"), "{}", r.description);
    let r = pass_dpop(&config(), &t, &p, ok_verified(), NOW - 61).unwrap_err();
    assert!(r.description.contains("future"), "{}", r.description);
    // The token itself is still judged first: a bad token signature is invalid_token under DPoP.
    let r = pass_dpop(&config(), &t, &p, Verified { token: false, proof: false }, NOW).unwrap_err();
    assert_eq!(r.code, "invalid_signature");
    assert!(parses(&r)[0].is_scheme("dpop"));
}

#[test]
fn rfc7638_thumbprints_of_every_key_type() {
    let jwk = |text: &str| Jwk::from_json(&json(text)).unwrap();
    assert_eq!(proof::thumbprint(&jwk(&format!(r#"{{"y":"{Y}","x":"{X}","kty":"EC","crv":"P-256","kid":"ignored"}}"#))).as_deref(), Some(JKT));
    // RFC 7638 §3.1's RSA example key and thumbprint.
    let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
    let rsa = jwk(&format!(r#"{{"kty":"RSA","n":"{n}","e":"AQAB","alg":"RS256","kid":"2011-04-29"}}"#));
    assert_eq!(proof::thumbprint(&rsa).as_deref(), Some("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"));
    // Ed25519: canonical members crv, kty, x (RFC 8037 §2, its Appendix A.3 thumbprint).
    let ed = jwk(r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#);
    assert_eq!(proof::thumbprint(&ed).as_deref(), Some("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"));
}

#[test]
fn htu_is_compared_after_rfc3986_normalization() {
    let same = [
        ("https://api.example/a", "https://api.example/a?x=1#f"),
        ("HTTPS://API.Example/a", "https://api.example/a"),
        ("https://api.example:443/a", "https://api.example/a"),
        ("http://api.example:80/a", "http://api.example/a"),
        ("https://api.example:/a", "https://api.example/a"),
        ("https://api.example", "https://api.example/"),
        ("https://api.example/%7euser/a%2fb", "https://api.example/~user/a%2Fb"),
        ("http://[::1]:8080/a", "http://[::1]:8080/a"),
        ("http://[::1]/a", "http://[::1]:80/a"),
    ];
    for (a, b) in same {
        assert!(proof::same_htu(a, b), "{a} {b}");
    }
    let different = [
        ("https://api.example/a", "https://api.example/A"),
        ("https://api.example/a", "https://api.example/a/"),
        ("https://api.example:8443/a", "https://api.example/a"),
        ("https://api.example/a", "http://api.example/a"),
        ("https://api.example/a%2Fb", "https://api.example/a/b"),
        ("https://user@api.example/a", "https://api.example/a"),
        ("ftp://api.example/a", "ftp://api.example/a"),
        ("/a", "/a"),
        ("https:///a", "https:///a"),
        ("https://api.example:8x/a", "https://api.example:8x/a"),
        ("https://api.example/%zz", "https://api.example/%zz"),
        ("https://api.example/é", "https://api.example/é"),
    ];
    for (a, b) in different {
        assert!(!proof::same_htu(a, b), "{a} {b}");
    }
}

// ---- step 2: signature, claims, scope, policy ----

#[test]
fn a_valid_token_passes_with_its_facts() {
    let t = token(r#""acr":"gold","amr":["pwd","totp"],"auth_time":1699999900,"scope":"read write","extra":{"a":1}"#);
    let mut c = config();
    c.amr_aliases = vec![("totp".into(), "otp".into())];
    let ok = pass(&c, &t, &GuardPolicy::default()).unwrap();
    assert_eq!((ok.sub.as_str(), ok.acr.as_deref(), ok.auth_time, ok.scope.as_deref()), ("u1", Some("gold"), Some(1_699_999_900), Some("read write")));
    assert_eq!(ok.amr, ["pwd", "otp"], "aliased");
    assert_eq!((ok.scheme, ok.replay.clone()), (Scheme::Bearer, None));
    assert!(ok.claims.contains(r#""totp""#), "claims keep the raw names");
    let v: serde_json::Value = serde_json::from_str(&ok.to_json()).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["authTime"], 1_699_999_900);
    assert_eq!(v["claims"]["extra"]["a"], 1);
    assert_eq!(v["scheme"], "Bearer");
    assert!(v.get("replay").is_none());
}

#[test]
fn token_claims_are_checked_in_rfc9068_order() {
    let c = config();
    let policy = GuardPolicy::default();
    let at = |claims: &str| jws(r#"{"alg":"RS256","typ":"at+jwt"}"#, claims, b"s");
    let base = |skip: &str, extra: &str| {
        let mut members: Vec<String> = vec![
            format!(r#""iss":"{ISS}""#),
            format!(r#""aud":"{AUD}""#),
            r#""sub":"u1""#.into(),
            format!(r#""iat":{}"#, NOW - 10),
            format!(r#""exp":{}"#, NOW + 300),
        ];
        members.retain(|m| !m.starts_with(&format!("\"{skip}\"")));
        if !extra.is_empty() {
            members.push(extra.into());
        }
        format!("{{{}}}", members.join(","))
    };
    let cases = [
        (base("iss", ""), "missing_claim", "iss"),
        (base("iss", r#""iss":"https://idp.example/""#), "invalid_issuer", "iss"),
        (base("aud", ""), "missing_claim", "aud"),
        (base("aud", r#""aud":["https://other.example"]"#), "invalid_audience", "aud"),
        (base("exp", ""), "missing_claim", "exp"),
        (base("exp", &format!(r#""exp":{}"#, NOW - 60)), "token_expired", "exp"),
        (base("", &format!(r#""nbf":{}"#, NOW + 61)), "token_not_yet_valid", "nbf"),
        (base("iat", ""), "missing_claim", "iat"),
        (base("iat", &format!(r#""iat":{}"#, NOW + 61)), "invalid_issued_at", "iat"),
        (base("sub", ""), "missing_claim", "sub"),
        (base("sub", r#""sub":"""#), "invalid_claim", "sub"),
    ];
    for (claims, code, claim) in cases {
        let r = pass(&c, &at(&claims), &policy).unwrap_err();
        assert_eq!((r.status, r.code, r.claim.as_deref()), (401, code, Some(claim)), "{claims}");
        assert_eq!(parses(&r)[0].param("error"), Some("invalid_token"));
    }
    // Boundaries: exp 59 s ago and nbf / iat 60 s ahead are within the leeway; any of the audiences will do.
    assert!(pass(&c, &at(&base("exp", &format!(r#""exp":{}"#, NOW - 59))), &policy).is_ok());
    assert!(pass(&c, &at(&base("", &format!(r#""nbf":{}"#, NOW + 60))), &policy).is_ok());
    assert!(pass(&c, &at(&base("iat", &format!(r#""iat":{}"#, NOW + 60))), &policy).is_ok());
    assert!(pass(&c, &at(&base("aud", &format!(r#""aud":["x","{AUD}"]"#))), &policy).is_ok());
    let mut strict = config();
    strict.leeway = 0;
    assert_eq!(pass(&strict, &at(&base("exp", &format!(r#""exp":{NOW}"#))), &policy).unwrap_err().code, "token_expired", "leeway 0 means 0");
    let mut two = config();
    two.audiences = vec!["x".into(), AUD.into()];
    assert!(pass(&two, &token(""), &policy).is_ok());
    // The signature first: a bad one is reported whatever the claims.
    let auth = bearer(&at(&base("iss", "")));
    let pending = begin(&c, &req(Some(&auth), None)).unwrap();
    let r = finish(&c, pending, Verified { token: false, proof: true }, &policy, NOW).unwrap_err();
    assert_eq!((r.code, r.claim.as_deref()), ("invalid_signature", Some("signature")));
    // Wrong types are invalid_claim at decode (never "absent").
    for bad in [r#""nbf":"1""#, r#""amr":"mfa""#, r#""acr":1"#, r#""auth_time":"x""#] {
        let r = rejected(&c, &req(Some(&bearer(&token(bad))), None));
        assert_eq!(r.code, "invalid_claim", "{bad}");
    }
}

#[test]
fn key_selection_for_the_token() {
    let jwks = crate::core::jwk::Jwks::from_json(&json(&format!(
        r#"{{"keys":[{{"kty":"EC","crv":"P-256","x":"{X}","y":"{Y}","kid":"k1"}},{{"kty":"RSA","kid":"k1","n":"{}","e":"AQAB"}}]}}"#,
        base64url::encode(&[0xc5; 256])
    )))
    .unwrap();
    let c = config();
    let auth = bearer(&token(""));
    let pending = begin(&c, &req(Some(&auth), None)).unwrap();
    assert_eq!(pending.token_key(&c, &jwks).unwrap().kty, "RSA", "kid and alg must both fit");
    assert_eq!(pending.token_plan(&c, &jwks).unwrap().import_params, r#"{"name":"RSASSA-PKCS1-v1_5","hash":"SHA-256"}"#);
    let other = bearer(&jws(r#"{"alg":"RS256","typ":"at+jwt","kid":"k9"}"#, &claims_with(""), b"s"));
    let pending = begin(&c, &req(Some(&other), None)).unwrap();
    let r = pending.token_key(&c, &jwks).unwrap_err();
    assert_eq!((r.status, r.code, r.claim.as_deref()), (401, "key_not_found", Some("kid")));
    let es = bearer(&jws(r#"{"alg":"ES256","typ":"at+jwt","kid":"k1"}"#, &claims_with(""), &[0; 63]));
    let pending = begin(&c, &req(Some(&es), None)).unwrap();
    assert_eq!(pending.token_plan(&c, &jwks).unwrap_err().code, "invalid_signature", "raw r||s of 64 bytes only");
}

#[test]
fn scope_is_checked_before_the_step_up_policy() {
    let c = config();
    let policy = |scope: &str| GuardPolicy { step_up: StepUpPolicy { mfa: true, ..Default::default() }, scope: Some(scope.into()) };
    for claims in [r#""scope":"read""#, r#""scp":["read"]"#, r#""scp":"read""#, ""] {
        let r = pass(&c, &token(claims), &policy("read write")).unwrap_err();
        assert_eq!((r.status, r.code, r.claim.as_deref()), (403, codes::INSUFFICIENT_SCOPE, Some("scope")), "{claims}");
        let ch = &parses(&r)[0];
        assert_eq!((ch.param("error"), ch.param("scope")), (Some("insufficient_scope"), Some("read write")));
    }
    // Granted: then the step-up policy answers (the token is single-factor).
    for claims in [r#""scope":"write read x""#, r#""scp":["read","write"]"#, r#""scp":"read write""#, r#""scope":"read write","scp":5"#] {
        let r = pass(&c, &token(claims), &policy("read write")).unwrap_err();
        assert_eq!(r.code, "amr_not_satisfied", "{claims}");
    }
    let ok = pass(&c, &token(r#""scp":["read","write"],"amr":["mfa"]"#), &policy("read")).unwrap();
    assert_eq!(ok.scope.as_deref(), Some("read write"));
    for (claims, claim) in [(r#""scope":["read"]"#, "scope"), (r#""scp":5"#, "scp"), (r#""scp":[1]"#, "scp")] {
        let r = pass(&c, &token(claims), &GuardPolicy::default()).unwrap_err();
        assert_eq!((r.code, r.claim.as_deref()), ("invalid_claim", Some(claim)), "{claims}");
    }
}

#[test]
fn the_step_up_policy_answers_with_rfc9470_challenges_the_client_reads() {
    let c = config();
    let mfa300 = GuardPolicy::from(StepUpPolicy { mfa: true, max_age: Some(300), ..Default::default() });
    let fresh = NOW - 100;
    // Single factor → the step-up acr and max_age; code named after the first reason.
    let r = pass(&c, &token(&format!(r#""amr":["pwd"],"auth_time":{fresh}"#)), &mfa300).unwrap_err();
    assert_eq!((r.status, r.code, r.claim.as_deref()), (401, "amr_not_satisfied", Some("amr")));
    let want = format!(
        r#"Bearer error="insufficient_user_authentication", error_description="a stronger authentication is required", acr_values="{DEFAULT_STEP_UP_ACR}", max_age="300""#
    );
    assert_eq!(r.www_authenticate.as_deref(), Some(want.as_str()));
    let ch = parse_step_up_challenge(&want).unwrap();
    assert_eq!((ch.scheme.as_str(), ch.acr_values.clone(), ch.max_age), ("Bearer", Some(vec![DEFAULT_STEP_UP_ACR.to_string()]), Some(300)));
    // Stale, and absent auth_time with maxAge: fail closed.
    for claims in [format!(r#""amr":["mfa"],"auth_time":{}"#, NOW - 301), r#""amr":["mfa"]"#.to_string(), r#""amr":["mfa"],"auth_time":0"#.into()] {
        let r = pass(&c, &token(&claims), &mfa300).unwrap_err();
        assert_eq!((r.code, r.description), ("auth_time_too_old", "a more recent authentication is required"), "{claims}");
        assert_eq!(parse_step_up_challenge(r.www_authenticate.as_deref().unwrap()).unwrap().max_age, Some(300));
    }
    assert!(pass(&c, &token(&format!(r#""amr":["mfa"],"auth_time":{}"#, NOW - 300)), &mfa300).is_ok());
    assert!(pass(&c, &token(&format!(r#""acr":"{DEFAULT_STEP_UP_ACR}","auth_time":{fresh}"#)), &mfa300).is_ok(), "acr = stepUpAcr is MFA");
    // acr lists are asked for as they are; maxAge alone asks for no acr.
    let acr = GuardPolicy::from(StepUpPolicy { acr: Some(vec!["gold".into(), "plat\"inum".into()]), ..Default::default() });
    let r = pass(&c, &token(r#""acr":"silver""#), &acr).unwrap_err();
    assert_eq!(r.code, "acr_not_satisfied");
    let ch = parse_step_up_challenge(r.www_authenticate.as_deref().unwrap()).unwrap();
    assert_eq!(ch.acr_values, Some(vec!["gold".into(), "plat\"inum".into()]), "quoted-pair escaping round-trips");
    let fresh_only = GuardPolicy::from(StepUpPolicy { max_age: Some(60), ..Default::default() });
    let r = pass(&c, &token(r#""auth_time":1"#), &fresh_only).unwrap_err();
    let ch = parse_step_up_challenge(r.www_authenticate.as_deref().unwrap()).unwrap();
    assert_eq!((ch.acr_values, ch.max_age), (None, Some(60)));
    // acrLevels and amrAliases, as the client applies them.
    let mut lv = config();
    lv.acr_levels = vec!["loa1".into(), "loa2".into(), "loa3".into()];
    let loa2 = GuardPolicy::from(StepUpPolicy { acr: Some(vec!["loa2".into()]), ..Default::default() });
    assert!(pass(&lv, &token(r#""acr":"loa3""#), &loa2).is_ok());
    assert_eq!(pass(&lv, &token(r#""acr":"loa1""#), &loa2).unwrap_err().code, "acr_not_satisfied");
    let mut al = config();
    al.amr_aliases = vec![("password".into(), "pwd".into()), ("totp".into(), "otp".into())];
    let mfa = GuardPolicy::from(StepUpPolicy { mfa: true, ..Default::default() });
    assert!(pass(&al, &token(r#""amr":["password","totp"]"#), &mfa).is_ok());
    assert!(pass(&c, &token(r#""amr":["password","totp"]"#), &mfa).is_err(), "without aliases: no RFC 8176 category");
    // Presets: AAL3 needs a hardware key.
    let aal3 = GuardPolicy::from(StepUpPolicy::preset("nist-aal3").unwrap());
    let r = pass(&c, &token(&format!(r#""amr":["pwd","otp"],"auth_time":{fresh}"#)), &aal3).unwrap_err();
    assert_eq!(r.code, "amr_not_satisfied");
    assert!(pass(&c, &token(&format!(r#""amr":["pwd","hwk"],"auth_time":{fresh}"#)), &aal3).is_ok());
}

#[test]
fn namespaced_step_up_claims() {
    let mut c = config();
    c.claim_names = ClaimNames { acr: "https://n/acr".into(), amr: "https://n/amr".into(), auth_time: "https://n/auth_time".into() };
    let mfa300 = GuardPolicy::from(StepUpPolicy { mfa: true, max_age: Some(300), ..Default::default() });
    let t = token(&format!(r#""https://n/amr":["mfa"],"https://n/auth_time":{},"https://n/acr":"x""#, NOW - 5));
    let ok = pass(&c, &t, &mfa300).unwrap();
    assert_eq!((ok.acr.as_deref(), ok.amr.clone(), ok.auth_time), (Some("x"), vec!["mfa".to_string()], Some(NOW - 5)));
    // Only the configured names count.
    let standard = token(&format!(r#""amr":["mfa"],"auth_time":{}"#, NOW - 5));
    assert_eq!(pass(&c, &standard, &mfa300).unwrap_err().code, "amr_not_satisfied");
    for (bad, claim) in [(r#""https://n/acr":1"#, "acr"), (r#""https://n/amr":"mfa""#, "amr"), (r#""https://n/auth_time":"1""#, "auth_time"), (r#""https://n/auth_time":-1"#, "auth_time")] {
        let r = pass(&c, &token(bad), &GuardPolicy::default()).unwrap_err();
        assert_eq!((r.code, r.claim.as_deref()), ("invalid_claim", Some(claim)), "{bad}");
    }
}

#[test]
fn dpop_requests_get_dpop_challenges_for_policy_and_scope() {
    let t = bound_token(r#""amr":["pwd"],"scope":"read""#);
    let p = proof(&proof_header(), &proof_claims(&t));
    let auth = format!("DPoP {t}");
    let c = config();
    let pending = begin(&c, &req(Some(&auth), Some(&p))).unwrap();
    let r = finish(&c, pending.clone(), ok_verified(), &GuardPolicy::from(StepUpPolicy { mfa: true, ..Default::default() }), NOW).unwrap_err();
    let h = r.www_authenticate.clone().unwrap();
    assert!(h.starts_with("DPoP error=\"insufficient_user_authentication\"") && h.ends_with(r#"algs="ES256 PS256 RS256 EdDSA""#), "{h}");
    let ch = parse_step_up_challenge(&h).unwrap();
    assert_eq!((ch.scheme.as_str(), ch.acr_values), ("DPoP", Some(vec![DEFAULT_STEP_UP_ACR.to_string()])));
    let r = finish(&c, pending, ok_verified(), &GuardPolicy { scope: Some("write".into()), ..Default::default() }, NOW).unwrap_err();
    assert!(parses(&r)[0].is_scheme("dpop"));
    assert_eq!(r.status, 403);
}

#[test]
fn driver_answers_for_replays_and_an_unavailable_store() {
    let r = Rejection::replayed_proof(&config());
    assert_eq!((r.status, r.code), (401, codes::INVALID_DPOP_PROOF));
    assert_eq!(r.www_authenticate.as_deref(), Some(r#"DPoP error="invalid_dpop_proof", error_description="the DPoP proof was used before (jti)", algs="ES256 PS256 RS256 EdDSA""#));
    assert_eq!(r.headers(), vec![("WWW-Authenticate", r.www_authenticate.clone().unwrap())]);
    let r = Rejection::replay_store_unavailable();
    assert_eq!((r.status, r.code, r.www_authenticate.clone(), r.headers()), (503, codes::REPLAY_STORE_UNAVAILABLE, None, Vec::new()));
    let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!((v["ok"].as_bool(), v["status"].as_u64(), v["code"].as_str()), (Some(false), Some(503), Some("replay_store_unavailable")));
    assert!(v.get("wwwAuthenticate").is_none());
}

#[test]
fn quoted_strings_escape_and_drop_what_a_header_cannot_carry() {
    let mut out = String::new();
    rejection::quoted_string(&mut out, "a\"b\\c\r\nd\té\u{7f}");
    assert_eq!(out, "\"a\\\"b\\\\cd\t\"");
    let mut c = config();
    c.step_up_acr = "urn:x\r\nSet-Cookie: a=b".into();
    let r = pass(&c, &token(""), &GuardPolicy::from(StepUpPolicy { mfa: true, ..Default::default() })).unwrap_err();
    let h = r.www_authenticate.unwrap();
    assert!(!h.contains('\r') && !h.contains('\n'), "{h}");
    assert_eq!(parse_step_up_challenge(&h).unwrap().acr_values, Some(vec!["urn:xSet-Cookie:".into(), "a=b".into()]));
    // Error descriptions stay within RFC 6750 §3's error_description characters (no quote, no backslash).
    for code in ErrorCode::ALL {
        assert!(code.sentence().bytes().all(|b| b == 0x20 || b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b)), "{code}");
    }
}
