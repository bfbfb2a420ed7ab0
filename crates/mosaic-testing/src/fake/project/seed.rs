//! Seeding a [`FakeProject`] with named builders: projects, users and
//! issues.
//!
//! A builder takes everything by name and does nothing until `.create()`.
//! An issue seed creates what it needs: its project (named by its key)
//! and its assignees (as users named by their id).

use std::collections::BTreeSet;

use mosaic_core::project::{CreateIssue, Issue, Project, User};
use mosaic_core::{Error, Result};

use super::{FakeProject, ProjectRec, STATES, TrackerState, require, state};

impl FakeProject {
    /// Seed a project: `tracker.seed_project("ENG").name("Engineering").create()?`.
    ///
    /// Its id is `proj-<key>`; seeding a key that exists returns the
    /// existing project unchanged.
    pub fn seed_project(&self, key: impl Into<String>) -> TrackerProjectSeed<'_> {
        TrackerProjectSeed {
            tracker: self,
            key: key.into(),
            name: None,
            description: None,
        }
    }

    /// Seed a user who can be assigned:
    /// `tracker.seed_user("ana").name("Ana").create()?` (replaces a user
    /// with the same id).
    pub fn seed_user(&self, id: impl Into<String>) -> UserSeed<'_> {
        UserSeed {
            tracker: self,
            id: id.into(),
            name: None,
            email: None,
        }
    }

    /// Seed an issue into the project with key (or id) `project`:
    /// `tracker.seed_issue("ENG").title("Flaky test").kind("Bug").status("In Progress").create()?`.
    ///
    /// Creates the project (named by its key) and the assignees (as
    /// users) when they are missing; the status is set directly, without
    /// walking the workflow.
    pub fn seed_issue(&self, project: impl Into<String>) -> TrackerIssueSeed<'_> {
        TrackerIssueSeed {
            tracker: self,
            project: project.into(),
            title: None,
            description: None,
            kind: None,
            priority: None,
            labels: Vec::new(),
            assignees: Vec::new(),
            status: None,
        }
    }
}

/// A project to seed; see [`FakeProject::seed_project`].
#[derive(Debug)]
#[must_use = "a seed does nothing until `.create()`"]
pub struct TrackerProjectSeed<'a> {
    tracker: &'a FakeProject,
    key: String,
    name: Option<String>,
    description: Option<String>,
}

impl TrackerProjectSeed<'_> {
    /// Its name (default: the key).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Its description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Create the project (or return the one with this key).
    ///
    /// # Errors
    /// `InvalidInput` for an empty or blank key (field `key`).
    pub fn create(self) -> Result<Project> {
        let t = self.tracker;
        require("key", &self.key).map_err(|e| t.core.tag(e))?;
        let mut s = t.state.lock();
        Ok(s.seeded_project(&self.key, self.name, self.description)
            .clone())
    }
}

/// A user to seed; see [`FakeProject::seed_user`].
#[derive(Debug)]
#[must_use = "a seed does nothing until `.create()`"]
pub struct UserSeed<'a> {
    tracker: &'a FakeProject,
    id: String,
    name: Option<String>,
    email: Option<String>,
}

impl UserSeed<'_> {
    /// The display name (default: the id).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The email address.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Add (or replace) the user.
    ///
    /// # Errors
    /// `InvalidInput` for an empty or blank id (field `id`).
    pub fn create(self) -> Result<User> {
        let t = self.tracker;
        require("id", &self.id).map_err(|e| t.core.tag(e))?;
        let user = User {
            name: self.name.unwrap_or_else(|| self.id.clone()),
            email: self.email,
            id: self.id,
        };
        t.state.lock().users.insert(user.id.clone(), user.clone());
        Ok(user)
    }
}

/// An issue to seed; see [`FakeProject::seed_issue`].
#[derive(Debug)]
#[must_use = "a seed does nothing until `.create()`"]
pub struct TrackerIssueSeed<'a> {
    tracker: &'a FakeProject,
    project: String,
    title: Option<String>,
    description: Option<String>,
    kind: Option<String>,
    priority: Option<String>,
    labels: Vec<String>,
    assignees: Vec<String>,
    status: Option<String>,
}

impl TrackerIssueSeed<'_> {
    /// The title (required).
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// The description (Markdown).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The issue type: `Task`, `Bug`, `Story` or `Epic` (default: none).
    pub fn kind(mut self, kind: impl Into<String>) -> Self {
        self.kind = Some(kind.into());
        self
    }

    /// The priority: `Highest` … `Lowest` (default `Medium`).
    pub fn priority(mut self, priority: impl Into<String>) -> Self {
        self.priority = Some(priority.into());
        self
    }

    /// Add a label.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.labels.push(label.into());
        self
    }

    /// Add an assignee by user id (created as a user when unknown).
    pub fn assignee(mut self, user: impl Into<String>) -> Self {
        self.assignees.push(user.into());
        self
    }

    /// The workflow state: `To Do` (default), `In Progress`, `Done` or
    /// `Cancelled` (any case).
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = Some(status.into());
        self
    }

    /// Create the issue and what it needs.
    ///
    /// # Errors
    /// `InvalidInput` when no title was given (field `title`), the project
    /// key is empty (field `project_id`), or the type, priority, a label or
    /// the status is unknown or malformed.
    pub fn create(self) -> Result<Issue> {
        let t = self.tracker;
        let tag = |e: Error| t.core.tag(e);
        let title = self.title.ok_or_else(|| {
            tag(Error::invalid_input(
                "title",
                "is not set: give the issue one with `.title(\"…\")`",
            ))
        })?;
        require("project_id", &self.project).map_err(tag)?;
        let status = match &self.status {
            Some(word) => Some(*state(word).ok_or_else(|| {
                tag(Error::invalid_input(
                    "status",
                    format!(
                        "unknown state `{word}` (one of {})",
                        STATES.iter().map(|s| s.0).collect::<Vec<_>>().join(", ")
                    ),
                ))
            })?),
            None => None,
        };
        let now = t.core.clock().now();
        let mut s = t.state.lock();
        if s.project_key(&self.project, "project_id").is_err() {
            s.seeded_project(&self.project, None, None);
        }
        for (i, a) in self.assignees.iter().enumerate() {
            require(&format!("assignees[{i}]"), a).map_err(tag)?;
            s.users.entry(a.clone()).or_insert_with(|| User {
                id: a.clone(),
                name: a.clone(),
                email: None,
            });
        }
        let p = CreateIssue {
            project_id: self.project,
            title,
            description: self.description,
            issue_type: self.kind,
            labels: self.labels,
            assignees: self.assignees,
            priority: self.priority,
        };
        let mut issue = s.create_issue(p, &now).map_err(tag)?;
        if let Some((name, category, _)) = status {
            let n = s.issue_id(&issue.id, "id").map_err(tag)?;
            let rec = &mut s.issues.get_mut(&n).expect("just created").issue;
            rec.status = name.to_owned();
            rec.status_category = category;
            issue = rec.clone();
        }
        Ok(issue)
    }
}

impl TrackerState {
    /// The project with key `key`, created when missing.
    fn seeded_project(
        &mut self,
        key: &str,
        name: Option<String>,
        description: Option<String>,
    ) -> &Project {
        let host = self.host.clone();
        &self
            .projects
            .entry(key.to_owned())
            .or_insert_with(|| ProjectRec {
                project: Project {
                    id: format!("proj-{key}"),
                    key: Some(key.to_owned()),
                    name: name.unwrap_or_else(|| key.to_owned()),
                    description,
                    web_url: Some(format!("https://{host}/projects/{key}")),
                },
                next_number: 1,
                labels: BTreeSet::new(),
            })
            .project
    }
}
