//! The GitHub dialect's page sizing: `per_page` (30, at most 100) on
//! GitHub, `limit` (30, at most 50) on Gitea, whether the transport was
//! built by the provider or handed in ready without a page size.
#![cfg(all(feature = "github", feature = "gitea"))]

use mosaic_core::PageRequest;
use mosaic_core::git::*;
use mosaic_providers::gitea::{Gitea, GiteaConfig};
use mosaic_providers::github::{GitHub, GitHubConfig};
use mosaic_providers::http::Transport;
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A branch listing asked with `param=size`; GitHub names the commit
/// `sha`, Gitea `id`.
async fn branches(s: &MockServer, prefix: &str, param: &str, size: &str) {
    let commit = if param == "limit" {
        json!({"id": "a"})
    } else {
        json!({"sha": "a"})
    };
    Mock::given(method("GET"))
        .and(path(format!("{prefix}/repos/o/r/branches")))
        .and(query_param(param, size))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"name": "main", "commit": commit, "protected": true}
        ])))
        .expect(1)
        .mount(s)
        .await;
}

fn list(size: Option<u32>) -> ListBranches {
    ListBranches {
        repo: RepoRef::new("o", "r"),
        page: size.map(PageRequest::with_size).unwrap_or_default(),
    }
}

#[tokio::test]
async fn github_pages_by_per_page_up_to_100() {
    let s = MockServer::start().await;
    branches(&s, "", "per_page", "30").await;
    branches(&s, "", "per_page", "100").await;
    let gh = GitHub::new(GitHubConfig::token("t").with_base_url(s.uri())).unwrap();
    let page = gh.list_branches(list(None)).await.unwrap();
    assert_eq!(page.items[0].commit_sha, "a");
    assert!(page.items[0].protected);
    gh.list_branches(list(Some(500))).await.unwrap();
}

#[tokio::test]
async fn gitea_pages_by_limit_up_to_50() {
    let s = MockServer::start().await;
    branches(&s, "/api/v1", "limit", "30").await;
    branches(&s, "/api/v1", "limit", "50").await;
    let g = Gitea::new(GiteaConfig::token(format!("{}/api/v1", s.uri()), "t")).unwrap();
    let page = g.list_branches(list(None)).await.unwrap();
    assert_eq!(page.items[0].commit_sha, "a");
    g.list_branches(list(Some(100))).await.unwrap();
}

#[tokio::test]
async fn a_ready_transport_without_a_page_size_pages_by_the_dialect() {
    let s = MockServer::start().await;
    branches(&s, "", "per_page", "100").await;
    branches(&s, "/api/v1", "limit", "50").await;
    let gh = GitHub::from_transport(Transport::builder("github", s.uri()).build().unwrap());
    gh.list_branches(list(Some(1000))).await.unwrap();
    let g = Gitea::from_transport(
        Transport::builder("gitea", format!("{}/api/v1", s.uri()))
            .build()
            .unwrap(),
    );
    g.list_branches(list(Some(1000))).await.unwrap();
}
