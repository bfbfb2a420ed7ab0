//! Pagination: one [`Page`] of results, the [`PageRequest`] that asks for it,
//! and streams that walk every page.
//!
//! Cursors are opaque strings: a Link-header URL, a page number, or a
//! provider's `next_cursor`, whatever the adapter needs to fetch the next page.
//!
//! Hosts walk a listing from a family client: every client (`GitClient`,
//! `CiCdClient`, …) has [`pages`](crate::git::GitClient::pages) (a stream of
//! pages), [`all`](crate::git::GitClient::all) (a stream of items) and
//! [`collect_all`](crate::git::GitClient::collect_all) (items up to a limit)
//! for the parameters of any of its list operations (the [`ListOperation`]
//! types). Provider adapters and other code with a fetch function of their
//! own use [`paginate_pages`] and [`paginate`].

use std::future::Future;

use futures::stream::{self, Stream, StreamExt};
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// An opaque position in a listing, handed back to fetch the next page.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[serde(transparent)]
pub struct Cursor(pub String);

impl Cursor {
    /// A cursor from its string form.
    pub fn new(s: impl Into<String>) -> Self {
        Cursor(s.into())
    }

    /// The string form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Cursor {
    fn from(s: &str) -> Self {
        Cursor(s.to_owned())
    }
}

impl From<String> for Cursor {
    fn from(s: String) -> Self {
        Cursor(s)
    }
}

/// Which page to fetch and how large.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct PageRequest {
    /// Where to continue; `None` for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<Cursor>,
    /// Items per page; `None` for the provider's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_page: Option<u32>,
}

impl PageRequest {
    /// The first page with the provider's default size.
    pub fn first() -> Self {
        Self::default()
    }

    /// The first page with `per_page` items.
    pub fn with_size(per_page: u32) -> Self {
        PageRequest {
            cursor: None,
            per_page: Some(per_page),
        }
    }

    /// Items per page, falling back to `default` and clamped to `1..=max`.
    pub fn size_or(&self, default: u32, max: u32) -> u32 {
        self.per_page.unwrap_or(default).clamp(1, max.max(1))
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// The cursor of the next page; `None` on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Cursor>,
    /// The total number of items, when the provider reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            items: Vec::new(),
            next: None,
            total: None,
        }
    }
}

impl<T> Page<T> {
    /// A page of `items` followed by `next`.
    pub fn new(items: Vec<T>, next: Option<Cursor>) -> Self {
        Page {
            items,
            next,
            total: None,
        }
    }

    /// The last (or only) page.
    pub fn last(items: Vec<T>) -> Self {
        Self::new(items, None)
    }

    /// Set the total count.
    pub fn with_total(mut self, total: u64) -> Self {
        self.total = Some(total);
        self
    }

    /// Whether more pages follow.
    pub fn has_next(&self) -> bool {
        self.next.is_some()
    }

    /// Map every item.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
            total: self.total,
        }
    }

    /// Cut `items` (the whole, ordered listing) into the page `req` asks for,
    /// with offset cursors. In-memory providers use this; the cursor is the
    /// decimal offset of the next item.
    pub fn slice(items: Vec<T>, req: &PageRequest, default_size: u32) -> Result<Self> {
        let offset = match &req.cursor {
            None => 0,
            Some(c) => c.as_str().parse::<usize>().map_err(|_| {
                crate::Error::invalid_input(
                    "page.cursor",
                    format!("`{}` is not a cursor of this listing", c.as_str()),
                )
            })?,
        };
        let size = req.size_or(default_size, 1000) as usize;
        let total = items.len();
        let end = offset.saturating_add(size).min(total);
        let next = (end < total).then(|| Cursor(end.to_string()));
        let items: Vec<T> = items.into_iter().skip(offset).take(size).collect();
        Ok(Page::new(items, next).with_total(total as u64))
    }
}

/// List parameters that can be moved to another page.
pub trait Paginated: Clone {
    /// The page being asked for.
    fn page(&self) -> &PageRequest;
    /// Ask for another page.
    fn page_mut(&mut self) -> &mut PageRequest;
}

/// The parameters of one family's list operation: the request they make and
/// how to read the page it answers.
///
/// Implemented by `define_family!` for the parameters of every operation
/// whose output is a [`Page`] (`ListPullRequests`, `Search`, …), so each
/// such type belongs to exactly one list operation. Family clients take any
/// of them in `pages`, `all` and `collect_all`:
///
/// ```
/// use futures::TryStreamExt;
/// use mosaic_core::git::{Branch, GitClient, GitOp, GitProvider, GitService, ListBranches, RepoRef};
/// use mosaic_core::{Capabilities, Page, PageRequest, Result};
///
/// /// A forge with 25 branches, `b0` … `b24`.
/// struct Forge;
///
/// #[async_trait::async_trait]
/// impl GitProvider for Forge {
///     fn capabilities(&self) -> Capabilities {
///         Capabilities::of([GitOp::ListBranches])
///     }
///     async fn list_branches(&self, p: ListBranches) -> Result<Page<Branch>> {
///         let all = (0..25).map(|i| Branch { name: format!("b{i}"), ..Default::default() });
///         Page::slice(all.collect(), &p.page, 10)
///     }
/// }
///
/// # futures::executor::block_on(async {
/// let git = GitClient::new(GitService::new(Forge));
/// let list = ListBranches { repo: RepoRef::new("acme", "tools"), page: PageRequest::with_size(10) };
/// // three requests, one per page
/// let pages: Vec<Page<Branch>> = git.pages(list.clone()).try_collect().await?;
/// assert_eq!(pages.len(), 3);
/// // the items of every page, in order
/// let names: Vec<String> = git.all(list.clone()).map_ok(|b| b.name).try_collect().await?;
/// assert_eq!(names.len(), 25);
/// // at most 12 items: the third page is never asked for
/// let first = git.collect_all(list, 12).await?;
/// assert_eq!(first.last().map(|b| b.name.as_str()), Some("b11"));
/// # Ok::<(), mosaic_core::Error>(())
/// # }).unwrap();
/// ```
pub trait ListOperation: Paginated {
    /// The family's request enum.
    type Request;
    /// The family's response enum.
    type Response;
    /// What the listing lists.
    type Item;
    /// The operation's name (`"git.branch.list"`).
    const NAME: &'static str;

    /// The call of the list operation with these parameters.
    fn into_request(self) -> Self::Request;

    /// The page `response` carries; an `Internal` error if it answers
    /// another operation.
    fn into_page(response: Self::Response) -> Result<Page<Self::Item>>;
}

/// Implements [`Paginated`] for list-parameter structs with a `page` field.
macro_rules! paginated {
    ($($t:ty),+ $(,)?) => {$(
        impl $crate::page::Paginated for $t {
            fn page(&self) -> &$crate::page::PageRequest { &self.page }
            fn page_mut(&mut self) -> &mut $crate::page::PageRequest { &mut self.page }
        }
    )+};
}
pub(crate) use paginated;

/// A stream of every page of a listing, fetched lazily one at a time.
///
/// `fetch` is called with `params` first as given, then moved to each
/// page's `next` cursor in turn; the stream ends after the page without a
/// `next` cursor, or after the first error (which is yielded). A provider
/// that hands back the cursor it was given is stopped with an `Internal`
/// error (yielded instead of that page) rather than looping forever.
///
/// Nothing needs to be `'static`: `fetch` may borrow a client or any local.
pub fn paginate_pages<P, T, F, Fut>(
    params: P,
    fetch: F,
) -> impl Stream<Item = Result<Page<T>>> + Send
where
    P: Paginated + Send,
    T: Send,
    F: FnMut(P) -> Fut + Send,
    Fut: Future<Output = Result<Page<T>>> + Send,
{
    struct State<P, F> {
        params: Option<P>,
        fetch: F,
    }
    stream::unfold(
        State {
            params: Some(params),
            fetch,
        },
        |mut st| async move {
            let params = st.params.take()?;
            let asked = params.page().cursor.clone();
            let page = match (st.fetch)(params.clone()).await {
                Ok(page) => page,
                Err(e) => return Some((Err(e), st)),
            };
            if let Some(next) = &page.next {
                if Some(next) == asked.as_ref() {
                    let err = crate::Error::internal(format!(
                        "pagination did not advance: cursor `{}` was returned for itself",
                        next.as_str()
                    ));
                    return Some((Err(err), st));
                }
                let mut p = params;
                p.page_mut().cursor = Some(next.clone());
                st.params = Some(p);
            }
            Some((Ok(page), st))
        },
    )
}

/// A stream of every item of every page, fetched lazily one page at a time.
///
/// The items of [`paginate_pages`], in order: `fetch` is called with
/// `params` moved to each page's cursor in turn; the stream ends after the
/// page without a `next` cursor, or after the first error (which is
/// yielded). A provider that hands back the cursor it was given is stopped
/// with an `Internal` error rather than looping forever. A consumer that
/// stops early (`take`) causes no further fetches.
///
/// ```
/// use futures::StreamExt;
/// use mosaic_core::page::{paginate, Page, PageRequest, Paginated};
///
/// #[derive(Clone, Default)]
/// struct List { page: PageRequest }
/// impl Paginated for List {
///     fn page(&self) -> &PageRequest { &self.page }
///     fn page_mut(&mut self) -> &mut PageRequest { &mut self.page }
/// }
///
/// # tokio_test_block_on(async {
/// let all: Vec<u32> = (0..25).collect();
/// let items: Vec<u32> = paginate(List { page: PageRequest::with_size(10) }, |p: List| {
///     let page = Page::slice(all.clone(), p.page(), 10);
///     async move { page }
/// })
/// .map(|r| r.unwrap())
/// .collect()
/// .await;
/// assert_eq!(items, (0..25).collect::<Vec<_>>());
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output { futures::executor::block_on(f) }
/// ```
pub fn paginate<P, T, F, Fut>(params: P, fetch: F) -> impl Stream<Item = Result<T>> + Send
where
    P: Paginated + Send,
    T: Send,
    F: FnMut(P) -> Fut + Send,
    Fut: Future<Output = Result<Page<T>>> + Send,
{
    paginate_pages(params, fetch).flat_map(|page| {
        let items: Vec<Result<T>> = match page {
            Ok(page) => page.items.into_iter().map(Ok).collect(),
            Err(e) => vec![Err(e)],
        };
        stream::iter(items)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct L {
        page: PageRequest,
    }
    impl Paginated for L {
        fn page(&self) -> &PageRequest {
            &self.page
        }
        fn page_mut(&mut self) -> &mut PageRequest {
            &mut self.page
        }
    }

    #[tokio::test]
    async fn walks_every_item_once() {
        for n in [0usize, 1, 9, 10, 11, 30, 31] {
            let all: Vec<usize> = (0..n).collect();
            let got: Vec<usize> = paginate(
                L {
                    page: PageRequest::with_size(10),
                },
                move |p: L| {
                    let all = all.clone();
                    async move { Page::slice(all, p.page(), 10) }
                },
            )
            .map(|r| r.unwrap())
            .collect()
            .await;
            assert_eq!(got, (0..n).collect::<Vec<_>>());
        }
    }

    #[tokio::test]
    async fn stops_on_error_and_on_stuck_cursor() {
        let got: Vec<Result<u8>> = paginate(L::default(), |p: L| async move {
            Ok(Page::new(
                vec![1u8],
                Some(p.page().cursor.clone().unwrap_or(Cursor::new("x"))),
            ))
        })
        .collect()
        .await;
        // first page ok, second page returns its own cursor → error, then end
        assert_eq!(got.len(), 2);
        assert!(got[0].is_ok());
        assert_eq!(
            got[1].as_ref().unwrap_err().kind(),
            crate::ErrorKind::Internal
        );
    }

    #[test]
    fn bad_cursor_is_invalid_input() {
        let err = Page::slice(
            vec![1],
            &PageRequest {
                cursor: Some("zz".into()),
                per_page: None,
            },
            10,
        )
        .unwrap_err();
        assert_eq!(err.field(), Some("page.cursor"));
    }
}
