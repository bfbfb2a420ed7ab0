//! # mosaic
//!
//! One set of async traits for git forges, CI/CD systems, AI/LLM APIs,
//! knowledge bases, workflow engines and issue trackers, with routing,
//! failover, retries, circuit breaking, rate limiting and caching as
//! ordinary `tower` layers. This crate is the facade: it re-exports the
//! Mosaic crates under one name, offers a [`prelude`], and names the boxed
//! service type of each family ([`GitStack`], [`AiStack`], …) that hosts
//! put behind a router or a client.
//!
//! | module | crate | what it holds |
//! |---|---|---|
//! | [`core`] and the family modules [`git`], [`cicd`], [`ai`], [`kb`], [`workflow`], [`project`] | `mosaic-core` | errors, requests, operations, the families' types, traits and tower bridges |
//! | [`router`] | `mosaic-router` | the router and the retry, breaker, rate-limit, timeout, bulkhead and trace layers |
//! | [`cache`] | `mosaic-cache` | the cache layer and its stores |
//! | [`plugin`] | `mosaic-plugin-sdk` | manifests, configuration, permissions, the plugin host |
//! | [`providers`] | `mosaic-providers` | the HTTP adapters (one cargo feature each), webhooks, the catalog |
//! | `testing` (feature `testing`) | `mosaic-testing` | fakes, mocks, fault injection, conformance suites |
//!
//! Cargo features pass through: one per provider (`github`, `gitea`, …,
//! `jira`), `providers-full` for all of them, `redis` for the shared tiers,
//! `testing` for the test doubles, and `full` for everything.
//!
//! ```
//! use mosaic::prelude::*;
//! use mosaic::Capabilities;
//! use mosaic::git::{GitOp, RepoRef, Repository};
//!
//! /// A forge that knows one repository.
//! struct Forge;
//!
//! #[mosaic::async_trait]
//! impl GitProvider for Forge {
//!     fn capabilities(&self) -> Capabilities {
//!         Capabilities::of([GitOp::GetRepository])
//!     }
//!     async fn get_repository(&self, r: RepoRef) -> Result<Repository> {
//!         Ok(Repository { full_name: format!("{}/{}", r.owner, r.name), ..Default::default() })
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let stack: GitStack = GitStack::new(
//!     ServiceBuilder::new()
//!         .layer(TimeoutLayer::of(std::time::Duration::from_secs(5)))
//!         .service(GitService::new(Forge)),
//! );
//! let git = GitClient::new(stack);
//! let repo = git.get_repository(RepoRef::new("acme", "tools")).await?;
//! assert_eq!(repo.full_name, "acme/tools");
//! # Ok::<(), Error>(()) }).unwrap();
//! ```

pub use mosaic_core as core;
pub use mosaic_core::{
    Capabilities, Cursor, Error, ErrorKind, Family, Operation, Page, PageRequest, Request,
    RequestContext, Result, Secret,
};
pub use mosaic_core::{ai, cicd, git, kb, project, workflow};

pub mod config;
pub use config::{Mosaic, MosaicBuilder, MosaicConfig};

pub use mosaic_cache as cache;
pub use mosaic_plugin_sdk as plugin;
pub use mosaic_providers as providers;
pub use mosaic_router as router;
#[cfg(feature = "testing")]
pub use mosaic_testing as testing;
#[cfg(feature = "wasm")]
pub use mosaic_wasm as wasm;

/// The `async_trait` attribute the provider traits are declared with.
pub use async_trait::async_trait;

use tower::util::BoxCloneSyncService;

/// A boxed, cloneable, `Sync` git stack: what a router takes per provider
/// and what [`git::GitClient`] wraps.
pub type GitStack = BoxCloneSyncService<Request<git::GitRequest>, git::GitResponse, Error>;

/// A boxed CI/CD stack.
pub type CiCdStack = BoxCloneSyncService<Request<cicd::CiCdRequest>, cicd::CiCdResponse, Error>;

/// A boxed AI stack.
pub type AiStack = BoxCloneSyncService<Request<ai::AiRequest>, ai::AiResponse, Error>;

/// A boxed knowledge-base stack.
pub type KbStack = BoxCloneSyncService<Request<kb::KbRequest>, kb::KbResponse, Error>;

/// A boxed workflow-engine stack.
pub type WorkflowStack =
    BoxCloneSyncService<Request<workflow::WorkflowRequest>, workflow::WorkflowResponse, Error>;

/// A boxed issue-tracker stack.
pub type ProjectStack =
    BoxCloneSyncService<Request<project::ProjectRequest>, project::ProjectResponse, Error>;

/// What most hosts import: the error and result types, the six families'
/// traits, services, clients and boxed stacks, the paging types, the
/// router and its layers, the cache layer, and `tower::ServiceBuilder`.
///
/// The prelude holds no family's parameter or domain types. Those stay in
/// the family modules ([`git`], [`project`], …), where a name can mean
/// different things in different families: `git::CreateIssue` opens an
/// issue on a forge, `project::CreateIssue` one in an issue tracker. So
/// no name of the prelude clashes with a name of any family module:
/// glob-import the prelude next to one family's glob, and name the types
/// of the others through their modules.
///
/// ```
/// use mosaic::prelude::*;
/// use mosaic::git::*; // one family's glob beside the prelude
/// use mosaic::project; // the other family through its module
///
/// /// File `title` on the forge and in the tracker.
/// async fn report(
///     forge: &impl GitProvider,
///     tracker: &impl ProjectProvider,
///     title: &str,
/// ) -> Result<(Issue, project::Issue)> {
///     let on_forge = forge
///         .create_issue(CreateIssue {
///             repo: RepoRef::new("acme", "web"),
///             title: title.into(),
///             ..Default::default()
///         })
///         .await?;
///     let tracked = tracker
///         .create_issue(project::CreateIssue {
///             project_id: "WEB".into(),
///             title: title.into(),
///             ..Default::default()
///         })
///         .await?;
///     Ok((on_forge, tracked))
/// }
///
/// struct Forge;
/// #[mosaic::async_trait]
/// impl GitProvider for Forge {
///     fn capabilities(&self) -> Capabilities {
///         Capabilities::of([GitOp::CreateIssue])
///     }
///     async fn create_issue(&self, p: CreateIssue) -> Result<Issue> {
///         Ok(Issue { number: 7, title: p.title, ..Default::default() })
///     }
/// }
///
/// struct Tracker;
/// #[mosaic::async_trait]
/// impl ProjectProvider for Tracker {
///     fn capabilities(&self) -> Capabilities {
///         Capabilities::of([project::ProjectOp::CreateIssue])
///     }
///     async fn create_issue(&self, p: project::CreateIssue) -> Result<project::Issue> {
///         Ok(project::Issue { key: format!("{}-1", p.project_id), title: p.title, ..Default::default() })
///     }
/// }
///
/// # futures::executor::block_on(async {
/// let forge = GitClient::new(GitStack::new(GitService::new(Forge)));
/// let tracker = ProjectClient::new(ProjectStack::new(ProjectService::new(Tracker)));
/// let (issue, ticket) = report(&forge, &tracker, "The build is red").await?;
/// assert_eq!((issue.number, ticket.key.as_str()), (7, "WEB-1"));
/// # Ok::<(), Error>(()) }).unwrap();
/// ```
pub mod prelude {
    pub use crate::{AiStack, CiCdStack, GitStack, KbStack, ProjectStack, WorkflowStack};
    pub use mosaic_cache::{CacheConfig, CacheLayer, MemoryStore};
    pub use mosaic_core::ai::{AiClient, AiProvider, AiService};
    pub use mosaic_core::cicd::{CiCdClient, CiCdProvider, CiCdService};
    pub use mosaic_core::git::{GitClient, GitProvider, GitService};
    pub use mosaic_core::kb::{KbClient, KbService, KnowledgeBaseProvider};
    pub use mosaic_core::project::{ProjectClient, ProjectProvider, ProjectService};
    pub use mosaic_core::workflow::{WorkflowClient, WorkflowProvider, WorkflowService};
    pub use mosaic_core::{
        Capabilities, Cursor, Error, ErrorKind, Page, PageRequest, Request, RequestContext, Result,
    };
    pub use mosaic_router::{
        BulkheadLayer, CircuitBreakerConfig, CircuitBreakerLayer, Provider, RateLimitLayer,
        RetryConfig, RetryLayer, Router, Rule, Strategy, TimeoutConfig, TimeoutLayer, TraceLayer,
    };
    pub use tower::ServiceBuilder;
}

/// The README's Rust blocks (its recipes) compiled and run as doc-tests.
#[cfg(all(doctest, feature = "testing"))]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
