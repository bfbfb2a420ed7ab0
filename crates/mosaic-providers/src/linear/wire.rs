//! The shapes of Linear's GraphQL answers that Mosaic reads.

use serde::Deserialize;
use serde_json::Value;

/// A GraphQL answer: `data` and/or `errors`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Envelope {
    /// The data (absent or `null` on failure).
    #[serde(default)]
    pub(crate) data: Value,
    /// The errors, if any.
    #[serde(default)]
    pub(crate) errors: Option<Vec<GraphqlError>>,
}

/// One entry of `errors[]`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GraphqlError {
    /// The message.
    #[serde(default)]
    pub(crate) message: String,
    /// Where in the query it happened.
    #[serde(default)]
    pub(crate) path: Option<Vec<Value>>,
    /// Linear's classification.
    #[serde(default)]
    pub(crate) extensions: Option<Extensions>,
}

/// `errors[].extensions`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Extensions {
    /// Machine code (`RATELIMITED`, `AUTHENTICATION_ERROR`, …).
    #[serde(default)]
    pub(crate) code: Option<String>,
    /// Human-oriented type (`ratelimited`, `authentication error`, …).
    #[serde(default, rename = "type")]
    pub(crate) kind: Option<String>,
    /// A message meant for end users.
    #[serde(default)]
    pub(crate) user_presentable_message: Option<String>,
}

/// A connection page: `nodes` and `pageInfo`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Connection<T> {
    /// Items.
    pub(crate) nodes: Vec<T>,
    /// Where the page ends.
    #[serde(default)]
    pub(crate) page_info: Option<PageInfo>,
}

/// `pageInfo { hasNextPage endCursor }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageInfo {
    /// Whether more items follow.
    pub(crate) has_next_page: bool,
    /// The cursor of the last item.
    #[serde(default)]
    pub(crate) end_cursor: Option<String>,
}

/// A team.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Team {
    /// Id (UUID).
    pub(crate) id: String,
    /// Key (`ENG`).
    pub(crate) key: String,
    /// Name.
    pub(crate) name: String,
    /// Description.
    #[serde(default)]
    pub(crate) description: Option<String>,
}

/// Something known by id only.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct IdOnly {
    /// Id.
    pub(crate) id: String,
}

/// Something known by name only.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct NameOnly {
    /// Name.
    pub(crate) name: String,
}

/// A workflow state.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct State {
    /// Id.
    #[serde(default)]
    pub(crate) id: Option<String>,
    /// Name (`In Progress`).
    pub(crate) name: String,
    /// Category: `triage`, `backlog`, `unstarted`, `started`,
    /// `completed`, `canceled`.
    #[serde(rename = "type")]
    pub(crate) kind: String,
}

/// An issue (or an issue search result, which has the same fields).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Issue {
    /// Id (UUID).
    pub(crate) id: String,
    /// Identifier (`ENG-42`).
    pub(crate) identifier: String,
    /// Title.
    pub(crate) title: String,
    /// Description (Markdown).
    #[serde(default)]
    pub(crate) description: Option<String>,
    /// Priority: 0 none, 1 urgent, 2 high, 3 medium, 4 low.
    #[serde(default)]
    pub(crate) priority: f64,
    /// Priority name (`Urgent`, `No priority`).
    #[serde(default)]
    pub(crate) priority_label: Option<String>,
    /// Web page.
    #[serde(default)]
    pub(crate) url: Option<String>,
    /// Creation time.
    #[serde(default)]
    pub(crate) created_at: Option<String>,
    /// Last update time.
    #[serde(default)]
    pub(crate) updated_at: Option<String>,
    /// Workflow state.
    pub(crate) state: State,
    /// Team.
    pub(crate) team: IdOnly,
    /// Assignee.
    #[serde(default)]
    pub(crate) assignee: Option<IdOnly>,
    /// Labels.
    pub(crate) labels: Connection<NameOnly>,
}

/// A comment.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Comment {
    /// Id.
    pub(crate) id: String,
    /// Body (Markdown).
    pub(crate) body: String,
    /// Creation time.
    #[serde(default)]
    pub(crate) created_at: Option<String>,
    /// Author (absent for integrations).
    #[serde(default)]
    pub(crate) user: Option<IdOnly>,
}

/// A label.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Label {
    /// Id.
    pub(crate) id: String,
    /// Name.
    pub(crate) name: String,
    /// Colour (`#rrggbb`).
    #[serde(default)]
    pub(crate) color: Option<String>,
    /// Team (`null` for workspace labels).
    #[serde(default)]
    pub(crate) team: Option<IdOnly>,
}

/// A user.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct User {
    /// Id.
    pub(crate) id: String,
    /// Full name.
    pub(crate) name: String,
    /// E-mail.
    #[serde(default)]
    pub(crate) email: Option<String>,
}

/// `data` of the team queries (`teams(filter)`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct TeamsData {
    /// Teams.
    pub(crate) teams: Connection<Team>,
}

/// `data` of `issue(id)`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct IssueData {
    /// The issue.
    pub(crate) issue: Issue,
}

/// `data` of `issues(...)`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct IssuesData {
    /// Issues.
    pub(crate) issues: Connection<Issue>,
}

/// `data` of `searchIssues(...)`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SearchData {
    /// Results.
    pub(crate) search_issues: SearchPayload,
}

/// `IssueSearchPayload`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SearchPayload {
    /// Issues.
    pub(crate) nodes: Vec<Issue>,
    /// Where the page ends.
    pub(crate) page_info: PageInfo,
    /// Matches before paging.
    #[serde(default)]
    pub(crate) total_count: Option<f64>,
}

/// `issueCreate` / `issueUpdate` payload.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct IssuePayload {
    /// Whether the mutation succeeded.
    pub(crate) success: bool,
    /// The issue.
    #[serde(default)]
    pub(crate) issue: Option<Issue>,
}

/// `data` of `issueCreate`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IssueCreateData {
    /// Payload.
    pub(crate) issue_create: IssuePayload,
}

/// `data` of `issueUpdate`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IssueUpdateData {
    /// Payload.
    pub(crate) issue_update: IssuePayload,
}

/// `data` of the state lookup of a transition.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct IssueStatesData {
    /// The issue with its team's states.
    pub(crate) issue: IssueWithStates,
}

/// An issue's id and its team's workflow states.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct IssueWithStates {
    /// Id.
    pub(crate) id: String,
    /// The team and its states.
    pub(crate) team: TeamStates,
}

/// A team with its workflow states.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct TeamStates {
    /// Id.
    #[allow(dead_code)] // required in the answer, not read
    pub(crate) id: String,
    /// States.
    pub(crate) states: Connection<State>,
}

/// `data` of the team lookup of an issue.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct IssueTeamData {
    /// The issue with its team.
    pub(crate) issue: IssueTeam,
}

/// An issue's team.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct IssueTeam {
    /// Team.
    pub(crate) team: IdOnly,
}

/// `data` of the comment listing.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CommentsData {
    /// The issue.
    pub(crate) issue: IssueComments,
}

/// An issue's comments.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct IssueComments {
    /// Comments.
    pub(crate) comments: Connection<Comment>,
}

/// `data` of `commentCreate`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CommentCreateData {
    /// Payload.
    pub(crate) comment_create: CommentPayload,
}

/// `commentCreate` payload.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CommentPayload {
    /// Whether the mutation succeeded.
    pub(crate) success: bool,
    /// The comment.
    #[serde(default)]
    pub(crate) comment: Option<Comment>,
}

/// `data` of `issueLabels(...)`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LabelsData {
    /// Labels.
    pub(crate) issue_labels: Connection<Label>,
}

/// `data` of the member listing.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct MembersData {
    /// The matching team (at most one).
    pub(crate) teams: Connection<TeamMembers>,
}

/// A team's members.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct TeamMembers {
    /// Members.
    pub(crate) members: Connection<User>,
}
