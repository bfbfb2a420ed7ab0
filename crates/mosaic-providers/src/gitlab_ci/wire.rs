//! GitLab CI/CD REST v4 shapes (only the fields Mosaic reads), written
//! from GitLab's API documentation (`doc/api/pipelines.md`, `jobs.md`,
//! `job_artifacts.md`, `environments.md`, `project_level_variables.md`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The parts of a project the CI/CD definition needs.
#[derive(Debug, Deserialize)]
pub struct Project {
    /// Id.
    pub id: u64,
    /// `group/sub/project`.
    #[serde(default)]
    pub path_with_namespace: Option<String>,
    /// Web page.
    #[serde(default)]
    pub web_url: Option<String>,
    /// Default branch.
    #[serde(default)]
    pub default_branch: Option<String>,
    /// Custom CI configuration path (`null` or empty for `.gitlab-ci.yml`).
    #[serde(default)]
    pub ci_config_path: Option<String>,
    /// `disabled`, `private` or `enabled`.
    #[serde(default)]
    pub builds_access_level: Option<String>,
    /// Older instances' switch for CI/CD.
    #[serde(default)]
    pub jobs_enabled: Option<bool>,
}

/// A pipeline.
#[derive(Debug, Deserialize)]
pub struct Pipeline {
    /// Id (instance-wide).
    pub id: u64,
    /// Number within the project.
    #[serde(default)]
    pub iid: Option<u64>,
    /// State word.
    pub status: String,
    /// What started it.
    #[serde(default)]
    pub source: Option<String>,
    /// Branch or tag.
    #[serde(rename = "ref", default)]
    pub reference: Option<String>,
    /// Commit.
    #[serde(default)]
    pub sha: Option<String>,
    /// Web page.
    #[serde(default)]
    pub web_url: Option<String>,
    /// Created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Started.
    #[serde(default)]
    pub started_at: Option<String>,
    /// Finished.
    #[serde(default)]
    pub finished_at: Option<String>,
}

/// The pipeline a job belongs to.
#[derive(Debug, Deserialize)]
pub struct JobPipeline {
    /// Pipeline id.
    pub id: u64,
}

/// The artifacts archive of a job.
#[derive(Debug, Deserialize)]
pub struct ArtifactsFile {
    /// File name (`artifacts.zip`).
    pub filename: String,
    /// Size in bytes.
    #[serde(default)]
    pub size: Option<u64>,
}

/// A job.
#[derive(Debug, Deserialize)]
pub struct Job {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Stage.
    #[serde(default)]
    pub stage: Option<String>,
    /// State word.
    pub status: String,
    /// Web page.
    #[serde(default)]
    pub web_url: Option<String>,
    /// Started.
    #[serde(default)]
    pub started_at: Option<String>,
    /// Finished.
    #[serde(default)]
    pub finished_at: Option<String>,
    /// Its pipeline.
    pub pipeline: JobPipeline,
    /// The artifacts archive, when the job kept one.
    #[serde(default)]
    pub artifacts_file: Option<ArtifactsFile>,
}

/// A pipeline variable (`GET /pipelines/:id/variables`).
#[derive(Debug, Deserialize, Serialize)]
pub struct PipelineVariable {
    /// Name.
    pub key: String,
    /// Value.
    pub value: String,
    /// `env_var` or `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variable_type: Option<String>,
}

/// `POST /projects/:id/pipeline`.
#[derive(Debug, Serialize)]
pub struct CreatePipeline<'a> {
    /// Branch or tag.
    #[serde(rename = "ref")]
    pub reference: &'a str,
    /// Variables.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<PipelineVariable>,
    /// `spec:inputs` of the CI configuration.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub inputs: &'a BTreeMap<String, String>,
}

/// An environment.
#[derive(Debug, Deserialize)]
pub struct Environment {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// External URL.
    #[serde(default)]
    pub external_url: Option<String>,
    /// `available`, `stopping` or `stopped`.
    #[serde(default)]
    pub state: Option<String>,
}

/// `POST /projects/:id/environments`, `PUT .../environments/:id`.
#[derive(Debug, Serialize)]
pub struct PutEnvironment<'a> {
    /// Name (create only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    /// External URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_url: Option<&'a str>,
}

/// A CI/CD variable. Its value is never read.
#[derive(Debug, Deserialize)]
pub struct Variable {
    /// Name.
    pub key: String,
    /// Masked in job logs.
    #[serde(default)]
    pub masked: bool,
    /// Only exported to protected refs.
    #[serde(default)]
    pub protected: bool,
    /// `*` or an environment name / pattern.
    #[serde(default)]
    pub environment_scope: Option<String>,
}

/// `POST /projects/:id/variables`, `PUT .../variables/:key`. `Debug`
/// leaves the value out.
#[derive(Serialize)]
pub struct PutVariable<'a> {
    /// Name (create only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<&'a str>,
    /// The value.
    pub value: &'a str,
    /// Masked in job logs.
    pub masked: bool,
    /// Only exported to protected refs.
    pub protected: bool,
    /// Environment scope.
    pub environment_scope: &'a str,
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
