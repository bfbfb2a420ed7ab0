//! The OpenAI and Anthropic adapters against an OpenAI/Anthropic-compatible
//! gateway (LiteLLM's proxy), on wiremock servers answering with the
//! bodies, statuses and content types the real gateway sends (recorded from
//! LiteLLM 1.81 with mock models; the same gateway runs for real in the
//! `ai_gateway_real` test binary):
//!
//! * model limits: `/v1/models` carries none; `/model/info` carries
//!   `max_input_tokens` / `max_output_tokens`, read into `context_window`
//!   and `max_output_tokens` when the adapter is told to read it;
//! * a JSON answer to a streamed request is a `Decode` error naming the
//!   content type that arrived (not "the stream ended before …"); Ollama's
//!   NDJSON streams take one JSON object as the one line it is;
//! * an unknown model answered with `400 "Invalid model name …"` is
//!   `NotFound` in both adapters, as OpenAI's `404 model_not_found` is;
//! * Anthropic's model listing through a gateway that ignores `limit` and
//!   `after_id` still comes in pages of the size asked.
#![cfg(all(feature = "openai", feature = "anthropic", feature = "ollama"))]

use mosaic_core::ai::{AiProvider, ChatRequest, ListModels, ModelRef};
use mosaic_core::{ErrorKind, PageRequest};
use mosaic_providers::anthropic::{Anthropic, AnthropicConfig};
use mosaic_providers::ollama::{Ollama, OllamaConfig};
use mosaic_providers::openai::{ModelInfoSource, OpenAi, OpenAiConfig};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk-mosaic-test-master";

fn openai(server: &MockServer) -> OpenAiConfig {
    OpenAiConfig::compatible(format!("{}/v1", server.uri())).with_api_key(KEY)
}

fn anthropic(server: &MockServer) -> Anthropic {
    Anthropic::new(AnthropicConfig::new(KEY).with_base_url(server.uri())).unwrap()
}

/// One deployment of LiteLLM's `/model/info` as the gateway writes it (the
/// fields around the ones Mosaic reads included, nulls as sent).
fn deployment(name: &str, info: Value) -> Value {
    let mut model_info = json!({
        "id": format!("{name}-deployment-hash"),
        "db_model": false,
        "key": format!("openai/{name}"),
        "max_tokens": null,
        "max_input_tokens": null,
        "max_output_tokens": null,
        "input_cost_per_token": 0,
        "output_cost_per_token": 0,
        "litellm_provider": "openai",
        "mode": null,
        "supports_vision": null,
        "supports_function_calling": null,
        "supports_tool_choice": null,
        "supported_openai_params": ["max_tokens", "stream", "stream_options", "tools"],
        "tpm": null,
        "rpm": null
    });
    for (k, v) in info.as_object().unwrap() {
        model_info[k] = v.clone();
    }
    json!({
        "model_name": name,
        "litellm_params": {
            "use_in_pass_through": false,
            "use_litellm_proxy": false,
            "merge_reasoning_content_in_choices": false,
            "model": format!("openai/{name}")
        },
        "model_info": model_info
    })
}

fn model_info_body() -> Value {
    json!({"data": [
        deployment("mosaic-chat", json!({"max_input_tokens": 128000, "max_output_tokens": 4096, "mode": "chat"})),
        // a second deployment of the same name with a smaller window
        deployment("mosaic-chat", json!({"max_input_tokens": 32000.0, "max_output_tokens": 4096, "mode": "chat"})),
        deployment("mosaic-embed", json!({"max_input_tokens": 8192, "mode": "embedding"})),
        // only the legacy output limit
        deployment("mosaic-legacy", json!({"max_tokens": 2048})),
        deployment("mosaic-tools", json!({"mode": "chat", "supports_function_calling": true, "supports_vision": true})),
    ]})
}

#[tokio::test]
async fn litellm_model_info_gives_context_windows_and_output_limits() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/model/info"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(model_info_body()))
        .mount(&server)
        .await;
    let p = OpenAi::new(openai(&server).with_litellm_model_info()).unwrap();

    let page = p
        .list_models(ListModels {
            page: PageRequest::with_size(10),
        })
        .await
        .unwrap();
    let ids: Vec<&str> = page.items.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "mosaic-chat",
            "mosaic-embed",
            "mosaic-legacy",
            "mosaic-tools"
        ]
    );
    let chat = &page.items[0];
    assert_eq!(chat.context_window, Some(32_000), "the smaller deployment");
    assert_eq!(chat.max_output_tokens, Some(4_096));
    assert_eq!(chat.owned_by.as_deref(), Some("openai"));
    assert!(chat.features.chat && chat.features.streaming && !chat.features.embeddings);
    let embed = &page.items[1];
    assert_eq!(embed.context_window, Some(8_192));
    assert_eq!(embed.max_output_tokens, None);
    assert!(embed.features.embeddings && !embed.features.chat);
    assert_eq!(page.items[2].max_output_tokens, Some(2_048));
    assert_eq!(page.items[2].context_window, None);
    let tools = &page.items[3];
    assert!(tools.features.tools && tools.features.vision);

    let got = p
        .get_model(ModelRef {
            id: "mosaic-embed".into(),
        })
        .await
        .unwrap();
    assert_eq!(got, page.items[1]);
    let missing = p
        .get_model(ModelRef { id: "nope".into() })
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    assert_eq!(missing.provider(), Some("openai"));
    assert!(missing.message().contains("`nope`"), "{missing}");

    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 3, "one /model/info per call");
    assert!(reqs.iter().all(|r| r.url.path() == "/v1/model/info"));
}

#[tokio::test]
async fn the_default_listing_reads_models_which_carries_no_limits() {
    let server = MockServer::start().await;
    // LiteLLM's `/v1/models`, as sent.
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [
            {"id": "mosaic-chat", "object": "model", "created": 1677610602, "owned_by": "openai"},
            {"id": "mosaic-embed", "object": "model", "created": 1677610602, "owned_by": "openai"}
        ], "object": "list"})))
        .mount(&server)
        .await;
    let cfg = openai(&server);
    assert_eq!(cfg.model_info, ModelInfoSource::Models);
    let p = OpenAi::new(cfg).unwrap();
    let page = p.list_models(ListModels::default()).await.unwrap();
    assert_eq!(page.items.len(), 2);
    assert!(page.items.iter().all(|m| m.context_window.is_none()));
}

#[test]
fn litellm_model_info_is_a_configuration_key_and_not_for_azure() {
    let cfg = OpenAiConfig::from_json(json!({
        "base_url": "http://127.0.0.1:4000/v1",
        "model_info": "litellm"
    }))
    .unwrap();
    assert_eq!(cfg.model_info, ModelInfoSource::LiteLlm);
    let err = OpenAiConfig::from_json(json!({"model_info": "gateway"})).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let mut azure = OpenAiConfig::azure("https://res.openai.azure.com", "k");
    azure.model_info = ModelInfoSource::LiteLlm;
    assert_eq!(OpenAi::new(azure).unwrap_err().kind(), ErrorKind::Config);
}

// --- a JSON answer to a streamed request -----------------------------------

/// LiteLLM's `/v1/messages` answer for a mock model, sent as one JSON body
/// even to `stream: true`.
fn litellm_anthropic_message() -> Value {
    json!({
        "content": [{"text": "Hello from the gateway!", "type": "text"}],
        "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF", "model": "mosaic-chat", "role": "assistant",
        "stop_reason": "end_turn", "stop_sequence": null, "type": "message",
        "usage": {"input_tokens": 2095, "output_tokens": 503, "total_tokens": 2598}
    })
}

fn assert_not_a_stream(e: &mosaic_core::Error, provider: &str) {
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    assert_eq!(e.provider(), Some(provider));
    let msg = e.message();
    assert!(msg.contains("`application/json`"), "{msg}");
    assert!(msg.contains("`text/event-stream`"), "{msg}");
    assert!(!msg.contains("ended before"), "{msg}");
}

#[tokio::test]
async fn anthropic_names_a_json_answer_to_a_stream() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(wiremock::matchers::body_partial_json(
            json!({"stream": true}),
        ))
        .and(header("accept", "text/event-stream"))
        .respond_with(ResponseTemplate::new(200).set_body_json(litellm_anthropic_message()))
        .mount(&server)
        .await;
    let err = anthropic(&server)
        .chat_stream(ChatRequest::new("mosaic-chat", "hi"))
        .await
        .expect_err("not a stream");
    assert_not_a_stream(&err, "anthropic");
}

#[tokio::test]
async fn openai_names_a_json_answer_to_a_stream() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(wiremock::matchers::body_partial_json(
            json!({"stream": true}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "chatcmpl-95ae3937", "created": 1796677040, "model": "mosaic-chat",
            "object": "chat.completion",
            "choices": [{"finish_reason": "stop", "index": 0,
                         "message": {"content": "Hello from the gateway!", "role": "assistant"}}],
            "usage": {"completion_tokens": 20, "prompt_tokens": 10, "total_tokens": 30}
        })))
        .mount(&server)
        .await;
    let p = OpenAi::new(openai(&server)).unwrap();
    let err = p
        .chat_stream(ChatRequest::new("mosaic-chat", "hi"))
        .await
        .expect_err("not a stream");
    assert_not_a_stream(&err, "openai");
}

#[tokio::test]
async fn ollama_takes_one_json_object_as_its_stream_and_names_anything_else() {
    let server = MockServer::start().await;
    // Ollama's answer when it does not stream: one object, the `done` line.
    Mock::given(method("POST"))
        .and(path("/api/chat"))
        .and(wiremock::matchers::body_partial_json(
            json!({"model": "llama3.2"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "model": "llama3.2", "created_at": "2026-12-07T20:57:20Z",
            "message": {"role": "assistant", "content": "Hello!"},
            "done": true, "done_reason": "stop",
            "prompt_eval_count": 9, "eval_count": 2
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/chat"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("<html><body>proxy</body></html>", "text/html"),
        )
        .mount(&server)
        .await;
    let p = Ollama::new(OllamaConfig::new(server.uri())).unwrap();
    let chunks: Vec<_> = futures::StreamExt::collect::<Vec<_>>(
        p.chat_stream(ChatRequest::new("llama3.2", "hi"))
            .await
            .unwrap(),
    )
    .await;
    let chunks: Vec<_> = chunks.into_iter().map(Result::unwrap).collect();
    assert_eq!(chunks.len(), 1);
    assert_eq!(chunks[0].delta, "Hello!");
    assert_eq!(chunks[0].usage.unwrap().input_tokens, 9);

    let err = p
        .chat_stream(ChatRequest::new("other", "hi"))
        .await
        .expect_err("not a stream");
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.message().contains("`text/html`"), "{err}");
    assert!(err.message().contains("`application/x-ndjson`"), "{err}");
}

// --- an unknown model --------------------------------------------------------

/// LiteLLM's answer to an unknown model on its OpenAI route.
fn openai_invalid_model() -> ResponseTemplate {
    ResponseTemplate::new(400).set_body_json(json!({"error": {
        "message": "{'error': '/chat/completions: Invalid model name passed in model=nope. Call `/v1/models` to view available models for your key.'}",
        "type": "None", "param": "None", "code": "400"}}))
}

/// LiteLLM's answer to an unknown model on its Anthropic route.
fn anthropic_invalid_model() -> ResponseTemplate {
    ResponseTemplate::new(400).set_body_json(json!({"error": {
        "message": "400: {'error': 'anthropic_messages: Invalid model name passed in model=nope. Call `/v1/models` to view available models for your key.'}",
        "type": "None", "param": "None", "code": "400"}}))
}

fn assert_unknown_model(e: &mosaic_core::Error, provider: &str) {
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert_eq!(e.status(), Some(400));
    assert_eq!(e.provider(), Some(provider));
    assert!(e.message().contains("Invalid model name"), "{e}");
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn an_unknown_model_is_not_found_in_both_adapters() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(openai_invalid_model())
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(anthropic_invalid_model())
        .mount(&server)
        .await;
    let gpt = OpenAi::new(openai(&server)).unwrap();
    let claude = anthropic(&server);
    for stream in [false, true] {
        let req = ChatRequest::new("nope", "hi");
        let e = if stream {
            gpt.chat_stream(req.clone()).await.unwrap_err()
        } else {
            gpt.chat(req.clone()).await.unwrap_err()
        };
        assert_unknown_model(&e, "openai");
        let e = if stream {
            claude.chat_stream(req).await.unwrap_err()
        } else {
            claude.chat(req).await.unwrap_err()
        };
        assert_unknown_model(&e, "anthropic");
    }
}

#[tokio::test]
async fn other_refusals_stay_invalid_input() {
    let server = MockServer::start().await;
    // The gateway's refusal of a key it cannot check (no database), and a
    // refusal of a parameter: neither is about the model.
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "No connected db.", "type": "no_db_connection", "param": null, "code": "400"}})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "type": "error",
            "error": {"type": "invalid_request_error", "message": "max_tokens: Field required"}})))
        .mount(&server)
        .await;
    let e = OpenAi::new(openai(&server))
        .unwrap()
        .chat(ChatRequest::new("mosaic-chat", "hi"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(e.message().contains("No connected db."), "{e}");
    let e = anthropic(&server)
        .chat(ChatRequest::new("claude-haiku-4-5", "hi"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
}

// --- Anthropic's model listing through a gateway ------------------------------

#[tokio::test]
async fn anthropic_pages_a_listing_that_ignores_limit() {
    let server = MockServer::start().await;
    // LiteLLM answers `/v1/models` in OpenAI's shape: every model, no
    // `has_more`, whatever `limit` and `after_id` say.
    let all = json!({"data": [
        {"id": "mosaic-chat", "object": "model", "created": 1677610602, "owned_by": "openai"},
        {"id": "mosaic-small", "object": "model", "created": 1677610602, "owned_by": "openai"},
        {"id": "mosaic-tools", "object": "model", "created": 1677610602, "owned_by": "openai"},
        {"id": "mosaic-embed", "object": "model", "created": 1677610602, "owned_by": "openai"},
        {"id": "mosaic-relay", "object": "model", "created": 1677610602, "owned_by": "openai"}
    ], "object": "list"});
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(query_param("limit", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(all))
        .mount(&server)
        .await;
    let p = anthropic(&server);
    let mut page_req = PageRequest::with_size(2);
    let mut pages = Vec::new();
    loop {
        let page = p
            .list_models(ListModels {
                page: page_req.clone(),
            })
            .await
            .unwrap();
        assert!(page.items.len() <= 2, "{:?}", page.items);
        assert!(
            page.items
                .iter()
                .all(|m| m.owned_by.as_deref() == Some("openai")),
            "the owner the gateway names"
        );
        pages.push(page.items.iter().map(|m| m.id.clone()).collect::<Vec<_>>());
        match page.next {
            Some(next) => page_req.cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(
        pages,
        [
            vec!["mosaic-chat", "mosaic-small"],
            vec!["mosaic-tools", "mosaic-embed"],
            vec!["mosaic-relay"],
        ]
    );
    let reqs = server.received_requests().await.unwrap();
    let after: Vec<Option<String>> = reqs
        .iter()
        .map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "after_id")
                .map(|(_, v)| v.into_owned())
        })
        .collect();
    assert_eq!(
        after,
        [
            None,
            Some("mosaic-small".to_owned()),
            Some("mosaic-embed".to_owned())
        ]
    );
}
