//! Fuzz the token side of the core: compact JWS decoding, header checks, claim validation, JWKS parsing
//! and key selection, base64url. The first input byte picks what the rest is fed to, so the fuzzer can
//! also explore JSON payloads and JWKS documents without having to learn base64url first.
//!
//! Besides "no panic", a few invariants are asserted (a failed assert is a finding): base64url accepts
//! only canonical text, and a token that validates really meets the expectations.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stepup::core::base64url;
use stepup::core::json::{self, JsonObject};
use stepup::core::jwk::{select_key, Algorithm, Jwks};
use stepup::core::jwt::{self, JoseHeader};
use stepup::core::validate::{validate, Expectations, MAX_AGE_LATENCY};
use stepup::ErrorCode;

const NOW: i64 = 1_700_000_000;
const ISS: &str = "https://idp.example/";
const CLIENT: &str = "client-1";

fn expectations() -> [Expectations; 2] {
    let lenient = Expectations::new(ISS, CLIENT, NOW);
    let mut strict = Expectations::new(ISS, CLIENT, NOW);
    strict.leeway = 0;
    strict.nonce = Some("n-1".into());
    strict.max_age = Some(300);
    strict.sent_at = Some(NOW - 30);
    strict.acr_values = Some(vec!["mfa".into()]);
    strict.access_token = Some("at".into());
    strict.algorithms.push(Algorithm::EdDSA);
    [lenient, strict]
}

fn token(text: &str) {
    let _ = jwt::decode(text);
    for exp in expectations() {
        let Ok(jwt) = validate(text, &exp) else { continue };
        let c = &jwt.claims;
        let lw = exp.leeway as i64;
        assert!(jwt.header.crit.is_empty());
        assert!(exp.algorithms.iter().any(|a| a.name() == jwt.header.alg));
        assert_eq!(c.iss.as_deref(), Some(ISS));
        assert!(c.aud.iter().any(|a| a == CLIENT));
        assert!(c.aud.len() == 1 || c.azp.as_deref() == Some(CLIENT));
        assert!(c.exp.is_some_and(|e| e > NOW - lw));
        assert!(c.iat.is_some_and(|i| i <= NOW + lw));
        assert!(c.sub.is_some());
        if exp.nonce.is_some() {
            assert_eq!(c.nonce, exp.nonce);
        }
        assert!(c.auth_time.is_none_or(|t| i128::from(t) <= i128::from(NOW) + i128::from(exp.leeway)));
        if let Some(max_age) = exp.max_age {
            // Judged in the provider's clock, which the token's iat tells: the request left at
            // sent_at + (iat - now) there, and auth_time may precede that by max_age (+ latency), no leeway.
            let (now, iat) = (i128::from(NOW), i128::from(c.iat.unwrap_or(NOW)));
            let sent = exp.sent_at.map_or(iat, |s| i128::from(s).min(now) + (iat - now));
            assert!(c.auth_time.is_some_and(|t| i128::from(t) >= sent - i128::from(max_age) - i128::from(MAX_AGE_LATENCY)));
        }
        if let Some(acr_values) = &exp.acr_values {
            assert!(c.acr.as_ref().is_some_and(|a| acr_values.contains(a)));
        }
    }
}

fn jwks(text: &str) {
    let Ok(doc) = json::parse(text, ErrorCode::KeyNotFound) else { return };
    let Ok(jwks) = Jwks::from_json(&doc) else { return };
    for kid in [None, Some("k1".to_owned())] {
        let header = JoseHeader { alg: "RS256".into(), kid: kid.clone(), typ: None, crit: vec![], raw: JsonObject::new() };
        for alg in Algorithm::ALL {
            if let Ok(key) = select_key(&jwks, &header, alg) {
                assert!(key.is_compatible(alg) && !key.raw.contains_key("d"));
                assert!(kid.is_none() || key.kid == kid);
            }
        }
    }
}

fn base64(text: &str, raw: &[u8]) {
    if let Ok(bytes) = base64url::decode(text) {
        assert_eq!(base64url::encode(&bytes), text);
    }
    assert_eq!(base64url::decode(&base64url::encode(raw)).ok().as_deref(), Some(raw));
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let Ok(text) = core::str::from_utf8(rest) else { return };
    match mode % 4 {
        0 => token(text),
        // The rest is the payload JSON of an otherwise well-formed ES256 token.
        1 => token(&[
            base64url::encode(br#"{"alg":"ES256","kid":"k1"}"#),
            base64url::encode(text.as_bytes()),
            base64url::encode(&[7; 64]),
        ]
        .join(".")),
        2 => jwks(text),
        _ => base64(text, rest),
    }
});
