//! WebAuthn passkey ceremonies through `navigator.credentials`: W3C WebAuthn Level 3 JSON in, JSON out.
//!
//! ```ignore
//! use stepup::web::webauthn::{authenticate_passkey, register_passkey};
//! // `text` is the relying party's PublicKeyCredentialCreationOptionsJSON, as the server sent it.
//! let credential = register_passkey(text.as_str(), None).await?;
//! post_to_server(credential.to_json_string()).await;
//! ```
//!
//! Types, and why: the input is [`PasskeyOptions`] — either a JS object (what JS callers and
//! `gloo-net`'s `json()` give you) or JSON text (what a Rust app usually holds), so nobody converts twice.
//! The output is [`PasskeyResponse`], a thin wrapper around the plain JS object in the W3C
//! `RegistrationResponseJSON` / `AuthenticationResponseJSON` shape: it goes back to the relying party
//! unchanged ([`PasskeyResponse::to_json_string`]), which is all a client should do with it, and
//! [`PasskeyResponse::to_json`] gives the crate's [`Json`] value for inspection. A typed Rust mirror of
//! the W3C dictionaries would only re-serialize the same fields, at a cost in wasm size.
//!
//! Each ceremony runs in this order (one rule per step):
//! 1. validate the options: required members present, every binary member strict base64url
//!    (unpadded, canonical) → else `webauthn_invalid_options`, and the browser is never called;
//! 2. no `PublicKeyCredential` or `navigator.credentials` → `webauthn_not_supported`;
//! 3. abort the previous ceremony of this module, link the caller's `AbortSignal`;
//! 4. `PublicKeyCredential.parse…OptionsFromJSON` when the browser has it, else our own conversion;
//! 5. `credential.toJSON()` when present, else our own response JSON; `clientExtensionResults` is always
//!    rebuilt from `getClientExtensionResults()` with every binary (PRF results, largeBlob blob) as
//!    base64url, because a plain `JSON.stringify` of an `ArrayBuffer` is `{}` and silently loses them;
//! 6. a rejection maps its DOMException name to a `webauthn_*` code, the original kept as `cause`.

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;

use js_sys::{Array, ArrayBuffer, Function, Object, Promise, Reflect, Uint8Array, JSON};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal};

use crate::core::base64url;
use crate::core::json::Json;
use crate::web::json;
use crate::{Error, ErrorCode, Result};

type JsResult<T> = core::result::Result<T, JsValue>;

#[wasm_bindgen]
extern "C" {
    /// `navigator.credentials` (own binding: the whole options object is built here, untyped).
    type Credentials;
    #[wasm_bindgen(method, catch)]
    fn create(this: &Credentials, options: &Object) -> JsResult<Promise>;
    #[wasm_bindgen(method, catch)]
    fn get(this: &Credentials, options: &Object) -> JsResult<Promise>;

    // WebAuthn Level 3 JSON methods; called only after feature detection (`has_static`).
    #[wasm_bindgen(js_namespace = PublicKeyCredential, js_name = parseCreationOptionsFromJSON, catch)]
    fn parse_creation_options_from_json(options: &JsValue) -> JsResult<JsValue>;
    #[wasm_bindgen(js_namespace = PublicKeyCredential, js_name = parseRequestOptionsFromJSON, catch)]
    fn parse_request_options_from_json(options: &JsValue) -> JsResult<JsValue>;

    /// A `PublicKeyCredential` instance.
    type Credential;
    #[wasm_bindgen(method, js_name = toJSON, catch)]
    fn to_json(this: &Credential) -> JsResult<JsValue>;
    #[wasm_bindgen(method, js_name = getClientExtensionResults, catch)]
    fn client_extension_results(this: &Credential) -> JsResult<JsValue>;
}

/// The options of a ceremony as the relying party sent them: a W3C `PublicKeyCredentialCreationOptionsJSON`
/// (registration) or `PublicKeyCredentialRequestOptionsJSON` (authentication).
#[derive(Clone, Copy, Debug)]
pub enum PasskeyOptions<'a> {
    /// An already parsed JS object.
    Js(&'a JsValue),
    /// JSON text, parsed with the browser's `JSON.parse`.
    Text(&'a str),
}

impl<'a> From<&'a JsValue> for PasskeyOptions<'a> {
    fn from(v: &'a JsValue) -> Self {
        PasskeyOptions::Js(v)
    }
}
impl<'a> From<&'a str> for PasskeyOptions<'a> {
    fn from(v: &'a str) -> Self {
        PasskeyOptions::Text(v)
    }
}
impl<'a> From<&'a String> for PasskeyOptions<'a> {
    fn from(v: &'a String) -> Self {
        PasskeyOptions::Text(v)
    }
}

impl PasskeyOptions<'_> {
    fn to_js(self) -> Result<JsValue> {
        match self {
            PasskeyOptions::Js(v) => Ok(v.clone()),
            PasskeyOptions::Text(t) => {
                JSON::parse(t).map_err(|e| invalid("options are not valid JSON").with_cause(e))
            }
        }
    }
}

/// A W3C `RegistrationResponseJSON` or `AuthenticationResponseJSON`: a plain JS object whose binaries
/// are base64url strings, ready to send to the relying party as it is.
#[derive(Clone, Debug)]
pub struct PasskeyResponse(Object);

impl PasskeyResponse {
    /// The credential id (base64url).
    pub fn id(&self) -> String {
        prop(&self.0, "id").as_string().unwrap_or_default()
    }
    /// The response as JSON text (`JSON.stringify`), the body to post to the relying party.
    pub fn to_json_string(&self) -> String {
        JSON::stringify(&self.0).ok().and_then(|s| s.as_string()).unwrap_or_default()
    }
    /// The response as the crate's [`Json`] value.
    pub fn to_json(&self) -> Option<Json> {
        json::from_js(self.0.clone().into())
    }
    pub fn as_js(&self) -> &JsValue {
        &self.0
    }
    pub fn into_js(self) -> JsValue {
        self.0.into()
    }
}

impl From<PasskeyResponse> for JsValue {
    fn from(r: PasskeyResponse) -> JsValue {
        r.0.into()
    }
}

/// What this browser offers, from [`webauthn_support`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Support {
    /// `PublicKeyCredential` and `navigator.credentials` exist (a secure context with WebAuthn).
    pub webauthn: bool,
    /// `isUserVerifyingPlatformAuthenticatorAvailable()`: a built-in authenticator with user verification.
    pub platform_authenticator: bool,
    /// `isConditionalMediationAvailable()`: passkeys offered in form autofill (`conditional: true`).
    pub conditional_mediation: bool,
}

/// Feature detection; never fails (an unsupported browser answers all `false`).
pub async fn webauthn_support() -> Support {
    if pkc_class().is_none() || credentials().is_err() {
        return Support::default();
    }
    Support {
        webauthn: true,
        platform_authenticator: static_flag("isUserVerifyingPlatformAuthenticatorAvailable").await,
        conditional_mediation: static_flag("isConditionalMediationAvailable").await,
    }
}

/// Register a passkey: `navigator.credentials.create` with the relying party's creation options.
///
/// A ceremony started while another one of this module runs aborts the older one (`webauthn_aborted`).
/// Dropping the returned future aborts the browser ceremony too.
pub async fn register_passkey<'a>(
    options: impl Into<PasskeyOptions<'a>>,
    signal: Option<&AbortSignal>,
) -> Result<PasskeyResponse> {
    run(Kind::Create, options.into(), false, signal).await
}

/// Authenticate with a passkey: `navigator.credentials.get` with the relying party's request options.
///
/// `conditional: true` runs conditional mediation (passkeys in the autofill of an
/// `autocomplete="… webauthn"` field); the call then stays pending until the user picks a passkey,
/// a new ceremony starts, or `signal` aborts. A browser without it answers `webauthn_not_supported`.
pub async fn authenticate_passkey<'a>(
    options: impl Into<PasskeyOptions<'a>>,
    conditional: bool,
    signal: Option<&AbortSignal>,
) -> Result<PasskeyResponse> {
    run(Kind::Get, options.into(), conditional, signal).await
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Create,
    Get,
}

/// Both ceremonies, one body (one state machine in the wasm, not two).
async fn run(kind: Kind, options: PasskeyOptions<'_>, conditional: bool, signal: Option<&AbortSignal>) -> Result<PasskeyResponse> {
    let json = options.to_js()?;
    let (converted, rp_id) = match kind {
        Kind::Create => (creation_options(&json)?, prop(&prop(&json, "rp"), "id")),
        Kind::Get => (request_options(&json)?, prop(&json, "rpId")),
    };
    let creds = credentials()?;
    if conditional && !static_flag("isConditionalMediationAvailable").await {
        return Err(Error::new(ErrorCode::WebauthnNotSupported, "conditional mediation is not available"));
    }
    let native = match kind {
        Kind::Create if has_static("parseCreationOptionsFromJSON") => Some(parse_creation_options_from_json(&json)),
        Kind::Get if has_static("parseRequestOptionsFromJSON") => Some(parse_request_options_from_json(&json)),
        _ => None,
    };
    let public_key = match native {
        Some(parsed) => parsed.map_err(|e| invalid("the browser rejected the options JSON").with_cause(e))?,
        None => converted.into(),
    };

    let guard = Ceremony::begin(signal)?;
    let request = Object::new();
    set(&request, "publicKey", &public_key);
    set(&request, "signal", &guard.controller.signal());
    if conditional {
        set(&request, "mediation", &JsValue::from_str("conditional"));
    }
    let promise = match kind {
        Kind::Create => creds.create(&request),
        Kind::Get => creds.get(&request),
    };
    let outcome = match promise {
        Ok(p) => JsFuture::from(p).await,
        Err(e) => Err(e),
    };
    let value = outcome.map_err(|e| guard.failure(e, kind, rp_id.as_string()))?;
    if !value.is_object() {
        return Err(Error::new(ErrorCode::WebauthnFailed, "the browser returned no credential"));
    }
    Ok(PasskeyResponse(response_json(value.unchecked_ref(), kind)))
}

// ---- abort: one ceremony at a time per module, linked to the caller's signal ----

thread_local! {
    static CURRENT: RefCell<Option<AbortController>> = const { RefCell::new(None) };
}

/// The running ceremony: its controller is the module's current one until a newer ceremony replaces it.
/// Dropping it unlinks the caller's signal and aborts the browser call (a no-op once settled), so a
/// dropped Rust future does not leave a passkey prompt behind.
struct Ceremony {
    controller: AbortController,
    caller: Option<(AbortSignal, Closure<dyn FnMut()>)>,
}

impl Ceremony {
    fn begin(signal: Option<&AbortSignal>) -> Result<Ceremony> {
        if let Some(s) = signal {
            if s.aborted() {
                return Err(Error::new(ErrorCode::WebauthnAborted, "the signal was already aborted").with_cause(s.reason()));
            }
        }
        let controller =
            AbortController::new().map_err(|e| Error::new(ErrorCode::WebauthnFailed, "no AbortController").with_cause(e))?;
        if let Some(previous) = CURRENT.with(|c| c.replace(Some(controller.clone()))) {
            previous.abort();
        }
        let caller = signal.map(|s| {
            let ours = controller.clone();
            let on_abort = Closure::<dyn FnMut()>::new(move || ours.abort());
            let _ = s.add_event_listener_with_callback("abort", on_abort.as_ref().unchecked_ref());
            (s.clone(), on_abort)
        });
        Ok(Ceremony { controller, caller })
    }

    fn failure(&self, e: JsValue, kind: Kind, rp_id: Option<String>) -> Error {
        if self.controller.signal().aborted() {
            return match &self.caller {
                Some((s, _)) if s.aborted() => {
                    Error::new(ErrorCode::WebauthnAborted, "aborted by the caller's signal").with_cause(s.reason())
                }
                _ => Error::new(ErrorCode::WebauthnAborted, "aborted: a newer passkey ceremony started").with_cause(e),
            };
        }
        map_exception(e, kind, rp_id)
    }
}

impl Drop for Ceremony {
    fn drop(&mut self) {
        if let Some((s, on_abort)) = &self.caller {
            let _ = s.remove_event_listener_with_callback("abort", on_abort.as_ref().unchecked_ref());
        }
        CURRENT.with(|c| {
            let mut current = c.borrow_mut();
            if current.as_ref() == Some(&self.controller) {
                *current = None;
            }
        });
        self.controller.abort();
    }
}

// ---- errors ----

fn invalid(msg: &'static str) -> Error {
    Error::new(ErrorCode::WebauthnInvalidOptions, msg)
}

/// `path` + `what`, e.g. "user.id must be strict base64url" (no `format!` on this path).
fn invalid_member(path: &str, what: &str) -> Error {
    let mut msg = String::with_capacity(path.len() + what.len());
    msg.push_str(path);
    msg.push_str(what);
    Error::new(ErrorCode::WebauthnInvalidOptions, msg)
}

/// DOMException name → code (WebAuthn L3 §5.1.3 / §5.1.4 error cases), the exception kept as `cause`.
fn map_exception(e: JsValue, kind: Kind, rp_id: Option<String>) -> Error {
    let name = prop(&e, "name").as_string().unwrap_or_default();
    let code = match name.as_str() {
        "NotAllowedError" => ErrorCode::WebauthnNotAllowed,
        "InvalidStateError" if kind == Kind::Create => ErrorCode::WebauthnAlreadyRegistered,
        "SecurityError" if rp_id.is_some_and(|id| !is_registrable_suffix(&id, &hostname())) => ErrorCode::WebauthnInvalidRpId,
        "SecurityError" => ErrorCode::WebauthnInvalidDomain,
        "NotSupportedError" => ErrorCode::WebauthnUnsupportedAlgorithm,
        "ConstraintError" => ErrorCode::WebauthnConstraint,
        "AbortError" => ErrorCode::WebauthnAborted,
        // WebIDL conversion of the options failed: they were malformed in a way we did not check.
        "TypeError" => ErrorCode::WebauthnInvalidOptions,
        _ => ErrorCode::WebauthnFailed,
    };
    let msg = prop(&e, "message").as_string().unwrap_or_default();
    Error::new(code, msg).with_cause(e)
}

/// The RP ID rule of WebAuthn §5.1.3 step 8 (HTML "is a registrable domain suffix of or is equal to"),
/// without the public-suffix list: equal to the host, or a dot-separated suffix of it.
fn is_registrable_suffix(rp_id: &str, host: &str) -> bool {
    let rp = rp_id.to_ascii_lowercase();
    !rp.is_empty() && (host == rp || host.strip_suffix(rp.as_str()).is_some_and(|rest| rest.ends_with('.')))
}

fn hostname() -> String {
    prop(&prop(&js_sys::global(), "location"), "hostname").as_string().unwrap_or_default()
}

// ---- options: validation + conversion (base64url → ArrayBuffer) ----

/// Validate `PublicKeyCredentialCreationOptionsJSON` and convert it to `PublicKeyCredentialCreationOptions`.
fn creation_options(json: &JsValue) -> Result<Object> {
    let out = copy_object(json, "options")?;
    let rp = prop(json, "rp");
    require_object(&rp, "rp")?;
    require_string(&rp, "name", "rp.name")?;
    optional_string(&rp, "id", "rp.id")?;
    let user_json = prop(json, "user");
    let user = copy_object(&user_json, "user")?;
    require_string(&user_json, "name", "user.name")?;
    require_string(&user_json, "displayName", "user.displayName")?;
    // §5.4.3: user.id is 1 to 64 bytes.
    let id = binary(&user_json, &user, "id", "user.id")?.unwrap_or(0);
    if !(1..=64).contains(&id) {
        return Err(invalid("user.id must be 1 to 64 bytes"));
    }
    set(&out, "user", &user);
    challenge(json, &out)?;
    let params = prop(json, "pubKeyCredParams");
    if !Array::is_array(&params) {
        return Err(invalid("pubKeyCredParams must be an array"));
    }
    for p in Array::from(&params).iter() {
        require_string(&p, "type", "pubKeyCredParams[].type")?;
        if prop(&p, "alg").as_f64().is_none() {
            return Err(invalid("pubKeyCredParams[].alg must be a number"));
        }
    }
    descriptors(json, &out, "excludeCredentials")?;
    extensions(json, &out)?;
    Ok(out)
}

/// Validate `PublicKeyCredentialRequestOptionsJSON` and convert it to `PublicKeyCredentialRequestOptions`.
fn request_options(json: &JsValue) -> Result<Object> {
    let out = copy_object(json, "options")?;
    challenge(json, &out)?;
    optional_string(json, "rpId", "rpId")?;
    descriptors(json, &out, "allowCredentials")?;
    extensions(json, &out)?;
    Ok(out)
}

fn challenge(json: &JsValue, out: &Object) -> Result<()> {
    match binary(json, out, "challenge", "challenge")? {
        Some(n) if n > 0 => Ok(()),
        _ => Err(invalid("challenge is required and must not be empty")),
    }
}

/// `excludeCredentials` / `allowCredentials`: an array of `{type, id, transports?}`.
fn descriptors(json: &JsValue, out: &Object, key: &'static str) -> Result<()> {
    let list = prop(json, key);
    if list.is_undefined() {
        return Ok(());
    }
    if !Array::is_array(&list) {
        return Err(invalid_member(key, " must be an array"));
    }
    let converted = Array::new();
    for d in Array::from(&list).iter() {
        let copy = copy_object(&d, key)?;
        require_string(&d, "type", key)?;
        if binary(&d, &copy, "id", key)?.is_none() {
            return Err(invalid_member(key, " entries need an id"));
        }
        converted.push(&copy);
    }
    set(out, key, &converted);
    Ok(())
}

/// Extension inputs that carry binaries: `prf` (eval, evalByCredential) and `largeBlob.write`.
/// Others (credProps, appid, …) pass through as they are.
fn extensions(json: &JsValue, out: &Object) -> Result<()> {
    let ext = prop(json, "extensions");
    if ext.is_undefined() {
        return Ok(());
    }
    let converted = copy_object(&ext, "extensions")?;
    let prf = prop(&ext, "prf");
    if !prf.is_undefined() {
        let prf_out = copy_object(&prf, "extensions.prf")?;
        let eval = prop(&prf, "eval");
        if !eval.is_undefined() {
            let values = prf_values(&eval)?;
            set(&prf_out, "eval", &values);
        }
        let by_credential = prop(&prf, "evalByCredential");
        if !by_credential.is_undefined() {
            let by_out = copy_object(&by_credential, "extensions.prf.evalByCredential")?;
            for key in Object::keys(&by_out).iter() {
                // Keys stay base64url credential ids (also in the non-JSON dictionary); values convert.
                let id = key.as_string().unwrap_or_default();
                if base64url::decode(&id).map_or(true, |b| b.is_empty()) {
                    return Err(invalid("extensions.prf.evalByCredential keys must be base64url credential ids"));
                }
                let values = prf_values(&Reflect::get(&by_credential, &key).unwrap_or(JsValue::UNDEFINED))?;
                let _ = Reflect::set(&by_out, &key, &values);
            }
            set(&prf_out, "evalByCredential", &by_out);
        }
        set(&converted, "prf", &prf_out);
    }
    let large_blob = prop(&ext, "largeBlob");
    if !large_blob.is_undefined() {
        let blob_out = copy_object(&large_blob, "extensions.largeBlob")?;
        binary(&large_blob, &blob_out, "write", "extensions.largeBlob.write")?;
        set(&converted, "largeBlob", &blob_out);
    }
    set(out, "extensions", &converted);
    Ok(())
}

fn prf_values(v: &JsValue) -> Result<Object> {
    let out = copy_object(v, "extensions.prf values")?;
    if binary(v, &out, "first", "extensions.prf first")?.is_none() {
        return Err(invalid("extensions.prf values need `first`"));
    }
    binary(v, &out, "second", "extensions.prf second")?;
    Ok(out)
}

/// When `src[key]` is present it must be a strict base64url string; `out[key]` becomes its bytes as an
/// `ArrayBuffer`. Returns the byte length, `None` when absent.
fn binary(src: &JsValue, out: &Object, key: &str, path: &str) -> Result<Option<usize>> {
    let v = prop(src, key);
    if v.is_undefined() {
        return Ok(None);
    }
    let bytes = v
        .as_string()
        .and_then(|s| base64url::decode(&s).ok())
        .ok_or_else(|| invalid_member(path, " must be strict base64url (no padding, no + or /)"))?;
    set(out, key, &Uint8Array::from(bytes.as_slice()).buffer());
    Ok(Some(bytes.len()))
}

fn require_object(v: &JsValue, path: &str) -> Result<()> {
    if v.is_object() && !Array::is_array(v) && !v.is_function() {
        Ok(())
    } else {
        Err(invalid_member(path, " must be an object"))
    }
}

fn copy_object(v: &JsValue, path: &str) -> Result<Object> {
    require_object(v, path)?;
    Ok(Object::assign(&Object::new(), v.unchecked_ref()))
}

fn require_string(v: &JsValue, key: &str, path: &str) -> Result<()> {
    if prop(v, key).is_string() {
        Ok(())
    } else {
        Err(invalid_member(path, " must be a string"))
    }
}

fn optional_string(v: &JsValue, key: &str, path: &str) -> Result<()> {
    let m = prop(v, key);
    if m.is_undefined() || m.is_string() {
        Ok(())
    } else {
        Err(invalid_member(path, " must be a string"))
    }
}

// ---- the response JSON ----

fn response_json(credential: &Credential, kind: Kind) -> Object {
    let native = if has_method(credential, "toJSON") {
        credential.to_json().ok().filter(JsValue::is_object)
    } else {
        None
    };
    let out: Object = match native {
        Some(v) => v.unchecked_into(),
        None => build_response(credential, kind),
    };
    // Always ours: browsers' toJSON has shipped without base64url for extension binaries.
    let results = credential.client_extension_results().unwrap_or_else(|_| Object::new().into());
    set(&out, "clientExtensionResults", &encode_binaries(&results));
    out
}

/// The W3C response JSON built from the credential's attributes and methods (no `toJSON()` available).
fn build_response(credential: &Credential, kind: Kind) -> Object {
    let out = Object::new();
    let raw_id = encode_binaries(&prop(credential, "rawId"));
    let id = prop(credential, "id");
    set(&out, "id", if id.is_string() { &id } else { &raw_id });
    set(&out, "rawId", &raw_id);
    set(&out, "type", &prop(credential, "type"));
    let attachment = prop(credential, "authenticatorAttachment");
    if attachment.is_string() {
        set(&out, "authenticatorAttachment", &attachment);
    }
    let r = prop(credential, "response");
    let response = Object::new();
    let copy = |key: &str, value: JsValue| {
        let encoded = encode_binaries(&value);
        if !encoded.is_undefined() && !encoded.is_null() {
            set(&response, key, &encoded);
        }
    };
    copy("clientDataJSON", prop(&r, "clientDataJSON"));
    match kind {
        Kind::Create => {
            copy("attestationObject", prop(&r, "attestationObject"));
            copy("authenticatorData", call_method(&r, "getAuthenticatorData"));
            let transports = call_method(&r, "getTransports");
            copy("transports", if Array::is_array(&transports) { transports } else { Array::new().into() });
            copy("publicKeyAlgorithm", call_method(&r, "getPublicKeyAlgorithm"));
            copy("publicKey", call_method(&r, "getPublicKey"));
        }
        Kind::Get => {
            copy("authenticatorData", prop(&r, "authenticatorData"));
            copy("signature", prop(&r, "signature"));
            copy("userHandle", prop(&r, "userHandle"));
        }
    }
    set(&out, "response", &response);
    out
}

/// Every `ArrayBuffer` / view inside `v` (objects and arrays, recursively) replaced by base64url text.
fn encode_binaries(v: &JsValue) -> JsValue {
    if let Some(bytes) = bytes_of(v) {
        return JsValue::from_str(&base64url::encode(&bytes));
    }
    if Array::is_array(v) {
        return Array::from(v).iter().map(|x| encode_binaries(&x)).collect::<Array>().into();
    }
    if v.is_object() && !v.is_function() {
        let out = Object::new();
        for key in Object::keys(v.unchecked_ref::<Object>()).iter() {
            let member = Reflect::get(v, &key).unwrap_or(JsValue::UNDEFINED);
            let _ = Reflect::set(&out, &key, &encode_binaries(&member));
        }
        return out.into();
    }
    v.clone()
}

fn bytes_of(v: &JsValue) -> Option<Vec<u8>> {
    if v.is_instance_of::<ArrayBuffer>() {
        return Some(Uint8Array::new(v).to_vec());
    }
    if ArrayBuffer::is_view(v) {
        let offset = prop(v, "byteOffset").as_f64()? as u32;
        let length = prop(v, "byteLength").as_f64()? as u32;
        return Some(Uint8Array::new_with_byte_offset_and_length(&prop(v, "buffer"), offset, length).to_vec());
    }
    None
}

// ---- small JS helpers ----

fn prop(target: &JsValue, key: &str) -> JsValue {
    if !target.is_object() && !target.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn set(target: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

fn has_method(target: &JsValue, name: &str) -> bool {
    prop(target, name).is_function()
}

/// `target[name]()` when it is a method; `undefined` when missing or throwing (older browsers lack
/// `getPublicKey` & co.).
fn call_method(target: &JsValue, name: &str) -> JsValue {
    prop(target, name)
        .dyn_into::<Function>()
        .ok()
        .and_then(|f| f.call0(target).ok())
        .unwrap_or(JsValue::UNDEFINED)
}

/// The global `PublicKeyCredential` interface, when this browser (and context) has WebAuthn.
fn pkc_class() -> Option<JsValue> {
    let class = Reflect::get(&js_sys::global(), &JsValue::from_str("PublicKeyCredential")).ok()?;
    class.is_function().then_some(class)
}

fn has_static(name: &str) -> bool {
    pkc_class().is_some_and(|c| has_method(&c, name))
}

/// `await PublicKeyCredential[name]() === true`, false when missing or failing.
async fn static_flag(name: &str) -> bool {
    let Some(class) = pkc_class() else { return false };
    let answer = JsFuture::from(Promise::resolve(&call_method(&class, name))).await;
    answer.ok().and_then(|v| v.as_bool()) == Some(true)
}

fn credentials() -> Result<Credentials> {
    let not_supported = || Error::new(ErrorCode::WebauthnNotSupported, "WebAuthn is not available (needs a secure context)");
    pkc_class().ok_or_else(not_supported)?;
    let navigator = prop(&js_sys::global(), "navigator");
    let creds = prop(&navigator, "credentials");
    if creds.is_object() {
        Ok(creds.unchecked_into())
    } else {
        Err(not_supported())
    }
}
