//! `git.status.*`: build statuses of commits.

use super::*;
use crate::forge::status_context;

fn statuses(repo: &RepoRef, sha: &str, rest: &str) -> Result<String> {
    require("sha", sha)?;
    repo_path(repo, &format!("/commit/{}/statuses{rest}", segment(sha)))
}

/// A build status keyed by `context`; Bitbucket requires a link, so a
/// missing `target_url` is refused. `Error` is sent as `STOPPED`.
pub(super) async fn create(bb: &Bitbucket, p: CreateCommitStatus) -> Result<CommitStatus> {
    require("sha", &p.sha)?;
    let url = p
        .target_url
        .as_deref()
        .ok_or_else(|| Error::invalid_input("target_url", "Bitbucket build statuses need a URL"))?;
    let s: wire::Status = bb
        .http
        .post(&statuses(&p.repo, &p.sha, "/build")?)
        .json(&wire::CreateStatus {
            key: status_context(&p.context),
            state: map::status_state(p.state),
            url,
            description: p.description.as_deref(),
        })
        .send_json()
        .await?;
    Ok(map::status(s))
}

pub(super) async fn list(bb: &Bitbucket, p: ListCommitStatuses) -> Result<Page<CommitStatus>> {
    let path = statuses(&p.repo, &p.sha, "")?;
    let req = bb.http.get(&path).paged(&p.page);
    Ok(req.send_page_as::<wire::Paged<_>>().await?.map(map::status))
}
