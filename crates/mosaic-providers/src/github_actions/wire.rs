//! GitHub Actions REST shapes (only the fields Mosaic reads), written from
//! GitHub's REST API description (`api.github.com`, version 2022-11-28).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `GET /repos/{owner}/{repo}/actions/workflows`.
#[derive(Debug, Deserialize)]
pub struct Workflows {
    /// Total across pages.
    pub total_count: u64,
    /// This page.
    pub workflows: Vec<Workflow>,
}

/// A workflow.
#[derive(Debug, Deserialize)]
pub struct Workflow {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// File path (`.github/workflows/ci.yml`).
    pub path: String,
    /// `active`, `deleted`, `disabled_fork`, `disabled_inactivity`,
    /// `disabled_manually`.
    pub state: String,
    /// Web page.
    #[serde(default)]
    pub html_url: Option<String>,
}

/// `GET .../actions/runs`, `GET .../actions/workflows/{id}/runs`.
#[derive(Debug, Deserialize)]
pub struct Runs {
    /// Total across pages.
    pub total_count: u64,
    /// This page.
    pub workflow_runs: Vec<Run>,
}

/// A workflow run.
#[derive(Debug, Deserialize)]
pub struct Run {
    /// Id.
    pub id: u64,
    /// Name of the workflow.
    #[serde(default)]
    pub name: Option<String>,
    /// Branch.
    #[serde(default)]
    pub head_branch: Option<String>,
    /// Commit.
    pub head_sha: String,
    /// Run number within the workflow.
    pub run_number: u64,
    /// What started it.
    pub event: String,
    /// `queued`, `in_progress`, `completed`, `waiting`, `requested`, `pending`.
    #[serde(default)]
    pub status: Option<String>,
    /// Set once completed: `success`, `failure`, `neutral`, `cancelled`,
    /// `skipped`, `timed_out`, `action_required`, `stale`, `startup_failure`.
    #[serde(default)]
    pub conclusion: Option<String>,
    /// The workflow's id.
    pub workflow_id: u64,
    /// Web page.
    #[serde(default)]
    pub html_url: Option<String>,
    /// Created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last change.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Started (this attempt).
    #[serde(default)]
    pub run_started_at: Option<String>,
}

/// `GET .../actions/runs/{id}/jobs`.
#[derive(Debug, Deserialize)]
pub struct Jobs {
    /// Total across pages.
    pub total_count: u64,
    /// This page.
    pub jobs: Vec<Job>,
}

/// A job of a run.
#[derive(Debug, Deserialize)]
pub struct Job {
    /// Id.
    pub id: u64,
    /// The run.
    pub run_id: u64,
    /// Name.
    pub name: String,
    /// Same words as a run's status.
    #[serde(default)]
    pub status: Option<String>,
    /// Same words as a run's conclusion.
    #[serde(default)]
    pub conclusion: Option<String>,
    /// Web page.
    #[serde(default)]
    pub html_url: Option<String>,
    /// Started.
    #[serde(default)]
    pub started_at: Option<String>,
    /// Finished.
    #[serde(default)]
    pub completed_at: Option<String>,
}

/// `GET .../actions/runs/{id}/artifacts`.
#[derive(Debug, Deserialize)]
pub struct Artifacts {
    /// Total across pages.
    pub total_count: u64,
    /// This page.
    pub artifacts: Vec<Artifact>,
}

/// An artifact.
#[derive(Debug, Deserialize)]
pub struct Artifact {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Size of the zip.
    pub size_in_bytes: u64,
    /// Whether it has expired.
    pub expired: bool,
    /// The run that made it.
    #[serde(default)]
    pub workflow_run: Option<ArtifactRun>,
}

/// The run an artifact belongs to.
#[derive(Debug, Deserialize)]
pub struct ArtifactRun {
    /// Run id.
    #[serde(default)]
    pub id: Option<u64>,
}

/// `GET /repos/{owner}/{repo}/environments`.
#[derive(Debug, Deserialize)]
pub struct Environments {
    /// Total across pages.
    #[serde(default)]
    pub total_count: Option<u64>,
    /// This page.
    #[serde(default)]
    pub environments: Vec<Environment>,
}

/// A deployment environment.
#[derive(Debug, Deserialize)]
pub struct Environment {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
}

/// `GET .../actions/secrets`, `GET .../environments/{name}/secrets`.
#[derive(Debug, Deserialize)]
pub struct Secrets {
    /// Total across pages.
    pub total_count: u64,
    /// This page.
    pub secrets: Vec<Secret>,
}

/// A secret (never its value).
#[derive(Debug, Deserialize)]
pub struct Secret {
    /// Name.
    pub name: String,
    /// Created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last update.
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// `GET .../secrets/public-key`.
#[derive(Debug, Deserialize)]
pub struct PublicKey {
    /// Id of the key, sent back with the encrypted value.
    pub key_id: String,
    /// The Curve25519 public key, base64.
    pub key: String,
}

/// `PUT .../secrets/{name}`.
#[derive(Debug, Serialize)]
pub struct PutSecret<'a> {
    /// Sealed-box ciphertext, base64.
    pub encrypted_value: &'a str,
    /// The public key's id.
    pub key_id: &'a str,
}

/// `POST .../workflows/{id}/dispatches`.
#[derive(Debug, Serialize)]
pub struct Dispatch<'a> {
    /// Branch or tag.
    #[serde(rename = "ref")]
    pub reference: &'a str,
    /// Inputs.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub inputs: &'a BTreeMap<String, String>,
    /// Ask for the run's id in the answer (github.com).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub return_run_details: bool,
}

/// The `200` answer of a dispatch with `return_run_details`.
#[derive(Debug, Deserialize)]
pub struct DispatchDetails {
    /// The new run.
    pub workflow_run_id: u64,
}

/// The parts of `GET /repos/{owner}/{repo}` a dispatch needs.
#[derive(Debug, Deserialize)]
pub struct Repository {
    /// The default branch.
    pub default_branch: String,
}
