//! Bitbucket Cloud (API 2.0).
//!
//! [`Bitbucket`] implements the [`GitProvider`](mosaic_core::git::GitProvider)
//! operations Bitbucket Cloud offers; it has no releases, so
//! `create_release` and `list_releases` return `Unsupported` and
//! [`Bitbucket::capabilities`] leaves them out. The owner of a repository
//! is its workspace, the name its slug. Authentication: a user name with
//! an app password (basic auth) or an access token (`Bearer`). Where
//! Bitbucket's model differs, the operation docs in `git/` say how it is
//! bridged. Webhooks: [`webhook::BitbucketWebhooks`].

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

fn default_base_url() -> String {
    DEFAULT_BASE_URL.to_owned()
}

impl BitbucketConfig {
    /// Bitbucket Cloud with an app password.
    pub fn app_password(username: impl Into<String>, app_password: impl Into<Secret>) -> Self {
        BitbucketConfig {
            base_url: default_base_url(),
            auth: BitbucketAuth::AppPassword {
                username: username.into(),
                app_password: app_password.into(),
            },
            http: HttpSettings::default(),
        }
    }

    /// Bitbucket Cloud with an access token.
    pub fn access_token(token: impl Into<Secret>) -> Self {
        BitbucketConfig {
            base_url: default_base_url(),
            auth: BitbucketAuth::AccessToken {
                token: token.into(),
            },
            http: HttpSettings::default(),
        }
    }

    /// Use another API base URL (a test server).
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Parse a configuration object (as validated against [`CONFIG_SCHEMA`]).
    pub fn from_json(value: serde_json::Value) -> Result<Self> {
        crate::config::load(PROVIDER, CONFIG_SCHEMA, value)
    }
}

/// The Bitbucket Cloud provider.
#[derive(Debug, Clone)]
pub struct Bitbucket {
    pub(crate) http: Transport,
}

impl Bitbucket {
    /// A provider from its configuration, with its own HTTP client.
    pub fn new(config: BitbucketConfig) -> Result<Self> {
        Self::build(config, None)
    }

    /// A provider that sends through `client`, an allowlisted client (a
    /// plugin's, from its context); the base URL must be on its allowlist.
    pub fn with_client(config: BitbucketConfig, client: HttpClient) -> Result<Self> {
        Self::build(config, Some(client))
    }

    fn build(config: BitbucketConfig, client: Option<HttpClient>) -> Result<Self> {
        let auth = match config.auth {
            BitbucketAuth::AppPassword {
                username,
                app_password,
            } => Auth::basic(username, app_password),
            BitbucketAuth::AccessToken { token } => Auth::Bearer(token),
        };
        let http = config
            .http
            .transport(PROVIDER, &config.base_url, client)
            .credentials(Arc::new(auth))
            .page_size(PAGE_SIZE)
            .build()?;
        Ok(Bitbucket { http })
    }

    /// A provider over a ready transport; list operations need it built
    /// with a page size (`TransportBuilder::page_size`).
    pub fn from_transport(http: Transport) -> Self {
        Bitbucket { http }
    }

    /// The transport (for calls Mosaic does not model).
    pub fn transport(&self) -> &Transport {
        &self.http
    }

    /// Every operation except releases, which Bitbucket Cloud lacks.
    pub fn capabilities() -> Capabilities {
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

/// The plugin factory (manifest with its configuration schema).
pub fn plugin_factory() -> Result<std::sync::Arc<dyn mosaic_plugin_sdk::PluginFactory>> {
    crate::catalog::provider_factory(PLUGIN_MANIFEST, CONFIG_SCHEMA, |c, http| {
        let cfg: BitbucketConfig = c.parse()?;
        let provider = Bitbucket::with_client(cfg, http)?;
        Ok(mosaic_plugin_sdk::PluginServices::new().with_git(Arc::new(provider)))
    })
}
