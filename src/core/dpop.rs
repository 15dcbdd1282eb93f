//! DPoP (RFC 9449): the proof JWT a client signs for each request, the key thumbprint that binds the
//! authorization code and the tokens to its key, and the server nonces it must echo.
//!
//! Everything but the signature is here, pure and testable: the browser layer (`web::dpop`) holds the
//! ES256 key pair (WebCrypto, private key never extractable) and asks for the [`signing_input`]; `glue.js`
//! signs it with ECDSA P-256 SHA-256 on the request's way out and appends the signature (WebCrypto's raw
//! `r || s` is already the JWS form, RFC 7518 §3.4).

use alloc::string::String;
use alloc::vec::Vec;

use super::authorize::push_u64;
use super::challenge::parse_www_authenticate;
use super::json::{write_string, Json};
use super::{base64url, sha};

/// The `error` a server answers when a proof must carry its nonce (RFC 9449 §8, §9).
pub const USE_DPOP_NONCE: &str = "use_dpop_nonce";

/// An EC P-256 public key as the JWK of the proof header, in the member order and spelling of RFC 7638
/// §3.2 (`crv`, `kty`, `x`, `y`, no whitespace): the same text is the thumbprint's hash input.
/// `x` and `y` are the base64url coordinates WebCrypto exports.
pub fn public_jwk(x: &str, y: &str) -> String {
    let mut out = String::from(r#"{"crv":"P-256","kty":"EC","x":"#);
    write_string(&mut out, x);
    out.push_str(r#","y":"#);
    write_string(&mut out, y);
    out.push('}');
    out
}

/// The RFC 7638 thumbprint of a [`public_jwk`]: base64url SHA-256 of its canonical text. It is the
/// authorization request's `dpop_jkt` (RFC 9449 §10) and the `cnf.jkt` of the tokens bound to the key (§6.1).
pub fn thumbprint(jwk: &str) -> String {
    base64url::encode(&sha::sha256(jwk.as_bytes()))
}

/// `ath` (RFC 9449 §4.2): base64url SHA-256 of the access token's ASCII, on requests to resource servers.
pub fn ath(access_token: &str) -> String {
    base64url::encode(&sha::sha256(access_token.as_bytes()))
}

/// `htu` (RFC 9449 §4.2): the request URL without its query and fragment.
pub fn htu(url: &str) -> &str {
    cut(url, 0)
}

/// The origin part of an absolute URL (`https://api.example.com:8443`), as the key nonces are kept
/// under: a nonce belongs to the server that gave it (RFC 9449 §8, §9). The browser hands us normalized
/// URLs (`Request.url`, the discovery document's endpoints), so the text up to the path is the origin.
pub fn origin(url: &str) -> &str {
    cut(url, 3)
}

/// `url` up to its first `?` or `#`, or its `slashes`-th `/` (3: the end of `scheme://authority`). A byte
/// loop: `str::find` with a pattern links the string searcher and its slicing panic (with `fmt`).
fn cut(url: &str, slashes: u32) -> &str {
    let mut seen = 0;
    let mut end = url.len();
    for (i, b) in url.bytes().enumerate() {
        if b == b'/' {
            seen += 1;
        }
        if b == b'?' || b == b'#' || (b == b'/' && seen == slashes) {
            end = i;
            break;
        }
    }
    url.get(..end).unwrap_or(url)
}

/// What one proof asserts (RFC 9449 §4.2). `jti` comes from 16 random bytes (128 bits, §11.1), given by
/// the caller so this stays deterministic.
#[derive(Clone, Copy, Debug)]
pub struct Claims<'a> {
    pub jti: &'a [u8; 16],
    /// The HTTP method, as sent (`POST`).
    pub htm: &'a str,
    /// The full request URL; query and fragment are cut off here.
    pub url: &'a str,
    /// Seconds since the epoch.
    pub iat: i64,
    /// The access token the request carries (resource requests): its hash goes in `ath`.
    pub access_token: Option<&'a str>,
    /// The server's latest `DPoP-Nonce`, when it gave one.
    pub nonce: Option<&'a str>,
}

/// `BASE64URL(header) "." BASE64URL(payload)`: the JWS signing input of a proof signed with ES256 by the
/// key whose [`public_jwk`] is `jwk`. Header: `typ: dpop+jwt`, `alg: ES256`, `jwk` (public members only).
pub fn signing_input(jwk: &str, c: &Claims) -> String {
    let mut header = String::from(r#"{"typ":"dpop+jwt","alg":"ES256","jwk":"#);
    header.push_str(jwk);
    header.push('}');
    let mut payload = String::from(r#"{"jti":"#);
    write_string(&mut payload, &base64url::encode(c.jti));
    payload.push_str(r#","htm":"#);
    write_string(&mut payload, c.htm);
    payload.push_str(r#","htu":"#);
    write_string(&mut payload, htu(c.url));
    payload.push_str(r#","iat":"#);
    push_u64(&mut payload, u64::try_from(c.iat).unwrap_or(0));
    if let Some(token) = c.access_token {
        payload.push_str(r#","ath":"#);
        write_string(&mut payload, &ath(token));
    }
    if let Some(nonce) = c.nonce {
        payload.push_str(r#","nonce":"#);
        write_string(&mut payload, nonce);
    }
    payload.push('}');
    let mut out = base64url::encode(header.as_bytes());
    out.push('.');
    out.push_str(&base64url::encode(payload.as_bytes()));
    out
}

/// A `DPoP-Nonce` header value we may echo: RFC 9449 §8.1 `nonce = 1*NQCHAR`. Anything else is ignored.
pub fn valid_nonce(nonce: &str) -> bool {
    !nonce.is_empty() && super::text::all_bytes(nonce, |b| matches!(b, 0x21 | 0x23..=0x5b | 0x5d..=0x7e))
}

/// RFC 9449 §8: the token endpoint asks for a nonce with HTTP 400 and `error: use_dpop_nonce`.
pub fn token_endpoint_wants_nonce(status: u16, body: Option<&Json>) -> bool {
    status == 400 && body.and_then(|b| b.get("error")).and_then(Json::as_str) == Some(USE_DPOP_NONCE)
}

/// RFC 9449 §9: a resource server asks for a nonce with HTTP 401 and a `DPoP` challenge whose `error` is
/// `use_dpop_nonce`.
pub fn resource_wants_nonce(status: u16, www_authenticate: Option<&str>) -> bool {
    status == 401
        && www_authenticate
            .and_then(parse_www_authenticate)
            .is_some_and(|all| all.iter().any(|c| c.is_scheme("dpop") && c.param("error") == Some(USE_DPOP_NONCE)))
}

/// The latest nonce of each server (by origin), as RFC 9449 §8.2 asks: a server may hand out a new one in
/// any response, and the next proof to that server carries it. One entry per origin a client talks to with
/// DPoP (its provider, its own origin and `apiOrigins`, and those `dpopProof` was given a nonce for).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Nonces(Vec<(String, String)>);

impl Nonces {
    /// The nonce for the server of `url`, if it gave one.
    pub fn get(&self, url: &str) -> Option<&str> {
        let o = origin(url);
        self.0.iter().find(|(k, _)| k == o).map(|(_, v)| v.as_str())
    }

    /// Remember `nonce` (a `DPoP-Nonce` header) for the server of `url`; an invalid or absent value changes
    /// nothing. Returns whether this is a nonce the last proof to that server did not carry.
    pub fn remember(&mut self, url: &str, nonce: Option<&str>) -> bool {
        let Some(nonce) = nonce.filter(|n| valid_nonce(n)) else { return false };
        let o = origin(url);
        match self.0.iter_mut().find(|(k, _)| k == o) {
            Some((_, v)) if v == nonce => false,
            Some((_, v)) => {
                *v = String::from(nonce);
                true
            }
            None => {
                self.0.push((String::from(o), String::from(nonce)));
                true
            }
        }
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }
}

/// Whether a DPoP key pair read back from IndexedDB may be used: its private key is what this library makes, an
/// ECDSA P-256 key that signs and is **not extractable**. IndexedDB is writable by every script of the origin: a
/// pair swapped in by a one-time script, with a private key it kept a copy of, would bind every later token to a
/// key the attacker holds. Such a pair is deleted and a new one made. `about` is glue.js `dpopKey`'s description:
/// whether both halves are `CryptoKey`s, the algorithm, the curve, `extractable`, then the usages.
pub fn sound_stored_key(about: &str) -> bool {
    let mut words = super::text::split(about, b' ');
    let head = [words.next(), words.next(), words.next(), words.next()];
    head == [Some("true"), Some("ECDSA"), Some("P-256"), Some("false")] && words.any(|usage| usage == "sign")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::core::error::ErrorCode;
    use crate::core::json::parse;
    use alloc::format;

    // RFC 7515 Appendix A.3's P-256 key; its thumbprint computed by `jose` (calculateJwkThumbprint).
    const X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    const Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
    const JKT: &str = "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U";

    fn json(s: &str) -> Json {
        parse(s, ErrorCode::MalformedToken).unwrap()
    }

    fn decode_part(part: &str) -> Json {
        json(core::str::from_utf8(&base64url::decode(part).unwrap()).unwrap())
    }

    #[test]
    fn rfc7638_thumbprint_of_the_canonical_jwk() {
        let jwk = public_jwk(X, Y);
        assert_eq!(jwk, format!(r#"{{"crv":"P-256","kty":"EC","x":"{X}","y":"{Y}"}}"#));
        assert_eq!(thumbprint(&jwk), JKT);
    }

    #[test]
    fn rfc9449_ath_example() {
        // RFC 9449 §7.1, Figure 13: the access token and the ath of its proof.
        assert_eq!(ath("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"), "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
    }

    #[test]
    fn htu_drops_query_and_fragment_and_origin_is_scheme_and_authority() {
        assert_eq!(htu("https://api.example.com/a/b?x=1#f"), "https://api.example.com/a/b");
        assert_eq!(htu("https://api.example.com/a#f?x"), "https://api.example.com/a");
        assert_eq!(htu("https://api.example.com/a"), "https://api.example.com/a");
        assert_eq!(origin("https://api.example.com:8443/a/b?x"), "https://api.example.com:8443");
        assert_eq!(origin("http://localhost:3000"), "http://localhost:3000");
        assert_eq!(origin("http://localhost:3000?q"), "http://localhost:3000");
    }

    #[test]
    fn proof_header_and_claims() {
        let jti = [7u8; 16];
        let c = Claims {
            jti: &jti,
            htm: "POST",
            url: "https://idp.example/token?x=1#y",
            iat: 1_700_000_000,
            access_token: None,
            nonce: None,
        };
        let input = signing_input(&public_jwk(X, Y), &c);
        let (h, p) = input.split_once('.').unwrap();
        assert_eq!(
            decode_part(h),
            json(&format!(r#"{{"typ":"dpop+jwt","alg":"ES256","jwk":{{"kty":"EC","crv":"P-256","x":"{X}","y":"{Y}"}}}}"#))
        );
        let payload = decode_part(p);
        assert_eq!(payload, json(r#"{"jti":"BwcHBwcHBwcHBwcHBwcHBw","htm":"POST","htu":"https://idp.example/token","iat":1700000000}"#));
        // 16 bytes: 128 bits of jti (RFC 9449 §11.1).
        assert_eq!(base64url::decode(payload.get("jti").unwrap().as_str().unwrap()).unwrap().len(), 16);
    }

    #[test]
    fn resource_proofs_carry_ath_and_the_nonce() {
        let c = Claims {
            jti: &[0; 16],
            htm: "GET",
            url: "https://api.example/balance",
            iat: 5,
            access_token: Some("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            nonce: Some("eyJ7S_zG.eyJH0-Z.HX4w-7v"),
        };
        let payload = decode_part(signing_input(&public_jwk(X, Y), &c).split_once('.').unwrap().1);
        assert_eq!(payload.get("ath").and_then(Json::as_str), Some("fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"));
        assert_eq!(payload.get("nonce").and_then(Json::as_str), Some("eyJ7S_zG.eyJH0-Z.HX4w-7v"));
    }

    #[test]
    fn nonce_requests_are_recognized_only_in_their_rfc9449_shape() {
        assert!(token_endpoint_wants_nonce(400, Some(&json(r#"{"error":"use_dpop_nonce"}"#))));
        assert!(!token_endpoint_wants_nonce(401, Some(&json(r#"{"error":"use_dpop_nonce"}"#))));
        assert!(!token_endpoint_wants_nonce(400, Some(&json(r#"{"error":"invalid_grant"}"#))));
        assert!(!token_endpoint_wants_nonce(400, None));
        assert!(resource_wants_nonce(401, Some(r#"DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof""#)));
        assert!(resource_wants_nonce(401, Some(r#"Bearer realm="x", DPoP algs="ES256", error="use_dpop_nonce""#)));
        assert!(!resource_wants_nonce(401, Some(r#"Bearer error="use_dpop_nonce""#)), "only a DPoP challenge");
        assert!(!resource_wants_nonce(403, Some(r#"DPoP error="use_dpop_nonce""#)));
        assert!(!resource_wants_nonce(401, Some(r#"DPoP error="insufficient_user_authentication""#)));
        assert!(!resource_wants_nonce(401, None));
    }

    #[test]
    fn nonces_are_kept_per_origin_latest_wins_invalid_ignored() {
        let mut n = Nonces::default();
        assert!(n.remember("https://idp.example/token", Some("n1")));
        assert!(!n.remember("https://idp.example/other", Some("n1")), "the same nonce is not new");
        assert_eq!(n.get("https://idp.example/anything?q"), Some("n1"));
        assert_eq!(n.get("https://api.example/x"), None);
        assert!(n.remember("https://idp.example/token", Some("n2")));
        assert_eq!(n.get("https://idp.example/token"), Some("n2"));
        for bad in ["", "a b", "quote\"", "back\\slash", "é"] {
            assert!(!n.remember("https://idp.example/token", Some(bad)), "{bad:?}");
        }
        assert!(!n.remember("https://idp.example/token", None));
        assert_eq!(n.get("https://idp.example/token"), Some("n2"));
        assert!(n.remember("https://api.example/x", Some("a1")));
        assert_eq!((n.get("https://idp.example/"), n.get("https://api.example/")), (Some("n2"), Some("a1")));
        assert_eq!(n.0.len(), 2, "one entry per origin");
        n.clear();
        assert_eq!(n.get("https://api.example/x"), None);
    }

    #[test]
    fn only_a_non_extractable_p256_signing_key_is_taken_from_storage() {
        assert!(sound_stored_key("true ECDSA P-256 false sign"));
        assert!(sound_stored_key("true ECDSA P-256 false verify sign"));
        for bad in [
            "true ECDSA P-256 true sign",  // extractable: someone may hold a copy
            "true ECDSA P-384 false sign",
            "true RSASSA-PKCS1-v1_5  false sign",
            "true ECDSA P-256 false verify",
            "false ECDSA P-256 false sign", // not a CryptoKey (a plain object shaped like one)
            "true ECDSA P-256 false",
            "true ECDSA P-256",
            "",
            "true ECDSA P-256 false signx",
        ] {
            assert!(!sound_stored_key(bad), "{bad}");
        }
    }
}
