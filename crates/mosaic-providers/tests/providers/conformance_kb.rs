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
