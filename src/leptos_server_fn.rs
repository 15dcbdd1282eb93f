//! The client of a guarded server function (wasm32): name it in the function, `#[server(client =
//! stepup::leptos::StepUpServerFnClient)]`, and each call goes through [`StepUpClient::fetch`]: the session's
//! access token (Bearer, or DPoP when the client binds its tokens), and on a 401 RFC 9470
//! `insufficient_user_authentication` challenge a popup step-up with the challenge's `acr_values` / `max_age`
//! (the server function's own policy, as `stepup_server::leptos::require_step_up` wrote it), then the call once
//! more. A call refused again, or a step-up that failed, is the server function's error.
//!
//! Server functions are called from anywhere (no component, no reactive owner), so the client they use is
//! the one [`provide_step_up`](super::provide_step_up) provided last, or [`StepUpServerFnClient::use_client`].

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cell::RefCell;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use ::leptos::server_fn::client::browser::BrowserClient;
use ::leptos::server_fn::client::Client;
use ::leptos::server_fn::error::{FromServerFnError, IntoAppError, ServerFnErrorErr};
use ::leptos::server_fn::request::browser::BrowserRequest;
use ::leptos::server_fn::response::ClientRes;
use ::leptos::server_fn::Bytes;
use send_wrapper::SendWrapper;
use wasm_bindgen_futures::JsFuture;

use crate::web::client::StepUpClient;

std::thread_local! {
    static CLIENT: RefCell<Option<StepUpClient>> = const { RefCell::new(None) };
}

/// A server-function client that sends calls with the session's token and answers a step-up challenge
/// (see the module docs). `#[server(client = StepUpServerFnClient)]`.
#[derive(Debug, Clone, Copy)]
pub struct StepUpServerFnClient;

impl StepUpServerFnClient {
    /// The client server functions use from now on ([`provide_step_up`](super::provide_step_up) calls it).
    pub fn use_client(client: StepUpClient) {
        CLIENT.with(|c| *c.borrow_mut() = Some(client));
    }

    fn client() -> Option<StepUpClient> {
        CLIENT.with(|c| c.borrow().clone())
    }
}

impl<E, IS, OS> Client<E, IS, OS> for StepUpServerFnClient
where
    E: FromServerFnError,
    IS: FromServerFnError,
    OS: FromServerFnError,
{
    type Request = BrowserRequest;
    type Response = StepUpServerFnResponse;

    fn send(req: BrowserRequest) -> impl Future<Output = Result<StepUpServerFnResponse, E>> + Send {
        // The browser is single-threaded: the future never leaves it.
        SendWrapper::new(async move {
            let Some(client) = StepUpServerFnClient::client() else {
                return Err(ServerFnErrorErr::Request("stepup: no StepUpClient for server functions (provide_step_up first)".into()).into_app_error());
            };
            // Taking the request out of `BrowserRequest` drops its abort-on-drop controller, which aborts the
            // request's signal: send a copy that follows a signal of its own (`None` would be `undefined`, which
            // keeps the aborted one).
            let request: web_sys::Request = req.into();
            let init = web_sys::RequestInit::new();
            let Ok(controller) = web_sys::AbortController::new() else {
                return Err(ServerFnErrorErr::Request("stepup: no AbortController".into()).into_app_error());
            };
            init.set_signal(Some(&controller.signal()));
            let Ok(request) = web_sys::Request::new_with_request_and_init(&request, &init) else {
                return Err(ServerFnErrorErr::Request("stepup: the server function's request could not be copied".into()).into_app_error());
            };
            match client.fetch(request).await {
                Ok(response) => Ok(StepUpServerFnResponse(SendWrapper::new(response))),
                Err(e) => Err(ServerFnErrorErr::Request(format!("{}: {}", e.code(), e)).into_app_error()),
            }
        })
    }

    fn open_websocket(
        path: &str,
    ) -> impl Future<
        Output = Result<
            (
                impl futures_core::Stream<Item = Result<Bytes, Bytes>> + Send + 'static,
                impl futures_sink::Sink<Bytes> + Send + 'static,
            ),
            E,
        >,
    > + Send {
        <BrowserClient as Client<E, IS, OS>>::open_websocket(path)
    }

    fn spawn(future: impl Future<Output = ()> + Send + 'static) {
        <BrowserClient as Client<E, IS, OS>>::spawn(future)
    }
}

/// The response of a call through [`StepUpServerFnClient`].
pub struct StepUpServerFnResponse(SendWrapper<web_sys::Response>);

impl core::fmt::Debug for StepUpServerFnResponse {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StepUpServerFnResponse").field("status", &self.0.status()).finish()
    }
}

fn response_error<E: FromServerFnError>(what: &str) -> E {
    ServerFnErrorErr::Deserialization(what.to_string()).into_app_error()
}

async fn body<E: FromServerFnError>(response: &web_sys::Response) -> Result<Vec<u8>, E> {
    let promise = response.array_buffer().map_err(|_| response_error::<E>("the response has no body"))?;
    let buffer = JsFuture::from(promise).await.map_err(|_| response_error::<E>("the response's body could not be read"))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

impl<E: FromServerFnError> ClientRes<E> for StepUpServerFnResponse {
    fn try_into_string(self) -> impl Future<Output = Result<String, E>> + Send {
        SendWrapper::new(async move {
            let bytes = body::<E>(&self.0).await?;
            String::from_utf8(bytes).map_err(|_| response_error("the response is not UTF-8"))
        })
    }

    fn try_into_bytes(self) -> impl Future<Output = Result<Bytes, E>> + Send {
        SendWrapper::new(async move { body::<E>(&self.0).await.map(Bytes::from) })
    }

    /// Streaming responses are not supported through this client: an error.
    fn try_into_stream(self) -> Result<impl futures_core::Stream<Item = Result<Bytes, Bytes>> + Send + Sync + 'static, E> {
        Err::<NoStream, E>(response_error("streaming responses are not supported by StepUpServerFnClient"))
    }

    fn status(&self) -> u16 {
        self.0.status()
    }

    fn status_text(&self) -> String {
        self.0.status_text()
    }

    fn location(&self) -> String {
        self.0.headers().get("Location").ok().flatten().unwrap_or_else(|| self.0.url())
    }

    fn has_redirect(&self) -> bool {
        self.0.headers().has(::leptos::server_fn::redirect::REDIRECT_HEADER).unwrap_or(false)
    }
}

/// The stream type of a refused stream (never polled).
struct NoStream;

impl futures_core::Stream for NoStream {
    type Item = Result<Bytes, Bytes>;
    fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(None)
    }
}
