//! What an API guard is configured with ([`GuardConfig`]) and what one operation requires ([`GuardPolicy`]), read
//! from the camelCase JSON of the `stepup/server` contract (DESIGN.md "API guard"). A wrong type or value is
//! `invalid_config` naming the member, never a laxer guard.

use alloc::string::String;
use alloc::vec::Vec;

use crate::core::config::string_map;
use crate::core::error::{Error, ErrorCode, Result};
use crate::core::json::Json;
use crate::core::jwk::{Algorithm, DEFAULT_ALGORITHMS};
use crate::core::options::{self, Reader};
use crate::core::policy::{StepUpPolicy, DEFAULT_STEP_UP_ACR};
use crate::core::validate::DEFAULT_LEEWAY;

/// How the guard treats DPoP (RFC 9449).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DpopMode {
    /// Bearer tokens and DPoP-bound tokens (with their proof) are both accepted. The default.
    #[default]
    Allowed,
    /// Only DPoP-bound tokens with a valid proof.
    Required,
    /// Only Bearer tokens; a DPoP-bound token is still refused as Bearer (its binding is never dropped).
    Off,
}

/// Where the step-up claims are read. Providers that cannot put `acr` / `amr` / `auth_time` in access tokens
/// under their RFC 9068 §2.2.1 names let an extension add them under namespaced names (an Auth0 Action's
/// `api.accessToken.setCustomClaim("https://example.com/acr", ..)`). Only the named claim is read: a token
/// carrying both names is judged by the configured one alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimNames {
    pub acr: String,
    pub amr: String,
    pub auth_time: String,
}

impl Default for ClaimNames {
    fn default() -> Self {
        ClaimNames { acr: String::from("acr"), amr: String::from("amr"), auth_time: String::from("auth_time") }
    }
}

/// The DPoP proof algorithms accepted by default: asymmetric only (RFC 9449 §4.3 check 5), the ones clients
/// sign with (stepup's browser client: ES256).
pub const DEFAULT_DPOP_ALGORITHMS: [Algorithm; 4] = [Algorithm::ES256, Algorithm::PS256, Algorithm::RS256, Algorithm::EdDSA];

/// How far a DPoP proof's `iat` may be from the guard's clock, either way, seconds (RFC 9449 §11.1 leaves the
/// window to the server): also how long a proof's `jti` is remembered.
pub const DEFAULT_DPOP_IAT_WINDOW: u64 = 60;

/// An API guard's settings (`createApiGuard`'s options without the driver's own: `jwks`, `jwksUri`,
/// `replayStore`).
#[derive(Clone, Debug, PartialEq)]
pub struct GuardConfig {
    /// Compared byte for byte with `iss` (RFC 9068 §4).
    pub issuer: String,
    /// The token's `aud` must contain one of these (RFC 9068 §4); never empty.
    pub audiences: Vec<String>,
    /// Access-token algorithms (RFC 8725 §3.1); default RS256, PS256, ES256.
    pub algorithms: Vec<Algorithm>,
    /// Clock skew for `exp` / `nbf` / `iat` (and how far `auth_time` may be in the future), seconds; default 60.
    pub leeway: u64,
    /// Ordered acr levels, weakest first (as the client's `acrLevels`).
    pub acr_levels: Vec<String>,
    /// Provider method names → RFC 8176 values (as the client's `amrAliases`).
    pub amr_aliases: Vec<(String, String)>,
    /// The `acr` that means multi-factor, and the one asked for by `mfa` / `amr` policies.
    pub step_up_acr: String,
    pub claim_names: ClaimNames,
    pub dpop: DpopMode,
    /// Proof algorithms (asymmetric only: [`Algorithm`] cannot name another).
    pub dpop_algorithms: Vec<Algorithm>,
    /// See [`DEFAULT_DPOP_IAT_WINDOW`].
    pub dpop_iat_window: u64,
    /// Also accept access tokens whose `typ` is `JWT` or absent. RFC 9068 §4 says a resource server MUST refuse
    /// them, and the default does: explicit typing is what keeps an ID token (`typ` absent or `JWT`) of the same
    /// issuer from passing as an access token. Auth0's default token profile and Okta write `JWT`; for them set
    /// this, and make sure no client of the issuer has the API's audience as its client id.
    pub plain_jwt: bool,
}

impl GuardConfig {
    /// A guard for `issuer` and `audience` with every default.
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> GuardConfig {
        GuardConfig {
            issuer: issuer.into(),
            audiences: alloc::vec![audience.into()],
            algorithms: DEFAULT_ALGORITHMS.to_vec(),
            leeway: DEFAULT_LEEWAY,
            acr_levels: Vec::new(),
            amr_aliases: Vec::new(),
            step_up_acr: String::from(DEFAULT_STEP_UP_ACR),
            claim_names: ClaimNames::default(),
            dpop: DpopMode::Allowed,
            dpop_algorithms: DEFAULT_DPOP_ALGORITHMS.to_vec(),
            dpop_iat_window: DEFAULT_DPOP_IAT_WINDOW,
            plain_jwt: false,
        }
    }

    /// Read the options object: `issuer` (required), `audience` (a string or a non-empty array of strings,
    /// required), `algorithms`, `leeway`, `acrLevels`, `amrAliases`, `stepUpAcr`, `claimNames { acr, amr,
    /// authTime }`, `dpop` (`"allowed"` | `"required"` | `"off"`), `dpopAlgorithms`, `dpopIatWindow`,
    /// `plainJwt`. Other members are the driver's and are ignored.
    pub fn from_json(value: &Json) -> Result<GuardConfig> {
        let mut r = Reader::new(Some(value), "options");
        let mut c = GuardConfig::new(r.required_string("issuer"), String::new());
        c.audiences = audiences(&mut r);
        if let Some(names) = r.strings("algorithms") {
            c.algorithms = r.algorithms(&names);
            if c.algorithms.is_empty() {
                r.err.note::<()>(bad("algorithms", "algorithms must name at least one algorithm"));
            }
        }
        c.leeway = r.uint("leeway").unwrap_or(DEFAULT_LEEWAY);
        c.acr_levels = r.list("acrLevels");
        c.amr_aliases = string_map(&mut r, "amrAliases");
        if let Some(acr) = r.string("stepUpAcr") {
            c.step_up_acr = acr;
        }
        let names = r.object("claimNames");
        for (member, slot) in [("acr", &mut c.claim_names.acr), ("amr", &mut c.claim_names.amr), ("authTime", &mut c.claim_names.auth_time)] {
            match names.string(member) {
                Ok(Some(name)) if !name.is_empty() => *slot = name,
                Ok(None) => {}
                _ => r.err.note::<()>(bad("claimNames", "claimNames members must be non-empty strings")),
            }
        }
        c.dpop = match r.string("dpop").as_deref() {
            None | Some("allowed") => DpopMode::Allowed,
            Some("required") => DpopMode::Required,
            Some("off") => DpopMode::Off,
            Some(_) => r.err.note(bad("dpop", "dpop must be \"allowed\", \"required\" or \"off\"")),
        };
        if let Some(names) = r.strings("dpopAlgorithms") {
            c.dpop_algorithms = r.algorithms(&names);
            if c.dpop_algorithms.is_empty() {
                r.err.note::<()>(bad("dpopAlgorithms", "dpopAlgorithms must name at least one algorithm"));
            }
        }
        c.dpop_iat_window = r.uint("dpopIatWindow").unwrap_or(DEFAULT_DPOP_IAT_WINDOW);
        c.plain_jwt = r.flag("plainJwt");
        r.finish(c)
    }
}

fn bad(member: &'static str, msg: &'static str) -> Error {
    Error::new(ErrorCode::InvalidConfig, msg).with_claim(member)
}

/// `audience`: one non-empty string, or a non-empty array of them.
fn audiences(r: &mut Reader<'_>) -> Vec<String> {
    let list = match r.options.get("audience") {
        Some(Json::String(s)) => alloc::vec![s.clone()],
        Some(v) => v.as_strings().unwrap_or_default(),
        None => Vec::new(),
    };
    if list.is_empty() || list.iter().any(String::is_empty) {
        return r.err.note(bad("audience", "audience must be a non-empty string or array of them"));
    }
    list
}

/// What one operation requires: a step-up policy (the client's `StepUpPolicy`) and the scopes the token must
/// have been granted (space-separated, each one required).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GuardPolicy {
    pub step_up: StepUpPolicy,
    pub scope: Option<String>,
}

impl GuardPolicy {
    /// Read `StepUpPolicy & { scope?: string }`; `null` or absent is the empty policy (any valid token).
    pub fn from_json(value: Option<&Json>) -> Result<GuardPolicy> {
        let step_up = options::policy(value)?;
        let scope = options::Options::new(value, "policy")?.string("scope")?;
        Ok(GuardPolicy { step_up, scope: scope.filter(|s| !s.trim_ascii().is_empty()) })
    }
}

impl From<StepUpPolicy> for GuardPolicy {
    fn from(step_up: StepUpPolicy) -> Self {
        GuardPolicy { step_up, scope: None }
    }
}
