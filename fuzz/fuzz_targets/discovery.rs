//! Fuzz OpenID Provider metadata: `core::discovery::ProviderMetadata::from_json` with an arbitrary
//! document and an arbitrary configured issuer, and `discovery_url`.
//!
//! Input: `issuer NUL document`, or just the document (checked against `https://idp.example/`).
//! Invariants (a failed assert is a finding): every failure is `issuer_mismatch`, `invalid_config` or
//! `discovery_failed`; accepted metadata has exactly the configured issuer, an https (or loopback http)
//! issuer without query or fragment, https endpoints, and `S256` whenever methods are listed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stepup::core::authorize::is_secure_url;
use stepup::core::discovery::{discovery_url, ProviderMetadata};
use stepup::core::json::{self, Json};
use stepup::ErrorCode;

const ISS: &str = "https://idp.example/";

fn check(doc: &Json, issuer: &str) {
    match ProviderMetadata::from_json(doc, issuer) {
        Err(e) => assert!(["issuer_mismatch", "invalid_config", "discovery_failed"].contains(&e.code()), "{e:?}"),
        Ok(m) => {
            assert_eq!(m.issuer, issuer);
            assert!(is_secure_url(&m.issuer) && !m.issuer.contains(['?', '#']));
            for url in [&m.authorization_endpoint, &m.token_endpoint, &m.jwks_uri] {
                assert!(is_secure_url(url), "{url}");
            }
            for url in [&m.end_session_endpoint, &m.userinfo_endpoint].into_iter().flatten() {
                assert!(is_secure_url(url), "{url}");
            }
            if matches!(doc.get("code_challenge_methods_supported"), Some(Json::Array(_))) {
                assert!(m.code_challenge_methods_supported.iter().any(|c| c == "S256"));
            }
            assert_eq!(Some(&m.raw), doc.as_object());
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (issuer, body) = text.split_once('\0').unwrap_or((ISS, text));
    let url = discovery_url(issuer);
    assert!(url.ends_with("/.well-known/openid-configuration") && url.starts_with(issuer.strip_suffix('/').unwrap_or(issuer)));
    let Ok(doc) = json::parse(body, ErrorCode::DiscoveryFailed) else { return };
    check(&doc, issuer);
    if issuer != ISS {
        check(&doc, ISS);
    }
    // The document's own issuer as the configured one, so the fuzzer gets past the mix-up check easily.
    if let Some(own) = doc.get("issuer").and_then(Json::as_str) {
        check(&doc, own);
    }
});
