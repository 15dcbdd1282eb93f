//! Fuzz the token endpoint's answer: `core::token::parse_token_response` with an arbitrary HTTP status and
//! an arbitrary body (JSON or not), as the browser layer calls it.
//!
//! Input: two bytes of status (big-endian), then the body text. Invariants (a failed assert is a
//! finding): every failure is `token_request_failed`; success needs a 2xx status, a JSON object without an
//! `error`, a non-empty `id_token` and a `Bearer` `token_type`, and returns exactly the members sent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stepup::core::json::{self, Json};
use stepup::core::token::{parse_token_response, token_request_body};
use stepup::core::authorize::percent_decode;
use stepup::ErrorCode;

fn check(status: u16, body: Option<&Json>) {
    match parse_token_response(status, body) {
        Err(e) => {
            assert_eq!(e.code(), "token_request_failed");
            let error = body.and_then(|b| b.get("error")).filter(|e| **e != Json::Null);
            assert_eq!(e.error.is_some(), error.is_some(), "{e:?}");
        }
        Ok(t) => {
            assert!((200..300).contains(&status));
            let obj = body.and_then(Json::as_object).expect("success needs an object");
            assert!(obj.get("error").is_none_or(|e| *e == Json::Null));
            assert!(!t.id_token.is_empty());
            assert_eq!(obj.get("id_token").and_then(Json::as_str), Some(t.id_token.as_str()));
            assert_eq!(t.token_type.as_deref(), Some("Bearer"));
            assert!(obj.get("token_type").and_then(Json::as_str).is_some_and(|v| v.eq_ignore_ascii_case("bearer")));
            assert_eq!(obj.get("access_token").and_then(Json::as_str), t.access_token.as_deref());
            assert_eq!(obj.get("scope").and_then(Json::as_str), t.scope.as_deref());
            assert_eq!(obj.get("refresh_token").and_then(Json::as_str), t.refresh_token.as_deref());
            match (obj.get("expires_in"), t.expires_in) {
                (Some(Json::Number(n)), Some(e)) => assert_eq!(*n, e as f64),
                (Some(Json::String(s)), Some(e)) => assert_eq!(s.parse::<u64>().ok(), Some(e)),
                (None | Some(Json::Null), None) => {}
                (v, e) => panic!("expires_in {v:?} read as {e:?}"),
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let [hi, lo, rest @ ..] = data else { return };
    let status = u16::from_be_bytes([*hi, *lo]);
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let body = json::parse(text, ErrorCode::TokenRequestFailed).ok();
    check(status, body.as_ref());
    // The same body under the statuses a provider really sends.
    for s in [200, 201, 400, 401, 500] {
        check(s, body.as_ref());
    }
    check(status, None);
    // The request body is form-encoded: each value decodes back to itself.
    let form = token_request_body(text, "https://app.example/cb", "client-1", "v");
    let code = form.split('&').find_map(|p| p.strip_prefix("code=")).map(percent_decode);
    assert_eq!(code.as_deref(), Some(text));
});
