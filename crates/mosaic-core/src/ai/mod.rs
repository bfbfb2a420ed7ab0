//! AI / LLM APIs: [`AiProvider`], its request/response enums and bridges.
//!
//! Each operation is one method of [`AiProvider`] taking one parameters type
//! of this module; [`AiClient`] offers the same methods over any tower stack,
//! and walks a whole listing (output [`Page`]) with
//! [`pages`](AiClient::pages), [`all`](AiClient::all) and
//! [`collect_all`](AiClient::collect_all). The class says what middleware may
//! do with an operation (see [`meta`](crate::operation::meta)): `READ` is
//! cached, `LIVE` is a read that never is, `CREATE` is not safe to
//! repeat, `SET` is, and a `_BROAD` write invalidates every cached read of
//! the family.
//!
//! ## Operations
//!
//! | operation | method | params | output | access | class |
//! |---|---|---|---|---|---|
//! | `ai.chat` | [`chat`](AiProvider::chat) | [`ChatRequest`] | [`ChatResponse`] | read | `LIVE` |
//! | `ai.chat.stream` | [`chat_stream`](AiProvider::chat_stream) | [`ChatRequest`] | [`ChatStream`] | read | `LIVE` |
//! | `ai.completion` | [`complete`](AiProvider::complete) | [`CompletionRequest`] | [`Completion`] | read | `LIVE` |
//! | `ai.embedding` | [`embed`](AiProvider::embed) | [`EmbeddingRequest`] | [`Embeddings`] | read | `READ` |
//! | `ai.model.list` | [`list_models`](AiProvider::list_models) | [`ListModels`] | [`Page`] of [`ModelInfo`] | read | `READ` |
//! | `ai.model.get` | [`get_model`](AiProvider::get_model) | [`ModelRef`] | [`ModelInfo`] | read | `READ` |

pub mod price;
mod types;

use std::borrow::Cow;

pub use types::*;

use crate::family::define_family;
use crate::page::Page;

/// The ai family's table of operations, handed to the macro `$cb`
/// (with any tokens in parentheses before it) to derive code from:
/// `define_family!` below, and the plugin handle's delegation in
/// `mosaic-plugin-sdk`. The rows are written once, here.
#[doc(hidden)]
#[macro_export]
macro_rules! __ai_family {
    ($cb:ident $(($($extra:tt)*))?) => {
        $cb! {
            $($($extra)*)?
            /// An AI model API: chat (plain and streamed), completion, embeddings
            /// and model listing.
            family Ai {
                provider: AiProvider,
                request: AiRequest,
                response: AiResponse,
                kind: AiOp,
                service: AiService,
                client: AiClient,
                served: record_provider,
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
    };
}

__ai_family!(define_family);

/// Record `provider` as the one that served `response` (the AI family's
/// [`Served`](crate::Served) hook): chat answers, streams, completions and
/// embeddings carry it; model listings do not. A provider already recorded
/// stays.
fn record_provider(response: &mut AiResponse, provider: &str) {
    let slot = match response {
        AiResponse::Chat(r) => &mut r.provider,
        AiResponse::Complete(r) => &mut r.provider,
        AiResponse::Embed(r) => &mut r.provider,
        AiResponse::ChatStream(s) => {
            if s.provider().is_none() {
                s.set_provider(provider);
            }
            return;
        }
        AiResponse::ListModels(_) | AiResponse::GetModel(_) => return,
    };
    if slot.is_none() {
        *slot = Some(provider.to_owned());
    }
}
