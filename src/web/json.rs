//! JS values → [`Json`]: the one way from a caller's object (options, expectations, a JWKS, WebAuthn JSON)
//! into core's value, as JSON text that `core::json::parse` reads. Results go back the same way: JSON text and
//! one `JSON.parse` (`js::parsed`), not member by member.

use alloc::string::String;

use crate::core::json::{self, Json};
use crate::core::error::ErrorCode;

#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// glue.js `jsonText`: `JSON.stringify(value)`, or `undefined` when JSON cannot hold it.
    #[wasm_bindgen(js_name = jsonText)]
    fn json_text(value: &wasm_bindgen::JsValue) -> Option<String>;
}

/// A JS value (a caller's options object, a credential's JSON) as [`Json`]: `JSON.stringify` in the page,
/// then `core::json::parse`, one crossing of the boundary. `None` for what JSON cannot hold (a function,
/// symbol or bigint anywhere in it, a cycle, a getter that throws), for nesting deeper than [`json::MAX_DEPTH`], and
/// for text our strict parser refuses (a lone surrogate). Members that are `undefined` are left out, as
/// `JSON.stringify` leaves them; a `toJSON` method is used, as it uses it.
pub fn from_js(value: wasm_bindgen::JsValue) -> Option<Json> {
    json::parse(&json_text(&value)?, ErrorCode::InvalidConfig).ok()
}
