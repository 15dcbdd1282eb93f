//! A minimal JSON value and one `parse` function.
//!
//! Why not serde_json::Value: the wasm build must not link serde_json (size). In the browser we parse
//! with the engine's `JSON.parse` and walk the result with serde-wasm-bindgen; natively (tests, SSR)
//! serde_json does the parsing. Both feed the same `Deserialize` impl below, so core code sees one type.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

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
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
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
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
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

/// Parse JSON text. `code` is the error code to report on failure (e.g. `malformed_token`).
pub fn parse(text: &str, code: ErrorCode) -> Result<Json> {
    parse_impl(text).ok_or_else(|| Error::new(code, "not valid JSON"))
}

#[cfg(target_arch = "wasm32")]
fn parse_impl(text: &str) -> Option<Json> {
    let value = js_sys::JSON::parse(text).ok()?;
    from_js(value)
}

/// Deepest nesting accepted from JS; deeper (or cyclic) values are rejected rather than recursed into.
#[cfg(target_arch = "wasm32")]
const MAX_DEPTH: u32 = 64;

/// Walk an already-parsed JS value (from `JSON.parse` or a caller's options object) into [`Json`].
/// `None` for what JSON cannot hold: functions, symbols, bigints, cycles.
///
/// Written against js-sys directly rather than serde-wasm-bindgen: its error paths format floats,
/// which would link ~15 KB of float printing into the wasm build.
#[cfg(target_arch = "wasm32")]
pub fn from_js(value: wasm_bindgen::JsValue) -> Option<Json> {
    from_js_at(&value, 0)
}

#[cfg(target_arch = "wasm32")]
fn from_js_at(v: &wasm_bindgen::JsValue, depth: u32) -> Option<Json> {
    use wasm_bindgen::JsCast;
    if depth > MAX_DEPTH {
        return None;
    }
    if v.is_null() || v.is_undefined() {
        return Some(Json::Null);
    }
    if let Some(b) = v.as_bool() {
        return Some(Json::Bool(b));
    }
    if let Some(n) = v.as_f64() {
        return Some(Json::Number(n));
    }
    if let Some(s) = v.as_string() {
        return Some(Json::String(s));
    }
    if js_sys::Array::is_array(v) {
        let arr: &js_sys::Array = v.unchecked_ref();
        return arr.iter().map(|item| from_js_at(&item, depth + 1)).collect::<Option<Vec<_>>>().map(Json::Array);
    }
    if !v.is_object() || v.is_function() {
        return None;
    }
    let mut out = JsonObject::new();
    for entry in js_sys::Object::entries(v.unchecked_ref()).iter() {
        let pair: js_sys::Array = entry.unchecked_into();
        let key = pair.get(0).as_string()?;
        let value = pair.get(1);
        // JSON.stringify drops undefined members; so do we.
        if value.is_undefined() {
            continue;
        }
        out.insert(key, from_js_at(&value, depth + 1)?);
    }
    Some(Json::Object(out))
}

/// A plain JS value (objects, arrays, strings, numbers) for `json`, for results handed to JS callers.
#[cfg(target_arch = "wasm32")]
pub fn to_js(json: &Json) -> wasm_bindgen::JsValue {
    use wasm_bindgen::JsValue;
    match json {
        Json::Null => JsValue::NULL,
        Json::Bool(b) => JsValue::from_bool(*b),
        Json::Number(n) => JsValue::from_f64(*n),
        Json::String(s) => JsValue::from_str(s),
        Json::Array(items) => items.iter().map(to_js).collect::<js_sys::Array>().into(),
        Json::Object(members) => {
            let obj = js_sys::Object::new();
            for (k, v) in members {
                // Setting a data property on a fresh plain object cannot fail.
                let _ = js_sys::Reflect::set(&obj, &JsValue::from_str(k), &to_js(v));
            }
            obj.into()
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn parse_impl(text: &str) -> Option<Json> {
    serde_json::from_str(text).ok()
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Number(n) => s.serialize_f64(*n),
            Json::String(v) => s.serialize_str(v),
            Json::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
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
        Json::Array(items.iter().map(|s| Json::String(s.clone())).collect())
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> core::result::Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_none<E>(self) -> core::result::Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> core::result::Result<Json, D::Error> {
        Json::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> core::result::Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> core::result::Result<Json, E> {
        Ok(Json::Number(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> core::result::Result<Json, E> {
        Ok(Json::Number(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> core::result::Result<Json, E> {
        Ok(Json::Number(v))
    }
    fn visit_str<E>(self, v: &str) -> core::result::Result<Json, E> {
        Ok(Json::String(v.into()))
    }
    fn visit_string<E>(self, v: String) -> core::result::Result<Json, E> {
        Ok(Json::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> core::result::Result<Json, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element()? {
            out.push(v);
        }
        Ok(Json::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> core::result::Result<Json, A::Error> {
        let mut out = JsonObject::new();
        while let Some((Key(k), v)) = map.next_entry::<Key, Json>()? {
            // RFC 7515 §5.2 / RFC 8725: a duplicate member name is a parse failure, not last-wins.
            if out.insert(k, v).is_some() {
                return Err(de::Error::custom("duplicate member"));
            }
        }
        Ok(Json::Object(out))
    }
}

/// An object member name. Not `String`: serde's `String` visitor reports a non-string key with
/// `Unexpected::Float`, whose Display pulls float formatting (~15 KB) into the wasm build.
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        d.deserialize_any(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }
    fn visit_str<E>(self, v: &str) -> core::result::Result<Key, E> {
        Ok(Key(v.into()))
    }
    fn visit_string<E>(self, v: String) -> core::result::Result<Key, E> {
        Ok(Key(v))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> core::result::Result<Key, E> {
        Err(E::custom("object keys must be strings"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> core::result::Result<Key, E> {
        Err(E::custom("object keys must be strings"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> core::result::Result<Key, E> {
        Err(E::custom("object keys must be strings"))
    }
}

/// Write `s` as a JSON string literal (for the few documents we build: the `claims` parameter).
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                let b = c as u32 as usize;
                out.push(char::from(HEX.get(b >> 4).copied().unwrap_or(b'0')));
                out.push(char::from(HEX.get(b & 15).copied().unwrap_or(b'0')));
            }
            c => out.push(c),
        }
    }
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

    #[test]
    fn writes_escaped_strings() {
        let mut s = String::new();
        write_string(&mut s, "a\"b\\c\n\u{1}");
        assert_eq!(s, r#""a\"b\\c\n\u0001""#);
    }
}
