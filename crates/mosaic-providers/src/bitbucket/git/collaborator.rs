//! `git.collaborator.*`: explicit repository permissions of users.

use super::*;

fn user_path(p: &CollaboratorRef) -> Result<String> {
    require("login", &p.login)?;
    let rest = format!("/permissions-config/users/{}", segment(&p.login));
    repo_path(&p.repo, &rest)
}

/// A user's explicit repository permission; `login` is the account id (or
/// `{uuid}`). Triage maps to read, maintain to write.
pub(super) async fn add(bb: &Bitbucket, p: AddCollaborator) -> Result<()> {
    let permission = match p.permission {
        Permission::Read | Permission::Triage => "read",
        Permission::Write | Permission::Maintain => "write",
        Permission::Admin => "admin",
    };
    let who = CollaboratorRef {
        repo: p.repo,
        login: p.login,
    };
    bb.http
        .put(&user_path(&who)?)
        .json(&wire::PermissionBody { permission })
        .send_unit()
        .await
}

pub(super) async fn remove(bb: &Bitbucket, p: CollaboratorRef) -> Result<()> {
    bb.http.delete(&user_path(&p)?).send_unit().await
}

/// Logins are account ids (what `add` takes).
pub(super) async fn list(bb: &Bitbucket, p: ListCollaborators) -> Result<Page<Collaborator>> {
    let path = repo_path(&p.repo, "/permissions-config/users")?;
    let req = bb.http.get(&path).paged(&p.page);
    let page = req
        .send_page_as::<wire::Paged<wire::UserPermission>>()
        .await?;
    Ok(page.map(|u| Collaborator {
        login: u.user.account_id.or(u.user.uuid).unwrap_or_default(),
        permission: match u.permission.as_str() {
            "admin" => Permission::Admin,
            "write" => Permission::Write,
            _ => Permission::Read,
        },
    }))
}
