//! `git.branch.*`: branches and branch restrictions.

use super::*;
use crate::forge::refuse;

pub(super) async fn create(bb: &Bitbucket, p: CreateBranch) -> Result<Branch> {
    p.repo.validate()?;
    require("name", &p.name)?;
    require("from", &p.from)?;
    let r = bb.create_ref(&p.repo, "branches", &p.name, &p.from, None);
    Ok(map::branch(r.await?))
}

pub(super) async fn get(bb: &Bitbucket, p: BranchRef) -> Result<Branch> {
    let path = ref_path(&p.repo, "branches", Some(("branch", &p.branch)))?;
    Ok(map::branch(bb.http.get(&path).send_json().await?))
}

pub(super) async fn delete(bb: &Bitbucket, p: BranchRef) -> Result<()> {
    let path = ref_path(&p.repo, "branches", Some(("branch", &p.branch)))?;
    bb.http.delete(&path).send_unit().await
}

pub(super) async fn list(bb: &Bitbucket, p: ListBranches) -> Result<Page<Branch>> {
    Ok(bb
        .refs(&p.repo, "branches", &p.page)
        .await?
        .map(map::branch))
}

/// Branch restrictions: `force` unless force pushes are allowed, `delete`
/// unless deletion is allowed, `require_approvals_to_merge`, and
/// `require_passing_builds_to_merge` with the number of required checks
/// (Bitbucket counts passing builds; it does not name them). Bitbucket
/// cannot exempt or bind admins, so `enforce_admins` is refused.
pub(super) async fn protect(bb: &Bitbucket, p: ProtectBranch) -> Result<BranchProtection> {
    let r = &p.rules;
    require("rules.branch", &r.branch)?;
    if r.enforce_admins {
        return refuse(
            "rules.enforce_admins",
            "Bitbucket restrictions have no admin switch",
        );
    }
    let path = repo_path(&p.repo, "/branch-restrictions")?;
    let checks = u32::try_from(r.required_status_checks.len()).unwrap_or(u32::MAX);
    let rules = [
        ("force", None, !r.allow_force_push),
        ("delete", None, !r.allow_deletion),
        (
            "require_approvals_to_merge",
            Some(r.required_approvals),
            r.required_approvals > 0,
        ),
        ("require_passing_builds_to_merge", Some(checks), checks > 0),
    ];
    for (kind, value, _) in rules.into_iter().filter(|rule| rule.2) {
        bb.http
            .post(&path)
            .json(&wire::Restriction {
                kind,
                branch_match_kind: "glob",
                pattern: &r.branch,
                value,
            })
            .send_unit()
            .await?;
    }
    Ok(r.clone())
}
