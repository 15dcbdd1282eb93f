//! WebCrypto: random bytes, SHA-256, and JWS signature verification with keys from a JWKS.
//!
//! The rules that matter here (RFC 8725): the algorithm must fit the key (`kty`, `crv`); only the
//! public members of a JWK reach `importKey` (never the JWKS's `alg`, `key_ops` or `ext`, which could
//! make the browser accept something we did not choose); ECDSA signatures are raw `r || s` of exactly
//! twice the coordinate size, never DER; RSA-PSS uses a salt as long as the hash.

use alloc::vec::Vec;

use js_sys::{Array, Object, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Crypto, CryptoKey, SubtleCrypto};

use super::util::{await_promise, error_name, get, object, set, set_str};
use crate::core::error::{Error, ErrorCode, Result};
use crate::core::jwk::{Algorithm, Jwk};

fn crypto() -> Result<Crypto> {
    let c = get(&js_sys::global(), "crypto");
    if c.is_undefined() || c.is_null() {
        return Err(Error::new(ErrorCode::InvalidConfig, "crypto is not available in this environment"));
    }
    Ok(c.unchecked_into())
}

fn subtle() -> Result<SubtleCrypto> {
    let s = get(crypto()?.as_ref(), "subtle");
    if s.is_undefined() || s.is_null() {
        // crypto.subtle only exists in secure contexts (https or localhost).
        return Err(Error::new(
            ErrorCode::UnsupportedAlgorithm,
            "crypto.subtle is not available: the page must be a secure context (https or localhost)",
        ));
    }
    Ok(s.unchecked_into())
}

/// Fill `buf` from `crypto.getRandomValues` (the CSPRNG for state, nonce and PKCE verifiers).
pub fn fill_random(buf: &mut [u8]) -> Result<()> {
    crypto()?
        .get_random_values_with_u8_array(buf)
        .map(|_| ())
        .map_err(|e| Error::new(ErrorCode::InvalidConfig, "crypto.getRandomValues failed").with_cause(e))
}

/// `N` random bytes.
pub fn random_array<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    fill_random(&mut out)?;
    Ok(out)
}

/// SHA-256 of `data` through `crypto.subtle.digest`.
pub async fn sha256(data: &[u8]) -> Result<Vec<u8>> {
    let promise = subtle()?
        .digest_with_str_and_u8_array("SHA-256", data)
        .map_err(|e| Error::new(ErrorCode::UnsupportedAlgorithm, "SHA-256 digest failed").with_cause(e))?;
    let buf = await_promise(promise, ErrorCode::UnsupportedAlgorithm, "SHA-256 digest failed").await?;
    Ok(Uint8Array::new(&buf).to_vec())
}

fn hash_name(alg: Algorithm) -> &'static str {
    match alg.hash_bits() {
        384 => "SHA-384",
        512 => "SHA-512",
        _ => "SHA-256",
    }
}

/// Length in bytes of an ECDSA signature (`r || s`) for each curve: twice the coordinate size.
/// P-521 coordinates take 66 bytes.
fn ecdsa_signature_len(alg: Algorithm) -> Option<usize> {
    match alg {
        Algorithm::ES256 => Some(64),
        Algorithm::ES384 => Some(96),
        Algorithm::ES512 => Some(132),
        _ => None,
    }
}

/// The WebCrypto algorithm object for `importKey`.
fn import_params(alg: Algorithm) -> JsValue {
    let p = object();
    match alg {
        Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512 => {
            set_str(&p, "name", "RSASSA-PKCS1-v1_5");
            set_str(&p, "hash", hash_name(alg));
        }
        Algorithm::PS256 | Algorithm::PS384 | Algorithm::PS512 => {
            set_str(&p, "name", "RSA-PSS");
            set_str(&p, "hash", hash_name(alg));
        }
        Algorithm::ES256 | Algorithm::ES384 | Algorithm::ES512 => {
            set_str(&p, "name", "ECDSA");
            set_str(&p, "namedCurve", alg.curve().unwrap_or_default());
        }
        Algorithm::EdDSA => set_str(&p, "name", "Ed25519"),
    }
    p
}

/// The WebCrypto algorithm object for `verify`.
fn verify_params(alg: Algorithm) -> JsValue {
    let p = object();
    match alg {
        Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512 => set_str(&p, "name", "RSASSA-PKCS1-v1_5"),
        Algorithm::PS256 | Algorithm::PS384 | Algorithm::PS512 => {
            set_str(&p, "name", "RSA-PSS");
            // RFC 7518 §3.5: the salt is as long as the hash output.
            set(&p, "saltLength", &JsValue::from(u32::from(alg.hash_bits() / 8)));
        }
        Algorithm::ES256 | Algorithm::ES384 | Algorithm::ES512 => {
            set_str(&p, "name", "ECDSA");
            set_str(&p, "hash", hash_name(alg));
        }
        Algorithm::EdDSA => set_str(&p, "name", "Ed25519"),
    }
    p
}

/// The JWK handed to `importKey`: only the public key material. Copying `alg`, `key_ops`, `use` or
/// `ext` from the JWKS would let the provider's document steer what WebCrypto accepts.
fn public_jwk(jwk: &Jwk, alg: Algorithm) -> Result<Object> {
    let out = object();
    let member = |name: &'static str, v: &Option<alloc::string::String>| -> Result<JsValue> {
        v.as_deref()
            .map(JsValue::from_str)
            .ok_or_else(|| Error::new(ErrorCode::KeyNotFound, "the JWK lacks a public key member").with_claim(name))
    };
    set_str(&out, "kty", alg.kty());
    match alg.kty() {
        "RSA" => {
            set(&out, "n", &member("n", &jwk.n)?);
            set(&out, "e", &member("e", &jwk.e)?);
        }
        "EC" => {
            set_str(&out, "crv", alg.curve().unwrap_or_default());
            set(&out, "x", &member("x", &jwk.x)?);
            set(&out, "y", &member("y", &jwk.y)?);
        }
        _ => {
            set_str(&out, "crv", alg.curve().unwrap_or_default());
            set(&out, "x", &member("x", &jwk.x)?);
        }
    }
    Ok(out.unchecked_into())
}

/// Import `jwk` as a verification key for `alg`. The key must fit the algorithm (`kty`, `crv`, and
/// the JWK's own `alg` when it names one): an RSA key can never verify an EC or HMAC token.
pub async fn import_key(jwk: &Jwk, alg: Algorithm) -> Result<CryptoKey> {
    if !jwk.is_compatible(alg) {
        return Err(Error::new(ErrorCode::UnsupportedAlgorithm, "the key's type does not fit the token's alg")
            .with_claim("alg"));
    }
    let data = public_jwk(jwk, alg)?;
    let params: Object = import_params(alg).unchecked_into();
    let usages: JsValue = Array::of1(&JsValue::from_str("verify")).into();
    let promise = subtle()?
        .import_key_with_object("jwk", &data, &params, false, &usages)
        .map_err(|e| import_error(alg, e))?;
    match wasm_bindgen_futures::JsFuture::from(promise).await {
        Ok(key) => Ok(key.unchecked_into()),
        Err(e) => Err(import_error(alg, e)),
    }
}

fn import_error(alg: Algorithm, e: JsValue) -> Error {
    // NotSupportedError: the browser lacks the algorithm (Ed25519 in older engines). Anything else
    // (DataError) is a key that does not parse as what it claims to be: it cannot verify anything.
    let code = if error_name(&e) == "NotSupportedError" { ErrorCode::UnsupportedAlgorithm } else { ErrorCode::InvalidSignature };
    let message = if code == ErrorCode::UnsupportedAlgorithm {
        "this browser does not support the token's algorithm"
    } else {
        "the JWKS key could not be imported"
    };
    Error::new(code, message).with_claim(alg.name()).with_cause(e)
}

/// Verify `signature` over `signing_input` with an imported key. Any failure is `invalid_signature`.
pub async fn verify_with_key(key: &CryptoKey, alg: Algorithm, signature: &[u8], signing_input: &[u8]) -> Result<()> {
    let bad = || Error::new(ErrorCode::InvalidSignature, "the signature does not verify").with_claim("signature");
    if let Some(len) = ecdsa_signature_len(alg) {
        // Raw r||s only (RFC 7518 §3.4): a DER-encoded or truncated signature is rejected here,
        // whatever a lenient engine might make of it.
        if signature.len() != len {
            return Err(bad());
        }
    }
    let params: Object = verify_params(alg).unchecked_into();
    let promise = subtle()?
        .verify_with_object_and_u8_array_and_u8_array(&params, key, signature, signing_input)
        .map_err(|e| bad().with_cause(e))?;
    match wasm_bindgen_futures::JsFuture::from(promise).await {
        Ok(v) if v.as_bool() == Some(true) => Ok(()),
        Ok(_) => Err(bad()),
        Err(e) => Err(bad().with_cause(e)),
    }
}

/// Import `jwk` and verify in one step.
pub async fn verify_jws(jwk: &Jwk, alg: Algorithm, signature: &[u8], signing_input: &[u8]) -> Result<()> {
    let key = import_key(jwk, alg).await?;
    verify_with_key(&key, alg, signature, signing_input).await
}
