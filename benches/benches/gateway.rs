//! The AI gateway and the MCP server, each as a ratio to the direct call
//! in the same run:
//!
//! * `gateway/ai_routed_vs_direct`: one `chat` through the stack
//!   `mosaic.toml` declares — the `chat` alias over two instances, the cost
//!   strategy from one price table, a per-tenant budget on the in-memory
//!   store, GenAI telemetry (no subscriber installed) — paired with the same
//!   call on the in-memory provider directly (aim: ≤ 5 µs added).
//! * `gateway/mcp_call_vs_direct`: `git_repository_get` through
//!   `McpServer::call` (the tool-call path without a transport: JSON
//!   arguments in, structured JSON out, the configured stack) paired with
//!   the same read through `Mosaic` directly (aim: ≤ 50 µs added; the stdio
//!   framing is not in this figure).
//! * `gateway/mcp_pipe_vs_direct`: the same tool call made by rmcp's
//!   client over an in-process byte pipe — the JSON-RPC framing and both
//!   ends of the stdio transport, without a process boundary — paired with
//!   the direct read (the stdio aim).
//! * `gateway/mcp_list_tools`: the filtered tool list of a deployment with
//!   every family (aim: < 1 ms).
//!
//! Each paired sample alternates chunks of 32 calls of each side; the
//! median ratio and the median added time per call are printed and written
//! to `target/criterion/gateway-ratios.md`.
//!
//! Run: `cargo bench -p mosaic-benches --bench gateway -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::Criterion;
use mosaic::ai::{AiClient, AiProvider, AiService, ChatRequest};
use mosaic::config::Format;
use mosaic::git::{GitProvider, RepoRef};
use mosaic::{Mosaic, MosaicConfig, RequestContext};
use mosaic_testing::{FakeAi, FakeGit};

/// (bench, ratio, added µs per call) per paired sample.
static SAMPLES: Mutex<Vec<(&'static str, f64, f64)>> = Mutex::new(Vec::new());

const CHUNK: u64 = 32;

const AI: &str = r#"
[providers.small]
kind = "host"
[providers.large]
kind = "host"
[ai.aliases]
chat = [
    { provider = "small", model = "small-8k" },
    { provider = "large", model = "large-200k" },
]
[ai.prices]
small-8k = { input = 0.15, output = 0.6 }
large-200k = { input = 3.0, output = 15.0 }
[[ai.budgets]]
name = "per-tenant"
usd = 1000000.0
per = "day"
tenant = "*"
[[routes.ai]]
match = { subject = "chat" }
to = ["small", "large"]
strategy = "cost"
[observability]
requests = false
genai = true
"#;

const MCP: &str = r#"
[providers.forge]
kind = "host"
[providers.ci]
kind = "fake-cicd"
[providers.model]
kind = "fake-ai"
[providers.wiki]
kind = "fake-kb"
[providers.flows]
kind = "fake-workflow"
[providers.tracker]
kind = "fake-project"
[mcp]
allow = ["git.*", "kb.*"]
"#;

fn model(name: &str, id: &str) -> FakeAi {
    let ai = FakeAi::named(name);
    ai.seed_model(id)
        .chat()
        .context_window(200_000)
        .create()
        .expect("a chat model");
    ai
}

fn paired(name: &'static str, direct: Duration, routed: Duration, n: u64) {
    let ratio = routed.as_secs_f64() / direct.as_secs_f64().max(1e-12);
    let added = (routed.as_secs_f64() - direct.as_secs_f64()) / n as f64 * 1e6;
    SAMPLES.lock().expect("samples").push((name, ratio, added));
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let _guard = rt.enter();
    let mut g = c.benchmark_group("gateway");

    // AI: direct ÷ through the configured gateway stack.
    let small = model("small", "small-8k");
    let direct = AiClient::new(AiService::new(small.clone()));
    let config = MosaicConfig::parse(AI, Format::Toml, "ai.toml").expect("parse");
    let mosaic = Mosaic::builder(config)
        .ai("small", Arc::new(small) as Arc<dyn AiProvider>)
        .ai(
            "large",
            Arc::new(model("large", "large-200k")) as Arc<dyn AiProvider>,
        )
        .build()
        .expect("build");
    let routed = mosaic
        .ai()
        .expect("ai")
        .with_context(RequestContext::new().with_tenant("acme"));
    let direct_req = ChatRequest::new("small-8k", "hello").max_tokens(16);
    let routed_req = ChatRequest::new("chat", "hello").max_tokens(16);
    g.bench_function("ai_routed_vs_direct", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let (direct, routed) = (direct.clone(), routed.clone());
            let (dr, rr) = (direct_req.clone(), routed_req.clone());
            async move {
                let (mut d, mut r) = (Duration::ZERO, Duration::ZERO);
                let mut done = 0;
                while done < iters {
                    let n = (iters - done).min(CHUNK);
                    let t = Instant::now();
                    for _ in 0..n {
                        black_box(direct.chat(dr.clone()).await.is_ok());
                    }
                    d += t.elapsed();
                    let t = Instant::now();
                    for _ in 0..n {
                        black_box(routed.chat(rr.clone()).await.is_ok());
                    }
                    r += t.elapsed();
                    done += n;
                }
                paired("gateway/ai_routed_vs_direct", d, r, iters);
                r
            }
        })
    });

    // MCP: a tool call ÷ the same read through Mosaic.
    let forge = FakeGit::named("forge");
    forge.seed_repository("acme/tools").create().expect("seed");
    let config = MosaicConfig::parse(MCP, Format::Toml, "mcp.toml").expect("parse");
    let mosaic = Mosaic::builder(config)
        .git("forge", Arc::new(forge) as Arc<dyn GitProvider>)
        .build()
        .expect("build");
    let git = mosaic.git().expect("git");
    let server = mosaic_mcp::McpServer::new(mosaic);
    let arguments = serde_json::json!({"owner": "acme", "name": "tools"})
        .as_object()
        .cloned();
    let repo = RepoRef::new("acme", "tools");
    g.bench_function("mcp_call_vs_direct", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let (git, server, arguments, repo) =
                (git.clone(), server.clone(), arguments.clone(), repo.clone());
            async move {
                let (mut d, mut m) = (Duration::ZERO, Duration::ZERO);
                let mut done = 0;
                while done < iters {
                    let n = (iters - done).min(CHUNK);
                    let t = Instant::now();
                    for _ in 0..n {
                        black_box(git.get_repository(repo.clone()).await.is_ok());
                    }
                    d += t.elapsed();
                    let t = Instant::now();
                    for _ in 0..n {
                        let r = server.call("git_repository_get", arguments.clone()).await;
                        black_box(r.map(|r| r.is_error).ok());
                    }
                    m += t.elapsed();
                    done += n;
                }
                paired("gateway/mcp_call_vs_direct", d, m, iters);
                m
            }
        })
    });
    // The same call over rmcp's client and server on a byte pipe.
    let (server_io, client_io) = tokio::io::duplex(1 << 16);
    let serving = server.clone();
    rt.spawn(async move {
        use rmcp::ServiceExt;
        if let Ok(running) = serving.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    let client = rt.block_on(async {
        use rmcp::ServiceExt;
        ().serve(client_io).await.expect("initialised")
    });
    let params = rmcp::model::CallToolRequestParams::new("git_repository_get")
        .with_arguments(arguments.clone().expect("arguments"));
    g.bench_function("mcp_pipe_vs_direct", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let (git, repo, params) = (git.clone(), repo.clone(), params.clone());
            let client = &client;
            async move {
                let (mut d, mut m) = (Duration::ZERO, Duration::ZERO);
                let mut done = 0;
                while done < iters {
                    let n = (iters - done).min(CHUNK);
                    let t = Instant::now();
                    for _ in 0..n {
                        black_box(git.get_repository(repo.clone()).await.is_ok());
                    }
                    d += t.elapsed();
                    let t = Instant::now();
                    for _ in 0..n {
                        let r = client.call_tool(params.clone()).await;
                        black_box(r.map(|r| r.is_error).ok());
                    }
                    m += t.elapsed();
                    done += n;
                }
                paired("gateway/mcp_pipe_vs_direct", d, m, iters);
                m
            }
        })
    });
    g.bench_function("mcp_list_tools", |b| {
        b.iter(|| black_box(server.tools().len()))
    });
    g.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    let samples = SAMPLES.lock().expect("samples").clone();
    let mut text =
        "| bench | samples | median ratio | median added per call |\n|---|---|---|---|\n"
            .to_owned();
    for name in [
        "gateway/ai_routed_vs_direct",
        "gateway/mcp_call_vs_direct",
        "gateway/mcp_pipe_vs_direct",
    ] {
        let mut ratios: Vec<f64> = samples
            .iter()
            .filter(|s| s.0 == name)
            .map(|s| s.1)
            .collect();
        let mut added: Vec<f64> = samples
            .iter()
            .filter(|s| s.0 == name)
            .map(|s| s.2)
            .collect();
        ratios.sort_by(f64::total_cmp);
        added.sort_by(f64::total_cmp);
        let mid = |v: &[f64]| v.get(v.len() / 2).copied().unwrap_or(f64::NAN);
        text.push_str(&format!(
            "| {name} | {} | {:.2} | {:.2} µs |\n",
            ratios.len(),
            mid(&ratios),
            mid(&added)
        ));
    }
    println!("\nPaired figures:\n{text}");
    let dir = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target").to_owned());
    let path = std::path::Path::new(&dir)
        .join("criterion")
        .join("gateway-ratios.md");
    if let Err(e) = std::fs::create_dir_all(path.parent().unwrap_or(std::path::Path::new(".")))
        .and_then(|()| std::fs::write(&path, &text))
    {
        eprintln!("could not write {}: {e}", path.display());
    }
}
