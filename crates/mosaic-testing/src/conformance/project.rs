//! The conformance suite of [`ProjectProvider`].
//!
//! It works in an existing project ([`ProjectSetup::project`], id or key):
//! issues titled after [`ProjectSetup::prefix`] are created, fetched by id
//! and by key, updated, moved to [`ProjectSetup::transition_to`], listed
//! page by page, searched (polling, for indexes that lag) and commented on.

use std::time::Duration;

use mosaic_core::project::*;
use mosaic_core::{Capabilities, ErrorKind, Family, PageRequest};

use super::{
    CheckResult, Ctx, Fail, Report, ensure, exactly_once, expect_invalid, expect_kind, need, pause,
    walk,
};

/// What the issue-tracker suite needs to know about its environment.
#[derive(Debug, Clone)]
pub struct ProjectSetup {
    /// An existing project's id or key. Default `CONF`.
    pub project: String,
    /// A state a new issue can move to. Default `In Progress`.
    pub transition_to: String,
    /// Prefix of the issue titles the suite creates.
    pub prefix: String,
    /// Page size used to walk listings. Default 2.
    pub page_size: u32,
    /// How many issues the pagination check creates. Default 5.
    pub page_items: u32,
    /// How often to try a search before failing. Default 10.
    pub search_attempts: u32,
    /// Pause between search attempts. Default 2 s.
    pub search_interval: Duration,
    /// The search that must find the issue the suite created (whose title
    /// holds the word `qwzmosaic`), in the provider's query language.
    /// Default `qwzmosaic`; Jira needs JQL such as `text ~ "qwzmosaic"`.
    pub search_query: String,
}

impl Default for ProjectSetup {
    fn default() -> Self {
        ProjectSetup {
            project: "CONF".to_owned(),
            transition_to: "In Progress".to_owned(),
            prefix: "Mosaic conformance".to_owned(),
            page_size: 2,
            page_items: 5,
            search_attempts: 10,
            search_interval: Duration::from_secs(2),
            search_query: "qwzmosaic".to_owned(),
        }
    }
}

/// Run the suite against `provider`. See the [module docs](super).
pub async fn run<P: ProjectProvider + ?Sized>(provider: &P, setup: &ProjectSetup) -> Report {
    let caps = provider.capabilities();
    let c = C { setup, caps: &caps };
    let mut r = Report::new("project");
    r.record(
        "capabilities: they belong to the project family",
        if caps.family() == Family::Project {
            Ok(())
        } else {
            Err(Fail::Failed(format!(
                "capabilities are of family {}",
                caps.family()
            )))
        },
    );
    r.record(
        "unsupported operations answer Unsupported",
        super::unsupported(&caps, |op: ProjectOp| async move {
            ProjectRequest::with_defaults(op)
                .send_to(provider)
                .await
                .map(drop)
        })
        .await,
    );
    r.record(
        "projects: listed once each; get returns the setup's project; a missing one is NotFound",
        projects(provider, &c).await,
    );
    let created = create(provider, &c).await;
    let issue = created.as_ref().ok().cloned();
    r.record(
        "issues: create, then get by id and by key returns it; an empty title is InvalidInput",
        created.map(drop),
    );
    r.record(
        "issues: pagination walks every issue exactly once",
        pagination(provider, &c).await,
    );
    r.record(
        "labels and assignees: listed once each",
        labels_and_users(provider, &c).await,
    );
    match issue {
        Some(issue) => {
            r.record(
                "issues: an update is visible to get",
                update(provider, &c, &issue).await,
            );
            r.record(
                "issues: a transition moves the state; an unknown state is InvalidInput",
                transition(provider, &c, &issue).await,
            );
            r.record(
                "search: finds an issue by a unique word",
                search(provider, &c, &issue).await,
            );
            r.record(
                "comments: an added comment is listed",
                comments(provider, &c, &issue).await,
            );
        }
        None => {
            for name in [
                "issues: an update is visible to get",
                "issues: a transition moves the state; an unknown state is InvalidInput",
                "search: finds an issue by a unique word",
                "comments: an added comment is listed",
            ] {
                r.skip(name, "no issue could be created");
            }
        }
    }
    r
}

struct C<'a> {
    setup: &'a ProjectSetup,
    caps: &'a Capabilities,
}

async fn projects<P: ProjectProvider + ?Sized>(p: &P, c: &C<'_>) -> CheckResult {
    need(c.caps, &[ProjectOp::ListProjects, ProjectOp::GetProject])?;
    let all = walk(
        "list_projects",
        ListProjects {
            page: PageRequest::with_size(c.setup.page_size),
        },
        |q| p.list_projects(q),
    )
    .await?;
    let ids: Vec<String> = all.iter().map(|x| x.id.clone()).collect();
    exactly_once("list_projects", &ids, &[])?;
    let got = p
        .get_project(ProjectRef {
            id: c.setup.project.clone(),
        })
        .await
        .ctx("get_project")?;
    ensure!(
        got.id == c.setup.project || got.key.as_deref() == Some(c.setup.project.as_str()),
        "get_project(`{}`) returned {:?}",
        c.setup.project,
        (got.id, got.key)
    );
    ensure!(ids.contains(&got.id), "the setup's project is not listed");
    expect_kind(
        "get_project of a missing project",
        p.get_project(ProjectRef {
            id: "MOSAICNOSUCHPROJECT".to_owned(),
        })
        .await,
        ErrorKind::NotFound,
    )?;
    Ok(())
}

async fn create<P: ProjectProvider + ?Sized>(p: &P, c: &C<'_>) -> CheckResult<Issue> {
    need(c.caps, &[ProjectOp::CreateIssue, ProjectOp::GetIssue])?;
    let title = format!("{} issue qwzmosaic", c.setup.prefix);
    let issue = p
        .create_issue(CreateIssue {
            project_id: c.setup.project.clone(),
            title: title.clone(),
            description: Some("Created by the Mosaic conformance suite.".to_owned()),
            ..Default::default()
        })
        .await
        .ctx("create_issue")?;
    ensure!(
        issue.title == title,
        "create_issue returned `{}`",
        issue.title
    );
    ensure!(
        !issue.id.is_empty() && !issue.key.is_empty(),
        "the issue has no id or key"
    );
    for by in [&issue.id, &issue.key] {
        let got = p
            .get_issue(IssueRef { id: by.clone() })
            .await
            .ctx("get_issue")?;
        ensure!(
            got.id == issue.id && got.key == issue.key && got.title == title,
            "get_issue(`{by}`) returned {:?}",
            (got.id, got.key, got.title)
        );
    }
    expect_invalid(
        "create_issue with an empty title",
        p.create_issue(CreateIssue {
            project_id: c.setup.project.clone(),
            title: String::new(),
            ..Default::default()
        })
        .await,
        "title",
    )?;
    expect_kind(
        "get_issue of a missing issue",
        p.get_issue(IssueRef {
            id: "MOSAICNOSUCH-987654".to_owned(),
        })
        .await,
        ErrorKind::NotFound,
    )?;
    Ok(issue)
}

async fn pagination<P: ProjectProvider + ?Sized>(p: &P, c: &C<'_>) -> CheckResult {
    need(c.caps, &[ProjectOp::CreateIssue, ProjectOp::ListIssues])?;
    let mut keys = Vec::new();
    for i in 0..c.setup.page_items {
        let issue = p
            .create_issue(CreateIssue {
                project_id: c.setup.project.clone(),
                title: format!("{} listing {i}", c.setup.prefix),
                ..Default::default()
            })
            .await
            .ctx("create_issue")?;
        keys.push(issue.id);
    }
    let all = walk(
        "list_issues",
        ListIssues {
            project_id: c.setup.project.clone(),
            status: None,
            page: PageRequest::with_size(c.setup.page_size),
        },
        |q| p.list_issues(q),
    )
    .await?;
    let ids: Vec<String> = all.iter().map(|i| i.id.clone()).collect();
    exactly_once("list_issues", &ids, &keys)
}

async fn labels_and_users<P: ProjectProvider + ?Sized>(p: &P, c: &C<'_>) -> CheckResult {
    need(c.caps, &[ProjectOp::ListLabels, ProjectOp::ListAssignees])?;
    let labels = walk(
        "list_labels",
        ListLabels {
            project_id: Some(c.setup.project.clone()),
            page: PageRequest::with_size(c.setup.page_size),
        },
        |q| p.list_labels(q),
    )
    .await?;
    let ids: Vec<String> = labels.iter().map(|l| l.id.clone()).collect();
    exactly_once("list_labels", &ids, &[])?;
    let users = walk(
        "list_assignees",
        ListAssignees {
            project_id: c.setup.project.clone(),
            page: PageRequest::with_size(c.setup.page_size),
        },
        |q| p.list_assignees(q),
    )
    .await?;
    let ids: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
    exactly_once("list_assignees", &ids, &[])
}

async fn update<P: ProjectProvider + ?Sized>(p: &P, c: &C<'_>, issue: &Issue) -> CheckResult {
    need(c.caps, &[ProjectOp::UpdateIssue, ProjectOp::GetIssue])?;
    let title = format!("{} (edited)", issue.title);
    p.update_issue(UpdateIssue {
        id: issue.id.clone(),
        title: Some(title.clone()),
        ..Default::default()
    })
    .await
    .ctx("update_issue")?;
    let got = p
        .get_issue(IssueRef {
            id: issue.id.clone(),
        })
        .await
        .ctx("get_issue after update")?;
    ensure!(
        got.title == title,
        "after update the title is `{}`",
        got.title
    );
    expect_invalid(
        "update_issue with an empty title",
        p.update_issue(UpdateIssue {
            id: issue.id.clone(),
            title: Some(String::new()),
            ..Default::default()
        })
        .await,
        "title",
    )
}

async fn transition<P: ProjectProvider + ?Sized>(p: &P, c: &C<'_>, issue: &Issue) -> CheckResult {
    need(c.caps, &[ProjectOp::TransitionIssue, ProjectOp::GetIssue])?;
    let moved = p
        .transition_issue(TransitionIssue {
            id: issue.id.clone(),
            to: c.setup.transition_to.clone(),
        })
        .await
        .ctx("transition_issue")?;
    ensure!(
        moved.status.eq_ignore_ascii_case(&c.setup.transition_to),
        "transition_issue returned state `{}`",
        moved.status
    );
    let got = p
        .get_issue(IssueRef {
            id: issue.id.clone(),
        })
        .await
        .ctx("get_issue after transition")?;
    ensure!(
        got.status.eq_ignore_ascii_case(&c.setup.transition_to),
        "after the transition get_issue shows `{}`",
        got.status
    );
    expect_invalid(
        "transition_issue to an unknown state",
        p.transition_issue(TransitionIssue {
            id: issue.id.clone(),
            to: "Mosaic No Such State".to_owned(),
        })
        .await,
        "to",
    )
}

async fn search<P: ProjectProvider + ?Sized>(p: &P, c: &C<'_>, issue: &Issue) -> CheckResult {
    need(c.caps, &[ProjectOp::SearchIssues])?;
    for attempt in 0..c.setup.search_attempts.max(1) {
        let found = p
            .search_issues(SearchIssues {
                query: c.setup.search_query.clone(),
                project_id: Some(c.setup.project.clone()),
                page: PageRequest::with_size(c.setup.page_size),
            })
            .await
            .ctx("search_issues")?;
        if found.items.iter().any(|i| i.id == issue.id) {
            return Ok(());
        }
        if attempt + 1 < c.setup.search_attempts {
            pause(c.setup.search_interval).await;
        }
    }
    super::fail!(
        "search for a word of the title did not find the issue after {} attempts",
        c.setup.search_attempts
    )
}

async fn comments<P: ProjectProvider + ?Sized>(p: &P, c: &C<'_>, issue: &Issue) -> CheckResult {
    need(c.caps, &[ProjectOp::AddComment, ProjectOp::ListComments])?;
    let comment = p
        .add_comment(AddComment {
            issue_id: issue.id.clone(),
            body: "A conformance comment.".to_owned(),
        })
        .await
        .ctx("add_comment")?;
    let all = walk(
        "list_comments",
        ListComments {
            issue_id: issue.id.clone(),
            page: PageRequest::with_size(c.setup.page_size),
        },
        |q| p.list_comments(q),
    )
    .await?;
    let ids: Vec<String> = all.iter().map(|x| x.id.clone()).collect();
    exactly_once("list_comments", &ids, &[comment.id])?;
    expect_invalid(
        "add_comment with an empty body",
        p.add_comment(AddComment {
            issue_id: issue.id.clone(),
            body: String::new(),
        })
        .await,
        "body",
    )
}
