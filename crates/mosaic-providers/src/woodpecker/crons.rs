//! Woodpecker crons: scheduled pipelines of a repository.

use mosaic_core::cicd::Pipeline;
use mosaic_core::{Error, Result};
use serde::{Deserialize, Serialize};

use super::{Woodpecker, map, wire};
use crate::ci::require;

/// A cron of a repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cron {
    /// Woodpecker's id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Schedule (`@daily`, `0 3 * * *`).
    pub schedule: String,
    /// Branch (`None`: the default branch).
    pub branch: Option<String>,
    /// Next run (RFC 3339), when scheduled.
    pub next_run: Option<String>,
}

/// A cron to create.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NewCron {
    /// Name.
    pub name: String,
    /// Schedule (`@daily`, `0 3 * * *`).
    pub schedule: String,
    /// Branch (`None`: the default branch).
    pub branch: Option<String>,
}

fn cron(c: wire::Cron) -> Cron {
    Cron {
        id: c.id,
        name: c.name,
        schedule: c.schedule,
        branch: Some(c.branch).filter(|b| !b.is_empty()),
        next_run: map::time(Some(c.next_exec)),
    }
}

impl Woodpecker {
    /// The repository's crons.
    pub async fn list_crons(&self, project: &str) -> Result<Vec<Cron>> {
        let (_, repo) = self.repo(project).await?;
        let list: Vec<wire::Cron> = self.http.get(&format!("{repo}/cron")).send_json().await?;
        Ok(list.into_iter().map(cron).collect())
    }

    /// Create a cron.
    pub async fn create_cron(&self, project: &str, new: NewCron) -> Result<Cron> {
        require("name", &new.name)?;
        require("schedule", &new.schedule)?;
        let (_, repo) = self.repo(project).await?;
        let c: wire::Cron = self
            .http
            .post(&format!("{repo}/cron"))
            .json(&wire::PostCron {
                name: &new.name,
                schedule: &new.schedule,
                branch: new.branch.as_deref().unwrap_or(""),
            })
            .send_json()
            .await?;
        Ok(cron(c))
    }

    /// Delete a cron.
    pub async fn delete_cron(&self, project: &str, id: u64) -> Result<()> {
        let (_, repo) = self.repo(project).await?;
        self.http
            .delete(&format!("{repo}/cron/{id}"))
            .send_unit()
            .await
    }

    /// Run a cron now; the pipeline it started.
    pub async fn run_cron(&self, project: &str, id: u64) -> Result<Pipeline> {
        let (repo_id, repo) = self.repo(project).await?;
        let p: wire::Pipeline = self
            .http
            .post(&format!("{repo}/cron/{id}"))
            .send_json()
            .await?;
        Ok(map::pipeline(project, &self.web_base, repo_id, p))
    }

    /// Approve a blocked pipeline; the pipeline as it now stands.
    pub async fn approve(&self, project: &str, number: u64) -> Result<Pipeline> {
        self.decide(project, number, "approve").await
    }

    /// Decline a blocked pipeline.
    pub async fn decline(&self, project: &str, number: u64) -> Result<Pipeline> {
        self.decide(project, number, "decline").await
    }

    async fn decide(&self, project: &str, number: u64, what: &str) -> Result<Pipeline> {
        if number == 0 {
            return Err(Error::invalid_input("number", "must be positive"));
        }
        let (repo_id, repo) = self.repo(project).await?;
        let p: wire::Pipeline = self
            .http
            .post(&format!("{repo}/pipelines/{number}/{what}"))
            .send_json()
            .await?;
        Ok(map::pipeline(project, &self.web_base, repo_id, p))
    }
}
