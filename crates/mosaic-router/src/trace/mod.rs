//! [`Trace`]: a `tracing` span and `metrics` per request.
//!
//! Every call runs inside an `INFO` span named `mosaic.request` with the
//! fields `operation`, `family`, `request_id`, `tenant`, `provider`,
//! `attempt`, `candidate`, `outcome` (`ok`/`error`), `error_kind` and
//! `latency_ms`. The layers below fill in some as they go: the retry layer
//! sets `attempt` (1 for the first try), a router sets `provider` and
//! `candidate` (1 for the first provider it tries for that attempt, 2 after
//! one failover, …). The rest is recorded when the call completes, followed by one event
//! (`DEBUG` on success and for errors that blame the caller, `WARN` for the
//! others).
//!
//! Metrics go through the `metrics` facade, so a host exports them with any
//! recorder (Prometheus, StatsD, …):
//!
//! | name | kind | labels |
//! |---|---|---|
//! | `mosaic_requests_total` | counter | `family`, `operation`, `provider`, `outcome`, `error_kind` |
//! | `mosaic_request_duration_seconds` | histogram | `family`, `operation`, `provider`, `outcome` |
//!
//! `provider` is the layer's [`TraceLayer::provider`] name, else the
//! provider named by the error, else empty. (Other layers add
//! `mosaic_router_failovers_total`, `mosaic_router_no_provider_total`,
//! `mosaic_retries_total`, `mosaic_retry_budget_exhausted_total`,
//! `mosaic_circuit_transitions_total`, `mosaic_circuit_rejected_total`,
//! `mosaic_circuit_state`, `mosaic_rate_limited_total`,
//! `mosaic_rate_limit_delayed_total` and `mosaic_bulkhead_rejected_total`.)
//!
//! ```
//! use mosaic_router::TraceLayer;
//! let top = TraceLayer::new();
//! let per_provider = TraceLayer::new().provider("github");
//! # let _ = (top, per_provider);
//! ```

mod future;
mod layer;

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use metrics::{Counter, Histogram};
use mosaic_core::{Error, Family, Operation, Request};
use tokio::time::Instant;
use tower::Service;
use tracing::field::Empty;

pub use future::ResponseFuture;
pub use layer::TraceLayer;

/// Metric handles of successful calls, registered once per operation.
struct OkHandles {
    count: Counter,
    latency: Histogram,
}

pub(crate) struct Shared {
    provider: Option<Arc<str>>,
    /// Per family, per operation index.
    ok: [OnceLock<Box<[OnceLock<OkHandles>]>>; 6],
}

impl Shared {
    pub(crate) fn new(provider: Option<Arc<str>>) -> Self {
        Shared {
            provider,
            ok: Default::default(),
        }
    }

    fn provider_label(&self, error: Option<&Error>) -> metrics::SharedString {
        match (&self.provider, error.and_then(|e| e.provider())) {
            (Some(p), _) => p.clone().into(),
            (None, Some(p)) => p.to_owned().into(),
            (None, None) => metrics::SharedString::const_str(""),
        }
    }

    fn record_ok(&self, family: Family, index: u8, operation: &'static str, secs: f64) {
        let f = Family::ALL.iter().position(|x| *x == family).unwrap_or(0);
        let per_op = self.ok[f].get_or_init(|| {
            (0..family.operation_names().len())
                .map(|_| OnceLock::new())
                .collect()
        });
        let Some(slot) = per_op.get(usize::from(index)) else {
            return;
        };
        let h = slot.get_or_init(|| OkHandles {
            count: metrics::counter!(
                "mosaic_requests_total",
                "family" => family.as_str(),
                "operation" => operation,
                "provider" => self.provider_label(None),
                "outcome" => "ok",
                "error_kind" => "none"
            ),
            latency: metrics::histogram!(
                "mosaic_request_duration_seconds",
                "family" => family.as_str(),
                "operation" => operation,
                "provider" => self.provider_label(None),
                "outcome" => "ok"
            ),
        });
        h.count.increment(1);
        h.latency.record(secs);
    }

    fn record_error(&self, family: Family, operation: &'static str, error: &Error, secs: f64) {
        metrics::counter!(
            "mosaic_requests_total",
            "family" => family.as_str(),
            "operation" => operation,
            "provider" => self.provider_label(Some(error)),
            "outcome" => "error",
            "error_kind" => error.kind().as_str()
        )
        .increment(1);
        metrics::histogram!(
            "mosaic_request_duration_seconds",
            "family" => family.as_str(),
            "operation" => operation,
            "provider" => self.provider_label(Some(error)),
            "outcome" => "error"
        )
        .record(secs);
    }
}

/// A traced service; see the [module docs](self).
#[derive(Clone)]
pub struct Trace<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S> Trace<S> {
    /// Trace `inner`'s calls (no provider name).
    pub fn new(inner: S) -> Self {
        Trace {
            inner,
            shared: Arc::new(Shared::new(None)),
        }
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S> fmt::Debug for Trace<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trace")
            .field("provider", &self.shared.provider)
            .finish_non_exhaustive()
    }
}

impl<S, R> Service<Request<R>> for Trace<S>
where
    S: Service<Request<R>, Error = Error>,
    R: Operation,
{
    type Response = S::Response;
    type Error = Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<R>) -> Self::Future {
        let op = &request.operation;
        let (family, operation, index) = (op.family(), op.name(), op.index());
        let span = tracing::info_span!(
            "mosaic.request",
            operation,
            family = family.as_str(),
            request_id = request.context.id().get(),
            tenant = Empty,
            provider = Empty,
            attempt = Empty,
            candidate = Empty,
            outcome = Empty,
            error_kind = Empty,
            latency_ms = Empty,
        );
        if !span.is_disabled() {
            if let Some(t) = request.context.tenant() {
                span.record("tenant", t);
            }
            if let Some(p) = &self.shared.provider {
                span.record("provider", &**p);
            }
            span.record("attempt", 1u32);
        }
        let fut = {
            let _entered = span.enter();
            self.inner.call(request)
        };
        ResponseFuture::new(
            fut,
            span,
            Instant::now(),
            family,
            operation,
            index,
            self.shared.clone(),
        )
    }
}
