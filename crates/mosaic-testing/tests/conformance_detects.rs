//! The conformance suites fail providers that misbehave.

use futures::StreamExt;
use mosaic_core::ai::{AiClient, AiResponse, AiService, ChatStream};
use mosaic_core::cicd::{CiCdClient, CiCdService};
use mosaic_core::git::{GitClient, GitOp, GitResponse, GitService};
use mosaic_core::{Capabilities, Error};
use mosaic_testing::conformance::{self, Outcome};
use mosaic_testing::{FakeAi, FakeCiCd, FakeGit};
use tower::ServiceExt;

fn failed(report: &conformance::Report, name: &str) -> bool {
    matches!(report.outcome(name), Some(Outcome::Failed(_)))
}

#[tokio::test(start_paused = true)]
async fn duplicated_list_items_fail_pagination() {
    let svc = GitService::new(FakeGit::new()).map_response(|resp| match resp {
        GitResponse::ListBranches(mut page) => {
            if let Some(first) = page.items.first().cloned() {
                page.items.push(first);
            }
            GitResponse::ListBranches(page)
        }
        other => other,
    });
    let client = GitClient::new(svc);
    let report = conformance::git::run(&client, &Default::default()).await;
    assert!(
        failed(
            &report,
            "branches: created branches are listed exactly once across pages; deleted ones are NotFound"
        ),
        "{report}"
    );
    assert!(report.clone().into_result().is_err());
    assert!(
        std::panic::catch_unwind(|| {
            report.assert_passed();
        })
        .is_err()
    );
}

#[tokio::test(start_paused = true)]
async fn claiming_less_than_offered_is_caught() {
    let client = GitClient::new(GitService::new(FakeGit::new()))
        .with_capabilities(Capabilities::all::<GitOp>().without(GitOp::ListTags));
    let report = conformance::git::run(&client, &Default::default()).await;
    match report.outcome("unsupported operations answer Unsupported") {
        Some(Outcome::Failed(why)) => assert!(why.contains("git.tag.list"), "{why}"),
        other => panic!("expected a failure, got {other:?}\n{report}"),
    }

    let ci = FakeCiCd::new();
    ci.seed_project("mosaic/conformance").create().unwrap();
    let client = CiCdClient::new(CiCdService::new(ci))
        .with_capabilities(Capabilities::none::<mosaic_core::cicd::CiCdOp>());
    let report = conformance::cicd::run(&client, &Default::default()).await;
    assert!(
        failed(&report, "unsupported operations answer Unsupported"),
        "{report}"
    );
}

#[tokio::test(start_paused = true)]
async fn wrong_error_kinds_fail() {
    let git = FakeGit::new();
    git.fail_always(GitOp::GetRepository, Error::unavailable("down"));
    let report = conformance::git::run(&git, &Default::default()).await;
    assert!(
        failed(&report, "repository: a missing one is NotFound"),
        "{report}"
    );
    assert!(
        failed(&report, "repository: create then get returns it"),
        "{report}"
    );
}

#[tokio::test(start_paused = true)]
async fn streams_without_final_usage_fail() {
    let svc = AiService::new(FakeAi::new()).map_response(|resp| match resp {
        AiResponse::ChatStream(s) => AiResponse::ChatStream(ChatStream::new(s.map(|c| {
            c.map(|mut c| {
                c.usage = None;
                c
            })
        }))),
        other => other,
    });
    let report = conformance::ai::run(&AiClient::new(svc), &Default::default()).await;
    assert!(
        failed(
            &report,
            "chat stream: the last chunk, and only it, carries the finish reason and the usage"
        ),
        "{report}"
    );
}
