//! GitLab REST API v4 wire types (the fields Mosaic reads or writes).

use serde::{Deserialize, Serialize};

/// `UserBasic`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct User {
    #[serde(default)]
    pub(crate) id: u64,
    #[serde(default)]
    pub(crate) username: String,
}

/// A project's namespace.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Namespace {
    #[serde(default)]
    pub(crate) id: u64,
    pub(crate) full_path: String,
}

/// `Project`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Project {
    pub(crate) id: u64,
    pub(crate) path: String,
    pub(crate) path_with_namespace: String,
    pub(crate) namespace: Namespace,
    pub(crate) description: Option<String>,
    pub(crate) visibility: Option<String>,
    pub(crate) default_branch: Option<String>,
    pub(crate) http_url_to_repo: Option<String>,
    pub(crate) ssh_url_to_repo: Option<String>,
    pub(crate) web_url: Option<String>,
    pub(crate) forked_from_project: Option<serde_json::Value>,
    #[serde(default)]
    pub(crate) archived: bool,
    pub(crate) created_at: Option<String>,
    pub(crate) last_activity_at: Option<String>,
}

/// `POST /projects`.
#[derive(Debug, Serialize)]
pub(crate) struct CreateProject<'a> {
    pub(crate) name: &'a str,
    pub(crate) path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) namespace_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<&'a str>,
    pub(crate) visibility: &'static str,
    pub(crate) initialize_with_readme: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) default_branch: Option<&'a str>,
}

/// `PUT /projects/:id`.
#[derive(Debug, Serialize)]
pub(crate) struct EditProject<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) path: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) visibility: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) default_branch: Option<&'a str>,
}

/// `POST /projects/:id/fork`.
#[derive(Debug, Serialize)]
pub(crate) struct Fork<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) namespace_path: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) path: Option<&'a str>,
}

/// A commit pointer `{ "id": ... }`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CommitId {
    pub(crate) id: String,
}

/// `Branch`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Branch {
    pub(crate) name: String,
    pub(crate) commit: CommitId,
    #[serde(default)]
    pub(crate) protected: bool,
}

/// `POST /projects/:id/protected_branches`.
#[derive(Debug, Serialize)]
pub(crate) struct ProtectBranch<'a> {
    pub(crate) name: &'a str,
    pub(crate) push_access_level: u32,
    pub(crate) merge_access_level: u32,
    pub(crate) allow_force_push: bool,
}

/// `ProtectedBranch`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ProtectedBranch {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) allow_force_push: bool,
}

/// `MergeRequest`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct MergeRequest {
    pub(crate) iid: u64,
    pub(crate) title: String,
    pub(crate) description: Option<String>,
    pub(crate) state: String,
    #[serde(default)]
    pub(crate) draft: bool,
    pub(crate) source_branch: String,
    pub(crate) target_branch: String,
    pub(crate) sha: Option<String>,
    pub(crate) author: Option<User>,
    pub(crate) merge_commit_sha: Option<String>,
    pub(crate) squash_commit_sha: Option<String>,
    pub(crate) web_url: Option<String>,
    pub(crate) created_at: Option<String>,
    pub(crate) updated_at: Option<String>,
}

/// `POST /projects/:id/merge_requests`.
#[derive(Debug, Serialize)]
pub(crate) struct CreateMergeRequest<'a> {
    pub(crate) source_branch: &'a str,
    pub(crate) target_branch: &'a str,
    pub(crate) title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<&'a str>,
}

/// `PUT /projects/:id/merge_requests/:iid`.
#[derive(Debug, Serialize)]
pub(crate) struct EditMergeRequest<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) target_branch: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) state_event: Option<&'static str>,
}

/// `PUT /projects/:id/merge_requests/:iid/merge`.
#[derive(Debug, Serialize)]
pub(crate) struct Merge<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) merge_commit_message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) squash_commit_message: Option<&'a str>,
    pub(crate) squash: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sha: Option<&'a str>,
}

/// `Commit`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Commit {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) message: String,
    pub(crate) author_name: Option<String>,
    pub(crate) author_email: Option<String>,
    pub(crate) authored_date: Option<String>,
    pub(crate) committer_name: Option<String>,
    pub(crate) committer_email: Option<String>,
    pub(crate) committed_date: Option<String>,
    pub(crate) parent_ids: Option<Vec<String>>,
    pub(crate) web_url: Option<String>,
}

/// One action of `POST /projects/:id/repository/commits`.
#[derive(Debug, Serialize)]
pub(crate) struct CommitAction<'a> {
    pub(crate) action: &'static str,
    pub(crate) file_path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) content: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) encoding: Option<&'static str>,
}

/// `POST /projects/:id/repository/commits`.
#[derive(Debug, Serialize)]
pub(crate) struct CreateCommit<'a> {
    pub(crate) branch: &'a str,
    pub(crate) commit_message: &'a str,
    pub(crate) actions: Vec<CommitAction<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) author_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) author_email: Option<&'a str>,
}

/// A diff of a comparison.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Diff {
    pub(crate) new_path: String,
    #[serde(default)]
    pub(crate) new_file: bool,
    #[serde(default)]
    pub(crate) renamed_file: bool,
    #[serde(default)]
    pub(crate) deleted_file: bool,
    #[serde(default)]
    pub(crate) diff: String,
}

/// `Compare`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Compare {
    #[serde(default)]
    pub(crate) commits: Vec<Commit>,
    #[serde(default)]
    pub(crate) diffs: Vec<Diff>,
}

/// `Tag`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Tag {
    pub(crate) name: String,
    pub(crate) message: Option<String>,
    pub(crate) commit: CommitId,
}

/// `ProjectHook`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Hook {
    pub(crate) id: u64,
    pub(crate) url: String,
    #[serde(default)]
    pub(crate) push_events: bool,
    #[serde(default)]
    pub(crate) tag_push_events: bool,
    #[serde(default)]
    pub(crate) merge_requests_events: bool,
    #[serde(default)]
    pub(crate) issues_events: bool,
    #[serde(default)]
    pub(crate) note_events: bool,
    #[serde(default)]
    pub(crate) releases_events: bool,
}

/// `POST/PUT /projects/:id/hooks`.
#[derive(Debug, Default, Serialize)]
pub(crate) struct HookOptions<'a> {
    pub(crate) url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) push_events: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tag_push_events: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) merge_requests_events: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) issues_events: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) note_events: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) releases_events: Option<bool>,
}

/// `Member`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Member {
    pub(crate) username: String,
    pub(crate) access_level: u32,
}

/// `POST /projects/:id/members`.
#[derive(Debug, Serialize)]
pub(crate) struct AddMember {
    pub(crate) user_id: u64,
    pub(crate) access_level: u32,
}

/// `Issue`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Issue {
    pub(crate) iid: u64,
    pub(crate) title: String,
    pub(crate) description: Option<String>,
    pub(crate) state: String,
    #[serde(default)]
    pub(crate) labels: Vec<String>,
    #[serde(default)]
    pub(crate) assignees: Vec<User>,
    pub(crate) author: Option<User>,
    pub(crate) web_url: Option<String>,
    pub(crate) created_at: Option<String>,
    pub(crate) updated_at: Option<String>,
}

/// `POST /projects/:id/issues` and `PUT /projects/:id/issues/:iid`.
#[derive(Debug, Default, Serialize)]
pub(crate) struct IssueOptions<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) labels: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) assignee_ids: Option<Vec<u64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) state_event: Option<&'static str>,
}

/// `GET /projects/:id/repository/files/:path`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct File {
    pub(crate) file_path: String,
    pub(crate) blob_id: String,
    pub(crate) encoding: Option<String>,
    pub(crate) content: String,
}

/// `CommitStatus`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Status {
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) target_url: Option<String>,
    pub(crate) created_at: Option<String>,
}

/// `POST /projects/:id/statuses/:sha`.
#[derive(Debug, Serialize)]
pub(crate) struct CreateStatus<'a> {
    pub(crate) state: &'static str,
    pub(crate) name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) target_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<&'a str>,
}

/// `_links` of a release.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ReleaseLinks {
    #[serde(rename = "self", default)]
    pub(crate) self_url: Option<String>,
}

/// `Release`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Release {
    pub(crate) tag_name: String,
    pub(crate) name: Option<String>,
    pub(crate) description: Option<String>,
    #[serde(default)]
    pub(crate) upcoming_release: bool,
    pub(crate) created_at: Option<String>,
    #[serde(default, rename = "_links")]
    pub(crate) links: ReleaseLinks,
}

/// `POST /projects/:id/releases`.
#[derive(Debug, Serialize)]
pub(crate) struct CreateRelease<'a> {
    pub(crate) tag_name: &'a str,
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub(crate) git_ref: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<&'a str>,
}
