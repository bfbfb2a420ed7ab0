//! The GitLab REST API v4 dialect over a [`FakeGit`].
//!
//! Follows <https://docs.gitlab.com/ee/api/rest/> (projects, repository
//! branches, commits, files, tags, merge requests, issues, project hooks,
//! members, commit statuses, releases). Served under `/api/v4`; a project
//! is addressed by its URL-encoded path (`group%2Fproject`) or its numeric
//! id; merge requests and issues by their `iid`. Listings page with
//! `page`/`per_page` (default 20, max 100) and answer `Link`,
//! `X-Next-Page`, `X-Page`, `X-Per-Page`, `X-Prev-Page`, `X-Total` and
//! `X-Total-Pages`. Every request needs a `PRIVATE-TOKEN` header or an
//! `Authorization: Bearer` token, else `401 {"message":"401 Unauthorized"}`.
//!
//! Errors as GitLab sends them: `404 {"message":"404 Project Not
//! Found"}`, `400 {"message":{"name":["has already been taken"]}}` for a
//! taken project name, `400 {"message":"Branch already exists"}`, `400`
//! for a commit action on a file that exists (or does not), `409` for a
//! member that already is one, `405` for a merge request that cannot be
//! merged, `400 {"error":"… is missing"}` for a missing parameter.
//!
//! Users are not kept by the fake: `GET /users?username=` answers one
//! user for any name (its id derived from the name) and remembers it so
//! members can be added and removed by id. Namespaces: `GET
//! /namespaces/{path}` answers a group namespace for any path.
//!
//! Left out: protected branches, repository compare, merge request
//! approvals and notes, labels as objects, pipelines (see the CI double)
//! and everything outside projects except `/users`, `/user` and
//! `/namespaces`; those routes answer `404`.

#![allow(clippy::result_large_err)] // the `Err` of a handler is the answer itself

use std::collections::HashMap;

use http::StatusCode;
use mosaic_core::git::*;
use mosaic_core::{Error, ErrorKind, PageRequest};
use parking_lot::Mutex;
use serde_json::{Value, json};

use super::forge::{Numbered, decoded, everything, flag, text, with_path};
use super::{Api, ApiRequest, ApiResponse};
use crate::FakeGit;

type Answer = Result<ApiResponse, ApiResponse>;

const WEB: &str = "https://gitlab.invalid";

/// The GitLab double (see the [module docs](self)).
pub struct GitLabApi {
    fake: FakeGit,
    /// Users looked up by name, by id.
    users: Mutex<HashMap<u64, String>>,
}

impl std::fmt::Debug for GitLabApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitLabApi").finish_non_exhaustive()
    }
}

fn user_id(name: &str) -> u64 {
    name.bytes()
        .fold(11u64, |h, b| h.wrapping_mul(131).wrapping_add(u64::from(b)))
        % 1_000_000
        + 1
}

fn message(status: StatusCode, text: impl Into<String>) -> ApiResponse {
    ApiResponse::json(status, &json!({ "message": text.into() }))
}

fn field_error(field: &str, text: &str) -> ApiResponse {
    ApiResponse::json(
        StatusCode::BAD_REQUEST,
        &json!({ "message": { field: [text] } }),
    )
}

fn access_level(p: Permission) -> u32 {
    match p {
        Permission::Read | Permission::Triage => 20,
        Permission::Write => 30,
        Permission::Maintain => 40,
        Permission::Admin => 50,
    }
}

fn sig_fields(v: &mut Value, prefix: &str, s: Option<&Signature>) {
    if let Some(s) = s {
        v[format!("{prefix}_name")] = json!(s.name);
        v[format!("{prefix}_email")] = json!(s.email);
        let date = if prefix == "author" {
            "authored_date"
        } else {
            "committed_date"
        };
        v[date] = json!(s.date);
    }
}

impl GitLabApi {
    /// GitLab over `fake`.
    pub fn new(fake: FakeGit) -> Self {
        GitLabApi {
            fake,
            users: Mutex::new(HashMap::new()),
        }
    }

    /// The fake behind the double.
    pub fn fake(&self) -> &FakeGit {
        &self.fake
    }

    fn fail(&self, what: &str, e: Error) -> ApiResponse {
        match e.kind() {
            ErrorKind::NotFound => message(StatusCode::NOT_FOUND, format!("404 {what} Not Found")),
            ErrorKind::InvalidInput => {
                let field = e.field().unwrap_or("base").to_owned();
                field_error(&field, e.message())
            }
            ErrorKind::Conflict => message(StatusCode::CONFLICT, e.message()),
            ErrorKind::PermissionDenied => message(StatusCode::FORBIDDEN, "403 Forbidden"),
            _ => message(StatusCode::INTERNAL_SERVER_ERROR, e.message()),
        }
    }

    fn or(&self, what: &'static str) -> impl Fn(Error) -> ApiResponse + '_ {
        move |e| self.fail(what, e)
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

    fn page(&self, orig: &ApiRequest, items: Vec<Value>) -> ApiResponse {
        let paging = Numbered {
            size_param: "per_page",
            default: 20,
            max: 100,
        };
        let size = orig.query_num("per_page", 20usize).clamp(1, 100);
        let page = orig.query_num("page", 1usize).max(1);
        let total = items.len();
        let pages = total.div_ceil(size).max(1);
        let next = if page < pages {
            (page + 1).to_string()
        } else {
            String::new()
        };
        let prev = if page > 1 {
            (page - 1).to_string()
        } else {
            String::new()
        };
        paging
            .answer(orig, items, None)
            .with_header("x-page", page.to_string())
            .with_header("x-per-page", size.to_string())
            .with_header("x-next-page", next)
            .with_header("x-prev-page", prev)
            .with_header("x-total", total.to_string())
            .with_header("x-total-pages", pages.to_string())
    }

    fn user_json(&self, name: &str) -> Value {
        json!({
            "id": user_id(name), "username": name, "name": name, "state": "active",
            "web_url": format!("{WEB}/{name}"),
        })
    }

    fn project_json(&self, r: &Repository) -> Value {
        let empty = self
            .fake
            .branch_head(&r.reference(), &r.default_branch)
            .is_none();
        json!({
            "id": r.id.parse::<u64>().unwrap_or(0),
            "name": r.name,
            "path": r.name,
            "path_with_namespace": r.full_name,
            "name_with_namespace": r.full_name.replace('/', " / "),
            "namespace": {
                "id": user_id(&r.owner), "name": r.owner, "path": r.owner,
                "full_path": r.owner, "kind": "group",
            },
            "description": r.description,
            "visibility": match r.visibility {
                Visibility::Public => "public",
                Visibility::Private => "private",
                Visibility::Internal => "internal",
            },
            "default_branch": if empty { None } else { Some(&r.default_branch) },
            "empty_repo": empty,
            "http_url_to_repo": r.clone_url,
            "ssh_url_to_repo": r.ssh_url,
            "web_url": r.web_url,
            "archived": r.archived,
            "created_at": r.created_at,
            "last_activity_at": r.updated_at,
            "forked_from_project": if r.fork { json!({}) } else { Value::Null },
        })
    }

    fn commit_json(&self, c: &Commit) -> Value {
        let title = c.message.lines().next().unwrap_or("").to_owned();
        let mut v = json!({
            "id": c.sha,
            "short_id": &c.sha[..c.sha.len().min(8)],
            "title": title,
            "message": c.message,
            "parent_ids": c.parents,
            "web_url": c.web_url,
        });
        sig_fields(&mut v, "author", c.author.as_ref());
        sig_fields(&mut v, "committer", c.committer.as_ref());
        v
    }

    fn branch_json(&self, repo: &RepoRef, b: &Branch) -> Value {
        let default = self
            .fake
            .repository(repo)
            .is_some_and(|r| r.default_branch == b.name);
        json!({
            "name": b.name, "merged": false, "protected": b.protected, "default": default,
            "commit": { "id": b.commit_sha, "short_id": &b.commit_sha[..b.commit_sha.len().min(8)] },
        })
    }

    fn mr_json(&self, p: &PullRequest) -> Value {
        let state = match p.state {
            PullRequestState::Open => "opened",
            PullRequestState::Closed => "closed",
            PullRequestState::Merged => "merged",
        };
        let draft = p.draft || p.title.starts_with("Draft:") || p.title.starts_with("[Draft]");
        json!({
            "id": p.number * 1000 + 9,
            "iid": p.number,
            "title": p.title,
            "description": p.body,
            "state": state,
            "draft": draft,
            "source_branch": p.head,
            "target_branch": p.base,
            "sha": p.head_sha,
            "author": p.author.as_deref().map(|a| self.user_json(a)),
            "merge_commit_sha": if p.state == PullRequestState::Merged { p.merge_commit_sha.clone() } else { None },
            "squash_commit_sha": Value::Null,
            "web_url": p.web_url,
            "created_at": p.created_at,
            "updated_at": p.updated_at,
        })
    }

    fn issue_json(&self, i: &Issue) -> Value {
        json!({
            "id": i.number * 1000 + 5,
            "iid": i.number,
            "title": i.title,
            "description": i.body,
            "state": match i.state { IssueState::Open => "opened", IssueState::Closed => "closed" },
            "labels": i.labels,
            "assignees": i.assignees.iter().map(|a| self.user_json(a)).collect::<Vec<_>>(),
            "author": i.author.as_deref().map(|a| self.user_json(a)),
            "web_url": i.web_url,
            "created_at": i.created_at,
            "updated_at": i.updated_at,
        })
    }

    fn hook_json(&self, h: &Webhook) -> Value {
        let has = |names: &[&str]| h.events.iter().any(|e| names.contains(&e.as_str()));
        json!({
            "id": h.id.parse::<u64>().unwrap_or(0),
            "url": h.url,
            "push_events": has(&["push", "create", "delete"]),
            "tag_push_events": has(&["create", "delete"]),
            "merge_requests_events": has(&["pull_request"]),
            "issues_events": has(&["issues"]),
            "note_events": has(&["issue_comment"]),
            "releases_events": has(&["release"]),
            "enable_ssl_verification": true,
        })
    }

    /// Mosaic event names from hook flags (absent flags keep `current`).
    fn hook_events(body: &Value, current: Option<&[String]>) -> Vec<String> {
        let had =
            |names: &[&str]| current.is_some_and(|c| c.iter().any(|e| names.contains(&e.as_str())));
        let on = |flag_name: &str, names: &[&str], default: bool| {
            flag(body, flag_name).unwrap_or(if current.is_some() {
                had(names)
            } else {
                default
            })
        };
        let mut out = Vec::new();
        let tags = on("tag_push_events", &["create", "delete"], false);
        if on("push_events", &["push"], true) {
            out.push("push");
        }
        if tags {
            out.extend(["create", "delete"]);
        }
        for (f, name) in [
            ("merge_requests_events", "pull_request"),
            ("issues_events", "issues"),
            ("note_events", "issue_comment"),
            ("releases_events", "release"),
        ] {
            if on(f, &[name], false) {
                out.push(name);
            }
        }
        out.into_iter().map(str::to_owned).collect()
    }

    fn status_json(&self, s: &CommitStatus, sha: &str, id: usize) -> Value {
        json!({
            "id": id, "sha": sha, "name": s.context,
            "status": match s.state {
                StatusState::Pending => "pending",
                StatusState::Success => "success",
                StatusState::Failure => "failed",
                StatusState::Error => "canceled",
            },
            "description": s.description, "target_url": s.target_url,
            "created_at": s.created_at, "author": self.user_json(&self.fake.login()),
        })
    }

    fn release_json(&self, repo: &RepoRef, r: &Release) -> Value {
        json!({
            "tag_name": r.tag_name, "name": r.name, "description": r.body,
            "created_at": r.created_at, "released_at": r.created_at,
            "upcoming_release": false,
            "author": self.user_json(&self.fake.login()),
            "_links": { "self": format!("{WEB}/{repo}/-/releases/{}", r.tag_name) },
        })
    }

    /// Parameters from the query and, for JSON bodies, the body (GitLab
    /// takes either).
    fn params(q: &ApiRequest) -> Result<Value, ApiResponse> {
        let mut v = if q.body.iter().all(u8::is_ascii_whitespace) {
            json!({})
        } else {
            q.json::<Value>()?
        };
        if !v.is_object() {
            return Err(message(StatusCode::BAD_REQUEST, "400 Bad request"));
        }
        for (k, val) in &q.query {
            if v.get(k).is_none() {
                v[k.as_str()] = match val.as_str() {
                    "true" => json!(true),
                    "false" => json!(false),
                    _ => json!(val),
                };
            }
        }
        Ok(v)
    }

    fn missing(name: &str) -> ApiResponse {
        ApiResponse::json(
            StatusCode::BAD_REQUEST,
            &json!({ "error": format!("{name} is missing") }),
        )
    }

    fn repo_of(&self, id: &str) -> Option<RepoRef> {
        if let Ok(n) = id.parse::<u64>() {
            return self
                .fake
                .repositories()
                .into_iter()
                .find(|r| r.id == n.to_string())
                .map(|r| r.reference());
        }
        RepoRef::parse(id).ok()
    }

    async fn dispatch(&self, q: &ApiRequest, orig: &ApiRequest) -> Answer {
        if q.route("GET", "/user").is_some() {
            return Ok(ApiResponse::ok(&self.user_json(&self.fake.login())));
        }
        if q.route("GET", "/users").is_some() {
            let Some(name) = q.query("username").filter(|n| !n.is_empty()) else {
                return Ok(ApiResponse::ok(&json!([])));
            };
            self.users.lock().insert(user_id(name), name.to_owned());
            return Ok(ApiResponse::ok(&json!([self.user_json(name)])));
        }
        if let Some(c) = q.route("GET", "/namespaces/{ns}") {
            return Ok(ApiResponse::ok(&json!({
                "id": user_id(&c[0]), "name": c[0], "path": c[0], "kind": "group", "full_path": c[0],
            })));
        }
        if q.route("POST", "/projects").is_some() {
            return self.create_project(q).await;
        }
        if q.route("GET", "/projects").is_some() {
            return self.list_projects(orig, None).await;
        }
        if let Some(c) = q
            .route("GET", "/groups/{g}/projects")
            .or_else(|| q.route("GET", "/users/{u}/projects"))
        {
            return self.list_projects(orig, Some(c[0].clone())).await;
        }
        let rest = q.path.strip_prefix("/projects/").unwrap_or("");
        let (id, tail) = rest.split_once('/').unwrap_or((rest, ""));
        if id.is_empty() {
            return Err(message(StatusCode::NOT_FOUND, "404 Not Found"));
        }
        let Some(repo) = self.repo_of(&decoded(id)) else {
            return Err(message(StatusCode::NOT_FOUND, "404 Project Not Found"));
        };
        let sub = with_path(q, format!("/{tail}"));
        self.project_route(&repo, &sub, orig).await
    }

    async fn create_project(&self, q: &ApiRequest) -> Answer {
        let body = Self::params(q)?;
        let name = text(&body, "path")
            .or_else(|| text(&body, "name"))
            .unwrap_or_default();
        if name.is_empty() {
            return Err(Self::missing("name, path"));
        }
        let owner = match body.get("namespace_id").and_then(Value::as_u64) {
            Some(id) => Some(
                self.users
                    .lock()
                    .get(&id)
                    .cloned()
                    .or_else(|| {
                        self.fake
                            .repositories()
                            .into_iter()
                            .map(|r| r.owner)
                            .find(|o| user_id(o) == id)
                    })
                    .ok_or_else(|| message(StatusCode::NOT_FOUND, "404 Namespace Not Found"))?,
            ),
            None => None,
        };
        let visibility = match text(&body, "visibility").as_deref() {
            Some("private") => Visibility::Private,
            Some("internal") => Visibility::Internal,
            _ => Visibility::Public,
        };
        let created = self
            .fake
            .create_repository(CreateRepository {
                owner,
                name,
                description: text(&body, "description"),
                visibility,
                auto_init: flag(&body, "initialize_with_readme").unwrap_or(false),
                default_branch: text(&body, "default_branch"),
            })
            .await;
        match created {
            Ok(r) => Ok(ApiResponse::created(&self.project_json(&r))),
            Err(e) if e.kind() == ErrorKind::Conflict => Err(ApiResponse::json(
                StatusCode::BAD_REQUEST,
                &json!({ "message": {
                    "project_namespace.name": ["has already been taken"],
                    "name": ["has already been taken"],
                    "path": ["has already been taken"],
                } }),
            )),
            Err(e) => Err(self.fail("Project", e)),
        }
    }

    async fn list_projects(&self, orig: &ApiRequest, owner: Option<String>) -> Answer {
        if let Some(o) = &owner
            && !self
                .fake
                .repositories()
                .iter()
                .any(|r| r.owner.eq_ignore_ascii_case(o))
        {
            let what = if orig.path.contains("/groups/") {
                "404 Group Not Found"
            } else {
                "404 User Not Found"
            };
            return Err(message(StatusCode::NOT_FOUND, what));
        }
        let all = everything(
            ListRepositories {
                owner,
                page: PageRequest::first(),
            },
            |p| self.fake.list_repositories(p),
        )
        .await
        .map_err(self.or("Project"))?;
        Ok(self.page(orig, all.iter().map(|r| self.project_json(r)).collect()))
    }

    async fn project_route(&self, repo: &RepoRef, q: &ApiRequest, orig: &ApiRequest) -> Answer {
        if q.path == "/" {
            return match q.method.as_str() {
                "GET" => self
                    .fake
                    .get_repository(repo.clone())
                    .await
                    .map(|r| ApiResponse::ok(&self.project_json(&r)))
                    .map_err(self.or("Project")),
                "PUT" => self.edit_project(repo, q, None).await,
                "DELETE" => self
                    .fake
                    .delete_repository(repo.clone())
                    .await
                    .map(|()| message(StatusCode::ACCEPTED, "202 Accepted"))
                    .map_err(self.or("Project")),
                _ => Err(message(StatusCode::NOT_FOUND, "404 Not Found")),
            };
        }
        if q.route("POST", "/archive").is_some() {
            return self.edit_project(repo, q, Some(true)).await;
        }
        if q.route("POST", "/unarchive").is_some() {
            return self.edit_project(repo, q, Some(false)).await;
        }
        if q.route("POST", "/fork").is_some() {
            let body = Self::params(q)?;
            return self
                .fake
                .fork_repository(ForkRepository {
                    repo: repo.clone(),
                    organization: text(&body, "namespace_path"),
                    name: text(&body, "path").or_else(|| text(&body, "name")),
                })
                .await
                .map(|r| ApiResponse::created(&self.project_json(&r)))
                .map_err(self.or("Project"));
        }
        if let Some(r) = self.repository_route(repo, q, orig).await {
            return r;
        }
        if let Some(r) = self.mr_route(repo, q, orig).await {
            return r;
        }
        if let Some(r) = self.issue_route(repo, q, orig).await {
            return r;
        }
        if let Some(r) = self.project_misc_route(repo, q, orig).await {
            return r;
        }
        Err(message(StatusCode::NOT_FOUND, "404 Not Found"))
    }

    async fn edit_project(&self, repo: &RepoRef, q: &ApiRequest, archived: Option<bool>) -> Answer {
        let body = Self::params(q)?;
        let visibility = match text(&body, "visibility").as_deref() {
            Some("private") => Some(Visibility::Private),
            Some("internal") => Some(Visibility::Internal),
            Some("public") => Some(Visibility::Public),
            _ => None,
        };
        self.fake
            .update_repository(UpdateRepository {
                repo: repo.clone(),
                name: text(&body, "path").or_else(|| text(&body, "name")),
                description: text(&body, "description"),
                visibility,
                default_branch: text(&body, "default_branch"),
                archived,
            })
            .await
            .map(|r| {
                let status = if archived.is_some() {
                    StatusCode::CREATED
                } else {
                    StatusCode::OK
                };
                ApiResponse::json(status, &self.project_json(&r))
            })
            .map_err(self.or("Project"))
    }
}

mod project;
mod settings;

#[async_trait::async_trait]
impl Api for GitLabApi {
    async fn handle(&self, request: ApiRequest) -> ApiResponse {
        let Some(rest) = request.path.strip_prefix("/api/v4") else {
            return message(StatusCode::NOT_FOUND, "404 Not Found");
        };
        let token = request
            .header("private-token")
            .is_some_and(|t| !t.is_empty())
            || request
                .header("authorization")
                .and_then(|a| a.strip_prefix("Bearer "))
                .is_some_and(|t| !t.trim().is_empty());
        if !token {
            return message(StatusCode::UNAUTHORIZED, "401 Unauthorized");
        }
        let q = with_path(
            &request,
            if rest.is_empty() {
                "/".into()
            } else {
                rest.into()
            },
        );
        match self.dispatch(&q, &request).await {
            Ok(r) | Err(r) => r,
        }
    }
}
