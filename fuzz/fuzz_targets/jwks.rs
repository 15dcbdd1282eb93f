//! Fuzz the JWKS side: `core::jwk::Jwks::from_json` with key selection for every algorithm, and
//! `jwks_max_age` with an arbitrary `Cache-Control` header.
//!
//! The first input byte picks what the rest is fed to. Invariants (a failed assert is a finding): a
//! parsed set holds only keys without private or symmetric material, for signatures, with their public
//! parameters present (RSA moduli of 2048 bits or more); a selected key is compatible with the algorithm
//! and has the header's `kid`; a cache lifetime is always within [5 min, 24 h].
#![no_main]

use libfuzzer_sys::fuzz_target;
use stepup::core::base64url;
use stepup::core::json::{self, JsonObject};
use stepup::core::jwk::{jwks_max_age, select_key, Algorithm, Jwks, JWKS_DEFAULT_AGE, JWKS_MAX_AGE, JWKS_MIN_AGE};
use stepup::core::jwt::JoseHeader;
use stepup::ErrorCode;

fn modulus_bits(n: &[u8]) -> usize {
    match n.iter().position(|&b| b != 0) {
        None => 0,
        Some(i) => (n.len() - i) * 8 - n[i].leading_zeros() as usize,
    }
}

fn jwks(text: &str) {
    let Ok(doc) = json::parse(text, ErrorCode::KeyNotFound) else { return };
    let set = match Jwks::from_json(&doc) {
        Ok(set) => set,
        Err(e) => {
            assert_eq!(e.code(), "key_not_found");
            return;
        }
    };
    for key in &set.keys {
        assert!(!key.raw.contains_key("d") && !key.raw.contains_key("k"));
        assert!(key.use_.as_deref().is_none_or(|u| u == "sig"));
        match key.kty.as_str() {
            "RSA" => {
                let n = key.n.as_deref().and_then(|n| base64url::decode(n).ok()).expect("RSA key without n");
                assert!(modulus_bits(&n) >= 2048);
                assert!(key.e.as_deref().is_some_and(|e| base64url::decode(e).is_ok()));
            }
            "EC" => assert!(key.crv.is_some() && key.x.is_some() && key.y.is_some()),
            "OKP" => assert!(key.crv.is_some() && key.x.is_some()),
            _ => {}
        }
    }
    let mut kids = vec![None, Some("k1".to_owned())];
    kids.extend(set.keys.iter().take(3).map(|k| k.kid.clone()));
    for kid in kids {
        let header = JoseHeader { alg: "RS256".into(), kid: kid.clone(), typ: None, crit: vec![], raw: JsonObject::new() };
        for alg in Algorithm::ALL {
            match select_key(&set, &header, alg) {
                Ok(key) => {
                    assert!(key.is_compatible(alg));
                    assert!(kid.is_none() || key.kid == kid);
                }
                Err(e) => assert_eq!(e.code(), "key_not_found"),
            }
        }
    }
}

fn max_age(header: &str) {
    let age = jwks_max_age(Some(header));
    assert!((JWKS_MIN_AGE..=JWKS_MAX_AGE).contains(&age), "{header:?} → {age}");
    assert_eq!(jwks_max_age(None), JWKS_DEFAULT_AGE);
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    match mode % 2 {
        0 => jwks(text),
        _ => max_age(text),
    }
});
