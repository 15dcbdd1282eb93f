//! stepup with Yew: sign in with a popup (password level), then a sensitive action guarded by
//! `<RequireStepUp>` asks for a second factor (`mfa`) in a popup. Shows the session's `acr` / `amr`.
//!
//! Served from `dist/` (see `scripts/examples.mjs`): `index.html?issuer=<issuer>&client_id=<id>`.
//! `popup-callback.html` loads the same wasm; `main` relays the provider's answer there.

use stepup::yew::{same_client, use_step_up, RequireStepUp, StepUpProvider};
use stepup::{ClientConfig, StepUpClient, StepUpPolicy};
use yew::prelude::*;

fn main() {
    let Some(window) = web_sys::window() else { return };
    let href = window.location().href().unwrap_or_default();
    if is_popup_callback(&href) {
        // Hand `?code&state` to the opener (origin-checked postMessage or the state's BroadcastChannel).
        if !matches!(stepup::handle_popup_callback(), Ok(true)) {
            message("This page finishes a sign-in started by the app.");
        }
        return;
    }
    let Some(config) = config_from(&href) else {
        message("Open this page with ?issuer=<your OpenID provider>&client_id=<client>");
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        // Discovery (and the check that the document's issuer is the one configured) before any login.
        match StepUpClient::create(config).await {
            Ok(client) => {
                yew::Renderer::<Root>::with_props(RootProps { client }).render();
            }
            Err(e) => message(&format!("Cannot reach the provider: {e}")),
        }
    });
}

fn message(text: &str) {
    #[derive(Properties, PartialEq)]
    struct Props {
        text: String,
    }
    #[function_component]
    fn Message(props: &Props) -> Html {
        html! { <p id="error">{ props.text.clone() }</p> }
    }
    yew::Renderer::<Message>::with_props(Props { text: text.into() }).render();
}

fn is_popup_callback(href: &str) -> bool {
    web_sys::Url::new(href).map(|u| u.pathname().ends_with("/popup-callback.html")).unwrap_or(false)
}

/// `?issuer=…&client_id=…`; the redirect URIs are this page and `popup-callback.html` next to it.
fn config_from(href: &str) -> Option<ClientConfig> {
    let url = web_sys::Url::new(href).ok()?;
    let query = url.search_params();
    let issuer = query.get("issuer").filter(|s| !s.is_empty())?;
    let client_id = query.get("client_id").unwrap_or_else(|| "stepup-demo".into());
    let here = format!("{}{}", url.origin(), url.pathname());
    let popup = web_sys::Url::new_with_base("popup-callback.html", &here).ok()?.href();
    let mut config = ClientConfig::new(issuer, client_id, here);
    config.popup_redirect_uri = Some(popup);
    Some(config)
}

fn mfa() -> StepUpPolicy {
    StepUpPolicy { mfa: true, ..StepUpPolicy::default() }
}

#[derive(Properties)]
struct RootProps {
    client: StepUpClient,
}

impl PartialEq for RootProps {
    fn eq(&self, other: &Self) -> bool {
        same_client(&self.client, &other.client)
    }
}

#[function_component]
fn Root(props: &RootProps) -> Html {
    html! {
        <StepUpProvider client={props.client.clone()}>
            <App />
        </StepUpProvider>
    }
}

#[function_component]
fn App() -> Html {
    let step_up = use_step_up();
    let session = step_up.session();
    let acr = session.and_then(|s| s.acr.clone()).unwrap_or_else(|| "-".into());
    let amr = session.map(|s| s.amr.join(" ")).unwrap_or_else(|| "-".into());
    let account = match session {
        Some(s) => html! { <p>{ "Signed in as " }<strong id="sub">{ s.claims.sub.clone().unwrap_or_default() }</strong></p> },
        None => {
            // The popup opens inside this click: `login` opens it before it returns.
            let s = step_up.clone();
            html! { <button id="sign-in" onclick={Callback::from(move |_| s.login())}>{ "Sign in" }</button> }
        }
    };
    // Signs out every tab of this app: the others' guards fall back at once.
    let sign_out = {
        let s = step_up.clone();
        Callback::from(move |_| {
            let _ = s.logout(None);
        })
    };
    let status = if step_up.pending() { "Waiting for the sign-in window…" } else { "" };
    let error = step_up.error().map(|e| format!("{}: {}", e.code(), e.message())).unwrap_or_default();
    html! {
        <main>
            <h1>{ "stepup · Yew" }</h1>
            <section>
                <h2>{ "Account" }</h2>
                { account }
                <button id="sign-out" onclick={sign_out}>{ "Sign out" }</button>
                <dl>
                    <dt>{ "acr" }</dt>
                    <dd id="acr">{ acr }</dd>
                    <dt>{ "amr" }</dt>
                    <dd id="amr">{ amr }</dd>
                </dl>
            </section>
            <section>
                <h2>{ "Transfer money" }</h2>
                <RequireStepUp policy={mfa()} fallback={html! { <StepUpButton /> }}>
                    <Transfer />
                </RequireStepUp>
            </section>
            <p id="status">{ status }</p>
            <p id="error">{ error }</p>
        </main>
    }
}

/// The fallback of the guard: asks for the second factor in a popup, opened inside this click.
#[function_component]
fn StepUpButton() -> Html {
    let step_up = use_step_up();
    let pending = step_up.pending();
    let onclick = Callback::from(move |_| step_up.require(mfa()));
    html! {
        <>
            <p>{ "Transfers need a second factor." }</p>
            <button id="step-up" disabled={pending} {onclick}>{ "Verify with a second factor" }</button>
        </>
    }
}

/// The guarded content: only rendered while the session satisfies `mfa`.
#[function_component]
fn Transfer() -> Html {
    let done = use_state(|| false);
    let onclick = {
        let done = done.clone();
        Callback::from(move |_| done.set(true))
    };
    html! {
        <div id="sensitive">
            <p>{ "Verified with a second factor: you may transfer." }</p>
            <button id="transfer" {onclick}>{ "Transfer 100 €" }</button>
            if *done {
                <p id="transfer-done">{ "Sent 100 €." }</p>
            }
        </div>
    }
}
