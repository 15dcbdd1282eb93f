//! PKCE (RFC 7636) with S256 only, and the random `state` / `nonce` tokens.
//!
//! Randomness is injected (the browser layer passes `crypto.getRandomValues` bytes), so everything here is
//! deterministic and testable; SHA-256 is [`super::sha`] (small, and synchronous, unlike
//! `crypto.subtle.digest`).

use alloc::string::String;

use super::{base64url, sha};
use super::error::{Error, ErrorCode, Result};

/// A PKCE pair: the secret `verifier` (kept in the transaction) and the `challenge` sent in the URL.
#[derive(Clone, PartialEq, Eq)]
pub struct Pkce {
    pub verifier: String,
    /// `BASE64URL(SHA256(ASCII(verifier)))` (RFC 7636 §4.2, method S256).
    pub challenge: String,
}

impl core::fmt::Debug for Pkce {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pkce").field("verifier", &super::secret::Redacted).field("challenge", &self.challenge).finish()
    }
}

impl Pkce {
    /// RFC 7636 §4.1 / §7.1: the verifier is the base64url of 32 random bytes (256 bits, 43 characters).
    pub fn from_random(random: &[u8; 32]) -> Pkce {
        let verifier = base64url::encode(random);
        let challenge = s256(&verifier);
        Pkce { verifier, challenge }
    }

    /// Rebuild a pair from a stored verifier, checking RFC 7636 §4.1: 43-128 characters of
    /// `[A-Za-z0-9-._~]`. Anything else is `invalid_config` (a corrupted or foreign transaction).
    pub fn from_verifier(verifier: &str) -> Result<Pkce> {
        let ok_len = (43..=128).contains(&verifier.len());
        let ok_chars = super::text::all_bytes(verifier, |b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
        if !ok_len || !ok_chars {
            return Err(Error::new(ErrorCode::InvalidConfig, "PKCE verifier must be 43-128 unreserved characters"));
        }
        Ok(Pkce { verifier: String::from(verifier), challenge: s256(verifier) })
    }
}

fn s256(verifier: &str) -> String {
    base64url::encode(&sha::sha256(verifier.as_bytes()))
}

/// A `state` or `nonce`: the base64url of `random`. Pass at least 16 random bytes (128 bits, RFC 9700
/// §4.7.1 / DESIGN.md); the browser layer uses 32.
pub fn random_token(random: &[u8]) -> String {
    base64url::encode(random)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;

    #[test]
    fn rfc7636_appendix_b() {
        // The 32 octets of Appendix B and the resulting verifier and challenge.
        let random: [u8; 32] = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214,
            191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        let p = Pkce::from_random(&random);
        assert_eq!(p.verifier, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(p.challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert_eq!(Pkce::from_verifier(&p.verifier).unwrap(), p);
    }

    #[test]
    fn verifier_rules() {
        let a43 = "a".repeat(43);
        assert!(Pkce::from_verifier(&a43).is_ok());
        assert!(Pkce::from_verifier(&"Az09-._~".repeat(16)).is_ok(), "128 characters, every class");
        for bad in ["a".repeat(42), "a".repeat(129), format!("{}+", "a".repeat(42)), format!("{} ", a43), String::new()] {
            assert_eq!(Pkce::from_verifier(&bad).unwrap_err().code(), "invalid_config", "{bad:?}");
        }
        assert!(Pkce::from_verifier(&"é".repeat(30)).is_err());
    }

    #[test]
    fn tokens_are_base64url() {
        assert_eq!(random_token(&[0xfb; 16]), "-_v7-_v7-_v7-_v7-_v7-w");
        assert_eq!(random_token(&[0; 32]).len(), 43);
    }
}
