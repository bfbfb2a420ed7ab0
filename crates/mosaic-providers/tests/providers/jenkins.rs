//! Jenkins against a local mock server: folder and job paths, builds with
//! parameters followed from the queue item to the build number on paused
//! time, CSRF crumbs (with their session cookie, refreshed after a 403,
//! absent when the issuer is), progressive console text, artifacts,
//! Pipeline stages, status tables, errors, unsupported operations and the
//! plugin manifest.
#![cfg(feature = "jenkins")]

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;
use mosaic_core::cicd::*;
use mosaic_core::page::paginate;
use mosaic_core::{ErrorKind, PageRequest};
use mosaic_providers::ci::PollSettings;
use mosaic_providers::jenkins::{self, BUILD_STATUSES, Jenkins, JenkinsConfig, STAGE_STATUSES};
use proptest::prelude::*;
use serde_json::{Value, json};
use wiremock::matchers::{body_string, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// base64("admin:11abcdef")
const BASIC: &str = "Basic YWRtaW46MTFhYmNkZWY=";
const SHA: &str = "9d5bd0f5b4a37e4bd6ea6a5b6c8c46a1e1b7f7c3";
const BUILD_TREE: &str = "number,url,result,building,timestamp,duration,actions[_class,causes[_class,shortDescription],parameters[name,value],lastBuiltRevision[SHA1,branch[name]]]";

fn provider(s: &MockServer) -> Jenkins {
    Jenkins::new(JenkinsConfig::new(s.uri(), "admin", "11abcdef")).unwrap()
}

/// For paused-time tests: no client timers that auto-advance could fire.
fn paused_provider(s: &MockServer, poll: PollSettings) -> Jenkins {
    let mut cfg = JenkinsConfig::new(s.uri(), "admin", "11abcdef").with_queue_poll(poll);
    cfg.http.timeout_secs = 0;
    cfg.http.connect_timeout_secs = 0;
    let client = crate::paused_client("jenkins", &s.uri());
    Jenkins::with_client(cfg, client).unwrap()
}

fn ok(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(v)
}

fn build_json(s: &str, job_url: &str, number: u64, result: Option<&str>, building: bool) -> Value {
    json!({
        "_class": "org.jenkinsci.plugins.workflow.job.WorkflowRun",
        "actions": [
            {"_class": "hudson.model.CauseAction", "causes": [
                {"_class": "hudson.model.Cause$UserIdCause", "shortDescription": "Started by user admin"}
            ]},
            {"_class": "hudson.model.ParametersAction", "parameters": [
                {"_class": "hudson.model.StringParameterValue", "name": "ENV", "value": "prod"},
                {"_class": "hudson.model.BooleanParameterValue", "name": "DRY_RUN", "value": false},
                {"_class": "hudson.model.PasswordParameterValue", "name": "TOKEN"}
            ]},
            {},
            {"_class": "hudson.plugins.git.util.BuildData", "lastBuiltRevision": {
                "SHA1": SHA, "branch": [{"SHA1": SHA, "name": "refs/remotes/origin/main"}]
            }}
        ],
        "building": building,
        "duration": if building { 0 } else { 65000 },
        "number": number,
        "result": result,
        "timestamp": 1700000000000u64,
        "url": format!("{s}{job_url}/{number}/")
    })
}

async fn crumb(s: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/crumbIssuer/api/json"))
        .and(header("authorization", BASIC))
        .respond_with(
            ok(json!({"_class": "hudson.security.csrf.DefaultCrumbIssuer",
                      "crumb": "c0ffee", "crumbRequestField": "Jenkins-Crumb"}))
            .insert_header("set-cookie", "JSESSIONID.abc=node01xyz; Path=/; HttpOnly"),
        )
        .expect(1)
        .mount(s)
        .await;
}

#[tokio::test]
async fn folder_jobs_are_definitions_in_ranges() {
    let s = MockServer::start().await;
    let job = |name: &str, class: &str, color: Option<&str>, buildable: Option<bool>| {
        let mut j = json!({"_class": class, "name": name, "fullName": format!("team/{name}"),
                           "url": format!("{}/job/team/job/{name}/", s.uri())});
        if let Some(c) = color {
            j["color"] = json!(c);
        }
        if let Some(b) = buildable {
            j["buildable"] = json!(b);
        }
        j
    };
    let pages = [
        (
            "{0,3}",
            json!([
                job(
                    "api",
                    "hudson.model.FreeStyleProject",
                    Some("blue"),
                    Some(true)
                ),
                job(
                    "libs",
                    "com.cloudbees.hudson.plugins.folder.Folder",
                    None,
                    None
                ),
                job(
                    "web",
                    "org.jenkinsci.plugins.workflow.job.WorkflowJob",
                    Some("disabled"),
                    Some(false)
                )
            ]),
        ),
        (
            "{2,5}",
            json!([
                job(
                    "web",
                    "org.jenkinsci.plugins.workflow.job.WorkflowJob",
                    Some("disabled"),
                    Some(false)
                ),
                job(
                    "worker",
                    "org.jenkinsci.plugins.workflow.job.WorkflowJob",
                    Some("red_anime"),
                    Some(true)
                ),
                job(
                    "zeta",
                    "hudson.model.FreeStyleProject",
                    Some("notbuilt"),
                    Some(true)
                )
            ]),
        ),
        (
            "{4,7}",
            json!([job(
                "zeta",
                "hudson.model.FreeStyleProject",
                Some("notbuilt"),
                Some(true)
            )]),
        ),
    ];
    for (range, jobs) in pages {
        Mock::given(method("GET"))
            .and(path("/job/team/api/json"))
            .and(query_param(
                "tree",
                format!("jobs[_class,name,fullName,url,color,buildable]{range}"),
            ))
            .and(header("authorization", BASIC))
            .respond_with(ok(
                json!({"_class": "com.cloudbees.hudson.plugins.folder.Folder", "jobs": jobs}),
            ))
            .expect(1)
            .mount(&s)
            .await;
    }
    let j = provider(&s);
    let all: Vec<PipelineDefinition> = paginate(
        ListDefinitions {
            project: "team".into(),
            page: PageRequest::with_size(2),
        },
        move |q| {
            let j = j.clone();
            async move { j.list_definitions(q).await }
        },
    )
    .map(|r| r.unwrap())
    .collect()
    .await;
    let got: Vec<(&str, bool)> = all.iter().map(|d| (d.id.as_str(), d.enabled)).collect();
    assert_eq!(
        got,
        [
            ("api", true),
            ("web", false),
            ("worker", true),
            ("zeta", true)
        ],
        "the folder is left out"
    );
    assert_eq!(all[0].name, "team/api");
}

#[tokio::test]
async fn get_definition_and_folders() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/jenkins/job/team/job/api/api/json"))
        .and(query_param(
            "tree",
            "_class,name,fullName,url,color,buildable",
        ))
        .respond_with(ok(
            json!({"_class": "hudson.model.FreeStyleProject", "name": "api",
            "fullName": "team/api", "url": "https://ci.example.com/jenkins/job/team/job/api/",
            "color": "blue", "buildable": true}),
        ))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/jenkins/job/team/job/libs/api/json"))
        .respond_with(ok(
            json!({"_class": "com.cloudbees.hudson.plugins.folder.Folder", "name": "libs"}),
        ))
        .mount(&s)
        .await;
    let j = Jenkins::new(JenkinsConfig::new(
        format!("{}/jenkins", s.uri()),
        "admin",
        "11abcdef",
    ))
    .unwrap();
    let d = j
        .get_definition(DefinitionRef {
            project: "team".into(),
            id: "api".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        d,
        PipelineDefinition {
            id: "api".into(),
            name: "team/api".into(),
            path: None,
            enabled: true,
            web_url: Some("https://ci.example.com/jenkins/job/team/job/api/".into()),
        }
    );
    let e = j
        .get_definition(DefinitionRef {
            project: "team".into(),
            id: "libs".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[tokio::test(start_paused = true)]
async fn build_with_parameters_follows_the_queue_item_to_the_build() {
    let s = MockServer::start().await;
    crumb(&s).await;
    Mock::given(method("POST"))
        .and(path("/job/team/job/app/buildWithParameters"))
        .and(header("jenkins-crumb", "c0ffee"))
        .and(header("cookie", "JSESSIONID.abc=node01xyz"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string("ENV=prod+eu&VERSION=1.2%263"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("location", format!("{}/queue/item/12/", s.uri())),
        )
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/queue/item/12/api/json"))
        .respond_with(ok(json!({"_class": "hudson.model.Queue$WaitingItem", "blocked": false,
            "buildable": false, "id": 12, "inQueueSince": 1700000000000u64, "params": "\nENV=prod eu",
            "stuck": false, "task": {"_class": "org.jenkinsci.plugins.workflow.job.WorkflowJob", "name": "app"},
            "url": "queue/item/12/", "why": "In the quiet period. Expires in 4.9 sec", "timestamp": 1700000005000u64})))
        .up_to_n_times(2)
        .expect(2)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/queue/item/12/api/json"))
        .respond_with(ok(
            json!({"_class": "hudson.model.Queue$LeftItem", "id": 12,
            "cancelled": false, "why": null,
            "executable": {"_class": "org.jenkinsci.plugins.workflow.job.WorkflowRun", "number": 42,
                           "url": format!("{}/job/team/job/app/42/", s.uri())}}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/job/team/job/app/42/api/json"))
        .and(query_param("tree", BUILD_TREE))
        .respond_with(ok(build_json(
            &s.uri(),
            "/job/team/job/app",
            42,
            None,
            true,
        )))
        .expect(1)
        .mount(&s)
        .await;
    let j = paused_provider(
        &s,
        PollSettings::new(Duration::from_secs(3), Duration::from_secs(60)),
    );
    let start = tokio::time::Instant::now();
    let p = j
        .trigger_pipeline(TriggerPipeline {
            project: "team".into(),
            definition: "app".into(),
            reference: None,
            inputs: BTreeMap::from([
                ("ENV".to_owned(), "prod eu".to_owned()),
                ("VERSION".to_owned(), "1.2&3".to_owned()),
            ]),
        })
        .await
        .unwrap();
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(6),
        "two waits in the queue"
    );
    assert_eq!(
        p,
        Pipeline {
            id: "app/42".into(),
            number: Some(42),
            project: "team".into(),
            definition: Some("app".into()),
            reference: Some("refs/remotes/origin/main".into()),
            sha: Some(SHA.into()),
            status: PipelineStatus::Running,
            raw_status: "BUILDING".into(),
            event: Some("manual".into()),
            web_url: Some(format!("{}/job/team/job/app/42/", s.uri())),
            created_at: Some("2023-11-14T22:13:20.000Z".into()),
            started_at: Some("2023-11-14T22:13:20.000Z".into()),
            finished_at: None,
        }
    );
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_or_stuck_queue_item_is_an_error() {
    let s = MockServer::start().await;
    // no crumb issuer: CSRF protection is off, no crumb is sent
    Mock::given(method("GET"))
        .and(path("/crumbIssuer/api/json"))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/job/cancelled/build"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("location", format!("{}/queue/item/5/", s.uri())),
        )
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/queue/item/5/api/json"))
        .respond_with(ok(json!({"_class": "hudson.model.Queue$LeftItem", "id": 5, "cancelled": true, "executable": null})))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/job/stuck/build"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("location", format!("{}/queue/item/6/", s.uri())),
        )
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/queue/item/6/api/json"))
        .respond_with(ok(
            json!({"_class": "hudson.model.Queue$BuildableItem", "id": 6, "stuck": true,
                                "why": "Waiting for next available executor"}),
        ))
        .mount(&s)
        .await;
    let j = paused_provider(
        &s,
        PollSettings::new(Duration::from_secs(10), Duration::from_secs(30)),
    );
    let trigger = |def: &str| TriggerPipeline {
        project: String::new(),
        definition: def.into(),
        reference: None,
        inputs: BTreeMap::new(),
    };
    let e = j.trigger_pipeline(trigger("cancelled")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    let start = tokio::time::Instant::now();
    let e = j.trigger_pipeline(trigger("stuck")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(e.message().contains("queue item 6"), "{e}");
    assert_eq!(start.elapsed(), Duration::from_secs(30));
    for r in s.received_requests().await.unwrap() {
        assert!(!r.headers.contains_key("jenkins-crumb"));
    }
}

#[tokio::test]
async fn a_rejected_crumb_is_fetched_again_once() {
    let s = MockServer::start().await;
    let n = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let n2 = n.clone();
    Mock::given(method("GET"))
        .and(path("/crumbIssuer/api/json"))
        .respond_with(move |_: &Request| {
            let i = n2.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            ok(json!({"crumb": format!("crumb-{i}"), "crumbRequestField": "Jenkins-Crumb"}))
        })
        .expect(2)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/job/app/7/stop"))
        .and(header("jenkins-crumb", "crumb-0"))
        .respond_with(ResponseTemplate::new(403).set_body_string(
            "<html><head><title>Error 403 No valid crumb was included in the request</title></head></html>",
        ))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/job/app/7/stop"))
        .and(header("jenkins-crumb", "crumb-1"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/job/app/7/api/json"))
        .respond_with(ok(build_json(
            &s.uri(),
            "/job/app",
            7,
            Some("ABORTED"),
            false,
        )))
        .mount(&s)
        .await;
    let j = provider(&s);
    let p = j
        .cancel_pipeline(PipelineRef::new("", "app/7"))
        .await
        .unwrap();
    assert_eq!(
        (p.status, p.raw_status.as_str()),
        (PipelineStatus::Cancelled, "ABORTED")
    );
    assert_eq!(p.finished_at.as_deref(), Some("2023-11-14T22:14:25.000Z"));
}

#[tokio::test]
async fn create_pipeline_builds_a_multibranch_branch_and_retry_reuses_parameters() {
    let s = MockServer::start().await;
    crumb(&s).await;
    Mock::given(method("POST"))
        .and(path("/job/team/job/app/job/feature%252Flogin/build"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("location", format!("{}/queue/item/30/", s.uri())),
        )
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/queue/item/30/api/json"))
        .respond_with(ok(json!({"id": 30, "executable": {"number": 3}})))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/job/team/job/app/job/feature%252Flogin/3/api/json"))
        .respond_with(ok(build_json(
            &s.uri(),
            "/job/team/job/app/job/feature%252Flogin",
            3,
            None,
            true,
        )))
        .mount(&s)
        .await;
    // retry: same parameters (the password parameter has no value and is left out)
    Mock::given(method("GET"))
        .and(path("/job/team/job/api/41/api/json"))
        .respond_with(ok(build_json(
            &s.uri(),
            "/job/team/job/api",
            41,
            Some("FAILURE"),
            false,
        )))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/job/team/job/api/buildWithParameters"))
        .and(body_string("ENV=prod&DRY_RUN=false"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("location", format!("{}/queue/item/31/", s.uri())),
        )
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/queue/item/31/api/json"))
        .respond_with(ok(json!({"id": 31, "executable": {"number": 42}})))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/job/team/job/api/42/api/json"))
        .respond_with(ok(build_json(
            &s.uri(),
            "/job/team/job/api",
            42,
            None,
            true,
        )))
        .mount(&s)
        .await;
    let j = provider(&s);
    let p = j
        .create_pipeline(CreatePipeline {
            project: "team/app".into(),
            reference: "feature/login".into(),
            variables: BTreeMap::new(),
        })
        .await
        .unwrap();
    assert_eq!(p.id, "feature%2Flogin/3");
    assert_eq!(p.project, "team/app");
    let again = j
        .get_pipeline(PipelineRef::new("team/app", p.id.clone()))
        .await
        .unwrap();
    assert_eq!(again.number, Some(3));
    let r = j
        .retry_pipeline(RetryPipeline {
            project: "team".into(),
            id: "api/41".into(),
            failed_only: false,
        })
        .await
        .unwrap();
    assert_eq!(r.id, "api/42");
    let e = j
        .retry_pipeline(RetryPipeline {
            project: "team".into(),
            id: "api/41".into(),
            failed_only: true,
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("failed_only"));
}

#[tokio::test]
async fn list_builds_of_a_job() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/job/app/api/json"))
        .and(query_param("tree", format!("builds[{BUILD_TREE}]{{0,3}}")))
        .respond_with(ok(json!({"builds": [
            build_json(&s.uri(), "/job/app", 9, None, true),
            build_json(&s.uri(), "/job/app", 8, Some("UNSTABLE"), false),
            build_json(&s.uri(), "/job/app", 7, Some("SUCCESS"), false),
        ]})))
        .expect(1)
        .mount(&s)
        .await;
    let j = provider(&s);
    let page = j
        .list_pipelines(ListPipelines {
            project: String::new(),
            definition: Some("app".into()),
            status: Some(PipelineStatus::Failure),
            page: PageRequest::with_size(2),
            ..Default::default()
        })
        .await
        .unwrap();
    let ids: Vec<&str> = page.items.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["app/8"]);
    assert_eq!(page.items[0].raw_status, "UNSTABLE");
    assert_eq!(page.next.as_ref().map(|c| c.as_str()), Some("2"));
    let e = j
        .list_pipelines(ListPipelines {
            project: String::new(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("definition"));
}

#[tokio::test]
async fn console_text_is_progressive() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/job/app/42/logText/progressiveText"))
        .and(query_param("start", "0"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string("Started by user admin\n")
                .insert_header("x-text-size", "22")
                .insert_header("x-more-data", "true"),
        )
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/job/app/42/logText/progressiveText"))
        .and(query_param("start", "22"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string("Finished: SUCCESS\n")
                .insert_header("x-text-size", "40"),
        )
        .expect(1)
        .mount(&s)
        .await;
    let j = provider(&s);
    let first = j
        .get_log(GetLog {
            project: String::new(),
            pipeline: "app/42".into(),
            job: None,
            offset: 0,
        })
        .await
        .unwrap();
    assert_eq!(
        first,
        Log {
            text: "Started by user admin\n".into(),
            next_offset: 22,
            complete: false
        }
    );
    let rest = j
        .get_log(GetLog {
            project: String::new(),
            pipeline: "app/42".into(),
            job: None,
            offset: first.next_offset,
        })
        .await
        .unwrap();
    assert_eq!(
        rest,
        Log {
            text: "Finished: SUCCESS\n".into(),
            next_offset: 40,
            complete: true
        }
    );
    let e = j
        .get_log(GetLog {
            project: String::new(),
            pipeline: "app/42".into(),
            job: Some("app/42:6".into()),
            offset: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("job"));
}

#[tokio::test]
async fn artifacts() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/job/app/42/api/json"))
        .and(query_param("tree", "number,artifacts[fileName,relativePath]"))
        .respond_with(ok(json!({"_class": "hudson.model.FreeStyleBuild", "number": 42, "artifacts": [
            {"displayPath": "app.jar", "fileName": "app.jar", "relativePath": "target/app.jar"},
            {"displayPath": "report 1.html", "fileName": "report 1.html", "relativePath": "reports/report 1.html"}
        ]})))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/job/app/42/artifact/reports/report%201.html"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<h1>ok</h1>"))
        .expect(1)
        .mount(&s)
        .await;
    let j = provider(&s);
    let page = j
        .list_artifacts(ListArtifacts {
            project: String::new(),
            pipeline: "app/42".into(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(
        page.items[1],
        Artifact {
            id: "reports/report 1.html".into(),
            name: "report 1.html".into(),
            size: None,
            expired: false
        }
    );
    let data = j
        .download_artifact(ArtifactRef {
            project: String::new(),
            pipeline: "app/42".into(),
            id: "reports/report 1.html".into(),
        })
        .await
        .unwrap();
    assert_eq!(data.name, "report 1.html");
    assert_eq!(data.content, b"<h1>ok</h1>");
}

#[tokio::test]
async fn pipeline_stages_are_jobs() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/job/team/job/app/42/wfapi/describe"))
        .respond_with(ok(json!({
            "_links": {"self": {"href": "/job/team/job/app/42/wfapi/describe"}},
            "id": "42", "name": "#42", "status": "PAUSED_PENDING_INPUT",
            "startTimeMillis": 1700000000000u64, "endTimeMillis": 0, "durationMillis": 5000,
            "queueDurationMillis": 3, "pauseDurationMillis": 0,
            "stages": [
                {"_links": {}, "id": "6", "name": "Build", "execNode": "", "status": "SUCCESS",
                 "startTimeMillis": 1700000000100u64, "durationMillis": 2000, "pauseDurationMillis": 0},
                {"_links": {}, "id": "14", "name": "Deploy", "execNode": "", "status": "PAUSED_PENDING_INPUT",
                 "startTimeMillis": 1700000002200u64, "durationMillis": 900, "pauseDurationMillis": 800}
            ]
        })))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/job/team/job/app/42/execution/node/6/wfapi/describe"))
        .respond_with(ok(
            json!({"id": "6", "name": "Build", "execNode": "", "status": "SUCCESS",
            "startTimeMillis": 1700000000100u64, "durationMillis": 2000, "stageFlowNodes": []}),
        ))
        .mount(&s)
        .await;
    let j = provider(&s);
    let page = j
        .list_jobs(ListJobs {
            project: "team".into(),
            pipeline: "app/42".into(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(
        page.items[0],
        Job {
            id: "app/42:6".into(),
            pipeline_id: "app/42".into(),
            name: "Build".into(),
            stage: None,
            status: PipelineStatus::Success,
            raw_status: "SUCCESS".into(),
            web_url: None,
            started_at: Some("2023-11-14T22:13:20.100Z".into()),
            finished_at: Some("2023-11-14T22:13:22.100Z".into()),
        }
    );
    assert_eq!(page.items[1].status, PipelineStatus::Manual);
    assert_eq!(page.items[1].finished_at, None);
    let job = j
        .get_job(JobRef {
            project: "team".into(),
            id: "app/42:6".into(),
        })
        .await
        .unwrap();
    assert_eq!(job, page.items[0]);
}

#[tokio::test]
async fn unsupported_operations_and_capabilities() {
    let s = MockServer::start().await;
    let j = provider(&s);
    let caps = j.capabilities();
    for op in [
        CiCdOp::RerunJob,
        CiCdOp::CreateEnvironment,
        CiCdOp::UpdateEnvironment,
        CiCdOp::DeleteEnvironment,
        CiCdOp::ListEnvironments,
        CiCdOp::CreateSecret,
        CiCdOp::UpdateSecret,
        CiCdOp::DeleteSecret,
        CiCdOp::ListSecrets,
    ] {
        assert!(!caps.supports(op), "{op:?}");
    }
    assert_eq!(caps.len(), 13);
    assert_eq!(
        j.rerun_job(JobRef::default()).await.unwrap_err().kind(),
        ErrorKind::Unsupported
    );
    assert_eq!(
        j.list_secrets(ListSecrets::default())
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Unsupported
    );
    assert_eq!(
        j.create_environment(WriteEnvironment::default())
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Unsupported
    );
    assert!(s.received_requests().await.unwrap().is_empty());
}

#[test]
fn status_tables() {
    use PipelineStatus::*;
    let builds = [
        (Some("SUCCESS"), false, "SUCCESS", Success),
        (Some("UNSTABLE"), false, "UNSTABLE", Failure),
        (Some("FAILURE"), false, "FAILURE", Failure),
        (Some("NOT_BUILT"), false, "NOT_BUILT", Skipped),
        (Some("ABORTED"), false, "ABORTED", Cancelled),
        (None, true, "BUILDING", Running),
        (Some("SUCCESS"), true, "BUILDING", Running),
        (None, false, "QUEUED", Queued),
        (Some("SOMETHING_NEW"), false, "SOMETHING_NEW", Failure),
    ];
    for (result, building, raw, want) in builds {
        assert_eq!(
            jenkins::build_status(result, building),
            (raw.to_owned(), want),
            "{result:?} {building}"
        );
    }
    let stages = [
        ("QUEUED", Queued),
        ("IN_PROGRESS", Running),
        ("PAUSED_PENDING_INPUT", Manual),
        ("SUCCESS", Success),
        ("UNSTABLE", Failure),
        ("FAILED", Failure),
        ("NOT_EXECUTED", Skipped),
        ("ABORTED", Cancelled),
        ("NEW_WORD", Queued),
    ];
    for (word, want) in stages {
        assert_eq!(jenkins::stage_status(word), want, "{word}");
    }
    assert_eq!(BUILD_STATUSES.len(), 7);
    assert_eq!(STAGE_STATUSES.len(), 8);
}

#[tokio::test]
async fn errors() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/job/app/1/api/json"))
        .respond_with(ResponseTemplate::new(401).set_body_string("<html>Unauthorized</html>"))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/job/app/2/api/json"))
        .respond_with(ResponseTemplate::new(404).set_body_string("<html>Not Found</html>"))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/job/app/3/api/json"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/job/app/4/api/json"))
        .respond_with(ok(json!({"number": "four"})))
        .mount(&s)
        .await;
    let j = provider(&s);
    for (n, kind) in [
        (1, ErrorKind::Unauthenticated),
        (2, ErrorKind::NotFound),
        (3, ErrorKind::Unavailable),
        (4, ErrorKind::Decode),
    ] {
        let e = j
            .get_pipeline(PipelineRef::new("", format!("app/{n}")))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), kind, "{n}: {e}");
        assert_eq!(e.provider(), Some("jenkins"));
        assert!(!format!("{e:?}").contains("11abcdef"));
    }
    let e = j
        .get_pipeline(PipelineRef::new("", "42"))
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("id"));
    assert!(
        !format!("{j:?}").contains("11abcdef"),
        "the token never prints"
    );
}

#[tokio::test]
async fn the_plugin_manifest_and_schema() {
    use mosaic_plugin_sdk::{Env, PluginConfig, PluginContext};
    let f = jenkins::plugin_factory().unwrap();
    let m = f.manifest().clone();
    assert_eq!(m.id, "jenkins");
    let mut declared: Vec<&str> = m
        .capabilities
        .get(&mosaic_core::Family::CiCd)
        .unwrap()
        .to_vec();
    declared.sort_unstable();
    let mut actual: Vec<&str> = Jenkins::operations().names().collect();
    actual.sort_unstable();
    assert_eq!(
        declared, actual,
        "the manifest declares what the provider does"
    );
    let env = Env::fixed::<&str, &str>([]);
    let good =
        json!({"base_url": "https://ci.example.com", "username": "admin", "api_token": "11abcdef"});
    let cfg = PluginConfig::resolve(&m, Some(&good), &env).unwrap();
    assert_eq!(cfg.get("/queue_poll/timeout_ms"), Some(&json!(120000)));
    assert!(!cfg.redacted().to_string().contains("11abcdef"));
    let parsed: JenkinsConfig = cfg.parse().unwrap();
    assert_eq!(parsed.queue_poll.interval_ms, 1000);
    for bad in [
        json!({"base_url": "https://ci.example.com", "username": "admin"}),
        json!({"base_url": "ftp://ci.example.com", "username": "a", "api_token": "t"}),
        json!({"base_url": "https://ci.example.com", "username": "", "api_token": "t"}),
    ] {
        let e = PluginConfig::resolve(&m, Some(&bad), &env).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{bad}");
    }
    // self-hosted: the host must grant the controller's host
    let mut plugin = f.create().unwrap();
    let e = plugin
        .initialize(PluginContext::builder(&m).build(), cfg.clone())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
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
        let _ = Jenkins::parse_build("", "app", &body);
        let _ = Jenkins::parse_queue_item(&body);
    }

    #[test]
    fn any_result_word_maps(word in "[A-Z_]{0,12}", building in any::<bool>()) {
        let b = json!({"number": 1, "result": word, "building": building});
        let p = Jenkins::parse_build("", "app", b.to_string().as_bytes()).unwrap();
        prop_assert_eq!(p.status, jenkins::build_status(Some(&word), building).1);
        let q = json!({"id": 1, "executable": {"number": "x"}});
        prop_assert_eq!(Jenkins::parse_queue_item(q.to_string().as_bytes()).unwrap_err().kind(), ErrorKind::Decode);
    }
}
