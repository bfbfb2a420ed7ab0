//! `Router::chat_stream_with_restart`: a stream failing after its first
//! chunk starts over on the next candidate, behind a restart marker; a
//! plain routed stream surfaces the error instead.

use std::time::Duration;

use futures::StreamExt;
use mosaic_core::ai::{AiOp, AiRequest, AiResponse, AiService, ChatChunk, ChatRequest, ChatStream};
use mosaic_core::{Error, ErrorKind, Request, RequestContext};
use mosaic_router::Router;
use mosaic_router::router::Rule;
use mosaic_testing::fake::CHAT_MODEL;
use mosaic_testing::{AiReply, FakeAi};
use tower::ServiceExt;
use tower::util::BoxCloneSyncService;

type Boxed = BoxCloneSyncService<Request<AiRequest>, AiResponse, Error>;

/// Three fakes routed in order `a`, `b`, `c`, at most `max_attempts` calls.
fn three(max_attempts: u32) -> ([FakeAi; 3], Router<AiRequest, Boxed>) {
    let fakes = [FakeAi::named("a"), FakeAi::named("b"), FakeAi::named("c")];
    let mut builder = Router::builder().max_attempts(max_attempts);
    for (name, fake) in ["a", "b", "c"].into_iter().zip(&fakes) {
        builder = builder.provider(
            name,
            BoxCloneSyncService::new(AiService::new(fake.clone())) as Boxed,
        );
    }
    let router = builder
        .rule(Rule::any().to(["a", "b", "c"]))
        .build()
        .unwrap();
    (fakes, router)
}

fn request() -> Request<ChatRequest> {
    Request::new(ChatRequest::new(CHAT_MODEL, "question"))
}

/// Two chunks, then `error`.
fn breaks_after_two(error: Error) -> AiReply {
    AiReply::StreamError {
        text: "half answer".into(),
        error,
    }
}

/// Every item of `stream`: a chunk's text, `[restart <provider>]`, `[end]`
/// (a final chunk with no text), or `[error <kind>]`.
async fn items(mut stream: ChatStream) -> (Vec<String>, Option<Error>) {
    let mut out = Vec::new();
    let mut error = None;
    while let Some(item) = stream.next().await {
        match item {
            Ok(ChatChunk {
                restarted: Some(p), ..
            }) => out.push(format!("[restart {p}]")),
            Ok(c) if c.delta.is_empty() && c.finish_reason.is_some() => out.push("[end]".into()),
            Ok(c) => out.push(c.delta),
            Err(e) => {
                out.push(format!("[error {}]", e.kind()));
                error = Some(e);
            }
        }
    }
    (out, error)
}

fn calls(fake: &FakeAi) -> usize {
    fake.call_count(AiOp::ChatStream)
}

#[tokio::test(start_paused = true)]
async fn a_stream_failing_after_two_chunks_restarts_on_the_next_candidate() {
    let ([a, b, c], router) = three(3);
    a.push_reply(breaks_after_two(Error::unavailable("connection reset")));
    b.push_reply(AiReply::text("whole new answer"));

    let stream = router.chat_stream_with_restart(request()).await.unwrap();
    assert_eq!(stream.provider(), Some("a"));
    let (got, error) = items(stream).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(
        got,
        [
            "half ",
            "answer",
            "[restart b]",
            "whole ",
            "new ",
            "answer",
            "[end]"
        ]
    );
    assert_eq!((calls(&a), calls(&b), calls(&c)), (1, 1, 0));
}

#[tokio::test(start_paused = true)]
async fn without_the_helper_the_error_follows_the_two_chunks() {
    let ([a, b, _c], router) = three(3);
    a.push_reply(breaks_after_two(Error::unavailable("connection reset")));
    let resp = router
        .oneshot(Request::new(AiRequest::ChatStream(ChatRequest::new(
            CHAT_MODEL, "question",
        ))))
        .await
        .unwrap();
    let AiResponse::ChatStream(stream) = resp else {
        panic!("not a stream")
    };
    assert_eq!(stream.provider(), Some("a"));
    let (got, error) = items(stream).await;
    assert_eq!(got, ["half ", "answer", "[error unavailable]"]);
    assert_eq!(error.unwrap().message(), "connection reset");
    assert_eq!(calls(&b), 0);
}

#[tokio::test(start_paused = true)]
async fn an_error_before_the_first_chunk_is_an_ordinary_failover() {
    let ([a, b, _c], router) = three(3);
    a.push_reply(AiReply::error(Error::unavailable("down")));
    b.push_reply(AiReply::text("fine answer"));
    let stream = router.chat_stream_with_restart(request()).await.unwrap();
    assert_eq!(stream.provider(), Some("b"));
    let (got, error) = items(stream).await;
    assert!(error.is_none());
    assert_eq!(got, ["fine ", "answer", "[end]"], "no restart marker");
    assert_eq!(calls(&a), 1);
}

#[tokio::test(start_paused = true)]
async fn a_stream_failing_at_its_first_item_counts_as_before_the_first_chunk() {
    let ([a, b, _c], router) = three(3);
    a.push_reply(AiReply::StreamError {
        text: String::new(),
        error: Error::timeout("stalled"),
    });
    b.push_reply(AiReply::text("fine answer"));
    let stream = router.chat_stream_with_restart(request()).await.unwrap();
    assert_eq!(stream.provider(), Some("b"));
    let (got, _) = items(stream).await;
    assert_eq!(got, ["fine ", "answer", "[end]"]);
}

#[tokio::test(start_paused = true)]
async fn the_deadline_bounds_the_wait_for_the_first_chunk() {
    let ([a, b, _c], router) = three(3);
    a.set_chunk_interval(Duration::from_secs(60));
    let context = RequestContext::new().with_timeout(Duration::from_secs(5));
    let request = Request::with_context(context, ChatRequest::new(CHAT_MODEL, "question"));
    let started = tokio::time::Instant::now();
    let err = router.chat_stream_with_restart(request).await.unwrap_err();
    assert_eq!(started.elapsed(), Duration::from_secs(5));
    assert_eq!(err.kind(), ErrorKind::Timeout);
    let names: Vec<_> = err.attempts().iter().map(|a| a.provider()).collect();
    assert_eq!(names, ["a"], "past the deadline nothing else is tried");
    assert_eq!(calls(&b), 0);
}

#[tokio::test(start_paused = true)]
async fn restarts_skip_the_candidates_already_tried() {
    let ([a, b, c], router) = three(3);
    a.push_reply(AiReply::error(Error::rate_limited(None)));
    b.push_reply(breaks_after_two(Error::unavailable("reset")));
    c.push_reply(AiReply::text("third time"));
    let stream = router.chat_stream_with_restart(request()).await.unwrap();
    assert_eq!(stream.provider(), Some("b"));
    let answer = stream.collect_response(CHAT_MODEL).await.unwrap();
    assert_eq!(answer.message.content, "third time");
    assert_eq!(answer.provider.as_deref(), Some("c"));
    assert_eq!((calls(&a), calls(&b), calls(&c)), (1, 1, 1));
}

#[tokio::test(start_paused = true)]
async fn when_no_candidate_is_left_the_error_lists_every_attempt() {
    let ([a, b, c], router) = three(3);
    a.push_reply(breaks_after_two(
        Error::unavailable("reset").with_status(502),
    ));
    b.push_reply(AiReply::error(Error::rate_limited(Some(
        Duration::from_secs(1),
    ))));
    c.push_reply(breaks_after_two(Error::timeout("stalled")));
    let stream = router.chat_stream_with_restart(request()).await.unwrap();
    let (got, error) = items(stream).await;
    assert_eq!(
        got,
        [
            "half ",
            "answer",
            "[restart c]",
            "half ",
            "answer",
            "[error timeout]"
        ]
    );
    let error = error.unwrap();
    let tried: Vec<_> = error
        .attempts()
        .iter()
        .map(|a| (a.provider().to_owned(), a.kind(), a.status()))
        .collect();
    assert_eq!(
        tried,
        [
            ("a".to_owned(), ErrorKind::Unavailable, Some(502)),
            ("b".to_owned(), ErrorKind::RateLimited, None),
            ("c".to_owned(), ErrorKind::Timeout, None),
        ]
    );
    assert_eq!(
        error.attempts()[1].retry_after(),
        Some(Duration::from_secs(1))
    );
    assert!(
        error.to_string().contains("all 3 attempts failed"),
        "{error}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_attempt_limit_counts_restarts() {
    let ([a, b, c], router) = three(2);
    a.push_reply(breaks_after_two(Error::unavailable("reset")));
    b.push_reply(breaks_after_two(Error::unavailable("reset again")));
    c.push_reply(AiReply::text("never asked"));
    let stream = router.chat_stream_with_restart(request()).await.unwrap();
    let (got, error) = items(stream).await;
    assert_eq!(
        got,
        [
            "half ",
            "answer",
            "[restart b]",
            "half ",
            "answer",
            "[error unavailable]"
        ]
    );
    assert_eq!(calls(&c), 0);
    let error = error.unwrap();
    assert_eq!(error.message(), "reset again");
    let names: Vec<_> = error.attempts().iter().map(|a| a.provider()).collect();
    assert_eq!(names, ["a", "b"]);
}

#[tokio::test(start_paused = true)]
async fn an_error_the_policy_does_not_move_on_from_ends_the_stream() {
    let ([a, b, _c], router) = three(3);
    a.push_reply(breaks_after_two(Error::new(
        ErrorKind::ContentFiltered,
        "policy",
    )));
    let stream = router.chat_stream_with_restart(request()).await.unwrap();
    let (got, error) = items(stream).await;
    assert_eq!(got, ["half ", "answer", "[error content_filtered]"]);
    assert_eq!(calls(&b), 0);
    assert_eq!(error.unwrap().attempts().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn when_every_candidate_fails_to_open_the_call_fails() {
    let ([a, b, c], router) = three(3);
    for fake in [&a, &b, &c] {
        fake.push_reply(AiReply::error(Error::unavailable("down")));
    }
    let err = router
        .chat_stream_with_restart(request())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    let names: Vec<_> = err.attempts().iter().map(|a| a.provider()).collect();
    assert_eq!(names, ["a", "b", "c"]);
}
