//! Fuzz the authorization callback: `core::authorize::parse_callback` on arbitrary URLs (absolute,
//! query, fragment), `validate_callback` against several expectations, and `clean_url`.
//!
//! Invariants (a failed assert is a finding): a repeated response parameter is refused; a code is only
//! returned for our exact `state`, the right `iss` (present when required) and no `error`, and it is
//! printable ASCII; failures carry the documented codes; a cleaned URL holds no response parameter, and
//! cleaning is idempotent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stepup::core::authorize::{clean_url, parse_callback, validate_callback, CallbackParams};

const ISS: &str = "https://idp.example/";

fn check(url: &str) {
    match parse_callback(url) {
        Err(e) => assert!(e.code() == "state_mismatch" || e.code() == "issuer_mismatch", "{e:?}"),
        Ok(p) => {
            for (state, issuer, required) in [("s", ISS, false), ("s", ISS, true), ("", ISS, false), ("st-1", "", false)] {
                match validate_callback(&p, state, issuer, required) {
                    Ok(code) => {
                        assert!(!state.is_empty() && p.state.as_deref() == Some(state));
                        assert!(p.error.is_none());
                        assert!(p.iss.as_deref().map_or(!required, |i| i == issuer));
                        assert_eq!(p.code.as_deref(), Some(code.as_str()));
                        assert!(!code.is_empty() && code.bytes().all(|b| (0x20..=0x7e).contains(&b)));
                    }
                    Err(e) => {
                        let codes = ["state_mismatch", "issuer_mismatch", "authorization_error"];
                        assert!(codes.contains(&e.code()), "{e:?}");
                        // An error is only believed once state and iss are right.
                        if e.code() == "authorization_error" {
                            assert_eq!(p.state.as_deref(), Some(state));
                        }
                    }
                }
            }
        }
    }
    let clean = clean_url(url);
    assert_eq!(parse_callback(&clean).ok(), Some(CallbackParams::default()), "{url:?} → {clean:?}");
    assert_eq!(clean_url(&clean), clean);
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    check(text);
    check(&format!("https://app.example/cb?{text}"));
    check(&format!("https://app.example/cb#{text}"));
});
