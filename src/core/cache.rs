//! The session cache: what a signed-in session keeps besides its ID token (the refresh token, access
//! tokens per API), how it is written to Web Storage and read back, and the rules of renewing it.
//!
//! The rules kept here:
//! - the auth context (`acr`, `amr`, `auth_time`, the provider-clock offset) comes only from an
//!   interactive login: [`apply_refresh`] replaces tokens and the ID token's claims, never the context,
//!   whatever the refreshed ID token says or omits (Auth0 leaves `amr` out of refreshed ID tokens);
//! - access tokens are cached per (audience, scope), and a new interactive login drops every one of them
//!   ([`Tokens::after_login`]): they carry the old context, so a pre-step-up token never comes back;
//! - what is stored is the tokens and the interactive context, never a PKCE verifier, `state` or nonce.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use super::authorize::{push_encoded, push_i64, push_u64};
use super::error::{Error, ErrorCode, Result};
use super::jwt;
use super::session::Session;
use super::token::TokenResponse;

/// Where a session is kept (`cacheLocation`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CacheLocation {
    /// In the page's memory only: nothing outlives the page (the default).
    #[default]
    Memory,
    /// This tab's `sessionStorage`: the session survives a reload of this tab.
    SessionStorage,
    /// `localStorage`: every tab of the origin shares the session.
    LocalStorage,
}

impl CacheLocation {
    /// Read `cacheLocation`; anything but the three names is `invalid_config`.
    pub fn parse(value: Option<&str>) -> Result<CacheLocation> {
        match value {
            None | Some("memory") => Ok(CacheLocation::Memory),
            Some("sessionStorage") => Ok(CacheLocation::SessionStorage),
            Some("localStorage") => Ok(CacheLocation::LocalStorage),
            Some(_) => Err(Error::new(ErrorCode::InvalidConfig, "cacheLocation must be \"memory\", \"sessionStorage\" or \"localStorage\"")
                .with_claim("cacheLocation")),
        }
    }
}

/// An access token for an API other than the session's own (another audience, or a narrower scope).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ApiToken {
    /// The audience asked for (empty: the provider's default).
    pub audience: String,
    /// The scope asked for (empty: the login's).
    pub scope: String,
    pub access_token: String,
    pub token_type: Option<String>,
    /// Seconds since the epoch, our clock.
    pub expires_at: Option<i64>,
}

/// What a session holds besides the [`Session`] itself.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Tokens {
    pub refresh_token: Option<String>,
    /// Access tokens of other (audience, scope) pairs than the session's own.
    pub apis: Vec<ApiToken>,
}

impl core::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        use super::secret::maybe;
        f.debug_struct("Tokens").field("refresh_token", &maybe(&self.refresh_token)).field("apis", &self.apis.len()).finish()
    }
}

impl Tokens {
    /// The tokens after an interactive login: its refresh token, and no access token of the old context
    /// (auth0-spa-js #1742: an old refresh token left behind, reused later, made the provider revoke all).
    pub fn after_login(refresh_token: Option<String>) -> Tokens {
        Tokens { refresh_token, apis: Vec::new() }
    }
}

/// Which token a `getAccessToken({ audience, scope })` call asks for: `None` for the session's own (no
/// scope, and no audience or the configured one), else the (audience, scope) key of an [`ApiToken`].
pub fn token_key(audience: Option<&str>, scope: Option<&str>, default_audience: Option<&str>) -> Option<(String, String)> {
    let scope = scope.unwrap_or("");
    let audience = audience.unwrap_or("");
    if scope.is_empty() && (audience.is_empty() || Some(audience) == default_audience) {
        return None;
    }
    Some((String::from(audience), String::from(scope)))
}

fn fresh(expires_at: Option<i64>, now: i64) -> bool {
    expires_at.map_or(true, |at| now < at)
}

/// The cached access token for `key` (see [`token_key`]) that is still valid at `now`, if any.
pub fn valid_token(session: &Session, tokens: &Tokens, key: Option<&(String, String)>, now: i64) -> Option<String> {
    match key {
        None if fresh(session.expires_at, now) => session.access_token.clone(),
        None => None,
        Some((aud, scope)) => {
            for t in &tokens.apis {
                if t.audience == *aud && t.scope == *scope && fresh(t.expires_at, now) {
                    return Some(t.access_token.clone());
                }
            }
            None
        }
    }
}

/// The refresh-token grant (RFC 6749 §6) of a public client, with Auth0's `audience` and a `scope`
/// when asked for (multi-resource refresh tokens; an RFC 8707 provider reads `resource` instead).
pub fn refresh_request_body(refresh_token: &str, client_id: &str, key: Option<&(String, String)>) -> String {
    let mut out = String::from("grant_type=refresh_token");
    let (audience, scope) = key.map_or(("", ""), |(a, s)| (a.as_str(), s.as_str()));
    push_param(&mut out, "refresh_token", refresh_token);
    push_param(&mut out, "client_id", client_id);
    push_param(&mut out, "audience", audience);
    push_param(&mut out, "scope", scope);
    out
}

/// The token grant's `&name=value` ([`super::token::push_form_param`]), left out when `value` is empty.
fn push_param(out: &mut String, name: &str, value: &str) {
    if !value.is_empty() {
        super::token::push_form_param(out, name, value);
    }
}

/// A refresh answered with `response` (its ID token, when there is one, verified into `claims` with
/// the session's `sub`), received at `now`: take the rotated refresh token, the new ID token and the
/// access token for `key`. The auth context stays that of the interactive login. Returns the access token.
pub fn apply_refresh(
    session: &mut Session,
    tokens: &mut Tokens,
    response: TokenResponse,
    claims: Option<Box<super::claims::Claims>>,
    key: Option<&(String, String)>,
    now: i64,
) -> Result<String> {
    let access_token = response
        .access_token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Error::new(ErrorCode::TokenRequestFailed, "the refresh response has no access_token"))?;
    let expires_at = super::session::expiry(response.expires_in, now);
    if response.refresh_token.is_some() {
        tokens.refresh_token = response.refresh_token;
    }
    if let Some(c) = claims {
        session.id_token = response.id_token;
        session.claims = c;
    }
    match key {
        None => {
            session.access_token = Some(access_token.clone());
            session.token_type = response.token_type;
            session.expires_at = expires_at;
            if response.scope.is_some() {
                session.scope = response.scope;
            }
        }
        Some((aud, scope)) => {
            let token = ApiToken {
                audience: aud.clone(),
                scope: scope.clone(),
                access_token: access_token.clone(),
                token_type: response.token_type,
                expires_at,
            };
            match tokens.apis.iter_mut().find(|t| t.audience == *aud && t.scope == *scope) {
                Some(old) => *old = token,
                None => tokens.apis.push(token),
            }
        }
    }
    Ok(access_token)
}

/// What a failed refresh means: `mfa_required` (Auth0's answer when the API needs a second factor the
/// grant lacks) is `step_up_required` asking for `step_up_acr`; `invalid_grant` (the refresh token is
/// expired, revoked, or was reused and its family revoked) is `login_required`, and the session must go
/// (the `bool`). Anything else (a network failure, another OAuth error) is kept, and so is the session.
pub fn refresh_failure(mut err: Error, step_up_acr: &str) -> (Error, bool) {
    match err.error.as_deref() {
        Some("mfa_required") => {
            let e = Error::new(ErrorCode::StepUpRequired, "the API needs a second factor; call requireStepUp from a click")
                .with_step_up(Some(alloc::vec![String::from(step_up_acr)]), None);
            (e.with_oauth("mfa_required", err.error_description.take()), false)
        }
        Some("invalid_grant") => {
            let e = Error::new(ErrorCode::LoginRequired, "the refresh token is no longer valid; sign in again");
            (e.with_oauth("invalid_grant", err.error_description.take()), true)
        }
        _ => (err, false),
    }
}

/// The Web Storage key of a client's session, and the name of its Web Lock and BroadcastChannel: the
/// issuer and the client id, so two clients (or two providers) on one origin never share a session.
pub fn name(prefix: &str, issuer: &str, client_id: &str) -> String {
    let mut out = String::from(prefix);
    push_encoded(&mut out, client_id);
    out.push(' ');
    out.push_str(issuer);
    out
}

/// The stored form's first line: its version, a space, and its mark. An entry in another format reads as no
/// session.
const FORMAT: &str = "stepup-session-1 ";

/// An optional whole number of seconds (negative allowed: the clock offset); `None` when not one.
fn read_int(line: &str) -> Option<Option<i64>> {
    if line.is_empty() {
        return Some(None);
    }
    let (negative, digits) = match line.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, line),
    };
    if digits.len() > 18 {
        return None;
    }
    // At most 18 digits: below 10^18, so it fits an i64.
    let n = super::text::decimal(digits)? as i64;
    Some(Some(if negative { -n } else { n }))
}

/// The stored form of a session: its tokens and the interactive context, one value a line (an absent
/// value is an empty line; `amr` space-separated), then five lines per API token. A few lines of code
/// instead of a JSON writer and reader in the wasm. `None` when a value holds a line break (no token
/// does; such a session is kept in memory only).
///
/// `mark` orders the entries written by the tabs sharing one storage (milliseconds since the epoch of the
/// write): see [`stored_mark`].
pub fn encode(session: &Session, tokens: &Tokens, mark: u64) -> Option<String> {
    let mut out = String::from(FORMAT);
    push_u64(&mut out, mark);
    push_line(&mut out, &session.id_token);
    push_optional(&mut out, &tokens.refresh_token);
    push_optional(&mut out, &session.access_token);
    push_optional(&mut out, &session.token_type);
    push_int_line(&mut out, session.expires_at);
    push_optional(&mut out, &session.scope);
    push_optional(&mut out, &session.acr);
    out.push('\n');
    let amr_start = out.len();
    for m in &session.amr {
        if out.len() > amr_start {
            out.push(' ');
        }
        out.push_str(m);
    }
    push_int_line(&mut out, session.auth_time);
    push_int_line(&mut out, Some(session.clock_offset));
    for t in &tokens.apis {
        push_line(&mut out, &t.audience);
        push_line(&mut out, &t.scope);
        push_line(&mut out, &t.access_token);
        push_optional(&mut out, &t.token_type);
        push_int_line(&mut out, t.expires_at);
    }
    (line_breaks(&out) == 10 + 5 * tokens.apis.len()).then_some(out)
}

fn push_line(out: &mut String, value: &str) {
    out.push('\n');
    out.push_str(value);
}

/// An optional value's line: empty when absent.
fn push_optional(out: &mut String, value: &Option<String>) {
    push_line(out, value.as_deref().unwrap_or(""));
}

/// An optional number's line: empty when absent.
fn push_int_line(out: &mut String, value: Option<i64>) {
    out.push('\n');
    if let Some(v) = value {
        push_i64(out, v);
    }
}

/// The mark of a stored entry (see [`encode`]), `None` when it is not one of ours. A tab that renewed under the
/// Web Lock publishes its mark where every tab reads it at once; another tab that then holds the lock waits until
/// its view of the storage has that mark (or a newer one) before it reads the refresh token: browsers propagate
/// localStorage between processes asynchronously, so without it a tab could spend a refresh token another tab
/// had just rotated.
pub fn stored_mark(text: &str) -> Option<u64> {
    let first = super::text::split(text, b'\n').next()?.strip_prefix(FORMAT)?;
    match read_int(first)? {
        Some(m) if m >= 0 => Some(m.unsigned_abs()),
        _ => None,
    }
}

/// Read a stored session back; `None` when the entry is unreadable or not this client's. The ID token was
/// verified when it was stored, and only this origin's scripts can write the storage; its claims are decoded
/// again, and it must be for `issuer` and `client_id` (another client's or provider's entry is never taken).
pub fn decode(text: &str, issuer: &str, client_id: &str) -> Option<(Session, Tokens)> {
    // Eleven lines, then five per API token.
    let api_lines = line_breaks(text).checked_sub(10)?;
    if stored_mark(text).is_none() || api_lines % 5 != 0 {
        return None;
    }
    let mut lines = Lines { rest: super::text::split(text, b'\n'), readable: true };
    lines.next();
    let id_token = lines.text();
    let claims = jwt::decode(&id_token).ok()?.claims;
    if claims.iss.as_deref() != Some(issuer) || !claims.has_audience(client_id) {
        return None;
    }
    let refresh_token = lines.some();
    let access_token = lines.some();
    let token_type = lines.some();
    let expires_at = lines.int();
    let scope = lines.some();
    let acr = lines.some();
    let mut amr = Vec::new();
    for m in super::text::split(lines.next(), b' ') {
        if !m.is_empty() {
            amr.push(String::from(m));
        }
    }
    let auth_time = lines.int();
    let clock_offset = lines.int().unwrap_or(0);
    let mut apis = Vec::new();
    for _ in 0..api_lines / 5 {
        apis.push(ApiToken {
            audience: lines.text(),
            scope: lines.text(),
            access_token: lines.text(),
            token_type: lines.some(),
            expires_at: lines.int(),
        });
    }
    let session = Session { id_token, access_token, token_type, expires_at, scope, claims, acr, amr, auth_time, clock_offset };
    lines.readable.then_some((session, Tokens { refresh_token, apis }))
}

/// The lines of a stored session, read in order (a missing line reads as empty). Any unreadable number makes
/// the entry unreadable; everything is read, then judged once (no early return per member: see `FirstError`).
struct Lines<'a> {
    rest: super::text::Split<'a>,
    readable: bool,
}

impl<'a> Lines<'a> {
    fn next(&mut self) -> &'a str {
        self.rest.next().unwrap_or_default()
    }

    fn text(&mut self) -> String {
        String::from(self.next())
    }

    /// An optional value: an empty line is `None`.
    fn some(&mut self) -> Option<String> {
        Some(self.next()).filter(|s| !s.is_empty()).map(String::from)
    }

    /// An optional whole number (see [`read_int`]).
    fn int(&mut self) -> Option<i64> {
        match read_int(self.next()) {
            Some(n) => n,
            None => {
                self.readable = false;
                None
            }
        }
    }
}

/// How many `\n` the text holds.
fn line_breaks(text: &str) -> usize {
    let mut breaks = 0;
    for b in text.bytes() {
        breaks += usize::from(b == b'\n');
    }
    breaks
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;
    use crate::core::base64url;
    use alloc::string::ToString;

    fn jwt(claims: &str) -> String {
        let mut t = base64url::encode(br#"{"alg":"RS256"}"#);
        t.push('.');
        t.push_str(&base64url::encode(claims.as_bytes()));
        t.push_str(".c2ln");
        t
    }

    fn session() -> Session {
        let id = jwt(r#"{"iss":"https://idp/","sub":"alice","aud":"app","exp":2000,"iat":1000,"acr":"urn:mfa","amr":["pwd","otp"],"auth_time":990}"#);
        let claims = jwt::decode(&id).unwrap().claims;
        Session {
            id_token: id,
            access_token: Some("at-1".into()),
            token_type: Some("Bearer".into()),
            expires_at: Some(1600),
            scope: Some("openid".into()),
            acr: claims.acr.clone(),
            amr: claims.amr.clone(),
            auth_time: claims.auth_time,
            clock_offset: -7,
            claims,
        }
    }

    #[test]
    fn cache_location_names() {
        assert_eq!(CacheLocation::parse(None).unwrap(), CacheLocation::Memory);
        assert_eq!(CacheLocation::parse(Some("localStorage")).unwrap(), CacheLocation::LocalStorage);
        assert_eq!(CacheLocation::parse(Some("sessionStorage")).unwrap(), CacheLocation::SessionStorage);
        let e = CacheLocation::parse(Some("cookie")).unwrap_err();
        assert_eq!((e.code(), e.claim.as_deref()), ("invalid_config", Some("cacheLocation")));
    }

    #[test]
    fn round_trips_tokens_and_context_without_flow_secrets() {
        let s = session();
        let t = Tokens {
            refresh_token: Some("rt-1".into()),
            apis: alloc::vec![ApiToken { audience: "api2".into(), scope: "read".into(), access_token: "at-2".into(), token_type: None, expires_at: Some(5) }],
        };
        let text = encode(&s, &t, 1_700_000_000_123).unwrap();
        assert_eq!(stored_mark(&text), Some(1_700_000_000_123));
        assert_eq!(stored_mark("stepup-session-1 -5\n"), None);
        assert_eq!(stored_mark("other 5\n"), None);
        for secret in ["nonce", "verifier", "state"] {
            assert!(!text.contains(secret), "{text}");
        }
        let (back, tokens) = decode(&text, "https://idp/", "app").unwrap();
        assert_eq!(back, s);
        assert_eq!(tokens, t);
        assert_eq!(decode(&text, "https://other/", "app"), None);
        assert_eq!(decode(&text, "https://idp/", "other"), None);
        assert_eq!(decode("{", "https://idp/", "app"), None);
        assert_eq!(decode("stepup-session-1 1\nx", "https://idp/", "app"), None);
        assert_eq!(decode(&text.replace("\n-7\n", "\n-7x\n"), "https://idp/", "app"), None, "a number that is not one");
        let cut = text.rsplit_once('\n').unwrap().0;
        assert_eq!(decode(cut, "https://idp/", "app"), None, "a truncated API token");
        // No API token, no refresh token: absent values round-trip as absent.
        let (back, tokens) = decode(&encode(&s, &Tokens::default(), 0).unwrap(), "https://idp/", "app").unwrap();
        assert_eq!((back, tokens), (s.clone(), Tokens::default()));
        // A line break inside a value would shift every line after it: such a session is not stored.
        let odd = Tokens { refresh_token: Some("a\nb".into()), apis: Vec::new() };
        assert_eq!(encode(&s, &odd, 0), None);
    }

    #[test]
    fn the_stored_text_is_one_value_a_line() {
        let mut s = session();
        s.id_token = "h.p.s".into();
        s.amr = alloc::vec!["".into(), "pwd".into(), "otp".into()];
        s.token_type = None;
        let t = Tokens {
            refresh_token: None,
            apis: alloc::vec![
                ApiToken { audience: "a".into(), scope: "".into(), access_token: "at-a".into(), token_type: Some("DPoP".into()), expires_at: None },
                ApiToken { audience: "".into(), scope: "s".into(), access_token: "at-s".into(), token_type: None, expires_at: Some(-3) },
            ],
        };
        let text = encode(&s, &t, 42).unwrap();
        assert_eq!(text, "stepup-session-1 42\nh.p.s\n\nat-1\n\n1600\nopenid\nurn:mfa\npwd otp\n990\n-7\na\n\nat-a\nDPoP\n\n\ns\nat-s\n\n-3");
        let mut none = s.clone();
        (none.amr, none.expires_at, none.auth_time, none.scope, none.acr) = (Vec::new(), None, None, None, None);
        assert_eq!(encode(&none, &Tokens::default(), 0).unwrap(), "stepup-session-1 0\nh.p.s\n\nat-1\n\n\n\n\n\n\n-7");
    }

    #[test]
    fn refresh_never_changes_the_interactive_context() {
        let mut s = session();
        let mut t = Tokens::after_login(Some("rt-1".into()));
        // Auth0: the refreshed ID token has no amr; this one also claims a stronger acr and a later auth_time.
        let refreshed = jwt(r#"{"iss":"https://idp/","sub":"alice","aud":"app","exp":3000,"iat":2500,"acr":"urn:other","auth_time":2400}"#);
        let claims = jwt::decode(&refreshed).unwrap().claims;
        let response = TokenResponse {
            id_token: refreshed.clone(),
            access_token: Some("at-new".into()),
            token_type: Some("Bearer".into()),
            expires_in: Some(60),
            scope: None,
            refresh_token: Some("rt-2".into()),
        };
        let at = apply_refresh(&mut s, &mut t, response, Some(claims), None, 2500).unwrap();
        assert_eq!(at, "at-new");
        assert_eq!((s.acr.as_deref(), s.amr.as_slice(), s.auth_time, s.clock_offset), (Some("urn:mfa"), &["pwd".to_string(), "otp".to_string()][..], Some(990), -7));
        assert_eq!((s.id_token.as_str(), s.expires_at, s.scope.as_deref()), (refreshed.as_str(), Some(2560), Some("openid")));
        assert_eq!(t.refresh_token.as_deref(), Some("rt-2"));
    }

    #[test]
    fn tokens_per_audience_and_scope() {
        let mut s = session();
        let mut t = Tokens::default();
        assert_eq!(token_key(None, None, Some("api")), None);
        assert_eq!(token_key(Some("api"), None, Some("api")), None);
        let other = token_key(Some("api2"), None, Some("api")).unwrap();
        let scoped = token_key(Some("api"), Some("read"), Some("api")).unwrap();
        assert_eq!(valid_token(&s, &t, None, 1599).as_deref(), Some("at-1"));
        assert_eq!(valid_token(&s, &t, None, 1600), None);
        assert_eq!(valid_token(&s, &t, Some(&other), 0), None);
        for (key, value) in [(&other, "at-other"), (&scoped, "at-scoped")] {
            let r = TokenResponse { id_token: String::new(), access_token: Some(value.into()), expires_in: Some(10), ..Default::default() };
            apply_refresh(&mut s, &mut t, r, None, Some(key), 100).unwrap();
        }
        assert_eq!(valid_token(&s, &t, Some(&other), 109).as_deref(), Some("at-other"));
        assert_eq!(valid_token(&s, &t, Some(&scoped), 109).as_deref(), Some("at-scoped"));
        assert_eq!(valid_token(&s, &t, Some(&other), 110), None);
        assert_eq!(s.access_token.as_deref(), Some("at-1"), "the session's own token is untouched");
        // A refresh without an access token is a failure, not an empty token.
        let r = TokenResponse { id_token: String::new(), ..Default::default() };
        assert_eq!(apply_refresh(&mut s, &mut t, r, None, None, 0).unwrap_err().code(), "token_request_failed");
        // A new login drops every API token.
        assert!(Tokens::after_login(None).apis.is_empty());
    }

    #[test]
    fn refresh_body_sends_audience_and_scope_only_when_asked() {
        assert_eq!(refresh_request_body("r t", "app", None), "grant_type=refresh_token&refresh_token=r%20t&client_id=app");
        let key = (String::from("https://api/"), String::from("read write"));
        assert_eq!(
            refresh_request_body("rt", "app", Some(&key)),
            "grant_type=refresh_token&refresh_token=rt&client_id=app&audience=https%3A%2F%2Fapi%2F&scope=read%20write"
        );
        assert_eq!(refresh_request_body("", "", Some(&(String::new(), String::from("s")))), "grant_type=refresh_token&scope=s");
    }

    #[test]
    fn refresh_failures() {
        let oauth = |e: &str| Error::new(ErrorCode::TokenRequestFailed, "x").with_oauth(e, None);
        let (e, drop) = refresh_failure(oauth("mfa_required"), "urn:mfa");
        assert_eq!((e.code(), e.acr_values.clone(), drop), ("step_up_required", Some(alloc::vec!["urn:mfa".to_string()]), false));
        let (e, drop) = refresh_failure(oauth("invalid_grant"), "urn:mfa");
        assert_eq!((e.code(), e.error.as_deref(), drop), ("login_required", Some("invalid_grant"), true));
        let (e, drop) = refresh_failure(oauth("invalid_scope"), "urn:mfa");
        assert_eq!((e.code(), drop), ("token_request_failed", false));
        let (e, drop) = refresh_failure(Error::new(ErrorCode::NetworkError, "x"), "urn:mfa");
        assert_eq!((e.code(), drop), ("network_error", false));
    }

    #[test]
    fn names_carry_client_and_issuer() {
        assert_eq!(name("stepup.session ", "https://idp/", "a b"), "stepup.session a%20b https://idp/");
        assert_ne!(name("p ", "https://idp/", "a"), name("p ", "https://idp2/", "a"));
    }
}
