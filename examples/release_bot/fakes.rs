//! The release bot's instances as in-memory fakes, seeded for its demo run
//! and its tests.

use std::sync::Arc;

use mosaic::ai::{AiClient, AiService};
use mosaic::git::{GitClient, GitService};
use mosaic::testing::{FakeAi, FakeCiCd, FakeGit, FakeKnowledgeBase, FakeProject, FaultLayer};
use mosaic::{Mosaic, MosaicConfig, Result};
use tower::Layer;

use super::CONFIG;

/// The deployment's instances, as fakes; `github_faults` stands between the
/// bot and GitHub.
pub(crate) struct Fakes {
    pub(crate) github: FakeGit,
    pub(crate) gitea: FakeGit,
    pub(crate) github_faults: FaultLayer,
    pub(crate) ci: FakeCiCd,
    pub(crate) openai: FakeAi,
    pub(crate) anthropic: FakeAi,
    pub(crate) wiki: FakeKnowledgeBase,
    pub(crate) tracker: FakeProject,
}

impl Fakes {
    /// `acme/site` with two open pull requests on both forges, a CI project,
    /// both vendors' models, a wiki space and a tracker project.
    pub(crate) fn seeded() -> Result<(Fakes, String, String)> {
        let f = Fakes {
            github: FakeGit::named("github"),
            gitea: FakeGit::named("gitea"),
            github_faults: FaultLayer::new(7),
            ci: FakeCiCd::named("ci"),
            openai: FakeAi::named("openai"),
            anthropic: FakeAi::named("anthropic"),
            wiki: FakeKnowledgeBase::named("wiki"),
            tracker: FakeProject::named("tracker"),
        };
        for forge in [&f.github, &f.gitea] {
            for (branch, title) in [
                ("feature/search", "Add search"),
                ("fix/login", "Fix login loop"),
            ] {
                forge
                    .seed_pull_request("acme/site")
                    .head(branch)
                    .base("main")
                    .title(title)
                    .create()?;
            }
        }
        f.ci.seed_project("acme/site").create()?;
        f.openai
            .seed_model("gpt-5.4-mini")
            .chat()
            .streaming()
            .create()?;
        f.anthropic
            .seed_model("claude-haiku-4-5")
            .chat()
            .streaming()
            .create()?;
        let space = f.wiki.seed_space("Releases").key("REL").create()?.id;
        let tracker = f
            .tracker
            .seed_project("OPS")
            .name("Operations")
            .create()?
            .id;
        Ok((f, space, tracker))
    }

    /// The deployment of `release_bot/mosaic.toml` over these fakes.
    pub(crate) fn mosaic(&self) -> Result<Mosaic> {
        let github = self
            .github_faults
            .layer(GitService::new(self.github.clone()));
        let ai = |fake: &FakeAi| Arc::new(AiClient::new(AiService::new(fake.clone())));
        Mosaic::builder(MosaicConfig::read(CONFIG.as_ref())?)
            .git("github", Arc::new(GitClient::new(github)))
            .git("gitea", Arc::new(self.gitea.clone()))
            .cicd("ci", Arc::new(self.ci.clone()))
            .ai("openai", ai(&self.openai))
            .ai("anthropic", ai(&self.anthropic))
            .kb("wiki", Arc::new(self.wiki.clone()))
            .project("tracker", Arc::new(self.tracker.clone()))
            .build()
    }
}
