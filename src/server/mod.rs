//! The API guard's wasm exports for Node (feature `server`, built apart from the browser package by
//! `scripts/build.mjs` into `pkg/server/`). Thin: JSON text in, JSON text out, every rule in `core::guard`. The
//! driver (`src/server/server.js`) does the I/O: discovery and JWKS over `fetch`, signatures with WebCrypto
//! following the plans given here, the replay store.

use alloc::string::String;
use alloc::vec::Vec;

use wasm_bindgen::prelude::*;

use crate::core::error::{Error, ErrorCode};
use crate::core::guard::{self, GuardConfig, GuardPolicy, GuardRequest, Pending, Rejection, Verified};
use crate::core::json::{self, Json, ObjectWriter};
use crate::core::jwk::{self, Jwks, VerificationPlan};
use crate::core::policy::StepUpPolicy;
use crate::core::base64url;

/// An error for JS: `{ code, message, claim? }` as JSON text, which the driver throws as a `StepUpError`.
fn error_json(e: &Error) -> JsValue {
    let mut w = ObjectWriter::new();
    w.string("code", e.code());
    w.string("message", e.message());
    w.optional_string("claim", &e.claim);
    JsValue::from_str(&w.finish())
}

fn parse(text: &str, code: ErrorCode) -> Result<Json, JsValue> {
    json::parse(text, code).map_err(|e| error_json(&e))
}

/// One guard: its configuration, the issuer's current keys, and the requests between `begin` and `finish`.
#[wasm_bindgen]
pub struct Guard {
    config: GuardConfig,
    jwks: Jwks,
    pending: Vec<(u32, Pending)>,
    next: u32,
}

fn plan_json(w: &mut ObjectWriter, plan: &VerificationPlan, signing_input: &str, signature: &[u8]) {
    w.raw("importParams", plan.import_params);
    w.raw("jwk", &plan.jwk);
    w.raw("verifyParams", plan.verify_params);
    w.string("signingInput", signing_input);
    w.string("signature", &base64url::encode(signature));
}

#[wasm_bindgen]
impl Guard {
    /// `config`: the options' JSON (see `GuardConfig::from_json`). Throws `{ code: "invalid_config", .. }`.
    #[wasm_bindgen(constructor)]
    pub fn new(config: &str) -> Result<Guard, JsValue> {
        let config = GuardConfig::from_json(&parse(config, ErrorCode::InvalidConfig)?).map_err(|e| error_json(&e))?;
        Ok(Guard { config, jwks: Jwks::default(), pending: Vec::new(), next: 0 })
    }

    /// The issuer's JWKS (a fetched document or the `jwks` option). Keys that cannot verify are skipped.
    #[wasm_bindgen(js_name = setJwks)]
    pub fn set_jwks(&mut self, jwks: &str) -> Result<(), JsValue> {
        let doc = parse(jwks, ErrorCode::DiscoveryFailed)?;
        self.jwks = Jwks::from_json(&doc)
            .map_err(|_| error_json(&Error::new(ErrorCode::DiscoveryFailed, "the JWKS is not an object with a keys array")))?;
        Ok(())
    }

    /// Step 1 for `{ method, url, authorization?, dpop? }`. A rejection's JSON (`ok: false`; `code:
    /// "key_not_found"` asks the driver to refetch the JWKS once), or `{ ok: true, id, token: plan, proof: plan
    /// | null }` where a plan is `{ importParams, jwk, verifyParams, signingInput, signature }` for WebCrypto.
    pub fn begin(&mut self, request: &str) -> Result<String, JsValue> {
        let req = parse(request, ErrorCode::InvalidConfig)?;
        let s = |k: &str| req.get(k).and_then(Json::as_str);
        let request = GuardRequest { method: s("method").unwrap_or_default(), url: s("url").unwrap_or_default(), authorization: s("authorization"), dpop: s("dpop") };
        let pending = match guard::begin(&self.config, &request) {
            Ok(p) => p,
            Err(r) => return Ok(r.to_json()),
        };
        let plan = match pending.token_plan(&self.config, &self.jwks) {
            Ok(p) => p,
            Err(r) => return Ok(r.to_json()),
        };
        self.next = self.next.wrapping_add(1);
        let id = self.next;
        let mut w = ObjectWriter::new();
        w.boolean("ok", true);
        w.uint("id", u64::from(id));
        let mut token = ObjectWriter::new();
        plan_json(&mut token, &plan, &pending.token.signing_input, &pending.token.signature);
        w.raw("token", &token.finish());
        match &pending.proof {
            Some(p) => {
                let mut proof = ObjectWriter::new();
                plan_json(&mut proof, &p.plan, &p.signing_input, &p.signature);
                w.raw("proof", &proof.finish());
            }
            None => w.raw("proof", "null"),
        }
        self.pending.push((id, pending));
        Ok(w.finish())
    }

    /// Step 2 for the request `id` of `begin`: the signatures' outcome, the policy's JSON, `now` in seconds.
    /// The success object (with `replay { key, expiresAt }` to claim) or a rejection. Throws for a bad policy.
    pub fn finish(&mut self, id: u32, token_ok: bool, proof_ok: bool, policy: &str, now: f64) -> Result<String, JsValue> {
        let pending = self.take(id);
        let policy = GuardPolicy::from_json(Some(&parse(policy, ErrorCode::InvalidConfig)?)).map_err(|e| error_json(&e))?;
        let Some(pending) = pending else {
            return Err(error_json(&Error::new(ErrorCode::InvalidConfig, "no request in progress with this id")));
        };
        let verified = Verified { token: token_ok, proof: proof_ok };
        Ok(match guard::finish(&self.config, pending, verified, &policy, now as i64) {
            Ok(auth) => auth.to_json(),
            Err(r) => r.to_json(),
        })
    }

    /// Forget the request `id` (the driver failed between the two steps).
    pub fn abandon(&mut self, id: u32) {
        let _ = self.take(id);
    }

    fn take(&mut self, id: u32) -> Option<Pending> {
        let i = self.pending.iter().position(|(k, _)| *k == id)?;
        Some(self.pending.swap_remove(i).1)
    }

    /// The answer to a proof the replay store has seen.
    pub fn replayed(&self) -> String {
        Rejection::replayed_proof(&self.config).to_json()
    }

    /// The answer when the replay store cannot say (503, fail closed).
    #[wasm_bindgen(js_name = storeUnavailable)]
    pub fn store_unavailable() -> String {
        Rejection::replay_store_unavailable().to_json()
    }

    /// Throws `invalid_config` when `policy` (JSON) is not a `StepUpPolicy & { scope? }`.
    #[wasm_bindgen(js_name = checkPolicy)]
    pub fn check_policy(policy: &str) -> Result<(), JsValue> {
        GuardPolicy::from_json(Some(&parse(policy, ErrorCode::InvalidConfig)?)).map(|_| ()).map_err(|e| error_json(&e))
    }
}

/// Seconds a JWKS response may be used, from its `Cache-Control` (the browser client's rule).
#[wasm_bindgen(js_name = jwksMaxAge)]
pub fn jwks_max_age(cache_control: Option<String>) -> f64 {
    jwk::jwks_max_age(cache_control.as_deref()) as f64
}

/// `StepUpPolicy::preset(name)` as the JS contract's `StepUpPolicy` JSON; throws `invalid_config`.
#[wasm_bindgen(js_name = policyPreset)]
pub fn policy_preset(name: &str) -> Result<String, JsValue> {
    let p = StepUpPolicy::preset(name).map_err(|e| error_json(&e))?;
    Ok(p.to_json())
}

