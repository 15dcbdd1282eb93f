//! One source for both halves: the server renders [`App`] and runs [`transfer`]; the browser hydrates
//! [`App`] and calls [`transfer`] through stepup's server-function client.

use leptos::prelude::*;
use stepup::leptos::{use_step_up, RequireStepUp};
use stepup::StepUpPolicy;

/// What a transfer needs: a second factor within the last five minutes.
pub fn transfer_policy() -> StepUpPolicy {
    StepUpPolicy { mfa: true, max_age: Some(300), ..StepUpPolicy::default() }
}

/// Judged on the server from the caller's access token: without a fresh second factor the answer is 401 with
/// the RFC 9470 challenge, which the client answers with a popup step-up and one retry.
#[server(prefix = "/api", endpoint = "transfer", client = stepup::leptos::StepUpServerFnClient)]
pub async fn transfer(amount: u32) -> Result<String, ServerFnError> {
    let auth = stepup_server::leptos::require_step_up(transfer_policy()).await?;
    Ok(format!("{} sent {amount} €", auth.sub))
}

#[component]
pub fn App() -> impl IntoView {
    let step_up = use_step_up();
    let send = Action::new_local(|amount: &u32| transfer(*amount));
    let status = move || if step_up.known().get() { "ready" } else { "loading" };
    let acr = move || step_up.session().get().and_then(|s| s.acr).unwrap_or_default();
    let result = move || match send.value().get() {
        Some(Ok(done)) => done,
        Some(Err(e)) => format!("refused: {e}"),
        None => String::new(),
    };
    view! {
        <h1>"stepup · Leptos full-stack"</h1>
        <p id="status">{status}</p>
        <button id="sign-in" on:click=move |_| step_up.login()>"Sign in"</button>
        <p>"acr: " <span id="acr">{acr}</span></p>
        <RequireStepUp policy=transfer_policy() fallback=|| view! { <p id="not-verified">"Not verified in the last 5 minutes"</p> }>
            <p id="verified">"Verified"</p>
        </RequireStepUp>
        <button id="transfer" on:click=move |_| { send.dispatch_local(100); }>"Transfer 100 €"</button>
        <p id="result">{result}</p>
    }
}

/// The browser's entry point (`app.js` calls it): create the client, then hydrate the server's HTML.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    use stepup::{ClientConfig, StepUpClient};
    let Some(window) = web_sys::window() else { return };
    let href = window.location().href().unwrap_or_default();
    let Ok(url) = web_sys::Url::new(&href) else { return };
    if url.pathname().ends_with("/popup-callback.html") {
        let _ = stepup::handle_popup_callback();
        return;
    }
    let query = url.search_params();
    let (Some(issuer), Some(client_id)) = (query.get("issuer"), query.get("client_id")) else { return };
    let mut config = ClientConfig::new(issuer, client_id, format!("{}/", url.origin()));
    config.popup_redirect_uri = Some(format!("{}/popup-callback.html", url.origin()));
    wasm_bindgen_futures::spawn_local(async move {
        let Ok(client) = StepUpClient::create(config).await else { return };
        leptos::mount::hydrate_body(move || {
            stepup::leptos::provide_step_up(client);
            view! { <App/> }
        });
    });
}
