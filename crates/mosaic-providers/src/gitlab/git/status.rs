//! `git.status.*`: commit statuses.

use super::*;
use crate::forge::status_context;
use crate::params::require;

/// `Error` is sent as `failed` (GitLab has no separate error state).
pub(super) async fn create(gl: &GitLab, p: CreateCommitStatus) -> Result<CommitStatus> {
    require("sha", &p.sha)?;
    let s: wire::Status = gl
        .http
        .post(&project(
            &p.repo,
            &format!("/statuses/{}", segment(&p.sha)),
        )?)
        .json(&wire::CreateStatus {
            state: map::status_state(p.state),
            name: status_context(&p.context),
            target_url: p.target_url.as_deref(),
            description: p.description.as_deref(),
        })
        .send_json()
        .await?;
    Ok(map::status(s))
}

pub(super) async fn list(gl: &GitLab, p: ListCommitStatuses) -> Result<Page<CommitStatus>> {
    require("sha", &p.sha)?;
    let rest = format!("/repository/commits/{}/statuses", segment(&p.sha));
    let path = project(&p.repo, &rest)?;
    let page = gl.http.get(&path).paged(&p.page).send_page().await?;
    Ok(page.map(map::status))
}
