//! # mosaic-core
//!
//! The vocabulary every other Mosaic crate speaks.
//!
//! * [`Error`] and [`ErrorKind`]: one error type for the whole SDK.
//! * [`Request`] and [`RequestContext`]: an operation plus who asks and until when.
//! * [`Operation`]: what middleware reads from any request (name, read or
//!   write, idempotency, subject, cache key, invalidation tags).
//! * Six provider families, each with domain types, a trait, a request and
//!   a response enum, and two bridges: `XService::new(provider)` turns a
//!   provider into a `tower::Service`, `XClient::new(service)` turns any
//!   such service — with whatever layers around it — back into the trait.
//!   [`git`], [`cicd`], [`ai`], [`kb`], [`workflow`], [`project`].
//! * [`page`]: [`Page`] of results and a stream over all pages.
//!
//! ```
//! use mosaic_core::git::{CreateRepository, GitClient, GitProvider, GitService, Repository, GitOp};
//! use mosaic_core::{Capabilities, Result};
//!
//! /// A provider that only creates repositories.
//! struct Minimal;
//!
//! #[async_trait::async_trait]
//! impl GitProvider for Minimal {
//!     fn capabilities(&self) -> Capabilities {
//!         Capabilities::of([GitOp::CreateRepository])
//!     }
//!     async fn create_repository(&self, p: CreateRepository) -> Result<Repository> {
//!         Ok(Repository { full_name: format!("me/{}", p.name), name: p.name, ..Default::default() })
//!     }
//! }
//!
//! # futures::executor::block_on(async {
//! // provider → tower::Service → (layers would go here) → provider again
//! let git = GitClient::new(GitService::new(Minimal));
//! let repo = git.create_repository(CreateRepository::new("tools")).await?;
//! assert_eq!(repo.full_name, "me/tools");
//! // what the provider does not offer is an error, never a fake success
//! let err = git.get_repository(mosaic_core::git::RepoRef::new("me", "tools")).await.unwrap_err();
//! assert!(err.is_unsupported());
//! # Ok::<(), mosaic_core::Error>(())
//! # }).unwrap();
//! ```

pub mod context;
pub mod error;
pub mod family;
pub mod hashing;
pub mod operation;
pub mod page;
mod secret;

#[cfg_attr(any(test, feature = "mock"), allow(missing_debug_implementations))] // mockall's mocks
pub mod ai;
#[cfg_attr(any(test, feature = "mock"), allow(missing_debug_implementations))] // mockall's mocks
pub mod cicd;
#[cfg_attr(any(test, feature = "mock"), allow(missing_debug_implementations))] // mockall's mocks
pub mod git;
#[cfg_attr(any(test, feature = "mock"), allow(missing_debug_implementations))] // mockall's mocks
pub mod kb;
#[cfg_attr(any(test, feature = "mock"), allow(missing_debug_implementations))] // mockall's mocks
pub mod project;
#[cfg_attr(any(test, feature = "mock"), allow(missing_debug_implementations))] // mockall's mocks
pub mod workflow;

pub use context::{Request, RequestContext, RequestId};
pub use error::{Attempt, Error, ErrorKind, FieldError, Result, redact};
pub use family::{Response, Served};
pub use operation::{Access, Capabilities, Family, OpKind, OpMeta, Operation};
pub use page::{Cursor, Page, PageRequest, Paginated};
pub use secret::Secret;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod testing {
    use proptest::prelude::*;

    /// Small JSON values for property tests.
    pub(crate) fn arb_json() -> impl Strategy<Value = serde_json::Value> {
        prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            "[a-z ]{0,12}".prop_map(serde_json::Value::from),
        ]
    }
}
