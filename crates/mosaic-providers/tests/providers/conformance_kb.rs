//! The knowledge-base conformance suite of `mosaic-testing`, run through
//! each real KB adapter against a stateful HTTP double of its provider's
//! API (`mosaic_testing::double`), backed by a fresh `FakeKnowledgeBase`:
//! create, get, list (paged), update, search, comments, revisions, export
//! and delete end to end, plus the requests the adapter sent.

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
    }
}

/// The names of the skipped checks.
fn skipped(report: &Report) -> Vec<&'static str> {
    report.skipped().iter().map(|c| c.name).collect()
}

/// The recorded requests whose target starts with `method path`.
fn sent<'a>(double: &'a HttpDouble, method: &str, prefix: &str) -> Vec<Recorded> {
    double
        .requests()
        .into_iter()
        .filter(|r| r.method.as_str() == method && r.target.starts_with(prefix))
        .collect()
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
    report.assert_passed();
    assert_eq!(
        skipped(&report),
        ["unsupported operations answer Unsupported"],
        "{report}"
    );
    let all = double.requests();
    assert!(all.len() > 20, "{} requests", all.len());
    for r in &all {
        assert_eq!(
            r.headers.get("authorization").unwrap(),
            "Token tid:tsecret",
            "{}",
            r.target
        );
        assert_ne!(r.status.as_u16(), 401, "{}", r.target);
    }
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
    report.assert_passed();
    assert_eq!(
        skipped(&report),
        ["unsupported operations answer Unsupported"],
        "{report}"
    );
    for r in double.requests() {
        // base64("me@example.com:tok")
        assert_eq!(
            r.headers.get("authorization").unwrap(),
            "Basic bWVAZXhhbXBsZS5jb206dG9r",
            "{}",
            r.target
        );
    }
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
    report.assert_passed();
    // Wiki.js spaces are its installed locales: the API cannot create,
    // rename or delete them.
    assert_eq!(
        skipped(&report),
        [
            "spaces: create, get, list and update round-trip",
            "spaces: after delete it is NotFound",
        ],
        "{report}"
    );
    let all = double.requests();
    assert!(
        all.iter().all(|r| r.target == "/graphql"
            && r.headers.get("authorization").unwrap() == "Bearer api-key")
    );
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
    let all = double.requests();
    for r in &all {
        assert_eq!(r.headers.get("authorization").unwrap(), "Bearer secret_tok");
        assert_eq!(r.headers.get("notion-version").unwrap(), "2022-06-28");
    }
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
