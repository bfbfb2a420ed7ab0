//! The AI conformance suite of `mosaic-testing`, run against each AI
//! provider backed by a wiremock server that answers like the real API
//! (bodies written from each provider's documentation): plain and streamed
//! chat, required tool calls, completion, embeddings, models.
#![cfg(all(feature = "openai", feature = "anthropic", feature = "ollama"))]

use mosaic_providers::anthropic::{Anthropic, AnthropicConfig};
use mosaic_providers::ollama::{Ollama, OllamaConfig};
use mosaic_providers::openai::{OpenAi, OpenAiConfig};
use mosaic_testing::conformance::ai::{AiSetup, run};
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const OPENAI_TEXT: &str = include_str!("../fixtures/ai/openai_text.sse");
const OPENAI_TOOLS: &str = include_str!("../fixtures/ai/openai_tools.sse");
const ANTHROPIC_TEXT: &str = include_str!("../fixtures/ai/anthropic_text.sse");
const ANTHROPIC_TOOLS: &str = include_str!("../fixtures/ai/anthropic_tools.sse");
const OLLAMA_TEXT: &str = include_str!("../fixtures/ai/ollama_text.ndjson");
const OLLAMA_TOOLS: &str = include_str!("../fixtures/ai/ollama_tools.ndjson");

/// A request matcher on the JSON body.
fn body(pred: impl Fn(&Value) -> bool + Send + Sync + 'static) -> impl wiremock::Match {
    move |r: &Request| r.body_json::<Value>().is_ok_and(|v| pred(&v))
}

fn streamed(v: &Value) -> bool {
    v["stream"] == json!(true)
}

fn has_tools(v: &Value) -> bool {
    v["tools"].as_array().is_some_and(|t| !t.is_empty())
}

fn post(p: &str) -> wiremock::MockBuilder {
    Mock::given(wiremock::matchers::method("POST")).and(wiremock::matchers::path(p))
}

fn get(p: &str) -> wiremock::MockBuilder {
    Mock::given(wiremock::matchers::method("GET")).and(wiremock::matchers::path(p))
}

fn sse(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body, "text/event-stream")
}

fn setup() -> AiSetup {
    AiSetup {
        chat_model: "chat-model".into(),
        embedding_model: Some("embed-model".into()),
        tools: true,
        page_size: 2,
    }
}

/// The same vector for the same text, another for other text.
fn vector(text: &str) -> Vec<f32> {
    let sum: u32 = text.bytes().map(u32::from).sum();
    vec![1.0, (sum % 7) as f32, text.len() as f32]
}

#[tokio::test]
async fn openai_passes_the_ai_suite() {
    let server = MockServer::start().await;
    let tool_answer = json!({
        "id": "chatcmpl-t", "object": "chat.completion", "model": "chat-model",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {"role": "assistant", "content": null,
            "tool_calls": [{"id": "call_1", "type": "function",
                            "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]}}],
        "usage": {"prompt_tokens": 40, "completion_tokens": 9, "total_tokens": 49}
    });
    let text_answer = json!({
        "id": "chatcmpl-h", "object": "chat.completion", "model": "chat-model",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Hello!"}}],
        "usage": {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11}
    });
    post("/v1/chat/completions")
        .and(body(|v| streamed(v) && has_tools(v)))
        .respond_with(sse(OPENAI_TOOLS))
        .mount(&server)
        .await;
    post("/v1/chat/completions")
        .and(body(streamed))
        .respond_with(sse(OPENAI_TEXT))
        .mount(&server)
        .await;
    post("/v1/chat/completions")
        .and(body(has_tools))
        .respond_with(ResponseTemplate::new(200).set_body_json(tool_answer))
        .mount(&server)
        .await;
    post("/v1/chat/completions")
        .respond_with(ResponseTemplate::new(200).set_body_json(text_answer))
        .mount(&server)
        .await;
    post("/v1/completions")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "cmpl-1", "object": "text_completion", "model": "chat-model",
            "choices": [{"text": " there was a fox.", "index": 0, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 4, "completion_tokens": 5, "total_tokens": 9}
        })))
        .mount(&server)
        .await;
    post("/v1/embeddings")
        .respond_with(|r: &Request| {
            let v: Value = r.body_json().unwrap();
            let data: Vec<Value> = v["input"]
                .as_array()
                .unwrap()
                .iter()
                .enumerate()
                .map(|(i, t)| json!({"object": "embedding", "index": i, "embedding": vector(t.as_str().unwrap())}))
                .collect();
            ResponseTemplate::new(200).set_body_json(json!({
                "object": "list", "data": data, "model": "embed-model",
                "usage": {"prompt_tokens": 6, "total_tokens": 6}
            }))
        })
        .mount(&server)
        .await;
    let models = json!({"object": "list", "data": [
        {"id": "chat-model", "object": "model", "owned_by": "me"},
        {"id": "embed-model", "object": "model", "owned_by": "me"},
        {"id": "other-model", "object": "model", "owned_by": "me"}
    ]});
    get("/v1/models")
        .respond_with(ResponseTemplate::new(200).set_body_json(models))
        .mount(&server)
        .await;
    get("/v1/models/chat-model")
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "chat-model", "object": "model", "owned_by": "me"})),
        )
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"error": {
            "message": "The model does not exist", "type": "invalid_request_error", "code": "model_not_found"}})))
        .mount(&server)
        .await;
    let p = OpenAi::new(OpenAiConfig::compatible(format!("{}/v1", server.uri())).with_api_key("k"))
        .unwrap();
    let report = run(&p, &setup()).await;
    report.assert_passed();
    // Only the check of unsupported operations is skipped: there are none.
    assert_eq!(report.skipped().len(), 1, "{report}");
}

#[tokio::test]
async fn anthropic_passes_the_ai_suite() {
    let server = MockServer::start().await;
    post("/v1/messages")
        .and(body(|v| streamed(v) && has_tools(v)))
        .respond_with(sse(ANTHROPIC_TOOLS))
        .mount(&server)
        .await;
    post("/v1/messages")
        .and(body(streamed))
        .respond_with(sse(ANTHROPIC_TEXT))
        .mount(&server)
        .await;
    post("/v1/messages")
        .and(body(has_tools))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "msg_t", "type": "message", "role": "assistant", "model": "chat-model",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}],
            "stop_reason": "tool_use", "usage": {"input_tokens": 50, "output_tokens": 12}
        })))
        .mount(&server)
        .await;
    post("/v1/messages")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "msg_h", "type": "message", "role": "assistant", "model": "chat-model",
            "content": [{"type": "text", "text": "Hello!"}],
            "stop_reason": "end_turn", "usage": {"input_tokens": 10, "output_tokens": 3}
        })))
        .mount(&server)
        .await;
    get("/v1/models")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"type": "model", "id": "chat-model", "display_name": "Chat"}],
            "has_more": false, "first_id": "chat-model", "last_id": "chat-model"
        })))
        .mount(&server)
        .await;
    get("/v1/models/chat-model")
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"type": "model", "id": "chat-model", "display_name": "Chat"}),
            ),
        )
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            json!({"type": "error", "error": {"type": "not_found_error", "message": "model not found"}}),
        ))
        .mount(&server)
        .await;
    let p = Anthropic::new(AnthropicConfig::new("k").with_base_url(server.uri())).unwrap();
    let report = run(&p, &setup()).await;
    report.assert_passed();
    // Embeddings are the one thing Anthropic lacks; it says so.
    assert_eq!(report.skipped().len(), 1, "{report}");
}

#[tokio::test]
async fn ollama_passes_the_ai_suite() {
    let server = MockServer::start().await;
    let ndjson = |b: &str| ResponseTemplate::new(200).set_body_raw(b, "application/x-ndjson");
    post("/api/chat")
        .and(body(|v| streamed(v) && has_tools(v)))
        .respond_with(ndjson(OLLAMA_TOOLS))
        .mount(&server)
        .await;
    post("/api/chat")
        .and(body(streamed))
        .respond_with(ndjson(OLLAMA_TEXT))
        .mount(&server)
        .await;
    post("/api/chat")
        .and(body(has_tools))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "model": "chat-model", "message": {"role": "assistant", "content": "",
                "tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
            "done": true, "done_reason": "stop", "prompt_eval_count": 60, "eval_count": 14
        })))
        .mount(&server)
        .await;
    post("/api/chat")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "model": "chat-model", "message": {"role": "assistant", "content": "Hello!"},
            "done": true, "done_reason": "stop", "prompt_eval_count": 12, "eval_count": 3
        })))
        .mount(&server)
        .await;
    post("/api/generate")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "model": "chat-model", "response": " there was a fox.", "done": true,
            "done_reason": "stop", "prompt_eval_count": 5, "eval_count": 6
        })))
        .mount(&server)
        .await;
    post("/api/embed")
        .respond_with(|r: &Request| {
            let v: Value = r.body_json().unwrap();
            let vectors: Vec<Vec<f32>> = v["input"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| vector(t.as_str().unwrap()))
                .collect();
            ResponseTemplate::new(200).set_body_json(
                json!({"model": "embed-model", "embeddings": vectors, "prompt_eval_count": 6}),
            )
        })
        .mount(&server)
        .await;
    get("/api/tags")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"models": [
            {"name": "chat-model", "details": {"family": "llama"}},
            {"name": "embed-model", "details": {"family": "bert"}},
            {"name": "other-model", "details": {"family": "qwen3"}}
        ]})))
        .mount(&server)
        .await;
    post("/api/show")
        .and(body(|v| v["model"] == json!("chat-model")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "details": {"family": "llama"},
            "model_info": {"general.architecture": "llama", "llama.context_length": 8192},
            "capabilities": ["completion", "tools"]
        })))
        .mount(&server)
        .await;
    post("/api/show")
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"error": "model 'x' not found"})),
        )
        .mount(&server)
        .await;
    let p = Ollama::new(OllamaConfig::new(server.uri())).unwrap();
    let report = run(&p, &setup()).await;
    report.assert_passed();
    // Only the check of unsupported operations is skipped: there are none.
    assert_eq!(report.skipped().len(), 1, "{report}");
}
