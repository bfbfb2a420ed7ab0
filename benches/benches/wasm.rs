//! The WebAssembly sandbox (`mosaic-wasm`), each beside the direct path:
//!
//! * `wasm_call`: `git.repository.get` through a `WasmProvider` (request
//!   to JSON, into guest memory, the guest's answer decoded back into a
//!   `Repository`) against the same operation on a native provider with
//!   JSON on both sides (parameters serialized and parsed, the result
//!   serialized and parsed). The guest (WAT) answers a fixed repository,
//!   so the ratio is the sandbox's own overhead; a guest that parses and
//!   builds its JSON adds that work inside wasm.
//! * `wasm_instantiate`: a fresh instance from the pre-linked module (what
//!   every call after a trap pays).
//! * `wasm_runaway`: how long a call spinning forever takes to come back
//!   with a 50 ms CPU deadline (the aim: within the deadline + 10 ms).
//!
//! Run: `cargo bench -p mosaic-benches --features wasm --bench wasm -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use mosaic_core::git::{GitOp, GitProvider, RepoRef, Repository};
use mosaic_core::{Capabilities, Result};
use mosaic_wasm::{HostEnv, Sandbox, WasmLimits, WasmProvider, WasmRuntime, abi::Envelope};

fn repository() -> Repository {
    Repository {
        id: "42".into(),
        owner: "acme".into(),
        name: "tools".into(),
        full_name: "acme/tools".into(),
        description: Some("Internal tools".into()),
        default_branch: "main".into(),
        clone_url: Some("https://git.example.com/acme/tools.git".into()),
        web_url: Some("https://git.example.com/acme/tools".into()),
        created_at: Some("2024-01-02T03:04:05Z".into()),
        ..Default::default()
    }
}

/// A guest answering `git.repository.get` with `answer`, and a loop.
fn guest(answer: &str) -> Vec<u8> {
    let hex: String = answer.bytes().map(|b| format!("\\{b:02x}")).collect();
    let desc = r#"{"abi":1,"operations":["git.repository.get","test.loop"]}"#;
    let dhex: String = desc.bytes().map(|b| format!("\\{b:02x}")).collect();
    let wat = format!(
        r#"(module
  (memory (export "memory") 2)
  (global $bump (mut i32) (i32.const 65536))
  (data (i32.const 1024) "{dhex}")
  (data (i32.const 4096) "{hex}")
  (func (export "mosaic_abi_version") (result i32) (i32.const 1))
  (func $alloc (export "mosaic_alloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $bump))
    (global.set $bump (i32.add (global.get $bump) (local.get $n)))
    (block $ok
      (br_if $ok (i32.le_u (global.get $bump) (i32.mul (memory.size) (i32.const 65536))))
      (br_if $ok (i32.ne (i32.const -1) (memory.grow (i32.const 1))))
      unreachable)
    (local.get $p))
  (func (export "mosaic_free") (param $p i32) (param $n i32)
    (if (i32.eq (i32.add (local.get $p) (local.get $n)) (global.get $bump))
      (then (global.set $bump (local.get $p)))))
  (func (export "mosaic_describe") (result i64)
    (i64.or (i64.shl (i64.const 1024) (i64.const 32)) (i64.const {dlen})))
  (func (export "op_git_repository_get") (param i32 i32) (result i64)
    (local $o i32)
    (local.set $o (call $alloc (i32.const {alen})))
    (memory.copy (local.get $o) (i32.const 4096) (i32.const {alen}))
    (i64.or (i64.shl (i64.extend_i32_u (local.get $o)) (i64.const 32)) (i64.const {alen})))
  (func (export "op_test_loop") (param i32 i32) (result i64)
    (loop $l (br $l))
    (i64.const 0)))"#,
        dlen = desc.len(),
        alen = answer.len(),
    );
    wat::parse_str(wat).expect("bench guest is valid WAT")
}

struct Native;

#[async_trait::async_trait]
impl GitProvider for Native {
    fn capabilities(&self) -> Capabilities {
        Capabilities::of([GitOp::GetRepository])
    }
    async fn get_repository(&self, r: RepoRef) -> Result<Repository> {
        let mut repo = repository();
        repo.owner = r.owner;
        Ok(repo)
    }
}

/// The native call with JSON on both sides.
async fn native_json(p: &Native, r: &RepoRef) -> Repository {
    let params = serde_json::to_vec(r).unwrap();
    let parsed: RepoRef = serde_json::from_slice(&params).unwrap();
    let out = p.get_repository(parsed).await.unwrap();
    let bytes = serde_json::to_vec(&Envelope::Ok(&out)).unwrap();
    match serde_json::from_slice::<Envelope<Repository>>(&bytes).unwrap() {
        Envelope::Ok(r) => r,
        Envelope::Err(e) => panic!("{e:?}"),
    }
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let _guard = rt.enter();
    let answer = serde_json::to_string(&Envelope::Ok(repository())).unwrap();
    let runtime = WasmRuntime::new().unwrap();
    let limits = WasmLimits::default().cpu(Duration::from_millis(50));
    let module = runtime.load("bench", &guest(&answer), limits).unwrap();
    let provider = WasmProvider::new(Sandbox::new(module.clone(), HostEnv::new("bench"), limits));
    let git = provider.git();
    let native = Native;
    let repo = RepoRef::new("acme", "tools");

    let mut g = c.benchmark_group("wasm_call");
    g.bench_function("native_json", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(native_json(&native, &repo).await) })
    });
    g.bench_function("wasm", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(git.get_repository(repo.clone()).await.unwrap()) })
    });
    g.finish();

    c.bench_function("wasm_instantiate", |b| {
        b.iter(|| module.instantiate(limits).unwrap())
    });

    let sandbox = provider.sandbox().clone();
    let mut g = c.benchmark_group("wasm_runaway");
    g.sample_size(10);
    g.bench_function("loop_50ms_deadline", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let sandbox = sandbox.clone();
            async move {
                let mut total = Duration::ZERO;
                let mut worst = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    let err = sandbox.call("test.loop", b"{}".to_vec()).await.unwrap_err();
                    let took = start.elapsed();
                    assert_eq!(
                        mosaic_wasm::fault_of(&err),
                        Some(mosaic_wasm::WasmFault::Timeout)
                    );
                    worst = worst.max(took);
                    total += took;
                }
                eprintln!("runaway: worst {worst:?} over {iters} calls (deadline 50 ms)");
                total
            }
        })
    });
    g.finish();
}

criterion_group!(wasm, benches);
criterion_main!(wasm);
