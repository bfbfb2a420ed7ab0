//! Jenkins shapes → Mosaic CI/CD types, and the status tables.

use std::time::{Duration, UNIX_EPOCH};

use mosaic_core::cicd::{Job, Pipeline, PipelineDefinition, PipelineStatus};

use super::wire;
use crate::ci::status::{StatusRow, lookup};

use PipelineStatus::{Cancelled, Failure, Manual, Queued, Running, Skipped, Success};

/// Build words: a finished build's `result`, `BUILDING` while it runs and
/// `QUEUED` before it has started. `UNSTABLE` (tests failed) is a failure,
/// `NOT_BUILT` skipped, `ABORTED` cancelled.
pub const BUILD_STATUSES: &[StatusRow] = &[
    ("QUEUED", Queued),
    ("BUILDING", Running),
    ("SUCCESS", Success),
    ("UNSTABLE", Failure),
    ("FAILURE", Failure),
    ("NOT_BUILT", Skipped),
    ("ABORTED", Cancelled),
];

/// Stage words of the Pipeline Stage View API. `PAUSED_PENDING_INPUT`
/// (an `input` step waits for a person) is manual.
pub const STAGE_STATUSES: &[StatusRow] = &[
    ("QUEUED", Queued),
    ("IN_PROGRESS", Running),
    ("PAUSED_PENDING_INPUT", Manual),
    ("SUCCESS", Success),
    ("UNSTABLE", Failure),
    ("FAILED", Failure),
    ("NOT_EXECUTED", Skipped),
    ("ABORTED", Cancelled),
];

/// The raw word and normalized state of a build.
pub fn build_status(result: Option<&str>, building: bool) -> (String, PipelineStatus) {
    let raw = match (building, result) {
        (true, _) => "BUILDING",
        (false, Some(r)) => r,
        (false, None) => "QUEUED",
    };
    (raw.to_owned(), lookup(BUILD_STATUSES, raw, Failure))
}

/// The normalized state of a stage word (unknown words: queued).
pub fn stage_status(raw: &str) -> PipelineStatus {
    lookup(STAGE_STATUSES, raw, Queued)
}

pub(crate) fn rfc3339(ms: u64) -> String {
    humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(ms)).to_string()
}

pub(crate) fn definition(j: wire::JobItem) -> PipelineDefinition {
    let enabled = j.buildable.unwrap_or(false) && j.color.as_deref() != Some("disabled");
    PipelineDefinition {
        id: j.name.clone(),
        name: j.full_name.unwrap_or(j.name),
        path: None,
        enabled,
        web_url: j.url,
    }
}

/// A cause class as an event word.
fn event(c: &wire::Cause) -> Option<String> {
    let class = c.class.as_deref().unwrap_or("");
    let word = if class.ends_with("UserIdCause") || class.ends_with("UserCause") {
        "manual"
    } else if class.ends_with("TimerTriggerCause") {
        "schedule"
    } else if class.ends_with("SCMTriggerCause")
        || class.ends_with("BranchIndexingCause")
        || class.ends_with("BranchEventCause")
        || class.contains("GitHubPushCause")
        || class.contains("GitLabWebHookCause")
    {
        "push"
    } else if class.ends_with("UpstreamCause") {
        "upstream"
    } else if class.ends_with("RemoteCause") {
        "api"
    } else {
        return c.short_description.clone();
    };
    Some(word.to_owned())
}

/// `job` is the job's path relative to `project` (`app`, `app/main`).
pub(crate) fn pipeline(project: &str, job: &str, b: wire::Build) -> Pipeline {
    let (raw_status, status) = build_status(b.result.as_deref(), b.building);
    let revision = b
        .actions
        .iter()
        .find_map(|a| a.last_built_revision.as_ref());
    let event = b
        .actions
        .iter()
        .flat_map(|a| a.causes.iter())
        .find_map(event);
    let finished_at = match (status.is_finished(), b.timestamp, b.duration) {
        (true, Some(t), Some(d)) => Some(rfc3339(t.saturating_add(d))),
        _ => None,
    };
    Pipeline {
        id: format!("{job}/{}", b.number),
        number: Some(b.number),
        project: project.to_owned(),
        definition: Some(job.to_owned()),
        reference: revision
            .and_then(|r| r.branch.first())
            .and_then(|b| b.name.clone()),
        sha: revision.and_then(|r| r.sha1.clone()),
        status,
        raw_status,
        event,
        web_url: b.url,
        created_at: b.timestamp.map(rfc3339),
        started_at: b.timestamp.map(rfc3339),
        finished_at,
    }
}

/// `pipeline` is the Mosaic pipeline id (`app/42`).
pub(crate) fn job(pipeline: &str, s: wire::Stage) -> Job {
    let status = stage_status(&s.status);
    let finished_at = match (status.is_finished(), s.start_time_millis, s.duration_millis) {
        (true, Some(t), Some(d)) => Some(rfc3339(t.saturating_add(d))),
        _ => None,
    };
    Job {
        id: format!("{pipeline}:{}", s.id),
        pipeline_id: pipeline.to_owned(),
        name: s.name,
        stage: None,
        status,
        raw_status: s.status,
        web_url: None,
        started_at: s.start_time_millis.filter(|t| *t > 0).map(rfc3339),
        finished_at,
    }
}
