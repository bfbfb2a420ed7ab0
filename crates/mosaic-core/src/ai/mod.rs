//! AI / LLM APIs: [`AiProvider`], its request/response enums and bridges.

mod types;

use std::borrow::Cow;

pub use types::*;

use crate::family::define_family;
use crate::page::Page;

define_family! {
    /// An AI model API: chat (plain and streamed), completion, embeddings
    /// and model listing.
    family Ai {
        provider: AiProvider,
        request: AiRequest,
        response: AiResponse,
        kind: AiOp,
        service: AiService,
        client: AiClient,
    }

    /// Answer a conversation.
    Chat => fn chat(ChatRequest) -> ChatResponse;
        "ai.chat", LIVE, |p| p.subject();
    /// Answer a conversation as a stream of chunks.
    ChatStream => fn chat_stream(ChatRequest) -> ChatStream;
        "ai.chat.stream", LIVE, |p| p.subject();
    /// Complete a prompt.
    Complete => fn complete(CompletionRequest) -> Completion;
        "ai.completion", LIVE, |p| Some(Cow::Borrowed(&p.model));
    /// Embed texts.
    Embed => fn embed(EmbeddingRequest) -> Embeddings;
        "ai.embedding", READ, |p| Some(Cow::Borrowed(&p.model));
    /// List models.
    ListModels => fn list_models(ListModels) -> Page<ModelInfo>;
        "ai.model.list", READ, |_| None;
    /// Describe a model.
    GetModel => fn get_model(ModelRef) -> ModelInfo;
        "ai.model.get", READ, |p| Some(Cow::Borrowed(&p.id));
}
