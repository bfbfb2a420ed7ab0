//! The shared HTTP transport every Mosaic provider adapter is built on.
//!
//! A [`Transport`] does the work common to all REST providers once:
//!
//! * **where**: a base URL for the cloud service or a self-hosted /
//!   enterprise instance; path prefixes such as `/api/v3` are kept
//!   ([`Transport::url`]);
//! * **who**: an [`Auth`] (bearer, `token` scheme, a custom header such as
//!   GitLab's `PRIVATE-TOKEN`, basic) or any [`Credentials`] source that
//!   mints short-lived tokens; secrets are [`mosaic_core::Secret`]s sent as
//!   *sensitive* header values and never appear in errors or logs;
//! * **how**: user agent, per-request timeout, JSON bodies in and out
//!   ([`json`]: decode errors name the JSON path that failed);
//! * **what went wrong**: every non-2xx answer becomes a
//!   [`mosaic_core::Error`] of the right [`ErrorKind`](mosaic_core::ErrorKind)
//!   ([`error`]), with `retry_after` taken from the rate-limit headers
//!   ([`rate_limit`]);
//! * **more pages**: `Link` headers and body cursors become
//!   [`mosaic_core::Cursor`]s and back ([`pagination`]).
//!
//! **The one send core.** Every provider request is built and sent here:
//! JSON ([`RequestSpec::send_json`]), any status for provider-specific
//! error bodies ([`RequestSpec::send_raw`]), streaming with an idle timeout
//! ([`RequestSpec::send_stream`]) and downloads that follow redirects to
//! storage hosts without credentials ([`RequestSpec::follow_redirects`]).
//! Requests leave through an allowlisted
//! [`HttpClient`](mosaic_plugin_sdk::HttpClient): a plugin's own (given with
//! [`TransportBuilder::egress`]), or one confined to the base URL's origin.
//! Scheme, host and port are checked on every request and every redirect
//! hop; no provider module builds a `reqwest` client or request itself.
//!
//! ```no_run
//! use mosaic_providers::http::{Auth, Transport};
//! use mosaic_core::Secret;
//!
//! # async fn demo() -> mosaic_core::Result<()> {
//! let http = Transport::builder("github", "https://ghe.example.com/api/v3")
//!     .auth(Auth::bearer(Secret::new("ghp_example")))
//!     .user_agent("my-host/1.0")
//!     .build()?;
//! let resp = http.get("/repos/octo/hello").send().await?;
//! let repo: serde_json::Value = resp.json()?;
//! # let _ = repo; Ok(()) }
//! ```

mod auth;
pub mod error;
pub mod json;
pub mod multipart;
pub mod pagination;
pub mod path;
pub mod rate_limit;
mod request;
mod response;
mod transport;

pub use auth::{Auth, Credentials};
pub use pagination::{PageBody, PageSize};
pub use request::{RequestSpec, StreamResponse};
pub use response::HttpResponse;
pub use transport::{DEFAULT_TIMEOUT, DEFAULT_USER_AGENT, Transport, TransportBuilder};

/// HTTP methods, re-exported for request building.
pub use reqwest::Method;
