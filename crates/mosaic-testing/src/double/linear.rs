//! A double of Linear's GraphQL API (<https://developers.linear.app/docs>,
//! `POST /graphql`) over a [`FakeProject`].
//!
//! It is not a GraphQL engine: it reads the operation's root field
//! (`teams`, `issue`, `issues`, `searchIssues`, `issueLabels`,
//! `issueCreate`, `issueUpdate`, `commentCreate`), tells apart the
//! selections it serves by the nested fields they name (`members`,
//! `comments`, `states`), takes the arguments from `variables`, and
//! answers the fields Linear's schema defines for them (whatever the
//! selection asks for). Connections page with `first`/`after` and
//! `pageInfo { hasNextPage endCursor }`.
//!
//! Mapping: a fake project is a team (`id`, `key`), its issues Linear
//! issues (the key is the `identifier`), the fake's workflow states the
//! team's states (`To Do` unstarted, `In Progress` started, `Done`
//! completed, `Cancelled` canceled); `issueUpdate` with a `stateId` moves
//! the issue along the fake's workflow. Priorities `1`–`4` are the fake's
//! `Highest`, `High`, `Medium`, `Low`. Labels are workspace labels named
//! after the fake's labels. Errors are GraphQL errors with Linear's
//! extensions (`INVALID_INPUT`, "Entity not found" messages,
//! `AUTHENTICATION_ERROR` without an `Authorization` header).
//!
//! Left out: projects, cycles, documents, attachments, reactions,
//! subscriptions, custom views, and any root field not listed above.

// The error half of a handler's result is the HTTP answer itself, built
// once per failed request of a test double: boxing it buys nothing.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use async_trait::async_trait;
use http::StatusCode;
use mosaic_core::project::*;
use mosaic_core::{Error, ErrorKind, PageRequest};
use serde_json::{Value, json};

use super::citr_util::{all, projects_of};
use super::{Api, ApiRequest, ApiResponse};
use crate::FakeProject;

/// The fake's workflow states as Linear states: id, name, type.
const STATES: &[(&str, &str, &str)] = &[
    ("state-todo", "To Do", "unstarted"),
    ("state-in-progress", "In Progress", "started"),
    ("state-done", "Done", "completed"),
    ("state-cancelled", "Cancelled", "canceled"),
];

/// Linear priorities 1–4 as the fake's names (0: none).
const PRIORITIES: &[(u64, &str, &str)] = &[
    (1, "Highest", "Urgent"),
    (2, "High", "High"),
    (3, "Medium", "Medium"),
    (4, "Low", "Low"),
];

/// The Linear API over a [`FakeProject`]; serve it with
/// [`HttpDouble::start`](super::HttpDouble::start).
#[derive(Debug)]
pub struct LinearApi {
    tracker: Arc<FakeProject>,
}

type Reply = Result<Value, ApiResponse>;

fn gql_error(message: impl std::fmt::Display, code: &str) -> ApiResponse {
    let message = message.to_string();
    ApiResponse::json(
        StatusCode::OK,
        &json!({"data": null, "errors": [{
            "message": message,
            "extensions": {"code": code, "type": code.to_lowercase().replace('_', " "),
                           "userPresentableMessage": message},
        }]}),
    )
}

fn fail(e: Error) -> ApiResponse {
    match e.kind() {
        ErrorKind::NotFound => gql_error(
            format!("Entity not found: {}", e.message()),
            "INVALID_INPUT",
        ),
        ErrorKind::InvalidInput | ErrorKind::Conflict => gql_error(
            format!("Argument Validation Error: {}", e.message()),
            "INVALID_INPUT",
        ),
        _ => gql_error(e.message(), "INTERNAL_SERVER_ERROR"),
    }
}

/// The root field of an operation and the text of its selection.
fn root_field(query: &str) -> Option<(String, &str)> {
    let open = query.find('{')?;
    let body = &query[open + 1..];
    let name: String = body
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some((name, body))
}

/// `first`/`after` of the variables as a slice of `items`.
fn connection(vars: &Value, items: Vec<Value>) -> Value {
    let first = vars["first"].as_u64().unwrap_or(50).clamp(1, 250) as usize;
    let start = vars["after"]
        .as_str()
        .and_then(|c| c.strip_prefix('c'))
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0);
    let nodes: Vec<Value> = items.iter().skip(start).take(first).cloned().collect();
    let end = start + nodes.len();
    let more = end < items.len();
    json!({
        "nodes": nodes,
        "pageInfo": {"hasNextPage": more, "endCursor": if more { Some(format!("c{end}")) } else { None }},
    })
}

/// The team a `TeamFilter` (`{key: {eqIgnoreCase}}` or `{id: {eq}}`) names.
fn team_matches(filter: &Value, p: &Project) -> bool {
    if let Some(k) = filter["key"]["eqIgnoreCase"].as_str() {
        return p.key.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(k));
    }
    if let Some(k) = filter["key"]["eq"].as_str() {
        return p.key.as_deref() == Some(k);
    }
    if let Some(id) = filter["id"]["eq"].as_str() {
        return p.id == id;
    }
    filter.is_null()
}

impl LinearApi {
    /// The API over `tracker`.
    pub fn new(tracker: Arc<FakeProject>) -> Self {
        LinearApi { tracker }
    }

    async fn teams(&self) -> Result<Vec<Project>, ApiResponse> {
        projects_of(&self.tracker).await.map_err(fail)
    }

    fn render_team(p: &Project) -> Value {
        json!({"id": p.id, "key": p.key, "name": p.name, "description": p.description})
    }

    fn render_issue(&self, i: &Issue, teams: &[Project]) -> Value {
        let team = teams
            .iter()
            .find(|t| t.id == i.project_id || t.key.as_deref() == Some(&i.project_id))
            .map_or(i.project_id.clone(), |t| t.id.clone());
        let kind = STATES
            .iter()
            .find(|(_, n, _)| n.eq_ignore_ascii_case(&i.status))
            .map_or("unstarted", |s| s.2);
        let (priority, label) = i
            .priority
            .as_deref()
            .and_then(|p| {
                PRIORITIES
                    .iter()
                    .find(|(_, n, _)| n.eq_ignore_ascii_case(p))
            })
            .map_or((0, "No priority"), |(n, _, l)| (*n, *l));
        json!({
            "id": i.id, "identifier": i.key, "title": i.title, "description": i.description,
            "priority": priority, "priorityLabel": label,
            "url": format!("https://linear.invalid/issue/{}", i.key),
            "createdAt": i.created_at, "updatedAt": i.updated_at,
            "state": {"name": i.status, "type": kind},
            "team": {"id": team},
            "assignee": i.assignees.first().map(|a| json!({"id": a})),
            "labels": {"nodes": i.labels.iter().map(|l| json!({"name": l})).collect::<Vec<_>>()},
        })
    }

    async fn issue(&self, id: &str) -> Result<Issue, ApiResponse> {
        self.tracker
            .get_issue(IssueRef { id: id.to_owned() })
            .await
            .map_err(|_| gql_error("Entity not found: Issue", "INVALID_INPUT"))
    }

    fn render_comment(c: &Comment) -> Value {
        json!({"id": c.id, "body": c.body, "createdAt": c.created_at,
               "user": c.author.as_ref().map(|a| json!({"id": a}))})
    }

    /// The fake's label names of `ids` (labels are identified by name).
    fn labels_of(ids: &Value) -> Option<Vec<String>> {
        ids.as_array().map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
    }

    fn priority_of(v: &Value) -> Option<String> {
        let n = v.as_u64()?;
        if n == 0 {
            return None;
        }
        PRIORITIES
            .iter()
            .find(|(p, _, _)| *p == n)
            .map(|(_, name, _)| (*name).to_owned())
    }

    async fn answer(&self, query: &str, vars: &Value) -> Reply {
        let Some((root, body)) = root_field(query) else {
            return Err(gql_error(
                "Syntax Error: Expected Name",
                "GRAPHQL_PARSE_FAILED",
            ));
        };
        let teams = self.teams().await?;
        match root.as_str() {
            "teams" if body.contains("members(") => {
                let team = teams
                    .iter()
                    .find(|t| team_matches(&vars["filter"], t))
                    .cloned();
                let nodes = match team {
                    Some(t) => {
                        let users = all(
                            ListAssignees {
                                project_id: t.key.clone().unwrap_or(t.id.clone()),
                                page: PageRequest::first(),
                            },
                            |q| self.tracker.list_assignees(q),
                        )
                        .await
                        .map_err(fail)?;
                        let items = users
                            .iter()
                            .map(|u| json!({"id": u.id, "name": u.name, "displayName": u.name, "email": u.email}))
                            .collect();
                        vec![json!({"members": connection(vars, items)})]
                    }
                    None => Vec::new(),
                };
                Ok(json!({"teams": {"nodes": nodes}}))
            }
            "teams" => {
                let items: Vec<Value> = teams
                    .iter()
                    .filter(|t| vars["filter"].is_null() || team_matches(&vars["filter"], t))
                    .map(Self::render_team)
                    .collect();
                Ok(json!({"teams": connection(vars, items)}))
            }
            "issue" if body.contains("comments(") => {
                let i = self.issue(vars["id"].as_str().unwrap_or("")).await?;
                let list = all(
                    ListComments {
                        issue_id: i.id.clone(),
                        page: PageRequest::first(),
                    },
                    |q| self.tracker.list_comments(q),
                )
                .await
                .map_err(fail)?;
                let items = list.iter().map(Self::render_comment).collect();
                Ok(json!({"issue": {"comments": connection(vars, items)}}))
            }
            "issue" => {
                let i = self.issue(vars["id"].as_str().unwrap_or("")).await?;
                let mut v = self.render_issue(&i, &teams);
                if body.contains("states(") {
                    let states: Vec<Value> = STATES
                        .iter()
                        .map(|(id, name, kind)| json!({"id": id, "name": name, "type": kind}))
                        .collect();
                    v["team"]["states"] = json!({"nodes": states});
                }
                Ok(json!({"issue": v}))
            }
            "issues" | "searchIssues" => {
                let filter = &vars["filter"];
                let team = match filter.get("team") {
                    Some(f) if !f.is_null() => Some(
                        teams
                            .iter()
                            .find(|t| team_matches(f, t))
                            .cloned()
                            .ok_or_else(|| gql_error("Entity not found: Team", "INVALID_INPUT"))?,
                    ),
                    _ => None,
                };
                let state = filter["state"]["name"]["eqIgnoreCase"].as_str();
                let mut issues = if root == "searchIssues" {
                    all(
                        SearchIssues {
                            query: vars["term"].as_str().unwrap_or("").to_owned(),
                            project_id: team
                                .as_ref()
                                .map(|t| t.key.clone().unwrap_or(t.id.clone())),
                            page: PageRequest::first(),
                        },
                        |q| self.tracker.search_issues(q),
                    )
                    .await
                    .map_err(fail)?
                } else {
                    match &team {
                        Some(t) => all(
                            ListIssues {
                                project_id: t.key.clone().unwrap_or(t.id.clone()),
                                status: None,
                                page: PageRequest::first(),
                            },
                            |q| self.tracker.list_issues(q),
                        )
                        .await
                        .map_err(fail)?,
                        None => self.tracker.issues(),
                    }
                };
                if let Some(s) = state {
                    issues.retain(|i| i.status.eq_ignore_ascii_case(s));
                }
                let total = issues.len();
                let items = issues
                    .iter()
                    .map(|i| self.render_issue(i, &teams))
                    .collect();
                let mut conn = connection(vars, items);
                if root == "searchIssues" {
                    conn["totalCount"] = json!(total);
                }
                let mut out = serde_json::Map::new();
                out.insert(root.clone(), conn);
                Ok(Value::Object(out))
            }
            "issueLabels" => {
                let labels = all(
                    ListLabels {
                        project_id: None,
                        page: PageRequest::first(),
                    },
                    |q| self.tracker.list_labels(q),
                )
                .await
                .map_err(fail)?;
                let wanted: Option<Vec<String>> =
                    vars["filter"]["and"][0]["name"]["in"].as_array().map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect()
                    });
                let items = labels
                    .iter()
                    .filter(|l| wanted.as_ref().is_none_or(|w| w.contains(&l.name)))
                    .map(|l| json!({"id": l.name, "name": l.name, "color": l.color, "team": null}))
                    .collect();
                Ok(json!({"issueLabels": connection(vars, items)}))
            }
            "issueCreate" => {
                let input = &vars["input"];
                let team_id = input["teamId"].as_str().unwrap_or("");
                let team = teams
                    .iter()
                    .find(|t| t.id == team_id)
                    .ok_or_else(|| gql_error("Entity not found: Team", "INVALID_INPUT"))?;
                let i = self
                    .tracker
                    .create_issue(CreateIssue {
                        project_id: team.key.clone().unwrap_or(team.id.clone()),
                        title: input["title"].as_str().unwrap_or("").to_owned(),
                        description: input["description"].as_str().map(str::to_owned),
                        issue_type: None,
                        labels: Self::labels_of(&input["labelIds"]).unwrap_or_default(),
                        assignees: input["assigneeId"]
                            .as_str()
                            .map(|a| vec![a.to_owned()])
                            .unwrap_or_default(),
                        priority: Self::priority_of(&input["priority"]),
                    })
                    .await
                    .map_err(fail)?;
                Ok(
                    json!({"issueCreate": {"success": true, "issue": self.render_issue(&i, &teams)}}),
                )
            }
            "issueUpdate" => {
                let id = vars["id"].as_str().unwrap_or("");
                let input = &vars["input"];
                let mut i = self.issue(id).await?;
                let has = |k: &str| input.get(k).is_some();
                if has("title")
                    || has("description")
                    || has("labelIds")
                    || has("assigneeId")
                    || has("priority")
                {
                    i = self
                        .tracker
                        .update_issue(UpdateIssue {
                            id: i.id.clone(),
                            title: input["title"].as_str().map(str::to_owned),
                            description: input["description"].as_str().map(str::to_owned),
                            labels: Self::labels_of(&input["labelIds"]),
                            assignees: input.get("assigneeId").map(|a| {
                                a.as_str().map(|s| vec![s.to_owned()]).unwrap_or_default()
                            }),
                            priority: has("priority")
                                .then(|| Self::priority_of(&input["priority"]))
                                .flatten(),
                        })
                        .await
                        .map_err(fail)?;
                }
                if let Some(state) = input["stateId"].as_str() {
                    let (_, name, _) =
                        STATES
                            .iter()
                            .find(|(sid, _, _)| *sid == state)
                            .ok_or_else(|| {
                                gql_error("Entity not found: WorkflowState", "INVALID_INPUT")
                            })?;
                    i = self
                        .tracker
                        .transition_issue(TransitionIssue {
                            id: i.id.clone(),
                            to: (*name).to_owned(),
                        })
                        .await
                        .map_err(fail)?;
                }
                Ok(
                    json!({"issueUpdate": {"success": true, "issue": self.render_issue(&i, &teams)}}),
                )
            }
            "commentCreate" => {
                let input = &vars["input"];
                let issue = self.issue(input["issueId"].as_str().unwrap_or("")).await?;
                let c = self
                    .tracker
                    .add_comment(AddComment {
                        issue_id: issue.id,
                        body: input["body"].as_str().unwrap_or("").to_owned(),
                    })
                    .await
                    .map_err(fail)?;
                Ok(json!({"commentCreate": {"success": true, "comment": Self::render_comment(&c)}}))
            }
            other => Err(gql_error(
                format!("Cannot query field \"{other}\" on type \"Query\"."),
                "GRAPHQL_VALIDATION_FAILED",
            )),
        }
    }
}

#[async_trait]
impl Api for LinearApi {
    async fn handle(&self, r: ApiRequest) -> ApiResponse {
        if r.route("POST", "/graphql").is_none() {
            return ApiResponse::message(StatusCode::NOT_FOUND, "Not Found");
        }
        if r.header("authorization")
            .is_none_or(|h| h.trim().is_empty())
        {
            return ApiResponse::json(
                StatusCode::BAD_REQUEST,
                &json!({"errors": [{"message": "Authentication required, not authenticated",
                                    "extensions": {"code": "AUTHENTICATION_ERROR", "type": "authentication error"}}]}),
            );
        }
        let body: Value = match r.json() {
            Ok(b) => b,
            Err(e) => return e,
        };
        let query = body["query"].as_str().unwrap_or("");
        let vars = body.get("variables").cloned().unwrap_or(Value::Null);
        match self.answer(query, &vars).await {
            Ok(data) => ApiResponse::ok(&json!({ "data": data })),
            Err(e) => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_fields_and_connections() {
        let (root, body) =
            root_field("query Issue($id: String!) { issue(id: $id) { id comments(first: 2) { nodes { id } } } }")
                .unwrap();
        assert_eq!(root, "issue");
        assert!(body.contains("comments("));
        assert_eq!(
            root_field("mutation X { issueCreate(input: $i) { success } }")
                .unwrap()
                .0,
            "issueCreate"
        );
        assert!(root_field("nothing").is_none());
        let items: Vec<Value> = (0..5).map(|i| json!(i)).collect();
        let page = connection(&json!({"first": 2, "after": "c2"}), items);
        assert_eq!(page["nodes"], json!([2, 3]));
        assert_eq!(page["pageInfo"]["endCursor"], "c4");
    }
}
