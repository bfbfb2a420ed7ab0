//! Conformance suites: behaviour every implementation of a provider trait
//! must show, one suite per family.
//!
//! ```text
//! conformance::git::run(&provider, &GitSetup::default()).await.assert_passed();
//! ```
//!
//! Each suite drives the provider only through its trait, so it runs the
//! same against the in-memory fakes, against an adapter pointed at a
//! `wiremock` server, or against a real service. What every suite checks:
//!
//! * **round trips**: what is created can be fetched back equal (on the
//!   fields the caller chose), shows up in listings, can be changed, and
//!   after deletion answers `NotFound`;
//! * **pagination**: walking a listing page by page with a small page size
//!   yields every item exactly once, no page is larger than asked, and no
//!   cursor repeats;
//! * **errors**: a missing object is `NotFound`, invalid parameters are
//!   `InvalidInput` naming the field, a duplicate is `Conflict` (where the
//!   family has unique names);
//! * **honest capabilities**: `capabilities()` belongs to the family, and
//!   every operation it leaves out answers `Unsupported` (called with
//!   default parameters) instead of a fake success.
//!
//! Checks that need an operation the provider does not claim are skipped
//! (and listed as such), never failed. A suite needs no more than its
//! setup struct: `GitSetup`, `CiCdSetup`, … name the fixture objects a real
//! provider needs (an owner to create repositories under, an existing CI
//! project, the chat model) and the prefix of everything the suite creates.
//! Names are derived from that prefix deterministically, so a recorded or
//! `wiremock`-scripted run sees the same requests every time.
//!
//! # Outcome
//!
//! `run` never panics because of the provider: it returns a [`Report`]
//! listing every check as passed, failed (with the reason) or skipped.
//! [`Report::assert_passed`] panics with the whole report when a check
//! failed; [`Report::into_result`] gives a `Result` instead. Suites that
//! wait for provider-side progress (a CI pipeline finishing, a workflow
//! execution) sleep on tokio's clock, so a `start_paused` test against a
//! fake finishes instantly.

pub mod ai;
pub mod cicd;
pub mod git;
pub mod kb;
pub mod project;
pub mod workflow;

use std::fmt;
use std::future::Future;

use mosaic_core::{Error, ErrorKind, OpKind, Page, Paginated, Result};

/// How one check ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The provider behaved as required.
    Passed,
    /// It did not; the reason says how.
    Failed(String),
    /// The check needs an operation the provider does not claim, or a
    /// fixture the setup did not give.
    Skipped(String),
}

/// One named check of a suite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked, e.g. `repository: create then get returns it`.
    pub name: &'static str,
    /// How it ended.
    pub outcome: Outcome,
}

/// The result of a conformance run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    suite: &'static str,
    checks: Vec<Check>,
}

impl Report {
    pub(crate) fn new(suite: &'static str) -> Self {
        Report {
            suite,
            checks: Vec::new(),
        }
    }

    /// The suite's name (`git`, `cicd`, …).
    pub fn suite(&self) -> &'static str {
        self.suite
    }

    /// Every check, in the order run.
    pub fn checks(&self) -> &[Check] {
        &self.checks
    }

    /// The checks that failed.
    pub fn failures(&self) -> Vec<&Check> {
        self.with(|o| matches!(o, Outcome::Failed(_)))
    }

    /// The checks that were skipped.
    pub fn skipped(&self) -> Vec<&Check> {
        self.with(|o| matches!(o, Outcome::Skipped(_)))
    }

    /// The checks that passed.
    pub fn passed(&self) -> Vec<&Check> {
        self.with(|o| *o == Outcome::Passed)
    }

    /// Whether no check failed.
    pub fn is_success(&self) -> bool {
        self.failures().is_empty()
    }

    /// The outcome of the check named `name`, if it ran.
    pub fn outcome(&self, name: &str) -> Option<&Outcome> {
        self.checks
            .iter()
            .find(|c| c.name == name)
            .map(|c| &c.outcome)
    }

    /// Panic, printing the whole report, if a check failed.
    ///
    /// # Panics
    /// When [`is_success`](Self::is_success) is false.
    #[track_caller]
    pub fn assert_passed(&self) -> &Self {
        assert!(self.is_success(), "conformance suite failed:\n{self}");
        self
    }

    /// Panic unless no check was skipped either (for implementations that
    /// claim every operation, such as the fakes).
    ///
    /// # Panics
    /// When a check failed or was skipped.
    #[track_caller]
    pub fn assert_complete(&self) -> &Self {
        self.assert_passed();
        assert!(
            self.skipped().is_empty(),
            "conformance suite skipped checks:\n{self}"
        );
        self
    }

    /// `Ok(self)` when no check failed, `Err(self)` otherwise.
    pub fn into_result(self) -> std::result::Result<Report, Report> {
        if self.is_success() {
            Ok(self)
        } else {
            Err(self)
        }
    }

    fn with(&self, f: impl Fn(&Outcome) -> bool) -> Vec<&Check> {
        self.checks.iter().filter(|c| f(&c.outcome)).collect()
    }

    pub(crate) fn record(&mut self, name: &'static str, result: CheckResult) {
        let outcome = match result {
            Ok(()) => Outcome::Passed,
            Err(Fail::Failed(why)) => Outcome::Failed(why),
            Err(Fail::Skipped(why)) => Outcome::Skipped(why),
        };
        self.checks.push(Check { name, outcome });
    }

    pub(crate) fn skip(&mut self, name: &'static str, why: impl Into<String>) {
        self.checks.push(Check {
            name,
            outcome: Outcome::Skipped(why.into()),
        });
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} conformance: {} passed, {} failed, {} skipped",
            self.suite,
            self.passed().len(),
            self.failures().len(),
            self.skipped().len()
        )?;
        for c in &self.checks {
            match &c.outcome {
                Outcome::Passed => writeln!(f, "  ok      {}", c.name)?,
                Outcome::Failed(why) => writeln!(f, "  FAILED  {}: {why}", c.name)?,
                Outcome::Skipped(why) => writeln!(f, "  skipped {} ({why})", c.name)?,
            }
        }
        Ok(())
    }
}

/// Why a check did not pass.
#[derive(Debug)]
pub(crate) enum Fail {
    Failed(String),
    Skipped(String),
}

pub(crate) type CheckResult<T = ()> = std::result::Result<T, Fail>;

/// `Err(Fail::Failed(..))` from a format string.
macro_rules! fail {
    ($($arg:tt)*) => { return Err($crate::conformance::Fail::Failed(format!($($arg)*))) };
}
pub(crate) use fail;

/// Fail the check unless `cond` holds.
macro_rules! ensure {
    ($cond:expr, $($arg:tt)*) => {
        let ok: bool = $cond;
        if !ok { $crate::conformance::fail!($($arg)*); }
    };
}
pub(crate) use ensure;

/// Turn a provider error into a failed check naming the call.
pub(crate) trait Ctx<T> {
    fn ctx(self, call: &str) -> CheckResult<T>;
}

impl<T> Ctx<T> for Result<T> {
    fn ctx(self, call: &str) -> CheckResult<T> {
        self.map_err(|e| Fail::Failed(format!("{call} failed: {e} ({})", e.kind())))
    }
}

/// Skip the check unless every operation is claimed.
/// Every operation of `K`'s family that `caps` leaves out answers
/// `Unsupported` when `call` sends it with default parameters; skipped
/// when the provider claims every operation.
pub(crate) async fn unsupported<K, F, Fut>(
    caps: &mosaic_core::Capabilities,
    mut call: F,
) -> CheckResult
where
    K: OpKind,
    F: FnMut(K) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let mut offenders = Vec::new();
    let mut tried = 0;
    for op in K::ALL {
        if caps.supports(*op) {
            continue;
        }
        tried += 1;
        match call(*op).await {
            Err(e) if e.kind() == ErrorKind::Unsupported => {}
            Err(e) => offenders.push(format!("{} → {}", op.name(), e.kind())),
            Ok(()) => offenders.push(format!("{} → success", op.name())),
        }
    }
    if tried == 0 {
        return Err(Fail::Skipped("every operation is supported".into()));
    }
    ensure!(
        offenders.is_empty(),
        "operations left out of capabilities() did not answer Unsupported: {}",
        offenders.join(", ")
    );
    Ok(())
}

pub(crate) fn need<K: OpKind>(caps: &mosaic_core::Capabilities, ops: &[K]) -> CheckResult {
    let missing: Vec<&str> = ops
        .iter()
        .filter(|o| !caps.supports(**o))
        .map(|o| o.name())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Fail::Skipped(format!(
            "not supported: {}",
            missing.join(", ")
        )))
    }
}

/// Require an error of `kind` from `call`.
pub(crate) fn expect_kind<T: fmt::Debug>(
    call: &str,
    r: Result<T>,
    kind: ErrorKind,
) -> CheckResult<Error> {
    match r {
        Ok(v) => fail!("{call} succeeded ({v:?}); expected a {kind} error"),
        Err(e) if e.kind() == kind => Ok(e),
        Err(e) => fail!("{call}: expected a {kind} error, got {} ({e})", e.kind()),
    }
}

/// Require `InvalidInput` naming `field` (exactly, or as the first segment
/// of a longer path such as `field.sub` or `field[0]`).
pub(crate) fn expect_invalid<T: fmt::Debug>(call: &str, r: Result<T>, field: &str) -> CheckResult {
    let e = expect_kind(call, r, ErrorKind::InvalidInput)?;
    let named = e.fields().iter().any(|f| {
        f.field == field
            || f.field.starts_with(&format!("{field}."))
            || f.field.starts_with(&format!("{field}["))
            || f.field.starts_with(&format!("/{field}"))
    });
    ensure!(
        named,
        "{call}: InvalidInput does not name `{field}` (fields: {:?}, message: {e})",
        e.fields()
            .iter()
            .map(|f| f.field.as_str())
            .collect::<Vec<_>>()
    );
    Ok(())
}

/// Walk every page of a listing; check page sizes and cursors.
pub(crate) async fn walk<P, T, F, Fut>(
    call: &str,
    mut params: P,
    mut fetch: F,
) -> CheckResult<Vec<T>>
where
    P: Paginated,
    F: FnMut(P) -> Fut,
    Fut: Future<Output = Result<Page<T>>>,
{
    let per_page = params.page().per_page;
    let mut items = Vec::new();
    let mut seen_cursors = Vec::new();
    for _ in 0..1000 {
        let page = fetch(params.clone()).await.ctx(call)?;
        if let Some(size) = per_page {
            ensure!(
                page.items.len() <= size as usize,
                "{call}: a page of {} items, but {size} per page were asked",
                page.items.len()
            );
        }
        items.extend(page.items);
        match page.next {
            None => return Ok(items),
            Some(next) => {
                ensure!(
                    !seen_cursors.contains(&next),
                    "{call}: cursor `{}` was handed out twice",
                    next.as_str()
                );
                seen_cursors.push(next.clone());
                params.page_mut().cursor = Some(next);
            }
        }
    }
    fail!("{call}: more than 1000 pages")
}

/// Check that `keys` holds each of `expected` exactly once and no key twice.
pub(crate) fn exactly_once(call: &str, keys: &[String], expected: &[String]) -> CheckResult {
    let mut sorted = keys.to_vec();
    sorted.sort();
    if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
        fail!("{call}: `{}` was listed more than once", w[0]);
    }
    for e in expected {
        ensure!(
            keys.contains(e),
            "{call}: `{e}` is missing from the listing"
        );
    }
    Ok(())
}

/// Sleep on tokio's clock between polls of eventually consistent state.
pub(crate) async fn pause(d: std::time::Duration) {
    tokio::time::sleep(d).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_render_and_judge() {
        let mut r = Report::new("demo");
        r.record("a", Ok(()));
        r.record("b", Err(Fail::Failed("wrong".into())));
        r.skip("c", "not supported: x");
        assert!(!r.is_success());
        let text = r.to_string();
        assert!(text.contains("1 passed, 1 failed, 1 skipped"), "{text}");
        assert!(text.contains("FAILED  b: wrong"), "{text}");
        assert_eq!(
            r.outcome("c"),
            Some(&Outcome::Skipped("not supported: x".into()))
        );
        assert!(r.clone().into_result().is_err());
        let caught = std::panic::catch_unwind(|| {
            r.assert_passed();
        });
        assert!(caught.is_err());
    }

    #[test]
    fn invalid_input_must_name_the_field() {
        let r: Result<()> = Err(Error::invalid_input("repo.name", "empty"));
        assert!(expect_invalid("x", r.clone(), "repo").is_ok());
        assert!(expect_invalid("x", r, "name").is_err());
        let ok: Result<u8> = Ok(1);
        assert!(expect_invalid("x", ok, "name").is_err());
    }

    #[test]
    fn exactly_once_finds_duplicates_and_gaps() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(exactly_once("l", &s(&["a", "b"]), &s(&["a"])).is_ok());
        assert!(exactly_once("l", &s(&["a", "a"]), &s(&["a"])).is_err());
        assert!(exactly_once("l", &s(&["b"]), &s(&["a"])).is_err());
    }
}
