//! Circuit breaker on paused time: windows, thresholds, open → half-open →
//! closed, events, the handle and failure classification.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::*;
use mosaic_core::{Error, ErrorKind};
use mosaic_router::router::HealthCheck;
use mosaic_router::{
    CircuitBreakerConfig, CircuitBreakerLayer, CircuitState, KindSet, SlidingWindow,
};
use tower::{Layer, ServiceExt};

/// A provider that fails while `failing` is set.
fn switchable(p: &Probe, failing: &Arc<AtomicBool>) -> BoxSvc {
    let failing = failing.clone();
    p.service(move |_| {
        if failing.load(Ordering::SeqCst) {
            Err(Error::unavailable("down"))
        } else {
            Ok(repo_from("ok"))
        }
    })
}

fn small(name: &str) -> CircuitBreakerConfig {
    CircuitBreakerConfig::new(name)
        .sliding_window(SlidingWindow::CountBased(4))
        .minimum_calls(4)
        .failure_rate_threshold(50.0)
        .wait_in_open(Duration::from_secs(30))
        .permitted_calls_in_half_open(2)
}

#[tokio::test(start_paused = true)]
async fn opens_at_the_failure_rate_then_probes_then_closes() {
    let p = Probe::new();
    let failing = Arc::new(AtomicBool::new(false));
    let layer = CircuitBreakerLayer::new(small("forge"));
    let handle = layer.handle();
    let mut events = handle.subscribe();
    let svc = layer.layer(switchable(&p, &failing));
    let call = || svc.clone().oneshot(get_repo());

    // 2 successes, 1 failure: below the minimum of 4 calls
    call().await.unwrap();
    call().await.unwrap();
    failing.store(true, Ordering::SeqCst);
    call().await.unwrap_err();
    assert_eq!(handle.state(), CircuitState::Closed);
    assert_eq!(handle.metrics().failure_rate, None, "not enough calls yet");
    // the 4th call makes 2/4 = 50 %: open
    call().await.unwrap_err();
    assert_eq!(handle.state(), CircuitState::Open);
    let ev = events.try_recv().unwrap();
    assert_eq!(
        (ev.from, ev.to, &*ev.breaker),
        (CircuitState::Closed, CircuitState::Open, "forge")
    );

    // refused without reaching the provider, with the wait left
    tokio::time::advance(Duration::from_secs(10)).await;
    let err = call().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CircuitOpen);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(20)));
    assert!(
        err.to_string().contains("circuit breaker `forge` is open"),
        "{err}"
    );
    assert_eq!(p.count(), 4);
    assert!(!handle.health().is_available());
    assert_eq!(handle.metrics().not_permitted_calls, 1);

    // after the wait a call moves it to half-open; 2 probes decide
    tokio::time::advance(Duration::from_secs(20)).await;
    assert!(handle.health().is_available(), "a probe may go");
    failing.store(false, Ordering::SeqCst);
    call().await.unwrap();
    assert_eq!(handle.state(), CircuitState::HalfOpen);
    call().await.unwrap();
    assert_eq!(handle.state(), CircuitState::Closed);
    let seq: Vec<_> = std::iter::from_fn(|| events.try_recv().ok())
        .map(|e| (e.from, e.to))
        .collect();
    assert_eq!(
        seq,
        [
            (CircuitState::Open, CircuitState::HalfOpen),
            (CircuitState::HalfOpen, CircuitState::Closed)
        ]
    );
    // closing starts a fresh window
    assert_eq!(handle.metrics().calls, 0);
}

#[tokio::test(start_paused = true)]
async fn a_failed_probe_opens_again_and_extra_calls_are_refused() {
    let p = Probe::new();
    let failing = Arc::new(AtomicBool::new(true));
    let layer = CircuitBreakerLayer::new(small("b").permitted_calls_in_half_open(1));
    let handle = layer.handle();
    let svc = layer.layer(switchable(&p, &failing));
    for _ in 0..4 {
        let _ = svc.clone().oneshot(get_repo()).await;
    }
    assert_eq!(handle.state(), CircuitState::Open);
    tokio::time::advance(Duration::from_secs(30)).await;

    // hold the single probe in flight: a second call is refused
    let slow_p = Probe::new();
    let gate = Arc::new(tokio::sync::Notify::new());
    let g = gate.clone();
    let slow = layer.layer(slow_p.service_async(move |_| {
        let g = g.clone();
        async move {
            g.notified().await;
            Err(Error::unavailable("still down"))
        }
    }));
    let probe = tokio::spawn(slow.clone().oneshot(get_repo()));
    tokio::task::yield_now().await;
    assert_eq!(handle.state(), CircuitState::HalfOpen);
    let err = svc.clone().oneshot(get_repo()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CircuitOpen);
    assert!(err.to_string().contains("half-open"), "{err}");
    assert!(!handle.health().is_available());

    gate.notify_one();
    probe.await.unwrap().unwrap_err();
    assert_eq!(
        handle.state(),
        CircuitState::Open,
        "the probe failed: open again"
    );
    let err = svc.clone().oneshot(get_repo()).await.unwrap_err();
    assert_eq!(
        err.retry_after(),
        Some(Duration::from_secs(30)),
        "a fresh wait"
    );
}

#[tokio::test(start_paused = true)]
async fn a_dropped_probe_gives_its_permit_back() {
    let layer = CircuitBreakerLayer::new(small("d").permitted_calls_in_half_open(1));
    let handle = layer.handle();
    let p = Probe::new();
    let failing = Arc::new(AtomicBool::new(true));
    let svc = layer.layer(switchable(&p, &failing));
    for _ in 0..4 {
        let _ = svc.clone().oneshot(get_repo()).await;
    }
    tokio::time::advance(Duration::from_secs(30)).await;
    let hang = layer.layer(Probe::new().service_async(|_| std::future::pending()));
    let probe = tokio::spawn(hang.oneshot(get_repo()));
    tokio::task::yield_now().await;
    assert!(!handle.health().is_available());
    probe.abort();
    let _ = probe.await;
    assert!(handle.health().is_available(), "the permit came back");
    failing.store(false, Ordering::SeqCst);
    svc.clone().oneshot(get_repo()).await.unwrap();
    assert_eq!(handle.state(), CircuitState::Closed);
}

#[tokio::test(start_paused = true)]
async fn time_based_window_rolls_old_failures_out() {
    let p = Probe::new();
    let failing = Arc::new(AtomicBool::new(true));
    let cfg = CircuitBreakerConfig::new("t")
        .sliding_window(SlidingWindow::TimeBased(Duration::from_secs(10)))
        .minimum_calls(6)
        .failure_rate_threshold(50.0);
    let layer = CircuitBreakerLayer::new(cfg);
    let handle = layer.handle();
    let svc = layer.layer(switchable(&p, &failing));
    for _ in 0..3 {
        let _ = svc.clone().oneshot(get_repo()).await;
    }
    assert_eq!(handle.metrics().calls, 3);
    tokio::time::advance(Duration::from_secs(5)).await;
    failing.store(false, Ordering::SeqCst);
    svc.clone().oneshot(get_repo()).await.unwrap();
    assert_eq!(handle.metrics().calls, 4);
    // 10 s after the failures they leave the window
    tokio::time::advance(Duration::from_secs(5)).await;
    assert_eq!(handle.metrics().calls, 1);
    for _ in 0..2 {
        svc.clone().oneshot(get_repo()).await.unwrap();
    }
    failing.store(true, Ordering::SeqCst);
    for _ in 0..2 {
        let _ = svc.clone().oneshot(get_repo()).await;
    }
    // 5 calls, 2 failed: the minimum is not reached; one more failure makes 3/6
    assert_eq!(handle.state(), CircuitState::Closed);
    let _ = svc.clone().oneshot(get_repo()).await;
    assert_eq!(handle.state(), CircuitState::Open);
    let m = handle.metrics();
    assert_eq!((m.calls, m.failed_calls), (6, 3));
    assert_eq!(m.failure_rate, Some(50.0));
}

#[tokio::test(start_paused = true)]
async fn slow_calls_open_the_breaker() {
    let p = Probe::new();
    let svc = p.service_async(|n| async move {
        let d = if n % 2 == 0 { 2_000 } else { 10 };
        tokio::time::sleep(Duration::from_millis(d)).await;
        Ok(repo_from("ok"))
    });
    let cfg = small("slow")
        .slow_call_duration(Duration::from_secs(1))
        .slow_call_rate_threshold(50.0);
    let layer = CircuitBreakerLayer::new(cfg);
    let handle = layer.handle();
    let svc = layer.layer(svc);
    for _ in 0..3 {
        svc.clone().oneshot(get_repo()).await.unwrap();
    }
    assert_eq!(handle.state(), CircuitState::Closed);
    assert_eq!(handle.metrics().slow_calls, 2);
    svc.clone().oneshot(get_repo()).await.unwrap();
    assert_eq!(handle.state(), CircuitState::Open, "2 of 4 calls were slow");
}

#[tokio::test(start_paused = true)]
async fn client_errors_do_not_count_and_the_kinds_are_configurable() {
    let p = Probe::new();
    let svc = p.service(|_| Err(Error::not_found("no such repo")));
    let layer = CircuitBreakerLayer::new(small("c"));
    let handle = layer.handle();
    let svc = layer.layer(svc);
    for _ in 0..10 {
        let _ = svc.clone().oneshot(get_repo()).await;
    }
    assert_eq!(handle.state(), CircuitState::Closed);
    assert_eq!(handle.metrics().failed_calls, 0);
    assert_eq!(
        handle.metrics().calls,
        4,
        "answered calls still fill the window"
    );

    let p = Probe::new();
    let cancelled = p.service(|_| Err(Error::from(ErrorKind::Cancelled)));
    let layer = CircuitBreakerLayer::new(small("i"));
    let svc = layer.layer(cancelled);
    for _ in 0..5 {
        let _ = svc.clone().oneshot(get_repo()).await;
    }
    assert_eq!(
        layer.handle().metrics().calls,
        0,
        "cancelled calls are not recorded"
    );

    let p = Probe::new();
    let layer =
        CircuitBreakerLayer::new(small("n").record_failures(KindSet::of([ErrorKind::NotFound])));
    let svc = layer.layer(p.service(|_| Err(Error::not_found("x"))));
    for _ in 0..4 {
        let _ = svc.clone().oneshot(get_repo()).await;
    }
    assert_eq!(layer.handle().state(), CircuitState::Open);
}

#[tokio::test(start_paused = true)]
async fn force_open_and_reset() {
    let p = Probe::new();
    let layer = CircuitBreakerLayer::new(small("f"));
    let handle = layer.handle();
    let svc = layer.layer(p.service(|_| Ok(repo_from("ok"))));
    handle.force_open();
    tokio::time::advance(Duration::from_secs(3600)).await;
    let err = svc.clone().oneshot(get_repo()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CircuitOpen);
    assert_eq!(
        handle.state(),
        CircuitState::ForcedOpen,
        "the wait does not end a forced open"
    );
    handle.reset();
    svc.clone().oneshot(get_repo()).await.unwrap();
    assert_eq!(handle.state(), CircuitState::Closed);
    assert_eq!(p.count(), 1);
}

#[tokio::test(start_paused = true)]
async fn outcomes_from_before_a_state_change_are_ignored() {
    let gate = Arc::new(tokio::sync::Notify::new());
    let g = gate.clone();
    let p = Probe::new();
    let layer = CircuitBreakerLayer::new(small("g"));
    let handle = layer.handle();
    let slow = layer.layer(p.service_async(move |_| {
        let g = g.clone();
        async move {
            g.notified().await;
            Err(Error::unavailable("late"))
        }
    }));
    let late = tokio::spawn(slow.oneshot(get_repo()));
    tokio::task::yield_now().await;
    handle.force_open();
    handle.reset();
    gate.notify_one();
    late.await.unwrap().unwrap_err();
    assert_eq!(
        handle.metrics().calls,
        0,
        "the late failure belongs to an older window"
    );
}
