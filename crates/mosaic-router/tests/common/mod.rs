//! Helpers shared by the behaviour tests.
#![allow(dead_code, unreachable_pub)]

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use mosaic_core::git::{CreateRepository, GitRequest, GitResponse, GitService, RepoRef};
use mosaic_core::{Error, Request, RequestContext};
use mosaic_testing::{FakeGit, FaultLayer, FaultService};
use parking_lot::Mutex;
use tokio::time::Instant;
use tower::Layer;
use tower::util::BoxCloneSyncService;

/// The service type of closure-based test providers.
pub type BoxSvc = BoxCloneSyncService<Request<GitRequest>, GitResponse, Error>;

/// A fake forge behind a fault layer.
pub type Faulty = FaultService<GitService<FakeGit>>;

/// A fake forge named `name` holding `acme/tools`, behind `faults`.
pub fn faulty(name: &str, faults: &FaultLayer) -> (FakeGit, Faulty) {
    let fake = FakeGit::named(name);
    fake.seed_repository("acme/tools").create().unwrap();
    let svc = faults.layer(GitService::new(fake.clone()));
    (fake, svc)
}

/// `git.repository.get acme/tools`.
pub fn get_repo() -> Request<GitRequest> {
    Request::new(GitRequest::GetRepository(RepoRef::new("acme", "tools")))
}

/// `git.repository.get` on `owner/name` with a context.
pub fn get(owner: &str, name: &str, ctx: RequestContext) -> Request<GitRequest> {
    Request::with_context(ctx, GitRequest::GetRepository(RepoRef::new(owner, name)))
}

/// `git.repository.create` of `acme/<name>`.
pub fn create_repo(name: &str) -> Request<GitRequest> {
    Request::new(GitRequest::CreateRepository(
        CreateRepository::new(name).in_owner("acme"),
    ))
}

/// A provider answering every call with `answer(call number)`, counting calls
/// and recording when each arrived (tokio time).
#[derive(Clone, Default)]
pub struct Probe {
    pub calls: Arc<AtomicUsize>,
    pub times: Arc<Mutex<Vec<Instant>>>,
    pub contexts: Arc<Mutex<Vec<RequestContext>>>,
}

impl Probe {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn count(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    pub fn times(&self) -> Vec<Instant> {
        self.times.lock().clone()
    }

    /// A service whose `n`-th call (from 0) answers `answer(n)`.
    pub fn service<F>(&self, answer: F) -> BoxSvc
    where
        F: Fn(usize) -> Result<GitResponse, Error> + Clone + Send + Sync + 'static,
    {
        self.service_async(move |n| {
            let out = answer(n);
            async move { out }
        })
    }

    /// Like [`service`](Self::service) with an async answer.
    pub fn service_async<F, Fut>(&self, answer: F) -> BoxSvc
    where
        F: Fn(usize) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<GitResponse, Error>> + Send + 'static,
    {
        let probe = self.clone();
        BoxCloneSyncService::new(tower::service_fn(move |req: Request<GitRequest>| {
            let n = probe.calls.fetch_add(1, Ordering::SeqCst);
            probe.times.lock().push(Instant::now());
            probe.contexts.lock().push(req.context.clone());
            answer(n)
        }))
    }
}

/// A successful `GetRepository` answer naming `who`.
pub fn repo_from(who: &str) -> GitResponse {
    GitResponse::GetRepository(mosaic_core::git::Repository {
        full_name: who.to_owned(),
        ..Default::default()
    })
}

/// Who answered a `GetRepository` made with [`repo_from`].
pub fn who(resp: &GitResponse) -> &str {
    match resp {
        GitResponse::GetRepository(r) => &r.full_name,
        _ => "?",
    }
}
