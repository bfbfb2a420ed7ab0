//! [`RedisStore`]: rate-limit state shared by several host replicas
//! (cargo feature `redis`).
//!
//! One Lua script runs GCRA atomically in Redis on the server's clock, so
//! every replica using the same store, prefix and limiter name draws from
//! one quota. Connecting and each command are bounded by timeouts; when
//! Redis cannot be reached the store fails open (admit, the default) or
//! closed (`Unavailable`), and logs a `tracing` warning (at most one per
//! second per store).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mosaic_core::{Error, redact};

use super::gcra::Admit;
use crate::redis_link::RedisLink;

/// What a shared limiter does when Redis is unreachable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailureMode {
    /// Admit the request (availability over strictness).
    #[default]
    Open,
    /// Refuse it with `Unavailable`.
    Closed,
}

const SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local emission = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
if wait > max_wait then return {0, wait} end
local next_tat = tat + emission
local ttl_ms = math.ceil((next_tat - now) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', ttl_ms)
return {1, wait}
";

/// A Redis server that holds rate-limit state; clones share the connection.
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> mosaic_core::Result<()> {
/// use std::time::Duration;
/// use mosaic_router::rate_limit::redis::RedisStore;
/// use mosaic_router::{Quota, RateLimitConfig, RateLimitLayer};
/// let store = RedisStore::new("redis://127.0.0.1:6379")?
///     .command_timeout(Duration::from_millis(200))
///     .fail_closed();
/// let github = RateLimitLayer::new(
///     RateLimitConfig::new("github", Quota::per_hour(5_000)).redis(store),
/// );
/// # let _ = github; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    link: RedisLink,
    prefix: Arc<str>,
    failure: FailureMode,
    shared: Arc<Shared>,
}

/// What clones share: the script, the warning clock.
struct Shared {
    script: redis::Script,
    last_warning: AtomicU64,
}

impl RedisStore {
    /// A store at `url` (`redis://[:password@]host:port[/db]`). Nothing is
    /// connected until the first request. Defaults: prefix `mosaic:ratelimit`,
    /// 1 s connect timeout, 250 ms command timeout, fail open.
    pub fn new(url: &str) -> Result<Self, Error> {
        Ok(RedisStore {
            link: RedisLink::open(url, "rate limiter")?,
            prefix: "mosaic:ratelimit".into(),
            failure: FailureMode::Open,
            shared: Arc::new(Shared {
                script: redis::Script::new(SCRIPT),
                last_warning: AtomicU64::new(0),
            }),
        })
    }

    /// The prefix of every key (default `mosaic:ratelimit`).
    pub fn prefix(mut self, prefix: impl Into<Arc<str>>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The longest wait for a connection (applies to connections made after this call).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.link.connect_timeout = timeout;
        self
    }

    /// The longest wait for one command.
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.link.command_timeout = timeout;
        self
    }

    /// What to do when Redis is unreachable.
    pub fn on_failure(mut self, mode: FailureMode) -> Self {
        self.failure = mode;
        self
    }

    /// Admit requests when Redis is unreachable (the default).
    pub fn fail_open(self) -> Self {
        self.on_failure(FailureMode::Open)
    }

    /// Refuse requests with `Unavailable` when Redis is unreachable.
    pub fn fail_closed(self) -> Self {
        self.on_failure(FailureMode::Closed)
    }

    /// The failure mode.
    pub fn failure_mode(&self) -> FailureMode {
        self.failure
    }

    pub(crate) fn key(&self, name: &str, tenant: Option<&str>) -> String {
        match tenant {
            Some(t) => format!("{}:{name}:tenant:{t}", self.prefix),
            None => format!("{}:{name}", self.prefix),
        }
    }

    async fn eval(&self, key: &str, e: u64, t: u64, w: u64) -> redis::RedisResult<(i64, i64)> {
        let mut conn = self.link.connection().await?;
        self.shared
            .script
            .key(key)
            .arg(e)
            .arg(t)
            .arg(w)
            .invoke_async(&mut conn)
            .await
    }

    /// Decide on one request against the shared state.
    pub(crate) async fn acquire(
        &self,
        key: &str,
        name: &str,
        emission: Duration,
        tolerance: Duration,
        max_wait: Duration,
    ) -> Result<Admit, Error> {
        let micros = |d: Duration| d.as_micros().min(u128::from(u64::MAX / 4)) as u64;
        let budget = self.link.limit();
        let outcome = tokio::time::timeout(
            budget,
            self.eval(
                key,
                micros(emission).max(1),
                micros(tolerance),
                micros(max_wait),
            ),
        )
        .await;
        let problem = match outcome {
            Ok(Ok((allowed, wait))) => {
                let wait = Duration::from_micros(wait.max(0) as u64);
                return Ok(match (allowed, wait.is_zero()) {
                    (1, true) => Admit::Now,
                    (1, false) => Admit::After(wait),
                    _ => Admit::Refused(wait),
                });
            }
            Ok(Err(e)) => redact(&e.to_string()),
            Err(_) => format!("no answer within {budget:?}"),
        };
        self.warn(name, &problem);
        metrics::counter!("mosaic_rate_limit_store_errors_total", "limiter" => name.to_owned())
            .increment(1);
        match self.failure {
            FailureMode::Open => Ok(Admit::Now),
            FailureMode::Closed => Err(Error::unavailable(format!(
                "shared rate limiter `{name}` is unreachable ({problem}); refusing (fail-closed)"
            ))),
        }
    }

    fn warn(&self, name: &str, problem: &str) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let last = self.shared.last_warning.swap(now, Ordering::Relaxed);
        if last != now {
            let mode = match self.failure {
                FailureMode::Open => "fail-open: admitting",
                FailureMode::Closed => "fail-closed: refusing",
            };
            tracing::warn!(
                limiter = name,
                problem,
                mode,
                "shared rate limiter store unreachable"
            );
        }
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The client's address may carry a password: never print it.
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .field("connect_timeout", &self.link.connect_timeout)
            .field("command_timeout", &self.link.command_timeout)
            .field("failure", &self.failure)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn script_admits_delays_and_refuses_on_the_server_clock() {
        let redis = mosaic_testing::RedisServer::start().expect("redis-server must be installed");
        let store = RedisStore::new(&redis.url()).unwrap();
        let (e, t) = (Duration::from_secs(10), Duration::from_secs(10)); // burst of 2, one per 10 s
        let acquire = |w| store.acquire("mosaic:ratelimit:k", "k", e, t, w);
        assert_eq!(acquire(Duration::ZERO).await.unwrap(), Admit::Now);
        assert_eq!(acquire(Duration::ZERO).await.unwrap(), Admit::Now);
        let Admit::Refused(after) = acquire(Duration::ZERO).await.unwrap() else {
            panic!("over the burst")
        };
        assert!(
            after > Duration::from_secs(9) && after <= Duration::from_secs(10),
            "{after:?}"
        );
        // with room to wait, the slot is reserved and the wait returned
        let Admit::After(wait) = acquire(Duration::from_secs(15)).await.unwrap() else {
            panic!("queued")
        };
        assert!(
            wait > Duration::from_secs(9) && wait <= Duration::from_secs(10),
            "{wait:?}"
        );
        let Admit::Refused(after) = acquire(Duration::from_secs(15)).await.unwrap() else {
            panic!("the reserved slot counts")
        };
        assert!(after > Duration::from_secs(19), "{after:?}");
        // the key expires on its own
        let ttl = redis.command(&["PTTL", "mosaic:ratelimit:k"]).unwrap();
        let ttl: i64 = String::from_utf8_lossy(&ttl[1..]).trim().parse().unwrap();
        assert!(ttl > 20_000 && ttl <= 31_000, "{ttl}");
    }
}
