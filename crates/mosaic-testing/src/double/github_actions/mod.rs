//! A double of the GitHub Actions REST API
//! (<https://docs.github.com/en/rest/actions>, version 2022-11-28) over a
//! [`FakeCiCd`].
//!
//! Served under `/repos/{owner}/{repo}`: the repository itself (its
//! default branch is `main`); workflows (`/actions/workflows`, by numeric
//! id or file name) and `workflow_dispatch` (`…/dispatches`, answering
//! `200` with the run's id when `return_run_details` is set, `204`
//! otherwise); workflow runs (list with `branch`, `event`, `status` and
//! `created` filters, get, `cancel`, `rerun`, `rerun-failed-jobs`), their
//! jobs (`filter=latest|all`), job re-runs, logs (a `302` to a zip archive
//! of `N_<job>.txt` files, or to one job's plain text) and artifacts
//! (list, get, `zip` via a `302`); deployment environments (list, get,
//! `PUT` to create or update, delete) and Actions secrets of the
//! repository or of an environment (`public-key`, list, get, `PUT` with
//! `encrypted_value` and `key_id`, delete). Lists page with `page` and
//! `per_page` (at most 100) and a `Link` header, with `total_count`.
//!
//! Mapping: the fake's project is the repository, its definitions are
//! workflows at `.github/workflows/<id>.yml` with numeric ids handed out
//! on first sight, and its pipelines are runs. GitHub re-runs a run in
//! place (a new attempt, same run id): the double keeps the run's id and
//! points it at the fake's newest retry. Sealed secret values are stored
//! opaquely (the double has no private key; the public key it hands out
//! is a fixed test key). Errors carry GitHub's JSON body
//! (`message`, `documentation_url`) and statuses (404, 409, 422, 401
//! without a token).
//!
//! Left out: organisation and user endpoints, runners, caches, usage,
//! pending deployments and approvals, deployment protection rules, and
//! redirects to a storage host other than the double itself.

// The error half of a handler's result is the HTTP answer itself, built
// once per failed request of a test double: boxing it buys nothing.
#![allow(clippy::result_large_err)]

mod settings;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use http::StatusCode;
use mosaic_core::cicd::*;
use mosaic_core::{Error, ErrorKind, PageRequest};
use parking_lot::Mutex;
use serde::Deserialize;
use serde_json::{Value, json};

use super::citr_util::{
    InPlace, all, base64, definitions_of, has_project, jobs_of, status_for, zip_stored,
};
use super::{Api, ApiRequest, ApiResponse, page_of, url_with};
use crate::FakeCiCd;

/// The key id of the double's secrets public key.
pub const PUBLIC_KEY_ID: &str = "568250167242549743";

/// The GitHub Actions API over a [`FakeCiCd`]; serve it with
/// [`HttpDouble::start`](super::HttpDouble::start).
#[derive(Debug)]
pub struct GitHubActionsApi {
    ci: Arc<FakeCiCd>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Workflow id − 1000 → (project, definition id).
    workflows: Vec<(String, String)>,
    /// Runs and their attempts.
    runs: InPlace,
    /// Artifact id − 1 → (project, fake pipeline, name).
    artifacts: Vec<(String, String, String)>,
}

type Reply = Result<ApiResponse, ApiResponse>;

const DOCS: &str = "https://docs.github.com/rest";

fn error(status: StatusCode, message: impl std::fmt::Display) -> ApiResponse {
    ApiResponse::json(
        status,
        &json!({
            "message": message.to_string(),
            "documentation_url": DOCS,
            "status": status.as_u16().to_string(),
        }),
    )
}

fn not_found() -> ApiResponse {
    error(StatusCode::NOT_FOUND, "Not Found")
}

/// GitHub answers validation failures with 422.
fn fail(e: Error) -> ApiResponse {
    match e.kind() {
        ErrorKind::NotFound => not_found(),
        _ => error(status_for(&e), e.message()),
    }
}

/// `(status, conclusion)` of a normalized status.
fn words(s: PipelineStatus) -> (&'static str, Option<&'static str>) {
    match s {
        PipelineStatus::Queued => ("queued", None),
        PipelineStatus::Running => ("in_progress", None),
        PipelineStatus::Manual => ("waiting", None),
        PipelineStatus::Success => ("completed", Some("success")),
        PipelineStatus::Failure => ("completed", Some("failure")),
        PipelineStatus::Cancelled => ("completed", Some("cancelled")),
        PipelineStatus::Skipped => ("completed", Some("skipped")),
    }
}

/// A page of `items` as GitHub answers it: `{total_count, <key>: [...]}`
/// with a `Link` to the next page.
fn listing(r: &ApiRequest, key: &str, items: &[Value]) -> ApiResponse {
    let page = r.query_num("page", 1usize).max(1);
    let size = r.query_num("per_page", 30usize).clamp(1, 100);
    let (slice, more) = page_of(items, page, size);
    let mut body = serde_json::Map::new();
    body.insert("total_count".into(), json!(items.len()));
    body.insert(key.into(), Value::Array(slice));
    ApiResponse::ok(&Value::Object(body))
        .with_next_link(more.then(|| url_with(r, "page", page + 1)))
}

#[derive(Deserialize)]
struct DispatchBody {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(default)]
    inputs: BTreeMap<String, Value>,
    #[serde(default)]
    return_run_details: bool,
}

#[derive(Deserialize)]
struct SecretBody {
    encrypted_value: String,
    key_id: String,
}

/// The fixed test public key (32 bytes, base64).
fn public_key() -> String {
    let raw: Vec<u8> = (1..=32u8).collect();
    base64(&raw)
}

struct Repo<'a> {
    project: String,
    owner: &'a str,
    name: &'a str,
}

impl GitHubActionsApi {
    /// The API over `ci`; every project of `ci` (`owner/repo`) is a
    /// repository.
    pub fn new(ci: Arc<FakeCiCd>) -> Self {
        GitHubActionsApi {
            ci,
            state: Mutex::new(State::default()),
        }
    }

    // ---- workflows

    fn workflow_id(&self, project: &str, def: &str) -> usize {
        let mut s = self.state.lock();
        let key = (project.to_owned(), def.to_owned());
        match s.workflows.iter().position(|w| *w == key) {
            Some(i) => 1000 + i,
            None => {
                s.workflows.push(key);
                999 + s.workflows.len()
            }
        }
    }

    async fn definitions(&self, project: &str) -> Result<Vec<PipelineDefinition>, ApiResponse> {
        definitions_of(&self.ci, project).await.map_err(fail)
    }

    /// The definition a workflow id or file name names.
    async fn definition(
        &self,
        project: &str,
        id_or_file: &str,
    ) -> Result<PipelineDefinition, ApiResponse> {
        let defs = self.definitions(project).await?;
        defs.into_iter()
            .find(|d| {
                self.workflow_id(project, &d.id).to_string() == id_or_file
                    || format!("{}.yml", d.id) == id_or_file
            })
            .ok_or_else(not_found)
    }

    fn render_workflow(&self, r: &Repo<'_>, d: &PipelineDefinition) -> Value {
        let id = self.workflow_id(&r.project, &d.id);
        json!({
            "id": id, "node_id": format!("W_{id}"), "name": d.name,
            "path": format!(".github/workflows/{}.yml", d.id),
            "state": if d.enabled { "active" } else { "disabled_manually" },
            "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
            "url": format!("https://api.github.invalid/repos/{}/actions/workflows/{id}", r.project),
            "html_url": format!("https://github.invalid/{}/blob/main/.github/workflows/{}.yml", r.project, d.id),
            "badge_url": format!("https://github.invalid/{}/workflows/{}/badge.svg", r.project, d.name),
        })
    }

    // ---- runs

    /// The run a fake pipeline belongs to.
    fn run_of(&self, fake_id: &str) -> String {
        self.state.lock().runs.run_of(fake_id)
    }

    /// The fake's pipelines of a run's attempts, oldest first.
    fn attempts(&self, run: &str) -> Option<Vec<String>> {
        self.state.lock().runs.attempts(run)
    }

    /// `(first attempt, latest attempt, attempt count)` of run `run`.
    fn run_views(
        &self,
        project: &str,
        run: &str,
    ) -> Result<(Pipeline, Pipeline, usize), ApiResponse> {
        let all = self.ci.pipelines(project);
        self.state
            .lock()
            .runs
            .views(&all, run)
            .ok_or_else(not_found)
    }

    fn render_run(&self, r: &Repo<'_>, first: &Pipeline, last: &Pipeline, attempt: usize) -> Value {
        let (status, conclusion) = words(last.status);
        let def = first.definition.clone().unwrap_or_default();
        let wid = self.workflow_id(&r.project, &def);
        let event = match first.event.as_deref() {
            Some("manual") => "workflow_dispatch",
            Some("api") | None => "push",
            Some(e) => e,
        };
        let id = first.id.clone();
        let updated = last
            .finished_at
            .clone()
            .or_else(|| last.started_at.clone())
            .or_else(|| last.created_at.clone());
        let api = format!(
            "https://api.github.invalid/repos/{}/actions/runs/{id}",
            r.project
        );
        json!({
            "id": id.parse::<u64>().unwrap_or(0),
            "name": def, "node_id": format!("WFR_{id}"), "check_suite_id": id.parse::<u64>().unwrap_or(0) + 5000,
            "head_branch": first.reference, "head_sha": first.sha,
            "path": format!(".github/workflows/{def}.yml"),
            "display_title": format!("{event} of {def}"),
            "run_number": first.number, "event": event,
            "status": status, "conclusion": conclusion, "workflow_id": wid,
            "url": api, "html_url": format!("https://github.invalid/{}/actions/runs/{id}", r.project),
            "pull_requests": [],
            "created_at": first.created_at, "updated_at": updated,
            "run_attempt": attempt,
            "run_started_at": last.started_at.clone().or_else(|| last.created_at.clone()),
            "jobs_url": format!("{api}/jobs"), "logs_url": format!("{api}/logs"),
            "artifacts_url": format!("{api}/artifacts"), "cancel_url": format!("{api}/cancel"),
            "rerun_url": format!("{api}/rerun"),
            "workflow_url": format!("https://api.github.invalid/repos/{}/actions/workflows/{wid}", r.project),
            "repository": {"full_name": r.project, "name": r.name, "owner": {"login": r.owner}},
        })
    }

    /// Every run of the repository, newest first, each once.
    fn runs(&self, r: &Repo<'_>) -> Vec<(Pipeline, Pipeline, usize)> {
        let all = self.ci.pipelines(&r.project);
        self.state.lock().runs.runs(&all)
    }

    async fn list_runs(&self, req: &ApiRequest, r: &Repo<'_>, workflow: Option<&str>) -> Reply {
        let def = match workflow {
            Some(w) => Some(self.definition(&r.project, w).await?.id),
            None => None,
        };
        let created_since = req.query("created").and_then(|c| c.strip_prefix(">="));
        let items: Vec<Value> = self
            .runs(r)
            .into_iter()
            .filter(|(first, _, _)| def.is_none() || first.definition == def)
            .filter(|(first, _, _)| {
                req.query("branch")
                    .is_none_or(|b| first.reference.as_deref() == Some(b))
            })
            .filter(|(first, last, n)| {
                let v = self.render_run(r, first, last, *n);
                req.query("event").is_none_or(|e| v["event"] == e)
                    && req
                        .query("status")
                        .is_none_or(|s| v["status"] == s || v["conclusion"] == s)
                    && created_since.is_none_or(|t| v["created_at"].as_str() >= Some(t))
            })
            .map(|(first, last, n)| self.render_run(r, &first, &last, n))
            .collect();
        Ok(listing(req, "workflow_runs", &items))
    }

    async fn dispatch(&self, req: &ApiRequest, r: &Repo<'_>, workflow: &str) -> Reply {
        let body: DispatchBody = req.json()?;
        let def = self.definition(&r.project, workflow).await?;
        let reference = body
            .reference
            .strip_prefix("refs/heads/")
            .or_else(|| body.reference.strip_prefix("refs/tags/"))
            .unwrap_or(&body.reference)
            .to_owned();
        let inputs = body
            .inputs
            .into_iter()
            .map(|(k, v)| match v {
                Value::String(s) => (k, s),
                other => (k, other.to_string()),
            })
            .collect();
        let run = self
            .ci
            .trigger_pipeline(TriggerPipeline {
                project: r.project.clone(),
                definition: def.id,
                reference: Some(reference.clone()),
                inputs,
            })
            .await
            .map_err(|e| match e.kind() {
                ErrorKind::InvalidInput if e.field() == Some("reference") => error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("No ref found for: {reference}"),
                ),
                ErrorKind::Conflict => error(StatusCode::UNPROCESSABLE_ENTITY, e.message()),
                _ => fail(e),
            })?;
        if body.return_run_details {
            let api = format!(
                "https://api.github.invalid/repos/{}/actions/runs/{}",
                r.project, run.id
            );
            Ok(ApiResponse::ok(&json!({
                "workflow_run_id": run.id.parse::<u64>().unwrap_or(0),
                "run_url": api,
                "html_url": format!("https://github.invalid/{}/actions/runs/{}", r.project, run.id),
            })))
        } else {
            Ok(ApiResponse::empty(StatusCode::NO_CONTENT))
        }
    }

    // ---- jobs

    async fn fake_jobs(&self, project: &str, pipeline: &str) -> Result<Vec<Job>, ApiResponse> {
        jobs_of(&self.ci, project, pipeline).await.map_err(fail)
    }

    /// The jobs of a run: of its latest attempt, the newest of each name
    /// (`latest`), or of every attempt (`all`), with their attempt numbers.
    async fn run_jobs(
        &self,
        project: &str,
        run: &str,
        every: bool,
    ) -> Result<Vec<(Job, usize)>, ApiResponse> {
        let ids = self.attempts(run).ok_or_else(not_found)?;
        let mut out = Vec::new();
        let start = if every { 0 } else { ids.len() - 1 };
        for (n, id) in ids.iter().enumerate().skip(start) {
            let jobs = self.fake_jobs(project, id).await?;
            let mut latest: Vec<Job> = Vec::new();
            for j in jobs {
                if every {
                    out.push((j, n + 1));
                } else if let Some(k) = latest.iter().position(|l| l.name == j.name) {
                    latest[k] = j;
                } else {
                    latest.push(j);
                }
            }
            out.extend(latest.into_iter().map(|j| (j, n + 1)));
        }
        Ok(out)
    }

    fn render_job(&self, r: &Repo<'_>, j: &Job, attempt: usize, sha: Option<&str>) -> Value {
        let (status, conclusion) = words(j.status);
        let run = self.run_of(&j.pipeline_id);
        let api = format!("https://api.github.invalid/repos/{}/actions", r.project);
        json!({
            "id": j.id.parse::<u64>().unwrap_or(0),
            "run_id": run.parse::<u64>().unwrap_or(0),
            "run_url": format!("{api}/runs/{run}"), "run_attempt": attempt,
            "node_id": format!("CR_{}", j.id), "head_sha": sha,
            "url": format!("{api}/jobs/{}", j.id),
            "html_url": format!("https://github.invalid/{}/actions/runs/{run}/job/{}", r.project, j.id),
            "status": status, "conclusion": conclusion,
            "created_at": j.started_at, "started_at": j.started_at, "completed_at": j.finished_at,
            "name": j.name, "steps": [], "labels": ["ubuntu-latest"],
            "runner_id": null, "runner_name": null, "workflow_name": j.stage,
        })
    }

    /// A job by id, with its attempt number.
    async fn job(&self, project: &str, id: &str) -> Result<(Job, usize), ApiResponse> {
        let j = self
            .ci
            .get_job(JobRef {
                project: project.to_owned(),
                id: id.to_owned(),
            })
            .await
            .map_err(fail)?;
        let run = self.run_of(&j.pipeline_id);
        let attempt = self
            .attempts(&run)
            .and_then(|a| a.iter().position(|p| *p == j.pipeline_id))
            .map_or(1, |i| i + 1);
        Ok((j, attempt))
    }

    async fn job_log(&self, project: &str, j: &Job) -> Result<String, ApiResponse> {
        self.ci
            .get_log(GetLog {
                project: project.to_owned(),
                pipeline: j.pipeline_id.clone(),
                job: Some(j.id.clone()),
                offset: 0,
            })
            .await
            .map(|l| l.text)
            .map_err(fail)
    }

    // ---- artifacts

    fn artifact_id(&self, project: &str, pipeline: &str, name: &str) -> usize {
        let mut s = self.state.lock();
        let key = (project.to_owned(), pipeline.to_owned(), name.to_owned());
        match s.artifacts.iter().position(|a| *a == key) {
            Some(i) => i + 1,
            None => {
                s.artifacts.push(key);
                s.artifacts.len()
            }
        }
    }

    fn render_artifact(&self, r: &Repo<'_>, pipeline: &str, a: &Artifact) -> Value {
        let id = self.artifact_id(&r.project, pipeline, &a.name);
        let api = format!(
            "https://api.github.invalid/repos/{}/actions/artifacts/{id}",
            r.project
        );
        json!({
            "id": id, "node_id": format!("MDg6QXJ0aWZhY3Q{id}"), "name": a.name,
            "size_in_bytes": a.size.unwrap_or(0), "url": api,
            "archive_download_url": format!("{api}/zip"), "expired": a.expired,
            "created_at": "2024-01-01T00:00:00Z", "expires_at": "2024-04-01T00:00:00Z",
            "updated_at": "2024-01-01T00:00:00Z",
            "workflow_run": {"id": self.run_of(pipeline).parse::<u64>().unwrap_or(0)},
        })
    }

    async fn artifact(
        &self,
        project: &str,
        id: &str,
    ) -> Result<(String, ArtifactData), ApiResponse> {
        let n: usize = id.parse().map_err(|_| not_found())?;
        let (p, pipeline, name) = self
            .state
            .lock()
            .artifacts
            .get(n.wrapping_sub(1))
            .cloned()
            .ok_or_else(not_found)?;
        if p != project {
            return Err(not_found());
        }
        let data = self
            .ci
            .download_artifact(ArtifactRef {
                project: p,
                pipeline: pipeline.clone(),
                id: name,
            })
            .await
            .map_err(fail)?;
        Ok((pipeline, data))
    }

    async fn repo_route(&self, req: &ApiRequest, r: &Repo<'_>, rest: &str) -> Reply {
        let sub = ApiRequest {
            path: format!("/{rest}"),
            ..req.clone()
        };
        if sub.path.starts_with("/environments") {
            return self.env_route(req, &sub, r).await;
        }
        if let Some(c) = super::match_path(&sub.path, "/actions/{rest*}")
            && c[0].starts_with("secrets")
        {
            let inner = ApiRequest {
                path: format!("/{}", c[0]),
                ..sub.clone()
            };
            return self.secrets_route(req, &inner, r, None).await;
        }
        if sub.route("GET", "/actions/workflows").is_some() {
            let defs = self.definitions(&r.project).await?;
            let items: Vec<Value> = defs.iter().map(|d| self.render_workflow(r, d)).collect();
            return Ok(listing(req, "workflows", &items));
        }
        if let Some(c) = sub.route("GET", "/actions/workflows/{id}") {
            let d = self.definition(&r.project, &c[0]).await?;
            return Ok(ApiResponse::ok(&self.render_workflow(r, &d)));
        }
        if let Some(c) = sub.route("GET", "/actions/workflows/{id}/runs") {
            return self.list_runs(req, r, Some(&c[0])).await;
        }
        if let Some(c) = sub.route("POST", "/actions/workflows/{id}/dispatches") {
            return self.dispatch(req, r, &c[0]).await;
        }
        if sub.route("GET", "/actions/runs").is_some() {
            return self.list_runs(req, r, None).await;
        }
        if let Some(c) = sub.route("GET", "/actions/runs/{id}") {
            let (first, last, n) = self.run_views(&r.project, &c[0])?;
            return Ok(ApiResponse::ok(&self.render_run(r, &first, &last, n)));
        }
        if let Some(c) = sub.route("POST", "/actions/runs/{id}/cancel") {
            let (_, last, _) = self.run_views(&r.project, &c[0])?;
            self.ci
                .cancel_pipeline(PipelineRef::new(&r.project, &last.id))
                .await
                .map_err(|e| match e.kind() {
                    ErrorKind::Conflict => error(
                        StatusCode::CONFLICT,
                        "Cannot cancel a workflow run that is completed.",
                    ),
                    _ => fail(e),
                })?;
            return Ok(ApiResponse::json(StatusCode::ACCEPTED, &json!({})));
        }
        for (what, failed_only) in [("rerun", false), ("rerun-failed-jobs", true)] {
            if let Some(c) = sub.route("POST", &format!("/actions/runs/{{id}}/{what}")) {
                let (_, last, _) = self.run_views(&r.project, &c[0])?;
                let again = self
                    .ci
                    .retry_pipeline(RetryPipeline {
                        project: r.project.clone(),
                        id: last.id,
                        failed_only,
                    })
                    .await
                    .map_err(|e| match e.kind() {
                        ErrorKind::Conflict => error(
                            StatusCode::FORBIDDEN,
                            format!("This workflow run is not completed: {}", e.message()),
                        ),
                        _ => fail(e),
                    })?;
                self.state.lock().runs.retried(&c[0], again.id);
                return Ok(ApiResponse::created(&json!({})));
            }
        }
        if let Some(c) = sub.route("GET", "/actions/runs/{id}/jobs") {
            let (first, _, _) = self.run_views(&r.project, &c[0])?;
            let every = req.query("filter") == Some("all");
            let items: Vec<Value> = self
                .run_jobs(&r.project, &c[0], every)
                .await?
                .iter()
                .map(|(j, n)| self.render_job(r, j, *n, first.sha.as_deref()))
                .collect();
            return Ok(listing(req, "jobs", &items));
        }
        if let Some(c) = sub.route("GET", "/actions/jobs/{id}") {
            let (j, n) = self.job(&r.project, &c[0]).await?;
            let sha = self
                .run_views(&r.project, &self.run_of(&j.pipeline_id))?
                .0
                .sha;
            return Ok(ApiResponse::ok(&self.render_job(r, &j, n, sha.as_deref())));
        }
        if let Some(c) = sub.route("POST", "/actions/jobs/{id}/rerun") {
            self.ci
                .rerun_job(JobRef {
                    project: r.project.clone(),
                    id: c[0].clone(),
                })
                .await
                .map_err(|e| match e.kind() {
                    ErrorKind::Conflict => error(StatusCode::FORBIDDEN, e.message()),
                    _ => fail(e),
                })?;
            return Ok(ApiResponse::created(&json!({})));
        }
        if let Some(c) = sub.route("GET", "/actions/runs/{id}/logs") {
            self.run_views(&r.project, &c[0])?;
            return Ok(redirect(
                req,
                &format!("/_storage/{}/runs/{}/logs.zip", r.project, c[0]),
            ));
        }
        if let Some(c) = sub.route("GET", "/actions/jobs/{id}/logs") {
            self.job(&r.project, &c[0]).await?;
            return Ok(redirect(
                req,
                &format!("/_storage/{}/jobs/{}/log.txt", r.project, c[0]),
            ));
        }
        if let Some(c) = sub.route("GET", "/actions/runs/{id}/artifacts") {
            let (_, last, _) = self.run_views(&r.project, &c[0])?;
            let list = all(
                ListArtifacts {
                    project: r.project.clone(),
                    pipeline: last.id.clone(),
                    page: PageRequest::first(),
                },
                |q| self.ci.list_artifacts(q),
            )
            .await
            .map_err(fail)?;
            let items: Vec<Value> = list
                .iter()
                .map(|a| self.render_artifact(r, &last.id, a))
                .collect();
            return Ok(listing(req, "artifacts", &items));
        }
        if let Some(c) = sub.route("GET", "/actions/artifacts/{id}") {
            let (pipeline, data) = self.artifact(&r.project, &c[0]).await?;
            let a = Artifact {
                id: data.name.clone(),
                name: data.name.clone(),
                size: Some(data.content.len() as u64),
                expired: false,
            };
            return Ok(ApiResponse::ok(&self.render_artifact(r, &pipeline, &a)));
        }
        if let Some(c) = sub.route("GET", "/actions/artifacts/{id}/zip") {
            self.artifact(&r.project, &c[0]).await?;
            return Ok(redirect(
                req,
                &format!("/_storage/{}/artifacts/{}.zip", r.project, c[0]),
            ));
        }
        Err(not_found())
    }

    /// The pre-signed storage downloads the redirects point at.
    async fn storage(&self, path: &str) -> Reply {
        if let Some(c) = super::match_path(path, "/_storage/{o}/{r}/runs/{id}/logs.zip") {
            let project = format!("{}/{}", c[0], c[1]);
            let jobs = self.run_jobs(&project, &c[2], false).await?;
            let mut files = Vec::new();
            for (i, (j, _)) in jobs.iter().enumerate() {
                let text = self.job_log(&project, j).await?;
                files.push((format!("{}/1_Run.txt", j.name), text.clone().into_bytes()));
                files.push((format!("{i}_{}.txt", j.name), text.into_bytes()));
            }
            return Ok(ApiResponse::bytes(
                StatusCode::OK,
                "application/zip",
                zip_stored(&files),
            ));
        }
        if let Some(c) = super::match_path(path, "/_storage/{o}/{r}/jobs/{id}/log.txt") {
            let project = format!("{}/{}", c[0], c[1]);
            let (j, _) = self.job(&project, &c[2]).await?;
            let text = self.job_log(&project, &j).await?;
            return Ok(ApiResponse::bytes(StatusCode::OK, "text/plain", text));
        }
        if let Some(c) = super::match_path(path, "/_storage/{o}/{r}/artifacts/{file}") {
            let project = format!("{}/{}", c[0], c[1]);
            let id = c[2].trim_end_matches(".zip");
            let (_, data) = self.artifact(&project, id).await?;
            let zip = zip_stored(&[(data.name, data.content)]);
            return Ok(ApiResponse::bytes(StatusCode::OK, "application/zip", zip));
        }
        Err(error(
            StatusCode::NOT_FOUND,
            "The specified blob does not exist.",
        ))
    }
}

fn redirect(req: &ApiRequest, path: &str) -> ApiResponse {
    ApiResponse::empty(StatusCode::FOUND).with_header("location", format!("{}{path}", req.origin))
}

#[async_trait]
impl Api for GitHubActionsApi {
    async fn handle(&self, r: ApiRequest) -> ApiResponse {
        if r.method == http::Method::GET && r.path.starts_with("/_storage/") {
            return self.storage(&r.path).await.unwrap_or_else(|e| e);
        }
        let authed = r
            .header("authorization")
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("token "))
            })
            .is_some_and(|t| !t.trim().is_empty());
        if !authed {
            return error(StatusCode::UNAUTHORIZED, "Requires authentication");
        }
        let (caps, rest) = if let Some(c) = super::match_path(&r.path, "/repos/{o}/{r}") {
            (c, None)
        } else if let Some(c) = super::match_path(&r.path, "/repos/{o}/{r}/{rest*}") {
            (c[..2].to_vec(), Some(c[2].clone()))
        } else {
            return not_found();
        };
        let repo = Repo {
            project: format!("{}/{}", caps[0], caps[1]),
            owner: &caps[0],
            name: &caps[1],
        };
        if !has_project(&self.ci, &repo.project).await {
            return not_found();
        }
        match rest {
            None if r.method == http::Method::GET => ApiResponse::ok(&json!({
                "id": 1296269, "node_id": "R_1", "name": repo.name, "full_name": repo.project,
                "owner": {"login": repo.owner}, "private": true, "default_branch": "main",
                "html_url": format!("https://github.invalid/{}", repo.project),
            })),
            None => not_found(),
            Some(rest) => self
                .repo_route(&r, &repo, &rest)
                .await
                .unwrap_or_else(|e| e),
        }
    }
}
