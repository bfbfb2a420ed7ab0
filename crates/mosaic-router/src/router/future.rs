//! The router's response future: try the planned candidates in order.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use mosaic_core::{Error, ErrorKind, Operation, Request, Result};
use tokio::time::Instant;
use tower::{Service, ServiceExt};

use super::health::Health;
use super::provider::Slot;
use super::{Decision, Shared};

/// The future of a [`Router`](super::Router) call.
pub struct ResponseFuture<T> {
    inner: Pin<Box<dyn Future<Output = Result<T>> + Send + 'static>>,
}

impl<T> ResponseFuture<T> {
    pub(crate) fn new(f: impl Future<Output = Result<T>> + Send + 'static) -> Self {
        ResponseFuture { inner: Box::pin(f) }
    }
}

impl<T> Future for ResponseFuture<T> {
    type Output = Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.inner.as_mut().poll(cx)
    }
}

impl<T> fmt::Debug for ResponseFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

/// Counts a request in flight at a provider until dropped.
struct InFlight<'a>(&'a AtomicUsize);

impl<'a> InFlight<'a> {
    fn enter(counter: &'a AtomicUsize) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        InFlight(counter)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Why a candidate was not (or no longer) tried.
type Skipped = Vec<(Arc<str>, Cow<'static, str>)>;

pub(crate) async fn run<R, S>(
    shared: Arc<Shared<R, S>>,
    decision: Decision,
    request: Request<R>,
) -> Result<S::Response>
where
    R: Operation + Clone + Send + 'static,
    S: Service<Request<R>, Error = Error> + Clone + Send + Sync + 'static,
    S::Future: Send,
{
    let op_name = request.operation.name();
    let deadline = request.context.deadline();
    let failover_on = if request.operation.is_idempotent() {
        shared.failover.idempotent
    } else {
        shared.failover.non_idempotent
    };
    let order = decision.order.as_slice();
    let mut skipped: Skipped = Vec::new();
    let mut attempts = 0u32;
    let mut last_error: Option<Error> = None;
    let mut pending = Some(request);

    for (pos, &idx) in order.iter().enumerate() {
        let slot = &shared.slots[usize::from(idx)];
        let Some(req) = pending.as_ref() else { break };
        if let Some(caps) = &slot.capabilities
            && !caps.supports_operation(&req.operation) {
                skipped.push((slot.name.clone(), Cow::Borrowed("lacks the capability")));
                continue;
            }
        if let Some(health) = &slot.health
            && let Health::Unavailable(why) = health.health() {
                skipped.push((slot.name.clone(), why));
                continue;
            }
        if attempts >= decision.max_attempts {
            skipped.push((slot.name.clone(), Cow::Borrowed("attempt limit reached")));
            continue;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(last_error.unwrap_or_else(|| {
                Error::timeout(format!(
                    "`{op_name}` passed its deadline before a provider was tried"
                ))
            }));
        }
        let last_chance = pos + 1 == order.len() || attempts + 1 >= decision.max_attempts;
        // Keep a copy for the next candidate unless this is the last one.
        let req = match pending.take() {
            Some(r) if last_chance => r,
            Some(r) => {
                let copy = r.clone();
                pending = Some(r);
                copy
            }
            None => break,
        };
        attempts += 1;
        let span = tracing::Span::current();
        span.record("provider", &*slot.name);
        span.record("candidate", attempts);

        match attempt(
            &shared,
            slot,
            req,
            op_name,
            deadline,
            decision.track_latency,
        )
        .await
        {
            Ok(resp) => return Ok(resp),
            Err(mut e) => {
                if e.provider().is_none() {
                    e = e.with_provider(slot.name.to_string());
                }
                let moves_on = e.kind() == ErrorKind::Unsupported || failover_on.contains(e.kind());
                if !moves_on {
                    return Err(e);
                }
                tracing::debug!(
                    rule = &*decision.rule,
                    provider = &*slot.name,
                    operation = op_name,
                    attempt = attempts,
                    error_kind = e.kind().as_str(),
                    "provider failed; trying the next candidate"
                );
                metrics::counter!(
                    "mosaic_router_failovers_total",
                    "provider" => slot.name.clone(),
                    "error_kind" => e.kind().as_str()
                )
                .increment(1);
                last_error = Some(e);
            }
        }
    }

    if let Some(e) = last_error {
        if !skipped.is_empty() {
            tracing::debug!(
                rule = &*decision.rule,
                operation = op_name,
                skipped = %SkipList(&skipped),
                "every candidate failed or was skipped"
            );
        }
        return Err(e);
    }
    metrics::counter!("mosaic_router_no_provider_total", "rule" => decision.rule.clone())
        .increment(1);
    Err(Error::new(
        ErrorKind::NoProvider,
        format!(
            "no provider can take `{op_name}` (rule `{}`): {}",
            decision.rule,
            SkipList(&skipped)
        ),
    ))
}

async fn attempt<R, S>(
    shared: &Shared<R, S>,
    slot: &Slot<S>,
    request: Request<R>,
    op_name: &'static str,
    deadline: Option<Instant>,
    track_latency: bool,
) -> Result<S::Response>
where
    S: Service<Request<R>, Error = Error> + Clone,
{
    let _in_flight = InFlight::enter(&slot.stats.in_flight);
    let start = track_latency.then(Instant::now);
    let call = slot.service.clone().oneshot(request);
    let result = match deadline {
        Some(d) => match tokio::time::timeout_at(d, call).await {
            Ok(r) => r,
            Err(_) => Err(Error::timeout(format!(
                "`{op_name}` passed its deadline at provider `{}`",
                slot.name
            ))),
        },
        None => call.await,
    };
    if let (Some(start), Ok(_)) = (start, &result) {
        let now = Instant::now();
        slot.stats
            .observe(now.duration_since(start), now, shared.latency_decay);
    }
    result
}

struct SkipList<'a>(&'a Skipped);

impl fmt::Display for SkipList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("the rule has no candidate left");
        }
        for (i, (name, why)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{name}: {why}")?;
        }
        Ok(())
    }
}
