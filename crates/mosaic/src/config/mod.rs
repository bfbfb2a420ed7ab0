//! Declarative deployments: `mosaic.toml` (JSON accepted too) describing
//! provider instances, the layers around each, and the routing rules per
//! family; [`Mosaic`] builds typed clients from it with the same public
//! builders a host uses by hand.
//!
//! ```toml
//! [providers.primary]
//! kind = "github"
//! auth = { type = "token", token = "env:GITHUB_TOKEN" }
//! stack = { timeout = "10s", retry = { attempts = 3 }, breaker = { failure_rate = 0.5, window = 20, open_for = "30s" } }
//!
//! [providers.mirror]
//! kind = "gitea"
//! base_url = "https://git.internal.example/api/v1"   # reachable because the file names it
//! auth = { type = "token", token = "file:/run/secrets/gitea" }
//!
//! [[routes.git]]
//! match = { subject = "acme/internal-*" }
//! to = ["mirror"]
//!
//! [[routes.git]]
//! to = ["primary", "mirror"]
//! strategy = "failover"
//! ```
//!
//! A string `env:VAR` is replaced by the variable's value (an error when
//! it is unset), `env:VAR:-default` by the value or, when the variable is
//! unset or empty, the default; `file:PATH` by the file's contents.
//!
//! Strict throughout: an unknown key anywhere is an error naming the file,
//! line, column and key path; a route naming a missing instance, or an
//! instance of another family, is an error naming the route; a provider's
//! own settings are checked by its configuration schema. Secret values
//! come by reference (`env:VAR`, `file:PATH`) and never appear in errors.
//!
//! [`Mosaic::reload`] swaps in a new file after building it completely; a
//! bad one changes nothing, unchanged instances keep their state.
//!
//! `[cache]` puts an in-memory response cache in front of each family's
//! router (`entries`, `ttl`, per-operation `operations` TTLs,
//! `stale_if_error`); it is kept across reloads while unchanged.
//!
//! `[tenants.NAME] rate_limit = { … }` gives a tenant (the request
//! context's) a quota over all of its calls; `[tenants."*"]` gives every
//! other tenant one of its own. `[redis]` names the server behind
//! `rate_limit.shared` (one quota for every replica) and `cache.shared` (a
//! second cache tier; build with [`Mosaic::connect`]).
//! `[observability]` adds the router's trace layer: `requests` (one span
//! and metric sample per call) and `attempts` (one per provider attempt,
//! labelled with the instance).
//!
//! `[mcp]` says what the `mosaic-mcp` server (`mosaic mcp FILE`) exposes
//! to an agent: reads by default, the writes `allow` names (destructive
//! ones only by exact name), minus `deny`; and the `tenant` and
//! `principal` its calls run as. [`Mosaic::capabilities`] tells which
//! operations the instances support.
//!
//! Not yet in the file (each is an unknown key today): AI aliases, prices
//! and budgets.

mod build;
pub mod file;
mod kinds;
mod locate;
mod tenants;
#[cfg(feature = "watch")]
mod watch;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use arc_swap::ArcSwap;
use mosaic_cache::{CacheConfig, CacheLayer};
use mosaic_core::ai::AiResponse;
use mosaic_core::cicd::CiCdResponse;
use mosaic_core::git::GitResponse;
use mosaic_core::kb::KbResponse;
use mosaic_core::project::ProjectResponse;
use mosaic_core::workflow::WorkflowResponse;
use tower::Layer;

use mosaic_core::ai::price::{ModelPrice, PriceTable};
use mosaic_core::ai::{AiClient, AiService};
use mosaic_core::cicd::{CiCdClient, CiCdService};
use mosaic_core::git::{GitClient, GitService};
use mosaic_core::kb::{KbClient, KbService};
use mosaic_core::project::{ProjectClient, ProjectService};
use mosaic_core::workflow::{WorkflowClient, WorkflowService};
use mosaic_core::{Error, ErrorKind, Family, FieldError, Result};
use mosaic_router::budget::{BudgetEvent, BudgetLayer, MemoryBudgetStore};
use mosaic_router::router::ModelCosts;
use mosaic_router::router::RouteExplanation;
use mosaic_router::{GenAiTraceLayer, ModelAliasLayer, ModelAliases, Router};
use serde_json::Value;

pub use file::MosaicConfig;
pub use kinds::{family_of, kinds};
#[cfg(feature = "watch")]
pub use watch::{ConfigWatcher, ReloadEvent, WatchOptions};

use crate::{AiStack, CiCdStack, GitStack, KbStack, ProjectStack, WorkflowStack};
use kinds::Instance;

/// The format of a configuration text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// TOML.
    Toml,
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

impl Format {
    /// The format a file name's extension names (`.json` is JSON, `.yaml`
    /// and `.yml` YAML, anything else TOML).
    pub fn of_path(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("json") => Format::Json,
            Some(e) if e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml") => {
                Format::Yaml
            }
            _ => Format::Toml,
        }
    }
}

impl MosaicConfig {
    /// The JSON Schema of the file (draft 2020-12), generated from these
    /// types; `crates/mosaic/mosaic.schema.json` holds a copy for editors.
    pub fn json_schema() -> Value {
        let schema = schemars::schema_for!(MosaicConfig);
        serde_json::to_value(schema).unwrap_or(Value::Null)
    }

    /// Parse `text` in `format`; `origin` (a file name) heads every error.
    /// Errors name `origin:line:column`, the key path, and never a value.
    pub fn parse(text: &str, format: Format, origin: &str) -> Result<MosaicConfig> {
        let mut config = MosaicConfig::parse_only(text, format, origin)?;
        config.source = Some(file::Source {
            origin: origin.into(),
            text: text.into(),
            toml: format == Format::Toml,
        });
        Ok(config)
    }

    /// `e`, found after parsing, headed by the file, line and column of the
    /// key it is about (TOML files).
    fn locate(&self, e: Error) -> Error {
        match &self.source {
            Some(s) if s.toml => locate::locate(e, &s.origin, &s.text),
            _ => e,
        }
    }

    fn parse_only(text: &str, format: Format, origin: &str) -> Result<MosaicConfig> {
        match format {
            Format::Toml => {
                let de = toml::Deserializer::parse(text).map_err(|e| {
                    located(origin, text, e.span().map(|s| s.start), "", e.message())
                })?;
                serde_path_to_error::deserialize(de).map_err(|e| {
                    let path = e.path().to_string();
                    let inner = e.into_inner();
                    located(
                        origin,
                        text,
                        inner.span().map(|s| s.start),
                        &path,
                        inner.message(),
                    )
                })
            }
            Format::Json => {
                let json_error = |path: &str, inner: serde_json::Error| {
                    let msg = inner.to_string();
                    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
                    let at = format!("{origin}:{}:{}", inner.line(), inner.column());
                    config_error(&at, path, &msg)
                };
                let mut de = serde_json::Deserializer::from_str(text);
                let config = serde_path_to_error::deserialize(&mut de).map_err(|e| {
                    let path = e.path().to_string();
                    json_error(&path, e.into_inner())
                })?;
                de.end().map_err(|e| json_error("", e))?;
                Ok(config)
            }
            Format::Yaml => {
                let de = serde_norway::Deserializer::from_str(text);
                serde_path_to_error::deserialize(de).map_err(|e| {
                    let path = e.path().to_string();
                    let inner = e.into_inner();
                    let at = match inner.location() {
                        Some(l) => format!("{origin}:{}:{}", l.line(), l.column()),
                        None => origin.to_owned(),
                    };
                    let msg = inner.to_string();
                    let msg = msg.split(" at line ").next().unwrap_or(&msg);
                    // The message may repeat the key path the error names anyway.
                    let msg = msg.strip_prefix(&format!("{path}: ")).unwrap_or(msg);
                    config_error(&at, &path, msg)
                })
            }
        }
    }
}

/// An error at a byte offset of `text`.
fn located(origin: &str, text: &str, offset: Option<usize>, path: &str, msg: &str) -> Error {
    let at = match offset {
        Some(o) => {
            let (line, col) = line_col(text, o);
            format!("{origin}:{line}:{col}")
        }
        None => origin.to_owned(),
    };
    config_error(&at, path, msg.trim())
}

/// The 1-based line and column (in characters) of byte `offset` of `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut o = offset.min(text.len());
    while !text.is_char_boundary(o) {
        o -= 1;
    }
    let before = &text[..o];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn config_error(at: &str, path: &str, msg: &str) -> Error {
    // serde quotes offending values; they may be secrets.
    let msg = without_quoted_values(msg);
    let field = if path.is_empty() || path == "." {
        String::new()
    } else {
        path.to_owned()
    };
    let text = if field.is_empty() {
        format!("{at}: {msg}")
    } else {
        format!("{at}: `{field}`: {msg}")
    };
    Error::new(ErrorKind::Config, text).with_fields(vec![FieldError::new(
        if field.is_empty() {
            "/".to_owned()
        } else {
            field
        },
        msg,
    )])
}

/// serde's `invalid type: string "s3cr3t"` keeps its shape without the
/// value.
fn without_quoted_values(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    for kind in ["string \"", "value \""] {
        if let Some(i) = rest.find(kind) {
            let start = i + kind.len() - 1;
            if let Some(end) = rest[start + 1..].find('"') {
                out.push_str(&rest[..start]);
                out.push_str("(value hidden)");
                rest = &rest[start + 1 + end + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Replace `env:VAR` and `file:PATH` strings in `v` (at key path
/// `{section}{at}`).
fn resolve_refs(section: &str, at: &str, v: &mut Value) -> Result<()> {
    match v {
        Value::String(s) => {
            let place = format!("{section}{at}");
            if let Some(reference) = s.strip_prefix("env:") {
                let (var, default) = match reference.split_once(":-") {
                    Some((var, default)) => (var, Some(default)),
                    None => (reference, None),
                };
                *s = match (std::env::var(var), default) {
                    (Ok(value), Some(default)) if value.is_empty() => default.to_owned(),
                    (Ok(value), _) => value,
                    (Err(_), Some(default)) => default.to_owned(),
                    (Err(_), None) => {
                        return Err(Error::config(format!(
                            "`{place}`: environment variable `{var}` is not set"
                        )));
                    }
                };
            } else if let Some(path) = s.strip_prefix("file:") {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    Error::config(format!("`{place}`: cannot read `{path}`: {}", e.kind()))
                })?;
                *s = text.trim_end_matches(['\n', '\r']).to_owned();
            }
            Ok(())
        }
        Value::Object(o) => {
            for (k, child) in o.iter_mut() {
                resolve_refs(section, &format!("{at}.{k}"), child)?;
            }
            Ok(())
        }
        Value::Array(a) => {
            for (i, child) in a.iter_mut().enumerate() {
                resolve_refs(section, &format!("{at}[{i}]"), child)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Typed clients built from a [`MosaicConfig`]: one per family that has
/// instances, each over that family's router and the instances' stacks.
///
/// [`reload`](Self::reload) swaps in a new configuration: it is checked and
/// built completely first and a bad one changes nothing; instances whose
/// kind, settings and stack are unchanged keep their provider and their
/// layers' state (breaker window, rate limiter); calls in flight, and
/// clients taken before the swap, finish on the configuration they
/// started with. Cheap to clone; clones share the current configuration.
///
/// ```
/// # #[cfg(feature = "testing")] {
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// use mosaic::git::{CreateRepository, GitProvider};
///
/// let mosaic = mosaic::Mosaic::from_str(r#"
///     [providers.forge]
///     kind = "fake-git"
///     stack = { timeout = "5s", retry = { attempts = 2 } }
/// "#)?;
/// let git = mosaic.git()?;
/// git.create_repository(CreateRepository::new("tools")).await?;
/// # Ok::<(), mosaic::Error>(()) }).unwrap();
/// # }
/// ```
#[derive(Clone)]
pub struct Mosaic {
    current: Arc<ArcSwap<Built>>,
    supplied: Arc<BTreeMap<String, Instance>>,
}

/// One built configuration.
struct Built {
    config: MosaicConfig,
    redis: build::Redis,
    tenants: tenants::Tenants,
    caches: Caches,
    routers: Routers,
    /// The budgets' in-memory counters, kept across reloads.
    budget_store: MemoryBudgetStore,
    budgets: Option<BudgetLayer>,
    instances: BTreeMap<String, Family>,
    stacks: BTreeMap<String, Stacked>,
    /// Each instance's provider, for [`Mosaic::capabilities`].
    provided: BTreeMap<String, Instance>,
    git: Option<GitClient<GitStack>>,
    cicd: Option<CiCdClient<CiCdStack>>,
    ai: Option<AiClient<AiStack>>,
    kb: Option<KbClient<KbStack>>,
    workflow: Option<WorkflowClient<WorkflowStack>>,
    project: Option<ProjectClient<ProjectStack>>,
}

type Health = Option<mosaic_router::CircuitBreakerHandle>;

/// Each family's router, for [`Mosaic::route`].
#[derive(Default)]
struct Routers {
    git: Option<Router<mosaic_core::git::GitRequest, GitStack>>,
    cicd: Option<Router<mosaic_core::cicd::CiCdRequest, CiCdStack>>,
    ai: Option<Router<mosaic_core::ai::AiRequest, AiStack>>,
    kb: Option<Router<mosaic_core::kb::KbRequest, KbStack>>,
    workflow: Option<Router<mosaic_core::workflow::WorkflowRequest, WorkflowStack>>,
    project: Option<Router<mosaic_core::project::ProjectRequest, ProjectStack>>,
}

/// The response cache of each family, kept across reloads while `[cache]`
/// is unchanged.
#[derive(Clone, Default)]
struct Caches {
    git: Option<CacheLayer<GitResponse>>,
    cicd: Option<CacheLayer<CiCdResponse>>,
    ai: Option<CacheLayer<AiResponse>>,
    kb: Option<CacheLayer<KbResponse>>,
    workflow: Option<CacheLayer<WorkflowResponse>>,
    project: Option<CacheLayer<ProjectResponse>>,
}

impl Caches {
    fn of(spec: &file::CacheSpec, redis: &build::Redis) -> Result<Caches> {
        let mut cfg = CacheConfig::new()
            .with_ttl(spec.ttl.unwrap_or(std::time::Duration::from_secs(60)))
            .with_max_entries(spec.entries.unwrap_or(10_000));
        for (op, ttl) in &spec.operations {
            cfg = cfg.with_operation_ttl(op.clone(), *ttl);
        }
        // Not at all unless the file says so (the cache's own default
        // serves five minutes stale).
        cfg = cfg.with_stale_if_error(spec.stale_if_error.unwrap_or_default());
        if spec.shared {
            return Caches::shared(cfg, redis);
        }
        Ok(Caches {
            git: Some(CacheLayer::new(cfg.clone())),
            cicd: Some(CacheLayer::new(cfg.clone())),
            ai: Some(CacheLayer::new(cfg.clone())),
            kb: Some(CacheLayer::new(cfg.clone())),
            workflow: Some(CacheLayer::new(cfg.clone())),
            project: Some(CacheLayer::new(cfg)),
        })
    }

    /// Caches whose second tier is the Redis store.
    #[cfg(feature = "redis")]
    fn shared(cfg: CacheConfig, redis: &build::Redis) -> Result<Caches> {
        let store = redis.cache.clone().ok_or_else(|| {
            Error::config(
                "`cache.shared`: the Redis tier is connected asynchronously: build with \
                 `Mosaic::connect`/`connect_path` (or `MosaicBuilder::connect`) and reload \
                 with `Mosaic::reload_async`",
            )
        })?;
        Ok(Caches {
            git: Some(CacheLayer::with_shared(cfg.clone(), store.clone())?),
            cicd: Some(CacheLayer::with_shared(cfg.clone(), store.clone())?),
            ai: Some(CacheLayer::with_shared(cfg.clone(), store.clone())?),
            kb: Some(CacheLayer::with_shared(cfg.clone(), store.clone())?),
            workflow: Some(CacheLayer::with_shared(cfg.clone(), store.clone())?),
            project: Some(CacheLayer::with_shared(cfg, store)?),
        })
    }

    #[cfg(not(feature = "redis"))]
    fn shared(_cfg: CacheConfig, _redis: &build::Redis) -> Result<Caches> {
        Err(Error::config(
            "`cache.shared`: Redis support is not compiled in (enable the `redis` feature of `mosaic`)",
        ))
    }
}

/// What the file puts around one instance besides its own stack.
struct Wrap {
    /// A trace per attempt.
    trace_attempts: bool,
    /// Its model names (AI).
    aliases: ModelAliases,
    /// GenAI telemetry under this provider name (AI).
    genai: Option<String>,
    /// The budgets each attempt is checked against (AI).
    budgets: Option<BudgetLayer>,
}

/// An instance's stack, kept across reloads while its spec is unchanged.
#[derive(Clone)]
enum Stacked {
    Git(GitStack, Health),
    CiCd(CiCdStack, Health),
    Ai(AiStack, Health),
    Kb(KbStack, Health),
    Workflow(WorkflowStack, Health),
    Project(ProjectStack, Health),
}

impl Stacked {
    fn family(&self) -> Family {
        match self {
            Stacked::Git(..) => Family::Git,
            Stacked::CiCd(..) => Family::CiCd,
            Stacked::Ai(..) => Family::Ai,
            Stacked::Kb(..) => Family::KnowledgeBase,
            Stacked::Workflow(..) => Family::Workflow,
            Stacked::Project(..) => Family::Project,
        }
    }

    fn of(
        name: &str,
        instance: &Instance,
        spec: &file::StackSpec,
        redis: &build::Redis,
        wrap: &Wrap,
    ) -> Result<Stacked> {
        let trace_attempts = wrap.trace_attempts;
        macro_rules! wrap {
            ($svc:expr, $variant:ident) => {{
                let (svc, health) = build::stack(name, $svc, spec, redis, trace_attempts)?;
                Stacked::$variant(svc, health)
            }};
        }
        Ok(match instance {
            Instance::Git(p) => wrap!(
                GitService::from_arc(p.clone()).with_name(name.to_owned()),
                Git
            ),
            Instance::CiCd(p) => wrap!(
                CiCdService::from_arc(p.clone()).with_name(name.to_owned()),
                CiCd
            ),
            Instance::Ai(p) => {
                // Budgets see the instance's own model name: inside the alias.
                let metered = tower::util::option_layer(wrap.budgets.clone())
                    .layer(AiService::from_arc(p.clone()).with_name(name.to_owned()));
                let aliased = ModelAliasLayer::new(wrap.aliases.clone()).layer(metered);
                match &wrap.genai {
                    Some(system) => wrap!(
                        GenAiTraceLayer::new()
                            .provider(system.clone())
                            .layer(aliased),
                        Ai
                    ),
                    None => wrap!(aliased, Ai),
                }
            }
            Instance::Kb(p) => wrap!(
                KbService::from_arc(p.clone()).with_name(name.to_owned()),
                Kb
            ),
            Instance::Workflow(p) => wrap!(
                WorkflowService::from_arc(p.clone()).with_name(name.to_owned()),
                Workflow
            ),
            Instance::Project(p) => wrap!(
                ProjectService::from_arc(p.clone()).with_name(name.to_owned()),
                Project
            ),
        })
    }
}

impl std::fmt::Debug for Mosaic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mosaic")
            .field("instances", &self.current.load().instances)
            .finish_non_exhaustive()
    }
}

fn missing(family: &str) -> Error {
    Error::new(
        ErrorKind::NoProvider,
        format!("no {family} provider is configured"),
    )
}

impl Mosaic {
    /// Read, check and build the file at `path` (TOML, or JSON for a
    /// `.json` name).
    pub fn from_path(path: impl AsRef<Path>) -> Result<Mosaic> {
        Mosaic::build(&MosaicConfig::read(path.as_ref())?)
    }

    /// Check and build a TOML text.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(text: &str) -> Result<Mosaic> {
        Mosaic::build(&MosaicConfig::parse(text, Format::Toml, "mosaic.toml")?)
    }

    /// Build from a parsed configuration.
    pub fn build(config: &MosaicConfig) -> Result<Mosaic> {
        Mosaic::builder(config.clone()).build()
    }

    /// Build from `config` with instances the host supplies in code
    /// (`kind = "host"` in the file).
    pub fn builder(config: MosaicConfig) -> MosaicBuilder {
        MosaicBuilder {
            config,
            supplied: BTreeMap::new(),
        }
    }

    /// Check and build `config`, connecting to Redis first when it has a
    /// shared cache tier (`[cache] shared = true`); needs a tokio runtime
    /// then. Without one, the same as [`build`](Self::build).
    pub async fn connect(config: &MosaicConfig) -> Result<Mosaic> {
        Mosaic::builder(config.clone()).connect().await
    }

    /// Read `path` and [`connect`](Self::connect).
    pub async fn connect_path(path: impl AsRef<Path>) -> Result<Mosaic> {
        Mosaic::connect(&MosaicConfig::read(path.as_ref())?).await
    }

    /// Swap in `config`: build it completely (reusing unchanged
    /// instances), then switch atomically. On any error the current
    /// configuration keeps serving and the error is returned. A changed
    /// shared cache tier needs [`reload_async`](Self::reload_async).
    pub fn reload(&self, config: &MosaicConfig) -> Result<()> {
        let previous = self.current.load_full();
        let redis = redis_for(config, Some(&previous))?;
        let next = assemble(config, &self.supplied, Some(&previous), redis)?;
        self.current.store(Arc::new(next));
        Ok(())
    }

    /// [`reload`](Self::reload), connecting a new shared cache tier first.
    pub async fn reload_async(&self, config: &MosaicConfig) -> Result<()> {
        let previous = self.current.load_full();
        let redis = connect_redis(config, Some(&previous)).await?;
        let next = assemble(config, &self.supplied, Some(&previous), redis)?;
        self.current.store(Arc::new(next));
        Ok(())
    }

    /// Read `path` and [`reload`](Self::reload) it.
    pub fn reload_path(&self, path: impl AsRef<Path>) -> Result<()> {
        self.reload(&MosaicConfig::read(path.as_ref())?)
    }

    /// The configuration in force.
    pub fn config(&self) -> MosaicConfig {
        self.current.load().config.clone()
    }

    /// The circuit breaker of instance `name`, when its stack has one
    /// (for its state and its transition events).
    pub fn breaker(&self, name: &str) -> Option<mosaic_router::CircuitBreakerHandle> {
        let built = self.current.load();
        match built.stacks.get(name)? {
            Stacked::Git(_, h)
            | Stacked::CiCd(_, h)
            | Stacked::Ai(_, h)
            | Stacked::Kb(_, h)
            | Stacked::Workflow(_, h)
            | Stacked::Project(_, h) => h.clone(),
        }
    }

    /// The budgets' events — soft limits passed, calls refused, the
    /// counter store unreachable — when `[[ai.budgets]]` are configured.
    /// A receiver follows the configuration in force when it was taken.
    pub fn budget_events(&self) -> Option<tokio::sync::broadcast::Receiver<BudgetEvent>> {
        self.current
            .load()
            .budgets
            .as_ref()
            .map(BudgetLayer::subscribe)
    }

    /// The git response cache's counters, when `[cache]` is configured.
    pub fn git_cache_stats(&self) -> Option<mosaic_cache::StatsSnapshot> {
        self.current
            .load()
            .caches
            .git
            .as_ref()
            .map(|c| c.stats().snapshot())
    }

    /// Where a call of `operation` (an operation name such as
    /// `git.pull_request.list`) on `subject` with `context` (tenant,
    /// labels) would go now, and why: the rule that matches, the rules
    /// before it that do not and the condition each fails, the candidates
    /// in order with their health. Advances no strategy state.
    ///
    /// `InvalidInput` for an unknown operation name; `NoProvider` when the
    /// operation's family has no instances.
    pub fn route(
        &self,
        operation: &str,
        subject: Option<&str>,
        context: &mosaic_core::RequestContext,
    ) -> Result<RouteExplanation> {
        let family = Family::ALL
            .into_iter()
            .find(|f| f.operation_names().contains(&operation))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidInput,
                    format!("`{operation}` is not an operation of any family"),
                )
                .with_fields(vec![FieldError::new("operation", "unknown operation")])
            })?;
        let built = self.current.load();
        let r = &built.routers;
        macro_rules! explain {
            ($f:ident, $label:literal) => {
                r.$f.as_ref()
                    .ok_or_else(|| missing($label))?
                    .explain(operation, subject, context)
            };
        }
        match family {
            Family::Git => explain!(git, "git"),
            Family::CiCd => explain!(cicd, "cicd"),
            Family::Ai => explain!(ai, "ai"),
            Family::KnowledgeBase => explain!(kb, "kb"),
            Family::Workflow => explain!(workflow, "workflow"),
            Family::Project => explain!(project, "project"),
        }
    }

    /// The instances and the family each serves.
    pub fn instances(&self) -> BTreeMap<String, Family> {
        self.current.load().instances.clone()
    }

    /// The operations each instance supports now (its provider's
    /// `capabilities()`), by instance name. An operation a family's client
    /// can serve is one that at least one of the family's instances
    /// supports.
    pub fn capabilities(&self) -> BTreeMap<String, mosaic_core::Capabilities> {
        self.current
            .load()
            .provided
            .iter()
            .map(|(name, instance)| (name.clone(), instance.capabilities()))
            .collect()
    }

    /// The git client of the configuration in force (`NoProvider` when it
    /// configures no forge). A client taken before a reload keeps using
    /// the configuration it was taken from.
    pub fn git(&self) -> Result<GitClient<GitStack>> {
        self.current
            .load()
            .git
            .clone()
            .ok_or_else(|| missing("git"))
    }

    /// The CI/CD client.
    pub fn cicd(&self) -> Result<CiCdClient<CiCdStack>> {
        self.current
            .load()
            .cicd
            .clone()
            .ok_or_else(|| missing("cicd"))
    }

    /// The AI client.
    pub fn ai(&self) -> Result<AiClient<AiStack>> {
        self.current.load().ai.clone().ok_or_else(|| missing("ai"))
    }

    /// The knowledge-base client.
    pub fn kb(&self) -> Result<KbClient<KbStack>> {
        self.current.load().kb.clone().ok_or_else(|| missing("kb"))
    }

    /// The workflow-engine client.
    pub fn workflow(&self) -> Result<WorkflowClient<WorkflowStack>> {
        self.current
            .load()
            .workflow
            .clone()
            .ok_or_else(|| missing("workflow"))
    }

    /// The issue-tracker client.
    pub fn projects(&self) -> Result<ProjectClient<ProjectStack>> {
        self.current
            .load()
            .project
            .clone()
            .ok_or_else(|| missing("project"))
    }
}

impl MosaicConfig {
    /// Read and parse the file at `path` (TOML, or JSON for `.json`).
    pub fn read(path: &Path) -> Result<MosaicConfig> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::config(format!("cannot read {}: {}", path.display(), e.kind())))?;
        MosaicConfig::parse(&text, Format::of_path(path), &path.display().to_string())
    }
}

/// The `[redis]` connections of `config`: those of `previous` when the
/// section is unchanged, else opened anew (the cache tier only by
/// [`connect_redis`]).
fn redis_for(config: &MosaicConfig, previous: Option<&Built>) -> Result<build::Redis> {
    open_redis(config, previous).map_err(|e| config.locate(e))
}

fn open_redis(config: &MosaicConfig, previous: Option<&Built>) -> Result<build::Redis> {
    if let Some(p) = previous
        && p.config.redis == config.redis
    {
        return Ok(p.redis.clone());
    }
    let spec = config
        .redis
        .as_ref()
        .map(|spec| {
            let mut url = Value::String(spec.url.clone());
            resolve_refs("redis.url", "", &mut url)?;
            let mut spec = spec.clone();
            spec.url = url.as_str().unwrap_or_default().to_owned();
            Ok::<_, Error>(spec)
        })
        .transpose()?;
    build::Redis::open(spec.as_ref())
}

/// [`redis_for`], plus the cache tier's connection when `cache.shared`.
async fn connect_redis(config: &MosaicConfig, previous: Option<&Built>) -> Result<build::Redis> {
    #[allow(unused_mut)]
    let mut redis = redis_for(config, previous)?;
    let shared_cache = config.cache.as_ref().is_some_and(|c| c.shared);
    #[cfg(feature = "redis")]
    if shared_cache && redis.cache.is_none() {
        let spec = config.redis.as_ref().ok_or_else(|| {
            Error::config("`cache.shared`: a shared cache tier needs a `[redis]` section")
        })?;
        let mut url = Value::String(spec.url.clone());
        resolve_refs("redis.url", "", &mut url)?;
        let prefix = spec.prefix.as_deref().unwrap_or("mosaic");
        let store = mosaic_cache::RedisStore::connect(
            mosaic_cache::RedisConfig::new(url.as_str().unwrap_or_default())
                .with_namespace(format!("{prefix}:cache")),
        )
        .await
        .map_err(|e| Error::config(format!("`redis.url`: {}", e.message())))?;
        redis.cache = Some(store);
    }
    let _ = shared_cache;
    Ok(redis)
}

/// Build `config`, reusing what `previous` built from unchanged sections:
/// instance stacks (with their breaker and limiter state), caches and
/// tenant quotas.
fn assemble(
    config: &MosaicConfig,
    supplied: &BTreeMap<String, Instance>,
    previous: Option<&Built>,
    redis: build::Redis,
) -> Result<Built> {
    assemble_checked(config, supplied, previous, redis).map_err(|e| config.locate(e))
}

fn assemble_checked(
    config: &MosaicConfig,
    supplied: &BTreeMap<String, Instance>,
    previous: Option<&Built>,
    redis: build::Redis,
) -> Result<Built> {
    let redis_same = previous.is_some_and(|p| p.config.redis == config.redis);
    let prices = price_table(config)?;
    let genai = config.observability.as_ref().is_some_and(|o| o.genai);
    let trace_attempts = config.observability.as_ref().is_some_and(|o| o.attempts);
    let budget_store = previous.map(|p| p.budget_store.clone()).unwrap_or_default();
    let budgets = match previous {
        Some(p)
            if p.config.ai.budgets == config.ai.budgets
                && p.config.ai.shared_budgets == config.ai.shared_budgets
                && p.config.ai.prices == config.ai.prices
                && (redis_same || !config.ai.shared_budgets) =>
        {
            p.budgets.clone()
        }
        _ => build::budgets(&config.ai, &prices, &budget_store, &redis)?,
    };
    let mut stacks: BTreeMap<String, Stacked> = BTreeMap::new();
    let mut provided: BTreeMap<String, Instance> = BTreeMap::new();
    for (name, spec) in &config.providers {
        let shares = spec.stack.rate_limit.as_ref().is_some_and(|l| l.shared);
        let wrap = Wrap {
            trace_attempts,
            aliases: aliases_of(config, name),
            genai: genai.then(|| match spec.kind.as_str() {
                kinds::HOST_KIND => name.clone(),
                k => k.trim_start_matches("fake-").to_owned(),
            }),
            budgets: budgets.clone(),
        };
        let kept = previous.and_then(|p| {
            let old = p.stacks.get(name)?;
            let same_ai = !matches!(old, Stacked::Ai(..))
                || (p.config.ai.prices == config.ai.prices
                    && p.config.ai.budgets == config.ai.budgets
                    && p.config.ai.shared_budgets == config.ai.shared_budgets
                    && (redis_same || !config.ai.shared_budgets)
                    && p.config.observability.as_ref().is_some_and(|o| o.genai) == genai);
            let same = p.config.providers.get(name) == Some(spec)
                && p.config.observability.as_ref().is_some_and(|o| o.attempts) == trace_attempts
                && aliases_of(&p.config, name) == wrap.aliases
                && same_ai;
            let provider = p.provided.get(name)?;
            (same && (redis_same || !shares)).then(|| (old.clone(), provider.clone()))
        });
        let (stacked, provider) = match kept {
            Some(kept) => kept,
            None => {
                let instance = instance(name, spec, supplied, &config.ai.prices, &prices)?;
                let stacked = Stacked::of(name, &instance, &spec.stack, &redis, &wrap)?;
                (stacked, instance)
            }
        };
        stacks.insert(name.clone(), stacked);
        provided.insert(name.clone(), provider);
    }
    if let Some(name) = supplied.keys().find(|n| !config.providers.contains_key(*n)) {
        return Err(Error::config(format!(
            "the host supplied instance `{name}`, which the file does not declare (add `[providers.{name}]` with kind = \"host\")"
        )));
    }
    let instances: BTreeMap<String, Family> = stacks
        .iter()
        .map(|(n, s)| (n.clone(), s.family()))
        .collect();
    check_routes(config, &instances)?;
    check_aliases(config, &instances)?;
    check_mcp(config)?;
    let caches = match (&config.cache, previous) {
        (None, _) => Caches::default(),
        (Some(spec), Some(p))
            if p.config.cache.as_ref() == Some(spec) && (redis_same || !spec.shared) =>
        {
            p.caches.clone()
        }
        (Some(spec), _) => Caches::of(spec, &redis)?,
    };
    let tenant_shares = config.tenants.values().any(|t| t.rate_limit.shared);
    let tenants = match previous {
        Some(p) if p.config.tenants == config.tenants && (redis_same || !tenant_shares) => {
            p.tenants.clone()
        }
        _ => tenants::Tenants::of(&config.tenants, &redis)?,
    };
    let trace_requests = config.observability.as_ref().is_some_and(|o| o.requests);
    let mut routers = Routers::default();

    macro_rules! family {
        ($variant:ident, $client:ident, $stack:ident, $routes:ident, $label:literal) => {
            family!(
                $variant,
                $client,
                $stack,
                $routes,
                $label,
                Vec::new(),
                None,
                None::<mosaic_router::router::OperationCosts>
            )
        };
        ($variant:ident, $client:ident, $stack:ident, $routes:ident, $label:literal, $extra:expr, $policy:expr, $cost:expr) => {{
            let built: Vec<(String, $stack, Health)> = stacks
                .iter()
                .filter_map(|(n, s)| match s {
                    Stacked::$variant(svc, h) => Some((n.clone(), svc.clone(), h.clone())),
                    _ => None,
                })
                .collect();
            if built.is_empty() {
                None
            } else {
                let router = build::router(
                    $label,
                    built,
                    &config.routes.$routes,
                    $extra,
                    $policy,
                    $cost,
                )?;
                routers.$routes = Some(router.clone());
                let cached = match &caches.$routes {
                    Some(cache) => $stack::new(cache.layer(router)),
                    None => $stack::new(router),
                };
                let limited = tenants.wrap(cached);
                Some($client::new(if trace_requests {
                    $stack::new(mosaic_router::TraceLayer::new().layer(limited))
                } else {
                    limited
                }))
            }
        }};
    }
    Ok(Built {
        git: family!(Git, GitClient, GitStack, git, "git"),
        cicd: family!(CiCd, CiCdClient, CiCdStack, cicd, "cicd"),
        ai: family!(
            Ai,
            AiClient,
            AiStack,
            ai,
            "ai",
            alias_rules(config),
            config.ai.context_fallback.then(context_fallback),
            Some(model_costs(config, &prices))
        ),
        kb: family!(Kb, KbClient, KbStack, kb, "kb"),
        workflow: family!(
            Workflow,
            WorkflowClient,
            WorkflowStack,
            workflow,
            "workflow"
        ),
        project: family!(Project, ProjectClient, ProjectStack, project, "project"),
        config: config.clone(),
        redis,
        tenants,
        caches,
        routers,
        budget_store,
        budgets,
        instances,
        stacks,
        provided,
    })
}

/// The provider instance of `name`: supplied by the host, or built from
/// its kind and settings.
fn instance(
    name: &str,
    spec: &file::ProviderSpec,
    supplied: &BTreeMap<String, Instance>,
    file_prices: &BTreeMap<String, file::PriceSpec>,
    prices: &PriceTable,
) -> Result<Instance> {
    match (spec.kind.as_str(), supplied.get(name)) {
        (kinds::HOST_KIND, Some(i)) if spec.settings.is_empty() => Ok(i.clone()),
        (kinds::HOST_KIND, Some(_)) => Err(Error::config(format!(
            "`providers.{name}`: an instance supplied by the host takes no settings in the file"
        ))),
        (_, Some(_)) => Err(Error::config(format!(
            "`providers.{name}`: the host supplied an instance, but the file gives kind = \"{}\" (use kind = \"host\")",
            spec.kind
        ))),
        (kind, None) => {
            let mut settings = Value::Object(spec.settings.clone());
            resolve_refs(&format!("providers.{name}"), "", &mut settings)?;
            // The adapters price their answers by the file's table when
            // it has one, by their built-in lists otherwise.
            let prices = (!file_prices.is_empty()).then_some(prices);
            kinds::build(name, kind, settings, prices)
                .map_err(|e| prefixed(&format!("providers.{name}"), e))
        }
    }
}

/// Builds a [`Mosaic`] from a configuration plus instances supplied in code.
pub struct MosaicBuilder {
    config: MosaicConfig,
    supplied: BTreeMap<String, Instance>,
}

impl std::fmt::Debug for MosaicBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MosaicBuilder")
            .field("supplied", &self.supplied.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

macro_rules! supply {
    ($(#[$doc:meta])* $method:ident, $trait:path, $variant:ident) => {
        $(#[$doc])*
        pub fn $method(
            mut self,
            name: impl Into<String>,
            provider: std::sync::Arc<dyn $trait>,
        ) -> Self {
            self.supplied.insert(name.into(), Instance::$variant(provider));
            self
        }
    };
}

impl MosaicBuilder {
    supply!(
        /// Supply git instance `name` (declared `kind = "host"` in the file).
        git, mosaic_core::git::GitProvider, Git
    );
    supply!(
        /// Supply CI/CD instance `name`.
        cicd, mosaic_core::cicd::CiCdProvider, CiCd
    );
    supply!(
        /// Supply AI instance `name`.
        ai, mosaic_core::ai::AiProvider, Ai
    );
    supply!(
        /// Supply knowledge-base instance `name`.
        kb, mosaic_core::kb::KnowledgeBaseProvider, Kb
    );
    supply!(
        /// Supply workflow-engine instance `name`.
        workflow, mosaic_core::workflow::WorkflowProvider, Workflow
    );
    supply!(
        /// Supply issue-tracker instance `name`.
        project, mosaic_core::project::ProjectProvider, Project
    );

    /// Check everything and build the clients. A shared cache tier
    /// (`[cache] shared = true`) needs [`connect`](Self::connect).
    pub fn build(self) -> Result<Mosaic> {
        let redis = redis_for(&self.config, None)?;
        self.finish(redis)
    }

    /// Check everything, connect the shared cache tier if the file has
    /// one, and build the clients.
    pub async fn connect(self) -> Result<Mosaic> {
        let redis = connect_redis(&self.config, None).await?;
        self.finish(redis)
    }

    fn finish(self, redis: build::Redis) -> Result<Mosaic> {
        let built = assemble(&self.config, &self.supplied, None, redis)?;
        Ok(Mosaic {
            current: Arc::new(ArcSwap::from_pointee(built)),
            supplied: Arc::new(self.supplied),
        })
    }
}

fn prefixed(place: &str, e: Error) -> Error {
    let message = format!("`{place}`: {}", e.message());
    reworded(e, message)
}

/// `e` with `message` instead of its own, keeping its kind, provider and
/// fields.
pub(crate) fn reworded(e: Error, message: String) -> Error {
    let fields = e.fields().to_vec();
    let mut out = Error::new(e.kind(), message);
    if let Some(p) = e.provider() {
        out = out.with_provider(p.to_owned());
    }
    if !fields.is_empty() {
        out = out.with_fields(fields);
    }
    out
}

/// The built-in price lists with `[ai.prices]` laid over them.
fn price_table(config: &MosaicConfig) -> Result<PriceTable> {
    let mut table = PriceTable::built_in();
    table.merge(file_prices(config));
    table.validate().map_err(|e| {
        let field = e
            .fields()
            .first()
            .map(|f| f.field.trim_start_matches("prices/").to_owned())
            .unwrap_or_default();
        Error::config(format!("`ai.prices.{field}`: {}", e.message())).with_fields(vec![
            FieldError::new(format!("ai.prices.{field}"), e.message()),
        ])
    })?;
    Ok(table)
}

fn file_prices(config: &MosaicConfig) -> PriceTable {
    let mut table = PriceTable::new();
    for (model, p) in &config.ai.prices {
        let mut price = ModelPrice::per_million(p.input, p.output);
        if let Some(c) = p.cached_input {
            price = price.with_cached_input(c);
        }
        table = table.with(model.clone(), price);
    }
    table
}

/// The cost model of the AI router: one table, each instance under its
/// own model names, local kinds free unless priced.
fn model_costs(config: &MosaicConfig, prices: &PriceTable) -> ModelCosts {
    let mut costs = ModelCosts::new(prices.clone());
    for (name, spec) in &config.providers {
        costs = costs.aliases(name.clone(), aliases_of(config, name));
        if spec.kind == "ollama" {
            let mut local = PriceTable::free();
            local.merge(file_prices(config));
            costs = costs.provider_prices(name.clone(), local);
        }
    }
    costs
}

/// Instance `name`'s model names by alias.
fn aliases_of(config: &MosaicConfig, name: &str) -> ModelAliases {
    let mut aliases = ModelAliases::new();
    for (alias, targets) in &config.ai.aliases {
        for t in targets.iter().filter(|t| t.provider == name) {
            aliases = aliases.alias(alias.clone(), t.model.clone());
        }
    }
    aliases
}

/// One rule per alias, after the file's own AI rules: calls naming the
/// alias go to its instances in the listed order.
fn alias_rules(config: &MosaicConfig) -> Vec<mosaic_router::Rule> {
    config
        .ai
        .aliases
        .iter()
        .map(|(alias, targets)| {
            mosaic_router::Rule::any()
                .named(format!("ai.aliases.{alias}"))
                .subject(alias.as_str())
                .to(targets.iter().map(|t| t.provider.clone()))
                .strategy(mosaic_router::Strategy::Failover)
        })
        .collect()
}

/// The default failover policy plus `ContextLengthExceeded` (a refusal
/// that proves nothing ran, so safe for writes too).
fn context_fallback() -> mosaic_router::router::FailoverPolicy {
    let d = mosaic_router::router::FailoverPolicy::default();
    mosaic_router::router::FailoverPolicy {
        idempotent: d.idempotent.with(ErrorKind::ContextLengthExceeded),
        non_idempotent: d.non_idempotent.with(ErrorKind::ContextLengthExceeded),
    }
}

/// Aliases name AI instances, each once, and a rule that routes an alias
/// sends it only to instances that know it.
fn check_aliases(config: &MosaicConfig, families: &BTreeMap<String, Family>) -> Result<()> {
    let mut problems = Vec::new();
    for (alias, targets) in &config.ai.aliases {
        let place = format!("ai.aliases.{alias}");
        if alias.is_empty() || alias.contains(['*', '?', '[', ']', '{', '}']) {
            problems.push(FieldError::new(
                place.clone(),
                "an alias is a plain model name (no glob characters)",
            ));
        }
        if targets.is_empty() {
            problems.push(FieldError::new(place.clone(), "names no provider"));
        }
        for (i, t) in targets.iter().enumerate() {
            let at = format!("{place}[{i}].provider");
            match families.get(&t.provider) {
                None => problems.push(FieldError::new(
                    at,
                    format!("no provider named `{}`", t.provider),
                )),
                Some(Family::Ai) => {}
                Some(f) => problems.push(FieldError::new(
                    at,
                    format!("`{}` is a {f:?} provider, not an ai one", t.provider),
                )),
            }
            if targets[..i].iter().any(|o| o.provider == t.provider) {
                problems.push(FieldError::new(
                    format!("{place}[{i}]"),
                    format!("`{}` is listed twice", t.provider),
                ));
            }
        }
    }
    for (i, route) in config.routes.ai.iter().enumerate() {
        let Some(subject) = &route.matches.subject else {
            continue;
        };
        let Some(targets) = config.ai.aliases.get(subject) else {
            continue;
        };
        for (j, to) in route.to.iter().enumerate() {
            if !targets.iter().any(|t| &t.provider == to) {
                problems.push(FieldError::new(
                    format!("routes.ai[{i}].to[{j}]"),
                    format!(
                        "`{to}` has no model for alias `{subject}` (add it to `ai.aliases.{subject}`)"
                    ),
                ));
            }
        }
    }
    problems_error("invalid ai aliases", problems)
}

/// `Ok` without problems, else one `Config` error listing them all.
fn problems_error(title: &str, problems: Vec<FieldError>) -> Result<()> {
    if problems.is_empty() {
        return Ok(());
    }
    let text = problems
        .iter()
        .map(|f| format!("`{}`: {}", f.field, f.message))
        .collect::<Vec<_>>()
        .join("; ");
    Err(Error::config(format!("{title}: {text}")).with_fields(problems))
}

/// `[mcp]`: every `allow` and `deny` entry names an operation or is a
/// glob matching at least one.
fn check_mcp(config: &MosaicConfig) -> Result<()> {
    let Some(mcp) = &config.mcp else {
        return Ok(());
    };
    let mut problems = Vec::new();
    for (list, entries) in [("allow", &mcp.allow), ("deny", &mcp.deny)] {
        for (i, entry) in entries.iter().enumerate() {
            let glob = mosaic_router::Glob::new(entry);
            let matches = Family::ALL
                .into_iter()
                .flat_map(|f| f.operation_names())
                .any(|name| glob.is_match(name));
            if !matches {
                problems.push(FieldError::new(
                    format!("mcp.{list}[{i}]"),
                    format!(
                        "`{entry}` matches no operation (e.g. `git.pull_request.create`, `kb.*`)"
                    ),
                ));
            }
        }
    }
    problems_error("invalid mcp section", problems)
}

/// Every route names existing instances of its own family.
fn check_routes(config: &MosaicConfig, families: &BTreeMap<String, Family>) -> Result<()> {
    let r = &config.routes;
    let lists: [(&str, Family, &Vec<file::RouteSpec>); 6] = [
        ("git", Family::Git, &r.git),
        ("cicd", Family::CiCd, &r.cicd),
        ("ai", Family::Ai, &r.ai),
        ("kb", Family::KnowledgeBase, &r.kb),
        ("workflow", Family::Workflow, &r.workflow),
        ("project", Family::Project, &r.project),
    ];
    let mut problems = Vec::new();
    for (label, family, routes) in lists {
        for (i, route) in routes.iter().enumerate() {
            if route.to.is_empty() {
                problems.push(FieldError::new(
                    format!("routes.{label}[{i}].to"),
                    "names no provider",
                ));
            }
            for (j, kind) in route.failover_on.iter().flatten().enumerate() {
                if build::error_kind(kind).is_none() {
                    let known: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
                    problems.push(FieldError::new(
                        format!("routes.{label}[{i}].failover_on[{j}]"),
                        format!("unknown error kind `{kind}` (one of: {})", known.join(", ")),
                    ));
                }
            }
            if route.strategy == file::StrategySpec::Cost && family != Family::Ai {
                problems.push(FieldError::new(
                    format!("routes.{label}[{i}].strategy"),
                    "`cost` ranks by `[ai.prices]`: AI routes only",
                ));
            }
            if let Some(w) = &route.weights {
                if w.len() != route.to.len() {
                    problems.push(FieldError::new(
                        format!("routes.{label}[{i}].weights"),
                        format!("{} weights for {} candidates", w.len(), route.to.len()),
                    ));
                }
                if let Some(j) = w.iter().position(|&w| w == 0) {
                    problems.push(FieldError::new(
                        format!("routes.{label}[{i}].weights[{j}]"),
                        "a weight is at least 1",
                    ));
                }
            }
            for (j, target) in route.to.iter().enumerate() {
                let place = format!("routes.{label}[{i}].to[{j}]");
                match families.get(target) {
                    None => problems.push(FieldError::new(
                        place,
                        format!("no provider named `{target}` (declare `[providers.{target}]`)"),
                    )),
                    Some(f) if *f != family => problems.push(FieldError::new(
                        place,
                        format!("`{target}` is a {f:?} provider, not a {label} one"),
                    )),
                    Some(_) => {}
                }
            }
        }
    }
    problems_error("invalid routes", problems)
}
