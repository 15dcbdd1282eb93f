//! ID token verification in the browser: every rule of `core::validate` plus the signature.

use super::crypto;
use super::jwks::JwksSource;
use crate::core::error::Result;
use crate::core::jwt::{self, DecodedJwt};
use crate::core::validate::{self, Expectations};

/// Decode, check the header (allow-listed `alg`, no unknown `crit`), find the key (refetching the JWKS
/// once on an unknown `kid`), verify the signature with WebCrypto, then validate the claims.
///
/// The signature is checked before the claims so no claim of a forged token is ever looked at.
pub async fn verify_id_token(token: &str, expect: &Expectations, keys: &JwksSource) -> Result<DecodedJwt> {
    let decoded = jwt::decode(token)?;
    let alg = validate::check_header(&decoded.header, expect)?;
    let jwk = keys.key_for(&decoded.header, alg).await?;
    let signed = crypto::start_verify(&jwk, alg, &decoded.signature, decoded.signing_input.as_bytes())?;
    crypto::verified(super::task::settled(signed).await, alg)?;
    validate::validate_claims(&decoded, expect)?;
    Ok(decoded)
}
