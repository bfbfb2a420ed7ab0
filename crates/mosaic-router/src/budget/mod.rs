//! [`Budget`]: spending limits for AI calls, in US dollars or tokens, per
//! tenant, principal (user or API key) and model, per calendar window.
//!
//! # What a budget is
//!
//! A [`BudgetLimit`] caps the US dollars or tokens that the requests it
//! selects may use per [`BudgetWindow`] (a minute, hour, UTC day or UTC
//! calendar month; a day resets at 00:00 UTC, a month on the 1st). Its
//! scope selects requests by tenant, principal and model
//! ([`RequestContext`](mosaic_core::RequestContext) and the model the request names): per attribute,
//! [`Scope::Shared`] (one budget for all values), [`Scope::Each`] (`"*"`:
//! each value its own budget) or [`Scope::Only`] (only that value). A hard
//! budget refuses calls; a soft one only tells.
//!
//! # One call
//!
//! 1. **Estimate.** The layer prices the request before it is sent: prompt
//!    tokens from its size and output tokens from its `max_tokens` (or the
//!    table's default), as [`PriceTable::estimate_usage`](mosaic_core::ai::price::PriceTable::estimate_usage) does, at the
//!    price of the model the request names.
//! 2. **Reserve.** That estimate is added to every budget that selects the
//!    request in **one store operation, all or none**. If a hard budget
//!    would pass its limit nothing is added (or, in Redis, what was added
//!    is withdrawn before the answer) and the call fails with
//!    [`ErrorKind::BudgetExceeded`](mosaic_core::ErrorKind::BudgetExceeded):
//!    [`Error::budget`] names the budget and carries what remains and when
//!    it resets, and [`Error::retry_after`] is the time until the reset. A
//!    soft budget taken past its limit sends
//!    [`BudgetEvent::SoftLimitExceeded`] (and a `tracing` warning); the call
//!    goes ahead.
//! 3. **Reconcile.** When the answer comes, the reservation is corrected to
//!    the usage the provider reported, priced with the same table. A
//!    failed call gives its reservation back (errors carry no usage). An
//!    answer that reports no usage (all zeros) keeps the estimate.
//!
//! Streams are reconciled when they end: to the usage of their final
//! chunk, or — when the provider reports none — to an estimate of what was
//! produced (the prompt estimate plus one token per four characters of
//! text and tool-call arguments). A stream that ends in an error is
//! reconciled the same way (what was produced was billed). A stream the
//! consumer **drops early** keeps its reservation, raised to the estimate
//! of what was produced if that is larger: the provider may have generated
//! (and billed) more than was read. A call whose future is dropped before
//! it answers also keeps its reservation. After a restart marker
//! ([`ChatChunk::restarted`](mosaic_core::ai::ChatChunk::restarted)), the abandoned
//! attempt's usage (reported or estimated) is counted too.
//!
//! Reconciliations against a store that must be awaited (Redis) run in a
//! background task, so they add no latency to the call;
//! [`BudgetLayer::settled`] waits for them (for tests and shutdown).
//!
//! Because every call reserves its estimate before it is sent, concurrent
//! calls — on one replica or many sharing a store — never take a hard
//! budget past its limit by more than the amount by which actual usage
//! exceeds the estimates (a call whose prompt estimate was too low, or a
//! model that ignored `max_tokens`).
//!
//! # Amounts
//!
//! Stores keep integers: tokens, or nano-dollars for USD budgets (see
//! [`NANO_USD_PER_USD`]). A model the price table does not know cannot be
//! metered in dollars: by default a request for it is refused with
//! `Config` when a USD budget selects it; [`BudgetConfig::allow_unpriced`]
//! lets it pass as free. Token budgets meter every model. The model priced
//! is the one the request names: put the layer where requests carry real
//! model ids (below a model-alias layer), or price the alias names.
//!
//! # Stores
//!
//! [`MemoryBudgetStore`] (the default) keeps budgets in process memory.
//! With cargo feature `redis`, `redis::RedisBudgetStore` keeps them in
//! Redis so that replicas share them (one pipelined round trip to
//! reserve, one script call to reconcile). When the store cannot be reached the
//! [`StoreFailure`] policy applies: fail open (the call goes ahead
//! unmetered, with a [`BudgetEvent::StoreUnavailable`] and a warning) or
//! fail closed (`Unavailable`). Another store implements [`BudgetStore`].
//!
//! # Time
//!
//! Windows follow a wall [`Clock`] ([`SystemClock`] by default,
//! [`ManualClock`] in tests), since calendar days and months need wall
//! time; rate-limited warnings and timeouts use `tokio::time`. Replicas
//! sharing a store should keep their clocks in sync (NTP): each picks its
//! window from its own clock.
//!
//! Model listing and lookup are not metered: they pass through.
//!
//! ```
//! use mosaic_core::ai::price::{ModelPrice, PriceTable};
//! use mosaic_core::ai::{AiRequest, AiResponse, ChatRequest, ChatResponse, Usage};
//! use mosaic_core::{ErrorKind, Request, RequestContext};
//! use mosaic_router::budget::{BudgetConfig, BudgetLayer, BudgetLimit, BudgetWindow};
//! use tower::{Layer, ServiceExt};
//!
//! # tokio_test_block_on(async {
//! // 1 USD per million tokens, in and out.
//! let prices = PriceTable::new().with("m", ModelPrice::per_million(1.0, 1.0));
//! let budgets = BudgetLayer::new(
//!     BudgetConfig::new(prices)
//!         .limit(BudgetLimit::usd("daily", 0.001, BudgetWindow::Day).per_tenant()),
//! )?;
//! // A model that reports 500 tokens used.
//! let model = budgets.layer(tower::service_fn(|_req: Request<AiRequest>| async {
//!     let usage = Usage { input_tokens: 100, output_tokens: 400, cached_input_tokens: None };
//!     Ok::<_, mosaic_core::Error>(AiResponse::Chat(ChatResponse { usage, ..Default::default() }))
//! }));
//! let call = |tenant: &str| {
//!     let context = RequestContext::new().with_tenant(tenant);
//!     // 400 characters ≈ 100 tokens in, at most 500 out: 600 µUSD reserved
//!     let chat = ChatRequest::new("m", "x".repeat(400)).max_tokens(500);
//!     model.clone().oneshot(Request::with_context(context, AiRequest::Chat(chat)))
//! };
//! call("acme").await?; // reserved 600 µUSD, reconciled to the 500 used
//! let refused = call("acme").await.unwrap_err(); // 500 + 600 > 1000
//! assert_eq!(refused.kind(), ErrorKind::BudgetExceeded);
//! let budget = refused.budget().unwrap();
//! assert_eq!(budget.scope(), "tenant=acme");
//! assert!(refused.retry_after().is_some()); // until 00:00 UTC
//! call("globex").await?; // another tenant, another budget
//! # Ok::<(), mosaic_core::Error>(())
//! # }).unwrap();
//! # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(f)
//! # }
//! ```

mod clock;
mod config;
mod event;
mod future;
mod layer;
#[cfg(feature = "redis")]
pub mod redis;
mod reservation;
mod shared;
mod store;
mod stream;

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use mosaic_core::ai::{AiRequest, AiResponse};
use mosaic_core::{Error, Request};
use tower::{Service, ServiceExt};

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{BudgetConfig, BudgetLimit, BudgetWindow, Scope, StoreFailure};
pub use event::{BudgetEvent, BudgetStatus};
pub use future::ResponseFuture;
pub use layer::BudgetLayer;
pub use mosaic_core::error::BudgetAmount;
pub use store::{
    Adjustment, BudgetKey, BudgetStore, Charge, MAX_UNITS, MemoryBudgetStore, NANO_USD_PER_USD,
    ReserveOutcome,
};

use shared::Shared;

/// A budgeted AI service; see the [module docs](self).
///
/// Clones share the budgets.
#[derive(Clone)]
pub struct Budget<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S> Budget<S> {
    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S> fmt::Debug for Budget<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Budget")
            .field("budgets", &self.shared.limits.len())
            .field("store", &self.shared.store)
            .finish_non_exhaustive()
    }
}

impl<S> Service<Request<AiRequest>> for Budget<S>
where
    S: Service<Request<AiRequest>, Response = AiResponse, Error = Error> + Clone + Send + 'static,
    S::Future: Send,
{
    type Response = AiResponse;
    type Error = Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<AiRequest>) -> Self::Future {
        let plan = match self.shared.plan(&request.context, &request.operation) {
            Ok(Some(plan)) => plan,
            Ok(None) => return ResponseFuture::passthrough(self.inner.call(request)),
            Err(e) => return ResponseFuture::refused(e),
        };
        let id = request.context.id();
        if let Some(outcome) = self.shared.store.reserve_now(plan.now, &plan.charges) {
            return match self.shared.admit(plan, outcome, id) {
                Ok(reservation) => ResponseFuture::metered(self.inner.call(request), reservation),
                Err(e) => ResponseFuture::refused(e),
            };
        }
        let shared = self.shared.clone();
        let clone = self.inner.clone();
        let service = std::mem::replace(&mut self.inner, clone);
        ResponseFuture::boxed(async move {
            let outcome = shared.store.reserve(plan.now, &plan.charges).await;
            let reservation = shared.admit(plan, outcome, id)?;
            reservation.finish(service.oneshot(request).await)
        })
    }
}
