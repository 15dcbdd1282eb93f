//! The checks on a relying party's WebAuthn options (W3C WebAuthn Level 3 JSON), made before the
//! browser is called: required members present with the right types, every binary member strict
//! base64url (unpadded, canonical), `user.id` of 1 to 64 bytes (§5.4.3) and a challenge of at least
//! 16 bytes (§13.4.3). Any failure is `webauthn_invalid_options`. The browser converts the options
//! afterwards (`web::webauthn`); members not named here pass through to it unchanged.

use alloc::string::String;

use crate::core::base64url;
use crate::core::error::{Error, ErrorCode, Result};
use crate::core::json::{Json, JsonObject};

/// Check `PublicKeyCredentialCreationOptionsJSON` (registration).
pub fn check_creation_options(options: &Json) -> Result<()> {
    let o = object(Some(options), "options")?;
    let rp = object(o.get("rp"), "rp")?;
    string(rp.get("name"), "rp.name")?;
    optional_string(rp.get("id"), "rp.id")?;
    let user = object(o.get("user"), "user")?;
    string(user.get("name"), "user.name")?;
    string(user.get("displayName"), "user.displayName")?;
    // §5.4.3: user.id is 1 to 64 bytes.
    if !(1..=64).contains(&binary(user.get("id"), "user.id")?.unwrap_or(0)) {
        return Err(invalid("user.id must be 1 to 64 bytes"));
    }
    challenge(o)?;
    let Some(Json::Array(params)) = o.get("pubKeyCredParams") else {
        return Err(invalid("pubKeyCredParams must be an array"));
    };
    for p in params {
        string(p.get("type"), "pubKeyCredParams[].type")?;
        if p.get("alg").and_then(Json::as_f64).is_none() {
            return Err(invalid("pubKeyCredParams[].alg must be a number"));
        }
    }
    descriptors(o, "excludeCredentials")?;
    extensions(o)
}

/// Check `PublicKeyCredentialRequestOptionsJSON` (authentication).
pub fn check_request_options(options: &Json) -> Result<()> {
    let o = object(Some(options), "options")?;
    challenge(o)?;
    optional_string(o.get("rpId"), "rpId")?;
    descriptors(o, "allowCredentials")?;
    extensions(o)
}

/// §13.4.3: a challenge of at least 16 random bytes.
fn challenge(o: &JsonObject) -> Result<()> {
    match binary(o.get("challenge"), "challenge")? {
        Some(n) if n >= 16 => Ok(()),
        _ => Err(invalid("challenge is required and must be at least 16 bytes")),
    }
}

/// `excludeCredentials` / `allowCredentials`: an array of `{type, id, transports?}`.
fn descriptors(o: &JsonObject, key: &'static str) -> Result<()> {
    let list = match o.get(key) {
        None => return Ok(()),
        Some(Json::Array(list)) => list,
        Some(_) => return Err(invalid_member(key, " must be an array")),
    };
    for d in list {
        let d = object(Some(d), key)?;
        string(d.get("type"), key)?;
        if binary(d.get("id"), key)?.is_none() {
            return Err(invalid_member(key, " entries need an id"));
        }
    }
    Ok(())
}

/// Extension inputs that carry binaries: `prf` (eval, evalByCredential) and `largeBlob.write`.
/// Others (credProps, appid, …) pass through as they are.
fn extensions(o: &JsonObject) -> Result<()> {
    let Some(ext) = o.get("extensions") else { return Ok(()) };
    let ext = object(Some(ext), "extensions")?;
    if let Some(prf) = ext.get("prf") {
        let prf = object(Some(prf), "extensions.prf")?;
        if let Some(eval) = prf.get("eval") {
            prf_values(eval)?;
        }
        if let Some(by_credential) = prf.get("evalByCredential") {
            for (id, values) in object(Some(by_credential), "extensions.prf.evalByCredential")?.iter() {
                // Keys are base64url credential ids.
                if base64url::decode(id).map_or(true, |b| b.is_empty()) {
                    return Err(invalid("extensions.prf.evalByCredential keys must be base64url credential ids"));
                }
                prf_values(values)?;
            }
        }
    }
    if let Some(large_blob) = ext.get("largeBlob") {
        binary(object(Some(large_blob), "extensions.largeBlob")?.get("write"), "extensions.largeBlob.write")?;
    }
    Ok(())
}

fn prf_values(v: &Json) -> Result<()> {
    let v = object(Some(v), "extensions.prf values")?;
    if binary(v.get("first"), "extensions.prf first")?.is_none() {
        return Err(invalid("extensions.prf values need `first`"));
    }
    binary(v.get("second"), "extensions.prf second")?;
    Ok(())
}

/// A present member must be a strict base64url string: its byte length, `None` when absent.
fn binary(v: Option<&Json>, path: &str) -> Result<Option<usize>> {
    let Some(v) = v else { return Ok(None) };
    let bytes = v
        .as_str()
        .and_then(|s| base64url::decode(s).ok())
        .ok_or_else(|| invalid_member(path, " must be strict base64url (no padding, no + or /)"))?;
    Ok(Some(bytes.len()))
}

fn object<'a>(v: Option<&'a Json>, path: &str) -> Result<&'a JsonObject> {
    v.and_then(Json::as_object).ok_or_else(|| invalid_member(path, " must be an object"))
}

fn string(v: Option<&Json>, path: &str) -> Result<()> {
    match v {
        Some(Json::String(_)) => Ok(()),
        _ => Err(invalid_member(path, " must be a string")),
    }
}

fn optional_string(v: Option<&Json>, path: &str) -> Result<()> {
    match v {
        None | Some(Json::String(_)) => Ok(()),
        _ => Err(invalid_member(path, " must be a string")),
    }
}

fn invalid(msg: &'static str) -> Error {
    Error::new(ErrorCode::WebauthnInvalidOptions, msg)
}

/// `path` + `what`, e.g. "user.id must be strict base64url" (no `format!` on this path).
fn invalid_member(path: &str, what: &'static str) -> Error {
    Error::new(ErrorCode::WebauthnInvalidOptions, Joined(path, what))
}

/// A member's path and what is wrong with it: the message, joined only where `Error::new` keeps it
/// (not in the npm package's build, which then links no joining).
struct Joined<'a>(&'a str, &'static str);

impl From<Joined<'_>> for String {
    fn from(Joined(path, what): Joined<'_>) -> String {
        let mut msg = String::with_capacity(path.len() + what.len());
        msg.push_str(path);
        msg.push_str(what);
        msg
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::core::json::parse;

    const CREATE: &str = r#"{"rp":{"name":"Example","id":"localhost"},"user":{"id":"dXNlci0x","name":"alice","displayName":"Alice"},
      "challenge":"MTIzNDU2Nzg5MDEyMzQ1Ng","pubKeyCredParams":[{"type":"public-key","alg":-7}],"futureMember":{"x":1}}"#;

    fn create(text: &str) -> Result<()> {
        check_creation_options(&parse(text, ErrorCode::WebauthnInvalidOptions).unwrap())
    }

    fn get(text: &str) -> Result<()> {
        check_request_options(&parse(text, ErrorCode::WebauthnInvalidOptions).unwrap())
    }

    fn code(r: Result<()>) -> &'static str {
        r.err().map_or("ok", |e| e.code())
    }

    #[test]
    fn valid_options_pass_with_unknown_members() {
        assert_eq!(code(create(CREATE)), "ok");
        assert_eq!(code(get(r#"{"challenge":"MTIzNDU2Nzg5MDEyMzQ1Ng","rpId":"localhost",
            "allowCredentials":[{"type":"public-key","id":"AAAA"}],
            "extensions":{"prf":{"eval":{"first":"AAAA"},"evalByCredential":{"AAAA":{"first":"AAAA","second":"AQID"}}},
            "largeBlob":{"write":"aGVsbG8"},"credProps":true}}"#)), "ok");
    }

    #[test]
    fn messages_name_the_member() {
        let message = |r: Result<()>| r.err().map(|e| String::from(e.message()));
        assert_eq!(message(create(&CREATE.replace(r#""id":"dXNlci0x""#, r#""id":"a/b+""#))).as_deref(),
            Some("user.id must be strict base64url (no padding, no + or /)"));
        assert_eq!(message(get(r#"{"challenge":"MTIzNDU2Nzg5MDEyMzQ1Ng","allowCredentials":[{"type":"public-key"}]}"#)).as_deref(),
            Some("allowCredentials entries need an id"));
        assert_eq!(message(get("[]")).as_deref(), Some("options must be an object"));
    }

    #[test]
    fn a_challenge_needs_16_bytes_of_strict_base64url() {
        // 15 bytes (WebAuthn L3 §13.4.3 asks for at least 16).
        assert_eq!(code(get(r#"{"challenge":"MTIzNDU2Nzg5MDEyMzQ1"}"#)), "webauthn_invalid_options");
        assert_eq!(code(get(r#"{"challenge":"MTIzNDU2Nzg5MDEyMzQ1Ng=="}"#)), "webauthn_invalid_options");
        assert_eq!(code(get(r#"{"challenge":"MTIzNDU2Nzg5MDEyMzQ1Ng"}"#)), "ok");
        assert_eq!(code(get(r#"{"rpId":"localhost"}"#)), "webauthn_invalid_options");
        assert_eq!(code(get(r#"{"challenge":[1,2,3]}"#)), "webauthn_invalid_options");
        assert_eq!(code(create(&CREATE.replace("MTIzNDU2Nzg5MDEyMzQ1Ng", "MTIzNDU2Nzg5MDEyMzQ1"))), "webauthn_invalid_options");
    }

    #[test]
    fn malformed_members_are_invalid_options() {
        for bad in [
            CREATE.replace(r#""id":"dXNlci0x""#, r#""id":"a/b+""#),
            CREATE.replace(r#""displayName":"Alice""#, r#""displayName":null"#),
            CREATE.replace(r#""name":"Example","id":"localhost""#, r#""id":"localhost""#),
            CREATE.replace(r#""alg":-7"#, r#""alg":"ES256""#),
            CREATE.replace(r#""futureMember""#, r#""excludeCredentials":[{"type":"public-key","id":"a b"}],"x""#),
            CREATE.replace(r#""futureMember""#, r#""excludeCredentials":{"id":"AAAA"},"x""#),
            CREATE.replace(r#""futureMember""#, r#""extensions":{"prf":{"eval":{"second":"AAAA"}}},"x""#),
            CREATE.replace(r#""futureMember""#, r#""extensions":{"largeBlob":{"write":"==="}},"x""#),
            CREATE.replace(r#""futureMember""#, r#""extensions":null,"x""#),
        ] {
            assert_eq!(code(create(&bad)), "webauthn_invalid_options", "{bad}");
        }
        assert_eq!(code(get(r#"{"challenge":"MTIzNDU2Nzg5MDEyMzQ1Ng","rpId":42}"#)), "webauthn_invalid_options");
        assert_eq!(code(get(r#"{"challenge":"MTIzNDU2Nzg5MDEyMzQ1Ng","extensions":{"prf":{"evalByCredential":{"a=b":{"first":"AAAA"}}}}}"#)),
            "webauthn_invalid_options");
        assert_eq!(code(get("null")), "webauthn_invalid_options");
        assert_eq!(code(get("[]")), "webauthn_invalid_options");
    }
}
