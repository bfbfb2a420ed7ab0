//! Jenkins remote-access API shapes (`/api/json` with `tree=` selections,
//! the queue, the CSRF crumb issuer, and the Pipeline Stage View `wfapi`),
//! only the fields Mosaic reads.

use serde::Deserialize;

/// `GET /crumbIssuer/api/json`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Crumb {
    /// The crumb.
    pub crumb: String,
    /// The header to send it in (`Jenkins-Crumb`).
    pub crumb_request_field: String,
}

/// A folder's (or the root's) children.
#[derive(Debug, Deserialize)]
pub struct Folder {
    /// Jobs and sub-folders.
    #[serde(default)]
    pub jobs: Vec<JobItem>,
}

/// A job (or folder) as listed or fetched.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobItem {
    /// Java class (`hudson.model.FreeStyleProject`, `…WorkflowJob`, a folder).
    #[serde(rename = "_class", default)]
    pub class: Option<String>,
    /// Name within its folder.
    pub name: String,
    /// Full path (`folder/job`).
    #[serde(default)]
    pub full_name: Option<String>,
    /// Web page.
    #[serde(default)]
    pub url: Option<String>,
    /// Ball colour (`blue`, `red`, `disabled`, `notbuilt`, `*_anime`…).
    #[serde(default)]
    pub color: Option<String>,
    /// Whether it can be built; absent on folders.
    #[serde(default)]
    pub buildable: Option<bool>,
}

/// A job's builds.
#[derive(Debug, Deserialize)]
pub struct Builds {
    /// Newest first.
    #[serde(default)]
    pub builds: Vec<Build>,
}

/// A build.
#[derive(Debug, Deserialize)]
pub struct Build {
    /// Build number.
    pub number: u64,
    /// Web page.
    #[serde(default)]
    pub url: Option<String>,
    /// `SUCCESS`, `UNSTABLE`, `FAILURE`, `NOT_BUILT`, `ABORTED`; `null`
    /// while running.
    #[serde(default)]
    pub result: Option<String>,
    /// Whether it is running.
    #[serde(default)]
    pub building: bool,
    /// Start, milliseconds since the epoch.
    #[serde(default)]
    pub timestamp: Option<u64>,
    /// Duration in milliseconds (0 while running).
    #[serde(default)]
    pub duration: Option<u64>,
    /// Actions: causes, parameters, git data.
    #[serde(default)]
    pub actions: Vec<Action>,
    /// Archived artifacts.
    #[serde(default)]
    pub artifacts: Vec<BuildArtifact>,
}

/// One of a build's actions (fields of the kinds Mosaic reads).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    /// Action class.
    #[serde(rename = "_class", default)]
    pub class: Option<String>,
    /// `CauseAction`.
    #[serde(default)]
    pub causes: Vec<Cause>,
    /// `ParametersAction`.
    #[serde(default)]
    pub parameters: Vec<Parameter>,
    /// Git `BuildData`.
    #[serde(default)]
    pub last_built_revision: Option<Revision>,
}

/// Why a build started.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cause {
    /// Cause class.
    #[serde(rename = "_class", default)]
    pub class: Option<String>,
    /// Human text.
    #[serde(default)]
    pub short_description: Option<String>,
}

/// A build parameter.
#[derive(Debug, Deserialize)]
pub struct Parameter {
    /// Name.
    pub name: String,
    /// Value (strings, booleans, numbers; absent for secrets).
    #[serde(default)]
    pub value: Option<serde_json::Value>,
}

/// The revision the git plugin built.
#[derive(Debug, Deserialize)]
pub struct Revision {
    /// Commit.
    #[serde(rename = "SHA1", default)]
    pub sha1: Option<String>,
    /// Branches (`origin/main`).
    #[serde(default)]
    pub branch: Vec<Branch>,
}

/// A built branch.
#[derive(Debug, Deserialize)]
pub struct Branch {
    /// Name (`origin/main`, `refs/remotes/origin/main`).
    #[serde(default)]
    pub name: Option<String>,
}

/// An archived artifact.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildArtifact {
    /// File name.
    pub file_name: String,
    /// Path under the build's `artifact/`.
    pub relative_path: String,
}

/// `GET /queue/item/{id}/api/json`.
#[derive(Debug, Deserialize)]
pub struct QueueItem {
    /// Queue id.
    pub id: u64,
    /// Set once cancelled.
    #[serde(default)]
    pub cancelled: Option<bool>,
    /// Why it still waits.
    #[serde(default)]
    pub why: Option<String>,
    /// The build, once started.
    #[serde(default)]
    pub executable: Option<Executable>,
}

/// The build a queue item became.
#[derive(Debug, Deserialize)]
pub struct Executable {
    /// Build number.
    pub number: u64,
    /// Web page.
    #[serde(default)]
    pub url: Option<String>,
}

/// `GET {build}/wfapi/describe` (Pipeline Stage View).
#[derive(Debug, Deserialize)]
pub struct RunDescription {
    /// Stages.
    #[serde(default)]
    pub stages: Vec<Stage>,
}

/// A stage (`wfapi`), also `GET {build}/execution/node/{id}/wfapi/describe`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stage {
    /// Flow node id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `SUCCESS`, `FAILED`, `UNSTABLE`, `ABORTED`, `IN_PROGRESS`,
    /// `NOT_EXECUTED`, `PAUSED_PENDING_INPUT`, `QUEUED`.
    pub status: String,
    /// Start, milliseconds since the epoch.
    #[serde(default)]
    pub start_time_millis: Option<u64>,
    /// Duration in milliseconds.
    #[serde(default)]
    pub duration_millis: Option<u64>,
}
