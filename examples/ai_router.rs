//! AI routing: one model name over two providers' own models, by cost and
//! by latency, a fallback when a prompt does not fit a model's context
//! window, a budget that refuses a tenant's call, every failed attempt in
//! the error, and a chat streamed through the stack.
//!
//! Two in-memory AI providers from `mosaic-testing` stand in for a small,
//! cheap model and a large, expensive one; the program calls both `chat`
//! (a [`ModelAliasLayer`] on each provider sends it its own model name):
//!
//! | provider | model | context window | $ / M input | $ / M output | latency |
//! |---|---|---|---|---|---|
//! | `small` | `small-8k` | 8,192 tokens | 0.15 | 0.60 | 5 ms |
//! | `large` | `large-200k` | 200,000 tokens | 3.00 | 15.00 | 25 ms |
//!
//! The host's stack is `trace → cache → retry → router → breaker → timeout
//! → alias → budget → provider`. The program shows
//!
//! 1. **cost routing** (`Strategy::LowestCost` over one [`PriceTable`],
//!    read through each provider's alias by [`ModelCosts`]): ordinary
//!    prompts go to `small`;
//! 2. **context-window fallback**: a prompt too long for `small-8k` fails
//!    there with `ContextLengthExceeded`, which the router's failover
//!    policy lists, so `large-200k` answers the same request;
//! 3. **latency routing** (`Strategy::LowestLatency`): when `small` slows
//!    down, one slow answer is enough to move the traffic to `large`;
//! 4. **a budget** ([`BudgetLayer`]): tenant `acme` may spend $0.0005 an
//!    hour; the call that would pass it is refused with `BudgetExceeded`
//!    before it reaches a provider, with what remains and when it resets;
//! 5. **every attempt in the error**: a prompt too long for both models
//!    fails on each, and the error lists both attempts;
//! 6. **streaming**: `chat_stream` through the whole stack.
//!
//! Offline, no credentials. Run it with
//! `cargo run -p mosaic-examples --example ai_router`.

use std::io::Write as _;
use std::time::Duration;

use futures::StreamExt as _;
use mosaic::ai::ChatRequest;
use mosaic::ai::price::{ModelPrice, PriceTable};
use mosaic::prelude::*;
use mosaic::router::budget::{BudgetConfig, BudgetLayer, BudgetLimit, BudgetWindow};
use mosaic::router::router::{FailoverPolicy, ModelCosts};
use mosaic::router::{KindSet, ModelAliasLayer, ModelAliases};
use mosaic::testing::fake::Price;
use mosaic::testing::{AiReply, FakeAi};

/// One in-memory AI provider offering `model`.
fn provider(name: &str, model: &str, window: u32, price: (f64, f64), latency: Duration) -> FakeAi {
    let ai = FakeAi::named(name);
    ai.seed_model(model)
        .chat()
        .streaming()
        .context_window(window)
        .max_output_tokens(1_024)
        .price(Price {
            input_per_mtok: price.0,
            output_per_mtok: price.1,
        })
        .create()
        .expect("a chat model");
    ai.set_latency(latency);
    ai
}

/// The one price table: both models, in dollars per million tokens.
fn prices() -> PriceTable {
    PriceTable::new()
        .with("small-8k", ModelPrice::per_million(0.15, 0.60))
        .with("large-200k", ModelPrice::per_million(3.0, 15.0))
}

/// What each provider calls `chat`.
fn alias(model: &str) -> ModelAliases {
    ModelAliases::new().alias("chat", model)
}

/// A provider's own stack: breaker → timeout → alias → budget → provider
/// (the budget sees the provider's own model name).
fn guarded(name: &str, model: &str, ai: &FakeAi, budget: &BudgetLayer) -> Provider<AiStack> {
    let breaker = CircuitBreakerLayer::new(CircuitBreakerConfig::new(name));
    let svc = ServiceBuilder::new()
        .layer(breaker.clone())
        .layer(TimeoutLayer::of(Duration::from_secs(5)))
        .layer(ModelAliasLayer::new(alias(model)))
        .layer(budget.clone())
        .service(AiService::new(ai.clone()));
    Provider::new(name, AiStack::new(svc)).health(breaker.handle())
}

/// The host's stack over a router with `strategy`.
fn client(
    small: &FakeAi,
    large: &FakeAi,
    budget: &BudgetLayer,
    strategy: Strategy,
) -> Result<AiClient<AiStack>> {
    let pricing = ModelCosts::new(prices())
        .aliases("small", alias("small-8k"))
        .aliases("large", alias("large-200k"));
    let router = Router::builder()
        .register(guarded("small", "small-8k", small, budget))
        .register(guarded("large", "large-200k", large, budget))
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
            non_idempotent: FailoverPolicy::default()
                .non_idempotent
                .with(ErrorKind::ContextLengthExceeded),
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
    let small = provider(
        "small",
        "small-8k",
        8_192,
        (0.15, 0.60),
        Duration::from_millis(5),
    );
    let large = provider(
        "large",
        "large-200k",
        200_000,
        (3.0, 15.0),
        Duration::from_millis(25),
    );
    // Tenant `acme` may spend a twentieth of a cent an hour, on either model.
    let budget = BudgetLayer::new(
        BudgetConfig::new(prices())
            .limit(BudgetLimit::usd("acme-hourly", 0.0005, BudgetWindow::Hour).tenant("acme")),
    )?;

    // 1. cost ---------------------------------------------------------------
    println!("1. Cost routing: the cheapest provider that can answer goes first");
    let by_cost = client(&small, &large, &budget, Strategy::LowestCost)?;
    let answer = by_cost
        .chat(ChatRequest::new("chat", "Name three uses of a circuit breaker.").max_tokens(200))
        .await?;
    println!(
        "   answered by {} as {} ({} call, large {}): {} in / {} out tokens, ${:.6}",
        answer.provider.as_deref().unwrap_or("?"),
        answer.model,
        small.calls().len(),
        large.calls().len(),
        answer.usage.input_tokens,
        answer.usage.output_tokens,
        answer.cost_usd.unwrap_or_default()
    );
    assert_eq!((small.calls().len(), large.calls().len()), (1, 0));
    assert_eq!(
        (answer.provider.as_deref(), answer.model.as_str()),
        (Some("small"), "small-8k")
    );

    // 2. context-window fallback ----------------------------------------------
    println!("2. Context window: a 12,000-token prompt does not fit small's 8,192");
    let long = "2024-05-01T12:00:00Z worker-7 ERROR job failed: timeout\n".repeat(850);
    let answer = by_cost
        .chat(ChatRequest::new("chat", long).max_tokens(256))
        .await?;
    println!(
        "   small-8k refused it (ContextLengthExceeded), {} answered: {} input tokens, ${:.4}",
        answer.model,
        answer.usage.input_tokens,
        answer.cost_usd.unwrap_or_default()
    );
    assert_eq!((small.calls().len(), large.calls().len()), (2, 1));
    assert_eq!(answer.model, "large-200k");

    // 3. latency ----------------------------------------------------------------
    println!("3. Latency routing: ranked by each provider's recent latency (peak-EWMA)");
    let by_latency = client(&small, &large, &budget, Strategy::LowestLatency)?;
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

    // 4. a budget -----------------------------------------------------------------
    println!("4. Budget: tenant acme may spend $0.0005 an hour");
    let acme = by_cost
        .clone()
        .with_context(RequestContext::new().with_tenant("acme"));
    let (mut answered, mut refusal) = (0, None);
    for i in 0..100 {
        let ask = ChatRequest::new("chat", format!("Draft release note {i}.")).max_tokens(400);
        match acme.chat(ask).await {
            Ok(_) => answered += 1,
            Err(e) if e.kind() == ErrorKind::BudgetExceeded => {
                refusal = Some(e);
                break;
            }
            Err(e) => return Err(e),
        }
    }
    let refusal = refusal.ok_or_else(|| Error::internal("the budget never refused a call"))?;
    let details = refusal
        .budget()
        .ok_or_else(|| Error::internal("a budget refusal names its budget"))?;
    println!(
        "   {answered} calls answered, then refused: {} ({:?} left, resets in {} s)",
        details.name(),
        details.remaining(),
        refusal.retry_after().unwrap_or_default().as_secs()
    );
    assert!(answered > 0);

    // 5. every attempt in the error ---------------------------------------------------
    println!("5. A 300,000-token prompt fits neither model: the error lists each attempt");
    let huge = "2024-05-01T12:00:00Z worker-7 ERROR job failed: timeout\n".repeat(21_000);
    let e = by_cost
        .chat(ChatRequest::new("chat", huge).max_tokens(16))
        .await
        .err()
        .ok_or_else(|| Error::internal("a prompt too long for both models was answered"))?;
    for attempt in e.attempts() {
        println!("   {attempt}");
    }
    assert_eq!(
        e.attempts()
            .iter()
            .map(|a| a.provider())
            .collect::<Vec<_>>(),
        ["small", "large"]
    );

    // 6. streaming ----------------------------------------------------------------
    println!("6. Streaming through trace → cache → retry → router → breaker → timeout");
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
