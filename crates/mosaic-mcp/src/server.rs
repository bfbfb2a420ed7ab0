//! [`McpServer`]: a [`Mosaic`] deployment as an MCP server.

use std::sync::Arc;

use mosaic::{Error, ErrorKind, Mosaic};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation, JsonObject,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::{ErrorData, ServerHandler, ServiceExt};
use serde_json::Value;

use crate::catalog::{Catalog, ToolSpec};
use crate::dispatch::invoke;
use crate::policy::{Decision, Policy};
use crate::result::{failure, success};

const INSTRUCTIONS: &str = "Tools of a Mosaic deployment: git forges, CI/CD, AI models, \
knowledge bases, workflow engines and issue trackers, one tool per operation the configured \
providers support. Every call runs through the deployment's routing, failover, retries, \
circuit breakers, rate limits and cache. A failed call is a tool error whose structured \
content names the error `kind` and, when the provider said, `retry_after_ms`.";

/// A [`Mosaic`] deployment served over MCP: one tool per operation its
/// providers support and its [`Policy`] exposes.
///
/// * **Tools from the operation tables**: each operation of each family
///   (`git.pull_request.list`) is tool `git_pull_request_list`, described
///   by the operation's doc and taking the operation's parameters type as
///   its input schema; a family's tools are those at least one of its
///   instances supports ([`Mosaic::capabilities`], asked at each listing).
/// * **Through the configured stack**: a call becomes the family's request
///   and is sent through the family client of the configuration in force
///   (routing, failover, retry, breaker, rate limit, cache), under the
///   policy's tenant and principal.
/// * **Safe by default**: reads are exposed; writes per the policy (see
///   [`Policy`]); a call of a tool that is not exposed is refused.
/// * **Errors** are tool errors (`isError: true`) carrying the Mosaic error
///   kind and retry hint; a cancelled call drops the request in flight.
///
/// Cheap to clone; it implements [`rmcp::ServerHandler`], so it serves any
/// rmcp transport, besides [`serve_stdio`](Self::serve_stdio) and
/// [`serve_http`](Self::serve_http).
#[derive(Clone)]
pub struct McpServer {
    inner: Arc<Inner>,
}

struct Inner {
    mosaic: Mosaic,
    policy: Policy,
    catalog: &'static Catalog,
}

impl std::fmt::Debug for McpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpServer")
            .field("mosaic", &self.inner.mosaic)
            .field("policy", &self.inner.policy)
            .finish()
    }
}

impl McpServer {
    /// Serve `mosaic` under the policy of its file's `[mcp]` section (reads
    /// only, without one).
    ///
    /// The policy is read once, here. A [`Mosaic::reload`] changes what is
    /// served — instances, routes, layers and so the tools their
    /// capabilities give — but not the policy: build a new server for that.
    pub fn new(mosaic: Mosaic) -> McpServer {
        let policy = mosaic
            .config()
            .mcp
            .as_ref()
            .map(Policy::from_spec)
            .unwrap_or_default();
        McpServer::with_policy(mosaic, policy)
    }

    /// Serve `mosaic` under `policy` (the file's `[mcp]` section is not
    /// read).
    pub fn with_policy(mosaic: Mosaic, policy: Policy) -> McpServer {
        McpServer {
            inner: Arc::new(Inner {
                mosaic,
                policy,
                catalog: Catalog::get(),
            }),
        }
    }

    /// The deployment served.
    pub fn mosaic(&self) -> &Mosaic {
        &self.inner.mosaic
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    /// The operations exposed now: supported by at least one instance of
    /// their family, and allowed by the policy.
    pub fn exposed(&self) -> Vec<&'static ToolSpec> {
        let capabilities = self.inner.mosaic.capabilities();
        self.inner
            .catalog
            .specs()
            .iter()
            .filter(|spec| {
                self.decide(spec).is_allowed()
                    && capabilities
                        .values()
                        .any(|c| c.family() == spec.family() && c.supports_name(spec.operation()))
            })
            .collect()
    }

    /// The tools listed now (see [`exposed`](Self::exposed)).
    pub fn tools(&self) -> Vec<Tool> {
        self.exposed().into_iter().map(ToolSpec::to_tool).collect()
    }

    fn decide(&self, spec: &ToolSpec) -> Decision {
        self.inner
            .policy
            .decide(spec.operation(), spec.meta().access)
    }

    /// Call tool `name` with `arguments`, as a `tools/call` request does.
    ///
    /// `Err` (a JSON-RPC error) only for a name that is no tool at all; a
    /// tool the policy does not expose, one no instance supports, bad
    /// arguments and every failure of the call are tool errors
    /// (`is_error: Some(true)`).
    pub async fn call(
        &self,
        name: &str,
        arguments: Option<JsonObject>,
    ) -> Result<CallToolResult, ErrorData> {
        let spec = self
            .inner
            .catalog
            .by_tool(name)
            .ok_or_else(|| ErrorData::invalid_params(format!("unknown tool `{name}`"), None))?;
        if let Err(refusal) = self.check(spec) {
            return Ok(failure(&refusal));
        }
        let arguments = Value::Object(arguments.unwrap_or_default());
        let context = self.inner.policy.context();
        match invoke(
            &self.inner.mosaic,
            spec.family(),
            spec.operation(),
            arguments,
            context,
        )
        .await
        {
            Ok(value) => Ok(success(value)),
            Err(e) => Ok(failure(&e)),
        }
    }

    /// Whether `spec` may be called now: exposed by the policy and
    /// supported by an instance.
    fn check(&self, spec: &ToolSpec) -> mosaic::Result<()> {
        let op = spec.operation();
        let why = match self.decide(spec) {
            Decision::Allowed => None,
            Decision::Denied => Some(format!("`{op}` is denied by `[mcp] deny`")),
            Decision::DestructiveNotNamed => Some(format!(
                "`{op}` is destructive: it must be named exactly in `[mcp] allow` (a glob does not enable it)"
            )),
            _ => Some(format!(
                "`{op}` is a write: add it to `[mcp] allow` to expose it"
            )),
        };
        if let Some(why) = why {
            return Err(Error::new(
                ErrorKind::PermissionDenied,
                format!("tool `{}` is not available: {why}", spec.tool_name()),
            ));
        }
        let supported = self
            .inner
            .mosaic
            .capabilities()
            .values()
            .any(|c| c.family() == spec.family() && c.supports_name(op));
        if !supported {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!("no configured {} instance supports `{op}`", spec.family()),
            ));
        }
        Ok(())
    }

    /// Serve one MCP session over standard input and output; returns when
    /// the client closes standard input (also before it said anything).
    pub async fn serve_stdio(self) -> mosaic::Result<()> {
        match self.serve(rmcp::transport::stdio()).await {
            Ok(running) => {
                running
                    .waiting()
                    .await
                    .map_err(|e| Error::internal(format!("mcp session: {e}")))?;
                Ok(())
            }
            Err(rmcp::service::ServerInitializeError::ConnectionClosed(_)) => Ok(()),
            Err(e) => Err(Error::new(
                ErrorKind::Unavailable,
                format!("mcp session over stdio: {e}"),
            )),
        }
    }

    /// Serve MCP sessions over streamable HTTP on `addr` (see
    /// [`HttpServer`](crate::HttpServer)).
    pub async fn serve_http(
        self,
        addr: impl tokio::net::ToSocketAddrs,
        options: crate::HttpOptions,
    ) -> mosaic::Result<crate::HttpServer> {
        crate::HttpServer::bind(self, addr, options).await
    }
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("mosaic", env!("CARGO_PKG_VERSION")).with_title("Mosaic"),
            )
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        // A cancelled request drops the call in flight (and with it the
        // provider request); its answer is not sent.
        tokio::select! {
            result = self.call(&request.name, request.arguments) => result.map(Into::into),
            () = context.ct.cancelled() => {
                Err(ErrorData::internal_error("the call was cancelled", None))
            }
        }
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        let spec = self.inner.catalog.by_tool(name)?;
        self.check(spec).ok().map(|()| spec.to_tool())
    }
}
