//! [`ProjectProvider`] for [`Jira`].

use async_trait::async_trait;
use mosaic_core::project::*;
use mosaic_core::{Capabilities, Cursor, Error, Page, PageRequest, Result};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::{Jira, PAGE_SIZE, PROVIDER, map, named, wire};
use crate::http::path::segment;
use crate::tracker_support::RawResponse;

/// The issue fields every issue request asks for.
pub(crate) const ISSUE_FIELDS: &str =
    "summary,description,status,labels,assignee,priority,project,created,updated";

/// Assignable users are searched among the first thousand users only.
const USER_SEARCH_LIMIT: u64 = 1000;

fn nonempty<'a>(field: &str, value: &'a str) -> Result<&'a str> {
    let v = value.trim();
    if v.is_empty() {
        Err(named(Error::invalid_input(field, "must not be empty")))
    } else {
        Ok(v)
    }
}

/// The offset a cursor stands for (`None`: the first page).
fn offset(page: &PageRequest) -> Result<u64> {
    match &page.cursor {
        None => Ok(0),
        Some(c) => c.as_str().parse().map_err(|_| {
            named(Error::invalid_input(
                "page.cursor",
                format!("`{}` is not a cursor of this listing", c.as_str()),
            ))
        }),
    }
}

/// The next offset cursor after `count` items from `start`, unless the
/// listing said it ended.
fn next_offset(
    start: u64,
    count: usize,
    total: Option<u64>,
    is_last: Option<bool>,
) -> Option<Cursor> {
    let next = start + count as u64;
    let more = match (is_last, total) {
        (Some(last), _) => !last,
        (None, Some(t)) => next < t,
        (None, None) => false,
    };
    (more && count > 0).then(|| Cursor::new(next.to_string()))
}

/// `startAt` and `maxResults` of `page`, at most `max` items.
fn window(page: &PageRequest, max: u32) -> Result<Vec<(&'static str, String)>> {
    Ok(vec![
        ("startAt", offset(page)?.to_string()),
        (
            PAGE_SIZE.param,
            page.size_or(PAGE_SIZE.default, max).to_string(),
        ),
    ])
}

/// The page of `values` found at `start`, with the total when Jira gave it.
fn offset_page<T>(values: Vec<T>, start: u64, total: Option<u64>, last: Option<bool>) -> Page<T> {
    let next = next_offset(start, values.len(), total, last);
    let page = Page::new(values, next);
    match total {
        Some(t) => page.with_total(t),
        None => page,
    }
}

/// At most one assignee: Jira issues have a single assignee.
fn assignee(list: &[String]) -> Result<Value> {
    match list {
        [] => Ok(Value::Null),
        [one] => Ok(json!({"accountId": nonempty("assignees", one)?})),
        _ => Err(named(Error::invalid_input(
            "assignees",
            "a Jira issue has at most one assignee",
        ))),
    }
}

impl Jira {
    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<RawResponse> {
        let resp = self.raw.send(method, path, query, body).await?;
        if resp.status.is_success() {
            Ok(resp)
        } else {
            Err(map::error(&self.raw, &resp))
        }
    }

    async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<T> {
        self.call(method, path, query, body).await?.json(PROVIDER)
    }

    async fn issue_by_key(&self, key: &str) -> Result<Issue> {
        let i: wire::Issue = self
            .json(
                Method::GET,
                &format!("/issue/{}", segment(key)),
                &[("fields", ISSUE_FIELDS.to_owned())],
                None,
            )
            .await?;
        map::issue(i, &self.site)
    }

    async fn search(&self, jql: String, page: &PageRequest) -> Result<Page<Issue>> {
        let mut q = vec![
            ("jql", jql),
            (
                PAGE_SIZE.param,
                page.size_or(PAGE_SIZE.default, PAGE_SIZE.max).to_string(),
            ),
            ("fields", ISSUE_FIELDS.to_owned()),
        ];
        if let Some(c) = &page.cursor {
            q.push(("nextPageToken", c.as_str().to_owned()));
        }
        let r: wire::SearchResults = self.json(Method::GET, "/search/jql", &q, None).await?;
        let items = r
            .issues
            .into_iter()
            .map(|i| map::issue(i, &self.site))
            .collect::<Result<Vec<_>>>()?;
        let next = match r.is_last {
            Some(true) => None,
            _ => r.next_page_token.filter(|t| !t.is_empty()).map(Cursor::new),
        };
        Ok(Page::new(items, next))
    }
}

#[async_trait]
impl ProjectProvider for Jira {
    fn capabilities(&self) -> Capabilities {
        Jira::operations()
    }

    async fn list_projects(&self, p: ListProjects) -> Result<Page<Project>> {
        let mut q = window(&p.page, PAGE_SIZE.max)?;
        q.push(("expand", "description".to_owned()));
        let b: wire::PageBean<wire::Project> =
            self.json(Method::GET, "/project/search", &q, None).await?;
        Ok(offset_page(b.values, b.start_at, b.total, b.is_last)
            .map(|p| map::project(p, &self.site)))
    }

    async fn get_project(&self, p: ProjectRef) -> Result<Project> {
        let id = nonempty("id", &p.id)?;
        let pr: wire::Project = self
            .json(
                Method::GET,
                &format!("/project/{}", segment(id)),
                &[("expand", "description".to_owned())],
                None,
            )
            .await?;
        Ok(map::project(pr, &self.site))
    }

    async fn create_issue(&self, p: CreateIssue) -> Result<Issue> {
        let project = nonempty("project_id", &p.project_id)?;
        let title = nonempty("title", &p.title)?;
        let assignee = assignee(&p.assignees)?;
        let mut fields = Map::new();
        fields.insert(
            "project".into(),
            if project.bytes().all(|b| b.is_ascii_digit()) {
                json!({"id": project})
            } else {
                json!({"key": project})
            },
        );
        fields.insert("summary".into(), json!(title));
        fields.insert(
            "issuetype".into(),
            json!({"name": p.issue_type.as_deref().map(str::trim).filter(|t| !t.is_empty()).unwrap_or("Task")}),
        );
        if let Some(d) = &p.description {
            fields.insert("description".into(), map::to_adf(d, "issue description"));
        }
        if !p.labels.is_empty() {
            if let Some(bad) = p
                .labels
                .iter()
                .find(|l| l.trim().is_empty() || l.contains(' '))
            {
                return Err(named(Error::invalid_input(
                    "labels",
                    format!("`{bad}` is not a Jira label (labels have no spaces)"),
                )));
            }
            fields.insert("labels".into(), json!(p.labels));
        }
        if !assignee.is_null() {
            fields.insert("assignee".into(), assignee);
        }
        if let Some(pr) = &p.priority {
            fields.insert(
                "priority".into(),
                json!({"name": nonempty("priority", pr)?}),
            );
        }
        let created: wire::Created = self
            .json(
                Method::POST,
                "/issue",
                &[],
                Some(&json!({"fields": fields})),
            )
            .await?;
        self.issue_by_key(&created.key).await
    }

    async fn get_issue(&self, p: IssueRef) -> Result<Issue> {
        let id = nonempty("id", &p.id)?;
        self.issue_by_key(id).await
    }

    async fn update_issue(&self, p: UpdateIssue) -> Result<Issue> {
        let id = nonempty("id", &p.id)?;
        let mut fields = Map::new();
        if let Some(t) = &p.title {
            fields.insert("summary".into(), json!(nonempty("title", t)?));
        }
        if let Some(d) = &p.description {
            fields.insert(
                "description".into(),
                if d.trim().is_empty() {
                    Value::Null
                } else {
                    map::to_adf(d, "issue description")
                },
            );
        }
        if let Some(labels) = &p.labels {
            if let Some(bad) = labels
                .iter()
                .find(|l| l.trim().is_empty() || l.contains(' '))
            {
                return Err(named(Error::invalid_input(
                    "labels",
                    format!("`{bad}` is not a Jira label (labels have no spaces)"),
                )));
            }
            fields.insert("labels".into(), json!(labels));
        }
        if let Some(a) = &p.assignees {
            fields.insert("assignee".into(), assignee(a)?);
        }
        if let Some(pr) = &p.priority {
            fields.insert(
                "priority".into(),
                json!({"name": nonempty("priority", pr)?}),
            );
        }
        if !fields.is_empty() {
            self.call(
                Method::PUT,
                &format!("/issue/{}", segment(id)),
                &[],
                Some(&json!({"fields": fields})),
            )
            .await?;
        }
        self.issue_by_key(id).await
    }

    async fn transition_issue(&self, p: TransitionIssue) -> Result<Issue> {
        let id = nonempty("id", &p.id)?;
        let to = nonempty("to", &p.to)?;
        let path = format!("/issue/{}/transitions", segment(id));
        let t: wire::Transitions = self.json(Method::GET, &path, &[], None).await?;
        // A transition's own name first, then the status it leads to.
        let chosen = t
            .transitions
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(to))
            .or_else(|| {
                t.transitions.iter().find(|t| {
                    t.to.as_ref()
                        .is_some_and(|s| s.name.eq_ignore_ascii_case(to))
                })
            })
            .ok_or_else(|| {
                let names: Vec<String> = t
                    .transitions
                    .iter()
                    .map(|t| match &t.to {
                        Some(s) => format!("{} (→ {})", t.name, s.name),
                        None => t.name.clone(),
                    })
                    .collect();
                named(Error::invalid_input(
                    "to",
                    format!(
                        "no transition named `{to}` or leading to it is available (available: {})",
                        if names.is_empty() {
                            "none".to_owned()
                        } else {
                            names.join(", ")
                        }
                    ),
                ))
            })?;
        self.call(
            Method::POST,
            &path,
            &[],
            Some(&json!({"transition": {"id": chosen.id}})),
        )
        .await?;
        self.issue_by_key(id).await
    }

    async fn list_issues(&self, p: ListIssues) -> Result<Page<Issue>> {
        let project = nonempty("project_id", &p.project_id)?;
        let mut jql = format!("project = {}", map::jql_project(project));
        if let Some(s) = p.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            jql.push_str(&format!(" AND status = {}", map::jql_string(s)));
        }
        jql.push_str(" ORDER BY created DESC");
        self.search(jql, &p.page).await
    }

    async fn search_issues(&self, p: SearchIssues) -> Result<Page<Issue>> {
        let project = p
            .project_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        if project.is_none() {
            nonempty("query", &p.query)?;
        }
        self.search(map::restrict(&p.query, project), &p.page).await
    }

    async fn add_comment(&self, p: AddComment) -> Result<Comment> {
        let id = nonempty("issue_id", &p.issue_id)?;
        nonempty("body", &p.body)?;
        let c: wire::Comment = self
            .json(
                Method::POST,
                &format!("/issue/{}/comment", segment(id)),
                &[],
                Some(&json!({"body": map::to_adf(&p.body, "comment body")})),
            )
            .await?;
        map::comment(c)
    }

    async fn list_comments(&self, p: ListComments) -> Result<Page<Comment>> {
        let id = nonempty("issue_id", &p.issue_id)?;
        let path = format!("/issue/{}/comment", segment(id));
        let q = window(&p.page, PAGE_SIZE.max)?;
        let c: wire::Comments = self.json(Method::GET, &path, &q, None).await?;
        let page = offset_page(c.comments, c.start_at, c.total, None);
        let items = page
            .items
            .into_iter()
            .map(map::comment)
            .collect::<Result<_>>()?;
        Ok(Page {
            items,
            next: page.next,
            total: page.total,
        })
    }

    async fn list_labels(&self, p: ListLabels) -> Result<Page<Label>> {
        // Jira labels are global: a project does not narrow them.
        let q = window(&p.page, 1000)?;
        let b: wire::PageBean<String> = self.json(Method::GET, "/label", &q, None).await?;
        Ok(
            offset_page(b.values, b.start_at, b.total, b.is_last).map(|name| Label {
                id: name.clone(),
                name,
                color: None,
            }),
        )
    }

    async fn list_assignees(&self, p: ListAssignees) -> Result<Page<User>> {
        let project = nonempty("project_id", &p.project_id)?;
        let start = offset(&p.page)?;
        let size = p.page.size_or(PAGE_SIZE.default, PAGE_SIZE.max) as u64;
        let users: Vec<wire::User> = self
            .json(
                Method::GET,
                "/user/assignable/search",
                &[
                    ("project", project.to_owned()),
                    ("startAt", start.to_string()),
                    (PAGE_SIZE.param, size.to_string()),
                ],
                None,
            )
            .await?;
        // Jira filters each window of `maxResults` users down to the
        // assignable ones, so a short page is not the last one; an empty
        // page, or the end of the searched range, is.
        let next_start = start + size;
        let next = (!users.is_empty() && next_start < USER_SEARCH_LIMIT)
            .then(|| Cursor::new(next_start.to_string()));
        Ok(Page::new(users.into_iter().map(map::user).collect(), next))
    }
}
