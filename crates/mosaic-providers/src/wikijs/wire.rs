//! Wiki.js's GraphQL answers, as far as Mosaic reads them.

use serde::Deserialize;

use super::graphql::ResponseResult;

/// `{ localization { locales } }`.
#[derive(Debug, Deserialize)]
pub struct LocalesData {
    /// The query root.
    pub localization: Localization,
}

/// `localization`.
#[derive(Debug, Deserialize)]
pub struct Localization {
    /// Locales.
    #[serde(default)]
    pub locales: Vec<Locale>,
}

/// A locale.
#[derive(Debug, Clone, Deserialize)]
pub struct Locale {
    /// Code (`en`).
    pub code: String,
    /// English name.
    pub name: String,
    /// Native name.
    #[serde(default, rename = "nativeName")]
    pub native_name: Option<String>,
    /// Whether it is installed.
    #[serde(default, rename = "isInstalled")]
    pub is_installed: bool,
}

/// `{ pages { ... } }`.
#[derive(Debug, Deserialize)]
pub struct PagesData<T> {
    /// The `pages` field.
    pub pages: T,
}

/// `pages { single }`.
#[derive(Debug, Deserialize)]
pub struct Single {
    /// The page (`null` when missing).
    pub single: Option<Page>,
}

/// A page.
#[derive(Debug, Clone, Deserialize)]
pub struct Page {
    /// Id.
    pub id: i64,
    /// Path (`docs/setup`).
    pub path: String,
    /// Locale.
    pub locale: String,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Source content in the page's editor format.
    #[serde(default)]
    pub content: Option<String>,
    /// Rendered HTML.
    #[serde(default)]
    pub render: Option<String>,
    /// Editor (`markdown`, `ckeditor`, `code`, `asciidoc`).
    #[serde(default)]
    pub editor: Option<String>,
    /// Creation time.
    #[serde(default, rename = "createdAt")]
    pub created_at: Option<String>,
    /// Last update time.
    #[serde(default, rename = "updatedAt")]
    pub updated_at: Option<String>,
}

/// `pages { list }`.
#[derive(Debug, Deserialize)]
pub struct ListData {
    /// Pages.
    pub list: Vec<Page>,
}

/// `pages { search }`.
#[derive(Debug, Deserialize)]
pub struct SearchData {
    /// The search answer.
    pub search: Search,
}

/// A search answer.
#[derive(Debug, Deserialize)]
pub struct Search {
    /// Results.
    #[serde(default)]
    pub results: Vec<SearchResult>,
    /// Total hits.
    #[serde(default, rename = "totalHits")]
    pub total_hits: u64,
}

/// One search result.
#[derive(Debug, Deserialize)]
pub struct SearchResult {
    /// Page id (a string in the schema).
    pub id: String,
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Path.
    pub path: String,
    /// Locale.
    pub locale: String,
}

/// `pages { history }`.
#[derive(Debug, Deserialize)]
pub struct HistoryData {
    /// The history.
    pub history: History,
}

/// A page history.
#[derive(Debug, Deserialize)]
pub struct History {
    /// Entries, newest first.
    #[serde(default)]
    pub trail: Vec<HistoryEntry>,
    /// Total entries.
    #[serde(default)]
    pub total: u64,
}

/// One history entry.
#[derive(Debug, Deserialize)]
pub struct HistoryEntry {
    /// Version id.
    #[serde(rename = "versionId")]
    pub version_id: u64,
    /// When.
    #[serde(default, rename = "versionDate")]
    pub version_date: Option<String>,
    /// Who.
    #[serde(default, rename = "authorName")]
    pub author_name: Option<String>,
    /// `initial`, `edit`, `move`, …
    #[serde(default, rename = "actionType")]
    pub action_type: Option<String>,
}

/// `pages { checkConflicts }`.
#[derive(Debug, Deserialize)]
pub struct ConflictData {
    /// Whether the page changed.
    #[serde(rename = "checkConflicts")]
    pub check_conflicts: bool,
}

/// `pages { create }`.
#[derive(Debug, Deserialize)]
pub struct CreateData {
    /// The answer.
    pub create: PageResponse,
}

/// `pages { update }`.
#[derive(Debug, Deserialize)]
pub struct UpdateData {
    /// The answer.
    pub update: PageResponse,
}

/// A page mutation answer.
#[derive(Debug, Deserialize)]
pub struct PageResponse {
    /// Status.
    #[serde(rename = "responseResult")]
    pub response_result: ResponseResult,
    /// The page.
    #[serde(default)]
    pub page: Option<serde_json::Value>,
}

/// `pages { move }`.
#[derive(Debug, Deserialize)]
pub struct MoveData {
    /// The answer.
    #[serde(rename = "move")]
    pub moved: DefaultResponse,
}

/// `pages { delete }`.
#[derive(Debug, Deserialize)]
pub struct DeleteData {
    /// The answer.
    pub delete: DefaultResponse,
}

/// A status-only answer.
#[derive(Debug, Deserialize)]
pub struct DefaultResponse {
    /// Status.
    #[serde(rename = "responseResult")]
    pub response_result: ResponseResult,
}

/// `{ comments { ... } }`.
#[derive(Debug, Deserialize)]
pub struct CommentsData<T> {
    /// The `comments` field.
    pub comments: T,
}

/// `comments { create }`.
#[derive(Debug, Deserialize)]
pub struct CommentCreate {
    /// The answer.
    pub create: CommentCreated,
}

/// A comment creation answer.
#[derive(Debug, Deserialize)]
pub struct CommentCreated {
    /// Status.
    #[serde(rename = "responseResult")]
    pub response_result: ResponseResult,
    /// New comment id.
    #[serde(default)]
    pub id: Option<i64>,
}

/// `comments { list }`.
#[derive(Debug, Deserialize)]
pub struct CommentList {
    /// Comments, oldest first.
    pub list: Vec<Comment>,
}

/// A comment.
#[derive(Debug, Deserialize)]
pub struct Comment {
    /// Id.
    pub id: i64,
    /// Source (Markdown).
    #[serde(default)]
    pub content: Option<String>,
    /// Rendered HTML.
    #[serde(default)]
    pub render: Option<String>,
    /// Author.
    #[serde(default, rename = "authorName")]
    pub author_name: Option<String>,
    /// When.
    #[serde(default, rename = "createdAt")]
    pub created_at: Option<String>,
}
