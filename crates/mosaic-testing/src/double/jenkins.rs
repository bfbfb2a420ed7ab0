//! A double of the Jenkins remote access API
//! (<https://www.jenkins.io/doc/book/using/remote-access-api/>, the queue,
//! the CSRF crumb issuer and the Pipeline Stage View plugin's `wfapi`)
//! over a [`FakeCiCd`].
//!
//! Model: a fake project `a/b` is the item at `/job/a/job/b`, a
//! multibranch pipeline whose branches are the fake's refs: its branch job
//! `/job/a/job/b/job/<ref>` builds the fake's default definition
//! (`create_pipeline`). Each fake definition `<def>` is also a multibranch
//! pipeline inside it (`/job/a/job/b/job/<def>`, listed in the item's
//! `jobs`, `buildable: false` as multibranch projects are not built
//! themselves), whose branch jobs `…/job/<def>/job/<ref>` run that
//! definition (`trigger_pipeline`). Build numbers count per branch job.
//!
//! Served: `api/json` of items (with `jobs` and, for branch jobs, `builds`;
//! a `tree` range `{from,to}` selects a slice, field selections are not
//! applied), `build` and `buildWithParameters` (form parameters; `201`
//! with `Location: /queue/item/N/`), queue items (the build starts at
//! once, so `executable` is set), builds' `api/json`, `stop`,
//! `logText/progressiveText?start=N` (`X-Text-Size`, `X-More-Data`),
//! `artifact/<path>`, `wfapi/describe` and
//! `execution/node/<id>/wfapi/describe` (a stage per fake job), and
//! `/crumbIssuer/api/json`: every POST needs the crumb header and its
//! session cookie (`403` otherwise). Requests need HTTP basic auth
//! (`401`).
//!
//! Left out: plain folders, freestyle jobs, views, nodes, credentials,
//! quiet periods (a queue item never waits) and input steps.

// The error half of a handler's result is the HTTP answer itself, built
// once per failed request of a test double: boxing it buys nothing.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use http::StatusCode;
use mosaic_core::cicd::*;
use mosaic_core::{Error, ErrorKind, PageRequest};
use parking_lot::Mutex;
use serde_json::{Value, json};

use super::citr_util::{all, definitions_of, has_project, jobs_of, status_for, unix};
use super::{Api, ApiRequest, ApiResponse};
use crate::FakeCiCd;

/// The crumb the double issues.
pub const CRUMB: &str = "3f1f0c1e5a8b4d2e9c7a6b5d4e3f2a1b";
const SESSION: &str = "JSESSIONID.double=node0mosaic";

/// The Jenkins API over a [`FakeCiCd`]; serve it with
/// [`HttpDouble::start`](super::HttpDouble::start).
#[derive(Debug)]
pub struct JenkinsApi {
    ci: Arc<FakeCiCd>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// `(project, branch job)` → the fake's pipelines, build number − 1.
    builds: BTreeMap<(String, String), Vec<String>>,
    /// Queue item id − 1 → (project, branch job, build number).
    queue: Vec<(String, String, usize)>,
}

type Reply = Result<ApiResponse, ApiResponse>;

fn text(status: StatusCode, msg: impl std::fmt::Display) -> ApiResponse {
    ApiResponse::bytes(status, "text/html;charset=utf-8", msg.to_string())
}

fn not_found() -> ApiResponse {
    text(StatusCode::NOT_FOUND, "Not Found")
}

fn fail(e: Error) -> ApiResponse {
    match e.kind() {
        ErrorKind::InvalidInput => text(StatusCode::BAD_REQUEST, e.message()),
        _ => text(status_for(&e), e.message()),
    }
}

/// What an item path names below its project.
#[derive(Debug, Clone)]
enum Item {
    /// The project's multibranch item.
    Project,
    /// A definition's multibranch item.
    Definition(String),
    /// A branch job: `<ref>` or `<def>/<ref>`.
    Branch {
        definition: Option<String>,
        reference: String,
    },
}

impl Item {
    fn key(&self) -> String {
        match self {
            Item::Branch {
                definition: Some(d),
                reference,
            } => format!("{d}/{reference}"),
            Item::Branch { reference, .. } => reference.clone(),
            Item::Project => String::new(),
            Item::Definition(d) => d.clone(),
        }
    }
}

/// `(from, to)` of a `tree` selection ending in `{from,to}`.
fn range(tree: Option<&str>) -> Option<(usize, usize)> {
    let t = tree?.trim();
    let inner = t.strip_suffix('}')?;
    let open = inner.rfind('{')?;
    let (a, b) = inner[open + 1..].split_once(',')?;
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
}

fn ranged(items: Vec<Value>, tree: Option<&str>) -> Vec<Value> {
    match range(tree) {
        Some((from, to)) => items
            .into_iter()
            .skip(from)
            .take(to.saturating_sub(from))
            .collect(),
        None => items,
    }
}

fn millis(ts: &Option<String>) -> i64 {
    ts.as_deref().map(unix).unwrap_or(0) * 1000
}

fn stage_word(s: PipelineStatus) -> &'static str {
    match s {
        PipelineStatus::Queued => "QUEUED",
        PipelineStatus::Running => "IN_PROGRESS",
        PipelineStatus::Manual => "PAUSED_PENDING_INPUT",
        PipelineStatus::Success => "SUCCESS",
        PipelineStatus::Failure => "FAILED",
        PipelineStatus::Cancelled => "ABORTED",
        PipelineStatus::Skipped => "NOT_EXECUTED",
    }
}

impl JenkinsApi {
    /// The API over `ci`.
    pub fn new(ci: Arc<FakeCiCd>) -> Self {
        JenkinsApi {
            ci,
            state: Mutex::new(State::default()),
        }
    }

    async fn definitions(&self, project: &str) -> Result<Vec<PipelineDefinition>, ApiResponse> {
        definitions_of(&self.ci, project).await.map_err(fail)
    }

    /// Split `/job/a/job/b/…/<tail>` into the project, the item below it
    /// and the tail.
    async fn resolve(&self, path: &str) -> Option<(String, Item, Vec<String>)> {
        let segs: Vec<String> = path
            .trim_matches('/')
            .split('/')
            .map(|s| {
                super::match_path(&format!("/{s}"), "/{x}").map_or(String::new(), |c| c[0].clone())
            })
            .collect();
        let mut names = Vec::new();
        let mut i = 0;
        while i + 1 < segs.len() && segs[i] == "job" {
            names.push(segs[i + 1].clone());
            i += 2;
        }
        let tail = segs[i..].to_vec();
        for k in (1..=names.len()).rev() {
            let project = names[..k].join("/");
            if !has_project(&self.ci, &project).await {
                continue;
            }
            let below = &names[k..];
            let defs = self.definitions(&project).await.ok()?;
            let is_def = |n: &str| defs.iter().any(|d| d.id == n);
            let item = match below {
                [] => Item::Project,
                [x] if is_def(x) => Item::Definition(x.clone()),
                [x] => Item::Branch {
                    definition: None,
                    reference: x.clone(),
                },
                [d, r] if is_def(d) => Item::Branch {
                    definition: Some(d.clone()),
                    reference: r.clone(),
                },
                _ => return None,
            };
            return Some((project, item, tail));
        }
        None
    }

    fn builds(&self, project: &str, key: &str) -> Vec<String> {
        self.state
            .lock()
            .builds
            .get(&(project.to_owned(), key.to_owned()))
            .cloned()
            .unwrap_or_default()
    }

    fn pipeline(&self, project: &str, key: &str, number: &str) -> Result<Pipeline, ApiResponse> {
        let n: usize = number.parse().map_err(|_| not_found())?;
        let ids = self.builds(project, key);
        let id = ids.get(n.wrapping_sub(1)).ok_or_else(not_found)?;
        self.ci
            .pipelines(project)
            .into_iter()
            .find(|p| p.id == *id)
            .ok_or_else(not_found)
    }

    fn url(req: &ApiRequest, project: &str, key: &str) -> String {
        let mut out = req.origin.clone();
        for part in project
            .split('/')
            .chain(key.split('/').filter(|s| !s.is_empty()))
        {
            out.push_str("/job/");
            out.push_str(part);
        }
        out.push('/');
        out
    }

    fn render_build(
        &self,
        req: &ApiRequest,
        project: &str,
        key: &str,
        n: usize,
        p: &Pipeline,
    ) -> Value {
        let (building, result) = match p.status {
            PipelineStatus::Queued => (false, None),
            PipelineStatus::Running | PipelineStatus::Manual => (true, None),
            PipelineStatus::Success => (false, Some("SUCCESS")),
            PipelineStatus::Failure => (false, Some("FAILURE")),
            PipelineStatus::Cancelled => (false, Some("ABORTED")),
            PipelineStatus::Skipped => (false, Some("NOT_BUILT")),
        };
        let start = millis(&p.created_at);
        let duration = if p.finished_at.is_some() {
            millis(&p.finished_at) - start
        } else {
            0
        };
        let cause = match p.event.as_deref() {
            Some("manual") => {
                json!({"_class": "hudson.model.Cause$UserIdCause", "shortDescription": "Started by user mosaic", "userId": "mosaic"})
            }
            _ => {
                json!({"_class": "hudson.model.Cause$RemoteCause", "shortDescription": "Started by remote host 127.0.0.1"})
            }
        };
        let params: Vec<Value> = self
            .ci
            .pipeline_variables(&p.id)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| json!({"_class": "hudson.model.StringParameterValue", "name": k, "value": v}))
            .collect();
        json!({
            "_class": "org.jenkinsci.plugins.workflow.job.WorkflowRun",
            "number": n, "id": n.to_string(),
            "url": format!("{}{n}/", Self::url(req, project, key)),
            "building": building, "result": result,
            "timestamp": start, "duration": duration,
            "displayName": format!("#{n}"),
            "actions": [
                {"_class": "hudson.model.CauseAction", "causes": [cause]},
                {"_class": "hudson.model.ParametersAction", "parameters": params},
                {"_class": "hudson.plugins.git.util.BuildData", "lastBuiltRevision": {
                    "SHA1": p.sha, "branch": [{"SHA1": p.sha, "name": p.reference}]
                }},
            ],
            "artifacts": [],
        })
    }

    async fn with_artifacts(
        &self,
        project: &str,
        p: &Pipeline,
        mut build: Value,
    ) -> Result<Value, ApiResponse> {
        let list = all(
            ListArtifacts {
                project: project.to_owned(),
                pipeline: p.id.clone(),
                page: PageRequest::first(),
            },
            |q| self.ci.list_artifacts(q),
        )
        .await
        .map_err(fail)?;
        build["artifacts"] = Value::Array(
            list.iter()
                .map(|a| {
                    json!({
                        "displayPath": a.name,
                        "fileName": a.name.rsplit('/').next().unwrap_or(&a.name),
                        "relativePath": a.name,
                    })
                })
                .collect(),
        );
        Ok(build)
    }

    async fn stages(&self, project: &str, p: &Pipeline) -> Result<Vec<Value>, ApiResponse> {
        let jobs = jobs_of(&self.ci, project, &p.id).await.map_err(fail)?;
        Ok(jobs
            .iter()
            .map(|j| {
                let start = millis(&j.started_at);
                let dur = if j.finished_at.is_some() {
                    millis(&j.finished_at) - start
                } else {
                    0
                };
                json!({
                    "id": j.id, "name": j.name, "execNode": "", "status": stage_word(j.status),
                    "startTimeMillis": start, "durationMillis": dur, "pauseDurationMillis": 0,
                })
            })
            .collect())
    }

    async fn start(&self, req: &ApiRequest, project: &str, item: &Item) -> Reply {
        let Item::Branch {
            definition,
            reference,
        } = item
        else {
            return Err(text(
                StatusCode::METHOD_NOT_ALLOWED,
                "a multibranch project is not built itself; build one of its branch jobs",
            ));
        };
        let params: BTreeMap<String, String> = std::str::from_utf8(&req.body)
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                let dec = |s: &str| {
                    super::match_path(&format!("/{}", s.replace('+', " ")), "/{x}")
                        .map_or(String::new(), |c| c[0].clone())
                };
                (dec(k), dec(v))
            })
            .collect();
        let started = match definition {
            None => {
                self.ci
                    .create_pipeline(CreatePipeline {
                        project: project.to_owned(),
                        reference: reference.clone(),
                        variables: params,
                    })
                    .await
            }
            Some(d) => {
                self.ci
                    .trigger_pipeline(TriggerPipeline {
                        project: project.to_owned(),
                        definition: d.clone(),
                        reference: Some(reference.clone()),
                        inputs: params,
                    })
                    .await
            }
        };
        let p = started.map_err(|e| match e.field() {
            Some("reference") => not_found(),
            _ => fail(e),
        })?;
        let key = item.key();
        let q = {
            let mut s = self.state.lock();
            let list = s
                .builds
                .entry((project.to_owned(), key.clone()))
                .or_default();
            list.push(p.id);
            let n = list.len();
            s.queue.push((project.to_owned(), key, n));
            s.queue.len()
        };
        Ok(ApiResponse::empty(StatusCode::CREATED)
            .with_header("location", format!("{}/queue/item/{q}/", req.origin)))
    }

    async fn item_route(
        &self,
        req: &ApiRequest,
        project: String,
        item: Item,
        tail: &[String],
    ) -> Reply {
        let key = item.key();
        let tail: Vec<&str> = tail.iter().map(String::as_str).collect();
        let get = req.method == http::Method::GET;
        let post = req.method == http::Method::POST;
        match tail.as_slice() {
            ["api", "json"] if get => {
                let tree = req.query("tree");
                let mut v = json!({
                    "name": key.rsplit('/').next().filter(|s| !s.is_empty()).unwrap_or_else(|| project.rsplit('/').next().unwrap_or(&project)),
                    "fullName": if key.is_empty() { project.clone() } else { format!("{project}/{key}") },
                    "url": Self::url(req, &project, &key),
                });
                match &item {
                    Item::Project | Item::Definition(_) => {
                        v["_class"] = json!(
                            "org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject"
                        );
                        v["buildable"] = json!(false);
                        v["color"] = json!("notbuilt");
                        let defs = self.definitions(&project).await?;
                        let jobs: Vec<Value> = if matches!(item, Item::Project) {
                            defs.iter()
                                .map(|d| json!({
                                    "_class": "org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject",
                                    "name": d.id, "fullName": format!("{project}/{}", d.id),
                                    "url": Self::url(req, &project, &d.id),
                                    "color": if d.enabled { "notbuilt" } else { "disabled" },
                                    "buildable": false,
                                }))
                                .collect()
                        } else {
                            Vec::new()
                        };
                        v["jobs"] = Value::Array(ranged(jobs, tree));
                    }
                    Item::Branch { .. } => {
                        v["_class"] = json!("org.jenkinsci.plugins.workflow.job.WorkflowJob");
                        v["buildable"] = json!(true);
                        v["color"] = json!("blue");
                        let ids = self.builds(&project, &key);
                        let all = self.ci.pipelines(&project);
                        let mut builds = Vec::new();
                        for (i, id) in ids.iter().enumerate().rev() {
                            if let Some(p) = all.iter().find(|p| p.id == *id) {
                                builds.push(self.render_build(req, &project, &key, i + 1, p));
                            }
                        }
                        v["builds"] = Value::Array(ranged(builds, tree));
                    }
                }
                Ok(ApiResponse::ok(&v))
            }
            ["build" | "buildWithParameters"] if post => self.start(req, &project, &item).await,
            [n, "api", "json"] if get => {
                let p = self.pipeline(&project, &key, n)?;
                let b = self.render_build(req, &project, &key, n.parse().unwrap_or(0), &p);
                Ok(ApiResponse::ok(
                    &self.with_artifacts(&project, &p, b).await?,
                ))
            }
            [n, "stop"] if post => {
                let p = self.pipeline(&project, &key, n)?;
                match self
                    .ci
                    .cancel_pipeline(PipelineRef::new(&project, &p.id))
                    .await
                {
                    // stopping a finished build changes nothing
                    Ok(_) => {}
                    Err(e) if e.kind() == ErrorKind::Conflict => {}
                    Err(e) => return Err(fail(e)),
                }
                Ok(ApiResponse::empty(StatusCode::OK))
            }
            [n, "logText", "progressiveText"] if get => {
                let p = self.pipeline(&project, &key, n)?;
                let start = req.query_num("start", 0u64);
                let log = self
                    .ci
                    .get_log(GetLog {
                        project: project.clone(),
                        pipeline: p.id.clone(),
                        job: None,
                        offset: start,
                    })
                    .await
                    .map_err(fail)?;
                let mut resp =
                    ApiResponse::bytes(StatusCode::OK, "text/plain;charset=utf-8", log.text)
                        .with_header("x-text-size", log.next_offset.to_string());
                if !log.complete {
                    resp = resp.with_header("x-more-data", "true");
                }
                Ok(resp)
            }
            [n, "wfapi", "describe"] if get => {
                let p = self.pipeline(&project, &key, n)?;
                let stages = self.stages(&project, &p).await?;
                Ok(ApiResponse::ok(&json!({
                    "id": n, "name": format!("#{n}"), "status": stage_word(p.status),
                    "startTimeMillis": millis(&p.created_at), "stages": stages,
                })))
            }
            [n, "execution", "node", node, "wfapi", "describe"] if get => {
                let p = self.pipeline(&project, &key, n)?;
                let stages = self.stages(&project, &p).await?;
                stages
                    .into_iter()
                    .find(|s| s["id"] == *node)
                    .map(|s| ApiResponse::ok(&s))
                    .ok_or_else(not_found)
            }
            [n, "artifact", rest @ ..] if get && !rest.is_empty() => {
                let p = self.pipeline(&project, &key, n)?;
                let data = self
                    .ci
                    .download_artifact(ArtifactRef {
                        project: project.clone(),
                        pipeline: p.id,
                        id: rest.join("/"),
                    })
                    .await
                    .map_err(fail)?;
                Ok(ApiResponse::bytes(
                    StatusCode::OK,
                    "application/octet-stream",
                    data.content,
                ))
            }
            _ => Err(not_found()),
        }
    }

    fn queue_item(&self, req: &ApiRequest, id: &str) -> Reply {
        let n: usize = id.parse().map_err(|_| not_found())?;
        let (project, key, number) = self
            .state
            .lock()
            .queue
            .get(n.wrapping_sub(1))
            .cloned()
            .ok_or_else(not_found)?;
        Ok(ApiResponse::ok(&json!({
            "_class": "hudson.model.Queue$LeftItem", "id": n, "cancelled": false, "why": null,
            "task": {"name": key, "url": Self::url(req, &project, &key)},
            "executable": {
                "_class": "org.jenkinsci.plugins.workflow.job.WorkflowRun", "number": number,
                "url": format!("{}{number}/", Self::url(req, &project, &key)),
            },
        })))
    }
}

#[async_trait]
impl Api for JenkinsApi {
    async fn handle(&self, r: ApiRequest) -> ApiResponse {
        let basic = r
            .header("authorization")
            .and_then(|h| h.strip_prefix("Basic "))
            .is_some_and(|t| !t.trim().is_empty());
        if !basic {
            return text(StatusCode::UNAUTHORIZED, "Authentication required")
                .with_header("www-authenticate", "Basic realm=\"Jenkins\"");
        }
        if r.route("GET", "/crumbIssuer/api/json").is_some() {
            return ApiResponse::ok(&json!({
                "_class": "hudson.security.csrf.DefaultCrumbIssuer",
                "crumb": CRUMB, "crumbRequestField": "Jenkins-Crumb",
            }))
            .with_header("set-cookie", format!("{SESSION}; Path=/; HttpOnly"));
        }
        if r.method == http::Method::POST {
            let crumb_ok = r.header("jenkins-crumb") == Some(CRUMB)
                && r.header("cookie").is_some_and(|c| c.contains(SESSION));
            if !crumb_ok {
                return text(
                    StatusCode::FORBIDDEN,
                    "No valid crumb was included in the request",
                );
            }
        }
        if let Some(c) = r.route("GET", "/queue/item/{id}/api/json") {
            return self.queue_item(&r, &c[0]).unwrap_or_else(|e| e);
        }
        match self.resolve(&r.path).await {
            Some((project, item, tail)) => self
                .item_route(&r, project, item, &tail)
                .await
                .unwrap_or_else(|e| e),
            None => not_found(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_ranges() {
        assert_eq!(range(Some("builds[number]{0,3}")), Some((0, 3)));
        assert_eq!(range(Some("jobs[name]{ 2 , 5 }")), Some((2, 5)));
        assert_eq!(range(Some("jobs[name]")), None);
        assert_eq!(range(None), None);
        let v: Vec<Value> = (0..5).map(|i| json!(i)).collect();
        assert_eq!(ranged(v, Some("x{1,3}")), vec![json!(1), json!(2)]);
    }
}
