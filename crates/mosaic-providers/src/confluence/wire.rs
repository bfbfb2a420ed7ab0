//! Confluence Cloud's JSON (REST v2, and v1 where v2 lacks an operation),
//! as far as Mosaic reads it.

use serde::Deserialize;

/// `_links` of an object or a listing.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Links {
    /// Web UI path, relative to `base`.
    #[serde(default)]
    pub webui: Option<String>,
    /// The site's wiki base URL.
    #[serde(default)]
    pub base: Option<String>,
    /// The next page of a listing (relative URL with a `cursor` parameter).
    #[serde(default)]
    pub next: Option<String>,
    /// Download path (attachments).
    #[serde(default)]
    pub download: Option<String>,
}

/// A v2 listing: `{"results": [...], "_links": {"next": ...}}`.
#[derive(Debug, Clone, Deserialize)]
pub struct List<T> {
    /// Items.
    pub results: Vec<T>,
    /// Links.
    #[serde(default, rename = "_links")]
    pub links: Links,
}

/// A text value in some representation.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Value {
    /// The text.
    #[serde(default)]
    pub value: String,
}

/// A description in plain text (v1 and v2 with `description-format=plain`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Description {
    /// Plain text.
    #[serde(default)]
    pub plain: Option<Value>,
}

/// A space (v2, and v1's shape which shares these fields).
#[derive(Debug, Clone, Deserialize)]
pub struct Space {
    /// Id (a number in v1, a string in v2).
    pub id: serde_json::Value,
    /// Key.
    pub key: String,
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<Description>,
    /// Home page id (v2).
    #[serde(default, rename = "homepageId")]
    pub homepage_id: Option<String>,
    /// Links.
    #[serde(default, rename = "_links")]
    pub links: Links,
}

/// Page version information.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Version {
    /// Version number.
    pub number: u64,
    /// Change message.
    #[serde(default)]
    pub message: Option<String>,
    /// Author account id.
    #[serde(default, rename = "authorId")]
    pub author_id: Option<String>,
    /// When this version was made.
    #[serde(default, rename = "createdAt")]
    pub created_at: Option<String>,
}

/// A page body.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Body {
    /// Storage format.
    #[serde(default)]
    pub storage: Option<Value>,
    /// Export view (HTML).
    #[serde(default)]
    pub export_view: Option<Value>,
}

/// A page (v2).
#[derive(Debug, Clone, Deserialize)]
pub struct Page {
    /// Id.
    pub id: String,
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Space id.
    #[serde(default, rename = "spaceId")]
    pub space_id: Option<String>,
    /// Parent page id.
    #[serde(default, rename = "parentId")]
    pub parent_id: Option<String>,
    /// Creation time.
    #[serde(default, rename = "createdAt")]
    pub created_at: Option<String>,
    /// Current version.
    #[serde(default)]
    pub version: Option<Version>,
    /// Body, when asked for.
    #[serde(default)]
    pub body: Option<Body>,
    /// Links.
    #[serde(default, rename = "_links")]
    pub links: Links,
}

/// A footer comment (v2).
#[derive(Debug, Clone, Deserialize)]
pub struct Comment {
    /// Id.
    pub id: String,
    /// Version (author and time).
    #[serde(default)]
    pub version: Option<Version>,
    /// Body.
    #[serde(default)]
    pub body: Option<Body>,
}

/// Attachment extensions (v1).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Extensions {
    /// Media type.
    #[serde(default, rename = "mediaType")]
    pub media_type: Option<String>,
    /// Size in bytes.
    #[serde(default, rename = "fileSize")]
    pub file_size: Option<u64>,
}

/// An attachment (v1).
#[derive(Debug, Clone, Deserialize)]
pub struct Attachment {
    /// Id (`att123`).
    pub id: String,
    /// File name.
    pub title: String,
    /// Extensions.
    #[serde(default)]
    pub extensions: Extensions,
    /// Links.
    #[serde(default, rename = "_links")]
    pub links: Links,
}

/// v1 attachment upload answer.
#[derive(Debug, Clone, Deserialize)]
pub struct Attachments {
    /// The uploaded attachments.
    pub results: Vec<Attachment>,
}

/// The content of a v1 search result.
#[derive(Debug, Clone, Deserialize)]
pub struct SearchContent {
    /// Id.
    pub id: String,
    /// `page`, `blogpost`, …
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Space (when expanded).
    #[serde(default)]
    pub space: Option<SearchSpace>,
}

/// A space in a v1 search result.
#[derive(Debug, Clone, Deserialize)]
pub struct SearchSpace {
    /// Id.
    #[serde(default)]
    pub id: Option<serde_json::Value>,
    /// Key.
    #[serde(default)]
    pub key: Option<String>,
}

/// One v1 search result.
#[derive(Debug, Clone, Deserialize)]
pub struct SearchResult {
    /// The content found.
    #[serde(default)]
    pub content: Option<SearchContent>,
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Excerpt (may contain highlight markers).
    #[serde(default)]
    pub excerpt: Option<String>,
    /// Web path relative to the wiki base.
    #[serde(default)]
    pub url: Option<String>,
}

/// A v1 search answer.
#[derive(Debug, Clone, Deserialize)]
pub struct Search {
    /// Results.
    pub results: Vec<SearchResult>,
    /// Total matches.
    #[serde(default, rename = "totalSize")]
    pub total_size: Option<u64>,
    /// Links (`next`).
    #[serde(default, rename = "_links")]
    pub links: Links,
}
