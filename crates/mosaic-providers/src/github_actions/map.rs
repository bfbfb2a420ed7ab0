//! GitHub Actions wire types → Mosaic CI/CD types, and the status table.

use mosaic_core::cicd::{
    Artifact, Environment, Job, Pipeline, PipelineDefinition, PipelineStatus, SecretInfo,
};

use super::wire;
use crate::ci::status::{StatusRow, lookup};

use PipelineStatus::{Cancelled, Failure, Manual, Queued, Running, Skipped, Success};

/// Run and job words: a `status` while not completed, the `conclusion`
/// once completed. `stale` (GitHub gave up on an unfinished run) counts as
/// cancelled; `neutral` as success; `waiting` (an environment's reviewers
/// must approve) and `action_required` as manual.
pub const STATUSES: &[StatusRow] = &[
    ("requested", Queued),
    ("queued", Queued),
    ("pending", Queued),
    ("in_progress", Running),
    ("waiting", Manual),
    ("action_required", Manual),
    ("success", Success),
    ("neutral", Success),
    ("failure", Failure),
    ("timed_out", Failure),
    ("startup_failure", Failure),
    ("cancelled", Cancelled),
    ("stale", Cancelled),
    ("skipped", Skipped),
];

/// The words of [`STATUSES`] that are conclusions (a completed run).
pub(crate) const CONCLUSIONS: &[&str] = &[
    "action_required",
    "success",
    "neutral",
    "failure",
    "timed_out",
    "startup_failure",
    "cancelled",
    "stale",
    "skipped",
];

/// The raw word of a run or job (its conclusion once completed) and its
/// normalized state. A completed run with an unknown or missing conclusion
/// is a failure (it ended, and not known to have succeeded); an unknown
/// status of a run that has not completed is queued.
pub fn status(status: Option<&str>, conclusion: Option<&str>) -> (String, PipelineStatus) {
    let status = status.unwrap_or("queued");
    if status == "completed" {
        return match conclusion {
            Some(c) => (c.to_owned(), lookup(STATUSES, c, Failure)),
            None => ("completed".to_owned(), Failure),
        };
    }
    (status.to_owned(), lookup(STATUSES, status, Queued))
}

pub(crate) fn definition(w: wire::Workflow) -> PipelineDefinition {
    PipelineDefinition {
        id: w.id.to_string(),
        enabled: w.state == "active",
        name: w.name,
        path: Some(w.path),
        web_url: w.html_url,
    }
}

pub(crate) fn pipeline(project: &str, r: wire::Run) -> Pipeline {
    let (raw_status, status) = status(r.status.as_deref(), r.conclusion.as_deref());
    let finished = status.is_finished();
    Pipeline {
        id: r.id.to_string(),
        number: Some(r.run_number),
        project: project.to_owned(),
        definition: Some(r.workflow_id.to_string()),
        reference: r.head_branch,
        sha: Some(r.head_sha),
        status,
        raw_status,
        event: Some(r.event),
        web_url: r.html_url,
        created_at: r.created_at,
        started_at: r.run_started_at,
        finished_at: if finished { r.updated_at } else { None },
    }
}

pub(crate) fn job(j: wire::Job) -> Job {
    let (raw_status, status) = status(j.status.as_deref(), j.conclusion.as_deref());
    Job {
        id: j.id.to_string(),
        pipeline_id: j.run_id.to_string(),
        name: j.name,
        stage: None,
        status,
        raw_status,
        web_url: j.html_url,
        started_at: j.started_at,
        finished_at: j.completed_at,
    }
}

pub(crate) fn artifact(a: wire::Artifact) -> Artifact {
    Artifact {
        id: a.id.to_string(),
        name: a.name,
        size: Some(a.size_in_bytes),
        expired: a.expired,
    }
}

pub(crate) fn environment(e: wire::Environment) -> Environment {
    Environment {
        id: e.id.to_string(),
        name: e.name,
        url: None,
    }
}

/// GitHub masks every secret in logs and has no protected-ref flag.
pub(crate) fn secret(s: wire::Secret, environment: Option<&str>) -> SecretInfo {
    SecretInfo {
        name: s.name,
        environment: environment.map(str::to_owned),
        masked: true,
        protected: false,
        created_at: s.created_at,
        updated_at: s.updated_at,
    }
}
