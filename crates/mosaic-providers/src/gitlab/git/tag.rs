//! `git.tag.*`: repository tags.

use super::*;
use crate::params::require;

fn tag_path(p: &TagRef) -> Result<String> {
    require("name", &p.name)?;
    project(&p.repo, &format!("/repository/tags/{}", segment(&p.name)))
}

pub(super) async fn create(gl: &GitLab, p: CreateTag) -> Result<Tag> {
    require("name", &p.name)?;
    require("target", &p.target)?;
    let t: wire::Tag = gl
        .http
        .post(&project(&p.repo, "/repository/tags")?)
        .query("tag_name", &p.name)
        .query("ref", &p.target)
        .query_opt("message", p.message.as_deref())
        .send_json()
        .await?;
    Ok(map::tag(t))
}

pub(super) async fn get(gl: &GitLab, p: TagRef) -> Result<Tag> {
    let t: wire::Tag = gl.http.get(&tag_path(&p)?).send_json().await?;
    Ok(map::tag(t))
}

pub(super) async fn delete(gl: &GitLab, p: TagRef) -> Result<()> {
    gl.http.delete(&tag_path(&p)?).send_unit().await
}

pub(super) async fn list(gl: &GitLab, p: ListTags) -> Result<Page<Tag>> {
    let path = project(&p.repo, "/repository/tags")?;
    let page = gl.http.get(&path).paged(&p.page).send_page().await?;
    Ok(page.map(map::tag))
}
