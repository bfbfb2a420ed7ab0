//! `FakeAi`: echo and scripted replies, streaming, tools, limits, embeddings.

use std::time::Duration;

use futures::StreamExt;
use mosaic_core::ai::*;
use mosaic_core::{Error, ErrorKind};
use mosaic_testing::{AiReply, FakeAi};

fn weather_tool() -> Tool {
    Tool {
        name: "get_weather".into(),
        description: Some("Weather for a city".into()),
        parameters: serde_json::json!({"type": "object"}),
    }
}

async fn drain(stream: ChatStream) -> Vec<mosaic_core::Result<ChatChunk>> {
    stream.collect().await
}

#[tokio::test]
async fn streams_word_by_word_with_usage_last() {
    let ai = FakeAi::new();
    ai.push_reply(AiReply::text("one two three"));
    let chunks = drain(
        ai.chat_stream(ChatRequest::new("fake-chat", "count"))
            .await
            .unwrap(),
    )
    .await;
    let chunks: Vec<ChatChunk> = chunks.into_iter().map(Result::unwrap).collect();
    let deltas: Vec<&str> = chunks.iter().map(|c| c.delta.as_str()).collect();
    assert_eq!(deltas, ["one ", "two ", "three", ""]);
    let last = chunks.last().unwrap();
    assert_eq!(last.finish_reason, Some(FinishReason::Stop));
    let usage = last.usage.unwrap();
    assert_eq!(usage.output_tokens, 4); // 13 characters → 4 tokens
    assert!(chunks[..3].iter().all(|c| c.usage.is_none()));
}

#[tokio::test]
async fn tool_calls_when_required_or_named_and_a_loop_ends() {
    let ai = FakeAi::new();
    let mut req = ChatRequest::new("fake-chat", "what is the weather in Oslo? use get_weather")
        .tool(weather_tool());
    let first = ai.chat(req.clone()).await.unwrap();
    assert_eq!(first.finish_reason, Some(FinishReason::ToolCalls));
    let call = &first.message.tool_calls[0];
    assert_eq!(call.name, "get_weather");
    assert!(
        call.parse_arguments().unwrap()["input"]
            .as_str()
            .unwrap()
            .contains("Oslo")
    );
    // feed the tool result back: the model answers in text
    req.messages.push(first.message.clone());
    req.messages
        .push(Message::tool_result(call.id.clone(), "12°C, rain"));
    let second = ai.chat(req).await.unwrap();
    assert_eq!(second.message.content, "tool result: 12°C, rain");
    assert!(second.message.tool_calls.is_empty());

    // a stream delivers fragments and then the complete call
    let mut forced = ChatRequest::new("fake-chat", "hello").tool(weather_tool());
    forced.tool_choice = Some(ToolChoice::Required);
    let chunks: Vec<ChatChunk> = drain(ai.chat_stream(forced).await.unwrap())
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let args: String = chunks
        .iter()
        .flat_map(|c| c.tool_call_deltas.iter())
        .map(|d| d.arguments.as_str())
        .collect();
    let complete = &chunks.last().unwrap().tool_calls[0];
    assert_eq!(args, complete.arguments);
    assert_eq!(
        chunks[0].tool_call_deltas[0].name.as_deref(),
        Some("get_weather")
    );
    let collected = ChatStream::from_chunks(chunks.into_iter().map(Ok).collect())
        .collect_response("fake-chat")
        .await
        .unwrap();
    assert_eq!(collected.message.tool_calls.len(), 1);
}

#[tokio::test]
async fn errors_before_and_during_streams() {
    let ai = FakeAi::new();
    ai.push_reply(AiReply::error(Error::rate_limited(Some(
        Duration::from_secs(5),
    ))));
    let before = ai
        .chat_stream(ChatRequest::new("fake-chat", "x"))
        .await
        .unwrap_err();
    assert!(before.is_rate_limited());
    assert_eq!(before.provider(), Some("fake-ai"));

    ai.push_reply(AiReply::StreamError {
        text: "partial answer".into(),
        error: Error::unavailable("connection reset"),
    });
    let items = drain(
        ai.chat_stream(ChatRequest::new("fake-chat", "x"))
            .await
            .unwrap(),
    )
    .await;
    assert!(items[0].is_ok());
    let err = items.last().unwrap().as_ref().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert_eq!(ai.scripted_left(), 0);
}

#[tokio::test]
async fn validation_limits_and_cost() {
    let ai = FakeAi::new();
    let unknown = ai
        .chat(ChatRequest::new("gpt-none", "x"))
        .await
        .unwrap_err();
    assert!(unknown.is_not_found());
    let mut hot = ChatRequest::new("fake-chat", "x");
    hot.temperature = Some(3.0);
    assert_eq!(ai.chat(hot).await.unwrap_err().field(), Some("temperature"));
    let empty = ChatRequest {
        model: "fake-chat".into(),
        ..Default::default()
    };
    assert_eq!(ai.chat(empty).await.unwrap_err().field(), Some("messages"));
    let huge = ChatRequest::new("fake-chat", "x".repeat(40_000));
    assert_eq!(
        ai.chat(huge).await.unwrap_err().kind(),
        ErrorKind::ContextLengthExceeded
    );

    ai.push_reply(AiReply::text("a".repeat(100)));
    let cut = ai
        .chat(ChatRequest::new("fake-chat", "long please").max_tokens(5))
        .await
        .unwrap();
    assert_eq!(cut.message.content.len(), 20);
    assert_eq!(cut.finish_reason, Some(FinishReason::Length));

    let r = ai
        .chat(ChatRequest::new("fake-chat", "12345678"))
        .await
        .unwrap();
    assert_eq!(r.usage.input_tokens, 2);
    let expected = (2.0 * 0.5 + r.usage.output_tokens as f64 * 1.5) / 1e6;
    assert!((r.cost_usd.unwrap() - expected).abs() < 1e-12);
}

#[tokio::test]
async fn embeddings_are_deterministic_and_fixed_size() {
    let ai = FakeAi::new();
    let req = EmbeddingRequest {
        model: "fake-embed".into(),
        inputs: vec!["alpha".into(), "beta".into()],
        dimensions: None,
    };
    let a = ai.embed(req.clone()).await.unwrap();
    let b = ai.embed(req).await.unwrap();
    assert_eq!(a, b);
    assert!(a.vectors.iter().all(|v| v.len() == 16));
    let short = ai
        .embed(EmbeddingRequest {
            model: "fake-embed".into(),
            inputs: vec!["alpha".into()],
            dimensions: Some(8),
        })
        .await
        .unwrap();
    assert_eq!(short.vectors[0].len(), 8);
    let wrong = ai
        .embed(EmbeddingRequest {
            model: "fake-chat".into(),
            inputs: vec!["x".into()],
            dimensions: None,
        })
        .await
        .unwrap_err();
    assert_eq!(wrong.field(), Some("model"));
}

#[tokio::test(start_paused = true)]
async fn chunks_can_be_spaced_in_tokio_time() {
    let ai = FakeAi::new();
    ai.set_chunk_interval(Duration::from_millis(100));
    ai.push_reply(AiReply::text("a b c"));
    let start = tokio::time::Instant::now();
    let resp = ai
        .chat_stream(ChatRequest::new("fake-chat", "x"))
        .await
        .unwrap()
        .collect_response("fake-chat")
        .await
        .unwrap();
    assert_eq!(resp.message.content, "a b c");
    assert_eq!(start.elapsed(), Duration::from_millis(400));
}
