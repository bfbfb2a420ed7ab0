//! The JSON of Jira Cloud's REST API v3, as far as Mosaic reads it.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

#[derive(Deserialize)]
#[serde(untagged)]
enum Id {
    S(String),
    N(serde_json::Number),
}

impl Id {
    fn into_string(self) -> String {
        match self {
            Id::S(s) => s,
            Id::N(n) => n.to_string(),
        }
    }
}

/// An id Jira sends as a string (or, in places, a number).
fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Id::deserialize(d)?.into_string())
}

/// Like [`string_or_number`], for optional ids.
fn opt_string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<Id>::deserialize(d)?.map(Id::into_string))
}

/// A project (`GET /project/{idOrKey}`, `values` of `/project/search`).
#[derive(Debug, Clone, Deserialize)]
pub struct Project {
    /// Id (`10000`).
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    /// Key (`ENG`).
    pub key: String,
    /// Name.
    pub name: String,
    /// Description (with `expand=description`).
    #[serde(default)]
    pub description: Option<String>,
}

/// `PageBean…`: an offset page of `values`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageBean<T> {
    /// Items.
    pub values: Vec<T>,
    /// Offset of the first item.
    #[serde(default)]
    pub start_at: u64,
    /// Requested page size.
    #[serde(default)]
    pub max_results: Option<u64>,
    /// Items in all pages.
    #[serde(default)]
    pub total: Option<u64>,
    /// Whether this is the last page.
    #[serde(default)]
    pub is_last: Option<bool>,
}

/// An issue.
#[derive(Debug, Clone, Deserialize)]
pub struct Issue {
    /// Id (`10002`).
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    /// Key (`ENG-42`).
    pub key: String,
    /// The requested fields.
    #[serde(default)]
    pub fields: Fields,
}

/// The issue fields Mosaic requests.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Fields {
    /// Summary (the title).
    #[serde(default)]
    pub summary: Option<String>,
    /// Description (an ADF document, or `null`).
    #[serde(default)]
    pub description: Option<Value>,
    /// Status.
    #[serde(default)]
    pub status: Option<Status>,
    /// Labels.
    #[serde(default)]
    pub labels: Option<Vec<String>>,
    /// Assignee.
    #[serde(default)]
    pub assignee: Option<UserRef>,
    /// Priority.
    #[serde(default)]
    pub priority: Option<Named>,
    /// Project.
    #[serde(default)]
    pub project: Option<ProjectRef>,
    /// Creation time (`2024-01-10T10:00:00.000+0000`).
    #[serde(default)]
    pub created: Option<String>,
    /// Last update time.
    #[serde(default)]
    pub updated: Option<String>,
}

/// A status with its category.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// Name (`In Progress`).
    pub name: String,
    /// Category.
    #[serde(default)]
    pub status_category: Option<StatusCategory>,
}

/// A status category (`new`, `indeterminate`, `done`, `undefined`).
#[derive(Debug, Clone, Deserialize)]
pub struct StatusCategory {
    /// Key.
    pub key: String,
}

/// Something with a name (priority, issue type).
#[derive(Debug, Clone, Deserialize)]
pub struct Named {
    /// Name.
    pub name: String,
}

/// A user reference.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRef {
    /// Account id.
    pub account_id: String,
}

/// A project reference inside an issue.
#[derive(Debug, Clone, Deserialize)]
pub struct ProjectRef {
    /// Id.
    #[serde(default, deserialize_with = "opt_string_or_number")]
    pub id: Option<String>,
    /// Key.
    #[serde(default)]
    pub key: Option<String>,
}

/// The answer of `POST /issue`.
#[derive(Debug, Clone, Deserialize)]
pub struct Created {
    /// Id.
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    /// Key.
    pub key: String,
}

/// The answer of `GET /search/jql`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchResults {
    /// Issues.
    #[serde(default)]
    pub issues: Vec<Issue>,
    /// The token of the next page.
    #[serde(default)]
    pub next_page_token: Option<String>,
    /// Whether this is the last page.
    #[serde(default)]
    pub is_last: Option<bool>,
}

/// The answer of `GET /issue/{key}/transitions`.
#[derive(Debug, Clone, Deserialize)]
pub struct Transitions {
    /// The transitions available now.
    #[serde(default)]
    pub transitions: Vec<Transition>,
}

/// One transition.
#[derive(Debug, Clone, Deserialize)]
pub struct Transition {
    /// Id.
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    /// Name (`Start progress`).
    pub name: String,
    /// The status it leads to.
    #[serde(default)]
    pub to: Option<Named>,
}

/// A comment.
#[derive(Debug, Clone, Deserialize)]
pub struct Comment {
    /// Id.
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    /// Author.
    #[serde(default)]
    pub author: Option<UserRef>,
    /// Body (ADF).
    #[serde(default)]
    pub body: Value,
    /// Creation time.
    #[serde(default)]
    pub created: Option<String>,
}

/// `PageOfComments`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Comments {
    /// Comments.
    pub comments: Vec<Comment>,
    /// Offset of the first.
    #[serde(default)]
    pub start_at: u64,
    /// Comments in all pages.
    #[serde(default)]
    pub total: Option<u64>,
}

/// A user (`/user/assignable/search`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Account id.
    pub account_id: String,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// E-mail (when the user's privacy settings show it).
    #[serde(default)]
    pub email_address: Option<String>,
}

/// `ErrorCollection`: Jira's error body.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorCollection {
    /// General messages.
    #[serde(default)]
    pub error_messages: Vec<String>,
    /// Messages per field.
    #[serde(default)]
    pub errors: BTreeMap<String, String>,
}
