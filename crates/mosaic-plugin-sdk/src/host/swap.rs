//! Hot swap: replace a running plugin's instance without dropping a call.

use std::sync::Arc;

use mosaic_core::{Error, Result};
use tokio::time::Instant;

use super::{PluginHost, SwapOptions, SwapReport, is_downgrade, run_hook};
use crate::lifecycle::{EventKind, PluginState};

impl PluginHost {
    /// Hot swap a running plugin to a new configuration and/or version.
    ///
    /// 1. The new instance is built, initialized, given the chance to
    ///    migrate the plugin's state (when the version changes), started
    ///    and health-checked, while the old one keeps serving.
    /// 2. The handle switches to it atomically: calls that start from now
    ///    on go to the new instance.
    /// 3. The old instance's in-flight calls drain (bounded by the host's
    ///    drain timeout), then it is stopped and disposed.
    ///
    /// If anything in step 1 fails — invalid configuration, a hook error,
    /// panic or timeout, an unhealthy new instance — the new instance is
    /// disposed, the state store is restored, the old instance keeps
    /// serving as if nothing happened, and the error is returned. A lower
    /// version is refused unless [`SwapOptions::force`] is set; so is a
    /// version that running dependents do not accept.
    pub async fn swap(&self, id: &str, options: SwapOptions) -> Result<SwapReport> {
        let started = Instant::now();
        let (slot, active_lock) = self.parts(id)?;
        let mut active = active_lock.lock().await;
        if slot.state() != PluginState::Running {
            return Err(Error::conflict(format!(
                "plugin `{id}` is {}; only a running plugin can be hot swapped",
                slot.state()
            )));
        }
        let old = slot
            .current()
            .ok_or_else(|| Error::internal(format!("running plugin `{id}` has no instance")))?;
        let old_manifest = active
            .manifest
            .clone()
            .ok_or_else(|| Error::internal(format!("running plugin `{id}` has no manifest")))?;
        let target = options
            .version
            .clone()
            .unwrap_or_else(|| old.version.clone());
        if is_downgrade(&old.version, &target) && !options.force {
            return Err(Error::conflict(format!(
                "refusing to downgrade plugin `{id}` from {} to {target} (set force to allow it)",
                old.version
            )));
        }
        let candidate = self.pick(id, Some(&target))?;
        if target != old.version {
            let blocking = self.dependents_rejecting(id, &target);
            if !blocking.is_empty() {
                return Err(Error::conflict(format!(
                    "cannot swap plugin `{id}` to {target}: {}",
                    blocking.join("; ")
                )));
            }
        }
        let supplied = options.config.clone().or_else(|| active.supplied.clone());
        let state = self.state_store(id, &mut active)?;
        let version_changes = target != old.version;
        let snapshot = version_changes.then(|| state.snapshot());
        let migrate_from = version_changes.then(|| old.version.clone());

        // 1. prepare the new instance
        let rollback = |reason: String, error: Error| {
            let slot = slot.clone();
            let state = state.clone();
            let snapshot = snapshot.clone();
            async move {
                if let Some(snapshot) = snapshot
                    && let Err(e) = state.replace(snapshot).await
                {
                    tracing::warn!(plugin = %slot.id, error = %e, "could not restore plugin state after a failed swap");
                }
                slot.emit(EventKind::SwapRolledBack {
                    reason: reason.clone(),
                });
                Error::new(
                    error.kind(),
                    format!("hot swap of plugin `{}` rolled back: {reason}", slot.id),
                )
                .with_provider(slot.id.clone())
                .with_fields(error.fields().to_vec())
                .with_source(error)
            }
        };
        let new = match self
            .build_instance(
                &slot,
                &candidate,
                supplied.as_ref(),
                state.clone(),
                migrate_from.as_ref(),
            )
            .await
        {
            Ok(i) => i,
            Err(e) => return Err(rollback(e.to_string(), e).await),
        };
        let limit = self.hook_timeout(&candidate.manifest);
        let span = tracing::info_span!("plugin", id = %id, version = %new.version);
        if let Err(e) = run_hook(id, "start", limit, &span, new.plugin.start()).await {
            let _ = run_hook(id, "dispose", limit, &span, new.plugin.dispose()).await;
            return Err(rollback(format!("new instance did not start: {e}"), e).await);
        }
        let plugin = new.plugin.clone();
        let health = run_hook(id, "health", limit, &span, async move {
            Ok(plugin.health().await)
        })
        .await;
        let unhealthy = match health {
            Ok(status) if status.is_usable() => None,
            Ok(status) => Some(Error::unavailable(format!(
                "new instance is unhealthy: {status:?}"
            ))),
            Err(e) => Some(e),
        };
        if let Some(e) = unhealthy {
            self.retire(id, &new, &candidate.manifest).await;
            return Err(rollback(format!("new instance failed its health check: {e}"), e).await);
        }

        // 2. switch
        let prepare = started.elapsed();
        slot.set_current(Some(new.clone()));
        old.retire();
        active.manifest = Some(candidate.manifest.clone());
        if options.config.is_some() {
            active.supplied = options.config;
        }
        slot.emit(EventKind::Swapped {
            from: old.version.clone(),
            to: new.version.clone(),
            generation: new.generation,
        });

        // 3. drain and retire the old instance
        let drain_started = Instant::now();
        let drained = old.drain(self.inner.config.drain_timeout).await;
        let drain = drain_started.elapsed();
        let retired_cleanly = self.retire(id, &old, &old_manifest).await;
        slot.emit(EventKind::Retired {
            generation: old.generation,
            drained,
        });
        let report = SwapReport {
            from: old.version.clone(),
            to: new.version.clone(),
            generation: new.generation,
            prepare,
            drain,
            drained,
            retired_cleanly,
        };
        drop(old);
        Ok(report)
    }

    /// Why running dependents would not accept `version` of `id`.
    fn dependents_rejecting(&self, id: &str, version: &semver::Version) -> Vec<String> {
        let reg = self.inner.registry.read();
        reg.iter()
            .filter(|(other, _)| other.as_str() != id)
            .filter_map(|(other, e)| {
                let state = e.slot.state();
                if !matches!(
                    state,
                    PluginState::Running
                        | PluginState::Starting
                        | PluginState::Loaded
                        | PluginState::Stopped
                ) {
                    return None;
                }
                let current = e.slot.current()?;
                let manifest = Arc::clone(&e.candidates.get(&current.version)?.manifest);
                let req = manifest.dependencies.get(id)?;
                (!req.matches(version)).then(|| format!("`{other}` requires {id} {req}"))
            })
            .collect()
    }
}
