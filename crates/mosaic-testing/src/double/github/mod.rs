//! The GitHub REST v3 dialect over a [`FakeGit`], with its Gitea/Forgejo
//! API v1 variant.
//!
//! Follows <https://docs.github.com/en/rest> (API version 2022-11-28) and,
//! for [`Dialect::Gitea`], the Gitea API reference
//! (<https://docs.gitea.com/api/1.22/>, the instance's `/api/swagger`).
//! One double serves both because the two APIs share their shape; what
//! differs is switched on the dialect:
//!
//! | | GitHub | Gitea / Forgejo |
//! |---|---|---|
//! | base path | `/` | `/api/v1` |
//! | page size | `per_page` (default 30, max 100) | `limit` (default 30, max 50), `X-Total-Count` |
//! | branches | `POST /git/refs`, `DELETE /git/refs/heads/…` | `POST /branches`, `DELETE /branches/{b}` |
//! | tags | git refs and tag objects | `POST /tags`, `GET`/`DELETE /tags/{t}` |
//! | files | `PUT /contents/…` creates and updates | `POST` creates, `PUT` updates |
//! | merge | `PUT /pulls/{n}/merge`, JSON result | `POST /pulls/{n}/merge` with `Do`, empty answer |
//! | collaborators | permissions in the listing | `/collaborators/{u}/permission` |
//! | duplicates | `422` with field errors | `409` |
//!
//! Gitea's merge body follows the version the double reports at
//! `/version`: from Gitea 1.27 the fields are `do`, `merge_title_field`
//! and `merge_message_field`; Forgejo (versions `N+gitea-…`) and older
//! Gitea name them `Do`, `MergeTitleField` and `MergeMessageField`. Keys
//! are matched the way Go decodes JSON (exact, else ignoring case), so
//! `Do` is understood everywhere but a title under the other version's
//! name is ignored, as the real servers do.
//!
//! Errors carry the documented status and body: GitHub answers
//! `{"message", "errors": [{"resource", "field", "code"}]}` with `422`
//! for validation failures and for names that already exist, `422` `No
//! commit found for SHA` for a missing commit, `405` for a pull request
//! that cannot be merged and `409` for a stale head SHA; Gitea answers
//! `{"message", "url"}` with `404`, `409`, `422` or `405`.
//!
//! Left out: branch protection, `POST /git/blobs|trees|commits` and
//! `PATCH /git/refs` (multi-file commits), Gitea's `POST /contents`
//! (multi-file) and label endpoints (the repository has no labels, so
//! issues cannot be created with labels on Gitea), reviews, comments and
//! everything outside repositories; those routes answer `404`. Every
//! request must carry credentials (`Authorization: Bearer|token …`, or
//! basic auth on Gitea) or it is answered `401`. Invitations are accepted
//! at once: a collaborator added is listed straight away.

#![allow(clippy::result_large_err)] // the `Err` of a handler is the answer itself

mod files;
mod handlers;
mod pulls;
mod render;
mod settings;

use std::collections::HashMap;

use http::StatusCode;
use mosaic_core::git::*;
use mosaic_core::{Error, ErrorKind};
use parking_lot::Mutex;
use serde_json::{Value, json};

use super::forge::{Numbered, split_two, with_path};
use super::{Api, ApiRequest, ApiResponse};
use crate::FakeGit;

/// Which API the double speaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dialect {
    /// GitHub REST v3 (github.com, GitHub Enterprise Server).
    GitHub,
    /// Gitea or Forgejo API v1 under `/api/v1`; `version` is what
    /// `GET /api/v1/version` reports (`1.27.0`, or Forgejo's
    /// `11.0.1+gitea-1.22.0`).
    Gitea {
        /// The reported version.
        version: String,
    },
}

impl Dialect {
    /// Whether the merge body uses Gitea 1.27's snake-case names.
    pub fn snake_case_merge_fields(&self) -> bool {
        let Dialect::Gitea { version } = self else {
            return false;
        };
        if version.contains("+gitea") || version.contains("forgejo") {
            return false;
        }
        let mut parts = version.split(['.', '-', '+']);
        let major: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        let minor: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        major > 1 || (major == 1 && minor >= 27)
    }
}

/// Handler result: the answer, or an error answer.
type Answer = Result<ApiResponse, ApiResponse>;

/// The GitHub-dialect double (see the [module docs](self)).
pub struct GitHubApi {
    fake: FakeGit,
    dialect: Dialect,
    /// Annotated tag objects created with `POST /git/tags` (GitHub), by
    /// their SHA: (tag name, message, tagged commit).
    tag_objects: Mutex<HashMap<String, (String, String, String)>>,
}

impl std::fmt::Debug for GitHubApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubApi")
            .field("dialect", &self.dialect)
            .finish_non_exhaustive()
    }
}

impl GitHubApi {
    /// GitHub REST v3 over `fake`.
    pub fn github(fake: FakeGit) -> Self {
        Self::new(fake, Dialect::GitHub)
    }

    /// Gitea API v1 over `fake`, reporting `version` (`1.27.0`, or a
    /// Forgejo version such as `11.0.1+gitea-1.22.0`).
    pub fn gitea(fake: FakeGit, version: &str) -> Self {
        Self::new(
            fake,
            Dialect::Gitea {
                version: version.to_owned(),
            },
        )
    }

    /// The double over `fake` speaking `dialect`.
    pub fn new(fake: FakeGit, dialect: Dialect) -> Self {
        GitHubApi {
            fake,
            dialect,
            tag_objects: Mutex::new(HashMap::new()),
        }
    }

    /// The fake behind the double.
    pub fn fake(&self) -> &FakeGit {
        &self.fake
    }

    fn github_dialect(&self) -> bool {
        self.dialect == Dialect::GitHub
    }

    fn prefix(&self) -> &'static str {
        if self.github_dialect() { "" } else { "/api/v1" }
    }

    fn paging(&self) -> Numbered {
        if self.github_dialect() {
            Numbered {
                size_param: "per_page",
                default: 30,
                max: 100,
            }
        } else {
            Numbered {
                size_param: "limit",
                default: 30,
                max: 50,
            }
        }
    }

    /// One page of `items` as the request asks.
    fn page(&self, orig: &ApiRequest, items: Vec<Value>) -> ApiResponse {
        let total = (!self.github_dialect()).then_some("x-total-count");
        self.paging().answer(orig, items, total)
    }

    fn authorized(&self, r: &ApiRequest) -> bool {
        let auth = r.header("authorization").unwrap_or("");
        let (scheme, value) = auth.split_once(' ').unwrap_or((auth, ""));
        let scheme = scheme.to_ascii_lowercase();
        let ok_scheme = match self.dialect {
            Dialect::GitHub => scheme == "bearer" || scheme == "token",
            Dialect::Gitea { .. } => matches!(scheme.as_str(), "bearer" | "token" | "basic"),
        };
        (ok_scheme && !value.trim().is_empty())
            || (!self.github_dialect()
                && (r.query("token").is_some() || r.query("access_token").is_some()))
    }

    /// An error body in the dialect's shape.
    fn error(&self, status: StatusCode, message: &str) -> ApiResponse {
        match self.dialect {
            Dialect::GitHub => ApiResponse::json(
                status,
                &json!({
                    "message": message,
                    "documentation_url": "https://docs.github.com/rest",
                    "status": status.as_u16().to_string(),
                }),
            ),
            Dialect::Gitea { .. } => ApiResponse::json(
                status,
                &json!({ "message": message, "url": "/api/swagger" }),
            ),
        }
    }

    /// GitHub's `422 Validation Failed` naming a field.
    fn validation(&self, resource: &str, field: &str, code: &str, message: &str) -> ApiResponse {
        match self.dialect {
            Dialect::GitHub => ApiResponse::json(
                StatusCode::UNPROCESSABLE_ENTITY,
                &json!({
                    "message": "Validation Failed",
                    "errors": [{
                        "resource": resource, "field": field, "code": code, "message": message,
                    }],
                    "documentation_url": "https://docs.github.com/rest",
                    "status": "422",
                }),
            ),
            Dialect::Gitea { .. } => self.error(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("[{field}]: {message}"),
            ),
        }
    }

    /// The answer for an error of the fake, by kind.
    fn fail(&self, resource: &str, e: Error) -> ApiResponse {
        match e.kind() {
            ErrorKind::NotFound => self.error(
                StatusCode::NOT_FOUND,
                if self.github_dialect() {
                    "Not Found"
                } else {
                    "The target couldn't be found."
                },
            ),
            ErrorKind::InvalidInput => {
                let field = e.field().unwrap_or("request").to_owned();
                self.validation(resource, &field, "invalid", e.message())
            }
            ErrorKind::Conflict => self.error(StatusCode::CONFLICT, e.message()),
            ErrorKind::PermissionDenied => self.error(StatusCode::FORBIDDEN, e.message()),
            ErrorKind::Unauthenticated => self.error(StatusCode::UNAUTHORIZED, e.message()),
            _ => self.error(StatusCode::INTERNAL_SERVER_ERROR, e.message()),
        }
    }

    async fn dispatch(&self, q: &ApiRequest, orig: &ApiRequest) -> Answer {
        if q.route("GET", "/user").is_some() {
            return Ok(ApiResponse::ok(&self.user(&self.fake.login())));
        }
        if q.route("POST", "/user/repos").is_some() {
            return self.create_repo(q, None).await;
        }
        if let Some(c) = q.route("POST", "/orgs/{org}/repos") {
            return self.create_repo(q, Some(c[0].clone())).await;
        }
        if q.route("GET", "/user/repos").is_some() {
            return self.list_repos(orig, None).await;
        }
        if let Some(c) = q
            .route("GET", "/users/{u}/repos")
            .or_else(|| q.route("GET", "/orgs/{o}/repos"))
        {
            return self.list_repos(orig, Some(c[0].clone())).await;
        }
        let Some((owner, name, tail)) = split_repo(&q.path) else {
            return Err(self.fail("Repository", Error::not_found("no route")));
        };
        let repo = RepoRef::new(owner, name);
        let sub = with_path(q, tail);
        self.repo_route(&repo, &sub, orig).await
    }
}

fn split_repo(path: &str) -> Option<(String, String, String)> {
    split_two(path, "/repos")
}

#[async_trait::async_trait]
impl Api for GitHubApi {
    async fn handle(&self, request: ApiRequest) -> ApiResponse {
        let Some(rest) = request.path.strip_prefix(self.prefix()) else {
            return self.error(StatusCode::NOT_FOUND, "Not Found");
        };
        let rest = if rest.is_empty() { "/" } else { rest }.to_owned();
        let q = with_path(&request, rest);
        if let Dialect::Gitea { version } = &self.dialect
            && q.route("GET", "/version").is_some()
        {
            return ApiResponse::ok(&json!({ "version": version }));
        }
        if !self.authorized(&request) {
            return self.error(
                StatusCode::UNAUTHORIZED,
                if self.github_dialect() {
                    "Requires authentication"
                } else {
                    "token is required"
                },
            );
        }
        match self.dispatch(&q, &request).await {
            Ok(r) | Err(r) => r,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_field_names_follow_the_reported_version() {
        let gitea = |v: &str| Dialect::Gitea { version: v.into() };
        assert!(gitea("1.27.0").snake_case_merge_fields());
        assert!(gitea("1.28.1").snake_case_merge_fields());
        assert!(gitea("2.0.0").snake_case_merge_fields());
        assert!(!gitea("1.26.3").snake_case_merge_fields());
        assert!(!gitea("1.22.0").snake_case_merge_fields());
        assert!(!gitea("11.0.1+gitea-1.22.0").snake_case_merge_fields());
        assert!(!Dialect::GitHub.snake_case_merge_fields());
    }
}
