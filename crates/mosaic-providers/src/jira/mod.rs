//! Jira Cloud as an issue tracker, over the REST API v3 (`/rest/api/3`,
//! basic authentication with an Atlassian account e-mail and API token).
//!
//! | Mosaic | Jira |
//! |---|---|
//! | list / get projects | `GET /project/search?startAt&maxResults&expand=description`, `GET /project/{idOrKey}` |
//! | create issue | `POST /issue` (`fields`: project by id or key, `summary`, `issuetype` by name, default `Task`, `description` as ADF, `labels`, `assignee.accountId`, `priority.name`), then `GET /issue/{key}` |
//! | get / update issue | `GET /issue/{key}?fields=…`, `PUT /issue/{key}` with the changed `fields`, then `GET` |
//! | transition | `GET /issue/{key}/transitions`, the one whose name (else whose target status) matches case-insensitively, `POST /issue/{key}/transitions` |
//! | list / search issues | `GET /search/jql?jql&nextPageToken&maxResults&fields` (the enhanced JQL search); `list_issues` builds `project = … [AND status = …] ORDER BY created DESC`, `search_issues` takes JQL and adds `project = … AND (…)` before any `ORDER BY` |
//! | comments | `POST /issue/{key}/comment` (ADF body), `GET /issue/{key}/comment?startAt&maxResults` |
//! | labels | `GET /label?startAt&maxResults` (labels are global in Jira; a project does not narrow them) |
//! | assignees | `GET /user/assignable/search?project&startAt&maxResults` |
//!
//! **Bodies.** Issue descriptions and comments are Atlassian Document
//! Format; Mosaic's Markdown is converted to and from it with
//! [`convert::adf`](crate::convert::adf): headings, paragraphs, lists,
//! code blocks, quotes, rules, links and emphasis convert exactly; panels,
//! tables, mentions and other nodes survive a read-modify-write as raw
//! blocks, and whatever cannot be carried over is reported in the
//! conversion log rather than dropped silently.
//!
//! **Fields.** Issues have one assignee (an account id); two are
//! `InvalidInput`. Labels cannot contain spaces. Timestamps are turned
//! into RFC 3339 (`+0000` → `+00:00`). Status categories: `new` → `Todo`,
//! `indeterminate` → `InProgress`, `done` → `Done`.
//!
//! **Paging.** Offset listings use `startAt` as the Mosaic cursor; the
//! JQL search uses `nextPageToken`. Assignable users are filtered by Jira
//! within each window of the first thousand users, so a short page is not
//! taken as the last; an empty page is.
//!
//! **Errors.** Jira's `ErrorCollection` (`errorMessages` plus an `errors`
//! map of fields) gives the message and the field errors; the kind comes
//! from the status (`400` → `InvalidInput`, `401` → `Unauthenticated`,
//! `403` → `PermissionDenied`, `404` → `NotFound`, `409` → `Conflict`,
//! `429` → `RateLimited` with `Retry-After`, `5xx` → `Unavailable`).

mod map;
mod project;
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

/// The provider name on every error Jira reports.
pub(crate) const PROVIDER: &str = "jira";

/// Page sizes of listings (`maxResults`): 50 unless asked, at most 100.
pub(crate) const PAGE_SIZE: PageSize = PageSize::new("maxResults", 50, 100);

/// `e` named as Jira's error (the one place adapter-made errors are named).
pub(crate) fn named(e: mosaic_core::Error) -> mosaic_core::Error {
    e.with_provider(PROVIDER)
}

/// The plugin manifest (`plugin.json`).
pub const PLUGIN_MANIFEST: &str = include_str!("plugin.json");

/// The JSON Schema of [`JiraConfig`] (`config.schema.json`).
pub const CONFIG_SCHEMA: &str = include_str!("config.schema.json");

/// Configuration of a [`Jira`] provider (see [`CONFIG_SCHEMA`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct JiraConfig {
    /// The site URL, e.g. `https://your-domain.atlassian.net`.
    pub base_url: String,
    /// The account e-mail the API token belongs to.
    pub email: String,
    /// The API token.
    pub api_token: Secret,
    /// Timeouts, user agent, retry and rate-limit settings.
    #[serde(flatten)]
    pub http: HttpSettings,
}

impl JiraConfig {
    /// The site at `base_url` with an e-mail and API token.
    pub fn new(
        base_url: impl Into<String>,
        email: impl Into<String>,
        api_token: impl Into<Secret>,
    ) -> Self {
        JiraConfig {
            base_url: base_url.into(),
            email: email.into(),
            api_token: api_token.into(),
            http: HttpSettings::default(),
        }
    }

    /// Parse a configuration object (as validated against [`CONFIG_SCHEMA`]).
    pub fn from_json(value: Value) -> Result<Self> {
        crate::config::load(PROVIDER, CONFIG_SCHEMA, value)
    }
}

/// The Jira Cloud provider.
#[derive(Debug, Clone)]
pub struct Jira {
    raw: Raw,
    /// The site URL without a trailing `/` (for `browse` links).
    site: String,
}

impl Jira {
    /// A provider from its configuration, with its own HTTP client.
    pub fn new(config: JiraConfig) -> Result<Self> {
        Self::build(config, None)
    }

    /// A provider that sends through `client`, an allowlisted client (a
    /// plugin's, from its context); the base URL must be on its allowlist.
    pub fn with_client(config: JiraConfig, client: HttpClient) -> Result<Self> {
        Self::build(config, Some(client))
    }

    fn build(config: JiraConfig, client: Option<HttpClient>) -> Result<Self> {
        let site = config.base_url.trim().trim_end_matches('/').to_owned();
        let http = config
            .http
            .transport(PROVIDER, &format!("{site}/rest/api/3"), client)
            .auth(Auth::basic(config.email, config.api_token))
            .build()?;
        Ok(Jira {
            raw: Raw::new(http),
            site,
        })
    }

    /// The transport (base URL `<site>/rest/api/3`, client, credentials).
    pub fn transport(&self) -> &crate::http::Transport {
        self.raw.transport()
    }

    /// The operations Jira supports: all of them.
    pub fn operations() -> Capabilities {
        Capabilities::all::<ProjectOp>()
    }

    /// Decode an issue body (`GET /issue/{key}`) as `get_issue` does,
    /// description converted from ADF to Markdown. Malformed bodies and
    /// malformed ADF are `Decode` errors naming where.
    pub fn parse_issue(&self, body: &[u8]) -> Result<mosaic_core::project::Issue> {
        let resp = RawResponse {
            status: http::StatusCode::OK,
            headers: Default::default(),
            body: bytes::Bytes::copy_from_slice(body),
            what: "GET /rest/api/3/issue/{key}".to_owned(),
        };
        map::issue(resp.json(PROVIDER)?, &self.site)
    }

    /// The error Mosaic reports for a failed answer with `status`,
    /// `headers` and `body` (see the module docs).
    pub fn parse_error(&self, status: u16, headers: &http::HeaderMap, body: &[u8]) -> Error {
        let status = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::BAD_GATEWAY);
        map::error(
            &self.raw,
            &RawResponse {
                status,
                headers: headers.clone(),
                body: bytes::Bytes::copy_from_slice(body),
                what: "GET /rest/api/3/issue/{key}".to_owned(),
            },
        )
    }
}

/// The Jira plugin factory (manifest with its configuration schema).
pub fn plugin_factory() -> Result<Arc<dyn PluginFactory>> {
    crate::catalog::provider_factory(PLUGIN_MANIFEST, CONFIG_SCHEMA, |c, http| {
        let cfg: JiraConfig = c.parse()?;
        let provider = Jira::with_client(cfg, http)?;
        Ok(mosaic_plugin_sdk::PluginServices::new().with_project(Arc::new(provider)))
    })
}
