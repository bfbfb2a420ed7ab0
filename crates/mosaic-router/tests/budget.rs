//! Budgets for AI calls with the in-memory store: hard and soft limits in
//! USD and tokens, reconciliation of calls and streams, calendar windows on
//! a manual clock, scopes, and the store-failure policy.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use futures::future::BoxFuture;
use mosaic_core::ai::price::{ModelPrice, PriceTable};
use mosaic_core::ai::{
    AiRequest, AiResponse, ChatChunk, ChatRequest, ChatResponse, ChatStream, EmbeddingRequest,
    Embeddings, FinishReason, ListModels, ToolCallDelta, Usage,
};
use mosaic_core::error::BudgetAmount;
use mosaic_core::{Error, ErrorKind, Page, Request, RequestContext, Result};
use mosaic_router::budget::{
    Adjustment, Budget, BudgetConfig, BudgetEvent, BudgetKey, BudgetLayer, BudgetLimit,
    BudgetStatus, BudgetStore, BudgetWindow, Charge, ManualClock, MemoryBudgetStore,
    ReserveOutcome, StoreFailure,
};
use tokio::sync::broadcast::error::TryRecvError;
use tower::util::BoxCloneService;
use tower::{Layer, ServiceExt};

/// One token of model `m` costs a thousandth of a dollar, in and out, so
/// that dollars are tokens / 1000 and exact in nano-dollars.
fn prices() -> PriceTable {
    PriceTable::new()
        .with("m", ModelPrice::per_million(1_000.0, 1_000.0))
        .with("n", ModelPrice::per_million(1_000.0, 1_000.0))
}

type Svc = Budget<BoxCloneService<Request<AiRequest>, AiResponse, Error>>;
type Answer = Arc<dyn Fn(&AiRequest) -> Result<AiResponse> + Send + Sync>;

/// A budgeted model whose answers come from a closure, with a manual clock.
struct Harness {
    layer: BudgetLayer,
    svc: Svc,
    calls: Arc<AtomicUsize>,
    clock: ManualClock,
}

/// 2026-03-10T18:00:00Z.
const EVENING: u64 = 1_773_165_600;

fn harness(
    config: BudgetConfig,
    answer: impl Fn(&AiRequest) -> Result<AiResponse> + Send + Sync + 'static,
) -> Harness {
    let clock = ManualClock::at_unix(EVENING);
    let layer = BudgetLayer::new(config.clock(clock.clone())).expect("valid config");
    let calls = Arc::new(AtomicUsize::new(0));
    let answer: Answer = Arc::new(answer);
    let counter = calls.clone();
    let provider = tower::service_fn(move |req: Request<AiRequest>| {
        counter.fetch_add(1, Ordering::SeqCst);
        let result = answer(&req.operation);
        async move { result }
    });
    Harness {
        svc: layer.layer(BoxCloneService::new(provider)),
        layer,
        calls,
        clock,
    }
}

/// A chat answer reporting `input` and `output` tokens.
fn used(input: u64, output: u64) -> Result<AiResponse> {
    Ok(AiResponse::Chat(ChatResponse {
        usage: Usage {
            input_tokens: input,
            output_tokens: output,
            cached_input_tokens: None,
        },
        ..Default::default()
    }))
}

/// A chat to `model` whose prompt is `input` tokens (4 characters each)
/// asking for at most `max_tokens`.
fn chat(model: &str, input: usize, max_tokens: u32) -> ChatRequest {
    ChatRequest::new(model, "x".repeat(input * 4)).max_tokens(max_tokens)
}

fn as_tenant(tenant: &str, chat: ChatRequest) -> Request<AiRequest> {
    Request::with_context(
        RequestContext::new().with_tenant(tenant),
        AiRequest::Chat(chat),
    )
}

impl Harness {
    async fn send(&self, request: Request<AiRequest>) -> Result<AiResponse> {
        self.svc.clone().oneshot(request).await
    }

    async fn status(&self, tenant: &str, model: &str) -> Vec<BudgetStatus> {
        let ctx = RequestContext::new().with_tenant(tenant);
        self.layer.status(&ctx, Some(model)).await.unwrap()
    }

    /// What the budget `name` holds for this tenant and model.
    async fn spent(&self, name: &str, tenant: &str, model: &str) -> BudgetAmount {
        self.status(tenant, model)
            .await
            .into_iter()
            .find(|s| &*s.name == name)
            .unwrap_or_else(|| panic!("budget {name} applies"))
            .spent
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

#[tokio::test(start_paused = true)]
async fn a_tenant_usd_day_budget_refuses_the_call_that_would_pass_it() {
    let h = harness(
        BudgetConfig::new(prices())
            .limit(BudgetLimit::usd("daily", 1.0, BudgetWindow::Day).per_tenant()),
        |_| used(10, 90),
    );
    let mut events = h.layer.subscribe();
    // each call: 10 tokens in + 90 out = 0.1 USD, estimated and used
    for n in 0..10 {
        h.send(as_tenant("acme", chat("m", 10, 90)))
            .await
            .unwrap_or_else(|e| panic!("call {n}: {e}"));
    }
    assert_eq!(
        h.spent("daily", "acme", "m").await,
        BudgetAmount::Usd(1.0),
        "the tenth call fits exactly"
    );
    let err = h
        .send(as_tenant("acme", chat("m", 10, 90)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BudgetExceeded);
    assert!(err.is_client_error() && !err.is_retryable());
    assert_eq!(h.calls(), 10, "a refused call never reaches the provider");
    let b = err.budget().expect("budget details");
    assert_eq!(b.name(), "daily");
    assert_eq!(b.scope(), "tenant=acme");
    assert_eq!(b.limit(), BudgetAmount::Usd(1.0));
    assert_eq!(b.remaining(), BudgetAmount::Usd(0.0));
    assert_eq!(b.requested(), BudgetAmount::Usd(0.1));
    let midnight = EVENING + 6 * 3600;
    assert_eq!(b.resets_at(), at(midnight));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(6 * 3600)));
    assert!(
        err.to_string()
            .starts_with("budget `daily` (tenant=acme) exceeded"),
        "{err}"
    );
    // the refusal is an event too
    match events.try_recv().unwrap() {
        BudgetEvent::Refused {
            status, requested, ..
        } => {
            assert_eq!(&*status.name, "daily");
            assert_eq!(status.scope, "tenant=acme");
            assert_eq!(status.remaining, BudgetAmount::Usd(0.0));
            assert_eq!(requested, BudgetAmount::Usd(0.1));
        }
        other => panic!("{other:?}"),
    }
    // a smaller call that fits is refused too: nothing remains
    assert!(h.send(as_tenant("acme", chat("m", 1, 1))).await.is_err());
    // the next day the budget is whole again
    h.clock.set(at(midnight));
    h.send(as_tenant("acme", chat("m", 10, 90))).await.unwrap();
    assert_eq!(h.spent("daily", "acme", "m").await, BudgetAmount::Usd(0.1));
}

#[tokio::test(start_paused = true)]
async fn tokens_per_minute_per_model() {
    let h = harness(
        BudgetConfig::new(prices())
            .limit(BudgetLimit::tokens("tpm", 1_000, BudgetWindow::Minute).per_model()),
        |_| used(1, 499),
    );
    h.clock.advance(Duration::from_secs(20)); // 18:00:20
    let call = |model: &str| h.send(as_tenant("acme", chat(model, 1, 499)));
    call("m").await.unwrap();
    call("m").await.unwrap();
    let err = call("m").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BudgetExceeded);
    let b = err.budget().unwrap();
    assert_eq!(b.scope(), "model=m");
    assert_eq!(b.requested(), BudgetAmount::Tokens(500));
    assert_eq!(b.remaining(), BudgetAmount::Tokens(0));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(40)));
    // another model has its own budget
    call("n").await.unwrap();
    // the next minute starts afresh
    h.clock.advance(Duration::from_secs(40));
    call("m").await.unwrap();
    assert_eq!(h.spent("tpm", "acme", "m").await, BudgetAmount::Tokens(500));
}

#[tokio::test(start_paused = true)]
async fn a_soft_limit_sends_one_event_per_crossing_and_the_calls_go_ahead() {
    let h = harness(
        BudgetConfig::new(prices())
            .limit(BudgetLimit::tokens("soft", 1_000, BudgetWindow::Day).soft()),
        |_| used(100, 400),
    );
    let mut events = h.layer.subscribe();
    h.send(as_tenant("a", chat("m", 100, 400))).await.unwrap();
    h.send(as_tenant("a", chat("m", 100, 400))).await.unwrap();
    assert!(matches!(events.try_recv(), Err(TryRecvError::Empty)));
    // 1000 → 1500: crosses
    h.send(as_tenant("a", chat("m", 100, 400))).await.unwrap();
    match events.try_recv().unwrap() {
        BudgetEvent::SoftLimitExceeded { status, .. } => {
            assert_eq!(&*status.name, "soft");
            assert!(!status.hard);
            assert_eq!(status.spent, BudgetAmount::Tokens(1_500));
            assert_eq!(status.limit, BudgetAmount::Tokens(1_000));
            assert_eq!(status.remaining, BudgetAmount::Tokens(0));
            assert_eq!(status.window, BudgetWindow::Day);
        }
        other => panic!("{other:?}"),
    }
    // already over: no second event
    h.send(as_tenant("a", chat("m", 100, 400))).await.unwrap();
    assert!(matches!(events.try_recv(), Err(TryRecvError::Empty)));
    assert_eq!(h.calls(), 4);
}

#[tokio::test(start_paused = true)]
async fn reconciliation_lowers_and_raises_the_spent_amount_to_the_actual() {
    let answer = Arc::new(parking_lot::Mutex::new((0u64, 0u64)));
    let reported = answer.clone();
    let h = harness(
        BudgetConfig::new(prices())
            .limit(BudgetLimit::tokens("tokens", 100_000, BudgetWindow::Day))
            .limit(BudgetLimit::usd("usd", 100.0, BudgetWindow::Day)),
        move |_| {
            let (i, o) = *reported.lock();
            used(i, o)
        },
    );
    // estimated 10 + 90 = 100, used 10 + 20 = 30
    *answer.lock() = (10, 20);
    h.send(as_tenant("a", chat("m", 10, 90))).await.unwrap();
    assert_eq!(h.spent("tokens", "a", "m").await, BudgetAmount::Tokens(30));
    assert_eq!(h.spent("usd", "a", "m").await, BudgetAmount::Usd(0.03));
    // estimated 100, used 10 + 290 (a model ignoring max_tokens)
    *answer.lock() = (10, 290);
    h.send(as_tenant("a", chat("m", 10, 90))).await.unwrap();
    assert_eq!(h.spent("tokens", "a", "m").await, BudgetAmount::Tokens(330));
    assert_eq!(h.spent("usd", "a", "m").await, BudgetAmount::Usd(0.33));
    // no usage reported (all zeros): the estimate stays
    *answer.lock() = (0, 0);
    h.send(as_tenant("a", chat("m", 10, 90))).await.unwrap();
    assert_eq!(h.spent("tokens", "a", "m").await, BudgetAmount::Tokens(430));
}

#[tokio::test(start_paused = true)]
async fn a_failed_call_gives_its_reservation_back() {
    let h = harness(
        BudgetConfig::new(prices()).limit(BudgetLimit::tokens("t", 150, BudgetWindow::Day)),
        |_| Err(Error::unavailable("overloaded").with_provider("p")),
    );
    for _ in 0..3 {
        let err = h.send(as_tenant("a", chat("m", 10, 90))).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable, "the provider's error");
        assert_eq!(err.provider(), Some("p"));
    }
    assert_eq!(h.calls(), 3, "released reservations never refuse");
    assert_eq!(h.spent("t", "a", "m").await, BudgetAmount::Tokens(0));
}

#[tokio::test(start_paused = true)]
async fn a_call_dropped_before_it_answers_keeps_its_reservation() {
    let clock = ManualClock::at_unix(EVENING);
    let layer = BudgetLayer::new(
        BudgetConfig::new(prices())
            .limit(BudgetLimit::tokens("t", 1_000, BudgetWindow::Day))
            .clock(clock),
    )
    .unwrap();
    let svc = layer.layer(tower::service_fn(|_: Request<AiRequest>| {
        futures::future::pending::<Result<AiResponse>>()
    }));
    let call = svc.oneshot(as_tenant("a", chat("m", 10, 90)));
    assert!(
        tokio::time::timeout(Duration::from_secs(1), call)
            .await
            .is_err()
    );
    let status = layer
        .status(&RequestContext::new(), Some("m"))
        .await
        .unwrap();
    assert_eq!(status[0].spent, BudgetAmount::Tokens(100));
}

/// A provider streaming `chunks` for every chat stream.
fn streaming(chunks: Vec<Result<ChatChunk>>) -> impl Fn(&AiRequest) -> Result<AiResponse> {
    move |_| {
        Ok(AiResponse::ChatStream(
            ChatStream::from_chunks(chunks.clone()).with_provider("p"),
        ))
    }
}

fn text(t: &str) -> Result<ChatChunk> {
    Ok(ChatChunk {
        delta: t.into(),
        ..Default::default()
    })
}

fn last(input: u64, output: u64) -> Result<ChatChunk> {
    Ok(ChatChunk {
        finish_reason: Some(FinishReason::Stop),
        usage: Some(Usage {
            input_tokens: input,
            output_tokens: output,
            cached_input_tokens: None,
        }),
        ..Default::default()
    })
}

fn stream_request(input: usize, max_tokens: u32) -> Request<AiRequest> {
    Request::with_context(
        RequestContext::new().with_tenant("a"),
        AiRequest::ChatStream(chat("m", input, max_tokens)),
    )
}

async fn open(h: &Harness, request: Request<AiRequest>) -> ChatStream {
    match h.send(request).await.unwrap() {
        AiResponse::ChatStream(s) => s,
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_stream_is_reconciled_at_its_end() {
    let h = harness(
        BudgetConfig::new(prices()).limit(BudgetLimit::tokens("t", 10_000, BudgetWindow::Day)),
        streaming(vec![text("hel"), text("lo"), last(10, 20)]),
    );
    let stream = open(&h, stream_request(10, 490)).await;
    assert_eq!(stream.provider(), Some("p"), "the provider is carried over");
    // reserved while it runs
    assert_eq!(h.spent("t", "a", "m").await, BudgetAmount::Tokens(500));
    let answer = stream.collect_response("m").await.unwrap();
    assert_eq!(answer.message.content, "hello");
    assert_eq!(h.spent("t", "a", "m").await, BudgetAmount::Tokens(30));
}

#[tokio::test(start_paused = true)]
async fn a_stream_without_usage_is_reconciled_to_what_it_produced() {
    // 40 characters of text and 8 of tool arguments: 12 tokens out
    let tool = Ok(ChatChunk {
        tool_call_deltas: vec![ToolCallDelta {
            arguments: "{\"a\":1}x".into(),
            ..Default::default()
        }],
        ..Default::default()
    });
    let h = harness(
        BudgetConfig::new(prices()).limit(BudgetLimit::tokens("t", 10_000, BudgetWindow::Day)),
        streaming(vec![text(&"y".repeat(40)), tool]),
    );
    let stream = open(&h, stream_request(10, 490)).await;
    assert_eq!(stream.count().await, 2);
    assert_eq!(h.spent("t", "a", "m").await, BudgetAmount::Tokens(10 + 12));
}

#[tokio::test(start_paused = true)]
async fn a_stream_that_fails_is_charged_for_what_it_produced() {
    let h = harness(
        BudgetConfig::new(prices()).limit(BudgetLimit::tokens("t", 10_000, BudgetWindow::Day)),
        streaming(vec![
            text(&"y".repeat(80)),
            Err(Error::unavailable("connection reset")),
        ]),
    );
    let stream = open(&h, stream_request(10, 490)).await;
    let items: Vec<_> = stream.collect().await;
    assert!(items[1].is_err());
    assert_eq!(h.spent("t", "a", "m").await, BudgetAmount::Tokens(10 + 20));
}

#[tokio::test(start_paused = true)]
async fn a_stream_dropped_early_keeps_its_reservation_or_what_it_produced() {
    let h = harness(
        BudgetConfig::new(prices()).limit(BudgetLimit::tokens("t", 10_000, BudgetWindow::Day)),
        streaming(vec![text(&"y".repeat(400)), text("more"), last(10, 150)]),
    );
    // reserved 10 + 490 = 500; one chunk (100 tokens) read, then dropped
    let mut stream = open(&h, stream_request(10, 490)).await;
    stream.next().await.unwrap().unwrap();
    drop(stream);
    assert_eq!(h.spent("t", "a", "m").await, BudgetAmount::Tokens(500));

    // reserved 10 + 10 = 20, but 100 tokens were produced before the drop
    let mut stream = open(&h, stream_request(10, 10)).await;
    stream.next().await.unwrap().unwrap();
    drop(stream);
    assert_eq!(
        h.spent("t", "a", "m").await,
        BudgetAmount::Tokens(500 + 10 + 100)
    );

    // dropped after the final chunk but before the end: the usage is known
    let mut stream = open(&h, stream_request(10, 490)).await;
    for _ in 0..3 {
        stream.next().await.unwrap().unwrap();
    }
    drop(stream);
    assert_eq!(
        h.spent("t", "a", "m").await,
        BudgetAmount::Tokens(610 + 160)
    );
}

#[tokio::test(start_paused = true)]
async fn a_restarted_stream_counts_the_abandoned_attempt() {
    let h = harness(
        BudgetConfig::new(prices()).limit(BudgetLimit::tokens("t", 10_000, BudgetWindow::Day)),
        streaming(vec![
            text(&"y".repeat(40)),
            Ok(ChatChunk::restart("backup")),
            text("whole"),
            last(10, 5),
        ]),
    );
    let stream = open(&h, stream_request(10, 490)).await;
    let answer = stream.collect_response("m").await.unwrap();
    assert_eq!(answer.message.content, "whole");
    // abandoned: 10 in + 10 out (estimated); answer: 10 + 5 (reported)
    assert_eq!(h.spent("t", "a", "m").await, BudgetAmount::Tokens(35));
}

#[tokio::test(start_paused = true)]
async fn windows_reset_at_the_calendar_boundary() {
    let h = harness(
        BudgetConfig::new(prices())
            .limit(BudgetLimit::usd("monthly", 0.2, BudgetWindow::Month))
            .limit(BudgetLimit::tokens("daily", 1_000, BudgetWindow::Day)),
        |_| used(10, 90),
    );
    // 2026-01-31T23:59:59Z
    let new_year_eve = 1_769_903_999;
    h.clock.set(at(new_year_eve));
    h.send(as_tenant("a", chat("m", 10, 90))).await.unwrap();
    h.send(as_tenant("a", chat("m", 10, 90))).await.unwrap();
    let err = h.send(as_tenant("a", chat("m", 10, 90))).await.unwrap_err();
    let b = err.budget().unwrap();
    assert_eq!(b.name(), "monthly");
    assert_eq!(b.resets_at(), at(new_year_eve + 1), "February 1st");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    h.clock.advance(Duration::from_secs(1));
    h.send(as_tenant("a", chat("m", 10, 90))).await.unwrap();
    let status = h.status("a", "m").await;
    assert_eq!(status[0].spent, BudgetAmount::Usd(0.1));
    assert_eq!(status[1].spent, BudgetAmount::Tokens(100));
    // a month of 28 days
    assert_eq!(
        status[0].resets_at,
        at(new_year_eve + 1 + 28 * 86_400),
        "March 1st"
    );
}

#[tokio::test(start_paused = true)]
async fn a_star_scope_gives_each_tenant_its_own_budget_and_a_name_only_its_own() {
    let h = harness(
        BudgetConfig::new(prices())
            .limit(BudgetLimit::tokens("each", 150, BudgetWindow::Day).tenant("*"))
            .limit(BudgetLimit::tokens("acme", 250, BudgetWindow::Day).tenant("acme")),
        |_| used(10, 90),
    );
    for tenant in ["acme", "globex", "initech"] {
        h.send(as_tenant(tenant, chat("m", 10, 90))).await.unwrap();
        let err = h
            .send(as_tenant(tenant, chat("m", 10, 90)))
            .await
            .unwrap_err();
        assert_eq!(err.budget().unwrap().scope(), format!("tenant={tenant}"));
    }
    let acme = h.status("acme", "m").await;
    assert_eq!(acme.len(), 2);
    assert_eq!(acme[1].spent, BudgetAmount::Tokens(100));
    assert_eq!(
        h.status("globex", "m").await.len(),
        1,
        "acme's is not globex's"
    );
    // requests without a tenant share one budget
    let anonymous =
        || Request::with_context(RequestContext::new(), AiRequest::Chat(chat("m", 10, 90)));
    h.send(anonymous()).await.unwrap();
    let err = h.send(anonymous()).await.unwrap_err();
    assert_eq!(err.budget().unwrap().scope(), "tenant=");
}

#[tokio::test(start_paused = true)]
async fn budgets_are_charged_all_or_none_and_the_last_reset_is_reported() {
    let h = harness(
        BudgetConfig::new(prices())
            .limit(BudgetLimit::tokens("daily", 10_000, BudgetWindow::Day).per_tenant())
            .limit(BudgetLimit::tokens("minute", 150, BudgetWindow::Minute).per_model())
            .limit(BudgetLimit::tokens("watch", 10, BudgetWindow::Day).soft())
            .limit(BudgetLimit::tokens("principal", 10_000, BudgetWindow::Day).principal("bob")),
        |_| used(10, 90),
    );
    let mut events = h.layer.subscribe();
    h.send(as_tenant("a", chat("m", 10, 90))).await.unwrap();
    assert!(matches!(
        events.try_recv(),
        Ok(BudgetEvent::SoftLimitExceeded { .. })
    ));
    let err = h.send(as_tenant("a", chat("m", 10, 90))).await.unwrap_err();
    assert_eq!(err.budget().unwrap().name(), "minute");
    let status = h.status("a", "m").await;
    let names: Vec<&str> = status.iter().map(|s| &*s.name).collect();
    assert_eq!(names, ["daily", "minute", "watch"], "bob's is not a's");
    for s in &status {
        assert_eq!(
            s.spent,
            BudgetAmount::Tokens(100),
            "{}: nothing of the refused call",
            s.name
        );
    }
    // a call refused by two budgets names the one that resets last
    let h = harness(
        BudgetConfig::new(prices())
            .limit(BudgetLimit::tokens("minute", 50, BudgetWindow::Minute))
            .limit(BudgetLimit::tokens("day", 50, BudgetWindow::Day)),
        |_| used(10, 90),
    );
    let mut events = h.layer.subscribe();
    let err = h.send(as_tenant("a", chat("m", 10, 90))).await.unwrap_err();
    assert_eq!(err.budget().unwrap().name(), "day");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(6 * 3600)));
    let refused: Vec<String> = std::iter::from_fn(|| events.try_recv().ok())
        .map(|e| match e {
            BudgetEvent::Refused { status, .. } => status.name.to_string(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(refused, ["minute", "day"]);
}

#[tokio::test(start_paused = true)]
async fn unpriced_models_and_model_listings() {
    let h = harness(
        BudgetConfig::new(prices()).limit(BudgetLimit::usd("usd", 1.0, BudgetWindow::Day)),
        |op| match op {
            AiRequest::ListModels(_) => Ok(AiResponse::ListModels(Page::default())),
            _ => used(1, 1),
        },
    );
    let err = h
        .send(as_tenant("a", chat("mystery", 10, 90)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(
        err.to_string().contains("no price for model `mystery`"),
        "{err}"
    );
    assert_eq!(h.calls(), 0);
    // listings are not metered
    h.send(Request::new(AiRequest::ListModels(ListModels::default())))
        .await
        .unwrap();
    assert_eq!(h.calls(), 1);

    // allowed: unpriced models pass USD budgets as free; token budgets meter them
    let h = harness(
        BudgetConfig::new(prices())
            .allow_unpriced(true)
            .limit(BudgetLimit::usd("usd", 1.0, BudgetWindow::Day))
            .limit(BudgetLimit::tokens("tokens", 1_000, BudgetWindow::Day)),
        |_| used(1, 1),
    );
    h.send(as_tenant("a", chat("mystery", 10, 90)))
        .await
        .unwrap();
    let status = h.status("a", "mystery").await;
    assert_eq!(status[0].spent, BudgetAmount::Usd(0.0));
    assert_eq!(status[1].spent, BudgetAmount::Tokens(2));
}

#[tokio::test(start_paused = true)]
async fn embeddings_are_metered_by_their_input() {
    let h = harness(
        BudgetConfig::new(prices()).limit(BudgetLimit::tokens("t", 1_000, BudgetWindow::Day)),
        |_| {
            Ok(AiResponse::Embed(Embeddings {
                usage: Usage {
                    input_tokens: 7,
                    ..Default::default()
                },
                ..Default::default()
            }))
        },
    );
    let embed = AiRequest::Embed(EmbeddingRequest {
        model: "m".into(),
        inputs: vec!["z".repeat(4_000)],
        dimensions: None,
    });
    h.send(Request::new(embed.clone())).await.unwrap();
    assert_eq!(h.spent("t", "a", "m").await, BudgetAmount::Tokens(7));
    // 1000 estimated tokens + 7 spent > 1000
    assert!(h.send(Request::new(embed)).await.is_err());
}

/// A store that cannot be reached.
#[derive(Debug)]
struct Down;

impl BudgetStore for Down {
    fn reserve<'a>(
        &'a self,
        _: SystemTime,
        _: &'a [Charge],
    ) -> BoxFuture<'a, Result<ReserveOutcome>> {
        Box::pin(async { Err(Error::unavailable("connection refused; password=hunter2")) })
    }
    fn adjust<'a>(&'a self, _: SystemTime, _: &'a [Adjustment]) -> BoxFuture<'a, Result<()>> {
        Box::pin(async { Err(Error::unavailable("connection refused")) })
    }
    fn spent<'a>(&'a self, _: SystemTime, _: &'a [BudgetKey]) -> BoxFuture<'a, Result<Vec<u64>>> {
        Box::pin(async { Err(Error::unavailable("connection refused")) })
    }
}

#[tokio::test(start_paused = true)]
async fn an_unreachable_store_fails_open_or_closed_as_the_host_chose() {
    let config = || {
        BudgetConfig::new(prices())
            .limit(BudgetLimit::tokens("t", 1, BudgetWindow::Day))
            .store(Down)
    };
    let open = harness(config(), |_| used(10, 90));
    let mut events = open.layer.subscribe();
    // over the limit, yet admitted: nobody can tell
    open.send(as_tenant("a", chat("m", 10, 90))).await.unwrap();
    assert_eq!(open.calls(), 1);
    // the reconciliation runs in the background: wait for it
    open.layer.settled().await;
    let mut saw = Vec::new();
    while let Ok(e) = events.try_recv() {
        saw.push(e);
    }
    // one for the reservation, one for the failed reconciliation
    assert_eq!(saw.len(), 2, "{saw:?}");
    match &saw[0] {
        BudgetEvent::StoreUnavailable {
            problem,
            failure,
            request,
        } => {
            assert_eq!(*failure, StoreFailure::Open);
            assert!(request.is_some());
            assert!(problem.contains("connection refused"), "{problem}");
            assert!(!problem.contains("hunter2"), "{problem}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        &saw[1],
        BudgetEvent::StoreUnavailable { request: None, .. }
    ));

    let closed = harness(config().fail_closed(), |_| used(10, 90));
    let err = closed
        .send(as_tenant("a", chat("m", 10, 90)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert!(err.to_string().contains("fail-closed"), "{err}");
    assert!(!err.to_string().contains("hunter2"), "{err}");
    assert_eq!(closed.calls(), 0);
    assert_eq!(
        closed
            .layer
            .status(&RequestContext::new(), Some("m"))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Unavailable
    );
}

#[tokio::test(start_paused = true)]
async fn one_store_can_serve_two_layers() {
    let store = MemoryBudgetStore::new();
    let config = || {
        BudgetConfig::new(prices())
            .limit(BudgetLimit::tokens("t", 150, BudgetWindow::Day))
            .store(store.clone())
    };
    let one = harness(config(), |_| used(10, 90));
    let two = harness(config(), |_| used(10, 90));
    one.send(as_tenant("a", chat("m", 10, 90))).await.unwrap();
    assert!(two.send(as_tenant("a", chat("m", 10, 90))).await.is_err());
    assert_eq!(store.len(), 1);
}

#[test]
fn invalid_configurations_are_refused() {
    let err = BudgetLayer::new(
        BudgetConfig::new(prices())
            .limit(BudgetLimit::usd("x", 1.0, BudgetWindow::Day))
            .limit(BudgetLimit::usd("x", 2.0, BudgetWindow::Month)),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(err.field(), Some("budgets/x"));
    let err = BudgetLayer::new(
        BudgetConfig::new(PriceTable::new().with("m", ModelPrice::per_million(-1.0, 0.0)))
            .limit(BudgetLimit::usd("x", 1.0, BudgetWindow::Day)),
    )
    .unwrap_err();
    assert_eq!(err.field(), Some("prices/m"));
}
