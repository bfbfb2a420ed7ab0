//! The fakes' seeding builders: what each one creates, and the error when
//! something it cannot invent is missing.

use std::time::Duration;

use mosaic_core::{ErrorKind, PageRequest, ai, cicd, git, kb, project};
use mosaic_testing::fake::Price;
use mosaic_testing::{FakeAi, FakeCiCd, FakeGit, FakeKnowledgeBase, FakeProject, JobPlan};

use ai::AiProvider as _;
use cicd::CiCdProvider as _;
use git::GitProvider as _;
use kb::KnowledgeBaseProvider as _;
use project::ProjectProvider as _;

fn site() -> git::RepoRef {
    git::RepoRef::new("acme", "site")
}

// ----- git -----

#[tokio::test]
async fn a_pull_request_seed_creates_the_repository_branches_and_a_commit() {
    let git = FakeGit::new();
    let pr = git
        .seed_pull_request("acme/site")
        .head("feature")
        .create()
        .unwrap();
    assert_eq!(pr.number, 1);
    assert_eq!((pr.head.as_str(), pr.base.as_str()), ("feature", "main"));
    assert_eq!(pr.title, "Merge `feature` into `main`");
    assert_eq!(pr.state, git::PullRequestState::Open);

    let repo = git.repository(&site()).expect("the repository was created");
    assert_eq!(repo.default_branch, "main");
    let (main, feature) = (
        git.branch_head(&site(), "main").unwrap(),
        git.branch_head(&site(), "feature").unwrap(),
    );
    assert_ne!(main, feature, "the head is ahead of the base");
    assert_eq!(pr.head_sha.as_deref(), Some(feature.as_str()));
    assert_eq!(
        git.file(&site(), Some("feature"), "changes/feature.txt")
            .unwrap(),
        b"A change on `feature`.\n"
    );
    // seeding is not a call
    assert!(git.calls().is_empty());
    // a forge-side check agrees: one commit between base and head
    let cmp = git
        .compare_commits(git::CompareCommits {
            repo: site(),
            base: "main".into(),
            head: "feature".into(),
        })
        .await
        .unwrap();
    assert_eq!(cmp.ahead_by, 1);
}

#[tokio::test]
async fn a_pull_request_seed_takes_every_field_by_name() {
    let git = FakeGit::new();
    git.seed_repository("acme/site")
        .default_branch("trunk")
        .create()
        .unwrap();
    git.seed_branch("acme/site")
        .name("develop")
        .file("VERSION", "2\n")
        .create()
        .unwrap();
    let pr = git
        .seed_pull_request(site())
        .title("Fix the footer")
        .base("develop")
        .head("fix/footer")
        .body("Closes #3")
        .draft()
        .file("footer.html", "<footer>fixed</footer>")
        .file("VERSION", "3\n")
        .create()
        .unwrap();
    assert_eq!(pr.title, "Fix the footer");
    assert_eq!(
        (pr.head.as_str(), pr.base.as_str()),
        ("fix/footer", "develop")
    );
    assert_eq!(pr.body.as_deref(), Some("Closes #3"));
    assert!(pr.draft);
    let files = git.files(&site(), Some("fix/footer"));
    assert_eq!(files["footer.html"], b"<footer>fixed</footer>");
    assert_eq!(files["VERSION"], b"3\n");
    assert!(
        !files.contains_key("changes/fix/footer.txt"),
        "files given: no invented change"
    );
    // the head started from the base, which started from the default branch
    let head = git
        .get_commit(git::CommitRef {
            repo: site(),
            sha: "fix/footer".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        head.parents,
        vec![git.branch_head(&site(), "develop").unwrap()]
    );
    // the same head and base again is the forge's conflict
    let again = git
        .seed_pull_request("acme/site")
        .head("fix/footer")
        .base("develop")
        .create()
        .unwrap_err();
    assert_eq!(again.kind(), ErrorKind::Conflict);
}

#[tokio::test]
async fn files_branches_issues_and_repositories_by_name() {
    let git = FakeGit::new();
    let repo = git
        .seed_repository("acme/site")
        .description("The website")
        .visibility(git::Visibility::Private)
        .create()
        .unwrap();
    assert_eq!(repo.visibility, git::Visibility::Private);
    assert!(
        String::from_utf8(git.file(&site(), None, "README.md").unwrap())
            .unwrap()
            .contains("The website")
    );

    // a file on a branch that does not exist yet: the branch is made
    let commit = git
        .seed_file("acme/site")
        .branch("docs")
        .path("docs/index.md")
        .content("# Docs\n")
        .message("Add docs")
        .create()
        .unwrap();
    assert_eq!(commit.message, "Add docs");
    assert_eq!(git.branch_head(&site(), "docs"), Some(commit.sha.clone()));
    assert!(git.file(&site(), None, "docs/index.md").is_none());
    // replacing a file
    git.seed_file("acme/site")
        .path("README.md")
        .content("new\n")
        .create()
        .unwrap();
    assert_eq!(git.file(&site(), None, "README.md").unwrap(), b"new\n");

    let tag_from = git.branch_head(&site(), "docs").unwrap();
    let branch = git
        .seed_branch("acme/site")
        .name("release")
        .from(&tag_from[..10])
        .create()
        .unwrap();
    assert_eq!(branch.commit_sha, tag_from);

    let issue = git
        .seed_issue("acme/site")
        .title("Broken link")
        .body("on /about")
        .label("bug")
        .assignee("octocat")
        .create()
        .unwrap();
    assert_eq!(issue.number, 1);
    assert_eq!(issue.labels, ["bug"]);
    assert_eq!(issue.assignees, ["octocat"]);
    assert_eq!(git.issue(&site(), 1).unwrap().title, "Broken link");

    // an issue in a repository nobody seeded: the repository is made
    git.seed_issue("acme/other")
        .title("Hello")
        .create()
        .unwrap();
    assert!(
        git.repository(&git::RepoRef::new("acme", "other"))
            .is_some()
    );

    // an empty repository has no branch until its first file
    git.seed_repository("acme/empty").empty().create().unwrap();
    let empty = git::RepoRef::new("acme", "empty");
    assert!(git.files(&empty, None).is_empty());
    git.seed_file("acme/empty")
        .path("a.txt")
        .content("a")
        .create()
        .unwrap();
    assert_eq!(git.file(&empty, None, "a.txt").unwrap(), b"a");
}

#[tokio::test]
async fn git_seeds_name_what_is_missing() {
    let git = FakeGit::named("forge");
    let no_head = git.seed_pull_request("acme/site").create().unwrap_err();
    assert_eq!(no_head.kind(), ErrorKind::InvalidInput);
    assert_eq!(no_head.field(), Some("head"));
    assert!(no_head.to_string().contains(".head("), "{no_head}");
    assert_eq!(no_head.provider(), Some("forge"));
    assert!(
        git.repositories().is_empty(),
        "nothing is created for a refused seed"
    );

    let same = git
        .seed_pull_request("acme/site")
        .head("main")
        .create()
        .unwrap_err();
    assert_eq!(same.field(), Some("head"));
    assert!(same.to_string().contains("also the base"), "{same}");

    let not_a_repo = git.seed_repository("site").create().unwrap_err();
    assert_eq!(not_a_repo.field(), Some("repo"));
    assert!(
        not_a_repo.to_string().contains("owner/name"),
        "{not_a_repo}"
    );

    let no_path = git
        .seed_file("acme/site")
        .content("x")
        .create()
        .unwrap_err();
    assert_eq!(no_path.field(), Some("path"));

    let no_name = git.seed_branch("acme/site").create().unwrap_err();
    assert_eq!(no_name.field(), Some("name"));

    let bad_start = git
        .seed_branch("acme/site")
        .name("hotfix")
        .from("v9.9")
        .create()
        .unwrap_err();
    assert_eq!(bad_start.field(), Some("from"));
    assert!(bad_start.to_string().contains("`v9.9`"), "{bad_start}");

    let no_title = git.seed_issue("acme/site").create().unwrap_err();
    assert_eq!(no_title.field(), Some("title"));

    let taken = git.seed_repository("Acme/Site").create().unwrap_err();
    assert_eq!(taken.kind(), ErrorKind::Conflict);

    let taken = git
        .seed_branch("acme/site")
        .name("main")
        .create()
        .unwrap_err();
    assert_eq!(taken.kind(), ErrorKind::Conflict);
}

// ----- CI/CD -----

async fn create(
    ci: &FakeCiCd,
    project: &str,
    reference: &str,
) -> mosaic_core::Result<cicd::Pipeline> {
    ci.create_pipeline(cicd::CreatePipeline {
        project: project.into(),
        reference: reference.into(),
        ..Default::default()
    })
    .await
}

async fn status_after(ci: &FakeCiCd, p: &cicd::Pipeline, secs: u64) -> cicd::PipelineStatus {
    tokio::time::advance(Duration::from_secs(secs)).await;
    ci.get_pipeline(cicd::PipelineRef::new(&p.project, &p.id))
        .await
        .unwrap()
        .status
}

#[tokio::test(start_paused = true)]
async fn ci_projects_refs_and_definitions_by_name() {
    let ci = FakeCiCd::new();
    ci.seed_project("acme/site")
        .reference("release/1.0")
        .create()
        .unwrap();
    // seeding again keeps the project and adds refs
    ci.seed_project("acme/site")
        .reference("v1.0.0")
        .create()
        .unwrap();
    for r in ["main", "release/1.0", "v1.0.0"] {
        create(&ci, "acme/site", r).await.unwrap();
    }
    assert_eq!(ci.pipelines("acme/site").len(), 3);

    // a definition in a project nobody seeded: the project is made
    let def = ci
        .seed_definition("acme/api")
        .id("deploy")
        .name("Deploy")
        .plan(cicd_plan_of(JobPlan::new("ship", Duration::from_secs(10))))
        .create()
        .unwrap();
    assert_eq!(def.path.as_deref(), Some(".ci/deploy.yml"));
    let defs = ci
        .list_definitions(cicd::ListDefinitions {
            project: "acme/api".into(),
            page: PageRequest::first(),
        })
        .await
        .unwrap();
    let ids: Vec<&str> = defs.items.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["ci", "deploy"]);
    let run = ci
        .trigger_pipeline(cicd::TriggerPipeline {
            project: "acme/api".into(),
            definition: "deploy".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        status_after(&ci, &run, 10).await,
        cicd::PipelineStatus::Success
    );

    ci.seed_definition("acme/api")
        .id("nightly")
        .disabled()
        .create()
        .unwrap();
    let off = ci
        .trigger_pipeline(cicd::TriggerPipeline {
            project: "acme/api".into(),
            definition: "nightly".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(off.kind(), ErrorKind::Conflict);
}

fn cicd_plan_of(job: JobPlan) -> mosaic_testing::PipelinePlan {
    mosaic_testing::PipelinePlan::new().job(job)
}

#[tokio::test(start_paused = true)]
async fn scripted_outcomes_queue_up_then_the_plan_resumes() {
    let ci = FakeCiCd::new();
    ci.seed_project("acme/site").create().unwrap();
    ci.script_pipeline("acme/site")
        .job(
            JobPlan::new("test", Duration::from_secs(20))
                .fails()
                .log("1 failed"),
        )
        .for_next_run()
        .unwrap();
    ci.script_pipeline("acme/site")
        .queue_delay(Duration::from_secs(1))
        .job(JobPlan::new("test", Duration::from_secs(5)))
        .for_next_run()
        .unwrap();

    let first = create(&ci, "acme/site", "main").await.unwrap();
    let second = create(&ci, "acme/site", "main").await.unwrap();
    let third = create(&ci, "acme/site", "main").await.unwrap();
    assert_eq!(
        status_after(&ci, &second, 6).await,
        cicd::PipelineStatus::Success
    );
    assert_eq!(
        status_after(&ci, &first, 14).await,
        cicd::PipelineStatus::Failure
    );
    let log = ci
        .get_log(cicd::GetLog {
            project: "acme/site".into(),
            pipeline: first.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(log.text.contains("1 failed"), "{}", log.text);
    // the third run follows the definition's default plan (5 s + 30 s + 60 s)
    assert_eq!(
        status_after(&ci, &third, 60).await,
        cicd::PipelineStatus::Running
    );
    assert_eq!(
        status_after(&ci, &third, 15).await,
        cicd::PipelineStatus::Success
    );

    // for every run: the definition's plan changes
    ci.script_pipeline("acme/site")
        .definition("ci")
        .job(JobPlan::new("lint", Duration::from_secs(3)).fails())
        .for_every_run()
        .unwrap();
    for _ in 0..2 {
        let run = create(&ci, "acme/site", "main").await.unwrap();
        assert_eq!(
            status_after(&ci, &run, 3).await,
            cicd::PipelineStatus::Failure
        );
    }
}

#[tokio::test]
async fn ci_seeds_name_what_is_missing() {
    let ci = FakeCiCd::named("ci");
    let no_id = ci.seed_definition("acme/site").create().unwrap_err();
    assert_eq!(no_id.field(), Some("id"));
    assert_eq!(no_id.provider(), Some("ci"));

    let unknown = ci
        .script_pipeline("acme/site")
        .definition("deploy")
        .for_next_run()
        .unwrap_err();
    assert_eq!(unknown.field(), Some("definition"));
    assert!(unknown.to_string().contains("`deploy`"), "{unknown}");

    let no_project = ci.seed_project(" ").create().unwrap_err();
    assert_eq!(no_project.field(), Some("project"));
    let no_ref = ci
        .seed_project("acme/site")
        .reference("")
        .create()
        .unwrap_err();
    assert_eq!(no_ref.field(), Some("reference"));
}

// ----- knowledge base -----

#[tokio::test]
async fn spaces_and_pages_by_name() {
    let kb = FakeKnowledgeBase::new();
    let space = kb
        .seed_space("Engineering")
        .key("ENG")
        .description("How we work")
        .create()
        .unwrap();
    assert_eq!(space.key.as_deref(), Some("ENG"));
    assert_eq!(space.description.as_deref(), Some("How we work"));

    // the space by key, by name or by id
    let guide = kb.seed_page("ENG").title("Guides").create().unwrap();
    let deploy = kb
        .seed_page("Engineering")
        .title("Deploying")
        .body("Run the pipeline.")
        .parent("Guides")
        .create()
        .unwrap();
    let rollback = kb
        .seed_page(&space.id)
        .title("Rolling back")
        .parent(&guide.id)
        .create()
        .unwrap();
    assert_eq!(deploy.space_id, space.id);
    assert_eq!(deploy.parent_id.as_deref(), Some(guide.id.as_str()));
    assert_eq!(rollback.parent_id.as_deref(), Some(guide.id.as_str()));
    let read = kb
        .get_page(kb::KbPageRef {
            id: deploy.id.clone(),
        })
        .await
        .unwrap();
    assert_eq!(read.body.as_deref(), Some("Run the pipeline."));
}

#[tokio::test]
async fn kb_seeds_name_what_is_missing() {
    let kb = FakeKnowledgeBase::new();
    let no_space = kb.seed_page("OPS").title("Runbook").create().unwrap_err();
    assert_eq!(no_space.field(), Some("space"));
    assert!(no_space.to_string().contains("seed_space"), "{no_space}");

    kb.seed_space("Ops").key("OPS").create().unwrap();
    let no_title = kb.seed_page("OPS").create().unwrap_err();
    assert_eq!(no_title.field(), Some("title"));
    let no_parent = kb
        .seed_page("OPS")
        .title("Child")
        .parent("Nope")
        .create()
        .unwrap_err();
    assert_eq!(no_parent.field(), Some("parent_id"));
    let bad_key = kb.seed_space("Other").key("ops").create().unwrap_err();
    assert_eq!(bad_key.field(), Some("key"));
    assert!(kb.pages().is_empty());
}

// ----- issue tracker -----

#[tokio::test]
async fn projects_users_and_issues_by_name() {
    let tracker = FakeProject::new();
    let eng = tracker
        .seed_project("ENG")
        .name("Engineering")
        .description("Product engineering")
        .create()
        .unwrap();
    assert_eq!(eng.id, "proj-ENG");
    // seeding the key again returns the project unchanged
    let again = tracker.seed_project("ENG").name("Other").create().unwrap();
    assert_eq!(again, eng);

    let ana = tracker
        .seed_user("ana")
        .name("Ana")
        .email("ana@example.invalid")
        .create()
        .unwrap();
    assert_eq!(ana.email.as_deref(), Some("ana@example.invalid"));

    let issue = tracker
        .seed_issue("ENG")
        .title("Flaky test")
        .description("fails one run in ten")
        .kind("Bug")
        .priority("High")
        .label("ci")
        .assignee("ana")
        .status("in progress")
        .create()
        .unwrap();
    assert_eq!(issue.key, "ENG-1");
    assert_eq!(issue.status, "In Progress");
    assert_eq!(issue.status_category, project::StatusCategory::InProgress);
    assert_eq!(issue.priority.as_deref(), Some("High"));
    let read = tracker
        .get_issue(project::IssueRef { id: "ENG-1".into() })
        .await
        .unwrap();
    assert_eq!(read, issue);
    // the workflow goes on from the seeded state
    let done = tracker
        .transition_issue(project::TransitionIssue {
            id: "ENG-1".into(),
            to: "Done".into(),
        })
        .await
        .unwrap();
    assert_eq!(done.status, "Done");

    // an issue in an unknown project with an unknown assignee: both are made
    let ops = tracker
        .seed_issue("OPS")
        .title("Rotate keys")
        .assignee("bo")
        .create()
        .unwrap();
    assert_eq!(ops.key, "OPS-1");
    assert_eq!(ops.status, "To Do");
    let projects = tracker
        .list_projects(project::ListProjects::default())
        .await
        .unwrap();
    assert!(projects.items.iter().any(|p| p.id == "proj-OPS"));
    // bo can now be assigned through the provider too
    tracker
        .update_issue(project::UpdateIssue {
            id: "ENG-1".into(),
            assignees: Some(vec!["bo".into()]),
            ..Default::default()
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn tracker_seeds_name_what_is_missing() {
    let tracker = FakeProject::new();
    let no_title = tracker.seed_issue("ENG").create().unwrap_err();
    assert_eq!(no_title.field(), Some("title"));
    let bad_state = tracker
        .seed_issue("ENG")
        .title("x")
        .status("Blocked")
        .create()
        .unwrap_err();
    assert_eq!(bad_state.field(), Some("status"));
    let bad_kind = tracker
        .seed_issue("ENG")
        .title("x")
        .kind("Chore")
        .create()
        .unwrap_err();
    assert_eq!(bad_kind.field(), Some("issue_type"));
    assert!(tracker.issues().is_empty());
    assert_eq!(
        tracker.seed_project("").create().unwrap_err().field(),
        Some("key")
    );
    assert_eq!(
        tracker.seed_user(" ").create().unwrap_err().field(),
        Some("id")
    );
}

// ----- AI -----

#[tokio::test]
async fn models_by_name() {
    let ai = FakeAi::named("lab");
    let model = ai
        .seed_model("large-200k")
        .chat()
        .streaming()
        .tools()
        .context_window(200_000)
        .max_output_tokens(4_096)
        .price(Price {
            input_per_mtok: 3.0,
            output_per_mtok: 15.0,
        })
        .create()
        .unwrap();
    assert_eq!(model.owned_by.as_deref(), Some("lab"));
    assert!(model.features.chat && model.features.tools && !model.features.embeddings);
    let answer = ai
        .chat(ai::ChatRequest::new("large-200k", "hello"))
        .await
        .unwrap();
    assert_eq!(answer.model, "large-200k");
    assert!(answer.cost_usd.unwrap() > 0.0, "the price is used");

    ai.seed_model("embed-small")
        .embeddings(8)
        .owned_by("someone")
        .create()
        .unwrap();
    let vectors = ai
        .embed(ai::EmbeddingRequest {
            model: "embed-small".into(),
            inputs: vec!["hello".into()],
            dimensions: None,
        })
        .await
        .unwrap();
    assert_eq!(vectors.vectors[0].len(), 8);
    let listed = ai.list_models(ai::ListModels::default()).await.unwrap();
    assert!(listed.items.iter().any(|m| m.id == "embed-small"));
}

#[tokio::test]
async fn ai_seeds_name_what_is_missing() {
    let ai = FakeAi::new();
    let nothing = ai.seed_model("idle").create().unwrap_err();
    assert_eq!(nothing.field(), Some("features"));
    assert!(nothing.to_string().contains(".chat()"), "{nothing}");
    let no_size = ai.seed_model("emb").embeddings(0).create().unwrap_err();
    assert_eq!(no_size.field(), Some("dimensions"));
    let no_id = ai.seed_model("").chat().create().unwrap_err();
    assert_eq!(no_id.field(), Some("id"));
}
