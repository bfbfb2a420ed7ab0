//! A double of the Jira Cloud REST API v3
//! (<https://developer.atlassian.com/cloud/jira/platform/rest/v3/>) under
//! `/rest/api/3`, over a [`FakeProject`].
//!
//! Served: projects (`/project/search` with `startAt`/`maxResults`,
//! `/project/{idOrKey}`), issues (create, get by id or key, edit with
//! `PUT`), transitions (`GET`/`POST /issue/{id}/transitions`, one
//! transition per state the fake's workflow reaches, named after it),
//! enhanced search (`/search/jql` with `jql`, `maxResults`,
//! `nextPageToken`), comments (add, list with `startAt`/`maxResults`),
//! labels (`/label`) and assignable users (`/user/assignable/search`).
//! Descriptions and comment bodies are Atlassian Document Format: the
//! double keeps their text (paragraphs separated by blank lines) and
//! answers ADF paragraphs. Requests need HTTP basic auth (`401`).
//!
//! JQL: clauses joined by `AND`, optionally in parentheses, of
//! `project = <key or id>`, `status = "<name>"`, `text ~ "<words>"` and
//! `summary ~ "<words>"`, then an optional `ORDER BY created ASC|DESC`;
//! anything else answers `400` with an `Error in the JQL Query` message,
//! as Jira does for a query it cannot parse. Errors carry Jira's
//! `{"errorMessages": [...], "errors": {field: message}}` body.
//!
//! Left out: issue types and fields metadata, sub-tasks, links, worklogs,
//! attachments, watchers, the rest of JQL, and rich ADF (marks, lists and
//! other nodes are read as their text).

// The error half of a handler's result is the HTTP answer itself, built
// once per failed request of a test double: boxing it buys nothing.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use http::StatusCode;
use mosaic_core::project::*;
use mosaic_core::{Error, ErrorKind, PageRequest};
use serde_json::{Value, json};

use super::citr_util::{all, projects_of, status_for};
use super::{Api, ApiRequest, ApiResponse};
use crate::FakeProject;

/// The fake's workflow: a state and the states it can move to.
const WORKFLOW: &[(&str, &[&str])] = &[
    ("To Do", &["In Progress", "Done", "Cancelled"]),
    ("In Progress", &["To Do", "Done", "Cancelled"]),
    ("Done", &["In Progress"]),
    ("Cancelled", &["To Do"]),
];

/// The Jira API over a [`FakeProject`]; serve it with
/// [`HttpDouble::start`](super::HttpDouble::start).
#[derive(Debug)]
pub struct JiraApi {
    tracker: Arc<FakeProject>,
}

type Reply = Result<ApiResponse, ApiResponse>;

fn error(status: StatusCode, messages: &[String], fields: &[(&str, String)]) -> ApiResponse {
    let errors: serde_json::Map<String, Value> = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect();
    ApiResponse::json(
        status,
        &json!({"errorMessages": messages, "errors": errors}),
    )
}

fn fail(e: Error) -> ApiResponse {
    let status = match e.kind() {
        ErrorKind::InvalidInput | ErrorKind::Conflict => StatusCode::BAD_REQUEST,
        _ => status_for(&e),
    };
    match e.field() {
        Some(f) => {
            let wire = match f {
                "title" => "summary",
                "assignees" => "assignee",
                other => other,
            };
            error(status, &[], &[(wire, e.message().to_owned())])
        }
        None => error(status, &[e.message().to_owned()], &[]),
    }
}

/// `2024-01-01T00:00:00Z` as Jira writes times (`…T00:00:00.000+0000`).
fn jira_time(ts: &Option<String>) -> Value {
    match ts.as_deref() {
        Some(t) if t.len() >= 19 => json!(format!("{}.000+0000", &t[..19])),
        _ => Value::Null,
    }
}

/// Text as an ADF document of paragraphs.
fn to_adf(text: &str) -> Value {
    let content: Vec<Value> = text
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| json!({"type": "paragraph", "content": [{"type": "text", "text": p.trim_end()}]}))
        .collect();
    json!({"type": "doc", "version": 1, "content": content})
}

/// The text of an ADF document: its text nodes, block nodes separated by
/// blank lines.
fn from_adf(doc: &Value) -> Option<String> {
    fn walk(v: &Value, out: &mut String) {
        if let Some(t) = v.get("text").and_then(Value::as_str) {
            out.push_str(t);
        }
        if v.get("type").and_then(Value::as_str) == Some("hardBreak") {
            out.push('\n');
        }
        if let Some(children) = v.get("content").and_then(Value::as_array) {
            for (i, c) in children.iter().enumerate() {
                let block = c.get("content").is_some() && c.get("text").is_none();
                if i > 0 && block && v.get("type").and_then(Value::as_str) == Some("doc") {
                    out.push_str("\n\n");
                }
                walk(c, out);
            }
        }
    }
    match doc {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        v => {
            let mut out = String::new();
            walk(v, &mut out);
            Some(out)
        }
    }
}

/// A parsed JQL query.
#[derive(Debug, Default, PartialEq)]
struct Query {
    project: Option<String>,
    status: Option<String>,
    text: Vec<String>,
    ascending: bool,
}

fn tokens(jql: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = jql.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' || c == '\'' {
            chars.next();
            let mut s = String::from("\"");
            loop {
                match chars.next() {
                    Some('\\') => {
                        if let Some(n) = chars.next() {
                            s.push(n);
                        }
                    }
                    Some(q) if q == c => break,
                    Some(o) => s.push(o),
                    None => return Err("an unterminated string".into()),
                }
            }
            out.push(s);
        } else if matches!(c, '(' | ')' | '=' | '~') {
            out.push(c.to_string());
            chars.next();
        } else if c == '!' {
            chars.next();
            out.push(format!("!{}", chars.next().unwrap_or(' ')));
        } else {
            let mut w = String::new();
            while let Some(&d) = chars.peek() {
                if d.is_whitespace() || matches!(d, '(' | ')' | '=' | '~' | '"' | '\'' | '!') {
                    break;
                }
                w.push(d);
                chars.next();
            }
            out.push(w);
        }
    }
    Ok(out)
}

fn value(t: &str) -> String {
    t.strip_prefix('"').unwrap_or(t).to_owned()
}

fn parse_jql(jql: &str) -> Result<Query, String> {
    let toks = tokens(jql)?;
    let mut q = Query::default();
    let mut i = 0;
    let upper = |t: &str| t.to_ascii_uppercase();
    let mut expect_clause = true;
    while i < toks.len() {
        let t = toks[i].as_str();
        if t == "(" || t == ")" {
            i += 1;
            continue;
        }
        if !expect_clause {
            if upper(t) == "AND" {
                expect_clause = true;
                i += 1;
                continue;
            }
            if upper(t) == "ORDER" && toks.get(i + 1).is_some_and(|b| upper(b) == "BY") {
                let field = toks.get(i + 2).map(|f| f.to_ascii_lowercase());
                if field.as_deref() != Some("created") {
                    return Err(format!("ordering by {field:?} is not supported"));
                }
                q.ascending = toks.get(i + 3).is_some_and(|d| upper(d) == "ASC");
                i += 3 + usize::from(toks.get(i + 3).is_some());
                continue;
            }
            return Err(format!("expecting 'AND' or 'ORDER BY' but got '{t}'"));
        }
        let (Some(op), Some(val)) = (toks.get(i + 1), toks.get(i + 2)) else {
            return Err(format!("expecting an operator after '{t}'"));
        };
        match (t.to_ascii_lowercase().as_str(), op.as_str()) {
            ("project", "=") => q.project = Some(value(val)),
            ("status", "=") => q.status = Some(value(val)),
            ("text" | "summary", "~") => q.text.push(value(val)),
            _ => {
                return Err(format!(
                    "the field '{t}' with operator '{op}' is not supported"
                ));
            }
        }
        expect_clause = false;
        i += 3;
    }
    if expect_clause && !toks.is_empty() {
        return Err("expecting a field name".into());
    }
    Ok(q)
}

impl JiraApi {
    /// The API over `tracker`.
    pub fn new(tracker: Arc<FakeProject>) -> Self {
        JiraApi { tracker }
    }

    fn render_issue(&self, req: &ApiRequest, i: &Issue, project: Option<&Project>) -> Value {
        let category = match i.status_category {
            StatusCategory::Todo => ("new", "To Do"),
            StatusCategory::InProgress => ("indeterminate", "In Progress"),
            StatusCategory::Done | StatusCategory::Cancelled => ("done", "Done"),
        };
        json!({
            "id": i.id, "key": i.key,
            "self": format!("{}/rest/api/3/issue/{}", req.origin, i.id),
            "fields": {
                "summary": i.title,
                "description": i.description.as_deref().map(to_adf),
                "status": {"name": i.status, "statusCategory": {"key": category.0, "name": category.1}},
                "labels": i.labels,
                "assignee": i.assignees.first().map(|a| json!({"accountId": a, "displayName": a})),
                "priority": i.priority.as_ref().map(|p| json!({"name": p})),
                "project": {
                    "id": project.map_or(i.project_id.clone(), |p| p.id.clone()),
                    "key": project.and_then(|p| p.key.clone()),
                    "name": project.map(|p| p.name.clone()),
                },
                "created": jira_time(&i.created_at), "updated": jira_time(&i.updated_at),
            },
        })
    }

    async fn projects(&self) -> Result<Vec<Project>, ApiResponse> {
        projects_of(&self.tracker).await.map_err(fail)
    }

    async fn project_of(&self, i: &Issue) -> Option<Project> {
        self.projects()
            .await
            .ok()?
            .into_iter()
            .find(|p| p.id == i.project_id || p.key.as_deref() == Some(&i.project_id))
    }

    async fn issue(&self, req: &ApiRequest, id: &str) -> Reply {
        let i = self
            .tracker
            .get_issue(IssueRef { id: id.to_owned() })
            .await
            .map_err(|_| {
                error(
                    StatusCode::NOT_FOUND,
                    &["Issue does not exist or you do not have permission to see it.".into()],
                    &[],
                )
            })?;
        let p = self.project_of(&i).await;
        Ok(ApiResponse::ok(&self.render_issue(req, &i, p.as_ref())))
    }

    fn render_project(req: &ApiRequest, p: &Project) -> Value {
        json!({
            "id": p.id, "key": p.key, "name": p.name, "description": p.description,
            "self": format!("{}/rest/api/3/project/{}", req.origin, p.id),
            "projectTypeKey": "software", "simplified": false,
        })
    }

    /// Fields of a create or edit body as the fake's parameters.
    fn fields(body: &Value) -> BTreeMap<&'static str, Value> {
        let f = &body["fields"];
        let mut out = BTreeMap::new();
        if let Some(s) = f.get("summary") {
            out.insert("summary", s.clone());
        }
        if let Some(d) = f.get("description") {
            out.insert("description", json!(from_adf(d)));
        }
        if let Some(l) = f.get("labels") {
            out.insert("labels", l.clone());
        }
        if let Some(a) = f.get("assignee") {
            out.insert(
                "assignee",
                a.get("accountId").cloned().unwrap_or(Value::Null),
            );
        }
        if let Some(p) = f.get("priority") {
            out.insert("priority", p.get("name").cloned().unwrap_or(Value::Null));
        }
        out
    }

    async fn search(&self, req: &ApiRequest) -> Reply {
        let jql = req.query("jql").unwrap_or("");
        let q = parse_jql(jql).map_err(|why| {
            error(
                StatusCode::BAD_REQUEST,
                &[format!("Error in the JQL Query: {why}.")],
                &[],
            )
        })?;
        let projects = self.projects().await?;
        let mut issues: Vec<Issue> = match &q.project {
            Some(p) => {
                let Some(pr) = projects
                    .iter()
                    .find(|x| x.id == *p || x.key.as_deref() == Some(p))
                else {
                    return Err(error(
                        StatusCode::BAD_REQUEST,
                        &[format!(
                            "The value '{p}' does not exist for the field 'project'."
                        )],
                        &[],
                    ));
                };
                all(
                    ListIssues {
                        project_id: pr.key.clone().unwrap_or(pr.id.clone()),
                        status: q.status.clone(),
                        page: PageRequest::first(),
                    },
                    |x| self.tracker.list_issues(x),
                )
                .await
                .map_err(fail)?
            }
            None => self.tracker.issues(),
        };
        if q.project.is_none()
            && let Some(s) = &q.status
        {
            issues.retain(|i| i.status.eq_ignore_ascii_case(s));
        }
        for words in &q.text {
            let words: Vec<String> = words.split_whitespace().map(str::to_lowercase).collect();
            issues.retain(|i| {
                let hay = format!("{} {}", i.title, i.description.as_deref().unwrap_or(""))
                    .to_lowercase();
                words.iter().all(|w| hay.contains(w))
            });
        }
        issues.sort_by_key(|i| i.id.parse::<u64>().unwrap_or(0));
        if !q.ascending {
            issues.reverse();
        }
        let start: usize = match req.query("nextPageToken") {
            Some(t) => t
                .strip_prefix("o")
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| {
                    error(
                        StatusCode::BAD_REQUEST,
                        &["Invalid nextPageToken.".into()],
                        &[],
                    )
                })?,
            None => 0,
        };
        let size = req.query_num("maxResults", 50usize).clamp(1, 5000);
        let page: Vec<&Issue> = issues.iter().skip(start).take(size).collect();
        let more = start + size < issues.len();
        let mut rendered = Vec::new();
        for i in page {
            let p = projects
                .iter()
                .find(|p| p.id == i.project_id || p.key.as_deref() == Some(&i.project_id));
            rendered.push(self.render_issue(req, i, p));
        }
        let mut body = json!({"issues": rendered, "isLast": !more});
        if more {
            body["nextPageToken"] = json!(format!("o{}", start + size));
        }
        Ok(ApiResponse::ok(&body))
    }

    fn offset_page<T: Clone>(
        req: &ApiRequest,
        items: &[T],
        default: usize,
    ) -> (usize, usize, Vec<T>) {
        let start = req.query_num("startAt", 0usize);
        let size = req.query_num("maxResults", default).clamp(1, 1000);
        let slice = items.iter().skip(start).take(size).cloned().collect();
        (start, size, slice)
    }

    async fn route(&self, req: &ApiRequest, rest: &str) -> Reply {
        let sub = ApiRequest {
            path: format!("/{rest}"),
            ..req.clone()
        };
        if sub.route("GET", "/project/search").is_some() {
            let all = self.projects().await?;
            let (start, size, page) = Self::offset_page(req, &all, 50);
            let values: Vec<Value> = page.iter().map(|p| Self::render_project(req, p)).collect();
            return Ok(ApiResponse::ok(&json!({
                "startAt": start, "maxResults": size, "total": all.len(),
                "isLast": start + size >= all.len(), "values": values,
            })));
        }
        if let Some(c) = sub.route("GET", "/project/{id}") {
            let all = self.projects().await?;
            let p = all
                .iter()
                .find(|p| p.id == c[0] || p.key.as_deref() == Some(&c[0]))
                .ok_or_else(|| {
                    error(
                        StatusCode::NOT_FOUND,
                        &[format!("No project could be found with key '{}'.", c[0])],
                        &[],
                    )
                })?;
            return Ok(ApiResponse::ok(&Self::render_project(req, p)));
        }
        if sub.route("POST", "/issue").is_some() {
            let body: Value = req.json()?;
            let f = Self::fields(&body);
            let project = &body["fields"]["project"];
            let project_id = project
                .get("key")
                .or_else(|| project.get("id"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            if project_id.is_empty() {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    &[],
                    &[("project", "Specify a valid project ID or key".into())],
                ));
            }
            let issue = self
                .tracker
                .create_issue(CreateIssue {
                    project_id,
                    title: f
                        .get("summary")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                    description: f
                        .get("description")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    issue_type: body["fields"]["issuetype"]["name"]
                        .as_str()
                        .map(str::to_owned),
                    labels: f
                        .get("labels")
                        .and_then(|l| serde_json::from_value(l.clone()).ok())
                        .unwrap_or_default(),
                    assignees: f
                        .get("assignee")
                        .and_then(Value::as_str)
                        .map(|a| vec![a.to_owned()])
                        .unwrap_or_default(),
                    priority: f.get("priority").and_then(Value::as_str).map(str::to_owned),
                })
                .await
                .map_err(fail)?;
            return Ok(ApiResponse::created(&json!({
                "id": issue.id, "key": issue.key,
                "self": format!("{}/rest/api/3/issue/{}", req.origin, issue.id),
            })));
        }
        if let Some(c) = sub.route("GET", "/issue/{id}") {
            return self.issue(req, &c[0]).await;
        }
        if let Some(c) = sub.route("PUT", "/issue/{id}") {
            let body: Value = req.json()?;
            let f = Self::fields(&body);
            self.tracker
                .update_issue(UpdateIssue {
                    id: c[0].clone(),
                    title: f.get("summary").and_then(Value::as_str).map(str::to_owned),
                    description: f
                        .get("description")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    labels: f
                        .get("labels")
                        .and_then(|l| serde_json::from_value(l.clone()).ok()),
                    assignees: f
                        .get("assignee")
                        .map(|a| a.as_str().map(|s| vec![s.to_owned()]).unwrap_or_default()),
                    priority: f.get("priority").and_then(Value::as_str).map(str::to_owned),
                })
                .await
                .map_err(fail)?;
            return Ok(ApiResponse::empty(StatusCode::NO_CONTENT));
        }
        if let Some(c) = sub.route("GET", "/issue/{id}/transitions") {
            let i = self
                .tracker
                .get_issue(IssueRef { id: c[0].clone() })
                .await
                .map_err(fail)?;
            let targets = WORKFLOW
                .iter()
                .find(|(s, _)| s.eq_ignore_ascii_case(&i.status))
                .map_or(&[][..], |(_, t)| *t);
            let transitions: Vec<Value> = targets
                .iter()
                .map(|t| {
                    let id = WORKFLOW.iter().position(|(s, _)| s == t).unwrap_or(0) * 10 + 11;
                    json!({"id": id.to_string(), "name": t, "to": {"name": t}, "hasScreen": false})
                })
                .collect();
            return Ok(ApiResponse::ok(&json!({"transitions": transitions})));
        }
        if let Some(c) = sub.route("POST", "/issue/{id}/transitions") {
            let body: Value = req.json()?;
            let tid = match &body["transition"]["id"] {
                Value::String(s) => s.parse::<usize>().ok(),
                Value::Number(n) => n.as_u64().map(|n| n as usize),
                _ => None,
            };
            let target = tid
                .filter(|t| *t >= 11 && (t - 11) % 10 == 0)
                .and_then(|t| WORKFLOW.get((t - 11) / 10))
                .map(|(s, _)| *s)
                .ok_or_else(|| {
                    error(
                        StatusCode::BAD_REQUEST,
                        &["Transition id is not valid for this issue.".into()],
                        &[],
                    )
                })?;
            self.tracker
                .transition_issue(TransitionIssue {
                    id: c[0].clone(),
                    to: target.to_owned(),
                })
                .await
                .map_err(fail)?;
            return Ok(ApiResponse::empty(StatusCode::NO_CONTENT));
        }
        if let Some(c) = sub.route("POST", "/issue/{id}/comment") {
            let body: Value = req.json()?;
            let text = from_adf(&body["body"]).unwrap_or_default();
            let cm = self
                .tracker
                .add_comment(AddComment {
                    issue_id: c[0].clone(),
                    body: text,
                })
                .await
                .map_err(fail)?;
            return Ok(ApiResponse::created(&Self::render_comment(&cm)));
        }
        if let Some(c) = sub.route("GET", "/issue/{id}/comment") {
            let list = all(
                ListComments {
                    issue_id: c[0].clone(),
                    page: PageRequest::first(),
                },
                |q| self.tracker.list_comments(q),
            )
            .await
            .map_err(fail)?;
            let (start, size, page) = Self::offset_page(req, &list, 50);
            let comments: Vec<Value> = page.iter().map(Self::render_comment).collect();
            return Ok(ApiResponse::ok(&json!({
                "startAt": start, "maxResults": size, "total": list.len(), "comments": comments,
            })));
        }
        if sub.route("GET", "/search/jql").is_some() {
            return self.search(req).await;
        }
        if sub.route("GET", "/label").is_some() {
            let list = all(
                ListLabels {
                    project_id: None,
                    page: PageRequest::first(),
                },
                |q| self.tracker.list_labels(q),
            )
            .await
            .map_err(fail)?;
            let names: Vec<String> = list.into_iter().map(|l| l.name).collect();
            let (start, size, page) = Self::offset_page(req, &names, 1000);
            return Ok(ApiResponse::ok(&json!({
                "startAt": start, "maxResults": size, "total": names.len(),
                "isLast": start + size >= names.len(), "values": page,
            })));
        }
        if sub.route("GET", "/user/assignable/search").is_some() {
            let project = req.query("project").unwrap_or("").to_owned();
            let list = all(
                ListAssignees {
                    project_id: project,
                    page: PageRequest::first(),
                },
                |q| self.tracker.list_assignees(q),
            )
            .await
            .map_err(fail)?;
            let (_, _, page) = Self::offset_page(req, &list, 50);
            let users: Vec<Value> = page
                .iter()
                .map(|u| {
                    json!({"accountId": u.id, "displayName": u.name, "emailAddress": u.email,
                           "active": true, "accountType": "atlassian"})
                })
                .collect();
            return Ok(ApiResponse::ok(&users));
        }
        Err(error(StatusCode::NOT_FOUND, &["Not Found".into()], &[]))
    }

    fn render_comment(c: &Comment) -> Value {
        json!({
            "id": c.id,
            "author": c.author.as_ref().map(|a| json!({"accountId": a, "displayName": a})),
            "body": to_adf(&c.body),
            "created": jira_time(&c.created_at), "updated": jira_time(&c.created_at),
        })
    }
}

#[async_trait]
impl Api for JiraApi {
    async fn handle(&self, r: ApiRequest) -> ApiResponse {
        let basic = r
            .header("authorization")
            .and_then(|h| h.strip_prefix("Basic "))
            .is_some_and(|t| !t.trim().is_empty());
        if !basic {
            return error(
                StatusCode::UNAUTHORIZED,
                &[
                    "You are not authenticated. Authentication required to perform this operation."
                        .into(),
                ],
                &[],
            );
        }
        match super::match_path(&r.path, "/rest/api/3/{rest*}") {
            Some(c) => self.route(&r, &c[0]).await.unwrap_or_else(|e| e),
            None => error(StatusCode::NOT_FOUND, &["Not Found".into()], &[]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jql_subset() {
        let q = parse_jql(r#"project = "CONF" AND (text ~ "qwz") ORDER BY created DESC"#).unwrap();
        assert_eq!(q.project.as_deref(), Some("CONF"));
        assert_eq!(q.text, vec!["qwz".to_owned()]);
        assert!(!q.ascending);
        let q = parse_jql(r#"project = 10000 AND status = "In Progress" ORDER BY created ASC"#)
            .unwrap();
        assert_eq!(q.status.as_deref(), Some("In Progress"));
        assert!(q.ascending);
        assert!(parse_jql(r#"project = "CONF" AND (qwzmosaic)"#).is_err());
        assert!(parse_jql("assignee = currentUser()").is_err());
        assert!(parse_jql(r#"project = "x"#).is_err());
    }

    #[test]
    fn adf_text_round_trip() {
        let doc = to_adf("one\n\ntwo");
        assert_eq!(from_adf(&doc).as_deref(), Some("one\n\ntwo"));
        assert_eq!(from_adf(&Value::Null), None);
    }
}
