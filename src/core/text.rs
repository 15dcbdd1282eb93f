//! Splitting text at an ASCII byte. `str::split(char)` and `split_once(char)` go through core's `CharSearcher`
//! and its `Split` iterator; every separator stepup splits at is ASCII, and a byte loop is smaller (240 B gzip
//! of wasm less across the crate, measured).

/// The pieces of `s` between occurrences of the ASCII byte `sep` (as `s.split(sep as char)`).
pub fn split(s: &str, sep: u8) -> Split<'_> {
    Split { rest: Some(s), sep }
}

/// `s` cut at the first ASCII byte `sep` (as `s.split_once(sep as char)`).
pub fn split_once(s: &str, sep: u8) -> Option<(&str, &str)> {
    let at = s.bytes().position(|b| b == sep)?;
    // `sep` is ASCII, so `at` and `at + 1` are char boundaries.
    Some((s.get(..at)?, s.get(at + 1..)?))
}

/// Whether every byte of `s` passes `test`. One function for every character-class check of the crate: a
/// closure per call site made each its own generic copy of the iterator's loop.
#[inline(never)]
pub fn all_bytes(s: &str, test: fn(u8) -> bool) -> bool {
    for b in s.bytes() {
        if !test(b) {
            return false;
        }
    }
    true
}

/// A decimal `u64`: ASCII digits only (not empty, no sign, no spaces); `None` on overflow. The one number reader
/// of the crate's text formats (RFC 9470's `max_age`, `Cache-Control: max-age`, a string `expires_in`, the stored
/// session's lines).
pub fn decimal(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for b in s.bytes() {
        if !b.is_ascii_digit() || n > u64::MAX / 10 {
            return None;
        }
        // `n * 10` fits: a comparison, where `checked_mul` multiplies in 128 bits.
        n = (n * 10).checked_add(u64::from(b - b'0'))?;
    }
    Some(n)
}

/// See [`split`].
pub struct Split<'a> {
    rest: Option<&'a str>,
    sep: u8,
}

impl<'a> Iterator for Split<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest?;
        match split_once(s, self.sep) {
            Some((piece, rest)) => {
                self.rest = Some(rest);
                Some(piece)
            }
            None => {
                self.rest = None;
                Some(s)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn decimal_is_a_u64() {
        assert_eq!(decimal("18446744073709551615"), Some(u64::MAX));
        for bad in ["18446744073709551616", "99999999999999999999", "", "+1", "-1", "1 ", "1e3", "0x10", "١"] {
            assert_eq!(decimal(bad), None, "{bad}");
        }
        assert_eq!((decimal("0"), decimal("00300")), (Some(0), Some(300)));
    }

    #[test]
    fn all_bytes_is_iterators_all() {
        for s in ["", "abc", "ab c", "é", "123"] {
            assert_eq!(all_bytes(s, |b| b.is_ascii_alphanumeric()), s.bytes().all(|b| b.is_ascii_alphanumeric()), "{s:?}");
        }
    }

    #[test]
    fn splits_as_std_does() {
        for s in ["", "a", "a b", " a  b ", "é b", "a&b=c&", "&&"] {
            for sep in [b' ', b'&', b'='] {
                let ours: Vec<&str> = split(s, sep).collect();
                let std: Vec<&str> = s.split(sep as char).collect();
                assert_eq!(ours, std, "{s:?} at {sep}");
                assert_eq!(split_once(s, sep), s.split_once(sep as char));
            }
        }
    }
}
