//! Notion (REST API, `Notion-Version: 2022-06-28`) as a knowledge base.
//!
//! [`Notion`] implements [`KnowledgeBaseProvider`](mosaic_core::kb::KnowledgeBaseProvider):
//!
//! | Mosaic | Notion |
//! |---|---|
//! | space | a database (`/v1/databases`); `create_space` needs `parent`, the page the database is created in |
//! | page | a page; in a database (`space_id` = the database) or under a page (`space_id` = `parent_id` = that page) |
//! | page body | the page's block children, read recursively (paginated with `start_cursor`/`next_cursor`) and converted to Markdown ([`convert::notion`](crate::convert::notion)) |
//! | search | `POST /v1/search` (pages); with `space_id`, a title filter on the database query |
//! | comments | `/v1/comments` |
//! | export / import | through the document model (Markdown, HTML, plain text) |
//!
//! Not offered (the 2022-06-28 API has no endpoint for them, so they are
//! `Unsupported` and absent from [`Notion::operations`]): moving pages,
//! file uploads, revision history. Pages have no version numbers:
//! `update_page` with a `version` is `InvalidInput`.
//!
//! Writing a body replaces the page's blocks: existing blocks are deleted
//! (child pages and child databases are kept), then the new blocks are
//! appended, at most 100 per request, nested children after their parent.
//! This is not atomic: a failure midway leaves part of the new body.

mod blocks;
mod kb;
pub(crate) mod wire;

use mosaic_plugin_sdk::HttpClient;
use std::sync::Arc;

use http::HeaderValue;
use http::header::HeaderName;
use mosaic_core::kb::KbOp;
use mosaic_core::{Capabilities, Result, Secret};
use mosaic_plugin_sdk::PluginFactory;
use serde::Deserialize;

use crate::config::HttpSettings;
use crate::http::{Auth, PageSize, Transport};

/// The provider name on every error Notion reports.
pub(crate) const PROVIDER: &str = "notion";

/// Page sizes: Notion serves at most 100 items (and takes at most 100
/// appended blocks) per request.
pub(crate) const PAGE_SIZE: PageSize = PageSize::new("page_size", 100, 100);

/// `e` named as Notion's error (the one place adapter-made errors are named).
pub(crate) fn named(e: mosaic_core::Error) -> mosaic_core::Error {
    e.with_provider(PROVIDER)
}

/// The plugin manifest (`plugin.json`).
pub const PLUGIN_MANIFEST: &str = include_str!("plugin.json");

/// The JSON Schema of [`NotionConfig`] (`config.schema.json`).
pub const CONFIG_SCHEMA: &str = include_str!("config.schema.json");

/// Notion's API.
pub const DEFAULT_BASE_URL: &str = "https://api.notion.com/v1";

/// The API version Mosaic is written against (sent as `Notion-Version`).
pub const API_VERSION: &str = "2022-06-28";

/// Configuration of a [`Notion`] provider (see [`CONFIG_SCHEMA`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NotionConfig {
    /// API base URL including `/v1`.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// An integration token (sent as `Authorization: Bearer`).
    pub token: Secret,
    /// Timeouts, user agent, retry and rate-limit settings.
    #[serde(flatten)]
    pub http: HttpSettings,
}

fn default_base_url() -> String {
    DEFAULT_BASE_URL.to_owned()
}

impl NotionConfig {
    /// Notion's API with an integration token.
    pub fn new(token: impl Into<Secret>) -> Self {
        NotionConfig {
            base_url: default_base_url(),
            token: token.into(),
            http: HttpSettings::default(),
        }
    }

    /// Another base URL (a proxy, or a test server).
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Parse a configuration object (as validated against [`CONFIG_SCHEMA`]).
    pub fn from_json(value: serde_json::Value) -> Result<Self> {
        crate::config::load(PROVIDER, CONFIG_SCHEMA, value)
    }
}

/// The Notion provider.
#[derive(Debug, Clone)]
pub struct Notion {
    pub(crate) http: Transport,
}

impl Notion {
    /// A provider from its configuration, with its own HTTP client.
    pub fn new(config: NotionConfig) -> Result<Self> {
        Self::build(config, None)
    }

    /// A provider that sends through `client`, an allowlisted client (a
    /// plugin's, from its context); the base URL must be on its allowlist.
    pub fn with_client(config: NotionConfig, client: HttpClient) -> Result<Self> {
        Self::build(config, Some(client))
    }

    fn build(config: NotionConfig, client: Option<HttpClient>) -> Result<Self> {
        let http = config
            .http
            .transport(PROVIDER, &config.base_url, client)
            .auth(Auth::Bearer(config.token))
            .page_size(PAGE_SIZE)
            .header(
                HeaderName::from_static("notion-version"),
                HeaderValue::from_static(API_VERSION),
            )
            .build()?;
        Ok(Notion { http })
    }

    /// A provider over a ready transport (which must send `Notion-Version`).
    pub fn from_transport(http: Transport) -> Self {
        Notion { http }
    }

    /// The transport (for calls Mosaic does not model).
    pub fn transport(&self) -> &Transport {
        &self.http
    }

    /// The operations Notion supports: all but moving pages, attachments
    /// and revisions.
    pub fn operations() -> Capabilities {
        Capabilities::all::<KbOp>()
            .without(KbOp::MovePage)
            .without(KbOp::UploadAttachment)
            .without(KbOp::ListRevisions)
    }
}

impl Notion {
    /// Decode a block-children listing body (`GET /v1/blocks/{id}/children`)
    /// and convert its blocks to Markdown, as `get_page` does for one
    /// level. Malformed bodies are `Decode` errors.
    pub fn parse_block_children(body: &[u8]) -> Result<String> {
        let list: wire::List<serde_json::Value> =
            crate::http::json::decode_as(body, "GET /blocks/{id}/children").map_err(named)?;
        let md = crate::convert::notion_to_markdown(&list.results).map_err(named)?;
        Ok(md.value)
    }
}

/// The Notion plugin factory (manifest with its configuration schema).
pub fn plugin_factory() -> Result<Arc<dyn PluginFactory>> {
    crate::catalog::provider_factory(PLUGIN_MANIFEST, CONFIG_SCHEMA, |c, http| {
        let cfg: NotionConfig = c.parse()?;
        let provider = Notion::with_client(cfg, http)?;
        Ok(mosaic_plugin_sdk::PluginServices::new().with_kb(Arc::new(provider)))
    })
}
