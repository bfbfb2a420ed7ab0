//! BookStack's JSON, as far as Mosaic reads it.

use serde::Deserialize;

/// A listing: `{"data": [...], "total": N}`.
#[derive(Debug, Clone, Deserialize)]
pub struct List<T> {
    /// Items.
    pub data: Vec<T>,
    /// Total matching items.
    #[serde(default)]
    pub total: u64,
}

/// A user reference (expanded on reads, an id on listings).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum UserRef {
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
    pub fn display(&self) -> String {
        match self {
            UserRef::User { name: Some(n), .. } => n.clone(),
            UserRef::User { id, .. } | UserRef::Id(id) => id.to_string(),
        }
    }
}

/// A book or a shelf.
#[derive(Debug, Clone, Deserialize)]
pub struct Book {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// URL slug.
    #[serde(default)]
    pub slug: String,
    /// Plain description.
    #[serde(default)]
    pub description: Option<String>,
}

/// A shelf's books (shelf read).
#[derive(Debug, Clone, Deserialize)]
pub struct Shelf {
    /// Id.
    pub id: u64,
    /// The books on it.
    #[serde(default)]
    pub books: Vec<Book>,
}

/// A page.
#[derive(Debug, Clone, Deserialize)]
pub struct Page {
    /// Id.
    pub id: u64,
    /// Book.
    pub book_id: u64,
    /// Chapter (0 when none).
    #[serde(default)]
    pub chapter_id: u64,
    /// Name.
    pub name: String,
    /// URL slug.
    #[serde(default)]
    pub slug: String,
    /// Rendered HTML (reads).
    #[serde(default)]
    pub html: Option<String>,
    /// Markdown source (empty for pages written in the WYSIWYG editor).
    #[serde(default)]
    pub markdown: Option<String>,
    /// Number of revisions.
    #[serde(default)]
    pub revision_count: Option<u64>,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last update time.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// The book's slug (listings).
    #[serde(default)]
    pub book_slug: Option<String>,
}

/// An attachment.
#[derive(Debug, Clone, Deserialize)]
pub struct Attachment {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// File extension.
    #[serde(default)]
    pub extension: String,
    /// Page id.
    pub uploaded_to: u64,
}

/// `preview_html` of a search result.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Preview {
    /// Highlighted content excerpt (HTML).
    #[serde(default)]
    pub content: Option<String>,
}

/// One search result (shelf, book, chapter or page).
#[derive(Debug, Clone, Deserialize)]
pub struct SearchResult {
    /// Id.
    pub id: u64,
    /// `bookshelf`, `book`, `chapter` or `page`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Name.
    pub name: String,
    /// Book (chapters and pages).
    #[serde(default)]
    pub book_id: Option<u64>,
    /// Web URL.
    #[serde(default)]
    pub url: Option<String>,
    /// Highlights.
    #[serde(default)]
    pub preview_html: Preview,
}

/// A comment (v25.07+ comments API).
#[derive(Debug, Clone, Deserialize)]
pub struct Comment {
    /// Id.
    pub id: u64,
    /// Body as HTML (single reads only).
    #[serde(default)]
    pub html: Option<String>,
    /// Author.
    #[serde(default)]
    pub created_by: Option<UserRef>,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<String>,
}

/// An audit-log event.
#[derive(Debug, Clone, Deserialize)]
pub struct Activity {
    /// Id.
    pub id: u64,
    /// `page_create`, `page_update`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// Detail text.
    #[serde(default)]
    pub detail: Option<String>,
    /// When.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Who.
    #[serde(default)]
    pub user: Option<UserRef>,
}
