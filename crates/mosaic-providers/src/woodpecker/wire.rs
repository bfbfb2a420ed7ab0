//! Woodpecker REST shapes (only the fields Mosaic reads), written from
//! Woodpecker's API (`server/api`, `server/model`: `Pipeline`, `Workflow`,
//! `Step`, `LogEntry`, `Secret`, `Cron`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `GET /api/repos/lookup/{owner}/{name}`.
#[derive(Debug, Deserialize)]
pub struct Repo {
    /// Woodpecker's id of the repository.
    pub id: u64,
}

/// A pipeline (with its workflows when fetched one by one).
#[derive(Debug, Deserialize)]
pub struct Pipeline {
    /// Number within the repository.
    pub number: u64,
    /// What started it (`push`, `pull_request`, `tag`, `deployment`,
    /// `cron`, `manual`…).
    #[serde(default)]
    pub event: Option<String>,
    /// State word.
    pub status: String,
    /// Created, Unix seconds.
    #[serde(default)]
    pub created: Option<i64>,
    /// Started, Unix seconds (0 before).
    #[serde(default)]
    pub started: Option<i64>,
    /// Finished, Unix seconds (0 before).
    #[serde(default)]
    pub finished: Option<i64>,
    /// Commit.
    #[serde(default)]
    pub commit: Option<String>,
    /// Branch.
    #[serde(default)]
    pub branch: Option<String>,
    /// Git ref.
    #[serde(rename = "ref", default)]
    pub reference: Option<String>,
    /// Workflows and their steps.
    #[serde(default)]
    pub workflows: Vec<Workflow>,
}

/// A workflow (one pipeline configuration file).
#[derive(Debug, Deserialize)]
pub struct Workflow {
    /// Name.
    pub name: String,
    /// Steps.
    #[serde(default)]
    pub children: Vec<Step>,
}

/// A step.
#[derive(Debug, Deserialize)]
pub struct Step {
    /// Id (the log endpoint's `stepId`).
    pub id: u64,
    /// Name.
    pub name: String,
    /// State word.
    pub state: String,
    /// Started, Unix seconds.
    #[serde(default)]
    pub started: Option<i64>,
    /// Finished, Unix seconds.
    #[serde(default)]
    pub finished: Option<i64>,
}

/// One log line of a step.
#[derive(Debug, Deserialize)]
pub struct LogEntry {
    /// Line number.
    #[serde(default)]
    pub line: u64,
    /// The line's bytes (base64 in JSON).
    #[serde(default)]
    pub data: Option<String>,
    /// 0 stdout, 1 stderr, 2 exit code, 3 metadata, 4 progress.
    #[serde(rename = "type", default)]
    pub kind: u8,
}

/// `POST /api/repos/{id}/pipelines`.
#[derive(Debug, Serialize)]
pub struct PipelineOptions<'a> {
    /// Branch.
    pub branch: &'a str,
    /// Variables.
    pub variables: &'a BTreeMap<String, String>,
}

/// A secret (the value is never read back).
#[derive(Debug, Deserialize)]
pub struct Secret {
    /// Name.
    pub name: String,
}

/// `POST /api/repos/{id}/secrets`, `PATCH …/secrets/{name}`. `Debug`
/// leaves the value out.
#[derive(Serialize)]
pub struct PutSecret<'a> {
    /// Name.
    pub name: &'a str,
    /// Value.
    pub value: &'a str,
    /// Events the secret is exposed to.
    pub events: &'a [String],
    /// Images it is limited to (none: all).
    pub images: &'a [String],
}

impl std::fmt::Debug for PutSecret<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PutSecret")
            .field("name", &self.name)
            .field("value", &"[REDACTED]")
            .field("events", &self.events)
            .field("images", &self.images)
            .finish()
    }
}

/// A cron.
#[derive(Debug, Deserialize, Serialize)]
pub struct Cron {
    /// Id.
    #[serde(default)]
    pub id: u64,
    /// Name.
    pub name: String,
    /// Schedule (`@daily`, `0 3 * * *`).
    pub schedule: String,
    /// Branch (empty: the default branch).
    #[serde(default)]
    pub branch: String,
    /// Next run, Unix seconds.
    #[serde(default)]
    pub next_exec: i64,
}

/// `POST /api/repos/{id}/cron`.
#[derive(Debug, Serialize)]
pub struct PostCron<'a> {
    /// Name.
    pub name: &'a str,
    /// Schedule.
    pub schedule: &'a str,
    /// Branch.
    #[serde(skip_serializing_if = "str::is_empty")]
    pub branch: &'a str,
}
