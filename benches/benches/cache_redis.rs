//! The Redis tier of the cache against a real `redis-server` (started by
//! `mosaic_testing::RedisServer` on a free loopback port), in one run:
//!
//! * `direct_provider`: the direct call of the in-memory provider;
//! * `raw_redis_get`: a raw `GET` of the stored entry on a multiplexed
//!   connection, and `raw_redis_get_decode`: the same plus decoding the
//!   JSON payload into the response (what any Redis cache must do);
//! * `redis_tier_hit`: a read through the cache layer with the in-memory
//!   tier turned off, so every call is answered by Redis (one pipelined
//!   round trip: `GET` and `PTTL`, pipelined);
//! * `redis_tier_hit_paired`: raw `GET`s and tier hits alternating in one
//!   loop (load from other processes falls on both alike); the ratio of
//!   their total times is printed as `paired: ...`.
//!
//! Run: `cargo bench -p mosaic-benches --bench cache_redis -- --warm-up-time 1 --measurement-time 3`

use std::cell::Cell;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use mosaic_cache::{CacheConfig, CacheKey, CacheLayer, RedisConfig, RedisStore};
use mosaic_core::git::{
    GitOp, GitProvider, GitRequest, GitResponse, GitService, RepoRef, Repository,
};
use mosaic_core::{Capabilities, Operation, Request, RequestContext, Result};
use mosaic_testing::RedisServer;
use tower::{Layer, ServiceExt};

struct Forge {
    repo: Repository,
}

#[async_trait::async_trait]
impl GitProvider for Forge {
    fn capabilities(&self) -> Capabilities {
        Capabilities::of([GitOp::GetRepository])
    }
    async fn get_repository(&self, _r: RepoRef) -> Result<Repository> {
        Ok(self.repo.clone())
    }
}

fn forge() -> Forge {
    Forge {
        repo: Repository {
            id: "123456789".into(),
            owner: "acme".into(),
            name: "tools".into(),
            full_name: "acme/tools".into(),
            description: Some("Internal tooling for the build and release pipeline".into()),
            default_branch: "main".into(),
            clone_url: Some("https://git.example.com/acme/tools.git".into()),
            ssh_url: Some("git@git.example.com:acme/tools.git".into()),
            web_url: Some("https://git.example.com/acme/tools".into()),
            created_at: Some("2021-03-04T05:06:07Z".into()),
            updated_at: Some("2025-01-02T03:04:05Z".into()),
            ..Default::default()
        },
    }
}

fn read() -> Request<GitRequest> {
    Request::with_context(
        RequestContext::new().with_tenant("tenant-a"),
        GitRequest::GetRepository(RepoRef::new("acme", "tools")),
    )
}

fn bench_redis(c: &mut Criterion) {
    let server = RedisServer::start().expect("redis-server (install the package `redis-server`)");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (store, cached, mut raw) = rt.block_on(async {
        let store = RedisStore::connect(RedisConfig::new(server.url()).with_namespace("bench"))
            .await
            .expect("redis config");
        assert!(store.is_connected());
        // memory tier off: every read is answered by redis
        let layer = CacheLayer::<GitResponse>::with_shared(
            CacheConfig::new().with_max_entries(0),
            store.clone(),
        )
        .expect("runtime");
        let cached = layer.layer(GitService::new(forge()));
        cached.clone().oneshot(read()).await.expect("fill");
        let raw = redis::Client::open(server.url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        (store, cached, raw)
    });
    let key = store.value_key(&CacheKey::new(
        Some("tenant-a"),
        &read().operation.cache_key().unwrap(),
    ));
    let direct = GitService::new(forge());

    let mut g = c.benchmark_group("cache_redis");
    g.bench_function("direct_provider", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(direct.clone().oneshot(read()).await.unwrap()) })
    });
    g.bench_function("raw_redis_get", |b| {
        b.to_async(&rt).iter(|| {
            let mut conn = raw.clone();
            let key = key.as_str();
            async move {
                let v: Option<Vec<u8>> = redis::cmd("GET")
                    .arg(key)
                    .query_async(&mut conn)
                    .await
                    .unwrap();
                black_box(v.expect("filled"))
            }
        })
    });
    g.bench_function("raw_redis_get_decode", |b| {
        b.to_async(&rt).iter(|| {
            let mut conn = raw.clone();
            let key = key.as_str();
            async move {
                let v: Option<Vec<u8>> = redis::cmd("GET")
                    .arg(key)
                    .query_async(&mut conn)
                    .await
                    .unwrap();
                let bytes = v.expect("filled");
                // skip the 8-byte entry header; the payload is the response as JSON
                let resp: GitResponse = serde_json::from_slice(&bytes[8..]).unwrap();
                black_box(resp)
            }
        })
    });
    g.bench_function("redis_tier_hit", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(cached.clone().oneshot(read()).await.unwrap()) })
    });
    // Paired: a raw GET and a tier hit alternate in one loop, so that load
    // from other processes falls on both alike; the ratio is printed.
    let (raw_total, tier_total) = (Cell::new(Duration::ZERO), Cell::new(Duration::ZERO));
    g.bench_function("redis_tier_hit_paired", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut tier = Duration::ZERO;
                for _ in 0..iters {
                    let mut conn = raw.clone();
                    let t0 = Instant::now();
                    let v: Option<Vec<u8>> = redis::cmd("GET")
                        .arg(key.as_str())
                        .query_async(&mut conn)
                        .await
                        .unwrap();
                    black_box(v);
                    let t1 = Instant::now();
                    black_box(cached.clone().oneshot(read()).await.unwrap());
                    let t2 = Instant::now();
                    raw_total.set(raw_total.get() + (t1 - t0));
                    tier += t2 - t1;
                }
                tier_total.set(tier_total.get() + tier);
                tier
            })
        })
    });
    g.finish();
    eprintln!(
        "paired: redis tier hit / raw redis GET = {:.2}",
        tier_total.get().as_secs_f64() / raw_total.get().as_secs_f64()
    );
    let _ = &mut raw;
    drop(server);
}

criterion_group!(benches, bench_redis);
criterion_main!(benches);
