//! The git conformance suite of `mosaic-testing`, run through each forge
//! adapter against a stateful HTTP double of the forge's API (built from
//! its documentation, backed by a `FakeGit`), so what the suite creates
//! is really stored, listed, changed and deleted behind the HTTP calls.
//!
//! Every adapter claims every git operation, so the only check skipped is
//! the one about operations left out of `capabilities()`; no check may
//! fail. [`round_trips`] also walks the file, branch and commit round trips
//! step by step through each adapter.

use mosaic_core::git::*;
use mosaic_core::{ErrorKind, PageRequest};
use mosaic_testing::FakeGit;
use mosaic_testing::conformance::git::{GitSetup, run};
use mosaic_testing::conformance::{Outcome, Report};
use mosaic_testing::double::{HttpDouble, Recorded};

const EVERY_OP_CLAIMED: &str = "unsupported operations answer Unsupported";
const DUPLICATE_REPO: &str = "repository: creating it twice is Conflict";

/// The checks that were skipped, by name.
fn skipped(report: &Report) -> Vec<&'static str> {
    report.skipped().iter().map(|c| c.name).collect()
}

/// Every request carried `header: value`, none was refused as
/// unauthenticated, a listing was asked with `size=2` and a second page
/// was followed.
#[track_caller]
fn assert_requests(requests: &[Recorded], header: &str, value: &str, size: &str) {
    assert!(requests.len() > 50, "only {} requests", requests.len());
    for r in requests {
        assert_eq!(
            r.headers.get(header).and_then(|v| v.to_str().ok()),
            Some(value),
            "{} {} without `{header}`",
            r.method,
            r.target
        );
        assert_ne!(r.status.as_u16(), 401, "{} {}", r.method, r.target);
    }
    let size = format!("{size}=2");
    assert!(
        requests.iter().any(|r| r.target.contains(&size)),
        "no listing asked for `{size}`"
    );
    assert!(
        requests
            .iter()
            .any(|r| r.target.contains(&size) && r.target.contains("page=2")),
        "no second page was followed"
    );
}

/// What the suite's failing checks stop short of, through `p`: a file
/// updated with its SHA and deleted, branches created, walked two to a
/// page and deleted, the head commit fetched.
async fn round_trips<P: GitProvider>(p: &P) {
    let repo = p
        .create_repository(CreateRepository {
            name: "round-trips".into(),
            auto_init: true,
            visibility: Visibility::Private,
            ..Default::default()
        })
        .await
        .unwrap()
        .reference();
    let base = p.get_repository(repo.clone()).await.unwrap().default_branch;
    let write = |content: &str, sha: Option<String>| WriteFile {
        repo: repo.clone(),
        path: "docs/a.txt".into(),
        content: content.as_bytes().to_vec(),
        message: format!("write {content}"),
        branch: None,
        sha,
    };
    let get = || GetFile {
        repo: repo.clone(),
        path: "docs/a.txt".into(),
        reference: None,
    };
    p.create_file(write("one\n", None)).await.unwrap();
    let one = p.get_file(get()).await.unwrap();
    assert_eq!(one.content, b"one\n");
    p.update_file(write("two\n", Some(one.sha.clone())))
        .await
        .unwrap();
    let two = p.get_file(get()).await.unwrap();
    assert_eq!(two.content, b"two\n");
    assert_ne!(two.sha, one.sha);
    p.delete_file(DeleteFile {
        repo: repo.clone(),
        path: "docs/a.txt".into(),
        message: "remove".into(),
        branch: None,
        sha: Some(two.sha),
    })
    .await
    .unwrap();
    let gone = p.get_file(get()).await.unwrap_err();
    assert_eq!(gone.kind(), ErrorKind::NotFound, "{gone}");

    let head = p
        .get_branch(BranchRef::new(repo.clone(), &base))
        .await
        .unwrap()
        .commit_sha;
    let names: Vec<String> = (0..3).map(|i| format!("rt-{i}")).collect();
    for n in &names {
        let b = p
            .create_branch(CreateBranch {
                repo: repo.clone(),
                name: n.clone(),
                from: base.clone(),
            })
            .await
            .unwrap();
        assert_eq!(b.commit_sha, head);
    }
    let mut listed = Vec::new();
    let mut page = PageRequest::with_size(2);
    loop {
        let got = p
            .list_branches(ListBranches {
                repo: repo.clone(),
                page: page.clone(),
            })
            .await
            .unwrap();
        assert!(got.items.len() <= 2);
        listed.extend(got.items.into_iter().map(|b| b.name));
        match got.next {
            Some(next) => page.cursor = Some(next),
            None => break,
        }
    }
    listed.sort();
    let mut expected = names.clone();
    expected.push(base.clone());
    expected.sort();
    assert_eq!(listed, expected);
    for n in &names {
        p.delete_branch(BranchRef::new(repo.clone(), n))
            .await
            .unwrap();
    }
    let e = p
        .get_branch(BranchRef::new(repo.clone(), &names[0]))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    let commit = p
        .get_commit(CommitRef {
            repo: repo.clone(),
            sha: head.clone(),
        })
        .await
        .unwrap();
    assert_eq!(commit.sha, head);
}

#[cfg(feature = "github")]
mod github {
    use super::*;
    use mosaic_providers::github::{GitHub, GitHubConfig};
    use mosaic_testing::double::github::GitHubApi;

    async fn setup() -> (HttpDouble, GitHub, FakeGit) {
        let fake = FakeGit::new();
        let double = HttpDouble::start(GitHubApi::github(fake.clone()))
            .await
            .unwrap();
        let provider =
            GitHub::new(GitHubConfig::token("ghp_conformance").with_base_url(double.base_url()))
                .unwrap();
        (double, provider, fake)
    }

    #[tokio::test]
    async fn github_passes_the_git_suite_against_the_rest_double() {
        let (double, provider, fake) = setup().await;
        let report = run(&provider, &GitSetup::default()).await;
        assert_eq!(skipped(&report), vec![EVERY_OP_CLAIMED], "{report}");
        assert!(report.failures().is_empty(), "{report}");
        // what the suite created really went through the fake
        assert!(
            fake.repositories().is_empty(),
            "the suite deletes its repository"
        );
        assert!(fake.call_count(GitOp::MergePullRequest) >= 2);
        assert_requests(
            &double.requests(),
            "authorization",
            "Bearer ghp_conformance",
            "per_page",
        );
        round_trips(&provider).await;
    }
}

#[cfg(feature = "gitea")]
mod gitea {
    use super::*;
    use mosaic_providers::gitea::{Gitea, GiteaConfig};
    use mosaic_testing::double::github::GitHubApi;

    const GITEA_1_27: &str = "1.27.0";
    const FORGEJO: &str = "11.0.1+gitea-1.22.0";

    async fn setup(version: &str) -> (HttpDouble, Gitea, FakeGit) {
        let fake = FakeGit::new();
        let double = HttpDouble::start(GitHubApi::gitea(fake.clone(), version))
            .await
            .unwrap();
        let provider = Gitea::new(GiteaConfig::token(
            format!("{}/api/v1", double.base_url()),
            "gitea-conformance",
        ))
        .unwrap();
        (double, provider, fake)
    }

    #[tokio::test]
    async fn gitea_1_27_passes_the_git_suite_against_the_api_v1_double() {
        let (double, provider, _fake) = setup(GITEA_1_27).await;
        let report = run(&provider, &GitSetup::default()).await;
        assert_eq!(skipped(&report), vec![EVERY_OP_CLAIMED], "{report}");
        assert!(report.failures().is_empty(), "{report}");
        assert_eq!(
            report.outcome(DUPLICATE_REPO),
            Some(&Outcome::Passed),
            "Gitea answers 409 for a taken name"
        );
        assert_requests(
            &double.requests(),
            "authorization",
            "token gitea-conformance",
            "limit",
        );
        round_trips(&provider).await;
    }

    #[tokio::test]
    async fn forgejo_passes_the_git_suite_against_the_api_v1_double() {
        let (double, provider, _fake) = setup(FORGEJO).await;
        let report = run(&provider, &GitSetup::default()).await;
        assert_eq!(skipped(&report), vec![EVERY_OP_CLAIMED], "{report}");
        assert!(report.failures().is_empty(), "{report}");
        assert!(
            double
                .requests()
                .iter()
                .any(|r| r.method == "POST" && r.target.ends_with("/pulls/1/merge")),
            "the merge went through Gitea's merge endpoint"
        );
    }

    /// Merges a pull request with a commit title and returns the message
    /// of the merge commit.
    async fn merge_message(version: &str) -> (String, Vec<Recorded>) {
        let (double, p, fake) = setup(version).await;
        let repo = p
            .create_repository(CreateRepository {
                name: "merging".into(),
                auto_init: true,
                ..Default::default()
            })
            .await
            .unwrap()
            .reference();
        let base = p.get_repository(repo.clone()).await.unwrap().default_branch;
        p.create_branch(CreateBranch {
            repo: repo.clone(),
            name: "feature".into(),
            from: base.clone(),
        })
        .await
        .unwrap();
        p.create_file(WriteFile {
            repo: repo.clone(),
            path: "f.txt".into(),
            content: b"f\n".to_vec(),
            message: "add f".into(),
            branch: Some("feature".into()),
            sha: None,
        })
        .await
        .unwrap();
        let pr = p
            .create_pull_request(CreatePullRequest {
                repo: repo.clone(),
                title: "Feature".into(),
                head: "feature".into(),
                base: base.clone(),
                ..Default::default()
            })
            .await
            .unwrap();
        let merged = p
            .merge_pull_request(MergePullRequest {
                repo: repo.clone(),
                number: pr.number,
                commit_title: Some("Ship the feature".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(merged.merged);
        let head = fake.branch_head(&repo, &base).unwrap();
        let commit = fake
            .get_commit(CommitRef {
                repo: repo.clone(),
                sha: head,
            })
            .await
            .unwrap();
        (commit.message, double.requests())
    }

    #[tokio::test]
    async fn forgejo_reads_the_merge_title_under_its_field_name() {
        let (message, requests) = merge_message(FORGEJO).await;
        assert!(message.starts_with("Ship the feature"), "{message}");
        let merge = requests
            .iter()
            .find(|r| r.target.ends_with("/merge"))
            .unwrap();
        let body = merge.json.as_ref().unwrap();
        assert_eq!(body["Do"], "merge");
        assert_eq!(body["MergeTitleField"], "Ship the feature");
    }

    #[tokio::test]
    async fn gitea_1_27_reads_the_merge_title_under_its_field_name() {
        let (message, _) = merge_message(GITEA_1_27).await;
        assert!(message.starts_with("Ship the feature"), "{message}");
    }

    #[tokio::test]
    async fn the_gitea_1_27_double_reads_snake_case_merge_fields_only() {
        let (double, _p, fake) = setup(GITEA_1_27).await;
        let repo = fake
            .create_repository(CreateRepository {
                name: "raw".into(),
                auto_init: true,
                ..Default::default()
            })
            .await
            .unwrap()
            .reference();
        fake.create_branch(CreateBranch {
            repo: repo.clone(),
            name: "x".into(),
            from: "main".into(),
        })
        .await
        .unwrap();
        fake.create_file(WriteFile {
            repo: repo.clone(),
            path: "x.txt".into(),
            content: b"x".to_vec(),
            message: "x".into(),
            branch: Some("x".into()),
            sha: None,
        })
        .await
        .unwrap();
        let pr = fake
            .create_pull_request(CreatePullRequest {
                repo: repo.clone(),
                title: "X".into(),
                head: "x".into(),
                base: "main".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        let client = reqwest::Client::new();
        let url = format!(
            "{}/api/v1/repos/{}/pulls/{}/merge",
            double.base_url(),
            repo,
            pr.number
        );
        let version: serde_json::Value = client
            .get(format!("{}/api/v1/version", double.base_url()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(version["version"], GITEA_1_27);
        let missing = client
            .post(&url)
            .header("authorization", "token t")
            .json(&serde_json::json!({ "merge_title_field": "T" }))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), 422, "`do` is required");
        let ok = client
            .post(&url)
            .header("authorization", "token t")
            .json(&serde_json::json!({ "do": "squash", "merge_title_field": "Squashed X" }))
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 200);
        let head = fake.branch_head(&repo, "main").unwrap();
        let c = fake
            .get_commit(CommitRef { repo, sha: head })
            .await
            .unwrap();
        assert!(c.message.starts_with("Squashed X"), "{}", c.message);
    }
}

#[cfg(feature = "gitlab")]
mod gitlab {
    use super::*;
    use mosaic_providers::gitlab::{GitLab, GitLabConfig};
    use mosaic_testing::double::gitlab::GitLabApi;

    #[tokio::test]
    async fn gitlab_passes_the_git_suite_against_the_v4_double() {
        let fake = FakeGit::new();
        let double = HttpDouble::start(GitLabApi::new(fake.clone()))
            .await
            .unwrap();
        let provider = GitLab::new(
            GitLabConfig::private_token("glpat-conformance")
                .with_base_url(format!("{}/api/v4", double.base_url())),
        )
        .unwrap();
        let report = run(&provider, &GitSetup::default()).await;
        assert_eq!(skipped(&report), vec![EVERY_OP_CLAIMED], "{report}");
        assert!(report.failures().is_empty(), "{report}");
        assert_requests(
            &double.requests(),
            "private-token",
            "glpat-conformance",
            "per_page",
        );
        assert!(
            double.requests().iter().any(|r| r
                .target
                .contains("/projects/fake-user%2Fmosaic-conformance-repo/")),
            "projects are addressed by their encoded path"
        );
        round_trips(&provider).await;
    }
}
