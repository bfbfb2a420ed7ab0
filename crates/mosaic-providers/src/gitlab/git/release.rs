//! `git.release.*`: project releases.

use super::*;
use crate::forge::refuse;
use crate::params::require;

/// GitLab releases have no draft or pre-release flag; both are refused.
pub(super) async fn create(gl: &GitLab, p: CreateRelease) -> Result<Release> {
    require("tag_name", &p.tag_name)?;
    if p.draft {
        return refuse("draft", "GitLab has no draft releases");
    }
    if p.prerelease {
        return refuse("prerelease", "GitLab has no pre-release flag");
    }
    let r: wire::Release = gl
        .http
        .post(&project(&p.repo, "/releases")?)
        .json(&wire::CreateRelease {
            tag_name: &p.tag_name,
            git_ref: p.target.as_deref(),
            name: p.name.as_deref(),
            description: p.body.as_deref(),
        })
        .send_json()
        .await?;
    Ok(map::release(r))
}

pub(super) async fn list(gl: &GitLab, p: ListReleases) -> Result<Page<Release>> {
    let path = project(&p.repo, "/releases")?;
    let page = gl.http.get(&path).paged(&p.page).send_page().await?;
    Ok(page.map(map::release))
}
