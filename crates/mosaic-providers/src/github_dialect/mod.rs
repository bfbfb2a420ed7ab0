//! The GitHub REST dialect, spoken by GitHub (REST v3) and, with a few
//! differences, by Gitea and Forgejo (API v1).
//!
//! [`Forge`] holds every [`GitProvider`](mosaic_core::git::GitProvider)
//! operation once, parameterised by a [`Dialect`]: the provider name, how
//! pages are sized, and the [`Flavor`] for the operations whose endpoints
//! really differ (branch and tag creation, protection rules, merging,
//! multi-file commits, comparisons, labels, collaborator permissions).
//! `github` and `gitea` keep their configuration, authentication and
//! webhooks, and implement the trait with [`git_provider!`].
//!
//! The operations are split by resource, after the operation names:
//! `git.pull_request.merge` is in `pull_request.rs`, and so on.

mod branch;
mod collaborator;
mod commit;
pub(crate) mod events;
mod file;
mod issue;
pub(crate) mod map;
mod pull_request;
mod release;
mod repository;
mod status;
mod tag;
mod webhook;
pub(crate) mod wire;

use std::sync::{Arc, OnceLock};

use mosaic_core::git::RepoRef;
use mosaic_core::{PageRequest, Result};

use crate::http::path::segment;
use crate::http::{PageSize, RequestSpec, Transport};

pub(crate) use pull_request::MergeFields;
pub(crate) use repository::parse_repositories;

/// Which forge speaks the dialect: the operations whose endpoints or
/// bodies differ branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// GitHub (github.com, GitHub Enterprise Server).
    #[cfg_attr(not(feature = "github"), allow(dead_code))]
    GitHub,
    /// Gitea and Forgejo.
    #[cfg_attr(not(feature = "gitea"), allow(dead_code))]
    Gitea,
}

/// What sets one forge's dialect apart.
#[derive(Debug)]
pub(crate) struct Dialect {
    /// The provider name errors carry.
    pub(crate) provider: &'static str,
    /// Which forge it is.
    pub(crate) flavor: Flavor,
    /// How list requests are sized (`per_page` or `limit`, default, max).
    pub(crate) page_size: PageSize,
}

impl Dialect {
    fn is(&self, flavor: Flavor) -> bool {
        self.flavor == flavor
    }
}

/// A forge speaking the dialect: a transport and the dialect's
/// description, plus what Mosaic learned about the server (the merge form
/// spelling a Gitea instance reads, looked up once and shared by clones).
#[derive(Debug, Clone)]
pub(crate) struct Forge {
    pub(crate) http: Transport,
    pub(crate) dialect: &'static Dialect,
    merge_fields: Arc<OnceLock<MergeFields>>,
}

impl Forge {
    /// A forge over `http` speaking `dialect`.
    pub(crate) fn new(http: Transport, dialect: &'static Dialect) -> Self {
        Forge {
            http,
            dialect,
            merge_fields: Arc::default(),
        }
    }

    /// A `GET` of one page of a listing, sized by the transport's page
    /// size or, on a transport built without one, the dialect's.
    fn list(&self, path: &str, page: &PageRequest) -> RequestSpec<'_> {
        let req = self.http.get(path);
        match self.http.page_size() {
            Some(_) => req.paged(page),
            None => {
                let s = self.dialect.page_size;
                req.page(page, s.param, s.default, s.max)
            }
        }
    }
}

pub(crate) fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// `/repos/{owner}/{repo}` with both parts encoded.
pub(crate) fn repo_path(r: &RepoRef) -> Result<String> {
    r.validate()?;
    Ok(format!("/repos/{}/{}", segment(&r.owner), segment(&r.name)))
}

/// A forge type `$T` over a [`Forge`] speaking `$dialect`, given its
/// `build(config, client)` function: its constructors, its transport, and
/// [`GitProvider`](mosaic_core::git::GitProvider) with every operation
/// delegated to the dialect.
macro_rules! git_provider {
    ($(#[$doc:meta])* $T:ident, $Config:ty, $dialect:expr, $name:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $T {
            forge: $crate::github_dialect::Forge,
        }

        impl $T {
            /// A provider from its configuration, with its own HTTP client.
            pub fn new(config: $Config) -> mosaic_core::Result<Self> {
                Self::build(config, None)
            }

            /// A provider that sends through `client`, an allowlisted client (a
            /// plugin's, from its context); the base URL must be on its allowlist.
            pub fn with_client(
                config: $Config,
                client: mosaic_plugin_sdk::HttpClient,
            ) -> mosaic_core::Result<Self> {
                Self::build(config, Some(client))
            }

            /// A provider over a ready transport (its base URL and
            /// credentials are used as they are).
            pub fn from_transport(http: $crate::http::Transport) -> Self {
                $T {
                    forge: $crate::github_dialect::Forge::new(http, &$dialect),
                }
            }

            /// The transport (for calls Mosaic does not model).
            pub fn transport(&self) -> &$crate::http::Transport {
                &self.forge.http
            }

            #[doc = concat!("The operations ", $name, " supports: all of them.")]
            pub fn capabilities() -> mosaic_core::Capabilities {
                mosaic_core::Capabilities::all::<mosaic_core::git::GitOp>()
            }

            /// Decode and map a repository listing body, exactly as
            /// `list_repositories` does.
            pub fn parse_repositories(
                body: &[u8],
            ) -> mosaic_core::Result<Vec<mosaic_core::git::Repository>> {
                $crate::github_dialect::parse_repositories(body)
            }
        }

        const _: () = {
            use mosaic_core::git::*;
            use mosaic_core::{Capabilities, Page, Result};

            #[async_trait::async_trait]
            impl GitProvider for $T {
                fn capabilities(&self) -> Capabilities {
                    Capabilities::all::<GitOp>()
                }
                async fn create_repository(&self, p: CreateRepository) -> Result<Repository> {
                    self.forge.create_repository(p).await
                }
                async fn get_repository(&self, p: RepoRef) -> Result<Repository> {
                    self.forge.get_repository(p).await
                }
                async fn update_repository(&self, p: UpdateRepository) -> Result<Repository> {
                    self.forge.update_repository(p).await
                }
                async fn delete_repository(&self, p: RepoRef) -> Result<()> {
                    self.forge.delete_repository(p).await
                }
                async fn list_repositories(&self, p: ListRepositories) -> Result<Page<Repository>> {
                    self.forge.list_repositories(p).await
                }
                async fn fork_repository(&self, p: ForkRepository) -> Result<Repository> {
                    self.forge.fork_repository(p).await
                }
                async fn create_branch(&self, p: CreateBranch) -> Result<Branch> {
                    self.forge.create_branch(p).await
                }
                async fn get_branch(&self, p: BranchRef) -> Result<Branch> {
                    self.forge.get_branch(p).await
                }
                async fn delete_branch(&self, p: BranchRef) -> Result<()> {
                    self.forge.delete_branch(p).await
                }
                async fn list_branches(&self, p: ListBranches) -> Result<Page<Branch>> {
                    self.forge.list_branches(p).await
                }
                async fn protect_branch(&self, p: ProtectBranch) -> Result<BranchProtection> {
                    self.forge.protect_branch(p).await
                }
                async fn create_pull_request(&self, p: CreatePullRequest) -> Result<PullRequest> {
                    self.forge.create_pull_request(p).await
                }
                async fn get_pull_request(&self, p: PullRequestRef) -> Result<PullRequest> {
                    self.forge.get_pull_request(p).await
                }
                async fn update_pull_request(&self, p: UpdatePullRequest) -> Result<PullRequest> {
                    self.forge.update_pull_request(p).await
                }
                async fn merge_pull_request(&self, p: MergePullRequest) -> Result<MergeResult> {
                    self.forge.merge_pull_request(p).await
                }
                async fn list_pull_requests(
                    &self,
                    p: ListPullRequests,
                ) -> Result<Page<PullRequest>> {
                    self.forge.list_pull_requests(p).await
                }
                async fn get_commit(&self, p: CommitRef) -> Result<Commit> {
                    self.forge.get_commit(p).await
                }
                async fn list_commits(&self, p: ListCommits) -> Result<Page<Commit>> {
                    self.forge.list_commits(p).await
                }
                async fn create_commit(&self, p: CreateCommit) -> Result<Commit> {
                    self.forge.create_commit(p).await
                }
                async fn compare_commits(&self, p: CompareCommits) -> Result<Comparison> {
                    self.forge.compare_commits(p).await
                }
                async fn create_tag(&self, p: CreateTag) -> Result<Tag> {
                    self.forge.create_tag(p).await
                }
                async fn get_tag(&self, p: TagRef) -> Result<Tag> {
                    self.forge.get_tag(p).await
                }
                async fn delete_tag(&self, p: TagRef) -> Result<()> {
                    self.forge.delete_tag(p).await
                }
                async fn list_tags(&self, p: ListTags) -> Result<Page<Tag>> {
                    self.forge.list_tags(p).await
                }
                async fn create_webhook(&self, p: CreateWebhook) -> Result<Webhook> {
                    self.forge.create_webhook(p).await
                }
                async fn update_webhook(&self, p: UpdateWebhook) -> Result<Webhook> {
                    self.forge.update_webhook(p).await
                }
                async fn delete_webhook(&self, p: WebhookRef) -> Result<()> {
                    self.forge.delete_webhook(p).await
                }
                async fn list_webhooks(&self, p: ListWebhooks) -> Result<Page<Webhook>> {
                    self.forge.list_webhooks(p).await
                }
                async fn add_collaborator(&self, p: AddCollaborator) -> Result<()> {
                    self.forge.add_collaborator(p).await
                }
                async fn remove_collaborator(&self, p: CollaboratorRef) -> Result<()> {
                    self.forge.remove_collaborator(p).await
                }
                async fn list_collaborators(
                    &self,
                    p: ListCollaborators,
                ) -> Result<Page<Collaborator>> {
                    self.forge.list_collaborators(p).await
                }
                async fn create_issue(&self, p: CreateIssue) -> Result<Issue> {
                    self.forge.create_issue(p).await
                }
                async fn get_issue(&self, p: IssueRef) -> Result<Issue> {
                    self.forge.get_issue(p).await
                }
                async fn update_issue(&self, p: UpdateIssue) -> Result<Issue> {
                    self.forge.update_issue(p).await
                }
                async fn close_issue(&self, p: IssueRef) -> Result<Issue> {
                    self.forge.close_issue(p).await
                }
                async fn list_issues(&self, p: ListIssues) -> Result<Page<Issue>> {
                    self.forge.list_issues(p).await
                }
                async fn get_file(&self, p: GetFile) -> Result<FileContent> {
                    self.forge.get_file(p).await
                }
                async fn create_file(&self, p: WriteFile) -> Result<FileCommit> {
                    self.forge.create_file(p).await
                }
                async fn update_file(&self, p: WriteFile) -> Result<FileCommit> {
                    self.forge.update_file(p).await
                }
                async fn delete_file(&self, p: DeleteFile) -> Result<FileCommit> {
                    self.forge.delete_file(p).await
                }
                async fn create_commit_status(
                    &self,
                    p: CreateCommitStatus,
                ) -> Result<CommitStatus> {
                    self.forge.create_commit_status(p).await
                }
                async fn list_commit_statuses(
                    &self,
                    p: ListCommitStatuses,
                ) -> Result<Page<CommitStatus>> {
                    self.forge.list_commit_statuses(p).await
                }
                async fn create_release(&self, p: CreateRelease) -> Result<Release> {
                    self.forge.create_release(p).await
                }
                async fn list_releases(&self, p: ListReleases) -> Result<Page<Release>> {
                    self.forge.list_releases(p).await
                }
            }
        };
    };
}
pub(crate) use git_provider;
