//! The components of a server-rendered app that uses stepup's guards, written once: the server renders them
//! (feature `ssr`, any target but wasm32) and the browser hydrates them (feature `hydrate`, wasm32).

use stepup::StepUpPolicy;

/// What the transfer needs: a second factor within the last five minutes.
pub fn transfer_policy() -> StepUpPolicy {
    StepUpPolicy { mfa: true, max_age: Some(300), ..StepUpPolicy::default() }
}

/// The Leptos half.
pub mod leptos_app {
    use leptos::prelude::*;
    use stepup::leptos::{use_step_up, RequireStepUp};

    #[component]
    pub fn Transfer() -> impl IntoView {
        let step_up = use_step_up();
        let policy = super::transfer_policy();
        let p = policy.clone();
        let status = move || if step_up.known().get() { "known" } else { "not known yet" };
        let acr = move || step_up.session().get().and_then(|s| s.acr).unwrap_or_else(|| "none".into());
        view! {
            <p id="status">{status}</p>
            <p id="acr">"acr: " {acr}</p>
            <RequireStepUp policy fallback=move || {
                let p = p.clone();
                view! { <button id="verify" on:click=move |_| step_up.require(p.clone())>"Verify it's you"</button> }
            }>
                <button id="transfer">"Transfer 100 €"</button>
            </RequireStepUp>
        }
    }

    /// A server function whose calls carry the session's token and answer a step-up challenge (on the
    /// server, `stepup_server::leptos::require_step_up` judges them; see the stepup-server crate's tests).
    #[server(client = stepup::leptos::StepUpServerFnClient)]
    pub async fn send_money(amount: u32) -> Result<String, ServerFnError> {
        Ok(format!("sent {amount} €"))
    }

    /// The browser's entry point: hydrate what the server rendered.
    #[cfg(feature = "hydrate")]
    pub fn hydrate() {
        leptos::mount::hydrate_body(Transfer);
    }
}

/// The Yew half.
pub mod yew_app {
    use stepup::yew::{use_step_up, RequireStepUp};
    use yew::prelude::*;

    #[function_component]
    pub fn Transfer() -> Html {
        let step_up = use_step_up();
        let policy = super::transfer_policy();
        let verify = {
            let (s, p) = (step_up.clone(), policy.clone());
            Callback::from(move |_| s.require(p.clone()))
        };
        let status = if step_up.known() { "known" } else { "not known yet" };
        html! {
            <>
                <p id="status">{ status }</p>
                <RequireStepUp {policy} fallback={html! { <button id="verify" onclick={verify}>{ "Verify it's you" }</button> }}>
                    <button id="transfer">{ "Transfer 100 €" }</button>
                </RequireStepUp>
            </>
        }
    }

    /// The browser's entry point: hydrate what the server rendered.
    #[cfg(feature = "hydrate")]
    pub fn hydrate() {
        yew::Renderer::<Transfer>::new().hydrate();
    }
}
