//! The per-provider stacks and the measurement the summary reports.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mosaic_core::{Error, Operation, Request};
use tokio::time::Instant;
use tower::ServiceBuilder;
use tower::util::BoxCloneSyncService;

tokio::task_local! {
    /// Time spent inside providers by the current top-level call.
    static PROVIDER_TIME: std::cell::Cell<Duration>;
}

/// Wrap a provider service: count its calls and add its time to the
/// current top-level call's provider time.
pub(crate) fn measured<R, S>(
    name: &str,
    counters: &Counters,
    inner: S,
) -> BoxCloneSyncService<Request<R>, S::Response, Error>
where
    R: Operation + Send + 'static,
    S: tower::Service<Request<R>, Error = Error> + Clone + Send + Sync + 'static,
    S::Response: Send + 'static,
    S::Future: Send + 'static,
{
    let count = counters.provider(name);
    let svc = ServiceBuilder::new()
        .map_request(move |req: Request<R>| {
            count.fetch_add(1, Ordering::Relaxed);
            req
        })
        .map_future(|fut: S::Future| async move {
            let start = Instant::now();
            let out = fut.await;
            let spent = start.elapsed();
            let _ = PROVIDER_TIME.try_with(|t| t.set(t.get() + spent));
            out
        })
        .service(inner);
    BoxCloneSyncService::new(svc)
}

/// Counters for the summary.
#[derive(Default, Clone)]
pub(crate) struct Counters {
    inner: Arc<Mutex<CountersInner>>,
}

#[derive(Default)]
struct CountersInner {
    providers: BTreeMap<String, Arc<AtomicU64>>,
    outcomes: BTreeMap<&'static str, u64>,
    added: Vec<Duration>,
}

impl Counters {
    fn provider(&self, name: &str) -> Arc<AtomicU64> {
        self.inner
            .lock()
            .unwrap()
            .providers
            .entry(name.to_owned())
            .or_default()
            .clone()
    }

    /// Run one top-level call, recording its outcome and the latency the
    /// stack added on top of the providers' own time.
    pub(crate) async fn call<T>(
        &self,
        fut: impl Future<Output = mosaic_core::Result<T>>,
    ) -> mosaic_core::Result<T> {
        let start = Instant::now();
        let (out, provider) = PROVIDER_TIME
            .scope(std::cell::Cell::new(Duration::ZERO), async {
                let out = fut.await;
                (out, PROVIDER_TIME.with(|t| t.get()))
            })
            .await;
        let total = start.elapsed();
        let mut inner = self.inner.lock().unwrap();
        let outcome = match &out {
            Ok(_) => "ok",
            Err(e) => e.kind().as_str(),
        };
        *inner.outcomes.entry(outcome).or_default() += 1;
        // Everything the stack spent outside providers: routing, caching,
        // breakers, and also deliberate waits (rate-limit queues, backoff).
        inner.added.push(total.saturating_sub(provider));
        out
    }

    /// Calls per provider.
    pub(crate) fn per_provider(&self) -> Vec<(String, u64)> {
        let inner = self.inner.lock().unwrap();
        inner
            .providers
            .iter()
            .map(|(k, v)| (k.clone(), v.load(Ordering::Relaxed)))
            .collect()
    }

    /// Outcomes by error kind (`ok` for successes).
    pub(crate) fn outcomes(&self) -> Vec<(&'static str, u64)> {
        self.inner
            .lock()
            .unwrap()
            .outcomes
            .iter()
            .map(|(k, v)| (*k, *v))
            .collect()
    }

    /// The p-th percentile of added latency.
    pub(crate) fn added_percentile(&self, p: f64) -> Option<Duration> {
        let mut v = self.inner.lock().unwrap().added.clone();
        if v.is_empty() {
            return None;
        }
        v.sort();
        let idx = ((v.len() as f64 - 1.0) * p).round() as usize;
        Some(v[idx.min(v.len() - 1)])
    }
}
