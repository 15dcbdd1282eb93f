//! [Yew](https://yew.rs) 0.23 adapter (feature `yew`): client-side rendering, or server-side rendering
//! with hydration from one source.
//!
//! - [`StepUpProvider`] puts a [`StepUpClient`] into the component tree (a Yew context);
//! - the [`use_step_up`] hook returns a [`StepUpHandle`]: the session, the last error, whether a login is
//!   pending, and [`require`](StepUpHandle::require) to demand a policy;
//! - [`RequireStepUp`] renders its children only while the session satisfies a policy, else its
//!   `fallback` (typically a button that calls `require`). It renders again when the session changes
//!   and when freshness (`max_age`) or the tokens run out.
//!
//! Your app depends on `yew` with the render mode it wants (`csr`; or `ssr` on the server and `hydration`
//! in the browser); stepup does not choose one.
//!
//! On the server (any target but wasm32) there is no browser and no client: [`use_step_up`] returns a
//! handle whose session is "not known yet" ([`StepUpHandle::known`] is `false`), and [`RequireStepUp`]
//! renders its `fallback`, never its children. In the browser the provider's first render reports "not
//! known yet" too, so hydration finds the server's HTML; an effect then reads the client's session.
//! [`StepUpProvider`] and the operations that need a `StepUpClient` exist in the browser only.
//!
//! Popups may only open during the user's click: `require`, `login` and friends open the popup
//! synchronously, before they return, so call them directly in the callback (not after an `.await`).
//!
//! Create the client first (discovery is async), then mount a root that provides it; in `main`:
//! `yew::Renderer::<Root>::with_props(RootProps { client }).render()` (yew's `csr` feature). The whole
//! app is in `examples/yew`.
//!
//! ```no_run
//! use stepup::yew::{use_step_up, RequireStepUp, StepUpProvider};
//! use stepup::{ClientConfig, StepUpClient, StepUpPolicy};
//! use yew::prelude::*;
//!
//! async fn client() -> stepup::Result<StepUpClient> {
//!     let config = ClientConfig::new("https://example.eu.auth0.com/", "my-client-id", "https://app.example/");
//!     StepUpClient::create(config).await
//! }
//!
//! #[derive(Properties)]
//! struct RootProps {
//!     client: StepUpClient,
//! }
//!
//! impl PartialEq for RootProps {
//!     fn eq(&self, other: &Self) -> bool {
//!         stepup::yew::same_client(&self.client, &other.client)
//!     }
//! }
//!
//! #[function_component]
//! fn Root(props: &RootProps) -> Html {
//!     html! { <StepUpProvider client={props.client.clone()}><App /></StepUpProvider> }
//! }
//!
//! #[function_component]
//! fn App() -> Html {
//!     let step_up = use_step_up();
//!     let mfa = StepUpPolicy { mfa: true, ..StepUpPolicy::default() };
//!     let sign_in = { let s = step_up.clone(); Callback::from(move |_| s.login()) };
//!     let verify = { let s = step_up.clone(); let p = mfa.clone(); Callback::from(move |_| s.require(p.clone())) };
//!     let acr = step_up.session().and_then(|s| s.acr.clone()).unwrap_or_default();
//!     html! {
//!         <>
//!             <button onclick={sign_in}>{ "Sign in" }</button>
//!             <p>{ "acr: " }{ acr }</p>
//!             <RequireStepUp policy={mfa} fallback={html! { <button onclick={verify}>{ "Verify it's you" }</button> }}>
//!                 <button>{ "Transfer 100 €" }</button>
//!             </RequireStepUp>
//!         </>
//!     }
//! }
//! ```

#[cfg(target_arch = "wasm32")]
use alloc::boxed::Box;
use alloc::rc::Rc;
#[cfg(target_arch = "wasm32")]
use alloc::string::String;
#[cfg(target_arch = "wasm32")]
use core::cell::Cell;
#[cfg(target_arch = "wasm32")]
use core::time::Duration;

use ::yew::prelude::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_futures::spawn_local;

use crate::core::error::Error;
#[cfg(target_arch = "wasm32")]
use crate::core::error::Result;
use crate::core::policy::StepUpPolicy;
use crate::core::session::Session;
#[cfg(target_arch = "wasm32")]
use crate::web::client::{AuthorizeOptions, LocalFuture, RedirectResult, StepUpClient, StepUpOptions};
#[cfg(target_arch = "wasm32")]
use crate::web::util::now_seconds;

use crate::adapter;

#[cfg(target_arch = "wasm32")]
/// Whether `a` and `b` are the same client (clones share their state). `StepUpClient` has no
/// `PartialEq`; Yew props that carry one can compare with this.
pub fn same_client(a: &StepUpClient, b: &StepUpClient) -> bool {
    a == b
}

#[cfg(target_arch = "wasm32")]
fn same_optional_client(a: Option<&StepUpClient>, b: Option<&StepUpClient>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same_client(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// What the provider renders from.
#[derive(Clone, Debug, Default, PartialEq)]
struct State {
    /// Whether the client's session has been read: never on the server, and not on the provider's first
    /// render (so the first render after hydration is the server's).
    known: bool,
    session: Option<Session>,
    error: Option<Error>,
    in_flight: u32,
}

// On the server nothing happens after the first render: only the browser sends these.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
enum Msg {
    /// A flow began: count it, forget the last error.
    Started,
    /// A flow ended: the client's session now, and the flow's error if it failed.
    Ended { session: Option<Session>, error: Option<Error> },
    /// The client's session now (after a call that may have changed it): from then on it is known.
    Session(Option<Session>),
}

impl Reducible for State {
    type Action = Msg;

    fn reduce(self: Rc<Self>, msg: Msg) -> Rc<Self> {
        let mut next = (*self).clone();
        match msg {
            Msg::Started => {
                next.in_flight = next.in_flight.saturating_add(1);
                next.error = None;
            }
            Msg::Ended { session, error } => {
                next.in_flight = next.in_flight.saturating_sub(1);
                next.session = session;
                if error.is_some() {
                    next.error = error;
                }
            }
            Msg::Session(session) => {
                next.session = session;
                next.known = true;
            }
        }
        if next == *self {
            self
        } else {
            Rc::new(next)
        }
    }
}

/// The step-up state of a component tree, from [`use_step_up`]. Cheap to clone; clone it into
/// callbacks.
///
/// The provider follows the client with [`StepUpClient::on_session_change`]: the tree re-renders with every
/// login, step-up, renewed token and logout, whether through this handle, the client directly, or another
/// tab (a logout there ends the session here, and guards fall back at once).
#[derive(Clone)]
pub struct StepUpHandle {
    #[cfg(target_arch = "wasm32")]
    client: Option<StepUpClient>,
    /// The state as of the provider's render. A snapshot, not the reducer handle: that one reads the
    /// live state, so the context would always compare equal and consumers would never re-render.
    state: Rc<State>,
    /// `None` without a provider.
    #[cfg(target_arch = "wasm32")]
    dispatcher: Option<UseReducerDispatcher<State>>,
}

impl PartialEq for StepUpHandle {
    fn eq(&self, other: &Self) -> bool {
        #[cfg(target_arch = "wasm32")]
        if !same_optional_client(self.client.as_ref(), other.client.as_ref()) {
            return false;
        }
        self.state == other.state
    }
}

impl core::fmt::Debug for StepUpHandle {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        #[cfg(target_arch = "wasm32")]
        let client = self.client.is_some();
        #[cfg(not(target_arch = "wasm32"))]
        let client = false;
        f.debug_struct("StepUpHandle").field("client", &client).field("state", &self.state).finish()
    }
}

#[cfg(target_arch = "wasm32")]
/// Ends a flow when dropped (finished or abandoned), so `pending` never stays stuck.
struct InFlight {
    client: StepUpClient,
    dispatcher: UseReducerDispatcher<State>,
    error: Option<Error>,
}

#[cfg(target_arch = "wasm32")]
impl Drop for InFlight {
    fn drop(&mut self) {
        self.dispatcher.dispatch(Msg::Ended { session: self.client.session(), error: self.error.take() });
    }
}

#[cfg(target_arch = "wasm32")]
fn ready<T: 'static>(value: T) -> LocalFuture<T> {
    Box::pin(core::future::ready(value))
}

impl StepUpHandle {
    /// The client, or `None` without a [`StepUpProvider`] above.
    #[cfg(target_arch = "wasm32")]
    pub fn client(&self) -> Option<&StepUpClient> {
        self.client.as_ref()
    }

    /// Whether the session is known: `false` on the server and on the provider's first render (so that
    /// hydration finds the server's HTML), `true` once the client's session has been read.
    pub fn known(&self) -> bool {
        self.state.known
    }

    /// The current session (the last login that passed every check) as of this render; `None` while it is
    /// not [known](Self::known).
    pub fn session(&self) -> Option<&Session> {
        self.state.session.as_ref().filter(|_| self.state.known)
    }

    /// The error of the last operation started through a handle of this provider; cleared when the next
    /// starts. For example `popup_closed` when the user closed the popup.
    pub fn error(&self) -> Option<&Error> {
        self.state.error.as_ref()
    }

    /// Whether a login or step-up is running.
    pub fn pending(&self) -> bool {
        self.state.in_flight > 0
    }

    /// Whether the session satisfies `policy` now: the decision [`StepUpClient::require_step_up`] makes.
    /// Not known yet (the server, the provider's first render) satisfies nothing.
    pub fn satisfies(&self, policy: &StepUpPolicy) -> bool {
        #[cfg(target_arch = "wasm32")]
        return adapter::judge(self.client(), self.session(), policy, now_seconds()).satisfied;
        #[cfg(not(target_arch = "wasm32"))]
        {
            let _ = policy;
            false
        }
    }

    /// Require `policy` (a popup step-up when the session does not satisfy it). Call it directly in a
    /// click callback; the outcome re-renders the tree ([`session`](Self::session), [`error`](Self::error)).
    /// On the server (no clicks there) it does nothing.
    pub fn require(&self, policy: StepUpPolicy) {
        #[cfg(target_arch = "wasm32")]
        spawn_local(drop_result(self.require_step_up(&policy, StepUpOptions::default())));
        #[cfg(not(target_arch = "wasm32"))]
        let _ = policy;
    }

    /// [`StepUpClient::require_step_up`] through this handle: opens the popup now (or navigates away in
    /// redirect mode) and returns the future of the session; the tree re-renders when it ends.
    #[cfg(target_arch = "wasm32")]
    ///
    /// ```no_run
    /// # use stepup::{yew::use_step_up, StepUpOptions, StepUpPolicy};
    /// # use yew::prelude::*;
    /// #[function_component]
    /// fn Confirm() -> Html {
    ///     let step_up = use_step_up();
    ///     let onclick = Callback::from(move |_| {
    ///         let policy = StepUpPolicy { mfa: true, max_age: Some(300), ..StepUpPolicy::default() };
    ///         let flow = step_up.require_step_up(&policy, StepUpOptions::default()); // the popup opens here
    ///         wasm_bindgen_futures::spawn_local(async move {
    ///             if let Ok(session) = flow.await {
    ///                 // call the API with session.access_token
    ///             }
    ///         });
    ///     });
    ///     html! { <button {onclick}>{ "Confirm" }</button> }
    /// }
    /// ```
    pub fn require_step_up(&self, policy: &StepUpPolicy, options: StepUpOptions) -> LocalFuture<Result<Session>> {
        let Some(client) = &self.client else { return ready(Err(adapter::no_client())) };
        let flow = client.require_step_up(policy, options);
        self.track(flow)
    }

    /// Sign in with a popup at the provider's default level (no `acr_values`). Call it directly in a
    /// click callback. On the server it does nothing.
    pub fn login(&self) {
        #[cfg(target_arch = "wasm32")]
        spawn_local(drop_result(self.login_with_popup(AuthorizeOptions::default())));
    }

    #[cfg(target_arch = "wasm32")]
    /// [`StepUpClient::login_with_popup`] through this handle (opens the popup now).
    pub fn login_with_popup(&self, options: AuthorizeOptions) -> LocalFuture<Result<Session>> {
        let Some(client) = &self.client else { return ready(Err(adapter::no_client())) };
        let flow = client.login_with_popup(options, None);
        self.track(flow)
    }

    #[cfg(target_arch = "wasm32")]
    /// [`StepUpClient::login_with_redirect`]: the tab leaves for the provider.
    pub fn login_with_redirect(&self, options: AuthorizeOptions, app_state: Option<String>) -> Result<()> {
        let client = self.client.as_ref().ok_or_else(adapter::no_client)?;
        client.login_with_redirect(options, app_state)
    }

    #[cfg(target_arch = "wasm32")]
    /// [`StepUpClient::handle_redirect_callback`]; the tree re-renders with the new session.
    pub async fn handle_redirect_callback(&self, url: Option<String>) -> Result<RedirectResult> {
        let client = self.client.clone().ok_or_else(adapter::no_client)?;
        let mut pending = self.start(&client);
        let result = client.handle_redirect_callback(url).await;
        if let (Some(p), Err(e)) = (pending.as_mut(), &result) {
            p.error = Some(e.clone());
        }
        drop(pending);
        result
    }

    #[cfg(target_arch = "wasm32")]
    /// [`StepUpClient::fetch`] (Bearer token, RFC 9470 step-up and one retry); the tree re-renders if
    /// a step-up inside changed the session.
    pub async fn fetch(&self, request: web_sys::Request) -> Result<web_sys::Response> {
        let client = self.client.clone().ok_or_else(adapter::no_client)?;
        let result = client.fetch(request).await;
        self.refresh();
        result
    }

    /// Forget the session ([`StepUpClient::logout`]: RP-initiated logout when the provider has an
    /// `end_session_endpoint`, which navigates away).
    pub fn logout(&self, return_to: Option<&str>) -> crate::core::error::Result<()> {
        #[cfg(target_arch = "wasm32")]
        {
            let client = self.client.as_ref().ok_or_else(adapter::no_client)?;
            let result = client.logout(return_to);
            self.refresh();
            result
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            let _ = return_to;
            Err(adapter::no_client())
        }
    }

    /// Read the session from the client again. Not needed: the provider follows every change of the
    /// client's session by itself (`on_session_change`); kept for existing code.
    pub fn refresh(&self) {
        #[cfg(target_arch = "wasm32")]
        if let (Some(client), Some(dispatcher)) = (&self.client, &self.dispatcher) {
            dispatcher.dispatch(Msg::Session(client.session()));
        }
    }

    #[cfg(target_arch = "wasm32")]
    fn start(&self, client: &StepUpClient) -> Option<InFlight> {
        let dispatcher = self.dispatcher.clone()?;
        dispatcher.dispatch(Msg::Started);
        Some(InFlight { client: client.clone(), dispatcher, error: None })
    }

    #[cfg(target_arch = "wasm32")]
    fn track(&self, flow: LocalFuture<Result<Session>>) -> LocalFuture<Result<Session>> {
        let Some(client) = &self.client else { return flow };
        let Some(mut pending) = self.start(client) else { return flow };
        Box::pin(async move {
            let result = flow.await;
            if let Err(e) = &result {
                pending.error = Some(e.clone());
            }
            drop(pending);
            result
        })
    }
}

#[cfg(target_arch = "wasm32")]
async fn drop_result(flow: LocalFuture<Result<Session>>) {
    let _ = flow.await;
}

#[cfg(target_arch = "wasm32")]
/// Properties of [`StepUpProvider`].
#[derive(Properties, Clone)]
pub struct StepUpProviderProps {
    /// The client every [`use_step_up`] below uses.
    pub client: StepUpClient,
    #[prop_or_default]
    pub children: Html,
}

#[cfg(target_arch = "wasm32")]
impl PartialEq for StepUpProviderProps {
    fn eq(&self, other: &Self) -> bool {
        same_client(&self.client, &other.client) && self.children == other.children
    }
}

/// Provides `client` to its children: [`use_step_up`] and [`RequireStepUp`] below use it.
///
/// ```no_run
/// # use stepup::{yew::StepUpProvider, StepUpClient};
/// # use yew::prelude::*;
/// # #[function_component] fn App() -> Html { html! {} }
/// # fn root(client: StepUpClient) -> Html {
/// html! { <StepUpProvider {client}><App /></StepUpProvider> }
/// # }
/// ```
#[cfg(target_arch = "wasm32")]
#[function_component]
pub fn StepUpProvider(props: &StepUpProviderProps) -> Html {
    let client = props.client.clone();
    // Not known on the first render (the server's, when hydrating); the effect below reads the session.
    let state = use_reducer(|| State { session: client.session(), ..State::default() });
    {
        // A different client: take its session, and follow its changes until the next one (or unmount).
        let dispatcher = state.dispatcher();
        let client = ClientKey(props.client.clone());
        use_effect_with(client, move |c| {
            dispatcher.dispatch(Msg::Session(c.0.session()));
            let listener = c.0.on_session_change(move |s| dispatcher.dispatch(Msg::Session(s.cloned())));
            move || drop(listener)
        });
    }
    let handle = StepUpHandle {
        client: Some(props.client.clone()),
        state: Rc::new((*state).clone()),
        dispatcher: Some(state.dispatcher()),
    };
    html! {
        <ContextProvider<StepUpHandle> context={handle}>{ props.children.clone() }</ContextProvider<StepUpHandle>>
    }
}

#[cfg(target_arch = "wasm32")]
/// A client compared by identity, as a hook dependency.
struct ClientKey(StepUpClient);

#[cfg(target_arch = "wasm32")]
impl PartialEq for ClientKey {
    fn eq(&self, other: &Self) -> bool {
        same_client(&self.0, &other.0)
    }
}

/// The [`StepUpHandle`] of the nearest [`StepUpProvider`].
///
/// Without a provider it returns a handle with no client (in the browser it also logs a console warning):
/// its session is not known and `None`, nothing is satisfied, and every operation fails with
/// `invalid_config`. It never panics. On the server that is the normal case.
#[hook]
pub fn use_step_up() -> StepUpHandle {
    let handle = use_context::<StepUpHandle>();
    handle.unwrap_or_else(|| {
        #[cfg(target_arch = "wasm32")]
        {
            web_sys::console::warn_1(&"stepup: use_step_up() without a <StepUpProvider> above it".into());
            StepUpHandle { client: None, state: Rc::default(), dispatcher: None }
        }
        #[cfg(not(target_arch = "wasm32"))]
        StepUpHandle { state: Rc::default() }
    })
}

/// Properties of [`RequireStepUp`].
#[derive(Properties, Clone, PartialEq)]
pub struct RequireStepUpProps {
    /// What the session must satisfy.
    pub policy: StepUpPolicy,
    /// Shown while the policy is not satisfied.
    #[prop_or_default]
    pub fallback: Html,
    /// Shown while the policy is satisfied.
    #[prop_or_default]
    pub children: Html,
}

/// Renders `children` while the session satisfies `policy`, else `fallback` (default: nothing). On the
/// server, and on the provider's first render in the browser, the session is not known yet: `fallback`.
///
/// It renders again when the session changes, and arms a timer for the moment the answer may change
/// (the tokens expire, or `auth_time` becomes older than the policy's `max_age`).
///
/// ```no_run
/// # use stepup::{yew::{use_step_up, RequireStepUp}, StepUpPolicy};
/// # use yew::prelude::*;
/// #[function_component]
/// fn Settings() -> Html {
///     let step_up = use_step_up();
///     let policy = StepUpPolicy { mfa: true, max_age: Some(600), ..StepUpPolicy::default() };
///     let verify = { let p = policy.clone(); Callback::from(move |_| step_up.require(p.clone())) };
///     html! {
///         <RequireStepUp {policy} fallback={html! { <button onclick={verify}>{ "Verify to see your keys" }</button> }}>
///             <p>{ "sk_live_…" }</p>
///         </RequireStepUp>
///     }
/// }
/// ```
#[function_component]
pub fn RequireStepUp(props: &RequireStepUpProps) -> Html {
    let step_up = use_step_up();
    #[cfg(not(target_arch = "wasm32"))]
    let satisfied = step_up.satisfies(&props.policy);
    #[cfg(target_arch = "wasm32")]
    let tick = use_state(|| 0_u64);
    #[cfg(target_arch = "wasm32")]
    let now = now_seconds();
    #[cfg(target_arch = "wasm32")]
    let judgement = adapter::judge(step_up.client(), step_up.session(), &props.policy, now);
    #[cfg(target_arch = "wasm32")]
    let satisfied = judgement.satisfied;
    #[cfg(target_arch = "wasm32")]
    {
        // One timer for the moment the answer may change; cancelled when the deadline changes or on unmount.
        let setter = tick.setter();
        let next = tick.wrapping_add(1);
        use_effect_with((judgement.recheck_at, *tick), move |(at, _)| {
            let cancelled = Rc::new(Cell::new(false));
            if let Some(at) = *at {
                let delay = Duration::from_millis(u64::from(adapter::delay_ms(at, now_seconds())));
                let cancelled = cancelled.clone();
                spawn_local(async move {
                    ::yew::platform::time::sleep(delay).await;
                    if !cancelled.get() {
                        setter.set(next);
                    }
                });
            }
            move || cancelled.set(true)
        });
    }
    if satisfied {
        props.children.clone()
    } else {
        props.fallback.clone()
    }
}
