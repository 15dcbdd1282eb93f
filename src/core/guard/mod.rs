//! The API guard's rules (DESIGN.md "API guard"): whether a request's access token (RFC 9068 JWT, as Bearer
//! or DPoP-bound) lets it through an operation's [`GuardPolicy`], and if not, the answer to send
//! ([`Rejection`]: status, code, RFC 9110 challenge). Pure and sans-I/O, as the rest of `core`: no clock (`now`
//! is a parameter), no network, and no signature verification of its own. The Node guard (`stepup/server`,
//! through this crate's `server` feature) and the Rust guard (`stepup-server`) are drivers around the same two
//! steps, so both answer every request alike and with the challenge the browser client understands.
//!
//! ```text
//! begin(config, request)  → Pending   scheme, token and proof read and checked as far as no key and no clock
//!                                      is needed; Pending says what the driver must verify:
//!   pending.token_key(jwks) / token_plan(jwks)   the issuer's key for the token (kid, alg; RFC 8725 §3.1)
//!   pending.proof                                the proof, to verify with its own header `jwk`
//! finish(config, pending, verified, policy, now) → ApiAuth   signatures' outcome, then claims, scope, policy
//! driver: claim ApiAuth::replay in its jti store; "used before" → Rejection::replayed_proof
//! ```
//!
//! Rules, in the order they are checked (the first failure answers):
//! 1. `Authorization: Bearer|DPoP <token68>` (scheme case-insensitive, RFC 9110 §11.1). None, or another
//!    scheme → 401 with a bare challenge (RFC 6750 §3.1); a malformed credential → 400 `invalid_request`.
//! 2. Scheme against the guard's `dpop` mode: DPoP where it is `off`, Bearer where it is `required` → 401
//!    `invalid_token`. A DPoP proof sent with a Bearer token → 400 `invalid_request` (the client believes the
//!    token bound; the guard does not guess which it is).
//! 3. The token: compact JWS (`jwt::decode`), `alg` on the allowlist (never `none` or HS*), no `crit`, and
//!    `typ` `at+jwt` / `application/at+jwt` (RFC 9068 §4; `JWT` or none only with `plainJwt`) → else 401
//!    `invalid_token` with the check's code.
//! 4. Binding (RFC 9449 §7): a token with `cnf.jkt` only under the DPoP scheme; an unbound token never under
//!    it; a `cnf` this guard cannot check (another confirmation method) is refused.
//! 5. The proof (RFC 9449 §4.3, see [`proof`]) → 401 `DPoP error="invalid_dpop_proof"`.
//! 6. The token's signature (the driver's outcome) → `invalid_signature`; `iss` exact, `aud` contains one of
//!    the configured audiences, `exp` / `nbf` / `iat` with the leeway, `sub` present (RFC 9068 §2.2, §4).
//! 7. The proof's signature and its `iat` within `dpopIatWindow` of `now`.
//! 8. `scope` (RFC 9068 §2.2.3: a space-separated `scope` claim; else `scp`, a string as Entra writes it or an
//!    array as Okta does) covers the policy's → else 403 `insufficient_scope`. Before the step-up policy: a
//!    login with a stronger factor would not grant a scope.
//! 9. The step-up policy, judged by the client's engine (`policy::evaluate_with_levels` after `alias_amr`)
//!    on `acr` / `amr` / `auth_time` (RFC 9068 §2.2.1, or the configured claim names) → else 401
//!    `insufficient_user_authentication` with `acr_values` and `max_age` (RFC 9470 §3). Freshness is judged in
//!    the guard's clock (an API has no estimate of the provider's); `auth_time` absent while the policy has a
//!    `maxAge` fails.
//!
//! A challenge is `Bearer` for Bearer requests and `DPoP` (with `algs`) for DPoP-bound ones.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

pub mod config;
pub mod proof;
pub mod rejection;
// Native only: they read results back with serde_json, a native dev-dependency.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

pub use config::{ClaimNames, DpopMode, GuardConfig, GuardPolicy};
pub use proof::Proof;
pub use rejection::{codes, Rejection, Scheme};

use rejection::Challenge;
use crate::core::claims::Claims;
use crate::core::error::{Error, ErrorCode};
use crate::core::json::{Json, ObjectWriter};
use crate::core::jwk::{select_key, verification_plan, Algorithm, Jwk, Jwks, VerificationPlan};
use crate::core::jwt::{self, JoseHeader};
use crate::core::policy::{alias_amr, evaluate_with_levels, scope_covers, AuthContext};

/// The parts of a request the guard reads.
#[derive(Clone, Copy, Debug, Default)]
pub struct GuardRequest<'a> {
    /// As sent (`GET`); compared case-sensitively with a proof's `htm`.
    pub method: &'a str,
    /// The absolute URL the client requested (`https://api.example.com/transfer?x=1`), what a proof's `htu` names.
    pub url: &'a str,
    /// The `Authorization` header.
    pub authorization: Option<&'a str>,
    /// The `DPoP` header. A request with two of them is passed joined with ", " (as HTTP stacks join repeated
    /// fields), which is no JWT and fails as a proof (RFC 9449 §4.3 check 1).
    pub dpop: Option<&'a str>,
}

/// The access token, read and checked as far as no key is needed.
#[derive(Clone, Debug, PartialEq)]
pub struct SignedToken {
    pub alg: Algorithm,
    pub header: JoseHeader,
    /// `base64url(header) "." base64url(payload)`, as received.
    pub signing_input: String,
    pub signature: Vec<u8>,
}

/// A request that passed [`begin`]: what the driver must verify before [`finish`].
#[derive(Clone, Debug, PartialEq)]
pub struct Pending {
    pub scheme: Scheme,
    pub token: SignedToken,
    /// The DPoP proof (DPoP scheme only).
    pub proof: Option<Proof>,
    claims: Box<Claims>,
    claims_text: String,
}

/// What the driver found when it verified the signatures of a [`Pending`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The token's signature verifies with the issuer's key.
    pub token: bool,
    /// The proof's signature verifies with its header `jwk` (ignored without a proof).
    pub proof: bool,
}

/// A proof to remember until `expires_at` (seconds since the epoch): a second use is a replay (RFC 9449 §11.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replay {
    /// [`proof::replay_key`] of the proof's key and `jti`.
    pub key: String,
    pub expires_at: i64,
}

/// A request the guard lets through, and who made it how.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiAuth {
    pub sub: String,
    pub acr: Option<String>,
    /// RFC 8176 values, after `amrAliases` (what the policy judged); `claims` keeps the raw names.
    pub amr: Vec<String>,
    pub auth_time: Option<i64>,
    /// The granted scopes, space-separated (from `scope`, or `scp`).
    pub scope: Option<String>,
    pub scheme: Scheme,
    /// The token's claims as JSON text, as the token carries them.
    pub claims: String,
    /// The proof's `jti` for the driver's replay store (DPoP only).
    pub replay: Option<Replay>,
    /// The thumbprint of the key the token is bound to (DPoP only).
    pub jkt: Option<String>,
    /// The proof's `nonce`, when it has one: the guard hands out none, a driver that does checks it (RFC 9449 §9).
    pub dpop_nonce: Option<String>,
}

impl Pending {
    /// The issuer's key for the token (`select_key`: by `kid`, and fit for the token's `alg`). `key_not_found`
    /// (a 401 whose `code` says so) is the driver's cue to refetch the JWKS once (rate-limited), then answer it.
    pub fn token_key<'a>(&self, config: &GuardConfig, jwks: &'a Jwks) -> Result<&'a Jwk, Rejection> {
        select_key(jwks, &self.token.header, self.token.alg).map_err(|e| self.challenge(config).invalid_token(&e))
    }

    /// [`Pending::token_key`] and what WebCrypto is asked to do with it (`jwk::verification_plan`: an ECDSA
    /// signature of the wrong length is `invalid_signature` here).
    pub fn token_plan(&self, config: &GuardConfig, jwks: &Jwks) -> Result<VerificationPlan, Rejection> {
        let key = self.token_key(config, jwks)?;
        verification_plan(key, self.token.alg, &self.token.signature).map_err(|e| self.challenge(config).invalid_token(&e))
    }

    fn challenge<'a>(&self, config: &'a GuardConfig) -> Challenge<'a> {
        Challenge::new(config, self.scheme)
    }
}

/// RFC 6750 §2.1 b64token / RFC 9110 token68.
fn is_token68(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    !body.is_empty() && body.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

/// Step 1: everything that needs neither a key nor a clock (rules 1 to 5 of the module doc).
pub fn begin(config: &GuardConfig, req: &GuardRequest<'_>) -> Result<Pending, Rejection> {
    let header = req.authorization.map(str::trim_ascii).unwrap_or_default();
    let (scheme_name, credential) = match header.split_once(' ') {
        Some((s, c)) => (s, c.trim_ascii_start()),
        None => (header, ""),
    };
    let scheme = if scheme_name.eq_ignore_ascii_case("bearer") {
        Scheme::Bearer
    } else if scheme_name.eq_ignore_ascii_case("dpop") {
        Scheme::DPoP
    } else {
        return Err(Challenge::missing(config));
    };
    let ch = Challenge::new(config, scheme);
    if !is_token68(credential) {
        return Err(ch.invalid_request("the Authorization header's credential is not a token"));
    }
    let proof_text = req.dpop.filter(|_| config.dpop != DpopMode::Off);
    match (scheme, config.dpop) {
        (Scheme::DPoP, DpopMode::Off) => {
            return Err(Challenge::new(config, Scheme::Bearer).wrong_scheme("this API does not accept DPoP tokens"))
        }
        (Scheme::Bearer, DpopMode::Required) => {
            return Err(Challenge::new(config, Scheme::DPoP).wrong_scheme("this API accepts only DPoP-bound tokens"))
        }
        (Scheme::Bearer, _) if proof_text.is_some() => {
            return Err(ch.invalid_request("a DPoP proof was sent with a Bearer token"))
        }
        _ => {}
    }
    let token = credential;
    let jwt = jwt::decode(token).map_err(|e| ch.invalid_token(&e))?;
    let alg = check_header(config, &jwt.header).map_err(|e| ch.invalid_token(&e))?;
    let jkt = bound_key(&jwt.claims).map_err(|e| ch.invalid_token(&e))?;
    let proof = match (scheme, jkt) {
        (Scheme::Bearer, None) => None,
        (Scheme::Bearer, Some(_)) => {
            return Err(Challenge::new(config, Scheme::DPoP)
                .wrong_scheme("the token is DPoP-bound: send it with the DPoP scheme and a proof"))
        }
        (Scheme::DPoP, None) => return Err(ch.wrong_scheme("the token is not DPoP-bound")),
        (Scheme::DPoP, Some(jkt)) => {
            let Some(text) = proof_text else { return Err(ch.dpop_proof("the request has no DPoP proof")) };
            let want = proof::Expected { method: req.method, url: req.url, access_token: token, jkt };
            Some(proof::read(config, &ch, text, &want)?)
        }
    };
    let claims_text = jwt::part_text(token, 1).unwrap_or_default();
    Ok(Pending {
        scheme,
        token: SignedToken { alg, header: jwt.header, signing_input: jwt.signing_input, signature: jwt.signature },
        proof,
        claims: jwt.claims,
        claims_text,
    })
}

fn claim_error(code: ErrorCode, claim: &'static str, msg: &'static str) -> Error {
    Error::new(code, msg).with_claim(claim)
}

/// RFC 8725 §3.1 (allowlist), RFC 7515 §4.1.11 (`crit`), RFC 9068 §4 (`typ`).
fn check_header(config: &GuardConfig, header: &JoseHeader) -> Result<Algorithm, Error> {
    let Some(alg) = Algorithm::from_name(&header.alg).filter(|a| config.algorithms.contains(a)) else {
        return Err(claim_error(ErrorCode::UnsupportedAlgorithm, "alg", "alg is not on the allowed list"));
    };
    if let Some(first) = header.crit.first() {
        return Err(Error::new(ErrorCode::UnsupportedCriticalHeader, "crit names an extension we do not implement")
            .with_claim(first.as_str()));
    }
    let typ_ok = match header.typ.as_deref() {
        Some(t) if t.eq_ignore_ascii_case("at+jwt") || t.eq_ignore_ascii_case("application/at+jwt") => true,
        Some(t) => config.plain_jwt && t.eq_ignore_ascii_case("JWT"),
        None => config.plain_jwt,
    };
    if !typ_ok {
        return Err(claim_error(ErrorCode::InvalidClaim, "typ", "typ is not at+jwt (RFC 9068 access token)"));
    }
    Ok(alg)
}

/// The token's `cnf.jkt` (RFC 9449 §6.1), if bound. A `cnf` of another shape or method is `invalid_claim`.
fn bound_key(claims: &Claims) -> Result<Option<&str>, Error> {
    let Some(cnf) = claims.extra.get("cnf") else { return Ok(None) };
    match cnf.get("jkt").and_then(Json::as_str) {
        Some(jkt) if !jkt.is_empty() && cnf.as_object().is_some_and(|o| o.len() == 1) => Ok(Some(jkt)),
        _ => Err(claim_error(ErrorCode::InvalidClaim, "cnf", "cnf is not a jkt confirmation this API can check")),
    }
}

/// Whether `t` is after `now + leeway` (a bound past `i64::MAX` is one no time passes).
fn after(t: i64, now: i64, leeway: u64) -> bool {
    now.checked_add_unsigned(leeway).is_some_and(|bound| t > bound)
}

/// RFC 9068 §2.2 and §4: issuer, audience, times, subject.
fn check_claims(config: &GuardConfig, c: &Claims, now: i64) -> Result<(), Error> {
    match c.iss.as_deref() {
        None => return Err(claim_error(ErrorCode::MissingClaim, "iss", "required claim is missing")),
        Some(iss) if iss != config.issuer => return Err(claim_error(ErrorCode::InvalidIssuer, "iss", "iss does not equal the issuer")),
        _ => {}
    }
    if c.aud.is_empty() {
        return Err(claim_error(ErrorCode::MissingClaim, "aud", "required claim is missing"));
    }
    if !c.aud.iter().any(|a| config.audiences.contains(a)) {
        return Err(claim_error(ErrorCode::InvalidAudience, "aud", "aud names none of this API's audiences"));
    }
    let exp = c.exp.ok_or_else(|| claim_error(ErrorCode::MissingClaim, "exp", "required claim is missing"))?;
    if now.checked_sub_unsigned(config.leeway).is_some_and(|bound| exp <= bound) {
        return Err(claim_error(ErrorCode::TokenExpired, "exp", "token has expired"));
    }
    if c.nbf.is_some_and(|nbf| after(nbf, now, config.leeway)) {
        return Err(claim_error(ErrorCode::TokenNotYetValid, "nbf", "token is not valid yet"));
    }
    let iat = c.iat.ok_or_else(|| claim_error(ErrorCode::MissingClaim, "iat", "required claim is missing"))?;
    if after(iat, now, config.leeway) {
        return Err(claim_error(ErrorCode::InvalidIssuedAt, "iat", "token was issued in the future"));
    }
    match c.sub.as_deref() {
        None => Err(claim_error(ErrorCode::MissingClaim, "sub", "required claim is missing")),
        Some("") => Err(claim_error(ErrorCode::InvalidClaim, "sub", "sub is empty")),
        Some(_) => Ok(()),
    }
}

/// The step-up claims under the configured names (standard names: already typed by `Claims`).
fn auth_context(names: &ClaimNames, c: &Claims) -> Result<AuthContext, Error> {
    let invalid = |claim: &'static str| claim_error(ErrorCode::InvalidClaim, claim, "step-up claim of the wrong type");
    let acr = match names.acr.as_str() {
        "acr" => c.acr.clone(),
        name => match c.extra.get(name) {
            None => None,
            Some(v) => Some(String::from(v.as_str().ok_or_else(|| invalid("acr"))?)),
        },
    };
    let amr = match names.amr.as_str() {
        "amr" => c.amr.clone(),
        name => match c.extra.get(name) {
            None => Vec::new(),
            Some(v) => v.as_strings().ok_or_else(|| invalid("amr"))?,
        },
    };
    let auth_time = match names.auth_time.as_str() {
        "auth_time" => c.auth_time,
        name => match c.extra.get(name) {
            None => None,
            // The NumericDate range `Claims` accepts (RFC 7519 §2), floored.
            Some(Json::Number(n)) if (0.0..=9_007_199_254_740_992.0).contains(n) => Some(*n as i64),
            Some(_) => return Err(invalid("auth_time")),
        },
    };
    Ok(AuthContext { acr, amr, auth_time })
}

/// The granted scope: `scope` (a string), else `scp` (a string or an array of strings), space-joined.
fn granted_scope(c: &Claims) -> Result<Option<String>, Error> {
    let (name, value) = match (c.extra.get("scope"), c.extra.get("scp")) {
        (Some(v), _) => ("scope", v),
        (None, Some(v)) => ("scp", v),
        (None, None) => return Ok(None),
    };
    if let Some(s) = value.as_str() {
        return Ok(Some(String::from(s)));
    }
    match (name, value.as_strings()) {
        ("scp", Some(list)) => {
            let mut out = String::new();
            for s in list {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&s);
            }
            Ok(Some(out))
        }
        ("scp", None) => Err(claim_error(ErrorCode::InvalidClaim, "scp", "scp must be a string or an array of strings")),
        _ => Err(claim_error(ErrorCode::InvalidClaim, "scope", "scope must be a string")),
    }
}

/// Step 2: the signatures' outcome, then rules 6 to 9 of the module doc, at `now` (seconds since the epoch,
/// the guard's clock).
pub fn finish(config: &GuardConfig, pending: Pending, verified: Verified, policy: &GuardPolicy, now: i64) -> Result<ApiAuth, Rejection> {
    let ch = Challenge::new(config, pending.scheme);
    if !verified.token {
        return Err(ch.invalid_token(&claim_error(ErrorCode::InvalidSignature, "signature", "the signature does not verify")));
    }
    let c = &pending.claims;
    check_claims(config, c, now).map_err(|e| ch.invalid_token(&e))?;
    let jkt = pending.proof.as_ref().map(|p| p.jkt.clone());
    let dpop_nonce = pending.proof.as_ref().and_then(|p| p.nonce.clone());
    let replay = match &pending.proof {
        None => None,
        Some(p) => {
            if !verified.proof {
                return Err(ch.dpop_proof("the DPoP proof's signature does not verify"));
            }
            let window = config.dpop_iat_window;
            if now.checked_sub_unsigned(window).is_some_and(|oldest| p.iat < oldest) {
                return Err(ch.dpop_proof("the DPoP proof is too old (iat)"));
            }
            if after(p.iat, now, window) {
                return Err(ch.dpop_proof("the DPoP proof is from the future (iat)"));
            }
            // Accepted while `now - iat <= window`: remembered one second past that.
            let expires_at = p.iat.saturating_add_unsigned(window).saturating_add(1);
            Some(Replay { key: proof::replay_key(&p.jkt, &p.jti), expires_at })
        }
    };
    let ctx = auth_context(&config.claim_names, c).map_err(|e| ch.invalid_token(&e))?;
    let scope = granted_scope(c).map_err(|e| ch.invalid_token(&e))?;
    if let Some(want) = policy.scope.as_deref() {
        if !scope_covers(scope.as_deref(), want) {
            return Err(ch.insufficient_scope(want.trim_ascii()));
        }
    }
    let ctx = AuthContext { amr: alias_amr(&ctx.amr, &config.amr_aliases), ..ctx };
    let decision = evaluate_with_levels(&ctx, &policy.step_up, now, &config.step_up_acr, config.leeway, &config.acr_levels);
    if !decision.satisfied {
        return Err(ch.insufficient_user_authentication(&decision));
    }
    let Pending { scheme, claims, claims_text, .. } = pending;
    Ok(ApiAuth {
        sub: claims.sub.unwrap_or_default(),
        acr: ctx.acr,
        amr: ctx.amr,
        auth_time: ctx.auth_time,
        scope,
        scheme,
        claims: claims_text,
        replay,
        jkt,
        dpop_nonce,
    })
}

impl ApiAuth {
    /// The success object of the JS contract: `{ ok: true, sub, acr?, amr, authTime?, scope?, scheme, claims }`,
    /// with `jkt?` and `dpopNonce?` for DPoP requests, and `replay { key, expiresAt }` for the driver's store.
    pub fn to_json(&self) -> String {
        let mut w = ObjectWriter::new();
        w.boolean("ok", true);
        w.string("sub", &self.sub);
        w.optional_string("acr", &self.acr);
        w.strings("amr", &self.amr);
        if let Some(t) = self.auth_time {
            w.int("authTime", t);
        }
        w.optional_string("scope", &self.scope);
        w.string("scheme", self.scheme.as_str());
        w.raw("claims", if self.claims.is_empty() { "{}" } else { &self.claims });
        w.optional_string("jkt", &self.jkt);
        w.optional_string("dpopNonce", &self.dpop_nonce);
        if let Some(r) = &self.replay {
            let mut replay = ObjectWriter::new();
            replay.string("key", &r.key);
            replay.int("expiresAt", r.expires_at);
            w.raw("replay", &replay.finish());
        }
        w.finish()
    }
}

impl Rejection {
    /// The failure object of the JS contract: `{ ok: false, status, code, wwwAuthenticate?, description, claim? }`.
    pub fn to_json(&self) -> String {
        let mut w = ObjectWriter::new();
        w.boolean("ok", false);
        w.uint("status", u64::from(self.status));
        w.string("code", self.code);
        w.optional_string("wwwAuthenticate", &self.www_authenticate);
        w.string("description", self.description);
        w.optional_string("claim", &self.claim);
        w.finish()
    }
}
