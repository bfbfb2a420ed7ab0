//! # mosaic-testing
//!
//! Test doubles for hosts that embed Mosaic, and the reference behaviour
//! every provider is held to.
//!
//! * **Fakes** ([`fake`]): stateful in-memory providers for all six
//!   families — [`FakeGit`], [`FakeCiCd`], [`FakeAi`],
//!   [`FakeKnowledgeBase`], [`FakeWorkflow`], [`FakeProject`]. They behave
//!   like small real providers (validation, conflicts, `NotFound` after
//!   delete, pagination, pipelines and executions that run on tokio time),
//!   can be seeded, record every call, and fail on demand.
//! * **Mocks** ([`mock`]): the `mockall` mocks of every provider trait.
//! * **Faults** ([`FaultLayer`]): a tower layer injecting latency, errors of
//!   any kind, rate limits with `retry_after`, timeouts, hangs and panics —
//!   per operation or at random, deterministic under a seed, counted.
//! * **Conformance suites** ([`conformance`]): the checks any implementation
//!   of a provider trait must pass; the fakes pass them.
//! * **Clock helpers** ([`clock`]) for paused tokio time, and
//!   [`RedisServer`], a real `redis-server` for cache and rate-limit tests.
//!
//! ## Testing your orchestrator with a fake and a fault layer
//!
//! The host code below releases a repository: it writes a changelog on a
//! branch, opens a pull request, merges it and tags the result, retrying
//! what is retryable. The test runs it against a [`FakeGit`] behind a
//! [`FaultLayer`] that makes the first merge fail as if the forge were
//! down and rate-limits the first file write, then checks what the host did
//! and what the fake ended up holding. Time is paused, so the host's
//! backoff costs no real time.
//!
//! ```
//! use std::time::Duration;
//! use mosaic_core::git::*;
//! use mosaic_core::{ErrorKind, Result};
//!
//! // ----- host code under test -----
//! async fn with_retry<T, F, Fut>(mut call: F) -> Result<T>
//! where
//!     F: FnMut() -> Fut,
//!     Fut: std::future::Future<Output = Result<T>>,
//! {
//!     let mut attempt = 0;
//!     loop {
//!         match call().await {
//!             Err(e) if e.is_retryable() && attempt < 3 => {
//!                 attempt += 1;
//!                 let wait = e.retry_after().unwrap_or(Duration::from_millis(100 << attempt));
//!                 tokio::time::sleep(wait).await;
//!             }
//!             other => return other,
//!         }
//!     }
//! }
//!
//! async fn release(git: &impl GitProvider, repo: &RepoRef, version: &str) -> Result<Tag> {
//!     let branch = format!("release-{version}");
//!     git.create_branch(CreateBranch { repo: repo.clone(), name: branch.clone(), from: "main".into() }).await?;
//!     with_retry(|| git.create_file(WriteFile {
//!         repo: repo.clone(),
//!         path: "CHANGELOG.md".into(),
//!         content: format!("# {version}\n").into_bytes(),
//!         message: format!("changelog for {version}"),
//!         branch: Some(branch.clone()),
//!         sha: None,
//!     })).await?;
//!     let pr = git.create_pull_request(CreatePullRequest {
//!         repo: repo.clone(),
//!         title: format!("Release {version}"),
//!         head: branch.clone(),
//!         base: "main".into(),
//!         ..Default::default()
//!     }).await?;
//!     let merged = with_retry(|| git.merge_pull_request(MergePullRequest {
//!         repo: repo.clone(),
//!         number: pr.number,
//!         method: MergeMethod::Squash,
//!         ..Default::default()
//!     })).await?;
//!     git.create_tag(CreateTag {
//!         repo: repo.clone(),
//!         name: version.into(),
//!         target: merged.sha.unwrap_or_else(|| "main".into()),
//!         message: None,
//!     }).await
//! }
//!
//! // ----- the test -----
//! use mosaic_testing::{FakeGit, FaultLayer, FaultRule};
//! use tower::Layer;
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
//! let fake = FakeGit::new();
//! fake.seed_repository("acme/tools").create()?;
//! let faults = FaultLayer::new(42).rules([
//!     FaultRule::error(ErrorKind::Unavailable).on("git.pull_request.merge").first(1),
//!     FaultRule::rate_limited(Some(Duration::from_secs(2))).on("git.file.*").first(1),
//! ]);
//! // the same stack shape as production: a client over layered services
//! let git = GitClient::new(faults.layer(GitService::new(fake.clone())));
//!
//! let repo = RepoRef::new("acme", "tools");
//! let tag = release(&git, &repo, "v1.2.0").await?;
//!
//! // what the host did: it rode out both faults
//! let stats = faults.handle().stats();
//! assert_eq!(stats.errors(ErrorKind::Unavailable), 1);
//! assert_eq!(stats.errors(ErrorKind::RateLimited), 1);
//! assert_eq!(fake.call_count(GitOp::MergePullRequest), 1); // the failed try never reached it
//! // what the forge holds now
//! assert_eq!(fake.file(&repo, None, "CHANGELOG.md").unwrap(), b"# v1.2.0\n");
//! assert_eq!(fake.branch_head(&repo, "main"), Some(tag.sha));
//! assert_eq!(fake.pull_request(&repo, 1).unwrap().state, PullRequestState::Merged);
//! # Ok::<(), mosaic_core::Error>(())
//! # }).unwrap();
//! ```
//!
//! ## Conformance
//!
//! ```
//! use mosaic_testing::{conformance, FakeGit};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
//! let report = conformance::git::run(&FakeGit::new(), &Default::default()).await;
//! report.assert_passed();
//! # });
//! ```

pub mod ai_gateway_server;
pub mod clock;
pub mod conformance;
#[cfg(feature = "http-double")]
pub mod double;
pub mod fake;
pub mod fault;
pub mod mock;
pub mod n8n_server;
pub mod redis_server;
mod server_process;

pub use ai_gateway_server::AiGatewayServer;
pub use fake::{
    AiReply, Call, FakeAi, FakeCiCd, FakeGit, FakeKnowledgeBase, FakeProject, FakeWorkflow,
    JobPlan, PipelinePlan,
};
pub use fault::{Fault, FaultHandle, FaultKind, FaultLayer, FaultRule, FaultService, FaultStats};
pub use n8n_server::N8nServer;
pub use redis_server::RedisServer;
pub use server_process::SERVERS_DIR_ENV;
