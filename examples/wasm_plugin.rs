//! A WebAssembly provider plugin: the Woodpecker guest (Rust, built by
//! `cargo xtask wasm-guests`) signed, installed into a `PluginHost` from a
//! directory at run time, called as a normal `CiCdProvider` against a
//! loopback stand-in for a Woodpecker server, and then held to its limits.
//!
//! ```text
//! cargo xtask wasm-guests
//! cargo run -p mosaic-examples --features wasm --example wasm_plugin
//! ```

use std::path::PathBuf;

use mosaic_core::Secret;
use mosaic_core::cicd::{CiCdProvider, ListPipelines, PipelineRef};
use mosaic_plugin_sdk::trust::TrustStore;
use mosaic_plugin_sdk::{Allowlist, HostPattern, HttpClient, PluginHost, TrustLevel};
use mosaic_wasm::{Credential, HostEnv, Sandbox, WasmLimits, WasmProvider, WasmRuntime, fault_of};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The built guest and its manifest.
fn guest() -> Option<(PathBuf, PathBuf)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let module = root.join("target/wasm-guests/rust/woodpecker.wasm");
    let manifest = root.join("crates/mosaic-wasm/guests/rust/woodpecker/plugin.json");
    (module.is_file() && manifest.is_file()).then_some((module, manifest))
}

/// A loopback server answering Woodpecker's repository lookup and
/// pipeline endpoints with fixed JSON; every request must carry the token.
async fn woodpecker() -> std::io::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let n = socket.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let authorized = head
                    .lines()
                    .any(|l| l.eq_ignore_ascii_case("authorization: Bearer example-token"));
                let pipeline = |n: u32, status: &str| {
                    format!(
                        r#"{{"number":{n},"status":"{status}","event":"push","branch":"main","commit":"abc{n}","created":1700000000,"started":1700000005,"finished":1700000065,
                        "workflows":[{{"name":"build","children":[{{"id":{n}1,"name":"test","state":"{status}","started":1700000005,"finished":1700000065}}]}}]}}"#
                    )
                };
                let (status, body) = if !authorized {
                    ("401 Unauthorized", r#"{"message":"no token"}"#.to_owned())
                } else if path == "/api/repos/lookup/acme/site" {
                    ("200 OK", r#"{"id":7}"#.to_owned())
                } else if path.starts_with("/api/repos/7/pipelines?") {
                    (
                        "200 OK",
                        format!("[{},{}]", pipeline(2, "running"), pipeline(1, "success")),
                    )
                } else if path == "/api/repos/7/pipelines/1" {
                    ("200 OK", pipeline(1, "success"))
                } else {
                    ("404 Not Found", r#"{"message":"not found"}"#.to_owned())
                };
                let reply = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            });
        }
    });
    Ok(url)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some((module, manifest)) = guest() else {
        eprintln!("the Woodpecker guest is not built: run `cargo xtask wasm-guests` first");
        std::process::exit(1);
    };

    // 1. a package: plugin.json + the module, signed together
    let dir = tempfile::tempdir()?;
    let package = dir.path().join("woodpecker");
    std::fs::create_dir_all(&package)?;
    std::fs::copy(&module, package.join("plugin.wasm"))?;
    std::fs::copy(&manifest, package.join("plugin.json"))?;
    let key = ed25519_dalek::SigningKey::from_bytes(&[42; 32]);
    mosaic_wasm::sign_package(&package, "example-release", &key)?;

    // 2. a host that trusts that key, grants the server, and installs
    //    whatever packages the directory holds
    let server = woodpecker().await?;
    let host = PluginHost::builder()
        .trust(TrustStore::new().trust_key(
            "example-release",
            key.verifying_key(),
            TrustLevel::Verified,
        ))
        .grant_hosts("woodpecker-wasm", [server.clone()])?
        .build();
    let runtime = WasmRuntime::new()?;
    let report = mosaic_wasm::install(&host, &runtime, dir.path(), WasmLimits::default())?;
    println!("installed {:?}", report.installed);
    host.configure(
        "woodpecker-wasm",
        serde_json::json!({"base_url": server, "token": "example-token"}),
    )
    .await?;
    let ci = host.start("woodpecker-wasm").await?;

    // 3. an ordinary CiCdProvider
    let page = ci
        .list_pipelines(ListPipelines {
            project: "acme/site".into(),
            ..Default::default()
        })
        .await?;
    for p in &page.items {
        println!(
            "pipeline #{} {:?} on {:?} ({})",
            p.id, p.status, p.reference, p.raw_status
        );
    }
    let one = ci.get_pipeline(PipelineRef::new("acme/site", "1")).await?;
    println!("pipeline 1 finished at {:?}", one.finished_at);
    let missing = ci
        .get_pipeline(PipelineRef::new("acme/site", "9"))
        .await
        .unwrap_err();
    println!("pipeline 9: {} ({})", missing.kind(), missing);

    // 4. limits: the same module under tight caps
    let tight = WasmLimits::default().memory_bytes(512 << 10);
    let bytes = std::fs::read(&module)?;
    match runtime.load("woodpecker-tight", &bytes, tight) {
        Err(e) => println!("512 KiB memory cap: refused, {:?}: {e}", fault_of(&e)),
        Ok(_) => println!("512 KiB memory cap: loaded"),
    }
    let small = WasmLimits::default().max_output_bytes(256);
    let loaded = runtime.load("woodpecker-small", &bytes, small)?;
    let mut allow = Allowlist::default();
    allow.grant([HostPattern::new(&server)?]);
    let env = HostEnv::new("woodpecker-small")
        .with_http(HttpClient::new(
            "woodpecker-small",
            allow,
            "mosaic-example",
            None,
        ))
        .with_config(
            [("base_url".to_owned(), serde_json::json!(server))]
                .into_iter()
                .collect(),
        )
        .with_credential(Credential {
            header: http::header::AUTHORIZATION,
            prefix: "Bearer ".into(),
            secret: Secret::new("example-token"),
        });
    let provider = WasmProvider::new(Sandbox::new(loaded, env, small));
    let err = provider
        .cicd()
        .list_pipelines(ListPipelines {
            project: "acme/site".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    println!("256-byte output cap: {:?}: {err}", fault_of(&err));
    Ok(())
}
