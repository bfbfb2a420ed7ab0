//! [`Router::chat_stream_with_restart`]: a streamed chat answer that
//! starts over on the next candidate when its provider fails mid-answer.

use std::pin::pin;
use std::sync::Arc;

use futures::StreamExt;
use mosaic_core::ai::{AiRequest, AiResponse, ChatChunk, ChatRequest, ChatStream};
use mosaic_core::{Attempt, Error, ErrorKind, Operation, Request, Result};
use tower::Service;

use super::future::{ResponseFuture, record};
use super::strategy::Order;
use super::{Decision, Router, Shared};
use crate::KindSet;

impl<S> Router<AiRequest, S>
where
    S: Service<Request<AiRequest>, Response = AiResponse, Error = Error>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send,
{
    /// A streamed chat that, when its provider fails after the first chunk,
    /// starts the answer over on the next candidate instead of ending with
    /// the error.
    ///
    /// A plain routed `chat_stream` fails over only until the stream is
    /// open: an error after the first chunk is an item of the stream, since
    /// the caller has already seen part of the answer. This helper is for
    /// callers that can take an answer starting over. It routes the request
    /// like [`Router::call`](tower::Service::call) — the same rule,
    /// strategy order, skipping, failover policy and provider stacks — and
    /// then:
    ///
    /// * it waits for the stream's first item (within the request's
    ///   deadline, if any): a stream that fails before its first chunk
    ///   counts as that candidate failing, and the next one is tried with
    ///   no trace in the stream;
    /// * when the stream fails later with an error the router's
    ///   [`FailoverPolicy`](super::FailoverPolicy) moves on from, the
    ///   request is sent again to the candidates after the failed one in
    ///   the planned order (those tried before are not asked again). The
    ///   stream then yields a marker chunk, [`ChatChunk::restart`], whose
    ///   `restarted` names the provider taking over — everything before it
    ///   belongs to the abandoned answer
    ///   ([`ChatStream::collect_response`] discards it) — followed by the
    ///   new provider's chunks;
    /// * any other error, or one no candidate is left for, ends the stream.
    ///
    /// The rule's attempt limit counts every candidate called, restarts
    /// included. Every error — returned here or as the stream's last item —
    /// lists each failed attempt ([`Error::attempts`]), mid-stream failures
    /// included. The stream's [`provider`](ChatStream::provider) is the
    /// candidate it was opened on; each marker names its successor.
    ///
    /// ```
    /// use futures::StreamExt;
    /// use mosaic_core::ai::{AiService, ChatRequest};
    /// use mosaic_core::{Error, Request};
    /// use mosaic_router::Router;
    /// use mosaic_testing::{AiReply, FakeAi};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let flaky = FakeAi::new();
    /// flaky.push_reply(AiReply::StreamError {
    ///     text: "half an".into(),
    ///     error: Error::unavailable("connection reset"),
    /// });
    /// let steady = FakeAi::new();
    /// steady.push_reply(AiReply::text("whole answer"));
    /// let router = Router::builder()
    ///     .provider("flaky", AiService::new(flaky))
    ///     .provider("steady", AiService::new(steady))
    ///     .build()?;
    ///
    /// let stream = router
    ///     .chat_stream_with_restart(Request::new(ChatRequest::new("fake-chat", "hi")))
    ///     .await?;
    /// assert_eq!(stream.provider(), Some("flaky"));
    /// let answer = stream.collect_response("fake-chat").await?;
    /// assert_eq!(answer.message.content, "whole answer");
    /// assert_eq!(answer.provider.as_deref(), Some("steady"));
    /// # Ok::<(), Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn chat_stream_with_restart(
        &self,
        request: Request<ChatRequest>,
    ) -> Result<ChatStream> {
        let (context, chat) = request.into_parts();
        let request = Request::with_context(context, AiRequest::ChatStream(chat));
        let decision = self.shared.decide(&request);
        let failover_on = self
            .shared
            .failover_kinds(request.operation.is_idempotent(), decision.failover_on);
        let mut restarter = Restarter {
            shared: self.shared.clone(),
            decision,
            request,
            failover_on,
            next: 0,
            used: 0,
            failures: Vec::new(),
        };
        let opened = restarter.open(None).await?;
        let provider = opened.name.to_string();
        let run = Run {
            restarter,
            stream: opened.stream,
            name: opened.name,
            pending: opened.first,
        };
        let stream = futures::stream::unfold(Some(run), |state| async move {
            let mut run = state?;
            let item = run.next_item().await?;
            // An error ends the stream.
            let keep = item.is_ok();
            Some((item, keep.then_some(run)))
        });
        Ok(ChatStream::new(stream).with_provider(provider))
    }
}

/// The routing state of one restartable stream.
struct Restarter<S> {
    shared: Arc<Shared<AiRequest, S>>,
    /// The rule's verdict, made once; restarts walk the rest of its order.
    decision: Decision,
    request: Request<AiRequest>,
    failover_on: KindSet,
    /// Positions of the order already used (tried or skipped).
    next: usize,
    /// Candidates called so far.
    used: u32,
    /// Every failed attempt so far, in order.
    failures: Vec<Attempt>,
}

/// A stream opened on a candidate, with its first chunk.
struct Opened {
    stream: ChatStream,
    name: Arc<str>,
    first: Option<ChatChunk>,
}

impl<S> Restarter<S>
where
    S: Service<Request<AiRequest>, Response = AiResponse, Error = Error> + Clone,
{
    /// Whether the failover policy moves on from `e`.
    fn moves_on(&self, e: &Error) -> bool {
        e.kind() == ErrorKind::Unsupported || self.failover_on.contains(e.kind())
    }

    /// Record the failure `e` of candidate `name` (naming the provider
    /// when the error does not).
    fn failed(&mut self, name: &Arc<str>, e: Error) -> Error {
        let e = if e.provider().is_none() {
            e.with_provider(name.to_string())
        } else {
            e
        };
        record(&mut self.failures, name, &e);
        e
    }

    /// `e` carrying every failed attempt so far.
    fn fail(&mut self, e: Error) -> Error {
        let failures = std::mem::take(&mut self.failures);
        if failures.is_empty() {
            e
        } else {
            e.with_attempts(failures)
        }
    }

    /// Open a stream on the first candidate not used yet that answers:
    /// route the request over the rest of the order (the router's own
    /// failover), then wait for the stream's first item; a stream failing
    /// before it counts as a failed attempt.
    ///
    /// `abandoned` is the failure that made a restart necessary; it is the
    /// error when no candidate is left to try.
    async fn open(&mut self, mut abandoned: Option<Error>) -> Result<Opened> {
        loop {
            let all = self.decision.order.as_slice();
            let rest = &all[self.next.min(all.len())..];
            let budget = self.decision.max_attempts.saturating_sub(self.used);
            if let Some(e) = abandoned.take() {
                if rest.is_empty() || budget == 0 {
                    return Err(self.fail(e));
                }
                abandoned = Some(e);
            }
            let mut order = Order::with_capacity(rest.len());
            rest.iter().for_each(|&p| order.push(p));
            let decision = Decision {
                rule: self.decision.rule.clone(),
                order,
                max_attempts: budget,
                track_latency: self.decision.track_latency,
                failover_on: self.decision.failover_on,
            };
            let mut call = pin!(ResponseFuture::new(
                self.shared.clone(),
                decision,
                self.request.clone(),
            ));
            let result = call.as_mut().await;
            self.used += call.attempts_made();
            let mut stream = match result {
                Ok(AiResponse::ChatStream(stream)) => stream,
                Ok(other) => {
                    let e = mosaic_core::family::mismatch("ai.chat.stream", &other);
                    return Err(self.fail(e));
                }
                Err(e) => {
                    if e.attempts().is_empty() {
                        // Nothing could be tried (all skipped, or past the
                        // deadline): the failure that sent us here stands.
                        return Err(match abandoned {
                            Some(prev) => self.fail(prev),
                            None => self.fail(e),
                        });
                    }
                    self.failures.extend_from_slice(e.attempts());
                    let failures = std::mem::take(&mut self.failures);
                    return Err(e.with_attempts(failures));
                }
            };
            // This round's failures before the one that answered.
            self.failures.extend(call.as_mut().take_failures());
            let Some(idx) = call.served() else {
                return Err(self.fail(Error::internal("router lost track of its call")));
            };
            let Some(pos) = rest.iter().position(|&p| p == idx) else {
                return Err(self.fail(Error::internal("router answered off its plan")));
            };
            self.next += pos + 1;
            let name = self.shared.slots[usize::from(idx)].name.clone();
            let first = match self.request.context.deadline() {
                Some(deadline) => tokio::time::timeout_at(deadline, stream.next())
                    .await
                    .unwrap_or_else(|_| {
                        Some(Err(Error::timeout(format!(
                            "`ai.chat.stream` passed its deadline before the first chunk from `{name}`"
                        ))))
                    }),
                None => stream.next().await,
            };
            match first {
                Some(Ok(chunk)) => {
                    return Ok(Opened {
                        stream,
                        name,
                        first: Some(chunk),
                    });
                }
                None => {
                    return Ok(Opened {
                        stream,
                        name,
                        first: None,
                    });
                }
                Some(Err(e)) => {
                    let e = self.failed(&name, e);
                    if !self.moves_on(&e) {
                        return Err(self.fail(e));
                    }
                    tracing::debug!(
                        rule = &*self.decision.rule,
                        provider = &*name,
                        error_kind = e.kind().as_str(),
                        "stream failed before its first chunk; trying the next candidate"
                    );
                    abandoned = Some(e);
                }
            }
        }
    }
}

/// A restartable stream in flight.
struct Run<S> {
    restarter: Restarter<S>,
    stream: ChatStream,
    /// The candidate streaming now.
    name: Arc<str>,
    /// A chunk read ahead (the first of a newly opened stream).
    pending: Option<ChatChunk>,
}

impl<S> Run<S>
where
    S: Service<Request<AiRequest>, Response = AiResponse, Error = Error> + Clone,
{
    /// The next item: a chunk, a restart marker, or the error ending the
    /// stream; `None` at the end.
    async fn next_item(&mut self) -> Option<Result<ChatChunk>> {
        if let Some(chunk) = self.pending.take() {
            return Some(Ok(chunk));
        }
        let e = match self.stream.next().await? {
            Ok(chunk) => return Some(Ok(chunk)),
            Err(e) => e,
        };
        let e = self.restarter.failed(&self.name, e);
        if !self.restarter.moves_on(&e) {
            return Some(Err(self.restarter.fail(e)));
        }
        tracing::debug!(
            rule = &*self.restarter.decision.rule,
            provider = &*self.name,
            error_kind = e.kind().as_str(),
            "stream failed after its first chunk; restarting on the next candidate"
        );
        metrics::counter!(
            "mosaic_router_stream_restarts_total",
            "provider" => self.name.clone(),
            "error_kind" => e.kind().as_str()
        )
        .increment(1);
        match self.restarter.open(Some(e)).await {
            Ok(opened) => {
                self.stream = opened.stream;
                self.pending = opened.first;
                self.name = opened.name;
                Some(Ok(ChatChunk::restart(&*self.name)))
            }
            Err(e) => Some(Err(e)),
        }
    }
}
