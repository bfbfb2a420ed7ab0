//! `git.issue.*`: project issues, numbered by their `iid`.

use super::*;
use crate::params::require;

fn issue_path(repo: &RepoRef, number: u64) -> Result<String> {
    project(repo, &format!("/issues/{number}"))
}

async fn edit(
    gl: &GitLab,
    repo: &RepoRef,
    number: u64,
    o: wire::IssueOptions<'_>,
) -> Result<Issue> {
    let path = issue_path(repo, number)?;
    let i: wire::Issue = gl.http.put(&path).json(&o).send_json().await?;
    Ok(map::issue(i))
}

/// Assignee logins are resolved to user ids.
pub(super) async fn create(gl: &GitLab, p: CreateIssue) -> Result<Issue> {
    require("title", &p.title)?;
    let assignee_ids = if p.assignees.is_empty() {
        None
    } else {
        Some(gl.user_ids(&p.assignees).await?)
    };
    let i: wire::Issue = gl
        .http
        .post(&project(&p.repo, "/issues")?)
        .json(&wire::IssueOptions {
            title: Some(&p.title),
            description: p.body.as_deref(),
            labels: (!p.labels.is_empty()).then(|| p.labels.join(",")),
            assignee_ids,
            state_event: None,
        })
        .send_json()
        .await?;
    Ok(map::issue(i))
}

pub(super) async fn get(gl: &GitLab, p: IssueRef) -> Result<Issue> {
    let i: wire::Issue = gl
        .http
        .get(&issue_path(&p.repo, p.number)?)
        .send_json()
        .await?;
    Ok(map::issue(i))
}

pub(super) async fn update(gl: &GitLab, p: UpdateIssue) -> Result<Issue> {
    let assignee_ids = match &p.assignees {
        Some(a) => Some(gl.user_ids(a).await?),
        None => None,
    };
    let options = wire::IssueOptions {
        title: p.title.as_deref(),
        description: p.body.as_deref(),
        labels: p.labels.as_ref().map(|l| l.join(",")),
        assignee_ids,
        state_event: p.state.map(|s| match s {
            IssueState::Open => "reopen",
            IssueState::Closed => "close",
        }),
    };
    edit(gl, &p.repo, p.number, options).await
}

pub(super) async fn close(gl: &GitLab, p: IssueRef) -> Result<Issue> {
    let options = wire::IssueOptions {
        state_event: Some("close"),
        ..Default::default()
    };
    edit(gl, &p.repo, p.number, options).await
}

pub(super) async fn list(gl: &GitLab, p: ListIssues) -> Result<Page<Issue>> {
    let state = match p.state {
        StateFilter::Open => "opened",
        StateFilter::Closed => "closed",
        StateFilter::All => "all",
    };
    let labels = (!p.labels.is_empty()).then(|| p.labels.join(","));
    let page = gl
        .http
        .get(&project(&p.repo, "/issues")?)
        .query("state", state)
        .query_opt("labels", labels)
        .paged(&p.page)
        .send_page()
        .await?;
    Ok(page.map(map::issue))
}
