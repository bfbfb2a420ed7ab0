//! Packages: signing, installing through the plugin host, trust, hot swap.

#[allow(dead_code)]
mod guests;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use ed25519_dalek::SigningKey;
use mosaic_core::ErrorKind;
use mosaic_core::git::{GitOp, GitProvider, RepoRef, Repository};
use mosaic_plugin_sdk::{PluginHost, SwapOptions, TrustLevel, TrustStore};
use mosaic_wasm::{WasmLimits, WasmRuntime, abi::Envelope, install, sign_package};

fn key() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32])
}

fn host() -> PluginHost {
    PluginHost::builder()
        .trust(TrustStore::new().trust_key("release", key().verifying_key(), TrustLevel::Verified))
        .build()
}

fn repository(name: &str) -> String {
    let repo = Repository {
        id: "1".into(),
        owner: "acme".into(),
        name: name.into(),
        full_name: format!("acme/{name}"),
        default_branch: "main".into(),
        ..Default::default()
    };
    serde_json::to_string(&Envelope::Ok(repo)).unwrap()
}

/// Write a package for version `version` whose `git.repository.get`
/// answers a repository named `name`.
fn write_package(dir: &Path, version: &str, name: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let repo = repository(name);
    let bytes = guests::guest_with(guests::Opts {
        repository: &repo,
        ..guests::Opts::default()
    });
    std::fs::write(dir.join("plugin.wasm"), bytes).unwrap();
    let manifest = serde_json::json!({
        "id": "wasm-forge",
        "name": "A forge in WebAssembly",
        "version": version,
        "families": ["git"],
        "provider": "wasm-forge",
        "engines": {"mosaic": "*"},
        "capabilities": {"git": ["git.repository.get"]},
        "x-wasm": {"limits": {"memoryBytes": 4194304, "cpuMs": 200, "instances": 2}}
    });
    std::fs::write(dir.join("plugin.json"), manifest.to_string()).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_package_installs_and_serves_like_a_static_plugin() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("forge");
    write_package(&dir, "1.0.0", "tools");
    sign_package(&dir, "release", &key()).unwrap();

    let rt = WasmRuntime::new().unwrap();
    let host = host();
    let report = install(&host, &rt, tmp.path(), WasmLimits::default()).unwrap();
    assert_eq!(
        report.installed,
        vec!["wasm-forge@1.0.0".to_owned()],
        "{report:?}"
    );
    let info = host.info("wasm-forge").unwrap();
    assert_eq!(info.trust, TrustLevel::Verified);
    assert_eq!(info.signed_by.as_deref(), Some("release"));
    // registry search sees it like any plugin
    let found =
        host.search(&mosaic_plugin_sdk::PluginQuery::new().capability("git.repository.get"));
    assert_eq!(found.len(), 1);

    let git = host.start("wasm-forge").await.unwrap();
    let repo = git
        .get_repository(RepoRef::new("acme", "tools"))
        .await
        .unwrap();
    assert_eq!(repo.full_name, "acme/tools");
    assert!(git.capabilities().supports(GitOp::GetRepository));
    // an operation the module does not export
    let err = git
        .list_branches(mosaic_core::git::ListBranches {
            repo: RepoRef::new("acme", "tools"),
            page: Default::default(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
}

#[tokio::test(flavor = "multi_thread")]
async fn unsigned_and_tampered_packages_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let unsigned = tmp.path().join("unsigned");
    write_package(&unsigned, "1.0.0", "a");
    let tampered = tmp.path().join("tampered");
    write_package(&tampered, "2.0.0", "b");
    sign_package(&tampered, "release", &key()).unwrap();
    // swap the module after signing
    let other = guests::guest_with(guests::Opts {
        repository: &repository("evil"),
        ..guests::Opts::default()
    });
    std::fs::write(tampered.join("plugin.wasm"), other).unwrap();

    let rt = WasmRuntime::new().unwrap();
    let host = host();
    let report = install(&host, &rt, tmp.path(), WasmLimits::default()).unwrap();
    assert!(report.installed.is_empty(), "{report:?}");
    assert_eq!(report.errors.len(), 2, "{report:?}");
    for (_, e) in &report.errors {
        assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    }
    assert!(host.start("wasm-forge").await.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_module_version_swaps_in_under_load_without_failed_calls() {
    let tmp = tempfile::tempdir().unwrap();
    let v1 = tmp.path().join("v1");
    write_package(&v1, "1.0.0", "one");
    sign_package(&v1, "release", &key()).unwrap();
    let rt = WasmRuntime::new().unwrap();
    let host = host();
    install(&host, &rt, &v1, WasmLimits::default()).unwrap();
    let git = host.start("wasm-forge").await.unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let (ok, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let saw_two = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (git, stop, ok, failed, saw_two) = (
                git.clone(),
                stop.clone(),
                ok.clone(),
                failed.clone(),
                saw_two.clone(),
            );
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    match git.get_repository(RepoRef::new("acme", "x")).await {
                        Ok(r) => {
                            ok.fetch_add(1, Ordering::Relaxed);
                            if r.name == "two" {
                                saw_two.store(true, Ordering::Relaxed);
                            }
                        }
                        Err(_) => {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    while ok.load(Ordering::Relaxed) < 50 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }

    let v2 = tmp.path().join("v2");
    write_package(&v2, "2.0.0", "two");
    sign_package(&v2, "release", &key()).unwrap();
    let report = install(&host, &rt, &v2, WasmLimits::default()).unwrap();
    assert_eq!(report.installed, vec!["wasm-forge@2.0.0".to_owned()]);
    let swap = host
        .swap(
            "wasm-forge",
            SwapOptions::new().version("2.0.0".parse().unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(swap.to.to_string(), "2.0.0");
    let after = ok.load(Ordering::Relaxed);
    while ok.load(Ordering::Relaxed) < after + 50 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.await.unwrap();
    }
    assert_eq!(failed.load(Ordering::Relaxed), 0);
    assert!(saw_two.load(Ordering::Relaxed));
    assert_eq!(
        git.get_repository(RepoRef::new("acme", "x"))
            .await
            .unwrap()
            .name,
        "two"
    );
}
