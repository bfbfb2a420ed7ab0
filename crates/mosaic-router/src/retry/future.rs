//! The retry [`ResponseFuture`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use mosaic_core::{Error, Operation, Request};
use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep};
use tower::Service;

use super::RetryConfig;

pin_project! {
    #[project = StateProj]
    enum State<F> {
        Calling { #[pin] fut: F },
        Waiting { sleep: Pin<Box<Sleep>> },
        Ready,
    }
}

pin_project! {
    /// The future of a [`Retry`](super::Retry) call.
    pub struct ResponseFuture<S, R>
    where
        S: Service<Request<R>>,
    {
        #[pin]
        state: State<S::Future>,
        retry: Option<RetryState<S, R>>,
    }
}

/// What a retrying call keeps between attempts.
struct RetryState<S, R> {
    service: S,
    request: Request<R>,
    config: Arc<RetryConfig>,
    attempt: u32,
    previous_delay: Duration,
}

impl<S, R> ResponseFuture<S, R>
where
    S: Service<Request<R>>,
{
    pub(crate) fn once(fut: S::Future) -> Self {
        ResponseFuture {
            state: State::Calling { fut },
            retry: None,
        }
    }

    pub(crate) fn retrying(
        fut: S::Future,
        service: S,
        request: Request<R>,
        config: Arc<RetryConfig>,
    ) -> Self {
        let previous_delay = config.backoff.base();
        ResponseFuture {
            state: State::Calling { fut },
            retry: Some(RetryState {
                service,
                request,
                config,
                attempt: 1,
                previous_delay,
            }),
        }
    }
}

impl<S, R> RetryState<S, R>
where
    R: Operation,
{
    /// The wait before the next attempt, or `None` to give up with `error`.
    fn next_delay(&mut self, error: &Error) -> Option<Duration> {
        let cfg = &*self.config;
        if self.attempt >= cfg.max_attempts || !cfg.retry_on.contains(error.kind()) {
            return None;
        }
        let mut delay = cfg
            .backoff
            .delay(self.attempt, self.previous_delay, &cfg.rng);
        if cfg.honor_retry_after
            && let Some(after) = error.retry_after()
        {
            if after > cfg.max_retry_after {
                return None;
            }
            delay = delay.max(after);
        }
        if let Some(deadline) = self.request.context.deadline()
            && Instant::now() + delay >= deadline
        {
            return None;
        }
        if let Some(budget) = &cfg.budget
            && !budget.withdraw()
        {
            tracing::debug!(
                operation = self.request.operation.name(),
                "retry budget spent; not retrying"
            );
            metrics::counter!("mosaic_retry_budget_exhausted_total").increment(1);
            return None;
        }
        self.previous_delay = delay;
        Some(delay)
    }
}

impl<S, R> Future for ResponseFuture<S, R>
where
    S: Service<Request<R>, Error = Error>,
    R: Operation + Clone,
{
    type Output = Result<S::Response, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            match this.state.as_mut().project() {
                StateProj::Calling { fut } => {
                    let error = match ready!(fut.poll(cx)) {
                        Ok(resp) => return Poll::Ready(Ok(resp)),
                        Err(e) => e,
                    };
                    let Some(retry) = this.retry.as_mut() else {
                        return Poll::Ready(Err(error));
                    };
                    let Some(delay) = retry.next_delay(&error) else {
                        return Poll::Ready(Err(error));
                    };
                    tracing::debug!(
                        operation = retry.request.operation.name(),
                        attempt = retry.attempt,
                        error_kind = error.kind().as_str(),
                        delay_ms = delay.as_millis() as u64,
                        "retrying after failure"
                    );
                    metrics::counter!(
                        "mosaic_retries_total",
                        "operation" => retry.request.operation.name()
                    )
                    .increment(1);
                    this.state.set(State::Waiting {
                        sleep: Box::pin(tokio::time::sleep(delay)),
                    });
                }
                StateProj::Waiting { sleep } => {
                    ready!(sleep.as_mut().poll(cx));
                    this.state.set(State::Ready);
                }
                StateProj::Ready => {
                    let Some(retry) = this.retry.as_mut() else {
                        return Poll::Ready(Err(Error::internal("retry state lost")));
                    };
                    ready!(retry.service.poll_ready(cx))?;
                    retry.attempt += 1;
                    tracing::Span::current().record("attempt", retry.attempt);
                    let fut = retry.service.call(retry.request.clone());
                    this.state.set(State::Calling { fut });
                }
            }
        }
    }
}

impl<S, R> fmt::Debug for ResponseFuture<S, R>
where
    S: Service<Request<R>>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("attempt", &self.retry.as_ref().map(|r| r.attempt))
            .finish_non_exhaustive()
    }
}
