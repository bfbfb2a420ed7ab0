//! [`GitProvider`] for [`GitLab`]: every operation, over REST v4.

use async_trait::async_trait;
use base64::Engine as _;
use mosaic_core::git::*;
use mosaic_core::{Capabilities, Error, Page, Result};

use super::{GitLab, map, wire};
use crate::http::path::segment;
use crate::params::require;

const PER_PAGE: u32 = 20;
const MAX_PER_PAGE: u32 = 100;

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// `/projects/group%2Fsub%2Fproject`.
fn project(r: &RepoRef) -> Result<String> {
    r.validate()?;
    Ok(format!("/projects/{}", segment(&r.full_name())))
}

/// Lines added and removed in a unified diff.
fn diff_counts(diff: &str) -> (u64, u64) {
    let mut add = 0;
    let mut del = 0;
    for line in diff.lines() {
        if line.starts_with('+') && !line.starts_with("+++") {
            add += 1;
        } else if line.starts_with('-') && !line.starts_with("---") {
            del += 1;
        }
    }
    (add, del)
}

/// Hook flags for Mosaic event names (`None` for events left alone).
fn hook_flags<'a>(
    url: &'a str,
    events: Option<&[String]>,
    token: Option<&'a str>,
) -> Result<wire::HookOptions<'a>> {
    let mut o = wire::HookOptions {
        url,
        token,
        ..Default::default()
    };
    if let Some(events) = events {
        let events: Vec<&str> = if events.is_empty() {
            vec!["push"]
        } else {
            events.iter().map(String::as_str).collect()
        };
        let has = |n: &[&str]| events.iter().any(|e| n.contains(e));
        for e in &events {
            if ![
                "push",
                "create",
                "delete",
                "pull_request",
                "issues",
                "issue_comment",
                "release",
            ]
            .contains(e)
            {
                return Err(Error::invalid_input(
                    "events",
                    format!("GitLab has no hook event for `{e}`"),
                ));
            }
        }
        o.push_events = Some(has(&["push", "create", "delete"]));
        o.tag_push_events = Some(has(&["create", "delete"]));
        o.merge_requests_events = Some(has(&["pull_request"]));
        o.issues_events = Some(has(&["issues"]));
        o.note_events = Some(has(&["issue_comment"]));
        o.releases_events = Some(has(&["release"]));
    }
    Ok(o)
}

impl GitLab {
    async fn user_id(&self, username: &str) -> Result<u64> {
        let users: Vec<wire::User> = self
            .http
            .get("/users")
            .query("username", username)
            .send_json()
            .await?;
        users
            .first()
            .map(|u| u.id)
            .ok_or_else(|| Error::invalid_input("login", format!("no GitLab user `{username}`")))
    }

    async fn user_ids(&self, usernames: &[String]) -> Result<Vec<u64>> {
        let mut ids = Vec::with_capacity(usernames.len());
        for u in usernames {
            ids.push(self.user_id(u).await?);
        }
        Ok(ids)
    }

    async fn default_branch(&self, repo: &RepoRef) -> Result<String> {
        let p: wire::Project = self.http.get(&project(repo)?).send_json().await?;
        p.default_branch
            .ok_or_else(|| Error::invalid_input("branch", "the project has no default branch yet"))
    }

    async fn commit_actions(
        &self,
        repo: &RepoRef,
        branch: Option<&str>,
        message: &str,
        actions: Vec<wire::CommitAction<'_>>,
        author: Option<&Signature>,
    ) -> Result<wire::Commit> {
        let branch = match branch {
            Some(b) => b.to_owned(),
            None => self.default_branch(repo).await?,
        };
        self.http
            .post(&format!("{}/repository/commits", project(repo)?))
            .json(&wire::CreateCommit {
                branch: &branch,
                commit_message: message,
                actions,
                author_name: author.map(|a| a.name.as_str()),
                author_email: author.map(|a| a.email.as_str()),
            })
            .send_json()
            .await
    }

    /// The blob id of a file at a commit (GitLab's `HEAD` on the file).
    async fn blob_id(&self, repo: &RepoRef, path: &str, reference: &str) -> Result<Option<String>> {
        let resp = self
            .http
            .head(&format!(
                "{}/repository/files/{}",
                project(repo)?,
                segment(path)
            ))
            .query("ref", reference)
            .send()
            .await?;
        Ok(resp.header("x-gitlab-blob-id").map(str::to_owned))
    }

    async fn write_file(&self, p: WriteFile, action: &'static str) -> Result<FileCommit> {
        require("path", &p.path)?;
        require("message", &p.message)?;
        let c = self
            .commit_actions(
                &p.repo,
                p.branch.as_deref(),
                &p.message,
                vec![wire::CommitAction {
                    action,
                    file_path: &p.path,
                    content: Some(b64().encode(&p.content)),
                    encoding: Some("base64"),
                }],
                None,
            )
            .await?;
        let content_sha = self.blob_id(&p.repo, &p.path, &c.id).await?;
        Ok(FileCommit {
            path: p.path,
            content_sha,
            commit: map::commit(c),
        })
    }
}

#[async_trait]
impl GitProvider for GitLab {
    fn capabilities(&self) -> Capabilities {
        GitLab::capabilities()
    }

    /// `owner` is a group or user namespace path, resolved to its id.
    async fn create_repository(&self, p: CreateRepository) -> Result<Repository> {
        require("name", &p.name)?;
        let namespace_id = match &p.owner {
            Some(ns) => {
                let n: wire::Namespace = self
                    .http
                    .get(&format!("/namespaces/{}", segment(ns)))
                    .send_json()
                    .await?;
                Some(n.id)
            }
            None => None,
        };
        let r: wire::Project = self
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

    async fn get_repository(&self, p: RepoRef) -> Result<Repository> {
        let r: wire::Project = self.http.get(&project(&p)?).send_json().await?;
        Ok(map::repository(r))
    }

    /// Archiving is its own endpoint (`/archive`, `/unarchive`), called
    /// after the settings change.
    async fn update_repository(&self, p: UpdateRepository) -> Result<Repository> {
        let path = project(&p.repo)?;
        let mut r: wire::Project = self
            .http
            .put(&path)
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
            let path = format!("/projects/{}", segment(&r.path_with_namespace));
            let verb = if archived { "archive" } else { "unarchive" };
            r = self
                .http
                .post(&format!("{path}/{verb}"))
                .send_json()
                .await?;
        }
        Ok(map::repository(r))
    }

    async fn delete_repository(&self, p: RepoRef) -> Result<()> {
        self.http.delete(&project(&p)?).send_unit().await
    }

    /// Without an owner: the projects the user is a member of. With one:
    /// the group's projects, or the user's when no such group exists.
    async fn list_repositories(&self, p: ListRepositories) -> Result<Page<Repository>> {
        let resp = match &p.owner {
            None => {
                self.http
                    .get("/projects")
                    .query("membership", true)
                    .page(&p.page, "per_page", PER_PAGE, MAX_PER_PAGE)
                    .send()
                    .await?
            }
            Some(owner) => {
                let group = self
                    .http
                    .get(&format!("/groups/{}/projects", segment(owner)))
                    .page(&p.page, "per_page", PER_PAGE, MAX_PER_PAGE)
                    .send()
                    .await;
                match group {
                    Err(e) if e.is_not_found() && p.page.cursor.is_none() => {
                        self.http
                            .get(&format!("/users/{}/projects", segment(owner)))
                            .page(&p.page, "per_page", PER_PAGE, MAX_PER_PAGE)
                            .send()
                            .await?
                    }
                    other => other?,
                }
            }
        };
        let items: Vec<wire::Project> = resp.json()?;
        Ok(resp.link_page(items.into_iter().map(map::repository).collect()))
    }

    async fn fork_repository(&self, p: ForkRepository) -> Result<Repository> {
        let r: wire::Project = self
            .http
            .post(&format!("{}/fork", project(&p.repo)?))
            .json(&wire::Fork {
                namespace_path: p.organization.as_deref(),
                name: p.name.as_deref(),
                path: p.name.as_deref(),
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
            .post(&format!("{}/repository/branches", project(&p.repo)?))
            .query("branch", &p.name)
            .query("ref", &p.from)
            .send_json()
            .await?;
        Ok(branch(b))
    }

    async fn get_branch(&self, p: BranchRef) -> Result<Branch> {
        require("branch", &p.branch)?;
        let b: wire::Branch = self
            .http
            .get(&format!(
                "{}/repository/branches/{}",
                project(&p.repo)?,
                segment(&p.branch)
            ))
            .send_json()
            .await?;
        Ok(branch(b))
    }

    async fn delete_branch(&self, p: BranchRef) -> Result<()> {
        require("branch", &p.branch)?;
        self.http
            .delete(&format!(
                "{}/repository/branches/{}",
                project(&p.repo)?,
                segment(&p.branch)
            ))
            .send_unit()
            .await
    }

    async fn list_branches(&self, p: ListBranches) -> Result<Page<Branch>> {
        let resp = self
            .http
            .get(&format!("{}/repository/branches", project(&p.repo)?))
            .page(&p.page, "per_page", PER_PAGE, MAX_PER_PAGE)
            .send()
            .await?;
        let items: Vec<wire::Branch> = resp.json()?;
        Ok(resp.link_page(items.into_iter().map(branch).collect()))
    }

    /// A protected branch (pushes and merges by Maintainers). Any existing
    /// protection of the branch is replaced. Required approvals and status
    /// checks are project-level settings on GitLab and are refused here;
    /// protected branches can never be deleted, so `allow_deletion` is
    /// refused too.
    async fn protect_branch(&self, p: ProtectBranch) -> Result<BranchProtection> {
        let r = &p.rules;
        require("rules.branch", &r.branch)?;
        if r.required_approvals > 0 {
            return Err(Error::invalid_input(
                "rules.required_approvals",
                "GitLab sets approvals with project approval rules, not per protected branch",
            ));
        }
        if !r.required_status_checks.is_empty() {
            return Err(Error::invalid_input(
                "rules.required_status_checks",
                "GitLab sets status checks per project, not per protected branch",
            ));
        }
        if r.allow_deletion {
            return Err(Error::invalid_input(
                "rules.allow_deletion",
                "GitLab does not allow deleting protected branches",
            ));
        }
        let base = project(&p.repo)?;
        match self
            .http
            .delete(&format!("{base}/protected_branches/{}", segment(&r.branch)))
            .send_unit()
            .await
        {
            Ok(()) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
        let out: wire::ProtectedBranch = self
            .http
            .post(&format!("{base}/protected_branches"))
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

    /// Drafts get GitLab's `Draft: ` title prefix.
    async fn create_pull_request(&self, p: CreatePullRequest) -> Result<PullRequest> {
        require("title", &p.title)?;
        require("head", &p.head)?;
        require("base", &p.base)?;
        let title = if p.draft {
            format!("Draft: {}", p.title)
        } else {
            p.title.clone()
        };
        let m: wire::MergeRequest = self
            .http
            .post(&format!("{}/merge_requests", project(&p.repo)?))
            .json(&wire::CreateMergeRequest {
                source_branch: &p.head,
                target_branch: &p.base,
                title: &title,
                description: p.body.as_deref(),
            })
            .send_json()
            .await?;
        Ok(map::merge_request(m))
    }

    async fn get_pull_request(&self, p: PullRequestRef) -> Result<PullRequest> {
        let m: wire::MergeRequest = self
            .http
            .get(&format!(
                "{}/merge_requests/{}",
                project(&p.repo)?,
                p.number
            ))
            .send_json()
            .await?;
        Ok(map::merge_request(m))
    }

    async fn update_pull_request(&self, p: UpdatePullRequest) -> Result<PullRequest> {
        let state_event = match p.state {
            None => None,
            Some(PullRequestState::Open) => Some("reopen"),
            Some(PullRequestState::Closed) => Some("close"),
            Some(PullRequestState::Merged) => {
                return Err(Error::invalid_input(
                    "state",
                    "a merge request is merged with merge_pull_request",
                ));
            }
        };
        let m: wire::MergeRequest = self
            .http
            .put(&format!(
                "{}/merge_requests/{}",
                project(&p.repo)?,
                p.number
            ))
            .json(&wire::EditMergeRequest {
                title: p.title.as_deref(),
                description: p.body.as_deref(),
                target_branch: p.base.as_deref(),
                state_event,
            })
            .send_json()
            .await?;
        Ok(map::merge_request(m))
    }

    /// Merge or squash; GitLab chooses rebase/fast-forward merging per
    /// project, so `Rebase` is refused.
    async fn merge_pull_request(&self, p: MergePullRequest) -> Result<MergeResult> {
        let squash = match p.method {
            MergeMethod::Merge => false,
            MergeMethod::Squash => true,
            MergeMethod::Rebase => {
                return Err(Error::invalid_input(
                    "method",
                    "GitLab sets fast-forward and rebase merging per project; use merge or squash",
                ));
            }
        };
        let message = match (&p.commit_title, &p.commit_message) {
            (Some(t), Some(m)) => Some(format!("{t}\n\n{m}")),
            (Some(t), None) => Some(t.clone()),
            (None, Some(m)) => Some(m.clone()),
            (None, None) => None,
        };
        let m: wire::MergeRequest = self
            .http
            .put(&format!(
                "{}/merge_requests/{}/merge",
                project(&p.repo)?,
                p.number
            ))
            .json(&wire::Merge {
                merge_commit_message: if squash { None } else { message.as_deref() },
                squash_commit_message: if squash { message.as_deref() } else { None },
                squash,
                sha: p.sha.as_deref(),
            })
            .send_json()
            .await?;
        let merged = m.state == "merged";
        Ok(MergeResult {
            merged,
            sha: m.merge_commit_sha.or(m.squash_commit_sha),
            message: None,
        })
    }

    /// `Closed` lists closed and merged requests (GitLab keeps them apart),
    /// so that page is filtered from all requests.
    async fn list_pull_requests(&self, p: ListPullRequests) -> Result<Page<PullRequest>> {
        let state = match p.state {
            StateFilter::Open => "opened",
            StateFilter::Closed | StateFilter::All => "all",
        };
        let resp = self
            .http
            .get(&format!("{}/merge_requests", project(&p.repo)?))
            .query("state", state)
            .page(&p.page, "per_page", PER_PAGE, MAX_PER_PAGE)
            .send()
            .await?;
        let items: Vec<wire::MergeRequest> = resp.json()?;
        let keep_closed = p.state == StateFilter::Closed;
        Ok(resp.link_page(
            items
                .into_iter()
                .map(map::merge_request)
                .filter(|m| !keep_closed || m.state != PullRequestState::Open)
                .collect(),
        ))
    }

    async fn get_commit(&self, p: CommitRef) -> Result<Commit> {
        require("sha", &p.sha)?;
        let c: wire::Commit = self
            .http
            .get(&format!(
                "{}/repository/commits/{}",
                project(&p.repo)?,
                segment(&p.sha)
            ))
            .send_json()
            .await?;
        Ok(map::commit(c))
    }

    async fn list_commits(&self, p: ListCommits) -> Result<Page<Commit>> {
        let resp = self
            .http
            .get(&format!("{}/repository/commits", project(&p.repo)?))
            .query_opt("ref_name", p.reference.as_deref())
            .query_opt("path", p.path.as_deref())
            .page(&p.page, "per_page", PER_PAGE, MAX_PER_PAGE)
            .send()
            .await?;
        let items: Vec<wire::Commit> = resp.json()?;
        Ok(resp.link_page(items.into_iter().map(map::commit).collect()))
    }

    async fn create_commit(&self, p: CreateCommit) -> Result<Commit> {
        require("branch", &p.branch)?;
        require("message", &p.message)?;
        if p.changes.is_empty() {
            return Err(Error::invalid_input("changes", "must not be empty"));
        }
        let actions = p
            .changes
            .iter()
            .map(|c| match c {
                FileChange::Create { path, content } => wire::CommitAction {
                    action: "create",
                    file_path: path,
                    content: Some(b64().encode(content)),
                    encoding: Some("base64"),
                },
                FileChange::Update { path, content } => wire::CommitAction {
                    action: "update",
                    file_path: path,
                    content: Some(b64().encode(content)),
                    encoding: Some("base64"),
                },
                FileChange::Delete { path } => wire::CommitAction {
                    action: "delete",
                    file_path: path,
                    content: None,
                    encoding: None,
                },
            })
            .collect();
        let c = self
            .commit_actions(
                &p.repo,
                Some(&p.branch),
                &p.message,
                actions,
                p.author.as_ref(),
            )
            .await?;
        Ok(map::commit(c))
    }

    /// GitLab compares one way; `behind_by` is a second, reversed
    /// comparison. Line counts come from the unified diffs.
    async fn compare_commits(&self, p: CompareCommits) -> Result<Comparison> {
        require("base", &p.base)?;
        require("head", &p.head)?;
        let path = format!("{}/repository/compare", project(&p.repo)?);
        let fwd: wire::Compare = self
            .http
            .get(&path)
            .query("from", &p.base)
            .query("to", &p.head)
            .send_json()
            .await?;
        let back: wire::Compare = self
            .http
            .get(&path)
            .query("from", &p.head)
            .query("to", &p.base)
            .send_json()
            .await?;
        let (ahead, behind) = (fwd.commits.len() as u64, back.commits.len() as u64);
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
            commits: fwd.commits.into_iter().map(map::commit).collect(),
            files: fwd
                .diffs
                .into_iter()
                .map(|d| {
                    let (additions, deletions) = diff_counts(&d.diff);
                    ChangedFile {
                        status: if d.new_file {
                            "added"
                        } else if d.deleted_file {
                            "removed"
                        } else if d.renamed_file {
                            "renamed"
                        } else {
                            "modified"
                        }
                        .to_owned(),
                        path: d.new_path,
                        additions,
                        deletions,
                    }
                })
                .collect(),
        })
    }

    async fn create_tag(&self, p: CreateTag) -> Result<Tag> {
        require("name", &p.name)?;
        require("target", &p.target)?;
        let t: wire::Tag = self
            .http
            .post(&format!("{}/repository/tags", project(&p.repo)?))
            .query("tag_name", &p.name)
            .query("ref", &p.target)
            .query_opt("message", p.message.as_deref())
            .send_json()
            .await?;
        Ok(tag(t))
    }

    async fn get_tag(&self, p: TagRef) -> Result<Tag> {
        require("name", &p.name)?;
        let t: wire::Tag = self
            .http
            .get(&format!(
                "{}/repository/tags/{}",
                project(&p.repo)?,
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
                "{}/repository/tags/{}",
                project(&p.repo)?,
                segment(&p.name)
            ))
            .send_unit()
            .await
    }

    async fn list_tags(&self, p: ListTags) -> Result<Page<Tag>> {
        let resp = self
            .http
            .get(&format!("{}/repository/tags", project(&p.repo)?))
            .page(&p.page, "per_page", PER_PAGE, MAX_PER_PAGE)
            .send()
            .await?;
        let items: Vec<wire::Tag> = resp.json()?;
        Ok(resp.link_page(items.into_iter().map(tag).collect()))
    }

    /// Events map to GitLab's hook flags: `push` → push events, `create`
    /// and `delete` → push and tag push events, `pull_request` → merge
    /// request events, `issues`, `issue_comment` → note events, `release`.
    /// The secret is sent as the hook's token (`X-Gitlab-Token`). GitLab
    /// project hooks have no off switch, so `active` is not sent.
    async fn create_webhook(&self, p: CreateWebhook) -> Result<Webhook> {
        require("url", &p.url)?;
        let body = hook_flags(
            &p.url,
            Some(&p.events),
            p.secret.as_ref().map(|s| s.expose()),
        )?;
        let h: wire::Hook = self
            .http
            .post(&format!("{}/hooks", project(&p.repo)?))
            .json(&body)
            .send_json()
            .await?;
        Ok(map::webhook(h))
    }

    async fn update_webhook(&self, p: UpdateWebhook) -> Result<Webhook> {
        require("id", &p.id)?;
        if p.active == Some(false) {
            return Err(Error::invalid_input(
                "active",
                "GitLab project hooks cannot be disabled",
            ));
        }
        let path = format!("{}/hooks/{}", project(&p.repo)?, segment(&p.id));
        let url = match &p.url {
            Some(u) => u.clone(),
            None => {
                let h: wire::Hook = self.http.get(&path).send_json().await?;
                h.url
            }
        };
        let body = hook_flags(
            &url,
            p.events.as_deref(),
            p.secret.as_ref().map(|s| s.expose()),
        )?;
        let h: wire::Hook = self.http.put(&path).json(&body).send_json().await?;
        Ok(map::webhook(h))
    }

    async fn delete_webhook(&self, p: WebhookRef) -> Result<()> {
        require("id", &p.id)?;
        self.http
            .delete(&format!("{}/hooks/{}", project(&p.repo)?, segment(&p.id)))
            .send_unit()
            .await
    }

    async fn list_webhooks(&self, p: ListWebhooks) -> Result<Page<Webhook>> {
        let resp = self
            .http
            .get(&format!("{}/hooks", project(&p.repo)?))
            .page(&p.page, "per_page", PER_PAGE, MAX_PER_PAGE)
            .send()
            .await?;
        let items: Vec<wire::Hook> = resp.json()?;
        Ok(resp.link_page(items.into_iter().map(map::webhook).collect()))
    }

    /// A project member: read and triage → Reporter, write → Developer,
    /// maintain → Maintainer, admin → Owner.
    async fn add_collaborator(&self, p: AddCollaborator) -> Result<()> {
        require("login", &p.login)?;
        let user_id = self.user_id(&p.login).await?;
        self.http
            .post(&format!("{}/members", project(&p.repo)?))
            .json(&wire::AddMember {
                user_id,
                access_level: map::access_level(p.permission),
            })
            .send_unit()
            .await
    }

    async fn remove_collaborator(&self, p: CollaboratorRef) -> Result<()> {
        require("login", &p.login)?;
        let user_id = self.user_id(&p.login).await?;
        self.http
            .delete(&format!("{}/members/{user_id}", project(&p.repo)?))
            .send_unit()
            .await
    }

    async fn list_collaborators(&self, p: ListCollaborators) -> Result<Page<Collaborator>> {
        let resp = self
            .http
            .get(&format!("{}/members", project(&p.repo)?))
            .page(&p.page, "per_page", PER_PAGE, MAX_PER_PAGE)
            .send()
            .await?;
        let items: Vec<wire::Member> = resp.json()?;
        Ok(resp.link_page(
            items
                .into_iter()
                .map(|m| Collaborator {
                    login: m.username,
                    permission: map::permission(m.access_level),
                })
                .collect(),
        ))
    }

    /// Assignee logins are resolved to user ids.
    async fn create_issue(&self, p: CreateIssue) -> Result<Issue> {
        require("title", &p.title)?;
        let assignee_ids = if p.assignees.is_empty() {
            None
        } else {
            Some(self.user_ids(&p.assignees).await?)
        };
        let i: wire::Issue = self
            .http
            .post(&format!("{}/issues", project(&p.repo)?))
            .json(&wire::IssueOptions {
                title: Some(&p.title),
                description: p.body.as_deref(),
                labels: (!p.labels.is_empty()).then(|| p.labels.join(",")),
                assignee_ids,
                state_event: None,
            })
            .send_json()
            .await?;
        Ok(map::issue(i))
    }

    async fn get_issue(&self, p: IssueRef) -> Result<Issue> {
        let i: wire::Issue = self
            .http
            .get(&format!("{}/issues/{}", project(&p.repo)?, p.number))
            .send_json()
            .await?;
        Ok(map::issue(i))
    }

    async fn update_issue(&self, p: UpdateIssue) -> Result<Issue> {
        let assignee_ids = match &p.assignees {
            Some(a) => Some(self.user_ids(a).await?),
            None => None,
        };
        let i: wire::Issue = self
            .http
            .put(&format!("{}/issues/{}", project(&p.repo)?, p.number))
            .json(&wire::IssueOptions {
                title: p.title.as_deref(),
                description: p.body.as_deref(),
                labels: p.labels.as_ref().map(|l| l.join(",")),
                assignee_ids,
                state_event: p.state.map(|s| match s {
                    IssueState::Open => "reopen",
                    IssueState::Closed => "close",
                }),
            })
            .send_json()
            .await?;
        Ok(map::issue(i))
    }

    async fn close_issue(&self, p: IssueRef) -> Result<Issue> {
        let i: wire::Issue = self
            .http
            .put(&format!("{}/issues/{}", project(&p.repo)?, p.number))
            .json(&wire::IssueOptions {
                state_event: Some("close"),
                ..Default::default()
            })
            .send_json()
            .await?;
        Ok(map::issue(i))
    }

    async fn list_issues(&self, p: ListIssues) -> Result<Page<Issue>> {
        let state = match p.state {
            StateFilter::Open => "opened",
            StateFilter::Closed => "closed",
            StateFilter::All => "all",
        };
        let labels = (!p.labels.is_empty()).then(|| p.labels.join(","));
        let resp = self
            .http
            .get(&format!("{}/issues", project(&p.repo)?))
            .query("state", state)
            .query_opt("labels", labels)
            .page(&p.page, "per_page", PER_PAGE, MAX_PER_PAGE)
            .send()
            .await?;
        let items: Vec<wire::Issue> = resp.json()?;
        Ok(resp.link_page(items.into_iter().map(map::issue).collect()))
    }

    /// Without a reference, the project's default branch is read.
    async fn get_file(&self, p: GetFile) -> Result<FileContent> {
        require("path", &p.path)?;
        let reference = match &p.reference {
            Some(r) => r.clone(),
            None => self.default_branch(&p.repo).await?,
        };
        let f: wire::File = self
            .http
            .get(&format!(
                "{}/repository/files/{}",
                project(&p.repo)?,
                segment(&p.path)
            ))
            .query("ref", &reference)
            .send_json()
            .await?;
        let content = match f.encoding.as_deref() {
            Some("base64") | None => b64().decode(f.content.trim()).map_err(|e| {
                Error::decode("`$.content` of the file (base64)", e).with_provider("gitlab")
            })?,
            Some(_) => f.content.into_bytes(),
        };
        Ok(FileContent {
            path: f.file_path,
            sha: f.blob_id,
            content,
        })
    }

    /// Written through the commits API so the commit is known; the new
    /// blob id is read back. GitLab does not check a given `sha`.
    async fn create_file(&self, p: WriteFile) -> Result<FileCommit> {
        self.write_file(p, "create").await
    }

    /// See [`create_file`](Self::create_file).
    async fn update_file(&self, p: WriteFile) -> Result<FileCommit> {
        self.write_file(p, "update").await
    }

    async fn delete_file(&self, p: DeleteFile) -> Result<FileCommit> {
        require("path", &p.path)?;
        require("message", &p.message)?;
        let c = self
            .commit_actions(
                &p.repo,
                p.branch.as_deref(),
                &p.message,
                vec![wire::CommitAction {
                    action: "delete",
                    file_path: &p.path,
                    content: None,
                    encoding: None,
                }],
                None,
            )
            .await?;
        Ok(FileCommit {
            path: p.path,
            content_sha: None,
            commit: map::commit(c),
        })
    }

    /// `Error` is sent as `failed` (GitLab has no separate error state).
    async fn create_commit_status(&self, p: CreateCommitStatus) -> Result<CommitStatus> {
        require("sha", &p.sha)?;
        let s: wire::Status = self
            .http
            .post(&format!(
                "{}/statuses/{}",
                project(&p.repo)?,
                segment(&p.sha)
            ))
            .json(&wire::CreateStatus {
                state: map::status_state(p.state),
                name: if p.context.is_empty() {
                    "default"
                } else {
                    &p.context
                },
                target_url: p.target_url.as_deref(),
                description: p.description.as_deref(),
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
                "{}/repository/commits/{}/statuses",
                project(&p.repo)?,
                segment(&p.sha)
            ))
            .page(&p.page, "per_page", PER_PAGE, MAX_PER_PAGE)
            .send()
            .await?;
        let items: Vec<wire::Status> = resp.json()?;
        Ok(resp.link_page(items.into_iter().map(map::status).collect()))
    }

    /// GitLab releases have no draft or pre-release flag; both are refused.
    async fn create_release(&self, p: CreateRelease) -> Result<Release> {
        require("tag_name", &p.tag_name)?;
        if p.draft {
            return Err(Error::invalid_input(
                "draft",
                "GitLab has no draft releases",
            ));
        }
        if p.prerelease {
            return Err(Error::invalid_input(
                "prerelease",
                "GitLab has no pre-release flag",
            ));
        }
        let r: wire::Release = self
            .http
            .post(&format!("{}/releases", project(&p.repo)?))
            .json(&wire::CreateRelease {
                tag_name: &p.tag_name,
                git_ref: p.target.as_deref(),
                name: p.name.as_deref(),
                description: p.body.as_deref(),
            })
            .send_json()
            .await?;
        Ok(map::release(r))
    }

    async fn list_releases(&self, p: ListReleases) -> Result<Page<Release>> {
        let resp = self
            .http
            .get(&format!("{}/releases", project(&p.repo)?))
            .page(&p.page, "per_page", PER_PAGE, MAX_PER_PAGE)
            .send()
            .await?;
        let items: Vec<wire::Release> = resp.json()?;
        Ok(resp.link_page(items.into_iter().map(map::release).collect()))
    }
}

fn branch(b: wire::Branch) -> Branch {
    Branch {
        name: b.name,
        commit_sha: b.commit.id,
        protected: b.protected,
    }
}

fn tag(t: wire::Tag) -> Tag {
    Tag {
        name: t.name,
        sha: t.commit.id,
        message: t.message.filter(|m| !m.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_diff_lines() {
        let d = "--- a/x\n+++ b/x\n@@ -1,2 +1,3 @@\n a\n-b\n+c\n+d\n";
        assert_eq!(diff_counts(d), (2, 1));
    }
}
