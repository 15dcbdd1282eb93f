//! The DPoP proof of a request (RFC 9449 §4.3), checked in the order of that section as far as a check needs no
//! signature and no clock: well-formed JWT, `typ`, `alg`, a public `jwk`, `htm`, `htu`, `ath`, and the key's
//! RFC 7638 thumbprint against the token's `cnf.jkt` (§7.1). The signature by the header's `jwk` is the driver's
//! (with [`Proof::plan`]); the `iat` window is judged in `finish`, the `jti` by the driver's replay store.

use alloc::string::String;
use alloc::vec::Vec;

use super::rejection::{Challenge, Rejection};
use super::config::GuardConfig;
use crate::core::json::{write_string, Json};
use crate::core::jwk::{verification_plan, Algorithm, Jwk, VerificationPlan};
use crate::core::{base64url, dpop, jwt, sha};

/// Longest `jti` accepted, bytes: the replay store keeps a hash of it, but an unbounded claim is still work.
const MAX_JTI_LEN: usize = 256;

/// A proof that passed every check that needs no signature.
#[derive(Clone, Debug, PartialEq)]
pub struct Proof {
    pub alg: Algorithm,
    /// The public key of the proof's header, that must verify it.
    pub jwk: Jwk,
    /// For WebCrypto: import `jwk` and verify with these parameters.
    pub plan: VerificationPlan,
    /// `base64url(header) "." base64url(payload)`, as received.
    pub signing_input: String,
    pub signature: Vec<u8>,
    /// The key's RFC 7638 thumbprint (equal to the token's `cnf.jkt`).
    pub jkt: String,
    pub jti: String,
    pub iat: i64,
    /// The proof's `nonce` (RFC 9449 §9), for a driver that hands out nonces to check.
    pub nonce: Option<String>,
}

/// What a proof is checked against.
pub(crate) struct Expected<'a> {
    pub method: &'a str,
    pub url: &'a str,
    pub access_token: &'a str,
    pub jkt: &'a str,
}

/// Read and check the proof `text` (see the module doc). Every failure is `invalid_dpop_proof` with the check
/// named in its description.
pub(crate) fn read(config: &GuardConfig, ch: &Challenge<'_>, text: &str, want: &Expected<'_>) -> Result<Proof, Rejection> {
    let fail = |what: &'static str| Err(ch.dpop_proof(what));
    // §4.3 check 1 is the driver's: it passes a single header (two arrive joined with ", ", which no JWT holds).
    let Ok(jwt) = jwt::decode(text) else { return fail("the DPoP proof is not a well-formed JWT") };
    // Check 4. Media type names are case-insensitive (RFC 7515 §4.1.9).
    if !jwt.header.typ.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("dpop+jwt")) {
        return fail("the DPoP proof's typ is not dpop+jwt");
    }
    // Check 5: an asymmetric algorithm this guard accepts (`Algorithm` names no other).
    let Some(alg) = Algorithm::from_name(&jwt.header.alg).filter(|a| config.dpop_algorithms.contains(a)) else {
        return fail("the DPoP proof's alg is not accepted");
    };
    if !jwt.header.crit.is_empty() {
        return fail("the DPoP proof has a crit header");
    }
    // Check 7: a public key, of the algorithm's type (a private or symmetric key never parses as a `Jwk`).
    let Some(key_json) = jwt.header.raw.get("jwk") else { return fail("the DPoP proof has no jwk header") };
    if private_members(key_json) {
        return fail("the DPoP proof's jwk holds a private key");
    }
    let Some(jwk) = Jwk::from_json(key_json) else { return fail("the DPoP proof's jwk is not a usable public key") };
    let Ok(plan) = verification_plan(&jwk, alg, &jwt.signature) else {
        return fail("the DPoP proof's jwk does not fit its alg or signature");
    };
    let Some(jkt) = thumbprint(&jwk) else { return fail("the DPoP proof's jwk is not a usable public key") };
    let claim = |name: &str| jwt.claims.extra.get(name).and_then(Json::as_str);
    let (Some(jti), Some(htm), Some(htu), Some(iat)) = (claim("jti"), claim("htm"), claim("htu"), jwt.claims.iat) else {
        return fail("the DPoP proof lacks jti, htm, htu or iat");
    };
    if jti.is_empty() || jti.len() > MAX_JTI_LEN {
        return fail("the DPoP proof's jti is empty or too long");
    }
    // Check 8: methods are case-sensitive (RFC 9110 §9.1).
    if htm != want.method {
        return fail("the DPoP proof is for another method (htm)");
    }
    // Check 9.
    if !same_htu(htu, want.url) {
        return fail("the DPoP proof is for another URL (htu)");
    }
    // Check 12 (resource access): the proof names this access token.
    if claim("ath") != Some(dpop::ath(want.access_token).as_str()) {
        return fail("the DPoP proof is for another access token (ath)");
    }
    // §7.1: the proof's key is the one the token is bound to.
    if jkt != want.jkt {
        return fail("the DPoP proof's key is not the token's (cnf.jkt)");
    }
    // `nonce` is one of the claims `Claims` types (OIDC's), not in `extra`.
    let nonce = jwt.claims.nonce.clone();
    Ok(Proof { alg, jwk, plan, signing_input: jwt.signing_input, signature: jwt.signature, jkt, jti: String::from(jti), iat, nonce })
}

/// Members only a private key has (RFC 7518 §6.2.2, §6.3.2; RFC 8037 §2; `k` of a symmetric key).
fn private_members(key: &Json) -> bool {
    ["d", "p", "q", "dp", "dq", "qi", "oth", "k"].iter().any(|m| key.get(m).is_some())
}

/// The RFC 7638 thumbprint of a public key: SHA-256 of its required members in lexicographic order, no spaces.
/// `None` for a key type RFC 7638 does not define (and `Jwk` never builds an RSA / EC / OKP key without them).
pub fn thumbprint(jwk: &Jwk) -> Option<String> {
    let members: [(&str, &Option<String>); 3] = match jwk.kty.as_str() {
        "EC" => [("crv", &jwk.crv), ("x", &jwk.x), ("y", &jwk.y)],
        "RSA" => [("e", &jwk.e), ("n", &jwk.n), ("", &None)],
        "OKP" => [("crv", &jwk.crv), ("x", &jwk.x), ("", &None)],
        _ => return None,
    };
    let mut text = String::from("{");
    let mut kty_written = false;
    for (name, value) in members {
        // `kty` sorts after `crv` and `e` and before `n` and `x`.
        if !kty_written && (name.is_empty() || name > "kty") {
            text.push_str(r#""kty":"#);
            write_string(&mut text, &jwk.kty);
            text.push(',');
            kty_written = true;
        }
        if name.is_empty() {
            continue;
        }
        write_string(&mut text, name);
        text.push(':');
        write_string(&mut text, value.as_deref()?);
        text.push(',');
    }
    text.pop();
    text.push('}');
    Some(base64url::encode(&sha::sha256(text.as_bytes())))
}

/// RFC 9449 §4.3 check 9: the proof's `htu` and the request's URL, both without query and fragment, compared
/// after RFC 3986 §6.2.2 syntax-based normalization (case of scheme and host, percent-encoding case, unreserved
/// characters decoded) and §6.2.3 scheme-based normalization (default port, empty path as `/`). Dot segments
/// are not removed: a client sends the URL it requests, which has none.
pub fn same_htu(htu: &str, url: &str) -> bool {
    match (normalize_url(dpop::htu(htu)), normalize_url(dpop::htu(url))) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// `url` (already without query and fragment) normalized, or `None` when it is not an absolute http(s) URL
/// without user information.
fn normalize_url(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => ":443",
        "http" => ":80",
        _ => return None,
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let mut authority = authority.to_ascii_lowercase();
    // A port of digits (or none, after a colon: RFC 3986 §6.2.3 drops that too).
    // The last colon, unless it is inside an IPv6 literal (`[::1]`).
    let port_at = authority.rfind(':').filter(|&i| !authority.get(i..).unwrap_or_default().contains(']'));
    if let Some(i) = port_at {
        let port = authority.get(i + 1..)?;
        if !port.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if port.is_empty() || authority.get(i..) == Some(default_port) {
            authority.truncate(i);
        }
    }
    let mut out = scheme;
    out.push_str("://");
    out.push_str(&authority);
    normalize_path(&mut out, path)?;
    Some(out)
}

/// Percent-encodings upper-cased, and decoded when they encode an unreserved character (RFC 3986 §2.3, §6.2.2.2).
fn normalize_path(out: &mut String, path: &str) -> Option<()> {
    let bytes = path.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b != b'%' {
            // A URL as sent is ASCII; anything else is not one we can compare.
            if !b.is_ascii() {
                return None;
            }
            out.push(char::from(b));
            i += 1;
            continue;
        }
        let hex = |j: usize| bytes.get(j).and_then(|c| char::from(*c).to_digit(16));
        let (hi, lo) = (hex(i + 1)?, hex(i + 2)?);
        let decoded = u8::try_from(hi * 16 + lo).ok()?;
        if decoded.is_ascii_alphanumeric() || b"-._~".contains(&decoded) {
            out.push(char::from(decoded));
        } else {
            out.push('%');
            out.push(char::from_digit(hi, 16)?.to_ascii_uppercase());
            out.push(char::from_digit(lo, 16)?.to_ascii_uppercase());
        }
        i += 3;
    }
    Some(())
}

/// The key the replay store remembers a proof under: SHA-256 of the key's thumbprint and the `jti` (RFC 9449
/// §11.1 asks for `jti` to be unique per key), a fixed 43 characters whatever the client sent.
pub fn replay_key(jkt: &str, jti: &str) -> String {
    let mut input = String::with_capacity(jkt.len() + 1 + jti.len());
    input.push_str(jkt);
    input.push(' ');
    input.push_str(jti);
    base64url::encode(&sha::sha256(input.as_bytes()))
}
