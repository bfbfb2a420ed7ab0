//! Model aliases through the router: each candidate gets its own model
//! name, for plain and streamed chat, and a stream fails over before its
//! first chunk.

use std::sync::{Arc, Mutex};

use futures::StreamExt;
use mosaic_core::ai::AiOp;
use mosaic_core::ai::{
    AiProvider, AiRequest, AiService, ChatChunk, ChatRequest, ChatResponse, ChatStream,
    EmbeddingRequest, Embeddings,
};
use mosaic_core::{Capabilities, Error, ErrorKind, Request, Result};
use mosaic_router::router::{FailoverPolicy, Provider, Rule};
use mosaic_router::{ModelAliasLayer, ModelAliases, Router};
use tower::util::BoxCloneSyncService;
use tower::{Layer, ServiceExt};

/// Records the model names it is asked for; fails with `fail` when set.
struct Model {
    seen: Mutex<Vec<String>>,
    fail: Option<ErrorKind>,
}

impl Model {
    fn new(fail: Option<ErrorKind>) -> Arc<Model> {
        Arc::new(Model {
            seen: Mutex::new(Vec::new()),
            fail,
        })
    }
    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
    fn answer(&self, model: &str) -> Result<()> {
        self.seen.lock().unwrap().push(model.to_owned());
        match self.fail {
            Some(kind) => Err(Error::new(kind, "scripted")),
            None => Ok(()),
        }
    }
}

#[async_trait::async_trait]
impl AiProvider for Model {
    fn capabilities(&self) -> Capabilities {
        Capabilities::of([AiOp::Chat, AiOp::ChatStream, AiOp::Embed])
    }
    async fn chat(&self, r: ChatRequest) -> Result<ChatResponse> {
        self.answer(&r.model)?;
        Ok(ChatResponse {
            model: r.model,
            ..Default::default()
        })
    }
    async fn chat_stream(&self, r: ChatRequest) -> Result<ChatStream> {
        self.answer(&r.model)?;
        Ok(ChatStream::from_chunks(vec![Ok(ChatChunk {
            delta: format!("from {}", r.model),
            ..Default::default()
        })]))
    }
    async fn embed(&self, r: EmbeddingRequest) -> Result<Embeddings> {
        self.answer(&r.model)?;
        Ok(Embeddings {
            model: r.model,
            ..Default::default()
        })
    }
}

type Boxed = BoxCloneSyncService<Request<AiRequest>, mosaic_core::ai::AiResponse, Error>;

fn aliased(model: &Arc<Model>, alias: &str, name: &str) -> Boxed {
    let layer = ModelAliasLayer::new(ModelAliases::new().alias(alias, name));
    BoxCloneSyncService::new(layer.layer(AiService::from_arc(model.clone())))
}

fn router(first: &Arc<Model>, second: &Arc<Model>) -> Router<AiRequest, Boxed> {
    Router::builder()
        .register(Provider::new(
            "openai",
            aliased(first, "chat", "gpt-4o-mini"),
        ))
        .register(Provider::new(
            "claude",
            aliased(second, "chat", "claude-3-5-haiku-latest"),
        ))
        .rule(Rule::any().subject("chat").to(["openai", "claude"]))
        .build()
        .unwrap()
}

#[tokio::test]
async fn each_candidate_gets_its_own_model_name() {
    let (a, b) = (Model::new(Some(ErrorKind::Unavailable)), Model::new(None));
    let r = router(&a, &b);
    let resp = r
        .clone()
        .oneshot(Request::new(AiRequest::Chat(ChatRequest::new(
            "chat", "hi",
        ))))
        .await
        .unwrap();
    match resp {
        mosaic_core::ai::AiResponse::Chat(c) => assert_eq!(c.model, "claude-3-5-haiku-latest"),
        other => panic!("{other:?}"),
    }
    assert_eq!(a.seen(), ["gpt-4o-mini"]);
    assert_eq!(b.seen(), ["claude-3-5-haiku-latest"]);

    // A name that is not an alias passes through unchanged.
    let embed = EmbeddingRequest {
        model: "text-embedding-3-small".into(),
        ..Default::default()
    };
    r.oneshot(Request::new(AiRequest::Embed(embed)))
        .await
        .unwrap();
    assert_eq!(a.seen()[1], "text-embedding-3-small");
    assert_eq!(b.seen()[1], "text-embedding-3-small");
}

#[tokio::test]
async fn a_stream_fails_over_before_its_first_chunk() {
    let (a, b) = (
        Model::new(Some(ErrorKind::ContextLengthExceeded)),
        Model::new(None),
    );
    let r = Router::builder()
        .register(Provider::new("small", aliased(&a, "chat", "small-8k")))
        .register(Provider::new("large", aliased(&b, "chat", "large-128k")))
        .rule(Rule::any().subject("chat").to(["small", "large"]))
        .failover_policy(FailoverPolicy {
            idempotent: FailoverPolicy::default()
                .idempotent
                .with(ErrorKind::ContextLengthExceeded),
            non_idempotent: FailoverPolicy::default()
                .non_idempotent
                .with(ErrorKind::ContextLengthExceeded),
        })
        .build()
        .unwrap();
    let resp = r
        .oneshot(Request::new(AiRequest::ChatStream(ChatRequest::new(
            "chat",
            "a long prompt",
        ))))
        .await
        .unwrap();
    let mosaic_core::ai::AiResponse::ChatStream(mut stream) = resp else {
        panic!("not a stream")
    };
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(first.delta, "from large-128k");
    assert_eq!(a.seen(), ["small-8k"]);
    assert_eq!(b.seen(), ["large-128k"]);
}
