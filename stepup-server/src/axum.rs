//! axum extractors (feature `axum`).
//!
//! ```no_run
//! use axum::{routing::post, Router};
//! use stepup_server::{axum::{PciDss, StepUp}, ApiGuard};
//!
//! async fn transfer(auth: StepUp<PciDss>) -> String {
//!     format!("transfer by {}", auth.sub) // MFA within 15 min, else 401 with an RFC 9470 step-up challenge
//! }
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let guard = ApiGuard::builder("https://idp.example.com/", "https://api.example.com").build()?; // keys: discovery
//! let app = Router::new().route("/transfer", post(transfer)).with_state(guard);
//! axum::serve(tokio::net::TcpListener::bind("0.0.0.0:3000").await?, app).await?;
//! # Ok(()) }
//! ```
//!
//! - [`StepUp<P>`]: the handler names the policy in its signature, `StepUp<PciDss>` or a policy of the
//!   application's own ([`Policy`]); the guard comes from the router's state (`ApiGuard: FromRef<S>`).
//! - [`Authenticated`]: the [`ApiAuth`] a [`StepUpLayer`](crate::StepUpLayer) put in the request, for
//!   routes guarded by a layer.
//!
//! A refused request is answered by the [`Rejection`] (`IntoResponse`): status, `WWW-Authenticate`, a small
//! JSON body.

use std::marker::PhantomData;

use axum_core::extract::{FromRef, FromRequestParts};
use axum_core::response::{IntoResponse, Response};
use http::request::Parts;
use http::StatusCode;

use crate::{ApiAuth, ApiGuard, GuardPolicy, Rejection, StepUpPolicy};

/// What an operation requires, as a type: `fn policy()` is asked on every request.
///
/// ```
/// use stepup_server::{axum::Policy, GuardPolicy, StepUpPolicy};
///
/// /// Payments: multi-factor within 5 minutes, and the `payments` scope.
/// struct Payments;
/// impl Policy for Payments {
///     fn policy() -> GuardPolicy {
///         let step_up = StepUpPolicy { mfa: true, max_age: Some(300), ..Default::default() };
///         GuardPolicy { step_up, scope: Some("payments".into()) }
///     }
/// }
/// ```
pub trait Policy: Send + Sync + 'static {
    fn policy() -> GuardPolicy;
}

/// Any valid access token: no step-up rule, no scope.
#[derive(Debug)]
pub struct AnyToken;
impl Policy for AnyToken {
    fn policy() -> GuardPolicy {
        GuardPolicy::default()
    }
}

/// `StepUpPolicy::preset("nist-aal2")`.
#[derive(Debug)]
pub struct NistAal2;
/// `StepUpPolicy::preset("nist-aal3")`.
#[derive(Debug)]
pub struct NistAal3;
/// `StepUpPolicy::preset("pci-dss")`.
#[derive(Debug)]
pub struct PciDss;

fn preset(name: &str) -> GuardPolicy {
    // The three names are the presets core defines; an unknown one could only come from a typo here, and
    // it would be the strictest policy possible (an `acr` nobody has), never a lax one.
    StepUpPolicy::preset(name).map(GuardPolicy::from).unwrap_or_else(|_| {
        GuardPolicy::from(StepUpPolicy { acr: Some(vec![String::from("urn:stepup:unknown-preset")]), ..StepUpPolicy::default() })
    })
}

impl Policy for NistAal2 {
    fn policy() -> GuardPolicy {
        preset("nist-aal2")
    }
}
impl Policy for NistAal3 {
    fn policy() -> GuardPolicy {
        preset("nist-aal3")
    }
}
impl Policy for PciDss {
    fn policy() -> GuardPolicy {
        preset("pci-dss")
    }
}

/// The request's token, checked by the state's [`ApiGuard`] against `P`'s policy.
pub struct StepUp<P: Policy = AnyToken>(pub ApiAuth, pub PhantomData<P>);

impl<P: Policy> StepUp<P> {
    pub fn into_inner(self) -> ApiAuth {
        self.0
    }
}

impl<P: Policy> std::ops::Deref for StepUp<P> {
    type Target = ApiAuth;
    fn deref(&self) -> &ApiAuth {
        &self.0
    }
}

impl<P: Policy> std::fmt::Debug for StepUp<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("StepUp").field(&self.0).finish()
    }
}

impl<S, P> FromRequestParts<S> for StepUp<P>
where
    S: Send + Sync,
    ApiGuard: FromRef<S>,
    P: Policy,
{
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Rejection> {
        let guard = ApiGuard::from_ref(state);
        let url = guard.request_url(&parts.uri, &parts.headers);
        let auth = guard.check(&parts.method, &url, &parts.headers, &P::policy()).await?;
        Ok(StepUp(auth, PhantomData))
    }
}

/// The [`ApiAuth`] a [`StepUpLayer`](crate::StepUpLayer) accepted. Without that layer in front of the
/// route the extractor answers 500: the route would otherwise be unguarded.
#[derive(Clone, Debug)]
pub struct Authenticated(pub ApiAuth);

/// A route that uses [`Authenticated`] without a [`StepUpLayer`](crate::StepUpLayer) in front of it.
#[derive(Debug)]
pub struct MissingLayer;

impl IntoResponse for MissingLayer {
    fn into_response(self) -> Response {
        (StatusCode::INTERNAL_SERVER_ERROR, "the route has no StepUpLayer in front of it").into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = MissingLayer;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, MissingLayer> {
        parts.extensions.get::<ApiAuth>().cloned().map(Authenticated).ok_or(MissingLayer)
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        self.to_response::<axum_core::body::Body>()
    }
}
