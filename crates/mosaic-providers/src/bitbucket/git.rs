//! [`GitProvider`] for [`Bitbucket`]: every operation Bitbucket Cloud
//! offers, over API 2.0.

use async_trait::async_trait;
use mosaic_core::git::*;
use mosaic_core::{Capabilities, Error, Page, PageRequest, Result};

use super::{Bitbucket, map, wire};
use crate::http::multipart::Form;
use crate::http::pagination::body_next_page;
use crate::http::path::{path as enc_path, segment};
use crate::params::require;

const PAGELEN: u32 = 10;
const MAX_PAGELEN: u32 = 100;

/// `/repositories/{workspace}/{repo_slug}`.
fn repo_path(r: &RepoRef) -> Result<String> {
    r.validate()?;
    Ok(format!(
        "/repositories/{}/{}",
        segment(&r.owner),
        segment(&r.name)
    ))
}

fn is_full_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn page_of<T, U>(p: wire::Paged<T>, f: impl FnMut(T) -> U) -> Page<U> {
    body_next_page(p.values.into_iter().map(f).collect(), p.next, p.size)
}

impl Bitbucket {
    async fn resolve_hash(&self, repo: &str, reference: &str) -> Result<String> {
        if is_full_sha(reference) {
            return Ok(reference.to_owned());
        }
        let c: wire::Commit = self
            .http
            .get(&format!("{repo}/commit/{}", segment(reference)))
            .send_json()
            .await?;
        Ok(c.hash)
    }

    async fn main_branch(&self, r: &RepoRef) -> Result<String> {
        let repo: wire::Repository = self.http.get(&repo_path(r)?).send_json().await?;
        repo.mainbranch
            .map(|m| m.name)
            .ok_or_else(|| Error::invalid_input("branch", "the repository has no main branch yet"))
    }

    /// One commit through `POST /src` (multipart): files to write as parts
    /// named by their paths, files to delete in `files` fields.
    async fn src_commit(
        &self,
        r: &RepoRef,
        branch: Option<&str>,
        message: &str,
        changes: &[FileChange],
        author: Option<&Signature>,
    ) -> Result<Commit> {
        let repo = repo_path(r)?;
        let branch = match branch {
            Some(b) => b.to_owned(),
            None => self.main_branch(r).await?,
        };
        let mut form = Form::new().text("message", message).text("branch", branch);
        if let Some(a) = author {
            form = form.text("author", format!("{} <{}>", a.name, a.email));
        }
        for c in changes {
            require("changes.path", c.path())?;
            form = match c {
                FileChange::Create { path, content } | FileChange::Update { path, content } => form
                    .file(
                        path.clone(),
                        path.rsplit('/').next().unwrap_or(path).to_owned(),
                        "application/octet-stream",
                        content.clone(),
                    ),
                FileChange::Delete { path } => form.text("files", path.clone()),
            };
        }
        let resp = self
            .http
            .post(&format!("{repo}/src"))
            .multipart(&form)
            .send()
            .await?;
        let hash = resp
            .header("location")
            .and_then(|l| l.trim_end_matches('/').rsplit('/').next())
            .filter(|h| !h.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| {
                Error::new(
                    mosaic_core::ErrorKind::Decode,
                    "Bitbucket answered the commit without a `Location` header",
                )
                .with_provider("bitbucket")
            })?;
        let c: wire::Commit = self
            .http
            .get(&format!("{repo}/commit/{}", segment(&hash)))
            .send_json()
            .await?;
        Ok(map::commit(c))
    }

    /// Count the commits `include` has and `exclude` lacks, over every page.
    async fn count_commits(
        &self,
        repo: &str,
        include: &str,
        exclude: &str,
    ) -> Result<(u64, Vec<Commit>)> {
        let mut page = PageRequest::with_size(MAX_PAGELEN);
        let mut all = Vec::new();
        loop {
            let p: wire::Paged<wire::Commit> = self
                .http
                .get(&format!("{repo}/commits"))
                .query("include", include)
                .query("exclude", exclude)
                .page(&page, "pagelen", PAGELEN, MAX_PAGELEN)
                .send_json()
                .await?;
            all.extend(p.values.into_iter().map(map::commit));
            match p.next {
                Some(n) if Some(n.as_str()) != page.cursor.as_ref().map(|c| c.as_str()) => {
                    page.cursor = Some(n.into())
                }
                _ => break,
            }
        }
        Ok((all.len() as u64, all))
    }
}

fn branch_of(r: wire::Ref) -> Branch {
    Branch {
        name: r.name,
        commit_sha: r.target.hash,
        protected: false,
    }
}

fn tag_of(r: wire::Ref) -> Tag {
    Tag {
        name: r.name,
        sha: r.target.hash,
        message: r
            .message
            .map(|m| m.trim_end().to_owned())
            .filter(|m| !m.is_empty()),
    }
}

#[async_trait]
impl GitProvider for Bitbucket {
    fn capabilities(&self) -> Capabilities {
        Bitbucket::capabilities()
    }

    /// Bitbucket needs a workspace (`owner`); it cannot create an initial
    /// commit or choose the first branch's name, so `auto_init` and
    /// `default_branch` are refused, as is `Internal` visibility.
    async fn create_repository(&self, p: CreateRepository) -> Result<Repository> {
        require("name", &p.name)?;
        let ws = p.owner.as_deref().ok_or_else(|| {
            Error::invalid_input("owner", "Bitbucket repositories live in a workspace")
        })?;
        if p.auto_init {
            return Err(Error::invalid_input(
                "auto_init",
                "Bitbucket's API creates empty repositories",
            ));
        }
        if p.default_branch.is_some() {
            return Err(Error::invalid_input(
                "default_branch",
                "set it after the first push with update_repository",
            ));
        }
        if p.visibility == Visibility::Internal {
            return Err(Error::invalid_input(
                "visibility",
                "Bitbucket repositories are public or private",
            ));
        }
        let r: wire::Repository = self
            .http
            .post(&repo_path(&RepoRef::new(ws, &p.name))?)
            .json(&wire::CreateRepo {
                scm: "git",
                is_private: p.visibility == Visibility::Private,
                description: p.description.as_deref(),
            })
            .send_json()
            .await?;
        Ok(map::repository(r))
    }

    async fn get_repository(&self, p: RepoRef) -> Result<Repository> {
        let r: wire::Repository = self.http.get(&repo_path(&p)?).send_json().await?;
        Ok(map::repository(r))
    }

    /// Bitbucket has no archiving; `archived` is refused.
    async fn update_repository(&self, p: UpdateRepository) -> Result<Repository> {
        if p.archived.is_some() {
            return Err(Error::invalid_input(
                "archived",
                "Bitbucket Cloud has no archived repositories",
            ));
        }
        let is_private = match p.visibility {
            None => None,
            Some(Visibility::Public) => Some(false),
            Some(Visibility::Private) => Some(true),
            Some(Visibility::Internal) => {
                return Err(Error::invalid_input(
                    "visibility",
                    "Bitbucket repositories are public or private",
                ));
            }
        };
        let r: wire::Repository = self
            .http
            .put(&repo_path(&p.repo)?)
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

    async fn delete_repository(&self, p: RepoRef) -> Result<()> {
        self.http.delete(&repo_path(&p)?).send_unit().await
    }

    /// Without an owner: every repository the user is a member of.
    async fn list_repositories(&self, p: ListRepositories) -> Result<Page<Repository>> {
        let req = match &p.owner {
            Some(ws) => self.http.get(&format!("/repositories/{}", segment(ws))),
            None => self.http.get("/repositories").query("role", "member"),
        };
        let page: wire::Paged<wire::Repository> = req
            .page(&p.page, "pagelen", PAGELEN, MAX_PAGELEN)
            .send_json()
            .await?;
        Ok(page_of(page, map::repository))
    }

    async fn fork_repository(&self, p: ForkRepository) -> Result<Repository> {
        let r: wire::Repository = self
            .http
            .post(&format!("{}/forks", repo_path(&p.repo)?))
            .json(&wire::Fork {
                name: p.name.as_deref(),
                workspace: p.organization.as_deref().map(|slug| wire::Slug { slug }),
            })
            .send_json()
            .await?;
        Ok(map::repository(r))
    }

    async fn create_branch(&self, p: CreateBranch) -> Result<Branch> {
        let repo = repo_path(&p.repo)?;
        require("name", &p.name)?;
        require("from", &p.from)?;
        let hash = self.resolve_hash(&repo, &p.from).await?;
        let r: wire::Ref = self
            .http
            .post(&format!("{repo}/refs/branches"))
            .json(&wire::CreateRef {
                name: &p.name,
                target: wire::Hash { hash },
                message: None,
            })
            .send_json()
            .await?;
        Ok(branch_of(r))
    }

    async fn get_branch(&self, p: BranchRef) -> Result<Branch> {
        require("branch", &p.branch)?;
        let r: wire::Ref = self
            .http
            .get(&format!(
                "{}/refs/branches/{}",
                repo_path(&p.repo)?,
                enc_path(&p.branch)
            ))
            .send_json()
            .await?;
        Ok(branch_of(r))
    }

    async fn delete_branch(&self, p: BranchRef) -> Result<()> {
        require("branch", &p.branch)?;
        self.http
            .delete(&format!(
                "{}/refs/branches/{}",
                repo_path(&p.repo)?,
                enc_path(&p.branch)
            ))
            .send_unit()
            .await
    }

    async fn list_branches(&self, p: ListBranches) -> Result<Page<Branch>> {
        let page: wire::Paged<wire::Ref> = self
            .http
            .get(&format!("{}/refs/branches", repo_path(&p.repo)?))
            .page(&p.page, "pagelen", PAGELEN, MAX_PAGELEN)
            .send_json()
            .await?;
        Ok(page_of(page, branch_of))
    }

    /// Branch restrictions: `force` unless force pushes are allowed,
    /// `delete` unless deletion is allowed, `require_approvals_to_merge`,
    /// and `require_passing_builds_to_merge` with the number of required
    /// checks (Bitbucket counts passing builds; it does not name them).
    /// Bitbucket cannot exempt or bind admins, so `enforce_admins` is
    /// refused.
    async fn protect_branch(&self, p: ProtectBranch) -> Result<BranchProtection> {
        let r = &p.rules;
        require("rules.branch", &r.branch)?;
        if r.enforce_admins {
            return Err(Error::invalid_input(
                "rules.enforce_admins",
                "Bitbucket restrictions have no admin switch",
            ));
        }
        let path = format!("{}/branch-restrictions", repo_path(&p.repo)?);
        let mut rules: Vec<(&'static str, Option<u32>)> = Vec::new();
        if !r.allow_force_push {
            rules.push(("force", None));
        }
        if !r.allow_deletion {
            rules.push(("delete", None));
        }
        if r.required_approvals > 0 {
            rules.push(("require_approvals_to_merge", Some(r.required_approvals)));
        }
        if !r.required_status_checks.is_empty() {
            let n = u32::try_from(r.required_status_checks.len()).unwrap_or(u32::MAX);
            rules.push(("require_passing_builds_to_merge", Some(n)));
        }
        for (kind, value) in rules {
            self.http
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

    async fn create_pull_request(&self, p: CreatePullRequest) -> Result<PullRequest> {
        require("title", &p.title)?;
        require("head", &p.head)?;
        require("base", &p.base)?;
        let pr: wire::PullRequest = self
            .http
            .post(&format!("{}/pullrequests", repo_path(&p.repo)?))
            .json(&wire::CreatePull {
                title: &p.title,
                description: p.body.as_deref(),
                source: wire::BranchEnd {
                    branch: wire::NameRef { name: &p.head },
                },
                destination: wire::BranchEnd {
                    branch: wire::NameRef { name: &p.base },
                },
                draft: p.draft,
            })
            .send_json()
            .await?;
        Ok(map::pull_request(pr))
    }

    async fn get_pull_request(&self, p: PullRequestRef) -> Result<PullRequest> {
        let pr: wire::PullRequest = self
            .http
            .get(&format!(
                "{}/pullrequests/{}",
                repo_path(&p.repo)?,
                p.number
            ))
            .send_json()
            .await?;
        Ok(map::pull_request(pr))
    }

    /// Closing declines the pull request; Bitbucket cannot reopen a
    /// declined one, so `Open` is refused.
    async fn update_pull_request(&self, p: UpdatePullRequest) -> Result<PullRequest> {
        let path = format!("{}/pullrequests/{}", repo_path(&p.repo)?, p.number);
        match p.state {
            Some(PullRequestState::Open) => {
                return Err(Error::invalid_input(
                    "state",
                    "Bitbucket cannot reopen a declined pull request",
                ));
            }
            Some(PullRequestState::Merged) => {
                return Err(Error::invalid_input(
                    "state",
                    "a pull request is merged with merge_pull_request",
                ));
            }
            _ => {}
        }
        let mut pr: Option<wire::PullRequest> = None;
        if p.title.is_some() || p.body.is_some() || p.base.is_some() {
            pr = Some(
                self.http
                    .put(&path)
                    .json(&wire::UpdatePull {
                        title: p.title.as_deref(),
                        description: p.body.as_deref(),
                        destination: p.base.as_deref().map(|name| wire::BranchEnd {
                            branch: wire::NameRef { name },
                        }),
                    })
                    .send_json()
                    .await?,
            );
        }
        if p.state == Some(PullRequestState::Closed) {
            pr = Some(
                self.http
                    .post(&format!("{path}/decline"))
                    .send_json()
                    .await?,
            );
        }
        let pr = match pr {
            Some(pr) => pr,
            None => self.http.get(&path).send_json().await?,
        };
        Ok(map::pull_request(pr))
    }

    /// `Merge` → `merge_commit`, `Squash` → `squash`, `Rebase` →
    /// `rebase_fast_forward`. Bitbucket cannot make the merge conditional
    /// on the head SHA, so `sha` is refused.
    async fn merge_pull_request(&self, p: MergePullRequest) -> Result<MergeResult> {
        if p.sha.is_some() {
            return Err(Error::invalid_input(
                "sha",
                "Bitbucket cannot merge conditionally on the head SHA",
            ));
        }
        let strategy = match p.method {
            MergeMethod::Merge => "merge_commit",
            MergeMethod::Squash => "squash",
            MergeMethod::Rebase => "rebase_fast_forward",
        };
        let message = match (&p.commit_title, &p.commit_message) {
            (Some(t), Some(m)) => Some(format!("{t}\n\n{m}")),
            (Some(t), None) => Some(t.clone()),
            (None, Some(m)) => Some(m.clone()),
            (None, None) => None,
        };
        let pr: wire::PullRequest = self
            .http
            .post(&format!(
                "{}/pullrequests/{}/merge",
                repo_path(&p.repo)?,
                p.number
            ))
            .json(&wire::Merge {
                kind: "pullrequest",
                message: message.as_deref(),
                merge_strategy: strategy,
            })
            .send_json()
            .await?;
        Ok(MergeResult {
            merged: pr.state == "MERGED",
            sha: pr.merge_commit.map(|c| c.hash),
            message: None,
        })
    }

    /// `Closed` lists merged, declined and superseded pull requests.
    async fn list_pull_requests(&self, p: ListPullRequests) -> Result<Page<PullRequest>> {
        let states: &[&str] = match p.state {
            StateFilter::Open => &["OPEN"],
            StateFilter::Closed => &["MERGED", "DECLINED", "SUPERSEDED"],
            StateFilter::All => &["OPEN", "MERGED", "DECLINED", "SUPERSEDED"],
        };
        let mut req = self
            .http
            .get(&format!("{}/pullrequests", repo_path(&p.repo)?));
        for s in states {
            req = req.query("state", s);
        }
        let page: wire::Paged<wire::PullRequest> = req
            .page(&p.page, "pagelen", PAGELEN, MAX_PAGELEN)
            .send_json()
            .await?;
        Ok(page_of(page, map::pull_request))
    }

    async fn get_commit(&self, p: CommitRef) -> Result<Commit> {
        require("sha", &p.sha)?;
        let c: wire::Commit = self
            .http
            .get(&format!(
                "{}/commit/{}",
                repo_path(&p.repo)?,
                segment(&p.sha)
            ))
            .send_json()
            .await?;
        Ok(map::commit(c))
    }

    async fn list_commits(&self, p: ListCommits) -> Result<Page<Commit>> {
        let repo = repo_path(&p.repo)?;
        let path = match &p.reference {
            Some(r) => format!("{repo}/commits/{}", segment(r)),
            None => format!("{repo}/commits"),
        };
        let page: wire::Paged<wire::Commit> = self
            .http
            .get(&path)
            .query_opt("path", p.path.as_deref())
            .page(&p.page, "pagelen", PAGELEN, MAX_PAGELEN)
            .send_json()
            .await?;
        Ok(page_of(page, map::commit))
    }

    /// One commit through `POST /src`.
    async fn create_commit(&self, p: CreateCommit) -> Result<Commit> {
        require("branch", &p.branch)?;
        require("message", &p.message)?;
        if p.changes.is_empty() {
            return Err(Error::invalid_input("changes", "must not be empty"));
        }
        self.src_commit(
            &p.repo,
            Some(&p.branch),
            &p.message,
            &p.changes,
            p.author.as_ref(),
        )
        .await
    }

    /// Commits are counted both ways (`include`/`exclude`, every page);
    /// files come from the diffstat of head against its merge base.
    async fn compare_commits(&self, p: CompareCommits) -> Result<Comparison> {
        let repo = repo_path(&p.repo)?;
        require("base", &p.base)?;
        require("head", &p.head)?;
        let (ahead, commits) = self.count_commits(&repo, &p.head, &p.base).await?;
        let (behind, _) = self.count_commits(&repo, &p.base, &p.head).await?;
        let mut files = Vec::new();
        let mut page = PageRequest::with_size(MAX_PAGELEN);
        loop {
            let d: wire::Paged<wire::DiffStat> = self
                .http
                .get(&format!(
                    "{repo}/diffstat/{}..{}",
                    segment(&p.head),
                    segment(&p.base)
                ))
                .page(&page, "pagelen", PAGELEN, MAX_PAGELEN)
                .send_json()
                .await?;
            for s in d.values {
                let path = s.new.or(s.old).map(|x| x.path).unwrap_or_default();
                files.push(ChangedFile {
                    path,
                    status: s.status,
                    additions: s.lines_added,
                    deletions: s.lines_removed,
                });
            }
            match d.next {
                Some(n) if Some(n.as_str()) != page.cursor.as_ref().map(|c| c.as_str()) => {
                    page.cursor = Some(n.into())
                }
                _ => break,
            }
        }
        let status = match (ahead, behind) {
            (0, 0) => CompareStatus::Identical,
            (_, 0) => CompareStatus::Ahead,
            (0, _) => CompareStatus::Behind,
            _ => CompareStatus::Diverged,
        };
        Ok(Comparison {
            status,
            ahead_by: ahead,
            behind_by: behind,
            commits,
            files,
        })
    }

    async fn create_tag(&self, p: CreateTag) -> Result<Tag> {
        let repo = repo_path(&p.repo)?;
        require("name", &p.name)?;
        require("target", &p.target)?;
        let hash = self.resolve_hash(&repo, &p.target).await?;
        let r: wire::Ref = self
            .http
            .post(&format!("{repo}/refs/tags"))
            .json(&wire::CreateRef {
                name: &p.name,
                target: wire::Hash { hash },
                message: p.message.as_deref(),
            })
            .send_json()
            .await?;
        Ok(tag_of(r))
    }

    async fn get_tag(&self, p: TagRef) -> Result<Tag> {
        require("name", &p.name)?;
        let r: wire::Ref = self
            .http
            .get(&format!(
                "{}/refs/tags/{}",
                repo_path(&p.repo)?,
                enc_path(&p.name)
            ))
            .send_json()
            .await?;
        Ok(tag_of(r))
    }

    async fn delete_tag(&self, p: TagRef) -> Result<()> {
        require("name", &p.name)?;
        self.http
            .delete(&format!(
                "{}/refs/tags/{}",
                repo_path(&p.repo)?,
                enc_path(&p.name)
            ))
            .send_unit()
            .await
    }

    async fn list_tags(&self, p: ListTags) -> Result<Page<Tag>> {
        let page: wire::Paged<wire::Ref> = self
            .http
            .get(&format!("{}/refs/tags", repo_path(&p.repo)?))
            .page(&p.page, "pagelen", PAGELEN, MAX_PAGELEN)
            .send_json()
            .await?;
        Ok(page_of(page, tag_of))
    }

    /// `push`, `create` and `delete` → `repo:push`; `pull_request` → the
    /// pull request lifecycle events; `issues`; `issue_comment` → comment
    /// events on pull requests, issues and commits. `release` is refused.
    async fn create_webhook(&self, p: CreateWebhook) -> Result<Webhook> {
        require("url", &p.url)?;
        let events = map::hook_events(&p.events).map_err(|m| Error::invalid_input("events", m))?;
        let h: wire::Hook = self
            .http
            .post(&format!("{}/hooks", repo_path(&p.repo)?))
            .json(&wire::HookBody {
                description: "mosaic",
                url: &p.url,
                active: p.active,
                events,
                secret: p.secret.as_ref().map(|s| s.expose()),
            })
            .send_json()
            .await?;
        Ok(map::webhook(h))
    }

    /// Bitbucket replaces the whole subscription: unchanged fields are read
    /// first.
    async fn update_webhook(&self, p: UpdateWebhook) -> Result<Webhook> {
        require("id", &p.id)?;
        let path = format!("{}/hooks/{}", repo_path(&p.repo)?, segment(&p.id));
        let current: wire::Hook = self.http.get(&path).send_json().await?;
        let events = match &p.events {
            Some(e) => map::hook_events(e).map_err(|m| Error::invalid_input("events", m))?,
            None => {
                let mosaic = map::webhook(current.clone()).events;
                map::hook_events(&mosaic).map_err(|m| Error::invalid_input("events", m))?
            }
        };
        let h: wire::Hook = self
            .http
            .put(&path)
            .json(&wire::HookBody {
                description: "mosaic",
                url: p.url.as_deref().unwrap_or(&current.url),
                active: p.active.unwrap_or(current.active),
                events,
                secret: p.secret.as_ref().map(|s| s.expose()),
            })
            .send_json()
            .await?;
        Ok(map::webhook(h))
    }

    async fn delete_webhook(&self, p: WebhookRef) -> Result<()> {
        require("id", &p.id)?;
        self.http
            .delete(&format!("{}/hooks/{}", repo_path(&p.repo)?, segment(&p.id)))
            .send_unit()
            .await
    }

    async fn list_webhooks(&self, p: ListWebhooks) -> Result<Page<Webhook>> {
        let page: wire::Paged<wire::Hook> = self
            .http
            .get(&format!("{}/hooks", repo_path(&p.repo)?))
            .page(&p.page, "pagelen", PAGELEN, MAX_PAGELEN)
            .send_json()
            .await?;
        Ok(page_of(page, map::webhook))
    }

    /// A user's explicit repository permission; `login` is the account id
    /// (or `{uuid}`). Triage maps to read, maintain to write.
    async fn add_collaborator(&self, p: AddCollaborator) -> Result<()> {
        require("login", &p.login)?;
        let permission = match p.permission {
            Permission::Read | Permission::Triage => "read",
            Permission::Write | Permission::Maintain => "write",
            Permission::Admin => "admin",
        };
        self.http
            .put(&format!(
                "{}/permissions-config/users/{}",
                repo_path(&p.repo)?,
                segment(&p.login)
            ))
            .json(&wire::PermissionBody { permission })
            .send_unit()
            .await
    }

    async fn remove_collaborator(&self, p: CollaboratorRef) -> Result<()> {
        require("login", &p.login)?;
        self.http
            .delete(&format!(
                "{}/permissions-config/users/{}",
                repo_path(&p.repo)?,
                segment(&p.login)
            ))
            .send_unit()
            .await
    }

    /// Logins are account ids (what `add_collaborator` takes).
    async fn list_collaborators(&self, p: ListCollaborators) -> Result<Page<Collaborator>> {
        let page: wire::Paged<wire::UserPermission> = self
            .http
            .get(&format!("{}/permissions-config/users", repo_path(&p.repo)?))
            .page(&p.page, "pagelen", PAGELEN, MAX_PAGELEN)
            .send_json()
            .await?;
        Ok(page_of(page, |u| Collaborator {
            login: u
                .user
                .account_id
                .clone()
                .or(u.user.uuid.clone())
                .unwrap_or_default(),
            permission: match u.permission.as_str() {
                "admin" => Permission::Admin,
                "write" => Permission::Write,
                _ => Permission::Read,
            },
        }))
    }

    /// The repository's issue tracker. Bitbucket issues have no labels and
    /// at most one assignee (an account id).
    async fn create_issue(&self, p: CreateIssue) -> Result<Issue> {
        require("title", &p.title)?;
        if !p.labels.is_empty() {
            return Err(Error::invalid_input(
                "labels",
                "Bitbucket issues have no labels",
            ));
        }
        if p.assignees.len() > 1 {
            return Err(Error::invalid_input(
                "assignees",
                "Bitbucket issues have one assignee",
            ));
        }
        let i: wire::Issue = self
            .http
            .post(&format!("{}/issues", repo_path(&p.repo)?))
            .json(&wire::IssueBody {
                title: Some(&p.title),
                content: p.body.clone().map(|raw| wire::Content { raw: Some(raw) }),
                state: None,
                assignee: p
                    .assignees
                    .first()
                    .map(|a| wire::AccountRef { account_id: a }),
            })
            .send_json()
            .await?;
        Ok(map::issue(i))
    }

    async fn get_issue(&self, p: IssueRef) -> Result<Issue> {
        let i: wire::Issue = self
            .http
            .get(&format!("{}/issues/{}", repo_path(&p.repo)?, p.number))
            .send_json()
            .await?;
        Ok(map::issue(i))
    }

    /// Closing sets `resolved`, reopening `open`.
    async fn update_issue(&self, p: UpdateIssue) -> Result<Issue> {
        if p.labels.as_ref().is_some_and(|l| !l.is_empty()) {
            return Err(Error::invalid_input(
                "labels",
                "Bitbucket issues have no labels",
            ));
        }
        if p.assignees.as_ref().is_some_and(|a| a.len() > 1) {
            return Err(Error::invalid_input(
                "assignees",
                "Bitbucket issues have one assignee",
            ));
        }
        let i: wire::Issue = self
            .http
            .put(&format!("{}/issues/{}", repo_path(&p.repo)?, p.number))
            .json(&wire::IssueBody {
                title: p.title.as_deref(),
                content: p.body.clone().map(|raw| wire::Content { raw: Some(raw) }),
                state: p.state.map(|s| match s {
                    IssueState::Open => "open",
                    IssueState::Closed => "resolved",
                }),
                assignee: p
                    .assignees
                    .as_ref()
                    .and_then(|a| a.first())
                    .map(|a| wire::AccountRef { account_id: a }),
            })
            .send_json()
            .await?;
        Ok(map::issue(i))
    }

    async fn close_issue(&self, p: IssueRef) -> Result<Issue> {
        let i: wire::Issue = self
            .http
            .put(&format!("{}/issues/{}", repo_path(&p.repo)?, p.number))
            .json(&wire::IssueBody {
                state: Some("resolved"),
                ..Default::default()
            })
            .send_json()
            .await?;
        Ok(map::issue(i))
    }

    /// Filtered with a BBQL query on the state.
    async fn list_issues(&self, p: ListIssues) -> Result<Page<Issue>> {
        if !p.labels.is_empty() {
            return Err(Error::invalid_input(
                "labels",
                "Bitbucket issues have no labels",
            ));
        }
        let q = match p.state {
            StateFilter::Open => {
                Some(r#"state="new" OR state="open" OR state="on hold""#.to_owned())
            }
            StateFilter::Closed => Some(
                map::CLOSED_STATES
                    .iter()
                    .map(|s| format!(r#"state="{s}""#))
                    .collect::<Vec<_>>()
                    .join(" OR "),
            ),
            StateFilter::All => None,
        };
        let page: wire::Paged<wire::Issue> = self
            .http
            .get(&format!("{}/issues", repo_path(&p.repo)?))
            .query_opt("q", q)
            .page(&p.page, "pagelen", PAGELEN, MAX_PAGELEN)
            .send_json()
            .await?;
        Ok(page_of(page, map::issue))
    }

    /// Bitbucket has no blob SHAs: `sha` is the commit the content was
    /// read at. Without a reference, the main branch is read.
    async fn get_file(&self, p: GetFile) -> Result<FileContent> {
        let repo = repo_path(&p.repo)?;
        require("path", &p.path)?;
        let reference = match &p.reference {
            Some(r) => r.clone(),
            None => self.main_branch(&p.repo).await?,
        };
        let src = format!("{repo}/src/{}/{}", segment(&reference), enc_path(&p.path));
        let meta: wire::FileMeta = self
            .http
            .get(&src)
            .query("format", "meta")
            .send_json()
            .await?;
        if meta.kind != "commit_file" {
            return Err(Error::invalid_input(
                "path",
                format!("`{}` is not a file", p.path),
            ));
        }
        let raw = self.http.get(&src).accept("*/*").send().await?;
        Ok(FileContent {
            path: meta.path,
            sha: meta.commit.hash,
            content: raw.body().to_vec(),
        })
    }

    /// One commit through `POST /src`; Bitbucket reports no blob SHA.
    async fn create_file(&self, p: WriteFile) -> Result<FileCommit> {
        require("path", &p.path)?;
        require("message", &p.message)?;
        let change = FileChange::Create {
            path: p.path.clone(),
            content: p.content,
        };
        let commit = self
            .src_commit(&p.repo, p.branch.as_deref(), &p.message, &[change], None)
            .await?;
        Ok(FileCommit {
            path: p.path,
            content_sha: None,
            commit,
        })
    }

    /// See [`create_file`](Self::create_file).
    async fn update_file(&self, p: WriteFile) -> Result<FileCommit> {
        self.create_file(p).await
    }

    async fn delete_file(&self, p: DeleteFile) -> Result<FileCommit> {
        require("path", &p.path)?;
        require("message", &p.message)?;
        let change = FileChange::Delete {
            path: p.path.clone(),
        };
        let commit = self
            .src_commit(&p.repo, p.branch.as_deref(), &p.message, &[change], None)
            .await?;
        Ok(FileCommit {
            path: p.path,
            content_sha: None,
            commit,
        })
    }

    /// A build status keyed by `context`; Bitbucket requires a link, so a
    /// missing `target_url` is refused. `Error` is sent as `STOPPED`.
    async fn create_commit_status(&self, p: CreateCommitStatus) -> Result<CommitStatus> {
        require("sha", &p.sha)?;
        let url = p.target_url.as_deref().ok_or_else(|| {
            Error::invalid_input("target_url", "Bitbucket build statuses need a URL")
        })?;
        let s: wire::Status = self
            .http
            .post(&format!(
                "{}/commit/{}/statuses/build",
                repo_path(&p.repo)?,
                segment(&p.sha)
            ))
            .json(&wire::CreateStatus {
                key: if p.context.is_empty() {
                    "default"
                } else {
                    &p.context
                },
                state: map::status_state(p.state),
                url,
                description: p.description.as_deref(),
            })
            .send_json()
            .await?;
        Ok(map::status(s))
    }

    async fn list_commit_statuses(&self, p: ListCommitStatuses) -> Result<Page<CommitStatus>> {
        require("sha", &p.sha)?;
        let page: wire::Paged<wire::Status> = self
            .http
            .get(&format!(
                "{}/commit/{}/statuses",
                repo_path(&p.repo)?,
                segment(&p.sha)
            ))
            .page(&p.page, "pagelen", PAGELEN, MAX_PAGELEN)
            .send_json()
            .await?;
        Ok(page_of(page, map::status))
    }
}
