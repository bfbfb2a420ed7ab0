//! `git.branch.*`: branches and branch restrictions.

use super::*;
use crate::http::path::path as enc_path;

fn branch_path(p: &BranchRef) -> Result<String> {
    require("branch", &p.branch)?;
    repo_path(&p.repo, &format!("/refs/branches/{}", enc_path(&p.branch)))
}

pub(super) async fn create(bb: &Bitbucket, p: CreateBranch) -> Result<Branch> {
    let path = repo_path(&p.repo, "/refs/branches")?;
    require("name", &p.name)?;
    require("from", &p.from)?;
    let hash = bb.resolve_hash(&p.repo, &p.from).await?;
    let r: wire::Ref = bb
        .http
        .post(&path)
        .json(&wire::CreateRef {
            name: &p.name,
            target: wire::Hash { hash },
            message: None,
        })
        .send_json()
        .await?;
    Ok(map::branch(r))
}

pub(super) async fn get(bb: &Bitbucket, p: BranchRef) -> Result<Branch> {
    let r: wire::Ref = bb.http.get(&branch_path(&p)?).send_json().await?;
    Ok(map::branch(r))
}

pub(super) async fn delete(bb: &Bitbucket, p: BranchRef) -> Result<()> {
    bb.http.delete(&branch_path(&p)?).send_unit().await
}

pub(super) async fn list(bb: &Bitbucket, p: ListBranches) -> Result<Page<Branch>> {
    let path = repo_path(&p.repo, "/refs/branches")?;
    let req = bb.http.get(&path).paged(&p.page);
    Ok(req.send_page_as::<wire::Paged<_>>().await?.map(map::branch))
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
        return Err(Error::invalid_input(
            "rules.enforce_admins",
            "Bitbucket restrictions have no admin switch",
        ));
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
