//! Wiki.js's GraphQL answers, as far as Mosaic reads them.

use serde::Deserialize;

use super::graphql::ResponseResult;

/// `{ localization { locales } }`.
#[derive(Debug, Deserialize)]
pub(crate) struct LocalesData {
    /// The query root.
    pub(crate) localization: Localization,
}

/// `localization`.
#[derive(Debug, Deserialize)]
pub(crate) struct Localization {
    /// Locales.
    #[serde(default)]
    pub(crate) locales: Vec<Locale>,
}

/// A locale.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Locale {
    /// Code (`en`).
    pub(crate) code: String,
    /// English name.
    pub(crate) name: String,
    /// Native name.
    #[serde(default, rename = "nativeName")]
    pub(crate) native_name: Option<String>,
    /// Whether it is installed.
    #[serde(default, rename = "isInstalled")]
    pub(crate) is_installed: bool,
}

/// `{ pages { ... } }`.
#[derive(Debug, Deserialize)]
pub(crate) struct PagesData<T> {
    /// The `pages` field.
    pub(crate) pages: T,
}

/// `pages { single }`.
#[derive(Debug, Deserialize)]
pub(crate) struct Single {
    /// The page (`null` when missing).
    pub(crate) single: Option<Page>,
}

/// A page.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Page {
    /// Id.
    pub(crate) id: i64,
    /// Path (`docs/setup`).
    pub(crate) path: String,
    /// Locale.
    pub(crate) locale: String,
    /// Title.
    #[serde(default)]
    pub(crate) title: Option<String>,
    /// Source content in the page's editor format.
    #[serde(default)]
    pub(crate) content: Option<String>,
    /// Rendered HTML.
    #[serde(default)]
    pub(crate) render: Option<String>,
    /// Editor (`markdown`, `ckeditor`, `code`, `asciidoc`).
    #[serde(default)]
    pub(crate) editor: Option<String>,
    /// Creation time.
    #[serde(default, rename = "createdAt")]
    pub(crate) created_at: Option<String>,
    /// Last update time.
    #[serde(default, rename = "updatedAt")]
    pub(crate) updated_at: Option<String>,
}

/// `pages { list }`.
#[derive(Debug, Deserialize)]
pub(crate) struct ListData {
    /// Pages.
    pub(crate) list: Vec<Page>,
}

/// `pages { search }`.
#[derive(Debug, Deserialize)]
pub(crate) struct SearchData {
    /// The search answer.
    pub(crate) search: Search,
}

/// A search answer.
#[derive(Debug, Deserialize)]
pub(crate) struct Search {
    /// Results.
    #[serde(default)]
    pub(crate) results: Vec<SearchResult>,
}

/// One search result.
#[derive(Debug, Deserialize)]
pub(crate) struct SearchResult {
    /// Page id (a string in the schema).
    pub(crate) id: String,
    /// Title.
    #[serde(default)]
    pub(crate) title: String,
    /// Description.
    #[serde(default)]
    pub(crate) description: Option<String>,
    /// Path.
    pub(crate) path: String,
    /// Locale.
    pub(crate) locale: String,
}

/// `pages { history }`.
#[derive(Debug, Deserialize)]
pub(crate) struct HistoryData {
    /// The history.
    pub(crate) history: History,
}

/// A page history.
#[derive(Debug, Deserialize)]
pub(crate) struct History {
    /// Entries, newest first.
    #[serde(default)]
    pub(crate) trail: Vec<HistoryEntry>,
    /// Total entries.
    #[serde(default)]
    pub(crate) total: u64,
}

/// One history entry.
#[derive(Debug, Deserialize)]
pub(crate) struct HistoryEntry {
    /// Version id.
    #[serde(rename = "versionId")]
    pub(crate) version_id: u64,
    /// When.
    #[serde(default, rename = "versionDate")]
    pub(crate) version_date: Option<String>,
    /// Who.
    #[serde(default, rename = "authorName")]
    pub(crate) author_name: Option<String>,
    /// `initial`, `edit`, `move`, …
    #[serde(default, rename = "actionType")]
    pub(crate) action_type: Option<String>,
}

/// `pages { checkConflicts }`.
#[derive(Debug, Deserialize)]
pub(crate) struct ConflictData {
    /// Whether the page changed.
    #[serde(rename = "checkConflicts")]
    pub(crate) check_conflicts: bool,
}

/// `pages { create }`.
#[derive(Debug, Deserialize)]
pub(crate) struct CreateData {
    /// The answer.
    pub(crate) create: PageResponse,
}

/// `pages { update }`.
#[derive(Debug, Deserialize)]
pub(crate) struct UpdateData {
    /// The answer.
    pub(crate) update: PageResponse,
}

/// A page mutation answer.
#[derive(Debug, Deserialize)]
pub(crate) struct PageResponse {
    /// Status.
    #[serde(rename = "responseResult")]
    pub(crate) response_result: ResponseResult,
    /// The page.
    #[serde(default)]
    pub(crate) page: Option<serde_json::Value>,
}

/// `pages { move }`.
#[derive(Debug, Deserialize)]
pub(crate) struct MoveData {
    /// The answer.
    #[serde(rename = "move")]
    pub(crate) moved: DefaultResponse,
}

/// `pages { delete }`.
#[derive(Debug, Deserialize)]
pub(crate) struct DeleteData {
    /// The answer.
    pub(crate) delete: DefaultResponse,
}

/// A status-only answer.
#[derive(Debug, Deserialize)]
pub(crate) struct DefaultResponse {
    /// Status.
    #[serde(rename = "responseResult")]
    pub(crate) response_result: ResponseResult,
}

/// `{ comments { ... } }`.
#[derive(Debug, Deserialize)]
pub(crate) struct CommentsData<T> {
    /// The `comments` field.
    pub(crate) comments: T,
}

/// `comments { create }`.
#[derive(Debug, Deserialize)]
pub(crate) struct CommentCreate {
    /// The answer.
    pub(crate) create: CommentCreated,
}

/// A comment creation answer.
#[derive(Debug, Deserialize)]
pub(crate) struct CommentCreated {
    /// Status.
    #[serde(rename = "responseResult")]
    pub(crate) response_result: ResponseResult,
    /// New comment id.
    #[serde(default)]
    pub(crate) id: Option<i64>,
}

/// `comments { list }`.
#[derive(Debug, Deserialize)]
pub(crate) struct CommentList {
    /// Comments, oldest first.
    pub(crate) list: Vec<Comment>,
}

/// A comment.
#[derive(Debug, Deserialize)]
pub(crate) struct Comment {
    /// Id.
    pub(crate) id: i64,
    /// Source (Markdown).
    #[serde(default)]
    pub(crate) content: Option<String>,
    /// Rendered HTML.
    #[serde(default)]
    pub(crate) render: Option<String>,
    /// Author.
    #[serde(default, rename = "authorName")]
    pub(crate) author_name: Option<String>,
    /// When.
    #[serde(default, rename = "createdAt")]
    pub(crate) created_at: Option<String>,
}
