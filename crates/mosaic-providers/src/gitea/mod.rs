//! Gitea and Forgejo (API v1), self-hosted or on public instances.
//!
//! [`Gitea`] implements every [`GitProvider`](mosaic_core::git::GitProvider)
//! operation; where Gitea's API differs from the domain model the
//! operation docs of the GitHub REST dialect it shares with GitHub
//! (`github_dialect`) say how it is bridged (drafts are `WIP: ` titles,
//! labels are resolved to ids, comparisons are counted both ways, the
//! merge form is spelled as the server's version reads it).
//! Authentication: an access token (`Authorization: token …`) or basic
//! auth. Webhooks: [`webhook::GiteaWebhooks`].

pub mod webhook;

use mosaic_plugin_sdk::HttpClient;
use std::sync::Arc;

use mosaic_core::{Result, Secret};
use serde::Deserialize;

use crate::config::HttpSettings;
use crate::github_dialect::{Dialect, Flavor, git_provider};
use crate::http::{Auth, PageSize};

/// The provider name (errors, transport, configuration).
pub(crate) const PROVIDER: &str = "gitea";

/// Gitea's dialect: `limit` pages of 30, at most 50.
static DIALECT: Dialect = Dialect {
    provider: PROVIDER,
    flavor: Flavor::Gitea,
    page_size: PageSize::new("limit", 30, 50),
};

/// The plugin manifest (`plugin.json`).
pub const PLUGIN_MANIFEST: &str = include_str!("plugin.json");

/// The JSON Schema of [`GiteaConfig`] (`config.schema.json`).
pub const CONFIG_SCHEMA: &str = include_str!("config.schema.json");

/// How a [`Gitea`] provider authenticates.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum GiteaAuth {
    /// An access token.
    Token {
        /// The token.
        token: Secret,
    },
    /// User name and password.
    Basic {
        /// User name.
        username: String,
        /// Password.
        password: Secret,
    },
}

/// Configuration of a [`Gitea`] provider (see [`CONFIG_SCHEMA`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GiteaConfig {
    /// API base URL including `/api/v1`.
    pub base_url: String,
    /// Authentication.
    pub auth: GiteaAuth,
    /// Timeouts, user agent, retry and rate-limit settings.
    #[serde(flatten)]
    pub http: HttpSettings,
}

impl GiteaConfig {
    /// The instance at `base_url` (e.g. `https://git.example.com/api/v1`)
    /// with a token.
    pub fn token(base_url: impl Into<String>, token: impl Into<Secret>) -> Self {
        GiteaConfig {
            base_url: base_url.into(),
            auth: GiteaAuth::Token {
                token: token.into(),
            },
            http: HttpSettings::default(),
        }
    }

    /// Parse a configuration object (as validated against [`CONFIG_SCHEMA`]).
    pub fn from_json(value: serde_json::Value) -> Result<Self> {
        crate::config::load(PROVIDER, CONFIG_SCHEMA, value)
    }
}

git_provider!(
    /// The Gitea / Forgejo provider.
    Gitea,
    GiteaConfig,
    DIALECT,
    "Gitea"
);

impl Gitea {
    /// The transport of a configuration (`client`: the plugin's).
    fn build(config: GiteaConfig, client: Option<HttpClient>) -> Result<Self> {
        let auth = match config.auth {
            GiteaAuth::Token { token } => Auth::Token(token),
            GiteaAuth::Basic { username, password } => Auth::basic(username, password),
        };
        let http = config
            .http
            .transport(PROVIDER, &config.base_url, client)
            .page_size(DIALECT.page_size)
            .credentials(Arc::new(auth))
            .build()?;
        Ok(Self::from_transport(http))
    }
}

/// The plugin factory (manifest with its configuration schema).
pub fn plugin_factory() -> Result<std::sync::Arc<dyn mosaic_plugin_sdk::PluginFactory>> {
    crate::catalog::provider_factory(PLUGIN_MANIFEST, CONFIG_SCHEMA, |c, http| {
        let cfg: GiteaConfig = c.parse()?;
        let provider = Gitea::with_client(cfg, http)?;
        Ok(mosaic_plugin_sdk::PluginServices::new().with_git(Arc::new(provider)))
    })
}
