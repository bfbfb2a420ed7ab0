//! GitLab CI/CD (REST API v4) as a [`CiCdProvider`](mosaic_core::cicd::CiCdProvider):
//! gitlab.com and self-managed instances.
//!
//! How Mosaic's CI/CD model maps onto GitLab:
//!
//! * `project` is the project's path (`group/sub/project`, sent URL-encoded)
//!   or its numeric id;
//! * a project has one *definition*: its CI/CD configuration file
//!   (`ci_config_path`, `.gitlab-ci.yml` by default), whose id is that path;
//! * a *pipeline* is a pipeline (its instance-wide id; `number` is the
//!   project-local `iid`); a *job* is a job;
//! * `create_pipeline` runs the pipeline for a ref with variables;
//!   `trigger_pipeline` runs the project's definition with
//!   `spec:inputs` (`inputs`), on the default branch when no ref is given;
//! * `retry_pipeline` with `failed_only` retries the failed and canceled
//!   jobs in place; without it, it starts a new pipeline for the same ref
//!   with the same pipeline variables;
//! * `rerun_job` plays a manual job and retries any other;
//! * `get_log` reads a job's trace; without a job, the traces of every job
//!   of the pipeline (oldest first, each under a `=== stage / name ===`
//!   line; jobs that never ran have none);
//! * artifacts are the jobs' artifacts archives (id: the job id, name
//!   `<job>/<file>`); downloads follow object-storage redirects without
//!   credentials;
//! * environments are environments (`url`: the external URL); deleting an
//!   available environment stops it first, as GitLab requires;
//! * secrets are project CI/CD variables: `masked` and `protected` are
//!   GitLab's flags, `environment` its environment scope (`*` when none);
//!   values are sent, never read back (listings drop them).
//!
//! Status words: [`STATUSES`]. Authentication: [`GitLabAuth`] (private
//! token or OAuth token).

mod cicd;
mod map;
pub(crate) mod wire;

/// The provider name on errors, transports and plugin ids.
pub(crate) const PROVIDER: &str = "gitlab-ci";

/// How list requests are sized.
pub(crate) const PAGE_SIZE: PageSize = PageSize::new("per_page", 20, 100);

use mosaic_plugin_sdk::HttpClient;
use std::sync::Arc;

use mosaic_core::cicd::{CiCdOp, Pipeline};
use mosaic_core::{Capabilities, Result, Secret};
use serde::Deserialize;

use crate::config::HttpSettings;
pub use crate::gitlab::{DEFAULT_BASE_URL, GitLabAuth};
use crate::http::{Auth, PageSize, Transport};

pub use map::{STATUSES, status};

/// The plugin manifest (`plugin.json`).
pub const PLUGIN_MANIFEST: &str = include_str!("plugin.json");

/// The JSON Schema of [`GitLabCiConfig`] (`config.schema.json`).
pub const CONFIG_SCHEMA: &str = include_str!("config.schema.json");

/// The configuration file GitLab reads when a project sets none.
pub const DEFAULT_CI_CONFIG: &str = ".gitlab-ci.yml";

/// Configuration of a [`GitLabCi`] provider (see [`CONFIG_SCHEMA`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GitLabCiConfig {
    /// API base URL including `/api/v4`.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Authentication.
    pub auth: GitLabAuth,
    /// Most pages of jobs read to assemble a whole pipeline's log.
    #[serde(default = "default_max_job_pages")]
    pub max_job_pages: u32,
    /// Timeouts, user agent, retry and rate-limit settings.
    #[serde(flatten)]
    pub http: HttpSettings,
}

fn default_base_url() -> String {
    DEFAULT_BASE_URL.to_owned()
}

fn default_max_job_pages() -> u32 {
    20
}

impl GitLabCiConfig {
    /// gitlab.com with a private token.
    pub fn private_token(token: impl Into<Secret>) -> Self {
        Self::with_auth(GitLabAuth::PrivateToken {
            token: token.into(),
        })
    }

    /// gitlab.com with an OAuth token.
    pub fn oauth(token: impl Into<Secret>) -> Self {
        Self::with_auth(GitLabAuth::Oauth {
            token: token.into(),
        })
    }

    fn with_auth(auth: GitLabAuth) -> Self {
        GitLabCiConfig {
            base_url: default_base_url(),
            auth,
            max_job_pages: default_max_job_pages(),
            http: HttpSettings::default(),
        }
    }

    /// Use another API base URL (a self-managed instance, a test server).
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }
}

/// The GitLab CI/CD provider.
#[derive(Debug, Clone)]
pub struct GitLabCi {
    pub(crate) http: Transport,
    pub(crate) max_job_pages: u32,
}

impl GitLabCi {
    fn build(config: GitLabCiConfig, client: Option<HttpClient>) -> Result<Self> {
        let auth = match config.auth {
            GitLabAuth::PrivateToken { token } => Auth::private_token(token),
            GitLabAuth::Oauth { token } => Auth::Bearer(token),
        };
        let http = config
            .http
            .transport(PROVIDER, &config.base_url, client)
            .allow_hosts(crate::config::manifest_hosts(PLUGIN_MANIFEST))
            .page_size(PAGE_SIZE)
            .credentials(Arc::new(auth))
            .build()?;
        Ok(GitLabCi {
            http,
            max_job_pages: config.max_job_pages.max(1),
        })
    }

    /// A provider over a ready transport. List operations need the
    /// transport built with a
    /// [`page_size`](crate::http::TransportBuilder::page_size), e.g.
    /// `PageSize::new("per_page", 20, 100)`.
    pub fn from_transport(http: Transport) -> Self {
        GitLabCi {
            http,
            max_job_pages: default_max_job_pages(),
        }
    }

    /// The operations GitLab CI supports: all of them.
    pub fn operations() -> Capabilities {
        Capabilities::all::<CiCdOp>()
    }

    /// Decode and map a pipeline listing body, exactly as `list_pipelines`
    /// does.
    pub fn parse_pipelines(project: &str, body: &[u8]) -> Result<Vec<Pipeline>> {
        let wire: Vec<wire::Pipeline> =
            crate::http::json::decode_as(body, "GET /projects/:id/pipelines")?;
        Ok(wire
            .into_iter()
            .map(|p| map::pipeline(project, p))
            .collect())
    }

    /// Decode and map a job listing body, exactly as `list_jobs` does.
    pub fn parse_jobs(body: &[u8]) -> Result<Vec<mosaic_core::cicd::Job>> {
        let wire: Vec<wire::Job> =
            crate::http::json::decode_as(body, "GET /projects/:id/pipelines/:id/jobs")?;
        Ok(wire.into_iter().map(map::job).collect())
    }
}

crate::ci::adapter_basics!(GitLabCi, GitLabCiConfig);
