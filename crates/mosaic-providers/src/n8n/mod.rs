//! n8n as a workflow engine, over its public REST API v1 (`/api/v1`,
//! authenticated with the `X-N8N-API-KEY` header).
//!
//! | Mosaic | n8n |
//! |---|---|
//! | create / get / delete workflow | `POST /workflows`, `GET`/`DELETE /workflows/{id}` |
//! | update workflow | `GET /workflows/{id}`, then `PUT /workflows/{id}` with the merged workflow (the API replaces whole workflows) |
//! | list workflows | `GET /workflows?active=&tags=&limit=&cursor=` (n8n matches workflows with any of the tags; Mosaic keeps those with all of them, so a page may hold fewer items than asked for) |
//! | activate / deactivate | `POST /workflows/{id}/activate`, `POST /workflows/{id}/deactivate`, then `GET /workflows/{id}/tags` (their answers carry no tags) |
//! | get / list executions | `GET /executions/{id}?includeData=true`, `GET /executions?workflowId=&status=&limit=&cursor=` |
//! | retry execution | `GET /executions/{id}` (only a failed or stopped execution is retried), then `POST /executions/{id}/retry` |
//! | list / create tags | `GET /tags?limit=&cursor=`, `POST /tags` |
//! | get / set a workflow's tags | `GET /workflows/{id}/tags`, `PUT /workflows/{id}/tags` (names resolved to ids through `GET /tags`; missing tags made with `POST /tags`) |
//! | validate workflow | local: [`validate_graph`](mosaic_core::workflow::validate_graph) with n8n's trigger types |
//! | stop execution | `Unsupported` (see below) |
//! | run workflow | `Unsupported` (see below) |
//! | list node types | `Unsupported`: the public API does not list node types |
//!
//! **Connections.** n8n keys connections by source node name, connection
//! type and output (`{"A": {"main": [[{"node": "B", "type": "main",
//! "index": 0}]]}}`); Mosaic lists the `main` ones as flat
//! [`Connection`](mosaic_core::workflow::Connection)s (`output` is the
//! position in the outer array, `input` the target's `index`). Connection
//! types other than `main` (links between AI sub-nodes) are not listed;
//! an update keeps them from the stored workflow. Node fields Mosaic does
//! not model (credentials, notes, retry settings) are kept on update for
//! nodes matched by id, or by name when the node has no id.
//!
//! **Webhooks.** n8n registers the HTTP endpoint of a node (webhook, form,
//! chat and app triggers, wait nodes) only when the node carries a
//! `webhookId`; without one, activation succeeds but calls to the webhook
//! answer `404`. [`WorkflowNode::webhook_id`](mosaic_core::workflow::WorkflowNode::webhook_id)
//! is that id. On create and update, such a node without one keeps the id
//! it has in the stored workflow, or gets a new random UUID.
//!
//! **Stopping.** n8n's public API has no endpoint that stops an execution
//! (`POST /executions/{id}/stop` answers `404`; stopping is offered only
//! to the editor's session-authenticated API), so `stop_execution` is
//! `Unsupported` and left out of the capabilities. Deleting an execution
//! ([`N8n::delete_execution`], `DELETE /executions/{id}`) removes the
//! record of a finished one (n8n refuses to delete a running execution);
//! it is not a way to stop one and Mosaic never uses it as such.
//!
//! **Listing executions.** Without a status filter n8n leaves out the
//! executions that are running at that moment; ask for
//! [`ExecutionStatus::Running`](mosaic_core::workflow::ExecutionStatus::Running)
//! to list those (sent as `status=running`). n8n cannot filter by the
//! queued state: asking for `Queued` is `InvalidInput`.
//!
//! **Tags.** n8n keeps tag names of 1 to 24 characters and answers a name
//! it cannot store with `409 Tag already exists`, whatever the reason; a
//! blank or longer name is refused locally as `InvalidInput`, so
//! `Conflict` from `create_tag` means the name is taken.
//!
//! **Retrying.** n8n answers a retry once the new execution has finished;
//! the answer is that new execution. Retrying an execution that succeeded
//! or has not finished is `Conflict`.
//!
//! **Running.** The public API has no endpoint that starts a workflow and
//! names the execution it started, so `run_workflow` is `Unsupported` and
//! left out of the capabilities. [`N8n::trigger_webhook`] calls the
//! production URL of a workflow's webhook node instead and returns what
//! the webhook answered; that answer carries no execution id (find the
//! execution with `list_executions`).
//!
//! Listings use n8n's cursors: the `nextCursor` of a page is the Mosaic
//! cursor, sent back as `cursor` (page size `limit`, default 100, at most
//! 250).

mod map;
pub(crate) mod wire;
mod workflow;

use mosaic_core::workflow::{Execution, WorkflowOp};
use mosaic_core::{Capabilities, Error, Result, Secret};
use mosaic_plugin_sdk::HttpClient;
use serde::Deserialize;
use serde_json::Value;

use crate::config::HttpSettings;
use crate::http::{Auth, Method, PageSize, Transport, path};

/// The provider name on every error n8n reports.
pub(crate) const PROVIDER: &str = "n8n";

/// Page sizes of n8n listings: 100 items unless asked, at most 250.
pub(crate) const PAGE_SIZE: PageSize = PageSize::new("limit", 100, 250);

/// `e` named as n8n's error (the one place adapter-made errors are named).
pub(crate) fn named(e: mosaic_core::Error) -> mosaic_core::Error {
    e.with_provider(PROVIDER)
}

/// The plugin manifest (`plugin.json`).
pub const PLUGIN_MANIFEST: &str = include_str!("plugin.json");

/// The JSON Schema of [`N8nConfig`] (`config.schema.json`).
pub const CONFIG_SCHEMA: &str = include_str!("config.schema.json");

fn default_webhook_path() -> String {
    "webhook".to_owned()
}

/// Configuration of an [`N8n`] provider (see [`CONFIG_SCHEMA`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct N8nConfig {
    /// The instance URL, e.g. `https://n8n.example.com` (`/api/v1` is
    /// appended; a URL that already ends in `/api/v1` is taken as is).
    pub base_url: String,
    /// An API key (Settings → n8n API).
    pub api_key: Secret,
    /// The path prefix of production webhooks (n8n's
    /// `N8N_ENDPOINT_WEBHOOK`, default `webhook`).
    #[serde(default = "default_webhook_path")]
    pub webhook_path: String,
    /// Timeouts, user agent, retry and rate-limit settings.
    #[serde(flatten)]
    pub http: HttpSettings,
}

impl N8nConfig {
    /// The instance at `base_url` with an API key.
    pub fn new(base_url: impl Into<String>, api_key: impl Into<Secret>) -> Self {
        N8nConfig {
            base_url: base_url.into(),
            api_key: api_key.into(),
            webhook_path: default_webhook_path(),
            http: HttpSettings::default(),
        }
    }

    /// Parse a configuration object (as validated against [`CONFIG_SCHEMA`]).
    pub fn from_json(value: Value) -> Result<Self> {
        crate::config::load(PROVIDER, CONFIG_SCHEMA, value)
    }

    /// The instance root: the base URL without a trailing `/` or `/api/v1`.
    fn root(&self) -> &str {
        let b = self.base_url.trim().trim_end_matches('/');
        b.strip_suffix("/api/v1").unwrap_or(b)
    }
}

/// The n8n provider.
#[derive(Debug, Clone)]
pub struct N8n {
    pub(crate) http: Transport,
    hooks: Transport,
}

impl N8n {
    /// A provider from its configuration, with its own HTTP client.
    pub fn new(config: N8nConfig) -> Result<Self> {
        Self::build(config, None)
    }

    /// A provider that sends through `client`, an allowlisted client (a
    /// plugin's, from its context); the base URL must be on its allowlist.
    pub fn with_client(config: N8nConfig, client: HttpClient) -> Result<Self> {
        Self::build(config, Some(client))
    }

    fn build(config: N8nConfig, client: Option<HttpClient>) -> Result<Self> {
        let root = config.root().to_owned();
        let http = config
            .http
            .transport(PROVIDER, &format!("{root}/api/v1"), client.clone())
            .auth(Auth::header("X-N8N-API-KEY", config.api_key.clone())?)
            .page_size(PAGE_SIZE)
            .build()?;
        let prefix = config.webhook_path.trim_matches('/');
        if prefix.is_empty() || prefix.split('/').any(|s| s == "." || s == "..") {
            return Err(named(Error::config(
                "webhook_path must be a non-empty path prefix",
            )));
        }
        // Webhook nodes authenticate callers themselves: the API key is
        // never sent to them.
        let hooks = config
            .http
            .transport(PROVIDER, &format!("{root}/{}", path::path(prefix)), client)
            .build()?;
        Ok(N8n { http, hooks })
    }

    /// The API transport (for calls Mosaic does not model).
    pub fn transport(&self) -> &Transport {
        &self.http
    }

    /// The operations n8n supports: everything but `run_workflow`,
    /// `stop_execution` and `list_node_types`, which the public API does
    /// not offer.
    pub fn operations() -> Capabilities {
        Capabilities::all::<WorkflowOp>()
            .without(WorkflowOp::RunWorkflow)
            .without(WorkflowOp::StopExecution)
            .without(WorkflowOp::ListNodeTypes)
    }

    /// Whether an n8n node type starts workflows (every `…Trigger` type,
    /// the webhook node, and the legacy start, cron, interval and IMAP
    /// nodes). `validate_workflow` requires one.
    pub fn is_trigger(node_type: &str) -> bool {
        map::is_trigger_type(node_type)
    }

    /// Delete an execution's record (`DELETE /executions/{id}`) and return
    /// it as it was. This does not stop a running execution (n8n refuses to
    /// delete one, and its public API cannot stop one).
    pub async fn delete_execution(&self, id: &str) -> Result<Execution> {
        let id = workflow::nonempty("id", id)?;
        let e: wire::Execution = self
            .http
            .delete(&format!("/executions/{}", path::segment(id)))
            .send_json()
            .await?;
        Ok(map::execution(e, Some(id)))
    }

    /// Call the production URL of the workflow's webhook node with `input`
    /// and return the webhook's answer (JSON, or a string for other
    /// bodies).
    ///
    /// The first enabled `n8n-nodes-base.webhook` node is used, with its
    /// `path` parameter (or its webhook id when the path is empty) under
    /// the configured webhook prefix and its `httpMethod` (default `GET`).
    /// `input` is the JSON body; for `GET`, `HEAD` and `DELETE` its
    /// top-level scalar fields become query parameters instead. The API
    /// key is not sent: a webhook node with its own authentication
    /// rejects the call. Fails with `InvalidInput` when the workflow has no
    /// usable webhook node, `Conflict` when it is not active (n8n only
    /// listens on production webhooks of active workflows).
    pub async fn trigger_webhook(&self, workflow_id: &str, input: Value) -> Result<Value> {
        let id = workflow::nonempty("id", workflow_id)?;
        let w: wire::Workflow = self
            .http
            .get(&format!("/workflows/{}", path::segment(id)))
            .send_json()
            .await?;
        let hook = w
            .nodes
            .iter()
            .find(|n| {
                n.node_type == "n8n-nodes-base.webhook"
                    && n.rest.get("disabled") != Some(&Value::Bool(true))
            })
            .ok_or_else(|| {
                named(Error::invalid_input(
                    "id",
                    "the workflow has no enabled webhook node",
                ))
            })?;
        if !w.active {
            return Err(named(Error::conflict(
                "the workflow is not active, so its production webhook is not registered",
            )));
        }
        let param = |k: &str| {
            hook.parameters
                .as_ref()
                .and_then(|p| p.get(k))
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let hook_path = param("path")
            .or(hook.webhook_id.as_deref())
            .map(|p| p.trim_matches('/').to_owned())
            .filter(|p| !p.is_empty())
            .ok_or_else(|| {
                named(Error::invalid_input(
                    "id",
                    "the webhook node has neither a path nor a webhook id",
                ))
            })?;
        if hook_path.contains(':') {
            return Err(named(Error::invalid_input(
                "id",
                "webhook paths with route parameters are not supported",
            )));
        }
        let method = param("httpMethod").unwrap_or("GET").to_ascii_uppercase();
        let method = Method::from_bytes(method.as_bytes()).map_err(|_| {
            named(Error::invalid_input(
                "id",
                format!("unknown webhook method `{method}`"),
            ))
        })?;
        let mut req = self
            .hooks
            .request(method.clone(), &format!("/{}", path::path(&hook_path)));
        if matches!(method, Method::GET | Method::HEAD | Method::DELETE) {
            if let Value::Object(fields) = &input {
                for (k, v) in fields {
                    match v {
                        Value::String(s) => req = req.query(k, s),
                        Value::Number(_) | Value::Bool(_) => req = req.query(k, v),
                        _ => {}
                    }
                }
            }
        } else {
            req = req.json(&input);
        }
        let resp = req.send().await?;
        Ok(serde_json::from_slice(resp.body()).unwrap_or_else(|_| Value::String(resp.text())))
    }

    /// Decode a workflow body (`GET /workflows/{id}`) as `get_workflow`
    /// does. Malformed bodies are `Decode` errors naming the JSON path.
    pub fn parse_workflow(body: &[u8]) -> Result<mosaic_core::workflow::Workflow> {
        let w: wire::Workflow =
            crate::http::json::decode_as(body, "GET /workflows/{id}").map_err(named)?;
        Ok(map::workflow(w))
    }

    /// Decode an execution listing (`GET /executions`) as
    /// `list_executions` does.
    pub fn parse_executions(body: &[u8]) -> Result<mosaic_core::Page<Execution>> {
        let l: wire::List<wire::Execution> =
            crate::http::json::decode_as(body, "GET /executions").map_err(named)?;
        Ok(l.page().map(|e| map::execution(e, None)))
    }
}

/// The plugin factory (manifest with its configuration schema).
pub fn plugin_factory() -> Result<std::sync::Arc<dyn mosaic_plugin_sdk::PluginFactory>> {
    crate::catalog::provider_factory(PLUGIN_MANIFEST, CONFIG_SCHEMA, |c, http| {
        let cfg: N8nConfig = c.parse()?;
        let provider = N8n::with_client(cfg, http)?;
        Ok(mosaic_plugin_sdk::PluginServices::new().with_workflow(std::sync::Arc::new(provider)))
    })
}
