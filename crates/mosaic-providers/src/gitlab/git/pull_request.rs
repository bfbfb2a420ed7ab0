//! `git.pull_request.*`: merge requests, numbered by their `iid`.

use super::*;
use crate::forge::merge_message;
use crate::forge::refuse;
use crate::params::require;

fn mr_path(repo: &RepoRef, number: u64, rest: &str) -> Result<String> {
    project(repo, &format!("/merge_requests/{number}{rest}"))
}

/// Drafts get GitLab's `Draft: ` title prefix.
pub(super) async fn create(gl: &GitLab, p: CreatePullRequest) -> Result<PullRequest> {
    require("title", &p.title)?;
    require("head", &p.head)?;
    require("base", &p.base)?;
    let title = if p.draft {
        format!("Draft: {}", p.title)
    } else {
        p.title.clone()
    };
    let m: wire::MergeRequest = gl
        .http
        .post(&project(&p.repo, "/merge_requests")?)
        .json(&wire::CreateMergeRequest {
            source_branch: &p.head,
            target_branch: &p.base,
            title: &title,
            description: p.body.as_deref(),
        })
        .send_json()
        .await?;
    Ok(map::merge_request(m))
}

pub(super) async fn get(gl: &GitLab, p: PullRequestRef) -> Result<PullRequest> {
    let path = mr_path(&p.repo, p.number, "")?;
    let m: wire::MergeRequest = gl.http.get(&path).send_json().await?;
    Ok(map::merge_request(m))
}

pub(super) async fn update(gl: &GitLab, p: UpdatePullRequest) -> Result<PullRequest> {
    let state_event = match p.state {
        None => None,
        Some(PullRequestState::Open) => Some("reopen"),
        Some(PullRequestState::Closed) => Some("close"),
        Some(PullRequestState::Merged) => {
            return refuse("state", "a merge request is merged with merge_pull_request");
        }
    };
    let m: wire::MergeRequest = gl
        .http
        .put(&mr_path(&p.repo, p.number, "")?)
        .json(&wire::EditMergeRequest {
            title: p.title.as_deref(),
            description: p.body.as_deref(),
            target_branch: p.base.as_deref(),
            state_event,
        })
        .send_json()
        .await?;
    Ok(map::merge_request(m))
}

/// Merge or squash; GitLab chooses rebase/fast-forward merging per
/// project, so `Rebase` is refused.
pub(super) async fn merge(gl: &GitLab, p: MergePullRequest) -> Result<MergeResult> {
    let squash = match p.method {
        MergeMethod::Merge => false,
        MergeMethod::Squash => true,
        MergeMethod::Rebase => {
            return refuse(
                "method",
                "GitLab sets fast-forward and rebase merging per project; use merge or squash",
            );
        }
    };
    let message = merge_message(p.commit_title.as_deref(), p.commit_message.as_deref());
    let message = message.as_deref();
    let m: wire::MergeRequest = gl
        .http
        .put(&mr_path(&p.repo, p.number, "/merge")?)
        .json(&wire::Merge {
            merge_commit_message: message.filter(|_| !squash),
            squash_commit_message: message.filter(|_| squash),
            squash,
            sha: p.sha.as_deref(),
        })
        .send_json()
        .await?;
    Ok(MergeResult {
        merged: m.state == "merged",
        sha: m.merge_commit_sha.or(m.squash_commit_sha),
        message: None,
    })
}

/// `Closed` lists closed and merged requests (GitLab keeps them apart), so
/// that page is filtered from all requests.
pub(super) async fn list(gl: &GitLab, p: ListPullRequests) -> Result<Page<PullRequest>> {
    let state = match p.state {
        StateFilter::Open => "opened",
        StateFilter::Closed | StateFilter::All => "all",
    };
    let page = gl
        .http
        .get(&project(&p.repo, "/merge_requests")?)
        .query("state", state)
        .paged(&p.page)
        .send_page()
        .await?;
    let mut page = page.map(map::merge_request);
    if p.state == StateFilter::Closed {
        page.items.retain(|m| m.state != PullRequestState::Open);
    }
    Ok(page)
}
