//! `git.file.*`: repository files, written through the commits API.

use super::*;
use crate::gitlab::PROVIDER;
use crate::params::require;

fn file_path(repo: &RepoRef, path: &str) -> Result<String> {
    project(repo, &format!("/repository/files/{}", segment(path)))
}

/// Without a reference, the project's default branch is read.
pub(super) async fn get(gl: &GitLab, p: GetFile) -> Result<FileContent> {
    require("path", &p.path)?;
    let reference = gl
        .reference_or_default(&p.repo, p.reference.as_deref())
        .await?;
    let f: wire::File = gl
        .http
        .get(&file_path(&p.repo, &p.path)?)
        .query("ref", &reference)
        .send_json()
        .await?;
    let content = match f.encoding.as_deref() {
        Some("base64") | None => b64().decode(f.content.trim()).map_err(|e| {
            Error::decode("`$.content` of the file (base64)", e).with_provider(PROVIDER)
        })?,
        Some(_) => f.content.into_bytes(),
    };
    Ok(FileContent {
        path: f.file_path,
        sha: f.blob_id,
        content,
    })
}

/// Written through the commits API so the commit is known; the new blob
/// id is read back (GitLab's `HEAD` on the file). GitLab does not check a
/// given `sha`.
pub(super) async fn create(gl: &GitLab, p: WriteFile) -> Result<FileCommit> {
    write(gl, p, |path, content| FileChange::Create { path, content }).await
}

/// See [`create`].
pub(super) async fn update(gl: &GitLab, p: WriteFile) -> Result<FileCommit> {
    write(gl, p, |path, content| FileChange::Update { path, content }).await
}

async fn write(
    gl: &GitLab,
    p: WriteFile,
    change: fn(String, Vec<u8>) -> FileChange,
) -> Result<FileCommit> {
    require("path", &p.path)?;
    require("message", &p.message)?;
    let changes = [change(p.path.clone(), p.content)];
    let c = gl
        .commit_changes(&p.repo, p.branch.as_deref(), &p.message, &changes, None)
        .await?;
    let resp = gl
        .http
        .head(&file_path(&p.repo, &p.path)?)
        .query("ref", &c.id)
        .send()
        .await?;
    Ok(FileCommit {
        path: p.path,
        content_sha: resp.header("x-gitlab-blob-id").map(str::to_owned),
        commit: map::commit(c),
    })
}

pub(super) async fn delete(gl: &GitLab, p: DeleteFile) -> Result<FileCommit> {
    require("path", &p.path)?;
    require("message", &p.message)?;
    let changes = [FileChange::Delete {
        path: p.path.clone(),
    }];
    let c = gl
        .commit_changes(&p.repo, p.branch.as_deref(), &p.message, &changes, None)
        .await?;
    Ok(FileCommit {
        path: p.path,
        content_sha: None,
        commit: map::commit(c),
    })
}
