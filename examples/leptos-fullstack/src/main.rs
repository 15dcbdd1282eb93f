//! The server: `ISSUER` (the OpenID provider), `AUDIENCE` (the access tokens' `aud`), `SITE` (the hydrate build:
//! app.js, app_bg.wasm), `PORT` (0: any; the address is printed as `listening on http://…`).

use axum::body::Body;
use axum::extract::Path;
use axum::http::{header, Request, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::*;
use stepup_example_leptos_fullstack::App;
use stepup_server::ApiGuard;

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

/// The page: the server-rendered app, and the script that hydrates it.
async fn page() -> Html<String> {
    let app = Owner::new().with(|| view! { <App/> }.to_html());
    Html(format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>stepup · Leptos full-stack</title>
<script type="module">import init, {{ hydrate }} from "/pkg/app.js"; await init(); hydrate();</script></head><body>{app}</body></html>"#
    ))
}

async fn popup_callback() -> Html<&'static str> {
    Html(r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body>
<script type="module">import init, { hydrate } from "/pkg/app.js"; await init(); hydrate();</script></body></html>"#)
}

/// The hydrate build: app.js, app_bg.wasm and wasm-bindgen's snippets/ (stepup's inline JS).
async fn asset(Path(file): Path<String>) -> Response {
    if file.split('/').any(|part| part.is_empty() || part.starts_with('.')) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let kind = if file.ends_with(".js") {
        "text/javascript"
    } else if file.ends_with(".wasm") {
        "application/wasm"
    } else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match tokio::fs::read(std::path::Path::new(&env("SITE", "dist")).join(&file)).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, kind)], bytes).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let guard = ApiGuard::builder(env("ISSUER", "http://localhost:4000"), env("AUDIENCE", "http://localhost/api")).build()?;
    let app = Router::new()
        .route("/", get(page))
        .route("/popup-callback.html", get(popup_callback))
        .route("/pkg/{*file}", get(asset))
        .route(
            "/api/{*fn_name}",
            post(move |req: Request<Body>| {
                let guard = guard.clone();
                async move { leptos_axum::handle_server_fns_with_context(move || provide_context(guard.clone()), req).await }
            }),
        );
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{}", env("PORT", "0"))).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
