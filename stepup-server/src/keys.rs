//! Where the guard's verification keys come from: a JWKS given inline (always available), or the issuer's
//! `jwks_uri` over HTTPS (feature `jwks-http`, [`crate::http_keys`]).
//!
//! Each key is decoded for ring once, when its set arrives ([`KeySet`]); which key verifies a token is
//! `stepup`'s `select_key` (by `kid`, then by type; one algorithm per key).

use std::sync::Arc;

use stepup::core::error::{ErrorCode, Result};
use stepup::core::jwk::{select_key, Algorithm, Jwk, Jwks};
use stepup::core::jwt::JoseHeader;

use crate::verify::{self, PublicKey};

/// A JWKS and its keys decoded for ring, index for index.
#[derive(Debug)]
pub(crate) struct KeySet {
    jwks: Jwks,
    decoded: Vec<Option<PublicKey>>,
}

impl KeySet {
    pub(crate) fn new(jwks: Jwks) -> KeySet {
        let decoded = jwks.keys.iter().map(PublicKey::from_jwk).collect();
        KeySet { jwks, decoded }
    }

    pub(crate) fn jwks(&self) -> &Jwks {
        &self.jwks
    }

    /// Verify a JWS signed with `alg` (allow-listed) by the key of this set that `select_key` picks.
    /// `key_not_found` when none fits: the caller may refetch the set once.
    pub(crate) fn verify(&self, header: &JoseHeader, alg: Algorithm, signing_input: &[u8], signature: &[u8]) -> Result<()> {
        let jwk = select_key(&self.jwks, header, alg)?;
        let index = self.jwks.keys.iter().position(|k| std::ptr::eq(k, jwk));
        let decoded = index.and_then(|i| self.decoded.get(i)).and_then(Option::as_ref);
        verify::verify(jwk, decoded, alg, signing_input, signature)
    }
}

/// A DPoP proof's own key (its header `jwk`, RFC 9449 §4.2): verify the proof's signature with it.
pub(crate) fn verify_with_jwk(jwk: &Jwk, alg: Algorithm, signing_input: &[u8], signature: &[u8]) -> Result<()> {
    let decoded = PublicKey::from_jwk(jwk);
    verify::verify(jwk, decoded.as_ref(), alg, signing_input, signature)
}

/// The guard's key source.
#[derive(Debug)]
pub(crate) enum Keys {
    Inline(Arc<KeySet>),
    #[cfg(feature = "jwks-http")]
    Remote(Box<crate::http_keys::RemoteKeys>),
}

/// A failure to obtain keys, kept as a code and a message (no `stepup::Error` is held across an `.await`:
/// it is not `Send`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct KeyFault {
    pub code: ErrorCode,
    pub message: String,
}

impl KeyFault {
    #[cfg(feature = "jwks-http")]
    pub(crate) fn into_error(self) -> stepup::Error {
        stepup::Error::new(self.code, self.message).with_claim("kid")
    }
}

impl Keys {
    /// The set to verify with now (fetched when there is none or it expired).
    pub(crate) async fn current(&self) -> std::result::Result<Arc<KeySet>, KeyFault> {
        match self {
            Keys::Inline(set) => Ok(set.clone()),
            #[cfg(feature = "jwks-http")]
            Keys::Remote(remote) => remote.current().await,
        }
    }

    /// A token's `kid` is not in `seen`: a fresher set if the rotation rule allows one request, else `None`.
    pub(crate) async fn rotated(&self, seen: &Arc<KeySet>) -> Option<Arc<KeySet>> {
        match self {
            Keys::Inline(_) => {
                let _ = seen;
                None
            }
            #[cfg(feature = "jwks-http")]
            Keys::Remote(remote) => remote.rotated(seen).await,
        }
    }
}
