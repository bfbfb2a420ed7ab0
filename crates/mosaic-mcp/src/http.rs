//! [`HttpServer`]: MCP's streamable HTTP transport on a TCP listener.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use mosaic::{Error, ErrorKind};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::McpServer;

/// How long a connection may take to finish its requests at shutdown.
const DRAIN: Duration = Duration::from_secs(5);

/// Settings of the HTTP endpoint.
///
/// The defaults: path `/mcp`, and only loopback `Host` headers accepted
/// (`localhost`, `127.0.0.1`, `::1`; rmcp's protection against DNS
/// rebinding). The endpoint has no authentication of its own: bind it to
/// loopback, or put it behind a proxy that authenticates.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    path: String,
    allowed_hosts: Vec<String>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            path: "/mcp".into(),
            allowed_hosts: vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
        }
    }
}

impl HttpOptions {
    /// The defaults.
    pub fn new() -> HttpOptions {
        HttpOptions::default()
    }

    /// Serve MCP at `path` (default `/mcp`); other paths answer 404.
    pub fn path(mut self, path: impl Into<String>) -> HttpOptions {
        let path = path.into();
        self.path = if path.starts_with('/') {
            path
        } else {
            format!("/{path}")
        };
        self
    }

    /// Also accept requests whose `Host` is `host` (a name, or
    /// `name:port`), e.g. the public name of a deployment behind a proxy.
    pub fn allow_host(mut self, host: impl Into<String>) -> HttpOptions {
        self.allowed_hosts.push(host.into());
        self
    }
}

/// A running streamable-HTTP MCP endpoint: each client session gets its
/// own [`McpServer`] clone (sharing the deployment).
///
/// ```no_run
/// # async fn run(mosaic: mosaic::Mosaic) -> mosaic::Result<()> {
/// use mosaic_mcp::{HttpOptions, McpServer};
///
/// let http = McpServer::new(mosaic)
///     .serve_http("127.0.0.1:8080", HttpOptions::new())
///     .await?;
/// eprintln!("MCP at {}", http.url());
/// http.wait().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct HttpServer {
    addr: SocketAddr,
    path: String,
    shutdown: CancellationToken,
    task: JoinHandle<()>,
}

impl HttpServer {
    /// Listen on `addr` and serve `server` there until
    /// [`shutdown`](Self::shutdown).
    pub async fn bind(
        server: McpServer,
        addr: impl ToSocketAddrs,
        options: HttpOptions,
    ) -> mosaic::Result<HttpServer> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| Error::new(ErrorKind::Config, format!("mcp http: cannot listen: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::internal(format!("mcp http: {e}")))?;
        let shutdown = CancellationToken::new();
        let config = StreamableHttpServerConfig::default()
            .with_allowed_hosts(options.allowed_hosts)
            .with_cancellation_token(shutdown.child_token());
        let service: StreamableHttpService<McpServer, LocalSessionManager> =
            StreamableHttpService::new(
                move || Ok(server.clone()),
                Arc::new(LocalSessionManager::default()),
                config,
            );
        let path: Arc<str> = options.path.clone().into();
        let task = tokio::spawn(accept(listener, service, path, shutdown.clone()));
        Ok(HttpServer {
            addr,
            path: options.path,
            shutdown,
            task,
        })
    }

    /// The address listened on (with the port the system chose for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The endpoint's URL, `http://ADDR/mcp`.
    pub fn url(&self) -> String {
        format!("http://{}{}", self.addr, self.path)
    }

    /// Stop accepting, end every session, let requests in flight finish
    /// (for up to five seconds), and return.
    pub async fn shutdown(self) {
        self.shutdown.cancel();
        let _ = self.task.await;
    }

    /// Run until the process ends (or the accept loop fails).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

type Mcp = StreamableHttpService<McpServer, LocalSessionManager>;

async fn accept(listener: TcpListener, service: Mcp, path: Arc<str>, shutdown: CancellationToken) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let stream = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "mcp http: accept failed");
                    continue;
                }
            },
        };
        let service = service.clone();
        let path = path.clone();
        let shutdown = shutdown.clone();
        connections.spawn(async move {
            let handler = hyper::service::service_fn(move |request| {
                respond(service.clone(), path.clone(), request)
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), handler);
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "mcp http: connection ended");
                    }
                }
                () = shutdown.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(DRAIN, connection).await;
                }
            }
        });
        // Reap finished connections so the set does not grow.
        while connections.try_join_next().is_some() {}
    }
    while connections.join_next().await.is_some() {}
}

type Body = http_body_util::combinators::BoxBody<Bytes, Infallible>;

async fn respond(
    mut service: Mcp,
    path: Arc<str>,
    request: http::Request<Incoming>,
) -> Result<http::Response<Body>, Infallible> {
    if request.uri().path() != &*path {
        let mut response =
            http::Response::new(Full::new(Bytes::from_static(b"not found\n")).boxed());
        *response.status_mut() = http::StatusCode::NOT_FOUND;
        return Ok(response);
    }
    tower::Service::call(&mut service, request).await
}
