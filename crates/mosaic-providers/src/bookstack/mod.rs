//! BookStack (REST API) as a knowledge base.
//!
//! BookStack organises content as shelves › books › chapters › pages.
//! Mosaic maps it so:
//!
//! | Mosaic | BookStack |
//! |---|---|
//! | space | a **book** (`/api/books`); `Space::key` is the book's slug |
//! | `CreateSpace::parent` | a **shelf** id: the new book is added to that shelf |
//! | page | a **page** (`/api/pages`) of a book |
//! | `parent_id` of a page | a **chapter** id (pages never nest under pages) |
//! | page body | the page's Markdown; for pages written in the WYSIWYG editor, its HTML converted to Markdown ([`convert::html`](crate::convert::html)) |
//! | page version | the page's `revision_count`; `update_page` with another version is `Conflict` (checked just before writing) |
//! | move page | `PUT /api/pages/{id}` with the new `chapter_id` or `book_id` |
//! | attachments | `POST /api/attachments` (multipart) |
//! | search | `GET /api/search` with `{type:page}`; with `space_id`, results of other books are left out |
//! | export | `GET /api/pages/{id}/export/{markdown,html,pdf,plaintext}` (all four formats, rendered by BookStack) |
//! | comments | `/api/comments` (BookStack v25.07 and later; each comment's body is one read) |
//! | revisions | page create/update/restore events of the audit log (`/api/audit-log`, which needs the *settings-manage* and *users-manage* permissions); version numbers count down from the page's `revision_count` |
//!
//! Authentication: `Authorization: Token <token_id>:<token_secret>`.
//! Listings page by `offset` (the Mosaic cursor is the next offset);
//! search pages by page number.

mod kb;
pub(crate) mod wire;

use mosaic_plugin_sdk::HttpClient;
use std::sync::Arc;

use http::header::AUTHORIZATION;
use mosaic_core::kb::KbOp;
use mosaic_core::{Capabilities, Error, Result, Secret};
use mosaic_plugin_sdk::PluginFactory;
use serde::Deserialize;

use crate::config::HttpSettings;
use crate::http::{Auth, PageSize, Transport};

/// The provider name on every error BookStack reports.
pub(crate) const PROVIDER: &str = "bookstack";

/// Page sizes of listings (`count`): 50 unless asked, at most 500.
pub(crate) const PAGE_SIZE: PageSize = PageSize::new("count", 50, 500);

/// Page sizes of search results (`count`): 20 unless asked, at most 100.
pub(crate) const SEARCH_PAGE: PageSize = PageSize::new("count", 20, 100);

/// `e` named as BookStack's error (the one place adapter-made errors are named).
pub(crate) fn named(e: mosaic_core::Error) -> mosaic_core::Error {
    e.with_provider(PROVIDER)
}

/// The plugin manifest (`plugin.json`).
pub const PLUGIN_MANIFEST: &str = include_str!("plugin.json");

/// The JSON Schema of [`BookStackConfig`] (`config.schema.json`).
pub const CONFIG_SCHEMA: &str = include_str!("config.schema.json");

/// Configuration of a [`BookStack`] provider (see [`CONFIG_SCHEMA`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BookStackConfig {
    /// The instance's API URL, including `/api`.
    pub base_url: String,
    /// API token id.
    pub token_id: String,
    /// API token secret.
    pub token_secret: Secret,
    /// Timeouts, user agent, retry and rate-limit settings.
    #[serde(flatten)]
    pub http: HttpSettings,
}

impl BookStackConfig {
    /// The instance at `base_url` (`https://docs.example.com/api`) with an
    /// API token.
    pub fn new(
        base_url: impl Into<String>,
        token_id: impl Into<String>,
        token_secret: impl Into<Secret>,
    ) -> Self {
        BookStackConfig {
            base_url: base_url.into(),
            token_id: token_id.into(),
            token_secret: token_secret.into(),
            http: HttpSettings::default(),
        }
    }

    /// Parse a configuration object (as validated against [`CONFIG_SCHEMA`]).
    pub fn from_json(value: serde_json::Value) -> Result<Self> {
        crate::config::load(PROVIDER, CONFIG_SCHEMA, value)
    }
}

/// The BookStack provider.
#[derive(Debug, Clone)]
pub struct BookStack {
    pub(crate) http: Transport,
    /// The instance's web root (the base URL without `/api`).
    pub(crate) web: String,
}

impl BookStack {
    /// A provider from its configuration, with its own HTTP client.
    pub fn new(config: BookStackConfig) -> Result<Self> {
        Self::build(config, None)
    }

    /// A provider that sends through `client`, an allowlisted client (a
    /// plugin's, from its context); the base URL must be on its allowlist.
    pub fn with_client(config: BookStackConfig, client: HttpClient) -> Result<Self> {
        Self::build(config, Some(client))
    }

    fn build(config: BookStackConfig, client: Option<HttpClient>) -> Result<Self> {
        if config.token_id.contains(':') || config.token_id.trim().is_empty() {
            return Err(named(Error::config(
                "BookStack token id must be non-empty and contain no `:`",
            )));
        }
        let value = format!("Token {}:{}", config.token_id, config.token_secret.expose());
        let auth = Auth::Header {
            name: AUTHORIZATION,
            value: Secret::new(value),
        };
        let http = config
            .http
            .transport(PROVIDER, &config.base_url, client)
            .auth(auth)
            .page_size(PAGE_SIZE)
            .build()?;
        Ok(Self::from_transport(http))
    }

    /// A provider over a ready transport (based at the `/api` URL).
    pub fn from_transport(http: Transport) -> Self {
        let base = http.base_url().as_str().trim_end_matches('/');
        let web = base.strip_suffix("/api").unwrap_or(base).to_owned();
        BookStack { http, web }
    }

    /// The transport (for calls Mosaic does not model).
    pub fn transport(&self) -> &Transport {
        &self.http
    }

    /// The operations BookStack supports: all of them.
    pub fn operations() -> Capabilities {
        Capabilities::all::<KbOp>()
    }

    /// Decode a page (`GET /api/pages/{id}`) and produce its Markdown body,
    /// as `get_page` does. Malformed bodies are `Decode` errors.
    pub fn parse_page(body: &[u8]) -> Result<String> {
        let p: wire::Page = crate::http::json::decode_as(body, "GET /pages/{id}").map_err(named)?;
        kb::body_markdown(&p)
    }
}

/// The BookStack plugin factory (manifest with its configuration schema).
pub fn plugin_factory() -> Result<Arc<dyn PluginFactory>> {
    crate::catalog::provider_factory(PLUGIN_MANIFEST, CONFIG_SCHEMA, |c, http| {
        let cfg: BookStackConfig = c.parse()?;
        let provider = BookStack::with_client(cfg, http)?;
        Ok(mosaic_plugin_sdk::PluginServices::new().with_kb(Arc::new(provider)))
    })
}
