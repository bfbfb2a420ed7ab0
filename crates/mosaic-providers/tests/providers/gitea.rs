//! Gitea / Forgejo against a local mock server: requests and parsed
//! results per operation, error mapping, pagination, rate limits,
//! webhooks and malformed input.
#![cfg(feature = "gitea")]

use std::time::Duration;

use futures::StreamExt;
use http::{HeaderMap, HeaderValue};
use mosaic_core::git::*;
use mosaic_core::page::paginate;
use mosaic_core::{ErrorKind, PageRequest, Secret};
use mosaic_providers::gitea::webhook::GiteaWebhooks;
use mosaic_providers::gitea::{Gitea, GiteaConfig};
use mosaic_providers::webhook::verify::hmac_sha256_hex;
use mosaic_providers::webhook::*;
use proptest::prelude::*;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SHA: &str = "6dcb09b5b57875f334f61aebed695e2e4193db5e";

fn provider(s: &MockServer) -> Gitea {
    Gitea::new(GiteaConfig::token(format!("{}/api/v1", s.uri()), "gtoken")).unwrap()
}

fn ok(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(v)
}

fn created(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(v)
}

fn repo_json(id: u64, name: &str) -> Value {
    json!({"id": id, "owner": {"id": 1, "login": "team", "username": "team"}, "name": name, "full_name": format!("team/{name}"),
        "description": "", "empty": false, "private": true, "fork": false, "archived": false, "internal": false,
        "html_url": format!("https://git.example.com/team/{name}"), "ssh_url": format!("git@git.example.com:team/{name}.git"),
        "clone_url": format!("https://git.example.com/team/{name}.git"), "default_branch": "main",
        "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-02T00:00:00Z"})
}

fn pr_json(number: u64, state: &str, merged: bool) -> Value {
    json!({"id": 10, "number": number, "user": {"login": "alice"}, "title": "WIP: feature", "body": "desc", "state": state,
        "merged": merged, "merge_commit_sha": if merged { json!(SHA) } else { json!(null) },
        "head": {"ref": "feature", "sha": SHA, "label": "feature"}, "base": {"ref": "main", "sha": SHA, "label": "main"},
        "html_url": "https://git.example.com/team/app/pulls/3"})
}

fn commit_json(sha: &str) -> Value {
    json!({"sha": sha, "html_url": "https://git.example.com/team/app/commit/x",
        "commit": {"message": "msg\n", "author": {"name": "A", "email": "a@example.com", "date": "2024-01-01T00:00:00Z"},
            "committer": {"name": "A", "email": "a@example.com", "date": "2024-01-01T00:00:00Z"}, "tree": {"sha": "t"}},
        "parents": [{"sha": "p1", "url": "u"}], "files": [{"filename": "src/a.rs", "status": "modified"}]})
}

fn file_response(path: &str) -> Value {
    json!({"content": {"name": path, "path": path, "sha": "blob2", "type": "file"},
        "commit": {"sha": SHA, "message": "m", "author": {"name": "A", "email": "a@example.com", "date": "2024-01-01T00:00:00Z"},
            "committer": {"name": "A", "email": "a@example.com"}, "parents": [{"sha": "p1"}], "html_url": "u"}})
}

fn app() -> RepoRef {
    RepoRef::new("team", "app")
}

const R: &str = "/api/v1/repos/team/app";

#[tokio::test]
async fn repositories() {
    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/orgs/team/repos"))
        .and(header("authorization", "token gtoken"))
        .and(body_json(
            json!({"name": "app", "private": true, "auto_init": true, "default_branch": "main"}),
        ))
        .respond_with(created(repo_json(5, "app")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(R))
        .respond_with(ok(repo_json(5, "app")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PATCH"))
        .and(path(R))
        .and(body_json(json!({"private": false, "archived": true})))
        .respond_with(ok(repo_json(5, "app")))
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
        .and(body_json(json!({"name": "app2"})))
        .respond_with(ResponseTemplate::new(202).set_body_json(repo_json(6, "app2")))
        .expect(1)
        .mount(&s)
        .await;
    let g = provider(&s);
    let mut c = CreateRepository::new("app")
        .in_owner("team")
        .visibility(Visibility::Private);
    c.auto_init = true;
    c.default_branch = Some("main".into());
    let r = g.create_repository(c).await.unwrap();
    assert_eq!(
        (r.id.as_str(), r.visibility, r.description.as_deref()),
        ("5", Visibility::Private, None)
    );
    assert_eq!(
        g.get_repository(app()).await.unwrap().default_branch,
        "main"
    );
    let mut u = UpdateRepository::new(app());
    u.visibility = Some(Visibility::Public);
    u.archived = Some(true);
    g.update_repository(u).await.unwrap();
    g.delete_repository(app()).await.unwrap();
    let f = g
        .fork_repository(ForkRepository {
            repo: app(),
            organization: None,
            name: Some("app2".into()),
        })
        .await
        .unwrap();
    assert_eq!(f.name, "app2");
    let e = g
        .create_repository(CreateRepository::new("x").visibility(Visibility::Internal))
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("visibility"));
}

#[tokio::test]
async fn list_repositories_three_pages_with_limit() {
    let s = MockServer::start().await;
    let base = format!("{}/api/v1", s.uri());
    for page in 1..=3u64 {
        let mut resp =
            ok(json!([repo_json(page, &format!("r{page}"))])).insert_header("x-total-count", "3");
        if page < 3 {
            resp = resp.insert_header(
                "link",
                format!(
                    r#"<{base}/users/team/repos?limit=1&page={}>; rel="next""#,
                    page + 1
                )
                .as_str(),
            );
        }
        let m = Mock::given(method("GET"))
            .and(path("/api/v1/users/team/repos"))
            .and(query_param("limit", "1"));
        let m = if page == 1 {
            m.and(query_param_is_missing("page"))
        } else {
            m.and(query_param("page", page.to_string()))
        };
        m.respond_with(resp).expect(1).mount(&s).await;
    }
    let g = provider(&s);
    let names: Vec<String> = paginate(
        ListRepositories {
            owner: Some("team".into()),
            page: PageRequest::with_size(1),
        },
        move |p| {
            let g = g.clone();
            async move { g.list_repositories(p).await }
        },
    )
    .map(|r| r.unwrap().name)
    .collect()
    .await;
    assert_eq!(names, ["r1", "r2", "r3"]);
}

#[tokio::test]
async fn branches_and_protection() {
    let s = MockServer::start().await;
    let b = json!({"name": "feature", "commit": {"id": SHA, "message": "m"}, "protected": false});
    Mock::given(method("POST"))
        .and(path(format!("{R}/branches")))
        .and(body_json(
            json!({"new_branch_name": "feature", "old_ref_name": "main"}),
        ))
        .respond_with(created(b.clone()))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/branches/feature")))
        .respond_with(ok(b.clone()))
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{R}/branches/feature")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/branches")))
        .and(query_param("limit", "30"))
        .respond_with(ok(json!([b])))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/branch_protections/main")))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "not found"})))
        .mount(&s)
        .await;
    Mock::given(method("POST")).and(path(format!("{R}/branch_protections")))
        .and(body_json(json!({"rule_name": "main", "enable_status_check": true, "status_check_contexts": ["ci"],
            "required_approvals": 1, "block_admin_merge_override": false, "enable_force_push": false})))
        .respond_with(created(json!({"rule_name": "main", "enable_status_check": true, "status_check_contexts": ["ci"], "required_approvals": 1})))
        .expect(1).mount(&s).await;
    let g = provider(&s);
    let out = g
        .create_branch(CreateBranch {
            repo: app(),
            name: "feature".into(),
            from: "main".into(),
        })
        .await
        .unwrap();
    assert_eq!(out.commit_sha, SHA);
    assert_eq!(
        g.get_branch(BranchRef::new(app(), "feature"))
            .await
            .unwrap()
            .name,
        "feature"
    );
    g.delete_branch(BranchRef::new(app(), "feature"))
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
    let rules = BranchProtection {
        branch: "main".into(),
        required_approvals: 1,
        required_status_checks: vec!["ci".into()],
        ..Default::default()
    };
    assert_eq!(
        g.protect_branch(ProtectBranch {
            repo: app(),
            rules: rules.clone()
        })
        .await
        .unwrap(),
        rules
    );
    let e = g
        .protect_branch(ProtectBranch {
            repo: app(),
            rules: BranchProtection {
                branch: "main".into(),
                allow_deletion: true,
                ..Default::default()
            },
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("rules.allow_deletion"));
}

#[tokio::test]
async fn pull_requests_and_merge() {
    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{R}/pulls")))
        .and(body_json(
            json!({"title": "WIP: feature", "body": "desc", "head": "feature", "base": "main"}),
        ))
        .respond_with(created(pr_json(3, "open", false)))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{R}/pulls/3")))
        .and(body_json(json!({"state": "closed"})))
        .respond_with(ok(pr_json(3, "closed", false)))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{R}/pulls/3/merge")))
        .and(body_json(
            json!({"Do": "squash", "MergeTitleField": "t", "head_commit_id": SHA}),
        ))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/pulls/3")))
        .respond_with(ok(pr_json(3, "closed", true)))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/pulls")))
        .and(query_param("state", "closed"))
        .respond_with(ok(json!([pr_json(3, "closed", true)])))
        .expect(1)
        .mount(&s)
        .await;
    let g = provider(&s);
    let pr = g
        .create_pull_request(CreatePullRequest {
            repo: app(),
            title: "feature".into(),
            body: Some("desc".into()),
            head: "feature".into(),
            base: "main".into(),
            draft: true,
        })
        .await
        .unwrap();
    assert!(pr.draft);
    assert_eq!(pr.author.as_deref(), Some("alice"));
    let pr = g
        .update_pull_request(UpdatePullRequest {
            repo: app(),
            number: 3,
            state: Some(PullRequestState::Closed),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(pr.state, PullRequestState::Closed);
    let m = g
        .merge_pull_request(MergePullRequest {
            repo: app(),
            number: 3,
            method: MergeMethod::Squash,
            commit_title: Some("t".into()),
            commit_message: None,
            sha: Some(SHA.into()),
        })
        .await
        .unwrap();
    assert_eq!((m.merged, m.sha.as_deref()), (true, Some(SHA)));
    assert_eq!(
        g.get_pull_request(PullRequestRef {
            repo: app(),
            number: 3
        })
        .await
        .unwrap()
        .state,
        PullRequestState::Merged
    );
    let page = g
        .list_pull_requests(ListPullRequests {
            repo: app(),
            state: StateFilter::Closed,
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(page.items[0].merge_commit_sha.as_deref(), Some(SHA));
}

#[tokio::test]
async fn commits_compare_and_multi_file_commit() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/git/commits/{SHA}")))
        .respond_with(ok(commit_json(SHA)))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/commits")))
        .and(query_param("sha", "main"))
        .and(query_param("stat", "false"))
        .respond_with(ok(json!([commit_json(SHA)])))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/compare/main...topic")))
        .respond_with(ok(
            json!({"total_commits": 2, "commits": [commit_json("c1"), commit_json("c2")]}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/compare/topic...main")))
        .respond_with(ok(json!({"total_commits": 0, "commits": []})))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET")).and(path(format!("{R}/contents/src/a.rs"))).and(query_param("ref", "main"))
        .respond_with(ok(json!({"type": "file", "path": "src/a.rs", "sha": "oldblob", "encoding": "base64", "content": "eA=="}))).mount(&s).await;
    Mock::given(method("POST")).and(path(format!("{R}/contents")))
        .and(body_json(json!({"files": [
            {"operation": "create", "path": "new.txt", "content": "aGk="},
            {"operation": "update", "path": "src/a.rs", "content": "eQ==", "sha": "oldblob"}
        ], "message": "two", "branch": "main"})))
        .respond_with(created(json!({"files": [], "commit": {"sha": SHA, "message": "two", "parents": [{"sha": "p1"}]}}))).expect(1).mount(&s).await;
    let g = provider(&s);
    let c = g
        .get_commit(CommitRef {
            repo: app(),
            sha: SHA.into(),
        })
        .await
        .unwrap();
    assert_eq!(c.parents, ["p1"]);
    assert_eq!(
        g.list_commits(ListCommits {
            repo: app(),
            reference: Some("main".into()),
            path: None,
            page: PageRequest::first()
        })
        .await
        .unwrap()
        .items
        .len(),
        1
    );
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
        (CompareStatus::Ahead, 2, 0)
    );
    assert_eq!(cmp.files.len(), 1, "files de-duplicated across commits");
    let c = g
        .create_commit(CreateCommit {
            repo: app(),
            branch: "main".into(),
            message: "two".into(),
            changes: vec![
                FileChange::Create {
                    path: "new.txt".into(),
                    content: b"hi".to_vec(),
                },
                FileChange::Update {
                    path: "src/a.rs".into(),
                    content: b"y".to_vec(),
                },
            ],
            author: None,
        })
        .await
        .unwrap();
    assert_eq!(c.sha, SHA);
}

#[tokio::test]
async fn tags_hooks_collaborators() {
    let s = MockServer::start().await;
    let tag = json!({"name": "v1", "message": "release\n", "id": "tagsha", "commit": {"sha": SHA, "url": "u"}});
    Mock::given(method("POST"))
        .and(path(format!("{R}/tags")))
        .and(body_json(
            json!({"tag_name": "v1", "target": "main", "message": "release"}),
        ))
        .respond_with(created(tag.clone()))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/tags/v1")))
        .respond_with(ok(tag.clone()))
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{R}/tags/v1")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/tags")))
        .respond_with(ok(json!([tag])))
        .mount(&s)
        .await;
    let hook = json!({"id": 4, "type": "gitea", "active": true, "events": ["push"], "config": {"url": "https://h.example/x", "content_type": "json"}});
    Mock::given(method("POST")).and(path(format!("{R}/hooks")))
        .and(body_json(json!({"type": "gitea", "config": {"url": "https://h.example/x", "content_type": "json", "secret": "sh"}, "events": ["push"], "active": true})))
        .respond_with(created(hook.clone())).expect(1).mount(&s).await;
    Mock::given(method("PATCH"))
        .and(path(format!("{R}/hooks/4")))
        .and(body_json(json!({"active": false})))
        .respond_with(ok(hook.clone()))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{R}/hooks/4")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/hooks")))
        .respond_with(ok(json!([hook])))
        .mount(&s)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{R}/collaborators/bob")))
        .and(body_json(json!({"permission": "write"})))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{R}/collaborators/bob")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/collaborators")))
        .respond_with(ok(json!([{"login": "bob"}])))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/collaborators/bob/permission")))
        .respond_with(ok(
            json!({"permission": "admin", "role_name": "admin", "user": {"login": "bob"}}),
        ))
        .mount(&s)
        .await;
    let g = provider(&s);
    let t = g
        .create_tag(CreateTag {
            repo: app(),
            name: "v1".into(),
            target: "main".into(),
            message: Some("release".into()),
        })
        .await
        .unwrap();
    assert_eq!(
        t,
        Tag {
            name: "v1".into(),
            sha: SHA.into(),
            message: Some("release".into())
        }
    );
    assert_eq!(
        g.get_tag(TagRef {
            repo: app(),
            name: "v1".into()
        })
        .await
        .unwrap()
        .sha,
        SHA
    );
    g.delete_tag(TagRef {
        repo: app(),
        name: "v1".into(),
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
    let h = g
        .create_webhook(CreateWebhook {
            repo: app(),
            url: "https://h.example/x".into(),
            events: vec!["push".into()],
            secret: Some(Secret::new("sh")),
            active: true,
        })
        .await
        .unwrap();
    assert_eq!(
        (h.id.as_str(), h.url.as_str()),
        ("4", "https://h.example/x")
    );
    g.update_webhook(UpdateWebhook {
        repo: app(),
        id: "4".into(),
        active: Some(false),
        ..Default::default()
    })
    .await
    .unwrap();
    g.delete_webhook(WebhookRef {
        repo: app(),
        id: "4".into(),
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
        .items[0]
            .events,
        ["push"]
    );
    g.add_collaborator(AddCollaborator {
        repo: app(),
        login: "bob".into(),
        permission: Permission::Maintain,
    })
    .await
    .unwrap();
    g.remove_collaborator(CollaboratorRef {
        repo: app(),
        login: "bob".into(),
    })
    .await
    .unwrap();
    let page = g
        .list_collaborators(ListCollaborators {
            repo: app(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(
        page.items,
        [Collaborator {
            login: "bob".into(),
            permission: Permission::Admin
        }]
    );
}

#[tokio::test]
async fn issues_with_label_ids() {
    let s = MockServer::start().await;
    let issue = json!({"id": 1, "number": 7, "title": "bug", "body": "b", "state": "open", "user": {"login": "alice"},
        "labels": [{"id": 11, "name": "bug"}], "assignees": [{"login": "bob"}], "html_url": "u", "pull_request": null});
    Mock::given(method("GET"))
        .and(path(format!("{R}/labels")))
        .respond_with(ok(
            json!([{"id": 11, "name": "bug"}, {"id": 12, "name": "ui"}]),
        ))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{R}/issues")))
        .and(body_json(
            json!({"title": "bug", "body": "b", "assignees": ["bob"], "labels": [11]}),
        ))
        .respond_with(created(issue.clone()))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{R}/issues/7/labels")))
        .and(body_json(json!({"labels": [12]})))
        .respond_with(ok(json!([{"id": 12, "name": "ui"}])))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{R}/issues/7")))
        .and(body_json(json!({"title": "t2"})))
        .respond_with(ok(issue.clone()))
        .expect(1)
        .mount(&s)
        .await;
    let mut closed = issue.clone();
    closed["state"] = json!("closed");
    Mock::given(method("PATCH"))
        .and(path(format!("{R}/issues/7")))
        .and(body_json(json!({"state": "closed"})))
        .respond_with(ok(closed))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/issues/7")))
        .respond_with(ok(issue.clone()))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/issues")))
        .and(query_param("type", "issues"))
        .and(query_param("state", "all"))
        .respond_with(ok(json!([issue])))
        .expect(1)
        .mount(&s)
        .await;
    let g = provider(&s);
    let i = g
        .create_issue(CreateIssue {
            repo: app(),
            title: "bug".into(),
            body: Some("b".into()),
            labels: vec!["bug".into()],
            assignees: vec!["bob".into()],
        })
        .await
        .unwrap();
    assert_eq!(
        (i.labels.clone(), i.assignees.clone()),
        (vec!["bug".to_owned()], vec!["bob".to_owned()])
    );
    let e = g
        .create_issue(CreateIssue {
            repo: app(),
            title: "x".into(),
            labels: vec!["nope".into()],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("labels"));
    g.update_issue(UpdateIssue {
        repo: app(),
        number: 7,
        title: Some("t2".into()),
        labels: Some(vec!["ui".into()]),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(
        g.close_issue(IssueRef {
            repo: app(),
            number: 7
        })
        .await
        .unwrap()
        .state,
        IssueState::Closed
    );
    assert_eq!(
        g.get_issue(IssueRef {
            repo: app(),
            number: 7
        })
        .await
        .unwrap()
        .number,
        7
    );
    assert_eq!(
        g.list_issues(ListIssues {
            repo: app(),
            state: StateFilter::All,
            labels: vec![],
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
async fn files_statuses_releases() {
    let s = MockServer::start().await;
    Mock::given(method("GET")).and(path(format!("{R}/contents/docs/a.md")))
        .respond_with(ok(json!({"type": "file", "path": "docs/a.md", "sha": "blob1", "encoding": "base64", "content": "aGVs\nbG8="}))).mount(&s).await;
    Mock::given(method("POST"))
        .and(path(format!("{R}/contents/docs/a.md")))
        .and(body_json(
            json!({"content": "aGk=", "message": "add", "branch": "main"}),
        ))
        .respond_with(created(file_response("docs/a.md")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{R}/contents/docs/a.md")))
        .and(body_json(
            json!({"content": "aGk=", "message": "edit", "sha": "blob1"}),
        ))
        .respond_with(ok(file_response("docs/a.md")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{R}/contents/docs/a.md")))
        .and(body_json(json!({"message": "rm", "sha": "blob1"})))
        .respond_with(ok(
            json!({"content": null, "commit": {"sha": SHA, "message": "rm"}}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    let st = json!({"id": 1, "status": "warning", "context": "ci", "description": "d", "target_url": "https://ci/1", "created_at": "2024-01-01T00:00:00Z"});
    Mock::given(method("POST")).and(path(format!("{R}/statuses/{SHA}"))).and(body_json(json!({"state": "failure", "target_url": "https://ci/1", "description": "d", "context": "ci"})))
        .respond_with(created(st.clone())).expect(1).mount(&s).await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/commits/{SHA}/statuses")))
        .respond_with(ok(json!([st])))
        .mount(&s)
        .await;
    let rel = json!({"id": 2, "tag_name": "v1", "name": "One", "body": "", "draft": true, "prerelease": false, "html_url": "u", "created_at": "2024-01-01T00:00:00Z"});
    Mock::given(method("POST"))
        .and(path(format!("{R}/releases")))
        .and(body_json(
            json!({"tag_name": "v1", "name": "One", "draft": true, "prerelease": false}),
        ))
        .respond_with(created(rel.clone()))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{R}/releases")))
        .respond_with(ok(json!([rel])))
        .mount(&s)
        .await;
    let g = provider(&s);
    assert_eq!(
        g.get_file(GetFile {
            repo: app(),
            path: "docs/a.md".into(),
            reference: None
        })
        .await
        .unwrap()
        .text(),
        Some("hello")
    );
    let fc = g
        .create_file(WriteFile {
            repo: app(),
            path: "docs/a.md".into(),
            content: b"hi".to_vec(),
            message: "add".into(),
            branch: Some("main".into()),
            sha: None,
        })
        .await
        .unwrap();
    assert_eq!(fc.content_sha.as_deref(), Some("blob2"));
    g.update_file(WriteFile {
        repo: app(),
        path: "docs/a.md".into(),
        content: b"hi".to_vec(),
        message: "edit".into(),
        branch: None,
        sha: None,
    })
    .await
    .unwrap();
    let fc = g
        .delete_file(DeleteFile {
            repo: app(),
            path: "docs/a.md".into(),
            message: "rm".into(),
            branch: None,
            sha: Some("blob1".into()),
        })
        .await
        .unwrap();
    assert_eq!(fc.content_sha, None);
    let st = g
        .create_commit_status(CreateCommitStatus {
            repo: app(),
            sha: SHA.into(),
            state: StatusState::Failure,
            context: "ci".into(),
            description: Some("d".into()),
            target_url: Some("https://ci/1".into()),
        })
        .await
        .unwrap();
    assert_eq!(st.state, StatusState::Failure);
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
            tag_name: "v1".into(),
            name: Some("One".into()),
            draft: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((r.id.as_str(), r.draft, r.body), ("2", true, None));
    assert_eq!(
        g.list_releases(ListReleases {
            repo: app(),
            page: PageRequest::first()
        })
        .await
        .unwrap()
        .items[0]
            .tag_name,
        "v1"
    );
}

#[tokio::test]
async fn error_mapping_table_and_rate_limit() {
    let s = MockServer::start().await;
    let cases: Vec<(&str, ResponseTemplate, ErrorKind, Option<u64>)> = vec![
        ("r404", ResponseTemplate::new(404).set_body_json(json!({"errors": null, "message": "The target couldn't be found.", "url": "https://git.example.com/api/swagger"})), ErrorKind::NotFound, None),
        ("r401", ResponseTemplate::new(401).set_body_json(json!({"message": "token is required"})), ErrorKind::Unauthenticated, None),
        ("r403", ResponseTemplate::new(403).set_body_json(json!({"message": "user should be an owner"})), ErrorKind::PermissionDenied, None),
        ("r409", ResponseTemplate::new(409).set_body_json(json!({"message": "repository already exists"})), ErrorKind::Conflict, None),
        ("r422", ResponseTemplate::new(422).set_body_json(json!({"message": "[Name]: invalid", "url": "u"})), ErrorKind::InvalidInput, None),
        ("r429", ResponseTemplate::new(429).insert_header("retry-after", "9"), ErrorKind::RateLimited, Some(9)),
        ("r500", ResponseTemplate::new(500), ErrorKind::Unavailable, None),
    ];
    let g = provider(&s);
    for (name, resp, kind, retry) in cases {
        Mock::given(path(format!("/api/v1/repos/o/{name}")))
            .respond_with(resp)
            .mount(&s)
            .await;
        let e = g.get_repository(RepoRef::new("o", name)).await.unwrap_err();
        assert_eq!(e.kind(), kind, "{name}");
        assert_eq!(e.provider(), Some("gitea"));
        assert_eq!(e.retry_after(), retry.map(Duration::from_secs));
    }
    Mock::given(path("/api/v1/repos/o/bad"))
        .respond_with(ok(
            json!({"id": 1, "name": "bad", "full_name": "o/bad", "owner": 5}),
        ))
        .mount(&s)
        .await;
    let e = g
        .get_repository(RepoRef::new("o", "bad"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.message().contains("$.owner"), "{e}");
}

const SECRET: &str = "gitea-secret";

fn hook_headers(event: &str, body: &[u8], sig: Option<&str>) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("x-gitea-event", HeaderValue::from_str(event).unwrap());
    h.insert(
        "x-gitea-delivery",
        HeaderValue::from_static("f6266f16-1bf3-46a5-9ea4-602e06ead473"),
    );
    if let Some(s) = sig {
        h.insert(
            "x-gitea-signature",
            HeaderValue::from_str(&hmac_sha256_hex(s.as_bytes(), body)).unwrap(),
        );
    }
    h
}

fn deliver(event: &str, v: Value) -> WebhookOutcome {
    let body = serde_json::to_vec(&v).unwrap();
    GiteaWebhooks::new(SECRET)
        .unwrap()
        .handle(&hook_headers(event, &body, Some(SECRET)), &body)
        .unwrap()
}

fn hook_repo() -> Value {
    json!({"id": 1, "name": "app", "full_name": "team/app", "owner": {"id": 1, "login": "team", "username": "team"}})
}

#[test]
fn webhook_signatures() {
    let body = serde_json::to_vec(
        &json!({"ref": "refs/heads/main", "after": SHA, "repository": hook_repo()}),
    )
    .unwrap();
    let wh = GiteaWebhooks::new(SECRET).unwrap();
    assert!(
        wh.handle(&hook_headers("push", &body, Some(SECRET)), &body)
            .is_ok()
    );
    assert!(matches!(
        wh.handle(&hook_headers("push", &body, Some("wrong")), &body),
        Err(WebhookError::InvalidSignature { .. })
    ));
    assert!(matches!(
        wh.handle(&hook_headers("push", &body, None), &body),
        Err(WebhookError::MissingSignature { .. })
    ));
    // Forgejo's header names are accepted as well
    let mut h = HeaderMap::new();
    h.insert("x-forgejo-event", HeaderValue::from_static("push"));
    h.insert(
        "x-forgejo-signature",
        HeaderValue::from_str(&hmac_sha256_hex(SECRET.as_bytes(), &body)).unwrap(),
    );
    assert!(wh.handle(&h, &body).unwrap().event().is_some());
}

#[test]
fn webhook_events() {
    let out = deliver(
        "push",
        json!({"ref": "refs/heads/main", "before": "0000000000000000000000000000000000000000", "after": SHA,
        "commits": [{"id": SHA, "message": "m", "author": {"name": "A", "email": "a@x", "username": "a"}}], "repository": hook_repo(), "sender": {"login": "a"}}),
    );
    let d = out.delivery().unwrap();
    assert_eq!(
        (d.forge, d.repository.full_name(), d.sender.as_deref()),
        (Forge::Gitea, "team/app".to_owned(), Some("a"))
    );
    assert!(
        matches!(&d.event, WebhookEvent::Push(p) if p.before.is_none() && p.commits.len() == 1)
    );
    let out = deliver(
        "create",
        json!({"sha": SHA, "ref": "v1", "ref_type": "tag", "repository": hook_repo()}),
    );
    assert!(
        matches!(out.event(), Some(WebhookEvent::TagCreated(r)) if r.name == "v1" && r.sha.as_deref() == Some(SHA))
    );
    let out = deliver(
        "delete",
        json!({"ref": "feature", "ref_type": "branch", "repository": hook_repo()}),
    );
    assert_eq!(out.event().unwrap().name(), "branch_deleted");
    for (action, merged, want) in [
        ("opened", false, PullRequestAction::Opened),
        ("closed", true, PullRequestAction::Merged),
        ("synchronized", false, PullRequestAction::Synchronized),
        ("closed", false, PullRequestAction::Closed),
    ] {
        let out = deliver(
            "pull_request",
            json!({"action": action, "number": 3, "pull_request": pr_json(3, "closed", merged), "repository": hook_repo()}),
        );
        assert!(
            matches!(out.event(), Some(WebhookEvent::PullRequest(e)) if e.action == want),
            "{action}"
        );
    }
    let issue = json!({"number": 7, "title": "bug", "state": "open", "user": {"login": "alice"}});
    let out = deliver(
        "issues",
        json!({"action": "closed", "issue": issue, "repository": hook_repo()}),
    );
    assert!(matches!(out.event(), Some(WebhookEvent::Issue(e)) if e.action == IssueAction::Closed));
    let out = deliver(
        "issue_comment",
        json!({"action": "created", "issue": {"number": 3}, "comment": {"id": 9, "body": "lgtm", "user": {"login": "bob"}}, "is_pull": true, "repository": hook_repo()}),
    );
    assert!(
        matches!(out.event(), Some(WebhookEvent::Comment(c)) if c.target == CommentTarget::PullRequest(3) && c.body == "lgtm")
    );
    let out = deliver(
        "release",
        json!({"action": "published", "release": {"id": 2, "tag_name": "v1", "draft": false, "prerelease": false}, "repository": hook_repo()}),
    );
    assert!(matches!(out.event(), Some(WebhookEvent::Release(r)) if r.release.tag_name == "v1"));
    assert!(deliver("fork", json!({"repository": hook_repo()})).is_ignored());
    assert!(deliver("pull_request", json!({"action": "label_updated", "pull_request": pr_json(1, "open", false), "repository": hook_repo()})).is_ignored());
}

proptest! {
    #[test]
    fn arbitrary_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..400), event in "(push|create|delete|pull_request|issues|issue_comment|release|x)") {
        let wh = GiteaWebhooks::new(SECRET).unwrap();
        let _ = wh.handle(&hook_headers(&event, &body, Some(SECRET)), &body);
        let _ = Gitea::parse_repositories(&body);
    }
}
