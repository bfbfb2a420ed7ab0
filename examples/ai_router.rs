//! AI routing: by cost, by latency, with a fallback when a prompt does not
//! fit a model's context window, and a chat streamed through the stack.
//!
//! Two in-memory AI providers from `mosaic-testing` stand in for a small,
//! cheap model and a large, expensive one:
//!
//! | provider | context window | $ / M input | $ / M output | latency |
//! |---|---|---|---|---|
//! | `small` | 8,192 tokens | 0.15 | 0.60 | 5 ms |
//! | `large` | 200,000 tokens | 3.00 | 15.00 | 25 ms |
//!
//! The host's stack is `trace → cache → retry → router → breaker → timeout →
//! provider`. The program shows
//!
//! 1. **cost routing** (`Strategy::LowestCost`, each provider's price of
//!    `chat` in a [`PriceTable`] of its own, ranked by [`ModelCosts`]):
//!    ordinary prompts go to `small`;
//! 2. **context-window fallback**: a prompt too long for `small` fails there
//!    with `ContextLengthExceeded`, which the router's failover policy lists
//!    for idempotent calls, so `large` answers the same request;
//! 3. **latency routing** (`Strategy::LowestLatency`): calls go to the
//!    provider with the lower recent latency; when `small` slows down, one
//!    slow answer is enough to move the traffic to `large`;
//! 4. **streaming**: `chat_stream` through the whole stack — the cache and
//!    retry layers let a live stream pass, and the chunks arrive one by one.
//!
//! Offline, no credentials. Run it with
//! `cargo run -p mosaic-examples --example ai_router`.

use std::io::Write as _;
use std::time::Duration;

use futures::StreamExt as _;
use mosaic::ai::price::{ModelPrice, PriceTable};
use mosaic::ai::{ChatRequest, ModelFeatures, ModelInfo};
use mosaic::prelude::*;
use mosaic::router::KindSet;
use mosaic::router::router::{FailoverPolicy, ModelCosts};
use mosaic::testing::fake::Price;
use mosaic::testing::{AiReply, FakeAi};

/// One in-memory AI provider offering model `chat`.
fn provider(name: &str, window: u32, price: (f64, f64), latency: Duration) -> FakeAi {
    let ai = FakeAi::named(name);
    ai.seed_model(
        ModelInfo {
            id: "chat".into(),
            context_window: Some(window),
            max_output_tokens: Some(1_024),
            features: ModelFeatures {
                chat: true,
                streaming: true,
                ..Default::default()
            },
            ..Default::default()
        },
        None,
    );
    ai.set_price(
        "chat",
        Some(Price {
            input_per_mtok: price.0,
            output_per_mtok: price.1,
        }),
    );
    ai.set_latency(latency);
    ai
}

/// A provider's own stack: breaker → timeout → provider.
fn guarded(name: &str, ai: &FakeAi) -> Provider<AiStack> {
    let breaker = CircuitBreakerLayer::new(CircuitBreakerConfig::new(name));
    let svc = ServiceBuilder::new()
        .layer(breaker.clone())
        .layer(TimeoutLayer::of(Duration::from_secs(5)))
        .service(AiService::new(ai.clone()));
    Provider::new(name, AiStack::new(svc)).health(breaker.handle())
}

/// The host's stack over a router with `strategy`.
fn client(small: &FakeAi, large: &FakeAi, strategy: Strategy) -> Result<AiClient<AiStack>> {
    // Both providers call their model `chat`, at different prices: each
    // gets a table of its own (with real model names, one shared table,
    // e.g. `PriceTable::built_in()`, would do).
    let chat_at =
        |input, output| PriceTable::new().with("chat", ModelPrice::per_million(input, output));
    let pricing = ModelCosts::new(PriceTable::new())
        .provider_prices("small", chat_at(0.15, 0.60))
        .provider_prices("large", chat_at(3.0, 15.0));
    let router = Router::builder()
        .register(guarded("small", small))
        .register(guarded("large", large))
        .rule(
            Rule::any()
                .named("chat")
                .to(["small", "large"])
                .strategy(strategy),
        )
        .cost_model(pricing)
        .failover_policy(FailoverPolicy {
            // a prompt that does not fit one model may fit the next
            idempotent: KindSet::retryable().with(ErrorKind::ContextLengthExceeded),
            ..FailoverPolicy::default()
        })
        .seed(7)
        .build()?;
    let stack = ServiceBuilder::new()
        .layer(TraceLayer::new())
        .layer(CacheLayer::<mosaic::ai::AiResponse>::new(CacheConfig::new()))
        .layer(RetryLayer::new(
            RetryConfig::new().base_delay(Duration::from_millis(10)),
        ))
        .service(router);
    Ok(AiClient::new(AiStack::new(stack)))
}

#[tokio::main]
async fn main() -> Result<()> {
    let small = provider("small", 8_192, (0.15, 0.60), Duration::from_millis(5));
    let large = provider("large", 200_000, (3.0, 15.0), Duration::from_millis(25));

    // 1. cost ---------------------------------------------------------------
    println!("1. Cost routing: the cheapest provider that can answer goes first");
    let by_cost = client(&small, &large, Strategy::LowestCost)?;
    let answer = by_cost
        .chat(ChatRequest::new("chat", "Name three uses of a circuit breaker.").max_tokens(200))
        .await?;
    println!(
        "   answered by small ({} call, large {}): {} in / {} out tokens, ${:.6}",
        small.calls().len(),
        large.calls().len(),
        answer.usage.input_tokens,
        answer.usage.output_tokens,
        answer.cost_usd.unwrap_or_default()
    );
    assert_eq!((small.calls().len(), large.calls().len()), (1, 0));

    // 2. context-window fallback ----------------------------------------------
    println!("2. Context window: a 12,000-token prompt does not fit small's 8,192");
    let long = "2024-05-01T12:00:00Z worker-7 ERROR job failed: timeout\n".repeat(850);
    let answer = by_cost
        .chat(ChatRequest::new("chat", long).max_tokens(256))
        .await?;
    println!(
        "   small refused it (ContextLengthExceeded), large answered: {} input tokens, ${:.4}",
        answer.usage.input_tokens,
        answer.cost_usd.unwrap_or_default()
    );
    assert_eq!((small.calls().len(), large.calls().len()), (2, 1));

    // 3. latency ----------------------------------------------------------------
    println!("3. Latency routing: ranked by each provider's recent latency (peak-EWMA)");
    let by_latency = client(&small, &large, Strategy::LowestLatency)?;
    let phase = async |label: &str| -> Result<()> {
        let (s0, l0) = (small.calls().len(), large.calls().len());
        for i in 0..20 {
            by_latency
                .chat(ChatRequest::new("chat", format!("ping {i}")).max_tokens(16))
                .await?;
        }
        println!(
            "   {label}: small took {} of 20 calls, large {}",
            small.calls().len() - s0,
            large.calls().len() - l0
        );
        Ok(())
    };
    phase("small at 5 ms, large at 25 ms").await?;
    let before = small.calls().len();
    small.set_latency(Duration::from_millis(60));
    phase("small slows down to 60 ms").await?;
    // one slow answer counts at once: the traffic moved to large
    assert!(small.calls().len() - before < 10);
    small.set_latency(Duration::from_millis(5));

    // 4. streaming ----------------------------------------------------------------
    println!("4. Streaming through trace → cache → retry → router → breaker → timeout");
    small.set_chunk_interval(Duration::from_millis(30));
    small.push_reply(AiReply::text(
        "Route by rule, fail over on transient errors, break the circuit on an outage, and cache what can be cached.",
    ));
    let mut stream = by_cost
        .chat_stream(ChatRequest::new(
            "chat",
            "Summarise Mosaic's router in one sentence.",
        ))
        .await?;
    print!("   ");
    let (mut chunks, mut usage) = (0, None);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        chunks += 1;
        print!("{}", chunk.delta);
        std::io::stdout().flush().ok();
        if chunk.usage.is_some() {
            usage = chunk.usage;
        }
    }
    println!();
    let usage = usage.ok_or_else(|| Error::internal("the last chunk carries the usage"))?;
    println!(
        "   {chunks} chunks; {} in / {} out tokens",
        usage.input_tokens, usage.output_tokens
    );
    Ok(())
}
