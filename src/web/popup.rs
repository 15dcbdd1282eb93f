//! The popup: open it inside the user's click, wait for the provider's answer, relay it from the
//! callback page.
//!
//! The answer travels as `{ type: "stepup:callback", url }`:
//! - by `window.opener.postMessage(msg, <our origin>)` from the callback page; the opener accepts it
//!   only when `event.origin` is our origin *and* `event.source` is the popup it opened;
//! - or, when Cross-Origin-Opener-Policy on the provider's pages has severed `window.opener`, over a
//!   `BroadcastChannel` named `stepup:<state>`. A `state` can leak (a URL in history or a log), and any page of
//!   our origin can post on that channel, so a channel message is taken only once the popup can no longer answer
//!   through `window.opener` (it reads closed: COOP severed it, or it closed after relaying), and only with the
//!   flow's channel secret: 128 random bits written to this tab's `sessionStorage`
//!   under the channel's name just before `window.open`, which the popup inherits a copy of (HTML's
//!   sessionStorage copy for auxiliary browsing contexts) and the callback page sends back. A page opened any
//!   other way (a link in a mail, another tab) has no copy, so it cannot finish the flow with its own code.
//!
//! Anything else arriving on either path is ignored, never an error: another script's messages must
//! not be able to end our flow.
//!
//! Closing. COOP makes `popup.closed` read `true` as soon as the provider's page commits, although the
//! user is still there, so `closed` alone cannot tell "the user closed it" from "COOP severed it". We
//! learn when the popup leaves our origin instead of guessing from a poll: the popup opens on
//! `about:blank`, which is ours, so we listen to its `pagehide`. That event fires both when the user
//! closes the popup and when the provider's page replaces the blank one; one task later the two differ
//! (measured in Chromium, and what the HTML navigation model implies): after a commit the window holds
//! a cross-origin document, so reading its location throws, while a closing blank window still reads
//! `about:blank`. COOP then severs the popup one browser round trip later (6-35 ms measured), while a
//! person needs the page to load and be seen before closing it (100 ms and more even for a test robot).
//! So, with the popup looked at every [`WATCH_MS`] from the commit until [`HUMAN_MS`] after it:
//! - closed before the provider's page committed → `popup_closed`, whatever the provider (in Chromium: Firefox and
//!   WebKit sever a COOP popup at the commit itself, so there a popup that reads closed one task after the blank
//!   page's `pagehide` counts as committed, see `Popup::watch_first_unload`);
//! - seen open [`SEVER_MS`] or more after the commit, or first seen closed more than [`HUMAN_MS`] after
//!   it, or a provider whose answer to an earlier popup of this page came through `window.opener` (so its
//!   pages do not send COOP) → `popup_closed`;
//! - else (closed within [`HUMAN_MS`], never seen open past [`SEVER_MS`]): severed by COOP. From then on no
//!   browser API tells whether the window is still open: we wait for the BroadcastChannel until the
//!   timeout. This is the one undecidable case (README, "Known limits").

use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::String;
use core::cell::Cell;
use alloc::vec::Vec;

use js_sys::Object;
use wasm_bindgen::JsValue;
use web_sys::{AbortSignal, Window};

use super::util::{abort_reason, get, is_aborted, later, listen_forever, monotonic, once, origin_of, window, Listener, PageLocal, Settle, Timer, TrapCell};

use crate::core::authorize;
use crate::core::error::{Error, ErrorCode, Result};
use crate::core::secret::Secret;
use crate::core::validate::constant_time_eq;

/// The `type` of our relay message (written by `src/web/callback.js`, which the e2e popup flows run).
pub const MESSAGE_TYPE: &str = "stepup:callback";
/// Prefix of the BroadcastChannel name; the rest is the `state` (as `src/web/callback.js` names it).
pub const CHANNEL_PREFIX: &str = "stepup:";
/// How often `popup.closed` is polled.
pub const POLL_MS: i32 = 100;
/// After `closed` is seen, how long a message already on its way may still win.
pub const CLOSE_GRACE_MS: i32 = 150;
/// COOP severs a popup within this long of the provider's page committing (measured in Chromium: 6-35 ms,
/// one round trip through the browser after the blank page unloads), plus [`LAG_FACTOR`] times this page's
/// lateness at the commit. A popup seen open later was not severed.
pub const SEVER_MS: f64 = 50.0;
/// Nobody closes a popup within this long of the provider's page committing (plus [`LAG_FACTOR`] times this
/// page's lateness at the commit): the page has to load and be seen first, and a person reacts to it in 200 ms
/// or more. A close first seen later was a person's. (A test robot that closes the popup the moment the
/// provider's password field exists does so 40-140 ms after the commit: inside this window on a first popup.)
pub const HUMAN_MS: f64 = 65.0;
/// Both windows grow by this many times the page's own lateness at the commit (how long the task right after
/// `pagehide` waited): on a loaded machine COOP's severing is seen later, and a person, or a test robot, closes
/// later too.
pub const LAG_FACTOR: f64 = 2.0;
/// How often the popup is looked at from the commit until [`HUMAN_MS`] after it.
pub const WATCH_MS: i32 = 10;
/// Default popup timeout (DESIGN.md): 300 s.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 300;

const WIDTH: u32 = 500;
const HEIGHT: u32 = 650;

/// An open popup window.
#[derive(Clone, Debug)]
pub struct Popup {
    window: Window,
    seen: Rc<Seen>,
}

/// What was seen of the popup, in `performance.now()` milliseconds (see the module docs).
#[derive(Debug, Default)]
struct Seen {
    /// The blank document's `pagehide`, when a cross-origin location followed it: the provider's commit.
    left_at: Cell<Option<f64>>,
    /// The last time the popup was seen open on a cross-origin page.
    open_at: Cell<Option<f64>>,
    /// The first time it was seen closed.
    closed_at: Cell<Option<f64>>,
    /// How long the first task after the blank page's `pagehide` waited: this page's lateness at the commit.
    lag: Cell<f64>,
    /// From the blank page's `pagehide` until the task after it has looked: no verdict meanwhile.
    unloading: Cell<bool>,
}

/// Who closed a popup that reads closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ClosedBy {
    User,
    /// Closed within [`SEVER_MS`]-[`HUMAN_MS`] of the provider's page committing: COOP, as far as can be told.
    MaybeCoop,
}

impl Seen {
    /// Seen open on the provider's page [`SEVER_MS`] or more after its commit: not severed by COOP.
    fn open_past_severing(&self) -> bool {
        let sever = SEVER_MS + LAG_FACTOR * self.lag.get();
        self.left_at.get().is_some_and(|commit| self.open_at.get().is_some_and(|t| t - commit >= sever))
    }

    /// [`HUMAN_MS`], widened by this page's lateness at the commit.
    fn human_ms(&self) -> f64 {
        HUMAN_MS + LAG_FACTOR * self.lag.get()
    }

    fn verdict(&self, provider_watchable: bool) -> ClosedBy {
        let Some(commit) = self.left_at.get() else { return ClosedBy::User }; // before the provider's page
        let closed_late = self.closed_at.get().is_some_and(|t| t - commit > self.human_ms());
        if provider_watchable || self.open_past_severing() || closed_late {
            ClosedBy::User
        } else {
            ClosedBy::MaybeCoop
        }
    }
}

fn channel_name(state: &str) -> String {
    let mut n = String::from(CHANNEL_PREFIX);
    n.push_str(state);
    n
}

#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// glue.js `openPopup`: `window.open` of a blank popup, centred over this window; `None` when blocked.
    #[wasm_bindgen(catch, js_name = openPopup)]
    fn open_popup_js(width: u32, height: u32) -> core::result::Result<Option<Window>, JsValue>;
}

impl Popup {
    /// Open an empty popup. Call this synchronously inside the user's click (before any `await`):
    /// browsers only allow popups during a user activation. A `null` result is `popup_blocked`.
    pub fn open_blank() -> Result<Popup> {
        window()?; // a page, not a worker
        let blocked = || Error::new(ErrorCode::PopupBlocked, "the browser blocked the popup (open it inside a click)");
        match open_popup_js(WIDTH, HEIGHT) {
            Ok(Some(popup)) => {
                let popup = Popup { window: popup, seen: Rc::new(Seen::default()) };
                popup.watch_first_unload();
                Ok(popup)
            }
            Ok(None) => Err(blocked()),
            Err(e) => Err(blocked().with_cause(e)),
        }
    }

    /// Send the popup to the provider.
    pub fn navigate(&self, url: &str) -> Result<()> {
        self.window
            .location()
            .set_href(url)
            .map_err(|e| Error::new(ErrorCode::PopupClosed, "the popup could not be navigated").with_cause(e))
    }

    pub fn close(&self) {
        let _ = self.window.close();
    }

    pub fn is_closed(&self) -> bool {
        self.window.closed().unwrap_or(true)
    }

    /// Whether the popup holds a cross-origin document (its location cannot be read): the provider's.
    fn is_cross_origin(&self) -> bool {
        self.window.location().href().is_err()
    }

    /// Look at the popup now and note what is seen; returns whether it reads closed.
    fn look(&self) -> bool {
        let now = monotonic();
        if self.is_closed() {
            if self.seen.closed_at.get().is_none() {
                self.seen.closed_at.set(Some(now));
            }
            return true;
        }
        if self.is_cross_origin() {
            // Without a pagehide (listening failed), the first sight of the provider's page is the commit.
            if self.seen.left_at.get().is_none() {
                self.seen.left_at.set(Some(now));
            }
            self.seen.open_at.set(Some(now));
        }
        false
    }

    /// Listen once to the blank document's `pagehide`, before anything navigates the popup. One task
    /// after it, a cross-origin location means the provider's page committed (a readable one: the window
    /// is closing, or went to a page of ours, which relays the answer itself). From the commit until
    /// [`HUMAN_MS`] after it the popup is looked at every [`WATCH_MS`], so that COOP's severing and a
    /// person's close are seen when they happen, not at the next 100 ms poll.
    fn watch_first_unload(&self) {
        let popup = self.clone();
        let on_pagehide = once(move || {
            let at = monotonic();
            popup.seen.unloading.set(true);
            let check = once(move || {
                popup.seen.unloading.set(false);
                // Chromium: the popup now holds the provider's cross-origin document, and COOP severs it a round
                // trip later. Firefox and WebKit sever it at the commit: the popup already reads closed, its location
                // readable. A blank popup a person closed reads the same there and cannot be told apart, so both
                // count as the commit: a COOP login goes on, and the person's close ends at the timeout.
                if !popup.is_cross_origin() && !popup.is_closed() {
                    return;
                }
                // The pagehide time is the commit, even if a poll saw the provider's page first.
                popup.seen.left_at.set(Some(at));
                popup.seen.lag.set((monotonic() - at).max(0.0));
                let until = at + popup.seen.human_ms() + f64::from(WATCH_MS);
                popup.watch_until(until);
            });
            later(0, &check);
        });
        listen_forever(&self.window, "pagehide", &on_pagehide);
    }

    /// Look every [`WATCH_MS`] until `until` or until the popup reads closed.
    fn watch_until(self, until: f64) {
        if self.look() {
            return;
        }
        if monotonic() >= until {
            return;
        }
        later(WATCH_MS, &once(move || self.watch_until(until)));
    }

    pub fn window(&self) -> &Window {
        &self.window
    }
}

/// Provider origins whose pages this page has seen stay open in a popup past [`SEVER_MS`], i.e. that
/// do not sever the opener with COOP. For them a popup that reads closed was closed by the user.
static WATCHABLE: PageLocal<TrapCell<Vec<String>>> = PageLocal::new(TrapCell::new(Vec::new()));

fn is_watchable(origin: &str) -> bool {
    WATCHABLE.with(|w| w.borrow().iter().any(|o| o == origin))
}

fn remember_watchable(origin: &str) {
    if !origin.is_empty() && !is_watchable(origin) {
        WATCHABLE.with(|w| w.borrow_mut().push(String::from(origin)));
    }
}

/// Write a popup flow's channel secret for `state` where the popup inherits it (call it before
/// [`Popup::open_blank`]); [`wait_for_callback`] removes it when the wait ends. `None` when this tab has no
/// `sessionStorage`: then no channel message is ever accepted (COOP-severed popups end at their timeout).
pub fn channel_secret(state: &str) -> Result<Option<Secret>> {
    let secret = crate::core::pkce::random_token(&super::crypto::random_array::<16>()?);
    let stored = super::storage::store(false, &channel_name(state), JsValue::from_str(&secret));
    Ok((stored.as_deref() == Some(secret.as_str())).then(|| Secret::from(secret)))
}

/// How to wait.
#[derive(Clone, Debug)]
pub struct WaitOptions {
    /// The state sent in the request: names the BroadcastChannel.
    pub state: Secret,
    /// The channel secret ([`channel_secret`]) a BroadcastChannel message must carry.
    pub channel_secret: Option<Secret>,
    /// The provider's origin (of its authorization endpoint), to remember whether its pages can be watched.
    pub provider_origin: String,
    pub timeout_seconds: u64,
    pub signal: Option<AbortSignal>,
}

/// The message's `url` if it has our shape.
fn callback_url(data: &JsValue) -> Option<String> {
    if get(data, "type").as_string().as_deref() != Some(MESSAGE_TYPE) {
        return None;
    }
    get(data, "url").as_string()
}

/// Everything that must be undone when the wait ends: the listeners, the channel and the timers, guards that undo
/// themselves when dropped.
#[derive(Default)]
struct Watch {
    _on_message: Option<Listener>,
    _channel: Option<Listener>,
    _interval: Option<Timer>,
    _timeout: Option<Timer>,
    _abort: Option<Listener>,
}

fn aborted(signal: &AbortSignal) -> Error {
    Error::new(ErrorCode::Aborted, "the login was aborted").with_cause(abort_reason(signal))
}

/// Wait for a shared flow's result, or leave when `signal` aborts (`aborted`). Used by a caller that
/// joins a popup flow someone else started: its own signal ends its own wait, the flow goes on for the rest.
pub fn abortable<T: Clone + 'static>(
    shared: Settle<Result<T>>,
    signal: Option<AbortSignal>,
) -> impl core::future::Future<Output = Result<T>> {
    let mine: Settle<Result<T>> = Settle::new();
    {
        let mine = mine.clone();
        super::task::spawn(async move {
            let result = shared.wait().await;
            mine.settle(result.unwrap_or_else(|| Err(Error::new(ErrorCode::PopupClosed, "the login flow ended without a result"))));
        });
    }
    let listener = signal.map(|s| {
        if is_aborted(&s) {
            mine.settle(Err(aborted(&s)));
        }
        let (mine, signal) = (mine.clone(), s.clone());
        Listener::new(&s, "abort", Box::new(move |_| {
            mine.settle(Err(aborted(&signal)));
        }))
    });
    async move {
        let result = mine.wait().await;
        drop(listener);
        result.unwrap_or_else(|| Err(Error::new(ErrorCode::PopupClosed, "the login flow ended without a result")))
    }
}

/// Wait for the popup's callback URL. The popup is closed whatever the outcome. The listeners and timers are
/// set when this is called (synchronously); the returned future waits for the first of them to answer.
pub fn wait_for_callback(popup: &Popup, opts: &WaitOptions) -> impl core::future::Future<Output = Result<String>> {
    let armed = arm(popup, opts);
    let popup = popup.clone();
    let secret_key = channel_name(opts.state.expose());
    async move {
        let outcome = match armed {
            Ok((done, watch)) => {
                let outcome = done.wait().await;
                drop(watch);
                outcome.unwrap_or_else(|| Err(Error::new(ErrorCode::PopupClosed, "the popup flow ended without an answer")))
            }
            Err(e) => Err(e),
        };
        popup.close();
        super::storage::store(false, &secret_key, JsValue::NULL);
        outcome
    }
}

/// Set every way the answer can arrive (or fail to): the result slot they settle, and the guard that undoes them.
fn arm(popup: &Popup, opts: &WaitOptions) -> Result<(Settle<Result<String>>, Watch)> {
    if let Some(signal) = &opts.signal {
        if is_aborted(signal) {
            return Err(aborted(signal));
        }
    }
    let w = window()?;
    let origin = origin_of(None);
    let done: Settle<Result<String>> = Settle::new();
    let mut watch = Watch::default();

    // 1. postMessage from the callback page in the popup: our origin AND that very window.
    {
        let done = done.clone();
        let popup_window: JsValue = popup.window.clone().into();
        let origin = origin.clone();
        let provider = opts.provider_origin.clone();
        watch._on_message = Some(Listener::new(&w, "message", Box::new(move |event| {
            // Read as members (one `Reflect.get` import for all) rather than through `MessageEvent`'s getters.
            let from_popup = Object::is(&get(&event, "source"), &popup_window);
            if get(&event, "origin").as_string().as_deref() != Some(origin.as_str()) || !from_popup {
                return;
            }
            if let Some(url) = callback_url(&get(&event, "data")) {
                // The answer came through window.opener: this provider does not sever popups with COOP.
                remember_watchable(&provider);
                done.settle(Ok(url));
            }
        })));
    }

    // 2. BroadcastChannel named with the state, for when COOP severed window.opener: taken only once the popup reads
    //    closed, and only with the flow's channel secret (see the module docs). Not only once the timing verdict
    //    says "COOP": a BroadcastChannel message is delivered once, and one refused while that verdict is still being
    //    made (a loaded machine, an engine that severs at the commit) would be lost for good.
    if let Some(secret) = opts.channel_secret.clone() {
        let done = done.clone();
        let state = opts.state.clone();
        let popup = popup.clone();
        watch._channel = Some(Listener::channel(&channel_name(opts.state.expose()), Box::new(move |event| {
            let data = get(&event, "data");
            let Some(url) = callback_url(&data) else { return };
            let sent = get(&data, "secret").as_string().unwrap_or_default();
            if !constant_time_eq(sent.as_bytes(), secret.expose().as_bytes()) {
                return;
            }
            let severed = popup.look();
            // The channel name already binds the state; a message for another state is not ours.
            let same_state = authorize::parse_callback(&url).ok().and_then(|p| p.state).is_some_and(|s| s == state.expose());
            if severed && same_state {
                done.settle(Ok(url));
            }
        })));
    }

    // 3. Poll `closed` (see the module docs for the COOP case).
    {
        let done = done.clone();
        let popup = popup.clone();
        let reported = Rc::new(Cell::new(false));
        let provider = opts.provider_origin.clone();
        watch._interval = Some(Timer::new(POLL_MS, true, Box::new(move || {
            if reported.get() || done.is_settled() {
                return;
            }
            if popup.seen.unloading.get() || !popup.look() {
                return; // (while unloading: the task after the blank page's pagehide judges first)
            }
            if popup.seen.verdict(is_watchable(&provider)) == ClosedBy::MaybeCoop {
                return; // severed by COOP right after the provider's page committed: only the channel can answer now
            }
            reported.set(true);
            // A message posted just before the window closed may still be queued: give it a moment.
            let done = done.clone();
            let late = once(move || {
                done.settle(Err(Error::new(ErrorCode::PopupClosed, "the popup was closed before the login finished")));
            });
            later(CLOSE_GRACE_MS, &late);
        })));
    }

    // 4. Timeout.
    {
        let done = done.clone();
        let ms = opts.timeout_seconds.saturating_mul(1000).min(i32::MAX as u64) as i32;
        watch._timeout = Some(Timer::new(ms, false, Box::new(move || {
            done.settle(Err(Error::new(ErrorCode::PopupTimeout, "the popup login did not finish in time")));
        })));
    }

    // 5. AbortSignal.
    if let Some(signal) = &opts.signal {
        let done = done.clone();
        let s = signal.clone();
        watch._abort = Some(Listener::new(signal, "abort", Box::new(move |_| {
            done.settle(Err(aborted(&s)));
        })));
    }

    Ok((done, watch))
}

/// On the popup's callback page: hand the provider's answer (this page's URL) to the window that
/// opened the popup, then close. Returns whether there was an answer to relay (exactly one non-empty
/// `state`).
///
/// The relay is `src/web/callback.js` (also the npm package's wasm-free `stepup/callback` entry): the
/// message goes to `window.opener` with our own origin as the target (never `"*"`: the URL holds the
/// authorization code), and also over the state's BroadcastChannel for when the opener reference was
/// severed by Cross-Origin-Opener-Policy; the opener takes the first that arrives and checks it.
pub fn relay_callback() -> Result<bool> {
    window()?; // a page, not a worker
    Ok(relay_callback_js())
}

#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/web/callback.js")]
extern "C" {
    #[wasm_bindgen(js_name = handlePopupCallback)]
    fn relay_callback_js() -> bool;
}
