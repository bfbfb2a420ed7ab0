//! The traced chat stream: records time to first chunk, time per output
//! chunk and, at its end (or drop), the outcome of the operation.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use futures::{Stream, StreamExt};
use mosaic_core::Result;
use mosaic_core::ai::{ChatChunk, ChatStream, FinishReason, ToolCall, Usage};
use tokio::time::Instant;

use super::metrics::ResponseHandles;
use super::{CANCELLED, Call, Outcome, content};

/// A [`ChatStream`] whose operation is recorded when it ends.
pub(crate) struct TracedStream {
    inner: ChatStream,
    /// `None` once the operation is recorded.
    call: Option<Call>,
    /// Handles labelled for a stream (response model unknown).
    handles: Arc<ResponseHandles>,
    last_chunk: Option<Instant>,
    finish_reason: Option<FinishReason>,
    usage: Option<Usage>,
    /// The answer so far, with content capture only.
    output: Option<(String, Vec<ToolCall>)>,
}

impl TracedStream {
    pub(crate) fn new(inner: ChatStream, call: Call) -> Self {
        TracedStream {
            inner,
            handles: call.handles.response("", &call.shared),
            output: call.input.is_some().then(Default::default),
            call: Some(call),
            last_chunk: None,
            finish_reason: None,
            usage: None,
        }
    }

    fn on_chunk(&mut self, chunk: &ChatChunk) {
        let Some(call) = &self.call else { return };
        let now = Instant::now();
        match self.last_chunk {
            None => {
                let secs = now.saturating_duration_since(call.start).as_secs_f64();
                self.handles.time_to_first_chunk().record(secs);
                if !call.span.is_disabled() {
                    call.span
                        .record("gen_ai.response.time_to_first_chunk", secs);
                }
            }
            Some(previous) => {
                let secs = now.saturating_duration_since(previous).as_secs_f64();
                self.handles.time_per_output_chunk().record(secs);
            }
        }
        self.last_chunk = Some(now);
        if chunk.finish_reason.is_some() {
            self.finish_reason.clone_from(&chunk.finish_reason);
        }
        if chunk.usage.is_some() {
            self.usage = chunk.usage;
        }
        if let Some((text, calls)) = &mut self.output {
            text.push_str(&chunk.delta);
            calls.extend(chunk.tool_calls.iter().cloned());
        }
    }

    /// Record the end of the operation (once).
    fn end(&mut self, error_type: Option<&'static str>, error_provider: Option<&str>) {
        let Some(call) = self.call.take() else { return };
        let output = self.output.take().map(|(text, calls)| {
            let reason = match error_type {
                None => self.finish_reason.clone(),
                Some(_) => Some(FinishReason::Other("error".into())),
            };
            content::chat_output(&text, &calls, reason.as_ref())
        });
        call.finish(Outcome {
            finish_reason: self.finish_reason.as_ref(),
            usage: self.usage,
            error_type,
            error_provider,
            output,
            ..Outcome::empty()
        });
    }
}

impl Stream for TracedStream {
    type Item = Result<ChatChunk>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let item = match &this.call {
            None => return this.inner.poll_next_unpin(cx),
            Some(call) => {
                let _entered = call.span.enter();
                ready!(this.inner.poll_next_unpin(cx))
            }
        };
        match &item {
            Some(Ok(chunk)) => this.on_chunk(chunk),
            Some(Err(e)) => this.end(Some(e.kind().as_str()), e.provider()),
            None => this.end(None, None),
        }
        Poll::Ready(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl Drop for TracedStream {
    fn drop(&mut self) {
        if self.call.is_some() {
            // Dropped after the finish reason: the answer was complete.
            let error_type = self.finish_reason.is_none().then_some(CANCELLED);
            self.end(error_type, None);
        }
    }
}
