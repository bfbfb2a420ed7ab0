//! GitLab REST API v4 wire types (the fields Mosaic reads or writes).

use serde::{Deserialize, Serialize};

/// `UserBasic`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct User {
    #[serde(default)]
    pub id: u64,
    #[serde(default)]
    pub username: String,
}

/// A project's namespace.
#[derive(Debug, Clone, Deserialize)]
pub struct Namespace {
    #[serde(default)]
    pub id: u64,
    pub full_path: String,
}

/// `Project`.
#[derive(Debug, Clone, Deserialize)]
pub struct Project {
    pub id: u64,
    pub name: String,
    pub path: String,
    pub path_with_namespace: String,
    pub namespace: Namespace,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub visibility: Option<String>,
    #[serde(default)]
    pub default_branch: Option<String>,
    #[serde(default)]
    pub http_url_to_repo: Option<String>,
    #[serde(default)]
    pub ssh_url_to_repo: Option<String>,
    #[serde(default)]
    pub web_url: Option<String>,
    #[serde(default)]
    pub forked_from_project: Option<serde_json::Value>,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub last_activity_at: Option<String>,
}

/// `POST /projects`.
#[derive(Debug, Serialize)]
pub struct CreateProject<'a> {
    pub name: &'a str,
    pub path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    pub visibility: &'static str,
    pub initialize_with_readme: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_branch: Option<&'a str>,
}

/// `PUT /projects/:id`.
#[derive(Debug, Serialize)]
pub struct EditProject<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_branch: Option<&'a str>,
}

/// `POST /projects/:id/fork`.
#[derive(Debug, Serialize)]
pub struct Fork<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace_path: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<&'a str>,
}

/// A commit pointer `{ "id": ... }`.
#[derive(Debug, Clone, Deserialize)]
pub struct CommitId {
    pub id: String,
}

/// `Branch`.
#[derive(Debug, Clone, Deserialize)]
pub struct Branch {
    pub name: String,
    pub commit: CommitId,
    #[serde(default)]
    pub protected: bool,
}

/// `POST /projects/:id/protected_branches`.
#[derive(Debug, Serialize)]
pub struct ProtectBranch<'a> {
    pub name: &'a str,
    pub push_access_level: u32,
    pub merge_access_level: u32,
    pub allow_force_push: bool,
}

/// `ProtectedBranch`.
#[derive(Debug, Clone, Deserialize)]
pub struct ProtectedBranch {
    pub name: String,
    #[serde(default)]
    pub allow_force_push: bool,
}

/// `MergeRequest`.
#[derive(Debug, Clone, Deserialize)]
pub struct MergeRequest {
    pub iid: u64,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    pub state: String,
    #[serde(default)]
    pub draft: bool,
    pub source_branch: String,
    pub target_branch: String,
    #[serde(default)]
    pub sha: Option<String>,
    #[serde(default)]
    pub author: Option<User>,
    #[serde(default)]
    pub merge_commit_sha: Option<String>,
    #[serde(default)]
    pub squash_commit_sha: Option<String>,
    #[serde(default)]
    pub web_url: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// `POST /projects/:id/merge_requests`.
#[derive(Debug, Serialize)]
pub struct CreateMergeRequest<'a> {
    pub source_branch: &'a str,
    pub target_branch: &'a str,
    pub title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
}

/// `PUT /projects/:id/merge_requests/:iid`.
#[derive(Debug, Serialize)]
pub struct EditMergeRequest<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_branch: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_event: Option<&'static str>,
}

/// `PUT /projects/:id/merge_requests/:iid/merge`.
#[derive(Debug, Serialize)]
pub struct Merge<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merge_commit_message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub squash_commit_message: Option<&'a str>,
    pub squash: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha: Option<&'a str>,
}

/// `Commit`.
#[derive(Debug, Clone, Deserialize)]
pub struct Commit {
    pub id: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub author_name: Option<String>,
    #[serde(default)]
    pub author_email: Option<String>,
    #[serde(default)]
    pub authored_date: Option<String>,
    #[serde(default)]
    pub committer_name: Option<String>,
    #[serde(default)]
    pub committer_email: Option<String>,
    #[serde(default)]
    pub committed_date: Option<String>,
    #[serde(default)]
    pub parent_ids: Option<Vec<String>>,
    #[serde(default)]
    pub web_url: Option<String>,
}

/// One action of `POST /projects/:id/repository/commits`.
#[derive(Debug, Serialize)]
pub struct CommitAction<'a> {
    pub action: &'static str,
    pub file_path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<&'static str>,
}

/// `POST /projects/:id/repository/commits`.
#[derive(Debug, Serialize)]
pub struct CreateCommit<'a> {
    pub branch: &'a str,
    pub commit_message: &'a str,
    pub actions: Vec<CommitAction<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author_email: Option<&'a str>,
}

/// A diff of a comparison.
#[derive(Debug, Clone, Deserialize)]
pub struct Diff {
    pub new_path: String,
    #[serde(default)]
    pub new_file: bool,
    #[serde(default)]
    pub renamed_file: bool,
    #[serde(default)]
    pub deleted_file: bool,
    #[serde(default)]
    pub diff: String,
}

/// `Compare`.
#[derive(Debug, Clone, Deserialize)]
pub struct Compare {
    #[serde(default)]
    pub commits: Vec<Commit>,
    #[serde(default)]
    pub diffs: Vec<Diff>,
}

/// `Tag`.
#[derive(Debug, Clone, Deserialize)]
pub struct Tag {
    pub name: String,
    #[serde(default)]
    pub message: Option<String>,
    pub commit: CommitId,
}

/// `ProjectHook`.
#[derive(Debug, Clone, Deserialize)]
pub struct Hook {
    pub id: u64,
    pub url: String,
    #[serde(default)]
    pub push_events: bool,
    #[serde(default)]
    pub tag_push_events: bool,
    #[serde(default)]
    pub merge_requests_events: bool,
    #[serde(default)]
    pub issues_events: bool,
    #[serde(default)]
    pub note_events: bool,
    #[serde(default)]
    pub releases_events: bool,
}

/// `POST/PUT /projects/:id/hooks`.
#[derive(Debug, Default, Serialize)]
pub struct HookOptions<'a> {
    pub url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub push_events: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_push_events: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merge_requests_events: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issues_events: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note_events: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub releases_events: Option<bool>,
}

/// `Member`.
#[derive(Debug, Clone, Deserialize)]
pub struct Member {
    pub username: String,
    pub access_level: u32,
}

/// `POST /projects/:id/members`.
#[derive(Debug, Serialize)]
pub struct AddMember {
    pub user_id: u64,
    pub access_level: u32,
}

/// `Issue`.
#[derive(Debug, Clone, Deserialize)]
pub struct Issue {
    pub iid: u64,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    pub state: String,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub assignees: Vec<User>,
    #[serde(default)]
    pub author: Option<User>,
    #[serde(default)]
    pub web_url: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// `POST /projects/:id/issues` and `PUT /projects/:id/issues/:iid`.
#[derive(Debug, Default, Serialize)]
pub struct IssueOptions<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee_ids: Option<Vec<u64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_event: Option<&'static str>,
}

/// `GET /projects/:id/repository/files/:path`.
#[derive(Debug, Clone, Deserialize)]
pub struct File {
    pub file_path: String,
    pub blob_id: String,
    #[serde(default)]
    pub encoding: Option<String>,
    pub content: String,
}

/// `CommitStatus`.
#[derive(Debug, Clone, Deserialize)]
pub struct Status {
    pub status: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub target_url: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
}

/// `POST /projects/:id/statuses/:sha`.
#[derive(Debug, Serialize)]
pub struct CreateStatus<'a> {
    pub state: &'static str,
    pub name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
}

/// `_links` of a release.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReleaseLinks {
    #[serde(rename = "self", default)]
    pub self_url: Option<String>,
}

/// `Release`.
#[derive(Debug, Clone, Deserialize)]
pub struct Release {
    pub tag_name: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub upcoming_release: bool,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default, rename = "_links")]
    pub links: ReleaseLinks,
}

/// `POST /projects/:id/releases`.
#[derive(Debug, Serialize)]
pub struct CreateRelease<'a> {
    pub tag_name: &'a str,
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
}
