//! The bulkhead [`ResponseFuture`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use mosaic_core::Error;
use pin_project_lite::pin_project;
use tokio::sync::OwnedSemaphorePermit;

type Queued<T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'static>>;

pin_project! {
    #[project = KindProj]
    enum Kind<F, T> {
        Running { #[pin] fut: F, permit: Option<OwnedSemaphorePermit> },
        Queued { fut: Queued<T> },
        Rejected { error: Option<Error> },
    }
}

pin_project! {
    /// The future of a [`Bulkhead`](super::Bulkhead) call.
    pub struct ResponseFuture<F, T> {
        #[pin]
        kind: Kind<F, T>,
    }
}

impl<F, T> ResponseFuture<F, T> {
    pub(crate) fn running(fut: F, permit: OwnedSemaphorePermit) -> Self {
        ResponseFuture {
            kind: Kind::Running {
                fut,
                permit: Some(permit),
            },
        }
    }

    pub(crate) fn queued(fut: impl Future<Output = Result<T, Error>> + Send + 'static) -> Self {
        ResponseFuture {
            kind: Kind::Queued { fut: Box::pin(fut) },
        }
    }

    pub(crate) fn rejected(error: Error) -> Self {
        ResponseFuture {
            kind: Kind::Rejected { error: Some(error) },
        }
    }
}

impl<F, T> Future for ResponseFuture<F, T>
where
    F: Future<Output = Result<T, Error>>,
{
    type Output = Result<T, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Running { fut, permit } => {
                let out = std::task::ready!(fut.poll(cx));
                permit.take();
                Poll::Ready(out)
            }
            KindProj::Queued { fut } => fut.as_mut().poll(cx),
            KindProj::Rejected { error } => Poll::Ready(Err(error
                .take()
                .unwrap_or_else(|| Error::internal("bulkhead future polled after completion")))),
        }
    }
}

impl<F, T> fmt::Debug for ResponseFuture<F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}
