//! The router's response future: try the planned candidates in order.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use mosaic_core::{Attempt, Error, ErrorKind, Operation, Request, Result, Served};
use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep};
use tower::Service;
use tower::util::Oneshot;

use super::explain::SkipReason;
use super::{Decision, Shared};
use crate::KindSet;

/// Why candidates were not tried.
type Skipped = Vec<(Arc<str>, Cow<'static, str>)>;

pin_project! {
    /// The future of a [`Router`](super::Router) call.
    ///
    /// It walks the planned candidates: skips those that lack the
    /// capability or report themselves unhealthy, sends the request to the
    /// next one (a copy, while others may follow), and on a failure the
    /// failover policy allows moves on — within the attempt limit and the
    /// request's deadline.
    ///
    /// An answer is marked with the candidate that gave it
    /// ([`Served::set_served_by`]); a failure carries every attempt made
    /// ([`Error::attempts`]), in order — the list is built only once a
    /// candidate has failed.
    pub struct ResponseFuture<R, S>
    where
        S: Service<Request<R>>,
    {
        shared: Arc<Shared<R, S>>,
        decision: Decision,
        pending: Option<Request<R>>,
        op_name: &'static str,
        deadline: Option<Instant>,
        failover_on: KindSet,
        next: usize,
        attempts: u32,
        // The provider being called (its in-flight count is held, on
        // stripe `stripe`).
        current: Option<u16>,
        stripe: usize,
        started: Option<Instant>,
        last_error: Option<Error>,
        skipped: Skipped,
        // The failed calls so far (allocated on the first failure).
        failures: Vec<Attempt>,
        // The provider that answered.
        served: Option<u16>,
        #[pin]
        call: Option<Oneshot<S, Request<R>>>,
        // The deadline's timer (boxed: most requests have none, and the
        // future stays small for them).
        sleep: Option<Pin<Box<Sleep>>>,
    }

    impl<R, S> PinnedDrop for ResponseFuture<R, S>
    where
        S: Service<Request<R>>,
    {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Some(i) = this.current.take() {
                this.shared.slots[usize::from(i)]
                    .stats
                    .in_flight
                    .decrement(*this.stripe);
            }
        }
    }
}

impl<R, S> ResponseFuture<R, S>
where
    R: Operation,
    S: Service<Request<R>>,
{
    pub(crate) fn new(shared: Arc<Shared<R, S>>, decision: Decision, request: Request<R>) -> Self {
        let op = &request.operation;
        let failover_on = shared.failover_kinds(op.is_idempotent(), decision.failover_on);
        ResponseFuture {
            op_name: op.name(),
            deadline: request.context.deadline(),
            failover_on,
            shared,
            decision,
            pending: Some(request),
            next: 0,
            attempts: 0,
            current: None,
            stripe: 0,
            started: None,
            last_error: None,
            skipped: Vec::new(),
            failures: Vec::new(),
            served: None,
            call: None,
            sleep: None,
        }
    }

    /// How many candidates were called.
    pub(crate) fn attempts_made(&self) -> u32 {
        self.attempts
    }

    /// The provider (slot index) that answered, once one did.
    pub(crate) fn served(&self) -> Option<u16> {
        self.served
    }

    /// The failed attempts before the answer (empty once an error carried
    /// them out).
    pub(crate) fn take_failures(self: Pin<&mut Self>) -> Vec<Attempt> {
        std::mem::take(self.project().failures)
    }
}

/// Add the failure `e` of candidate `name` to `failures`: one attempt, or
/// the attempts of a nested router that produced it.
pub(super) fn record(failures: &mut Vec<Attempt>, name: &Arc<str>, e: &Error) {
    if e.attempts().is_empty() {
        failures.push(Attempt::from_error(name.clone(), e));
    } else {
        failures.extend_from_slice(e.attempts());
    }
}

/// The error to return: `e` with the failed attempts, if there were any.
fn with_failures(e: Error, failures: &mut Vec<Attempt>) -> Error {
    if failures.is_empty() {
        e
    } else {
        e.with_attempts(std::mem::take(failures))
    }
}

/// What to do after looking at the remaining candidates.
enum Step<R> {
    /// Call provider `slot` with this request.
    Call(u16, Request<R>),
    /// Nothing left: finish with this error.
    Done(Error),
}

impl<R, S> Future for ResponseFuture<R, S>
where
    R: Operation + Clone,
    S: Service<Request<R>, Error = Error> + Clone,
    S::Response: Served,
{
    type Output = Result<S::Response>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            if let Some(call) = this.call.as_mut().as_pin_mut() {
                let result = match call.poll(cx) {
                    Poll::Ready(r) => r,
                    Poll::Pending => {
                        let expired = this
                            .sleep
                            .as_mut()
                            .is_some_and(|s| s.as_mut().poll(cx).is_ready());
                        if !expired {
                            return Poll::Pending;
                        }
                        let name = this
                            .current
                            .map(|i| this.shared.slots[usize::from(i)].name.clone())
                            .unwrap_or_else(|| "?".into());
                        Err(Error::timeout(format!(
                            "`{}` passed its deadline at provider `{name}`",
                            this.op_name
                        )))
                    }
                };
                this.call.set(None);
                let Some(idx) = this.current.take() else {
                    return Poll::Ready(Err(Error::internal("router lost track of its call")));
                };
                let slot = &this.shared.slots[usize::from(idx)];
                slot.stats.in_flight.decrement(*this.stripe);
                match result {
                    Ok(mut resp) => {
                        resp.set_served_by(&slot.name);
                        *this.served = Some(idx);
                        if let Some(start) = this.started.take() {
                            let now = Instant::now();
                            slot.stats.observe(
                                now.saturating_duration_since(start),
                                now,
                                this.shared.latency_decay,
                            );
                        }
                        return Poll::Ready(Ok(resp));
                    }
                    Err(mut e) => {
                        if e.provider().is_none() {
                            e = e.with_provider(slot.name.to_string());
                        }
                        record(this.failures, &slot.name, &e);
                        let moves_on = e.kind() == ErrorKind::Unsupported
                            || this.failover_on.contains(e.kind());
                        if !moves_on {
                            return Poll::Ready(Err(with_failures(e, this.failures)));
                        }
                        tracing::debug!(
                            rule = &*this.decision.rule,
                            provider = &*slot.name,
                            operation = *this.op_name,
                            candidate = *this.attempts,
                            error_kind = e.kind().as_str(),
                            "provider failed; trying the next candidate"
                        );
                        metrics::counter!(
                            "mosaic_router_failovers_total",
                            "provider" => slot.name.clone(),
                            "error_kind" => e.kind().as_str()
                        )
                        .increment(1);
                        *this.last_error = Some(e);
                    }
                }
            }

            // Pick the next candidate that may be tried.
            let step = next_step(
                this.shared,
                this.decision,
                this.pending,
                this.next,
                this.attempts,
                this.skipped,
                this.last_error,
                *this.deadline,
                this.op_name,
            );
            match step {
                Step::Done(e) => return Poll::Ready(Err(with_failures(e, this.failures))),
                Step::Call(idx, request) => {
                    let slot = &this.shared.slots[usize::from(idx)];
                    *this.stripe = slot.stats.in_flight.increment();
                    *this.current = Some(idx);
                    *this.started = this.decision.track_latency.then(Instant::now);
                    let span = tracing::Span::current();
                    if !span.is_disabled() {
                        span.record("provider", &*slot.name);
                        span.record("candidate", *this.attempts);
                    }
                    if let (Some(d), None) = (*this.deadline, this.sleep.as_ref()) {
                        *this.sleep = Some(Box::pin(tokio::time::sleep_until(d)));
                    }
                    this.call
                        .set(Some(Oneshot::new(slot.service.clone(), request)));
                }
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn next_step<R, S>(
    shared: &Shared<R, S>,
    decision: &Decision,
    pending: &mut Option<Request<R>>,
    next: &mut usize,
    attempts: &mut u32,
    skipped: &mut Skipped,
    last_error: &mut Option<Error>,
    deadline: Option<Instant>,
    op_name: &'static str,
) -> Step<R>
where
    R: Operation + Clone,
{
    let order = decision.order.as_slice();
    while *next < order.len() {
        let pos = *next;
        *next += 1;
        let idx = order[pos];
        let slot = &shared.slots[usize::from(idx)];
        let Some(req) = pending.as_ref() else { break };
        if let Some(why) = slot.skip_reason(&req.operation) {
            skipped.push((slot.name.clone(), why.into_message()));
            continue;
        }
        if *attempts >= decision.max_attempts {
            skipped.push((slot.name.clone(), SkipReason::AttemptLimit.into_message()));
            continue;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Step::Done(last_error.take().unwrap_or_else(|| {
                Error::timeout(format!(
                    "`{op_name}` passed its deadline before a provider was tried"
                ))
            }));
        }
        let last_chance = pos + 1 == order.len() || *attempts + 1 >= decision.max_attempts;
        // Keep the request for the next candidate unless this is the last one.
        let request = if last_chance {
            match pending.take() {
                Some(r) => r,
                None => break,
            }
        } else {
            req.clone()
        };
        *attempts += 1;
        return Step::Call(idx, request);
    }

    if let Some(e) = last_error.take() {
        if !skipped.is_empty() {
            tracing::debug!(
                rule = &*decision.rule,
                operation = op_name,
                skipped = %SkipList(skipped),
                "every candidate failed or was skipped"
            );
        }
        return Step::Done(e);
    }
    metrics::counter!("mosaic_router_no_provider_total", "rule" => decision.rule.clone())
        .increment(1);
    Step::Done(Error::new(
        ErrorKind::NoProvider,
        format!(
            "no provider can take `{op_name}` (rule `{}`): {}",
            decision.rule,
            SkipList(skipped)
        ),
    ))
}

impl<R, S> fmt::Debug for ResponseFuture<R, S>
where
    S: Service<Request<R>>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("operation", &self.op_name)
            .field("rule", &self.decision.rule)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
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
