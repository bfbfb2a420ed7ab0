//! GenAI telemetry: span fields, events and metrics named by the
//! OpenTelemetry GenAI semantic conventions, streams on paused time, and
//! content capture off by default.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use mosaic_core::ai::{
    AiRequest, AiResponse, ChatChunk, ChatRequest, ChatResponse, ChatStream, Completion,
    CompletionRequest, EmbeddingRequest, Embeddings, FinishReason, ListModels, Message, Usage,
};
use mosaic_core::{Error, Page, Request};
use mosaic_router::GenAiTraceLayer;
use parking_lot::Mutex;
use tower::{Layer, ServiceExt};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

// ----- a metrics recorder that keeps every histogram sample -----

/// Samples per metric name, per label set.
#[derive(Default, Clone)]
struct Metrics(Arc<Mutex<HashMap<String, Series>>>);

type Labels = BTreeMap<String, String>;

/// The label sets of one metric, each with its samples.
type Series = Vec<(Labels, Arc<Samples>)>;

#[derive(Default)]
struct Samples(Mutex<Vec<f64>>);

impl metrics::HistogramFn for Samples {
    fn record(&self, value: f64) {
        self.0.lock().push(value);
    }
}

impl Recorder for Metrics {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, _: &Key, _: &Metadata<'_>) -> Counter {
        Counter::noop()
    }
    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        let labels: Labels = key
            .labels()
            .map(|l| (l.key().to_owned(), l.value().to_owned()))
            .collect();
        let mut map = self.0.lock();
        let series = map.entry(key.name().to_owned()).or_default();
        let samples = match series.iter().find(|(l, _)| *l == labels) {
            Some((_, s)) => s.clone(),
            None => {
                let s = Arc::new(Samples::default());
                series.push((labels, s.clone()));
                s
            }
        };
        Histogram::from_arc(samples)
    }
}

impl Metrics {
    /// The samples of `name` whose labels are exactly `labels`.
    fn samples(&self, name: &str, labels: &[(&str, &str)]) -> Vec<f64> {
        let want: Labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.0
            .lock()
            .get(name)
            .and_then(|series| series.iter().find(|(l, _)| *l == want))
            .map(|(_, s)| s.0.lock().clone())
            .unwrap_or_default()
    }

    /// Every label set of `name` that has samples.
    fn series(&self, name: &str) -> Vec<Labels> {
        self.0
            .lock()
            .get(name)
            .map(|series| {
                series
                    .iter()
                    .filter(|(_, s)| !s.0.lock().is_empty())
                    .map(|(l, _)| l.clone())
                    .collect()
            })
            .unwrap_or_default()
    }
}

// ----- a tracing layer that keeps spans (with their fields) and events -----

#[derive(Debug, Clone)]
struct SpanRecord {
    name: String,
    fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
struct EventRecord {
    name: String,
    /// The span the event belongs to.
    parent: Option<String>,
    fields: BTreeMap<String, String>,
}

#[derive(Default, Clone)]
struct Traces {
    closed: Arc<Mutex<Vec<SpanRecord>>>,
    events: Arc<Mutex<Vec<EventRecord>>>,
}

struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for Traces {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut f = Fields(BTreeMap::new());
        attrs.record(&mut f);
        ctx.span(id).unwrap().extensions_mut().insert(f);
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let span = ctx.span(id).unwrap();
        if let Some(f) = span.extensions_mut().get_mut::<Fields>() {
            values.record(f);
        }
    }
    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        let mut f = Fields(BTreeMap::new());
        event.record(&mut f);
        let parent = ctx.event_span(event).map(|s| s.name().to_owned());
        self.events.lock().push(EventRecord {
            name: event.metadata().name().to_owned(),
            parent,
            fields: f.0,
        });
    }
    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let span = ctx.span(&id).unwrap();
        let fields = span
            .extensions_mut()
            .remove::<Fields>()
            .map(|f| f.0)
            .unwrap_or_default();
        self.closed.lock().push(SpanRecord {
            name: span.name().to_owned(),
            fields,
        });
    }
}

impl Traces {
    fn spans(&self) -> Vec<SpanRecord> {
        self.closed.lock().clone()
    }

    /// The one closed `gen_ai` span.
    fn gen_ai_span(&self) -> BTreeMap<String, String> {
        let spans: Vec<_> = self
            .spans()
            .into_iter()
            .filter(|s| s.name == "gen_ai")
            .collect();
        assert_eq!(spans.len(), 1, "one gen_ai span: {spans:?}");
        spans[0].fields.clone()
    }

    fn events(&self) -> Vec<EventRecord> {
        self.events.lock().clone()
    }
}

/// Run `test` on a paused current-thread runtime with its own subscriber
/// and metrics recorder.
fn run<F: std::future::Future<Output = ()>>(test: impl FnOnce(Traces, Metrics) -> F) {
    let traces = Traces::default();
    let metrics = Metrics::default();
    let subscriber = tracing_subscriber::registry().with(traces.clone());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    tracing::subscriber::with_default(subscriber, || {
        metrics::with_local_recorder(&metrics, || {
            rt.block_on(test(traces.clone(), metrics.clone()))
        })
    });
}

// ----- providers -----

/// A provider answering every call with `answer(request)` after `delay`
/// of (paused) time.
fn provider<F>(
    delay: Duration,
    answer: F,
) -> impl tower::Service<
    Request<AiRequest>,
    Response = AiResponse,
    Error = Error,
    Future = impl std::future::Future<Output = Result<AiResponse, Error>> + Send,
> + Clone
where
    F: Fn(AiRequest) -> Result<AiResponse, Error> + Clone + Send + 'static,
{
    tower::service_fn(move |req: Request<AiRequest>| {
        let answer = answer.clone();
        async move {
            tokio::time::advance(delay).await;
            answer(req.operation)
        }
    })
}

fn chat_answer() -> ChatResponse {
    ChatResponse {
        id: "chatcmpl-7".into(),
        model: "gpt-4o-mini-2024-07-18".into(),
        message: Message::assistant("ANSWER-MARKER"),
        finish_reason: Some(FinishReason::Stop),
        usage: Usage {
            input_tokens: 12,
            output_tokens: 34,
            cached_input_tokens: Some(5),
        },
        ..Default::default()
    }
}

fn chat_request() -> ChatRequest {
    let mut req = ChatRequest::new("gpt-4o-mini", "PROMPT-MARKER")
        .system("SYSTEM-MARKER")
        .max_tokens(64);
    req.temperature = Some(0.7);
    req.top_p = Some(0.9);
    req
}

/// A stream whose chunks arrive after the given delays (paused time is
/// advanced before each is yielded); the last chunk carries the finish
/// reason and usage.
fn timed_stream(delays: Vec<Duration>) -> ChatStream {
    let n = delays.len();
    ChatStream::new(futures::stream::unfold(0usize, move |i| {
        let delays = delays.clone();
        async move {
            let delay = *delays.get(i)?;
            tokio::time::advance(delay).await;
            let last = i + 1 == n;
            let chunk = ChatChunk {
                delta: format!("STREAM-MARKER-{i} "),
                finish_reason: last.then_some(FinishReason::Length),
                usage: last.then_some(Usage {
                    input_tokens: 7,
                    output_tokens: 3,
                    cached_input_tokens: None,
                }),
                ..Default::default()
            };
            Some((Ok(chunk), i + 1))
        }
    }))
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

const DURATION: &str = "gen_ai.client.operation.duration";
const TOKENS: &str = "gen_ai.client.token.usage";
const TTFC: &str = "gen_ai.client.operation.time_to_first_chunk";
const PER_CHUNK: &str = "gen_ai.client.operation.time_per_output_chunk";

/// The common labels of an operation.
fn labels<'a>(
    op: &'a str,
    provider: &'a str,
    request_model: &'a str,
    response_model: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("gen_ai.operation.name", op),
        ("gen_ai.provider.name", provider),
        ("gen_ai.request.model", request_model),
        ("gen_ai.response.model", response_model),
    ]
}

fn with<'a>(mut base: Vec<(&'a str, &'a str)>, k: &'a str, v: &'a str) -> Vec<(&'a str, &'a str)> {
    base.push((k, v));
    base
}

// ----- tests -----

#[test]
fn chat_span_fields_and_metrics() {
    run(|traces, metrics| async move {
        let svc = GenAiTraceLayer::new()
            .provider("openai")
            .layer(provider(ms(1500), |_| Ok(AiResponse::Chat(chat_answer()))));
        let resp = svc
            .oneshot(Request::new(AiRequest::Chat(chat_request())))
            .await
            .unwrap();
        assert!(matches!(resp, AiResponse::Chat(_)));

        let span = traces.gen_ai_span();
        let expect = [
            ("otel.name", "chat gpt-4o-mini"),
            ("otel.kind", "client"),
            ("gen_ai.operation.name", "chat"),
            ("gen_ai.provider.name", "openai"),
            ("gen_ai.request.model", "gpt-4o-mini"),
            ("gen_ai.request.max_tokens", "64"),
            ("gen_ai.request.temperature", "0.7"),
            ("gen_ai.request.top_p", "0.9"),
            ("gen_ai.response.id", "chatcmpl-7"),
            ("gen_ai.response.model", "gpt-4o-mini-2024-07-18"),
            ("gen_ai.response.finish_reasons", r#"["stop"]"#),
            ("gen_ai.usage.input_tokens", "12"),
            ("gen_ai.usage.output_tokens", "34"),
            ("gen_ai.usage.cache_read.input_tokens", "5"),
        ];
        for (k, v) in expect {
            assert_eq!(span.get(k).map(String::as_str), Some(v), "{k} in {span:?}");
        }
        for absent in [
            "error.type",
            "otel.status_code",
            "gen_ai.request.stream",
            "gen_ai.response.time_to_first_chunk",
        ] {
            assert!(!span.contains_key(absent), "{absent} in {span:?}");
        }

        let base = labels("chat", "openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18");
        assert_eq!(metrics.samples(DURATION, &base), vec![1.5]);
        assert_eq!(
            metrics.samples(TOKENS, &with(base.clone(), "gen_ai.token.type", "input")),
            vec![12.0]
        );
        assert_eq!(
            metrics.samples(TOKENS, &with(base.clone(), "gen_ai.token.type", "output")),
            vec![34.0]
        );
        assert!(
            metrics.series(TTFC).is_empty(),
            "no time to first chunk without a stream"
        );
    });
}

#[test]
fn handles_are_reused_across_calls() {
    run(|_traces, metrics| async move {
        let svc = GenAiTraceLayer::new()
            .provider("openai")
            .layer(provider(ms(100), |_| Ok(AiResponse::Chat(chat_answer()))));
        for _ in 0..3 {
            svc.clone()
                .oneshot(Request::new(AiRequest::Chat(chat_request())))
                .await
                .unwrap();
        }
        let base = labels("chat", "openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18");
        assert_eq!(metrics.samples(DURATION, &base), vec![0.1; 3]);
        assert_eq!(metrics.series(DURATION).len(), 1);
    });
}

#[test]
fn embeddings_and_completion_operation_names() {
    run(|traces, metrics| async move {
        let svc =
            GenAiTraceLayer::new()
                .provider("openai")
                .layer(provider(ms(10), |op| match op {
                    AiRequest::Embed(_) => Ok(AiResponse::Embed(Embeddings {
                        model: "text-embedding-3-small".into(),
                        vectors: vec![vec![0.1, 0.2]],
                        usage: Usage {
                            input_tokens: 8,
                            ..Default::default()
                        },
                        ..Default::default()
                    })),
                    _ => Ok(AiResponse::Complete(Completion {
                        id: "cmpl-1".into(),
                        model: "gpt-3.5-turbo-instruct".into(),
                        text: "upon a time".into(),
                        finish_reason: Some(FinishReason::Length),
                        usage: Usage {
                            input_tokens: 2,
                            output_tokens: 3,
                            cached_input_tokens: None,
                        },
                        ..Default::default()
                    })),
                }));
        svc.clone()
            .oneshot(Request::new(AiRequest::Embed(EmbeddingRequest {
                model: "text-embedding-3-small".into(),
                inputs: vec!["EMBED-MARKER".into()],
                dimensions: Some(256),
            })))
            .await
            .unwrap();
        let span = traces.gen_ai_span();
        assert_eq!(span["otel.name"], "embeddings text-embedding-3-small");
        assert_eq!(span["gen_ai.operation.name"], "embeddings");
        assert_eq!(span["gen_ai.embeddings.dimension.count"], "256");
        assert_eq!(span["gen_ai.usage.input_tokens"], "8");
        assert!(!span.contains_key("gen_ai.usage.output_tokens"));
        let base = labels(
            "embeddings",
            "openai",
            "text-embedding-3-small",
            "text-embedding-3-small",
        );
        assert_eq!(
            metrics.samples(TOKENS, &with(base.clone(), "gen_ai.token.type", "input")),
            vec![8.0]
        );
        assert!(
            metrics
                .samples(TOKENS, &with(base, "gen_ai.token.type", "output"))
                .is_empty(),
            "embeddings have no output tokens"
        );

        traces.closed.lock().clear();
        svc.oneshot(Request::new(AiRequest::Complete(CompletionRequest {
            model: "gpt-3.5-turbo-instruct".into(),
            prompt: "once".into(),
            max_tokens: Some(3),
            ..Default::default()
        })))
        .await
        .unwrap();
        let span = traces.gen_ai_span();
        assert_eq!(span["otel.name"], "text_completion gpt-3.5-turbo-instruct");
        assert_eq!(span["gen_ai.operation.name"], "text_completion");
        assert_eq!(span["gen_ai.response.finish_reasons"], r#"["length"]"#);
        assert_eq!(span["gen_ai.response.id"], "cmpl-1");
        assert_eq!(span["gen_ai.usage.output_tokens"], "3");
    });
}

#[test]
fn failure_records_error_type_and_the_errors_provider() {
    run(|traces, metrics| async move {
        // No provider configured: the error names it.
        let svc = GenAiTraceLayer::new().layer(provider(ms(250), |_| {
            Err(Error::rate_limited(None).with_provider("anthropic"))
        }));
        let err = svc
            .oneshot(Request::new(AiRequest::Chat(ChatRequest::new(
                "claude-3-5-haiku-latest",
                "hi",
            ))))
            .await
            .unwrap_err();
        assert!(err.is_rate_limited());

        let span = traces.gen_ai_span();
        assert_eq!(span["error.type"], "rate_limited");
        assert_eq!(span["otel.status_code"], "error");
        assert_eq!(span["gen_ai.provider.name"], "anthropic");
        assert!(!span.contains_key("gen_ai.response.model"));
        assert!(!span.contains_key("gen_ai.usage.input_tokens"));

        let base = labels("chat", "anthropic", "claude-3-5-haiku-latest", "");
        assert_eq!(
            metrics.samples(DURATION, &with(base, "error.type", "rate_limited")),
            vec![0.25]
        );
        assert!(metrics.series(TOKENS).is_empty(), "no usage on failure");
    });
}

#[test]
fn unreported_usage_records_no_tokens() {
    run(|traces, metrics| async move {
        let svc = GenAiTraceLayer::new()
            .provider("ollama")
            .layer(provider(ms(1), |_| {
                Ok(AiResponse::Chat(ChatResponse {
                    model: "llama3".into(),
                    ..Default::default()
                }))
            }));
        svc.oneshot(Request::new(AiRequest::Chat(ChatRequest::new(
            "llama3", "hi",
        ))))
        .await
        .unwrap();
        let span = traces.gen_ai_span();
        assert!(!span.contains_key("gen_ai.usage.input_tokens"));
        assert!(
            !span.contains_key("gen_ai.response.id"),
            "empty id not recorded"
        );
        assert!(metrics.series(TOKENS).is_empty());
        assert_eq!(metrics.series(DURATION).len(), 1);
    });
}

#[test]
fn stream_time_to_first_chunk_and_end() {
    run(|traces, metrics| async move {
        let svc = GenAiTraceLayer::new()
            .provider("openai")
            .layer(provider(ms(200), |_| {
                Ok(AiResponse::ChatStream(timed_stream(vec![
                    ms(300),
                    ms(100),
                    ms(150),
                ])))
            }));
        let resp = svc
            .oneshot(Request::new(AiRequest::ChatStream(chat_request())))
            .await
            .unwrap();
        let AiResponse::ChatStream(mut stream) = resp else {
            panic!("a stream")
        };
        let base = labels("chat", "openai", "gpt-4o-mini", "");
        assert!(
            metrics.samples(TTFC, &base).is_empty(),
            "before the first chunk"
        );
        assert!(
            traces.spans().is_empty(),
            "the span stays open with the stream"
        );

        stream.next().await.unwrap().unwrap();
        // 200 ms to answer + 300 ms to the first chunk.
        assert_eq!(metrics.samples(TTFC, &base), vec![0.5]);
        assert!(metrics.samples(DURATION, &base).is_empty());

        while let Some(chunk) = stream.next().await {
            chunk.unwrap();
        }
        assert_eq!(metrics.samples(PER_CHUNK, &base), vec![0.1, 0.15]);
        assert_eq!(metrics.samples(DURATION, &base), vec![0.75]);
        assert_eq!(
            metrics.samples(TOKENS, &with(base.clone(), "gen_ai.token.type", "output")),
            vec![3.0]
        );
        // The span ends with the stream, not when it is dropped.
        let span = traces.gen_ai_span();
        assert_eq!(span["gen_ai.request.stream"], "true");
        assert_eq!(span["gen_ai.response.time_to_first_chunk"], "0.5");
        assert_eq!(span["gen_ai.response.finish_reasons"], r#"["length"]"#);
        assert_eq!(span["gen_ai.usage.input_tokens"], "7");
        assert_eq!(span["gen_ai.usage.output_tokens"], "3");
        assert!(!span.contains_key("error.type"));
        drop(stream);
        assert_eq!(traces.spans().len(), 1);
        assert_eq!(metrics.samples(DURATION, &base).len(), 1, "recorded once");
    });
}

#[test]
fn stream_dropped_early_ends_the_span_as_cancelled() {
    run(|traces, metrics| async move {
        let svc = GenAiTraceLayer::new()
            .provider("openai")
            .layer(provider(ms(100), |_| {
                Ok(AiResponse::ChatStream(timed_stream(vec![
                    ms(100),
                    ms(100),
                    ms(100),
                ])))
            }));
        let AiResponse::ChatStream(mut stream) = svc
            .oneshot(Request::new(AiRequest::ChatStream(chat_request())))
            .await
            .unwrap()
        else {
            panic!("a stream")
        };
        stream.next().await.unwrap().unwrap();
        tokio::time::advance(ms(50)).await;
        drop(stream);

        let span = traces.gen_ai_span();
        assert_eq!(span["error.type"], "cancelled");
        assert_eq!(span["gen_ai.response.time_to_first_chunk"], "0.2");
        assert!(!span.contains_key("gen_ai.response.finish_reasons"));
        assert!(!span.contains_key("gen_ai.usage.output_tokens"));
        let base = labels("chat", "openai", "gpt-4o-mini", "");
        assert_eq!(
            metrics.samples(DURATION, &with(base.clone(), "error.type", "cancelled")),
            vec![0.25]
        );
        assert!(metrics.samples(DURATION, &base).is_empty());
    });
}

#[test]
fn stream_error_item_ends_the_operation_with_its_kind() {
    run(|traces, metrics| async move {
        let svc = GenAiTraceLayer::new()
            .provider("openai")
            .layer(provider(ms(10), |_| {
                Ok(AiResponse::ChatStream(ChatStream::from_chunks(vec![
                    Ok(ChatChunk {
                        delta: "par".into(),
                        ..Default::default()
                    }),
                    Err(Error::unavailable("connection reset")),
                ])))
            }));
        let AiResponse::ChatStream(stream) = svc
            .oneshot(Request::new(AiRequest::ChatStream(chat_request())))
            .await
            .unwrap()
        else {
            panic!("a stream")
        };
        let err = stream.collect_response("gpt-4o-mini").await.unwrap_err();
        assert_eq!(err.kind(), mosaic_core::ErrorKind::Unavailable);
        let span = traces.gen_ai_span();
        assert_eq!(span["error.type"], "unavailable");
        let base = labels("chat", "openai", "gpt-4o-mini", "");
        assert_eq!(
            metrics.samples(DURATION, &with(base, "error.type", "unavailable")),
            vec![0.01]
        );
    });
}

#[test]
fn call_dropped_before_it_answers_is_cancelled() {
    run(|traces, metrics| async move {
        // A provider that never answers; the timeout above gives up.
        let svc = GenAiTraceLayer::new()
            .provider("openai")
            .layer(tower::service_fn(|_: Request<AiRequest>| {
                std::future::pending::<Result<AiResponse, Error>>()
            }));
        let call = svc.oneshot(Request::new(AiRequest::Chat(chat_request())));
        assert!(tokio::time::timeout(ms(1_000), call).await.is_err());
        let span = traces.gen_ai_span();
        assert_eq!(span["error.type"], "cancelled");
        let base = labels("chat", "openai", "gpt-4o-mini", "");
        assert_eq!(
            metrics.samples(DURATION, &with(base, "error.type", "cancelled")),
            vec![1.0]
        );
    });
}

#[test]
fn model_listing_is_not_a_gen_ai_operation() {
    run(|traces, metrics| async move {
        let svc = GenAiTraceLayer::new()
            .provider("openai")
            .layer(provider(ms(1), |_| {
                Ok(AiResponse::ListModels(Page::last(Vec::new())))
            }));
        svc.oneshot(Request::new(AiRequest::ListModels(ListModels::default())))
            .await
            .unwrap();
        assert!(traces.spans().is_empty());
        assert!(metrics.series(DURATION).is_empty());
    });
}

/// Every recorded span field and event field, as one text.
fn everything_recorded(traces: &Traces) -> String {
    let mut all = String::new();
    for s in traces.spans() {
        all.push_str(&format!("{s:?}\n"));
    }
    for e in traces.events() {
        all.push_str(&format!("{e:?}\n"));
    }
    all
}

const MARKERS: [&str; 4] = [
    "PROMPT-MARKER",
    "SYSTEM-MARKER",
    "ANSWER-MARKER",
    "STREAM-MARKER",
];

/// A chat, a streamed chat and a failing chat through `layer`.
async fn chat_three_ways(layer: GenAiTraceLayer) {
    let ok = layer
        .clone()
        .layer(provider(ms(10), |_| Ok(AiResponse::Chat(chat_answer()))));
    ok.oneshot(Request::new(AiRequest::Chat(chat_request())))
        .await
        .unwrap();
    let streamed = layer.clone().layer(provider(ms(10), |_| {
        Ok(AiResponse::ChatStream(timed_stream(vec![ms(10), ms(10)])))
    }));
    let AiResponse::ChatStream(stream) = streamed
        .oneshot(Request::new(AiRequest::ChatStream(chat_request())))
        .await
        .unwrap()
    else {
        panic!("a stream")
    };
    stream.collect_response("gpt-4o-mini").await.unwrap();
    let failing = layer.layer(provider(ms(10), |_| {
        Err(Error::invalid_input(
            "messages",
            "PROMPT-MARKER is too long",
        ))
    }));
    failing
        .oneshot(Request::new(AiRequest::Chat(chat_request())))
        .await
        .unwrap_err();
}

#[test]
fn content_is_not_recorded_by_default() {
    run(|traces, _metrics| async move {
        chat_three_ways(GenAiTraceLayer::new().provider("openai")).await;
        assert_eq!(
            traces.spans().iter().filter(|s| s.name == "gen_ai").count(),
            3
        );
        let all = everything_recorded(&traces);
        for marker in MARKERS {
            assert!(!all.contains(marker), "{marker} recorded:\n{all}");
        }
        assert!(
            !all.contains("gen_ai.client.inference.operation.details"),
            "no details event:\n{all}"
        );
    });
}

#[test]
fn content_capture_emits_the_details_event() {
    run(|traces, _metrics| async move {
        chat_three_ways(
            GenAiTraceLayer::new()
                .provider("openai")
                .capture_content(true),
        )
        .await;
        let events: Vec<_> = traces
            .events()
            .into_iter()
            .filter(|e| e.name == "gen_ai.client.inference.operation.details")
            .collect();
        assert_eq!(events.len(), 3, "{events:?}");
        for e in &events {
            assert_eq!(e.parent.as_deref(), Some("gen_ai"));
            assert_eq!(e.fields["gen_ai.operation.name"], "chat");
            assert_eq!(e.fields["gen_ai.request.model"], "gpt-4o-mini");
            assert_eq!(
                e.fields["gen_ai.system_instructions"],
                r#"[{"type":"text","content":"SYSTEM-MARKER"}]"#
            );
            assert_eq!(
                e.fields["gen_ai.input.messages"],
                r#"[{"role":"user","parts":[{"type":"text","content":"PROMPT-MARKER"}]}]"#
            );
        }
        assert_eq!(
            events[0].fields["gen_ai.output.messages"],
            r#"[{"role":"assistant","parts":[{"type":"text","content":"ANSWER-MARKER"}],"finish_reason":"stop"}]"#
        );
        assert_eq!(
            events[1].fields["gen_ai.output.messages"],
            r#"[{"role":"assistant","parts":[{"type":"text","content":"STREAM-MARKER-0 STREAM-MARKER-1 "}],"finish_reason":"length"}]"#
        );
        assert_eq!(events[2].fields["error.type"], "invalid_input");
        assert!(!events[2].fields.contains_key("gen_ai.output.messages"));
        // Content goes to the event only, never to span fields.
        for s in traces.spans() {
            let fields = format!("{:?}", s.fields);
            for marker in MARKERS {
                assert!(!fields.contains(marker), "{marker} in span {fields}");
            }
        }
    });
}

#[test]
fn works_without_a_subscriber_or_recorder() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let svc = GenAiTraceLayer::new()
            .capture_content(true)
            .layer(provider(ms(1), |_| {
                Ok(AiResponse::ChatStream(timed_stream(vec![ms(1), ms(1)])))
            }));
        let AiResponse::ChatStream(stream) = svc
            .oneshot(Request::new(AiRequest::ChatStream(chat_request())))
            .await
            .unwrap()
        else {
            panic!("a stream")
        };
        let resp = stream.collect_response("m").await.unwrap();
        assert_eq!(resp.message.content, "STREAM-MARKER-0 STREAM-MARKER-1 ");
        assert_eq!(resp.finish_reason, Some(FinishReason::Length));
    });
}
