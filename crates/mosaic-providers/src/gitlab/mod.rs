//! GitLab (REST API v4): gitlab.com and self-managed instances.
//!
//! [`GitLab`] implements every [`GitProvider`](mosaic_core::git::GitProvider)
//! operation. A repository is a project addressed by its URL-encoded path
//! (`group%2Fsub%2Fproject`); a pull request is a merge request, numbered
//! by its `iid`. Authentication: a personal/project/group access token
//! (`PRIVATE-TOKEN` header) or an OAuth token (`Bearer`). Where GitLab's
//! model differs, the operation docs in `git/` say how it is bridged.
//! Webhooks: [`webhook::GitLabWebhooks`].

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

/// The plugin manifest (`plugin.json`).
pub const PLUGIN_MANIFEST: &str = include_str!("plugin.json");

/// The JSON Schema of [`GitLabConfig`] (`config.schema.json`).
pub const CONFIG_SCHEMA: &str = include_str!("config.schema.json");

/// The provider name, in errors and the plugin manifest.
pub const PROVIDER: &str = "gitlab";

/// How GitLab lists are paged: `per_page`, 20 by default, at most 100.
const PAGE_SIZE: PageSize = PageSize::new("per_page", 20, 100);

/// The API of gitlab.com.
pub const DEFAULT_BASE_URL: &str = "https://gitlab.com/api/v4";

/// How a [`GitLab`] provider authenticates.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum GitLabAuth {
    /// A personal, project or group access token (`PRIVATE-TOKEN`).
    PrivateToken {
        /// The token.
        token: Secret,
    },
    /// An OAuth 2 access token (`Authorization: Bearer`).
    Oauth {
        /// The token.
        token: Secret,
    },
}

/// Configuration of a [`GitLab`] provider (see [`CONFIG_SCHEMA`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GitLabConfig {
    /// API base URL including `/api/v4`.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Authentication.
    pub auth: GitLabAuth,
    /// Timeouts, user agent, retry and rate-limit settings.
    #[serde(flatten)]
    pub http: HttpSettings,
}

impl GitLabConfig {
    /// gitlab.com with a private token.
    pub fn private_token(token: impl Into<Secret>) -> Self {
        Self::with_auth(GitLabAuth::PrivateToken {
            token: token.into(),
        })
    }

    /// gitlab.com with an OAuth token.
    pub fn oauth(token: impl Into<Secret>) -> Self {
        Self::with_auth(GitLabAuth::Oauth {
            token: token.into(),
        })
    }
}

forge_provider!(
    /// The GitLab provider.
    GitLab,
    GitLabConfig,
    GitLabAuth,
    |auth| match auth {
        GitLabAuth::PrivateToken { token } => Auth::private_token(token),
        GitLabAuth::Oauth { token } => Auth::Bearer(token),
    }
);

impl GitLab {
    /// The operations GitLab supports: all of them.
    pub fn operations() -> Capabilities {
        Capabilities::all::<GitOp>()
    }

    /// Decode and map a project listing body, exactly as
    /// `list_repositories` does.
    pub fn parse_repositories(body: &[u8]) -> Result<Vec<Repository>> {
        let wire: Vec<wire::Project> = crate::http::json::decode_as(body, "GET /projects")?;
        Ok(wire.into_iter().map(map::repository).collect())
    }
}
