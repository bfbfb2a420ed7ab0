//! Whole stacks: every layer composed with `ServiceBuilder`, for more than
//! one family.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use mosaic_core::ai::price::PriceTable;
use mosaic_core::ai::{
    AiClient, AiOp, AiProvider, AiRequest, AiService, ChatRequest, ChatResponse, EmbeddingRequest,
    Embeddings,
};
use mosaic_core::git::{GitClient, GitOp, GitProvider, GitService, RepoRef};
use mosaic_core::{Capabilities, Error, ErrorKind, Result};
use mosaic_router::router::{ModelCosts, OperationCosts, Provider};
use mosaic_router::{
    BulkheadConfig, BulkheadLayer, CircuitBreakerConfig, CircuitBreakerLayer, CircuitState, Jitter,
    ModelAliases, Quota, RateLimitConfig, RateLimitLayer, RetryConfig, RetryLayer, Router, Rule,
    SlidingWindow, Strategy, TimeoutLayer, TraceLayer,
};
use mosaic_testing::{FakeGit, FaultLayer, FaultRule};
use tower::util::BoxCloneSyncService;
use tower::{Layer, ServiceBuilder};

type GitStack = BoxCloneSyncService<
    mosaic_core::Request<mosaic_core::git::GitRequest>,
    mosaic_core::git::GitResponse,
    Error,
>;

/// One provider's stack: breaker, rate limit, timeout, bulkhead, faults, fake.
fn provider(
    name: &str,
    faults: &FaultLayer,
    fake: &FakeGit,
) -> (Provider<GitStack>, mosaic_router::CircuitBreakerHandle) {
    let breaker = CircuitBreakerLayer::new(
        CircuitBreakerConfig::new(name)
            .sliding_window(SlidingWindow::CountBased(10))
            .minimum_calls(5)
            .wait_in_open(Duration::from_secs(30))
            .permitted_calls_in_half_open(1),
    );
    let handle = breaker.handle();
    let svc = ServiceBuilder::new()
        .layer(breaker)
        .layer(RateLimitLayer::new(RateLimitConfig::new(
            name,
            Quota::per_second(100),
        )))
        .layer(TimeoutLayer::of(Duration::from_secs(2)))
        .layer(BulkheadLayer::new(BulkheadConfig::new(name, 8)))
        .layer(faults.clone())
        .service(GitService::new(fake.clone()));
    let caps = GitProvider::capabilities(fake);
    (
        Provider::new(name, BoxCloneSyncService::new(svc))
            .capabilities(caps)
            .health(handle.clone()),
        handle,
    )
}

#[tokio::test(start_paused = true)]
async fn the_full_stack_fails_over_opens_the_breaker_and_recovers() {
    let (fa, fb) = (FakeGit::named("primary"), FakeGit::named("secondary"));
    for f in [&fa, &fb] {
        f.seed_repository("acme/tools").create().unwrap();
    }
    let faults_a = FaultLayer::new(1);
    let (pa, ha) = provider("primary", &faults_a, &fa);
    let (pb, _) = provider("secondary", &FaultLayer::new(2), &fb);
    let router = Router::builder()
        .register(pa)
        .register(pb)
        .rule(Rule::any().reads().to(["primary", "secondary"]))
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
    let git = GitClient::new(stack).with_timeout(Duration::from_secs(5));

    assert_eq!(
        git.get_repository(RepoRef::new("acme", "tools"))
            .await
            .unwrap()
            .full_name,
        "acme/tools"
    );
    assert_eq!(fa.call_count(GitOp::GetRepository), 1);

    // the primary hangs: each call times out at 2 s and fails over
    faults_a.handle().set_rules([FaultRule::hang()]);
    for _ in 0..5 {
        git.get_repository(RepoRef::new("acme", "tools"))
            .await
            .unwrap();
    }
    assert_eq!(ha.state(), CircuitState::Open, "5 timeouts of 5 calls");
    let served_by_b = fb.call_count(GitOp::GetRepository);
    assert_eq!(served_by_b, 5);

    // open: skipped without waiting
    let seen = faults_a.handle().stats().calls;
    let t = tokio::time::Instant::now();
    git.get_repository(RepoRef::new("acme", "tools"))
        .await
        .unwrap();
    assert_eq!(t.elapsed(), Duration::ZERO);
    assert_eq!(
        faults_a.handle().stats().calls,
        seen,
        "the open breaker kept calls away"
    );

    // the primary recovers; after the wait one probe closes the breaker
    faults_a.handle().clear_rules();
    tokio::time::advance(Duration::from_secs(30)).await;
    git.get_repository(RepoRef::new("acme", "tools"))
        .await
        .unwrap();
    assert_eq!(ha.state(), CircuitState::Closed);
    assert_eq!(fa.call_count(GitOp::GetRepository), 2);

    // a missing repository is NotFound from the primary, not a failover
    let err = git
        .get_repository(RepoRef::new("acme", "nope"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(fb.call_count(GitOp::GetRepository), served_by_b + 1);
}

/// An AI provider that answers chats and embeddings with its own name.
struct Model {
    name: &'static str,
    calls: Arc<AtomicUsize>,
}

#[async_trait::async_trait]
impl AiProvider for Model {
    fn capabilities(&self) -> Capabilities {
        Capabilities::of([AiOp::Chat, AiOp::Embed])
    }
    async fn chat(&self, p: ChatRequest) -> Result<ChatResponse> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(ChatResponse {
            id: self.name.into(),
            model: p.model,
            ..Default::default()
        })
    }
    async fn embed(&self, p: EmbeddingRequest) -> Result<Embeddings> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(Embeddings {
            model: format!("{}:{}", self.name, p.model),
            ..Default::default()
        })
    }
}

#[tokio::test(start_paused = true)]
async fn ai_requests_go_to_the_cheapest_model_and_fail_over_by_price() {
    let mk = |name| {
        let calls = Arc::new(AtomicUsize::new(0));
        (
            AiService::new(Model {
                name,
                calls: calls.clone(),
            }),
            calls,
        )
    };
    let (big, _) = mk("big");
    let (small, small_calls) = mk("small");
    let (local, local_calls) = mk("local");
    let small_breaker = CircuitBreakerLayer::new(CircuitBreakerConfig::new("small"));
    let small_handle = small_breaker.handle();
    let router = Router::builder()
        .register(Provider::new(
            "big",
            CircuitBreakerLayer::new(CircuitBreakerConfig::new("big")).layer(big),
        ))
        .register(Provider::new("small", small_breaker.layer(small)).health(small_handle.clone()))
        .register(Provider::new(
            "local",
            CircuitBreakerLayer::new(CircuitBreakerConfig::new("local")).layer(local),
        ))
        .rule(
            Rule::any()
                .operation("ai.*")
                .to(["big", "small", "local"])
                .strategy(Strategy::LowestCost),
        )
        .cost_model(
            // `gpt` is each provider's own model: gpt-4o at big, gpt-4o-mini
            // at small (OpenAI's list prices); local's `gpt` has no price:
            // tried last.
            ModelCosts::new(PriceTable::openai())
                .aliases("big", ModelAliases::new().alias("gpt", "gpt-4o"))
                .aliases("small", ModelAliases::new().alias("gpt", "gpt-4o-mini")),
        )
        .build()
        .unwrap();
    let ai = AiClient::new(router.clone());
    let answer = ai
        .chat(ChatRequest::new("gpt", "hello".repeat(100)).max_tokens(200))
        .await
        .unwrap();
    assert_eq!(answer.id, "small");
    assert_eq!(
        router
            .plan(&mosaic_core::Request::new(AiRequest::Chat(
                ChatRequest::new("gpt", "hi")
            )))
            .providers()
            .collect::<Vec<_>>(),
        ["small", "big", "local"]
    );
    // the cheap one's breaker opens: the next cheapest takes over
    small_handle.force_open();
    let answer = ai.chat(ChatRequest::new("gpt", "hello")).await.unwrap();
    assert_eq!(answer.id, "big");
    assert_eq!(small_calls.load(Ordering::SeqCst), 1);
    assert_eq!(local_calls.load(Ordering::SeqCst), 0);

    // a fixed per-operation cost table works for any family
    let costs = OperationCosts::new()
        .cost("local", "ai.embedding", 0.0)
        .cost("big", "*", 1.0);
    let router = Router::builder()
        .provider("big", mk("big").0)
        .provider("local", mk("local").0)
        .default_rule(
            Rule::any()
                .to(["big", "local"])
                .strategy(Strategy::LowestCost),
        )
        .cost_model(costs)
        .build()
        .unwrap();
    let e = AiClient::new(router)
        .embed(EmbeddingRequest {
            model: "e".into(),
            inputs: vec!["x".into()],
            dimensions: None,
        })
        .await
        .unwrap();
    assert_eq!(e.model, "local:e");
}
