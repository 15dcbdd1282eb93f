//! Fuzz the flow side of the core: `WWW-Authenticate` / RFC 9470 parsing, callback URL parsing, checking and
//! cleaning, form encoding, the authorization URL builder, token responses and discovery documents. The
//! first input byte picks what the rest is fed to.
//!
//! Besides "no panic", invariants are asserted (a failed assert is a finding): a parsed header formats
//! back to the same challenges; a step-up challenge only comes from a parseable header; a cleaned URL holds
//! no response parameters and cleaning is idempotent; encoding roundtrips; a built URL carries our `state`
//! exactly once whatever the extra parameters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stepup::core::authorize::{clean_url, parse_callback, percent_decode, push_encoded, validate_callback, AuthorizationRequest, CallbackParams};
use stepup::core::challenge::{parse_step_up_challenge, parse_www_authenticate, Challenge};
use stepup::core::discovery::ProviderMetadata;
use stepup::core::json;
use stepup::core::token::parse_token_response;
use stepup::ErrorCode;

const ISS: &str = "https://idp.example/";

/// Challenges back to header text: every parameter value as a quoted-string.
fn format(challenges: &[Challenge]) -> String {
    let mut out = String::new();
    for c in challenges {
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str(&c.scheme);
        if let Some(t) = &c.token68 {
            out.push(' ');
            out.push_str(t);
        }
        for (i, (n, v)) in c.params.iter().enumerate() {
            out.push_str(if i == 0 { " " } else { ", " });
            out.push_str(n);
            out.push_str("=\"");
            for ch in v.chars() {
                if ch == '"' || ch == '\\' {
                    out.push('\\');
                }
                out.push(ch);
            }
            out.push('"');
        }
    }
    out
}

fn header(text: &str) {
    let parsed = parse_www_authenticate(text);
    let step_up = parse_step_up_challenge(text);
    if let Some(c) = &step_up {
        assert!(parsed.is_some());
        assert!(c.scheme == "Bearer" || c.scheme == "DPoP");
        assert!(c.acr_values.as_ref().is_none_or(|v| !v.is_empty() && v.iter().all(|a| !a.is_empty() && !a.contains(' '))));
    }
    let Some(challenges) = parsed else { return };
    for c in &challenges {
        assert!(c.token68.is_none() || c.params.is_empty());
        for (i, (n, _)) in c.params.iter().enumerate() {
            assert!(!n.bytes().any(|b| b.is_ascii_uppercase()));
            assert!(c.params.iter().skip(i + 1).all(|(m, _)| m != n));
        }
    }
    let again = format(&challenges);
    assert_eq!(parse_www_authenticate(&again).as_ref(), Some(&challenges), "{again}");
    assert_eq!(parse_step_up_challenge(&again), step_up);
}

fn callback(url: &str) {
    if let Ok(p) = parse_callback(url) {
        for (state, required) in [("s", false), ("s", true), ("", false)] {
            if let Ok(code) = validate_callback(&p, state, ISS, required) {
                assert!(!state.is_empty() && p.state.as_deref() == Some(state) && p.error.is_none());
                assert!(p.iss.as_deref().map_or(!required, |i| i == ISS));
                assert_eq!(p.code.as_deref(), Some(code.as_str()));
            }
        }
    }
    let clean = clean_url(url);
    assert_eq!(parse_callback(&clean).ok(), Some(CallbackParams::default()), "{clean}");
    assert_eq!(clean_url(&clean), clean);
}

fn encoding(text: &str) {
    let mut e = String::new();
    push_encoded(&mut e, text);
    assert!(e.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
    assert_eq!(percent_decode(&e), text);
    let _ = percent_decode(text);
}

/// The input, split at the first NUL, is the name and value of an extra parameter (and the login hint).
fn request(text: &str) {
    let (name, value) = text.split_once('\0').unwrap_or((text, ""));
    let r = AuthorizationRequest {
        client_id: "c".into(),
        redirect_uri: "https://app.example/cb".into(),
        state: "st".into(),
        nonce: "n".into(),
        code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
        acr_values: &value.split(' ').filter(|v| !v.is_empty()).map(String::from).collect::<Vec<_>>(),
        login_hint: Some(value),
        essential_acr: true,
        extra: &[(name.into(), value.into())],
        ..Default::default()
    };
    let Ok(url) = r.to_url("https://idp.example/authorize?tenant=1") else { return };
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let states: Vec<String> = query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .filter(|(n, _)| percent_decode(n) == "state")
        .map(|(_, v)| percent_decode(v))
        .collect();
    assert_eq!(states, ["st"]);
    let p = parse_callback(&url).unwrap_or_default();
    assert_eq!(p.state.as_deref(), Some("st"));
}

fn documents(text: &str) {
    let Ok(doc) = json::parse(text, ErrorCode::DiscoveryFailed) else { return };
    for status in [200, 400] {
        if let Ok(t) = parse_token_response(status, Some(&doc)) {
            assert!(status == 200 && !t.id_token.is_empty());
        }
    }
    if let Ok(m) = ProviderMetadata::from_json(&doc, ISS) {
        assert_eq!(m.issuer, ISS);
        for url in [&m.authorization_endpoint, &m.token_endpoint, &m.jwks_uri] {
            let scheme = url.split_once("://").map_or("", |(s, _)| s);
            assert!(scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http"), "{url}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let Ok(text) = core::str::from_utf8(rest) else { return };
    match mode % 5 {
        0 => header(text),
        // The rest follows a real step-up challenge, as a second challenge or more parameters.
        1 => header(&format!("Bearer error=\"insufficient_user_authentication\", {text}")),
        2 => {
            callback(text);
            callback(&format!("https://app.example/cb?{text}"));
        }
        3 => {
            encoding(text);
            request(text);
        }
        _ => documents(text),
    }
});
