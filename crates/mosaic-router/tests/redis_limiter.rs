//! The Redis-backed shared limiter against a real `redis-server`.
#![cfg(feature = "redis")]

mod common;

use std::net::TcpListener;
use std::time::Duration;

use common::*;
use mosaic_core::{ErrorKind, RequestContext};
use mosaic_router::rate_limit::redis::{FailureMode, RedisStore};
use mosaic_router::{Quota, RateLimitConfig, RateLimitLayer};
use mosaic_testing::RedisServer;
use tower::{Layer, ServiceExt};

/// Every call must come back quickly: a hang fails the test instead of stalling it.
const NO_HANG: Duration = Duration::from_secs(10);

fn limited(store: RedisStore, name: &str, quota: Quota, p: &Probe) -> BoxSvc {
    let layer = RateLimitLayer::new(RateLimitConfig::new(name, quota).redis(store));
    BoxSvc::new(layer.layer(p.service(|_| Ok(repo_from("ok")))))
}

async fn call(
    svc: &BoxSvc,
    req: mosaic_core::Request<mosaic_core::git::GitRequest>,
) -> mosaic_core::Result<()> {
    tokio::time::timeout(NO_HANG, svc.clone().oneshot(req))
        .await
        .expect("the limiter answered in time")
        .map(|_| ())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_limiter_instances_draw_from_one_budget() {
    let redis = RedisServer::start().expect("redis-server must be installed");
    // two replicas: separate stores (separate connections), same name
    let (p1, p2) = (Probe::new(), Probe::new());
    let one = limited(
        RedisStore::new(&redis.url()).unwrap(),
        "github",
        Quota::per_hour(5),
        &p1,
    );
    let two = limited(
        RedisStore::new(&redis.url()).unwrap(),
        "github",
        Quota::per_hour(5),
        &p2,
    );
    let mut outcomes = vec![];
    for i in 0..8 {
        let svc = if i % 2 == 0 { &one } else { &two };
        outcomes.push(call(svc, get_repo()).await);
    }
    let admitted = outcomes.iter().filter(|r| r.is_ok()).count();
    assert_eq!(admitted, 5, "{outcomes:?}");
    assert_eq!(p1.count() + p2.count(), 5);
    assert!(p1.count() > 0 && p2.count() > 0, "both replicas served");
    let err = outcomes.last().unwrap().as_ref().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    let after = err.retry_after().unwrap();
    // one request per 720 s comes back
    assert!(
        after > Duration::from_secs(700) && after <= Duration::from_secs(720),
        "{after:?}"
    );

    // another limiter name has its own budget
    let p3 = Probe::new();
    let other = limited(
        RedisStore::new(&redis.url()).unwrap(),
        "gitea",
        Quota::per_hour(5),
        &p3,
    );
    call(&other, get_repo()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_have_their_own_keys() {
    let redis = RedisServer::start().expect("redis-server must be installed");
    let p = Probe::new();
    let cfg = RateLimitConfig::new("pt", Quota::per_hour(1))
        .per_tenant(true)
        .redis(RedisStore::new(&redis.url()).unwrap().prefix("test"));
    let svc = BoxSvc::new(RateLimitLayer::new(cfg).layer(p.service(|_| Ok(repo_from("ok")))));
    let t = |n: &str| get("acme", "tools", RequestContext::new().with_tenant(n));
    call(&svc, t("a")).await.unwrap();
    assert!(call(&svc, t("a")).await.is_err());
    call(&svc, t("b")).await.unwrap();
    let keys = String::from_utf8(redis.command(&["KEYS", "test:*"]).unwrap()).unwrap();
    assert!(
        keys.contains("test:pt:tenant:a") && keys.contains("test:pt:tenant:b"),
        "{keys}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_redis_fails_open_or_closed_without_hanging() {
    // a port nobody listens on: connection refused
    let refused_port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    // a socket that accepts connections but never answers
    let black_hole = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = black_hole.local_addr().unwrap().port();

    for port in [refused_port, silent_port] {
        let url = format!("redis://127.0.0.1:{port}/");
        let store = || {
            RedisStore::new(&url)
                .unwrap()
                .connect_timeout(Duration::from_millis(200))
                .command_timeout(Duration::from_millis(200))
        };
        let p = Probe::new();
        let open = limited(store(), "x", Quota::per_hour(1), &p);
        // fail-open admits, even beyond the quota
        call(&open, get_repo()).await.unwrap();
        call(&open, get_repo()).await.unwrap();
        assert_eq!(p.count(), 2);

        let closed = limited(store().fail_closed(), "x", Quota::per_hour(1), &p);
        let err = call(&closed, get_repo()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable, "port {port}");
        assert!(
            err.to_string()
                .contains("shared rate limiter `x` is unreachable"),
            "{err}"
        );
        assert!(err.to_string().contains("fail-closed"), "{err}");
        assert_eq!(p.count(), 2, "refused calls never reach the provider");
        assert_eq!(store().fail_closed().failure_mode(), FailureMode::Closed);
    }
    drop(black_hole);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_outage_and_recovery() {
    let mut redis = RedisServer::start().expect("redis-server must be installed");
    let p = Probe::new();
    let store = RedisStore::new(&redis.url())
        .unwrap()
        .command_timeout(Duration::from_millis(300))
        .fail_closed();
    let svc = limited(store, "o", Quota::per_second(1000), &p);
    call(&svc, get_repo()).await.unwrap();

    redis.stop().unwrap();
    let err = call(&svc, get_repo()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);

    redis.restart().unwrap();
    // the connection manager reconnects in the background; poll (bounded)
    let mut recovered = false;
    for _ in 0..100 {
        if call(&svc, get_repo()).await.is_ok() {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(recovered, "the limiter works again once Redis is back");
}

#[test]
fn debug_output_hides_the_url() {
    let store = RedisStore::new("redis://:hunter2@127.0.0.1:6379/").unwrap();
    let dbg = format!("{store:?}");
    assert!(!dbg.contains("hunter2"), "{dbg}");
    let err = RedisStore::new("not a url").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
}
