//! The sandbox: limits, typed faults, instance discard, ABI checks.

#[allow(dead_code)]
mod guests;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use guests::{Opts, default_guest, guest_with};
use mosaic_core::ErrorKind;
use mosaic_wasm::{HostEnv, Sandbox, WasmFault, WasmLimits, WasmRuntime, fault_of};
use serde_json::json;

fn limits() -> WasmLimits {
    WasmLimits::default()
        .memory_bytes(4 << 20)
        .cpu(Duration::from_millis(200))
        .instances(2)
}

fn sandbox(rt: &WasmRuntime, id: &str) -> Sandbox {
    let module = rt
        .load(id, &default_guest(), limits())
        .expect("guest loads");
    Sandbox::new(module, HostEnv::new(id), limits())
}

#[tokio::test(flavor = "multi_thread")]
async fn echo_round_trips_json() {
    let rt = WasmRuntime::new().unwrap();
    let sb = sandbox(&rt, "echo");
    let out = sb
        .call("test.echo", br#"{"a":[1,2,3]}"#.to_vec())
        .await
        .unwrap();
    assert_eq!(out, json!({"a": [1, 2, 3]}));
    // the instance is reused, not rebuilt
    sb.call("test.echo", b"7".to_vec()).await.unwrap();
    assert_eq!(sb.instantiated(), 1);
    assert_eq!(sb.module().describe().config, vec!["owner".to_owned()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn infinite_loop_is_stopped_at_its_cpu_deadline() {
    let rt = WasmRuntime::new().unwrap();
    let sb = sandbox(&rt, "looper");
    let start = Instant::now();
    let err = sb.call("test.loop", b"{}".to_vec()).await.unwrap_err();
    let took = start.elapsed();
    assert_eq!(fault_of(&err), Some(WasmFault::Timeout), "{err}");
    assert_eq!(err.kind(), ErrorKind::Timeout);
    // the epoch advances once per TICK, independently of the call: the
    // deadline can fall up to one tick before 200 ms from the call's start
    assert!(
        took + mosaic_wasm::TICK >= Duration::from_millis(200),
        "stopped early: {took:?}"
    );
    // contained, not merely abandoned: the call returned
    assert!(took < Duration::from_secs(10), "{took:?}");
    eprintln!("runaway loop stopped after {took:?} (deadline 200ms)");
    assert_eq!(sb.discarded(), 1);
    // the next call gets a fresh instance and works
    assert_eq!(sb.call("test.echo", b"1".to_vec()).await.unwrap(), json!(1));
    assert_eq!(sb.instantiated(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_hog_traps_out_of_memory() {
    let rt = WasmRuntime::new().unwrap();
    let sb = sandbox(&rt, "hog");
    let err = sb.call("test.hog", b"{}".to_vec()).await.unwrap_err();
    assert_eq!(fault_of(&err), Some(WasmFault::OutOfMemory), "{err}");
    assert_eq!(err.kind(), ErrorKind::QuotaExceeded);
    assert_eq!(sb.discarded(), 1);
    assert_eq!(sb.call("test.echo", b"2".to_vec()).await.unwrap(), json!(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_module_whose_initial_memory_exceeds_the_cap_is_refused() {
    let rt = WasmRuntime::new().unwrap();
    let bytes = guest_with(Opts {
        pages: 128, // 8 MiB > 4 MiB
        ..Opts::default()
    });
    let err = rt.load("big", &bytes, limits()).unwrap_err();
    assert_eq!(fault_of(&err), Some(WasmFault::OutOfMemory), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn trap_and_stack_overflow_are_crashes_and_discard_the_instance() {
    let rt = WasmRuntime::new().unwrap();
    let sb = sandbox(&rt, "crashy");
    let err = sb.call("test.trap", b"{}".to_vec()).await.unwrap_err();
    assert_eq!(fault_of(&err), Some(WasmFault::Crashed), "{err}");
    assert_eq!(err.kind(), ErrorKind::Provider);
    let err = sb.call("test.recurse", b"{}".to_vec()).await.unwrap_err();
    assert_eq!(fault_of(&err), Some(WasmFault::Crashed), "{err}");
    assert!(err.to_string().contains("stack overflow"), "{err}");
    assert_eq!(sb.discarded(), 2);
    assert_eq!(sb.call("test.echo", b"3".to_vec()).await.unwrap(), json!(3));
}

#[tokio::test(flavor = "multi_thread")]
async fn huge_output_and_input_are_refused_by_size() {
    let rt = WasmRuntime::new().unwrap();
    let sb = sandbox(&rt, "big-talker");
    let err = sb.call("test.huge", b"{}".to_vec()).await.unwrap_err();
    assert_eq!(fault_of(&err), Some(WasmFault::TooLarge), "{err}");
    let big = vec![b' '; limits().max_input_bytes + 1];
    let err = sb.call("test.echo", big).await.unwrap_err();
    assert_eq!(fault_of(&err), Some(WasmFault::TooLarge), "{err}");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    // no trap, so no instance was thrown away
    assert_eq!(sb.discarded(), 0);
    assert_eq!(sb.call("test.echo", b"4".to_vec()).await.unwrap(), json!(4));
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_json_output_is_an_abi_violation() {
    let rt = WasmRuntime::new().unwrap();
    let sb = sandbox(&rt, "garbled");
    let err = sb.call("test.invalid", b"{}".to_vec()).await.unwrap_err();
    assert_eq!(fault_of(&err), Some(WasmFault::AbiViolation), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn guest_error_envelopes_become_typed_errors() {
    let rt = WasmRuntime::new().unwrap();
    let sb = sandbox(&rt, "honest");
    // echo of an `err` envelope body: the guest answers {"ok": {...}}, so
    // send the error through the raw path instead
    let raw = sb
        .call_raw(
            "test.echo",
            br#"{"err":{"kind":"not_found","message":"no such repo","retryable":false}}"#.to_vec(),
        )
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(v["ok"]["err"]["kind"], "not_found");
    let env: mosaic_wasm::abi::Envelope<serde_json::Value> =
        serde_json::from_value(v["ok"].clone()).unwrap();
    let mosaic_wasm::abi::Envelope::Err(e) = env else {
        panic!("an error envelope")
    };
    let err = e.into_error("honest");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(fault_of(&err), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_abi_version_is_refused_at_load() {
    let rt = WasmRuntime::new().unwrap();
    let bytes = guest_with(Opts {
        abi: 2,
        ..Opts::default()
    });
    let err = rt.load("future", &bytes, limits()).unwrap_err();
    assert_eq!(fault_of(&err), Some(WasmFault::AbiViolation), "{err}");
    assert!(err.to_string().contains("ABI version 2"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_module_importing_wasi_is_refused_at_load() {
    let rt = WasmRuntime::new().unwrap();
    let bytes = guest_with(Opts {
        extra_imports: r#"(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))"#,
        ..Opts::default()
    });
    let err = rt.load("wasi", &bytes, limits()).unwrap_err();
    assert_eq!(fault_of(&err), Some(WasmFault::AbiViolation), "{err}");
    assert!(
        err.to_string().contains("wasi_snapshot_preview1::fd_write"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn describing_an_operation_without_its_export_is_refused() {
    let rt = WasmRuntime::new().unwrap();
    let bytes = guest_with(Opts {
        describe: r#"{"abi":1,"operations":["git.branch.list"]}"#,
        ..Opts::default()
    });
    let err = rt.load("liar", &bytes, limits()).unwrap_err();
    assert_eq!(fault_of(&err), Some(WasmFault::AbiViolation), "{err}");
    assert!(err.to_string().contains("op_git_branch_list"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn config_get_returns_only_what_the_host_passed() {
    let rt = WasmRuntime::new().unwrap();
    let module = rt.load("cfg", &default_guest(), limits()).unwrap();
    let env =
        HostEnv::new("cfg").with_config(BTreeMap::from([("owner".to_owned(), json!("acme"))]));
    let sb = Sandbox::new(module, env, limits());
    assert_eq!(
        sb.call("test.config", b"owner".to_vec()).await.unwrap(),
        json!("acme")
    );
    assert_eq!(
        sb.call("test.config", b"token".to_vec()).await.unwrap(),
        json!(null)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_operation_is_unsupported() {
    let rt = WasmRuntime::new().unwrap();
    let sb = sandbox(&rt, "small");
    let err = sb
        .call("git.branch.list", b"{}".to_vec())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert_eq!(fault_of(&err), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_plugins_do_not_disturb_others() {
    let rt = WasmRuntime::new().unwrap();
    let bad = sandbox(&rt, "bad");
    let good = sandbox(&rt, "good");
    let loops = {
        let bad = bad.clone();
        tokio::spawn(async move {
            let mut faults = Vec::new();
            for op in [
                "test.loop",
                "test.hog",
                "test.trap",
                "test.recurse",
                "test.loop",
            ] {
                faults.push(fault_of(&bad.call(op, b"{}".to_vec()).await.unwrap_err()));
            }
            faults
        })
    };
    for i in 0..50 {
        assert_eq!(
            good.call("test.echo", format!("{i}").into_bytes())
                .await
                .unwrap(),
            json!(i)
        );
    }
    let faults = loops.await.unwrap();
    assert_eq!(
        faults,
        vec![
            Some(WasmFault::Timeout),
            Some(WasmFault::OutOfMemory),
            Some(WasmFault::Crashed),
            Some(WasmFault::Crashed),
            Some(WasmFault::Timeout)
        ]
    );
    assert_eq!(good.discarded(), 0);
    assert_eq!(bad.discarded(), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_calls_are_bounded_by_the_instance_limit() {
    let rt = WasmRuntime::new().unwrap();
    let sb = sandbox(&rt, "busy");
    let calls: Vec<_> = (0..16)
        .map(|i| {
            let sb = sb.clone();
            tokio::spawn(async move { sb.call("test.echo", format!("{i}").into_bytes()).await })
        })
        .collect();
    for (i, c) in calls.into_iter().enumerate() {
        assert_eq!(c.await.unwrap().unwrap(), json!(i));
    }
    assert!(sb.instantiated() <= 2, "{}", sb.instantiated());
}
