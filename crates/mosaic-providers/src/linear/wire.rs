//! The shapes of Linear's GraphQL answers that Mosaic reads.

use serde::Deserialize;
use serde_json::Value;

/// A GraphQL answer: `data` and/or `errors`.
#[derive(Debug, Clone, Deserialize)]
pub struct Envelope {
    /// The data (absent or `null` on failure).
    #[serde(default)]
    pub data: Value,
    /// The errors, if any.
    #[serde(default)]
    pub errors: Option<Vec<GraphqlError>>,
}

/// One entry of `errors[]`.
#[derive(Debug, Clone, Deserialize)]
pub struct GraphqlError {
    /// The message.
    #[serde(default)]
    pub message: String,
    /// Where in the query it happened.
    #[serde(default)]
    pub path: Option<Vec<Value>>,
    /// Linear's classification.
    #[serde(default)]
    pub extensions: Option<Extensions>,
}

/// `errors[].extensions`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Extensions {
    /// Machine code (`RATELIMITED`, `AUTHENTICATION_ERROR`, …).
    #[serde(default)]
    pub code: Option<String>,
    /// Human-oriented type (`ratelimited`, `authentication error`, …).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// A message meant for end users.
    #[serde(default)]
    pub user_presentable_message: Option<String>,
}

/// A connection page: `nodes` and `pageInfo`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection<T> {
    /// Items.
    pub nodes: Vec<T>,
    /// Where the page ends.
    #[serde(default)]
    pub page_info: Option<PageInfo>,
}

/// `pageInfo { hasNextPage endCursor }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    /// Whether more items follow.
    pub has_next_page: bool,
    /// The cursor of the last item.
    #[serde(default)]
    pub end_cursor: Option<String>,
}

/// A team.
#[derive(Debug, Clone, Deserialize)]
pub struct Team {
    /// Id (UUID).
    pub id: String,
    /// Key (`ENG`).
    pub key: String,
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
}

/// Something known by id only.
#[derive(Debug, Clone, Deserialize)]
pub struct IdOnly {
    /// Id.
    pub id: String,
}

/// Something known by name only.
#[derive(Debug, Clone, Deserialize)]
pub struct NameOnly {
    /// Name.
    pub name: String,
}

/// A workflow state.
#[derive(Debug, Clone, Deserialize)]
pub struct State {
    /// Id.
    #[serde(default)]
    pub id: Option<String>,
    /// Name (`In Progress`).
    pub name: String,
    /// Category: `triage`, `backlog`, `unstarted`, `started`,
    /// `completed`, `canceled`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// An issue (or an issue search result, which has the same fields).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Issue {
    /// Id (UUID).
    pub id: String,
    /// Identifier (`ENG-42`).
    pub identifier: String,
    /// Title.
    pub title: String,
    /// Description (Markdown).
    #[serde(default)]
    pub description: Option<String>,
    /// Priority: 0 none, 1 urgent, 2 high, 3 medium, 4 low.
    #[serde(default)]
    pub priority: f64,
    /// Priority name (`Urgent`, `No priority`).
    #[serde(default)]
    pub priority_label: Option<String>,
    /// Web page.
    #[serde(default)]
    pub url: Option<String>,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last update time.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Workflow state.
    pub state: State,
    /// Team.
    pub team: IdOnly,
    /// Assignee.
    #[serde(default)]
    pub assignee: Option<IdOnly>,
    /// Labels.
    pub labels: Connection<NameOnly>,
}

/// A comment.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    /// Id.
    pub id: String,
    /// Body (Markdown).
    pub body: String,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Author (absent for integrations).
    #[serde(default)]
    pub user: Option<IdOnly>,
}

/// A label.
#[derive(Debug, Clone, Deserialize)]
pub struct Label {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Colour (`#rrggbb`).
    #[serde(default)]
    pub color: Option<String>,
    /// Team (`null` for workspace labels).
    #[serde(default)]
    pub team: Option<IdOnly>,
}

/// A user.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Id.
    pub id: String,
    /// Full name.
    pub name: String,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
}

/// `data` of the team queries (`teams(filter)`).
#[derive(Debug, Clone, Deserialize)]
pub struct TeamsData {
    /// Teams.
    pub teams: Connection<Team>,
}

/// `data` of `issue(id)`.
#[derive(Debug, Clone, Deserialize)]
pub struct IssueData {
    /// The issue.
    pub issue: Issue,
}

/// `data` of `issues(...)`.
#[derive(Debug, Clone, Deserialize)]
pub struct IssuesData {
    /// Issues.
    pub issues: Connection<Issue>,
}

/// `data` of `searchIssues(...)`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchData {
    /// Results.
    pub search_issues: SearchPayload,
}

/// `IssueSearchPayload`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchPayload {
    /// Issues.
    pub nodes: Vec<Issue>,
    /// Where the page ends.
    pub page_info: PageInfo,
    /// Matches before paging.
    #[serde(default)]
    pub total_count: Option<f64>,
}

/// `issueCreate` / `issueUpdate` payload.
#[derive(Debug, Clone, Deserialize)]
pub struct IssuePayload {
    /// Whether the mutation succeeded.
    pub success: bool,
    /// The issue.
    #[serde(default)]
    pub issue: Option<Issue>,
}

/// `data` of `issueCreate`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueCreateData {
    /// Payload.
    pub issue_create: IssuePayload,
}

/// `data` of `issueUpdate`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueUpdateData {
    /// Payload.
    pub issue_update: IssuePayload,
}

/// `data` of the state lookup of a transition.
#[derive(Debug, Clone, Deserialize)]
pub struct IssueStatesData {
    /// The issue with its team's states.
    pub issue: IssueWithStates,
}

/// An issue's id and its team's workflow states.
#[derive(Debug, Clone, Deserialize)]
pub struct IssueWithStates {
    /// Id.
    pub id: String,
    /// The team and its states.
    pub team: TeamStates,
}

/// A team with its workflow states.
#[derive(Debug, Clone, Deserialize)]
pub struct TeamStates {
    /// Id.
    pub id: String,
    /// States.
    pub states: Connection<State>,
}

/// `data` of the team lookup of an issue.
#[derive(Debug, Clone, Deserialize)]
pub struct IssueTeamData {
    /// The issue with its team.
    pub issue: IssueTeam,
}

/// An issue's team.
#[derive(Debug, Clone, Deserialize)]
pub struct IssueTeam {
    /// Team.
    pub team: IdOnly,
}

/// `data` of the comment listing.
#[derive(Debug, Clone, Deserialize)]
pub struct CommentsData {
    /// The issue.
    pub issue: IssueComments,
}

/// An issue's comments.
#[derive(Debug, Clone, Deserialize)]
pub struct IssueComments {
    /// Comments.
    pub comments: Connection<Comment>,
}

/// `data` of `commentCreate`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentCreateData {
    /// Payload.
    pub comment_create: CommentPayload,
}

/// `commentCreate` payload.
#[derive(Debug, Clone, Deserialize)]
pub struct CommentPayload {
    /// Whether the mutation succeeded.
    pub success: bool,
    /// The comment.
    #[serde(default)]
    pub comment: Option<Comment>,
}

/// `data` of `issueLabels(...)`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelsData {
    /// Labels.
    pub issue_labels: Connection<Label>,
}

/// `data` of the member listing.
#[derive(Debug, Clone, Deserialize)]
pub struct MembersData {
    /// The matching team (at most one).
    pub teams: Connection<TeamMembers>,
}

/// A team's members.
#[derive(Debug, Clone, Deserialize)]
pub struct TeamMembers {
    /// Members.
    pub members: Connection<User>,
}
