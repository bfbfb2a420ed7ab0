//! GitHub Actions against a local mock server: every operation's request
//! (method, path, query, headers, body) and parsed result, dispatch run
//! lookup on paused time, log archives behind redirects, sealed-box
//! secrets opened with the test key pair, status table, error mapping,
//! pagination, malformed bodies and the plugin manifest.
#![cfg(feature = "github-actions")]

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

use base64::Engine as _;
use futures::StreamExt;
use mosaic_core::cicd::*;
use mosaic_core::page::paginate;
use mosaic_core::{ErrorKind, OpKind, PageRequest, Secret};
use mosaic_providers::ci::PollSettings;
use mosaic_providers::github_actions::{
    self, GitHubActions, GitHubActionsConfig, STATUSES, seal_secret,
};
use proptest::prelude::*;
use serde_json::{Value, json};
use wiremock::matchers::{
    body_json, header, header_exists, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const R: &str = "/repos/octo-org/octo-repo";
const PROJECT: &str = "octo-org/octo-repo";
const SHA: &str = "acb5820ced9479c074f688cc328bf03f341a511d";

fn config(s: &MockServer) -> GitHubActionsConfig {
    GitHubActionsConfig::token("ghp_testtoken").with_base_url(s.uri())
}

fn provider(s: &MockServer) -> GitHubActions {
    GitHubActions::new(config(s)).unwrap()
}

/// A provider whose allowlist also holds the storage server (as the
/// plugin manifest lists the real storage hosts).
fn storage_provider(api: &MockServer, storage: &MockServer) -> GitHubActions {
    GitHubActions::with_client(
        config(api),
        crate::allowing("github-actions", &[api, storage]),
    )
    .unwrap()
}

/// For paused-time tests: no client timers that auto-advance could fire.
fn paused_provider(s: &MockServer, cfg: GitHubActionsConfig) -> GitHubActions {
    let mut cfg = cfg.with_base_url(s.uri());
    cfg.http.timeout_secs = 0;
    cfg.http.connect_timeout_secs = 0;
    let client = crate::paused_client("github-actions", &s.uri());
    GitHubActions::with_client(cfg, client).unwrap()
}

fn ok(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(v)
}

fn run_json(id: u64, status: &str, conclusion: Option<&str>) -> Value {
    json!({
        "id": id, "name": "Build", "node_id": "MDEyOldvcmtmbG93IFJ1bjI2OTI4OQ==", "check_suite_id": 42,
        "head_branch": "main", "head_sha": SHA, "path": ".github/workflows/build.yml@main",
        "run_number": 562, "event": "push", "display_title": "Update README.md",
        "status": status, "conclusion": conclusion, "workflow_id": 159038,
        "url": format!("https://api.github.com{R}/actions/runs/{id}"),
        "html_url": format!("https://github.com/octo-org/octo-repo/actions/runs/{id}"),
        "pull_requests": [], "created_at": "2020-01-22T19:33:08Z", "updated_at": "2020-01-22T19:40:08Z",
        "run_attempt": 1, "run_started_at": "2020-01-22T19:33:08Z",
        "jobs_url": "x", "logs_url": "x", "check_suite_url": "x", "artifacts_url": "x",
        "cancel_url": "x", "rerun_url": "x", "workflow_url": "x", "head_commit": null,
        "repository": {"id": 1}, "head_repository": {"id": 1}
    })
}

fn dispatch_run_json(id: u64) -> Value {
    let mut r = run_json(id, "queued", None);
    r["event"] = json!("workflow_dispatch");
    r
}

fn job_json(id: u64, run_id: u64, name: &str, status: &str, conclusion: Option<&str>) -> Value {
    json!({
        "id": id, "run_id": run_id, "run_url": format!("https://api.github.com{R}/actions/runs/{run_id}"),
        "node_id": "MDEyOldvcmtmbG93IEpvYjM5OTQ0NDQ5Ng==", "head_sha": SHA,
        "url": format!("https://api.github.com{R}/actions/jobs/{id}"),
        "html_url": format!("https://github.com/octo-org/octo-repo/runs/{run_id}/jobs/{id}"),
        "status": status, "conclusion": conclusion, "started_at": "2020-01-20T17:42:40Z",
        "completed_at": if conclusion.is_some() { json!("2020-01-20T17:44:39Z") } else { json!(null) },
        "name": name, "steps": [], "check_run_url": "x", "labels": ["ubuntu-latest"],
        "runner_id": 1, "runner_name": "my runner", "runner_group_id": 2, "runner_group_name": "g",
        "workflow_name": "Build", "head_branch": "main", "created_at": "2020-01-20T17:42:30Z"
    })
}

fn workflow_json(id: u64, name: &str, state: &str) -> Value {
    json!({
        "id": id, "node_id": "MDg6V29ya2Zsb3cxNjEzMzU=", "name": name,
        "path": format!(".github/workflows/{}.yaml", name.to_lowercase()), "state": state,
        "created_at": "2020-01-08T23:48:37.000-08:00", "updated_at": "2020-01-08T23:50:21.000-08:00",
        "url": format!("https://api.github.com{R}/actions/workflows/{id}"),
        "html_url": format!("https://github.com/octo-org/octo-repo/blob/master/.github/workflows/{id}"),
        "badge_url": "https://github.com/octo-org/octo-repo/workflows/CI/badge.svg"
    })
}

fn env_json(id: u64, name: &str) -> Value {
    json!({
        "id": id, "node_id": "MDExOkVudmlyb25tZW50MTYxMDg4MDY4", "name": name,
        "url": format!("https://api.github.com{R}/environments/{name}"),
        "html_url": "https://github.com/octo-org/octo-repo/deployments/activity_log?environments_filter=staging",
        "created_at": "2020-11-23T22:00:40Z", "updated_at": "2020-11-23T22:00:40Z",
        "protection_rules": [{"id": 3736, "node_id": "MDQ6R2F0ZTM3MzY=", "type": "wait_timer", "wait_timer": 30}],
        "deployment_branch_policy": null
    })
}

fn zip_of(files: &[(&str, &str)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in files {
        w.start_file(*name, opts).unwrap();
        w.write_all(text.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[tokio::test]
async fn workflows_are_definitions() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/actions/workflows")))
        .and(query_param("per_page", "30"))
        .and(header("authorization", "Bearer ghp_testtoken"))
        .and(header("accept", "application/vnd.github+json"))
        .and(header("x-github-api-version", "2022-11-28"))
        .respond_with(ok(json!({"total_count": 2, "workflows": [
            workflow_json(161335, "CI", "active"), workflow_json(269289, "Linter", "disabled_manually")
        ]})))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/actions/workflows/ci.yaml")))
        .respond_with(ok(workflow_json(161335, "CI", "active")))
        .expect(1)
        .mount(&s)
        .await;
    let gh = provider(&s);
    let page = gh
        .list_definitions(ListDefinitions {
            project: PROJECT.into(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(page.total, Some(2));
    assert!(!page.has_next());
    assert_eq!(
        page.items[0],
        PipelineDefinition {
            id: "161335".into(),
            name: "CI".into(),
            path: Some(".github/workflows/ci.yaml".into()),
            enabled: true,
            web_url: Some(
                "https://github.com/octo-org/octo-repo/blob/master/.github/workflows/161335".into()
            ),
        }
    );
    assert!(!page.items[1].enabled);
    let d = gh
        .get_definition(DefinitionRef {
            project: PROJECT.into(),
            id: "ci.yaml".into(),
        })
        .await
        .unwrap();
    assert_eq!(d.id, "161335");
}

#[tokio::test]
async fn dispatch_with_run_details_returns_the_run() {
    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{R}/actions/workflows/deploy.yml/dispatches")))
        .and(body_json(json!({"ref": "release", "inputs": {"env": "prod", "dry_run": "false"}, "return_run_details": true})))
        .respond_with(ok(json!({
            "workflow_run_id": 30433642,
            "run_url": format!("https://api.github.com{R}/actions/runs/30433642"),
            "html_url": "https://github.com/octo-org/octo-repo/actions/runs/30433642"
        })))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/actions/runs/30433642")))
        .respond_with(ok(dispatch_run_json(30433642)))
        .expect(1)
        .mount(&s)
        .await;
    let gh = GitHubActions::new(config(&s).with_return_run_details(true)).unwrap();
    let run = gh
        .trigger_pipeline(TriggerPipeline {
            project: PROJECT.into(),
            definition: "deploy.yml".into(),
            reference: Some("release".into()),
            inputs: BTreeMap::from([
                ("env".to_owned(), "prod".to_owned()),
                ("dry_run".to_owned(), "false".to_owned()),
            ]),
        })
        .await
        .unwrap();
    assert_eq!(run.id, "30433642");
    assert_eq!(run.status, PipelineStatus::Queued);
    assert_eq!(run.event.as_deref(), Some("workflow_dispatch"));
}

#[tokio::test(start_paused = true)]
async fn dispatch_without_run_details_finds_the_new_run_by_polling() {
    let s = MockServer::start().await;
    let runs_path = format!("{R}/actions/workflows/ci.yml/runs");
    // before the dispatch: run 10 exists
    Mock::given(method("GET"))
        .and(path(&runs_path))
        .and(query_param("event", "workflow_dispatch"))
        .and(query_param("branch", "main"))
        .and(query_param_is_missing("created"))
        .respond_with(ok(
            json!({"total_count": 1, "workflow_runs": [dispatch_run_json(10)]}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{R}/actions/workflows/ci.yml/dispatches")))
        .and(body_json(json!({"ref": "main"})))
        .respond_with(
            ResponseTemplate::new(204).insert_header("date", "Wed, 22 Jan 2020 19:33:08 GMT"),
        )
        .expect(1)
        .mount(&s)
        .await;
    // two looks see nothing new, the third sees runs 12 and 11
    Mock::given(method("GET"))
        .and(path(&runs_path))
        .and(query_param("created", ">=2020-01-22T19:33:03Z"))
        .respond_with(ok(
            json!({"total_count": 1, "workflow_runs": [dispatch_run_json(10)]}),
        ))
        .up_to_n_times(2)
        .expect(2)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(&runs_path))
        .and(query_param("created", ">=2020-01-22T19:33:03Z"))
        .respond_with(ok(json!({"total_count": 3, "workflow_runs": [
            dispatch_run_json(12), dispatch_run_json(11), dispatch_run_json(10)
        ]})))
        .expect(1)
        .mount(&s)
        .await;
    let gh = paused_provider(
        &s,
        GitHubActionsConfig::token("t")
            .with_return_run_details(false)
            .with_dispatch_poll(PollSettings::new(
                Duration::from_secs(2),
                Duration::from_secs(30),
            )),
    );
    let start = tokio::time::Instant::now();
    let run = gh
        .trigger_pipeline(TriggerPipeline {
            project: PROJECT.into(),
            definition: "ci.yml".into(),
            reference: Some("main".into()),
            inputs: BTreeMap::new(),
        })
        .await
        .unwrap();
    assert_eq!(run.id, "11", "the oldest run not seen before the dispatch");
    assert_eq!(start.elapsed(), Duration::from_secs(4));
}

#[tokio::test(start_paused = true)]
async fn a_run_that_never_appears_is_a_timeout_and_the_default_branch_is_used() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(R))
        .respond_with(ok(
            json!({"id": 1, "full_name": PROJECT, "default_branch": "trunk"}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/actions/workflows/7/runs")))
        .and(query_param("branch", "trunk"))
        .respond_with(ok(json!({"total_count": 0, "workflow_runs": []})))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{R}/actions/workflows/7/dispatches")))
        .and(body_json(json!({"ref": "trunk", "inputs": {"a": "b"}})))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    let gh = paused_provider(
        &s,
        GitHubActionsConfig::token("t")
            .with_return_run_details(false)
            .with_dispatch_poll(PollSettings::new(
                Duration::from_secs(5),
                Duration::from_secs(20),
            )),
    );
    let start = tokio::time::Instant::now();
    let e = gh
        .trigger_pipeline(TriggerPipeline {
            project: PROJECT.into(),
            definition: "7".into(),
            reference: None,
            inputs: BTreeMap::from([("a".to_owned(), "b".to_owned())]),
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(start.elapsed(), Duration::from_secs(20));
    // one snapshot + looks at 0, 5, 10, 15, 20 s
    let looks = s
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().ends_with("/runs"))
        .count();
    assert_eq!(looks, 6);
}

#[tokio::test]
async fn create_pipeline_needs_a_default_workflow() {
    let s = MockServer::start().await;
    let gh = provider(&s);
    assert!(!gh.capabilities().supports(CiCdOp::CreatePipeline));
    assert!(gh.capabilities().supports(CiCdOp::TriggerPipeline));
    let e = gh
        .create_pipeline(CreatePipeline {
            project: PROJECT.into(),
            reference: "main".into(),
            variables: BTreeMap::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);

    Mock::given(method("POST"))
        .and(path(format!("{R}/actions/workflows/ci.yml/dispatches")))
        .and(body_json(
            json!({"ref": "main", "inputs": {"X": "1"}, "return_run_details": true}),
        ))
        .respond_with(ok(
            json!({"workflow_run_id": 5, "run_url": "u", "html_url": "h"}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/actions/runs/5")))
        .respond_with(ok(dispatch_run_json(5)))
        .mount(&s)
        .await;
    let gh = GitHubActions::new(
        config(&s)
            .with_default_workflow("ci.yml")
            .with_return_run_details(true),
    )
    .unwrap();
    assert!(gh.capabilities().supports(CiCdOp::CreatePipeline));
    let e = gh
        .create_pipeline(CreatePipeline {
            project: PROJECT.into(),
            reference: " ".into(),
            variables: BTreeMap::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("reference"));
    let run = gh
        .create_pipeline(CreatePipeline {
            project: PROJECT.into(),
            reference: "main".into(),
            variables: BTreeMap::from([("X".to_owned(), "1".to_owned())]),
        })
        .await
        .unwrap();
    assert_eq!(run.id, "5");
}

#[tokio::test]
async fn runs_get_cancel_retry() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/actions/runs/30433642")))
        .respond_with(ok(run_json(30433642, "completed", Some("failure"))))
        .mount(&s)
        .await;
    for (p, code) in [("cancel", 202), ("rerun", 201), ("rerun-failed-jobs", 201)] {
        Mock::given(method("POST"))
            .and(path(format!("{R}/actions/runs/30433642/{p}")))
            .respond_with(ResponseTemplate::new(code).set_body_json(json!({})))
            .expect(1)
            .mount(&s)
            .await;
    }
    let gh = provider(&s);
    let r = gh
        .get_pipeline(PipelineRef::new(PROJECT, "30433642"))
        .await
        .unwrap();
    assert_eq!(
        r,
        Pipeline {
            id: "30433642".into(),
            number: Some(562),
            project: PROJECT.into(),
            definition: Some("159038".into()),
            reference: Some("main".into()),
            sha: Some(SHA.into()),
            status: PipelineStatus::Failure,
            raw_status: "failure".into(),
            event: Some("push".into()),
            web_url: Some("https://github.com/octo-org/octo-repo/actions/runs/30433642".into()),
            created_at: Some("2020-01-22T19:33:08Z".into()),
            started_at: Some("2020-01-22T19:33:08Z".into()),
            finished_at: Some("2020-01-22T19:40:08Z".into()),
        }
    );
    gh.cancel_pipeline(PipelineRef::new(PROJECT, "30433642"))
        .await
        .unwrap();
    for failed_only in [false, true] {
        gh.retry_pipeline(RetryPipeline {
            project: PROJECT.into(),
            id: "30433642".into(),
            failed_only,
        })
        .await
        .unwrap();
    }
    let e = gh
        .get_pipeline(PipelineRef::new(PROJECT, "abc"))
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("id"));
    let e = gh
        .get_pipeline(PipelineRef::new("no-slash", "1"))
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("project"));
}

#[tokio::test]
async fn list_runs_walks_three_pages_with_filters() {
    let s = MockServer::start().await;
    let base = format!("{}{R}/actions/workflows/ci.yml/runs", s.uri());
    Mock::given(method("GET"))
        .and(path(format!("{R}/actions/workflows/ci.yml/runs")))
        .and(query_param("branch", "main"))
        .and(query_param("status", "completed"))
        .and(query_param("per_page", "2"))
        .and(query_param_is_missing("page"))
        .respond_with(
            ok(json!({"total_count": 5, "workflow_runs": [
                run_json(5, "completed", Some("failure")), run_json(4, "completed", Some("success"))
            ]}))
            .insert_header(
                "link",
                format!(r#"<{base}?branch=main&status=completed&per_page=2&page=2>; rel="next", <{base}?page=3>; rel="last""#),
            ),
        )
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(query_param("page", "2"))
        .respond_with(
            ok(json!({"total_count": 5, "workflow_runs": [
                run_json(3, "completed", Some("timed_out")), run_json(2, "completed", Some("cancelled"))
            ]}))
            .insert_header(
                "link",
                format!(r#"<{base}?branch=main&status=completed&per_page=2&page=3>; rel="next""#),
            ),
        )
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(query_param("page", "3"))
        .respond_with(ok(json!({"total_count": 5, "workflow_runs": [
            run_json(1, "completed", Some("startup_failure"))
        ]})))
        .expect(1)
        .mount(&s)
        .await;
    let gh = provider(&s);
    let all: Vec<Pipeline> = paginate(
        ListPipelines {
            project: PROJECT.into(),
            definition: Some("ci.yml".into()),
            reference: Some("main".into()),
            status: Some(PipelineStatus::Failure),
            page: PageRequest::with_size(2),
        },
        move |q| {
            let gh = gh.clone();
            async move { gh.list_pipelines(q).await }
        },
    )
    .map(|r| r.unwrap())
    .collect()
    .await;
    let ids: Vec<&str> = all.iter().map(|r| r.id.as_str()).collect();
    // failure words only: failure, timed_out, startup_failure
    assert_eq!(ids, ["5", "3", "1"]);
    let raw: Vec<&str> = all.iter().map(|r| r.raw_status.as_str()).collect();
    assert_eq!(raw, ["failure", "timed_out", "startup_failure"]);
}

#[tokio::test]
async fn list_runs_with_an_exact_status_is_filtered_by_the_server() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/actions/runs")))
        .and(query_param("status", "in_progress"))
        .respond_with(ok(
            json!({"total_count": 1, "workflow_runs": [run_json(9, "in_progress", None)]}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    let page = provider(&s)
        .list_pipelines(ListPipelines {
            project: PROJECT.into(),
            status: Some(PipelineStatus::Running),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.total, Some(1));
    assert_eq!(page.items[0].status, PipelineStatus::Running);
    assert_eq!(page.items[0].finished_at, None);
}

#[tokio::test]
async fn jobs_list_get_rerun() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/actions/runs/29679449/jobs")))
        .and(query_param("per_page", "30"))
        .respond_with(ok(json!({"total_count": 2, "jobs": [
            job_json(399444496, 29679449, "build", "completed", Some("success")),
            job_json(399444497, 29679449, "test", "in_progress", None),
        ]})))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/actions/jobs/399444497")))
        .respond_with(ok(job_json(
            399444497,
            29679449,
            "test",
            "completed",
            Some("failure"),
        )))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{R}/actions/jobs/399444497/rerun")))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({})))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/actions/runs/29679449/jobs")))
        .and(query_param("filter", "latest"))
        .respond_with(ok(json!({"total_count": 2, "jobs": [
            job_json(399444496, 29679449, "build", "completed", Some("success")),
            job_json(500000001, 29679449, "test", "queued", None),
        ]})))
        .expect(1)
        .mount(&s)
        .await;
    let gh = provider(&s);
    let page = gh
        .list_jobs(ListJobs {
            project: PROJECT.into(),
            pipeline: "29679449".into(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(page.total, Some(2));
    assert_eq!(
        page.items[0],
        Job {
            id: "399444496".into(),
            pipeline_id: "29679449".into(),
            name: "build".into(),
            stage: None,
            status: PipelineStatus::Success,
            raw_status: "success".into(),
            web_url: Some(
                "https://github.com/octo-org/octo-repo/runs/29679449/jobs/399444496".into()
            ),
            started_at: Some("2020-01-20T17:42:40Z".into()),
            finished_at: Some("2020-01-20T17:44:39Z".into()),
        }
    );
    assert_eq!(page.items[1].raw_status, "in_progress");
    let j = gh
        .get_job(JobRef {
            project: PROJECT.into(),
            id: "399444497".into(),
        })
        .await
        .unwrap();
    assert_eq!(j.status, PipelineStatus::Failure);
    let j = gh
        .rerun_job(JobRef {
            project: PROJECT.into(),
            id: "399444497".into(),
        })
        .await
        .unwrap();
    assert_eq!(j.id, "500000001", "the job of the new attempt");
    assert_eq!(j.status, PipelineStatus::Queued);
}

#[tokio::test]
async fn run_logs_follow_the_redirect_to_the_archive_without_credentials() {
    let api = MockServer::start().await;
    let storage = MockServer::start().await;
    let archive = zip_of(&[
        ("build/1_Set up job.txt", "step text\n"),
        ("0_build.txt", "2020-01-20T17:42:40Z build line\n"),
        ("1_test.txt", "2020-01-20T17:43:00Z test ✓\n"),
    ]);
    Mock::given(method("GET"))
        .and(path(format!("{R}/actions/runs/42")))
        .respond_with(ok(run_json(42, "completed", Some("success"))))
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/actions/runs/42/logs")))
        .and(header("authorization", "Bearer ghp_testtoken"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/logs/42.zip?sig=abc", storage.uri())),
        )
        .expect(2)
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/logs/42.zip"))
        .and(query_param("sig", "abc"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(archive))
        .expect(2)
        .mount(&storage)
        .await;
    let gh = storage_provider(&api, &storage);
    let log = gh
        .get_log(GetLog {
            project: PROJECT.into(),
            pipeline: "42".into(),
            job: None,
            offset: 0,
        })
        .await
        .unwrap();
    let expected = "=== 0_build.txt ===\n2020-01-20T17:42:40Z build line\n=== 1_test.txt ===\n2020-01-20T17:43:00Z test ✓\n";
    assert_eq!(log.text, expected);
    assert_eq!(log.next_offset, expected.len() as u64);
    assert!(log.complete);
    let storage_reqs = storage.received_requests().await.unwrap();
    assert!(
        storage_reqs
            .iter()
            .all(|r| !r.headers.contains_key("authorization")),
        "credentials never reach the storage host"
    );
    // continue from an offset
    let tail = gh
        .get_log(GetLog {
            project: PROJECT.into(),
            pipeline: "42".into(),
            job: None,
            offset: log.next_offset - 30,
        })
        .await
        .unwrap();
    assert_eq!(tail.text, "2020-01-20T17:43:00Z test ✓\n");
    assert_eq!(tail.next_offset, log.next_offset);
}

#[tokio::test]
async fn job_logs_are_plain_text_and_incomplete_while_running() {
    let api = MockServer::start().await;
    let storage = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/actions/jobs/7")))
        .respond_with(ok(job_json(7, 42, "build", "in_progress", None)))
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/actions/jobs/7/logs")))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/job-7.txt", storage.uri())),
        )
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/job-7.txt"))
        .respond_with(ResponseTemplate::new(200).set_body_string("line one\nline two\n"))
        .mount(&storage)
        .await;
    let gh = storage_provider(&api, &storage);
    let log = gh
        .get_log(GetLog {
            project: PROJECT.into(),
            pipeline: "42".into(),
            job: Some("7".into()),
            offset: 9,
        })
        .await
        .unwrap();
    assert_eq!(
        log,
        Log {
            text: "line two\n".into(),
            next_offset: 18,
            complete: false
        }
    );
    let e = gh
        .get_log(GetLog {
            project: PROJECT.into(),
            pipeline: "43".into(),
            job: Some("7".into()),
            offset: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "job 7 belongs to run 42");
}

#[tokio::test]
async fn artifacts_list_and_download() {
    let api = MockServer::start().await;
    let storage = MockServer::start().await;
    let artifact = json!({
        "id": 11, "node_id": "MDg6QXJ0aWZhY3QxMQ==", "name": "Rails", "size_in_bytes": 556,
        "url": format!("https://api.github.com{R}/actions/artifacts/11"),
        "archive_download_url": format!("https://api.github.com{R}/actions/artifacts/11/zip"),
        "expired": false, "created_at": "2020-01-10T14:59:22Z", "expires_at": "2020-01-21T14:59:22Z",
        "updated_at": "2020-01-21T14:59:22Z",
        "workflow_run": {"id": 2332938, "repository_id": 1296269, "head_repository_id": 1296269, "head_branch": "main", "head_sha": SHA}
    });
    Mock::given(method("GET"))
        .and(path(format!("{R}/actions/runs/2332938/artifacts")))
        .respond_with(ok(
            json!({"total_count": 1, "artifacts": [artifact.clone()]}),
        ))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/actions/artifacts/11")))
        .respond_with(ok(artifact))
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/actions/artifacts/11/zip")))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", format!("{}/a/11", storage.uri())),
        )
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/a/11"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"PK\x03\x04zipbytes".to_vec()))
        .expect(1)
        .mount(&storage)
        .await;
    let gh = storage_provider(&api, &storage);
    let page = gh
        .list_artifacts(ListArtifacts {
            project: PROJECT.into(),
            pipeline: "2332938".into(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(
        page.items,
        [Artifact {
            id: "11".into(),
            name: "Rails".into(),
            size: Some(556),
            expired: false
        }]
    );
    let data = gh
        .download_artifact(ArtifactRef {
            project: PROJECT.into(),
            pipeline: "2332938".into(),
            id: "11".into(),
        })
        .await
        .unwrap();
    assert_eq!(data.name, "Rails.zip");
    assert_eq!(data.content, b"PK\x03\x04zipbytes");
    let e = gh
        .download_artifact(ArtifactRef {
            project: PROJECT.into(),
            pipeline: "1".into(),
            id: "11".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn environments() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/environments/staging")))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"message": "Not Found", "documentation_url": "x"})),
        )
        .up_to_n_times(1)
        .mount(&s)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{R}/environments/staging")))
        .and(body_json(json!({})))
        .respond_with(ok(env_json(161088068, "staging")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/environments/staging")))
        .respond_with(ok(env_json(161088068, "staging")))
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{R}/environments/staging")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/environments")))
        .respond_with(ok(
            json!({"total_count": 1, "environments": [env_json(161088068, "staging")]}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    let gh = provider(&s);
    let put = |url: Option<&str>| WriteEnvironment {
        project: PROJECT.into(),
        name: "staging".into(),
        url: url.map(str::to_owned),
    };
    let e = gh.create_environment(put(None)).await.unwrap();
    assert_eq!(
        e,
        Environment {
            id: "161088068".into(),
            name: "staging".into(),
            url: None
        }
    );
    // now it exists
    let dup = gh.create_environment(put(None)).await.unwrap_err();
    assert_eq!(dup.kind(), ErrorKind::Conflict);
    let bad = gh
        .create_environment(put(Some("https://x.example.com")))
        .await
        .unwrap_err();
    assert_eq!(bad.field(), Some("url"));
    let bad = gh
        .update_environment(put(Some("https://x.example.com")))
        .await
        .unwrap_err();
    assert_eq!(bad.field(), Some("url"));
    assert_eq!(
        gh.update_environment(put(None)).await.unwrap().name,
        "staging"
    );
    let list = gh
        .list_environments(ListEnvironments {
            project: PROJECT.into(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(list.total, Some(1));
    gh.delete_environment(EnvironmentRef {
        project: PROJECT.into(),
        name: "staging".into(),
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn secrets_are_sealed_with_the_repository_key() {
    let s = MockServer::start().await;
    let sk = crypto_box::SecretKey::generate(&mut crypto_box::aead::OsRng);
    let pk = base64::engine::general_purpose::STANDARD.encode(sk.public_key().as_bytes());
    for base in [
        format!("{R}/actions/secrets"),
        format!("{R}/environments/prod%20eu/secrets"),
    ] {
        Mock::given(method("GET"))
            .and(path(format!("{base}/public-key")))
            .respond_with(ok(json!({"key_id": "012345678912345678", "key": pk})))
            .mount(&s)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("{base}/DEPLOY_TOKEN")))
            .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
            .up_to_n_times(1)
            .mount(&s)
            .await;
        Mock::given(method("PUT"))
            .and(path(format!("{base}/DEPLOY_TOKEN")))
            .and(header("content-type", "application/json"))
            .respond_with(ResponseTemplate::new(201))
            .expect(1)
            .mount(&s)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("{base}/DEPLOY_TOKEN")))
            .respond_with(ok(json!({"name": "DEPLOY_TOKEN", "created_at": "2019-08-10T14:59:22Z", "updated_at": "2020-01-10T14:59:22Z"})))
            .mount(&s)
            .await;
    }
    let gh = provider(&s);
    for env in [None, Some("prod eu")] {
        let info = gh
            .create_secret(WriteSecret {
                project: PROJECT.into(),
                name: "DEPLOY_TOKEN".into(),
                value: Secret::new("s3cr3t-value"),
                environment: env.map(str::to_owned),
                masked: true,
                protected: false,
            })
            .await
            .unwrap();
        assert_eq!(
            info,
            SecretInfo {
                name: "DEPLOY_TOKEN".into(),
                environment: env.map(str::to_owned),
                masked: true,
                protected: false,
                created_at: Some("2019-08-10T14:59:22Z".into()),
                updated_at: Some("2020-01-10T14:59:22Z".into()),
            }
        );
    }
    let puts: Vec<Request> = s
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == "PUT")
        .collect();
    assert_eq!(puts.len(), 2);
    for put in puts {
        let raw = String::from_utf8_lossy(&put.body).into_owned();
        assert!(!raw.contains("s3cr3t-value"), "the value travels sealed");
        let body: Value = serde_json::from_slice(&put.body).unwrap();
        assert_eq!(body["key_id"], "012345678912345678");
        let sealed = base64::engine::general_purpose::STANDARD
            .decode(body["encrypted_value"].as_str().unwrap())
            .unwrap();
        assert_eq!(sk.unseal(&sealed).unwrap(), b"s3cr3t-value");
    }
}

#[tokio::test]
async fn secret_rules() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/actions/secrets/GH_TOKEN")))
        .respond_with(ok(json!({"name": "GH_TOKEN", "created_at": "2019-08-10T14:59:22Z", "updated_at": "2020-01-10T14:59:22Z"})))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/actions/secrets/MISSING")))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/actions/secrets")))
        .respond_with(ok(json!({"total_count": 2, "secrets": [
            {"name": "GH_TOKEN", "created_at": "2019-08-10T14:59:22Z", "updated_at": "2020-01-10T14:59:22Z"},
            {"name": "GIST_ID", "created_at": "2020-01-10T10:59:22Z", "updated_at": "2020-01-11T11:59:22Z"}
        ]})))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{R}/actions/secrets/GH_TOKEN")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    let gh = provider(&s);
    let put = |name: &str, protected: bool| WriteSecret {
        project: PROJECT.into(),
        name: name.into(),
        value: Secret::new("v"),
        environment: None,
        masked: true,
        protected,
    };
    assert_eq!(
        gh.create_secret(put("GH_TOKEN", false))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Conflict
    );
    assert_eq!(
        gh.update_secret(put("MISSING", false))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        gh.create_secret(put("OK", true)).await.unwrap_err().field(),
        Some("protected")
    );
    assert_eq!(
        gh.create_secret(put("GITHUB_X", false))
            .await
            .unwrap_err()
            .field(),
        Some("name")
    );
    let list = gh
        .list_secrets(ListSecrets {
            project: PROJECT.into(),
            environment: None,
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    let names: Vec<&str> = list.items.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["GH_TOKEN", "GIST_ID"]);
    assert!(list.items.iter().all(|s| s.masked && !s.protected));
    gh.delete_secret(SecretRef {
        project: PROJECT.into(),
        name: "GH_TOKEN".into(),
        environment: None,
    })
    .await
    .unwrap();
    // no PUT was ever sent
    assert!(
        s.received_requests()
            .await
            .unwrap()
            .iter()
            .all(|r| r.method.as_str() != "PUT")
    );
}

#[test]
fn sealing_round_trips_with_the_test_key_pair() {
    let sk = crypto_box::SecretKey::from_bytes([7u8; 32]);
    let pk = base64::engine::general_purpose::STANDARD.encode(sk.public_key().as_bytes());
    let sealed = seal_secret(&pk, &Secret::new("value ✓")).unwrap();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(sealed)
        .unwrap();
    assert_eq!(sk.unseal(&raw).unwrap(), "value ✓".as_bytes());
    let other = crypto_box::SecretKey::from_bytes([8u8; 32]);
    assert!(other.unseal(&raw).is_err(), "only the key pair opens it");
}

#[test]
fn status_table() {
    use PipelineStatus::*;
    let cases: &[(Option<&str>, Option<&str>, &str, PipelineStatus)] = &[
        (Some("requested"), None, "requested", Queued),
        (Some("queued"), None, "queued", Queued),
        (Some("pending"), None, "pending", Queued),
        (Some("in_progress"), None, "in_progress", Running),
        (Some("waiting"), None, "waiting", Manual),
        (Some("completed"), Some("success"), "success", Success),
        (Some("completed"), Some("neutral"), "neutral", Success),
        (Some("completed"), Some("failure"), "failure", Failure),
        (Some("completed"), Some("timed_out"), "timed_out", Failure),
        (
            Some("completed"),
            Some("startup_failure"),
            "startup_failure",
            Failure,
        ),
        (Some("completed"), Some("cancelled"), "cancelled", Cancelled),
        (Some("completed"), Some("stale"), "stale", Cancelled),
        (Some("completed"), Some("skipped"), "skipped", Skipped),
        (
            Some("completed"),
            Some("action_required"),
            "action_required",
            Manual,
        ),
        (Some("completed"), None, "completed", Failure),
        (Some("completed"), Some("brand_new"), "brand_new", Failure),
        (Some("brand_new"), None, "brand_new", Queued),
        (None, None, "queued", Queued),
    ];
    for (st, concl, raw, want) in cases {
        assert_eq!(
            github_actions::status(*st, *concl),
            (raw.to_string(), *want),
            "{st:?}/{concl:?}"
        );
    }
    assert_eq!(STATUSES.len(), 14);
}

#[tokio::test]
async fn error_mapping() {
    let s = MockServer::start().await;
    let cases: Vec<(u64, ResponseTemplate, ErrorKind)> = vec![
        (
            1,
            ResponseTemplate::new(401).set_body_json(json!({"message": "Bad credentials"})),
            ErrorKind::Unauthenticated,
        ),
        (
            2,
            ResponseTemplate::new(403)
                .set_body_json(json!({"message": "Resource not accessible by integration"})),
            ErrorKind::PermissionDenied,
        ),
        (
            3,
            ResponseTemplate::new(403)
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", "4102444800")
                .set_body_json(json!({"message": "API rate limit exceeded"})),
            ErrorKind::RateLimited,
        ),
        (
            4,
            ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})),
            ErrorKind::NotFound,
        ),
        (
            5,
            ResponseTemplate::new(409).set_body_json(json!({"message": "Cannot cancel a workflow run that is completed."})),
            ErrorKind::Conflict,
        ),
        (
            6,
            ResponseTemplate::new(422).set_body_json(json!({"message": "Validation Failed", "errors": [{"resource": "Run", "field": "ref", "code": "invalid"}]})),
            ErrorKind::InvalidInput,
        ),
        (
            7,
            ResponseTemplate::new(429).insert_header("retry-after", "7"),
            ErrorKind::RateLimited,
        ),
        (8, ResponseTemplate::new(503), ErrorKind::Unavailable),
        (9, ResponseTemplate::new(200).set_body_string("{not json"), ErrorKind::Decode),
        (
            10,
            ResponseTemplate::new(200).set_body_json(json!({"id": "ten"})),
            ErrorKind::Decode,
        ),
    ];
    for (id, resp, _) in &cases {
        Mock::given(method("GET"))
            .and(path(format!("{R}/actions/runs/{id}")))
            .respond_with(resp.clone())
            .mount(&s)
            .await;
    }
    let gh = provider(&s);
    for (id, _, kind) in cases {
        let e = gh
            .get_pipeline(PipelineRef::new(PROJECT, id.to_string()))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), kind, "case {id}: {e}");
        assert_eq!(e.provider(), Some("github-actions"));
        assert!(!format!("{e:?}").contains("ghp_testtoken"));
        match id {
            6 => assert_eq!(e.field(), Some("ref")),
            7 => assert_eq!(e.retry_after(), Some(Duration::from_secs(7))),
            10 => assert!(e.message().contains("$.id"), "{e}"),
            _ => {}
        }
    }
}

#[tokio::test]
async fn the_plugin_manifest_and_schema() {
    use mosaic_plugin_sdk::{Env, PluginConfig, PluginContext};
    let f = github_actions::plugin_factory().unwrap();
    let m = f.manifest().clone();
    assert_eq!(m.id, "github-actions");
    assert_eq!(m.families, [mosaic_core::Family::CiCd]);
    let declared = m.capabilities.get(&mosaic_core::Family::CiCd).unwrap();
    assert_eq!(declared.len(), CiCdOp::ALL.len());
    let env = Env::fixed::<&str, &str>([]);
    let cfg = PluginConfig::resolve(
        &m,
        Some(
            &json!({"auth": {"type": "token", "token": "ghp_x"}, "default_workflow": "ci.yml",
                      "dispatch_poll": {"interval_ms": 500}}),
        ),
        &env,
    )
    .unwrap();
    assert_eq!(cfg.get("base_url"), Some(&json!("https://api.github.com")));
    assert_eq!(cfg.get("/dispatch_poll/timeout_ms"), Some(&json!(60000)));
    assert!(!cfg.redacted().to_string().contains("ghp_x"));
    let parsed: GitHubActionsConfig = cfg.parse().unwrap();
    assert_eq!(
        parsed.dispatch_poll,
        PollSettings {
            interval_ms: 500,
            timeout_ms: 60000
        }
    );
    for bad in [
        json!({"auth": {"type": "token"}}),
        json!({"auth": {"type": "token", "token": "t"}, "dispatch_poll": {"interval_ms": 0}}),
        json!({"auth": {"type": "token", "token": "t"}, "surprise": 1}),
        json!({"auth": {"type": "app", "app_id": "1", "installation_id": 2}}),
    ] {
        let e = PluginConfig::resolve(&m, Some(&bad), &env).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{bad}");
    }
    // an instance starts for the declared host and serves CI/CD
    let mut plugin = f.create().unwrap();
    plugin
        .initialize(PluginContext::builder(&m).build(), cfg)
        .await
        .unwrap();
    let cicd = plugin.services().cicd.expect("a cicd service");
    assert!(cicd.capabilities().supports(CiCdOp::CreatePipeline));
    // an undeclared host is refused
    let cfg = PluginConfig::resolve(
        &m,
        Some(&json!({"base_url": "https://ghe.internal.example/api/v3", "auth": {"type": "token", "token": "t"}})),
        &env,
    )
    .unwrap();
    let mut plugin = f.create().unwrap();
    let e = plugin
        .initialize(PluginContext::builder(&m).build(), cfg)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
}

#[tokio::test]
async fn served_through_the_tower_bridge() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/actions/runs/3")))
        .and(header_exists("authorization"))
        .respond_with(ok(run_json(3, "in_progress", None)))
        .expect(1)
        .mount(&s)
        .await;
    let client = CiCdClient::new(CiCdService::new(provider(&s)));
    let p = client
        .get_pipeline(PipelineRef::new(PROJECT, "3"))
        .await
        .unwrap();
    assert_eq!(p.status, PipelineStatus::Running);
}

proptest! {
    #[test]
    fn malformed_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = GitHubActions::parse_runs(PROJECT, &body);
        let _ = GitHubActions::parse_job(&body);
    }

    #[test]
    fn json_shaped_garbage_is_a_typed_error(
        id in any::<i64>(), status in "[a-z_]{0,12}", conclusion in proptest::option::of("[a-z_]{0,12}")
    ) {
        let body = json!({"total_count": 1, "workflow_runs": [{"id": id, "status": status, "conclusion": conclusion}]});
        let e = GitHubActions::parse_runs(PROJECT, body.to_string().as_bytes()).unwrap_err();
        prop_assert_eq!(e.kind(), ErrorKind::Decode);
        let mut run = run_json(1, &status, conclusion.as_deref());
        run["id"] = json!(id.unsigned_abs());
        let ok = GitHubActions::parse_runs(PROJECT, json!({"total_count": 1, "workflow_runs": [run]}).to_string().as_bytes()).unwrap();
        prop_assert_eq!(ok.len(), 1);
    }
}

#[test]
fn the_catalog_offers_the_plugin() {
    let ids: Vec<String> = mosaic_providers::catalog::factories()
        .unwrap()
        .iter()
        .map(|f| f.manifest().id.clone())
        .collect();
    assert!(ids.iter().any(|i| i == "github-actions"), "{ids:?}");
    assert!(ids.iter().any(|i| i == "github"), "{ids:?}");
}
