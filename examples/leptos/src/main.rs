//! stepup with Leptos: sign in with a popup (password level), then a sensitive action guarded by
//! `<RequireStepUp>` asks for a second factor (`mfa`) in a popup. Shows the session's `acr` / `amr`.
//!
//! Served from `dist/` (see `scripts/examples.mjs`): `index.html?issuer=<issuer>&client_id=<id>`.
//! `popup-callback.html` loads the same wasm; `main` relays the provider's answer there.

use leptos::prelude::*;
use stepup::leptos::{provide_step_up, use_step_up, RequireStepUp};
use stepup::{ClientConfig, Error, StepUpClient, StepUpPolicy};

fn main() {
    let Some(window) = web_sys::window() else { return };
    let href = window.location().href().unwrap_or_default();
    if is_popup_callback(&href) {
        // Hand `?code&state` to the opener (origin-checked postMessage or the state's BroadcastChannel).
        if !matches!(stepup::handle_popup_callback(), Ok(true)) {
            mount_to_body(|| view! { <p id="error">"This page finishes a sign-in started by the app."</p> });
        }
        return;
    }
    let Some(config) = config_from(&href) else {
        mount_to_body(|| view! { <p id="error">"Open this page with ?issuer=<your OpenID provider>&client_id=<client>"</p> });
        return;
    };
    // Leptos' own executor starts with mount_to_body: before it, spawn with wasm-bindgen-futures.
    wasm_bindgen_futures::spawn_local(async move {
        // Discovery (and the check that the document's issuer is the one configured) before any login.
        match StepUpClient::create(config).await {
            Ok(client) => mount_to_body(move || view! { <App client/> }),
            Err(e) => mount_to_body(move || view! { <p id="error">"Cannot reach the provider: " {e.to_string()}</p> }),
        }
    });
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

#[component]
fn App(client: StepUpClient) -> impl IntoView {
    let step_up = provide_step_up(client);
    let session = step_up.session();
    let acr = move || session.with(|s| s.as_ref().and_then(|s| s.acr.clone()).unwrap_or_else(|| "-".into()));
    let amr = move || session.with(|s| s.as_ref().map(|s| s.amr.join(" ")).unwrap_or_else(|| "-".into()));
    let sub = move || session.with(|s| s.as_ref().and_then(|s| s.claims.sub.clone()).unwrap_or_default());
    let signed_in = move || session.with(Option::is_some);
    view! {
        <main>
            <h1>"stepup · Leptos"</h1>
            <section>
                <h2>"Account"</h2>
                <Show
                    when=signed_in
                    fallback=move || view! { <button id="sign-in" on:click=move |_| step_up.login()>"Sign in"</button> }
                >
                    <p>"Signed in as " <strong id="sub">{sub}</strong></p>
                </Show>
                // Signs out every tab of this app: the others' guards fall back at once.
                <button id="sign-out" on:click=move |_| { let _ = step_up.logout(None); }>"Sign out"</button>
                <dl>
                    <dt>"acr"</dt>
                    <dd id="acr">{acr}</dd>
                    <dt>"amr"</dt>
                    <dd id="amr">{amr}</dd>
                </dl>
            </section>
            <section>
                <h2>"Transfer money"</h2>
                <RequireStepUp policy=mfa() fallback=|| view! { <StepUpButton/> }>
                    <Transfer/>
                </RequireStepUp>
            </section>
            <p id="status">{move || if step_up.pending().get() { "Waiting for the sign-in window…" } else { "" }}</p>
            <p id="error">{move || step_up.error().get().map(|e: Error| format!("{}: {}", e.code(), e.message()))}</p>
        </main>
    }
}

/// The fallback of the guard: asks for the second factor in a popup, opened inside this click.
#[component]
fn StepUpButton() -> impl IntoView {
    let step_up = use_step_up();
    view! {
        <p>"Transfers need a second factor."</p>
        <button id="step-up" disabled=move || step_up.pending().get() on:click=move |_| step_up.require(mfa())>
            "Verify with a second factor"
        </button>
    }
}

/// The guarded content: only rendered while the session satisfies `mfa`.
#[component]
fn Transfer() -> impl IntoView {
    let done = RwSignal::new(false);
    view! {
        <div id="sensitive">
            <p>"Verified with a second factor: you may transfer."</p>
            <button id="transfer" on:click=move |_| done.set(true)>"Transfer 100 €"</button>
            <Show when=move || done.get()>
                <p id="transfer-done">"Sent 100 €."</p>
            </Show>
        </div>
    }
}
