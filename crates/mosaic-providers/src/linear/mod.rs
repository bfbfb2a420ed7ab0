//! Linear as an issue tracker, over its GraphQL API
//! (`POST https://api.linear.app/graphql`).
//!
//! | Mosaic | Linear |
//! |---|---|
//! | project | a team (`id`, `key` such as `ENG`); a project reference may be the team's id or key |
//! | list / get projects | `teams(first, after)`, `teams(filter: {id} or {key})` |
//! | issue key | the identifier (`ENG-42`); issue references may be the id or the identifier |
//! | create / get / update issue | `issueCreate`, `issue(id)`, `issueUpdate`; label names are looked up among the team's and the workspace's labels; one assignee at most (a user id); priority by name (`urgent`, `high`, `medium`, `low`, `none`) or number |
//! | transition | the issue's team's `states`, matched by name case-insensitively, then `issueUpdate(stateId)` |
//! | list issues | `issues(filter: {team, state: {name}})` |
//! | search | `searchIssues(term, filter: {team})` (full text; `total` from `totalCount`) |
//! | comments | `commentCreate`, `issue(id) { comments }` |
//! | labels | `issueLabels` (with a project: the team's labels and the workspace's) |
//! | assignees | the team's `members` |
//!
//! Descriptions and comments are Markdown in Linear already and pass
//! through unchanged. Linear has no issue types: `create_issue` with an
//! `issue_type` is `InvalidInput` rather than a silently dropped field.
//! Workflow-state categories map as `triage`/`backlog`/`unstarted` →
//! `Todo`, `started` → `InProgress`, `completed` → `Done`, `canceled` →
//! `Cancelled`.
//!
//! Authentication: a personal API key is sent as `Authorization: <key>`,
//! an OAuth access token as `Authorization: Bearer <token>`. Listings use
//! Relay cursors: `pageInfo.endCursor` (while `hasNextPage`) is the Mosaic
//! cursor, sent back as `after` with `first` (default 50, at most 250).
//! GraphQL errors are mapped by `extensions.code` (see [Errors](#errors)).
//!
//! # Errors
//!
//! | `errors[].extensions.code` (or `type`) | kind |
//! |---|---|
//! | `RATELIMITED` | `RateLimited`, with the wait from `Retry-After` or the exhausted budget's `X-RateLimit-*-Reset` |
//! | `AUTHENTICATION_ERROR` | `Unauthenticated` |
//! | `FORBIDDEN`, `FEATURE_NOT_ACCESSIBLE` | `PermissionDenied` |
//! | `USAGE_LIMIT_EXCEEDED` | `QuotaExceeded` |
//! | `INVALID_INPUT`, `USER_ERROR`, `GRAPHQL_ERROR`, `GRAPHQL_VALIDATION_FAILED` | `InvalidInput` with the error paths as fields; `NotFound` when the message says the entity was not found |
//! | `LOCK_TIMEOUT`, `INTERNAL_ERROR` | `Unavailable` |
//! | other | by HTTP status, else `Provider` |

mod graphql;
mod project;
mod queries;
pub(crate) mod wire;

use mosaic_plugin_sdk::HttpClient;
use std::sync::Arc;

use mosaic_core::project::ProjectOp;
use mosaic_core::{Capabilities, Error, Result, Secret};
use mosaic_plugin_sdk::PluginFactory;
use serde::Deserialize;
use serde_json::Value;

use crate::config::HttpSettings;
use crate::http::{Auth, PageSize};
use crate::tracker_support::{Raw, RawResponse};

/// The provider name on every error Linear reports.
pub(crate) const PROVIDER: &str = "linear";

/// Page sizes of connections (`first`): 50 unless asked, at most 250.
pub(crate) const PAGE_SIZE: PageSize = PageSize::new("first", 50, 250);

/// `e` named as Linear's error (the one place adapter-made errors are named).
pub(crate) fn named(e: mosaic_core::Error) -> mosaic_core::Error {
    e.with_provider(PROVIDER)
}

/// The plugin manifest (`plugin.json`).
pub const PLUGIN_MANIFEST: &str = include_str!("plugin.json");

/// The JSON Schema of [`LinearConfig`] (`config.schema.json`).
pub const CONFIG_SCHEMA: &str = include_str!("config.schema.json");

/// Linear's API host.
pub const DEFAULT_BASE_URL: &str = "https://api.linear.app";

fn default_base_url() -> String {
    DEFAULT_BASE_URL.to_owned()
}

/// Configuration of a [`Linear`] provider (see [`CONFIG_SCHEMA`]): exactly
/// one of `api_key` and `access_token`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LinearConfig {
    /// The API host (`https://api.linear.app`); requests go to
    /// `<base_url>/graphql`.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// A personal API key (sent as `Authorization: <key>`).
    #[serde(default)]
    pub api_key: Option<Secret>,
    /// An OAuth access token (sent as `Authorization: Bearer <token>`).
    #[serde(default)]
    pub access_token: Option<Secret>,
    /// Timeouts, user agent, retry and rate-limit settings.
    #[serde(flatten)]
    pub http: HttpSettings,
}

impl LinearConfig {
    /// Linear with a personal API key.
    pub fn api_key(key: impl Into<Secret>) -> Self {
        LinearConfig {
            base_url: default_base_url(),
            api_key: Some(key.into()),
            access_token: None,
            http: HttpSettings::default(),
        }
    }

    /// Linear with an OAuth access token.
    pub fn oauth(token: impl Into<Secret>) -> Self {
        LinearConfig {
            base_url: default_base_url(),
            api_key: None,
            access_token: Some(token.into()),
            http: HttpSettings::default(),
        }
    }

    /// Another API host (a proxy, a test server).
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Parse a configuration object (as validated against [`CONFIG_SCHEMA`]).
    pub fn from_json(value: Value) -> Result<Self> {
        crate::config::load(PROVIDER, CONFIG_SCHEMA, value)
    }

    fn auth(&self) -> Result<Auth> {
        match (&self.api_key, &self.access_token) {
            (Some(k), None) => Auth::header("Authorization", k.clone()),
            (None, Some(t)) => Ok(Auth::bearer(t.clone())),
            _ => Err(named(Error::config(
                "Linear needs exactly one of `api_key` and `access_token`",
            ))),
        }
    }
}

/// The Linear provider.
#[derive(Debug, Clone)]
pub struct Linear {
    raw: Raw,
}

impl Linear {
    /// A provider from its configuration, with its own HTTP client.
    pub fn new(config: LinearConfig) -> Result<Self> {
        Self::build(config, None)
    }

    /// A provider that sends through `client`, an allowlisted client (a
    /// plugin's, from its context); the base URL must be on its allowlist.
    pub fn with_client(config: LinearConfig, client: HttpClient) -> Result<Self> {
        Self::build(config, Some(client))
    }

    fn build(config: LinearConfig, client: Option<HttpClient>) -> Result<Self> {
        let auth = config.auth()?;
        let http = config
            .http
            .transport(PROVIDER, config.base_url.trim_end_matches('/'), client)
            .auth(auth)
            .build()?;
        Ok(Linear {
            raw: Raw::new(http),
        })
    }

    /// The operations Linear supports: all of them.
    pub fn operations() -> Capabilities {
        Capabilities::all::<ProjectOp>()
    }

    /// The transport (base URL, client, credentials).
    pub fn transport(&self) -> &crate::http::Transport {
        self.raw.transport()
    }

    /// Send a GraphQL document of your own and decode its `data`, with
    /// Mosaic's error mapping (for what Mosaic does not model).
    pub async fn graphql<T: serde::de::DeserializeOwned>(
        &self,
        query: &str,
        variables: Value,
    ) -> Result<T> {
        graphql::call(&self.raw, "GraphQL request", query, variables).await
    }

    /// Map an answer (`status`, `headers`, `body`) to an `issue(id)` query
    /// as `get_issue` does: the issue, or the typed error. Never panics.
    pub fn parse_issue_answer(
        &self,
        status: u16,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<mosaic_core::project::Issue> {
        let resp = RawResponse {
            status: http::StatusCode::from_u16(status)
                .map_err(|_| Error::invalid_input("status", "not an HTTP status"))?,
            headers: headers.clone(),
            body: bytes::Bytes::copy_from_slice(body),
            what: "POST /graphql".to_owned(),
        };
        let d: wire::IssueData = graphql::decode(&self.raw, &resp, "Issue")?;
        Ok(project::issue(d.issue))
    }
}

/// The Linear plugin factory (manifest with its configuration schema).
pub fn plugin_factory() -> Result<Arc<dyn PluginFactory>> {
    crate::catalog::provider_factory(PLUGIN_MANIFEST, CONFIG_SCHEMA, |c, http| {
        let cfg: LinearConfig = c.parse()?;
        let provider = Linear::with_client(cfg, http)?;
        Ok(mosaic_plugin_sdk::PluginServices::new().with_project(Arc::new(provider)))
    })
}
