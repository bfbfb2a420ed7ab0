//! Jenkins remote-access API shapes (`/api/json` with `tree=` selections,
//! the queue, the CSRF crumb issuer, and the Pipeline Stage View `wfapi`),
//! only the fields Mosaic reads.

use serde::Deserialize;

/// `GET /crumbIssuer/api/json`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Crumb {
    /// The crumb.
    pub(crate) crumb: String,
    /// The header to send it in (`Jenkins-Crumb`).
    pub(crate) crumb_request_field: String,
}

/// A folder's (or the root's) children.
#[derive(Debug, Deserialize)]
pub(crate) struct Folder {
    /// Jobs and sub-folders.
    #[serde(default)]
    pub(crate) jobs: Vec<JobItem>,
}

/// A job (or folder) as listed or fetched.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct JobItem {
    /// Name within its folder.
    pub(crate) name: String,
    /// Full path (`folder/job`).
    #[serde(default)]
    pub(crate) full_name: Option<String>,
    /// Web page.
    #[serde(default)]
    pub(crate) url: Option<String>,
    /// Ball colour (`blue`, `red`, `disabled`, `notbuilt`, `*_anime`…).
    #[serde(default)]
    pub(crate) color: Option<String>,
    /// Whether it can be built; absent on folders.
    #[serde(default)]
    pub(crate) buildable: Option<bool>,
}

/// A job's builds.
#[derive(Debug, Deserialize)]
pub(crate) struct Builds {
    /// Newest first.
    #[serde(default)]
    pub(crate) builds: Vec<Build>,
}

/// A build.
#[derive(Debug, Deserialize)]
pub(crate) struct Build {
    /// Build number.
    pub(crate) number: u64,
    /// Web page.
    #[serde(default)]
    pub(crate) url: Option<String>,
    /// `SUCCESS`, `UNSTABLE`, `FAILURE`, `NOT_BUILT`, `ABORTED`; `null`
    /// while running.
    #[serde(default)]
    pub(crate) result: Option<String>,
    /// Whether it is running.
    #[serde(default)]
    pub(crate) building: bool,
    /// Start, milliseconds since the epoch.
    #[serde(default)]
    pub(crate) timestamp: Option<u64>,
    /// Duration in milliseconds (0 while running).
    #[serde(default)]
    pub(crate) duration: Option<u64>,
    /// Actions: causes, parameters, git data.
    #[serde(default)]
    pub(crate) actions: Vec<Action>,
    /// Archived artifacts.
    #[serde(default)]
    pub(crate) artifacts: Vec<BuildArtifact>,
}

/// One of a build's actions (fields of the kinds Mosaic reads).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Action {
    /// `CauseAction`.
    #[serde(default)]
    pub(crate) causes: Vec<Cause>,
    /// `ParametersAction`.
    #[serde(default)]
    pub(crate) parameters: Vec<Parameter>,
    /// Git `BuildData`.
    #[serde(default)]
    pub(crate) last_built_revision: Option<Revision>,
}

/// Why a build started.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Cause {
    /// Cause class.
    #[serde(rename = "_class", default)]
    pub(crate) class: Option<String>,
    /// Human text.
    #[serde(default)]
    pub(crate) short_description: Option<String>,
}

/// A build parameter.
#[derive(Debug, Deserialize)]
pub(crate) struct Parameter {
    /// Name.
    pub(crate) name: String,
    /// Value (strings, booleans, numbers; absent for secrets).
    #[serde(default)]
    pub(crate) value: Option<serde_json::Value>,
}

/// The revision the git plugin built.
#[derive(Debug, Deserialize)]
pub(crate) struct Revision {
    /// Commit.
    #[serde(rename = "SHA1", default)]
    pub(crate) sha1: Option<String>,
    /// Branches (`origin/main`).
    #[serde(default)]
    pub(crate) branch: Vec<Branch>,
}

/// A built branch.
#[derive(Debug, Deserialize)]
pub(crate) struct Branch {
    /// Name (`origin/main`, `refs/remotes/origin/main`).
    #[serde(default)]
    pub(crate) name: Option<String>,
}

/// An archived artifact.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BuildArtifact {
    /// File name.
    pub(crate) file_name: String,
    /// Path under the build's `artifact/`.
    pub(crate) relative_path: String,
}

/// `GET /queue/item/{id}/api/json`.
#[derive(Debug, Deserialize)]
pub(crate) struct QueueItem {
    /// Queue id.
    pub(crate) id: u64,
    /// Set once cancelled.
    #[serde(default)]
    pub(crate) cancelled: Option<bool>,
    /// The build, once started.
    #[serde(default)]
    pub(crate) executable: Option<Executable>,
}

/// The build a queue item became.
#[derive(Debug, Deserialize)]
pub(crate) struct Executable {
    /// Build number.
    pub(crate) number: u64,
}

/// `GET {build}/wfapi/describe` (Pipeline Stage View).
#[derive(Debug, Deserialize)]
pub(crate) struct RunDescription {
    /// Stages.
    #[serde(default)]
    pub(crate) stages: Vec<Stage>,
}

/// A stage (`wfapi`), also `GET {build}/execution/node/{id}/wfapi/describe`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Stage {
    /// Flow node id.
    pub(crate) id: String,
    /// Name.
    pub(crate) name: String,
    /// `SUCCESS`, `FAILED`, `UNSTABLE`, `ABORTED`, `IN_PROGRESS`,
    /// `NOT_EXECUTED`, `PAUSED_PENDING_INPUT`, `QUEUED`.
    pub(crate) status: String,
    /// Start, milliseconds since the epoch.
    #[serde(default)]
    pub(crate) start_time_millis: Option<u64>,
    /// Duration in milliseconds.
    #[serde(default)]
    pub(crate) duration_millis: Option<u64>,
}
