//! GitHub (REST API v3): github.com and GitHub Enterprise Server.
//!
//! [`GitHub`] implements every [`GitProvider`](mosaic_core::git::GitProvider)
//! operation. Authentication is a token (personal access token, OAuth
//! token, fine-grained token) or a GitHub App installation
//! ([`app::AppCredentials`]). Webhooks: [`webhook::GitHubWebhooks`].
//!
//! * operations: the GitHub REST dialect shared with Gitea
//!   (`github_dialect`), split by resource;
//! * plugin manifest and configuration schema: [`PLUGIN_MANIFEST`],
//!   [`CONFIG_SCHEMA`].

pub mod app;
pub mod webhook;

use mosaic_plugin_sdk::HttpClient;
use std::sync::Arc;

use http::HeaderValue;
use http::header::{ACCEPT, HeaderName};
use mosaic_core::{Result, Secret};
use serde::Deserialize;

use crate::config::HttpSettings;
use crate::github_dialect::{Dialect, Flavor, git_provider};
use crate::http::{Auth, PageSize};

/// The provider name (errors, transport, configuration).
pub(crate) const PROVIDER: &str = "github";

/// GitHub's dialect: `per_page` pages of 30, at most 100.
static DIALECT: Dialect = Dialect {
    provider: PROVIDER,
    flavor: Flavor::GitHub,
    page_size: PageSize::new("per_page", 30, 100),
};

/// The plugin manifest (`plugin.json`).
pub const PLUGIN_MANIFEST: &str = include_str!("plugin.json");

/// The JSON Schema of [`GitHubConfig`] (`config.schema.json`).
pub const CONFIG_SCHEMA: &str = include_str!("config.schema.json");

/// The API of github.com.
pub const DEFAULT_BASE_URL: &str = "https://api.github.com";

/// The REST API version Mosaic is written against.
pub const API_VERSION: &str = "2022-11-28";

/// How a [`GitHub`] provider authenticates.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum GitHubAuth {
    /// A personal access, OAuth or fine-grained token (sent as `Bearer`).
    Token {
        /// The token.
        token: Secret,
    },
    /// A GitHub App installation.
    App {
        /// The app's id (or client id).
        app_id: String,
        /// The installation to act as.
        installation_id: u64,
        /// The app's RSA private key, PEM.
        private_key: Secret,
    },
}

/// Configuration of a [`GitHub`] provider (see [`CONFIG_SCHEMA`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GitHubConfig {
    /// API base URL: `https://api.github.com`, or
    /// `https://HOST/api/v3` for GitHub Enterprise Server.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Authentication.
    pub auth: GitHubAuth,
    /// Timeouts, user agent, retry and rate-limit settings.
    #[serde(flatten)]
    pub http: HttpSettings,
}

fn default_base_url() -> String {
    DEFAULT_BASE_URL.to_owned()
}

impl GitHubConfig {
    /// github.com with a token.
    pub fn token(token: impl Into<Secret>) -> Self {
        GitHubConfig {
            base_url: default_base_url(),
            auth: GitHubAuth::Token {
                token: token.into(),
            },
            http: HttpSettings::default(),
        }
    }

    /// github.com as a GitHub App installation.
    pub fn app(
        app_id: impl Into<String>,
        installation_id: u64,
        private_key: impl Into<Secret>,
    ) -> Self {
        GitHubConfig {
            base_url: default_base_url(),
            auth: GitHubAuth::App {
                app_id: app_id.into(),
                installation_id,
                private_key: private_key.into(),
            },
            http: HttpSettings::default(),
        }
    }

    /// Use another API base URL (GitHub Enterprise Server, a test server).
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Parse a configuration object (as validated against [`CONFIG_SCHEMA`]).
    pub fn from_json(value: serde_json::Value) -> Result<Self> {
        crate::config::load(PROVIDER, CONFIG_SCHEMA, value)
    }
}

git_provider!(
    /// The GitHub provider.
    GitHub,
    GitHubConfig,
    DIALECT,
    "GitHub"
);

impl GitHub {
    /// The transport of a configuration (`client`: the plugin's).
    fn build(config: GitHubConfig, client: Option<HttpClient>) -> Result<Self> {
        let base = config
            .http
            .transport(PROVIDER, &config.base_url, client)
            .page_size(DIALECT.page_size)
            .header(
                ACCEPT,
                HeaderValue::from_static("application/vnd.github+json"),
            )
            .header(
                HeaderName::from_static("x-github-api-version"),
                HeaderValue::from_static(API_VERSION),
            )
            .build()?;
        let http = match config.auth {
            GitHubAuth::Token { token } => base.with_credentials(Arc::new(Auth::Bearer(token))),
            GitHubAuth::App {
                app_id,
                installation_id,
                private_key,
            } => {
                let creds =
                    app::AppCredentials::new(app_id, installation_id, &private_key, base.clone())?;
                base.with_credentials(Arc::new(creds))
            }
        };
        Ok(Self::from_transport(http))
    }
}

/// The plugin factory (manifest with its configuration schema).
pub fn plugin_factory() -> Result<std::sync::Arc<dyn mosaic_plugin_sdk::PluginFactory>> {
    crate::catalog::provider_factory(PLUGIN_MANIFEST, CONFIG_SCHEMA, |c, http| {
        let cfg: GitHubConfig = c.parse()?;
        let provider = GitHub::with_client(cfg, http)?;
        Ok(mosaic_plugin_sdk::PluginServices::new().with_git(Arc::new(provider)))
    })
}
