//! `git.repository.*`: repositories in workspaces.

use super::*;
use crate::forge::refuse;

fn two_visibilities() -> Error {
    Error::invalid_input("visibility", "Bitbucket repositories are public or private")
}

/// Bitbucket needs a workspace (`owner`); it cannot create an initial
/// commit or choose the first branch's name, so `auto_init` and
/// `default_branch` are refused, as is `Internal` visibility.
pub(super) async fn create(bb: &Bitbucket, p: CreateRepository) -> Result<Repository> {
    require("name", &p.name)?;
    let ws = p.owner.as_deref().ok_or_else(|| {
        Error::invalid_input("owner", "Bitbucket repositories live in a workspace")
    })?;
    if p.auto_init {
        return refuse("auto_init", "Bitbucket's API creates empty repositories");
    }
    if p.default_branch.is_some() {
        return refuse(
            "default_branch",
            "set it after the first push with update_repository",
        );
    }
    if p.visibility == Visibility::Internal {
        return Err(two_visibilities());
    }
    let r: wire::Repository = bb
        .http
        .post(&repo_path(&RepoRef::new(ws, &p.name), "")?)
        .json(&wire::CreateRepo {
            scm: "git",
            is_private: p.visibility == Visibility::Private,
            description: p.description.as_deref(),
        })
        .send_json()
        .await?;
    Ok(map::repository(r))
}

pub(super) async fn get(bb: &Bitbucket, p: RepoRef) -> Result<Repository> {
    let r: wire::Repository = bb.http.get(&repo_path(&p, "")?).send_json().await?;
    Ok(map::repository(r))
}

/// Bitbucket has no archiving; `archived` is refused.
pub(super) async fn update(bb: &Bitbucket, p: UpdateRepository) -> Result<Repository> {
    if p.archived.is_some() {
        return refuse("archived", "Bitbucket Cloud has no archived repositories");
    }
    let is_private = match p.visibility {
        None => None,
        Some(Visibility::Public) => Some(false),
        Some(Visibility::Private) => Some(true),
        Some(Visibility::Internal) => return Err(two_visibilities()),
    };
    let r: wire::Repository = bb
        .http
        .put(&repo_path(&p.repo, "")?)
        .json(&wire::UpdateRepo {
            name: p.name.as_deref(),
            description: p.description.as_deref(),
            is_private,
            mainbranch: p.default_branch.clone().map(|name| wire::Named { name }),
        })
        .send_json()
        .await?;
    Ok(map::repository(r))
}

pub(super) async fn delete(bb: &Bitbucket, p: RepoRef) -> Result<()> {
    bb.http.delete(&repo_path(&p, "")?).send_unit().await
}

/// Without an owner: every repository the user is a member of.
pub(super) async fn list(bb: &Bitbucket, p: ListRepositories) -> Result<Page<Repository>> {
    let req = match &p.owner {
        Some(ws) => bb.http.get(&format!("/repositories/{}", segment(ws))),
        None => bb.http.get("/repositories").query("role", "member"),
    };
    let page = req.paged(&p.page).send_page_as::<wire::Paged<_>>().await?;
    Ok(page.map(map::repository))
}

pub(super) async fn fork(bb: &Bitbucket, p: ForkRepository) -> Result<Repository> {
    let r: wire::Repository = bb
        .http
        .post(&repo_path(&p.repo, "/forks")?)
        .json(&wire::Fork {
            name: p.name.as_deref(),
            workspace: p.organization.as_deref().map(|slug| wire::Slug { slug }),
        })
        .send_json()
        .await?;
    Ok(map::repository(r))
}
