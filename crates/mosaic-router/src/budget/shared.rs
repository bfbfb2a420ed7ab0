//! The state a budget layer's services share, and its decisions: which
//! budgets a call reserves ([`Plan`]), admitting or refusing it, events,
//! reconciliation and status.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mosaic_core::ai::price::{ModelPrice, PriceTable};
use mosaic_core::ai::{AiRequest, Usage};
use mosaic_core::error::{BudgetAmount, BudgetDetails};
use mosaic_core::{Error, RequestContext, RequestId, Result, redact};
use parking_lot::Mutex;
use tokio::sync::{Notify, broadcast};
use tokio::time::Instant;

use super::clock::{Clock, unix_secs};
use super::config::{BudgetConfig, BudgetLimit, Scope, StoreFailure, usd_to_units};
use super::event::{BudgetEvent, BudgetStatus};
use super::reservation::Reservation;
use super::store::{
    Adjustment, BudgetKey, BudgetStore, Charge, MAX_UNITS, NANO_USD_PER_USD, ReserveOutcome,
    escape_into,
};

/// How long a counter outlives its window, so that calls that straddle the
/// window's end (long streams) still reconcile against it.
const KEY_GRACE: Duration = Duration::from_secs(600);

/// The shortest gap between two "store unreachable" warnings of one layer.
const WARNING_INTERVAL: Duration = Duration::from_secs(1);

/// One configured budget, ready for the hot path.
pub(crate) struct Compiled {
    pub(crate) limit: BudgetLimit,
    /// The limit in store units.
    units: u64,
    /// The escaped name, as keys carry it.
    key_name: Arc<str>,
    /// Whether any attribute divides or selects it (its keys have a scope).
    divided: bool,
}

impl Compiled {
    fn matches(&self, tenant: Option<&str>, principal: Option<&str>, model: Option<&str>) -> bool {
        self.limit.tenant.matches(tenant)
            && self.limit.principal.matches(principal)
            && self.limit.model.matches(model)
    }

    /// The counter for these values in the window starting at `start`.
    fn key(
        &self,
        start: u64,
        tenant: Option<&str>,
        principal: Option<&str>,
        model: Option<&str>,
    ) -> BudgetKey {
        let mut scope = String::new();
        if !self.divided {
            return BudgetKey::new(self.key_name.clone(), start, scope);
        }
        scope.reserve(48);
        for (dimension, s, value) in [
            ("tenant", &self.limit.tenant, tenant),
            ("principal", &self.limit.principal, principal),
            ("model", &self.limit.model, model),
        ] {
            if *s == Scope::Shared {
                continue;
            }
            if !scope.is_empty() {
                scope.push(',');
            }
            scope.push_str(dimension);
            scope.push('=');
            escape_into(&mut scope, value.unwrap_or(""));
        }
        BudgetKey::new(self.key_name.clone(), start, scope)
    }

    /// `units` in this budget's unit.
    fn amount(&self, units: u64) -> BudgetAmount {
        match self.limit.amount {
            BudgetAmount::Tokens(_) => BudgetAmount::Tokens(units),
            BudgetAmount::Usd(_) => BudgetAmount::Usd(units as f64 / NANO_USD_PER_USD),
        }
    }

    fn status(&self, key: &BudgetKey, spent: u64, resets_at: SystemTime) -> BudgetStatus {
        BudgetStatus {
            name: self.limit.name.clone(),
            scope: key.scope().to_owned(),
            window: self.limit.window,
            hard: self.limit.hard,
            limit: self.limit.amount,
            spent: self.amount(spent),
            remaining: self.amount(self.units.saturating_sub(spent)),
            resets_at,
        }
    }
}

/// What one call will reserve.
pub(crate) struct Plan {
    pub(crate) now: SystemTime,
    pub(crate) charges: Vec<Charge>,
    /// Per charge, the index of its budget.
    pub(crate) limits: Vec<usize>,
    /// The estimated usage.
    pub(crate) estimate: Usage,
    /// How the call's usage is priced for USD budgets.
    pub(crate) pricing: Pricing,
}

/// How a call's usage is priced at reconciliation.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Pricing {
    /// No USD budget selects the call.
    None,
    /// At the model's price.
    Priced(ModelPrice),
    /// The table does not know the model (allowed as free): the adapter's
    /// `cost_usd`, if any.
    Unpriced,
}

/// Background reconciliations in flight.
#[derive(Default)]
struct Pending {
    count: AtomicUsize,
    idle: Notify,
}

/// What a layer's services share.
pub(crate) struct Shared {
    prices: PriceTable,
    pub(crate) limits: Box<[Compiled]>,
    pub(crate) store: Arc<dyn BudgetStore>,
    clock: Arc<dyn Clock>,
    failure: StoreFailure,
    allow_unpriced: bool,
    pub(crate) events: broadcast::Sender<BudgetEvent>,
    pending: Pending,
    last_warning: Mutex<Option<Instant>>,
}

/// Decrements the count of background reconciliations when dropped (also
/// when the task is cancelled).
struct PendingGuard(Arc<Shared>);

impl Drop for PendingGuard {
    fn drop(&mut self) {
        if self.0.pending.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.pending.idle.notify_waiters();
        }
    }
}

/// The end of a window (seconds after the epoch) as a time.
fn at_secs(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

impl Shared {
    pub(crate) fn new(config: BudgetConfig) -> Self {
        let limits = config
            .limits
            .into_iter()
            .map(|limit| {
                let mut key_name = String::new();
                escape_into(&mut key_name, &limit.name);
                Compiled {
                    units: limit.units(),
                    key_name: key_name.into(),
                    divided: [&limit.tenant, &limit.principal, &limit.model]
                        .iter()
                        .any(|s| **s != Scope::Shared),
                    limit,
                }
            })
            .collect();
        Shared {
            prices: config.prices,
            limits,
            store: config.store,
            clock: config.clock,
            failure: config.failure,
            allow_unpriced: config.allow_unpriced,
            events: broadcast::channel(config.event_capacity).0,
            pending: Pending::default(),
            last_warning: Mutex::new(None),
        }
    }

    /// What a request reserves; `None` when no budget selects it (or it is
    /// not a model call).
    pub(crate) fn plan(&self, context: &RequestContext, op: &AiRequest) -> Result<Option<Plan>> {
        let Some(model) = PriceTable::model_of(op) else {
            return Ok(None);
        };
        let (tenant, principal) = (context.tenant(), context.principal());
        let mut selected = self
            .limits
            .iter()
            .enumerate()
            .filter(|(_, l)| l.matches(tenant, principal, Some(model)))
            .peekable();
        if selected.peek().is_none() {
            return Ok(None);
        }
        let now = self.clock.now();
        let secs = unix_secs(now);
        let estimate = PriceTable::estimate_usage(op);
        let tokens = estimate.total_tokens().min(MAX_UNITS);
        let mut pricing = Pricing::None;
        let mut usd = None;
        let mut charges = Vec::with_capacity(self.limits.len());
        let mut limits = Vec::with_capacity(self.limits.len());
        for (i, l) in selected {
            let amount = match l.limit.amount {
                BudgetAmount::Tokens(_) => tokens,
                BudgetAmount::Usd(_) => match usd {
                    Some(units) => units,
                    None => {
                        let units = match self.prices.get(model) {
                            Some(price) => {
                                pricing = Pricing::Priced(*price);
                                usd_to_units(price.cost(&estimate))
                            }
                            None if self.allow_unpriced => {
                                pricing = Pricing::Unpriced;
                                0
                            }
                            None => {
                                return Err(Error::config(format!(
                                    "no price for model `{model}`: budget `{}` counts US dollars \
                                     (add the model to the price table, or allow unpriced models)",
                                    l.limit.name
                                )));
                            }
                        };
                        usd = Some(units);
                        units
                    }
                },
            };
            let (start, end) = l.limit.window.bounds_secs(secs);
            charges.push(Charge {
                key: l.key(start, tenant, principal, Some(model)),
                amount,
                limit: l.units,
                hard: l.limit.hard,
                expires_at: at_secs(end) + KEY_GRACE,
            });
            limits.push(i);
        }
        Ok(Some(Plan {
            now,
            charges,
            limits,
            estimate,
            pricing,
        }))
    }

    /// Turn the store's answer into a reservation, or the error that
    /// refuses the call.
    pub(crate) fn admit(
        self: &Arc<Self>,
        plan: Plan,
        outcome: Result<ReserveOutcome>,
        request: RequestId,
    ) -> Result<Reservation> {
        let outcome = match outcome {
            Ok(o) if o.spent.len() == plan.charges.len() => o,
            Ok(o) => {
                return Err(Error::internal(format!(
                    "the budget store answered for {} of {} budgets",
                    o.spent.len(),
                    plan.charges.len()
                )));
            }
            Err(e) => {
                let problem = redact(&e.to_string());
                self.store_problem(&problem, Some(request));
                return match self.failure {
                    StoreFailure::Open => Ok(Reservation::new(self.clone(), plan, request, false)),
                    StoreFailure::Closed => Err(Error::unavailable(format!(
                        "the budget store is unreachable ({problem}); refusing (fail-closed)"
                    ))),
                };
            }
        };
        if !outcome.reserved {
            return Err(self.refuse(&plan, &outcome.spent, request));
        }
        self.soft_crossings(&plan, &outcome.spent, request);
        Ok(Reservation::new(self.clone(), plan, request, true))
    }

    /// The error for a refused reservation: the budget that resets last
    /// among those that would be passed (so that its `retry_after` is when
    /// all of them allow the call again), one event per budget.
    fn refuse(&self, plan: &Plan, spent: &[u64], request: RequestId) -> Error {
        let over = |c: &Charge, s: u64| c.hard && s.saturating_add(c.amount) > c.limit;
        let mut refusing: Vec<usize> = (0..plan.charges.len())
            .filter(|&i| over(&plan.charges[i], spent[i]))
            .collect();
        if refusing.is_empty() {
            // The store refused without a budget over its limit (a store
            // of its own that counts differently): blame the first hard one.
            refusing.extend((0..plan.charges.len()).find(|&i| plan.charges[i].hard));
        }
        let Some(&last) = refusing.iter().max_by_key(|&&i| plan.charges[i].expires_at) else {
            return Error::internal("the budget store refused a reservation without a hard budget");
        };
        let subscribed = self.events.receiver_count() > 0;
        for &i in &refusing {
            let (c, l) = (&plan.charges[i], &self.limits[plan.limits[i]]);
            metrics::counter!("mosaic_budget_refused_total", "budget" => l.limit.name.to_string())
                .increment(1);
            if subscribed {
                let _ = self.events.send(BudgetEvent::Refused {
                    status: l.status(&c.key, spent[i], c.expires_at - KEY_GRACE),
                    requested: l.amount(c.amount),
                    request,
                });
            }
        }
        let (c, l) = (&plan.charges[last], &self.limits[plan.limits[last]]);
        let resets_at = c.expires_at - KEY_GRACE;
        tracing::debug!(
            budget = &*l.limit.name,
            scope = c.key.scope(),
            "budget exceeded: call refused"
        );
        let details = BudgetDetails::new(l.limit.name.clone(), c.key.scope(), l.limit.amount)
            .with_remaining(l.amount(l.units.saturating_sub(spent[last])))
            .with_requested(l.amount(c.amount))
            .with_resets_at(resets_at);
        Error::budget_exceeded(details)
            .with_retry_after(resets_at.duration_since(plan.now).unwrap_or_default())
    }

    /// Tell about every soft budget this reservation took past its limit.
    fn soft_crossings(&self, plan: &Plan, spent: &[u64], request: RequestId) {
        for (i, c) in plan.charges.iter().enumerate() {
            let after = spent[i];
            if c.hard || after <= c.limit || after.saturating_sub(c.amount) > c.limit {
                continue;
            }
            let l = &self.limits[plan.limits[i]];
            let status = l.status(&c.key, after, c.expires_at - KEY_GRACE);
            metrics::counter!("mosaic_budget_soft_exceeded_total", "budget" => l.limit.name.to_string())
                .increment(1);
            tracing::warn!(
                budget = &*l.limit.name,
                scope = c.key.scope(),
                spent = %status.spent,
                limit = %status.limit,
                "soft budget exceeded"
            );
            let _ = self
                .events
                .send(BudgetEvent::SoftLimitExceeded { status, request });
        }
    }

    /// Record that the store could not be reached: metric, event, and a
    /// warning at most once per [`WARNING_INTERVAL`].
    fn store_problem(&self, problem: &str, request: Option<RequestId>) {
        metrics::counter!("mosaic_budget_store_errors_total").increment(1);
        let now = Instant::now();
        let warn = {
            let mut last = self.last_warning.lock();
            let due = last.is_none_or(|t| now.saturating_duration_since(t) >= WARNING_INTERVAL);
            if due {
                *last = Some(now);
            }
            due
        };
        if warn {
            let mode = match (request, self.failure) {
                (None, _) => "reconciliation dropped",
                (Some(_), StoreFailure::Open) => "fail-open: calls go ahead unmetered",
                (Some(_), StoreFailure::Closed) => "fail-closed: refusing calls",
            };
            tracing::warn!(problem, mode, "budget store unreachable");
        }
        let _ = self.events.send(BudgetEvent::StoreUnavailable {
            problem: problem.to_owned(),
            failure: self.failure,
            request,
        });
    }

    /// Apply corrections: at once for a store that never waits, else in a
    /// background task.
    pub(crate) fn apply(self: &Arc<Self>, adjustments: Vec<Adjustment>) {
        if adjustments.is_empty() {
            return;
        }
        let now = self.clock.now();
        match self.store.adjust_now(now, &adjustments) {
            Some(Ok(())) => return,
            Some(Err(e)) => return self.store_problem(&redact(&e.to_string()), None),
            None => {}
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(
                "no tokio runtime to reconcile a budget reservation: the estimate stays"
            );
            return;
        };
        self.pending.count.fetch_add(1, Ordering::AcqRel);
        let guard = PendingGuard(self.clone());
        runtime.spawn(async move {
            let shared = guard.0.clone();
            if let Err(e) = shared.store.adjust(now, &adjustments).await {
                shared.store_problem(&redact(&e.to_string()), None);
            }
            drop(guard);
        });
    }

    /// Every budget that selects these values, as it stands now.
    pub(crate) async fn status(
        &self,
        context: &RequestContext,
        model: Option<&str>,
    ) -> Result<Vec<BudgetStatus>> {
        let (tenant, principal) = (context.tenant(), context.principal());
        let now = self.clock.now();
        let secs = unix_secs(now);
        let mut keys = Vec::new();
        let mut found = Vec::new();
        for l in self.limits.iter() {
            if l.matches(tenant, principal, model) {
                let (start, end) = l.limit.window.bounds_secs(secs);
                keys.push(l.key(start, tenant, principal, model));
                found.push((l, at_secs(end)));
            }
        }
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let spent = self.store.spent(now, &keys).await?;
        Ok(found
            .into_iter()
            .zip(keys.iter().zip(spent))
            .map(|((l, resets_at), (key, spent))| l.status(key, spent, resets_at))
            .collect())
    }

    /// Wait until no background reconciliation is in flight.
    pub(crate) async fn settled(&self) {
        loop {
            let idle = self.pending.idle.notified();
            if self.pending.count.load(Ordering::Acquire) == 0 {
                return;
            }
            idle.await;
        }
    }
}
