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

use mosaic_plugin_sdk::HttpClient;
use std::sync::Arc;

use mosaic_core::git::{GitOp, Repository};
use mosaic_core::{Capabilities, Result, Secret};
use serde::Deserialize;

use crate::config::HttpSettings;
use crate::http::{Auth, PageSize, Transport};

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

fn default_base_url() -> String {
    DEFAULT_BASE_URL.to_owned()
}

impl GitLabConfig {
    /// gitlab.com with a private token.
    pub fn private_token(token: impl Into<Secret>) -> Self {
        GitLabConfig {
            base_url: default_base_url(),
            auth: GitLabAuth::PrivateToken {
                token: token.into(),
            },
            http: HttpSettings::default(),
        }
    }

    /// gitlab.com with an OAuth token.
    pub fn oauth(token: impl Into<Secret>) -> Self {
        GitLabConfig {
            base_url: default_base_url(),
            auth: GitLabAuth::Oauth {
                token: token.into(),
            },
            http: HttpSettings::default(),
        }
    }

    /// Use another API base URL (a self-managed instance, a test server).
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Parse a configuration object (as validated against [`CONFIG_SCHEMA`]).
    pub fn from_json(value: serde_json::Value) -> Result<Self> {
        crate::config::load(PROVIDER, CONFIG_SCHEMA, value)
    }
}

/// The GitLab provider.
#[derive(Debug, Clone)]
pub struct GitLab {
    pub(crate) http: Transport,
}

impl GitLab {
    /// A provider from its configuration, with its own HTTP client.
    pub fn new(config: GitLabConfig) -> Result<Self> {
        Self::build(config, None)
    }

    /// A provider that sends through `client`, an allowlisted client (a
    /// plugin's, from its context); the base URL must be on its allowlist.
    pub fn with_client(config: GitLabConfig, client: HttpClient) -> Result<Self> {
        Self::build(config, Some(client))
    }

    fn build(config: GitLabConfig, client: Option<HttpClient>) -> Result<Self> {
        let auth = match config.auth {
            GitLabAuth::PrivateToken { token } => Auth::private_token(token),
            GitLabAuth::Oauth { token } => Auth::Bearer(token),
        };
        let http = config
            .http
            .transport(PROVIDER, &config.base_url, client)
            .credentials(Arc::new(auth))
            .page_size(PAGE_SIZE)
            .build()?;
        Ok(GitLab { http })
    }

    /// A provider over a ready transport; list operations need it built
    /// with a page size (`TransportBuilder::page_size`).
    pub fn from_transport(http: Transport) -> Self {
        GitLab { http }
    }

    /// The transport (for calls Mosaic does not model).
    pub fn transport(&self) -> &Transport {
        &self.http
    }

    /// The operations GitLab supports: all of them.
    pub fn capabilities() -> Capabilities {
        Capabilities::all::<GitOp>()
    }

    /// Decode and map a project listing body, exactly as
    /// `list_repositories` does.
    pub fn parse_repositories(body: &[u8]) -> Result<Vec<Repository>> {
        let wire: Vec<wire::Project> = crate::http::json::decode_as(body, "GET /projects")?;
        Ok(wire.into_iter().map(map::repository).collect())
    }
}

/// The plugin factory (manifest with its configuration schema).
pub fn plugin_factory() -> Result<std::sync::Arc<dyn mosaic_plugin_sdk::PluginFactory>> {
    crate::catalog::provider_factory(PLUGIN_MANIFEST, CONFIG_SCHEMA, |c, http| {
        let cfg: GitLabConfig = c.parse()?;
        let provider = GitLab::with_client(cfg, http)?;
        Ok(mosaic_plugin_sdk::PluginServices::new().with_git(Arc::new(provider)))
    })
}
