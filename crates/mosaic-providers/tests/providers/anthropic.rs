//! The Anthropic provider against a wiremock server answering with bodies
//! written from Anthropic's Messages and Models API reference: the
//! requests sent, the answers parsed, streaming tool use with usage,
//! structured answers, the error-body table, cursor pagination and the
//! plugin.
#![cfg(feature = "anthropic")]

use std::time::Duration;

use futures::StreamExt;
use mosaic_core::ai::{
    AiProvider, ChatChunk, ChatRequest, CompletionRequest, EmbeddingRequest, FinishReason,
    ListModels, Message, ModelRef, ResponseFormat, Role, Tool, ToolCall, ToolChoice,
};
use mosaic_core::{ErrorKind, Family, PageRequest, Result};
use mosaic_plugin_sdk::{Env, PluginConfig};
use mosaic_providers::anthropic::{self, Anthropic, AnthropicConfig};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOOLS_SSE: &str = include_str!("../fixtures/ai/anthropic_tools.sse");
const TEXT_SSE: &str = include_str!("../fixtures/ai/anthropic_text.sse");
const KEY: &str = "sk-ant-api03-test-key";

fn provider(server: &MockServer) -> Anthropic {
    Anthropic::new(AnthropicConfig::new(KEY).with_base_url(server.uri())).unwrap()
}

fn tool(name: &str) -> Tool {
    Tool {
        name: name.into(),
        description: Some(format!("The {name} tool")),
        parameters: json!({"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}),
    }
}

async fn only_request(server: &MockServer) -> Request {
    let mut reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1, "exactly one request");
    reqs.remove(0)
}

fn message_body() -> Value {
    json!({
        "id": "msg_01Aq9w938a90dw8q",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": [
            {"type": "text", "text": "I'll check the weather in both cities."},
            {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9",
             "name": "get_weather", "input": {"location": "San Francisco, CA"}},
            {"type": "tool_use", "id": "toolu_01B",
             "name": "get_weather", "input": {"location": "New York, NY"}}
        ],
        "stop_reason": "tool_use",
        "stop_sequence": null,
        "usage": {"input_tokens": 1000, "cache_creation_input_tokens": 0,
                  "cache_read_input_tokens": 2000, "output_tokens": 100}
    })
}

#[tokio::test]
async fn chat_sends_the_documented_request_and_maps_the_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("x-api-key", KEY))
        .and(header("anthropic-version", "2023-06-01"))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(message_body()))
        .mount(&server)
        .await;
    let mut req = ChatRequest::new("claude-sonnet-4-5", "Weather in SF and NYC?")
        .system("Be brief.")
        .tool(tool("get_weather"));
    req.messages.insert(0, Message::system("Use metric units."));
    req.messages.push(Message {
        role: Role::Assistant,
        content: "Checking.".into(),
        tool_calls: vec![
            ToolCall {
                id: "toolu_1".into(),
                name: "get_weather".into(),
                arguments: r#"{"location":"Paris"}"#.into(),
            },
            ToolCall {
                id: "toolu_2".into(),
                name: "get_weather".into(),
                arguments: String::new(),
            },
        ],
        tool_call_id: None,
    });
    req.messages.push(Message::tool_result("toolu_1", "15C"));
    req.messages.push(Message::tool_result("toolu_2", "21C"));
    req.messages.push(Message::user("Thanks. And now?"));
    req.tool_choice = Some(ToolChoice::Required);
    req.stop = vec!["###".into()];
    let resp = provider(&server).chat(req).await.unwrap();

    let sent: Value = only_request(&server).await.body_json().unwrap();
    assert_eq!(
        sent,
        json!({
            "model": "claude-sonnet-4-5",
            "max_tokens": 4096,
            "system": "Be brief.\n\nUse metric units.",
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "Weather in SF and NYC?"}]},
                {"role": "assistant", "content": [
                    {"type": "text", "text": "Checking."},
                    {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"location": "Paris"}},
                    {"type": "tool_use", "id": "toolu_2", "name": "get_weather", "input": {}}
                ]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "toolu_1", "content": "15C"},
                    {"type": "tool_result", "tool_use_id": "toolu_2", "content": "21C"},
                    {"type": "text", "text": "Thanks. And now?"}
                ]}
            ],
            "tools": [{"name": "get_weather", "description": "The get_weather tool",
                       "input_schema": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}],
            "tool_choice": {"type": "any"},
            "stop_sequences": ["###"]
        })
    );

    assert_eq!(resp.id, "msg_01Aq9w938a90dw8q");
    assert_eq!(resp.model, "claude-sonnet-4-5-20250929");
    assert_eq!(
        resp.message.content,
        "I'll check the weather in both cities."
    );
    assert_eq!(resp.message.tool_calls.len(), 2);
    assert_eq!(
        resp.message.tool_calls[0].parse_arguments().unwrap(),
        json!({"location": "San Francisco, CA"})
    );
    assert_eq!(resp.finish_reason, Some(FinishReason::ToolCalls));
    assert_eq!(resp.usage.input_tokens, 3000);
    assert_eq!(resp.usage.cached_input_tokens, Some(2000));
    // claude-sonnet-4-5: $3 input, $0.30 cache reads, $15 output per million.
    let expected = (1000.0 * 3.0 + 2000.0 * 0.3 + 100.0 * 15.0) / 1e6;
    assert!((resp.cost_usd.unwrap() - expected).abs() < 1e-12);
}

#[tokio::test]
async fn streaming_tool_use_with_usage() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("accept", "text/event-stream"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(TOOLS_SSE, "text/event-stream"))
        .mount(&server)
        .await;
    let p = provider(&server);
    let stream = p
        .chat_stream(
            ChatRequest::new("claude-sonnet-4-5", "Weather and time?")
                .tool(tool("get_weather"))
                .tool(tool("get_time")),
        )
        .await
        .unwrap();
    let chunks: Vec<ChatChunk> = stream
        .collect::<Vec<Result<ChatChunk>>>()
        .await
        .into_iter()
        .collect::<Result<_>>()
        .unwrap();
    let body: Value = only_request(&server).await.body_json().unwrap();
    assert_eq!(body["stream"], true);
    let calls: Vec<&ToolCall> = chunks.iter().flat_map(|c| &c.tool_calls).collect();
    assert_eq!(
        calls.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["get_weather", "get_time"]
    );
    let last = chunks.last().unwrap();
    assert_eq!(last.finish_reason, Some(FinishReason::ToolCalls));
    assert_eq!(last.usage.unwrap().output_tokens, 89);
}

#[tokio::test]
async fn structured_answers_through_a_forced_tool() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(wiremock::matchers::body_partial_json(json!({"stream": true})))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            concat!(
                "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_2\",\"model\":\"claude-haiku-4-5\",\"usage\":{\"input_tokens\":30,\"output_tokens\":1}}}\n\n",
                "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_j\",\"name\":\"json_response\",\"input\":{}}}\n\n",
                "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"age\\\": \"}}\n\n",
                "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"22}\"}}\n\n",
                "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
                "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":9}}\n\n",
                "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
            ),
            "text/event-stream",
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-haiku-4-5",
            "content": [{"type": "tool_use", "id": "toolu_j", "name": "json_response", "input": {"age": 22}}],
            "stop_reason": "tool_use",
            "usage": {"input_tokens": 30, "output_tokens": 9}
        })))
        .mount(&server)
        .await;
    let p = provider(&server);
    let mut req = ChatRequest::new("claude-haiku-4-5", "How old is Ollama?");
    req.response_format = Some(ResponseFormat::JsonSchema {
        name: "age".into(),
        schema: json!({"type": "object", "properties": {"age": {"type": "integer"}}}),
        strict: true,
    });
    let resp = p.chat(req.clone()).await.unwrap();
    assert_eq!(resp.message.content, r#"{"age":22}"#);
    assert!(resp.message.tool_calls.is_empty());
    assert_eq!(resp.finish_reason, Some(FinishReason::Stop));
    let sent: Value = server.received_requests().await.unwrap()[0]
        .body_json()
        .unwrap();
    assert_eq!(
        sent["tool_choice"],
        json!({"type": "tool", "name": "json_response"})
    );
    assert_eq!(sent["tools"][0]["name"], "json_response");

    let streamed = p
        .chat_stream(req.clone())
        .await
        .unwrap()
        .collect_response("claude-haiku-4-5")
        .await
        .unwrap();
    assert_eq!(streamed.message.content, r#"{"age": 22}"#);
    assert!(streamed.message.tool_calls.is_empty());
    assert_eq!(streamed.finish_reason, Some(FinishReason::Stop));

    // A tool choice and a JSON answer cannot both be forced.
    req.tools.push(tool("t"));
    req.tool_choice = Some(ToolChoice::Tool("t".into()));
    assert_eq!(
        p.chat(req).await.unwrap_err().field(),
        Some("response_format")
    );
}

struct Case {
    status: u16,
    headers: &'static [(&'static str, &'static str)],
    kind_field: &'static str,
    message: &'static str,
    kind: ErrorKind,
    retry_after: Option<Duration>,
}

#[tokio::test]
async fn error_bodies_map_to_kinds() {
    let cases = [
        Case {
            status: 529,
            headers: &[],
            kind_field: "overloaded_error",
            message: "Overloaded",
            kind: ErrorKind::Unavailable,
            retry_after: None,
        },
        Case {
            status: 429,
            headers: &[("retry-after", "12")],
            kind_field: "rate_limit_error",
            message: "Number of request tokens has exceeded your per-minute rate limit",
            kind: ErrorKind::RateLimited,
            retry_after: Some(Duration::from_secs(12)),
        },
        Case {
            status: 400,
            headers: &[],
            kind_field: "invalid_request_error",
            message: "prompt is too long: 208310 tokens > 200000 maximum",
            kind: ErrorKind::ContextLengthExceeded,
            retry_after: None,
        },
        Case {
            status: 400,
            headers: &[],
            kind_field: "invalid_request_error",
            message: "input length and `max_tokens` exceed context limit: 198000 + 8192 > 200000, decrease input length or `max_tokens` and try again",
            kind: ErrorKind::ContextLengthExceeded,
            retry_after: None,
        },
        Case {
            status: 400,
            headers: &[],
            kind_field: "invalid_request_error",
            message: "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.",
            kind: ErrorKind::QuotaExceeded,
            retry_after: None,
        },
        Case {
            status: 400,
            headers: &[],
            kind_field: "invalid_request_error",
            message: "messages: roles must alternate between \"user\" and \"assistant\"",
            kind: ErrorKind::InvalidInput,
            retry_after: None,
        },
        Case {
            status: 402,
            headers: &[],
            kind_field: "billing_error",
            message: "There is an issue with your billing.",
            kind: ErrorKind::QuotaExceeded,
            retry_after: None,
        },
        Case {
            status: 401,
            headers: &[],
            kind_field: "authentication_error",
            message: "invalid x-api-key",
            kind: ErrorKind::Unauthenticated,
            retry_after: None,
        },
        Case {
            status: 403,
            headers: &[],
            kind_field: "permission_error",
            message: "Your API key does not have permission to use the specified resource.",
            kind: ErrorKind::PermissionDenied,
            retry_after: None,
        },
        Case {
            status: 404,
            headers: &[],
            kind_field: "not_found_error",
            message: "model: claude-9",
            kind: ErrorKind::NotFound,
            retry_after: None,
        },
        Case {
            status: 413,
            headers: &[],
            kind_field: "request_too_large",
            message: "Request exceeds the maximum allowed number of bytes.",
            kind: ErrorKind::InvalidInput,
            retry_after: None,
        },
        Case {
            status: 500,
            headers: &[],
            kind_field: "api_error",
            message: "Internal server error",
            kind: ErrorKind::Unavailable,
            retry_after: None,
        },
    ];
    let server = MockServer::start().await;
    let p = provider(&server);
    for (i, c) in cases.iter().enumerate() {
        server.reset().await;
        let body = json!({"type": "error", "error": {"type": c.kind_field, "message": c.message}});
        let mut tmpl = ResponseTemplate::new(c.status).set_body_json(body);
        for (k, v) in c.headers {
            tmpl = tmpl.insert_header(*k, *v);
        }
        Mock::given(path("/v1/messages"))
            .respond_with(tmpl)
            .mount(&server)
            .await;
        let e = p
            .chat(ChatRequest::new("claude-sonnet-4-5", "hi"))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), c.kind, "case {i}: {e}");
        assert_eq!(e.status(), Some(c.status), "case {i}");
        assert_eq!(e.retry_after(), c.retry_after, "case {i}");
        assert_eq!(e.is_retryable(), c.kind.is_retryable(), "case {i}");
        assert!(!format!("{e}{e:?}").contains(KEY));
        let s = p
            .chat_stream(ChatRequest::new("claude-sonnet-4-5", "hi"))
            .await;
        assert_eq!(s.unwrap_err().kind(), c.kind, "case {i} (stream)");
    }
}

#[tokio::test]
async fn an_overloaded_event_mid_stream_is_a_stream_item() {
    let server = MockServer::start().await;
    let cut = TEXT_SSE.find("event: content_block_stop").unwrap();
    let body = format!(
        "{}event: error\ndata: {{\"type\":\"error\",\"error\":{{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}}}\n\n",
        &TEXT_SSE[..cut]
    );
    Mock::given(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "text/event-stream"))
        .mount(&server)
        .await;
    let items: Vec<Result<ChatChunk>> = provider(&server)
        .chat_stream(ChatRequest::new("claude-sonnet-4-5", "hi"))
        .await
        .unwrap()
        .collect()
        .await;
    let text: String = items
        .iter()
        .filter_map(|i| i.as_ref().ok())
        .map(|c| c.delta.as_str())
        .collect();
    assert_eq!(text, "Hello! Caf\u{e9} \u{2615} How can I help?");
    let e = items.last().unwrap().as_ref().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(e.is_retryable());
}

#[tokio::test]
async fn models_follow_the_after_id_cursor() {
    let server = MockServer::start().await;
    let page = |ids: &[&str], more: bool| {
        let data: Vec<Value> = ids
            .iter()
            .map(|id| json!({"type": "model", "id": id, "display_name": id, "created_at": "2025-02-19T00:00:00Z"}))
            .collect();
        json!({"data": data, "has_more": more, "first_id": ids[0], "last_id": ids[ids.len() - 1]})
    };
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(query_param("limit", "2"))
        .and(query_param_is_missing("after_id"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(page(&["claude-opus-4-1", "claude-opus-4"], true)),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(query_param("after_id", "claude-opus-4"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(page(&["claude-sonnet-4-5", "claude-sonnet-4"], true)),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(query_param("after_id", "claude-sonnet-4"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(&["claude-haiku-4-5"], false)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/models/claude-haiku-4-5"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!(
            {"type": "model", "id": "claude-haiku-4-5", "display_name": "Claude Haiku 4.5", "created_at": "2025-10-15T00:00:00Z"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/models/claude-9"))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            json!({"type": "error", "error": {"type": "not_found_error", "message": "model: claude-9"}}),
        ))
        .mount(&server)
        .await;
    let p = provider(&server);
    let mut req = PageRequest::with_size(2);
    let mut ids = Vec::new();
    let mut pages = 0;
    loop {
        let got = p
            .list_models(ListModels { page: req.clone() })
            .await
            .unwrap();
        pages += 1;
        ids.extend(got.items.into_iter().map(|m| m.id));
        match got.next {
            Some(c) => req.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(ids.len(), 5);
    assert_eq!(ids[4], "claude-haiku-4-5");
    let m = p
        .get_model(ModelRef {
            id: "claude-haiku-4-5".into(),
        })
        .await
        .unwrap();
    assert!(m.features.tools && m.features.vision && !m.features.embeddings);
    let e = p
        .get_model(ModelRef {
            id: "claude-9".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn completion_embeddings_and_validation() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "msg_c", "type": "message", "role": "assistant", "model": "claude-3-5-haiku-20241022",
            "content": [{"type": "text", "text": " there was a llama."}],
            "stop_reason": "max_tokens", "usage": {"input_tokens": 5, "output_tokens": 6}
        })))
        .mount(&server)
        .await;
    let p = provider(&server);
    let c = p
        .complete(CompletionRequest {
            model: "claude-3-5-haiku-latest".into(),
            prompt: "Once upon a time".into(),
            max_tokens: Some(6),
            temperature: None,
            stop: vec![],
        })
        .await
        .unwrap();
    assert_eq!(c.text, " there was a llama.");
    assert_eq!(c.finish_reason, Some(FinishReason::Length));
    assert!(c.cost_usd.unwrap() > 0.0);
    let sent: Value = only_request(&server).await.body_json().unwrap();
    assert_eq!(sent["max_tokens"], 6);
    assert_eq!(
        sent["messages"],
        json!([{"role": "user", "content": [{"type": "text", "text": "Once upon a time"}]}])
    );

    let e = p
        .embed(EmbeddingRequest {
            model: "x".into(),
            inputs: vec!["a".into()],
            dimensions: None,
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);

    let mut bad = ChatRequest::new("claude-sonnet-4-5", "hi");
    bad.messages.push(Message {
        role: Role::Assistant,
        content: String::new(),
        tool_calls: vec![ToolCall {
            id: "t".into(),
            name: "f".into(),
            arguments: "[1, 2]".into(),
        }],
        tool_call_id: None,
    });
    let e = p.chat(bad).await.unwrap_err();
    assert_eq!(e.field(), Some("messages[1].tool_calls[0].arguments"));
    let mut hot = ChatRequest::new("claude-sonnet-4-5", "hi");
    hot.temperature = Some(1.5);
    assert_eq!(p.chat(hot).await.unwrap_err().field(), Some("temperature"));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[test]
fn manifest_and_config_schema() {
    let factory = anthropic::plugin_factory().unwrap();
    let m = factory.manifest();
    assert_eq!(m.id, "anthropic");
    assert_eq!(m.capabilities_of(Family::Ai), Some(Anthropic::operations()));
    let env = Env::fixed::<&str, &str>([]);
    let cfg = PluginConfig::resolve(
        m,
        Some(&json!({"api_key": "sk-ant-secret", "beta": ["prompt-caching-2024-07-31"]})),
        &env,
    )
    .unwrap();
    assert_eq!(cfg.get("version"), Some(&json!("2023-06-01")));
    assert_eq!(cfg.get("default_max_tokens"), Some(&json!(4096)));
    assert!(!cfg.redacted().to_string().contains("sk-ant-secret"));
    let parsed: AnthropicConfig = cfg.parse().unwrap();
    assert_eq!(parsed.api_key.expose(), "sk-ant-secret");
    assert!(Anthropic::new(parsed).is_ok());
    for bad in [
        json!({}),
        json!({"api_key": ""}),
        json!({"api_key": "k", "default_max_tokens": 0}),
    ] {
        let e = PluginConfig::resolve(m, Some(&bad), &env).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{bad}");
    }
}
