//! [`GitProvider`] for [`GitHub`]: every operation, over REST v3.

use async_trait::async_trait;
use base64::Engine as _;
use mosaic_core::git::*;
use mosaic_core::{Capabilities, Error, Page, Result};

use super::{GitHub, map, wire};
use crate::http::path::{path as enc_path, segment};
use crate::params::require;

const PER_PAGE: u32 = 30;
const MAX_PER_PAGE: u32 = 100;

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// `/repos/{owner}/{repo}` with both parts encoded.
fn repo_path(r: &RepoRef) -> Result<String> {
    r.validate()?;
    Ok(format!("/repos/{}/{}", segment(&r.owner), segment(&r.name)))
}

fn is_full_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn state_param(s: StateFilter) -> &'static str {
    match s {
        StateFilter::Open => "open",
        StateFilter::Closed => "closed",
        StateFilter::All => "all",
    }
}

impl GitHub {
    /// The commit SHA a branch, tag or SHA names.
    async fn resolve_sha(&self, repo: &str, reference: &str) -> Result<String> {
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

    /// The blob SHA of an existing file (for updates and deletes that were
    /// not given one).
    async fn file_sha(&self, repo: &str, path: &str, branch: Option<&str>) -> Result<String> {
        let f: wire::ContentFile = self
            .http
            .get(&format!("{repo}/contents/{}", enc_path(path)))
            .query_opt("ref", branch)
            .send_json()
            .await?;
        Ok(f.sha)
    }

    async fn put_file(&self, p: WriteFile, must_exist: bool) -> Result<FileCommit> {
        let repo = repo_path(&p.repo)?;
        require("path", &p.path)?;
        require("message", &p.message)?;
        let sha = match (&p.sha, must_exist) {
            (Some(s), _) => Some(s.clone()),
            (None, true) => Some(self.file_sha(&repo, &p.path, p.branch.as_deref()).await?),
            (None, false) => None,
        };
        let body = wire::PutContent {
            message: &p.message,
            content: b64().encode(&p.content),
            branch: p.branch.as_deref(),
            sha: sha.as_deref(),
        };
        let out: wire::FileCommit = self
            .http
            .put(&format!("{repo}/contents/{}", enc_path(&p.path)))
            .json(&body)
            .send_json()
            .await?;
        Ok(map::file_commit(&p.path, out))
    }
}

#[async_trait]
impl GitProvider for GitHub {
    fn capabilities(&self) -> Capabilities {
        GitHub::capabilities()
    }

    async fn create_repository(&self, p: CreateRepository) -> Result<Repository> {
        require("name", &p.name)?;
        if p.default_branch.is_some() {
            return Err(Error::invalid_input(
                "default_branch",
                "GitHub names the first branch from the account's setting; change it afterwards with update_repository",
            ));
        }
        let path = match &p.owner {
            Some(org) => format!("/orgs/{}/repos", segment(org)),
            None => "/user/repos".to_owned(),
        };
        let internal = p.visibility == Visibility::Internal;
        if internal && p.owner.is_none() {
            return Err(Error::invalid_input(
                "visibility",
                "internal repositories can only be created in an organization",
            ));
        }
        let body = wire::CreateRepo {
            name: &p.name,
            description: p.description.as_deref(),
            private: p.visibility != Visibility::Public,
            visibility: internal.then_some("internal"),
            auto_init: p.auto_init,
        };
        let r: wire::Repository = self.http.post(&path).json(&body).send_json().await?;
        Ok(map::repository(r))
    }

    async fn get_repository(&self, p: RepoRef) -> Result<Repository> {
        let r: wire::Repository = self.http.get(&repo_path(&p)?).send_json().await?;
        Ok(map::repository(r))
    }

    async fn update_repository(&self, p: UpdateRepository) -> Result<Repository> {
        let body = wire::UpdateRepo {
            name: p.name.as_deref(),
            description: p.description.as_deref(),
            visibility: p.visibility.map(map::visibility),
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
            .page(&p.page, "per_page", PER_PAGE, MAX_PER_PAGE)
            .send()
            .await?;
        let items: Vec<wire::Repository> = resp.json()?;
        Ok(resp.link_page(items.into_iter().map(map::repository).collect()))
    }

    async fn fork_repository(&self, p: ForkRepository) -> Result<Repository> {
        let body = wire::CreateFork {
            organization: p.organization.as_deref(),
            name: p.name.as_deref(),
        };
        let r: wire::Repository = self
            .http
            .post(&format!("{}/forks", repo_path(&p.repo)?))
            .json(&body)
            .send_json()
            .await?;
        Ok(map::repository(r))
    }

    async fn create_branch(&self, p: CreateBranch) -> Result<Branch> {
        let repo = repo_path(&p.repo)?;
        require("name", &p.name)?;
        require("from", &p.from)?;
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
            commit_sha: b.commit.sha,
            protected: b.protected,
        })
    }

    async fn delete_branch(&self, p: BranchRef) -> Result<()> {
        require("branch", &p.branch)?;
        self.http
            .delete(&format!(
                "{}/git/refs/heads/{}",
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
            .page(&p.page, "per_page", PER_PAGE, MAX_PER_PAGE)
            .send()
            .await?;
        let items: Vec<wire::Branch> = resp.json()?;
        Ok(resp.link_page(
            items
                .into_iter()
                .map(|b| Branch {
                    name: b.name,
                    commit_sha: b.commit.sha,
                    protected: b.protected,
                })
                .collect(),
        ))
    }

    async fn protect_branch(&self, p: ProtectBranch) -> Result<BranchProtection> {
        let r = &p.rules;
        require("rules.branch", &r.branch)?;
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
        Ok(map::protection(&r.branch, out))
    }

    async fn create_pull_request(&self, p: CreatePullRequest) -> Result<PullRequest> {
        require("title", &p.title)?;
        require("head", &p.head)?;
        require("base", &p.base)?;
        let body = wire::CreatePull {
            title: &p.title,
            body: p.body.as_deref(),
            head: &p.head,
            base: &p.base,
            draft: p.draft,
        };
        let pr: wire::PullRequest = self
            .http
            .post(&format!("{}/pulls", repo_path(&p.repo)?))
            .json(&body)
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
        let body = wire::UpdatePull {
            title: p.title.as_deref(),
            body: p.body.as_deref(),
            state,
            base: p.base.as_deref(),
        };
        let pr: wire::PullRequest = self
            .http
            .patch(&format!("{}/pulls/{}", repo_path(&p.repo)?, p.number))
            .json(&body)
            .send_json()
            .await?;
        Ok(map::pull_request(pr))
    }

    async fn merge_pull_request(&self, p: MergePullRequest) -> Result<MergeResult> {
        let body = wire::MergePull {
            commit_title: p.commit_title.as_deref(),
            commit_message: p.commit_message.as_deref(),
            sha: p.sha.as_deref(),
            merge_method: map::merge_method(p.method),
        };
        let m: wire::MergeResult = self
            .http
            .put(&format!("{}/pulls/{}/merge", repo_path(&p.repo)?, p.number))
            .json(&body)
            .send_json()
            .await?;
        Ok(map::merge_result(m))
    }

    async fn list_pull_requests(&self, p: ListPullRequests) -> Result<Page<PullRequest>> {
        let resp = self
            .http
            .get(&format!("{}/pulls", repo_path(&p.repo)?))
            .query("state", state_param(p.state))
            .page(&p.page, "per_page", PER_PAGE, MAX_PER_PAGE)
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
                "{}/commits/{}",
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
            .page(&p.page, "per_page", PER_PAGE, MAX_PER_PAGE)
            .send()
            .await?;
        let items: Vec<wire::Commit> = resp.json()?;
        Ok(resp.link_page(items.into_iter().map(map::commit).collect()))
    }

    async fn create_commit(&self, p: CreateCommit) -> Result<Commit> {
        let repo = repo_path(&p.repo)?;
        require("branch", &p.branch)?;
        require("message", &p.message)?;
        if p.changes.is_empty() {
            return Err(Error::invalid_input("changes", "must not be empty"));
        }
        // 1. the branch head and its tree
        let head: wire::GitRef = self
            .http
            .get(&format!("{repo}/git/ref/heads/{}", enc_path(&p.branch)))
            .send_json()
            .await?;
        let parent: wire::GitCommit = self
            .http
            .get(&format!("{repo}/git/commits/{}", head.object.sha))
            .send_json()
            .await?;
        // 2. a blob per created or updated file
        let mut entries = Vec::with_capacity(p.changes.len());
        for change in &p.changes {
            require("changes.path", change.path())?;
            let sha = match change {
                FileChange::Create { content, .. } | FileChange::Update { content, .. } => {
                    let blob: wire::ShaRef = self
                        .http
                        .post(&format!("{repo}/git/blobs"))
                        .json(&wire::CreateBlob {
                            content: b64().encode(content),
                            encoding: "base64",
                        })
                        .send_json()
                        .await?;
                    Some(blob.sha)
                }
                FileChange::Delete { .. } => None,
            };
            entries.push(wire::TreeEntry {
                path: change.path(),
                mode: "100644",
                kind: "blob",
                sha,
            });
        }
        // 3. the tree, 4. the commit, 5. move the branch
        let tree: wire::ShaRef = self
            .http
            .post(&format!("{repo}/git/trees"))
            .json(&wire::CreateTree {
                base_tree: &parent.tree.sha,
                tree: entries,
            })
            .send_json()
            .await?;
        let commit: wire::GitCommit = self
            .http
            .post(&format!("{repo}/git/commits"))
            .json(&wire::CreateGitCommit {
                message: &p.message,
                tree: &tree.sha,
                parents: vec![&parent.sha],
                author: p.author.clone().map(|a| wire::GitUser {
                    name: a.name,
                    email: a.email,
                    date: a.date,
                }),
            })
            .send_json()
            .await?;
        self.http
            .patch(&format!("{repo}/git/refs/heads/{}", enc_path(&p.branch)))
            .json(&wire::UpdateRef {
                sha: &commit.sha,
                force: false,
            })
            .send_unit()
            .await?;
        Ok(map::git_commit(commit))
    }

    async fn compare_commits(&self, p: CompareCommits) -> Result<Comparison> {
        require("base", &p.base)?;
        require("head", &p.head)?;
        let c: wire::Comparison = self
            .http
            .get(&format!(
                "{}/compare/{}...{}",
                repo_path(&p.repo)?,
                segment(&p.base),
                segment(&p.head)
            ))
            .send_json()
            .await?;
        map::comparison(c)
    }

    async fn create_tag(&self, p: CreateTag) -> Result<Tag> {
        let repo = repo_path(&p.repo)?;
        require("name", &p.name)?;
        require("target", &p.target)?;
        let sha = self.resolve_sha(&repo, &p.target).await?;
        let ref_sha = match &p.message {
            Some(message) => {
                let t: wire::GitTag = self
                    .http
                    .post(&format!("{repo}/git/tags"))
                    .json(&wire::CreateGitTag {
                        tag: &p.name,
                        message,
                        object: &sha,
                        kind: "commit",
                    })
                    .send_json()
                    .await?;
                t.sha
            }
            None => sha.clone(),
        };
        self.http
            .post(&format!("{repo}/git/refs"))
            .json(&wire::CreateRef {
                git_ref: format!("refs/tags/{}", p.name),
                sha: &ref_sha,
            })
            .send_unit()
            .await?;
        Ok(Tag {
            name: p.name,
            sha,
            message: p.message,
        })
    }

    async fn get_tag(&self, p: TagRef) -> Result<Tag> {
        let repo = repo_path(&p.repo)?;
        require("name", &p.name)?;
        let r: wire::GitRef = self
            .http
            .get(&format!("{repo}/git/ref/tags/{}", enc_path(&p.name)))
            .send_json()
            .await?;
        if r.object.kind == "tag" {
            let t: wire::GitTag = self
                .http
                .get(&format!("{repo}/git/tags/{}", r.object.sha))
                .send_json()
                .await?;
            Ok(Tag {
                name: t.tag,
                sha: t.object.sha,
                message: t.message,
            })
        } else {
            Ok(Tag {
                name: p.name,
                sha: r.object.sha,
                message: None,
            })
        }
    }

    async fn delete_tag(&self, p: TagRef) -> Result<()> {
        require("name", &p.name)?;
        self.http
            .delete(&format!(
                "{}/git/refs/tags/{}",
                repo_path(&p.repo)?,
                enc_path(&p.name)
            ))
            .send_unit()
            .await
    }

    async fn list_tags(&self, p: ListTags) -> Result<Page<Tag>> {
        let resp = self
            .http
            .get(&format!("{}/tags", repo_path(&p.repo)?))
            .page(&p.page, "per_page", PER_PAGE, MAX_PER_PAGE)
            .send()
            .await?;
        let items: Vec<wire::Tag> = resp.json()?;
        Ok(resp.link_page(
            items
                .into_iter()
                .map(|t| Tag {
                    name: t.name,
                    sha: t.commit.sha,
                    message: None,
                })
                .collect(),
        ))
    }

    async fn create_webhook(&self, p: CreateWebhook) -> Result<Webhook> {
        require("url", &p.url)?;
        let events = if p.events.is_empty() {
            vec!["push".to_owned()]
        } else {
            p.events.clone()
        };
        let body = wire::CreateHook {
            name: "web",
            active: p.active,
            events: &events,
            config: wire::HookConfig {
                url: &p.url,
                content_type: "json",
                secret: p.secret.as_ref().map(|s| s.expose()),
                insecure_ssl: "0",
            },
        };
        let h: wire::Hook = self
            .http
            .post(&format!("{}/hooks", repo_path(&p.repo)?))
            .json(&body)
            .send_json()
            .await?;
        Ok(map::webhook(h))
    }

    async fn update_webhook(&self, p: UpdateWebhook) -> Result<Webhook> {
        let repo = repo_path(&p.repo)?;
        require("id", &p.id)?;
        let hook_path = format!("{repo}/hooks/{}", segment(&p.id));
        // GitHub replaces the whole config: keep the URL when only the
        // secret changes.
        let url = match (&p.url, &p.secret) {
            (Some(u), _) => Some(u.clone()),
            (None, Some(_)) => {
                let h: wire::Hook = self.http.get(&hook_path).send_json().await?;
                h.config.url
            }
            (None, None) => None,
        };
        let body = wire::UpdateHook {
            active: p.active,
            events: p.events.as_deref(),
            config: url.as_deref().map(|url| wire::HookConfig {
                url,
                content_type: "json",
                secret: p.secret.as_ref().map(|s| s.expose()),
                insecure_ssl: "0",
            }),
        };
        let h: wire::Hook = self.http.patch(&hook_path).json(&body).send_json().await?;
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
            .page(&p.page, "per_page", PER_PAGE, MAX_PER_PAGE)
            .send()
            .await?;
        let items: Vec<wire::Hook> = resp.json()?;
        Ok(resp.link_page(items.into_iter().map(map::webhook).collect()))
    }

    async fn add_collaborator(&self, p: AddCollaborator) -> Result<()> {
        require("login", &p.login)?;
        self.http
            .put(&format!(
                "{}/collaborators/{}",
                repo_path(&p.repo)?,
                segment(&p.login)
            ))
            .json(&wire::AddCollaborator {
                permission: map::permission_name(p.permission),
            })
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

    async fn list_collaborators(&self, p: ListCollaborators) -> Result<Page<Collaborator>> {
        let resp = self
            .http
            .get(&format!("{}/collaborators", repo_path(&p.repo)?))
            .page(&p.page, "per_page", PER_PAGE, MAX_PER_PAGE)
            .send()
            .await?;
        let items: Vec<wire::Collaborator> = resp.json()?;
        Ok(resp.link_page(items.into_iter().map(map::collaborator).collect()))
    }

    async fn create_issue(&self, p: CreateIssue) -> Result<Issue> {
        require("title", &p.title)?;
        let body = wire::CreateIssue {
            title: &p.title,
            body: p.body.as_deref(),
            labels: &p.labels,
            assignees: &p.assignees,
        };
        let i: wire::Issue = self
            .http
            .post(&format!("{}/issues", repo_path(&p.repo)?))
            .json(&body)
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
        if i.pull_request.is_some() {
            return Err(Error::not_found(format!(
                "#{} of {} is a pull request, not an issue",
                p.number, p.repo
            ))
            .with_provider("github"));
        }
        Ok(map::issue(i))
    }

    async fn update_issue(&self, p: UpdateIssue) -> Result<Issue> {
        let body = wire::UpdateIssue {
            title: p.title.as_deref(),
            body: p.body.as_deref(),
            state: p.state.map(|s| match s {
                IssueState::Open => "open",
                IssueState::Closed => "closed",
            }),
            labels: p.labels.as_deref(),
            assignees: p.assignees.as_deref(),
        };
        let i: wire::Issue = self
            .http
            .patch(&format!("{}/issues/{}", repo_path(&p.repo)?, p.number))
            .json(&body)
            .send_json()
            .await?;
        Ok(map::issue(i))
    }

    async fn close_issue(&self, p: IssueRef) -> Result<Issue> {
        let i: wire::Issue = self
            .http
            .patch(&format!("{}/issues/{}", repo_path(&p.repo)?, p.number))
            .json(&wire::UpdateIssue {
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
            .query_opt("labels", labels)
            .page(&p.page, "per_page", PER_PAGE, MAX_PER_PAGE)
            .send()
            .await?;
        let items: Vec<wire::Issue> = resp.json()?;
        // GitHub lists pull requests among issues; they are left out.
        Ok(resp.link_page(
            items
                .into_iter()
                .filter(|i| i.pull_request.is_none())
                .map(map::issue)
                .collect(),
        ))
    }

    async fn get_file(&self, p: GetFile) -> Result<FileContent> {
        let repo = repo_path(&p.repo)?;
        require("path", &p.path)?;
        let path = format!("{repo}/contents/{}", enc_path(&p.path));
        let resp = self
            .http
            .get(&path)
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
        let f: wire::ContentFile = resp.json()?;
        if f.kind != "file" {
            return Err(Error::invalid_input(
                "path",
                format!("`{}` is a {}, not a file", p.path, f.kind),
            ));
        }
        let content = match (f.encoding.as_deref(), f.content.as_deref()) {
            (Some("base64"), Some(c)) => {
                let clean: String = c.chars().filter(|c| !c.is_whitespace()).collect();
                b64().decode(clean).map_err(|e| {
                    Error::decode("`$.content` of the file (base64)", e).with_provider("github")
                })?
            }
            // Files over 1 MB come without content: fetch the raw bytes.
            _ => self
                .http
                .get(&path)
                .query_opt("ref", p.reference.as_deref())
                .accept("application/vnd.github.raw+json")
                .send()
                .await?
                .body()
                .to_vec(),
        };
        Ok(FileContent {
            path: f.path,
            sha: f.sha,
            content,
        })
    }

    async fn create_file(&self, p: WriteFile) -> Result<FileCommit> {
        self.put_file(p, false).await
    }

    async fn update_file(&self, p: WriteFile) -> Result<FileCommit> {
        self.put_file(p, true).await
    }

    async fn delete_file(&self, p: DeleteFile) -> Result<FileCommit> {
        let repo = repo_path(&p.repo)?;
        require("path", &p.path)?;
        require("message", &p.message)?;
        let sha = match &p.sha {
            Some(s) => s.clone(),
            None => self.file_sha(&repo, &p.path, p.branch.as_deref()).await?,
        };
        let out: wire::FileCommit = self
            .http
            .delete(&format!("{repo}/contents/{}", enc_path(&p.path)))
            .json(&wire::DeleteContent {
                message: &p.message,
                sha: &sha,
                branch: p.branch.as_deref(),
            })
            .send_json()
            .await?;
        Ok(map::file_commit(&p.path, out))
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
            .page(&p.page, "per_page", PER_PAGE, MAX_PER_PAGE)
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
            .page(&p.page, "per_page", PER_PAGE, MAX_PER_PAGE)
            .send()
            .await?;
        let items: Vec<wire::Release> = resp.json()?;
        Ok(resp.link_page(items.into_iter().map(map::release).collect()))
    }
}
