//! CI/CD domain types: pipeline definitions, pipelines (runs), jobs, logs,
//! artifacts, environments and secrets.
//!
//! A *pipeline* is one run: a GitHub Actions workflow run, a GitLab
//! pipeline, a Woodpecker pipeline, a Jenkins build. A *definition* is what
//! is run: a workflow file, a Jenkins job. `project` is the repository or
//! project path (`owner/repo`, `group/project`) or, for Jenkins, the folder
//! path of the job (empty for the root).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Secret;
use crate::page::{PageRequest, paginated};

#[cfg(test)]
use proptest_derive::Arbitrary;

pub(crate) fn project_subject(project: &str) -> Option<Cow<'_, str>> {
    (!project.is_empty()).then_some(Cow::Borrowed(project))
}

/// The normalized state of a pipeline or job. Adapters keep the system's own
/// word next to it (`raw_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
#[serde(rename_all = "snake_case")]
pub enum PipelineStatus {
    /// Waiting to start (created, pending, waiting for a runner).
    #[default]
    Queued,
    /// Running.
    Running,
    /// Finished successfully.
    Success,
    /// Finished with a failure or error.
    Failure,
    /// Cancelled or aborted.
    Cancelled,
    /// Skipped.
    Skipped,
    /// Waiting for a person: a manual job, an approval, a blocked pipeline.
    Manual,
}

impl PipelineStatus {
    /// Whether the state is final.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            PipelineStatus::Success
                | PipelineStatus::Failure
                | PipelineStatus::Cancelled
                | PipelineStatus::Skipped
        )
    }
}

/// What a pipeline runs: a workflow file, a Jenkins job.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct PipelineDefinition {
    /// The system's id (workflow id or file name, job name).
    pub id: String,
    /// Display name.
    pub name: String,
    /// File path of the definition, where there is one.
    pub path: Option<String>,
    /// Whether it can run (not disabled).
    pub enabled: bool,
    /// Web page.
    pub web_url: Option<String>,
}

/// Parameters of `list_definitions`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListDefinitions {
    /// Project path.
    pub project: String,
    /// Which page.
    pub page: PageRequest,
}

/// A definition by id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct DefinitionRef {
    /// Project path.
    pub project: String,
    /// Definition id.
    pub id: String,
}

/// One run of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Pipeline {
    /// The system's id.
    pub id: String,
    /// Run number, where the system counts runs.
    pub number: Option<u64>,
    /// Project path.
    pub project: String,
    /// The definition it runs, where known.
    pub definition: Option<String>,
    /// Branch or tag.
    pub reference: Option<String>,
    /// Commit.
    pub sha: Option<String>,
    /// Normalized state.
    pub status: PipelineStatus,
    /// The system's own state word.
    pub raw_status: String,
    /// What started it (`push`, `manual`, `schedule`, …).
    pub event: Option<String>,
    /// Web page.
    pub web_url: Option<String>,
    /// Creation time (RFC 3339).
    pub created_at: Option<String>,
    /// Start time (RFC 3339).
    pub started_at: Option<String>,
    /// End time (RFC 3339).
    pub finished_at: Option<String>,
}

/// Parameters of `create_pipeline`: run the project's pipeline for a ref.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct CreatePipeline {
    /// Project path.
    pub project: String,
    /// Branch or tag.
    pub reference: String,
    /// Variables for the run.
    pub variables: BTreeMap<String, String>,
}

/// Parameters of `trigger_pipeline`: run a named definition with inputs
/// (GitHub `workflow_dispatch`, Jenkins build with parameters).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct TriggerPipeline {
    /// Project path.
    pub project: String,
    /// Definition id.
    pub definition: String,
    /// Branch or tag, where the system needs one.
    pub reference: Option<String>,
    /// Inputs or parameters.
    pub inputs: BTreeMap<String, String>,
}

/// A pipeline by id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct PipelineRef {
    /// Project path.
    pub project: String,
    /// Pipeline id.
    pub id: String,
}

impl PipelineRef {
    /// A pipeline reference.
    pub fn new(project: impl Into<String>, id: impl Into<String>) -> Self {
        PipelineRef {
            project: project.into(),
            id: id.into(),
        }
    }
}

/// Parameters of `retry_pipeline`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct RetryPipeline {
    /// Project path.
    pub project: String,
    /// Pipeline id.
    pub id: String,
    /// Re-run only the failed jobs.
    pub failed_only: bool,
}

/// Parameters of `list_pipelines`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListPipelines {
    /// Project path.
    pub project: String,
    /// Only runs of this definition.
    pub definition: Option<String>,
    /// Only runs for this branch or tag.
    pub reference: Option<String>,
    /// Only runs in this state.
    pub status: Option<PipelineStatus>,
    /// Which page.
    pub page: PageRequest,
}

/// A job (step, stage job) of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Job {
    /// The system's id.
    pub id: String,
    /// The pipeline it belongs to.
    pub pipeline_id: String,
    /// Name.
    pub name: String,
    /// Stage, where the system has stages.
    pub stage: Option<String>,
    /// Normalized state.
    pub status: PipelineStatus,
    /// The system's own state word.
    pub raw_status: String,
    /// Web page.
    pub web_url: Option<String>,
    /// Start time (RFC 3339).
    pub started_at: Option<String>,
    /// End time (RFC 3339).
    pub finished_at: Option<String>,
}

/// A job by id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct JobRef {
    /// Project path.
    pub project: String,
    /// Job id.
    pub id: String,
}

/// Parameters of `list_jobs`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListJobs {
    /// Project path.
    pub project: String,
    /// Pipeline id.
    pub pipeline: String,
    /// Which page.
    pub page: PageRequest,
}

/// Parameters of `get_log`: a pipeline's whole log, or one job's.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct GetLog {
    /// Project path.
    pub project: String,
    /// Pipeline id.
    pub pipeline: String,
    /// Job id; `None` for the whole pipeline.
    pub job: Option<String>,
    /// Byte offset to continue from (progressive reads).
    pub offset: u64,
}

/// A piece of log text.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Log {
    /// Text from the requested offset.
    pub text: String,
    /// Offset to ask for next.
    pub next_offset: u64,
    /// Whether the log is complete (the run has finished).
    pub complete: bool,
}

/// A build artifact.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Artifact {
    /// The system's id (or relative path).
    pub id: String,
    /// File name.
    pub name: String,
    /// Size in bytes.
    pub size: Option<u64>,
    /// Whether it has expired.
    pub expired: bool,
}

/// Parameters of `list_artifacts`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListArtifacts {
    /// Project path.
    pub project: String,
    /// Pipeline id.
    pub pipeline: String,
    /// Which page.
    pub page: PageRequest,
}

/// An artifact by id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ArtifactRef {
    /// Project path.
    pub project: String,
    /// Pipeline id.
    pub pipeline: String,
    /// Artifact id.
    pub id: String,
}

/// A downloaded artifact.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ArtifactData {
    /// File name.
    pub name: String,
    /// Bytes (an archive, where the system zips artifacts).
    pub content: Vec<u8>,
}

/// A deployment environment.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Environment {
    /// The system's id.
    pub id: String,
    /// Name.
    pub name: String,
    /// External URL.
    pub url: Option<String>,
}

/// Parameters of `create_environment` and `update_environment`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct WriteEnvironment {
    /// Project path.
    pub project: String,
    /// Name.
    pub name: String,
    /// External URL.
    pub url: Option<String>,
}

/// An environment by name.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct EnvironmentRef {
    /// Project path.
    pub project: String,
    /// Name.
    pub name: String,
}

/// Parameters of `list_environments`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListEnvironments {
    /// Project path.
    pub project: String,
    /// Which page.
    pub page: PageRequest,
}

/// What is known about a secret: never its value.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct SecretInfo {
    /// Name.
    pub name: String,
    /// The environment it is scoped to.
    pub environment: Option<String>,
    /// Masked in logs (GitLab).
    pub masked: bool,
    /// Only for protected refs (GitLab).
    pub protected: bool,
    /// Creation time (RFC 3339).
    pub created_at: Option<String>,
    /// Last update time (RFC 3339).
    pub updated_at: Option<String>,
}

/// Parameters of `create_secret` and `update_secret`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct WriteSecret {
    /// Project path.
    pub project: String,
    /// Name.
    pub name: String,
    /// The value (never logged, never serialized).
    pub value: Secret,
    /// Scope it to an environment.
    pub environment: Option<String>,
    /// Mask it in logs.
    pub masked: bool,
    /// Only for protected refs.
    pub protected: bool,
}

/// A secret by name.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct SecretRef {
    /// Project path.
    pub project: String,
    /// Name.
    pub name: String,
    /// The environment it is scoped to.
    pub environment: Option<String>,
}

/// Parameters of `list_secrets`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListSecrets {
    /// Project path.
    pub project: String,
    /// Only secrets of this environment.
    pub environment: Option<String>,
    /// Which page.
    pub page: PageRequest,
}

paginated!(
    ListDefinitions,
    ListPipelines,
    ListJobs,
    ListArtifacts,
    ListEnvironments,
    ListSecrets,
);
