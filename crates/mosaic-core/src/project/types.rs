//! Issue-tracker domain types: projects (Jira projects, Linear teams),
//! issues, transitions, comments, labels and users.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::page::{PageRequest, paginated};

#[cfg(test)]
use proptest_derive::Arbitrary;

/// A tracker project (a Jira project, a Linear team).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Project {
    /// The tracker's id.
    pub id: String,
    /// Short key (`ENG`).
    pub key: Option<String>,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Web page.
    pub web_url: Option<String>,
}

/// Parameters of `list_projects`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListProjects {
    /// Which page.
    pub page: PageRequest,
}

/// A project by id or key.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ProjectRef {
    /// Id or key.
    pub id: String,
}

/// The broad category of a workflow state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
#[serde(rename_all = "snake_case")]
pub enum StatusCategory {
    /// Not started (backlog, to do).
    #[default]
    Todo,
    /// Started.
    InProgress,
    /// Completed.
    Done,
    /// Abandoned.
    Cancelled,
}

/// A tracker issue.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Issue {
    /// The tracker's id.
    pub id: String,
    /// Human key (`ENG-42`).
    pub key: String,
    /// Project id.
    pub project_id: String,
    /// Title.
    pub title: String,
    /// Description as Markdown.
    pub description: Option<String>,
    /// The workflow state's name.
    pub status: String,
    /// The state's category.
    pub status_category: StatusCategory,
    /// Label names.
    pub labels: Vec<String>,
    /// Assignee ids.
    pub assignees: Vec<String>,
    /// Priority name.
    pub priority: Option<String>,
    /// Web page.
    pub web_url: Option<String>,
    /// Creation time (RFC 3339).
    pub created_at: Option<String>,
    /// Last update time (RFC 3339).
    pub updated_at: Option<String>,
}

/// Parameters of `create_issue`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct CreateIssue {
    /// Project id or key.
    pub project_id: String,
    /// Title.
    pub title: String,
    /// Description as Markdown.
    pub description: Option<String>,
    /// Issue type (Jira: `Task`, `Bug`, …).
    pub issue_type: Option<String>,
    /// Label names.
    pub labels: Vec<String>,
    /// Assignee ids.
    pub assignees: Vec<String>,
    /// Priority name.
    pub priority: Option<String>,
}

/// An issue by id or key.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct IssueRef {
    /// Id or key.
    pub id: String,
}

/// Parameters of `update_issue`: only the `Some` fields change.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct UpdateIssue {
    /// Id or key.
    pub id: String,
    /// New title.
    pub title: Option<String>,
    /// New description as Markdown.
    pub description: Option<String>,
    /// Replace the labels.
    pub labels: Option<Vec<String>>,
    /// Replace the assignees.
    pub assignees: Option<Vec<String>>,
    /// New priority.
    pub priority: Option<String>,
}

/// Parameters of `transition_issue`: move an issue to a workflow state.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct TransitionIssue {
    /// Id or key.
    pub id: String,
    /// Target state or transition name (matched case-insensitively).
    pub to: String,
}

/// Parameters of `list_issues`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListIssues {
    /// Project id or key.
    pub project_id: String,
    /// Only issues in this state (name).
    pub status: Option<String>,
    /// Which page.
    pub page: PageRequest,
}

/// Parameters of `search_issues`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct SearchIssues {
    /// The query: JQL for Jira, text elsewhere.
    pub query: String,
    /// Only in this project.
    pub project_id: Option<String>,
    /// Which page.
    pub page: PageRequest,
}

/// A comment on an issue.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Comment {
    /// The tracker's id.
    pub id: String,
    /// Author id.
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
    /// Issue id or key.
    pub issue_id: String,
    /// Body as Markdown.
    pub body: String,
}

/// Parameters of `list_comments`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListComments {
    /// Issue id or key.
    pub issue_id: String,
    /// Which page.
    pub page: PageRequest,
}

/// A label.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Label {
    /// The tracker's id (the name where labels have no id).
    pub id: String,
    /// Name.
    pub name: String,
    /// Colour (`#rrggbb`), where there is one.
    pub color: Option<String>,
}

/// Parameters of `list_labels`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListLabels {
    /// Only labels of this project, where labels are per project.
    pub project_id: Option<String>,
    /// Which page.
    pub page: PageRequest,
}

/// A user who can be assigned.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct User {
    /// The tracker's id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// E-mail, where visible.
    pub email: Option<String>,
}

/// Parameters of `list_assignees`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListAssignees {
    /// Project id or key.
    pub project_id: String,
    /// Which page.
    pub page: PageRequest,
}

pub(crate) fn key_project(key: &str) -> Option<Cow<'_, str>> {
    // `ENG-42` → `ENG`; an opaque id is its own scope.
    Some(Cow::Borrowed(key.rsplit_once('-').map_or(key, |(p, _)| p)))
}

paginated!(
    ListProjects,
    ListIssues,
    SearchIssues,
    ListComments,
    ListLabels,
    ListAssignees
);
