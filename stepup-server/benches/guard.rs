//! Guard throughput: checks per second for a cached-key RS256 token, an ES256 token, and a DPoP-bound ES256
//! request (token, proof signature, replay claim in the in-memory store), each on one core.
//!
//!   cargo bench -p stepup-server --bench guard
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use common::*;
use http::{HeaderMap, Method};
use serde_json::json;
use stepup_server::{ApiGuard, GuardPolicy, StepUpPolicy};

fn headers(authorization: &str, dpop: Option<&str>) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("authorization", authorization.parse().unwrap());
    if let Some(p) = dpop {
        h.insert("dpop", p.parse().unwrap());
    }
    h
}

async fn measure(name: &str, guard: &ApiGuard, requests: &[HeaderMap], url: &str, policy: &GuardPolicy) {
    // Warm up (and fail loudly if the request is not accepted).
    guard.check(&Method::GET, url, &requests[0], policy).await.unwrap();
    let start = Instant::now();
    for h in &requests[1..] {
        guard.check(&Method::GET, url, h, policy).await.unwrap();
    }
    let n = requests.len() - 1;
    let secs = start.elapsed().as_secs_f64();
    println!("{name:<34} {:>9.0} checks/s  ({:.1} µs each, {n} checks)", n as f64 / secs, secs * 1e6 / n as f64);
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let issuer = Issuer::new();
    let guard = ApiGuard::builder(ISSUER, AUDIENCE).jwks_json(&issuer.jwks().to_string()).unwrap().build().unwrap();
    let policy = GuardPolicy { step_up: StepUpPolicy::preset("nist-aal2").unwrap(), scope: Some("payments".into()) };
    let url = "https://api.example.com/transfer";
    let claims = json!({"scope": "payments", "acr": MFA_ACR, "amr": ["pwd", "otp"], "auth_time": now() - 60});
    let n = 20_000;
    for alg in ["RS256", "ES256"] {
        let bearer = headers(&format!("Bearer {}", issuer.token(alg, claims.clone())), None);
        let requests = vec![bearer; n];
        measure(&format!("{alg} Bearer (cached key)"), &guard, &requests, url, &policy).await;
    }
    // DPoP: every request has a proof of its own (a replayed one would be refused).
    let key = EcKey::generate();
    let mut bound = claims.clone();
    bound["cnf"] = json!({"jkt": key.jkt()});
    let token = issuer.token("ES256", bound);
    let auth = format!("DPoP {token}");
    let requests: Vec<_> = (0..n / 4).map(|_| headers(&auth, Some(&proof(&key, "GET", url, &token)))).collect();
    measure("ES256 DPoP-bound (token + proof)", &guard, &requests, url, &policy).await;
}
