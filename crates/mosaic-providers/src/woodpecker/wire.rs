//! Woodpecker REST shapes (only the fields Mosaic reads), written from
//! Woodpecker's API (`server/api`, `server/model`: `Pipeline`, `Workflow`,
//! `Step`, `LogEntry`, `Secret`, `Cron`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `GET /api/repos/lookup/{owner}/{name}`.
#[derive(Debug, Deserialize)]
pub(crate) struct Repo {
    /// Woodpecker's id of the repository.
    pub(crate) id: u64,
}

/// A pipeline (with its workflows when fetched one by one).
#[derive(Debug, Deserialize)]
pub(crate) struct Pipeline {
    /// Number within the repository.
    pub(crate) number: u64,
    /// What started it (`push`, `pull_request`, `tag`, `deployment`,
    /// `cron`, `manual`…).
    #[serde(default)]
    pub(crate) event: Option<String>,
    /// State word.
    pub(crate) status: String,
    /// Created, Unix seconds.
    #[serde(default)]
    pub(crate) created: Option<i64>,
    /// Started, Unix seconds (0 before).
    #[serde(default)]
    pub(crate) started: Option<i64>,
    /// Finished, Unix seconds (0 before).
    #[serde(default)]
    pub(crate) finished: Option<i64>,
    /// Commit.
    #[serde(default)]
    pub(crate) commit: Option<String>,
    /// Branch.
    #[serde(default)]
    pub(crate) branch: Option<String>,
    /// Git ref.
    #[serde(rename = "ref", default)]
    pub(crate) reference: Option<String>,
    /// Workflows and their steps.
    #[serde(default)]
    pub(crate) workflows: Vec<Workflow>,
}

/// A workflow (one pipeline configuration file).
#[derive(Debug, Deserialize)]
pub(crate) struct Workflow {
    /// Name.
    pub(crate) name: String,
    /// Steps.
    #[serde(default)]
    pub(crate) children: Vec<Step>,
}

/// A step.
#[derive(Debug, Deserialize)]
pub(crate) struct Step {
    /// Id (the log endpoint's `stepId`).
    pub(crate) id: u64,
    /// Name.
    pub(crate) name: String,
    /// State word.
    pub(crate) state: String,
    /// Started, Unix seconds.
    #[serde(default)]
    pub(crate) started: Option<i64>,
    /// Finished, Unix seconds.
    #[serde(default)]
    pub(crate) finished: Option<i64>,
}

/// One log line of a step.
#[derive(Debug, Deserialize)]
pub(crate) struct LogEntry {
    /// Line number.
    #[serde(default)]
    pub(crate) line: u64,
    /// The line's bytes (base64 in JSON).
    #[serde(default)]
    pub(crate) data: Option<String>,
    /// 0 stdout, 1 stderr, 2 exit code, 3 metadata, 4 progress.
    #[serde(rename = "type", default)]
    pub(crate) kind: u8,
}

/// `POST /api/repos/{id}/pipelines`.
#[derive(Debug, Serialize)]
pub(crate) struct PipelineOptions<'a> {
    /// Branch.
    pub(crate) branch: &'a str,
    /// Variables.
    pub(crate) variables: &'a BTreeMap<String, String>,
}

/// A secret (the value is never read back).
#[derive(Debug, Deserialize)]
pub(crate) struct Secret {
    /// Name.
    pub(crate) name: String,
}

/// `POST /api/repos/{id}/secrets`, `PATCH …/secrets/{name}`. `Debug`
/// leaves the value out.
#[derive(Serialize)]
pub(crate) struct WriteSecret<'a> {
    /// Name.
    pub(crate) name: &'a str,
    /// Value.
    pub(crate) value: &'a str,
    /// Events the secret is exposed to.
    pub(crate) events: &'a [String],
    /// Images it is limited to (none: all).
    pub(crate) images: &'a [String],
}

impl std::fmt::Debug for WriteSecret<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteSecret")
            .field("name", &self.name)
            .field("value", &"[REDACTED]")
            .field("events", &self.events)
            .field("images", &self.images)
            .finish()
    }
}

/// A cron.
#[derive(Debug, Deserialize, Serialize)]
pub(crate) struct Cron {
    /// Id.
    #[serde(default)]
    pub(crate) id: u64,
    /// Name.
    pub(crate) name: String,
    /// Schedule (`@daily`, `0 3 * * *`).
    pub(crate) schedule: String,
    /// Branch (empty: the default branch).
    #[serde(default)]
    pub(crate) branch: String,
    /// Next run, Unix seconds.
    #[serde(default)]
    pub(crate) next_exec: i64,
}

/// `POST /api/repos/{id}/cron`.
#[derive(Debug, Serialize)]
pub(crate) struct PostCron<'a> {
    /// Name.
    pub(crate) name: &'a str,
    /// Schedule.
    pub(crate) schedule: &'a str,
    /// Branch.
    #[serde(skip_serializing_if = "str::is_empty")]
    pub(crate) branch: &'a str,
}
