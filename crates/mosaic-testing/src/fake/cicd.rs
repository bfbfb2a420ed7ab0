//! [`FakeCiCd`]: an in-memory CI/CD system whose pipelines run on tokio time.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use mosaic_core::cicd::*;
use mosaic_core::{Capabilities, Error, Page, Result, Secret};
use parking_lot::Mutex;
use serde::Serialize;
use tokio::time::Instant;

use super::{Core, FakeClock, digest, fake_controls, require};

mod seed;

pub use seed::{CiProjectSeed, DefinitionSeed, PipelineScript};

const DEFAULT_PAGE: u32 = 30;

/// One job of a [`PipelinePlan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPlan {
    name: String,
    stage: Option<String>,
    duration: Duration,
    succeeds: bool,
    log: Vec<String>,
    artifacts: Vec<(String, Vec<u8>)>,
}

impl JobPlan {
    /// A job that runs for `duration` and succeeds.
    pub fn new(name: impl Into<String>, duration: Duration) -> Self {
        JobPlan {
            name: name.into(),
            stage: None,
            duration,
            succeeds: true,
            log: Vec::new(),
            artifacts: Vec::new(),
        }
    }

    /// Put the job in a stage.
    pub fn stage(mut self, stage: impl Into<String>) -> Self {
        self.stage = Some(stage.into());
        self
    }

    /// Make the job fail at its end.
    pub fn fails(mut self) -> Self {
        self.succeeds = false;
        self
    }

    /// Add a log line (lines appear evenly over the job's run time).
    pub fn log(mut self, line: impl Into<String>) -> Self {
        self.log.push(line.into());
        self
    }

    /// Produce an artifact when the job succeeds.
    pub fn artifact(mut self, name: impl Into<String>, content: impl Into<Vec<u8>>) -> Self {
        self.artifacts.push((name.into(), content.into()));
        self
    }

    fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!("$ run {}", self.name)];
        lines.extend(self.log.iter().cloned());
        lines.push(if self.succeeds {
            format!("job {} succeeded", self.name)
        } else {
            format!("job {} failed", self.name)
        });
        lines
    }
}

/// What a pipeline of a definition does: a queue delay, then its jobs one
/// after another. A failing job ends the run: later jobs are skipped and the
/// pipeline fails.
///
/// The default plan waits 5 s in the queue, then runs `build` (30 s) and
/// `test` (60 s), both succeeding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelinePlan {
    queue_delay: Duration,
    jobs: Vec<JobPlan>,
    required_inputs: Vec<String>,
}

impl Default for PipelinePlan {
    fn default() -> Self {
        PipelinePlan::new()
            .queue_delay(Duration::from_secs(5))
            .job(JobPlan::new("build", Duration::from_secs(30)).stage("build"))
            .job(JobPlan::new("test", Duration::from_secs(60)).stage("test"))
    }
}

impl PipelinePlan {
    /// An empty plan (no queue delay, no jobs: such a pipeline succeeds at once).
    pub fn new() -> Self {
        PipelinePlan {
            queue_delay: Duration::ZERO,
            jobs: Vec::new(),
            required_inputs: Vec::new(),
        }
    }

    /// Time spent queued before the first job starts.
    pub fn queue_delay(mut self, delay: Duration) -> Self {
        self.queue_delay = delay;
        self
    }

    /// Append a job.
    pub fn job(mut self, job: JobPlan) -> Self {
        self.jobs.push(job);
        self
    }

    /// Require an input when the definition is triggered.
    pub fn require_input(mut self, name: impl Into<String>) -> Self {
        self.required_inputs.push(name.into());
        self
    }

    /// How long a run takes from creation to its end when every job runs.
    pub fn total_duration(&self) -> Duration {
        self.queue_delay + self.jobs.iter().map(|j| j.duration).sum::<Duration>()
    }

    fn job_named(&self, name: &str) -> Option<&JobPlan> {
        self.jobs.iter().find(|j| j.name == name)
    }
}

/// An in-memory CI/CD system implementing every [`CiCdProvider`] operation.
///
/// Projects must exist ([`seed_project`](Self::seed_project) adds one with
/// a `main` ref and a definition `ci` running the default
/// [`PipelinePlan`]; [`seed_definition`](Self::seed_definition) adds
/// definitions, [`script_pipeline`](Self::script_pipeline) scripts what
/// runs do); unknown projects are `NotFound`. A pipeline's state is
/// computed from tokio's clock: it is `queued` for the plan's queue delay,
/// `running` while its jobs run, then `success` or `failure` (later jobs of
/// a failed run are `skipped`). Logs grow while jobs run and are complete
/// once the run has finished; artifacts appear when their job succeeds.
/// Cancelling, retrying a pipeline (a new run, optionally only of the jobs
/// that did not succeed) and re-running a job (a new attempt inside the same
/// pipeline) behave accordingly. Secrets are stored but never returned;
/// [`secret_value`](Self::secret_value) reads them back for assertions.
///
/// ```
/// use std::time::Duration;
/// use mosaic_core::cicd::{CiCdProvider, CreatePipeline, PipelineRef, PipelineStatus};
/// use mosaic_testing::FakeCiCd;
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
/// let ci = FakeCiCd::new();
/// ci.seed_project("acme/tools").create()?;
/// let run = ci.create_pipeline(CreatePipeline {
///     project: "acme/tools".into(),
///     reference: "main".into(),
///     ..Default::default()
/// }).await?;
/// assert_eq!(run.status, PipelineStatus::Queued);
/// tokio::time::advance(Duration::from_secs(10)).await;
/// let now = ci.get_pipeline(PipelineRef::new("acme/tools", &run.id)).await?;
/// assert_eq!(now.status, PipelineStatus::Running);
/// tokio::time::advance(Duration::from_secs(90)).await;
/// let done = ci.get_pipeline(PipelineRef::new("acme/tools", &run.id)).await?;
/// assert_eq!(done.status, PipelineStatus::Success);
/// # Ok::<(), mosaic_core::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct FakeCiCd {
    core: Arc<Core>,
    state: Arc<Mutex<CiState>>,
}

impl fmt::Debug for FakeCiCd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.lock();
        f.debug_struct("FakeCiCd")
            .field("name", &self.core.name())
            .field("projects", &s.projects.keys().collect::<Vec<_>>())
            .field("pipelines", &s.pipelines.len())
            .finish()
    }
}

impl Default for FakeCiCd {
    fn default() -> Self {
        Self::new()
    }
}

fake_controls!(FakeCiCd, CiCdOp, "fake-cicd");

struct ProjectState {
    refs: BTreeSet<String>,
    definitions: BTreeMap<String, (PipelineDefinition, PipelinePlan)>,
    /// Plans queued for the next runs of a definition (`script_pipeline`).
    scripted: BTreeMap<String, VecDeque<PipelinePlan>>,
    next_number: u64,
    environments: BTreeMap<String, Environment>,
    secrets: BTreeMap<(Option<String>, String), (SecretInfo, Secret)>,
}

struct PipelineRec {
    id: u64,
    number: u64,
    project: String,
    definition: String,
    reference: String,
    sha: String,
    event: String,
    variables: BTreeMap<String, String>,
    created: Instant,
    ready: Instant,
    jobs: Vec<u64>,
}

#[derive(Clone)]
struct JobRec {
    id: u64,
    pipeline: u64,
    name: String,
    stage: Option<String>,
    start: Instant,
    end: Instant,
    outcome: PipelineStatus,
    cancelled_at: Option<Instant>,
    lines: Vec<String>,
    artifacts: Vec<(String, Vec<u8>)>,
}

impl JobRec {
    fn status(&self, now: Instant) -> PipelineStatus {
        if let Some(c) = self.cancelled_at
            && now >= c
        {
            return PipelineStatus::Cancelled;
        }
        if now < self.start {
            PipelineStatus::Queued
        } else if now < self.end {
            PipelineStatus::Running
        } else {
            self.outcome
        }
    }

    /// The log lines visible at `now`.
    fn visible_lines(&self, now: Instant) -> Vec<String> {
        if self.outcome == PipelineStatus::Skipped {
            return Vec::new();
        }
        let until = match self.cancelled_at {
            Some(c) => now.min(c),
            None => now,
        };
        if until < self.start {
            return Vec::new();
        }
        let n = self.lines.len() as u32;
        let span = self.end.saturating_duration_since(self.start);
        let mut out: Vec<String> = self
            .lines
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                // line i appears at start + span * i / (n - 1); the last at the end
                let at = if n <= 1 {
                    self.start
                } else {
                    self.start + span.mul_f64(*i as f64 / f64::from(n - 1))
                };
                until >= at
            })
            .map(|(_, l)| l.clone())
            .collect();
        if self.cancelled_at.is_some_and(|c| now >= c) {
            out.push(format!("job {} was cancelled", self.name));
        }
        out
    }
}

struct CiState {
    projects: BTreeMap<String, ProjectState>,
    pipelines: BTreeMap<u64, PipelineRec>,
    jobs: BTreeMap<u64, JobRec>,
    next_pipeline: u64,
    next_job: u64,
    next_env: u64,
    host: String,
}

fn status_word(s: PipelineStatus) -> &'static str {
    match s {
        PipelineStatus::Queued => "queued",
        PipelineStatus::Running => "running",
        PipelineStatus::Success => "success",
        PipelineStatus::Failure => "failure",
        PipelineStatus::Cancelled => "cancelled",
        PipelineStatus::Skipped => "skipped",
        PipelineStatus::Manual => "manual",
    }
}

fn validate_var_name(field: &str, name: &str) -> Result<()> {
    let mut chars = name.chars();
    let ok = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 255;
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(
            field,
            format!(
                "`{name}` is not a valid name (letters, digits and `_`, not starting with a digit)"
            ),
        ))
    }
}

fn validate_url(field: &str, url: &str) -> Result<()> {
    if (url.starts_with("http://") || url.starts_with("https://"))
        && url.len() > "https://".len()
        && !url.chars().any(|c| c.is_whitespace())
    {
        Ok(())
    } else {
        Err(Error::invalid_input(
            field,
            format!("`{url}` is not an http(s) URL"),
        ))
    }
}

fn validate_env_name(name: &str) -> Result<()> {
    require("name", name)?;
    if name.len() > 255 || name.chars().any(|c| c.is_control()) {
        return Err(Error::invalid_input(
            "name",
            "must be at most 255 printable characters",
        ));
    }
    Ok(())
}

impl FakeCiCd {
    /// An empty system named `fake-cicd`.
    pub fn new() -> Self {
        Self::named("fake-cicd")
    }

    /// An empty system whose errors carry provider name `name`.
    pub fn named(name: &str) -> Self {
        FakeCiCd {
            core: Arc::new(Core::new::<CiCdOp>(name)),
            state: Arc::new(Mutex::new(CiState {
                projects: BTreeMap::new(),
                pipelines: BTreeMap::new(),
                jobs: BTreeMap::new(),
                next_pipeline: 1,
                next_job: 1,
                next_env: 1,
                host: format!("{name}.invalid"),
            })),
        }
    }

    /// Enable or disable a definition (a disabled one cannot be triggered).
    ///
    /// # Errors
    /// `NotFound` for an unknown project or definition.
    pub fn set_definition_enabled(
        &self,
        project: &str,
        definition: &str,
        enabled: bool,
    ) -> Result<()> {
        let mut s = self.state.lock();
        let p = s.project_mut(project).map_err(|e| self.core.tag(e))?;
        let def = p.definitions.get_mut(definition).ok_or_else(|| {
            self.core.tag(Error::not_found(format!(
                "definition `{definition}` not found"
            )))
        })?;
        def.0.enabled = enabled;
        Ok(())
    }

    /// Every pipeline of a project as it stands now, newest first.
    pub fn pipelines(&self, project: &str) -> Vec<Pipeline> {
        let s = self.state.lock();
        let now = Instant::now();
        s.pipelines
            .values()
            .rev()
            .filter(|p| p.project == project)
            .map(|p| s.pipeline_view(p, now, self.core.clock()))
            .collect()
    }

    /// The variables a pipeline was started with.
    pub fn pipeline_variables(&self, id: &str) -> Option<BTreeMap<String, String>> {
        let s = self.state.lock();
        let id: u64 = id.parse().ok()?;
        s.pipelines.get(&id).map(|p| p.variables.clone())
    }

    /// A stored secret's value (never returned by the provider operations).
    pub fn secret_value(
        &self,
        project: &str,
        environment: Option<&str>,
        name: &str,
    ) -> Option<Secret> {
        let s = self.state.lock();
        s.projects
            .get(project)?
            .secrets
            .get(&(environment.map(str::to_owned), name.to_owned()))
            .map(|(_, v)| v.clone())
    }

    async fn run<P: Serialize, T>(
        &self,
        op: CiCdOp,
        params: P,
        f: impl FnOnce(&mut CiState, P, Instant, &FakeClock) -> Result<T>,
    ) -> Result<T> {
        self.core.enter(op, &params).await?;
        let now = Instant::now();
        f(&mut self.state.lock(), params, now, self.core.clock()).map_err(|e| self.core.tag(e))
    }
}

impl CiState {
    fn project(&self, project: &str) -> Result<&ProjectState> {
        self.projects
            .get(project)
            .ok_or_else(|| Error::not_found(format!("project `{project}` not found")))
    }

    fn project_mut(&mut self, project: &str) -> Result<&mut ProjectState> {
        self.projects
            .get_mut(project)
            .ok_or_else(|| Error::not_found(format!("project `{project}` not found")))
    }

    fn pipeline(&self, project: &str, id: &str) -> Result<&PipelineRec> {
        self.project(project)?;
        require("id", id)?;
        id.parse::<u64>()
            .ok()
            .and_then(|n| self.pipelines.get(&n))
            .filter(|p| p.project == project)
            .ok_or_else(|| Error::not_found(format!("pipeline `{id}` not found in `{project}`")))
    }

    /// The newest attempt of each job name, in plan order.
    fn latest_jobs(&self, p: &PipelineRec) -> Vec<&JobRec> {
        let mut order: Vec<&str> = Vec::new();
        let mut latest: BTreeMap<&str, &JobRec> = BTreeMap::new();
        for id in &p.jobs {
            let j = &self.jobs[id];
            if !latest.contains_key(j.name.as_str()) {
                order.push(&j.name);
            }
            latest.insert(&j.name, j);
        }
        order.into_iter().map(|n| latest[n]).collect()
    }

    fn pipeline_status(&self, p: &PipelineRec, now: Instant) -> PipelineStatus {
        let jobs = self.latest_jobs(p);
        if jobs.is_empty() {
            return if now < p.ready {
                PipelineStatus::Queued
            } else {
                PipelineStatus::Success
            };
        }
        let statuses: Vec<PipelineStatus> = jobs.iter().map(|j| j.status(now)).collect();
        if statuses.iter().all(|s| s.is_finished()) {
            if statuses.contains(&PipelineStatus::Cancelled) {
                PipelineStatus::Cancelled
            } else if statuses.contains(&PipelineStatus::Failure) {
                PipelineStatus::Failure
            } else if statuses.iter().all(|s| *s == PipelineStatus::Skipped) {
                PipelineStatus::Skipped
            } else {
                PipelineStatus::Success
            }
        } else if statuses.iter().all(|s| *s == PipelineStatus::Queued) {
            PipelineStatus::Queued
        } else {
            PipelineStatus::Running
        }
    }

    fn pipeline_view(&self, p: &PipelineRec, now: Instant, clock: &FakeClock) -> Pipeline {
        let status = self.pipeline_status(p, now);
        let jobs = self.latest_jobs(p);
        let first_start = jobs.iter().map(|j| j.start).min().unwrap_or(p.ready);
        let started =
            (now >= first_start && status != PipelineStatus::Queued).then(|| clock.at(first_start));
        let finished = status.is_finished().then(|| {
            let end = jobs
                .iter()
                .map(|j| match j.cancelled_at {
                    Some(c) if c < j.end => c,
                    _ => j.end,
                })
                .max()
                .unwrap_or(p.ready);
            clock.at(end)
        });
        Pipeline {
            id: p.id.to_string(),
            number: Some(p.number),
            project: p.project.clone(),
            definition: Some(p.definition.clone()),
            reference: Some(p.reference.clone()),
            sha: Some(p.sha.clone()),
            status,
            raw_status: status_word(status).to_owned(),
            event: Some(p.event.clone()),
            web_url: Some(format!(
                "https://{}/{}/pipelines/{}",
                self.host, p.project, p.id
            )),
            created_at: Some(clock.at(p.created)),
            started_at: started,
            finished_at: finished,
        }
    }

    fn job_view(&self, j: &JobRec, now: Instant, clock: &FakeClock) -> Job {
        let status = j.status(now);
        let project = &self.pipelines[&j.pipeline].project;
        Job {
            id: j.id.to_string(),
            pipeline_id: j.pipeline.to_string(),
            name: j.name.clone(),
            stage: j.stage.clone(),
            status,
            raw_status: status_word(status).to_owned(),
            web_url: Some(format!("https://{}/{project}/jobs/{}", self.host, j.id)),
            started_at: (now >= j.start
                && status != PipelineStatus::Queued
                && j.outcome != PipelineStatus::Skipped)
                .then(|| clock.at(j.start)),
            finished_at: status.is_finished().then(|| {
                clock.at(match j.cancelled_at {
                    Some(c) if c < j.end => c,
                    _ => j.end,
                })
            }),
        }
    }

    /// Schedule `jobs` one after another from `from`; returns their ids.
    /// `done` jobs (for a retry of failed jobs only) count as succeeded at once.
    fn schedule(
        &mut self,
        pipeline: u64,
        from: Instant,
        jobs: &[JobPlan],
        done: &BTreeSet<String>,
    ) -> Vec<u64> {
        let mut at = from;
        let mut failed = false;
        let mut ids = Vec::new();
        for plan in jobs {
            let id = self.next_job;
            self.next_job += 1;
            let (start, end, outcome) = if done.contains(&plan.name) {
                (at, at, PipelineStatus::Success)
            } else if failed {
                (at, at, PipelineStatus::Skipped)
            } else {
                let end = at + plan.duration;
                let outcome = if plan.succeeds {
                    PipelineStatus::Success
                } else {
                    failed = true;
                    PipelineStatus::Failure
                };
                (at, end, outcome)
            };
            at = end;
            self.jobs.insert(
                id,
                JobRec {
                    id,
                    pipeline,
                    name: plan.name.clone(),
                    stage: plan.stage.clone(),
                    start,
                    end,
                    outcome,
                    cancelled_at: None,
                    lines: if done.contains(&plan.name) {
                        vec![format!("job {} succeeded in an earlier run", plan.name)]
                    } else {
                        plan.lines()
                    },
                    artifacts: plan.artifacts.clone(),
                },
            );
            ids.push(id);
        }
        ids
    }

    #[allow(clippy::too_many_arguments)]
    fn start_pipeline(
        &mut self,
        project: &str,
        definition: &str,
        reference: &str,
        event: &str,
        variables: BTreeMap<String, String>,
        done: &BTreeSet<String>,
        now: Instant,
    ) -> Result<u64> {
        let p = self.project_mut(project)?;
        let plan = p
            .next_plan(definition)
            .ok_or_else(|| Error::not_found(format!("definition `{definition}` not found")))?;
        let number = p.next_number;
        p.next_number += 1;
        let id = self.next_pipeline;
        self.next_pipeline += 1;
        let ready = now + plan.queue_delay;
        let jobs = self.schedule(id, ready, &plan.jobs, done);
        self.pipelines.insert(
            id,
            PipelineRec {
                id,
                number,
                project: project.to_owned(),
                definition: definition.to_owned(),
                reference: reference.to_owned(),
                sha: digest(&[project.as_bytes(), reference.as_bytes()]),
                event: event.to_owned(),
                variables,
                created: now,
                ready,
                jobs,
            },
        );
        Ok(id)
    }

    fn log(&self, p: &GetLog, now: Instant) -> Result<Log> {
        let pipeline = self.pipeline(&p.project, &p.pipeline)?;
        let (text, complete) = match &p.job {
            Some(job) => {
                let j = job
                    .parse::<u64>()
                    .ok()
                    .and_then(|id| self.jobs.get(&id))
                    .filter(|j| j.pipeline == pipeline.id)
                    .ok_or_else(|| Error::not_found(format!("job `{job}` not found")))?;
                let mut text = j.visible_lines(now).join("\n");
                if !text.is_empty() {
                    text.push('\n');
                }
                (text, j.status(now).is_finished())
            }
            None => {
                let mut text = String::new();
                for j in self.latest_jobs(pipeline) {
                    let lines = j.visible_lines(now);
                    if !lines.is_empty() {
                        text.push_str(&format!("== {} ==\n", j.name));
                        for l in lines {
                            text.push_str(&l);
                            text.push('\n');
                        }
                    }
                }
                (text, self.pipeline_status(pipeline, now).is_finished())
            }
        };
        let offset = usize::try_from(p.offset).unwrap_or(usize::MAX);
        if offset > text.len() || !text.is_char_boundary(offset) {
            return Err(Error::invalid_input(
                "offset",
                format!(
                    "{} is not a position in the log ({} bytes)",
                    p.offset,
                    text.len()
                ),
            ));
        }
        Ok(Log {
            text: text[offset..].to_owned(),
            next_offset: text.len() as u64,
            complete,
        })
    }

    fn artifacts(
        &self,
        project: &str,
        pipeline: &str,
        now: Instant,
    ) -> Result<Vec<(String, Vec<u8>)>> {
        let p = self.pipeline(project, pipeline)?;
        let mut out: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for j in self.latest_jobs(p) {
            if j.status(now) == PipelineStatus::Success {
                for (name, content) in &j.artifacts {
                    out.insert(name.clone(), content.clone());
                }
            }
        }
        Ok(out.into_iter().collect())
    }
}

#[async_trait]
impl CiCdProvider for FakeCiCd {
    fn capabilities(&self) -> Capabilities {
        self.core.capabilities()
    }

    async fn list_definitions(&self, p: ListDefinitions) -> Result<Page<PipelineDefinition>> {
        self.run(CiCdOp::ListDefinitions, p, |s, p, _, _| {
            let items = s
                .project(&p.project)?
                .definitions
                .values()
                .map(|(d, _)| d.clone())
                .collect();
            Page::slice(items, &p.page, DEFAULT_PAGE)
        })
        .await
    }

    async fn get_definition(&self, p: DefinitionRef) -> Result<PipelineDefinition> {
        self.run(CiCdOp::GetDefinition, p, |s, p, _, _| {
            require("id", &p.id)?;
            s.project(&p.project)?
                .definitions
                .get(&p.id)
                .map(|(d, _)| d.clone())
                .ok_or_else(|| Error::not_found(format!("definition `{}` not found", p.id)))
        })
        .await
    }

    async fn create_pipeline(&self, p: CreatePipeline) -> Result<Pipeline> {
        self.run(CiCdOp::CreatePipeline, p, |s, p, now, clock| {
            let project = s.project(&p.project)?;
            require("reference", &p.reference)?;
            if !project.refs.contains(&p.reference) {
                return Err(Error::invalid_input(
                    "reference",
                    format!("no branch or tag `{}`", p.reference),
                ));
            }
            for k in p.variables.keys() {
                validate_var_name(&format!("variables.{k}"), k)?;
            }
            let definition = project.default_definition().ok_or_else(|| {
                Error::not_found(format!(
                    "project `{}` has no pipeline definition",
                    p.project
                ))
            })?;
            let id = s.start_pipeline(
                &p.project,
                &definition,
                &p.reference,
                "api",
                p.variables,
                &BTreeSet::new(),
                now,
            )?;
            Ok(s.pipeline_view(&s.pipelines[&id], now, clock))
        })
        .await
    }

    async fn trigger_pipeline(&self, p: TriggerPipeline) -> Result<Pipeline> {
        self.run(CiCdOp::TriggerPipeline, p, |s, p, now, clock| {
            let project = s.project(&p.project)?;
            require("definition", &p.definition)?;
            let (def, plan) = project.definitions.get(&p.definition).ok_or_else(|| {
                Error::not_found(format!("definition `{}` not found", p.definition))
            })?;
            if !def.enabled {
                return Err(Error::conflict(format!(
                    "definition `{}` is disabled",
                    p.definition
                )));
            }
            let reference = p.reference.clone().unwrap_or_else(|| "main".to_owned());
            if !project.refs.contains(&reference) {
                return Err(Error::invalid_input(
                    "reference",
                    format!("no branch or tag `{reference}`"),
                ));
            }
            for k in p.inputs.keys() {
                validate_var_name(&format!("inputs.{k}"), k)?;
            }
            if let Some(missing) = plan
                .required_inputs
                .iter()
                .find(|i| !p.inputs.contains_key(*i))
            {
                return Err(Error::invalid_input(
                    format!("inputs.{missing}"),
                    "is required by the definition",
                ));
            }
            let id = s.start_pipeline(
                &p.project,
                &p.definition,
                &reference,
                "manual",
                p.inputs,
                &BTreeSet::new(),
                now,
            )?;
            Ok(s.pipeline_view(&s.pipelines[&id], now, clock))
        })
        .await
    }

    async fn get_pipeline(&self, p: PipelineRef) -> Result<Pipeline> {
        self.run(CiCdOp::GetPipeline, p, |s, p, now, clock| {
            let rec = s.pipeline(&p.project, &p.id)?;
            Ok(s.pipeline_view(rec, now, clock))
        })
        .await
    }

    async fn cancel_pipeline(&self, p: PipelineRef) -> Result<Pipeline> {
        self.run(CiCdOp::CancelPipeline, p, |s, p, now, clock| {
            let rec = s.pipeline(&p.project, &p.id)?;
            let status = s.pipeline_status(rec, now);
            if status.is_finished() {
                return Err(Error::conflict(format!(
                    "pipeline {} has already finished ({})",
                    p.id,
                    status_word(status)
                )));
            }
            let id = rec.id;
            let ids: Vec<u64> = s.latest_jobs(rec).iter().map(|j| j.id).collect();
            for jid in ids {
                let j = s.jobs.get_mut(&jid).expect("job of pipeline");
                if !j.status(now).is_finished() {
                    j.cancelled_at = Some(now);
                }
            }
            Ok(s.pipeline_view(&s.pipelines[&id], now, clock))
        })
        .await
    }

    async fn retry_pipeline(&self, p: RetryPipeline) -> Result<Pipeline> {
        self.run(CiCdOp::RetryPipeline, p, |s, p, now, clock| {
            let rec = s.pipeline(&p.project, &p.id)?;
            let status = s.pipeline_status(rec, now);
            if !status.is_finished() {
                return Err(Error::conflict(format!(
                    "pipeline {} is still {}",
                    p.id,
                    status_word(status)
                )));
            }
            let done: BTreeSet<String> = if p.failed_only {
                s.latest_jobs(rec)
                    .iter()
                    .filter(|j| j.status(now) == PipelineStatus::Success)
                    .map(|j| j.name.clone())
                    .collect()
            } else {
                BTreeSet::new()
            };
            let (project, definition, reference, variables) = (
                rec.project.clone(),
                rec.definition.clone(),
                rec.reference.clone(),
                rec.variables.clone(),
            );
            let id = s.start_pipeline(
                &project,
                &definition,
                &reference,
                "retry",
                variables,
                &done,
                now,
            )?;
            Ok(s.pipeline_view(&s.pipelines[&id], now, clock))
        })
        .await
    }

    async fn list_pipelines(&self, p: ListPipelines) -> Result<Page<Pipeline>> {
        self.run(CiCdOp::ListPipelines, p, |s, p, now, clock| {
            s.project(&p.project)?;
            let items = s
                .pipelines
                .values()
                .rev()
                .filter(|r| r.project == p.project)
                .filter(|r| p.definition.as_ref().is_none_or(|d| *d == r.definition))
                .filter(|r| p.reference.as_ref().is_none_or(|x| *x == r.reference))
                .map(|r| s.pipeline_view(r, now, clock))
                .filter(|v| p.status.is_none_or(|st| st == v.status))
                .collect();
            Page::slice(items, &p.page, DEFAULT_PAGE)
        })
        .await
    }

    async fn get_log(&self, p: GetLog) -> Result<Log> {
        self.run(CiCdOp::GetLog, p, |s, p, now, _| s.log(&p, now))
            .await
    }

    async fn list_artifacts(&self, p: ListArtifacts) -> Result<Page<Artifact>> {
        self.run(CiCdOp::ListArtifacts, p, |s, p, now, _| {
            let items = s
                .artifacts(&p.project, &p.pipeline, now)?
                .into_iter()
                .map(|(name, content)| Artifact {
                    id: name.clone(),
                    name,
                    size: Some(content.len() as u64),
                    expired: false,
                })
                .collect();
            Page::slice(items, &p.page, DEFAULT_PAGE)
        })
        .await
    }

    async fn download_artifact(&self, p: ArtifactRef) -> Result<ArtifactData> {
        self.run(CiCdOp::DownloadArtifact, p, |s, p, now, _| {
            require("id", &p.id)?;
            s.artifacts(&p.project, &p.pipeline, now)?
                .into_iter()
                .find(|(name, _)| *name == p.id)
                .map(|(name, content)| ArtifactData { name, content })
                .ok_or_else(|| Error::not_found(format!("artifact `{}` not found", p.id)))
        })
        .await
    }

    async fn get_job(&self, p: JobRef) -> Result<Job> {
        self.run(CiCdOp::GetJob, p, |s, p, now, clock| {
            s.project(&p.project)?;
            require("id", &p.id)?;
            let j =
                p.id.parse::<u64>()
                    .ok()
                    .and_then(|id| s.jobs.get(&id))
                    .filter(|j| s.pipelines[&j.pipeline].project == p.project)
                    .ok_or_else(|| Error::not_found(format!("job `{}` not found", p.id)))?;
            Ok(s.job_view(j, now, clock))
        })
        .await
    }

    async fn rerun_job(&self, p: JobRef) -> Result<Job> {
        self.run(CiCdOp::RerunJob, p, |s, p, now, clock| {
            s.project(&p.project)?;
            require("id", &p.id)?;
            let old =
                p.id.parse::<u64>()
                    .ok()
                    .and_then(|id| s.jobs.get(&id))
                    .filter(|j| s.pipelines[&j.pipeline].project == p.project)
                    .cloned()
                    .ok_or_else(|| Error::not_found(format!("job `{}` not found", p.id)))?;
            let status = old.status(now);
            if !status.is_finished() {
                return Err(Error::conflict(format!(
                    "job {} is still {}",
                    p.id,
                    status_word(status)
                )));
            }
            let pipeline = &s.pipelines[&old.pipeline];
            let plan = s.projects[&pipeline.project]
                .definitions
                .get(&pipeline.definition)
                .and_then(|(_, plan)| plan.job_named(&old.name).cloned())
                .unwrap_or_else(|| JobPlan {
                    name: old.name.clone(),
                    stage: old.stage.clone(),
                    duration: old.end.saturating_duration_since(old.start),
                    succeeds: true,
                    log: Vec::new(),
                    artifacts: old.artifacts.clone(),
                });
            let ids = s.schedule(
                old.pipeline,
                now,
                std::slice::from_ref(&plan),
                &BTreeSet::new(),
            );
            s.pipelines
                .get_mut(&old.pipeline)
                .expect("pipeline of job")
                .jobs
                .extend(&ids);
            Ok(s.job_view(&s.jobs[&ids[0]], now, clock))
        })
        .await
    }

    async fn list_jobs(&self, p: ListJobs) -> Result<Page<Job>> {
        self.run(CiCdOp::ListJobs, p, |s, p, now, clock| {
            let rec = s.pipeline(&p.project, &p.pipeline)?;
            let items = rec
                .jobs
                .iter()
                .map(|id| s.job_view(&s.jobs[id], now, clock))
                .collect();
            Page::slice(items, &p.page, DEFAULT_PAGE)
        })
        .await
    }

    async fn create_environment(&self, p: WriteEnvironment) -> Result<Environment> {
        self.run(CiCdOp::CreateEnvironment, p, |s, p, _, _| {
            s.project(&p.project)?;
            validate_env_name(&p.name)?;
            if let Some(u) = &p.url {
                validate_url("url", u)?;
            }
            let id = s.next_env;
            let project = s.project_mut(&p.project)?;
            if project.environments.contains_key(&p.name) {
                return Err(Error::conflict(format!(
                    "environment `{}` already exists",
                    p.name
                )));
            }
            let env = Environment {
                id: id.to_string(),
                name: p.name.clone(),
                url: p.url,
            };
            project.environments.insert(p.name, env.clone());
            s.next_env += 1;
            Ok(env)
        })
        .await
    }

    async fn update_environment(&self, p: WriteEnvironment) -> Result<Environment> {
        self.run(CiCdOp::UpdateEnvironment, p, |s, p, _, _| {
            let project = s.project_mut(&p.project)?;
            validate_env_name(&p.name)?;
            if let Some(u) = &p.url {
                validate_url("url", u)?;
            }
            let env = project
                .environments
                .get_mut(&p.name)
                .ok_or_else(|| Error::not_found(format!("environment `{}` not found", p.name)))?;
            env.url = p.url;
            Ok(env.clone())
        })
        .await
    }

    async fn delete_environment(&self, p: EnvironmentRef) -> Result<()> {
        self.run(CiCdOp::DeleteEnvironment, p, |s, p, _, _| {
            let project = s.project_mut(&p.project)?;
            validate_env_name(&p.name)?;
            project
                .environments
                .remove(&p.name)
                .ok_or_else(|| Error::not_found(format!("environment `{}` not found", p.name)))?;
            // secrets scoped to the environment go with it
            project
                .secrets
                .retain(|(env, _), _| env.as_deref() != Some(p.name.as_str()));
            Ok(())
        })
        .await
    }

    async fn list_environments(&self, p: ListEnvironments) -> Result<Page<Environment>> {
        self.run(CiCdOp::ListEnvironments, p, |s, p, _, _| {
            let items = s
                .project(&p.project)?
                .environments
                .values()
                .cloned()
                .collect();
            Page::slice(items, &p.page, DEFAULT_PAGE)
        })
        .await
    }

    async fn create_secret(&self, p: WriteSecret) -> Result<SecretInfo> {
        self.run(CiCdOp::CreateSecret, p, |s, p, _, clock| {
            put_secret(s, p, true, clock)
        })
        .await
    }

    async fn update_secret(&self, p: WriteSecret) -> Result<SecretInfo> {
        self.run(CiCdOp::UpdateSecret, p, |s, p, _, clock| {
            put_secret(s, p, false, clock)
        })
        .await
    }

    async fn delete_secret(&self, p: SecretRef) -> Result<()> {
        self.run(CiCdOp::DeleteSecret, p, |s, p, _, _| {
            let project = s.project_mut(&p.project)?;
            validate_var_name("name", &p.name)?;
            project
                .secrets
                .remove(&(p.environment.clone(), p.name.clone()))
                .map(|_| ())
                .ok_or_else(|| Error::not_found(format!("secret `{}` not found", p.name)))
        })
        .await
    }

    async fn list_secrets(&self, p: ListSecrets) -> Result<Page<SecretInfo>> {
        self.run(CiCdOp::ListSecrets, p, |s, p, _, _| {
            let items = s
                .project(&p.project)?
                .secrets
                .iter()
                .filter(|((env, _), _)| p.environment.is_none() || *env == p.environment)
                .map(|(_, (info, _))| info.clone())
                .collect();
            Page::slice(items, &p.page, DEFAULT_PAGE)
        })
        .await
    }
}

fn put_secret(
    s: &mut CiState,
    p: WriteSecret,
    create: bool,
    clock: &FakeClock,
) -> Result<SecretInfo> {
    let project = s.project_mut(&p.project)?;
    validate_var_name("name", &p.name)?;
    if p.value.is_empty() {
        return Err(Error::invalid_input("value", "must not be empty"));
    }
    if let Some(env) = &p.environment
        && !project.environments.contains_key(env)
    {
        return Err(Error::invalid_input(
            "environment",
            format!("no environment named `{env}`"),
        ));
    }
    let key = (p.environment.clone(), p.name.clone());
    let now = clock.now();
    match (create, project.secrets.get_mut(&key)) {
        (true, Some(_)) => Err(Error::conflict(format!(
            "secret `{}` already exists",
            p.name
        ))),
        (false, None) => Err(Error::not_found(format!("secret `{}` not found", p.name))),
        (false, Some((info, value))) => {
            info.masked = p.masked;
            info.protected = p.protected;
            info.updated_at = Some(now);
            *value = p.value;
            Ok(info.clone())
        }
        (true, None) => {
            let info = SecretInfo {
                name: p.name,
                environment: p.environment,
                masked: p.masked,
                protected: p.protected,
                created_at: Some(now.clone()),
                updated_at: Some(now),
            };
            project.secrets.insert(key, (info.clone(), p.value));
            Ok(info)
        }
    }
}
