//! `git.pull_request.*`: pull requests.

use super::*;
use crate::forge::merge_message;
use crate::forge::refuse;

fn end(name: &str) -> wire::BranchEnd<'_> {
    wire::BranchEnd {
        branch: wire::NameRef { name },
    }
}

fn pr_path(repo: &RepoRef, number: u64, rest: &str) -> Result<String> {
    repo_path(repo, &format!("/pullrequests/{number}{rest}"))
}

pub(super) async fn create(bb: &Bitbucket, p: CreatePullRequest) -> Result<PullRequest> {
    require("title", &p.title)?;
    require("head", &p.head)?;
    require("base", &p.base)?;
    let pr: wire::PullRequest = bb
        .http
        .post(&repo_path(&p.repo, "/pullrequests")?)
        .json(&wire::CreatePull {
            title: &p.title,
            description: p.body.as_deref(),
            source: end(&p.head),
            destination: end(&p.base),
            draft: p.draft,
        })
        .send_json()
        .await?;
    Ok(map::pull_request(pr))
}

pub(super) async fn get(bb: &Bitbucket, p: PullRequestRef) -> Result<PullRequest> {
    let path = pr_path(&p.repo, p.number, "")?;
    let pr: wire::PullRequest = bb.http.get(&path).send_json().await?;
    Ok(map::pull_request(pr))
}

/// Closing declines the pull request; Bitbucket cannot reopen a declined
/// one, so `Open` is refused.
pub(super) async fn update(bb: &Bitbucket, p: UpdatePullRequest) -> Result<PullRequest> {
    let path = pr_path(&p.repo, p.number, "")?;
    let refused = match p.state {
        Some(PullRequestState::Open) => "Bitbucket cannot reopen a declined pull request",
        Some(PullRequestState::Merged) => "a pull request is merged with merge_pull_request",
        _ => "",
    };
    if !refused.is_empty() {
        return refuse("state", refused);
    }
    let mut pr: Option<wire::PullRequest> = None;
    if p.title.is_some() || p.body.is_some() || p.base.is_some() {
        let edit = wire::UpdatePull {
            title: p.title.as_deref(),
            description: p.body.as_deref(),
            destination: p.base.as_deref().map(end),
        };
        pr = Some(bb.http.put(&path).json(&edit).send_json().await?);
    }
    if p.state == Some(PullRequestState::Closed) {
        let decline = format!("{path}/decline");
        pr = Some(bb.http.post(&decline).send_json().await?);
    }
    let pr = match pr {
        Some(pr) => pr,
        None => bb.http.get(&path).send_json().await?,
    };
    Ok(map::pull_request(pr))
}

/// `Merge` → `merge_commit`, `Squash` → `squash`, `Rebase` →
/// `rebase_fast_forward`. Bitbucket cannot make the merge conditional on
/// the head SHA, so `sha` is refused.
pub(super) async fn merge(bb: &Bitbucket, p: MergePullRequest) -> Result<MergeResult> {
    if p.sha.is_some() {
        return refuse(
            "sha",
            "Bitbucket cannot merge conditionally on the head SHA",
        );
    }
    let strategy = match p.method {
        MergeMethod::Merge => "merge_commit",
        MergeMethod::Squash => "squash",
        MergeMethod::Rebase => "rebase_fast_forward",
    };
    let message = merge_message(p.commit_title.as_deref(), p.commit_message.as_deref());
    let pr: wire::PullRequest = bb
        .http
        .post(&pr_path(&p.repo, p.number, "/merge")?)
        .json(&wire::Merge {
            kind: "pullrequest",
            message: message.as_deref(),
            merge_strategy: strategy,
        })
        .send_json()
        .await?;
    Ok(MergeResult {
        merged: pr.state == "MERGED",
        sha: pr.merge_commit.map(|c| c.hash),
        message: None,
    })
}

/// `Closed` lists merged, declined and superseded pull requests.
pub(super) async fn list(bb: &Bitbucket, p: ListPullRequests) -> Result<Page<PullRequest>> {
    let states: &[&str] = match p.state {
        StateFilter::Open => &["OPEN"],
        StateFilter::Closed => &["MERGED", "DECLINED", "SUPERSEDED"],
        StateFilter::All => &["OPEN", "MERGED", "DECLINED", "SUPERSEDED"],
    };
    let mut req = bb.http.get(&repo_path(&p.repo, "/pullrequests")?);
    for s in states {
        req = req.query("state", s);
    }
    let page = req.paged(&p.page).send_page_as::<wire::Paged<_>>().await?;
    Ok(page.map(map::pull_request))
}
