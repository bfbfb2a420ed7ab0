//! The fault layer: rates, determinism, each fault's behaviour.

use std::time::Duration;

use futures::FutureExt;
use mosaic_core::git::{
    GitClient, GitProvider, GitRequest, GitResponse, GitService, ListRepositories, RepoRef,
};
use mosaic_core::{ErrorKind, Family, Request, RequestContext};
use mosaic_testing::{FakeGit, FaultKind, FaultLayer, FaultRule};
use tower::{Layer, Service, ServiceExt};

fn fake() -> FakeGit {
    let git = FakeGit::new();
    git.seed_repository("acme/tools").create().unwrap();
    git
}

fn get() -> GitRequest {
    GitRequest::GetRepository(RepoRef::new("acme", "tools"))
}

fn list() -> GitRequest {
    GitRequest::ListRepositories(ListRepositories {
        owner: Some("acme".into()),
        ..Default::default()
    })
}

/// Within `sigmas` standard deviations of a binomial(n, p) mean.
fn assert_rate(observed: u64, n: u64, p: f64, what: &str) {
    let mean = n as f64 * p;
    let sd = (n as f64 * p * (1.0 - p)).sqrt();
    let dev = (observed as f64 - mean).abs();
    assert!(
        dev <= 4.0 * sd,
        "{what}: observed {observed} of {n}, expected {mean:.0} ± {:.0} (4σ)",
        4.0 * sd
    );
}

#[tokio::test(start_paused = true)]
async fn injection_rates_match_the_configuration() {
    const N: u64 = 20_000;
    let faults = FaultLayer::new(42).rules([
        FaultRule::error(ErrorKind::Unavailable).rate(0.10),
        FaultRule::rate_limited(Some(Duration::from_secs(1))).rate(0.05),
        FaultRule::error(ErrorKind::Timeout)
            .on("git.repository.list")
            .rate(0.20),
        FaultRule::latency(Duration::from_millis(10)).rate(0.30),
    ]);
    let mut svc = faults.layer(GitService::new(fake()));
    let mut outcomes = std::collections::BTreeMap::<&str, u64>::new();
    for i in 0..N {
        let op = if i % 2 == 0 { get() } else { list() };
        let r = svc.ready().await.unwrap().call(Request::new(op)).await;
        let key = match r {
            Ok(_) => "ok",
            Err(e) => e.kind().as_str(),
        };
        *outcomes.entry(key).or_default() += 1;
    }
    let stats = faults.handle().stats();
    assert_eq!(stats.calls, N);
    assert_rate(stats.errors(ErrorKind::Unavailable), N, 0.10, "unavailable");
    assert_rate(
        stats.errors(ErrorKind::RateLimited),
        N,
        0.05,
        "rate limited",
    );
    // the timeout rule matches only the list half of the calls
    assert_rate(stats.errors(ErrorKind::Timeout), N / 2, 0.20, "timeout");
    assert_rate(stats.injected(FaultKind::Latency), N, 0.30, "latency");
    // what callers saw agrees with the counters
    assert_eq!(
        outcomes["unavailable"],
        stats.errors(ErrorKind::Unavailable)
    );
    assert_eq!(
        outcomes["rate_limited"],
        stats.errors(ErrorKind::RateLimited)
    );
    assert_eq!(outcomes["timeout"], stats.errors(ErrorKind::Timeout));
    assert_eq!(outcomes["ok"], stats.passed);
    assert_eq!(stats.passed + stats.terminal(), N);
    assert_eq!(
        stats.added_latency,
        Duration::from_millis(10) * stats.injected(FaultKind::Latency) as u32
    );
}

async fn outcomes(seed: u64) -> Vec<String> {
    let faults = FaultLayer::new(seed).rules([
        FaultRule::error(ErrorKind::Unavailable).rate(0.3),
        FaultRule::error(ErrorKind::Conflict).rate(0.3),
    ]);
    let git = GitClient::new(faults.layer(GitService::new(fake())));
    let mut out = Vec::new();
    for _ in 0..64 {
        out.push(
            match git.get_repository(RepoRef::new("acme", "tools")).await {
                Ok(_) => "ok".to_owned(),
                Err(e) => e.kind().to_string(),
            },
        );
    }
    out
}

#[tokio::test]
async fn a_seed_replays_the_same_run() {
    let a = outcomes(7).await;
    assert_eq!(a, outcomes(7).await);
    assert_ne!(a, outcomes(8).await);
}

#[tokio::test(start_paused = true)]
async fn deterministic_triggers_and_matching() {
    let faults = FaultLayer::new(0).rules([
        FaultRule::error(ErrorKind::Unavailable)
            .on("git.repository.get")
            .first(2),
        FaultRule::error(ErrorKind::Conflict)
            .on_family(Family::Git)
            .every(3),
        FaultRule::error(ErrorKind::PermissionDenied).on_subject("other/*"),
    ]);
    let git = GitClient::new(faults.layer(GitService::new(fake())));
    let mut kinds = Vec::new();
    for _ in 0..7 {
        kinds.push(
            git.get_repository(RepoRef::new("acme", "tools"))
                .await
                .err()
                .map(|e| e.kind()),
        );
    }
    use ErrorKind::*;
    assert_eq!(
        kinds,
        // rule 0 fires on calls 1-2; rule 1 on calls 3 and 6 (it counts every
        // matching call, including the ones rule 0 took)
        [
            Some(Unavailable),
            Some(Unavailable),
            Some(Conflict),
            None,
            None,
            Some(Conflict),
            None
        ]
    );
    let e = git
        .get_repository(RepoRef::new("other", "x"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), PermissionDenied);
    let stats = faults.handle().stats();
    assert_eq!(stats.fired, vec![2, 2, 1]);
}

#[tokio::test(start_paused = true)]
async fn latency_is_added_on_tokio_time() {
    let faults = FaultLayer::new(1).rules([
        FaultRule::latency(Duration::from_millis(300)),
        FaultRule::latency(Duration::from_millis(200)).on("git.repository.get"),
    ]);
    let git = GitClient::new(faults.layer(GitService::new(fake())));
    let start = tokio::time::Instant::now();
    git.get_repository(RepoRef::new("acme", "tools"))
        .await
        .unwrap();
    assert_eq!(start.elapsed(), Duration::from_millis(500));
}

#[tokio::test(start_paused = true)]
async fn rate_limits_carry_retry_after() {
    let faults = FaultLayer::new(1).rule(FaultRule::rate_limited(Some(Duration::from_secs(30))));
    let git = GitClient::new(faults.layer(GitService::new(fake())));
    let e = git
        .get_repository(RepoRef::new("acme", "tools"))
        .await
        .unwrap_err();
    assert!(e.is_rate_limited());
    assert!(e.is_retryable());
    assert_eq!(e.retry_after(), Some(Duration::from_secs(30)));
}

#[tokio::test(start_paused = true)]
async fn timeouts_wait_then_fail_without_calling_the_provider() {
    let fake = fake();
    let faults = FaultLayer::new(1).rule(FaultRule::timeout(Duration::from_secs(10)));
    let mut svc = faults.layer(GitService::new(fake.clone()));
    let start = tokio::time::Instant::now();
    let e = svc.call(Request::new(get())).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(start.elapsed(), Duration::from_secs(10));
    // a request deadline comes first
    let start = tokio::time::Instant::now();
    let ctx = RequestContext::new().with_timeout(Duration::from_secs(3));
    let e = svc
        .call(Request::with_context(ctx, get()))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(start.elapsed(), Duration::from_secs(3));
    assert!(fake.calls().is_empty());
}

#[tokio::test(start_paused = true)]
async fn hangs_never_answer() {
    let faults = FaultLayer::new(1).rule(FaultRule::hang());
    let mut svc = faults.layer(GitService::new(fake()));
    let r = tokio::time::timeout(Duration::from_secs(3600), svc.call(Request::new(get()))).await;
    assert!(r.is_err(), "a hang must outlive any deadline");
    assert_eq!(faults.handle().stats().injected(FaultKind::Hang), 1);
}

#[tokio::test]
async fn panics_happen_inside_the_future_not_in_call() {
    let faults = FaultLayer::new(1).rule(FaultRule::panic());
    let mut svc = faults.layer(GitService::new(fake()));
    // call itself returns normally
    let fut = svc.call(Request::new(get()));
    let caught = std::panic::AssertUnwindSafe(fut).catch_unwind().await;
    let payload = caught.expect_err("the future must panic");
    let msg = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(msg.contains("git.repository.get"), "{msg}");
    // a spawned call surfaces as a JoinError
    let fut = svc.call(Request::new(get()));
    let joined = tokio::spawn(fut).await;
    assert!(joined.unwrap_err().is_panic());
}

#[tokio::test(start_paused = true)]
async fn outages_start_and_end_through_the_handle() {
    let faults = FaultLayer::new(3);
    let handle = faults.handle();
    let git = GitClient::new(faults.layer(GitService::new(fake())));
    let repo = RepoRef::new("acme", "tools");
    git.get_repository(repo.clone()).await.unwrap();
    handle.set_rules([FaultRule::error(ErrorKind::Unavailable)]);
    assert_eq!(
        git.get_repository(repo.clone()).await.unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    handle.disable();
    git.get_repository(repo.clone()).await.unwrap();
    handle.enable();
    assert!(git.get_repository(repo.clone()).await.is_err());
    handle.clear_rules();
    git.get_repository(repo).await.unwrap();
    let stats = handle.stats();
    assert_eq!((stats.calls, stats.passed), (5, 3));
    handle.reset_stats();
    assert_eq!(handle.stats().calls, 0);
}

#[tokio::test]
async fn responses_pass_through_untouched() {
    let faults = FaultLayer::new(1);
    let mut svc = faults.layer(GitService::new(fake()));
    match svc.call(Request::new(get())).await.unwrap() {
        GitResponse::GetRepository(r) => assert_eq!(r.full_name, "acme/tools"),
        other => panic!("unexpected {other:?}"),
    }
}
