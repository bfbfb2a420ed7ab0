//! [`GitProvider`] for [`Gitea`]: every operation, over API v1.

use async_trait::async_trait;
use base64::Engine as _;
use mosaic_core::git::*;
use mosaic_core::{Capabilities, Error, Page, PageRequest, Result};

use super::{Gitea, map, wire};
use crate::http::path::{path as enc_path, segment};
use crate::params::require;

const LIMIT: u32 = 30;
const MAX_LIMIT: u32 = 50;

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

fn repo_path(r: &RepoRef) -> Result<String> {
    r.validate()?;
    Ok(format!("/repos/{}/{}", segment(&r.owner), segment(&r.name)))
}

fn state_param(s: StateFilter) -> &'static str {
    match s {
        StateFilter::Open => "open",
        StateFilter::Closed => "closed",
        StateFilter::All => "all",
    }
}

fn hook_config<'a>(
    url: &'a str,
    secret: Option<&'a str>,
) -> std::collections::BTreeMap<&'static str, &'a str> {
    let mut c = std::collections::BTreeMap::new();
    c.insert("url", url);
    c.insert("content_type", "json");
    if let Some(s) = secret {
        c.insert("secret", s);
    }
    c
}

impl Gitea {
    /// The blob SHA of an existing file.
    async fn file_sha(&self, repo: &str, path: &str, reference: Option<&str>) -> Result<String> {
        let c: wire::ContentsResponse = self
            .http
            .get(&format!("{repo}/contents/{}", enc_path(path)))
            .query_opt("ref", reference)
            .send_json()
            .await?;
        c.sha
            .ok_or_else(|| Error::invalid_input("path", format!("`{path}` is not a file")))
    }

    /// The ids of the repository's labels named `names` (every name must exist).
    async fn label_ids(&self, repo: &str, names: &[String]) -> Result<Vec<u64>> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut found = std::collections::HashMap::new();
        let mut page = PageRequest::with_size(MAX_LIMIT);
        loop {
            let resp = self
                .http
                .get(&format!("{repo}/labels"))
                .page(&page, "limit", LIMIT, MAX_LIMIT)
                .send()
                .await?;
            let labels: Vec<wire::Label> = resp.json()?;
            for l in labels {
                found.insert(l.name, l.id);
            }
            if names.iter().all(|n| found.contains_key(n)) {
                break;
            }
            match resp.next_cursor() {
                Some(next) if Some(&next) != page.cursor.as_ref() => page.cursor = Some(next),
                _ => break,
            }
        }
        names
            .iter()
            .map(|n| {
                found.get(n).copied().ok_or_else(|| {
                    Error::invalid_input("labels", format!("label `{n}` does not exist"))
                })
            })
            .collect()
    }

    async fn compare_count(&self, repo: &str, base: &str, head: &str) -> Result<wire::Compare> {
        self.http
            .get(&format!(
                "{repo}/compare/{}...{}",
                segment(base),
                segment(head)
            ))
            .send_json()
            .await
    }
}

#[async_trait]
impl GitProvider for Gitea {
    fn capabilities(&self) -> Capabilities {
        Gitea::capabilities()
    }

    async fn create_repository(&self, p: CreateRepository) -> Result<Repository> {
        require("name", &p.name)?;
        if p.visibility == Visibility::Internal {
            return Err(Error::invalid_input(
                "visibility",
                "Gitea's API creates public or private repositories",
            ));
        }
        let path = match &p.owner {
            Some(org) => format!("/orgs/{}/repos", segment(org)),
            None => "/user/repos".to_owned(),
        };
        let body = wire::CreateRepo {
            name: &p.name,
            description: p.description.as_deref(),
            private: p.visibility == Visibility::Private,
            auto_init: p.auto_init,
            default_branch: p.default_branch.as_deref(),
        };
        let r: wire::Repository = self.http.post(&path).json(&body).send_json().await?;
        Ok(map::repository(r))
    }

    async fn get_repository(&self, p: RepoRef) -> Result<Repository> {
        let r: wire::Repository = self.http.get(&repo_path(&p)?).send_json().await?;
        Ok(map::repository(r))
    }

    async fn update_repository(&self, p: UpdateRepository) -> Result<Repository> {
        let private = match p.visibility {
            None => None,
            Some(Visibility::Public) => Some(false),
            Some(Visibility::Private) => Some(true),
            Some(Visibility::Internal) => {
                return Err(Error::invalid_input(
                    "visibility",
                    "Gitea's API sets public or private",
                ));
            }
        };
        let body = wire::EditRepo {
            name: p.name.as_deref(),
            description: p.description.as_deref(),
            private,
            default_branch: p.default_branch.as_deref(),
            archived: p.archived,
        };
        let r: wire::Repository = self
            .http
            .patch(&repo_path(&p.repo)?)
            .json(&body)
            .send_json()
            .await?;
        Ok(map::repository(r))
    }

    async fn delete_repository(&self, p: RepoRef) -> Result<()> {
        self.http.delete(&repo_path(&p)?).send_unit().await
    }

    async fn list_repositories(&self, p: ListRepositories) -> Result<Page<Repository>> {
        let path = match &p.owner {
            Some(o) => format!("/users/{}/repos", segment(o)),
            None => "/user/repos".to_owned(),
        };
        let resp = self
            .http
            .get(&path)
            .page(&p.page, "limit", LIMIT, MAX_LIMIT)
            .send()
            .await?;
        let items: Vec<wire::Repository> = resp.json()?;
        Ok(resp.link_page(items.into_iter().map(map::repository).collect()))
    }

    async fn fork_repository(&self, p: ForkRepository) -> Result<Repository> {
        let r: wire::Repository = self
            .http
            .post(&format!("{}/forks", repo_path(&p.repo)?))
            .json(&wire::CreateFork {
                organization: p.organization.as_deref(),
                name: p.name.as_deref(),
            })
            .send_json()
            .await?;
        Ok(map::repository(r))
    }

    async fn create_branch(&self, p: CreateBranch) -> Result<Branch> {
        require("name", &p.name)?;
        require("from", &p.from)?;
        let b: wire::Branch = self
            .http
            .post(&format!("{}/branches", repo_path(&p.repo)?))
            .json(&wire::CreateBranch {
                new_branch_name: &p.name,
                old_ref_name: &p.from,
            })
            .send_json()
            .await?;
        Ok(Branch {
            name: b.name,
            commit_sha: b.commit.id,
            protected: b.protected,
        })
    }

    async fn get_branch(&self, p: BranchRef) -> Result<Branch> {
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
        Ok(Branch {
            name: b.name,
            commit_sha: b.commit.id,
            protected: b.protected,
        })
    }

    async fn delete_branch(&self, p: BranchRef) -> Result<()> {
        require("branch", &p.branch)?;
        self.http
            .delete(&format!(
                "{}/branches/{}",
                repo_path(&p.repo)?,
                enc_path(&p.branch)
            ))
            .send_unit()
            .await
    }

    async fn list_branches(&self, p: ListBranches) -> Result<Page<Branch>> {
        let resp = self
            .http
            .get(&format!("{}/branches", repo_path(&p.repo)?))
            .page(&p.page, "limit", LIMIT, MAX_LIMIT)
            .send()
            .await?;
        let items: Vec<wire::Branch> = resp.json()?;
        Ok(resp.link_page(
            items
                .into_iter()
                .map(|b| Branch {
                    name: b.name,
                    commit_sha: b.commit.id,
                    protected: b.protected,
                })
                .collect(),
        ))
    }

    /// Creates the rule, or edits it when one exists for the branch.
    /// Gitea never lets a protected branch be deleted, so
    /// `allow_deletion: true` is refused.
    async fn protect_branch(&self, p: ProtectBranch) -> Result<BranchProtection> {
        let r = &p.rules;
        require("rules.branch", &r.branch)?;
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
        Ok(map::protection(&r.branch, out))
    }

    /// Drafts are opened with Gitea's `WIP: ` title prefix.
    async fn create_pull_request(&self, p: CreatePullRequest) -> Result<PullRequest> {
        require("title", &p.title)?;
        require("head", &p.head)?;
        require("base", &p.base)?;
        let title = if p.draft {
            format!("{}{}", map::DRAFT_PREFIX, p.title)
        } else {
            p.title.clone()
        };
        let pr: wire::PullRequest = self
            .http
            .post(&format!("{}/pulls", repo_path(&p.repo)?))
            .json(&wire::CreatePull {
                title: &title,
                body: p.body.as_deref(),
                head: &p.head,
                base: &p.base,
            })
            .send_json()
            .await?;
        Ok(map::pull_request(pr))
    }

    async fn get_pull_request(&self, p: PullRequestRef) -> Result<PullRequest> {
        let pr: wire::PullRequest = self
            .http
            .get(&format!("{}/pulls/{}", repo_path(&p.repo)?, p.number))
            .send_json()
            .await?;
        Ok(map::pull_request(pr))
    }

    async fn update_pull_request(&self, p: UpdatePullRequest) -> Result<PullRequest> {
        let state = match p.state {
            None => None,
            Some(PullRequestState::Open) => Some("open"),
            Some(PullRequestState::Closed) => Some("closed"),
            Some(PullRequestState::Merged) => {
                return Err(Error::invalid_input(
                    "state",
                    "a pull request is merged with merge_pull_request",
                ));
            }
        };
        let pr: wire::PullRequest = self
            .http
            .patch(&format!("{}/pulls/{}", repo_path(&p.repo)?, p.number))
            .json(&wire::EditPull {
                title: p.title.as_deref(),
                body: p.body.as_deref(),
                state,
                base: p.base.as_deref(),
            })
            .send_json()
            .await?;
        Ok(map::pull_request(pr))
    }

    /// Gitea answers a merge with an empty body; the merge commit is read
    /// back from the pull request.
    async fn merge_pull_request(&self, p: MergePullRequest) -> Result<MergeResult> {
        let repo = repo_path(&p.repo)?;
        let style = match p.method {
            MergeMethod::Merge => "merge",
            MergeMethod::Squash => "squash",
            MergeMethod::Rebase => "rebase",
        };
        self.http
            .post(&format!("{repo}/pulls/{}/merge", p.number))
            .json(&wire::MergePull {
                merge_style: style,
                title: p.commit_title.as_deref(),
                message: p.commit_message.as_deref(),
                head_commit_id: p.sha.as_deref(),
            })
            .send_unit()
            .await?;
        let pr: wire::PullRequest = self
            .http
            .get(&format!("{repo}/pulls/{}", p.number))
            .send_json()
            .await?;
        Ok(MergeResult {
            merged: pr.merged,
            sha: pr.merge_commit_sha,
            message: None,
        })
    }

    async fn list_pull_requests(&self, p: ListPullRequests) -> Result<Page<PullRequest>> {
        let resp = self
            .http
            .get(&format!("{}/pulls", repo_path(&p.repo)?))
            .query("state", state_param(p.state))
            .page(&p.page, "limit", LIMIT, MAX_LIMIT)
            .send()
            .await?;
        let items: Vec<wire::PullRequest> = resp.json()?;
        Ok(resp.link_page(items.into_iter().map(map::pull_request).collect()))
    }

    async fn get_commit(&self, p: CommitRef) -> Result<Commit> {
        require("sha", &p.sha)?;
        let c: wire::Commit = self
            .http
            .get(&format!(
                "{}/git/commits/{}",
                repo_path(&p.repo)?,
                segment(&p.sha)
            ))
            .send_json()
            .await?;
        Ok(map::commit(c))
    }

    async fn list_commits(&self, p: ListCommits) -> Result<Page<Commit>> {
        let resp = self
            .http
            .get(&format!("{}/commits", repo_path(&p.repo)?))
            .query_opt("sha", p.reference.as_deref())
            .query_opt("path", p.path.as_deref())
            .query("stat", false)
            .page(&p.page, "limit", LIMIT, MAX_LIMIT)
            .send()
            .await?;
        let items: Vec<wire::Commit> = resp.json()?;
        Ok(resp.link_page(items.into_iter().map(map::commit).collect()))
    }

    /// One commit through Gitea's multi-file endpoint; updates and deletes
    /// need each file's current blob SHA, which is looked up first.
    async fn create_commit(&self, p: CreateCommit) -> Result<Commit> {
        let repo = repo_path(&p.repo)?;
        require("branch", &p.branch)?;
        require("message", &p.message)?;
        if p.changes.is_empty() {
            return Err(Error::invalid_input("changes", "must not be empty"));
        }
        let mut files = Vec::with_capacity(p.changes.len());
        for change in &p.changes {
            require("changes.path", change.path())?;
            let file = match change {
                FileChange::Create { path, content } => wire::ChangeFile {
                    operation: "create",
                    path,
                    content: Some(b64().encode(content)),
                    sha: None,
                },
                FileChange::Update { path, content } => wire::ChangeFile {
                    operation: "update",
                    path,
                    content: Some(b64().encode(content)),
                    sha: Some(self.file_sha(&repo, path, Some(&p.branch)).await?),
                },
                FileChange::Delete { path } => wire::ChangeFile {
                    operation: "delete",
                    path,
                    content: None,
                    sha: Some(self.file_sha(&repo, path, Some(&p.branch)).await?),
                },
            };
            files.push(file);
        }
        let out: wire::FilesResponse = self
            .http
            .post(&format!("{repo}/contents"))
            .json(&wire::ChangeFiles {
                files,
                message: &p.message,
                branch: &p.branch,
                author: p.author.clone().map(|a| wire::Identity {
                    name: a.name,
                    email: a.email,
                }),
            })
            .send_json()
            .await?;
        Ok(map::file_commit_response(out.commit))
    }

    /// Gitea's compare endpoint counts the commits one way; the other
    /// direction is a second call. Changed files are taken from the
    /// commits (Gitea reports no per-file line counts here).
    async fn compare_commits(&self, p: CompareCommits) -> Result<Comparison> {
        let repo = repo_path(&p.repo)?;
        require("base", &p.base)?;
        require("head", &p.head)?;
        let ahead = self.compare_count(&repo, &p.base, &p.head).await?;
        let behind = self.compare_count(&repo, &p.head, &p.base).await?;
        let status = match (ahead.total_commits, behind.total_commits) {
            (0, 0) => CompareStatus::Identical,
            (_, 0) => CompareStatus::Ahead,
            (0, _) => CompareStatus::Behind,
            _ => CompareStatus::Diverged,
        };
        let commits = ahead.commits.unwrap_or_default();
        let mut files: Vec<ChangedFile> = Vec::new();
        for c in &commits {
            for f in c.files.iter().flatten() {
                if !files.iter().any(|x| x.path == f.filename) {
                    files.push(ChangedFile {
                        path: f.filename.clone(),
                        status: f.status.clone().unwrap_or_else(|| "modified".to_owned()),
                        additions: 0,
                        deletions: 0,
                    });
                }
            }
        }
        Ok(Comparison {
            status,
            ahead_by: ahead.total_commits,
            behind_by: behind.total_commits,
            commits: commits.into_iter().map(map::commit).collect(),
            files,
        })
    }

    async fn create_tag(&self, p: CreateTag) -> Result<Tag> {
        require("name", &p.name)?;
        require("target", &p.target)?;
        let t: wire::Tag = self
            .http
            .post(&format!("{}/tags", repo_path(&p.repo)?))
            .json(&wire::CreateTag {
                tag_name: &p.name,
                target: &p.target,
                message: p.message.as_deref(),
            })
            .send_json()
            .await?;
        Ok(tag(t))
    }

    async fn get_tag(&self, p: TagRef) -> Result<Tag> {
        require("name", &p.name)?;
        let t: wire::Tag = self
            .http
            .get(&format!(
                "{}/tags/{}",
                repo_path(&p.repo)?,
                segment(&p.name)
            ))
            .send_json()
            .await?;
        Ok(tag(t))
    }

    async fn delete_tag(&self, p: TagRef) -> Result<()> {
        require("name", &p.name)?;
        self.http
            .delete(&format!(
                "{}/tags/{}",
                repo_path(&p.repo)?,
                segment(&p.name)
            ))
            .send_unit()
            .await
    }

    async fn list_tags(&self, p: ListTags) -> Result<Page<Tag>> {
        let resp = self
            .http
            .get(&format!("{}/tags", repo_path(&p.repo)?))
            .page(&p.page, "limit", LIMIT, MAX_LIMIT)
            .send()
            .await?;
        let items: Vec<wire::Tag> = resp.json()?;
        Ok(resp.link_page(items.into_iter().map(tag).collect()))
    }

    async fn create_webhook(&self, p: CreateWebhook) -> Result<Webhook> {
        require("url", &p.url)?;
        let events = if p.events.is_empty() {
            vec!["push".to_owned()]
        } else {
            p.events.clone()
        };
        let h: wire::Hook = self
            .http
            .post(&format!("{}/hooks", repo_path(&p.repo)?))
            .json(&wire::CreateHook {
                kind: "gitea",
                config: hook_config(&p.url, p.secret.as_ref().map(|s| s.expose())),
                events: &events,
                active: p.active,
            })
            .send_json()
            .await?;
        Ok(map::webhook(h))
    }

    async fn update_webhook(&self, p: UpdateWebhook) -> Result<Webhook> {
        let repo = repo_path(&p.repo)?;
        require("id", &p.id)?;
        let hook_path = format!("{repo}/hooks/{}", segment(&p.id));
        let url = match (&p.url, &p.secret) {
            (Some(u), _) => Some(u.clone()),
            (None, Some(_)) => {
                let h: wire::Hook = self.http.get(&hook_path).send_json().await?;
                h.config.get("url").cloned()
            }
            (None, None) => None,
        };
        let h: wire::Hook = self
            .http
            .patch(&hook_path)
            .json(&wire::EditHook {
                config: url
                    .as_deref()
                    .map(|u| hook_config(u, p.secret.as_ref().map(|s| s.expose()))),
                events: p.events.as_deref(),
                active: p.active,
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
        let resp = self
            .http
            .get(&format!("{}/hooks", repo_path(&p.repo)?))
            .page(&p.page, "limit", LIMIT, MAX_LIMIT)
            .send()
            .await?;
        let items: Vec<wire::Hook> = resp.json()?;
        Ok(resp.link_page(items.into_iter().map(map::webhook).collect()))
    }

    /// Gitea's permissions are read, write and admin: triage maps to read,
    /// maintain to write.
    async fn add_collaborator(&self, p: AddCollaborator) -> Result<()> {
        require("login", &p.login)?;
        let permission = match p.permission {
            Permission::Read | Permission::Triage => "read",
            Permission::Write | Permission::Maintain => "write",
            Permission::Admin => "admin",
        };
        self.http
            .put(&format!(
                "{}/collaborators/{}",
                repo_path(&p.repo)?,
                segment(&p.login)
            ))
            .json(&wire::AddCollaborator { permission })
            .send_unit()
            .await
    }

    async fn remove_collaborator(&self, p: CollaboratorRef) -> Result<()> {
        require("login", &p.login)?;
        self.http
            .delete(&format!(
                "{}/collaborators/{}",
                repo_path(&p.repo)?,
                segment(&p.login)
            ))
            .send_unit()
            .await
    }

    /// The listing carries no permissions; each collaborator's is read from
    /// the permission endpoint.
    async fn list_collaborators(&self, p: ListCollaborators) -> Result<Page<Collaborator>> {
        let repo = repo_path(&p.repo)?;
        let resp = self
            .http
            .get(&format!("{repo}/collaborators"))
            .page(&p.page, "limit", LIMIT, MAX_LIMIT)
            .send()
            .await?;
        let users: Vec<wire::User> = resp.json()?;
        let mut out = Vec::with_capacity(users.len());
        for u in users {
            let login = u.name();
            let perm: wire::CollaboratorPermission = self
                .http
                .get(&format!(
                    "{repo}/collaborators/{}/permission",
                    segment(&login)
                ))
                .send_json()
                .await?;
            let permission = match perm.permission.as_str() {
                "owner" | "admin" => Permission::Admin,
                "write" => Permission::Write,
                _ => Permission::Read,
            };
            out.push(Collaborator { login, permission });
        }
        Ok(resp.link_page(out))
    }

    /// Label names are resolved to the repository's label ids.
    async fn create_issue(&self, p: CreateIssue) -> Result<Issue> {
        let repo = repo_path(&p.repo)?;
        require("title", &p.title)?;
        let labels = self.label_ids(&repo, &p.labels).await?;
        let i: wire::Issue = self
            .http
            .post(&format!("{repo}/issues"))
            .json(&wire::CreateIssue {
                title: &p.title,
                body: p.body.as_deref(),
                assignees: &p.assignees,
                labels,
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
        if i.pull_request.as_ref().is_some_and(|v| !v.is_null()) {
            return Err(Error::not_found(format!(
                "#{} of {} is a pull request, not an issue",
                p.number, p.repo
            ))
            .with_provider("gitea"));
        }
        Ok(map::issue(i))
    }

    /// Labels are replaced through the issue's label endpoint.
    async fn update_issue(&self, p: UpdateIssue) -> Result<Issue> {
        let repo = repo_path(&p.repo)?;
        if let Some(labels) = &p.labels {
            let ids = self.label_ids(&repo, labels).await?;
            self.http
                .put(&format!("{repo}/issues/{}/labels", p.number))
                .json(&wire::IssueLabels { labels: ids })
                .send_unit()
                .await?;
        }
        let i: wire::Issue = self
            .http
            .patch(&format!("{repo}/issues/{}", p.number))
            .json(&wire::EditIssue {
                title: p.title.as_deref(),
                body: p.body.as_deref(),
                state: p.state.map(|s| match s {
                    IssueState::Open => "open",
                    IssueState::Closed => "closed",
                }),
                assignees: p.assignees.as_deref(),
            })
            .send_json()
            .await?;
        Ok(map::issue(i))
    }

    async fn close_issue(&self, p: IssueRef) -> Result<Issue> {
        let i: wire::Issue = self
            .http
            .patch(&format!("{}/issues/{}", repo_path(&p.repo)?, p.number))
            .json(&wire::EditIssue {
                state: Some("closed"),
                ..Default::default()
            })
            .send_json()
            .await?;
        Ok(map::issue(i))
    }

    async fn list_issues(&self, p: ListIssues) -> Result<Page<Issue>> {
        let labels = (!p.labels.is_empty()).then(|| p.labels.join(","));
        let resp = self
            .http
            .get(&format!("{}/issues", repo_path(&p.repo)?))
            .query("state", state_param(p.state))
            .query("type", "issues")
            .query_opt("labels", labels)
            .page(&p.page, "limit", LIMIT, MAX_LIMIT)
            .send()
            .await?;
        let items: Vec<wire::Issue> = resp.json()?;
        Ok(resp.link_page(items.into_iter().map(map::issue).collect()))
    }

    async fn get_file(&self, p: GetFile) -> Result<FileContent> {
        require("path", &p.path)?;
        let resp = self
            .http
            .get(&format!(
                "{}/contents/{}",
                repo_path(&p.repo)?,
                enc_path(&p.path)
            ))
            .query_opt("ref", p.reference.as_deref())
            .send()
            .await?;
        let v: serde_json::Value = resp.json()?;
        if v.is_array() {
            return Err(Error::invalid_input(
                "path",
                format!("`{}` is a directory", p.path),
            ));
        }
        let c: wire::ContentsResponse = resp.json()?;
        if c.kind.as_deref() != Some("file") {
            return Err(Error::invalid_input(
                "path",
                format!("`{}` is not a file", p.path),
            ));
        }
        let raw: String = c
            .content
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let content = b64().decode(raw).map_err(|e| {
            Error::decode("`$.content` of the file (base64)", e).with_provider("gitea")
        })?;
        Ok(FileContent {
            path: c.path.unwrap_or(p.path),
            sha: c.sha.unwrap_or_default(),
            content,
        })
    }

    async fn create_file(&self, p: WriteFile) -> Result<FileCommit> {
        require("path", &p.path)?;
        require("message", &p.message)?;
        let out: wire::FileResponse = self
            .http
            .post(&format!(
                "{}/contents/{}",
                repo_path(&p.repo)?,
                enc_path(&p.path)
            ))
            .json(&wire::WriteFile {
                content: b64().encode(&p.content),
                message: &p.message,
                branch: p.branch.as_deref(),
                sha: None,
            })
            .send_json()
            .await?;
        Ok(map::file_commit(&p.path, out))
    }

    async fn update_file(&self, p: WriteFile) -> Result<FileCommit> {
        let repo = repo_path(&p.repo)?;
        require("path", &p.path)?;
        require("message", &p.message)?;
        let sha = match &p.sha {
            Some(s) => s.clone(),
            None => self.file_sha(&repo, &p.path, p.branch.as_deref()).await?,
        };
        let out: wire::FileResponse = self
            .http
            .put(&format!("{repo}/contents/{}", enc_path(&p.path)))
            .json(&wire::WriteFile {
                content: b64().encode(&p.content),
                message: &p.message,
                branch: p.branch.as_deref(),
                sha: Some(&sha),
            })
            .send_json()
            .await?;
        Ok(map::file_commit(&p.path, out))
    }

    async fn delete_file(&self, p: DeleteFile) -> Result<FileCommit> {
        let repo = repo_path(&p.repo)?;
        require("path", &p.path)?;
        require("message", &p.message)?;
        let sha = match &p.sha {
            Some(s) => s.clone(),
            None => self.file_sha(&repo, &p.path, p.branch.as_deref()).await?,
        };
        let out: wire::FileResponse = self
            .http
            .delete(&format!("{repo}/contents/{}", enc_path(&p.path)))
            .json(&wire::DeleteFile {
                message: &p.message,
                sha: &sha,
                branch: p.branch.as_deref(),
            })
            .send_json()
            .await?;
        let mut fc = map::file_commit(&p.path, out);
        fc.content_sha = None;
        Ok(fc)
    }

    async fn create_commit_status(&self, p: CreateCommitStatus) -> Result<CommitStatus> {
        require("sha", &p.sha)?;
        let s: wire::Status = self
            .http
            .post(&format!(
                "{}/statuses/{}",
                repo_path(&p.repo)?,
                segment(&p.sha)
            ))
            .json(&wire::CreateStatus {
                state: map::status_state(p.state),
                target_url: p.target_url.as_deref(),
                description: p.description.as_deref(),
                context: if p.context.is_empty() {
                    "default"
                } else {
                    &p.context
                },
            })
            .send_json()
            .await?;
        Ok(map::status(s))
    }

    async fn list_commit_statuses(&self, p: ListCommitStatuses) -> Result<Page<CommitStatus>> {
        require("sha", &p.sha)?;
        let resp = self
            .http
            .get(&format!(
                "{}/commits/{}/statuses",
                repo_path(&p.repo)?,
                segment(&p.sha)
            ))
            .page(&p.page, "limit", LIMIT, MAX_LIMIT)
            .send()
            .await?;
        let items: Vec<wire::Status> = resp.json()?;
        Ok(resp.link_page(items.into_iter().map(map::status).collect()))
    }

    async fn create_release(&self, p: CreateRelease) -> Result<Release> {
        require("tag_name", &p.tag_name)?;
        let r: wire::Release = self
            .http
            .post(&format!("{}/releases", repo_path(&p.repo)?))
            .json(&wire::CreateRelease {
                tag_name: &p.tag_name,
                target_commitish: p.target.as_deref(),
                name: p.name.as_deref(),
                body: p.body.as_deref(),
                draft: p.draft,
                prerelease: p.prerelease,
            })
            .send_json()
            .await?;
        Ok(map::release(r))
    }

    async fn list_releases(&self, p: ListReleases) -> Result<Page<Release>> {
        let resp = self
            .http
            .get(&format!("{}/releases", repo_path(&p.repo)?))
            .page(&p.page, "limit", LIMIT, MAX_LIMIT)
            .send()
            .await?;
        let items: Vec<wire::Release> = resp.json()?;
        Ok(resp.link_page(items.into_iter().map(map::release).collect()))
    }
}

fn tag(t: wire::Tag) -> Tag {
    Tag {
        name: t.name,
        sha: t.commit.sha,
        message: t
            .message
            .map(|m| m.trim_end().to_owned())
            .filter(|m| !m.is_empty()),
    }
}
