//! A release bot on Mosaic: list the open pull requests (GitHub, the Gitea
//! mirror when GitHub fails, cached), run CI to completion, stream an AI
//! summary (a second vendor when the first fails), publish release notes
//! and open a tracker issue when CI is red. The deployment is
//! `release_bot/mosaic.toml`; the program supplies its instances — fakes
//! here and in the tests below (`cargo test -p mosaic-examples --example
//! release_bot`).
//!
//! `cargo run -p mosaic-examples --example release_bot`

use std::time::Duration;

use futures::StreamExt;
use mosaic::ai::ChatRequest;
use mosaic::cicd::{CreatePipeline, RunOptions};
use mosaic::git::{ListPullRequests, RepoRef};
use mosaic::kb::CreateKbPage;
use mosaic::prelude::*;
use mosaic::testing::{AiReply, JobPlan};
use mosaic::{Error, Mosaic, Result, project};

#[path = "release_bot/fakes.rs"]
mod fakes;
use fakes::Fakes;

const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/release_bot/mosaic.toml");

/// What one release run did.
#[derive(Debug)]
struct Report {
    pull_requests: Vec<String>,
    ci_green: bool,
    summary: String,
    summary_from: Option<String>,
    page_id: String,
    issue: Option<String>,
}

/// The bot: everything it does goes through the deployment's stacks.
async fn release(mosaic: &Mosaic, repo: &str, space: &str, tracker: &str) -> Result<Report> {
    let (owner, name) = repo
        .split_once('/')
        .ok_or_else(|| Error::invalid_input("repo", "owner/name"))?;
    let list = ListPullRequests {
        repo: RepoRef::new(owner, name),
        ..Default::default()
    };
    let prs = mosaic.git()?.collect_all(list, 200).await?;
    let pull_requests: Vec<String> = prs
        .iter()
        .map(|p| format!("#{} {}", p.number, p.title))
        .collect();

    let trigger = CreatePipeline {
        project: repo.into(),
        reference: "main".into(),
        ..Default::default()
    };
    let run = mosaic
        .cicd()?
        .run_pipeline(trigger, RunOptions::new(Duration::from_secs(900)))
        .await?;

    let prompt = format!(
        "Summarise this release of {repo} for users:\n{}",
        pull_requests.join("\n")
    );
    let mut stream = mosaic
        .ai()?
        .chat_stream(ChatRequest::new("summary", prompt))
        .await?;
    let summary_from = stream.provider().map(str::to_owned);
    let mut summary = String::new();
    while let Some(chunk) = stream.next().await {
        summary.push_str(&chunk?.delta);
    }

    let status = if run.succeeded() { "green" } else { "red" };
    let body = format!("{summary}\n\nCI: {status}\n\n{}", pull_requests.join("\n"));
    let page = CreateKbPage {
        space_id: space.into(),
        title: format!("Release of {repo}, pipeline {}", run.pipeline.id),
        body,
        ..Default::default()
    };
    let page_id = mosaic.kb()?.create_page(page).await?.id;

    let mut issue = None;
    if let Some(log) = run.failed_log.as_ref().filter(|_| !run.succeeded()) {
        let new = project::CreateIssue {
            project_id: tracker.into(),
            title: format!("CI is red for the release of {repo}"),
            description: Some(log.text()),
            ..Default::default()
        };
        issue = Some(mosaic.projects()?.create_issue(new).await?.key);
    }
    Ok(Report {
        pull_requests,
        ci_green: run.succeeded(),
        summary,
        summary_from,
        page_id,
        issue,
    })
}

#[tokio::main]
async fn main() -> Result<()> {
    let (fakes, space, tracker) = Fakes::seeded()?;
    // this run: GitHub is down and OpenAI refuses the first call
    fakes
        .github_faults
        .handle()
        .set_rules([mosaic::testing::FaultRule::error(
            mosaic::ErrorKind::Unavailable,
        )]);
    fakes
        .openai
        .push_reply(AiReply::error(Error::unavailable("overloaded")));
    fakes
        .ci
        .script_pipeline("acme/site")
        .job(JobPlan::new("test", Duration::from_millis(30)))
        .for_next_run()?;
    let report = release(&fakes.mosaic()?, "acme/site", &space, &tracker).await?;
    let (served_by_gitea, from) = (fakes.gitea.calls().len(), report.summary_from.as_deref());
    println!(
        "pull requests ({served_by_gitea} calls to the Gitea mirror): {:?}",
        report.pull_requests
    );
    println!(
        "CI green: {}; summary from {from:?}: {:?}",
        report.ci_green, report.summary
    );
    println!(
        "release notes: page {}; tracker issue: {:?}",
        report.page_id, report.issue
    );
    if report.pull_requests.len() != 2 || served_by_gitea == 0 || from != Some("anthropic") {
        return Err(Error::internal(format!(
            "the failovers did not happen: {report:?}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mosaic::git::GitOp;
    use mosaic::testing::FaultRule;

    #[tokio::test(start_paused = true)]
    async fn a_green_release_takes_the_first_choices_and_caches_the_listing() {
        let (fakes, space, tracker) = Fakes::seeded().unwrap();
        let mosaic = fakes.mosaic().unwrap();
        let report = release(&mosaic, "acme/site", &space, &tracker)
            .await
            .unwrap();
        assert_eq!(report.pull_requests, ["#2 Fix login loop", "#1 Add search"]);
        assert!(report.ci_green && report.issue.is_none());
        assert_eq!(report.summary_from.as_deref(), Some("openai"));
        let pages = fakes.wiki.pages();
        let body = pages[0].body.clone().unwrap_or_default();
        assert_eq!(pages.len(), 1);
        assert!(
            body.contains("CI: green") && body.contains("#1 Add search"),
            "{body}"
        );
        assert!(fakes.gitea.calls().is_empty() && fakes.tracker.issues().is_empty());
        // a second run lists from the cache
        release(&mosaic, "acme/site", &space, &tracker)
            .await
            .unwrap();
        assert_eq!(fakes.github.call_count(GitOp::ListPullRequests), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_red_release_after_two_failovers_opens_an_issue_with_the_log_tail() {
        let (fakes, space, tracker) = Fakes::seeded().unwrap();
        fakes
            .github_faults
            .handle()
            .set_rules([FaultRule::error(mosaic::ErrorKind::Unavailable)]);
        fakes
            .openai
            .push_reply(AiReply::error(Error::rate_limited(Some(
                Duration::from_secs(1),
            ))));
        let failing = JobPlan::new("test", Duration::from_secs(90))
            .log("assertion failed: login")
            .fails();
        fakes
            .ci
            .script_pipeline("acme/site")
            .job(failing)
            .for_next_run()
            .unwrap();
        let report = release(&fakes.mosaic().unwrap(), "acme/site", &space, &tracker)
            .await
            .unwrap();
        assert_eq!(report.pull_requests.len(), 2);
        assert_eq!(fakes.gitea.call_count(GitOp::ListPullRequests), 1);
        assert_eq!(report.summary_from.as_deref(), Some("anthropic"));
        assert!(!report.ci_green);
        let issues = fakes.tracker.issues();
        assert_eq!(issues.len(), 1);
        assert_eq!(Some(&issues[0].key), report.issue.as_ref());
        assert!(
            issues[0]
                .description
                .as_deref()
                .unwrap_or("")
                .contains("assertion failed: login")
        );
        assert!(
            fakes.wiki.pages()[0]
                .body
                .as_deref()
                .unwrap_or("")
                .contains("CI: red")
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_malformed_repository_name_is_refused_before_any_call() {
        let (fakes, space, tracker) = Fakes::seeded().unwrap();
        let err = release(&fakes.mosaic().unwrap(), "site", &space, &tracker)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), mosaic::ErrorKind::InvalidInput);
        assert!(fakes.github.calls().is_empty() && fakes.ci.calls().is_empty());
    }
}
