//! The MCP server with a real MCP client (rmcp's), in process over a duplex
//! pipe and over streamable HTTP: tool listing under the policy, read calls
//! through the configured stack (failover, cache, tenant quota), refused
//! writes, tool errors, cancellation.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use mosaic::config::{Format, MosaicConfig};
use mosaic::git::{GitOp, GitProvider, RepoRef, Repository};
use mosaic::{Capabilities, Error, Mosaic};
use mosaic_mcp::{HttpOptions, McpServer};
use mosaic_testing::FakeGit;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{ServiceError, ServiceExt};
use serde_json::{Value, json};
use tokio::sync::Notify;

/// Guard against a hang: no assertion reads the clock.
const PATIENCE: Duration = Duration::from_secs(20);

type Client = RunningService<RoleClient, ()>;

fn config(text: &str) -> MosaicConfig {
    MosaicConfig::parse(text, Format::Toml, "mosaic.toml").expect("valid config")
}

/// A forge with `acme/tools` and one open pull request.
fn seeded(name: &str) -> FakeGit {
    let git = FakeGit::named(name);
    git.seed_repository("acme/tools")
        .create()
        .expect("seed repo");
    git.seed_pull_request("acme/tools")
        .head("feature")
        .base("main")
        .title("Add feature")
        .file("feature.txt", "new")
        .create()
        .expect("seed pr");
    git
}

/// An rmcp client connected to `server` over an in-process pipe.
async fn connect(server: McpServer) -> Client {
    let (server_io, client_io) = tokio::io::duplex(1 << 16);
    tokio::spawn(async move {
        if let Ok(running) = server.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    tokio::time::timeout(PATIENCE, ().serve(client_io))
        .await
        .expect("in time")
        .expect("initialised")
}

async fn tool_names(client: &Client) -> Vec<String> {
    let mut names: Vec<String> = client
        .list_all_tools()
        .await
        .expect("tools/list")
        .into_iter()
        .map(|t| t.name.into_owned())
        .collect();
    names.sort();
    names
}

async fn call(client: &Client, tool: &str, args: Value) -> CallToolResult {
    let params = CallToolRequestParams::new(tool.to_owned())
        .with_arguments(args.as_object().cloned().expect("object arguments"));
    tokio::time::timeout(PATIENCE, client.call_tool(params))
        .await
        .expect("in time")
        .expect("tools/call answered")
}

fn structured(result: &CallToolResult) -> &Value {
    result
        .structured_content
        .as_ref()
        .expect("structured content")
}

fn error_kind(result: &CallToolResult) -> &str {
    assert_eq!(result.is_error, Some(true), "{result:?}");
    structured(result)["error"]["kind"].as_str().expect("kind")
}

const ONE_FORGE: &str = r#"
[providers.forge]
kind = "host"

[mcp]
allow = ["git.pull_request.*", "git.branch.delete"]
deny = ["git.webhook.list"]
"#;

#[tokio::test]
async fn lists_reads_and_the_allowed_writes_only() {
    let forge = seeded("forge");
    forge.disable(GitOp::ListTags);
    let mosaic = Mosaic::builder(config(ONE_FORGE))
        .git("forge", Arc::new(forge.clone()))
        .build()
        .expect("built");
    let client = connect(McpServer::new(mosaic)).await;
    let names = tool_names(&client).await;
    for present in [
        "git_repository_get",
        "git_pull_request_list",
        "git_pull_request_create",
        "git_pull_request_update",
        "git_branch_delete",
    ] {
        assert!(
            names.iter().any(|n| n == present),
            "{present} missing: {names:?}"
        );
    }
    for absent in [
        // destructive, matched only by a glob
        "git_pull_request_merge",
        // writes not allowed
        "git_repository_create",
        "git_repository_delete",
        // denied read
        "git_webhook_list",
        // no instance supports it
        "git_tag_list",
        // no instance of the family
        "cicd_pipeline_list",
        "ai_chat",
    ] {
        assert!(
            !names.iter().any(|n| n == absent),
            "{absent} listed: {names:?}"
        );
    }

    let tools = client.list_all_tools().await.expect("tools/list");
    let get = tools
        .iter()
        .find(|t| t.name == "git_repository_get")
        .expect("listed");
    assert!(
        get.description
            .as_deref()
            .unwrap_or("")
            .starts_with("Fetch a repository.")
    );
    let schema = get.schema_as_json_value();
    assert_eq!(schema["type"], "object");
    assert!(schema["properties"]["owner"].is_object(), "{schema}");
    assert_eq!(
        get.annotations.as_ref().and_then(|a| a.read_only_hint),
        Some(true)
    );

    // Capabilities are asked at each listing.
    forge.enable(GitOp::ListTags);
    assert!(
        tool_names(&client)
            .await
            .iter()
            .any(|n| n == "git_tag_list")
    );
    client.cancel().await.expect("closed");
}

#[tokio::test]
async fn calls_read_tools_and_refuses_writes_that_are_not_allowed() {
    let forge = seeded("forge");
    let mosaic = Mosaic::builder(config(ONE_FORGE))
        .git("forge", Arc::new(forge.clone()))
        .build()
        .expect("built");
    let client = connect(McpServer::new(mosaic)).await;

    let repo = call(
        &client,
        "git_repository_get",
        json!({ "owner": "acme", "name": "tools" }),
    )
    .await;
    assert_eq!(repo.is_error, Some(false), "{repo:?}");
    assert_eq!(structured(&repo)["full_name"], "acme/tools");

    let prs = call(
        &client,
        "git_pull_request_list",
        json!({ "repo": { "owner": "acme", "name": "tools" }, "state": "open", "page": {} }),
    )
    .await;
    let items = structured(&prs)["items"].as_array().expect("a page");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["title"], "Add feature");

    // A write the file does not allow: refused, the provider never called.
    let refused = call(
        &client,
        "git_repository_create",
        json!({ "owner": "acme", "name": "new", "visibility": "private", "auto_init": false }),
    )
    .await;
    assert_eq!(error_kind(&refused), "permission_denied");
    assert_eq!(forge.call_count(GitOp::CreateRepository), 0);

    // A destructive write a glob matches: refused, and the text says why.
    let merge = call(
        &client,
        "git_pull_request_merge",
        json!({ "repo": { "owner": "acme", "name": "tools" }, "number": 1 }),
    )
    .await;
    assert_eq!(error_kind(&merge), "permission_denied");
    let text = &merge.content[0].as_text().expect("text").text;
    assert!(text.contains("named exactly"), "{text}");
    assert_eq!(forge.call_count(GitOp::MergePullRequest), 0);

    // An allowed write goes through.
    forge
        .seed_branch("acme/tools")
        .name("fix")
        .from("main")
        .file("fix.txt", "fixed")
        .create()
        .expect("seed branch");
    let created = call(
        &client,
        "git_pull_request_create",
        json!({ "repo": { "owner": "acme", "name": "tools" }, "title": "Second", "head": "fix", "base": "main", "draft": false }),
    )
    .await;
    assert_eq!(created.is_error, Some(false), "{created:?}");
    assert_eq!(forge.call_count(GitOp::CreatePullRequest), 1);

    // Arguments that do not fit the parameters type: a tool error, no call.
    let bad = call(&client, "git_repository_get", json!({ "owner": "acme" })).await;
    assert_eq!(error_kind(&bad), "invalid_input");
    let message = structured(&bad)["error"]["message"]
        .as_str()
        .expect("message");
    assert!(message.contains("name"), "{message}");
    assert_eq!(forge.call_count(GitOp::GetRepository), 1);

    // A provider error: its kind, as a tool error.
    let missing = call(
        &client,
        "git_repository_get",
        json!({ "owner": "acme", "name": "nope" }),
    )
    .await;
    assert_eq!(error_kind(&missing), "not_found");

    // A name that is no tool at all: a protocol error.
    let unknown = client
        .call_tool(CallToolRequestParams::new("git_repository_explode"))
        .await;
    assert!(
        matches!(unknown, Err(ServiceError::McpError(_))),
        "{unknown:?}"
    );
    client.cancel().await.expect("closed");
}

#[tokio::test]
async fn a_call_fails_over_when_the_first_forge_is_down() {
    let primary = seeded("primary");
    let backup = seeded("backup");
    primary.fail_always(GitOp::GetRepository, Error::unavailable("primary is down"));
    let mosaic = Mosaic::builder(config(
        r#"
        [providers.primary]
        kind = "host"

        [providers.backup]
        kind = "host"

        [[routes.git]]
        to = ["primary", "backup"]
        strategy = "failover"
        "#,
    ))
    .git("primary", Arc::new(primary.clone()))
    .git("backup", Arc::new(backup.clone()))
    .build()
    .expect("built");
    let client = connect(McpServer::new(mosaic)).await;
    let repo = call(
        &client,
        "git_repository_get",
        json!({ "owner": "acme", "name": "tools" }),
    )
    .await;
    assert_eq!(repo.is_error, Some(false), "{repo:?}");
    let web = structured(&repo)["web_url"].as_str().expect("web url");
    assert!(
        web.contains("backup.invalid"),
        "served by the backup: {web}"
    );
    assert_eq!(primary.call_count(GitOp::GetRepository), 1);
    assert_eq!(backup.call_count(GitOp::GetRepository), 1);

    // Both down: the error is the router's, as a tool error.
    backup.fail_always(GitOp::GetRepository, Error::unavailable("backup is down"));
    let down = call(
        &client,
        "git_repository_get",
        json!({ "owner": "acme", "name": "tools" }),
    )
    .await;
    assert_eq!(error_kind(&down), "unavailable");
    assert_eq!(structured(&down)["error"]["retryable"], true);
    client.cancel().await.expect("closed");
}

#[tokio::test]
async fn a_cached_read_does_not_reach_the_provider_twice() {
    let forge = seeded("forge");
    let mosaic = Mosaic::builder(config(
        r#"
        [providers.forge]
        kind = "host"

        [cache]
        ttl = "60s"
        "#,
    ))
    .git("forge", Arc::new(forge.clone()))
    .build()
    .expect("built");
    let client = connect(McpServer::new(mosaic)).await;
    let args = json!({ "owner": "acme", "name": "tools" });
    let first = call(&client, "git_repository_get", args.clone()).await;
    let second = call(&client, "git_repository_get", args).await;
    assert_eq!(first.structured_content, second.structured_content);
    assert_eq!(forge.call_count(GitOp::GetRepository), 1);
    client.cancel().await.expect("closed");
}

#[tokio::test]
async fn calls_run_as_the_files_tenant() {
    let forge = seeded("forge");
    let mosaic = Mosaic::builder(config(
        r#"
        [providers.forge]
        kind = "host"

        [tenants.acme]
        rate_limit = { per_minute = 1 }

        [mcp]
        tenant = "acme"
        principal = "agent"
        "#,
    ))
    .git("forge", Arc::new(forge.clone()))
    .build()
    .expect("built");
    let client = connect(McpServer::new(mosaic)).await;
    let args = json!({ "owner": "acme", "name": "tools" });
    let first = call(&client, "git_repository_get", args.clone()).await;
    assert_eq!(first.is_error, Some(false), "{first:?}");
    // The tenant's quota of one call a minute is spent.
    let second = call(&client, "git_repository_get", args).await;
    assert_eq!(error_kind(&second), "rate_limited");
    let after = structured(&second)["error"]["retry_after_ms"]
        .as_u64()
        .expect("a retry hint");
    assert!(after > 0 && after <= 60_000, "{after}");
    assert_eq!(forge.call_count(GitOp::GetRepository), 1);
    client.cancel().await.expect("closed");
}

/// A forge whose `get_repository` never answers, and tells when its call
/// starts and when the call is dropped.
struct Hanging {
    started: Arc<Notify>,
    dropped: Arc<Notify>,
    was_dropped: Arc<AtomicBool>,
}

struct DropSignal(Arc<Notify>, Arc<AtomicBool>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        self.1.store(true, Ordering::SeqCst);
        self.0.notify_one();
    }
}

#[mosaic::async_trait]
impl GitProvider for Hanging {
    fn capabilities(&self) -> Capabilities {
        Capabilities::of([GitOp::GetRepository])
    }

    async fn get_repository(&self, _: RepoRef) -> mosaic::Result<Repository> {
        let _guard = DropSignal(self.dropped.clone(), self.was_dropped.clone());
        self.started.notify_one();
        std::future::pending().await
    }
}

impl Hanging {
    fn new() -> Hanging {
        Hanging {
            started: Arc::new(Notify::new()),
            dropped: Arc::new(Notify::new()),
            was_dropped: Arc::new(AtomicBool::new(false)),
        }
    }

    /// A deployment of this forge alone, and the forge's signals.
    fn deploy(self) -> (Mosaic, Arc<Notify>, Arc<Notify>, Arc<AtomicBool>) {
        let signals = (
            self.started.clone(),
            self.dropped.clone(),
            self.was_dropped.clone(),
        );
        let mosaic = Mosaic::builder(config("[providers.forge]\nkind = \"host\"\n"))
            .git("forge", Arc::new(self))
            .build()
            .expect("built");
        (mosaic, signals.0, signals.1, signals.2)
    }
}

/// The client gives up on a call once the provider is working on it
/// (dropping the call sends `notifications/cancelled`); the provider's
/// request is dropped in turn, and the session goes on.
async fn abandon_a_call(
    client: &Client,
    started: &Notify,
    dropped: &Notify,
    was_dropped: &AtomicBool,
) {
    let params = CallToolRequestParams::new("git_repository_get").with_arguments(
        json!({ "owner": "acme", "name": "tools" })
            .as_object()
            .cloned()
            .expect("object"),
    );
    {
        let mut pending = Box::pin(client.call_tool(params));
        tokio::select! {
            _ = &mut pending => panic!("a hanging call answered"),
            reached = tokio::time::timeout(PATIENCE, started.notified()) => {
                reached.expect("the provider was called");
            }
        }
    }
    tokio::time::timeout(PATIENCE, async {
        while !was_dropped.load(Ordering::SeqCst) {
            dropped.notified().await;
        }
    })
    .await
    .expect("the provider's request was dropped");
    assert!(
        tool_names(client)
            .await
            .contains(&"git_repository_get".to_owned())
    );
}

#[tokio::test]
async fn cancelling_a_call_drops_the_provider_request() {
    let (mosaic, started, dropped, was_dropped) = Hanging::new().deploy();
    let client = connect(McpServer::new(mosaic)).await;
    abandon_a_call(&client, &started, &dropped, &was_dropped).await;
    client.cancel().await.expect("closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_call_over_http_drops_the_provider_request() {
    let (mosaic, started, dropped, was_dropped) = Hanging::new().deploy();
    let http = McpServer::new(mosaic)
        .serve_http("127.0.0.1:0", HttpOptions::new())
        .await
        .expect("listening");
    let client =
        ().serve(StreamableHttpClientTransport::from_uri(http.url()))
            .await
            .expect("initialised");
    abandon_a_call(&client, &started, &dropped, &was_dropped).await;
    let _ = client.cancel().await;
    tokio::time::timeout(PATIENCE, http.shutdown())
        .await
        .expect("shut down in time");
}

#[tokio::test]
async fn an_ai_stream_is_answered_whole() {
    let mosaic = Mosaic::from_str("[providers.model]\nkind = \"fake-ai\"\n").expect("built");
    let client = connect(McpServer::new(mosaic)).await;
    let answer = call(
        &client,
        "ai_chat_stream",
        json!({ "model": "fake-chat", "messages": [{ "role": "user", "content": "hello" }] }),
    )
    .await;
    assert_eq!(answer.is_error, Some(false), "{answer:?}");
    assert_eq!(structured(&answer)["message"]["content"], "echo: hello");
    assert_eq!(structured(&answer)["provider"], "model");
    client.cancel().await.expect("closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_over_streamable_http() {
    let forge = seeded("forge");
    let mosaic = Mosaic::builder(config(ONE_FORGE))
        .git("forge", Arc::new(forge.clone()))
        .build()
        .expect("built");
    let http = McpServer::new(mosaic)
        .serve_http("127.0.0.1:0", HttpOptions::new())
        .await
        .expect("listening");
    assert!(http.url().ends_with("/mcp"));
    let client = tokio::time::timeout(
        PATIENCE,
        ().serve(StreamableHttpClientTransport::from_uri(http.url())),
    )
    .await
    .expect("in time")
    .expect("initialised");

    let names = tool_names(&client).await;
    assert!(names.iter().any(|n| n == "git_pull_request_create"));
    assert!(!names.iter().any(|n| n == "git_repository_create"));

    let repo = call(
        &client,
        "git_repository_get",
        json!({ "owner": "acme", "name": "tools" }),
    )
    .await;
    assert_eq!(structured(&repo)["full_name"], "acme/tools");
    let refused = call(
        &client,
        "git_repository_delete",
        json!({ "owner": "acme", "name": "tools" }),
    )
    .await;
    assert_eq!(error_kind(&refused), "permission_denied");
    assert_eq!(forge.call_count(GitOp::DeleteRepository), 0);

    let _ = client.cancel().await;
    tokio::time::timeout(PATIENCE, http.shutdown())
        .await
        .expect("shut down in time");
}

#[test]
fn the_mcp_section_is_strict() {
    let unknown = MosaicConfig::parse(
        "[mcp]\nallow = []\nalow = [\"git.*\"]\n",
        Format::Toml,
        "mosaic.toml",
    )
    .expect_err("unknown key");
    assert!(unknown.to_string().contains("alow"), "{unknown}");

    let dangling = Mosaic::from_str(
        "[providers.forge]\nkind = \"fake-git\"\n\n[mcp]\nallow = [\"git.pull_requests.create\", \"kb.*\"]\n",
    )
    .expect_err("an entry matching nothing");
    assert_eq!(dangling.fields()[0].field, "mcp.allow[0]");
    assert_eq!(dangling.fields().len(), 1, "`kb.*` matches: {dangling}");
}
