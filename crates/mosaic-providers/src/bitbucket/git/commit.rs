//! `git.commit.*`: commits, `POST /src` commits and comparisons.

use super::*;
use crate::forge::compare_status;
use crate::forge::refuse;

pub(super) async fn get(bb: &Bitbucket, p: CommitRef) -> Result<Commit> {
    require("sha", &p.sha)?;
    Ok(map::commit(bb.commit(&p.repo, &p.sha).await?))
}

pub(super) async fn list(bb: &Bitbucket, p: ListCommits) -> Result<Page<Commit>> {
    let rest = match &p.reference {
        Some(r) => format!("/commits/{}", segment(r)),
        None => "/commits".to_owned(),
    };
    let page = bb
        .http
        .get(&repo_path(&p.repo, &rest)?)
        .query_opt("path", p.path.as_deref())
        .paged(&p.page)
        .send_page_as::<wire::Paged<_>>()
        .await?;
    Ok(page.map(map::commit))
}

/// One commit through `POST /src`.
pub(super) async fn create(bb: &Bitbucket, p: CreateCommit) -> Result<Commit> {
    require("branch", &p.branch)?;
    require("message", &p.message)?;
    if p.changes.is_empty() {
        return refuse("changes", "must not be empty");
    }
    let author = p.author.as_ref();
    bb.src_commit(&p.repo, Some(&p.branch), &p.message, &p.changes, author)
        .await
}

/// Commits are counted both ways (`include`/`exclude`, every page); files
/// come from the diffstat of head against its merge base.
pub(super) async fn compare(bb: &Bitbucket, p: CompareCommits) -> Result<Comparison> {
    let commits = repo_path(&p.repo, "/commits")?;
    require("base", &p.base)?;
    require("head", &p.head)?;
    let (head, base) = (p.head.as_str(), p.base.as_str());
    let ahead: Vec<wire::Commit> = bb
        .all_pages(&commits, &[("include", head), ("exclude", base)])
        .await?;
    let behind: Vec<wire::Commit> = bb
        .all_pages(&commits, &[("include", base), ("exclude", head)])
        .await?;
    let diffstat = format!("/diffstat/{}..{}", segment(head), segment(base));
    let files: Vec<wire::DiffStat> = bb.all_pages(&repo_path(&p.repo, &diffstat)?, &[]).await?;
    let (ahead_by, behind_by) = (ahead.len() as u64, behind.len() as u64);
    Ok(Comparison {
        status: compare_status(ahead_by, behind_by),
        ahead_by,
        behind_by,
        commits: ahead.into_iter().map(map::commit).collect(),
        files: files.into_iter().map(map::changed_file).collect(),
    })
}
