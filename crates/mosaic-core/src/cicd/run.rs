//! Running a pipeline to completion: trigger it, poll it with backoff until
//! it finishes or a deadline passes, and read the failing job's log tail.
//!
//! [`CiCdClient::run_pipeline`] does it over any stack of layers;
//! [`run_pipeline`] does the same over any [`CiCdProvider`] used directly.
//! Both take a [`RunTrigger`] (a [`CreatePipeline`] or a
//! [`TriggerPipeline`]) and [`RunOptions`], and answer a [`PipelineRun`].
//!
//! All waiting happens on tokio's clock (`tokio::time::sleep_until`), so a
//! test with paused time runs a pipeline of hours in no real time.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::{
    CiCdClient, CiCdProvider, CiCdRequest, CiCdResponse, CreatePipeline, GetLog, Job, ListJobs,
    Pipeline, PipelineRef, PipelineStatus, TriggerPipeline,
};
use crate::{Error, ErrorKind, PageRequest, Request, Result};

/// The most pages of jobs read for one pipeline.
const MAX_JOB_PAGES: usize = 100;
/// The most `get_log` calls made to read one log to its end.
const MAX_LOG_READS: usize = 256;
/// How long cancelling a pipeline that passed its deadline may take.
const CANCEL_GRACE: Duration = Duration::from_secs(30);

/// What starts a run: the project's pipeline for a ref
/// ([`CreatePipeline`]) or a named definition with inputs
/// ([`TriggerPipeline`]). Both convert into it, so
/// `run_pipeline(create, …)` and `run_pipeline(trigger, …)` both work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunTrigger {
    /// Run the project's pipeline for a ref (`create_pipeline`).
    Create(CreatePipeline),
    /// Run a named definition with inputs (`trigger_pipeline`).
    Trigger(TriggerPipeline),
}

impl RunTrigger {
    /// The project the run belongs to.
    pub fn project(&self) -> &str {
        match self {
            RunTrigger::Create(p) => &p.project,
            RunTrigger::Trigger(p) => &p.project,
        }
    }
}

impl From<CreatePipeline> for RunTrigger {
    fn from(p: CreatePipeline) -> Self {
        RunTrigger::Create(p)
    }
}

impl From<TriggerPipeline> for RunTrigger {
    fn from(p: TriggerPipeline) -> Self {
        RunTrigger::Trigger(p)
    }
}

/// How long to wait between polls: `initial × factor^n`, never more than
/// `max`, optionally shortened by a seeded, reproducible jitter.
///
/// The default starts at 2 s and grows by half each poll up to 30 s, with
/// no jitter.
///
/// ```
/// use std::time::Duration;
/// use mosaic_core::cicd::PollBackoff;
///
/// let b = PollBackoff::new(Duration::from_secs(1), Duration::from_secs(10)).factor(2.0);
/// let waits: Vec<u64> = (0..6).map(|n| b.delay(n).as_secs()).collect();
/// assert_eq!(waits, [1, 2, 4, 8, 10, 10]);
///
/// // jitter takes up to a quarter off each wait, the same way for the same seed
/// let j = b.jitter(0.25, 7);
/// assert_eq!(j.delay(3), b.jitter(0.25, 7).delay(3));
/// assert!(j.delay(3) <= Duration::from_secs(8) && j.delay(3) >= Duration::from_secs(6));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollBackoff {
    initial: Duration,
    factor: f64,
    max: Duration,
    jitter: f64,
    seed: u64,
}

impl Default for PollBackoff {
    /// 2 s, growing by half each poll, at most 30 s, no jitter.
    fn default() -> Self {
        PollBackoff::new(Duration::from_secs(2), Duration::from_secs(30))
    }
}

impl PollBackoff {
    /// Start at `initial`, grow by half each poll, stop growing at `max`
    /// (at least `initial`); no jitter.
    pub fn new(initial: Duration, max: Duration) -> Self {
        PollBackoff {
            initial,
            factor: 1.5,
            max: max.max(initial),
            jitter: 0.0,
            seed: 0,
        }
    }

    /// The same wait every time.
    pub fn fixed(interval: Duration) -> Self {
        PollBackoff::new(interval, interval).factor(1.0)
    }

    /// The growth factor per poll (at least 1; a value that is not finite
    /// keeps the current one).
    pub fn factor(mut self, factor: f64) -> Self {
        if factor.is_finite() {
            self.factor = factor.max(1.0);
        }
        self
    }

    /// Take a random share of up to `fraction` (clamped to `0..=1`) off each
    /// wait, drawn from a generator seeded with `seed`: the same seed gives
    /// the same waits, so a test can replay them.
    pub fn jitter(mut self, fraction: f64, seed: u64) -> Self {
        self.jitter = if fraction.is_finite() {
            fraction.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.seed = seed;
        self
    }

    /// The first wait.
    pub fn initial(&self) -> Duration {
        self.initial
    }

    /// The longest wait.
    pub fn max(&self) -> Duration {
        self.max
    }

    /// The wait before poll number `n + 1` (`n = 0` for the wait after the
    /// trigger).
    pub fn delay(&self, n: u32) -> Duration {
        let exp = self.initial.as_secs_f64() * self.factor.powi(n.min(1024) as i32);
        let capped = exp.min(self.max.as_secs_f64());
        let secs = if self.jitter > 0.0 {
            capped * (1.0 - self.jitter * unit(self.seed, n))
        } else {
            capped
        };
        Duration::from_secs_f64(secs.max(0.0))
    }
}

/// A number in `[0, 1)` drawn from `seed` and `n` (splitmix64).
fn unit(seed: u64, n: u32) -> f64 {
    let mut z = seed
        .wrapping_add(u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15))
        .wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// A callback told about each observed state of a run; see
/// [`RunOptions::on_progress`].
pub type ProgressFn = Arc<dyn Fn(&Pipeline) + Send + Sync>;

/// How [`CiCdClient::run_pipeline`] waits and what it reads at the end.
///
/// ```
/// use std::time::Duration;
/// use mosaic_core::cicd::{PollBackoff, RunOptions};
///
/// let options = RunOptions::new(Duration::from_secs(30 * 60))
///     .poll(PollBackoff::new(Duration::from_secs(5), Duration::from_secs(60)))
///     .on_progress(|p| println!("pipeline {} is {:?}", p.id, p.status))
///     .log_tail_lines(100);
/// assert_eq!(options.deadline, Duration::from_secs(1800));
/// ```
#[derive(Clone)]
pub struct RunOptions {
    /// How long the whole run may take, from the trigger to the last log
    /// line read (default one hour).
    pub deadline: Duration,
    /// The wait between polls (default [`PollBackoff::default`]).
    pub poll: PollBackoff,
    /// Called with the triggered pipeline and then with every polled state
    /// that differs from the last one reported (status or the system's own
    /// status word), the terminal state included.
    pub on_progress: Option<ProgressFn>,
    /// How many lines of the failing job's log to keep (default 50; 0 reads
    /// no log).
    pub log_tail_lines: usize,
    /// Cancel the pipeline when the deadline passes (default `false`: it
    /// keeps running). The cancel call gets 30 s of grace; its outcome is
    /// part of the timeout error's message.
    pub cancel_on_deadline: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            deadline: Duration::from_secs(3600),
            poll: PollBackoff::default(),
            on_progress: None,
            log_tail_lines: 50,
            cancel_on_deadline: false,
        }
    }
}

impl fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunOptions")
            .field("deadline", &self.deadline)
            .field("poll", &self.poll)
            .field(
                "on_progress",
                &self.on_progress.as_ref().map(|_| "Fn(&Pipeline)"),
            )
            .field("log_tail_lines", &self.log_tail_lines)
            .field("cancel_on_deadline", &self.cancel_on_deadline)
            .finish()
    }
}

impl RunOptions {
    /// The defaults with a deadline `deadline` after the start.
    pub fn new(deadline: Duration) -> Self {
        RunOptions {
            deadline,
            ..Default::default()
        }
    }

    /// Wait between polls as `poll` says.
    pub fn poll(mut self, poll: PollBackoff) -> Self {
        self.poll = poll;
        self
    }

    /// Call `f` with each observed state of the pipeline.
    pub fn on_progress(mut self, f: impl Fn(&Pipeline) + Send + Sync + 'static) -> Self {
        self.on_progress = Some(Arc::new(f));
        self
    }

    /// Keep the last `lines` lines of the failing job's log (0: read none).
    pub fn log_tail_lines(mut self, lines: usize) -> Self {
        self.log_tail_lines = lines;
        self
    }

    /// Cancel the pipeline when the deadline passes.
    pub fn cancel_on_deadline(mut self, cancel: bool) -> Self {
        self.cancel_on_deadline = cancel;
        self
    }
}

/// The last lines of a log.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogTail {
    /// The job the log belongs to; `None` for the whole pipeline's log
    /// (read when the system names no failing job).
    pub job_id: Option<String>,
    /// That job's name.
    pub job_name: Option<String>,
    /// The lines, oldest first, without line breaks.
    pub lines: Vec<String>,
    /// Whether earlier lines were left out.
    pub truncated: bool,
}

impl LogTail {
    /// The lines joined with `\n`.
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }
}

/// A pipeline run that reached a terminal state.
#[derive(Debug, Clone)]
pub struct PipelineRun {
    /// The pipeline in its terminal state ([`PipelineStatus::is_finished`]).
    pub pipeline: Pipeline,
    /// Its jobs as listed after it finished (every attempt the system
    /// lists, in its order); empty when the system does not list jobs.
    pub jobs: Vec<Job>,
    /// For a failed run, the tail of the failing job's log (the first
    /// failed job whose latest attempt failed), or of the whole pipeline's
    /// log when no job is marked failed or the system keeps no log per job
    /// (it refuses the job's log as `Unsupported` or as `InvalidInput` on
    /// field `job`, as Jenkins does); `None` for other outcomes, when
    /// [`RunOptions::log_tail_lines`] is 0, or when the log could not be
    /// read (see [`log_error`](Self::log_error)).
    pub failed_log: Option<LogTail>,
    /// Why a failed run has no `failed_log` although one was asked for
    /// (the system does not offer logs, the log was gone, the deadline
    /// passed while reading it).
    pub log_error: Option<Error>,
}

impl PipelineRun {
    /// The terminal status.
    pub fn status(&self) -> PipelineStatus {
        self.pipeline.status
    }

    /// Whether the run succeeded.
    pub fn succeeded(&self) -> bool {
        self.pipeline.status == PipelineStatus::Success
    }

    /// The jobs that failed in their latest attempt, in listed order.
    pub fn failed_jobs(&self) -> Vec<&Job> {
        failed_jobs(&self.jobs)
    }
}

/// Jobs whose latest attempt (the last listed job of the same name) failed.
fn failed_jobs(jobs: &[Job]) -> Vec<&Job> {
    let mut latest: HashMap<&str, usize> = HashMap::new();
    for (i, j) in jobs.iter().enumerate() {
        latest.insert(j.name.as_str(), i);
    }
    jobs.iter()
        .enumerate()
        .filter(|(i, j)| j.status == PipelineStatus::Failure && latest[j.name.as_str()] == *i)
        .map(|(_, j)| j)
        .collect()
}

impl<S> CiCdClient<S>
where
    S: tower::Service<Request<CiCdRequest>, Response = CiCdResponse, Error = Error>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send,
{
    /// Trigger a pipeline and wait until it finishes, polling it with
    /// backoff; answer it in its terminal state with its jobs and, when it
    /// failed, the tail of the failing job's log.
    ///
    /// * `trigger` is a [`CreatePipeline`] or a [`TriggerPipeline`]. The
    ///   trigger is a write and is sent once: its error ends the run.
    /// * Polls that fail with a retryable error (`Unavailable`,
    ///   `RateLimited`, `Timeout`, `CircuitOpen`) are tried again after the
    ///   next backoff wait, and never before the error's `retry_after`;
    ///   any other error ends the run. Listing jobs and reading the log are
    ///   retried the same way.
    /// * When the pipeline is not finished by `options.deadline` (counted
    ///   from the call), the run ends with [`ErrorKind::Timeout`]; the
    ///   message names the pipeline, its last seen status and the last
    ///   poll error. The last poll is made at the deadline itself.
    /// * Dropping the future stops polling; the pipeline keeps running.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// use std::time::Duration;
    /// use mosaic_core::cicd::*;
    /// use mosaic_core::{Capabilities, Page, Result};
    ///
    /// /// A CI system whose pipelines fail at the third poll.
    /// #[derive(Default)]
    /// struct Ci { polls: AtomicU32 }
    ///
    /// #[async_trait::async_trait]
    /// impl CiCdProvider for Ci {
    ///     fn capabilities(&self) -> Capabilities { Capabilities::all::<CiCdOp>() }
    ///     async fn create_pipeline(&self, p: CreatePipeline) -> Result<Pipeline> {
    ///         Ok(Pipeline { id: "7".into(), project: p.project, ..Default::default() })
    ///     }
    ///     async fn get_pipeline(&self, p: PipelineRef) -> Result<Pipeline> {
    ///         let n = self.polls.fetch_add(1, Ordering::SeqCst);
    ///         let status = if n < 2 { PipelineStatus::Running } else { PipelineStatus::Failure };
    ///         Ok(Pipeline { id: p.id, project: p.project, status, ..Default::default() })
    ///     }
    ///     async fn list_jobs(&self, p: ListJobs) -> Result<Page<Job>> {
    ///         let job = |id: &str, name: &str, status| Job {
    ///             id: id.into(), pipeline_id: p.pipeline.clone(), name: name.into(), status,
    ///             ..Default::default()
    ///         };
    ///         Ok(Page::last(vec![job("1", "build", PipelineStatus::Success),
    ///                            job("2", "test", PipelineStatus::Failure)]))
    ///     }
    ///     async fn get_log(&self, p: GetLog) -> Result<Log> {
    ///         assert_eq!(p.job.as_deref(), Some("2"));
    ///         Ok(Log { text: "running tests\nassertion failed\n".into(), next_offset: 31, complete: true })
    ///     }
    /// }
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
    /// let ci = CiCdClient::new(CiCdService::new(Ci::default()));
    /// let trigger = CreatePipeline { project: "acme/tools".into(), reference: "main".into(), ..Default::default() };
    /// let run = ci.run_pipeline(trigger, RunOptions::new(Duration::from_secs(600))).await?;
    /// assert_eq!(run.pipeline.status, PipelineStatus::Failure);
    /// assert_eq!(run.failed_jobs()[0].name, "test");
    /// let tail = run.failed_log.unwrap();
    /// assert_eq!(tail.job_name.as_deref(), Some("test"));
    /// assert_eq!(tail.lines.last().map(String::as_str), Some("assertion failed"));
    /// # Ok::<(), mosaic_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn run_pipeline(
        &self,
        trigger: impl Into<RunTrigger>,
        options: RunOptions,
    ) -> Result<PipelineRun> {
        run_pipeline(self, trigger, options).await
    }
}

/// [`CiCdClient::run_pipeline`] over any [`CiCdProvider`] (an adapter, a
/// fake, an `Arc<dyn CiCdProvider>`) without a tower stack.
pub async fn run_pipeline<P>(
    provider: &P,
    trigger: impl Into<RunTrigger>,
    options: RunOptions,
) -> Result<PipelineRun>
where
    P: CiCdProvider + ?Sized,
{
    let trigger = trigger.into();
    let started = Instant::now();
    let mut run = Runner {
        provider,
        deadline: started + options.deadline,
        options: &options,
        last_reported: None,
    };
    let pipeline = match trigger {
        RunTrigger::Create(p) => provider.create_pipeline(p).await?,
        RunTrigger::Trigger(p) => provider.trigger_pipeline(p).await?,
    };
    run.report(&pipeline);
    let pipeline = run.wait_for_end(pipeline).await?;
    let jobs = run.jobs(&pipeline).await?;
    let (failed_log, log_error) =
        if pipeline.status == PipelineStatus::Failure && options.log_tail_lines > 0 {
            let job = failed_jobs(&jobs).first().copied();
            let mut tail = run.log_tail(&pipeline, job).await;
            if job.is_some()
                && let Err(e) = &tail
                && (e.is_unsupported() || e.field() == Some("job"))
            {
                // the system serves one log per pipeline (Jenkins)
                tail = run.log_tail(&pipeline, None).await;
            }
            match tail {
                Ok(tail) => (Some(tail), None),
                Err(e) => (None, Some(e)),
            }
        } else {
            (None, None)
        };
    Ok(PipelineRun {
        pipeline,
        jobs,
        failed_log,
        log_error,
    })
}

/// The state of one run.
struct Runner<'a, P: ?Sized> {
    provider: &'a P,
    options: &'a RunOptions,
    deadline: Instant,
    last_reported: Option<(PipelineStatus, String)>,
}

/// When to try next, or why not to.
enum Next {
    At(Instant),
    /// The provider asked to wait past the deadline.
    PastDeadline(Duration),
}

impl<P: CiCdProvider + ?Sized> Runner<'_, P> {
    fn report(&mut self, p: &Pipeline) {
        let seen = (p.status, p.raw_status.clone());
        if self.last_reported.as_ref() != Some(&seen) {
            self.last_reported = Some(seen);
            if let Some(f) = &self.options.on_progress {
                f(p);
            }
        }
    }

    /// When to try again after `n` waits, honouring an error's
    /// `retry_after`: never past the deadline (the last try is made at
    /// it), unless the provider asked to wait longer than that.
    fn next(&self, n: u32, error: Option<&Error>) -> Next {
        let now = Instant::now();
        let wait = self.options.poll.delay(n);
        match error.and_then(Error::retry_after) {
            Some(asked) if now + asked > self.deadline => Next::PastDeadline(asked),
            Some(asked) => Next::At(now + wait.max(asked)),
            None => Next::At((now + wait).min(self.deadline)),
        }
    }

    /// Poll until the pipeline finishes or the deadline passes.
    async fn wait_for_end(&mut self, mut pipeline: Pipeline) -> Result<Pipeline> {
        let target = PipelineRef::new(pipeline.project.clone(), pipeline.id.clone());
        let mut last_error: Option<Error> = None;
        let mut n = 0u32;
        while !pipeline.status.is_finished() {
            if Instant::now() >= self.deadline {
                return Err(self.deadline_passed(&pipeline, last_error.as_ref()).await);
            }
            match self.next(n, last_error.as_ref()) {
                Next::At(at) => tokio::time::sleep_until(at).await,
                Next::PastDeadline(asked) => {
                    let why = format!("the provider asked to wait {asked:?}, past the deadline");
                    let mut e = self.deadline_passed(&pipeline, last_error.as_ref()).await;
                    e = Error::new(ErrorKind::Timeout, format!("{}; {why}", e.message()));
                    return Err(e);
                }
            }
            n = n.saturating_add(1);
            let poll = self.provider.get_pipeline(target.clone());
            match tokio::time::timeout_at(self.deadline, poll).await {
                Err(_) => {
                    return Err(self.deadline_passed(&pipeline, last_error.as_ref()).await);
                }
                Ok(Ok(p)) => {
                    last_error = None;
                    self.report(&p);
                    pipeline = p;
                }
                Ok(Err(e)) if e.is_retryable() => last_error = Some(e),
                Ok(Err(e)) => return Err(e),
            }
        }
        Ok(pipeline)
    }

    /// The timeout error for a pipeline last seen as `pipeline`, after
    /// cancelling it if asked to.
    async fn deadline_passed(&self, pipeline: &Pipeline, last_error: Option<&Error>) -> Error {
        let mut message = format!(
            "pipeline {} of `{}` did not finish within {:?}: last seen {} (`{}`)",
            pipeline.id,
            pipeline.project,
            self.options.deadline,
            status_name(pipeline.status),
            pipeline.raw_status
        );
        if let Some(e) = last_error {
            message.push_str(&format!("; the last poll failed: {e}"));
        }
        if self.options.cancel_on_deadline {
            let target = PipelineRef::new(pipeline.project.clone(), pipeline.id.clone());
            let cancel = self.provider.cancel_pipeline(target);
            match tokio::time::timeout(CANCEL_GRACE, cancel).await {
                Ok(Ok(p)) => {
                    message.push_str(&format!("; cancelled it (now {})", status_name(p.status)))
                }
                Ok(Err(e)) => message.push_str(&format!("; cancelling it failed: {e}")),
                Err(_) => message.push_str(&format!(
                    "; cancelling it did not answer within {CANCEL_GRACE:?}"
                )),
            }
        }
        Error::timeout(message)
    }

    /// Call `call` until it succeeds, fails with an error that is not
    /// retryable, or the deadline passes.
    async fn retrying<T, F, Fut>(&self, what: &str, mut call: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut n = 0u32;
        loop {
            let e = match tokio::time::timeout_at(self.deadline, call()).await {
                Err(_) => {
                    return Err(Error::timeout(format!(
                        "{what} did not answer before the run's deadline ({:?})",
                        self.options.deadline
                    )));
                }
                Ok(Ok(v)) => return Ok(v),
                Ok(Err(e)) if e.is_retryable() => e,
                Ok(Err(e)) => return Err(e),
            };
            let at = match self.next(n, Some(&e)) {
                Next::At(at) if Instant::now() < self.deadline => at,
                _ => {
                    return Err(Error::timeout(format!(
                        "{what} kept failing until the run's deadline ({:?}): {e}",
                        self.options.deadline
                    )));
                }
            };
            tokio::time::sleep_until(at).await;
            n = n.saturating_add(1);
        }
    }

    /// Every job of a finished pipeline (none when the system does not
    /// list jobs).
    async fn jobs(&self, pipeline: &Pipeline) -> Result<Vec<Job>> {
        let what = format!("listing the jobs of pipeline {}", pipeline.id);
        let mut jobs = Vec::new();
        let mut page = PageRequest::first();
        for _ in 0..MAX_JOB_PAGES {
            let params = ListJobs {
                project: pipeline.project.clone(),
                pipeline: pipeline.id.clone(),
                page: page.clone(),
            };
            let listed = self
                .retrying(&what, || self.provider.list_jobs(params.clone()))
                .await;
            let listed = match listed {
                Ok(l) => l,
                Err(e) if e.is_unsupported() => return Ok(Vec::new()),
                Err(e) => return Err(e),
            };
            jobs.extend(listed.items);
            match listed.next {
                Some(next) if page.cursor.as_ref() != Some(&next) => page.cursor = Some(next),
                _ => break,
            }
        }
        Ok(jobs)
    }

    /// The last lines of `job`'s log, or of the pipeline's when `None`.
    async fn log_tail(&self, pipeline: &Pipeline, job: Option<&Job>) -> Result<LogTail> {
        let what = match job {
            Some(j) => format!("reading the log of job {} ({})", j.id, j.name),
            None => format!("reading the log of pipeline {}", pipeline.id),
        };
        let mut tail = Tail::new(self.options.log_tail_lines);
        let mut offset = 0u64;
        for _ in 0..MAX_LOG_READS {
            let params = GetLog {
                project: pipeline.project.clone(),
                pipeline: pipeline.id.clone(),
                job: job.map(|j| j.id.clone()),
                offset,
            };
            let log = self
                .retrying(&what, || self.provider.get_log(params.clone()))
                .await?;
            tail.push(&log.text);
            if log.complete || log.text.is_empty() || log.next_offset <= offset {
                break;
            }
            offset = log.next_offset;
        }
        let (lines, truncated) = tail.finish();
        Ok(LogTail {
            job_id: job.map(|j| j.id.clone()),
            job_name: job.map(|j| j.name.clone()),
            lines,
            truncated,
        })
    }
}

fn status_name(s: PipelineStatus) -> &'static str {
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

/// The last `cap` lines of text arriving in pieces that may split lines.
struct Tail {
    cap: usize,
    lines: VecDeque<String>,
    partial: String,
    dropped: bool,
}

impl Tail {
    fn new(cap: usize) -> Self {
        Tail {
            cap,
            lines: VecDeque::new(),
            partial: String::new(),
            dropped: false,
        }
    }

    fn push(&mut self, text: &str) {
        self.partial.push_str(text);
        while let Some(i) = self.partial.find('\n') {
            let mut line: String = self.partial.drain(..=i).collect();
            line.pop();
            if line.ends_with('\r') {
                line.pop();
            }
            self.keep(line);
        }
    }

    fn keep(&mut self, line: String) {
        if self.lines.len() == self.cap {
            self.lines.pop_front();
            self.dropped = true;
        }
        if self.cap > 0 {
            self.lines.push_back(line);
        }
    }

    fn finish(mut self) -> (Vec<String>, bool) {
        if !self.partial.is_empty() {
            let rest = std::mem::take(&mut self.partial);
            self.keep(rest);
        }
        (self.lines.into(), self.dropped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_its_cap() {
        let b = PollBackoff::default();
        assert_eq!(b.delay(0), Duration::from_secs(2));
        assert_eq!(b.delay(1), Duration::from_secs(3));
        assert_eq!(b.delay(100), Duration::from_secs(30));
        let fixed = PollBackoff::fixed(Duration::from_millis(10));
        assert!((0..5).all(|n| fixed.delay(n) == Duration::from_millis(10)));
    }

    #[test]
    fn jitter_is_bounded_and_replayable() {
        let b = PollBackoff::fixed(Duration::from_secs(10)).jitter(0.5, 42);
        let waits: Vec<Duration> = (0..50).map(|n| b.delay(n)).collect();
        assert!(
            waits
                .iter()
                .all(|w| *w >= Duration::from_secs(5) && *w <= Duration::from_secs(10))
        );
        assert!(waits.windows(2).any(|w| w[0] != w[1]), "jitter varies");
        let again: Vec<Duration> = (0..50).map(|n| b.delay(n)).collect();
        assert_eq!(waits, again);
        let other: Vec<Duration> = (0..50)
            .map(|n| {
                PollBackoff::fixed(Duration::from_secs(10))
                    .jitter(0.5, 43)
                    .delay(n)
            })
            .collect();
        assert_ne!(waits, other);
    }

    #[test]
    fn the_tail_keeps_the_last_lines_across_pieces() {
        let mut t = Tail::new(3);
        t.push("one\ntw");
        t.push("o\r\nthree\nfour\nfi");
        t.push("ve");
        assert_eq!(
            t.finish(),
            (vec!["three".into(), "four".into(), "five".into()], true)
        );
        let mut t = Tail::new(5);
        t.push("a\nb\n");
        assert_eq!(t.finish(), (vec!["a".into(), "b".into()], false));
    }

    #[test]
    fn a_failed_job_counts_only_in_its_latest_attempt() {
        let job = |id: &str, name: &str, status| Job {
            id: id.into(),
            name: name.into(),
            status,
            ..Default::default()
        };
        let jobs = vec![
            job("1", "build", PipelineStatus::Failure),
            job("2", "test", PipelineStatus::Failure),
            job("3", "build", PipelineStatus::Success),
        ];
        let failed: Vec<&str> = failed_jobs(&jobs).iter().map(|j| j.id.as_str()).collect();
        assert_eq!(failed, ["2"]);
    }
}
