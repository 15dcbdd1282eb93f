//! The one error type of stepup. Every failure carries a stable code (DESIGN.md "Errors");
//! the JS layer turns it into a thrown `StepUpError` with the same `code`.

use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::any::Any;
use core::fmt;

macro_rules! codes {
    ($($variant:ident => $code:literal, $sentence:literal,)*) => {
        /// Stable error codes. The string form (`as_str`) is the public contract shared with JS.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode { $($variant,)* }
        impl ErrorCode {
            /// Every code, in DESIGN.md order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];
            /// The stable string form, e.g. `"invalid_signature"`.
            pub const fn as_str(self) -> &'static str {
                const TABLE: TextTable<{ ErrorCode::ALL.len() }> =
                    TextTable { text: concat!($($code,)*), lens: [$({ assert!($code.len() < 256); $code.len() as u8 },)*] };
                TABLE.get(self as usize)
            }
            /// One sentence saying what the code means: the message of every error with this code in the
            /// npm package's release build (see [`Error::new`]).
            pub const fn sentence(self) -> &'static str {
                const TABLE: TextTable<{ ErrorCode::ALL.len() }> =
                    TextTable { text: concat!($($sentence,)*), lens: [$({ assert!($sentence.len() < 256); $sentence.len() as u8 },)*] };
                TABLE.get(self as usize)
            }
            /// The TypeScript declaration of every code, written from this same list so the npm package's
            /// `StepUpErrorCode` type can never drift from [`ErrorCode::ALL`].
            pub const TYPESCRIPT: &'static str = concat!(
                "/** Every `code` a StepUpError can carry. */\nexport type StepUpErrorCode =",
                $("\n  | \"", $code, "\"",)*
                ";\n"
            );
        }
    };
}

codes! {
    // token
    MalformedToken => "malformed_token", "the token is not a well-formed signed JWT",
    UnsupportedAlgorithm => "unsupported_algorithm", "the token's signing algorithm is not allowed",
    InvalidSignature => "invalid_signature", "the token's signature does not verify",
    KeyNotFound => "key_not_found", "no key in the provider's JWKS matches the token",
    InvalidIssuer => "invalid_issuer", "the token's issuer is not the configured issuer",
    InvalidAudience => "invalid_audience", "the token is not meant for this client",
    InvalidAuthorizedParty => "invalid_authorized_party", "the token's authorized party is not this client",
    TokenExpired => "token_expired", "the token has expired",
    TokenNotYetValid => "token_not_yet_valid", "the token is not valid yet",
    InvalidIssuedAt => "invalid_issued_at", "the token's issue time is in the future",
    NonceMismatch => "nonce_mismatch", "the token's nonce is not the one sent",
    MissingClaim => "missing_claim", "a required claim is missing",
    InvalidClaim => "invalid_claim", "a claim or header member has an invalid value",
    UnsupportedCriticalHeader => "unsupported_critical_header", "the token has a critical header this library does not understand",
    AtHashMismatch => "at_hash_mismatch", "the access token does not match the ID token's at_hash",
    AuthTimeTooOld => "auth_time_too_old", "the authentication is older than the allowed age",
    AcrNotSatisfied => "acr_not_satisfied", "the authentication context (acr) is not one that was asked for",
    AmrNotSatisfied => "amr_not_satisfied", "the authentication methods (amr) do not meet the policy",
    // flow
    InvalidConfig => "invalid_config", "an option or stored value is invalid",
    DiscoveryFailed => "discovery_failed", "the provider's discovery document or JWKS could not be fetched or read",
    IssuerMismatch => "issuer_mismatch", "the provider's metadata names another issuer",
    StateMismatch => "state_mismatch", "the response's state does not match the request",
    MissingTransaction => "missing_transaction", "no login in progress matches this response",
    AuthorizationError => "authorization_error", "the provider returned an error",
    TokenRequestFailed => "token_request_failed", "the token request failed",
    NetworkError => "network_error", "a network request failed",
    PopupBlocked => "popup_blocked", "the browser blocked the login popup",
    PopupClosed => "popup_closed", "the login popup was closed",
    PopupTimeout => "popup_timeout", "the login popup timed out",
    Aborted => "aborted", "the operation was aborted",
    StepUpRequired => "step_up_required", "a stronger authentication is required",
    UserMismatch => "user_mismatch", "the provider answered for another user than the one signed in",
    LoginRequired => "login_required", "there is no session, or its refresh token is no longer valid",
    // webauthn
    WebauthnNotSupported => "webauthn_not_supported", "WebAuthn is not supported here",
    WebauthnAborted => "webauthn_aborted", "the passkey ceremony was aborted",
    WebauthnNotAllowed => "webauthn_not_allowed", "the passkey ceremony was cancelled or not allowed",
    WebauthnAlreadyRegistered => "webauthn_already_registered", "this authenticator is already registered",
    WebauthnInvalidDomain => "webauthn_invalid_domain", "this page's origin may not use WebAuthn",
    WebauthnInvalidRpId => "webauthn_invalid_rp_id", "the relying party ID is not valid for this origin",
    WebauthnUnsupportedAlgorithm => "webauthn_unsupported_algorithm", "no requested algorithm is supported by the authenticator",
    WebauthnConstraint => "webauthn_constraint", "the authenticator cannot meet the requested constraints",
    WebauthnInvalidOptions => "webauthn_invalid_options", "the WebAuthn options are invalid",
    WebauthnFailed => "webauthn_failed", "the passkey ceremony failed",
}

/// `N` texts in one string and the length of each: one byte a text, where a table of `&str` takes eight (a pointer
/// and a length) and its pointers are bytes gzip cannot shrink. Every text is shorter than 256 bytes (checked where
/// the tables are built).
struct TextTable<const N: usize> {
    text: &'static str,
    lens: [u8; N],
}

impl<const N: usize> TextTable<N> {
    /// Text `i`, "" past the end. The cuts fall between whole texts, so `from_utf8` never fails.
    const fn get(&self, i: usize) -> &'static str {
        let Some((before, after)) = self.lens.split_at_checked(i) else { return "" };
        let Some(&len) = after.first() else { return "" };
        let (mut start, mut rest) = (0, before);
        while let Some((&l, tail)) = rest.split_first() {
            start += l as usize;
            rest = tail;
        }
        let Some((_, from)) = self.text.as_bytes().split_at_checked(start) else { return "" };
        let Some((piece, _)) = from.split_at_checked(len as usize) else { return "" };
        match core::str::from_utf8(piece) {
            Ok(s) => s,
            Err(_) => "",
        }
    }
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
///
/// An `Error` is one pointer (its [`ErrorDetails`] are boxed, and read through `Deref`): every `Result` of the
/// crate stays small, so the async flows that hold and move them do not copy some 90 bytes at each step.
#[derive(Clone, Debug)]
pub struct Error(Box<ErrorDetails>);

/// What an [`Error`] carries; its fields are read as `err.claim`, `err.acr_values`, ... through `Deref`.
#[derive(Clone, Debug)]
pub struct ErrorDetails {
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
    /// The original value (in the browser: the DOMException or the TypeError from fetch) when the
    /// platform raised one. Opaque to core; `web` sets it and `js` hands it to JS as `cause`.
    pub cause: Option<Cause>,
}

impl Error {
    /// An error with `code` and a human `message`.
    ///
    /// In the npm package's release build (feature `js`, no debug assertions) the message is the code's
    /// [`ErrorCode::sentence`] instead: the call sites' texts are not linked, which keeps the wasm small; the
    /// code, the claim and the other fields are the same. Everywhere else (Rust users, tests) the message is
    /// the call site's text.
    #[inline]
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        #[cfg(all(feature = "js", not(debug_assertions)))]
        {
            let _ = message;
            Error::of(code, String::new())
        }
        #[cfg(not(all(feature = "js", not(debug_assertions))))]
        Error::of(code, message.into())
    }
    /// The one constructor, never inlined: each of the many `Error::new` call sites is a call, not a copy.
    #[inline(never)]
    fn of(code: ErrorCode, message: String) -> Self {
        Error(Box::new(ErrorDetails {
            code,
            message,
            claim: None,
            error: None,
            error_description: None,
            acr_values: None,
            max_age: None,
            cause: None,
        }))
    }
    /// The stable code string, e.g. `"nonce_mismatch"`; the same as the JS `err.code`.
    pub fn code(&self) -> &'static str {
        self.code.as_str()
    }
    pub fn kind(&self) -> ErrorCode {
        self.code
    }
    /// The human message: the call site's text, or the code's sentence when there is none (see [`Error::new`]).
    pub fn message(&self) -> &str {
        if self.message.is_empty() {
            self.code.sentence()
        } else {
            &self.message
        }
    }
    pub fn with_claim(mut self, claim: impl Into<String>) -> Self {
        self.claim = Some(claim.into());
        self
    }
    pub fn with_oauth(self, error: impl Into<String>, description: Option<String>) -> Self {
        self.oauth(error.into(), description)
    }
    /// `with_oauth` apart from the type of `error`: one copy for every caller.
    #[inline(never)]
    fn oauth(mut self, error: String, description: Option<String>) -> Self {
        self.error = Some(error);
        self.error_description = description;
        self
    }
    pub fn with_step_up(mut self, acr_values: Option<Vec<String>>, max_age: Option<u64>) -> Self {
        self.acr_values = acr_values;
        self.max_age = max_age;
        self
    }
    pub fn with_cause(mut self, cause: impl Any) -> Self {
        self.cause = Some(Cause(Rc::new(cause)));
        self
    }
}

impl core::ops::Deref for Error {
    type Target = ErrorDetails;
    fn deref(&self) -> &ErrorDetails {
        &self.0
    }
}

impl core::ops::DerefMut for Error {
    fn deref_mut(&mut self) -> &mut ErrorDetails {
        &mut self.0
    }
}

/// What the platform raised behind an [`Error`] (a `JsValue` in the browser), kept opaque so `core`
/// depends on no browser crate. [`Cause::get`] gives it back as its own type.
#[derive(Clone)]
pub struct Cause(Rc<dyn Any>);

impl Cause {
    /// The cause as a `T` (in the browser: the JS value), if it is one.
    pub fn get<T: Any>(&self) -> Option<&T> {
        self.0.downcast_ref()
    }
}

impl fmt::Debug for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Cause")
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
        f.write_str(self.message())
    }
}

impl core::error::Error for Error {}

pub type Result<T, E = Error> = core::result::Result<T, E>;

/// The first of several failures. A reader checks every member, notes what is wrong and returns once at the
/// end: a `?` per member would make the compiler drop every member read so far at each of its return
/// points, a ladder of drop code per reader (bench/size-ledger.md has the bytes).
#[derive(Default)]
pub struct FirstError(Option<Error>);

impl FirstError {
    /// Keep `err` unless an earlier failure is kept; the member reads as `T::default()`.
    pub fn note<T: Default>(&mut self, err: Error) -> T {
        self.keep(err);
        T::default()
    }

    /// `note` apart from `T`: one copy for every member type.
    #[inline(never)]
    fn keep(&mut self, err: Error) {
        if self.0.is_none() {
            self.0 = Some(err);
        }
    }

    /// The value of `r`, or (noting its error) `T::default()`.
    pub fn take<T: Default>(&mut self, r: Result<T>) -> T {
        match r {
            Ok(v) => v,
            Err(e) => self.note(e),
        }
    }

    /// `value` when nothing was noted, else the first failure.
    pub fn or_ok<T>(self, value: T) -> Result<T> {
        match self.0 {
            Some(e) => Err(e),
            None => Ok(value),
        }
    }
}

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
        assert_eq!(ErrorCode::ALL.len(), 43);
        // The TypeScript union is written from the same list: every code, once, in order.
        let listed: alloc::vec::Vec<&str> =
            ErrorCode::TYPESCRIPT.split('"').skip(1).step_by(2).collect();
        let all: alloc::vec::Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(listed, all);
        assert!(ErrorCode::TYPESCRIPT.starts_with("/** Every `code`") && ErrorCode::TYPESCRIPT.ends_with(";\n"));
    }

    #[test]
    fn every_code_has_its_own_sentence() {
        let mut seen = alloc::collections::BTreeSet::new();
        for c in ErrorCode::ALL {
            let s = c.sentence();
            assert!(!s.is_empty() && !s.ends_with('.') && seen.insert(s), "{}: {s:?}", c.as_str());
        }
        // The table's first and last entries, cut at the right places.
        assert_eq!(ErrorCode::MalformedToken.sentence(), "the token is not a well-formed signed JWT");
        assert_eq!(ErrorCode::WebauthnFailed.sentence(), "the passkey ceremony failed");
        assert_eq!((ErrorCode::MalformedToken.as_str(), ErrorCode::WebauthnFailed.as_str()), ("malformed_token", "webauthn_failed"));
    }

    #[test]
    fn a_text_table_past_its_end_is_empty() {
        let t = TextTable { text: "abcd", lens: [1, 3] };
        assert_eq!((t.get(0), t.get(1), t.get(2)), ("a", "bcd", ""));
    }
}
