//! [`RedisBudgetStore`]: budgets shared by several host replicas through
//! Redis (cargo feature `redis`).
//!
//! Each counter is one Redis string holding an integer (tokens, or
//! nano-dollars), under `{prefix}:{budget}:{window start}:{scope}`, set to
//! expire a grace period after its window ends. Two Lua scripts do the
//! work, each in one `EVALSHA` round trip:
//!
//! * **reserve** reads every counter of a call, and only if no hard budget
//!   would pass its limit adds the call's estimate to all of them —
//!   atomically, so concurrent calls on any number of replicas never
//!   overdraw a budget between them;
//! * **adjust** applies a call's reconciliation (up or down, never below
//!   zero).
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

/// `KEYS`: the counters. `ARGV`, four per key: limit, amount, hard (`1`
/// or `0`), time to live in ms. Returns `{reserved (1/0), spent...}`.
const RESERVE: &str = r"
local spent = {}
local ok = 1
for i = 1, #KEYS do
  local j = (i - 1) * 4
  local s = tonumber(redis.call('GET', KEYS[i]) or '0')
  spent[i] = s
  if ARGV[j + 3] == '1' and s + tonumber(ARGV[j + 2]) > tonumber(ARGV[j + 1]) then
    ok = 0
  end
end
if ok == 1 then
  for i = 1, #KEYS do
    local j = (i - 1) * 4
    spent[i] = redis.call('INCRBY', KEYS[i], ARGV[j + 2])
    redis.call('PEXPIRE', KEYS[i], ARGV[j + 4])
  end
end
table.insert(spent, 1, ok)
return spent
";

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

/// What clones share: the scripts.
struct Shared {
    reserve: redis::Script,
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
                reserve: redis::Script::new(RESERVE),
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
            let mut invocation = self.shared.reserve.prepare_invoke();
            for c in charges {
                invocation
                    .key(self.key(&c.key))
                    .arg(c.limit)
                    .arg(c.amount)
                    .arg(u8::from(c.hard))
                    .arg(ttl_ms(now, c.expires_at));
            }
            let reply: Vec<i64> = self.run(invocation).await?;
            match reply.split_first() {
                Some((&ok, spent)) if spent.len() == charges.len() => Ok(ReserveOutcome::new(
                    ok == 1,
                    spent.iter().map(|&s| s.max(0) as u64).collect(),
                )),
                _ => Err(Error::internal(format!(
                    "Redis budget store: the reserve script answered {} values for {} budgets",
                    reply.len(),
                    charges.len()
                ))),
            }
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
