//! A tower [`Layer`] (feature `tower`): every request through it is checked by an [`ApiGuard`] against one
//! policy. A refused request is answered by the layer (status, `WWW-Authenticate`, a small JSON body) and
//! never reaches the inner service; an accepted one reaches it with the [`ApiAuth`] in its extensions.

use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response};
use tower_layer::Layer;
use tower_service::Service;

use crate::replay::BoxFuture;
use crate::{ApiAuth, ApiGuard, GuardPolicy};

/// See the module docs. Made by [`ApiGuard::layer`].
#[derive(Clone, Debug)]
pub struct StepUpLayer {
    guard: ApiGuard,
    policy: Arc<GuardPolicy>,
}

impl StepUpLayer {
    pub fn new(guard: ApiGuard, policy: impl Into<GuardPolicy>) -> Self {
        StepUpLayer { guard, policy: Arc::new(policy.into()) }
    }
}

impl<S> Layer<S> for StepUpLayer {
    type Service = StepUpService<S>;
    fn layer(&self, inner: S) -> StepUpService<S> {
        StepUpService { inner, guard: self.guard.clone(), policy: self.policy.clone() }
    }
}

/// The service [`StepUpLayer`] wraps around an inner one.
#[derive(Clone, Debug)]
pub struct StepUpService<S> {
    inner: S,
    guard: ApiGuard,
    policy: Arc<GuardPolicy>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for StepUpService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    ReqBody: Send + 'static,
    ResBody: From<String> + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response<ResBody>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        // The clone that was polled ready serves this request (tower's usual swap).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let guard = self.guard.clone();
        let policy = self.policy.clone();
        Box::pin(async move {
            // Judge the parts only: a request body need not be `Sync` to be held across the check.
            let (mut parts, body) = request.into_parts();
            let url = guard.request_url(&parts.uri, &parts.headers);
            match guard.check(&parts.method, &url, &parts.headers, &policy).await {
                Ok(auth) => {
                    parts.extensions.insert::<ApiAuth>(auth);
                    inner.call(Request::from_parts(parts, body)).await
                }
                Err(rejection) => Ok(rejection.to_response()),
            }
        })
    }
}
