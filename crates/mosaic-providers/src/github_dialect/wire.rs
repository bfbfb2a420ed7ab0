//! Wire types of the GitHub REST dialect: serde mirrors of the JSON that
//! GitHub (REST v3) and Gitea / Forgejo (API v1) send and accept, only the
//! fields Mosaic reads or writes. Where the two spell a field differently
//! the type accepts both (an alias, an optional field); types only one of
//! them has say so.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A user or organization. GitHub names it by `login`; Gitea sends
/// `login` and `username`, sometimes only the latter.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct User {
    #[serde(default)]
    pub(crate) login: String,
    pub(crate) username: Option<String>,
}

impl User {
    /// The login, or the user name where the login is missing.
    pub(crate) fn name(self) -> String {
        if self.login.is_empty() {
            self.username.unwrap_or_default()
        } else {
            self.login
        }
    }
}

/// A repository. GitHub says `visibility`; Gitea `internal` and `empty`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Repository {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) full_name: String,
    pub(crate) owner: User,
    #[serde(default)]
    pub(crate) private: bool,
    #[serde(default)]
    pub(crate) internal: bool,
    #[serde(default)]
    pub(crate) empty: bool,
    pub(crate) visibility: Option<String>,
    pub(crate) description: Option<String>,
    #[serde(default)]
    pub(crate) fork: bool,
    #[serde(default)]
    pub(crate) archived: bool,
    pub(crate) default_branch: Option<String>,
    pub(crate) clone_url: Option<String>,
    pub(crate) ssh_url: Option<String>,
    pub(crate) html_url: Option<String>,
    pub(crate) created_at: Option<String>,
    pub(crate) updated_at: Option<String>,
}

/// Body of a repository creation (GitHub's `visibility`, Gitea's
/// `default_branch`).
#[derive(Debug, Serialize)]
pub(crate) struct CreateRepo<'a> {
    pub(crate) name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<&'a str>,
    pub(crate) private: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) visibility: Option<&'static str>,
    pub(crate) auto_init: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) default_branch: Option<&'a str>,
}

/// Body of a repository update (GitHub's `visibility`, Gitea's `private`).
#[derive(Debug, Serialize)]
pub(crate) struct UpdateRepo<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) visibility: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) private: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) default_branch: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) archived: Option<bool>,
}

/// Body of a fork.
#[derive(Debug, Serialize)]
pub(crate) struct CreateFork<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) organization: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<&'a str>,
}

/// A commit pointer `{ "sha": ... }`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ShaRef {
    pub(crate) sha: String,
}

/// The commit a branch points at: GitHub's `sha`, Gitea's `id`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct BranchCommit {
    #[serde(alias = "id")]
    pub(crate) sha: String,
}

/// A branch.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Branch {
    pub(crate) name: String,
    pub(crate) commit: BranchCommit,
    #[serde(default)]
    pub(crate) protected: bool,
}

/// Gitea's `CreateBranchRepoOption`.
#[derive(Debug, Serialize)]
pub(crate) struct CreateBranch<'a> {
    pub(crate) new_branch_name: &'a str,
    pub(crate) old_ref_name: &'a str,
}

/// GitHub's `git-ref`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GitRef {
    pub(crate) object: GitObject,
}

/// The object a GitHub ref points at.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GitObject {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) sha: String,
}

/// Body of GitHub's `POST /repos/{owner}/{repo}/git/refs`.
#[derive(Debug, Serialize)]
pub(crate) struct CreateRef<'a> {
    #[serde(rename = "ref")]
    pub(crate) git_ref: String,
    pub(crate) sha: &'a str,
}

/// Body of GitHub's `PATCH /repos/{owner}/{repo}/git/refs/{ref}`.
#[derive(Debug, Serialize)]
pub(crate) struct UpdateRef<'a> {
    pub(crate) sha: &'a str,
    pub(crate) force: bool,
}

/// Body of GitHub's `PUT .../branches/{branch}/protection`.
#[derive(Debug, Serialize)]
pub(crate) struct PutProtection<'a> {
    pub(crate) required_status_checks: Option<StatusChecks<'a>>,
    pub(crate) enforce_admins: bool,
    pub(crate) required_pull_request_reviews: Option<Reviews>,
    pub(crate) restrictions: Option<()>,
    pub(crate) allow_force_pushes: bool,
    pub(crate) allow_deletions: bool,
}

/// `required_status_checks` of a GitHub protection update.
#[derive(Debug, Serialize)]
pub(crate) struct StatusChecks<'a> {
    pub(crate) strict: bool,
    pub(crate) contexts: &'a [String],
}

/// `required_pull_request_reviews` of a GitHub protection update.
#[derive(Debug, Serialize)]
pub(crate) struct Reviews {
    pub(crate) required_approving_review_count: u32,
}

/// GitHub's `branch-protection` as returned.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Protection {
    pub(crate) required_status_checks: Option<ProtectionChecks>,
    pub(crate) enforce_admins: Option<Enabled>,
    pub(crate) required_pull_request_reviews: Option<ProtectionReviews>,
    pub(crate) allow_force_pushes: Option<Enabled>,
    pub(crate) allow_deletions: Option<Enabled>,
}

/// `{ "enabled": bool }`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Enabled {
    #[serde(default)]
    pub(crate) enabled: bool,
}

/// Returned status-check settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ProtectionChecks {
    pub(crate) contexts: Vec<String>,
}

/// Returned review settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ProtectionReviews {
    pub(crate) required_approving_review_count: u32,
}

/// Gitea's `CreateBranchProtectionOption` / `EditBranchProtectionOption`.
#[derive(Debug, Serialize)]
pub(crate) struct BranchProtectionOption<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) rule_name: Option<&'a str>,
    pub(crate) enable_status_check: bool,
    pub(crate) status_check_contexts: &'a [String],
    pub(crate) required_approvals: u32,
    pub(crate) block_admin_merge_override: bool,
    pub(crate) enable_force_push: bool,
}

/// Gitea's `BranchProtection`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct BranchProtection {
    pub(crate) rule_name: Option<String>,
    pub(crate) branch_name: Option<String>,
    pub(crate) enable_status_check: bool,
    pub(crate) status_check_contexts: Vec<String>,
    pub(crate) required_approvals: u32,
    pub(crate) block_admin_merge_override: bool,
    pub(crate) enable_force_push: bool,
}

/// A branch end of a pull request.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PullEnd {
    #[serde(rename = "ref")]
    pub(crate) branch: String,
    pub(crate) sha: Option<String>,
}

/// A pull request.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PullRequest {
    pub(crate) number: u64,
    pub(crate) title: String,
    pub(crate) body: Option<String>,
    pub(crate) state: String,
    pub(crate) draft: Option<bool>,
    pub(crate) merged: Option<bool>,
    pub(crate) merged_at: Option<String>,
    pub(crate) head: PullEnd,
    pub(crate) base: PullEnd,
    pub(crate) user: Option<User>,
    pub(crate) merge_commit_sha: Option<String>,
    pub(crate) html_url: Option<String>,
    pub(crate) created_at: Option<String>,
    pub(crate) updated_at: Option<String>,
}

/// Body of a pull request creation (`draft` is GitHub's).
#[derive(Debug, Serialize)]
pub(crate) struct CreatePull<'a> {
    pub(crate) title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) body: Option<&'a str>,
    pub(crate) head: &'a str,
    pub(crate) base: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) draft: Option<bool>,
}

/// Body of a pull request update.
#[derive(Debug, Serialize)]
pub(crate) struct UpdatePull<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) body: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) base: Option<&'a str>,
}

/// Body of GitHub's `PUT .../pulls/{n}/merge`.
#[derive(Debug, Serialize)]
pub(crate) struct MergePull<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) commit_title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) commit_message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sha: Option<&'a str>,
    pub(crate) merge_method: &'static str,
}

/// GitHub's `pull-request-merge-result`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct MergeResult {
    pub(crate) sha: Option<String>,
    pub(crate) merged: bool,
    pub(crate) message: Option<String>,
}

/// A git identity with an optional date.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub(crate) struct GitUser {
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) date: Option<String>,
}

/// The `commit` part of a commit.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CommitDetail {
    pub(crate) message: String,
    pub(crate) author: Option<GitUser>,
    pub(crate) committer: Option<GitUser>,
}

/// A file a Gitea commit touched.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AffectedFile {
    pub(crate) filename: String,
    pub(crate) status: Option<String>,
}

/// A commit (commits API).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Commit {
    pub(crate) sha: String,
    pub(crate) commit: CommitDetail,
    pub(crate) parents: Option<Vec<ShaRef>>,
    pub(crate) html_url: Option<String>,
    pub(crate) files: Option<Vec<AffectedFile>>,
}

/// A git commit object: GitHub's `git-commit` and `file-commit.commit`,
/// Gitea's `FileCommitResponse`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GitCommit {
    pub(crate) sha: String,
    #[serde(default)]
    pub(crate) message: String,
    pub(crate) author: Option<GitUser>,
    pub(crate) committer: Option<GitUser>,
    #[serde(default)]
    pub(crate) tree: ShaRef,
    pub(crate) parents: Option<Vec<ShaRef>>,
    pub(crate) html_url: Option<String>,
}

/// Body of GitHub's `POST .../git/blobs`.
#[derive(Debug, Serialize)]
pub(crate) struct CreateBlob {
    pub(crate) content: String,
    pub(crate) encoding: &'static str,
}

/// One entry of a GitHub tree being created.
#[derive(Debug, Serialize)]
pub(crate) struct TreeEntry<'a> {
    pub(crate) path: &'a str,
    pub(crate) mode: &'static str,
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    /// `None` serializes as `null`, which deletes the path.
    pub(crate) sha: Option<String>,
}

/// Body of GitHub's `POST .../git/trees`.
#[derive(Debug, Serialize)]
pub(crate) struct CreateTree<'a> {
    pub(crate) base_tree: &'a str,
    pub(crate) tree: Vec<TreeEntry<'a>>,
}

/// Body of GitHub's `POST .../git/commits`.
#[derive(Debug, Serialize)]
pub(crate) struct CreateGitCommit<'a> {
    pub(crate) message: &'a str,
    pub(crate) tree: &'a str,
    pub(crate) parents: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) author: Option<GitUser>,
}

/// Gitea's `ChangeFileOperation`.
#[derive(Debug, Serialize)]
pub(crate) struct ChangeFile<'a> {
    pub(crate) operation: &'static str,
    pub(crate) path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) content: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sha: Option<String>,
}

/// Gitea's `Identity`.
#[derive(Debug, Serialize)]
pub(crate) struct Identity {
    pub(crate) name: String,
    pub(crate) email: String,
}

/// Gitea's `ChangeFilesOptions`.
#[derive(Debug, Serialize)]
pub(crate) struct ChangeFiles<'a> {
    pub(crate) files: Vec<ChangeFile<'a>>,
    pub(crate) message: &'a str,
    pub(crate) branch: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) author: Option<Identity>,
}

/// A changed file of a GitHub comparison.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct DiffEntry {
    pub(crate) filename: String,
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) additions: u64,
    #[serde(default)]
    pub(crate) deletions: u64,
}

/// A comparison: GitHub's `commit-comparison` (`status`, `ahead_by`,
/// `behind_by`, `files`) or Gitea's `Compare` (`total_commits`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Comparison {
    pub(crate) status: String,
    pub(crate) ahead_by: u64,
    pub(crate) behind_by: u64,
    pub(crate) total_commits: u64,
    pub(crate) commits: Option<Vec<Commit>>,
    pub(crate) files: Vec<DiffEntry>,
}

/// A tag of the tag listing (Gitea adds the annotation's `message`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Tag {
    pub(crate) name: String,
    pub(crate) message: Option<String>,
    pub(crate) commit: ShaRef,
}

/// GitHub's `git-tag` (annotated tag object).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GitTag {
    pub(crate) sha: String,
    pub(crate) tag: String,
    pub(crate) message: Option<String>,
    pub(crate) object: GitObject,
}

/// Body of GitHub's `POST .../git/tags`.
#[derive(Debug, Serialize)]
pub(crate) struct CreateGitTag<'a> {
    pub(crate) tag: &'a str,
    pub(crate) message: &'a str,
    pub(crate) object: &'a str,
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
}

/// Gitea's `CreateTagOption`.
#[derive(Debug, Serialize)]
pub(crate) struct CreateTag<'a> {
    pub(crate) tag_name: &'a str,
    pub(crate) target: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) message: Option<&'a str>,
}

/// A webhook.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Hook {
    pub(crate) id: u64,
    #[serde(default)]
    pub(crate) active: bool,
    #[serde(default)]
    pub(crate) events: Vec<String>,
    #[serde(default)]
    pub(crate) config: HookConfigOut,
}

/// A webhook's configuration as returned (the secret is masked).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct HookConfigOut {
    pub(crate) url: Option<String>,
}

/// A webhook's configuration as sent (`insecure_ssl` is GitHub's).
#[derive(Debug, Serialize)]
pub(crate) struct HookConfig<'a> {
    pub(crate) url: &'a str,
    pub(crate) content_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) secret: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) insecure_ssl: Option<&'static str>,
}

/// Body of a webhook creation: GitHub's `name: "web"`, Gitea's
/// `type: "gitea"`.
#[derive(Debug, Serialize)]
pub(crate) struct CreateHook<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<&'static str>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub(crate) kind: Option<&'static str>,
    pub(crate) active: bool,
    pub(crate) events: &'a [String],
    pub(crate) config: HookConfig<'a>,
}

/// Body of a webhook update.
#[derive(Debug, Serialize)]
pub(crate) struct UpdateHook<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) active: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) events: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) config: Option<HookConfig<'a>>,
}

/// GitHub's `collaborator`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Collaborator {
    pub(crate) login: String,
    pub(crate) permissions: Option<Permissions>,
    pub(crate) role_name: Option<String>,
}

/// A GitHub collaborator's permission flags.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Permissions {
    pub(crate) admin: bool,
    pub(crate) maintain: bool,
    pub(crate) push: bool,
    pub(crate) triage: bool,
    pub(crate) pull: bool,
}

/// Gitea's `RepoCollaboratorPermission`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CollaboratorPermission {
    pub(crate) permission: String,
}

/// Body of a collaborator addition.
#[derive(Debug, Serialize)]
pub(crate) struct AddCollaborator {
    pub(crate) permission: &'static str,
}

/// A label as issues carry it (objects; some payloads carry bare names).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum Label {
    Object { name: String },
    Name(String),
}

impl Label {
    pub(crate) fn into_name(self) -> String {
        match self {
            Label::Object { name } | Label::Name(name) => name,
        }
    }
}

/// A repository label with its id (Gitea addresses labels by id).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct LabelId {
    pub(crate) id: u64,
    pub(crate) name: String,
}

/// An issue.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Issue {
    pub(crate) number: u64,
    pub(crate) title: String,
    pub(crate) body: Option<String>,
    pub(crate) state: String,
    pub(crate) labels: Option<Vec<Label>>,
    pub(crate) assignees: Option<Vec<User>>,
    pub(crate) user: Option<User>,
    pub(crate) html_url: Option<String>,
    pub(crate) created_at: Option<String>,
    pub(crate) updated_at: Option<String>,
    /// Present (not `null`) when the issue is a pull request.
    pub(crate) pull_request: Option<serde_json::Value>,
}

/// Body of an issue creation: label names (GitHub) or ids (Gitea).
#[derive(Debug, Serialize)]
pub(crate) struct CreateIssue<'a, L> {
    pub(crate) title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) body: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) labels: Option<L>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) assignees: Option<&'a [String]>,
}

/// Body of an issue update (`labels` is GitHub's).
#[derive(Debug, Default, Serialize)]
pub(crate) struct UpdateIssue<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) body: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) labels: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) assignees: Option<&'a [String]>,
}

/// Gitea's `IssueLabelsOption`.
#[derive(Debug, Serialize)]
pub(crate) struct IssueLabels {
    pub(crate) labels: Vec<u64>,
}

/// A file's contents entry (a directory answers with an array).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Contents {
    #[serde(rename = "type")]
    pub(crate) kind: Option<String>,
    pub(crate) path: Option<String>,
    pub(crate) sha: Option<String>,
    pub(crate) encoding: Option<String>,
    pub(crate) content: Option<String>,
}

/// Body of a file creation or update.
#[derive(Debug, Serialize)]
pub(crate) struct PutContent<'a> {
    pub(crate) message: &'a str,
    pub(crate) content: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) branch: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sha: Option<&'a str>,
}

/// Body of a file deletion.
#[derive(Debug, Serialize)]
pub(crate) struct DeleteContent<'a> {
    pub(crate) message: &'a str,
    pub(crate) sha: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) branch: Option<&'a str>,
}

/// The answer to a file write: the file and the commit.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct FileCommit {
    pub(crate) content: Option<Contents>,
    pub(crate) commit: GitCommit,
}

/// A commit status (Gitea's `status`, GitHub's `state`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Status {
    #[serde(alias = "status")]
    pub(crate) state: String,
    #[serde(default)]
    pub(crate) context: String,
    pub(crate) description: Option<String>,
    pub(crate) target_url: Option<String>,
    pub(crate) created_at: Option<String>,
}

/// Body of a status creation.
#[derive(Debug, Serialize)]
pub(crate) struct CreateStatus<'a> {
    pub(crate) state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) target_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<&'a str>,
    pub(crate) context: &'a str,
}

/// A release.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Release {
    pub(crate) id: u64,
    pub(crate) tag_name: String,
    pub(crate) name: Option<String>,
    pub(crate) body: Option<String>,
    #[serde(default)]
    pub(crate) draft: bool,
    #[serde(default)]
    pub(crate) prerelease: bool,
    pub(crate) html_url: Option<String>,
    pub(crate) created_at: Option<String>,
}

/// Body of a release creation.
#[derive(Debug, Serialize)]
pub(crate) struct CreateRelease<'a> {
    pub(crate) tag_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) target_commitish: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) body: Option<&'a str>,
    pub(crate) draft: bool,
    pub(crate) prerelease: bool,
}

/// Gitea's `/version` answer (Forgejo: `9.0.0+gitea-1.22.0`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ServerVersion {
    pub(crate) version: String,
}

/// Gitea's merge form under the spelling the server reads (see
/// `MergeFields`): field name → value.
pub(crate) type MergeForm<'a> = BTreeMap<&'static str, &'a str>;
