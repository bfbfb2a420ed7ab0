//! A routed answer names the provider that gave it: the candidate's name
//! at the router, on chat answers, completions, embeddings and streams.

use futures::StreamExt;
use mosaic_core::ai::{
    AiProvider, AiRequest, AiResponse, AiService, ChatRequest, CompletionRequest, EmbeddingRequest,
};
use mosaic_core::{Error, Request};
use mosaic_router::Router;
use mosaic_router::router::Rule;
use mosaic_testing::fake::{CHAT_MODEL, EMBED_MODEL};
use mosaic_testing::{AiReply, FakeAi};
use tower::ServiceExt;
use tower::util::BoxCloneSyncService;

type Boxed = BoxCloneSyncService<Request<AiRequest>, AiResponse, Error>;

fn boxed(fake: &FakeAi) -> Boxed {
    BoxCloneSyncService::new(AiService::new(fake.clone()))
}

/// `first` failing its next call, then `second`, both routed in that order.
fn failing_then_healthy() -> (FakeAi, FakeAi, Router<AiRequest, Boxed>) {
    let first = FakeAi::named("first");
    let second = FakeAi::named("second");
    let router = Router::builder()
        .provider("gpt", boxed(&first))
        .provider("claude", boxed(&second))
        .rule(Rule::any().to(["gpt", "claude"]))
        .build()
        .unwrap();
    (first, second, router)
}

fn chat() -> ChatRequest {
    ChatRequest::new(CHAT_MODEL, "hello")
}

#[tokio::test(start_paused = true)]
async fn a_chat_after_a_failover_names_the_second_candidate() {
    let (first, _second, router) = failing_then_healthy();
    first.push_reply(AiReply::error(Error::unavailable("down")));
    let resp = router
        .clone()
        .oneshot(Request::new(AiRequest::Chat(chat())))
        .await
        .unwrap();
    let AiResponse::Chat(answer) = resp else {
        panic!("not a chat answer")
    };
    assert_eq!(answer.message.content, "echo: hello");
    assert_eq!(answer.provider.as_deref(), Some("claude"));

    // Without a failover the first candidate answers, and says so.
    let resp = router
        .oneshot(Request::new(AiRequest::Chat(chat())))
        .await
        .unwrap();
    let AiResponse::Chat(answer) = resp else {
        panic!("not a chat answer")
    };
    assert_eq!(answer.provider.as_deref(), Some("gpt"));
}

#[tokio::test(start_paused = true)]
async fn a_stream_after_a_failover_names_the_second_candidate() {
    let (first, second, router) = failing_then_healthy();
    first.push_reply(AiReply::error(Error::unavailable("down")));
    second.push_reply(AiReply::text("streamed words"));
    let resp = router
        .oneshot(Request::new(AiRequest::ChatStream(chat())))
        .await
        .unwrap();
    let AiResponse::ChatStream(stream) = resp else {
        panic!("not a stream")
    };
    assert_eq!(stream.provider(), Some("claude"));
    let answer = stream.collect_response(CHAT_MODEL).await.unwrap();
    assert_eq!(answer.message.content, "streamed words");
    assert_eq!(answer.provider.as_deref(), Some("claude"));
}

#[tokio::test(start_paused = true)]
async fn completions_and_embeddings_name_the_candidate() {
    let (first, _second, router) = failing_then_healthy();
    first.push_reply(AiReply::error(Error::unavailable("down")));
    let resp = router
        .clone()
        .oneshot(Request::new(AiRequest::Complete(CompletionRequest {
            model: CHAT_MODEL.into(),
            prompt: "hi".into(),
            ..Default::default()
        })))
        .await
        .unwrap();
    let AiResponse::Complete(completion) = resp else {
        panic!("not a completion")
    };
    assert_eq!(completion.provider.as_deref(), Some("claude"));

    let resp = router
        .oneshot(Request::new(AiRequest::Embed(EmbeddingRequest {
            model: EMBED_MODEL.into(),
            inputs: vec!["a".into()],
            dimensions: None,
        })))
        .await
        .unwrap();
    let AiResponse::Embed(embeddings) = resp else {
        panic!("not embeddings")
    };
    assert_eq!(embeddings.vectors.len(), 1);
    assert_eq!(embeddings.provider.as_deref(), Some("gpt"));
}

#[tokio::test(start_paused = true)]
async fn providers_leave_it_empty_and_the_innermost_router_wins() {
    let fake = FakeAi::named("first");
    let direct = fake.chat(chat()).await.unwrap();
    assert_eq!(direct.provider, None);
    let mut stream = fake.chat_stream(chat()).await.unwrap();
    assert_eq!(stream.provider(), None);
    while stream.next().await.is_some() {}

    let inner = Router::builder()
        .provider("gpt", boxed(&fake))
        .build()
        .unwrap();
    let outer: Router<AiRequest, Boxed> = Router::builder()
        .provider("cloud", BoxCloneSyncService::new(inner))
        .build()
        .unwrap();
    let resp = outer
        .oneshot(Request::new(AiRequest::Chat(chat())))
        .await
        .unwrap();
    let AiResponse::Chat(answer) = resp else {
        panic!("not a chat answer")
    };
    assert_eq!(answer.provider.as_deref(), Some("gpt"));
}
