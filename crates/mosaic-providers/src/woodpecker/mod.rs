//! Woodpecker CI (REST API) as a [`CiCdProvider`](mosaic_core::cicd::CiCdProvider).
//!
//! How Mosaic's CI/CD model maps onto Woodpecker:
//!
//! * `project` is the repository's `owner/name` (its numeric id is looked
//!   up once with `GET /api/repos/lookup/{owner}/{name}` and remembered),
//!   or the numeric id itself;
//! * a *pipeline* is a pipeline, by its number; a *job* is a step, with the
//!   id `<number>/<step id>` and its workflow as `stage`;
//! * `create_pipeline` starts a manual pipeline for a branch with
//!   variables; `retry_pipeline` restarts a pipeline (Woodpecker always
//!   restarts all of it: `failed_only` is `InvalidInput`); blocked
//!   pipelines are approved or declined with [`Woodpecker::approve`] and
//!   [`Woodpecker::decline`];
//! * `get_log` reads a step's log lines; without a job, every step's, each
//!   under a `=== workflow / step ===` line;
//! * secrets are repository secrets, exposed to the configured
//!   [`secret_events`](WoodpeckerConfig::secret_events); Woodpecker masks
//!   them in logs and has no protected-ref flag nor environments
//!   (`InvalidInput`);
//! * crons: [`Woodpecker::list_crons`], [`create_cron`](Woodpecker::create_cron),
//!   [`delete_cron`](Woodpecker::delete_cron), [`run_cron`](Woodpecker::run_cron);
//! * Woodpecker has no API for pipeline definitions, artifacts,
//!   environments or re-running one step: `Unsupported`, and the
//!   capabilities say so.
//!
//! Authentication: a personal access token (`Authorization: Bearer`).
//! Status words: [`STATUSES`].

mod cicd;
mod crons;
mod map;
pub(crate) mod wire;

/// The provider name on errors, transports and plugin ids.
pub(crate) const PROVIDER: &str = "woodpecker";

use mosaic_plugin_sdk::HttpClient;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use mosaic_core::cicd::CiCdOp;
use mosaic_core::{Capabilities, Error, Result, Secret};
use serde::Deserialize;

use crate::config::HttpSettings;
use crate::http::path::segment;
use crate::http::{Auth, Transport};

pub use crons::{Cron, NewCron};
pub use map::{STATUSES, status};

/// The plugin manifest (`plugin.json`).
pub const PLUGIN_MANIFEST: &str = include_str!("plugin.json");

/// The JSON Schema of [`WoodpeckerConfig`] (`config.schema.json`).
pub const CONFIG_SCHEMA: &str = include_str!("config.schema.json");

/// The events new secrets are exposed to by default (not pull requests,
/// whose code may come from forks).
pub const DEFAULT_SECRET_EVENTS: &[&str] = &["push", "tag", "deployment", "cron", "manual"];

/// Configuration of a [`Woodpecker`] provider (see [`CONFIG_SCHEMA`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WoodpeckerConfig {
    /// The server's URL (`https://ci.example.com`); the API is under `/api`.
    pub base_url: String,
    /// A personal access token.
    pub token: Secret,
    /// Events secrets created through Mosaic are exposed to.
    #[serde(default = "default_secret_events")]
    pub secret_events: Vec<String>,
    /// Timeouts, user agent, retry and rate-limit settings.
    #[serde(flatten)]
    pub http: HttpSettings,
}

fn default_secret_events() -> Vec<String> {
    DEFAULT_SECRET_EVENTS
        .iter()
        .map(|e| (*e).to_owned())
        .collect()
}

impl WoodpeckerConfig {
    /// The server at `base_url` with a personal access token.
    pub fn new(base_url: impl Into<String>, token: impl Into<Secret>) -> Self {
        WoodpeckerConfig {
            base_url: base_url.into(),
            token: token.into(),
            secret_events: default_secret_events(),
            http: HttpSettings::default(),
        }
    }
}

/// The Woodpecker provider.
#[derive(Debug, Clone)]
pub struct Woodpecker {
    pub(crate) http: Transport,
    pub(crate) web_base: String,
    pub(crate) secret_events: Vec<String>,
    repo_ids: Arc<Mutex<HashMap<String, u64>>>,
}

impl Woodpecker {
    fn build(config: WoodpeckerConfig, client: Option<HttpClient>) -> Result<Self> {
        if config.secret_events.is_empty() {
            return Err(
                Error::config("secret_events must name at least one event").with_provider(PROVIDER)
            );
        }
        let http = config
            .http
            .transport(PROVIDER, &config.base_url, client)
            .credentials(Arc::new(Auth::Bearer(config.token)))
            .build()?;
        let web_base = http.base_url().as_str().trim_end_matches('/').to_owned();
        Ok(Woodpecker {
            http,
            web_base,
            secret_events: config.secret_events,
            repo_ids: Arc::default(),
        })
    }

    /// The operations Woodpecker supports.
    pub fn operations() -> Capabilities {
        use CiCdOp::{
            CancelPipeline, CreatePipeline, CreateSecret, DeleteSecret, GetJob, GetLog,
            GetPipeline, ListJobs, ListPipelines, ListSecrets, RetryPipeline, UpdateSecret,
        };
        Capabilities::of([
            CreatePipeline,
            GetPipeline,
            CancelPipeline,
            RetryPipeline,
            ListPipelines,
            GetLog,
            GetJob,
            ListJobs,
            CreateSecret,
            UpdateSecret,
            DeleteSecret,
            ListSecrets,
        ])
    }

    /// Decode and map a pipeline body, exactly as `get_pipeline` does
    /// (repository id 1).
    pub fn parse_pipeline(project: &str, body: &[u8]) -> Result<mosaic_core::cicd::Pipeline> {
        let p: wire::Pipeline =
            crate::http::json::decode_as(body, "GET /api/repos/{repo_id}/pipelines/{number}")?;
        Ok(map::pipeline(project, "", 1, p))
    }

    /// `/api/repos/{id}` of a project (`owner/name` or a numeric id).
    pub(crate) async fn repo(&self, project: &str) -> Result<(u64, String)> {
        let project = project.trim().trim_matches('/');
        crate::ci::require("project", project)?;
        if let Ok(id) = project.parse::<u64>() {
            return Ok((id, format!("/api/repos/{id}")));
        }
        let known = self
            .repo_ids
            .lock()
            .ok()
            .and_then(|m| m.get(project).copied());
        let id = match known {
            Some(id) => id,
            None => {
                let parts: Vec<&str> = project.split('/').collect();
                if parts.len() < 2 || parts.iter().any(|p| p.trim().is_empty()) {
                    return Err(Error::invalid_input(
                        "project",
                        format!("`{project}` is not an `owner/name` repository or an id"),
                    ));
                }
                let path: Vec<String> = parts.iter().map(|p| segment(p)).collect();
                let r: wire::Repo = self
                    .http
                    .get(&format!("/api/repos/lookup/{}", path.join("/")))
                    .send_json()
                    .await?;
                if let Ok(mut m) = self.repo_ids.lock() {
                    m.insert(project.to_owned(), r.id);
                }
                r.id
            }
        };
        Ok((id, format!("/api/repos/{id}")))
    }
}

crate::ci::adapter_basics!(Woodpecker, WoodpeckerConfig);
