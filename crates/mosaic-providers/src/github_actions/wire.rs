//! GitHub Actions REST shapes (only the fields Mosaic reads), written from
//! GitHub's REST API description (`api.github.com`, version 2022-11-28).

use std::collections::BTreeMap;

use mosaic_core::Page;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::http::HttpResponse;
use crate::http::PageBody;

/// A list answer, `{"total_count": n, "<items>": [...]}` continued by the
/// `Link` header: workflows, workflow runs, jobs, artifacts, environments
/// and secrets.
#[derive(Debug, Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
pub(crate) struct Listing<T> {
    /// Total across pages.
    #[serde(default)]
    pub(crate) total_count: Option<u64>,
    /// This page (GitHub leaves an empty environment list out).
    #[serde(
        default,
        alias = "workflows",
        alias = "workflow_runs",
        alias = "jobs",
        alias = "artifacts",
        alias = "environments",
        alias = "secrets"
    )]
    pub(crate) items: Vec<T>,
}

impl<T: DeserializeOwned> PageBody for Listing<T> {
    type Item = T;

    fn into_page(self, response: &HttpResponse) -> Page<T> {
        let page = Page::new(self.items, response.next_cursor());
        match self.total_count {
            Some(total) => page.with_total(total),
            None => page,
        }
    }
}

/// A workflow.
#[derive(Debug, Deserialize)]
pub(crate) struct Workflow {
    /// Id.
    pub(crate) id: u64,
    /// Name.
    pub(crate) name: String,
    /// File path (`.github/workflows/ci.yml`).
    pub(crate) path: String,
    /// `active`, `deleted`, `disabled_fork`, `disabled_inactivity`,
    /// `disabled_manually`.
    pub(crate) state: String,
    /// Web page.
    #[serde(default)]
    pub(crate) html_url: Option<String>,
}

/// A workflow run.
#[derive(Debug, Deserialize)]
pub(crate) struct Run {
    /// Id.
    pub(crate) id: u64,
    /// Branch.
    #[serde(default)]
    pub(crate) head_branch: Option<String>,
    /// Commit.
    pub(crate) head_sha: String,
    /// Run number within the workflow.
    pub(crate) run_number: u64,
    /// What started it.
    pub(crate) event: String,
    /// `queued`, `in_progress`, `completed`, `waiting`, `requested`, `pending`.
    #[serde(default)]
    pub(crate) status: Option<String>,
    /// Set once completed: `success`, `failure`, `neutral`, `cancelled`,
    /// `skipped`, `timed_out`, `action_required`, `stale`, `startup_failure`.
    #[serde(default)]
    pub(crate) conclusion: Option<String>,
    /// The workflow's id.
    pub(crate) workflow_id: u64,
    /// Web page.
    #[serde(default)]
    pub(crate) html_url: Option<String>,
    /// Created.
    #[serde(default)]
    pub(crate) created_at: Option<String>,
    /// Last change.
    #[serde(default)]
    pub(crate) updated_at: Option<String>,
    /// Started (this attempt).
    #[serde(default)]
    pub(crate) run_started_at: Option<String>,
}

/// A job of a run.
#[derive(Debug, Deserialize)]
pub(crate) struct Job {
    /// Id.
    pub(crate) id: u64,
    /// The run.
    pub(crate) run_id: u64,
    /// Name.
    pub(crate) name: String,
    /// Same words as a run's status.
    #[serde(default)]
    pub(crate) status: Option<String>,
    /// Same words as a run's conclusion.
    #[serde(default)]
    pub(crate) conclusion: Option<String>,
    /// Web page.
    #[serde(default)]
    pub(crate) html_url: Option<String>,
    /// Started.
    #[serde(default)]
    pub(crate) started_at: Option<String>,
    /// Finished.
    #[serde(default)]
    pub(crate) completed_at: Option<String>,
}

/// An artifact.
#[derive(Debug, Deserialize)]
pub(crate) struct Artifact {
    /// Id.
    pub(crate) id: u64,
    /// Name.
    pub(crate) name: String,
    /// Size of the zip.
    pub(crate) size_in_bytes: u64,
    /// Whether it has expired.
    pub(crate) expired: bool,
    /// The run that made it.
    #[serde(default)]
    pub(crate) workflow_run: Option<ArtifactRun>,
}

/// The run an artifact belongs to.
#[derive(Debug, Deserialize)]
pub(crate) struct ArtifactRun {
    /// Run id.
    #[serde(default)]
    pub(crate) id: Option<u64>,
}

/// A deployment environment.
#[derive(Debug, Deserialize)]
pub(crate) struct Environment {
    /// Id.
    pub(crate) id: u64,
    /// Name.
    pub(crate) name: String,
}

/// A secret (never its value).
#[derive(Debug, Deserialize)]
pub(crate) struct Secret {
    /// Name.
    pub(crate) name: String,
    /// Created.
    #[serde(default)]
    pub(crate) created_at: Option<String>,
    /// Last update.
    #[serde(default)]
    pub(crate) updated_at: Option<String>,
}

/// `GET .../secrets/public-key`.
#[derive(Debug, Deserialize)]
pub(crate) struct PublicKey {
    /// Id of the key, sent back with the encrypted value.
    pub(crate) key_id: String,
    /// The Curve25519 public key, base64.
    pub(crate) key: String,
}

/// `PUT .../secrets/{name}`.
#[derive(Debug, Serialize)]
pub(crate) struct WriteSecret<'a> {
    /// Sealed-box ciphertext, base64.
    pub(crate) encrypted_value: &'a str,
    /// The public key's id.
    pub(crate) key_id: &'a str,
}

/// `POST .../workflows/{id}/dispatches`.
#[derive(Debug, Serialize)]
pub(crate) struct Dispatch<'a> {
    /// Branch or tag.
    #[serde(rename = "ref")]
    pub(crate) reference: &'a str,
    /// Inputs.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) inputs: &'a BTreeMap<String, String>,
    /// Ask for the run's id in the answer (github.com).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) return_run_details: bool,
}

/// The `200` answer of a dispatch with `return_run_details`.
#[derive(Debug, Deserialize)]
pub(crate) struct DispatchDetails {
    /// The new run.
    pub(crate) workflow_run_id: u64,
}

/// The parts of `GET /repos/{owner}/{repo}` a dispatch needs.
#[derive(Debug, Deserialize)]
pub(crate) struct Repository {
    /// The default branch.
    pub(crate) default_branch: String,
}
