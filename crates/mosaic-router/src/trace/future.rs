//! The trace [`ResponseFuture`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use mosaic_core::{Error, Family};
use pin_project_lite::pin_project;
use tokio::time::Instant;
use tracing::Span;

use super::Shared;

pin_project! {
    /// The future of a [`Trace`](super::Trace) call: polls the call inside
    /// its span and records the outcome.
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        span: Span,
        start: Instant,
        family: Family,
        operation: &'static str,
        index: u8,
        shared: Arc<Shared>,
    }
}

impl<F> ResponseFuture<F> {
    pub(crate) fn new(
        inner: F,
        span: Span,
        start: Instant,
        family: Family,
        operation: &'static str,
        index: u8,
        shared: Arc<Shared>,
    ) -> Self {
        ResponseFuture {
            inner,
            span,
            start,
            family,
            operation,
            index,
            shared,
        }
    }
}

impl<F, T> Future for ResponseFuture<F>
where
    F: Future<Output = Result<T, Error>>,
{
    type Output = Result<T, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _entered = this.span.enter();
        let result = ready!(this.inner.poll(cx));
        let elapsed = Instant::now().saturating_duration_since(*this.start);
        let secs = elapsed.as_secs_f64();
        let span = &*this.span;
        match &result {
            Ok(_) => {
                this.shared
                    .record_ok(*this.family, *this.index, this.operation, secs);
                if !span.is_disabled() {
                    span.record("outcome", "ok");
                    span.record("latency_ms", secs * 1e3);
                    tracing::debug!("request succeeded");
                }
            }
            Err(e) => {
                this.shared
                    .record_error(*this.family, this.operation, e, secs);
                if !span.is_disabled() {
                    span.record("outcome", "error");
                    span.record("error_kind", e.kind().as_str());
                    span.record("latency_ms", secs * 1e3);
                    if this.shared.provider.is_none()
                        && let Some(p) = e.provider()
                    {
                        span.record("provider", p);
                    }
                }
                if e.is_client_error() {
                    tracing::debug!(error = %e, "request failed");
                } else {
                    tracing::warn!(error = %e, "request failed");
                }
            }
        }
        Poll::Ready(result)
    }
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("operation", &self.operation)
            .finish_non_exhaustive()
    }
}
