//! The cost of the test doubles, beside the direct call of the same fake in
//! the same run:
//!
//! * `direct`: `FakeGit::get_repository` called through the trait.
//! * `service`: the same call through `GitService` (the tower bridge).
//! * `fault_layer_idle`: through a `FaultLayer` without rules.
//! * `fault_layer_rules`: through a `FaultLayer` with four matching rules
//!   that never fire (rate 0): the cost of deciding.
//! * `fault_layer_latency`: with a rule adding 1 ms on every call, on
//!   paused tokio time (so only the bookkeeping of the delay is measured).
//!
//! Run: `cargo bench -p mosaic-benches --bench testing -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use mosaic_core::git::{GitProvider, GitRequest, GitService, RepoRef};
use mosaic_core::{ErrorKind, Request};
use mosaic_testing::{FakeGit, FaultLayer, FaultRule};
use tokio::runtime::Runtime;
use tower::{Layer, Service, ServiceExt};

fn runtime(paused: bool) -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(paused)
        .build()
        .expect("runtime")
}

fn fake() -> FakeGit {
    let git = FakeGit::new();
    git.seed_repository("acme/tools").create().expect("seed");
    git
}

fn request() -> Request<GitRequest> {
    Request::new(GitRequest::GetRepository(RepoRef::new("acme", "tools")))
}

fn bench_service<S>(c: &mut Criterion, rt: &Runtime, name: &str, svc: S)
where
    S: Service<Request<GitRequest>> + Clone,
    S::Error: std::fmt::Debug,
{
    c.bench_function(name, |b| {
        b.iter(|| {
            rt.block_on(async {
                let out = svc.clone().oneshot(request()).await.expect("answer");
                black_box(out);
            })
        })
    });
}

fn benches(c: &mut Criterion) {
    let rt = runtime(false);
    let git = fake();
    // no call log: it would grow with every iteration
    git.record_calls(false);
    c.bench_function("testing/direct", |b| {
        b.iter(|| {
            rt.block_on(async {
                let r = git
                    .get_repository(RepoRef::new("acme", "tools"))
                    .await
                    .expect("repo");
                black_box(r);
            })
        })
    });
    bench_service(c, &rt, "testing/service", GitService::new(git.clone()));
    let idle = FaultLayer::new(1).layer(GitService::new(git.clone()));
    bench_service(c, &rt, "testing/fault_layer_idle", idle);
    let rules = FaultLayer::new(1)
        .rules([
            FaultRule::error(ErrorKind::Unavailable).rate(0.0),
            FaultRule::rate_limited(None).on("git.*").rate(0.0),
            FaultRule::timeout(Duration::from_secs(1))
                .on_subject("acme/*")
                .rate(0.0),
            FaultRule::latency(Duration::from_millis(5)).rate(0.0),
        ])
        .layer(GitService::new(git.clone()));
    bench_service(c, &rt, "testing/fault_layer_rules", rules);
    let paused = runtime(true);
    let latency = FaultLayer::new(1)
        .rule(FaultRule::latency(Duration::from_millis(1)))
        .layer(GitService::new(git.clone()));
    bench_service(c, &paused, "testing/fault_layer_latency", latency);
}

criterion_group!(testing, benches);
criterion_main!(testing);
