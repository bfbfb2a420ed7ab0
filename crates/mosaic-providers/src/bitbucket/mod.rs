//! Bitbucket Cloud (API 2.0).
//!
//! [`Bitbucket`] implements the [`GitProvider`](mosaic_core::git::GitProvider)
//! operations Bitbucket Cloud offers; it has no releases, so
//! `create_release` and `list_releases` return `Unsupported` and
//! [`Bitbucket::operations`] leaves them out. The owner of a repository
//! is its workspace, the name its slug. Authentication: a user name with
//! an app password (basic auth) or an access token (`Bearer`). Where
//! Bitbucket's model differs, the operation docs in `git/` say how it is
//! bridged. Webhooks: [`webhook::BitbucketWebhooks`].

mod git;
mod map;
pub mod webhook;
pub(crate) mod wire;

use mosaic_core::git::{GitOp, Repository};
use mosaic_core::{Capabilities, Result, Secret};
use serde::Deserialize;

use crate::config::HttpSettings;
use crate::forge::forge_provider;
use crate::http::{Auth, PageSize};

/// The provider name, in errors and the plugin manifest.
pub const PROVIDER: &str = "bitbucket";

/// How Bitbucket lists are paged: `pagelen`, 10 by default, at most 100.
const PAGE_SIZE: PageSize = PageSize::new("pagelen", 10, 100);

/// The plugin manifest (`plugin.json`).
pub const PLUGIN_MANIFEST: &str = include_str!("plugin.json");

/// The JSON Schema of [`BitbucketConfig`] (`config.schema.json`).
pub const CONFIG_SCHEMA: &str = include_str!("config.schema.json");

/// The API of Bitbucket Cloud.
pub const DEFAULT_BASE_URL: &str = "https://api.bitbucket.org/2.0";

/// How a [`Bitbucket`] provider authenticates.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum BitbucketAuth {
    /// A user name and an app password (basic auth).
    AppPassword {
        /// The Bitbucket user name.
        username: String,
        /// The app password.
        app_password: Secret,
    },
    /// A repository, project or workspace access token, or an OAuth token.
    AccessToken {
        /// The token.
        token: Secret,
    },
}

/// Configuration of a [`Bitbucket`] provider (see [`CONFIG_SCHEMA`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BitbucketConfig {
    /// API base URL.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Authentication.
    pub auth: BitbucketAuth,
    /// Timeouts, user agent, retry and rate-limit settings.
    #[serde(flatten)]
    pub http: HttpSettings,
}

impl BitbucketConfig {
    /// Bitbucket Cloud with an app password.
    pub fn app_password(username: impl Into<String>, app_password: impl Into<Secret>) -> Self {
        Self::with_auth(BitbucketAuth::AppPassword {
            username: username.into(),
            app_password: app_password.into(),
        })
    }

    /// Bitbucket Cloud with an access token.
    pub fn access_token(token: impl Into<Secret>) -> Self {
        Self::with_auth(BitbucketAuth::AccessToken {
            token: token.into(),
        })
    }
}

forge_provider!(
    /// The Bitbucket Cloud provider.
    Bitbucket,
    BitbucketConfig,
    BitbucketAuth,
    |auth| match auth {
        BitbucketAuth::AppPassword {
            username,
            app_password,
        } => Auth::basic(username, app_password),
        BitbucketAuth::AccessToken { token } => Auth::Bearer(token),
    }
);

impl Bitbucket {
    /// Every operation except releases, which Bitbucket Cloud lacks.
    pub fn operations() -> Capabilities {
        Capabilities::all::<GitOp>()
            .without(GitOp::CreateRelease)
            .without(GitOp::ListReleases)
    }

    /// Decode and map a repository listing body, exactly as
    /// `list_repositories` does.
    pub fn parse_repositories(body: &[u8]) -> Result<Vec<Repository>> {
        let wire: wire::Paged<wire::Repository> =
            crate::http::json::decode_as(body, "GET /repositories/{workspace}")?;
        Ok(wire.values.into_iter().map(map::repository).collect())
    }
}
