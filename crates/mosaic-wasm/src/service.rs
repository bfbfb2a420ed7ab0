//! [`WasmService`] and [`WasmProvider`]: a sandboxed module as a normal
//! provider of every family it implements.

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use mosaic_core::ai::{AiClient, AiRequest, AiResponse};
use mosaic_core::cicd::{CiCdClient, CiCdRequest, CiCdResponse};
use mosaic_core::family::BoxFuture;
use mosaic_core::git::{GitClient, GitRequest, GitResponse};
use mosaic_core::kb::{KbClient, KbRequest, KbResponse};
use mosaic_core::project::{ProjectClient, ProjectRequest, ProjectResponse};
use mosaic_core::workflow::{WorkflowClient, WorkflowRequest, WorkflowResponse};
use mosaic_core::{Capabilities, Error, OpKind, Operation, Request, Result};
use mosaic_plugin_sdk::PluginServices;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::fault::WasmFault;
use crate::sandbox::Sandbox;

/// A family's request enum, which [`WasmService`] serves.
pub trait WasmFamily: Operation + Serialize + Send + 'static {
    /// The family's response enum.
    type Response: DeserializeOwned + Send + 'static;
    /// The family's operation kind.
    type Kind: OpKind;
}

macro_rules! families {
    ($($Req:ty => $Resp:ty, $Kind:ty;)+) => {
        $(
            impl WasmFamily for $Req {
                type Response = $Resp;
                type Kind = $Kind;
            }
        )+
    };
}

families! {
    GitRequest => GitResponse, mosaic_core::git::GitOp;
    CiCdRequest => CiCdResponse, mosaic_core::cicd::CiCdOp;
    AiRequest => AiResponse, mosaic_core::ai::AiOp;
    KbRequest => KbResponse, mosaic_core::kb::KbOp;
    WorkflowRequest => WorkflowResponse, mosaic_core::workflow::WorkflowOp;
    ProjectRequest => ProjectResponse, mosaic_core::project::ProjectOp;
}

/// A sandboxed module as a `tower::Service` of every family's requests.
///
/// Each call serializes the operation's parameters to JSON (the same serde
/// shape the family's types have everywhere in Mosaic), calls the module's
/// `op_<operation>` export, and decodes the `ok` value as the operation's
/// output. An `err` envelope becomes the error the guest described; a
/// sandbox fault becomes its typed error ([`WasmFault`]).
///
/// Cheap to clone.
#[derive(Clone)]
pub struct WasmService {
    sandbox: Sandbox,
}

impl fmt::Debug for WasmService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WasmService")
            .field("plugin", &self.sandbox.plugin())
            .finish()
    }
}

impl WasmService {
    /// Serve calls with `sandbox`.
    pub fn new(sandbox: Sandbox) -> Self {
        WasmService { sandbox }
    }

    /// The sandbox called.
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }
}

/// The variant name and parameters of a serialized request enum
/// (`{"GetRepository": {...}}`).
fn split(value: serde_json::Value) -> Option<(String, serde_json::Value)> {
    match value {
        serde_json::Value::Object(map) if map.len() == 1 => map.into_iter().next(),
        _ => None,
    }
}

impl<R: WasmFamily> tower::Service<Request<R>> for WasmService {
    type Response = R::Response;
    type Error = Error;
    type Future = BoxFuture<'static, Result<R::Response>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<R>) -> Self::Future {
        let sandbox = self.sandbox.clone();
        Box::pin(async move {
            let name = req.operation.name();
            let plugin = sandbox.plugin().to_owned();
            let encoded = serde_json::to_value(&req.operation)
                .ok()
                .and_then(split)
                .ok_or_else(|| {
                    Error::invalid_input(name, "the parameters do not serialize to JSON")
                })?;
            let (variant, params) = encoded;
            let input = serde_json::to_vec(&params)
                .map_err(|e| Error::invalid_input(name, format!("cannot encode: {e}")))?;
            let output = sandbox.call(name, input).await?;
            let mut tagged = serde_json::Map::with_capacity(1);
            tagged.insert(variant, output);
            serde_json::from_value(serde_json::Value::Object(tagged)).map_err(|e| {
                WasmFault::AbiViolation.error(
                    &plugin,
                    format!("the output of `{name}` is not its output type: {e}"),
                )
            })
        })
    }
}

/// A sandboxed module as a provider: a typed client per family it
/// implements, each reporting exactly the operations the module exports.
///
/// ```no_run
/// # async fn demo(sandbox: mosaic_wasm::Sandbox) -> mosaic_core::Result<()> {
/// use mosaic_core::git::{GitProvider, RepoRef};
/// let provider = mosaic_wasm::WasmProvider::new(sandbox);
/// let repo = provider.git().get_repository(RepoRef::new("acme", "tools")).await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct WasmProvider {
    service: WasmService,
}

/// The capabilities of kind `K` the module implements.
fn capabilities<K: OpKind>(sandbox: &Sandbox) -> Capabilities {
    let module = sandbox.module();
    Capabilities::of(K::ALL.iter().copied().filter(|k| module.supports(k.name())))
}

fn serves<K: OpKind>(sandbox: &Sandbox) -> bool {
    K::ALL.iter().any(|k| sandbox.module().supports(k.name()))
}

impl WasmProvider {
    /// A provider over `sandbox`.
    pub fn new(sandbox: Sandbox) -> Self {
        WasmProvider {
            service: WasmService::new(sandbox),
        }
    }

    /// The sandbox called.
    pub fn sandbox(&self) -> &Sandbox {
        self.service.sandbox()
    }

    /// The service every client calls.
    pub fn service(&self) -> &WasmService {
        &self.service
    }

    /// The module as a [`GitProvider`](mosaic_core::git::GitProvider).
    pub fn git(&self) -> GitClient<WasmService> {
        GitClient::new(self.service.clone())
            .with_capabilities(capabilities::<mosaic_core::git::GitOp>(self.sandbox()))
    }

    /// The module as a [`CiCdProvider`](mosaic_core::cicd::CiCdProvider).
    pub fn cicd(&self) -> CiCdClient<WasmService> {
        CiCdClient::new(self.service.clone())
            .with_capabilities(capabilities::<mosaic_core::cicd::CiCdOp>(self.sandbox()))
    }

    /// The module as an [`AiProvider`](mosaic_core::ai::AiProvider).
    pub fn ai(&self) -> AiClient<WasmService> {
        AiClient::new(self.service.clone())
            .with_capabilities(capabilities::<mosaic_core::ai::AiOp>(self.sandbox()))
    }

    /// The module as a
    /// [`KnowledgeBaseProvider`](mosaic_core::kb::KnowledgeBaseProvider).
    pub fn kb(&self) -> KbClient<WasmService> {
        KbClient::new(self.service.clone())
            .with_capabilities(capabilities::<mosaic_core::kb::KbOp>(self.sandbox()))
    }

    /// The module as a
    /// [`WorkflowProvider`](mosaic_core::workflow::WorkflowProvider).
    pub fn workflow(&self) -> WorkflowClient<WasmService> {
        WorkflowClient::new(self.service.clone()).with_capabilities(capabilities::<
            mosaic_core::workflow::WorkflowOp,
        >(self.sandbox()))
    }

    /// The module as a
    /// [`ProjectProvider`](mosaic_core::project::ProjectProvider).
    pub fn project(&self) -> ProjectClient<WasmService> {
        ProjectClient::new(self.service.clone()).with_capabilities(capabilities::<
            mosaic_core::project::ProjectOp,
        >(self.sandbox()))
    }

    /// A provider for each family the module implements at least one
    /// operation of.
    pub fn services(&self) -> PluginServices {
        let sb = self.sandbox();
        let mut s = PluginServices::new();
        if serves::<mosaic_core::git::GitOp>(sb) {
            s = s.with_git(Arc::new(self.git()));
        }
        if serves::<mosaic_core::cicd::CiCdOp>(sb) {
            s = s.with_cicd(Arc::new(self.cicd()));
        }
        if serves::<mosaic_core::ai::AiOp>(sb) {
            s = s.with_ai(Arc::new(self.ai()));
        }
        if serves::<mosaic_core::kb::KbOp>(sb) {
            s = s.with_kb(Arc::new(self.kb()));
        }
        if serves::<mosaic_core::workflow::WorkflowOp>(sb) {
            s = s.with_workflow(Arc::new(self.workflow()));
        }
        if serves::<mosaic_core::project::ProjectOp>(sb) {
            s = s.with_project(Arc::new(self.project()));
        }
        s
    }
}
