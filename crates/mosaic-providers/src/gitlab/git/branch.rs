//! `git.branch.*`: repository branches and protected branches.

use super::*;
use crate::forge::refuse;
use crate::params::require;

pub(super) async fn create(gl: &GitLab, p: CreateBranch) -> Result<Branch> {
    require("name", &p.name)?;
    require("from", &p.from)?;
    let query = [("branch", Some(p.name.as_str())), ("ref", Some(&p.from))];
    Ok(map::branch(
        create_ref(gl, &p.repo, "branches", &query).await?,
    ))
}

pub(super) async fn get(gl: &GitLab, p: BranchRef) -> Result<Branch> {
    let path = ref_path(&p.repo, "branches", "branch", &p.branch)?;
    Ok(map::branch(gl.http.get(&path).send_json().await?))
}

pub(super) async fn delete(gl: &GitLab, p: BranchRef) -> Result<()> {
    let path = ref_path(&p.repo, "branches", "branch", &p.branch)?;
    gl.http.delete(&path).send_unit().await
}

pub(super) async fn list(gl: &GitLab, p: ListBranches) -> Result<Page<Branch>> {
    Ok(refs(gl, &p.repo, "branches", &p.page)
        .await?
        .map(map::branch))
}
/// A protected branch (pushes and merges by Maintainers). Any existing
/// protection of the branch is replaced. Required approvals and status
/// checks are project-level settings on GitLab and are refused here;
/// protected branches can never be deleted, so `allow_deletion` is refused
/// too.
pub(super) async fn protect(gl: &GitLab, p: ProtectBranch) -> Result<BranchProtection> {
    let r = &p.rules;
    require("rules.branch", &r.branch)?;
    if r.required_approvals > 0 {
        return refuse(
            "rules.required_approvals",
            "GitLab sets approvals with project approval rules, not per protected branch",
        );
    }
    if !r.required_status_checks.is_empty() {
        return refuse(
            "rules.required_status_checks",
            "GitLab sets status checks per project, not per protected branch",
        );
    }
    if r.allow_deletion {
        return refuse(
            "rules.allow_deletion",
            "GitLab does not allow deleting protected branches",
        );
    }
    let path = project(&p.repo, "/protected_branches")?;
    let old = format!("{path}/{}", segment(&r.branch));
    match gl.http.delete(&old).send_unit().await {
        Err(e) if !e.is_not_found() => return Err(e),
        _ => {}
    }
    let out: wire::ProtectedBranch = gl
        .http
        .post(&path)
        .json(&wire::ProtectBranch {
            name: &r.branch,
            push_access_level: 40,
            merge_access_level: 40,
            allow_force_push: r.allow_force_push,
        })
        .send_json()
        .await?;
    Ok(BranchProtection {
        branch: out.name,
        allow_force_push: out.allow_force_push,
        enforce_admins: r.enforce_admins,
        ..Default::default()
    })
}
