//! `require_step_up` inside a real Leptos `#[server]` function, run by leptos_axum in an axum server on
//! loopback: the function runs only for a token that satisfies its policy; otherwise the answer is the
//! guard's status and RFC 9470 challenge (read back with the client's own parser), and the body never
//! carries the function's result.
#![cfg(feature = "leptos")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use axum::body::Body;
use axum::http::Request;
use axum::routing::post;
use axum::Router;
use common::*;
use leptos::prelude::*;
use stepup::core::challenge::{parse_step_up_challenge, parse_www_authenticate};
use stepup_server::{ApiGuard, StepUpPolicy};

/// What the transfer needs: a second factor within the last five minutes.
fn transfer_policy() -> StepUpPolicy {
    StepUpPolicy { mfa: true, max_age: Some(300), ..StepUpPolicy::default() }
}

#[server(prefix = "/api", endpoint = "transfer")]
pub async fn transfer() -> Result<String, ServerFnError> {
    let auth = stepup_server::leptos::require_step_up(transfer_policy()).await?;
    Ok(format!("transfer by {}", auth.sub))
}

/// A server running the app's server functions, with `guard` in their context (or none).
async fn start(guard: Option<ApiGuard>) -> String {
    let app = Router::new().route(
        "/api/{*fn_name}",
        post(move |req: Request<Body>| {
            let guard = guard.clone();
            async move {
                leptos_axum::handle_server_fns_with_context(
                    move || {
                        if let Some(g) = guard.clone() {
                            provide_context(g);
                        }
                    },
                    req,
                )
                .await
            }
        }),
    );
    serve(app).await
}

fn call(token: Option<&str>) -> Vec<(&'static str, String)> {
    let mut headers = vec![("content-type", "application/x-www-form-urlencoded".to_string())];
    if let Some(t) = token {
        headers.push(("authorization", format!("Bearer {t}")));
    }
    headers
}

async fn send_call(url: &str, token: Option<&str>) -> Answer {
    let headers = call(token);
    let refs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    send("POST", url, &refs).await
}

#[tokio::test]
async fn the_server_function_runs_only_for_a_token_that_satisfies_its_policy() {
    let issuer = Issuer::new();
    let guard = ApiGuard::builder(ISSUER, AUDIENCE).jwks_json(&issuer.jwks().to_string()).unwrap().build().unwrap();
    let url = format!("{}/api/transfer", start(Some(guard)).await);

    // No token: 401 and a bare Bearer challenge; the function did not run.
    let a = send_call(&url, None).await;
    assert_eq!(a.status, 401, "{}", a.body);
    assert!(a.body.contains("missing_token"), "{}", a.body);
    assert!(!a.body.contains("transfer by"), "{}", a.body);
    let challenges = parse_www_authenticate(a.www_authenticate.as_deref().unwrap()).unwrap();
    assert!(challenges.iter().any(|c| c.is_scheme("Bearer") && c.param("error").is_none()));

    // A password-only login: 401 with the step-up challenge of the function's policy.
    let a = send_call(&url, Some(&issuer.token("RS256", pwd(60)))).await;
    assert_eq!(a.status, 401, "{}", a.body);
    assert!(!a.body.contains("transfer by"), "{}", a.body);
    let step_up = parse_step_up_challenge(a.www_authenticate.as_deref().unwrap()).unwrap();
    assert_eq!(step_up.error, "insufficient_user_authentication");
    assert_eq!(step_up.acr_values, Some(vec![MFA_ACR.to_string()]));
    assert_eq!(step_up.max_age, Some(300));

    // Multi-factor, but ten minutes ago: too old for five minutes.
    let a = send_call(&url, Some(&issuer.token("ES256", mfa(600)))).await;
    assert_eq!(a.status, 401, "{}", a.body);
    assert!(a.body.contains("auth_time_too_old"), "{}", a.body);
    assert_eq!(parse_step_up_challenge(a.www_authenticate.as_deref().unwrap()).unwrap().max_age, Some(300));

    // A forged signature: invalid_token, not a step-up.
    let good = issuer.token("ES256", mfa(60));
    let (head, _) = good.rsplit_once('.').unwrap();
    let forged = format!("{head}.{}", issuer.token("ES256", pwd(60)).rsplit_once('.').unwrap().1);
    let a = send_call(&url, Some(&forged)).await;
    assert_eq!(a.status, 401, "{}", a.body);
    assert_eq!(parse_www_authenticate(a.www_authenticate.as_deref().unwrap()).unwrap()[0].param("error"), Some("invalid_token"));

    // Multi-factor a minute ago: the function runs.
    let a = send_call(&url, Some(&good)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.body.contains("transfer by alice"), "{}", a.body);
}

#[tokio::test]
async fn without_a_guard_in_the_context_the_function_fails_closed() {
    let issuer = Issuer::new();
    let url = format!("{}/api/transfer", start(None).await);
    let a = send_call(&url, Some(&issuer.token("ES256", mfa(60)))).await;
    assert_eq!(a.status, 500, "{}", a.body);
    assert!(a.body.contains("no ApiGuard"), "{}", a.body);
    assert!(!a.body.contains("transfer by"), "{}", a.body);
}
