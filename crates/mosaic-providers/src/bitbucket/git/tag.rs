//! `git.tag.*`: tags.

use super::*;

pub(super) async fn list(bb: &Bitbucket, p: ListTags) -> Result<Page<Tag>> {
    Ok(bb.refs(&p.repo, "tags", &p.page).await?.map(map::tag))
}

pub(super) async fn get(bb: &Bitbucket, p: TagRef) -> Result<Tag> {
    let t = bb
        .http
        .get(&ref_path(&p.repo, "tags", Some(("name", &p.name)))?);
    Ok(map::tag(t.send_json().await?))
}

pub(super) async fn create(bb: &Bitbucket, p: CreateTag) -> Result<Tag> {
    p.repo.validate()?;
    require("name", &p.name)?;
    require("target", &p.target)?;
    let message = p.message.as_deref();
    let r = bb.create_ref(&p.repo, "tags", &p.name, &p.target, message);
    Ok(map::tag(r.await?))
}

pub(super) async fn delete(bb: &Bitbucket, p: TagRef) -> Result<()> {
    let path = ref_path(&p.repo, "tags", Some(("name", &p.name)))?;
    bb.http.delete(&path).send_unit().await
}
