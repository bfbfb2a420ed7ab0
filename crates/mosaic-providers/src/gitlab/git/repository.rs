//! `git.repository.*`: projects.

use super::*;
use crate::params::require;

/// `owner` is a group or user namespace path, resolved to its id.
pub(super) async fn create(gl: &GitLab, p: CreateRepository) -> Result<Repository> {
    require("name", &p.name)?;
    let namespace_id = match &p.owner {
        Some(ns) => {
            let path = format!("/namespaces/{}", segment(ns));
            let n: wire::Namespace = gl.http.get(&path).send_json().await?;
            Some(n.id)
        }
        None => None,
    };
    let r: wire::Project = gl
        .http
        .post("/projects")
        .json(&wire::CreateProject {
            name: &p.name,
            path: &p.name,
            namespace_id,
            description: p.description.as_deref(),
            visibility: map::visibility(p.visibility),
            initialize_with_readme: p.auto_init,
            default_branch: p.default_branch.as_deref(),
        })
        .send_json()
        .await?;
    Ok(map::repository(r))
}

pub(super) async fn get(gl: &GitLab, p: RepoRef) -> Result<Repository> {
    let r: wire::Project = gl.http.get(&project(&p, "")?).send_json().await?;
    Ok(map::repository(r))
}

/// Archiving is its own endpoint (`/archive`, `/unarchive`), called after
/// the settings change.
pub(super) async fn update(gl: &GitLab, p: UpdateRepository) -> Result<Repository> {
    let mut r: wire::Project = gl
        .http
        .put(&project(&p.repo, "")?)
        .json(&wire::EditProject {
            name: p.name.as_deref(),
            path: p.name.as_deref(),
            description: p.description.as_deref(),
            visibility: p.visibility.map(map::visibility),
            default_branch: p.default_branch.as_deref(),
        })
        .send_json()
        .await?;
    if let Some(archived) = p.archived {
        // a rename moved the project
        let verb = if archived { "archive" } else { "unarchive" };
        let path = format!("/projects/{}/{verb}", segment(&r.path_with_namespace));
        r = gl.http.post(&path).send_json().await?;
    }
    Ok(map::repository(r))
}

pub(super) async fn delete(gl: &GitLab, p: RepoRef) -> Result<()> {
    gl.http.delete(&project(&p, "")?).send_unit().await
}

/// Without an owner: the projects the user is a member of. With one: the
/// group's projects, or the user's when no such group exists.
pub(super) async fn list(gl: &GitLab, p: ListRepositories) -> Result<Page<Repository>> {
    let page: Page<wire::Project> = match &p.owner {
        None => {
            let req = gl.http.get("/projects").query("membership", true);
            req.paged(&p.page).send_page().await?
        }
        Some(owner) => {
            let group = format!("/groups/{}/projects", segment(owner));
            match gl.http.get(&group).paged(&p.page).send_page().await {
                Err(e) if e.is_not_found() && p.page.cursor.is_none() => {
                    let user = format!("/users/{}/projects", segment(owner));
                    gl.http.get(&user).paged(&p.page).send_page().await?
                }
                other => other?,
            }
        }
    };
    Ok(page.map(map::repository))
}

pub(super) async fn fork(gl: &GitLab, p: ForkRepository) -> Result<Repository> {
    let r: wire::Project = gl
        .http
        .post(&project(&p.repo, "/fork")?)
        .json(&wire::Fork {
            namespace_path: p.organization.as_deref(),
            name: p.name.as_deref(),
            path: p.name.as_deref(),
        })
        .send_json()
        .await?;
    Ok(map::repository(r))
}
