//! `git.repository.*`: create, get, update, delete, list, fork.

use mosaic_core::git::{
    CreateRepository, ForkRepository, ListRepositories, RepoRef, Repository, UpdateRepository,
    Visibility,
};
use mosaic_core::{Error, Page, Result};

use super::{Flavor, Forge, map, repo_path, wire};
use crate::http::path::segment;
use crate::params::require;

fn visibility_name(v: Visibility) -> &'static str {
    match v {
        Visibility::Public => "public",
        Visibility::Private => "private",
        Visibility::Internal => "internal",
    }
}

impl Forge {
    /// GitHub names the first branch from the account's setting and
    /// creates internal repositories in organizations only; Gitea's API
    /// creates public or private ones and takes a default branch.
    pub(crate) async fn create_repository(&self, p: CreateRepository) -> Result<Repository> {
        require("name", &p.name)?;
        let github = self.dialect.is(Flavor::GitHub);
        let internal = p.visibility == Visibility::Internal;
        if github && p.default_branch.is_some() {
            return Err(Error::invalid_input(
                "default_branch",
                "GitHub names the first branch from the account's setting; change it afterwards with update_repository",
            ));
        }
        if internal && !github {
            return Err(Error::invalid_input(
                "visibility",
                "Gitea's API creates public or private repositories",
            ));
        }
        if internal && p.owner.is_none() {
            return Err(Error::invalid_input(
                "visibility",
                "internal repositories can only be created in an organization",
            ));
        }
        let path = match &p.owner {
            Some(org) => format!("/orgs/{}/repos", segment(org)),
            None => "/user/repos".to_owned(),
        };
        let body = wire::CreateRepo {
            name: &p.name,
            description: p.description.as_deref(),
            private: p.visibility != Visibility::Public,
            visibility: internal.then_some("internal"),
            auto_init: p.auto_init,
            default_branch: p.default_branch.as_deref(),
        };
        let r: wire::Repository = self.http.post(&path).json(&body).send_json().await?;
        Ok(map::repository(r))
    }

    pub(crate) async fn get_repository(&self, p: RepoRef) -> Result<Repository> {
        let r: wire::Repository = self.http.get(&repo_path(&p)?).send_json().await?;
        Ok(map::repository(r))
    }

    /// GitHub sets a visibility; Gitea's API only public or private.
    pub(crate) async fn update_repository(&self, p: UpdateRepository) -> Result<Repository> {
        let (visibility, private) = match (self.dialect.flavor, p.visibility) {
            (_, None) => (None, None),
            (Flavor::GitHub, Some(v)) => (Some(visibility_name(v)), None),
            (Flavor::Gitea, Some(Visibility::Internal)) => {
                return Err(Error::invalid_input(
                    "visibility",
                    "Gitea's API sets public or private",
                ));
            }
            (Flavor::Gitea, Some(v)) => (None, Some(v == Visibility::Private)),
        };
        let body = wire::UpdateRepo {
            name: p.name.as_deref(),
            description: p.description.as_deref(),
            visibility,
            private,
            default_branch: p.default_branch.as_deref(),
            archived: p.archived,
        };
        let r: wire::Repository = self
            .http
            .patch(&repo_path(&p.repo)?)
            .json(&body)
            .send_json()
            .await?;
        Ok(map::repository(r))
    }

    pub(crate) async fn delete_repository(&self, p: RepoRef) -> Result<()> {
        self.http.delete(&repo_path(&p)?).send_unit().await
    }

    pub(crate) async fn list_repositories(&self, p: ListRepositories) -> Result<Page<Repository>> {
        let path = match &p.owner {
            Some(o) => format!("/users/{}/repos", segment(o)),
            None => "/user/repos".to_owned(),
        };
        let page = self.list(&path, &p.page).send_page().await?;
        Ok(page.map(map::repository))
    }

    pub(crate) async fn fork_repository(&self, p: ForkRepository) -> Result<Repository> {
        let r: wire::Repository = self
            .http
            .post(&format!("{}/forks", repo_path(&p.repo)?))
            .json(&wire::CreateFork {
                organization: p.organization.as_deref(),
                name: p.name.as_deref(),
            })
            .send_json()
            .await?;
        Ok(map::repository(r))
    }
}

/// Decode and map a repository listing body, as `list_repositories` does.
pub(crate) fn parse_repositories(body: &[u8]) -> Result<Vec<Repository>> {
    let wire: Vec<wire::Repository> = crate::http::json::decode_as(body, "GET /user/repos")?;
    Ok(wire.into_iter().map(map::repository).collect())
}
