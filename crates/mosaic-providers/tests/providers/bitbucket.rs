//! Bitbucket Cloud against a local mock server: requests and parsed
//! results per operation, body-cursor pagination, unsupported releases,
//! error mapping, rate limits, webhooks and malformed input.
#![cfg(feature = "bitbucket")]

use std::time::Duration;

use futures::StreamExt;
use http::{HeaderMap, HeaderValue};
use mosaic_core::git::*;
use mosaic_core::page::paginate;
use mosaic_core::{ErrorKind, PageRequest, Secret};
use mosaic_providers::bitbucket::webhook::BitbucketWebhooks;
use mosaic_providers::bitbucket::{Bitbucket, BitbucketConfig};
use mosaic_providers::http::multipart::Form;
use mosaic_providers::webhook::verify::hmac_sha256_hex;
use mosaic_providers::webhook::*;
use proptest::prelude::*;
use serde_json::{Value, json};
use wiremock::matchers::{
    body_bytes, body_json, header, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SHA: &str = "a6a3c0b4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0";
const R: &str = "/2.0/repositories/acme/app";

fn provider(s: &MockServer) -> Bitbucket {
    Bitbucket::new(
        BitbucketConfig::app_password("alice", "app-pw").with_base_url(format!("{}/2.0", s.uri())),
    )
    .unwrap()
}

fn ok(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(v)
}

fn created(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(v)
}

fn app() -> RepoRef {
    RepoRef::new("acme", "app")
}

fn repo_json(slug: &str) -> Value {
    json!({"type": "repository", "uuid": "{5e8d5b4e-0000-4000-8000-000000000001}", "full_name": format!("acme/{slug}"), "name": slug, "slug": slug,
        "is_private": true, "description": "An app", "mainbranch": {"name": "main", "type": "branch"},
        "links": {"html": {"href": format!("https://bitbucket.org/acme/{slug}")}, "clone": [
            {"name": "https", "href": format!("https://bitbucket.org/acme/{slug}.git")}, {"name": "ssh", "href": format!("git@bitbucket.org:acme/{slug}.git")}]},
        "created_on": "2024-01-01T00:00:00.000000+00:00", "updated_on": "2024-01-02T00:00:00.000000+00:00"})
}

fn pr_json(id: u64, state: &str) -> Value {
    json!({"type": "pullrequest", "id": id, "title": "Add feature", "description": "desc", "state": state, "draft": false,
        "source": {"branch": {"name": "feature"}, "commit": {"hash": SHA}}, "destination": {"branch": {"name": "main"}},
        "author": {"display_name": "Alice", "nickname": "alice", "account_id": "557058:1"},
        "merge_commit": if state == "MERGED" { json!({"hash": "m1"}) } else { json!(null) },
        "links": {"html": {"href": "https://bitbucket.org/acme/app/pull-requests/1"}},
        "created_on": "2024-01-01T00:00:00Z", "updated_on": "2024-01-01T00:00:00Z"})
}

fn commit_json(hash: &str) -> Value {
    json!({"type": "commit", "hash": hash, "message": "Fix things\n", "date": "2024-01-01T00:00:00+00:00",
        "author": {"raw": "Alice Example <alice@example.com>", "type": "author"}, "parents": [{"hash": "p1"}],
        "links": {"html": {"href": "https://bitbucket.org/acme/app/commits/x"}}})
}

fn paged(values: Vec<Value>, next: Option<String>) -> Value {
    let mut v = json!({"pagelen": 10, "size": values.len(), "page": 1, "values": values});
    if let Some(n) = next {
        v["next"] = json!(n);
    }
    v
}

#[tokio::test]
async fn repositories() {
    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(R))
        .and(header("authorization", "Basic YWxpY2U6YXBwLXB3"))
        .and(body_json(
            json!({"scm": "git", "is_private": true, "description": "An app"}),
        ))
        .respond_with(ok(repo_json("app")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(R))
        .respond_with(ok(repo_json("app")))
        .mount(&s)
        .await;
    Mock::given(method("PUT"))
        .and(path(R))
        .and(body_json(
            json!({"is_private": false, "mainbranch": {"name": "dev"}}),
        ))
        .respond_with(ok(repo_json("app")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path(R))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{R}/forks")))
        .and(body_json(
            json!({"name": "app2", "workspace": {"slug": "me"}}),
        ))
        .respond_with(created(repo_json("app2")))
        .expect(1)
        .mount(&s)
        .await;
    let b = provider(&s);
    let r = b
        .create_repository(
            CreateRepository::new("app")
                .in_owner("acme")
                .visibility(Visibility::Private)
                .description("An app"),
        )
        .await
        .unwrap();
    assert_eq!(
        (r.owner.as_str(), r.name.as_str(), r.default_branch.as_str()),
        ("acme", "app", "main")
    );
    assert_eq!(r.ssh_url.as_deref(), Some("git@bitbucket.org:acme/app.git"));
    assert_eq!(
        b.create_repository(CreateRepository::new("x"))
            .await
            .unwrap_err()
            .field(),
        Some("owner")
    );
    b.get_repository(app()).await.unwrap();
    let mut u = UpdateRepository::new(app());
    u.visibility = Some(Visibility::Public);
    u.default_branch = Some("dev".into());
    b.update_repository(u).await.unwrap();
    let mut u = UpdateRepository::new(app());
    u.archived = Some(true);
    assert_eq!(
        b.update_repository(u).await.unwrap_err().field(),
        Some("archived")
    );
    b.delete_repository(app()).await.unwrap();
    assert_eq!(
        b.fork_repository(ForkRepository {
            repo: app(),
            organization: Some("me".into()),
            name: Some("app2".into())
        })
        .await
        .unwrap()
        .name,
        "app2"
    );
}

#[tokio::test]
async fn body_cursor_pagination_three_pages() {
    let s = MockServer::start().await;
    let base = format!("{}/2.0", s.uri());
    for page in 1..=3u64 {
        let next =
            (page < 3).then(|| format!("{base}/repositories/acme?pagelen=1&page={}", page + 1));
        let m = Mock::given(method("GET"))
            .and(path("/2.0/repositories/acme"))
            .and(query_param("pagelen", "1"));
        let m = if page == 1 {
            m.and(query_param_is_missing("page"))
        } else {
            m.and(query_param("page", page.to_string()))
        };
        m.respond_with(ok(paged(vec![repo_json(&format!("r{page}"))], next)))
            .expect(1)
            .mount(&s)
            .await;
    }
    let b = provider(&s);
    let names: Vec<String> = paginate(
        ListRepositories {
            owner: Some("acme".into()),
            page: PageRequest::with_size(1),
        },
        move |p| {
            let b = b.clone();
            async move { b.list_repositories(p).await }
        },
    )
    .map(|r| r.unwrap().name)
    .collect()
    .await;
    assert_eq!(names, ["r1", "r2", "r3"]);
}

#[tokio::test]
async fn branches_tags_restrictions() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/commit/main")))
        .respond_with(ok(commit_json(SHA)))
        .mount(&s)
        .await;
    let br = json!({"type": "branch", "name": "feature", "target": {"hash": SHA}});
    Mock::given(method("POST"))
        .and(path(format!("{R}/refs/branches")))
        .and(body_json(
            json!({"name": "feature", "target": {"hash": SHA}}),
        ))
        .respond_with(created(br.clone()))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/refs/branches/feature")))
        .respond_with(ok(br.clone()))
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{R}/refs/branches/feature")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/refs/branches")))
        .and(query_param("pagelen", "10"))
        .respond_with(ok(paged(vec![br], None)))
        .mount(&s)
        .await;
    let tag = json!({"type": "tag", "name": "v1", "target": {"hash": SHA}, "message": "first\n"});
    Mock::given(method("POST"))
        .and(path(format!("{R}/refs/tags")))
        .and(body_json(
            json!({"name": "v1", "target": {"hash": SHA}, "message": "first"}),
        ))
        .respond_with(created(tag.clone()))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/refs/tags/v1")))
        .respond_with(ok(tag.clone()))
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{R}/refs/tags/v1")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/refs/tags")))
        .respond_with(ok(paged(vec![tag], None)))
        .mount(&s)
        .await;
    for (kind, value) in [
        ("force", None),
        ("delete", None),
        ("require_approvals_to_merge", Some(2)),
    ] {
        let mut b = json!({"kind": kind, "branch_match_kind": "glob", "pattern": "main"});
        if let Some(v) = value {
            b["value"] = json!(v);
        }
        Mock::given(method("POST"))
            .and(path(format!("{R}/branch-restrictions")))
            .and(body_json(b))
            .respond_with(created(json!({"id": 1, "kind": kind})))
            .expect(1)
            .mount(&s)
            .await;
    }
    let b = provider(&s);
    assert_eq!(
        b.create_branch(CreateBranch {
            repo: app(),
            name: "feature".into(),
            from: "main".into()
        })
        .await
        .unwrap()
        .commit_sha,
        SHA
    );
    b.get_branch(BranchRef::new(app(), "feature"))
        .await
        .unwrap();
    b.delete_branch(BranchRef::new(app(), "feature"))
        .await
        .unwrap();
    assert_eq!(
        b.list_branches(ListBranches {
            repo: app(),
            page: PageRequest::first()
        })
        .await
        .unwrap()
        .items
        .len(),
        1
    );
    let t = b
        .create_tag(CreateTag {
            repo: app(),
            name: "v1".into(),
            target: "main".into(),
            message: Some("first".into()),
        })
        .await
        .unwrap();
    assert_eq!(t.message.as_deref(), Some("first"));
    b.get_tag(TagRef {
        repo: app(),
        name: "v1".into(),
    })
    .await
    .unwrap();
    b.delete_tag(TagRef {
        repo: app(),
        name: "v1".into(),
    })
    .await
    .unwrap();
    assert_eq!(
        b.list_tags(ListTags {
            repo: app(),
            page: PageRequest::first()
        })
        .await
        .unwrap()
        .items[0]
            .sha,
        SHA
    );
    let rules = BranchProtection {
        branch: "main".into(),
        required_approvals: 2,
        ..Default::default()
    };
    assert_eq!(
        b.protect_branch(ProtectBranch {
            repo: app(),
            rules: rules.clone()
        })
        .await
        .unwrap(),
        rules
    );
}

#[tokio::test]
async fn pull_requests() {
    let s = MockServer::start().await;
    Mock::given(method("POST")).and(path(format!("{R}/pullrequests")))
        .and(body_json(json!({"title": "Add feature", "description": "desc", "source": {"branch": {"name": "feature"}}, "destination": {"branch": {"name": "main"}}, "draft": false})))
        .respond_with(created(pr_json(1, "OPEN"))).expect(1).mount(&s).await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/pullrequests/1")))
        .respond_with(ok(pr_json(1, "OPEN")))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{R}/pullrequests/1/decline")))
        .respond_with(ok(pr_json(1, "DECLINED")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{R}/pullrequests/1/merge")))
        .and(body_json(
            json!({"type": "pullrequest", "message": "T", "merge_strategy": "squash"}),
        ))
        .respond_with(ok(pr_json(1, "MERGED")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/pullrequests")))
        .respond_with(move |req: &wiremock::Request| {
            let states: Vec<String> = req
                .url
                .query_pairs()
                .filter(|(k, _)| k == "state")
                .map(|(_, v)| v.into_owned())
                .collect();
            assert_eq!(states, ["MERGED", "DECLINED", "SUPERSEDED"]);
            ok(paged(vec![pr_json(1, "MERGED")], None))
        })
        .expect(1)
        .mount(&s)
        .await;
    let b = provider(&s);
    let pr = b
        .create_pull_request(CreatePullRequest {
            repo: app(),
            title: "Add feature".into(),
            body: Some("desc".into()),
            head: "feature".into(),
            base: "main".into(),
            draft: false,
        })
        .await
        .unwrap();
    assert_eq!(
        (pr.number, pr.head_sha.as_deref(), pr.author.as_deref()),
        (1, Some(SHA), Some("alice"))
    );
    b.get_pull_request(PullRequestRef {
        repo: app(),
        number: 1,
    })
    .await
    .unwrap();
    let pr = b
        .update_pull_request(UpdatePullRequest {
            repo: app(),
            number: 1,
            state: Some(PullRequestState::Closed),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(pr.state, PullRequestState::Closed);
    assert_eq!(
        b.update_pull_request(UpdatePullRequest {
            repo: app(),
            number: 1,
            state: Some(PullRequestState::Open),
            ..Default::default()
        })
        .await
        .unwrap_err()
        .field(),
        Some("state")
    );
    let m = b
        .merge_pull_request(MergePullRequest {
            repo: app(),
            number: 1,
            method: MergeMethod::Squash,
            commit_title: Some("T".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((m.merged, m.sha.as_deref()), (true, Some("m1")));
    let page = b
        .list_pull_requests(ListPullRequests {
            repo: app(),
            state: StateFilter::Closed,
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(page.items[0].state, PullRequestState::Merged);
}

#[tokio::test]
async fn commits_compare_and_src_commits() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/commit/{SHA}")))
        .respond_with(ok(commit_json(SHA)))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/commits/main")))
        .and(query_param("path", "README.md"))
        .respond_with(ok(paged(vec![commit_json(SHA)], None)))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/commits")))
        .and(query_param("include", "topic"))
        .and(query_param("exclude", "main"))
        .respond_with(ok(paged(vec![commit_json("c1"), commit_json("c2")], None)))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/commits")))
        .and(query_param("include", "main"))
        .and(query_param("exclude", "topic"))
        .respond_with(ok(paged(vec![], None)))
        .mount(&s)
        .await;
    Mock::given(method("GET")).and(path(format!("{R}/diffstat/topic..main")))
        .respond_with(ok(paged(vec![json!({"type": "diffstat", "status": "modified", "lines_added": 3, "lines_removed": 1, "old": {"path": "a.txt"}, "new": {"path": "a.txt"}})], None))).mount(&s).await;
    let form = Form::new()
        .text("message", "two")
        .text("branch", "main")
        .text("author", "A <a@example.com>")
        .file(
            "docs/new.txt",
            "new.txt",
            "application/octet-stream",
            b"hi".to_vec(),
        )
        .text("files", "old.txt");
    let (ct, body) = form.encode();
    Mock::given(method("POST"))
        .and(path(format!("{R}/src")))
        .and(header("content-type", ct.as_str()))
        .and(body_bytes(body.to_vec()))
        .respond_with(ResponseTemplate::new(201).insert_header(
            "location",
            format!("{}/2.0/repositories/acme/app/commit/{SHA}", s.uri()).as_str(),
        ))
        .expect(1)
        .mount(&s)
        .await;
    let b = provider(&s);
    let c = b
        .get_commit(CommitRef {
            repo: app(),
            sha: SHA.into(),
        })
        .await
        .unwrap();
    let a = c.author.unwrap();
    assert_eq!(
        (a.name.as_str(), a.email.as_str()),
        ("Alice Example", "alice@example.com")
    );
    b.list_commits(ListCommits {
        repo: app(),
        reference: Some("main".into()),
        path: Some("README.md".into()),
        page: PageRequest::first(),
    })
    .await
    .unwrap();
    let cmp = b
        .compare_commits(CompareCommits {
            repo: app(),
            base: "main".into(),
            head: "topic".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        (cmp.status, cmp.ahead_by, cmp.behind_by),
        (CompareStatus::Ahead, 2, 0)
    );
    assert_eq!(
        cmp.files[0],
        ChangedFile {
            path: "a.txt".into(),
            status: "modified".into(),
            additions: 3,
            deletions: 1
        }
    );
    let c = b
        .create_commit(CreateCommit {
            repo: app(),
            branch: "main".into(),
            message: "two".into(),
            changes: vec![
                FileChange::Create {
                    path: "docs/new.txt".into(),
                    content: b"hi".to_vec(),
                },
                FileChange::Delete {
                    path: "old.txt".into(),
                },
            ],
            author: Some(Signature {
                name: "A".into(),
                email: "a@example.com".into(),
                date: None,
            }),
        })
        .await
        .unwrap();
    assert_eq!(c.sha, SHA);
}

#[tokio::test]
async fn hooks_permissions_issues_files_statuses() {
    let s = MockServer::start().await;
    let hook = json!({"uuid": "{hook-1}", "url": "https://h.example/x", "description": "mosaic", "active": true, "events": ["repo:push", "pullrequest:created", "pullrequest:updated", "pullrequest:fulfilled", "pullrequest:rejected"]});
    Mock::given(method("POST")).and(path(format!("{R}/hooks")))
        .and(body_json(json!({"description": "mosaic", "url": "https://h.example/x", "active": true, "events": ["repo:push", "pullrequest:created", "pullrequest:updated", "pullrequest:fulfilled", "pullrequest:rejected"], "secret": "sh"})))
        .respond_with(created(hook.clone())).expect(1).mount(&s).await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/hooks/%7Bhook-1%7D")))
        .respond_with(ok(hook.clone()))
        .mount(&s)
        .await;
    Mock::given(method("PUT")).and(path(format!("{R}/hooks/%7Bhook-1%7D")))
        .and(body_json(json!({"description": "mosaic", "url": "https://h.example/x", "active": false, "events": ["repo:push", "pullrequest:created", "pullrequest:updated", "pullrequest:fulfilled", "pullrequest:rejected"]})))
        .respond_with(ok(hook.clone())).expect(1).mount(&s).await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/hooks")))
        .respond_with(ok(paged(vec![hook], None)))
        .mount(&s)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{R}/permissions-config/users/557058%3A1")))
        .and(body_json(json!({"permission": "write"})))
        .respond_with(ok(json!({"permission": "write"})))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET")).and(path(format!("{R}/permissions-config/users")))
        .respond_with(ok(paged(vec![json!({"permission": "admin", "user": {"display_name": "Alice", "account_id": "557058:1"}})], None))).mount(&s).await;
    let issue = json!({"type": "issue", "id": 5, "title": "Broken", "content": {"raw": "It breaks"}, "state": "new", "reporter": {"nickname": "bob"},
        "assignee": null, "links": {"html": {"href": "u"}}, "created_on": "2024-01-01T00:00:00Z"});
    Mock::given(method("POST"))
        .and(path(format!("{R}/issues")))
        .and(body_json(
            json!({"title": "Broken", "content": {"raw": "It breaks"}}),
        ))
        .respond_with(created(issue.clone()))
        .expect(1)
        .mount(&s)
        .await;
    let mut resolved = issue.clone();
    resolved["state"] = json!("resolved");
    Mock::given(method("PUT"))
        .and(path(format!("{R}/issues/5")))
        .and(body_json(json!({"state": "resolved"})))
        .respond_with(ok(resolved))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/issues")))
        .and(query_param(
            "q",
            r#"state="new" OR state="open" OR state="on hold""#,
        ))
        .respond_with(ok(paged(vec![issue], None)))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(R))
        .respond_with(ok(repo_json("app")))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/src/main/docs/a.md")))
        .and(query_param("format", "meta"))
        .respond_with(ok(
            json!({"path": "docs/a.md", "type": "commit_file", "commit": {"hash": SHA}, "size": 5}),
        ))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/src/main/docs/a.md")))
        .and(query_param_is_missing("format"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"hello".to_vec()))
        .mount(&s)
        .await;
    let st = json!({"type": "build", "key": "ci", "state": "SUCCESSFUL", "name": "ci", "url": "https://ci/1", "description": "ok", "created_on": "2024-01-01T00:00:00Z"});
    Mock::given(method("POST"))
        .and(path(format!("{R}/commit/{SHA}/statuses/build")))
        .and(body_json(
            json!({"key": "ci", "state": "SUCCESSFUL", "url": "https://ci/1", "description": "ok"}),
        ))
        .respond_with(created(st.clone()))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/commit/{SHA}/statuses")))
        .respond_with(ok(paged(vec![st], None)))
        .mount(&s)
        .await;
    let b = provider(&s);
    let h = b
        .create_webhook(CreateWebhook {
            repo: app(),
            url: "https://h.example/x".into(),
            events: vec!["push".into(), "pull_request".into()],
            secret: Some(Secret::new("sh")),
            active: true,
        })
        .await
        .unwrap();
    assert_eq!(
        (h.id.as_str(), h.events.clone()),
        (
            "{hook-1}",
            vec!["push".to_owned(), "pull_request".to_owned()]
        )
    );
    b.update_webhook(UpdateWebhook {
        repo: app(),
        id: "{hook-1}".into(),
        active: Some(false),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(
        b.create_webhook(CreateWebhook {
            repo: app(),
            url: "u".into(),
            events: vec!["release".into()],
            ..Default::default()
        })
        .await
        .unwrap_err()
        .field(),
        Some("events")
    );
    assert_eq!(
        b.list_webhooks(ListWebhooks {
            repo: app(),
            page: PageRequest::first()
        })
        .await
        .unwrap()
        .items
        .len(),
        1
    );
    b.add_collaborator(AddCollaborator {
        repo: app(),
        login: "557058:1".into(),
        permission: Permission::Write,
    })
    .await
    .unwrap();
    let c = b
        .list_collaborators(ListCollaborators {
            repo: app(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(
        c.items,
        [Collaborator {
            login: "557058:1".into(),
            permission: Permission::Admin
        }]
    );
    let i = b
        .create_issue(CreateIssue {
            repo: app(),
            title: "Broken".into(),
            body: Some("It breaks".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((i.number, i.author.as_deref()), (5, Some("bob")));
    assert_eq!(
        b.create_issue(CreateIssue {
            repo: app(),
            title: "x".into(),
            labels: vec!["bug".into()],
            ..Default::default()
        })
        .await
        .unwrap_err()
        .field(),
        Some("labels")
    );
    assert_eq!(
        b.close_issue(IssueRef {
            repo: app(),
            number: 5
        })
        .await
        .unwrap()
        .state,
        IssueState::Closed
    );
    assert_eq!(
        b.list_issues(ListIssues {
            repo: app(),
            state: StateFilter::Open,
            labels: vec![],
            page: PageRequest::first()
        })
        .await
        .unwrap()
        .items
        .len(),
        1
    );
    let f = b
        .get_file(GetFile {
            repo: app(),
            path: "docs/a.md".into(),
            reference: None,
        })
        .await
        .unwrap();
    assert_eq!((f.text(), f.sha.as_str()), (Some("hello"), SHA));
    let st = b
        .create_commit_status(CreateCommitStatus {
            repo: app(),
            sha: SHA.into(),
            state: StatusState::Success,
            context: "ci".into(),
            description: Some("ok".into()),
            target_url: Some("https://ci/1".into()),
        })
        .await
        .unwrap();
    assert_eq!(st.state, StatusState::Success);
    assert_eq!(
        b.create_commit_status(CreateCommitStatus {
            repo: app(),
            sha: SHA.into(),
            context: "ci".into(),
            ..Default::default()
        })
        .await
        .unwrap_err()
        .field(),
        Some("target_url")
    );
    assert_eq!(
        b.list_commit_statuses(ListCommitStatuses {
            repo: app(),
            sha: SHA.into(),
            page: PageRequest::first()
        })
        .await
        .unwrap()
        .items
        .len(),
        1
    );
}

#[tokio::test]
async fn releases_are_unsupported_and_capabilities_say_so() {
    let s = MockServer::start().await;
    let b = provider(&s);
    let caps = GitProvider::capabilities(&b);
    assert!(!caps.supports(GitOp::CreateRelease));
    assert!(!caps.supports(GitOp::ListReleases));
    assert!(caps.supports(GitOp::CreatePullRequest));
    let e = b
        .create_release(CreateRelease {
            repo: app(),
            tag_name: "v1".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(e.is_unsupported());
    assert!(
        b.list_releases(ListReleases {
            repo: app(),
            page: PageRequest::first()
        })
        .await
        .unwrap_err()
        .is_unsupported()
    );
    assert!(s.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn error_mapping_table_and_rate_limit() {
    let s = MockServer::start().await;
    type Case = (
        &'static str,
        ResponseTemplate,
        ErrorKind,
        Option<u64>,
        Option<&'static str>,
    );
    let cases: Vec<Case> = vec![
        ("r404", ResponseTemplate::new(404).set_body_json(json!({"type": "error", "error": {"message": "Repository acme/r404 not found"}})), ErrorKind::NotFound, None, None),
        ("r401", ResponseTemplate::new(401).set_body_json(json!({"type": "error", "error": {"message": "Unauthorized"}})), ErrorKind::Unauthenticated, None, None),
        ("r403", ResponseTemplate::new(403).set_body_json(json!({"type": "error", "error": {"message": "Your credentials lack one or more required privilege scopes."}})), ErrorKind::PermissionDenied, None, None),
        ("r400", ResponseTemplate::new(400).set_body_json(json!({"type": "error", "error": {"message": "Bad request", "fields": {"name": ["This field is required."]}}})), ErrorKind::InvalidInput, None, Some("name")),
        ("r409", ResponseTemplate::new(409).set_body_json(json!({"type": "error", "error": {"message": "conflict"}})), ErrorKind::Conflict, None, None),
        ("r429", ResponseTemplate::new(429).insert_header("retry-after", "3600").set_body_string("Rate limit for this resource has been exceeded"), ErrorKind::RateLimited, Some(3600), None),
        ("r500", ResponseTemplate::new(500), ErrorKind::Unavailable, None, None),
    ];
    let b = provider(&s);
    for (name, resp, kind, retry, field) in cases {
        Mock::given(path(format!("/2.0/repositories/acme/{name}")))
            .respond_with(resp)
            .mount(&s)
            .await;
        let e = b
            .get_repository(RepoRef::new("acme", name))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), kind, "{name}: {e}");
        assert_eq!(e.retry_after(), retry.map(Duration::from_secs));
        assert_eq!(e.field(), field);
        assert!(!format!("{e:?}").contains("app-pw"));
    }
    Mock::given(path("/2.0/repositories/acme/bad"))
        .respond_with(ok(json!({"uuid": 1})))
        .mount(&s)
        .await;
    let e = b
        .get_repository(RepoRef::new("acme", "bad"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.message().contains("$.uuid"), "{e}");
}

#[tokio::test]
async fn access_tokens_are_bearer() {
    let s = MockServer::start().await;
    Mock::given(path(R))
        .and(header("authorization", "Bearer bb-token"))
        .respond_with(ok(repo_json("app")))
        .expect(1)
        .mount(&s)
        .await;
    let b = Bitbucket::new(
        BitbucketConfig::access_token("bb-token").with_base_url(format!("{}/2.0", s.uri())),
    )
    .unwrap();
    b.get_repository(app()).await.unwrap();
}

const SECRET: &str = "bb-secret";

fn hook_headers(event: &str, body: &[u8], secret: Option<&str>) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("x-event-key", HeaderValue::from_str(event).unwrap());
    h.insert(
        "x-request-uuid",
        HeaderValue::from_static("8b5a1c3e-1111-4a2b-9c3d-000000000000"),
    );
    if let Some(s) = secret {
        h.insert(
            "x-hub-signature",
            HeaderValue::from_str(&format!("sha256={}", hmac_sha256_hex(s.as_bytes(), body)))
                .unwrap(),
        );
    }
    h
}

fn deliver(event: &str, v: Value) -> WebhookOutcome {
    let body = serde_json::to_vec(&v).unwrap();
    BitbucketWebhooks::new(SECRET)
        .unwrap()
        .handle(&hook_headers(event, &body, Some(SECRET)), &body)
        .unwrap()
}

fn hook_repo() -> Value {
    json!({"type": "repository", "full_name": "acme/app", "name": "app", "uuid": "{r}"})
}

fn ref_state(kind: &str, name: &str, hash: &str) -> Value {
    json!({"type": kind, "name": name, "target": {"type": "commit", "hash": hash}})
}

#[test]
fn webhook_signatures() {
    let body =
        serde_json::to_vec(&json!({"repository": hook_repo(), "push": {"changes": []}})).unwrap();
    let wh = BitbucketWebhooks::new(SECRET).unwrap();
    assert!(
        wh.handle(&hook_headers("repo:push", &body, Some(SECRET)), &body)
            .is_ok()
    );
    assert!(matches!(
        wh.handle(&hook_headers("repo:push", &body, Some("x")), &body),
        Err(WebhookError::InvalidSignature {
            header: "x-hub-signature"
        })
    ));
    assert!(matches!(
        wh.handle(&hook_headers("repo:push", &body, None), &body),
        Err(WebhookError::MissingSignature { .. })
    ));
}

#[test]
fn webhook_events() {
    let actor = json!({"display_name": "Alice", "nickname": "alice", "account_id": "557058:1"});
    let push = |old: Value, new: Value| {
        deliver(
            "repo:push",
            json!({"actor": actor, "repository": hook_repo(), "push": {"changes": [{"old": old, "new": new,
        "created": false, "closed": false, "commits": [commit_json("c2"), commit_json("c1")]}]}}),
        )
    };
    let out = push(
        ref_state("branch", "main", "c0"),
        ref_state("branch", "main", "c2"),
    );
    let d = out.delivery().unwrap();
    assert_eq!(
        (d.forge, d.repository.full_name(), d.sender.as_deref()),
        (Forge::Bitbucket, "acme/app".to_owned(), Some("alice"))
    );
    let WebhookEvent::Push(p) = &d.event else {
        panic!()
    };
    assert_eq!(
        (p.git_ref.as_str(), p.before.as_deref(), p.after.as_str()),
        ("refs/heads/main", Some("c0"), "c2")
    );
    let shas: Vec<&str> = p.commits.iter().map(|c| c.sha.as_str()).collect();
    assert_eq!(shas, ["c1", "c2"], "oldest first");
    assert_eq!(p.commits[0].author.as_deref(), Some("Alice Example"));
    assert_eq!(
        push(json!(null), ref_state("branch", "new", "c2"))
            .event()
            .unwrap()
            .name(),
        "branch_created"
    );
    assert_eq!(
        push(ref_state("tag", "v1", "c2"), json!(null))
            .event()
            .unwrap()
            .name(),
        "tag_deleted"
    );
    assert_eq!(
        push(json!(null), ref_state("tag", "v2", "c2"))
            .event()
            .unwrap()
            .name(),
        "tag_created"
    );
    for (event, want) in [
        ("pullrequest:created", PullRequestAction::Opened),
        ("pullrequest:updated", PullRequestAction::Synchronized),
        ("pullrequest:fulfilled", PullRequestAction::Merged),
        ("pullrequest:rejected", PullRequestAction::Closed),
    ] {
        let out = deliver(
            event,
            json!({"actor": actor, "repository": hook_repo(), "pullrequest": pr_json(1, "OPEN")}),
        );
        assert!(
            matches!(out.event(), Some(WebhookEvent::PullRequest(e)) if e.action == want),
            "{event}"
        );
    }
    let out = deliver(
        "pullrequest:comment_created",
        json!({"actor": actor, "repository": hook_repo(), "pullrequest": {"id": 1},
        "comment": {"id": 17, "content": {"raw": "LGTM"}, "user": {"nickname": "bob"}}}),
    );
    assert!(
        matches!(out.event(), Some(WebhookEvent::Comment(c)) if c.target == CommentTarget::PullRequest(1) && c.body == "LGTM" && c.author.as_deref() == Some("bob"))
    );
    let out = deliver(
        "repo:commit_comment_created",
        json!({"repository": hook_repo(), "commit": {"hash": SHA}, "comment": {"id": 2, "content": {"raw": "hm"}}}),
    );
    assert!(
        matches!(out.event(), Some(WebhookEvent::Comment(c)) if c.target == CommentTarget::Commit(SHA.into()))
    );
    let issue = json!({"id": 5, "title": "Broken", "state": "resolved", "content": {"raw": "x"}});
    let out = deliver(
        "issue:updated",
        json!({"repository": hook_repo(), "issue": issue}),
    );
    assert!(matches!(out.event(), Some(WebhookEvent::Issue(e)) if e.action == IssueAction::Closed));
    assert!(deliver("repo:fork", json!({"repository": hook_repo()})).is_ignored());
}

proptest! {
    #[test]
    fn arbitrary_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..400), event in "(repo:push|pullrequest:created|pullrequest:comment_created|issue:updated|x)") {
        let wh = BitbucketWebhooks::new(SECRET).unwrap();
        let _ = wh.handle(&hook_headers(&event, &body, Some(SECRET)), &body);
        let _ = Bitbucket::parse_repositories(&body);
    }
}

#[tokio::test]
async fn remaining_operations() {
    let s = MockServer::start().await;
    let issue = json!({"type": "issue", "id": 5, "title": "Broken", "content": {"raw": "It breaks"}, "state": "open", "assignee": {"account_id": "557058:2"}});
    Mock::given(method("GET"))
        .and(path(format!("{R}/issues/5")))
        .respond_with(ok(issue.clone()))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PUT")).and(path(format!("{R}/issues/5")))
        .and(body_json(json!({"title": "Still broken", "state": "open", "assignee": {"account_id": "557058:2"}})))
        .respond_with(ok(issue)).expect(1).mount(&s).await;
    Mock::given(method("DELETE"))
        .and(path(format!("{R}/permissions-config/users/557058%3A1")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{R}/hooks/%7Bhook-1%7D")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/commits")))
        .and(query_param("pagelen", "10"))
        .respond_with(ok(paged(vec![commit_json(SHA)], None)))
        .expect(1)
        .mount(&s)
        .await;
    // file writes and deletes are commits through /src on the main branch
    Mock::given(method("GET"))
        .and(path(R))
        .respond_with(ok(repo_json("app")))
        .mount(&s)
        .await;
    let write = Form::new()
        .text("message", "add")
        .text("branch", "main")
        .file(
            "docs/a.md",
            "a.md",
            "application/octet-stream",
            b"hi".to_vec(),
        );
    let (ct, body) = write.encode();
    Mock::given(method("POST"))
        .and(path(format!("{R}/src")))
        .and(header("content-type", ct.as_str()))
        .and(body_bytes(body.to_vec()))
        .respond_with(ResponseTemplate::new(201).insert_header(
            "location",
            format!("{}/2.0/repositories/acme/app/commit/{SHA}", s.uri()).as_str(),
        ))
        .expect(2)
        .mount(&s)
        .await;
    let rm = Form::new()
        .text("message", "rm")
        .text("branch", "dev")
        .text("files", "docs/a.md");
    let (ct, body) = rm.encode();
    Mock::given(method("POST"))
        .and(path(format!("{R}/src")))
        .and(header("content-type", ct.as_str()))
        .and(body_bytes(body.to_vec()))
        .respond_with(ResponseTemplate::new(201).insert_header(
            "location",
            format!("{}/2.0/repositories/acme/app/commit/{SHA}", s.uri()).as_str(),
        ))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/commit/{SHA}")))
        .respond_with(ok(commit_json(SHA)))
        .mount(&s)
        .await;
    let b = provider(&s);
    assert_eq!(
        b.get_issue(IssueRef {
            repo: app(),
            number: 5
        })
        .await
        .unwrap()
        .assignees,
        ["557058:2"]
    );
    b.update_issue(UpdateIssue {
        repo: app(),
        number: 5,
        title: Some("Still broken".into()),
        state: Some(IssueState::Open),
        assignees: Some(vec!["557058:2".into()]),
        ..Default::default()
    })
    .await
    .unwrap();
    b.remove_collaborator(CollaboratorRef {
        repo: app(),
        login: "557058:1".into(),
    })
    .await
    .unwrap();
    b.delete_webhook(WebhookRef {
        repo: app(),
        id: "{hook-1}".into(),
    })
    .await
    .unwrap();
    assert_eq!(
        b.list_commits(ListCommits {
            repo: app(),
            reference: None,
            path: None,
            page: PageRequest::first()
        })
        .await
        .unwrap()
        .items[0]
            .sha,
        SHA
    );
    let w = WriteFile {
        repo: app(),
        path: "docs/a.md".into(),
        content: b"hi".to_vec(),
        message: "add".into(),
        branch: None,
        sha: None,
    };
    let fc = b.create_file(w.clone()).await.unwrap();
    assert_eq!((fc.commit.sha.as_str(), fc.content_sha), (SHA, None));
    b.update_file(w).await.unwrap();
    let fc = b
        .delete_file(DeleteFile {
            repo: app(),
            path: "docs/a.md".into(),
            message: "rm".into(),
            branch: Some("dev".into()),
            sha: None,
        })
        .await
        .unwrap();
    assert_eq!(fc.path, "docs/a.md");
    // refusals send nothing
    let n = s.received_requests().await.unwrap().len();
    assert_eq!(
        b.merge_pull_request(MergePullRequest {
            repo: app(),
            number: 1,
            sha: Some(SHA.into()),
            ..Default::default()
        })
        .await
        .unwrap_err()
        .field(),
        Some("sha")
    );
    assert_eq!(
        b.protect_branch(ProtectBranch {
            repo: app(),
            rules: BranchProtection {
                branch: "main".into(),
                enforce_admins: true,
                ..Default::default()
            }
        })
        .await
        .unwrap_err()
        .field(),
        Some("rules.enforce_admins")
    );
    assert_eq!(s.received_requests().await.unwrap().len(), n);
}

/// The webhook handler's own checks (moved from the handler's module).
mod webhook_handler {
    use mosaic_core::ErrorKind;
    use mosaic_providers::bitbucket::webhook::{BitbucketWebhooks, EVENT_HEADER, SIGNATURE_HEADER};
    use mosaic_providers::webhook::{HeaderMap, HeaderValue, WebhookError, WebhookHandler, verify};

    #[test]
    fn a_blank_secret_is_a_config_error() {
        for blank in ["", " ", "\t\n"] {
            let e = BitbucketWebhooks::new(blank).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Config, "{e}");
            assert!(e.to_string().contains("empty"), "{e}");
        }
        assert!(BitbucketWebhooks::new("s3cr3t").is_ok());
    }

    #[test]
    fn a_body_signed_with_the_empty_key_is_refused() {
        let wh = BitbucketWebhooks::new("s3cr3t").unwrap();
        let body = br#"{"forged": true}"#;
        let mut h = HeaderMap::new();
        let sig = format!("sha256={}", verify::hmac_sha256_hex(b"", body));
        h.insert(SIGNATURE_HEADER, HeaderValue::from_str(&sig).unwrap());
        h.insert(EVENT_HEADER, HeaderValue::from_static("push"));
        let e = wh.verify(&h, body).unwrap_err();
        assert!(matches!(e, WebhookError::InvalidSignature { .. }), "{e:?}");
        assert!(wh.handle(&h, body).is_err());
    }
}
