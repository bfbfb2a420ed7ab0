//! `Router::explain`: the route of an operation *name*, with reasons.

mod common;

use std::sync::Arc;

use common::*;
use mosaic_core::git::{GitOp, GitRequest};
use mosaic_core::{Capabilities, ErrorKind, RequestContext};
use mosaic_router::circuit_breaker::{CircuitBreakerConfig, CircuitBreakerLayer};
use mosaic_router::router::{
    Health, HealthFlag, Mismatch, Provider, RouteExplanation, SkipReason, SkippedRule,
};
use mosaic_router::{Router, RouterBuilder, Rule, Strategy};

fn named(who: &'static str) -> BoxSvc {
    Probe::new().service(move |_| Ok(repo_from(who)))
}

fn builder() -> RouterBuilder<GitRequest, BoxSvc> {
    Router::builder()
}

fn three() -> RouterBuilder<GitRequest, BoxSvc> {
    builder()
        .provider("a", named("a"))
        .provider("b", named("b"))
        .provider("c", named("c"))
}

fn order(e: &RouteExplanation) -> Vec<&str> {
    e.providers().collect()
}

fn plan_order(router: &Router<GitRequest, BoxSvc>) -> Vec<String> {
    router
        .plan(&get_repo())
        .providers()
        .map(str::to_owned)
        .collect()
}

fn only_skip(e: &RouteExplanation) -> &SkippedRule {
    assert_eq!(e.skipped_rules().len(), 1, "{e}");
    &e.skipped_rules()[0]
}

fn ctx() -> RequestContext {
    RequestContext::new()
}

#[test]
fn matches_by_operation_glob_and_names_the_failed_glob() {
    let router = three()
        .rule(
            Rule::any()
                .named("creates")
                .operation("git.*.create")
                .to(["c"]),
        )
        .rule(Rule::any().named("rest").to(["a", "b"]))
        .build()
        .unwrap();

    let e = router
        .explain("git.repository.create", None, &ctx())
        .unwrap();
    assert_eq!(e.rule(), "creates");
    assert!(!e.is_default());
    assert_eq!(order(&e), ["c"]);
    assert!(e.skipped_rules().is_empty());

    let e = router.explain("git.repository.get", None, &ctx()).unwrap();
    assert_eq!(e.rule(), "rest");
    let s = only_skip(&e);
    assert_eq!(s.rule(), "creates");
    assert_eq!(s.mismatch(), &Mismatch::Operation);
    assert_eq!(s.expected(), "git.*.create");
    assert_eq!(s.found(), Some("git.repository.get"));
    assert_eq!(
        s.to_string(),
        r#"skipped rule creates: operation "git.repository.get" does not match "git.*.create""#
    );
}

#[test]
fn access_mismatch_is_told_apart_from_operation_mismatch() {
    let router = three()
        .rule(
            Rule::any()
                .named("repo-writes")
                .operation("git.repository.*")
                .writes()
                .to(["c"]),
        )
        .build()
        .unwrap();

    let e = router.explain("git.repository.get", None, &ctx()).unwrap();
    let s = only_skip(&e);
    assert_eq!(s.mismatch(), &Mismatch::Access);
    assert_eq!((s.expected(), s.found()), ("write", Some("read")));
    assert!(s.to_string().contains("rule takes writes only"), "{s}");

    // a read of another object fails on the operation glob first
    let e = router.explain("git.branch.get", None, &ctx()).unwrap();
    assert_eq!(only_skip(&e).mismatch(), &Mismatch::Operation);

    let e = router
        .explain("git.repository.delete", None, &ctx())
        .unwrap();
    assert_eq!(e.rule(), "repo-writes");
}

#[test]
fn matches_by_subject_and_reports_the_subject_mismatch() {
    let router = three()
        .rule(
            Rule::any()
                .named("internal")
                .subject("acme/internal-*")
                .to(["c"]),
        )
        .rule(Rule::any().named("git").to(["a", "b"]))
        .build()
        .unwrap();

    let e = router
        .explain("git.repository.get", Some("acme/internal-tools"), &ctx())
        .unwrap();
    assert_eq!((e.rule(), order(&e)), ("internal", vec!["c"]));
    assert_eq!(e.subject(), Some("acme/internal-tools"));

    let e = router
        .explain("git.repository.get", Some("acme/x"), &ctx())
        .unwrap();
    assert_eq!(e.rule(), "git");
    let s = only_skip(&e);
    assert_eq!(s.mismatch(), &Mismatch::Subject);
    assert_eq!(
        (s.expected(), s.found()),
        ("acme/internal-*", Some("acme/x"))
    );
    assert_eq!(
        s.to_string(),
        r#"skipped rule internal: subject "acme/x" does not match "acme/internal-*""#
    );

    let e = router.explain("git.repository.get", None, &ctx()).unwrap();
    let s = only_skip(&e);
    assert_eq!((s.mismatch(), s.found()), (&Mismatch::Subject, None));
    assert_eq!(
        s.to_string(),
        r#"skipped rule internal: no subject; the rule wants "acme/internal-*""#
    );
}

#[test]
fn matches_by_tenant_and_label_and_names_the_failing_one() {
    let router = three()
        .rule(
            Rule::any()
                .named("acme-eu")
                .tenant("acme")
                .label("tier", "gold")
                .label("region", "eu-*")
                .to(["b"]),
        )
        .rule(Rule::any().named("rest").to(["a"]))
        .build()
        .unwrap();
    let acme_eu = ctx()
        .with_tenant("acme")
        .with_label("tier", "gold")
        .with_label("region", "eu-west");
    let e = router
        .explain("git.repository.get", None, &acme_eu)
        .unwrap();
    assert_eq!((e.rule(), order(&e)), ("acme-eu", vec!["b"]));

    // wrong tenant
    let other = ctx()
        .with_tenant("globex")
        .with_label("tier", "gold")
        .with_label("region", "eu-west");
    let e = router.explain("git.repository.get", None, &other).unwrap();
    let s = only_skip(&e);
    assert_eq!(e.rule(), "rest");
    assert_eq!(s.mismatch(), &Mismatch::Tenant);
    assert_eq!((s.expected(), s.found()), ("acme", Some("globex")));

    // no tenant at all
    let e = router.explain("git.repository.get", None, &ctx()).unwrap();
    assert_eq!(only_skip(&e).mismatch(), &Mismatch::Tenant);
    assert_eq!(only_skip(&e).found(), None);

    // the second label fails: it is the one named
    let us = ctx()
        .with_tenant("acme")
        .with_label("tier", "gold")
        .with_label("region", "us-east");
    let e = router.explain("git.repository.get", None, &us).unwrap();
    let s = only_skip(&e);
    assert_eq!(s.mismatch(), &Mismatch::Label(Arc::from("region")));
    assert_eq!((s.expected(), s.found()), ("eu-*", Some("us-east")));
    assert_eq!(
        s.to_string(),
        r#"skipped rule acme-eu: label region "us-east" does not match "eu-*""#
    );

    // a missing label
    let missing = ctx().with_tenant("acme").with_label("region", "eu-west");
    let e = router
        .explain("git.repository.get", None, &missing)
        .unwrap();
    let s = only_skip(&e);
    assert_eq!(s.mismatch(), &Mismatch::Label(Arc::from("tier")));
    assert_eq!(s.found(), None);
}

#[test]
fn default_rule_applies_when_nothing_matches() {
    let router = three()
        .rule(Rule::any().named("writes").writes().to(["c"]))
        .rule(Rule::any().named("acme").tenant("acme").to(["b"]))
        .build()
        .unwrap();
    let e = router.explain("git.repository.list", None, &ctx()).unwrap();
    assert!(e.is_default());
    assert_eq!(e.rule(), "default");
    assert_eq!(e.strategy(), Strategy::Failover);
    assert_eq!(order(&e), ["a", "b", "c"]);
    assert_eq!(e.max_attempts(), 3);
    assert_eq!(e.target(), Some("a"));
    assert_eq!(e.note(), None);
    let reasons: Vec<_> = e
        .skipped_rules()
        .iter()
        .map(|s| (s.rule(), s.mismatch().clone()))
        .collect();
    assert_eq!(
        reasons,
        [("writes", Mismatch::Access), ("acme", Mismatch::Tenant)]
    );
    assert!(
        e.to_string()
            .contains("rule default (default rule, failover): a → b → c"),
        "{e}"
    );
}

#[test]
fn explain_agrees_with_plan_on_typed_requests() {
    let router = three()
        .rule(
            Rule::any()
                .named("internal-writes")
                .subject("acme/internal-*")
                .writes()
                .to(["c"]),
        )
        .rule(Rule::any().named("acme").tenant("acme").to(["b", "a"]))
        .rule(Rule::any().named("gets").operation("git.*.get").to(["a"]))
        .build()
        .unwrap();
    let cases = [
        (create_repo("internal-x"), "acme/internal-x"),
        (get("acme", "internal-x", ctx()), "acme/internal-x"),
        (get("acme", "x", ctx().with_tenant("acme")), "acme/x"),
        (create_repo("x"), "acme/x"),
    ];
    for (request, subject) in cases {
        let plan = router.plan(&request);
        let e = router
            .explain(
                mosaic_core::Operation::name(&request.operation),
                Some(subject),
                &request.context,
            )
            .unwrap();
        assert_eq!(e.rule(), plan.rule(), "{e}");
        assert_eq!(order(&e), plan.providers().collect::<Vec<_>>());
    }
}

#[test]
fn round_robin_is_explained_without_advancing_while_plan_advances() {
    let router = three()
        .rule(
            Rule::any()
                .named("spread")
                .to(["a", "b", "c"])
                .strategy(Strategy::RoundRobin),
        )
        .build()
        .unwrap();
    let explain = || {
        router
            .explain("git.repository.get", None, &ctx())
            .unwrap()
            .providers()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let first = explain();
    assert_eq!(first, ["a", "b", "c"]);
    assert_eq!(explain(), first, "explain advanced the counter");
    // the next request gets exactly the explained order, and advances
    assert_eq!(plan_order(&router), first);
    let now = explain();
    assert_eq!(now, ["b", "c", "a"]);
    assert_eq!(explain(), now);
    assert_eq!(plan_order(&router), now);
    let e = router.explain("git.repository.get", None, &ctx()).unwrap();
    assert_eq!(e.strategy(), Strategy::RoundRobin);
    assert!(e.note().is_some_and(|n| n.contains("rotates")));
}

#[test]
fn weighted_round_robin_is_explained_without_advancing() {
    let router = three()
        .rule(
            Rule::any()
                .to_weighted([("a", 2), ("b", 1)])
                .strategy(Strategy::WeightedRoundRobin),
        )
        .build()
        .unwrap();
    for _ in 0..4 {
        let e = router.explain("git.repository.get", None, &ctx()).unwrap();
        let shown: Vec<String> = e.providers().map(str::to_owned).collect();
        assert_eq!(
            router
                .explain("git.repository.get", None, &ctx())
                .unwrap()
                .providers()
                .collect::<Vec<_>>(),
            shown
        );
        assert_eq!(plan_order(&router), shown);
    }
}

#[test]
fn random_and_load_strategies_show_the_declared_order_with_a_note() {
    for strategy in [Strategy::WeightedRandom, Strategy::LeastOutstanding] {
        let router = three()
            .seed(7)
            .rule(Rule::any().to(["c", "a", "b"]).strategy(strategy))
            .build()
            .unwrap();
        for _ in 0..5 {
            let e = router.explain("git.repository.get", None, &ctx()).unwrap();
            assert_eq!(order(&e), ["c", "a", "b"]);
            assert_eq!(e.strategy(), strategy);
            assert!(e.note().is_some(), "{strategy:?}");
        }
    }
}

#[test]
fn unhealthy_and_incapable_candidates_are_reported_as_skipped() {
    let flag = HealthFlag::new();
    flag.set_healthy(false);
    let breaker = CircuitBreakerLayer::new(CircuitBreakerConfig::new("b"));
    breaker.handle().force_open();
    let router = builder()
        .register(Provider::new("a", named("a")).health(flag.clone()))
        .register(Provider::new("b", named("b")).health(breaker.handle()))
        .register(
            Provider::new("c", named("c")).capabilities(Capabilities::of([GitOp::GetRepository])),
        )
        .register(Provider::new("d", named("d")))
        .rule(Rule::any().named("all").to(["a", "b", "c", "d"]))
        .build()
        .unwrap();

    let e = router.explain("git.repository.get", None, &ctx()).unwrap();
    let c = e.candidates();
    assert_eq!(c[0].name(), "a");
    assert!(c[0].is_skipped());
    assert_eq!(
        c[0].skip_reason(),
        Some(&SkipReason::Unhealthy("health check failing".into()))
    );
    assert!(!c[0].health().is_available());
    assert_eq!(
        c[1].skip_reason(),
        Some(&SkipReason::Unhealthy("circuit forced open".into()))
    );
    assert_eq!(c[2].health(), &Health::Available);
    assert!(!c[2].is_skipped());
    assert!(!c[3].is_skipped());
    assert_eq!(e.target(), Some("c"));
    let text = e.to_string();
    assert!(
        text.contains("  a: skipped (health check failing)"),
        "{text}"
    );
    assert!(text.contains("  c: available"), "{text}");

    // c lacks the capability to create
    let e = router
        .explain("git.repository.create", None, &ctx())
        .unwrap();
    assert_eq!(
        e.candidates()[2].skip_reason(),
        Some(&SkipReason::Incapable)
    );
    assert_eq!(e.target(), Some("d"));

    // the flag comes back: a is tried again
    flag.set_healthy(true);
    let e = router.explain("git.repository.get", None, &ctx()).unwrap();
    assert!(!e.candidates()[0].is_skipped());
    assert_eq!(e.target(), Some("a"));
}

#[test]
fn candidates_past_the_attempt_limit_are_marked() {
    let flag = HealthFlag::new();
    flag.set_healthy(false);
    let router = builder()
        .register(Provider::new("a", named("a")).health(flag))
        .provider("b", named("b"))
        .provider("c", named("c"))
        .rule(Rule::any().to(["a", "b", "c"]).max_attempts(1))
        .build()
        .unwrap();
    let e = router.explain("git.repository.get", None, &ctx()).unwrap();
    assert_eq!(e.max_attempts(), 1);
    let reasons: Vec<_> = e
        .candidates()
        .iter()
        .map(|c| c.skip_reason().cloned())
        .collect();
    assert_eq!(
        reasons,
        [
            Some(SkipReason::Unhealthy("health check failing".into())),
            None,
            Some(SkipReason::AttemptLimit),
        ]
    );
}

#[test]
fn no_candidate_left_is_said() {
    let flag = HealthFlag::new();
    flag.set_healthy(false);
    let router = builder()
        .register(Provider::new("a", named("a")).health(flag))
        .build()
        .unwrap();
    let e = router.explain("git.repository.get", None, &ctx()).unwrap();
    assert_eq!(e.target(), None);
    assert!(e.to_string().contains("NoProvider"), "{e}");
}

#[test]
fn unknown_operation_names_are_invalid_input() {
    let router = three().build().unwrap();

    let err = router
        .explain("git.repository.gett", None, &ctx())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let msg = err.to_string();
    assert!(msg.contains("git.repository.gett"), "{msg}");
    assert!(msg.contains("family git"), "{msg}");
    assert!(msg.contains("`git.repository.get`"), "{msg}");

    // an operation of another family says which
    let err = router.explain("ai.chat", None, &ctx()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("family ai"), "{err}");

    let err = router.explain("", None, &ctx()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[test]
fn display_reads_as_an_account() {
    let flag = HealthFlag::new();
    flag.set_healthy(false);
    let router = builder()
        .register(Provider::new("github", named("github")).health(flag))
        .provider("gitea", named("gitea"))
        .rule(
            Rule::any()
                .named("internal")
                .subject("acme/internal-*")
                .to(["gitea"]),
        )
        .rule(Rule::any().named("git").to(["github", "gitea"]))
        .build()
        .unwrap();
    let e = router
        .explain("git.repository.get", Some("acme/x"), &ctx())
        .unwrap();
    assert_eq!(
        e.to_string(),
        "operation git.repository.get, subject \"acme/x\"\n\
         skipped rule internal: subject \"acme/x\" does not match \"acme/internal-*\"\n\
         rule git (failover): github → gitea\n  \
         github: skipped (health check failing)\n  \
         gitea: available\n\
         at most 3 attempts"
    );
}
