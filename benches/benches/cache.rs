//! Cache layer costs (in-memory tier), each beside the direct call of the
//! same in-memory provider and beside raw gets on the cache libraries:
//!
//! * `cache_hit`: a read answered from the in-memory tier, against the
//!   direct call of the provider, a raw `lru` get (the chosen library: a
//!   `parking_lot` mutex around `lru::LruCache`, as one shard of the
//!   store), a raw `moka` get, and the key computation alone. Raw gets are
//!   shown two ways: handing out an `Arc` clone (the library's own cost),
//!   and handing out an owned response with `try_clone` (what a cache in
//!   front of a `tower::Service` must return).
//! * `layer_hit_paired`: the layer's hit, the direct call and the raw `lru`
//!   get with the key work, alternating in one loop; ratios printed as
//!   `paired: ...`.
//! * `cache_library_contended`: raw `lru` (16 shards) against raw `moka`,
//!   two threads reading 8 hot keys.
//! * `cache_miss`: a read of a key never seen (the layer's miss: lookup,
//!   flight, upstream call, fill, eviction at the bound — the default
//!   10 000-entry tier is full after the warm-up, so each miss also evicts
//!   one entry) against the direct call with the same unique request; and
//!   the same miss with the in-memory tier off (no copy kept, no eviction).
//! * `cache_write`: a write through the layer (pass-through plus tag
//!   invalidation) against the direct write.
//!
//! Run: `cargo bench -p mosaic-benches --bench cache -- --warm-up-time 1 --measurement-time 3`

use std::cell::Cell;
use std::hash::BuildHasher;
use std::hint::black_box;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use mosaic_cache::{CacheConfig, CacheKey, CacheLayer};
use mosaic_core::git::{
    GitOp, GitProvider, GitRequest, GitResponse, GitService, RepoRef, Repository, UpdateRepository,
};
use mosaic_core::{Capabilities, Operation, Request, RequestContext, Response, Result};
use parking_lot::Mutex;
use tower::{Layer, ServiceExt};

/// An in-memory forge: answers every repository read with a clone of one
/// realistic repository.
struct Forge {
    repo: Repository,
}

impl Forge {
    fn new() -> Self {
        Forge {
            repo: sample_repo(),
        }
    }
}

fn sample_repo() -> Repository {
    Repository {
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
    }
}

#[async_trait::async_trait]
impl GitProvider for Forge {
    fn capabilities(&self) -> Capabilities {
        Capabilities::of([GitOp::GetRepository, GitOp::UpdateRepository])
    }
    async fn get_repository(&self, _r: RepoRef) -> Result<Repository> {
        Ok(self.repo.clone())
    }
    async fn update_repository(&self, _p: UpdateRepository) -> Result<Repository> {
        Ok(self.repo.clone())
    }
}

fn read(name: &str) -> Request<GitRequest> {
    Request::with_context(
        RequestContext::new().with_tenant("tenant-a"),
        GitRequest::GetRepository(RepoRef::new("acme", name)),
    )
}

fn write() -> Request<GitRequest> {
    Request::with_context(
        RequestContext::new().with_tenant("tenant-a"),
        GitRequest::UpdateRepository(UpdateRepository {
            repo: RepoRef::new("acme", "tools"),
            description: Some("new".into()),
            ..Default::default()
        }),
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime")
}

/// One shard of the chosen library as the store uses it.
type LruShard = Mutex<lru::LruCache<String, GitResponse>>;

fn bench_hit(c: &mut Criterion) {
    let rt = runtime();
    let direct = GitService::new(Forge::new());
    let layer = CacheLayer::<GitResponse>::new(CacheConfig::new());
    let cached = layer.layer(GitService::new(Forge::new()));
    rt.block_on(cached.clone().oneshot(read("tools"))).unwrap();

    let op = read("tools").operation;
    let key_text = CacheKey::new(Some("tenant-a"), &op.cache_key().unwrap())
        .as_str()
        .to_owned();
    let value = GitResponse::GetRepository(sample_repo());

    let lru_owned: LruShard = Mutex::new(lru::LruCache::new(NonZeroUsize::new(10_000).unwrap()));
    lru_owned
        .lock()
        .put(key_text.clone(), value.try_clone().unwrap());
    let lru_arc: Mutex<lru::LruCache<String, Arc<GitResponse>>> =
        Mutex::new(lru::LruCache::new(NonZeroUsize::new(10_000).unwrap()));
    lru_arc
        .lock()
        .put(key_text.clone(), Arc::new(value.try_clone().unwrap()));
    let moka: moka::sync::Cache<String, Arc<GitResponse>> =
        moka::sync::Cache::builder().max_capacity(10_000).build();
    moka.insert(key_text.clone(), Arc::new(value.try_clone().unwrap()));

    let mut g = c.benchmark_group("cache_hit");
    g.bench_function("direct_provider", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(direct.clone().oneshot(read("tools")).await.unwrap()) })
    });
    g.bench_function("layer_hit", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(cached.clone().oneshot(read("tools")).await.unwrap()) })
    });
    g.bench_function("key_only", |b| {
        b.iter(|| {
            let req = read("tools");
            black_box(CacheKey::new(
                req.context.tenant(),
                &req.operation.cache_key().unwrap(),
            ))
        })
    });
    g.bench_function("raw_lru_get_clone", |b| {
        b.iter(|| {
            black_box(
                lru_owned
                    .lock()
                    .get(key_text.as_str())
                    .and_then(|v| v.try_clone()),
            )
        })
    });
    g.bench_function("raw_lru_get_clone_with_key", |b| {
        b.iter(|| {
            let req = read("tools");
            let key = CacheKey::new(req.context.tenant(), &req.operation.cache_key().unwrap());
            black_box(
                lru_owned
                    .lock()
                    .get(key.as_str())
                    .and_then(|v| v.try_clone()),
            )
        })
    });
    g.bench_function("raw_lru_get_arc", |b| {
        b.iter(|| black_box(lru_arc.lock().get(key_text.as_str()).cloned()))
    });
    g.bench_function("raw_moka_get_clone", |b| {
        b.iter(|| black_box(moka.get(key_text.as_str()).and_then(|v| v.try_clone())))
    });
    g.bench_function("raw_moka_get_arc", |b| {
        b.iter(|| black_box(moka.get(key_text.as_str())))
    });

    // Paired: the layer's hit, the direct call and the raw library get (with
    // the same key work) alternate in one loop, so that load from other
    // processes falls on all alike; the ratios are printed.
    let totals = Cell::new([Duration::ZERO; 3]);
    g.bench_function("layer_hit_paired", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut t = totals.get();
                let mut layer_time = Duration::ZERO;
                for _ in 0..iters {
                    let t0 = Instant::now();
                    black_box(cached.clone().oneshot(read("tools")).await.unwrap());
                    let t1 = Instant::now();
                    black_box(direct.clone().oneshot(read("tools")).await.unwrap());
                    let t2 = Instant::now();
                    let req = read("tools");
                    let key =
                        CacheKey::new(req.context.tenant(), &req.operation.cache_key().unwrap());
                    black_box(
                        lru_owned
                            .lock()
                            .get(key.as_str())
                            .and_then(|v| v.try_clone()),
                    );
                    let t3 = Instant::now();
                    layer_time += t1 - t0;
                    t[0] += t1 - t0;
                    t[1] += t2 - t1;
                    t[2] += t3 - t2;
                }
                totals.set(t);
                layer_time
            })
        })
    });
    g.finish();
    let t = totals.get();
    eprintln!(
        "paired: layer hit / direct call = {:.2}; layer hit / raw lru get (key + clone) = {:.2}",
        t[0].as_secs_f64() / t[1].as_secs_f64(),
        t[0].as_secs_f64() / t[2].as_secs_f64()
    );
}

/// Two threads, each reading 8 hot keys `iters` times in total.
fn contended(iters: u64, get: &(dyn Fn(&str) + Sync), keys: &[String]) -> Duration {
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..2u64 {
            s.spawn(move || {
                for i in 0..iters / 2 {
                    get(&keys[((i + t) % 8) as usize]);
                }
            });
        }
    });
    start.elapsed()
}

fn bench_contended(c: &mut Criterion) {
    let keys: Vec<String> = (0..8)
        .map(|i| format!("8:tenant-agit.repository.get:{{\"owner\":\"acme\",\"name\":\"r{i}\"}}"))
        .collect();
    let value = Arc::new(GitResponse::GetRepository(sample_repo()));
    let hasher = std::collections::hash_map::RandomState::new();
    let shards: Vec<Mutex<lru::LruCache<String, Arc<GitResponse>>>> = (0..16)
        .map(|_| Mutex::new(lru::LruCache::new(NonZeroUsize::new(1000).unwrap())))
        .collect();
    let shard_of = |k: &str| &shards[(hasher.hash_one(k) % 16) as usize];
    let moka: moka::sync::Cache<String, Arc<GitResponse>> =
        moka::sync::Cache::builder().max_capacity(10_000).build();
    for k in &keys {
        shard_of(k).lock().put(k.clone(), value.clone());
        moka.insert(k.clone(), value.clone());
    }
    let mut g = c.benchmark_group("cache_library_contended");
    g.bench_function("raw_lru_16_shards_2_threads", |b| {
        b.iter_custom(|iters| {
            contended(
                iters,
                &|k| {
                    black_box(shard_of(k).lock().get(k).cloned());
                },
                &keys,
            )
        })
    });
    g.bench_function("raw_moka_2_threads", |b| {
        b.iter_custom(|iters| {
            contended(
                iters,
                &|k| {
                    black_box(moka.get(k));
                },
                &keys,
            )
        })
    });
    g.finish();
}

fn bench_miss(c: &mut Criterion) {
    let rt = runtime();
    let direct = GitService::new(Forge::new());
    let layer = CacheLayer::<GitResponse>::new(CacheConfig::new());
    let cached = layer.layer(GitService::new(Forge::new()));
    // the layer's own miss work without filling memory (no clone, no eviction)
    let uncached = CacheLayer::<GitResponse>::new(CacheConfig::new().with_max_entries(0))
        .layer(GitService::new(Forge::new()));
    let n = AtomicU64::new(0);
    let unique = || format!("repo-{}", n.fetch_add(1, Ordering::Relaxed));

    let mut g = c.benchmark_group("cache_miss");
    g.bench_function("direct_provider", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(direct.clone().oneshot(read(&unique())).await.unwrap()) })
    });
    g.bench_function("layer_miss", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(cached.clone().oneshot(read(&unique())).await.unwrap()) })
    });
    g.bench_function("layer_miss_memory_tier_off", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(uncached.clone().oneshot(read(&unique())).await.unwrap()) })
    });
    g.finish();
    let stats = layer.stats().snapshot();
    assert_eq!(stats.hits, 0, "every read was a miss");
    assert!(stats.evictions > 0, "the memory bound was reached");
}

fn bench_write(c: &mut Criterion) {
    let rt = runtime();
    let direct = GitService::new(Forge::new());
    let layer = CacheLayer::<GitResponse>::new(CacheConfig::new());
    let cached = layer.layer(GitService::new(Forge::new()));
    let mut g = c.benchmark_group("cache_write");
    g.bench_function("direct_provider", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(direct.clone().oneshot(write()).await.unwrap()) })
    });
    g.bench_function("layer_write_invalidating", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(cached.clone().oneshot(write()).await.unwrap()) })
    });
    g.finish();
}

criterion_group!(benches, bench_hit, bench_contended, bench_miss, bench_write);
criterion_main!(benches);
