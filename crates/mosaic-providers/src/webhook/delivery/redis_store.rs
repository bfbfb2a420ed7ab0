//! The Redis-backed [`DeliveryStore`](super::DeliveryStore).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use mosaic_core::{Error, Result, redact};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::OnceCell;
use tokio::time::Instant;

use super::DeliveryStore;

/// What [`RedisDeliveries`] does when Redis cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailurePolicy {
    /// Treat the delivery as the first (process it; a replay may slip
    /// through while Redis is down) and log a warning.
    #[default]
    Open,
    /// Fail with `Unavailable` (the host answers 5xx) and log a warning.
    Closed,
}

/// Delivery keys in Redis, shared by every replica of a host (cargo
/// feature `redis`): `SET {prefix}:{key} 1 NX PX {ttl}`. Clones share
/// the connection.
///
/// ```no_run
/// # async fn run() -> mosaic_core::Result<()> {
/// use std::time::Duration;
/// use mosaic_providers::webhook::{DeliveryGuard, RedisDeliveries};
/// let store = RedisDeliveries::new("redis://127.0.0.1:6379")?
///     .prefix("acme:webhooks")
///     .fail_closed();
/// let guard = DeliveryGuard::new(store, Duration::from_secs(24 * 3600));
/// let process = guard.first_delivery("github:72d3162e-cc78-11e3-81ab-4c9367dc0958").await?;
/// # let _ = process; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisDeliveries {
    client: redis::Client,
    prefix: Arc<str>,
    connect_timeout: Duration,
    command_timeout: Duration,
    policy: FailurePolicy,
    shared: Arc<Shared>,
}

struct Shared {
    connection: OnceCell<ConnectionManager>,
    errors: AtomicU64,
    last_warning: Mutex<Option<Instant>>,
}

impl RedisDeliveries {
    /// A store at `url` (`redis://[:password@]host:port[/db]`). Nothing
    /// is connected until the first delivery. Defaults: prefix
    /// `mosaic:webhook:delivery`, 1 s connect timeout, 250 ms command
    /// timeout, fail open.
    ///
    /// # Errors
    /// `Config` for an invalid URL (the message never shows a password).
    pub fn new(url: &str) -> Result<Self> {
        let client = redis::Client::open(url).map_err(|e| {
            Error::config(format!(
                "invalid Redis URL for webhook deliveries: {}",
                redact(&e.to_string())
            ))
        })?;
        Ok(RedisDeliveries {
            client,
            prefix: "mosaic:webhook:delivery".into(),
            connect_timeout: Duration::from_secs(1),
            command_timeout: Duration::from_millis(250),
            policy: FailurePolicy::Open,
            shared: Arc::new(Shared {
                connection: OnceCell::new(),
                errors: AtomicU64::new(0),
                last_warning: Mutex::new(None),
            }),
        })
    }

    /// The prefix of every key (default `mosaic:webhook:delivery`).
    pub fn prefix(mut self, prefix: impl Into<Arc<str>>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The longest wait for a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The longest wait for one command.
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.command_timeout = timeout;
        self
    }

    /// What to do when Redis cannot be reached.
    pub fn on_failure(mut self, policy: FailurePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Process deliveries while Redis is down (the default).
    pub fn fail_open(self) -> Self {
        self.on_failure(FailurePolicy::Open)
    }

    /// Refuse deliveries with `Unavailable` while Redis is down.
    pub fn fail_closed(self) -> Self {
        self.on_failure(FailurePolicy::Closed)
    }

    /// The failure policy.
    pub fn failure_policy(&self) -> FailurePolicy {
        self.policy
    }

    /// How many times Redis could not be reached (or answered with an
    /// error) so far.
    pub fn store_errors(&self) -> u64 {
        self.shared.errors.load(Ordering::Relaxed)
    }

    /// The Redis key of delivery `key`.
    pub fn redis_key(&self, key: &str) -> String {
        format!("{}:{key}", self.prefix)
    }

    async fn connection(&self) -> redis::RedisResult<ConnectionManager> {
        self.shared
            .connection
            .get_or_try_init(|| {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(self.connect_timeout))
                    .set_response_timeout(Some(self.command_timeout))
                    .set_number_of_retries(1);
                ConnectionManager::new_with_config(self.client.clone(), config)
            })
            .await
            .cloned()
    }

    /// Run `command`, bounded by both timeouts; a problem is returned
    /// as text (redacted).
    async fn run<T: redis::FromRedisValue>(
        &self,
        command: redis::Cmd,
    ) -> std::result::Result<T, String> {
        let budget = self.connect_timeout + self.command_timeout;
        let attempt = tokio::time::timeout(budget, async {
            let mut conn = self.connection().await?;
            command.query_async::<T>(&mut conn).await
        })
        .await;
        match attempt {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(redact(&e.to_string())),
            Err(_) => Err(format!("no answer within {budget:?}")),
        }
    }

    /// Count and log a failure; what the policy says to answer.
    fn failed<T>(&self, problem: &str, open: T) -> Result<T> {
        self.shared.errors.fetch_add(1, Ordering::Relaxed);
        let now = Instant::now();
        let warn = {
            let mut last = self
                .shared
                .last_warning
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            let due = last.is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1));
            if due {
                *last = Some(now);
            }
            due
        };
        let mode = match self.policy {
            FailurePolicy::Open => "fail-open: processing deliveries unguarded",
            FailurePolicy::Closed => "fail-closed: refusing deliveries",
        };
        if warn {
            tracing::warn!(
                prefix = %self.prefix,
                problem,
                mode,
                "webhook delivery store unreachable"
            );
        }
        match self.policy {
            FailurePolicy::Open => Ok(open),
            FailurePolicy::Closed => Err(Error::unavailable(format!(
                "webhook delivery store unreachable ({problem}); refusing (fail-closed)"
            ))),
        }
    }
}

impl fmt::Debug for RedisDeliveries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // the client's address may carry a password: never print it
        f.debug_struct("RedisDeliveries")
            .field("prefix", &self.prefix)
            .field("connect_timeout", &self.connect_timeout)
            .field("command_timeout", &self.command_timeout)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl DeliveryStore for RedisDeliveries {
    async fn insert_new(&self, key: &str, ttl: Duration) -> Result<bool> {
        let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let mut set = redis::cmd("SET");
        set.arg(self.redis_key(key))
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(millis);
        // `OK` when set, nil when the key exists
        match self.run::<Option<String>>(set).await {
            Ok(reply) => Ok(reply.is_some()),
            Err(problem) => self.failed(&problem, true),
        }
    }

    async fn remove(&self, key: &str) -> Result<()> {
        let mut del = redis::cmd("DEL");
        del.arg(self.redis_key(key));
        match self.run::<i64>(del).await {
            Ok(_) => Ok(()),
            Err(problem) => self.failed(&problem, ()),
        }
    }
}
