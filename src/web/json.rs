//! JS values → [`Json`]: the one way from a caller's object (options, expectations, a JWKS, WebAuthn JSON)
//! into core's value, as JSON text that `core::json::parse` reads. Results go back the same way: JSON text and
//! one `JSON.parse` (`js::parsed`), not member by member.

use alloc::string::String;

use crate::core::json::{self, Json};
use crate::core::error::ErrorCode;

#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// glue.js `jsonText`: `JSON.stringify(value)` without the top-level members named in `skip` (space-separated),
    /// or `undefined` when JSON cannot hold it (read with `as_string`, as `util::origin_of` says why).
    #[wasm_bindgen(js_name = jsonText)]
    fn json_text(value: &wasm_bindgen::JsValue, skip: &str) -> wasm_bindgen::JsValue;
}

/// A JS value (a caller's options object, a credential's JSON) as [`Json`]: `JSON.stringify` in the page,
/// then `core::json::parse`, one crossing of the boundary. `None` for what JSON cannot hold (a function,
/// symbol or bigint anywhere in it, a cycle, a getter that throws), for nesting deeper than [`json::MAX_DEPTH`], and
/// for text our strict parser refuses (a lone surrogate). Members that are `undefined` are left out, as
/// `JSON.stringify` leaves them; a `toJSON` method is used, as it uses it.
pub fn from_js(value: wasm_bindgen::JsValue) -> Option<Json> {
    from_js_without(&value, "")
}

/// [`from_js`] of an object without its members named in `skip` (space-separated): those that need not be JSON,
/// such as an options object's `signal` and `appState`, read separately. What they hold cannot make it fail (a
/// getter or `toJSON` that throws still does, as for any member).
pub fn from_js_without(value: &wasm_bindgen::JsValue, skip: &str) -> Option<Json> {
    json::parse(&json_text(value, skip).as_string()?, ErrorCode::InvalidConfig).ok()
}

/// A JS value as JSON text, e.g. an `appState` kept in `sessionStorage`: glue.js `jsonText`, so `None` for a function,
/// symbol or bigint anywhere in it, a cycle, or a getter or `toJSON` that throws (what [`from_js`] refuses before
/// parsing; the text is not parsed here).
pub fn text(value: &wasm_bindgen::JsValue) -> Option<String> {
    json_text(value, "").as_string()
}
