//! The one error type of stepup. Every failure carries a stable code (DESIGN.md "Errors");
//! the JS layer turns it into a thrown `StepUpError` with the same `code`.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

macro_rules! codes {
    ($($variant:ident => $code:literal,)*) => {
        /// Stable error codes. The string form (`as_str`) is the public contract shared with JS.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode { $($variant,)* }
        impl ErrorCode {
            /// Every code, in DESIGN.md order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];
            /// The stable string form, e.g. `"invalid_signature"`.
            pub const fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code,)* }
            }
        }
    };
}

codes! {
    // token
    MalformedToken => "malformed_token",
    UnsupportedAlgorithm => "unsupported_algorithm",
    InvalidSignature => "invalid_signature",
    KeyNotFound => "key_not_found",
    InvalidIssuer => "invalid_issuer",
    InvalidAudience => "invalid_audience",
    InvalidAuthorizedParty => "invalid_authorized_party",
    TokenExpired => "token_expired",
    TokenNotYetValid => "token_not_yet_valid",
    InvalidIssuedAt => "invalid_issued_at",
    NonceMismatch => "nonce_mismatch",
    MissingClaim => "missing_claim",
    InvalidClaim => "invalid_claim",
    UnsupportedCriticalHeader => "unsupported_critical_header",
    AtHashMismatch => "at_hash_mismatch",
    AuthTimeTooOld => "auth_time_too_old",
    AcrNotSatisfied => "acr_not_satisfied",
    AmrNotSatisfied => "amr_not_satisfied",
    // flow
    InvalidConfig => "invalid_config",
    DiscoveryFailed => "discovery_failed",
    IssuerMismatch => "issuer_mismatch",
    StateMismatch => "state_mismatch",
    MissingTransaction => "missing_transaction",
    AuthorizationError => "authorization_error",
    TokenRequestFailed => "token_request_failed",
    NetworkError => "network_error",
    PopupBlocked => "popup_blocked",
    PopupClosed => "popup_closed",
    PopupTimeout => "popup_timeout",
    Aborted => "aborted",
    StepUpRequired => "step_up_required",
    UserMismatch => "user_mismatch",
    // webauthn
    WebauthnNotSupported => "webauthn_not_supported",
    WebauthnAborted => "webauthn_aborted",
    WebauthnNotAllowed => "webauthn_not_allowed",
    WebauthnAlreadyRegistered => "webauthn_already_registered",
    WebauthnInvalidDomain => "webauthn_invalid_domain",
    WebauthnInvalidRpId => "webauthn_invalid_rp_id",
    WebauthnUnsupportedAlgorithm => "webauthn_unsupported_algorithm",
    WebauthnConstraint => "webauthn_constraint",
    WebauthnInvalidOptions => "webauthn_invalid_options",
    WebauthnFailed => "webauthn_failed",
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stepup failure: a stable [`ErrorCode`], a human message, and the fields that apply.
///
/// Built with [`Error::new`] and the `with_*` methods, so a check reads as one line:
/// `Error::new(ErrorCode::InvalidIssuer, "iss does not equal the issuer").with_claim("iss")`.
#[derive(Clone, Debug)]
pub struct Error {
    code: ErrorCode,
    message: String,
    /// The claim (or header member) a token check failed on.
    pub claim: Option<String>,
    /// OAuth `error` from the provider (authorization or token endpoint).
    pub error: Option<String>,
    /// OAuth `error_description` from the provider.
    pub error_description: Option<String>,
    /// `acr_values` to request (step-up errors and `step_up_required`).
    pub acr_values: Option<Vec<String>>,
    /// `max_age` to request, seconds.
    pub max_age: Option<u64>,
    /// The original JS value (a DOMException, a TypeError from fetch) when the browser raised one.
    /// Only ever set in the browser; native code never has one.
    pub cause: Option<wasm_bindgen::JsValue>,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            claim: None,
            error: None,
            error_description: None,
            acr_values: None,
            max_age: None,
            cause: None,
        }
    }
    /// The stable code string, e.g. `"nonce_mismatch"`; the same as the JS `err.code`.
    pub fn code(&self) -> &'static str {
        self.code.as_str()
    }
    pub fn kind(&self) -> ErrorCode {
        self.code
    }
    pub fn message(&self) -> &str {
        &self.message
    }
    pub fn with_claim(mut self, claim: impl Into<String>) -> Self {
        self.claim = Some(claim.into());
        self
    }
    pub fn with_oauth(mut self, error: impl Into<String>, description: Option<String>) -> Self {
        self.error = Some(error.into());
        self.error_description = description;
        self
    }
    pub fn with_step_up(mut self, acr_values: Option<Vec<String>>, max_age: Option<u64>) -> Self {
        self.acr_values = acr_values;
        self.max_age = max_age;
        self
    }
    pub fn with_cause(mut self, cause: wasm_bindgen::JsValue) -> Self {
        self.cause = Some(cause);
        self
    }
}

impl PartialEq for Error {
    /// Two errors are equal when code, message and fields are; the JS `cause` is not compared.
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
            && self.message == other.message
            && self.claim == other.claim
            && self.error == other.error
            && self.error_description == other.error_description
            && self.acr_values == other.acr_values
            && self.max_age == other.max_age
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code.as_str())?;
        f.write_str(": ")?;
        f.write_str(&self.message)
    }
}

impl core::error::Error for Error {}

pub type Result<T, E = Error> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = alloc::collections::BTreeSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.as_str()), "duplicate {}", c.as_str());
            assert!(c.as_str().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
        assert_eq!(ErrorCode::ALL.len(), 42);
    }
}
