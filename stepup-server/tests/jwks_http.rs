//! Keys over HTTP (feature `jwks-http`) from a real provider stub on loopback: discovery, one request for a
//! burst of checks, the rotation refetch and its rate limit, no redirects, failures not retried at once.
#![cfg(all(feature = "jwks-http", feature = "axum"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use common::*;
use http::{HeaderMap, Method};
use serde_json::{json, Value};
use stepup_server::{ApiGuard, GuardPolicy};

#[derive(Clone, Default)]
struct Provider {
    base: Arc<Mutex<String>>,
    jwks: Arc<Mutex<Value>>,
    hits: Arc<Mutex<HashMap<String, u32>>>,
}

impl Provider {
    fn hits(&self, path: &str) -> u32 {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

async fn route(State(p): State<Provider>, Path(path): Path<String>) -> Response {
    *p.hits.lock().unwrap().entry(path.clone()).or_default() += 1;
    let base = p.base.lock().unwrap().clone();
    match path.as_str() {
        ".well-known/openid-configuration" => {
            ([(header::CONTENT_TYPE, "application/json")], json!({"issuer": base, "jwks_uri": format!("{base}/jwks")}).to_string()).into_response()
        }
        "jwks" => {
            let body = p.jwks.lock().unwrap().to_string();
            ([(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "max-age=3600")], body).into_response()
        }
        "moved" => (StatusCode::FOUND, [(header::LOCATION, format!("{base}/jwks"))]).into_response(),
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn provider(jwks: Value) -> (Provider, String) {
    let p = Provider { jwks: Arc::new(Mutex::new(jwks)), ..Provider::default() };
    let app = Router::new().route("/{*path}", get(route)).with_state(p.clone());
    let base = serve(app).await;
    *p.base.lock().unwrap() = base.clone();
    (p, base)
}

fn bearer(token: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("authorization", format!("Bearer {token}").parse().unwrap());
    h
}

async fn check(guard: &ApiGuard, token: &str) -> Result<(), String> {
    guard
        .check(&Method::GET, "https://api.example.com/x", &bearer(token), &GuardPolicy::default())
        .await
        .map(|_| ())
        .map_err(|r| r.code().to_owned())
}

#[tokio::test]
async fn discovery_then_one_jwks_request_for_a_burst_of_checks() {
    let issuer = Issuer::new();
    let (p, base) = provider(issuer.jwks()).await;
    let guard = ApiGuard::builder(base.clone(), AUDIENCE).build().unwrap();
    let token = issuer.token("ES256", json!({"iss": base}));
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (guard, token) = (guard.clone(), token.clone());
            tokio::spawn(async move { check(&guard, &token).await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), Ok(()));
    }
    assert_eq!((p.hits(".well-known/openid-configuration"), p.hits("jwks")), (1, 1), "single flight");
    // A token of another issuer is still refused by the rules.
    assert_eq!(check(&guard, &issuer.token("ES256", json!({}))).await, Err("invalid_issuer".into()));
}

#[tokio::test]
async fn an_unknown_kid_refetches_once_then_at_most_once_a_minute() {
    let issuer = Issuer::new();
    let (p, base) = provider(json!({"keys": [issuer.ec_jwk("ec-1")]})).await;
    let guard = ApiGuard::builder(base.clone(), AUDIENCE).jwks_uri(format!("{base}/jwks")).build().unwrap();
    assert_eq!(check(&guard, &issuer.token("ES256", json!({"iss": base}))).await, Ok(()));
    assert_eq!(p.hits("jwks"), 1);
    assert_eq!(p.hits(".well-known/openid-configuration"), 0, "a given jwksUri needs no discovery");
    // The provider rotates in an RSA key: the first token signed with it makes the guard fetch again.
    *p.jwks.lock().unwrap() = issuer.jwks();
    assert_eq!(check(&guard, &issuer.token("RS256", json!({"iss": base}))).await, Ok(()));
    assert_eq!(p.hits("jwks"), 2);
    // Made-up kids within the minute: refused without asking the provider again.
    for kid in ["forged-1", "forged-2", "forged-3"] {
        assert_eq!(check(&guard, &issuer.token_with_kid("ES256", kid, json!({"iss": base}))).await, Err("key_not_found".into()));
    }
    assert_eq!(p.hits("jwks"), 2, "no request amplification");
}

#[tokio::test]
async fn redirects_are_not_followed_and_failures_are_not_retried_at_once() {
    let issuer = Issuer::new();
    let (p, base) = provider(issuer.jwks()).await;
    let token = issuer.token("ES256", json!({"iss": base}));
    let moved = ApiGuard::builder(base.clone(), AUDIENCE).jwks_uri(format!("{base}/moved")).build().unwrap();
    let r = moved.check(&Method::GET, "https://api.example.com/x", &bearer(&token), &GuardPolicy::default()).await.unwrap_err();
    assert_eq!((r.status().as_u16(), r.code()), (503, "discovery_failed"));
    assert_eq!((p.hits("moved"), p.hits("jwks")), (1, 0), "the redirect was not followed");
    let down = ApiGuard::builder(base.clone(), AUDIENCE).jwks_uri(format!("{base}/down")).build().unwrap();
    for _ in 0..3 {
        assert_eq!(check(&down, &token).await, Err("discovery_failed".into()));
    }
    assert_eq!(p.hits("down"), 1, "a failure is answered again for a minute without a request");
    // An http jwks_uri off loopback is refused when the guard is built.
    let err = ApiGuard::builder(base, AUDIENCE).jwks_uri("http://keys.example.com/jwks").build().unwrap_err();
    assert_eq!(err.code(), "invalid_config");
}
