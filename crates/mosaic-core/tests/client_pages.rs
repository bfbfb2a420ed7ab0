//! Walking a listing from a family client: `pages`, `all` and
//! `collect_all` over a provider with 25 pull requests served 10 a page.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::{StreamExt, TryStreamExt, future};
use mosaic_core::git::{
    GitClient, GitOp, GitProvider, GitRequest, GitResponse, GitService, ListPullRequests,
    PullRequest, RepoRef, Repository,
};
use mosaic_core::page::ListOperation;
use mosaic_core::{Capabilities, Cursor, ErrorKind, OpKind, Page, PageRequest, Request, Result};
use tower::util::BoxCloneSyncService;

/// A forge whose one repository has 25 pull requests, `#1` … `#25`.
#[derive(Default)]
struct Forge {
    /// How many pages were asked for.
    fetches: AtomicUsize,
    /// The cursor whose page fails (with `Unavailable`).
    fail_at: Option<&'static str>,
    /// Answer every page with the cursor it was asked for.
    stuck: bool,
}

#[async_trait::async_trait]
impl GitProvider for Forge {
    fn capabilities(&self) -> Capabilities {
        Capabilities::of([GitOp::ListPullRequests])
    }

    async fn list_pull_requests(&self, p: ListPullRequests) -> Result<Page<PullRequest>> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        let cursor = p.page.cursor.as_ref().map(Cursor::as_str);
        if cursor.is_some() && cursor == self.fail_at {
            return Err(mosaic_core::Error::unavailable("the forge is down"));
        }
        let all: Vec<PullRequest> = (1..=25)
            .map(|n| PullRequest {
                number: n,
                title: format!("change {n}"),
                ..Default::default()
            })
            .collect();
        let mut page = Page::slice(all, &p.page, 30)?;
        if self.stuck {
            page.next = Some(p.page.cursor.unwrap_or(Cursor::new("0")));
        }
        Ok(page)
    }
}

fn list(per_page: u32) -> ListPullRequests {
    ListPullRequests {
        repo: RepoRef::new("acme", "web"),
        page: PageRequest::with_size(per_page),
        ..Default::default()
    }
}

fn client(forge: &Arc<Forge>) -> GitClient<GitService<Forge>> {
    GitClient::new(GitService::from_arc(forge.clone()))
}

fn numbers(prs: &[PullRequest]) -> Vec<u64> {
    prs.iter().map(|pr| pr.number).collect()
}

#[tokio::test]
async fn pages_are_fetched_one_call_each_until_the_last() {
    let forge = Arc::new(Forge::default());
    let git = client(&forge);
    let pages: Vec<Page<PullRequest>> = git.pages(list(10)).try_collect().await.unwrap();
    let sizes: Vec<usize> = pages.iter().map(|p| p.items.len()).collect();
    assert_eq!(sizes, [10, 10, 5]);
    assert_eq!(pages[0].next, Some(Cursor::new("10")));
    assert_eq!(pages[2].next, None);
    assert_eq!(pages[2].total, Some(25));
    assert_eq!(forge.fetches.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn all_yields_every_item_in_order() {
    let forge = Arc::new(Forge::default());
    let git = client(&forge);
    let prs: Vec<PullRequest> = git.all(list(10)).try_collect().await.unwrap();
    assert_eq!(numbers(&prs), (1..=25).collect::<Vec<_>>());
    // the provider's default page size: one page
    let prs: Vec<PullRequest> = git
        .all(ListPullRequests {
            repo: RepoRef::new("acme", "web"),
            ..Default::default()
        })
        .try_collect()
        .await
        .unwrap();
    assert_eq!(prs.len(), 25);
    assert_eq!(forge.fetches.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn collect_all_stops_at_the_limit_without_fetching_further() {
    let forge = Arc::new(Forge::default());
    let git = client(&forge);
    let prs = git.collect_all(list(10), 12).await.unwrap();
    assert_eq!(numbers(&prs), (1..=12).collect::<Vec<_>>());
    assert_eq!(
        forge.fetches.load(Ordering::SeqCst),
        2,
        "the third page is never asked for"
    );

    forge.fetches.store(0, Ordering::SeqCst);
    let prs = git.collect_all(list(10), 10).await.unwrap();
    assert_eq!(prs.len(), 10);
    assert_eq!(
        forge.fetches.load(Ordering::SeqCst),
        1,
        "a full first page is enough"
    );

    forge.fetches.store(0, Ordering::SeqCst);
    assert!(git.collect_all(list(10), 0).await.unwrap().is_empty());
    assert_eq!(forge.fetches.load(Ordering::SeqCst), 0);

    let prs = git.collect_all(list(10), usize::MAX).await.unwrap();
    assert_eq!(prs.len(), 25);
    assert_eq!(forge.fetches.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn an_error_on_the_second_page_surfaces_and_ends_the_walk() {
    let forge = Arc::new(Forge {
        fail_at: Some("10"),
        ..Default::default()
    });
    let git = client(&forge);

    let pages: Vec<Result<Page<PullRequest>>> = git.pages(list(10)).collect().await;
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].as_ref().unwrap().items.len(), 10);
    let err = pages[1].as_ref().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);

    let items: Vec<Result<PullRequest>> = git.all(list(10)).collect().await;
    assert_eq!(items.len(), 11);
    assert!(items[..10].iter().all(Result::is_ok));
    assert_eq!(
        items[10].as_ref().unwrap_err().kind(),
        ErrorKind::Unavailable
    );

    let err = git.collect_all(list(10), 20).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    // within the first page, the failing one is never reached
    assert_eq!(git.collect_all(list(10), 5).await.unwrap().len(), 5);
}

#[tokio::test]
async fn a_cursor_that_does_not_advance_is_an_error_not_a_loop() {
    let forge = Arc::new(Forge {
        stuck: true,
        ..Default::default()
    });
    let git = client(&forge);
    let pages: Vec<Result<Page<PullRequest>>> = git.pages(list(10)).collect().await;
    assert_eq!(pages.len(), 2);
    let err = pages[1].as_ref().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Internal);
    assert!(err.to_string().contains("did not advance"), "{err}");
    assert_eq!(forge.fetches.load(Ordering::SeqCst), 2);
}

/// Titles of the pull requests whose title contains `needle`: a caller
/// borrowing both the client and a local, with nothing `'static`.
async fn titles_with<S>(git: &GitClient<S>, needle: &str) -> Result<Vec<String>>
where
    S: tower::Service<Request<GitRequest>, Response = GitResponse, Error = mosaic_core::Error>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send,
{
    git.all(list(7))
        .try_filter(|pr| future::ready(pr.title.contains(needle)))
        .map_ok(|pr| pr.title)
        .try_collect()
        .await
}

#[tokio::test]
async fn a_caller_may_borrow_locals() {
    let forge = Arc::new(Forge::default());
    let git = client(&forge);
    let needle = String::from("change 2");
    let titles = titles_with(&git, &needle).await.unwrap();
    assert_eq!(titles.len(), 7, "{titles:?}"); // 2, 20 … 25
    assert_eq!(forge.fetches.load(Ordering::SeqCst), 4);

    // a stream held across awaits, borrowing a local client
    let local = client(&forge);
    let mut stream = std::pin::pin!(local.pages(list(20)));
    let first = stream.try_next().await.unwrap().unwrap();
    let second = stream.try_next().await.unwrap().unwrap();
    assert!(stream.try_next().await.unwrap().is_none());
    assert_eq!(first.items.len() + second.items.len(), 25);
}

#[tokio::test]
async fn it_works_through_a_boxed_stack_and_a_shared_provider() {
    let forge = Arc::new(Forge::default());
    let shared: Arc<dyn GitProvider> = forge.clone();
    let stack = BoxCloneSyncService::new(
        tower::ServiceBuilder::new()
            .map_request(|req: Request<GitRequest>| req)
            .service(GitService::from_arc(shared)),
    );
    let git = GitClient::new(stack);
    let prs = git.collect_all(list(10), 25).await.unwrap();
    assert_eq!(numbers(&prs), (1..=25).collect::<Vec<_>>());
    let pages = git.pages(list(10)).try_collect::<Vec<_>>().await.unwrap();
    assert_eq!(pages.len(), 3);
    assert_eq!(forge.fetches.load(Ordering::SeqCst), 6);
}

#[tokio::test]
async fn a_stack_answering_another_operation_is_an_internal_error() {
    let stack = tower::service_fn(|_req: Request<GitRequest>| async {
        Ok::<_, mosaic_core::Error>(GitResponse::GetRepository(Repository::default()))
    });
    let git = GitClient::new(stack);
    let err = git.collect_all(list(10), 5).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Internal);
    assert!(err.to_string().contains("git.pull_request.list"), "{err}");
}

#[test]
fn a_list_operation_knows_its_request() {
    assert_eq!(
        <ListPullRequests as ListOperation>::NAME,
        OpKind::name(GitOp::ListPullRequests)
    );
    assert_eq!(list(10).into_request().kind(), GitOp::ListPullRequests);
}
