//! A routed call that fails carries every attempt it made, in order: the
//! candidate, the kind, the HTTP status, the retry-after and a short
//! message; the error itself stays the last failure.

mod common;

use std::time::Duration;

use common::{BoxSvc, Probe, get_repo, repo_from, who};
use mosaic_core::git::GitRequest;
use mosaic_core::{Error, ErrorKind};
use mosaic_router::Router;
use mosaic_router::router::{HealthFlag, Provider, Rule};
use tower::ServiceExt;
use tower::util::BoxCloneSyncService;

/// A provider failing every call with `error`.
fn failing(probe: &Probe, error: Error) -> BoxSvc {
    probe.service(move |_| Err(error.clone()))
}

fn rate_limited() -> Error {
    Error::rate_limited(Some(Duration::from_secs(2)))
        .with_status(429)
        .with_provider("openai-upstream")
}

fn overloaded() -> Error {
    Error::unavailable("overloaded").with_status(503)
}

fn slow() -> Error {
    Error::timeout("no answer in 10s")
}

fn router(providers: Vec<(&'static str, BoxSvc)>, max_attempts: u32) -> Router<GitRequest, BoxSvc> {
    let names: Vec<&str> = providers.iter().map(|(n, _)| *n).collect();
    let mut b = Router::builder().max_attempts(max_attempts);
    for (name, svc) in providers {
        b = b.provider(name, svc);
    }
    b.rule(Rule::any().to(names)).build().unwrap()
}

#[tokio::test(start_paused = true)]
async fn every_failed_candidate_is_listed_in_order() {
    let (a, b, c) = (Probe::new(), Probe::new(), Probe::new());
    let router = router(
        vec![
            ("gpt", failing(&a, rate_limited())),
            ("claude", failing(&b, overloaded())),
            ("local", failing(&c, slow())),
        ],
        3,
    );

    let err = router.oneshot(get_repo()).await.unwrap_err();

    // The error is the last failure, as before.
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(err.message(), "no answer in 10s");
    assert_eq!(err.provider(), Some("local"));
    assert_eq!((a.count(), b.count(), c.count()), (1, 1, 1));

    let attempts = err.attempts();
    assert_eq!(attempts.len(), 3, "{attempts:?}");
    // The candidate's registered name, not the name the error carried.
    assert_eq!(attempts[0].provider(), "gpt");
    assert_eq!(attempts[0].kind(), ErrorKind::RateLimited);
    assert_eq!(attempts[0].status(), Some(429));
    assert_eq!(attempts[0].retry_after(), Some(Duration::from_secs(2)));
    assert_eq!(attempts[0].message(), "rate limit exceeded");

    assert_eq!(attempts[1].provider(), "claude");
    assert_eq!(attempts[1].kind(), ErrorKind::Unavailable);
    assert_eq!(attempts[1].status(), Some(503));
    assert_eq!(attempts[1].retry_after(), None);
    assert_eq!(attempts[1].message(), "overloaded");

    assert_eq!(attempts[2].provider(), "local");
    assert_eq!(attempts[2].kind(), ErrorKind::Timeout);
    assert_eq!(attempts[2].status(), None);
    assert_eq!(attempts[2].retry_after(), None);
    assert_eq!(attempts[2].message(), "no answer in 10s");

    assert_eq!(
        err.to_string(),
        "local: no answer in 10s; all 3 attempts failed: \
         gpt: rate_limited (HTTP 429, retry after 2s); \
         claude: unavailable (HTTP 503); local: timeout"
    );
}

#[tokio::test(start_paused = true)]
async fn success_after_a_failover_is_no_error() {
    let (a, b) = (Probe::new(), Probe::new());
    let router = router(
        vec![
            ("gpt", failing(&a, overloaded())),
            ("claude", b.service(|_| Ok(repo_from("claude")))),
        ],
        3,
    );
    let resp = router.oneshot(get_repo()).await.unwrap();
    assert_eq!(who(&resp), "claude");
    assert_eq!((a.count(), b.count()), (1, 1));
}

#[tokio::test(start_paused = true)]
async fn the_attempt_limit_lists_only_the_candidates_tried() {
    let (a, b, c) = (Probe::new(), Probe::new(), Probe::new());
    let router = router(
        vec![
            ("gpt", failing(&a, rate_limited())),
            ("claude", failing(&b, overloaded())),
            ("local", failing(&c, slow())),
        ],
        2,
    );
    let err = router.oneshot(get_repo()).await.unwrap_err();
    assert_eq!(c.count(), 0, "the third candidate is past the limit");
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    let tried: Vec<_> = err
        .attempts()
        .iter()
        .map(|a| (a.provider(), a.kind()))
        .collect();
    assert_eq!(
        tried,
        [
            ("gpt", ErrorKind::RateLimited),
            ("claude", ErrorKind::Unavailable)
        ]
    );
    assert!(err.to_string().contains("all 2 attempts failed"), "{err}");
    assert!(!err.to_string().contains("local"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn an_error_that_stops_the_walk_lists_the_attempts_before_it() {
    let (a, b, c) = (Probe::new(), Probe::new(), Probe::new());
    let router = router(
        vec![
            ("gpt", failing(&a, overloaded())),
            (
                "claude",
                failing(&b, Error::not_found("no such repository").with_status(404)),
            ),
            ("local", failing(&c, slow())),
        ],
        3,
    );
    let err = router.oneshot(get_repo()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(c.count(), 0);
    let tried: Vec<_> = err
        .attempts()
        .iter()
        .map(|a| (a.provider(), a.kind(), a.status()))
        .collect();
    assert_eq!(
        tried,
        [
            ("gpt", ErrorKind::Unavailable, Some(503)),
            ("claude", ErrorKind::NotFound, Some(404))
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_single_attempt_is_listed_without_a_summary() {
    let a = Probe::new();
    let router = router(vec![("gpt", failing(&a, overloaded()))], 3);
    let err = router.oneshot(get_repo()).await.unwrap_err();
    assert_eq!(err.attempts().len(), 1);
    assert_eq!(err.attempts()[0].provider(), "gpt");
    assert_eq!(err.attempts()[0].kind(), ErrorKind::Unavailable);
    assert_eq!(err.to_string(), "gpt: overloaded (HTTP 503)");
}

#[tokio::test(start_paused = true)]
async fn skipped_candidates_are_not_attempts() {
    let (a, b) = (Probe::new(), Probe::new());
    let down = HealthFlag::new();
    down.set_healthy(false);
    let router = Router::builder()
        .register(Provider::new("gpt", failing(&a, overloaded())).health(down.clone()))
        .provider("claude", failing(&b, slow()))
        .rule(Rule::any().to(["gpt", "claude"]))
        .build()
        .unwrap();
    let err = router.clone().oneshot(get_repo()).await.unwrap_err();
    assert_eq!(a.count(), 0);
    let names: Vec<_> = err.attempts().iter().map(|a| a.provider()).collect();
    assert_eq!(names, ["claude"]);

    // Nothing tried at all: NoProvider, with no attempts.
    let only_down = Router::builder()
        .register(Provider::new("gpt", failing(&a, overloaded())).health(down))
        .build()
        .unwrap();
    let err = only_down.oneshot(get_repo()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NoProvider);
    assert!(err.attempts().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_nested_routers_attempts_are_listed_in_its_place() {
    let (a, b, c) = (Probe::new(), Probe::new(), Probe::new());
    let inner = router(
        vec![
            ("gpt", failing(&a, rate_limited())),
            ("claude", failing(&b, overloaded())),
        ],
        3,
    );
    let outer: Router<GitRequest, BoxSvc> = Router::builder()
        .provider("cloud", BoxCloneSyncService::new(inner))
        .provider("local", failing(&c, slow()))
        .rule(Rule::any().to(["cloud", "local"]))
        .build()
        .unwrap();
    let err = outer.oneshot(get_repo()).await.unwrap_err();
    let tried: Vec<_> = err
        .attempts()
        .iter()
        .map(|a| (a.provider(), a.kind()))
        .collect();
    assert_eq!(
        tried,
        [
            ("gpt", ErrorKind::RateLimited),
            ("claude", ErrorKind::Unavailable),
            ("local", ErrorKind::Timeout)
        ]
    );
}
