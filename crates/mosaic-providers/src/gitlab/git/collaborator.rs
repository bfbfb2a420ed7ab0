//! `git.collaborator.*`: project members.

use super::*;
use crate::params::require;

/// A project member: read and triage → Reporter, write → Developer,
/// maintain → Maintainer, admin → Owner.
pub(super) async fn add(gl: &GitLab, p: AddCollaborator) -> Result<()> {
    require("login", &p.login)?;
    let user_id = gl.user_id(&p.login).await?;
    gl.http
        .post(&project(&p.repo, "/members")?)
        .json(&wire::AddMember {
            user_id,
            access_level: map::access_level(p.permission),
        })
        .send_unit()
        .await
}

pub(super) async fn remove(gl: &GitLab, p: CollaboratorRef) -> Result<()> {
    require("login", &p.login)?;
    let user_id = gl.user_id(&p.login).await?;
    let path = project(&p.repo, &format!("/members/{user_id}"))?;
    gl.http.delete(&path).send_unit().await
}

pub(super) async fn list(gl: &GitLab, p: ListCollaborators) -> Result<Page<Collaborator>> {
    let path = project(&p.repo, "/members")?;
    let page = gl.http.get(&path).paged(&p.page).send_page().await?;
    Ok(page.map(|m: wire::Member| Collaborator {
        login: m.username,
        permission: map::permission(m.access_level),
    }))
}
