//! Every fake passes its family's conformance suite.

use mosaic_core::git::{GitClient, GitOp, GitService};
use mosaic_testing::FakeGit;
use mosaic_testing::conformance::{self, Outcome};

#[tokio::test(start_paused = true)]
async fn fake_git_passes() {
    let git = FakeGit::new();
    let report = conformance::git::run(&git, &Default::default()).await;
    println!("{report}");
    report.assert_passed();
    // everything but the Unsupported check ran (the fake supports every operation)
    assert_eq!(report.skipped().len(), 1, "{report}");
}

#[tokio::test(start_paused = true)]
async fn fake_git_passes_through_the_tower_bridge() {
    let fake = FakeGit::new();
    let client = GitClient::new(GitService::new(fake.clone()))
        .with_capabilities(mosaic_core::Capabilities::all::<GitOp>());
    conformance::git::run(&client, &Default::default())
        .await
        .assert_passed();
}

#[tokio::test(start_paused = true)]
async fn a_fake_with_disabled_operations_still_conforms() {
    let git = FakeGit::new();
    git.disable(GitOp::MergePullRequest);
    git.disable(GitOp::ForkRepository);
    let report = conformance::git::run(&git, &Default::default()).await;
    report.assert_passed();
    assert_eq!(
        report.outcome("unsupported operations answer Unsupported"),
        Some(&Outcome::Passed)
    );
    assert!(matches!(
        report.outcome("pull requests: open, get, merge, and the state moves to merged"),
        Some(Outcome::Skipped(_))
    ));
}

#[tokio::test(start_paused = true)]
async fn fake_cicd_passes() {
    let ci = mosaic_testing::FakeCiCd::new();
    ci.seed_project("mosaic/conformance").create().unwrap();
    let report = conformance::cicd::run(&ci, &Default::default()).await;
    println!("{report}");
    report.assert_passed();
    assert_eq!(report.skipped().len(), 1, "{report}");
}

#[tokio::test(start_paused = true)]
async fn fake_ai_passes() {
    let ai = mosaic_testing::FakeAi::new();
    let report = conformance::ai::run(&ai, &Default::default()).await;
    println!("{report}");
    report.assert_passed();
    assert_eq!(report.skipped().len(), 1, "{report}");
}

#[tokio::test(start_paused = true)]
async fn fake_kb_passes() {
    let kb = mosaic_testing::FakeKnowledgeBase::new();
    let report = conformance::kb::run(&kb, &Default::default()).await;
    println!("{report}");
    report.assert_passed();
    assert_eq!(report.skipped().len(), 1, "{report}");
}

#[tokio::test(start_paused = true)]
async fn fake_workflow_passes() {
    let wf = mosaic_testing::FakeWorkflow::new();
    let report = conformance::workflow::run(&wf, &Default::default()).await;
    println!("{report}");
    report.assert_passed();
    assert_eq!(report.skipped().len(), 1, "{report}");
}

#[tokio::test(start_paused = true)]
async fn fake_project_passes() {
    let tracker = mosaic_testing::FakeProject::new();
    tracker
        .seed_project("CONF")
        .name("Conformance")
        .create()
        .unwrap();
    let report = conformance::project::run(&tracker, &Default::default()).await;
    println!("{report}");
    report.assert_passed();
    assert_eq!(report.skipped().len(), 1, "{report}");
}
