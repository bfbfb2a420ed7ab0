//! Git forges: [`GitProvider`], its request/response enums and bridges.
//!
//! Each operation is one method of [`GitProvider`] taking one parameters type
//! of this module; [`GitClient`] offers the same methods over any tower stack,
//! and walks a whole listing (output [`Page`]) with
//! [`pages`](GitClient::pages), [`all`](GitClient::all) and
//! [`collect_all`](GitClient::collect_all). The class says what middleware may
//! do with an operation (see [`meta`](crate::operation::meta)): `READ` is
//! cached, `LIVE` is a read that never is, `CREATE` is not safe to
//! repeat, `SET` is, and a `_BROAD` write invalidates every cached read of
//! the family.
//!
//! The issue types (`CreateIssue`, `Issue`, `IssueRef`, `ListIssues`,
//! `UpdateIssue`) share their names with the issue-tracker family's
//! ([`project`](crate::project)): where both families are in use, name them
//! through their modules (`git::CreateIssue`, `project::CreateIssue`)
//! rather than importing both modules with `*`.
//!
//! ## Operations
//!
//! | operation | method | params | output | access | class |
//! |---|---|---|---|---|---|
//! | `git.repository.create` | [`create_repository`](GitProvider::create_repository) | [`CreateRepository`] | [`Repository`] | write | `CREATE` |
//! | `git.repository.get` | [`get_repository`](GitProvider::get_repository) | [`RepoRef`] | [`Repository`] | read | `READ` |
//! | `git.repository.update` | [`update_repository`](GitProvider::update_repository) | [`UpdateRepository`] | [`Repository`] | write | `SET` |
//! | `git.repository.delete` | [`delete_repository`](GitProvider::delete_repository) | [`RepoRef`] | `()` | write | `SET` |
//! | `git.repository.list` | [`list_repositories`](GitProvider::list_repositories) | [`ListRepositories`] | [`Page`] of [`Repository`] | read | `READ` |
//! | `git.repository.fork` | [`fork_repository`](GitProvider::fork_repository) | [`ForkRepository`] | [`Repository`] | write | `CREATE` |
//! | `git.branch.create` | [`create_branch`](GitProvider::create_branch) | [`CreateBranch`] | [`Branch`] | write | `CREATE` |
//! | `git.branch.get` | [`get_branch`](GitProvider::get_branch) | [`BranchRef`] | [`Branch`] | read | `READ` |
//! | `git.branch.delete` | [`delete_branch`](GitProvider::delete_branch) | [`BranchRef`] | `()` | write | `SET` |
//! | `git.branch.list` | [`list_branches`](GitProvider::list_branches) | [`ListBranches`] | [`Page`] of [`Branch`] | read | `READ` |
//! | `git.branch.protect` | [`protect_branch`](GitProvider::protect_branch) | [`ProtectBranch`] | [`BranchProtection`] | write | `SET` |
//! | `git.pull_request.create` | [`create_pull_request`](GitProvider::create_pull_request) | [`CreatePullRequest`] | [`PullRequest`] | write | `CREATE` |
//! | `git.pull_request.get` | [`get_pull_request`](GitProvider::get_pull_request) | [`PullRequestRef`] | [`PullRequest`] | read | `READ` |
//! | `git.pull_request.update` | [`update_pull_request`](GitProvider::update_pull_request) | [`UpdatePullRequest`] | [`PullRequest`] | write | `SET` |
//! | `git.pull_request.merge` | [`merge_pull_request`](GitProvider::merge_pull_request) | [`MergePullRequest`] | [`MergeResult`] | write | `SET` |
//! | `git.pull_request.list` | [`list_pull_requests`](GitProvider::list_pull_requests) | [`ListPullRequests`] | [`Page`] of [`PullRequest`] | read | `READ` |
//! | `git.commit.get` | [`get_commit`](GitProvider::get_commit) | [`CommitRef`] | [`Commit`] | read | `READ` |
//! | `git.commit.list` | [`list_commits`](GitProvider::list_commits) | [`ListCommits`] | [`Page`] of [`Commit`] | read | `READ` |
//! | `git.commit.create` | [`create_commit`](GitProvider::create_commit) | [`CreateCommit`] | [`Commit`] | write | `CREATE` |
//! | `git.commit.compare` | [`compare_commits`](GitProvider::compare_commits) | [`CompareCommits`] | [`Comparison`] | read | `READ` |
//! | `git.tag.create` | [`create_tag`](GitProvider::create_tag) | [`CreateTag`] | [`Tag`] | write | `CREATE` |
//! | `git.tag.get` | [`get_tag`](GitProvider::get_tag) | [`TagRef`] | [`Tag`] | read | `READ` |
//! | `git.tag.delete` | [`delete_tag`](GitProvider::delete_tag) | [`TagRef`] | `()` | write | `SET` |
//! | `git.tag.list` | [`list_tags`](GitProvider::list_tags) | [`ListTags`] | [`Page`] of [`Tag`] | read | `READ` |
//! | `git.webhook.create` | [`create_webhook`](GitProvider::create_webhook) | [`CreateWebhook`] | [`Webhook`] | write | `CREATE` |
//! | `git.webhook.update` | [`update_webhook`](GitProvider::update_webhook) | [`UpdateWebhook`] | [`Webhook`] | write | `SET` |
//! | `git.webhook.delete` | [`delete_webhook`](GitProvider::delete_webhook) | [`WebhookRef`] | `()` | write | `SET` |
//! | `git.webhook.list` | [`list_webhooks`](GitProvider::list_webhooks) | [`ListWebhooks`] | [`Page`] of [`Webhook`] | read | `READ` |
//! | `git.collaborator.add` | [`add_collaborator`](GitProvider::add_collaborator) | [`AddCollaborator`] | `()` | write | `SET` |
//! | `git.collaborator.remove` | [`remove_collaborator`](GitProvider::remove_collaborator) | [`CollaboratorRef`] | `()` | write | `SET` |
//! | `git.collaborator.list` | [`list_collaborators`](GitProvider::list_collaborators) | [`ListCollaborators`] | [`Page`] of [`Collaborator`] | read | `READ` |
//! | `git.issue.create` | [`create_issue`](GitProvider::create_issue) | [`CreateIssue`] | [`Issue`] | write | `CREATE` |
//! | `git.issue.get` | [`get_issue`](GitProvider::get_issue) | [`IssueRef`] | [`Issue`] | read | `READ` |
//! | `git.issue.update` | [`update_issue`](GitProvider::update_issue) | [`UpdateIssue`] | [`Issue`] | write | `SET` |
//! | `git.issue.close` | [`close_issue`](GitProvider::close_issue) | [`IssueRef`] | [`Issue`] | write | `SET` |
//! | `git.issue.list` | [`list_issues`](GitProvider::list_issues) | [`ListIssues`] | [`Page`] of [`Issue`] | read | `READ` |
//! | `git.file.get` | [`get_file`](GitProvider::get_file) | [`GetFile`] | [`FileContent`] | read | `READ` |
//! | `git.file.create` | [`create_file`](GitProvider::create_file) | [`WriteFile`] | [`FileCommit`] | write | `CREATE` |
//! | `git.file.update` | [`update_file`](GitProvider::update_file) | [`WriteFile`] | [`FileCommit`] | write | `CREATE` |
//! | `git.file.delete` | [`delete_file`](GitProvider::delete_file) | [`DeleteFile`] | [`FileCommit`] | write | `CREATE` |
//! | `git.status.create` | [`create_commit_status`](GitProvider::create_commit_status) | [`CreateCommitStatus`] | [`CommitStatus`] | write | `CREATE` |
//! | `git.status.list` | [`list_commit_statuses`](GitProvider::list_commit_statuses) | [`ListCommitStatuses`] | [`Page`] of [`CommitStatus`] | read | `READ` |
//! | `git.release.create` | [`create_release`](GitProvider::create_release) | [`CreateRelease`] | [`Release`] | write | `CREATE` |
//! | `git.release.list` | [`list_releases`](GitProvider::list_releases) | [`ListReleases`] | [`Page`] of [`Release`] | read | `READ` |

mod types;

use std::borrow::Cow;

pub use types::*;

use crate::family::define_family;
use crate::page::Page;

/// The git family's table of operations, handed to the macro `$cb`
/// (with any tokens in parentheses before it) to derive code from:
/// `define_family!` below, and the plugin handle's delegation in
/// `mosaic-plugin-sdk`. The rows are written once, here.
#[doc(hidden)]
#[macro_export]
macro_rules! __git_family {
    ($cb:ident $(($($extra:tt)*))?) => {
        $cb! {
            $($($extra)*)?
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
    };
}

__git_family!(define_family);
