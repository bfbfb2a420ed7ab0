//! From a provider kind and its settings to a provider instance, through
//! each provider's own strict loader and constructor.

use std::sync::Arc;

use mosaic_core::ai::AiProvider;
use mosaic_core::ai::price::PriceTable;
use mosaic_core::cicd::CiCdProvider;
use mosaic_core::git::GitProvider;
use mosaic_core::kb::KnowledgeBaseProvider;
use mosaic_core::project::ProjectProvider;
use mosaic_core::workflow::WorkflowProvider;
use mosaic_core::{Error, Family, Result};
use serde_json::Value;

/// A built provider instance of one family.
#[derive(Clone)]
pub(crate) enum Instance {
    Git(Arc<dyn GitProvider>),
    CiCd(Arc<dyn CiCdProvider>),
    Ai(Arc<dyn AiProvider>),
    Kb(Arc<dyn KnowledgeBaseProvider>),
    Workflow(Arc<dyn WorkflowProvider>),
    Project(Arc<dyn ProjectProvider>),
}

impl Instance {
    /// The operations the provider supports now.
    pub(crate) fn capabilities(&self) -> mosaic_core::Capabilities {
        match self {
            Instance::Git(p) => p.capabilities(),
            Instance::CiCd(p) => p.capabilities(),
            Instance::Ai(p) => p.capabilities(),
            Instance::Kb(p) => p.capabilities(),
            Instance::Workflow(p) => p.capabilities(),
            Instance::Project(p) => p.capabilities(),
        }
    }
}

/// Every kind this build knows (by cargo features), sorted.
pub fn kinds() -> Vec<&'static str> {
    let mut k: Vec<&'static str> = vec![
        #[cfg(feature = "github")]
        "github",
        #[cfg(feature = "gitea")]
        "gitea",
        #[cfg(feature = "gitea")]
        "forgejo",
        #[cfg(feature = "gitlab")]
        "gitlab",
        #[cfg(feature = "bitbucket")]
        "bitbucket",
        #[cfg(feature = "github-actions")]
        "github-actions",
        #[cfg(feature = "gitlab-ci")]
        "gitlab-ci",
        #[cfg(feature = "jenkins")]
        "jenkins",
        #[cfg(feature = "woodpecker")]
        "woodpecker",
        #[cfg(feature = "openai")]
        "openai",
        #[cfg(feature = "anthropic")]
        "anthropic",
        #[cfg(feature = "ollama")]
        "ollama",
        #[cfg(feature = "notion")]
        "notion",
        #[cfg(feature = "bookstack")]
        "bookstack",
        #[cfg(feature = "confluence")]
        "confluence",
        #[cfg(feature = "wikijs")]
        "wikijs",
        #[cfg(feature = "n8n")]
        "n8n",
        #[cfg(feature = "linear")]
        "linear",
        #[cfg(feature = "jira")]
        "jira",
        #[cfg(feature = "testing")]
        "fake-git",
        #[cfg(feature = "testing")]
        "fake-cicd",
        #[cfg(feature = "testing")]
        "fake-ai",
        #[cfg(feature = "testing")]
        "fake-kb",
        #[cfg(feature = "testing")]
        "fake-workflow",
        #[cfg(feature = "testing")]
        "fake-project",
    ];
    k.sort_unstable();
    k
}

/// The family a provider kind serves (`None` for `host` and unknown
/// kinds). Known whatever the build's features.
pub fn family_of(kind: &str) -> Option<Family> {
    Some(match kind {
        "github" | "gitea" | "forgejo" | "gitlab" | "bitbucket" | "fake-git" => Family::Git,
        "github-actions" | "gitlab-ci" | "jenkins" | "woodpecker" | "fake-cicd" => Family::CiCd,
        "openai" | "anthropic" | "ollama" | "fake-ai" => Family::Ai,
        "notion" | "bookstack" | "confluence" | "wikijs" | "fake-kb" => Family::KnowledgeBase,
        "n8n" | "fake-workflow" => Family::Workflow,
        "linear" | "jira" | "fake-project" => Family::Project,
        _ => return None,
    })
}

/// The kind of an instance the host supplies in code
/// ([`MosaicBuilder`](super::MosaicBuilder)).
pub(crate) const HOST_KIND: &str = "host";

/// Build instance `name` of `kind` from its resolved `settings`.
/// AI kinds price their answers by `prices` when given.
pub(crate) fn build(
    name: &str,
    kind: &str,
    settings: Value,
    prices: Option<&PriceTable>,
) -> Result<Instance> {
    #[allow(unused_macros)]
    macro_rules! real {
        ($module:ident :: $config:ident, $ty:ident, $variant:ident) => {{
            let cfg = mosaic_providers::$module::$config::from_json(settings)?;
            Ok(Instance::$variant(Arc::new(
                mosaic_providers::$module::$ty::new(cfg)?,
            )))
        }};
    }
    #[allow(unused_macros)]
    macro_rules! priced {
        ($module:ident :: $config:ident, $ty:ident) => {{
            let mut cfg = mosaic_providers::$module::$config::from_json(settings)?;
            if let Some(p) = prices {
                cfg = cfg.with_price_table(p.clone());
            }
            Ok(Instance::Ai(Arc::new(mosaic_providers::$module::$ty::new(
                cfg,
            )?)))
        }};
    }
    let _ = prices;
    #[cfg(feature = "testing")]
    let fake_settings_empty = || -> Result<()> {
        match settings.as_object() {
            Some(o) if !o.is_empty() => Err(Error::config(format!(
                "provider `{name}`: a `{kind}` takes no settings (found `{}`)",
                o.keys().next().map(String::as_str).unwrap_or_default()
            ))),
            _ => Ok(()),
        }
    };
    match kind {
        #[cfg(feature = "github")]
        "github" => real!(github::GitHubConfig, GitHub, Git),
        #[cfg(feature = "gitea")]
        "gitea" | "forgejo" => real!(gitea::GiteaConfig, Gitea, Git),
        #[cfg(feature = "gitlab")]
        "gitlab" => real!(gitlab::GitLabConfig, GitLab, Git),
        #[cfg(feature = "bitbucket")]
        "bitbucket" => real!(bitbucket::BitbucketConfig, Bitbucket, Git),
        #[cfg(feature = "github-actions")]
        "github-actions" => real!(github_actions::GitHubActionsConfig, GitHubActions, CiCd),
        #[cfg(feature = "gitlab-ci")]
        "gitlab-ci" => real!(gitlab_ci::GitLabCiConfig, GitLabCi, CiCd),
        #[cfg(feature = "jenkins")]
        "jenkins" => real!(jenkins::JenkinsConfig, Jenkins, CiCd),
        #[cfg(feature = "woodpecker")]
        "woodpecker" => real!(woodpecker::WoodpeckerConfig, Woodpecker, CiCd),
        #[cfg(feature = "openai")]
        "openai" => priced!(openai::OpenAiConfig, OpenAi),
        #[cfg(feature = "anthropic")]
        "anthropic" => priced!(anthropic::AnthropicConfig, Anthropic),
        #[cfg(feature = "ollama")]
        "ollama" => priced!(ollama::OllamaConfig, Ollama),
        #[cfg(feature = "notion")]
        "notion" => real!(notion::NotionConfig, Notion, Kb),
        #[cfg(feature = "bookstack")]
        "bookstack" => real!(bookstack::BookStackConfig, BookStack, Kb),
        #[cfg(feature = "confluence")]
        "confluence" => real!(confluence::ConfluenceConfig, Confluence, Kb),
        #[cfg(feature = "wikijs")]
        "wikijs" => real!(wikijs::WikiJsConfig, WikiJs, Kb),
        #[cfg(feature = "n8n")]
        "n8n" => real!(n8n::N8nConfig, N8n, Workflow),
        #[cfg(feature = "linear")]
        "linear" => real!(linear::LinearConfig, Linear, Project),
        #[cfg(feature = "jira")]
        "jira" => real!(jira::JiraConfig, Jira, Project),
        #[cfg(feature = "testing")]
        "fake-git" => {
            fake_settings_empty()?;
            Ok(Instance::Git(Arc::new(mosaic_testing::FakeGit::named(
                name,
            ))))
        }
        #[cfg(feature = "testing")]
        "fake-cicd" => {
            fake_settings_empty()?;
            Ok(Instance::CiCd(Arc::new(mosaic_testing::FakeCiCd::named(
                name,
            ))))
        }
        #[cfg(feature = "testing")]
        "fake-ai" => {
            fake_settings_empty()?;
            Ok(Instance::Ai(Arc::new(mosaic_testing::FakeAi::named(name))))
        }
        #[cfg(feature = "testing")]
        "fake-kb" => {
            fake_settings_empty()?;
            Ok(Instance::Kb(Arc::new(
                mosaic_testing::FakeKnowledgeBase::named(name),
            )))
        }
        #[cfg(feature = "testing")]
        "fake-workflow" => {
            fake_settings_empty()?;
            Ok(Instance::Workflow(Arc::new(
                mosaic_testing::FakeWorkflow::named(name),
            )))
        }
        #[cfg(feature = "testing")]
        "fake-project" => {
            fake_settings_empty()?;
            Ok(Instance::Project(Arc::new(
                mosaic_testing::FakeProject::named(name),
            )))
        }
        HOST_KIND => Err(Error::config(format!(
            "provider `{name}` has kind = \"host\" but the host supplied no instance of that name \
             (MosaicBuilder::git(\"{name}\", …) or the method of its family)"
        ))),
        other => {
            let _ = &settings;
            Err(Error::config(format!(
                "provider `{name}`: unknown kind `{other}` (this build knows: {}, and `host` for instances supplied in code)",
                kinds().join(", ")
            )))
        }
    }
}
