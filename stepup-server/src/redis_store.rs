//! A DPoP replay store in Redis (feature `redis`), shared by every instance of an API.
//!
//! One command per proof: `SET <prefix><jti> 1 NX EXAT <expires_at>`. `NX` makes the claim atomic across
//! instances (the first `SET` wins, every later one gets nil), `EXAT` lets Redis forget the `jti` when the
//! proof could no longer be accepted anyway. Any error (Redis down, timeout, an unexpected reply) is a
//! [`ReplayStoreError`], and the guard answers 503 `replay_store_unavailable`.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::replay::{BoxFuture, ReplayStore, ReplayStoreError};

/// See the module docs.
#[derive(Clone)]
pub struct RedisReplayStore {
    connection: ConnectionManager,
    prefix: String,
}

impl std::fmt::Debug for RedisReplayStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisReplayStore").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

/// The default key prefix.
pub const DEFAULT_PREFIX: &str = "stepup:dpop:jti:";

impl RedisReplayStore {
    /// A store over a connection the application manages (it reconnects by itself).
    pub fn new(connection: ConnectionManager) -> Self {
        RedisReplayStore { connection, prefix: DEFAULT_PREFIX.to_owned() }
    }

    /// Connect to `url` (`redis://host:port/db`) with short timeouts: a guard waiting on Redis holds a
    /// request, so an unanswered claim fails after 2 s (connect) / 1 s (reply) instead of hanging.
    pub async fn connect(url: &str) -> Result<Self, ReplayStoreError> {
        let client = redis::Client::open(url).map_err(|e| ReplayStoreError(e.to_string()))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Duration::from_secs(2))
            .set_response_timeout(Duration::from_secs(1))
            .set_number_of_retries(1);
        let connection = ConnectionManager::new_with_config(client, config).await.map_err(|e| ReplayStoreError(e.to_string()))?;
        Ok(RedisReplayStore::new(connection))
    }

    /// Keys are `prefix + jti` (default [`DEFAULT_PREFIX`]); APIs sharing one Redis for different
    /// audiences may share one prefix too: a `jti` is random and means nothing elsewhere.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }
}

impl ReplayStore for RedisReplayStore {
    fn claim<'a>(&'a self, jti: &'a str, expires_at: i64) -> BoxFuture<'a, Result<bool, ReplayStoreError>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let key = [self.prefix.as_str(), jti].concat();
            // EXAT must lie in the future, or Redis refuses the command: a proof whose lifetime already ended
            // is kept one second (the guard never asks for one, but a clock step could).
            let at = expires_at.max(crate::replay::unix_now() + 1);
            let reply: Option<String> = redis::cmd("SET")
                .arg(&key)
                .arg(1)
                .arg("NX")
                .arg("EXAT")
                .arg(at)
                .query_async(&mut connection)
                .await
                .map_err(|e| ReplayStoreError(e.to_string()))?;
            match reply.as_deref() {
                Some("OK") => Ok(true),
                None => Ok(false),
                Some(other) => Err(ReplayStoreError(format!("unexpected reply to SET NX: {other}"))),
            }
        })
    }
}
