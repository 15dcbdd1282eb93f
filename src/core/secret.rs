//! `Debug` for the values that hold secrets (tokens, the PKCE verifier, `state`, `nonce`): a log line, an
//! error report or a panic message in the host app must never carry them. Each such type writes its
//! `Debug` by hand with these helpers instead of deriving it; the output says whether a secret is there,
//! never what it is.

use alloc::string::String;
use core::fmt;

/// A secret's stand-in in `Debug` output.
pub struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// An optional secret: `Some([redacted])` or `None`.
pub fn maybe(v: &Option<String>) -> Option<Redacted> {
    v.as_ref().map(|_| Redacted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn prints_presence_not_value() {
        assert_eq!(format!("{:?}", Redacted), "[redacted]");
        assert_eq!(format!("{:?}", maybe(&Some(String::from("eyJ.secret")))), "Some([redacted])");
        assert_eq!(format!("{:?}", maybe(&None)), "None");
    }
}
