//! The session beyond one login: kept in memory, `sessionStorage` or `localStorage` (`cacheLocation`),
//! renewed with the refresh token under a Web Lock, and followed by every tab of the origin.
//!
//! The rules kept here (the pure ones are `core::cache`):
//! - a refresh runs under the Web Lock named from the issuer and client id, and storage is read again
//!   once the lock is held: a second tab then finds the token the first one got, and never spends the
//!   same rotating refresh token (auth0-spa-js #1742, where reuse made the provider revoke them all);
//! - a refresh never touches the interactive context; its ID token must be the signed-in user's, else
//!   `user_mismatch` and the session is dropped; `invalid_grant` is `login_required`, and the session goes;
//! - nothing read back is trusted as read: a stored entry (at start-up, or another tab's) is adopted only once
//!   its ID tokens passed verification again (signature with the issuer's keys, `iss`, `aud`, `azp`, `sub`),
//!   and its auth context is read from the login's verified token (`core::cache::restore`); an entry that
//!   cannot be verified (keys unreachable, forged) is not adopted, and is left in storage for the next load;
//! - another tab's session for another user ends this tab's flows in progress and reaches the listeners;
//! - a wait for another tab's renewal is bounded, and honours the caller's `AbortSignal`;
//! - a logout is posted to the other tabs (BroadcastChannel), and with `localStorage` every change reaches
//!   them through the `storage` event: their `session` and listeners follow at once;
//! - listeners run after every change of the session, never while a borrow of it is held.

use alloc::boxed::Box;
use alloc::rc::{Rc, Weak};
use alloc::string::String;
use alloc::vec::Vec;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use web_sys::AbortSignal;

use super::client::{signed_out, Inner, StepUpClient};
use super::flow::{self, Provider};
use super::storage::store;
use super::util::{abort_reason, get, is_aborted, now_millis, now_seconds, Listener as EventListener, Settle, Timer, TrapCell};
use super::verify::verify_id_token;
use crate::core::cache::{self, CacheLocation, StoredSession, Tokens};
use crate::core::error::{Error, ErrorCode, Result};
use crate::core::claims::Claims;
use crate::core::session::Session;
use crate::core::token::TokenResponse;

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// glue.js `publish`: hold the lock `name#mark`, so every tab's `lock` reads the newest mark.
    fn publish(name: &str, mark: f64);
    /// glue.js `watch`: storage events for `key` (none for "") and the BroadcastChannel `name`; returns `send`. (The
    /// closure takes the event as a plain value, as `util::Listener`'s do: a `StorageEvent` or a `MessageEvent`; only
    /// `data` is read.)
    fn watch(key: &str, name: &str, on_change: &Closure<dyn FnMut(JsValue)>) -> Function;
    /// glue.js `lock`: wait for a Web Lock; resolves to its release function and the newest published mark.
    #[wasm_bindgen(catch)]
    fn lock(name: &str, signal: Option<AbortSignal>) -> core::result::Result<Promise, JsValue>;
}

const LOGOUT: &str = "logout";

/// A listener; `None` once unsubscribed (its slot is its id).
type Listener = Option<Rc<dyn Fn(Option<&Session>)>>;
/// glue.js `watch`'s `send`, and the closure it calls.
type Tabs = (Function, Closure<dyn FnMut(JsValue)>);

/// A client's cache: its tokens besides the session, where they are stored, the tab wiring, listeners.
pub struct SessionCache {
    tokens: TrapCell<Tokens>,
    location: CacheLocation,
    key: String,
    lock_name: String,
    listeners: TrapCell<Vec<Listener>>,
    /// glue.js `watch`'s `send`, and the closure it calls (kept alive while the client lives).
    tabs: TrapCell<Option<Tabs>>,
    /// Settled by the next storage event or tab message (see `Inner::behind`).
    changed: TrapCell<Option<Settle<()>>>,
    /// Counts reads of storage and writes of this tab: a read whose verification finishes after a newer read
    /// or write started is dropped (`Inner::reload`).
    reads: core::cell::Cell<u32>,
}

impl core::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SessionCache").field("location", &self.location).field("tokens", &self.tokens).finish_non_exhaustive()
    }
}

impl SessionCache {
    pub fn new(provider: &Provider) -> SessionCache {
        let (issuer, client_id) = (&provider.metadata.issuer, &provider.config.client_id);
        SessionCache {
            tokens: TrapCell::new(Tokens::default()),
            location: provider.config.cache_location,
            key: cache::name("stepup.session ", issuer, client_id),
            lock_name: cache::name("stepup.refresh ", issuer, client_id),
            listeners: TrapCell::new(Vec::new()),
            tabs: TrapCell::new(None),
            changed: TrapCell::new(None),
            reads: core::cell::Cell::new(0),
        }
    }

    fn read(&self) -> Option<String> {
        match self.location {
            CacheLocation::Memory => None,
            l => store(l == CacheLocation::LocalStorage, &self.key, JsValue::UNDEFINED),
        }
    }

    /// Store `text` (`None` removes the entry); whether storage now holds exactly that.
    fn write(&self, text: Option<&str>) -> bool {
        self.location != CacheLocation::Memory
            && store(self.location == CacheLocation::LocalStorage, &self.key, text.map_or(JsValue::NULL, JsValue::from_str)).as_deref() == text
    }
}

/// Start following the other tabs (the stored session is restored by `restore`, which verifies it).
pub(super) fn attach(inner: &Rc<Inner>) {
    let weak: Weak<Inner> = Rc::downgrade(inner);
    // Boxed into the `Closure` type every `util::Listener` uses (one set of shims for both).
    let on_change = Closure::<dyn FnMut(JsValue)>::wrap(Box::new(move |event: JsValue| {
        let Some(inner) = weak.upgrade() else { return };
        if let Some(changed) = inner.cache.changed.borrow_mut().take() {
            changed.settle(());
        }
        if let Some(d) = &inner.provider.dpop {
            d.follow_other_tab();
        }
        if get(&event, "data").as_string().as_deref() == Some(LOGOUT) {
            // Another tab signed out: so does this one, logins in progress included.
            inner.end_flows();
            inner.sign_out(false);
        } else {
            super::task::spawn(async move {
                inner.reload(true).await;
            });
        }
    }));
    // Only localStorage changes reach other tabs as storage events: other locations listen to the channel alone.
    let key = if inner.cache.location == CacheLocation::LocalStorage { inner.cache.key.as_str() } else { "" };
    let send = watch(key, &inner.cache.lock_name, &on_change);
    *inner.cache.tabs.borrow_mut() = Some((send, on_change));
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some((send, _)) = self.cache.tabs.borrow_mut().take() {
            let _ = send.call1(&JsValue::NULL, &JsValue::NULL);
        }
    }
}

/// Holds a Web Lock; released when dropped (also when the future holding it is dropped).
struct Held(Function);

impl Drop for Held {
    fn drop(&mut self) {
        let _ = self.0.call0(&JsValue::NULL);
    }
}

/// Restore the stored session of a new client (`StepUpClient::create`), verified first.
pub(super) async fn restore(inner: &Rc<Inner>) {
    inner.reload(false).await;
}

pub(super) fn login_required() -> Error {
    Error::new(ErrorCode::LoginRequired, "there is no session to get a token from; sign in")
}

impl Inner {
    /// Replace the session (and with it the tokens), store it, and tell the listeners if it changed.
    fn set(&self, session: Option<Session>, tokens: Tokens, persist: bool) {
        if persist {
            // What this tab writes is newer than any read still being verified.
            self.cache.reads.set(self.cache.reads.get().wrapping_add(1));
        }
        // What a listener sees change: the ID token (a new login or refresh) or the session's own access token.
        let changed = match (self.session.borrow().as_ref(), session.as_ref()) {
            (Some(a), Some(b)) => a.id_token != b.id_token || a.access_token != b.access_token,
            (a, b) => a.is_some() != b.is_some(),
        };
        if persist {
            let mark = now_millis() as u64;
            let text = session.as_ref().and_then(|s| cache::encode(s, &tokens, mark));
            // With localStorage, what this tab wrote is announced where other tabs read it at once (`behind`).
            if self.cache.write(text.as_deref()) && text.is_some() && self.cache.location == CacheLocation::LocalStorage {
                publish(&self.cache.lock_name, mark as f64);
            }
        }
        *self.cache.tokens.borrow_mut() = tokens;
        *self.session.borrow_mut() = session;
        if changed {
            self.notify();
        }
    }

    fn notify(&self) {
        let listeners = self.cache.listeners.borrow().clone();
        let session = self.session.borrow().clone();
        for l in listeners.iter().flatten() {
            l(session.as_ref());
        }
    }

    /// The session of an interactive login: its refresh token, and no access token of the old context.
    pub(super) fn adopt(&self, session: Session, refresh_token: Option<String>) {
        self.set(Some(session), Tokens::after_login(refresh_token), true);
    }

    /// Forget the session here and in storage; `tell`: post the logout to the other tabs.
    pub(super) fn sign_out(&self, tell: bool) {
        self.set(None, Tokens::default(), true);
        if tell {
            if let Some((send, _)) = self.cache.tabs.borrow().as_ref() {
                let _ = send.call1(&JsValue::NULL, &JsValue::from_str(LOGOUT));
            }
        }
    }

    /// Take what storage holds now (another tab may have renewed, signed in or out), once verified: an empty,
    /// unreadable, foreign or unverifiable entry reads as no session (and is left where it is). `notify`: tell
    /// the listeners when the session changed. A read overtaken by a newer read or by a write of this tab while
    /// its tokens were being verified is dropped: then `false` (the newer read has yet to land).
    async fn reload(&self, notify: bool) -> bool {
        if self.cache.location == CacheLocation::Memory {
            return true;
        }
        let ticket = self.cache.reads.get().wrapping_add(1);
        self.cache.reads.set(ticket);
        let stored = self.cache.read().and_then(|text| cache::decode(&text, &self.provider.metadata.issuer, &self.provider.config.client_id));
        let restored = match stored {
            Some(stored) => self.verified(stored).await,
            None => None,
        };
        if self.cache.reads.get() != ticket {
            return false;
        }
        let (session, tokens) = match restored {
            Some((s, t)) => (Some(s), t),
            None => (None, Tokens::default()),
        };
        // Another user's session (signed in in another tab): nothing in progress here was for them.
        let other_user = match (self.session.borrow().as_ref(), session.as_ref()) {
            (Some(a), Some(b)) => a.claims.sub != b.claims.sub,
            _ => false,
        };
        if other_user {
            self.end_flows();
        }
        if notify {
            self.set(session, tokens, false);
        } else {
            *self.cache.tokens.borrow_mut() = tokens;
            *self.session.borrow_mut() = session;
        }
        true
    }

    /// A stored entry made a session: its login's ID token (and its own, after a refresh) verified again, the
    /// context read from the login's (`core::cache::restore`). `None` when a token fails or cannot be verified.
    async fn verified(&self, stored: StoredSession) -> Option<(Session, Tokens)> {
        let login = self.verify_stored(stored.login_id_token()).await?;
        let current = match stored.refreshed() {
            true => Some(self.verify_stored(&stored.id_token).await?),
            false => None,
        };
        let config = &self.provider.config;
        cache::restore(stored, login, current, &config.amr_aliases, self.provider.leeway)
    }

    /// The claims of an ID token read back from storage, verified (`Expectations::for_stored`); a token of this
    /// tab's own session was verified when it arrived and is only decoded again.
    async fn verify_stored(&self, token: &str) -> Option<Claims> {
        let known = {
            let session = self.session.borrow();
            let tokens = self.cache.tokens.borrow();
            session.as_ref().is_some_and(|s| s.id_token == token) || tokens.login_id_token.as_deref() == Some(token)
        };
        if known {
            return crate::core::jwt::decode(token).ok().map(|d| *d.claims);
        }
        let expect = self.provider.expectations(now_seconds(), None).for_stored();
        verify_id_token(token, &expect, &self.provider.jwks).await.ok().map(|d| *d.claims)
    }

    /// Whether this tab's view of localStorage is behind the entry marked `mark`: then what settles at the next
    /// storage event or tab message, to wait for before asking again. localStorage reaches other processes
    /// asynchronously, so the lock can be ours before the renewal another tab wrote under it is visible here.
    fn behind(&self, mark: u64) -> Option<Settle<()>> {
        if self.cache.location != CacheLocation::LocalStorage {
            return None;
        }
        let changed = Settle::new();
        *self.cache.changed.borrow_mut() = Some(changed.clone());
        let seen = self.cache.read().and_then(|t| cache::stored_mark(&t)).map_or(true, |m| m >= mark);
        (!seen).then_some(changed)
    }

    fn cached(&self, key: Option<&(String, String)>) -> Option<String> {
        let session = self.session.borrow();
        cache::valid_token(session.as_ref()?, &self.cache.tokens.borrow(), key, now_seconds())
    }

    /// A valid access token for `key` (`core::cache::token_key`): the cached one, else one renewed with
    /// the refresh token under the Web Lock.
    pub(super) async fn access_token(&self, key: Option<&(String, String)>, signal: Option<AbortSignal>) -> Result<String> {
        if let Some(t) = self.cached(key) {
            return Ok(t);
        }
        let aborted = |e: JsValue| Error::new(ErrorCode::Aborted, "the token request was aborted").with_cause(e);
        let promise = lock(&self.cache.lock_name, signal.clone()).map_err(aborted)?;
        let release = super::task::settled(promise).await.map_err(aborted)?;
        let mark = get(&release, "mark").as_f64().unwrap_or(0.0) as u64;
        let _held = Held(release.unchecked_into());
        // Another tab (or call) may have renewed while we waited: take its token, not a second grant. The wait for
        // its entry to be visible here is bounded, and a mark from the future (a clock set back, or a lock named
        // by another script) is not waited for.
        let now = now_millis() as u64;
        if let Some(mark) = cache::mark_to_wait_for(mark, now) {
            let deadline = now.saturating_add(cache::MARK_WAIT_MS);
            while let Some(changed) = self.behind(mark) {
                let left = deadline.saturating_sub(now_millis() as u64);
                if left == 0 {
                    break;
                }
                // The next storage event, the deadline or the caller's abort, whichever comes first.
                let settle = |c: &Settle<()>| {
                    let c = c.clone();
                    move || {
                        c.settle(());
                    }
                };
                let on_time = settle(&changed);
                let _timer = Timer::new(left as i32, false, Box::new(on_time));
                let _abort = signal.as_ref().map(|s| {
                    let on_abort = settle(&changed);
                    EventListener::new(s, "abort", Box::new(move |_| on_abort()))
                });
                changed.wait().await;
                if let Some(s) = signal.as_ref().filter(|s| is_aborted(s)) {
                    return Err(aborted(abort_reason(s)));
                }
            }
        }
        // A read dropped for a newer one (another tab's storage event arrived while this one verified) says nothing
        // of what storage holds: read again, so the refresh token spent below is the newest. Bounded, since a
        // script can write storage without end.
        for _ in 0..4 {
            if self.reload(true).await {
                break;
            }
        }
        if let Some(t) = self.cached(key) {
            return Ok(t);
        }
        let (session, body) = self.refresh_body(key)?;
        let epoch = self.epoch.get();
        let provider = &self.provider;
        // Straight-line awaits (no inner `async` block to collect the `?`s: it would be a state machine of its own).
        let result = match flow::token_request(provider, body, true).await {
            Ok(response) => {
                let now = now_seconds();
                // flow::verify_refreshed, its one await here.
                let claims = match flow::refresh_expectations(provider, &response, session.claims.sub.clone(), now) {
                    Some(expect) => verify_id_token(&response.id_token, &expect, &provider.jwks).await.map(|d| Some(d.claims)),
                    None => Ok(None),
                };
                claims.map(|claims| (response, claims, now))
            }
            Err(e) => Err(e),
        };
        self.refreshed(session, epoch, result, key)
    }

    /// The session to renew and the refresh grant's body; `login_required` without a refresh token.
    #[inline(never)]
    fn refresh_body(&self, key: Option<&(String, String)>) -> Result<(Session, String)> {
        let session = self.session.borrow().clone().ok_or_else(login_required)?;
        let tokens = self.cache.tokens.borrow();
        let refresh_token = tokens.refresh_token.as_deref().ok_or_else(login_required)?;
        Ok((session, cache::refresh_request_body(refresh_token, &self.provider.config.client_id, key)))
    }

    /// Take the refresh grant's answer for `session` (renewed when `epoch` was current).
    #[inline(never)]
    fn refreshed(
        &self,
        session: Session,
        epoch: u32,
        result: Result<(TokenResponse, Option<Box<Claims>>, i64)>,
        key: Option<&(String, String)>,
    ) -> Result<String> {
        // Signed out, or signed in again, while the grant was out: its answer belongs to no session now.
        let same = self.session.borrow().as_ref().is_some_and(|s| s.id_token == session.id_token);
        if self.epoch.get() != epoch || !same {
            return Err(signed_out());
        }
        match result {
            Ok((response, claims, now)) => {
                let mut renewed = session;
                let mut tokens = core::mem::take(&mut *self.cache.tokens.borrow_mut());
                let token = cache::apply_refresh(&mut renewed, &mut tokens, response, claims, key, now);
                self.set(Some(renewed), tokens, true);
                token
            }
            Err(e) => {
                let (e, drop) = match e.kind() {
                    // The provider answered for someone else: nothing of this session can be trusted.
                    ErrorCode::UserMismatch => (e, true),
                    _ => cache::refresh_failure(e, &self.provider.step_up_acr),
                };
                if drop {
                    self.sign_out(false);
                }
                Err(e)
            }
        }
    }
}

/// Options of [`StepUpClient::get_access_token`].
#[derive(Clone, Debug, Default)]
pub struct TokenOptions {
    /// The API (Auth0 `audience`); default the configured one.
    pub audience: Option<String>,
    /// A scope to ask for; default the login's.
    pub scope: Option<String>,
    /// Aborts the wait for another tab's renewal (`aborted`).
    pub signal: Option<AbortSignal>,
}

/// Unsubscribes its listener when dropped (see [`StepUpClient::on_session_change`]).
#[must_use = "the listener is removed when this guard is dropped"]
pub struct SessionListener {
    inner: Weak<Inner>,
    id: usize,
}

impl core::fmt::Debug for SessionListener {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SessionListener").field("id", &self.id).finish()
    }
}

impl Drop for SessionListener {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.upgrade() {
            if let Some(slot) = inner.cache.listeners.borrow_mut().get_mut(self.id) {
                *slot = None;
            }
        }
    }
}

impl StepUpClient {
    /// A valid access token for `options.audience` / `options.scope` (default: the session's own): the
    /// cached one, else renewed with the refresh token (one tab at a time, under a Web Lock). No session,
    /// or a refresh token that is gone, is `login_required`; an API that needs a second factor the session
    /// lacks (`mfa_required`) is `step_up_required` with `acr_values`, for [`Self::require_step_up`].
    pub async fn get_access_token(&self, options: TokenOptions) -> Result<String> {
        let key = cache::token_key(options.audience.as_deref(), options.scope.as_deref(), self.config().audience.as_deref());
        self.inner.access_token(key.as_ref(), options.signal).await
    }

    /// Call `listener` with the session after each change: a login, a step-up, a renewed token, a logout,
    /// and the same in another tab (a logout always; everything with `localStorage`). It is removed when
    /// the returned guard is dropped.
    pub fn on_session_change(&self, listener: impl Fn(Option<&Session>) + 'static) -> SessionListener {
        let mut listeners = self.inner.cache.listeners.borrow_mut();
        listeners.push(Some(Rc::new(listener)));
        SessionListener { inner: Rc::downgrade(&self.inner), id: listeners.len() - 1 }
    }

    /// Whether the session holds a refresh token, so expired access tokens are renewed rather than lost.
    pub fn can_refresh(&self) -> bool {
        self.inner.session.borrow().is_some() && self.inner.cache.tokens.borrow().refresh_token.is_some()
    }

}
