//! [`RedisBudgetStore`]: budgets shared by several host replicas through
//! Redis (cargo feature `redis`).
//!
//! Each counter is one Redis string holding an integer (tokens, or
//! nano-dollars), under `{prefix}:{budget}:{window start}:{scope}`, set to
//! expire a grace period after its window ends. Each call costs one round
//! trip:
//!
//! * **reserve** is one pipeline of plain commands — per counter an
//!   `INCRBY` of the call's estimate and a `PEXPIRE` to the window's end.
//!   Redis applies each `INCRBY` atomically, so every call sees the
//!   counters with all earlier calls' estimates in them; a call that takes a
//!   hard budget past its limit is refused and withdraws its estimates in a
//!   second round trip (the **adjust** script). Between the two, the
//!   withdrawn amounts can make a concurrent call on any replica refuse —
//!   never admit one that would not fit — so concurrent calls never overdraw
//!   a budget between them. Plain commands instead of a script keep the
//!   check to one round trip of Redis's cheapest commands (a script costs
//!   Redis several microseconds of its own per call; see `BENCHMARKS.md`);
//! * **adjust** (a Lua script) applies a call's reconciliation or withdrawal
//!   (up or down, never below zero, never creating a counter for a
//!   withdrawal).
//!
//! Connecting and each command are bounded by timeouts, so a call never
//! hangs on Redis; when it cannot be reached the layer's
//! [`StoreFailure`](super::StoreFailure) policy applies. On Redis Cluster
//! the keys of one call must share a slot: put the prefix in a hash tag
//! (`{budgets}`).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use mosaic_core::{Error, Result, redact};

use crate::redis_link::RedisLink;

use super::store::{Adjustment, BudgetKey, BudgetStore, Charge, ReserveOutcome};

/// `KEYS`: the counters. `ARGV`, two per key: delta, time to live in ms
/// (for a counter the delta creates).
const ADJUST: &str = r"
for i = 1, #KEYS do
  local j = (i - 1) * 2
  local delta = tonumber(ARGV[j + 1])
  if redis.call('EXISTS', KEYS[i]) == 1 then
    local v = redis.call('INCRBY', KEYS[i], ARGV[j + 1])
    if v < 0 then redis.call('INCRBY', KEYS[i], -v) end
  elseif delta > 0 then
    redis.call('SET', KEYS[i], ARGV[j + 1], 'PX', ARGV[j + 2])
  end
end
return 1
";

/// Budgets kept in Redis; clones share the connection.
///
/// ```no_run
/// # fn main() -> mosaic_core::Result<()> {
/// use std::time::Duration;
/// use mosaic_core::ai::price::PriceTable;
/// use mosaic_router::budget::redis::RedisBudgetStore;
/// use mosaic_router::budget::{BudgetConfig, BudgetLayer, BudgetLimit, BudgetWindow};
/// let store = RedisBudgetStore::new("redis://127.0.0.1:6379")?
///     .command_timeout(Duration::from_millis(200));
/// let budgets = BudgetLayer::new(
///     BudgetConfig::new(PriceTable::built_in())
///         .limit(BudgetLimit::usd("tenant-daily", 50.0, BudgetWindow::Day).per_tenant())
///         .store(store)
///         .fail_closed(),
/// )?;
/// # let _ = budgets; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisBudgetStore {
    link: RedisLink,
    prefix: Arc<str>,
    shared: Arc<Shared>,
}

/// What clones share: the adjust script.
struct Shared {
    adjust: redis::Script,
}

impl RedisBudgetStore {
    /// A store at `url` (`redis://[:password@]host:port[/db]`). Nothing is
    /// connected until the first call. Defaults: prefix `mosaic:budget`,
    /// 1 s connect timeout, 250 ms command timeout.
    pub fn new(url: &str) -> Result<Self> {
        Ok(RedisBudgetStore {
            link: RedisLink::open(url, "budget store")?,
            prefix: "mosaic:budget".into(),
            shared: Arc::new(Shared {
                adjust: redis::Script::new(ADJUST),
            }),
        })
    }

    /// The prefix of every key (default `mosaic:budget`).
    pub fn prefix(mut self, prefix: impl Into<Arc<str>>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The longest wait for a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.link.connect_timeout = timeout;
        self
    }

    /// The longest wait for one command.
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.link.command_timeout = timeout;
        self
    }

    /// The Redis key of a counter.
    pub fn key(&self, key: &BudgetKey) -> String {
        format!("{}:{key}", self.prefix)
    }

    /// Run `invocation` within the timeouts.
    async fn run<T: redis::FromRedisValue>(
        &self,
        invocation: redis::ScriptInvocation<'_>,
    ) -> Result<T> {
        self.timed(async {
            let mut conn = self.link.connection().await?;
            invocation.invoke_async::<T>(&mut conn).await
        })
        .await
    }

    /// `call` bounded by a connection and a command; failures as typed
    /// errors without the URL.
    async fn timed<T>(&self, call: impl Future<Output = redis::RedisResult<T>>) -> Result<T> {
        let limit = self.link.limit();
        match tokio::time::timeout(limit, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(Error::unavailable(format!(
                "Redis budget store: {}",
                redact(&e.to_string())
            ))),
            Err(_) => Err(Error::timeout(format!(
                "Redis budget store: no answer within {limit:?}"
            ))),
        }
    }
}

/// Milliseconds from `now` until `until` (at least 1).
fn ttl_ms(now: SystemTime, until: SystemTime) -> u64 {
    let ms = until.duration_since(now).unwrap_or_default().as_millis();
    u64::try_from(ms).unwrap_or(u64::MAX).max(1)
}

impl BudgetStore for RedisBudgetStore {
    fn reserve<'a>(
        &'a self,
        now: SystemTime,
        charges: &'a [Charge],
    ) -> BoxFuture<'a, Result<ReserveOutcome>> {
        Box::pin(async move {
            let mut pipe = redis::pipe();
            for c in charges {
                let key = self.key(&c.key);
                pipe.cmd("INCRBY").arg(&key).arg(c.amount);
                pipe.cmd("PEXPIRE")
                    .arg(key)
                    .arg(ttl_ms(now, c.expires_at))
                    .ignore();
            }
            let after: Vec<i64> = self
                .timed(async {
                    let mut conn = self.link.connection().await?;
                    pipe.query_async(&mut conn).await
                })
                .await?;
            if after.len() != charges.len() {
                return Err(Error::internal(format!(
                    "Redis budget store: the reserve pipeline answered {} values for {} budgets",
                    after.len(),
                    charges.len()
                )));
            }
            let amount = |c: &Charge| i64::try_from(c.amount).unwrap_or(i64::MAX);
            let over = charges
                .iter()
                .zip(&after)
                .any(|(c, &v)| c.hard && v.max(0) as u64 > c.limit);
            if !over {
                let spent = after.iter().map(|&v| v.max(0) as u64).collect();
                return Ok(ReserveOutcome::new(true, spent));
            }
            // refused: take the estimates back out
            let withdrawals: Vec<Adjustment> = charges
                .iter()
                .map(|c| Adjustment {
                    key: c.key.clone(),
                    delta: -amount(c),
                    expires_at: c.expires_at,
                })
                .collect();
            self.adjust(now, &withdrawals).await?;
            let found = charges
                .iter()
                .zip(&after)
                .map(|(c, &v)| v.saturating_sub(amount(c)).max(0) as u64)
                .collect();
            Ok(ReserveOutcome::new(false, found))
        })
    }

    fn adjust<'a>(
        &'a self,
        now: SystemTime,
        adjustments: &'a [Adjustment],
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let mut invocation = self.shared.adjust.prepare_invoke();
            let mut any = false;
            for a in adjustments
                .iter()
                .filter(|a| a.expires_at > now && a.delta != 0)
            {
                invocation
                    .key(self.key(&a.key))
                    .arg(a.delta)
                    .arg(ttl_ms(now, a.expires_at));
                any = true;
            }
            if any {
                let _: i64 = self.run(invocation).await?;
            }
            Ok(())
        })
    }

    fn spent<'a>(
        &'a self,
        _now: SystemTime,
        keys: &'a [BudgetKey],
    ) -> BoxFuture<'a, Result<Vec<u64>>> {
        Box::pin(async move {
            let keys: Vec<String> = keys.iter().map(|k| self.key(k)).collect();
            let values = self
                .timed(async {
                    let mut conn = self.link.connection().await?;
                    redis::cmd("MGET")
                        .arg(&keys)
                        .query_async::<Vec<Option<i64>>>(&mut conn)
                        .await
                })
                .await?;
            Ok(values
                .into_iter()
                .map(|v| v.unwrap_or(0).max(0) as u64)
                .collect())
        })
    }
}

impl fmt::Debug for RedisBudgetStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The client's address may carry a password: never print it.
        f.debug_struct("RedisBudgetStore")
            .field("prefix", &self.prefix)
            .field("connect_timeout", &self.link.connect_timeout)
            .field("command_timeout", &self.link.command_timeout)
            .finish_non_exhaustive()
    }
}
