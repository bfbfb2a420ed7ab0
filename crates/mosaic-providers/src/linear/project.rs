//! [`ProjectProvider`] for [`Linear`].

use async_trait::async_trait;
use mosaic_core::project::*;
use mosaic_core::{Capabilities, Cursor, Error, Page, PageRequest, Result};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::{Linear, PAGE_SIZE, graphql, named, queries, wire};

/// Whether `s` is a UUID (a Linear id) rather than a team key or an
/// issue identifier.
pub(crate) fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn nonempty<'a>(field: &str, value: &'a str) -> Result<&'a str> {
    let v = value.trim();
    if v.is_empty() {
        Err(named(Error::invalid_input(field, "must not be empty")))
    } else {
        Ok(v)
    }
}

/// A `TeamFilter` matching a team id or key.
pub(crate) fn team_filter(project: &str) -> Value {
    if is_uuid(project) {
        json!({"id": {"eq": project}})
    } else {
        json!({"key": {"eqIgnoreCase": project}})
    }
}

/// `first` and `after` of a page request.
fn paging(vars: &mut Map<String, Value>, page: &PageRequest) {
    vars.insert(
        PAGE_SIZE.param.into(),
        json!(page.size_or(PAGE_SIZE.default, PAGE_SIZE.max)),
    );
    vars.insert(
        "after".into(),
        page.cursor
            .as_ref()
            .map_or(Value::Null, |c| Value::String(c.as_str().to_owned())),
    );
}

fn next(info: Option<&wire::PageInfo>) -> Option<Cursor> {
    info.filter(|i| i.has_next_page)
        .and_then(|i| i.end_cursor.clone())
        .filter(|c| !c.is_empty())
        .map(Cursor::new)
}

fn page<T, U>(c: wire::Connection<T>, f: impl FnMut(T) -> U) -> Page<U> {
    let n = next(c.page_info.as_ref());
    Page::new(c.nodes.into_iter().map(f).collect(), n)
}

pub(crate) fn project(t: wire::Team) -> Project {
    Project {
        id: t.id,
        key: Some(t.key),
        name: t.name,
        description: t.description.filter(|d| !d.is_empty()),
        web_url: None,
    }
}

/// Linear's state type as Mosaic's category.
pub(crate) fn category(kind: &str) -> StatusCategory {
    match kind {
        "started" => StatusCategory::InProgress,
        "completed" => StatusCategory::Done,
        "canceled" => StatusCategory::Cancelled,
        // triage, backlog, unstarted
        _ => StatusCategory::Todo,
    }
}

pub(crate) fn issue(i: wire::Issue) -> Issue {
    Issue {
        id: i.id,
        key: i.identifier,
        project_id: i.team.id,
        title: i.title,
        description: i.description,
        status_category: category(&i.state.kind),
        status: i.state.name,
        labels: i.labels.nodes.into_iter().map(|l| l.name).collect(),
        assignees: i.assignee.into_iter().map(|a| a.id).collect(),
        priority: if i.priority == 0.0 {
            None
        } else {
            i.priority_label
        },
        web_url: i.url,
        created_at: i.created_at,
        updated_at: i.updated_at,
    }
}

/// A priority name (`Urgent`, `high`, `No priority`) or number (`0`–`4`)
/// as Linear's number.
pub(crate) fn priority_number(p: &str) -> Result<u8> {
    let n = match p.trim().to_ascii_lowercase().as_str() {
        "0" | "none" | "no priority" => 0,
        "1" | "urgent" => 1,
        "2" | "high" => 2,
        "3" | "medium" | "normal" => 3,
        "4" | "low" => 4,
        _ => {
            return Err(named(Error::invalid_input(
                "priority",
                format!("`{p}` is not a Linear priority (urgent, high, medium, low, none)"),
            )));
        }
    };
    Ok(n)
}

/// At most one assignee: Linear issues have a single assignee.
fn assignee(list: &[String]) -> Result<Value> {
    match list {
        [] => Ok(Value::Null),
        [one] => Ok(Value::String(nonempty("assignees", one)?.to_owned())),
        _ => Err(named(Error::invalid_input(
            "assignees",
            "a Linear issue has at most one assignee",
        ))),
    }
}

fn issue_from_payload(p: wire::IssuePayload, what: &str) -> Result<Issue> {
    match p.issue {
        Some(i) if p.success => Ok(issue(i)),
        _ => Err(named(Error::new(
            mosaic_core::ErrorKind::Provider,
            format!("Linear reported that {what} did not succeed"),
        ))),
    }
}

impl Linear {
    async fn gql<T: DeserializeOwned>(&self, op: &str, query: &str, vars: Value) -> Result<T> {
        graphql::call(&self.raw, op, query, vars).await
    }

    async fn team(&self, id: &str) -> Result<wire::Team> {
        let id = nonempty("id", id)?;
        let d: wire::TeamsData = self
            .gql("Team", queries::TEAM, json!({"filter": team_filter(id)}))
            .await?;
        d.teams.nodes.into_iter().next().ok_or_else(|| {
            named(Error::not_found(format!(
                "no Linear team with id or key `{id}`"
            )))
        })
    }

    async fn team_id(&self, project: &str) -> Result<String> {
        if is_uuid(project) {
            Ok(project.to_owned())
        } else {
            Ok(self.team(project).await?.id)
        }
    }

    /// The ids of the labels named `names` in team `team_id` (team labels
    /// first, then workspace labels). An unknown name is `InvalidInput`.
    async fn label_ids(&self, team_id: &str, names: &[String]) -> Result<Vec<String>> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let filter = json!({"and": [
            {"name": {"in": names}},
            {"or": [{"team": {"id": {"eq": team_id}}}, {"team": {"null": true}}]}
        ]});
        let d: wire::LabelsData = self
            .gql(
                "LabelLookup",
                queries::LABEL_LOOKUP,
                json!({"filter": filter}),
            )
            .await?;
        let mut ids = Vec::with_capacity(names.len());
        for name in names {
            let pick = |team: bool| {
                d.issue_labels
                    .nodes
                    .iter()
                    .find(|l| &l.name == name && l.team.is_some() == team)
            };
            let found = pick(true).or_else(|| pick(false)).ok_or_else(|| {
                named(Error::invalid_input(
                    "labels",
                    format!("no label named `{name}` in the team"),
                ))
            })?;
            if !ids.contains(&found.id) {
                ids.push(found.id.clone());
            }
        }
        Ok(ids)
    }

    async fn issue_update(&self, id: &str, input: Value) -> Result<Issue> {
        let d: wire::IssueUpdateData = self
            .gql(
                "IssueUpdate",
                &queries::ISSUE_UPDATE,
                json!({"id": id, "input": input}),
            )
            .await?;
        issue_from_payload(d.issue_update, "the issue update")
    }
}

#[async_trait]
impl ProjectProvider for Linear {
    fn capabilities(&self) -> Capabilities {
        Linear::operations()
    }

    async fn list_projects(&self, p: ListProjects) -> Result<Page<Project>> {
        let mut vars = Map::new();
        paging(&mut vars, &p.page);
        let d: wire::TeamsData = self
            .gql("Teams", queries::TEAMS, Value::Object(vars))
            .await?;
        Ok(page(d.teams, project))
    }

    async fn get_project(&self, p: ProjectRef) -> Result<Project> {
        Ok(project(self.team(&p.id).await?))
    }

    async fn create_issue(&self, p: CreateIssue) -> Result<Issue> {
        nonempty("title", &p.title)?;
        let project = nonempty("project_id", &p.project_id)?;
        let assignee = assignee(&p.assignees)?;
        let priority = p.priority.as_deref().map(priority_number).transpose()?;
        if let Some(t) = &p.issue_type {
            // Linear has no issue types; refusing is better than ignoring.
            return Err(named(Error::invalid_input(
                "issue_type",
                format!("Linear issues have no type (`{t}`); use a label"),
            )));
        }
        let team_id = self.team_id(project).await?;
        let labels = self.label_ids(&team_id, &p.labels).await?;
        let mut input = Map::new();
        input.insert("teamId".into(), json!(team_id));
        input.insert("title".into(), json!(p.title));
        if let Some(d) = p.description {
            input.insert("description".into(), json!(d));
        }
        if !labels.is_empty() {
            input.insert("labelIds".into(), json!(labels));
        }
        if !assignee.is_null() {
            input.insert("assigneeId".into(), assignee);
        }
        if let Some(n) = priority {
            input.insert("priority".into(), json!(n));
        }
        let d: wire::IssueCreateData = self
            .gql(
                "IssueCreate",
                &queries::ISSUE_CREATE,
                json!({"input": Value::Object(input)}),
            )
            .await?;
        issue_from_payload(d.issue_create, "the issue creation")
    }

    async fn get_issue(&self, p: IssueRef) -> Result<Issue> {
        let id = nonempty("id", &p.id)?;
        let d: wire::IssueData = self
            .gql("Issue", &queries::ISSUE, json!({"id": id}))
            .await?;
        Ok(issue(d.issue))
    }

    async fn update_issue(&self, p: UpdateIssue) -> Result<Issue> {
        let id = nonempty("id", &p.id)?;
        let mut input = Map::new();
        if let Some(t) = &p.title {
            input.insert("title".into(), json!(nonempty("title", t)?));
        }
        if let Some(d) = &p.description {
            input.insert("description".into(), json!(d));
        }
        if let Some(a) = &p.assignees {
            input.insert("assigneeId".into(), assignee(a)?);
        }
        if let Some(pr) = &p.priority {
            input.insert("priority".into(), json!(priority_number(pr)?));
        }
        if let Some(labels) = &p.labels {
            let ids = if labels.is_empty() {
                Vec::new()
            } else {
                let d: wire::IssueTeamData = self
                    .gql("IssueTeam", queries::ISSUE_TEAM, json!({"id": id}))
                    .await?;
                self.label_ids(&d.issue.team.id, labels).await?
            };
            input.insert("labelIds".into(), json!(ids));
        }
        if input.is_empty() {
            return self.get_issue(IssueRef { id: id.to_owned() }).await;
        }
        self.issue_update(id, Value::Object(input)).await
    }

    async fn transition_issue(&self, p: TransitionIssue) -> Result<Issue> {
        let id = nonempty("id", &p.id)?;
        let to = nonempty("to", &p.to)?;
        let d: wire::IssueStatesData = self
            .gql("IssueStates", queries::ISSUE_STATES, json!({"id": id}))
            .await?;
        let states = &d.issue.team.states.nodes;
        let target = states
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(to))
            .and_then(|s| s.id.clone())
            .ok_or_else(|| {
                let names: Vec<&str> = states.iter().map(|s| s.name.as_str()).collect();
                named(Error::invalid_input(
                    "to",
                    format!(
                        "the team has no workflow state `{to}` (states: {})",
                        names.join(", ")
                    ),
                ))
            })?;
        self.issue_update(&d.issue.id, json!({"stateId": target}))
            .await
    }

    async fn list_issues(&self, p: ListIssues) -> Result<Page<Issue>> {
        let project = nonempty("project_id", &p.project_id)?;
        let mut filter = Map::new();
        filter.insert("team".into(), team_filter(project));
        if let Some(s) = &p.status {
            filter.insert("state".into(), json!({"name": {"eqIgnoreCase": s}}));
        }
        let mut vars = Map::new();
        vars.insert("filter".into(), Value::Object(filter));
        paging(&mut vars, &p.page);
        let d: wire::IssuesData = self
            .gql("Issues", &queries::ISSUES, Value::Object(vars))
            .await?;
        Ok(page(d.issues, issue))
    }

    async fn search_issues(&self, p: SearchIssues) -> Result<Page<Issue>> {
        let term = nonempty("query", &p.query)?;
        let mut vars = Map::new();
        vars.insert("term".into(), json!(term));
        vars.insert(
            "filter".into(),
            match p
                .project_id
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                Some(project) => json!({"team": team_filter(project)}),
                None => Value::Null,
            },
        );
        paging(&mut vars, &p.page);
        let d: wire::SearchData = self
            .gql("SearchIssues", &queries::SEARCH, Value::Object(vars))
            .await?;
        let s = d.search_issues;
        let n = next(Some(&s.page_info));
        let out = Page::new(s.nodes.into_iter().map(issue).collect(), n);
        Ok(match s.total_count {
            Some(t) if t >= 0.0 => out.with_total(t as u64),
            _ => out,
        })
    }

    async fn add_comment(&self, p: AddComment) -> Result<Comment> {
        let id = nonempty("issue_id", &p.issue_id)?;
        nonempty("body", &p.body)?;
        let d: wire::CommentCreateData = self
            .gql(
                "CommentCreate",
                queries::COMMENT_CREATE,
                json!({"input": {"issueId": id, "body": p.body}}),
            )
            .await?;
        match d.comment_create.comment {
            Some(c) if d.comment_create.success => Ok(comment(c)),
            _ => Err(named(Error::new(
                mosaic_core::ErrorKind::Provider,
                "Linear reported that the comment was not created",
            ))),
        }
    }

    async fn list_comments(&self, p: ListComments) -> Result<Page<Comment>> {
        let id = nonempty("issue_id", &p.issue_id)?;
        let mut vars = Map::new();
        vars.insert("id".into(), json!(id));
        paging(&mut vars, &p.page);
        let d: wire::CommentsData = self
            .gql("IssueComments", queries::COMMENTS, Value::Object(vars))
            .await?;
        Ok(page(d.issue.comments, comment))
    }

    async fn list_labels(&self, p: ListLabels) -> Result<Page<Label>> {
        let mut vars = Map::new();
        vars.insert(
            "filter".into(),
            match p
                .project_id
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                // The team's labels and the workspace's, which every team uses.
                Some(project) => {
                    json!({"or": [{"team": team_filter(project)}, {"team": {"null": true}}]})
                }
                None => Value::Null,
            },
        );
        paging(&mut vars, &p.page);
        let d: wire::LabelsData = self
            .gql("Labels", queries::LABELS, Value::Object(vars))
            .await?;
        Ok(page(d.issue_labels, |l| Label {
            id: l.id,
            name: l.name,
            color: l.color,
        }))
    }

    async fn list_assignees(&self, p: ListAssignees) -> Result<Page<User>> {
        let project = nonempty("project_id", &p.project_id)?;
        let mut vars = Map::new();
        vars.insert("filter".into(), team_filter(project));
        paging(&mut vars, &p.page);
        let d: wire::MembersData = self
            .gql("TeamMembers", queries::MEMBERS, Value::Object(vars))
            .await?;
        let team = d.teams.nodes.into_iter().next().ok_or_else(|| {
            named(Error::not_found(format!(
                "no Linear team with id or key `{project}`"
            )))
        })?;
        Ok(page(team.members, |u| User {
            id: u.id,
            name: u.name,
            email: u.email.filter(|e| !e.is_empty()),
        }))
    }
}

pub(crate) fn comment(c: wire::Comment) -> Comment {
    Comment {
        id: c.id,
        author: c.user.map(|u| u.id),
        body: c.body,
        created_at: c.created_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_keys_and_priorities() {
        assert!(is_uuid("9cfb482a-81e3-4154-b5b9-2c805e70a02d"));
        assert!(!is_uuid("ENG"));
        assert!(!is_uuid("ENG-42"));
        assert!(!is_uuid("9cfb482a-81e3-4154-b5b9-2c805e70a02"));
        assert_eq!(team_filter("ENG"), json!({"key": {"eqIgnoreCase": "ENG"}}));
        for (name, n) in [
            ("Urgent", 1),
            ("high", 2),
            ("Medium", 3),
            ("low", 4),
            ("No priority", 0),
            ("3", 3),
        ] {
            assert_eq!(priority_number(name).unwrap(), n, "{name}");
        }
        assert_eq!(priority_number("p0").unwrap_err().field(), Some("priority"));
        assert_eq!(category("triage"), StatusCategory::Todo);
        assert_eq!(category("canceled"), StatusCategory::Cancelled);
    }
}
