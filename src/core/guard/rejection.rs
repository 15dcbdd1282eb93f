//! The guard's answers to a request it refuses: status, a stable code, and the `WWW-Authenticate` challenge
//! (RFC 6750 §3, RFC 9470 §3, RFC 9449 §7.1), written in RFC 9110 §11.2's grammar so that the client's
//! `parseStepUpChallenge` (`core::challenge`) reads every one of them.
//!
//! `code` names the failed rule: a token check reports the crate's [`ErrorCode`] (`token_expired`,
//! `invalid_audience`, `acr_not_satisfied`, ...), and the answers no browser flow can produce have codes of
//! their own, listed in [`codes`]. They are kept out of [`ErrorCode`] on purpose: that list is the browser
//! package's `StepUpErrorCode` type and is linked into its wasm, where these codes could never occur.

use alloc::string::String;
use alloc::vec::Vec;

use super::config::{DpopMode, GuardConfig};
use crate::core::challenge::INSUFFICIENT_USER_AUTHENTICATION;
use crate::core::error::{Error, ErrorCode};
use crate::core::policy::StepUpDecision;

/// The guard's own codes (besides the [`ErrorCode`]s a token check reports).
pub mod codes {
    /// No `Authorization` header, or one with another scheme than `Bearer` / `DPoP` (RFC 6750 §3.1: no `error`).
    pub const MISSING_TOKEN: &str = "missing_token";
    /// A malformed `Authorization` or `DPoP` header, or a proof with a Bearer token (RFC 6750 §3.1, 400).
    pub const INVALID_REQUEST: &str = "invalid_request";
    /// The token was sent under the wrong scheme: a DPoP-bound token as Bearer (RFC 9449 §7.2), an unbound
    /// one as DPoP, Bearer where DPoP is required, DPoP where it is off.
    pub const INVALID_TOKEN: &str = "invalid_token";
    /// The token lacks a scope the operation requires (RFC 6750 §3.1, 403).
    pub const INSUFFICIENT_SCOPE: &str = "insufficient_scope";
    /// The DPoP proof is missing or fails a check of RFC 9449 §4.3, or its `jti` was used before.
    pub const INVALID_DPOP_PROOF: &str = "invalid_dpop_proof";
    /// The shared `jti` store could not answer: the guard fails closed (503).
    pub const REPLAY_STORE_UNAVAILABLE: &str = "replay_store_unavailable";
}

/// The authentication scheme of a request (RFC 6750 `Bearer`, RFC 9449 `DPoP`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Bearer,
    DPoP,
}

impl Scheme {
    pub const fn as_str(self) -> &'static str {
        match self {
            Scheme::Bearer => "Bearer",
            Scheme::DPoP => "DPoP",
        }
    }
}

/// A refused request: what to answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// 400, 401, 403 or 503.
    pub status: u16,
    /// The failed rule (see the module doc).
    pub code: &'static str,
    /// The `WWW-Authenticate` value; `None` only for 503.
    pub www_authenticate: Option<String>,
    /// One sentence for a response body or a log; the challenge's `error_description` when it has one.
    pub description: &'static str,
    /// The claim or header member the failure is about, when there is one.
    pub claim: Option<String>,
}

impl Rejection {
    /// The headers to send with the answer (`WWW-Authenticate`).
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        match &self.www_authenticate {
            Some(v) => alloc::vec![("WWW-Authenticate", v.clone())],
            None => Vec::new(),
        }
    }

    /// A proof whose `jti` the replay store has seen (RFC 9449 §11.1): the driver's answer when the store
    /// says "used before" (a `DPoP` challenge: only DPoP requests have a proof).
    pub fn replayed_proof(config: &GuardConfig) -> Rejection {
        Challenge::new(config, Scheme::DPoP).dpop_proof("the DPoP proof was used before (jti)")
    }

    /// The replay store could not answer: fail closed, no challenge (the client did nothing wrong).
    pub fn replay_store_unavailable() -> Rejection {
        Rejection {
            status: 503,
            code: codes::REPLAY_STORE_UNAVAILABLE,
            www_authenticate: None,
            description: "the DPoP replay store is unavailable",
            claim: None,
        }
    }
}

/// Writes a challenge for one request: its scheme, and the guard's DPoP algorithms for `DPoP` challenges.
pub(crate) struct Challenge<'a> {
    config: &'a GuardConfig,
    scheme: Scheme,
}

impl<'a> Challenge<'a> {
    pub(crate) fn new(config: &'a GuardConfig, scheme: Scheme) -> Self {
        Challenge { config, scheme }
    }

    /// No credentials (RFC 6750 §3.1: no `error`): `Bearer`, `DPoP algs=".."` when DPoP is required, both
    /// when it is allowed (RFC 9449 §7.1: a server that takes both says so).
    pub(crate) fn missing(config: &GuardConfig) -> Rejection {
        let mut header = String::new();
        if config.dpop != DpopMode::Required {
            header.push_str("Bearer");
        }
        if config.dpop != DpopMode::Off {
            if !header.is_empty() {
                header.push_str(", ");
            }
            header.push_str(&Challenge::new(config, Scheme::DPoP).header(&[]));
        }
        Rejection {
            status: 401,
            code: codes::MISSING_TOKEN,
            www_authenticate: Some(header),
            description: "the request carries no access token",
            claim: None,
        }
    }

    /// `scheme error="..", error_description="..", <params>` (and `algs` for DPoP).
    fn header(&self, params: &[(&str, &str)]) -> String {
        let mut out = String::from(self.scheme.as_str());
        let mut first = true;
        let mut param = |out: &mut String, name: &str, value: &str| {
            out.push_str(if first { " " } else { ", " });
            first = false;
            out.push_str(name);
            out.push('=');
            quoted_string(out, value);
        };
        for (name, value) in params {
            param(&mut out, name, value);
        }
        if self.scheme == Scheme::DPoP {
            let mut algs = String::new();
            for a in &self.config.dpop_algorithms {
                if !algs.is_empty() {
                    algs.push(' ');
                }
                algs.push_str(a.name());
            }
            param(&mut out, "algs", &algs);
        }
        out
    }

    fn reject(&self, status: u16, code: &'static str, error: &str, description: &'static str, extra: &[(&str, &str)]) -> Rejection {
        let mut params: Vec<(&str, &str)> = alloc::vec![("error", error), ("error_description", description)];
        params.extend_from_slice(extra);
        Rejection { status, code, www_authenticate: Some(self.header(&params)), description, claim: None }
    }

    /// RFC 6750 §3.1 `invalid_request` (400).
    pub(crate) fn invalid_request(&self, description: &'static str) -> Rejection {
        self.reject(400, codes::INVALID_REQUEST, "invalid_request", description, &[])
    }

    /// `invalid_token` (401) for a scheme mismatch: code `invalid_token`.
    pub(crate) fn wrong_scheme(&self, description: &'static str) -> Rejection {
        self.reject(401, codes::INVALID_TOKEN, "invalid_token", description, &[])
    }

    /// `invalid_token` (401) for a token check: the check's code and sentence, its claim.
    pub(crate) fn invalid_token(&self, err: &Error) -> Rejection {
        let code = err.kind();
        let mut r = self.reject(401, code.as_str(), "invalid_token", code.sentence(), &[]);
        r.claim = err.claim.clone();
        r
    }

    /// `invalid_dpop_proof` (401, always the `DPoP` scheme: RFC 9449 §7.1).
    pub(crate) fn dpop_proof(&self, description: &'static str) -> Rejection {
        let dpop = Challenge { config: self.config, scheme: Scheme::DPoP };
        dpop.reject(401, codes::INVALID_DPOP_PROOF, "invalid_dpop_proof", description, &[])
    }

    /// RFC 9470 §3: `insufficient_user_authentication` with the `acr_values` and `max_age` the decision asks
    /// for; the code is the first unmet rule's ([`crate::core::policy::Reason::code`]).
    pub(crate) fn insufficient_user_authentication(&self, decision: &StepUpDecision) -> Rejection {
        let reason = decision.reasons.first().map_or(ErrorCode::AcrNotSatisfied, |r| r.code());
        let mut acr_values = String::new();
        for v in decision.acr_values.as_deref().unwrap_or_default() {
            if !acr_values.is_empty() {
                acr_values.push(' ');
            }
            acr_values.push_str(v);
        }
        let max_age = decision.max_age.map(|m| {
            let mut s = String::new();
            crate::core::authorize::push_u64(&mut s, m);
            s
        });
        let mut extra: Vec<(&str, &str)> = Vec::new();
        if !acr_values.is_empty() {
            extra.push(("acr_values", &acr_values));
        }
        if let Some(m) = &max_age {
            extra.push(("max_age", m));
        }
        let description = match reason {
            ErrorCode::AuthTimeTooOld => "a more recent authentication is required",
            _ => "a stronger authentication is required",
        };
        let mut r = self.reject(401, reason.as_str(), INSUFFICIENT_USER_AUTHENTICATION, description, &extra);
        r.claim = decision.reasons.first().map(|r| String::from(reason_claim(r.code())));
        r
    }

    /// RFC 6750 §3.1 `insufficient_scope` (403) with the `scope` the operation requires.
    pub(crate) fn insufficient_scope(&self, scope: &str) -> Rejection {
        let mut r = self.reject(403, codes::INSUFFICIENT_SCOPE, "insufficient_scope", "the token lacks a required scope", &[("scope", scope)]);
        r.claim = Some(String::from("scope"));
        r
    }
}

fn reason_claim(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::AcrNotSatisfied => "acr",
        ErrorCode::AmrNotSatisfied => "amr",
        _ => "auth_time",
    }
}

/// RFC 9110 §5.6.4 quoted-string: `"` and `\` escaped as quoted-pairs. Control characters (other than HTAB)
/// are not allowed in a field value at all (§5.5), and servers disagree on anything beyond ASCII, so a value
/// from the configuration that holds one (a CR/LF would split the header) has them dropped.
pub(crate) fn quoted_string(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\t' => out.push(c),
            ' '..='~' => out.push(c),
            _ => {}
        }
    }
    out.push('"');
}
