//! AI streaming costs, each beside the plain baseline of the same work:
//!
//! * `ai_stream/decode/<provider>`: a long recorded stream (thousands of
//!   events, text and parallel tool calls, in the provider's documented
//!   shape) fed to the provider's `StreamDecoder` in 1400-byte reads (SSE
//!   or NDJSON framing, JSON decoding, tool-call assembly, normalized
//!   chunks), against `serde_json::from_str` of the same events' JSON into
//!   the same wire type alone (pre-split: no framing, no assembly).
//!   Throughput in MB/s of the transcript.
//! * `ai_stream/first_chunk`: time to the first chunk of a streamed chat
//!   against a local HTTP server: `OpenAi::chat_stream` (request built,
//!   sent, status checked, first event decoded) against a raw `reqwest`
//!   POST of the same body that waits for the status and the first body
//!   bytes.
//!
//! Run: `cargo bench -p mosaic-benches --bench ai_stream -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mosaic_core::ai::{AiProvider, ChatRequest};
use mosaic_providers::ai::{ChunkDecoder, decode_all};
use mosaic_providers::openai::{OpenAi, OpenAiConfig};
use mosaic_providers::{anthropic, ollama, openai};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Events of text in each transcript.
const TEXT_EVENTS: usize = 4000;
/// Parallel tool calls at the end of each transcript, streamed in pieces.
const TOOL_CALLS: usize = 8;
/// Bytes per read, about one TCP segment.
const READ: usize = 1400;

fn words(i: usize) -> String {
    const W: [&str; 8] = [
        " the",
        " quick",
        " brown",
        " fox",
        " jumps",
        " over",
        " a",
        " lazy dog.\n",
    ];
    format!(
        "{}{}",
        W[i % W.len()],
        if i.is_multiple_of(97) {
            " Café ☕"
        } else {
            ""
        }
    )
}

fn compact(v: &Value) -> String {
    serde_json::to_string(v).unwrap()
}

/// An OpenAI chat completion stream, and the JSON of its events.
fn openai_stream() -> (String, Vec<String>) {
    let mut events = Vec::new();
    let chunk = |delta: Value, finish: Value| {
        json!({"id": "chatcmpl-AbC123", "object": "chat.completion.chunk", "created": 1727000000,
               "model": "gpt-4o-2024-08-06", "system_fingerprint": "fp_50cad350e4",
               "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}],
               "usage": null})
    };
    events.push(compact(&chunk(
        json!({"role": "assistant", "content": ""}),
        Value::Null,
    )));
    for i in 0..TEXT_EVENTS {
        events.push(compact(&chunk(json!({"content": words(i)}), Value::Null)));
    }
    for t in 0..TOOL_CALLS {
        events.push(compact(&chunk(
            json!({"tool_calls": [{"index": t, "id": format!("call_{t:024}"), "type": "function",
                                    "function": {"name": "get_weather", "arguments": ""}}]}),
            Value::Null,
        )));
        for piece in ["{\"city\":", " \"Paris\",", " \"unit\": \"celsius\"}"] {
            events.push(compact(&chunk(
                json!({"tool_calls": [{"index": t, "function": {"arguments": piece}}]}),
                Value::Null,
            )));
        }
    }
    events.push(compact(&chunk(json!({}), json!("tool_calls"))));
    events.push(compact(
        &json!({"id": "chatcmpl-AbC123", "object": "chat.completion.chunk",
        "created": 1727000000, "model": "gpt-4o-2024-08-06", "choices": [],
        "usage": {"prompt_tokens": 82, "completion_tokens": 4100, "total_tokens": 4182,
                  "prompt_tokens_details": {"cached_tokens": 0}}}),
    ));
    let mut body: String = events.iter().map(|e| format!("data: {e}\n\n")).collect();
    body.push_str("data: [DONE]\n\n");
    (body, events)
}

/// An Anthropic Messages stream, and the JSON of its events.
fn anthropic_stream() -> (String, Vec<String>) {
    let mut events = vec![
        compact(
            &json!({"type": "message_start", "message": {"id": "msg_01XFDUDYJgAACzvnptvVoYEL",
            "type": "message", "role": "assistant", "content": [], "model": "claude-sonnet-4-5-20250929",
            "stop_reason": null, "stop_sequence": null,
            "usage": {"input_tokens": 25, "cache_read_input_tokens": 0, "output_tokens": 1}}}),
        ),
        compact(
            &json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        ),
    ];
    for i in 0..TEXT_EVENTS {
        events.push(compact(&json!({"type": "content_block_delta", "index": 0,
            "delta": {"type": "text_delta", "text": words(i)}})));
    }
    events.push(compact(&json!({"type": "content_block_stop", "index": 0})));
    for t in 0..TOOL_CALLS {
        let index = t + 1;
        events.push(compact(&json!({"type": "content_block_start", "index": index,
            "content_block": {"type": "tool_use", "id": format!("toolu_{t:024}"), "name": "get_weather", "input": {}}})));
        for piece in ["{\"city\":", " \"Paris\",", " \"unit\": \"celsius\"}"] {
            events.push(compact(
                &json!({"type": "content_block_delta", "index": index,
                "delta": {"type": "input_json_delta", "partial_json": piece}}),
            ));
        }
        events.push(compact(
            &json!({"type": "content_block_stop", "index": index}),
        ));
    }
    events.push(compact(&json!({"type": "message_delta",
        "delta": {"stop_reason": "tool_use", "stop_sequence": null}, "usage": {"output_tokens": 4100}})));
    events.push(compact(&json!({"type": "message_stop"})));
    let body = events
        .iter()
        .map(|e| {
            let kind = serde_json::from_str::<Value>(e).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_owned();
            format!("event: {kind}\ndata: {e}\n\n")
        })
        .collect();
    (body, events)
}

/// An Ollama NDJSON chat stream, and its lines.
fn ollama_stream() -> (String, Vec<String>) {
    let mut lines = Vec::new();
    for i in 0..TEXT_EVENTS {
        lines.push(compact(
            &json!({"model": "llama3.2", "created_at": "2023-08-04T08:52:19.385406455-07:00",
            "message": {"role": "assistant", "content": words(i)}, "done": false}),
        ));
    }
    let calls: Vec<Value> = (0..TOOL_CALLS)
        .map(|_| json!({"function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}}))
        .collect();
    lines.push(compact(
        &json!({"model": "llama3.2", "created_at": "2023-08-04T08:52:19.385406455-07:00",
        "message": {"role": "assistant", "content": "", "tool_calls": calls}, "done": false}),
    ));
    lines.push(compact(
        &json!({"model": "llama3.2", "created_at": "2023-08-04T19:22:45.499127Z",
        "message": {"role": "assistant", "content": ""}, "done": true, "done_reason": "stop",
        "total_duration": 4883583458u64, "prompt_eval_count": 26, "eval_count": 4100}),
    ));
    let body = lines.iter().map(|l| format!("{l}\n")).collect();
    (body, lines)
}

/// Feed `body` in reads of `READ` bytes.
fn decode_in_reads(mut d: impl ChunkDecoder, body: &[u8]) -> usize {
    let mut out = Vec::with_capacity(TEXT_EVENTS + 64);
    for piece in body.chunks(READ) {
        d.decode(piece, &mut out).unwrap();
    }
    if !d.is_done() {
        d.finish(&mut out).unwrap();
    }
    out.len()
}

fn decode(c: &mut Criterion) {
    let (oa_body, oa_events) = openai_stream();
    let (an_body, an_events) = anthropic_stream();
    let (ol_body, ol_lines) = ollama_stream();
    // The decoders must agree with themselves on the whole body.
    let whole = decode_all(&mut openai::StreamDecoder::new(), oa_body.as_bytes()).unwrap();
    assert_eq!(
        whole.iter().map(|c| c.tool_calls.len()).sum::<usize>(),
        TOOL_CALLS
    );
    assert!(whole.last().unwrap().usage.is_some());

    let mut g = c.benchmark_group("ai_stream/decode");
    g.throughput(Throughput::Bytes(oa_body.len() as u64));
    g.bench_function("openai/decoder", |b| {
        b.iter(|| decode_in_reads(openai::StreamDecoder::new(), black_box(oa_body.as_bytes())))
    });
    g.bench_function("openai/serde_json", |b| {
        b.iter(|| {
            for e in &oa_events {
                black_box(mosaic_providers::bench::openai_chunk(e).unwrap());
            }
        })
    });
    g.throughput(Throughput::Bytes(an_body.len() as u64));
    g.bench_function("anthropic/decoder", |b| {
        b.iter(|| {
            decode_in_reads(
                anthropic::StreamDecoder::new(),
                black_box(an_body.as_bytes()),
            )
        })
    });
    g.bench_function("anthropic/serde_json", |b| {
        b.iter(|| {
            for e in &an_events {
                black_box(mosaic_providers::bench::anthropic_event(e).unwrap());
            }
        })
    });
    g.throughput(Throughput::Bytes(ol_body.len() as u64));
    g.bench_function("ollama/decoder", |b| {
        b.iter(|| decode_in_reads(ollama::StreamDecoder::new(), black_box(ol_body.as_bytes())))
    });
    g.bench_function("ollama/serde_json", |b| {
        b.iter(|| {
            for l in &ol_lines {
                black_box(mosaic_providers::bench::ollama_chat(l).unwrap());
            }
        })
    });
    g.finish();
}

fn first_chunk(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (body, _) = openai_stream();
    let server = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v1/chat/completions"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body, "text/event-stream"))
            .mount(&server)
            .await;
        server
    });
    let base = format!("{}/v1", server.uri());
    let provider = OpenAi::new(OpenAiConfig::compatible(base.clone()).with_api_key("k")).unwrap();
    let client = reqwest::Client::new();
    let url = format!("{base}/chat/completions");
    let request_body =
        json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "Tell me a story."}],
        "stream": true, "stream_options": {"include_usage": true}})
        .to_string();

    let mut g = c.benchmark_group("ai_stream/first_chunk");
    g.bench_function("openai_chat_stream", |b| {
        b.to_async(&rt).iter(|| async {
            let s = provider
                .chat_stream(ChatRequest::new("gpt-4o", "Tell me a story."))
                .await
                .unwrap();
            black_box(s);
        })
    });
    g.bench_function("raw_reqwest", |b| {
        b.to_async(&rt).iter(|| async {
            let mut resp = client
                .post(&url)
                .header("authorization", "Bearer k")
                .header("content-type", "application/json")
                .header("accept", "text/event-stream")
                .body(request_body.clone())
                .send()
                .await
                .unwrap();
            assert!(resp.status().is_success());
            black_box(resp.chunk().await.unwrap());
        })
    });
    g.finish();
    drop(server);
}

criterion_group!(benches, decode, first_chunk);
criterion_main!(benches);
