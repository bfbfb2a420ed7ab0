//! The rate limiter's [`ResponseFuture`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use mosaic_core::Error;
use pin_project_lite::pin_project;

type Boxed<T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'static>>;

pin_project! {
    #[project = KindProj]
    enum Kind<F, T> {
        Direct { #[pin] fut: F },
        Boxed { fut: Boxed<T> },
        Refused { error: Option<Error> },
    }
}

pin_project! {
    /// The future of a [`RateLimit`](super::RateLimit) call: the call
    /// itself when admitted at once, a wait then the call when delayed.
    pub struct ResponseFuture<F, T> {
        #[pin]
        kind: Kind<F, T>,
    }
}

impl<F, T> ResponseFuture<F, T> {
    pub(crate) fn direct(fut: F) -> Self {
        ResponseFuture {
            kind: Kind::Direct { fut },
        }
    }

    pub(crate) fn boxed(fut: impl Future<Output = Result<T, Error>> + Send + 'static) -> Self {
        ResponseFuture {
            kind: Kind::Boxed { fut: Box::pin(fut) },
        }
    }

    pub(crate) fn refused(error: Error) -> Self {
        ResponseFuture {
            kind: Kind::Refused { error: Some(error) },
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
            KindProj::Direct { fut } => fut.poll(cx),
            KindProj::Boxed { fut } => fut.as_mut().poll(cx),
            KindProj::Refused { error } => Poll::Ready(Err(error
                .take()
                .unwrap_or_else(|| Error::internal("rate limit future polled after completion")))),
        }
    }
}

impl<F, T> fmt::Debug for ResponseFuture<F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}
