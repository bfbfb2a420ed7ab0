//! `git.release.*`: create, list.

use mosaic_core::git::{CreateRelease, ListReleases, Release};
use mosaic_core::{Page, Result};

use super::{Forge, map, repo_path, wire};
use crate::params::require;

impl Forge {
    pub(crate) async fn create_release(&self, p: CreateRelease) -> Result<Release> {
        require("tag_name", &p.tag_name)?;
        let r: wire::Release = self
            .http
            .post(&format!("{}/releases", repo_path(&p.repo)?))
            .json(&wire::CreateRelease {
                tag_name: &p.tag_name,
                target_commitish: p.target.as_deref(),
                name: p.name.as_deref(),
                body: p.body.as_deref(),
                draft: p.draft,
                prerelease: p.prerelease,
            })
            .send_json()
            .await?;
        Ok(map::release(r))
    }

    pub(crate) async fn list_releases(&self, p: ListReleases) -> Result<Page<Release>> {
        let path = format!("{}/releases", repo_path(&p.repo)?);
        Ok(self
            .list(&path, &p.page)
            .send_page()
            .await?
            .map(map::release))
    }
}
