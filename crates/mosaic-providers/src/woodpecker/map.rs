//! Woodpecker shapes → Mosaic CI/CD types, and the status table.

use std::time::{Duration, UNIX_EPOCH};

use mosaic_core::cicd::{Job, Pipeline, PipelineStatus};

use super::wire;
use crate::ci::status::{StatusRow, lookup};

use PipelineStatus::{Cancelled, Failure, Manual, Queued, Running, Skipped, Success};

/// Pipeline, workflow and step states. `blocked` (waiting for approval) is
/// manual; `declined` (approval refused) and `killed` are cancelled;
/// `error` (the pipeline could not run) is a failure.
pub const STATUSES: &[StatusRow] = &[
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
];

/// The normalized state of a Woodpecker word (unknown words: queued).
pub fn status(raw: &str) -> PipelineStatus {
    lookup(STATUSES, raw, Queued)
}

/// Unix seconds (0 or less: not yet) as RFC 3339.
pub(crate) fn time(secs: Option<i64>) -> Option<String> {
    let s = u64::try_from(secs?).ok().filter(|s| *s > 0)?;
    Some(humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(s)).to_string())
}

pub(crate) fn pipeline(project: &str, web_base: &str, repo_id: u64, p: wire::Pipeline) -> Pipeline {
    Pipeline {
        id: p.number.to_string(),
        number: Some(p.number),
        project: project.to_owned(),
        definition: None,
        reference: p.branch.filter(|b| !b.is_empty()).or(p.reference),
        sha: p.commit.filter(|c| !c.is_empty()),
        status: status(&p.status),
        raw_status: p.status,
        event: p.event,
        web_url: Some(format!("{web_base}/repos/{repo_id}/pipeline/{}", p.number)),
        created_at: time(p.created),
        started_at: time(p.started),
        finished_at: time(p.finished),
    }
}

/// A step as a job with the id `<number>/<step id>`, its workflow as stage.
pub(crate) fn job(number: u64, workflow: &str, s: &wire::Step) -> Job {
    Job {
        id: format!("{number}/{}", s.id),
        pipeline_id: number.to_string(),
        name: s.name.clone(),
        stage: Some(workflow.to_owned()),
        status: status(&s.state),
        raw_status: s.state.clone(),
        web_url: None,
        started_at: time(s.started),
        finished_at: time(s.finished),
    }
}
