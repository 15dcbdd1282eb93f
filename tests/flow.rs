//! Flow-side conformance: authorization URL building, callback parsing and the order of its checks,
//! token responses, discovery, RFC 9470 challenges, the step-up policy table, the session.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
// Tests hold `Result<_, stepup::Error>` in closures; the size lint is about hot paths, not these.

use stepup::core::authorize::{clean_url, parse_callback, percent_decode, validate_callback, AuthorizationRequest, CallbackParams};
use stepup::core::challenge::{parse_step_up_challenge, parse_www_authenticate, Challenge, StepUpChallenge};
use stepup::core::claims::Claims;
use stepup::core::discovery::{discovery_url, ProviderMetadata};
use stepup::core::json::{self, Json};
use stepup::core::pkce::Pkce;
use stepup::core::policy::{evaluate, AmrPolicy, AuthContext, Reason, StepUpPolicy, DEFAULT_STEP_UP_ACR};
use stepup::core::session::Session;
use stepup::core::token::{parse_token_response, parse_token_response_for, token_request_body, TokenResponse};
use stepup::ErrorCode;

const AUTHZ: &str = "https://tenant.example.auth0.com/authorize";
const ISSUER: &str = "https://tenant.example.auth0.com/";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const MFA: &str = DEFAULT_STEP_UP_ACR;

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

fn request() -> AuthorizationRequest<'static> {
    AuthorizationRequest {
        client_id: "spa",
        redirect_uri: "https://app.example/cb",
        scope: "openid profile",
        state: "st",
        nonce: "no",
        code_challenge: CHALLENGE,
        ..Default::default()
    }
}

/// The decoded query parameters of a URL, in order.
fn query(url: &str) -> Vec<(String, String)> {
    let q = url.split_once('?').unwrap().1;
    q.split('&').map(|p| {
        let (n, v) = p.split_once('=').unwrap();
        (percent_decode(n), percent_decode(v))
    }).collect()
}

fn param(url: &str, name: &str) -> Option<String> {
    query(url).into_iter().find(|(n, _)| n == name).map(|(_, v)| v)
}

// ---------------------------------------------------------------- authorization request

#[test]
fn minimal_request_url_is_exact() {
    let url = request().to_url(AUTHZ).unwrap();
    assert_eq!(
        url,
        "https://tenant.example.auth0.com/authorize?response_type=code&client_id=spa\
         &redirect_uri=https%3A%2F%2Fapp.example%2Fcb&scope=openid%20profile&state=st&nonce=no\
         &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
    );
}

/// RFC 9449 §10: `dpop_jkt` carries the key thumbprint; only stepup sets it (extraParams may not).
#[test]
fn dpop_jkt_is_sent_and_reserved() {
    let jkt = "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U";
    let url = AuthorizationRequest { dpop_jkt: Some(jkt), ..request() }.to_url(AUTHZ).unwrap();
    assert_eq!(param(&url, "dpop_jkt").as_deref(), Some(jkt));
    assert_eq!(param(&request().to_url(AUTHZ).unwrap(), "dpop_jkt"), None);
    let r = AuthorizationRequest { extra: &[("dpop_jkt".into(), "attacker".into())], ..request() };
    assert_eq!(r.to_url(AUTHZ).unwrap_err().code(), "invalid_config");
}

#[test]
fn step_up_parameters() {
    let r = AuthorizationRequest {
        acr_values: &s(&[MFA, "urn:loa:3"]),
        max_age: Some(0),
        prompt: Some("login"),
        login_hint: Some("ann@example.com"),
        audience: Some("https://api.example"),
        essential_acr: true,
        extra: &[("ui_locales".into(), "de fr".into())],
        ..request()
    };
    let url = r.to_url(AUTHZ).unwrap();
    let names: Vec<String> = query(&url).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        ["response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge",
         "code_challenge_method", "acr_values", "max_age", "prompt", "login_hint", "audience", "claims", "ui_locales"]
    );
    assert!(url.contains("&acr_values=http%3A%2F%2Fschemas.openid.net%2Fpape%2Fpolicies%2F2007%2F06%2Fmulti-factor%20urn%3Aloa%3A3&"));
    assert!(url.contains("&max_age=0&"));
    assert!(url.ends_with("&ui_locales=de%20fr"));
    let claims = json::parse(&param(&url, "claims").unwrap(), ErrorCode::InvalidConfig).unwrap();
    let acr = claims.get("id_token").and_then(|t| t.get("acr")).unwrap();
    assert_eq!(acr.get("essential"), Some(&Json::Bool(true)));
    assert_eq!(acr.get("values"), Some(&Json::Array(vec![Json::String(MFA.into()), Json::String("urn:loa:3".into())])));
    assert_eq!(param(&url, "claims").unwrap(), format!(r#"{{"id_token":{{"acr":{{"essential":true,"values":["{MFA}","urn:loa:3"]}}}}}}"#));
}

#[test]
fn claims_parameter_escapes_json_and_needs_acr_values() {
    let r = AuthorizationRequest { acr_values: &s(&[r#"a"b\c"#]), essential_acr: true, ..request() };
    let claims = param(&r.to_url(AUTHZ).unwrap(), "claims").unwrap();
    assert_eq!(claims, r#"{"id_token":{"acr":{"essential":true,"values":["a\"b\\c"]}}}"#);
    let parsed = json::parse(&claims, ErrorCode::InvalidConfig).unwrap();
    let v = parsed.get("id_token").and_then(|t| t.get("acr")).and_then(|a| a.get("values")).unwrap();
    assert_eq!(v.as_array().unwrap()[0].as_str(), Some(r#"a"b\c"#));
    // essential without acr_values: nothing to make essential.
    let r = AuthorizationRequest { essential_acr: true, ..request() };
    assert_eq!(param(&r.to_url(AUTHZ).unwrap(), "claims"), None);
}

#[test]
fn percent_encoding_of_spaces_unicode_and_delimiters() {
    let r = AuthorizationRequest {
        redirect_uri: "https://app.example/cb?x=1&y=a b",
        login_hint: Some("Zoë O'Brien+tag@exämple.com &=?#/%"),
        state: "~-._",
        ..request()
    };
    let url = r.to_url(AUTHZ).unwrap();
    assert!(url.contains("redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1%26y%3Da%20b&"));
    assert!(url.contains("login_hint=Zo%C3%AB%20O%27Brien%2Btag%40ex%C3%A4mple.com%20%26%3D%3F%23%2F%25"));
    assert!(url.contains("&state=~-._&"), "unreserved characters are kept");
    assert_eq!(param(&url, "login_hint").unwrap(), "Zoë O'Brien+tag@exämple.com &=?#/%");
    assert_eq!(param(&url, "redirect_uri").unwrap(), "https://app.example/cb?x=1&y=a b");
    // Only unreserved characters and the structural & = ? survive unencoded.
    let q = url.split_once('?').unwrap().1;
    assert!(q.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%&=".contains(&b)), "{q}");
}

#[test]
fn scope_always_has_openid_once() {
    for (given, sent) in [
        ("", "openid"),
        ("profile", "openid profile"),
        ("profile openid email", "openid profile email"),
        ("openid  openid profile profile ", "openid profile"),
        ("offline_access", "openid offline_access"),
    ] {
        let r = AuthorizationRequest { scope: given, ..request() };
        assert_eq!(param(&r.to_url(AUTHZ).unwrap(), "scope").unwrap(), sent, "{given:?}");
    }
    for bad in ["pro\"file", "a\\b", "tab\there", "é"] {
        let r = AuthorizationRequest { scope: bad, ..request() };
        assert_eq!(r.to_url(AUTHZ).unwrap_err().code(), "invalid_config", "{bad:?}");
    }
}

#[test]
fn endpoint_with_query_and_security_rules() {
    assert!(request().to_url("https://idp.example/authorize?tenant=a").unwrap().starts_with("https://idp.example/authorize?tenant=a&response_type=code&"));
    assert!(request().to_url("https://idp.example/authorize?").unwrap().starts_with("https://idp.example/authorize?response_type=code&"));
    assert!(request().to_url("http://localhost:3000/auth").is_ok());
    assert!(request().to_url("http://127.0.0.1:9/auth").is_ok());
    for bad in [
        "http://idp.example/authorize",
        "https://idp.example/authorize#frag",
        "https://user@idp.example/authorize",
        "idp.example/authorize",
        "",
        "https://idp.example/authorize?client_id=evil",
        "https://idp.example/authorize?state=x",
        "https://idp.example/authorize?a=1&a=2",
    ] {
        assert_eq!(request().to_url(bad).unwrap_err().code(), "invalid_config", "{bad}");
    }
}

#[test]
fn extra_params_cannot_override_security_parameters() {
    for name in ["state", "nonce", "code_challenge", "code_challenge_method", "response_type", "client_id", "redirect_uri",
        "request", "request_uri", "scope", ""] {
        let r = AuthorizationRequest { extra: &[(name.into(), "x".into())], ..request() };
        let e = r.to_url(AUTHZ).unwrap_err();
        assert_eq!(e.code(), "invalid_config", "{name}");
    }
    // A parameter the request already sends, or an extra given twice.
    let r = AuthorizationRequest { acr_values: &s(&["a"]), extra: &[("acr_values".into(), "b".into())], ..request() };
    assert_eq!(r.to_url(AUTHZ).unwrap_err().kind(), ErrorCode::InvalidConfig);
    let r = AuthorizationRequest { extra: &[("x".into(), "1".into()), ("x".into(), "2".into())], ..request() };
    assert_eq!(r.to_url(AUTHZ).unwrap_err().kind(), ErrorCode::InvalidConfig);
    // Not sent by the request, so allowed as an extra.
    let r = AuthorizationRequest { extra: &[("acr_values".into(), "b".into()), ("response_mode".into(), "query".into())], ..request() };
    assert_eq!(param(&r.to_url(AUTHZ).unwrap(), "acr_values").unwrap(), "b");
}

#[test]
fn required_values_and_shapes() {
    let bad_chars = format!("{}+", &CHALLENGE[..42]);
    let (acr_space, acr_empty) = (s(&["a b"]), s(&[""]));
    let cases: Vec<(&str, AuthorizationRequest)> = vec![
        ("client_id", AuthorizationRequest { client_id: "", ..request() }),
        ("redirect_uri", AuthorizationRequest { redirect_uri: "", ..request() }),
        ("redirect fragment", AuthorizationRequest { redirect_uri: "https://app.example/cb#x", ..request() }),
        ("state", AuthorizationRequest { state: "", ..request() }),
        ("nonce", AuthorizationRequest { nonce: "", ..request() }),
        ("challenge", AuthorizationRequest { code_challenge: "short", ..request() }),
        ("challenge chars", AuthorizationRequest { code_challenge: &bad_chars, ..request() }),
        ("acr space", AuthorizationRequest { acr_values: &acr_space, ..request() }),
        ("acr empty", AuthorizationRequest { acr_values: &acr_empty, ..request() }),
    ];
    for (what, r) in cases {
        assert_eq!(r.to_url(AUTHZ).unwrap_err().code(), "invalid_config", "{what}");
    }
    // Empty optional strings are simply not sent.
    let r = AuthorizationRequest { prompt: Some(""), login_hint: Some(""), ..request() };
    let url = r.to_url(AUTHZ).unwrap();
    assert!(!url.contains("prompt") && !url.contains("login_hint"));
}

#[test]
fn pkce_pair_feeds_the_request() {
    let p = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();
    assert_eq!(p.challenge, CHALLENGE);
    let p = Pkce::from_random(&[7; 32]);
    let r = AuthorizationRequest { code_challenge: &p.challenge, ..request() };
    assert_eq!(param(&r.to_url(AUTHZ).unwrap(), "code_challenge").unwrap(), p.challenge);
}

// ---------------------------------------------------------------- callback

#[test]
fn parses_query_and_fragment_callbacks() {
    let p = parse_callback("https://app.example/cb?code=a%2Bb+c&state=xyz&iss=https%3A%2F%2Ftenant.example.auth0.com%2F").unwrap();
    assert_eq!(p.code.as_deref(), Some("a+b c"));
    assert_eq!(p.state.as_deref(), Some("xyz"));
    assert_eq!(p.iss.as_deref(), Some(ISSUER));
    // response_mode=fragment, with an app query that holds no response parameter.
    let p = parse_callback("https://app.example/cb?tab=2#state=s&code=c").unwrap();
    assert_eq!((p.code.as_deref(), p.state.as_deref()), (Some("c"), Some("s")));
    // An error response, decoded.
    let p = parse_callback("/cb?error=access_denied&error_description=User+said+%22no%22&error_uri=https%3A%2F%2Fx&state=s").unwrap();
    assert_eq!(p.error.as_deref(), Some("access_denied"));
    assert_eq!(p.error_description.as_deref(), Some("User said \"no\""));
    assert_eq!(p.error_uri.as_deref(), Some("https://x"));
    // Unrelated parameters ignored; an encoded name counts as its decoded name.
    let p = parse_callback("https://app.example/cb?foo=%zz&st%61te=s&code").unwrap();
    assert_eq!((p.state.as_deref(), p.code.as_deref()), (Some("s"), Some("")));
    assert_eq!(parse_callback("https://app.example/").unwrap(), CallbackParams::default());
}

#[test]
fn repeated_response_parameters_are_rejected() {
    assert_eq!(parse_callback("/cb?code=a&state=s&state=t").unwrap_err().code(), "state_mismatch");
    assert_eq!(parse_callback("/cb?code=a&code=b&state=s").unwrap_err().code(), "state_mismatch");
    assert_eq!(parse_callback("/cb?code=a&state=s&error=x&error=y").unwrap_err().code(), "state_mismatch");
    assert_eq!(parse_callback("/cb?code=a&state=s&iss=a&iss=b").unwrap_err().code(), "issuer_mismatch");
    assert_eq!(parse_callback("/cb?code=a&state=s&%73tate=t").unwrap_err().code(), "state_mismatch");
    // Other parameters may repeat.
    assert!(parse_callback("/cb?code=a&state=s&x=1&x=2").is_ok());
}

fn cb(code: Option<&str>, state: Option<&str>, iss: Option<&str>, error: Option<&str>) -> CallbackParams {
    CallbackParams {
        code: code.map(String::from),
        state: state.map(String::from),
        iss: iss.map(String::from),
        error: error.map(String::from),
        error_description: error.map(|_| "why".to_string()),
        error_uri: None,
    }
}

#[test]
fn callback_checks_run_in_order() {
    let ok = |p: &CallbackParams, req: bool| validate_callback(p, "st", ISSUER, req);
    // (params, iss_required, expected code or Ok(code))
    let table: Vec<(CallbackParams, bool, Result<&str, &str>)> = vec![
        (cb(Some("c"), Some("st"), Some(ISSUER), None), true, Ok("c")),
        (cb(Some("c"), Some("st"), None, None), false, Ok("c")),
        (cb(Some("c"), Some("st"), Some(ISSUER), None), false, Ok("c")),
        // 1. state first: even an error response or a wrong iss is reported as state_mismatch.
        (cb(Some("c"), Some("st1"), Some(ISSUER), None), true, Err("state_mismatch")),
        (cb(Some("c"), None, Some(ISSUER), None), true, Err("state_mismatch")),
        (cb(None, Some("ST"), Some("https://evil"), Some("access_denied")), true, Err("state_mismatch")),
        (cb(Some("c"), Some(""), None, None), false, Err("state_mismatch")),
        // 2. iss exactly, and required when advertised (RFC 9207).
        (cb(Some("c"), Some("st"), Some("https://tenant.example.auth0.com"), None), false, Err("issuer_mismatch")),
        (cb(Some("c"), Some("st"), Some("https://TENANT.example.auth0.com/"), None), false, Err("issuer_mismatch")),
        (cb(None, Some("st"), Some("https://evil/"), Some("access_denied")), false, Err("issuer_mismatch")),
        (cb(Some("c"), Some("st"), None, None), true, Err("issuer_mismatch")),
        (cb(None, Some("st"), None, Some("login_required")), true, Err("issuer_mismatch")),
        // 3. then the provider's error.
        (cb(Some("c"), Some("st"), Some(ISSUER), Some("access_denied")), true, Err("authorization_error")),
        (cb(None, Some("st"), None, Some("login_required")), false, Err("authorization_error")),
        // 4. then a code.
        (cb(None, Some("st"), Some(ISSUER), None), true, Err("authorization_error")),
        (cb(Some(""), Some("st"), Some(ISSUER), None), true, Err("authorization_error")),
        (cb(Some("c\u{7f}"), Some("st"), Some(ISSUER), None), true, Err("authorization_error")),
        (cb(Some("cö"), Some("st"), Some(ISSUER), None), true, Err("authorization_error")),
    ];
    for (i, (p, req, want)) in table.iter().enumerate() {
        let got = ok(p, *req);
        match want {
            Ok(code) => assert_eq!(got.unwrap(), *code, "row {i}"),
            Err(c) => assert_eq!(got.unwrap_err().code(), *c, "row {i}"),
        }
    }
    let e = ok(&cb(None, Some("st"), Some(ISSUER), Some("access_denied")), true).unwrap_err();
    assert_eq!((e.error.as_deref(), e.error_description.as_deref()), (Some("access_denied"), Some("why")));
    // An empty expected state never matches (a lost transaction is not a wildcard).
    assert_eq!(validate_callback(&cb(Some("c"), Some(""), None, None), "", ISSUER, false).unwrap_err().code(), "state_mismatch");
}

#[test]
fn end_to_end_callback() {
    let url = "https://app.example/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=af0ifjsldkj&iss=https%3A%2F%2Ftenant.example.auth0.com%2F";
    let code = validate_callback(&parse_callback(url).unwrap(), "af0ifjsldkj", ISSUER, true).unwrap();
    assert_eq!(code, "SplxlOBeZQQYbYS6WxSbIA");
    assert_eq!(clean_url(url), "https://app.example/cb");
}

#[test]
fn clean_url_keeps_the_app_state() {
    for (url, clean) in [
        ("https://app.example/cb?code=c&state=s", "https://app.example/cb"),
        ("https://app.example/cb?tab=2&code=c&state=s&iss=i&session_state=x", "https://app.example/cb?tab=2"),
        ("https://app.example/cb?error=e&error_description=d&error_uri=u&state=s&b=1#top", "https://app.example/cb?b=1#top"),
        ("https://app.example/cb#code=c&state=s", "https://app.example/cb"),
        ("https://app.example/cb?x=%20#state=s&y=1", "https://app.example/cb?x=%20#y=1"),
        ("https://app.example/cb?co%64e=c&codes=1", "https://app.example/cb?codes=1"),
        ("https://app.example/", "https://app.example/"),
        ("/cb?code=1", "/cb"),
    ] {
        assert_eq!(clean_url(url), clean, "{url}");
    }
}

// ---------------------------------------------------------------- token endpoint

fn body(text: &str) -> Json {
    json::parse(text, ErrorCode::TokenRequestFailed).unwrap()
}

#[test]
fn token_request_body_is_form_encoded() {
    assert_eq!(
        token_request_body("a b+c", "https://app.example/cb?x=1", "spa", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        "grant_type=authorization_code&code=a%20b%2Bc&redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1\
         &client_id=spa&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    );
}

#[test]
fn token_responses() {
    let ok = body(r#"{"id_token":"h.p.s","access_token":"at","token_type":"bearer","expires_in":86400,"scope":"openid profile","refresh_token":"rt"}"#);
    assert_eq!(
        parse_token_response(200, Some(&ok)).unwrap(),
        TokenResponse {
            id_token: "h.p.s".into(),
            access_token: Some("at".into()),
            token_type: Some("Bearer".into()),
            expires_in: Some(86400),
            scope: Some("openid profile".into()),
            refresh_token: Some("rt".into()),
        }
    );
    let t = parse_token_response(201, Some(&body(r#"{"id_token":"x","token_type":"BEARER","expires_in":"3600"}"#))).unwrap();
    assert_eq!((t.token_type.as_deref(), t.expires_in), (Some("Bearer"), Some(3600)));
    let t = parse_token_response(200, Some(&body(r#"{"id_token":"x","token_type":"Bearer"}"#))).unwrap();
    assert_eq!(t, TokenResponse { id_token: "x".into(), token_type: Some("Bearer".into()), ..Default::default() });

    let e = parse_token_response(400, Some(&body(r#"{"error":"invalid_grant","error_description":"bad code"}"#))).unwrap_err();
    assert_eq!((e.code(), e.error.as_deref(), e.error_description.as_deref()), ("token_request_failed", Some("invalid_grant"), Some("bad code")));
    let e = parse_token_response(403, Some(&body(r#"{"error":"mfa_required","mfa_token":"t"}"#))).unwrap_err();
    assert_eq!(e.error.as_deref(), Some("mfa_required"));
    let e = parse_token_response(502, None).unwrap_err();
    assert_eq!((e.code(), e.message()), ("token_request_failed", "the token endpoint answered HTTP 502"));
    assert_eq!(e.error, None);

    for (status, text) in [
        (200, r#"{"access_token":"at"}"#),
        (200, r#"{"id_token":""}"#),
        (200, r#"{"id_token":null}"#),
        (200, r#"{"id_token":7}"#),
        (200, r#"["id_token"]"#),
        (200, r#"{"id_token":"x","token_type":"mac"}"#),
        // token_type is required (RFC 6749 §5.1), and a DPoP-bound token needs a key we do not hold.
        (200, r#"{"id_token":"x"}"#),
        (200, r#"{"id_token":"x","token_type":"DPoP"}"#),
        (200, r#"{"id_token":"x","token_type":5}"#),
        (200, r#"{"id_token":"x","token_type":"Bearer","access_token":1}"#),
        (200, r#"{"id_token":"x","token_type":"Bearer","expires_in":-1}"#),
        (200, r#"{"id_token":"x","token_type":"Bearer","expires_in":1.5}"#),
        (200, r#"{"id_token":"x","token_type":"Bearer","expires_in":"1h"}"#),
        (200, r#"{"id_token":"x","error":"server_error"}"#),
        (302, r#"{"id_token":"x"}"#),
    ] {
        let e = parse_token_response(status, Some(&body(text))).unwrap_err();
        assert_eq!(e.code(), "token_request_failed", "{text}");
    }
}

/// RFC 9449 §5: a client that sent a DPoP proof takes only `token_type: DPoP`; a `Bearer` answer (the
/// provider ignored the proof) or any other type is token_request_failed, like a DPoP answer without a proof.
#[test]
fn token_responses_with_dpop_need_token_type_dpop() {
    for text in [r#"{"id_token":"x","token_type":"DPoP"}"#, r#"{"id_token":"x","token_type":"dpop"}"#] {
        let t = parse_token_response_for(200, Some(&body(text)), true).unwrap();
        assert_eq!(t.token_type.as_deref(), Some("DPoP"), "{text}");
    }
    for text in [
        r#"{"id_token":"x","token_type":"Bearer"}"#,
        r#"{"id_token":"x","token_type":"mac"}"#,
        r#"{"id_token":"x","token_type":"DPoP "}"#,
        r#"{"id_token":"x"}"#,
    ] {
        let e = parse_token_response_for(200, Some(&body(text)), true).unwrap_err();
        assert_eq!((e.code(), e.message()), ("token_request_failed", if text.contains("token_type") { "token_type is not DPoP" } else { "the token response has no token_type" }), "{text}");
    }
    // Without a proof, nothing changes: Bearer only.
    assert!(parse_token_response_for(200, Some(&body(r#"{"id_token":"x","token_type":"DPoP"}"#)), false).is_err());
    assert!(parse_token_response_for(200, Some(&body(r#"{"id_token":"x","token_type":"Bearer"}"#)), false).is_ok());
}

// ---------------------------------------------------------------- discovery

#[test]
fn discovery_urls() {
    assert_eq!(discovery_url("https://tenant.auth0.com/"), "https://tenant.auth0.com/.well-known/openid-configuration");
    assert_eq!(discovery_url("https://kc.example/realms/x"), "https://kc.example/realms/x/.well-known/openid-configuration");
    assert_eq!(discovery_url("http://localhost:3000"), "http://localhost:3000/.well-known/openid-configuration");
}

fn metadata(extra: &str) -> Json {
    body(&format!(
        r#"{{"issuer":"{ISSUER}","authorization_endpoint":"{ISSUER}authorize","token_endpoint":"{ISSUER}oauth/token",
            "jwks_uri":"{ISSUER}.well-known/jwks.json","response_types_supported":["code"]{extra}}}"#
    ))
}

#[test]
fn discovery_metadata() {
    let m = ProviderMetadata::from_json(&metadata(""), ISSUER).unwrap();
    assert_eq!(m.token_endpoint, "https://tenant.example.auth0.com/oauth/token");
    assert!(!m.authorization_response_iss_parameter_supported);
    assert!(m.code_challenge_methods_supported.is_empty() && m.end_session_endpoint.is_none());
    assert!(m.raw.contains_key("response_types_supported"));

    let m = ProviderMetadata::from_json(
        &metadata(r#","authorization_response_iss_parameter_supported":true,"code_challenge_methods_supported":["plain","S256"],
            "acr_values_supported":["a","b"],"id_token_signing_alg_values_supported":["RS256"],
            "end_session_endpoint":"https://tenant.example.auth0.com/oidc/logout","userinfo_endpoint":null"#),
        ISSUER,
    )
    .unwrap();
    assert!(m.authorization_response_iss_parameter_supported);
    assert_eq!(m.acr_values_supported, ["a", "b"]);
    assert_eq!(m.id_token_signing_alg_values_supported, ["RS256"]);
    assert_eq!(m.end_session_endpoint.as_deref(), Some("https://tenant.example.auth0.com/oidc/logout"));

    // A local dev provider may use http.
    let local = body(r#"{"issuer":"http://localhost:4000","authorization_endpoint":"http://localhost:4000/auth",
        "token_endpoint":"http://127.0.0.1:4000/token","jwks_uri":"http://localhost:4000/jwks"}"#);
    assert!(ProviderMetadata::from_json(&local, "http://localhost:4000").is_ok());
}

#[test]
fn discovery_issuer_is_checked_first() {
    // Wrong issuer wins over every other defect.
    let broken = body(r#"{"issuer":"https://evil.example/","token_endpoint":"http://evil.example/t"}"#);
    assert_eq!(ProviderMetadata::from_json(&broken, ISSUER).unwrap_err().code(), "issuer_mismatch");
    for issuer in ["https://tenant.example.auth0.com", "https://tenant.example.auth0.com//", "HTTPS://tenant.example.auth0.com/", ""] {
        assert_eq!(ProviderMetadata::from_json(&metadata(""), issuer).unwrap_err().code(), "issuer_mismatch", "{issuer}");
    }
    let no_issuer = body(r#"{"authorization_endpoint":"https://a/"}"#);
    assert_eq!(ProviderMetadata::from_json(&no_issuer, ISSUER).unwrap_err().code(), "issuer_mismatch");
    assert_eq!(ProviderMetadata::from_json(&body("[]"), ISSUER).unwrap_err().code(), "discovery_failed");
    let http = body(r#"{"issuer":"http://idp.example","authorization_endpoint":"https://a/","token_endpoint":"https://a/","jwks_uri":"https://a/"}"#);
    assert_eq!(ProviderMetadata::from_json(&http, "http://idp.example").unwrap_err().code(), "invalid_config");
}

#[test]
fn discovery_rejects_bad_endpoints_and_missing_s256() {
    let without = |name: &str| {
        let mut j = metadata("");
        if let Json::Object(o) = &mut j {
            o.remove(name);
        }
        j
    };
    for name in ["authorization_endpoint", "token_endpoint", "jwks_uri"] {
        assert_eq!(ProviderMetadata::from_json(&without(name), ISSUER).unwrap_err().code(), "discovery_failed", "{name}");
    }
    for extra in [
        r#","code_challenge_methods_supported":["plain"]"#,
        r#","code_challenge_methods_supported":[]"#,
        r#","code_challenge_methods_supported":"S256""#,
        r#","code_challenge_methods_supported":["S256",1]"#,
        r#","end_session_endpoint":"http://tenant.example.auth0.com/logout""#,
        r#","userinfo_endpoint":5"#,
        r#","authorization_response_iss_parameter_supported":"true""#,
    ] {
        assert_eq!(ProviderMetadata::from_json(&metadata(extra), ISSUER).unwrap_err().code(), "discovery_failed", "{extra}");
    }
    let insecure = body(&format!(
        r#"{{"issuer":"{ISSUER}","authorization_endpoint":"http://tenant.example.auth0.com/authorize","token_endpoint":"{ISSUER}t","jwks_uri":"{ISSUER}j"}}"#
    ));
    assert_eq!(ProviderMetadata::from_json(&insecure, ISSUER).unwrap_err().code(), "discovery_failed");
}

// ---------------------------------------------------------------- RFC 9470 challenges

const RFC9470_EXAMPLE: &str = r#"Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="http://schemas.openid.net/pape/policies/2007/06/multi-factor", max_age="300""#;

#[test]
fn rfc9470_example_verbatim() {
    let c = parse_step_up_challenge(RFC9470_EXAMPLE).unwrap();
    assert_eq!(
        c,
        StepUpChallenge {
            scheme: "Bearer".into(),
            error: "insufficient_user_authentication".into(),
            error_description: Some("A different authentication level is required".into()),
            acr_values: Some(s(&[MFA])),
            max_age: Some(300),
            claims: None,
        }
    );
    // RFC 9470 §3's second example: max_age only, as a token.
    let c = parse_step_up_challenge(r#"Bearer error="insufficient_user_authentication", error_description="More recent authentication is required", max_age=5"#).unwrap();
    assert_eq!((c.acr_values, c.max_age), (None, Some(5)));
}

#[test]
fn several_challenges_in_one_header() {
    let h = r#"Basic realm="api", Newauth realm="apps", type=1, title="Login to \"apps\"", Bearer realm="x", error="insufficient_user_authentication", acr_values="urn:a urn:b""#;
    let all = parse_www_authenticate(h).unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[1], Challenge {
        scheme: "Newauth".into(),
        token68: None,
        params: vec![("realm".into(), "apps".into()), ("type".into(), "1".into()), ("title".into(), "Login to \"apps\"".into())],
    });
    let c = parse_step_up_challenge(h).unwrap();
    assert_eq!(c.acr_values, Some(s(&["urn:a", "urn:b"])));
    // token68 challenges around it.
    let all = parse_www_authenticate("Negotiate YII=, Bearer error=insufficient_user_authentication ,Basic").unwrap();
    assert_eq!(all.iter().map(|c| c.scheme.as_str()).collect::<Vec<_>>(), ["Negotiate", "Bearer", "Basic"]);
    assert_eq!(all[0].token68.as_deref(), Some("YII="));
    assert!(parse_step_up_challenge("Negotiate YII=, Bearer error=insufficient_user_authentication ,Basic").is_some());
    // The first matching Bearer/DPoP challenge wins; other errors don't count.
    let h = r#"Bearer error="invalid_token", DPoP error="insufficient_user_authentication", max_age=1, Bearer error="insufficient_user_authentication", max_age=2"#;
    let c = parse_step_up_challenge(h).unwrap();
    assert_eq!((c.scheme.as_str(), c.max_age), ("DPoP", Some(1)));
}

#[test]
fn case_whitespace_and_escapes() {
    let c = parse_step_up_challenge("bEaReR\tERROR = \"insufficient_user_authentication\" ,\t,  Max_Age = \"3\\00\" , ACR_VALUES=\"a\\\\b  c\"").unwrap();
    assert_eq!((c.scheme.as_str(), c.max_age), ("Bearer", Some(300)));
    assert_eq!(c.acr_values, Some(s(&["a\\b", "c"])));
    let c = parse_step_up_challenge(r#"dpop algs="ES256", error="insufficient_user_authentication""#).unwrap();
    assert_eq!(c.scheme, "DPoP");
    // The error value is case-sensitive (RFC 6749 error codes), and a non-Bearer scheme does not count.
    assert!(parse_step_up_challenge(r#"Bearer error="Insufficient_User_Authentication""#).is_none());
    assert!(parse_step_up_challenge(r#"Basic error="insufficient_user_authentication""#).is_none());
    assert!(parse_step_up_challenge(r#"Bearer realm="x""#).is_none());
    assert!(parse_step_up_challenge("").is_none());
    assert_eq!(parse_www_authenticate(" , ,").unwrap(), vec![]);
    // `error=` is grammatically a token68, not an empty parameter.
    assert_eq!(parse_www_authenticate("Bearer error=").unwrap()[0].token68.as_deref(), Some("error="));
    // Empty acr_values is absent; error_description keeps non-ASCII text.
    let c = parse_step_up_challenge(r#"Bearer error="insufficient_user_authentication", acr_values="  ", error_description="Zoë""#).unwrap();
    assert_eq!((c.acr_values, c.error_description.as_deref()), (None, Some("Zoë")));
}

/// Microsoft Entra ID's Conditional Access challenge (its documented example, standard base64 with padding).
const ENTRA_CLAIMS_JSON: &str = r#"{"access_token":{"acrs":{"essential":true,"value":"c1"}}}"#;

fn std_base64(bytes: &[u8]) -> String {
    // Standard alphabet with padding, from the base64url encoder.
    let url = stepup::core::base64url::encode(bytes).replace('-', "+").replace('_', "/");
    format!("{url}{}", "=".repeat((4 - url.len() % 4) % 4))
}

#[test]
fn entra_insufficient_claims() {
    let b64 = std_base64(ENTRA_CLAIMS_JSON.as_bytes());
    assert_eq!(b64, "eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiYzEifX19");
    let h = format!(r#"Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="{b64}""#);
    let c = parse_step_up_challenge(&h).unwrap();
    assert_eq!((c.scheme.as_str(), c.error.as_str()), ("Bearer", "insufficient_claims"));
    assert_eq!(c.claims.as_deref(), Some(ENTRA_CLAIMS_JSON));
    assert_eq!(c.acr_values, Some(s(&["c1"])));
    // The step-up sends the claims; the access token's acrs are the API's to judge, so the ID token is not bound.
    let (policy, acr_values) = c.step_up(MFA);
    assert_eq!((policy, acr_values), (StepUpPolicy::default(), None));

    // An id_token acr request (OIDC Core 5.5.1.1) binds the new ID token; padding of one and of two.
    for json in [r#"{"id_token":{"acr":{"essential":true,"values":["urn:a","urn:b"]}}}"#, r#"{"id_token":{"acr":{"value":"urn:a"}}} "#] {
        let h = format!(r#"Bearer error="insufficient_claims", claims="{}""#, std_base64(json.as_bytes()));
        let c = parse_step_up_challenge(&h).unwrap();
        let (policy, acr_values) = c.step_up(MFA);
        assert_eq!(acr_values, None);
        assert_eq!(policy.acr.as_deref().map(|a| a[0].as_str()), Some("urn:a"));
        assert!(!policy.mfa && policy.max_age.is_none());
    }
    // Also without padding, as a token, and in a DPoP challenge after others.
    let bare = std_base64(ENTRA_CLAIMS_JSON.as_bytes()).trim_end_matches('=').to_owned();
    let c = parse_step_up_challenge(&format!(r#"Basic realm="x", DPoP error=insufficient_claims, claims={bare}"#)).unwrap();
    assert_eq!((c.scheme.as_str(), c.acr_values.clone()), ("DPoP", Some(s(&["c1"]))));
    // RFC 9470's challenge keeps its own meaning and no claims.
    assert_eq!(parse_step_up_challenge(RFC9470_EXAMPLE).unwrap().claims, None);
}

#[test]
fn entra_claims_that_cannot_be_read_are_no_challenge() {
    let h = |claims: &str| parse_step_up_challenge(&format!(r#"Bearer error="insufficient_claims", claims="{claims}""#));
    let ok = std_base64(ENTRA_CLAIMS_JSON.as_bytes());
    assert!(h(&ok).is_some());
    let symbols = std_base64(br#"{"a":">>>???"}"#);
    assert!(symbols.contains('+') && symbols.contains('/') && h(&symbols).is_some());
    for bad in [
        String::new(),
        "not base64!".into(),
        symbols.replace('+', "-").replace('/', "_"), // base64url characters are not standard base64
        format!("{ok}="),                     // padding past a multiple of four
        format!("a{ok}"),                     // an impossible length
        std_base64(b"[1,2]"),                 // JSON, but not an object
        std_base64(b"{\"a\":"),               // not JSON
        std_base64(&[0xff, 0xfe, 0x7b, 0x7d]), // not UTF-8
    ] {
        assert!(h(&bad).is_none(), "{bad}");
    }
    assert!(parse_step_up_challenge(r#"Bearer error="insufficient_claims""#).is_none(), "no claims");
    // An unreadable Entra challenge does not hide a later RFC 9470 one.
    let c = parse_step_up_challenge(r#"Bearer error="insufficient_claims", claims="@", DPoP error="insufficient_user_authentication", max_age=1"#).unwrap();
    assert_eq!((c.error.as_str(), c.max_age), ("insufficient_user_authentication", Some(1)));
}

#[test]
fn max_age_forms() {
    let age = |v: &str| parse_step_up_challenge(&format!("Bearer error=insufficient_user_authentication, max_age={v}")).map(|c| c.max_age);
    assert_eq!(age("0"), Some(Some(0)));
    assert_eq!(age("\"0300\""), Some(Some(300)));
    assert_eq!(age("18446744073709551615"), Some(Some(u64::MAX)));
    // Not a non-negative integer: the challenge is unreadable.
    for bad in ["-1", "\"-1\"", "1.5", "\"\"", "\" 5\"", "18446744073709551616", "1e3", "+5", "x"] {
        assert_eq!(age(bad), None, "{bad}");
    }
}

#[test]
fn garbage_headers_yield_nothing() {
    for bad in [
        "=",
        "Bearer error=\"unterminated",
        "Bearer error=\"insufficient_user_authentication\" x",
        "Bearer error=\"insufficient_user_authentication\", error=\"again\"",
        "Bearer a=b c=d",
        "Bearer @",
        "Bearer error=\"a\u{1}b\"",
        "Negotiate abc, realm=\"x\"",
        "Bearer error=\"insufficient_user_authentication\"\"\"",
        "Bearer error=\"insufficient_user_authentication\", \"x\"",
        "Bearer, =x",
    ] {
        assert_eq!(parse_www_authenticate(bad), None, "{bad:?}");
        assert!(parse_step_up_challenge(bad).is_none(), "{bad:?}");
    }
}

// ---------------------------------------------------------------- policy table and session

#[test]
fn policy_table() {
    const NOW: i64 = 1_700_000_000;
    let ctx = |acr: Option<&str>, amr: &[&str], t: Option<i64>| AuthContext { acr: acr.map(String::from), amr: s(amr), auth_time: t };
    let amr = |any: &[&str], all: &[&str]| Some(AmrPolicy { any_of: s(any), all_of: s(all) });
    use Reason::*;
    // (context, policy, reasons, acr_values requested, max_age requested)
    type Row = (AuthContext, StepUpPolicy, Vec<Reason>, Option<Vec<String>>, Option<u64>);
    let table: Vec<Row> = vec![
        (ctx(None, &["pwd"], Some(NOW)), StepUpPolicy::default(), vec![], None, None),
        (ctx(None, &["mfa"], Some(NOW)), StepUpPolicy { mfa: true, ..Default::default() }, vec![], None, None),
        (ctx(None, &["pwd", "otp"], None), StepUpPolicy { mfa: true, ..Default::default() }, vec![], None, None),
        (ctx(Some(MFA), &[], None), StepUpPolicy { mfa: true, ..Default::default() }, vec![], None, None),
        (ctx(None, &["pwd"], None), StepUpPolicy { mfa: true, ..Default::default() }, vec![MfaNotSatisfied], Some(s(&[MFA])), None),
        (ctx(None, &["otp", "sms"], None), StepUpPolicy { mfa: true, ..Default::default() }, vec![MfaNotSatisfied], Some(s(&[MFA])), None),
        (ctx(Some("gold"), &[], None), StepUpPolicy { acr: Some(s(&["gold"])), ..Default::default() }, vec![], None, None),
        (ctx(Some("silver"), &[], None), StepUpPolicy { acr: Some(s(&["gold"])), ..Default::default() }, vec![AcrNotSatisfied], Some(s(&["gold"])), None),
        (ctx(None, &["hwk"], None), StepUpPolicy { amr: amr(&["hwk", "swk"], &[]), ..Default::default() }, vec![], None, None),
        (ctx(None, &["pwd"], None), StepUpPolicy { amr: amr(&["hwk", "swk"], &[]), ..Default::default() }, vec![AmrNotSatisfied], Some(s(&[MFA])), None),
        (ctx(None, &["pwd", "hwk"], None), StepUpPolicy { amr: amr(&[], &["pwd", "hwk"]), ..Default::default() }, vec![], None, None),
        (ctx(None, &["hwk"], None), StepUpPolicy { amr: amr(&[], &["pwd", "hwk"]), ..Default::default() }, vec![AmrNotSatisfied], Some(s(&[MFA])), None),
        (ctx(None, &[], Some(NOW - 300)), StepUpPolicy { max_age: Some(300), ..Default::default() }, vec![], None, None),
        (ctx(None, &[], Some(NOW - 301)), StepUpPolicy { max_age: Some(300), ..Default::default() }, vec![AuthTimeTooOld], None, Some(300)),
        (ctx(None, &[], None), StepUpPolicy { max_age: Some(300), ..Default::default() }, vec![AuthTimeMissing], None, Some(300)),
        (ctx(None, &[], Some(NOW + 1)), StepUpPolicy { max_age: Some(300), ..Default::default() }, vec![AuthTimeInFuture], None, Some(300)),
        (
            ctx(Some("silver"), &["pwd"], Some(NOW - 1000)),
            StepUpPolicy { acr: Some(s(&["gold", "platinum"])), amr: amr(&["hwk"], &[]), mfa: true, max_age: Some(600) },
            vec![AcrNotSatisfied, AmrNotSatisfied, MfaNotSatisfied, AuthTimeTooOld],
            Some(s(&["gold", "platinum"])),
            Some(600),
        ),
    ];
    for (i, (c, p, reasons, acr_values, max_age)) in table.into_iter().enumerate() {
        let d = evaluate(&c, &p, NOW, MFA, 0);
        assert_eq!(d.satisfied, reasons.is_empty(), "row {i}");
        assert_eq!(d.reasons, reasons, "row {i}");
        assert_eq!(d.acr_values, acr_values, "row {i}");
        assert_eq!(d.max_age, max_age, "row {i}");
        match d.to_error() {
            None => assert!(d.satisfied, "row {i}"),
            Some(e) => {
                let want = match d.reasons[0] {
                    AcrNotSatisfied => "acr_not_satisfied",
                    AmrNotSatisfied | MfaNotSatisfied => "amr_not_satisfied",
                    _ => "auth_time_too_old",
                };
                assert_eq!(e.code(), want, "row {i}");
                assert_eq!((e.acr_values.clone(), e.max_age), (d.acr_values.clone(), d.max_age), "row {i}");
            }
        }
    }
}

#[test]
fn challenge_feeds_policy_and_request() {
    // A resource server's challenge turns into the policy the next login is judged by and its request.
    let c = parse_step_up_challenge(RFC9470_EXAMPLE).unwrap();
    let (policy, acr_values) = c.step_up("urn:ours");
    assert_eq!(policy, StepUpPolicy { acr: Some(s(&[MFA])), amr: None, mfa: false, max_age: Some(300) });
    assert!(stepup::core::policy::acr_binds(Some(&policy)), "the server listed acr_values: they bind");
    let r = AuthorizationRequest { acr_values: &acr_values.unwrap(), max_age: policy.max_age, ..request() };
    let url = r.to_url(AUTHZ).unwrap();
    assert_eq!(param(&url, "acr_values").unwrap(), MFA);
    assert_eq!(param(&url, "max_age").unwrap(), "300");
    // Neither acr_values nor max_age: a stronger login all the same, our step-up acr as a hint.
    let bare = parse_step_up_challenge(r#"Bearer error="insufficient_user_authentication""#).unwrap();
    let (policy, acr_values) = bare.step_up("urn:ours");
    assert_eq!(policy, StepUpPolicy { mfa: true, ..Default::default() });
    assert_eq!(acr_values, Some(s(&["urn:ours"])));
    assert!(!stepup::core::policy::acr_binds(Some(&policy)));
    // Only max_age: re-authenticate, no acr asked.
    let fresh = parse_step_up_challenge(r#"Bearer error="insufficient_user_authentication", max_age=0"#).unwrap();
    assert_eq!(fresh.step_up("urn:ours"), (StepUpPolicy { max_age: Some(0), ..Default::default() }, None));
}

#[test]
fn logout_url_carries_client_hint_and_return() {
    use stepup::core::authorize::logout_url;
    assert_eq!(logout_url("https://i/logout", "spa", None, None), "https://i/logout?client_id=spa");
    assert_eq!(
        logout_url("https://i/v2/logout?federated", "s p", Some("h.p.s"), Some("https://app/?a=1&b")),
        "https://i/v2/logout?federated&client_id=s%20p&id_token_hint=h.p.s&post_logout_redirect_uri=https%3A%2F%2Fapp%2F%3Fa%3D1%26b"
    );
}

#[test]
fn session_from_validated_claims() {
    let claims = Claims::from_json(&body(
        r#"{"iss":"https://i/","sub":"u","aud":"spa","exp":2000,"iat":900,"auth_time":950,"acr":"urn:mfa","amr":["pwd","otp"]}"#,
    ))
    .unwrap();
    let token = parse_token_response(200, Some(&body(r#"{"id_token":"h.p.s","access_token":"at","token_type":"Bearer","expires_in":60}"#))).unwrap();
    let session = Session::new(token, claims.clone(), 1000);
    assert_eq!(session.expires_at, Some(1060));
    assert_eq!(session.auth_context(), AuthContext::from(&claims));
    assert_eq!(session.auth_context(), AuthContext { acr: Some("urn:mfa".into()), amr: s(&["pwd", "otp"]), auth_time: Some(950) });
    let d = evaluate(&session.auth_context(), &StepUpPolicy { mfa: true, max_age: Some(100), ..Default::default() }, 1000, MFA, 0);
    assert!(d.satisfied);
    assert!(session.is_expired(1000, 60) && !session.is_expired(1000, 59));
}

/// No public type that holds a secret prints it through `Debug` (a log line, an error report, a panic message
/// of the host app): each holds a value marked `SECRET-…` and none of them may show up.
#[test]
fn debug_of_every_type_holding_a_secret_prints_no_secret() {
    use stepup::core::cache::{self, ApiToken, Tokens};
    use stepup::core::transaction::{Pending, Transaction};
    use stepup::core::validate::Expectations;
    let jwt = |claims: &str| {
        let b64 = |s: &str| stepup::core::base64url::encode(s.as_bytes());
        format!("{}.{}.SECRET-sig", b64(r#"{"alg":"RS256"}"#), b64(claims))
    };
    let id_token = jwt(r#"{"iss":"https://idp/","sub":"alice","aud":"app","nonce":"SECRET-nonce-claim"}"#);
    let params = parse_callback("/cb?code=SECRET-code&state=SECRET-state&iss=https%3A%2F%2Fidp%2F").unwrap();
    let mut req = request();
    req.state = "SECRET-state";
    req.nonce = "SECRET-nonce";
    let mut expect = Expectations::new("https://idp/", "app", 0);
    expect.nonce = Some("SECRET-nonce".into());
    expect.access_token = Some("SECRET-at".into());
    let pending = Pending {
        state: "SECRET-state".into(),
        nonce: "SECRET-nonce".into(),
        verifier: "SECRET-verifier".into(),
        ..Pending::default()
    };
    let tx = Transaction { pending: pending.clone(), ..Transaction::default() };
    let response = TokenResponse {
        id_token: id_token.clone(),
        access_token: Some("SECRET-at".into()),
        refresh_token: Some("SECRET-rt".into()),
        ..TokenResponse::default()
    };
    let claims = stepup::core::jwt::decode(&id_token).unwrap().claims;
    let session = Session::new(response.clone(), claims, 0);
    let tokens = Tokens {
        refresh_token: Some("SECRET-rt".into()),
        apis: vec![ApiToken { access_token: "SECRET-api-at".into(), ..ApiToken::default() }],
        login_id_token: Some(id_token.clone()),
    };
    let stored = cache::decode(&cache::encode(&session, &tokens, 1).unwrap(), "https://idp/", "app").unwrap();
    let shown = [
        format!("{params:?}"),
        format!("{req:?}"),
        format!("{expect:?}"),
        format!("{pending:?}"),
        format!("{tx:?}"),
        format!("{response:?}"),
        format!("{session:?}"),
        format!("{tokens:?}"),
        format!("{stored:?}"),
    ];
    for text in &shown {
        assert!(!text.contains("SECRET") && !text.contains("eyJ"), "{text}");
    }
    // The redaction says a secret is there; the values around it still show.
    assert!(shown[0].contains("[redacted]") && shown[0].contains("https://idp/"), "{}", shown[0]);
}
