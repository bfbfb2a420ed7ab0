//! The breaker's [`ResponseFuture`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use mosaic_core::Error;
use pin_project_lite::pin_project;
use tokio::time::Instant;

use super::state::{Breaker, Permit};

/// The breaker's hold on one call: records its outcome, or gives a
/// half-open permit back if the call is dropped unfinished.
struct Ticket {
    breaker: Arc<Breaker>,
    permit: Permit,
    /// When the call started (`None`: calls are not timed).
    start: Option<Instant>,
    done: bool,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if !self.done {
            self.breaker.release(self.permit);
        }
    }
}

pin_project! {
    /// The future of a [`CircuitBreaker`](super::CircuitBreaker) call.
    pub struct ResponseFuture<F> {
        #[pin]
        inner: Option<F>,
        ticket: Option<Ticket>,
        refused: Option<Error>,
    }
}

impl<F> ResponseFuture<F> {
    pub(crate) fn called(
        inner: F,
        breaker: Arc<Breaker>,
        permit: Permit,
        start: Option<Instant>,
    ) -> Self {
        ResponseFuture {
            inner: Some(inner),
            ticket: Some(Ticket {
                breaker,
                permit,
                start,
                done: false,
            }),
            refused: None,
        }
    }

    pub(crate) fn refused(error: Error) -> Self {
        ResponseFuture {
            inner: None,
            ticket: None,
            refused: Some(error),
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
        let Some(inner) = this.inner.as_pin_mut() else {
            let e = this.refused.take().unwrap_or_else(|| {
                Error::internal("circuit breaker future polled after completion")
            });
            return Poll::Ready(Err(e));
        };
        let result = ready!(inner.poll(cx));
        if let Some(mut ticket) = this.ticket.take() {
            ticket.done = true;
            let now = ticket.start.map(|_| Instant::now());
            let elapsed = match (ticket.start, now) {
                (Some(start), Some(now)) => now.saturating_duration_since(start),
                _ => Duration::ZERO,
            };
            let b = &ticket.breaker;
            if let Some(outcome) = b.classify(result.as_ref().err(), elapsed) {
                b.record(ticket.permit, outcome, now);
            } else {
                b.release(ticket.permit);
            }
        }
        Poll::Ready(result)
    }
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("refused", &self.refused)
            .finish_non_exhaustive()
    }
}
