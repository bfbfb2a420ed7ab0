//! GitHub Actions (REST API v3) as a [`CiCdProvider`](mosaic_core::cicd::CiCdProvider):
//! github.com, GHE.com and GitHub Enterprise Server.
//!
//! How Mosaic's CI/CD model maps onto Actions:
//!
//! * `project` is `owner/repo`;
//! * a *definition* is a workflow (its numeric id, or its file name such as
//!   `ci.yml`); a *pipeline* is a workflow run; a *job* is a job of a run;
//! * `trigger_pipeline` sends a `workflow_dispatch` (inputs as workflow
//!   inputs; the repository's default branch when no reference is given).
//!   On github.com the dispatch answers with the new run's id
//!   (`return_run_details`); elsewhere the run is found by listing the
//!   workflow's `workflow_dispatch` runs for that branch created since the
//!   dispatch and not seen before it, polling on tokio's clock within
//!   [`PollSettings`] — a `Timeout` error if it never shows up;
//! * `create_pipeline` dispatches the configured
//!   [`default_workflow`](GitHubActionsConfig::default_workflow) with the
//!   variables as inputs; without one it is `Unsupported` (Actions has no
//!   single "project pipeline") and the capabilities say so;
//! * `retry_pipeline` re-runs the run, or only its failed jobs;
//!   `rerun_job` re-runs one job and answers with the job of the new attempt;
//! * `get_log` without a job downloads the run's log archive (a redirect to
//!   a zip on a storage host) and returns its per-job text files; with a
//!   job, that job's plain-text log; `complete` once the run/job finished;
//! * artifacts are the run's artifacts, downloaded as zip archives;
//! * environments are deployment environments; GitHub keeps no external
//!   URL on them, so a `url` is refused with `InvalidInput`;
//! * secrets are Actions secrets of the repository or, with `environment`,
//!   of that environment: values are encrypted on this side with the
//!   repository's (environment's) public key in a libsodium sealed box
//!   ([`seal_secret`]) and never logged. GitHub masks every secret and has
//!   no protected-ref flag: `protected: true` is `InvalidInput`.
//!
//! Status words: [`STATUSES`] (a run's `status`, or its `conclusion` once
//! completed, is kept as `raw_status`).
//!
//! Authentication is the GitHub provider's ([`GitHubAuth`]): a token or a
//! GitHub App installation.

mod cicd;
mod logs;
mod map;
mod secrets;
pub(crate) mod wire;

/// The provider name on errors, transports and plugin ids.
pub(crate) const PROVIDER: &str = "github-actions";

use mosaic_plugin_sdk::HttpClient;
use std::sync::Arc;

use http::HeaderValue;
use http::header::{ACCEPT, HeaderName};
use mosaic_core::{Result, Secret};
use serde::Deserialize;

use crate::ci::PollSettings;
use crate::config::HttpSettings;
use crate::github::app::AppCredentials;
pub use crate::github::{API_VERSION, DEFAULT_BASE_URL, GitHubAuth};

use crate::http::{Auth, PageSize, Transport};

pub use map::{STATUSES, status};
pub use secrets::{seal_secret, seal_secret_with};

/// The plugin manifest (`plugin.json`).
pub const PLUGIN_MANIFEST: &str = include_str!("plugin.json");

/// The JSON Schema of [`GitHubActionsConfig`] (`config.schema.json`).
pub const CONFIG_SCHEMA: &str = include_str!("config.schema.json");

/// Default ceiling on the text extracted from one run's log archive.
pub const DEFAULT_MAX_LOG_BYTES: u64 = 64 * 1024 * 1024;

/// Configuration of a [`GitHubActions`] provider (see [`CONFIG_SCHEMA`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GitHubActionsConfig {
    /// API base URL: `https://api.github.com`, `https://api.SUBDOMAIN.ghe.com`,
    /// or `https://HOST/api/v3` for GitHub Enterprise Server.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Authentication.
    pub auth: GitHubAuth,
    /// The workflow `create_pipeline` dispatches (id or file name); without
    /// it `create_pipeline` is unsupported.
    #[serde(default)]
    pub default_workflow: Option<String>,
    /// Ask a dispatch to answer with the new run's id. `None`: on for
    /// github.com and GHE.com, off for GitHub Enterprise Server (which
    /// answers `204` without it).
    #[serde(default)]
    pub return_run_details: Option<bool>,
    /// How long to look for a dispatched run that was not reported back.
    #[serde(default)]
    pub dispatch_poll: PollSettings,
    /// Most bytes of log text extracted from one run's archive.
    #[serde(default = "default_max_log_bytes")]
    pub max_log_bytes: u64,
    /// Timeouts, user agent, retry and rate-limit settings.
    #[serde(flatten)]
    pub http: HttpSettings,
}

fn default_base_url() -> String {
    DEFAULT_BASE_URL.to_owned()
}

fn default_max_log_bytes() -> u64 {
    DEFAULT_MAX_LOG_BYTES
}

impl GitHubActionsConfig {
    /// github.com with a token.
    pub fn token(token: impl Into<Secret>) -> Self {
        Self::with_auth(GitHubAuth::Token {
            token: token.into(),
        })
    }

    /// github.com with the given authentication.
    pub fn with_auth(auth: GitHubAuth) -> Self {
        GitHubActionsConfig {
            base_url: default_base_url(),
            auth,
            default_workflow: None,
            return_run_details: None,
            dispatch_poll: PollSettings::default(),
            max_log_bytes: DEFAULT_MAX_LOG_BYTES,
            http: HttpSettings::default(),
        }
    }

    /// Use another API base URL (GHE.com, GitHub Enterprise Server, a test
    /// server).
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Let `create_pipeline` dispatch `workflow` (id or file name).
    pub fn with_default_workflow(mut self, workflow: impl Into<String>) -> Self {
        self.default_workflow = Some(workflow.into());
        self
    }

    /// Ask (or do not ask) dispatches for the new run's id.
    pub fn with_return_run_details(mut self, on: bool) -> Self {
        self.return_run_details = Some(on);
        self
    }

    /// How long to look for a dispatched run.
    pub fn with_dispatch_poll(mut self, poll: PollSettings) -> Self {
        self.dispatch_poll = poll;
        self
    }

    /// Whether dispatches ask for run details by default for this base URL.
    fn run_details_default(&self) -> bool {
        url::Url::parse(&self.base_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
            .is_some_and(|h| h == "api.github.com" || h.ends_with(".ghe.com"))
    }
}

/// The GitHub Actions provider.
#[derive(Debug, Clone)]
pub struct GitHubActions {
    pub(crate) http: Transport,
    pub(crate) default_workflow: Option<String>,
    pub(crate) run_details: bool,
    pub(crate) poll: PollSettings,
    pub(crate) max_log_bytes: u64,
}

impl GitHubActions {
    fn build(config: GitHubActionsConfig, client: Option<HttpClient>) -> Result<Self> {
        let run_details = config
            .return_run_details
            .unwrap_or_else(|| config.run_details_default());
        let base = config
            .http
            .transport(PROVIDER, &config.base_url, client)
            .allow_hosts(crate::config::manifest_hosts(PLUGIN_MANIFEST))
            .page_size(PageSize::new("per_page", 30, 100))
            .header(
                ACCEPT,
                HeaderValue::from_static("application/vnd.github+json"),
            )
            .header(
                HeaderName::from_static("x-github-api-version"),
                HeaderValue::from_static(API_VERSION),
            )
            .build()?;
        let http = match config.auth {
            GitHubAuth::Token { token } => base.with_credentials(Arc::new(Auth::Bearer(token))),
            GitHubAuth::App {
                app_id,
                installation_id,
                private_key,
            } => {
                let creds =
                    AppCredentials::new(app_id, installation_id, &private_key, base.clone())?;
                base.with_credentials(Arc::new(creds))
            }
        };
        Ok(GitHubActions {
            http,
            default_workflow: config.default_workflow,
            run_details,
            poll: config.dispatch_poll,
            max_log_bytes: config.max_log_bytes,
        })
    }

    /// A provider over a ready transport (its base URL and credentials are
    /// used as they are; dispatches look the run up by polling). List
    /// operations need the transport built with a
    /// [`page_size`](crate::http::TransportBuilder::page_size), e.g.
    /// `PageSize::new("per_page", 30, 100)`.
    pub fn from_transport(http: Transport) -> Self {
        GitHubActions {
            http,
            default_workflow: None,
            run_details: false,
            poll: PollSettings::default(),
            max_log_bytes: DEFAULT_MAX_LOG_BYTES,
        }
    }

    /// Decode and map a workflow-run listing body, exactly as
    /// `list_pipelines` does.
    pub fn parse_runs(project: &str, body: &[u8]) -> Result<Vec<mosaic_core::cicd::Pipeline>> {
        let wire: wire::Listing<wire::Run> =
            crate::http::json::decode_as(body, "GET /repos/{owner}/{repo}/actions/runs")?;
        Ok(wire
            .items
            .into_iter()
            .map(|r| map::pipeline(project, r))
            .collect())
    }

    /// Decode and map a job body, exactly as `get_job` does.
    pub fn parse_job(body: &[u8]) -> Result<mosaic_core::cicd::Job> {
        let wire: wire::Job =
            crate::http::json::decode_as(body, "GET /repos/{owner}/{repo}/actions/jobs/{id}")?;
        Ok(map::job(wire))
    }
}

crate::ci::adapter_basics!(GitHubActions, GitHubActionsConfig);
