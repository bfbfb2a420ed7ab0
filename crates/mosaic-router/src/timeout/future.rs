//! The timeout [`ResponseFuture`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use mosaic_core::Error;
use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep};

pin_project! {
    /// The future of a [`Timeout`](super::Timeout) call.
    pub struct ResponseFuture<F> {
        #[pin]
        inner: Option<F>,
        #[pin]
        sleep: Option<Sleep>,
        operation: &'static str,
        budget: Duration,
        expired: Option<Error>,
    }
}

impl<F> ResponseFuture<F> {
    pub(crate) fn unbounded(inner: F) -> Self {
        ResponseFuture {
            inner: Some(inner),
            sleep: None,
            operation: "",
            budget: Duration::ZERO,
            expired: None,
        }
    }

    pub(crate) fn bounded(
        inner: F,
        deadline: Instant,
        operation: &'static str,
        budget: Duration,
    ) -> Self {
        ResponseFuture {
            inner: Some(inner),
            sleep: Some(tokio::time::sleep_until(deadline)),
            operation,
            budget,
            expired: None,
        }
    }

    pub(crate) fn expired(error: Error) -> Self {
        ResponseFuture {
            inner: None,
            sleep: None,
            operation: "",
            budget: Duration::ZERO,
            expired: Some(error),
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
            return Poll::Ready(Err(this.expired.take().unwrap_or_else(|| {
                Error::internal("timeout future polled after completion")
            })));
        };
        if let Poll::Ready(out) = inner.poll(cx) {
            return Poll::Ready(out);
        }
        if let Some(sleep) = this.sleep.as_pin_mut()
            && sleep.poll(cx).is_ready()
        {
            tracing::debug!(operation = *this.operation, "deadline reached");
            return Poll::Ready(Err(Error::timeout(format!(
                "`{}` did not finish within {:?}",
                this.operation, this.budget
            ))));
        }
        Poll::Pending
    }
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("operation", &self.operation)
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}
