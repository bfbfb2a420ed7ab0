//! GitLab CI/CD against a local mock server: every operation's request
//! (method, path, query, headers, body) and parsed result, URL-encoded
//! project paths, whole-pipeline logs, artifacts behind redirects, CI/CD
//! variables as secrets, status table, error mapping, pagination,
//! malformed bodies and the plugin manifest.
#![cfg(feature = "gitlab-ci")]

use std::collections::BTreeMap;

use futures::StreamExt;
use mosaic_core::cicd::*;
use mosaic_core::page::paginate;
use mosaic_core::{ErrorKind, OpKind, PageRequest, Secret};
use mosaic_providers::gitlab_ci::{self, GitLabCi, GitLabCiConfig, STATUSES};
use proptest::prelude::*;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const P: &str = "/api/v4/projects/group%2Fsub%2Fapp";
const PROJECT: &str = "group/sub/app";
const SHA: &str = "a91957a858320c0e17f3a0eca7cfacbff50ea29a";

fn provider(s: &MockServer) -> GitLabCi {
    GitLabCi::new(
        GitLabCiConfig::private_token("glpat-test").with_base_url(format!("{}/api/v4", s.uri())),
    )
    .unwrap()
}

/// A provider whose allowlist also holds the storage server (as the
/// plugin manifest lists the real storage hosts).
fn storage_provider(api: &MockServer, storage: &MockServer) -> GitLabCi {
    GitLabCi::with_client(
        GitLabCiConfig::private_token("glpat-test").with_base_url(format!("{}/api/v4", api.uri())),
        crate::allowing("gitlab-ci", &[api, storage]),
    )
    .unwrap()
}

fn ok(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(v)
}

fn created(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(v)
}

fn pipeline_json(id: u64, status: &str) -> Value {
    json!({
        "id": id, "iid": id.saturating_sub(35), "project_id": 1, "status": status, "source": "push",
        "ref": "main", "sha": SHA, "before_sha": SHA, "tag": false, "yaml_errors": null,
        "user": {"id": 1, "username": "root", "name": "Administrator"},
        "created_at": "2016-08-11T11:28:34.085Z", "updated_at": "2016-08-11T11:32:35.169Z",
        "started_at": "2016-08-11T11:28:40.000Z",
        "finished_at": if status == "success" || status == "failed" { json!("2016-08-11T11:32:35.145Z") } else { json!(null) },
        "committed_at": null, "duration": null, "queued_duration": 0.010, "coverage": null,
        "web_url": format!("https://example.com/group/sub/app/-/pipelines/{id}")
    })
}

fn job_json(
    id: u64,
    pipeline: u64,
    name: &str,
    stage: &str,
    status: &str,
    artifacts: bool,
) -> Value {
    let mut j = json!({
        "commit": {"id": SHA, "short_id": "a91957a8", "title": "Test the CI integration."},
        "coverage": null, "allow_failure": false, "created_at": "2015-12-24T15:51:21.802Z",
        "started_at": "2015-12-24T17:54:27.722Z", "finished_at": "2015-12-24T17:54:27.895Z",
        "duration": 0.173, "queued_duration": 0.010, "artifacts": [],
        "artifacts_expire_at": "2016-01-23T17:54:27.895Z", "tag_list": ["docker runner"],
        "id": id, "name": name,
        "pipeline": {"id": pipeline, "project_id": 1, "ref": "main", "sha": SHA, "status": "pending"},
        "ref": "main", "runner": null, "stage": stage, "status": status, "tag": false,
        "web_url": format!("https://example.com/group/sub/app/-/jobs/{id}"),
        "project": {"ci_job_token_scope_enabled": false}, "user": {"id": 1, "username": "root"}
    });
    if artifacts {
        j["artifacts_file"] = json!({"filename": "artifacts.zip", "size": 1000});
        j["artifacts"] = json!([
            {"file_type": "archive", "size": 1000, "filename": "artifacts.zip", "file_format": "zip"},
            {"file_type": "metadata", "size": 186, "filename": "metadata.gz", "file_format": "gzip"}
        ]);
    }
    j
}

fn project_json(ci_config_path: Value) -> Value {
    json!({
        "id": 3, "name": "app", "path": "app", "path_with_namespace": PROJECT,
        "default_branch": "main", "web_url": "https://example.com/group/sub/app",
        "ci_config_path": ci_config_path, "builds_access_level": "enabled"
    })
}

fn env_json(id: u64, name: &str, url: Option<&str>, state: &str) -> Value {
    json!({
        "id": id, "name": name, "slug": format!("{name}-slug"), "external_url": url,
        "state": state, "tier": "development", "created_at": "2019-05-25T18:55:13.252Z",
        "updated_at": "2019-05-27T18:55:13.252Z"
    })
}

fn var_json(key: &str, masked: bool, protected: bool, scope: &str) -> Value {
    json!({
        "variable_type": "env_var", "key": key, "value": "SUPER-SECRET-VALUE",
        "protected": protected, "masked": masked, "hidden": false, "raw": false,
        "environment_scope": scope, "description": null
    })
}

#[tokio::test]
async fn the_ci_configuration_is_the_one_definition() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(P))
        .and(header("private-token", "glpat-test"))
        .respond_with(ok(project_json(json!(null))))
        .mount(&s)
        .await;
    let g = provider(&s);
    let page = g
        .list_definitions(ListDefinitions {
            project: PROJECT.into(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(
        page.items,
        [PipelineDefinition {
            id: ".gitlab-ci.yml".into(),
            name: ".gitlab-ci.yml".into(),
            path: Some(".gitlab-ci.yml".into()),
            enabled: true,
            web_url: Some("https://example.com/group/sub/app/-/pipelines".into()),
        }]
    );
    assert_eq!(page.total, Some(1));
    let d = g
        .get_definition(DefinitionRef {
            project: PROJECT.into(),
            id: ".gitlab-ci.yml".into(),
        })
        .await
        .unwrap();
    assert_eq!(d, page.items[0]);
    let e = g
        .get_definition(DefinitionRef {
            project: PROJECT.into(),
            id: "other.yml".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn create_and_trigger_pipelines() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(P))
        .respond_with(ok(project_json(json!("ci/pipeline.yml"))))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{P}/pipeline")))
        .and(body_json(json!({"ref": "main", "variables": [
            {"key": "DEPLOY", "value": "true"}, {"key": "LEVEL", "value": "3"}
        ]})))
        .respond_with(created(pipeline_json(61, "created")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{P}/pipeline")))
        .and(body_json(
            json!({"ref": "main", "inputs": {"environment": "staging"}}),
        ))
        .respond_with(created(pipeline_json(62, "pending")))
        .expect(1)
        .mount(&s)
        .await;
    let g = provider(&s);
    let p = g
        .create_pipeline(CreatePipeline {
            project: PROJECT.into(),
            reference: "main".into(),
            variables: BTreeMap::from([
                ("DEPLOY".to_owned(), "true".to_owned()),
                ("LEVEL".to_owned(), "3".to_owned()),
            ]),
        })
        .await
        .unwrap();
    assert_eq!(
        p,
        Pipeline {
            id: "61".into(),
            number: Some(26),
            project: PROJECT.into(),
            definition: None,
            reference: Some("main".into()),
            sha: Some(SHA.into()),
            status: PipelineStatus::Queued,
            raw_status: "created".into(),
            event: Some("push".into()),
            web_url: Some("https://example.com/group/sub/app/-/pipelines/61".into()),
            created_at: Some("2016-08-11T11:28:34.085Z".into()),
            started_at: Some("2016-08-11T11:28:40.000Z".into()),
            finished_at: None,
        }
    );
    // no ref: the default branch; inputs go to spec:inputs
    let p = g
        .trigger_pipeline(TriggerPipeline {
            project: PROJECT.into(),
            definition: "ci/pipeline.yml".into(),
            reference: None,
            inputs: BTreeMap::from([("environment".to_owned(), "staging".to_owned())]),
        })
        .await
        .unwrap();
    assert_eq!(p.id, "62");
    let e = g
        .trigger_pipeline(TriggerPipeline {
            project: PROJECT.into(),
            definition: ".gitlab-ci.yml".into(),
            reference: None,
            inputs: BTreeMap::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::NotFound,
        "not this project's definition"
    );
    let e = g
        .create_pipeline(CreatePipeline {
            project: PROJECT.into(),
            reference: "".into(),
            variables: BTreeMap::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("reference"));
}

#[tokio::test]
async fn get_cancel_retry_and_rerun() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/pipelines/46")))
        .respond_with(ok(pipeline_json(46, "failed")))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{P}/pipelines/46/cancel")))
        .respond_with(ok(pipeline_json(46, "canceled")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{P}/pipelines/46/retry")))
        .respond_with(created(pipeline_json(46, "pending")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/pipelines/46/variables")))
        .respond_with(ok(json!([
            {"key": "RUN_NIGHTLY_BUILD", "variable_type": "env_var", "value": "true"},
            {"key": "foo", "value": "bar"}
        ])))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{P}/pipeline")))
        .and(body_json(json!({"ref": "main", "variables": [
            {"key": "RUN_NIGHTLY_BUILD", "variable_type": "env_var", "value": "true"},
            {"key": "foo", "value": "bar"}
        ]})))
        .respond_with(created(pipeline_json(47, "created")))
        .expect(1)
        .mount(&s)
        .await;
    let g = provider(&s);
    let p = g
        .get_pipeline(PipelineRef::new(PROJECT, "46"))
        .await
        .unwrap();
    assert_eq!(
        (p.status, p.raw_status.as_str()),
        (PipelineStatus::Failure, "failed")
    );
    assert_eq!(p.finished_at.as_deref(), Some("2016-08-11T11:32:35.145Z"));
    let p = g
        .cancel_pipeline(PipelineRef::new(PROJECT, "46"))
        .await
        .unwrap();
    assert_eq!(p.status, PipelineStatus::Cancelled);
    let p = g
        .retry_pipeline(RetryPipeline {
            project: PROJECT.into(),
            id: "46".into(),
            failed_only: true,
        })
        .await
        .unwrap();
    assert_eq!((p.id.as_str(), p.status), ("46", PipelineStatus::Queued));
    let p = g
        .retry_pipeline(RetryPipeline {
            project: PROJECT.into(),
            id: "46".into(),
            failed_only: false,
        })
        .await
        .unwrap();
    assert_eq!(p.id, "47", "a new pipeline for the same ref and variables");
}

#[tokio::test]
async fn list_pipelines_walks_three_pages_and_filters() {
    let s = MockServer::start().await;
    let base = format!("{}{P}/pipelines", s.uri());
    Mock::given(method("GET"))
        .and(path(format!("{P}/pipelines")))
        .and(query_param("ref", "main"))
        .and(query_param("per_page", "2"))
        .and(query_param_is_missing("page"))
        .and(query_param_is_missing("status"))
        .respond_with(
            ok(json!([
                pipeline_json(50, "pending"),
                pipeline_json(49, "running")
            ]))
            .insert_header(
                "link",
                format!(r#"<{base}?ref=main&per_page=2&page=2>; rel="next""#),
            )
            .insert_header("x-total", "5"),
        )
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(query_param("page", "2"))
        .respond_with(
            ok(json!([
                pipeline_json(48, "created"),
                pipeline_json(47, "success")
            ]))
            .insert_header(
                "link",
                format!(r#"<{base}?ref=main&per_page=2&page=3>; rel="next""#),
            ),
        )
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(query_param("page", "3"))
        .respond_with(ok(json!([pipeline_json(46, "waiting_for_resource")])))
        .expect(1)
        .mount(&s)
        .await;
    let g = provider(&s);
    let all: Vec<Pipeline> = paginate(
        ListPipelines {
            project: PROJECT.into(),
            reference: Some("main".into()),
            status: Some(PipelineStatus::Queued),
            page: PageRequest::with_size(2),
            ..Default::default()
        },
        move |q| {
            let g = g.clone();
            async move { g.list_pipelines(q).await }
        },
    )
    .map(|r| r.unwrap())
    .collect()
    .await;
    let got: Vec<(&str, &str)> = all
        .iter()
        .map(|p| (p.id.as_str(), p.raw_status.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("50", "pending"),
            ("48", "created"),
            ("46", "waiting_for_resource")
        ]
    );
}

#[tokio::test]
async fn list_pipelines_with_an_exact_status_asks_the_server() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/pipelines")))
        .and(query_param("status", "manual"))
        .and(query_param("per_page", "20"))
        .respond_with(ok(json!([pipeline_json(50, "manual")])).insert_header("x-total", "1"))
        .expect(1)
        .mount(&s)
        .await;
    let page = provider(&s)
        .list_pipelines(ListPipelines {
            project: PROJECT.into(),
            status: Some(PipelineStatus::Manual),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.total, Some(1));
    assert_eq!(page.items[0].status, PipelineStatus::Manual);
}

#[tokio::test]
async fn jobs_get_list_retry_play() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/pipelines/6/jobs")))
        .respond_with(ok(json!([
            job_json(7, 6, "teaspoon", "test", "failed", true),
            job_json(8, 6, "deploy", "deploy", "manual", false),
        ])))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/jobs/7")))
        .respond_with(ok(job_json(7, 6, "teaspoon", "test", "failed", true)))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/jobs/8")))
        .respond_with(ok(job_json(8, 6, "deploy", "deploy", "manual", false)))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{P}/jobs/7/retry")))
        .respond_with(created(job_json(
            9, 6, "teaspoon", "test", "pending", false,
        )))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{P}/jobs/8/play")))
        .respond_with(ok(job_json(8, 6, "deploy", "deploy", "pending", false)))
        .expect(1)
        .mount(&s)
        .await;
    let g = provider(&s);
    let jobs = g
        .list_jobs(ListJobs {
            project: PROJECT.into(),
            pipeline: "6".into(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(
        jobs.items[0],
        Job {
            id: "7".into(),
            pipeline_id: "6".into(),
            name: "teaspoon".into(),
            stage: Some("test".into()),
            status: PipelineStatus::Failure,
            raw_status: "failed".into(),
            web_url: Some("https://example.com/group/sub/app/-/jobs/7".into()),
            started_at: Some("2015-12-24T17:54:27.722Z".into()),
            finished_at: Some("2015-12-24T17:54:27.895Z".into()),
        }
    );
    assert_eq!(jobs.items[1].status, PipelineStatus::Manual);
    let j = g
        .get_job(JobRef {
            project: PROJECT.into(),
            id: "7".into(),
        })
        .await
        .unwrap();
    assert_eq!(j.name, "teaspoon");
    let retried = g
        .rerun_job(JobRef {
            project: PROJECT.into(),
            id: "7".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        (retried.id.as_str(), retried.status),
        ("9", PipelineStatus::Queued)
    );
    let played = g
        .rerun_job(JobRef {
            project: PROJECT.into(),
            id: "8".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        (played.id.as_str(), played.status),
        ("8", PipelineStatus::Queued)
    );
}

#[tokio::test]
async fn job_and_pipeline_logs() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/pipelines/6")))
        .respond_with(ok(pipeline_json(6, "running")))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/pipelines/6/jobs")))
        .and(query_param("per_page", "100"))
        .respond_with(ok(json!([
            job_json(9, 6, "deploy", "deploy", "manual", false),
            job_json(8, 6, "rspec", "test", "running", false),
            job_json(7, 6, "build", "build", "success", false),
        ])))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/jobs/7")))
        .respond_with(ok(job_json(7, 6, "build", "build", "success", false)))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/jobs/7/trace")))
        .respond_with(ResponseTemplate::new(200).set_body_string("compiling\ndone\n"))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/jobs/8/trace")))
        .respond_with(ResponseTemplate::new(200).set_body_string("running specs"))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/jobs/9/trace")))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "404 Not Found"})))
        .mount(&s)
        .await;
    let g = provider(&s);
    let log = g
        .get_log(GetLog {
            project: PROJECT.into(),
            pipeline: "6".into(),
            job: Some("7".into()),
            offset: 10,
        })
        .await
        .unwrap();
    assert_eq!(
        log,
        Log {
            text: "done\n".into(),
            next_offset: 15,
            complete: true
        }
    );
    let e = g
        .get_log(GetLog {
            project: PROJECT.into(),
            pipeline: "5".into(),
            job: Some("7".into()),
            offset: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let all = g
        .get_log(GetLog {
            project: PROJECT.into(),
            pipeline: "6".into(),
            job: None,
            offset: 0,
        })
        .await
        .unwrap();
    let expected = "=== build / build (job 7) ===\ncompiling\ndone\n=== test / rspec (job 8) ===\nrunning specs\n";
    assert_eq!(all.text, expected);
    assert_eq!(all.next_offset, expected.len() as u64);
    assert!(!all.complete, "the pipeline is still running");
}

#[tokio::test]
async fn artifacts_are_job_archives() {
    let api = MockServer::start().await;
    let storage = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/pipelines/6/jobs")))
        .respond_with(ok(json!([
            job_json(7, 6, "build", "build", "success", true),
            job_json(8, 6, "lint", "test", "success", false),
        ])))
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/jobs/7")))
        .respond_with(ok(job_json(7, 6, "build", "build", "success", true)))
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/jobs/8")))
        .respond_with(ok(job_json(8, 6, "lint", "test", "success", false)))
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/jobs/7/artifacts")))
        .and(header("private-token", "glpat-test"))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "location",
            format!("{}/bucket/7.zip?X-Amz-Signature=abc", storage.uri()),
        ))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/bucket/7.zip"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"PK\x03\x04".to_vec()))
        .expect(1)
        .mount(&storage)
        .await;
    let g = storage_provider(&api, &storage);
    let page = g
        .list_artifacts(ListArtifacts {
            project: PROJECT.into(),
            pipeline: "6".into(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(
        page.items,
        [Artifact {
            id: "7".into(),
            name: "build/artifacts.zip".into(),
            size: Some(1000),
            expired: false
        }]
    );
    let data = g
        .download_artifact(ArtifactRef {
            project: PROJECT.into(),
            pipeline: "6".into(),
            id: "7".into(),
        })
        .await
        .unwrap();
    assert_eq!(data.name, "artifacts.zip");
    assert_eq!(data.content, b"PK\x03\x04");
    for r in storage.received_requests().await.unwrap() {
        assert!(!r.headers.contains_key("private-token"));
    }
    let e = g
        .download_artifact(ArtifactRef {
            project: PROJECT.into(),
            pipeline: "6".into(),
            id: "8".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "no archive");
}

#[tokio::test]
async fn environments() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/environments")))
        .and(query_param("name", "review"))
        .respond_with(ok(json!([])))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/environments")))
        .and(query_param("name", "production"))
        .respond_with(ok(json!([env_json(
            1,
            "production",
            Some("https://prod.example.com"),
            "available"
        )])))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{P}/environments")))
        .and(body_json(
            json!({"name": "review", "external_url": "https://review.example.com"}),
        ))
        .respond_with(created(env_json(
            2,
            "review",
            Some("https://review.example.com"),
            "available",
        )))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{P}/environments/1")))
        .and(body_json(
            json!({"external_url": "https://two.example.com"}),
        ))
        .respond_with(ok(env_json(
            1,
            "production",
            Some("https://two.example.com"),
            "available",
        )))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{P}/environments/1/stop")))
        .respond_with(ok(env_json(1, "production", None, "stopped")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{P}/environments/1")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/environments")))
        .and(query_param_is_missing("name"))
        .respond_with(ok(json!([
            env_json(
                1,
                "production",
                Some("https://prod.example.com"),
                "available"
            ),
            env_json(2, "review", Some(""), "stopped")
        ])))
        .expect(1)
        .mount(&s)
        .await;
    let g = provider(&s);
    let put = |name: &str, url: &str| WriteEnvironment {
        project: PROJECT.into(),
        name: name.into(),
        url: Some(url.into()),
    };
    let e = g
        .create_environment(put("review", "https://review.example.com"))
        .await
        .unwrap();
    assert_eq!(
        e,
        Environment {
            id: "2".into(),
            name: "review".into(),
            url: Some("https://review.example.com".into())
        }
    );
    let dup = g
        .create_environment(put("production", "https://x.example.com"))
        .await
        .unwrap_err();
    assert_eq!(dup.kind(), ErrorKind::Conflict);
    let e = g
        .update_environment(put("production", "https://two.example.com"))
        .await
        .unwrap();
    assert_eq!(e.url.as_deref(), Some("https://two.example.com"));
    let missing = g
        .update_environment(put("review", "https://x.example.com"))
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    let list = g
        .list_environments(ListEnvironments {
            project: PROJECT.into(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(list.items.len(), 2);
    assert_eq!(list.items[1].url, None, "an empty URL is none");
    // an available environment is stopped, then deleted
    g.delete_environment(EnvironmentRef {
        project: PROJECT.into(),
        name: "production".into(),
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn variables_are_the_secrets() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/variables/DEPLOY_TOKEN")))
        .and(query_param("filter[environment_scope]", "production"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"message": "404 Variable Not Found"})),
        )
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/variables/EXISTING")))
        .and(query_param("filter[environment_scope]", "*"))
        .respond_with(ok(var_json("EXISTING", false, false, "*")))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{P}/variables")))
        .and(body_json(
            json!({"key": "DEPLOY_TOKEN", "value": "s3cr3t-value-1", "masked": true,
                              "protected": true, "environment_scope": "production"}),
        ))
        .respond_with(created(var_json("DEPLOY_TOKEN", true, true, "production")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{P}/variables/DEPLOY_TOKEN")))
        .and(query_param("filter[environment_scope]", "production"))
        .and(body_json(
            json!({"value": "s3cr3t-value-2", "masked": true, "protected": false,
                              "environment_scope": "production"}),
        ))
        .respond_with(ok(var_json("DEPLOY_TOKEN", true, false, "production")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{P}/variables/DEPLOY_TOKEN")))
        .and(query_param("filter[environment_scope]", "production"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/variables")))
        .respond_with(ok(json!([
            var_json("TEST_VARIABLE_1", true, false, "*"),
            var_json("DEPLOY_TOKEN", true, true, "production"),
        ])))
        .mount(&s)
        .await;
    let g = provider(&s);
    let put = |name: &str, value: &str, protected: bool, env: Option<&str>| WriteSecret {
        project: PROJECT.into(),
        name: name.into(),
        value: Secret::new(value),
        environment: env.map(str::to_owned),
        masked: true,
        protected,
    };
    let info = g
        .create_secret(put(
            "DEPLOY_TOKEN",
            "s3cr3t-value-1",
            true,
            Some("production"),
        ))
        .await
        .unwrap();
    assert_eq!(
        info,
        SecretInfo {
            name: "DEPLOY_TOKEN".into(),
            environment: Some("production".into()),
            masked: true,
            protected: true,
            created_at: None,
            updated_at: None,
        }
    );
    let dup = g
        .create_secret(put("EXISTING", "v", false, None))
        .await
        .unwrap_err();
    assert_eq!(dup.kind(), ErrorKind::Conflict);
    let bad = g
        .create_secret(put("NOT-OK", "v", false, None))
        .await
        .unwrap_err();
    assert_eq!(bad.field(), Some("name"));
    let info = g
        .update_secret(put(
            "DEPLOY_TOKEN",
            "s3cr3t-value-2",
            false,
            Some("production"),
        ))
        .await
        .unwrap();
    assert!(!info.protected);
    let all = g
        .list_secrets(ListSecrets {
            project: PROJECT.into(),
            environment: None,
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(all.items.len(), 2);
    assert_eq!(
        all.items[0].environment, None,
        "scope * is every environment"
    );
    assert!(
        !format!("{all:?}").contains("SUPER-SECRET-VALUE"),
        "values are dropped"
    );
    let prod = g
        .list_secrets(ListSecrets {
            project: PROJECT.into(),
            environment: Some("production".into()),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    let names: Vec<&str> = prod.items.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["DEPLOY_TOKEN"]);
    g.delete_secret(SecretRef {
        project: PROJECT.into(),
        name: "DEPLOY_TOKEN".into(),
        environment: Some("production".into()),
    })
    .await
    .unwrap();
}

#[test]
fn status_table() {
    use PipelineStatus::*;
    let cases = [
        ("created", Queued),
        ("waiting_for_resource", Queued),
        ("preparing", Queued),
        ("pending", Queued),
        ("scheduled", Queued),
        ("running", Running),
        ("canceling", Running),
        ("waiting_for_callback", Running),
        ("success", Success),
        ("failed", Failure),
        ("canceled", Cancelled),
        ("skipped", Skipped),
        ("manual", Manual),
        ("something_new", Queued),
    ];
    for (word, want) in cases {
        assert_eq!(gitlab_ci::status(word), want, "{word}");
    }
    assert_eq!(STATUSES.len(), cases.len() - 1);
}

#[tokio::test]
async fn error_mapping() {
    let s = MockServer::start().await;
    let cases: Vec<(u64, ResponseTemplate, ErrorKind)> = vec![
        (
            1,
            ResponseTemplate::new(401).set_body_json(json!({"message": "401 Unauthorized"})),
            ErrorKind::Unauthenticated,
        ),
        (
            2,
            ResponseTemplate::new(403).set_body_json(json!({"message": "403 Forbidden"})),
            ErrorKind::PermissionDenied,
        ),
        (
            3,
            ResponseTemplate::new(404).set_body_json(json!({"message": "404 Not found"})),
            ErrorKind::NotFound,
        ),
        (
            4,
            ResponseTemplate::new(400).set_body_json(
                json!({"message": {"base": ["Pipeline will not run for the selected trigger"]}}),
            ),
            ErrorKind::InvalidInput,
        ),
        (
            5,
            ResponseTemplate::new(409).set_body_json(json!({"message": "409 Conflict"})),
            ErrorKind::Conflict,
        ),
        (
            6,
            ResponseTemplate::new(429)
                .insert_header("retry-after", "30")
                .insert_header("ratelimit-remaining", "0"),
            ErrorKind::RateLimited,
        ),
        (7, ResponseTemplate::new(502), ErrorKind::Unavailable),
        (
            8,
            ResponseTemplate::new(200).set_body_string("<html>"),
            ErrorKind::Decode,
        ),
        (
            9,
            ResponseTemplate::new(200).set_body_json(json!({"id": 9, "status": 5})),
            ErrorKind::Decode,
        ),
    ];
    for (id, resp, _) in &cases {
        Mock::given(method("GET"))
            .and(path(format!("{P}/pipelines/{id}")))
            .respond_with(resp.clone())
            .mount(&s)
            .await;
    }
    let g = provider(&s);
    for (id, _, kind) in cases {
        let e = g
            .get_pipeline(PipelineRef::new(PROJECT, id.to_string()))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), kind, "case {id}: {e}");
        assert_eq!(e.provider(), Some("gitlab-ci"));
        match id {
            4 => assert_eq!(e.field(), Some("base")),
            6 => assert_eq!(e.retry_after(), Some(std::time::Duration::from_secs(30))),
            9 => assert!(e.message().contains("$.status"), "{e}"),
            _ => {}
        }
    }
    let e = g
        .get_pipeline(PipelineRef::new(PROJECT, "x"))
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("id"));
}

#[tokio::test]
async fn the_plugin_manifest_and_schema() {
    use mosaic_plugin_sdk::{Env, PluginConfig, PluginContext};
    let f = gitlab_ci::plugin_factory().unwrap();
    let m = f.manifest().clone();
    assert_eq!(m.id, "gitlab-ci");
    assert_eq!(m.families, [mosaic_core::Family::CiCd]);
    let declared = m.capabilities.get(&mosaic_core::Family::CiCd).unwrap();
    assert_eq!(declared.len(), CiCdOp::ALL.len());
    assert_eq!(GitLabCi::operations().len(), CiCdOp::ALL.len());
    let env = Env::fixed::<&str, &str>([]);
    let cfg = PluginConfig::resolve(
        &m,
        Some(&json!({"auth": {"type": "private_token", "token": "glpat-x"}})),
        &env,
    )
    .unwrap();
    assert_eq!(
        cfg.get("base_url"),
        Some(&json!("https://gitlab.com/api/v4"))
    );
    assert_eq!(cfg.get("max_job_pages"), Some(&json!(20)));
    assert!(!cfg.redacted().to_string().contains("glpat-x"));
    let parsed: GitLabCiConfig = cfg.parse().unwrap();
    assert_eq!(parsed.max_job_pages, 20);
    for bad in [
        json!({"auth": {"type": "private_token"}}),
        json!({"auth": {"type": "oauth", "token": "t"}, "max_job_pages": 0}),
        json!({"auth": {"type": "job_token", "token": "t"}}),
    ] {
        let e = PluginConfig::resolve(&m, Some(&bad), &env).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{bad}");
    }
    let mut plugin = f.create().unwrap();
    plugin
        .initialize(PluginContext::builder(&m).build(), cfg)
        .await
        .unwrap();
    assert!(plugin.services().cicd.is_some());
}

proptest! {
    #[test]
    fn malformed_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = GitLabCi::parse_pipelines(PROJECT, &body);
        let _ = GitLabCi::parse_jobs(&body);
    }

    #[test]
    fn any_status_word_maps(word in "[a-z_]{0,20}") {
        let body = json!([pipeline_json(40, &word)]);
        let p = GitLabCi::parse_pipelines(PROJECT, body.to_string().as_bytes()).unwrap();
        prop_assert_eq!(&p[0].raw_status, &word);
        prop_assert_eq!(p[0].status, gitlab_ci::status(&word));
        let bad = json!([{"id": "forty", "status": word}]);
        prop_assert_eq!(
            GitLabCi::parse_pipelines(PROJECT, bad.to_string().as_bytes()).unwrap_err().kind(),
            ErrorKind::Decode
        );
    }
}

#[test]
fn the_catalog_offers_the_plugin() {
    let ids: Vec<String> = mosaic_providers::catalog::factories()
        .unwrap()
        .iter()
        .map(|f| f.manifest().id.clone())
        .collect();
    assert!(ids.iter().any(|i| i == "gitlab-ci"), "{ids:?}");
}
