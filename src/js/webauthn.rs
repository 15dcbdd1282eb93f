//! `registerPasskey`, `authenticatePasskey`, `webauthnSupport`: wrappers over [`crate::web::webauthn`].

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::error::IntoJsResult;
use super::{parsed, promise, signal_of};
use crate::core::json::ObjectWriter;
use crate::web::util::get;
use crate::web::webauthn::{self, Kind};
use crate::ErrorCode;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** Unpadded base64url (RFC 4648 §5), the encoding of every binary member below. */
export type Base64URLString = string;
export type AuthenticatorTransportJSON = "ble" | "hybrid" | "internal" | "nfc" | "smart-card" | "usb" | (string & {});
export type PublicKeyCredentialHintJSON = "security-key" | "client-device" | "hybrid" | (string & {});
export type UserVerificationRequirementJSON = "required" | "preferred" | "discouraged";

export interface PublicKeyCredentialDescriptorJSON { type: "public-key"; id: Base64URLString; transports?: AuthenticatorTransportJSON[] }
export interface AuthenticationExtensionsPRFValuesJSON { first: Base64URLString; second?: Base64URLString }
/** Extension inputs; binaries (PRF salts, largeBlob data) as base64url. Others pass through unchanged. */
export interface AuthenticationExtensionsClientInputsJSON {
  prf?: { eval?: AuthenticationExtensionsPRFValuesJSON; evalByCredential?: Record<Base64URLString, AuthenticationExtensionsPRFValuesJSON> };
  largeBlob?: { support?: "required" | "preferred"; read?: boolean; write?: Base64URLString };
  credProps?: boolean;
  [extension: string]: unknown;
}
/** Extension outputs; every binary (PRF results, largeBlob blob) is base64url, never an ArrayBuffer. */
export interface AuthenticationExtensionsClientOutputsJSON {
  prf?: { enabled?: boolean; results?: { first: Base64URLString; second?: Base64URLString } };
  largeBlob?: { supported?: boolean; blob?: Base64URLString; written?: boolean };
  credProps?: { rk?: boolean };
  [extension: string]: unknown;
}

/** W3C WebAuthn Level 3 `PublicKeyCredentialCreationOptionsJSON`, as a relying party server sends it. */
export interface PublicKeyCredentialCreationOptionsJSON {
  rp: { id?: string; name: string };
  user: { id: Base64URLString; name: string; displayName: string };
  challenge: Base64URLString;
  pubKeyCredParams: { type: "public-key"; alg: number }[];
  timeout?: number;
  excludeCredentials?: PublicKeyCredentialDescriptorJSON[];
  authenticatorSelection?: {
    authenticatorAttachment?: "platform" | "cross-platform";
    residentKey?: "required" | "preferred" | "discouraged";
    requireResidentKey?: boolean;
    userVerification?: UserVerificationRequirementJSON;
  };
  hints?: PublicKeyCredentialHintJSON[];
  attestation?: "none" | "indirect" | "direct" | "enterprise";
  attestationFormats?: string[];
  extensions?: AuthenticationExtensionsClientInputsJSON;
  [member: string]: unknown;
}

/** W3C WebAuthn Level 3 `PublicKeyCredentialRequestOptionsJSON`. */
export interface PublicKeyCredentialRequestOptionsJSON {
  challenge: Base64URLString;
  timeout?: number;
  rpId?: string;
  allowCredentials?: PublicKeyCredentialDescriptorJSON[];
  userVerification?: UserVerificationRequirementJSON;
  hints?: PublicKeyCredentialHintJSON[];
  extensions?: AuthenticationExtensionsClientInputsJSON;
  [member: string]: unknown;
}

/** W3C `RegistrationResponseJSON`: send it to the relying party as it is. */
export interface RegistrationResponseJSON {
  id: Base64URLString;
  rawId: Base64URLString;
  type: "public-key";
  response: {
    clientDataJSON: Base64URLString;
    attestationObject: Base64URLString;
    authenticatorData?: Base64URLString;
    transports?: AuthenticatorTransportJSON[];
    publicKeyAlgorithm?: number;
    publicKey?: Base64URLString;
  };
  authenticatorAttachment?: "platform" | "cross-platform";
  clientExtensionResults: AuthenticationExtensionsClientOutputsJSON;
}

/** W3C `AuthenticationResponseJSON`: send it to the relying party as it is. */
export interface AuthenticationResponseJSON {
  id: Base64URLString;
  rawId: Base64URLString;
  type: "public-key";
  response: {
    clientDataJSON: Base64URLString;
    authenticatorData: Base64URLString;
    signature: Base64URLString;
    userHandle?: Base64URLString;
  };
  authenticatorAttachment?: "platform" | "cross-platform";
  clientExtensionResults: AuthenticationExtensionsClientOutputsJSON;
}

export interface RegisterPasskeyOptions { signal?: AbortSignal }
export interface AuthenticatePasskeyOptions {
  /** Conditional mediation: offer passkeys in the autofill of an `autocomplete="username webauthn"` field. */
  conditional?: boolean;
  signal?: AbortSignal;
}
export interface WebAuthnSupport { webauthn: boolean; platformAuthenticator: boolean; conditionalMediation: boolean }
"#;

/// Register a passkey (`navigator.credentials.create`) from the relying party's W3C options JSON; resolves
/// with the W3C response JSON to send back. Throws a `StepUpError`: `webauthn_invalid_options` (checked
/// before the browser is called), `webauthn_not_allowed`, `webauthn_already_registered`,
/// `webauthn_aborted` (your signal, or a newer ceremony), …, with the DOMException as `cause`.
#[wasm_bindgen(js_name = registerPasskey, unchecked_return_type = "Promise<RegistrationResponseJSON>")]
pub fn register_passkey(
    #[wasm_bindgen(js_name = optionsJSON, unchecked_param_type = "PublicKeyCredentialCreationOptionsJSON")]
    options_json: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "RegisterPasskeyOptions")] options: JsValue,
) -> Promise {
    ceremony(Kind::Create, options_json, options)
}

/// Authenticate with a passkey (`navigator.credentials.get`); `conditional: true` for autofill.
/// Resolves with the W3C response JSON (PRF / largeBlob outputs as base64url); errors as `registerPasskey`.
#[wasm_bindgen(js_name = authenticatePasskey, unchecked_return_type = "Promise<AuthenticationResponseJSON>")]
pub fn authenticate_passkey(
    #[wasm_bindgen(js_name = optionsJSON, unchecked_param_type = "PublicKeyCredentialRequestOptionsJSON")]
    options_json: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "AuthenticatePasskeyOptions")] options: JsValue,
) -> Promise {
    ceremony(Kind::Get, options_json, options)
}

/// Both exports, one async body (one state machine in the wasm). `conditional` is read for `get` only.
fn ceremony(kind: Kind, options_json: JsValue, options: JsValue) -> Promise {
    promise(async move {
        let signal = signal_of(&options, ErrorCode::WebauthnInvalidOptions).js()?;
        let conditional = kind == Kind::Get && get(&options, "conditional").as_bool() == Some(true);
        webauthn::run(kind, (&options_json).into(), conditional, signal.as_ref()).await.map(JsValue::from).js()
    })
}

/// What this browser offers: WebAuthn, a platform authenticator, conditional mediation (autofill).
#[wasm_bindgen(js_name = webauthnSupport, unchecked_return_type = "Promise<WebAuthnSupport>")]
pub fn webauthn_support() -> Promise {
    promise(async move { Ok(support_js(webauthn::webauthn_support().await)) })
}

fn support_js(s: webauthn::Support) -> JsValue {
    let mut out = ObjectWriter::new();
    out.boolean("webauthn", s.webauthn);
    out.boolean("platformAuthenticator", s.platform_authenticator);
    out.boolean("conditionalMediation", s.conditional_mediation);
    parsed(&out.finish())
}
