//! GitLab against a local mock server: requests and parsed results per
//! operation (URL-encoded project paths), error mapping, pagination,
//! rate limits, webhooks and malformed input.
#![cfg(feature = "gitlab")]

use std::time::Duration;

use futures::StreamExt;
use http::{HeaderMap, HeaderValue};
use mosaic_core::git::*;
use mosaic_core::page::paginate;
use mosaic_core::{ErrorKind, PageRequest, Secret};
use mosaic_providers::gitlab::webhook::GitLabWebhooks;
use mosaic_providers::gitlab::{GitLab, GitLabConfig};
use mosaic_providers::webhook::*;
use proptest::prelude::*;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SHA: &str = "ed899a2f4b50b4370feeea94676502b42383c746";
const P: &str = "/api/v4/projects/group%2Fsub%2Fapp";

fn provider(s: &MockServer) -> GitLab {
    GitLab::new(
        GitLabConfig::private_token("glpat-test").with_base_url(format!("{}/api/v4", s.uri())),
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
    RepoRef::new("group/sub", "app")
}

fn project_json(id: u64, path: &str) -> Value {
    json!({"id": id, "description": "desc", "name": path, "path": path, "path_with_namespace": format!("group/sub/{path}"),
        "namespace": {"id": 9, "name": "sub", "path": "sub", "kind": "group", "full_path": "group/sub"},
        "visibility": "internal", "default_branch": "main", "http_url_to_repo": format!("https://gitlab.example.com/group/sub/{path}.git"),
        "ssh_url_to_repo": format!("git@gitlab.example.com:group/sub/{path}.git"), "web_url": format!("https://gitlab.example.com/group/sub/{path}"),
        "archived": false, "created_at": "2013-09-30T13:46:02Z", "last_activity_at": "2013-09-30T13:46:02Z"})
}

fn mr_json(iid: u64, state: &str) -> Value {
    json!({"id": 1, "iid": iid, "project_id": 3, "title": "Draft: test1", "description": "fixed login page css paddings", "state": state,
        "draft": true, "source_branch": "test1", "target_branch": "main", "sha": SHA, "author": {"id": 1, "username": "admin"},
        "merge_commit_sha": if state == "merged" { json!("9999999999999999999999999999999999999999") } else { json!(null) },
        "squash_commit_sha": null, "web_url": "https://gitlab.example.com/group/sub/app/-/merge_requests/1",
        "created_at": "2017-04-29T08:46:00Z", "updated_at": "2017-04-29T08:46:00Z"})
}

fn commit_json(id: &str) -> Value {
    json!({"id": id, "short_id": "ed899a2f", "title": "Replace sanitize with escape once", "message": "Replace sanitize with escape once",
        "author_name": "Example User", "author_email": "user@example.com", "authored_date": "2021-09-20T11:50:22.001+00:00",
        "committer_name": "Administrator", "committer_email": "admin@example.com", "committed_date": "2021-09-20T11:50:22.001+00:00",
        "parent_ids": ["6104942438c14ec7bd21c6cd5bd995272b3faff6"], "web_url": "https://gitlab.example.com/group/sub/app/-/commit/x"})
}

#[tokio::test]
async fn projects() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/namespaces/group%2Fsub"))
        .and(header("private-token", "glpat-test"))
        .respond_with(ok(json!({"id": 9, "full_path": "group/sub"})))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST")).and(path("/api/v4/projects"))
        .and(body_json(json!({"name": "app", "path": "app", "namespace_id": 9, "visibility": "internal", "initialize_with_readme": false})))
        .respond_with(created(project_json(3, "app"))).expect(1).mount(&s).await;
    Mock::given(method("GET"))
        .and(path(P))
        .respond_with(ok(project_json(3, "app")))
        .mount(&s)
        .await;
    Mock::given(method("PUT"))
        .and(path(P))
        .and(body_json(json!({"description": "d2"})))
        .respond_with(ok(project_json(3, "app")))
        .expect(1)
        .mount(&s)
        .await;
    let mut archived = project_json(3, "app");
    archived["archived"] = json!(true);
    Mock::given(method("POST"))
        .and(path(format!("{P}/archive")))
        .respond_with(created(archived))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path(P))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"message": "202 Accepted"})))
        .expect(1)
        .mount(&s)
        .await;
    let mut fork = project_json(4, "app2");
    fork["forked_from_project"] = json!({"id": 3});
    Mock::given(method("POST"))
        .and(path(format!("{P}/fork")))
        .and(body_json(
            json!({"namespace_path": "me", "name": "app2", "path": "app2"}),
        ))
        .respond_with(created(fork))
        .expect(1)
        .mount(&s)
        .await;
    let g = provider(&s);
    let r = g
        .create_repository(
            CreateRepository::new("app")
                .in_owner("group/sub")
                .visibility(Visibility::Internal),
        )
        .await
        .unwrap();
    assert_eq!(
        (r.owner.as_str(), r.name.as_str(), r.full_name.as_str()),
        ("group/sub", "app", "group/sub/app")
    );
    assert_eq!(r.visibility, Visibility::Internal);
    assert_eq!(g.get_repository(app()).await.unwrap().id, "3");
    let mut u = UpdateRepository::new(app());
    u.description = Some("d2".into());
    u.archived = Some(true);
    assert!(g.update_repository(u).await.unwrap().archived);
    g.delete_repository(app()).await.unwrap();
    let f = g
        .fork_repository(ForkRepository {
            repo: app(),
            organization: Some("me".into()),
            name: Some("app2".into()),
        })
        .await
        .unwrap();
    assert!(f.fork);
}

#[tokio::test]
async fn list_projects_three_pages_group_then_user_fallback() {
    let s = MockServer::start().await;
    let base = format!("{}/api/v4", s.uri());
    for page in 1..=3u64 {
        let mut resp =
            ok(json!([project_json(page, &format!("p{page}"))])).insert_header("x-total", "3");
        if page < 3 {
            resp = resp.insert_header(
                "link",
                format!(
                    r#"<{base}/groups/group/projects?page={}&per_page=1>; rel="next""#,
                    page + 1
                )
                .as_str(),
            );
        }
        let m = Mock::given(method("GET"))
            .and(path("/api/v4/groups/group/projects"))
            .and(query_param("per_page", "1"));
        let m = if page == 1 {
            m.and(query_param_is_missing("page"))
        } else {
            m.and(query_param("page", page.to_string()))
        };
        m.respond_with(resp).expect(1).mount(&s).await;
    }
    Mock::given(method("GET"))
        .and(path("/api/v4/groups/alice/projects"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"message": "404 Group Not Found"})),
        )
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/users/alice/projects"))
        .respond_with(ok(json!([project_json(7, "mine")])))
        .expect(1)
        .mount(&s)
        .await;
    let g = provider(&s);
    let g2 = g.clone();
    let names: Vec<String> = paginate(
        ListRepositories {
            owner: Some("group".into()),
            page: PageRequest::with_size(1),
        },
        move |p| {
            let g = g2.clone();
            async move { g.list_repositories(p).await }
        },
    )
    .map(|r| r.unwrap().name)
    .collect()
    .await;
    assert_eq!(names, ["p1", "p2", "p3"]);
    let page = g
        .list_repositories(ListRepositories {
            owner: Some("alice".into()),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(page.items[0].name, "mine");
}

#[tokio::test]
async fn branches_protection_tags() {
    let s = MockServer::start().await;
    let b =
        json!({"name": "feature/x", "commit": {"id": SHA}, "protected": false, "merged": false});
    Mock::given(method("POST"))
        .and(path(format!("{P}/repository/branches")))
        .and(query_param("branch", "feature/x"))
        .and(query_param("ref", "main"))
        .respond_with(created(b.clone()))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/repository/branches/feature%2Fx")))
        .respond_with(ok(b.clone()))
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{P}/repository/branches/feature%2Fx")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/repository/branches")))
        .and(query_param("per_page", "20"))
        .respond_with(ok(json!([b])))
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{P}/protected_branches/main")))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "404 Not found"})))
        .mount(&s)
        .await;
    Mock::given(method("POST")).and(path(format!("{P}/protected_branches")))
        .and(body_json(json!({"name": "main", "push_access_level": 40, "merge_access_level": 40, "allow_force_push": true})))
        .respond_with(created(json!({"id": 1, "name": "main", "allow_force_push": true, "push_access_levels": [], "merge_access_levels": []}))).expect(1).mount(&s).await;
    let tag = json!({"name": "v1.0.0", "message": "Release", "target": "2695effb", "commit": {"id": SHA}, "release": null, "protected": false});
    Mock::given(method("POST"))
        .and(path(format!("{P}/repository/tags")))
        .and(query_param("tag_name", "v1.0.0"))
        .and(query_param("ref", "main"))
        .and(query_param("message", "Release"))
        .respond_with(created(tag.clone()))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/repository/tags/v1.0.0")))
        .respond_with(ok(tag.clone()))
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{P}/repository/tags/v1.0.0")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/repository/tags")))
        .respond_with(ok(json!([tag])))
        .mount(&s)
        .await;
    let g = provider(&s);
    assert_eq!(
        g.create_branch(CreateBranch {
            repo: app(),
            name: "feature/x".into(),
            from: "main".into()
        })
        .await
        .unwrap()
        .commit_sha,
        SHA
    );
    assert_eq!(
        g.get_branch(BranchRef::new(app(), "feature/x"))
            .await
            .unwrap()
            .name,
        "feature/x"
    );
    g.delete_branch(BranchRef::new(app(), "feature/x"))
        .await
        .unwrap();
    assert_eq!(
        g.list_branches(ListBranches {
            repo: app(),
            page: PageRequest::first()
        })
        .await
        .unwrap()
        .items
        .len(),
        1
    );
    let out = g
        .protect_branch(ProtectBranch {
            repo: app(),
            rules: BranchProtection {
                branch: "main".into(),
                allow_force_push: true,
                ..Default::default()
            },
        })
        .await
        .unwrap();
    assert!(out.allow_force_push);
    let e = g
        .protect_branch(ProtectBranch {
            repo: app(),
            rules: BranchProtection {
                branch: "main".into(),
                required_approvals: 2,
                ..Default::default()
            },
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("rules.required_approvals"));
    let t = g
        .create_tag(CreateTag {
            repo: app(),
            name: "v1.0.0".into(),
            target: "main".into(),
            message: Some("Release".into()),
        })
        .await
        .unwrap();
    assert_eq!(
        t,
        Tag {
            name: "v1.0.0".into(),
            sha: SHA.into(),
            message: Some("Release".into())
        }
    );
    g.get_tag(TagRef {
        repo: app(),
        name: "v1.0.0".into(),
    })
    .await
    .unwrap();
    g.delete_tag(TagRef {
        repo: app(),
        name: "v1.0.0".into(),
    })
    .await
    .unwrap();
    assert_eq!(
        g.list_tags(ListTags {
            repo: app(),
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
async fn merge_requests() {
    let s = MockServer::start().await;
    Mock::given(method("POST")).and(path(format!("{P}/merge_requests")))
        .and(body_json(json!({"source_branch": "test1", "target_branch": "main", "title": "Draft: test1", "description": "fixed"})))
        .respond_with(created(mr_json(1, "opened"))).expect(1).mount(&s).await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/merge_requests/1")))
        .respond_with(ok(mr_json(1, "merged")))
        .mount(&s)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{P}/merge_requests/1")))
        .and(body_json(json!({"state_event": "close"})))
        .respond_with(ok(mr_json(1, "closed")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{P}/merge_requests/1/merge")))
        .and(body_json(
            json!({"squash_commit_message": "T", "squash": true, "sha": SHA}),
        ))
        .respond_with(ok(mr_json(1, "merged")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/merge_requests")))
        .and(query_param("state", "all"))
        .respond_with(ok(json!([
            mr_json(1, "opened"),
            mr_json(2, "merged"),
            mr_json(3, "closed")
        ])))
        .mount(&s)
        .await;
    let g = provider(&s);
    let pr = g
        .create_pull_request(CreatePullRequest {
            repo: app(),
            title: "test1".into(),
            body: Some("fixed".into()),
            head: "test1".into(),
            base: "main".into(),
            draft: true,
        })
        .await
        .unwrap();
    assert_eq!(
        (pr.number, pr.draft, pr.author.as_deref()),
        (1, true, Some("admin"))
    );
    let pr = g
        .get_pull_request(PullRequestRef {
            repo: app(),
            number: 1,
        })
        .await
        .unwrap();
    assert_eq!(pr.state, PullRequestState::Merged);
    assert!(pr.merge_commit_sha.is_some());
    g.update_pull_request(UpdatePullRequest {
        repo: app(),
        number: 1,
        state: Some(PullRequestState::Closed),
        ..Default::default()
    })
    .await
    .unwrap();
    let m = g
        .merge_pull_request(MergePullRequest {
            repo: app(),
            number: 1,
            method: MergeMethod::Squash,
            commit_title: Some("T".into()),
            commit_message: None,
            sha: Some(SHA.into()),
        })
        .await
        .unwrap();
    assert!(m.merged);
    let e = g
        .merge_pull_request(MergePullRequest {
            repo: app(),
            number: 1,
            method: MergeMethod::Rebase,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("method"));
    let closed = g
        .list_pull_requests(ListPullRequests {
            repo: app(),
            state: StateFilter::Closed,
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    let numbers: Vec<u64> = closed.items.iter().map(|p| p.number).collect();
    assert_eq!(numbers, [2, 3], "closed lists closed and merged requests");
}

#[tokio::test]
async fn commits_compare_create() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/repository/commits/{SHA}")))
        .respond_with(ok(commit_json(SHA)))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/repository/commits")))
        .and(query_param("ref_name", "main"))
        .and(query_param("path", "README.md"))
        .respond_with(ok(json!([commit_json(SHA)])))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET")).and(path(format!("{P}/repository/compare"))).and(query_param("from", "main")).and(query_param("to", "topic"))
        .respond_with(ok(json!({"commit": commit_json(SHA), "commits": [commit_json(SHA)], "compare_same_ref": false,
            "diffs": [{"old_path": "files/js/application.js", "new_path": "files/js/application.js", "a_mode": null, "b_mode": "100644",
                "diff": "@@ -24,8 +24,7 @@\n-  a\n-  b\n+  c\n", "new_file": false, "renamed_file": false, "deleted_file": false}]}))).mount(&s).await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/repository/compare")))
        .and(query_param("from", "topic"))
        .and(query_param("to", "main"))
        .respond_with(ok(
            json!({"commits": [commit_json("a"), commit_json("b")], "diffs": []}),
        ))
        .mount(&s)
        .await;
    Mock::given(method("POST")).and(path(format!("{P}/repository/commits")))
        .and(body_json(json!({"branch": "main", "commit_message": "some commit message", "actions": [
            {"action": "create", "file_path": "foo/bar", "content": "c29tZSBjb250ZW50", "encoding": "base64"},
            {"action": "delete", "file_path": "foo/bar2"}
        ], "author_name": "A", "author_email": "a@example.com"})))
        .respond_with(created(commit_json(SHA))).expect(1).mount(&s).await;
    let g = provider(&s);
    let c = g
        .get_commit(CommitRef {
            repo: app(),
            sha: SHA.into(),
        })
        .await
        .unwrap();
    assert_eq!(c.author.as_ref().unwrap().email, "user@example.com");
    assert_eq!(c.parents.len(), 1);
    g.list_commits(ListCommits {
        repo: app(),
        reference: Some("main".into()),
        path: Some("README.md".into()),
        page: PageRequest::first(),
    })
    .await
    .unwrap();
    let cmp = g
        .compare_commits(CompareCommits {
            repo: app(),
            base: "main".into(),
            head: "topic".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        (cmp.status, cmp.ahead_by, cmp.behind_by),
        (CompareStatus::Diverged, 1, 2)
    );
    assert_eq!((cmp.files[0].additions, cmp.files[0].deletions), (1, 2));
    let c = g
        .create_commit(CreateCommit {
            repo: app(),
            branch: "main".into(),
            message: "some commit message".into(),
            changes: vec![
                FileChange::Create {
                    path: "foo/bar".into(),
                    content: b"some content".to_vec(),
                },
                FileChange::Delete {
                    path: "foo/bar2".into(),
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
async fn hooks_members_issues() {
    let s = MockServer::start().await;
    let hook = json!({"id": 1, "url": "http://example.com/hook", "push_events": true, "tag_push_events": true, "merge_requests_events": true,
        "issues_events": false, "note_events": false, "releases_events": false, "created_at": "2012-10-12T17:04:47Z"});
    Mock::given(method("POST")).and(path(format!("{P}/hooks")))
        .and(body_json(json!({"url": "http://example.com/hook", "token": "tok", "push_events": true, "tag_push_events": true,
            "merge_requests_events": true, "issues_events": false, "note_events": false, "releases_events": false})))
        .respond_with(created(hook.clone())).expect(1).mount(&s).await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/hooks/1")))
        .respond_with(ok(hook.clone()))
        .mount(&s)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{P}/hooks/1")))
        .and(body_json(
            json!({"url": "http://example.com/hook", "token": "new"}),
        ))
        .respond_with(ok(hook.clone()))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{P}/hooks/1")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/hooks")))
        .respond_with(ok(json!([hook])))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/users"))
        .and(query_param("username", "jdoe"))
        .respond_with(ok(json!([{"id": 42, "username": "jdoe"}])))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{P}/members")))
        .and(body_json(json!({"user_id": 42, "access_level": 30})))
        .respond_with(created(
            json!({"id": 42, "username": "jdoe", "access_level": 30}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{P}/members/42")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET")).and(path(format!("{P}/members")))
        .respond_with(ok(json!([{"id": 1, "username": "raymond_smith", "access_level": 40}, {"id": 42, "username": "jdoe", "access_level": 30}]))).mount(&s).await;
    let issue = json!({"id": 76, "iid": 6, "project_id": 3, "title": "Consequatur vero maxime", "description": "Ratione dolores", "state": "opened",
        "labels": ["foo", "bar"], "assignees": [{"id": 42, "username": "jdoe"}], "author": {"id": 1, "username": "root"},
        "web_url": "http://gitlab.example.com/group/sub/app/-/issues/6", "created_at": "2016-01-04T15:31:51.081Z", "updated_at": "2016-01-04T15:31:51.081Z"});
    Mock::given(method("POST"))
        .and(path(format!("{P}/issues")))
        .and(body_json(
            json!({"title": "Consequatur vero maxime", "labels": "foo,bar", "assignee_ids": [42]}),
        ))
        .respond_with(created(issue.clone()))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/issues/6")))
        .respond_with(ok(issue.clone()))
        .mount(&s)
        .await;
    let mut closed = issue.clone();
    closed["state"] = json!("closed");
    Mock::given(method("PUT"))
        .and(path(format!("{P}/issues/6")))
        .and(body_json(json!({"state_event": "close"})))
        .respond_with(ok(closed))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{P}/issues/6")))
        .and(body_json(json!({"title": "new", "labels": ""})))
        .respond_with(ok(issue.clone()))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/issues")))
        .and(query_param("state", "opened"))
        .and(query_param("labels", "foo"))
        .respond_with(ok(json!([issue])))
        .expect(1)
        .mount(&s)
        .await;
    let g = provider(&s);
    let h = g
        .create_webhook(CreateWebhook {
            repo: app(),
            url: "http://example.com/hook".into(),
            events: vec!["push".into(), "create".into(), "pull_request".into()],
            secret: Some(Secret::new("tok")),
            active: true,
        })
        .await
        .unwrap();
    assert_eq!(h.events, ["push", "create", "delete", "pull_request"]);
    g.update_webhook(UpdateWebhook {
        repo: app(),
        id: "1".into(),
        secret: Some(Secret::new("new")),
        ..Default::default()
    })
    .await
    .unwrap();
    let e = g
        .update_webhook(UpdateWebhook {
            repo: app(),
            id: "1".into(),
            active: Some(false),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("active"));
    g.delete_webhook(WebhookRef {
        repo: app(),
        id: "1".into(),
    })
    .await
    .unwrap();
    assert_eq!(
        g.list_webhooks(ListWebhooks {
            repo: app(),
            page: PageRequest::first()
        })
        .await
        .unwrap()
        .items
        .len(),
        1
    );
    g.add_collaborator(AddCollaborator {
        repo: app(),
        login: "jdoe".into(),
        permission: Permission::Write,
    })
    .await
    .unwrap();
    g.remove_collaborator(CollaboratorRef {
        repo: app(),
        login: "jdoe".into(),
    })
    .await
    .unwrap();
    let members = g
        .list_collaborators(ListCollaborators {
            repo: app(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(members.items[0].permission, Permission::Maintain);
    let i = g
        .create_issue(CreateIssue {
            repo: app(),
            title: "Consequatur vero maxime".into(),
            body: None,
            labels: vec!["foo".into(), "bar".into()],
            assignees: vec!["jdoe".into()],
        })
        .await
        .unwrap();
    assert_eq!(
        (i.number, i.labels.len(), i.author.as_deref()),
        (6, 2, Some("root"))
    );
    assert_eq!(
        g.get_issue(IssueRef {
            repo: app(),
            number: 6
        })
        .await
        .unwrap()
        .assignees,
        ["jdoe"]
    );
    assert_eq!(
        g.close_issue(IssueRef {
            repo: app(),
            number: 6
        })
        .await
        .unwrap()
        .state,
        IssueState::Closed
    );
    g.update_issue(UpdateIssue {
        repo: app(),
        number: 6,
        title: Some("new".into()),
        labels: Some(vec![]),
        ..Default::default()
    })
    .await
    .unwrap();
    g.list_issues(ListIssues {
        repo: app(),
        state: StateFilter::Open,
        labels: vec!["foo".into()],
        page: PageRequest::first(),
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn files_statuses_releases() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(P))
        .respond_with(ok(project_json(3, "app")))
        .mount(&s)
        .await;
    Mock::given(method("GET")).and(path(format!("{P}/repository/files/app%2Fmodels%2Fkey.rb"))).and(query_param("ref", "main"))
        .respond_with(ok(json!({"file_name": "key.rb", "file_path": "app/models/key.rb", "size": 5, "encoding": "base64", "content": "aGVsbG8=",
            "ref": "main", "blob_id": "79f7bbd25901e8334750839545a9bd021f0e4c83", "commit_id": "d5a3ff139356ce33e37e73add446f16869741b50"}))).mount(&s).await;
    Mock::given(method("POST")).and(path(format!("{P}/repository/commits")))
        .and(body_json(json!({"branch": "main", "commit_message": "add", "actions": [{"action": "create", "file_path": "app/models/key.rb", "content": "aGk=", "encoding": "base64"}]})))
        .respond_with(created(commit_json(SHA))).expect(1).mount(&s).await;
    Mock::given(method("HEAD"))
        .and(path(format!("{P}/repository/files/app%2Fmodels%2Fkey.rb")))
        .and(query_param("ref", SHA))
        .respond_with(ResponseTemplate::new(200).insert_header("x-gitlab-blob-id", "newblob"))
        .expect(1)
        .mount(&s)
        .await;
    let st = json!({"id": 93, "sha": SHA, "ref": "main", "status": "failed", "name": "ci/build", "target_url": "https://ci/1", "description": "boom", "created_at": "2016-01-19T08:40:25.934Z"});
    Mock::given(method("POST")).and(path(format!("{P}/statuses/{SHA}"))).and(body_json(json!({"state": "failed", "name": "ci/build", "target_url": "https://ci/1", "description": "boom"})))
        .respond_with(created(st.clone())).expect(1).mount(&s).await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/repository/commits/{SHA}/statuses")))
        .respond_with(ok(json!([st])))
        .mount(&s)
        .await;
    let rel = json!({"tag_name": "v0.1", "description": "## CHANGELOG", "name": "Awesome app v0.1 alpha", "created_at": "2019-01-03T01:55:18.203Z",
        "released_at": "2019-01-03T01:55:18.203Z", "upcoming_release": false, "_links": {"self": "https://gitlab.example.com/group/sub/app/-/releases/v0.1"}});
    Mock::given(method("POST")).and(path(format!("{P}/releases"))).and(body_json(json!({"tag_name": "v0.1", "ref": "main", "name": "Awesome app v0.1 alpha", "description": "## CHANGELOG"})))
        .respond_with(created(rel.clone())).expect(1).mount(&s).await;
    Mock::given(method("GET"))
        .and(path(format!("{P}/releases")))
        .respond_with(ok(json!([rel])))
        .mount(&s)
        .await;
    let g = provider(&s);
    let f = g
        .get_file(GetFile {
            repo: app(),
            path: "app/models/key.rb".into(),
            reference: None,
        })
        .await
        .unwrap();
    assert_eq!(
        (f.text(), f.sha.as_str()),
        (Some("hello"), "79f7bbd25901e8334750839545a9bd021f0e4c83")
    );
    let fc = g
        .create_file(WriteFile {
            repo: app(),
            path: "app/models/key.rb".into(),
            content: b"hi".to_vec(),
            message: "add".into(),
            branch: Some("main".into()),
            sha: None,
        })
        .await
        .unwrap();
    assert_eq!(
        (fc.content_sha.as_deref(), fc.commit.sha.as_str()),
        (Some("newblob"), SHA)
    );
    let st = g
        .create_commit_status(CreateCommitStatus {
            repo: app(),
            sha: SHA.into(),
            state: StatusState::Failure,
            context: "ci/build".into(),
            description: Some("boom".into()),
            target_url: Some("https://ci/1".into()),
        })
        .await
        .unwrap();
    assert_eq!(
        (st.state, st.context.as_str()),
        (StatusState::Failure, "ci/build")
    );
    assert_eq!(
        g.list_commit_statuses(ListCommitStatuses {
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
    let r = g
        .create_release(CreateRelease {
            repo: app(),
            tag_name: "v0.1".into(),
            target: Some("main".into()),
            name: Some("Awesome app v0.1 alpha".into()),
            body: Some("## CHANGELOG".into()),
            draft: false,
            prerelease: false,
        })
        .await
        .unwrap();
    assert_eq!(
        (r.id.as_str(), r.web_url.as_deref()),
        (
            "v0.1",
            Some("https://gitlab.example.com/group/sub/app/-/releases/v0.1")
        )
    );
    let e = g
        .create_release(CreateRelease {
            repo: app(),
            tag_name: "v1".into(),
            draft: true,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("draft"));
    assert_eq!(
        g.list_releases(ListReleases {
            repo: app(),
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
async fn error_mapping_table_and_rate_limits() {
    let s = MockServer::start().await;
    let date = httpdate::fmt_http_date(std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    type Case = (
        &'static str,
        ResponseTemplate,
        ErrorKind,
        Option<u64>,
        Option<&'static str>,
    );
    let cases: Vec<Case> = vec![
        (
            "r404",
            ResponseTemplate::new(404).set_body_json(json!({"message": "404 Project Not Found"})),
            ErrorKind::NotFound,
            None,
            None,
        ),
        (
            "r401",
            ResponseTemplate::new(401).set_body_json(json!({"message": "401 Unauthorized"})),
            ErrorKind::Unauthenticated,
            None,
            None,
        ),
        (
            "r403",
            ResponseTemplate::new(403).set_body_json(json!({"message": "403 Forbidden"})),
            ErrorKind::PermissionDenied,
            None,
            None,
        ),
        (
            "r409",
            ResponseTemplate::new(409).set_body_json(json!({"message": "Branch already exists"})),
            ErrorKind::Conflict,
            None,
            None,
        ),
        (
            "r400",
            ResponseTemplate::new(400).set_body_json(
                json!({"message": {"name": ["has already been taken"], "path": ["is invalid"]}}),
            ),
            ErrorKind::InvalidInput,
            None,
            Some("name"),
        ),
        (
            "r422",
            ResponseTemplate::new(422).set_body_json(json!({"error": "title is missing"})),
            ErrorKind::InvalidInput,
            None,
            None,
        ),
        (
            "r429",
            ResponseTemplate::new(429)
                .insert_header("date", date.as_str())
                .insert_header("ratelimit-limit", "600")
                .insert_header("ratelimit-remaining", "0")
                .insert_header("ratelimit-reset", "1700000042")
                .insert_header("retry-after", "42")
                .set_body_string("Retry later"),
            ErrorKind::RateLimited,
            Some(42),
            None,
        ),
        (
            "r429b",
            ResponseTemplate::new(429)
                .insert_header("date", date.as_str())
                .insert_header("ratelimit-reset", "1700000030"),
            ErrorKind::RateLimited,
            Some(30),
            None,
        ),
        (
            "r503",
            ResponseTemplate::new(503),
            ErrorKind::Unavailable,
            None,
            None,
        ),
    ];
    let g = provider(&s);
    for (name, resp, kind, retry, field) in cases {
        Mock::given(path(format!("/api/v4/projects/o%2F{name}")))
            .respond_with(resp)
            .mount(&s)
            .await;
        let e = g.get_repository(RepoRef::new("o", name)).await.unwrap_err();
        assert_eq!(e.kind(), kind, "{name}: {e}");
        assert_eq!(e.retry_after(), retry.map(Duration::from_secs), "{name}");
        assert_eq!(e.field(), field, "{name}");
        assert_eq!(e.provider(), Some("gitlab"));
        assert!(!format!("{e:?}").contains("glpat-test"));
    }
    Mock::given(path("/api/v4/projects/o%2Fbad")).respond_with(ok(json!({"id": 1, "name": "x", "path": "x", "path_with_namespace": "o/x", "namespace": {"full_path": 3}}))).mount(&s).await;
    let e = g
        .get_repository(RepoRef::new("o", "bad"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.message().contains("$.namespace.full_path"), "{e}");
}

#[tokio::test]
async fn oauth_tokens_are_bearer() {
    let s = MockServer::start().await;
    Mock::given(path("/api/v4/projects/o%2Fr")).and(header("authorization", "Bearer oauth-tok"))
        .respond_with(ok(json!({"id": 1, "name": "r", "path": "r", "path_with_namespace": "o/r", "namespace": {"id": 1, "full_path": "o"}}))).expect(1).mount(&s).await;
    let g =
        GitLab::new(GitLabConfig::oauth("oauth-tok").with_base_url(format!("{}/api/v4", s.uri())))
            .unwrap();
    g.get_repository(RepoRef::new("o", "r")).await.unwrap();
}

fn hook_headers(event: &str, token: Option<&str>) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("x-gitlab-event", HeaderValue::from_str(event).unwrap());
    h.insert(
        "x-gitlab-event-uuid",
        HeaderValue::from_static("13792a34-cac6-4fda-95a8-c58e00a3954e"),
    );
    if let Some(t) = token {
        h.insert("x-gitlab-token", HeaderValue::from_str(t).unwrap());
    }
    h
}

fn deliver(event: &str, v: Value) -> WebhookOutcome {
    let body = serde_json::to_vec(&v).unwrap();
    GitLabWebhooks::new("hook-token")
        .unwrap()
        .handle(&hook_headers(event, Some("hook-token")), &body)
        .unwrap()
}

fn hook_project() -> Value {
    json!({"id": 15, "name": "app", "path_with_namespace": "group/sub/app", "web_url": "http://example.com/group/sub/app"})
}

#[test]
fn webhook_token_checks() {
    let wh = GitLabWebhooks::new("hook-token").unwrap();
    let body = serde_json::to_vec(&json!({"object_kind": "push"})).unwrap();
    assert!(matches!(
        wh.handle(&hook_headers("Push Hook", Some("nope")), &body),
        Err(WebhookError::InvalidSignature {
            header: "x-gitlab-token"
        })
    ));
    assert!(matches!(
        wh.handle(&hook_headers("Push Hook", None), &body),
        Err(WebhookError::MissingSignature { .. })
    ));
}

#[test]
fn webhook_events() {
    let push = |before: &str, after: &str, event: &str, r: &str| {
        deliver(
            event,
            json!({"object_kind": "push", "before": before, "after": after, "ref": r,
        "user_username": "jsmith", "project": hook_project(),
        "commits": [{"id": SHA, "message": "Update Catalan translation to e38cb41.", "author": {"name": "Jordi Mallach", "email": "jordi@softcatala.org"}}]}),
        )
    };
    let zero = "0000000000000000000000000000000000000000";
    let out = push(
        "95790bf891e76fee5e1747ab589903a6a1f80f22",
        SHA,
        "Push Hook",
        "refs/heads/master",
    );
    let d = out.delivery().unwrap();
    assert_eq!(
        (
            d.forge,
            d.repository.owner.as_str(),
            d.repository.name.as_str()
        ),
        (Forge::GitLab, "group/sub", "app")
    );
    assert_eq!(
        d.delivery_id.as_deref(),
        Some("13792a34-cac6-4fda-95a8-c58e00a3954e")
    );
    assert!(
        matches!(&d.event, WebhookEvent::Push(p) if p.branch() == Some("master") && p.commits[0].author.as_deref() == Some("Jordi Mallach"))
    );
    assert_eq!(
        push(zero, SHA, "Push Hook", "refs/heads/new")
            .event()
            .unwrap()
            .name(),
        "branch_created"
    );
    assert_eq!(
        push(SHA, zero, "Push Hook", "refs/heads/old")
            .event()
            .unwrap()
            .name(),
        "branch_deleted"
    );
    assert!(
        matches!(push(zero, SHA, "Tag Push Hook", "refs/tags/v1.0.0").event(), Some(WebhookEvent::TagCreated(r)) if r.name == "v1.0.0")
    );
    assert_eq!(
        push(SHA, zero, "Tag Push Hook", "refs/tags/v1.0.0")
            .event()
            .unwrap()
            .name(),
        "tag_deleted"
    );

    let mr = |action: &str, state: &str, oldrev: Option<&str>| {
        let mut attrs = json!({"iid": 1, "title": "MS-Viewport", "description": "", "state": state, "action": action, "source_branch": "ms-viewport",
            "target_branch": "master", "last_commit": {"id": SHA}, "url": "http://example.com/diaspora/merge_requests/1", "draft": false});
        if let Some(o) = oldrev {
            attrs["oldrev"] = json!(o);
        }
        deliver(
            "Merge Request Hook",
            json!({"object_kind": "merge_request", "user": {"username": "root"}, "project": hook_project(), "object_attributes": attrs}),
        )
    };
    for (action, state, oldrev, want) in [
        ("open", "opened", None, PullRequestAction::Opened),
        ("close", "closed", None, PullRequestAction::Closed),
        ("merge", "merged", None, PullRequestAction::Merged),
        (
            "update",
            "opened",
            Some("abc"),
            PullRequestAction::Synchronized,
        ),
        ("update", "opened", None, PullRequestAction::Edited),
        ("reopen", "opened", None, PullRequestAction::Reopened),
    ] {
        assert!(
            matches!(mr(action, state, oldrev).event(), Some(WebhookEvent::PullRequest(e)) if e.action == want && e.pull_request.head_sha.as_deref() == Some(SHA)),
            "{action}"
        );
    }
    assert!(mr("approved", "opened", None).is_ignored());

    let out = deliver(
        "Issue Hook",
        json!({"object_kind": "issue", "user": {"username": "root"}, "project": hook_project(),
        "object_attributes": {"iid": 23, "title": "New API: create/update/delete file", "description": "Create new API for manipulations with repository", "state": "opened", "action": "open", "url": "u"},
        "labels": [{"title": "API"}], "assignees": [{"username": "user1"}]}),
    );
    assert!(
        matches!(out.event(), Some(WebhookEvent::Issue(e)) if e.issue.number == 23 && e.issue.labels == ["API"] && e.issue.assignees == ["user1"])
    );
    let note = |kind: &str, extra: Value| {
        let mut v = json!({"object_kind": "note", "user": {"username": "root"}, "project": hook_project(),
            "object_attributes": {"id": 1244, "note": "This MR needs work.", "noteable_type": kind, "commit_id": SHA}});
        for (k, val) in extra.as_object().unwrap() {
            v[k] = val.clone();
        }
        deliver("Note Hook", v)
    };
    assert!(
        matches!(note("MergeRequest", json!({"merge_request": {"iid": 1}})).event(), Some(WebhookEvent::Comment(c)) if c.target == CommentTarget::PullRequest(1))
    );
    assert!(
        matches!(note("Issue", json!({"issue": {"iid": 17}})).event(), Some(WebhookEvent::Comment(c)) if c.target == CommentTarget::Issue(17))
    );
    assert!(
        matches!(note("Commit", json!({})).event(), Some(WebhookEvent::Comment(c)) if c.target == CommentTarget::Commit(SHA.into()))
    );
    assert!(note("Snippet", json!({})).is_ignored());
    let out = deliver(
        "Release Hook",
        json!({"object_kind": "release", "action": "create", "tag": "v1.1", "name": "v1.1", "description": "notes", "url": "u", "project": hook_project()}),
    );
    assert!(
        matches!(out.event(), Some(WebhookEvent::Release(r)) if r.action == ReleaseAction::Published && r.release.tag_name == "v1.1")
    );
    assert!(deliver("Pipeline Hook", json!({"object_kind": "pipeline"})).is_ignored());
}

proptest! {
    #[test]
    fn arbitrary_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..400), event in "(Push Hook|Tag Push Hook|Merge Request Hook|Issue Hook|Note Hook|Release Hook|x)") {
        let wh = GitLabWebhooks::new("t").unwrap();
        let _ = wh.handle(&hook_headers(&event, Some("t")), &body);
        let _ = GitLab::parse_repositories(&body);
    }
}

#[tokio::test]
async fn file_updates_and_deletes_are_commits() {
    let s = MockServer::start().await;
    Mock::given(method("POST")).and(path(format!("{P}/repository/commits")))
        .and(body_json(json!({"branch": "dev", "commit_message": "edit", "actions": [{"action": "update", "file_path": "README.md", "content": "eA==", "encoding": "base64"}]})))
        .respond_with(created(commit_json(SHA))).expect(1).mount(&s).await;
    Mock::given(method("HEAD"))
        .and(path(format!("{P}/repository/files/README.md")))
        .and(query_param("ref", SHA))
        .respond_with(ResponseTemplate::new(200).insert_header("x-gitlab-blob-id", "b2"))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST")).and(path(format!("{P}/repository/commits")))
        .and(body_json(json!({"branch": "dev", "commit_message": "rm", "actions": [{"action": "delete", "file_path": "README.md"}]})))
        .respond_with(created(commit_json(SHA))).expect(1).mount(&s).await;
    let g = provider(&s);
    let fc = g
        .update_file(WriteFile {
            repo: app(),
            path: "README.md".into(),
            content: b"x".to_vec(),
            message: "edit".into(),
            branch: Some("dev".into()),
            sha: None,
        })
        .await
        .unwrap();
    assert_eq!(fc.content_sha.as_deref(), Some("b2"));
    let fc = g
        .delete_file(DeleteFile {
            repo: app(),
            path: "README.md".into(),
            message: "rm".into(),
            branch: Some("dev".into()),
            sha: None,
        })
        .await
        .unwrap();
    assert_eq!((fc.content_sha, fc.commit.sha.as_str()), (None, SHA));
}

/// The webhook handler's own checks (moved from the handler's module).
mod webhook_handler {
    use mosaic_core::ErrorKind;
    use mosaic_providers::gitlab::webhook::{EVENT_HEADER, GitLabWebhooks, TOKEN_HEADER};
    use mosaic_providers::webhook::{HeaderMap, HeaderValue, WebhookError, WebhookHandler};

    #[test]
    fn a_blank_token_is_a_config_error() {
        for blank in ["", " ", "\t\n"] {
            let e = GitLabWebhooks::new(blank).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Config, "{e}");
            assert!(e.to_string().contains("webhook token is empty"), "{e}");
        }
        assert!(GitLabWebhooks::new("hook-token").is_ok());
    }

    #[test]
    fn an_empty_or_wrong_token_is_refused() {
        let wh = GitLabWebhooks::new("hook-token").unwrap();
        let mut h = HeaderMap::new();
        h.insert(EVENT_HEADER, HeaderValue::from_static("Push Hook"));
        h.insert(TOKEN_HEADER, HeaderValue::from_static(""));
        assert!(wh.verify(&h, b"{}").unwrap_err().is_signature_error());
        h.insert(TOKEN_HEADER, HeaderValue::from_static("other"));
        assert!(matches!(
            wh.verify(&h, b"{}"),
            Err(WebhookError::InvalidSignature { .. })
        ));
        h.insert(TOKEN_HEADER, HeaderValue::from_static("hook-token"));
        assert!(wh.verify(&h, b"{}").is_ok());
    }
}
