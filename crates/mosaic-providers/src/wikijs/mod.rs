//! Wiki.js 2.x (GraphQL API at `/graphql`) as a knowledge base.
//!
//! | Mosaic | Wiki.js |
//! |---|---|
//! | space | an installed **locale** (`localization { locales }`); spaces cannot be created, changed or deleted through the API (`Unsupported`) |
//! | page | a page (`pages { single }`), addressed by id; its place is its *path* |
//! | `parent_id` | a folder path (`docs/guides`): pages are created at `<parent_id>/<slug of the title>` and listed below it |
//! | page body | Markdown pages as they are; pages of other editors (visual editor, raw HTML, AsciiDoc) converted from their HTML ([`convert::html`](crate::convert::html)) |
//! | page version | the page's last update time in milliseconds since the Unix epoch; `update_page` with a version asks Wiki.js (`checkConflicts`) and is `Conflict` when the page changed since |
//! | move page | `pages { move }` to a new folder or locale (the page keeps its last path segment) |
//! | search | `pages { search }` (in one locale with `space_id`) |
//! | comments | `comments { create, list }` (Markdown) |
//! | revisions | `pages { history }` |
//! | export | through the document model (Markdown, plain text); HTML is Wiki.js's rendering; PDF is `Unsupported` |
//!
//! Attachments (assets) are uploaded outside GraphQL and are
//! `Unsupported`. Listings that Wiki.js returns whole (pages, search
//! results, comments) are paged by Mosaic with offset cursors.
//!
//! Authentication: an API key sent as `Authorization: Bearer`.

mod graphql;
mod kb;
pub(crate) mod wire;

use mosaic_plugin_sdk::HttpClient;
use std::sync::Arc;

use mosaic_core::kb::KbOp;
use mosaic_core::{Capabilities, Error, Result, Secret};
use mosaic_plugin_sdk::PluginFactory;
use serde::Deserialize;

use crate::config::HttpSettings;
use crate::http::{Auth, PageSize, Transport};

/// The provider name on every error Wiki.js reports.
pub(crate) const PROVIDER: &str = "wikijs";

/// Page sizes: 50 items unless asked; history pages (`offsetSize`) at
/// most 100.
pub(crate) const PAGE_SIZE: PageSize = PageSize::new("offsetSize", 50, 100);

/// `e` named as Wiki.js's error (the one place adapter-made errors are named).
pub(crate) fn named(e: mosaic_core::Error) -> mosaic_core::Error {
    e.with_provider(PROVIDER)
}

pub use graphql::{
    CHECK_CONFLICTS, COMMENT, COMMENTS, CREATE, DELETE, HISTORY, LIST, LOCALES, MOVE, PAGE, SEARCH,
    UPDATE,
};

/// The plugin manifest (`plugin.json`).
pub const PLUGIN_MANIFEST: &str = include_str!("plugin.json");

/// The JSON Schema of [`WikiJsConfig`] (`config.schema.json`).
pub const CONFIG_SCHEMA: &str = include_str!("config.schema.json");

/// The editor (source format) of pages Mosaic creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Editor {
    /// Markdown.
    #[default]
    Markdown,
    /// The visual editor (HTML).
    Ckeditor,
}

impl Editor {
    /// Wiki.js's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Editor::Markdown => "markdown",
            Editor::Ckeditor => "ckeditor",
        }
    }
}

fn default_locale() -> String {
    "en".to_owned()
}

/// Configuration of a [`WikiJs`] provider (see [`CONFIG_SCHEMA`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WikiJsConfig {
    /// The wiki's URL (GraphQL at `<base_url>/graphql`).
    pub base_url: String,
    /// API key.
    pub token: Secret,
    /// Locale of pages created without a space.
    #[serde(default = "default_locale")]
    pub locale: String,
    /// Editor of pages Mosaic creates from Markdown.
    #[serde(default)]
    pub editor: Editor,
    /// Timeouts, user agent, retry and rate-limit settings.
    #[serde(flatten)]
    pub http: HttpSettings,
}

impl WikiJsConfig {
    /// The wiki at `base_url` with an API key.
    pub fn new(base_url: impl Into<String>, token: impl Into<Secret>) -> Self {
        WikiJsConfig {
            base_url: base_url.into(),
            token: token.into(),
            locale: default_locale(),
            editor: Editor::Markdown,
            http: HttpSettings::default(),
        }
    }

    /// Parse a configuration object (as validated against [`CONFIG_SCHEMA`]).
    pub fn from_json(value: serde_json::Value) -> Result<Self> {
        crate::config::load(PROVIDER, CONFIG_SCHEMA, value)
    }
}

/// The Wiki.js provider.
#[derive(Debug, Clone)]
pub struct WikiJs {
    pub(crate) http: Transport,
    pub(crate) locale: String,
    pub(crate) editor: Editor,
}

impl WikiJs {
    /// A provider from its configuration, with its own HTTP client.
    pub fn new(config: WikiJsConfig) -> Result<Self> {
        Self::build(config, None)
    }

    /// A provider that sends through `client`, an allowlisted client (a
    /// plugin's, from its context); the base URL must be on its allowlist.
    pub fn with_client(config: WikiJsConfig, client: HttpClient) -> Result<Self> {
        Self::build(config, Some(client))
    }

    fn build(config: WikiJsConfig, client: Option<HttpClient>) -> Result<Self> {
        let http = config
            .http
            .transport(PROVIDER, &config.base_url, client)
            .auth(Auth::Bearer(config.token))
            .build()?;
        Ok(WikiJs {
            http,
            locale: config.locale,
            editor: config.editor,
        })
    }

    /// The transport (for calls Mosaic does not model).
    pub fn transport(&self) -> &Transport {
        &self.http
    }

    /// The operations Wiki.js supports: all but space writes and
    /// attachments.
    pub fn operations() -> Capabilities {
        Capabilities::all::<KbOp>()
            .without(KbOp::CreateSpace)
            .without(KbOp::UpdateSpace)
            .without(KbOp::DeleteSpace)
            .without(KbOp::UploadAttachment)
    }

    /// Decode a `pages { single }` answer and produce the page's Markdown
    /// body, as `get_page` does. GraphQL errors and malformed bodies are
    /// typed errors.
    pub fn parse_page(body: &[u8]) -> Result<String> {
        let data: wire::PagesData<wire::Single> =
            graphql::decode_envelope(body, "query pages.single")?;
        let page = data
            .pages
            .single
            .ok_or_else(|| named(Error::not_found("page not found")))?;
        kb::body_markdown(&page)
    }
}

/// The Wiki.js plugin factory (manifest with its configuration schema).
pub fn plugin_factory() -> Result<Arc<dyn PluginFactory>> {
    crate::catalog::provider_factory(PLUGIN_MANIFEST, CONFIG_SCHEMA, |c, http| {
        let cfg: WikiJsConfig = c.parse()?;
        let provider = WikiJs::with_client(cfg, http)?;
        Ok(mosaic_plugin_sdk::PluginServices::new().with_kb(Arc::new(provider)))
    })
}
