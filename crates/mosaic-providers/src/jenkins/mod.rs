//! Jenkins (remote access API) as a [`CiCdProvider`](mosaic_core::cicd::CiCdProvider).
//!
//! How Mosaic's CI/CD model maps onto Jenkins:
//!
//! * `project` is a folder path (`team/services`, empty for the root),
//!   turned into `/job/team/job/services`;
//! * a *definition* is a job of that folder (its name); a *pipeline* is a
//!   build, with the id `<job>/<number>` (`<job>/<branch>/<number>` for a
//!   multibranch job's branch); a *job* is a stage of a Pipeline build
//!   (Pipeline Stage View `wfapi`), with the id `<pipeline>:<node id>`;
//! * `trigger_pipeline` posts `build` (or `buildWithParameters` with the
//!   inputs as form parameters) to the job — to the branch job of a
//!   multibranch job when a `reference` is given — and follows the queue
//!   item Jenkins answers with (`Location: …/queue/item/N/`) until it has a
//!   build number, polling on tokio's clock within [`PollSettings`]
//!   (`Timeout` if it is still queued, `Cancelled` if the item was
//!   cancelled);
//! * `create_pipeline` builds the branch `reference` of the multibranch job
//!   `project` (a branch's job name encodes `/` as `%2F`), with the
//!   variables as parameters;
//! * `retry_pipeline` starts a new build of the same job with the same
//!   parameters (Jenkins cannot re-run only failed stages: `failed_only`
//!   is `InvalidInput`); `cancel_pipeline` stops the build;
//! * `get_log` reads the console text progressively
//!   (`logText/progressiveText?start=N`: `X-Text-Size` is the next offset,
//!   `X-More-Data` says whether more will come); one stage's log is not
//!   offered (`InvalidInput` on `job`);
//! * artifacts are the build's archived files (id: the relative path);
//! * CSRF: a crumb from `/crumbIssuer/api/json` (with its session cookie) is
//!   sent with every POST, fetched once and again after a `403`; an
//!   instance without a crumb issuer (`404`) gets none;
//! * re-running a stage, environments and secrets have no remote API:
//!   `Unsupported`, and the capabilities say so.
//!
//! Authentication: HTTP basic with a user name and an API token.
//! Status words: [`BUILD_STATUSES`], [`STAGE_STATUSES`].

mod cicd;
mod map;
pub(crate) mod wire;

/// The provider name on errors, transports and plugin ids.
pub(crate) const PROVIDER: &str = "jenkins";

use mosaic_plugin_sdk::HttpClient;
use std::sync::Arc;

use http::header::{COOKIE, HeaderName, SET_COOKIE};
use mosaic_core::cicd::CiCdOp;
use mosaic_core::{Capabilities, Error, Result, Secret};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::ci::PollSettings;
use crate::config::HttpSettings;
use crate::http::{Auth, HttpResponse, Transport};

pub use map::{BUILD_STATUSES, STAGE_STATUSES, build_status, stage_status};

/// The plugin manifest (`plugin.json`).
pub const PLUGIN_MANIFEST: &str = include_str!("plugin.json");

/// The JSON Schema of [`JenkinsConfig`] (`config.schema.json`).
pub const CONFIG_SCHEMA: &str = include_str!("config.schema.json");

/// Configuration of a [`Jenkins`] provider (see [`CONFIG_SCHEMA`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct JenkinsConfig {
    /// The Jenkins root URL (`https://ci.example.com` or
    /// `https://example.com/jenkins`).
    pub base_url: String,
    /// The user the API token belongs to.
    pub username: String,
    /// The user's API token.
    pub api_token: Secret,
    /// How long to follow a queue item to its build.
    #[serde(default = "default_queue_poll")]
    pub queue_poll: PollSettings,
    /// Timeouts, user agent, retry and rate-limit settings.
    #[serde(flatten)]
    pub http: HttpSettings,
}

fn default_queue_poll() -> PollSettings {
    PollSettings {
        interval_ms: 1_000,
        timeout_ms: 120_000,
    }
}

impl JenkinsConfig {
    /// Jenkins at `base_url` as `username` with an API token.
    pub fn new(
        base_url: impl Into<String>,
        username: impl Into<String>,
        api_token: impl Into<Secret>,
    ) -> Self {
        JenkinsConfig {
            base_url: base_url.into(),
            username: username.into(),
            api_token: api_token.into(),
            queue_poll: default_queue_poll(),
            http: HttpSettings::default(),
        }
    }

    /// How long to follow a queue item to its build.
    pub fn with_queue_poll(mut self, poll: PollSettings) -> Self {
        self.queue_poll = poll;
        self
    }
}

/// A CSRF crumb and the session cookies it is bound to.
#[derive(Debug, Clone)]
pub(crate) struct Crumb {
    field: HeaderName,
    value: String,
    cookie: Option<String>,
}

/// What is known about the instance's crumb issuer.
#[derive(Debug, Clone)]
enum CrumbState {
    /// Not asked yet (or dropped after a `403`).
    Unknown,
    /// No crumb issuer: CSRF protection is off.
    Disabled,
    /// This crumb.
    Have(Crumb),
}

/// The Jenkins provider.
#[derive(Debug, Clone)]
pub struct Jenkins {
    pub(crate) http: Transport,
    pub(crate) poll: PollSettings,
    crumb: Arc<Mutex<CrumbState>>,
}

impl Jenkins {
    fn build(config: JenkinsConfig, client: Option<HttpClient>) -> Result<Self> {
        if config.username.trim().is_empty() {
            return Err(
                Error::config("the Jenkins user name must not be empty").with_provider(PROVIDER)
            );
        }
        let http = config
            .http
            .transport(PROVIDER, &config.base_url, client)
            .credentials(Arc::new(Auth::basic(config.username, config.api_token)))
            .build()?;
        Ok(Self::from_parts(http, config.queue_poll))
    }

    fn from_parts(http: Transport, poll: PollSettings) -> Self {
        Jenkins {
            http,
            poll,
            crumb: Arc::new(Mutex::new(CrumbState::Unknown)),
        }
    }

    /// A provider over a ready transport.
    pub fn from_transport(http: Transport) -> Self {
        Self::from_parts(http, default_queue_poll())
    }

    /// The operations Jenkins supports.
    pub fn operations() -> Capabilities {
        use CiCdOp::{
            CancelPipeline, CreatePipeline, DownloadArtifact, GetDefinition, GetJob, GetLog,
            GetPipeline, ListArtifacts, ListDefinitions, ListJobs, ListPipelines, RetryPipeline,
            TriggerPipeline,
        };
        Capabilities::of([
            ListDefinitions,
            GetDefinition,
            CreatePipeline,
            TriggerPipeline,
            GetPipeline,
            CancelPipeline,
            RetryPipeline,
            ListPipelines,
            GetLog,
            ListArtifacts,
            DownloadArtifact,
            GetJob,
            ListJobs,
        ])
    }

    /// Decode and map a build body, exactly as `get_pipeline` does.
    pub fn parse_build(
        project: &str,
        job: &str,
        body: &[u8],
    ) -> Result<mosaic_core::cicd::Pipeline> {
        let b: wire::Build = crate::http::json::decode_as(body, "GET {job}/{number}/api/json")?;
        Ok(map::pipeline(project, job, b))
    }

    /// Decode a queue item body, returning the build number once it has one.
    pub fn parse_queue_item(body: &[u8]) -> Result<Option<u64>> {
        let q: wire::QueueItem =
            crate::http::json::decode_as(body, "GET /queue/item/{id}/api/json")?;
        Ok(q.executable.map(|e| e.number))
    }

    /// The crumb to send, fetching it when not known.
    async fn crumb(&self) -> Result<Option<Crumb>> {
        let mut state = self.crumb.lock().await;
        match &*state {
            CrumbState::Have(c) => return Ok(Some(c.clone())),
            CrumbState::Disabled => return Ok(None),
            CrumbState::Unknown => {}
        }
        let resp = match self.http.get("/crumbIssuer/api/json").send().await {
            Ok(r) => r,
            Err(e) if e.is_not_found() => {
                *state = CrumbState::Disabled;
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let c: wire::Crumb = resp.json()?;
        let field = HeaderName::from_bytes(c.crumb_request_field.as_bytes()).map_err(|_| {
            Error::new(
                mosaic_core::ErrorKind::Provider,
                "the crumb issuer named an invalid header",
            )
            .with_provider(PROVIDER)
        })?;
        let crumb = Crumb {
            field,
            value: c.crumb,
            cookie: session_cookie(&resp),
        };
        *state = CrumbState::Have(crumb.clone());
        Ok(Some(crumb))
    }

    async fn forget_crumb(&self) {
        *self.crumb.lock().await = CrumbState::Unknown;
    }

    /// POST `path` with an optional form body, sending the crumb; after a
    /// `403` with a crumb, a fresh crumb is fetched and the POST sent once
    /// more.
    pub(crate) async fn post(
        &self,
        path: &str,
        form: Option<&[(String, String)]>,
    ) -> Result<HttpResponse> {
        let mut retried = false;
        loop {
            let crumb = self.crumb().await?;
            let mut req = self.http.post(path);
            if let Some(c) = &crumb {
                req = req.header(c.field.clone(), &c.value);
                if let Some(cookie) = &c.cookie {
                    req = req.header(COOKIE, cookie);
                }
            }
            if let Some(form) = form {
                let body = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(form.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                    .finish();
                req = req.body("application/x-www-form-urlencoded", body);
            }
            match req.send().await {
                Err(e) if e.status() == Some(403) && crumb.is_some() && !retried => {
                    retried = true;
                    self.forget_crumb().await;
                }
                other => return other,
            }
        }
    }
}

/// The `name=value` pairs of the response's `Set-Cookie` headers, joined
/// for a `Cookie` header (the crumb is bound to this web session).
fn session_cookie(resp: &HttpResponse) -> Option<String> {
    let pairs: Vec<&str> = resp
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .map(str::trim)
        .filter(|p| p.contains('='))
        .collect();
    (!pairs.is_empty()).then(|| pairs.join("; "))
}

crate::ci::adapter_basics!(Jenkins, JenkinsConfig);
