//! Trace layer: span fields (including those the router and retry fill in)
//! and metrics through the `metrics` facade.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::*;
use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use mosaic_core::{Error, ErrorKind, RequestContext};
use mosaic_router::{Jitter, RetryConfig, RetryLayer, Router, TraceLayer};
use parking_lot::Mutex;
use tower::{Layer, ServiceBuilder, ServiceExt};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

// ----- a metrics recorder that keeps everything -----

#[derive(Default)]
struct Store {
    counters: Mutex<HashMap<String, Arc<AtomicU64>>>,
    histograms: Mutex<HashMap<String, Arc<Samples>>>,
}

#[derive(Default)]
struct Samples(Mutex<Vec<f64>>);

impl metrics::HistogramFn for Samples {
    fn record(&self, value: f64) {
        self.0.lock().push(value);
    }
}

fn render(key: &Key) -> String {
    let labels: BTreeMap<_, _> = key
        .labels()
        .map(|l| (l.key().to_owned(), l.value().to_owned()))
        .collect();
    format!("{}{labels:?}", key.name())
}

struct TestRecorder(Arc<Store>);

impl Recorder for TestRecorder {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        let c = self
            .0
            .counters
            .lock()
            .entry(render(key))
            .or_default()
            .clone();
        Counter::from_arc(c)
    }
    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        let g = self
            .0
            .counters
            .lock()
            .entry(render(key))
            .or_default()
            .clone();
        Gauge::from_arc(g)
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        let h = self
            .0
            .histograms
            .lock()
            .entry(render(key))
            .or_default()
            .clone();
        Histogram::from_arc(h)
    }
}

impl Store {
    /// The value of counter `name` with exactly `labels` (0 if never touched).
    fn counter(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        let labels: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let key = format!("{name}{labels:?}");
        self.counters
            .lock()
            .get(&key)
            .map_or(0, |c| c.load(Ordering::SeqCst))
    }
}

// ----- a tracing layer that keeps every closed span's fields -----

/// A recorded span: its name and its fields.
type SpanRecord = (String, BTreeMap<String, String>);

#[derive(Default, Clone)]
struct Spans(Arc<Mutex<Vec<SpanRecord>>>);

struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for Spans {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut f = Fields(BTreeMap::new());
        attrs.record(&mut f);
        ctx.span(id).unwrap().extensions_mut().insert(f);
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let span = ctx.span(id).unwrap();
        let mut ext = span.extensions_mut();
        if let Some(f) = ext.get_mut::<Fields>() {
            values.record(f);
        }
    }
    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let span = ctx.span(&id).unwrap();
        let fields = span
            .extensions_mut()
            .remove::<Fields>()
            .map(|f| f.0)
            .unwrap_or_default();
        self.0.lock().push((span.name().to_owned(), fields));
    }
}

// ----- per-test capture -----

/// What one test observes: the spans closed and the metrics recorded on
/// its own thread, and nothing from the other tests of this binary.
///
/// Both the subscriber and the recorder are thread-local defaults (installed
/// with `set_default` / `set_default_local_recorder`), and every test runs
/// on paused time on a current-thread runtime, so everything the stack does
/// for that test happens on the test's thread. Each test installs its
/// subscriber *before* anything of its own reaches a `tracing` callsite:
/// `tracing` caches a callsite's interest process-wide, computed from the
/// subscribers alive at the time, and a callsite first reached from a
/// thread without one could be cached as "never" and stay disabled for
/// every other test. With a subscriber on every test thread, the interest
/// computed is always "always".
struct Capture {
    spans: Spans,
    metrics: Arc<Store>,
    recorder: TestRecorder,
    _subscriber: tracing::subscriber::DefaultGuard,
}

impl Capture {
    fn install() -> Capture {
        let spans = Spans::default();
        let subscriber =
            tracing::subscriber::set_default(tracing_subscriber::registry().with(spans.clone()));
        let metrics = Arc::new(Store::default());
        Capture {
            recorder: TestRecorder(metrics.clone()),
            spans,
            metrics,
            _subscriber: subscriber,
        }
    }

    /// Make this test's recorder the thread's `metrics` recorder while the
    /// guard lives.
    fn record(&self) -> metrics::LocalRecorderGuard<'_> {
        metrics::set_default_local_recorder(&self.recorder)
    }

    /// The spans closed so far.
    fn spans(&self) -> Vec<SpanRecord> {
        self.spans.0.lock().clone()
    }
}

#[tokio::test(start_paused = true)]
async fn spans_carry_operation_provider_attempt_outcome_and_latency() {
    let capture = Capture::install();

    // primary fails twice, then the retry finds it working
    let (a, b) = (Probe::new(), Probe::new());
    let primary = a.service_async(|n| async move {
        tokio::time::sleep(Duration::from_millis(40)).await;
        if n < 1 {
            Err(Error::unavailable("down"))
        } else {
            Ok(repo_from("a"))
        }
    });
    let backup = b.service(|_| Err(Error::unavailable("down too")));
    let router = Router::builder()
        .provider("primary", primary)
        .provider("backup", backup)
        .build()
        .unwrap();
    let stack = ServiceBuilder::new()
        .layer(TraceLayer::new())
        .layer(RetryLayer::new(
            RetryConfig::new()
                .jitter(Jitter::None)
                .base_delay(Duration::from_millis(10)),
        ))
        .service(router);
    let ctx = RequestContext::new().with_tenant("acme");
    let id = ctx.id().get();
    stack.oneshot(get("acme", "tools", ctx)).await.unwrap();

    let spans = capture.spans();
    let (_, f) = spans
        .iter()
        .find(|(n, _)| n == "mosaic.request")
        .expect("a request span");
    assert_eq!(f["operation"], "git.repository.get");
    assert_eq!(f["family"], "git");
    assert_eq!(f["tenant"], "acme");
    assert_eq!(f["request_id"], id.to_string());
    assert_eq!(f["outcome"], "ok");
    assert_eq!(f["provider"], "primary", "the router records who answered");
    assert_eq!(f["attempt"], "2", "the retry layer counts attempts");
    assert_eq!(
        f["candidate"], "1",
        "the first candidate answered the second attempt"
    );
    let latency: f64 = f["latency_ms"].parse().unwrap();
    assert!(
        (latency - 90.0).abs() < 1e-6,
        "40 ms + 10 ms backoff + 40 ms: {latency}"
    );
    assert!(!f.contains_key("error_kind"));
}

#[tokio::test(start_paused = true)]
async fn errors_are_recorded_with_their_kind_and_provider() {
    let capture = Capture::install();
    let p = Probe::new();
    let svc = TraceLayer::new()
        .provider("span-test")
        .layer(p.service(|_| Err(Error::not_found("gone"))));
    let err = svc.oneshot(get_repo()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let spans = capture.spans();
    let requests: Vec<_> = spans
        .iter()
        .filter(|(n, _)| n == "mosaic.request")
        .collect();
    assert_eq!(requests.len(), 1, "only this test's span: {requests:?}");
    let (_, f) = requests[0];
    assert_eq!(f["outcome"], "error");
    assert_eq!(f["error_kind"], "not_found");
    assert_eq!(f["provider"], "span-test");
}

#[tokio::test(start_paused = true)]
async fn counters_and_histograms_reach_the_recorder() {
    let capture = Capture::install();
    let _recording = capture.record();
    let s = &capture.metrics;
    let p = Probe::new();
    let svc = TraceLayer::new()
        .provider("metrics-test")
        .layer(p.service(|n| {
            if n % 3 == 2 {
                Err(Error::timeout("slow"))
            } else {
                Ok(repo_from("ok"))
            }
        }));
    for _ in 0..9 {
        let _ = svc.clone().oneshot(get_repo()).await;
    }
    let base = [
        ("family", "git"),
        ("operation", "git.repository.get"),
        ("provider", "metrics-test"),
    ];
    let ok: Vec<_> = base
        .iter()
        .copied()
        .chain([("outcome", "ok"), ("error_kind", "none")])
        .collect();
    let err: Vec<_> = base
        .iter()
        .copied()
        .chain([("outcome", "error"), ("error_kind", "timeout")])
        .collect();
    assert_eq!(s.counter("mosaic_requests_total", &ok), 6);
    assert_eq!(s.counter("mosaic_requests_total", &err), 3);
    assert!(
        s.counters.lock().keys().all(|k| k.contains("metrics-test")),
        "only this test's metrics reach its recorder: {:?}",
        s.counters.lock().keys().collect::<Vec<_>>()
    );
    let hist_key = {
        let labels: BTreeMap<String, String> = base
            .iter()
            .copied()
            .chain([("outcome", "ok")])
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        format!("mosaic_request_duration_seconds{labels:?}")
    };
    let samples = s
        .histograms
        .lock()
        .get(&hist_key)
        .map(|h| h.0.lock().len())
        .unwrap_or(0);
    assert_eq!(samples, 6);
}

#[tokio::test(start_paused = true)]
async fn other_layers_count_their_events() {
    let capture = Capture::install();
    let _recording = capture.record();
    let s = &capture.metrics;
    let p = Probe::new();
    let router = Router::builder()
        .provider("m-a", p.service(|_| Err(Error::unavailable("down"))))
        .provider("m-b", Probe::new().service(|_| Ok(repo_from("b"))))
        .build()
        .unwrap();
    router.oneshot(get_repo()).await.unwrap();
    assert_eq!(
        s.counter(
            "mosaic_router_failovers_total",
            &[("provider", "m-a"), ("error_kind", "unavailable")]
        ),
        1
    );

    let svc = mosaic_router::RateLimitLayer::new(mosaic_router::RateLimitConfig::new(
        "m-rl",
        mosaic_router::Quota::per_hour(1),
    ))
    .layer(Probe::new().service(|_| Ok(repo_from("ok"))));
    svc.clone().oneshot(get_repo()).await.unwrap();
    svc.clone().oneshot(get_repo()).await.unwrap_err();
    assert_eq!(
        s.counter("mosaic_rate_limited_total", &[("limiter", "m-rl")]),
        1
    );
}
