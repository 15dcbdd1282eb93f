//! The npm package's exports (feature `js`). Thin `#[wasm_bindgen]` wrappers only: every rule lives in
//! `core` or `web`; this layer converts JS values in and out and maps errors to `StepUpError`.

use core::future::Future;

use js_sys::Promise;
use wasm_bindgen::{JsCast, JsValue};

/// Every async export goes through here (`web::task::promise`, which boxes the future: one copy of the spawning
/// code for all of them).
pub(crate) fn promise(f: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    crate::web::task::promise(f)
}

/// A result object for JS callers from JSON text (one `JSON.parse`, instead of building it member by member
/// across the boundary): text `json::ObjectWriter` wrote, or a token part our strict parser accepted.
pub(crate) fn parsed(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap_or(JsValue::NULL)
}

/// The JSON text of part `index` (0 header, 1 claims) of a token `jwt::decode` accepted; `{}` if it cannot be
/// read again (it always can).
pub(crate) fn token_part(token: &str, index: usize) -> alloc::string::String {
    crate::core::jwt::part_text(token, index).unwrap_or_else(|| alloc::string::String::from("{}"))
}

/// `options.signal` of an export's options argument: an `AbortSignal`, or none (`undefined`, `null`, or no options
/// object); anything else is `code`, the export's caller error, naming `signal`.
pub(crate) fn signal_of(options: &JsValue, code: crate::ErrorCode) -> crate::Result<Option<web_sys::AbortSignal>> {
    let s = crate::web::util::get(options, "signal");
    if s.is_undefined() || s.is_null() {
        return Ok(None);
    }
    s.dyn_into::<web_sys::AbortSignal>()
        .map(Some)
        .map_err(|_| crate::Error::new(code, "signal must be an AbortSignal").with_claim("signal"))
}

mod client;
pub mod error;
mod token;
mod types;
mod verify;
mod webauthn;

/// The npm package's allocator: lol_alloc's free list (sorted, coalescing) is a few KB smaller than the
/// default dlmalloc. Only in this module, so only with feature `js`: an app that links the rlib keeps its own.
#[global_allocator]
// SAFETY: wasm32-unknown-unknown without the atomics target feature runs on one thread, so the allocator
// is never entered concurrently.
static ALLOC: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
