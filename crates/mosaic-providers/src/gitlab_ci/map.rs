//! GitLab wire types → Mosaic CI/CD types, and the status table.

use mosaic_core::cicd::{Artifact, Environment, Job, Pipeline, PipelineStatus, SecretInfo};

use super::wire;
use crate::ci::status::{StatusRow, lookup};

use PipelineStatus::{Cancelled, Failure, Manual, Queued, Running, Skipped, Success};

/// Pipeline and job states. `canceling` and `waiting_for_callback` have not
/// ended yet and count as running; `scheduled` (a delayed job) and the
/// states before a runner picks a job up count as queued.
pub const STATUSES: &[StatusRow] = &[
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
];

/// The normalized state of a GitLab word (unknown words: queued).
pub fn status(raw: &str) -> PipelineStatus {
    lookup(STATUSES, raw, Queued)
}

pub(crate) fn pipeline(project: &str, p: wire::Pipeline) -> Pipeline {
    Pipeline {
        id: p.id.to_string(),
        number: p.iid,
        project: project.to_owned(),
        definition: None,
        reference: p.reference,
        sha: p.sha,
        status: status(&p.status),
        raw_status: p.status,
        event: p.source,
        web_url: p.web_url,
        created_at: p.created_at,
        started_at: p.started_at,
        finished_at: p.finished_at,
    }
}

pub(crate) fn job(j: wire::Job) -> Job {
    Job {
        id: j.id.to_string(),
        pipeline_id: j.pipeline.id.to_string(),
        name: j.name,
        stage: j.stage,
        status: status(&j.status),
        raw_status: j.status,
        web_url: j.web_url,
        started_at: j.started_at,
        finished_at: j.finished_at,
    }
}

/// A job's artifacts archive, named `<job>/<file>`.
pub(crate) fn artifact(j: &wire::Job) -> Option<Artifact> {
    j.artifacts_file.as_ref().map(|f| Artifact {
        id: j.id.to_string(),
        name: format!("{}/{}", j.name, f.filename),
        size: f.size,
        expired: false,
    })
}

pub(crate) fn environment(e: wire::Environment) -> Environment {
    Environment {
        id: e.id.to_string(),
        name: e.name,
        url: e.external_url.filter(|u| !u.is_empty()),
    }
}

/// The scope `*` means every environment.
pub(crate) fn secret(v: wire::Variable) -> SecretInfo {
    SecretInfo {
        name: v.key,
        environment: v.environment_scope.filter(|s| s != "*"),
        masked: v.masked,
        protected: v.protected,
        created_at: None,
        updated_at: None,
    }
}
