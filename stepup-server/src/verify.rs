//! JWS signature verification with `ring` (RFC 7518 §3, RFC 8037): the one place this crate touches
//! cryptography, and it only calls ring. Which key may verify which algorithm is `stepup`'s rule
//! (`core::jwk::verification_plan`: key type and curve fit the `alg`, ECDSA signatures are raw `r || s` of
//! the exact length); this module turns the key's public members into ring's inputs and verifies.

use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey, VerificationAlgorithm};
use stepup::core::base64url;
use stepup::core::error::{Error, ErrorCode, Result};
use stepup::core::jwk::{verification_plan, Algorithm, Jwk};

/// A public key decoded once from its JWK, kept beside the JWKS so that a verification decodes nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PublicKey {
    /// RSA modulus and exponent, big-endian without leading zero bytes (ring refuses them; RFC 7518 §6.3.1.1
    /// asks providers for the minimal form, some pad anyway).
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// An uncompressed SEC1 point `0x04 || x || y` on `curve` (`P-256`, `P-384`).
    Ec { curve: &'static str, point: Vec<u8> },
    Ed25519(Vec<u8>),
}

fn strip_leading_zeros(bytes: Vec<u8>) -> Vec<u8> {
    match bytes.iter().position(|&b| b != 0) {
        Some(0) => bytes,
        Some(i) => bytes.get(i..).map(<[u8]>::to_vec).unwrap_or_default(),
        None => Vec::new(),
    }
}

fn decode(member: &Option<String>) -> Option<Vec<u8>> {
    member.as_deref().and_then(|v| base64url::decode(v).ok())
}

impl PublicKey {
    /// The key's public material, or `None` when it cannot be one of ours: a curve ring does not implement
    /// (P-521, Ed448), coordinates of the wrong length, an unknown `kty`. `Jwk::from_json` already refused
    /// RSA moduli under 2048 bits and keys carrying private members.
    pub(crate) fn from_jwk(jwk: &Jwk) -> Option<PublicKey> {
        match jwk.kty.as_str() {
            "RSA" => {
                let n = strip_leading_zeros(decode(&jwk.n)?);
                let e = strip_leading_zeros(decode(&jwk.e)?);
                (!n.is_empty() && !e.is_empty()).then_some(PublicKey::Rsa { n, e })
            }
            "EC" => {
                let (curve, len) = match jwk.crv.as_deref()? {
                    "P-256" => ("P-256", 32),
                    "P-384" => ("P-384", 48),
                    _ => return None,
                };
                let (x, y) = (decode(&jwk.x)?, decode(&jwk.y)?);
                if x.len() != len || y.len() != len {
                    return None;
                }
                let mut point = Vec::with_capacity(1 + 2 * len);
                point.push(4);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                Some(PublicKey::Ec { curve, point })
            }
            "OKP" if jwk.crv.as_deref() == Some("Ed25519") => {
                let x = decode(&jwk.x)?;
                (x.len() == 32).then_some(PublicKey::Ed25519(x))
            }
            _ => None,
        }
    }
}

/// Whether this crate can verify `alg` at all: ring has no P-521, so `ES512` is refused when the guard is
/// configured, never at the first token.
pub(crate) fn supported(alg: Algorithm) -> bool {
    alg != Algorithm::ES512
}

fn invalid_signature() -> Error {
    Error::new(ErrorCode::InvalidSignature, "the signature does not verify").with_claim("signature")
}

/// Verify `signature` over `signing_input` with `jwk` (already selected for `alg`) and its decoded `key`.
/// A key that does not fit the algorithm is `unsupported_algorithm`, a signature that does not verify
/// `invalid_signature` (core's rules, then ring's answer).
pub(crate) fn verify(jwk: &Jwk, key: Option<&PublicKey>, alg: Algorithm, signing_input: &[u8], signature: &[u8]) -> Result<()> {
    verification_plan(jwk, alg, signature)?;
    let Some(key) = key else {
        return Err(Error::new(ErrorCode::KeyNotFound, "the key's public members are not usable").with_claim("kid"));
    };
    let ok = match (alg, key) {
        (Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512 | Algorithm::PS256 | Algorithm::PS384 | Algorithm::PS512, PublicKey::Rsa { n, e }) => {
            // The 2048_8192 parameter sets refuse moduli under 2048 bits a second time, whatever the JWKS says.
            let params: &signature::RsaParameters = match alg {
                Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
                Algorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
                Algorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
                // RFC 7518 §3.5: the PSS salt is as long as the hash, which is what ring verifies.
                Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
                Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
                _ => &signature::RSA_PSS_2048_8192_SHA512,
            };
            RsaPublicKeyComponents { n: n.as_slice(), e: e.as_slice() }.verify(params, signing_input, signature).is_ok()
        }
        (Algorithm::ES256 | Algorithm::ES384, PublicKey::Ec { curve, point }) => {
            let algorithm: &dyn VerificationAlgorithm = match (alg, *curve) {
                (Algorithm::ES256, "P-256") => &signature::ECDSA_P256_SHA256_FIXED,
                (Algorithm::ES384, "P-384") => &signature::ECDSA_P384_SHA384_FIXED,
                _ => return Err(Error::new(ErrorCode::UnsupportedAlgorithm, "the key's curve does not fit the token's alg").with_claim("alg")),
            };
            UnparsedPublicKey::new(algorithm, point).verify(signing_input, signature).is_ok()
        }
        (Algorithm::EdDSA, PublicKey::Ed25519(x)) => UnparsedPublicKey::new(&signature::ED25519, x).verify(signing_input, signature).is_ok(),
        (Algorithm::ES512, _) => return Err(Error::new(ErrorCode::UnsupportedAlgorithm, "ES512 (P-521) is not supported by this crate").with_claim("alg")),
        _ => return Err(Error::new(ErrorCode::UnsupportedAlgorithm, "the key's type does not fit the token's alg").with_claim("alg")),
    };
    if ok {
        Ok(())
    } else {
        Err(invalid_signature())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{EcdsaKeyPair, Ed25519KeyPair, KeyPair};
    use stepup::core::json::parse;

    fn jwk(text: &str) -> Jwk {
        Jwk::from_json(&parse(text, ErrorCode::KeyNotFound).unwrap()).unwrap()
    }

    fn ec_jwk(pair: &EcdsaKeyPair, crv: &str) -> Jwk {
        let public = pair.public_key().as_ref();
        let len = (public.len() - 1) / 2;
        jwk(&format!(
            r#"{{"kty":"EC","crv":"{crv}","x":"{}","y":"{}"}}"#,
            base64url::encode(&public[1..=len]),
            base64url::encode(&public[1 + len..])
        ))
    }

    #[test]
    fn es256_and_es384_verify_and_reject_a_changed_byte() {
        let rng = SystemRandom::new();
        for (signing, alg, crv) in [
            (&signature::ECDSA_P256_SHA256_FIXED_SIGNING, Algorithm::ES256, "P-256"),
            (&signature::ECDSA_P384_SHA384_FIXED_SIGNING, Algorithm::ES384, "P-384"),
        ] {
            let pkcs8 = EcdsaKeyPair::generate_pkcs8(signing, &rng).unwrap();
            let pair = EcdsaKeyPair::from_pkcs8(signing, pkcs8.as_ref(), &rng).unwrap();
            let key = ec_jwk(&pair, crv);
            let public = PublicKey::from_jwk(&key);
            let sig = pair.sign(&rng, b"a.b").unwrap();
            verify(&key, public.as_ref(), alg, b"a.b", sig.as_ref()).unwrap();
            assert_eq!(verify(&key, public.as_ref(), alg, b"a.c", sig.as_ref()).unwrap_err().code(), "invalid_signature");
            let other = if alg == Algorithm::ES256 { Algorithm::ES384 } else { Algorithm::ES256 };
            assert_eq!(verify(&key, public.as_ref(), other, b"a.b", sig.as_ref()).unwrap_err().code(), "unsupported_algorithm");
            assert_eq!(verify(&key, public.as_ref(), Algorithm::RS256, b"a.b", sig.as_ref()).unwrap_err().code(), "unsupported_algorithm");
        }
    }

    #[test]
    fn ed25519_verifies() {
        let rng = SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let key = jwk(&format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{}"}}"#, base64url::encode(pair.public_key().as_ref())));
        let public = PublicKey::from_jwk(&key);
        let sig = pair.sign(b"x.y");
        verify(&key, public.as_ref(), Algorithm::EdDSA, b"x.y", sig.as_ref()).unwrap();
        assert_eq!(verify(&key, public.as_ref(), Algorithm::EdDSA, b"x.z", sig.as_ref()).unwrap_err().code(), "invalid_signature");
    }

    #[test]
    fn keys_ring_cannot_use_are_not_decoded() {
        let b = |n: usize| base64url::encode(&vec![7; n]);
        assert_eq!(PublicKey::from_jwk(&jwk(&format!(r#"{{"kty":"EC","crv":"P-521","x":"{}","y":"{}"}}"#, b(66), b(66)))), None);
        assert_eq!(PublicKey::from_jwk(&jwk(&format!(r#"{{"kty":"EC","crv":"P-256","x":"{}","y":"{}"}}"#, b(31), b(32)))), None);
        assert_eq!(PublicKey::from_jwk(&jwk(&format!(r#"{{"kty":"OKP","crv":"Ed448","x":"{}"}}"#, b(57)))), None);
        let mut n = vec![0u8, 0];
        n.extend_from_slice(&[0xc5; 256]);
        let padded = jwk(&format!(r#"{{"kty":"RSA","n":"{}","e":"AAEAAQ"}}"#, base64url::encode(&n)));
        assert_eq!(PublicKey::from_jwk(&padded), Some(PublicKey::Rsa { n: vec![0xc5; 256], e: vec![1, 0, 1] }));
        assert!(!supported(Algorithm::ES512));
        assert!(supported(Algorithm::PS256));
    }
}
