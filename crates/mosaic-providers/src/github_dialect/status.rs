//! `git.status.*`: create, list.

use mosaic_core::git::{CommitStatus, CreateCommitStatus, ListCommitStatuses};
use mosaic_core::{Page, Result};

use super::{Forge, map, repo_path, wire};
use crate::http::path::segment;
use crate::params::require;

impl Forge {
    /// An empty context is sent as `default`.
    pub(crate) async fn create_commit_status(&self, p: CreateCommitStatus) -> Result<CommitStatus> {
        require("sha", &p.sha)?;
        let s: wire::Status = self
            .http
            .post(&format!(
                "{}/statuses/{}",
                repo_path(&p.repo)?,
                segment(&p.sha)
            ))
            .json(&wire::CreateStatus {
                state: map::status_state(p.state),
                target_url: p.target_url.as_deref(),
                description: p.description.as_deref(),
                context: if p.context.is_empty() {
                    "default"
                } else {
                    &p.context
                },
            })
            .send_json()
            .await?;
        Ok(map::status(s))
    }

    pub(crate) async fn list_commit_statuses(
        &self,
        p: ListCommitStatuses,
    ) -> Result<Page<CommitStatus>> {
        require("sha", &p.sha)?;
        let path = format!(
            "{}/commits/{}/statuses",
            repo_path(&p.repo)?,
            segment(&p.sha)
        );
        Ok(self
            .list(&path, &p.page)
            .send_page()
            .await?
            .map(map::status))
    }
}
