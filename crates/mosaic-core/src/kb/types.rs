//! Knowledge-base domain types: spaces, pages, attachments, search,
//! export/import, comments and revisions.
//!
//! A *space* is a Notion database or top-level page, a BookStack book (or
//! shelf), a Confluence space, a Wiki.js locale root. Page bodies are
//! Markdown; adapters convert to and from the provider's own format.

use serde::{Deserialize, Serialize};

use crate::page::{PageRequest, paginated};

#[cfg(test)]
use proptest_derive::Arbitrary;

/// A space: the container of pages.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Space {
    /// The provider's id.
    pub id: String,
    /// Short key, where the provider has one (Confluence `ENG`, BookStack slug).
    pub key: Option<String>,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Web page.
    pub web_url: Option<String>,
}

/// Parameters of `create_space`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct CreateSpace {
    /// Short key, where the provider needs one.
    pub key: Option<String>,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Parent container, where the provider nests spaces (a Notion parent page).
    pub parent: Option<String>,
}

/// Parameters of `update_space`: only the `Some` fields change.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct UpdateSpace {
    /// Space id.
    pub id: String,
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
}

/// A space by id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct SpaceRef {
    /// Space id.
    pub id: String,
}

/// Parameters of `list_spaces`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListSpaces {
    /// Which page.
    pub page: PageRequest,
}

/// A page of a knowledge base.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct KbPage {
    /// The provider's id.
    pub id: String,
    /// The space it is in.
    pub space_id: String,
    /// The parent page (or chapter), if nested.
    pub parent_id: Option<String>,
    /// Title.
    pub title: String,
    /// Body as Markdown (`None` when not fetched).
    pub body: Option<String>,
    /// Version number (pass it back on update for optimistic locking).
    pub version: Option<u64>,
    /// Web page.
    pub web_url: Option<String>,
    /// Creation time (RFC 3339).
    pub created_at: Option<String>,
    /// Last update time (RFC 3339).
    pub updated_at: Option<String>,
}

/// Parameters of `create_page`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct CreateKbPage {
    /// The space.
    pub space_id: String,
    /// Parent page or chapter.
    pub parent_id: Option<String>,
    /// Title.
    pub title: String,
    /// Body as Markdown.
    pub body: String,
}

/// A page by id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct KbPageRef {
    /// Page id.
    pub id: String,
}

/// Parameters of `update_page`: only the `Some` fields change.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct UpdateKbPage {
    /// Page id.
    pub id: String,
    /// New title.
    pub title: Option<String>,
    /// New body as Markdown.
    pub body: Option<String>,
    /// The version being replaced; a mismatch is `Conflict`.
    pub version: Option<u64>,
}

/// Parameters of `move_page`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct MoveKbPage {
    /// Page id.
    pub id: String,
    /// New space (`None` keeps it).
    pub space_id: Option<String>,
    /// New parent (`None` moves it to the space root).
    pub parent_id: Option<String>,
}

/// Parameters of `list_pages`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListKbPages {
    /// The space.
    pub space_id: String,
    /// Only children of this page.
    pub parent_id: Option<String>,
    /// Which page of results.
    pub page: PageRequest,
}

/// An attached file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Attachment {
    /// The provider's id.
    pub id: String,
    /// The page it is attached to.
    pub page_id: String,
    /// File name.
    pub filename: String,
    /// Media type.
    pub media_type: Option<String>,
    /// Size in bytes.
    pub size: u64,
    /// Download URL.
    pub download_url: Option<String>,
}

/// Parameters of `upload_attachment`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct UploadAttachment {
    /// Page id.
    pub page_id: String,
    /// File name.
    pub filename: String,
    /// Media type.
    pub media_type: Option<String>,
    /// Bytes.
    pub content: Vec<u8>,
}

/// Parameters of `search`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Search {
    /// Text to find.
    pub query: String,
    /// Only in this space.
    pub space_id: Option<String>,
    /// Which page of results.
    pub page: PageRequest,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct SearchHit {
    /// Page id.
    pub page_id: String,
    /// Space id, where reported.
    pub space_id: Option<String>,
    /// Title.
    pub title: String,
    /// Matching excerpt.
    pub excerpt: Option<String>,
    /// Web page.
    pub web_url: Option<String>,
}

/// Export and import formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
#[serde(rename_all = "snake_case")]
pub enum DocFormat {
    /// Markdown.
    #[default]
    Markdown,
    /// HTML.
    Html,
    /// PDF.
    Pdf,
    /// Plain text.
    PlainText,
}

/// Parameters of `export_page`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ExportKbPage {
    /// Page id.
    pub id: String,
    /// Format.
    pub format: DocFormat,
}

/// An exported page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ExportedDoc {
    /// Format.
    pub format: DocFormat,
    /// Bytes.
    pub content: Vec<u8>,
}

/// Parameters of `import_page`: create a page from a document.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ImportKbPage {
    /// The space.
    pub space_id: String,
    /// Parent page.
    pub parent_id: Option<String>,
    /// Title.
    pub title: String,
    /// Format of `content` (Markdown, HTML or plain text).
    pub format: DocFormat,
    /// Bytes.
    pub content: Vec<u8>,
}

/// A comment on a page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Comment {
    /// The provider's id.
    pub id: String,
    /// Author.
    pub author: Option<String>,
    /// Body as Markdown.
    pub body: String,
    /// Creation time (RFC 3339).
    pub created_at: Option<String>,
}

/// Parameters of `add_comment`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct AddComment {
    /// Page id.
    pub page_id: String,
    /// Body as Markdown.
    pub body: String,
}

/// Parameters of `list_comments`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListComments {
    /// Page id.
    pub page_id: String,
    /// Which page of results.
    pub page: PageRequest,
}

/// One revision of a page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Revision {
    /// The provider's id.
    pub id: String,
    /// Version number.
    pub version: u64,
    /// Author.
    pub author: Option<String>,
    /// Change summary.
    pub message: Option<String>,
    /// Time (RFC 3339).
    pub created_at: Option<String>,
}

/// Parameters of `list_revisions`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListRevisions {
    /// Page id.
    pub page_id: String,
    /// Which page of results.
    pub page: PageRequest,
}

paginated!(ListSpaces, ListKbPages, Search, ListComments, ListRevisions);
