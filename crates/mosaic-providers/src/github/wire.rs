//! GitHub REST v3 wire types: serde mirrors of the JSON GitHub sends and
//! accepts (only the fields Mosaic reads or writes).

use serde::{Deserialize, Serialize};

/// A user or organization (`simple-user`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct User {
    pub login: String,
}

/// `repository` / `full-repository`.
#[derive(Debug, Clone, Deserialize)]
pub struct Repository {
    pub id: u64,
    pub name: String,
    pub full_name: String,
    pub owner: User,
    #[serde(default)]
    pub private: bool,
    #[serde(default)]
    pub visibility: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub fork: bool,
    #[serde(default)]
    pub archived: bool,
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

/// Body of `POST /user/repos` and `POST /orgs/{org}/repos`.
#[derive(Debug, Serialize)]
pub struct CreateRepo<'a> {
    pub name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    pub private: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<&'static str>,
    pub auto_init: bool,
}

/// Body of `PATCH /repos/{owner}/{repo}`.
#[derive(Debug, Serialize)]
pub struct UpdateRepo<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_branch: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
}

/// Body of `POST /repos/{owner}/{repo}/forks`.
#[derive(Debug, Serialize)]
pub struct CreateFork<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
}

/// A commit pointer `{ "sha": ... }`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ShaRef {
    pub sha: String,
}

/// `short-branch` / `branch-with-protection`.
#[derive(Debug, Clone, Deserialize)]
pub struct Branch {
    pub name: String,
    pub commit: ShaRef,
    #[serde(default)]
    pub protected: bool,
}

/// `git-ref`.
#[derive(Debug, Clone, Deserialize)]
pub struct GitRef {
    #[serde(rename = "ref")]
    pub git_ref: String,
    pub object: GitObject,
}

/// The object a ref points at.
#[derive(Debug, Clone, Deserialize)]
pub struct GitObject {
    #[serde(rename = "type")]
    pub kind: String,
    pub sha: String,
}

/// Body of `POST /repos/{owner}/{repo}/git/refs`.
#[derive(Debug, Serialize)]
pub struct CreateRef<'a> {
    #[serde(rename = "ref")]
    pub git_ref: String,
    pub sha: &'a str,
}

/// Body of `PATCH /repos/{owner}/{repo}/git/refs/{ref}`.
#[derive(Debug, Serialize)]
pub struct UpdateRef<'a> {
    pub sha: &'a str,
    pub force: bool,
}

/// Body of `PUT /repos/{owner}/{repo}/branches/{branch}/protection`.
#[derive(Debug, Serialize)]
pub struct PutProtection<'a> {
    pub required_status_checks: Option<StatusChecks<'a>>,
    pub enforce_admins: bool,
    pub required_pull_request_reviews: Option<Reviews>,
    pub restrictions: Option<()>,
    pub allow_force_pushes: bool,
    pub allow_deletions: bool,
}

/// `required_status_checks` of a protection update.
#[derive(Debug, Serialize)]
pub struct StatusChecks<'a> {
    pub strict: bool,
    pub contexts: &'a [String],
}

/// `required_pull_request_reviews` of a protection update.
#[derive(Debug, Serialize)]
pub struct Reviews {
    pub required_approving_review_count: u32,
}

/// `branch-protection` as returned.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Protection {
    pub required_status_checks: Option<ProtectionChecks>,
    pub enforce_admins: Option<Enabled>,
    pub required_pull_request_reviews: Option<ProtectionReviews>,
    pub allow_force_pushes: Option<Enabled>,
    pub allow_deletions: Option<Enabled>,
}

/// `{ "enabled": bool }`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Enabled {
    #[serde(default)]
    pub enabled: bool,
}

/// Returned status-check settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProtectionChecks {
    pub contexts: Vec<String>,
}

/// Returned review settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProtectionReviews {
    pub required_approving_review_count: u32,
}

/// A branch end of a pull request.
#[derive(Debug, Clone, Deserialize)]
pub struct PullEnd {
    #[serde(rename = "ref")]
    pub branch: String,
    #[serde(default)]
    pub sha: Option<String>,
}

/// `pull-request` / `pull-request-simple`.
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
    pub merged: Option<bool>,
    #[serde(default)]
    pub merged_at: Option<String>,
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

/// Body of `POST /repos/{owner}/{repo}/pulls`.
#[derive(Debug, Serialize)]
pub struct CreatePull<'a> {
    pub title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<&'a str>,
    pub head: &'a str,
    pub base: &'a str,
    pub draft: bool,
}

/// Body of `PATCH /repos/{owner}/{repo}/pulls/{n}`.
#[derive(Debug, Serialize)]
pub struct UpdatePull<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<&'a str>,
}

/// Body of `PUT /repos/{owner}/{repo}/pulls/{n}/merge`.
#[derive(Debug, Serialize)]
pub struct MergePull<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit_title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit_message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha: Option<&'a str>,
    pub merge_method: &'static str,
}

/// `pull-request-merge-result`.
#[derive(Debug, Clone, Deserialize)]
pub struct MergeResult {
    #[serde(default)]
    pub sha: Option<String>,
    pub merged: bool,
    #[serde(default)]
    pub message: Option<String>,
}

/// `git-user`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct GitUser {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// The `commit` part of a `commit`.
#[derive(Debug, Clone, Deserialize)]
pub struct CommitDetail {
    pub message: String,
    #[serde(default)]
    pub author: Option<GitUser>,
    #[serde(default)]
    pub committer: Option<GitUser>,
}

/// `commit` (REST commits API).
#[derive(Debug, Clone, Deserialize)]
pub struct Commit {
    pub sha: String,
    pub commit: CommitDetail,
    #[serde(default)]
    pub parents: Vec<ShaRef>,
    #[serde(default)]
    pub html_url: Option<String>,
}

/// `git-commit` (Git database API).
#[derive(Debug, Clone, Deserialize)]
pub struct GitCommit {
    pub sha: String,
    pub message: String,
    #[serde(default)]
    pub author: Option<GitUser>,
    #[serde(default)]
    pub committer: Option<GitUser>,
    pub tree: ShaRef,
    #[serde(default)]
    pub parents: Vec<ShaRef>,
    #[serde(default)]
    pub html_url: Option<String>,
}

/// Body of `POST /repos/{owner}/{repo}/git/blobs`.
#[derive(Debug, Serialize)]
pub struct CreateBlob {
    pub content: String,
    pub encoding: &'static str,
}

/// One entry of a tree being created.
#[derive(Debug, Serialize)]
pub struct TreeEntry<'a> {
    pub path: &'a str,
    pub mode: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// `None` serializes as `null`, which deletes the path.
    pub sha: Option<String>,
}

/// Body of `POST /repos/{owner}/{repo}/git/trees`.
#[derive(Debug, Serialize)]
pub struct CreateTree<'a> {
    pub base_tree: &'a str,
    pub tree: Vec<TreeEntry<'a>>,
}

/// Body of `POST /repos/{owner}/{repo}/git/commits`.
#[derive(Debug, Serialize)]
pub struct CreateGitCommit<'a> {
    pub message: &'a str,
    pub tree: &'a str,
    pub parents: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<GitUser>,
}

/// A changed file of a comparison.
#[derive(Debug, Clone, Deserialize)]
pub struct DiffEntry {
    pub filename: String,
    pub status: String,
    #[serde(default)]
    pub additions: u64,
    #[serde(default)]
    pub deletions: u64,
}

/// `commit-comparison`.
#[derive(Debug, Clone, Deserialize)]
pub struct Comparison {
    pub status: String,
    pub ahead_by: u64,
    pub behind_by: u64,
    #[serde(default)]
    pub commits: Vec<Commit>,
    #[serde(default)]
    pub files: Vec<DiffEntry>,
}

/// `tag` (repository tag listing).
#[derive(Debug, Clone, Deserialize)]
pub struct Tag {
    pub name: String,
    pub commit: ShaRef,
}

/// `git-tag` (annotated tag object).
#[derive(Debug, Clone, Deserialize)]
pub struct GitTag {
    pub sha: String,
    pub tag: String,
    #[serde(default)]
    pub message: Option<String>,
    pub object: GitObject,
}

/// Body of `POST /repos/{owner}/{repo}/git/tags`.
#[derive(Debug, Serialize)]
pub struct CreateGitTag<'a> {
    pub tag: &'a str,
    pub message: &'a str,
    pub object: &'a str,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// `hook`.
#[derive(Debug, Clone, Deserialize)]
pub struct Hook {
    pub id: u64,
    #[serde(default)]
    pub active: bool,
    #[serde(default)]
    pub events: Vec<String>,
    #[serde(default)]
    pub config: HookConfigOut,
}

/// `hook.config` as returned (the secret is masked).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct HookConfigOut {
    pub url: Option<String>,
}

/// `hook.config` as sent.
#[derive(Debug, Serialize)]
pub struct HookConfig<'a> {
    pub url: &'a str,
    pub content_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<&'a str>,
    pub insecure_ssl: &'static str,
}

/// Body of `POST /repos/{owner}/{repo}/hooks`.
#[derive(Debug, Serialize)]
pub struct CreateHook<'a> {
    pub name: &'static str,
    pub active: bool,
    pub events: &'a [String],
    pub config: HookConfig<'a>,
}

/// Body of `PATCH /repos/{owner}/{repo}/hooks/{id}`.
#[derive(Debug, Serialize)]
pub struct UpdateHook<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<HookConfig<'a>>,
}

/// `collaborator`.
#[derive(Debug, Clone, Deserialize)]
pub struct Collaborator {
    pub login: String,
    #[serde(default)]
    pub permissions: Option<Permissions>,
    #[serde(default)]
    pub role_name: Option<String>,
}

/// A collaborator's permission flags.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Permissions {
    pub admin: bool,
    pub maintain: bool,
    pub push: bool,
    pub triage: bool,
    pub pull: bool,
}

/// Body of `PUT /repos/{owner}/{repo}/collaborators/{username}`.
#[derive(Debug, Serialize)]
pub struct AddCollaborator {
    pub permission: &'static str,
}

/// A label (issues carry objects; some payloads carry bare names).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Label {
    Object { name: String },
    Name(String),
}

impl Label {
    pub fn into_name(self) -> String {
        match self {
            Label::Object { name } | Label::Name(name) => name,
        }
    }
}

/// `issue`.
#[derive(Debug, Clone, Deserialize)]
pub struct Issue {
    pub number: u64,
    pub title: String,
    #[serde(default)]
    pub body: Option<String>,
    pub state: String,
    #[serde(default)]
    pub labels: Vec<Label>,
    #[serde(default)]
    pub assignees: Vec<User>,
    #[serde(default)]
    pub user: Option<User>,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Present when the issue is a pull request.
    #[serde(default)]
    pub pull_request: Option<serde_json::Value>,
}

/// Body of `POST /repos/{owner}/{repo}/issues`.
#[derive(Debug, Serialize)]
pub struct CreateIssue<'a> {
    pub title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<&'a str>,
    pub labels: &'a [String],
    pub assignees: &'a [String],
}

/// Body of `PATCH /repos/{owner}/{repo}/issues/{n}`.
#[derive(Debug, Default, Serialize)]
pub struct UpdateIssue<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignees: Option<&'a [String]>,
}

/// `content-file` (or a directory listing, which is refused).
#[derive(Debug, Clone, Deserialize)]
pub struct ContentFile {
    #[serde(rename = "type")]
    pub kind: String,
    pub path: String,
    pub sha: String,
    #[serde(default)]
    pub encoding: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
}

/// Body of `PUT /repos/{owner}/{repo}/contents/{path}`.
#[derive(Debug, Serialize)]
pub struct PutContent<'a> {
    pub message: &'a str,
    pub content: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha: Option<&'a str>,
}

/// Body of `DELETE /repos/{owner}/{repo}/contents/{path}`.
#[derive(Debug, Serialize)]
pub struct DeleteContent<'a> {
    pub message: &'a str,
    pub sha: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<&'a str>,
}

/// `file-commit`.
#[derive(Debug, Clone, Deserialize)]
pub struct FileCommit {
    pub content: Option<FileCommitContent>,
    pub commit: GitCommitLite,
}

/// `file-commit.content`.
#[derive(Debug, Clone, Deserialize)]
pub struct FileCommitContent {
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub sha: Option<String>,
}

/// `file-commit.commit` (a git commit without a required tree).
#[derive(Debug, Clone, Deserialize)]
pub struct GitCommitLite {
    pub sha: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub author: Option<GitUser>,
    #[serde(default)]
    pub committer: Option<GitUser>,
    #[serde(default)]
    pub parents: Vec<ShaRef>,
    #[serde(default)]
    pub html_url: Option<String>,
}

/// `status`.
#[derive(Debug, Clone, Deserialize)]
pub struct Status {
    pub state: String,
    #[serde(default)]
    pub context: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub target_url: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
}

/// Body of `POST /repos/{owner}/{repo}/statuses/{sha}`.
#[derive(Debug, Serialize)]
pub struct CreateStatus<'a> {
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    pub context: &'a str,
}

/// `release`.
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

/// Body of `POST /repos/{owner}/{repo}/releases`.
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

/// `installation-token`.
#[derive(Debug, Clone, Deserialize)]
pub struct InstallationToken {
    pub token: String,
    pub expires_at: String,
}
