//! The session: the tokens of one login and the authentication context they prove.
//!
//! The auth context (`acr`, `amr`, `auth_time`) is copied out of the validated ID token once and kept:
//! Auth0 leaves `amr` out of silently issued tokens, so the context of the last interactive login must
//! not be replaced by a weaker-looking one.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use super::claims::Claims;
use super::json::Json;
use super::policy::AuthContext;
use super::token::TokenResponse;

#[derive(Clone, Default, PartialEq)]
pub struct Session {
    pub id_token: String,
    pub access_token: Option<String>,
    pub token_type: Option<String>,
    /// When the access token expires, seconds since the epoch (our clock at receipt + `expires_in`).
    pub expires_at: Option<i64>,
    pub scope: Option<String>,
    /// The validated ID token's claims (boxed: see [`super::jwt::DecodedJwt::claims`]).
    pub claims: Box<Claims>,
    pub acr: Option<String>,
    pub amr: Vec<String>,
    pub auth_time: Option<i64>,
    /// The provider's clock minus ours, seconds: the ID token's `iat` minus the time we received it.
    /// Ages (`max_age`) are judged in the provider's clock, where `auth_time` was written.
    pub clock_offset: i64,
}

impl core::fmt::Debug for Session {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        use super::secret::{maybe, Redacted};
        f.debug_struct("Session")
            .field("id_token", &Redacted)
            .field("access_token", &maybe(&self.access_token))
            .field("token_type", &self.token_type)
            .field("expires_at", &self.expires_at)
            .field("scope", &self.scope)
            .field("sub", &self.claims.sub)
            .field("acr", &self.acr)
            .field("amr", &self.amr)
            .field("auth_time", &self.auth_time)
            .field("clock_offset", &self.clock_offset)
            .finish()
    }
}

impl Session {
    /// Build from a token response whose ID token has been validated into `claims`, received at `now`.
    pub fn new(token: TokenResponse, claims: impl Into<Box<Claims>>, now: i64) -> Session {
        let claims = claims.into();
        let expires_at = expiry(token.expires_in, now);
        Session {
            id_token: token.id_token,
            access_token: token.access_token,
            token_type: token.token_type,
            expires_at,
            scope: token.scope,
            acr: claims.acr.clone(),
            amr: claims.amr.clone(),
            auth_time: claims.auth_time,
            clock_offset: claims.iat.map_or(0, |iat| iat.saturating_sub(now)),
            claims,
        }
    }

    /// `now` (our clock) in the provider's clock, the time [`super::policy::evaluate`] judges ages by.
    pub fn provider_now(&self, now: i64) -> i64 {
        now.saturating_add(self.clock_offset)
    }

    /// What a [`super::policy::StepUpPolicy`] is judged on.
    pub fn auth_context(&self) -> AuthContext {
        AuthContext { acr: self.acr.clone(), amr: self.amr.clone(), auth_time: self.auth_time }
    }

    /// Whether the session should no longer be used: the access token's `expires_at`, or without one the
    /// ID token's `exp`, is within `leeway` seconds of `now`. The leeway counts against the token (it expires
    /// early) so a request never leaves with a token that dies in flight. Without any expiry: never.
    pub fn is_expired(&self, now: i64, leeway: u64) -> bool {
        let Some(expiry) = self.expires_at.or(self.claims.exp) else { return false };
        i128::from(now) + i128::from(leeway) >= i128::from(expiry)
    }
}

/// When a token that lives `expires_in` seconds from `now` expires (saturating), seconds since the epoch.
#[inline(never)]
pub fn expiry(expires_in: Option<u64>, now: i64) -> Option<i64> {
    expires_in.map(|s| now.saturating_add(i64::try_from(s).unwrap_or(i64::MAX)))
}

/// The `login_hint` that asks the provider for the signed-in account (OIDC Core §3.1.2.1): the session's
/// `email`, else its `preferred_username`, when the token carries one.
pub fn login_hint(claims: &Claims) -> Option<String> {
    for name in &["email", "preferred_username"] {
        if let Some(Json::String(hint)) = claims.extra.get(name) {
            if !hint.is_empty() {
                return Some(hint.clone());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;
    use alloc::string::ToString;

    fn claims() -> Claims {
        Claims {
            acr: Some("urn:mfa".to_string()),
            amr: alloc::vec!["pwd".to_string(), "otp".to_string()],
            auth_time: Some(990),
            exp: Some(2000),
            ..Claims::default()
        }
    }

    #[test]
    fn copies_tokens_and_context() {
        let t = TokenResponse {
            id_token: "h.p.s".to_string(),
            access_token: Some("at".to_string()),
            token_type: Some("Bearer".to_string()),
            expires_in: Some(3600),
            scope: Some("openid".to_string()),
            refresh_token: Some("rt".to_string()),
        };
        let s = Session::new(t, claims(), 1000);
        assert_eq!(s.expires_at, Some(4600));
        assert_eq!(s.auth_context(), AuthContext::from(&claims()));
        assert_eq!(s.auth_context().amr, ["pwd", "otp"]);
        assert!(!s.is_expired(4599, 0));
        assert!(s.is_expired(4600, 0));
        assert!(s.is_expired(4540, 60));
        assert!(!s.is_expired(4539, 60));
    }

    #[test]
    fn debug_never_prints_a_token() {
        let t = TokenResponse {
            id_token: "eyJ.id.sig".to_string(),
            access_token: Some("at-secret".to_string()),
            refresh_token: Some("rt-secret".to_string()),
            ..TokenResponse::default()
        };
        let s = Session::new(t.clone(), claims(), 1000);
        for text in [alloc::format!("{s:?}"), alloc::format!("{t:?}")] {
            assert!(!text.contains("eyJ") && !text.contains("secret"), "{text}");
            assert!(text.contains("[redacted]"));
        }
    }

    #[test]
    fn expiry_saturates() {
        assert_eq!((expiry(None, 5), expiry(Some(10), -3), expiry(Some(0), 7)), (None, Some(7), Some(7)));
        assert_eq!((expiry(Some(u64::MAX), 5), expiry(Some(1), i64::MAX)), (Some(i64::MAX), Some(i64::MAX)));
    }

    #[test]
    fn login_hint_prefers_email() {
        let mut c = claims();
        assert_eq!(login_hint(&c), None);
        c.extra.insert("preferred_username".to_string(), Json::String("al".to_string()));
        assert_eq!(login_hint(&c).as_deref(), Some("al"));
        c.extra.insert("email".to_string(), Json::String("al@example.com".to_string()));
        assert_eq!(login_hint(&c).as_deref(), Some("al@example.com"));
    }

    #[test]
    fn falls_back_to_id_token_exp_and_saturates() {
        let t = TokenResponse { id_token: "x".to_string(), ..TokenResponse::default() };
        let s = Session::new(t.clone(), claims(), 1000);
        assert_eq!(s.expires_at, None);
        assert!(!s.is_expired(1999, 0) && s.is_expired(2000, 0));
        let none = Session::new(t, Claims::default(), 0);
        assert!(!none.is_expired(i64::MAX, u64::MAX));
        let big = TokenResponse { id_token: "x".to_string(), expires_in: Some(u64::MAX), ..TokenResponse::default() };
        assert_eq!(Session::new(big, Claims::default(), 5).expires_at, Some(i64::MAX));
    }
}
