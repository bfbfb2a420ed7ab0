//! Confluence Cloud as a knowledge base: REST v2 for spaces, pages,
//! comments, versions and attachments, v1 where v2 has no endpoint.
//!
//! | Mosaic | Confluence |
//! |---|---|
//! | list / get space | `GET /api/v2/spaces`, `GET /api/v2/spaces/{id}` |
//! | create / update / delete space | v1 `POST /rest/api/space`, `PUT`/`DELETE /rest/api/space/{key}` (the key is looked up from the id) |
//! | pages | `/api/v2/pages` with `body-format=storage`; bodies converted between Markdown and storage format ([`convert::confluence`](crate::convert::confluence)) |
//! | update page | `PUT /api/v2/pages/{id}` with `version.number` = the given version + 1; a stale version is `Conflict` |
//! | move page | v1 `PUT /rest/api/content/{id}/move/append/{target}` (target: the new parent, or the space's home page) |
//! | attachments | v1 `POST /rest/api/content/{id}/child/attachment` (multipart) |
//! | search | CQL through v1 `GET /rest/api/search` (v2 has no search) |
//! | comments | `/api/v2/footer-comments` |
//! | revisions | `GET /api/v2/pages/{id}/versions` |
//! | export | storage converted to Markdown or plain text; HTML from `body-format=export_view`; PDF is `Unsupported` |
//!
//! Authentication: an Atlassian account e-mail and API token (basic auth).
//! Listings use Confluence's cursors: the `cursor` parameter of the
//! `_links.next` URL is the Mosaic cursor.

mod kb;
pub(crate) mod wire;

use mosaic_plugin_sdk::HttpClient;
use std::sync::Arc;

use mosaic_core::kb::KbOp;
use mosaic_core::{Capabilities, Result, Secret};
use mosaic_plugin_sdk::PluginFactory;
use serde::Deserialize;

use crate::config::HttpSettings;
use crate::http::{Auth, PageSize, Transport};

/// The provider name on every error Confluence reports.
pub(crate) const PROVIDER: &str = "confluence";

/// Page sizes: 25 items unless asked, at most 250 (the v2 API's limit).
pub(crate) const PAGE_SIZE: PageSize = PageSize::new("limit", 25, 250);

/// `e` named as Confluence's error (the one place adapter-made errors are named).
pub(crate) fn named(e: mosaic_core::Error) -> mosaic_core::Error {
    e.with_provider(PROVIDER)
}

/// The plugin manifest (`plugin.json`).
pub const PLUGIN_MANIFEST: &str = include_str!("plugin.json");

/// The JSON Schema of [`ConfluenceConfig`] (`config.schema.json`).
pub const CONFIG_SCHEMA: &str = include_str!("config.schema.json");

/// Configuration of a [`Confluence`] provider (see [`CONFIG_SCHEMA`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ConfluenceConfig {
    /// The site's wiki URL, e.g. `https://example.atlassian.net/wiki`.
    pub base_url: String,
    /// The account e-mail the API token belongs to.
    pub email: String,
    /// The API token.
    pub api_token: Secret,
    /// Timeouts, user agent, retry and rate-limit settings.
    #[serde(flatten)]
    pub http: HttpSettings,
}

impl ConfluenceConfig {
    /// The site at `base_url` (`https://example.atlassian.net/wiki`) with
    /// an e-mail and API token.
    pub fn new(
        base_url: impl Into<String>,
        email: impl Into<String>,
        api_token: impl Into<Secret>,
    ) -> Self {
        ConfluenceConfig {
            base_url: base_url.into(),
            email: email.into(),
            api_token: api_token.into(),
            http: HttpSettings::default(),
        }
    }

    /// Parse a configuration object (as validated against [`CONFIG_SCHEMA`]).
    pub fn from_json(value: serde_json::Value) -> Result<Self> {
        crate::config::load(PROVIDER, CONFIG_SCHEMA, value)
    }
}

/// The Confluence Cloud provider.
#[derive(Debug, Clone)]
pub struct Confluence {
    pub(crate) http: Transport,
}

impl Confluence {
    /// A provider from its configuration, with its own HTTP client.
    pub fn new(config: ConfluenceConfig) -> Result<Self> {
        Self::build(config, None)
    }

    /// A provider that sends through `client`, an allowlisted client (a
    /// plugin's, from its context); the base URL must be on its allowlist.
    pub fn with_client(config: ConfluenceConfig, client: HttpClient) -> Result<Self> {
        Self::build(config, Some(client))
    }

    fn build(config: ConfluenceConfig, client: Option<HttpClient>) -> Result<Self> {
        let http = config
            .http
            .transport(PROVIDER, &config.base_url, client)
            .auth(Auth::basic(config.email, config.api_token))
            .page_size(PAGE_SIZE)
            .build()?;
        Ok(Confluence { http })
    }

    /// A provider over a ready transport (based at the wiki URL).
    pub fn from_transport(http: Transport) -> Self {
        Confluence { http }
    }

    /// The transport (for calls Mosaic does not model).
    pub fn transport(&self) -> &Transport {
        &self.http
    }

    /// The operations Confluence supports: all of them.
    pub fn operations() -> Capabilities {
        Capabilities::all::<KbOp>()
    }

    /// Decode a page body (`GET /api/v2/pages/{id}?body-format=storage`)
    /// and convert its storage body to Markdown, as `get_page` does.
    /// Malformed bodies are `Decode` errors.
    pub fn parse_page(body: &[u8]) -> Result<String> {
        let page: wire::Page =
            crate::http::json::decode_as(body, "GET /api/v2/pages/{id}").map_err(named)?;
        let storage = page
            .body
            .and_then(|b| b.storage)
            .map(|s| s.value)
            .unwrap_or_default();
        let md = crate::convert::storage_to_markdown(&storage).map_err(named)?;
        Ok(md.value)
    }
}

/// The Confluence plugin factory (manifest with its configuration schema).
pub fn plugin_factory() -> Result<Arc<dyn PluginFactory>> {
    crate::catalog::provider_factory(PLUGIN_MANIFEST, CONFIG_SCHEMA, |c, http| {
        let cfg: ConfluenceConfig = c.parse()?;
        let provider = Confluence::with_client(cfg, http)?;
        Ok(mosaic_plugin_sdk::PluginServices::new().with_kb(Arc::new(provider)))
    })
}
