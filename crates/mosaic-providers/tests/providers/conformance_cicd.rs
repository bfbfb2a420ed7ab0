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

const UNSUPPORTED: &str = "unsupported operations answer Unsupported";
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

/// A paused-time provider config: no client timers auto-advance could fire.
macro_rules! no_timeouts {
    ($cfg:expr) => {{
        let mut cfg = $cfg;
        cfg.http.timeout_secs = 0;
        cfg.http.connect_timeout_secs = 0;
        cfg
    }};
}

#[cfg(feature = "github-actions")]
#[tokio::test(start_paused = true)]
async fn github_actions_passes_the_cicd_suite() {
    use mosaic_providers::github_actions::{GitHubActions, GitHubActionsConfig};
    use mosaic_testing::conformance::Outcome;
    use mosaic_testing::double::github_actions::GitHubActionsApi;

    let ci = fake("github-actions");
    let double = HttpDouble::start(GitHubActionsApi::new(ci.clone()))
        .await
        .unwrap();
    let cfg = no_timeouts!(
        GitHubActionsConfig::token("ghp_double")
            .with_base_url(double.base_url())
            .with_default_workflow("ci.yml")
            .with_return_run_details(true)
    );
    let client = crate::paused_client("github-actions", &double.base_url());
    let gh = GitHubActions::with_client(cfg, client).unwrap();

    // the double numbers workflows from 1000 in the order it first sees
    // them; the fake's only definition `ci` is workflow 1000 (`ci.yml`)
    let report = run(
        &gh,
        &CiCdSetup {
            definition: Some("1000".into()),
            ..setup()
        },
    )
    .await;
    // GitHub environments have no external URL (deployments carry one):
    // the adapter refuses a `url`, and the suite's round trip goes on
    // without one
    assert!(report.failures().is_empty(), "{report}");
    assert_eq!(
        report.outcome(ENVIRONMENTS),
        Some(&Outcome::Passed),
        "{report}"
    );
    // every operation is claimed, so nothing is unsupported
    assert_eq!(skipped(&report), vec![UNSUPPORTED], "{report}");

    let reqs = double.requests();
    let api: Vec<Recorded> = reqs
        .iter()
        .filter(|r| !r.target.starts_with("/_storage/"))
        .cloned()
        .collect();
    all_carry(&api, "authorization", "Bearer ghp_double");
    all_carry(&api, "x-github-api-version", "2022-11-28");
    assert!(any_target(&reqs, |r| r.method == "GET"
        && r.target.starts_with("/repos/acme/tools/actions/runs?")
        && r.target.contains("branch=main")
        && r.target.contains("per_page=2")));
    assert!(any_target(&reqs, |r| r.method == "POST"
        && r.target
            == "/repos/acme/tools/actions/workflows/ci.yml/dispatches"
        && r.json.as_ref().is_some_and(|b| b["ref"] == "main")));
    // secrets were sealed, never sent in the clear
    let puts: Vec<&Recorded> = reqs
        .iter()
        .filter(|r| r.method == "PUT" && r.target.contains("/actions/secrets/"))
        .collect();
    assert_eq!(puts.len(), 2);
    for p in puts {
        let body = p.json.as_ref().unwrap();
        assert_eq!(
            body["key_id"],
            mosaic_testing::double::github_actions::PUBLIC_KEY_ID
        );
        assert!(!body.to_string().contains("first-value"));
        assert!(!body.to_string().contains("second-value"));
    }
    // the run logs came from the archive behind the redirect
    assert!(any_target(&reqs, |r| r.target.ends_with("/logs.zip")
        && r.status == 200));
    // the re-run kept the run: as many runs as dispatches
    let dispatches = reqs
        .iter()
        .filter(|r| r.target.ends_with("/dispatches") && r.status == 200)
        .count();
    assert_eq!(dispatches, 3);
    assert_eq!(
        ci.pipelines(PROJECT).len(),
        4,
        "three runs and one re-run attempt"
    );
}

#[cfg(feature = "gitlab-ci")]
#[tokio::test(start_paused = true)]
async fn gitlab_ci_passes_the_cicd_suite() {
    use mosaic_providers::gitlab_ci::{GitLabCi, GitLabCiConfig};
    use mosaic_testing::double::gitlab_ci::GitLabCiApi;

    let ci = fake("gitlab-ci");
    let double = HttpDouble::start(GitLabCiApi::new(ci.clone()))
        .await
        .unwrap();
    let cfg = no_timeouts!(
        GitLabCiConfig::private_token("glpat-double")
            .with_base_url(format!("{}/api/v4", double.base_url()))
    );
    let client = crate::paused_client("gitlab-ci", &double.base_url());
    let gl = GitLabCi::with_client(cfg, client).unwrap();

    let report = run(
        &gl,
        &CiCdSetup {
            definition: Some(".gitlab-ci.yml".into()),
            ..setup()
        },
    )
    .await;
    report.assert_passed();
    assert_eq!(skipped(&report), vec![UNSUPPORTED], "{report}");

    let reqs = double.requests();
    all_carry(&reqs, "private-token", "glpat-double");
    assert!(any_target(&reqs, |r| r.method == "GET"
        && r.target
            .starts_with("/api/v4/projects/acme%2Ftools/pipelines?")
        && r.target.contains("ref=main")
        && r.target.contains("per_page=2")));
    assert!(any_target(&reqs, |r| r.method == "POST"
        && r.target == "/api/v4/projects/acme%2Ftools/pipeline"
        && r.json.as_ref().is_some_and(|b| b["ref"] == "main")));
    // an available environment is stopped before it is deleted
    let stops = reqs
        .iter()
        .filter(|r| r.method == "POST" && r.target.ends_with("/stop"))
        .count();
    let deletes = reqs
        .iter()
        .filter(|r| r.method == "DELETE" && r.target.contains("/environments/") && r.status == 204)
        .count();
    assert_eq!(stops, deletes);
    assert!(deletes >= 6);
    assert!(
        ci.secret_value(PROJECT, None, "MOSAIC_CONFORMANCE_SECRET")
            .is_none()
    );
}

#[cfg(feature = "jenkins")]
#[tokio::test(start_paused = true)]
async fn jenkins_against_the_cicd_suite() {
    use mosaic_providers::jenkins::{Jenkins, JenkinsConfig};
    use mosaic_testing::double::jenkins::{CRUMB, JenkinsApi};

    const MISSING: &str = "pipelines: a missing one is NotFound";
    const LIFECYCLE: &str =
        "pipelines: a created run is fetched, listed once, finishes, with jobs and a complete log";
    const RETRY: &str = "pipelines: retrying a finished run starts a new one";
    const SECRETS: &str = "secrets: create, list without values, update, delete";

    let ci = fake("jenkins");
    let double = HttpDouble::start(JenkinsApi::new(ci.clone()))
        .await
        .unwrap();
    let cfg = no_timeouts!(JenkinsConfig::new(double.base_url(), "mosaic", "api-token"));
    let client = crate::paused_client("jenkins", &double.base_url());
    let jenkins = Jenkins::with_client(cfg, client).unwrap();

    let report = run(&jenkins, &setup()).await;
    let mut failed: Vec<&'static str> = report.failures().iter().map(|c| c.name).collect();
    failed.sort_unstable();
    // KNOWN ADAPTER BUG: `get_pipeline` of an id without a job
    // (`987654321`) is InvalidInput, not NotFound; `list_pipelines` without
    // a `definition` is InvalidInput although `create_pipeline` builds the
    // branch job `reference` of the project, which it could list; and a
    // triggered run's `definition` is the branch job (`ci/main`), not the
    // definition triggered (`ci`).
    assert_eq!(
        failed,
        sorted(vec![MISSING, LIFECYCLE, TRIGGER]),
        "{report}"
    );
    // no remote API for environments and secrets; with the lifecycle
    // failing there is no finished run to retry
    assert_eq!(
        skipped(&report),
        sorted(vec![RETRY, ENVIRONMENTS, ENV_PAGES, SECRETS]),
        "{report}"
    );
    assert_eq!(report.passed().len(), 5, "{report}");

    let reqs = double.requests();
    // HTTP basic for `mosaic:api-token`
    all_carry(&reqs, "authorization", "Basic bW9zYWljOmFwaS10b2tlbg==");
    let posts: Vec<&Recorded> = reqs.iter().filter(|r| r.method == "POST").collect();
    assert!(posts.len() >= 4);
    for p in &posts {
        assert_eq!(
            p.headers.get("jenkins-crumb").and_then(|v| v.to_str().ok()),
            Some(CRUMB)
        );
        assert_ne!(p.status, 403, "{}", p.target);
    }
    let crumbs = reqs
        .iter()
        .filter(|r| r.target == "/crumbIssuer/api/json")
        .count();
    assert_eq!(crumbs, 1, "the crumb is fetched once");
    assert!(any_target(&reqs, |r| r.method == "POST"
        && r.target == "/job/acme/job/tools/job/main/build"
        && r.status == 201));
    assert!(any_target(&reqs, |r| r.method == "POST"
        && r.target == "/job/acme/job/tools/job/ci/job/main/build"
        && r.status == 201));
    // created, cancelled and triggered builds
    assert_eq!(ci.pipelines(PROJECT).len(), 3);
}
