//! [`ResponseFuture`]: what the cache service returns.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use mosaic_core::Result;

use crate::status::{self, CacheStatus};

type Boxed<P> = Pin<Box<dyn Future<Output = (Result<P>, CacheStatus)> + Send + 'static>>;

/// The future of one call through [`Cache`](crate::Cache).
///
/// A memory hit is answered without allocating a future; everything else
/// runs boxed. On completion the call's [`CacheStatus`] is recorded for
/// [`observe`](crate::observe).
pub struct ResponseFuture<P> {
    state: State<P>,
}

enum State<P> {
    Ready(Option<(Result<P>, CacheStatus)>),
    Boxed(Boxed<P>),
}

// No field is ever pinned in place (the boxed future pins itself), so the
// future can move freely whatever `P` is.
impl<P> Unpin for ResponseFuture<P> {}

impl<P> ResponseFuture<P> {
    pub(crate) fn ready(result: Result<P>, status: CacheStatus) -> Self {
        ResponseFuture {
            state: State::Ready(Some((result, status))),
        }
    }

    pub(crate) fn boxed(
        future: impl Future<Output = (Result<P>, CacheStatus)> + Send + 'static,
    ) -> Self {
        ResponseFuture {
            state: State::Boxed(Box::pin(future)),
        }
    }
}

impl<P> Future for ResponseFuture<P> {
    type Output = Result<P>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let (result, status) = match &mut this.state {
            State::Ready(slot) => match slot.take() {
                Some(done) => done,
                None => {
                    return Poll::Ready(Err(mosaic_core::Error::internal(
                        "cache response future polled after completion",
                    )));
                }
            },
            State::Boxed(fut) => match fut.as_mut().poll(cx) {
                Poll::Ready(done) => done,
                Poll::Pending => return Poll::Pending,
            },
        };
        status::record(status);
        Poll::Ready(result)
    }
}

impl<P> fmt::Debug for ResponseFuture<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            State::Ready(Some(_)) => "ready",
            State::Ready(None) => "done",
            State::Boxed(_) => "pending",
        };
        f.debug_struct("ResponseFuture")
            .field("state", &state)
            .finish()
    }
}
