//! Gitea / Forgejo merge form: the field names follow the version the
//! server reports at `GET /version` (asked once per provider), and the
//! body sent is checked exactly.
#![cfg(feature = "gitea")]

use mosaic_core::git::*;
use mosaic_providers::gitea::{Gitea, GiteaConfig};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SHA: &str = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
const R: &str = "/api/v1/repos/team/app";

fn pr_json(merged: bool) -> Value {
    json!({"id": 10, "number": 3, "title": "feature", "state": "closed", "merged": merged,
        "merge_commit_sha": if merged { json!(SHA) } else { json!(null) },
        "head": {"ref": "feature", "sha": SHA}, "base": {"ref": "main", "sha": SHA}})
}

fn merge(method: MergeMethod) -> MergePullRequest {
    MergePullRequest {
        repo: RepoRef::new("team", "app"),
        number: 3,
        method,
        commit_title: Some("t".into()),
        commit_message: Some("m".into()),
        sha: Some(SHA.into()),
    }
}

/// A server reporting `version` (or none: 404) that accepts exactly
/// `expected` as the merge body, `merges` times, and answers `/version`
/// `version_calls` times.
async fn server(
    version: Option<&str>,
    expected: Value,
    merges: u64,
    version_calls: u64,
) -> MockServer {
    let s = MockServer::start().await;
    let answer = match version {
        Some(v) => ResponseTemplate::new(200).set_body_json(json!({ "version": v })),
        None => ResponseTemplate::new(404).set_body_json(json!({"message": "not found"})),
    };
    Mock::given(method("GET"))
        .and(path("/api/v1/version"))
        .respond_with(answer)
        .expect(version_calls)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{R}/pulls/3/merge")))
        .and(body_json(expected))
        .respond_with(ResponseTemplate::new(200))
        .expect(merges)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/pulls/3")))
        .respond_with(ResponseTemplate::new(200).set_body_json(pr_json(true)))
        .mount(&s)
        .await;
    s
}

fn provider(s: &MockServer) -> Gitea {
    Gitea::new(GiteaConfig::token(format!("{}/api/v1", s.uri()), "gtoken")).unwrap()
}

fn legacy(style: &str) -> Value {
    json!({"Do": style, "MergeTitleField": "t", "MergeMessageField": "m", "head_commit_id": SHA})
}

fn snake_case(style: &str) -> Value {
    json!({"do": style, "merge_title_field": "t", "merge_message_field": "m", "head_commit_id": SHA})
}

#[tokio::test]
async fn gitea_1_27_reads_snake_case_fields_and_the_version_is_asked_once() {
    let s = server(Some("1.27.0"), snake_case("rebase"), 2, 1).await;
    let g = provider(&s);
    for _ in 0..2 {
        let m = g
            .merge_pull_request(merge(MergeMethod::Rebase))
            .await
            .unwrap();
        assert!(m.merged);
        assert_eq!(m.sha.as_deref(), Some(SHA));
    }
}

#[tokio::test]
async fn a_clone_shares_the_learned_version() {
    let s = server(Some("1.28.1+dev-12-gabcdef"), snake_case("merge"), 2, 1).await;
    let g = provider(&s);
    g.merge_pull_request(merge(MergeMethod::Merge))
        .await
        .unwrap();
    let copy = g.clone();
    copy.merge_pull_request(merge(MergeMethod::Merge))
        .await
        .unwrap();
}

#[tokio::test]
async fn older_gitea_reads_the_capitalised_fields() {
    let s = server(Some("1.22.3"), legacy("squash"), 1, 1).await;
    provider(&s)
        .merge_pull_request(merge(MergeMethod::Squash))
        .await
        .unwrap();
}

#[tokio::test]
async fn forgejo_reads_the_capitalised_fields() {
    let s = server(Some("9.0.0+gitea-1.22.0"), legacy("merge"), 1, 1).await;
    provider(&s)
        .merge_pull_request(merge(MergeMethod::Merge))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_server_without_a_version_endpoint_is_taken_as_older_once() {
    let s = server(None, legacy("merge"), 2, 1).await;
    let g = provider(&s);
    for _ in 0..2 {
        g.merge_pull_request(merge(MergeMethod::Merge))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_failed_version_lookup_is_asked_again() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/version"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"message": "token is required"})),
        )
        .expect(2)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{R}/pulls/3/merge")))
        .and(body_json(legacy("merge")))
        .respond_with(ResponseTemplate::new(200))
        .expect(2)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/pulls/3")))
        .respond_with(ResponseTemplate::new(200).set_body_json(pr_json(true)))
        .mount(&s)
        .await;
    let g = provider(&s);
    for _ in 0..2 {
        g.merge_pull_request(merge(MergeMethod::Merge))
            .await
            .unwrap();
    }
}
