//! [`PluginHandle`]: what a host gives the router. It implements every
//! provider trait by delegating to the plugin's current instance, and keeps
//! working across hot swaps.

mod delegate;

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use futures::FutureExt as _;
use mosaic_core::{Error, ErrorKind, Family, Result, redact};
use semver::Version;
use tokio::sync::{Notify, Semaphore, broadcast};

use crate::lifecycle::{EventKind, PluginEvent, PluginState, StateMachine};
use crate::plugin::{Plugin, PluginServices};

/// How many times a call retries finding a current instance that is not
/// being retired (each retry follows a swap that just happened).
const ACQUIRE_ATTEMPTS: usize = 16;

/// One live instance of a plugin.
pub(crate) struct Instance {
    pub(crate) generation: u64,
    pub(crate) version: Version,
    pub(crate) plugin: Arc<dyn Plugin>,
    pub(crate) services: PluginServices,
    call_timeout: Option<Duration>,
    limiter: Option<Semaphore>,
    inflight: AtomicUsize,
    retired: AtomicBool,
    drained: Notify,
}

impl Instance {
    pub(crate) fn new(
        generation: u64,
        version: Version,
        plugin: Arc<dyn Plugin>,
        services: PluginServices,
        call_timeout: Option<Duration>,
        max_concurrency: Option<usize>,
    ) -> Self {
        Instance {
            generation,
            version,
            plugin,
            services,
            call_timeout,
            limiter: max_concurrency.map(Semaphore::new),
            inflight: AtomicUsize::new(0),
            retired: AtomicBool::new(false),
            drained: Notify::new(),
        }
    }

    /// Calls in flight.
    pub(crate) fn in_flight(&self) -> usize {
        self.inflight.load(Ordering::SeqCst)
    }

    /// Refuse new calls (they move on to the current instance, or fail).
    pub(crate) fn retire(&self) {
        self.retired.store(true, Ordering::SeqCst);
    }

    /// Accept calls again (a stopped plugin starting anew).
    pub(crate) fn reinstate(&self) {
        self.retired.store(false, Ordering::SeqCst);
    }

    /// Wait until no call is in flight, at most `limit`; `true` if drained.
    /// Call after [`Instance::retire`].
    pub(crate) async fn drain(&self, limit: Duration) -> bool {
        let wait = async {
            loop {
                let notified = self.drained.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                if self.inflight.load(Ordering::SeqCst) == 0 {
                    return;
                }
                notified.await;
            }
        };
        tokio::time::timeout(limit, wait).await.is_ok()
    }
}

/// A call in flight on one instance; dropping it ends the call.
pub(crate) struct InFlight(Arc<Instance>);

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.0.inflight.fetch_sub(1, Ordering::SeqCst) == 1
            && self.0.retired.load(Ordering::SeqCst)
        {
            self.0.drained.notify_waiters();
        }
    }
}

/// The per-plugin cell a host and all handles share.
pub(crate) struct Slot {
    pub(crate) id: String,
    current: ArcSwapOption<Instance>,
    serving: AtomicBool,
    machine: parking_lot::Mutex<StateMachine>,
    events: broadcast::Sender<PluginEvent>,
    generations: AtomicU64,
}

impl Slot {
    pub(crate) fn new(id: String, events: broadcast::Sender<PluginEvent>) -> Self {
        Slot {
            machine: parking_lot::Mutex::new(StateMachine::new(id.clone())),
            id,
            current: ArcSwapOption::const_empty(),
            serving: AtomicBool::new(false),
            events,
            generations: AtomicU64::new(0),
        }
    }

    pub(crate) fn next_generation(&self) -> u64 {
        self.generations.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub(crate) fn state(&self) -> PluginState {
        self.machine.lock().state()
    }

    /// Validated transition; publishes the event.
    pub(crate) fn transition(&self, to: PluginState, reason: impl Into<String>) -> Result<()> {
        let event = {
            let mut m = self.machine.lock();
            let ev = m.transition(to, reason)?;
            self.serving.store(to.is_serving(), Ordering::SeqCst);
            ev
        };
        if let EventKind::Transition { from, to, reason } = &event.kind {
            if *to == PluginState::Failed {
                tracing::warn!(plugin = %self.id, %from, %to, %reason, "plugin failed");
            } else {
                tracing::debug!(plugin = %self.id, %from, %to, %reason, "plugin lifecycle");
            }
        }
        let _ = self.events.send(event);
        Ok(())
    }

    /// Move to `Failed` if the current state allows it.
    pub(crate) fn fail(&self, reason: impl Into<String>) {
        let reason = reason.into();
        if self.state().can_transition_to(PluginState::Failed) {
            // A concurrent transition may have won; then there is nothing to do.
            let _ = self.transition(PluginState::Failed, reason);
        }
    }

    pub(crate) fn emit(&self, kind: EventKind) {
        let _ = self.events.send(PluginEvent::new(self.id.clone(), kind));
    }

    pub(crate) fn current(&self) -> Option<Arc<Instance>> {
        self.current.load_full()
    }

    pub(crate) fn set_current(&self, instance: Option<Arc<Instance>>) -> Option<Arc<Instance>> {
        self.current.swap(instance)
    }
}

/// A handle on a plugin, for the router: implements [`GitProvider`],
/// [`CiCdProvider`], [`AiProvider`], [`KnowledgeBaseProvider`],
/// [`WorkflowProvider`] and [`ProjectProvider`] by delegating each call to
/// the plugin's current instance.
///
/// * Cheap to clone; all clones follow the same plugin.
/// * Keeps working across hot swaps: a call goes to whichever instance is
///   current when it starts and is counted there, so the old instance is
///   disposed only after its calls finish (or the drain deadline passes).
/// * A call fails with `Unavailable` unless the plugin is `Running`, with
///   `Unsupported` for a family the plugin does not serve, with `Timeout`
///   past the manifest's `callTimeoutMs`; at most `maxConcurrency` calls
///   run at once. A panic inside the plugin becomes an `Internal` error and
///   moves the plugin to `Failed`.
///
/// [`GitProvider`]: mosaic_core::git::GitProvider
/// [`CiCdProvider`]: mosaic_core::cicd::CiCdProvider
/// [`AiProvider`]: mosaic_core::ai::AiProvider
/// [`KnowledgeBaseProvider`]: mosaic_core::kb::KnowledgeBaseProvider
/// [`WorkflowProvider`]: mosaic_core::workflow::WorkflowProvider
/// [`ProjectProvider`]: mosaic_core::project::ProjectProvider
#[derive(Clone)]
pub struct PluginHandle {
    slot: Arc<Slot>,
}

impl fmt::Debug for PluginHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PluginHandle")
            .field("plugin", &self.slot.id)
            .field("state", &self.state())
            .field("generation", &self.generation())
            .finish()
    }
}

impl PluginHandle {
    pub(crate) fn new(slot: Arc<Slot>) -> Self {
        PluginHandle { slot }
    }

    /// The plugin id.
    pub fn id(&self) -> &str {
        &self.slot.id
    }

    /// The plugin's lifecycle state.
    pub fn state(&self) -> PluginState {
        self.slot.state()
    }

    /// The version of the current instance.
    pub fn version(&self) -> Option<Version> {
        self.slot.current().map(|i| i.version.clone())
    }

    /// The generation of the current instance (each load or swap makes a new one).
    pub fn generation(&self) -> Option<u64> {
        self.slot.current().map(|i| i.generation)
    }

    /// Calls in flight on the current instance.
    pub fn in_flight(&self) -> usize {
        self.slot.current().map_or(0, |i| i.in_flight())
    }

    /// The families the current instance serves.
    pub fn families(&self) -> Vec<Family> {
        self.slot
            .current()
            .map(|i| i.services.families())
            .unwrap_or_default()
    }

    fn unavailable(&self) -> Error {
        Error::unavailable(format!(
            "plugin `{}` is {}",
            self.slot.id,
            self.slot.state()
        ))
        .with_provider(self.slot.id.clone())
    }

    fn not_served(&self, family: Family) -> Error {
        Error::new(
            ErrorKind::Unsupported,
            format!("plugin `{}` serves no {family} provider", self.slot.id),
        )
        .with_provider(self.slot.id.clone())
    }

    /// Count a call on the current instance.
    fn acquire(&self) -> Result<InFlight> {
        for _ in 0..ACQUIRE_ATTEMPTS {
            if !self.slot.serving.load(Ordering::SeqCst) {
                return Err(self.unavailable());
            }
            let Some(instance) = self.slot.current() else {
                return Err(self.unavailable());
            };
            instance.inflight.fetch_add(1, Ordering::SeqCst);
            let guard = InFlight(instance);
            if !guard.0.retired.load(Ordering::SeqCst) {
                return Ok(guard);
            }
            // Being retired: a swap has just installed a successor (the next
            // attempt finds it) or the plugin is stopping (the next attempt
            // sees it is not serving).
        }
        Err(self.unavailable())
    }

    /// Run one call's future under the instance's limits, containing panics.
    async fn finish<T>(
        &self,
        instance: &Instance,
        op: &'static str,
        call: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        let _permit = match &instance.limiter {
            Some(sem) => {
                let acquire = sem.acquire();
                let permit = match instance.call_timeout {
                    Some(t) => tokio::time::timeout(t, acquire)
                        .await
                        .map_err(|_| self.call_timeout(op, t))?,
                    None => acquire.await,
                };
                Some(permit.map_err(|_| self.unavailable())?)
            }
            None => None,
        };
        let guarded = AssertUnwindSafe(call).catch_unwind();
        let outcome = match instance.call_timeout {
            Some(t) => tokio::time::timeout(t, guarded)
                .await
                .map_err(|_| self.call_timeout(op, t))?,
            None => guarded.await,
        };
        match outcome {
            Ok(result) => result,
            Err(panic) => Err(self.panicked(op, panic.as_ref())),
        }
    }

    fn call_timeout(&self, op: &str, t: Duration) -> Error {
        Error::timeout(format!(
            "plugin `{}`: `{op}` did not finish within {t:?}",
            self.slot.id
        ))
        .with_provider(self.slot.id.clone())
    }

    fn panicked(&self, op: &str, payload: &(dyn std::any::Any + Send)) -> Error {
        let reason = format!("panicked in `{op}`: {}", panic_message(payload));
        self.slot.fail(reason.clone());
        Error::internal(format!("plugin `{}` {reason}", self.slot.id))
            .with_provider(self.slot.id.clone())
    }
}

/// The message of a panic payload, redacted.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    };
    redact(&text)
}
