//! The budgeted chat stream: reconciles its reservation when the stream
//! ends, fails or is dropped.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures::{Stream, StreamExt};
use mosaic_core::Result;
use mosaic_core::ai::price::CHARS_PER_TOKEN;
use mosaic_core::ai::{ChatChunk, ChatStream, Usage};

use super::reservation::{Reservation, is_reported};

/// A [`ChatStream`] whose reservation is reconciled when it ends.
pub(crate) struct BudgetStream {
    inner: ChatStream,
    /// `None` once reconciled.
    reservation: Option<Reservation>,
    /// Characters of text and tool-call arguments of the current attempt.
    output_chars: usize,
    /// The usage the current attempt reported (final chunk).
    usage: Option<Usage>,
    /// What attempts abandoned at a restart marker used.
    abandoned: Usage,
    /// The prompt's estimated tokens.
    input_tokens: u64,
}

impl BudgetStream {
    pub(crate) fn new(inner: ChatStream, reservation: Reservation) -> Self {
        BudgetStream {
            inner,
            input_tokens: reservation.estimate.input_tokens,
            reservation: Some(reservation),
            output_chars: 0,
            usage: None,
            abandoned: Usage::default(),
        }
    }

    /// What the current attempt used: as reported, else estimated from the
    /// prompt and the characters produced.
    fn attempt(&self) -> Usage {
        self.usage.unwrap_or(Usage {
            input_tokens: self.input_tokens,
            output_tokens: self.output_chars.div_ceil(CHARS_PER_TOKEN) as u64,
            cached_input_tokens: None,
        })
    }

    /// What every attempt used.
    fn total(&self) -> Usage {
        let mut total = self.attempt();
        total.add(&self.abandoned);
        total
    }

    fn on_chunk(&mut self, chunk: &ChatChunk) {
        if chunk.is_restart() {
            let abandoned = self.attempt();
            self.abandoned.add(&abandoned);
            self.output_chars = 0;
            self.usage = None;
            return;
        }
        self.output_chars += chunk.delta.len()
            + chunk
                .tool_call_deltas
                .iter()
                .map(|d| d.arguments.len())
                .sum::<usize>();
        if let Some(usage) = chunk.usage.filter(is_reported) {
            self.usage = Some(usage);
        }
    }
}

impl Stream for BudgetStream {
    type Item = Result<ChatChunk>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let item = ready!(this.inner.poll_next_unpin(cx));
        match &item {
            Some(Ok(chunk)) => this.on_chunk(chunk),
            Some(Err(_)) | None => {
                if let Some(reservation) = this.reservation.take() {
                    reservation.settle(&this.total(), None);
                }
            }
        }
        Poll::Ready(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl Drop for BudgetStream {
    fn drop(&mut self) {
        let Some(reservation) = self.reservation.take() else {
            return;
        };
        let total = self.total();
        if self.usage.is_some() {
            // The final chunk arrived: the usage is known.
            reservation.settle(&total, None);
        } else {
            reservation.keep_at_least(&total);
        }
    }
}
