//! `git.branch.*`: create, get, delete, list, protect.

use mosaic_core::git::{
    Branch, BranchProtection, BranchRef, CreateBranch, ListBranches, ProtectBranch,
};
use mosaic_core::{Error, Page, Result};

use super::{Flavor, Forge, repo_path, wire};
use crate::http::path::{path as enc_path, segment};
use crate::params::require;

fn branch(b: wire::Branch) -> Branch {
    Branch {
        name: b.name,
        commit_sha: b.commit.sha,
        protected: b.protected,
    }
}

fn is_full_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Forge {
    /// The commit SHA a branch, tag or SHA names.
    pub(super) async fn resolve_sha(&self, repo: &str, reference: &str) -> Result<String> {
        if is_full_sha(reference) {
            return Ok(reference.to_owned());
        }
        let c: wire::Commit = self
            .http
            .get(&format!("{repo}/commits/{}", segment(reference)))
            .send_json()
            .await?;
        Ok(c.sha)
    }

    /// GitHub: a `refs/heads/…` ref at the resolved commit. Gitea: its
    /// branch endpoint, from any ref name.
    pub(crate) async fn create_branch(&self, p: CreateBranch) -> Result<Branch> {
        let repo = repo_path(&p.repo)?;
        require("name", &p.name)?;
        require("from", &p.from)?;
        if self.dialect.is(Flavor::Gitea) {
            let b: wire::Branch = self
                .http
                .post(&format!("{repo}/branches"))
                .json(&wire::CreateBranch {
                    new_branch_name: &p.name,
                    old_ref_name: &p.from,
                })
                .send_json()
                .await?;
            return Ok(branch(b));
        }
        let sha = self.resolve_sha(&repo, &p.from).await?;
        let r: wire::GitRef = self
            .http
            .post(&format!("{repo}/git/refs"))
            .json(&wire::CreateRef {
                git_ref: format!("refs/heads/{}", p.name),
                sha: &sha,
            })
            .send_json()
            .await?;
        Ok(Branch {
            name: p.name,
            commit_sha: r.object.sha,
            protected: false,
        })
    }

    pub(crate) async fn get_branch(&self, p: BranchRef) -> Result<Branch> {
        require("branch", &p.branch)?;
        let b: wire::Branch = self
            .http
            .get(&format!(
                "{}/branches/{}",
                repo_path(&p.repo)?,
                enc_path(&p.branch)
            ))
            .send_json()
            .await?;
        Ok(branch(b))
    }

    pub(crate) async fn delete_branch(&self, p: BranchRef) -> Result<()> {
        require("branch", &p.branch)?;
        let prefix = match self.dialect.flavor {
            Flavor::GitHub => "git/refs/heads",
            Flavor::Gitea => "branches",
        };
        self.http
            .delete(&format!(
                "{}/{prefix}/{}",
                repo_path(&p.repo)?,
                enc_path(&p.branch)
            ))
            .send_unit()
            .await
    }

    pub(crate) async fn list_branches(&self, p: ListBranches) -> Result<Page<Branch>> {
        let path = format!("{}/branches", repo_path(&p.repo)?);
        Ok(self.list(&path, &p.page).send_page().await?.map(branch))
    }

    /// GitHub replaces the branch's protection. Gitea creates the rule, or
    /// edits it when one exists for the branch; it never lets a protected
    /// branch be deleted, so `allow_deletion: true` is refused there.
    pub(crate) async fn protect_branch(&self, p: ProtectBranch) -> Result<BranchProtection> {
        let r = &p.rules;
        require("rules.branch", &r.branch)?;
        if self.dialect.is(Flavor::Gitea) {
            return self.protect_gitea_branch(p).await;
        }
        let body = wire::PutProtection {
            required_status_checks: (!r.required_status_checks.is_empty()).then(|| {
                wire::StatusChecks {
                    strict: false,
                    contexts: &r.required_status_checks,
                }
            }),
            enforce_admins: r.enforce_admins,
            required_pull_request_reviews: (r.required_approvals > 0).then_some(wire::Reviews {
                required_approving_review_count: r.required_approvals,
            }),
            restrictions: None,
            allow_force_pushes: r.allow_force_push,
            allow_deletions: r.allow_deletion,
        };
        let out: wire::Protection = self
            .http
            .put(&format!(
                "{}/branches/{}/protection",
                repo_path(&p.repo)?,
                enc_path(&r.branch)
            ))
            .json(&body)
            .send_json()
            .await?;
        Ok(BranchProtection {
            branch: r.branch.clone(),
            required_approvals: out
                .required_pull_request_reviews
                .map(|r| r.required_approving_review_count)
                .unwrap_or(0),
            required_status_checks: out
                .required_status_checks
                .map(|c| c.contexts)
                .unwrap_or_default(),
            enforce_admins: out.enforce_admins.is_some_and(|e| e.enabled),
            allow_force_push: out.allow_force_pushes.is_some_and(|e| e.enabled),
            allow_deletion: out.allow_deletions.is_some_and(|e| e.enabled),
        })
    }

    async fn protect_gitea_branch(&self, p: ProtectBranch) -> Result<BranchProtection> {
        let r = &p.rules;
        if r.allow_deletion {
            return Err(Error::invalid_input(
                "rules.allow_deletion",
                "Gitea does not allow deleting protected branches",
            ));
        }
        let repo = repo_path(&p.repo)?;
        let rule_path = format!("{repo}/branch_protections/{}", segment(&r.branch));
        let exists = match self.http.get(&rule_path).send().await {
            Ok(_) => true,
            Err(e) if e.is_not_found() => false,
            Err(e) => return Err(e),
        };
        let mut body = wire::BranchProtectionOption {
            rule_name: None,
            enable_status_check: !r.required_status_checks.is_empty(),
            status_check_contexts: &r.required_status_checks,
            required_approvals: r.required_approvals,
            block_admin_merge_override: r.enforce_admins,
            enable_force_push: r.allow_force_push,
        };
        let req = if exists {
            self.http.patch(&rule_path)
        } else {
            body.rule_name = Some(&r.branch);
            self.http.post(&format!("{repo}/branch_protections"))
        };
        let out: wire::BranchProtection = req.json(&body).send_json().await?;
        Ok(BranchProtection {
            branch: out
                .rule_name
                .or(out.branch_name)
                .unwrap_or_else(|| r.branch.clone()),
            required_approvals: out.required_approvals,
            required_status_checks: if out.enable_status_check {
                out.status_check_contexts
            } else {
                Vec::new()
            },
            enforce_admins: out.block_admin_merge_override,
            allow_force_push: out.enable_force_push,
            allow_deletion: false,
        })
    }
}
