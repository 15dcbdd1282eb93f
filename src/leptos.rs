//! [Leptos](https://leptos.dev) 0.8 adapter (feature `leptos`): client-side rendering, or server-side
//! rendering with hydration from one source.
//!
//! - [`provide_step_up`] puts a [`StepUpClient`] into the component tree and returns a [`StepUp`] handle;
//! - [`use_step_up`] gets that handle anywhere below: the [session as a signal](StepUp::session), the
//!   last [error](StepUp::error), whether a login is [pending](StepUp::pending), and
//!   [`require`](StepUp::require) / [`require_action`](StepUp::require_action) to demand a policy;
//! - [`RequireStepUp`] renders its children only while the session satisfies a policy, else its fallback
//!   (typically a button that calls `require`). It judges again when the session changes and when
//!   freshness (`max_age`) or the tokens run out.
//!
//! `StepUpClient` is `!Send` (it holds `Rc`s and JS values), so the handle keeps it in Leptos' local
//! (single-thread) storage; the handle itself is `Copy + Send + Sync` and goes into any closure. Your app
//! depends on `leptos` with the render mode it wants (`csr`; or `ssr` on the server and `hydrate` in the
//! browser); stepup does not choose one.
//!
//! ## Server-side rendering and hydration
//!
//! The module compiles for the server too (any target but wasm32), where there is no browser and no client:
//! [`use_step_up`] returns a handle whose session is "not known yet" ([`StepUp::known`] is `false`,
//! [`session`](StepUp::session) is `None`), and [`RequireStepUp`] renders its `fallback`, never its
//! children, with or without a provider. In the browser the handle reports "not known yet" on its first
//! render as well, so hydration finds exactly the HTML the server sent; an effect then reads the client's
//! session (before the browser paints: a client-side-rendered app shows no flash of the fallback).
//! `provide_step_up` and the operations that need a `StepUpClient` exist in the browser only: create the
//! client in the `hydrate` entry point and provide it around the app there.
//!
//! ## Server functions
//!
//! A `#[server(client = StepUpServerFnClient)]` function is called with the session's access token; when the
//! server answers with an RFC 9470 step-up challenge (`stepup_server::leptos::require_step_up` in the
//! function), the client steps up in a popup with the challenge's `acr_values` / `max_age` and calls once
//! more. On the server `StepUpServerFnClient` is Leptos' own client (never used there), so the attribute
//! compiles in the shared source.
//!
//! Popups may only open during the user's click: `require`, `login` and friends open the popup
//! synchronously, before they return, so call them directly in the event handler (not after an
//! `.await`). The whole app below, runnable, is in `examples/leptos`.
//!
//! ```no_run
//! use leptos::prelude::*;
//! use stepup::leptos::{provide_step_up, use_step_up, RequireStepUp};
//! use stepup::{ClientConfig, StepUpClient, StepUpPolicy};
//!
//! fn main() {
//!     // (Leptos' executor starts with `mount_to_body`; before it, spawn with wasm-bindgen-futures.)
//!     wasm_bindgen_futures::spawn_local(async {
//!         let config = ClientConfig::new("https://example.eu.auth0.com/", "my-client-id", "https://app.example/");
//!         let Ok(client) = StepUpClient::create(config).await else { return };
//!         leptos::mount::mount_to_body(move || view! { <App client/> });
//!     });
//! }
//!
//! #[component]
//! fn App(client: StepUpClient) -> impl IntoView {
//!     let step_up = provide_step_up(client);
//!     let mfa = StepUpPolicy { mfa: true, ..StepUpPolicy::default() };
//!     let acr = move || step_up.session().get().and_then(|s| s.acr).unwrap_or_default();
//!     view! {
//!         <button on:click=move |_| step_up.login()>"Sign in"</button>
//!         <p>"acr: " {acr}</p>
//!         <RequireStepUp policy=mfa.clone() fallback=move || view! { <StepUpButton policy=mfa.clone()/> }>
//!             <button>"Transfer 100 €"</button>
//!         </RequireStepUp>
//!     }
//! }
//!
//! #[component]
//! fn StepUpButton(policy: StepUpPolicy) -> impl IntoView {
//!     let step_up = use_step_up();
//!     view! {
//!         <button disabled=move || step_up.pending().get() on:click=move |_| step_up.require(policy.clone())>
//!             "Verify it's you"
//!         </button>
//!     }
//! }
//! ```

#[cfg(target_arch = "wasm32")]
use alloc::boxed::Box;
#[cfg(target_arch = "wasm32")]
use alloc::string::String;
#[cfg(target_arch = "wasm32")]
use core::time::Duration;

use ::leptos::prelude::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_futures::spawn_local;

use crate::core::error::{Error, Result};
use crate::core::policy::StepUpPolicy;
use crate::core::session::Session;
#[cfg(target_arch = "wasm32")]
use crate::web::client::{AuthorizeOptions, LocalFuture, RedirectResult, StepUpClient, StepUpOptions};
#[cfg(target_arch = "wasm32")]
use crate::web::util::now_seconds;

use crate::adapter;

// The browser half of a guarded server function: the client that answers its step-up challenge.
#[cfg(target_arch = "wasm32")]
#[path = "leptos_server_fn.rs"]
mod server_fn_client;
#[cfg(target_arch = "wasm32")]
pub use server_fn_client::{StepUpServerFnClient, StepUpServerFnResponse};
/// On the server a server function's client is never used (the function runs in place): Leptos' own, so
/// that `#[server(client = StepUpServerFnClient)]` compiles in the app's one source for both halves.
#[cfg(not(target_arch = "wasm32"))]
pub type StepUpServerFnClient = ::leptos::server_fn::client::browser::BrowserClient;

/// The step-up state of a component tree: the client, the session as a signal, pending logins and
/// the last error. `Copy`: capture it in as many closures as you like.
///
/// The handle follows the client with [`StepUpClient::on_session_change`]: [`session`](Self::session)
/// changes with every login, step-up, renewed token and logout, whether through this handle, the client
/// directly, or another tab (a logout there ends the session here, and guards fall back at once).
#[derive(Clone, Copy)]
pub struct StepUp {
    state: State,
    require: Action<StepUpPolicy, Result<Session>>,
}

impl core::fmt::Debug for StepUp {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StepUp").field("state", &self.state).finish_non_exhaustive()
    }
}

/// The signals behind a [`StepUp`] (all arena handles, so `Copy + Send + Sync`).
#[derive(Clone, Copy, Debug)]
struct State {
    #[cfg(target_arch = "wasm32")]
    client: StoredValue<Option<StepUpClient>, LocalStorage>,
    session: RwSignal<Option<Session>>,
    /// Whether the client's session has been read: never on the server, and not before the first render in
    /// the browser (so the first render after hydration is the server's).
    known: RwSignal<bool>,
    error: RwSignal<Option<Error>, LocalStorage>,
    in_flight: RwSignal<u32>,
    /// Bumped by the guards' timers: reading it makes a judgement depend on the passing of time.
    clock: RwSignal<u64>,
}

#[cfg(target_arch = "wasm32")]
/// Provide `client` to this component and everything below it; returns the handle that
/// [`use_step_up`] returns there. Call it in a component (it uses the reactive owner).
///
/// ```no_run
/// # use leptos::prelude::*;
/// # use stepup::leptos::provide_step_up;
/// #[component]
/// fn App(client: stepup::StepUpClient) -> impl IntoView {
///     let step_up = provide_step_up(client);
///     view! { <p>{move || if step_up.session().get().is_some() { "signed in" } else { "signed out" }}</p> }
/// }
/// ```
pub fn provide_step_up(client: StepUpClient) -> StepUp {
    StepUpServerFnClient::use_client(client.clone());
    let step_up = StepUp::new(Some(client));
    provide_context(step_up);
    step_up
}

/// The handle [`provide_step_up`] provided above this component.
///
/// Without a provider it returns a handle with no client (in the browser it also logs a console warning):
/// its session is not known and `None`, nothing is satisfied, and every operation fails with
/// `invalid_config`. It never panics. On the server that is the normal case.
pub fn use_step_up() -> StepUp {
    use_context::<StepUp>().unwrap_or_else(|| {
        #[cfg(target_arch = "wasm32")]
        {
            web_sys::console::warn_1(&"stepup: use_step_up() without provide_step_up() above it".into());
            StepUp::new(None)
        }
        #[cfg(not(target_arch = "wasm32"))]
        StepUp::new()
    })
}

#[cfg(target_arch = "wasm32")]
/// Counts a flow as pending while it lives; decrements on drop, so a future that is dropped
/// unfinished does not leave `pending` stuck at `true`.
struct InFlight(State);

#[cfg(target_arch = "wasm32")]
impl InFlight {
    fn start(state: State) -> InFlight {
        state.in_flight.update(|n| *n = n.saturating_add(1));
        state.error.set(None);
        InFlight(state)
    }
}

#[cfg(target_arch = "wasm32")]
impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.try_update(|n| *n = n.saturating_sub(1));
    }
}

#[cfg(target_arch = "wasm32")]
impl State {
    fn client(&self) -> Option<StepUpClient> {
        self.client.try_get_value().flatten()
    }

    fn refresh(&self) {
        let session = self.client().and_then(|c| c.session());
        self.session.try_set(session);
    }

    /// Count `flow` as pending until it ends, then take the session from the client (which replaced
    /// it only if every check passed) and keep the error if there was one.
    fn track(self, flow: LocalFuture<Result<Session>>) -> LocalFuture<Result<Session>> {
        let pending = InFlight::start(self);
        Box::pin(async move {
            let result = flow.await;
            drop(pending);
            self.settle(result.as_ref().err());
            result
        })
    }

    fn settle(&self, error: Option<&Error>) {
        self.refresh();
        if let Some(e) = error {
            self.error.try_set(Some(e.clone()));
        }
    }

    fn require_step_up(self, policy: &StepUpPolicy, options: StepUpOptions) -> LocalFuture<Result<Session>> {
        let Some(client) = self.client() else { return ready(Err(adapter::no_client())) };
        let flow = client.require_step_up(policy, options);
        self.track(flow)
    }
}

impl StepUp {
    #[cfg(target_arch = "wasm32")]
    fn new(client: Option<StepUpClient>) -> StepUp {
        let state = State {
            session: RwSignal::new(client.as_ref().and_then(StepUpClient::session)),
            known: RwSignal::new(false),
            client: StoredValue::new_local(client),
            error: RwSignal::new_local(None),
            in_flight: RwSignal::new(0),
            clock: RwSignal::new(0),
        };
        if let Some(c) = state.client() {
            // Kept in the owner's arena: dropped (unsubscribed) when the owner is cleaned up.
            let listener = c.on_session_change(move |s| {
                state.session.try_set(s.cloned());
            });
            let _ = StoredValue::new_local(listener);
            // Effects run after the first render (hydration included) and before the browser paints: the
            // first render agrees with the server's HTML, the next one shows the real session.
            let known = state.known;
            Effect::new(move |_| {
                known.try_set(true);
            });
        }
        // The action's closure runs synchronously inside `dispatch`, so the popup opens in the click.
        let require = Action::new_local(move |policy: &StepUpPolicy| state.require_step_up(policy, StepUpOptions::default()));
        StepUp { state, require }
    }

    /// The server's handle: no client, nothing known.
    #[cfg(not(target_arch = "wasm32"))]
    fn new() -> StepUp {
        let state = State {
            session: RwSignal::new(None),
            known: RwSignal::new(false),
            error: RwSignal::new_local(None),
            in_flight: RwSignal::new(0),
            clock: RwSignal::new(0),
        };
        let require = Action::new_local(|_: &StepUpPolicy| core::future::ready(Err(adapter::no_client())));
        StepUp { state, require }
    }

    /// The client, or `None` when there is no provider.
    #[cfg(target_arch = "wasm32")]
    pub fn client(&self) -> Option<StepUpClient> {
        self.state.client()
    }

    /// Whether the session is known: `false` on the server and on the first render in the browser (so that
    /// hydration finds the server's HTML), `true` once the client's session has been read.
    pub fn known(&self) -> Signal<bool> {
        self.state.known.into()
    }

    /// The current session (the last login that passed every check), as a signal; `None` while it is not
    /// [known](Self::known).
    pub fn session(&self) -> Signal<Option<Session>> {
        let (known, session) = (self.state.known, self.state.session);
        Signal::derive(move || if known.try_get().unwrap_or(false) { session.try_get().flatten() } else { None })
    }

    /// The error of the last operation started through this handle; cleared when the next starts.
    /// For example `popup_closed` when the user closed the popup, `amr_not_satisfied` when the
    /// provider did not deliver the factor asked for.
    pub fn error(&self) -> ReadSignal<Option<Error>, LocalStorage> {
        self.state.error.read_only()
    }

    /// Whether a login or step-up started through this handle is still running.
    pub fn pending(&self) -> Signal<bool> {
        let in_flight = self.state.in_flight;
        Signal::derive(move || in_flight.try_get().unwrap_or(0) > 0)
    }

    /// Whether the session satisfies `policy` now (reactive: tracks the session, and the clock the
    /// [`RequireStepUp`] guards keep). The same decision [`StepUpClient::require_step_up`] makes.
    ///
    /// Not known yet (the server, the first render in the browser) satisfies nothing.
    pub fn satisfies(&self, policy: &StepUpPolicy) -> bool {
        self.state.clock.track();
        // `try_`: a handle that outlived its provider answers "no" instead of panicking.
        if !self.state.known.try_get().unwrap_or(false) {
            return false;
        }
        #[cfg(target_arch = "wasm32")]
        {
            let client = self.client();
            self.state.session.try_with(|s| adapter::judge(client.as_ref(), s.as_ref(), policy, now_seconds()).satisfied).unwrap_or(false)
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            let _ = policy;
            false
        }
    }

    /// Require `policy` (a popup step-up when the session does not satisfy it). Call it directly in a
    /// click handler. The outcome lands in [`session`](Self::session) / [`error`](Self::error), and
    /// in [`require_action`](Self::require_action)'s value. On the server (no clicks there) it only
    /// records the `invalid_config` error.
    pub fn require(&self, policy: StepUpPolicy) {
        #[cfg(target_arch = "wasm32")]
        self.require.dispatch_local(policy);
        #[cfg(not(target_arch = "wasm32"))]
        {
            let _ = policy;
            self.state.error.try_set(Some(adapter::no_client()));
        }
    }

    /// The Leptos [`Action`] behind [`require`](Self::require): its `pending()`, `input()` and
    /// `value()` (the `Result` of the last step-up) are signals. Dispatch with `dispatch_local`.
    ///
    /// ```no_run
    /// # use leptos::prelude::*;
    /// # use stepup::{leptos::use_step_up, StepUpPolicy};
    /// # #[component] fn Transfer() -> impl IntoView {
    /// let step_up = use_step_up();
    /// let require = step_up.require_action();
    /// let policy = StepUpPolicy { mfa: true, max_age: Some(300), ..StepUpPolicy::default() };
    /// view! {
    ///     <button on:click=move |_| { require.dispatch_local(policy.clone()); }>"Confirm"</button>
    ///     <Show when=move || require.pending().get()>"Waiting for the popup…"</Show>
    /// }
    /// # }
    /// ```
    pub fn require_action(&self) -> Action<StepUpPolicy, Result<Session>> {
        self.require
    }

    #[cfg(target_arch = "wasm32")]
    /// [`StepUpClient::require_step_up`] through this handle: opens the popup now (or navigates away in
    /// redirect mode), returns the future of the session, and keeps the signals up to date.
    pub fn require_step_up(&self, policy: &StepUpPolicy, options: StepUpOptions) -> LocalFuture<Result<Session>> {
        self.state.require_step_up(policy, options)
    }

    /// Sign in with a popup at whatever level the provider does by default (no `acr_values`). Call it
    /// directly in a click handler; the outcome lands in [`session`](Self::session) / [`error`](Self::error).
    /// On the server it only records the `invalid_config` error.
    pub fn login(&self) {
        #[cfg(target_arch = "wasm32")]
        spawn_local(drop_result(self.login_with_popup(AuthorizeOptions::default())));
        #[cfg(not(target_arch = "wasm32"))]
        self.state.error.try_set(Some(adapter::no_client()));
    }

    #[cfg(target_arch = "wasm32")]
    /// [`StepUpClient::login_with_popup`] through this handle (opens the popup now).
    pub fn login_with_popup(&self, options: AuthorizeOptions) -> LocalFuture<Result<Session>> {
        let Some(client) = self.client() else { return ready(Err(adapter::no_client())) };
        let flow = client.login_with_popup(options, None);
        self.state.track(flow)
    }

    #[cfg(target_arch = "wasm32")]
    /// [`StepUpClient::login_with_redirect`]: the tab leaves for the provider.
    pub fn login_with_redirect(&self, options: AuthorizeOptions, app_state: Option<String>) -> Result<()> {
        let client = self.client().ok_or_else(adapter::no_client)?;
        client.login_with_redirect(options, app_state)
    }

    #[cfg(target_arch = "wasm32")]
    /// [`StepUpClient::handle_redirect_callback`], then updates the session signal.
    pub async fn handle_redirect_callback(&self, url: Option<String>) -> Result<RedirectResult> {
        let client = self.client().ok_or_else(adapter::no_client)?;
        let pending = InFlight::start(self.state);
        let result = client.handle_redirect_callback(url).await;
        drop(pending);
        self.state.settle(result.as_ref().err());
        result
    }

    #[cfg(target_arch = "wasm32")]
    /// [`StepUpClient::fetch`] (Bearer token, RFC 9470 step-up and one retry), then updates the session
    /// signal, which a step-up inside may have changed.
    pub async fn fetch(&self, request: web_sys::Request) -> Result<web_sys::Response> {
        let client = self.client().ok_or_else(adapter::no_client)?;
        let result = client.fetch(request).await;
        self.state.refresh();
        result
    }

    /// Forget the session ([`StepUpClient::logout`]: RP-initiated logout when the provider has an
    /// `end_session_endpoint`, which navigates away).
    pub fn logout(&self, return_to: Option<&str>) -> Result<()> {
        #[cfg(target_arch = "wasm32")]
        {
            let client = self.client().ok_or_else(adapter::no_client)?;
            let result = client.logout(return_to);
            self.state.refresh();
            result
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            let _ = return_to;
            Err(adapter::no_client())
        }
    }

    /// Read the session from the client again. Not needed: the handle follows every change of the client's
    /// session by itself (`on_session_change`); kept for existing code.
    pub fn refresh(&self) {
        #[cfg(target_arch = "wasm32")]
        self.state.refresh();
    }
}

#[cfg(target_arch = "wasm32")]
fn ready<T: 'static>(value: T) -> LocalFuture<T> {
    Box::pin(core::future::ready(value))
}

#[cfg(target_arch = "wasm32")]
async fn drop_result(flow: LocalFuture<Result<Session>>) {
    let _ = flow.await;
}

/// Renders `children` while the session satisfies `policy`, else `fallback` (default: nothing). On the
/// server, and on the first render in the browser, the session is not known yet: `fallback`.
///
/// It judges again when the session changes, and arms a timer for the moment the answer may change
/// (the tokens expire, or `auth_time` becomes older than the policy's `max_age`).
///
/// ```no_run
/// # use leptos::prelude::*;
/// # use stepup::{leptos::{use_step_up, RequireStepUp}, StepUpPolicy};
/// # #[component] fn Settings() -> impl IntoView {
/// let step_up = use_step_up();
/// let policy = StepUpPolicy { mfa: true, max_age: Some(600), ..StepUpPolicy::default() };
/// let p = policy.clone();
/// view! {
///     <RequireStepUp policy fallback=move || {
///         let p = p.clone();
///         view! { <button on:click=move |_| step_up.require(p.clone())>"Verify to see your keys"</button> }
///     }>
///         <ApiKeys/>
///     </RequireStepUp>
/// }
/// # }
/// # #[component] fn ApiKeys() -> impl IntoView { "keys" }
/// ```
#[component]
pub fn RequireStepUp(
    /// What the session must satisfy (a plain [`StepUpPolicy`] or a signal of one).
    #[prop(into)]
    policy: Signal<StepUpPolicy>,
    /// Shown while the policy is not satisfied.
    #[prop(optional, into)]
    fallback: ViewFn,
    /// Shown while the policy is satisfied.
    children: ChildrenFn,
) -> impl IntoView {
    let step_up = use_step_up();
    // Re-judge when the answer may change with time: one timer at a time, cleared on re-run and unmount.
    #[cfg(target_arch = "wasm32")]
    Effect::new(move |_| {
        step_up.state.clock.track();
        let client = step_up.client();
        let now = now_seconds();
        let judgement = policy
            .try_with(|p| step_up.state.session.try_with(|s| adapter::judge(client.as_ref(), s.as_ref(), p, now)))
            .flatten()
            .unwrap_or_default();
        if let Some(at) = judgement.recheck_at {
            let delay = Duration::from_millis(u64::from(adapter::delay_ms(at, now)));
            let clock = step_up.state.clock;
            if let Ok(handle) = set_timeout_with_handle(move || { clock.try_update(|n| *n = n.wrapping_add(1)); }, delay) {
                on_cleanup(move || handle.clear());
            }
        }
    });
    let satisfied = Memo::new(move |_| policy.try_with(|p| step_up.satisfies(p)).unwrap_or(false));
    move || if satisfied.try_get().unwrap_or(false) { children() } else { fallback.run() }
}
