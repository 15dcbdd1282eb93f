//! Strict base64url (RFC 4648 §5) without padding, the only encoding JWS compact serialization allows
//! (RFC 7515 §2). Strict because RFC 8725 §3.11 asks for it: a lenient decoder lets one token have many
//! spellings (padding, `+/`, whitespace, stray trailing bits), which breaks any cache or replay check keyed
//! on the token text and hides tampering.

use alloc::string::String;
use alloc::vec::Vec;

use super::error::{Error, ErrorCode, Result};

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The 6-bit value of one base64url character; `None` for anything else (`=`, `+`, `/`, whitespace, …).
fn sextet(c: u8) -> Option<u32> {
    let v = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

#[inline(always)] // so the npm build, whose `Error::new` drops the message, keeps none of them
fn malformed(msg: &'static str) -> Error {
    Error::new(ErrorCode::MalformedToken, msg)
}

/// Decode unpadded base64url. Errors carry `malformed_token`; callers decoding something other than a
/// token (a PKCE value, a WebAuthn field) may remap the code.
///
/// Rejected: any character outside `A-Z a-z 0-9 - _` (so `=`, `+`, `/`, whitespace), a length of
/// 4n+1 (no byte fits in 6 bits), and non-zero unused trailing bits (RFC 4648 §3.5: canonical encoding).
pub fn decode(s: &str) -> Result<Vec<u8>> {
    decode_bytes(s).map_err(malformed)
}

/// [`decode`], its failure as the message, made into the [`Error`] in one place by [`decode`].
fn decode_bytes(s: &str) -> core::result::Result<Vec<u8>, &'static str> {
    let bytes = s.as_bytes();
    if bytes.len() % 4 == 1 {
        return Err("base64url length is impossible");
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3 + 2);
    for chunk in bytes.chunks(4) {
        let mut acc: u32 = 0;
        for &c in chunk {
            acc =
                (acc << 6) | sextet(c).ok_or("not base64url (padding, +, / or other character)")?;
        }
        // A final group of 2 or 3 characters carries 12 or 18 bits for 1 or 2 bytes; the spare
        // 4 or 2 low bits must be zero or the same bytes would have several encodings.
        match chunk.len() {
            4 => out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]),
            3 if acc & 0x3 == 0 => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
            2 if acc & 0xf == 0 => out.push((acc >> 4) as u8),
            _ => return Err("base64url has non-canonical trailing bits"),
        }
    }
    Ok(out)
}

/// Encode as unpadded base64url.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        // Left-align the 1..=3 bytes in 24 bits, then emit one character per started sextet.
        let n = chunk.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            let idx = (n >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(ALPHABET.get(idx as usize).copied().unwrap_or(b'A')));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// RFC 4648 §10 test vectors (base64url is the same alphabet for these, unpadded).
    const VECTORS: &[(&str, &str)] = &[
        ("", ""),
        ("f", "Zg"),
        ("fo", "Zm8"),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg"),
        ("fooba", "Zm9vYmE"),
        ("foobar", "Zm9vYmFy"),
    ];

    #[test]
    fn rfc4648_vectors() {
        for (plain, enc) in VECTORS {
            assert_eq!(encode(plain.as_bytes()), *enc);
            assert_eq!(decode(enc).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn url_alphabet() {
        assert_eq!(encode(&[0xfb, 0xff, 0xbf]), "-_-_");
        assert_eq!(decode("-_-_").unwrap(), [0xfb, 0xff, 0xbf]);
    }

    #[test]
    fn rejects_non_strict_input() {
        for bad in ["Zg==", "Zm9vYg=", "+/+/", "Zm9v Yg", "Zm9v\nYg", "Z", "Zm9vY", "Zh", "Zm9", "é", "Zm9v.Yg"] {
            assert_eq!(decode(bad).unwrap_err().code(), "malformed_token", "{bad}");
        }
    }

    #[test]
    fn roundtrip_all_lengths() {
        let data: Vec<u8> = (0..=255u8).collect();
        for len in 0..data.len() {
            let slice = data.get(..len).unwrap();
            assert_eq!(decode(&encode(slice)).unwrap(), slice);
        }
    }
}
