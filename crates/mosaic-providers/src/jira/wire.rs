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
pub(crate) struct Project {
    /// Id (`10000`).
    #[serde(deserialize_with = "string_or_number")]
    pub(crate) id: String,
    /// Key (`ENG`).
    pub(crate) key: String,
    /// Name.
    pub(crate) name: String,
    /// Description (with `expand=description`).
    #[serde(default)]
    pub(crate) description: Option<String>,
}

/// `PageBean…`: an offset page of `values`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageBean<T> {
    /// Items.
    pub(crate) values: Vec<T>,
    /// Offset of the first item.
    #[serde(default)]
    pub(crate) start_at: u64,
    /// Items in all pages.
    #[serde(default)]
    pub(crate) total: Option<u64>,
    /// Whether this is the last page.
    #[serde(default)]
    pub(crate) is_last: Option<bool>,
}

/// An issue.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Issue {
    /// Id (`10002`).
    #[serde(deserialize_with = "string_or_number")]
    pub(crate) id: String,
    /// Key (`ENG-42`).
    pub(crate) key: String,
    /// The requested fields.
    #[serde(default)]
    pub(crate) fields: Fields,
}

/// The issue fields Mosaic requests.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Fields {
    /// Summary (the title).
    #[serde(default)]
    pub(crate) summary: Option<String>,
    /// Description (an ADF document, or `null`).
    #[serde(default)]
    pub(crate) description: Option<Value>,
    /// Status.
    #[serde(default)]
    pub(crate) status: Option<Status>,
    /// Labels.
    #[serde(default)]
    pub(crate) labels: Option<Vec<String>>,
    /// Assignee.
    #[serde(default)]
    pub(crate) assignee: Option<UserRef>,
    /// Priority.
    #[serde(default)]
    pub(crate) priority: Option<Named>,
    /// Project.
    #[serde(default)]
    pub(crate) project: Option<ProjectRef>,
    /// Creation time (`2024-01-10T10:00:00.000+0000`).
    #[serde(default)]
    pub(crate) created: Option<String>,
    /// Last update time.
    #[serde(default)]
    pub(crate) updated: Option<String>,
}

/// A status with its category.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Status {
    /// Name (`In Progress`).
    pub(crate) name: String,
    /// Category.
    #[serde(default)]
    pub(crate) status_category: Option<StatusCategory>,
}

/// A status category (`new`, `indeterminate`, `done`, `undefined`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct StatusCategory {
    /// Key.
    pub(crate) key: String,
}

/// Something with a name (priority, issue type).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Named {
    /// Name.
    pub(crate) name: String,
}

/// A user reference.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserRef {
    /// Account id.
    pub(crate) account_id: String,
}

/// A project reference inside an issue.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ProjectRef {
    /// Id.
    #[serde(default, deserialize_with = "opt_string_or_number")]
    pub(crate) id: Option<String>,
    /// Key.
    #[serde(default)]
    pub(crate) key: Option<String>,
}

/// The answer of `POST /issue`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Created {
    /// Id.
    #[serde(deserialize_with = "string_or_number")]
    #[allow(dead_code)] // required in the answer, not read
    pub(crate) id: String,
    /// Key.
    pub(crate) key: String,
}

/// The answer of `GET /search/jql`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SearchResults {
    /// Issues.
    #[serde(default)]
    pub(crate) issues: Vec<Issue>,
    /// The token of the next page.
    #[serde(default)]
    pub(crate) next_page_token: Option<String>,
    /// Whether this is the last page.
    #[serde(default)]
    pub(crate) is_last: Option<bool>,
}

/// The answer of `GET /issue/{key}/transitions`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Transitions {
    /// The transitions available now.
    #[serde(default)]
    pub(crate) transitions: Vec<Transition>,
}

/// One transition.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Transition {
    /// Id.
    #[serde(deserialize_with = "string_or_number")]
    pub(crate) id: String,
    /// Name (`Start progress`).
    pub(crate) name: String,
    /// The status it leads to.
    #[serde(default)]
    pub(crate) to: Option<Named>,
}

/// A comment.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Comment {
    /// Id.
    #[serde(deserialize_with = "string_or_number")]
    pub(crate) id: String,
    /// Author.
    #[serde(default)]
    pub(crate) author: Option<UserRef>,
    /// Body (ADF).
    #[serde(default)]
    pub(crate) body: Value,
    /// Creation time.
    #[serde(default)]
    pub(crate) created: Option<String>,
}

/// `PageOfComments`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Comments {
    /// Comments.
    pub(crate) comments: Vec<Comment>,
    /// Offset of the first.
    #[serde(default)]
    pub(crate) start_at: u64,
    /// Comments in all pages.
    #[serde(default)]
    pub(crate) total: Option<u64>,
}

/// A user (`/user/assignable/search`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct User {
    /// Account id.
    pub(crate) account_id: String,
    /// Display name.
    #[serde(default)]
    pub(crate) display_name: Option<String>,
    /// E-mail (when the user's privacy settings show it).
    #[serde(default)]
    pub(crate) email_address: Option<String>,
}

/// `ErrorCollection`: Jira's error body.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ErrorCollection {
    /// General messages.
    #[serde(default)]
    pub(crate) error_messages: Vec<String>,
    /// Messages per field.
    #[serde(default)]
    pub(crate) errors: BTreeMap<String, String>,
}
