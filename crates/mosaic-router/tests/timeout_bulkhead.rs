//! Timeout and bulkhead layers on paused time.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use mosaic_core::{ErrorKind, RequestContext};
use mosaic_router::{BulkheadConfig, BulkheadLayer, TimeoutConfig, TimeoutLayer};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tower::{Layer, ServiceExt};

fn sleepy(p: &Probe, d: Duration) -> BoxSvc {
    p.service_async(move |_| async move {
        tokio::time::sleep(d).await;
        Ok(repo_from("ok"))
    })
}

#[tokio::test(start_paused = true)]
async fn default_timeout_and_per_operation_override() {
    let p = Probe::new();
    let cfg = TimeoutConfig::new(Duration::from_secs(2))
        .operation("git.repository.create", Duration::from_secs(5));
    let svc = TimeoutLayer::new(cfg).layer(sleepy(&p, Duration::from_secs(3)));
    let start = Instant::now();
    let err = svc.clone().oneshot(get_repo()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(
        err.to_string()
            .contains("`git.repository.get` did not finish within 2s"),
        "{err}"
    );
    assert_eq!(start.elapsed(), Duration::from_secs(2));
    // creates get 5 s: the 3 s call finishes
    svc.clone().oneshot(create_repo("x")).await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn the_earlier_deadline_wins_and_is_passed_down() {
    let p = Probe::new();
    let svc = TimeoutLayer::of(Duration::from_secs(10)).layer(sleepy(&p, Duration::from_secs(3)));
    let start = Instant::now();
    let req = get(
        "acme",
        "tools",
        RequestContext::new().with_timeout(Duration::from_secs(1)),
    );
    let err = svc.clone().oneshot(req).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(start.elapsed(), Duration::from_secs(1));
    assert_eq!(
        p.contexts.lock()[0].deadline(),
        Some(start + Duration::from_secs(1))
    );

    // without a context deadline the layer's own one is written into the context
    let start = Instant::now();
    let _ = svc.clone().oneshot(get_repo()).await;
    assert_eq!(
        p.contexts.lock()[1].deadline(),
        Some(start + Duration::from_secs(10))
    );
}

#[tokio::test(start_paused = true)]
async fn an_expired_request_is_not_started() {
    let p = Probe::new();
    let svc = TimeoutLayer::deadline_only().layer(sleepy(&p, Duration::ZERO));
    let req = get(
        "acme",
        "tools",
        RequestContext::new().with_deadline(Instant::now()),
    );
    let err = svc.clone().oneshot(req).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(p.count(), 0);
    // deadline-only without a deadline: no bound at all
    let slow = TimeoutLayer::deadline_only().layer(sleepy(&p, Duration::from_secs(3600)));
    slow.oneshot(get_repo()).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn bulkhead_rejects_beyond_its_cap() {
    let p = Probe::new();
    let gate = Arc::new(Semaphore::new(0));
    let g = gate.clone();
    let held = p.service_async(move |_| {
        let g = g.clone();
        async move {
            let _ = g.acquire().await.unwrap();
            Ok(repo_from("ok"))
        }
    });
    let svc = BulkheadLayer::new(BulkheadConfig::new("bh", 2)).layer(held);
    let a = tokio::spawn(svc.clone().oneshot(get_repo()));
    let b = tokio::spawn(svc.clone().oneshot(get_repo()));
    tokio::task::yield_now().await;
    let err = svc.clone().oneshot(get_repo()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert!(err.to_string().contains("bulkhead `bh` is full"), "{err}");
    assert_eq!(p.count(), 2);
    gate.add_permits(2);
    a.await.unwrap().unwrap();
    b.await.unwrap().unwrap();
    gate.add_permits(1);
    svc.clone().oneshot(get_repo()).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn bulkhead_queue_waits_within_bounds() {
    let p = Probe::new();
    let svc = BulkheadLayer::new(BulkheadConfig::new("q", 1).queue(1, Duration::from_secs(2)))
        .layer(sleepy(&p, Duration::from_secs(1)));
    let start = Instant::now();
    let first = tokio::spawn(svc.clone().oneshot(get_repo()));
    let second = tokio::spawn(svc.clone().oneshot(get_repo()));
    tokio::task::yield_now().await;
    // the queue holds one: a third is refused at once
    let err = svc.clone().oneshot(get_repo()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    first.await.unwrap().unwrap();
    second.await.unwrap().unwrap();
    let offsets: Vec<_> = p.times().iter().map(|t| *t - start).collect();
    assert_eq!(
        offsets,
        [Duration::ZERO, Duration::from_secs(1)],
        "the second ran when the first finished"
    );

    // a wait longer than max_wait is refused when it runs out
    let p = Probe::new();
    let svc = BulkheadLayer::new(BulkheadConfig::new("w", 1).queue(4, Duration::from_millis(500)))
        .layer(sleepy(&p, Duration::from_secs(1)));
    let first = tokio::spawn(svc.clone().oneshot(get_repo()));
    tokio::task::yield_now().await;
    let start = Instant::now();
    let err = svc.clone().oneshot(get_repo()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert_eq!(start.elapsed(), Duration::from_millis(500));
    first.await.unwrap().unwrap();
    // and a deadline shorter than max_wait ends the wait earlier
    let first = tokio::spawn(svc.clone().oneshot(get_repo()));
    tokio::task::yield_now().await;
    let start = Instant::now();
    let req = get(
        "acme",
        "tools",
        RequestContext::new().with_timeout(Duration::from_millis(100)),
    );
    svc.clone().oneshot(req).await.unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_millis(100));
    first.await.unwrap().unwrap();
}
