//! OpenID Provider metadata (OIDC Discovery 1.0 §3, §4; RFC 8414 §2 for the OAuth members).

use alloc::string::String;
use alloc::vec::Vec;

use super::authorize::is_secure_url;
use super::error::{Error, ErrorCode, FirstError, Result};
use super::json::{Json, JsonObject};

/// OIDC Discovery §4.1: any terminating `/` of the issuer is removed before appending the well-known path,
/// so Auth0's `https://tenant.auth0.com/` and Keycloak's `https://host/realms/x` both work.
pub fn discovery_url(issuer: &str) -> String {
    let mut url = String::from(issuer.strip_suffix('/').unwrap_or(issuer));
    url.push_str("/.well-known/openid-configuration");
    url
}

/// The metadata members stepup uses, checked; everything else is in `raw`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProviderMetadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    pub end_session_endpoint: Option<String>,
    pub userinfo_endpoint: Option<String>,
    /// RFC 9207 §3: when true, authorization responses without `iss` are rejected.
    pub authorization_response_iss_parameter_supported: bool,
    pub code_challenge_methods_supported: Vec<String>,
    pub id_token_signing_alg_values_supported: Vec<String>,
    pub acr_values_supported: Vec<String>,
    pub raw: JsonObject,
}

fn failed(msg: &'static str) -> Error {
    Error::new(ErrorCode::DiscoveryFailed, msg)
}

/// An optional string member (`null` reads as absent).
fn string(obj: &JsonObject, err: &mut FirstError, name: &str) -> Option<String> {
    match obj.get(name) {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => Some(s.clone()),
        Some(_) => err.note(failed("a discovery member is not a string")),
    }
}

/// An optional endpoint: https (http on localhost) when present.
fn endpoint(obj: &JsonObject, err: &mut FirstError, name: &str) -> Option<String> {
    match string(obj, err, name) {
        Some(url) if !is_secure_url(&url) => err.note(failed("a discovery endpoint is not an https URL")),
        url => url,
    }
}

fn required(obj: &JsonObject, err: &mut FirstError, name: &str) -> String {
    match endpoint(obj, err, name) {
        Some(url) => url,
        None => err.note(failed("a required discovery endpoint is missing")),
    }
}

/// An optional list of strings; absent is empty.
fn list(obj: &JsonObject, err: &mut FirstError, name: &str) -> Vec<String> {
    match obj.get(name) {
        None | Some(Json::Null) => Vec::new(),
        Some(v @ Json::Array(_)) => match v.as_strings() {
            Some(list) => list,
            None => err.note(failed("a discovery list holds a non-string")),
        },
        Some(_) => err.note(failed("a discovery member is not a list")),
    }
}

impl ProviderMetadata {
    /// Check a discovery document against the configured issuer, in this order:
    /// 1. `issuer` equals `expected_issuer` exactly (OIDC Discovery §4.3, RFC 8414 §3.3: the mix-up defence)
    ///    → `issuer_mismatch`; the issuer itself must be https (localhost may use http) without query or
    ///    fragment (§2 / RFC 8414 §2) → `invalid_config`;
    /// 2. `authorization_endpoint`, `token_endpoint`, `jwks_uri` present and https (http on localhost), and
    ///    `end_session_endpoint` / `userinfo_endpoint` too when present (RFC 9700 §2.6) → `discovery_failed`;
    /// 3. `code_challenge_methods_supported`, when present, includes `S256` (RFC 8414 §2, RFC 7636 §4.2)
    ///    → `discovery_failed`;
    /// 4. every member read has its registered JSON type → `discovery_failed`.
    pub fn from_json(json: &Json, expected_issuer: &str) -> Result<ProviderMetadata> {
        let obj = json.as_object().ok_or_else(|| failed("the discovery document is not a JSON object"))?;
        let issuer = obj.get("issuer").and_then(Json::as_str).unwrap_or("");
        if expected_issuer.is_empty() || issuer != expected_issuer {
            return Err(Error::new(ErrorCode::IssuerMismatch, "the discovery issuer is not the configured issuer"));
        }
        if !is_secure_url(issuer) || !super::text::all_bytes(issuer, |b| b != b'?' && b != b'#') {
            return Err(Error::new(ErrorCode::InvalidConfig, "the issuer must be an https URL without query or fragment"));
        }

        let mut err = FirstError::default();
        let meta = ProviderMetadata {
            issuer: String::from(issuer),
            authorization_endpoint: required(obj, &mut err, "authorization_endpoint"),
            token_endpoint: required(obj, &mut err, "token_endpoint"),
            jwks_uri: required(obj, &mut err, "jwks_uri"),
            end_session_endpoint: endpoint(obj, &mut err, "end_session_endpoint"),
            userinfo_endpoint: endpoint(obj, &mut err, "userinfo_endpoint"),
            authorization_response_iss_parameter_supported: match obj.get("authorization_response_iss_parameter_supported") {
                None | Some(Json::Null) => false,
                Some(Json::Bool(b)) => *b,
                Some(_) => err.note(failed("authorization_response_iss_parameter_supported is not a boolean")),
            },
            code_challenge_methods_supported: list(obj, &mut err, "code_challenge_methods_supported"),
            id_token_signing_alg_values_supported: list(obj, &mut err, "id_token_signing_alg_values_supported"),
            acr_values_supported: list(obj, &mut err, "acr_values_supported"),
            raw: obj.clone(),
        };
        // PKCE S256 is the only method we use; a provider that lists methods without it would refuse us. (Noted
        // last: any failure of the members comes first.)
        if matches!(obj.get("code_challenge_methods_supported"), Some(Json::Array(_))) && !meta.code_challenge_methods_supported.iter().any(|m| m == "S256") {
            err.note::<()>(failed("the provider does not support PKCE S256"));
        }
        err.or_ok(meta)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::core::json::parse;

    fn metadata(issuer: &str) -> Result<ProviderMetadata> {
        let text = [r#"{"issuer":""#, issuer, r#"","authorization_endpoint":"https://a/","token_endpoint":"https://a/","jwks_uri":"https://a/"}"#].concat();
        ProviderMetadata::from_json(&parse(&text, ErrorCode::DiscoveryFailed).unwrap(), issuer)
    }

    #[test]
    fn the_issuer_has_no_query_or_fragment() {
        for issuer in ["https://idp.example/?x=1", "https://idp.example/#f", "https://idp.example/caf\u{e9}?", "https://idp.example/a#"] {
            assert_eq!(metadata(issuer).unwrap_err().code(), "invalid_config", "{issuer}");
        }
        for issuer in ["https://idp.example/", "https://idp.example/caf\u{e9}", "https://idp.example/realms/x"] {
            assert_eq!(metadata(issuer).unwrap().issuer, issuer);
        }
    }
}
