//! One price table for the AI adapters and the router: the host builds a
//! [`PriceTable`] (the built-in lists with its own entry laid over), hands
//! it to each adapter and — through [`ModelCosts`], which knows each
//! instance's name for the `chat` alias — to the router's lowest-cost
//! strategy. The router tries the instance whose model the table prices
//! lowest, and the answer's `cost_usd` comes from the same table.
#![cfg(all(feature = "openai", feature = "anthropic"))]

use mosaic_core::ai::price::{ModelPrice, PriceTable};
use mosaic_core::ai::{AiClient, AiProvider, AiRequest, AiResponse, AiService, ChatRequest, Usage};
use mosaic_core::{Error, Request};
use mosaic_providers::anthropic::{Anthropic, AnthropicConfig};
use mosaic_providers::openai::{OpenAi, OpenAiConfig};
use mosaic_router::router::{ModelCosts, Provider};
use mosaic_router::{ModelAliasLayer, ModelAliases, Router, Rule, Strategy};
use serde_json::{Value, json};
use tower::Layer;
use tower::util::BoxCloneSyncService;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

type AiStack = BoxCloneSyncService<Request<AiRequest>, AiResponse, Error>;

/// An OpenAI-compatible server answering chats as `model`.
async fn openai_server(model: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1_777_000_000,
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello."},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 2000, "completion_tokens": 100, "total_tokens": 2100,
                      "prompt_tokens_details": {"cached_tokens": 1000}}
        })))
        .mount(&server)
        .await;
    server
}

/// The model each request to `server` named.
async fn models_sent(server: &MockServer) -> Vec<String> {
    let reqs = server.received_requests().await.unwrap();
    reqs.iter()
        .map(|r| {
            r.body_json::<Value>().unwrap()["model"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// An instance's stack: its name for `chat`, then the adapter.
fn stack(alias: &ModelAliases, service: AiStack) -> AiStack {
    BoxCloneSyncService::new(ModelAliasLayer::new(alias.clone()).layer(service))
}

#[tokio::test]
async fn one_table_ranks_the_candidates_and_prices_the_answers() {
    // A host's table: the built-in lists, with its own (negotiated) price
    // for Claude Haiku 4.5 laid over the list price of $1 / $5.
    let haiku = ModelPrice::per_million(0.10, 0.50).with_cached_input(0.01);
    let prices = PriceTable::built_in().with("claude-haiku-4-5", haiku);
    prices.validate().unwrap();

    let gpt = openai_server("gpt-4o-2024-08-06").await;
    let mini = openai_server("gpt-4o-mini-2024-07-18").await;
    let house = openai_server("house-model").await;
    let claude = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "msg_1", "type": "message", "role": "assistant",
            "model": "claude-haiku-4-5-20251001",
            "content": [{"type": "text", "text": "Hello."}],
            "stop_reason": "end_turn", "stop_sequence": null,
            "usage": {"input_tokens": 1000, "cache_creation_input_tokens": 0,
                      "cache_read_input_tokens": 2000, "output_tokens": 100}
        })))
        .up_to_n_times(1)
        .mount(&claude)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1").set_body_json(
            json!({"type": "error", "error": {"type": "rate_limit_error", "message": "Slow down."}}),
        ))
        .mount(&claude)
        .await;

    let openai = |server: &MockServer| {
        let config = OpenAiConfig::compatible(format!("{}/v1", server.uri()))
            .with_api_key("sk-test")
            .with_price_table(prices.clone());
        BoxCloneSyncService::new(AiService::new(OpenAi::new(config).unwrap()))
    };
    let anthropic = {
        let config = AnthropicConfig::new("sk-ant-test")
            .with_base_url(claude.uri())
            .with_price_table(prices.clone());
        BoxCloneSyncService::new(AiService::new(Anthropic::new(config).unwrap()))
    };
    let aliases = |model: &str| ModelAliases::new().alias("chat", model);
    let instances = [
        ("gpt", aliases("gpt-4o"), openai(&gpt)),
        ("mini", aliases("gpt-4o-mini"), openai(&mini)),
        ("house", aliases("house-model"), openai(&house)),
        ("claude", aliases("claude-haiku-4-5"), anthropic),
    ];
    let mut costs = ModelCosts::new(prices.clone());
    let mut builder = Router::builder();
    for (name, alias, service) in instances {
        costs = costs.aliases(name, alias.clone());
        builder = builder.register(Provider::new(name, stack(&alias, service)));
    }
    let router = builder
        .rule(
            Rule::any()
                .to(["gpt", "mini", "house", "claude"])
                .strategy(Strategy::LowestCost),
        )
        .cost_model(costs)
        .build()
        .unwrap();

    // 4,000 characters ≈ 1,000 tokens in, 200 out: claude (the host's
    // price) < mini < gpt; house-model has no price and goes last.
    let req = || ChatRequest::new("chat", "x".repeat(4_000)).max_tokens(200);
    let plan = router.plan(&Request::new(AiRequest::Chat(req())));
    assert_eq!(
        plan.providers().collect::<Vec<_>>(),
        ["claude", "mini", "gpt", "house"]
    );

    let ai = AiClient::new(router);
    let answer = ai.chat(req()).await.unwrap();
    assert_eq!(models_sent(&claude).await, ["claude-haiku-4-5"]);
    let usage = Usage {
        input_tokens: 3000,
        output_tokens: 100,
        cached_input_tokens: Some(2000),
    };
    assert_eq!(answer.usage, usage);
    // the same table, the host's price: 1,000 fresh + 2,000 cached + 100 out
    let expected = (1000.0 * 0.10 + 2000.0 * 0.01 + 100.0 * 0.50) / 1e6;
    assert_eq!(
        answer.cost_usd,
        prices.cost("claude-haiku-4-5-20251001", &usage)
    );
    assert!((answer.cost_usd.unwrap() - expected).abs() < 1e-15);

    // claude is rate limited now: the next cheapest answers, priced by
    // the same table (gpt-4o-mini's list price, cached input included).
    let answer = ai.chat(req()).await.unwrap();
    assert_eq!(models_sent(&mini).await, ["gpt-4o-mini"]);
    let expected = (1000.0 * 0.15 + 1000.0 * 0.075 + 100.0 * 0.60) / 1e6;
    assert!((answer.cost_usd.unwrap() - expected).abs() < 1e-15);
    assert!(models_sent(&gpt).await.is_empty());
    assert!(models_sent(&house).await.is_empty());
}

#[test]
fn an_adapter_lays_its_configured_prices_over_the_host_table() {
    let table = PriceTable::new()
        .with("gpt-4o", ModelPrice::per_million(2.0, 8.0))
        .with("gpt-4.1", ModelPrice::per_million(1.0, 4.0));
    let config = OpenAiConfig::new("sk-test")
        .with_price_table(table)
        .with_price("gpt-4.1", ModelPrice::per_million(0.5, 2.0));
    let p = OpenAi::new(config).unwrap();
    let input = |m: &str| p.prices().get(m).map(|p| p.input_per_million);
    assert_eq!(input("gpt-4o-2024-08-06"), Some(2.0), "the host's table");
    assert_eq!(input("gpt-4.1"), Some(0.5), "the configuration wins");
    assert_eq!(input("o3"), None, "the table replaces the built-in list");

    // without a table: the built-in list of the adapter's kind
    let p = OpenAi::new(OpenAiConfig::new("sk-test")).unwrap();
    assert_eq!(p.prices(), &PriceTable::openai());
    let c = Anthropic::new(AnthropicConfig::new("sk-ant-test")).unwrap();
    assert_eq!(c.prices(), &PriceTable::anthropic());
}

#[test]
fn a_bad_price_is_a_configuration_error_naming_the_model() {
    let bad = PriceTable::built_in().with("x", ModelPrice::per_million(f64::NAN, 1.0));
    let err = OpenAi::new(OpenAiConfig::new("sk-test").with_price_table(bad)).unwrap_err();
    assert_eq!(err.kind(), mosaic_core::ErrorKind::Config);
    assert!(err.to_string().contains("prices/x"), "{err}");
    let err = Anthropic::new(
        AnthropicConfig::new("sk-ant-test").with_price("y", ModelPrice::per_million(1.0, -2.0)),
    )
    .unwrap_err();
    assert_eq!(err.kind(), mosaic_core::ErrorKind::Config);
    assert!(err.to_string().contains("prices/y"), "{err}");
}

#[cfg(feature = "ollama")]
#[test]
fn a_local_server_stays_free_where_the_host_table_is_silent() {
    use mosaic_providers::ollama::{Ollama, OllamaConfig};

    let table = PriceTable::built_in().with("qwen3", ModelPrice::per_million(1.0, 2.0));
    let usage = Usage {
        input_tokens: 1_000_000,
        output_tokens: 1_000_000,
        cached_input_tokens: None,
    };
    let p = Ollama::new(OllamaConfig::default().with_price_table(table.clone())).unwrap();
    assert_eq!(p.prices().cost("qwen3:8b", &usage), Some(3.0));
    assert_eq!(p.prices().cost("llama3.2", &usage), Some(0.0));
    let p = Ollama::new(
        OllamaConfig::default()
            .with_price_table(table)
            .with_price("qwen3", ModelPrice::per_million(0.5, 0.5)),
    )
    .unwrap();
    assert_eq!(
        p.prices().cost("qwen3:8b", &usage),
        Some(1.0),
        "the configuration wins"
    );
}
