//! The GraphQL documents Mosaic sends to Linear (built from the schema of
//! `https://api.linear.app/graphql`).

use std::sync::LazyLock;

/// The issue fields every issue query selects.
const ISSUE_FIELDS: &str = "id identifier title description priority priorityLabel url \
createdAt updatedAt state { name type } team { id } assignee { id } \
labels(first: 50) { nodes { name } }";

const PAGE_INFO: &str = "pageInfo { hasNextPage endCursor }";

/// Teams, a page at a time.
pub(crate) const TEAMS: &str = "query Teams($first: Int!, $after: String) { \
teams(first: $first, after: $after) { nodes { id key name description } \
pageInfo { hasNextPage endCursor } } }";

/// The team matching a filter (by id or by key).
pub(crate) const TEAM: &str = "query Team($filter: TeamFilter!) { \
teams(filter: $filter, first: 1) { nodes { id key name description } } }";

/// One issue by id or identifier.
pub(crate) static ISSUE: LazyLock<String> = LazyLock::new(|| {
    format!("query Issue($id: String!) {{ issue(id: $id) {{ {ISSUE_FIELDS} }} }}")
});

/// Issues matching a filter, a page at a time.
pub(crate) static ISSUES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "query Issues($filter: IssueFilter, $first: Int!, $after: String) {{ \
issues(filter: $filter, first: $first, after: $after) {{ nodes {{ {ISSUE_FIELDS} }} {PAGE_INFO} }} }}"
    )
});

/// Full-text issue search, a page at a time.
pub(crate) static SEARCH: LazyLock<String> = LazyLock::new(|| {
    format!(
        "query SearchIssues($term: String!, $filter: IssueFilter, $first: Int!, $after: String) {{ \
searchIssues(term: $term, filter: $filter, first: $first, after: $after) {{ \
nodes {{ {ISSUE_FIELDS} }} {PAGE_INFO} totalCount }} }}"
    )
});

/// Create an issue.
pub(crate) static ISSUE_CREATE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "mutation IssueCreate($input: IssueCreateInput!) {{ \
issueCreate(input: $input) {{ success issue {{ {ISSUE_FIELDS} }} }} }}"
    )
});

/// Change an issue.
pub(crate) static ISSUE_UPDATE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "mutation IssueUpdate($id: String!, $input: IssueUpdateInput!) {{ \
issueUpdate(id: $id, input: $input) {{ success issue {{ {ISSUE_FIELDS} }} }} }}"
    )
});

/// An issue's team and the team's workflow states.
pub(crate) const ISSUE_STATES: &str = "query IssueStates($id: String!) { \
issue(id: $id) { id team { id states(first: 250) { nodes { id name type } } } } }";

/// An issue's team.
pub(crate) const ISSUE_TEAM: &str =
    "query IssueTeam($id: String!) { issue(id: $id) { team { id } } }";

/// Labels matching a filter (for looking names up).
pub(crate) const LABEL_LOOKUP: &str = "query LabelLookup($filter: IssueLabelFilter!) { \
issueLabels(filter: $filter, first: 250) { nodes { id name color team { id } } } }";

/// Labels, a page at a time.
pub(crate) const LABELS: &str = "query Labels($filter: IssueLabelFilter, $first: Int!, $after: String) { \
issueLabels(filter: $filter, first: $first, after: $after) { nodes { id name color team { id } } \
pageInfo { hasNextPage endCursor } } }";

/// An issue's comments, a page at a time.
pub(crate) const COMMENTS: &str = "query IssueComments($id: String!, $first: Int!, $after: String) { \
issue(id: $id) { comments(first: $first, after: $after) { nodes { id body createdAt user { id } } \
pageInfo { hasNextPage endCursor } } } }";

/// Comment on an issue.
pub(crate) const COMMENT_CREATE: &str = "mutation CommentCreate($input: CommentCreateInput!) { \
commentCreate(input: $input) { success comment { id body createdAt user { id } } } }";

/// A team's members, a page at a time.
pub(crate) const MEMBERS: &str = "query TeamMembers($filter: TeamFilter!, $first: Int!, $after: String) { \
teams(filter: $filter, first: 1) { nodes { members(first: $first, after: $after) { \
nodes { id name displayName email } pageInfo { hasNextPage endCursor } } } } }";
