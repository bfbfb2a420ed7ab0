//! `git.file.*`: files, read from `/src` and written with `POST /src`.

use super::*;
use crate::forge::refuse;
use crate::http::path::path as enc_path;

/// Bitbucket has no blob SHAs: `sha` is the commit the content was read
/// at. Without a reference, the main branch is read.
pub(super) async fn get(bb: &Bitbucket, p: GetFile) -> Result<FileContent> {
    let repo = repo_path(&p.repo, "")?;
    require("path", &p.path)?;
    let reference = bb
        .reference_or_main(&p.repo, p.reference.as_deref())
        .await?;
    let src = format!("{repo}/src/{}/{}", segment(&reference), enc_path(&p.path));
    let meta: wire::FileMeta = bb
        .http
        .get(&src)
        .query("format", "meta")
        .send_json()
        .await?;
    if meta.kind != "commit_file" {
        return refuse("path", format!("`{}` is not a file", p.path));
    }
    let raw = bb.http.get(&src).accept("*/*").send().await?;
    Ok(FileContent {
        path: meta.path,
        sha: meta.commit.hash,
        content: raw.body().to_vec(),
    })
}

/// One commit through `POST /src`; Bitbucket reports no blob SHA.
pub(super) async fn create(bb: &Bitbucket, p: WriteFile) -> Result<FileCommit> {
    let path = p.path.clone();
    let change = FileChange::Create {
        path,
        content: p.content,
    };
    commit_one(bb, &p.repo, p.branch.as_deref(), &p.message, change).await
}

/// See [`create`].
pub(super) async fn update(bb: &Bitbucket, p: WriteFile) -> Result<FileCommit> {
    create(bb, p).await
}

pub(super) async fn delete(bb: &Bitbucket, p: DeleteFile) -> Result<FileCommit> {
    let change = FileChange::Delete { path: p.path };
    commit_one(bb, &p.repo, p.branch.as_deref(), &p.message, change).await
}

async fn commit_one(
    bb: &Bitbucket,
    repo: &RepoRef,
    branch: Option<&str>,
    message: &str,
    change: FileChange,
) -> Result<FileCommit> {
    require("path", change.path())?;
    require("message", message)?;
    let changes = [change];
    let commit = bb.src_commit(repo, branch, message, &changes, None).await?;
    let [change] = changes;
    Ok(FileCommit {
        path: change.path().to_owned(),
        content_sha: None,
        commit,
    })
}
