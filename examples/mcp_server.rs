//! The main job's deployment — two forges with failover, a CI system and
//! two AI models behind an alias, a response cache — served to an agent
//! over MCP on stdio, with in-memory providers: no network, no
//! credentials. One session: the program ends when the client closes
//! standard input (at once when there is none).
//!
//! `cargo run -p mosaic-examples --example mcp_server`, or as an MCP
//! client's server command (`claude_desktop_config.json`, `.vscode/mcp.json`):
//!
//! ```json
//! { "mcpServers": { "mosaic-demo": {
//!     "command": "cargo",
//!     "args": ["run", "-q", "-p", "mosaic-examples", "--example", "mcp_server"]
//! } } }
//! ```
//!
//! The agent sees the reads of every configured operation, plus the two
//! writes `[mcp] allow` names; it cannot merge or delete anything.

use std::sync::Arc;

use mosaic::Mosaic;
use mosaic::config::{Format, MosaicConfig};
use mosaic::testing::{FakeAi, FakeCiCd, FakeGit};
use mosaic_mcp::McpServer;

const DEPLOYMENT: &str = r#"
[providers.github]
kind = "host"
stack = { timeout = "2s", retry = { attempts = 2, base_delay = "10ms" }, breaker = { failure_rate = 0.5, window = 10, minimum_calls = 5, open_for = "1s" } }

[providers.gitea]
kind = "host"
stack = { timeout = "2s", retry = { attempts = 2, base_delay = "10ms" } }

[providers.ci]
kind = "host"

[providers.ai-small]
kind = "host"
stack = { timeout = "30s" }

[providers.ai-large]
kind = "host"
stack = { timeout = "60s" }

# Internal repositories live on Gitea; everything else on GitHub with
# Gitea as failover.
[[routes.git]]
name = "internal"
match = { subject = "*/internal-*" }
to = ["gitea"]

[[routes.git]]
name = "default"
to = ["github", "gitea"]
strategy = "failover"

[[routes.cicd]]
to = ["ci"]

[cache]
ttl = "60s"

[ai.aliases]
chat = [
    { provider = "ai-small", model = "fake-chat" },
    { provider = "ai-large", model = "fake-chat" },
]

# What the agent may change, and whom its calls run as.
[mcp]
allow = ["git.issue.create", "git.pull_request.create"]
tenant = "acme"
principal = "mcp-agent"
"#;

/// A forge with the repositories the demo talks about.
fn forge(name: &str) -> Result<FakeGit, mosaic::Error> {
    let git = FakeGit::named(name);
    git.seed_repository("acme/website").create()?;
    git.seed_repository("acme/internal-tools").create()?;
    git.seed_issue("acme/website")
        .title("The footer is misaligned")
        .create()?;
    Ok(git)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = MosaicConfig::parse(DEPLOYMENT, Format::Toml, "mcp_server.toml")?;
    let mosaic = Mosaic::builder(config)
        .git("github", Arc::new(forge("github")?))
        .git("gitea", Arc::new(forge("gitea")?))
        .cicd("ci", Arc::new(FakeCiCd::named("ci")))
        .ai("ai-small", Arc::new(FakeAi::named("ai-small")))
        .ai("ai-large", Arc::new(FakeAi::named("ai-large")))
        .build()?;
    let server = McpServer::new(mosaic);
    // Standard output is the protocol's: say hello on standard error.
    eprintln!(
        "mosaic mcp_server: {} tools over stdio (one session; ends when stdin closes)",
        server.tools().len()
    );
    server.serve_stdio().await?;
    Ok(())
}
