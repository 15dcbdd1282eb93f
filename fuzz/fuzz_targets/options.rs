//! Fuzz the option objects callers write (camelCase JSON, DESIGN.md's JS contract) through the native
//! readers in `core::options`: `expectations()`, `policy()`, the `Options` member readers as the client
//! config and authorize options use them, `algorithms()` and `secure_url()`; then the authorization URL
//! built from what was read.
//!
//! Invariants (a failed assert is a finding): every failure is `invalid_config` or
//! `unsupported_algorithm` naming a member; what a reader returns has the promised type and range; a URL
//! built from the options carries our `state` exactly once.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stepup::core::authorize::{is_secure_url, parse_callback, percent_decode, AuthorizationRequest};
use stepup::core::json::{self, Json};
use stepup::core::options::{self, Options};
use stepup::core::validate::DEFAULT_LEEWAY;
use stepup::core::error::Result;
use stepup::ErrorCode;

const NOW: i64 = 1_700_000_000;
const MAX_SAFE: u64 = 9_007_199_254_740_991;

fn config_error<T>(r: &Result<T>) {
    if let Err(e) = r {
        assert!(e.code() == "invalid_config" || e.code() == "unsupported_algorithm", "{e:?}");
        assert!(e.claim.as_deref().is_some_and(|c| !c.is_empty()), "{e:?}");
    }
}

fn expectations(doc: Option<&Json>) {
    let r = options::expectations(doc, NOW);
    config_error(&r);
    let Ok(e) = r else { return };
    assert!(!e.issuer.is_empty() && !e.client_id.is_empty());
    assert!(e.max_age.is_none_or(|m| m <= MAX_SAFE));
    assert!(e.leeway <= MAX_SAFE);
    assert!(e.now >= 0);
    let o = Options::new(doc, "expectations").ok();
    if o.and_then(|o| o.get("leeway")).is_none() {
        assert_eq!(e.leeway, DEFAULT_LEEWAY);
    }
    if o.and_then(|o| o.get("now")).is_none() {
        assert_eq!(e.now, NOW);
    }
}

fn policy(doc: Option<&Json>) {
    let r = options::policy(doc);
    config_error(&r);
    if let Ok(p) = r {
        assert!(p.max_age.is_none_or(|m| m <= MAX_SAFE));
    }
}

/// The client config's members, read as `ClientConfig::from_json` (wasm32) reads them.
fn config(doc: Option<&Json>) -> Result<()> {
    let o = Options::new(doc, "config")?;
    let issuer = o.required_string("issuer")?;
    o.required_string("clientId")?;
    o.required_string("redirectUri")?;
    for key in ["popupRedirectUri", "scope", "audience", "stepUpAcr", "jwksUri"] {
        o.string(key)?;
    }
    o.uint("leeway")?;
    o.uint("popupTimeoutSeconds")?;
    o.object("metadata")?;
    o.strings("apiOrigins")?;
    o.strings("trustedAudiences")?;
    if let Some(names) = o.strings("algorithms")? {
        let algs = options::algorithms(&names)?;
        assert_eq!(algs.len(), names.len());
        assert!(algs.iter().zip(&names).all(|(a, n)| a.name() == n));
    }
    let secure = options::secure_url(&issuer, "issuer");
    assert_eq!(secure.is_ok(), is_secure_url(&issuer));
    secure
}

/// The authorize options, read as `AuthorizeOptions::from_json` (wasm32) reads them, then turned into an
/// authorization URL.
fn authorize(doc: Option<&Json>) -> Result<()> {
    let o = Options::new(doc, "options")?;
    o.object("extraParams")?;
    let mut extra = Vec::new();
    if let Some(members) = o.get("extraParams").and_then(Json::as_object) {
        for (k, v) in members {
            // `AuthorizeOptions::from_json` refuses a value that is not a string.
            let Some(v) = v.as_str() else { return Ok(()) };
            extra.push((k.clone(), v.to_owned()));
        }
    }
    let r = AuthorizationRequest {
        client_id: "c".into(),
        redirect_uri: "https://app.example/cb".into(),
        state: "st".into(),
        nonce: "n".into(),
        code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
        acr_values: o.strings("acrValues")?.unwrap_or_default(),
        max_age: o.uint("maxAge")?,
        prompt: o.string("prompt")?,
        login_hint: o.string("loginHint")?,
        essential_acr: o.boolean("essentialAcr")?.unwrap_or(false),
        extra,
        ..Default::default()
    };
    o.time("now")?;
    let Ok(url) = r.to_url("https://idp.example/authorize") else { return Ok(()) };
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let states = query.split('&').filter_map(|p| p.split_once('=')).filter(|(n, _)| percent_decode(n) == "state").count();
    assert_eq!(states, 1, "{url}");
    assert_eq!(parse_callback(&url).ok().and_then(|p| p.state).as_deref(), Some("st"), "{url}");
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(doc) = json::parse(text, ErrorCode::InvalidConfig) else { return };
    // Each reader sees the document itself and the document as the member of a wrapper, as nested option
    // objects are read (`policy` inside a stored transaction, `amr` inside a policy).
    for d in [Some(&doc), doc.get("policy"), doc.get("options"), None] {
        expectations(d);
        policy(d);
        let c = config(d);
        config_error(&c);
        let a = authorize(d);
        config_error(&a);
    }
});
