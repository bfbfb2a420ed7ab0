//! Git forges: [`GitProvider`], its request/response enums and bridges.

mod types;

use std::borrow::Cow;

pub use types::*;

use crate::family::define_family;
use crate::page::Page;

define_family! {
    /// A git forge: repositories, branches, pull requests, commits, tags,
    /// webhooks, collaborators, issues, files, statuses and releases.
    family Git {
        provider: GitProvider,
        request: GitRequest,
        response: GitResponse,
        kind: GitOp,
        service: GitService,
        client: GitClient,
    }

    /// Create a repository.
    CreateRepository => fn create_repository(CreateRepository) -> Repository;
        "git.repository.create", CREATE, |p| p.subject();
    /// Fetch a repository.
    GetRepository => fn get_repository(RepoRef) -> Repository;
        "git.repository.get", READ, |p| p.subject();
    /// Change a repository's settings.
    UpdateRepository => fn update_repository(UpdateRepository) -> Repository;
        "git.repository.update", SET, |p| p.repo.subject();
    /// Delete a repository.
    DeleteRepository => fn delete_repository(RepoRef) -> ();
        "git.repository.delete", SET, |p| p.subject();
    /// List repositories of a user or organization.
    ListRepositories => fn list_repositories(ListRepositories) -> Page<Repository>;
        "git.repository.list", READ, |p| p.owner.as_deref().map(Cow::Borrowed);
    /// Fork a repository.
    ForkRepository => fn fork_repository(ForkRepository) -> Repository;
        "git.repository.fork", CREATE, |p| p.repo.subject();

    /// Create a branch.
    CreateBranch => fn create_branch(CreateBranch) -> Branch;
        "git.branch.create", CREATE, |p| p.repo.subject();
    /// Fetch a branch.
    GetBranch => fn get_branch(BranchRef) -> Branch;
        "git.branch.get", READ, |p| p.repo.subject();
    /// Delete a branch.
    DeleteBranch => fn delete_branch(BranchRef) -> ();
        "git.branch.delete", SET, |p| p.repo.subject();
    /// List branches.
    ListBranches => fn list_branches(ListBranches) -> Page<Branch>;
        "git.branch.list", READ, |p| p.repo.subject();
    /// Set a branch's protection rules.
    ProtectBranch => fn protect_branch(ProtectBranch) -> BranchProtection;
        "git.branch.protect", SET, |p| p.repo.subject();

    /// Open a pull request.
    CreatePullRequest => fn create_pull_request(CreatePullRequest) -> PullRequest;
        "git.pull_request.create", CREATE, |p| p.repo.subject();
    /// Fetch a pull request.
    GetPullRequest => fn get_pull_request(PullRequestRef) -> PullRequest;
        "git.pull_request.get", READ, |p| p.repo.subject();
    /// Change a pull request (title, body, base, open/closed).
    UpdatePullRequest => fn update_pull_request(UpdatePullRequest) -> PullRequest;
        "git.pull_request.update", SET, |p| p.repo.subject();
    /// Merge a pull request.
    MergePullRequest => fn merge_pull_request(MergePullRequest) -> MergeResult;
        "git.pull_request.merge", SET, |p| p.repo.subject();
    /// List pull requests.
    ListPullRequests => fn list_pull_requests(ListPullRequests) -> Page<PullRequest>;
        "git.pull_request.list", READ, |p| p.repo.subject();

    /// Fetch a commit.
    GetCommit => fn get_commit(CommitRef) -> Commit;
        "git.commit.get", READ, |p| p.repo.subject();
    /// List commits.
    ListCommits => fn list_commits(ListCommits) -> Page<Commit>;
        "git.commit.list", READ, |p| p.repo.subject();
    /// Commit several file changes at once.
    CreateCommit => fn create_commit(CreateCommit) -> Commit;
        "git.commit.create", CREATE, |p| p.repo.subject();
    /// Compare two refs.
    CompareCommits => fn compare_commits(CompareCommits) -> Comparison;
        "git.commit.compare", READ, |p| p.repo.subject();

    /// Create a tag.
    CreateTag => fn create_tag(CreateTag) -> Tag;
        "git.tag.create", CREATE, |p| p.repo.subject();
    /// Fetch a tag.
    GetTag => fn get_tag(TagRef) -> Tag;
        "git.tag.get", READ, |p| p.repo.subject();
    /// Delete a tag.
    DeleteTag => fn delete_tag(TagRef) -> ();
        "git.tag.delete", SET, |p| p.repo.subject();
    /// List tags.
    ListTags => fn list_tags(ListTags) -> Page<Tag>;
        "git.tag.list", READ, |p| p.repo.subject();

    /// Create a webhook.
    CreateWebhook => fn create_webhook(CreateWebhook) -> Webhook;
        "git.webhook.create", CREATE, |p| p.repo.subject();
    /// Change a webhook.
    UpdateWebhook => fn update_webhook(UpdateWebhook) -> Webhook;
        "git.webhook.update", SET, |p| p.repo.subject();
    /// Delete a webhook.
    DeleteWebhook => fn delete_webhook(WebhookRef) -> ();
        "git.webhook.delete", SET, |p| p.repo.subject();
    /// List webhooks.
    ListWebhooks => fn list_webhooks(ListWebhooks) -> Page<Webhook>;
        "git.webhook.list", READ, |p| p.repo.subject();

    /// Add (or invite) a collaborator.
    AddCollaborator => fn add_collaborator(AddCollaborator) -> ();
        "git.collaborator.add", SET, |p| p.repo.subject();
    /// Remove a collaborator.
    RemoveCollaborator => fn remove_collaborator(CollaboratorRef) -> ();
        "git.collaborator.remove", SET, |p| p.repo.subject();
    /// List collaborators.
    ListCollaborators => fn list_collaborators(ListCollaborators) -> Page<Collaborator>;
        "git.collaborator.list", READ, |p| p.repo.subject();

    /// Open an issue.
    CreateIssue => fn create_issue(CreateIssue) -> Issue;
        "git.issue.create", CREATE, |p| p.repo.subject();
    /// Fetch an issue.
    GetIssue => fn get_issue(IssueRef) -> Issue;
        "git.issue.get", READ, |p| p.repo.subject();
    /// Change an issue.
    UpdateIssue => fn update_issue(UpdateIssue) -> Issue;
        "git.issue.update", SET, |p| p.repo.subject();
    /// Close an issue.
    CloseIssue => fn close_issue(IssueRef) -> Issue;
        "git.issue.close", SET, |p| p.repo.subject();
    /// List issues (pull requests excluded).
    ListIssues => fn list_issues(ListIssues) -> Page<Issue>;
        "git.issue.list", READ, |p| p.repo.subject();

    /// Read a file.
    GetFile => fn get_file(GetFile) -> FileContent;
        "git.file.get", READ, |p| p.repo.subject();
    /// Create a file (one commit).
    CreateFile => fn create_file(WriteFile) -> FileCommit;
        "git.file.create", CREATE, |p| p.repo.subject();
    /// Replace a file's content (one commit).
    UpdateFile => fn update_file(WriteFile) -> FileCommit;
        "git.file.update", CREATE, |p| p.repo.subject();
    /// Delete a file (one commit).
    DeleteFile => fn delete_file(DeleteFile) -> FileCommit;
        "git.file.delete", CREATE, |p| p.repo.subject();

    /// Attach a status to a commit.
    CreateCommitStatus => fn create_commit_status(CreateCommitStatus) -> CommitStatus;
        "git.status.create", CREATE, |p| p.repo.subject();
    /// List a commit's statuses.
    ListCommitStatuses => fn list_commit_statuses(ListCommitStatuses) -> Page<CommitStatus>;
        "git.status.list", READ, |p| p.repo.subject();

    /// Publish a release.
    CreateRelease => fn create_release(CreateRelease) -> Release;
        "git.release.create", CREATE, |p| p.repo.subject();
    /// List releases.
    ListReleases => fn list_releases(ListReleases) -> Page<Release>;
        "git.release.list", READ, |p| p.repo.subject();
}
