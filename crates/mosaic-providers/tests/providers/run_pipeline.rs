//! `run_pipeline` over each CI/CD adapter against a local mock server:
//! trigger, poll until the run ends (the mock answers "running" first, then
//! the end state), list the jobs and read the failing job's log tail. The
//! mock server needs real IO, so these run on real time with a 5 ms poll.
#![cfg(feature = "_ci")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mosaic_core::cicd::*;
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Quick polls, a deadline far away, a three-line tail; every reported
/// status lands in the returned list.
fn options() -> (RunOptions, Arc<Mutex<Vec<PipelineStatus>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let options = RunOptions::new(Duration::from_secs(20))
        .poll(PollBackoff::fixed(Duration::from_millis(5)))
        .log_tail_lines(3)
        .on_progress(move |p| sink.lock().unwrap().push(p.status));
    (options, seen)
}

fn ok(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(v)
}

/// Answer `path` with `first` for the first `n` calls, then with `then`.
async fn changing(s: &MockServer, at: &str, n: u64, first: Value, then: Value) {
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(ok(first))
        .up_to_n_times(n)
        .with_priority(1)
        .mount(s)
        .await;
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(ok(then))
        .with_priority(2)
        .mount(s)
        .await;
}

const FAILING_LOG: &str = "$ cargo test\nrunning 12 tests\ntest parse ... ok\n\
                           test render ... FAILED\nerror: test failed, to rerun pass `--lib`\n";

const TAIL: [&str; 3] = [
    "test parse ... ok",
    "test render ... FAILED",
    "error: test failed, to rerun pass `--lib`",
];

#[cfg(feature = "github-actions")]
mod github_actions {
    use super::*;
    use mosaic_providers::github_actions::{GitHubActions, GitHubActionsConfig};

    const R: &str = "/repos/octo-org/octo-repo";
    const SHA: &str = "acb5820ced9479c074f688cc328bf03f341a511d";

    fn run_json(id: u64, status: &str, conclusion: Option<&str>) -> Value {
        json!({
            "id": id, "name": "CI", "node_id": "WFR_kwLOAbc", "check_suite_id": 42,
            "head_branch": "main", "head_sha": SHA, "path": ".github/workflows/ci.yml@main",
            "run_number": 563, "event": "workflow_dispatch", "display_title": "CI",
            "status": status, "conclusion": conclusion, "workflow_id": 159038,
            "url": format!("https://api.github.com{R}/actions/runs/{id}"),
            "html_url": format!("https://github.com/octo-org/octo-repo/actions/runs/{id}"),
            "pull_requests": [], "created_at": "2024-05-02T10:00:00Z", "updated_at": "2024-05-02T10:04:00Z",
            "run_attempt": 1, "run_started_at": "2024-05-02T10:00:05Z",
            "jobs_url": "x", "logs_url": "x", "check_suite_url": "x", "artifacts_url": "x",
            "cancel_url": "x", "rerun_url": "x", "workflow_url": "x", "head_commit": null,
            "repository": {"id": 1}, "head_repository": {"id": 1}
        })
    }

    fn job_json(id: u64, run: u64, name: &str, conclusion: &str) -> Value {
        json!({
            "id": id, "run_id": run, "run_url": format!("https://api.github.com{R}/actions/runs/{run}"),
            "node_id": "CR_kwDOAbc", "head_sha": SHA,
            "url": format!("https://api.github.com{R}/actions/jobs/{id}"),
            "html_url": format!("https://github.com/octo-org/octo-repo/runs/{run}/jobs/{id}"),
            "status": "completed", "conclusion": conclusion,
            "started_at": "2024-05-02T10:00:10Z", "completed_at": "2024-05-02T10:03:50Z",
            "name": name, "steps": [], "check_run_url": "x", "labels": ["ubuntu-latest"],
            "runner_id": 1, "runner_name": "runner", "runner_group_id": 2, "runner_group_name": "g",
            "workflow_name": "CI", "head_branch": "main", "created_at": "2024-05-02T10:00:06Z"
        })
    }

    #[tokio::test]
    async fn a_dispatched_workflow_runs_to_its_failure_and_log_tail() {
        let api = MockServer::start().await;
        let storage = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(format!("{R}/actions/workflows/ci.yml/dispatches")))
            .and(body_partial_json(
                json!({"ref": "main", "return_run_details": true}),
            ))
            .respond_with(ok(json!({
                "workflow_run_id": 77,
                "run_url": format!("https://api.github.com{R}/actions/runs/77"),
                "html_url": "https://github.com/octo-org/octo-repo/actions/runs/77"
            })))
            .expect(1)
            .mount(&api)
            .await;
        // the dispatch reads the run once, the first poll sees it running too
        changing(
            &api,
            &format!("{R}/actions/runs/77"),
            2,
            run_json(77, "in_progress", None),
            run_json(77, "completed", Some("failure")),
        )
        .await;
        Mock::given(method("GET"))
            .and(path(format!("{R}/actions/runs/77/jobs")))
            .and(query_param("per_page", "30"))
            .respond_with(ok(json!({"total_count": 2, "jobs": [
                job_json(701, 77, "build", "success"),
                job_json(702, 77, "test", "failure"),
            ]})))
            .expect(1)
            .mount(&api)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("{R}/actions/jobs/702")))
            .respond_with(ok(job_json(702, 77, "test", "failure")))
            .mount(&api)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("{R}/actions/jobs/702/logs")))
            .respond_with(
                ResponseTemplate::new(302)
                    .insert_header("location", format!("{}/logs/job-702.txt", storage.uri())),
            )
            .expect(1)
            .mount(&api)
            .await;
        Mock::given(method("GET"))
            .and(path("/logs/job-702.txt"))
            .respond_with(ResponseTemplate::new(200).set_body_string(FAILING_LOG))
            .expect(1)
            .mount(&storage)
            .await;
        let gh = GitHubActions::with_client(
            GitHubActionsConfig::token("ghp_testtoken")
                .with_base_url(api.uri())
                .with_return_run_details(true),
            crate::allowing("github-actions", &[&api, &storage]),
        )
        .unwrap();
        let ci = CiCdClient::new(CiCdService::new(gh));
        let (options, seen) = options();
        let trigger = TriggerPipeline {
            project: "octo-org/octo-repo".into(),
            definition: "ci.yml".into(),
            reference: Some("main".into()),
            ..Default::default()
        };
        let run = ci.run_pipeline(trigger, options).await.unwrap();
        assert_eq!(run.pipeline.id, "77");
        assert_eq!(run.status(), PipelineStatus::Failure);
        assert_eq!(
            *seen.lock().unwrap(),
            [PipelineStatus::Running, PipelineStatus::Failure]
        );
        let names: Vec<&str> = run.jobs.iter().map(|j| j.name.as_str()).collect();
        assert_eq!(names, ["build", "test"]);
        let tail = run.failed_log.expect("the failing job's log");
        assert_eq!(tail.job_id.as_deref(), Some("702"));
        assert_eq!(tail.job_name.as_deref(), Some("test"));
        assert_eq!(tail.lines, TAIL);
        assert!(tail.truncated);
    }
}

#[cfg(feature = "gitlab-ci")]
mod gitlab_ci {
    use super::*;
    use mosaic_providers::gitlab_ci::{GitLabCi, GitLabCiConfig};

    const P: &str = "/api/v4/projects/group%2Fapp";
    const SHA: &str = "a91957a858320c0e17f3a0eca7cfacbff50ea29a";

    fn pipeline_json(id: u64, status: &str) -> Value {
        json!({
            "id": id, "iid": 12, "project_id": 1, "status": status, "source": "api",
            "ref": "main", "sha": SHA, "before_sha": SHA, "tag": false, "yaml_errors": null,
            "user": {"id": 1, "username": "root", "name": "Administrator"},
            "created_at": "2024-05-02T10:00:00.000Z", "updated_at": "2024-05-02T10:04:00.000Z",
            "started_at": if status == "created" { json!(null) } else { json!("2024-05-02T10:00:05.000Z") },
            "finished_at": if status == "failed" { json!("2024-05-02T10:04:00.000Z") } else { json!(null) },
            "committed_at": null, "duration": null, "queued_duration": 0.5, "coverage": null,
            "web_url": format!("https://gitlab.example.com/group/app/-/pipelines/{id}")
        })
    }

    fn job_json(id: u64, pipeline: u64, name: &str, stage: &str, status: &str) -> Value {
        json!({
            "commit": {"id": SHA, "short_id": "a91957a8", "title": "Fix the renderer"},
            "coverage": null, "allow_failure": false, "created_at": "2024-05-02T10:00:01.000Z",
            "started_at": "2024-05-02T10:00:05.000Z", "finished_at": "2024-05-02T10:03:55.000Z",
            "duration": 230.0, "queued_duration": 0.5, "artifacts": [],
            "artifacts_expire_at": null, "tag_list": ["docker"],
            "id": id, "name": name,
            "pipeline": {"id": pipeline, "project_id": 1, "ref": "main", "sha": SHA, "status": "failed"},
            "ref": "main", "runner": null, "stage": stage, "status": status, "tag": false,
            "web_url": format!("https://gitlab.example.com/group/app/-/jobs/{id}"),
            "project": {"ci_job_token_scope_enabled": false}, "user": {"id": 1, "username": "root"}
        })
    }

    #[tokio::test]
    async fn a_created_pipeline_runs_to_its_failure_and_log_tail() {
        let s = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(format!("{P}/pipeline")))
            .and(body_partial_json(json!({"ref": "main"})))
            .respond_with(ResponseTemplate::new(201).set_body_json(pipeline_json(61, "created")))
            .expect(1)
            .mount(&s)
            .await;
        changing(
            &s,
            &format!("{P}/pipelines/61"),
            1,
            pipeline_json(61, "running"),
            pipeline_json(61, "failed"),
        )
        .await;
        Mock::given(method("GET"))
            .and(path(format!("{P}/pipelines/61/jobs")))
            .respond_with(ok(json!([
                job_json(7, 61, "build", "build", "success"),
                job_json(8, 61, "rspec", "test", "failed"),
            ])))
            .expect(1)
            .mount(&s)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("{P}/jobs/8")))
            .respond_with(ok(job_json(8, 61, "rspec", "test", "failed")))
            .mount(&s)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("{P}/jobs/8/trace")))
            .respond_with(ResponseTemplate::new(200).set_body_string(FAILING_LOG))
            .expect(1)
            .mount(&s)
            .await;
        let gitlab = GitLabCi::new(
            GitLabCiConfig::private_token("glpat-test")
                .with_base_url(format!("{}/api/v4", s.uri())),
        )
        .unwrap();
        let (options, seen) = options();
        let create = CreatePipeline {
            project: "group/app".into(),
            reference: "main".into(),
            ..Default::default()
        };
        let run = run_pipeline(&gitlab, create, options).await.unwrap();
        assert_eq!(run.pipeline.id, "61");
        assert_eq!(run.status(), PipelineStatus::Failure);
        assert_eq!(
            *seen.lock().unwrap(),
            [
                PipelineStatus::Queued,
                PipelineStatus::Running,
                PipelineStatus::Failure
            ]
        );
        assert_eq!(run.failed_jobs()[0].stage.as_deref(), Some("test"));
        let tail = run.failed_log.expect("the failing job's trace");
        assert_eq!(tail.job_id.as_deref(), Some("8"));
        assert_eq!(tail.lines, TAIL);
    }
}

#[cfg(feature = "woodpecker")]
mod woodpecker {
    use base64::Engine as _;

    use super::*;
    use mosaic_providers::woodpecker::{Woodpecker, WoodpeckerConfig};

    const R: &str = "/api/repos/7";
    const SHA: &str = "2f5b8a9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a";

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    /// Pipeline `number` with a clone step (success) and a test step in
    /// `status`.
    fn pipeline_json(number: u64, status: &str) -> Value {
        let finished = if matches!(status, "success" | "failure") {
            1_714_644_240
        } else {
            0
        };
        let step = |id: u64, pid: u64, name: &str, state: &str| {
            json!({"id": id, "uuid": format!("u{id}"), "pipeline_id": 1000 + number, "pid": pid,
                   "ppid": 1, "name": name, "state": state, "exit_code": if state == "failure" { 1 } else { 0 },
                   "started": 1_714_644_010, "finished": finished, "type": "commands"})
        };
        json!({
            "id": 1000 + number, "number": number, "author": "octocat", "parent": 0,
            "event": "manual", "status": status, "errors": null,
            "created": 1_714_644_000, "updated": 1_714_644_100,
            "started": if status == "pending" { 0 } else { 1_714_644_005 }, "finished": finished,
            "deploy_to": "", "commit": SHA, "branch": "main", "ref": "refs/heads/main",
            "refspec": "", "title": "", "message": "MANUAL PIPELINE @ main",
            "timestamp": 1_714_644_000, "sender": "octocat", "author_avatar": "", "author_email": "",
            "forge_url": format!("https://git.example.com/octo/app/commit/{SHA}"),
            "reviewed_by": "", "reviewed": 0,
            "workflows": [{"id": 1, "pipeline_id": 1000 + number, "pid": 1, "name": "ci",
                "state": status, "children": [
                    step(11, 2, "clone", "success"),
                    step(12, 3, "test", status),
                ]}]
        })
    }

    #[tokio::test]
    async fn a_manual_pipeline_runs_to_its_failure_and_log_tail() {
        let s = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/api/repos/lookup/octo/app"))
            .respond_with(ok(json!({"id": 7, "forge_id": 1, "forge_remote_id": "42",
                "owner": "octo", "name": "app", "full_name": "octo/app",
                "default_branch": "main", "active": true})))
            .expect(1)
            .mount(&s)
            .await;
        Mock::given(method("POST"))
            .and(path(format!("{R}/pipelines")))
            .and(body_partial_json(json!({"branch": "main"})))
            .respond_with(ok(pipeline_json(5, "pending")))
            .expect(1)
            .mount(&s)
            .await;
        changing(
            &s,
            &format!("{R}/pipelines/5"),
            1,
            pipeline_json(5, "running"),
            pipeline_json(5, "failure"),
        )
        .await;
        let lines: Vec<Value> = FAILING_LOG
            .lines()
            .enumerate()
            .map(|(i, l)| {
                json!({"id": i + 1, "step_id": 12, "time": i, "line": i,
                       "data": b64(&format!("{l}\n")), "type": 0})
            })
            .collect();
        Mock::given(method("GET"))
            .and(path(format!("{R}/logs/5/12")))
            .respond_with(ok(Value::Array(lines)))
            .expect(1)
            .mount(&s)
            .await;
        let wp = Woodpecker::new(WoodpeckerConfig::new(s.uri(), "wp-token")).unwrap();
        let (options, seen) = options();
        let create = CreatePipeline {
            project: "octo/app".into(),
            reference: "main".into(),
            ..Default::default()
        };
        let run = run_pipeline(&wp, create, options).await.unwrap();
        assert_eq!(run.status(), PipelineStatus::Failure);
        assert_eq!(
            *seen.lock().unwrap(),
            [
                PipelineStatus::Queued,
                PipelineStatus::Running,
                PipelineStatus::Failure
            ]
        );
        let ids: Vec<&str> = run.jobs.iter().map(|j| j.id.as_str()).collect();
        assert_eq!(ids, ["5/11", "5/12"]);
        let tail = run.failed_log.expect("the failing step's log");
        assert_eq!(tail.job_id.as_deref(), Some("5/12"));
        assert_eq!(tail.job_name.as_deref(), Some("test"));
        assert_eq!(tail.lines, TAIL);
    }
}

#[cfg(feature = "jenkins")]
mod jenkins {
    use super::*;
    use mosaic_providers::ci::PollSettings;
    use mosaic_providers::jenkins::{Jenkins, JenkinsConfig};

    fn build_json(s: &str, number: u64, result: Option<&str>, building: bool) -> Value {
        json!({
            "_class": "org.jenkinsci.plugins.workflow.job.WorkflowRun",
            "actions": [
                {"_class": "hudson.model.CauseAction", "causes": [
                    {"_class": "hudson.model.Cause$UserIdCause", "shortDescription": "Started by user admin"}
                ]}
            ],
            "building": building,
            "duration": if building { 0 } else { 230000 },
            "number": number,
            "result": result,
            "timestamp": 1714644000000u64,
            "url": format!("{s}/job/team/job/app/{number}/")
        })
    }

    fn stage(id: &str, name: &str, status: &str) -> Value {
        json!({"_links": {}, "id": id, "name": name, "execNode": "", "status": status,
               "startTimeMillis": 1714644001000u64, "durationMillis": 2000, "pauseDurationMillis": 0})
    }

    #[tokio::test]
    async fn a_build_runs_to_its_failure_and_the_console_tail() {
        let s = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/crumbIssuer/api/json"))
            .respond_with(ok(
                json!({"_class": "hudson.security.csrf.DefaultCrumbIssuer",
                "crumb": "c0ffee", "crumbRequestField": "Jenkins-Crumb"}),
            ))
            .mount(&s)
            .await;
        Mock::given(method("POST"))
            .and(path("/job/team/job/app/build"))
            .respond_with(
                ResponseTemplate::new(201)
                    .insert_header("location", format!("{}/queue/item/12/", s.uri())),
            )
            .expect(1)
            .mount(&s)
            .await;
        Mock::given(method("GET"))
            .and(path("/queue/item/12/api/json"))
            .respond_with(ok(
                json!({"_class": "hudson.model.Queue$LeftItem", "id": 12,
                "cancelled": false, "why": null,
                "executable": {"_class": "org.jenkinsci.plugins.workflow.job.WorkflowRun",
                               "number": 42, "url": format!("{}/job/team/job/app/42/", s.uri())}}),
            ))
            .mount(&s)
            .await;
        // the trigger reads the build once, the first poll sees it building too
        changing(
            &s,
            "/job/team/job/app/42/api/json",
            2,
            build_json(&s.uri(), 42, None, true),
            build_json(&s.uri(), 42, Some("FAILURE"), false),
        )
        .await;
        Mock::given(method("GET"))
            .and(path("/job/team/job/app/42/wfapi/describe"))
            .respond_with(ok(json!({
                "_links": {"self": {"href": "/job/team/job/app/42/wfapi/describe"}},
                "id": "42", "name": "#42", "status": "FAILED",
                "startTimeMillis": 1714644000000u64, "endTimeMillis": 1714644230000u64,
                "durationMillis": 230000, "queueDurationMillis": 3, "pauseDurationMillis": 0,
                "stages": [stage("6", "Build", "SUCCESS"), stage("14", "Test", "FAILED")]
            })))
            .expect(1)
            .mount(&s)
            .await;
        // one console log per build: read in two pieces, split mid-line
        let (head, rest) = FAILING_LOG.split_at(40);
        Mock::given(method("GET"))
            .and(path("/job/team/job/app/42/logText/progressiveText"))
            .and(query_param("start", "0"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_string(head)
                    .insert_header("x-text-size", "40")
                    .insert_header("x-more-data", "true"),
            )
            .expect(1)
            .mount(&s)
            .await;
        Mock::given(method("GET"))
            .and(path("/job/team/job/app/42/logText/progressiveText"))
            .and(query_param("start", "40"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_string(rest)
                    .insert_header("x-text-size", FAILING_LOG.len().to_string()),
            )
            .expect(1)
            .mount(&s)
            .await;
        let jenkins = Jenkins::new(
            JenkinsConfig::new(s.uri(), "admin", "11abcdef").with_queue_poll(PollSettings::new(
                Duration::from_millis(5),
                Duration::from_secs(5),
            )),
        )
        .unwrap();
        let (options, seen) = options();
        let trigger = TriggerPipeline {
            project: "team".into(),
            definition: "app".into(),
            ..Default::default()
        };
        let run = run_pipeline(&jenkins, trigger, options).await.unwrap();
        assert_eq!(run.pipeline.id, "app/42");
        assert_eq!(run.status(), PipelineStatus::Failure);
        assert_eq!(run.pipeline.raw_status, "FAILURE");
        assert_eq!(
            *seen.lock().unwrap(),
            [PipelineStatus::Running, PipelineStatus::Failure]
        );
        assert_eq!(run.failed_jobs()[0].name, "Test");
        // Jenkins keeps one log per build: the tail is the build's console
        let tail = run.failed_log.expect("the build's console tail");
        assert_eq!(tail.job_id, None);
        assert_eq!(tail.lines, TAIL);
        assert!(run.log_error.is_none());
    }
}
