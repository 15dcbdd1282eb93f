//! WebCrypto: random bytes, SHA-256, and JWS signature verification with keys from a JWKS.
//!
//! Every rule of a signature check (RFC 8725: the key fits the algorithm, only public members reach
//! `importKey`, raw ECDSA signatures, PSS salt length) is decided by `core::jwk::verification_plan`; this
//! module hands its plan to WebCrypto in one call.

use alloc::vec::Vec;

use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Crypto, SubtleCrypto};

use super::util::{await_promise, error_name, get};
use crate::core::error::{Error, ErrorCode, Result};
use crate::core::jwk::{self, Algorithm, Jwk};

fn crypto() -> Result<Crypto> {
    let c = get(&super::util::global(), "crypto");
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

#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// glue.js `verifySignature`: `importKey` (kept per page by algorithm and key) then `verify`.
    #[wasm_bindgen(catch, js_name = verifySignature)]
    fn verify_signature_js(import_params: &str, jwk: &str, verify_params: &str, signature: &[u8], data: &[u8])
        -> core::result::Result<js_sys::Promise, JsValue>;
    /// glue.js `forgetKeys`: drop the imported keys.
    #[wasm_bindgen(js_name = forgetKeys)]
    pub(crate) fn forget_keys();
}

/// Verify `signature` over `signing_input` with `jwk` for `alg`, as [`jwk::verification_plan`] says: one call
/// that imports the key (once per page) and verifies. A browser without the algorithm (Ed25519 in older
/// engines: `NotSupportedError`) is `unsupported_algorithm`; any other failure is `invalid_signature`.
pub async fn verify_signature(jwk: &Jwk, alg: Algorithm, signature: &[u8], signing_input: &[u8]) -> Result<()> {
    let promise = start_verify(jwk, alg, signature, signing_input)?;
    verified(super::task::settled(promise).await, alg)
}

/// [`verify_signature`] up to WebCrypto's promise (for a caller that awaits it itself: one state machine less).
pub fn start_verify(jwk: &Jwk, alg: Algorithm, signature: &[u8], signing_input: &[u8]) -> Result<js_sys::Promise> {
    let plan = jwk::verification_plan(jwk, alg, signature)?;
    subtle()?;
    verify_signature_js(plan.import_params, &plan.jwk, plan.verify_params, signature, signing_input).map_err(|e| failed(e, alg))
}

/// [`verify_signature`]'s answer from the settled promise of [`start_verify`].
pub fn verified(done: core::result::Result<JsValue, JsValue>, alg: Algorithm) -> Result<()> {
    match done {
        Ok(v) if v.as_bool() == Some(true) => Ok(()),
        Ok(_) => Err(Error::new(ErrorCode::InvalidSignature, "the signature does not verify").with_claim("signature")),
        Err(e) => Err(failed(e, alg)),
    }
}

fn failed(e: JsValue, alg: Algorithm) -> Error {
    if error_name(&e) == "NotSupportedError" {
        Error::new(ErrorCode::UnsupportedAlgorithm, "this browser does not support the token's algorithm").with_claim(alg.name())
    } else {
        Error::new(ErrorCode::InvalidSignature, "the signature does not verify").with_claim("signature")
    }
    .with_cause(e)
}
