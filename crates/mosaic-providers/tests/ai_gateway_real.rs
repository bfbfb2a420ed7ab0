//! The OpenAI and Anthropic adapters against a real OpenAI/Anthropic-
//! compatible gateway: the LiteLLM proxy, started once for this binary by
//! [`AiGatewayServer`] with mock models (see its module for what each
//! model answers) and killed when the test ends.
//!
//! One test runs the scenarios in order, each a named async function; a
//! failing scenario does not stop the others, and the test fails at the end
//! naming every failed scenario (with the end of the gateway's log).
//!
//! What the gateway cannot do, and how the conformance suite is invoked
//! around it (the suite itself is unchanged):
//!
//! * its mock streams text only, never tool calls, so the suite runs with
//!   `tools: false`; the non-streamed tool call is checked by
//!   [`tools_are_called_through_both_apis`];
//! * its mock embedding answers one vector per request whatever the number
//!   of inputs, so the suite runs without an embedding model; one input is
//!   checked by [`one_input_is_embedded`];
//! * a mock model answers Anthropic's `/v1/messages` with one JSON message
//!   even when asked to stream, so the Anthropic suite runs on
//!   [`RELAY_MODEL`], which the gateway fetches from its own OpenAI API and
//!   translates into real Anthropic events.
//!
//! Install the gateway with `bash .ci/servers/install-litellm.sh`; without
//! it this test fails, naming that command.

use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use futures::{FutureExt, StreamExt};
use mosaic_core::ai::{
    AiClient, AiProvider, AiRequest, AiResponse, AiService, ChatChunk, ChatRequest,
    EmbeddingRequest, FinishReason, ListModels, ModelRef, ToolChoice,
};
use mosaic_core::{Error, ErrorKind, PageRequest, Request, Result};
use mosaic_providers::anthropic::{Anthropic, AnthropicConfig};
use mosaic_providers::openai::{OpenAi, OpenAiConfig};
use mosaic_router::router::FailoverPolicy;
use mosaic_router::{ModelAliasLayer, ModelAliases, Router, Rule, Strategy};
use mosaic_testing::AiGatewayServer;
use mosaic_testing::ai_gateway_server::{
    CHAT_CONTEXT_WINDOW, CHAT_MAX_OUTPUT_TOKENS, CHAT_MODEL, CHAT_REPLY, EMBEDDING,
    EMBEDDING_MODEL, RELAY_MODEL, SMALL_CONTEXT_WINDOW, SMALL_MAX_OUTPUT_TOKENS, SMALL_MODEL,
    TOOL_CALL_ID, TOOL_MODEL, TOOL_RELAY_MODEL,
};
use mosaic_testing::conformance::ai::{AiSetup, run};
use tower::Layer;
use tower::util::BoxCloneSyncService;

/// Longest wait for any one scenario (a bound, never a sleep).
const BOUND: Duration = Duration::from_secs(120);

fn openai(gw: &AiGatewayServer) -> OpenAiConfig {
    OpenAiConfig::compatible(gw.openai_base_url()).with_api_key(gw.master_key().to_owned())
}

fn anthropic(gw: &AiGatewayServer) -> AnthropicConfig {
    AnthropicConfig::new(gw.master_key().to_owned()).with_base_url(gw.base_url())
}

fn gpt(gw: &AiGatewayServer) -> OpenAi {
    OpenAi::new(openai(gw)).unwrap()
}

fn claude(gw: &AiGatewayServer) -> Anthropic {
    Anthropic::new(anthropic(gw)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_adapters_against_a_real_gateway() {
    let started = Instant::now();
    let gw = tokio::task::spawn_blocking(AiGatewayServer::start)
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("the AI gateway did not start: {e}"));
    eprintln!(
        "litellm alive on port {} after {:.1}s",
        gw.port(),
        started.elapsed().as_secs_f64()
    );

    let mut failed = Vec::new();
    macro_rules! scenario {
        ($name:ident) => {
            let t = Instant::now();
            let outcome = AssertUnwindSafe(tokio::time::timeout(BOUND, $name(&gw)))
                .catch_unwind()
                .await;
            let verdict = match outcome {
                Ok(Ok(())) => "ok",
                Ok(Err(_)) => {
                    failed.push(concat!(stringify!($name), " (timed out)"));
                    "TIMED OUT"
                }
                Err(_) => {
                    failed.push(stringify!($name));
                    "FAILED"
                }
            };
            eprintln!(
                "scenario {}: {verdict} in {:.2}s",
                stringify!($name),
                t.elapsed().as_secs_f64()
            );
        };
    }
    scenario!(openai_passes_the_ai_suite);
    scenario!(anthropic_passes_the_ai_suite);
    scenario!(streamed_chat_carries_the_text_and_the_usage);
    scenario!(a_json_answer_to_a_stream_is_named);
    scenario!(errors_as_the_gateway_words_them);
    scenario!(an_unknown_model_is_not_found);
    scenario!(a_context_window_error_fails_over_through_the_router);
    scenario!(model_limits_come_from_the_gateways_model_info);
    scenario!(tools_are_called_through_both_apis);
    scenario!(one_input_is_embedded);

    let log = gw.log_tail();
    drop(gw);
    assert!(
        failed.is_empty(),
        "failed scenarios: {failed:?}\nend of the gateway's log: {log}"
    );
}

fn setup(chat_model: &str) -> AiSetup {
    AiSetup {
        chat_model: chat_model.to_owned(),
        // one vector per request, whatever the inputs (see the module docs)
        embedding_model: None,
        // the mock streams no tool calls (see the module docs)
        tools: false,
        page_size: 2,
    }
}

async fn openai_passes_the_ai_suite(gw: &AiGatewayServer) {
    let report = run(&gpt(gw), &setup(CHAT_MODEL)).await;
    eprintln!("{report}");
    report.assert_passed();
    let skipped: Vec<&str> = report.skipped().iter().map(|c| c.name).collect();
    assert_eq!(
        skipped,
        [
            "unsupported operations answer Unsupported",
            "tools: a required tool is called with JSON object arguments",
            "tools: streamed fragments add up to the complete calls",
            "embeddings: one vector per input, one dimension, stable for equal text",
        ],
        "only what the setup leaves out is skipped"
    );
}

async fn anthropic_passes_the_ai_suite(gw: &AiGatewayServer) {
    let report = run(&claude(gw), &setup(RELAY_MODEL)).await;
    eprintln!("{report}");
    report.assert_passed();
    let skipped: Vec<&str> = report.skipped().iter().map(|c| c.name).collect();
    assert_eq!(
        skipped,
        [
            "tools: a required tool is called with JSON object arguments",
            "tools: streamed fragments add up to the complete calls",
            "embeddings: one vector per input, one dimension, stable for equal text",
        ],
    );
}

async fn collect(stream: mosaic_core::ai::ChatStream) -> Vec<ChatChunk> {
    let items: Vec<Result<ChatChunk>> = stream.collect().await;
    items.into_iter().collect::<Result<Vec<_>>>().unwrap()
}

async fn streamed_chat_carries_the_text_and_the_usage(gw: &AiGatewayServer) {
    let cases: [(&dyn AiProvider, &str); 2] = [(&gpt(gw), CHAT_MODEL), (&claude(gw), RELAY_MODEL)];
    for (provider, model) in cases {
        let chunks = collect(
            provider
                .chat_stream(ChatRequest::new(model, "Say hello.").max_tokens(64))
                .await
                .unwrap(),
        )
        .await;
        assert!(chunks.len() > 2, "the answer came in pieces: {chunks:?}");
        let text: String = chunks.iter().map(|c| c.delta.as_str()).collect();
        assert_eq!(text, CHAT_REPLY);
        let (last, rest) = chunks.split_last().unwrap();
        assert_eq!(last.finish_reason, Some(FinishReason::Stop));
        let usage = last.usage.expect("usage on the last chunk");
        assert!(
            usage.input_tokens > 0 && usage.output_tokens > 0,
            "{usage:?}"
        );
        assert!(
            rest.iter()
                .all(|c| c.usage.is_none() && c.finish_reason.is_none())
        );
    }
}

async fn a_json_answer_to_a_stream_is_named(gw: &AiGatewayServer) {
    // A mock model answers `/v1/messages` with one JSON message even to
    // `stream: true`.
    let err = claude(gw)
        .chat_stream(ChatRequest::new(CHAT_MODEL, "Say hello."))
        .await
        .expect_err("the gateway did not stream");
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert_eq!(err.provider(), Some("anthropic"));
    assert!(err.message().contains("`application/json`"), "{err}");
    assert!(!err.message().contains("ended before"), "{err}");
    // The same model answers the non-streamed request.
    let resp = claude(gw)
        .chat(ChatRequest::new(CHAT_MODEL, "Say hello."))
        .await
        .unwrap();
    assert_eq!(resp.message.content, CHAT_REPLY);
}

async fn errors_as_the_gateway_words_them(gw: &AiGatewayServer) {
    // No key: 401 "Authentication Error, No api key passed in."
    let keyless = OpenAi::new(OpenAiConfig::compatible(gw.openai_base_url())).unwrap();
    let e = keyless
        .chat(ChatRequest::new(CHAT_MODEL, "hi"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated, "{e}");
    assert_eq!(e.status(), Some(401));
    assert!(e.message().contains("No api key passed in"), "{e}");
    let e = keyless
        .list_models(ListModels::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated, "{e}");

    // A key that is not the master key: without a database the gateway
    // cannot look it up and refuses with 400 "No connected db." rather
    // than 401; Mosaic reports what it said.
    let wrong = "sk-not-the-master-key";
    let e = OpenAi::new(OpenAiConfig::compatible(gw.openai_base_url()).with_api_key(wrong))
        .unwrap()
        .chat(ChatRequest::new(CHAT_MODEL, "hi"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert_eq!(e.status(), Some(400));
    assert!(e.message().contains("No connected db."), "{e}");
    assert!(!format!("{e} {e:?}").contains(wrong), "no key in the error");
    let e = Anthropic::new(AnthropicConfig::new(wrong).with_base_url(gw.base_url()))
        .unwrap()
        .chat(ChatRequest::new(CHAT_MODEL, "hi"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(e.message().contains("No connected db."), "{e}");
    assert!(!format!("{e} {e:?}").contains(wrong), "no key in the error");
}

async fn an_unknown_model_is_not_found(gw: &AiGatewayServer) {
    let cases: [(&dyn AiProvider, &str); 2] = [(&gpt(gw), "openai"), (&claude(gw), "anthropic")];
    for (provider, name) in cases {
        let req = ChatRequest::new("mosaic-no-such-model", "hi");
        let e = provider.chat(req.clone()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{name}: {e}");
        assert_eq!(e.status(), Some(400), "{name}");
        assert_eq!(e.provider(), Some(name));
        assert!(e.message().contains("Invalid model name"), "{name}: {e}");
        let e = provider.chat_stream(req).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{name} stream: {e}");
        let e = provider
            .get_model(ModelRef {
                id: "mosaic-no-such-model".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{name}: {e}");
        assert_eq!(e.status(), Some(404), "{name}");
        assert!(e.message().contains("does not exist"), "{name}: {e}");
    }
}

type AiStack = BoxCloneSyncService<Request<AiRequest>, AiResponse, Error>;

/// A candidate answering the alias `chat` with `model`.
fn candidate(model: &str, service: AiStack) -> AiStack {
    let aliases = ModelAliases::new().alias("chat", model);
    BoxCloneSyncService::new(ModelAliasLayer::new(aliases).layer(service))
}

async fn a_context_window_error_fails_over_through_the_router(gw: &AiGatewayServer) {
    // Each adapter alone: the small model's refusal is ContextLengthExceeded.
    let cases: [(&dyn AiProvider, &str); 2] = [(&gpt(gw), "openai"), (&claude(gw), "anthropic")];
    for (provider, name) in cases {
        let e = provider
            .chat(ChatRequest::new(SMALL_MODEL, "hi"))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ContextLengthExceeded, "{name}: {e}");
        assert_eq!(e.status(), Some(400));
    }

    // Through the router: `small` (OpenAI's API) first, then `large`
    // (Anthropic's API), with the AI routes' failover policy.
    let d = FailoverPolicy::default();
    let policy = FailoverPolicy {
        idempotent: d.idempotent.with(ErrorKind::ContextLengthExceeded),
        non_idempotent: d.non_idempotent.with(ErrorKind::ContextLengthExceeded),
    };
    let router = Router::builder()
        .provider(
            "small",
            candidate(
                SMALL_MODEL,
                BoxCloneSyncService::new(AiService::new(gpt(gw))),
            ),
        )
        .provider(
            "large",
            candidate(
                RELAY_MODEL,
                BoxCloneSyncService::new(AiService::new(claude(gw))),
            ),
        )
        .rule(
            Rule::any()
                .subject("chat")
                .to(["small", "large"])
                .strategy(Strategy::Failover),
        )
        .failover_policy(policy)
        .build()
        .unwrap();
    let client = AiClient::new(router);
    let resp = client
        .chat(ChatRequest::new("chat", "Say hello."))
        .await
        .unwrap();
    assert_eq!(resp.provider.as_deref(), Some("large"));
    assert_eq!(resp.message.content, CHAT_REPLY);
    assert_eq!(resp.finish_reason, Some(FinishReason::Stop));

    // A stream refused before its first chunk fails over the same way.
    let chunks = collect(
        client
            .chat_stream(ChatRequest::new("chat", "Say hello."))
            .await
            .unwrap(),
    )
    .await;
    let text: String = chunks.iter().map(|c| c.delta.as_str()).collect();
    assert!(text.ends_with(CHAT_REPLY), "{text:?}");
}

async fn model_limits_come_from_the_gateways_model_info(gw: &AiGatewayServer) {
    let p = OpenAi::new(openai(gw).with_litellm_model_info()).unwrap();
    let page = p
        .list_models(ListModels {
            page: PageRequest::with_size(50),
        })
        .await
        .unwrap();
    let find = |id: &str| page.items.iter().find(|m| m.id == id).cloned().unwrap();
    let chat = find(CHAT_MODEL);
    assert_eq!(chat.context_window, Some(CHAT_CONTEXT_WINDOW));
    assert_eq!(chat.max_output_tokens, Some(CHAT_MAX_OUTPUT_TOKENS));
    assert!(chat.features.chat && !chat.features.embeddings);
    let small = find(SMALL_MODEL);
    assert_eq!(small.context_window, Some(SMALL_CONTEXT_WINDOW));
    assert_eq!(small.max_output_tokens, Some(SMALL_MAX_OUTPUT_TOKENS));
    assert!(find(EMBEDDING_MODEL).features.embeddings);
    assert!(find(TOOL_MODEL).features.tools);
    let got = p
        .get_model(ModelRef {
            id: SMALL_MODEL.into(),
        })
        .await
        .unwrap();
    assert_eq!(got, small);

    // The same ids as `/v1/models`, which carries no limits.
    let plain = gpt(gw)
        .list_models(ListModels {
            page: PageRequest::with_size(50),
        })
        .await
        .unwrap();
    let ids = |items: &[mosaic_core::ai::ModelInfo]| -> Vec<String> {
        items.iter().map(|m| m.id.clone()).collect()
    };
    assert_eq!(ids(&plain.items), ids(&page.items));
    assert!(plain.items.iter().all(|m| m.context_window.is_none()));
}

async fn tools_are_called_through_both_apis(gw: &AiGatewayServer) {
    let tool = mosaic_core::ai::Tool {
        name: "get_weather".into(),
        description: Some("Current weather of a city".into()),
        parameters: serde_json::json!({
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"]
        }),
    };
    let cases: [(&dyn AiProvider, &str); 2] =
        [(&gpt(gw), TOOL_MODEL), (&claude(gw), TOOL_RELAY_MODEL)];
    for (provider, model) in cases {
        let mut req = ChatRequest::new(model, "What is the weather in Paris?").tool(tool.clone());
        req.tool_choice = Some(ToolChoice::Tool("get_weather".into()));
        let resp = provider.chat(req).await.unwrap();
        assert_eq!(resp.finish_reason, Some(FinishReason::ToolCalls), "{model}");
        let call = &resp.message.tool_calls[0];
        assert_eq!(
            (call.id.as_str(), call.name.as_str()),
            (TOOL_CALL_ID, "get_weather")
        );
        assert_eq!(
            call.parse_arguments().unwrap(),
            serde_json::json!({"city": "Paris"})
        );
    }
}

async fn one_input_is_embedded(gw: &AiGatewayServer) {
    let e = gpt(gw)
        .embed(EmbeddingRequest {
            model: EMBEDDING_MODEL.into(),
            inputs: vec!["the cat sat on the mat".into()],
            dimensions: None,
        })
        .await
        .unwrap();
    assert_eq!(e.vectors, [EMBEDDING.to_vec()]);
    assert!(e.usage.input_tokens > 0);
}
