//! `FakeCiCd`: pipelines on tokio time, logs, artifacts, retries, secrets.

use std::time::Duration;

use mosaic_core::cicd::*;
use mosaic_core::{ErrorKind, PageRequest, Secret};
use mosaic_testing::{FakeCiCd, JobPlan, PipelinePlan};

const P: &str = "acme/tools";

fn ci_with(plan: PipelinePlan) -> FakeCiCd {
    let ci = FakeCiCd::new();
    ci.seed_project(P).create().unwrap();
    ci.script_pipeline(P).plan(plan).for_every_run().unwrap();
    ci
}

async fn start(ci: &FakeCiCd) -> Pipeline {
    ci.create_pipeline(CreatePipeline {
        project: P.into(),
        reference: "main".into(),
        ..Default::default()
    })
    .await
    .unwrap()
}

async fn status(ci: &FakeCiCd, id: &str) -> PipelineStatus {
    ci.get_pipeline(PipelineRef::new(P, id))
        .await
        .unwrap()
        .status
}

async fn advance(secs: u64) {
    tokio::time::advance(Duration::from_secs(secs)).await;
}

#[tokio::test(start_paused = true)]
async fn a_failing_job_fails_the_run_and_skips_the_rest() {
    let ci = ci_with(
        PipelinePlan::new()
            .queue_delay(Duration::from_secs(2))
            .job(JobPlan::new("build", Duration::from_secs(10)))
            .job(
                JobPlan::new("test", Duration::from_secs(10))
                    .fails()
                    .log("assertion failed"),
            )
            .job(JobPlan::new("deploy", Duration::from_secs(10))),
    );
    let run = start(&ci).await;
    assert_eq!(run.status, PipelineStatus::Queued);
    assert_eq!(run.raw_status, "queued");
    advance(3).await;
    assert_eq!(status(&ci, &run.id).await, PipelineStatus::Running);
    advance(20).await;
    let done = ci.get_pipeline(PipelineRef::new(P, &run.id)).await.unwrap();
    assert_eq!(done.status, PipelineStatus::Failure);
    assert_eq!(done.started_at.as_deref(), Some("2024-01-01T00:00:02Z"));
    assert_eq!(done.finished_at.as_deref(), Some("2024-01-01T00:00:22Z"));
    let jobs = ci
        .list_jobs(ListJobs {
            project: P.into(),
            pipeline: run.id.clone(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    let states: Vec<_> = jobs.items.iter().map(|j| j.status).collect();
    assert_eq!(
        states,
        [
            PipelineStatus::Success,
            PipelineStatus::Failure,
            PipelineStatus::Skipped
        ]
    );
    let log = ci
        .get_log(GetLog {
            project: P.into(),
            pipeline: run.id.clone(),
            job: Some(jobs.items[1].id.clone()),
            offset: 0,
        })
        .await
        .unwrap();
    assert!(log.complete);
    assert!(log.text.contains("assertion failed"), "{}", log.text);
}

#[tokio::test(start_paused = true)]
async fn logs_grow_while_the_run_goes_and_offsets_continue() {
    let ci = ci_with(
        PipelinePlan::new().job(
            JobPlan::new("build", Duration::from_secs(30))
                .log("compiling")
                .log("linking"),
        ),
    );
    let run = start(&ci).await;
    let get = |offset| GetLog {
        project: P.into(),
        pipeline: run.id.clone(),
        job: None,
        offset,
    };
    let first = ci.get_log(get(0)).await.unwrap();
    assert!(!first.complete);
    assert!(first.text.contains("$ run build"));
    assert!(!first.text.contains("linking"));
    advance(30).await;
    let rest = ci.get_log(get(first.next_offset)).await.unwrap();
    assert!(rest.complete);
    assert!(
        rest.text.starts_with("compiling\nlinking\n"),
        "{:?}",
        rest.text
    );
    assert!(!rest.text.contains("$ run build"));
    let bad = ci.get_log(get(10_000)).await.unwrap_err();
    assert_eq!(bad.field(), Some("offset"));
}

#[tokio::test(start_paused = true)]
async fn cancel_retry_and_rerun() {
    let ci = ci_with(PipelinePlan::default());
    let run = start(&ci).await;
    advance(10).await;
    let cancelled = ci
        .cancel_pipeline(PipelineRef::new(P, &run.id))
        .await
        .unwrap();
    assert_eq!(cancelled.status, PipelineStatus::Cancelled);
    advance(100).await;
    assert_eq!(status(&ci, &run.id).await, PipelineStatus::Cancelled);
    let again = ci
        .cancel_pipeline(PipelineRef::new(P, &run.id))
        .await
        .unwrap_err();
    assert_eq!(again.kind(), ErrorKind::Conflict);

    let retry = ci
        .retry_pipeline(RetryPipeline {
            project: P.into(),
            id: run.id.clone(),
            failed_only: false,
        })
        .await
        .unwrap();
    assert_ne!(retry.id, run.id);
    assert_eq!(retry.event.as_deref(), Some("retry"));
    advance(95).await;
    assert_eq!(status(&ci, &retry.id).await, PipelineStatus::Success);

    // a failed job fixed and re-run turns the pipeline green
    ci.script_pipeline(P)
        .job(JobPlan::new("test", Duration::from_secs(5)).fails())
        .for_every_run()
        .unwrap();
    let red = start(&ci).await;
    advance(5).await;
    assert_eq!(status(&ci, &red.id).await, PipelineStatus::Failure);
    ci.script_pipeline(P)
        .job(JobPlan::new("test", Duration::from_secs(5)))
        .for_every_run()
        .unwrap();
    let jobs = ci
        .list_jobs(ListJobs {
            project: P.into(),
            pipeline: red.id.clone(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    let rerun = ci
        .rerun_job(JobRef {
            project: P.into(),
            id: jobs.items[0].id.clone(),
        })
        .await
        .unwrap();
    assert_eq!(rerun.status, PipelineStatus::Running);
    assert_eq!(status(&ci, &red.id).await, PipelineStatus::Running);
    advance(5).await;
    assert_eq!(status(&ci, &red.id).await, PipelineStatus::Success);
}

#[tokio::test(start_paused = true)]
async fn artifacts_appear_when_their_job_succeeds() {
    let ci = ci_with(PipelinePlan::new().job(
        JobPlan::new("build", Duration::from_secs(10)).artifact("app.tar", b"bytes".to_vec()),
    ));
    let run = start(&ci).await;
    let list = || ListArtifacts {
        project: P.into(),
        pipeline: run.id.clone(),
        page: PageRequest::first(),
    };
    assert!(ci.list_artifacts(list()).await.unwrap().items.is_empty());
    advance(10).await;
    let items = ci.list_artifacts(list()).await.unwrap().items;
    assert_eq!(items[0].name, "app.tar");
    assert_eq!(items[0].size, Some(5));
    let data = ci
        .download_artifact(ArtifactRef {
            project: P.into(),
            pipeline: run.id.clone(),
            id: "app.tar".into(),
        })
        .await
        .unwrap();
    assert_eq!(data.content, b"bytes");
}

#[tokio::test(start_paused = true)]
async fn triggers_check_definitions_refs_and_inputs() {
    let ci = FakeCiCd::new();
    ci.seed_definition(P)
        .id("deploy")
        .name("Deploy")
        .plan(PipelinePlan::new().require_input("environment"))
        .create()
        .unwrap();
    let missing = ci
        .trigger_pipeline(TriggerPipeline {
            project: P.into(),
            definition: "deploy".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(missing.field(), Some("inputs.environment"));
    let run = ci
        .trigger_pipeline(TriggerPipeline {
            project: P.into(),
            definition: "deploy".into(),
            reference: None,
            inputs: [("environment".to_owned(), "prod".to_owned())].into(),
        })
        .await
        .unwrap();
    assert_eq!(run.definition.as_deref(), Some("deploy"));
    assert_eq!(
        ci.pipeline_variables(&run.id).unwrap()["environment"],
        "prod"
    );
    let bad_ref = ci
        .create_pipeline(CreatePipeline {
            project: P.into(),
            reference: "nope".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad_ref.field(), Some("reference"));
    ci.set_definition_enabled(P, "deploy", false).unwrap();
    let disabled = ci
        .trigger_pipeline(TriggerPipeline {
            project: P.into(),
            definition: "deploy".into(),
            inputs: [("environment".to_owned(), "prod".to_owned())].into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(disabled.kind(), ErrorKind::Conflict);
    let unknown = ci
        .get_pipeline(PipelineRef::new("other/x", "1"))
        .await
        .unwrap_err();
    assert!(unknown.is_not_found());
}

#[tokio::test]
async fn secrets_are_stored_never_shown() {
    let ci = FakeCiCd::new();
    ci.seed_project(P).create().unwrap();
    ci.create_environment(WriteEnvironment {
        project: P.into(),
        name: "prod".into(),
        url: Some("https://prod.example".into()),
    })
    .await
    .unwrap();
    let info = ci
        .create_secret(WriteSecret {
            project: P.into(),
            name: "API_TOKEN".into(),
            value: Secret::new("t0ken"),
            environment: Some("prod".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(info.name, "API_TOKEN");
    assert_eq!(
        ci.secret_value(P, Some("prod"), "API_TOKEN")
            .unwrap()
            .expose(),
        "t0ken"
    );
    let logged = format!("{:?}", ci.calls());
    assert!(!logged.contains("t0ken"), "{logged}");
    let bad = ci
        .create_secret(WriteSecret {
            project: P.into(),
            name: "1BAD".into(),
            value: Secret::new("x"),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad.field(), Some("name"));
    // deleting the environment deletes its secrets
    ci.delete_environment(EnvironmentRef {
        project: P.into(),
        name: "prod".into(),
    })
    .await
    .unwrap();
    assert!(ci.secret_value(P, Some("prod"), "API_TOKEN").is_none());
}
