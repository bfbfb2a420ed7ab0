//! The budget's [`ResponseFuture`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures::future::BoxFuture;
use mosaic_core::ai::AiResponse;
use mosaic_core::{Error, Result};
use pin_project_lite::pin_project;

use super::reservation::Reservation;

pin_project! {
    #[project = KindProj]
    enum Kind<F> {
        Passthrough { #[pin] fut: F },
        Metered { #[pin] fut: F, reservation: Option<Reservation> },
        Boxed { fut: BoxFuture<'static, Result<AiResponse>> },
        Refused { error: Option<Error> },
    }
}

pin_project! {
    /// The future of a [`Budget`](super::Budget) call: the call itself
    /// (reconciled when it answers), a store round trip then the call, or
    /// the refusal.
    ///
    /// Dropped before the call answers, it keeps the call's reservation.
    pub struct ResponseFuture<F> {
        #[pin]
        kind: Kind<F>,
    }
}

impl<F> ResponseFuture<F> {
    pub(crate) fn passthrough(fut: F) -> Self {
        ResponseFuture {
            kind: Kind::Passthrough { fut },
        }
    }

    pub(crate) fn metered(fut: F, reservation: Reservation) -> Self {
        ResponseFuture {
            kind: Kind::Metered {
                fut,
                reservation: Some(reservation),
            },
        }
    }

    pub(crate) fn boxed(fut: impl Future<Output = Result<AiResponse>> + Send + 'static) -> Self {
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

impl<F> Future for ResponseFuture<F>
where
    F: Future<Output = Result<AiResponse>>,
{
    type Output = Result<AiResponse>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Passthrough { fut } => fut.poll(cx),
            KindProj::Metered { fut, reservation } => {
                let result = ready!(fut.poll(cx));
                Poll::Ready(match reservation.take() {
                    Some(reservation) => reservation.finish(result),
                    None => result,
                })
            }
            KindProj::Boxed { fut } => fut.as_mut().poll(cx),
            KindProj::Refused { error } => Poll::Ready(Err(error
                .take()
                .unwrap_or_else(|| Error::internal("budget future polled after completion")))),
        }
    }
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}
