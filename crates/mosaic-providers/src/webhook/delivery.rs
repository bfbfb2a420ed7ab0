//! [`DeliveryGuard`]: process each webhook delivery once.
//!
//! Forges deliver *at least* once: GitLab retries a delivery that timed out
//! or failed, a maintainer can press "Redeliver" on GitHub or Gitea, and a
//! captured request can be sent again. Each delivery carries an id that
//! stays the same across those attempts ([`delivery_key`] picks the right
//! header per forge). An opt-in [`DeliveryGuard`] remembers the ids it has
//! seen for a TTL and answers [`first_delivery`](DeliveryGuard::first_delivery):
//! `true` — process it — the first time, `false` — a replay, acknowledge it
//! without processing — after that.
//!
//! Two stores come with it, and a host can bring its own ([`DeliveryStore`]):
//!
//! * [`MemoryDeliveries`]: one process; bounded (the id expiring soonest is
//!   forgotten when full) and expiring on tokio's clock;
//! * [`RedisDeliveries`] (cargo feature `redis`): every replica of a host
//!   shares one record, `SET key 1 NX PX ttl` in Redis. When Redis cannot
//!   be reached within its timeouts the store fails **open** (the default:
//!   the delivery is processed, a possible duplicate, and a warning is
//!   logged at most once a second) or **closed** (`first_delivery` returns
//!   an `Unavailable` error and the host answers 5xx; GitLab retries such a
//!   delivery later, GitHub and Gitea only on a manual redelivery).
//!
//! Guard *after* verifying the signature: an unsigned request must not be
//! able to use up the id of a genuine delivery. The forges sign the body,
//! not the id header, so the guard stops retries and redeliveries, and a
//! captured request replayed with its id unchanged; a host that must also
//! stop a captured body replayed under a *new* id can guard a digest of the
//! body as well (any string is a valid key).
//!
//! ```
//! use std::time::Duration;
//! use mosaic_providers::webhook::{DeliveryGuard, Forge, HeaderMap, delivery_key};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let guard = DeliveryGuard::in_memory(Duration::from_secs(24 * 3600), 100_000);
//! let mut headers = HeaderMap::new();
//! headers.insert("x-github-delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958".parse().unwrap());
//! let key = delivery_key(Forge::GitHub, &headers).expect("GitHub sends an id");
//! assert_eq!(key, "github:72d3162e-cc78-11e3-81ab-4c9367dc0958");
//! assert!(guard.first_delivery(&key).await?); // process it
//! assert!(!guard.first_delivery(&key).await?); // a replay: answer 200, do nothing
//! # Ok::<(), mosaic_core::Error>(())
//! # }).unwrap();
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use mosaic_core::{Error, Result};
use tokio::time::Instant;

use super::{Forge, HeaderMap, header};

/// The longest key a guard accepts (forge ids are 36-character UUIDs).
pub const MAX_DELIVERY_KEY_LEN: usize = 256;

/// The key to guard a delivery by: `"{forge}:{id}"`, with the id header
/// that stays the same when the forge sends the delivery again —
/// `X-GitHub-Delivery`, `X-Gitea-Delivery`, GitLab's `Idempotency-Key`
/// (else `X-Gitlab-Event-UUID`), Bitbucket's `X-Request-UUID`. `None` when
/// the delivery carries none (an old GitLab, a hand-made request): such a
/// delivery cannot be de-duplicated by id.
pub fn delivery_key(forge: Forge, headers: &HeaderMap) -> Option<String> {
    let names: &[&str] = match forge {
        Forge::GitHub => &["x-github-delivery"],
        Forge::Gitea => &["x-gitea-delivery", "x-forgejo-delivery"],
        Forge::GitLab => &["idempotency-key", "x-gitlab-event-uuid"],
        Forge::Bitbucket => &["x-request-uuid"],
    };
    names
        .iter()
        .filter_map(|name| header(headers, name))
        .find(|id| !id.is_empty())
        .map(|id| format!("{forge}:{id}"))
}

/// Where a [`DeliveryGuard`] records the keys it has seen.
#[async_trait]
pub trait DeliveryStore: Send + Sync + fmt::Debug {
    /// Record `key` for `ttl` unless it is recorded (and not expired)
    /// already, atomically: `true` if this call recorded it.
    async fn insert_new(&self, key: &str, ttl: Duration) -> Result<bool>;

    /// Drop `key`, so that its next delivery counts as the first.
    async fn remove(&self, key: &str) -> Result<()>;
}

/// Refuses replayed webhook deliveries; see the [module docs](self).
///
/// Clones share the store.
#[derive(Clone)]
pub struct DeliveryGuard {
    store: Arc<dyn DeliveryStore>,
    ttl: Duration,
}

impl DeliveryGuard {
    /// A guard remembering each key for `ttl` (at least 1 ms) in `store`.
    pub fn new(store: impl DeliveryStore + 'static, ttl: Duration) -> Self {
        DeliveryGuard {
            store: Arc::new(store),
            ttl: ttl.max(Duration::from_millis(1)),
        }
    }

    /// A guard over a [`MemoryDeliveries`] holding at most `max_entries`
    /// keys. Size it for the deliveries expected within one `ttl`.
    pub fn in_memory(ttl: Duration, max_entries: usize) -> Self {
        Self::new(MemoryDeliveries::new(max_entries), ttl)
    }

    /// How long a key is remembered.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Whether this is the first delivery with `key` within the TTL:
    /// `true` — process it; `false` — a replay, acknowledge it (2xx, so the
    /// forge stops retrying) without processing.
    ///
    /// # Errors
    /// `InvalidInput` for an empty key or one longer than
    /// [`MAX_DELIVERY_KEY_LEN`]; whatever the store returns (a fail-closed
    /// [`RedisDeliveries`] returns `Unavailable` while Redis is down).
    pub async fn first_delivery(&self, key: &str) -> Result<bool> {
        check(key)?;
        self.store.insert_new(key, self.ttl).await
    }

    /// Forget `key`: for a delivery whose processing failed, so that the
    /// forge's next attempt is processed rather than refused.
    ///
    /// # Errors
    /// As [`first_delivery`](Self::first_delivery).
    pub async fn forget(&self, key: &str) -> Result<()> {
        check(key)?;
        self.store.remove(key).await
    }
}

impl fmt::Debug for DeliveryGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeliveryGuard")
            .field("store", &self.store)
            .field("ttl", &self.ttl)
            .finish()
    }
}

fn check(key: &str) -> Result<()> {
    if key.is_empty() {
        return Err(Error::invalid_input(
            "delivery",
            "the delivery key is empty",
        ));
    }
    if key.len() > MAX_DELIVERY_KEY_LEN {
        return Err(Error::invalid_input(
            "delivery",
            format!("the delivery key is longer than {MAX_DELIVERY_KEY_LEN} bytes"),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// memory
// ---------------------------------------------------------------------------

/// Delivery keys in process memory, for a host with one replica.
///
/// Holds at most `max_entries` keys: expired keys are dropped first, and
/// when it is still full the key expiring soonest is forgotten (a replay of
/// *that* delivery would then be processed again). Expiry reads tokio's
/// clock, so it follows paused time in tests. Clones share the keys.
#[derive(Clone)]
pub struct MemoryDeliveries {
    max_entries: usize,
    state: Arc<Mutex<MemoryState>>,
}

#[derive(Default)]
struct MemoryState {
    /// key → its expiry and insertion number (its position in `by_expiry`).
    keys: HashMap<String, (Instant, u64)>,
    /// (expiry, insertion number) → key, soonest first.
    by_expiry: BTreeMap<(Instant, u64), String>,
    inserted: u64,
}

impl MemoryState {
    fn drop_expired(&mut self, now: Instant) {
        while let Some(entry) = self.by_expiry.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let key = entry.remove();
            self.keys.remove(&key);
        }
    }

    fn drop_soonest(&mut self) {
        if let Some((_, key)) = self.by_expiry.pop_first() {
            self.keys.remove(&key);
        }
    }
}

impl MemoryDeliveries {
    /// A store of at most `max_entries` (at least 1) keys.
    pub fn new(max_entries: usize) -> Self {
        MemoryDeliveries {
            max_entries: max_entries.max(1),
            state: Arc::default(),
        }
    }

    /// The most keys held.
    pub fn max_entries(&self) -> usize {
        self.max_entries
    }

    /// Keys held now (expired ones still count until the next insertion
    /// drops them).
    pub fn len(&self) -> usize {
        self.lock().keys.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, MemoryState> {
        // the state is consistent after every statement: a panic elsewhere
        // while holding the lock leaves nothing half-done
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl fmt::Debug for MemoryDeliveries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryDeliveries")
            .field("max_entries", &self.max_entries)
            .field("len", &self.len())
            .finish()
    }
}

#[async_trait]
impl DeliveryStore for MemoryDeliveries {
    async fn insert_new(&self, key: &str, ttl: Duration) -> Result<bool> {
        let now = Instant::now();
        let mut state = self.lock();
        state.drop_expired(now);
        if state.keys.contains_key(key) {
            return Ok(false);
        }
        while state.keys.len() >= self.max_entries {
            state.drop_soonest();
        }
        state.inserted += 1;
        let slot = (now + ttl, state.inserted);
        state.keys.insert(key.to_owned(), slot);
        state.by_expiry.insert(slot, key.to_owned());
        Ok(true)
    }

    async fn remove(&self, key: &str) -> Result<()> {
        let mut state = self.lock();
        if let Some(slot) = state.keys.remove(key) {
            state.by_expiry.remove(&slot);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// redis
// ---------------------------------------------------------------------------

#[cfg(feature = "redis")]
pub use self::redis_store::{FailurePolicy, RedisDeliveries};

#[cfg(feature = "redis")]
mod redis_store;

#[cfg(test)]
mod tests {
    use super::*;
    use mosaic_core::ErrorKind;

    const TTL: Duration = Duration::from_secs(60);

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.insert(*name, value.parse().unwrap());
        }
        h
    }

    #[test]
    fn keys_come_from_the_retry_stable_header_of_each_forge() {
        let h = headers(&[("x-github-delivery", "g-1")]);
        assert_eq!(
            delivery_key(Forge::GitHub, &h).as_deref(),
            Some("github:g-1")
        );
        assert_eq!(
            delivery_key(Forge::Gitea, &h),
            None,
            "another forge's header"
        );
        let h = headers(&[("x-gitea-delivery", "t-1")]);
        assert_eq!(delivery_key(Forge::Gitea, &h).as_deref(), Some("gitea:t-1"));
        // GitLab: the idempotency key (the same on every retry) wins
        let h = headers(&[("x-gitlab-event-uuid", "e-1"), ("idempotency-key", "i-1")]);
        assert_eq!(
            delivery_key(Forge::GitLab, &h).as_deref(),
            Some("gitlab:i-1")
        );
        let h = headers(&[("x-gitlab-event-uuid", "e-1")]);
        assert_eq!(
            delivery_key(Forge::GitLab, &h).as_deref(),
            Some("gitlab:e-1")
        );
        let h = headers(&[("x-request-uuid", "b-1")]);
        assert_eq!(
            delivery_key(Forge::Bitbucket, &h).as_deref(),
            Some("bitbucket:b-1")
        );
        let h = headers(&[("x-github-delivery", "  ")]);
        assert_eq!(delivery_key(Forge::GitHub, &h), None, "blank is no id");
    }

    #[tokio::test(start_paused = true)]
    async fn a_replay_within_the_ttl_is_refused_and_accepted_after_it() {
        let guard = DeliveryGuard::in_memory(TTL, 100);
        assert!(guard.first_delivery("github:a").await.unwrap());
        assert!(!guard.first_delivery("github:a").await.unwrap());
        assert!(
            guard.first_delivery("gitea:a").await.unwrap(),
            "keys differ"
        );
        tokio::time::advance(TTL - Duration::from_millis(1)).await;
        assert!(
            !guard.first_delivery("github:a").await.unwrap(),
            "still inside the TTL"
        );
        tokio::time::advance(Duration::from_millis(1)).await;
        assert!(
            guard.first_delivery("github:a").await.unwrap(),
            "the TTL is over: a new first delivery"
        );
        // and that one is remembered for a whole TTL again
        tokio::time::advance(TTL / 2).await;
        assert!(!guard.first_delivery("github:a").await.unwrap());
    }

    #[tokio::test(start_paused = true)]
    async fn the_memory_store_is_bounded_and_forgets_the_soonest_expiring() {
        let store = MemoryDeliveries::new(3);
        let guard = DeliveryGuard::new(store.clone(), TTL);
        for (i, id) in ["a", "b", "c"].into_iter().enumerate() {
            assert!(guard.first_delivery(id).await.unwrap());
            assert_eq!(store.len(), i + 1);
            tokio::time::advance(Duration::from_secs(1)).await;
        }
        // full: "d" pushes out "a", the oldest
        assert!(guard.first_delivery("d").await.unwrap());
        assert_eq!(store.len(), 3);
        for id in ["b", "c", "d"] {
            assert!(!guard.first_delivery(id).await.unwrap(), "{id} is kept");
        }
        assert!(guard.first_delivery("a").await.unwrap(), "a was forgotten");
        assert_eq!(store.len(), 3);
        // many more: never above the bound
        for i in 0..1_000 {
            assert!(guard.first_delivery(&format!("n{i}")).await.unwrap());
            assert!(store.len() <= 3);
        }
        // expired keys go before live ones are pushed out
        tokio::time::advance(TTL).await;
        assert!(guard.first_delivery("late").await.unwrap());
        assert_eq!(store.len(), 1, "the three expired keys were dropped");
    }

    #[tokio::test(start_paused = true)]
    async fn forgetting_lets_the_next_attempt_through_and_bad_keys_are_refused() {
        let guard = DeliveryGuard::in_memory(TTL, 10);
        assert!(guard.first_delivery("x").await.unwrap());
        guard.forget("x").await.unwrap();
        assert!(guard.first_delivery("x").await.unwrap());
        assert!(!guard.first_delivery("x").await.unwrap());
        guard.forget("never-seen").await.unwrap();
        let e = guard.first_delivery("").await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let long = "k".repeat(MAX_DELIVERY_KEY_LEN + 1);
        assert_eq!(
            guard.first_delivery(&long).await.unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        assert!(
            guard
                .first_delivery(&"k".repeat(MAX_DELIVERY_KEY_LEN))
                .await
                .unwrap()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_deliveries_of_one_id_are_processed_once() {
        let guard = DeliveryGuard::in_memory(TTL, 10);
        let firsts = futures::future::join_all((0..32).map(|_| guard.first_delivery("same")))
            .await
            .into_iter()
            .filter(|r| *r.as_ref().unwrap())
            .count();
        assert_eq!(firsts, 1);
    }

    #[cfg(feature = "redis")]
    mod redis {
        use super::*;
        use mosaic_testing::RedisServer;

        fn store(server: &RedisServer) -> RedisDeliveries {
            RedisDeliveries::new(&server.url())
                .unwrap()
                .prefix("test:deliveries")
                .connect_timeout(Duration::from_millis(500))
                .command_timeout(Duration::from_millis(500))
        }

        fn integer(reply: &[u8]) -> i64 {
            String::from_utf8_lossy(reply)
                .trim_start_matches(':')
                .trim()
                .parse()
                .unwrap()
        }

        // Redis keeps the TTL on its own (real) clock: these tests never
        // wait for it to run out; they read PTTL, or shorten it with
        // PEXPIRE and poll, bounded.
        #[tokio::test]
        async fn two_guards_on_one_server_share_deliveries() {
            let server = RedisServer::start().expect("redis-server");
            let (a, b) = (store(&server), store(&server));
            let ttl = Duration::from_secs(3600);
            let (ga, gb) = (
                DeliveryGuard::new(a.clone(), ttl),
                DeliveryGuard::new(b, ttl),
            );

            assert!(ga.first_delivery("github:d-1").await.unwrap());
            assert!(
                !gb.first_delivery("github:d-1").await.unwrap(),
                "B sees A's delivery"
            );
            assert!(!ga.first_delivery("github:d-1").await.unwrap());
            assert!(gb.first_delivery("github:d-2").await.unwrap());

            let key = a.redis_key("github:d-1");
            assert_eq!(key, "test:deliveries:github:d-1");
            let pttl = integer(&server.command(&["PTTL", key.as_str()]).unwrap());
            assert!(pttl > 0 && pttl <= 3_600_000, "the key expires: {pttl}");

            // expiry: cut the TTL to 1 ms, then the delivery is new again
            server.command(&["PEXPIRE", key.as_str(), "1"]).unwrap();
            let mut accepted = false;
            for _ in 0..500 {
                if gb.first_delivery("github:d-1").await.unwrap() {
                    accepted = true;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            assert!(accepted, "accepted once its key expired");
            assert!(!ga.first_delivery("github:d-1").await.unwrap());

            // forget deletes the key for every replica
            ga.forget("github:d-2").await.unwrap();
            assert_eq!(
                integer(
                    &server
                        .command(&["EXISTS", "test:deliveries:github:d-2"])
                        .unwrap()
                ),
                0
            );
            assert!(gb.first_delivery("github:d-2").await.unwrap());
            assert_eq!(a.store_errors(), 0);
        }

        #[tokio::test]
        async fn a_redis_outage_fails_open_or_closed_as_configured() {
            let mut server = RedisServer::start().expect("redis-server");
            let open = store(&server);
            let closed = store(&server).fail_closed();
            assert_eq!(open.failure_policy(), FailurePolicy::Open);
            let (go, gc) = (
                DeliveryGuard::new(open.clone(), TTL),
                DeliveryGuard::new(closed.clone(), TTL),
            );
            assert!(go.first_delivery("d").await.unwrap());
            assert!(!gc.first_delivery("d").await.unwrap());

            server.stop().unwrap();
            // open: every delivery is processed (even a replay), and counted
            assert!(go.first_delivery("d").await.unwrap());
            assert!(go.first_delivery("e").await.unwrap());
            assert!(open.store_errors() >= 2);
            // closed: refused with a typed error the host turns into a 5xx
            let e = gc.first_delivery("e").await.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Unavailable);
            assert!(e.to_string().contains("fail-closed"), "{e}");
            assert!(closed.store_errors() >= 1);

            // back up (empty): the guards work again, by themselves
            server.restart().unwrap();
            let mut back = false;
            for _ in 0..500 {
                if let Ok(first) = gc.first_delivery("f").await {
                    assert!(first);
                    back = true;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            assert!(back, "the closed guard recovered");
            // the open one too: it cannot tell an error from a first
            // delivery by its answer, so poll until it sees the replay
            let mut replay = false;
            for _ in 0..500 {
                if !go.first_delivery("f").await.unwrap() {
                    replay = true;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            assert!(replay, "the open guard recovered");
        }

        #[test]
        fn an_invalid_url_is_a_config_error_without_the_password() {
            let e = RedisDeliveries::new("nope://:hunter2@host").unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Config);
            assert!(!e.to_string().contains("hunter2"));
            let debug = format!(
                "{:?}",
                RedisDeliveries::new("redis://:hunter2@host:1").unwrap()
            );
            assert!(!debug.contains("hunter2"), "{debug}");
        }
    }
}
