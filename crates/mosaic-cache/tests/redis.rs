//! The shared Redis tier against a real `redis-server` (feature `redis`).
//!
//! These tests use real time (real sockets cannot run on paused time); every
//! wait is a bounded poll, and nothing asserts on how long anything took.

#![cfg(feature = "redis")]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use mosaic_cache::{
    Cache, CacheConfig, CacheKey, CacheLayer, CacheStatus, RedisConfig, RedisStore, Tier, observe,
};
use mosaic_core::Request;
use mosaic_core::git::{GitRequest, GitResponse, GitService};
use mosaic_testing::RedisServer;
use tower::{Layer, ServiceExt};

type Stack = Cache<GitService<Forge>, GitResponse>;

fn redis_config(server: &RedisServer, namespace: &str) -> RedisConfig {
    RedisConfig::new(server.url())
        .with_namespace(namespace)
        .with_command_timeout(Duration::from_millis(200))
        .with_connect_timeout(Duration::from_millis(500))
        .with_reconnect_backoff(Duration::from_millis(20), Duration::from_millis(200))
}

async fn replica(
    server: &RedisServer,
    namespace: &str,
    forge: &Forge,
    config: CacheConfig,
) -> (RedisStore, CacheLayer<GitResponse>, Stack) {
    let store = RedisStore::connect(redis_config(server, namespace))
        .await
        .expect("valid config");
    assert!(store.is_connected(), "redis-server is up");
    let layer = CacheLayer::with_shared(config, store.clone()).expect("inside a runtime");
    let svc = layer.layer(GitService::new(forge.clone()));
    (store, layer, svc)
}

async fn call(
    svc: &Stack,
    r: Request<GitRequest>,
) -> (mosaic_core::Result<GitResponse>, Option<CacheStatus>) {
    observe(svc.clone().oneshot(r)).await
}

/// Poll `check` every 10 ms, at most 500 times.
async fn eventually(mut check: impl AsyncFnMut() -> bool) -> bool {
    for _ in 0..500 {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

fn reply_text(reply: &[u8]) -> String {
    String::from_utf8_lossy(reply).into_owned()
}

#[tokio::test]
async fn two_replicas_share_entries_and_invalidations() {
    let server = RedisServer::start().expect("redis-server");
    // one upstream (say, one forge) behind two replicas of a host
    let forge = Forge::new().with_repo("acme", "tools", "v1");
    let (_sa, layer_a, a) = replica(&server, "two", &forge, CacheConfig::new()).await;
    let (sb, layer_b, b) = replica(&server, "two", &forge, CacheConfig::new()).await;

    // A reads: a miss that fills both tiers
    let (r, s) = call(&a, req_for("t", get_repo("acme", "tools"))).await;
    assert_eq!(description(&r.unwrap()), "v1");
    assert_eq!(s, Some(CacheStatus::Miss));
    let value_key = sb.value_key(&CacheKey::new(
        Some("t"),
        &mosaic_core::Operation::cache_key(&get_repo("acme", "tools")).unwrap(),
    ));
    let ttl = reply_text(&server.command(&["PTTL", value_key.as_str()]).unwrap());
    let ttl: i64 = ttl.trim_start_matches(':').trim().parse().unwrap();
    let lifetime =
        (CacheConfig::DEFAULT_TTL + CacheConfig::DEFAULT_STALE_IF_ERROR).as_millis() as i64;
    assert!(ttl > 0 && ttl <= lifetime, "the TTL is set in redis: {ttl}");
    let members = reply_text(
        &server
            .command(&["SMEMBERS", "two:t:git:acme/tools"])
            .unwrap(),
    );
    assert!(
        members.contains(&value_key),
        "the key is filed under its tag: {members}"
    );

    // B reads the same: a shared hit, the upstream is not asked again
    let (r, s) = call(&b, req_for("t", get_repo("acme", "tools"))).await;
    assert_eq!(description(&r.unwrap()), "v1");
    assert_eq!(s, Some(CacheStatus::Hit(Tier::Shared)));
    assert_eq!(forge.reads(), 1);
    // ... and B's own memory tier was filled on the way
    assert_eq!(
        call(&b, req_for("t", get_repo("acme", "tools"))).await.1,
        Some(CacheStatus::Hit(Tier::Memory))
    );
    // another tenant shares nothing
    assert_eq!(
        call(&b, req_for("u", get_repo("acme", "tools"))).await.1,
        Some(CacheStatus::Miss)
    );

    // A has it in memory; a write on B must evict it there
    assert_eq!(
        call(&a, req_for("t", get_repo("acme", "tools"))).await.1,
        Some(CacheStatus::Hit(Tier::Memory))
    );
    call(&b, req_for("t", update_description("acme", "tools", "v2")))
        .await
        .0
        .unwrap();
    assert!(
        !reply_text(&server.command(&["EXISTS", value_key.as_str()]).unwrap()).contains(":1"),
        "the write deleted the shared entry"
    );
    let a2 = a.clone();
    assert!(
        eventually(async || {
            let (r, _) = call(&a2, req_for("t", get_repo("acme", "tools"))).await;
            description(&r.unwrap()) == "v2"
        })
        .await,
        "A's memory tier dropped the entry after B's write"
    );
    assert!(
        layer_a.stats().snapshot().invalidations >= 3,
        "{:?}",
        layer_a.stats().snapshot()
    );
    assert_eq!(
        layer_b.stats().snapshot().invalidations,
        3,
        "B does not count its own message twice"
    );
    assert!(layer_b.stats().snapshot().shared_hits >= 1);
}

/// Records the `namespace` field of every WARN event of the cache, for the
/// whole test binary (a global subscriber: per-thread ones miss events when
/// tests run in parallel, as callsite interest is cached process-wide).
#[derive(Clone, Default)]
struct Warnings(Arc<parking_lot::Mutex<Vec<String>>>);

impl Warnings {
    fn global() -> &'static Warnings {
        static W: std::sync::OnceLock<Warnings> = std::sync::OnceLock::new();
        W.get_or_init(|| {
            use tracing_subscriber::layer::SubscriberExt;
            let w = Warnings::default();
            let _ = tracing::subscriber::set_global_default(
                tracing_subscriber::registry().with(w.clone()),
            );
            w
        })
    }

    fn count(&self, namespace: &str) -> usize {
        self.0.lock().iter().filter(|n| *n == namespace).count()
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Warnings {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        struct Namespace(Option<String>);
        impl tracing::field::Visit for Namespace {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "namespace" {
                    self.0 = Some(format!("{value:?}"));
                }
            }
        }
        let meta = event.metadata();
        if *meta.level() == tracing::Level::WARN && meta.target() == "mosaic_cache" {
            let mut ns = Namespace(None);
            event.record(&mut ns);
            self.0.lock().push(ns.0.unwrap_or_default());
        }
    }
}

#[tokio::test]
async fn redis_going_away_fails_no_call_and_its_return_restores_the_shared_tier() {
    let warnings = Warnings::global();

    let mut server = RedisServer::start().expect("redis-server");
    let forge = Forge::new();
    for i in 0..10 {
        forge.put_repo("acme", &format!("r{i}"), "v1");
    }
    let (sa, layer_a, a) = replica(&server, "outage", &forge, CacheConfig::new()).await;
    let (sb, _layer_b, b) = replica(&server, "outage", &forge, CacheConfig::new()).await;
    call(&a, req(get_repo("acme", "r0"))).await.0.unwrap();

    server.stop().unwrap();
    // every call is answered: memory hits, upstream for the rest, writes too
    for round in 0..3 {
        for i in 0..10 {
            let (r, _) = call(&a, req(get_repo("acme", &format!("r{i}")))).await;
            assert_eq!(description(&r.unwrap()), "v1", "round {round}, repo {i}");
            let (r, _) = call(&b, req(list_branches("acme", &format!("r{i}")))).await;
            r.unwrap();
        }
    }
    call(&a, req(create_branch("acme", "r1", "x")))
        .await
        .0
        .unwrap();
    assert!(!sa.is_connected() && !sb.is_connected());
    assert_eq!(
        call(&a, req(get_repo("acme", "r0"))).await.1,
        Some(CacheStatus::Hit(Tier::Memory))
    );
    assert!(layer_a.stats().snapshot().store_errors > 0);
    assert_eq!(
        warnings.count("outage"),
        2,
        "one warning per store for the whole outage"
    );

    server.restart().unwrap();
    assert!(
        eventually(async || sa.is_connected() && sb.is_connected()).await,
        "reconnected by itself"
    );
    // the shared tier works again: A fills (its memory tier, which may hold
    // r9 from the outage, is cleared first so the read goes through redis),
    // and B, which never read r9, hits A's entry in redis
    layer_a.clear_memory();
    let (r, s) = call(&a, req(get_repo("acme", "r9"))).await;
    assert_eq!(description(&r.unwrap()), "v1");
    assert_eq!(s, Some(CacheStatus::Miss));
    let reads = forge.reads();
    let (r, s) = call(&b, req(get_repo("acme", "r9"))).await;
    assert_eq!(description(&r.unwrap()), "v1");
    assert_eq!(s, Some(CacheStatus::Hit(Tier::Shared)));
    assert_eq!(forge.reads(), reads);
    assert_eq!(warnings.count("outage"), 2, "no new warning after recovery");
}

/// A TCP proxy in front of a `redis-server` that can hold the server's
/// answers back: while it is stalled, commands still reach Redis but no
/// reply comes back until [`resume`](Self::resume) — what a client sees of
/// a server busy for that long. Unlike `DEBUG SLEEP` (which blocks the
/// server's only thread, so nothing — not even `CLIENT LIST` — can tell
/// from outside when it has started), the stall is in force the moment
/// [`stall`](Self::stall) returns: no timing guess.
struct StallProxy {
    port: u16,
    stalled: tokio::sync::watch::Sender<bool>,
    accept: tokio::task::JoinHandle<()>,
}

impl StallProxy {
    async fn start(upstream: std::net::SocketAddr) -> StallProxy {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let (stalled, _) = tokio::sync::watch::channel(false);
        let watch = stalled.clone();
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = tokio::net::TcpStream::connect(upstream).await else {
                    continue; // the client sees its connection closed
                };
                let (client, server) = (Arc::new(client), Arc::new(server));
                // answers: held while the proxy is stalled
                let mut stalled = watch.subscribe();
                let answers = tokio::spawn({
                    let (client, server) = (client.clone(), server.clone());
                    async move {
                        let mut buf = vec![0u8; 16 * 1024];
                        while let Ok(n @ 1..) = read_some(&server, &mut buf).await {
                            if stalled.wait_for(|s| !*s).await.is_err()
                                || write_all(&client, &buf[..n]).await.is_err()
                            {
                                break;
                            }
                        }
                    }
                });
                // commands: passed on at once; when either side closes,
                // both directions end (dropping the last handles closes
                // both sockets)
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 16 * 1024];
                    while let Ok(n @ 1..) = read_some(&client, &mut buf).await {
                        if write_all(&server, &buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    answers.abort();
                });
            }
        });
        StallProxy {
            port,
            stalled,
            accept,
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Hold every answer from now on.
    fn stall(&self) {
        self.stalled.send_replace(true);
    }

    /// Deliver the held answers, and the next ones.
    fn resume(&self) {
        self.stalled.send_replace(false);
    }
}

impl Drop for StallProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Read what is there (0 at the end of the stream), with `tokio`'s `net`
/// readiness API alone.
async fn read_some(stream: &tokio::net::TcpStream, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        stream.readable().await?;
        match stream.try_read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            other => return other,
        }
    }
}

/// Write all of `buf`.
async fn write_all(stream: &tokio::net::TcpStream, mut buf: &[u8]) -> std::io::Result<()> {
    while !buf.is_empty() {
        stream.writable().await?;
        match stream.try_write(buf) {
            Ok(n) => buf = &buf[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[tokio::test]
async fn a_slow_redis_is_skipped_and_the_call_answered() {
    let server = RedisServer::start().expect("redis-server");
    let proxy = StallProxy::start(server.addr()).await;
    let forge = Forge::new().with_repo("acme", "tools", "v1");
    let config = RedisConfig::new(proxy.url())
        .with_namespace("slow")
        .with_command_timeout(Duration::from_millis(200))
        .with_connect_timeout(Duration::from_millis(500))
        .with_reconnect_backoff(Duration::from_millis(20), Duration::from_millis(200));
    let store = RedisStore::connect(config).await.expect("valid config");
    assert!(store.is_connected(), "connected through the proxy");
    let layer = CacheLayer::with_shared(CacheConfig::new(), store.clone()).expect("in a runtime");
    let svc = layer.layer(GitService::new(forge.clone()));

    // Redis stops answering before the call starts: its lookup cannot be
    // answered within the command timeout, whatever the scheduling
    proxy.stall();
    let (r, s) = call(&svc, req(get_repo("acme", "tools"))).await;
    assert_eq!(description(&r.unwrap()), "v1", "answered by the upstream");
    assert_eq!(s, Some(CacheStatus::Miss));
    assert_eq!(forge.reads(), 1);
    assert!(store.faults() >= 1, "the slow command counted as a fault");
    assert!(layer.stats().snapshot().store_errors >= 1);

    // answers flow again: the store comes back by itself and the shared
    // tier serves (memory cleared so that the read goes through Redis)
    proxy.resume();
    assert!(eventually(async || store.is_connected()).await);
    let svc2 = svc.clone();
    let layer2 = layer.clone();
    let forge2 = forge.clone();
    assert!(
        eventually(async || {
            layer2.clear_memory();
            let (r, s) = call(&svc2, req(get_repo("acme", "tools"))).await;
            description(&r.unwrap()) == "v1" && s == Some(CacheStatus::Hit(Tier::Shared))
        })
        .await,
        "the shared tier serves again after the stall ({} upstream reads)",
        forge2.reads()
    );
}

#[tokio::test]
async fn corrupt_and_foreign_values_are_misses_and_get_overwritten() {
    let server = RedisServer::start().expect("redis-server");
    let forge = Forge::new()
        .with_repo("acme", "a", "va")
        .with_repo("acme", "b", "vb")
        .with_repo("acme", "c", "vc");
    let (store, _la, a) = replica(&server, "junk", &forge, CacheConfig::new()).await;
    let (_sb, _lb, b) = replica(&server, "junk", &forge, CacheConfig::new()).await;
    let key = |name: &str| {
        store.value_key(&CacheKey::new(
            None,
            &mosaic_core::Operation::cache_key(&get_repo("acme", name)).unwrap(),
        ))
    };
    // garbage bytes, another format version, and a key of another type
    server
        .command(&["SET", key("a").as_str(), "not an entry", "PX", "60000"])
        .unwrap();
    server
        .command(&[
            "SET",
            key("b").as_str(),
            "mc\u{2}\u{0}\u{0}\u{0}\u{0}\u{0}{}",
            "PX",
            "60000",
        ])
        .unwrap();
    server
        .command(&["HSET", key("c").as_str(), "field", "value"])
        .unwrap();
    for (name, want) in [("a", "va"), ("b", "vb"), ("c", "vc")] {
        let (r, s) = call(&a, req(get_repo("acme", name))).await;
        assert_eq!(description(&r.unwrap()), want);
        assert_eq!(s, Some(CacheStatus::Miss), "{name}");
    }
    assert_eq!(store.corrupt_values(), 3);
    assert_eq!(forge.reads(), 3);
    // the fills replaced the junk: B hits them in redis
    for name in ["a", "b", "c"] {
        assert_eq!(
            call(&b, req(get_repo("acme", name))).await.1,
            Some(CacheStatus::Hit(Tier::Shared)),
            "{name}"
        );
    }
    assert_eq!(forge.reads(), 3);
}

#[tokio::test]
async fn a_store_started_while_redis_is_down_connects_when_it_comes_up() {
    let mut server = RedisServer::start().expect("redis-server");
    server.stop().unwrap();
    let forge = Forge::new().with_repo("acme", "tools", "v1");
    let store = RedisStore::connect(redis_config(&server, "late"))
        .await
        .expect("no error while down");
    assert!(!store.is_connected());
    let layer = CacheLayer::<GitResponse>::with_shared(
        CacheConfig::new().with_max_entries(0),
        store.clone(),
    )
    .unwrap();
    let svc = layer.layer(GitService::new(forge.clone()));
    let (r, _) = call(&svc, req(get_repo("acme", "tools"))).await;
    assert_eq!(description(&r.unwrap()), "v1");

    server.restart().unwrap();
    assert!(eventually(async || store.is_connected()).await);
    call(&svc, req(get_repo("acme", "tools"))).await.0.unwrap(); // fills redis
    let (_, s) = call(&svc, req(get_repo("acme", "tools"))).await;
    assert_eq!(
        s,
        Some(CacheStatus::Hit(Tier::Shared)),
        "memory tier off: the hit is redis's"
    );
}

#[tokio::test]
async fn negative_entries_and_coalescing_work_through_redis() {
    let server = RedisServer::start().expect("redis-server");
    let forge = Forge::new();
    forge.set_delay(Some(Duration::from_millis(20)));
    let config = CacheConfig::new().with_negative_ttl(Duration::from_secs(30));
    let (_sa, _la, a) = replica(&server, "neg", &forge, config.clone()).await;
    let (_sb, _lb, b) = replica(&server, "neg", &forge, config).await;
    let results =
        futures::future::join_all((0..16).map(|_| call(&a, req(get_repo("acme", "ghost"))))).await;
    assert!(
        results
            .iter()
            .all(|(r, _)| r.as_ref().unwrap_err().is_not_found())
    );
    assert_eq!(forge.reads(), 1, "16 concurrent misses, one upstream call");
    let (r, s) = call(&b, req(get_repo("acme", "ghost"))).await;
    assert!(r.unwrap_err().to_string().contains("acme/ghost"));
    assert_eq!(s, Some(CacheStatus::Hit(Tier::Shared)));
    assert_eq!(forge.reads(), 1);
}

#[tokio::test]
async fn a_fill_is_refused_when_its_tags_were_invalidated_after_the_lookup() {
    use mosaic_cache::{CacheStore, Cached, Entry};
    use mosaic_core::git::Repository;
    let server = RedisServer::start().expect("redis-server");
    let store = RedisStore::connect(redis_config(&server, "race"))
        .await
        .unwrap();
    let other = RedisStore::connect(redis_config(&server, "race"))
        .await
        .unwrap();
    let mut feed = CacheStore::<GitResponse>::events(&store).expect("feed on");
    let key = CacheKey::new(
        Some("t"),
        "git.repository.get:{\"owner\":\"acme\",\"name\":\"tools\"}",
    );
    let tags = vec!["git:*".to_owned(), "git:acme/tools".to_owned()];
    let entry = || {
        Entry::new(
            Cached::Value(GitResponse::GetRepository(Repository::default())),
            tokio::time::Instant::now(),
            Duration::from_secs(60),
            Duration::from_secs(60),
        )
    };

    // lookup (a miss) → another replica invalidates → the fill is refused
    let miss: mosaic_cache::Lookup<GitResponse> = store.get(&key, &tags).await.unwrap();
    assert!(miss.entry.is_none());
    assert_eq!(miss.generations.as_slice().len(), 2);
    CacheStore::<GitResponse>::invalidate(&other, &tags[1..])
        .await
        .unwrap();
    assert!(
        !store
            .put(&key, &entry(), &tags, &miss.generations)
            .await
            .unwrap()
    );
    let after: mosaic_cache::Lookup<GitResponse> = store.get(&key, &tags).await.unwrap();
    assert!(after.entry.is_none(), "nothing was stored");

    // the other replica's invalidation reached this store's feed
    let event = tokio::time::timeout(Duration::from_secs(5), feed.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        event,
        mosaic_cache::StoreEvent::Invalidated(vec!["git:acme/tools".to_owned()].into())
    );

    // with fresh generations the fill goes through, and is then found fresh
    assert!(
        store
            .put(&key, &entry(), &tags, &after.generations)
            .await
            .unwrap()
    );
    let hit: mosaic_cache::Lookup<GitResponse> = store.get(&key, &tags).await.unwrap();
    assert!(hit.entry.unwrap().is_fresh(tokio::time::Instant::now()));
    // a store's own invalidations do not come back on its feed: the other
    // replica receives the message (so it was published), then publishes a
    // sentinel on the same channel; Redis delivers a channel's messages in
    // order, so an echo would reach this feed before the sentinel
    let mut other_feed = CacheStore::<GitResponse>::events(&other).expect("feed on");
    CacheStore::<GitResponse>::invalidate(&store, &tags[..1])
        .await
        .unwrap();
    let hit: mosaic_cache::Lookup<GitResponse> = store.get(&key, &tags).await.unwrap();
    assert!(hit.entry.is_none(), "the family-wide tag dropped it");
    let published = tokio::time::timeout(Duration::from_secs(5), other_feed.recv())
        .await
        .expect("the other replica hears the invalidation")
        .unwrap();
    assert_eq!(
        published,
        mosaic_cache::StoreEvent::Invalidated(vec!["git:*".to_owned()].into())
    );
    let sentinel = vec!["git:sentinel/after".to_owned()];
    CacheStore::<GitResponse>::invalidate(&other, &sentinel)
        .await
        .unwrap();
    let next = tokio::time::timeout(Duration::from_secs(5), feed.recv())
        .await
        .expect("the sentinel arrives")
        .unwrap();
    assert_eq!(
        next,
        mosaic_cache::StoreEvent::Invalidated(sentinel.into()),
        "no echo of the store's own message before the sentinel"
    );
}
