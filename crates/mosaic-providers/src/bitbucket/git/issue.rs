//! `git.issue.*`: the repository's issue tracker. Bitbucket issues have no
//! labels and at most one assignee (an account id).

use super::*;
use crate::forge::refuse;

fn check(labels: Option<&[String]>, assignees: Option<&[String]>) -> Result<()> {
    if labels.is_some_and(|l| !l.is_empty()) {
        return refuse("labels", "Bitbucket issues have no labels");
    }
    if assignees.is_some_and(|a| a.len() > 1) {
        return refuse("assignees", "Bitbucket issues have one assignee");
    }
    Ok(())
}

fn issue_path(repo: &RepoRef, number: u64) -> Result<String> {
    repo_path(repo, &format!("/issues/{number}"))
}

fn content(body: &Option<String>) -> Option<wire::Content> {
    body.clone().map(|raw| wire::Content { raw: Some(raw) })
}

fn assignee(assignees: Option<&[String]>) -> Option<wire::AccountRef<'_>> {
    let first = assignees.and_then(|a| a.first());
    first.map(|account_id| wire::AccountRef { account_id })
}

async fn edit(
    bb: &Bitbucket,
    repo: &RepoRef,
    number: u64,
    b: wire::IssueBody<'_>,
) -> Result<Issue> {
    let path = issue_path(repo, number)?;
    let i: wire::Issue = bb.http.put(&path).json(&b).send_json().await?;
    Ok(map::issue(i))
}

pub(super) async fn create(bb: &Bitbucket, p: CreateIssue) -> Result<Issue> {
    require("title", &p.title)?;
    check(Some(&p.labels), Some(&p.assignees))?;
    let i: wire::Issue = bb
        .http
        .post(&repo_path(&p.repo, "/issues")?)
        .json(&wire::IssueBody {
            title: Some(&p.title),
            content: content(&p.body),
            state: None,
            assignee: assignee(Some(&p.assignees)),
        })
        .send_json()
        .await?;
    Ok(map::issue(i))
}

pub(super) async fn get(bb: &Bitbucket, p: IssueRef) -> Result<Issue> {
    let i: wire::Issue = bb
        .http
        .get(&issue_path(&p.repo, p.number)?)
        .send_json()
        .await?;
    Ok(map::issue(i))
}

/// Closing sets `resolved`, reopening `open`.
pub(super) async fn update(bb: &Bitbucket, p: UpdateIssue) -> Result<Issue> {
    check(p.labels.as_deref(), p.assignees.as_deref())?;
    let body = wire::IssueBody {
        title: p.title.as_deref(),
        content: content(&p.body),
        state: p.state.map(|s| match s {
            IssueState::Open => "open",
            IssueState::Closed => "resolved",
        }),
        assignee: assignee(p.assignees.as_deref()),
    };
    edit(bb, &p.repo, p.number, body).await
}

pub(super) async fn close(bb: &Bitbucket, p: IssueRef) -> Result<Issue> {
    let body = wire::IssueBody {
        state: Some("resolved"),
        ..Default::default()
    };
    edit(bb, &p.repo, p.number, body).await
}

/// Filtered with a BBQL query on the state.
pub(super) async fn list(bb: &Bitbucket, p: ListIssues) -> Result<Page<Issue>> {
    check(Some(&p.labels), None)?;
    let states = |states: &[&str]| {
        let each: Vec<String> = states.iter().map(|s| format!(r#"state="{s}""#)).collect();
        Some(each.join(" OR "))
    };
    let q = match p.state {
        StateFilter::Open => states(&["new", "open", "on hold"]),
        StateFilter::Closed => states(map::CLOSED_STATES),
        StateFilter::All => None,
    };
    let page = bb
        .http
        .get(&repo_path(&p.repo, "/issues")?)
        .query_opt("q", q)
        .paged(&p.page)
        .send_page_as::<wire::Paged<_>>()
        .await?;
    Ok(page.map(map::issue))
}
