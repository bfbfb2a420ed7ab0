//! Gitea / Forgejo API v1 wire types (the fields Mosaic reads or writes),
//! after the instance's swagger description.

use serde::{Deserialize, Serialize};

/// `User`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct User {
    #[serde(default)]
    pub login: String,
    #[serde(default)]
    pub username: Option<String>,
}

impl User {
    pub fn name(self) -> String {
        if self.login.is_empty() {
            self.username.unwrap_or_default()
        } else {
            self.login
        }
    }
}

/// `Repository`.
#[derive(Debug, Clone, Deserialize)]
pub struct Repository {
    pub id: u64,
    pub name: String,
    pub full_name: String,
    pub owner: User,
    #[serde(default)]
    pub private: bool,
    #[serde(default)]
    pub internal: bool,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub fork: bool,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub empty: bool,
    #[serde(default)]
    pub default_branch: Option<String>,
    #[serde(default)]
    pub clone_url: Option<String>,
    #[serde(default)]
    pub ssh_url: Option<String>,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// `CreateRepoOption`.
#[derive(Debug, Serialize)]
pub struct CreateRepo<'a> {
    pub name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    pub private: bool,
    pub auto_init: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_branch: Option<&'a str>,
}

/// `EditRepoOption`.
#[derive(Debug, Serialize)]
pub struct EditRepo<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_branch: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
}

/// `CreateForkOption`.
#[derive(Debug, Serialize)]
pub struct CreateFork<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
}

/// `PayloadCommit` as embedded in a branch.
#[derive(Debug, Clone, Deserialize)]
pub struct BranchCommit {
    pub id: String,
}

/// `Branch`.
#[derive(Debug, Clone, Deserialize)]
pub struct Branch {
    pub name: String,
    pub commit: BranchCommit,
    #[serde(default)]
    pub protected: bool,
}

/// `CreateBranchRepoOption`.
#[derive(Debug, Serialize)]
pub struct CreateBranch<'a> {
    pub new_branch_name: &'a str,
    pub old_ref_name: &'a str,
}

/// `CreateBranchProtectionOption` / `EditBranchProtectionOption`.
#[derive(Debug, Serialize)]
pub struct BranchProtectionOption<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_name: Option<&'a str>,
    pub enable_status_check: bool,
    pub status_check_contexts: &'a [String],
    pub required_approvals: u32,
    pub block_admin_merge_override: bool,
    pub enable_force_push: bool,
}

/// `BranchProtection`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BranchProtection {
    pub rule_name: Option<String>,
    pub branch_name: Option<String>,
    pub enable_status_check: bool,
    pub status_check_contexts: Vec<String>,
    pub required_approvals: u32,
    pub block_admin_merge_override: bool,
    pub enable_force_push: bool,
}

/// `PRBranchInfo`.
#[derive(Debug, Clone, Deserialize)]
pub struct PullEnd {
    #[serde(rename = "ref")]
    pub branch: String,
    #[serde(default)]
    pub sha: Option<String>,
}

/// `PullRequest`.
#[derive(Debug, Clone, Deserialize)]
pub struct PullRequest {
    pub number: u64,
    pub title: String,
    #[serde(default)]
    pub body: Option<String>,
    pub state: String,
    #[serde(default)]
    pub draft: Option<bool>,
    #[serde(default)]
    pub merged: bool,
    pub head: PullEnd,
    pub base: PullEnd,
    #[serde(default)]
    pub user: Option<User>,
    #[serde(default)]
    pub merge_commit_sha: Option<String>,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// `CreatePullRequestOption`.
#[derive(Debug, Serialize)]
pub struct CreatePull<'a> {
    pub title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<&'a str>,
    pub head: &'a str,
    pub base: &'a str,
}

/// `EditPullRequestOption`.
#[derive(Debug, Serialize)]
pub struct EditPull<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<&'a str>,
}

/// `MergePullRequestOption`.
#[derive(Debug, Serialize)]
pub struct MergePull<'a> {
    #[serde(rename = "Do")]
    pub merge_style: &'static str,
    #[serde(rename = "MergeTitleField", skip_serializing_if = "Option::is_none")]
    pub title: Option<&'a str>,
    #[serde(rename = "MergeMessageField", skip_serializing_if = "Option::is_none")]
    pub message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_commit_id: Option<&'a str>,
}

/// `CommitUser` / `CommitDateOptions`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct GitUser {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// `RepoCommit`.
#[derive(Debug, Clone, Deserialize)]
pub struct CommitDetail {
    pub message: String,
    #[serde(default)]
    pub author: Option<GitUser>,
    #[serde(default)]
    pub committer: Option<GitUser>,
}

/// `{ "sha": ... }`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ShaRef {
    pub sha: String,
}

/// `CommitAffectedFiles`.
#[derive(Debug, Clone, Deserialize)]
pub struct AffectedFile {
    pub filename: String,
    #[serde(default)]
    pub status: Option<String>,
}

/// `Commit`.
#[derive(Debug, Clone, Deserialize)]
pub struct Commit {
    pub sha: String,
    pub commit: CommitDetail,
    #[serde(default)]
    pub parents: Option<Vec<ShaRef>>,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub files: Option<Vec<AffectedFile>>,
}

/// `Compare`.
#[derive(Debug, Clone, Deserialize)]
pub struct Compare {
    #[serde(default)]
    pub total_commits: u64,
    #[serde(default)]
    pub commits: Option<Vec<Commit>>,
}

/// `ChangeFileOperation`.
#[derive(Debug, Serialize)]
pub struct ChangeFile<'a> {
    pub operation: &'static str,
    pub path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha: Option<String>,
}

/// `Identity`.
#[derive(Debug, Serialize)]
pub struct Identity {
    pub name: String,
    pub email: String,
}

/// `ChangeFilesOptions`.
#[derive(Debug, Serialize)]
pub struct ChangeFiles<'a> {
    pub files: Vec<ChangeFile<'a>>,
    pub message: &'a str,
    pub branch: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<Identity>,
}

/// `FileCommitResponse`.
#[derive(Debug, Clone, Deserialize)]
pub struct FileCommitResponse {
    pub sha: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub author: Option<GitUser>,
    #[serde(default)]
    pub committer: Option<GitUser>,
    #[serde(default)]
    pub parents: Option<Vec<ShaRef>>,
    #[serde(default)]
    pub html_url: Option<String>,
}

/// `FilesResponse`.
#[derive(Debug, Clone, Deserialize)]
pub struct FilesResponse {
    pub commit: FileCommitResponse,
}

/// `FileResponse`.
#[derive(Debug, Clone, Deserialize)]
pub struct FileResponse {
    #[serde(default)]
    pub content: Option<ContentsResponse>,
    pub commit: FileCommitResponse,
}

/// `ContentsResponse`.
#[derive(Debug, Clone, Deserialize)]
pub struct ContentsResponse {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub sha: Option<String>,
    #[serde(default)]
    pub encoding: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
}

/// `CreateFileOptions` / `UpdateFileOptions`.
#[derive(Debug, Serialize)]
pub struct WriteFile<'a> {
    pub content: String,
    pub message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha: Option<&'a str>,
}

/// `DeleteFileOptions`.
#[derive(Debug, Serialize)]
pub struct DeleteFile<'a> {
    pub message: &'a str,
    pub sha: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<&'a str>,
}

/// `Tag`.
#[derive(Debug, Clone, Deserialize)]
pub struct Tag {
    pub name: String,
    #[serde(default)]
    pub message: Option<String>,
    pub commit: ShaRef,
}

/// `CreateTagOption`.
#[derive(Debug, Serialize)]
pub struct CreateTag<'a> {
    pub tag_name: &'a str,
    pub target: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'a str>,
}

/// `Hook`.
#[derive(Debug, Clone, Deserialize)]
pub struct Hook {
    pub id: u64,
    #[serde(default)]
    pub active: bool,
    #[serde(default)]
    pub events: Vec<String>,
    #[serde(default)]
    pub config: std::collections::BTreeMap<String, String>,
}

/// `CreateHookOption`.
#[derive(Debug, Serialize)]
pub struct CreateHook<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub config: std::collections::BTreeMap<&'static str, &'a str>,
    pub events: &'a [String],
    pub active: bool,
}

/// `EditHookOption`.
#[derive(Debug, Serialize)]
pub struct EditHook<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<std::collections::BTreeMap<&'static str, &'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// `AddCollaboratorOption`.
#[derive(Debug, Serialize)]
pub struct AddCollaborator {
    pub permission: &'static str,
}

/// `RepoCollaboratorPermission`.
#[derive(Debug, Clone, Deserialize)]
pub struct CollaboratorPermission {
    pub permission: String,
}

/// `Label`.
#[derive(Debug, Clone, Deserialize)]
pub struct Label {
    pub id: u64,
    pub name: String,
}

/// `Issue`.
#[derive(Debug, Clone, Deserialize)]
pub struct Issue {
    pub number: u64,
    pub title: String,
    #[serde(default)]
    pub body: Option<String>,
    pub state: String,
    #[serde(default)]
    pub labels: Option<Vec<Label>>,
    #[serde(default)]
    pub assignees: Option<Vec<User>>,
    #[serde(default)]
    pub user: Option<User>,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub pull_request: Option<serde_json::Value>,
}

/// `CreateIssueOption`.
#[derive(Debug, Serialize)]
pub struct CreateIssue<'a> {
    pub title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub assignees: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<u64>,
}

/// `EditIssueOption`.
#[derive(Debug, Default, Serialize)]
pub struct EditIssue<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignees: Option<&'a [String]>,
}

/// `IssueLabelsOption`.
#[derive(Debug, Serialize)]
pub struct IssueLabels {
    pub labels: Vec<u64>,
}

/// `CommitStatus`.
#[derive(Debug, Clone, Deserialize)]
pub struct Status {
    #[serde(alias = "state")]
    pub status: String,
    #[serde(default)]
    pub context: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub target_url: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
}

/// `CreateStatusOption`.
#[derive(Debug, Serialize)]
pub struct CreateStatus<'a> {
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    pub context: &'a str,
}

/// `Release`.
#[derive(Debug, Clone, Deserialize)]
pub struct Release {
    pub id: u64,
    pub tag_name: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub prerelease: bool,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
}

/// `CreateReleaseOption`.
#[derive(Debug, Serialize)]
pub struct CreateRelease<'a> {
    pub tag_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_commitish: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<&'a str>,
    pub draft: bool,
    pub prerelease: bool,
}
