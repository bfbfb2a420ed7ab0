//! `git.collaborator.*`: add, remove, list.

use mosaic_core::git::{
    AddCollaborator, Collaborator, CollaboratorRef, ListCollaborators, Permission,
};
use mosaic_core::{Page, Result};

use super::{Flavor, Forge, repo_path, wire};
use crate::http::path::segment;
use crate::params::require;

/// The permission's name: GitHub's five roles; Gitea's read, write and
/// admin (triage maps to read, maintain to write).
fn permission_name(flavor: Flavor, p: Permission) -> &'static str {
    match (flavor, p) {
        (Flavor::GitHub, Permission::Read) => "pull",
        (Flavor::GitHub, Permission::Triage) => "triage",
        (Flavor::GitHub, Permission::Write) => "push",
        (Flavor::GitHub, Permission::Maintain) => "maintain",
        (Flavor::Gitea, Permission::Read | Permission::Triage) => "read",
        (Flavor::Gitea, Permission::Write | Permission::Maintain) => "write",
        (_, Permission::Admin) => "admin",
    }
}

fn permission(role: &str) -> Option<Permission> {
    Some(match role {
        "owner" | "admin" => Permission::Admin,
        "maintain" => Permission::Maintain,
        "write" => Permission::Write,
        "triage" => Permission::Triage,
        "read" => Permission::Read,
        _ => return None,
    })
}

/// A GitHub collaborator: the role name, else the permission flags.
fn collaborator(c: wire::Collaborator) -> Collaborator {
    let by_role = c.role_name.as_deref().and_then(permission);
    let permission = by_role.unwrap_or_else(|| match c.permissions.unwrap_or_default() {
        p if p.admin => Permission::Admin,
        p if p.maintain => Permission::Maintain,
        p if p.push => Permission::Write,
        p if p.triage => Permission::Triage,
        _ => Permission::Read,
    });
    Collaborator {
        login: c.login,
        permission,
    }
}

impl Forge {
    fn collaborator_path(&self, p: &CollaboratorRef) -> Result<String> {
        require("login", &p.login)?;
        Ok(format!(
            "{}/collaborators/{}",
            repo_path(&p.repo)?,
            segment(&p.login)
        ))
    }

    pub(crate) async fn add_collaborator(&self, p: AddCollaborator) -> Result<()> {
        let path = self.collaborator_path(&CollaboratorRef {
            repo: p.repo,
            login: p.login,
        })?;
        let permission = permission_name(self.dialect.flavor, p.permission);
        self.http
            .put(&path)
            .json(&wire::AddCollaborator { permission })
            .send_unit()
            .await
    }

    pub(crate) async fn remove_collaborator(&self, p: CollaboratorRef) -> Result<()> {
        let path = self.collaborator_path(&p)?;
        self.http.delete(&path).send_unit().await
    }

    /// Gitea's listing carries no permissions; each collaborator's is read
    /// from the permission endpoint.
    pub(crate) async fn list_collaborators(
        &self,
        p: ListCollaborators,
    ) -> Result<Page<Collaborator>> {
        let repo = repo_path(&p.repo)?;
        let req = self.list(&format!("{repo}/collaborators"), &p.page);
        if self.dialect.is(Flavor::GitHub) {
            return Ok(req.send_page().await?.map(collaborator));
        }
        let users: Page<wire::User> = req.send_page().await?;
        let mut out = Vec::with_capacity(users.items.len());
        for u in users.items {
            let login = u.name();
            let perm: wire::CollaboratorPermission = self
                .http
                .get(&format!(
                    "{repo}/collaborators/{}/permission",
                    segment(&login)
                ))
                .send_json()
                .await?;
            let permission = match permission(&perm.permission) {
                Some(Permission::Admin) => Permission::Admin,
                Some(Permission::Write) => Permission::Write,
                _ => Permission::Read,
            };
            out.push(Collaborator { login, permission });
        }
        Ok(Page {
            items: out,
            next: users.next,
            total: users.total,
        })
    }
}
