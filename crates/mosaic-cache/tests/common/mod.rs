//! A small stateful forge for the cache tests: it counts its calls, can be
//! told to fail or to take time, and keeps repositories and branches so that
//! a test can tell a fresh answer from an old one.

#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use mosaic_core::git::{
    Branch, BranchRef, CreateBranch, CreateRepository, GitOp, GitProvider, GitRequest, GitResponse,
    ListBranches, RepoRef, Repository, UpdateRepository,
};
use mosaic_core::{Capabilities, Error, Page, Request, RequestContext, Result};
use parking_lot::Mutex;

#[derive(Default)]
pub struct ForgeState {
    pub repos: HashMap<String, Repository>,
    pub branches: HashMap<String, Vec<Branch>>,
    /// Every call fails with this error while set.
    pub fail: Option<Error>,
    /// Every call takes this long (tokio time) while set.
    pub delay: Option<Duration>,
    /// Reads take this long instead, while set.
    pub read_delay: Option<Duration>,
}

/// A counting in-memory forge (cheap to clone; clones share state).
#[derive(Clone, Default)]
pub struct Forge {
    pub state: Arc<Mutex<ForgeState>>,
    pub calls: Arc<AtomicUsize>,
    pub reads: Arc<AtomicUsize>,
}

impl Forge {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_repo(self, owner: &str, name: &str, description: &str) -> Self {
        self.put_repo(owner, name, description);
        self
    }

    pub fn put_repo(&self, owner: &str, name: &str, description: &str) {
        let full = format!("{owner}/{name}");
        self.state.lock().repos.insert(
            full.clone(),
            Repository {
                id: full.clone(),
                owner: owner.into(),
                name: name.into(),
                full_name: full,
                description: Some(description.into()),
                ..Default::default()
            },
        );
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    pub fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }

    pub fn fail_with(&self, error: Option<Error>) {
        self.state.lock().fail = error;
    }

    pub fn set_delay(&self, delay: Option<Duration>) {
        self.state.lock().delay = delay;
    }

    pub fn set_read_delay(&self, delay: Option<Duration>) {
        self.state.lock().read_delay = delay;
    }

    /// Count the call and fail it if told to. The answer is computed at
    /// once (the server's state when the request arrives) and delivered
    /// after the delay (see `deliver`).
    fn enter(&self, read: bool) -> Result<()> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if read {
            self.reads.fetch_add(1, Ordering::SeqCst);
        }
        match self.state.lock().fail.clone() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    async fn deliver<T>(&self, read: bool, answer: Result<T>) -> Result<T> {
        let delay = {
            let s = self.state.lock();
            if read {
                s.read_delay.or(s.delay)
            } else {
                s.delay
            }
        };
        if let Some(d) = delay {
            tokio::time::sleep(d).await;
        }
        answer
    }
}

#[async_trait::async_trait]
impl GitProvider for Forge {
    fn capabilities(&self) -> Capabilities {
        Capabilities::of([
            GitOp::CreateRepository,
            GitOp::GetRepository,
            GitOp::UpdateRepository,
            GitOp::CreateBranch,
            GitOp::ListBranches,
            GitOp::GetBranch,
        ])
    }

    async fn create_repository(&self, p: CreateRepository) -> Result<Repository> {
        let answer = (|| -> Result<Repository> {
            self.enter(false)?;
            let full = format!("me/{}", p.name);
            let repo = Repository {
                id: full.clone(),
                owner: "me".into(),
                name: p.name,
                full_name: full.clone(),
                ..Default::default()
            };
            self.state.lock().repos.insert(full, repo.clone());
            Ok(repo)
        })();
        self.deliver(false, answer).await
    }

    async fn get_repository(&self, r: RepoRef) -> Result<Repository> {
        let answer = (|| -> Result<Repository> {
            self.enter(true)?;
            let full = format!("{}/{}", r.owner, r.name);
            self.state
                .lock()
                .repos
                .get(&full)
                .cloned()
                .ok_or_else(|| Error::not_found(format!("repository {full}")))
        })();
        self.deliver(true, answer).await
    }

    async fn update_repository(&self, p: UpdateRepository) -> Result<Repository> {
        let answer = (|| -> Result<Repository> {
            self.enter(false)?;
            let full = format!("{}/{}", p.repo.owner, p.repo.name);
            let mut s = self.state.lock();
            let repo = s
                .repos
                .get_mut(&full)
                .ok_or_else(|| Error::not_found(format!("repository {full}")))?;
            if let Some(d) = p.description {
                repo.description = Some(d);
            }
            Ok(repo.clone())
        })();
        self.deliver(false, answer).await
    }

    async fn create_branch(&self, p: CreateBranch) -> Result<Branch> {
        let answer = (|| -> Result<Branch> {
            self.enter(false)?;
            let full = format!("{}/{}", p.repo.owner, p.repo.name);
            let branch = Branch {
                name: p.name,
                commit_sha: p.from,
                protected: false,
            };
            self.state
                .lock()
                .branches
                .entry(full)
                .or_default()
                .push(branch.clone());
            Ok(branch)
        })();
        self.deliver(false, answer).await
    }

    async fn list_branches(&self, p: ListBranches) -> Result<Page<Branch>> {
        let answer = (|| -> Result<Page<Branch>> {
            self.enter(true)?;
            let full = format!("{}/{}", p.repo.owner, p.repo.name);
            let items = self
                .state
                .lock()
                .branches
                .get(&full)
                .cloned()
                .unwrap_or_default();
            Ok(Page::last(items))
        })();
        self.deliver(true, answer).await
    }

    async fn get_branch(&self, b: BranchRef) -> Result<Branch> {
        let answer = (|| -> Result<Branch> {
            self.enter(true)?;
            let full = format!("{}/{}", b.repo.owner, b.repo.name);
            self.state
                .lock()
                .branches
                .get(&full)
                .and_then(|bs| bs.iter().find(|x| x.name == b.branch).cloned())
                .ok_or_else(|| Error::not_found(format!("branch {}", b.branch)))
        })();
        self.deliver(true, answer).await
    }
}

pub fn get_repo(owner: &str, name: &str) -> GitRequest {
    GitRequest::GetRepository(RepoRef::new(owner, name))
}

pub fn list_branches(owner: &str, name: &str) -> GitRequest {
    GitRequest::ListBranches(ListBranches {
        repo: RepoRef::new(owner, name),
        page: Default::default(),
    })
}

pub fn create_branch(owner: &str, name: &str, branch: &str) -> GitRequest {
    GitRequest::CreateBranch(CreateBranch {
        repo: RepoRef::new(owner, name),
        name: branch.into(),
        from: "main".into(),
    })
}

pub fn update_description(owner: &str, name: &str, description: &str) -> GitRequest {
    GitRequest::UpdateRepository(UpdateRepository {
        repo: RepoRef::new(owner, name),
        description: Some(description.into()),
        ..Default::default()
    })
}

pub fn req(op: GitRequest) -> Request<GitRequest> {
    Request::with_context(RequestContext::new(), op)
}

pub fn req_for(tenant: &str, op: GitRequest) -> Request<GitRequest> {
    Request::with_context(RequestContext::new().with_tenant(tenant), op)
}

pub fn description(resp: &GitResponse) -> String {
    match resp {
        GitResponse::GetRepository(r) => r.description.clone().unwrap_or_default(),
        other => panic!("unexpected response {other:?}"),
    }
}

pub fn branch_names(resp: &GitResponse) -> Vec<String> {
    match resp {
        GitResponse::ListBranches(p) => p.items.iter().map(|b| b.name.clone()).collect(),
        other => panic!("unexpected response {other:?}"),
    }
}
