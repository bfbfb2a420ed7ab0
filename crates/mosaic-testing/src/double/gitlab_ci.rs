//! A double of GitLab's CI/CD REST API v4
//! (<https://docs.gitlab.com/ee/api/pipelines.html>, `jobs.html`,
//! `environments.html`, `project_level_variables.html`) under `/api/v4`,
//! over a [`FakeCiCd`].
//!
//! Served under `/api/v4/projects/{id}` (the URL-encoded path, or the
//! numeric id handed out on first sight): the project (default branch
//! `main`, default CI/CD configuration file); `POST /pipeline` with `ref`,
//! `variables` and `inputs`; pipelines (list with `ref`, `status`, `source`;
//! get; `cancel`; `retry` in place; `variables`); jobs (a pipeline's jobs
//! without retried ones unless `include_retried`; get; `trace`; `retry`);
//! environments (list with `name`, create, update the `external_url`,
//! `stop`, delete only once stopped) and project CI/CD variables (list,
//! get, create, update, delete, each with `filter[environment_scope]`).
//! Lists page with `page` and `per_page` (at most 100) and answer `Link`,
//! `X-Page`, `X-Per-Page`, `X-Next-Page` and `X-Total`.
//!
//! Mapping: the fake's project is the GitLab project, its pipeline ids the
//! instance-wide ids, its per-project numbers the `iid`s. `retry` reruns in
//! place: the pipeline keeps its id and shows the fake's newest retry. A
//! variable without an environment has scope `*`. Errors carry GitLab's
//! `{"message": …}` bodies (400 for validation, 401 without a token, 403
//! deleting an available environment, 404 as `404 <Thing> Not Found`).
//!
//! Left out: job artifacts (the fake does not say which job made which
//! artifact), manual job `play`, schedules, triggers, bridges, group and
//! instance variables.

// The error half of a handler's result is the HTTP answer itself, built
// once per failed request of a test double: boxing it buys nothing.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;
use http::StatusCode;
use mosaic_core::cicd::*;
use mosaic_core::{Error, ErrorKind, PageRequest, Secret};
use parking_lot::Mutex;
use serde::Deserialize;
use serde_json::{Value, json};

use super::citr_util::{
    InPlace, all, definitions_of, environments_of, has_project, jobs_of, status_for,
};
use super::{Api, ApiRequest, ApiResponse, page_of, url_with};
use crate::FakeCiCd;

/// The GitLab CI/CD API over a [`FakeCiCd`]; serve it with
/// [`HttpDouble::start`](super::HttpDouble::start) and point the adapter
/// at `<base_url>/api/v4`.
#[derive(Debug)]
pub struct GitLabCiApi {
    ci: Arc<FakeCiCd>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Project id − 1 → path.
    projects: Vec<String>,
    /// Pipelines and their in-place retries.
    runs: InPlace,
    /// Stopped environments, `(project, name)`.
    stopped: BTreeSet<(String, String)>,
}

type Reply = Result<ApiResponse, ApiResponse>;

fn error(status: StatusCode, message: impl Into<Value>) -> ApiResponse {
    ApiResponse::json(status, &json!({ "message": message.into() }))
}

fn not_found(what: &str) -> ApiResponse {
    error(StatusCode::NOT_FOUND, format!("404 {what} Not Found"))
}

/// GitLab answers validation failures with 400 and field messages.
fn fail(e: Error, what: &str) -> ApiResponse {
    match e.kind() {
        ErrorKind::NotFound => not_found(what),
        ErrorKind::InvalidInput | ErrorKind::Conflict => {
            let field = e.field().unwrap_or("base").to_owned();
            let mut m = serde_json::Map::new();
            m.insert(field, json!([e.message()]));
            error(StatusCode::BAD_REQUEST, Value::Object(m))
        }
        _ => error(status_for(&e), e.message()),
    }
}

fn word(s: PipelineStatus) -> &'static str {
    match s {
        PipelineStatus::Queued => "pending",
        PipelineStatus::Running => "running",
        PipelineStatus::Success => "success",
        PipelineStatus::Failure => "failed",
        PipelineStatus::Cancelled => "canceled",
        PipelineStatus::Skipped => "skipped",
        PipelineStatus::Manual => "manual",
    }
}

/// A page of `items` as GitLab answers it.
fn listing(r: &ApiRequest, items: &[Value]) -> ApiResponse {
    let page = r.query_num("page", 1usize).max(1);
    let size = r.query_num("per_page", 20usize).clamp(1, 100);
    let (slice, more) = page_of(items, page, size);
    ApiResponse::ok(&slice)
        .with_header("x-page", page.to_string())
        .with_header("x-per-page", size.to_string())
        .with_header("x-total", items.len().to_string())
        .with_header(
            "x-next-page",
            if more {
                (page + 1).to_string()
            } else {
                String::new()
            },
        )
        .with_next_link(more.then(|| url_with(r, "page", page + 1)))
}

#[derive(Deserialize)]
struct CreateBody {
    #[serde(rename = "ref", default)]
    reference: String,
    #[serde(default)]
    variables: Vec<VarBody>,
    #[serde(default)]
    inputs: BTreeMap<String, Value>,
}

#[derive(Deserialize)]
struct VarBody {
    key: String,
    #[serde(default)]
    value: String,
}

#[derive(Deserialize)]
struct EnvBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    external_url: Option<String>,
}

#[derive(Deserialize)]
struct VariableBody {
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    masked: Option<bool>,
    #[serde(default)]
    protected: Option<bool>,
    #[serde(default)]
    environment_scope: Option<String>,
}

fn env_of(scope: Option<&str>) -> Option<String> {
    scope
        .filter(|s| !s.is_empty() && *s != "*")
        .map(str::to_owned)
}

impl GitLabCiApi {
    /// The API over `ci`; every project of `ci` is a GitLab project.
    pub fn new(ci: Arc<FakeCiCd>) -> Self {
        GitLabCiApi {
            ci,
            state: Mutex::new(State::default()),
        }
    }

    /// The project a path or id names, if the fake has it.
    async fn project(&self, key: &str) -> Option<(usize, String)> {
        let known = {
            let s = self.state.lock();
            match key.parse::<usize>() {
                Ok(n) => return s.projects.get(n.wrapping_sub(1)).map(|p| (n, p.clone())),
                Err(_) => s.projects.iter().position(|p| p == key).map(|i| i + 1),
            }
        };
        let exists = has_project(&self.ci, key).await;
        if !exists {
            return None;
        }
        let id = known.unwrap_or_else(|| {
            let mut s = self.state.lock();
            s.projects.push(key.to_owned());
            s.projects.len()
        });
        Some((id, key.to_owned()))
    }

    // ---- pipelines

    fn attempts(&self, id: &str) -> Option<Vec<String>> {
        self.state.lock().runs.attempts(id)
    }

    fn pipeline_of(&self, fake_id: &str) -> String {
        self.state.lock().runs.run_of(fake_id)
    }

    /// `(first, latest)` views of pipeline `id`.
    fn views(&self, project: &str, id: &str) -> Result<(Pipeline, Pipeline), ApiResponse> {
        let all = self.ci.pipelines(project);
        self.state
            .lock()
            .runs
            .views(&all, id)
            .map(|(f, l, _)| (f, l))
            .ok_or_else(|| not_found("Pipeline"))
    }

    fn render_pipeline(pid: usize, first: &Pipeline, last: &Pipeline) -> Value {
        let source = match first.event.as_deref() {
            Some("api" | "manual" | "retry") | None => "api",
            Some(e) => e,
        };
        let updated = last
            .finished_at
            .clone()
            .or_else(|| last.started_at.clone())
            .or_else(|| last.created_at.clone());
        json!({
            "id": first.id.parse::<u64>().unwrap_or(0), "iid": first.number, "project_id": pid,
            "sha": first.sha, "ref": first.reference, "status": word(last.status), "source": source,
            "created_at": first.created_at, "updated_at": updated,
            "started_at": last.started_at, "finished_at": last.finished_at,
            "committed_at": null, "duration": null, "queued_duration": null, "coverage": null,
            "before_sha": "0000000000000000000000000000000000000000", "tag": false, "yaml_errors": null,
            "web_url": format!("https://gitlab.invalid/{}/-/pipelines/{}", first.project, first.id),
            "user": {"id": 1, "username": "mosaic", "name": "Mosaic"},
            "detailed_status": {"group": word(last.status), "text": word(last.status)},
        })
    }

    async fn start(&self, project: &str, pid: usize, body: CreateBody) -> Reply {
        if body.reference.trim().is_empty() {
            return Err(error(StatusCode::BAD_REQUEST, "ref is missing"));
        }
        let variables: BTreeMap<String, String> = body
            .variables
            .into_iter()
            .map(|v| (v.key, v.value))
            .collect();
        let result = if body.inputs.is_empty() {
            self.ci
                .create_pipeline(CreatePipeline {
                    project: project.to_owned(),
                    reference: body.reference.clone(),
                    variables,
                })
                .await
        } else {
            let definition = definitions_of(&self.ci, project)
                .await
                .map_err(|e| fail(e, "Project"))?
                .into_iter()
                .map(|d| d.id)
                .find(|d| d == "ci")
                .unwrap_or_else(|| "ci".to_owned());
            let inputs = body
                .inputs
                .into_iter()
                .map(|(k, v)| match v {
                    Value::String(s) => (k, s),
                    other => (k, other.to_string()),
                })
                .collect();
            self.ci
                .trigger_pipeline(TriggerPipeline {
                    project: project.to_owned(),
                    definition,
                    reference: Some(body.reference.clone()),
                    inputs,
                })
                .await
        };
        let p = result.map_err(|e| match e.field() {
            Some("reference") => error(
                StatusCode::BAD_REQUEST,
                json!({"base": ["Reference not found"]}),
            ),
            _ => fail(e, "Pipeline"),
        })?;
        Ok(ApiResponse::created(&Self::render_pipeline(pid, &p, &p)))
    }

    // ---- jobs

    async fn fake_jobs(&self, project: &str, pipeline: &str) -> Result<Vec<Job>, ApiResponse> {
        jobs_of(&self.ci, project, pipeline)
            .await
            .map_err(|e| fail(e, "Pipeline"))
    }

    fn render_job(&self, pid: usize, j: &Job, pipeline: &Pipeline) -> Value {
        let pipe = self.pipeline_of(&j.pipeline_id);
        json!({
            "id": j.id.parse::<u64>().unwrap_or(0), "name": j.name, "stage": j.stage.clone().unwrap_or_else(|| "test".to_owned()),
            "status": word(j.status), "ref": pipeline.reference, "tag": false, "coverage": null,
            "allow_failure": false, "created_at": pipeline.created_at,
            "started_at": j.started_at, "finished_at": j.finished_at,
            "duration": null, "queued_duration": null,
            "web_url": format!("https://gitlab.invalid/{}/-/jobs/{}", pipeline.project, j.id),
            "pipeline": {
                "id": pipe.parse::<u64>().unwrap_or(0), "project_id": pid, "ref": pipeline.reference,
                "sha": pipeline.sha, "status": word(pipeline.status),
            },
            "user": {"id": 1, "username": "mosaic"}, "artifacts": [], "runner": null,
        })
    }

    async fn job(&self, project: &str, id: &str) -> Result<(Job, Pipeline), ApiResponse> {
        let j = self
            .ci
            .get_job(JobRef {
                project: project.to_owned(),
                id: id.to_owned(),
            })
            .await
            .map_err(|e| fail(e, "Job"))?;
        let p = self
            .ci
            .pipelines(project)
            .into_iter()
            .find(|p| p.id == j.pipeline_id)
            .ok_or_else(|| not_found("Job"))?;
        Ok((j, p))
    }

    // ---- environments and variables

    async fn environments(&self, project: &str) -> Result<Vec<Environment>, ApiResponse> {
        environments_of(&self.ci, project)
            .await
            .map_err(|e| fail(e, "Project"))
    }

    async fn env_by_id(&self, project: &str, id: &str) -> Result<Environment, ApiResponse> {
        self.environments(project)
            .await?
            .into_iter()
            .find(|e| e.id == id)
            .ok_or_else(|| not_found("Environment"))
    }

    fn render_env(&self, project: &str, e: &Environment) -> Value {
        let stopped = self
            .state
            .lock()
            .stopped
            .contains(&(project.to_owned(), e.name.clone()));
        json!({
            "id": e.id.parse::<u64>().unwrap_or(0), "name": e.name,
            "slug": e.name.to_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "-"),
            "external_url": e.url, "state": if stopped { "stopped" } else { "available" },
            "tier": "other", "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
        })
    }

    async fn variables(&self, project: &str) -> Result<Vec<SecretInfo>, ApiResponse> {
        all(
            ListSecrets {
                project: project.to_owned(),
                environment: None,
                page: PageRequest::first(),
            },
            |q| self.ci.list_secrets(q),
        )
        .await
        .map_err(|e| fail(e, "Project"))
    }

    fn render_var(&self, project: &str, s: &SecretInfo) -> Value {
        let value = self
            .ci
            .secret_value(project, s.environment.as_deref(), &s.name)
            .map(|v| v.expose().to_owned());
        json!({
            "key": s.name, "value": value, "variable_type": "env_var",
            "protected": s.protected, "masked": s.masked, "raw": false,
            "environment_scope": s.environment.clone().unwrap_or_else(|| "*".to_owned()),
            "description": null,
        })
    }

    async fn variable(
        &self,
        req: &ApiRequest,
        project: &str,
        key: &str,
    ) -> Result<SecretInfo, ApiResponse> {
        let scope = req.query("filter[environment_scope]");
        self.variables(project)
            .await?
            .into_iter()
            .find(|s| {
                s.name == key
                    && scope.is_none_or(|sc| s.environment.as_deref().unwrap_or("*") == sc)
            })
            .ok_or_else(|| not_found("Variable"))
    }

    async fn project_route(
        &self,
        req: &ApiRequest,
        pid: usize,
        project: &str,
        rest: &str,
    ) -> Reply {
        let sub = ApiRequest {
            path: format!("/{rest}"),
            ..req.clone()
        };
        if sub.route("POST", "/pipeline").is_some() {
            let body: CreateBody = req.json()?;
            return self.start(project, pid, body).await;
        }
        if sub.route("GET", "/pipelines").is_some() {
            let pipelines = self.ci.pipelines(project);
            let runs = self.state.lock().runs.runs(&pipelines);
            let items: Vec<Value> = runs
                .into_iter()
                .map(|(f, l, _)| Self::render_pipeline(pid, &f, &l))
                .filter(|v| {
                    req.query("ref").is_none_or(|r| v["ref"] == r)
                        && req.query("status").is_none_or(|s| v["status"] == s)
                        && req.query("source").is_none_or(|s| v["source"] == s)
                })
                .collect();
            return Ok(listing(req, &items));
        }
        if let Some(c) = sub.route("GET", "/pipelines/{id}") {
            let (f, l) = self.views(project, &c[0])?;
            return Ok(ApiResponse::ok(&Self::render_pipeline(pid, &f, &l)));
        }
        if let Some(c) = sub.route("GET", "/pipelines/{id}/variables") {
            let (f, _) = self.views(project, &c[0])?;
            let vars: Vec<Value> = self
                .ci
                .pipeline_variables(&f.id)
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| json!({"key": k, "value": v, "variable_type": "env_var"}))
                .collect();
            return Ok(ApiResponse::ok(&vars));
        }
        if let Some(c) = sub.route("POST", "/pipelines/{id}/cancel") {
            let (_, l) = self.views(project, &c[0])?;
            match self
                .ci
                .cancel_pipeline(PipelineRef::new(project, &l.id))
                .await
            {
                // a finished pipeline has nothing left to cancel
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::Conflict => {}
                Err(e) => return Err(fail(e, "Pipeline")),
            }
            let (f, l) = self.views(project, &c[0])?;
            return Ok(ApiResponse::ok(&Self::render_pipeline(pid, &f, &l)));
        }
        if let Some(c) = sub.route("POST", "/pipelines/{id}/retry") {
            let (_, l) = self.views(project, &c[0])?;
            let again = self
                .ci
                .retry_pipeline(RetryPipeline {
                    project: project.to_owned(),
                    id: l.id,
                    failed_only: true,
                })
                .await
                .map_err(|e| fail(e, "Pipeline"))?;
            self.state.lock().runs.retried(&c[0], again.id);
            let (f, l) = self.views(project, &c[0])?;
            return Ok(ApiResponse::created(&Self::render_pipeline(pid, &f, &l)));
        }
        if let Some(c) = sub.route("GET", "/pipelines/{id}/jobs") {
            let ids = self.attempts(&c[0]).ok_or_else(|| not_found("Pipeline"))?;
            let retried = req.query("include_retried") == Some("true");
            let all_pipelines = self.ci.pipelines(project);
            let mut jobs: Vec<(Job, Pipeline)> = Vec::new();
            for id in &ids {
                let p = all_pipelines
                    .iter()
                    .find(|p| p.id == *id)
                    .cloned()
                    .ok_or_else(|| not_found("Pipeline"))?;
                for j in self.fake_jobs(project, id).await? {
                    jobs.push((j, p.clone()));
                }
            }
            if !retried {
                // only the newest job of each name
                let mut latest: Vec<(Job, Pipeline)> = Vec::new();
                for (j, p) in jobs {
                    match latest.iter().position(|(l, _)| l.name == j.name) {
                        Some(k) => latest[k] = (j, p),
                        None => latest.push((j, p)),
                    }
                }
                jobs = latest;
            }
            // newest first, as GitLab lists them
            jobs.sort_by_key(|(j, _)| std::cmp::Reverse(j.id.parse::<u64>().unwrap_or(0)));
            let items: Vec<Value> = jobs
                .iter()
                .map(|(j, p)| self.render_job(pid, j, p))
                .collect();
            return Ok(listing(req, &items));
        }
        if let Some(c) = sub.route("GET", "/jobs/{id}") {
            let (j, p) = self.job(project, &c[0]).await?;
            return Ok(ApiResponse::ok(&self.render_job(pid, &j, &p)));
        }
        if let Some(c) = sub.route("GET", "/jobs/{id}/trace") {
            let (j, p) = self.job(project, &c[0]).await?;
            let log = self
                .ci
                .get_log(GetLog {
                    project: project.to_owned(),
                    pipeline: p.id,
                    job: Some(j.id),
                    offset: 0,
                })
                .await
                .map_err(|e| fail(e, "Job"))?;
            return Ok(ApiResponse::bytes(StatusCode::OK, "text/plain", log.text));
        }
        if let Some(c) = sub.route("POST", "/jobs/{id}/retry") {
            let j = self
                .ci
                .rerun_job(JobRef {
                    project: project.to_owned(),
                    id: c[0].clone(),
                })
                .await
                .map_err(|e| match e.kind() {
                    ErrorKind::Conflict => error(
                        StatusCode::FORBIDDEN,
                        "403 Forbidden - Job is not retryable",
                    ),
                    _ => fail(e, "Job"),
                })?;
            let (j, p) = self.job(project, &j.id).await?;
            return Ok(ApiResponse::created(&self.render_job(pid, &j, &p)));
        }
        self.env_route(req, &sub, project).await
    }

    async fn env_route(&self, req: &ApiRequest, sub: &ApiRequest, project: &str) -> Reply {
        if sub.route("GET", "/environments").is_some() {
            let items: Vec<Value> = self
                .environments(project)
                .await?
                .iter()
                .filter(|e| req.query("name").is_none_or(|n| e.name == n))
                .filter(|e| req.query("search").is_none_or(|n| e.name.contains(n)))
                .map(|e| self.render_env(project, e))
                .collect();
            return Ok(listing(req, &items));
        }
        if let Some(c) = sub.route("GET", "/environments/{id}") {
            let e = self.env_by_id(project, &c[0]).await?;
            return Ok(ApiResponse::ok(&self.render_env(project, &e)));
        }
        if sub.route("POST", "/environments").is_some() {
            let body: EnvBody = req.json()?;
            let name = body.name.unwrap_or_default();
            if name.trim().is_empty() {
                return Err(error(StatusCode::BAD_REQUEST, "name is missing"));
            }
            let e = self
                .ci
                .create_environment(WriteEnvironment {
                    project: project.to_owned(),
                    name,
                    url: body.external_url.filter(|u| !u.is_empty()),
                })
                .await
                .map_err(|e| match e.kind() {
                    ErrorKind::Conflict => error(
                        StatusCode::BAD_REQUEST,
                        json!({"name": ["has already been taken"]}),
                    ),
                    _ => fail(e, "Environment"),
                })?;
            return Ok(ApiResponse::created(&self.render_env(project, &e)));
        }
        if let Some(c) = sub.route("PUT", "/environments/{id}") {
            let body: EnvBody = req.json()?;
            let old = self.env_by_id(project, &c[0]).await?;
            if body.name.as_deref().is_some_and(|n| n != old.name) {
                return Err(error(StatusCode::BAD_REQUEST, "name can not be changed"));
            }
            let url = match body.external_url {
                Some(u) if u.is_empty() => None,
                Some(u) => Some(u),
                None => old.url.clone(),
            };
            let e = self
                .ci
                .update_environment(WriteEnvironment {
                    project: project.to_owned(),
                    name: old.name,
                    url,
                })
                .await
                .map_err(|e| fail(e, "Environment"))?;
            return Ok(ApiResponse::ok(&self.render_env(project, &e)));
        }
        if let Some(c) = sub.route("POST", "/environments/{id}/stop") {
            let e = self.env_by_id(project, &c[0]).await?;
            self.state
                .lock()
                .stopped
                .insert((project.to_owned(), e.name.clone()));
            return Ok(ApiResponse::ok(&self.render_env(project, &e)));
        }
        if let Some(c) = sub.route("DELETE", "/environments/{id}") {
            let e = self.env_by_id(project, &c[0]).await?;
            let key = (project.to_owned(), e.name.clone());
            if !self.state.lock().stopped.contains(&key) {
                return Err(error(
                    StatusCode::FORBIDDEN,
                    "403 Forbidden - Environment must be stopped before deletion",
                ));
            }
            self.ci
                .delete_environment(EnvironmentRef {
                    project: project.to_owned(),
                    name: e.name,
                })
                .await
                .map_err(|e| fail(e, "Environment"))?;
            self.state.lock().stopped.remove(&key);
            return Ok(ApiResponse::empty(StatusCode::NO_CONTENT));
        }
        self.variables_route(req, sub, project).await
    }

    async fn variables_route(&self, req: &ApiRequest, sub: &ApiRequest, project: &str) -> Reply {
        if sub.route("GET", "/variables").is_some() {
            let items: Vec<Value> = self
                .variables(project)
                .await?
                .iter()
                .map(|s| self.render_var(project, s))
                .collect();
            return Ok(listing(req, &items));
        }
        if let Some(c) = sub.route("GET", "/variables/{key}") {
            let s = self.variable(req, project, &c[0]).await?;
            return Ok(ApiResponse::ok(&self.render_var(project, &s)));
        }
        if sub.route("POST", "/variables").is_some() {
            let body: VariableBody = req.json()?;
            let key = body.key.unwrap_or_default();
            let value = body.value.unwrap_or_default();
            if key.is_empty() {
                return Err(error(StatusCode::BAD_REQUEST, "key is missing"));
            }
            let put = WriteSecret {
                project: project.to_owned(),
                name: key.clone(),
                value: Secret::new(value),
                environment: env_of(body.environment_scope.as_deref()),
                masked: body.masked.unwrap_or(false),
                protected: body.protected.unwrap_or(false),
            };
            let s = self
                .ci
                .create_secret(put)
                .await
                .map_err(|e| match e.kind() {
                    ErrorKind::Conflict => error(
                        StatusCode::BAD_REQUEST,
                        json!({"key": [format!("({key}) has already been taken")]}),
                    ),
                    _ => fail(e, "Variable"),
                })?;
            return Ok(ApiResponse::created(&self.render_var(project, &s)));
        }
        if let Some(c) = sub.route("PUT", "/variables/{key}") {
            let body: VariableBody = req.json()?;
            let old = self.variable(req, project, &c[0]).await?;
            let value = match body.value {
                Some(v) => Secret::new(v),
                None => self
                    .ci
                    .secret_value(project, old.environment.as_deref(), &old.name)
                    .ok_or_else(|| not_found("Variable"))?,
            };
            let s = self
                .ci
                .update_secret(WriteSecret {
                    project: project.to_owned(),
                    name: old.name.clone(),
                    value,
                    environment: old.environment.clone(),
                    masked: body.masked.unwrap_or(old.masked),
                    protected: body.protected.unwrap_or(old.protected),
                })
                .await
                .map_err(|e| fail(e, "Variable"))?;
            return Ok(ApiResponse::ok(&self.render_var(project, &s)));
        }
        if let Some(c) = sub.route("DELETE", "/variables/{key}") {
            let old = self.variable(req, project, &c[0]).await?;
            self.ci
                .delete_secret(SecretRef {
                    project: project.to_owned(),
                    name: old.name,
                    environment: old.environment,
                })
                .await
                .map_err(|e| fail(e, "Variable"))?;
            return Ok(ApiResponse::empty(StatusCode::NO_CONTENT));
        }
        Err(error(StatusCode::NOT_FOUND, "404 Not Found"))
    }
}

#[async_trait]
impl Api for GitLabCiApi {
    async fn handle(&self, r: ApiRequest) -> ApiResponse {
        let token = r
            .header("private-token")
            .filter(|t| !t.trim().is_empty())
            .is_some()
            || r.header("authorization")
                .and_then(|h| h.strip_prefix("Bearer "))
                .is_some_and(|t| !t.trim().is_empty());
        if !token {
            return error(StatusCode::UNAUTHORIZED, "401 Unauthorized");
        }
        let (key, rest) = if let Some(c) = super::match_path(&r.path, "/api/v4/projects/{id}") {
            (c[0].clone(), None)
        } else if let Some(c) = super::match_path(&r.path, "/api/v4/projects/{id}/{rest*}") {
            (c[0].clone(), Some(c[1].clone()))
        } else {
            return error(StatusCode::NOT_FOUND, "404 Not Found");
        };
        let Some((pid, project)) = self.project(&key).await else {
            return not_found("Project");
        };
        match rest {
            None if r.method == http::Method::GET => ApiResponse::ok(&json!({
                "id": pid, "path_with_namespace": project,
                "name": project.rsplit('/').next().unwrap_or(&project),
                "web_url": format!("https://gitlab.invalid/{project}"),
                "default_branch": "main", "ci_config_path": null,
                "builds_access_level": "enabled", "jobs_enabled": true,
            })),
            None => error(StatusCode::NOT_FOUND, "404 Not Found"),
            Some(rest) => self
                .project_route(&r, pid, &project, &rest)
                .await
                .unwrap_or_else(|e| e),
        }
    }
}
