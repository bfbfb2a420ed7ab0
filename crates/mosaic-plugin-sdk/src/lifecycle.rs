//! The plugin lifecycle: [`PluginState`], its validated transitions, and
//! the [`PluginEvent`]s a host broadcasts.
//!
//! | from | to |
//! |---|---|
//! | `Discovered` | `Loading`, `Unloaded` |
//! | `Loading` | `Loaded`, `Failed` |
//! | `Loaded` | `Starting`, `Unloading`, `Failed` |
//! | `Starting` | `Running`, `Failed` |
//! | `Running` | `Stopping`, `Failed` |
//! | `Stopping` | `Stopped`, `Failed` |
//! | `Stopped` | `Starting`, `Unloading` |
//! | `Failed` | `Unloading`, `Loading` |
//! | `Unloading` | `Unloaded` |
//! | `Unloaded` | `Loading` |
//!
//! A hot swap does not change the state: the plugin stays `Running` while a
//! new instance is prepared and switched in ([`EventKind::Swapped`]).
//!
//! Every row is [`PluginState::can_transition_to`]; anything else is an
//! error ([`ErrorKind::Conflict`]), never a silent no-op.

use std::fmt;
use std::time::SystemTime;

use mosaic_core::{Error, ErrorKind, Result};
use semver::Version;
use tokio::time::Instant;

/// Where a plugin is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PluginState {
    /// Known from its manifest; no instance yet.
    Discovered,
    /// Being created and initialized.
    Loading,
    /// Initialized, not started.
    Loaded,
    /// `start` is running.
    Starting,
    /// Serving calls.
    Running,
    /// `stop` is running.
    Stopping,
    /// Stopped; may start again or unload.
    Stopped,
    /// A hook failed, panicked or hung, or a call panicked. May be unloaded
    /// or loaded again.
    Failed,
    /// `dispose` is running.
    Unloading,
    /// Disposed; may be loaded again.
    Unloaded,
}

impl PluginState {
    /// Every state.
    pub const ALL: [PluginState; 10] = [
        PluginState::Discovered,
        PluginState::Loading,
        PluginState::Loaded,
        PluginState::Starting,
        PluginState::Running,
        PluginState::Stopping,
        PluginState::Stopped,
        PluginState::Failed,
        PluginState::Unloading,
        PluginState::Unloaded,
    ];

    /// A short name.
    pub const fn as_str(self) -> &'static str {
        match self {
            PluginState::Discovered => "discovered",
            PluginState::Loading => "loading",
            PluginState::Loaded => "loaded",
            PluginState::Starting => "starting",
            PluginState::Running => "running",
            PluginState::Stopping => "stopping",
            PluginState::Stopped => "stopped",
            PluginState::Failed => "failed",
            PluginState::Unloading => "unloading",
            PluginState::Unloaded => "unloaded",
        }
    }

    /// Whether moving from `self` to `to` is allowed.
    pub const fn can_transition_to(self, to: PluginState) -> bool {
        use PluginState::{
            Discovered, Failed, Loaded, Loading, Running, Starting, Stopped, Stopping, Unloaded,
            Unloading,
        };
        matches!(
            (self, to),
            (Discovered | Failed | Unloaded, Loading)
                | (Discovered | Unloading, Unloaded)
                | (Loading, Loaded | Failed)
                | (Loaded | Stopped, Starting)
                | (Loaded | Stopped | Failed, Unloading)
                | (Loaded | Starting | Running | Stopping, Failed)
                | (Starting, Running)
                | (Running, Stopping)
                | (Stopping, Stopped)
        )
    }

    /// Whether calls may be served.
    pub const fn is_serving(self) -> bool {
        matches!(self, PluginState::Running)
    }
}

impl fmt::Display for PluginState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One plugin's current state, changed only through validated transitions.
#[derive(Debug, Clone)]
pub struct StateMachine {
    plugin: String,
    state: PluginState,
    since: Instant,
}

impl StateMachine {
    /// A machine for `plugin`, in `Discovered`.
    pub fn new(plugin: impl Into<String>) -> Self {
        StateMachine {
            plugin: plugin.into(),
            state: PluginState::Discovered,
            since: Instant::now(),
        }
    }

    /// The current state.
    pub fn state(&self) -> PluginState {
        self.state
    }

    /// When the current state was entered.
    pub fn since(&self) -> Instant {
        self.since
    }

    /// Move to `to`, returning the event to publish; an invalid transition
    /// is a `Conflict` error and changes nothing.
    pub fn transition(
        &mut self,
        to: PluginState,
        reason: impl Into<String>,
    ) -> Result<PluginEvent> {
        let from = self.state;
        if !from.can_transition_to(to) {
            return Err(Error::new(
                ErrorKind::Conflict,
                format!(
                    "plugin `{}`: invalid lifecycle transition {from} → {to}",
                    self.plugin
                ),
            )
            .with_provider(self.plugin.clone()));
        }
        self.state = to;
        self.since = Instant::now();
        Ok(PluginEvent::new(
            self.plugin.clone(),
            EventKind::Transition {
                from,
                to,
                reason: reason.into(),
            },
        ))
    }
}

/// Something that happened to a plugin, as broadcast by the host.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginEvent {
    /// The plugin id.
    pub plugin: String,
    /// When (monotonic clock; follows paused time in tests).
    pub at: Instant,
    /// When (wall clock, for logs).
    pub wall: SystemTime,
    /// What happened.
    pub kind: EventKind,
}

impl PluginEvent {
    /// An event stamped now.
    pub fn new(plugin: impl Into<String>, kind: EventKind) -> Self {
        PluginEvent {
            plugin: plugin.into(),
            at: Instant::now(),
            wall: SystemTime::now(),
            kind,
        }
    }

    /// The transition, if this event is one.
    pub fn transition(&self) -> Option<(PluginState, PluginState)> {
        match &self.kind {
            EventKind::Transition { from, to, .. } => Some((*from, *to)),
            _ => None,
        }
    }
}

/// The kinds of [`PluginEvent`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EventKind {
    /// The lifecycle state changed.
    Transition {
        /// The state left.
        from: PluginState,
        /// The state entered.
        to: PluginState,
        /// Why.
        reason: String,
    },
    /// A new instance replaced the running one.
    Swapped {
        /// The version replaced.
        from: Version,
        /// The version now serving.
        to: Version,
        /// The new instance's generation number.
        generation: u64,
    },
    /// The old instance of a swap finished draining and was disposed.
    Retired {
        /// Its generation number.
        generation: u64,
        /// Whether every in-flight call finished before the drain deadline.
        drained: bool,
    },
    /// A swap failed; the old instance keeps serving.
    SwapRolledBack {
        /// Why the new instance was rejected.
        reason: String,
    },
    /// A health check ran.
    Health {
        /// The result.
        status: crate::plugin::HealthStatus,
    },
    /// Permissions the manifest asked for but trust withheld.
    PermissionsWithheld {
        /// Each withheld permission.
        withheld: Vec<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use PluginState::*;

    /// The complete table: every allowed (from, to) pair.
    const ALLOWED: &[(PluginState, PluginState)] = &[
        (Discovered, Loading),
        (Discovered, Unloaded),
        (Loading, Loaded),
        (Loading, Failed),
        (Loaded, Starting),
        (Loaded, Unloading),
        (Loaded, Failed),
        (Starting, Running),
        (Starting, Failed),
        (Running, Stopping),
        (Running, Failed),
        (Stopping, Stopped),
        (Stopping, Failed),
        (Stopped, Starting),
        (Stopped, Unloading),
        (Failed, Unloading),
        (Failed, Loading),
        (Unloading, Unloaded),
        (Unloaded, Loading),
    ];

    #[test]
    fn every_transition_is_in_the_table_or_refused() {
        let mut allowed = 0;
        for from in PluginState::ALL {
            for to in PluginState::ALL {
                let expected = ALLOWED.contains(&(from, to));
                assert_eq!(from.can_transition_to(to), expected, "{from} → {to}");
                let mut m = StateMachine {
                    plugin: "p".into(),
                    state: from,
                    since: Instant::now(),
                };
                match m.transition(to, "test") {
                    Ok(ev) => {
                        assert!(expected, "{from} → {to} should be refused");
                        assert_eq!(ev.transition(), Some((from, to)));
                        assert_eq!(ev.plugin, "p");
                        assert!(
                            matches!(&ev.kind, EventKind::Transition { reason, .. } if reason == "test")
                        );
                        assert_eq!(m.state(), to);
                        allowed += 1;
                    }
                    Err(e) => {
                        assert!(!expected, "{from} → {to} should be allowed");
                        assert_eq!(e.kind(), ErrorKind::Conflict);
                        assert!(e.to_string().contains(&format!("{from} → {to}")), "{e}");
                        assert_eq!(m.state(), from, "a refused transition changes nothing");
                    }
                }
            }
        }
        assert_eq!(allowed, ALLOWED.len());
        // no self-loops: every transition is a real change
        assert!(PluginState::ALL.iter().all(|s| !s.can_transition_to(*s)));
    }

    #[tokio::test(start_paused = true)]
    async fn transitions_are_stamped_with_the_tokio_clock() {
        let mut m = StateMachine::new("p");
        let t0 = Instant::now();
        tokio::time::advance(std::time::Duration::from_secs(5)).await;
        let ev = m.transition(Loading, "load").unwrap();
        assert_eq!(ev.at - t0, std::time::Duration::from_secs(5));
        assert_eq!(m.since(), ev.at);
    }
}
