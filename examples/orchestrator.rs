//! The main job: a host orchestrator driving a git forge through Mosaic.
//!
//! Offline and without credentials: the forge is `mosaic_testing::FakeGit`,
//! an in-memory provider that behaves like a real one. The provider becomes
//! a `tower::Service` (`GitService`), a layer is wrapped around it, and the
//! stack becomes a `GitProvider` again (`GitClient`) — the shape every Mosaic
//! host has, whatever layers and providers it picks.
//!
//! Run it with `cargo run --example orchestrator`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use mosaic_core::git::{
    BranchRef, CreateBranch, CreatePullRequest, CreateRepository, GitClient, GitOp, GitProvider,
    GitRequest, GitService, ListRepositories, MergePullRequest, RepoRef, WriteFile,
};
use mosaic_core::{Operation, Request, RequestContext};
use mosaic_testing::FakeGit;
use tower::ServiceBuilder;

#[tokio::main]
async fn main() -> mosaic_core::Result<()> {
    let forge = FakeGit::named("gitea").with_login("platform-bot");

    // A small audit layer: every operation that passes is counted and printed
    // with its name, read/write class and subject.
    let seen = Arc::new(AtomicU64::new(0));
    let audit = {
        let seen = seen.clone();
        move |req: Request<GitRequest>| {
            let n = seen.fetch_add(1, Ordering::Relaxed) + 1;
            let op = &req.operation;
            println!(
                "  [{n:>2}] {:<26} {:<5} subject={}",
                op.name(),
                if op.is_read() { "read" } else { "write" },
                op.subject().as_deref().unwrap_or("-"),
            );
            req
        }
    };

    let git = GitClient::new(
        ServiceBuilder::new()
            .map_request(audit)
            .service(GitService::new(forge.clone())),
    )
    .with_context(
        RequestContext::new()
            .with_tenant("acme")
            .with_principal("orchestrator"),
    )
    .with_timeout(Duration::from_secs(5));

    println!("Mosaic orchestrator — in-memory forge, tenant `acme`\n");

    let repo = git
        .create_repository(CreateRepository {
            auto_init: true,
            ..CreateRepository::new("internal-tools")
                .in_owner("acme")
                .description("Build tooling")
        })
        .await?;
    println!(
        "created {} (default branch `{}`)",
        repo.full_name, repo.default_branch
    );

    let r = RepoRef::new("acme", "internal-tools");
    let branch = git
        .create_branch(CreateBranch {
            repo: r.clone(),
            name: "feature/faster-builds".into(),
            from: repo.default_branch.clone(),
        })
        .await?;
    println!(
        "branched `{}` at {}",
        branch.name,
        &branch.commit_sha[..branch.commit_sha.len().min(10)]
    );

    let change = git
        .create_file(WriteFile {
            repo: r.clone(),
            path: "ci/cache.toml".into(),
            content: b"[cache]\npaths = [\"target\"]\n".to_vec(),
            message: "Cache build artefacts between CI runs".into(),
            branch: Some(branch.name.clone()),
            sha: None,
        })
        .await?;
    println!("committed {} on `{}`", change.path, branch.name);

    let pr = git
        .create_pull_request(CreatePullRequest {
            repo: r.clone(),
            title: "Cache build artefacts".into(),
            head: branch.name.clone(),
            base: repo.default_branch.clone(),
            ..Default::default()
        })
        .await?;
    println!("opened pull request #{} ({:?})", pr.number, pr.state);

    let merged = git
        .merge_pull_request(MergePullRequest {
            repo: r.clone(),
            number: pr.number,
            ..Default::default()
        })
        .await?;
    println!(
        "merged: {} at {}",
        merged.merged,
        merged.sha.as_deref().unwrap_or("-")
    );

    git.delete_branch(BranchRef::new(r.clone(), branch.name.clone()))
        .await?;
    let listing = git
        .list_repositories(ListRepositories {
            owner: Some("acme".into()),
            ..Default::default()
        })
        .await?;
    println!("acme owns {} repository(ies)", listing.items.len());

    // A missing object is a typed error the host can branch on.
    match git
        .get_branch(BranchRef::new(r, "feature/faster-builds"))
        .await
    {
        Err(e) if e.is_not_found() => println!("deleted branch is gone: {e}"),
        other => println!("unexpected: {other:?}"),
    }

    println!(
        "\n{} operations passed the audit layer; the forge saw {} pull-request merge(s).",
        seen.load(Ordering::Relaxed),
        forge.call_count(GitOp::MergePullRequest)
    );
    Ok(())
}
