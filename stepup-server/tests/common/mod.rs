//! What the guard's tests share: an issuer whose keys are generated at test time (ES256 by ring; RS256 by
//! Node's crypto, as ring cannot generate RSA keys), tokens and DPoP proofs signed with them, and an HTTP
//! client over loopback.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::atomic::{AtomicU64, Ordering};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, RsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING, RSA_PKCS1_SHA256};
use serde_json::{json, Value};
use stepup::core::{base64url, dpop};

pub const ISSUER: &str = "https://idp.example.com/";
pub const AUDIENCE: &str = "https://api.example.com";
pub const MFA_ACR: &str = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn b64(bytes: &[u8]) -> String {
    base64url::encode(bytes)
}

/// A fresh 2048-bit RSA key (PKCS#1 DER, what ring's `RsaKeyPair::from_der` reads), made by Node's crypto (the
/// test command runs under Node; ring cannot generate RSA keys) at test time only: never stored.
pub fn rsa_der() -> Vec<u8> {
    let script = "process.stdout.write(require('crypto').generateKeyPairSync('rsa', { modulusLength: 2048 })\
                  .privateKey.export({ type: 'pkcs1', format: 'der' }))";
    let out = std::process::Command::new("node").args(["-e", script]).output().expect("node generates the tests' RSA key");
    assert!(out.status.success(), "node could not generate an RSA key: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

pub struct EcKey {
    pub pair: EcdsaKeyPair,
}

impl EcKey {
    pub fn generate() -> EcKey {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        EcKey { pair: EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap() }
    }
    pub fn xy(&self) -> (String, String) {
        let p = self.pair.public_key().as_ref();
        (b64(&p[1..33]), b64(&p[33..65]))
    }
    pub fn sign(&self, input: &[u8]) -> Vec<u8> {
        self.pair.sign(&SystemRandom::new(), input).unwrap().as_ref().to_vec()
    }
    /// RFC 7638 thumbprint (the `cnf.jkt` of tokens bound to this key).
    pub fn jkt(&self) -> String {
        let (x, y) = self.xy();
        dpop::thumbprint(&dpop::public_jwk(&x, &y))
    }
}

/// The test identity provider: one RSA and one EC signing key, `kid` "rsa-1" and "ec-1".
pub struct Issuer {
    pub rsa: RsaKeyPair,
    pub ec: EcKey,
}

static JTI: AtomicU64 = AtomicU64::new(1);

impl Issuer {
    pub fn new() -> Issuer {
        Issuer { rsa: RsaKeyPair::from_der(&rsa_der()).unwrap(), ec: EcKey::generate() }
    }

    pub fn rsa_jwk(&self, kid: &str) -> Value {
        let public = self.rsa.public();
        use ring::signature::RsaPublicKeyComponents;
        let c: RsaPublicKeyComponents<Vec<u8>> = public.into();
        json!({"kty": "RSA", "kid": kid, "use": "sig", "n": b64(&c.n), "e": b64(&c.e)})
    }

    pub fn ec_jwk(&self, kid: &str) -> Value {
        let (x, y) = self.ec.xy();
        json!({"kty": "EC", "crv": "P-256", "kid": kid, "x": x, "y": y})
    }

    pub fn jwks(&self) -> Value {
        json!({"keys": [self.rsa_jwk("rsa-1"), self.ec_jwk("ec-1")]})
    }

    /// A signed JWT with this header and these claims (`alg` RS256 or ES256 picks the key).
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        let input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
        let sig = match header["alg"].as_str().unwrap() {
            "RS256" => {
                let mut sig = vec![0; self.rsa.public().modulus_len()];
                self.rsa.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), input.as_bytes(), &mut sig).unwrap();
                sig
            }
            "ES256" => self.ec.sign(input.as_bytes()),
            other => panic!("the test issuer does not sign {other}"),
        };
        format!("{input}.{}", b64(&sig))
    }

    /// An RFC 9068 access token: `typ` at+jwt, valid now, for `sub` "alice", with `extra` claims merged in.
    pub fn token(&self, alg: &str, extra: Value) -> String {
        let kid = if alg == "RS256" { "rsa-1" } else { "ec-1" };
        self.token_with_kid(alg, kid, extra)
    }

    pub fn token_with_kid(&self, alg: &str, kid: &str, extra: Value) -> String {
        let now = now();
        let mut claims = json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": now, "exp": now + 300,
            "client_id": "spa", "jti": format!("t{}", JTI.fetch_add(1, Ordering::Relaxed))});
        for (k, v) in extra.as_object().unwrap() {
            claims[k] = v.clone();
        }
        self.sign(&json!({"alg": alg, "typ": "at+jwt", "kid": kid}), &claims)
    }
}

/// A DPoP proof (RFC 9449 §4.2) by `key` for `method` `url` carrying `token`.
pub fn proof(key: &EcKey, method: &str, url: &str, token: &str) -> String {
    let (x, y) = key.xy();
    let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": {"kty": "EC", "crv": "P-256", "x": x, "y": y}});
    let claims = json!({"jti": format!("p{}-{}", now(), JTI.fetch_add(1, Ordering::Relaxed)), "htm": method,
        "htu": dpop::htu(url), "iat": now(), "ath": dpop::ath(token)});
    let input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
    format!("{input}.{}", b64(&key.sign(input.as_bytes())))
}

/// Claims of a password-only login `age` seconds ago.
pub fn pwd(age: i64) -> Value {
    json!({"acr": "urn:pwd", "amr": ["pwd"], "auth_time": now() - age})
}

/// Claims of a multi-factor login `age` seconds ago.
pub fn mfa(age: i64) -> Value {
    json!({"acr": MFA_ACR, "amr": ["pwd", "otp"], "auth_time": now() - age})
}

/// One HTTP answer, as a client sees it.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub www_authenticate: Option<String>,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_owned()
    }
}

/// Send one request over loopback with a real HTTP client.
pub async fn send(method: &str, url: &str, headers: &[(&str, &str)]) -> Answer {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut req = http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = client.request(req.body(Full::new(Bytes::new())).unwrap()).await.unwrap();
    let status = resp.status().as_u16();
    let www_authenticate = resp.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned());
    let body = String::from_utf8(resp.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    Answer { status, www_authenticate, body }
}

/// Serve `app` on a random loopback port; its base URL.
pub async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}
