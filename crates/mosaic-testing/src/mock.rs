//! [`mockall`] mocks of every provider trait, for tests that want to set
//! expectations call by call rather than use a stateful fake.
//!
//! They are generated in `mosaic-core` (feature `mock`, which this crate
//! turns on) and re-exported here together with `mockall` itself, so
//! `mosaic_testing::mock::mockall::predicate::*` is at hand.
//!
//! ```
//! use mosaic_core::git::{GitClient, GitProvider, GitService, RepoRef, Repository};
//! use mosaic_testing::mock::{MockGitProvider, mockall::predicate::eq};
//!
//! # futures::executor::block_on(async {
//! let mut forge = MockGitProvider::new();
//! forge
//!     .expect_get_repository()
//!     .with(eq(RepoRef::new("acme", "tools")))
//!     .times(1)
//!     .returning(|r| Ok(Repository { full_name: r.full_name(), ..Default::default() }));
//! // through the tower bridge, as a host's stack would call it
//! let git = GitClient::new(GitService::new(forge));
//! let repo = git.get_repository(RepoRef::new("acme", "tools")).await?;
//! assert_eq!(repo.full_name, "acme/tools");
//! # Ok::<(), mosaic_core::Error>(())
//! # }).unwrap();
//! ```

pub use mockall;
pub use mosaic_core::ai::MockAiProvider;
pub use mosaic_core::cicd::MockCiCdProvider;
pub use mosaic_core::git::MockGitProvider;
pub use mosaic_core::kb::MockKnowledgeBaseProvider;
pub use mosaic_core::project::MockProjectProvider;
pub use mosaic_core::workflow::MockWorkflowProvider;
