//! A double of the Woodpecker CI REST API
//! (<https://woodpecker-ci.org/api>, server routes under `/api`) over a
//! [`FakeCiCd`].
//!
//! Served: repository lookup (`GET /api/repos/lookup/{owner}/{name}`,
//! numeric repository ids handed out on first lookup), manual pipelines
//! (`POST /api/repos/{id}/pipelines` with `branch` and `variables`),
//! pipelines by number with their workflows and steps, cancel
//! (`POST …/pipelines/{n}/cancel`, 204), restart (`POST …/pipelines/{n}`),
//! the pipeline list (`page`, `perPage`), step logs
//! (`GET …/logs/{n}/{step id}`, entries with base64 `data`) and repository
//! secrets (list, create, get, patch, delete; values are never returned).
//!
//! Mapping: the fake's project is the repository, its per-project run
//! number the pipeline number, a job a step (ids are the fake's job ids),
//! and the jobs of one stage a workflow named after the stage (`woodpecker`
//! without one). Errors are plain-text bodies with Woodpecker's statuses
//! (400 bad input, 401 without a token, 404, 409).
//!
//! Left out: crons, approvals, list filters, organisation and global
//! secrets, registries, and everything outside repositories.

// The error half of a handler's result is the HTTP answer itself, built
// once per failed request of a test double: boxing it buys nothing.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use http::StatusCode;
use mosaic_core::cicd::*;
use mosaic_core::{Error, ErrorKind, PageRequest, Secret};
use parking_lot::Mutex;
use serde::Deserialize;
use serde_json::{Value, json};

use super::citr_util::{all, base64, has_project, jobs_of, status_for, unix};
use super::{Api, ApiRequest, ApiResponse, page_of};
use crate::FakeCiCd;

/// The Woodpecker API over a [`FakeCiCd`]; serve it with
/// [`HttpDouble::start`](super::HttpDouble::start).
#[derive(Debug)]
pub struct WoodpeckerApi {
    ci: Arc<FakeCiCd>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Repository id − 1 → project.
    repos: Vec<String>,
    /// `(project, name)` → (events, images) of a secret.
    secret_scopes: BTreeMap<(String, String), (Vec<String>, Vec<String>)>,
}

type Reply = Result<ApiResponse, ApiResponse>;

fn text(status: StatusCode, msg: impl std::fmt::Display) -> ApiResponse {
    ApiResponse::bytes(status, "text/plain; charset=utf-8", msg.to_string())
}

/// Woodpecker answers bad input with 400 and plain text.
fn fail(e: Error) -> ApiResponse {
    let status = match e.kind() {
        ErrorKind::InvalidInput => StatusCode::BAD_REQUEST,
        _ => status_for(&e),
    };
    text(status, e.message())
}

/// Woodpecker's state word of a normalized status.
fn state(s: PipelineStatus) -> &'static str {
    match s {
        PipelineStatus::Queued => "pending",
        PipelineStatus::Running => "running",
        PipelineStatus::Success => "success",
        PipelineStatus::Failure => "failure",
        PipelineStatus::Cancelled => "killed",
        PipelineStatus::Skipped => "skipped",
        PipelineStatus::Manual => "blocked",
    }
}

fn secs(ts: &Option<String>) -> i64 {
    ts.as_deref().map(unix).unwrap_or(0)
}

#[derive(Deserialize)]
struct PipelineOptions {
    #[serde(default)]
    branch: String,
    #[serde(default)]
    variables: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct SecretBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    events: Option<Vec<String>>,
    #[serde(default)]
    images: Option<Vec<String>>,
}

impl WoodpeckerApi {
    /// The API over `ci`; every project of `ci` is a repository.
    pub fn new(ci: Arc<FakeCiCd>) -> Self {
        WoodpeckerApi {
            ci,
            state: Mutex::new(State::default()),
        }
    }

    async fn lookup(&self, full_name: &str) -> Reply {
        if !has_project(&self.ci, full_name).await {
            return Err(text(StatusCode::NOT_FOUND, "repo not found"));
        }
        let id = {
            let mut s = self.state.lock();
            match s.repos.iter().position(|r| r == full_name) {
                Some(i) => i + 1,
                None => {
                    s.repos.push(full_name.to_owned());
                    s.repos.len()
                }
            }
        };
        let (owner, name) = full_name.rsplit_once('/').unwrap_or(("", full_name));
        Ok(ApiResponse::ok(&json!({
            "id": id, "forge_remote_id": id.to_string(), "owner": owner, "name": name,
            "full_name": full_name, "default_branch": "main", "scm": "git",
            "clone_url": format!("https://forge.invalid/{full_name}.git"),
            "active": true, "visibility": "private", "private": true,
        })))
    }

    fn project(&self, id: &str) -> Result<String, ApiResponse> {
        let n: usize = id
            .parse()
            .map_err(|_| text(StatusCode::BAD_REQUEST, "invalid repo id"))?;
        self.state
            .lock()
            .repos
            .get(n.wrapping_sub(1))
            .cloned()
            .ok_or_else(|| text(StatusCode::NOT_FOUND, "repo not found"))
    }

    /// The fake's pipeline with Woodpecker number `n`.
    fn by_number(&self, project: &str, n: &str) -> Result<Pipeline, ApiResponse> {
        let n: u64 = n
            .parse()
            .map_err(|_| text(StatusCode::BAD_REQUEST, "invalid pipeline number"))?;
        self.ci
            .pipelines(project)
            .into_iter()
            .find(|p| p.number == Some(n))
            .ok_or_else(|| text(StatusCode::NOT_FOUND, "pipeline not found"))
    }

    async fn jobs(&self, p: &Pipeline) -> Result<Vec<Job>, ApiResponse> {
        jobs_of(&self.ci, &p.project, &p.id).await.map_err(fail)
    }

    fn repo_id(&self, project: &str) -> usize {
        self.state
            .lock()
            .repos
            .iter()
            .position(|r| r == project)
            .map_or(0, |i| i + 1)
    }

    /// A pipeline as Woodpecker renders it; with its workflows when `jobs`
    /// are given.
    fn render(&self, p: &Pipeline, jobs: Option<&[Job]>) -> Value {
        let number = p.number.unwrap_or(0);
        let event = match p.event.as_deref() {
            Some("api" | "retry") | None => "manual",
            Some(e) => e,
        };
        let branch = p.reference.clone().unwrap_or_default();
        let mut v = json!({
            "id": p.id.parse::<u64>().unwrap_or(0),
            "repo_id": self.repo_id(&p.project),
            "number": number,
            "parent": 0,
            "event": event,
            "status": state(p.status),
            "errors": null,
            "created": secs(&p.created_at),
            "updated": secs(&p.finished_at).max(secs(&p.started_at)).max(secs(&p.created_at)),
            "started": secs(&p.started_at),
            "finished": secs(&p.finished_at),
            "commit": p.sha.clone().unwrap_or_default(),
            "branch": branch,
            "ref": format!("refs/heads/{branch}"),
            "refspec": "",
            "title": "",
            "message": format!("{event} pipeline"),
            "author": "mosaic",
            "sender": "mosaic",
            "forge_url": "",
            "deploy_to": "",
        });
        if let Some(jobs) = jobs {
            v["workflows"] = Value::Array(workflows(number, jobs));
        }
        v
    }

    fn secret_json(&self, project: &str, info: &SecretInfo) -> Value {
        let (events, images) = self
            .state
            .lock()
            .secret_scopes
            .get(&(project.to_owned(), info.name.clone()))
            .cloned()
            .unwrap_or_default();
        json!({
            "id": 0, "org_id": 0, "repo_id": self.repo_id(project),
            "name": info.name, "value": "", "images": images, "events": events,
        })
    }

    async fn secret(&self, project: &str, name: &str) -> Result<SecretInfo, ApiResponse> {
        all(
            ListSecrets {
                project: project.to_owned(),
                environment: None,
                page: PageRequest::first(),
            },
            |q| self.ci.list_secrets(q),
        )
        .await
        .map_err(fail)?
        .into_iter()
        .find(|s| s.name == name)
        .ok_or_else(|| text(StatusCode::NOT_FOUND, "secret not found"))
    }

    async fn repo_route(&self, r: &ApiRequest, project: String, rest: &str) -> Reply {
        let sub = ApiRequest {
            path: format!("/{rest}"),
            ..r.clone()
        };
        if let Some(_c) = sub.route("POST", "/pipelines") {
            let body: PipelineOptions = r
                .json()
                .map_err(|_| text(StatusCode::BAD_REQUEST, "bad body"))?;
            if body.branch.is_empty() {
                return Err(text(StatusCode::BAD_REQUEST, "branch is required"));
            }
            let p = self
                .ci
                .create_pipeline(CreatePipeline {
                    project,
                    reference: body.branch,
                    variables: body.variables,
                })
                .await
                .map_err(fail)?;
            return Ok(ApiResponse::ok(
                &self.render(&p, Some(&self.jobs(&p).await?)),
            ));
        }
        if sub.route("GET", "/pipelines").is_some() {
            let page = r.query_num("page", 1usize).max(1);
            let size = r.query_num("perPage", 50usize).clamp(1, 100);
            let list = self.ci.pipelines(&project);
            let (items, _) = page_of(&list, page, size);
            let out: Vec<Value> = items.iter().map(|p| self.render(p, None)).collect();
            return Ok(ApiResponse::ok(&out));
        }
        if let Some(c) = sub.route("GET", "/pipelines/{n}") {
            let p = self.by_number(&project, &c[0])?;
            return Ok(ApiResponse::ok(
                &self.render(&p, Some(&self.jobs(&p).await?)),
            ));
        }
        if let Some(c) = sub.route("POST", "/pipelines/{n}/cancel") {
            let p = self.by_number(&project, &c[0])?;
            self.ci
                .cancel_pipeline(PipelineRef::new(&project, &p.id))
                .await
                .map_err(|e| match e.kind() {
                    // Woodpecker: "Cannot cancel a non-running or non-pending or non-blocked pipeline"
                    ErrorKind::Conflict => text(StatusCode::BAD_REQUEST, e.message()),
                    _ => fail(e),
                })?;
            return Ok(ApiResponse::empty(StatusCode::NO_CONTENT));
        }
        if let Some(c) = sub.route("POST", "/pipelines/{n}") {
            let p = self.by_number(&project, &c[0])?;
            let again = self
                .ci
                .retry_pipeline(RetryPipeline {
                    project,
                    id: p.id,
                    failed_only: false,
                })
                .await
                .map_err(fail)?;
            return Ok(ApiResponse::ok(
                &self.render(&again, Some(&self.jobs(&again).await?)),
            ));
        }
        if let Some(c) = sub.route("GET", "/logs/{n}/{step}") {
            let p = self.by_number(&project, &c[0])?;
            let jobs = self.jobs(&p).await?;
            let step = jobs
                .iter()
                .find(|j| j.id == c[1])
                .ok_or_else(|| text(StatusCode::NOT_FOUND, "step not found"))?;
            let log = self
                .ci
                .get_log(GetLog {
                    project,
                    pipeline: p.id.clone(),
                    job: Some(step.id.clone()),
                    offset: 0,
                })
                .await
                .map_err(fail)?;
            let started = secs(&step.started_at);
            let entries: Vec<Value> = log
                .text
                .lines()
                .enumerate()
                .map(|(i, l)| {
                    json!({
                        "id": i + 1, "step_id": step.id.parse::<u64>().unwrap_or(0),
                        "time": started, "line": i, "type": 0,
                        "data": base64(format!("{l}\n").as_bytes()),
                    })
                })
                .collect();
            return Ok(ApiResponse::ok(&entries));
        }
        self.secrets_route(r, &sub, project).await
    }

    async fn secrets_route(&self, r: &ApiRequest, sub: &ApiRequest, project: String) -> Reply {
        if sub.route("GET", "/secrets").is_some() {
            let page = r.query_num("page", 1usize).max(1);
            let size = r.query_num("perPage", 50usize).clamp(1, 100);
            let list = all(
                ListSecrets {
                    project: project.clone(),
                    environment: None,
                    page: PageRequest::first(),
                },
                |q| self.ci.list_secrets(q),
            )
            .await
            .map_err(fail)?;
            let (items, _) = page_of(&list, page, size);
            let out: Vec<Value> = items
                .iter()
                .map(|s| self.secret_json(&project, s))
                .collect();
            return Ok(ApiResponse::ok(&out));
        }
        if sub.route("POST", "/secrets").is_some() {
            let body: SecretBody = r
                .json()
                .map_err(|_| text(StatusCode::BAD_REQUEST, "bad body"))?;
            let name = body.name.unwrap_or_default();
            let value = body.value.unwrap_or_default();
            let events = body.events.unwrap_or_default();
            if name.is_empty() || value.is_empty() || events.is_empty() {
                return Err(text(
                    StatusCode::BAD_REQUEST,
                    "secret needs a name, a value and at least one event",
                ));
            }
            let info = self
                .ci
                .create_secret(WriteSecret {
                    project: project.clone(),
                    name: name.clone(),
                    value: Secret::new(value),
                    environment: None,
                    masked: true,
                    protected: false,
                })
                .await
                .map_err(fail)?;
            self.state.lock().secret_scopes.insert(
                (project.clone(), name),
                (events, body.images.unwrap_or_default()),
            );
            return Ok(ApiResponse::ok(&self.secret_json(&project, &info)));
        }
        if let Some(c) = sub.route("GET", "/secrets/{name}") {
            let info = self.secret(&project, &c[0]).await?;
            return Ok(ApiResponse::ok(&self.secret_json(&project, &info)));
        }
        if let Some(c) = sub.route("PATCH", "/secrets/{name}") {
            let body: SecretBody = r
                .json()
                .map_err(|_| text(StatusCode::BAD_REQUEST, "bad body"))?;
            self.secret(&project, &c[0]).await?;
            // an empty or absent value keeps the stored one
            let value = match body.value.filter(|v| !v.is_empty()) {
                Some(v) => Secret::new(v),
                None => self
                    .ci
                    .secret_value(&project, None, &c[0])
                    .ok_or_else(|| text(StatusCode::NOT_FOUND, "secret not found"))?,
            };
            let info = self
                .ci
                .update_secret(WriteSecret {
                    project: project.clone(),
                    name: c[0].clone(),
                    value,
                    environment: None,
                    masked: true,
                    protected: false,
                })
                .await
                .map_err(fail)?;
            let mut s = self.state.lock();
            let scope = s
                .secret_scopes
                .entry((project.clone(), c[0].clone()))
                .or_default();
            if let Some(ev) = body.events.filter(|e| !e.is_empty()) {
                scope.0 = ev;
            }
            if let Some(im) = body.images {
                scope.1 = im;
            }
            drop(s);
            return Ok(ApiResponse::ok(&self.secret_json(&project, &info)));
        }
        if let Some(c) = sub.route("DELETE", "/secrets/{name}") {
            self.ci
                .delete_secret(SecretRef {
                    project: project.clone(),
                    name: c[0].clone(),
                    environment: None,
                })
                .await
                .map_err(fail)?;
            self.state
                .lock()
                .secret_scopes
                .remove(&(project, c[0].clone()));
            return Ok(ApiResponse::empty(StatusCode::NO_CONTENT));
        }
        Err(text(StatusCode::NOT_FOUND, "404 page not found"))
    }
}

/// The jobs of a pipeline as workflows (one per stage) with their steps.
fn workflows(number: u64, jobs: &[Job]) -> Vec<Value> {
    let mut order: Vec<String> = Vec::new();
    let mut by: BTreeMap<String, Vec<&Job>> = BTreeMap::new();
    for j in jobs {
        let w = j.stage.clone().unwrap_or_else(|| "woodpecker".to_owned());
        if !by.contains_key(&w) {
            order.push(w.clone());
        }
        by.entry(w).or_default().push(j);
    }
    order
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let steps = &by[name];
            let statuses: Vec<PipelineStatus> = steps.iter().map(|j| j.status).collect();
            let wstate = if statuses.iter().all(|s| s.is_finished()) {
                if statuses.contains(&PipelineStatus::Cancelled) {
                    PipelineStatus::Cancelled
                } else if statuses.contains(&PipelineStatus::Failure) {
                    PipelineStatus::Failure
                } else {
                    PipelineStatus::Success
                }
            } else if statuses.iter().all(|s| *s == PipelineStatus::Queued) {
                PipelineStatus::Queued
            } else {
                PipelineStatus::Running
            };
            let pid = i + 1;
            let children: Vec<Value> = steps
                .iter()
                .enumerate()
                .map(|(k, j)| {
                    json!({
                        "id": j.id.parse::<u64>().unwrap_or(0),
                        "uuid": format!("step-{}", j.id),
                        "pipeline_id": number,
                        "pid": pid * 100 + k + 1,
                        "ppid": pid,
                        "name": j.name,
                        "state": state(j.status),
                        "error": "",
                        "failure": "fail",
                        "exit_code": if j.status == PipelineStatus::Failure { 1 } else { 0 },
                        "started": secs(&j.started_at),
                        "finished": secs(&j.finished_at),
                        "type": "commands",
                    })
                })
                .collect();
            json!({
                "id": pid, "pipeline_id": number, "pid": pid, "name": name,
                "state": state(wstate),
                "started": steps.iter().map(|j| secs(&j.started_at)).filter(|s| *s > 0).min().unwrap_or(0),
                "finished": if wstate.is_finished() { steps.iter().map(|j| secs(&j.finished_at)).max().unwrap_or(0) } else { 0 },
                "platform": "linux/amd64",
                "children": children,
            })
        })
        .collect()
}

#[async_trait]
impl Api for WoodpeckerApi {
    async fn handle(&self, r: ApiRequest) -> ApiResponse {
        let authed = r
            .header("authorization")
            .and_then(|h| h.strip_prefix("Bearer "))
            .is_some_and(|t| !t.trim().is_empty());
        if !authed {
            return text(StatusCode::UNAUTHORIZED, "Unauthorized");
        }
        let out = if let Some(c) = r.route("GET", "/api/repos/lookup/{name*}") {
            self.lookup(&c[0]).await
        } else if let Some(c) = super::match_path(&r.path, "/api/repos/{id}/{rest*}") {
            match self.project(&c[0]) {
                Ok(project) => self.repo_route(&r, project, &c[1]).await,
                Err(e) => Err(e),
            }
        } else {
            Err(text(StatusCode::NOT_FOUND, "404 page not found"))
        };
        out.unwrap_or_else(|e| e)
    }
}
