//! Failover through the router with the real OpenAI and Anthropic adapters,
//! each against its own wiremock server and each behind a
//! `ModelAliasLayer` (`chat` → its own model), routed in order with the
//! AI routes' failover policy (the default plus `ContextLengthExceeded`):
//!
//! * a refusal the policy moves on from (context too long, rate limited)
//!   is answered by the next candidate, and the answer names it;
//! * when every candidate fails, the error lists each attempt;
//! * a stream failing before its first chunk fails over; one failing after
//!   it is surfaced to the consumer and not sent elsewhere — unless the
//!   caller opts in to `Router::chat_stream_with_restart`, which starts the
//!   answer over on the next candidate behind a restart marker.
//!
//! Every test asserts what each server received (method, path, and the
//! body's `model`, which must be that provider's own name for `chat`).
#![cfg(all(feature = "openai", feature = "anthropic"))]

use std::future::Future;
use std::time::Duration;

use futures::StreamExt;
use mosaic_core::ai::{
    AiClient, AiProvider, AiRequest, AiResponse, AiService, ChatChunk, ChatRequest, ChatStream,
    FinishReason,
};
use mosaic_core::{Error, ErrorKind, Request, Result};
use mosaic_providers::anthropic::{Anthropic, AnthropicConfig};
use mosaic_providers::openai::{OpenAi, OpenAiConfig};
use mosaic_router::router::FailoverPolicy;
use mosaic_router::{ModelAliasLayer, ModelAliases, Router, Rule, Strategy};
use serde_json::{Value, json};
use tower::Layer;
use tower::util::BoxCloneSyncService;
use wiremock::{Mock, MockServer, ResponseTemplate};

type AiStack = BoxCloneSyncService<Request<AiRequest>, AiResponse, Error>;

/// The registered name of the OpenAI candidate (not the adapter's own
/// name, so that the router's record can be told apart from the adapter's).
const GPT: &str = "gpt";
/// The registered name of the Anthropic candidate.
const CLAUDE: &str = "claude";
/// What each candidate calls the `chat` alias.
const GPT_MODEL: &str = "gpt-4o-mini";
const CLAUDE_MODEL: &str = "claude-haiku-4-5";
/// The models the servers report answering with.
const GPT_SNAPSHOT: &str = "gpt-4o-mini-2024-07-18";
const CLAUDE_SNAPSHOT: &str = "claude-haiku-4-5-20251001";

const OPENAI_PATH: &str = "/v1/chat/completions";
const ANTHROPIC_PATH: &str = "/v1/messages";

/// Longest wait for any one step of a test (a bound, never a sleep).
const BOUND: Duration = Duration::from_secs(20);

async fn bounded<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(BOUND, f)
        .await
        .expect("the step finished within its bound")
}

/// Both servers and a router over them.
struct Setup {
    openai: MockServer,
    anthropic: MockServer,
    router: Router<AiRequest, AiStack>,
}

impl Setup {
    /// Two fresh servers; `order` is the candidates' order for `chat`;
    /// `policy` the router's failover policy.
    async fn new(order: [&str; 2], policy: FailoverPolicy) -> Setup {
        let openai = MockServer::start().await;
        let anthropic = MockServer::start().await;
        let gpt = OpenAi::new(
            OpenAiConfig::compatible(format!("{}/v1", openai.uri())).with_api_key("sk-test-key"),
        )
        .unwrap();
        let claude = Anthropic::new(
            AnthropicConfig::new("sk-ant-api03-test-key").with_base_url(anthropic.uri()),
        )
        .unwrap();
        let stack = |model: &str, service: AiStack| -> AiStack {
            let aliases = ModelAliases::new().alias("chat", model);
            BoxCloneSyncService::new(ModelAliasLayer::new(aliases).layer(service))
        };
        let router = Router::builder()
            .provider(
                GPT,
                stack(GPT_MODEL, BoxCloneSyncService::new(AiService::new(gpt))),
            )
            .provider(
                CLAUDE,
                stack(
                    CLAUDE_MODEL,
                    BoxCloneSyncService::new(AiService::new(claude)),
                ),
            )
            // Rules match the alias (the request's subject), before any
            // candidate rewrites it.
            .rule(
                Rule::any()
                    .subject("chat")
                    .to(order)
                    .strategy(Strategy::Failover),
            )
            .failover_policy(policy)
            .build()
            .unwrap();
        Setup {
            openai,
            anthropic,
            router,
        }
    }

    /// In order `gpt`, `claude` with the AI routes' policy.
    async fn gpt_first() -> Setup {
        Setup::new([GPT, CLAUDE], ai_policy()).await
    }

    /// In order `claude`, `gpt` with the AI routes' policy.
    async fn claude_first() -> Setup {
        Setup::new([CLAUDE, GPT], ai_policy()).await
    }

    fn client(&self) -> AiClient<Router<AiRequest, AiStack>> {
        AiClient::new(self.router.clone())
    }
}

/// The policy the facade gives AI routes: the default plus a refusal for
/// context length (another model may have a larger window).
fn ai_policy() -> FailoverPolicy {
    let d = FailoverPolicy::default();
    FailoverPolicy {
        idempotent: d.idempotent.with(ErrorKind::ContextLengthExceeded),
        non_idempotent: d.non_idempotent.with(ErrorKind::ContextLengthExceeded),
    }
}

fn chat() -> ChatRequest {
    ChatRequest::new("chat", "Say hello.")
}

/// One request a server received: method, path and JSON body.
#[derive(Debug)]
struct Sent {
    method: String,
    path: String,
    body: Value,
}

async fn sent(server: &MockServer) -> Vec<Sent> {
    server
        .received_requests()
        .await
        .expect("request recording is on")
        .into_iter()
        .map(|r| Sent {
            method: r.method.to_string(),
            path: r.url.path().to_owned(),
            body: r.body_json().expect("a JSON body"),
        })
        .collect()
}

/// `server` received exactly one `POST path` naming `model`; its body.
async fn one_request(server: &MockServer, path: &str, model: &str) -> Value {
    let mut reqs = sent(server).await;
    assert_eq!(reqs.len(), 1, "exactly one request: {reqs:?}");
    let r = reqs.remove(0);
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, path);
    assert_eq!(r.body["model"], model, "the provider's own model name");
    r.body
}

async fn nothing_received(server: &MockServer) {
    let reqs = sent(server).await;
    assert!(reqs.is_empty(), "no request expected, got {reqs:?}");
}

async fn answer(server: &MockServer, template: ResponseTemplate) {
    Mock::given(wiremock::matchers::any())
        .respond_with(template)
        .mount(server)
        .await;
}

// --- Bodies, written from the providers' API references. -------------------

/// OpenAI's error object.
fn openai_error(
    status: u16,
    message: &str,
    kind: &str,
    param: Value,
    code: Value,
) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "error": {"message": message, "type": kind, "param": param, "code": code}
    }))
}

fn openai_context_length_exceeded() -> ResponseTemplate {
    openai_error(
        400,
        "This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens. Please reduce the length of the messages.",
        "invalid_request_error",
        json!("messages"),
        json!("context_length_exceeded"),
    )
}

fn openai_rate_limited() -> ResponseTemplate {
    openai_error(
        429,
        "Rate limit reached for gpt-4o-mini in organization org-abc on requests per min (RPM): Limit 500, Used 500, Requested 1.",
        "requests",
        Value::Null,
        json!("rate_limit_exceeded"),
    )
    .insert_header("retry-after", "2")
}

fn openai_server_error() -> ResponseTemplate {
    openai_error(
        500,
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
        Value::Null,
        Value::Null,
    )
}

/// Anthropic's error body.
fn anthropic_error(status: u16, kind: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "type": "error",
        "error": {"type": kind, "message": message}
    }))
}

fn anthropic_overloaded() -> ResponseTemplate {
    anthropic_error(529, "overloaded_error", "Overloaded")
}

fn anthropic_rate_limited() -> ResponseTemplate {
    anthropic_error(
        429,
        "rate_limit_error",
        "Number of request tokens has exceeded your per-minute rate limit",
    )
    .insert_header("retry-after", "2")
}

fn openai_completion() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        "object": "chat.completion",
        "created": 1_741_569_952,
        "model": GPT_SNAPSHOT,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": "Hello from GPT.", "refusal": null},
            "logprobs": null,
            "finish_reason": "stop"
        }],
        "usage": {"prompt_tokens": 11, "completion_tokens": 4, "total_tokens": 15},
        "system_fingerprint": "fp_06737a9306"
    }))
}

fn anthropic_message() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF",
        "type": "message",
        "role": "assistant",
        "model": CLAUDE_SNAPSHOT,
        "content": [{"type": "text", "text": "Hello from Claude."}],
        "stop_reason": "end_turn",
        "stop_sequence": null,
        "usage": {"input_tokens": 12, "output_tokens": 6}
    }))
}

/// One `data:` line of an OpenAI `chat.completion.chunk`.
fn openai_chunk(choices: Value, usage: Value) -> String {
    let chunk = json!({
        "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
        "object": "chat.completion.chunk",
        "created": 1_741_570_283,
        "model": GPT_SNAPSHOT,
        "system_fingerprint": "fp_06737a9306",
        "choices": choices,
        "usage": usage,
    });
    format!("data: {chunk}\n\n")
}

fn openai_delta(text: &str) -> String {
    openai_chunk(
        json!([{"index": 0, "delta": {"content": text}, "logprobs": null, "finish_reason": null}]),
        Value::Null,
    )
}

/// The role chunk and `Hello`: the start every OpenAI stream body shares.
fn openai_stream_start() -> String {
    openai_chunk(
        json!([{"index": 0, "delta": {"role": "assistant", "content": "", "refusal": null}, "logprobs": null, "finish_reason": null}]),
        Value::Null,
    ) + &openai_delta("Hello")
}

/// A whole streamed answer: `Hello from GPT.`, stop, usage 11/4, `[DONE]`.
fn openai_stream() -> ResponseTemplate {
    let body = openai_stream_start()
        + &openai_delta(" from GPT.")
        + &openai_chunk(
            json!([{"index": 0, "delta": {}, "logprobs": null, "finish_reason": "stop"}]),
            Value::Null,
        )
        + &openai_chunk(
            json!([]),
            json!({"prompt_tokens": 11, "completion_tokens": 4, "total_tokens": 15}),
        )
        + "data: [DONE]\n\n";
    ResponseTemplate::new(200).set_body_raw(body, "text/event-stream")
}

/// One Anthropic server-sent event.
fn anthropic_event(event: &str, data: Value) -> String {
    format!("event: {event}\ndata: {data}\n\n")
}

fn anthropic_delta(text: &str) -> String {
    anthropic_event(
        "content_block_delta",
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}}),
    )
}

/// `message_start`, the text block's start, a ping and `Hello`.
fn anthropic_stream_start() -> String {
    anthropic_event(
        "message_start",
        json!({"type": "message_start", "message": {
            "id": "msg_01XFDUDYJgAACzvnptvVoYEL", "type": "message", "role": "assistant",
            "content": [], "model": CLAUDE_SNAPSHOT, "stop_reason": null, "stop_sequence": null,
            "usage": {"input_tokens": 12, "output_tokens": 1}}}),
    ) + &anthropic_event(
        "content_block_start",
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
    ) + &anthropic_event("ping", json!({"type": "ping"}))
        + &anthropic_delta("Hello")
}

/// A whole streamed answer: `Hello from Claude.`, end_turn, usage 12/6.
fn anthropic_stream() -> ResponseTemplate {
    let body = anthropic_stream_start()
        + &anthropic_delta(" from Claude.")
        + &anthropic_event(
            "content_block_stop",
            json!({"type": "content_block_stop", "index": 0}),
        )
        + &anthropic_event(
            "message_delta",
            json!({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null}, "usage": {"output_tokens": 6}}),
        )
        + &anthropic_event("message_stop", json!({"type": "message_stop"}));
    ResponseTemplate::new(200).set_body_raw(body, "text/event-stream")
}

/// `Hello`, then an `overloaded_error` event (Unavailable).
fn anthropic_stream_then_overloaded() -> ResponseTemplate {
    let body = anthropic_stream_start()
        + &anthropic_event(
            "error",
            json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
        );
    ResponseTemplate::new(200).set_body_raw(body, "text/event-stream")
}

/// `Hello`, then the body ends: no finish reason, no `[DONE]`.
fn openai_stream_truncated() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(openai_stream_start(), "text/event-stream")
}

/// `Hello`, then an event that is not JSON.
fn openai_stream_malformed() -> ResponseTemplate {
    let body =
        openai_stream_start() + "data: {\"id\":\"chatcmpl-B9MH\",\"choices\":[{\"index\":0,\n\n";
    ResponseTemplate::new(200).set_body_raw(body, "text/event-stream")
}

/// Every item of `stream`, in order.
async fn drain(mut stream: ChatStream) -> Vec<Result<ChatChunk>> {
    let mut items = Vec::new();
    while let Some(item) = bounded(stream.next()).await {
        items.push(item);
    }
    items
}

/// The text of the chunks among `items`.
fn text(items: &[Result<ChatChunk>]) -> String {
    items
        .iter()
        .filter_map(|i| i.as_ref().ok())
        .map(|c| c.delta.as_str())
        .collect()
}

// --- 1. A context-length refusal moves on. ----------------------------------

#[tokio::test]
async fn a_context_length_refusal_is_answered_by_the_next_candidate() {
    let s = Setup::gpt_first().await;
    answer(&s.openai, openai_context_length_exceeded()).await;
    answer(&s.anthropic, anthropic_message()).await;

    let resp = bounded(s.client().chat(chat())).await.unwrap();
    assert_eq!(resp.model, CLAUDE_SNAPSHOT, "the model Anthropic reports");
    assert_eq!(
        resp.provider.as_deref(),
        Some(CLAUDE),
        "the registered name"
    );
    assert_eq!(resp.message.content, "Hello from Claude.");
    assert_eq!(resp.finish_reason, Some(FinishReason::Stop));
    assert_eq!((resp.usage.input_tokens, resp.usage.output_tokens), (12, 6));

    one_request(&s.openai, OPENAI_PATH, GPT_MODEL).await;
    let body = one_request(&s.anthropic, ANTHROPIC_PATH, CLAUDE_MODEL).await;
    assert_eq!(
        body["messages"],
        json!([{"role": "user", "content": [{"type": "text", "text": "Say hello."}]}])
    );
}

#[tokio::test]
async fn without_the_ai_policy_a_context_length_refusal_is_returned() {
    // The control: the router's default policy does not move on from a
    // client error, so the same refusal comes back at once.
    let s = Setup::new([GPT, CLAUDE], FailoverPolicy::default()).await;
    answer(&s.openai, openai_context_length_exceeded()).await;
    answer(&s.anthropic, anthropic_message()).await;

    let e = bounded(s.client().chat(chat())).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ContextLengthExceeded);
    assert_eq!(e.status(), Some(400));
    assert_eq!(e.attempts().len(), 1, "{:?}", e.attempts());
    assert_eq!(e.attempts()[0].provider(), GPT);
    one_request(&s.openai, OPENAI_PATH, GPT_MODEL).await;
    nothing_received(&s.anthropic).await;
}

// --- 2. Rate limits: failover, then every attempt listed. -------------------

#[tokio::test]
async fn a_rate_limited_candidate_is_skipped_for_the_next() {
    let s = Setup::gpt_first().await;
    answer(&s.openai, openai_rate_limited()).await;
    answer(&s.anthropic, anthropic_message()).await;

    let resp = bounded(s.client().chat(chat())).await.unwrap();
    assert_eq!(resp.model, CLAUDE_SNAPSHOT);
    assert_eq!(resp.provider.as_deref(), Some(CLAUDE));
    one_request(&s.openai, OPENAI_PATH, GPT_MODEL).await;
    one_request(&s.anthropic, ANTHROPIC_PATH, CLAUDE_MODEL).await;

    // And the other way round: Anthropic rate limited, OpenAI answers.
    let s = Setup::claude_first().await;
    answer(&s.anthropic, anthropic_rate_limited()).await;
    answer(&s.openai, openai_completion()).await;
    let resp = bounded(s.client().chat(chat())).await.unwrap();
    assert_eq!(resp.model, GPT_SNAPSHOT);
    assert_eq!(resp.provider.as_deref(), Some(GPT));
    assert_eq!(resp.message.content, "Hello from GPT.");
    one_request(&s.anthropic, ANTHROPIC_PATH, CLAUDE_MODEL).await;
    one_request(&s.openai, OPENAI_PATH, GPT_MODEL).await;
}

#[tokio::test]
async fn when_every_candidate_fails_the_error_lists_each_attempt() {
    let s = Setup::gpt_first().await;
    answer(&s.openai, openai_rate_limited()).await;
    answer(&s.anthropic, anthropic_rate_limited()).await;

    let e = bounded(s.client().chat(chat())).await.unwrap_err();
    // The last failure, carrying both attempts in order.
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.status(), Some(429));
    assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
    let attempts: Vec<_> = e
        .attempts()
        .iter()
        .map(|a| (a.provider(), a.kind(), a.status(), a.retry_after()))
        .collect();
    let two = Some(Duration::from_secs(2));
    assert_eq!(
        attempts,
        [
            (GPT, ErrorKind::RateLimited, Some(429), two),
            (CLAUDE, ErrorKind::RateLimited, Some(429), two),
        ]
    );
    one_request(&s.openai, OPENAI_PATH, GPT_MODEL).await;
    one_request(&s.anthropic, ANTHROPIC_PATH, CLAUDE_MODEL).await;

    // Different failures keep their own kind, status and retry-after.
    let s = Setup::gpt_first().await;
    answer(&s.openai, openai_rate_limited()).await;
    answer(&s.anthropic, anthropic_overloaded()).await;
    let e = bounded(s.client().chat(chat())).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert_eq!(e.status(), Some(529));
    let attempts: Vec<_> = e
        .attempts()
        .iter()
        .map(|a| (a.provider(), a.kind(), a.status(), a.retry_after()))
        .collect();
    assert_eq!(
        attempts,
        [
            (GPT, ErrorKind::RateLimited, Some(429), two),
            (CLAUDE, ErrorKind::Unavailable, Some(529), None),
        ]
    );
    assert!(
        !format!("{e} {e:?}").contains("sk-"),
        "no key in the error: {e:?}"
    );
}

// --- 3. A stream refused before its first chunk fails over. -----------------

#[tokio::test]
async fn a_stream_refused_at_the_start_is_served_by_the_next_candidate() {
    // OpenAI answers 500: Anthropic's stream is returned and read to the end.
    let s = Setup::gpt_first().await;
    answer(&s.openai, openai_server_error()).await;
    answer(&s.anthropic, anthropic_stream()).await;

    let stream = bounded(s.client().chat_stream(chat())).await.unwrap();
    assert_eq!(stream.provider(), Some(CLAUDE));
    let items = drain(stream).await;
    assert!(items.iter().all(Result::is_ok), "{items:?}");
    assert_eq!(text(&items), "Hello from Claude.");
    let last = items.last().unwrap().as_ref().unwrap();
    assert_eq!(last.finish_reason, Some(FinishReason::Stop));
    let usage = last.usage.expect("the final chunk carries the usage");
    assert_eq!((usage.input_tokens, usage.output_tokens), (12, 6));
    assert!(items.iter().all(|i| !i.as_ref().unwrap().is_restart()));

    let body = one_request(&s.openai, OPENAI_PATH, GPT_MODEL).await;
    assert_eq!(body["stream"], true);
    let body = one_request(&s.anthropic, ANTHROPIC_PATH, CLAUDE_MODEL).await;
    assert_eq!(body["stream"], true);

    // Anthropic overloaded (529): OpenAI's stream is returned.
    let s = Setup::claude_first().await;
    answer(&s.anthropic, anthropic_overloaded()).await;
    answer(&s.openai, openai_stream()).await;

    let stream = bounded(s.client().chat_stream(chat())).await.unwrap();
    assert_eq!(stream.provider(), Some(GPT));
    let items = drain(stream).await;
    assert!(items.iter().all(Result::is_ok), "{items:?}");
    assert_eq!(text(&items), "Hello from GPT.");
    let last = items.last().unwrap().as_ref().unwrap();
    assert_eq!(last.finish_reason, Some(FinishReason::Stop));
    let usage = last.usage.expect("the final chunk carries the usage");
    assert_eq!((usage.input_tokens, usage.output_tokens), (11, 4));

    one_request(&s.anthropic, ANTHROPIC_PATH, CLAUDE_MODEL).await;
    let body = one_request(&s.openai, OPENAI_PATH, GPT_MODEL).await;
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"], json!({"include_usage": true}));
}

// --- 4. A stream failing after its first chunk is not sent elsewhere. -------

#[tokio::test]
async fn a_stream_failing_after_its_first_chunk_is_surfaced_not_retried() {
    // Anthropic: `Hello`, then an `overloaded_error` event.
    let s = Setup::claude_first().await;
    answer(&s.anthropic, anthropic_stream_then_overloaded()).await;
    answer(&s.openai, openai_stream()).await;

    let stream = bounded(s.client().chat_stream(chat())).await.unwrap();
    assert_eq!(stream.provider(), Some(CLAUDE));
    let items = drain(stream).await;
    assert_eq!(items.len(), 2, "one chunk, then the error: {items:?}");
    assert_eq!(items[0].as_ref().unwrap().delta, "Hello");
    let e = items[1].as_ref().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e}");
    one_request(&s.anthropic, ANTHROPIC_PATH, CLAUDE_MODEL).await;
    nothing_received(&s.openai).await;

    // OpenAI: `Hello`, then the body ends without a finish or `[DONE]`.
    let s = Setup::gpt_first().await;
    answer(&s.openai, openai_stream_truncated()).await;
    answer(&s.anthropic, anthropic_stream()).await;

    let stream = bounded(s.client().chat_stream(chat())).await.unwrap();
    assert_eq!(stream.provider(), Some(GPT));
    let items = drain(stream).await;
    assert_eq!(items.len(), 2, "one chunk, then the error: {items:?}");
    assert_eq!(items[0].as_ref().unwrap().delta, "Hello");
    let e = items[1].as_ref().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "cut short: {e}");
    one_request(&s.openai, OPENAI_PATH, GPT_MODEL).await;
    nothing_received(&s.anthropic).await;

    // OpenAI: `Hello`, then an event that is not JSON.
    let s = Setup::gpt_first().await;
    answer(&s.openai, openai_stream_malformed()).await;
    answer(&s.anthropic, anthropic_stream()).await;

    let items = drain(bounded(s.client().chat_stream(chat())).await.unwrap()).await;
    assert_eq!(items.len(), 2, "one chunk, then the error: {items:?}");
    assert_eq!(items[0].as_ref().unwrap().delta, "Hello");
    assert_eq!(items[1].as_ref().unwrap_err().kind(), ErrorKind::Decode);
    one_request(&s.openai, OPENAI_PATH, GPT_MODEL).await;
    nothing_received(&s.anthropic).await;
}

// --- 5. The opt-in restart starts the answer over elsewhere. ----------------

/// `chat_stream_with_restart` over `s` for the `chat` alias.
async fn restartable(s: &Setup) -> ChatStream {
    bounded(s.router.chat_stream_with_restart(Request::new(chat())))
        .await
        .unwrap()
}

#[tokio::test]
async fn the_restart_helper_starts_over_on_the_next_candidate() {
    // Anthropic fails mid-answer; OpenAI starts over.
    let s = Setup::claude_first().await;
    answer(&s.anthropic, anthropic_stream_then_overloaded()).await;
    answer(&s.openai, openai_stream()).await;

    let stream = restartable(&s).await;
    assert_eq!(
        stream.provider(),
        Some(CLAUDE),
        "the candidate it opened on"
    );
    let items = drain(stream).await;
    assert!(items.iter().all(Result::is_ok), "{items:?}");
    let chunks: Vec<&ChatChunk> = items.iter().map(|i| i.as_ref().unwrap()).collect();
    assert_eq!(chunks[0].delta, "Hello", "the first provider's first chunk");
    assert!(!chunks[0].is_restart());
    assert!(chunks[1].is_restart(), "then the marker: {:?}", chunks[1]);
    assert_eq!(chunks[1].restarted.as_deref(), Some(GPT));
    let rest = &items[2..];
    assert!(rest.iter().all(|c| !c.as_ref().unwrap().is_restart()));
    assert_eq!(text(rest), "Hello from GPT.");
    let last = chunks.last().unwrap();
    assert_eq!(last.finish_reason, Some(FinishReason::Stop));
    let usage = last.usage.expect("the final chunk carries the usage");
    assert_eq!((usage.input_tokens, usage.output_tokens), (11, 4));
    one_request(&s.anthropic, ANTHROPIC_PATH, CLAUDE_MODEL).await;
    one_request(&s.openai, OPENAI_PATH, GPT_MODEL).await;

    // OpenAI's body is cut short; Anthropic starts over, and the collected
    // answer is Anthropic's alone.
    let s = Setup::gpt_first().await;
    answer(&s.openai, openai_stream_truncated()).await;
    answer(&s.anthropic, anthropic_stream()).await;

    let resp = bounded(restartable(&s).await.collect_response("chat"))
        .await
        .unwrap();
    assert_eq!(resp.message.content, "Hello from Claude.");
    assert_eq!(resp.provider.as_deref(), Some(CLAUDE));
    assert_eq!((resp.usage.input_tokens, resp.usage.output_tokens), (12, 6));
    one_request(&s.openai, OPENAI_PATH, GPT_MODEL).await;
    one_request(&s.anthropic, ANTHROPIC_PATH, CLAUDE_MODEL).await;
}

#[tokio::test]
async fn the_restart_helper_ends_on_an_error_the_policy_does_not_move_on_from() {
    // A malformed event is a `Decode` error: not transient, so the stream
    // ends with it (listing the attempt) and nothing is sent elsewhere.
    let s = Setup::gpt_first().await;
    answer(&s.openai, openai_stream_malformed()).await;
    answer(&s.anthropic, anthropic_stream()).await;

    let items = drain(restartable(&s).await).await;
    assert_eq!(items.len(), 2, "one chunk, then the error: {items:?}");
    assert_eq!(items[0].as_ref().unwrap().delta, "Hello");
    let e = items[1].as_ref().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    let attempts: Vec<_> = e
        .attempts()
        .iter()
        .map(|a| (a.provider(), a.kind()))
        .collect();
    assert_eq!(attempts, [(GPT, ErrorKind::Decode)]);
    one_request(&s.openai, OPENAI_PATH, GPT_MODEL).await;
    nothing_received(&s.anthropic).await;
}
