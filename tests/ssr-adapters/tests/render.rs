//! The server half: no browser, no client. The guards must render their fallback, never the protected
//! children, and the handle must say the session is not known yet (without panicking).
#![cfg(all(feature = "ssr", not(target_arch = "wasm32")))]

use leptos::prelude::*;
use stepup::StepUpPolicy;
use stepup_ssr_adapters::{leptos_app, yew_app};

fn leptos_html() -> String {
    Owner::new().with(|| view! { <leptos_app::Transfer/> }.to_html())
}

#[test]
fn leptos_guard_renders_the_fallback_and_not_the_children_on_the_server() {
    let html = leptos_html();
    assert!(html.contains(r#"<button id="verify">Verify it's you</button>"#), "{html}");
    assert!(!html.contains(r#"id="transfer""#), "the protected children reached the server's HTML: {html}");
    assert!(!html.contains("Transfer 100"), "{html}");
}

#[test]
fn leptos_handle_on_the_server_knows_nothing_and_does_not_panic() {
    let html = leptos_html();
    assert!(html.contains("not known yet"), "{html}");
    assert!(html.contains(r#"<p id="acr">acr: <!>none</p>"#), "{html}");
    Owner::new().with(|| {
        let step_up = stepup::leptos::use_step_up();
        assert!(!step_up.known().get_untracked());
        assert_eq!(step_up.session().get_untracked(), None);
        // Not even the empty policy: nothing is known.
        assert!(!step_up.satisfies(&StepUpPolicy::default()));
        assert!(!step_up.pending().get_untracked());
        step_up.login();
        let code = step_up.error().get_untracked().map(|e| e.code());
        assert_eq!(code.map(|c| c.to_string()), Some("invalid_config".to_string()));
        assert!(step_up.logout(None).is_err());
    });
}

#[test]
fn leptos_guard_with_a_handle_in_context_still_renders_the_fallback() {
    let html = Owner::new().with(|| {
        // What a shared layout does when it passes the handle down: still no client on the server.
        provide_context(stepup::leptos::use_step_up());
        view! { <leptos_app::Transfer/> }.to_html()
    });
    assert!(html.contains(r#"id="verify""#), "{html}");
    assert!(!html.contains(r#"id="transfer""#), "{html}");
}

#[tokio::test]
async fn yew_guard_renders_the_fallback_and_not_the_children_on_the_server() {
    let html = yew::LocalServerRenderer::<yew_app::Transfer>::new().render().await;
    assert!(html.contains(r#"id="verify""#), "{html}");
    assert!(html.contains("not known yet"), "{html}");
    assert!(!html.contains(r#"id="transfer""#), "the protected children reached the server's HTML: {html}");
    assert!(!html.contains("Transfer 100"), "{html}");
}
