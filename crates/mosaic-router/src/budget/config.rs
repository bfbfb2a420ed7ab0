//! [`BudgetLimit`], [`BudgetWindow`], [`Scope`], [`StoreFailure`] and
//! [`BudgetConfig`].

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mosaic_core::ai::price::PriceTable;
use mosaic_core::error::BudgetAmount;
use mosaic_core::{Error, Result};

use super::clock::{Clock, SystemClock, civil_from_days, days_from_civil, unix_secs};
use super::store::{BudgetStore, MAX_UNITS, MemoryBudgetStore, NANO_USD_PER_USD};

/// The period a budget counts over, aligned to the UTC calendar: a minute
/// starts at second 0, an hour at minute 0, a day at 00:00 UTC and a month
/// at 00:00 UTC on the 1st. When a window ends the budget starts again from
/// zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BudgetWindow {
    /// A calendar minute.
    Minute,
    /// A calendar hour.
    Hour,
    /// A UTC day.
    Day,
    /// A UTC calendar month.
    Month,
}

impl BudgetWindow {
    /// The window that holds `now`: its start and its end (the reset).
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use mosaic_router::budget::BudgetWindow;
    /// // 2024-02-10T13:14:15Z
    /// let now = UNIX_EPOCH + Duration::from_secs(1_707_570_855);
    /// let (start, end) = BudgetWindow::Month.bounds(now);
    /// assert_eq!(start, UNIX_EPOCH + Duration::from_secs(1_706_745_600)); // 2024-02-01
    /// assert_eq!(end, UNIX_EPOCH + Duration::from_secs(1_709_251_200)); // 2024-03-01 (a leap year)
    /// ```
    pub fn bounds(self, now: SystemTime) -> (SystemTime, SystemTime) {
        let (start, end) = self.bounds_secs(unix_secs(now));
        (
            UNIX_EPOCH + Duration::from_secs(start),
            UNIX_EPOCH + Duration::from_secs(end),
        )
    }

    /// [`bounds`](Self::bounds) in seconds after the Unix epoch.
    pub(crate) fn bounds_secs(self, now: u64) -> (u64, u64) {
        let aligned = |len: u64| {
            let start = now - now % len;
            (start, start + len)
        };
        match self {
            BudgetWindow::Minute => aligned(60),
            BudgetWindow::Hour => aligned(3_600),
            BudgetWindow::Day => aligned(86_400),
            BudgetWindow::Month => {
                let (year, month, _) = civil_from_days((now / 86_400) as i64);
                let start = days_from_civil(year, month, 1);
                let end = days_from_civil(year, month + 1, 1);
                (start as u64 * 86_400, end as u64 * 86_400)
            }
        }
    }

    /// `minute`, `hour`, `day` or `month`.
    pub const fn as_str(self) -> &'static str {
        match self {
            BudgetWindow::Minute => "minute",
            BudgetWindow::Hour => "hour",
            BudgetWindow::Day => "day",
            BudgetWindow::Month => "month",
        }
    }
}

impl fmt::Display for BudgetWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which values of one request attribute (tenant, principal or model) a
/// [`BudgetLimit`] counts, and whether they share it.
///
/// From a string: `"*"` is [`Each`](Scope::Each), anything else
/// [`Only`](Scope::Only) that value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Scope {
    /// Every value (and requests without one) counts against one shared
    /// budget: the attribute does not divide the budget.
    #[default]
    Shared,
    /// Each value has a budget of its own (requests without a value share
    /// one, under the empty value).
    Each,
    /// Only requests with this value count; the budget does not apply to
    /// others.
    Only(Arc<str>),
}

impl Scope {
    /// Whether a request with `value` is counted.
    pub(crate) fn matches(&self, value: Option<&str>) -> bool {
        match self {
            Scope::Only(v) => value == Some(&**v),
            Scope::Shared | Scope::Each => true,
        }
    }
}

impl From<&str> for Scope {
    fn from(value: &str) -> Self {
        if value == "*" {
            Scope::Each
        } else {
            Scope::Only(value.into())
        }
    }
}

impl From<String> for Scope {
    fn from(value: String) -> Self {
        Scope::from(value.as_str())
    }
}

impl From<Arc<str>> for Scope {
    fn from(value: Arc<str>) -> Self {
        if &*value == "*" {
            Scope::Each
        } else {
            Scope::Only(value)
        }
    }
}

/// One budget: at most an amount (US dollars or tokens) per calendar
/// window, for the requests its scope selects.
///
/// A budget is *hard* (the default: a call that would pass it is refused
/// with `BudgetExceeded`) or *soft* (the call goes ahead and a
/// [`BudgetEvent::SoftLimitExceeded`](super::BudgetEvent) is sent).
/// Tokens count prompt plus generated tokens.
///
/// ```
/// use mosaic_router::budget::{BudgetLimit, BudgetWindow, Scope};
/// // every tenant may spend 50 USD a day
/// let daily = BudgetLimit::usd("tenant-daily", 50.0, BudgetWindow::Day).per_tenant();
/// // acme's alice: 100k tokens a minute on each model, as a warning only
/// let alice = BudgetLimit::tokens("alice-minute", 100_000, BudgetWindow::Minute)
///     .tenant("acme")
///     .principal("alice")
///     .model("*")
///     .soft();
/// assert_eq!(alice.model_scope(), &Scope::Each);
/// assert!(daily.is_hard() && !alice.is_hard());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetLimit {
    pub(crate) name: Arc<str>,
    pub(crate) amount: BudgetAmount,
    pub(crate) window: BudgetWindow,
    pub(crate) hard: bool,
    pub(crate) tenant: Scope,
    pub(crate) principal: Scope,
    pub(crate) model: Scope,
}

impl BudgetLimit {
    /// A hard budget named `name` (unique within a layer; replicas sharing
    /// a store must use the same names) of `amount` per `window`, shared
    /// by every request.
    pub fn new(name: impl Into<Arc<str>>, amount: BudgetAmount, window: BudgetWindow) -> Self {
        BudgetLimit {
            name: name.into(),
            amount,
            window,
            hard: true,
            tenant: Scope::Shared,
            principal: Scope::Shared,
            model: Scope::Shared,
        }
    }

    /// `dollars` US dollars per `window`.
    pub fn usd(name: impl Into<Arc<str>>, dollars: f64, window: BudgetWindow) -> Self {
        Self::new(name, BudgetAmount::Usd(dollars), window)
    }

    /// `tokens` tokens (prompt plus generated) per `window`.
    pub fn tokens(name: impl Into<Arc<str>>, tokens: u64, window: BudgetWindow) -> Self {
        Self::new(name, BudgetAmount::Tokens(tokens), window)
    }

    /// Which tenants it counts (`"*"`: each its own; a name: only that one).
    pub fn tenant(mut self, scope: impl Into<Scope>) -> Self {
        self.tenant = scope.into();
        self
    }

    /// Give each tenant its own budget (`tenant("*")`).
    pub fn per_tenant(self) -> Self {
        self.tenant(Scope::Each)
    }

    /// Which principals (users, API keys) it counts (`"*"`: each its own;
    /// a name: only that one).
    pub fn principal(mut self, scope: impl Into<Scope>) -> Self {
        self.principal = scope.into();
        self
    }

    /// Give each principal its own budget (`principal("*")`).
    pub fn per_principal(self) -> Self {
        self.principal(Scope::Each)
    }

    /// Which models (as the request names them) it counts (`"*"`: each its
    /// own; a name: only that one).
    pub fn model(mut self, scope: impl Into<Scope>) -> Self {
        self.model = scope.into();
        self
    }

    /// Give each model its own budget (`model("*")`).
    pub fn per_model(self) -> Self {
        self.model(Scope::Each)
    }

    /// Make it soft: calls over it go ahead and an event is sent.
    pub fn soft(self) -> Self {
        self.hard(false)
    }

    /// Hard (refuse calls that would pass it) or soft.
    pub fn hard(mut self, hard: bool) -> Self {
        self.hard = hard;
        self
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The amount per window.
    pub fn amount(&self) -> BudgetAmount {
        self.amount
    }

    /// The window.
    pub fn window(&self) -> BudgetWindow {
        self.window
    }

    /// Whether calls over it are refused.
    pub fn is_hard(&self) -> bool {
        self.hard
    }

    /// Which tenants it counts.
    pub fn tenant_scope(&self) -> &Scope {
        &self.tenant
    }

    /// Which principals it counts.
    pub fn principal_scope(&self) -> &Scope {
        &self.principal
    }

    /// Which models it counts.
    pub fn model_scope(&self) -> &Scope {
        &self.model
    }

    /// The limit in store units (tokens, or nano-dollars).
    pub(crate) fn units(&self) -> u64 {
        match self.amount {
            BudgetAmount::Tokens(n) => n.min(MAX_UNITS),
            BudgetAmount::Usd(usd) => usd_to_units(usd),
        }
    }

    fn check(&self) -> Result<()> {
        let field = || format!("budgets/{}", self.name);
        if self.name.is_empty() {
            return Err(Error::invalid_input("budgets", "a budget needs a name"));
        }
        match self.amount {
            BudgetAmount::Usd(usd) if !(usd.is_finite() && usd >= 0.0) => Err(
                Error::invalid_input(field(), "a USD limit must be finite and not negative"),
            ),
            BudgetAmount::Usd(usd) if usd_to_units(usd) >= MAX_UNITS => Err(Error::invalid_input(
                field(),
                format!(
                    "a USD limit must be below {} USD",
                    MAX_UNITS as f64 / NANO_USD_PER_USD
                ),
            )),
            BudgetAmount::Tokens(n) if n >= MAX_UNITS => Err(Error::invalid_input(
                field(),
                format!("a token limit must be below {MAX_UNITS}"),
            )),
            _ => Ok(()),
        }
    }
}

/// Dollars in store units (nano-dollars), rounded, clamped to
/// `0..=MAX_UNITS`.
pub(crate) fn usd_to_units(usd: f64) -> u64 {
    let units = (usd * NANO_USD_PER_USD).round();
    if units.is_nan() || units <= 0.0 {
        0
    } else if units >= MAX_UNITS as f64 {
        MAX_UNITS
    } else {
        units as u64
    }
}

/// What a budget layer does when its store cannot be reached (only a
/// shared store such as Redis fails).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StoreFailure {
    /// Let the call through unmetered, send a
    /// [`BudgetEvent::StoreUnavailable`](super::BudgetEvent) and log a
    /// warning (at most one per second per layer). Availability over
    /// strictness; the default, as for the shared rate limiter.
    #[default]
    Open,
    /// Refuse the call with `Unavailable` (and send the event).
    Closed,
}

/// A budget layer's configuration: the price table that turns tokens into
/// dollars, the budgets, the store, the clock.
///
/// ```
/// use mosaic_core::ai::price::PriceTable;
/// use mosaic_router::budget::{BudgetConfig, BudgetLimit, BudgetWindow, MemoryBudgetStore};
/// let config = BudgetConfig::new(PriceTable::built_in())
///     .limit(BudgetLimit::usd("tenant-daily", 50.0, BudgetWindow::Day).per_tenant())
///     .limit(BudgetLimit::tokens("model-minute", 200_000, BudgetWindow::Minute).per_model())
///     .store(MemoryBudgetStore::new())
///     .fail_closed();
/// assert!(config.validate().is_ok());
/// assert_eq!(config.limits().len(), 2);
/// ```
#[derive(Clone)]
pub struct BudgetConfig {
    pub(crate) prices: PriceTable,
    pub(crate) limits: Vec<BudgetLimit>,
    pub(crate) store: Arc<dyn BudgetStore>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) failure: StoreFailure,
    pub(crate) allow_unpriced: bool,
    pub(crate) event_capacity: usize,
}

impl BudgetConfig {
    /// Budgets priced by `prices`; no budget yet, an in-process
    /// [`MemoryBudgetStore`], the system clock, fail open, unpriced models
    /// refused by USD budgets, room for 256 unread events per subscriber.
    pub fn new(prices: PriceTable) -> Self {
        BudgetConfig {
            prices,
            limits: Vec::new(),
            store: Arc::new(MemoryBudgetStore::new()),
            clock: Arc::new(SystemClock),
            failure: StoreFailure::Open,
            allow_unpriced: false,
            event_capacity: 256,
        }
    }

    /// Add a budget. Every budget whose scope selects a request is charged
    /// for it, all or none.
    pub fn limit(mut self, limit: BudgetLimit) -> Self {
        self.limits.push(limit);
        self
    }

    /// Add several budgets.
    pub fn limits_from(mut self, limits: impl IntoIterator<Item = BudgetLimit>) -> Self {
        self.limits.extend(limits);
        self
    }

    /// Keep the amounts spent in `store` (replicas that share a store and
    /// use the same budget names share the budgets).
    pub fn store<S: BudgetStore>(mut self, store: S) -> Self {
        self.store = Arc::new(store);
        self
    }

    /// Read wall-clock time (for the calendar windows) from `clock`.
    pub fn clock<C: Clock>(mut self, clock: C) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// What to do when the store cannot be reached.
    pub fn on_store_failure(mut self, failure: StoreFailure) -> Self {
        self.failure = failure;
        self
    }

    /// Let calls through unmetered when the store cannot be reached (the
    /// default).
    pub fn fail_open(self) -> Self {
        self.on_store_failure(StoreFailure::Open)
    }

    /// Refuse calls with `Unavailable` when the store cannot be reached.
    pub fn fail_closed(self) -> Self {
        self.on_store_failure(StoreFailure::Closed)
    }

    /// Whether a model without a price passes USD budgets as free
    /// (`true`) or is refused with `Config` (`false`, the default: a USD
    /// budget cannot meter it). Token budgets meter every model.
    pub fn allow_unpriced(mut self, allow: bool) -> Self {
        self.allow_unpriced = allow;
        self
    }

    /// How many events a subscriber may fall behind before it misses the
    /// oldest (at least 1).
    pub fn event_capacity(mut self, capacity: usize) -> Self {
        self.event_capacity = capacity.max(1);
        self
    }

    /// The budgets.
    pub fn limits(&self) -> &[BudgetLimit] {
        &self.limits
    }

    /// The price table.
    pub fn prices(&self) -> &PriceTable {
        &self.prices
    }

    /// What happens when the store cannot be reached.
    pub fn store_failure(&self) -> StoreFailure {
        self.failure
    }

    /// Check the configuration: budget names present and unique, USD
    /// limits finite and not negative, limits representable, prices valid
    /// (`InvalidInput` naming `budgets/<name>` or `prices/<model>`).
    pub fn validate(&self) -> Result<()> {
        self.prices.validate()?;
        let mut names = HashSet::new();
        for limit in &self.limits {
            limit.check()?;
            if !names.insert(&*limit.name) {
                return Err(Error::invalid_input(
                    format!("budgets/{}", limit.name),
                    "budget names must be unique",
                ));
            }
        }
        Ok(())
    }
}

impl fmt::Debug for BudgetConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BudgetConfig")
            .field("limits", &self.limits)
            .field("prices", &self.prices.len())
            .field("store", &self.store)
            .field("clock", &self.clock)
            .field("failure", &self.failure)
            .field("allow_unpriced", &self.allow_unpriced)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mosaic_core::ErrorKind;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn windows_align_to_the_utc_calendar() {
        // 2023-12-31T23:59:59Z
        let now = 1_704_067_199;
        assert_eq!(
            BudgetWindow::Minute.bounds_secs(now),
            (1_704_067_140, 1_704_067_200)
        );
        assert_eq!(
            BudgetWindow::Hour.bounds_secs(now),
            (1_704_063_600, 1_704_067_200)
        );
        assert_eq!(
            BudgetWindow::Day.bounds_secs(now),
            (1_703_980_800, 1_704_067_200)
        );
        // December ends at New Year
        assert_eq!(
            BudgetWindow::Month.bounds_secs(now),
            (1_701_388_800, 1_704_067_200)
        );
        // one second later everything starts again
        let next = now + 1;
        for w in [
            BudgetWindow::Minute,
            BudgetWindow::Hour,
            BudgetWindow::Day,
            BudgetWindow::Month,
        ] {
            assert_eq!(w.bounds_secs(next).0, next, "{w}");
        }
        // February of a non-leap year has 28 days
        let feb = BudgetWindow::Month.bounds(at(1_677_000_000)); // 2023-02-21
        assert_eq!(
            feb.1.duration_since(feb.0).unwrap(),
            Duration::from_secs(28 * 86_400)
        );
    }

    #[test]
    fn scopes_from_strings() {
        assert_eq!(Scope::from("*"), Scope::Each);
        assert_eq!(Scope::from("acme"), Scope::Only("acme".into()));
        assert_eq!(Scope::from(String::from("*")), Scope::Each);
        assert!(Scope::Only("a".into()).matches(Some("a")));
        assert!(!Scope::Only("a".into()).matches(Some("b")));
        assert!(!Scope::Only("a".into()).matches(None));
        assert!(Scope::Each.matches(None) && Scope::Shared.matches(Some("x")));
    }

    #[test]
    fn validation_names_the_budget() {
        let cfg = |l: BudgetLimit| BudgetConfig::new(PriceTable::new()).limit(l);
        for (bad, field) in
            [
                (
                    cfg(BudgetLimit::usd("neg", -1.0, BudgetWindow::Day)),
                    "budgets/neg",
                ),
                (
                    cfg(BudgetLimit::usd("nan", f64::NAN, BudgetWindow::Day)),
                    "budgets/nan",
                ),
                (
                    cfg(BudgetLimit::usd("huge", 1e12, BudgetWindow::Day)),
                    "budgets/huge",
                ),
                (
                    cfg(BudgetLimit::tokens("many", u64::MAX, BudgetWindow::Day)),
                    "budgets/many",
                ),
                (
                    cfg(BudgetLimit::tokens("", 1, BudgetWindow::Day)),
                    "budgets",
                ),
                (
                    cfg(BudgetLimit::tokens("twice", 1, BudgetWindow::Day))
                        .limit(BudgetLimit::usd("twice", 1.0, BudgetWindow::Month)),
                    "budgets/twice",
                ),
            ]
        {
            let err = bad.validate().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            assert_eq!(err.field(), Some(field));
        }
        assert!(
            cfg(BudgetLimit::usd("ok", 9_000_000.0, BudgetWindow::Month))
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn dollars_become_nano_dollars() {
        assert_eq!(usd_to_units(1.0), 1_000_000_000);
        assert_eq!(usd_to_units(0.000_000_05), 50);
        assert_eq!(usd_to_units(-3.0), 0);
        assert_eq!(usd_to_units(f64::NAN), 0);
        assert_eq!(usd_to_units(f64::INFINITY), MAX_UNITS);
    }
}
