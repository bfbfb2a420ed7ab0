//! Streaming decode shared by the AI providers: recorded streams (written
//! from each provider's documentation) decode to the same chunks wherever
//! the bytes are split; tool-call fragments add up to the complete calls;
//! the last chunk alone carries the finish reason and the usage; malformed
//! bodies are typed errors, never panics; and a stream's errors surface
//! before or after its first chunk as `open_stream` promises.
#![cfg(all(feature = "openai", feature = "anthropic", feature = "ollama"))]

use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use mosaic_core::ai::{ChatChunk, FinishReason, ToolCall};
use mosaic_core::{Error, ErrorKind, Result};
use mosaic_providers::ai::{ChunkDecoder, decode_all, open_stream};
use mosaic_providers::{anthropic, ollama, openai};
use proptest::prelude::*;

const OPENAI_TEXT: &str = include_str!("../fixtures/ai/openai_text.sse");
const OPENAI_TOOLS: &str = include_str!("../fixtures/ai/openai_tools.sse");
const ANTHROPIC_TEXT: &str = include_str!("../fixtures/ai/anthropic_text.sse");
const ANTHROPIC_TOOLS: &str = include_str!("../fixtures/ai/anthropic_tools.sse");
const OLLAMA_TEXT: &str = include_str!("../fixtures/ai/ollama_text.ndjson");
const OLLAMA_TOOLS: &str = include_str!("../fixtures/ai/ollama_tools.ndjson");

#[derive(Clone, Copy, Debug)]
enum Kind {
    OpenAi,
    Anthropic,
    Ollama,
}

fn decoder(kind: Kind) -> Box<dyn ChunkDecoder> {
    match kind {
        Kind::OpenAi => Box::new(openai::StreamDecoder::new()),
        Kind::Anthropic => Box::new(anthropic::StreamDecoder::new()),
        Kind::Ollama => Box::new(ollama::StreamDecoder::new()),
    }
}

const STREAMS: &[(Kind, &str, &str)] = &[
    (Kind::OpenAi, "openai_text", OPENAI_TEXT),
    (Kind::OpenAi, "openai_tools", OPENAI_TOOLS),
    (Kind::Anthropic, "anthropic_text", ANTHROPIC_TEXT),
    (Kind::Anthropic, "anthropic_tools", ANTHROPIC_TOOLS),
    (Kind::Ollama, "ollama_text", OLLAMA_TEXT),
    (Kind::Ollama, "ollama_tools", OLLAMA_TOOLS),
];

/// Decode `body` fed in the pieces between `cuts`.
fn decode_split(kind: Kind, body: &[u8], cuts: &[usize]) -> Result<Vec<ChatChunk>> {
    let mut d = decoder(kind);
    let mut out = Vec::new();
    let mut at = 0;
    for &c in cuts {
        let c = c.clamp(at, body.len());
        d.decode(&body[at..c], &mut out)?;
        at = c;
    }
    d.decode(&body[at..], &mut out)?;
    if !d.is_done() {
        d.finish(&mut out)?;
    }
    Ok(out)
}

fn whole(kind: Kind, body: &str) -> Vec<ChatChunk> {
    decode_all(decoder(kind).as_mut(), body.as_bytes()).unwrap()
}

/// What every normalized stream must look like.
fn check_shape(name: &str, chunks: &[ChatChunk]) {
    let (last, rest) = chunks.split_last().expect("not empty");
    assert!(
        last.finish_reason.is_some(),
        "{name}: last has a finish reason"
    );
    assert!(last.usage.is_some(), "{name}: last has the usage");
    for c in rest {
        assert!(
            c.finish_reason.is_none() && c.usage.is_none(),
            "{name}: only the last chunk finishes: {c:?}"
        );
        assert!(
            !(c.delta.is_empty() && c.tool_call_deltas.is_empty() && c.tool_calls.is_empty()),
            "{name}: no empty chunks: {c:?}"
        );
    }
    // Fragments add up to the complete calls, in order.
    let calls: Vec<&ToolCall> = chunks.iter().flat_map(|c| &c.tool_calls).collect();
    let mut frags: std::collections::BTreeMap<u32, (String, String, String)> = Default::default();
    for d in chunks.iter().flat_map(|c| &c.tool_call_deltas) {
        let e = frags.entry(d.index).or_default();
        if let Some(id) = &d.id {
            e.0 = id.clone();
        }
        if let Some(n) = &d.name {
            e.1 = n.clone();
        }
        e.2.push_str(&d.arguments);
    }
    assert_eq!(
        frags.len(),
        calls.len(),
        "{name}: one complete call per index"
    );
    for ((_, (id, n, args)), call) in frags.iter().zip(&calls) {
        assert_eq!(
            (id, n, args),
            (&call.id, &call.name, &call.arguments),
            "{name}"
        );
        call.parse_arguments().expect("complete calls carry JSON");
    }
}

#[test]
fn every_recorded_stream_has_the_normalized_shape() {
    for (kind, name, body) in STREAMS {
        check_shape(name, &whole(*kind, body));
    }
}

#[test]
fn split_at_every_byte_boundary_gives_the_same_chunks() {
    for (kind, name, body) in STREAMS {
        let reference = whole(*kind, body);
        let bytes = body.as_bytes();
        for k in 0..=bytes.len() {
            let got = decode_split(*kind, bytes, &[k]).unwrap();
            assert_eq!(got, reference, "{name}: split at byte {k}");
        }
    }
}

#[test]
fn one_byte_at_a_time_gives_the_same_chunks() {
    for (kind, name, body) in STREAMS {
        let cuts: Vec<usize> = (1..body.len()).collect();
        assert_eq!(
            decode_split(*kind, body.as_bytes(), &cuts).unwrap(),
            whole(*kind, body),
            "{name}"
        );
    }
}

proptest! {
    #[test]
    fn random_splits_give_the_same_chunks(
        which in 0..STREAMS.len(),
        mut cuts in proptest::collection::vec(0usize..3000, 0..40),
    ) {
        let (kind, name, body) = STREAMS[which];
        cuts.sort_unstable();
        let got = decode_split(kind, body.as_bytes(), &cuts).unwrap();
        prop_assert_eq!(got, whole(kind, body), "{}", name);
    }

    #[test]
    fn mangled_streams_never_panic(
        which in 0..STREAMS.len(),
        edits in proptest::collection::vec((0usize..3000, any::<u8>()), 1..8),
        cut in 0usize..3000,
    ) {
        let (kind, _, body) = STREAMS[which];
        let mut bytes = body.as_bytes().to_vec();
        for (at, b) in edits {
            let at = at % bytes.len();
            bytes[at] = b;
        }
        // Either decodes or fails with a typed error; never panics.
        if let Err(e) = decode_split(kind, &bytes, &[cut]) {
            prop_assert!(
                matches!(e.kind(), ErrorKind::Decode | ErrorKind::Unavailable | ErrorKind::Provider
                    | ErrorKind::NotFound | ErrorKind::Unsupported | ErrorKind::ContextLengthExceeded
                    | ErrorKind::RateLimited | ErrorKind::QuotaExceeded | ErrorKind::Unauthenticated
                    | ErrorKind::PermissionDenied | ErrorKind::InvalidInput | ErrorKind::Timeout
                    | ErrorKind::ContentFiltered),
                "unexpected kind {:?}", e.kind()
            );
            prop_assert!(e.provider().is_some());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        for kind in [Kind::OpenAi, Kind::Anthropic, Kind::Ollama] {
            let _ = decode_split(kind, &bytes, &[bytes.len() / 2]);
        }
    }
}

#[test]
fn openai_parallel_tool_calls_and_usage() {
    let chunks = whole(Kind::OpenAi, OPENAI_TOOLS);
    let calls: Vec<&ToolCall> = chunks.iter().flat_map(|c| &c.tool_calls).collect();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].id, "call_DdmO9pD3xa9XTPNJ32zg2hcA");
    assert_eq!(calls[0].name, "get_weather");
    assert_eq!(calls[0].arguments, r#"{"city": "Paris"}"#);
    assert_eq!(calls[1].name, "get_time");
    assert_eq!(
        calls[1].parse_arguments().unwrap()["tz"],
        serde_json::json!("Europe/Paris")
    );
    let last = chunks.last().unwrap();
    assert_eq!(last.finish_reason, Some(FinishReason::ToolCalls));
    let usage = last.usage.unwrap();
    assert_eq!(
        (
            usage.input_tokens,
            usage.output_tokens,
            usage.cached_input_tokens
        ),
        (82, 45, Some(64))
    );
    let text: String = whole(Kind::OpenAi, OPENAI_TEXT)
        .iter()
        .map(|c| c.delta.as_str())
        .collect();
    assert_eq!(text, "Hello! Caf\u{e9} \u{2615} How can I help you today?");
}

#[test]
fn anthropic_tool_use_blocks_and_usage() {
    let chunks = whole(Kind::Anthropic, ANTHROPIC_TOOLS);
    let text: String = chunks.iter().map(|c| c.delta.as_str()).collect();
    assert_eq!(text, "Let me check both.");
    let calls: Vec<&ToolCall> = chunks.iter().flat_map(|c| &c.tool_calls).collect();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].id, "toolu_01T1x1fJ34qAmk2tNTrN7Up6");
    assert_eq!(
        calls[0].parse_arguments().unwrap(),
        serde_json::json!({"location": "San Francisco, CA", "unit": "fahrenheit"})
    );
    // Calls are numbered by call, not by content block (the text is block 0).
    let first_frag = chunks
        .iter()
        .flat_map(|c| &c.tool_call_deltas)
        .next()
        .unwrap();
    assert_eq!(first_frag.index, 0);
    // The first call is complete before the second starts.
    let first_done = chunks
        .iter()
        .position(|c| !c.tool_calls.is_empty())
        .unwrap();
    let second_start = chunks
        .iter()
        .position(|c| c.tool_call_deltas.iter().any(|d| d.index == 1))
        .unwrap();
    assert!(first_done < second_start);
    let last = chunks.last().unwrap();
    assert_eq!(last.finish_reason, Some(FinishReason::ToolCalls));
    let usage = last.usage.unwrap();
    // 472 uncached + 1024 read from the cache; output from message_delta.
    assert_eq!(
        (
            usage.input_tokens,
            usage.output_tokens,
            usage.cached_input_tokens
        ),
        (1496, 89, Some(1024))
    );
}

#[test]
fn ollama_whole_tool_calls_get_ids() {
    let chunks = whole(Kind::Ollama, OLLAMA_TOOLS);
    let calls: Vec<&ToolCall> = chunks.iter().flat_map(|c| &c.tool_calls).collect();
    assert_eq!(
        calls.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["call_0", "call_1"]
    );
    assert_eq!(
        calls[0].parse_arguments().unwrap(),
        serde_json::json!({"format": "celsius", "location": "Paris, FR"})
    );
    let last = chunks.last().unwrap();
    assert_eq!(last.finish_reason, Some(FinishReason::ToolCalls));
    assert_eq!(last.usage.unwrap().input_tokens, 122);
}

#[test]
fn malformed_events_are_decode_errors_naming_the_place() {
    let e = decode_split(Kind::OpenAi, b"data: {\"choices\": 7}\n\n", &[]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.message().contains("choices"), "{e}");
    assert_eq!(e.provider(), Some("openai"));
    let e = decode_split(
        Kind::Anthropic,
        b"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":\"x\"}\n\n",
        &[],
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert_eq!(e.provider(), Some("anthropic"));
    let e = decode_split(Kind::Ollama, b"{\"message\": {\"content\": 1}}\n", &[]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.message().contains("message.content"), "{e}");
    // A tool call whose fragments never named the tool.
    let body = "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c\",\"function\":{\"arguments\":\"{}\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\n";
    let e = decode_split(Kind::OpenAi, body.as_bytes(), &[]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
}

#[test]
fn truncated_streams_are_unavailable() {
    for (kind, _, body) in STREAMS {
        // Cut just before the event that finishes the answer.
        let cut = match kind {
            Kind::OpenAi => {
                let finish = body.find("\"finish_reason\":\"").unwrap();
                body[..finish].rfind("data:").unwrap()
            }
            Kind::Anthropic => body.rfind("event: message_delta").unwrap(),
            Kind::Ollama => body.trim_end().rfind('\n').unwrap(),
        };
        let e = decode_split(*kind, &body.as_bytes()[..cut], &[]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unavailable, "{kind:?}: {e}");
        assert!(e.is_retryable());
    }
    // Without `[DONE]` but after the finish reason, the answer is complete.
    let body = OPENAI_TEXT.replace("data: [DONE]\n\n", "");
    let chunks = decode_split(Kind::OpenAi, body.as_bytes(), &[]).unwrap();
    assert_eq!(chunks, whole(Kind::OpenAi, OPENAI_TEXT));
}

#[test]
fn error_events_map_to_kinds() {
    let overloaded = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
    let e = decode_split(Kind::Anthropic, overloaded.as_bytes(), &[]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(e.is_retryable());
    let too_long = "data: {\"error\":{\"message\":\"This model's maximum context length is 4096 tokens\",\"type\":\"BadRequestError\",\"code\":400}}\n\n";
    let e = decode_split(Kind::OpenAi, too_long.as_bytes(), &[]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ContextLengthExceeded);
    let e = decode_split(
        Kind::Ollama,
        b"{\"error\":\"model \\\"nope\\\" not found\"}\n",
        &[],
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

fn body_of(parts: Vec<Result<Bytes>>) -> impl futures::Stream<Item = Result<Bytes>> + Send {
    futures::stream::iter(parts)
}

#[tokio::test]
async fn an_error_before_the_first_chunk_is_the_open_error() {
    let err = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
    let r = open_stream(
        body_of(vec![Ok(Bytes::from(err))]),
        anthropic::StreamDecoder::new(),
        None,
    )
    .await;
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Unavailable);
    // A body that ends at once.
    let r = open_stream(body_of(vec![]), openai::StreamDecoder::new(), None).await;
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Unavailable);
    // A connection failure before anything arrived.
    let r = open_stream(
        body_of(vec![Err(Error::unavailable("reset"))]),
        ollama::StreamDecoder::new(),
        None,
    )
    .await;
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Unavailable);
}

#[tokio::test]
async fn an_error_after_the_first_chunk_is_a_stream_item() {
    let first = "{\"message\":{\"content\":\"Hi\"},\"done\":false}\n";
    let stream = open_stream(
        body_of(vec![
            Ok(Bytes::from(first)),
            Err(Error::unavailable("connection reset").with_provider("ollama")),
        ]),
        ollama::StreamDecoder::new(),
        None,
    )
    .await
    .unwrap();
    let items: Vec<Result<ChatChunk>> = stream.collect().await;
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].as_ref().unwrap().delta, "Hi");
    assert_eq!(
        items[1].as_ref().unwrap_err().kind(),
        ErrorKind::Unavailable
    );
}

#[tokio::test]
async fn chunks_decoded_before_an_error_in_the_same_read_come_first() {
    let body = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"b\"}}]}\n\ndata: {oops}\n\n";
    let stream = open_stream(
        body_of(vec![Ok(Bytes::from(body))]),
        openai::StreamDecoder::new(),
        None,
    )
    .await
    .unwrap();
    let items: Vec<Result<ChatChunk>> = stream.collect().await;
    let deltas: Vec<String> = items
        .iter()
        .filter_map(|i| i.as_ref().ok().map(|c| c.delta.clone()))
        .collect();
    assert_eq!(deltas, ["a", "b"]);
    assert_eq!(
        items.last().unwrap().as_ref().unwrap_err().kind(),
        ErrorKind::Decode
    );
}

#[tokio::test]
async fn the_stream_stops_reading_after_the_final_event() {
    // Bytes after `message_stop` are never needed: the stream ends even
    // though the body never does.
    let body = futures::stream::iter(vec![Ok(Bytes::from(ANTHROPIC_TEXT))])
        .chain(futures::stream::pending());
    let stream = open_stream(body, anthropic::StreamDecoder::new(), None)
        .await
        .unwrap();
    let chunks: Vec<Result<ChatChunk>> = stream.collect().await;
    assert_eq!(
        chunks.into_iter().collect::<Result<Vec<_>>>().unwrap(),
        whole(Kind::Anthropic, ANTHROPIC_TEXT)
    );
}

#[tokio::test(start_paused = true)]
async fn a_silent_stream_times_out() {
    let first = "{\"message\":{\"content\":\"Hi\"},\"done\":false}\n";
    let body =
        futures::stream::iter(vec![Ok(Bytes::from(first))]).chain(futures::stream::pending());
    let started = tokio::time::Instant::now();
    let stream = open_stream(
        body,
        ollama::StreamDecoder::new(),
        Some(Duration::from_secs(30)),
    )
    .await
    .unwrap();
    let items: Vec<Result<ChatChunk>> = stream.collect().await;
    assert_eq!(items.len(), 2);
    assert_eq!(items[1].as_ref().unwrap_err().kind(), ErrorKind::Timeout);
    assert_eq!(items[1].as_ref().unwrap_err().provider(), Some("ollama"));
    assert!(started.elapsed() >= Duration::from_secs(30));
    // A silent start is an open error.
    let r = open_stream(
        futures::stream::pending(),
        openai::StreamDecoder::new(),
        Some(Duration::from_secs(5)),
    )
    .await;
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Timeout);
}
