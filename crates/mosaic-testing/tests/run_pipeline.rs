//! `CiCdClient::run_pipeline` on paused tokio time: against the CI fake
//! (through a tower stack with fault injection) and against a scripted
//! provider that records when it was polled.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mosaic_core::cicd::*;
use mosaic_core::{Capabilities, Error, ErrorKind, Page, Result};
use mosaic_testing::{FakeCiCd, FaultLayer, FaultRule, JobPlan, PipelinePlan};
use tokio::time::Instant;
use tower::Layer;

const P: &str = "acme/tools";

fn main_branch() -> CreatePipeline {
    CreatePipeline {
        project: P.into(),
        reference: "main".into(),
        ..Default::default()
    }
}

fn fake() -> FakeCiCd {
    let ci = FakeCiCd::new();
    ci.seed_project(P).create().unwrap();
    ci
}

/// Records every progress report's status.
fn recorder() -> (
    Arc<Mutex<Vec<PipelineStatus>>>,
    impl Fn(&Pipeline) + Send + Sync + 'static,
) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    (seen, move |p: &Pipeline| {
        sink.lock().unwrap().push(p.status)
    })
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[tokio::test(start_paused = true)]
async fn a_green_run_ends_in_success_with_its_jobs() {
    let fake = fake();
    let ci = CiCdClient::new(CiCdService::new(fake.clone()));
    let (seen, on_progress) = recorder();
    let started = Instant::now();
    // the run is a Send future a host can spawn
    let run = tokio::spawn(async move {
        ci.run_pipeline(
            main_branch(),
            RunOptions::new(secs(600)).on_progress(on_progress),
        )
        .await
    })
    .await
    .unwrap()
    .unwrap();
    assert!(run.succeeded());
    assert_eq!(run.status(), PipelineStatus::Success);
    let names: Vec<&str> = run.jobs.iter().map(|j| j.name.as_str()).collect();
    assert_eq!(names, ["build", "test"]);
    assert!(run.jobs.iter().all(|j| j.status == PipelineStatus::Success));
    assert!(run.failed_log.is_none() && run.log_error.is_none());
    // every state change reported once, in order
    assert_eq!(
        *seen.lock().unwrap(),
        [
            PipelineStatus::Queued,
            PipelineStatus::Running,
            PipelineStatus::Success
        ]
    );
    // the default plan takes 95 s; the run ends at the first poll after it
    let took = started.elapsed();
    assert!(took >= secs(95) && took < secs(95 + 30), "{took:?}");
    // no log was read for a green run
    assert_eq!(fake.call_count(CiCdOp::GetLog), 0);
}

#[tokio::test(start_paused = true)]
async fn a_red_run_brings_the_failing_jobs_log_tail() {
    let fake = fake();
    let mut test = JobPlan::new("test", secs(40)).stage("test");
    for i in 1..=80 {
        test = test.log(format!("case {i} ok"));
    }
    fake.script_pipeline(P)
        .job(JobPlan::new("build", secs(10)).log("compiled"))
        .job(test.log("assertion failed: left == right").fails())
        .job(JobPlan::new("deploy", secs(10)))
        .for_next_run()
        .unwrap();
    let ci = CiCdClient::new(CiCdService::new(fake.clone()));
    let run = ci
        .run_pipeline(main_branch(), RunOptions::new(secs(600)))
        .await
        .unwrap();
    assert_eq!(run.status(), PipelineStatus::Failure);
    let failed: Vec<&str> = run.failed_jobs().iter().map(|j| j.name.as_str()).collect();
    assert_eq!(failed, ["test"]);
    assert_eq!(run.jobs[2].status, PipelineStatus::Skipped);

    let tail = run.failed_log.expect("a failed run carries its log tail");
    assert_eq!(tail.job_name.as_deref(), Some("test"));
    assert_eq!(tail.job_id.as_deref(), Some(run.jobs[1].id.as_str()));
    assert_eq!(tail.lines.len(), 50, "the default tail is 50 lines");
    assert!(tail.truncated);
    assert_eq!(
        &tail.lines[47..],
        [
            "case 80 ok",
            "assertion failed: left == right",
            "job test failed"
        ]
    );
    assert!(
        tail.text()
            .ends_with("assertion failed: left == right\njob test failed")
    );
    // the log asked for is the failing job's
    let asked = fake.calls_to(CiCdOp::GetLog);
    assert_eq!(asked[0].param("/job"), Some(&run.jobs[1].id.clone().into()));

    // a shorter tail on request; triggering a definition works the same
    fake.seed_definition(P)
        .id("lint")
        .plan(PipelinePlan::new().job(JobPlan::new("lint", secs(5)).log("1 warning").fails()))
        .create()
        .unwrap();
    let trigger = TriggerPipeline {
        project: P.into(),
        definition: "lint".into(),
        ..Default::default()
    };
    let run = ci
        .run_pipeline(trigger, RunOptions::new(secs(60)).log_tail_lines(2))
        .await
        .unwrap();
    let tail = run.failed_log.unwrap();
    assert_eq!(tail.lines, ["1 warning", "job lint failed"]);
    assert!(tail.truncated);
    // no tail at all when none is wanted
    fake.script_pipeline(P)
        .job(JobPlan::new("x", secs(1)).fails())
        .for_next_run()
        .unwrap();
    let run = ci
        .run_pipeline(main_branch(), RunOptions::new(secs(60)).log_tail_lines(0))
        .await
        .unwrap();
    assert_eq!(run.status(), PipelineStatus::Failure);
    assert!(run.failed_log.is_none() && run.log_error.is_none());
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_run_ends_cancelled() {
    let fake = fake();
    let ci = CiCdClient::new(CiCdService::new(fake.clone()));
    // someone cancels the run 20 s in, while `build` runs
    let canceller = fake.clone();
    tokio::spawn(async move {
        tokio::time::sleep(secs(20)).await;
        let id = canceller.pipelines(P)[0].id.clone();
        canceller
            .cancel_pipeline(PipelineRef::new(P, id))
            .await
            .unwrap();
    });
    let (seen, on_progress) = recorder();
    let run = ci
        .run_pipeline(
            main_branch(),
            RunOptions::new(secs(600)).on_progress(on_progress),
        )
        .await
        .unwrap();
    assert_eq!(run.status(), PipelineStatus::Cancelled);
    assert!(!run.succeeded());
    assert_eq!(run.jobs[0].status, PipelineStatus::Cancelled);
    assert!(run.failed_log.is_none(), "only a failure reads the log");
    assert_eq!(
        seen.lock().unwrap().last(),
        Some(&PipelineStatus::Cancelled)
    );
}

#[tokio::test(start_paused = true)]
async fn a_run_past_its_deadline_is_a_timeout_naming_the_pipeline() {
    let fake = fake();
    fake.script_pipeline(P)
        .job(JobPlan::new("soak", secs(4 * 3600)))
        .for_every_run()
        .unwrap();
    let ci = CiCdClient::new(CiCdService::new(fake.clone()));
    let started = Instant::now();
    let err = ci
        .run_pipeline(main_branch(), RunOptions::new(secs(25 * 60)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    let id = fake.pipelines(P)[0].id.clone();
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("pipeline {id} of `{P}`")),
        "names the pipeline: {msg}"
    );
    assert!(msg.contains("last seen running"), "{msg}");
    // it gave up at the deadline, after a last poll there, and left the run alone
    assert_eq!(started.elapsed(), secs(25 * 60));
    assert_eq!(fake.pipelines(P)[0].status, PipelineStatus::Running);

    // asked to, it cancels the run it gives up on
    let err = ci
        .run_pipeline(
            main_branch(),
            RunOptions::new(secs(60)).cancel_on_deadline(true),
        )
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    assert!(err.to_string().contains("cancelled it"), "{err}");
    assert_eq!(fake.pipelines(P)[0].status, PipelineStatus::Cancelled);
}

#[tokio::test(start_paused = true)]
async fn a_provider_briefly_down_mid_poll_is_ridden_out() {
    let fake = fake();
    let faults = FaultLayer::new(7);
    let handle = faults.handle();
    let ci = CiCdClient::new(faults.layer(CiCdService::new(fake.clone())));
    // once the run is seen running, the next three polls fail as if the
    // system were down, then it is back
    let armed = handle.clone();
    let options = RunOptions::new(secs(600)).on_progress(move |p| {
        if p.status == PipelineStatus::Running {
            armed.push_rule(
                FaultRule::error(ErrorKind::Unavailable)
                    .on("cicd.pipeline.get")
                    .first(3),
            );
        }
    });
    let run = ci.run_pipeline(main_branch(), options).await.unwrap();
    assert!(run.succeeded());
    assert_eq!(handle.stats().errors(ErrorKind::Unavailable), 3);
    assert_eq!(run.jobs.len(), 2);

    // a rate limit while listing jobs and reading the log is waited out too
    fake.script_pipeline(P)
        .job(JobPlan::new("test", secs(5)).log("boom").fails())
        .for_next_run()
        .unwrap();
    handle.set_rules([
        FaultRule::rate_limited(Some(secs(3)))
            .on("cicd.job.list")
            .first(1),
        FaultRule::error(ErrorKind::Unavailable)
            .on("cicd.pipeline.log")
            .first(2),
    ]);
    let run = ci
        .run_pipeline(main_branch(), RunOptions::new(secs(600)))
        .await
        .unwrap();
    assert_eq!(
        run.failed_log.unwrap().lines,
        ["$ run test", "boom", "job test failed"]
    );
}

#[tokio::test(start_paused = true)]
async fn what_the_system_cannot_say_is_not_invented() {
    let fake = fake();
    fake.script_pipeline(P)
        .job(JobPlan::new("test", secs(5)).log("boom").fails())
        .for_every_run()
        .unwrap();
    let ci = CiCdClient::new(CiCdService::new(fake.clone()));
    let whole_log = ["== test ==", "$ run test", "boom", "job test failed"];

    // a system that keeps one log per pipeline refuses the job's: the
    // pipeline's log is the tail
    fake.fail_next(
        CiCdOp::GetLog,
        Error::invalid_input("job", "one console log per build"),
    );
    let run = ci
        .run_pipeline(main_branch(), RunOptions::new(secs(60)))
        .await
        .unwrap();
    assert_eq!(run.failed_jobs()[0].name, "test");
    let tail = run.failed_log.unwrap();
    assert_eq!((tail.job_id, tail.job_name), (None, None));
    assert_eq!(tail.lines, whole_log);
    let asked = fake.calls_to(CiCdOp::GetLog);
    assert!(asked[0].param("/job").unwrap().is_string());
    assert!(asked[1].param("/job").unwrap().is_null());

    // no job listing: the pipeline's whole log is the tail
    fake.disable(CiCdOp::ListJobs);
    let run = ci
        .run_pipeline(main_branch(), RunOptions::new(secs(60)))
        .await
        .unwrap();
    assert!(run.jobs.is_empty());
    let tail = run.failed_log.unwrap();
    assert_eq!(tail.job_id, None);
    assert_eq!(tail.lines, whole_log);

    // no logs at all: the run still answers, saying why the tail is missing
    fake.disable(CiCdOp::GetLog);
    let run = ci
        .run_pipeline(main_branch(), RunOptions::new(secs(60)))
        .await
        .unwrap();
    assert_eq!(run.status(), PipelineStatus::Failure);
    assert!(run.failed_log.is_none());
    assert!(run.log_error.unwrap().is_unsupported());
}

// ----- a scripted provider: exact poll times and errors -----

/// Answers `get_pipeline` from a script (then `Running` forever) and
/// records when it was polled.
#[derive(Default)]
struct Scripted {
    polls: Mutex<VecDeque<Result<PipelineStatus>>>,
    at: Mutex<Vec<Instant>>,
    trigger_error: Option<Error>,
}

impl Scripted {
    fn new(script: impl IntoIterator<Item = Result<PipelineStatus>>) -> Self {
        Scripted {
            polls: Mutex::new(script.into_iter().collect()),
            ..Default::default()
        }
    }

    fn poll_offsets(&self, from: Instant) -> Vec<u64> {
        self.at
            .lock()
            .unwrap()
            .iter()
            .map(|t| t.duration_since(from).as_millis() as u64)
            .collect()
    }
}

fn pipeline(id: &str, status: PipelineStatus) -> Pipeline {
    Pipeline {
        id: id.into(),
        project: P.into(),
        status,
        raw_status: format!("{status:?}").to_lowercase(),
        ..Default::default()
    }
}

#[async_trait::async_trait]
impl CiCdProvider for Scripted {
    fn capabilities(&self) -> Capabilities {
        Capabilities::all::<CiCdOp>()
    }

    async fn create_pipeline(&self, _: CreatePipeline) -> Result<Pipeline> {
        match &self.trigger_error {
            Some(e) => Err(e.clone()),
            None => Ok(pipeline("9", PipelineStatus::Queued)),
        }
    }

    async fn get_pipeline(&self, p: PipelineRef) -> Result<Pipeline> {
        self.at.lock().unwrap().push(Instant::now());
        let next = self.polls.lock().unwrap().pop_front();
        next.unwrap_or(Ok(PipelineStatus::Running))
            .map(|s| pipeline(&p.id, s))
    }

    async fn list_jobs(&self, p: ListJobs) -> Result<Page<Job>> {
        // two pages of one job each
        let (job, next) = match p.page.cursor.as_ref().map(|c| c.as_str()) {
            None => (("1", "build", PipelineStatus::Success), Some("2".into())),
            Some(_) => (("2", "test", PipelineStatus::Success), None),
        };
        let job = Job {
            id: job.0.into(),
            pipeline_id: p.pipeline,
            name: job.1.into(),
            status: job.2,
            ..Default::default()
        };
        Ok(Page::new(vec![job], next))
    }
}

#[tokio::test(start_paused = true)]
async fn polls_back_off_and_honour_retry_after() {
    let provider = Scripted::new([
        Ok(PipelineStatus::Queued),
        Ok(PipelineStatus::Running),
        Err(Error::rate_limited(Some(secs(20)))),
        Err(Error::unavailable("502 from the load balancer")),
        Ok(PipelineStatus::Success),
    ]);
    let start = Instant::now();
    let options = RunOptions::new(secs(600)).poll(PollBackoff::new(secs(1), secs(8)).factor(2.0));
    let run = run_pipeline(&provider, main_branch(), options)
        .await
        .unwrap();
    assert!(run.succeeded());
    // waits 1, 2, 4; then the 20 s the rate limit asked for (not 8); then 8
    assert_eq!(
        provider.poll_offsets(start),
        [1_000, 3_000, 7_000, 27_000, 35_000]
    );
    // every page of jobs is read
    let names: Vec<&str> = run.jobs.iter().map(|j| j.name.as_str()).collect();
    assert_eq!(names, ["build", "test"]);
}

#[tokio::test(start_paused = true)]
async fn errors_that_will_not_pass_end_the_run() {
    let denied = Scripted::new([
        Ok(PipelineStatus::Running),
        Err(Error::new(
            ErrorKind::PermissionDenied,
            "token lost its scope",
        )),
    ]);
    let err = run_pipeline(&denied, main_branch(), RunOptions::new(secs(600)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert_eq!(denied.at.lock().unwrap().len(), 2, "no poll after it");

    // a trigger is sent once: its failure is the run's
    let refused = Scripted {
        trigger_error: Some(Error::unavailable("down")),
        ..Default::default()
    };
    let err = run_pipeline(&refused, main_branch(), RunOptions::new(secs(600)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert!(refused.at.lock().unwrap().is_empty());

    // a rate limit asking to wait past the deadline ends the run at once,
    // with the last state and the reason
    let limited = Scripted::new([
        Ok(PipelineStatus::Running),
        Err(Error::rate_limited(Some(secs(3600)))),
    ]);
    let start = Instant::now();
    let err = run_pipeline(&limited, main_branch(), RunOptions::new(secs(600)))
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    let msg = err.to_string();
    assert!(msg.contains("pipeline 9"), "{msg}");
    assert!(msg.contains("last seen running"), "{msg}");
    assert!(msg.contains("rate limit exceeded"), "{msg}");
    assert!(msg.contains("past the deadline"), "{msg}");
    assert!(start.elapsed() < secs(600));
}

#[tokio::test(start_paused = true)]
async fn a_provider_down_until_the_deadline_is_a_timeout_with_its_last_error() {
    let mut script = vec![Ok(PipelineStatus::Running)];
    script.extend((0..100).map(|_| Err(Error::unavailable("connection refused"))));
    let down = Scripted::new(script);
    let err = run_pipeline(
        &down,
        main_branch(),
        RunOptions::new(secs(120)).poll(PollBackoff::fixed(secs(10))),
    )
    .await
    .unwrap_err();
    assert!(err.is_timeout());
    assert!(err.to_string().contains("connection refused"), "{err}");
    // polled every 10 s up to and including the deadline
    assert_eq!(down.at.lock().unwrap().len(), 12);
}
