//! `git.tag.*`: tags.

use super::*;
use crate::http::path::path as enc_path;

fn tag_path(p: &TagRef) -> Result<String> {
    require("name", &p.name)?;
    repo_path(&p.repo, &format!("/refs/tags/{}", enc_path(&p.name)))
}

pub(super) async fn create(bb: &Bitbucket, p: CreateTag) -> Result<Tag> {
    let path = repo_path(&p.repo, "/refs/tags")?;
    require("name", &p.name)?;
    require("target", &p.target)?;
    let hash = bb.resolve_hash(&p.repo, &p.target).await?;
    let r: wire::Ref = bb
        .http
        .post(&path)
        .json(&wire::CreateRef {
            name: &p.name,
            target: wire::Hash { hash },
            message: p.message.as_deref(),
        })
        .send_json()
        .await?;
    Ok(map::tag(r))
}

pub(super) async fn get(bb: &Bitbucket, p: TagRef) -> Result<Tag> {
    let r: wire::Ref = bb.http.get(&tag_path(&p)?).send_json().await?;
    Ok(map::tag(r))
}

pub(super) async fn delete(bb: &Bitbucket, p: TagRef) -> Result<()> {
    bb.http.delete(&tag_path(&p)?).send_unit().await
}

pub(super) async fn list(bb: &Bitbucket, p: ListTags) -> Result<Page<Tag>> {
    let path = repo_path(&p.repo, "/refs/tags")?;
    let req = bb.http.get(&path).paged(&p.page);
    Ok(req.send_page_as::<wire::Paged<_>>().await?.map(map::tag))
}
