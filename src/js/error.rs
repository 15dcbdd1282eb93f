//! `stepup::Error` → a thrown JS `Error` with `name === "StepUpError"` and a stable `code`.
//! One place builds it, so every export fails the same way.

use wasm_bindgen::JsValue;

use crate::core::json::ObjectWriter;
use crate::Error;

#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// glue.js `stepUpError`: `new Error(message)` named `StepUpError`, with the members of `fields` (JSON
    /// text) and `cause` when it is not `undefined`.
    #[wasm_bindgen(js_name = stepUpError)]
    fn step_up_error(message: &str, fields: &str, cause: &JsValue) -> JsValue;
}

/// Convert a stepup error to the JS `StepUpError` object.
pub fn to_js(err: Error) -> JsValue {
    let mut fields = ObjectWriter::new();
    fields.string("code", err.code());
    for (k, v) in [("claim", &err.claim), ("error", &err.error), ("errorDescription", &err.error_description)] {
        if let Some(v) = v {
            fields.string(k, v);
        }
    }
    if let Some(values) = &err.acr_values {
        fields.strings("acrValues", values);
    }
    if let Some(max_age) = err.max_age {
        fields.uint("maxAge", max_age);
    }
    let cause = err.cause.as_ref().and_then(|c| c.get::<JsValue>()).cloned().unwrap_or(JsValue::UNDEFINED);
    step_up_error(err.message(), &fields.finish(), &cause)
}

/// `Result<T, Error>` → `Result<T, JsValue>` for the exports.
pub trait IntoJsResult<T> {
    fn js(self) -> Result<T, JsValue>;
}

impl<T> IntoJsResult<T> for crate::Result<T> {
    fn js(self) -> Result<T, JsValue> {
        self.map_err(to_js)
    }
}
