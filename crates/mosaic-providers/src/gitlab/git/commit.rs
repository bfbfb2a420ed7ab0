//! `git.commit.*`: commits, the commits API and comparisons.

use super::*;
use crate::forge::compare_status;
use crate::forge::refuse;
use crate::params::require;

pub(super) async fn get(gl: &GitLab, p: CommitRef) -> Result<Commit> {
    require("sha", &p.sha)?;
    let path = project(&p.repo, &format!("/repository/commits/{}", segment(&p.sha)))?;
    let c: wire::Commit = gl.http.get(&path).send_json().await?;
    Ok(map::commit(c))
}

pub(super) async fn list(gl: &GitLab, p: ListCommits) -> Result<Page<Commit>> {
    let page = gl
        .http
        .get(&project(&p.repo, "/repository/commits")?)
        .query_opt("ref_name", p.reference.as_deref())
        .query_opt("path", p.path.as_deref())
        .paged(&p.page)
        .send_page()
        .await?;
    Ok(page.map(map::commit))
}

pub(super) async fn create(gl: &GitLab, p: CreateCommit) -> Result<Commit> {
    require("branch", &p.branch)?;
    require("message", &p.message)?;
    if p.changes.is_empty() {
        return refuse("changes", "must not be empty");
    }
    let branch = Some(p.branch.as_str());
    let c = gl
        .commit_changes(&p.repo, branch, &p.message, &p.changes, p.author.as_ref())
        .await?;
    Ok(map::commit(c))
}

/// GitLab compares one way; `behind_by` is a second, reversed comparison.
/// Line counts come from the unified diffs.
pub(super) async fn compare(gl: &GitLab, p: CompareCommits) -> Result<Comparison> {
    require("base", &p.base)?;
    require("head", &p.head)?;
    let path = project(&p.repo, "/repository/compare")?;
    let compare = |from: &str, to: &str| {
        let req = gl.http.get(&path).query("from", from).query("to", to);
        req.send_json::<wire::Compare>()
    };
    let fwd = compare(&p.base, &p.head).await?;
    let back = compare(&p.head, &p.base).await?;
    let (ahead, behind) = (fwd.commits.len() as u64, back.commits.len() as u64);
    Ok(Comparison {
        status: compare_status(ahead, behind),
        ahead_by: ahead,
        behind_by: behind,
        commits: fwd.commits.into_iter().map(map::commit).collect(),
        files: fwd.diffs.into_iter().map(map::changed_file).collect(),
    })
}
