//! GitLab CI/CD REST v4 shapes (only the fields Mosaic reads), written
//! from GitLab's API documentation (`doc/api/pipelines.md`, `jobs.md`,
//! `job_artifacts.md`, `environments.md`, `project_level_variables.md`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The parts of a project the CI/CD definition needs.
#[derive(Debug, Deserialize)]
pub(crate) struct Project {
    /// Web page.
    #[serde(default)]
    pub(crate) web_url: Option<String>,
    /// Default branch.
    #[serde(default)]
    pub(crate) default_branch: Option<String>,
    /// Custom CI configuration path (`null` or empty for `.gitlab-ci.yml`).
    #[serde(default)]
    pub(crate) ci_config_path: Option<String>,
    /// `disabled`, `private` or `enabled`.
    #[serde(default)]
    pub(crate) builds_access_level: Option<String>,
    /// Older instances' switch for CI/CD.
    #[serde(default)]
    pub(crate) jobs_enabled: Option<bool>,
}

/// A pipeline.
#[derive(Debug, Deserialize)]
pub(crate) struct Pipeline {
    /// Id (instance-wide).
    pub(crate) id: u64,
    /// Number within the project.
    #[serde(default)]
    pub(crate) iid: Option<u64>,
    /// State word.
    pub(crate) status: String,
    /// What started it.
    #[serde(default)]
    pub(crate) source: Option<String>,
    /// Branch or tag.
    #[serde(rename = "ref", default)]
    pub(crate) reference: Option<String>,
    /// Commit.
    #[serde(default)]
    pub(crate) sha: Option<String>,
    /// Web page.
    #[serde(default)]
    pub(crate) web_url: Option<String>,
    /// Created.
    #[serde(default)]
    pub(crate) created_at: Option<String>,
    /// Started.
    #[serde(default)]
    pub(crate) started_at: Option<String>,
    /// Finished.
    #[serde(default)]
    pub(crate) finished_at: Option<String>,
}

/// The pipeline a job belongs to.
#[derive(Debug, Deserialize)]
pub(crate) struct JobPipeline {
    /// Pipeline id.
    pub(crate) id: u64,
}

/// The artifacts archive of a job.
#[derive(Debug, Deserialize)]
pub(crate) struct ArtifactsFile {
    /// File name (`artifacts.zip`).
    pub(crate) filename: String,
    /// Size in bytes.
    #[serde(default)]
    pub(crate) size: Option<u64>,
}

/// A job.
#[derive(Debug, Deserialize)]
pub(crate) struct Job {
    /// Id.
    pub(crate) id: u64,
    /// Name.
    pub(crate) name: String,
    /// Stage.
    #[serde(default)]
    pub(crate) stage: Option<String>,
    /// State word.
    pub(crate) status: String,
    /// Web page.
    #[serde(default)]
    pub(crate) web_url: Option<String>,
    /// Started.
    #[serde(default)]
    pub(crate) started_at: Option<String>,
    /// Finished.
    #[serde(default)]
    pub(crate) finished_at: Option<String>,
    /// Its pipeline.
    pub(crate) pipeline: JobPipeline,
    /// The artifacts archive, when the job kept one.
    #[serde(default)]
    pub(crate) artifacts_file: Option<ArtifactsFile>,
}

/// A pipeline variable (`GET /pipelines/:id/variables`).
#[derive(Debug, Deserialize, Serialize)]
pub(crate) struct PipelineVariable {
    /// Name.
    pub(crate) key: String,
    /// Value.
    pub(crate) value: String,
    /// `env_var` or `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) variable_type: Option<String>,
}

/// `POST /projects/:id/pipeline`.
#[derive(Debug, Serialize)]
pub(crate) struct CreatePipeline<'a> {
    /// Branch or tag.
    #[serde(rename = "ref")]
    pub(crate) reference: &'a str,
    /// Variables.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) variables: Vec<PipelineVariable>,
    /// `spec:inputs` of the CI configuration.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) inputs: &'a BTreeMap<String, String>,
}

/// An environment.
#[derive(Debug, Deserialize)]
pub(crate) struct Environment {
    /// Id.
    pub(crate) id: u64,
    /// Name.
    pub(crate) name: String,
    /// External URL.
    #[serde(default)]
    pub(crate) external_url: Option<String>,
    /// `available`, `stopping` or `stopped`.
    #[serde(default)]
    pub(crate) state: Option<String>,
}

/// `POST /projects/:id/environments`, `PUT .../environments/:id`.
#[derive(Debug, Serialize)]
pub(crate) struct WriteEnvironment<'a> {
    /// Name (create only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<&'a str>,
    /// External URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) external_url: Option<&'a str>,
}

/// A CI/CD variable. Its value is never read.
#[derive(Debug, Deserialize)]
pub(crate) struct Variable {
    /// Name.
    pub(crate) key: String,
    /// Masked in job logs.
    #[serde(default)]
    pub(crate) masked: bool,
    /// Only exported to protected refs.
    #[serde(default)]
    pub(crate) protected: bool,
    /// `*` or an environment name / pattern.
    #[serde(default)]
    pub(crate) environment_scope: Option<String>,
}

/// `POST /projects/:id/variables`, `PUT .../variables/:key`. `Debug`
/// leaves the value out.
#[derive(Serialize)]
pub(crate) struct PutVariable<'a> {
    /// Name (create only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) key: Option<&'a str>,
    /// The value.
    pub(crate) value: &'a str,
    /// Masked in job logs.
    pub(crate) masked: bool,
    /// Only exported to protected refs.
    pub(crate) protected: bool,
    /// Environment scope.
    pub(crate) environment_scope: &'a str,
}

impl std::fmt::Debug for PutVariable<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PutVariable")
            .field("key", &self.key)
            .field("value", &"[REDACTED]")
            .field("masked", &self.masked)
            .field("protected", &self.protected)
            .field("environment_scope", &self.environment_scope)
            .finish()
    }
}
