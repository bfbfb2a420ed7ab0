//! Streams cut short are errors, never short answers: every prefix of a
//! recorded stream is either refused as `Unavailable` (retryable: the
//! router may try again or elsewhere) or decodes to exactly what the whole
//! stream gives. OpenAI-compatible servers that close without `[DONE]`
//! still work once nothing can be missing (the finish reason and, when
//! it was asked for, the usage chunk).
#![cfg(all(feature = "openai", feature = "anthropic", feature = "ollama"))]

use futures::StreamExt;
use mosaic_core::ai::{AiProvider, ChatChunk, ChatRequest, FinishReason};
use mosaic_core::{Error, ErrorKind, Result};
use mosaic_providers::ai::{ChunkDecoder, decode_all};
use mosaic_providers::openai::{OpenAi, OpenAiConfig};
use mosaic_providers::{anthropic, ollama, openai};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const OPENAI_TEXT: &str = include_str!("../fixtures/ai/openai_text.sse");
const OPENAI_TOOLS: &str = include_str!("../fixtures/ai/openai_tools.sse");
const ANTHROPIC_TEXT: &str = include_str!("../fixtures/ai/anthropic_text.sse");
const ANTHROPIC_TOOLS: &str = include_str!("../fixtures/ai/anthropic_tools.sse");
const OLLAMA_TEXT: &str = include_str!("../fixtures/ai/ollama_text.ndjson");
const OLLAMA_TOOLS: &str = include_str!("../fixtures/ai/ollama_tools.ndjson");

type NewDecoder = fn() -> Box<dyn ChunkDecoder>;

const STREAMS: &[(&str, &str, NewDecoder)] = &[
    ("openai_text", OPENAI_TEXT, || {
        Box::new(openai::StreamDecoder::new())
    }),
    ("openai_tools", OPENAI_TOOLS, || {
        Box::new(openai::StreamDecoder::new())
    }),
    ("anthropic_text", ANTHROPIC_TEXT, || {
        Box::new(anthropic::StreamDecoder::new())
    }),
    ("anthropic_tools", ANTHROPIC_TOOLS, || {
        Box::new(anthropic::StreamDecoder::new())
    }),
    ("ollama_text", OLLAMA_TEXT, || {
        Box::new(ollama::StreamDecoder::new())
    }),
    ("ollama_tools", OLLAMA_TOOLS, || {
        Box::new(ollama::StreamDecoder::new())
    }),
];

fn decode(new: NewDecoder, body: &str) -> Result<Vec<ChatChunk>> {
    decode_all(new().as_mut(), body.as_bytes())
}

fn assert_truncated(e: &Error, provider: &str, names: &[&str]) {
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e}");
    assert!(e.is_retryable(), "{e}");
    assert_eq!(e.provider(), Some(provider), "{e}");
    assert!(e.message().contains("the stream ended before"), "{e}");
    for n in names {
        assert!(e.message().contains(n), "`{n}` not named: {e}");
    }
}

/// A stream body that ends after the content and the finish reason: no
/// usage chunk, no `[DONE]`.
fn openai_cut_after_finish() -> String {
    let usage = OPENAI_TEXT.find("\"choices\":[],\"usage\"").unwrap();
    let start = OPENAI_TEXT[..usage].rfind("data:").unwrap();
    OPENAI_TEXT[..start].to_owned()
}

#[test]
fn every_prefix_of_a_recorded_stream_is_refused_or_whole() {
    for (name, body, new) in STREAMS {
        let whole = decode(*new, body).unwrap();
        let (mut refused, mut whole_answers) = (0, 0);
        // Every proper prefix, cut at a character boundary (the bodies are
        // UTF-8; the decoders themselves take any byte split, as
        // `ai_stream` shows).
        for cut in (0..body.len()).filter(|&c| body.is_char_boundary(c)) {
            match decode(*new, &body[..cut]) {
                Err(e) => {
                    assert_eq!(e.kind(), ErrorKind::Unavailable, "{name} cut at {cut}: {e}");
                    assert!(
                        e.is_retryable() && e.provider().is_some(),
                        "{name} cut at {cut}"
                    );
                    refused += 1;
                }
                Ok(chunks) => {
                    assert_eq!(chunks, whole, "{name} cut at {cut}: a short answer");
                    whole_answers += 1;
                }
            }
        }
        // Only the last bytes (the final blank line, or what follows the
        // final event) may be missing from a stream taken as whole.
        assert!(
            whole_answers <= 40,
            "{name}: {whole_answers} prefixes taken as whole"
        );
        assert!(
            refused > body.len() * 9 / 10,
            "{name}: only {refused} prefixes refused"
        );
    }
}

#[test]
fn openai_stream_cut_after_the_finish_reason_is_truncated() {
    // Regression: with usage asked for (`stream_options.include_usage`),
    // this body ended as `Ok(finish = Stop, usage = None)`.
    let body = openai_cut_after_finish();
    let e = decode(|| Box::new(openai::StreamDecoder::new()), &body).unwrap_err();
    assert_truncated(&e, "openai", &["usage", "include_usage", "[DONE]"]);
    // Cut anywhere inside the usage event: the same.
    let usage_event_end = OPENAI_TEXT.find("data: [DONE]").unwrap();
    for cut in body.len()..usage_event_end - 2 {
        let e = decode(
            || Box::new(openai::StreamDecoder::new()),
            &OPENAI_TEXT[..cut],
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unavailable, "cut at {cut}: {e}");
    }
    // Before the finish reason, the message says so.
    let finish = OPENAI_TEXT.find("\"finish_reason\":\"stop\"").unwrap();
    let cut = OPENAI_TEXT[..finish].rfind("data:").unwrap();
    let e = decode(
        || Box::new(openai::StreamDecoder::new()),
        &OPENAI_TEXT[..cut],
    )
    .unwrap_err();
    assert_truncated(&e, "openai", &["finish reason", "[DONE]"]);
}

#[test]
fn openai_compatible_servers_without_done_or_usage_still_work() {
    let whole = decode(|| Box::new(openai::StreamDecoder::new()), OPENAI_TEXT).unwrap();
    // With the usage chunk, only the sentinel is missing: complete.
    let no_done = OPENAI_TEXT.replace("data: [DONE]\n\n", "");
    assert_eq!(
        decode(|| Box::new(openai::StreamDecoder::new()), &no_done).unwrap(),
        whole
    );
    // Usage not asked for (`stream_usage = false`): the finish reason ends
    // the answer, with or without `[DONE]`.
    let no_usage = openai_cut_after_finish();
    for body in [no_usage.clone(), no_usage.clone() + "data: [DONE]\n\n"] {
        let chunks = decode(
            || Box::new(openai::StreamDecoder::new().usage_requested(false)),
            &body,
        )
        .unwrap();
        let last = chunks.last().unwrap();
        assert_eq!(last.finish_reason, Some(FinishReason::Stop));
        assert_eq!(last.usage, None);
        assert_eq!(chunks[..chunks.len() - 1], whole[..whole.len() - 1]);
    }
    // `[DONE]` ends every stream: a server that ignores `include_usage`
    // still answers.
    let done_without_usage = no_usage + "data: [DONE]\n\n";
    let chunks = decode(
        || Box::new(openai::StreamDecoder::new()),
        &done_without_usage,
    )
    .unwrap();
    assert_eq!(chunks.last().unwrap().usage, None);
    // Without the finish reason nothing is complete, usage asked for or not.
    let e = decode(
        || Box::new(openai::StreamDecoder::new().usage_requested(false)),
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n",
    )
    .unwrap_err();
    assert_truncated(&e, "openai", &["finish reason"]);
}

#[test]
fn anthropic_stream_without_message_stop_is_truncated() {
    // Regression: after `message_delta` (the stop reason and the output
    // usage) the body ended, and the answer was taken as complete.
    for body in [ANTHROPIC_TEXT, ANTHROPIC_TOOLS] {
        let stop = body.rfind("event: message_stop").unwrap();
        let e = decode(|| Box::new(anthropic::StreamDecoder::new()), &body[..stop]).unwrap_err();
        assert_truncated(&e, "anthropic", &["`message_stop`"]);
        // …and cut inside `message_stop` itself.
        let e = decode(
            || Box::new(anthropic::StreamDecoder::new()),
            &body[..body.len() - 5],
        )
        .unwrap_err();
        assert_truncated(&e, "anthropic", &["`message_stop`"]);
    }
}

#[test]
fn ollama_stream_cut_inside_the_done_line_is_truncated() {
    // Cut inside the last line: an `Unavailable` truncation, not a
    // `Decode` error of a half line.
    let body = OLLAMA_TEXT.trim_end();
    let last = body.rfind('\n').unwrap() + 1;
    for cut in last + 1..body.len() {
        let e = decode(|| Box::new(ollama::StreamDecoder::new()), &body[..cut]).unwrap_err();
        assert_truncated(&e, "ollama", &["`done`"]);
    }
    // Whole, without its final newline: complete.
    assert!(decode(|| Box::new(ollama::StreamDecoder::new()), body).is_ok());
}

async fn stream_items(config: OpenAiConfig) -> Vec<Result<ChatChunk>> {
    let p = OpenAi::new(config).unwrap();
    p.chat_stream(ChatRequest::new("gpt-4o", "Hi"))
        .await
        .unwrap()
        .collect()
        .await
}

#[tokio::test]
async fn the_provider_asks_for_usage_and_holds_the_stream_to_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(openai_cut_after_finish(), "text/event-stream"),
        )
        .mount(&server)
        .await;
    let config = OpenAiConfig::compatible(format!("{}/v1", server.uri()));
    // Usage asked for (the default): the text arrives, then the error.
    let items = stream_items(config.clone()).await;
    let (last, text) = items.split_last().unwrap();
    assert_truncated(last.as_ref().unwrap_err(), "openai", &["usage"]);
    let text: String = text
        .iter()
        .map(|c| c.as_ref().unwrap().delta.as_str())
        .collect();
    assert_eq!(text, "Hello! Caf\u{e9} \u{2615} How can I help you today?");
    // `stream_usage = false`: no `stream_options`, and the same body is a
    // whole answer.
    let items = stream_items(OpenAiConfig {
        stream_usage: false,
        ..config
    })
    .await;
    let last = items.last().unwrap().as_ref().unwrap();
    assert_eq!(last.finish_reason, Some(FinishReason::Stop));
    let requests = server.received_requests().await.unwrap();
    let bodies: Vec<Value> = requests.iter().map(|r| r.body_json().unwrap()).collect();
    assert_eq!(bodies[0]["stream_options"], json!({"include_usage": true}));
    assert_eq!(bodies[1].get("stream_options"), None);
}
