//! From a streamed HTTP body to a [`ChatStream`].
//!
//! A provider's [`ChunkDecoder`] turns body bytes (in whatever pieces they
//! arrive) into normalized [`ChatChunk`]s. [`open_stream`] drives one over
//! a body and waits for the first chunk before it returns, so that a
//! failure before any output — a refused request, an error event, a body
//! that ends at once — is the ordinary `Err` of `chat_stream` (a router
//! can still fail over), and only failures after the first chunk become
//! items of the stream.

use std::collections::VecDeque;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use mosaic_core::ai::{ChatChunk, ChatStream};
use mosaic_core::{Error, ErrorKind, Result};

/// Turns a provider's streamed body into normalized [`ChatChunk`]s.
///
/// Implementations are incremental: [`decode`](Self::decode) may be called
/// with the body split at any byte, and the chunks produced do not depend
/// on where. Every chunk carries something (text, tool-call fragments,
/// complete tool calls, or the finish reason and usage); the last chunk,
/// and only it, carries the finish reason and the usage.
pub trait ChunkDecoder: Send + 'static {
    /// The provider name for errors.
    fn provider(&self) -> &'static str;

    /// Decode the next bytes, appending the chunks they complete to `out`.
    /// An error (a malformed event, an error event from the server) ends
    /// the stream; chunks appended before it are still delivered.
    fn decode(&mut self, bytes: &[u8], out: &mut Vec<ChatChunk>) -> Result<()>;

    /// The body ended: append what is left, or fail when the stream was
    /// cut short before its final event.
    fn finish(&mut self, out: &mut Vec<ChatChunk>) -> Result<()>;

    /// Whether the final event has been decoded (the rest of the body,
    /// if any, is not needed).
    fn is_done(&self) -> bool;
}

/// Decode a whole recorded body at once (`decode` then `finish`).
pub fn decode_all<D: ChunkDecoder + ?Sized>(
    decoder: &mut D,
    body: &[u8],
) -> Result<Vec<ChatChunk>> {
    let mut out = Vec::new();
    decoder.decode(body, &mut out)?;
    if !decoder.is_done() {
        decoder.finish(&mut out)?;
    }
    Ok(out)
}

type Body = Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>;

struct Driver<D> {
    body: Body,
    decoder: D,
    ready: VecDeque<ChatChunk>,
    scratch: Vec<ChatChunk>,
    error: Option<Error>,
    idle: Option<Duration>,
    ended: bool,
}

impl<D: ChunkDecoder> Driver<D> {
    async fn next(&mut self) -> Option<Result<ChatChunk>> {
        loop {
            if let Some(c) = self.ready.pop_front() {
                return Some(Ok(c));
            }
            if let Some(e) = self.error.take() {
                return Some(Err(e));
            }
            if self.ended {
                return None;
            }
            let item = match self.idle {
                Some(limit) => match tokio::time::timeout(limit, self.body.next()).await {
                    Ok(item) => item,
                    Err(_) => {
                        self.ended = true;
                        return Some(Err(Error::timeout(format!(
                            "the stream sent nothing for {}s",
                            limit.as_secs_f64()
                        ))
                        .with_provider(self.decoder.provider())));
                    }
                },
                None => self.body.next().await,
            };
            let result = match item {
                Some(Ok(bytes)) => self.decoder.decode(&bytes, &mut self.scratch),
                Some(Err(e)) => Err(e),
                None => {
                    self.ended = true;
                    self.decoder.finish(&mut self.scratch)
                }
            };
            self.ready.extend(self.scratch.drain(..));
            if let Err(e) = result {
                self.ended = true;
                self.error = Some(if e.provider().is_none() {
                    e.with_provider(self.decoder.provider())
                } else {
                    e
                });
            } else if self.decoder.is_done() {
                self.ended = true;
            }
        }
    }
}

/// Drive `decoder` over `body` and return the stream once its first chunk
/// has been decoded. `idle` bounds the wait for each piece of the body
/// (`Timeout` when it passes).
///
/// Waiting for the first chunk means a failure before any output (a
/// refused request, an error event, a body that ends at once) is this
/// function's `Err`, on which a router can still fail over; only failures
/// after the first chunk become items of the stream.
pub async fn open_stream<S, D>(body: S, decoder: D, idle: Option<Duration>) -> Result<ChatStream>
where
    S: Stream<Item = Result<Bytes>> + Send + 'static,
    D: ChunkDecoder,
{
    let mut driver = Driver {
        body: Box::pin(body),
        decoder,
        ready: VecDeque::new(),
        scratch: Vec::new(),
        error: None,
        idle,
        ended: false,
    };
    match driver.next().await {
        Some(Ok(first)) => {
            let rest = futures::stream::unfold(driver, |mut d| async move {
                d.next().await.map(|item| (item, d))
            });
            Ok(ChatStream::new(
                futures::stream::once(async move { Ok(first) }).chain(rest),
            ))
        }
        Some(Err(e)) => Err(e),
        None => Err(Error::new(
            ErrorKind::Decode,
            "the stream ended without producing anything",
        )
        .with_provider(driver.decoder.provider())),
    }
}
