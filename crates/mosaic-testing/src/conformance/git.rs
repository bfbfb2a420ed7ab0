//! The conformance suite of [`GitProvider`].
//!
//! It creates one repository (`{prefix}-repo`, with `auto_init`) under
//! [`GitSetup::owner`] and exercises it: files, branches (and branch
//! pagination), a pull request that is merged, issues, tags, webhooks,
//! commits and statuses, releases, collaborators; finally it deletes the
//! repository and checks that it is gone. When repositories cannot be
//! created, the repository-scoped checks run against
//! [`GitSetup::fixture`] (or are skipped without one).

use mosaic_core::git::*;
use mosaic_core::{ErrorKind, Family, PageRequest, Secret};

use super::{
    CheckResult, Ctx, Report, ensure, exactly_once, expect_invalid, expect_kind, fail, need, walk,
};

/// What the git suite needs to know about its environment.
#[derive(Debug, Clone)]
pub struct GitSetup {
    /// Owner (organization, group, workspace) to create the test repository
    /// under; `None` for the authenticated user.
    pub owner: Option<String>,
    /// Prefix of everything the suite creates (`{prefix}-repo`, branches
    /// `{prefix}-b0` …). Default `mosaic-conformance`.
    pub prefix: String,
    /// An existing repository to use when the provider cannot create one.
    pub fixture: Option<RepoRef>,
    /// A login that can be added as collaborator (`None` skips that check).
    pub collaborator: Option<String>,
    /// Page size used to walk listings. Default 2.
    pub page_size: u32,
    /// How many objects the pagination check creates. Default 5.
    pub page_items: u32,
}

impl Default for GitSetup {
    fn default() -> Self {
        GitSetup {
            owner: None,
            prefix: "mosaic-conformance".to_owned(),
            fixture: None,
            collaborator: Some("conformance-collaborator".to_owned()),
            page_size: 2,
            page_items: 5,
        }
    }
}

/// Run the suite against `provider`. See the [module docs](super).
pub async fn run<P: GitProvider + ?Sized>(provider: &P, setup: &GitSetup) -> Report {
    let caps = provider.capabilities();
    let mut r = Report::new("git");
    r.record(
        "capabilities: they belong to the git family",
        if caps.family() == Family::Git {
            Ok(())
        } else {
            Err(super::Fail::Failed(format!(
                "capabilities are of family {}",
                caps.family()
            )))
        },
    );
    r.record(
        "unsupported operations answer Unsupported",
        super::unsupported(&caps, |op: GitOp| async move {
            GitRequest::with_defaults(op)
                .send_to(provider)
                .await
                .map(drop)
        })
        .await,
    );
    r.record(
        "repository: a missing one is NotFound",
        missing(provider, setup, &caps).await,
    );
    r.record(
        "repository: invalid names are InvalidInput naming `name`",
        invalid(provider, setup, &caps).await,
    );

    let created = create_main(provider, setup, &caps).await;
    let created_ok = created.is_ok();
    let repo = match created {
        Ok(repo) => {
            r.record("repository: create then get returns it", Ok(()));
            Some(repo)
        }
        Err(e) => {
            r.record("repository: create then get returns it", Err(e));
            setup.fixture.clone()
        }
    };
    let Some(repo) = repo else {
        for name in REPO_CHECKS {
            r.skip(
                name,
                "no repository: none could be created and no fixture was given",
            );
        }
        return r;
    };
    let ctx = Ctx2 {
        repo: &repo,
        created: created_ok,
        setup,
        caps: &caps,
    };
    r.record(REPO_CHECKS[0], duplicate(provider, &ctx, created_ok).await);
    r.record(REPO_CHECKS[1], listed(provider, &ctx).await);
    r.record(REPO_CHECKS[2], update(provider, &ctx).await);
    r.record(REPO_CHECKS[3], files(provider, &ctx).await);
    r.record(REPO_CHECKS[4], branches(provider, &ctx).await);
    r.record(REPO_CHECKS[5], pull_request(provider, &ctx).await);
    r.record(REPO_CHECKS[6], issues(provider, &ctx).await);
    r.record(REPO_CHECKS[7], tags(provider, &ctx).await);
    r.record(REPO_CHECKS[8], webhooks(provider, &ctx).await);
    r.record(REPO_CHECKS[9], commits(provider, &ctx).await);
    r.record(REPO_CHECKS[10], releases(provider, &ctx).await);
    r.record(REPO_CHECKS[11], collaborators(provider, &ctx).await);
    r.record(REPO_CHECKS[12], delete(provider, &ctx, created_ok).await);
    r
}

const REPO_CHECKS: [&str; 13] = [
    "repository: creating it twice is Conflict",
    "repository: listings contain it exactly once",
    "repository: an update is visible to get",
    "files: create, get, update and delete round-trip",
    "branches: created branches are listed exactly once across pages; deleted ones are NotFound",
    "pull requests: open, get, merge, and the state moves to merged",
    "issues: create, get, close, list; an empty title is InvalidInput",
    "tags: create, get, delete, then NotFound",
    "webhooks: create, list, delete",
    "commits: the head is listed and fetched; statuses attach to it",
    "releases: create and list",
    "collaborators: add, list, remove",
    "repository: after delete it is NotFound",
];

struct Ctx2<'a> {
    repo: &'a RepoRef,
    created: bool,
    setup: &'a GitSetup,
    caps: &'a mosaic_core::Capabilities,
}

impl Ctx2<'_> {
    fn name(&self, suffix: &str) -> String {
        format!("{}-{suffix}", self.setup.prefix)
    }

    async fn default_branch<P: GitProvider + ?Sized>(&self, p: &P) -> CheckResult<String> {
        need(self.caps, &[GitOp::GetRepository])?;
        let repo = p
            .get_repository(self.repo.clone())
            .await
            .ctx("get_repository")?;
        ensure!(
            !repo.default_branch.is_empty(),
            "the repository has no default branch"
        );
        Ok(repo.default_branch)
    }
}

async fn missing<P: GitProvider + ?Sized>(
    p: &P,
    setup: &GitSetup,
    caps: &mosaic_core::Capabilities,
) -> CheckResult {
    need(caps, &[GitOp::GetRepository])?;
    let owner = setup
        .owner
        .clone()
        .or_else(|| setup.fixture.as_ref().map(|f| f.owner.clone()))
        .unwrap_or_else(|| "mosaic-conformance-owner".to_owned());
    let r = p
        .get_repository(RepoRef::new(owner, format!("{}-missing", setup.prefix)))
        .await;
    expect_kind(
        "get_repository of a missing repository",
        r,
        ErrorKind::NotFound,
    )?;
    Ok(())
}

async fn invalid<P: GitProvider + ?Sized>(
    p: &P,
    setup: &GitSetup,
    caps: &mosaic_core::Capabilities,
) -> CheckResult {
    need(caps, &[GitOp::CreateRepository])?;
    let mut params = CreateRepository::new("");
    params.owner = setup.owner.clone();
    expect_invalid(
        "create_repository with an empty name",
        p.create_repository(params).await,
        "name",
    )
}

async fn create_main<P: GitProvider + ?Sized>(
    p: &P,
    setup: &GitSetup,
    caps: &mosaic_core::Capabilities,
) -> CheckResult<RepoRef> {
    need(caps, &[GitOp::CreateRepository, GitOp::GetRepository])?;
    let params = CreateRepository {
        owner: setup.owner.clone(),
        name: format!("{}-repo", setup.prefix),
        description: Some("created by the Mosaic conformance suite".to_owned()),
        visibility: Visibility::Private,
        auto_init: true,
        default_branch: None,
    };
    let created = p
        .create_repository(params.clone())
        .await
        .ctx("create_repository")?;
    ensure!(
        created.name == params.name,
        "created repository is named `{}`, not `{}`",
        created.name,
        params.name
    );
    if let Some(o) = &setup.owner {
        ensure!(
            created.owner.eq_ignore_ascii_case(o),
            "created under `{}`, not `{o}`",
            created.owner
        );
    }
    ensure!(
        created.full_name == format!("{}/{}", created.owner, created.name),
        "full_name `{}` is not owner/name",
        created.full_name
    );
    let got = p
        .get_repository(created.reference())
        .await
        .ctx("get_repository")?;
    for (what, a, b) in [
        ("id", &created.id, &got.id),
        ("full_name", &created.full_name, &got.full_name),
        (
            "default_branch",
            &created.default_branch,
            &got.default_branch,
        ),
    ] {
        ensure!(
            a == b,
            "get_repository returned {what} `{b}`, create returned `{a}`"
        );
    }
    ensure!(
        got.description == params.description,
        "description `{:?}` was not stored",
        got.description
    );
    ensure!(
        got.visibility == Visibility::Private,
        "visibility {:?} instead of private",
        got.visibility
    );
    Ok(created.reference())
}

async fn duplicate<P: GitProvider + ?Sized>(p: &P, c: &Ctx2<'_>, created: bool) -> CheckResult {
    need(c.caps, &[GitOp::CreateRepository])?;
    if !created {
        return Err(super::Fail::Skipped(
            "the suite did not create the repository".into(),
        ));
    }
    let params = CreateRepository {
        owner: c.setup.owner.clone(),
        name: c.repo.name.clone(),
        ..Default::default()
    };
    expect_kind(
        "create_repository of an existing name",
        p.create_repository(params).await,
        ErrorKind::Conflict,
    )?;
    Ok(())
}

async fn listed<P: GitProvider + ?Sized>(p: &P, c: &Ctx2<'_>) -> CheckResult {
    need(c.caps, &[GitOp::ListRepositories])?;
    let params = ListRepositories {
        // the setup's owner (None: the authenticated user, whose listing
        // includes private repositories), or the fixture's owner
        owner: if c.created {
            c.setup.owner.clone()
        } else {
            Some(c.repo.owner.clone())
        },
        page: PageRequest::with_size(c.setup.page_size),
    };
    let items = walk("list_repositories", params, |q| p.list_repositories(q)).await?;
    let keys: Vec<String> = items.iter().map(|r| r.full_name.to_lowercase()).collect();
    exactly_once(
        "list_repositories",
        &keys,
        &[c.repo.full_name().to_lowercase()],
    )
}

async fn update<P: GitProvider + ?Sized>(p: &P, c: &Ctx2<'_>) -> CheckResult {
    need(c.caps, &[GitOp::UpdateRepository, GitOp::GetRepository])?;
    let text = format!("{} updated", c.setup.prefix);
    let mut params = UpdateRepository::new(c.repo.clone());
    params.description = Some(text.clone());
    let updated = p.update_repository(params).await.ctx("update_repository")?;
    ensure!(
        updated.description.as_deref() == Some(&text),
        "update_repository returned description {:?}",
        updated.description
    );
    let got = p
        .get_repository(c.repo.clone())
        .await
        .ctx("get_repository")?;
    ensure!(
        got.description.as_deref() == Some(&text),
        "get_repository after update returned description {:?}",
        got.description
    );
    Ok(())
}

async fn files<P: GitProvider + ?Sized>(p: &P, c: &Ctx2<'_>) -> CheckResult {
    need(
        c.caps,
        &[
            GitOp::CreateFile,
            GitOp::GetFile,
            GitOp::UpdateFile,
            GitOp::DeleteFile,
        ],
    )?;
    let path = format!("{}/hello.txt", c.setup.prefix);
    let write = |content: &str, sha: Option<String>| WriteFile {
        repo: c.repo.clone(),
        path: path.clone(),
        content: content.as_bytes().to_vec(),
        message: format!("conformance: write {path}"),
        branch: None,
        sha,
    };
    let get = || GetFile {
        repo: c.repo.clone(),
        path: path.clone(),
        reference: None,
    };
    let created = p
        .create_file(write("hello\n", None))
        .await
        .ctx("create_file")?;
    ensure!(
        created.path == path,
        "create_file returned path `{}`",
        created.path
    );
    ensure!(
        !created.commit.sha.is_empty(),
        "create_file returned no commit sha"
    );
    let got = p.get_file(get()).await.ctx("get_file")?;
    ensure!(
        got.content == b"hello\n",
        "get_file returned {:?}",
        got.text()
    );
    expect_kind(
        "create_file of an existing path",
        p.create_file(write("again\n", None)).await,
        ErrorKind::Conflict,
    )?;
    p.update_file(write("bye\n", Some(got.sha.clone())))
        .await
        .ctx("update_file")?;
    let got = p.get_file(get()).await.ctx("get_file after update")?;
    ensure!(
        got.content == b"bye\n",
        "after update get_file returned {:?}",
        got.text()
    );
    p.delete_file(DeleteFile {
        repo: c.repo.clone(),
        path: path.clone(),
        message: format!("conformance: delete {path}"),
        branch: None,
        sha: Some(got.sha),
    })
    .await
    .ctx("delete_file")?;
    expect_kind(
        "get_file after delete",
        p.get_file(get()).await,
        ErrorKind::NotFound,
    )?;
    expect_invalid(
        "create_file with an empty path",
        p.create_file(WriteFile {
            path: String::new(),
            ..write("x", None)
        })
        .await,
        "path",
    )
}

async fn branches<P: GitProvider + ?Sized>(p: &P, c: &Ctx2<'_>) -> CheckResult {
    need(
        c.caps,
        &[
            GitOp::CreateBranch,
            GitOp::ListBranches,
            GitOp::GetBranch,
            GitOp::DeleteBranch,
        ],
    )?;
    let base = c.default_branch(p).await?;
    let head = p
        .get_branch(BranchRef::new(c.repo.clone(), &base))
        .await
        .ctx("get_branch of the default branch")?;
    let names: Vec<String> = (0..c.setup.page_items)
        .map(|i| c.name(&format!("b{i}")))
        .collect();
    for n in &names {
        let b = p
            .create_branch(CreateBranch {
                repo: c.repo.clone(),
                name: n.clone(),
                from: base.clone(),
            })
            .await
            .ctx("create_branch")?;
        ensure!(b.name == *n, "create_branch returned `{}`", b.name);
        ensure!(
            b.commit_sha == head.commit_sha,
            "branch `{n}` points at {}, not {}",
            b.commit_sha,
            head.commit_sha
        );
    }
    expect_kind(
        "create_branch of an existing name",
        p.create_branch(CreateBranch {
            repo: c.repo.clone(),
            name: names[0].clone(),
            from: base.clone(),
        })
        .await,
        ErrorKind::Conflict,
    )?;
    let listed = walk(
        "list_branches",
        ListBranches {
            repo: c.repo.clone(),
            page: PageRequest::with_size(c.setup.page_size),
        },
        |q| p.list_branches(q),
    )
    .await?;
    let keys: Vec<String> = listed.iter().map(|b| b.name.clone()).collect();
    let mut expected = names.clone();
    expected.push(base.clone());
    exactly_once("list_branches", &keys, &expected)?;
    for n in &names {
        p.delete_branch(BranchRef::new(c.repo.clone(), n))
            .await
            .ctx("delete_branch")?;
    }
    expect_kind(
        "get_branch after delete",
        p.get_branch(BranchRef::new(c.repo.clone(), &names[0]))
            .await,
        ErrorKind::NotFound,
    )?;
    Ok(())
}

async fn pull_request<P: GitProvider + ?Sized>(p: &P, c: &Ctx2<'_>) -> CheckResult {
    need(
        c.caps,
        &[
            GitOp::CreateBranch,
            GitOp::CreateFile,
            GitOp::CreatePullRequest,
            GitOp::GetPullRequest,
            GitOp::MergePullRequest,
        ],
    )?;
    let base = c.default_branch(p).await?;
    let head = c.name("feature");
    p.create_branch(CreateBranch {
        repo: c.repo.clone(),
        name: head.clone(),
        from: base.clone(),
    })
    .await
    .ctx("create_branch")?;
    p.create_file(WriteFile {
        repo: c.repo.clone(),
        path: format!("{}/feature.txt", c.setup.prefix),
        content: b"feature\n".to_vec(),
        message: "conformance: feature".to_owned(),
        branch: Some(head.clone()),
        sha: None,
    })
    .await
    .ctx("create_file on the feature branch")?;
    let title = format!("{} pull request", c.setup.prefix);
    let pr = p
        .create_pull_request(CreatePullRequest {
            repo: c.repo.clone(),
            title: title.clone(),
            body: Some("body".to_owned()),
            head: head.clone(),
            base: base.clone(),
            draft: false,
        })
        .await
        .ctx("create_pull_request")?;
    ensure!(
        pr.state == PullRequestState::Open,
        "a new pull request is {:?}",
        pr.state
    );
    let pref = PullRequestRef {
        repo: c.repo.clone(),
        number: pr.number,
    };
    let got = p
        .get_pull_request(pref.clone())
        .await
        .ctx("get_pull_request")?;
    ensure!(
        got.title == title && got.head == head && got.base == base,
        "get_pull_request returned {:?}",
        (got.title, got.head, got.base)
    );
    expect_invalid(
        "create_pull_request with an empty title",
        p.create_pull_request(CreatePullRequest {
            repo: c.repo.clone(),
            title: String::new(),
            body: None,
            head: head.clone(),
            base: base.clone(),
            draft: false,
        })
        .await,
        "title",
    )?;
    let merged = p
        .merge_pull_request(MergePullRequest {
            repo: c.repo.clone(),
            number: pr.number,
            ..Default::default()
        })
        .await
        .ctx("merge_pull_request")?;
    ensure!(merged.merged, "merge_pull_request answered merged = false");
    let after = p
        .get_pull_request(pref)
        .await
        .ctx("get_pull_request after merge")?;
    ensure!(
        after.state == PullRequestState::Merged,
        "after merging, the pull request is {:?}",
        after.state
    );
    expect_kind(
        "merging a merged pull request again",
        p.merge_pull_request(MergePullRequest {
            repo: c.repo.clone(),
            number: pr.number,
            ..Default::default()
        })
        .await,
        ErrorKind::Conflict,
    )?;
    if c.caps.supports(GitOp::ListPullRequests) {
        let all = walk(
            "list_pull_requests",
            ListPullRequests {
                repo: c.repo.clone(),
                state: StateFilter::Closed,
                page: PageRequest::with_size(c.setup.page_size),
            },
            |q| p.list_pull_requests(q),
        )
        .await?;
        let keys: Vec<String> = all.iter().map(|x| x.number.to_string()).collect();
        exactly_once(
            "list_pull_requests(closed)",
            &keys,
            &[pr.number.to_string()],
        )?;
    }
    expect_kind(
        "get_pull_request of a missing number",
        p.get_pull_request(PullRequestRef {
            repo: c.repo.clone(),
            number: 999_999,
        })
        .await,
        ErrorKind::NotFound,
    )?;
    Ok(())
}

async fn issues<P: GitProvider + ?Sized>(p: &P, c: &Ctx2<'_>) -> CheckResult {
    need(
        c.caps,
        &[
            GitOp::CreateIssue,
            GitOp::GetIssue,
            GitOp::CloseIssue,
            GitOp::ListIssues,
        ],
    )?;
    let title = format!("{} issue", c.setup.prefix);
    let created = p
        .create_issue(CreateIssue {
            repo: c.repo.clone(),
            title: title.clone(),
            body: Some("body".to_owned()),
            ..Default::default()
        })
        .await
        .ctx("create_issue")?;
    let iref = IssueRef {
        repo: c.repo.clone(),
        number: created.number,
    };
    let got = p.get_issue(iref.clone()).await.ctx("get_issue")?;
    ensure!(
        got.title == title && got.body.as_deref() == Some("body"),
        "get_issue returned {:?}",
        (got.title, got.body)
    );
    ensure!(
        got.state == IssueState::Open,
        "a new issue is {:?}",
        got.state
    );
    let closed = p.close_issue(iref.clone()).await.ctx("close_issue")?;
    ensure!(
        closed.state == IssueState::Closed,
        "close_issue left it {:?}",
        closed.state
    );
    let all = walk(
        "list_issues",
        ListIssues {
            repo: c.repo.clone(),
            state: StateFilter::All,
            labels: Vec::new(),
            page: PageRequest::with_size(c.setup.page_size),
        },
        |q| p.list_issues(q),
    )
    .await?;
    let keys: Vec<String> = all.iter().map(|i| i.number.to_string()).collect();
    exactly_once("list_issues", &keys, &[created.number.to_string()])?;
    expect_invalid(
        "create_issue with an empty title",
        p.create_issue(CreateIssue {
            repo: c.repo.clone(),
            title: " ".to_owned(),
            ..Default::default()
        })
        .await,
        "title",
    )?;
    expect_kind(
        "get_issue of a missing number",
        p.get_issue(IssueRef {
            repo: c.repo.clone(),
            number: 999_999,
        })
        .await,
        ErrorKind::NotFound,
    )?;
    Ok(())
}

async fn tags<P: GitProvider + ?Sized>(p: &P, c: &Ctx2<'_>) -> CheckResult {
    need(c.caps, &[GitOp::CreateTag, GitOp::GetTag, GitOp::DeleteTag])?;
    let base = c.default_branch(p).await?;
    let name = c.name("v1");
    let tag = p
        .create_tag(CreateTag {
            repo: c.repo.clone(),
            name: name.clone(),
            target: base,
            message: None,
        })
        .await
        .ctx("create_tag")?;
    let tref = TagRef {
        repo: c.repo.clone(),
        name: name.clone(),
    };
    let got = p.get_tag(tref.clone()).await.ctx("get_tag")?;
    ensure!(
        got.name == name && got.sha == tag.sha,
        "get_tag returned {:?}, create_tag {:?}",
        got,
        tag
    );
    p.delete_tag(tref.clone()).await.ctx("delete_tag")?;
    expect_kind(
        "get_tag after delete",
        p.get_tag(tref).await,
        ErrorKind::NotFound,
    )?;
    Ok(())
}

async fn webhooks<P: GitProvider + ?Sized>(p: &P, c: &Ctx2<'_>) -> CheckResult {
    need(
        c.caps,
        &[
            GitOp::CreateWebhook,
            GitOp::ListWebhooks,
            GitOp::DeleteWebhook,
        ],
    )?;
    let url = format!("https://hooks.example.com/{}", c.setup.prefix);
    let hook = p
        .create_webhook(CreateWebhook {
            repo: c.repo.clone(),
            url: url.clone(),
            events: vec!["push".to_owned(), "pull_request".to_owned()],
            secret: Some(Secret::new("conformance-secret")),
            active: true,
        })
        .await
        .ctx("create_webhook")?;
    ensure!(
        hook.url == url,
        "create_webhook returned url `{}`",
        hook.url
    );
    let list = |q| p.list_webhooks(q);
    let params = ListWebhooks {
        repo: c.repo.clone(),
        page: PageRequest::with_size(c.setup.page_size),
    };
    let all = walk("list_webhooks", params.clone(), list).await?;
    let ids: Vec<String> = all.iter().map(|h| h.id.clone()).collect();
    exactly_once("list_webhooks", &ids, std::slice::from_ref(&hook.id))?;
    expect_invalid(
        "create_webhook with an empty url",
        p.create_webhook(CreateWebhook {
            repo: c.repo.clone(),
            url: String::new(),
            events: vec!["push".to_owned()],
            secret: None,
            active: true,
        })
        .await,
        "url",
    )?;
    p.delete_webhook(WebhookRef {
        repo: c.repo.clone(),
        id: hook.id.clone(),
    })
    .await
    .ctx("delete_webhook")?;
    let all = walk("list_webhooks", params, |q| p.list_webhooks(q)).await?;
    ensure!(
        all.iter().all(|h| h.id != hook.id),
        "the deleted webhook is still listed"
    );
    Ok(())
}

async fn commits<P: GitProvider + ?Sized>(p: &P, c: &Ctx2<'_>) -> CheckResult {
    need(
        c.caps,
        &[
            GitOp::GetBranch,
            GitOp::ListCommits,
            GitOp::GetCommit,
            GitOp::CreateCommitStatus,
            GitOp::ListCommitStatuses,
        ],
    )?;
    let base = c.default_branch(p).await?;
    let head = p
        .get_branch(BranchRef::new(c.repo.clone(), &base))
        .await
        .ctx("get_branch")?
        .commit_sha;
    let first = p
        .list_commits(ListCommits {
            repo: c.repo.clone(),
            reference: Some(base.clone()),
            path: None,
            page: PageRequest::with_size(c.setup.page_size),
        })
        .await
        .ctx("list_commits")?;
    ensure!(
        first.items.first().map(|x| x.sha.as_str()) == Some(head.as_str()),
        "list_commits does not start with the branch head {head}"
    );
    let commit = p
        .get_commit(CommitRef {
            repo: c.repo.clone(),
            sha: head.clone(),
        })
        .await
        .ctx("get_commit")?;
    ensure!(commit.sha == head, "get_commit returned {}", commit.sha);
    expect_kind(
        "get_commit of a missing sha",
        p.get_commit(CommitRef {
            repo: c.repo.clone(),
            sha: "0".repeat(40),
        })
        .await,
        ErrorKind::NotFound,
    )?;
    let context = format!("{}/ci", c.setup.prefix);
    p.create_commit_status(CreateCommitStatus {
        repo: c.repo.clone(),
        sha: head.clone(),
        state: StatusState::Success,
        context: context.clone(),
        description: Some("ok".to_owned()),
        target_url: None,
    })
    .await
    .ctx("create_commit_status")?;
    let statuses = walk(
        "list_commit_statuses",
        ListCommitStatuses {
            repo: c.repo.clone(),
            sha: head,
            page: PageRequest::with_size(c.setup.page_size),
        },
        |q| p.list_commit_statuses(q),
    )
    .await?;
    ensure!(
        statuses
            .iter()
            .any(|s| s.context == context && s.state == StatusState::Success),
        "the created status is not listed"
    );
    Ok(())
}

async fn releases<P: GitProvider + ?Sized>(p: &P, c: &Ctx2<'_>) -> CheckResult {
    need(c.caps, &[GitOp::CreateRelease, GitOp::ListReleases])?;
    let base = c.default_branch(p).await?;
    let tag = c.name("release-1");
    let rel = p
        .create_release(CreateRelease {
            repo: c.repo.clone(),
            tag_name: tag.clone(),
            target: Some(base),
            name: Some("Release 1".to_owned()),
            body: Some("notes".to_owned()),
            draft: false,
            prerelease: false,
        })
        .await
        .ctx("create_release")?;
    ensure!(
        rel.tag_name == tag,
        "create_release returned tag `{}`",
        rel.tag_name
    );
    let all = walk(
        "list_releases",
        ListReleases {
            repo: c.repo.clone(),
            page: PageRequest::with_size(c.setup.page_size),
        },
        |q| p.list_releases(q),
    )
    .await?;
    let ids: Vec<String> = all.iter().map(|r| r.id.clone()).collect();
    exactly_once("list_releases", &ids, &[rel.id])
}

async fn collaborators<P: GitProvider + ?Sized>(p: &P, c: &Ctx2<'_>) -> CheckResult {
    need(
        c.caps,
        &[
            GitOp::AddCollaborator,
            GitOp::ListCollaborators,
            GitOp::RemoveCollaborator,
        ],
    )?;
    let Some(login) = c.setup.collaborator.clone() else {
        return Err(super::Fail::Skipped(
            "no collaborator login in the setup".into(),
        ));
    };
    p.add_collaborator(AddCollaborator {
        repo: c.repo.clone(),
        login: login.clone(),
        permission: Permission::Write,
    })
    .await
    .ctx("add_collaborator")?;
    let params = ListCollaborators {
        repo: c.repo.clone(),
        page: PageRequest::with_size(c.setup.page_size),
    };
    let all = walk("list_collaborators", params.clone(), |q| {
        p.list_collaborators(q)
    })
    .await?;
    ensure!(
        all.iter().any(|x| x.login.eq_ignore_ascii_case(&login)),
        "`{login}` is not listed after add_collaborator"
    );
    p.remove_collaborator(CollaboratorRef {
        repo: c.repo.clone(),
        login: login.clone(),
    })
    .await
    .ctx("remove_collaborator")?;
    let all = walk("list_collaborators", params, |q| p.list_collaborators(q)).await?;
    ensure!(
        all.iter().all(|x| !x.login.eq_ignore_ascii_case(&login)),
        "`{login}` is still listed after remove_collaborator"
    );
    Ok(())
}

async fn delete<P: GitProvider + ?Sized>(p: &P, c: &Ctx2<'_>, created: bool) -> CheckResult {
    need(c.caps, &[GitOp::DeleteRepository, GitOp::GetRepository])?;
    if !created {
        return Err(super::Fail::Skipped(
            "the fixture repository is never deleted".into(),
        ));
    }
    p.delete_repository(c.repo.clone())
        .await
        .ctx("delete_repository")?;
    expect_kind(
        "get_repository after delete",
        p.get_repository(c.repo.clone()).await,
        ErrorKind::NotFound,
    )?;
    match p.delete_repository(c.repo.clone()).await {
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => fail!(
            "deleting a deleted repository: expected NotFound, got {}",
            e.kind()
        ),
        Ok(()) => fail!("deleting a deleted repository succeeded"),
    }
}
