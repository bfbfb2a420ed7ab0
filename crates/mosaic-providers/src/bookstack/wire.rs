//! BookStack's JSON, as far as Mosaic reads it.

use serde::Deserialize;

/// A listing: `{"data": [...], "total": N}`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct List<T> {
    /// Items.
    pub(crate) data: Vec<T>,
    /// Total matching items.
    #[serde(default)]
    pub(crate) total: u64,
}

/// A user reference (expanded on reads, an id on listings).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum UserRef {
    /// `{"id": 1, "name": "Admin", "slug": "admin"}`.
    User {
        /// Id.
        id: u64,
        /// Display name.
        #[serde(default)]
        name: Option<String>,
    },
    /// A bare id.
    Id(u64),
}

impl UserRef {
    /// The name, or the id.
    pub(crate) fn display(&self) -> String {
        match self {
            UserRef::User { name: Some(n), .. } => n.clone(),
            UserRef::User { id, .. } | UserRef::Id(id) => id.to_string(),
        }
    }
}

/// A book or a shelf.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Book {
    /// Id.
    pub(crate) id: u64,
    /// Name.
    pub(crate) name: String,
    /// URL slug.
    #[serde(default)]
    pub(crate) slug: String,
    /// Plain description.
    #[serde(default)]
    pub(crate) description: Option<String>,
}

/// A shelf's books (shelf read).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Shelf {
    /// Id.
    #[allow(dead_code)] // required in the answer, not read
    pub(crate) id: u64,
    /// The books on it.
    #[serde(default)]
    pub(crate) books: Vec<Book>,
}

/// A page.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Page {
    /// Id.
    pub(crate) id: u64,
    /// Book.
    pub(crate) book_id: u64,
    /// Chapter (0 when none).
    #[serde(default)]
    pub(crate) chapter_id: u64,
    /// Name.
    pub(crate) name: String,
    /// Rendered HTML (reads).
    #[serde(default)]
    pub(crate) html: Option<String>,
    /// Markdown source (empty for pages written in the WYSIWYG editor).
    #[serde(default)]
    pub(crate) markdown: Option<String>,
    /// Number of revisions.
    #[serde(default)]
    pub(crate) revision_count: Option<u64>,
    /// Creation time.
    #[serde(default)]
    pub(crate) created_at: Option<String>,
    /// Last update time.
    #[serde(default)]
    pub(crate) updated_at: Option<String>,
}

/// An attachment.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Attachment {
    /// Id.
    pub(crate) id: u64,
    /// Name.
    pub(crate) name: String,
    /// Page id.
    pub(crate) uploaded_to: u64,
}

/// `preview_html` of a search result.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Preview {
    /// Highlighted content excerpt (HTML).
    #[serde(default)]
    pub(crate) content: Option<String>,
}

/// One search result (shelf, book, chapter or page).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SearchResult {
    /// Id.
    pub(crate) id: u64,
    /// `bookshelf`, `book`, `chapter` or `page`.
    #[serde(rename = "type")]
    pub(crate) kind: String,
    /// Name.
    pub(crate) name: String,
    /// Book (chapters and pages).
    #[serde(default)]
    pub(crate) book_id: Option<u64>,
    /// Web URL.
    #[serde(default)]
    pub(crate) url: Option<String>,
    /// Highlights.
    #[serde(default)]
    pub(crate) preview_html: Preview,
}

/// A comment (v25.07+ comments API).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Comment {
    /// Id.
    pub(crate) id: u64,
    /// Body as HTML (single reads only).
    #[serde(default)]
    pub(crate) html: Option<String>,
    /// Author.
    #[serde(default)]
    pub(crate) created_by: Option<UserRef>,
    /// Creation time.
    #[serde(default)]
    pub(crate) created_at: Option<String>,
}

/// An audit-log event.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Activity {
    /// Id.
    pub(crate) id: u64,
    /// `page_create`, `page_update`, …
    #[serde(rename = "type")]
    pub(crate) kind: String,
    /// Detail text.
    #[serde(default)]
    pub(crate) detail: Option<String>,
    /// When.
    #[serde(default)]
    pub(crate) created_at: Option<String>,
    /// Who.
    #[serde(default)]
    pub(crate) user: Option<UserRef>,
}
