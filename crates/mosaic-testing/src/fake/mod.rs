//! Stateful in-memory providers, one per family.
//!
//! Each fake behaves like a small real provider rather than replying with a
//! canned value: what is created can be fetched, listed (paginated),
//! updated and deleted, and afterwards answers `NotFound`. Input is
//! validated the way a provider would (an empty name is `InvalidInput`
//! naming the field, a duplicate is `Conflict`, a missing object is
//! `NotFound`).
//!
//! Every fake shares the same test controls:
//!
//! * **a handle, not a value**: fakes are cheap to clone and every clone
//!   sees the same state, so a test keeps one clone for inspection and hands
//!   another to `GitService::new(..)` or to its own code;
//! * **seeding**: `seed_*` methods add data without going through the call
//!   log or planned failures. The git, CI/CD, knowledge-base, tracker and
//!   AI fakes seed through builders that name every field and create what
//!   the seed needs (a repository, branches, a commit on a pull request's
//!   head, a CI project), or fail with an `InvalidInput` error naming what
//!   is missing:
//!
//!   ```
//!   # use mosaic_testing::FakeGit;
//!   let git = FakeGit::new();
//!   let pr = git.seed_pull_request("acme/site").head("feature").title("Fix footer").create()?;
//!   assert_eq!((pr.head.as_str(), pr.base.as_str()), ("feature", "main"));
//!   # Ok::<(), mosaic_core::Error>(())
//!   ```
//! * **inspection**: [`calls`](FakeGit::calls) returns every call with its
//!   operation name and parameters as JSON (secrets print `[REDACTED]`),
//!   plus family-specific read-outs of the stored state;
//!   [`record_calls(false)`](FakeGit::record_calls) stops the log for soak
//!   runs;
//! * **failures on demand**: [`fail_next`](FakeGit::fail_next) makes the
//!   next call(s) of one operation fail with a given error,
//!   [`fail_always`](FakeGit::fail_always) until cleared; for random or
//!   timed faults put a [`FaultLayer`](crate::FaultLayer) in front;
//! * **truthful capabilities**: a fake supports every operation of its
//!   family until [`disable`](FakeGit::disable) removes one; a disabled
//!   operation then answers `Unsupported` and is missing from
//!   `capabilities()`;
//! * **latency**: [`set_latency`](FakeGit::set_latency) delays every call
//!   on tokio's clock (so paused-time tests stay instant).
//!
//! Errors carry the fake's provider name ([`FakeGit::named`]), so a router
//! test with several fakes can tell which one answered.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use mosaic_core::{Capabilities, Error, OpKind, Result};
use parking_lot::Mutex;
use serde::Serialize;

mod ai;
mod cicd;
mod git;
mod kb;
mod project;
mod workflow;

pub use ai::{
    AiReply, CHAT_MODEL, EMBED_DIMENSIONS, EMBED_MODEL, FakeAi, ModelSeed, Price, count_tokens,
    embed_text,
};
pub use cicd::{CiProjectSeed, DefinitionSeed, FakeCiCd, JobPlan, PipelinePlan, PipelineScript};
pub use git::{
    BranchSeed, FakeGit, FileSeed, GitIssueSeed, PullRequestSeed, RepoSpec, RepositorySeed,
};
pub use kb::{FakeKnowledgeBase, PageSeed, SpaceSeed};
pub use project::{FakeProject, TrackerIssueSeed, TrackerProjectSeed, UserSeed};
pub use workflow::FakeWorkflow;

/// One recorded call of a fake.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The operation name, e.g. `git.repository.create`.
    pub operation: &'static str,
    /// The parameters, serialized (secrets appear as `[REDACTED]`).
    pub params: serde_json::Value,
}

impl Call {
    /// The parameter at a JSON pointer (`/name`, `/repo/owner`), if present.
    pub fn param(&self, pointer: &str) -> Option<&serde_json::Value> {
        self.params.pointer(pointer)
    }
}

#[derive(Default)]
struct FailurePlan {
    next: VecDeque<Error>,
    always: Option<Error>,
}

/// The controls every fake shares: call log, injected failures, disabled
/// operations, latency and the provider name.
pub(crate) struct Core {
    name: Arc<str>,
    capabilities: Mutex<Capabilities>,
    calls: Mutex<Vec<Call>>,
    recording: std::sync::atomic::AtomicBool,
    failures: Mutex<HashMap<&'static str, FailurePlan>>,
    latency: Mutex<Duration>,
    clock: FakeClock,
}

impl fmt::Debug for Core {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Core")
            .field("name", &self.name)
            .field("capabilities", &*self.capabilities.lock())
            .field("calls", &self.calls.lock().len())
            .finish()
    }
}

impl Core {
    pub(crate) fn new<K: OpKind>(name: &str) -> Self {
        Core {
            name: Arc::from(name),
            capabilities: Mutex::new(Capabilities::all::<K>()),
            calls: Mutex::new(Vec::new()),
            recording: std::sync::atomic::AtomicBool::new(true),
            failures: Mutex::new(HashMap::new()),
            latency: Mutex::new(Duration::ZERO),
            clock: FakeClock::new(),
        }
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn clock(&self) -> &FakeClock {
        &self.clock
    }

    /// Record the call, wait the configured latency, then refuse it when the
    /// operation is disabled or a failure is planned.
    pub(crate) async fn enter<K: OpKind>(&self, op: K, params: &impl Serialize) -> Result<()> {
        let operation = op.name();
        if self.recording.load(std::sync::atomic::Ordering::Relaxed) {
            let params = serde_json::to_value(params).unwrap_or_else(|e| {
                serde_json::Value::String(format!("<parameters not serializable: {e}>"))
            });
            self.calls.lock().push(Call { operation, params });
        }
        let latency = *self.latency.lock();
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        if !self.capabilities.lock().supports(op) {
            return Err(Error::unsupported(operation).with_provider(self.name.to_string()));
        }
        let mut failures = self.failures.lock();
        if let Some(plan) = failures.get_mut(operation) {
            if let Some(e) = plan.next.pop_front() {
                return Err(e);
            }
            if let Some(e) = &plan.always {
                return Err(e.clone());
            }
        }
        Ok(())
    }

    /// Attach the provider name to an error.
    pub(crate) fn tag(&self, e: Error) -> Error {
        if e.provider().is_some() {
            e
        } else {
            e.with_provider(self.name.to_string())
        }
    }

    pub(crate) fn capabilities(&self) -> Capabilities {
        *self.capabilities.lock()
    }

    pub(crate) fn disable<K: OpKind>(&self, op: K) {
        let mut c = self.capabilities.lock();
        *c = c.without(op);
    }

    pub(crate) fn enable<K: OpKind>(&self, op: K) {
        let mut c = self.capabilities.lock();
        *c = c.with(op);
    }

    pub(crate) fn calls(&self) -> Vec<Call> {
        self.calls.lock().clone()
    }

    pub(crate) fn calls_to(&self, operation: &str) -> Vec<Call> {
        self.calls
            .lock()
            .iter()
            .filter(|c| c.operation == operation)
            .cloned()
            .collect()
    }

    pub(crate) fn clear_calls(&self) {
        self.calls.lock().clear();
    }

    pub(crate) fn record_calls(&self, enabled: bool) {
        self.recording
            .store(enabled, std::sync::atomic::Ordering::Relaxed);
    }

    pub(crate) fn fail_next(&self, operation: &'static str, error: Error) {
        let error = self.tag(error);
        self.failures
            .lock()
            .entry(operation)
            .or_default()
            .next
            .push_back(error);
    }

    pub(crate) fn fail_always(&self, operation: &'static str, error: Error) {
        let error = self.tag(error);
        self.failures.lock().entry(operation).or_default().always = Some(error);
    }

    pub(crate) fn clear_failures(&self) {
        self.failures.lock().clear();
    }

    pub(crate) fn set_latency(&self, latency: Duration) {
        *self.latency.lock() = latency;
    }
}

/// Generates the shared test controls as inherent methods of a fake.
macro_rules! fake_controls {
    ($Fake:ident, $Kind:ty, $default_name:literal) => {
        impl $Fake {
            /// The provider name errors carry (default
            #[doc = concat!("`", $default_name, "`).")]
            pub fn provider_name(&self) -> &str {
                self.core.name()
            }

            /// Every call so far, oldest first.
            pub fn calls(&self) -> Vec<$crate::fake::Call> {
                self.core.calls()
            }

            /// The calls of one operation, oldest first.
            pub fn calls_to(&self, op: $Kind) -> Vec<$crate::fake::Call> {
                self.core.calls_to(mosaic_core::OpKind::name(op))
            }

            /// How many times `op` was called.
            pub fn call_count(&self, op: $Kind) -> usize {
                self.calls_to(op).len()
            }

            /// Forget the recorded calls.
            pub fn clear_calls(&self) {
                self.core.clear_calls()
            }

            /// Turn the call log on (the default) or off. Long soak runs and
            /// benchmarks turn it off so it does not grow without bound.
            pub fn record_calls(&self, enabled: bool) {
                self.core.record_calls(enabled)
            }

            /// Make the next call of `op` fail with `error` (queued: call it
            /// twice to fail the next two calls). The call is still recorded.
            pub fn fail_next(&self, op: $Kind, error: mosaic_core::Error) {
                self.core.fail_next(mosaic_core::OpKind::name(op), error)
            }

            /// Make every call of `op` fail with `error` until
            /// [`clear_failures`](Self::clear_failures).
            pub fn fail_always(&self, op: $Kind, error: mosaic_core::Error) {
                self.core.fail_always(mosaic_core::OpKind::name(op), error)
            }

            /// Remove every planned failure.
            pub fn clear_failures(&self) {
                self.core.clear_failures()
            }

            /// Stop offering `op`: it answers `Unsupported` and leaves
            /// `capabilities()`.
            pub fn disable(&self, op: $Kind) {
                self.core.disable(op)
            }

            /// Offer `op` again.
            pub fn enable(&self, op: $Kind) {
                self.core.enable(op)
            }

            /// Delay every call by `latency` (on tokio's clock).
            pub fn set_latency(&self, latency: std::time::Duration) {
                self.core.set_latency(latency)
            }
        }
    };
}
pub(crate) use fake_controls;

/// Timestamps for fakes: a fixed epoch (2024-01-01T00:00:00Z) plus the tokio
/// time elapsed since the fake was made, so paused-time tests see stable,
/// advancing timestamps.
#[derive(Debug, Clone)]
pub(crate) struct FakeClock {
    origin: tokio::time::Instant,
}

/// 2024-01-01T00:00:00Z in Unix seconds.
const EPOCH: u64 = 1_704_067_200;

impl FakeClock {
    pub(crate) fn new() -> Self {
        FakeClock {
            origin: tokio::time::Instant::now(),
        }
    }

    pub(crate) fn unix_seconds(&self) -> u64 {
        EPOCH + self.origin.elapsed().as_secs()
    }

    pub(crate) fn now(&self) -> String {
        rfc3339(self.unix_seconds())
    }

    /// The timestamp of a tokio instant (instants before the clock's origin
    /// map to the epoch).
    pub(crate) fn at(&self, instant: tokio::time::Instant) -> String {
        rfc3339(EPOCH + instant.saturating_duration_since(self.origin).as_secs())
    }
}

/// Format Unix seconds as an RFC 3339 UTC timestamp.
pub(crate) fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a (year, month, day) in the proleptic Gregorian
/// calendar.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A deterministic 40-hex-digit digest (shaped like a git SHA-1; not
/// cryptographic) of some byte strings.
pub(crate) fn digest(parts: &[&[u8]]) -> String {
    let mut out = String::with_capacity(40);
    for lane in 0u64..3 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ lane.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        for part in parts {
            for &b in *part {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
            // separate parts so ("ab","c") and ("a","bc") differ
            h ^= 0xff;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // final avalanche (splitmix64)
        h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^= h >> 31;
        out.push_str(&format!("{h:016x}"));
    }
    out.truncate(40);
    out
}

/// `InvalidInput` unless `value` has non-whitespace content.
pub(crate) fn require(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        Err(Error::invalid_input(field, "must not be empty"))
    } else {
        Ok(())
    }
}

/// `InvalidInput` unless `value` is a plain name: non-empty, at most 100
/// characters, no whitespace, no `/`, not `.` or `..`.
pub(crate) fn require_name(field: &str, value: &str) -> Result<()> {
    require(field, value)?;
    if value.len() > 100 {
        return Err(Error::invalid_input(field, "is longer than 100 characters"));
    }
    if value == "." || value == ".." {
        return Err(Error::invalid_input(field, "must not be `.` or `..`"));
    }
    if let Some(c) = value
        .chars()
        .find(|c| c.is_whitespace() || *c == '/' || c.is_control())
    {
        return Err(Error::invalid_input(
            field,
            format!("contains the character {c:?}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(EPOCH), "2024-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(EPOCH + 86_400 * 59 + 3661), "2024-02-29T01:01:01Z");
    }

    #[test]
    fn digests_are_stable_and_distinct() {
        let a = digest(&[b"ab", b"c"]);
        assert_eq!(a.len(), 40);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(a, digest(&[b"ab", b"c"]));
        assert_ne!(a, digest(&[b"a", b"bc"]));
    }

    #[test]
    fn names_are_validated() {
        assert!(require_name("name", "tools").is_ok());
        for bad in ["", "  ", "a b", "a/b", "..", &"x".repeat(101)] {
            let e = require_name("name", bad).unwrap_err();
            assert_eq!(e.field(), Some("name"), "{bad:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_clock_follows_tokio_time() {
        let clock = FakeClock::new();
        assert_eq!(clock.now(), "2024-01-01T00:00:00Z");
        tokio::time::advance(Duration::from_secs(90)).await;
        assert_eq!(clock.now(), "2024-01-01T00:01:30Z");
    }
}
