//! # mosaic-router
//!
//! The orchestration middleware of Mosaic, as `tower` layers that work for
//! every provider family (any `tower::Service<Request<R>, Error =
//! mosaic_core::Error>` whose `R` is a family's request enum):
//!
//! * [`Router`] — rules on operation, subject, tenant, labels and read/write
//!   pick candidate providers and a [`Strategy`]; unhealthy or incapable
//!   providers are skipped; transient failures fail over to the next.
//! * [`RetryLayer`] — exponential backoff with jitter, `retry_after`
//!   honoured, a retry budget, never past the deadline.
//! * [`CircuitBreakerLayer`] — sliding-window failure and slow-call rates,
//!   open / half-open / closed, a shared handle and state-change events.
//! * [`RateLimitLayer`] — GCRA per provider (and per tenant), throw, queue
//!   or throttle; optionally shared across replicas through Redis.
//! * [`TimeoutLayer`] and [`BulkheadLayer`] — deadlines and concurrency caps.
//! * [`TraceLayer`] — a `tracing` span per request and `metrics` counters
//!   and latency histograms.
//!
//! Time is read from `tokio::time` (so tests run on paused time) and
//! randomness from a [`SeededRng`].
//!
//! ```
//! use std::time::Duration;
//! use mosaic_core::git::{GitOp, GitProvider, GitRequest, GitResponse, GitService, RepoRef, Repository};
//! use mosaic_core::{Capabilities, Error, Request, Result};
//! use mosaic_router::{CircuitBreakerConfig, CircuitBreakerLayer, RetryConfig, RetryLayer, Router, Rule};
//! use mosaic_router::router::Provider;
//! use tower::{Layer, ServiceBuilder, ServiceExt};
//!
//! /// A forge that knows one repository, or is down.
//! struct Forge { up: bool }
//!
//! #[async_trait::async_trait]
//! impl GitProvider for Forge {
//!     fn capabilities(&self) -> Capabilities { Capabilities::of([GitOp::GetRepository]) }
//!     async fn get_repository(&self, r: RepoRef) -> Result<Repository> {
//!         if !self.up { return Err(Error::unavailable("down")); }
//!         Ok(Repository { full_name: format!("{}/{}", r.owner, r.name), ..Default::default() })
//!     }
//! }
//!
//! # tokio_test_block_on(async {
//! let primary = CircuitBreakerLayer::new(CircuitBreakerConfig::new("primary"));
//! let router = Router::builder()
//!     .register(Provider::new("primary", primary.layer(GitService::new(Forge { up: false })))
//!         .health(primary.handle()))
//!     .register(Provider::new("backup", CircuitBreakerLayer::new(CircuitBreakerConfig::new("backup"))
//!         .layer(GitService::new(Forge { up: true }))))
//!     .rule(Rule::any().reads().to(["primary", "backup"]))
//!     .build()?;
//! let git = ServiceBuilder::new()
//!     .layer(RetryLayer::new(RetryConfig::default().base_delay(Duration::from_millis(1))))
//!     .service(router);
//!
//! let resp = git.oneshot(Request::new(GitRequest::GetRepository(RepoRef::new("acme", "tools")))).await?;
//! let GitResponse::GetRepository(repo) = resp else { unreachable!() };
//! assert_eq!(repo.full_name, "acme/tools"); // answered by the backup
//! # Ok::<(), Error>(())
//! # }).unwrap();
//! # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(f)
//! # }
//! ```

pub mod alias;
pub mod budget;
pub mod bulkhead;
pub mod circuit_breaker;
pub mod genai;
mod glob;
mod kinds;
pub mod rate_limit;
#[cfg(feature = "redis")]
mod redis_link;
pub mod retry;
mod rng;
pub mod router;
mod stripe;
pub mod timeout;
pub mod trace;

pub use alias::{ModelAlias, ModelAliasLayer, ModelAliases};
pub use budget::{
    Budget, BudgetConfig, BudgetEvent, BudgetLayer, BudgetLimit, BudgetStore, BudgetWindow,
    MemoryBudgetStore,
};
pub use bulkhead::{Bulkhead, BulkheadConfig, BulkheadLayer};
pub use circuit_breaker::{
    CircuitBreaker, CircuitBreakerConfig, CircuitBreakerHandle, CircuitBreakerLayer, CircuitState,
    SlidingWindow, StateChange,
};
pub use genai::{GenAiTrace, GenAiTraceLayer};
pub use glob::Glob;
pub use kinds::KindSet;
pub use rate_limit::{Quota, RateLimit, RateLimitConfig, RateLimitLayer, RateLimitMode};
pub use retry::{Backoff, Jitter, Retry, RetryBudget, RetryConfig, RetryLayer};
pub use rng::SeededRng;
pub use router::{Provider, Router, RouterBuilder, Rule, Strategy};
pub use timeout::{Timeout, TimeoutConfig, TimeoutLayer};
pub use trace::{Trace, TraceLayer};
