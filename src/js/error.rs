//! `stepup::Error` → a thrown JS `Error` with `name === "StepUpError"` and a stable `code`.
//! One place builds it, so every export fails the same way.

use js_sys::{Array, Error as JsError, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::Error;

fn set(target: &JsValue, key: &str, value: &JsValue) {
    // Reflect::set on a fresh Error object cannot fail; ignoring keeps this path panic-free.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

fn set_str(target: &JsValue, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        set(target, key, &JsValue::from_str(v));
    }
}

/// Convert a stepup error to the JS `StepUpError` object.
pub fn to_js(err: Error) -> JsValue {
    let js = JsError::new(err.message());
    js.set_name("StepUpError");
    let obj: JsValue = js.into();
    set(&obj, "code", &JsValue::from_str(err.code()));
    set_str(&obj, "claim", err.claim.as_deref());
    set_str(&obj, "error", err.error.as_deref());
    set_str(&obj, "errorDescription", err.error_description.as_deref());
    if let Some(values) = &err.acr_values {
        let arr: Array = values.iter().map(|v| JsValue::from_str(v)).collect();
        set(&obj, "acrValues", &arr);
    }
    if let Some(max_age) = err.max_age {
        set(&obj, "maxAge", &JsValue::from_f64(max_age as f64));
    }
    if let Some(cause) = err.cause.as_ref().and_then(|c| c.get::<JsValue>()) {
        set(&obj, "cause", cause);
    }
    obj
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

/// Type guard for `catch (e)`: whether `e` is an error thrown by stepup.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = isStepUpError, unchecked_return_type = "e is StepUpError")]
pub fn is_step_up_error(#[wasm_bindgen(unchecked_param_type = "unknown")] e: JsValue) -> bool {
    e.is_instance_of::<JsError>()
        && Reflect::get(&e, &JsValue::from_str("name")).ok().and_then(|n| n.as_string()).as_deref() == Some("StepUpError")
        && Reflect::get(&e, &JsValue::from_str("code")).ok().is_some_and(|c| c.is_string())
}
