//! The CI/CD conformance suite of `mosaic-testing`, run through each CI/CD
//! adapter against a stateful HTTP double of its provider's API
//! (`mosaic_testing::double`) backed by a fresh [`FakeCiCd`], on paused
//! tokio time (the suite's polls advance the fake's pipelines).
//!
//! Each test also asserts which checks were skipped (exactly those the
//! provider cannot support) and a few of the requests the adapter sent.

use std::sync::Arc;

use mosaic_testing::FakeCiCd;
use mosaic_testing::conformance::Report;
use mosaic_testing::conformance::cicd::{CiCdSetup, run};
use mosaic_testing::double::{HttpDouble, Recorded};

const PROJECT: &str = "acme/tools";

fn setup() -> CiCdSetup {
    CiCdSetup {
        project: PROJECT.into(),
        ..CiCdSetup::default()
    }
}

/// A fake with the suite's project (ref `main`, definition `ci`).
fn fake(name: &str) -> Arc<FakeCiCd> {
    let ci = Arc::new(FakeCiCd::named(name));
    ci.seed_project(PROJECT).create().unwrap();
    ci
}

/// The names of the skipped checks, sorted.
fn skipped(report: &Report) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = report.skipped().iter().map(|c| c.name).collect();
    v.sort_unstable();
    v
}

fn sorted(mut v: Vec<&'static str>) -> Vec<&'static str> {
    v.sort_unstable();
    v
}

/// Every request carried `header: value`.
fn all_carry(requests: &[Recorded], header: &str, value: &str) {
    assert!(!requests.is_empty());
    for r in requests {
        assert_eq!(
            r.headers.get(header).and_then(|v| v.to_str().ok()),
            Some(value),
            "{} {} without `{header}: {value}`",
            r.method,
            r.target
        );
    }
}

fn any_target(requests: &[Recorded], pred: impl Fn(&Recorded) -> bool) -> bool {
    requests.iter().any(pred)
}

const DEFINITIONS: &str = "definitions: listed ones can be fetched";
const TRIGGER: &str = "pipelines: a triggered run runs its definition";
const ENVIRONMENTS: &str =
    "environments: create, list, update, delete; duplicates Conflict; empty names InvalidInput";
const ENV_PAGES: &str = "environments: pagination walks every environment exactly once";

#[cfg(feature = "woodpecker")]
#[tokio::test(start_paused = true)]
async fn woodpecker_passes_the_cicd_suite() {
    use mosaic_providers::woodpecker::{Woodpecker, WoodpeckerConfig};
    use mosaic_testing::double::woodpecker::WoodpeckerApi;

    let ci = fake("woodpecker");
    let double = HttpDouble::start(WoodpeckerApi::new(ci.clone()))
        .await
        .unwrap();
    let mut cfg = WoodpeckerConfig::new(double.base_url(), "wp-token");
    cfg.http.timeout_secs = 0;
    cfg.http.connect_timeout_secs = 0;
    let client = crate::paused_client("woodpecker", &double.base_url());
    let wp = Woodpecker::with_client(cfg, client).unwrap();

    let report = run(&wp, &setup()).await;
    report.assert_passed();
    // Woodpecker has no API for definitions (so no trigger by definition)
    // nor environments
    assert_eq!(
        skipped(&report),
        sorted(vec![DEFINITIONS, TRIGGER, ENVIRONMENTS, ENV_PAGES]),
        "{report}"
    );

    let reqs = double.requests();
    all_carry(&reqs, "authorization", "Bearer wp-token");
    // the repository is looked up once, then addressed by id
    let lookups = reqs
        .iter()
        .filter(|r| r.target == "/api/repos/lookup/acme/tools")
        .count();
    assert_eq!(lookups, 1);
    assert!(any_target(&reqs, |r| r.method == "GET"
        && r.target.starts_with("/api/repos/1/pipelines?")
        && r.target.contains("perPage=2")));
    assert!(any_target(&reqs, |r| r.method == "POST"
        && r.target == "/api/repos/1/pipelines"
        && r.json.as_ref().is_some_and(|b| b["branch"] == "main")));
    assert!(any_target(&reqs, |r| r.method == "GET"
        && r.target.starts_with("/api/repos/1/logs/1/")));
    // created, cancelled and restarted runs all live in the fake
    assert_eq!(ci.pipelines(PROJECT).len(), 3);
    assert!(
        ci.secret_value(PROJECT, None, "MOSAIC_CONFORMANCE_SECRET")
            .is_none()
    );
}
