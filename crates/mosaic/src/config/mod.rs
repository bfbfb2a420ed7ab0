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
//! Strict throughout: an unknown key anywhere is an error naming the file,
//! line, column and key path; a route naming a missing instance, or an
//! instance of another family, is an error naming the route; a provider's
//! own settings are checked by its configuration schema. Secret values
//! come by reference (`env:VAR`, `file:PATH`) and never appear in errors.
//!
//! Not yet in the file (each is an unknown key today): the cache, tenants,
//! AI aliases and budgets, observability options, Redis-shared limits.

mod build;
pub mod file;
mod kinds;

use std::collections::BTreeMap;
use std::path::Path;

use mosaic_core::ai::{AiClient, AiService};
use mosaic_core::cicd::{CiCdClient, CiCdService};
use mosaic_core::git::{GitClient, GitService};
use mosaic_core::kb::{KbClient, KbService};
use mosaic_core::project::{ProjectClient, ProjectService};
use mosaic_core::workflow::{WorkflowClient, WorkflowService};
use mosaic_core::{Error, ErrorKind, Family, FieldError, Result};
use serde_json::Value;
use tower::util::BoxCloneSyncService;

pub use file::MosaicConfig;
pub use kinds::kinds;

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
}

impl Format {
    /// The format a file name's extension names (`.json` is JSON,
    /// anything else TOML).
    pub fn of_path(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("json") => Format::Json,
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
                let mut de = serde_json::Deserializer::from_str(text);
                serde_path_to_error::deserialize(&mut de).map_err(|e| {
                    let path = e.path().to_string();
                    let inner = e.into_inner();
                    let msg = inner.to_string();
                    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
                    let at = format!("{origin}:{}:{}", inner.line(), inner.column());
                    config_error(&at, &path, &msg)
                })
            }
        }
    }
}

/// An error at a byte offset of `text`.
fn located(origin: &str, text: &str, offset: Option<usize>, path: &str, msg: &str) -> Error {
    let at = match offset {
        Some(o) => {
            let before = &text[..o.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("{origin}:{line}:{col}")
        }
        None => origin.to_owned(),
    };
    config_error(&at, path, msg.trim())
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

/// Replace `env:VAR` and `file:PATH` strings in `v` (at `at`).
fn resolve_refs(provider: &str, at: &str, v: &mut Value) -> Result<()> {
    match v {
        Value::String(s) => {
            let place = format!("providers.{provider}{at}");
            if let Some(var) = s.strip_prefix("env:") {
                *s = std::env::var(var).map_err(|_| {
                    Error::config(format!(
                        "`{place}`: environment variable `{var}` is not set"
                    ))
                })?;
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
                resolve_refs(provider, &format!("{at}.{k}"), child)?;
            }
            Ok(())
        }
        Value::Array(a) => {
            for (i, child) in a.iter_mut().enumerate() {
                resolve_refs(provider, &format!("{at}[{i}]"), child)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Typed clients built from a [`MosaicConfig`]: one per family that has
/// instances, each over that family's router and the instances' stacks.
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
    instances: BTreeMap<String, Family>,
    git: Option<GitClient<GitStack>>,
    cicd: Option<CiCdClient<CiCdStack>>,
    ai: Option<AiClient<AiStack>>,
    kb: Option<KbClient<KbStack>>,
    workflow: Option<WorkflowClient<WorkflowStack>>,
    project: Option<ProjectClient<ProjectStack>>,
}

impl std::fmt::Debug for Mosaic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mosaic")
            .field("instances", &self.instances)
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
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::config(format!("cannot read {}: {}", path.display(), e.kind())))?;
        let origin = path.display().to_string();
        Mosaic::build(&MosaicConfig::parse(&text, Format::of_path(path), &origin)?)
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

    fn assemble(config: &MosaicConfig, mut supplied: BTreeMap<String, Instance>) -> Result<Mosaic> {
        let mut instances: Vec<(String, Instance)> = Vec::new();
        for (name, spec) in &config.providers {
            let instance = match (spec.kind.as_str(), supplied.remove(name)) {
                (kinds::HOST_KIND, Some(i)) if spec.settings.is_empty() => i,
                (kinds::HOST_KIND, Some(_)) => {
                    return Err(Error::config(format!(
                        "`providers.{name}`: an instance supplied by the host takes no settings in the file"
                    )));
                }
                (_, Some(_)) => {
                    return Err(Error::config(format!(
                        "`providers.{name}`: the host supplied an instance, but the file gives kind = \"{}\" (use kind = \"host\")",
                        spec.kind
                    )));
                }
                (kind, None) => {
                    let mut settings = Value::Object(spec.settings.clone());
                    resolve_refs(name, "", &mut settings)?;
                    kinds::build(name, kind, settings)
                        .map_err(|e| prefixed(&format!("providers.{name}"), e))?
                }
            };
            instances.push((name.clone(), instance));
        }
        if let Some(name) = supplied.keys().next() {
            return Err(Error::config(format!(
                "the host supplied instance `{name}`, which the file does not declare (add `[providers.{name}]` with kind = \"host\")"
            )));
        }
        let families: BTreeMap<String, Family> = instances
            .iter()
            .map(|(n, i)| (n.clone(), i.family()))
            .collect();
        check_routes(config, &families)?;

        macro_rules! family {
            ($variant:ident, $svc:ident, $client:ident, $stack:ident, $routes:ident, $label:literal) => {{
                let mut built = Vec::new();
                for (name, instance) in &instances {
                    if let Instance::$variant(p) = instance {
                        let base: $stack = BoxCloneSyncService::new($svc::from_arc(p.clone()));
                        let (svc, health) =
                            build::stack(name, base, &config.providers[name].stack)?;
                        built.push((name.clone(), svc, health));
                    }
                }
                if built.is_empty() {
                    None
                } else {
                    let router = build::router($label, built, &config.routes.$routes)?;
                    Some($client::new($stack::new(router)))
                }
            }};
        }
        Ok(Mosaic {
            git: family!(Git, GitService, GitClient, GitStack, git, "git"),
            cicd: family!(CiCd, CiCdService, CiCdClient, CiCdStack, cicd, "cicd"),
            ai: family!(Ai, AiService, AiClient, AiStack, ai, "ai"),
            kb: family!(Kb, KbService, KbClient, KbStack, kb, "kb"),
            workflow: family!(
                Workflow,
                WorkflowService,
                WorkflowClient,
                WorkflowStack,
                workflow,
                "workflow"
            ),
            project: family!(
                Project,
                ProjectService,
                ProjectClient,
                ProjectStack,
                project,
                "project"
            ),
            instances: families,
        })
    }

    /// The instances and the family each serves.
    pub fn instances(&self) -> &BTreeMap<String, Family> {
        &self.instances
    }

    /// The git client (`NoProvider` when the file configures no forge).
    pub fn git(&self) -> Result<&GitClient<GitStack>> {
        self.git.as_ref().ok_or_else(|| missing("git"))
    }

    /// The CI/CD client.
    pub fn cicd(&self) -> Result<&CiCdClient<CiCdStack>> {
        self.cicd.as_ref().ok_or_else(|| missing("cicd"))
    }

    /// The AI client.
    pub fn ai(&self) -> Result<&AiClient<AiStack>> {
        self.ai.as_ref().ok_or_else(|| missing("ai"))
    }

    /// The knowledge-base client.
    pub fn kb(&self) -> Result<&KbClient<KbStack>> {
        self.kb.as_ref().ok_or_else(|| missing("kb"))
    }

    /// The workflow-engine client.
    pub fn workflow(&self) -> Result<&WorkflowClient<WorkflowStack>> {
        self.workflow.as_ref().ok_or_else(|| missing("workflow"))
    }

    /// The issue-tracker client.
    pub fn projects(&self) -> Result<&ProjectClient<ProjectStack>> {
        self.project.as_ref().ok_or_else(|| missing("project"))
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

    /// Check everything and build the clients.
    pub fn build(self) -> Result<Mosaic> {
        Mosaic::assemble(&self.config, self.supplied)
    }
}

fn prefixed(place: &str, e: Error) -> Error {
    let fields = e.fields().to_vec();
    let mut out = Error::new(e.kind(), format!("`{place}`: {}", e.message()));
    if let Some(p) = e.provider() {
        out = out.with_provider(p.to_owned());
    }
    if !fields.is_empty() {
        out = out.with_fields(fields);
    }
    out
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
    if problems.is_empty() {
        return Ok(());
    }
    let text = problems
        .iter()
        .map(|f| format!("`{}`: {}", f.field, f.message))
        .collect::<Vec<_>>()
        .join("; ");
    Err(Error::config(format!("invalid routes: {text}")).with_fields(problems))
}
