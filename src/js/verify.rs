//! `verifyIdToken`: signature (WebCrypto, the issuer's JWKS) and every claim rule.

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use super::{parsed, promise, token_part};

use super::error::IntoJsResult;
use super::token::{arg, now_seconds};
use crate::core::json::Json;
use crate::core::jwk::Jwks;
use crate::core::options::{self, Options};
use crate::web::jwks::JwksSource;
use crate::web::verify;
use crate::{Error, ErrorCode, Result};

/// The keys named by `expect.jwks` (a JWK Set) or `expect.jwksUri` (fetched, cached, refetched once on
/// an unknown `kid`).
fn source(expect: Option<&Json>) -> Result<JwksSource> {
    let o = Options::new(expect, "expectations")?;
    if let Some(set) = o.get("jwks") {
        return Ok(JwksSource::from_jwks(Jwks::from_json(set)?));
    }
    match o.string("jwksUri")? {
        Some(uri) if !uri.is_empty() => {
            options::secure_url(&uri, "jwksUri")?;
            Ok(JwksSource::remote(uri))
        }
        _ => Err(Error::new(ErrorCode::InvalidConfig, "give jwks or jwksUri to verify the signature").with_claim("jwksUri")),
    }
}

/// Verify an ID token's signature with the issuer's keys, then every claim rule. Resolves to the claims.
#[wasm_bindgen(js_name = verifyIdToken, unchecked_return_type = "Promise<IdTokenClaims>")]
pub fn verify_id_token(
    #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
    #[wasm_bindgen(unchecked_param_type = "VerifyExpectations")] expect: JsValue,
) -> Promise {
    let prepared = (|| {
        let token = token.as_string().ok_or_else(|| Error::new(ErrorCode::MalformedToken, "token must be a string"))?;
        let value = arg(&expect, "expectations")?;
        let exp = options::expectations(value.as_ref(), now_seconds())?;
        Ok((token, exp, source(value.as_ref())?))
    })();
    promise(async move {
        let (token, exp, keys) = prepared.js()?;
        verify::verify_id_token(&token, &exp, &keys).await.js()?;
        Ok(parsed(&token_part(&token, 1)))
    })
}
