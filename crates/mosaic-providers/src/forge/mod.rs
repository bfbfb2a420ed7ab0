//! What the GitLab and Bitbucket adapters share: the [`GitProvider`]
//! impl that routes each operation to the function of its resource module
//! (`git.pull_request.list` → `pull_request::list`), and the small rules
//! both apply the same way.
//!
//! [`GitProvider`]: mosaic_core::git::GitProvider

use mosaic_core::git::CompareStatus;

use crate::webhook::{RefEvent, WebhookEvent};

/// `impl GitProvider for $Type` where every operation calls the function
/// named after it in the resource modules in scope: `repository::create`,
/// `pull_request::merge`, `status::list`, … (`async fn(&$Type, Params) ->
/// Result<Output>`). The invoking module imports `mosaic_core::git::*`,
/// `Capabilities`, `Page` and `Result`.
macro_rules! git_provider_by_resource {
    ($Type:ty, $caps:expr) => {
        $crate::forge::git_provider_by_resource!(@impl $Type, $caps;
            repository { create: create_repository(CreateRepository) -> Repository; get: get_repository(RepoRef) -> Repository; update: update_repository(UpdateRepository) -> Repository; delete: delete_repository(RepoRef) -> (); list: list_repositories(ListRepositories) -> Page<Repository>; fork: fork_repository(ForkRepository) -> Repository; }
            branch { create: create_branch(CreateBranch) -> Branch; get: get_branch(BranchRef) -> Branch; delete: delete_branch(BranchRef) -> (); list: list_branches(ListBranches) -> Page<Branch>; protect: protect_branch(ProtectBranch) -> BranchProtection; }
            pull_request { create: create_pull_request(CreatePullRequest) -> PullRequest; get: get_pull_request(PullRequestRef) -> PullRequest; update: update_pull_request(UpdatePullRequest) -> PullRequest; merge: merge_pull_request(MergePullRequest) -> MergeResult; list: list_pull_requests(ListPullRequests) -> Page<PullRequest>; }
            commit { get: get_commit(CommitRef) -> Commit; list: list_commits(ListCommits) -> Page<Commit>; create: create_commit(CreateCommit) -> Commit; compare: compare_commits(CompareCommits) -> Comparison; }
            tag { create: create_tag(CreateTag) -> Tag; get: get_tag(TagRef) -> Tag; delete: delete_tag(TagRef) -> (); list: list_tags(ListTags) -> Page<Tag>; }
            webhook { create: create_webhook(CreateWebhook) -> Webhook; update: update_webhook(UpdateWebhook) -> Webhook; delete: delete_webhook(WebhookRef) -> (); list: list_webhooks(ListWebhooks) -> Page<Webhook>; }
            collaborator { add: add_collaborator(AddCollaborator) -> (); remove: remove_collaborator(CollaboratorRef) -> (); list: list_collaborators(ListCollaborators) -> Page<Collaborator>; }
            issue { create: create_issue(CreateIssue) -> Issue; get: get_issue(IssueRef) -> Issue; update: update_issue(UpdateIssue) -> Issue; close: close_issue(IssueRef) -> Issue; list: list_issues(ListIssues) -> Page<Issue>; }
            file { get: get_file(GetFile) -> FileContent; create: create_file(WriteFile) -> FileCommit; update: update_file(WriteFile) -> FileCommit; delete: delete_file(DeleteFile) -> FileCommit; }
            status { create: create_commit_status(CreateCommitStatus) -> CommitStatus; list: list_commit_statuses(ListCommitStatuses) -> Page<CommitStatus>; }
            release { create: create_release(CreateRelease) -> Release; list: list_releases(ListReleases) -> Page<Release>; }
        );
    };
    (@impl $Type:ty, $caps:expr;
        $($m:ident { $($f:ident: $method:ident($P:ident) -> $Out:ty;)+ })+) => {
        #[async_trait::async_trait]
        impl GitProvider for $Type {
            fn capabilities(&self) -> Capabilities {
                $caps
            }
            $($(
                async fn $method(&self, p: $P) -> Result<$Out> {
                    $m::$f(self, p).await
                }
            )+)+
        }
    };
}
pub(crate) use git_provider_by_resource;

/// What a forge's `mod.rs` holds besides its configuration types: the
/// configuration's defaults and loaders, the provider type over a
/// [`Transport`](crate::http::Transport) (`new`, `with_client`,
/// `from_transport`, `transport`), and `plugin_factory()`. The invoking
/// module defines `PROVIDER`, `PAGE_SIZE`, `DEFAULT_BASE_URL`,
/// `CONFIG_SCHEMA` and `PLUGIN_MANIFEST`; `$credentials` turns the
/// configured `$Auth` into [`Auth`](crate::http::Auth).
macro_rules! forge_provider {
    ($(#[$doc:meta])* $Type:ident, $Config:ident, $Auth:ident, $credentials:expr) => {
        fn default_base_url() -> String {
            DEFAULT_BASE_URL.to_owned()
        }

        impl $Config {
            /// The default API with `auth` and default HTTP settings.
            fn with_auth(auth: $Auth) -> Self {
                $Config {
                    base_url: default_base_url(),
                    auth,
                    http: $crate::config::HttpSettings::default(),
                }
            }

            /// Use another API base URL (a self-hosted server, a test server).
            pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
                self.base_url = base_url.into();
                self
            }

            /// Parse a configuration object (as validated against [`CONFIG_SCHEMA`]).
            pub fn from_json(value: serde_json::Value) -> mosaic_core::Result<Self> {
                $crate::config::load(PROVIDER, CONFIG_SCHEMA, value)
            }
        }

        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $Type {
            pub(crate) http: $crate::http::Transport,
        }

        impl $Type {
            /// A provider from its configuration, with its own HTTP client.
            pub fn new(config: $Config) -> mosaic_core::Result<Self> {
                Self::build(config, None)
            }

            /// A provider that sends through `client`, an allowlisted client
            /// (a plugin's, from its context); the base URL must be on its
            /// allowlist.
            pub fn with_client(
                config: $Config,
                client: mosaic_plugin_sdk::HttpClient,
            ) -> mosaic_core::Result<Self> {
                Self::build(config, Some(client))
            }

            fn build(
                config: $Config,
                client: Option<mosaic_plugin_sdk::HttpClient>,
            ) -> mosaic_core::Result<Self> {
                let auth: fn($Auth) -> $crate::http::Auth = $credentials;
                let http = config
                    .http
                    .transport(PROVIDER, &config.base_url, client)
                    .credentials(std::sync::Arc::new(auth(config.auth)))
                    .page_size(PAGE_SIZE)
                    .build()?;
                Ok($Type { http })
            }

            /// A provider over a ready transport; list operations need it
            /// built with a page size (`TransportBuilder::page_size`).
            pub fn from_transport(http: $crate::http::Transport) -> Self {
                $Type { http }
            }

            /// The transport (for calls Mosaic does not model).
            pub fn transport(&self) -> &$crate::http::Transport {
                &self.http
            }
        }

        /// The plugin factory (manifest with its configuration schema).
        pub fn plugin_factory()
        -> mosaic_core::Result<std::sync::Arc<dyn mosaic_plugin_sdk::PluginFactory>> {
            $crate::catalog::provider_factory(PLUGIN_MANIFEST, CONFIG_SCHEMA, |c, http| {
                let provider = $Type::with_client(c.parse()?, http)?;
                let services = mosaic_plugin_sdk::PluginServices::new();
                Ok(services.with_git(std::sync::Arc::new(provider)))
            })
        }
    };
}
pub(crate) use forge_provider;

/// A webhook handler type holding the hook's shared key, checked at
/// construction: an empty or blank key is a `Config` error naming `$what`.
macro_rules! keyed_webhook_handler {
    ($(#[$doc:meta])* $Name:ident, $forge:expr, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $Name {
            key: mosaic_core::Secret,
        }

        impl $Name {
            #[doc = concat!("A handler for hooks configured with the ", $what, " `key`.")]
            ///
            /// # Errors
            ///
            /// [`ErrorKind::Config`](mosaic_core::ErrorKind::Config) when
            /// `key` is empty or only whitespace: it would authenticate
            /// nothing.
            pub fn new(key: impl Into<mosaic_core::Secret>) -> mosaic_core::Result<Self> {
                let key = $crate::webhook::verify::require_key($forge, $what, key.into())?;
                Ok($Name { key })
            }
        }
    };
}
pub(crate) use keyed_webhook_handler;

/// A branch or tag (`tag`) `name` created (`created`) or deleted at `sha`.
pub(crate) fn ref_event(tag: bool, created: bool, name: String, sha: String) -> WebhookEvent {
    let r = RefEvent {
        name,
        sha: Some(sha),
    };
    match (tag, created) {
        (true, true) => WebhookEvent::TagCreated(r),
        (false, true) => WebhookEvent::BranchCreated(r),
        (true, false) => WebhookEvent::TagDeleted(r),
        (false, false) => WebhookEvent::BranchDeleted(r),
    }
}

/// Request bodies: each struct as written, with the fields after `;` as
/// `Option`s left out of the JSON when `None`.
macro_rules! request_body {
    ($($(#[$m:meta])* $Name:ident $(<$lt:lifetime>)? {
        $($(#[$rm:meta])* $r:ident: $R:ty),* ;
        $($(#[$om:meta])* $o:ident: $O:ty),* $(,)?
    })+) => {$(
        $(#[$m])*
        pub(crate) struct $Name $(<$lt>)? {
            $($(#[$rm])* pub(crate) $r: $R,)*
            $(
                $(#[$om])*
                #[serde(skip_serializing_if = "Option::is_none")]
                pub(crate) $o: Option<$O>,
            )*
        }
    )+};
}
pub(crate) use request_body;

/// `InvalidInput` on `field`: what the forge cannot do with it.
pub(crate) fn refuse<T>(field: &str, why: impl Into<String>) -> mosaic_core::Result<T> {
    Err(mosaic_core::Error::invalid_input(field, why))
}

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
