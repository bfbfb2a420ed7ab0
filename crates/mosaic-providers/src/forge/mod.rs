//! What the GitLab and Bitbucket adapters share: the [`GitProvider`]
//! impl that routes each operation to the function of its resource module
//! (`git.pull_request.list` → `pull_request::list`), and the small rules
//! both apply the same way.
//!
//! [`GitProvider`]: mosaic_core::git::GitProvider

use mosaic_core::git::CompareStatus;

/// `impl GitProvider for $Type` where every operation calls the function
/// named after it in the resource modules in scope: `repository::create`,
/// `pull_request::merge`, `status::list`, … (`async fn(&$Type, Params) ->
/// Result<Output>`). The invoking module imports `mosaic_core::git::*`,
/// `Capabilities`, `Page` and `Result`.
macro_rules! git_provider_by_resource {
    ($Type:ty, $caps:expr) => {
        $crate::forge::git_provider_by_resource!(@impl $Type, $caps;
            create_repository(CreateRepository) -> Repository = repository::create;
            get_repository(RepoRef) -> Repository = repository::get;
            update_repository(UpdateRepository) -> Repository = repository::update;
            delete_repository(RepoRef) -> () = repository::delete;
            list_repositories(ListRepositories) -> Page<Repository> = repository::list;
            fork_repository(ForkRepository) -> Repository = repository::fork;
            create_branch(CreateBranch) -> Branch = branch::create;
            get_branch(BranchRef) -> Branch = branch::get;
            delete_branch(BranchRef) -> () = branch::delete;
            list_branches(ListBranches) -> Page<Branch> = branch::list;
            protect_branch(ProtectBranch) -> BranchProtection = branch::protect;
            create_pull_request(CreatePullRequest) -> PullRequest = pull_request::create;
            get_pull_request(PullRequestRef) -> PullRequest = pull_request::get;
            update_pull_request(UpdatePullRequest) -> PullRequest = pull_request::update;
            merge_pull_request(MergePullRequest) -> MergeResult = pull_request::merge;
            list_pull_requests(ListPullRequests) -> Page<PullRequest> = pull_request::list;
            get_commit(CommitRef) -> Commit = commit::get;
            list_commits(ListCommits) -> Page<Commit> = commit::list;
            create_commit(CreateCommit) -> Commit = commit::create;
            compare_commits(CompareCommits) -> Comparison = commit::compare;
            create_tag(CreateTag) -> Tag = tag::create;
            get_tag(TagRef) -> Tag = tag::get;
            delete_tag(TagRef) -> () = tag::delete;
            list_tags(ListTags) -> Page<Tag> = tag::list;
            create_webhook(CreateWebhook) -> Webhook = webhook::create;
            update_webhook(UpdateWebhook) -> Webhook = webhook::update;
            delete_webhook(WebhookRef) -> () = webhook::delete;
            list_webhooks(ListWebhooks) -> Page<Webhook> = webhook::list;
            add_collaborator(AddCollaborator) -> () = collaborator::add;
            remove_collaborator(CollaboratorRef) -> () = collaborator::remove;
            list_collaborators(ListCollaborators) -> Page<Collaborator> = collaborator::list;
            create_issue(CreateIssue) -> Issue = issue::create;
            get_issue(IssueRef) -> Issue = issue::get;
            update_issue(UpdateIssue) -> Issue = issue::update;
            close_issue(IssueRef) -> Issue = issue::close;
            list_issues(ListIssues) -> Page<Issue> = issue::list;
            get_file(GetFile) -> FileContent = file::get;
            create_file(WriteFile) -> FileCommit = file::create;
            update_file(WriteFile) -> FileCommit = file::update;
            delete_file(DeleteFile) -> FileCommit = file::delete;
            create_commit_status(CreateCommitStatus) -> CommitStatus = status::create;
            list_commit_statuses(ListCommitStatuses) -> Page<CommitStatus> = status::list;
            create_release(CreateRelease) -> Release = release::create;
            list_releases(ListReleases) -> Page<Release> = release::list;
        );
    };
    (@impl $Type:ty, $caps:expr; $($method:ident($P:ident) -> $Out:ty = $m:ident::$f:ident;)+) => {
        #[async_trait::async_trait]
        impl GitProvider for $Type {
            fn capabilities(&self) -> Capabilities {
                $caps
            }
            $(
                async fn $method(&self, p: $P) -> Result<$Out> {
                    $m::$f(self, p).await
                }
            )+
        }
    };
}
pub(crate) use git_provider_by_resource;

/// One merge commit message from an optional title and body: both →
/// `title\n\nbody`.
pub(crate) fn merge_message(title: Option<&str>, body: Option<&str>) -> Option<String> {
    match (title, body) {
        (Some(t), Some(m)) => Some(format!("{t}\n\n{m}")),
        (Some(t), None) => Some(t.to_owned()),
        (None, Some(m)) => Some(m.to_owned()),
        (None, None) => None,
    }
}

/// How two refs relate, from the commits each has that the other lacks.
pub(crate) fn compare_status(ahead: u64, behind: u64) -> CompareStatus {
    match (ahead, behind) {
        (0, 0) => CompareStatus::Identical,
        (_, 0) => CompareStatus::Ahead,
        (0, _) => CompareStatus::Behind,
        _ => CompareStatus::Diverged,
    }
}

/// A status context, `default` when empty (both forges need a name).
pub(crate) fn status_context(context: &str) -> &str {
    if context.is_empty() {
        "default"
    } else {
        context
    }
}
