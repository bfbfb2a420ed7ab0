//! Woodpecker against a local mock server: repository id lookup (once),
//! manual pipelines, cancel, restart, approval, steps and their logs,
//! secrets, crons, status table, errors, unsupported operations,
//! pagination, malformed bodies and the plugin manifest.
#![cfg(feature = "woodpecker")]

use std::collections::BTreeMap;

use base64::Engine as _;
use futures::StreamExt;
use mosaic_core::cicd::*;
use mosaic_core::page::paginate;
use mosaic_core::{ErrorKind, PageRequest, Secret};
use mosaic_providers::woodpecker::{self, NewCron, STATUSES, Woodpecker, WoodpeckerConfig};
use proptest::prelude::*;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const R: &str = "/api/repos/7";
const PROJECT: &str = "octo/app";
const SHA: &str = "2f5b8a9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a";

async fn server() -> MockServer {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/repos/lookup/octo/app"))
        .and(header("authorization", "Bearer wp-token"))
        .respond_with(ok(
            json!({"id": 7, "forge_id": 1, "forge_remote_id": "42", "owner": "octo",
            "name": "app", "full_name": "octo/app", "default_branch": "main", "active": true}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    s
}

fn provider(s: &MockServer) -> Woodpecker {
    Woodpecker::new(WoodpeckerConfig::new(s.uri(), "wp-token")).unwrap()
}

fn ok(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(v)
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn pipeline_json(number: u64, status: &str, branch: &str) -> Value {
    let mut p = json!({
        "id": 1000 + number, "number": number, "author": "octocat", "parent": 0,
        "event": "manual", "status": status, "errors": null,
        "created": 1700000000, "updated": 1700000100,
        "started": if status == "pending" { 0 } else { 1700000010 },
        "finished": if status == "success" || status == "failure" { 1700000100 } else { 0 },
        "deploy_to": "", "commit": SHA, "branch": branch, "ref": format!("refs/heads/{branch}"),
        "refspec": "", "title": "", "message": format!("MANUAL PIPELINE @ {branch}"),
        "timestamp": 1700000000, "sender": "octocat", "author_avatar": "", "author_email": "",
        "forge_url": format!("https://git.example.com/octo/app/commit/{SHA}"),
        "reviewed_by": "", "reviewed": 0
    });
    let clone = json!({"id": 11, "uuid": "u1", "pipeline_id": 1000 + number, "pid": 2, "ppid": 1,
        "name": "clone", "state": "success", "exit_code": 0, "started": 1700000010,
        "finished": 1700000020, "type": "clone"});
    let test = json!({"id": 12, "uuid": "u2", "pipeline_id": 1000 + number, "pid": 3, "ppid": 1,
        "name": "test", "state": status, "exit_code": 0, "started": 1700000020, "type": "commands"});
    p["workflows"] = json!([{"id": 1, "pipeline_id": 1000 + number, "pid": 1, "name": "build",
        "state": status, "children": [clone, test]}]);
    p
}

#[tokio::test]
async fn manual_pipelines_cancel_restart() {
    let s = server().await;
    Mock::given(method("POST"))
        .and(path(format!("{R}/pipelines")))
        .and(body_json(
            json!({"branch": "main", "variables": {"DEPLOY": "1"}}),
        ))
        .respond_with(ok(pipeline_json(5, "pending", "main")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/pipelines/5")))
        .respond_with(ok(pipeline_json(5, "killed", "main")))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{R}/pipelines/5/cancel")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{R}/pipelines/5")))
        .respond_with(ok(pipeline_json(6, "pending", "main")))
        .expect(1)
        .mount(&s)
        .await;
    let w = provider(&s);
    let p = w
        .create_pipeline(CreatePipeline {
            project: PROJECT.into(),
            reference: "main".into(),
            variables: BTreeMap::from([("DEPLOY".to_owned(), "1".to_owned())]),
        })
        .await
        .unwrap();
    assert_eq!(
        p,
        Pipeline {
            id: "5".into(),
            number: Some(5),
            project: PROJECT.into(),
            definition: None,
            reference: Some("main".into()),
            sha: Some(SHA.into()),
            status: PipelineStatus::Queued,
            raw_status: "pending".into(),
            event: Some("manual".into()),
            web_url: Some(format!("{}/repos/7/pipeline/5", s.uri())),
            created_at: Some("2023-11-14T22:13:20Z".into()),
            started_at: None,
            finished_at: None,
        }
    );
    let c = w
        .cancel_pipeline(PipelineRef::new(PROJECT, "5"))
        .await
        .unwrap();
    assert_eq!(c.status, PipelineStatus::Cancelled);
    let r = w
        .retry_pipeline(RetryPipeline {
            project: PROJECT.into(),
            id: "5".into(),
            failed_only: false,
        })
        .await
        .unwrap();
    assert_eq!(r.id, "6");
    let e = w
        .retry_pipeline(RetryPipeline {
            project: PROJECT.into(),
            id: "5".into(),
            failed_only: true,
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("failed_only"));
    // a numeric project needs no lookup
    let p = w.get_pipeline(PipelineRef::new("7", "5")).await.unwrap();
    assert_eq!(p.raw_status, "killed");
}

#[tokio::test]
async fn list_pipelines_walks_pages_and_filters() {
    let s = server().await;
    for (page, items) in [
        (
            "1",
            json!([
                pipeline_json(9, "running", "main"),
                pipeline_json(8, "success", "dev")
            ]),
        ),
        (
            "2",
            json!([
                pipeline_json(7, "failure", "main"),
                pipeline_json(6, "success", "main")
            ]),
        ),
        ("3", json!([pipeline_json(5, "success", "main")])),
    ] {
        Mock::given(method("GET"))
            .and(path(format!("{R}/pipelines")))
            .and(query_param("page", page))
            .and(query_param("perPage", "2"))
            .respond_with(ok(items))
            .expect(1)
            .mount(&s)
            .await;
    }
    let w = provider(&s);
    let all: Vec<Pipeline> = paginate(
        ListPipelines {
            project: PROJECT.into(),
            reference: Some("main".into()),
            status: Some(PipelineStatus::Success),
            page: PageRequest::with_size(2),
            ..Default::default()
        },
        move |q| {
            let w = w.clone();
            async move { w.list_pipelines(q).await }
        },
    )
    .map(|r| r.unwrap())
    .collect()
    .await;
    let ids: Vec<&str> = all.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["6", "5"]);
}

#[tokio::test]
async fn steps_are_jobs_with_logs() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/pipelines/9")))
        .respond_with(ok(pipeline_json(9, "running", "main")))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/logs/9/11")))
        .respond_with(ok(json!([
            {"id": 1, "step_id": 11, "time": 0, "line": 0, "data": b64("+ git init"), "type": 0},
            {"id": 2, "step_id": 11, "time": 1, "line": 1, "data": b64("done\n"), "type": 0},
            {"id": 3, "step_id": 11, "time": 2, "line": 2, "data": b64("0"), "type": 2}
        ])))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/logs/9/12")))
        .respond_with(ok(json!([
            {"id": 4, "step_id": 12, "time": 0, "line": 0, "data": b64("running tests"), "type": 1}
        ])))
        .mount(&s)
        .await;
    let w = provider(&s);
    let jobs = w
        .list_jobs(ListJobs {
            project: PROJECT.into(),
            pipeline: "9".into(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(
        jobs.items[0],
        Job {
            id: "9/11".into(),
            pipeline_id: "9".into(),
            name: "clone".into(),
            stage: Some("build".into()),
            status: PipelineStatus::Success,
            raw_status: "success".into(),
            web_url: None,
            started_at: Some("2023-11-14T22:13:30Z".into()),
            finished_at: Some("2023-11-14T22:13:40Z".into()),
        }
    );
    assert_eq!(jobs.items[1].status, PipelineStatus::Running);
    let j = w
        .get_job(JobRef {
            project: PROJECT.into(),
            id: "9/12".into(),
        })
        .await
        .unwrap();
    assert_eq!(j.name, "test");
    let e = w
        .get_job(JobRef {
            project: PROJECT.into(),
            id: "9/99".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let log = w
        .get_log(GetLog {
            project: PROJECT.into(),
            pipeline: "9".into(),
            job: Some("9/11".into()),
            offset: 11,
        })
        .await
        .unwrap();
    assert_eq!(
        log,
        Log {
            text: "done\n".into(),
            next_offset: 16,
            complete: true
        }
    );
    let all = w
        .get_log(GetLog {
            project: PROJECT.into(),
            pipeline: "9".into(),
            job: None,
            offset: 0,
        })
        .await
        .unwrap();
    assert_eq!(
        all.text,
        "=== build / clone ===\n+ git init\ndone\n=== build / test ===\nrunning tests\n"
    );
    assert!(!all.complete, "the pipeline is running");
}

#[tokio::test]
async fn secrets() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/secrets/docker_password")))
        .respond_with(ResponseTemplate::new(404).set_body_string("Not Found"))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/secrets/taken")))
        .respond_with(ok(
            json!({"id": 3, "repo_id": 7, "name": "taken", "images": [], "events": ["push"]}),
        ))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{R}/secrets")))
        .and(body_json(
            json!({"name": "docker_password", "value": "s3cr3t-value",
            "events": ["push", "tag", "deployment", "cron", "manual"], "images": []}),
        ))
        .respond_with(ok(
            json!({"id": 4, "org_id": 0, "repo_id": 7, "name": "docker_password",
            "images": [], "events": ["cron", "deployment", "manual", "push", "tag"]}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{R}/secrets/docker_password")))
        .and(body_json(json!({"name": "docker_password", "value": "v2",
            "events": ["push", "tag", "deployment", "cron", "manual"], "images": []})))
        .respond_with(ok(json!({"id": 4, "repo_id": 7, "name": "docker_password", "images": [], "events": ["push"]})))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{R}/secrets/docker_password")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/secrets")))
        .and(query_param("page", "1"))
        .respond_with(ok(json!([
            {"id": 3, "repo_id": 7, "name": "taken", "images": [], "events": ["push"]},
            {"id": 4, "repo_id": 7, "name": "docker_password", "images": [], "events": ["push"]}
        ])))
        .expect(1)
        .mount(&s)
        .await;
    let w = provider(&s);
    let put = |name: &str, value: &str| WriteSecret {
        project: PROJECT.into(),
        name: name.into(),
        value: Secret::new(value),
        environment: None,
        masked: true,
        protected: false,
    };
    let info = w
        .create_secret(put("docker_password", "s3cr3t-value"))
        .await
        .unwrap();
    assert_eq!(
        info,
        SecretInfo {
            name: "docker_password".into(),
            environment: None,
            masked: true,
            protected: false,
            created_at: None,
            updated_at: None,
        }
    );
    assert_eq!(
        w.create_secret(put("taken", "x")).await.unwrap_err().kind(),
        ErrorKind::Conflict
    );
    let mut scoped = put("x", "y");
    scoped.environment = Some("prod".into());
    assert_eq!(
        w.create_secret(scoped).await.unwrap_err().field(),
        Some("environment")
    );
    let mut protected = put("x", "y");
    protected.protected = true;
    assert_eq!(
        w.update_secret(protected).await.unwrap_err().field(),
        Some("protected")
    );
    w.update_secret(put("docker_password", "v2")).await.unwrap();
    let list = w
        .list_secrets(ListSecrets {
            project: PROJECT.into(),
            environment: None,
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(list.items.len(), 2);
    assert!(!list.has_next());
    w.delete_secret(SecretRef {
        project: PROJECT.into(),
        name: "docker_password".into(),
        environment: None,
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn crons_and_approvals() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/cron")))
        .respond_with(ok(
            json!([{"id": 1, "name": "nightly", "repo_id": 7, "creator_id": 1,
            "next_exec": 1700006400, "schedule": "@daily", "created": 1700000000, "branch": ""}]),
        ))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{R}/cron")))
        .and(body_json(
            json!({"name": "weekly", "schedule": "0 3 * * 1", "branch": "release"}),
        ))
        .respond_with(ok(
            json!({"id": 2, "name": "weekly", "repo_id": 7, "creator_id": 1,
            "next_exec": 0, "schedule": "0 3 * * 1", "created": 1700000000, "branch": "release"}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{R}/cron/2")))
        .respond_with(ok(pipeline_json(10, "pending", "release")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{R}/cron/2")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{R}/pipelines/11/approve")))
        .respond_with(ok(pipeline_json(11, "pending", "main")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{R}/pipelines/12/decline")))
        .respond_with(ok(pipeline_json(12, "declined", "main")))
        .expect(1)
        .mount(&s)
        .await;
    let w = provider(&s);
    let crons = w.list_crons(PROJECT).await.unwrap();
    assert_eq!(crons[0].name, "nightly");
    assert_eq!(crons[0].branch, None);
    assert_eq!(crons[0].next_run.as_deref(), Some("2023-11-15T00:00:00Z"));
    let c = w
        .create_cron(
            PROJECT,
            NewCron {
                name: "weekly".into(),
                schedule: "0 3 * * 1".into(),
                branch: Some("release".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!((c.id, c.next_run), (2, None));
    let run = w.run_cron(PROJECT, 2).await.unwrap();
    assert_eq!(run.reference.as_deref(), Some("release"));
    w.delete_cron(PROJECT, 2).await.unwrap();
    assert_eq!(
        w.approve(PROJECT, 11).await.unwrap().status,
        PipelineStatus::Queued
    );
    assert_eq!(
        w.decline(PROJECT, 12).await.unwrap().status,
        PipelineStatus::Cancelled
    );
    let e = w
        .create_cron(PROJECT, NewCron::default())
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("name"));
}

#[tokio::test]
async fn unsupported_operations_errors_and_capabilities() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/repos/lookup/octo/gone"))
        .respond_with(ResponseTemplate::new(404).set_body_string("Not Found"))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/repos/3/pipelines/1"))
        .respond_with(ResponseTemplate::new(403).set_body_string("Forbidden"))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/repos/3/pipelines/2"))
        .respond_with(ok(json!({"number": 2, "status": 7})))
        .mount(&s)
        .await;
    let w = provider(&s);
    let caps = w.capabilities();
    for op in [
        CiCdOp::ListDefinitions,
        CiCdOp::GetDefinition,
        CiCdOp::TriggerPipeline,
        CiCdOp::ListArtifacts,
        CiCdOp::DownloadArtifact,
        CiCdOp::RerunJob,
        CiCdOp::CreateEnvironment,
        CiCdOp::ListEnvironments,
    ] {
        assert!(!caps.supports(op), "{op:?}");
    }
    assert_eq!(caps.len(), 12);
    assert_eq!(
        w.trigger_pipeline(TriggerPipeline::default())
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Unsupported
    );
    assert_eq!(
        w.list_artifacts(ListArtifacts::default())
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Unsupported
    );
    let e = w
        .get_pipeline(PipelineRef::new("octo/gone", "1"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let e = w
        .get_pipeline(PipelineRef::new("3", "1"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    let e = w
        .get_pipeline(PipelineRef::new("3", "2"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert_eq!(e.provider(), Some("woodpecker"));
    let e = w
        .get_pipeline(PipelineRef::new("octo", "2"))
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("project"));
    assert!(!format!("{w:?}").contains("wp-token"));
}

#[test]
fn status_table() {
    use PipelineStatus::*;
    let cases = [
        ("created", Queued),
        ("pending", Queued),
        ("running", Running),
        ("success", Success),
        ("failure", Failure),
        ("error", Failure),
        ("killed", Cancelled),
        ("declined", Cancelled),
        ("skipped", Skipped),
        ("blocked", Manual),
        ("brand_new", Queued),
    ];
    for (word, want) in cases {
        assert_eq!(woodpecker::status(word), want, "{word}");
    }
    assert_eq!(STATUSES.len(), cases.len() - 1);
}

#[tokio::test]
async fn the_plugin_manifest_and_schema() {
    use mosaic_plugin_sdk::{Env, PluginConfig, PluginContext};
    let f = woodpecker::plugin_factory().unwrap();
    let m = f.manifest().clone();
    assert_eq!(m.id, "woodpecker");
    let mut declared: Vec<&str> = m
        .capabilities
        .get(&mosaic_core::Family::CiCd)
        .unwrap()
        .to_vec();
    declared.sort_unstable();
    let mut actual: Vec<&str> = Woodpecker::operations().names().collect();
    actual.sort_unstable();
    assert_eq!(declared, actual);
    let env = Env::fixed::<&str, &str>([]);
    let cfg = PluginConfig::resolve(
        &m,
        Some(&json!({"base_url": "https://ci.example.com", "token": "wp-secret"})),
        &env,
    )
    .unwrap();
    assert_eq!(
        cfg.get("secret_events"),
        Some(&json!(["push", "tag", "deployment", "cron", "manual"]))
    );
    assert!(!cfg.redacted().to_string().contains("wp-secret"));
    let parsed: WoodpeckerConfig = cfg.parse().unwrap();
    assert_eq!(parsed.secret_events.len(), 5);
    for bad in [
        json!({"base_url": "https://ci.example.com"}),
        json!({"base_url": "https://ci.example.com", "token": "t", "secret_events": []}),
        json!({"base_url": "https://ci.example.com", "token": "t", "secret_events": ["nope"]}),
    ] {
        let e = PluginConfig::resolve(&m, Some(&bad), &env).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{bad}");
    }
    let mut perms = m.permissions.clone();
    perms.network.hosts = vec!["ci.example.com".to_owned()];
    let mut plugin = f.create().unwrap();
    plugin
        .initialize(PluginContext::builder(&m).permissions(perms).build(), cfg)
        .await
        .unwrap();
    assert!(plugin.services().cicd.is_some());
}

proptest! {
    #[test]
    fn malformed_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = Woodpecker::parse_pipeline(PROJECT, &body);
    }

    #[test]
    fn any_status_word_maps(word in "[a-z_]{0,12}") {
        let p = Woodpecker::parse_pipeline(PROJECT, json!({"number": 3, "status": word}).to_string().as_bytes()).unwrap();
        prop_assert_eq!(p.status, woodpecker::status(&word));
        prop_assert_eq!(p.raw_status, word);
    }
}
