//! What the Leptos and Yew adapters share: judging the session against a policy exactly as `StepUpClient::require_step_up` does,
//! and knowing when that answer can change, so a guard re-renders when freshness runs out.

//!
//! On the server (any target but wasm32) there is no browser and no client: nothing is known about the
//! session, so guards render their fallback and only [`no_client`] is needed.

use crate::core::error::{Error, ErrorCode};
#[cfg(target_arch = "wasm32")]
use crate::core::policy::{self, StepUpPolicy, DEFAULT_STEP_UP_ACR};
#[cfg(target_arch = "wasm32")]
use crate::core::session::Session;
#[cfg(target_arch = "wasm32")]
use crate::core::validate::DEFAULT_LEEWAY;
#[cfg(target_arch = "wasm32")]
use crate::web::client::StepUpClient;

/// A session judged against a policy.
#[cfg(target_arch = "wasm32")]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Judgement {
    /// The decision `require_step_up` makes before opening a popup. No session, or an expired one,
    /// satisfies nothing (not even the empty policy).
    pub satisfied: bool,
    /// When satisfied: the first second (since the epoch) at which that stops holding, because the
    /// tokens expire or `auth_time` gets older than the policy's `max_age`. `None`: never.
    pub recheck_at: Option<i64>,
}

#[cfg(target_arch = "wasm32")]
/// Judge `session` against `policy` at `now` (seconds since the epoch).
pub(crate) fn judge(client: Option<&StepUpClient>, session: Option<&Session>, policy: &StepUpPolicy, now: i64) -> Judgement {
    let Some(session) = session else { return Judgement::default() };
    // With a refresh token, expired tokens are renewed on use: only the interactive context is judged.
    let renewable = client.is_some_and(StepUpClient::can_refresh);
    if session.is_expired(now, 0) && !renewable {
        return Judgement::default();
    }
    let (ctx, at) = (session.auth_context(), session.provider_now(now));
    let decision = match client {
        Some(c) => c.evaluate(&ctx, policy, at),
        None => policy::evaluate(&ctx, policy, at, DEFAULT_STEP_UP_ACR, DEFAULT_LEEWAY),
    };
    if !decision.satisfied {
        return Judgement::default();
    }
    let expiry = session.expires_at.or(session.claims.exp).filter(|_| !renewable);
    // `stale_at` is in the provider's clock; the timer runs in ours.
    let stale = match (policy.max_age, session.auth_time) {
        (Some(max_age), Some(auth_time)) => Some(policy::stale_at(auth_time, max_age).saturating_sub(session.clock_offset)),
        _ => None,
    };
    let recheck_at = [expiry, stale].into_iter().flatten().min().filter(|&at| at > now);
    Judgement { satisfied: true, recheck_at }
}

#[cfg(target_arch = "wasm32")]
/// A timer delay in milliseconds from `now` to `at` (seconds): at least 1 s, at most a day (browsers
/// run timers longer than 2^31 ms at once; the guard simply judges again and re-arms).
pub(crate) fn delay_ms(at: i64, now: i64) -> u32 {
    let seconds = at.saturating_sub(now).clamp(1, 86_400);
    u32::try_from(seconds).unwrap_or(86_400).saturating_mul(1000)
}

/// The error of an operation on an adapter that has no client (no provider above the component, or the
/// server, where there is none).
pub(crate) fn no_client() -> Error {
    Error::new(ErrorCode::InvalidConfig, "no StepUpClient was provided above this component")
}
