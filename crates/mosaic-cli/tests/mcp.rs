//! `mosaic mcp FILE` over stdio, driven by rmcp's client spawning the
//! binary: the tools the file exposes, calls through its stack, a refused
//! write, and the process ending with its standard input.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use serde_json::{Value, json};

/// Guard against a hang: no assertion reads the clock.
const PATIENCE: Duration = Duration::from_secs(30);

const FILE: &str = r#"
[providers.forge]
kind = "fake-git"
stack = { timeout = "5s", retry = { attempts = 2 } }

[cache]
ttl = "60s"

[mcp]
allow = ["git.repository.create", "git.repository.*"]
tenant = "acme"
"#;

fn write(dir: &tempfile::TempDir, text: &str) -> PathBuf {
    let path = dir.path().join("mosaic.toml");
    std::fs::write(&path, text).expect("written");
    path
}

fn args(v: Value) -> CallToolRequestParams {
    let name = v["tool"].as_str().expect("tool").to_owned();
    CallToolRequestParams::new(name).with_arguments(v["args"].as_object().cloned().expect("args"))
}

fn structured(r: &CallToolResult) -> &Value {
    r.structured_content.as_ref().expect("structured content")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_the_file_over_stdio() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(&dir, FILE);
    let command = tokio::process::Command::new(env!("CARGO_BIN_EXE_mosaic")).configure(|c| {
        c.arg("mcp").arg(&file);
    });
    let client = tokio::time::timeout(
        PATIENCE,
        ().serve(TokioChildProcess::new(command).expect("spawned")),
    )
    .await
    .expect("in time")
    .expect("initialised");

    let info = client.peer_info().expect("server info");
    assert_eq!(
        info.server_info.as_ref().map(|i| i.name.as_str()),
        Some("mosaic")
    );

    let names: Vec<String> = client
        .list_all_tools()
        .await
        .expect("tools/list")
        .into_iter()
        .map(|t| t.name.into_owned())
        .collect();
    for present in [
        "git_repository_get",
        "git_repository_create",
        "git_repository_update",
    ] {
        assert!(
            names.iter().any(|n| n == present),
            "{present} missing: {names:?}"
        );
    }
    // Destructive: a glob does not enable it. No other family is configured.
    for absent in ["git_repository_delete", "ai_chat", "kb_search"] {
        assert!(
            !names.iter().any(|n| n == absent),
            "{absent} listed: {names:?}"
        );
    }

    let created = client
        .call_tool(args(json!({
            "tool": "git_repository_create",
            "args": { "owner": "acme", "name": "tools", "visibility": "private", "auto_init": true },
        })))
        .await
        .expect("answered");
    assert_eq!(created.is_error, Some(false), "{created:?}");
    let got = client
        .call_tool(args(json!({
            "tool": "git_repository_get",
            "args": { "owner": "acme", "name": "tools" },
        })))
        .await
        .expect("answered");
    assert_eq!(structured(&got)["full_name"], "acme/tools");
    assert_eq!(structured(&got)["visibility"], "private");

    let refused = client
        .call_tool(args(json!({
            "tool": "git_repository_delete",
            "args": { "owner": "acme", "name": "tools" },
        })))
        .await
        .expect("answered");
    assert_eq!(refused.is_error, Some(true));
    assert_eq!(structured(&refused)["error"]["kind"], "permission_denied");

    // Still there: the delete never ran.
    let again = client
        .call_tool(args(json!({
            "tool": "git_repository_get",
            "args": { "owner": "acme", "name": "tools" },
        })))
        .await
        .expect("answered");
    assert_eq!(again.is_error, Some(false), "{again:?}");
    client.cancel().await.expect("closed");
}

#[tokio::test]
async fn ends_when_standard_input_closes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(&dir, FILE);
    let status = tokio::time::timeout(
        PATIENCE,
        tokio::process::Command::new(env!("CARGO_BIN_EXE_mosaic"))
            .arg("mcp")
            .arg(&file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status(),
    )
    .await
    .expect("ended in time")
    .expect("ran");
    assert!(status.success(), "{status}");
}

#[tokio::test]
async fn refuses_a_file_whose_mcp_section_matches_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(
        &dir,
        "[providers.forge]\nkind = \"fake-git\"\n\n[mcp]\nallow = [\"git.repo.create\"]\n",
    );
    let out = tokio::time::timeout(
        PATIENCE,
        tokio::process::Command::new(env!("CARGO_BIN_EXE_mosaic"))
            .arg("mcp")
            .arg(&file)
            .stdin(Stdio::null())
            .output(),
    )
    .await
    .expect("ended in time")
    .expect("ran");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mcp.allow[0]"), "{err}");
    assert!(
        out.stdout.is_empty(),
        "stdout is the protocol's: {:?}",
        out.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_the_main_jobs_file_with_stand_ins_for_host_instances() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/orchestrator/mosaic.toml"
    );
    let command = tokio::process::Command::new(env!("CARGO_BIN_EXE_mosaic")).configure(|c| {
        c.arg("mcp").arg(file).stderr(Stdio::null());
    });
    let client = tokio::time::timeout(
        PATIENCE,
        ().serve(TokioChildProcess::new(command).expect("spawned")),
    )
    .await
    .expect("in time")
    .expect("initialised");
    let tools = tokio::time::timeout(PATIENCE, client.list_all_tools())
        .await
        .expect("in time")
        .expect("listed");
    let names: Vec<&str> = tools.iter().map(|t| &*t.name).collect();
    for family in ["git_", "cicd_", "ai_"] {
        assert!(
            names.iter().any(|n| n.starts_with(family)),
            "{family}: {names:?}"
        );
    }
    // Reads only: the file allows no writes.
    assert!(!names.contains(&"git_repository_create"), "{names:?}");
    let listed = tokio::time::timeout(
        PATIENCE,
        client.call_tool(args(
            json!({"tool": "git_repository_list", "args": {"page": {}}}),
        )),
    )
    .await
    .expect("in time")
    .expect("called");
    assert_eq!(listed.is_error, Some(false), "{listed:?}");
    assert_eq!(structured(&listed)["items"], json!([]));
    client.cancel().await.expect("closed");
}
