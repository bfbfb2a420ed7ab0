//! [`PluginHost`]: registers plugins, drives their lifecycle, hot swaps them.

mod hooks;
mod registry;
mod swap;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use mosaic_core::{Error, ErrorKind, Result};
use semver::Version;
use serde_json::Value;
use tokio::sync::broadcast;

pub use registry::{
    DiscoveryReport, PluginInfo, PluginQuery, StartReport, SwapOptions, SwapReport,
};

use crate::config::{Env, PluginConfig};
use crate::context::{HostPattern, PluginContext, StateStore};
use crate::deps;
use crate::handle::{Instance, PluginHandle, Slot};
use crate::lifecycle::{EventKind, PluginEvent, PluginState};
use crate::manifest::PluginManifest;
use crate::plugin::{HealthStatus, PluginFactory};
use crate::trust::{Origin, TrustDecision, TrustStore, directory_content};
use hooks::{run_hook, run_sync};

/// Settings of a [`PluginHost`].
#[derive(Debug, Clone)]
struct HostConfig {
    trust: TrustStore,
    hook_timeout: Duration,
    drain_timeout: Duration,
    call_timeout: Option<Duration>,
    env: Env,
    state_dir: Option<PathBuf>,
    grants: BTreeMap<String, Vec<HostPattern>>,
}

/// Builds a [`PluginHost`].
#[derive(Debug)]
pub struct PluginHostBuilder {
    config: HostConfig,
    event_capacity: usize,
}

impl PluginHostBuilder {
    /// Trusted keys, quarantine list and trust policy (default:
    /// [`TrustStore::new`]).
    pub fn trust(mut self, trust: TrustStore) -> Self {
        self.config.trust = trust;
        self
    }

    /// The longest any lifecycle hook may run, unless the manifest sets
    /// `hookTimeoutMs` (default 30 s).
    pub fn hook_timeout(mut self, limit: Duration) -> Self {
        self.config.hook_timeout = limit;
        self
    }

    /// How long a swap, stop or unload waits for in-flight calls
    /// (default 30 s).
    pub fn drain_timeout(mut self, limit: Duration) -> Self {
        self.config.drain_timeout = limit;
        self
    }

    /// The call timeout for plugins whose manifest sets none (default: none).
    pub fn call_timeout(mut self, limit: Duration) -> Self {
        self.config.call_timeout = Some(limit);
        self
    }

    /// Where configuration overrides and declared variables are read
    /// (default: the process environment).
    pub fn env(mut self, env: Env) -> Self {
        self.config.env = env;
        self
    }

    /// Grant plugin `id` network access to `hosts` beyond its manifest: a
    /// self-hosted or enterprise instance, an internal server. Each entry
    /// is `host`, `host:port` or `http://host:port` (plain http is allowed
    /// only where a grant says so); a pattern without a port allows the
    /// scheme's default port only. Grants add to what trust leaves of the
    /// manifest's hosts. Fails with `Config` naming the bad entry.
    ///
    /// ```
    /// # use mosaic_plugin_sdk::PluginHost;
    /// let host = PluginHost::builder()
    ///     .grant_hosts("gitea", ["git.internal.example:3000"])?
    ///     .grant_hosts("openai", ["http://llm.internal:8000"])?
    ///     .build();
    /// # let _ = host; Ok::<(), mosaic_core::Error>(())
    /// ```
    pub fn grant_hosts<I, S>(mut self, id: &str, hosts: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut parsed = Vec::new();
        for h in hosts {
            let p = HostPattern::new(h.as_ref())
                .map_err(|why| Error::config(format!("grant for plugin `{id}`: {why}")))?;
            parsed.push(p);
        }
        self.config
            .grants
            .entry(id.to_owned())
            .or_default()
            .extend(parsed);
        Ok(self)
    }

    /// Keep each plugin's state in `<dir>/<id>.json` (default: in memory).
    pub fn state_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config.state_dir = Some(dir.into());
        self
    }

    /// How many events a slow subscriber may fall behind (default 1024).
    pub fn event_capacity(mut self, n: usize) -> Self {
        self.event_capacity = n.max(1);
        self
    }

    /// The host.
    pub fn build(self) -> PluginHost {
        let (events, _) = broadcast::channel(self.event_capacity);
        PluginHost {
            inner: Arc::new(HostInner {
                config: self.config,
                registry: parking_lot::RwLock::new(BTreeMap::new()),
                events,
            }),
        }
    }
}

/// Registers plugins, loads, starts, stops and unloads them in dependency
/// order, contains their failures, searches the registry, and hot swaps a
/// running plugin without dropping a call.
///
/// Cheap to clone; clones share everything. Lifecycle operations on one
/// plugin are serialized; operations on different plugins run concurrently.
/// A hook that fails, panics or runs past its timeout moves only that
/// plugin to `Failed`.
#[derive(Clone)]
pub struct PluginHost {
    inner: Arc<HostInner>,
}

struct HostInner {
    config: HostConfig,
    registry: parking_lot::RwLock<BTreeMap<String, Entry>>,
    events: broadcast::Sender<PluginEvent>,
}

impl fmt::Debug for PluginHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reg = self.inner.registry.read();
        f.debug_struct("PluginHost")
            .field(
                "plugins",
                &reg.iter()
                    .map(|(id, e)| (id, e.slot.state()))
                    .collect::<Vec<_>>(),
            )
            .field("config", &self.inner.config)
            .finish()
    }
}

/// One plugin id in the registry.
struct Entry {
    slot: Arc<Slot>,
    candidates: BTreeMap<Version, Candidate>,
    active: Arc<tokio::sync::Mutex<Active>>,
}

/// One registered version.
#[derive(Clone)]
struct Candidate {
    manifest: Arc<PluginManifest>,
    factory: Option<Arc<dyn PluginFactory>>,
    decision: TrustDecision,
    origin: Origin,
}

/// What changes as a plugin goes through its lifecycle (behind the
/// per-plugin lock).
#[derive(Default)]
struct Active {
    /// The configuration the host supplied.
    supplied: Option<Value>,
    /// The manifest of the current instance.
    manifest: Option<Arc<PluginManifest>>,
    /// The plugin's state store, created on first load.
    state: Option<StateStore>,
}

impl Default for PluginHost {
    fn default() -> Self {
        Self::new()
    }
}

impl PluginHost {
    /// A host with default settings.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// Configure a host.
    pub fn builder() -> PluginHostBuilder {
        PluginHostBuilder {
            config: HostConfig {
                trust: TrustStore::new(),
                hook_timeout: Duration::from_secs(30),
                drain_timeout: Duration::from_secs(30),
                call_timeout: None,
                env: Env::system(),
                state_dir: None,
                grants: BTreeMap::new(),
            },
            event_capacity: 1024,
        }
    }

    /// Every lifecycle event of every plugin from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<PluginEvent> {
        self.inner.events.subscribe()
    }

    /// Register a statically linked plugin. Its manifest's engine range and
    /// trust are checked now: an incompatible, quarantined or badly signed
    /// plugin is refused here. Registering the version of a manifest already
    /// discovered on disk attaches the implementation to it.
    pub fn register(&self, factory: impl PluginFactory) -> Result<()> {
        self.register_arc(Arc::new(factory))
    }

    /// [`PluginHost::register`] for a shared factory (e.g. from a catalog).
    pub fn register_arc(&self, factory: Arc<dyn PluginFactory>) -> Result<()> {
        let manifest = factory.manifest().clone();
        manifest.check_engine()?;
        let mut reg = self.inner.registry.write();
        if let Some(existing) = reg
            .get_mut(&manifest.id)
            .and_then(|e| e.candidates.get_mut(&manifest.version))
        {
            if existing.factory.is_some() {
                return Err(Error::conflict(format!(
                    "plugin `{}` is already registered",
                    manifest.key()
                )));
            }
            existing.factory = Some(factory);
            return Ok(());
        }
        let content = factory.content();
        let decision =
            self.inner
                .config
                .trust
                .evaluate(&manifest, Origin::Static, content.as_deref())?;
        let candidate = Candidate {
            manifest: Arc::new(manifest),
            factory: Some(factory),
            decision,
            origin: Origin::Static,
        };
        self.insert_candidate(&mut reg, candidate);
        Ok(())
    }

    fn insert_candidate(&self, reg: &mut BTreeMap<String, Entry>, candidate: Candidate) {
        let id = candidate.manifest.id.clone();
        let entry = reg.entry(id.clone()).or_insert_with(|| Entry {
            slot: Arc::new(Slot::new(id, self.inner.events.clone())),
            candidates: BTreeMap::new(),
            active: Arc::default(),
        });
        entry
            .candidates
            .insert(candidate.manifest.version.clone(), candidate);
    }

    /// Read every `plugin.json` in `dir` and in its immediate
    /// subdirectories. Each manifest is parsed, engine- and trust-checked
    /// (origin: discovered; its content hash covers the other files of its
    /// directory) and registered; for a version whose implementation is
    /// already registered, the discovered manifest replaces the built-in
    /// one. Problems with one manifest do not stop the others.
    pub fn discover(&self, dir: impl AsRef<Path>) -> Result<DiscoveryReport> {
        let dir = dir.as_ref();
        let mut report = DiscoveryReport::default();
        let mut dirs = vec![dir.to_path_buf()];
        let entries = std::fs::read_dir(dir).map_err(|e| {
            Error::new(
                ErrorKind::NotFound,
                format!("cannot read plugin directory {}: {e}", dir.display()),
            )
        })?;
        let mut subdirs: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.path())
            .collect();
        subdirs.sort();
        dirs.extend(subdirs);
        for d in dirs {
            let path = d.join("plugin.json");
            if !path.is_file() {
                continue;
            }
            match self.discover_one(&d, &path) {
                Ok(key) => report.registered.push(key),
                Err(e) => report.errors.push((path, e)),
            }
        }
        Ok(report)
    }

    fn discover_one(&self, dir: &Path, path: &Path) -> Result<String> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::new(
                ErrorKind::NotFound,
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        let manifest = PluginManifest::parse(&text)?;
        manifest.check_engine()?;
        let content = match manifest.integrity.as_ref().and_then(|i| i.content_hash) {
            Some(_) => Some(directory_content(dir)?),
            None => None,
        };
        let decision =
            self.inner
                .config
                .trust
                .evaluate(&manifest, Origin::Discovered, content.as_deref())?;
        let key = manifest.key();
        let mut reg = self.inner.registry.write();
        let factory = reg
            .get(&manifest.id)
            .and_then(|e| e.candidates.get(&manifest.version))
            .and_then(|c| c.factory.clone());
        self.insert_candidate(
            &mut reg,
            Candidate {
                manifest: Arc::new(manifest),
                factory,
                decision,
                origin: Origin::Discovered,
            },
        );
        Ok(key)
    }

    /// Set the configuration a plugin is loaded (and swapped) with. It is
    /// validated now against the version that would load, with every
    /// violation reported; it takes effect at the next load or swap.
    pub async fn configure(&self, id: &str, config: Value) -> Result<()> {
        let (_, active_lock) = self.parts(id)?;
        let mut active = active_lock.lock().await;
        let manifest = match &active.manifest {
            Some(m) => m.clone(),
            None => self.pick(id, None)?.manifest,
        };
        PluginConfig::resolve(&manifest, Some(&config), &self.inner.config.env)?;
        active.supplied = Some(config);
        Ok(())
    }

    /// A handle on the plugin (valid in every state; calls succeed only
    /// while it is `Running`).
    pub fn handle(&self, id: &str) -> Result<PluginHandle> {
        Ok(PluginHandle::new(self.parts(id)?.0))
    }

    /// The plugin's lifecycle state.
    pub fn state(&self, id: &str) -> Result<PluginState> {
        Ok(self.parts(id)?.0.state())
    }

    /// A summary of the plugin.
    pub fn info(&self, id: &str) -> Result<PluginInfo> {
        let reg = self.inner.registry.read();
        let entry = reg.get(id).ok_or_else(|| unknown(id))?;
        info_of(id, entry).ok_or_else(|| unknown(id))
    }

    /// Every registered plugin, by id.
    pub fn plugins(&self) -> Vec<PluginInfo> {
        self.search(&PluginQuery::new())
    }

    /// The registered plugins matching `query`, by id.
    pub fn search(&self, query: &PluginQuery) -> Vec<PluginInfo> {
        let reg = self.inner.registry.read();
        reg.iter()
            .filter_map(|(id, e)| info_of(id, e))
            .filter(|i| query.matches(&i.manifest))
            .collect()
    }

    fn parts(&self, id: &str) -> Result<(Arc<Slot>, Arc<tokio::sync::Mutex<Active>>)> {
        let reg = self.inner.registry.read();
        let e = reg.get(id).ok_or_else(|| unknown(id))?;
        Ok((e.slot.clone(), e.active.clone()))
    }

    /// The candidate to load: `version` if given, else the newest version
    /// with an implementation.
    fn pick(&self, id: &str, version: Option<&Version>) -> Result<Candidate> {
        let reg = self.inner.registry.read();
        let e = reg.get(id).ok_or_else(|| unknown(id))?;
        let c = match version {
            Some(v) => e.candidates.get(v).ok_or_else(|| {
                Error::not_found(format!("plugin `{id}` has no registered version {v}"))
            })?,
            None => e
                .candidates
                .values()
                .rev()
                .find(|c| c.factory.is_some())
                .or_else(|| e.candidates.values().next_back())
                .ok_or_else(|| unknown(id))?,
        };
        if c.factory.is_none() {
            return Err(Error::not_found(format!(
                "plugin `{}` has a manifest but no statically linked implementation is registered",
                c.manifest.key()
            )));
        }
        Ok(c.clone())
    }

    fn hook_timeout(&self, manifest: &PluginManifest) -> Duration {
        manifest
            .limits
            .hook_timeout
            .unwrap_or(self.inner.config.hook_timeout)
    }

    fn state_store(&self, id: &str, active: &mut Active) -> Result<StateStore> {
        if let Some(s) = &active.state {
            return Ok(s.clone());
        }
        let store = match &self.inner.config.state_dir {
            Some(dir) => StateStore::file(dir.join(format!("{id}.json")))?,
            None => StateStore::memory(),
        };
        active.state = Some(store.clone());
        Ok(store)
    }

    /// Create, initialize (and, when `migrate_from` is given, migrate state
    /// for) an instance of `candidate`. Failures are contained and returned.
    async fn build_instance(
        &self,
        slot: &Slot,
        candidate: &Candidate,
        supplied: Option<&Value>,
        state: StateStore,
        migrate_from: Option<&Version>,
    ) -> Result<Arc<Instance>> {
        let manifest = &candidate.manifest;
        manifest.check_engine()?;
        let factory = candidate.factory.as_ref().ok_or_else(|| {
            Error::not_found(format!(
                "no statically linked implementation of plugin `{}`",
                manifest.key()
            ))
        })?;
        let config = PluginConfig::resolve(manifest, supplied, &self.inner.config.env)?;
        let context = PluginContext::builder(manifest)
            .permissions(candidate.decision.permissions.clone())
            .trust(candidate.decision.level)
            .env(self.inner.config.env.clone())
            .state(state.clone())
            .config(config.clone())
            .grant_hosts(
                self.inner
                    .config
                    .grants
                    .get(manifest.id.as_str())
                    .cloned()
                    .unwrap_or_default(),
            )
            .build();
        let limit = self.hook_timeout(manifest);
        let id = manifest.id.as_str();
        let mut plugin = run_sync(id, "create", || factory.create())?;
        let init = run_hook(
            id,
            "initialize",
            limit,
            context.span(),
            plugin.initialize(context.clone(), config),
        )
        .await;
        let plugin: Arc<dyn crate::plugin::Plugin> = Arc::from(plugin);
        let dispose_quietly = |plugin: Arc<dyn crate::plugin::Plugin>, context: PluginContext| async move {
            let _ = run_hook(id, "dispose", limit, context.span(), plugin.dispose()).await;
        };
        if let Err(e) = init {
            dispose_quietly(plugin, context).await;
            return Err(e);
        }
        if let Some(from) = migrate_from
            && let Err(e) = run_hook(
                id,
                "migrate_state",
                limit,
                context.span(),
                plugin.migrate_state(from, &state),
            )
            .await
        {
            dispose_quietly(plugin, context).await;
            return Err(e);
        }
        let services = match run_sync(id, "services", || Ok(plugin.services())) {
            Ok(s) => s,
            Err(e) => {
                dispose_quietly(plugin, context).await;
                return Err(e);
            }
        };
        if !candidate.decision.withheld.is_empty() {
            slot.emit(EventKind::PermissionsWithheld {
                withheld: candidate.decision.withheld.clone(),
            });
        }
        Ok(Arc::new(Instance::new(
            slot.next_generation(),
            manifest.version.clone(),
            plugin,
            services,
            manifest
                .limits
                .call_timeout
                .or(self.inner.config.call_timeout),
            manifest.limits.max_concurrency,
        )))
    }

    /// Load the newest loadable version (or the version loaded before):
    /// resolve its configuration, create and initialize an instance.
    /// Loading a plugin that is already loaded returns its handle.
    pub async fn load(&self, id: &str) -> Result<PluginHandle> {
        self.load_inner(id, None).await
    }

    /// Load a specific registered version.
    pub async fn load_version(&self, id: &str, version: &Version) -> Result<PluginHandle> {
        self.load_inner(id, Some(version)).await
    }

    async fn load_inner(&self, id: &str, version: Option<&Version>) -> Result<PluginHandle> {
        let (slot, active_lock) = self.parts(id)?;
        let mut active = active_lock.lock().await;
        self.load_locked(&slot, &mut active, version).await
    }

    async fn load_locked(
        &self,
        slot: &Arc<Slot>,
        active: &mut Active,
        version: Option<&Version>,
    ) -> Result<PluginHandle> {
        let id = slot.id.clone();
        match slot.state() {
            PluginState::Discovered | PluginState::Failed | PluginState::Unloaded => {}
            _ => return Ok(PluginHandle::new(slot.clone())),
        }
        let previous = active.manifest.as_ref().map(|m| m.version.clone());
        let candidate = self.pick(&id, version.or(previous.as_ref()))?;
        slot.transition(
            PluginState::Loading,
            format!("loading {}", candidate.manifest.key()),
        )?;
        // A failed instance still in place is disposed before the reload.
        if let Some(old) = slot.set_current(None) {
            self.retire(&id, &old, &candidate.manifest).await;
        }
        let state = self.state_store(&id, active)?;
        let built = self
            .build_instance(slot, &candidate, active.supplied.as_ref(), state, None)
            .await;
        match built {
            Ok(instance) => {
                slot.set_current(Some(instance));
                active.manifest = Some(candidate.manifest.clone());
                slot.transition(
                    PluginState::Loaded,
                    format!("{} initialized", candidate.manifest.key()),
                )?;
                Ok(PluginHandle::new(slot.clone()))
            }
            Err(e) => {
                slot.fail(format!("load failed: {e}"));
                Err(e)
            }
        }
    }

    /// Start the plugin (loading it first if needed). Its dependencies must
    /// be running at compatible versions.
    pub async fn start(&self, id: &str) -> Result<PluginHandle> {
        let (slot, active_lock) = self.parts(id)?;
        let mut active = active_lock.lock().await;
        match slot.state() {
            PluginState::Running => return Ok(PluginHandle::new(slot)),
            PluginState::Discovered | PluginState::Failed | PluginState::Unloaded => {
                self.load_locked(&slot, &mut active, None).await?;
            }
            _ => {}
        }
        let manifest = active
            .manifest
            .clone()
            .ok_or_else(|| Error::internal(format!("plugin `{id}` has no loaded manifest")))?;
        self.check_dependencies_running(&manifest)?;
        let instance = slot
            .current()
            .ok_or_else(|| Error::internal(format!("plugin `{id}` has no instance")))?;
        slot.transition(PluginState::Starting, "start requested")?;
        instance.reinstate();
        let limit = self.hook_timeout(&manifest);
        let span = tracing::info_span!("plugin", id = %id, version = %manifest.version);
        match run_hook(id, "start", limit, &span, instance.plugin.start()).await {
            Ok(()) => {
                slot.transition(PluginState::Running, "started")?;
                Ok(PluginHandle::new(slot))
            }
            Err(e) => {
                slot.fail(format!("start failed: {e}"));
                Err(e)
            }
        }
    }

    fn check_dependencies_running(&self, manifest: &PluginManifest) -> Result<()> {
        let reg = self.inner.registry.read();
        let mut problems = Vec::new();
        for (dep, req) in &manifest.dependencies {
            let Some(e) = reg.get(dep) else {
                problems.push(mosaic_core::FieldError::new(
                    format!("{}/dependencies/{dep}", manifest.id),
                    format!("dependency `{dep}` ({req}) is not registered"),
                ));
                continue;
            };
            let state = e.slot.state();
            let version = e.slot.current().map(|i| i.version.clone());
            match version {
                Some(v) if state == PluginState::Running && req.matches(&v) => {}
                Some(v) if state == PluginState::Running => {
                    problems.push(mosaic_core::FieldError::new(
                        format!("{}/dependencies/{dep}", manifest.id),
                        format!("needs `{dep}` {req}, but {v} is running"),
                    ))
                }
                _ => problems.push(mosaic_core::FieldError::new(
                    format!("{}/dependencies/{dep}", manifest.id),
                    format!("dependency `{dep}` is {state}, not running"),
                )),
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(crate::pointer::located_error(
                ErrorKind::Config,
                &format!("cannot start plugin `{}`", manifest.key()),
                problems,
            ))
        }
    }

    /// Ids of running plugins whose current manifest depends on `id`.
    fn running_dependents(&self, id: &str) -> Vec<String> {
        let reg = self.inner.registry.read();
        reg.iter()
            .filter(|(other, e)| {
                other.as_str() != id
                    && e.slot.state() == PluginState::Running
                    && e.slot
                        .current()
                        .and_then(|i| e.candidates.get(&i.version))
                        .is_some_and(|c| c.manifest.dependencies.contains_key(id))
            })
            .map(|(other, _)| other.clone())
            .collect()
    }

    /// Stop the plugin: refuse new calls, drain in-flight ones (bounded),
    /// run `stop`. Refused while running plugins depend on it.
    pub async fn stop(&self, id: &str) -> Result<()> {
        let (slot, active_lock) = self.parts(id)?;
        let dependents = self.running_dependents(id);
        if !dependents.is_empty() {
            return Err(Error::conflict(format!(
                "cannot stop plugin `{id}`: running plugins depend on it: {}",
                dependents.join(", ")
            )));
        }
        let active = active_lock.lock().await;
        self.stop_locked(&slot, &active).await
    }

    async fn stop_locked(&self, slot: &Arc<Slot>, active: &Active) -> Result<()> {
        match slot.state() {
            PluginState::Running => {}
            PluginState::Loaded | PluginState::Stopped => return Ok(()),
            other => {
                return Err(Error::conflict(format!(
                    "plugin `{}` cannot stop: it is {other}",
                    slot.id
                )));
            }
        }
        slot.transition(PluginState::Stopping, "stop requested")?;
        let Some(instance) = slot.current() else {
            return slot.transition(PluginState::Stopped, "no instance");
        };
        let manifest = active.manifest.clone();
        let limit = manifest
            .as_deref()
            .map_or(self.inner.config.hook_timeout, |m| self.hook_timeout(m));
        instance.retire();
        let drained = instance.drain(self.inner.config.drain_timeout).await;
        let span = tracing::info_span!("plugin", id = %slot.id, version = %instance.version);
        match run_hook(&slot.id, "stop", limit, &span, instance.plugin.stop()).await {
            Ok(()) => slot.transition(
                PluginState::Stopped,
                if drained {
                    "stopped"
                } else {
                    "stopped after the drain deadline"
                },
            ),
            Err(e) => {
                slot.fail(format!("stop failed: {e}"));
                Err(e)
            }
        }
    }

    /// Unload the plugin: stop it if running, run `dispose`, drop the
    /// instance. Its state store is kept for a later load.
    pub async fn unload(&self, id: &str) -> Result<()> {
        let (slot, active_lock) = self.parts(id)?;
        if slot.state() == PluginState::Running {
            let dependents = self.running_dependents(id);
            if !dependents.is_empty() {
                return Err(Error::conflict(format!(
                    "cannot unload plugin `{id}`: running plugins depend on it: {}",
                    dependents.join(", ")
                )));
            }
        }
        let active = active_lock.lock().await;
        if slot.state() == PluginState::Running {
            // A failed stop leaves the plugin Failed, which may still unload.
            let _ = self.stop_locked(&slot, &active).await;
        }
        match slot.state() {
            PluginState::Discovered => {
                return slot.transition(PluginState::Unloaded, "unloaded before loading");
            }
            PluginState::Unloaded => return Ok(()),
            _ => {}
        }
        slot.transition(PluginState::Unloading, "unload requested")?;
        let mut result = Ok(());
        if let Some(instance) = slot.set_current(None) {
            let manifest = active.manifest.clone();
            let limit = manifest
                .as_deref()
                .map_or(self.inner.config.hook_timeout, |m| self.hook_timeout(m));
            instance.retire();
            instance.drain(self.inner.config.drain_timeout).await;
            let span = tracing::info_span!("plugin", id = %slot.id, version = %instance.version);
            result = run_hook(&slot.id, "dispose", limit, &span, instance.plugin.dispose()).await;
        }
        let reason = match &result {
            Ok(()) => "disposed".to_owned(),
            Err(e) => format!("dispose failed (instance dropped anyway): {e}"),
        };
        slot.transition(PluginState::Unloaded, reason)?;
        result
    }

    /// Run the plugin's health check (under the hook timeout). A panic or
    /// hang moves the plugin to `Failed`.
    pub async fn health(&self, id: &str) -> Result<HealthStatus> {
        let (slot, _) = self.parts(id)?;
        let instance = slot
            .current()
            .ok_or_else(|| Error::unavailable(format!("plugin `{id}` is {}", slot.state())))?;
        let manifest = self
            .pick(id, Some(&instance.version))
            .ok()
            .map(|c| c.manifest);
        let limit = manifest
            .as_deref()
            .map_or(self.inner.config.hook_timeout, |m| self.hook_timeout(m));
        let span = tracing::info_span!("plugin", id = %id, version = %instance.version);
        let plugin = instance.plugin.clone();
        match run_hook(id, "health", limit, &span, async move {
            Ok(plugin.health().await)
        })
        .await
        {
            Ok(status) => {
                slot.emit(EventKind::Health {
                    status: status.clone(),
                });
                Ok(status)
            }
            Err(e) => {
                slot.fail(format!("health check failed: {e}"));
                Err(e)
            }
        }
    }

    /// Load and start every plugin that has an implementation, in
    /// dependency order. Missing, incompatible and cyclic dependencies are
    /// reported (all of them, by name) before anything starts. After that a
    /// plugin that fails does not stop the others; only its dependents are
    /// skipped.
    pub async fn start_all(&self) -> Result<StartReport> {
        let manifests = self.planned_manifests();
        let refs: Vec<&PluginManifest> = manifests.iter().map(|m| m.as_ref()).collect();
        let order = deps::start_order(&refs)?;
        let by_id: BTreeMap<&str, &PluginManifest> =
            refs.iter().map(|m| (m.id.as_str(), *m)).collect();
        let mut report = StartReport::default();
        let mut down: Vec<String> = Vec::new();
        for id in order {
            let blocked: Vec<&String> = by_id
                .get(id.as_str())
                .map(|m| m.dependencies.keys().filter(|d| down.contains(d)).collect())
                .unwrap_or_default();
            if !blocked.is_empty() {
                let why = format!(
                    "dependencies did not start: {}",
                    blocked
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                report.skipped.push((id.clone(), why));
                down.push(id);
                continue;
            }
            match self.start(&id).await {
                Ok(_) => report.started.push(id),
                Err(e) => {
                    report.failed.push((id.clone(), e));
                    down.push(id);
                }
            }
        }
        Ok(report)
    }

    /// The manifest each plugin would run with: the loaded one, else the
    /// newest with an implementation.
    fn planned_manifests(&self) -> Vec<Arc<PluginManifest>> {
        let reg = self.inner.registry.read();
        reg.values()
            .filter_map(|e| {
                let loaded = e
                    .slot
                    .current()
                    .and_then(|i| e.candidates.get(&i.version))
                    .map(|c| c.manifest.clone());
                loaded.or_else(|| {
                    e.candidates
                        .values()
                        .rev()
                        .find(|c| c.factory.is_some())
                        .map(|c| c.manifest.clone())
                })
            })
            .collect()
    }

    /// Stop every running plugin, dependents before their dependencies.
    /// Returns the plugins that failed to stop.
    pub async fn stop_all(&self) -> Vec<(String, Error)> {
        let manifests = self.planned_manifests();
        let refs: Vec<&PluginManifest> = manifests.iter().map(|m| m.as_ref()).collect();
        let order = deps::start_order(&refs)
            .unwrap_or_else(|_| refs.iter().map(|m| m.id.clone()).collect());
        let mut failed = Vec::new();
        for id in order.into_iter().rev() {
            let Ok((slot, active_lock)) = self.parts(&id) else {
                continue;
            };
            if slot.state() != PluginState::Running {
                continue;
            }
            let active = active_lock.lock().await;
            if let Err(e) = self.stop_locked(&slot, &active).await {
                failed.push((id, e));
            }
        }
        failed
    }

    /// Stop, drain and dispose a replaced or failed instance; `true` when
    /// both hooks succeeded. Failures are logged, never propagated.
    async fn retire(&self, id: &str, instance: &Instance, manifest: &PluginManifest) -> bool {
        let limit = self.hook_timeout(manifest);
        let span = tracing::info_span!("plugin", id = %id, version = %instance.version);
        let stop = run_hook(id, "stop", limit, &span, instance.plugin.stop()).await;
        let dispose = run_hook(id, "dispose", limit, &span, instance.plugin.dispose()).await;
        for (hook, r) in [("stop", &stop), ("dispose", &dispose)] {
            if let Err(e) = r {
                tracing::warn!(plugin = %id, generation = instance.generation, hook, error = %e, "retiring an instance failed");
            }
        }
        stop.is_ok() && dispose.is_ok()
    }
}

fn unknown(id: &str) -> Error {
    Error::not_found(format!("no plugin `{id}` is registered"))
}

fn info_of(id: &str, e: &Entry) -> Option<PluginInfo> {
    let current = e.slot.current().map(|i| i.version.clone());
    let described = current
        .as_ref()
        .and_then(|v| e.candidates.get(v))
        .or_else(|| e.candidates.values().next_back())?;
    Some(PluginInfo {
        id: id.to_owned(),
        version: described.manifest.version.clone(),
        versions: e.candidates.keys().cloned().collect(),
        state: e.slot.state(),
        trust: described.decision.level,
        signed_by: described.decision.signed_by.clone(),
        loadable: e.candidates.values().any(|c| c.factory.is_some()),
        origin: described.origin,
        manifest: described.manifest.clone(),
    })
}

/// Whether `to` may replace `from` without `force`.
fn is_downgrade(from: &Version, to: &Version) -> bool {
    to < from
}
