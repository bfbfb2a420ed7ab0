//! Behaviour of `FakeGit` beyond the conformance suite.

use mosaic_core::git::*;
use mosaic_core::{Error, ErrorKind, PageRequest};
use mosaic_testing::FakeGit;

fn repo() -> RepoRef {
    RepoRef::new("acme", "tools")
}

async fn setup() -> FakeGit {
    let git = FakeGit::new();
    git.seed_repository("acme/tools").create().unwrap();
    git
}

async fn commit_on(git: &FakeGit, branch: &str, path: &str, content: &str) -> Commit {
    git.create_commit(CreateCommit {
        repo: repo(),
        branch: branch.into(),
        message: format!("change {path}"),
        changes: vec![FileChange::Create {
            path: path.into(),
            content: content.into(),
        }],
        author: None,
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn repository_lifecycle_and_validation() {
    let git = FakeGit::new().with_login("octo");
    let created = git
        .create_repository(CreateRepository::new("tools").description("d"))
        .await
        .unwrap();
    assert_eq!(created.full_name, "octo/tools");
    assert_eq!(created.default_branch, "main");
    // names are case-insensitive
    let same = git
        .get_repository(RepoRef::new("OCTO", "Tools"))
        .await
        .unwrap();
    assert_eq!(same, created);
    let dup = git
        .create_repository(CreateRepository::new("TOOLS"))
        .await
        .unwrap_err();
    assert_eq!(dup.kind(), ErrorKind::Conflict);
    assert_eq!(dup.provider(), Some("fake-git"));

    let bad = git
        .create_repository(CreateRepository::new("has space"))
        .await
        .unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::InvalidInput);
    assert_eq!(bad.field(), Some("name"));

    let renamed = git
        .update_repository(UpdateRepository {
            name: Some("gadgets".into()),
            ..UpdateRepository::new(RepoRef::new("octo", "tools"))
        })
        .await
        .unwrap();
    assert_eq!(renamed.full_name, "octo/gadgets");
    assert!(
        git.get_repository(RepoRef::new("octo", "tools"))
            .await
            .unwrap_err()
            .is_not_found()
    );
    let archived = git
        .update_repository(UpdateRepository {
            archived: Some(true),
            ..UpdateRepository::new(RepoRef::new("octo", "gadgets"))
        })
        .await
        .unwrap();
    assert!(archived.archived);
    let refused = git
        .create_issue(CreateIssue {
            repo: RepoRef::new("octo", "gadgets"),
            title: "t".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::PermissionDenied);
}

#[tokio::test]
async fn pull_request_merges_move_state_and_files() {
    let git = setup().await;
    git.create_branch(CreateBranch {
        repo: repo(),
        name: "feature".into(),
        from: "main".into(),
    })
    .await
    .unwrap();
    commit_on(&git, "feature", "src/lib.rs", "fn main() {}\n").await;
    commit_on(&git, "main", "CHANGELOG.md", "v1\n").await;

    let pr = git
        .create_pull_request(CreatePullRequest {
            repo: repo(),
            title: "Add lib".into(),
            head: "feature".into(),
            base: "main".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(pr.state, PullRequestState::Open);
    let dup = git
        .create_pull_request(CreatePullRequest {
            repo: repo(),
            title: "again".into(),
            head: "feature".into(),
            base: "main".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(dup.kind(), ErrorKind::Conflict);

    let cmp = git
        .compare_commits(CompareCommits {
            repo: repo(),
            base: "main".into(),
            head: "feature".into(),
        })
        .await
        .unwrap();
    assert_eq!(cmp.status, CompareStatus::Diverged);
    assert_eq!((cmp.ahead_by, cmp.behind_by), (1, 1));
    assert_eq!(cmp.files.len(), 1);
    assert_eq!(cmp.files[0].path, "src/lib.rs");
    assert_eq!(cmp.files[0].status, "added");

    let merged = git
        .merge_pull_request(MergePullRequest {
            repo: repo(),
            number: pr.number,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(merged.merged);
    let merge_commit = git
        .get_commit(CommitRef {
            repo: repo(),
            sha: merged.sha.clone().unwrap(),
        })
        .await
        .unwrap();
    assert_eq!(merge_commit.parents.len(), 2);
    let after = git
        .get_pull_request(PullRequestRef {
            repo: repo(),
            number: pr.number,
        })
        .await
        .unwrap();
    assert_eq!(after.state, PullRequestState::Merged);
    assert_eq!(after.merge_commit_sha, merged.sha);
    // both sides' files are on main
    let files = git.files(&repo(), Some("main"));
    assert!(files.contains_key("src/lib.rs") && files.contains_key("CHANGELOG.md"));
    // merging again conflicts
    let again = git
        .merge_pull_request(MergePullRequest {
            repo: repo(),
            number: pr.number,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(again.kind(), ErrorKind::Conflict);
    let closed = git
        .list_pull_requests(ListPullRequests {
            repo: repo(),
            state: StateFilter::Closed,
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    assert_eq!(closed.items.len(), 1);
}

#[tokio::test]
async fn conflicting_changes_do_not_merge_and_squash_makes_one_commit() {
    let git = setup().await;
    git.seed_branch(repo())
        .name("a")
        .from("main")
        .create()
        .unwrap();
    git.seed_file(repo())
        .branch("a")
        .path("README.md")
        .content("from a\n")
        .create()
        .unwrap();
    git.seed_file(repo())
        .branch("main")
        .path("README.md")
        .content("from main\n")
        .create()
        .unwrap();
    let pr = git
        .seed_pull_request(repo())
        .head("a")
        .base("main")
        .title("conflict")
        .create()
        .unwrap();
    let err = git
        .merge_pull_request(MergePullRequest {
            repo: repo(),
            number: pr.number,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(err.to_string().contains("README.md"), "{err}");

    git.seed_branch(repo())
        .name("b")
        .from("main")
        .create()
        .unwrap();
    git.seed_file(repo())
        .branch("b")
        .path("one.txt")
        .content("1")
        .create()
        .unwrap();
    git.seed_file(repo())
        .branch("b")
        .path("two.txt")
        .content("2")
        .create()
        .unwrap();
    let pr = git
        .seed_pull_request(repo())
        .head("b")
        .base("main")
        .title("two files")
        .create()
        .unwrap();
    let before = git.branch_head(&repo(), "main").unwrap();
    let merged = git
        .merge_pull_request(MergePullRequest {
            repo: repo(),
            number: pr.number,
            method: MergeMethod::Squash,
            ..Default::default()
        })
        .await
        .unwrap();
    let squash = git
        .get_commit(CommitRef {
            repo: repo(),
            sha: merged.sha.unwrap(),
        })
        .await
        .unwrap();
    assert_eq!(squash.parents, vec![before]);
    assert_eq!(squash.message, "two files (#2)");
    assert_eq!(git.file(&repo(), None, "two.txt").unwrap(), b"2");
}

#[tokio::test]
async fn rebase_replays_each_commit() {
    let git = setup().await;
    git.seed_branch(repo())
        .name("r")
        .from("main")
        .create()
        .unwrap();
    git.seed_file(repo())
        .branch("r")
        .path("x")
        .content("1")
        .create()
        .unwrap();
    git.seed_file(repo())
        .branch("r")
        .path("y")
        .content("2")
        .create()
        .unwrap();
    git.seed_file(repo())
        .branch("main")
        .path("z")
        .content("3")
        .create()
        .unwrap();
    let pr = git
        .seed_pull_request(repo())
        .head("r")
        .base("main")
        .title("rebase me")
        .create()
        .unwrap();
    let before = git.branch_head(&repo(), "main").unwrap();
    git.merge_pull_request(MergePullRequest {
        repo: repo(),
        number: pr.number,
        method: MergeMethod::Rebase,
        ..Default::default()
    })
    .await
    .unwrap();
    let log = git
        .list_commits(ListCommits {
            repo: repo(),
            ..Default::default()
        })
        .await
        .unwrap();
    // two replayed commits on top of the old head, linear history
    assert_eq!(log.items[1].parents, vec![before]);
    assert_eq!(log.items[0].parents, vec![log.items[1].sha.clone()]);
    let files = git.files(&repo(), None);
    assert_eq!(files.get("x").unwrap(), b"1");
    assert_eq!(files.get("z").unwrap(), b"3");
}

#[tokio::test]
async fn protected_branches_need_checks_and_approvals() {
    let git = setup().await;
    git.protect_branch(ProtectBranch {
        repo: repo(),
        rules: BranchProtection {
            branch: "main".into(),
            required_approvals: 1,
            required_status_checks: vec!["ci".into()],
            ..Default::default()
        },
    })
    .await
    .unwrap();
    assert!(
        git.get_branch(BranchRef::new(repo(), "main"))
            .await
            .unwrap()
            .protected
    );
    // direct writes are refused
    let direct = git
        .create_file(WriteFile {
            repo: repo(),
            path: "x".into(),
            content: b"x".to_vec(),
            message: "direct".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(direct.kind(), ErrorKind::Conflict);

    git.seed_branch(repo())
        .name("f")
        .from("main")
        .create()
        .unwrap();
    let head = git
        .seed_file(repo())
        .branch("f")
        .path("x")
        .content("x")
        .create()
        .unwrap();
    let pr = git
        .seed_pull_request(repo())
        .head("f")
        .base("main")
        .title("x")
        .create()
        .unwrap();
    let merge = MergePullRequest {
        repo: repo(),
        number: pr.number,
        ..Default::default()
    };
    let no_review = git.merge_pull_request(merge.clone()).await.unwrap_err();
    assert!(no_review.to_string().contains("approving"), "{no_review}");
    git.approve_pull_request(&repo(), pr.number, "reviewer")
        .unwrap();
    let no_ci = git.merge_pull_request(merge.clone()).await.unwrap_err();
    assert!(no_ci.to_string().contains("`ci`"), "{no_ci}");
    for state in [StatusState::Failure, StatusState::Success] {
        git.create_commit_status(CreateCommitStatus {
            repo: repo(),
            sha: head.sha.clone(),
            state,
            context: "ci".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    }
    assert!(git.merge_pull_request(merge).await.unwrap().merged);
    // the protected default branch cannot be deleted
    let del = git
        .delete_branch(BranchRef::new(repo(), "main"))
        .await
        .unwrap_err();
    assert_eq!(del.kind(), ErrorKind::Conflict);
}

#[tokio::test]
async fn files_commits_and_paths() {
    let git = setup().await;
    let w = git
        .create_file(WriteFile {
            repo: repo(),
            path: "docs/a.md".into(),
            content: b"a".to_vec(),
            message: "add a".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let stale = git
        .update_file(WriteFile {
            repo: repo(),
            path: "docs/a.md".into(),
            content: b"b".to_vec(),
            message: "b".into(),
            sha: Some("0".repeat(40)),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(stale.kind(), ErrorKind::Conflict);
    git.update_file(WriteFile {
        repo: repo(),
        path: "docs/a.md".into(),
        content: b"b".to_vec(),
        message: "b".into(),
        sha: w.content_sha.clone(),
        ..Default::default()
    })
    .await
    .unwrap();
    let docs = git
        .list_commits(ListCommits {
            repo: repo(),
            path: Some("docs".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(docs.items.len(), 2);
    let bad = git
        .get_file(GetFile {
            repo: repo(),
            path: "../etc/passwd".into(),
            reference: None,
        })
        .await
        .unwrap_err();
    assert_eq!(bad.field(), Some("path"));
    // old content stays reachable at the old commit
    let old = git
        .get_file(GetFile {
            repo: repo(),
            path: "docs/a.md".into(),
            reference: Some(w.commit.sha[..10].to_owned()),
        })
        .await
        .unwrap();
    assert_eq!(old.content, b"a");
}

#[tokio::test]
async fn webhooks_keep_their_secret_out_of_sight() {
    let git = setup().await;
    let hook = git
        .create_webhook(CreateWebhook {
            repo: repo(),
            url: "https://ci.example/hook".into(),
            events: vec!["push".into(), "pull_request".into()],
            secret: Some(mosaic_core::Secret::new("s3cret")),
            active: true,
        })
        .await
        .unwrap();
    assert_eq!(
        git.webhook_secret(&repo(), &hook.id).unwrap().expose(),
        "s3cret"
    );
    let logged = &git.calls_to(GitOp::CreateWebhook)[0];
    assert_eq!(logged.param("/secret").unwrap(), "[REDACTED]");
    let unknown = git
        .create_webhook(CreateWebhook {
            repo: repo(),
            url: "https://ci.example/other".into(),
            events: vec!["bogus".into()],
            secret: None,
            active: true,
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.field(), Some("events[0]"));
}

#[tokio::test]
async fn planned_failures_and_disabled_operations() {
    let git = setup().await;
    git.fail_next(GitOp::GetRepository, Error::unavailable("down"));
    let e = git.get_repository(repo()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert_eq!(e.provider(), Some("fake-git"));
    git.get_repository(repo()).await.unwrap();
    assert_eq!(git.call_count(GitOp::GetRepository), 2);

    git.fail_always(GitOp::ListTags, Error::rate_limited(None));
    for _ in 0..3 {
        assert!(
            git.list_tags(ListTags {
                repo: repo(),
                page: PageRequest::first()
            })
            .await
            .unwrap_err()
            .is_rate_limited()
        );
    }
    git.clear_failures();
    git.list_tags(ListTags {
        repo: repo(),
        page: PageRequest::first(),
    })
    .await
    .unwrap();

    git.disable(GitOp::ForkRepository);
    assert!(!git.capabilities().supports(GitOp::ForkRepository));
    let e = git
        .fork_repository(ForkRepository {
            repo: repo(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(e.is_unsupported());
    git.enable(GitOp::ForkRepository);
    let fork = git
        .fork_repository(ForkRepository {
            repo: repo(),
            organization: Some("forks".into()),
            name: None,
        })
        .await
        .unwrap();
    assert!(fork.fork);
    assert_eq!(git.files(&fork.reference(), None), git.files(&repo(), None));
}

#[tokio::test(start_paused = true)]
async fn latency_and_timestamps_follow_tokio_time() {
    let git = FakeGit::named("slow");
    git.set_latency(std::time::Duration::from_secs(2));
    let start = tokio::time::Instant::now();
    let r = git
        .create_repository(CreateRepository::new("x"))
        .await
        .unwrap();
    assert_eq!(start.elapsed(), std::time::Duration::from_secs(2));
    assert_eq!(r.created_at.as_deref(), Some("2024-01-01T00:00:02Z"));
    assert_eq!(
        r.clone_url.as_deref(),
        Some("https://slow.invalid/fake-user/x.git")
    );
}

#[tokio::test]
async fn the_call_log_can_be_turned_off() {
    let git = setup().await;
    git.record_calls(false);
    git.get_repository(repo()).await.unwrap();
    assert!(git.calls().is_empty());
    git.record_calls(true);
    git.get_repository(repo()).await.unwrap();
    assert_eq!(git.calls().len(), 1);
    assert_eq!(git.calls()[0].param("/owner").unwrap(), "acme");
}
