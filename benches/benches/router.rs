//! Router and resilience-layer costs, each beside the direct call of the
//! same in-memory provider, and beside the peer libraries wrapping the same
//! service in the same run:
//!
//! * `router_decision`: choosing a rule and ordering candidates with 1, 10,
//!   100, 1,000 and 10,000 rules (the request matches only the last rule;
//!   the others fail on operation, tenant or subject).
//! * `router_decision_globs`: the same with the tenants and subjects of the
//!   other rules written as wildcard patterns the index cannot look up
//!   (`*-tenant-N`, `*org-N/*`): how the time grows when every rule must be
//!   checked.
//! * `layer_*`: one request through each Mosaic layer alone (router, retry,
//!   circuit breaker, rate limit, timeout, bulkhead, trace), and through
//!   tower-resilience's circuit breaker, rate limiter and retry and
//!   failsafe's circuit breaker. The Mosaic breaker runs with its defaults
//!   (which time every call for slow-call detection) and, as
//!   `mosaic_untimed`, with slow-call detection off (failsafe has none).
//! * `full_stack`: trace + retry + router + (circuit breaker + rate limit +
//!   timeout per provider).
//! * `throughput`: the direct call and the full stack on two threads (the
//!   one-thread run is interleaved with it). Each thread owns a handle to
//!   the service and its own request, as a server's workers would, so the
//!   figure shows what the layers' shared state costs. Every sample also
//!   runs the nothing-shared control (a provider per thread) one and two
//!   threads wide, so each figure has the control of the same moment beside
//!   it (`throughput/<name>` and `throughput/<name>/control`).
//!
//! Every layered measurement is *paired*: each sample alternates chunks of
//! 32 direct calls and 32 layered calls, so both see the same machine load.
//! Criterion reports the layered time; the ratio layered ÷ direct of every
//! sample is collected, and the medians are written to
//! `target/criterion/router-ratios.md` at the end of the run.
//!
//! Run: `cargo bench -p mosaic-benches --bench router -- --warm-up-time 1 --measurement-time 3`

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion};
use mosaic_core::git::{
    GitOp, GitProvider, GitRequest, GitResponse, GitService, RepoRef, Repository,
};
use mosaic_core::{Capabilities, Error, Request, RequestContext, Result};
use mosaic_router::router::Provider;
use mosaic_router::{
    BulkheadConfig, BulkheadLayer, CircuitBreakerConfig, CircuitBreakerLayer, Quota,
    RateLimitConfig, RateLimitLayer, RetryConfig, RetryLayer, Router, Rule, TimeoutLayer,
    TraceLayer,
};
use tokio::runtime::Runtime;
use tower::{Layer, Service, ServiceBuilder, ServiceExt};

type Req = Request<GitRequest>;

/// Calls per chunk when alternating direct and layered calls.
const CHUNK: u64 = 32;

/// Per bench: the layered ÷ direct time of every sample.
static RATIOS: Mutex<BTreeMap<String, Vec<f64>>> = Mutex::new(BTreeMap::new());

fn record_ratio(name: &str, ratio: f64) {
    RATIOS
        .lock()
        .expect("ratios")
        .entry(name.to_owned())
        .or_default()
        .push(ratio);
}

/// An in-memory forge answering every repository read.
struct Forge;

#[async_trait::async_trait]
impl GitProvider for Forge {
    fn capabilities(&self) -> Capabilities {
        Capabilities::of([GitOp::GetRepository])
    }
    async fn get_repository(&self, r: RepoRef) -> Result<Repository> {
        Ok(Repository {
            name: r.name,
            owner: r.owner,
            ..Default::default()
        })
    }
}

fn direct() -> GitService<Forge> {
    GitService::new(Forge)
}

fn request() -> Req {
    Request::with_context(
        RequestContext::new()
            .with_tenant("acme")
            .with_label("region", "eu-west"),
        GitRequest::GetRepository(RepoRef::new("acme", "tools")),
    )
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime")
}

/// `n` calls: clone the service (tower's idiom) and the request, call, wait.
async fn calls<S: Service<Req> + Clone>(svc: &S, req: &Req, n: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        black_box(svc.clone().oneshot(req.clone()).await.is_ok());
    }
    start.elapsed()
}

/// Bench `svc` paired with the direct call: criterion gets the layered
/// time, the ratio goes to [`RATIOS`] under `group/name`.
fn bench_paired<S>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    rt: &Runtime,
    group: &str,
    name: &str,
    svc: S,
) where
    S: Service<Req> + Clone,
{
    let req = request();
    let base = direct();
    let key = format!("{group}/{name}");
    g.bench_function(name, |b| {
        b.to_async(rt).iter_custom(|iters| {
            let (svc, base, req, key) = (svc.clone(), base.clone(), req.clone(), key.clone());
            async move {
                let (mut layered, mut plain) = (Duration::ZERO, Duration::ZERO);
                let mut done = 0;
                while done < iters {
                    let n = (iters - done).min(CHUNK);
                    plain += calls(&base, &req, n).await;
                    layered += calls(&svc, &req, n).await;
                    done += n;
                }
                record_ratio(&key, layered.as_secs_f64() / plain.as_secs_f64().max(1e-12));
                layered
            }
        })
    });
}

// ----- failsafe's breaker as a tower service -----

/// failsafe's future-aware circuit breaker around a tower service.
#[derive(Clone)]
struct Failsafe<S, B> {
    inner: S,
    breaker: B,
}

impl<S, B> Service<Req> for Failsafe<S, B>
where
    S: Service<Req, Error = Error>,
    B: failsafe::futures::CircuitBreaker,
{
    type Response = S::Response;
    type Error = failsafe::Error<Error>;
    type Future = failsafe::futures::ResponseFuture<
        S::Future,
        B::FailurePolicy,
        B::Instrument,
        failsafe::Any,
    >;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<std::result::Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(failsafe::Error::Inner)
    }

    fn call(&mut self, req: Req) -> Self::Future {
        self.breaker.call(self.inner.call(req))
    }
}

// ----- the benches -----

fn rules(n: usize, globs: bool) -> Vec<Rule> {
    let lead = if globs { "*-" } else { "" };
    let mut rules: Vec<Rule> = (0..n - 1)
        .map(|i| match i % 3 {
            0 => Rule::any().operation(format!("git.issue{i}.*")).to(["a"]),
            1 => Rule::any()
                .operation("git.repository.*")
                .tenant(format!("{lead}tenant-{i}"))
                .to(["a"]),
            _ => Rule::any()
                .operation("git.*.get")
                .subject(format!("{lead}org{i}/*"))
                .to(["a"]),
        })
        .collect();
    rules.push(
        Rule::any()
            .operation("git.repository.*")
            .tenant("acme")
            .label("region", "eu-*")
            .subject("acme/*")
            .reads()
            .to(["a", "b"]),
    );
    rules
}

fn router_decision(c: &mut Criterion) {
    for (group, globs, sizes) in [
        (
            "router_decision",
            false,
            &[1usize, 10, 100, 1_000, 10_000][..],
        ),
        ("router_decision_globs", true, &[10, 100, 1_000][..]),
    ] {
        let mut g = c.benchmark_group(group);
        let req = request();
        for &n in sizes {
            let router = Router::builder()
                .provider("a", direct())
                .provider("b", direct())
                .rules(rules(n, globs))
                .build()
                .expect("router");
            assert_eq!(router.plan(&req).rule(), format!("rule-{n}"));
            g.bench_function(format!("{n}_rules"), |b| {
                b.iter(|| black_box(router.plan(black_box(&req))))
            });
        }
        g.finish();
    }
}

fn layers(c: &mut Criterion) {
    let rt = runtime();
    let huge = Quota::per_second(1_000_000_000);

    let mut g = c.benchmark_group("layer_router");
    let router = Router::builder()
        .provider("forge", direct())
        .build()
        .expect("router");
    bench_paired(&mut g, &rt, "router", "mosaic", router);
    g.finish();

    let mut g = c.benchmark_group("layer_retry");
    let retry = RetryLayer::new(RetryConfig::new().seed(1));
    bench_paired(&mut g, &rt, "retry", "mosaic", retry.layer(direct()));
    let tr_retry = tower_resilience::retry::RetryLayer::<Req, GitResponse, Error>::builder()
        .max_attempts(3)
        .exponential_backoff(Duration::from_millis(100))
        .build();
    bench_paired(
        &mut g,
        &rt,
        "retry",
        "tower-resilience",
        tr_retry.layer(direct()),
    );
    g.finish();

    let mut g = c.benchmark_group("layer_circuit_breaker");
    let breaker = CircuitBreakerLayer::new(CircuitBreakerConfig::new("forge"));
    bench_paired(
        &mut g,
        &rt,
        "circuit_breaker",
        "mosaic",
        breaker.layer(direct()),
    );
    let untimed = CircuitBreakerLayer::new(
        CircuitBreakerConfig::new("forge").slow_call_duration(Duration::MAX),
    );
    bench_paired(
        &mut g,
        &rt,
        "circuit_breaker",
        "mosaic_untimed",
        untimed.layer(direct()),
    );
    let tr_breaker = tower_resilience::circuitbreaker::CircuitBreakerLayer::builder()
        .build()
        .expect("tower-resilience breaker");
    bench_paired(
        &mut g,
        &rt,
        "circuit_breaker",
        "tower-resilience",
        tr_breaker.layer(direct()),
    );
    let fs = Failsafe {
        inner: direct(),
        breaker: failsafe::Config::new().build(),
    };
    bench_paired(&mut g, &rt, "circuit_breaker", "failsafe", fs);
    g.finish();

    let mut g = c.benchmark_group("layer_rate_limit");
    let limit = RateLimitLayer::new(RateLimitConfig::new("forge", huge));
    bench_paired(&mut g, &rt, "rate_limit", "mosaic", limit.layer(direct()));
    let tr_limiter = tower_resilience::ratelimiter::RateLimiterLayer::per_second(1_000_000_000)
        .build()
        .expect("tower-resilience limiter");
    bench_paired(
        &mut g,
        &rt,
        "rate_limit",
        "tower-resilience",
        tr_limiter.layer(direct()),
    );
    g.finish();

    let mut g = c.benchmark_group("layer_timeout");
    let timeout = TimeoutLayer::of(Duration::from_secs(30));
    bench_paired(&mut g, &rt, "timeout", "mosaic", timeout.layer(direct()));
    g.finish();

    let mut g = c.benchmark_group("layer_bulkhead");
    let bulkhead = BulkheadLayer::new(BulkheadConfig::new("forge", 1024));
    bench_paired(&mut g, &rt, "bulkhead", "mosaic", bulkhead.layer(direct()));
    g.finish();

    let mut g = c.benchmark_group("layer_trace");
    bench_paired(
        &mut g,
        &rt,
        "trace",
        "mosaic",
        TraceLayer::new().layer(direct()),
    );
    g.finish();
}

type BoxStack = tower::util::BoxCloneSyncService<Req, GitResponse, Error>;

/// Trace + retry + router over two providers, each behind a circuit
/// breaker, a rate limit and a timeout.
fn full_stack() -> BoxStack {
    let provider = |name: &'static str| {
        let breaker = CircuitBreakerLayer::new(CircuitBreakerConfig::new(name));
        let handle = breaker.handle();
        let svc = ServiceBuilder::new()
            .layer(breaker)
            .layer(RateLimitLayer::new(RateLimitConfig::new(
                name,
                Quota::per_second(1_000_000_000),
            )))
            .layer(TimeoutLayer::of(Duration::from_secs(30)))
            .service(direct());
        Provider::new(name, svc)
            .capabilities(Forge.capabilities())
            .health(handle)
    };
    let router = Router::builder()
        .register(provider("primary"))
        .register(provider("secondary"))
        .rule(Rule::any().reads().to(["primary", "secondary"]))
        .build()
        .expect("router");
    BoxStack::new(
        ServiceBuilder::new()
            .layer(TraceLayer::new())
            .layer(RetryLayer::new(RetryConfig::new().seed(1)))
            .service(router),
    )
}

fn full(c: &mut Criterion) {
    let rt = runtime();
    let mut g = c.benchmark_group("full_stack");
    bench_paired(&mut g, &rt, "full_stack", "mosaic", full_stack());
    g.finish();
}

/// Each of `threads` threads runs `iters` requests on its own runtime;
/// returns the wall time.
fn run_threads<S>(make: &(dyn Fn() -> S + Sync), runtimes: &[Runtime], iters: u64) -> Duration
where
    S: Service<Req> + Send + 'static,
    S::Future: Send,
{
    let start = Instant::now();
    std::thread::scope(|scope| {
        for rt in runtimes {
            // Each thread owns its service handle and builds its own request,
            // as a server's worker would: nothing but the layers' own state
            // is shared between the threads.
            let svc = make();
            scope.spawn(move || {
                rt.block_on(async move { owned_calls(svc, request(), iters).await })
            });
        }
    });
    start.elapsed()
}

/// `n` calls on a service this task owns: wait until ready, call, wait.
async fn owned_calls<S: Service<Req>>(mut svc: S, req: Req, n: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        let ready = svc.ready().await.is_ok();
        black_box(ready && svc.call(req.clone()).await.is_ok());
    }
    start.elapsed()
}

/// Two threads, `iters` requests each, interleaved with one thread doing
/// `iters` requests, and the same for the nothing-shared control: criterion
/// gets the two-thread time per request; the throughput gains (two threads
/// ÷ one) of the service and of the control in the same sample go to
/// [`RATIOS`].
fn throughput(c: &mut Criterion) {
    let mut g = c.benchmark_group("throughput");
    let one: Vec<Runtime> = vec![runtime()];
    let two: Vec<Runtime> = vec![runtime(), runtime()];
    let stack = full_stack();
    fn bench<S>(
        g: &mut BenchmarkGroup<'_, WallTime>,
        name: &str,
        make: &(dyn Fn() -> S + Sync),
        one: &[Runtime],
        two: &[Runtime],
    ) where
        S: Service<Req> + Send + 'static,
        S::Future: Send,
    {
        let key = format!("throughput/{name}");
        let control_key = format!("throughput/{name}/control");
        let gain =
            |t1: Duration, t2: Duration| 2.0 * t1.as_secs_f64() / t2.as_secs_f64().max(1e-12);
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let c1 = run_threads(&direct, one, iters);
                let c2 = run_threads(&direct, two, iters);
                let t1 = run_threads(make, one, iters);
                let t2 = run_threads(make, two, iters);
                // throughput: 2 × iters in t2 against iters in t1
                record_ratio(&key, gain(t1, t2));
                record_ratio(&control_key, gain(c1, c2));
                t2 / 2
            })
        });
    }
    bench(&mut g, "direct", &direct, &one, &two);
    // The same provider value shared by both threads (its reference count
    // is touched on every call), and each layer alone over it: what each
    // layer's shared state costs when two cores use it at once.
    let shared = direct();
    bench(&mut g, "direct_shared", &|| shared.clone(), &one, &two);
    let router = Router::builder()
        .provider("forge", direct())
        .build()
        .expect("router");
    bench(&mut g, "router", &|| router.clone(), &one, &two);
    let retry = RetryLayer::new(RetryConfig::new().seed(1)).layer(direct());
    bench(&mut g, "retry", &|| retry.clone(), &one, &two);
    let breaker = CircuitBreakerLayer::new(CircuitBreakerConfig::new("forge")).layer(direct());
    bench(&mut g, "circuit_breaker", &|| breaker.clone(), &one, &two);
    let limit = RateLimitLayer::new(RateLimitConfig::new(
        "forge",
        Quota::per_second(1_000_000_000),
    ))
    .layer(direct());
    bench(&mut g, "rate_limit", &|| limit.clone(), &one, &two);
    let trace = TraceLayer::new().layer(direct());
    bench(&mut g, "trace", &|| trace.clone(), &one, &two);
    bench(&mut g, "full_stack", &|| stack.clone(), &one, &two);
    g.finish();
}

fn median(v: &mut [f64]) -> f64 {
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

/// Write the median ratios as a markdown table.
fn write_ratios() {
    let mut ratios = RATIOS.lock().expect("ratios");
    let mut lines = vec![
        "| bench | samples | median ratio |".to_owned(),
        "|---|---|---|".to_owned(),
    ];
    for (name, v) in ratios.iter_mut() {
        lines.push(format!("| {name} | {} | {:.3} |", v.len(), median(v)));
    }
    let text = lines.join("\n") + "\n";
    println!("\nPaired ratios (layered ÷ direct; throughput: two threads ÷ one):\n{text}");
    let dir = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target").to_owned());
    let path = std::path::Path::new(&dir)
        .join("criterion")
        .join("router-ratios.md");
    if let Err(e) = std::fs::create_dir_all(path.parent().unwrap_or(std::path::Path::new(".")))
        .and_then(|()| std::fs::write(&path, &text))
    {
        eprintln!("could not write {}: {e}", path.display());
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    router_decision(&mut c);
    layers(&mut c);
    full(&mut c);
    throughput(&mut c);
    c.final_summary();
    write_ratios();
}
