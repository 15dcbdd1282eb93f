//! DPoP proof `jti`s, one use each (RFC 9449 §11.1): the store the guard claims every accepted proof's
//! `jti` in, after everything else about the request has passed.
//!
//! The default, [`MemoryReplayStore`], is bounded and private to one process. An API that runs on several
//! instances needs one store they all share, or a proof replayed to another instance passes: the
//! [`RedisReplayStore`](crate::RedisReplayStore) (feature `redis`) is one. A store that cannot answer makes
//! the guard fail closed (503, `replay_store_unavailable`): a proof is never accepted unclaimed.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

/// A boxed `Send` future, so that `Arc<dyn ReplayStore>` can be shared by the guard's clones.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a store could not answer. The guard answers 503 `replay_store_unavailable` and accepts nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayStoreError(pub String);

impl fmt::Display for ReplayStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "replay store unavailable: {}", self.0)
    }
}

impl std::error::Error for ReplayStoreError {}

/// Where DPoP proof `jti`s are claimed, once each.
pub trait ReplayStore: Send + Sync + 'static {
    /// Record `jti` until `expires_at` (seconds since the epoch): `Ok(true)` when it was not seen before,
    /// `Ok(false)` when it was (a replay), `Err` when the store cannot tell.
    fn claim<'a>(&'a self, jti: &'a str, expires_at: i64) -> BoxFuture<'a, Result<bool, ReplayStoreError>>;
}

/// Seconds since the epoch, as the stores judge expiry.
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The default store: a map in this process, holding at most `capacity` unexpired `jti`s.
///
/// Full of unexpired entries, it refuses new claims (an error, so 503) rather than forget one: forgetting
/// would let that proof be replayed. Expired entries are dropped when the map is full, so the bound only
/// bites when more than `capacity` proofs arrive within one proof lifetime.
#[derive(Debug)]
pub struct MemoryReplayStore {
    capacity: usize,
    seen: Mutex<HashMap<String, i64>>,
}

/// Default capacity: 100,000 proofs within a proof's lifetime (a few MB at most).
pub const DEFAULT_REPLAY_CAPACITY: usize = 100_000;

impl Default for MemoryReplayStore {
    fn default() -> Self {
        MemoryReplayStore::with_capacity(DEFAULT_REPLAY_CAPACITY)
    }
}

impl MemoryReplayStore {
    pub fn new() -> Self {
        MemoryReplayStore::default()
    }

    pub fn with_capacity(capacity: usize) -> Self {
        MemoryReplayStore { capacity, seen: Mutex::new(HashMap::new()) }
    }

    fn claim_now(&self, jti: &str, expires_at: i64, now: i64) -> Result<bool, ReplayStoreError> {
        let mut seen = self.seen.lock().map_err(|_| ReplayStoreError("the in-memory store's lock is poisoned".into()))?;
        if let Some(&until) = seen.get(jti) {
            if until > now {
                return Ok(false);
            }
        }
        if seen.len() >= self.capacity && !seen.contains_key(jti) {
            seen.retain(|_, until| *until > now);
            if seen.len() >= self.capacity {
                return Err(ReplayStoreError("the in-memory store is full".into()));
            }
        }
        seen.insert(jti.to_owned(), expires_at);
        Ok(true)
    }
}

impl ReplayStore for MemoryReplayStore {
    fn claim<'a>(&'a self, jti: &'a str, expires_at: i64) -> BoxFuture<'a, Result<bool, ReplayStoreError>> {
        let result = self.claim_now(jti, expires_at, unix_now());
        Box::pin(std::future::ready(result))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_jti_is_claimed_once_until_it_expires() {
        let store = MemoryReplayStore::with_capacity(10);
        assert_eq!(store.claim_now("a", 200, 100), Ok(true));
        assert_eq!(store.claim_now("a", 200, 150), Ok(false), "replayed within its lifetime");
        assert_eq!(store.claim_now("b", 200, 150), Ok(true));
        assert_eq!(store.claim_now("a", 300, 200), Ok(true), "expired, so a new claim");
    }

    #[test]
    fn a_full_store_drops_expired_entries_and_otherwise_fails_closed() {
        let store = MemoryReplayStore::with_capacity(2);
        assert_eq!(store.claim_now("a", 110, 100), Ok(true));
        assert_eq!(store.claim_now("b", 200, 100), Ok(true));
        assert!(store.claim_now("c", 200, 105).is_err(), "full of live entries: refuse, never forget one");
        assert_eq!(store.claim_now("b", 200, 105), Ok(false), "a replay is still a replay when full");
        assert_eq!(store.claim_now("c", 200, 120), Ok(true), "a expired and made room");
        assert_eq!(store.claim_now("b", 200, 120), Ok(false));
    }
}
