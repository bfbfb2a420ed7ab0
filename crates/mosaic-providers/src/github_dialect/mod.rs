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
            pub fn operations() -> mosaic_core::Capabilities {
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
            use $crate::github_dialect::forward_git;
            // every operation of the git family's own table
            mosaic_core::__git_family!(forward_git($T;));
        };
    };
}
pub(crate) use git_provider;

/// Implements `GitProvider` for `$T` from the git family's table in
/// `mosaic-core` (the rows `define_family!` reads), each operation
/// delegated to the dialect's method of the same name; nothing here lists
/// operations.
macro_rules! forward_git {
    (
        $T:ident;
        $(#[$fam_doc:meta])*
        family $fam:ident { $($header:tt)* }
        $(
            $(#[doc = $doc:literal])*
            $Variant:ident => fn $method:ident($Params:ident) -> $Out:tt $(<$G:ident>)?;
                $opname:literal, $class:ident, |$p:pat_param| $subject:expr;
        )+
    ) => {
        #[async_trait::async_trait]
        impl GitProvider for $T {
            fn capabilities(&self) -> Capabilities {
                Capabilities::all::<GitOp>()
            }
            $(
                async fn $method(&self, p: $Params) -> Result<$Out $(<$G>)?> {
                    self.forge.$method(p).await
                }
            )+
        }
    };
}
pub(crate) use forward_git;
