//! The GenAI trace [`ResponseFuture`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use mosaic_core::Error;
use mosaic_core::ai::{AiResponse, ChatStream};
use pin_project_lite::pin_project;

use super::Call;
use super::stream::TracedStream;

pin_project! {
    /// The future of a [`GenAiTrace`](super::GenAiTrace) call: polls the
    /// call inside its span and records the outcome (for a streamed chat,
    /// wraps the stream so that its end is recorded).
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        // `None` for calls that are not traced, and once recorded.
        call: Option<Call>,
    }

    impl<F> PinnedDrop for ResponseFuture<F> {
        fn drop(this: Pin<&mut Self>) {
            if let Some(call) = this.project().call.take() {
                call.finish_cancelled();
            }
        }
    }
}

impl<F> ResponseFuture<F> {
    pub(crate) fn passthrough(inner: F) -> Self {
        ResponseFuture { inner, call: None }
    }

    pub(crate) fn traced(inner: F, call: Call) -> Self {
        ResponseFuture {
            inner,
            call: Some(call),
        }
    }
}

impl<F> Future for ResponseFuture<F>
where
    F: Future<Output = Result<AiResponse, Error>>,
{
    type Output = Result<AiResponse, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = match this.call.as_ref() {
            None => return this.inner.poll(cx),
            Some(call) => {
                let _entered = call.span.enter();
                ready!(this.inner.poll(cx))
            }
        };
        let Some(call) = this.call.take() else {
            return Poll::Ready(result);
        };
        Poll::Ready(match result {
            Ok(AiResponse::ChatStream(stream)) => {
                let provider = stream.provider().map(str::to_owned);
                let traced = ChatStream::new(TracedStream::new(stream, call));
                Ok(AiResponse::ChatStream(match provider {
                    Some(p) => traced.with_provider(p),
                    None => traced,
                }))
            }
            Ok(response) => {
                call.finish_response(&response);
                Ok(response)
            }
            Err(error) => {
                call.finish_error(&error);
                Err(error)
            }
        })
    }
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("traced", &self.call.is_some())
            .finish_non_exhaustive()
    }
}
