//! Forge adapter costs, each beside the plain `serde_json` baseline of the
//! same work:
//!
//! * `forges/parse_repos_100`: a 100-item repository listing as each forge
//!   sends it, through the adapter's path (`parse_repositories`: decode
//!   with JSON-path tracking, then mapping into `mosaic_core` repositories)
//!   against `serde_json::from_slice` of the same wire type alone.
//! * `forges/webhook`: one signed delivery per forge and event, verified
//!   (HMAC-SHA256 or token, constant time) and parsed into a normalized
//!   `WebhookEvent`, against `serde_json::from_slice::<Value>` of the same
//!   body alone.
//!
//! Run: `cargo bench -p mosaic-benches --bench forges -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use mosaic_providers::bench;
use mosaic_providers::bitbucket::Bitbucket;
use mosaic_providers::bitbucket::webhook::BitbucketWebhooks;
use mosaic_providers::gitea::Gitea;
use mosaic_providers::gitea::webhook::GiteaWebhooks;
use mosaic_providers::github::GitHub;
use mosaic_providers::github::webhook::GitHubWebhooks;
use mosaic_providers::gitlab::GitLab;
use mosaic_providers::gitlab::webhook::GitLabWebhooks;
use mosaic_providers::webhook::verify::hmac_sha256_hex;
use mosaic_providers::webhook::{HeaderMap, HeaderValue, WebhookHandler};
use serde_json::{Value, json};

const SECRET: &str = "bench-secret";
const SHA: &str = "6dcb09b5b57875f334f61aebed695e2e4193db5e";

fn github_repo(i: usize) -> Value {
    json!({"id": 1_296_269 + i, "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5", "name": format!("repo-{i}"), "full_name": format!("octocat/repo-{i}"),
        "owner": {"login": "octocat", "id": 1, "node_id": "MDQ6VXNlcjE=", "type": "User", "site_admin": false},
        "private": false, "html_url": format!("https://github.com/octocat/repo-{i}"), "description": "This your first repo!",
        "fork": false, "url": format!("https://api.github.com/repos/octocat/repo-{i}"), "archived": false, "disabled": false,
        "clone_url": format!("https://github.com/octocat/repo-{i}.git"), "ssh_url": format!("git@github.com:octocat/repo-{i}.git"),
        "homepage": "https://github.com", "language": null, "forks_count": 9, "stargazers_count": 80, "watchers_count": 80, "size": 108,
        "default_branch": "master", "open_issues_count": 0, "topics": ["octocat", "atom", "electron", "api"], "has_issues": true,
        "visibility": "public", "pushed_at": "2011-01-26T19:06:43Z", "created_at": "2011-01-26T19:01:12Z", "updated_at": "2011-01-26T19:14:43Z",
        "permissions": {"admin": false, "push": false, "pull": true}})
}

fn gitea_repo(i: usize) -> Value {
    json!({"id": i, "owner": {"id": 1, "login": "team", "username": "team", "full_name": "", "email": "team@noreply.example.com"},
        "name": format!("repo-{i}"), "full_name": format!("team/repo-{i}"), "description": "An app", "empty": false, "private": true,
        "fork": false, "template": false, "parent": null, "mirror": false, "size": 120, "language": "Rust",
        "html_url": format!("https://git.example.com/team/repo-{i}"), "ssh_url": format!("git@git.example.com:team/repo-{i}.git"),
        "clone_url": format!("https://git.example.com/team/repo-{i}.git"), "website": "", "stars_count": 3, "forks_count": 0,
        "watchers_count": 1, "open_issues_count": 2, "default_branch": "main", "archived": false, "internal": false,
        "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-02T00:00:00Z", "permissions": {"admin": true, "push": true, "pull": true}})
}

fn gitlab_project(i: usize) -> Value {
    json!({"id": i, "description": "desc", "name": format!("repo-{i}"), "name_with_namespace": format!("Group / Sub / repo-{i}"),
        "path": format!("repo-{i}"), "path_with_namespace": format!("group/sub/repo-{i}"), "created_at": "2013-09-30T13:46:02Z",
        "default_branch": "main", "tag_list": [], "topics": [], "ssh_url_to_repo": format!("git@gitlab.example.com:group/sub/repo-{i}.git"),
        "http_url_to_repo": format!("https://gitlab.example.com/group/sub/repo-{i}.git"), "web_url": format!("https://gitlab.example.com/group/sub/repo-{i}"),
        "readme_url": null, "forks_count": 0, "star_count": 0, "last_activity_at": "2013-09-30T13:46:02Z", "visibility": "private",
        "namespace": {"id": 9, "name": "sub", "path": "sub", "kind": "group", "full_path": "group/sub", "parent_id": 3},
        "archived": false, "empty_repo": false})
}

fn bitbucket_repo(i: usize) -> Value {
    json!({"type": "repository", "uuid": format!("{{5e8d5b4e-0000-4000-8000-{i:012}}}"), "full_name": format!("acme/repo-{i}"),
        "name": format!("repo-{i}"), "slug": format!("repo-{i}"), "is_private": true, "description": "An app", "scm": "git",
        "mainbranch": {"name": "main", "type": "branch"}, "language": "rust", "size": 1024, "has_issues": true,
        "links": {"self": {"href": "https://api.bitbucket.org/2.0/repositories/acme/x"}, "html": {"href": format!("https://bitbucket.org/acme/repo-{i}")},
            "clone": [{"name": "https", "href": format!("https://bitbucket.org/acme/repo-{i}.git")}, {"name": "ssh", "href": format!("git@bitbucket.org:acme/repo-{i}.git")}]},
        "workspace": {"slug": "acme", "type": "workspace"}, "created_on": "2024-01-01T00:00:00.000000+00:00", "updated_on": "2024-01-02T00:00:00.000000+00:00"})
}

fn listing(f: fn(usize) -> Value) -> Vec<u8> {
    serde_json::to_vec(&(0..100).map(f).collect::<Vec<_>>()).unwrap()
}

fn parse_repos(c: &mut Criterion) {
    let gh = listing(github_repo);
    let gt = listing(gitea_repo);
    let gl = listing(gitlab_project);
    let bb = serde_json::to_vec(&json!({"pagelen": 100, "size": 100, "page": 1, "values": (0..100).map(bitbucket_repo).collect::<Vec<_>>()})).unwrap();
    assert_eq!(GitHub::parse_repositories(&gh).unwrap().len(), 100);
    assert_eq!(Gitea::parse_repositories(&gt).unwrap().len(), 100);
    assert_eq!(GitLab::parse_repositories(&gl).unwrap().len(), 100);
    assert_eq!(Bitbucket::parse_repositories(&bb).unwrap().len(), 100);

    let mut g = c.benchmark_group("forges/parse_repos_100");
    g.bench_function("github/adapter", |b| {
        b.iter(|| GitHub::parse_repositories(black_box(&gh)).unwrap())
    });
    g.bench_function("github/serde_json", |b| {
        b.iter(|| bench::github_repositories(black_box(&gh)).unwrap())
    });
    g.bench_function("gitea/adapter", |b| {
        b.iter(|| Gitea::parse_repositories(black_box(&gt)).unwrap())
    });
    g.bench_function("gitea/serde_json", |b| {
        b.iter(|| bench::github_repositories(black_box(&gt)).unwrap())
    });
    g.bench_function("gitlab/adapter", |b| {
        b.iter(|| GitLab::parse_repositories(black_box(&gl)).unwrap())
    });
    g.bench_function("gitlab/serde_json", |b| {
        b.iter(|| bench::gitlab_projects(black_box(&gl)).unwrap())
    });
    g.bench_function("bitbucket/adapter", |b| {
        b.iter(|| Bitbucket::parse_repositories(black_box(&bb)).unwrap())
    });
    g.bench_function("bitbucket/serde_json", |b| {
        b.iter(|| bench::bitbucket_repositories(black_box(&bb)).unwrap())
    });
    g.finish();
}

fn signed(pairs: &[(&'static str, &str)], sig: Option<(&'static str, String)>) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(*k, HeaderValue::from_str(v).unwrap());
    }
    if let Some((k, v)) = sig {
        h.insert(k, HeaderValue::from_str(&v).unwrap());
    }
    h
}

struct Case {
    name: &'static str,
    handler: Box<dyn WebhookHandler>,
    headers: HeaderMap,
    body: Vec<u8>,
}

fn gh_case(name: &'static str, event: &str, v: Value) -> Case {
    let body = serde_json::to_vec(&v).unwrap();
    let sig = format!("sha256={}", hmac_sha256_hex(SECRET.as_bytes(), &body));
    Case {
        name,
        handler: Box::new(GitHubWebhooks::new(SECRET).unwrap()),
        headers: signed(
            &[("x-github-event", event)],
            Some(("x-hub-signature-256", sig)),
        ),
        body,
    }
}

fn gitea_case(name: &'static str, event: &str, v: Value) -> Case {
    let body = serde_json::to_vec(&v).unwrap();
    let sig = hmac_sha256_hex(SECRET.as_bytes(), &body);
    Case {
        name,
        handler: Box::new(GiteaWebhooks::new(SECRET).unwrap()),
        headers: signed(
            &[("x-gitea-event", event)],
            Some(("x-gitea-signature", sig)),
        ),
        body,
    }
}

fn gitlab_case(name: &'static str, event: &str, v: Value) -> Case {
    let body = serde_json::to_vec(&v).unwrap();
    Case {
        name,
        handler: Box::new(GitLabWebhooks::new(SECRET).unwrap()),
        headers: signed(
            &[("x-gitlab-event", event), ("x-gitlab-token", SECRET)],
            None,
        ),
        body,
    }
}

fn bb_case(name: &'static str, event: &str, v: Value) -> Case {
    let body = serde_json::to_vec(&v).unwrap();
    let sig = format!("sha256={}", hmac_sha256_hex(SECRET.as_bytes(), &body));
    Case {
        name,
        handler: Box::new(BitbucketWebhooks::new(SECRET).unwrap()),
        headers: signed(&[("x-event-key", event)], Some(("x-hub-signature", sig))),
        body,
    }
}

fn webhook_cases() -> Vec<Case> {
    let gh_repo = github_repo(1);
    let gh_commits: Vec<Value> = (0..3)
        .map(|i| json!({"id": format!("{SHA}{i}"), "message": "Update README.md", "timestamp": "2019-05-15T15:20:30Z",
            "author": {"name": "Codertocat", "email": "21031067+Codertocat@users.noreply.github.com", "username": "Codertocat"},
            "added": [], "removed": [], "modified": ["README.md"]}))
        .collect();
    let gh_pr = json!({"number": 2, "state": "open", "title": "Update the README with new information.", "body": "This is a pretty simple change.",
        "user": {"login": "Codertocat"}, "merged": false, "merged_at": null, "draft": false,
        "head": {"ref": "changes", "sha": SHA}, "base": {"ref": "master", "sha": SHA}, "html_url": "https://github.com/Codertocat/Hello-World/pull/2",
        "created_at": "2019-05-15T15:20:33Z", "updated_at": "2019-05-15T15:20:33Z"});
    let gh_issue = json!({"number": 1, "title": "Spelling error in the README file", "state": "open", "body": "It looks like you accidently spelled 'commit' with two 't's.",
        "user": {"login": "Codertocat"}, "labels": [{"name": "bug"}], "assignees": [{"login": "Codertocat"}], "html_url": "https://github.com/Codertocat/Hello-World/issues/1"});
    let gitea_repo_v = gitea_repo(1);
    let gitea_pr = json!({"number": 3, "title": "feature", "body": "desc", "state": "open", "merged": false, "user": {"login": "alice"},
        "head": {"ref": "feature", "sha": SHA}, "base": {"ref": "main", "sha": SHA}, "html_url": "u"});
    let gl_project = json!({"id": 15, "name": "app", "path_with_namespace": "group/sub/app", "web_url": "http://example.com/group/sub/app"});
    let bb_repo =
        json!({"type": "repository", "full_name": "acme/app", "name": "app", "uuid": "{r}"});
    let bb_actor = json!({"display_name": "Alice", "nickname": "alice", "account_id": "557058:1"});
    let bb_pr = json!({"type": "pullrequest", "id": 1, "title": "Add feature", "description": "desc", "state": "OPEN",
        "source": {"branch": {"name": "feature"}, "commit": {"hash": SHA}}, "destination": {"branch": {"name": "main"}},
        "author": bb_actor, "links": {"html": {"href": "u"}}});
    vec![
        gh_case(
            "github/push",
            "push",
            json!({"ref": "refs/heads/main", "before": SHA, "after": SHA, "commits": gh_commits, "repository": gh_repo, "sender": {"login": "Codertocat"}}),
        ),
        gh_case(
            "github/pull_request",
            "pull_request",
            json!({"action": "opened", "number": 2, "pull_request": gh_pr, "repository": gh_repo, "sender": {"login": "Codertocat"}}),
        ),
        gh_case(
            "github/issues",
            "issues",
            json!({"action": "opened", "issue": gh_issue, "repository": gh_repo, "sender": {"login": "Codertocat"}}),
        ),
        gh_case(
            "github/issue_comment",
            "issue_comment",
            json!({"action": "created", "issue": gh_issue, "comment": {"id": 492700400, "body": "You are totally right!", "user": {"login": "Codertocat"}}, "repository": gh_repo}),
        ),
        gh_case(
            "github/release",
            "release",
            json!({"action": "published", "release": {"id": 11248810, "tag_name": "0.0.1", "draft": false, "prerelease": false}, "repository": gh_repo}),
        ),
        gitea_case(
            "gitea/push",
            "push",
            json!({"ref": "refs/heads/main", "before": SHA, "after": SHA, "commits": [{"id": SHA, "message": "m", "author": {"name": "A"}}], "repository": gitea_repo_v, "sender": {"login": "a"}}),
        ),
        gitea_case(
            "gitea/pull_request",
            "pull_request",
            json!({"action": "opened", "number": 3, "pull_request": gitea_pr, "repository": gitea_repo_v}),
        ),
        gitlab_case(
            "gitlab/push",
            "Push Hook",
            json!({"object_kind": "push", "before": "95790bf891e76fee5e1747ab589903a6a1f80f22", "after": SHA, "ref": "refs/heads/master",
            "user_username": "jsmith", "project": gl_project, "commits": [{"id": SHA, "message": "Update Catalan translation", "author": {"name": "Jordi Mallach", "email": "jordi@softcatala.org"}}]}),
        ),
        gitlab_case(
            "gitlab/merge_request",
            "Merge Request Hook",
            json!({"object_kind": "merge_request", "user": {"username": "root"}, "project": gl_project,
            "object_attributes": {"iid": 1, "title": "MS-Viewport", "description": "", "state": "opened", "action": "open", "source_branch": "ms-viewport", "target_branch": "master", "last_commit": {"id": SHA}, "url": "u"}}),
        ),
        bb_case(
            "bitbucket/push",
            "repo:push",
            json!({"actor": bb_actor, "repository": bb_repo, "push": {"changes": [{
            "old": {"type": "branch", "name": "main", "target": {"hash": SHA}}, "new": {"type": "branch", "name": "main", "target": {"hash": SHA}},
            "commits": [{"hash": SHA, "message": "Fix", "author": {"raw": "Alice <alice@example.com>"}}]}]}}),
        ),
        bb_case(
            "bitbucket/pullrequest",
            "pullrequest:created",
            json!({"actor": bb_actor, "repository": bb_repo, "pullrequest": bb_pr}),
        ),
    ]
}

fn webhooks(c: &mut Criterion) {
    let cases = webhook_cases();
    let mut g = c.benchmark_group("forges/webhook");
    for case in &cases {
        let out = case.handler.handle(&case.headers, &case.body).unwrap();
        assert!(out.event().is_some(), "{}: {out:?}", case.name);
        g.bench_function(format!("{}/verify_parse", case.name), |b| {
            b.iter(|| {
                case.handler
                    .handle(black_box(&case.headers), black_box(&case.body))
                    .unwrap()
            })
        });
        g.bench_function(format!("{}/serde_json_value", case.name), |b| {
            b.iter(|| serde_json::from_slice::<Value>(black_box(&case.body)).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, parse_repos, webhooks);
criterion_main!(benches);
