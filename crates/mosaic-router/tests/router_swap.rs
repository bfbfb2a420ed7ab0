//! The rule table is swapped 1,000 times while requests flow; every request
//! is answered, and every routing decision comes from one whole table.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use common::*;
use mosaic_core::git::GitRequest;
use mosaic_router::{Router, Rule, Strategy};
use tower::ServiceExt;

/// Table `g` routes everything to providers of group `g` only, through
/// rules named after the group.
fn table(g: &str) -> (Vec<Rule>, Rule) {
    let rules = vec![
        Rule::any()
            .named(format!("{g}-internal"))
            .subject("acme/internal-*")
            .to([format!("{g}1")]),
        Rule::any()
            .named(format!("{g}-reads"))
            .reads()
            .to([format!("{g}2"), format!("{g}1")])
            .strategy(Strategy::RoundRobin),
    ];
    (
        rules,
        Rule::any()
            .named(format!("{g}-default"))
            .to([format!("{g}1")]),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swapping_the_table_under_load_answers_every_request() {
    let probes: Vec<(String, Probe)> = ["A1", "A2", "B1", "B2"]
        .iter()
        .map(|n| (n.to_string(), Probe::new()))
        .collect();
    let mut builder = Router::<GitRequest, BoxSvc>::builder();
    for (name, probe) in &probes {
        let who: &'static str = Box::leak(name.clone().into_boxed_str());
        builder = builder.provider(name.as_str(), probe.service(move |_| Ok(repo_from(who))));
    }
    let (rules, default) = table("A");
    let router = builder.rules(rules).default_rule(default).build().unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for w in 0..4 {
        let (router, stop, answered) = (router.clone(), stop.clone(), answered.clone());
        workers.push(tokio::spawn(async move {
            let mut sent = 0usize;
            let mut seen_groups = [false; 2];
            while !stop.load(Ordering::Relaxed) || sent < 200 {
                let name = if sent.is_multiple_of(2) {
                    "internal-x"
                } else {
                    "tools"
                };
                let req = get("acme", name, mosaic_core::RequestContext::new());
                // every decision is consistent: rule and candidates from one table
                let plan = router.plan(&req);
                let group = &plan.rule()[..1];
                assert!(
                    plan.providers().all(|p| p.starts_with(group)),
                    "worker {w}: rule {} with candidates {:?}",
                    plan.rule(),
                    plan.providers().collect::<Vec<_>>()
                );
                let resp = router
                    .clone()
                    .oneshot(req)
                    .await
                    .expect("every request is answered");
                seen_groups[usize::from(who(&resp).starts_with('B'))] = true;
                sent += 1;
                answered.fetch_add(1, Ordering::Relaxed);
                if sent.is_multiple_of(16) {
                    tokio::task::yield_now().await;
                }
            }
            (sent, seen_groups)
        }));
    }

    for i in 0..1000 {
        let (rules, default) = table(if i % 2 == 0 { "B" } else { "A" });
        router.replace_rules(rules, Some(default)).unwrap();
        if i % 8 == 0 {
            tokio::task::yield_now().await;
        }
    }
    stop.store(true, Ordering::Relaxed);

    let mut total = 0;
    for w in workers {
        let (sent, _) = w.await.unwrap();
        total += sent;
    }
    let calls: usize = probes.iter().map(|(_, p)| p.count()).sum();
    assert_eq!(
        calls, total,
        "one provider call per request, no loss, no duplicate"
    );
    assert_eq!(answered.load(Ordering::Relaxed), total);
    // the last table (i = 999 → "A") is in force
    assert_eq!(router.plan(&get_repo()).rule(), "A-reads");
    assert!(
        probes
            .iter()
            .any(|(n, p)| n.starts_with('B') && p.count() > 0),
        "swaps took effect"
    );
}
