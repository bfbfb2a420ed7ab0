//! GitHub against a local mock server: every operation's request (method,
//! path, query, headers, body) and parsed result, error mapping,
//! pagination, rate limits, malformed bodies and GitHub App auth.
#![cfg(feature = "github")]

use std::time::Duration;

use futures::StreamExt;
use mosaic_core::git::*;
use mosaic_core::page::paginate;
use mosaic_core::{ErrorKind, PageRequest, Secret};
use mosaic_providers::github::{GitHub, GitHubConfig};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SHA: &str = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
const SHA2: &str = "7638417db6d59f3c431d3e1f261cc637155684cd";

fn provider(server: &MockServer) -> GitHub {
    GitHub::new(GitHubConfig::token("ghp_testtoken").with_base_url(server.uri())).unwrap()
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn created(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(body)
}

fn repo_json(id: u64, name: &str) -> Value {
    json!({
        "id": id, "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5", "name": name,
        "full_name": format!("octocat/{name}"),
        "owner": {"login": "octocat", "id": 1, "type": "User"},
        "private": false, "html_url": format!("https://github.com/octocat/{name}"),
        "description": "This your first repo!", "fork": false,
        "clone_url": format!("https://github.com/octocat/{name}.git"),
        "ssh_url": format!("git@github.com:octocat/{name}.git"),
        "default_branch": "master", "archived": false, "visibility": "public",
        "created_at": "2011-01-26T19:01:12Z", "updated_at": "2011-01-26T19:14:43Z"
    })
}

fn pr_json(number: u64, state: &str, merged_at: Option<&str>) -> Value {
    json!({
        "url": "https://api.github.com/repos/octocat/Hello-World/pulls/1347",
        "number": number, "state": state, "title": "Amazing new feature",
        "body": "Please pull these awesome changes in!", "draft": false,
        "user": {"login": "octocat"},
        "head": {"label": "octocat:new-topic", "ref": "new-topic", "sha": SHA},
        "base": {"label": "octocat:master", "ref": "master", "sha": SHA2},
        "merged_at": merged_at, "merge_commit_sha": "e5bd3914e2e596debea16f433f57875b5b90bcd6",
        "html_url": "https://github.com/octocat/Hello-World/pull/1347",
        "created_at": "2011-01-26T19:01:12Z", "updated_at": "2011-01-26T19:01:12Z"
    })
}

fn commit_json(sha: &str) -> Value {
    json!({
        "sha": sha,
        "commit": {
            "author": {"name": "Monalisa Octocat", "email": "support@github.com", "date": "2011-04-14T16:00:49Z"},
            "committer": {"name": "Monalisa Octocat", "email": "support@github.com", "date": "2011-04-14T16:00:49Z"},
            "message": "Fix all the bugs",
            "tree": {"sha": SHA2}
        },
        "parents": [{"sha": SHA2}],
        "html_url": format!("https://github.com/octocat/Hello-World/commit/{sha}")
    })
}

fn issue_json(number: u64, is_pr: bool) -> Value {
    let mut v = json!({
        "number": number, "state": "open", "title": "Found a bug",
        "body": "I'm having a problem with this.",
        "user": {"login": "octocat"},
        "labels": [{"id": 208045946, "name": "bug", "color": "f29513"}],
        "assignees": [{"login": "hubot"}],
        "html_url": format!("https://github.com/octocat/Hello-World/issues/{number}"),
        "created_at": "2011-04-22T13:33:48Z", "updated_at": "2011-04-22T13:33:48Z"
    });
    if is_pr {
        v["pull_request"] =
            json!({"url": "https://api.github.com/repos/octocat/Hello-World/pulls/1347"});
    }
    v
}

fn file_commit_json(path: &str, content_sha: Option<&str>) -> Value {
    json!({
        "content": content_sha.map(|s| json!({"name": path, "path": path, "sha": s})),
        "commit": {
            "sha": SHA, "message": "my commit message",
            "author": {"name": "Monalisa Octocat", "email": "octocat@github.com", "date": "2014-11-07T22:01:45Z"},
            "committer": {"name": "Monalisa Octocat", "email": "octocat@github.com", "date": "2014-11-07T22:01:45Z"},
            "tree": {"sha": SHA2}, "parents": [{"sha": SHA2}],
            "html_url": "https://github.com/octocat/Hello-World/git/commit/x"
        }
    })
}

fn hw() -> RepoRef {
    RepoRef::new("octocat", "Hello-World")
}

#[tokio::test]
async fn create_repository_in_org_sends_documented_body_and_headers() {
    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/orgs/acme/repos"))
        .and(header("authorization", "Bearer ghp_testtoken"))
        .and(header("accept", "application/vnd.github+json"))
        .and(header("x-github-api-version", "2022-11-28"))
        .and(body_json(json!({"name": "Hello-World", "description": "This your first repo!", "private": true, "auto_init": true})))
        .respond_with(created(repo_json(1296269, "Hello-World")))
        .expect(1)
        .mount(&s)
        .await;
    let mut p = CreateRepository::new("Hello-World")
        .in_owner("acme")
        .visibility(Visibility::Private)
        .description("This your first repo!");
    p.auto_init = true;
    let r = provider(&s).create_repository(p).await.unwrap();
    assert_eq!(r.id, "1296269");
    assert_eq!(r.full_name, "octocat/Hello-World");
    assert_eq!(r.default_branch, "master");
    assert_eq!(
        r.clone_url.as_deref(),
        Some("https://github.com/octocat/Hello-World.git")
    );
}

#[tokio::test]
async fn create_repository_refusals_send_nothing() {
    let s = MockServer::start().await;
    let gh = provider(&s);
    let e = gh
        .create_repository(CreateRepository::new("x").visibility(Visibility::Internal))
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("visibility"));
    let e = gh
        .create_repository(CreateRepository::new(" "))
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("name"));
    assert!(s.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn get_update_delete_fork_repository() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/octocat/Hello-World"))
        .respond_with(ok(repo_json(1, "Hello-World")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/repos/octocat/Hello-World"))
        .and(body_json(
            json!({"description": "new", "visibility": "private", "archived": true}),
        ))
        .respond_with(ok(repo_json(1, "Hello-World")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/repos/octocat/Hello-World"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/octocat/Hello-World/forks"))
        .and(body_json(json!({"organization": "octo-org", "name": "Hi"})))
        .respond_with(ResponseTemplate::new(202).set_body_json(repo_json(2, "Hi")))
        .expect(1)
        .mount(&s)
        .await;
    let gh = provider(&s);
    let r = gh.get_repository(hw()).await.unwrap();
    assert_eq!(
        (r.owner.as_str(), r.name.as_str()),
        ("octocat", "Hello-World")
    );
    assert_eq!(r.visibility, Visibility::Public);
    let mut u = UpdateRepository::new(hw());
    u.description = Some("new".into());
    u.visibility = Some(Visibility::Private);
    u.archived = Some(true);
    gh.update_repository(u).await.unwrap();
    gh.delete_repository(hw()).await.unwrap();
    let f = gh
        .fork_repository(ForkRepository {
            repo: hw(),
            organization: Some("octo-org".into()),
            name: Some("Hi".into()),
        })
        .await
        .unwrap();
    assert_eq!(f.name, "Hi");
}

#[tokio::test]
async fn list_repositories_walks_three_pages() {
    let s = MockServer::start().await;
    let base = s.uri();
    for page in 1..=3u64 {
        let mut resp = ok(json!([
            repo_json(page * 10, &format!("r{page}")),
            repo_json(page * 10 + 1, &format!("s{page}"))
        ]));
        if page < 3 {
            resp = resp.insert_header(
                "link",
                format!(r#"<{base}/user/repos?per_page=2&page={}>; rel="next", <{base}/user/repos?per_page=2&page=3>; rel="last""#, page + 1).as_str(),
            );
        }
        let m = Mock::given(method("GET"))
            .and(path("/user/repos"))
            .and(query_param("per_page", "2"));
        let m = if page == 1 {
            m.and(query_param_is_missing("page"))
        } else {
            m.and(query_param("page", page.to_string()))
        };
        m.respond_with(resp).expect(1).mount(&s).await;
    }
    let gh = provider(&s);
    let names: Vec<String> = paginate(
        ListRepositories {
            owner: None,
            page: PageRequest::with_size(2),
        },
        move |p| {
            let gh = gh.clone();
            async move { gh.list_repositories(p).await }
        },
    )
    .map(|r| r.unwrap().name)
    .collect()
    .await;
    assert_eq!(names, ["r1", "s1", "r2", "s2", "r3", "s3"]);
}

#[tokio::test]
async fn branches() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/octocat/Hello-World/commits/master"))
        .respond_with(ok(commit_json(SHA)))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/octocat/Hello-World/git/refs"))
        .and(body_json(
            json!({"ref": "refs/heads/feature/x", "sha": SHA}),
        ))
        .respond_with(created(
            json!({"ref": "refs/heads/feature/x", "object": {"type": "commit", "sha": SHA}}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/octocat/Hello-World/branches/feature/x"))
        .respond_with(ok(
            json!({"name": "feature/x", "commit": {"sha": SHA, "url": "u"}, "protected": true}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/repos/octocat/Hello-World/git/refs/heads/feature/x"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/octocat/Hello-World/branches"))
        .and(query_param("per_page", "30"))
        .respond_with(ok(
            json!([{"name": "master", "commit": {"sha": SHA2}, "protected": false}]),
        ))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PUT"))
        .and(path(
            "/repos/octocat/Hello-World/branches/master/protection",
        ))
        .and(body_json(json!({
            "required_status_checks": {"strict": false, "contexts": ["ci/build"]},
            "enforce_admins": true,
            "required_pull_request_reviews": {"required_approving_review_count": 2},
            "restrictions": null, "allow_force_pushes": false, "allow_deletions": false
        })))
        .respond_with(ok(json!({
            "required_status_checks": {"strict": false, "contexts": ["ci/build"]},
            "enforce_admins": {"enabled": true},
            "required_pull_request_reviews": {"required_approving_review_count": 2},
            "allow_force_pushes": {"enabled": false}, "allow_deletions": {"enabled": false}
        })))
        .expect(1)
        .mount(&s)
        .await;
    let gh = provider(&s);
    let b = gh
        .create_branch(CreateBranch {
            repo: hw(),
            name: "feature/x".into(),
            from: "master".into(),
        })
        .await
        .unwrap();
    assert_eq!(b.commit_sha, SHA);
    let b = gh
        .get_branch(BranchRef::new(hw(), "feature/x"))
        .await
        .unwrap();
    assert!(b.protected);
    gh.delete_branch(BranchRef::new(hw(), "feature/x"))
        .await
        .unwrap();
    let page = gh
        .list_branches(ListBranches {
            repo: hw(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(page.items[0].name, "master");
    assert!(page.next.is_none());
    let rules = BranchProtection {
        branch: "master".into(),
        required_approvals: 2,
        required_status_checks: vec!["ci/build".into()],
        enforce_admins: true,
        allow_force_push: false,
        allow_deletion: false,
    };
    let out = gh
        .protect_branch(ProtectBranch {
            repo: hw(),
            rules: rules.clone(),
        })
        .await
        .unwrap();
    assert_eq!(out, rules);
}

#[tokio::test]
async fn pull_requests() {
    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/repos/octocat/Hello-World/pulls"))
        .and(body_json(json!({"title": "Amazing new feature", "body": "Please pull", "head": "new-topic", "base": "master", "draft": true})))
        .respond_with(created(pr_json(1347, "open", None)))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/octocat/Hello-World/pulls/1347"))
        .respond_with(ok(pr_json(1347, "closed", Some("2011-01-26T19:01:12Z"))))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/repos/octocat/Hello-World/pulls/1347"))
        .and(body_json(json!({"title": "t2", "state": "closed"})))
        .respond_with(ok(pr_json(1347, "closed", None)))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PUT"))
        .and(path("/repos/octocat/Hello-World/pulls/1347/merge"))
        .and(body_json(
            json!({"commit_title": "Expand enum", "sha": SHA, "merge_method": "squash"}),
        ))
        .respond_with(ok(
            json!({"sha": SHA2, "merged": true, "message": "Pull Request successfully merged"}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/octocat/Hello-World/pulls"))
        .and(query_param("state", "all"))
        .and(query_param("per_page", "30"))
        .respond_with(ok(json!([
            pr_json(1, "open", None),
            pr_json(2, "closed", None)
        ])))
        .expect(1)
        .mount(&s)
        .await;
    let gh = provider(&s);
    let pr = gh
        .create_pull_request(CreatePullRequest {
            repo: hw(),
            title: "Amazing new feature".into(),
            body: Some("Please pull".into()),
            head: "new-topic".into(),
            base: "master".into(),
            draft: true,
        })
        .await
        .unwrap();
    assert_eq!((pr.number, pr.state), (1347, PullRequestState::Open));
    assert_eq!(pr.head_sha.as_deref(), Some(SHA));
    assert_eq!(pr.merge_commit_sha, None);
    let pr = gh
        .get_pull_request(PullRequestRef {
            repo: hw(),
            number: 1347,
        })
        .await
        .unwrap();
    assert_eq!(pr.state, PullRequestState::Merged);
    assert!(pr.merge_commit_sha.is_some());
    let pr = gh
        .update_pull_request(UpdatePullRequest {
            repo: hw(),
            number: 1347,
            title: Some("t2".into()),
            state: Some(PullRequestState::Closed),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(pr.state, PullRequestState::Closed);
    let e = gh
        .update_pull_request(UpdatePullRequest {
            repo: hw(),
            number: 1,
            state: Some(PullRequestState::Merged),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("state"));
    let m = gh
        .merge_pull_request(MergePullRequest {
            repo: hw(),
            number: 1347,
            method: MergeMethod::Squash,
            commit_title: Some("Expand enum".into()),
            commit_message: None,
            sha: Some(SHA.into()),
        })
        .await
        .unwrap();
    assert!(m.merged);
    assert_eq!(m.sha.as_deref(), Some(SHA2));
    let page = gh
        .list_pull_requests(ListPullRequests {
            repo: hw(),
            state: StateFilter::All,
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
}

#[tokio::test]
async fn merge_conflict_maps_to_conflict() {
    let s = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/repos/octocat/Hello-World/pulls/1/merge"))
        .respond_with(
            ResponseTemplate::new(405)
                .set_body_json(json!({"message": "Pull Request is not mergeable"})),
        )
        .mount(&s)
        .await;
    let e = provider(&s)
        .merge_pull_request(MergePullRequest {
            repo: hw(),
            number: 1,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    assert!(e.message().contains("not mergeable"));
}

#[tokio::test]
async fn commits_and_compare() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/repos/octocat/Hello-World/commits/{SHA}")))
        .respond_with(ok(commit_json(SHA)))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/octocat/Hello-World/commits"))
        .and(query_param("sha", "dev"))
        .and(query_param("path", "src/lib.rs"))
        .respond_with(ok(json!([commit_json(SHA), commit_json(SHA2)])))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/octocat/Hello-World/compare/master...topic"))
        .respond_with(ok(json!({
            "status": "diverged", "ahead_by": 1, "behind_by": 2, "total_commits": 1,
            "commits": [commit_json(SHA)],
            "files": [{"sha": "bbcd538c8e72b8c175046e27cc8f907076331401", "filename": "file1.txt", "status": "added", "additions": 103, "deletions": 21, "changes": 124}]
        })))
        .expect(1)
        .mount(&s)
        .await;
    let gh = provider(&s);
    let c = gh
        .get_commit(CommitRef {
            repo: hw(),
            sha: SHA.into(),
        })
        .await
        .unwrap();
    assert_eq!(c.message, "Fix all the bugs");
    assert_eq!(c.parents, [SHA2]);
    assert_eq!(c.author.unwrap().email, "support@github.com");
    let page = gh
        .list_commits(ListCommits {
            repo: hw(),
            reference: Some("dev".into()),
            path: Some("src/lib.rs".into()),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    let cmp = gh
        .compare_commits(CompareCommits {
            repo: hw(),
            base: "master".into(),
            head: "topic".into(),
        })
        .await
        .unwrap();
    assert_eq!(cmp.status, CompareStatus::Diverged);
    assert_eq!((cmp.ahead_by, cmp.behind_by), (1, 2));
    assert_eq!(
        cmp.files[0],
        ChangedFile {
            path: "file1.txt".into(),
            status: "added".into(),
            additions: 103,
            deletions: 21
        }
    );
}

#[tokio::test]
async fn create_commit_uses_the_git_database_api() {
    let s = MockServer::start().await;
    let r = "/repos/octocat/Hello-World";
    Mock::given(method("GET"))
        .and(path(format!("{r}/git/ref/heads/main")))
        .respond_with(ok(
            json!({"ref": "refs/heads/main", "object": {"type": "commit", "sha": SHA2}}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{r}/git/commits/{SHA2}")))
        .respond_with(ok(
            json!({"sha": SHA2, "message": "base", "tree": {"sha": "tree0"}, "parents": []}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{r}/git/blobs")))
        .and(body_json(
            json!({"content": "aGVsbG8=", "encoding": "base64"}),
        ))
        .respond_with(created(json!({"sha": "blob1", "url": "u"})))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{r}/git/trees")))
        .and(body_json(json!({"base_tree": "tree0", "tree": [
            {"path": "a.txt", "mode": "100644", "type": "blob", "sha": "blob1"},
            {"path": "old.txt", "mode": "100644", "type": "blob", "sha": null}
        ]})))
        .respond_with(created(json!({"sha": "tree1", "tree": []})))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{r}/git/commits")))
        .and(body_json(json!({"message": "two changes", "tree": "tree1", "parents": [SHA2]})))
        .respond_with(created(json!({"sha": SHA, "message": "two changes", "tree": {"sha": "tree1"}, "parents": [{"sha": SHA2}]})))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{r}/git/refs/heads/main")))
        .and(body_json(json!({"sha": SHA, "force": false})))
        .respond_with(ok(
            json!({"ref": "refs/heads/main", "object": {"type": "commit", "sha": SHA}}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    let c = provider(&s)
        .create_commit(CreateCommit {
            repo: hw(),
            branch: "main".into(),
            message: "two changes".into(),
            changes: vec![
                FileChange::Create {
                    path: "a.txt".into(),
                    content: b"hello".to_vec(),
                },
                FileChange::Delete {
                    path: "old.txt".into(),
                },
            ],
            author: None,
        })
        .await
        .unwrap();
    assert_eq!(c.sha, SHA);
    assert_eq!(c.parents, [SHA2]);
}

#[tokio::test]
async fn tags() {
    let s = MockServer::start().await;
    let r = "/repos/octocat/Hello-World";
    Mock::given(method("GET"))
        .and(path(format!("{r}/commits/main")))
        .respond_with(ok(commit_json(SHA)))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{r}/git/tags")))
        .and(body_json(json!({"tag": "v1.0", "message": "first", "object": SHA, "type": "commit"})))
        .respond_with(created(json!({"sha": "tagobj", "tag": "v1.0", "message": "first", "object": {"type": "commit", "sha": SHA}})))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{r}/git/refs")))
        .and(body_json(json!({"ref": "refs/tags/v1.0", "sha": "tagobj"})))
        .respond_with(created(
            json!({"ref": "refs/tags/v1.0", "object": {"type": "tag", "sha": "tagobj"}}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{r}/git/ref/tags/v1.0")))
        .respond_with(ok(
            json!({"ref": "refs/tags/v1.0", "object": {"type": "tag", "sha": "tagobj"}}),
        ))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{r}/git/tags/tagobj")))
        .respond_with(ok(json!({"sha": "tagobj", "tag": "v1.0", "message": "first", "object": {"type": "commit", "sha": SHA}})))
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{r}/git/refs/tags/v1.0")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{r}/tags")))
        .respond_with(ok(json!([{"name": "v0.1", "commit": {"sha": SHA2, "url": "u"}, "zipball_url": "z", "tarball_url": "t"}])))
        .mount(&s)
        .await;
    let gh = provider(&s);
    let t = gh
        .create_tag(CreateTag {
            repo: hw(),
            name: "v1.0".into(),
            target: "main".into(),
            message: Some("first".into()),
        })
        .await
        .unwrap();
    assert_eq!(
        t,
        Tag {
            name: "v1.0".into(),
            sha: SHA.into(),
            message: Some("first".into())
        }
    );
    let t = gh
        .get_tag(TagRef {
            repo: hw(),
            name: "v1.0".into(),
        })
        .await
        .unwrap();
    assert_eq!((t.sha.as_str(), t.message.as_deref()), (SHA, Some("first")));
    gh.delete_tag(TagRef {
        repo: hw(),
        name: "v1.0".into(),
    })
    .await
    .unwrap();
    let page = gh
        .list_tags(ListTags {
            repo: hw(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(page.items[0].sha, SHA2);
}

#[tokio::test]
async fn webhooks() {
    let s = MockServer::start().await;
    let r = "/repos/octocat/Hello-World";
    let hook = json!({"id": 12345678, "name": "web", "active": true, "events": ["push", "pull_request"],
        "config": {"content_type": "json", "insecure_ssl": "0", "url": "https://example.com/webhook"}});
    Mock::given(method("POST"))
        .and(path(format!("{r}/hooks")))
        .and(body_json(json!({"name": "web", "active": true, "events": ["push", "pull_request"],
            "config": {"url": "https://example.com/webhook", "content_type": "json", "secret": "s3cr3t", "insecure_ssl": "0"}})))
        .respond_with(created(hook.clone()))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{r}/hooks/12345678")))
        .respond_with(ok(hook.clone()))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{r}/hooks/12345678")))
        .and(body_json(json!({"config": {"url": "https://example.com/webhook", "content_type": "json", "secret": "new", "insecure_ssl": "0"}})))
        .respond_with(ok(hook.clone()))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{r}/hooks/12345678")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{r}/hooks")))
        .respond_with(ok(json!([hook])))
        .expect(1)
        .mount(&s)
        .await;
    let gh = provider(&s);
    let h = gh
        .create_webhook(CreateWebhook {
            repo: hw(),
            url: "https://example.com/webhook".into(),
            events: vec!["push".into(), "pull_request".into()],
            secret: Some(Secret::new("s3cr3t")),
            active: true,
        })
        .await
        .unwrap();
    assert_eq!(h.id, "12345678");
    assert_eq!(h.url, "https://example.com/webhook");
    gh.update_webhook(UpdateWebhook {
        repo: hw(),
        id: "12345678".into(),
        secret: Some(Secret::new("new")),
        ..Default::default()
    })
    .await
    .unwrap();
    gh.delete_webhook(WebhookRef {
        repo: hw(),
        id: "12345678".into(),
    })
    .await
    .unwrap();
    let page = gh
        .list_webhooks(ListWebhooks {
            repo: hw(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(page.items[0].events, ["push", "pull_request"]);
}

#[tokio::test]
async fn collaborators() {
    let s = MockServer::start().await;
    let r = "/repos/octocat/Hello-World";
    Mock::given(method("PUT"))
        .and(path(format!("{r}/collaborators/hubot")))
        .and(body_json(json!({"permission": "push"})))
        .respond_with(created(
            json!({"id": 1, "invitee": {"login": "hubot"}, "permissions": "write"}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{r}/collaborators/hubot")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{r}/collaborators")))
        .respond_with(ok(json!([
            {"login": "octocat", "permissions": {"pull": true, "triage": true, "push": true, "maintain": true, "admin": true}, "role_name": "admin"},
            {"login": "hubot", "permissions": {"pull": true, "triage": true, "push": false, "maintain": false, "admin": false}}
        ])))
        .expect(1)
        .mount(&s)
        .await;
    let gh = provider(&s);
    gh.add_collaborator(AddCollaborator {
        repo: hw(),
        login: "hubot".into(),
        permission: Permission::Write,
    })
    .await
    .unwrap();
    gh.remove_collaborator(CollaboratorRef {
        repo: hw(),
        login: "hubot".into(),
    })
    .await
    .unwrap();
    let page = gh
        .list_collaborators(ListCollaborators {
            repo: hw(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(page.items[0].permission, Permission::Admin);
    assert_eq!(page.items[1].permission, Permission::Triage);
}

#[tokio::test]
async fn issues() {
    let s = MockServer::start().await;
    let r = "/repos/octocat/Hello-World";
    Mock::given(method("POST"))
        .and(path(format!("{r}/issues")))
        .and(body_json(json!({"title": "Found a bug", "body": "I'm having a problem with this.", "labels": ["bug"], "assignees": ["hubot"]})))
        .respond_with(created(issue_json(1347, false)))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{r}/issues/1347")))
        .respond_with(ok(issue_json(1347, false)))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{r}/issues/9")))
        .respond_with(ok(issue_json(9, true)))
        .mount(&s)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{r}/issues/1347")))
        .and(body_json(
            json!({"title": "Renamed", "labels": ["bug", "p1"]}),
        ))
        .respond_with(ok(issue_json(1347, false)))
        .expect(1)
        .mount(&s)
        .await;
    let mut closed = issue_json(1347, false);
    closed["state"] = json!("closed");
    Mock::given(method("PATCH"))
        .and(path(format!("{r}/issues/1347")))
        .and(body_json(json!({"state": "closed"})))
        .respond_with(ok(closed))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{r}/issues")))
        .and(query_param("state", "open"))
        .and(query_param("labels", "bug,ui"))
        .respond_with(ok(json!([
            issue_json(1, false),
            issue_json(2, true),
            issue_json(3, false)
        ])))
        .expect(1)
        .mount(&s)
        .await;
    let gh = provider(&s);
    let i = gh
        .create_issue(CreateIssue {
            repo: hw(),
            title: "Found a bug".into(),
            body: Some("I'm having a problem with this.".into()),
            labels: vec!["bug".into()],
            assignees: vec!["hubot".into()],
        })
        .await
        .unwrap();
    assert_eq!(i.labels, ["bug"]);
    assert_eq!(i.assignees, ["hubot"]);
    assert_eq!(i.author.as_deref(), Some("octocat"));
    gh.get_issue(IssueRef {
        repo: hw(),
        number: 1347,
    })
    .await
    .unwrap();
    let e = gh
        .get_issue(IssueRef {
            repo: hw(),
            number: 9,
        })
        .await
        .unwrap_err();
    assert!(e.is_not_found());
    gh.update_issue(UpdateIssue {
        repo: hw(),
        number: 1347,
        title: Some("Renamed".into()),
        labels: Some(vec!["bug".into(), "p1".into()]),
        ..Default::default()
    })
    .await
    .unwrap();
    let i = gh
        .close_issue(IssueRef {
            repo: hw(),
            number: 1347,
        })
        .await
        .unwrap();
    assert_eq!(i.state, IssueState::Closed);
    let page = gh
        .list_issues(ListIssues {
            repo: hw(),
            state: StateFilter::Open,
            labels: vec!["bug".into(), "ui".into()],
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    let numbers: Vec<u64> = page.items.iter().map(|i| i.number).collect();
    assert_eq!(numbers, [1, 3], "pull requests are left out");
}

#[tokio::test]
async fn files() {
    let s = MockServer::start().await;
    let r = "/repos/octocat/Hello-World";
    Mock::given(method("GET"))
        .and(path(format!("{r}/contents/docs/read%20me.md")))
        .and(query_param("ref", "dev"))
        .respond_with(ok(json!({"type": "file", "encoding": "base64", "size": 5, "name": "read me.md",
            "path": "docs/read me.md", "content": "aGVs\nbG8=\n", "sha": "3d21ec53a331a6f037a91c368710b99387d012c1"})))
        .mount(&s)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{r}/contents/new.txt")))
        .and(body_json(
            json!({"message": "my commit message", "content": "aGk=", "branch": "dev"}),
        ))
        .respond_with(created(file_commit_json(
            "new.txt",
            Some("95b966ae1c166bd92f8ae7d1c313e738c731dfc3"),
        )))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{r}/contents/docs/read%20me.md")))
        .and(body_json(json!({"message": "update", "content": "aGk=", "branch": "dev", "sha": "3d21ec53a331a6f037a91c368710b99387d012c1"})))
        .respond_with(ok(file_commit_json("docs/read me.md", Some("newsha"))))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{r}/contents/docs/read%20me.md")))
        .and(body_json(json!({"message": "rm", "sha": "3d21ec53a331a6f037a91c368710b99387d012c1", "branch": "dev"})))
        .respond_with(ok(file_commit_json("docs/read me.md", None)))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{r}/contents/docs")))
        .respond_with(ok(json!([{"type": "file", "path": "docs/a", "sha": "x"}])))
        .mount(&s)
        .await;
    let gh = provider(&s);
    let f = gh
        .get_file(GetFile {
            repo: hw(),
            path: "docs/read me.md".into(),
            reference: Some("dev".into()),
        })
        .await
        .unwrap();
    assert_eq!(f.text(), Some("hello"));
    let c = gh
        .create_file(WriteFile {
            repo: hw(),
            path: "new.txt".into(),
            content: b"hi".to_vec(),
            message: "my commit message".into(),
            branch: Some("dev".into()),
            sha: None,
        })
        .await
        .unwrap();
    assert_eq!(
        c.content_sha.as_deref(),
        Some("95b966ae1c166bd92f8ae7d1c313e738c731dfc3")
    );
    assert_eq!(c.commit.sha, SHA);
    let c = gh
        .update_file(WriteFile {
            repo: hw(),
            path: "docs/read me.md".into(),
            content: b"hi".to_vec(),
            message: "update".into(),
            branch: Some("dev".into()),
            sha: None,
        })
        .await
        .unwrap();
    assert_eq!(c.content_sha.as_deref(), Some("newsha"));
    let c = gh
        .delete_file(DeleteFile {
            repo: hw(),
            path: "docs/read me.md".into(),
            message: "rm".into(),
            branch: Some("dev".into()),
            sha: None,
        })
        .await
        .unwrap();
    assert_eq!(c.content_sha, None);
    let e = gh
        .get_file(GetFile {
            repo: hw(),
            path: "docs".into(),
            reference: None,
        })
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("path"));
}

#[tokio::test]
async fn statuses_and_releases() {
    let s = MockServer::start().await;
    let r = "/repos/octocat/Hello-World";
    let status = json!({"state": "success", "description": "Build has completed successfully", "target_url": "https://ci.example.com/1000/output",
        "context": "continuous-integration/jenkins", "created_at": "2012-07-20T01:19:13Z"});
    Mock::given(method("POST"))
        .and(path(format!("{r}/statuses/{SHA}")))
        .and(body_json(json!({"state": "success", "target_url": "https://ci.example.com/1000/output", "description": "Build has completed successfully", "context": "continuous-integration/jenkins"})))
        .respond_with(created(status.clone()))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{r}/commits/{SHA}/statuses")))
        .respond_with(ok(json!([status])))
        .expect(1)
        .mount(&s)
        .await;
    let release = json!({"id": 1, "tag_name": "v1.0.0", "target_commitish": "master", "name": "v1.0.0", "body": "Description of the release",
        "draft": false, "prerelease": false, "html_url": "https://github.com/octocat/Hello-World/releases/v1.0.0", "created_at": "2013-02-27T19:35:32Z"});
    Mock::given(method("POST"))
        .and(path(format!("{r}/releases")))
        .and(body_json(json!({"tag_name": "v1.0.0", "target_commitish": "master", "name": "v1.0.0", "body": "Description of the release", "draft": false, "prerelease": false})))
        .respond_with(created(release.clone()))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{r}/releases")))
        .respond_with(ok(json!([release])))
        .expect(1)
        .mount(&s)
        .await;
    let gh = provider(&s);
    let st = gh
        .create_commit_status(CreateCommitStatus {
            repo: hw(),
            sha: SHA.into(),
            state: StatusState::Success,
            context: "continuous-integration/jenkins".into(),
            description: Some("Build has completed successfully".into()),
            target_url: Some("https://ci.example.com/1000/output".into()),
        })
        .await
        .unwrap();
    assert_eq!(st.state, StatusState::Success);
    let page = gh
        .list_commit_statuses(ListCommitStatuses {
            repo: hw(),
            sha: SHA.into(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(page.items[0].context, "continuous-integration/jenkins");
    let rel = gh
        .create_release(CreateRelease {
            repo: hw(),
            tag_name: "v1.0.0".into(),
            target: Some("master".into()),
            name: Some("v1.0.0".into()),
            body: Some("Description of the release".into()),
            draft: false,
            prerelease: false,
        })
        .await
        .unwrap();
    assert_eq!(rel.id, "1");
    let page = gh
        .list_releases(ListReleases {
            repo: hw(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(page.items[0].tag_name, "v1.0.0");
}

#[tokio::test]
async fn error_mapping_table() {
    let s = MockServer::start().await;
    let date = httpdate::fmt_http_date(std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let cases: Vec<(&str, ResponseTemplate, ErrorKind, Option<u64>)> = vec![
        ("r404", ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})), ErrorKind::NotFound, None),
        ("r401", ResponseTemplate::new(401).set_body_json(json!({"message": "Bad credentials"})), ErrorKind::Unauthenticated, None),
        ("r403", ResponseTemplate::new(403).insert_header("x-ratelimit-remaining", "4000").set_body_json(json!({"message": "Resource not accessible by integration"})), ErrorKind::PermissionDenied, None),
        ("r403rl", ResponseTemplate::new(403).insert_header("date", date.as_str()).insert_header("x-ratelimit-limit", "5000").insert_header("x-ratelimit-remaining", "0").insert_header("x-ratelimit-reset", "1700000300").set_body_json(json!({"message": "API rate limit exceeded for xxx.xxx.xxx.xxx."})), ErrorKind::RateLimited, Some(300)),
        ("r403sec", ResponseTemplate::new(403).insert_header("retry-after", "60").set_body_json(json!({"message": "You have exceeded a secondary rate limit."})), ErrorKind::RateLimited, Some(60)),
        ("r409", ResponseTemplate::new(409).set_body_json(json!({"message": "Git Repository is empty."})), ErrorKind::Conflict, None),
        ("r422", ResponseTemplate::new(422).set_body_json(json!({"message": "Validation Failed", "errors": [{"resource": "Issue", "field": "title", "code": "missing_field"}]})), ErrorKind::InvalidInput, None),
        ("r429", ResponseTemplate::new(429).insert_header("retry-after", "7"), ErrorKind::RateLimited, Some(7)),
        ("r500", ResponseTemplate::new(500), ErrorKind::Unavailable, None),
        ("r502", ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>"), ErrorKind::Unavailable, None),
    ];
    let gh = provider(&s);
    for (name, resp, kind, retry) in cases {
        Mock::given(path(format!("/repos/o/{name}")))
            .respond_with(resp)
            .mount(&s)
            .await;
        let e = gh
            .get_repository(RepoRef::new("o", name))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), kind, "{name}: {e}");
        assert_eq!(e.provider(), Some("github"));
        assert_eq!(e.retry_after(), retry.map(Duration::from_secs), "{name}");
        if name == "r422" {
            assert_eq!(e.field(), Some("title"));
        }
        assert!(!format!("{e:?}").contains("ghp_testtoken"));
    }
}

#[tokio::test]
async fn malformed_bodies_are_decode_errors_naming_the_path() {
    let s = MockServer::start().await;
    Mock::given(path("/repos/o/bad"))
        .respond_with(ok(json!({"id": "not-a-number", "name": "bad"})))
        .mount(&s)
        .await;
    Mock::given(path("/repos/o/trunc"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"id\": 1, \"name\":"))
        .mount(&s)
        .await;
    let gh = provider(&s);
    let e = gh
        .get_repository(RepoRef::new("o", "bad"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.message().contains("$.id"), "{e}");
    let e = gh
        .get_repository(RepoRef::new("o", "trunc"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
}

#[tokio::test]
async fn user_input_cannot_escape_the_path() {
    let s = MockServer::start().await;
    Mock::given(path("/repos/o/a%2Fb"))
        .respond_with(ok(repo_json(1, "a/b")))
        .expect(1)
        .mount(&s)
        .await;
    let gh = provider(&s);
    gh.get_repository(RepoRef::new("o", "a/b")).await.unwrap();
    let e = gh
        .get_repository(RepoRef::new("o", ".."))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let e = gh.get_repository(RepoRef::new("", "x")).await.unwrap_err();
    assert_eq!(e.field(), Some("repo.owner"));
}

#[test]
fn capabilities_cover_every_operation() {
    let caps = GitHub::operations();
    for op in <GitOp as mosaic_core::OpKind>::ALL {
        assert!(caps.supports(*op), "{op:?}");
    }
}

#[test]
fn config_from_json() {
    let c = GitHubConfig::from_json(json!({
        "base_url": "https://ghe.example.com/api/v3",
        "auth": {"type": "token", "token": "ghp_x"},
        "timeout_secs": 5
    }))
    .unwrap();
    assert_eq!(c.http.timeout_secs, 5);
    // schema defaults are applied
    assert_eq!(c.http.connect_timeout_secs, 10);
    // a typo is an error naming the key, not a silent fallback to github.com
    let e = GitHubConfig::from_json(json!({
        "base_ur": "https://ghe.example.com/api/v3",
        "auth": {"type": "token", "token": "ghp_secret_typo"}
    }))
    .unwrap_err();
    assert_eq!(e.kind(), mosaic_core::ErrorKind::Config);
    assert!(e.fields().iter().any(|f| f.field == "/base_ur"), "{e}");
    assert!(!format!("{e}{e:?}").contains("ghp_secret_typo"), "{e}");
    // retry and rate limits are layers, not provider settings
    assert!(
        GitHubConfig::from_json(json!({
            "auth": {"type": "token", "token": "ghp_x"},
            "retry": {"max_attempts": 2}
        }))
        .is_err()
    );
    assert!(GitHubConfig::from_json(json!({"auth": {"type": "nope"}})).is_err());
    let dbg = format!("{c:?}");
    assert!(!dbg.contains("ghp_x"), "{dbg}");
}
