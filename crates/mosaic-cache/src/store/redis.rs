//! [`RedisStore`]: the shared tier in Redis (feature `redis`).
//!
//! Layout under the namespace `ns` (default `mosaic:cache`):
//!
//! | key | type | holds |
//! |---|---|---|
//! | `ns:v:{cache key}` | string, `PX` = TTL + stale window | the entry, in the versioned format of the `codec` module |
//! | `ns:t:{tag}` | set, expires with its longest-lived member | the value keys filed under the tag |
//! | `ns:g:{tag}` | integer, expires after a day | the tag's invalidation generation |
//! | channel `ns:invalidations` | pub/sub | `{"o": origin, "t": [tags]}` per invalidation |
//!
//! * A hit is one round trip: `GET` and `PTTL` of the value, pipelined. A
//!   miss (or a stale entry) then reads the tags' generations (`MGET`)
//!   before the upstream call.
//! * A fill is one script (`EVALSHA`): it stores nothing if a tag's
//!   generation moved since the lookup (an invalidation happened meanwhile),
//!   otherwise files the key in each tag's set and sets the value with its
//!   TTL. Sets are pruned of expired members as they grow.
//! * An invalidation is one script: bump each tag's generation, delete the
//!   keys in its set and the set, and publish the tags. Every replica's
//!   store receives the message on its subscription and reports it as a
//!   [`StoreEvent::Invalidated`]; the layer then drops those tags from its
//!   in-memory tier. Messages from the replica itself are ignored.
//!
//! Faults: every command has a bounded timeout. A timeout or a connection
//! error marks the store *down*: it logs one warning, stops sending commands
//! (calls are answered from the memory tier and the upstream), and a
//! background task reconnects with exponential backoff, logging once when
//! Redis is back. The subscription reconnects the same way; since
//! invalidations may have been missed while it was down, each
//! resubscription reports [`StoreEvent::Flush`]. A value that does not
//! decode (corrupt, another format version, another program's key, a
//! key of another type) is a miss and is overwritten by the next fill.
//!
//! Scripts touch keys they do not declare (the members of tag sets), so
//! the store is for a standalone Redis (or one shard), not Redis Cluster.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use futures::StreamExt;
use mosaic_core::{Error, Result, Secret};
use parking_lot::Mutex;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, RedisError, Script, Value};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use tokio::sync::{broadcast, oneshot};
use tokio::task::AbortHandle;
use tokio::time::Instant;

use super::codec;
use super::{CacheStore, Lookup, StoreEvent, StoreFuture};
use crate::entry::{Entry, Generations};
use crate::key::CacheKey;

const TARGET: &str = "mosaic_cache";
/// How long a tag's generation counter lives after its last invalidation.
const GENERATION_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// The generation reported for a counter that holds something unparsable;
/// no fill conditioned on it will ever match.
const UNKNOWN_GENERATION: u64 = u64::MAX;

const PUT_SCRIPT: &str = r"
-- KEYS[1] value key, KEYS[2..n+1] generation keys, KEYS[n+2..2n+1] tag sets
-- ARGV[1] entry, ARGV[2] px, ARGV[3..n+2] generations read before the fill
local n = (#KEYS - 1) / 2
for i = 1, n do
  local g = redis.pcall('GET', KEYS[1 + i])
  if type(g) == 'table' then return 0 end
  if g == false then g = '0' end
  if g ~= ARGV[2 + i] then return 0 end
end
local px = tonumber(ARGV[2])
for i = 1, n do
  local t = KEYS[1 + n + i]
  local kind = redis.call('TYPE', t)['ok']
  if kind ~= 'set' and kind ~= 'none' then redis.call('DEL', t) end
  redis.call('SADD', t, KEYS[1])
  if redis.call('PTTL', t) < px then redis.call('PEXPIRE', t, px) end
  local size = redis.call('SCARD', t)
  if size >= 1024 and bit.band(size, size - 1) == 0 then
    for _, m in ipairs(redis.call('SMEMBERS', t)) do
      if redis.call('EXISTS', m) == 0 then redis.call('SREM', t, m) end
    end
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', px)
return 1
";

const INVALIDATE_SCRIPT: &str = r"
-- KEYS[1..n] generation keys, KEYS[n+1..2n] tag sets
-- ARGV[1] generation ttl (ms), ARGV[2] channel, ARGV[3] message
local n = #KEYS / 2
for i = 1, n do
  local g = KEYS[i]
  local r = redis.pcall('INCR', g)
  if type(r) == 'table' then redis.call('SET', g, '1') end
  redis.call('PEXPIRE', g, ARGV[1])
  local t = KEYS[n + i]
  if redis.call('TYPE', t)['ok'] == 'set' then
    local members = redis.call('SMEMBERS', t)
    for j = 1, #members, 500 do
      redis.call('DEL', unpack(members, j, math.min(j + 499, #members)))
    end
  end
  redis.call('DEL', t)
end
redis.call('PUBLISH', ARGV[2], ARGV[3])
return n
";

/// Settings of a [`RedisStore`].
#[derive(Clone)]
pub struct RedisConfig {
    url: Secret,
    namespace: String,
    command_timeout: Duration,
    connect_timeout: Duration,
    reconnect_min: Duration,
    reconnect_max: Duration,
    invalidation_feed: bool,
}

impl fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConfig")
            .field("url", &self.url)
            .field("namespace", &self.namespace)
            .field("command_timeout", &self.command_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("reconnect", &(self.reconnect_min, self.reconnect_max))
            .field("invalidation_feed", &self.invalidation_feed)
            .finish()
    }
}

impl RedisConfig {
    /// Settings for the Redis at `url` (`redis://[:password@]host:port/db`;
    /// the URL is kept as a secret and never printed).
    ///
    /// Defaults: namespace `mosaic:cache`, 250 ms per command, 1 s to
    /// connect, reconnection backoff from 100 ms doubling to 5 s, and the
    /// cross-replica invalidation feed on.
    pub fn new(url: impl Into<String>) -> Self {
        RedisConfig {
            url: Secret::new(url.into()),
            namespace: "mosaic:cache".into(),
            command_timeout: Duration::from_millis(250),
            connect_timeout: Duration::from_secs(1),
            reconnect_min: Duration::from_millis(100),
            reconnect_max: Duration::from_secs(5),
            invalidation_feed: true,
        }
    }

    /// Prefix of every key and of the channel (replicas that share a cache
    /// use the same namespace).
    pub fn with_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// The longest any command may take before Redis counts as down.
    pub fn with_command_timeout(mut self, timeout: Duration) -> Self {
        self.command_timeout = timeout;
        self
    }

    /// The longest a connection attempt may take.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Reconnection backoff: first wait `min`, doubling up to `max`.
    pub fn with_reconnect_backoff(mut self, min: Duration, max: Duration) -> Self {
        self.reconnect_min = min;
        self.reconnect_max = max.max(min);
        self
    }

    /// Do not subscribe to other replicas' invalidations (a single replica
    /// does not need them).
    pub fn without_invalidation_feed(mut self) -> Self {
        self.invalidation_feed = false;
        self
    }

    /// The namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }
}

enum Conn {
    Up(MultiplexedConnection),
    Down { reconnecting: bool },
}

struct Inner {
    client: Client,
    config: RedisConfig,
    connection_config: AsyncConnectionConfig,
    conn: Mutex<Conn>,
    origin: u64,
    events: broadcast::Sender<StoreEvent>,
    put_script: Script,
    invalidate_script: Script,
    tasks: Mutex<Vec<AbortHandle>>,
    faults: AtomicU64,
    corrupt: AtomicU64,
}

impl Drop for Inner {
    fn drop(&mut self) {
        for task in self.tasks.get_mut().drain(..) {
            task.abort();
        }
    }
}

/// The shared cache tier in Redis; see the [module documentation](self).
///
/// Cheap to clone (clones share connections and state). One store serves
/// every response type: it implements [`CacheStore<V>`] for any
/// serializable `V`.
#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<Inner>,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("namespace", &self.inner.config.namespace)
            .field("connected", &self.is_connected())
            .finish()
    }
}

/// A random per-store id, so a store ignores its own invalidation messages.
fn random_origin() -> u64 {
    use std::hash::BuildHasher;
    static NEXT: AtomicU64 = AtomicU64::new(0);
    std::collections::hash_map::RandomState::new().hash_one(NEXT.fetch_add(1, Ordering::Relaxed))
}

fn is_connection_fault(e: &RedisError) -> bool {
    e.is_io_error()
        || e.is_timeout()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || e.is_unrecoverable_error()
}

#[derive(Serialize, Deserialize)]
struct Message {
    o: u64,
    t: Vec<String>,
}

impl RedisStore {
    /// Connect to Redis. Never fails because Redis is down: the store then
    /// starts *down* (one warning is logged) and connects in the background
    /// when Redis comes up. Waits at most the connect timeout (twice, for the
    /// command connection and the subscription).
    ///
    /// # Errors
    /// `Config` for an invalid URL.
    pub async fn connect(config: RedisConfig) -> Result<RedisStore> {
        let client = Client::open(config.url.expose())
            .map_err(|e| Error::config(format!("invalid redis URL ({:?})", e.kind())))?;
        let connection_config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(config.connect_timeout))
            .set_response_timeout(Some(config.command_timeout));
        let (events, _) = broadcast::channel(1024);
        let inner = Arc::new(Inner {
            client,
            connection_config,
            conn: Mutex::new(Conn::Down {
                reconnecting: false,
            }),
            origin: random_origin(),
            events,
            put_script: Script::new(PUT_SCRIPT),
            invalidate_script: Script::new(INVALIDATE_SCRIPT),
            tasks: Mutex::new(Vec::new()),
            faults: AtomicU64::new(0),
            corrupt: AtomicU64::new(0),
            config,
        });
        let store = RedisStore { inner };
        match store.inner.open().await {
            Ok(conn) => *store.inner.conn.lock() = Conn::Up(conn),
            Err(e) => {
                tracing::warn!(
                    target: TARGET,
                    namespace = %store.inner.config.namespace,
                    error = %e,
                    "redis cache tier unavailable at start: serving from memory and upstream until it comes up"
                );
                *store.inner.conn.lock() = Conn::Down { reconnecting: true };
                store.inner.spawn_reconnect();
            }
        }
        if store.inner.config.invalidation_feed {
            let (ready, subscribed) = oneshot::channel();
            let task = tokio::spawn(feed(
                store.inner.client.clone(),
                store.inner.channel(),
                store.inner.origin,
                store.inner.events.clone(),
                store.inner.config.clone(),
                ready,
            ));
            store.inner.tasks.lock().push(task.abort_handle());
            // bounded by the connect timeout inside the task
            let _ = subscribed.await;
        }
        Ok(store)
    }

    /// Whether the store currently sends commands to Redis.
    pub fn is_connected(&self) -> bool {
        matches!(*self.inner.conn.lock(), Conn::Up(_))
    }

    /// How many times Redis was found unreachable or too slow.
    pub fn faults(&self) -> u64 {
        self.inner.faults.load(Ordering::Relaxed)
    }

    /// How many values read from Redis did not decode (and were misses).
    pub fn corrupt_values(&self) -> u64 {
        self.inner.corrupt.load(Ordering::Relaxed)
    }

    /// The Redis key a cache key is stored under: the namespace and the
    /// key's text (the tenant and [`Operation::cache_key`](mosaic_core::Operation::cache_key)),
    /// the same in every process. A key without text (hashed from a
    /// request alone, which the layer never hands a shared store) would be
    /// filed under its per-process hash, which no other process can find.
    pub fn value_key(&self, key: &CacheKey) -> String {
        self.inner.value_key(key)
    }

    /// The settings.
    pub fn config(&self) -> &RedisConfig {
        &self.inner.config
    }
}

impl Inner {
    fn value_key(&self, key: &CacheKey) -> String {
        format!("{}:v:{key}", self.config.namespace)
    }

    fn generation_key(&self, tag: &str) -> String {
        format!("{}:g:{tag}", self.config.namespace)
    }

    fn tag_key(&self, tag: &str) -> String {
        format!("{}:t:{tag}", self.config.namespace)
    }

    fn channel(&self) -> String {
        format!("{}:invalidations", self.config.namespace)
    }

    async fn open(&self) -> std::result::Result<MultiplexedConnection, RedisError> {
        let attempt = tokio::time::timeout(
            self.config.connect_timeout,
            self.client
                .get_multiplexed_async_connection_with_config(&self.connection_config),
        )
        .await;
        let mut conn = match attempt {
            Ok(result) => result?,
            Err(_) => {
                return Err(RedisError::from(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "connect timed out",
                )));
            }
        };
        let pong = tokio::time::timeout(
            self.config.command_timeout,
            redis::cmd("PING").query_async::<String>(&mut conn),
        )
        .await;
        match pong {
            Ok(Ok(_)) => Ok(conn),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(RedisError::from(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "PING timed out",
            ))),
        }
    }

    /// The live connection, or an `Unavailable` error while Redis is down.
    fn connection(self: &Arc<Self>) -> Result<MultiplexedConnection> {
        let mut conn = self.conn.lock();
        match &mut *conn {
            Conn::Up(c) => Ok(c.clone()),
            Conn::Down { reconnecting } => {
                if !*reconnecting {
                    *reconnecting = self.try_spawn_reconnect();
                }
                Err(Error::unavailable("redis cache tier is down"))
            }
        }
    }

    /// Mark Redis down (logging once per outage) and start reconnecting.
    fn fault(self: &Arc<Self>, reason: &str) {
        self.faults.fetch_add(1, Ordering::Relaxed);
        let was_up = {
            let mut conn = self.conn.lock();
            let was_up = matches!(*conn, Conn::Up(_));
            if was_up {
                *conn = Conn::Down { reconnecting: true };
            }
            was_up
        };
        if was_up {
            tracing::warn!(
                target: TARGET,
                namespace = %self.config.namespace,
                reason,
                "redis cache tier unavailable: serving from memory and upstream until it returns"
            );
            self.spawn_reconnect();
        }
    }

    /// Start reconnecting (the state must already say `reconnecting`); if
    /// no runtime is at hand, the next call tries again.
    fn spawn_reconnect(self: &Arc<Self>) {
        if !self.try_spawn_reconnect()
            && let Conn::Down { reconnecting } = &mut *self.conn.lock()
        {
            *reconnecting = false;
        }
    }

    /// Start the reconnection task; `false` without a runtime (retried on
    /// the next call).
    fn try_spawn_reconnect(self: &Arc<Self>) -> bool {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return false;
        };
        let task = runtime.spawn(reconnect(Arc::downgrade(self)));
        let mut tasks = self.tasks.lock();
        tasks.retain(|t| !t.is_finished());
        tasks.push(task.abort_handle());
        true
    }

    /// Run one command future with the command timeout; connection errors
    /// and timeouts mark Redis down.
    async fn run<T>(
        self: &Arc<Self>,
        what: &'static str,
        command: impl Future<Output = std::result::Result<T, RedisError>>,
    ) -> Result<T> {
        match tokio::time::timeout(self.config.command_timeout, command).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => {
                if is_connection_fault(&e) {
                    self.fault(what);
                }
                Err(Error::unavailable(format!("redis {what} failed: {e}")))
            }
            Err(_) => {
                self.fault(what);
                Err(Error::timeout(format!(
                    "redis {what} took longer than {:?}",
                    self.config.command_timeout
                )))
            }
        }
    }
}

/// Reconnect with exponential backoff until Redis answers, then log once.
async fn reconnect(inner: Weak<Inner>) {
    let (min, max) = match inner.upgrade() {
        Some(i) => (i.config.reconnect_min, i.config.reconnect_max),
        None => return,
    };
    let mut backoff = min;
    loop {
        tokio::time::sleep(backoff).await;
        let Some(i) = inner.upgrade() else { return };
        match i.open().await {
            Ok(conn) => {
                *i.conn.lock() = Conn::Up(conn);
                tracing::info!(
                    target: TARGET,
                    namespace = %i.config.namespace,
                    "redis cache tier reachable again"
                );
                return;
            }
            Err(e) => {
                tracing::trace!(target: TARGET, error = %e, "redis reconnection attempt failed");
            }
        }
        drop(i);
        backoff = (backoff * 2).min(max);
    }
}

/// Keep a subscription to the invalidation channel, forwarding other
/// replicas' invalidations; report a flush after every resubscription.
async fn feed(
    client: Client,
    channel: String,
    origin: u64,
    events: broadcast::Sender<StoreEvent>,
    config: RedisConfig,
    ready: oneshot::Sender<()>,
) {
    let mut ready = Some(ready);
    let mut backoff = config.reconnect_min;
    loop {
        let attempt = tokio::time::timeout(config.connect_timeout, async {
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.subscribe(&channel).await?;
            Ok::<_, RedisError>(pubsub)
        })
        .await;
        match attempt {
            Ok(Ok(pubsub)) => {
                backoff = config.reconnect_min;
                match ready.take() {
                    Some(r) => {
                        let _ = r.send(());
                    }
                    // invalidations may have been missed while unsubscribed
                    None => {
                        let _ = events.send(StoreEvent::Flush);
                    }
                }
                let mut messages = pubsub.into_on_message();
                while let Some(msg) = messages.next().await {
                    let Ok(message) = serde_json::from_slice::<Message>(msg.get_payload_bytes())
                    else {
                        continue;
                    };
                    if message.o != origin && !message.t.is_empty() {
                        let _ = events.send(StoreEvent::Invalidated(message.t.into()));
                    }
                }
                tracing::debug!(target: TARGET, "redis invalidation feed lost; resubscribing");
            }
            _ => {
                // the first attempt failed: stop holding `connect` up
                ready.take();
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(config.reconnect_max);
    }
}

/// A generation as MGET returned it.
fn generation(v: &Value) -> u64 {
    match v {
        Value::Nil => 0,
        Value::Int(i) => u64::try_from(*i).unwrap_or(UNKNOWN_GENERATION),
        Value::BulkString(b) => std::str::from_utf8(b)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(UNKNOWN_GENERATION),
        Value::SimpleString(s) => s.parse().unwrap_or(UNKNOWN_GENERATION),
        _ => UNKNOWN_GENERATION,
    }
}

impl RedisStore {
    async fn lookup<V: DeserializeOwned>(
        &self,
        key: &CacheKey,
        tags: &[String],
    ) -> Result<Lookup<V>> {
        let inner = &self.inner;
        let mut conn = inner.connection()?;
        let value_key = inner.value_key(key);
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        pipe.cmd("GET").arg(&value_key).cmd("PTTL").arg(&value_key);
        let replies: Vec<redis::RedisResult<Value>> =
            inner.run("lookup", pipe.query_async(&mut conn)).await?;
        let now = Instant::now();
        let mut replies = replies.into_iter();
        let entry = match (replies.next(), replies.next()) {
            (Some(Ok(Value::Nil)), _) => None,
            (Some(Ok(Value::BulkString(bytes))), Some(Ok(Value::Int(ttl)))) => {
                let decoded = codec::decode::<V>(&bytes, ttl, now);
                if decoded.is_none() && ttl != -2 {
                    inner.corrupt.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(target: TARGET, key = %value_key, "undecodable value in redis: treated as a miss");
                }
                decoded
            }
            _ => {
                // another type under our key, or an error reply: a miss
                inner.corrupt.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(target: TARGET, key = %value_key, "foreign value in redis: treated as a miss");
                None
            }
        };
        // A fresh hit needs no generations (nothing will be filled); any
        // other answer leads to an upstream call and a conditional fill, so
        // read them now, before that call.
        if entry.as_ref().is_some_and(|e| e.is_fresh(now)) || tags.is_empty() {
            return Ok(Lookup {
                entry,
                generations: Generations::none(),
            });
        }
        let gen_keys: Vec<String> = tags.iter().map(|t| inner.generation_key(t)).collect();
        let values: Vec<Value> = inner
            .run(
                "lookup",
                redis::cmd("MGET").arg(gen_keys).query_async(&mut conn),
            )
            .await?;
        if values.len() != tags.len() {
            return Err(Error::unavailable(
                "redis lookup: unexpected generations reply",
            ));
        }
        Ok(Lookup {
            entry,
            generations: Generations::new(values.iter().map(generation).collect()),
        })
    }
}

impl<V> CacheStore<V> for RedisStore
where
    V: Serialize + DeserializeOwned + Send + 'static,
{
    fn get<'a>(&'a self, key: &'a CacheKey, tags: &'a [String]) -> StoreFuture<'a, Lookup<V>> {
        Box::pin(self.lookup(key, tags))
    }

    fn put<'a>(
        &'a self,
        key: &CacheKey,
        entry: &Entry<V>,
        tags: &[String],
        since: &Generations,
    ) -> StoreFuture<'a, bool> {
        let inner = &self.inner;
        let encoded = codec::encode(entry, Instant::now());
        if since.as_slice().len() != tags.len() {
            return Box::pin(std::future::ready(Ok(false)));
        }
        let mut invocation = inner.put_script.prepare_invoke();
        invocation.key(inner.value_key(key));
        for tag in tags {
            invocation.key(inner.generation_key(tag));
        }
        for tag in tags {
            invocation.key(inner.tag_key(tag));
        }
        let since: Vec<String> = since.as_slice().iter().map(u64::to_string).collect();
        Box::pin(async move {
            let Some((bytes, ttl_ms)) = encoded? else {
                return Ok(false);
            };
            invocation.arg(bytes).arg(ttl_ms);
            for g in since {
                invocation.arg(g);
            }
            let mut conn = inner.connection()?;
            let stored: i64 = inner
                .run("fill", invocation.invoke_async(&mut conn))
                .await?;
            Ok(stored == 1)
        })
    }

    fn invalidate<'a>(&'a self, tags: &'a [String]) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            if tags.is_empty() {
                return Ok(());
            }
            let inner = &self.inner;
            let message = serde_json::to_vec(&Message {
                o: inner.origin,
                t: tags.to_vec(),
            })
            .map_err(|e| Error::internal("cannot encode an invalidation").with_source(e))?;
            let mut invocation = inner.invalidate_script.prepare_invoke();
            for tag in tags {
                invocation.key(inner.generation_key(tag));
            }
            for tag in tags {
                invocation.key(inner.tag_key(tag));
            }
            invocation
                .arg(GENERATION_TTL.as_millis() as u64)
                .arg(inner.channel())
                .arg(message);
            let mut conn = inner.connection()?;
            let _: i64 = inner
                .run("invalidate", invocation.invoke_async(&mut conn))
                .await?;
            Ok(())
        })
    }

    fn events(&self) -> Option<broadcast::Receiver<StoreEvent>> {
        self.inner
            .config
            .invalidation_feed
            .then(|| self.inner.events.subscribe())
    }

    fn name(&self) -> &'static str {
        "redis"
    }
}
