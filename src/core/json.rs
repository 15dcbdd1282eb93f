//! A minimal JSON value and one strict `parse` function, the same natively and in the browser.
//!
//! Why our own parser: the wasm build must not link serde_json (size), and the engine's `JSON.parse`
//! keeps the last of two members with one name, where RFC 7515 §5.2 / RFC 8725 ask for a failure: a
//! token whose header says `"alg"` twice must be `malformed_token`, never whichever came last. Numbers
//! need no float parsing library: an integer (every NumericDate and count in practice) is exact, and a
//! decimal with up to 15 significant digits and a small exponent is exactly rounded (a mantissa below
//! 2^53 times an exact power of ten); anything longer is approximated within a few units in the last place.

use alloc::string::String;
use alloc::vec::Vec;

use super::error::{Error, ErrorCode, Result};

/// A parsed JSON value. Numbers are `f64`, as in JavaScript.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Json>),
    Object(JsonObject),
}

/// A JSON object: its members in document order. A `Vec` of pairs rather than a map: the documents
/// here have a few dozen members at most, and a linear search is far smaller code than a B-tree.
/// Names are unique: [`JsonObject::insert`] replaces, and the parser rejects a duplicate.
#[derive(Clone, Debug, Default)]
pub struct JsonObject(Vec<(String, Json)>);

impl JsonObject {
    pub const fn new() -> Self {
        JsonObject(Vec::new())
    }
    /// The member `key`, if present.
    pub fn get(&self, key: &str) -> Option<&Json> {
        for (k, v) in &self.0 {
            if k == key {
                return Some(v);
            }
        }
        None
    }
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
    /// Set `key` to `value`; returns the value it replaces (the member keeps its place).
    pub fn insert(&mut self, key: String, value: Json) -> Option<Json> {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => Some(core::mem::replace(v, value)),
            None => {
                self.0.push((key, value));
                None
            }
        }
    }
    /// Remove the member `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Json> {
        let i = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.remove(i).1)
    }
    /// A copy without the members `names` lists, the others in their order.
    pub fn without(&self, names: &[&str]) -> JsonObject {
        let mut out = Vec::new();
        for (k, v) in &self.0 {
            if !names.contains(&k.as_str()) {
                out.push((k.clone(), v.clone()));
            }
        }
        JsonObject(out)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The members in document order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Json)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

/// Equal when they have the same members, whatever their order (as JSON objects are compared).
impl PartialEq for JsonObject {
    fn eq(&self, other: &Self) -> bool {
        if self.len() != other.len() {
            return false;
        }
        for (k, v) in &self.0 {
            if other.get(k) != Some(v) {
                return false;
            }
        }
        true
    }
}

impl FromIterator<(String, Json)> for JsonObject {
    fn from_iter<I: IntoIterator<Item = (String, Json)>>(iter: I) -> Self {
        let mut out = JsonObject::new();
        for (k, v) in iter {
            out.insert(k, v);
        }
        out
    }
}

impl<const N: usize> From<[(String, Json); N]> for JsonObject {
    fn from(members: [(String, Json); N]) -> Self {
        members.into_iter().collect()
    }
}

impl<'a> IntoIterator for &'a JsonObject {
    type Item = (&'a String, &'a Json);
    type IntoIter = core::iter::Map<core::slice::Iter<'a, (String, Json)>, fn(&'a (String, Json)) -> (&'a String, &'a Json)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl Json {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// An array of strings as owned strings; `None` for anything else. One loop that every reader of a
    /// string list shares (an iterator chain per reader would link its own generic copies).
    #[inline(never)]
    pub fn as_strings(&self) -> Option<Vec<String>> {
        let Json::Array(items) = self else { return None };
        let mut out = Vec::new();
        for item in items {
            let Json::String(s) = item else { return None };
            out.push(s.clone());
        }
        Some(out)
    }

    pub fn as_object(&self) -> Option<&JsonObject> {
        match self {
            Json::Object(o) => Some(o),
            _ => None,
        }
    }
    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(a) => Some(a),
            _ => None,
        }
    }
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Number(n) => Some(*n),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }
    /// The member `key` of an object, `None` for a missing member or a non-object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        self.as_object().and_then(|o| o.get(key))
    }
}

/// Parse JSON text (RFC 8259, strict: no trailing commas, comments or lone surrogates; a duplicate
/// member name is an error). `code` is the error code to report on failure (e.g. `malformed_token`).
pub fn parse(text: &str, code: ErrorCode) -> Result<Json> {
    let mut p = Parser { s: text.as_bytes(), i: 0 };
    let value = p.value(0);
    p.ws();
    match value {
        Some(v) if p.i == p.s.len() => Ok(v),
        _ => Err(Error::new(code, "not valid JSON")),
    }
}

/// Deepest nesting accepted; deeper documents are rejected rather than recursed into.
pub const MAX_DEPTH: u32 = 64;

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.i += 1;
        Some(b)
    }
    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        if hit {
            self.i += 1;
        }
        hit
    }
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }
    fn literal(&mut self, word: &[u8], value: Json) -> Option<Json> {
        let end = self.i.checked_add(word.len())?;
        if self.s.get(self.i..end)? != word {
            return None;
        }
        self.i = end;
        Some(value)
    }

    fn value(&mut self, depth: u32) -> Option<Json> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        match self.peek()? {
            b'{' => {
                self.i += 1;
                let mut out = JsonObject::new();
                self.ws();
                if self.eat(b'}') {
                    return Some(Json::Object(out));
                }
                loop {
                    self.ws();
                    let key = self.string()?;
                    self.ws();
                    if !self.eat(b':') {
                        return None;
                    }
                    // RFC 7515 §5.2 / RFC 8725: a duplicate member name is a parse failure, not last-wins.
                    if out.contains_key(&key) {
                        return None;
                    }
                    let v = self.value(depth + 1)?;
                    out.0.push((key, v));
                    self.ws();
                    match self.next()? {
                        b',' => {}
                        b'}' => return Some(Json::Object(out)),
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut out = Vec::new();
                self.ws();
                if self.eat(b']') {
                    return Some(Json::Array(out));
                }
                loop {
                    out.push(self.value(depth + 1)?);
                    self.ws();
                    match self.next()? {
                        b',' => {}
                        b']' => return Some(Json::Array(out)),
                        _ => return None,
                    }
                }
            }
            b'"' => self.string().map(Json::String),
            b't' => self.literal(b"true", Json::Bool(true)),
            b'f' => self.literal(b"false", Json::Bool(false)),
            b'n' => self.literal(b"null", Json::Null),
            _ => self.number(),
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let mut v = 0;
        for _ in 0..4 {
            v = v << 4 | char::from(self.next()?).to_digit(16)?;
        }
        Some(v)
    }

    fn string(&mut self) -> Option<String> {
        if !self.eat(b'"') {
            return None;
        }
        let mut out = Vec::new();
        loop {
            match self.next()? {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    let c = match self.next()? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                // A high surrogate must be followed by an escaped low one.
                                if !(self.eat(b'\\') && self.eat(b'u')) {
                                    return None;
                                }
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return None;
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            // None for a lone low surrogate.
                            char::from_u32(code)?
                        }
                        _ => return None,
                    };
                    let mut buf = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                b if b < 0x20 => return None,
                b => out.push(b),
            }
        }
    }

    fn digits(&mut self, mantissa: &mut u64, exp: &mut i32, fraction: bool) -> usize {
        let mut n = 0;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            self.i += 1;
            n += 1;
            if *mantissa < 1_000_000_000_000_000_000 {
                *mantissa = *mantissa * 10 + u64::from(d - b'0');
                if fraction {
                    *exp -= 1;
                }
            } else if !fraction {
                // Digits beyond 19 significant ones only scale the value.
                *exp = exp.saturating_add(1);
            }
        }
        n
    }

    fn number(&mut self) -> Option<Json> {
        let negative = self.eat(b'-');
        let (mut mantissa, mut exp) = (0u64, 0i32);
        let leading_zero = self.peek() == Some(b'0');
        let int_digits = self.digits(&mut mantissa, &mut exp, false);
        if int_digits == 0 || (leading_zero && int_digits > 1) {
            return None;
        }
        if self.eat(b'.') && self.digits(&mut mantissa, &mut exp, true) == 0 {
            return None;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            let neg_exp = self.eat(b'-');
            if !neg_exp {
                self.eat(b'+');
            }
            // The exponent's digits read as a mantissa's are: exact below 10^18, and beyond that only counted
            // (`more`), so anything above i32::MAX saturates there.
            let (mut e, mut more) = (0u64, 0i32);
            if self.digits(&mut e, &mut more, false) == 0 {
                return None;
            }
            let e = if more > 0 { i32::MAX } else { i32::try_from(e).unwrap_or(i32::MAX) };
            exp = exp.saturating_add(if neg_exp { -e } else { e });
        }
        // Exact when the mantissa is below 2^53 and |exp| ≤ 22: both factors are exact doubles, so the one
        // multiplication or division rounds once. Otherwise steps of 10^22: a few roundings at most.
        // Steps of 10^22 first, the rest last; once the value is infinite or zero, no step changes it.
        let mut value = mantissa as f64;
        while exp != 0 && value.is_finite() && value != 0.0 {
            let step = exp.clamp(-22, 22);
            let scale = pow10(step.unsigned_abs());
            value = if step < 0 { value / scale } else { value * scale };
            exp -= step;
        }
        Some(Json::Number(if negative { -value } else { value }))
    }
}

/// 10^n; exact for n ≤ 22 (5^22 < 2^53).
fn pow10(n: u32) -> f64 {
    let mut v = 1.0;
    for _ in 0..n {
        v *= 10.0;
    }
    v
}

/// Shorthands for building result objects.
impl From<&str> for Json {
    fn from(s: &str) -> Json {
        Json::String(s.into())
    }
}
impl From<String> for Json {
    fn from(s: String) -> Json {
        Json::String(s)
    }
}
impl From<bool> for Json {
    fn from(b: bool) -> Json {
        Json::Bool(b)
    }
}
impl From<&[String]> for Json {
    fn from(items: &[String]) -> Json {
        let mut out = Vec::new();
        for s in items {
            out.push(Json::String(s.clone()));
        }
        Json::Array(out)
    }
}

/// A JSON object written member by member: the documents we build (results handed to JS callers, which
/// `JSON.parse` once; the stored redirect transaction). Integers only, so no float formatting is linked.
#[derive(Default)]
pub struct ObjectWriter(String);

impl ObjectWriter {
    pub fn new() -> Self {
        ObjectWriter(String::new())
    }

    fn key(&mut self, k: &str) {
        self.0.push(if self.0.is_empty() { '{' } else { ',' });
        write_string(&mut self.0, k);
        self.0.push(':');
    }

    pub fn string(&mut self, k: &str, v: &str) {
        self.key(k);
        write_string(&mut self.0, v);
    }

    /// A string member, left out when `v` is `None`.
    pub fn optional_string(&mut self, k: &str, v: &Option<String>) {
        if let Some(v) = v {
            self.string(k, v);
        }
    }

    pub fn int(&mut self, k: &str, v: i64) {
        self.key(k);
        super::authorize::push_i64(&mut self.0, v);
    }

    pub fn uint(&mut self, k: &str, v: u64) {
        self.key(k);
        super::authorize::push_u64(&mut self.0, v);
    }

    pub fn boolean(&mut self, k: &str, v: bool) {
        self.raw(k, if v { "true" } else { "false" });
    }

    pub fn strings<S: AsRef<str>>(&mut self, k: &str, values: &[S]) {
        self.key(k);
        self.0.push('[');
        for v in values {
            self.item(v.as_ref());
        }
        self.0.push(']');
    }

    /// One string of a list `strings` writes: the list's generic loop stays small.
    fn item(&mut self, v: &str) {
        if self.0.as_bytes().last() != Some(&b'[') {
            self.0.push(',');
        }
        write_string(&mut self.0, v);
    }

    /// A member whose value is JSON text already: a document our parser accepted (a token's claims), or one
    /// this writer made.
    pub fn raw(&mut self, k: &str, json: &str) {
        self.key(k);
        self.0.push_str(json);
    }

    pub fn finish(mut self) -> String {
        if self.0.is_empty() {
            self.0.push('{');
        }
        self.0.push('}');
        self.0
    }
}

/// Write `s` as a JSON string literal (for the few documents we build: the `claims` parameter).
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    // Runs of characters that need no escape are copied as they are, a run at a time: a byte that needs one is
    // ASCII, so the run ends on a character boundary (and no character is decoded).
    let mut rest = s;
    let mut i = 0;
    while let Some(&b) = rest.as_bytes().get(i) {
        if b != b'"' && b != b'\\' && b >= 0x20 {
            i += 1;
            continue;
        }
        out.push_str(rest.get(..i).unwrap_or_default());
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(char::from(HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0')));
                out.push(char::from(HEX.get(usize::from(b & 15)).copied().unwrap_or(b'0')));
            }
        }
        rest = rest.get(i + 1..).unwrap_or_default();
        i = 0;
    }
    out.push_str(rest);
    out.push('"');
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_and_rejects_duplicates() {
        let v = parse(r#"{"a":[1,"x",null,true],"b":{"c":2.5}}"#, ErrorCode::MalformedToken).unwrap();
        assert_eq!(v.get("b").and_then(|b| b.get("c")).and_then(Json::as_f64), Some(2.5));
        assert_eq!(parse(r#"{"a":1,"a":2}"#, ErrorCode::MalformedToken).unwrap_err().code(), "malformed_token");
        assert!(parse("{", ErrorCode::DiscoveryFailed).is_err());
    }

    /// serde_json's reading of `text`, as our value (the reference for the parser tests). serde_json is a native
    /// dev-dependency only (Cargo.toml), so this and its test do not build for wasm32.
    #[cfg(not(target_arch = "wasm32"))]
    fn reference(text: &str) -> Option<Json> {
        fn conv(v: serde_json::Value) -> Json {
            match v {
                serde_json::Value::Null => Json::Null,
                serde_json::Value::Bool(b) => Json::Bool(b),
                serde_json::Value::Number(n) => Json::Number(n.as_f64().unwrap()),
                serde_json::Value::String(s) => Json::String(s),
                serde_json::Value::Array(a) => Json::Array(a.into_iter().map(conv).collect()),
                serde_json::Value::Object(o) => Json::Object(o.into_iter().map(|(k, v)| (k, conv(v))).collect()),
            }
        }
        serde_json::from_str(text).ok().map(conv)
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn agrees_with_serde_json() {
        for text in [
            r#"{"a":[1,-2,0,-0,"x",null,true,false,{}],"b":{"c":2.5,"d":[]},"e":"\u00e9\ud83d\ude00\n\"\\\/\b\f\r\t"}"#,
            " \t\r\n[ 1 , 2 ]\n",
            "\"caf\u{e9} \u{1F600}\"",
            "1700000000",
            "1700000000.75",
            "0.1",
            "1e22",
            "1E+2",
            "2.5e-3",
            "-1.5e10",
            "9007199254740993",
            "0.000001",
            "1e-7",
            "3.141592653589793",
            "0e2147483647",
            "-0.0e-99999999999",
            "1e-99999999999",
            r#"{"exp":1700000000,"iat":1.7e9,"auth_time":1699999999.999}"#,
        ] {
            let ours = parse(text, ErrorCode::MalformedToken).unwrap();
            assert_eq!(Some(ours), reference(text), "{text}");
        }
        // Beyond the exact path: within a relative 1e-15 of the correctly rounded value.
        for text in ["123456789012345678901234567890", "1.7976931348623157e308", "4.9e-324", "1.23456789012345678e-200", "0.1234567890123456789", "1e400", "1e-400"] {
            let ours = parse(text, ErrorCode::MalformedToken).unwrap().as_f64().unwrap();
            let exact: f64 = text.parse().unwrap();
            let close = ours == exact || ((ours - exact) / exact).abs() < 1e-15 || (exact == 0.0 && ours.abs() < 1e-300);
            assert!(close, "{text}: {ours} vs {exact}");
        }
    }

    #[test]
    fn without_keeps_the_other_members_in_order() {
        let o = parse(r#"{"a":1,"b":2,"c":[3],"d":4}"#, ErrorCode::MalformedToken).unwrap();
        let rest = o.as_object().unwrap().without(&["b", "d", "x"]);
        let names: Vec<&String> = rest.iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["a", "c"]);
        assert_eq!(rest.get("c"), o.get("c"));
        assert!(JsonObject::new().without(&["a"]).is_empty());
    }

    #[test]
    fn objects_are_equal_whatever_their_order() {
        let j = |t: &str| parse(t, ErrorCode::MalformedToken).unwrap();
        assert_eq!(j(r#"{"a":1,"b":[{"c":null}]}"#), j(r#"{"b":[{"c":null}],"a":1}"#));
        for other in [r#"{"a":1}"#, r#"{"a":1,"b":[{"c":false}]}"#, r#"{"a":1,"c":[{"c":null}]}"#, r#"{"a":1,"b":[{"c":null}],"d":2}"#] {
            assert_ne!(j(r#"{"a":1,"b":[{"c":null}]}"#), j(other), "{other}");
        }
    }

    #[test]
    fn long_and_huge_exponents_saturate() {
        let num = |text: &str| parse(text, ErrorCode::MalformedToken).unwrap().as_f64().unwrap();
        assert_eq!(num("1e0000000000000000000000002"), 100.0);
        assert_eq!(num("1E+0002"), 100.0);
        assert_eq!(num("1e-0000000000000000000000002"), 0.01);
        assert_eq!(num("12e2147483646"), f64::INFINITY);
        assert_eq!(num("1e99999999999999999999999"), f64::INFINITY);
        assert_eq!(num("-1e2147483648"), f64::NEG_INFINITY);
        assert_eq!(num("1e-99999999999999999999999"), 0.0);
        assert_eq!(num("5e-2147483648"), 0.0);
        assert_eq!(num("0e99999999999999999999"), 0.0);
        assert_eq!(num("1000000000000000000000e-2147483647"), 0.0);
    }

    #[test]
    fn rejects_what_json_does_not_allow() {
        let deep = "[".repeat(66) + &"]".repeat(66);
        for text in [
            "", " ", "{", "[1,]", r#"{"a":1,}"#, "01", "-", "1.", ".5", "1e", "1e+", "+1", "tru", "nul", "NaN", "Infinity",
            "[1 2]", r#"{"a" 1}"#, "{a:1}", "'x'", "\"\u{1}\"", "\"tab\there\"", r#""\x""#, r#""\ud800""#, r#""\udc00x""#,
            r#""\ud800\u0041""#, r#""\u12""#, "1 2", "{}x", &deep, r#"{"a":1,"a":1}"#, r#"{"a":{"b":1,"b":2}}"#,
        ] {
            assert!(parse(text, ErrorCode::MalformedToken).is_err(), "{text:?} should fail");
        }
        let ok_deep = "[".repeat(65) + &"]".repeat(65);
        assert!(parse(&ok_deep, ErrorCode::MalformedToken).is_ok());
    }

    #[test]
    fn the_object_writer_writes_what_the_parser_reads() {
        let mut w = ObjectWriter::new();
        w.string("s", "a\"b\n");
        w.int("n", -1_700_000_000);
        w.int("z", 0);
        w.uint("u", u64::MAX);
        w.boolean("t", true);
        w.strings("a", &["x", "y"]);
        w.strings::<&str>("e", &[]);
        w.raw("o", r#"{"k":[1,2]}"#);
        let text = w.finish();
        assert_eq!(text, r#"{"s":"a\"b\n","n":-1700000000,"z":0,"u":18446744073709551615,"t":true,"a":["x","y"],"e":[],"o":{"k":[1,2]}}"#);
        let v = parse(&text, ErrorCode::InvalidConfig).unwrap();
        assert_eq!(v.get("n").and_then(Json::as_f64), Some(-1_700_000_000.0));
        assert_eq!(ObjectWriter::new().finish(), "{}");
    }

    #[test]
    fn writes_escaped_strings() {
        let mut s = String::new();
        write_string(&mut s, "a\"b\\c\n\u{1}");
        assert_eq!(s, r#""a\"b\\c\n\u0001""#);
        // Runs of other characters (multi-byte ones too) are copied as they are, around escapes and at the ends.
        for text in ["", "\"", "é😀", "\u{1f}x\ty\r", "日本\\語\"", "\u{7f}\u{80}\u{ffff}"] {
            let mut s = String::new();
            write_string(&mut s, text);
            assert_eq!(parse(&s, ErrorCode::InvalidConfig).unwrap(), Json::String(text.into()), "{s}");
        }
    }
}
