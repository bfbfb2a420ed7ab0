//! Retry layer on paused time: backoff schedule, jitter bounds, retry_after,
//! idempotency, deadlines and the budget.

mod common;

use std::time::Duration;

use common::*;
use mosaic_core::{Error, ErrorKind, RequestContext};
use mosaic_router::{Jitter, KindSet, RetryBudget, RetryConfig, RetryLayer};
use tokio::time::Instant;
use tower::{Layer, ServiceExt};

fn gaps(times: &[Instant]) -> Vec<Duration> {
    times.windows(2).map(|w| w[1] - w[0]).collect()
}

fn ms(v: &[u64]) -> Vec<Duration> {
    v.iter().map(|m| Duration::from_millis(*m)).collect()
}

fn failing(p: &Probe, kind: ErrorKind) -> BoxSvc {
    p.service(move |_| Err(Error::from(kind)))
}

#[tokio::test(start_paused = true)]
async fn exponential_backoff_schedule_without_jitter() {
    let p = Probe::new();
    let cfg = RetryConfig::new()
        .max_attempts(6)
        .base_delay(Duration::from_millis(100))
        .max_delay(Duration::from_millis(1000))
        .jitter(Jitter::None)
        .budget(None);
    let svc = RetryLayer::new(cfg).layer(failing(&p, ErrorKind::Unavailable));
    let start = Instant::now();
    let err = svc.oneshot(get_repo()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert_eq!(p.count(), 6);
    assert_eq!(gaps(&p.times()), ms(&[100, 200, 400, 800, 1000]));
    assert_eq!(
        start.elapsed(),
        Duration::from_millis(2500),
        "no sleep after the last attempt"
    );
}

#[tokio::test(start_paused = true)]
async fn success_after_retries_is_returned() {
    let p = Probe::new();
    let svc = p.service(|n| {
        if n < 2 {
            Err(Error::timeout("slow"))
        } else {
            Ok(repo_from("ok"))
        }
    });
    let svc = RetryLayer::new(RetryConfig::new().jitter(Jitter::None)).layer(svc);
    let resp = svc.oneshot(get_repo()).await.unwrap();
    assert_eq!(who(&resp), "ok");
    assert_eq!(p.count(), 3);
}

#[tokio::test(start_paused = true)]
async fn full_jitter_stays_within_the_exponential_envelope_and_replays() {
    let run = |seed| async move {
        let p = Probe::new();
        let cfg = RetryConfig::new()
            .max_attempts(8)
            .base_delay(Duration::from_millis(100))
            .max_delay(Duration::from_secs(2))
            .jitter(Jitter::Full)
            .budget(None)
            .seed(seed);
        let _ = RetryLayer::new(cfg)
            .layer(failing(&p, ErrorKind::Unavailable))
            .oneshot(get_repo())
            .await;
        gaps(&p.times())
    };
    let a = run(7).await;
    assert_eq!(a.len(), 7);
    for (i, g) in a.iter().enumerate() {
        let cap = Duration::from_millis(100 * (1 << i)).min(Duration::from_secs(2));
        assert!(*g <= cap, "retry {} waited {g:?} > {cap:?}", i + 1);
    }
    assert_eq!(a, run(7).await, "same seed, same delays");
    assert_ne!(a, run(8).await);
}

#[tokio::test(start_paused = true)]
async fn decorrelated_jitter_grows_from_the_previous_delay() {
    let p = Probe::new();
    let cfg = RetryConfig::new()
        .max_attempts(10)
        .base_delay(Duration::from_millis(100))
        .max_delay(Duration::from_secs(5))
        .jitter(Jitter::Decorrelated)
        .budget(None)
        .seed(3);
    let _ = RetryLayer::new(cfg)
        .layer(failing(&p, ErrorKind::Timeout))
        .oneshot(get_repo())
        .await;
    let g = gaps(&p.times());
    let mut prev = Duration::from_millis(100);
    for d in g {
        assert!(
            d >= Duration::from_millis(100) - Duration::from_millis(1),
            "{d:?}"
        );
        assert!(
            d <= (prev * 3)
                .max(Duration::from_millis(100))
                .min(Duration::from_secs(5))
                + Duration::from_millis(1),
            "{d:?} after {prev:?}"
        );
        prev = d;
    }
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured_and_capped() {
    let p = Probe::new();
    let svc = p.service(|n| {
        if n == 0 {
            Err(Error::rate_limited(Some(Duration::from_secs(5))))
        } else {
            Ok(repo_from("ok"))
        }
    });
    let cfg = RetryConfig::new()
        .base_delay(Duration::from_millis(10))
        .jitter(Jitter::None);
    RetryLayer::new(cfg)
        .layer(svc)
        .oneshot(get_repo())
        .await
        .unwrap();
    assert_eq!(gaps(&p.times()), ms(&[5000]));

    // a provider asking for more than max_retry_after is not waited for
    let p = Probe::new();
    let svc = p.service(|_| Err(Error::rate_limited(Some(Duration::from_secs(600)))));
    let err = RetryLayer::new(RetryConfig::new().max_retry_after(Duration::from_secs(60)))
        .layer(svc)
        .oneshot(get_repo())
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(600)));
    assert_eq!(p.count(), 1);
}

#[tokio::test(start_paused = true)]
async fn only_idempotent_operations_and_retryable_kinds_are_retried() {
    let p = Probe::new();
    let layer = RetryLayer::new(RetryConfig::new().jitter(Jitter::None));
    let _ = layer
        .layer(failing(&p, ErrorKind::Unavailable))
        .oneshot(create_repo("x"))
        .await;
    assert_eq!(p.count(), 1, "a create is not repeated");

    let p = Probe::new();
    let layer = RetryLayer::new(
        RetryConfig::new()
            .jitter(Jitter::None)
            .retry_non_idempotent(true),
    );
    let _ = layer
        .layer(failing(&p, ErrorKind::Unavailable))
        .oneshot(create_repo("x"))
        .await;
    assert_eq!(p.count(), 3, "unless configured");

    for kind in [
        ErrorKind::NotFound,
        ErrorKind::InvalidInput,
        ErrorKind::Conflict,
        ErrorKind::Provider,
    ] {
        let p = Probe::new();
        let err = RetryLayer::new(RetryConfig::new())
            .layer(failing(&p, kind))
            .oneshot(get_repo())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), kind);
        assert_eq!(p.count(), 1, "{kind} is not retried");
    }

    let p = Probe::new();
    let cfg = RetryConfig::new()
        .jitter(Jitter::None)
        .retry_on(KindSet::of([ErrorKind::Provider]));
    let _ = RetryLayer::new(cfg)
        .layer(failing(&p, ErrorKind::Provider))
        .oneshot(get_repo())
        .await;
    assert_eq!(p.count(), 3, "the retried kinds are configurable");
}

#[tokio::test(start_paused = true)]
async fn never_sleeps_past_the_deadline() {
    let p = Probe::new();
    let cfg = RetryConfig::new()
        .max_attempts(10)
        .base_delay(Duration::from_millis(100))
        .jitter(Jitter::None)
        .budget(None);
    let start = Instant::now();
    let req = get(
        "acme",
        "tools",
        RequestContext::new().with_timeout(Duration::from_millis(650)),
    );
    let err = RetryLayer::new(cfg)
        .layer(failing(&p, ErrorKind::Unavailable))
        .oneshot(req)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    // attempts at 0, 100, 300; the next would be at 700 > 650: give up at 300
    assert_eq!(p.count(), 3);
    assert_eq!(start.elapsed(), Duration::from_millis(300));

    // a retry_after beyond the deadline ends it too
    let p = Probe::new();
    let svc = p.service(|_| Err(Error::rate_limited(Some(Duration::from_secs(3)))));
    let req = get(
        "acme",
        "tools",
        RequestContext::new().with_timeout(Duration::from_secs(2)),
    );
    let _ = RetryLayer::new(RetryConfig::new())
        .layer(svc)
        .oneshot(req)
        .await
        .unwrap_err();
    assert_eq!(p.count(), 1);
}

#[tokio::test(start_paused = true)]
async fn the_budget_stops_a_retry_storm() {
    // no floor, one retry per two requests
    let budget = RetryBudget::new(Duration::from_secs(10), 0, 0.5);
    let p = Probe::new();
    let cfg = RetryConfig::new()
        .max_attempts(5)
        .base_delay(Duration::from_millis(1))
        .jitter(Jitter::None)
        .budget(Some(budget.clone()));
    let svc = RetryLayer::new(cfg).layer(failing(&p, ErrorKind::Unavailable));
    for _ in 0..20 {
        let _ = svc.clone().oneshot(get_repo()).await;
    }
    // 20 requests earned 10 retries: 30 calls, not 100
    assert_eq!(p.count(), 30);
    assert!(budget.balance() < 1.0);

    // the floor allows retries at low traffic, and deposits expire
    tokio::time::advance(Duration::from_secs(11)).await;
    let floor = RetryBudget::new(Duration::from_secs(1), 2, 0.0);
    let p = Probe::new();
    let cfg = RetryConfig::new()
        .max_attempts(10)
        .base_delay(Duration::from_millis(1))
        .jitter(Jitter::None)
        .budget(Some(floor));
    let _ = RetryLayer::new(cfg)
        .layer(failing(&p, ErrorKind::Unavailable))
        .oneshot(get_repo())
        .await;
    assert_eq!(p.count(), 3, "1 call + the floor's 2 retries");
}
