//! Cache layer costs (in-memory tier), each beside the direct call of the
//! same in-memory provider, raw gets on the cache libraries, and
//! tower-resilience's cache layer over the same provider:
//!
//! * `cache_hit`: one path per benchmark — a read answered from the
//!   in-memory tier, the direct call, the request clone alone, the key
//!   alone (hashed from the parameters, and the text key for comparison),
//!   the response copy alone, raw `lru` and `moka` gets of a prebuilt key
//!   (handing out an `Arc` clone: the library's own work; or a copy), and
//!   tower-resilience's cache hit keyed by Mosaic's hashed key and by the
//!   JSON text key.
//! * `cache_hit_paired`: the headline ratios. Every path above that a
//!   ratio needs runs in one loop, alternating chunks of 32 calls, so that
//!   load from other processes falls on all alike; each sample's per-call
//!   times are kept, and the medians of the per-sample ratios are printed at
//!   the end of the run and written to `target/criterion/cache-ratios.md`:
//!   layer hit ÷ raw `moka` get, ÷ raw `lru` get, ÷ direct call, and the hit
//!   *overhead* (hit − direct call) ÷ tower-resilience's (its hit − the
//!   direct call of the same service).
//! * `cache_hit_entries`: the hit with 1 to 100,000 entries in the store,
//!   reads cycling over every entry, paired with raw `moka` gets cycling over
//!   the same keys.
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

use std::collections::BTreeMap;
use std::hash::BuildHasher;
use std::hint::black_box;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::Mutex as StdMutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main};
use mosaic_cache::{CacheConfig, CacheKey, CacheLayer};
use mosaic_core::git::{
    GitOp, GitProvider, GitRequest, GitResponse, GitService, RepoRef, Repository, UpdateRepository,
};
use mosaic_core::{Capabilities, Operation, Request, RequestContext, Response, Result};

/// TTL long enough that nothing expires during a run.
const HOUR: Duration = Duration::from_secs(3600);
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

/// Calls per chunk when alternating the compared paths in one loop.
const CHUNK: u64 = 32;

/// Per paired measurement: the per-call time (ns) of each path, per sample.
static SAMPLES: StdMutex<BTreeMap<String, Vec<Vec<f64>>>> = StdMutex::new(BTreeMap::new());

/// One path of a paired measurement: run `n` calls, return their time.
type PathFn<'a> = Box<dyn FnMut(u64) -> Duration + 'a>;

/// Bench `paths[0]`, alternating chunks of [`CHUNK`] calls of every path in
/// one loop (so machine load falls on all alike); criterion gets the first
/// path's time, and each sample's per-call times go to [`SAMPLES`].
fn bench_paired(
    g: &mut BenchmarkGroup<'_, WallTime>,
    group: &str,
    name: &str,
    mut paths: Vec<PathFn<'_>>,
) {
    let key = format!("{group}/{name}");
    g.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let mut totals = vec![Duration::ZERO; paths.len()];
            let mut left = iters;
            while left > 0 {
                let n = left.min(CHUNK);
                for (t, path) in totals.iter_mut().zip(paths.iter_mut()) {
                    *t += path(n);
                }
                left -= n;
            }
            let per_call = totals
                .iter()
                .map(|t| t.as_nanos() as f64 / iters as f64)
                .collect();
            SAMPLES
                .lock()
                .expect("samples")
                .entry(key.clone())
                .or_default()
                .push(per_call);
            totals[0]
        })
    });
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The median over samples of `f(per-call times)` for one measurement.
fn ratio(samples: &BTreeMap<String, Vec<Vec<f64>>>, key: &str, f: impl Fn(&[f64]) -> f64) -> f64 {
    samples
        .get(key)
        .map_or(f64::NAN, |s| median(s.iter().map(|t| f(t)).collect()))
}

/// Writes the paired ratios (medians over samples) to stderr and to
/// `target/criterion/cache-ratios.md`.
fn report(_c: &mut Criterion) {
    let samples = SAMPLES.lock().expect("samples");
    let mut out = String::from("| measurement | figure (median of samples) |\n|---|---|\n");
    let mut line = |what: String, v: f64| {
        out.push_str(&format!("| {what} | {v:.3} |\n"));
    };
    let hit = "cache_hit_paired/paths";
    if samples.contains_key(hit) {
        // paths: 0 layer, 1 moka, 2 lru, 3 direct, 4 tr (same key), 5 tr (json key), 6 direct (tr shape)
        line("layer hit ns".into(), ratio(&samples, hit, |t| t[0]));
        line(
            "raw moka get (prebuilt key, Arc) ns".into(),
            ratio(&samples, hit, |t| t[1]),
        );
        line(
            "raw lru get (prebuilt key, Arc) ns".into(),
            ratio(&samples, hit, |t| t[2]),
        );
        line("direct call ns".into(), ratio(&samples, hit, |t| t[3]));
        line(
            "tower-resilience hit, Mosaic's key ns".into(),
            ratio(&samples, hit, |t| t[4]),
        );
        line(
            "tower-resilience hit, JSON key ns".into(),
            ratio(&samples, hit, |t| t[5]),
        );
        line(
            "layer hit ÷ raw moka get".into(),
            ratio(&samples, hit, |t| t[0] / t[1]),
        );
        line(
            "layer hit ÷ raw lru get".into(),
            ratio(&samples, hit, |t| t[0] / t[2]),
        );
        line(
            "layer hit ÷ direct".into(),
            ratio(&samples, hit, |t| t[0] / t[3]),
        );
        line(
            "Mosaic hit overhead ÷ tower-resilience's (same key)".into(),
            ratio(&samples, hit, |t| (t[0] - t[3]) / (t[4] - t[6])),
        );
        line(
            "Mosaic hit overhead ÷ tower-resilience's (JSON key)".into(),
            ratio(&samples, hit, |t| (t[0] - t[3]) / (t[5] - t[6])),
        );
    }
    for (key, _) in samples
        .iter()
        .filter(|(k, _)| k.starts_with("cache_hit_entries/"))
    {
        line(
            format!("{key}: layer hit ns"),
            ratio(&samples, key, |t| t[0]),
        );
        line(
            format!("{key}: raw moka ns"),
            ratio(&samples, key, |t| t[1]),
        );
        line(
            format!("{key}: layer ÷ raw moka"),
            ratio(&samples, key, |t| t[0] / t[1]),
        );
    }
    eprintln!("{out}");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/criterion");
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(|d| std::path::PathBuf::from(d).join("criterion"))
        .unwrap_or(dir);
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join("cache-ratios.md"), out);
}

/// A `GitResponse` that is `Clone` (by deep copy, as a Mosaic hit does),
/// which tower-resilience's cache requires of a response.
struct Cloneable(GitResponse);

impl Clone for Cloneable {
    fn clone(&self) -> Self {
        Cloneable(self.0.try_clone().expect("a repository"))
    }
}

fn bench_hit(c: &mut Criterion) {
    let rt = runtime();
    let direct = GitService::new(Forge::new());
    let layer = CacheLayer::<GitResponse>::new(CacheConfig::new().with_ttl(HOUR));
    let cached = layer.layer(GitService::new(Forge::new()));
    rt.block_on(cached.clone().oneshot(read("tools"))).unwrap();

    let req = read("tools");
    let key_text = CacheKey::new(Some("tenant-a"), &req.operation.cache_key().unwrap())
        .as_str()
        .unwrap()
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

    // tower-resilience's cache over the same provider (its responses must be
    // `Clone`: a deep copy, as Mosaic's hit makes), keyed two ways: by
    // Mosaic's own hashed key (the same key work as Mosaic's layer), and by
    // the tenant plus the operation's JSON `cache_key` (the text key).
    let tr_direct = tower::util::MapResponseLayer::new(Cloneable).layer(direct.clone());
    let tr_fast = tower_resilience::cache::CacheLayer::builder()
        .max_size(10_000)
        .ttl(HOUR)
        .key_extractor(|r: &Request<GitRequest>| {
            CacheKey::for_operation(r.context.tenant(), &r.operation).expect("cacheable")
        })
        .build()
        .expect("tower-resilience cache")
        .layer(tr_direct.clone());
    let tr_json = tower_resilience::cache::CacheLayer::builder()
        .max_size(10_000)
        .ttl(HOUR)
        .key_extractor(|r: &Request<GitRequest>| {
            (
                r.context.tenant().map(str::to_owned),
                r.operation.cache_key().expect("cacheable"),
            )
        })
        .build()
        .expect("tower-resilience cache")
        .layer(tr_direct.clone());
    rt.block_on(tr_fast.clone().oneshot(read("tools"))).unwrap();
    rt.block_on(tr_json.clone().oneshot(read("tools"))).unwrap();

    let mut g = c.benchmark_group("cache_hit");
    g.bench_function("direct_provider", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(direct.clone().oneshot(req.clone()).await.unwrap()) })
    });
    g.bench_function("layer_hit", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(cached.clone().oneshot(req.clone()).await.unwrap()) })
    });
    g.bench_function("request_clone_only", |b| b.iter(|| black_box(req.clone())));
    g.bench_function("key_only_hashed", |b| {
        b.iter(|| {
            black_box(CacheKey::for_operation(
                req.context.tenant(),
                &req.operation,
            ))
        })
    });
    g.bench_function("key_only_text", |b| {
        b.iter(|| {
            black_box(CacheKey::new(
                req.context.tenant(),
                &req.operation.cache_key().unwrap(),
            ))
        })
    });
    g.bench_function("response_copy_only", |b| {
        b.iter(|| black_box(value.try_clone()))
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
    g.bench_function("raw_lru_get_arc", |b| {
        b.iter(|| black_box(lru_arc.lock().get(key_text.as_str()).cloned()))
    });
    g.bench_function("raw_moka_get_clone", |b| {
        b.iter(|| black_box(moka.get(key_text.as_str()).and_then(|v| v.try_clone())))
    });
    g.bench_function("raw_moka_get_arc", |b| {
        b.iter(|| black_box(moka.get(key_text.as_str())))
    });
    g.bench_function("tower_resilience_hit_same_key", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(tr_fast.clone().oneshot(req.clone()).await.unwrap()) })
    });
    g.bench_function("tower_resilience_hit_json_key", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(tr_json.clone().oneshot(req.clone()).await.unwrap()) })
    });
    g.finish();

    // Paired: every path in one loop; ratios in `report`.
    let rt = &rt;
    let mut g = c.benchmark_group("cache_hit_paired");
    let paths: Vec<PathFn<'_>> = vec![
        Box::new(|n| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..n {
                    black_box(cached.clone().oneshot(req.clone()).await.unwrap());
                }
                t.elapsed()
            })
        }),
        Box::new(|n| {
            let t = Instant::now();
            for _ in 0..n {
                black_box(moka.get(key_text.as_str()));
            }
            t.elapsed()
        }),
        Box::new(|n| {
            let t = Instant::now();
            for _ in 0..n {
                black_box(lru_arc.lock().get(key_text.as_str()).cloned());
            }
            t.elapsed()
        }),
        Box::new(|n| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..n {
                    black_box(direct.clone().oneshot(req.clone()).await.unwrap());
                }
                t.elapsed()
            })
        }),
        Box::new(|n| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..n {
                    black_box(tr_fast.clone().oneshot(req.clone()).await.is_ok());
                }
                t.elapsed()
            })
        }),
        Box::new(|n| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..n {
                    black_box(tr_json.clone().oneshot(req.clone()).await.is_ok());
                }
                t.elapsed()
            })
        }),
        Box::new(|n| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..n {
                    black_box(tr_direct.clone().oneshot(req.clone()).await.is_ok());
                }
                t.elapsed()
            })
        }),
    ];
    bench_paired(&mut g, "cache_hit_paired", "paths", paths);
    g.finish();
}

/// The hit as the store grows: `n` entries, reads cycling over all of them,
/// paired with raw `moka` gets cycling over the same keys (prebuilt text).
fn bench_entries(c: &mut Criterion) {
    let rt = runtime();
    let mut g = c.benchmark_group("cache_hit_entries");
    for n in [1usize, 100, 1_000, 10_000, 100_000] {
        // a bound of twice the entries: shards fill unevenly, and nothing
        // may be evicted while the hits are measured
        let layer = CacheLayer::<GitResponse>::new(
            CacheConfig::new().with_ttl(HOUR).with_max_entries(2 * n),
        );
        let cached = layer.layer(GitService::new(Forge::new()));
        let moka: moka::sync::Cache<String, Arc<GitResponse>> = moka::sync::Cache::builder()
            .max_capacity(2 * n as u64)
            .build();
        let value = Arc::new(GitResponse::GetRepository(sample_repo()));
        let reqs: Vec<Request<GitRequest>> = (0..n).map(|i| read(&format!("r{i}"))).collect();
        let keys: Vec<String> = reqs
            .iter()
            .map(|r| {
                CacheKey::new(r.context.tenant(), &r.operation.cache_key().unwrap())
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        rt.block_on(async {
            for r in &reqs {
                cached.clone().oneshot(r.clone()).await.unwrap();
            }
        });
        for k in &keys {
            moka.insert(k.clone(), value.clone());
        }
        moka.run_pending_tasks();
        assert_eq!(layer.stats().snapshot().misses, n as u64);
        let (rt, reqs, keys, cached, moka) = (&rt, &reqs, &keys, &cached, &moka);
        let mut i = 0usize;
        let mut j = 0usize;
        let paths: Vec<PathFn<'_>> = vec![
            Box::new(move |m| {
                rt.block_on(async {
                    let t = Instant::now();
                    for _ in 0..m {
                        black_box(cached.clone().oneshot(reqs[i].clone()).await.unwrap());
                        i = (i + 1) % reqs.len();
                    }
                    t.elapsed()
                })
            }),
            Box::new(move |m| {
                let t = Instant::now();
                for _ in 0..m {
                    black_box(moka.get(keys[j].as_str()));
                    j = (j + 1) % keys.len();
                }
                t.elapsed()
            }),
        ];
        bench_paired(&mut g, "cache_hit_entries", &format!("{n}"), paths);
        let s = layer.stats().snapshot();
        assert_eq!(s.misses, n as u64, "every read after the fill was a hit");
    }
    g.finish();
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

criterion_group!(
    benches,
    bench_hit,
    bench_entries,
    bench_contended,
    bench_miss,
    bench_write,
    report
);
criterion_main!(benches);
