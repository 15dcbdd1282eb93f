//! Property tests: the header and callback parsers never panic on any input, and what we format, they
//! read back unchanged.
// proptest and serde_json are native dev-dependencies only (Cargo.toml).
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use proptest::prelude::*;
use stepup::core::authorize::{clean_url, parse_callback, percent_decode, push_encoded, validate_callback, AuthorizationRequest};
use stepup::core::challenge::{parse_step_up_challenge, parse_www_authenticate, Challenge};

/// Text drawn mostly from the characters the header grammar cares about, so the parser's deeper states
/// are reached far more often than with uniform strings.
fn headerish() -> impl Strategy<Value = String> {
    "([A-Za-z]{1,6}|[ \t,=\"\\\\/+.~_-]|[0-9]{1,3}|\u{e9}|\u{1}){0,40}"
}

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,8}"
}

/// A challenge as the parser returns it: unique lowercase parameter names, or a token68.
fn challenge() -> impl Strategy<Value = Challenge> {
    let params = prop::collection::vec((token(), "[\t -~\u{a0}-\u{17f}]{0,12}"), 0..5).prop_map(|ps| {
        let mut out: Vec<(String, String)> = Vec::new();
        for (n, v) in ps {
            let n = n.to_ascii_lowercase();
            if !out.iter().any(|(m, _)| *m == n) {
                out.push((n, v));
            }
        }
        out
    });
    let token68 = prop::option::weighted(0.2, "[A-Za-z0-9._~+/-]{1,10}={0,2}");
    (token(), token68, params).prop_map(|(scheme, token68, params)| match token68 {
        Some(t) => Challenge { scheme, token68: Some(t), params: Vec::new() },
        None => Challenge { scheme, token68: None, params },
    })
}

/// Format challenges per RFC 9110 §11.6.1, with `ws` as optional whitespace, names in upper case when
/// `upper`, values as tokens when they are tokens (unless `quote_all`), else quoted with escapes.
fn format(challenges: &[Challenge], ws: &str, upper: bool, quote_all: bool) -> String {
    let is_token = |v: &str| !v.is_empty() && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    let mut out = String::new();
    for (i, c) in challenges.iter().enumerate() {
        if i > 0 {
            out.push_str(ws);
            out.push(',');
            out.push_str(ws);
        }
        out.push_str(&c.scheme);
        if let Some(t) = &c.token68 {
            out.push(' ');
            out.push_str(t);
        }
        for (j, (n, v)) in c.params.iter().enumerate() {
            out.push_str(if j == 0 { " " } else { "," });
            out.push_str(ws);
            out.push_str(&if upper { n.to_ascii_uppercase() } else { n.clone() });
            out.push_str(ws);
            out.push('=');
            out.push_str(ws);
            if is_token(v) && !quote_all {
                out.push_str(v);
            } else {
                out.push('"');
                for ch in v.chars() {
                    if ch == '"' || ch == '\\' {
                        out.push('\\');
                    }
                    out.push(ch);
                }
                out.push('"');
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn header_parsers_never_panic(h in any::<String>()) {
        let _ = parse_www_authenticate(&h);
        let _ = parse_step_up_challenge(&h);
    }

    #[test]
    fn header_parsers_never_panic_on_headerish_text(h in headerish()) {
        let _ = parse_www_authenticate(&h);
        let _ = parse_step_up_challenge(&h);
        let prefixed = format!("Bearer error=insufficient_user_authentication, {h}");
        let _ = parse_step_up_challenge(&prefixed);
    }

    #[test]
    fn callback_parsers_never_panic(u in any::<String>(), q in "([a-z_]{1,6}|[=&?#%+]|%[0-9a-fA-F]{0,2}|\u{e9}){0,30}") {
        for url in [u.as_str(), &format!("https://app.example/cb?{q}"), &format!("/cb#{q}")] {
            let _ = clean_url(url);
            let _ = percent_decode(url);
            if let Ok(p) = parse_callback(url) {
                let _ = validate_callback(&p, "state", "https://issuer/", true);
            }
        }
    }

    #[test]
    fn formatted_challenges_roundtrip(
        cs in prop::collection::vec(challenge(), 1..4),
        ws in prop::sample::select(vec!["", " ", "\t", " \t "]),
        upper in any::<bool>(),
        quote_all in any::<bool>(),
    ) {
        let header = format(&cs, ws, upper, quote_all);
        prop_assert_eq!(parse_www_authenticate(&header), Some(cs), "{}", header);
    }

    #[test]
    fn step_up_challenge_roundtrips(
        acr in prop::collection::vec("[!-~&&[^\"\\\\]]{1,20}", 0..4),
        max_age in prop::option::of(any::<u64>()),
        quoted in any::<bool>(),
        before in prop::collection::vec(challenge(), 0..3),
    ) {
        let mut params = vec![("error".to_string(), "insufficient_user_authentication".to_string())];
        if !acr.is_empty() {
            params.push(("acr_values".into(), acr.join(" ")));
        }
        if let Some(m) = max_age {
            params.push(("max_age".into(), m.to_string()));
        }
        // Challenges before ours must not be step-up challenges themselves.
        let mut all: Vec<Challenge> = before.into_iter().filter(|c| !c.is_scheme("bearer") && !c.is_scheme("dpop")).collect();
        all.push(Challenge { scheme: "DPoP".into(), token68: None, params });
        let c = parse_step_up_challenge(&format(&all, " ", false, quoted)).unwrap();
        prop_assert_eq!(c.acr_values, if acr.is_empty() { None } else { Some(acr) });
        prop_assert_eq!(c.max_age, max_age);
        prop_assert_eq!(c.scheme, "DPoP");
    }

    #[test]
    fn form_encoding_roundtrips(s in any::<String>()) {
        let mut e = String::new();
        push_encoded(&mut e, &s);
        prop_assert!(e.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
        prop_assert_eq!(percent_decode(&e), s);
    }

    #[test]
    fn callback_values_roundtrip_through_request_encoding(code in "[ -~]{1,30}", state in any::<String>(), app in "[a-z]{1,5}") {
        // The app's own parameter is `x…`, so it can never be an OAuth response name (`iss`, `code`, `state`).
        let mut url = format!("https://app.example/cb?x{app}=1&code=");
        push_encoded(&mut url, &code);
        url.push_str("&state=");
        push_encoded(&mut url, &state);
        let p = parse_callback(&url).unwrap();
        prop_assert_eq!(p.code.as_deref(), Some(code.as_str()));
        prop_assert_eq!(p.state.as_deref(), Some(state.as_str()));
        if !state.is_empty() {
            prop_assert_eq!(validate_callback(&p, &state, "https://i/", false).unwrap(), code);
        }
        prop_assert_eq!(clean_url(&url), format!("https://app.example/cb?x{app}=1"));
    }

    #[test]
    fn request_values_roundtrip(hint in any::<String>(), extra in any::<String>()) {
        let r = AuthorizationRequest {
            client_id: "c",
            redirect_uri: "https://app.example/cb",
            state: "s",
            nonce: "n",
            code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            login_hint: Some(&hint),
            extra: &[("x".into(), extra.clone())],
            ..Default::default()
        };
        let url = r.to_url("https://idp.example/authorize").unwrap();
        let query = url.split_once('?').unwrap().1;
        let get = |name: &str| query.split('&').find_map(|p| p.strip_prefix(name).and_then(|v| v.strip_prefix('='))).map(percent_decode);
        if !hint.is_empty() {
            prop_assert_eq!(get("login_hint"), Some(hint));
        }
        prop_assert_eq!(get("x"), Some(extra));
    }
}
