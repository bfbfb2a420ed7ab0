//! The git conformance suite of `mosaic-testing`, run through each forge
//! adapter against a stateful HTTP double of the forge's API (built from
//! its documentation, backed by a `FakeGit`), so what the suite creates
//! is really stored, listed, changed and deleted behind the HTTP calls.

use mosaic_testing::FakeGit;
use mosaic_testing::conformance::git::{GitSetup, run};
use mosaic_testing::conformance::{Outcome, Report};
use mosaic_testing::double::HttpDouble;

/// The checks that were skipped, by name.
fn skipped(report: &Report) -> Vec<&'static str> {
    report.skipped().iter().map(|c| c.name).collect()
}

/// Panic unless every failed check is one of `known` (adapter bugs
/// recorded with the reason), printing the report.
#[track_caller]
fn assert_only_known_failures(report: &Report, known: &[(&str, &str)]) {
    let unexpected: Vec<_> = report
        .failures()
        .into_iter()
        .filter(|c| !known.iter().any(|(name, _)| *name == c.name))
        .collect();
    assert!(
        unexpected.is_empty(),
        "unexpected failures {unexpected:?}:\n{report}"
    );
}

/// Whether `check` failed with a message containing `text`.
fn failed_with(report: &Report, check: &str, text: &str) -> bool {
    matches!(report.outcome(check), Some(Outcome::Failed(why)) if why.contains(text))
}

const EVERY_OP_CLAIMED: &str = "unsupported operations answer Unsupported";

#[cfg(feature = "github")]
mod github {
    use super::*;
    use mosaic_providers::github::{GitHub, GitHubConfig};
    use mosaic_testing::double::github::GitHubApi;

    #[tokio::test]
    async fn github_passes_the_git_suite_against_the_rest_double() {
        let fake = FakeGit::new();
        let double = HttpDouble::start(GitHubApi::github(fake.clone()))
            .await
            .unwrap();
        let provider =
            GitHub::new(GitHubConfig::token("ghp_conformance").with_base_url(double.base_url()))
                .unwrap();
        let report = run(&provider, &GitSetup::default()).await;
        println!("{report}");
        assert_eq!(skipped(&report), vec![EVERY_OP_CLAIMED], "{report}");
    }
}

#[cfg(feature = "gitea")]
mod gitea {
    use super::*;
    use mosaic_providers::gitea::{Gitea, GiteaConfig};
    use mosaic_testing::double::github::GitHubApi;

    async fn suite(version: &str) -> (Report, HttpDouble, FakeGit) {
        let fake = FakeGit::new();
        let double = HttpDouble::start(GitHubApi::gitea(fake.clone(), version))
            .await
            .unwrap();
        let provider = Gitea::new(GiteaConfig::token(
            format!("{}/api/v1", double.base_url()),
            "gitea-conformance",
        ))
        .unwrap();
        let report = run(&provider, &GitSetup::default()).await;
        (report, double, fake)
    }

    #[tokio::test]
    async fn gitea_passes_the_git_suite_against_the_api_v1_double() {
        let (report, _double, _fake) = suite("1.27.0").await;
        println!("{report}");
        assert_eq!(skipped(&report), vec![EVERY_OP_CLAIMED], "{report}");
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
        println!("{report}");
        assert_eq!(skipped(&report), vec![EVERY_OP_CLAIMED], "{report}");
    }
}
