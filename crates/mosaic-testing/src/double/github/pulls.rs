//! Pull requests and issues (which on both APIs share their numbers, and
//! whose listing shows pull requests too).

use http::StatusCode;
use mosaic_core::git::*;
use mosaic_core::{ErrorKind, PageRequest};
use serde_json::Value;

use super::handlers::{optional_body, pr_number, pr_state_filter};
use super::{Answer, GitHubApi};
use crate::double::forge::{everything, go_field, text, texts};
use crate::double::{ApiRequest, ApiResponse};

impl GitHubApi {
    fn pr_answer(&self, status: StatusCode, repo: &RepoRef, p: &PullRequest) -> ApiResponse {
        let base_sha = self.fake.branch_head(repo, &p.base);
        ApiResponse::json(status, &self.pr_json(repo, p, base_sha))
    }

    async fn pulls(
        &self,
        repo: &RepoRef,
        state: StateFilter,
    ) -> Result<Vec<PullRequest>, ApiResponse> {
        let params = ListPullRequests {
            repo: repo.clone(),
            state,
            page: PageRequest::first(),
        };
        everything(params, |p| self.fake.list_pull_requests(p))
            .await
            .map_err(|e| self.fail("PullRequest", e))
    }

    pub(super) async fn pull_routes(
        &self,
        repo: &RepoRef,
        q: &ApiRequest,
        orig: &ApiRequest,
    ) -> Option<Answer> {
        let github = self.github_dialect();
        if q.route("GET", "/pulls").is_some() {
            return Some(self.pulls(repo, pr_state_filter(q)).await.map(|all| {
                let items = all
                    .iter()
                    .map(|p| self.pr_json(repo, p, self.fake.branch_head(repo, &p.base)))
                    .collect();
                self.page(orig, items)
            }));
        }
        if q.route("POST", "/pulls").is_some() {
            return Some(self.create_pull(repo, q).await);
        }
        let merge = if github {
            q.route("PUT", "/pulls/{n}/merge")
        } else {
            q.route("POST", "/pulls/{n}/merge")
        };
        if let Some(c) = merge {
            let Some(n) = pr_number(&c[0]) else {
                return Some(Err(self.error(StatusCode::NOT_FOUND, "Not Found")));
            };
            return Some(self.merge_pull(repo, q, n).await);
        }
        let c = q
            .route("GET", "/pulls/{n}")
            .or_else(|| q.route("PATCH", "/pulls/{n}"))?;
        let Some(n) = pr_number(&c[0]) else {
            return Some(Err(self.error(StatusCode::NOT_FOUND, "Not Found")));
        };
        Some(if q.method == "GET" {
            self.fake
                .get_pull_request(PullRequestRef {
                    repo: repo.clone(),
                    number: n,
                })
                .await
                .map(|p| self.pr_answer(StatusCode::OK, repo, &p))
                .map_err(|e| self.fail("PullRequest", e))
        } else {
            self.update_pull(repo, q, n).await
        })
    }

    async fn create_pull(&self, repo: &RepoRef, q: &ApiRequest) -> Answer {
        let github = self.github_dialect();
        let body: Value = q.json()?;
        // `head` may be `owner:branch`
        let head = text(&body, "head").unwrap_or_default();
        let head = head
            .split_once(':')
            .map_or(head.clone(), |(_, b)| b.to_owned());
        let params = CreatePullRequest {
            repo: repo.clone(),
            title: text(&body, "title").unwrap_or_default(),
            body: text(&body, "body"),
            head,
            base: text(&body, "base").unwrap_or_default(),
            draft: github && body.get("draft").and_then(Value::as_bool).unwrap_or(false),
        };
        match self.fake.create_pull_request(params).await {
            Ok(p) => Ok(self.pr_answer(StatusCode::CREATED, repo, &p)),
            Err(e) if e.kind() == ErrorKind::Conflict => Err(if github {
                self.validation("PullRequest", "head", "custom", e.message())
            } else {
                self.error(StatusCode::CONFLICT, e.message())
            }),
            Err(e) => Err(self.fail("PullRequest", e)),
        }
    }

    async fn update_pull(&self, repo: &RepoRef, q: &ApiRequest, n: u64) -> Answer {
        let body: Value = q.json()?;
        let state = match text(&body, "state").as_deref() {
            None => None,
            Some("open") => Some(PullRequestState::Open),
            Some("closed") => Some(PullRequestState::Closed),
            Some(_) => {
                return Err(self.validation(
                    "PullRequest",
                    "state",
                    "invalid",
                    "must be open or closed",
                ));
            }
        };
        self.fake
            .update_pull_request(UpdatePullRequest {
                repo: repo.clone(),
                number: n,
                title: text(&body, "title"),
                body: text(&body, "body"),
                state,
                base: text(&body, "base"),
            })
            .await
            .map(|p| self.pr_answer(StatusCode::OK, repo, &p))
            .map_err(|e| self.fail("PullRequest", e))
    }

    async fn merge_pull(&self, repo: &RepoRef, q: &ApiRequest, n: u64) -> Answer {
        let github = self.github_dialect();
        let body = optional_body(q)?;
        let (method, title, message, sha) = if github {
            let method = match text(&body, "merge_method").as_deref() {
                None | Some("merge") => MergeMethod::Merge,
                Some("squash") => MergeMethod::Squash,
                Some("rebase") => MergeMethod::Rebase,
                Some(_) => {
                    return Err(self.validation(
                        "PullRequest",
                        "merge_method",
                        "invalid",
                        "must be merge, squash or rebase",
                    ));
                }
            };
            (
                method,
                text(&body, "commit_title"),
                text(&body, "commit_message"),
                text(&body, "sha"),
            )
        } else {
            let (style, title, message, sha) = self.gitea_merge_options(&body);
            let method = match style.as_deref() {
                None => return Err(self.validation("PullRequest", "Do", "required", "Required")),
                Some("merge") => MergeMethod::Merge,
                Some("squash") => MergeMethod::Squash,
                Some("rebase" | "rebase-merge") => MergeMethod::Rebase,
                Some(other) => {
                    return Err(self.error(
                        StatusCode::METHOD_NOT_ALLOWED,
                        &format!("merge style `{other}` is not allowed"),
                    ));
                }
            };
            (method, title, message, sha)
        };
        let merged = self
            .fake
            .merge_pull_request(MergePullRequest {
                repo: repo.clone(),
                number: n,
                method,
                commit_title: title,
                commit_message: message,
                sha,
            })
            .await
            .map_err(|e| match e.kind() {
                ErrorKind::Conflict if e.message().contains("head branch was modified") => self
                    .error(
                        StatusCode::CONFLICT,
                        if github {
                            "Head branch was modified. Review and try the merge again."
                        } else {
                            "head out of date"
                        },
                    ),
                ErrorKind::Conflict => self.error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    if github {
                        "Pull Request is not mergeable"
                    } else if e.message().contains("already merged") {
                        "The PR is already merged"
                    } else {
                        "Please try again later"
                    },
                ),
                _ => self.fail("PullRequest", e),
            })?;
        if github {
            Ok(ApiResponse::ok(&serde_json::json!({
                "sha": merged.sha, "merged": true, "message": "Pull Request successfully merged",
            })))
        } else {
            Ok(ApiResponse::empty(StatusCode::OK))
        }
    }

    /// The merge options of a Gitea merge body, under the names the
    /// reported version uses: (style, title, message, head commit).
    fn gitea_merge_options(
        &self,
        body: &Value,
    ) -> (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    ) {
        let (title, message) = if self.dialect.snake_case_merge_fields() {
            ("merge_title_field", "merge_message_field")
        } else {
            ("MergeTitleField", "MergeMessageField")
        };
        let s = |name: &str| {
            go_field(body, name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        (s("do"), s(title), s(message), s("head_commit_id"))
    }

    // ----- issues -----

    pub(super) async fn issue_routes(
        &self,
        repo: &RepoRef,
        q: &ApiRequest,
        orig: &ApiRequest,
    ) -> Option<Answer> {
        if q.route("GET", "/issues").is_some() {
            return Some(self.list_issues(repo, q, orig).await);
        }
        if q.route("POST", "/issues").is_some() {
            return Some(self.create_issue(repo, q).await);
        }
        let c = q
            .route("GET", "/issues/{n}")
            .or_else(|| q.route("PATCH", "/issues/{n}"))?;
        let Some(n) = pr_number(&c[0]) else {
            return Some(Err(self.error(StatusCode::NOT_FOUND, "Not Found")));
        };
        let iref = IssueRef {
            repo: repo.clone(),
            number: n,
        };
        if q.method == "GET" {
            let got = self.fake.get_issue(iref).await;
            return Some(match got {
                Ok(i) => Ok(ApiResponse::ok(&self.issue_json(&i))),
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    match self.fake.pull_request(repo, n) {
                        Some(p) => Ok(ApiResponse::ok(&self.pr_as_issue(&p))),
                        None => Err(self.fail("Issue", e)),
                    }
                }
                Err(e) => Err(self.fail("Issue", e)),
            });
        }
        Some(self.update_issue(repo, q, n).await)
    }

    /// Label names of an issue body: GitHub takes names (or objects with
    /// a name); Gitea takes ids, and the double's repositories have no
    /// labels, so any id is unknown.
    fn labels(&self, body: &Value) -> Result<Option<Vec<String>>, ApiResponse> {
        let Some(list) = body.get("labels").and_then(Value::as_array) else {
            return Ok(None);
        };
        if !self.github_dialect() {
            if list.is_empty() {
                return Ok(Some(Vec::new()));
            }
            return Err(self.validation("Issue", "Labels", "invalid", "label does not exist"));
        }
        Ok(Some(
            list.iter()
                .filter_map(|l| l.as_str().or_else(|| l.get("name").and_then(Value::as_str)))
                .map(str::to_owned)
                .collect(),
        ))
    }

    async fn create_issue(&self, repo: &RepoRef, q: &ApiRequest) -> Answer {
        let body: Value = q.json()?;
        let labels = self.labels(&body)?.unwrap_or_default();
        self.fake
            .create_issue(CreateIssue {
                repo: repo.clone(),
                title: text(&body, "title").unwrap_or_default(),
                body: text(&body, "body"),
                labels,
                assignees: texts(&body, "assignees").unwrap_or_default(),
            })
            .await
            .map(|i| ApiResponse::created(&self.issue_json(&i)))
            .map_err(|e| self.fail("Issue", e))
    }

    async fn update_issue(&self, repo: &RepoRef, q: &ApiRequest, n: u64) -> Answer {
        let body: Value = q.json()?;
        let state = match text(&body, "state").as_deref() {
            None => None,
            Some("open") => Some(IssueState::Open),
            Some("closed") => Some(IssueState::Closed),
            Some(_) => {
                return Err(self.validation("Issue", "state", "invalid", "must be open or closed"));
            }
        };
        let labels = self.labels(&body)?;
        self.fake
            .update_issue(UpdateIssue {
                repo: repo.clone(),
                number: n,
                title: text(&body, "title"),
                body: text(&body, "body"),
                state,
                labels,
                assignees: texts(&body, "assignees"),
            })
            .await
            .map(|i| ApiResponse::ok(&self.issue_json(&i)))
            .map_err(|e| self.fail("Issue", e))
    }

    /// Issues and, unless Gitea's `type=issues` says otherwise, pull
    /// requests, newest first.
    async fn list_issues(&self, repo: &RepoRef, q: &ApiRequest, orig: &ApiRequest) -> Answer {
        let state = pr_state_filter(q);
        let labels: Vec<String> = q
            .query("labels")
            .map(|l| {
                l.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let kind = if self.github_dialect() {
            None
        } else {
            q.query("type")
        };
        let mut numbered: Vec<(u64, Value)> = Vec::new();
        if kind != Some("pulls") {
            let params = ListIssues {
                repo: repo.clone(),
                state,
                labels: labels.clone(),
                page: PageRequest::first(),
            };
            let issues = everything(params, |p| self.fake.list_issues(p))
                .await
                .map_err(|e| self.fail("Issue", e))?;
            numbered.extend(issues.iter().map(|i| (i.number, self.issue_json(i))));
        }
        if kind != Some("issues") && labels.is_empty() {
            let pulls = self.pulls(repo, state).await?;
            numbered.extend(pulls.iter().map(|p| (p.number, self.pr_as_issue(p))));
        }
        numbered.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
        Ok(self.page(orig, numbered.into_iter().map(|(_, v)| v).collect()))
    }
}
