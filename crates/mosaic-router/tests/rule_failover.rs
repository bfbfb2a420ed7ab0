//! A rule's own failover kinds replace the router's policy for the
//! requests it matches (writes keep the router's write safety).

mod common;

use common::*;
use mosaic_core::{Error, ErrorKind};
use mosaic_router::router::{Provider, Rule};
use mosaic_router::{KindSet, Router};
use tower::ServiceExt;

fn router(
    first: &Probe,
    second: &Probe,
    kind: ErrorKind,
    rule: Rule,
) -> Router<mosaic_core::git::GitRequest, BoxSvc> {
    Router::builder()
        .register(Provider::new(
            "a",
            first.service(move |_| Err(Error::new(kind, "down"))),
        ))
        .register(Provider::new("b", second.service(|_| Ok(repo_from("b")))))
        .rule(rule.to(["a", "b"]))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_rules_kinds_decide_failover() {
    // `NotFound` does not move on by default …
    let (a, b) = (Probe::new(), Probe::new());
    let r = router(&a, &b, ErrorKind::NotFound, Rule::any());
    let e = r.oneshot(get_repo()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(b.count(), 0);

    // … but does under a rule that lists it.
    let (a, b) = (Probe::new(), Probe::new());
    let rule = Rule::any().failover_on(KindSet::of([ErrorKind::NotFound]));
    let r = router(&a, &b, ErrorKind::NotFound, rule);
    let resp = r.oneshot(get_repo()).await.unwrap();
    assert_eq!(who(&resp), "b");

    // A rule that leaves out `Unavailable` stops at it.
    let (a, b) = (Probe::new(), Probe::new());
    let rule = Rule::any().failover_on(KindSet::of([ErrorKind::Timeout]));
    let r = router(&a, &b, ErrorKind::Unavailable, rule);
    let e = r.oneshot(get_repo()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert_eq!(b.count(), 0);
}

#[tokio::test]
async fn writes_keep_the_routers_write_safety() {
    // A timeout could mean the create ran: listing it does not make a
    // write move on.
    let (a, b) = (Probe::new(), Probe::new());
    let rule = Rule::any().failover_on(KindSet::of([ErrorKind::Timeout, ErrorKind::CircuitOpen]));
    let r = router(&a, &b, ErrorKind::Timeout, rule.clone());
    let e = r.oneshot(create_repo("x")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(b.count(), 0);
    // A refusal that proves nothing ran still moves on.
    let (a, b) = (Probe::new(), Probe::new());
    let r = router(&a, &b, ErrorKind::CircuitOpen, rule);
    r.oneshot(create_repo("x")).await.unwrap();
    assert_eq!(b.count(), 1);
}
