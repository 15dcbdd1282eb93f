//! The guard in a real axum server on loopback, driven by a real HTTP client: the extractor, the tower layer,
//! each answer's status, challenge (read back with the client's own parser) and body.
#![cfg(feature = "axum")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use axum::routing::{get, post};
use axum::{Json, Router};
use common::*;
use serde_json::{json, Value};
use stepup::core::challenge::{parse_step_up_challenge, parse_www_authenticate};
use stepup_server::axum::{AnyToken, Authenticated, PciDss, StepUp};
use stepup_server::{ApiGuard, GuardPolicy, StepUpPolicy};

async fn profile(auth: StepUp<AnyToken>) -> Json<Value> {
    Json(json!({"sub": auth.sub, "scheme": auth.scheme.as_str()}))
}

async fn transfer(auth: StepUp<PciDss>) -> Json<Value> {
    Json(json!({"sub": auth.sub, "amr": auth.amr}))
}

async fn layered(Authenticated(auth): Authenticated) -> Json<Value> {
    Json(json!({"sub": auth.sub, "scope": auth.scope}))
}

/// The server of these tests: `/profile` (any token), `/transfer` (pci-dss), `/payments` (a layer requiring
/// scope `payments` and nist-aal2), `/unguarded` (Authenticated without a layer: a programming error).
async fn start(issuer: &Issuer) -> String {
    let guard = ApiGuard::builder(ISSUER, AUDIENCE).jwks_json(&issuer.jwks().to_string()).unwrap().build().unwrap();
    let payments = GuardPolicy { step_up: StepUpPolicy::preset("nist-aal2").unwrap(), scope: Some("payments".into()) };
    let layered_routes = Router::new().route("/payments", get(layered)).route_layer(guard.layer(payments));
    let app = Router::new()
        .route("/profile", get(profile))
        .route("/transfer", post(transfer))
        .route("/unguarded", get(layered))
        .with_state(guard)
        .merge(layered_routes);
    serve(app).await
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[tokio::test]
async fn answers_every_verdict_over_http() {
    let issuer = Issuer::new();
    let base = start(&issuer).await;
    let profile_url = format!("{base}/profile");

    // No token: 401, a bare challenge for both schemes, no error.
    let a = send("GET", &profile_url, &[]).await;
    assert_eq!((a.status, a.code().as_str()), (401, "missing_token"));
    let challenges = parse_www_authenticate(a.www_authenticate.as_deref().unwrap()).unwrap();
    assert!(challenges.iter().any(|c| c.is_scheme("Bearer") && c.param("error").is_none()));
    assert!(challenges.iter().any(|c| c.is_scheme("DPoP") && c.param("algs").is_some()));

    // A valid token, RS256 and ES256: 200 with the subject.
    for alg in ["RS256", "ES256"] {
        let a = send("GET", &profile_url, &[("authorization", &bearer(&issuer.token(alg, pwd(60))))]).await;
        assert_eq!(a.status, 200, "{alg}: {}", a.body);
        assert_eq!(a.json(), json!({"sub": "alice", "scheme": "Bearer"}));
    }

    // Bad tokens: 401 invalid_token, the failed check as the code.
    let good = issuer.token("RS256", pwd(60));
    let (head, sig) = good.rsplit_once('.').unwrap();
    let mut forged = sig.as_bytes().to_vec();
    forged[10] = if forged[10] == b'A' { b'B' } else { b'A' };
    let forged = format!("{head}.{}", String::from_utf8(forged).unwrap());
    let now = now();
    let cases = [
        (forged, "invalid_signature"),
        (issuer.token("ES256", json!({"exp": now - 120})), "token_expired"),
        (issuer.token("ES256", json!({"aud": "https://other.example.com"})), "invalid_audience"),
        (issuer.token("ES256", json!({"iss": "https://evil.example.com/"})), "invalid_issuer"),
        (issuer.token_with_kid("ES256", "nobody", json!({})), "key_not_found"),
        (issuer.sign(&json!({"alg": "ES256", "kid": "ec-1"}), &json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": now, "exp": now + 60})), "invalid_claim"),
        (format!("{}.{}.", base64(&json!({"alg": "none", "typ": "at+jwt"})), base64(&json!({"iss": ISSUER}))), "unsupported_algorithm"),
    ];
    for (token, code) in cases {
        let a = send("GET", &profile_url, &[("authorization", &bearer(&token))]).await;
        assert_eq!((a.status, a.code().as_str()), (401, code), "{}", a.body);
        let ch = parse_www_authenticate(a.www_authenticate.as_deref().unwrap()).unwrap();
        assert_eq!(ch[0].scheme, "Bearer");
        assert_eq!(ch[0].param("error"), Some("invalid_token"), "{code}");
    }

    // Too weak for pci-dss: 401 insufficient_user_authentication, which the client's parser reads as a step-up.
    let transfer_url = format!("{base}/transfer");
    let a = send("POST", &transfer_url, &[("authorization", &bearer(&issuer.token("RS256", pwd(60))))]).await;
    assert_eq!((a.status, a.code().as_str()), (401, "amr_not_satisfied"), "{}", a.body);
    let step_up = parse_step_up_challenge(a.www_authenticate.as_deref().unwrap()).unwrap();
    assert_eq!(step_up.error, "insufficient_user_authentication");
    assert_eq!(step_up.acr_values, Some(vec![MFA_ACR.to_string()]));
    assert_eq!(step_up.max_age, Some(900));
    // Multi-factor, but 20 minutes ago: too old for pci-dss's 15.
    let a = send("POST", &transfer_url, &[("authorization", &bearer(&issuer.token("ES256", mfa(1200))))]).await;
    assert_eq!((a.status, a.code().as_str()), (401, "auth_time_too_old"), "{}", a.body);
    assert_eq!(parse_step_up_challenge(a.www_authenticate.as_deref().unwrap()).unwrap().max_age, Some(900));
    // Multi-factor a minute ago: through.
    let a = send("POST", &transfer_url, &[("authorization", &bearer(&issuer.token("ES256", mfa(60))))]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["amr"], json!(["pwd", "otp"]));
}

fn base64(v: &Value) -> String {
    stepup::core::base64url::encode(v.to_string().as_bytes())
}

#[tokio::test]
async fn the_layer_answers_scope_and_policy_and_hands_the_result_to_the_handler() {
    let issuer = Issuer::new();
    let base = start(&issuer).await;
    let url = format!("{base}/payments");
    let a = send("GET", &url, &[]).await;
    assert_eq!((a.status, a.code().as_str()), (401, "missing_token"));
    let a = send("GET", &url, &[("authorization", &bearer(&issuer.token("ES256", mfa(60))))]).await;
    assert_eq!((a.status, a.code().as_str()), (403, "insufficient_scope"), "{}", a.body);
    let ch = parse_www_authenticate(a.www_authenticate.as_deref().unwrap()).unwrap();
    assert_eq!((ch[0].param("error"), ch[0].param("scope")), (Some("insufficient_scope"), Some("payments")));
    // Scope granted, but a password-only login: the step-up challenge.
    let weak = issuer.token("ES256", json!({"scope": "read payments", "amr": ["pwd"], "auth_time": now() - 10}));
    let a = send("GET", &url, &[("authorization", &bearer(&weak))]).await;
    assert_eq!((a.status, a.code().as_str()), (401, "amr_not_satisfied"), "{}", a.body);
    assert_eq!(parse_step_up_challenge(a.www_authenticate.as_deref().unwrap()).unwrap().max_age, Some(86_400));
    let strong = issuer.token("RS256", json!({"scope": "read payments", "amr": ["pwd", "otp"], "auth_time": now() - 10}));
    let a = send("GET", &url, &[("authorization", &bearer(&strong))]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json(), json!({"sub": "alice", "scope": "read payments"}));
    // `Authenticated` on a route without the layer: 500, never an unguarded handler.
    let a = send("GET", &format!("{base}/unguarded"), &[("authorization", &bearer(&strong))]).await;
    assert_eq!(a.status, 500);
}

#[tokio::test]
async fn dpop_bound_tokens_need_their_proof_once() {
    let issuer = Issuer::new();
    let base = start(&issuer).await;
    let url = format!("{base}/profile?page=2");
    let client_key = EcKey::generate();
    let token = issuer.token("ES256", json!({"cnf": {"jkt": client_key.jkt()}}));
    let dpop_auth = format!("DPoP {token}");

    let proof1 = proof(&client_key, "GET", &url, &token);
    let a = send("GET", &url, &[("authorization", &dpop_auth), ("dpop", &proof1)]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["scheme"], "DPoP");

    // The same proof again: a replay.
    let a = send("GET", &url, &[("authorization", &dpop_auth), ("dpop", &proof1)]).await;
    assert_eq!((a.status, a.code().as_str()), (401, "invalid_dpop_proof"));
    let ch = parse_www_authenticate(a.www_authenticate.as_deref().unwrap()).unwrap();
    assert!(ch[0].is_scheme("DPoP"));
    assert_eq!(ch[0].param("error"), Some("invalid_dpop_proof"));

    // No proof; a proof for another method; a proof by another key; the bound token as Bearer.
    let a = send("GET", &url, &[("authorization", &dpop_auth)]).await;
    assert_eq!((a.status, a.code().as_str()), (401, "invalid_dpop_proof"));
    let a = send("GET", &url, &[("authorization", &dpop_auth), ("dpop", &proof(&client_key, "POST", &url, &token))]).await;
    assert_eq!((a.status, a.code().as_str()), (401, "invalid_dpop_proof"));
    let a = send("GET", &url, &[("authorization", &dpop_auth), ("dpop", &proof(&EcKey::generate(), "GET", &url, &token))]).await;
    assert_eq!((a.status, a.code().as_str()), (401, "invalid_dpop_proof"));
    let a = send("GET", &url, &[("authorization", &bearer(&token))]).await;
    assert_eq!((a.status, a.code().as_str()), (401, "invalid_token"));
    let ch = parse_www_authenticate(a.www_authenticate.as_deref().unwrap()).unwrap();
    assert!(ch[0].is_scheme("DPoP"), "challenges for DPoP-bound tokens use the DPoP scheme");
    // A proof whose signature was tampered with.
    let fresh = proof(&client_key, "GET", &url, &token);
    let (head, _) = fresh.rsplit_once('.').unwrap();
    let bad = format!("{head}.{}", stepup::core::base64url::encode(&[1u8; 64]));
    let a = send("GET", &url, &[("authorization", &dpop_auth), ("dpop", &bad)]).await;
    assert_eq!((a.status, a.code().as_str()), (401, "invalid_dpop_proof"));
}
