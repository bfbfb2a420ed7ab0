//! The normalized webhook events.

use mosaic_core::git::{Issue, PullRequest, Release};

/// What happened, in one vocabulary for every forge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookEvent {
    /// Commits were pushed to a branch (or a tag ref was updated).
    Push(PushEvent),
    /// A branch was created.
    BranchCreated(RefEvent),
    /// A branch was deleted.
    BranchDeleted(RefEvent),
    /// A tag was created.
    TagCreated(RefEvent),
    /// A tag was deleted.
    TagDeleted(RefEvent),
    /// A pull (merge) request changed.
    PullRequest(PullRequestEvent),
    /// An issue changed.
    Issue(IssueEvent),
    /// A comment on an issue, pull request or commit.
    Comment(CommentEvent),
    /// A release changed.
    Release(ReleaseEvent),
}

impl WebhookEvent {
    /// A short stable name: `push`, `branch_created`, `branch_deleted`,
    /// `tag_created`, `tag_deleted`, `pull_request`, `issue`, `comment`,
    /// `release`.
    pub fn name(&self) -> &'static str {
        match self {
            WebhookEvent::Push(_) => "push",
            WebhookEvent::BranchCreated(_) => "branch_created",
            WebhookEvent::BranchDeleted(_) => "branch_deleted",
            WebhookEvent::TagCreated(_) => "tag_created",
            WebhookEvent::TagDeleted(_) => "tag_deleted",
            WebhookEvent::PullRequest(_) => "pull_request",
            WebhookEvent::Issue(_) => "issue",
            WebhookEvent::Comment(_) => "comment",
            WebhookEvent::Release(_) => "release",
        }
    }
}

/// A commit carried by a push.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushCommit {
    /// SHA.
    pub sha: String,
    /// Message.
    pub message: String,
    /// Author name.
    pub author: Option<String>,
}

/// Commits pushed to a ref.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushEvent {
    /// The full ref (`refs/heads/main`, `refs/tags/v1`).
    pub git_ref: String,
    /// The ref's previous commit (`None` for a new ref).
    pub before: Option<String>,
    /// The ref's new commit.
    pub after: String,
    /// The pushed commits, oldest first, as the forge lists them.
    pub commits: Vec<PushCommit>,
}

impl PushEvent {
    /// The branch name, when the ref is a branch.
    pub fn branch(&self) -> Option<&str> {
        self.git_ref.strip_prefix("refs/heads/")
    }
}

/// A branch or tag created or deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefEvent {
    /// Short name (`main`, `v1.0`).
    pub name: String,
    /// The commit it points (or pointed) at, when the forge says.
    pub sha: Option<String>,
}

/// What happened to a pull request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PullRequestAction {
    /// Opened.
    Opened,
    /// Closed without merging.
    Closed,
    /// Merged.
    Merged,
    /// New commits were pushed to its head.
    Synchronized,
    /// Reopened.
    Reopened,
    /// Title, body or base changed.
    Edited,
}

/// A pull request changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestEvent {
    /// What happened.
    pub action: PullRequestAction,
    /// The pull request after the change.
    pub pull_request: PullRequest,
}

/// What happened to an issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IssueAction {
    /// Opened.
    Opened,
    /// Closed.
    Closed,
    /// Reopened.
    Reopened,
    /// Edited.
    Edited,
}

/// An issue changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueEvent {
    /// What happened.
    pub action: IssueAction,
    /// The issue after the change.
    pub issue: Issue,
}

/// What a comment is attached to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentTarget {
    /// An issue, by number.
    Issue(u64),
    /// A pull request, by number.
    PullRequest(u64),
    /// A commit, by SHA.
    Commit(String),
}

/// What happened to a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommentAction {
    /// Created.
    Created,
    /// Edited.
    Edited,
    /// Deleted.
    Deleted,
}

/// A comment changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentEvent {
    /// What happened.
    pub action: CommentAction,
    /// What it is attached to.
    pub target: CommentTarget,
    /// The forge's comment id.
    pub id: String,
    /// Text.
    pub body: String,
    /// Author's login.
    pub author: Option<String>,
}

/// What happened to a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReleaseAction {
    /// Published (made visible).
    Published,
    /// Created (possibly as a draft).
    Created,
    /// Edited.
    Updated,
    /// Deleted.
    Deleted,
}

/// A release changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseEvent {
    /// What happened.
    pub action: ReleaseAction,
    /// The release.
    pub release: Release,
}
