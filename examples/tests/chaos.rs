//! Chaos and soak tests: the whole stack under seeded faults and load.
//!
//! Three providers sit behind one [`Router`]. Each is a plugin hosted by a
//! [`PluginHost`] — a client of one shared in-memory forge ([`FakeGit`]:
//! three gateways to the same data, so every acknowledged write can be
//! checked) — and each plugin's provider runs behind its own seeded
//! [`FaultLayer`], so the faults happen *inside* the provider:
//!
//! | fault | share of calls |
//! |---|---|
//! | transient error (`Unavailable`) | 20 % |
//! | timeout (longer than the stack's timeout layer) | 5 % |
//! | rate limit (`RateLimited`, 5 ms `retry_after`) | 2 % |
//! | panic | 0.1 % |
//!
//! ```text
//! trace → [cache] → retry → router ─┬→ breaker → rate limit → timeout → probe → plugin handle → faults → forge
//!                                   ├→ … forge-b
//!                                   └→ … forge-c
//! ```
//!
//! A panic is contained by the plugin handle (the SDK documents that a
//! panicking call fails with `Internal` and moves the plugin to `Failed`);
//! the host's supervisor here restarts a failed plugin, as a host is
//! expected to. For idempotent reads the host treats `Internal` (a
//! contained panic) and `NoProvider` (every breaker open for a moment) as
//! worth another try, so the retry layer and the router's failover include
//! them.
//!
//! The paused-time tests (`start_paused`) cost no real time for timeouts,
//! backoff and breaker windows; the Redis test runs on real time because
//! it talks to a real `redis-server`. Each test prints its figures; see
//! them with `cargo test -p mosaic-examples --test chaos -- --nocapture`.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use futures::{FutureExt as _, StreamExt as _};
use mosaic_cache::{CacheConfig, CacheLayer, CacheStatus, RedisConfig, RedisStore, Tier, observe};
use mosaic_core::git::{
    BranchRef, CreateBranch, CreateIssue, GitClient, GitProvider, GitRequest, GitResponse,
    GitService, ListBranches, ListIssues, RepoRef, StateFilter,
};
use mosaic_core::{Error, ErrorKind, PageRequest, Request, RequestContext, Result};
use mosaic_plugin_sdk::{
    EventKind, Plugin, PluginConfig, PluginContext, PluginHost, PluginManifest, PluginServices,
    PluginState, SwapOptions, async_trait, factory,
};
use mosaic_router::router::{FailoverPolicy, Provider};
use mosaic_router::{
    CircuitBreakerConfig, CircuitBreakerHandle, CircuitBreakerLayer, CircuitState, KindSet, Quota,
    RateLimitConfig, RateLimitLayer, RateLimitMode, RetryConfig, RetryLayer, Router, Rule,
    SlidingWindow, Strategy, TimeoutLayer, TraceLayer,
};
use mosaic_testing::{FakeGit, FaultHandle, FaultLayer, FaultRule, RedisServer};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;
use tower::ServiceBuilder;
use tower::util::BoxCloneSyncService;

type GitStack = BoxCloneSyncService<Request<GitRequest>, GitResponse, Error>;

/// The providers, in the router's order.
const PROVIDERS: [&str; 3] = ["forge-a", "forge-b", "forge-c"];
/// Repositories the load spreads over.
const REPOS: usize = 8;
/// The breakers' count-based window.
const WINDOW: u32 = 50;
/// How long an open breaker waits before probing (tokio time).
const WAIT_IN_OPEN: Duration = Duration::from_millis(50);
/// Probe calls a half-open breaker lets through.
const HALF_OPEN_PROBES: u32 = 5;
/// The per-provider timeout layer.
const PROVIDER_TIMEOUT: Duration = Duration::from_millis(100);
/// The success rate every chaos run must reach.
const REQUIRED_SUCCESS: f64 = 0.999;

// ---------------------------------------------------------------------------
// the fault mix
// ---------------------------------------------------------------------------

/// How one provider misbehaves.
#[derive(Clone, Copy)]
struct Mix {
    /// Latency every call takes (tokio time); zero for none.
    latency: Duration,
    /// How long an injected timeout hangs before failing.
    hang: Duration,
}

impl Mix {
    /// For paused time: every call takes 1 ms, timeouts hang past the
    /// timeout layer.
    const PAUSED: Mix = Mix {
        latency: Duration::from_millis(1),
        hang: Duration::from_millis(200),
    };

    fn rules(self) -> Vec<FaultRule> {
        let mut rules = Vec::new();
        if !self.latency.is_zero() {
            rules.push(FaultRule::latency(self.latency));
        }
        rules.extend([
            FaultRule::error(ErrorKind::Unavailable).rate(0.20),
            FaultRule::timeout(self.hang).rate(0.05),
            FaultRule::rate_limited(Some(Duration::from_millis(5))).rate(0.02),
            FaultRule::panic().rate(0.001),
        ]);
        rules
    }
}

/// Keep the injected panics (caught by the plugin handle) out of the test
/// output; every other panic is reported as usual.
fn quiet_injected_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let text = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            if !text.contains("injected panic") {
                previous(info);
            }
        }));
    });
}

// ---------------------------------------------------------------------------
// the providers: plugins over one forge, faults inside
// ---------------------------------------------------------------------------

/// Calls each plugin instance received, by its configuration's `label`.
type Served = Arc<Mutex<BTreeMap<String, u64>>>;

/// A forge plugin: a client of the shared backend whose calls go through
/// the provider's fault layer.
struct ForgePlugin {
    backend: FakeGit,
    faults: FaultLayer,
    served: Served,
    provider: Option<Arc<dyn GitProvider>>,
}

#[async_trait]
impl Plugin for ForgePlugin {
    async fn initialize(&mut self, _ctx: PluginContext, config: PluginConfig) -> Result<()> {
        let label = config.get_str("label").unwrap_or("v1").to_owned();
        let served = self.served.clone();
        let client = ServiceBuilder::new()
            .map_request(move |req: Request<GitRequest>| {
                *served.lock().unwrap().entry(label.clone()).or_default() += 1;
                req
            })
            .layer(self.faults.clone())
            .service(GitService::new(self.backend.clone()));
        self.provider = Some(Arc::new(GitClient::new(client)));
        Ok(())
    }

    fn services(&self) -> PluginServices {
        match &self.provider {
            Some(p) => PluginServices::new().with_git(p.clone()),
            None => PluginServices::new(),
        }
    }
}

fn manifest(id: &str) -> Result<PluginManifest> {
    PluginManifest::parse(
        &serde_json::json!({
            "id": id,
            "name": format!("Forge gateway {id}"),
            "version": "1.0.0",
            "families": ["git"],
            "provider": "fake",
            "engines": {"mosaic": "^0.1"},
            "config": {"schema": {
                "type": "object",
                "properties": {"label": {"type": "string", "default": "v1"}},
                "additionalProperties": false
            }}
        })
        .to_string(),
    )
}

/// Restart every plugin that fails (a contained panic moves it to
/// `Failed`); counts the restarts.
fn supervise(host: PluginHost, restarts: Arc<AtomicU64>) -> tokio::task::JoinHandle<()> {
    let mut events = host.subscribe();
    tokio::spawn(async move {
        loop {
            let failed: Vec<String> = match events.recv().await {
                Ok(ev) => match ev.kind {
                    EventKind::Transition {
                        to: PluginState::Failed,
                        ..
                    } => vec![ev.plugin],
                    _ => continue,
                },
                Err(RecvError::Lagged(_)) => host
                    .plugins()
                    .into_iter()
                    .filter(|p| p.state == PluginState::Failed)
                    .map(|p| p.id)
                    .collect(),
                Err(RecvError::Closed) => break,
            };
            for id in failed {
                if host.state(&id).ok() == Some(PluginState::Failed)
                    && host.start(&id).await.is_ok()
                {
                    restarts.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    })
}

// ---------------------------------------------------------------------------
// the probe under each breaker
// ---------------------------------------------------------------------------

/// What reached one provider (below its breaker, timeout and rate limit).
#[derive(Default)]
struct ProbeCounts {
    calls: AtomicU64,
    ok: AtomicU64,
    /// Errors by cause (see [`cause`]).
    errors: Mutex<BTreeMap<&'static str, u64>>,
    /// Set while the provider is killed outright.
    killed: AtomicBool,
    /// Calls that reached the killed provider while its breaker was closed.
    killed_while_closed: AtomicU64,
    /// Calls that reached it as half-open probes.
    killed_probes: AtomicU64,
    /// The first failure of cause "other", if any.
    first_other: Mutex<Option<String>>,
}

/// Why a call below the breaker failed.
fn cause(e: &Error) -> &'static str {
    let text = e.to_string();
    match e.kind() {
        ErrorKind::Internal if text.contains("panicked") => "contained panic",
        ErrorKind::Timeout => "timeout",
        ErrorKind::RateLimited => "rate limited",
        _ if text.contains("injected fault") => "injected error",
        ErrorKind::Unavailable if text.contains("is failed") || text.contains("is loading") => {
            "plugin restarting"
        }
        ErrorKind::Unavailable if text.contains("is loaded") || text.contains("is starting") => {
            "plugin restarting"
        }
        _ => "other",
    }
}

fn probed<S>(inner: S, counts: Arc<ProbeCounts>, breaker: CircuitBreakerHandle) -> GitStack
where
    S: tower::Service<Request<GitRequest>, Response = GitResponse, Error = Error>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
{
    let on_call = counts.clone();
    let svc = ServiceBuilder::new()
        .map_request(move |req: Request<GitRequest>| {
            on_call.calls.fetch_add(1, Ordering::Relaxed);
            if on_call.killed.load(Ordering::Relaxed) {
                match breaker.state() {
                    CircuitState::Closed => &on_call.killed_while_closed,
                    _ => &on_call.killed_probes,
                }
                .fetch_add(1, Ordering::Relaxed);
            }
            req
        })
        .map_future(move |fut: S::Future| {
            let counts = counts.clone();
            async move {
                let out = fut.await;
                match &out {
                    Ok(_) => {
                        counts.ok.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => {
                        let cause = cause(e);
                        *counts.errors.lock().unwrap().entry(cause).or_default() += 1;
                        if cause == "other" {
                            counts
                                .first_other
                                .lock()
                                .unwrap()
                                .get_or_insert_with(|| format!("{e:?}"));
                        }
                    }
                }
                out
            }
        })
        .service(inner);
    BoxCloneSyncService::new(svc)
}

// ---------------------------------------------------------------------------
// the harness
// ---------------------------------------------------------------------------

struct Harness {
    host: PluginHost,
    backend: FakeGit,
    faults: Vec<FaultHandle>,
    breakers: Vec<CircuitBreakerHandle>,
    probes: Vec<Arc<ProbeCounts>>,
    served: Vec<Served>,
    restarts: Arc<AtomicU64>,
    opened: Arc<Mutex<Vec<(String, Instant)>>>,
    supervisor: tokio::task::JoinHandle<()>,
    router: Router<GitRequest, GitStack>,
}

impl Harness {
    async fn new(seed: u64, mix: Mix, provider_timeout: Duration) -> Result<Harness> {
        quiet_injected_panics();
        let backend = FakeGit::named("forge");
        backend.record_calls(false);
        for r in 0..REPOS {
            backend.seed_repository(format!("acme/r{r}")).create()?;
        }
        let host = PluginHost::builder()
            .drain_timeout(Duration::from_secs(2))
            .hook_timeout(Duration::from_secs(2))
            .build();
        let (mut faults, mut served) = (Vec::new(), Vec::new());
        for (i, id) in PROVIDERS.iter().enumerate() {
            let layer = FaultLayer::new(seed * 10 + i as u64).rules(mix.rules());
            faults.push(layer.handle());
            let s = Served::default();
            served.push(s.clone());
            let backend = backend.clone();
            host.register(factory(manifest(id)?, move || {
                Ok(Box::new(ForgePlugin {
                    backend: backend.clone(),
                    faults: layer.clone(),
                    served: s.clone(),
                    provider: None,
                }))
            }))?;
        }
        let report = host.start_all().await?;
        assert_eq!(report.started.len(), 3, "{report:?}");
        let restarts = Arc::new(AtomicU64::new(0));
        let supervisor = supervise(host.clone(), restarts.clone());

        let opened = Arc::new(Mutex::new(Vec::new()));
        let mut builder = Router::builder();
        let (mut breakers, mut probes) = (Vec::new(), Vec::new());
        for id in PROVIDERS {
            let breaker = CircuitBreakerLayer::new(
                CircuitBreakerConfig::new(id)
                    .sliding_window(SlidingWindow::CountBased(WINDOW))
                    .minimum_calls(20)
                    .failure_rate_threshold(60.0)
                    .wait_in_open(WAIT_IN_OPEN)
                    .permitted_calls_in_half_open(HALF_OPEN_PROBES),
            );
            let mut changes = breaker.handle().subscribe();
            let log = opened.clone();
            tokio::spawn(async move {
                loop {
                    match changes.recv().await {
                        Ok(c) if c.to == CircuitState::Open => log
                            .lock()
                            .unwrap()
                            .push((c.breaker.to_string(), Instant::now())),
                        Ok(_) | Err(RecvError::Lagged(_)) => {}
                        Err(RecvError::Closed) => break,
                    }
                }
            });
            let counts = Arc::new(ProbeCounts::default());
            let below = probed(
                GitService::new(host.handle(id)?),
                counts.clone(),
                breaker.handle(),
            );
            let stack = ServiceBuilder::new()
                .layer(breaker.clone())
                .layer(RateLimitLayer::new(
                    RateLimitConfig::new(id, Quota::per_second(200_000)).mode(
                        RateLimitMode::Queue {
                            max_wait: Duration::from_secs(1),
                        },
                    ),
                ))
                .layer(TimeoutLayer::of(provider_timeout))
                .service(below);
            builder = builder.register(
                Provider::new(id, BoxCloneSyncService::new(stack)).health(breaker.handle()),
            );
            breakers.push(breaker.handle());
            probes.push(counts);
        }
        let router = builder
            .rule(
                Rule::any()
                    .named("spread")
                    .to(PROVIDERS)
                    .strategy(Strategy::RoundRobin),
            )
            .failover_policy(FailoverPolicy {
                idempotent: retried_kinds(),
                ..FailoverPolicy::default()
            })
            .seed(seed)
            .build()?;
        Ok(Harness {
            host,
            backend,
            faults,
            breakers,
            probes,
            served,
            restarts,
            opened,
            supervisor,
            router,
        })
    }

    /// The host's client without a cache: trace → retry → router.
    fn client(&self, seed: u64, base_delay: Duration) -> GitClient<GitStack> {
        let stack = ServiceBuilder::new()
            .layer(TraceLayer::new())
            .layer(retry(seed, base_delay))
            .service(self.router.clone());
        client(BoxCloneSyncService::new(stack))
    }

    fn injected(&self) -> Injected {
        let mut total = Injected::default();
        for f in &self.faults {
            let s = f.stats();
            total.calls += s.calls;
            total.errors += s.errors(ErrorKind::Unavailable);
            total.rate_limits += s.errors(ErrorKind::RateLimited);
            total.timeouts += s.injected(mosaic_testing::FaultKind::Timeout);
            total.panics += s.injected(mosaic_testing::FaultKind::Panic);
        }
        total
    }

    fn print_providers(&self) {
        for (i, id) in PROVIDERS.iter().enumerate() {
            let p = &self.probes[i];
            let errors = p.errors.lock().unwrap().clone();
            let opened = self
                .opened
                .lock()
                .unwrap()
                .iter()
                .filter(|(name, _)| name == id)
                .count();
            println!(
                "    {id}: {} calls reached it, {} ok, errors {:?}; breaker opened {opened} times, now {}",
                p.calls.load(Ordering::Relaxed),
                p.ok.load(Ordering::Relaxed),
                errors,
                self.breakers[i].state()
            );
        }
        let inj = self.injected();
        println!(
            "    injected inside the plugins: {} calls, {} unavailable, {} timeouts, {} rate limits, {} panics; plugin restarts by the supervisor: {}",
            inj.calls,
            inj.errors,
            inj.timeouts,
            inj.rate_limits,
            inj.panics,
            self.restarts.load(Ordering::Relaxed)
        );
    }

    /// Every contained panic came back to the stack as a typed `Internal`
    /// error, and nothing below the breakers failed for a reason the test
    /// did not inject.
    fn assert_panics_contained(&self) {
        let inj = self.injected();
        let contained: u64 = self
            .probes
            .iter()
            .map(|p| {
                p.errors
                    .lock()
                    .unwrap()
                    .get("contained panic")
                    .copied()
                    .unwrap_or(0)
            })
            .sum();
        assert_eq!(
            contained, inj.panics,
            "every injected panic is answered as an Internal error"
        );
        if inj.panics > 0 {
            assert!(self.restarts.load(Ordering::Relaxed) > 0);
        }
        for (i, p) in self.probes.iter().enumerate() {
            let other = p.errors.lock().unwrap().get("other").copied().unwrap_or(0);
            assert_eq!(
                other,
                0,
                "{}: failures not caused by the faults, first: {:?}",
                PROVIDERS[i],
                p.first_other.lock().unwrap()
            );
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.supervisor.abort();
    }
}

#[derive(Debug, Default)]
struct Injected {
    calls: u64,
    errors: u64,
    timeouts: u64,
    rate_limits: u64,
    panics: u64,
}

/// The kinds a read is tried again for (elsewhere by the router, later by
/// the retry layer): the transient ones, `NoProvider` (every breaker open
/// for a moment) and `Internal` (a contained provider panic).
fn retried_kinds() -> KindSet {
    KindSet::retryable()
        .with(ErrorKind::NoProvider)
        .with(ErrorKind::Internal)
}

fn retry(seed: u64, base_delay: Duration) -> RetryLayer {
    RetryLayer::new(
        RetryConfig::new()
            .max_attempts(4)
            .base_delay(base_delay)
            .max_delay(base_delay * 20)
            .retry_on(retried_kinds())
            .seed(seed),
    )
}

fn client(stack: GitStack) -> GitClient<GitStack> {
    GitClient::new(stack)
        .with_context(RequestContext::new().with_tenant("acme"))
        .with_timeout(Duration::from_secs(5))
}

fn repo(i: usize) -> RepoRef {
    RepoRef::new("acme", format!("r{}", i % REPOS))
}

/// One read of the mix: repository, branch list, branch, issue list.
async fn read(git: &GitClient<GitStack>, i: usize) -> Result<()> {
    let repo = repo(i / 7);
    match i % 10 {
        0..=3 => git.get_repository(repo).await.map(drop),
        4..=6 => git
            .list_branches(ListBranches {
                repo,
                page: PageRequest::default(),
            })
            .await
            .map(drop),
        7 | 8 => git
            .get_branch(BranchRef {
                repo,
                branch: "main".into(),
            })
            .await
            .map(drop),
        _ => git
            .list_issues(ListIssues {
                repo,
                state: StateFilter::Open,
                ..Default::default()
            })
            .await
            .map(drop),
    }
}

// ---------------------------------------------------------------------------
// driving the load and counting the answers
// ---------------------------------------------------------------------------

/// The answers of one class of requests.
#[derive(Debug, Default)]
struct Class {
    sent: u64,
    ok: u64,
    errors: BTreeMap<ErrorKind, u64>,
}

impl Class {
    fn success(&self) -> f64 {
        if self.sent == 0 {
            1.0
        } else {
            self.ok as f64 / self.sent as f64
        }
    }
}

/// Everything a run observed.
#[derive(Debug)]
struct Tally {
    /// Answers per request (each must be exactly 1).
    answers: Vec<u8>,
    /// Panics that escaped the stack.
    escaped: u64,
    classes: BTreeMap<&'static str, Class>,
    /// Per request, tokio time from call to answer.
    latencies: Vec<Duration>,
    wall: std::time::Duration,
    tokio_time: Duration,
}

impl Tally {
    fn class(&self, name: &str) -> &Class {
        self.classes
            .get(name)
            .unwrap_or_else(|| panic!("no {name} sent"))
    }

    fn percentile(&self, p: f64) -> Duration {
        let mut v = self.latencies.clone();
        v.sort();
        v[((v.len() - 1) as f64 * p).round() as usize]
    }

    /// Every request answered exactly once, no panic escaped.
    fn assert_every_request_answered_once(&self) {
        let unanswered = self.answers.iter().filter(|a| **a == 0).count();
        let repeated = self.answers.iter().filter(|a| **a > 1).count();
        assert_eq!(unanswered, 0, "requests without an answer");
        assert_eq!(repeated, 0, "requests answered twice");
        assert_eq!(self.escaped, 0, "panics escaped the stack");
        let counted: u64 = self
            .classes
            .values()
            .map(|c| c.ok + c.errors.values().sum::<u64>())
            .sum();
        assert_eq!(counted, self.answers.len() as u64);
    }

    fn print(&self, title: &str, concurrency: usize) {
        let n = self.answers.len();
        println!(
            "{title}: {n} requests, {concurrency} at a time, {:.1} s wall clock ({:.0} requests/s, debug build), {:.2} s tokio time",
            self.wall.as_secs_f64(),
            n as f64 / self.wall.as_secs_f64().max(1e-9),
            self.tokio_time.as_secs_f64(),
        );
        for (name, c) in &self.classes {
            println!(
                "    {name}: {} sent, {} ok ({:.3} %), errors {:?}",
                c.sent,
                c.ok,
                100.0 * c.success(),
                c.errors
            );
        }
        println!(
            "    answers: {} exactly once, panics escaped: {}; latency (tokio time) p50 {:?}, p99 {:?}, max {:?}",
            self.answers.iter().filter(|a| **a == 1).count(),
            self.escaped,
            self.percentile(0.50),
            self.percentile(0.99),
            self.percentile(1.0),
        );
    }
}

/// Send requests `0..n`, `concurrency` at a time; `request(i)` names the
/// class of request `i` and makes it. Each answer is counted; a panic that
/// escapes a request is caught here and counted.
async fn drive<F, Fut>(n: usize, concurrency: usize, request: F) -> Tally
where
    F: Fn(usize) -> (&'static str, Fut),
    Fut: Future<Output = Result<()>>,
{
    let tally = RefCell::new(Tally {
        answers: vec![0; n],
        escaped: 0,
        classes: BTreeMap::new(),
        latencies: Vec::with_capacity(n),
        wall: std::time::Duration::ZERO,
        tokio_time: Duration::ZERO,
    });
    let wall = std::time::Instant::now();
    let start = Instant::now();
    futures::stream::iter(0..n)
        .for_each_concurrent(concurrency, |i| {
            let (class, fut) = request(i);
            let tally = &tally;
            async move {
                let sent = Instant::now();
                let out = AssertUnwindSafe(fut).catch_unwind().await;
                let mut t = tally.borrow_mut();
                t.latencies.push(sent.elapsed());
                t.answers[i] += 1;
                let c = t.classes.entry(class).or_default();
                c.sent += 1;
                match out {
                    Ok(Ok(())) => c.ok += 1,
                    Ok(Err(e)) => *c.errors.entry(e.kind()).or_default() += 1,
                    Err(_) => {
                        *c.errors.entry(ErrorKind::Internal).or_default() += 1;
                        t.escaped += 1;
                    }
                }
            }
        })
        .await;
    let mut t = tally.into_inner();
    t.wall = wall.elapsed();
    t.tokio_time = start.elapsed();
    t
}

// ---------------------------------------------------------------------------
// the tests
// ---------------------------------------------------------------------------

/// 100,000 reads through three chaotic providers.
const SOAK_REQUESTS: usize = 100_000;
const CONCURRENCY: usize = 64;

#[tokio::test(start_paused = true)]
async fn soak_100k_requests_through_three_faulty_providers() -> Result<()> {
    let h = Harness::new(1, Mix::PAUSED, PROVIDER_TIMEOUT).await?;
    let git = h.client(1, Duration::from_millis(2));
    let tally = drive(SOAK_REQUESTS, CONCURRENCY, |i| ("read", read(&git, i))).await;

    tally.print("soak", CONCURRENCY);
    h.print_providers();
    tally.assert_every_request_answered_once();
    h.assert_panics_contained();
    let reads = tally.class("read");
    assert!(
        reads.success() >= REQUIRED_SUCCESS,
        "success {:.4} % < 99.9 %",
        100.0 * reads.success()
    );
    // the faults really happened, in about the configured shares
    let inj = h.injected();
    let share = |n: u64| n as f64 / inj.calls as f64;
    assert!((0.18..0.22).contains(&share(inj.errors)), "{inj:?}");
    assert!((0.04..0.06).contains(&share(inj.timeouts)), "{inj:?}");
    assert!((0.015..0.025).contains(&share(inj.rate_limits)), "{inj:?}");
    assert!(inj.panics > 0, "{inj:?}");
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_provider_killed_outright_is_routed_around_within_its_breaker_window() -> Result<()> {
    const N: usize = 20_000;
    const KILL_AT: usize = 4_000;
    const REVIVE_AT: usize = 14_000;
    let h = Harness::new(2, Mix::PAUSED, PROVIDER_TIMEOUT).await?;
    let git = h.client(2, Duration::from_millis(2));
    let dead = 2; // forge-c
    let killed_at = RefCell::new(None);
    let revived_at = RefCell::new(None);
    let tally = drive(N, CONCURRENCY, |i| {
        if i == KILL_AT {
            // connection refused, every call, from now on
            h.faults[dead].set_rules([FaultRule::error(ErrorKind::Unavailable)]);
            h.probes[dead].killed.store(true, Ordering::Relaxed);
            *killed_at.borrow_mut() = Some(Instant::now());
        }
        if i == REVIVE_AT {
            h.probes[dead].killed.store(false, Ordering::Relaxed);
            h.faults[dead].set_rules(Mix::PAUSED.rules());
            *revived_at.borrow_mut() = Some(Instant::now());
        }
        let class = if (KILL_AT..REVIVE_AT).contains(&i) {
            "read while forge-c is dead"
        } else {
            "read"
        };
        (class, read(&git, i))
    })
    .await;
    // let the revived provider's breaker finish probing
    for i in 0..500 {
        read(&git, i).await.ok();
    }

    tally.print("kill", CONCURRENCY);
    h.print_providers();
    let (killed_at, revived_at) = (
        killed_at.into_inner().unwrap(),
        revived_at.into_inner().unwrap(),
    );
    let dead_for = revived_at - killed_at;
    let p = &h.probes[dead];
    let while_closed = p.killed_while_closed.load(Ordering::Relaxed);
    let probes = p.killed_probes.load(Ordering::Relaxed);
    let opened_after_kill = h
        .opened
        .lock()
        .unwrap()
        .iter()
        .find(|(name, at)| name == PROVIDERS[dead] && *at >= killed_at)
        .map(|(_, at)| *at - killed_at);
    println!(
        "    forge-c dead for {dead_for:?} (tokio time): {while_closed} calls reached it before its breaker opened ({opened_after_kill:?} after the kill; window {WINDOW}), then {probes} half-open probes"
    );
    tally.assert_every_request_answered_once();
    h.assert_panics_contained();
    assert!(opened_after_kill.is_some(), "the breaker opened");
    assert!(
        while_closed <= u64::from(WINDOW),
        "the dead provider is routed around within one breaker window"
    );
    let probe_rounds = dead_for.as_nanos() / WAIT_IN_OPEN.as_nanos() + 1;
    assert!(
        u128::from(probes) <= probe_rounds * u128::from(HALF_OPEN_PROBES),
        "while open, only half-open probes reach the dead provider"
    );
    for class in ["read", "read while forge-c is dead"] {
        let c = tally.class(class);
        assert!(
            c.success() >= REQUIRED_SUCCESS,
            "{class}: success {:.4} %",
            100.0 * c.success()
        );
    }
    // revived: it serves again and its breaker closed
    assert!(p.ok.load(Ordering::Relaxed) > 0);
    assert_eq!(h.breakers[dead].state(), CircuitState::Closed);
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn hot_swapping_a_provider_under_chaos_load_loses_nothing() -> Result<()> {
    const N: usize = 30_000;
    let h = Harness::new(3, Mix::PAUSED, PROVIDER_TIMEOUT).await?;
    let git = h.client(3, Duration::from_millis(2));
    let swapped = 1; // forge-b
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let (host, stop) = (h.host.clone(), stop.clone());
        tokio::spawn(async move {
            let (mut reports, mut refused) = (Vec::new(), 0u32);
            let mut k = 1;
            while !stop.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(25)).await;
                k += 1;
                let options =
                    SwapOptions::new().config(serde_json::json!({"label": format!("v{k}")}));
                // a swap is refused while the plugin is failed and being
                // restarted after a contained panic; try again shortly
                loop {
                    match host.swap(PROVIDERS[swapped], options.clone()).await {
                        Ok(r) => {
                            reports.push(r);
                            break;
                        }
                        Err(e) if e.kind() == ErrorKind::Conflict => {
                            refused += 1;
                            tokio::time::sleep(Duration::from_millis(1)).await;
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
            Ok((reports, refused))
        })
    };
    let written = Mutex::new(BTreeSet::new());
    let tally = drive(N, CONCURRENCY, |i| {
        let git = &git;
        let written = &written;
        if i % 10 == 9 {
            let fut = async move {
                let title = format!("w{i}");
                git.create_issue(CreateIssue {
                    repo: repo(i),
                    title: title.clone(),
                    ..Default::default()
                })
                .await?;
                written.lock().unwrap().insert(title);
                Ok(())
            };
            ("write", fut.boxed_local())
        } else {
            ("read", read(git, i).boxed_local())
        }
    })
    .await;
    stop.store(true, Ordering::Relaxed);
    let (reports, refused) = swapper
        .await
        .map_err(|e| Error::internal(e.to_string()))??;

    tally.print("hot swap", CONCURRENCY);
    h.print_providers();
    let served = h.served[swapped].lock().unwrap().clone();
    let generations_serving = served.values().filter(|n| **n > 0).count();
    println!(
        "    forge-b swapped {} times ({} attempts refused while it restarted); instances that served calls: {generations_serving}; slowest drain {:?}",
        reports.len(),
        refused,
        reports.iter().map(|r| r.drain).max().unwrap_or_default()
    );
    tally.assert_every_request_answered_once();
    h.assert_panics_contained();
    assert!(reports.len() >= 20, "swapped {} times", reports.len());
    assert!(
        reports.iter().all(|r| r.drained),
        "every old instance drained"
    );
    assert!(generations_serving >= 20, "{served:?}");
    let reads = tally.class("read");
    assert!(
        reads.success() >= REQUIRED_SUCCESS,
        "reads: success {:.4} %",
        100.0 * reads.success()
    );
    // writes are not retried (a create must not run twice); but every
    // acknowledged one is stored exactly once and nothing else is
    let acknowledged = written.into_inner().unwrap();
    let mut stored = Vec::new();
    for r in 0..REPOS {
        let repo = repo(r);
        let mut n = 1;
        while let Some(issue) = h.backend.issue(&repo, n) {
            stored.push(issue.title);
            n += 1;
        }
    }
    let stored_set: BTreeSet<String> = stored.iter().cloned().collect();
    println!(
        "    writes: {} acknowledged, {} stored",
        acknowledged.len(),
        stored.len()
    );
    assert_eq!(stored.len(), stored_set.len(), "no write stored twice");
    assert_eq!(stored_set, acknowledged, "no write lost, none invented");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redis_tier_stopped_and_restarted_mid_run_loses_nothing() -> Result<()> {
    const N: usize = 20_000;
    const CONC: usize = 32;
    const STOP_AT: usize = N / 3;
    const RESTART_AT: usize = 2 * N / 3;
    let server = Mutex::new(RedisServer::start()?);
    let url = server.lock().unwrap().url();
    // real time: no added latency, short hangs
    let mix = Mix {
        latency: Duration::ZERO,
        hang: Duration::from_millis(20),
    };
    let h = Harness::new(4, mix, Duration::from_secs(2)).await?;
    let store = RedisStore::connect(
        RedisConfig::new(url)
            .with_namespace("chaos")
            .with_command_timeout(Duration::from_millis(200))
            .with_connect_timeout(Duration::from_millis(500))
            .with_reconnect_backoff(Duration::from_millis(20), Duration::from_millis(200)),
    )
    .await?;
    assert!(store.is_connected());
    // a small memory tier, so that many reads go on to Redis
    let cache = CacheLayer::<GitResponse>::with_shared(
        CacheConfig::new()
            .with_ttl(Duration::from_secs(60))
            .with_max_entries(16),
        store.clone(),
    )?;
    let git = client(BoxCloneSyncService::new(
        ServiceBuilder::new()
            .layer(TraceLayer::new())
            .layer(cache.clone())
            .layer(retry(4, Duration::from_millis(1)))
            .service(h.router.clone()),
    ));

    let at_stop = Mutex::new(None);
    let at_restart = Mutex::new(None);
    let stale_reads = AtomicU64::new(0);
    let created = Mutex::new(BTreeSet::new());
    let tally = drive(N, CONC, |i| {
        if i == STOP_AT {
            tokio::task::block_in_place(|| server.lock().unwrap().stop()).expect("redis stops");
            *at_stop.lock().unwrap() = Some(cache.stats().snapshot());
        }
        if i == RESTART_AT {
            tokio::task::block_in_place(|| server.lock().unwrap().restart())
                .expect("redis restarts");
            *at_restart.lock().unwrap() = Some(cache.stats().snapshot());
        }
        let (git, created, stale_reads) = (&git, &created, &stale_reads);
        if i % 20 == 19 {
            // a write, then the writer reads its own write back
            let fut = async move {
                let repo = repo(i);
                let name = format!("b{i}");
                git.create_branch(CreateBranch {
                    repo: repo.clone(),
                    name: name.clone(),
                    from: "main".into(),
                })
                .await?;
                created
                    .lock()
                    .unwrap()
                    .insert((repo.name.clone(), name.clone()));
                let listed = git
                    .list_branches(ListBranches {
                        repo,
                        page: PageRequest {
                            per_page: Some(1_000),
                            ..Default::default()
                        },
                    })
                    .await?;
                if !listed.items.iter().any(|b| b.name == name) {
                    stale_reads.fetch_add(1, Ordering::Relaxed);
                }
                Ok(())
            };
            ("write", fut.boxed_local())
        } else {
            ("read", read(git, i).boxed_local())
        }
    })
    .await;

    // Redis is back: the store reconnects by itself (bounded real wait)
    for _ in 0..300 {
        if store.is_connected() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let connected = store.is_connected();
    // and the shared tier answers again: fill through Redis, forget the
    // memory tier, read again
    let mut shared_hit = false;
    if connected {
        for _ in 0..20 {
            git.get_repository(repo(0)).await?;
            cache.clear_memory();
            let (r, status) = observe(git.get_repository(repo(0))).await;
            r?;
            if status == Some(CacheStatus::Hit(Tier::Shared)) {
                shared_hit = true;
                break;
            }
        }
    }

    tally.print("redis outage", CONC);
    h.print_providers();
    let (before, during, end) = (
        at_stop.into_inner().unwrap().unwrap(),
        at_restart.into_inner().unwrap().unwrap(),
        cache.stats().snapshot(),
    );
    println!(
        "    cache before the outage: {} hits ({} from Redis), {} misses; during: +{} hits, +{} misses, +{} store errors; after: +{} hits ({} from Redis), +{} misses; invalidations {}",
        before.hits,
        before.shared_hits,
        before.misses,
        during.hits - before.hits,
        during.misses - before.misses,
        during.store_errors - before.store_errors,
        end.hits - during.hits,
        end.shared_hits - during.shared_hits,
        end.misses - during.misses,
        end.invalidations
    );
    let stale = stale_reads.load(Ordering::Relaxed);
    let acknowledged = created.into_inner().unwrap();
    let mut stored = BTreeSet::new();
    for r in 0..REPOS {
        let repo = repo(r);
        let listed = h
            .backend
            .list_branches(ListBranches {
                repo: repo.clone(),
                page: PageRequest {
                    per_page: Some(1_000),
                    ..Default::default()
                },
            })
            .await?;
        for b in listed.items.into_iter().filter(|b| b.name != "main") {
            stored.insert((repo.name.clone(), b.name));
        }
    }
    println!(
        "    writes: {} acknowledged, {} stored; reads of one's own write that missed it: {stale}; Redis reconnected: {connected}, shared tier hit after: {shared_hit}",
        acknowledged.len(),
        stored.len()
    );
    tally.assert_every_request_answered_once();
    h.assert_panics_contained();
    let reads = tally.class("read");
    assert!(
        reads.success() >= REQUIRED_SUCCESS,
        "reads: success {:.4} %",
        100.0 * reads.success()
    );
    assert!(
        before.shared_hits > 0,
        "Redis served hits before the outage"
    );
    assert!(
        during.store_errors > before.store_errors,
        "the outage was noticed"
    );
    assert_eq!(stale, 0, "every writer read its own write");
    assert_eq!(stored, acknowledged, "no write lost, none invented");
    assert!(connected, "the store reconnected after the restart");
    assert!(shared_hit, "the shared tier serves hits again");
    Ok(())
}
