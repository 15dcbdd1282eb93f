//! JWS algorithms, JSON Web Keys (RFC 7517) and key selection for ID-token signatures.
//!
//! The browser layer imports the selected key into WebCrypto and verifies; this module decides *which*
//! key, so that the rule "one algorithm per key type" (RFC 8725 §3.1) lives in one place: an RSA key is
//! never used for an EC algorithm, and no key is ever used for HS* (a public client has no secret).

use alloc::string::String;
use alloc::vec::Vec;

use super::text;
use super::base64url;
use super::error::{Error, ErrorCode, Result};
use super::json::{Json, JsonObject, ObjectWriter};
use super::jwt::JoseHeader;

/// The asymmetric JWS algorithms stepup can verify with WebCrypto (RFC 7518 §3, RFC 8037).
///
/// `none` and HS* are deliberately absent: they cannot be named, so they cannot be allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
    ES256,
    ES384,
    ES512,
    /// Ed25519 only (RFC 8037): the curve browsers implement; Ed448 keys never match.
    EdDSA,
}

/// The default allowlist: what OIDC providers sign ID tokens with in practice (RS256 is OIDC's default).
pub const DEFAULT_ALGORITHMS: [Algorithm; 3] = [Algorithm::RS256, Algorithm::PS256, Algorithm::ES256];

impl Algorithm {
    pub const ALL: [Algorithm; 10] = [
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::ES512,
        Algorithm::EdDSA,
    ];

    /// The algorithm with this exact JWA name. Case-sensitive (RFC 7515 §4.1.1: `alg` is a
    /// case-sensitive string), so `rs256` and `NONE` are `None`, as are `none` and HS*.
    pub fn from_name(name: &str) -> Option<Algorithm> {
        for a in &Algorithm::ALL {
            if a.name() == name {
                return Some(*a);
            }
        }
        None
    }

    /// The JWA name, e.g. `"ES256"`.
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::ES512 => "ES512",
            Algorithm::EdDSA => "EdDSA",
        }
    }

    /// The JWK `kty` a key for this algorithm must have.
    pub const fn kty(self) -> &'static str {
        match self {
            Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512 => "RSA",
            Algorithm::PS256 | Algorithm::PS384 | Algorithm::PS512 => "RSA",
            Algorithm::ES256 | Algorithm::ES384 | Algorithm::ES512 => "EC",
            Algorithm::EdDSA => "OKP",
        }
    }

    /// The JWK `crv` a key must have (EC and OKP), `None` for RSA.
    pub const fn curve(self) -> Option<&'static str> {
        match self {
            Algorithm::ES256 => Some("P-256"),
            Algorithm::ES384 => Some("P-384"),
            Algorithm::ES512 => Some("P-521"),
            Algorithm::EdDSA => Some("Ed25519"),
            _ => None,
        }
    }

    /// Bits of the SHA-2 hash the algorithm uses: picks the hash for `at_hash` (OIDC Core 3.1.3.6) and
    /// for WebCrypto. EdDSA (Ed25519) hashes with SHA-512, which OIDC uses for its `at_hash` too.
    pub const fn hash_bits(self) -> u16 {
        match self {
            Algorithm::RS256 | Algorithm::PS256 | Algorithm::ES256 => 256,
            Algorithm::RS384 | Algorithm::PS384 | Algorithm::ES384 => 384,
            Algorithm::RS512 | Algorithm::PS512 | Algorithm::ES512 | Algorithm::EdDSA => 512,
        }
    }
}

/// A public JSON Web Key, as published in the issuer's JWKS. [`Jwk::from_json`] only builds keys whose
/// public parameters (RSA `n` `e`, EC `crv` `x` `y`, OKP `crv` `x`) are present and valid base64url.
#[derive(Clone, Debug, PartialEq)]
pub struct Jwk {
    pub kty: String,
    pub kid: Option<String>,
    pub alg: Option<String>,
    /// `use` (a Rust keyword).
    pub use_: Option<String>,
    pub crv: Option<String>,
    pub n: Option<String>,
    pub e: Option<String>,
    pub x: Option<String>,
    pub y: Option<String>,
    /// The whole key object, for importing it into WebCrypto as a JWK.
    pub raw: JsonObject,
}

/// A JWK Set (RFC 7517 §5) holding only the usable signature keys.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// How long a fetched JWKS is used without asking again, seconds: the response's `Cache-Control: max-age`
/// clamped to [`JWKS_MIN_AGE`, `JWKS_MAX_AGE`], else [`JWKS_DEFAULT_AGE`]. The floor keeps a provider that
/// says `no-cache` from being asked on every verification; the ceiling lets rotated keys arrive within a day.
pub const JWKS_DEFAULT_AGE: u64 = 600;
pub const JWKS_MIN_AGE: u64 = 300;
pub const JWKS_MAX_AGE: u64 = 86_400;

/// The cache lifetime of a JWKS response from its `Cache-Control` header (see [`JWKS_DEFAULT_AGE`]).
/// `no-store` / `no-cache` mean the floor; a missing or unreadable `max-age` the default.
pub fn jwks_max_age(cache_control: Option<&str>) -> u64 {
    let Some(header) = cache_control else { return JWKS_DEFAULT_AGE };
    let mut age = None;
    for directive in text::split(header, b',') {
        // RFC 9110 §5.6.1: list members are separated by OWS (spaces and tabs).
        let d = directive.trim_ascii();
        if d.eq_ignore_ascii_case("no-store") || d.eq_ignore_ascii_case("no-cache") {
            return JWKS_MIN_AGE;
        }
        let Some((name, value)) = text::split_once(d, b'=') else { continue };
        if name.trim_ascii().eq_ignore_ascii_case("max-age") {
            let v = value.trim_ascii();
            let v = v.strip_prefix("\"").and_then(|v| v.strip_suffix("\"")).unwrap_or(v);
            if v.len() <= 12 {
                if let Some(a) = text::decimal(v) {
                    age = Some(a);
                }
            }
        }
    }
    age.map_or(JWKS_DEFAULT_AGE, |a| a.clamp(JWKS_MIN_AGE, JWKS_MAX_AGE))
}

/// RFC 7518 §3.3: RSA keys for RS*/PS* MUST be at least 2048 bits.
const MIN_RSA_MODULUS_BITS: usize = 2048;

/// The bit length of a big-endian unsigned integer: leading zero bytes (and bits) do not count, so a
/// 1024-bit modulus padded with zero bytes to 256 bytes is still 1024 bits.
fn bit_length(bytes: &[u8]) -> usize {
    match bytes.iter().position(|&b| b != 0) {
        None => 0,
        Some(i) => (bytes.len() - i) * 8 - bytes.get(i).map_or(0, |b| b.leading_zeros() as usize),
    }
}

/// A member that must be a string when present; `Err(())` for any other type.
fn opt_str(obj: &JsonObject, bad: &mut bool, name: &str) -> Option<String> {
    match obj.get(name) {
        None => None,
        Some(Json::String(s)) => Some(s.clone()),
        Some(_) => {
            *bad = true;
            None
        }
    }
}

/// A required base64url public parameter, decoded (to check it and, for RSA, measure it).
fn b64_param(v: &Option<String>) -> Option<Vec<u8>> {
    v.as_deref().and_then(|s| base64url::decode(s).ok())
}

impl Jwk {
    /// Parse one key; `None` means "skip this key" (see [`Jwks::from_json`]).
    pub fn from_json(value: &Json) -> Option<Jwk> {
        let obj = value.as_object()?;
        // A private or symmetric key in a public JWKS is a provider mistake; never use it.
        if obj.contains_key("d") || obj.contains_key("k") {
            return None;
        }
        // A member of the wrong type makes the key unusable; read them all, then decide once (no early
        // return per member: see `FirstError`).
        let mut bad = false;
        let key = Jwk {
            kty: opt_str(obj, &mut bad, "kty").unwrap_or_default(),
            kid: opt_str(obj, &mut bad, "kid"),
            alg: opt_str(obj, &mut bad, "alg"),
            use_: opt_str(obj, &mut bad, "use"),
            crv: opt_str(obj, &mut bad, "crv"),
            n: opt_str(obj, &mut bad, "n"),
            e: opt_str(obj, &mut bad, "e"),
            x: opt_str(obj, &mut bad, "x"),
            y: opt_str(obj, &mut bad, "y"),
            raw: obj.clone(),
        };
        if bad || key.kty.is_empty() {
            return None;
        }
        // RFC 7517 §4.2: a key for encryption (or anything but signatures) must not verify signatures.
        if key.use_.as_deref().is_some_and(|u| u != "sig") {
            return None;
        }
        // RFC 7517 §4.3: when key_ops is given it must allow "verify".
        if let Some(ops) = obj.get("key_ops") {
            let ops = ops.as_array()?;
            if !ops.iter().any(|o| o.as_str() == Some("verify")) {
                return None;
            }
        }
        let usable = match key.kty.as_str() {
            "RSA" => b64_param(&key.n).is_some_and(|n| bit_length(&n) >= MIN_RSA_MODULUS_BITS) && b64_param(&key.e).is_some(),
            "EC" => key.crv.is_some() && b64_param(&key.x).is_some() && b64_param(&key.y).is_some(),
            "OKP" => key.crv.is_some() && b64_param(&key.x).is_some(),
            // Unknown key types are harmless: no algorithm here will ever select them.
            _ => true,
        };
        usable.then_some(key)
    }

    /// Whether this key may verify `alg`: same `kty`, same curve, and the key's own `alg`, if it names
    /// one, is exactly `alg` (RFC 8725 §3.1: one algorithm per key). RFC 9864 names Ed25519 keys
    /// `"alg": "Ed25519"` (Chromium exports them so); that is the same algorithm as our `EdDSA`.
    pub fn is_compatible(&self, alg: Algorithm) -> bool {
        self.kty == alg.kty()
            && (alg.curve().is_none() || self.crv.as_deref() == alg.curve())
            && self.alg.as_deref().map_or(true, |a| a == alg.name() || (alg == Algorithm::EdDSA && a == "Ed25519"))
    }
}

impl Jwks {
    /// Parse a JWKS document.
    ///
    /// Not an object with a `keys` array → `key_not_found`: whether the document came from the
    /// `jwks_uri` or from the caller, the outcome is the same (no key to verify with), and the browser
    /// layer already treats `key_not_found` as "refetch the JWKS once". Individual keys that do not
    /// parse, are not for signatures, or carry private material are skipped, never an error: one odd key
    /// must not lock users out of a provider.
    pub fn from_json(value: &Json) -> Result<Jwks> {
        let keys = value
            .get("keys")
            .and_then(Json::as_array)
            .ok_or_else(|| Error::new(ErrorCode::KeyNotFound, "JWKS is not an object with a keys array"))?;
        let mut out = Vec::new();
        for key in keys {
            if let Some(jwk) = Jwk::from_json(key) {
                out.push(jwk);
            }
        }
        Ok(Jwks { keys: out })
    }
}

/// Pick the key that verifies a token signed with `alg` (already checked against the allowlist).
///
/// With a `kid` in the header: the first key with that `kid` that is compatible with `alg`; a key with
/// the right `kid` but the wrong type is skipped, not used. Without a `kid`: the first compatible key;
/// several compatible keys without a `kid` to choose are ambiguous, and we take the first (providers
/// that rotate keys send a `kid`). Nothing found → `key_not_found` (with claim `kid`), which the
/// browser layer answers by refetching the JWKS once.
pub fn select_key<'a>(jwks: &'a Jwks, header: &JoseHeader, alg: Algorithm) -> Result<&'a Jwk> {
    for key in &jwks.keys {
        let kid_matches = header.kid.is_none() || key.kid == header.kid;
        if kid_matches && key.is_compatible(alg) {
            return Ok(key);
        }
    }
    Err(Error::new(ErrorCode::KeyNotFound, "no key in the JWKS matches the token").with_claim("kid"))
}

/// What WebCrypto is asked to do for one signature, decided here so the browser layer makes one call:
/// import this key with these parameters and verify with those (RFC 7518 §3 for each algorithm).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerificationPlan {
    /// `importKey`'s algorithm, as JSON text.
    pub import_params: &'static str,
    /// The JWK for `importKey`, as JSON text: the public key material only. Copying `alg`, `key_ops`, `use`
    /// or `ext` from the JWKS would let the provider's document steer what WebCrypto accepts (RFC 8725).
    pub jwk: String,
    /// `verify`'s algorithm, as JSON text.
    pub verify_params: &'static str,
}

impl Algorithm {
    /// `(importKey, verify)` parameters: RSASSA-PKCS1-v1_5 and RSA-PSS bind the hash at import, and PSS
    /// uses a salt as long as the hash (RFC 7518 §3.5); ECDSA names the curve at import and the hash at verify.
    const fn webcrypto(self) -> (&'static str, &'static str) {
        match self {
            Algorithm::RS256 => (r#"{"name":"RSASSA-PKCS1-v1_5","hash":"SHA-256"}"#, r#"{"name":"RSASSA-PKCS1-v1_5"}"#),
            Algorithm::RS384 => (r#"{"name":"RSASSA-PKCS1-v1_5","hash":"SHA-384"}"#, r#"{"name":"RSASSA-PKCS1-v1_5"}"#),
            Algorithm::RS512 => (r#"{"name":"RSASSA-PKCS1-v1_5","hash":"SHA-512"}"#, r#"{"name":"RSASSA-PKCS1-v1_5"}"#),
            Algorithm::PS256 => (r#"{"name":"RSA-PSS","hash":"SHA-256"}"#, r#"{"name":"RSA-PSS","saltLength":32}"#),
            Algorithm::PS384 => (r#"{"name":"RSA-PSS","hash":"SHA-384"}"#, r#"{"name":"RSA-PSS","saltLength":48}"#),
            Algorithm::PS512 => (r#"{"name":"RSA-PSS","hash":"SHA-512"}"#, r#"{"name":"RSA-PSS","saltLength":64}"#),
            Algorithm::ES256 => (r#"{"name":"ECDSA","namedCurve":"P-256"}"#, r#"{"name":"ECDSA","hash":"SHA-256"}"#),
            Algorithm::ES384 => (r#"{"name":"ECDSA","namedCurve":"P-384"}"#, r#"{"name":"ECDSA","hash":"SHA-384"}"#),
            Algorithm::ES512 => (r#"{"name":"ECDSA","namedCurve":"P-521"}"#, r#"{"name":"ECDSA","hash":"SHA-512"}"#),
            Algorithm::EdDSA => (r#"{"name":"Ed25519"}"#, r#"{"name":"Ed25519"}"#),
        }
    }

    /// Length of an ECDSA signature (raw `r || s`, RFC 7518 §3.4): twice the coordinate size (P-521: 66 bytes).
    const fn ecdsa_signature_len(self) -> Option<usize> {
        match self {
            Algorithm::ES256 => Some(64),
            Algorithm::ES384 => Some(96),
            Algorithm::ES512 => Some(132),
            _ => None,
        }
    }
}

/// The public JWK written member by member, and the first member it lacks.
struct PublicJwk {
    json: ObjectWriter,
    missing: Option<&'static str>,
}

impl PublicJwk {
    fn member(&mut self, name: &'static str, value: &Option<String>) {
        match value {
            Some(v) => self.json.string(name, v),
            None => {
                self.missing = self.missing.or(Some(name));
            }
        }
    }
}

/// The plan to verify `signature` with `jwk` for `alg` (already allow-listed):
/// - the key must fit the algorithm (`kty`, `crv`, and the JWK's own `alg` when it names one): an RSA key can
///   never verify an EC or HMAC token → `unsupported_algorithm`;
/// - an ECDSA signature must be raw `r || s` of exactly twice the coordinate size, never DER, whatever a
///   lenient engine might make of it → `invalid_signature`;
/// - a key without its public members → `key_not_found`.
pub fn verification_plan(jwk: &Jwk, alg: Algorithm, signature: &[u8]) -> Result<VerificationPlan> {
    if !jwk.is_compatible(alg) {
        return Err(Error::new(ErrorCode::UnsupportedAlgorithm, "the key's type does not fit the token's alg").with_claim("alg"));
    }
    if alg.ecdsa_signature_len().is_some_and(|len| signature.len() != len) {
        return Err(Error::new(ErrorCode::InvalidSignature, "the signature does not verify").with_claim("signature"));
    }
    let mut out = PublicJwk { json: ObjectWriter::new(), missing: None };
    out.json.string("kty", alg.kty());
    match alg {
        Algorithm::ES256 | Algorithm::ES384 | Algorithm::ES512 => {
            out.member("crv", &jwk.crv);
            out.member("x", &jwk.x);
            out.member("y", &jwk.y);
        }
        Algorithm::EdDSA => {
            out.member("crv", &jwk.crv);
            out.member("x", &jwk.x);
        }
        // RS* and PS*.
        _ => {
            out.member("n", &jwk.n);
            out.member("e", &jwk.e);
        }
    }
    if let Some(name) = out.missing {
        return Err(Error::new(ErrorCode::KeyNotFound, "the JWK lacks a public key member").with_claim(name));
    }
    let out = out.json;
    let (import_params, verify_params) = alg.webcrypto();
    Ok(VerificationPlan { import_params, jwk: out.finish(), verify_params })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::core::json::parse;

    fn jwks(text: &str) -> Result<Jwks> {
        Jwks::from_json(&parse(text, ErrorCode::KeyNotFound)?)
    }

    fn header(kid: Option<&str>) -> JoseHeader {
        JoseHeader {
            alg: "RS256".into(),
            kid: kid.map(Into::into),
            typ: None,
            crit: Vec::new(),
            raw: JsonObject::new(),
        }
    }

    fn n2048() -> String {
        base64url::encode(&[0xc5; 256])
    }

    #[test]
    fn jwks_cache_age_follows_cache_control_within_bounds() {
        assert_eq!(jwks_max_age(None), JWKS_DEFAULT_AGE);
        assert_eq!(jwks_max_age(Some("public, max-age=3600")), 3600);
        assert_eq!(jwks_max_age(Some("MAX-AGE=\"7200\"")), 7200);
        assert_eq!(jwks_max_age(Some("max-age=10")), JWKS_MIN_AGE, "clamped up");
        assert_eq!(jwks_max_age(Some("max-age=31536000")), JWKS_MAX_AGE, "clamped down");
        assert_eq!(jwks_max_age(Some("no-cache")), JWKS_MIN_AGE);
        assert_eq!(jwks_max_age(Some("max-age=3600, no-store")), JWKS_MIN_AGE);
        for junk in ["max-age=", "max-age=-5", "max-age=1e9", "private", "max-age=99999999999999999"] {
            assert_eq!(jwks_max_age(Some(junk)), JWKS_DEFAULT_AGE, "{junk}");
        }
    }

    #[test]
    fn rsa_modulus_bits_do_not_count_leading_zeros() {
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(bit_length(&[0, 0]), 0);
        assert_eq!(bit_length(&[0, 1]), 1);
        assert_eq!(bit_length(&[0x80, 0]), 16);
        let rsa = |n: &[u8]| {
            let text = format!(r#"{{"kty":"RSA","n":"{}","e":"AQAB"}}"#, base64url::encode(n));
            Jwk::from_json(&parse(&text, ErrorCode::KeyNotFound).unwrap())
        };
        let mut n = vec![0u8; 256];
        n[0] = 0x80;
        assert!(rsa(&n).is_some(), "2048 bits");
        // 1024 significant bits padded with zero bytes to 256 bytes: skipped.
        let mut padded = vec![0u8; 128];
        padded.extend_from_slice(&[0xc5; 128]);
        assert!(rsa(&padded).is_none(), "a padded 1024-bit modulus is 1024 bits");
        // 2047 bits.
        let mut short = vec![0xffu8; 256];
        short[0] = 0x7f;
        assert!(rsa(&short).is_none());
    }

    #[test]
    fn algorithm_names_are_exact() {
        for a in Algorithm::ALL {
            assert_eq!(Algorithm::from_name(a.name()), Some(a));
        }
        for bad in ["none", "None", "NONE", "HS256", "HS384", "HS512", "rs256", "", "RS256 "] {
            assert_eq!(Algorithm::from_name(bad), None, "{bad}");
        }
        assert_eq!(Algorithm::ES384.curve(), Some("P-384"));
        assert_eq!(Algorithm::PS512.kty(), "RSA");
        assert_eq!(Algorithm::RS384.curve(), None);
    }

    #[test]
    fn ed25519_alg_name_is_eddsa_and_nothing_else() {
        let key = |alg: &str| Jwk::from_json(&parse(&format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{}","alg":"{alg}"}}"#, base64url::encode(&[7; 32])), ErrorCode::KeyNotFound).unwrap()).unwrap();
        assert!(key("Ed25519").is_compatible(Algorithm::EdDSA));
        assert!(key("EdDSA").is_compatible(Algorithm::EdDSA));
        assert!(!key("ES256").is_compatible(Algorithm::EdDSA));
        assert!(!key("Ed25519").is_compatible(Algorithm::ES256));
    }

    #[test]
    fn skips_unusable_keys() {
        let n = n2048();
        let text = [
            r#"{"keys":[1,{"kty":1},{"kty":"RSA","n":""#,
            &n,
            r#"","e":"AQAB","use":"enc"},{"kty":"RSA","n":""#,
            &n,
            r#"","e":"AQAB","d":"AQAB"},{"kty":"oct","k":"AQAB"},{"kty":"RSA","n":"AQAB","e":"AQAB"},"#,
            r#"{"kty":"EC","crv":"P-256","x":"AA=="},{"kty":"RSA","n":""#,
            &n,
            r#"","e":"AQAB","key_ops":["encrypt"]},{"kty":"RSA","n":""#,
            &n,
            r#"","e":"AQAB","kid":"ok","use":"sig"}]}"#,
        ]
        .concat();
        let set = jwks(&text).unwrap();
        assert_eq!(set.keys.len(), 1);
        assert_eq!(set.keys.first().unwrap().kid.as_deref(), Some("ok"));
        for bad in ["[]", "{}", r#"{"keys":{}}"#, "null"] {
            assert_eq!(jwks(bad).unwrap_err().code(), "key_not_found", "{bad}");
        }
    }

    #[test]
    fn selects_by_kid_then_by_type() {
        let n = n2048();
        let text = [
            r#"{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA","kid":"a"},"#,
            r#"{"kty":"RSA","kid":"a","alg":"PS256","n":""#,
            &n,
            r#"","e":"AQAB"},{"kty":"RSA","kid":"b","n":""#,
            &n,
            r#"","e":"AQAB"}]}"#,
        ]
        .concat();
        let set = jwks(&text).unwrap();
        // kid "a" exists for EC and for RSA-with-PS256: neither may verify RS256.
        assert_eq!(select_key(&set, &header(Some("a")), Algorithm::RS256).unwrap_err().code(), "key_not_found");
        assert_eq!(select_key(&set, &header(Some("a")), Algorithm::PS256).unwrap().kty, "RSA");
        assert_eq!(select_key(&set, &header(Some("a")), Algorithm::ES256).unwrap().kty, "EC");
        assert_eq!(select_key(&set, &header(Some("b")), Algorithm::RS256).unwrap().kid.as_deref(), Some("b"));
        assert_eq!(select_key(&set, &header(Some("zz")), Algorithm::RS256).unwrap_err().claim.as_deref(), Some("kid"));
        assert_eq!(select_key(&set, &header(None), Algorithm::RS256).unwrap().kid.as_deref(), Some("b"));
        assert_eq!(select_key(&set, &header(None), Algorithm::ES384).unwrap_err().code(), "key_not_found");
        assert_eq!(select_key(&set, &header(None), Algorithm::EdDSA).unwrap_err().code(), "key_not_found");
    }

    #[test]
    fn the_plan_imports_only_public_members_and_checks_ecdsa_length() {
        let set = jwks(r#"{"keys":[{"kty":"EC","crv":"P-256","x":"AQ","y":"Ag","kid":"k","alg":"ES256","key_ops":["verify"],"ext":true},
            {"kty":"RSA","n":"AQAB","e":"AQAB","kid":"r"}]}"#).unwrap();
        let ec = &set.keys[0];
        let plan = verification_plan(ec, Algorithm::ES256, &[0; 64]).unwrap();
        assert_eq!(plan.jwk, r#"{"kty":"EC","crv":"P-256","x":"AQ","y":"Ag"}"#);
        assert_eq!((plan.import_params, plan.verify_params), (r#"{"name":"ECDSA","namedCurve":"P-256"}"#, r#"{"name":"ECDSA","hash":"SHA-256"}"#));
        // DER or truncated ECDSA signatures never reach WebCrypto.
        for len in [0, 63, 65, 70, 72] {
            assert_eq!(verification_plan(ec, Algorithm::ES256, &vec![0; len]).unwrap_err().code(), "invalid_signature");
        }
        // An EC key for an RSA algorithm (and the reverse): refused before WebCrypto sees it.
        assert_eq!(verification_plan(ec, Algorithm::RS256, &[]).unwrap_err().code(), "unsupported_algorithm");
        assert_eq!(verification_plan(ec, Algorithm::ES384, &[0; 96]).unwrap_err().code(), "unsupported_algorithm");
        let rsa = Jwk { kty: "RSA".into(), n: Some("bg".into()), e: Some("AQAB".into()), ..ec.clone() };
        let rsa = Jwk { crv: None, x: None, y: None, alg: None, ..rsa };
        assert_eq!(verification_plan(&rsa, Algorithm::ES256, &[0; 64]).unwrap_err().code(), "unsupported_algorithm");
        let plan = verification_plan(&rsa, Algorithm::PS384, &[1; 256]).unwrap();
        assert_eq!(plan.jwk, r#"{"kty":"RSA","n":"bg","e":"AQAB"}"#);
        assert_eq!(plan.verify_params, r#"{"name":"RSA-PSS","saltLength":48}"#);
        let no_e = Jwk { e: None, ..rsa };
        assert_eq!(verification_plan(&no_e, Algorithm::RS256, &[]).unwrap_err().code(), "key_not_found");
        assert_eq!(verification_plan(&no_e, Algorithm::RS256, &[]).unwrap_err().claim.as_deref(), Some("e"));
        let bare_ec = Jwk { x: None, y: None, ..ec.clone() };
        assert_eq!(verification_plan(&bare_ec, Algorithm::ES256, &[0; 64]).unwrap_err().claim.as_deref(), Some("x"), "the first one missing");
        let no_y = Jwk { y: None, ..ec.clone() };
        assert_eq!(verification_plan(&no_y, Algorithm::ES256, &[0; 64]).unwrap_err().claim.as_deref(), Some("y"));
        let okp = Jwk { kty: "OKP".into(), crv: Some("Ed25519".into()), alg: None, y: None, ..ec.clone() };
        assert_eq!(verification_plan(&okp, Algorithm::EdDSA, &[]).unwrap().jwk, r#"{"kty":"OKP","crv":"Ed25519","x":"AQ"}"#);
    }

    #[test]
    fn every_algorithm_has_webcrypto_parameters_naming_its_hash_or_curve() {
        for alg in Algorithm::ALL {
            let (import, verify) = alg.webcrypto();
            let import = parse(import, ErrorCode::InvalidConfig).unwrap();
            let verify = parse(verify, ErrorCode::InvalidConfig).unwrap();
            let named = |j: &Json, m: &str| j.get(m).and_then(Json::as_str).map(String::from);
            match alg.kty() {
                "RSA" => {
                    assert_eq!(named(&import, "hash").unwrap(), alloc::format!("SHA-{}", alg.hash_bits()));
                    if alg.name().starts_with("PS") {
                        assert_eq!(verify.get("saltLength").and_then(Json::as_f64), Some(f64::from(alg.hash_bits() / 8)));
                    }
                }
                "EC" => {
                    assert_eq!(named(&import, "namedCurve").as_deref(), alg.curve());
                    assert_eq!(named(&verify, "hash").unwrap(), alloc::format!("SHA-{}", alg.hash_bits()));
                }
                _ => assert_eq!(named(&import, "name").as_deref(), Some("Ed25519")),
            }
        }
    }

}
