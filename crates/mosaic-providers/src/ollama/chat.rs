//! [`AiProvider`] for [`Ollama`].

use async_trait::async_trait;
use mosaic_core::ai::{
    AiProvider, ChatRequest, ChatResponse, ChatStream, Completion, CompletionRequest,
    EmbeddingRequest, Embeddings, ListModels, ModelInfo, ModelRef,
};
use mosaic_core::{Capabilities, Error, ErrorKind, Page, Result};

use super::{Ollama, PROVIDER, StreamDecoder, map, wire};
use crate::ai::validate;

/// Models per page of `list_models` (the API returns them all at once).
const MODELS_PAGE: u32 = 100;

#[async_trait]
impl AiProvider for Ollama {
    fn capabilities(&self) -> Capabilities {
        Ollama::operations()
    }

    async fn chat(&self, req: ChatRequest) -> Result<ChatResponse> {
        validate::check_chat(&req).map_err(|e| e.with_provider(PROVIDER))?;
        let body = map::chat_request(&req, false, self.num_ctx, self.keep_alive.as_deref())?;
        let wire: wire::ChatResponse = self.http.post_json("/api/chat", &body).await?;
        if let Some(err) = &wire.error {
            return Err(map::stream_error(err));
        }
        let mut resp = map::chat_response(wire, &req.model);
        resp.cost_usd = self.prices.cost(&resp.model, &resp.usage);
        Ok(resp)
    }

    async fn chat_stream(&self, req: ChatRequest) -> Result<ChatStream> {
        validate::check_chat(&req).map_err(|e| e.with_provider(PROVIDER))?;
        let body = map::chat_request(&req, true, self.num_ctx, self.keep_alive.as_deref())?;
        self.http
            .post_stream(
                "/api/chat",
                &body,
                "application/x-ndjson",
                StreamDecoder::new(),
            )
            .await
    }

    async fn complete(&self, req: CompletionRequest) -> Result<Completion> {
        validate::check_completion(&req).map_err(|e| e.with_provider(PROVIDER))?;
        let body = wire::GenerateRequest {
            model: &req.model,
            prompt: &req.prompt,
            options: wire::Options {
                temperature: req.temperature,
                top_p: None,
                num_predict: req.max_tokens,
                num_ctx: self.num_ctx,
                stop: &req.stop,
            },
            stream: false,
            keep_alive: self.keep_alive.as_deref(),
        };
        let r: wire::GenerateResponse = self.http.post_json("/api/generate", &body).await?;
        let model = r.model.unwrap_or_else(|| req.model.clone());
        let usage = map::usage(r.prompt_eval_count, r.eval_count);
        Ok(Completion {
            id: String::new(),
            cost_usd: self.prices.cost(&model, &usage),
            text: r.response.unwrap_or_default(),
            finish_reason: r.done_reason.as_deref().and_then(map::finish_reason),
            usage,
            model,
            provider: None,
        })
    }

    async fn embed(&self, req: EmbeddingRequest) -> Result<Embeddings> {
        validate::check_embedding(&req).map_err(|e| e.with_provider(PROVIDER))?;
        let body = wire::EmbedRequest {
            model: &req.model,
            input: &req.inputs,
            truncate: self.truncate_embeddings,
            dimensions: req.dimensions,
            keep_alive: self.keep_alive.as_deref(),
        };
        let r: wire::EmbedResponse = self.http.post_json("/api/embed", &body).await?;
        if r.embeddings.len() != req.inputs.len() {
            return Err(Error::new(
                ErrorKind::Decode,
                format!(
                    "{} embeddings for {} inputs",
                    r.embeddings.len(),
                    req.inputs.len()
                ),
            )
            .with_provider(PROVIDER));
        }
        Ok(Embeddings {
            model: r.model.unwrap_or(req.model),
            vectors: r.embeddings,
            usage: map::usage(r.prompt_eval_count, Some(0)),
            provider: None,
        })
    }

    async fn list_models(&self, req: ListModels) -> Result<Page<ModelInfo>> {
        let tags: wire::Tags = self.http.get_json("/api/tags", &[]).await?;
        let mut models: Vec<ModelInfo> = tags.models.into_iter().map(map::tag_model).collect();
        models.sort_by(|a, b| a.id.cmp(&b.id));
        Page::slice(models, &req.page, MODELS_PAGE)
    }

    async fn get_model(&self, req: ModelRef) -> Result<ModelInfo> {
        if req.id.trim().is_empty() {
            return Err(
                Error::invalid_input("id", "a model id is required").with_provider(PROVIDER)
            );
        }
        let show: wire::Show = self
            .http
            .post_json("/api/show", &wire::ShowRequest { model: &req.id })
            .await?;
        Ok(map::show_model(&req.id, show))
    }
}
