//! The knowledge-base conformance suite of `mosaic-testing`, run through
//! each real KB adapter against a stateful HTTP double of its provider's
//! API (`mosaic_testing::double`), backed by a fresh `FakeKnowledgeBase`:
//! create, get, list (paged), update, search, comments, revisions, export
//! and delete end to end, plus the requests the adapter sent.
#![cfg(any(
    feature = "bookstack",
    feature = "confluence",
    feature = "notion",
    feature = "wikijs"
))]

use std::time::Duration;

use mosaic_testing::FakeKnowledgeBase;
use mosaic_testing::conformance::Report;
use mosaic_testing::conformance::kb::{KbSetup, run};
use mosaic_testing::double::{HttpDouble, Recorded};

fn setup() -> KbSetup {
    KbSetup {
        prefix: "Mosaic conformance".into(),
        space: None,
        page_size: 2,
        page_items: 5,
        search_attempts: 1,
        search_interval: Duration::from_millis(1),
        ..KbSetup::default()
    }
}

/// The names of the skipped checks.
fn skipped(report: &Report) -> Vec<&'static str> {
    report.skipped().iter().map(|c| c.name).collect()
}

/// The recorded requests whose target starts with `method path`.
fn sent(double: &HttpDouble, method: &str, prefix: &str) -> Vec<Recorded> {
    double
        .requests()
        .into_iter()
        .filter(|r| r.method.as_str() == method && r.target.starts_with(prefix))
        .collect()
}

/// Assert that no check failed and exactly `expected` were skipped.
fn passed_skipping(report: &Report, expected: &[&str]) {
    report.assert_passed();
    assert_eq!(skipped(report), expected, "{report}");
}

/// Assert that every request carried header `name` with `value` and none
/// was refused as unauthenticated.
fn every_request_sent(double: &HttpDouble, name: &str, value: &str) {
    let all = double.requests();
    assert!(all.len() > 20, "only {} requests", all.len());
    for r in &all {
        assert_eq!(r.headers.get(name).unwrap(), value, "{}", r.target);
        assert_ne!(r.status.as_u16(), 401, "{}", r.target);
    }
}

#[cfg(feature = "bookstack")]
#[tokio::test]
async fn bookstack_passes_the_kb_suite() {
    use mosaic_providers::bookstack::{BookStack, BookStackConfig};
    use mosaic_testing::double::bookstack::BookStackApi;

    let fake = FakeKnowledgeBase::named("bookstack");
    let double = HttpDouble::start(BookStackApi::new(fake.clone(), "tid", "tsecret"))
        .await
        .unwrap();
    let provider = BookStack::new(BookStackConfig::new(
        format!("{}/api", double.base_url()),
        "tid",
        "tsecret",
    ))
    .unwrap();
    let report = run(&provider, &setup()).await;
    passed_skipping(&report, &["unsupported operations answer Unsupported"]);
    every_request_sent(&double, "authorization", "Token tid:tsecret");
    let listings = sent(&double, "GET", "/api/pages?");
    assert!(listings.len() >= 3, "pages were walked in pages of 2");
    assert!(listings.iter().all(|r| r.target.contains("count=2")));
    assert!(listings.iter().any(|r| r.target.contains("offset=4")));
    // Every page the suite made is gone, and so is its book.
    assert!(fake.pages().is_empty(), "{:?}", fake.pages());
    let created = sent(&double, "POST", "/api/pages");
    assert_eq!(created.len(), 6);
    assert!(
        created[0].json.as_ref().unwrap()["markdown"]
            .as_str()
            .unwrap()
            .contains("zyxwvmosaic")
    );
}

#[cfg(feature = "confluence")]
#[tokio::test]
async fn confluence_passes_the_kb_suite() {
    use mosaic_providers::confluence::{Confluence, ConfluenceConfig};
    use mosaic_testing::double::confluence::ConfluenceApi;

    let fake = FakeKnowledgeBase::named("confluence");
    let double = HttpDouble::start(ConfluenceApi::new(fake.clone(), "me@example.com", "tok"))
        .await
        .unwrap();
    let provider = Confluence::new(ConfluenceConfig::new(
        format!("{}/wiki", double.base_url()),
        "me@example.com",
        "tok",
    ))
    .unwrap();
    let report = run(&provider, &setup()).await;
    passed_skipping(&report, &["unsupported operations answer Unsupported"]);
    // base64("me@example.com:tok")
    every_request_sent(&double, "authorization", "Basic bWVAZXhhbXBsZS5jb206dG9r");
    // Space pages were walked two at a time by cursor.
    let listings = sent(&double, "GET", "/wiki/api/v2/spaces/");
    let paged: Vec<&Recorded> = listings
        .iter()
        .filter(|r| r.target.contains("/pages?"))
        .collect();
    assert!(paged.iter().all(|r| r.target.contains("limit=2")));
    assert!(paged.iter().any(|r| r.target.contains("cursor=")));
    // Bodies went out in storage format, and the search as CQL.
    let created = sent(&double, "POST", "/wiki/api/v2/pages");
    let body = &created[0].json.as_ref().unwrap()["body"];
    assert_eq!(body["representation"], "storage");
    assert!(body["value"].as_str().unwrap().contains("<p>"));
    let search = sent(&double, "GET", "/wiki/rest/api/search?");
    assert!(search[0].target.contains("cql="), "{}", search[0].target);
    // Only the pages of the deleted space were left: none.
    assert!(fake.pages().is_empty(), "{:?}", fake.pages());
}

#[cfg(feature = "wikijs")]
#[tokio::test]
async fn wikijs_passes_the_kb_suite() {
    use mosaic_providers::wikijs::{WikiJs, WikiJsConfig};
    use mosaic_testing::double::wikijs::WikiJsApi;

    let fake = FakeKnowledgeBase::named("wikijs");
    let api = WikiJsApi::new(
        fake.clone(),
        "api-key",
        &[("en", "English"), ("de", "Deutsch")],
    )
    .unwrap();
    let double = HttpDouble::start(api).await.unwrap();
    let provider = WikiJs::new(WikiJsConfig::new(double.base_url(), "api-key")).unwrap();
    let report = run(
        &provider,
        &KbSetup {
            space: Some("en".into()),
            ..setup()
        },
    )
    .await;
    // Wiki.js spaces are its installed locales: the API cannot create,
    // rename or delete them.
    passed_skipping(
        &report,
        &[
            "spaces: create, get, list and update round-trip",
            "spaces: after delete it is NotFound",
        ],
    );
    every_request_sent(&double, "authorization", "Bearer api-key");
    let all = double.requests();
    assert!(all.iter().all(|r| r.target == "/graphql"));
    let ops: Vec<String> = all
        .iter()
        .filter_map(|r| r.json.as_ref()?["query"].as_str().map(str::to_owned))
        .collect();
    assert!(ops.iter().any(|q| q.contains("checkConflicts")));
    let creates: Vec<&Recorded> = all
        .iter()
        .filter(|r| {
            r.json
                .as_ref()
                .and_then(|j| j["query"].as_str())
                .is_some_and(|q| q.contains("create(content"))
        })
        .collect();
    assert_eq!(creates.len(), 6);
    let vars = &creates[0].json.as_ref().unwrap()["variables"];
    assert_eq!(vars["locale"], "en");
    assert_eq!(vars["path"], "mosaic-conformance-page");
    assert_eq!(vars["editor"], "markdown");
    // The suite deleted every page it made.
    assert!(fake.pages().is_empty(), "{:?}", fake.pages());
}

#[cfg(feature = "notion")]
#[tokio::test]
async fn notion_runs_the_kb_suite() {
    use mosaic_providers::notion::{Notion, NotionConfig};
    use mosaic_testing::double::notion::NotionApi;

    let fake = FakeKnowledgeBase::named("notion");
    // Notion makes databases inside a page, which the suite's
    // `CreateSpace` does not name: the pages go into a fixture database.
    let db = fake.seed_space("Fixture database").create().unwrap();
    let double = HttpDouble::start(NotionApi::new(fake.clone(), "secret_tok"))
        .await
        .unwrap();
    let provider = Notion::new(
        NotionConfig::new("secret_tok").with_base_url(format!("{}/v1", double.base_url())),
    )
    .unwrap();
    let report = run(
        &provider,
        &KbSetup {
            space: Some(db.id.clone()),
            ..setup()
        },
    )
    .await;
    let failed: Vec<&str> = report.failures().iter().map(|c| c.name).collect();
    assert_eq!(
        failed,
        [
            // `create_space` needs `parent` (the page the database goes in).
            "spaces: create, get, list and update round-trip",
            // KNOWN ADAPTER BUG: with `space_id`, search filters the
            // database on titles only, so a word of the body is not found.
            "search: finds a page by a unique word",
            // KNOWN ADAPTER BUG: Notion still answers an archived page
            // (`"archived": true`), and `get_page` does not treat it as gone.
            "pages: after delete it is NotFound",
        ],
        "{report}"
    );
    assert_eq!(
        skipped(&report),
        [
            "revisions: listed newest first",
            "spaces: after delete it is NotFound",
        ],
        "{report}"
    );
    every_request_sent(&double, "authorization", "Bearer secret_tok");
    every_request_sent(&double, "notion-version", "2022-06-28");
    // Database queries asked for pages of 2 and followed the cursor.
    let queries = sent(&double, "POST", &format!("/v1/databases/{}/query", db.id));
    assert!(
        queries
            .iter()
            .all(|r| r.json.as_ref().unwrap()["page_size"] == 2)
    );
    assert!(
        queries
            .iter()
            .any(|r| r.json.as_ref().unwrap()["start_cursor"].is_string())
    );
    // Bodies went out as blocks and came back the same.
    let appends = sent(&double, "PATCH", "/v1/blocks/");
    let first = &appends[0].json.as_ref().unwrap()["children"][0];
    assert_eq!(first["type"], "paragraph");
    assert_eq!(
        first["paragraph"]["rich_text"][0]["text"]["content"],
        "First paragraph mentioning zyxwvmosaic."
    );
    let page = fake
        .pages()
        .into_iter()
        .find(|p| p.title == "Mosaic conformance page");
    assert!(page.is_none(), "the page was archived: {page:?}");
}

/// What the suite does not reach: BookStack's shelves and chapters,
/// moves, attachments, HTML export and a rejected token, all through the
/// adapter against the double.
#[cfg(feature = "bookstack")]
#[tokio::test]
async fn bookstack_double_serves_shelves_chapters_moves_and_attachments() {
    use mosaic_core::ErrorKind;
    use mosaic_core::kb::*;
    use mosaic_providers::bookstack::{BookStack, BookStackConfig};
    use mosaic_testing::double::bookstack::BookStackApi;
    use serde_json::{Value, json};

    let fake = FakeKnowledgeBase::named("bookstack");
    let double = HttpDouble::start(BookStackApi::new(fake.clone(), "tid", "tsecret"))
        .await
        .unwrap();
    let api = format!("{}/api", double.base_url());
    let b = BookStack::new(BookStackConfig::new(api.clone(), "tid", "tsecret")).unwrap();
    let shelf: Value = b
        .transport()
        .post("/shelves")
        .json(&json!({ "name": "Handbooks" }))
        .send_json()
        .await
        .unwrap();
    let shelf_id = shelf["id"].as_u64().unwrap().to_string();
    let book = b
        .create_space(CreateSpace {
            name: "Runbooks".into(),
            parent: Some(shelf_id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(book.key.as_deref(), Some("runbooks"));
    let shelf: Value = b
        .transport()
        .get(&format!("/shelves/{shelf_id}"))
        .send_json()
        .await
        .unwrap();
    assert_eq!(
        shelf["books"][0]["id"].as_u64().unwrap().to_string(),
        book.id
    );

    let chapter: Value = b
        .transport()
        .post("/chapters")
        .json(&json!({ "book_id": book.id.parse::<u64>().unwrap(), "name": "Incidents" }))
        .send_json()
        .await
        .unwrap();
    let chapter_id = chapter["id"].as_u64().unwrap().to_string();
    let page = b
        .create_page(CreateKbPage {
            space_id: book.id.clone(),
            parent_id: Some(chapter_id.clone()),
            title: "Paging".into(),
            body: "Who gets woken up.".into(),
        })
        .await
        .unwrap();
    assert_eq!(page.parent_id.as_deref(), Some(chapter_id.as_str()));
    let in_chapter = b
        .list_pages(ListKbPages {
            space_id: book.id.clone(),
            parent_id: Some(chapter_id.clone()),
            page: Default::default(),
        })
        .await
        .unwrap();
    assert_eq!(in_chapter.items.len(), 1);
    let moved = b
        .move_page(MoveKbPage {
            id: page.id.clone(),
            space_id: Some(book.id.clone()),
            parent_id: None,
        })
        .await
        .unwrap();
    assert_eq!(moved.parent_id, None);

    let a = b
        .upload_attachment(UploadAttachment {
            page_id: page.id.clone(),
            filename: "rota.csv".into(),
            media_type: Some("text/csv".into()),
            content: b"mon,alice\n".to_vec(),
        })
        .await
        .unwrap();
    assert_eq!(a.filename, "rota.csv");
    assert_eq!(
        fake.attachment_content(&page.id, "rota.csv").as_deref(),
        Some(&b"mon,alice\n"[..])
    );
    let html = b
        .export_page(ExportKbPage {
            id: page.id.clone(),
            format: DocFormat::Html,
        })
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&html.content).contains("<p>Who gets woken up.</p>"));

    let wrong = BookStack::new(BookStackConfig::new(api, "tid", "nope")).unwrap();
    let err = wrong
        .get_space(SpaceRef {
            id: book.id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated);
    assert!(!format!("{err:?}").contains("nope"));
}

/// Confluence beyond the suite: a move under another page, an attachment,
/// the export view, a taken space key and a rejected token.
#[cfg(feature = "confluence")]
#[tokio::test]
async fn confluence_double_serves_moves_attachments_and_errors() {
    use mosaic_core::ErrorKind;
    use mosaic_core::kb::*;
    use mosaic_providers::confluence::{Confluence, ConfluenceConfig};
    use mosaic_testing::double::confluence::ConfluenceApi;

    let fake = FakeKnowledgeBase::named("confluence");
    let double = HttpDouble::start(ConfluenceApi::new(fake.clone(), "me@example.com", "tok"))
        .await
        .unwrap();
    let base = format!("{}/wiki", double.base_url());
    let c = Confluence::new(ConfluenceConfig::new(base.clone(), "me@example.com", "tok")).unwrap();
    let space = c
        .create_space(CreateSpace {
            key: Some("ENG".into()),
            name: "Engineering".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(space.key.as_deref(), Some("ENG"));
    let taken = c
        .create_space(CreateSpace {
            key: Some("ENG".into()),
            name: "Again".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    // Confluence answers a taken key with 400 "already exists"
    assert_eq!(taken.kind(), ErrorKind::Conflict);
    let mk = |title: &str| CreateKbPage {
        space_id: space.id.clone(),
        parent_id: None,
        title: title.into(),
        body: format!("About **{title}**."),
    };
    let parent = c.create_page(mk("Services")).await.unwrap();
    let child = c.create_page(mk("Billing")).await.unwrap();
    let moved = c
        .move_page(MoveKbPage {
            id: child.id.clone(),
            space_id: None,
            parent_id: Some(parent.id.clone()),
        })
        .await
        .unwrap();
    assert_eq!(moved.parent_id.as_deref(), Some(parent.id.as_str()));
    let under = c
        .list_pages(ListKbPages {
            space_id: space.id.clone(),
            parent_id: Some(parent.id.clone()),
            page: Default::default(),
        })
        .await
        .unwrap();
    assert_eq!(
        under
            .items
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>(),
        [child.id.as_str()]
    );
    let back = c
        .get_page(KbPageRef {
            id: child.id.clone(),
        })
        .await
        .unwrap();
    assert_eq!(
        back.body.as_deref().map(str::trim),
        Some("About **Billing**.")
    );

    let a = c
        .upload_attachment(UploadAttachment {
            page_id: child.id.clone(),
            filename: "invoice.pdf".into(),
            media_type: None,
            content: vec![1, 2, 3],
        })
        .await
        .unwrap();
    assert_eq!((a.filename.as_str(), a.size), ("invoice.pdf", 3));
    assert_eq!(
        fake.attachment_content(&child.id, "invoice.pdf"),
        Some(vec![1, 2, 3])
    );
    let html = c
        .export_page(ExportKbPage {
            id: child.id.clone(),
            format: DocFormat::Html,
        })
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&html.content).contains("<strong>Billing</strong>"));

    let wrong = Confluence::new(ConfluenceConfig::new(base, "me@example.com", "bad")).unwrap();
    let err = wrong
        .get_space(SpaceRef {
            id: space.id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated);
}

/// Wiki.js beyond the suite: folders as parents, a move, a taken path,
/// another locale and a rejected key.
#[cfg(feature = "wikijs")]
#[tokio::test]
async fn wikijs_double_serves_folders_moves_and_errors() {
    use mosaic_core::ErrorKind;
    use mosaic_core::kb::*;
    use mosaic_providers::wikijs::{WikiJs, WikiJsConfig};
    use mosaic_testing::double::wikijs::WikiJsApi;

    let fake = FakeKnowledgeBase::named("wikijs");
    let api = WikiJsApi::new(fake.clone(), "key", &[("en", "English"), ("de", "Deutsch")]).unwrap();
    let double = HttpDouble::start(api).await.unwrap();
    let w = WikiJs::new(WikiJsConfig::new(double.base_url(), "key")).unwrap();
    let spaces = w.list_spaces(Default::default()).await.unwrap();
    assert_eq!(
        spaces
            .items
            .iter()
            .map(|s| s.id.as_str())
            .collect::<Vec<_>>(),
        ["en", "de"]
    );
    let page = w
        .create_page(CreateKbPage {
            space_id: "en".into(),
            parent_id: Some("guides".into()),
            title: "On Call".into(),
            body: "Rotate weekly.".into(),
        })
        .await
        .unwrap();
    assert_eq!(page.parent_id.as_deref(), Some("guides"));
    let in_guides = w
        .list_pages(ListKbPages {
            space_id: "en".into(),
            parent_id: Some("guides".into()),
            page: Default::default(),
        })
        .await
        .unwrap();
    assert_eq!(in_guides.items.len(), 1);
    let moved = w
        .move_page(MoveKbPage {
            id: page.id.clone(),
            space_id: Some("de".into()),
            parent_id: Some("handbuch".into()),
        })
        .await
        .unwrap();
    assert_eq!(
        (moved.space_id.as_str(), moved.parent_id.as_deref()),
        ("de", Some("handbuch"))
    );
    let again = w
        .create_page(CreateKbPage {
            space_id: "de".into(),
            parent_id: Some("handbuch".into()),
            title: "On-Call".into(),
            body: "x".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(again.kind(), ErrorKind::Conflict, "{again}");
    let wrong = WikiJs::new(WikiJsConfig::new(double.base_url(), "other")).unwrap();
    let err = wrong
        .get_page(KbPageRef {
            id: page.id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
}

/// Notion beyond the suite: a database made in a page, pages under a page
/// (listed as the page's `child_page` blocks), and a nested list body.
#[cfg(feature = "notion")]
#[tokio::test]
async fn notion_double_serves_databases_in_pages_and_child_pages() {
    use mosaic_core::kb::*;
    use mosaic_providers::notion::{Notion, NotionConfig};
    use mosaic_testing::double::notion::NotionApi;

    let fake = FakeKnowledgeBase::named("notion");
    let db = fake.seed_space("Wiki").create().unwrap();
    let double = HttpDouble::start(NotionApi::new(fake.clone(), "tok"))
        .await
        .unwrap();
    let n =
        Notion::new(NotionConfig::new("tok").with_base_url(format!("{}/v1", double.base_url())))
            .unwrap();
    let home = n
        .create_page(CreateKbPage {
            space_id: db.id.clone(),
            parent_id: None,
            title: "Home".into(),
            body: "- one\n  - nested\n- two\n".into(),
        })
        .await
        .unwrap();
    let got = n
        .get_page(KbPageRef {
            id: home.id.clone(),
        })
        .await
        .unwrap();
    assert_eq!(got.body.as_deref(), Some("- one\n  - nested\n- two\n"));
    let space = n
        .create_space(CreateSpace {
            name: "Projects".into(),
            parent: Some(home.id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        n.get_space(SpaceRef {
            id: space.id.clone()
        })
        .await
        .unwrap()
        .name,
        "Projects"
    );
    let child = n
        .create_page(CreateKbPage {
            space_id: home.id.clone(),
            parent_id: Some(home.id.clone()),
            title: "Child".into(),
            body: "Under home.".into(),
        })
        .await
        .unwrap();
    let under = n
        .list_pages(ListKbPages {
            space_id: home.id.clone(),
            parent_id: Some(home.id.clone()),
            page: Default::default(),
        })
        .await
        .unwrap();
    assert_eq!(
        under
            .items
            .iter()
            .map(|p| (p.id.as_str(), p.title.as_str()))
            .collect::<Vec<_>>(),
        [(child.id.as_str(), "Child")]
    );
    // Rewriting the home page keeps its child page and database.
    n.update_page(UpdateKbPage {
        id: home.id.clone(),
        title: None,
        body: Some("Rewritten.".into()),
        version: None,
    })
    .await
    .unwrap();
    let got = n
        .get_page(KbPageRef {
            id: home.id.clone(),
        })
        .await
        .unwrap();
    // The child page and database stay first, as raw blocks of the body.
    let body = got.body.unwrap();
    assert!(body.trim_end().ends_with("Rewritten."), "{body}");
    assert!(body.contains("child_page"), "{body}");
    let under = n
        .list_pages(ListKbPages {
            space_id: home.id.clone(),
            parent_id: Some(home.id.clone()),
            page: Default::default(),
        })
        .await
        .unwrap();
    assert_eq!(under.items.len(), 1);
}
