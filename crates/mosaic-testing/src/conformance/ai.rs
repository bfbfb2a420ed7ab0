//! The conformance suite of [`AiProvider`].
//!
//! It checks what Mosaic normalizes across AI providers: a chat answer has
//! text (or tool calls), usage and a finish reason; a stream ends with one
//! final chunk carrying the finish reason and the usage; streamed tool-call
//! fragments add up to the complete calls; a required tool is called with
//! JSON arguments; embeddings come one per input in one dimension; invalid
//! requests are `InvalidInput` naming the field, unknown models `NotFound`.

use futures::StreamExt;
use mosaic_core::ai::*;
use mosaic_core::{Capabilities, ErrorKind, Family, PageRequest, Result};

use super::{
    CheckResult, Ctx, Fail, Report, ensure, exactly_once, expect_invalid, expect_kind, need, walk,
};

/// What the AI suite needs to know about its environment.
#[derive(Debug, Clone)]
pub struct AiSetup {
    /// A chat model. Default `fake-chat`.
    pub chat_model: String,
    /// An embedding model; `None` skips the embedding check. Default `fake-embed`.
    pub embedding_model: Option<String>,
    /// Whether the chat model calls tools (skip the tool checks if not).
    pub tools: bool,
    /// Page size used to walk the model listing. Default 2.
    pub page_size: u32,
}

impl Default for AiSetup {
    fn default() -> Self {
        AiSetup {
            chat_model: "fake-chat".to_owned(),
            embedding_model: Some("fake-embed".to_owned()),
            tools: true,
            page_size: 2,
        }
    }
}

/// Run the suite against `provider`. See the [module docs](super).
pub async fn run<P: AiProvider + ?Sized>(provider: &P, setup: &AiSetup) -> Report {
    let caps = provider.capabilities();
    let mut r = Report::new("ai");
    r.record(
        "capabilities: they belong to the ai family",
        if caps.family() == Family::Ai {
            Ok(())
        } else {
            Err(Fail::Failed(format!(
                "capabilities are of family {}",
                caps.family()
            )))
        },
    );
    r.record(
        "unsupported operations answer Unsupported",
        super::unsupported(&caps, |op: AiOp| async move {
            AiRequest::with_defaults(op)
                .send_to(provider)
                .await
                .map(drop)
        })
        .await,
    );
    r.record(
        "chat: an answer has content, usage and a finish reason",
        chat(provider, setup, &caps).await,
    );
    r.record(
        "chat: invalid requests are InvalidInput naming the field; unknown models NotFound",
        invalid(provider, setup, &caps).await,
    );
    r.record(
        "chat stream: the last chunk, and only it, carries the finish reason and the usage",
        stream(provider, setup, &caps).await,
    );
    r.record(
        "tools: a required tool is called with JSON object arguments",
        tool_call(provider, setup, &caps).await,
    );
    r.record(
        "tools: streamed fragments add up to the complete calls",
        tool_stream(provider, setup, &caps).await,
    );
    r.record(
        "completion: an answer has text or a finish reason, and usage",
        complete(provider, setup, &caps).await,
    );
    r.record(
        "embeddings: one vector per input, one dimension, stable for equal text",
        embeddings(provider, setup, &caps).await,
    );
    r.record(
        "models: listed once each; get returns the listed model; a missing one is NotFound",
        models(provider, setup, &caps).await,
    );
    r
}

fn weather_tool() -> Tool {
    Tool {
        name: "get_weather".to_owned(),
        description: Some("Current weather of a city".to_owned()),
        parameters: serde_json::json!({
            "type": "object",
            "properties": { "city": { "type": "string" } },
            "required": ["city"]
        }),
    }
}

fn tool_request(setup: &AiSetup) -> ChatRequest {
    let mut req = ChatRequest::new(&setup.chat_model, "What is the weather in Paris?")
        .tool(weather_tool())
        .max_tokens(128);
    req.tool_choice = Some(ToolChoice::Tool("get_weather".to_owned()));
    req
}

async fn chat<P: AiProvider + ?Sized>(p: &P, setup: &AiSetup, caps: &Capabilities) -> CheckResult {
    need(caps, &[AiOp::Chat])?;
    let resp = p
        .chat(ChatRequest::new(&setup.chat_model, "Say hello.").max_tokens(64))
        .await
        .ctx("chat")?;
    ensure!(
        !resp.message.content.is_empty() || !resp.message.tool_calls.is_empty(),
        "the answer is empty"
    );
    ensure!(
        resp.message.role == Role::Assistant,
        "the answer's role is {:?}",
        resp.message.role
    );
    ensure!(resp.usage.input_tokens > 0, "usage reports no input tokens");
    ensure!(
        resp.usage.output_tokens > 0,
        "usage reports no output tokens"
    );
    ensure!(resp.finish_reason.is_some(), "no finish reason");
    ensure!(!resp.model.is_empty(), "no model in the answer");
    Ok(())
}

async fn invalid<P: AiProvider + ?Sized>(
    p: &P,
    setup: &AiSetup,
    caps: &Capabilities,
) -> CheckResult {
    need(caps, &[AiOp::Chat])?;
    expect_invalid(
        "chat without messages",
        p.chat(ChatRequest {
            model: setup.chat_model.clone(),
            ..Default::default()
        })
        .await,
        "messages",
    )?;
    expect_invalid(
        "chat with an empty model",
        p.chat(ChatRequest::new("", "hi")).await,
        "model",
    )?;
    if caps.supports(AiOp::GetModel) {
        expect_kind(
            "get_model of an unknown model",
            p.get_model(ModelRef {
                id: "mosaic-conformance-no-such-model".to_owned(),
            })
            .await,
            ErrorKind::NotFound,
        )?;
    }
    Ok(())
}

async fn collect(p: ChatStream) -> CheckResult<Vec<ChatChunk>> {
    let items: Vec<Result<ChatChunk>> = p.collect().await;
    items
        .into_iter()
        .collect::<Result<Vec<_>>>()
        .ctx("a stream item")
}

fn check_final(chunks: &[ChatChunk]) -> CheckResult {
    ensure!(!chunks.is_empty(), "the stream was empty");
    let (last, rest) = chunks.split_last().expect("not empty");
    ensure!(
        last.finish_reason.is_some(),
        "the last chunk has no finish reason"
    );
    ensure!(last.usage.is_some(), "the last chunk has no usage");
    ensure!(
        last.usage.is_some_and(|u| u.input_tokens > 0),
        "the final usage reports no input tokens"
    );
    ensure!(
        rest.iter()
            .all(|c| c.finish_reason.is_none() && c.usage.is_none()),
        "a chunk before the last carries a finish reason or usage"
    );
    Ok(())
}

async fn stream<P: AiProvider + ?Sized>(
    p: &P,
    setup: &AiSetup,
    caps: &Capabilities,
) -> CheckResult {
    need(caps, &[AiOp::ChatStream])?;
    let s = p
        .chat_stream(ChatRequest::new(&setup.chat_model, "Count to three.").max_tokens(64))
        .await
        .ctx("chat_stream")?;
    let chunks = collect(s).await?;
    check_final(&chunks)?;
    let text: String = chunks.iter().map(|c| c.delta.as_str()).collect();
    let calls: usize = chunks.iter().map(|c| c.tool_calls.len()).sum();
    ensure!(
        !text.is_empty() || calls > 0,
        "the stream carried no text and no tool call"
    );
    Ok(())
}

async fn tool_call<P: AiProvider + ?Sized>(
    p: &P,
    setup: &AiSetup,
    caps: &Capabilities,
) -> CheckResult {
    need(caps, &[AiOp::Chat])?;
    if !setup.tools {
        return Err(Fail::Skipped(
            "the setup says the model does not call tools".into(),
        ));
    }
    let resp = p
        .chat(tool_request(setup))
        .await
        .ctx("chat with a required tool")?;
    let Some(call) = resp.message.tool_calls.first() else {
        super::fail!("no tool call in the answer ({:?})", resp.message.content);
    };
    ensure!(call.name == "get_weather", "called `{}`", call.name);
    ensure!(!call.id.is_empty(), "the tool call has no id");
    let args = call
        .parse_arguments()
        .ctx("parsing the tool call arguments")?;
    ensure!(
        args.is_object(),
        "the arguments are not a JSON object: {args}"
    );
    ensure!(
        resp.finish_reason == Some(FinishReason::ToolCalls),
        "finish reason {:?} instead of tool_calls",
        resp.finish_reason
    );
    Ok(())
}

async fn tool_stream<P: AiProvider + ?Sized>(
    p: &P,
    setup: &AiSetup,
    caps: &Capabilities,
) -> CheckResult {
    need(caps, &[AiOp::ChatStream])?;
    if !setup.tools {
        return Err(Fail::Skipped(
            "the setup says the model does not call tools".into(),
        ));
    }
    let s = p
        .chat_stream(tool_request(setup))
        .await
        .ctx("chat_stream with a required tool")?;
    let chunks = collect(s).await?;
    check_final(&chunks)?;
    let complete: Vec<&ToolCall> = chunks.iter().flat_map(|c| c.tool_calls.iter()).collect();
    ensure!(!complete.is_empty(), "no complete tool call in the stream");
    let mut assembled: std::collections::BTreeMap<u32, (Option<String>, Option<String>, String)> =
        Default::default();
    for d in chunks.iter().flat_map(|c| c.tool_call_deltas.iter()) {
        let entry = assembled.entry(d.index).or_default();
        if d.id.is_some() {
            entry.0 = d.id.clone();
        }
        if d.name.is_some() {
            entry.1 = d.name.clone();
        }
        entry.2.push_str(&d.arguments);
    }
    if !assembled.is_empty() {
        ensure!(
            assembled.len() == complete.len(),
            "{} calls in fragments, {} complete calls",
            assembled.len(),
            complete.len()
        );
        for ((_, (id, name, args)), call) in assembled.iter().zip(&complete) {
            ensure!(
                id.as_deref() == Some(call.id.as_str()),
                "fragment id {id:?} ≠ complete call id `{}`",
                call.id
            );
            ensure!(
                name.as_deref() == Some(call.name.as_str()),
                "fragment name {name:?} ≠ `{}`",
                call.name
            );
            ensure!(
                *args == call.arguments,
                "fragments `{args}` ≠ arguments `{}`",
                call.arguments
            );
        }
    }
    Ok(())
}

async fn complete<P: AiProvider + ?Sized>(
    p: &P,
    setup: &AiSetup,
    caps: &Capabilities,
) -> CheckResult {
    need(caps, &[AiOp::Complete])?;
    let c = p
        .complete(CompletionRequest {
            model: setup.chat_model.clone(),
            prompt: "Once upon a time".to_owned(),
            max_tokens: Some(32),
            temperature: None,
            stop: Vec::new(),
        })
        .await
        .ctx("complete")?;
    ensure!(
        !c.text.is_empty() || c.finish_reason.is_some(),
        "the completion has neither text nor a finish reason"
    );
    ensure!(c.usage.input_tokens > 0, "usage reports no input tokens");
    Ok(())
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}

async fn embeddings<P: AiProvider + ?Sized>(
    p: &P,
    setup: &AiSetup,
    caps: &Capabilities,
) -> CheckResult {
    need(caps, &[AiOp::Embed])?;
    let Some(model) = setup.embedding_model.clone() else {
        return Err(Fail::Skipped("no embedding model in the setup".into()));
    };
    let req = EmbeddingRequest {
        model: model.clone(),
        inputs: vec![
            "the cat sat on the mat".to_owned(),
            "quarterly revenue".to_owned(),
        ],
        dimensions: None,
    };
    let a = p.embed(req.clone()).await.ctx("embed")?;
    ensure!(
        a.vectors.len() == 2,
        "{} vectors for 2 inputs",
        a.vectors.len()
    );
    let dim = a.vectors[0].len();
    ensure!(dim > 0, "empty vectors");
    ensure!(
        a.vectors.iter().all(|v| v.len() == dim),
        "vectors of different dimensions"
    );
    let b = p.embed(req).await.ctx("embed again")?;
    ensure!(
        cosine(&a.vectors[0], &b.vectors[0]) > 0.99,
        "the same text embedded twice is not the same vector"
    );
    expect_invalid(
        "embed without inputs",
        p.embed(EmbeddingRequest {
            model,
            inputs: Vec::new(),
            dimensions: None,
        })
        .await,
        "inputs",
    )
}

async fn models<P: AiProvider + ?Sized>(
    p: &P,
    setup: &AiSetup,
    caps: &Capabilities,
) -> CheckResult {
    need(caps, &[AiOp::ListModels, AiOp::GetModel])?;
    let all = walk(
        "list_models",
        ListModels {
            page: PageRequest::with_size(setup.page_size),
        },
        |q| p.list_models(q),
    )
    .await?;
    let ids: Vec<String> = all.iter().map(|m| m.id.clone()).collect();
    exactly_once("list_models", &ids, &[])?;
    let Some(first) = all.first() else {
        super::fail!("list_models returned no model");
    };
    let got = p
        .get_model(ModelRef {
            id: first.id.clone(),
        })
        .await
        .ctx("get_model")?;
    ensure!(
        got.id == first.id,
        "get_model returned `{}` for `{}`",
        got.id,
        first.id
    );
    expect_kind(
        "get_model of an unknown model",
        p.get_model(ModelRef {
            id: "mosaic-conformance-no-such-model".to_owned(),
        })
        .await,
        ErrorKind::NotFound,
    )?;
    Ok(())
}
