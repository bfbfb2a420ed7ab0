//! [`AiProvider`] for [`Anthropic`].

use async_trait::async_trait;
use mosaic_core::ai::{
    AiProvider, ChatRequest, ChatResponse, ChatStream, Completion, CompletionRequest,
    EmbeddingRequest, Embeddings, ListModels, Message, ModelInfo, ModelRef,
};
use mosaic_core::{Capabilities, Cursor, Error, Page, Result};

use super::{Anthropic, PROVIDER, StreamDecoder, map, wire};
use crate::ai::validate;

#[async_trait]
impl AiProvider for Anthropic {
    fn capabilities(&self) -> Capabilities {
        Anthropic::operations()
    }

    async fn chat(&self, req: ChatRequest) -> Result<ChatResponse> {
        validate::check_chat(&req).map_err(|e| e.with_provider(PROVIDER))?;
        let prepared = map::messages_request(&req, self.default_max_tokens, false)?;
        let wire: wire::MessageResponse =
            self.http.post_json("/v1/messages", &prepared.body).await?;
        let mut resp = map::chat_response(wire, &req.model, prepared.json_tool.as_deref());
        resp.cost_usd = self.prices.cost(&resp.model, &resp.usage);
        Ok(resp)
    }

    async fn chat_stream(&self, req: ChatRequest) -> Result<ChatStream> {
        validate::check_chat(&req).map_err(|e| e.with_provider(PROVIDER))?;
        let prepared = map::messages_request(&req, self.default_max_tokens, true)?;
        let decoder = StreamDecoder::with_json_tool(prepared.json_tool.clone());
        self.http
            .post_stream("/v1/messages", &prepared.body, "text/event-stream", decoder)
            .await
    }

    async fn complete(&self, req: CompletionRequest) -> Result<Completion> {
        validate::check_completion(&req).map_err(|e| e.with_provider(PROVIDER))?;
        let chat = ChatRequest {
            model: req.model.clone(),
            messages: vec![Message::user(req.prompt)],
            max_tokens: req.max_tokens,
            temperature: req.temperature,
            stop: req.stop,
            ..Default::default()
        };
        let resp = self.chat(chat).await?;
        Ok(Completion {
            id: resp.id,
            model: resp.model,
            text: resp.message.content,
            finish_reason: resp.finish_reason,
            usage: resp.usage,
            cost_usd: resp.cost_usd,
            provider: None,
        })
    }

    async fn embed(&self, _req: EmbeddingRequest) -> Result<Embeddings> {
        Err(Error::unsupported("ai.embedding").with_provider(PROVIDER))
    }

    async fn list_models(&self, req: ListModels) -> Result<Page<ModelInfo>> {
        let limit = req.page.size_or(20, 1000);
        let mut query = vec![("limit", limit.to_string())];
        if let Some(c) = &req.page.cursor {
            query.push(("after_id", c.as_str().to_owned()));
        }
        let list: wire::ModelList = self.http.get_json("/v1/models", &query).await?;
        let limit = limit as usize;
        if list.data.len() <= limit {
            let next = if list.has_more {
                list.last_id.clone().map(Cursor::new)
            } else {
                None
            };
            return Ok(Page::new(
                list.data.into_iter().map(map::model).collect(),
                next,
            ));
        }
        // More than asked for: a gateway answering in OpenAI's shape, every
        // model at once, `limit` and `after_id` ignored. Page it here with
        // the same cursor, the last id of a page.
        let mut models = list.data;
        let start = req
            .page
            .cursor
            .as_ref()
            .and_then(|c| models.iter().position(|m| m.id == c.as_str()))
            .map_or(0, |i| i + 1);
        let rest = models.split_off(start.min(models.len()));
        let more = rest.len() > limit;
        let page: Vec<ModelInfo> = rest.into_iter().take(limit).map(map::model).collect();
        let next = if more {
            page.last().map(|m| Cursor::new(m.id.clone()))
        } else {
            None
        };
        Ok(Page::new(page, next))
    }

    async fn get_model(&self, req: ModelRef) -> Result<ModelInfo> {
        if req.id.trim().is_empty() {
            return Err(
                Error::invalid_input("id", "a model id is required").with_provider(PROVIDER)
            );
        }
        let path = format!("/v1/models/{}", crate::http::path::segment(&req.id));
        let m: wire::Model = self.http.get_json(&path, &[]).await?;
        Ok(map::model(m))
    }
}
