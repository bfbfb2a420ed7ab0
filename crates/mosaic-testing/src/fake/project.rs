//! [`FakeProject`]: an in-memory issue tracker.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use mosaic_core::project::*;
use mosaic_core::{Capabilities, Error, Page, Result};
use parking_lot::Mutex;
use serde::Serialize;

use super::{Core, fake_controls, require};

mod seed;

pub use seed::{TrackerIssueSeed, TrackerProjectSeed, UserSeed};

const DEFAULT_PAGE: u32 = 50;

/// The workflow states: name, category, and the states reachable from it.
const STATES: &[(&str, StatusCategory, &[&str])] = &[
    (
        "To Do",
        StatusCategory::Todo,
        &["In Progress", "Done", "Cancelled"],
    ),
    (
        "In Progress",
        StatusCategory::InProgress,
        &["To Do", "Done", "Cancelled"],
    ),
    ("Done", StatusCategory::Done, &["In Progress"]),
    ("Cancelled", StatusCategory::Cancelled, &["To Do"]),
];
const ISSUE_TYPES: &[&str] = &["Task", "Bug", "Story", "Epic"];
const PRIORITIES: &[&str] = &["Highest", "High", "Medium", "Low", "Lowest"];

/// An in-memory issue tracker implementing every [`ProjectProvider`]
/// operation.
///
/// Projects are seeded ([`seed_project`](Self::seed_project); issues can be
/// seeded too, with [`seed_issue`](Self::seed_issue)); issues get an
/// opaque id and a key (`ENG-1`, `ENG-2`, …) and are found by either. The
/// workflow is `To Do → In Progress → Done` with `Cancelled`, reopening
/// (`Done → In Progress`, `Cancelled → To Do`) and a shortcut
/// `To Do → Done`; a transition the workflow does not allow is a `Conflict`,
/// an unknown state `InvalidInput` naming `to`. Issue types (`Task`, `Bug`,
/// `Story`, `Epic`) and priorities (`Highest` … `Lowest`) are checked;
/// assignees must be known users ([`seed_user`](Self::seed_user); `fake-user`
/// exists). Labels are free-form and collected per project. Search matches
/// every word of the query in the key, title or description.
///
/// ```
/// use mosaic_core::project::{CreateIssue, ProjectProvider, TransitionIssue};
/// use mosaic_testing::FakeProject;
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let tracker = FakeProject::new();
/// tracker.seed_project("ENG").name("Engineering").create()?;
/// let issue = tracker.create_issue(CreateIssue {
///     project_id: "ENG".into(),
///     title: "Flaky test".into(),
///     ..Default::default()
/// }).await?;
/// assert_eq!(issue.key, "ENG-1");
/// let moved = tracker.transition_issue(TransitionIssue { id: "ENG-1".into(), to: "in progress".into() }).await?;
/// assert_eq!(moved.status, "In Progress");
/// # Ok::<(), mosaic_core::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct FakeProject {
    core: Arc<Core>,
    state: Arc<Mutex<TrackerState>>,
}

struct ProjectRec {
    project: Project,
    next_number: u64,
    labels: BTreeSet<String>,
}

struct IssueRec {
    issue: Issue,
    comments: Vec<Comment>,
}

struct TrackerState {
    login: String,
    host: String,
    next_id: u64,
    projects: BTreeMap<String, ProjectRec>,
    issues: BTreeMap<u64, IssueRec>,
    users: BTreeMap<String, User>,
}

impl fmt::Debug for FakeProject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.lock();
        f.debug_struct("FakeProject")
            .field("name", &self.core.name())
            .field("projects", &s.projects.len())
            .field("issues", &s.issues.len())
            .finish()
    }
}

impl Default for FakeProject {
    fn default() -> Self {
        Self::new()
    }
}

fake_controls!(FakeProject, ProjectOp, "fake-project");

fn state(name: &str) -> Option<&'static (&'static str, StatusCategory, &'static [&'static str])> {
    STATES
        .iter()
        .find(|(n, _, _)| n.eq_ignore_ascii_case(name.trim()))
}

impl FakeProject {
    /// An empty tracker named `fake-project` with user `fake-user`.
    pub fn new() -> Self {
        Self::named("fake-project")
    }

    /// An empty tracker whose errors carry provider name `name`.
    pub fn named(name: &str) -> Self {
        let user = User {
            id: "fake-user".to_owned(),
            name: "Fake User".to_owned(),
            email: Some("fake-user@example.invalid".to_owned()),
        };
        FakeProject {
            core: Arc::new(Core::new::<ProjectOp>(name)),
            state: Arc::new(Mutex::new(TrackerState {
                login: "fake-user".to_owned(),
                host: format!("{name}.invalid"),
                next_id: 1,
                projects: BTreeMap::new(),
                issues: BTreeMap::new(),
                users: [(user.id.clone(), user)].into(),
            })),
        }
    }

    /// Every issue, in creation order.
    pub fn issues(&self) -> Vec<Issue> {
        self.state
            .lock()
            .issues
            .values()
            .map(|r| r.issue.clone())
            .collect()
    }

    async fn run<P: Serialize, T>(
        &self,
        op: ProjectOp,
        params: P,
        f: impl FnOnce(&mut TrackerState, P, &str) -> Result<T>,
    ) -> Result<T> {
        self.core.enter(op, &params).await?;
        let now = self.core.clock().now();
        f(&mut self.state.lock(), params, &now).map_err(|e| self.core.tag(e))
    }
}

impl TrackerState {
    fn create_issue(&mut self, p: CreateIssue, now: &str) -> Result<Issue> {
        let key = self.project_key(&p.project_id, "project_id")?;
        require("title", &p.title)?;
        if let Some(t) = &p.issue_type
            && !ISSUE_TYPES.contains(&t.as_str())
        {
            return Err(Error::invalid_input(
                "issue_type",
                format!(
                    "unknown issue type `{t}` (one of {})",
                    ISSUE_TYPES.join(", ")
                ),
            ));
        }
        self.check_fields(Some(&p.labels), Some(&p.assignees), p.priority.as_deref())?;
        let id = self.next_id;
        self.next_id += 1;
        let host = self.host.clone();
        let proj = self.projects.get_mut(&key).expect("resolved");
        let number = proj.next_number;
        proj.next_number += 1;
        proj.labels.extend(p.labels.iter().cloned());
        let issue_key = format!("{key}-{number}");
        let issue = Issue {
            id: format!("issue-{id}"),
            key: issue_key.clone(),
            project_id: proj.project.id.clone(),
            title: p.title,
            description: p.description,
            status: STATES[0].0.to_owned(),
            status_category: STATES[0].1,
            labels: p.labels,
            assignees: p.assignees,
            priority: p.priority.or_else(|| Some("Medium".to_owned())),
            web_url: Some(format!("https://{host}/browse/{issue_key}")),
            created_at: Some(now.to_owned()),
            updated_at: Some(now.to_owned()),
        };
        self.issues.insert(
            id,
            IssueRec {
                issue: issue.clone(),
                comments: Vec::new(),
            },
        );
        Ok(issue)
    }

    /// The project key for an id or key.
    fn project_key(&self, id_or_key: &str, field: &str) -> Result<String> {
        require(field, id_or_key)?;
        self.projects
            .iter()
            .find(|(k, r)| *k == id_or_key || r.project.id == id_or_key)
            .map(|(k, _)| k.clone())
            .ok_or_else(|| Error::not_found(format!("project `{id_or_key}` not found")))
    }

    fn issue_id(&self, id_or_key: &str, field: &str) -> Result<u64> {
        require(field, id_or_key)?;
        self.issues
            .iter()
            .find(|(_, r)| r.issue.id == id_or_key || r.issue.key.eq_ignore_ascii_case(id_or_key))
            .map(|(n, _)| *n)
            .ok_or_else(|| Error::not_found(format!("issue `{id_or_key}` not found")))
    }

    fn check_fields(
        &self,
        labels: Option<&[String]>,
        assignees: Option<&[String]>,
        priority: Option<&str>,
    ) -> Result<()> {
        for (i, l) in labels.unwrap_or_default().iter().enumerate() {
            require(&format!("labels[{i}]"), l)?;
            if l.chars().any(char::is_whitespace) {
                return Err(Error::invalid_input(
                    format!("labels[{i}]"),
                    "must not contain whitespace",
                ));
            }
        }
        for (i, a) in assignees.unwrap_or_default().iter().enumerate() {
            if !self.users.contains_key(a) {
                return Err(Error::invalid_input(
                    format!("assignees[{i}]"),
                    format!("no user `{a}`"),
                ));
            }
        }
        if let Some(p) = priority
            && !PRIORITIES.contains(&p)
        {
            return Err(Error::invalid_input(
                "priority",
                format!("unknown priority `{p}` (one of {})", PRIORITIES.join(", ")),
            ));
        }
        Ok(())
    }
}

#[async_trait]
impl ProjectProvider for FakeProject {
    fn capabilities(&self) -> Capabilities {
        self.core.capabilities()
    }

    async fn list_projects(&self, p: ListProjects) -> Result<Page<Project>> {
        self.run(ProjectOp::ListProjects, p, |s, p, _| {
            let items = s.projects.values().map(|r| r.project.clone()).collect();
            Page::slice(items, &p.page, DEFAULT_PAGE)
        })
        .await
    }

    async fn get_project(&self, p: ProjectRef) -> Result<Project> {
        self.run(ProjectOp::GetProject, p, |s, p, _| {
            let key = s.project_key(&p.id, "id")?;
            Ok(s.projects[&key].project.clone())
        })
        .await
    }

    async fn create_issue(&self, p: CreateIssue) -> Result<Issue> {
        self.run(ProjectOp::CreateIssue, p, |s, p, now| {
            s.create_issue(p, now)
        })
        .await
    }

    async fn get_issue(&self, p: IssueRef) -> Result<Issue> {
        self.run(ProjectOp::GetIssue, p, |s, p, _| {
            let n = s.issue_id(&p.id, "id")?;
            Ok(s.issues[&n].issue.clone())
        })
        .await
    }

    async fn update_issue(&self, p: UpdateIssue) -> Result<Issue> {
        self.run(ProjectOp::UpdateIssue, p, |s, p, now| {
            let n = s.issue_id(&p.id, "id")?;
            if let Some(t) = &p.title {
                require("title", t)?;
            }
            s.check_fields(
                p.labels.as_deref(),
                p.assignees.as_deref(),
                p.priority.as_deref(),
            )?;
            let project_id = s.issues[&n].issue.project_id.clone();
            if let Some(labels) = &p.labels
                && let Some(proj) = s.projects.values_mut().find(|r| r.project.id == project_id)
            {
                proj.labels.extend(labels.iter().cloned());
            }
            let issue = &mut s.issues.get_mut(&n).expect("resolved").issue;
            if let Some(t) = p.title {
                issue.title = t;
            }
            if let Some(d) = p.description {
                issue.description = Some(d);
            }
            if let Some(l) = p.labels {
                issue.labels = l;
            }
            if let Some(a) = p.assignees {
                issue.assignees = a;
            }
            if let Some(pr) = p.priority {
                issue.priority = Some(pr);
            }
            issue.updated_at = Some(now.to_owned());
            Ok(issue.clone())
        })
        .await
    }

    async fn transition_issue(&self, p: TransitionIssue) -> Result<Issue> {
        self.run(ProjectOp::TransitionIssue, p, |s, p, now| {
            let n = s.issue_id(&p.id, "id")?;
            require("to", &p.to)?;
            let (target, category, _) = *state(&p.to).ok_or_else(|| {
                Error::invalid_input(
                    "to",
                    format!(
                        "unknown state `{}` (one of {})",
                        p.to,
                        STATES.iter().map(|s| s.0).collect::<Vec<_>>().join(", ")
                    ),
                )
            })?;
            let issue = &mut s.issues.get_mut(&n).expect("resolved").issue;
            let (current, _, allowed) = *state(&issue.status).expect("issues hold known states");
            if current != target && !allowed.contains(&target) {
                return Err(Error::conflict(format!(
                    "issue {} cannot move from `{current}` to `{target}`",
                    issue.key
                )));
            }
            if current != target {
                issue.status = target.to_owned();
                issue.status_category = category;
                issue.updated_at = Some(now.to_owned());
            }
            Ok(issue.clone())
        })
        .await
    }

    async fn list_issues(&self, p: ListIssues) -> Result<Page<Issue>> {
        self.run(ProjectOp::ListIssues, p, |s, p, _| {
            let key = s.project_key(&p.project_id, "project_id")?;
            let project_id = s.projects[&key].project.id.clone();
            let items = s
                .issues
                .values()
                .rev()
                .map(|r| &r.issue)
                .filter(|i| i.project_id == project_id)
                .filter(|i| {
                    p.status
                        .as_ref()
                        .is_none_or(|st| i.status.eq_ignore_ascii_case(st.trim()))
                })
                .cloned()
                .collect();
            Page::slice(items, &p.page, DEFAULT_PAGE)
        })
        .await
    }

    async fn search_issues(&self, p: SearchIssues) -> Result<Page<Issue>> {
        self.run(ProjectOp::SearchIssues, p, |s, p, _| {
            require("query", &p.query)?;
            let project_id = match &p.project_id {
                Some(id) => {
                    let key = s.project_key(id, "project_id")?;
                    Some(s.projects[&key].project.id.clone())
                }
                None => None,
            };
            let terms: Vec<String> = p.query.split_whitespace().map(str::to_lowercase).collect();
            let items = s
                .issues
                .values()
                .rev()
                .map(|r| &r.issue)
                .filter(|i| project_id.as_ref().is_none_or(|p| *p == i.project_id))
                .filter(|i| {
                    let hay = format!(
                        "{} {} {}",
                        i.key,
                        i.title,
                        i.description.as_deref().unwrap_or("")
                    )
                    .to_lowercase();
                    terms.iter().all(|t| hay.contains(t.as_str()))
                })
                .cloned()
                .collect();
            Page::slice(items, &p.page, DEFAULT_PAGE)
        })
        .await
    }

    async fn add_comment(&self, p: AddComment) -> Result<Comment> {
        self.run(ProjectOp::AddComment, p, |s, p, now| {
            let n = s.issue_id(&p.issue_id, "issue_id")?;
            require("body", &p.body)?;
            let id = s.next_id;
            s.next_id += 1;
            let c = Comment {
                id: format!("comment-{id}"),
                author: Some(s.login.clone()),
                body: p.body,
                created_at: Some(now.to_owned()),
            };
            s.issues
                .get_mut(&n)
                .expect("resolved")
                .comments
                .push(c.clone());
            Ok(c)
        })
        .await
    }

    async fn list_comments(&self, p: ListComments) -> Result<Page<Comment>> {
        self.run(ProjectOp::ListComments, p, |s, p, _| {
            let n = s.issue_id(&p.issue_id, "issue_id")?;
            Page::slice(s.issues[&n].comments.clone(), &p.page, DEFAULT_PAGE)
        })
        .await
    }

    async fn list_labels(&self, p: ListLabels) -> Result<Page<Label>> {
        self.run(ProjectOp::ListLabels, p, |s, p, _| {
            let names: BTreeSet<String> = match &p.project_id {
                Some(id) => {
                    let key = s.project_key(id, "project_id")?;
                    s.projects[&key].labels.clone()
                }
                None => s
                    .projects
                    .values()
                    .flat_map(|r| r.labels.iter().cloned())
                    .collect(),
            };
            let items = names
                .into_iter()
                .map(|n| Label {
                    id: n.clone(),
                    name: n,
                    color: None,
                })
                .collect();
            Page::slice(items, &p.page, DEFAULT_PAGE)
        })
        .await
    }

    async fn list_assignees(&self, p: ListAssignees) -> Result<Page<User>> {
        self.run(ProjectOp::ListAssignees, p, |s, p, _| {
            s.project_key(&p.project_id, "project_id")?;
            Page::slice(s.users.values().cloned().collect(), &p.page, DEFAULT_PAGE)
        })
        .await
    }
}
