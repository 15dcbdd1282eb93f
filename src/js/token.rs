//! The synchronous helpers: `decodeJwt`, `validateIdTokenClaims`, `evaluateStepUp`, `parseStepUpChallenge`.

use wasm_bindgen::prelude::*;

use super::error::IntoJsResult;
use super::{parsed, token_part};
use crate::core::json::ObjectWriter;
use crate::core::claims::Claims;
use crate::core::json::Json;
use crate::web::json;
use crate::core::policy::{self, AuthContext};
use crate::core::{challenge, jwt, options, validate};
use crate::{Error, ErrorCode, Result};

/// Seconds since the epoch from the browser clock.
pub(crate) fn now_seconds() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// A JS argument as JSON; `undefined` and `null` are `None`.
pub(crate) fn arg(value: &JsValue, what: &str) -> Result<Option<Json>> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    json::from_js(value.clone()).map(Some).ok_or_else(|| {
        let mut msg = alloc::string::String::from(what);
        msg.push_str(" is not a plain JSON object");
        Error::new(ErrorCode::InvalidConfig, msg)
    })
}

fn token_arg(token: &JsValue) -> Result<alloc::string::String> {
    token.as_string().ok_or_else(|| Error::new(ErrorCode::MalformedToken, "token must be a string"))
}

/// Decode a compact JWS without verifying anything but its form: `{ header, claims }`.
#[wasm_bindgen(js_name = decodeJwt, unchecked_return_type = "DecodedJwt")]
pub fn decode_jwt(#[wasm_bindgen(unchecked_param_type = "string")] token: JsValue) -> Result<JsValue, JsValue> {
    let token = token_arg(&token).js()?;
    jwt::decode(&token).js()?;
    let mut out = ObjectWriter::new();
    out.raw("header", &token_part(&token, 0));
    out.raw("claims", &token_part(&token, 1));
    Ok(parsed(&out.finish()))
}

/// Every ID-token claim rule of OIDC Core 3.1.3.7 and the step-up rules, but not the signature
/// (use `verifyIdToken` for that). Returns the claims.
#[wasm_bindgen(js_name = validateIdTokenClaims, unchecked_return_type = "IdTokenClaims")]
pub fn validate_id_token_claims(
    #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ClaimExpectations")] expect: JsValue,
) -> Result<JsValue, JsValue> {
    let run = || -> Result<alloc::string::String> {
        let token = token_arg(&token)?;
        let exp = options::expectations(arg(&expect, "expectations")?.as_ref(), now_seconds())?;
        validate::validate(&token, &exp)?;
        Ok(token_part(&token, 1))
    };
    run().js().map(|c| parsed(&c))
}

/// A compliance preset's policy (docs/COMPLIANCE.md), the one `stepup/server` and Rust's `StepUpPolicy::preset` judge
/// by: `"nist-aal2"`, `"nist-aal3"` or `"pci-dss"`. Any other name throws `invalid_config`, never a lax policy.
#[wasm_bindgen(js_name = policyPreset, unchecked_return_type = "StepUpPolicy")]
pub fn policy_preset(#[wasm_bindgen(unchecked_param_type = "\"nist-aal2\" | \"nist-aal3\" | \"pci-dss\"")] name: &str) -> Result<JsValue, JsValue> {
    policy::StepUpPolicy::preset(name).map(|p| parsed(&p.to_json())).js()
}

/// Judge an authentication (the claims of an ID token, or a Session's `claims`) against a policy.
#[wasm_bindgen(js_name = evaluateStepUp, unchecked_return_type = "StepUpDecision")]
pub fn evaluate_step_up(
    #[wasm_bindgen(unchecked_param_type = "IdTokenClaims | Record<string, unknown>")] claims: JsValue,
    #[wasm_bindgen(unchecked_param_type = "StepUpPolicy")] policy: JsValue,
    now: Option<f64>,
) -> Result<JsValue, JsValue> {
    let run = || -> Result<alloc::string::String> {
        let claims = arg(&claims, "claims")?.ok_or_else(|| Error::new(ErrorCode::InvalidConfig, "claims is required"))?;
        let ctx = AuthContext::from(&Claims::from_json(&claims)?);
        let pol = options::policy(arg(&policy, "policy")?.as_ref())?;
        let now = match now {
            Some(n) if n.is_finite() && n >= 0.0 => n as i64,
            Some(_) => return Err(Error::new(ErrorCode::InvalidConfig, "now must be seconds since the epoch")),
            None => now_seconds(),
        };
        let d = policy::evaluate(&ctx, &pol, now, policy::DEFAULT_STEP_UP_ACR, validate::DEFAULT_LEEWAY);
        let mut out = ObjectWriter::new();
        out.boolean("satisfied", d.satisfied);
        out.strings("reasons", &d.reasons);
        if let Some(acr) = &d.acr_values {
            out.strings("acrValues", acr);
        }
        if let Some(max_age) = d.max_age {
            out.uint("maxAge", max_age);
        }
        Ok(out.finish())
    };
    run().js().map(|d| parsed(&d))
}

/// The RFC 9470 step-up challenge in a `WWW-Authenticate` header value, or `null`.
#[wasm_bindgen(js_name = parseStepUpChallenge, unchecked_return_type = "StepUpChallenge | null")]
pub fn parse_step_up_challenge(#[wasm_bindgen(unchecked_param_type = "string")] header: JsValue) -> JsValue {
    let Some(c) = header.as_string().and_then(|h| challenge::parse_step_up_challenge(&h)) else {
        return JsValue::NULL;
    };
    let mut out = ObjectWriter::new();
    out.string("scheme", &c.scheme);
    out.string("error", &c.error);
    if let Some(d) = &c.error_description {
        out.string("errorDescription", d);
    }
    if let Some(acr) = &c.acr_values {
        out.strings("acrValues", acr);
    }
    if let Some(max_age) = c.max_age {
        out.uint("maxAge", max_age);
    }
    // A JSON object our parser read (`core::challenge` returns no challenge otherwise); spliced as it is.
    if let Some(claims) = &c.claims {
        out.raw("claims", claims);
    }
    parsed(&out.finish())
}
