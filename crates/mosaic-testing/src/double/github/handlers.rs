//! The routes under `/repos/{owner}/{repo}` and the repository routes,
//! each translated into calls on the fake.

use http::StatusCode;
use mosaic_core::git::*;
use mosaic_core::{Error, ErrorKind, PageRequest};
use serde_json::{Value, json};

use super::{Answer, GitHubApi};
use crate::double::forge::{everything, flag, text};
use crate::double::{ApiRequest, ApiResponse};

fn number(s: &str) -> Option<u64> {
    s.parse().ok()
}

fn state_filter(q: &ApiRequest) -> StateFilter {
    match q.query("state") {
        Some("closed") => StateFilter::Closed,
        Some("all") => StateFilter::All,
        _ => StateFilter::Open,
    }
}

fn status_state(s: &str) -> Option<StatusState> {
    Some(match s {
        "pending" => StatusState::Pending,
        "success" => StatusState::Success,
        "failure" => StatusState::Failure,
        "error" => StatusState::Error,
        _ => return None,
    })
}

/// The body, or `{}` when there is none.
fn body_of(q: &ApiRequest) -> Result<Value, ApiResponse> {
    if q.body.iter().all(u8::is_ascii_whitespace) {
        Ok(json!({}))
    } else {
        q.json()
    }
}

impl GitHubApi {
    pub(super) fn or(&self, resource: &'static str) -> impl Fn(Error) -> ApiResponse + '_ {
        move |e| self.fail(resource, e)
    }

    /// A whole listing of the fake, each item rendered, paged as `orig`
    /// asks.
    pub(super) async fn listing<P, T, F, Fut>(
        &self,
        orig: &ApiRequest,
        resource: &'static str,
        params: P,
        list: F,
        render: impl Fn(&T) -> Value,
    ) -> Answer
    where
        P: mosaic_core::Paginated,
        F: FnMut(P) -> Fut,
        Fut: std::future::Future<Output = mosaic_core::Result<mosaic_core::Page<T>>>,
    {
        let all = everything(params, list).await.map_err(self.or(resource))?;
        Ok(self.page(orig, all.iter().map(render).collect()))
    }

    pub(super) fn no_content() -> ApiResponse {
        ApiResponse::empty(StatusCode::NO_CONTENT)
    }

    pub(super) fn not_found(&self) -> ApiResponse {
        self.fail("Repository", Error::not_found("no route"))
    }

    fn is_empty_repo(&self, r: &Repository) -> bool {
        self.fake
            .branch_head(&r.reference(), &r.default_branch)
            .is_none()
    }

    fn repo_answer(&self, status: StatusCode, r: &Repository) -> ApiResponse {
        ApiResponse::json(status, &self.repo_json(r, self.is_empty_repo(r)))
    }

    // ----- repositories -----

    pub(super) async fn create_repo(&self, q: &ApiRequest, org: Option<String>) -> Answer {
        let body: Value = q.json()?;
        let github = self.github_dialect();
        let private = flag(&body, "private").unwrap_or(false);
        let visibility = match text(&body, "visibility").as_deref() {
            Some("internal") if github => Visibility::Internal,
            Some("private") if github => Visibility::Private,
            Some("public") if github => Visibility::Public,
            _ if private => Visibility::Private,
            _ => Visibility::Public,
        };
        let params = CreateRepository {
            owner: org,
            name: text(&body, "name").unwrap_or_default(),
            description: text(&body, "description"),
            visibility,
            auto_init: flag(&body, "auto_init").unwrap_or(false),
            default_branch: if github {
                None
            } else {
                text(&body, "default_branch").filter(|b| !b.is_empty())
            },
        };
        match self.fake.create_repository(params).await {
            Ok(r) => Ok(self.repo_answer(StatusCode::CREATED, &r)),
            Err(e) if e.kind() == ErrorKind::Conflict => Err(if github {
                self.validation(
                    "Repository",
                    "name",
                    "custom",
                    "name already exists on this account",
                )
            } else {
                self.error(
                    StatusCode::CONFLICT,
                    "The repository with the same name already exists.",
                )
            }),
            Err(e) => Err(self.fail("Repository", e)),
        }
    }

    pub(super) async fn list_repos(&self, orig: &ApiRequest, owner: Option<String>) -> Answer {
        let public_only = self.github_dialect() && owner.is_some();
        let params = ListRepositories {
            owner,
            page: PageRequest::first(),
        };
        let all = everything(params, |p| self.fake.list_repositories(p))
            .await
            .map_err(self.or("Repository"))?;
        let items = all
            .iter()
            .filter(|r| !public_only || r.visibility == Visibility::Public)
            .map(|r| self.repo_json(r, self.is_empty_repo(r)))
            .collect();
        Ok(self.page(orig, items))
    }

    async fn update_repo(&self, repo: &RepoRef, q: &ApiRequest) -> Answer {
        let body: Value = q.json()?;
        let visibility = match (text(&body, "visibility").as_deref(), flag(&body, "private")) {
            (Some("public"), _) => Some(Visibility::Public),
            (Some("private"), _) => Some(Visibility::Private),
            (Some("internal"), _) => Some(Visibility::Internal),
            (_, Some(true)) => Some(Visibility::Private),
            (_, Some(false)) => Some(Visibility::Public),
            _ => None,
        };
        let r = self
            .fake
            .update_repository(UpdateRepository {
                repo: repo.clone(),
                name: text(&body, "name"),
                description: text(&body, "description"),
                visibility,
                default_branch: text(&body, "default_branch"),
                archived: flag(&body, "archived"),
            })
            .await
            .map_err(self.or("Repository"))?;
        Ok(self.repo_answer(StatusCode::OK, &r))
    }

    pub(super) async fn repo_route(
        &self,
        repo: &RepoRef,
        q: &ApiRequest,
        orig: &ApiRequest,
    ) -> Answer {
        let github = self.github_dialect();
        if q.path == "/" {
            return match q.method.as_str() {
                "GET" => {
                    let r = self
                        .fake
                        .get_repository(repo.clone())
                        .await
                        .map_err(self.or("Repository"))?;
                    Ok(self.repo_answer(StatusCode::OK, &r))
                }
                "PATCH" => self.update_repo(repo, q).await,
                "DELETE" => {
                    self.fake
                        .delete_repository(repo.clone())
                        .await
                        .map_err(self.or("Repository"))?;
                    Ok(Self::no_content())
                }
                _ => Err(self.not_found()),
            };
        }
        if q.route("POST", "/forks").is_some() {
            let body = body_of(q)?;
            let r = self
                .fake
                .fork_repository(ForkRepository {
                    repo: repo.clone(),
                    organization: text(&body, "organization"),
                    name: text(&body, "name"),
                })
                .await
                .map_err(self.or("Repository"))?;
            return Ok(self.repo_answer(StatusCode::ACCEPTED, &r));
        }
        if let Some(r) = self.branch_routes(repo, q, orig).await {
            return r;
        }
        if let Some(r) = self.commit_routes(repo, q, orig).await {
            return r;
        }
        if let Some(r) = self.pull_routes(repo, q, orig).await {
            return r;
        }
        if let Some(r) = self.issue_routes(repo, q, orig).await {
            return r;
        }
        if let Some(r) = self.hook_routes(repo, q, orig).await {
            return r;
        }
        if let Some(r) = self.collaborator_routes(repo, q, orig).await {
            return r;
        }
        if let Some(r) = self.file_routes(repo, q).await {
            return r;
        }
        if q.route("GET", "/labels").is_some() && !github {
            return Ok(self.page(orig, Vec::new()));
        }
        if q.route("POST", "/releases").is_some() {
            return self.create_release(repo, q).await;
        }
        if q.route("GET", "/releases").is_some() {
            let all = everything(
                ListReleases {
                    repo: repo.clone(),
                    page: PageRequest::first(),
                },
                |p| self.fake.list_releases(p),
            )
            .await
            .map_err(self.or("Release"))?;
            let items = all.iter().map(|r| self.release_json(r)).collect();
            return Ok(self.page(orig, items));
        }
        Err(self.not_found())
    }

    async fn create_release(&self, repo: &RepoRef, q: &ApiRequest) -> Answer {
        let body: Value = q.json()?;
        let params = CreateRelease {
            repo: repo.clone(),
            tag_name: text(&body, "tag_name").unwrap_or_default(),
            target: text(&body, "target_commitish").filter(|t| !t.is_empty()),
            name: text(&body, "name"),
            body: text(&body, "body"),
            draft: flag(&body, "draft").unwrap_or(false),
            prerelease: flag(&body, "prerelease").unwrap_or(false),
        };
        match self.fake.create_release(params).await {
            Ok(r) => Ok(ApiResponse::created(&self.release_json(&r))),
            Err(e) if e.kind() == ErrorKind::Conflict && self.github_dialect() => {
                Err(self.validation("Release", "tag_name", "already_exists", "already exists"))
            }
            Err(e) => Err(self.fail("Release", e)),
        }
    }

    // ----- branches, refs and tags -----

    async fn branch_routes(
        &self,
        repo: &RepoRef,
        q: &ApiRequest,
        orig: &ApiRequest,
    ) -> Option<Answer> {
        let github = self.github_dialect();
        if q.route("GET", "/branches").is_some() {
            let params = ListBranches {
                repo: repo.clone(),
                page: PageRequest::first(),
            };
            return Some(
                self.listing(
                    orig,
                    "Branch",
                    params,
                    |p| self.fake.list_branches(p),
                    |b| self.branch_json(b),
                )
                .await,
            );
        }
        if let Some(c) = q.route("GET", "/branches/{b*}") {
            let b = self
                .fake
                .get_branch(BranchRef::new(repo.clone(), &c[0]))
                .await;
            return Some(b.map(|b| ApiResponse::ok(&self.branch_json(&b))).map_err(
                |e| match e.kind() {
                    ErrorKind::NotFound if github => {
                        self.error(StatusCode::NOT_FOUND, "Branch not found")
                    }
                    _ => self.fail("Branch", e),
                },
            ));
        }
        if github {
            if q.route("POST", "/git/refs").is_some() {
                return Some(self.create_ref(repo, q).await);
            }
            if let Some(c) = q.route("GET", "/git/ref/{r*}") {
                return Some(self.get_ref(repo, &c[0]).await);
            }
            if let Some(c) = q.route("DELETE", "/git/refs/{r*}") {
                return Some(self.delete_ref(repo, &c[0]).await);
            }
            if q.route("POST", "/git/tags").is_some() {
                return Some(self.create_tag_object(repo, q).await);
            }
            if let Some(c) = q.route("GET", "/git/tags/{sha}") {
                let found = self.tag_objects.lock().get(&c[0]).cloned();
                return Some(match found {
                    Some((tag, message, object)) => Ok(ApiResponse::ok(&json!({
                        "sha": c[0], "tag": tag, "message": message,
                        "object": { "type": "commit", "sha": object },
                    }))),
                    None => Err(self.error(StatusCode::NOT_FOUND, "Not Found")),
                });
            }
        } else {
            if q.route("POST", "/branches").is_some() {
                return Some(self.gitea_create_branch(repo, q).await);
            }
            if let Some(c) = q.route("DELETE", "/branches/{b*}") {
                let r = self
                    .fake
                    .delete_branch(BranchRef::new(repo.clone(), &c[0]))
                    .await;
                return Some(r.map(|()| Self::no_content()).map_err(|e| match e.kind() {
                    ErrorKind::Conflict => self.error(StatusCode::FORBIDDEN, e.message()),
                    _ => self.fail("Branch", e),
                }));
            }
            if q.route("POST", "/tags").is_some() {
                return Some(self.gitea_create_tag(repo, q).await);
            }
            if let Some(c) = q.route("GET", "/tags/{t*}") {
                let t = self
                    .fake
                    .get_tag(TagRef {
                        repo: repo.clone(),
                        name: c[0].clone(),
                    })
                    .await;
                return Some(
                    t.map(|t| ApiResponse::ok(&self.tag_json(&t)))
                        .map_err(self.or("Tag")),
                );
            }
            if let Some(c) = q.route("DELETE", "/tags/{t*}") {
                let r = self
                    .fake
                    .delete_tag(TagRef {
                        repo: repo.clone(),
                        name: c[0].clone(),
                    })
                    .await;
                return Some(r.map(|()| Self::no_content()).map_err(self.or("Tag")));
            }
        }
        if q.route("GET", "/tags").is_some() {
            let params = ListTags {
                repo: repo.clone(),
                page: PageRequest::first(),
            };
            return Some(
                self.listing(
                    orig,
                    "Tag",
                    params,
                    |p| self.fake.list_tags(p),
                    |t| self.tag_json(t),
                )
                .await,
            );
        }
        None
    }

    async fn gitea_create_branch(&self, repo: &RepoRef, q: &ApiRequest) -> Answer {
        let body: Value = q.json()?;
        let name = text(&body, "new_branch_name").unwrap_or_default();
        if name.is_empty() {
            return Err(self.validation("Branch", "NewBranchName", "required", "Required"));
        }
        let from = match text(&body, "old_ref_name")
            .or_else(|| text(&body, "old_branch_name"))
            .filter(|s| !s.is_empty())
        {
            Some(f) => f,
            None => {
                self.fake
                    .get_repository(repo.clone())
                    .await
                    .map_err(self.or("Repository"))?
                    .default_branch
            }
        };
        let created = self
            .fake
            .create_branch(CreateBranch {
                repo: repo.clone(),
                name,
                from,
            })
            .await;
        match created {
            Ok(b) => Ok(ApiResponse::created(&self.branch_json(&b))),
            Err(e) if e.kind() == ErrorKind::Conflict => {
                Err(self.error(StatusCode::CONFLICT, "The branch already exists."))
            }
            Err(e) if e.field() == Some("from") => {
                Err(self.error(StatusCode::NOT_FOUND, "The old branch does not exist"))
            }
            Err(e) => Err(self.fail("Branch", e)),
        }
    }

    async fn gitea_create_tag(&self, repo: &RepoRef, q: &ApiRequest) -> Answer {
        let body: Value = q.json()?;
        let target = match text(&body, "target").filter(|s| !s.is_empty()) {
            Some(t) => t,
            None => {
                self.fake
                    .get_repository(repo.clone())
                    .await
                    .map_err(self.or("Repository"))?
                    .default_branch
            }
        };
        let created = self
            .fake
            .create_tag(CreateTag {
                repo: repo.clone(),
                name: text(&body, "tag_name").unwrap_or_default(),
                target,
                message: text(&body, "message").filter(|m| !m.is_empty()),
            })
            .await;
        match created {
            Ok(t) => Ok(ApiResponse::created(&self.tag_json(&t))),
            Err(e) if e.field() == Some("target") => {
                Err(self.error(StatusCode::NOT_FOUND, "target not found"))
            }
            Err(e) => Err(self.fail("Tag", e)),
        }
    }

    fn tag_object_sha(name: &str, commit: &str, message: &str) -> String {
        crate::fake::digest(&[
            b"tag",
            name.as_bytes(),
            commit.as_bytes(),
            message.as_bytes(),
        ])
    }

    async fn create_tag_object(&self, repo: &RepoRef, q: &ApiRequest) -> Answer {
        let body: Value = q.json()?;
        let tag = text(&body, "tag").unwrap_or_default();
        let message = text(&body, "message").unwrap_or_default();
        let object = text(&body, "object").unwrap_or_default();
        if tag.is_empty() || object.is_empty() {
            let field = if tag.is_empty() { "tag" } else { "object" };
            return Err(self.validation("Tag", field, "missing_field", "is required"));
        }
        let commit = self
            .fake
            .get_commit(CommitRef {
                repo: repo.clone(),
                sha: object,
            })
            .await
            .map_err(|e| match e.kind() {
                ErrorKind::NotFound if self.fake.repository(repo).is_some() => {
                    self.error(StatusCode::UNPROCESSABLE_ENTITY, "Object does not exist")
                }
                _ => self.fail("Tag", e),
            })?;
        let sha = Self::tag_object_sha(&tag, &commit.sha, &message);
        self.tag_objects.lock().insert(
            sha.clone(),
            (tag.clone(), message.clone(), commit.sha.clone()),
        );
        Ok(ApiResponse::created(&json!({
            "sha": sha, "tag": tag, "message": message,
            "object": { "type": "commit", "sha": commit.sha },
        })))
    }

    async fn create_ref(&self, repo: &RepoRef, q: &ApiRequest) -> Answer {
        let body: Value = q.json()?;
        let full = text(&body, "ref").unwrap_or_default();
        let sha = text(&body, "sha").unwrap_or_default();
        let exists = |e: Error| match e.kind() {
            ErrorKind::Conflict => {
                self.error(StatusCode::UNPROCESSABLE_ENTITY, "Reference already exists")
            }
            ErrorKind::InvalidInput if e.field() == Some("from") || e.field() == Some("target") => {
                self.error(StatusCode::UNPROCESSABLE_ENTITY, "Object does not exist")
            }
            _ => self.fail("Reference", e),
        };
        if let Some(name) = full.strip_prefix("refs/heads/") {
            let b = self
                .fake
                .create_branch(CreateBranch {
                    repo: repo.clone(),
                    name: name.to_owned(),
                    from: sha,
                })
                .await
                .map_err(exists)?;
            return Ok(ApiResponse::created(&self.git_ref_json(
                &full,
                "commit",
                &b.commit_sha,
            )));
        }
        if let Some(name) = full.strip_prefix("refs/tags/") {
            let annotated = self.tag_objects.lock().get(&sha).cloned();
            let (target, message) = match &annotated {
                Some((_, message, commit)) => (commit.clone(), Some(message.clone())),
                None => (sha.clone(), None),
            };
            self.fake
                .create_tag(CreateTag {
                    repo: repo.clone(),
                    name: name.to_owned(),
                    target,
                    message,
                })
                .await
                .map_err(exists)?;
            let kind = if annotated.is_some() { "tag" } else { "commit" };
            return Ok(ApiResponse::created(&self.git_ref_json(&full, kind, &sha)));
        }
        Err(self.error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Reference name must start with 'refs/' and have at least two slashes.",
        ))
    }

    async fn get_ref(&self, repo: &RepoRef, name: &str) -> Answer {
        let full = format!("refs/{name}");
        if let Some(branch) = name.strip_prefix("heads/") {
            let b = self
                .fake
                .get_branch(BranchRef::new(repo.clone(), branch))
                .await
                .map_err(self.or("Reference"))?;
            return Ok(ApiResponse::ok(&self.git_ref_json(
                &full,
                "commit",
                &b.commit_sha,
            )));
        }
        if let Some(tag) = name.strip_prefix("tags/") {
            let t = self
                .fake
                .get_tag(TagRef {
                    repo: repo.clone(),
                    name: tag.to_owned(),
                })
                .await
                .map_err(self.or("Reference"))?;
            return Ok(ApiResponse::ok(&match &t.message {
                Some(m) => {
                    let sha = Self::tag_object_sha(&t.name, &t.sha, m);
                    self.tag_objects
                        .lock()
                        .insert(sha.clone(), (t.name.clone(), m.clone(), t.sha.clone()));
                    self.git_ref_json(&full, "tag", &sha)
                }
                None => self.git_ref_json(&full, "commit", &t.sha),
            }));
        }
        Err(self.not_found())
    }

    async fn delete_ref(&self, repo: &RepoRef, name: &str) -> Answer {
        let gone = |e: Error| match e.kind() {
            ErrorKind::NotFound if self.fake.repository(repo).is_some() => {
                self.error(StatusCode::UNPROCESSABLE_ENTITY, "Reference does not exist")
            }
            ErrorKind::Conflict => self.error(StatusCode::UNPROCESSABLE_ENTITY, e.message()),
            _ => self.fail("Reference", e),
        };
        if let Some(branch) = name.strip_prefix("heads/") {
            self.fake
                .delete_branch(BranchRef::new(repo.clone(), branch))
                .await
                .map_err(gone)?;
            return Ok(Self::no_content());
        }
        if let Some(tag) = name.strip_prefix("tags/") {
            self.fake
                .delete_tag(TagRef {
                    repo: repo.clone(),
                    name: tag.to_owned(),
                })
                .await
                .map_err(gone)?;
            return Ok(Self::no_content());
        }
        Err(self.error(StatusCode::UNPROCESSABLE_ENTITY, "Reference does not exist"))
    }

    // ----- commits, comparisons and statuses -----

    async fn commit_routes(
        &self,
        repo: &RepoRef,
        q: &ApiRequest,
        orig: &ApiRequest,
    ) -> Option<Answer> {
        let github = self.github_dialect();
        if let Some(c) = q
            .route("GET", "/commits/{r}/statuses")
            .or_else(|| q.route("GET", "/statuses/{r}").filter(|_| !github))
        {
            let params = ListCommitStatuses {
                repo: repo.clone(),
                sha: c[0].clone(),
                page: PageRequest::first(),
            };
            return Some(
                everything(params, |p| self.fake.list_commit_statuses(p))
                    .await
                    .map_err(self.or("Status"))
                    .map(|all| {
                        let n = all.len();
                        let items = all
                            .iter()
                            .enumerate()
                            .map(|(i, s)| self.status_json(s, n - i))
                            .collect();
                        self.page(orig, items)
                    }),
            );
        }
        if let Some(c) = q.route("POST", "/statuses/{sha}") {
            return Some(self.create_status(repo, q, &c[0]).await);
        }
        let one = if github {
            q.route("GET", "/commits/{r}")
        } else {
            q.route("GET", "/git/commits/{r}")
        };
        if let Some(c) = one {
            let got = self
                .fake
                .get_commit(CommitRef {
                    repo: repo.clone(),
                    sha: c[0].clone(),
                })
                .await;
            return Some(
                got.map(|commit| ApiResponse::ok(&self.commit_json(repo, &commit)))
                    .map_err(|e| match e.kind() {
                        ErrorKind::NotFound if github && self.fake.repository(repo).is_some() => {
                            self.error(
                                StatusCode::UNPROCESSABLE_ENTITY,
                                &format!("No commit found for SHA: {}", c[0]),
                            )
                        }
                        _ => self.fail("Commit", e),
                    }),
            );
        }
        if q.route("GET", "/commits").is_some() {
            let params = ListCommits {
                repo: repo.clone(),
                reference: q.query("sha").map(str::to_owned),
                path: q.query("path").map(str::to_owned),
                page: PageRequest::first(),
            };
            return Some(
                self.listing(
                    orig,
                    "Commit",
                    params,
                    |p| self.fake.list_commits(p),
                    |c| self.commit_json(repo, c),
                )
                .await,
            );
        }
        if let Some(c) = q.route("GET", "/compare/{basehead}") {
            let Some((base, head)) = c[0].split_once("...") else {
                return Some(Err(self.not_found()));
            };
            let got = self
                .fake
                .compare_commits(CompareCommits {
                    repo: repo.clone(),
                    base: base.to_owned(),
                    head: head.to_owned(),
                })
                .await;
            return Some(got.map_err(self.or("Commit")).map(|cmp| {
                let commits: Vec<Value> = cmp
                    .commits
                    .iter()
                    .map(|c| self.commit_json(repo, c))
                    .collect();
                let status = match cmp.status {
                    CompareStatus::Ahead => "ahead",
                    CompareStatus::Behind => "behind",
                    CompareStatus::Identical => "identical",
                    CompareStatus::Diverged => "diverged",
                };
                let files: Vec<Value> = cmp
                    .files
                    .iter()
                    .map(|f| {
                        json!({
                            "filename": f.path, "status": f.status,
                            "additions": f.additions, "deletions": f.deletions,
                            "changes": f.additions + f.deletions,
                        })
                    })
                    .collect();
                ApiResponse::ok(&json!({
                    "status": status, "ahead_by": cmp.ahead_by, "behind_by": cmp.behind_by,
                    "total_commits": cmp.ahead_by, "commits": commits, "files": files,
                }))
            }));
        }
        None
    }

    async fn create_status(&self, repo: &RepoRef, q: &ApiRequest, sha: &str) -> Answer {
        let body: Value = q.json()?;
        let raw = text(&body, "state").unwrap_or_default();
        let Some(state) = status_state(&raw) else {
            return Err(self.validation(
                "Status",
                "state",
                "invalid",
                "is not included in the list",
            ));
        };
        let s = self
            .fake
            .create_commit_status(CreateCommitStatus {
                repo: repo.clone(),
                sha: sha.to_owned(),
                state,
                context: text(&body, "context").unwrap_or_default(),
                description: text(&body, "description"),
                target_url: text(&body, "target_url"),
            })
            .await
            .map_err(|e| match e.kind() {
                ErrorKind::NotFound
                    if self.github_dialect() && self.fake.repository(repo).is_some() =>
                {
                    self.error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        &format!("No commit found for SHA: {sha}"),
                    )
                }
                _ => self.fail("Status", e),
            })?;
        Ok(ApiResponse::created(&self.status_json(&s, 1)))
    }
}

pub(super) fn pr_number(s: &str) -> Option<u64> {
    number(s)
}

pub(super) fn pr_state_filter(q: &ApiRequest) -> StateFilter {
    state_filter(q)
}

pub(super) fn optional_body(q: &ApiRequest) -> Result<Value, ApiResponse> {
    body_of(q)
}
