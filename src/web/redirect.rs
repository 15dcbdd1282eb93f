//! The redirect flow's browser side: leave for the provider, and on return read and clean the URL.

use alloc::string::String;

use super::util::window;
use crate::core::authorize;
use crate::core::error::{Error, ErrorCode, Result};

/// Send this tab to `url` (the provider, or its logout endpoint).
pub fn navigate(url: &str) -> Result<()> {
    window()?
        .location()
        .assign(url)
        .map_err(|e| Error::new(ErrorCode::InvalidConfig, "the page could not be navigated").with_cause(e))
}

/// This page's URL.
pub fn current_url() -> Result<String> {
    window()?
        .location()
        .href()
        .map_err(|e| Error::new(ErrorCode::InvalidConfig, "cannot read the page URL").with_cause(e))
}

/// Remove the OAuth response parameters from the address bar and this history entry
/// (`history.replaceState`), so a reload, the back button or a copied link never carries the code.
/// Only when `url` is the page's own URL; a URL passed in by the caller is left to the caller.
pub fn clean_current_url(url: &str) {
    if current_url().ok().as_deref() == Some(url) {
        replace_url(&authorize::clean_url(url));
    }
}

#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// glue.js `replaceUrl`: `history.replaceState(null, "", url)`, nothing when the browser refuses it.
    #[wasm_bindgen(js_name = replaceUrl)]
    fn replace_url(url: &str);
}
