//! Git forge domain types: repositories, branches, pull requests, commits,
//! tags, webhooks, collaborators, issues, file contents, statuses, releases.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::page::{PageRequest, paginated};
use crate::{Error, Result, Secret};

#[cfg(test)]
use proptest_derive::Arbitrary;

/// A repository by owner and name (`owner/name`).
///
/// For GitLab the owner is the full namespace path (`group/subgroup`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct RepoRef {
    /// User, organization or namespace.
    pub owner: String,
    /// Repository name.
    pub name: String,
}

impl RepoRef {
    /// A repository reference.
    pub fn new(owner: impl Into<String>, name: impl Into<String>) -> Self {
        RepoRef {
            owner: owner.into(),
            name: name.into(),
        }
    }

    /// Parse `owner/name` (the owner may itself contain `/`).
    pub fn parse(full: &str) -> Result<Self> {
        match full.rsplit_once('/') {
            Some((o, n)) if !o.is_empty() && !n.is_empty() => Ok(RepoRef::new(o, n)),
            _ => Err(Error::invalid_input(
                "repo",
                format!("`{full}` is not of the form owner/name"),
            )),
        }
    }

    /// `owner/name`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    /// The routing subject: `owner/name`.
    pub fn subject(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Owned(self.full_name()))
    }

    /// Check that both parts are present.
    pub fn validate(&self) -> Result<()> {
        if self.owner.trim().is_empty() {
            return Err(Error::invalid_input("repo.owner", "must not be empty"));
        }
        if self.name.trim().is_empty() {
            return Err(Error::invalid_input("repo.name", "must not be empty"));
        }
        Ok(())
    }
}

impl fmt::Display for RepoRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// Who can see a repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Everyone.
    #[default]
    Public,
    /// Collaborators only.
    Private,
    /// Members of the enterprise or instance.
    Internal,
}

/// A repository.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Repository {
    /// The forge's id (numeric ids as decimal strings; Bitbucket's UUID).
    pub id: String,
    /// Owner (user, organization or namespace path).
    pub owner: String,
    /// Name.
    pub name: String,
    /// `owner/name`.
    pub full_name: String,
    /// Description.
    pub description: Option<String>,
    /// Visibility.
    pub visibility: Visibility,
    /// The default branch (empty for an empty repository on some forges).
    pub default_branch: String,
    /// HTTPS clone URL.
    pub clone_url: Option<String>,
    /// SSH clone URL.
    pub ssh_url: Option<String>,
    /// Web page.
    pub web_url: Option<String>,
    /// Whether it is a fork.
    pub fork: bool,
    /// Whether it is archived (read-only).
    pub archived: bool,
    /// Creation time (RFC 3339).
    pub created_at: Option<String>,
    /// Last update time (RFC 3339).
    pub updated_at: Option<String>,
}

impl Repository {
    /// The reference of this repository.
    pub fn reference(&self) -> RepoRef {
        RepoRef::new(&self.owner, &self.name)
    }
}

/// Parameters of `create_repository`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct CreateRepository {
    /// Organization, group or workspace to create it in; `None` for the
    /// authenticated user.
    pub owner: Option<String>,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Visibility.
    pub visibility: Visibility,
    /// Create an initial commit (README) so the default branch exists.
    pub auto_init: bool,
    /// Default branch name (where the forge lets it be chosen).
    pub default_branch: Option<String>,
}

impl CreateRepository {
    /// A public repository named `name` for the authenticated user.
    pub fn new(name: impl Into<String>) -> Self {
        CreateRepository {
            name: name.into(),
            ..Default::default()
        }
    }

    /// Create it under `owner` (organization, group, workspace).
    pub fn in_owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = Some(owner.into());
        self
    }

    /// Set the visibility.
    pub fn visibility(mut self, v: Visibility) -> Self {
        self.visibility = v;
        self
    }

    /// Set the description.
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = Some(d.into());
        self
    }

    /// The routing subject: `owner/name`, or just `name` for the user.
    pub fn subject(&self) -> Option<Cow<'_, str>> {
        Some(match &self.owner {
            Some(o) => Cow::Owned(format!("{o}/{}", self.name)),
            None => Cow::Borrowed(&self.name),
        })
    }
}

/// Parameters of `update_repository`: only the `Some` fields change.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct UpdateRepository {
    /// The repository.
    pub repo: RepoRef,
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New visibility.
    pub visibility: Option<Visibility>,
    /// New default branch.
    pub default_branch: Option<String>,
    /// Archive or unarchive.
    pub archived: Option<bool>,
}

impl UpdateRepository {
    /// An update of `repo` that changes nothing yet.
    pub fn new(repo: RepoRef) -> Self {
        UpdateRepository {
            repo,
            ..Default::default()
        }
    }
}

/// Parameters of `list_repositories`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListRepositories {
    /// List this user's or organization's repositories; `None` for the
    /// authenticated user's.
    pub owner: Option<String>,
    /// Which page.
    pub page: PageRequest,
}

/// Parameters of `fork_repository`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ForkRepository {
    /// The repository to fork.
    pub repo: RepoRef,
    /// Fork into this organization; `None` for the authenticated user.
    pub organization: Option<String>,
    /// Name of the fork; `None` keeps the name.
    pub name: Option<String>,
}

/// A branch.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Branch {
    /// Name.
    pub name: String,
    /// The commit it points at.
    pub commit_sha: String,
    /// Whether protection rules apply.
    pub protected: bool,
}

/// Parameters of `create_branch`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct CreateBranch {
    /// The repository.
    pub repo: RepoRef,
    /// New branch name.
    pub name: String,
    /// Start point: a branch name or a commit SHA.
    pub from: String,
}

/// A branch by name (`get_branch`, `delete_branch`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct BranchRef {
    /// The repository.
    pub repo: RepoRef,
    /// Branch name.
    pub branch: String,
}

impl BranchRef {
    /// A branch reference.
    pub fn new(repo: RepoRef, branch: impl Into<String>) -> Self {
        BranchRef {
            repo,
            branch: branch.into(),
        }
    }
}

/// Parameters of `list_branches`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListBranches {
    /// The repository.
    pub repo: RepoRef,
    /// Which page.
    pub page: PageRequest,
}

/// Protection rules of a branch.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct BranchProtection {
    /// The protected branch (or pattern, where the forge supports one).
    pub branch: String,
    /// Approving reviews required before merge.
    pub required_approvals: u32,
    /// Status check contexts that must pass.
    pub required_status_checks: Vec<String>,
    /// Apply the rules to administrators too.
    pub enforce_admins: bool,
    /// Allow force pushes.
    pub allow_force_push: bool,
    /// Allow deleting the branch.
    pub allow_deletion: bool,
}

/// Parameters of `protect_branch`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ProtectBranch {
    /// The repository.
    pub repo: RepoRef,
    /// The rules (their `branch` names the branch).
    pub rules: BranchProtection,
}

/// State of a pull request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
#[serde(rename_all = "snake_case")]
pub enum PullRequestState {
    /// Open.
    #[default]
    Open,
    /// Closed without merging.
    Closed,
    /// Merged.
    Merged,
}

/// Which items a listing returns by state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(Arbitrary))]
pub enum StateFilter {
    /// Open only.
    #[default]
    Open,
    /// Closed (and merged) only.
    Closed,
    /// All.
    All,
}

/// A pull (merge) request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct PullRequest {
    /// Number within the repository (GitLab's `iid`).
    pub number: u64,
    /// Title.
    pub title: String,
    /// Description.
    pub body: Option<String>,
    /// State.
    pub state: PullRequestState,
    /// Whether it is a draft.
    pub draft: bool,
    /// Source branch.
    pub head: String,
    /// Target branch.
    pub base: String,
    /// Commit at the head of the source branch.
    pub head_sha: Option<String>,
    /// Author's login.
    pub author: Option<String>,
    /// The merge commit, once merged.
    pub merge_commit_sha: Option<String>,
    /// Web page.
    pub web_url: Option<String>,
    /// Creation time (RFC 3339).
    pub created_at: Option<String>,
    /// Last update time (RFC 3339).
    pub updated_at: Option<String>,
}

/// Parameters of `create_pull_request`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct CreatePullRequest {
    /// The repository.
    pub repo: RepoRef,
    /// Title.
    pub title: String,
    /// Description.
    pub body: Option<String>,
    /// Source branch.
    pub head: String,
    /// Target branch.
    pub base: String,
    /// Open as a draft.
    pub draft: bool,
}

/// A pull request by number.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct PullRequestRef {
    /// The repository.
    pub repo: RepoRef,
    /// Number.
    pub number: u64,
}

/// Parameters of `update_pull_request`: only the `Some` fields change.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct UpdatePullRequest {
    /// The repository.
    pub repo: RepoRef,
    /// Number.
    pub number: u64,
    /// New title.
    pub title: Option<String>,
    /// New description.
    pub body: Option<String>,
    /// Close (`Closed`) or reopen (`Open`); `Merged` is refused (use merge).
    pub state: Option<PullRequestState>,
    /// New target branch.
    pub base: Option<String>,
}

/// How to merge a pull request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(Arbitrary))]
pub enum MergeMethod {
    /// A merge commit.
    #[default]
    Merge,
    /// Squash into one commit.
    Squash,
    /// Rebase onto the target.
    Rebase,
}

/// Parameters of `merge_pull_request`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct MergePullRequest {
    /// The repository.
    pub repo: RepoRef,
    /// Number.
    pub number: u64,
    /// Merge method.
    pub method: MergeMethod,
    /// Title of the merge commit.
    pub commit_title: Option<String>,
    /// Message of the merge commit.
    pub commit_message: Option<String>,
    /// Merge only if the head is still at this SHA.
    pub sha: Option<String>,
}

/// The outcome of a merge.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct MergeResult {
    /// Whether it merged.
    pub merged: bool,
    /// The resulting commit.
    pub sha: Option<String>,
    /// The forge's message.
    pub message: Option<String>,
}

/// Parameters of `list_pull_requests`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListPullRequests {
    /// The repository.
    pub repo: RepoRef,
    /// Filter by state.
    pub state: StateFilter,
    /// Which page.
    pub page: PageRequest,
}

/// Author or committer of a commit.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Signature {
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Time (RFC 3339).
    pub date: Option<String>,
}

/// A commit.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Commit {
    /// SHA.
    pub sha: String,
    /// Message.
    pub message: String,
    /// Author.
    pub author: Option<Signature>,
    /// Committer.
    pub committer: Option<Signature>,
    /// Parent SHAs.
    pub parents: Vec<String>,
    /// Web page.
    pub web_url: Option<String>,
}

/// A commit by SHA or ref.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct CommitRef {
    /// The repository.
    pub repo: RepoRef,
    /// SHA, branch or tag.
    pub sha: String,
}

/// Parameters of `list_commits`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListCommits {
    /// The repository.
    pub repo: RepoRef,
    /// Start from this branch or SHA; `None` for the default branch.
    pub reference: Option<String>,
    /// Only commits touching this path.
    pub path: Option<String>,
    /// Which page.
    pub page: PageRequest,
}

/// One file change in a commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "action", rename_all = "snake_case")]
#[cfg_attr(test, derive(Arbitrary))]
pub enum FileChange {
    /// Create a file.
    Create {
        /// Path.
        path: String,
        /// Content.
        content: Vec<u8>,
    },
    /// Replace a file's content.
    Update {
        /// Path.
        path: String,
        /// Content.
        content: Vec<u8>,
    },
    /// Delete a file.
    Delete {
        /// Path.
        path: String,
    },
}

impl FileChange {
    /// The path changed.
    pub fn path(&self) -> &str {
        match self {
            FileChange::Create { path, .. }
            | FileChange::Update { path, .. }
            | FileChange::Delete { path } => path,
        }
    }
}

/// Parameters of `create_commit`: several file changes as one commit on a branch.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct CreateCommit {
    /// The repository.
    pub repo: RepoRef,
    /// The branch to commit to.
    pub branch: String,
    /// Commit message.
    pub message: String,
    /// The changes.
    pub changes: Vec<FileChange>,
    /// Author; `None` for the authenticated user.
    pub author: Option<Signature>,
}

/// How two refs relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
#[serde(rename_all = "snake_case")]
pub enum CompareStatus {
    /// Head is ahead of base.
    Ahead,
    /// Head is behind base.
    Behind,
    /// Same commit.
    #[default]
    Identical,
    /// Both have commits the other lacks.
    Diverged,
}

/// A file changed between two refs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ChangedFile {
    /// Path.
    pub path: String,
    /// `added`, `modified`, `removed`, `renamed`, … as the forge says.
    pub status: String,
    /// Lines added.
    pub additions: u64,
    /// Lines removed.
    pub deletions: u64,
}

/// The comparison of two refs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Comparison {
    /// Status.
    pub status: CompareStatus,
    /// Commits in head not in base.
    pub ahead_by: u64,
    /// Commits in base not in head.
    pub behind_by: u64,
    /// The commits in head not in base.
    pub commits: Vec<Commit>,
    /// The files changed.
    pub files: Vec<ChangedFile>,
}

/// Parameters of `compare_commits`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct CompareCommits {
    /// The repository.
    pub repo: RepoRef,
    /// Base ref.
    pub base: String,
    /// Head ref.
    pub head: String,
}

/// A tag.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Tag {
    /// Name.
    pub name: String,
    /// The commit it points at.
    pub sha: String,
    /// The annotation message, for annotated tags.
    pub message: Option<String>,
}

/// Parameters of `create_tag`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct CreateTag {
    /// The repository.
    pub repo: RepoRef,
    /// Name.
    pub name: String,
    /// Target branch or SHA.
    pub target: String,
    /// Message: makes it an annotated tag.
    pub message: Option<String>,
}

/// A tag by name.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct TagRef {
    /// The repository.
    pub repo: RepoRef,
    /// Name.
    pub name: String,
}

/// Parameters of `list_tags`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListTags {
    /// The repository.
    pub repo: RepoRef,
    /// Which page.
    pub page: PageRequest,
}

/// A repository webhook.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Webhook {
    /// The forge's id.
    pub id: String,
    /// Delivery URL.
    pub url: String,
    /// Subscribed events, in Mosaic's names: `push`, `pull_request`,
    /// `issues`, `issue_comment`, `release`, `create`, `delete`.
    pub events: Vec<String>,
    /// Whether deliveries are sent.
    pub active: bool,
}

/// Parameters of `create_webhook`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct CreateWebhook {
    /// The repository.
    pub repo: RepoRef,
    /// Delivery URL.
    pub url: String,
    /// Events (see [`Webhook::events`]).
    pub events: Vec<String>,
    /// Signing secret (or GitLab's token).
    pub secret: Option<Secret>,
    /// Whether deliveries are sent.
    pub active: bool,
}

/// Parameters of `update_webhook`: only the `Some` fields change.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct UpdateWebhook {
    /// The repository.
    pub repo: RepoRef,
    /// Webhook id.
    pub id: String,
    /// New URL.
    pub url: Option<String>,
    /// New events.
    pub events: Option<Vec<String>>,
    /// New secret.
    pub secret: Option<Secret>,
    /// Enable or disable.
    pub active: Option<bool>,
}

/// A webhook by id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct WebhookRef {
    /// The repository.
    pub repo: RepoRef,
    /// Webhook id.
    pub id: String,
}

/// Parameters of `list_webhooks`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListWebhooks {
    /// The repository.
    pub repo: RepoRef,
    /// Which page.
    pub page: PageRequest,
}

/// A collaborator's permission.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read.
    #[default]
    Read,
    /// Triage issues and pull requests.
    Triage,
    /// Push.
    Write,
    /// Manage without destructive rights.
    Maintain,
    /// Everything.
    Admin,
}

/// A repository collaborator.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Collaborator {
    /// Login.
    pub login: String,
    /// Permission.
    pub permission: Permission,
}

/// Parameters of `add_collaborator`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct AddCollaborator {
    /// The repository.
    pub repo: RepoRef,
    /// Login.
    pub login: String,
    /// Permission.
    pub permission: Permission,
}

/// A collaborator by login.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct CollaboratorRef {
    /// The repository.
    pub repo: RepoRef,
    /// Login.
    pub login: String,
}

/// Parameters of `list_collaborators`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListCollaborators {
    /// The repository.
    pub repo: RepoRef,
    /// Which page.
    pub page: PageRequest,
}

/// State of an issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
#[serde(rename_all = "snake_case")]
pub enum IssueState {
    /// Open.
    #[default]
    Open,
    /// Closed.
    Closed,
}

/// A forge issue.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Issue {
    /// Number within the repository.
    pub number: u64,
    /// Title.
    pub title: String,
    /// Body.
    pub body: Option<String>,
    /// State.
    pub state: IssueState,
    /// Label names.
    pub labels: Vec<String>,
    /// Assignee logins.
    pub assignees: Vec<String>,
    /// Author's login.
    pub author: Option<String>,
    /// Web page.
    pub web_url: Option<String>,
    /// Creation time (RFC 3339).
    pub created_at: Option<String>,
    /// Last update time (RFC 3339).
    pub updated_at: Option<String>,
}

/// Parameters of `create_issue`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct CreateIssue {
    /// The repository.
    pub repo: RepoRef,
    /// Title.
    pub title: String,
    /// Body.
    pub body: Option<String>,
    /// Label names.
    pub labels: Vec<String>,
    /// Assignee logins.
    pub assignees: Vec<String>,
}

/// Parameters of `update_issue`: only the `Some` fields change.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct UpdateIssue {
    /// The repository.
    pub repo: RepoRef,
    /// Number.
    pub number: u64,
    /// New title.
    pub title: Option<String>,
    /// New body.
    pub body: Option<String>,
    /// New state.
    pub state: Option<IssueState>,
    /// Replace the labels.
    pub labels: Option<Vec<String>>,
    /// Replace the assignees.
    pub assignees: Option<Vec<String>>,
}

/// An issue by number.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct IssueRef {
    /// The repository.
    pub repo: RepoRef,
    /// Number.
    pub number: u64,
}

/// Parameters of `list_issues`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListIssues {
    /// The repository.
    pub repo: RepoRef,
    /// Filter by state.
    pub state: StateFilter,
    /// Only issues with all these labels.
    pub labels: Vec<String>,
    /// Which page.
    pub page: PageRequest,
}

/// A file's content at a ref.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct FileContent {
    /// Path.
    pub path: String,
    /// Blob SHA (pass it back to update or delete the file).
    pub sha: String,
    /// Raw bytes.
    pub content: Vec<u8>,
}

impl FileContent {
    /// The content as UTF-8, if it is.
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.content).ok()
    }
}

/// Parameters of `get_file`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct GetFile {
    /// The repository.
    pub repo: RepoRef,
    /// Path.
    pub path: String,
    /// Branch, tag or SHA; `None` for the default branch.
    pub reference: Option<String>,
}

/// Parameters of `create_file` and `update_file`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct WriteFile {
    /// The repository.
    pub repo: RepoRef,
    /// Path.
    pub path: String,
    /// New content.
    pub content: Vec<u8>,
    /// Commit message.
    pub message: String,
    /// Branch; `None` for the default branch.
    pub branch: Option<String>,
    /// The blob SHA being replaced (required by some forges for updates).
    pub sha: Option<String>,
}

/// Parameters of `delete_file`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct DeleteFile {
    /// The repository.
    pub repo: RepoRef,
    /// Path.
    pub path: String,
    /// Commit message.
    pub message: String,
    /// Branch; `None` for the default branch.
    pub branch: Option<String>,
    /// The blob SHA being deleted (required by some forges).
    pub sha: Option<String>,
}

/// The commit made by a file write.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct FileCommit {
    /// Path.
    pub path: String,
    /// New blob SHA (`None` after a delete).
    pub content_sha: Option<String>,
    /// The commit.
    pub commit: Commit,
}

/// State of a commit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
#[serde(rename_all = "snake_case")]
pub enum StatusState {
    /// Pending.
    #[default]
    Pending,
    /// Succeeded.
    Success,
    /// Failed.
    Failure,
    /// Errored.
    Error,
}

/// A commit status (a CI result attached to a commit).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct CommitStatus {
    /// State.
    pub state: StatusState,
    /// Context label (e.g. `ci/build`).
    pub context: String,
    /// Description.
    pub description: Option<String>,
    /// Link to details.
    pub target_url: Option<String>,
    /// Creation time (RFC 3339).
    pub created_at: Option<String>,
}

/// Parameters of `create_commit_status`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct CreateCommitStatus {
    /// The repository.
    pub repo: RepoRef,
    /// The commit.
    pub sha: String,
    /// State.
    pub state: StatusState,
    /// Context label.
    pub context: String,
    /// Description.
    pub description: Option<String>,
    /// Link to details.
    pub target_url: Option<String>,
}

/// Parameters of `list_commit_statuses`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListCommitStatuses {
    /// The repository.
    pub repo: RepoRef,
    /// The commit (SHA or ref).
    pub sha: String,
    /// Which page.
    pub page: PageRequest,
}

/// A release.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Release {
    /// The forge's id.
    pub id: String,
    /// Tag.
    pub tag_name: String,
    /// Title.
    pub name: Option<String>,
    /// Notes.
    pub body: Option<String>,
    /// Draft.
    pub draft: bool,
    /// Pre-release.
    pub prerelease: bool,
    /// Web page.
    pub web_url: Option<String>,
    /// Creation time (RFC 3339).
    pub created_at: Option<String>,
}

/// Parameters of `create_release`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct CreateRelease {
    /// The repository.
    pub repo: RepoRef,
    /// Tag (created at `target` if missing).
    pub tag_name: String,
    /// Branch or SHA for a new tag.
    pub target: Option<String>,
    /// Title.
    pub name: Option<String>,
    /// Notes.
    pub body: Option<String>,
    /// Draft.
    pub draft: bool,
    /// Pre-release.
    pub prerelease: bool,
}

/// Parameters of `list_releases`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListReleases {
    /// The repository.
    pub repo: RepoRef,
    /// Which page.
    pub page: PageRequest,
}

paginated!(
    ListRepositories,
    ListBranches,
    ListPullRequests,
    ListCommits,
    ListTags,
    ListWebhooks,
    ListCollaborators,
    ListIssues,
    ListCommitStatuses,
    ListReleases,
);
