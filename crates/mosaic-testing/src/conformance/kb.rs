//! The conformance suite of [`KnowledgeBaseProvider`].
//!
//! It creates a space named after [`KbSetup::prefix`] (or uses
//! [`KbSetup::space`] when spaces cannot be created), pages in it, and
//! checks round trips, pagination, optimistic locking, search (polling up
//! to [`KbSetup::search_attempts`] times, for indexes that lag), comments,
//! revisions, export and deletion.

use std::time::Duration;

use mosaic_core::kb::*;
use mosaic_core::{Capabilities, ErrorKind, Family, PageRequest};

use super::{
    CheckResult, Ctx, Fail, Report, ensure, exactly_once, expect_invalid, expect_kind, need, pause,
    walk,
};

/// What the knowledge-base suite needs to know about its environment.
#[derive(Debug, Clone)]
pub struct KbSetup {
    /// Prefix of the space and pages the suite creates.
    pub prefix: String,
    /// An existing space id to use when spaces cannot be created.
    pub space: Option<String>,
    /// Page size used to walk listings. Default 2.
    pub page_size: u32,
    /// How many pages the pagination check creates. Default 5.
    pub page_items: u32,
    /// How often to try a search before failing. Default 10.
    pub search_attempts: u32,
    /// Pause between search attempts. Default 2 s.
    pub search_interval: Duration,
    /// The container new spaces go in, where the provider nests spaces
    /// (a Notion parent page). Default none.
    pub space_parent: Option<String>,
}

impl Default for KbSetup {
    fn default() -> Self {
        KbSetup {
            prefix: "Mosaic conformance".to_owned(),
            space: None,
            page_size: 2,
            page_items: 5,
            search_attempts: 10,
            search_interval: Duration::from_secs(2),
            space_parent: None,
        }
    }
}

/// Run the suite against `provider`. See the [module docs](super).
pub async fn run<P: KnowledgeBaseProvider + ?Sized>(provider: &P, setup: &KbSetup) -> Report {
    let caps = provider.capabilities();
    let mut r = Report::new("kb");
    r.record(
        "capabilities: they belong to the kb family",
        if caps.family() == Family::KnowledgeBase {
            Ok(())
        } else {
            Err(Fail::Failed(format!(
                "capabilities are of family {}",
                caps.family()
            )))
        },
    );
    r.record(
        "unsupported operations answer Unsupported",
        super::unsupported(&caps, |op: KbOp| async move {
            KbRequest::with_defaults(op)
                .send_to(provider)
                .await
                .map(drop)
        })
        .await,
    );
    r.record(
        "pages and spaces: missing ones are NotFound",
        missing(provider, &caps).await,
    );
    let space = create_space(provider, setup, &caps).await;
    let created_space = space.is_ok();
    let space = match space {
        Ok(id) => {
            r.record("spaces: create, get, list and update round-trip", Ok(()));
            Some(id)
        }
        Err(e) => {
            r.record("spaces: create, get, list and update round-trip", Err(e));
            setup.space.clone()
        }
    };
    let Some(space) = space else {
        for name in PAGE_CHECKS {
            r.skip(
                name,
                "no space: none could be created and no fixture was given",
            );
        }
        return r;
    };
    let c = C {
        setup,
        caps: &caps,
        space: &space,
    };
    let page = create_page(provider, &c).await;
    let page_id = page.as_ref().ok().cloned();
    r.record(PAGE_CHECKS[0], page.map(drop));
    r.record(PAGE_CHECKS[1], invalid(provider, &c).await);
    r.record(PAGE_CHECKS[2], pagination(provider, &c).await);
    match page_id {
        Some(id) => {
            r.record(PAGE_CHECKS[3], update(provider, &c, &id).await);
            r.record(PAGE_CHECKS[4], search(provider, &c, &id).await);
            r.record(PAGE_CHECKS[5], comments(provider, &c, &id).await);
            r.record(PAGE_CHECKS[6], revisions(provider, &c, &id).await);
            r.record(PAGE_CHECKS[7], export(provider, &c, &id).await);
            r.record(PAGE_CHECKS[8], delete_page(provider, &c, &id).await);
        }
        None => {
            for name in &PAGE_CHECKS[3..9] {
                r.skip(name, "no page could be created");
            }
        }
    }
    r.record(
        PAGE_CHECKS[9],
        delete_space(provider, &c, created_space).await,
    );
    r
}

const PAGE_CHECKS: [&str; 10] = [
    "pages: create then get returns it; listed exactly once",
    "pages: an empty title is InvalidInput naming `title`",
    "pages: pagination walks every page exactly once",
    "pages: an update bumps the version; a stale version is Conflict",
    "search: finds a page by a unique word",
    "comments: an added comment is listed",
    "revisions: listed newest first",
    "export: Markdown carries the body",
    "pages: after delete it is NotFound",
    "spaces: after delete it is NotFound",
];

struct C<'a> {
    setup: &'a KbSetup,
    caps: &'a Capabilities,
    space: &'a str,
}

async fn missing<P: KnowledgeBaseProvider + ?Sized>(p: &P, caps: &Capabilities) -> CheckResult {
    need(caps, &[KbOp::GetPage, KbOp::GetSpace])?;
    expect_kind(
        "get_page of a missing id",
        p.get_page(KbPageRef {
            id: "987654321".to_owned(),
        })
        .await,
        ErrorKind::NotFound,
    )?;
    expect_kind(
        "get_space of a missing id",
        p.get_space(SpaceRef {
            id: "987654321".to_owned(),
        })
        .await,
        ErrorKind::NotFound,
    )?;
    Ok(())
}

async fn create_space<P: KnowledgeBaseProvider + ?Sized>(
    p: &P,
    setup: &KbSetup,
    caps: &Capabilities,
) -> CheckResult<String> {
    need(
        caps,
        &[
            KbOp::CreateSpace,
            KbOp::GetSpace,
            KbOp::ListSpaces,
            KbOp::UpdateSpace,
        ],
    )?;
    let name = format!("{} space", setup.prefix);
    let space = p
        .create_space(CreateSpace {
            key: None,
            name: name.clone(),
            description: Some("created by the Mosaic conformance suite".to_owned()),
            parent: setup.space_parent.clone(),
        })
        .await
        .ctx("create_space")?;
    ensure!(space.name == name, "create_space returned `{}`", space.name);
    let got = p
        .get_space(SpaceRef {
            id: space.id.clone(),
        })
        .await
        .ctx("get_space")?;
    ensure!(
        got.id == space.id && got.name == name,
        "get_space returned {got:?}"
    );
    let all = walk(
        "list_spaces",
        ListSpaces {
            page: PageRequest::with_size(setup.page_size),
        },
        |q| p.list_spaces(q),
    )
    .await?;
    let ids: Vec<String> = all.iter().map(|s| s.id.clone()).collect();
    exactly_once("list_spaces", &ids, std::slice::from_ref(&space.id))?;
    let renamed = format!("{} space (renamed)", setup.prefix);
    p.update_space(UpdateSpace {
        id: space.id.clone(),
        name: Some(renamed.clone()),
        description: None,
    })
    .await
    .ctx("update_space")?;
    let got = p
        .get_space(SpaceRef {
            id: space.id.clone(),
        })
        .await
        .ctx("get_space after update")?;
    ensure!(
        got.name == renamed,
        "after update the space is named `{}`",
        got.name
    );
    Ok(space.id)
}

async fn create_page<P: KnowledgeBaseProvider + ?Sized>(p: &P, c: &C<'_>) -> CheckResult<String> {
    need(c.caps, &[KbOp::CreatePage, KbOp::GetPage, KbOp::ListPages])?;
    let title = format!("{} page", c.setup.prefix);
    let body = "First paragraph mentioning zyxwvmosaic.\n\nSecond paragraph.\n".to_owned();
    let page = p
        .create_page(CreateKbPage {
            space_id: c.space.to_owned(),
            parent_id: None,
            title: title.clone(),
            body: body.clone(),
        })
        .await
        .ctx("create_page")?;
    ensure!(page.title == title, "create_page returned `{}`", page.title);
    ensure!(
        page.space_id == c.space,
        "create_page put it in space `{}`",
        page.space_id
    );
    let got = p
        .get_page(KbPageRef {
            id: page.id.clone(),
        })
        .await
        .ctx("get_page")?;
    ensure!(
        got.title == title,
        "get_page returned title `{}`",
        got.title
    );
    ensure!(
        got.body.as_deref().map(str::trim) == Some(body.trim()),
        "get_page returned body {:?}",
        got.body
    );
    let all = walk(
        "list_pages",
        ListKbPages {
            space_id: c.space.to_owned(),
            parent_id: None,
            page: PageRequest::with_size(c.setup.page_size),
        },
        |q| p.list_pages(q),
    )
    .await?;
    let ids: Vec<String> = all.iter().map(|x| x.id.clone()).collect();
    exactly_once("list_pages", &ids, std::slice::from_ref(&page.id))?;
    Ok(page.id)
}

async fn invalid<P: KnowledgeBaseProvider + ?Sized>(p: &P, c: &C<'_>) -> CheckResult {
    need(c.caps, &[KbOp::CreatePage])?;
    expect_invalid(
        "create_page with an empty title",
        p.create_page(CreateKbPage {
            space_id: c.space.to_owned(),
            parent_id: None,
            title: String::new(),
            body: "x".to_owned(),
        })
        .await,
        "title",
    )
}

async fn pagination<P: KnowledgeBaseProvider + ?Sized>(p: &P, c: &C<'_>) -> CheckResult {
    need(c.caps, &[KbOp::CreatePage, KbOp::ListPages])?;
    let mut ids = Vec::new();
    for i in 0..c.setup.page_items {
        let page = p
            .create_page(CreateKbPage {
                space_id: c.space.to_owned(),
                parent_id: None,
                title: format!("{} listing {i}", c.setup.prefix),
                body: format!("listing page {i}"),
            })
            .await
            .ctx("create_page")?;
        ids.push(page.id);
    }
    let all = walk(
        "list_pages",
        ListKbPages {
            space_id: c.space.to_owned(),
            parent_id: None,
            page: PageRequest::with_size(c.setup.page_size),
        },
        |q| p.list_pages(q),
    )
    .await?;
    let keys: Vec<String> = all.iter().map(|x| x.id.clone()).collect();
    exactly_once("list_pages", &keys, &ids)?;
    if c.caps.supports(KbOp::DeletePage) {
        for id in ids {
            p.delete_page(KbPageRef { id }).await.ctx("delete_page")?;
        }
    }
    Ok(())
}

async fn update<P: KnowledgeBaseProvider + ?Sized>(p: &P, c: &C<'_>, id: &str) -> CheckResult {
    need(c.caps, &[KbOp::UpdatePage, KbOp::GetPage])?;
    let before = p
        .get_page(KbPageRef { id: id.to_owned() })
        .await
        .ctx("get_page")?;
    // A paragraph of its own: a single newline is a Markdown soft break,
    // which providers that store rich text rightly read back as a space.
    let body = format!(
        "{}\n\nAn added line.\n",
        before.body.clone().unwrap_or_default().trim_end()
    );
    let after = p
        .update_page(UpdateKbPage {
            id: id.to_owned(),
            title: None,
            body: Some(body.clone()),
            version: before.version,
        })
        .await
        .ctx("update_page")?;
    let got = p
        .get_page(KbPageRef { id: id.to_owned() })
        .await
        .ctx("get_page after update")?;
    ensure!(
        got.body.as_deref().map(str::trim) == Some(body.trim()),
        "after update get_page returned body {:?}",
        got.body
    );
    let Some(v) = before.version else {
        return Ok(());
    };
    ensure!(
        after.version.is_some_and(|n| n > v),
        "the version went from {v} to {:?}",
        after.version
    );
    expect_kind(
        "update_page with a stale version",
        p.update_page(UpdateKbPage {
            id: id.to_owned(),
            title: None,
            body: Some("stale".to_owned()),
            version: Some(v),
        })
        .await,
        ErrorKind::Conflict,
    )?;
    Ok(())
}

async fn search<P: KnowledgeBaseProvider + ?Sized>(p: &P, c: &C<'_>, id: &str) -> CheckResult {
    need(c.caps, &[KbOp::Search])?;
    for attempt in 0..c.setup.search_attempts.max(1) {
        let hits = p
            .search(Search {
                query: "zyxwvmosaic".to_owned(),
                space_id: Some(c.space.to_owned()),
                page: PageRequest::with_size(c.setup.page_size),
            })
            .await
            .ctx("search")?;
        if hits.items.iter().any(|h| h.page_id == id) {
            return Ok(());
        }
        if attempt + 1 < c.setup.search_attempts {
            pause(c.setup.search_interval).await;
        }
    }
    super::fail!(
        "search for a word of the page did not find it after {} attempts",
        c.setup.search_attempts
    )
}

async fn comments<P: KnowledgeBaseProvider + ?Sized>(p: &P, c: &C<'_>, id: &str) -> CheckResult {
    need(c.caps, &[KbOp::AddComment, KbOp::ListComments])?;
    let comment = p
        .add_comment(AddComment {
            page_id: id.to_owned(),
            body: "A conformance comment.".to_owned(),
        })
        .await
        .ctx("add_comment")?;
    let all = walk(
        "list_comments",
        ListComments {
            page_id: id.to_owned(),
            page: PageRequest::with_size(c.setup.page_size),
        },
        |q| p.list_comments(q),
    )
    .await?;
    let ids: Vec<String> = all.iter().map(|x| x.id.clone()).collect();
    exactly_once("list_comments", &ids, &[comment.id])?;
    expect_invalid(
        "add_comment with an empty body",
        p.add_comment(AddComment {
            page_id: id.to_owned(),
            body: String::new(),
        })
        .await,
        "body",
    )
}

async fn revisions<P: KnowledgeBaseProvider + ?Sized>(p: &P, c: &C<'_>, id: &str) -> CheckResult {
    need(c.caps, &[KbOp::ListRevisions])?;
    let all = walk(
        "list_revisions",
        ListRevisions {
            page_id: id.to_owned(),
            page: PageRequest::with_size(c.setup.page_size),
        },
        |q| p.list_revisions(q),
    )
    .await?;
    ensure!(!all.is_empty(), "a page has no revision");
    ensure!(
        all.windows(2).all(|w| w[0].version >= w[1].version),
        "revisions are not newest first: {:?}",
        all.iter().map(|r| r.version).collect::<Vec<_>>()
    );
    Ok(())
}

async fn export<P: KnowledgeBaseProvider + ?Sized>(p: &P, c: &C<'_>, id: &str) -> CheckResult {
    need(c.caps, &[KbOp::ExportPage])?;
    let doc = p
        .export_page(ExportKbPage {
            id: id.to_owned(),
            format: DocFormat::Markdown,
        })
        .await
        .ctx("export_page")?;
    ensure!(
        doc.format == DocFormat::Markdown,
        "exported as {:?}",
        doc.format
    );
    let text = String::from_utf8_lossy(&doc.content);
    ensure!(
        text.contains("zyxwvmosaic"),
        "the export does not contain the body: {text:?}"
    );
    Ok(())
}

async fn delete_page<P: KnowledgeBaseProvider + ?Sized>(p: &P, c: &C<'_>, id: &str) -> CheckResult {
    need(c.caps, &[KbOp::DeletePage, KbOp::GetPage])?;
    p.delete_page(KbPageRef { id: id.to_owned() })
        .await
        .ctx("delete_page")?;
    expect_kind(
        "get_page after delete",
        p.get_page(KbPageRef { id: id.to_owned() }).await,
        ErrorKind::NotFound,
    )?;
    Ok(())
}

async fn delete_space<P: KnowledgeBaseProvider + ?Sized>(
    p: &P,
    c: &C<'_>,
    created: bool,
) -> CheckResult {
    need(c.caps, &[KbOp::DeleteSpace, KbOp::GetSpace])?;
    if !created {
        return Err(Fail::Skipped("the fixture space is never deleted".into()));
    }
    let sref = SpaceRef {
        id: c.space.to_owned(),
    };
    p.delete_space(sref.clone()).await.ctx("delete_space")?;
    expect_kind(
        "get_space after delete",
        p.get_space(sref).await,
        ErrorKind::NotFound,
    )?;
    Ok(())
}
