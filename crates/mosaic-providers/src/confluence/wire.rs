//! Confluence Cloud's JSON (REST v2, and v1 where v2 lacks an operation),
//! as far as Mosaic reads it.

use mosaic_core::Cursor;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::http::{HttpResponse, PageBody};

/// `_links` of an object or a listing.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Links {
    /// Web UI path, relative to `base`.
    #[serde(default)]
    pub(crate) webui: Option<String>,
    /// The site's wiki base URL.
    #[serde(default)]
    pub(crate) base: Option<String>,
    /// The next page of a listing (relative URL with a `cursor` parameter).
    #[serde(default)]
    pub(crate) next: Option<String>,
    /// Download path (attachments).
    #[serde(default)]
    pub(crate) download: Option<String>,
}

/// A v2 listing: `{"results": [...], "_links": {"next": ...}}`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct List<T> {
    /// Items.
    pub(crate) results: Vec<T>,
    /// Links.
    #[serde(default, rename = "_links")]
    pub(crate) links: Links,
}

impl<T: DeserializeOwned> PageBody for List<T> {
    type Item = T;
    fn into_page(self, _: &HttpResponse) -> mosaic_core::Page<T> {
        mosaic_core::Page::new(self.results, self.links.next_cursor())
    }
}

impl Links {
    /// The `cursor` parameter of the `next` link: the token the next page
    /// is asked for with.
    pub(crate) fn next_cursor(&self) -> Option<Cursor> {
        let url = Url::parse("http://confluence.invalid")
            .ok()?
            .join(self.next.as_deref()?)
            .ok()?;
        url.query_pairs()
            .find(|(k, _)| k == "cursor")
            .map(|(_, v)| Cursor::new(v.into_owned()))
    }
}

/// A text value in some representation.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Value {
    /// The text.
    #[serde(default)]
    pub(crate) value: String,
}

/// A description in plain text (v1 and v2 with `description-format=plain`).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Description {
    /// Plain text.
    #[serde(default)]
    pub(crate) plain: Option<Value>,
}

/// A space (v2, and v1's shape which shares these fields).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Space {
    /// Id (a number in v1, a string in v2).
    pub(crate) id: serde_json::Value,
    /// Key.
    pub(crate) key: String,
    /// Name.
    pub(crate) name: String,
    /// Description.
    #[serde(default)]
    pub(crate) description: Option<Description>,
    /// Home page id (v2).
    #[serde(default, rename = "homepageId")]
    pub(crate) homepage_id: Option<String>,
    /// Links.
    #[serde(default, rename = "_links")]
    pub(crate) links: Links,
}

/// Page version information.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Version {
    /// Version number.
    pub(crate) number: u64,
    /// Change message.
    #[serde(default)]
    pub(crate) message: Option<String>,
    /// Author account id.
    #[serde(default, rename = "authorId")]
    pub(crate) author_id: Option<String>,
    /// When this version was made.
    #[serde(default, rename = "createdAt")]
    pub(crate) created_at: Option<String>,
}

/// A page body.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Body {
    /// Storage format.
    #[serde(default)]
    pub(crate) storage: Option<Value>,
    /// Export view (HTML).
    #[serde(default)]
    pub(crate) export_view: Option<Value>,
}

/// A page (v2).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Page {
    /// Id.
    pub(crate) id: String,
    /// Title.
    #[serde(default)]
    pub(crate) title: String,
    /// Space id.
    #[serde(default, rename = "spaceId")]
    pub(crate) space_id: Option<String>,
    /// Parent page id.
    #[serde(default, rename = "parentId")]
    pub(crate) parent_id: Option<String>,
    /// Creation time.
    #[serde(default, rename = "createdAt")]
    pub(crate) created_at: Option<String>,
    /// Current version.
    #[serde(default)]
    pub(crate) version: Option<Version>,
    /// Body, when asked for.
    #[serde(default)]
    pub(crate) body: Option<Body>,
    /// Links.
    #[serde(default, rename = "_links")]
    pub(crate) links: Links,
}

/// A footer comment (v2).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Comment {
    /// Id.
    pub(crate) id: String,
    /// Version (author and time).
    #[serde(default)]
    pub(crate) version: Option<Version>,
    /// Body.
    #[serde(default)]
    pub(crate) body: Option<Body>,
}

/// Attachment extensions (v1).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Extensions {
    /// Media type.
    #[serde(default, rename = "mediaType")]
    pub(crate) media_type: Option<String>,
    /// Size in bytes.
    #[serde(default, rename = "fileSize")]
    pub(crate) file_size: Option<u64>,
}

/// An attachment (v1).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Attachment {
    /// Id (`att123`).
    pub(crate) id: String,
    /// File name.
    pub(crate) title: String,
    /// Extensions.
    #[serde(default)]
    pub(crate) extensions: Extensions,
    /// Links.
    #[serde(default, rename = "_links")]
    pub(crate) links: Links,
}

/// v1 attachment upload answer.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Attachments {
    /// The uploaded attachments.
    pub(crate) results: Vec<Attachment>,
}

/// The content of a v1 search result.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SearchContent {
    /// Id.
    pub(crate) id: String,
    /// Space (when expanded).
    #[serde(default)]
    pub(crate) space: Option<SearchSpace>,
}

/// A space in a v1 search result.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SearchSpace {
    /// Id.
    #[serde(default)]
    pub(crate) id: Option<serde_json::Value>,
}

/// One v1 search result.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SearchResult {
    /// The content found.
    #[serde(default)]
    pub(crate) content: Option<SearchContent>,
    /// Title.
    #[serde(default)]
    pub(crate) title: String,
    /// Excerpt (may contain highlight markers).
    #[serde(default)]
    pub(crate) excerpt: Option<String>,
    /// Web path relative to the wiki base.
    #[serde(default)]
    pub(crate) url: Option<String>,
}

/// A v1 search answer.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Search {
    /// Results.
    pub(crate) results: Vec<SearchResult>,
    /// Total matches.
    #[serde(default, rename = "totalSize")]
    pub(crate) total_size: Option<u64>,
    /// Links (`next`).
    #[serde(default, rename = "_links")]
    pub(crate) links: Links,
}
