//! [`AiProvider`] for [`OpenAi`].

use async_trait::async_trait;
use mosaic_core::ai::{
    AiProvider, ChatRequest, ChatResponse, ChatStream, Completion, CompletionRequest,
    EmbeddingRequest, Embeddings, ListModels, ModelInfo, ModelRef,
};
use mosaic_core::{Capabilities, Error, ErrorKind, Page, Result};

use super::{ModelInfoSource, OpenAi, PROVIDER, StreamDecoder, map, wire};
use crate::ai::validate;

/// Models per page of `list_models` (the API returns them all at once).
const MODELS_PAGE: u32 = 100;

#[async_trait]
impl AiProvider for OpenAi {
    fn capabilities(&self) -> Capabilities {
        OpenAi::operations()
    }

    async fn chat(&self, req: ChatRequest) -> Result<ChatResponse> {
        validate::check_chat(&req).map_err(|e| e.with_provider(PROVIDER))?;
        let body = map::chat_request(&req, false, false, self.max_field);
        let wire: wire::ChatCompletion = self
            .http
            .post_json(&self.model_path(&req.model, "chat/completions"), &body)
            .await?;
        let mut resp = map::chat_response(wire, &req.model)?;
        resp.cost_usd = self.prices.cost(&resp.model, &resp.usage);
        Ok(resp)
    }

    async fn chat_stream(&self, req: ChatRequest) -> Result<ChatStream> {
        validate::check_chat(&req).map_err(|e| e.with_provider(PROVIDER))?;
        let body = map::chat_request(&req, true, self.stream_usage, self.max_field);
        self.http
            .post_stream(
                &self.model_path(&req.model, "chat/completions"),
                &body,
                "text/event-stream",
                StreamDecoder::new().usage_requested(self.stream_usage),
            )
            .await
    }

    async fn complete(&self, req: CompletionRequest) -> Result<Completion> {
        validate::check_completion(&req).map_err(|e| e.with_provider(PROVIDER))?;
        let body = wire::CompletionRequest {
            model: &req.model,
            prompt: &req.prompt,
            max_tokens: req.max_tokens,
            temperature: req.temperature,
            stop: &req.stop,
        };
        let wire: wire::Completion = self
            .http
            .post_json(&self.model_path(&req.model, "completions"), &body)
            .await?;
        let mut c = map::completion(wire, &req.model)?;
        c.cost_usd = self.prices.cost(&c.model, &c.usage);
        Ok(c)
    }

    async fn embed(&self, req: EmbeddingRequest) -> Result<Embeddings> {
        validate::check_embedding(&req).map_err(|e| e.with_provider(PROVIDER))?;
        let body = wire::EmbeddingRequest {
            model: &req.model,
            input: &req.inputs,
            dimensions: req.dimensions,
            encoding_format: "float",
        };
        let mut list: wire::EmbeddingList = self
            .http
            .post_json(&self.model_path(&req.model, "embeddings"), &body)
            .await?;
        list.data.sort_by_key(|e| e.index);
        let in_order = list.data.iter().enumerate().all(|(i, e)| e.index == i);
        if list.data.len() != req.inputs.len() || !in_order {
            return Err(Error::new(
                ErrorKind::Decode,
                format!(
                    "{} embeddings for {} inputs",
                    list.data.len(),
                    req.inputs.len()
                ),
            )
            .with_provider(PROVIDER));
        }
        Ok(Embeddings {
            model: list.model.unwrap_or(req.model),
            vectors: list.data.into_iter().map(|e| e.embedding).collect(),
            usage: list.usage.as_ref().map(map::usage).unwrap_or_default(),
            provider: None,
        })
    }

    async fn list_models(&self, req: ListModels) -> Result<Page<ModelInfo>> {
        let mut models = match self.model_info {
            ModelInfoSource::Models => {
                let list: wire::ModelList = self.http.get_json(self.models_path(), &[]).await?;
                list.data.into_iter().map(map::model).collect()
            }
            ModelInfoSource::LiteLlm => self.litellm_models().await?,
        };
        models.sort_by(|a, b| a.id.cmp(&b.id));
        Page::slice(models, &req.page, MODELS_PAGE)
    }

    async fn get_model(&self, req: ModelRef) -> Result<ModelInfo> {
        if req.id.trim().is_empty() {
            return Err(
                Error::invalid_input("id", "a model id is required").with_provider(PROVIDER)
            );
        }
        if self.model_info == ModelInfoSource::LiteLlm {
            return self
                .litellm_models()
                .await?
                .into_iter()
                .find(|m| m.id == req.id)
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::NotFound,
                        format!("the gateway's /model/info lists no model `{}`", req.id),
                    )
                    .with_provider(PROVIDER)
                });
        }
        let path = format!(
            "{}/{}",
            self.models_path(),
            crate::http::path::segment(&req.id)
        );
        let m: wire::Model = self.http.get_json(&path, &[]).await?;
        Ok(map::model(m))
    }
}

impl OpenAi {
    /// Every model of a LiteLLM gateway's `GET {base}/model/info`.
    async fn litellm_models(&self) -> Result<Vec<ModelInfo>> {
        let list: wire::LiteLlmModelInfoList = self.http.get_json("/model/info", &[]).await?;
        Ok(map::litellm_models(list))
    }
}
