//! Notion's JSON, as far as Mosaic reads it (API version 2022-06-28).

use mosaic_core::Cursor;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::http::{HttpResponse, PageBody};

/// A paginated list: `{"object": "list", "results": [...], "next_cursor", "has_more"}`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct List<T> {
    /// The items.
    pub(crate) results: Vec<T>,
    /// The cursor of the next page.
    #[serde(default)]
    pub(crate) next_cursor: Option<String>,
    /// Whether more pages follow.
    #[serde(default)]
    pub(crate) has_more: bool,
}

impl<T: DeserializeOwned> PageBody for List<T> {
    type Item = T;
    fn into_page(self, _: &HttpResponse) -> mosaic_core::Page<T> {
        let next = self.next_cursor.filter(|_| self.has_more);
        mosaic_core::Page::new(self.results, next.map(Cursor::new))
    }
}

/// A parent reference.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Parent {
    /// `database_id`, `page_id`, `block_id` or `workspace`.
    #[serde(rename = "type", default)]
    pub(crate) kind: String,
    /// Set for database parents.
    #[serde(default)]
    pub(crate) database_id: Option<String>,
    /// Set for page parents.
    #[serde(default)]
    pub(crate) page_id: Option<String>,
    /// Set for block parents.
    #[serde(default)]
    pub(crate) block_id: Option<String>,
}

/// A user reference.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct UserRef {
    /// User id.
    #[serde(default)]
    pub(crate) id: String,
    /// Name, when the object is expanded.
    #[serde(default)]
    pub(crate) name: Option<String>,
}

/// A database.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Database {
    /// Id.
    pub(crate) id: String,
    /// Title as rich text.
    #[serde(default)]
    pub(crate) title: Vec<Value>,
    /// Description as rich text.
    #[serde(default)]
    pub(crate) description: Vec<Value>,
    /// Web URL.
    #[serde(default)]
    pub(crate) url: Option<String>,
    /// Property schema, by name.
    #[serde(default)]
    pub(crate) properties: Map<String, Value>,
}

/// A page.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Page {
    /// Id.
    pub(crate) id: String,
    /// Creation time.
    #[serde(default)]
    pub(crate) created_time: Option<String>,
    /// Last edit time.
    #[serde(default)]
    pub(crate) last_edited_time: Option<String>,
    /// Parent.
    #[serde(default)]
    pub(crate) parent: Parent,
    /// Properties, by name.
    #[serde(default)]
    pub(crate) properties: Map<String, Value>,
    /// Web URL.
    #[serde(default)]
    pub(crate) url: Option<String>,
}

/// A block, kept as JSON for the converter, with the fields the
/// adapter needs.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct BlockRef {
    /// Id.
    pub(crate) id: String,
    /// Block type.
    #[serde(rename = "type")]
    pub(crate) kind: String,
    /// Whether it has children to fetch.
    #[serde(default)]
    pub(crate) has_children: bool,
}

/// A comment.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Comment {
    /// Id.
    pub(crate) id: String,
    /// Author.
    #[serde(default)]
    pub(crate) created_by: Option<UserRef>,
    /// Creation time.
    #[serde(default)]
    pub(crate) created_time: Option<String>,
    /// Body.
    #[serde(default)]
    pub(crate) rich_text: Vec<Value>,
}

/// A search result: a page or a database.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SearchResult {
    /// `page` or `database`.
    pub(crate) object: String,
    /// Id.
    pub(crate) id: String,
    /// Parent.
    #[serde(default)]
    pub(crate) parent: Parent,
    /// Page properties (pages).
    #[serde(default)]
    pub(crate) properties: Map<String, Value>,
    /// Web URL.
    #[serde(default)]
    pub(crate) url: Option<String>,
}
