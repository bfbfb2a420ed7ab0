//! The issue-tracker conformance suite of `mosaic-testing`, run through
//! each tracker adapter against a stateful HTTP double of its provider's
//! API (`mosaic_testing::double`) backed by a fresh [`FakeProject`].
//!
//! Each test also asserts which checks were skipped or failed (exactly
//! those the provider cannot pass) and a few of the requests the adapter
//! sent.

use std::sync::Arc;

use mosaic_testing::FakeProject;
use mosaic_testing::conformance::Outcome;
use mosaic_testing::conformance::project::{ProjectSetup, run};
use mosaic_testing::double::HttpDouble;

const UNSUPPORTED: &str = "unsupported operations answer Unsupported";
const SEARCH: &str = "search: finds an issue by a unique word";

fn fake(name: &str) -> Arc<FakeProject> {
    let tracker = Arc::new(FakeProject::named(name));
    tracker
        .seed_project("CONF")
        .name("Conformance")
        .create()
        .unwrap();
    tracker
}

#[cfg(feature = "jira")]
#[tokio::test]
async fn jira_passes_the_project_suite() {
    use mosaic_providers::jira::{Jira, JiraConfig};
    use mosaic_testing::double::jira::JiraApi;

    let tracker = fake("jira");
    let double = HttpDouble::start(JiraApi::new(tracker.clone()))
        .await
        .unwrap();
    let jira = Jira::new(JiraConfig::new(
        double.base_url(),
        "ada@example.com",
        "atl-tok-123",
    ))
    .unwrap();

    // Jira's query language is JQL (as `SearchIssues::query` says); a bare
    // word is refused with 400, so the suite is given a text search
    let setup = ProjectSetup {
        search_query: r#"text ~ "qwzmosaic""#.to_owned(),
        ..ProjectSetup::default()
    };
    let report = run(&jira, &setup).await;
    assert!(report.failures().is_empty(), "{report}");
    assert_eq!(report.outcome(SEARCH), Some(&Outcome::Passed), "{report}");
    let skipped: Vec<&str> = report.skipped().iter().map(|c| c.name).collect();
    assert_eq!(skipped, vec![UNSUPPORTED], "{report}");

    let reqs = double.requests();
    for r in &reqs {
        assert_eq!(
            r.headers.get("authorization").and_then(|v| v.to_str().ok()),
            // HTTP basic for `ada@example.com:atl-tok-123`
            Some("Basic YWRhQGV4YW1wbGUuY29tOmF0bC10b2stMTIz"),
            "{} {}",
            r.method,
            r.target
        );
    }
    // issues were listed with JQL and a page size of 2
    assert!(
        reqs.iter()
            .any(|r| r.target.starts_with("/rest/api/3/search/jql?")
                && r.target.contains("maxResults=2")
                && r.target.contains("project"))
    );
    // descriptions and comments went out as ADF documents
    assert!(reqs.iter().any(|r| {
        r.method == "POST"
            && r.target == "/rest/api/3/issue"
            && r.json
                .as_ref()
                .is_some_and(|b| b["fields"]["description"]["type"] == "doc")
    }));
    assert!(reqs.iter().any(|r| r.method == "POST"
        && r.target.ends_with("/comment")
        && r.json.as_ref().is_some_and(|b| b["body"]["type"] == "doc")));
    // everything the suite made lives in the fake
    let issues = tracker.issues();
    assert_eq!(issues.len(), 6, "one issue, then five for paging");
    assert!(
        issues
            .iter()
            .any(|i| i.title.ends_with("(edited)") && i.status == "In Progress")
    );
}

#[cfg(feature = "linear")]
#[tokio::test]
async fn linear_passes_the_project_suite() {
    use mosaic_providers::linear::{Linear, LinearConfig};
    use mosaic_testing::double::linear::LinearApi;

    let tracker = fake("linear");
    let double = HttpDouble::start(LinearApi::new(tracker.clone()))
        .await
        .unwrap();
    let linear =
        Linear::new(LinearConfig::api_key("lin_api_double").with_base_url(double.base_url()))
            .unwrap();

    let report = run(&linear, &ProjectSetup::default()).await;
    report.assert_passed();
    let skipped: Vec<&str> = report.skipped().iter().map(|c| c.name).collect();
    assert_eq!(skipped, vec![UNSUPPORTED], "{report}");

    let reqs = double.requests();
    for r in &reqs {
        assert_eq!(r.target, "/graphql");
        assert_eq!(
            r.headers.get("authorization").and_then(|v| v.to_str().ok()),
            Some("lin_api_double")
        );
    }
    // listings ask for pages of 2
    assert!(reqs.iter().any(|r| r.json.as_ref().is_some_and(|b| {
        b["query"]
            .as_str()
            .is_some_and(|q| q.contains("issues(filter"))
            && b["variables"]["first"] == 2
    })));
    // the transition went through the team's workflow states
    assert!(reqs.iter().any(|r| {
        r.json
            .as_ref()
            .is_some_and(|b| b["variables"]["input"]["stateId"] == "state-in-progress")
    }));
    let issues = tracker.issues();
    assert_eq!(issues.len(), 6);
    assert!(
        issues
            .iter()
            .any(|i| i.title.ends_with("(edited)") && i.status == "In Progress")
    );
}
