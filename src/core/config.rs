//! The settings a caller writes: [`ClientConfig`] (once per client) and [`AuthorizeOptions`] (per login),
//! with their readers from the camelCase objects of the JS contract. Here, browser-free, so that the readers
//! are tested natively and fuzzed as they are; `web::client` checks what needs a browser (`apiOrigins` as
//! URLs) when the client is made.

use alloc::string::String;
use alloc::vec::Vec;

use super::cache::CacheLocation;
use super::error::{Error, ErrorCode, Result};
use super::json::Json;
use super::options::Reader;

/// `ClientConfig` of the JS contract.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClientConfig {
    /// The issuer identifier, exactly as the provider writes it (Auth0: with the trailing slash).
    pub issuer: String,
    pub client_id: String,
    /// Where the redirect flow returns.
    pub redirect_uri: String,
    /// Where the popup flow returns (a page that calls `handlePopupCallback()`); default `redirect_uri`.
    pub popup_redirect_uri: Option<String>,
    /// Default `"openid profile"`; `openid` is always sent.
    pub scope: Option<String>,
    /// Auth0's API identifier.
    pub audience: Option<String>,
    /// Clock skew allowance, seconds; default 60, and 0 means 0.
    pub leeway: Option<u64>,
    /// Default 300.
    pub popup_timeout_seconds: Option<u64>,
    /// The discovery document, to skip fetching it. Checked like a fetched one.
    pub metadata: Option<Json>,
    /// ID token algorithm allowlist; default RS256, PS256, ES256.
    pub algorithms: Option<Vec<String>>,
    /// The `acr` requested for `mfa` policies; default the OpenID PAPE multi-factor URI.
    pub step_up_acr: Option<String>,
    /// Origins besides the page's own that `fetch` may send the access token to (e.g. `https://api.example.com`).
    /// A request to any other origin fails with `invalid_config` rather than leak the token.
    pub api_origins: Vec<String>,
    /// Audiences an ID token may carry besides `client_id` (OIDC Core §3.1.3.7 #3); any other is
    /// `invalid_audience`. Empty by default.
    pub trusted_audiences: Vec<String>,
    /// The provider's authentication method names → RFC 8176 values (`totp` → `otp`), applied to a new
    /// session's `amr` before any policy is judged; the ID token's claims keep the raw names.
    pub amr_aliases: Vec<(String, String)>,
    /// Ordered acr levels, weakest first: a returned `acr` at or above the requested one satisfies it
    /// (`policy::acr_meets`). Empty: membership is exact.
    pub acr_levels: Vec<String>,
    /// Bind the tokens to a key pair held in this browser (RFC 9449 DPoP). Default false.
    pub use_dpop: bool,
    /// Where the session is kept: memory (the default: nothing outlives the page), this tab's
    /// `sessionStorage`, or `localStorage` (shared by every tab). See `core::cache`.
    pub cache_location: CacheLocation,
    /// Ask for `offline_access` and renew access tokens with the refresh-token grant.
    pub use_refresh_tokens: bool,
}

impl ClientConfig {
    pub fn new(issuer: impl Into<String>, client_id: impl Into<String>, redirect_uri: impl Into<String>) -> Self {
        ClientConfig { issuer: issuer.into(), client_id: client_id.into(), redirect_uri: redirect_uri.into(), ..Default::default() }
    }

    /// Read the camelCase object of the JS contract; a wrong type is `invalid_config` naming the member.
    pub fn from_json(value: Option<&Json>) -> Result<Self> {
        let mut r = Reader::new(value, "config");
        let config = ClientConfig {
            issuer: r.required_string("issuer"),
            client_id: r.required_string("clientId"),
            redirect_uri: r.required_string("redirectUri"),
            popup_redirect_uri: r.string("popupRedirectUri"),
            scope: r.string("scope"),
            audience: r.string("audience"),
            leeway: r.uint("leeway"),
            popup_timeout_seconds: r.uint("popupTimeoutSeconds"),
            metadata: r.object("metadata").json().cloned(),
            algorithms: r.strings("algorithms"),
            step_up_acr: r.string("stepUpAcr"),
            api_origins: r.list("apiOrigins"),
            trusted_audiences: r.list("trustedAudiences"),
            amr_aliases: string_map(&mut r, "amrAliases"),
            acr_levels: r.list("acrLevels"),
            use_dpop: r.flag("useDpop"),
            cache_location: {
                let location = r.string("cacheLocation");
                r.err.take(CacheLocation::parse(location.as_deref()))
            },
            use_refresh_tokens: r.flag("useRefreshTokens"),
        };
        r.finish(config)
    }
}

/// An object whose members are all strings (`extraParams`, `amrAliases`), as pairs; absent (or a failure, noted) is
/// empty.
pub(crate) fn string_map(r: &mut Reader<'_>, key: &'static str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let all_strings = match r.options.get(key) {
        None => true,
        Some(Json::Object(map)) => {
            let mut all = true;
            for (k, v) in map.iter() {
                let Some(v) = v.as_str() else {
                    all = false;
                    break;
                };
                pairs.push((k.clone(), v.into()));
            }
            all
        }
        Some(_) => false,
    };
    if all_strings {
        pairs
    } else {
        r.err.note(Error::new(ErrorCode::InvalidConfig, "must be an object of strings").with_claim(key))
    }
}

/// `AuthorizeOptions` of the JS contract.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthorizeOptions {
    pub acr_values: Option<Vec<String>>,
    pub max_age: Option<u64>,
    pub prompt: Option<String>,
    pub login_hint: Option<String>,
    /// Also request `acr` as an essential claim (the provider must meet it or fail).
    pub essential_acr: bool,
    pub extra_params: Vec<(String, String)>,
    /// The scope of this login instead of the config's (providers that step up by scope); `openid` is
    /// always sent.
    pub scope: Option<String>,
}

impl AuthorizeOptions {
    pub fn from_json(value: Option<&Json>) -> Result<Self> {
        let mut r = Reader::new(value, "options");
        let options = AuthorizeOptions {
            acr_values: r.strings("acrValues"),
            max_age: r.uint("maxAge"),
            prompt: r.string("prompt"),
            login_hint: r.string("loginHint"),
            essential_acr: r.flag("essentialAcr"),
            extra_params: string_map(&mut r, "extraParams"),
            scope: r.string("scope"),
        };
        r.finish(options)
    }
}

/// `entry` without the `/`s it ends with: an `apiOrigins` entry may be written `https://api.example.com/`.
pub fn without_trailing_slashes(entry: &str) -> &str {
    let mut rest = entry;
    while let Some(shorter) = rest.strip_suffix('/') {
        rest = shorter;
    }
    rest
}

/// RFC 9700 §4.9 / RFC 6750 §5.3: whether `client.fetch` may attach the access token to a request whose URL has the
/// origin `target`, on a page of origin `own`: only this page's origin or one of `api_origins`. An opaque origin
/// (`"null"`: a `data:` or `blob:` URL, a sandboxed page) never matches, even on an opaque page: it names no server,
/// and every opaque origin serializes the same. Neither does `""` (no URL).
#[inline]
pub fn token_may_go_to(target: &str, own: &str, api_origins: &[String]) -> bool {
    if target.is_empty() || target == "null" {
        return false;
    }
    target == own || api_origins.iter().any(|o| without_trailing_slashes(o) == target)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::core::json;
    use alloc::string::ToString;
    use alloc::vec;

    fn parse(text: &str) -> Json {
        json::parse(text, ErrorCode::InvalidConfig).unwrap()
    }

    #[test]
    fn client_config_reads_camel_case_and_rejects_wrong_types() {
        let c = ClientConfig::from_json(Some(&parse(
            r#"{"issuer":"https://idp.example/","clientId":"spa","redirectUri":"https://app.example/cb",
                "popupRedirectUri":"https://app.example/popup","leeway":0,"popupTimeoutSeconds":30,
                "algorithms":["ES256"],"stepUpAcr":"urn:gold","metadata":{"issuer":"https://idp.example/"}}"#,
        )))
        .unwrap();
        assert_eq!(c.client_id, "spa");
        assert_eq!(c.leeway, Some(0), "0 means 0");
        assert_eq!(c.popup_timeout_seconds, Some(30));
        assert_eq!(c.step_up_acr.as_deref(), Some("urn:gold"));
        for (bad, member) in [
            (r#"{"issuer":1,"clientId":"spa","redirectUri":"x"}"#, "issuer"),
            (r#"{"issuer":"i","redirectUri":"x"}"#, "clientId"),
            (r#"{"issuer":"i","clientId":"spa","redirectUri":"x","leeway":-1}"#, "leeway"),
            (r#"{"issuer":"i","clientId":"spa","redirectUri":"x","leeway":"60"}"#, "leeway"),
            (r#"{"issuer":"i","clientId":"spa","redirectUri":"x","algorithms":"RS256"}"#, "algorithms"),
            (r#"{"issuer":"i","clientId":"spa","redirectUri":"x","metadata":"https://idp"}"#, "metadata"),
        ] {
            let err = ClientConfig::from_json(Some(&parse(bad))).unwrap_err();
            assert_eq!(err.code(), "invalid_config", "{bad}");
            assert_eq!(err.claim.as_deref(), Some(member), "{bad}");
        }
        assert_eq!(ClientConfig::from_json(Some(&parse("[]"))).unwrap_err().code(), "invalid_config");
        assert_eq!(ClientConfig::from_json(Some(&parse("true"))).unwrap_err().claim.as_deref(), Some("config"));
        let metadata = |m: &str| ClientConfig::from_json(Some(&parse(&[r#"{"issuer":"i","clientId":"c","redirectUri":"x","metadata":"#, m, "}"].concat())));
        assert_eq!(metadata("[]").unwrap_err().message(), "metadata must be an object");
        assert_eq!(metadata("null").unwrap().metadata, None);
        assert_eq!(metadata(r#"{"a":1}"#).unwrap().metadata, Some(parse(r#"{"a":1}"#)));
        assert_eq!(ClientConfig::from_json(None).unwrap_err().claim.as_deref(), Some("issuer"));
        let map_then_later = r#"{"issuer":"i","clientId":"c","redirectUri":"x","amrAliases":{"a":"b","c":2},"acrLevels":5}"#;
        assert_eq!(ClientConfig::from_json(Some(&parse(map_then_later))).unwrap_err().claim.as_deref(), Some("amrAliases"));
        assert_eq!(AuthorizeOptions::from_json(Some(&parse("1"))).unwrap_err().claim.as_deref(), Some("options"));
    }

    #[test]
    fn authorize_options_read_extra_params_as_strings() {
        let o = AuthorizeOptions::from_json(Some(&parse(
            r#"{"acrValues":["urn:mfa"],"maxAge":0,"prompt":"login","essentialAcr":true,"extraParams":{"ui_locales":"fr"}}"#,
        )))
        .unwrap();
        assert_eq!(o.max_age, Some(0));
        assert!(o.essential_acr);
        assert_eq!(o.extra_params, vec![("ui_locales".to_string(), "fr".to_string())]);
        let err = AuthorizeOptions::from_json(Some(&parse(r#"{"extraParams":{"x":1}}"#))).unwrap_err();
        assert_eq!(err.claim.as_deref(), Some("extraParams"));
        assert_eq!(AuthorizeOptions::from_json(None).unwrap(), AuthorizeOptions::default());
    }

    #[test]
    fn the_session_settings_and_maps_are_read_and_checked() {
        let c = ClientConfig::from_json(Some(&parse(
            r#"{"issuer":"https://i/","clientId":"c","redirectUri":"https://a/cb","cacheLocation":"localStorage",
                "useRefreshTokens":true,"useDpop":true,"amrAliases":{"totp":"otp"},"acrLevels":["loa-1","loa-2"]}"#,
        )))
        .unwrap();
        assert_eq!(c.cache_location, CacheLocation::LocalStorage);
        assert!(c.use_refresh_tokens && c.use_dpop);
        assert_eq!(c.amr_aliases, vec![("totp".to_string(), "otp".to_string())]);
        assert_eq!(c.acr_levels, vec!["loa-1".to_string(), "loa-2".to_string()]);
        let defaults = ClientConfig::from_json(Some(&parse(r#"{"issuer":"https://i/","clientId":"c","redirectUri":"x"}"#))).unwrap();
        assert_eq!(defaults.cache_location, CacheLocation::Memory);
        assert!(!defaults.use_refresh_tokens && !defaults.use_dpop && defaults.amr_aliases.is_empty());
        for (member, value) in [("cacheLocation", r#""cookie""#), ("useDpop", "1"), ("amrAliases", r#"{"totp":1}"#), ("amrAliases", "[]"), ("acrLevels", r#"[1]"#)] {
            let bad = parse(&["{\"issuer\":\"https://i/\",\"clientId\":\"c\",\"redirectUri\":\"x\",\"", member, "\":", value, "}"].concat());
            let err = ClientConfig::from_json(Some(&bad)).unwrap_err();
            assert_eq!((err.code(), err.claim.as_deref()), ("invalid_config", Some(member)), "{member}: {value}");
        }
    }

    #[test]
    fn the_access_token_goes_to_this_origin_and_api_origins_only() {
        let apis = vec!["https://api.example.com/".to_string(), "https://b.example.com".to_string()];
        let own = "https://app.example.com";
        assert!(token_may_go_to(own, own, &[]));
        assert!(token_may_go_to("https://api.example.com", own, &apis), "an entry written with a slash");
        assert!(token_may_go_to("https://b.example.com", own, &apis));
        for other in ["https://evil.example", "https://api.example.com.evil.example", "http://api.example.com", "https://b.example.com:444", ""] {
            assert!(!token_may_go_to(other, own, &apis), "{other}");
        }
        // Opaque origins all read "null": a sandboxed page must not hand its token to a data: or blob: URL.
        assert!(!token_may_go_to("null", "null", &[]));
        assert!(!token_may_go_to("null", own, &["null".to_string()]));
        assert_eq!(without_trailing_slashes("https://a.example//"), "https://a.example");
        assert_eq!(without_trailing_slashes("/"), "");
    }
}
