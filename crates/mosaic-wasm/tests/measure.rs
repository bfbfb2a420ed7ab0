//! Rough timings printed for a look (`cargo test -p mosaic-wasm --test
//! measure -- --ignored --nocapture`); `benches/benches/wasm.rs` is the
//! criterion bench. Nothing here asserts on time.

#[allow(dead_code)]
mod guests;

use std::time::{Duration, Instant};

use mosaic_core::git::{GitProvider, RepoRef, Repository};
use mosaic_wasm::abi::Envelope;
use mosaic_wasm::{HostEnv, Sandbox, WasmLimits, WasmProvider, WasmRuntime};

fn repository() -> Repository {
    Repository {
        id: "42".into(),
        owner: "acme".into(),
        name: "tools".into(),
        full_name: "acme/tools".into(),
        default_branch: "main".into(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "prints timings; run on purpose"]
async fn timings() {
    let answer = serde_json::to_string(&Envelope::Ok(repository())).unwrap();
    let bytes = guests::guest_with(guests::Opts {
        repository: &answer,
        ..guests::Opts::default()
    });
    let rt = WasmRuntime::new().unwrap();
    let limits = WasmLimits::default().cpu(Duration::from_millis(50));
    let module = rt.load("measure", &bytes, limits).unwrap();
    let n = 2000u32;

    let start = Instant::now();
    for _ in 0..n {
        module.instantiate(limits).unwrap();
    }
    println!("instantiate: {:?} each", start.elapsed() / n);

    let git = WasmProvider::new(Sandbox::new(module, HostEnv::new("measure"), limits)).git();
    let repo = RepoRef::new("acme", "tools");
    for _ in 0..200 {
        git.get_repository(repo.clone()).await.unwrap();
    }
    let start = Instant::now();
    for _ in 0..n {
        git.get_repository(repo.clone()).await.unwrap();
    }
    let wasm = start.elapsed() / n;

    let start = Instant::now();
    for _ in 0..n {
        let params = serde_json::to_vec(&repo).unwrap();
        let parsed: RepoRef = serde_json::from_slice(&params).unwrap();
        let mut out = repository();
        out.owner = parsed.owner;
        let bytes = serde_json::to_vec(&Envelope::Ok(&out)).unwrap();
        let back: Envelope<Repository> = serde_json::from_slice(&bytes).unwrap();
        std::hint::black_box(back);
    }
    let native = start.elapsed() / n;
    println!(
        "call: wasm {wasm:?}, native with JSON {native:?}, ratio {:.2}",
        wasm.as_secs_f64() / native.as_secs_f64()
    );
    let sb = Sandbox::new(
        rt.load("loop", &bytes, limits).unwrap(),
        HostEnv::new("loop"),
        limits,
    );
    let mut worst = Duration::ZERO;
    for _ in 0..10 {
        let start = Instant::now();
        sb.call("test.loop", b"{}".to_vec()).await.unwrap_err();
        worst = worst.max(start.elapsed());
    }
    println!("runaway loop, 50 ms deadline: worst {worst:?} of 10");
}
