//! Leptos server functions (feature `leptos`, with leptos_axum).
//!
//! One call at the top of a `#[server]` function judges the request that called it, with the same rules
//! as the extractors: the `Authorization` (Bearer or DPoP) and `DPoP` headers against a policy.
//!
//! ```ignore
//! #[server]
//! pub async fn transfer(amount: u32) -> Result<String, ServerFnError> {
//!     let policy = StepUpPolicy { mfa: true, max_age: Some(300), ..Default::default() };
//!     let auth = stepup_server::leptos::require_step_up(policy).await?; // 401 + RFC 9470 challenge if not
//!     Ok(format!("{} sent {amount} €", auth.sub))
//! }
//! ```
//!
//! The [`ApiGuard`] comes from the server function's context: provide it where leptos_axum runs them,
//! `handle_server_fns_with_context(move || provide_context(guard.clone()), request)` and
//! `leptos_routes_with_context` (the routes' server-side render calls server functions too).
//!
//! When the guard refuses, the function answers with the guard's status (401, 403, …) and headers
//! (`WWW-Authenticate` with `error="insufficient_user_authentication"`, `acr_values` and `max_age` for a
//! step-up; `DPoP-Nonce` when asked), set through leptos_axum's `ResponseOptions`, and returns the error, so
//! `?` ends the function before it does anything. A browser client that reads the challenge (stepup's
//! `StepUpClient::fetch`, or `stepup::leptos::StepUpServerFnClient` as the function's client) steps up with
//! exactly that policy and calls again once.

use http::request::Parts;
use leptos::prelude::use_context;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::ServerFnError;
use leptos_axum::ResponseOptions;

use crate::{ApiAuth, ApiGuard, GuardPolicy, Rejection};

/// Judge the request that called this server function against `policy` (a [`StepUpPolicy`](crate::StepUpPolicy)
/// or a [`GuardPolicy`] with a scope). On a refusal: the response's status and challenge are the guard's,
/// and the `ServerFnError` says `"401 <code>: <description>"`. (A function with an error type of its own:
/// [`require_step_up_as`].)
///
/// Fails closed: outside a server function (no request in the context) or without an [`ApiGuard`] in the
/// context, it refuses with a server error instead of letting the function run unguarded.
pub async fn require_step_up(policy: impl Into<GuardPolicy>) -> Result<ApiAuth, ServerFnError> {
    require_step_up_as(policy).await
}

/// [`require_step_up`] for a server function whose error type is its own (`E: FromServerFnError`).
pub async fn require_step_up_as<E: FromServerFnError>(policy: impl Into<GuardPolicy>) -> Result<ApiAuth, E> {
    let policy = policy.into();
    let Some(guard) = use_context::<ApiGuard>() else {
        return Err(server_error("no ApiGuard in the server function's context (provide_context it where leptos_axum runs them)"));
    };
    let Some(parts) = use_context::<Parts>() else {
        return Err(server_error("no request in the context: require_step_up runs inside a server function"));
    };
    let url = guard.request_url(&parts.uri, &parts.headers);
    match guard.check(&parts.method, &url, &parts.headers, &policy).await {
        Ok(auth) => Ok(auth),
        Err(rejection) => {
            answer(&rejection);
            Err(server_error(&rejection.to_string()))
        }
    }
}

/// Put the rejection's status and headers on the server function's response.
fn answer(rejection: &Rejection) {
    let Some(response) = use_context::<ResponseOptions>() else { return };
    response.set_status(rejection.status());
    for (name, value) in rejection.headers().iter() {
        response.insert_header(name.clone(), value.clone());
    }
}

fn server_error<E: FromServerFnError>(message: &str) -> E {
    E::from_server_fn_error(ServerFnErrorErr::ServerError(message.to_string()))
}
