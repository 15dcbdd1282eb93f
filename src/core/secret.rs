//! `Debug` for the values that hold secrets (tokens, the PKCE verifier, `state`, `nonce`): a log line, an
//! error report or a panic message in the host app must never carry them. Each such type writes its
//! `Debug` by hand with these helpers instead of deriving it; the output says whether a secret is there,
//! never what it is.

use alloc::string::String;
use core::fmt;

/// A secret value (an authorization code, `state`, `nonce`, an access token): a type of its own, so that a
/// derived `Debug` of anything holding one prints `[redacted]`, never the value. Read it with [`Secret::expose`],
/// where it is sent or compared.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value, for the one place that sends or compares it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret(String::from(value))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Redacted.fmt(f)
    }
}

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
        assert_eq!(format!("{:?}", Some(Secret::from("eyJ.secret"))), "Some([redacted])");
        assert_eq!(Secret::new(String::from("v")).expose(), "v");
    }
}
