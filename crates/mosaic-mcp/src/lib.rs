//! # mosaic-mcp
//!
//! A [`Mosaic`](mosaic::Mosaic) deployment — the providers, routes,
//! caches, limits and budgets a host declared in `mosaic.toml` — served to
//! an agent over the Model Context Protocol, on the official Rust SDK
//! ([`rmcp`]), over stdio and streamable HTTP.
//!
//! * [`McpServer`]: one tool per operation the configured providers
//!   support (`git.pull_request.list` is tool `git_pull_request_list`),
//!   generated from the families' operation tables: the operation's doc is
//!   the description, its parameters type the input schema. A call goes
//!   through the family client of the deployment, so routing, failover,
//!   retries, breakers, rate limits and the cache all apply.
//! * [`Policy`]: the file's `[mcp]` section. Reads are exposed; writes only
//!   when `allow` matches them; destructive writes (delete, remove, merge,
//!   cancel, stop) only when named exactly; `deny` hides anything. Calls
//!   run as the section's `tenant` and `principal`.
//! * [`HttpServer`]: the streamable HTTP endpoint; [`McpServer::serve_stdio`]
//!   the stdio one. The `mosaic mcp FILE [--http ADDR]` command runs
//!   either.
//! * Errors are MCP tool errors (`isError: true`) whose structured content
//!   carries the Mosaic error kind and `retry_after_ms`, never a secret.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use mosaic_mcp::McpServer;
//! use serde_json::json;
//!
//! let mosaic = mosaic::Mosaic::from_str(r#"
//!     [providers.forge]
//!     kind = "fake-git"
//!
//!     [mcp]
//!     allow = ["git.repository.create"]
//! "#)?;
//! let server = McpServer::new(mosaic);
//! let names: Vec<String> = server.tools().into_iter().map(|t| t.name.into_owned()).collect();
//! assert!(names.contains(&"git_repository_get".to_owned()));
//! assert!(names.contains(&"git_repository_create".to_owned()));
//! assert!(!names.contains(&"git_repository_delete".to_owned()));
//!
//! let args = json!({ "owner": "acme", "name": "tools", "visibility": "private", "auto_init": true });
//! let created = server.call("git_repository_create", args.as_object().cloned()).await.unwrap();
//! assert_eq!(created.structured_content.unwrap()["full_name"], "acme/tools");
//!
//! let refused = server.call("git_repository_delete", None).await.unwrap();
//! assert_eq!(refused.is_error, Some(true));
//! # Ok::<(), mosaic::Error>(()) }).unwrap();
//! ```
//!
//! Serving it: `McpServer::new(Mosaic::from_path("mosaic.toml")?).serve_stdio().await`,
//! or, being an [`rmcp::ServerHandler`], `rmcp::ServiceExt::serve` over any
//! rmcp transport.

mod catalog;
mod dispatch;
mod http;
mod policy;
mod result;
mod server;

pub use catalog::{Catalog, ToolSpec, tool_name};
pub use http::{HttpOptions, HttpServer};
pub use policy::{DESTRUCTIVE_VERBS, Decision, Policy, is_destructive};
pub use server::McpServer;

/// The MCP SDK this crate is built on.
pub use rmcp;
