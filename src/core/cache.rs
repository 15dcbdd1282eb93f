//! The session cache: what a signed-in session keeps besides its ID token (the refresh token, access
//! tokens per API), how it is written to Web Storage and read back, and the rules of renewing it.
//!
//! The rules kept here:
//! - the auth context (`acr`, `amr`, `auth_time`, the provider-clock offset) comes only from an
//!   interactive login: [`apply_refresh`] replaces tokens and the ID token's claims, never the context,
//!   whatever the refreshed ID token says or omits (Auth0 leaves `amr` out of refreshed ID tokens);
//! - access tokens are cached per (audience, scope), and a new interactive login drops every one of them
//!   ([`Tokens::after_login`]): they carry the old context, so a pre-step-up token never comes back;
//! - what is stored is the tokens and the interactive login's ID token, never a PKCE verifier, `state` or
//!   nonce; nothing read back is trusted as read: [`decode`] only parses, and [`restore`] builds the session
//!   from ID tokens whose signatures the browser layer verified again, the auth context from the login's.

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
    /// The ID token of the interactive login, once a refresh has replaced the session's: the auth context
    /// (`acr`, `amr`, `auth_time`) is read from it again when the session is restored ([`restore`]).
    /// `None` while the session's own ID token is the login's.
    pub login_id_token: Option<String>,
}

impl core::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        use super::secret::maybe;
        f.debug_struct("Tokens")
            .field("refresh_token", &maybe(&self.refresh_token))
            .field("apis", &self.apis.len())
            .field("login_id_token", &maybe(&self.login_id_token))
            .finish()
    }
}

impl Tokens {
    /// The tokens after an interactive login: its refresh token, and no access token of the old context
    /// (auth0-spa-js #1742: an old refresh token left behind, reused later, made the provider revoke all).
    pub fn after_login(refresh_token: Option<String>) -> Tokens {
        Tokens { refresh_token, apis: Vec::new(), login_id_token: None }
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
/// access token for `key`. Returns the access token.
///
/// The auth context stays that of the interactive login, and so does what the session reports of it: the
/// new ID token's claims are kept with the login's `acr`, `amr` and `auth_time` written over theirs (an app
/// reading `session.claims.acr` never sees a value the login did not prove), the login's ID token is kept in
/// [`Tokens::login_id_token`] for a later [`restore`], and the granted `scope` stays the login's (the step-up
/// context of `requireStepUp({ scope })`).
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
    if let Some(mut c) = claims {
        with_login_context(&mut c, &session.claims);
        let replaced = core::mem::replace(&mut session.id_token, response.id_token);
        tokens.login_id_token.get_or_insert(replaced);
        session.claims = c;
    }
    match key {
        None => {
            session.access_token = Some(access_token.clone());
            session.token_type = response.token_type;
            session.expires_at = expires_at;
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

/// Write the interactive login's `acr`, `amr` and `auth_time` over those of a later ID token's `claims`.
fn with_login_context(claims: &mut super::claims::Claims, login: &super::claims::Claims) {
    claims.acr = login.acr.clone();
    claims.amr = login.amr.clone();
    claims.auth_time = login.auth_time;
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

/// The stored form's first line: its version, a space, and its mark. An entry in another format (an older one
/// included) reads as no session.
const FORMAT: &str = "stepup-session-2 ";

/// Line breaks of a stored entry without API tokens; each API token adds [`API_LINES`].
const BASE_LINES: usize = 8;
const API_LINES: usize = 5;

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

/// The stored form of a session: its tokens, one value a line (an absent value is an empty line), then five
/// lines per API token. A few lines of code instead of a JSON writer and reader in the wasm. `None` when a
/// value holds a line break (no token does; such a session is kept in memory only).
///
/// The auth context (`acr`, `amr`, `auth_time`) is not stored: nothing read back is trusted as read, so a
/// restored session takes it from the interactive login's ID token once its signature is verified again
/// ([`restore`]). What is stored of the context is that token (the session's own, or
/// [`Tokens::login_id_token`] after a refresh) and the provider-clock offset, which [`restore`] bounds.
///
/// `mark` orders the entries written by the tabs sharing one storage (milliseconds since the epoch of the
/// write): see [`stored_mark`].
pub fn encode(session: &Session, tokens: &Tokens, mark: u64) -> Option<String> {
    let mut out = String::from(FORMAT);
    push_u64(&mut out, mark);
    push_line(&mut out, &session.id_token);
    push_optional(&mut out, &tokens.login_id_token);
    push_optional(&mut out, &tokens.refresh_token);
    push_optional(&mut out, &session.access_token);
    push_optional(&mut out, &session.token_type);
    push_int_line(&mut out, session.expires_at);
    push_optional(&mut out, &session.scope);
    push_int_line(&mut out, Some(session.clock_offset));
    for t in &tokens.apis {
        push_line(&mut out, &t.audience);
        push_line(&mut out, &t.scope);
        push_line(&mut out, &t.access_token);
        push_optional(&mut out, &t.token_type);
        push_int_line(&mut out, t.expires_at);
    }
    (line_breaks(&out) == BASE_LINES + API_LINES * tokens.apis.len()).then_some(out)
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

/// How long a tab that holds the refresh lock waits, at most, for its view of localStorage to reach the mark
/// the previous holder published (milliseconds). Browsers propagate a write to other processes within
/// milliseconds; a mark never seen by then (its entry removed, or named by a script that holds such a lock) is
/// not worth waiting for: the tab reads storage as it is and goes on.
pub const MARK_WAIT_MS: u64 = 2_000;

/// A mark later than now by more than this (milliseconds) is not waited for at all: it was written under a
/// clock that was set back since, or by a script naming a lock of its own, and no entry will ever reach it.
pub const MARK_FUTURE_MS: u64 = 5_000;

/// The published `mark` to wait for at `now` (milliseconds since the epoch): `None` for none, or one from the
/// future beyond [`MARK_FUTURE_MS`].
pub fn mark_to_wait_for(mark: u64, now: u64) -> Option<u64> {
    (mark > 0 && mark <= now.saturating_add(MARK_FUTURE_MS)).then_some(mark)
}

/// A stored session as read, before anything in it is trusted: [`decode`] makes it, the browser layer verifies
/// its ID tokens' signatures and claims, and [`restore`] turns it into a session.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredSession {
    /// The session's ID token (a refreshed one, or the login's).
    pub id_token: String,
    access_token: Option<String>,
    token_type: Option<String>,
    expires_at: Option<i64>,
    scope: Option<String>,
    clock_offset: i64,
    tokens: Tokens,
}

impl StoredSession {
    /// The interactive login's ID token, the one the auth context is read from.
    pub fn login_id_token(&self) -> &str {
        self.tokens.login_id_token.as_deref().unwrap_or(&self.id_token)
    }

    /// Whether the session's ID token was replaced by a refresh (it must then be verified too).
    pub fn refreshed(&self) -> bool {
        self.tokens.login_id_token.is_some()
    }
}

impl core::fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        use super::secret::Redacted;
        f.debug_struct("StoredSession").field("id_token", &Redacted).field("tokens", &self.tokens).finish_non_exhaustive()
    }
}

/// Read a stored entry back; `None` when it is unreadable, in another format, or plainly not this client's (its
/// ID token's unverified `iss` / `aud` name another issuer or client: such an entry is not even verified).
/// Nothing in the result is trusted until [`restore`].
pub fn decode(text: &str, issuer: &str, client_id: &str) -> Option<StoredSession> {
    let api_lines = line_breaks(text).checked_sub(BASE_LINES)?;
    if stored_mark(text).is_none() || api_lines % API_LINES != 0 {
        return None;
    }
    let mut lines = Lines { rest: super::text::split(text, b'\n'), readable: true };
    lines.next();
    let id_token = lines.text();
    let claims = jwt::decode(&id_token).ok()?.claims;
    if claims.iss.as_deref() != Some(issuer) || !claims.has_audience(client_id) {
        return None;
    }
    let login_id_token = lines.some();
    let refresh_token = lines.some();
    let access_token = lines.some();
    let token_type = lines.some();
    let expires_at = lines.int();
    let scope = lines.some();
    let clock_offset = lines.int().unwrap_or(0);
    let mut apis = Vec::new();
    for _ in 0..api_lines / API_LINES {
        apis.push(ApiToken {
            audience: lines.text(),
            scope: lines.text(),
            access_token: lines.text(),
            token_type: lines.some(),
            expires_at: lines.int(),
        });
    }
    let tokens = Tokens { refresh_token, apis, login_id_token };
    lines.readable.then_some(StoredSession { id_token, access_token, token_type, expires_at, scope, clock_offset, tokens })
}

/// A stored session made whole from what was verified of it: `login`, the claims of its
/// [`StoredSession::login_id_token`], and `current`, those of its own ID token when a refresh replaced the
/// login's, each verified by the caller (signature with the issuer's keys, `iss`, `aud`, `azp`, `sub`:
/// `validate::Expectations::for_stored`). Then:
/// - the auth context comes from `login` alone (its `amr` through `amr_aliases`), never from stored text;
/// - both tokens must be for one user (`sub`), else the entry is refused (`None`);
/// - the provider-clock offset read back is bounded by `leeway`: the login measured it, but a stored value
///   could otherwise make an old authentication look fresh (an offset of −1 day takes a day off every age);
/// - the tokens stored with it are used only with it: the entry is taken as one unit or not at all.
pub fn restore(
    stored: StoredSession,
    login: super::claims::Claims,
    current: Option<super::claims::Claims>,
    amr_aliases: &[(String, String)],
    leeway: u64,
) -> Option<(Session, Tokens)> {
    let login_sub = login.sub.as_deref()?;
    let mut claims = match current {
        Some(c) if c.sub.as_deref() == Some(login_sub) => c,
        Some(_) => return None,
        None => login.clone(),
    };
    with_login_context(&mut claims, &login);
    let bound = i64::try_from(leeway).unwrap_or(i64::MAX);
    let session = Session {
        id_token: stored.id_token,
        access_token: stored.access_token,
        token_type: stored.token_type,
        expires_at: stored.expires_at,
        scope: stored.scope,
        acr: login.acr.clone(),
        amr: super::policy::alias_amr(&login.amr, amr_aliases),
        auth_time: login.auth_time,
        clock_offset: stored.clock_offset.clamp(-bound, bound),
        claims: Box::new(claims),
    };
    Some((session, stored.tokens))
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
    use crate::core::claims::Claims;
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

    fn login_claims(text: &str) -> Claims {
        *jwt::decode(&jwt(text)).unwrap().claims
    }

    /// What the browser layer does after verifying the stored ID tokens (here: decoded, as if verified).
    fn restored(text: &str, leeway: u64) -> Option<(Session, Tokens)> {
        let stored = decode(text, "https://idp/", "app")?;
        let login = *jwt::decode(stored.login_id_token()).unwrap().claims;
        let current = stored.refreshed().then(|| *jwt::decode(&stored.id_token).unwrap().claims);
        restore(stored, login, current, &[], leeway)
    }

    #[test]
    fn round_trips_tokens_without_flow_secrets() {
        let s = session();
        let t = Tokens {
            refresh_token: Some("rt-1".into()),
            apis: alloc::vec![ApiToken { audience: "api2".into(), scope: "read".into(), access_token: "at-2".into(), token_type: None, expires_at: Some(5) }],
            login_id_token: None,
        };
        let text = encode(&s, &t, 1_700_000_000_123).unwrap();
        assert_eq!(stored_mark(&text), Some(1_700_000_000_123));
        assert_eq!(stored_mark("stepup-session-2 -5\n"), None);
        assert_eq!(stored_mark("other 5\n"), None);
        for secret in ["nonce", "verifier", "state"] {
            assert!(!text.contains(secret), "{text}");
        }
        let (back, tokens) = restored(&text, 60).unwrap();
        assert_eq!(back, s);
        assert_eq!(tokens, t);
        assert_eq!(decode(&text, "https://other/", "app"), None);
        assert_eq!(decode(&text, "https://idp/", "other"), None);
        assert_eq!(decode("{", "https://idp/", "app"), None);
        assert_eq!(decode("stepup-session-2 1\nx", "https://idp/", "app"), None);
        assert_eq!(decode(&text.replace("\n-7\n", "\n-7x\n"), "https://idp/", "app"), None, "a number that is not one");
        let cut = text.rsplit_once('\n').unwrap().0;
        assert_eq!(decode(cut, "https://idp/", "app"), None, "a truncated API token");
        // The previous format (with the context in plain lines) is not read at all.
        assert_eq!(decode(&text.replacen("stepup-session-2 ", "stepup-session-1 ", 1), "https://idp/", "app"), None);
        // No API token, no refresh token: absent values round-trip as absent.
        let (back, tokens) = restored(&encode(&s, &Tokens::default(), 0).unwrap(), 60).unwrap();
        assert_eq!((back, tokens), (s.clone(), Tokens::default()));
        // A line break inside a value would shift every line after it: such a session is not stored.
        let odd = Tokens { refresh_token: Some("a\nb".into()), ..Tokens::default() };
        assert_eq!(encode(&s, &odd, 0), None);
    }

    #[test]
    fn the_stored_text_is_one_value_a_line_without_the_context() {
        let mut s = session();
        s.id_token = "h.p.s".into();
        s.token_type = None;
        let t = Tokens {
            refresh_token: None,
            apis: alloc::vec![
                ApiToken { audience: "a".into(), scope: "".into(), access_token: "at-a".into(), token_type: Some("DPoP".into()), expires_at: None },
                ApiToken { audience: "".into(), scope: "s".into(), access_token: "at-s".into(), token_type: None, expires_at: Some(-3) },
            ],
            login_id_token: Some("l.o.g".into()),
        };
        let text = encode(&s, &t, 42).unwrap();
        assert_eq!(text, "stepup-session-2 42\nh.p.s\nl.o.g\n\nat-1\n\n1600\nopenid\n-7\na\n\nat-a\nDPoP\n\n\ns\nat-s\n\n-3");
        let mut none = s.clone();
        (none.expires_at, none.scope) = (None, None);
        assert_eq!(encode(&none, &Tokens::default(), 0).unwrap(), "stepup-session-2 0\nh.p.s\n\n\nat-1\n\n\n\n-7");
    }

    /// The stored-session forgery: plain lines claiming an MFA context next to a password-only ID token. The
    /// context now comes from the (verified) login token alone; text in the entry cannot raise it.
    #[test]
    fn the_context_comes_from_the_login_token_never_from_stored_text() {
        let weak = jwt(r#"{"iss":"https://idp/","sub":"alice","aud":"app","exp":2000,"iat":1000,"acr":"urn:pwd","amr":["pwd"],"auth_time":990}"#);
        // The first format's context lines, appended as a forger would write them, make the entry unreadable.
        let forged = alloc::format!("stepup-session-2 1\n{weak}\n\n\nat\n\n\nopenid\n0\nurn:mfa\npwd otp mfa\n99999");
        assert_eq!(decode(&forged, "https://idp/", "app"), None);
        let honest = alloc::format!("stepup-session-2 1\n{weak}\n\n\nat\n\n\nopenid\n0");
        let (s, _) = restored(&honest, 60).unwrap();
        assert_eq!((s.acr.as_deref(), s.amr.as_slice(), s.auth_time), (Some("urn:pwd"), &["pwd".to_string()][..], Some(990)));
        let policy = crate::core::policy::StepUpPolicy { mfa: true, ..Default::default() };
        assert!(!crate::core::policy::evaluate(&s.auth_context(), &policy, 1000, "urn:mfa", 60).satisfied);
    }

    /// An `amr` value with a space stays one value: it is read from the token's JSON array, not from a
    /// space-separated line (where `"pwd otp"` became two methods and could pass an `mfa` check).
    #[test]
    fn an_amr_value_with_a_space_stays_one_value() {
        let odd = jwt(r#"{"iss":"https://idp/","sub":"alice","aud":"app","exp":2000,"iat":1000,"amr":["pwd otp"],"auth_time":990}"#);
        let text = alloc::format!("stepup-session-2 1\n{odd}\n\n\n\n\n\n\n0");
        let (s, _) = restored(&text, 60).unwrap();
        assert_eq!(s.amr, ["pwd otp"]);
        let policy = crate::core::policy::StepUpPolicy { mfa: true, ..Default::default() };
        assert!(!crate::core::policy::evaluate(&s.auth_context(), &policy, 1000, "urn:mfa", 60).satisfied);
    }

    #[test]
    fn restore_bounds_the_clock_offset_and_refuses_two_users() {
        let mut s = session();
        for (offset, leeway, want) in [(-86_400, 60, -60), (86_400, 60, 60), (-7, 60, -7), (-7, 0, 0), (-1_000_000, u64::MAX, -1_000_000)] {
            s.clock_offset = offset;
            let (back, _) = restored(&encode(&s, &Tokens::default(), 0).unwrap(), leeway).unwrap();
            assert_eq!(back.clock_offset, want, "offset {offset}, leeway {leeway}");
        }
        // A refreshed ID token for another user than the login's: the entry is not taken.
        let bob = jwt(r#"{"iss":"https://idp/","sub":"bob","aud":"app","exp":3000,"iat":2500}"#);
        let t = Tokens { login_id_token: Some(s.id_token.clone()), ..Tokens::default() };
        s.id_token = bob;
        assert_eq!(restored(&encode(&s, &t, 0).unwrap(), 60), None);
        // Without a `sub` in the login token nothing is restored either.
        let stored = decode(&encode(&session(), &Tokens::default(), 0).unwrap(), "https://idp/", "app").unwrap();
        assert_eq!(restore(stored, login_claims(r#"{"iss":"https://idp/"}"#), None, &[], 60), None);
    }

    #[test]
    fn restore_maps_amr_through_the_aliases() {
        let raw = jwt(r#"{"iss":"https://idp/","sub":"alice","aud":"app","exp":2000,"iat":1000,"amr":["password","totp"],"auth_time":990}"#);
        let text = alloc::format!("stepup-session-2 1\n{raw}\n\n\n\n\n\n\n0");
        let stored = decode(&text, "https://idp/", "app").unwrap();
        let login = *jwt::decode(stored.login_id_token()).unwrap().claims;
        let aliases = [("password".to_string(), "pwd".to_string()), ("totp".to_string(), "otp".to_string())];
        let (s, _) = restore(stored, login, None, &aliases, 60).unwrap();
        assert_eq!(s.amr, ["pwd", "otp"]);
        assert_eq!(s.claims.amr, ["password", "totp"], "the claims keep the provider's names");
    }

    #[test]
    fn refresh_never_changes_the_interactive_context() {
        let mut s = session();
        let login_token = s.id_token.clone();
        let mut t = Tokens::after_login(Some("rt-1".into()));
        // Auth0: the refreshed ID token has no amr; this one also claims a stronger acr and a later auth_time.
        let refreshed = jwt(r#"{"iss":"https://idp/","sub":"alice","aud":"app","exp":3000,"iat":2500,"acr":"urn:other","auth_time":2400}"#);
        let claims = jwt::decode(&refreshed).unwrap().claims;
        let response = TokenResponse {
            id_token: refreshed.clone(),
            access_token: Some("at-new".into()),
            token_type: Some("Bearer".into()),
            expires_in: Some(60),
            scope: Some("openid narrower".into()),
            refresh_token: Some("rt-2".into()),
        };
        let at = apply_refresh(&mut s, &mut t, response.clone(), Some(claims.clone()), None, 2500).unwrap();
        assert_eq!(at, "at-new");
        assert_eq!((s.acr.as_deref(), s.amr.as_slice(), s.auth_time, s.clock_offset), (Some("urn:mfa"), &["pwd".to_string(), "otp".to_string()][..], Some(990), -7));
        // The claims the session reports agree with its context; the rest is the refreshed token's.
        assert_eq!((s.claims.acr.as_deref(), s.claims.amr.as_slice(), s.claims.auth_time, s.claims.exp), (Some("urn:mfa"), &["pwd".to_string(), "otp".to_string()][..], Some(990), Some(3000)));
        assert_eq!((s.id_token.as_str(), s.expires_at, s.scope.as_deref()), (refreshed.as_str(), Some(2560), Some("openid")), "scope stays the login's");
        assert_eq!(t.refresh_token.as_deref(), Some("rt-2"));
        assert_eq!(t.login_id_token.as_deref(), Some(login_token.as_str()), "the login's token is kept for a restore");
        // A second refresh keeps the first login's token, not the first refresh's.
        apply_refresh(&mut s, &mut t, response, Some(claims), None, 2600).unwrap();
        assert_eq!(t.login_id_token.as_deref(), Some(login_token.as_str()));
        // After a reload the context is read from the login's token again, the claims from the refreshed one.
        let (back, tokens) = restored(&encode(&s, &t, 1).unwrap(), 60).unwrap();
        assert_eq!((back.acr.as_deref(), back.auth_time, back.claims.exp, back.claims.acr.as_deref()), (Some("urn:mfa"), Some(990), Some(3000), Some("urn:mfa")));
        assert_eq!(tokens, t);
        // A new login drops the kept token.
        assert_eq!(Tokens::after_login(None).login_id_token, None);
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
    fn marks_from_the_future_are_not_waited_for() {
        assert_eq!(mark_to_wait_for(0, 1_000), None, "no tab published");
        assert_eq!(mark_to_wait_for(900, 1_000), Some(900));
        assert_eq!(mark_to_wait_for(1_000 + MARK_FUTURE_MS, 1_000), Some(1_000 + MARK_FUTURE_MS));
        assert_eq!(mark_to_wait_for(1_001 + MARK_FUTURE_MS, 1_000), None);
        assert_eq!(mark_to_wait_for(9_999_999_999_999, 1_765_000_000_000), None, "a lock named by another script");
        assert_eq!(mark_to_wait_for(u64::MAX, u64::MAX), Some(u64::MAX));
    }

    #[test]
    fn names_carry_client_and_issuer() {
        assert_eq!(name("stepup.session ", "https://idp/", "a b"), "stepup.session a%20b https://idp/");
        assert_ne!(name("p ", "https://idp/", "a"), name("p ", "https://idp2/", "a"));
    }
}
