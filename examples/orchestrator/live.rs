//! Read-only calls to real providers, when their credentials are set.
//!
//! | variables | provider | call |
//! |---|---|---|
//! | `GITHUB_TOKEN` | GitHub | the token's user's first repositories |
//! | `GITEA_URL` + `GITEA_TOKEN` | Gitea / Forgejo | the token's user's first repositories |
//! | `OPENAI_API_KEY` (and optional `OPENAI_BASE_URL`) | OpenAI or compatible | models |
//! | `OLLAMA_URL` | Ollama | local models |
//!
//! Each goes through the same trace → retry → measured stack as the
//! in-memory providers. Nothing is written.

use std::time::Duration;

use mosaic_core::ai::{AiClient, AiProvider, AiService, ListModels};
use mosaic_core::git::{GitClient, GitProvider, GitService, ListRepositories};
use mosaic_core::{PageRequest, Result};
use mosaic_router::{RetryConfig, RetryLayer, TraceLayer};
use tower::ServiceBuilder;

use crate::stack::{Counters, measured};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn retry() -> RetryLayer {
    RetryLayer::new(
        RetryConfig::new()
            .max_attempts(2)
            .base_delay(Duration::from_millis(200)),
    )
}

async fn repos(name: &str, c: &Counters, provider: impl GitProvider) -> Result<String> {
    let git = GitClient::new(
        ServiceBuilder::new()
            .layer(TraceLayer::new())
            .layer(retry())
            .service(measured(name, c, GitService::new(provider))),
    );
    let page = c
        .call(git.list_repositories(ListRepositories {
            owner: None,
            page: PageRequest::with_size(5),
        }))
        .await?;
    Ok(page
        .items
        .iter()
        .map(|r| r.full_name.as_str())
        .collect::<Vec<_>>()
        .join(", "))
}

async fn models(name: &str, c: &Counters, provider: impl AiProvider) -> Result<String> {
    let ai = AiClient::new(
        ServiceBuilder::new()
            .layer(TraceLayer::new())
            .layer(retry())
            .service(measured(name, c, AiService::new(provider))),
    );
    let page = c
        .call(ai.list_models(ListModels {
            page: PageRequest::with_size(5),
        }))
        .await?;
    Ok(page
        .items
        .iter()
        .take(5)
        .map(|m| m.id.as_str())
        .collect::<Vec<_>>()
        .join(", "))
}

/// Run the read-only calls whose credentials are present; one line each.
pub(crate) async fn run(c: &Counters) -> Vec<String> {
    let mut out = vec!["8. Real providers (read-only; set GITHUB_TOKEN, GITEA_URL+GITEA_TOKEN, OPENAI_API_KEY or OLLAMA_URL)".to_owned()];
    let mut any = false;
    let report = |name: &str, r: Result<String>| match r {
        Ok(s) => format!("   {name}: {s}"),
        Err(e) => format!("   {name}: failed: {e}"),
    };
    if let Some(token) = env("GITHUB_TOKEN") {
        any = true;
        let r = match mosaic_providers::github::GitHub::new(
            mosaic_providers::github::GitHubConfig::token(token),
        ) {
            Ok(p) => repos("live-github", c, p).await,
            Err(e) => Err(e),
        };
        out.push(report("github", r));
    }
    if let (Some(url), Some(token)) = (env("GITEA_URL"), env("GITEA_TOKEN")) {
        any = true;
        let r = match mosaic_providers::gitea::Gitea::new(
            mosaic_providers::gitea::GiteaConfig::token(url, token),
        ) {
            Ok(p) => repos("live-gitea", c, p).await,
            Err(e) => Err(e),
        };
        out.push(report("gitea", r));
    }
    if let Some(key) = env("OPENAI_API_KEY") {
        any = true;
        let mut config = mosaic_providers::openai::OpenAiConfig::new(key);
        if let Some(base) = env("OPENAI_BASE_URL") {
            config.base_url = base;
        }
        let r = match mosaic_providers::openai::OpenAi::new(config) {
            Ok(p) => models("live-openai", c, p).await,
            Err(e) => Err(e),
        };
        out.push(report("openai", r));
    }
    if let Some(url) = env("OLLAMA_URL") {
        any = true;
        let r = match mosaic_providers::ollama::Ollama::new(
            mosaic_providers::ollama::OllamaConfig::new(url),
        ) {
            Ok(p) => models("live-ollama", c, p).await,
            Err(e) => Err(e),
        };
        out.push(report("ollama", r));
    }
    if !any {
        out.push("   none set: skipped".to_owned());
    }
    out
}
