//! The Redis replay store against a real `redis-server` (Debian's, or the one `REDIS_SERVER` names) started
//! by the test on a unix socket of its own: two guards sharing it refuse a proof replayed from one to the
//! other, and with Redis stopped the guard fails closed (503 `replay_store_unavailable`), over HTTP too.
#![cfg(all(feature = "redis", feature = "axum"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use axum::routing::get;
use axum::Router;
use common::*;
use http::{HeaderMap, Method};
use serde_json::json;
use stepup_server::axum::{AnyToken, StepUp};
use stepup_server::{ApiGuard, GuardPolicy, RedisReplayStore, ReplayStore};

struct Redis {
    child: Child,
    dir: PathBuf,
    url: String,
}

impl Redis {
    /// Start `redis-server` on a unix socket in a fresh directory (no TCP port, nothing persisted) and wait
    /// until it answers PING.
    async fn start() -> Redis {
        let bin = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let dir = std::env::temp_dir().join(format!("stepup-redis-{}-{}", std::process::id(), now_nanos()));
        std::fs::create_dir_all(&dir).unwrap();
        let socket = dir.join("redis.sock");
        let child = Command::new(&bin)
            .args(["--port", "0", "--unixsocket", socket.to_str().unwrap(), "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{bin} could not start ({e}): `apt-get install redis-server`, or set REDIS_SERVER"));
        // From here on, Drop stops the server whatever happens.
        let redis = Redis { child, dir, url: format!("redis+unix://{}", socket.display()) };
        // Readiness, not timing: ask until the server answers (a fresh redis takes some milliseconds).
        let client = redis::Client::open(redis.url.as_str()).unwrap();
        for _ in 0..500 {
            if let Ok(mut c) = client.get_multiplexed_async_connection().await {
                if redis::cmd("PING").query_async::<String>(&mut c).await.is_ok() {
                    return redis;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("redis-server did not answer on {}", redis.url);
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn now_nanos() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

fn dpop_headers(token: &str, proof: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("authorization", format!("DPoP {token}").parse().unwrap());
    h.insert("dpop", proof.parse().unwrap());
    h
}

async fn guard(issuer: &Issuer, redis: &Redis) -> ApiGuard {
    // Each guard has its own connection, as two instances of an API would.
    let store = RedisReplayStore::connect(&redis.url).await.unwrap();
    ApiGuard::builder(ISSUER, AUDIENCE).jwks_json(&issuer.jwks().to_string()).unwrap().replay_store(store).build().unwrap()
}

#[tokio::test]
async fn a_proof_replayed_to_another_instance_is_refused_and_a_dead_redis_fails_closed() {
    let mut redis = Redis::start().await;
    let issuer = Issuer::new();
    let (a, b) = (guard(&issuer, &redis).await, guard(&issuer, &redis).await);
    let key = EcKey::generate();
    let token = issuer.token("ES256", json!({"cnf": {"jkt": key.jkt()}}));
    let url = "https://api.example.com/transfer";
    let policy = GuardPolicy::default();

    let p1 = proof(&key, "GET", url, &token);
    assert!(a.check(&Method::GET, url, &dpop_headers(&token, &p1), &policy).await.is_ok());
    let replayed = b.check(&Method::GET, url, &dpop_headers(&token, &p1), &policy).await.unwrap_err();
    assert_eq!((replayed.status().as_u16(), replayed.code()), (401, "invalid_dpop_proof"), "replayed to the other instance");
    let again = a.check(&Method::GET, url, &dpop_headers(&token, &p1), &policy).await.unwrap_err();
    assert_eq!(again.code(), "invalid_dpop_proof", "and to the same one");
    let p2 = proof(&key, "GET", url, &token);
    assert!(b.check(&Method::GET, url, &dpop_headers(&token, &p2), &policy).await.is_ok(), "a new proof passes");

    // The key expires with the proof: Redis was told when (EXAT).
    let direct = RedisReplayStore::connect(&redis.url).await.unwrap().with_prefix("t:");
    let at = now() + 100;
    assert_eq!(direct.claim("j", at).await, Ok(true));
    assert_eq!(direct.claim("j", at).await, Ok(false));
    let client = redis::Client::open(redis.url.as_str()).unwrap();
    let mut c = client.get_multiplexed_async_connection().await.unwrap();
    let expires: i64 = redis::cmd("EXPIRETIME").arg("t:j").query_async(&mut c).await.unwrap();
    assert_eq!(expires, at);

    // Redis stops: nothing passes, the guard answers 503 replay_store_unavailable, over HTTP too.
    let app = Router::new()
        .route("/transfer", get(|auth: StepUp<AnyToken>| async move { auth.sub.clone() }))
        .with_state(a.clone());
    let base = serve(app).await;
    let http_url = format!("{base}/transfer");
    let ok = proof(&key, "GET", &http_url, &token);
    let answer = send("GET", &http_url, &[("authorization", &format!("DPoP {token}")), ("dpop", &ok)]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    redis.stop();
    let p3 = proof(&key, "GET", url, &token);
    let down = a.check(&Method::GET, url, &dpop_headers(&token, &p3), &policy).await.unwrap_err();
    assert_eq!((down.status().as_u16(), down.code(), down.www_authenticate()), (503, "replay_store_unavailable", None));
    let p4 = proof(&key, "GET", &http_url, &token);
    let answer = send("GET", &http_url, &[("authorization", &format!("DPoP {token}")), ("dpop", &p4)]).await;
    assert_eq!((answer.status, answer.code().as_str()), (503, "replay_store_unavailable"));
    // Bearer requests need no replay store: they still pass.
    let bearer = issuer.token("ES256", json!({}));
    let answer = send("GET", &http_url, &[("authorization", &format!("Bearer {bearer}"))]).await;
    assert_eq!(answer.status, 200);
}
