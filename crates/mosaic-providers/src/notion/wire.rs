//! Notion's JSON, as far as Mosaic reads it (API version 2022-06-28).

use serde::Deserialize;
use serde_json::{Map, Value};

/// A paginated list: `{"object": "list", "results": [...], "next_cursor", "has_more"}`.
#[derive(Debug, Clone, Deserialize)]
pub struct List<T> {
    /// The items.
    pub results: Vec<T>,
    /// The cursor of the next page.
    #[serde(default)]
    pub next_cursor: Option<String>,
    /// Whether more pages follow.
    #[serde(default)]
    pub has_more: bool,
}

/// A parent reference.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Parent {
    /// `database_id`, `page_id`, `block_id` or `workspace`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Set for database parents.
    #[serde(default)]
    pub database_id: Option<String>,
    /// Set for page parents.
    #[serde(default)]
    pub page_id: Option<String>,
    /// Set for block parents.
    #[serde(default)]
    pub block_id: Option<String>,
}

/// A user reference.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserRef {
    /// User id.
    #[serde(default)]
    pub id: String,
    /// Name, when the object is expanded.
    #[serde(default)]
    pub name: Option<String>,
}

/// A database.
#[derive(Debug, Clone, Deserialize)]
pub struct Database {
    /// Id.
    pub id: String,
    /// Title as rich text.
    #[serde(default)]
    pub title: Vec<Value>,
    /// Description as rich text.
    #[serde(default)]
    pub description: Vec<Value>,
    /// Web URL.
    #[serde(default)]
    pub url: Option<String>,
    /// Property schema, by name.
    #[serde(default)]
    pub properties: Map<String, Value>,
}

/// A page.
#[derive(Debug, Clone, Deserialize)]
pub struct Page {
    /// Id.
    pub id: String,
    /// Creation time.
    #[serde(default)]
    pub created_time: Option<String>,
    /// Last edit time.
    #[serde(default)]
    pub last_edited_time: Option<String>,
    /// Parent.
    #[serde(default)]
    pub parent: Parent,
    /// Properties, by name.
    #[serde(default)]
    pub properties: Map<String, Value>,
    /// Web URL.
    #[serde(default)]
    pub url: Option<String>,
    /// Archived.
    #[serde(default)]
    pub archived: bool,
}

/// A block, kept as JSON for the converter, with the fields the
/// adapter needs.
#[derive(Debug, Clone, Deserialize)]
pub struct BlockRef {
    /// Id.
    pub id: String,
    /// Block type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Whether it has children to fetch.
    #[serde(default)]
    pub has_children: bool,
}

/// A comment.
#[derive(Debug, Clone, Deserialize)]
pub struct Comment {
    /// Id.
    pub id: String,
    /// Author.
    #[serde(default)]
    pub created_by: Option<UserRef>,
    /// Creation time.
    #[serde(default)]
    pub created_time: Option<String>,
    /// Body.
    #[serde(default)]
    pub rich_text: Vec<Value>,
}

/// A search result: a page or a database.
#[derive(Debug, Clone, Deserialize)]
pub struct SearchResult {
    /// `page` or `database`.
    pub object: String,
    /// Id.
    pub id: String,
    /// Parent.
    #[serde(default)]
    pub parent: Parent,
    /// Page properties (pages).
    #[serde(default)]
    pub properties: Map<String, Value>,
    /// Title (databases).
    #[serde(default)]
    pub title: Vec<Value>,
    /// Web URL.
    #[serde(default)]
    pub url: Option<String>,
}
