//! The Ollama provider against a wiremock server answering with bodies
//! written from Ollama's `docs/api.md`: the requests sent, the answers
//! parsed, NDJSON streaming with tool calls and usage, the error table,
//! the model listing and description, and the plugin run by a host.
#![cfg(feature = "ollama")]

use futures::StreamExt;
use mosaic_core::ai::{
    AiProvider, ChatChunk, ChatRequest, CompletionRequest, EmbeddingRequest, FinishReason,
    ListModels, Message, ModelRef, ResponseFormat, Role, Tool, ToolCall, ToolChoice,
};
use mosaic_core::{ErrorKind, Family, PageRequest, Result};
use mosaic_plugin_sdk::{Env, PluginConfig, PluginHost};
use mosaic_providers::ai::ModelPrice;
use mosaic_providers::ollama::{self, Ollama, OllamaConfig};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOOLS_NDJSON: &str = include_str!("../fixtures/ai/ollama_tools.ndjson");
const TEXT_NDJSON: &str = include_str!("../fixtures/ai/ollama_text.ndjson");

fn provider(server: &MockServer) -> Ollama {
    Ollama::new(OllamaConfig::new(server.uri())).unwrap()
}

fn tool(name: &str) -> Tool {
    Tool {
        name: name.into(),
        description: Some(format!("The {name} tool")),
        parameters: json!({"type": "object", "properties": {"location": {"type": "string"}}}),
    }
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
        .and(path("/api/chat"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "model": "llama3.2",
            "created_at": "2024-07-22T20:33:28.123648Z",
            "message": {"role": "assistant", "content": "", "tool_calls": [
                {"function": {"name": "get_current_weather",
                              "arguments": {"format": "celsius", "location": "Paris, FR"}}}
            ]},
            "done_reason": "stop",
            "done": true,
            "total_duration": 885095291u64,
            "load_duration": 3753500,
            "prompt_eval_count": 122,
            "prompt_eval_duration": 328493000,
            "eval_count": 33,
            "eval_duration": 552222000
        })))
        .mount(&server)
        .await;
    let mut cfg = OllamaConfig::new(server.uri());
    cfg.keep_alive = Some("10m".into());
    cfg.num_ctx = Some(8192);
    let p = Ollama::new(cfg).unwrap();
    let mut req = ChatRequest::new("llama3.2", "What is the weather today in Paris?")
        .system("Answer in French.")
        .tool(tool("get_current_weather"))
        .max_tokens(100);
    req.messages.push(Message {
        role: Role::Assistant,
        content: String::new(),
        tool_calls: vec![ToolCall {
            id: "call_0".into(),
            name: "get_current_weather".into(),
            arguments: r#"{"location":"Lyon"}"#.into(),
        }],
        tool_call_id: None,
    });
    req.messages.push(Message::tool_result("call_0", "18C"));
    req.temperature = Some(0.0);
    req.stop = vec!["\n\n".into()];
    req.response_format = Some(ResponseFormat::JsonObject);
    let resp = p.chat(req).await.unwrap();

    let sent: Value = only_request(&server).await.body_json().unwrap();
    assert_eq!(
        sent,
        json!({
            "model": "llama3.2",
            "messages": [
                {"role": "system", "content": "Answer in French."},
                {"role": "user", "content": "What is the weather today in Paris?"},
                {"role": "assistant", "content": "", "tool_calls": [
                    {"function": {"name": "get_current_weather", "arguments": {"location": "Lyon"}}}
                ]},
                {"role": "tool", "content": "18C", "tool_name": "get_current_weather"}
            ],
            "tools": [{"type": "function", "function": {
                "name": "get_current_weather", "description": "The get_current_weather tool",
                "parameters": {"type": "object", "properties": {"location": {"type": "string"}}}
            }}],
            "format": "json",
            "options": {"temperature": 0.0, "num_predict": 100, "num_ctx": 8192, "stop": ["\n\n"]},
            "stream": false,
            "keep_alive": "10m"
        })
    );
    assert_eq!(resp.model, "llama3.2");
    assert_eq!(resp.message.tool_calls.len(), 1);
    assert_eq!(resp.message.tool_calls[0].id, "call_0");
    assert_eq!(
        resp.message.tool_calls[0].parse_arguments().unwrap(),
        json!({"format": "celsius", "location": "Paris, FR"})
    );
    assert_eq!(resp.finish_reason, Some(FinishReason::ToolCalls));
    assert_eq!(
        (resp.usage.input_tokens, resp.usage.output_tokens),
        (122, 33)
    );
    assert_eq!(resp.cost_usd, Some(0.0), "local models are free");
}

#[tokio::test]
async fn tool_choice_narrows_the_offered_tools() {
    let server = MockServer::start().await;
    Mock::given(path("/api/chat"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "model": "qwen3", "message": {"role": "assistant", "content": "ok"},
            "done": true, "done_reason": "stop", "prompt_eval_count": 3, "eval_count": 1
        })))
        .mount(&server)
        .await;
    let p = Ollama::new(
        OllamaConfig::new(server.uri()).with_price("qwen3", ModelPrice::per_million(1.0, 2.0)),
    )
    .unwrap();
    let base = ChatRequest::new("qwen3", "hi")
        .tool(tool("a"))
        .tool(tool("b"));
    let mut one = base.clone();
    one.tool_choice = Some(ToolChoice::Tool("b".into()));
    let resp = p.chat(one).await.unwrap();
    assert_eq!(resp.finish_reason, Some(FinishReason::Stop));
    assert!((resp.cost_usd.unwrap() - (3.0 + 2.0) / 1e6).abs() < 1e-15);
    let mut none = base.clone();
    none.tool_choice = Some(ToolChoice::None);
    p.chat(none).await.unwrap();
    let reqs = server.received_requests().await.unwrap();
    let first: Value = reqs[0].body_json().unwrap();
    let names: Vec<&str> = first["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["b"]);
    let second: Value = reqs[1].body_json().unwrap();
    assert!(second.get("tools").is_none());
}

async fn chunks_of(p: &Ollama, req: ChatRequest) -> Vec<ChatChunk> {
    p.chat_stream(req)
        .await
        .unwrap()
        .collect::<Vec<Result<ChatChunk>>>()
        .await
        .into_iter()
        .collect::<Result<_>>()
        .unwrap()
}

#[tokio::test]
async fn ndjson_streaming_with_tool_calls_and_usage() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/chat"))
        .and(wiremock::matchers::body_partial_json(
            json!({"messages": [{"content": "tools"}]}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_raw(TOOLS_NDJSON, "application/x-ndjson"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/chat"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(TEXT_NDJSON, "application/x-ndjson"))
        .mount(&server)
        .await;
    let p = provider(&server);
    let text = chunks_of(&p, ChatRequest::new("llama3.2", "why is the sky blue?")).await;
    let joined: String = text.iter().map(|c| c.delta.as_str()).collect();
    assert_eq!(joined, "The sky is blue \u{2601}");
    let last = text.last().unwrap();
    assert_eq!(last.finish_reason, Some(FinishReason::Stop));
    assert_eq!(last.usage.unwrap().output_tokens, 282);
    let tools = chunks_of(
        &p,
        ChatRequest::new("llama3.2", "tools").tool(tool("get_weather")),
    )
    .await;
    let calls: Vec<&ToolCall> = tools.iter().flat_map(|c| &c.tool_calls).collect();
    assert_eq!(calls.len(), 2, "parallel calls");
    assert_eq!(calls[1].name, "get_time");
    assert_eq!(
        tools.last().unwrap().finish_reason,
        Some(FinishReason::ToolCalls)
    );
    let sent: Value = server.received_requests().await.unwrap()[0]
        .body_json()
        .unwrap();
    assert_eq!(sent["stream"], true);
}

#[tokio::test]
async fn errors_map_to_kinds_before_and_during_the_stream() {
    let cases: &[(u16, &str, ErrorKind)] = &[
        (
            404,
            r#"{"error":"model \"llama9\" not found, try pulling it first"}"#,
            ErrorKind::NotFound,
        ),
        (
            400,
            r#"{"error":"registry.ollama.ai/library/gemma:2b does not support tools"}"#,
            ErrorKind::Unsupported,
        ),
        (
            400,
            r#"{"error":"the input length exceeds the context length"}"#,
            ErrorKind::ContextLengthExceeded,
        ),
        (
            400,
            r#"{"error":"invalid options: num_gpu"}"#,
            ErrorKind::InvalidInput,
        ),
        (
            500,
            r#"{"error":"llama runner process has terminated: signal: killed"}"#,
            ErrorKind::Unavailable,
        ),
    ];
    let server = MockServer::start().await;
    let p = provider(&server);
    for (status, body, kind) in cases {
        server.reset().await;
        Mock::given(path("/api/chat"))
            .respond_with(ResponseTemplate::new(*status).set_body_raw(*body, "application/json"))
            .mount(&server)
            .await;
        let e = p.chat(ChatRequest::new("llama9", "hi")).await.unwrap_err();
        assert_eq!(e.kind(), *kind, "{body}: {e}");
        assert_eq!(e.status(), Some(*status));
        assert_eq!(e.provider(), Some("ollama"));
        let e = p
            .chat_stream(ChatRequest::new("llama9", "hi"))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), *kind, "{body} (stream)");
    }
    // An error line after the first chunk is a stream item.
    server.reset().await;
    Mock::given(path("/api/chat"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"Hel\"},\"done\":false}\n{\"error\":\"an error was encountered while running the model: unexpected EOF\"}\n",
            "application/x-ndjson",
        ))
        .mount(&server)
        .await;
    let items: Vec<Result<ChatChunk>> = p
        .chat_stream(ChatRequest::new("m", "hi"))
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].as_ref().unwrap().delta, "Hel");
    assert_eq!(items[1].as_ref().unwrap_err().kind(), ErrorKind::Provider);
}

#[tokio::test]
async fn generate_and_embed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/generate"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "model": "llama3.2",
            "created_at": "2023-08-04T19:22:45.499127Z",
            "response": "The sky is blue because it is the color of the sky.",
            "done": true,
            "done_reason": "stop",
            "context": [1, 2, 3],
            "total_duration": 4935886791u64,
            "prompt_eval_count": 26,
            "eval_count": 237
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/embed"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "model": "all-minilm",
            "embeddings": [[0.010071029, -0.0017594862], [-0.0098027075, 0.06042469]],
            "total_duration": 14143917,
            "prompt_eval_count": 8
        })))
        .mount(&server)
        .await;
    let p = provider(&server);
    let c = p
        .complete(CompletionRequest {
            model: "llama3.2".into(),
            prompt: "Why is the sky blue?".into(),
            max_tokens: Some(300),
            temperature: None,
            stop: vec![],
        })
        .await
        .unwrap();
    assert_eq!(
        c.text,
        "The sky is blue because it is the color of the sky."
    );
    assert_eq!(c.finish_reason, Some(FinishReason::Stop));
    assert_eq!((c.usage.input_tokens, c.usage.output_tokens), (26, 237));
    let e = p
        .embed(EmbeddingRequest {
            model: "all-minilm".into(),
            inputs: vec![
                "Why is the sky blue?".into(),
                "Why is the grass green?".into(),
            ],
            dimensions: None,
        })
        .await
        .unwrap();
    assert_eq!(e.vectors.len(), 2);
    assert_eq!(e.usage.input_tokens, 8);
    let reqs = server.received_requests().await.unwrap();
    let gen_body: Value = reqs[0].body_json().unwrap();
    assert_eq!(
        gen_body,
        json!({"model": "llama3.2", "prompt": "Why is the sky blue?",
               "options": {"num_predict": 300}, "stream": false})
    );
    let embed_body: Value = reqs[1].body_json().unwrap();
    assert_eq!(
        embed_body,
        json!({"model": "all-minilm", "input": ["Why is the sky blue?", "Why is the grass green?"],
               "truncate": false})
    );
}

#[tokio::test]
async fn models_listed_across_pages_and_shown() {
    let server = MockServer::start().await;
    let names = [
        "codellama:13b",
        "gemma3:4b",
        "llama3.2:latest",
        "mistral:7b",
        "qwen3:8b",
    ];
    let models: Vec<Value> = names
        .iter()
        .rev()
        .map(|n| json!({"name": n, "model": n, "modified_at": "2023-11-04T14:56:49.277302595-07:00",
                        "size": 7365960935u64, "digest": "9f438cb9cd581fc025612d27f7c1a6669ff83a8bb0ed86c94fcf4c5440555697",
                        "details": {"format": "gguf", "family": "llama", "families": null,
                                    "parameter_size": "13B", "quantization_level": "Q4_0"}}))
        .collect();
    Mock::given(method("GET"))
        .and(path("/api/tags"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"models": models})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/show"))
        .and(wiremock::matchers::body_json(json!({"model": "llama3.2:latest"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "modelfile": "# Modelfile generated by \"ollama show\"",
            "parameters": "num_keep 24",
            "template": "{{ .Prompt }}",
            "details": {"parent_model": "", "format": "gguf", "family": "llama", "families": ["llama"],
                        "parameter_size": "8.0B", "quantization_level": "Q4_0"},
            "model_info": {"general.architecture": "llama", "general.parameter_count": 8030261248u64,
                           "llama.context_length": 131072, "llama.embedding_length": 4096},
            "capabilities": ["completion", "tools"]
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/show"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"error": "model 'nope' not found"})),
        )
        .mount(&server)
        .await;
    let p = provider(&server);
    let mut req = PageRequest::with_size(2);
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let got = p
            .list_models(ListModels { page: req.clone() })
            .await
            .unwrap();
        pages += 1;
        seen.extend(got.items.into_iter().map(|m| m.id));
        match got.next {
            Some(c) => req.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, names);
    let m = p
        .get_model(ModelRef {
            id: "llama3.2:latest".into(),
        })
        .await
        .unwrap();
    assert_eq!(m.context_window, Some(131072));
    assert_eq!(m.owned_by.as_deref(), Some("llama"));
    assert!(m.features.chat && m.features.tools && !m.features.vision && !m.features.embeddings);
    let e = p
        .get_model(ModelRef { id: "nope".into() })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn the_plugin_runs_in_a_host() {
    let server = MockServer::start().await;
    Mock::given(path("/api/chat"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "model": "llama3.2", "message": {"role": "assistant", "content": "Hello from the plugin"},
            "done": true, "done_reason": "stop", "prompt_eval_count": 4, "eval_count": 4
        })))
        .mount(&server)
        .await;
    // The manifest allows the default port 11434; the test server's port
    // is granted by the host.
    let host = PluginHost::builder()
        .grant_hosts(
            "ollama",
            [format!("http://127.0.0.1:{}", server.address().port())],
        )
        .unwrap()
        .build();
    host.register_arc(ollama::plugin_factory().unwrap())
        .unwrap();
    host.configure("ollama", json!({"base_url": server.uri()}))
        .await
        .unwrap();
    let ai = host.start("ollama").await.unwrap();
    let resp = ai.chat(ChatRequest::new("llama3.2", "hi")).await.unwrap();
    assert_eq!(resp.message.content, "Hello from the plugin");

    // A host outside the allowlist is refused at start.
    let host = PluginHost::new();
    host.register_arc(ollama::plugin_factory().unwrap())
        .unwrap();
    host.configure(
        "ollama",
        json!({"base_url": "http://ollama.internal.example:11434"}),
    )
    .await
    .unwrap();
    assert!(host.start("ollama").await.is_err());
}

#[test]
fn manifest_and_config_schema() {
    let factory = ollama::plugin_factory().unwrap();
    let m = factory.manifest();
    assert_eq!(m.id, "ollama");
    assert_eq!(m.capabilities_of(Family::Ai), Some(Ollama::operations()));
    assert!(m.permissions.network.allow_http);
    let env = Env::fixed::<&str, &str>([]);
    let cfg = PluginConfig::resolve(
        m,
        Some(&json!({"keep_alive": "5m", "api_key": "proxy-token", "prices": {"llama3.2": {"input": 0.01, "output": 0.02}}})),
        &env,
    )
    .unwrap();
    assert_eq!(cfg.get("base_url"), Some(&json!("http://localhost:11434")));
    assert_eq!(cfg.get("timeout_secs"), Some(&json!(300)));
    assert!(!cfg.redacted().to_string().contains("proxy-token"));
    let parsed: OllamaConfig = cfg.parse().unwrap();
    assert_eq!(parsed.keep_alive.as_deref(), Some("5m"));
    let p = Ollama::new(parsed).unwrap();
    assert_eq!(p.prices().get("llama3.2").unwrap().output_per_million, 0.02);
    assert_eq!(p.prices().get("other").unwrap().input_per_million, 0.0);
    for bad in [
        json!({"num_ctx": 0}),
        json!({"keep_alive": 5}),
        json!({"base_url": "localhost"}),
    ] {
        assert_eq!(
            PluginConfig::resolve(m, Some(&bad), &env)
                .unwrap_err()
                .kind(),
            ErrorKind::Config,
            "{bad}"
        );
    }
}
