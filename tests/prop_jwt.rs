//! Property tests: the token parsers return `Ok` or `Err` and never panic, whatever the input (a panic
//! in wasm poisons the instance and, in a Leptos/Yew app, the whole app); and what they accept obeys
//! the rules (canonical base64url, validated claims really meet the expectations).
// proptest and serde_json are native dev-dependencies only (Cargo.toml).
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use proptest::prelude::*;
use serde_json::Value;
use stepup::core::base64url;
use stepup::core::claims::Claims;
use stepup::core::json::{Json, JsonObject};
use stepup::core::jwk::{select_key, Algorithm, Jwks};
use stepup::core::jwt;
use stepup::core::validate::{validate, Expectations};

const NOW: i64 = 1_700_000_000;
const ISS: &str = "https://idp.example/";
const CLIENT: &str = "client-1";

/// Member names the parsers look at, so random objects hit the typed paths, plus a few others.
const NAMES: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "nbf",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "azp",
    "at_hash",
    "sid",
    "alg",
    "kid",
    "typ",
    "crit",
    "jku",
    "keys",
    "kty",
    "use",
    "key_ops",
    "crv",
    "n",
    "e",
    "x",
    "y",
    "d",
    "k",
    "b64",
    "zz",
];

/// Strings likely to matter: the expected values, algorithm names, key types, and random text.
fn interesting_string() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            ISS, CLIENT, "RS256", "PS256", "ES256", "EdDSA", "none", "HS256", "RSA", "EC", "OKP", "P-256", "Ed25519",
            "sig", "enc", "verify", "AQAB", "", "n",
        ])
        .prop_map(String::from),
        any::<String>(),
        "[A-Za-z0-9_-]{0,400}",
    ]
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        (NOW - 100_000..NOW + 100_000).prop_map(|n| n as f64),
        any::<f64>(),
        prop::sample::select(vec![0.0, -0.0, -1.0, 9_007_199_254_740_992.0, 9_007_199_254_740_993.0, 1e300, 0.5]),
    ]
}

/// Arbitrary JSON values as stepup's own `Json` (which, coming from a JS object, may hold NaN/inf).
fn json_value() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        number().prop_map(Json::Number),
        interesting_string().prop_map(Json::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Json::Array),
            prop::collection::btree_map(prop::sample::select(NAMES).prop_map(String::from), inner, 0..12)
                .prop_map(|m| Json::Object(m.into_iter().collect())),
        ]
    })
}

/// Arbitrary JSON as serde_json (finite numbers only, like real JSON text), object-shaped most of the time.
fn serde_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (NOW - 100_000..NOW + 100_000).prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        interesting_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 48, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(prop::sample::select(NAMES).prop_map(String::from), inner, 0..12)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Replacement values for near-valid tokens: the right values, boundary times, wrong types.
fn edit_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => prop::sample::select(vec![ISS, CLIENT, "n-1", "RS256", "ES256", "none", "HS256", "u", "other"])
            .prop_map(Value::from),
        3 => (NOW - 400..NOW + 400).prop_map(Value::from),
        1 => Just(Value::from(vec![CLIENT, "api"])),
        1 => Just(Value::from(vec!["b64"])),
        1 => Just(Value::from((NOW + 30).to_string())),
        1 => serde_value(),
    ]
}

fn b64(s: &str) -> String {
    base64url::encode(s.as_bytes())
}

fn expectations(leeway: u64, nonce: Option<String>, max_age: Option<u64>) -> Expectations {
    let mut e = Expectations::new(ISS, CLIENT, NOW);
    e.leeway = leeway;
    e.nonce = nonce.map(Into::into);
    e.max_age = max_age;
    e
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn base64url_decode_never_panics_and_accepts_only_canonical(s in any::<String>()) {
        if let Ok(bytes) = base64url::decode(&s) {
            prop_assert_eq!(base64url::encode(&bytes), s);
        }
    }

    #[test]
    fn base64url_decode_on_alphabet_soup(s in "[A-Za-z0-9_+/=. \\-]{0,64}") {
        if let Ok(bytes) = base64url::decode(&s) {
            prop_assert_eq!(base64url::encode(&bytes), s);
        }
    }

    #[test]
    fn base64url_roundtrip(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let enc = base64url::encode(&bytes);
        prop_assert!(enc.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        prop_assert_eq!(base64url::decode(&enc).unwrap(), bytes);
    }

    #[test]
    fn jwt_decode_never_panics_on_strings(s in any::<String>()) {
        let _ = jwt::decode(&s);
        let _ = validate(&s, &expectations(60, None, None));
    }

    #[test]
    fn jwt_decode_never_panics_on_dotted_base64(s in "[A-Za-z0-9_-]{0,80}(\\.[A-Za-z0-9_=+/-]{0,80}){0,5}") {
        let _ = jwt::decode(&s);
    }

    #[test]
    fn claims_from_json_never_panics(v in json_value()) {
        if let Ok(c) = Claims::from_json(&v) {
            for d in [c.exp, c.iat, c.nbf, c.auth_time].into_iter().flatten() {
                prop_assert!((0..=1_i64 << 53).contains(&d));
            }
        }
    }

    #[test]
    fn jwks_from_json_and_select_key_never_panic(v in json_value(), kid in prop::option::of(interesting_string())) {
        let wrapped = Json::Object(JsonObject::from([("keys".to_owned(), Json::Array(vec![v.clone()]))]));
        for doc in [v, wrapped] {
            if let Ok(jwks) = Jwks::from_json(&doc) {
                prop_assert!(jwks.keys.iter().all(|k| !k.raw.contains_key("d") && k.use_.as_deref().map_or(true, |u| u == "sig")));
                let header = jwt::JoseHeader { alg: "RS256".into(), kid: kid.clone(), typ: None, crit: vec![], raw: JsonObject::new() };
                for alg in Algorithm::ALL {
                    if let Ok(key) = select_key(&jwks, &header, alg) {
                        prop_assert!(key.is_compatible(alg));
                        prop_assert!(kid.is_none() || key.kid == kid);
                    }
                }
            }
        }
    }

    /// Tokens built from arbitrary header and payload JSON: never a panic.
    #[test]
    fn validate_never_panics_on_arbitrary_json(header in serde_value(), claims in serde_value()) {
        let token = [b64(&header.to_string()), b64(&claims.to_string()), b64("sig")].join(".");
        let _ = validate(&token, &expectations(60, Some("n".into()), Some(300)));
    }

    /// Near-valid tokens (a valid header and claim set with a few members replaced or removed):
    /// whatever validates really meets every expectation, checked by an oracle written independently
    /// of validate.rs.
    #[test]
    fn validate_accepts_only_tokens_meeting_the_rules(
        header_edits in prop::collection::vec((prop::sample::select(NAMES), prop::option::of(edit_value())), 0..3),
        claim_edits in prop::collection::vec((prop::sample::select(NAMES), prop::option::of(edit_value())), 0..4),
        sig in prop::collection::vec(any::<u8>(), 0..64),
        leeway in prop_oneof![Just(0_u64), Just(60), 0..100_000_u64],
        nonce in prop::option::of(prop_oneof![Just("n-1".to_owned()), interesting_string()]),
        max_age in prop::option::of(0..100_000_u64),
    ) {
        let mut header = serde_json::json!({"alg": "RS256", "kid": "k1"});
        let mut claims = serde_json::json!({
            "iss": ISS, "aud": CLIENT, "sub": "u", "exp": NOW + 30, "iat": NOW - 30, "nonce": "n-1", "auth_time": NOW - 30
        });
        for (doc, edits) in [(&mut header, header_edits), (&mut claims, claim_edits)] {
            let obj = doc.as_object_mut().unwrap();
            for (name, value) in edits {
                match value {
                    Some(v) => { obj.insert(name.to_owned(), v); }
                    None => { obj.remove(name); }
                }
            }
        }
        let token = [b64(&header.to_string()), b64(&claims.to_string()), base64url::encode(&sig)].join(".");
        let exp = expectations(leeway, nonce.clone(), max_age);
        if let Ok(jwt) = validate(&token, &exp) {
            let c = &jwt.claims;
            let lw = leeway as i64;
            prop_assert!(jwt.header.crit.is_empty());
            prop_assert!(["RS256", "PS256", "ES256"].contains(&jwt.header.alg.as_str()));
            prop_assert_eq!(c.iss.as_deref(), Some(ISS));
            prop_assert!(c.aud.iter().any(|a| a == CLIENT));
            prop_assert!(c.aud.len() == 1 || c.azp.as_deref() == Some(CLIENT));
            prop_assert!(c.azp.as_deref().map_or(true, |a| a == CLIENT));
            prop_assert!(c.exp.unwrap() > NOW - lw);
            prop_assert!(c.iat.unwrap() <= NOW + lw);
            prop_assert!(c.nbf.map_or(true, |n| n <= NOW + lw));
            prop_assert!(c.sub.as_ref().is_some_and(|s| !s.is_empty() && s.len() <= 255));
            if nonce.is_some() { prop_assert_eq!(&c.nonce, &nonce); }
            // OIDC Core §3.1.3.7 #13, judged in the provider's clock: without a send time the token's `iat`
            // stands in for the moment the request reached the provider; no leeway widens `max_age`.
            if let Some(m) = max_age {
                prop_assert!(c.iat.unwrap() - c.auth_time.unwrap() <= m as i64 + stepup::core::validate::MAX_AGE_LATENCY);
            }
        }
    }

    /// A valid token with one character changed, inserted or removed: never a panic.
    #[test]
    fn mutated_valid_tokens_never_panic(pos in any::<prop::sample::Index>(), op in 0..3_u8, c in any::<char>()) {
        let header = b64(r#"{"alg":"ES256","kid":"k"}"#);
        let claims = b64(&format!(r#"{{"iss":"{ISS}","aud":"{CLIENT}","sub":"u","exp":{},"iat":{NOW}}}"#, NOW + 60));
        let good = format!("{header}.{claims}.{}", base64url::encode(&[7; 64]));
        prop_assert!(validate(&good, &expectations(0, None, None)).is_ok());
        let mut chars: Vec<char> = good.chars().collect();
        let i = pos.index(chars.len());
        match op {
            0 => chars[i] = c,
            1 => chars.insert(i, c),
            _ => { chars.remove(i); }
        }
        let mutated: String = chars.into_iter().collect();
        let _ = validate(&mutated, &expectations(0, None, None));
    }
}
