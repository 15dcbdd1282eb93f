//! Fuzz `core::json::parse`, the one JSON parser behind tokens, JWKS, discovery, token responses and
//! option objects, against serde_json as a reference.
//!
//! Invariants (a failed assert is a finding):
//! - our parser accepts a text exactly when serde_json accepts it, has no duplicate member name and
//!   nests no deeper than `MAX_DEPTH`; the one allowed extra is a number out of f64 range, which we read
//!   as ±infinity (as JavaScript's `JSON.parse` does) where serde_json refuses the document;
//! - both parsers read the same value (numbers within a few units in the last place);
//! - `write_string` output parses back to the same string.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::de::{Deserialize, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use stepup::core::json::{self, Json, MAX_DEPTH};
use stepup::ErrorCode;

/// A serde_json value that refuses duplicate member names, as our parser does.
enum Reference {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Reference>),
    Object(Vec<(String, Reference)>),
}

impl<'de> Deserialize<'de> for Reference {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Reference;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_unit<E>(self) -> Result<Reference, E> {
                Ok(Reference::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Reference, E> {
                Ok(Reference::Bool(b))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Reference, E> {
                Ok(Reference::Number(n as f64))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Reference, E> {
                Ok(Reference::Number(n as f64))
            }
            fn visit_f64<E>(self, n: f64) -> Result<Reference, E> {
                Ok(Reference::Number(n))
            }
            fn visit_str<E>(self, s: &str) -> Result<Reference, E> {
                Ok(Reference::String(s.to_owned()))
            }
            fn visit_string<E>(self, s: String) -> Result<Reference, E> {
                Ok(Reference::String(s))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Reference, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = a.next_element()? {
                    out.push(v);
                }
                Ok(Reference::Array(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Reference, A::Error> {
                let mut out: Vec<(String, Reference)> = Vec::new();
                while let Some((k, v)) = a.next_entry::<String, Reference>()? {
                    if out.iter().any(|(m, _)| *m == k) {
                        return Err(A::Error::custom("duplicate member"));
                    }
                    out.push((k, v));
                }
                Ok(Reference::Object(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// The depth of the deepest value, the root being 0 (our parser refuses a value deeper than `MAX_DEPTH`).
fn depth(v: &Reference) -> u32 {
    match v {
        Reference::Array(a) => a.iter().map(|c| 1 + depth(c)).max().unwrap_or(0),
        Reference::Object(o) => o.iter().map(|(_, c)| 1 + depth(c)).max().unwrap_or(0),
        _ => 0,
    }
}

fn has_infinity(v: &Json) -> bool {
    match v {
        Json::Number(n) => !n.is_finite(),
        Json::Array(a) => a.iter().any(has_infinity),
        Json::Object(o) => o.iter().any(|(_, c)| has_infinity(c)),
        _ => false,
    }
}

fn close(a: f64, b: f64) -> bool {
    let (x, y) = (a.abs(), b.abs());
    a == b
        || (a - b).abs() <= 1e-12 * x.max(y)
        // Subnormals and the edge of the range: our few roundings may lose more there.
        || (x < 1e-290 && y < 1e-290)
        || (x > 1e305 && y > 1e305 && a.signum() == b.signum())
}

fn same(ours: &Json, theirs: &Reference) -> bool {
    match (ours, theirs) {
        (Json::Null, Reference::Null) => true,
        (Json::Bool(a), Reference::Bool(b)) => a == b,
        (Json::Number(a), Reference::Number(b)) => close(*a, *b),
        (Json::String(a), Reference::String(b)) => a == b,
        (Json::Array(a), Reference::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y)),
        (Json::Object(a), Reference::Object(b)) => {
            a.len() == b.len() && b.iter().all(|(k, y)| a.get(k).is_some_and(|x| same(x, y)))
        }
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let ours = json::parse(text, ErrorCode::MalformedToken);
    let theirs = serde_json::from_str::<Reference>(text);
    match (&ours, &theirs) {
        (Ok(o), Ok(t)) => {
            assert!(depth(t) <= MAX_DEPTH);
            assert!(same(o, t), "{text:?}: {o:?}");
        }
        (Ok(o), Err(e)) => assert!(has_infinity(o), "{text:?} accepted, serde_json: {e}"),
        (Err(e), Ok(t)) => assert!(depth(t) > MAX_DEPTH, "{text:?} refused ({e:?}) at depth {}", depth(t)),
        (Err(e), Err(_)) => assert_eq!(e.code(), "malformed_token"),
    }
    let mut quoted = String::new();
    json::write_string(&mut quoted, text);
    assert_eq!(json::parse(&quoted, ErrorCode::MalformedToken).ok(), Some(Json::String(text.to_owned())), "{quoted}");
});
