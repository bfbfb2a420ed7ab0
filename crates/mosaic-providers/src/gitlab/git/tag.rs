//! `git.tag.*`: repository tags.

use super::*;
use crate::params::require;

pub(super) async fn list(gl: &GitLab, p: ListTags) -> Result<Page<Tag>> {
    Ok(refs(gl, &p.repo, "tags", &p.page).await?.map(map::tag))
}

pub(super) async fn get(gl: &GitLab, p: TagRef) -> Result<Tag> {
    let t = gl.http.get(&ref_path(&p.repo, "tags", "name", &p.name)?);
    Ok(map::tag(t.send_json().await?))
}

pub(super) async fn create(gl: &GitLab, p: CreateTag) -> Result<Tag> {
    require("name", &p.name)?;
    require("target", &p.target)?;
    let query = [
        ("tag_name", Some(p.name.as_str())),
        ("ref", Some(&p.target)),
        ("message", p.message.as_deref()),
    ];
    Ok(map::tag(create_ref(gl, &p.repo, "tags", &query).await?))
}

pub(super) async fn delete(gl: &GitLab, p: TagRef) -> Result<()> {
    let path = ref_path(&p.repo, "tags", "name", &p.name)?;
    gl.http.delete(&path).send_unit().await
}
