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
//! Each ceremony runs in this order (one rule per step; the decisions are all here, `glue.js` only
//! converts and calls):
//! 1. validate the options ([`crate::core::passkey`]): required members present, every binary member
//!    strict base64url (unpadded, canonical), a challenge of at least 16 bytes (WebAuthn L3 §13.4.3) →
//!    else `webauthn_invalid_options`, and the browser is never called;
//! 2. no `PublicKeyCredential` or no `navigator.credentials` → `webauthn_not_supported`;
//! 3. the browser's `parse…OptionsFromJSON` converts the options (a rejection → `webauthn_invalid_options`);
//!    a browser without it (Safari before 18.4, Firefox before 119) gets glue.js's decoding of the binary
//!    members step 1 checked, so WebAuthn Level 2 browsers run the same ceremonies;
//! 4. abort the previous ceremony of this module, link the caller's `AbortSignal`;
//! 5. glue.js `passkey`: `navigator.credentials.create/get`, then `credential.toJSON()` (or, without it, the
//!    same members read from the credential's attributes and getters) with
//!    `clientExtensionResults` rebuilt from `getClientExtensionResults()` with every binary (PRF results,
//!    largeBlob blob) as base64url, because browsers' `toJSON` has shipped without them;
//! 6. a rejection maps its DOMException name to a `webauthn_*` code, the original kept as `cause`.

use alloc::boxed::Box;
use alloc::string::String;
use core::future::Future;

use js_sys::{Object, Promise, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortController, AbortSignal};

use super::util::get as prop;
use super::util::{abort_reason, is_aborted, Listener, PageLocal, TrapCell};
use crate::core::json::Json;
use crate::core::passkey;
use crate::web::json;
use crate::{Error, ErrorCode, Result};

type JsResult<T> = core::result::Result<T, JsValue>;

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// glue.js `passkeyOptions`: `PublicKeyCredential.parseCreationOptionsFromJSON` (`create`) or
    /// `parseRequestOptionsFromJSON`, throwing what the browser throws.
    #[wasm_bindgen(catch, js_name = passkeyOptions)]
    fn passkey_options(create: bool, options: &JsValue) -> JsResult<JsValue>;
    /// glue.js `passkey`: the ceremony; resolves to the response JSON (or null), rejects with the browser's error.
    #[wasm_bindgen(js_name = passkey)]
    fn passkey(create: bool, public_key: &JsValue, signal: &AbortSignal, conditional: bool) -> Promise;
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
    /// `PublicKeyCredential` and `navigator.credentials` exist (a secure context with WebAuthn): the
    /// ceremonies can run, with or without the browser's WebAuthn Level 3 JSON methods.
    pub webauthn: bool,
    /// `isUserVerifyingPlatformAuthenticatorAvailable()`: a built-in authenticator with user verification.
    pub platform_authenticator: bool,
    /// `isConditionalMediationAvailable()`: passkeys offered in form autofill (`conditional: true`).
    pub conditional_mediation: bool,
}

/// Feature detection; never fails (an unsupported browser answers all `false`).
pub async fn webauthn_support() -> Support {
    if supported().is_err() {
        return Support::default();
    }
    // Both questions asked at once; each answer is awaited in this one state machine.
    let platform = static_flag("isUserVerifyingPlatformAuthenticatorAvailable");
    let conditional = static_flag("isConditionalMediationAvailable");
    Support { webauthn: true, platform_authenticator: yes(platform.await), conditional_mediation: yes(conditional.await) }
}

/// Register a passkey: `navigator.credentials.create` with the relying party's creation options.
///
/// A ceremony started while another one of this module runs aborts the older one (`webauthn_aborted`).
/// Dropping the returned future aborts the browser ceremony too.
pub fn register_passkey<'a>(
    options: impl Into<PasskeyOptions<'a>>,
    signal: Option<&'a AbortSignal>,
) -> impl Future<Output = Result<PasskeyResponse>> + 'a {
    run(Kind::Create, options.into(), false, signal)
}

/// Authenticate with a passkey: `navigator.credentials.get` with the relying party's request options.
///
/// `conditional: true` runs conditional mediation (passkeys in the autofill of an
/// `autocomplete="… webauthn"` field); the call then stays pending until the user picks a passkey,
/// a new ceremony starts, or `signal` aborts. A browser without it answers `webauthn_not_supported`.
pub fn authenticate_passkey<'a>(
    options: impl Into<PasskeyOptions<'a>>,
    conditional: bool,
    signal: Option<&'a AbortSignal>,
) -> impl Future<Output = Result<PasskeyResponse>> + 'a {
    run(Kind::Get, options.into(), conditional, signal)
}

/// Which ceremony [`run`] performs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Create,
    Get,
}

/// Both ceremonies, one body (one state machine in the wasm, not two).
pub(crate) async fn run(kind: Kind, options: PasskeyOptions<'_>, conditional: bool, signal: Option<&AbortSignal>) -> Result<PasskeyResponse> {
    let json = options.to_js()?;
    let create = kind == Kind::Create;
    // The checks read core's JSON value (`core::passkey`); the browser gets the JS object.
    let value = json::from_js(json.clone()).ok_or_else(|| invalid("options must be JSON"))?;
    let rp_id = if create {
        passkey::check_creation_options(&value)?;
        value.get("rp").and_then(|rp| rp.get("id"))
    } else {
        passkey::check_request_options(&value)?;
        value.get("rpId")
    }
    .and_then(Json::as_str)
    .map(String::from);
    supported()?;
    if conditional && !yes(static_flag("isConditionalMediationAvailable").await) {
        return Err(Error::new(ErrorCode::WebauthnNotSupported, "conditional mediation is not available"));
    }
    let public_key = passkey_options(create, &json).map_err(|e| invalid("the browser rejected the options JSON").with_cause(e))?;
    let guard = Ceremony::begin(signal)?;
    let outcome = super::task::settled(passkey(create, &public_key, &prop(&guard.controller, "signal").unchecked_into(), conditional)).await;
    let value = outcome.map_err(|e| guard.failure(e, kind, rp_id))?;
    if !value.is_object() {
        return Err(Error::new(ErrorCode::WebauthnFailed, "the browser returned no credential"));
    }
    Ok(PasskeyResponse(value.unchecked_into()))
}

// ---- abort: one ceremony at a time per module, linked to the caller's signal ----

static CURRENT: PageLocal<TrapCell<Option<AbortController>>> = PageLocal::new(TrapCell::new(None));

/// The running ceremony: its controller is the module's current one until a newer ceremony replaces it.
/// Dropping it unlinks the caller's signal and aborts the browser call (a no-op once settled), so a
/// dropped Rust future does not leave a passkey prompt behind.
struct Ceremony {
    controller: AbortController,
    /// The caller's signal, and the listener that aborts our controller with it (removed when dropped).
    caller: Option<(AbortSignal, Listener)>,
}

impl Ceremony {
    fn begin(signal: Option<&AbortSignal>) -> Result<Ceremony> {
        if let Some(s) = signal {
            if is_aborted(s) {
                return Err(Error::new(ErrorCode::WebauthnAborted, "the signal was already aborted").with_cause(abort_reason(s)));
            }
        }
        let controller =
            AbortController::new().map_err(|e| Error::new(ErrorCode::WebauthnFailed, "no AbortController").with_cause(e))?;
        if let Some(previous) = CURRENT.with(|c| c.borrow_mut().replace(controller.clone())) {
            previous.abort();
        }
        let caller = signal.map(|s| {
            let ours = controller.clone();
            (s.clone(), Listener::new(s, "abort", Box::new(move |_| ours.abort())))
        });
        Ok(Ceremony { controller, caller })
    }

    fn failure(&self, e: JsValue, kind: Kind, rp_id: Option<String>) -> Error {
        if is_aborted(&prop(&self.controller, "signal")) {
            return match &self.caller {
                Some((s, _)) if is_aborted(s) => {
                    Error::new(ErrorCode::WebauthnAborted, "aborted by the caller's signal").with_cause(abort_reason(s))
                }
                _ => Error::new(ErrorCode::WebauthnAborted, "aborted: a newer passkey ceremony started").with_cause(e),
            };
        }
        map_exception(e, kind, rp_id)
    }
}

impl Drop for Ceremony {
    fn drop(&mut self) {
        self.caller = None; // unlinks the caller's signal first
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
    prop(&prop(&super::util::global(), "location"), "hostname").as_string().unwrap_or_default()
}

// ---- small JS helpers ----

/// The global `PublicKeyCredential` interface, when this browser (and context) has WebAuthn.
fn pkc_class() -> Option<JsValue> {
    let class = prop(&super::util::global(), "PublicKeyCredential");
    class.is_function().then_some(class)
}

/// Whether a [`static_flag`] answered `true`.
fn yes(answer: core::result::Result<JsValue, JsValue>) -> bool {
    answer.ok().and_then(|v| v.as_bool()) == Some(true)
}

/// `PublicKeyCredential[name]()` as a future (its answer is `true` when the browser says yes); `undefined` when
/// the method is missing or throws.
fn static_flag(name: &str) -> super::task::Settled {
    let call = pkc_class().and_then(|class| prop(&class, name).dyn_into::<js_sys::Function>().ok().and_then(|f| f.call0(&class).ok()));
    super::task::settled(Promise::resolve(&call.unwrap_or(JsValue::UNDEFINED)))
}

/// WebAuthn: `PublicKeyCredential` and `navigator.credentials` (a secure context of a browser with WebAuthn).
/// The Level 3 JSON methods are used when present; glue.js converts without them.
fn supported() -> Result<()> {
    let ok = pkc_class().is_some() && prop(&prop(&super::util::global(), "navigator"), "credentials").is_object();
    if ok {
        Ok(())
    } else {
        Err(Error::new(
            ErrorCode::WebauthnNotSupported,
            "WebAuthn is not available: needs a secure context with navigator.credentials and PublicKeyCredential",
        ))
    }
}
