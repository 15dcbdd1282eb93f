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
