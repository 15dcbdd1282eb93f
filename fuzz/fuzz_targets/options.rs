//! Fuzz the option objects callers write (camelCase JSON, DESIGN.md's JS contract) through the native
//! readers: `options::expectations()` and `policy()`, `ClientConfig::from_json` and
//! `AuthorizeOptions::from_json` (`core::config`), `algorithms()` and `secure_url()`; then the authorization
//! URL built from what was read. The same input as a stored redirect transaction (`core::transaction`).
//!
//! Invariants (a failed assert is a finding): every failure is `invalid_config` or
//! `unsupported_algorithm` naming a member; what a reader returns has the promised type and range; a URL
//! built from the options carries our `state` exactly once; a transaction read back from its own text is
//! unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stepup::core::authorize::{is_secure_url, parse_callback, percent_decode, AuthorizationRequest};
use stepup::core::config::{AuthorizeOptions, ClientConfig};
use stepup::core::transaction;
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

/// The client config, read by `ClientConfig::from_json`: what it returns is what the document says.
fn config(doc: Option<&Json>) -> Result<()> {
    let c = ClientConfig::from_json(doc)?;
    let o = Options::new(doc, "config")?;
    assert_eq!(o.string("issuer")?.as_deref(), Some(c.issuer.as_str()));
    assert!(c.leeway.is_none_or(|l| l <= MAX_SAFE));
    if let Some(names) = &c.algorithms {
        let algs = options::algorithms(names)?;
        assert_eq!(algs.len(), names.len());
        assert!(algs.iter().zip(names).all(|(a, n)| a.name() == n));
    }
    let secure = options::secure_url(&c.issuer, "issuer");
    assert_eq!(secure.is_ok(), is_secure_url(&c.issuer));
    secure
}

/// The authorize options, read by `AuthorizeOptions::from_json`, then turned into an authorization URL.
fn authorize(doc: Option<&Json>) -> Result<()> {
    let o = AuthorizeOptions::from_json(doc)?;
    assert!(o.max_age.is_none_or(|m| m <= MAX_SAFE));
    let r = AuthorizationRequest {
        client_id: "c".into(),
        redirect_uri: "https://app.example/cb".into(),
        state: "st".into(),
        nonce: "n".into(),
        code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
        acr_values: o.acr_values.as_deref().unwrap_or_default(),
        max_age: o.max_age,
        prompt: o.prompt.as_deref(),
        login_hint: o.login_hint.as_deref(),
        essential_acr: o.essential_acr,
        extra: &o.extra_params,
        ..Default::default()
    };
    let Ok(url) = r.to_url("https://idp.example/authorize") else { return Ok(()) };
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let states = query.split('&').filter_map(|p| p.split_once('=')).filter(|(n, _)| percent_decode(n) == "state").count();
    assert_eq!(states, 1, "{url}");
    assert_eq!(parse_callback(&url).ok().and_then(|p| p.state).as_deref(), Some("st"), "{url}");
    Ok(())
}

/// A redirect transaction read from storage text: what `core::transaction::decode` accepts is written back
/// and read again to the same value.
fn transaction(text: &str) {
    let Ok(tx) = transaction::decode(text) else { return };
    assert_eq!(transaction::decode(&transaction::encode(&tx)).ok().as_ref(), Some(&tx), "{text}");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    transaction(text);
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
