//! `git.tag.*`: create, get, delete, list.

use mosaic_core::git::{CreateTag, ListTags, Tag, TagRef};
use mosaic_core::{Page, Result};

use super::{Flavor, Forge, repo_path, wire};
use crate::http::path::{path as enc_path, segment};
use crate::params::require;

/// A tag of the listing; Gitea adds the annotation's message.
fn tag(t: wire::Tag) -> Tag {
    Tag {
        name: t.name,
        sha: t.commit.sha,
        message: t
            .message
            .map(|m| m.trim_end().to_owned())
            .filter(|m| !m.is_empty()),
    }
}

impl Forge {
    /// GitHub: an annotated tag object when there is a message, then the
    /// `refs/tags/…` ref. Gitea: its tag endpoint.
    pub(crate) async fn create_tag(&self, p: CreateTag) -> Result<Tag> {
        let repo = repo_path(&p.repo)?;
        require("name", &p.name)?;
        require("target", &p.target)?;
        if self.dialect.is(Flavor::Gitea) {
            let t: wire::Tag = self
                .http
                .post(&format!("{repo}/tags"))
                .json(&wire::CreateTag {
                    tag_name: &p.name,
                    target: &p.target,
                    message: p.message.as_deref(),
                })
                .send_json()
                .await?;
            return Ok(tag(t));
        }
        let sha = self.resolve_sha(&repo, &p.target).await?;
        let ref_sha = match &p.message {
            Some(message) => {
                let t: wire::GitTag = self
                    .http
                    .post(&format!("{repo}/git/tags"))
                    .json(&wire::CreateGitTag {
                        tag: &p.name,
                        message,
                        object: &sha,
                        kind: "commit",
                    })
                    .send_json()
                    .await?;
                t.sha
            }
            None => sha.clone(),
        };
        self.http
            .post(&format!("{repo}/git/refs"))
            .json(&wire::CreateRef {
                git_ref: format!("refs/tags/{}", p.name),
                sha: &ref_sha,
            })
            .send_unit()
            .await?;
        Ok(Tag {
            name: p.name,
            sha,
            message: p.message,
        })
    }

    /// GitHub: the ref, and the tag object behind an annotated one.
    pub(crate) async fn get_tag(&self, p: TagRef) -> Result<Tag> {
        let repo = repo_path(&p.repo)?;
        require("name", &p.name)?;
        if self.dialect.is(Flavor::Gitea) {
            let t: wire::Tag = self
                .http
                .get(&format!("{repo}/tags/{}", segment(&p.name)))
                .send_json()
                .await?;
            return Ok(tag(t));
        }
        let r: wire::GitRef = self
            .http
            .get(&format!("{repo}/git/ref/tags/{}", enc_path(&p.name)))
            .send_json()
            .await?;
        if r.object.kind != "tag" {
            return Ok(Tag {
                name: p.name,
                sha: r.object.sha,
                message: None,
            });
        }
        let t: wire::GitTag = self
            .http
            .get(&format!("{repo}/git/tags/{}", r.object.sha))
            .send_json()
            .await?;
        Ok(Tag {
            name: t.tag,
            sha: t.object.sha,
            message: t.message,
        })
    }

    pub(crate) async fn delete_tag(&self, p: TagRef) -> Result<()> {
        require("name", &p.name)?;
        let repo = repo_path(&p.repo)?;
        let path = match self.dialect.flavor {
            Flavor::GitHub => format!("{repo}/git/refs/tags/{}", enc_path(&p.name)),
            Flavor::Gitea => format!("{repo}/tags/{}", segment(&p.name)),
        };
        self.http.delete(&path).send_unit().await
    }

    pub(crate) async fn list_tags(&self, p: ListTags) -> Result<Page<Tag>> {
        let path = format!("{}/tags", repo_path(&p.repo)?);
        Ok(self.list(&path, &p.page).send_page().await?.map(tag))
    }
}
