//! Overload: callers ten times faster than the provider, and the stack in
//! front of it stays bounded.
//!
//! ```text
//! callers (200/s) → [inside] → bulkhead (4 running + 4 queued, 50 ms)
//!                 → rate limit (20/s, queue up to 60 ms) → timeout (250 ms)
//!                 → [provider] → faults (100 ms each, every 10th call hangs) → forge
//! ```
//!
//! The provider is documented at 20 requests a second and takes 100 ms a
//! call; every tenth call never answers. For three seconds (tokio's paused
//! clock) callers send 200 requests a second, open loop — one every 5 ms,
//! whatever the answers. The test checks what a host needs from its stack
//! when that happens:
//!
//! * **prompt, typed refusals**: a full bulkhead answers `Unavailable`
//!   naming the bulkhead, the limiter `RateLimited` with a `retry_after`,
//!   a hung call `Timeout`; no refusal takes longer than the bulkhead's
//!   queue wait, and no answer longer than the waits and the timeout add up
//!   to;
//! * **bounded memory**: `[inside]` counts the requests parked anywhere in
//!   the stack (their futures pending), `[provider]` those the provider
//!   holds; at no moment are more than the bulkhead's running + queued
//!   inside, nor more than its running ones at the provider;
//! * **nothing hangs**: once the load stops every call has its answer
//!   within that bound, the provider holds nothing (the timeout dropped
//!   the hung calls), and the next call is served.
//!
//! Everything runs on paused time and without randomness, so the figures
//! (printed with `--nocapture`) are the same in every run.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use mosaic_core::git::{GitRequest, GitResponse, GitService, RepoRef};
use mosaic_core::{Error, ErrorKind, Request, Result};
use mosaic_router::{
    Bulkhead, BulkheadConfig, Quota, RateLimitConfig, RateLimitLayer, RateLimitMode, TimeoutConfig,
    TimeoutLayer,
};
use mosaic_testing::{FakeGit, FaultLayer, FaultRule};
use tokio::time::Instant;
use tower::{Layer, Service, ServiceExt};

/// Calls the bulkhead lets run at once.
const MAX_CONCURRENT: usize = 4;
/// Calls that may wait for a bulkhead slot.
const QUEUE: usize = 4;
/// How long a call may wait for a bulkhead slot.
const BULKHEAD_WAIT: Duration = Duration::from_millis(50);
/// The provider's documented rate (requests per second).
const PROVIDER_RATE: u32 = 20;
/// How long a call may wait for the rate limiter.
const RATE_LIMIT_WAIT: Duration = Duration::from_millis(60);
/// The timeout on each provider call.
const TIMEOUT: Duration = Duration::from_millis(250);
/// How long the provider takes to answer.
const PROVIDER_LATENCY: Duration = Duration::from_millis(100);
/// Every n-th provider call never answers.
const HANG_EVERY: u64 = 10;
/// Callers send this many times the provider's rate.
const OVERLOAD: u32 = 10;
/// How long the callers keep it up.
const LOAD_FOR: Duration = Duration::from_secs(3);

// ---------------------------------------------------------------------------
// a gauge of parked requests
// ---------------------------------------------------------------------------

/// How many requests are parked in a service now, and the most ever.
#[derive(Default)]
struct GaugeState {
    now: AtomicUsize,
    max: AtomicUsize,
}

/// Counts a request from the first time its future is pending (it is then
/// held somewhere: a queue, a timer, the provider) until it completes or is
/// dropped. A request answered at once (a refusal) is never counted: it
/// holds nothing.
#[derive(Clone)]
struct Gauge<S> {
    inner: S,
    state: Arc<GaugeState>,
}

/// One counted request; uncounts it when dropped.
struct Parked(Arc<GaugeState>);

impl Parked {
    fn new(state: &Arc<GaugeState>) -> Parked {
        let now = state.now.fetch_add(1, Ordering::SeqCst) + 1;
        state.max.fetch_max(now, Ordering::SeqCst);
        Parked(state.clone())
    }
}

impl Drop for Parked {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T>> + Send>>;

impl<S> Gauge<S> {
    fn new(inner: S) -> (Self, Arc<GaugeState>) {
        let state = Arc::new(GaugeState::default());
        (
            Gauge {
                inner,
                state: state.clone(),
            },
            state,
        )
    }
}

impl<S> Service<Request<GitRequest>> for Gauge<S>
where
    S: Service<Request<GitRequest>, Response = GitResponse, Error = Error>,
    S::Future: Send + 'static,
{
    type Response = GitResponse;
    type Error = Error;
    type Future = BoxFuture<GitResponse>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<GitRequest>) -> Self::Future {
        let mut inner = Box::pin(self.inner.call(request));
        let state = self.state.clone();
        let mut parked: Option<Parked> = None;
        Box::pin(std::future::poll_fn(move |cx| {
            let poll = inner.as_mut().poll(cx);
            if poll.is_pending() && parked.is_none() {
                parked = Some(Parked::new(&state));
            }
            poll
        }))
    }
}

// ---------------------------------------------------------------------------
// the load
// ---------------------------------------------------------------------------

/// How one call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Ok,
    BulkheadFull,
    RateLimited,
    TimedOut,
}

fn classify(result: &Result<GitResponse>) -> Outcome {
    let e = match result {
        Ok(GitResponse::GetRepository(_)) => return Outcome::Ok,
        Ok(other) => panic!("unexpected answer {other:?}"),
        Err(e) => e,
    };
    match e.kind() {
        ErrorKind::Unavailable if e.to_string().contains("bulkhead `forge` is full") => {
            Outcome::BulkheadFull
        }
        ErrorKind::RateLimited => {
            assert!(e.retry_after().is_some(), "a refusal says when: {e}");
            Outcome::RateLimited
        }
        ErrorKind::Timeout => Outcome::TimedOut,
        _ => panic!("an error the stack should not produce: {e:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn an_overloaded_stack_refuses_promptly_stays_bounded_and_drains() {
    // the provider: a forge behind counted faults (deterministic rules: no draws)
    let forge = FakeGit::new();
    forge.seed_repository("acme/tools").create().unwrap();
    let faults = FaultLayer::new(1).rules([
        FaultRule::latency(PROVIDER_LATENCY),
        FaultRule::hang().every(HANG_EVERY),
    ]);
    let (provider, at_provider) = Gauge::new(faults.layer(GitService::new(forge)));

    // the stack in front of it
    let limited = RateLimitLayer::new(
        RateLimitConfig::new("forge", Quota::per_second(PROVIDER_RATE)).mode(
            RateLimitMode::Queue {
                max_wait: RATE_LIMIT_WAIT,
            },
        ),
    )
    .layer(TimeoutLayer::new(TimeoutConfig::new(TIMEOUT)).layer(provider));
    let bulkhead = Bulkhead::new(
        limited,
        BulkheadConfig::new("forge", MAX_CONCURRENT).queue(QUEUE, BULKHEAD_WAIT),
    );
    let (stack, inside) = Gauge::new(bulkhead.clone());

    // callers: 10× the provider's rate, open loop, for LOAD_FOR
    let per_second = PROVIDER_RATE * OVERLOAD;
    let interval = Duration::from_secs(1) / per_second;
    let total = (LOAD_FOR.as_millis() / interval.as_millis()) as usize;
    let started = Instant::now();
    let mut calls = Vec::with_capacity(total);
    for _ in 0..total {
        let svc = stack.clone();
        calls.push(tokio::spawn(async move {
            let sent = Instant::now();
            let request = Request::new(GitRequest::GetRepository(RepoRef::new("acme", "tools")));
            let result = svc.oneshot(request).await;
            (classify(&result), sent.elapsed())
        }));
        tokio::time::sleep(interval).await;
    }
    let load_stopped = Instant::now();

    // nothing hangs: every answer within the longest path through the stack
    let longest = BULKHEAD_WAIT + RATE_LIMIT_WAIT + TIMEOUT;
    let answers = tokio::time::timeout(longest, futures::future::join_all(calls))
        .await
        .expect("every call answered within the stack's bound after the load stopped");
    let drained_after = load_stopped.elapsed();

    let mut counts = std::collections::BTreeMap::<Outcome, usize>::new();
    let mut immediate_refusals = 0;
    for answer in answers {
        let (outcome, took) = answer.expect("no call panicked");
        *counts.entry(outcome).or_default() += 1;
        assert!(took <= longest, "{outcome:?} took {took:?}");
        if matches!(outcome, Outcome::BulkheadFull | Outcome::RateLimited) {
            // refused promptly: at most the bulkhead's queue wait
            assert!(took <= BULKHEAD_WAIT, "{outcome:?} refused after {took:?}");
            if took.is_zero() {
                immediate_refusals += 1;
            }
        }
    }
    let stats = faults.handle().stats();
    println!(
        "{total} calls in {:?} at {per_second}/s against a provider of {PROVIDER_RATE}/s: {counts:?}; \
         {immediate_refusals} refused at once; at most {} parked inside the stack (bound {}), \
         {} at the provider (bound {MAX_CONCURRENT}); provider saw {} calls; drained {drained_after:?} after the load stopped",
        load_stopped - started,
        inside.max.load(Ordering::SeqCst),
        MAX_CONCURRENT + QUEUE,
        at_provider.max.load(Ordering::SeqCst),
        stats.calls,
    );

    // typed refusals of each kind, and work still done
    assert_eq!(counts.values().sum::<usize>(), total);
    for outcome in [
        Outcome::Ok,
        Outcome::BulkheadFull,
        Outcome::RateLimited,
        Outcome::TimedOut,
    ] {
        assert!(
            counts.get(&outcome).copied().unwrap_or(0) > 0,
            "some {outcome:?}: {counts:?}"
        );
    }
    assert!(
        immediate_refusals > 0,
        "a full queue refuses without waiting"
    );
    // the provider got its rate (after one burst), not the callers'
    let quota = Quota::per_second(PROVIDER_RATE);
    let ceiling =
        f64::from(quota.burst()) + (LOAD_FOR + longest).as_secs_f64() * f64::from(PROVIDER_RATE);
    assert!(
        (stats.calls as f64) <= ceiling,
        "the provider saw {} calls, its rate allows {ceiling}",
        stats.calls
    );

    // bounded: never more parked than the bulkhead's slots and queue
    let max_inside = inside.max.load(Ordering::SeqCst);
    assert!(
        max_inside <= MAX_CONCURRENT + QUEUE,
        "{max_inside} requests parked inside the stack"
    );
    assert!(
        max_inside > MAX_CONCURRENT,
        "the load did fill the bulkhead's queue"
    );
    assert!(at_provider.max.load(Ordering::SeqCst) <= MAX_CONCURRENT);

    // drained: nothing held anywhere, and the provider serves the next call
    assert_eq!(inside.now.load(Ordering::SeqCst), 0);
    assert_eq!(
        at_provider.now.load(Ordering::SeqCst),
        0,
        "hung calls were dropped"
    );
    assert_eq!((bulkhead.in_flight(), bulkhead.waiting()), (0, 0));
    faults
        .handle()
        .set_rules([FaultRule::latency(PROVIDER_LATENCY)]);
    let request = Request::new(GitRequest::GetRepository(RepoRef::new("acme", "tools")));
    let served = stack.clone().oneshot(request).await;
    assert_eq!(classify(&served), Outcome::Ok);
}
