//! The cost of declaring a deployment in `mosaic.toml`:
//!
//! * `config/load_build_20x100`: parse a file with 20 instances and 100
//!   routing rules and build every stack, router and client (aim < 5 ms).
//! * `config/reload_switch_20x100`: `Mosaic::reload` of that file with every
//!   instance unchanged: build the routers, swap (aim < 1 ms).
//! * `config/configured_vs_hand_built`: one call through the stack the file
//!   declares (rate limit → breaker → retry → timeout → provider behind a
//!   one-rule router) paired with the same stack written by hand with the
//!   same public builders (aim: ratio ≤ 1.05). Each sample alternates chunks
//!   of 32 calls of each; the median ratio is printed and written to
//!   `target/criterion/config-ratios.md`.
//!
//! Run: `cargo bench -p mosaic-benches --bench config -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::Criterion;
use mosaic::config::Format;
use mosaic::git::{GitClient, GitProvider, GitService, RepoRef};
use mosaic::{GitStack, Mosaic, MosaicConfig};
use mosaic_router::router::Provider;
use mosaic_router::{
    CircuitBreakerConfig, CircuitBreakerLayer, Quota, RateLimitConfig, RateLimitLayer, RetryConfig,
    RetryLayer, Router, Rule, SlidingWindow, Strategy, TimeoutLayer,
};
use mosaic_testing::FakeGit;
use tokio::runtime::Runtime;
use tower::ServiceBuilder;

static RATIOS: Mutex<Vec<f64>> = Mutex::new(Vec::new());

const CHUNK: u64 = 32;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime")
}

/// 20 instances, 100 rules (each on a subject glob), with stacks.
fn big_file() -> String {
    let mut t = String::new();
    for i in 0..20 {
        t.push_str(&format!(
            "[providers.forge-{i}]\nkind = \"fake-git\"\nstack = {{ timeout = \"5s\", retry = {{ attempts = 3 }}, breaker = {{ failure_rate = 0.5, window = 20, open_for = \"30s\" }}, rate_limit = {{ per_second = 100 }} }}\n\n"
        ));
    }
    for r in 0..100 {
        t.push_str(&format!(
            "[[routes.git]]\nmatch = {{ subject = \"team-{r}/*\" }}\nto = [\"forge-{}\", \"forge-{}\"]\nstrategy = \"failover\"\n\n",
            r % 20,
            (r + 1) % 20
        ));
    }
    t
}

const ONE: &str = r#"
[providers.forge]
kind = "host"
stack = { timeout = "10s", retry = { attempts = 3 }, breaker = { failure_rate = 0.5, window = 100, open_for = "30s" }, rate_limit = { per_second = 1000000000 } }

[[routes.git]]
to = ["forge"]
"#;

/// The same stack as `ONE`, by hand.
fn hand_built(forge: FakeGit) -> GitClient<GitStack> {
    let svc = ServiceBuilder::new()
        .layer(RateLimitLayer::new(RateLimitConfig::new(
            "forge",
            Quota::per_second(1_000_000_000),
        )))
        .layer(CircuitBreakerLayer::new(
            CircuitBreakerConfig::new("forge")
                .failure_rate_threshold(50.0)
                .sliding_window(SlidingWindow::CountBased(100))
                .minimum_calls(100)
                .wait_in_open(Duration::from_secs(30)),
        ))
        .layer(RetryLayer::new(RetryConfig::new().max_attempts(3)))
        .layer(TimeoutLayer::of(Duration::from_secs(10)))
        .service(GitService::new(forge));
    let router = Router::builder()
        .register(Provider::new("forge", GitStack::new(svc)))
        .rule(Rule::any().to(["forge"]).strategy(Strategy::Failover))
        .build()
        .expect("router");
    GitClient::new(GitStack::new(router))
}

async fn calls(git: &GitClient<GitStack>, repo: &RepoRef, n: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        black_box(git.get_repository(repo.clone()).await.is_ok());
    }
    start.elapsed()
}

fn bench(c: &mut Criterion) {
    let rt = runtime();
    let text = big_file();
    let mut g = c.benchmark_group("config");
    g.bench_function("load_build_20x100", |b| {
        b.iter(|| {
            let cfg =
                MosaicConfig::parse(black_box(&text), Format::Toml, "bench.toml").expect("parse");
            black_box(Mosaic::build(&cfg).expect("build"))
        })
    });
    let cfg = MosaicConfig::parse(&text, Format::Toml, "bench.toml").expect("parse");
    let mosaic = Mosaic::build(&cfg).expect("build");
    g.bench_function("reload_switch_20x100", |b| {
        b.iter(|| mosaic.reload(black_box(&cfg)).expect("reload"))
    });

    let forge = FakeGit::named("forge");
    forge.seed_repository("acme/tools").create().expect("seed");
    let one = MosaicConfig::parse(ONE, Format::Toml, "one.toml").expect("parse");
    let configured = Mosaic::builder(one)
        .git("forge", Arc::new(forge.clone()) as Arc<dyn GitProvider>)
        .build()
        .expect("build")
        .git()
        .expect("git");
    let by_hand = hand_built(forge);
    let repo = RepoRef::new("acme", "tools");
    g.bench_function("configured_vs_hand_built", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let (configured, by_hand, repo) = (configured.clone(), by_hand.clone(), repo.clone());
            async move {
                let (mut conf, mut hand) = (Duration::ZERO, Duration::ZERO);
                let mut done = 0;
                while done < iters {
                    let n = (iters - done).min(CHUNK);
                    hand += calls(&by_hand, &repo, n).await;
                    conf += calls(&configured, &repo, n).await;
                    done += n;
                }
                RATIOS
                    .lock()
                    .expect("ratios")
                    .push(conf.as_secs_f64() / hand.as_secs_f64().max(1e-12));
                conf
            }
        })
    });
    g.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    let mut r = RATIOS.lock().expect("ratios").clone();
    r.sort_by(f64::total_cmp);
    let median = r.get(r.len() / 2).copied().unwrap_or(f64::NAN);
    let text = format!(
        "| bench | samples | median ratio |\n|---|---|---|\n| config/configured_vs_hand_built | {} | {median:.3} |\n",
        r.len()
    );
    println!("\nPaired ratio (configured ÷ hand-built):\n{text}");
    let dir = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target").to_owned());
    let path = std::path::Path::new(&dir)
        .join("criterion")
        .join("config-ratios.md");
    if let Err(e) = std::fs::create_dir_all(path.parent().unwrap_or(std::path::Path::new(".")))
        .and_then(|()| std::fs::write(&path, &text))
    {
        eprintln!("could not write {}: {e}", path.display());
    }
}
