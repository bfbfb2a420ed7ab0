//! The routes under `/projects/{id}`.

use http::StatusCode;
use mosaic_core::git::*;
use mosaic_core::{ErrorKind, PageRequest};
use serde_json::{Value, json};

use super::{Answer, GitLabApi, message};
use crate::double::forge::{b64_decode, b64_encode, everything, text, texts};
use crate::double::{ApiRequest, ApiResponse};

fn iid(s: &str) -> Option<u64> {
    s.parse().ok()
}

fn labels_of(body: &Value) -> Option<Vec<String>> {
    match body.get("labels") {
        Some(Value::String(s)) => Some(
            s.split(',')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
        Some(Value::Array(_)) => texts(body, "labels"),
        _ => None,
    }
}

impl GitLabApi {
    pub(super) fn user_name(&self, id: u64) -> Option<String> {
        self.users.lock().get(&id).cloned()
    }

    pub(super) async fn repository_route(
        &self,
        repo: &RepoRef,
        q: &ApiRequest,
        orig: &ApiRequest,
    ) -> Option<Answer> {
        if q.route("GET", "/repository/branches").is_some() {
            let params = ListBranches {
                repo: repo.clone(),
                page: PageRequest::first(),
            };
            return Some(
                self.listing(
                    orig,
                    "Project",
                    params,
                    |p| self.fake.list_branches(p),
                    |b| self.branch_json(repo, b),
                )
                .await,
            );
        }
        if q.route("POST", "/repository/branches").is_some() {
            let body = match Self::params(q) {
                Ok(b) => b,
                Err(e) => return Some(Err(e)),
            };
            let (Some(name), Some(from)) = (text(&body, "branch"), text(&body, "ref")) else {
                return Some(Err(Self::missing("branch, ref")));
            };
            let created = self
                .fake
                .create_branch(CreateBranch {
                    repo: repo.clone(),
                    name,
                    from,
                })
                .await;
            return Some(match created {
                Ok(b) => Ok(ApiResponse::created(&self.branch_json(repo, &b))),
                Err(e) if e.kind() == ErrorKind::Conflict => {
                    Err(message(StatusCode::BAD_REQUEST, "Branch already exists"))
                }
                Err(e) if e.field() == Some("from") => {
                    Err(message(StatusCode::BAD_REQUEST, "Invalid reference name"))
                }
                Err(e) => Err(self.fail("Branch", e)),
            });
        }
        if let Some(c) = q
            .route("GET", "/repository/branches/{b}")
            .or_else(|| q.route("DELETE", "/repository/branches/{b}"))
        {
            let bref = BranchRef::new(repo.clone(), &c[0]);
            return Some(if q.method == "GET" {
                self.fake
                    .get_branch(bref)
                    .await
                    .map(|b| ApiResponse::ok(&self.branch_json(repo, &b)))
                    .map_err(self.or("Branch"))
            } else {
                self.fake
                    .delete_branch(bref)
                    .await
                    .map(|()| ApiResponse::empty(StatusCode::NO_CONTENT))
                    .map_err(|e| match e.kind() {
                        ErrorKind::Conflict => message(StatusCode::FORBIDDEN, "403 Forbidden"),
                        _ => self.fail("Branch", e),
                    })
            });
        }
        if let Some(c) = q.route("GET", "/repository/commits/{sha}/statuses") {
            let sha = c[0].clone();
            let params = ListCommitStatuses {
                repo: repo.clone(),
                sha: sha.clone(),
                page: PageRequest::first(),
            };
            return Some(
                everything(params, |p| self.fake.list_commit_statuses(p))
                    .await
                    .map_err(self.or("Commit"))
                    .map(|all| {
                        let n = all.len();
                        let items = all
                            .iter()
                            .enumerate()
                            .map(|(i, s)| self.status_json(s, &sha, n - i))
                            .collect();
                        self.page(orig, items)
                    }),
            );
        }
        if let Some(c) = q.route("GET", "/repository/commits/{sha}") {
            return Some(
                self.fake
                    .get_commit(CommitRef {
                        repo: repo.clone(),
                        sha: c[0].clone(),
                    })
                    .await
                    .map(|c| ApiResponse::ok(&self.commit_json(&c)))
                    .map_err(self.or("Commit")),
            );
        }
        if q.route("GET", "/repository/commits").is_some() {
            let params = ListCommits {
                repo: repo.clone(),
                reference: q.query("ref_name").map(str::to_owned),
                path: q.query("path").map(str::to_owned),
                page: PageRequest::first(),
            };
            return Some(
                self.listing(
                    orig,
                    "Commit",
                    params,
                    |p| self.fake.list_commits(p),
                    |c| self.commit_json(c),
                )
                .await,
            );
        }
        if q.route("POST", "/repository/commits").is_some() {
            return Some(self.create_commit(repo, q).await);
        }
        if let Some(c) = q
            .route("GET", "/repository/files/{path}")
            .or_else(|| q.route("HEAD", "/repository/files/{path}"))
        {
            return Some(self.get_file(repo, q, &c[0]).await);
        }
        self.tag_route(repo, q, orig).await
    }

    async fn create_commit(&self, repo: &RepoRef, q: &ApiRequest) -> Answer {
        let body = Self::params(q)?;
        let (Some(branch), Some(msg)) = (text(&body, "branch"), text(&body, "commit_message"))
        else {
            return Err(Self::missing("branch, commit_message, actions"));
        };
        let Some(actions) = body.get("actions").and_then(Value::as_array) else {
            return Err(Self::missing("actions"));
        };
        let mut changes = Vec::with_capacity(actions.len());
        for a in actions {
            let path = text(a, "file_path").unwrap_or_default();
            let raw = text(a, "content").unwrap_or_default();
            let content = if text(a, "encoding").as_deref() == Some("base64") {
                b64_decode(&raw).ok_or_else(|| {
                    message(StatusCode::BAD_REQUEST, "content is not valid Base64")
                })?
            } else {
                raw.into_bytes()
            };
            changes.push(match text(a, "action").as_deref() {
                Some("create") => FileChange::Create { path, content },
                Some("update") => FileChange::Update { path, content },
                Some("delete") => FileChange::Delete { path },
                _ => {
                    return Err(ApiResponse::json(
                        StatusCode::BAD_REQUEST,
                        &json!({ "error": "actions[0][action] does not have a valid value" }),
                    ));
                }
            });
        }
        let author = match (text(&body, "author_name"), text(&body, "author_email")) {
            (Some(name), Some(email)) => Some(Signature {
                name,
                email,
                date: None,
            }),
            _ => None,
        };
        let done = self
            .fake
            .create_commit(CreateCommit {
                repo: repo.clone(),
                branch,
                message: msg,
                changes,
                author,
            })
            .await;
        match done {
            Ok(c) => Ok(ApiResponse::created(&self.commit_json(&c))),
            Err(e) if e.kind() == ErrorKind::Conflict && e.message().contains("already exists") => {
                Err(message(
                    StatusCode::BAD_REQUEST,
                    "A file with this name already exists",
                ))
            }
            Err(e) if e.kind() == ErrorKind::NotFound && e.message().contains("file") => {
                Err(message(
                    StatusCode::BAD_REQUEST,
                    "A file with this name doesn't exist",
                ))
            }
            Err(e) => Err(match e.kind() {
                ErrorKind::Conflict => message(StatusCode::BAD_REQUEST, e.message()),
                _ => self.fail("Commit", e),
            }),
        }
    }

    async fn get_file(&self, repo: &RepoRef, q: &ApiRequest, path: &str) -> Answer {
        let Some(reference) = q.query("ref").filter(|r| !r.is_empty()) else {
            return Err(Self::missing("ref"));
        };
        let f = self
            .fake
            .get_file(GetFile {
                repo: repo.clone(),
                path: path.to_owned(),
                reference: Some(reference.to_owned()),
            })
            .await
            .map_err(self.or("File"))?;
        let commit = self
            .fake
            .get_commit(CommitRef {
                repo: repo.clone(),
                sha: reference.to_owned(),
            })
            .await
            .map_err(self.or("Commit"))?;
        let name = path.rsplit('/').next().unwrap_or(path);
        if q.method == "HEAD" {
            return Ok(ApiResponse::empty(StatusCode::OK)
                .with_header("x-gitlab-blob-id", &f.sha)
                .with_header("x-gitlab-commit-id", &commit.sha)
                .with_header("x-gitlab-file-name", name)
                .with_header("x-gitlab-file-path", path)
                .with_header("x-gitlab-ref", reference)
                .with_header("x-gitlab-size", f.content.len().to_string())
                .with_header("x-gitlab-encoding", "base64"));
        }
        Ok(ApiResponse::ok(&json!({
            "file_name": name, "file_path": path, "size": f.content.len(),
            "encoding": "base64", "content": b64_encode(&f.content), "ref": reference,
            "blob_id": f.sha, "commit_id": commit.sha, "last_commit_id": commit.sha,
        })))
    }

    async fn tag_route(&self, repo: &RepoRef, q: &ApiRequest, orig: &ApiRequest) -> Option<Answer> {
        let tag_json = |t: &Tag| {
            json!({
                "name": t.name, "message": t.message, "target": t.sha,
                "commit": { "id": t.sha }, "release": null, "protected": false,
            })
        };
        if q.route("GET", "/repository/tags").is_some() {
            let params = ListTags {
                repo: repo.clone(),
                page: PageRequest::first(),
            };
            return Some(
                everything(params, |p| self.fake.list_tags(p))
                    .await
                    .map_err(self.or("Tag"))
                    .map(|all| self.page(orig, all.iter().map(tag_json).collect())),
            );
        }
        if q.route("POST", "/repository/tags").is_some() {
            let body = match Self::params(q) {
                Ok(b) => b,
                Err(e) => return Some(Err(e)),
            };
            let (Some(name), Some(target)) = (text(&body, "tag_name"), text(&body, "ref")) else {
                return Some(Err(Self::missing("tag_name, ref")));
            };
            let created = self
                .fake
                .create_tag(CreateTag {
                    repo: repo.clone(),
                    name: name.clone(),
                    target,
                    message: text(&body, "message").filter(|m| !m.is_empty()),
                })
                .await;
            return Some(match created {
                Ok(t) => Ok(ApiResponse::created(&tag_json(&t))),
                Err(e) if e.kind() == ErrorKind::Conflict => Err(message(
                    StatusCode::BAD_REQUEST,
                    format!("Tag {name} already exists"),
                )),
                Err(e) if e.field() == Some("target") => {
                    Err(message(StatusCode::BAD_REQUEST, "Target  is invalid"))
                }
                Err(e) => Err(self.fail("Tag", e)),
            });
        }
        let c = q
            .route("GET", "/repository/tags/{t}")
            .or_else(|| q.route("DELETE", "/repository/tags/{t}"))?;
        let tref = TagRef {
            repo: repo.clone(),
            name: c[0].clone(),
        };
        Some(if q.method == "GET" {
            self.fake
                .get_tag(tref)
                .await
                .map(|t| ApiResponse::ok(&tag_json(&t)))
                .map_err(self.or("Tag"))
        } else {
            self.fake
                .delete_tag(tref)
                .await
                .map(|()| ApiResponse::empty(StatusCode::NO_CONTENT))
                .map_err(self.or("Tag"))
        })
    }

    pub(super) async fn mr_route(
        &self,
        repo: &RepoRef,
        q: &ApiRequest,
        orig: &ApiRequest,
    ) -> Option<Answer> {
        if q.route("GET", "/merge_requests").is_some() {
            let state = q.query("state").unwrap_or("all");
            let params = ListPullRequests {
                repo: repo.clone(),
                state: StateFilter::All,
                page: PageRequest::first(),
            };
            return Some(
                everything(params, |p| self.fake.list_pull_requests(p))
                    .await
                    .map_err(self.or("Project"))
                    .map(|all| {
                        let items = all
                            .iter()
                            .filter(|p| match state {
                                "opened" => p.state == PullRequestState::Open,
                                "closed" => p.state == PullRequestState::Closed,
                                "merged" => p.state == PullRequestState::Merged,
                                _ => true,
                            })
                            .map(|p| self.mr_json(p))
                            .collect();
                        self.page(orig, items)
                    }),
            );
        }
        if q.route("POST", "/merge_requests").is_some() {
            return Some(self.create_mr(repo, q).await);
        }
        if let Some(c) = q.route("PUT", "/merge_requests/{iid}/merge") {
            let n = iid(&c[0])?;
            return Some(self.merge_mr(repo, q, n).await);
        }
        let c = q
            .route("GET", "/merge_requests/{iid}")
            .or_else(|| q.route("PUT", "/merge_requests/{iid}"))?;
        let n = iid(&c[0])?;
        if q.method == "GET" {
            return Some(
                self.fake
                    .get_pull_request(PullRequestRef {
                        repo: repo.clone(),
                        number: n,
                    })
                    .await
                    .map(|p| ApiResponse::ok(&self.mr_json(&p)))
                    .map_err(self.or("Merge Request")),
            );
        }
        let body = match Self::params(q) {
            Ok(b) => b,
            Err(e) => return Some(Err(e)),
        };
        let state = match text(&body, "state_event").as_deref() {
            Some("close") => Some(PullRequestState::Closed),
            Some("reopen") => Some(PullRequestState::Open),
            _ => None,
        };
        Some(
            self.fake
                .update_pull_request(UpdatePullRequest {
                    repo: repo.clone(),
                    number: n,
                    title: text(&body, "title"),
                    body: text(&body, "description"),
                    state,
                    base: text(&body, "target_branch"),
                })
                .await
                .map(|p| ApiResponse::ok(&self.mr_json(&p)))
                .map_err(self.or("Merge Request")),
        )
    }

    async fn create_mr(&self, repo: &RepoRef, q: &ApiRequest) -> Answer {
        let body = Self::params(q)?;
        let (Some(head), Some(base), Some(title)) = (
            text(&body, "source_branch"),
            text(&body, "target_branch"),
            text(&body, "title"),
        ) else {
            return Err(Self::missing("source_branch, target_branch, title"));
        };
        let created = self
            .fake
            .create_pull_request(CreatePullRequest {
                repo: repo.clone(),
                title,
                body: text(&body, "description"),
                head,
                base,
                draft: false,
            })
            .await;
        match created {
            Ok(p) => Ok(ApiResponse::created(&self.mr_json(&p))),
            Err(e) if e.kind() == ErrorKind::Conflict => Err(ApiResponse::json(
                StatusCode::CONFLICT,
                &json!({ "message": [format!("Another open merge request already exists for this source branch: {}", e.message())] }),
            )),
            Err(e) => Err(self.fail("Merge Request", e)),
        }
    }

    async fn merge_mr(&self, repo: &RepoRef, q: &ApiRequest, n: u64) -> Answer {
        let body = Self::params(q)?;
        let squash = body.get("squash").and_then(Value::as_bool).unwrap_or(false);
        let msg = if squash {
            text(&body, "squash_commit_message")
        } else {
            text(&body, "merge_commit_message")
        };
        let merged = self
            .fake
            .merge_pull_request(MergePullRequest {
                repo: repo.clone(),
                number: n,
                method: if squash {
                    MergeMethod::Squash
                } else {
                    MergeMethod::Merge
                },
                commit_title: msg,
                commit_message: None,
                sha: text(&body, "sha"),
            })
            .await;
        match merged {
            Ok(_) => {
                let p = self
                    .fake
                    .pull_request(repo, n)
                    .ok_or_else(|| message(StatusCode::NOT_FOUND, "404 Merge Request Not Found"))?;
                Ok(ApiResponse::ok(&self.mr_json(&p)))
            }
            Err(e) if e.kind() == ErrorKind::Conflict && e.message().contains("modified") => {
                Err(message(
                    StatusCode::CONFLICT,
                    "SHA does not match HEAD of source branch",
                ))
            }
            Err(e) if e.kind() == ErrorKind::Conflict => Err(message(
                StatusCode::METHOD_NOT_ALLOWED,
                "405 Method Not Allowed",
            )),
            Err(e) => Err(self.fail("Merge Request", e)),
        }
    }

    pub(super) async fn issue_route(
        &self,
        repo: &RepoRef,
        q: &ApiRequest,
        orig: &ApiRequest,
    ) -> Option<Answer> {
        if q.route("GET", "/issues").is_some() {
            let state = match q.query("state") {
                Some("opened") => StateFilter::Open,
                Some("closed") => StateFilter::Closed,
                _ => StateFilter::All,
            };
            let params = ListIssues {
                repo: repo.clone(),
                state,
                labels: labels_of(&json!({ "labels": q.query("labels").unwrap_or("") }))
                    .unwrap_or_default(),
                page: PageRequest::first(),
            };
            return Some(
                everything(params, |p| self.fake.list_issues(p))
                    .await
                    .map_err(self.or("Project"))
                    .map(|all| self.page(orig, all.iter().map(|i| self.issue_json(i)).collect())),
            );
        }
        let body = match Self::params(q) {
            Ok(b) => b,
            Err(e) => return Some(Err(e)),
        };
        let assignees = body
            .get("assignee_ids")
            .and_then(Value::as_array)
            .map(|ids| {
                ids.iter()
                    .filter_map(Value::as_u64)
                    .filter_map(|id| self.user_name(id))
                    .collect::<Vec<_>>()
            });
        if q.route("POST", "/issues").is_some() {
            let Some(title) = text(&body, "title") else {
                return Some(Err(Self::missing("title")));
            };
            return Some(
                self.fake
                    .create_issue(CreateIssue {
                        repo: repo.clone(),
                        title,
                        body: text(&body, "description"),
                        labels: labels_of(&body).unwrap_or_default(),
                        assignees: assignees.unwrap_or_default(),
                    })
                    .await
                    .map(|i| ApiResponse::created(&self.issue_json(&i)))
                    .map_err(self.or("Issue")),
            );
        }
        let c = q
            .route("GET", "/issues/{iid}")
            .or_else(|| q.route("PUT", "/issues/{iid}"))?;
        let n = iid(&c[0])?;
        if q.method == "GET" {
            return Some(
                self.fake
                    .get_issue(IssueRef {
                        repo: repo.clone(),
                        number: n,
                    })
                    .await
                    .map(|i| ApiResponse::ok(&self.issue_json(&i)))
                    .map_err(self.or("Issue")),
            );
        }
        let state = match text(&body, "state_event").as_deref() {
            Some("close") => Some(IssueState::Closed),
            Some("reopen") => Some(IssueState::Open),
            _ => None,
        };
        Some(
            self.fake
                .update_issue(UpdateIssue {
                    repo: repo.clone(),
                    number: n,
                    title: text(&body, "title"),
                    body: text(&body, "description"),
                    state,
                    labels: labels_of(&body),
                    assignees,
                })
                .await
                .map(|i| ApiResponse::ok(&self.issue_json(&i)))
                .map_err(self.or("Issue")),
        )
    }
}
