//! The OpenAI provider against a wiremock server answering with bodies
//! written from OpenAI's API reference: the requests sent (method, path,
//! query, headers, body), the answers parsed, OpenAI-compatible servers
//! behind a path prefix, Azure OpenAI, streaming with tool calls and
//! usage, the error-body table, pagination and the plugin.
#![cfg(feature = "openai")]

use futures::StreamExt;
use mosaic_core::ai::{
    AiProvider, ChatChunk, ChatRequest, CompletionRequest, EmbeddingRequest, FinishReason,
    ListModels, Message, ModelRef, ResponseFormat, Tool, ToolCall, ToolChoice,
};
use mosaic_core::{ErrorKind, PageRequest, Result};
use mosaic_plugin_sdk::{Env, PluginConfig, PluginContext, PluginManifest};
use mosaic_providers::ai::ModelPrice;
use mosaic_providers::openai::{
    self, AzureConfig, CONFIG_SCHEMA, MaxTokensParam, OpenAi, OpenAiConfig, PLUGIN_MANIFEST,
};
use serde_json::{Value, json};
use std::time::Duration;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOOLS_SSE: &str = include_str!("../fixtures/ai/openai_tools.sse");
const TEXT_SSE: &str = include_str!("../fixtures/ai/openai_text.sse");
const KEY: &str = "sk-test-abcdefghijklmnop";

fn provider(server: &MockServer) -> OpenAi {
    OpenAi::new(OpenAiConfig::compatible(format!("{}/v1", server.uri())).with_api_key(KEY)).unwrap()
}

fn weather_tool() -> Tool {
    Tool {
        name: "get_weather".into(),
        description: Some("Current weather of a city".into()),
        parameters: json!({
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"]
        }),
    }
}

fn completion_body() -> Value {
    json!({
        "id": "chatcmpl-123",
        "object": "chat.completion",
        "created": 1677652288,
        "model": "gpt-4o-2024-08-06",
        "system_fingerprint": "fp_44709d6fcb",
        "choices": [{
            "index": 0,
            "message": {
                "role": "assistant",
                "content": null,
                "refusal": null,
                "tool_calls": [
                    {"id": "call_abc", "type": "function",
                     "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
                    {"id": "call_def", "type": "function",
                     "function": {"name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"}}
                ]
            },
            "logprobs": null,
            "finish_reason": "tool_calls"
        }],
        "usage": {
            "prompt_tokens": 2000,
            "completion_tokens": 100,
            "total_tokens": 2100,
            "prompt_tokens_details": {"cached_tokens": 1000, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0}
        }
    })
}

async fn only_request(server: &MockServer) -> Request {
    let mut reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1, "exactly one request");
    reqs.remove(0)
}

#[tokio::test]
async fn chat_sends_the_documented_request_and_maps_the_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion_body()))
        .mount(&server)
        .await;
    let p = provider(&server);
    let mut req = ChatRequest::new("gpt-4o", "Weather in Paris and Oslo?")
        .system("Be brief.")
        .tool(weather_tool())
        .max_tokens(256);
    req.messages.push(Message {
        role: mosaic_core::ai::Role::Assistant,
        content: String::new(),
        tool_calls: vec![ToolCall {
            id: "call_0".into(),
            name: "get_weather".into(),
            arguments: "{\"city\":\"Rome\"}".into(),
        }],
        tool_call_id: None,
    });
    req.messages
        .push(Message::tool_result("call_0", "21C, sunny"));
    req.tool_choice = Some(ToolChoice::Tool("get_weather".into()));
    req.temperature = Some(0.2);
    req.stop = vec!["END".into()];
    req.response_format = Some(ResponseFormat::JsonSchema {
        name: "weather".into(),
        schema: json!({"type": "object"}),
        strict: true,
    });
    let resp = p.chat(req).await.unwrap();

    let sent: Value = only_request(&server).await.body_json().unwrap();
    let expected = json!({
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Weather in Paris and Oslo?"},
            {"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_0", "type": "function",
                 "function": {"name": "get_weather", "arguments": "{\"city\":\"Rome\"}"}}
            ]},
            {"role": "tool", "content": "21C, sunny", "tool_call_id": "call_0"}
        ],
        "tools": [{"type": "function", "function": {
            "name": "get_weather",
            "description": "Current weather of a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
        }}],
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
        "temperature": 0.2,
        "max_tokens": 256,
        "stop": ["END"],
        "response_format": {"type": "json_schema",
            "json_schema": {"name": "weather", "schema": {"type": "object"}, "strict": true}}
    });
    // f32 0.2 is sent as its exact decimal expansion.
    let mut sent_cmp = sent.clone();
    sent_cmp["temperature"] = json!(0.2);
    assert_eq!(sent_cmp, expected);
    assert!((sent["temperature"].as_f64().unwrap() - 0.2).abs() < 1e-6);

    assert_eq!(resp.id, "chatcmpl-123");
    assert_eq!(resp.model, "gpt-4o-2024-08-06");
    assert_eq!(resp.finish_reason, Some(FinishReason::ToolCalls));
    assert_eq!(resp.message.tool_calls.len(), 2, "parallel tool calls");
    assert_eq!(resp.message.tool_calls[1].id, "call_def");
    assert_eq!(
        resp.message.tool_calls[1].parse_arguments().unwrap()["city"],
        "Oslo"
    );
    assert_eq!(resp.usage.input_tokens, 2000);
    assert_eq!(resp.usage.cached_input_tokens, Some(1000));
    // gpt-4o: $2.50 input, $1.25 cached input, $10 output per million.
    let expected_cost = (1000.0 * 2.5 + 1000.0 * 1.25 + 100.0 * 10.0) / 1e6;
    assert!((resp.cost_usd.unwrap() - expected_cost).abs() < 1e-12);
}

#[tokio::test]
async fn a_compatible_server_behind_a_path_prefix() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/llm/openai/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "cmpl-vllm-1",
            "object": "chat.completion",
            "model": "meta-llama/Llama-3.1-8B-Instruct",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi!", "tool_calls": []},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 5, "total_tokens": 7, "completion_tokens": 2}
        })))
        .mount(&server)
        .await;
    let cfg = OpenAiConfig::compatible(format!("{}/llm/openai/v1/", server.uri())).with_price(
        "meta-llama/Llama-3.1-8B-Instruct",
        ModelPrice::per_million(0.1, 0.2),
    );
    let p = OpenAi::new(cfg).unwrap();
    let resp = p
        .chat(ChatRequest::new("meta-llama/Llama-3.1-8B-Instruct", "hi"))
        .await
        .unwrap();
    assert_eq!(resp.message.content, "Hi!");
    assert_eq!(resp.finish_reason, Some(FinishReason::Stop));
    assert_eq!(resp.usage.cached_input_tokens, None);
    assert!((resp.cost_usd.unwrap() - (5.0 * 0.1 + 2.0 * 0.2) / 1e6).abs() < 1e-15);
    let req = only_request(&server).await;
    assert!(
        req.headers.get("authorization").is_none(),
        "no key, no header"
    );
    let body: Value = req.body_json().unwrap();
    assert!(body.get("max_completion_tokens").is_none());
    assert!(body.get("stream").is_none());
}

#[tokio::test]
async fn max_completion_tokens_when_asked() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion_body()))
        .mount(&server)
        .await;
    let mut cfg = OpenAiConfig::compatible(format!("{}/v1", server.uri()));
    cfg.max_tokens_param = MaxTokensParam::MaxCompletionTokens;
    cfg.organization = Some("org-1".into());
    cfg.project = Some("proj_1".into());
    OpenAi::new(cfg)
        .unwrap()
        .chat(ChatRequest::new("o3-mini", "hi").max_tokens(50))
        .await
        .unwrap();
    let req = only_request(&server).await;
    let body: Value = req.body_json().unwrap();
    assert_eq!(body["max_completion_tokens"], 50);
    assert!(body.get("max_tokens").is_none());
    assert_eq!(req.headers["openai-organization"], "org-1");
    assert_eq!(req.headers["openai-project"], "proj_1");
}

#[tokio::test]
async fn azure_openai_deployments_api_version_and_key_header() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/openai/deployments/prod-4o/chat/completions"))
        .and(query_param("api-version", "2024-10-21"))
        .and(header("api-key", "azure-key"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion_body()))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(
            "/openai/deployments/text-embedding-3-small/embeddings",
        ))
        .and(query_param("api-version", "2024-10-21"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "object": "list",
            "data": [{"object": "embedding", "index": 0, "embedding": [0.5, -0.5]}],
            "model": "text-embedding-3-small",
            "usage": {"prompt_tokens": 3, "total_tokens": 3}
        })))
        .mount(&server)
        .await;
    let mut cfg = OpenAiConfig::azure(server.uri(), "azure-key");
    cfg.azure = Some(AzureConfig {
        deployments: [("gpt-4o".to_owned(), "prod-4o".to_owned())].into(),
        ..AzureConfig::default()
    });
    let p = OpenAi::new(cfg).unwrap();
    let resp = p.chat(ChatRequest::new("gpt-4o", "hi")).await.unwrap();
    assert_eq!(resp.message.tool_calls.len(), 2);
    let e = p
        .embed(EmbeddingRequest {
            model: "text-embedding-3-small".into(),
            inputs: vec!["abc".into()],
            dimensions: None,
        })
        .await
        .unwrap();
    assert_eq!(e.vectors, vec![vec![0.5, -0.5]]);
    for req in server.received_requests().await.unwrap() {
        assert!(req.headers.get("authorization").is_none());
        assert_eq!(req.headers["api-key"], "azure-key");
    }
}

async fn collect(stream: mosaic_core::ai::ChatStream) -> Vec<Result<ChatChunk>> {
    stream.collect().await
}

#[tokio::test]
async fn streaming_tool_calls_with_usage() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("accept", "text/event-stream"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(TOOLS_SSE, "text/event-stream"))
        .mount(&server)
        .await;
    let p = provider(&server);
    let stream = p
        .chat_stream(ChatRequest::new("gpt-4o", "Weather and time in Paris?").tool(weather_tool()))
        .await
        .unwrap();
    let chunks: Vec<ChatChunk> = collect(stream)
        .await
        .into_iter()
        .collect::<Result<_>>()
        .unwrap();
    let body: Value = only_request(&server).await.body_json().unwrap();
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"], json!({"include_usage": true}));
    let calls: Vec<&ToolCall> = chunks.iter().flat_map(|c| &c.tool_calls).collect();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].arguments, r#"{"city": "Paris"}"#);
    assert_eq!(calls[1].id, "call_ABCDEFGHIJKLMNOPQRSTUVWX");
    let last = chunks.last().unwrap();
    assert_eq!(last.finish_reason, Some(FinishReason::ToolCalls));
    assert_eq!(last.usage.unwrap().output_tokens, 45);
    assert!(
        chunks[..chunks.len() - 1]
            .iter()
            .all(|c| c.usage.is_none() && c.finish_reason.is_none())
    );
    // Collected, the stream is one answer.
    let collected = p
        .chat_stream(ChatRequest::new("gpt-4o", "again"))
        .await
        .unwrap()
        .collect_response("gpt-4o")
        .await
        .unwrap();
    assert_eq!(collected.message.tool_calls.len(), 2);
    assert_eq!(collected.usage.input_tokens, 82);
}

#[tokio::test]
async fn stream_errors_before_and_after_the_first_chunk() {
    let server = MockServer::start().await;
    // 1. Refused outright: the ordinary error of chat_stream.
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({"error": {
            "message": "You exceeded your current quota, please check your plan and billing details.",
            "type": "insufficient_quota", "param": null, "code": "insufficient_quota"}})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    // 2. An error event first: still the ordinary error.
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "data: {\"error\":{\"message\":\"The server had an error while processing your request.\",\"type\":\"server_error\",\"code\":500}}\n\n",
            "text/event-stream",
        ))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    // 3. Text, then an error: a stream item.
    let after = format!(
        "{}data: {{\"error\":{{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}}}\n\n",
        &TEXT_SSE[..TEXT_SSE.find("data: {\"id\":\"chatcmpl-AbC123\",\"object\":\"chat.completion.chunk\",\"created\":1727000000,\"model\":\"gpt-4o-2024-08-06\",\"system_fingerprint\":\"fp_50cad350e4\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"!\"}").unwrap()]
    );
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(after, "text/event-stream"))
        .mount(&server)
        .await;
    let p = provider(&server);
    let req = || ChatRequest::new("gpt-4o", "hi");

    let e = p.chat_stream(req()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::QuotaExceeded);
    assert!(!e.is_retryable(), "an exhausted quota is not retried");
    assert_eq!(e.status(), Some(429));

    let e = p.chat_stream(req()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(e.is_retryable());

    let items = collect(p.chat_stream(req()).await.unwrap()).await;
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].as_ref().unwrap().delta, "Hello");
    let e = items[1].as_ref().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.provider(), Some("openai"));
}

struct Case {
    status: u16,
    headers: &'static [(&'static str, &'static str)],
    body: &'static str,
    kind: ErrorKind,
    retry_after: Option<Duration>,
}

#[tokio::test]
async fn error_bodies_map_to_kinds() {
    let cases = [
        Case {
            status: 429,
            headers: &[],
            body: r#"{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#,
            kind: ErrorKind::QuotaExceeded,
            retry_after: None,
        },
        Case {
            status: 429,
            headers: &[
                ("x-ratelimit-reset-requests", "1s"),
                ("x-ratelimit-reset-tokens", "6m0s"),
            ],
            body: r#"{"error":{"message":"Rate limit reached for gpt-4o on tokens per min (TPM)","type":"tokens","param":null,"code":"rate_limit_exceeded"}}"#,
            kind: ErrorKind::RateLimited,
            retry_after: Some(Duration::from_secs(360)),
        },
        Case {
            status: 429,
            headers: &[("retry-after-ms", "1500")],
            body: r#"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}"#,
            kind: ErrorKind::RateLimited,
            retry_after: Some(Duration::from_millis(1500)),
        },
        Case {
            status: 429,
            headers: &[("retry-after", "7")],
            body: r#"{"error":{"message":"Too many requests","type":"requests","code":"rate_limit_exceeded"}}"#,
            kind: ErrorKind::RateLimited,
            retry_after: Some(Duration::from_secs(7)),
        },
        Case {
            status: 400,
            headers: &[],
            body: r#"{"error":{"message":"This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens. Please reduce the length of the messages.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}"#,
            kind: ErrorKind::ContextLengthExceeded,
            retry_after: None,
        },
        Case {
            status: 400,
            headers: &[],
            body: r#"{"error":{"code":400,"message":"the request exceeds the available context size, try increasing it","type":"exceed_context_size_error","n_prompt_tokens":5000,"n_ctx":4096}}"#,
            kind: ErrorKind::ContextLengthExceeded,
            retry_after: None,
        },
        Case {
            status: 400,
            headers: &[],
            body: r#"{"object":"error","message":"This model's maximum context length is 2048 tokens. However, you requested 3000 tokens (2900 in the messages, 100 in the completion).","type":"BadRequestError","param":null,"code":400}"#,
            kind: ErrorKind::ContextLengthExceeded,
            retry_after: None,
        },
        Case {
            status: 400,
            headers: &[],
            body: r#"{"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's content management policy.","type":null,"param":"prompt","code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation"}}}"#,
            kind: ErrorKind::ContentFiltered,
            retry_after: None,
        },
        Case {
            status: 400,
            headers: &[],
            body: r#"{"error":{"message":"Your request was rejected as a result of our safety system.","type":"invalid_request_error","param":null,"code":"content_policy_violation"}}"#,
            kind: ErrorKind::ContentFiltered,
            retry_after: None,
        },
        Case {
            status: 400,
            headers: &[],
            body: r#"{"error":{"message":"Invalid value for 'temperature'","type":"invalid_request_error","param":"temperature","code":"invalid_value"}}"#,
            kind: ErrorKind::InvalidInput,
            retry_after: None,
        },
        Case {
            status: 401,
            headers: &[],
            body: r#"{"error":{"message":"Incorrect API key provided: sk-test-abcdefghijklmnop. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#,
            kind: ErrorKind::Unauthenticated,
            retry_after: None,
        },
        Case {
            status: 404,
            headers: &[],
            body: r#"{"error":{"message":"The model `gpt-9` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}"#,
            kind: ErrorKind::NotFound,
            retry_after: None,
        },
        Case {
            status: 500,
            headers: &[],
            body: r#"{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}"#,
            kind: ErrorKind::Unavailable,
            retry_after: None,
        },
        Case {
            status: 503,
            headers: &[("retry-after", "2")],
            body: "upstream connect error",
            kind: ErrorKind::Unavailable,
            retry_after: Some(Duration::from_secs(2)),
        },
    ];
    let server = MockServer::start().await;
    let p = provider(&server);
    for (i, c) in cases.iter().enumerate() {
        server.reset().await;
        let mut tmpl = ResponseTemplate::new(c.status).set_body_raw(c.body, "application/json");
        for (k, v) in c.headers {
            tmpl = tmpl.insert_header(*k, *v);
        }
        Mock::given(path("/v1/chat/completions"))
            .respond_with(tmpl)
            .mount(&server)
            .await;
        let e = p.chat(ChatRequest::new("gpt-4o", "hi")).await.unwrap_err();
        assert_eq!(e.kind(), c.kind, "case {i}: {e}");
        assert_eq!(e.status(), Some(c.status), "case {i}");
        assert_eq!(e.provider(), Some("openai"), "case {i}");
        assert_eq!(e.retry_after(), c.retry_after, "case {i}: {e}");
        assert_eq!(e.is_retryable(), c.kind.is_retryable(), "case {i}");
        assert!(
            !format!("{e}{e:?}").contains(KEY),
            "case {i}: key leaked: {e}"
        );
        // The same mapping applies to a stream refused before its first chunk.
        let s = p.chat_stream(ChatRequest::new("gpt-4o", "hi")).await;
        assert_eq!(s.unwrap_err().kind(), c.kind, "case {i} (stream)");
    }
}

#[tokio::test]
async fn embeddings_in_input_order() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/embeddings"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "object": "list",
            "data": [
                {"object": "embedding", "index": 1, "embedding": [0.0, 1.0]},
                {"object": "embedding", "index": 0, "embedding": [1.0, 0.0]}
            ],
            "model": "text-embedding-3-small",
            "usage": {"prompt_tokens": 8, "total_tokens": 8}
        })))
        .mount(&server)
        .await;
    let p = provider(&server);
    let e = p
        .embed(EmbeddingRequest {
            model: "text-embedding-3-small".into(),
            inputs: vec!["first".into(), "second".into()],
            dimensions: Some(2),
        })
        .await
        .unwrap();
    assert_eq!(e.vectors, vec![vec![1.0, 0.0], vec![0.0, 1.0]]);
    assert_eq!(e.usage.input_tokens, 8);
    let body: Value = only_request(&server).await.body_json().unwrap();
    assert_eq!(
        body,
        json!({"model": "text-embedding-3-small", "input": ["first", "second"],
               "dimensions": 2, "encoding_format": "float"})
    );
    // A count that does not match the inputs is a decode error.
    let e = p
        .embed(EmbeddingRequest {
            model: "text-embedding-3-small".into(),
            inputs: vec!["only".into()],
            dimensions: None,
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
}

#[tokio::test]
async fn models_listed_across_pages_and_described() {
    let server = MockServer::start().await;
    let ids = [
        "gpt-4o",
        "gpt-4o-mini",
        "o3",
        "text-embedding-3-small",
        "whisper-1",
    ];
    let data: Vec<Value> = ids
        .iter()
        .rev()
        .map(|id| json!({"id": id, "object": "model", "created": 1686935002, "owned_by": "openai"}))
        .collect();
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"object": "list", "data": data})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/models/gpt-4o"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"id": "gpt-4o", "object": "model", "created": 1686935002, "owned_by": "system"}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/models/nope"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"error": {
            "message": "The model 'nope' does not exist", "type": "invalid_request_error",
            "param": "model", "code": "model_not_found"}})))
        .mount(&server)
        .await;
    let p = provider(&server);
    let mut page = PageRequest::with_size(2);
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let got = p
            .list_models(ListModels { page: page.clone() })
            .await
            .unwrap();
        pages += 1;
        seen.extend(got.items.iter().map(|m| m.id.clone()));
        match got.next {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids);
    let m = p
        .get_model(ModelRef {
            id: "gpt-4o".into(),
        })
        .await
        .unwrap();
    assert_eq!(m.owned_by.as_deref(), Some("system"));
    assert!(m.features.chat && !m.features.embeddings);
    let e = p
        .get_model(ModelRef { id: "nope".into() })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn legacy_completions() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "cmpl-uqkvlQyYK7bGYrRHQ0eXlWi7",
            "object": "text_completion",
            "created": 1589478378,
            "model": "gpt-3.5-turbo-instruct",
            "choices": [{"text": "\n\nThis is indeed a test", "index": 0, "logprobs": null, "finish_reason": "length"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12}
        })))
        .mount(&server)
        .await;
    let c = provider(&server)
        .complete(CompletionRequest {
            model: "gpt-3.5-turbo-instruct".into(),
            prompt: "Say this is a test".into(),
            max_tokens: Some(7),
            temperature: Some(0.0),
            stop: vec![],
        })
        .await
        .unwrap();
    assert_eq!(c.text, "\n\nThis is indeed a test");
    assert_eq!(c.finish_reason, Some(FinishReason::Length));
    assert_eq!(c.usage.output_tokens, 7);
    assert!(c.cost_usd.unwrap() > 0.0);
    let body: Value = only_request(&server).await.body_json().unwrap();
    assert_eq!(
        body,
        json!({"model": "gpt-3.5-turbo-instruct", "prompt": "Say this is a test",
               "max_tokens": 7, "temperature": 0.0})
    );
}

#[tokio::test]
async fn malformed_bodies_are_decode_errors_naming_the_path() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "x", "choices": [{"index": 0, "message": {"content": 5}}]
        })))
        .mount(&server)
        .await;
    let e = provider(&server)
        .chat(ChatRequest::new("gpt-4o", "hi"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.message().contains("choices[0].message.content"), "{e}");
    // the request line is relative to the base URL (whose path may hold a secret)
    assert!(e.message().contains("POST /chat/completions"), "{e}");
}

#[tokio::test]
async fn invalid_requests_never_leave_the_process() {
    let server = MockServer::start().await;
    let p = provider(&server);
    let e = p.chat(ChatRequest::new("", "hi")).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.field()),
        (ErrorKind::InvalidInput, Some("model"))
    );
    let mut r = ChatRequest::new("gpt-4o", "hi");
    r.messages.clear();
    assert_eq!(
        p.chat_stream(r).await.unwrap_err().field(),
        Some("messages")
    );
    let e = p
        .embed(EmbeddingRequest {
            model: "m".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("inputs"));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn manifest_and_config_schema() {
    let factory = openai::plugin_factory().unwrap();
    let m: &PluginManifest = factory.manifest();
    assert_eq!(m.id, "openai");
    assert!(m.config.schema.is_some());
    assert_eq!(
        m.capabilities_of(mosaic_core::Family::Ai),
        Some(OpenAi::operations())
    );
    assert!(PluginManifest::parse(PLUGIN_MANIFEST).is_ok());
    let _: Value = serde_json::from_str(CONFIG_SCHEMA).unwrap();

    let example = json!({
        "api_key": "sk-example-secret",
        "azure": {"deployments": {"gpt-4o": "prod-4o"}},
        "prices": {"ft:gpt-4o:acme": {"input": 3.75, "output": 15.0}}
    });
    let cfg = PluginConfig::resolve(m, Some(&example), &Env::fixed::<&str, &str>([])).unwrap();
    assert_eq!(
        cfg.get("base_url"),
        Some(&json!("https://api.openai.com/v1"))
    );
    assert_eq!(cfg.get("timeout_secs"), Some(&json!(120)));
    assert_eq!(cfg.get("/azure/api_version"), Some(&json!("2024-10-21")));
    assert!(!cfg.redacted().to_string().contains("sk-example-secret"));
    let parsed: OpenAiConfig = cfg.parse().unwrap();
    assert_eq!(parsed.api_key.unwrap().expose(), "sk-example-secret");
    assert_eq!(parsed.prices["ft:gpt-4o:acme"].input_per_million, 3.75);

    for bad in [
        json!({"base_url": "ftp://x"}),
        json!({"max_tokens_param": "sometimes"}),
        json!({"prices": {"m": {"input": -1, "output": 1}}}),
        json!({"unknown": true}),
    ] {
        let e = PluginConfig::resolve(m, Some(&bad), &Env::fixed::<&str, &str>([])).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{bad}");
    }
    // from_json applies the AI timeout default too.
    assert_eq!(
        OpenAiConfig::from_json(json!({}))
            .unwrap()
            .http
            .timeout_secs,
        openai::DEFAULT_TIMEOUT_SECS
    );
}

#[tokio::test]
async fn the_plugin_refuses_a_base_url_outside_its_allowlist() {
    let factory = openai::plugin_factory().unwrap();
    let m = factory.manifest().clone();
    let cfg = PluginConfig::resolve(
        &m,
        Some(&json!({"base_url": "http://127.0.0.1:9/v1"})),
        &Env::fixed::<&str, &str>([]),
    )
    .unwrap();
    let mut plugin = factory.create().unwrap();
    let ctx = PluginContext::builder(&m).config(cfg.clone()).build();
    let e = plugin.initialize(ctx, cfg).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    assert!(plugin.services().ai.is_none());

    let cfg = PluginConfig::resolve(
        &m,
        Some(&json!({"api_key": "k"})),
        &Env::fixed::<&str, &str>([]),
    )
    .unwrap();
    let mut plugin = factory.create().unwrap();
    let ctx = PluginContext::builder(&m).config(cfg.clone()).build();
    plugin.initialize(ctx, cfg).await.unwrap();
    let ai = plugin.services().ai.expect("an AI service");
    assert_eq!(ai.capabilities(), OpenAi::operations());
}
