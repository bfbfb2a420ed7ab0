//! The hostile C fixtures of `guests/c`, built by `cargo xtask install`
//! (or `cargo xtask wasm-guests`) into `target/wasm-guests/c`: each is
//! contained with a typed error while another plugin keeps serving.

#[allow(dead_code)]
mod guests;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::time::Duration;

use mosaic_core::ErrorKind;
use mosaic_core::git::{GitProvider, RepoRef};
use mosaic_plugin_sdk::{Allowlist, HostPattern, HttpClient};
use mosaic_wasm::{HostEnv, Sandbox, WasmFault, WasmLimits, WasmProvider, WasmRuntime, fault_of};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The fixture's module (see [`guests::built`]).
fn fixture(name: &str) -> Option<Vec<u8>> {
    guests::built(&format!("c/{name}.wasm"))
}

fn limits() -> WasmLimits {
    WasmLimits::default()
        .memory_bytes(16 << 20)
        .cpu(Duration::from_millis(300))
        .max_output_bytes(1 << 20)
}

fn provider(
    rt: &WasmRuntime,
    name: &str,
    env: HostEnv,
    limits: WasmLimits,
) -> Option<WasmProvider> {
    let bytes = fixture(name)?;
    let module = rt.load(name, &bytes, limits).expect("fixture loads");
    Some(WasmProvider::new(Sandbox::new(module, env, limits)))
}

fn repo() -> RepoRef {
    RepoRef::new("acme", "c")
}

/// Call the misbehaving fixture `name` while the good guest keeps
/// answering; the fault it ended with.
async fn contained(name: &str, env: HostEnv, limits: WasmLimits) -> Option<mosaic_core::Error> {
    let rt = WasmRuntime::new().unwrap();
    let bad = provider(&rt, name, env, limits)?;
    let good = provider(&rt, "good", HostEnv::new("good"), self::limits())?;
    let bad_git = bad.git();
    let call = tokio::spawn(async move { bad_git.get_repository(repo()).await });
    for _ in 0..20 {
        let r = good.git().get_repository(repo()).await.unwrap();
        assert_eq!(r.full_name, "acme/c");
    }
    let err = call.await.unwrap().expect_err("the fixture fails");
    // the host is fine: the good plugin still answers afterwards
    assert_eq!(good.git().get_repository(repo()).await.unwrap().name, "c");
    Some(err)
}

#[tokio::test(flavor = "multi_thread")]
async fn good_guest_answers() {
    let rt = WasmRuntime::new().unwrap();
    let Some(good) = provider(&rt, "good", HostEnv::new("good"), limits()) else {
        return;
    };
    assert_eq!(good.git().get_repository(repo()).await.unwrap().id, "7");
}

#[tokio::test(flavor = "multi_thread")]
async fn infinite_loop() {
    let Some(err) = contained("loop", HostEnv::new("loop"), limits()).await else {
        return;
    };
    assert_eq!(fault_of(&err), Some(WasmFault::Timeout), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_hog() {
    let Some(err) = contained("hog", HostEnv::new("hog"), limits()).await else {
        return;
    };
    assert_eq!(fault_of(&err), Some(WasmFault::OutOfMemory), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn stack_overflow() {
    let Some(err) = contained("stack", HostEnv::new("stack"), limits()).await else {
        return;
    };
    assert_eq!(fault_of(&err), Some(WasmFault::Crashed), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn abort() {
    let Some(err) = contained("panic", HostEnv::new("panic"), limits()).await else {
        return;
    };
    assert_eq!(fault_of(&err), Some(WasmFault::Crashed), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn huge_output() {
    // enough memory to build 64 MiB, but only 1 MiB may leave
    let l = limits().memory_bytes(128 << 20);
    let Some(err) = contained("huge", HostEnv::new("huge"), l).await else {
        return;
    };
    assert_eq!(fault_of(&err), Some(WasmFault::TooLarge), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_json() {
    let Some(err) = contained("invalid", HostEnv::new("invalid"), limits()).await else {
        return;
    };
    assert_eq!(fault_of(&err), Some(WasmFault::AbiViolation), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_abi_version_and_wasi_imports_are_refused_at_load() {
    let rt = WasmRuntime::new().unwrap();
    for (name, needle) in [
        ("abi2", "ABI version 2"),
        ("wasi", "wasi_snapshot_preview1"),
    ] {
        let Some(bytes) = fixture(name) else { return };
        let err = rt.load(name, &bytes, limits()).unwrap_err();
        assert_eq!(fault_of(&err), Some(WasmFault::AbiViolation), "{err}");
        assert!(err.to_string().contains(needle), "{err}");
    }
}

/// An environment whose HTTP client may reach only `granted`, and whose
/// `target` configuration value is `target`.
fn http_env(granted: Option<&str>, target: &str) -> HostEnv {
    let mut allow = Allowlist::default();
    if let Some(g) = granted {
        allow.grant([HostPattern::new(g).unwrap()]);
    }
    let client = HttpClient::new("http", allow, "mosaic-test", Some(Duration::from_secs(5)))
        .without_idle_pool();
    HostEnv::new("http")
        .with_http(client)
        .with_config(BTreeMap::from([("target".to_owned(), json!(target))]))
}

fn assert_no_connection(listener: &TcpListener) {
    listener.set_nonblocking(true).unwrap();
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("a connection reached the ungranted host: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn http_to_an_ungranted_host_makes_no_connection() {
    let forbidden = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = format!("http://{}/steal", forbidden.local_addr().unwrap());
    let Some(err) = contained("http", http_env(None, &target), limits()).await else {
        return;
    };
    // the guest got an error envelope it could handle, and passed it on
    assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
    assert_eq!(fault_of(&err), None);
    assert_no_connection(&forbidden);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_to_an_ungranted_host_is_refused() {
    let forbidden = TcpListener::bind("127.0.0.1:0").unwrap();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "location",
            format!("http://{}/steal", forbidden.local_addr().unwrap()),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let granted = format!("http://{}", server.address());
    let env = http_env(Some(&granted), &format!("{}/start", server.uri()));
    let Some(err) = contained("http", env, limits()).await else {
        return;
    };
    assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
    assert!(err.to_string().contains("redirect refused"), "{err}");
    assert_no_connection(&forbidden);
}
