//! JS values → [`Json`]: the one walk from a caller's object (options, expectations, a JWKS, WebAuthn
//! JSON) into core's value. Deeper (or cyclic) values than [`MAX_DEPTH`] are rejected rather than recursed
//! into. Text is parsed by `core::json::parse`, never here. Results go back as JSON text and one `JSON.parse`
//! (`js::parsed`), not member by member.

use alloc::vec::Vec;

use crate::core::json::{Json, JsonObject, MAX_DEPTH};

/// Walk a JS value (a caller's options object, a credential's JSON) into [`Json`].
/// `None` for what JSON cannot hold: functions, symbols, bigints, cycles.
///
/// Written against js-sys directly rather than serde-wasm-bindgen: its error paths format floats,
/// which would link ~15 KB of float printing into the wasm build.
pub fn from_js(value: wasm_bindgen::JsValue) -> Option<Json> {
    from_js_at(&value, 0)
}

fn from_js_at(v: &wasm_bindgen::JsValue, depth: u32) -> Option<Json> {
    use wasm_bindgen::JsCast;
    if depth > MAX_DEPTH {
        return None;
    }
    if v.is_null() || v.is_undefined() {
        return Some(Json::Null);
    }
    if let Some(b) = v.as_bool() {
        return Some(Json::Bool(b));
    }
    if let Some(n) = v.as_f64() {
        return Some(Json::Number(n));
    }
    if let Some(s) = v.as_string() {
        return Some(Json::String(s));
    }
    if js_sys::Array::is_array(v) {
        let arr: &js_sys::Array = v.unchecked_ref();
        let mut items = Vec::with_capacity(arr.length() as usize);
        for item in arr.iter() {
            items.push(from_js_at(&item, depth + 1)?);
        }
        return Some(Json::Array(items));
    }
    if !v.is_object() || v.is_function() {
        return None;
    }
    let mut out = JsonObject::new();
    for entry in js_sys::Object::entries(v.unchecked_ref()).iter() {
        let pair: js_sys::Array = entry.unchecked_into();
        let key = pair.get(0).as_string()?;
        let value = pair.get(1);
        // JSON.stringify drops undefined members; so do we.
        if value.is_undefined() {
            continue;
        }
        out.insert(key, from_js_at(&value, depth + 1)?);
    }
    Some(Json::Object(out))
}
