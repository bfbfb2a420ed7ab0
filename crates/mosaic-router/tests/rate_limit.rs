//! Rate limiting on paused time: throw, refill, queue, throttle, deadlines,
//! per-tenant keys.

mod common;

use std::time::Duration;

use common::*;
use mosaic_core::{ErrorKind, RequestContext};
use mosaic_router::{Quota, RateLimitConfig, RateLimitLayer, RateLimitMode};
use tokio::time::Instant;
use tower::{Layer, ServiceExt};

fn ok(p: &Probe) -> BoxSvc {
    p.service(|_| Ok(repo_from("ok")))
}

fn ms(v: &[u64]) -> Vec<Duration> {
    v.iter().map(|m| Duration::from_millis(*m)).collect()
}

#[tokio::test(start_paused = true)]
async fn throw_mode_refuses_with_retry_after_and_refills() {
    let p = Probe::new();
    let svc =
        RateLimitLayer::new(RateLimitConfig::new("forge", Quota::per_second(2))).layer(ok(&p));
    svc.clone().oneshot(get_repo()).await.unwrap();
    svc.clone().oneshot(get_repo()).await.unwrap();
    let err = svc.clone().oneshot(get_repo()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_millis(500)));
    assert!(
        err.to_string().contains("rate limit `forge` exceeded"),
        "{err}"
    );
    assert_eq!(p.count(), 2, "a refused call never reaches the provider");

    // one emission interval later exactly one more fits
    tokio::time::advance(Duration::from_millis(500)).await;
    svc.clone().oneshot(get_repo()).await.unwrap();
    assert!(svc.clone().oneshot(get_repo()).await.is_err());
    // a full period refills the whole burst
    tokio::time::advance(Duration::from_secs(1)).await;
    svc.clone().oneshot(get_repo()).await.unwrap();
    svc.clone().oneshot(get_repo()).await.unwrap();
    assert!(svc.clone().oneshot(get_repo()).await.is_err());
    assert_eq!(p.count(), 5);
}

#[tokio::test(start_paused = true)]
async fn burst_can_be_smaller_than_the_limit() {
    let p = Probe::new();
    let quota = Quota::per_minute(60).with_burst(3);
    let svc = RateLimitLayer::new(RateLimitConfig::new("f", quota)).layer(ok(&p));
    for _ in 0..3 {
        svc.clone().oneshot(get_repo()).await.unwrap();
    }
    let err = svc.clone().oneshot(get_repo()).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
}

#[tokio::test(start_paused = true)]
async fn queue_mode_waits_for_a_slot_up_to_the_maximum() {
    let p = Probe::new();
    let cfg = RateLimitConfig::new("q", Quota::per_second(2)).mode(RateLimitMode::Queue {
        max_wait: Duration::from_millis(700),
    });
    let svc = RateLimitLayer::new(cfg).layer(ok(&p));
    let start = Instant::now();
    let calls: Vec<_> = (0..4)
        .map(|_| tokio::spawn(svc.clone().oneshot(get_repo())))
        .collect();
    let mut results = vec![];
    for c in calls {
        results.push(c.await.unwrap());
    }
    // two at once, one after 500 ms; the fourth would wait 1 s > 700 ms
    assert!(results[..3].iter().all(Result::is_ok));
    let err = results[3].as_ref().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    let offsets: Vec<_> = p.times().iter().map(|t| *t - start).collect();
    assert_eq!(offsets, ms(&[0, 0, 500]));
    // the refused request took no slot: at 500 ms the next one is due at
    // 1 s (it would be 1.5 s, beyond max_wait, had the refused one counted)
    assert_eq!(Instant::now() - start, Duration::from_millis(500));
    let t = Instant::now();
    svc.clone().oneshot(get_repo()).await.unwrap();
    assert_eq!(Instant::now() - t, Duration::from_millis(500));
}

#[tokio::test(start_paused = true)]
async fn throttle_mode_spreads_requests_evenly() {
    let p = Probe::new();
    let cfg = RateLimitConfig::new("t", Quota::per_second(4)).mode(RateLimitMode::Throttle {
        max_wait: Duration::from_secs(10),
    });
    let svc = RateLimitLayer::new(cfg).layer(ok(&p));
    let start = Instant::now();
    let calls: Vec<_> = (0..5)
        .map(|_| tokio::spawn(svc.clone().oneshot(get_repo())))
        .collect();
    for c in calls {
        c.await.unwrap().unwrap();
    }
    let offsets: Vec<_> = p.times().iter().map(|t| *t - start).collect();
    assert_eq!(
        offsets,
        ms(&[0, 250, 500, 750, 1000]),
        "no burst, one per interval"
    );
}

#[tokio::test(start_paused = true)]
async fn waits_never_run_past_the_deadline() {
    let p = Probe::new();
    let cfg = RateLimitConfig::new("d", Quota::per_second(1)).mode(RateLimitMode::Queue {
        max_wait: Duration::from_secs(30),
    });
    let svc = RateLimitLayer::new(cfg).layer(ok(&p));
    svc.clone().oneshot(get_repo()).await.unwrap();
    let start = Instant::now();
    let req = get(
        "acme",
        "tools",
        RequestContext::new().with_timeout(Duration::from_millis(300)),
    );
    let err = svc.clone().oneshot(req).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(Instant::now(), start, "refused at once, not after waiting");
    // with enough time left it waits
    let req = get(
        "acme",
        "tools",
        RequestContext::new().with_timeout(Duration::from_secs(2)),
    );
    svc.clone().oneshot(req).await.unwrap();
    assert_eq!(Instant::now() - start, Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn per_tenant_quotas_are_separate() {
    let p = Probe::new();
    let cfg = RateLimitConfig::new("pt", Quota::per_minute(2)).per_tenant(true);
    let svc = RateLimitLayer::new(cfg).layer(ok(&p));
    let as_tenant = |t: &str| get("acme", "tools", RequestContext::new().with_tenant(t));
    for _ in 0..2 {
        svc.clone().oneshot(as_tenant("a")).await.unwrap();
    }
    assert!(svc.clone().oneshot(as_tenant("a")).await.is_err());
    svc.clone().oneshot(as_tenant("b")).await.unwrap();
    svc.clone().oneshot(as_tenant("b")).await.unwrap();
    assert!(svc.clone().oneshot(as_tenant("b")).await.is_err());
    // requests without a tenant share one more bucket
    svc.clone().oneshot(get_repo()).await.unwrap();

    // without per_tenant everyone shares the quota
    let shared = RateLimitLayer::new(RateLimitConfig::new("s", Quota::per_minute(2))).layer(ok(&p));
    shared.clone().oneshot(as_tenant("a")).await.unwrap();
    shared.clone().oneshot(as_tenant("b")).await.unwrap();
    assert!(shared.clone().oneshot(as_tenant("c")).await.is_err());
}

#[tokio::test(start_paused = true)]
async fn many_tenants_keep_being_limited() {
    let p = Probe::new();
    let cfg = RateLimitConfig::new("many", Quota::per_second(1)).per_tenant(true);
    let svc = RateLimitLayer::new(cfg).layer(ok(&p));
    for i in 0..20_000 {
        let req = get(
            "acme",
            "tools",
            RequestContext::new().with_tenant(format!("t{i}")),
        );
        svc.clone().oneshot(req).await.unwrap();
        if i % 5_000 == 4_999 {
            tokio::time::advance(Duration::from_secs(2)).await;
        }
    }
    // still enforcing for a hot tenant
    let hot = || get("acme", "tools", RequestContext::new().with_tenant("hot"));
    svc.clone().oneshot(hot()).await.unwrap();
    assert!(svc.clone().oneshot(hot()).await.is_err());
}
