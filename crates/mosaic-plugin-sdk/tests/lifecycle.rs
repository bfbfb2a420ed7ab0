//! Host lifecycle: load/start/stop/unload, events, fault containment,
//! dependency order, discovery, search and trust at registration.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Probe, manifest, manifest_json, test_factory, with_deps};
use mosaic_core::git::{GitProvider, RepoRef};
use mosaic_core::{ErrorKind, Family};
use mosaic_plugin_sdk::trust::{Origin, set_content_hash, sign_manifest};
use mosaic_plugin_sdk::{
    EventKind, HealthStatus, PluginEvent, PluginHost, PluginManifest, PluginQuery, PluginState,
    TrustLevel, TrustStore,
};
use serde_json::json;
use tokio::sync::broadcast;

fn transitions(
    rx: &mut broadcast::Receiver<PluginEvent>,
    plugin: &str,
) -> Vec<(PluginState, PluginState)> {
    let mut out = Vec::new();
    while let Ok(ev) = rx.try_recv() {
        if ev.plugin == plugin
            && let Some(t) = ev.transition()
        {
            out.push(t);
        }
    }
    out
}

fn repo(name: &str) -> RepoRef {
    RepoRef::new("o", name)
}

#[tokio::test]
async fn full_lifecycle_with_events() {
    use PluginState::*;
    let host = PluginHost::new();
    let mut rx = host.subscribe();
    let probe = Arc::new(Probe::default());
    host.register(test_factory(manifest("forge", "1.0.0"), probe.clone()))
        .unwrap();
    assert_eq!(host.state("forge").unwrap(), Discovered);

    let handle = host.handle("forge").unwrap();
    let e = handle.get_repository(repo("x")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "not serving before start");

    host.configure("forge", json!({"label": "acme"}))
        .await
        .unwrap();
    host.start("forge").await.unwrap();
    assert_eq!(handle.state(), Running);
    assert_eq!(
        handle.get_repository(repo("x")).await.unwrap().full_name,
        "acme/x"
    );
    assert_eq!(handle.families(), [Family::Git]);
    assert!(handle.capabilities().supports_name("git.repository.get"));
    assert_eq!(handle.version().unwrap().to_string(), "1.0.0");

    host.stop("forge").await.unwrap();
    assert_eq!(
        handle.get_repository(repo("x")).await.unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    host.start("forge").await.unwrap();
    assert!(
        handle.get_repository(repo("x")).await.is_ok(),
        "a stopped plugin starts again"
    );
    host.unload("forge").await.unwrap();
    assert_eq!(probe.get(&probe.disposed), 1);
    assert_eq!(
        handle.get_repository(repo("x")).await.unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    host.start("forge").await.unwrap();
    assert_eq!(
        handle.get_repository(repo("y")).await.unwrap().full_name,
        "acme/y",
        "reloads with its config"
    );

    assert_eq!(
        transitions(&mut rx, "forge"),
        [
            (Discovered, Loading),
            (Loading, Loaded),
            (Loaded, Starting),
            (Starting, Running),
            (Running, Stopping),
            (Stopping, Stopped),
            (Stopped, Starting),
            (Starting, Running),
            (Running, Stopping),
            (Stopping, Stopped),
            (Stopped, Unloading),
            (Unloading, Unloaded),
            (Unloaded, Loading),
            (Loading, Loaded),
            (Loaded, Starting),
            (Starting, Running),
        ]
    );
    assert_eq!(probe.get(&probe.created), 2);
}

#[tokio::test]
async fn configuration_is_validated_when_set() {
    let host = PluginHost::new();
    host.register(test_factory(manifest("forge", "1.0.0"), Arc::default()))
        .unwrap();
    let e = host
        .configure("forge", json!({"label": 5, "unhealthy": "no"}))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    let fields: Vec<&str> = e.fields().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["/label", "/unhealthy"]);
    assert_eq!(
        host.configure("nope", json!({})).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test]
async fn a_panicking_start_fails_only_that_plugin() {
    let host = PluginHost::new();
    let (good, bad) = (Arc::new(Probe::default()), Arc::new(Probe::default()));
    host.register(test_factory(manifest("good", "1.0.0"), good.clone()))
        .unwrap();
    host.register(test_factory(manifest("bad", "1.0.0"), bad.clone()))
        .unwrap();
    host.configure("bad", json!({"panicIn": "start"}))
        .await
        .unwrap();
    let report = host.start_all().await.unwrap();
    assert_eq!(report.started, ["good"]);
    assert_eq!(report.failed.len(), 1);
    let (id, err) = &report.failed[0];
    assert_eq!(id, "bad");
    assert_eq!(err.kind(), ErrorKind::Internal);
    assert!(err.to_string().contains("panicked in `start`"), "{err}");
    assert_eq!(host.state("bad").unwrap(), PluginState::Failed);
    assert_eq!(host.state("good").unwrap(), PluginState::Running);
    let g = host.handle("good").unwrap();
    assert!(g.get_repository(repo("still")).await.is_ok());
    // a failed plugin can be unloaded (its instance is disposed) ...
    host.unload("bad").await.unwrap();
    assert_eq!(host.state("bad").unwrap(), PluginState::Unloaded);
    assert_eq!(bad.get(&bad.disposed), 1);
    // ... and, fixed, loaded again
    host.configure("bad", json!({})).await.unwrap();
    host.start("bad").await.unwrap();
    assert_eq!(host.state("bad").unwrap(), PluginState::Running);
}

#[tokio::test(start_paused = true)]
async fn a_hanging_hook_times_out_and_fails_the_plugin() {
    let host = PluginHost::builder()
        .hook_timeout(Duration::from_secs(5))
        .build();
    let probe = Arc::new(Probe::default());
    host.register(test_factory(manifest("hang", "1.0.0"), probe.clone()))
        .unwrap();
    host.register(test_factory(manifest("other", "1.0.0"), Arc::default()))
        .unwrap();
    host.configure("hang", json!({"hangIn": "initialize"}))
        .await
        .unwrap();
    let t0 = tokio::time::Instant::now();
    let e = host.load("hang").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(
        e.to_string()
            .contains("`initialize` did not finish within 5s"),
        "{e}"
    );
    assert_eq!(t0.elapsed(), Duration::from_secs(5));
    assert_eq!(host.state("hang").unwrap(), PluginState::Failed);
    assert_eq!(
        probe.get(&probe.disposed),
        1,
        "the half-built instance is disposed"
    );
    host.start("other").await.unwrap();

    // a hook timeout in the manifest overrides the host's
    let mut v = manifest_json("quick", "1.0.0");
    v["limits"] = json!({"hookTimeoutMs": 100});
    host.register(test_factory(
        PluginManifest::from_value(&v).unwrap(),
        Arc::default(),
    ))
    .unwrap();
    host.configure("quick", json!({"hangIn": "start"}))
        .await
        .unwrap();
    let t0 = tokio::time::Instant::now();
    assert_eq!(
        host.start("quick").await.unwrap_err().kind(),
        ErrorKind::Timeout
    );
    assert_eq!(t0.elapsed(), Duration::from_millis(100));
}

#[tokio::test]
async fn a_panicking_call_fails_only_that_plugin() {
    let host = PluginHost::new();
    host.register(test_factory(manifest("a", "1.0.0"), Arc::default()))
        .unwrap();
    host.register(test_factory(manifest("b", "1.0.0"), Arc::default()))
        .unwrap();
    let a = host.start("a").await.unwrap();
    let b = host.start("b").await.unwrap();
    let mut rx = host.subscribe();
    let e = a.get_repository(repo("boom")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Internal);
    assert!(e.to_string().contains("provider exploded"), "{e}");
    assert_eq!(a.state(), PluginState::Failed);
    let t = transitions(&mut rx, "a");
    assert_eq!(t, [(PluginState::Running, PluginState::Failed)]);
    assert_eq!(
        a.get_repository(repo("x")).await.unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    assert!(b.get_repository(repo("x")).await.is_ok());
}

#[tokio::test(start_paused = true)]
async fn call_timeout_and_concurrency_limits() {
    let mut v = manifest_json("limited", "1.0.0");
    v["limits"] = json!({"callTimeoutMs": 2000, "maxConcurrency": 1});
    let host = PluginHost::new();
    host.register(test_factory(
        PluginManifest::from_value(&v).unwrap(),
        Arc::default(),
    ))
    .unwrap();
    let h = host.start("limited").await.unwrap();
    let e = h.get_repository(repo("slow")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(e.to_string().contains("get_repository"), "{e}");
    assert_eq!(
        h.state(),
        PluginState::Running,
        "a slow call is not a plugin failure"
    );
    // with one slot, a second call waits for the first
    let h2 = h.clone();
    let first = tokio::spawn(async move { h2.get_repository(repo("sleepy")).await });
    tokio::task::yield_now().await;
    let t0 = tokio::time::Instant::now();
    assert!(h.get_repository(repo("quick")).await.is_ok());
    assert!(
        t0.elapsed() >= Duration::from_secs(1),
        "waited for the slot"
    );
    assert!(first.await.unwrap().is_ok());
}

#[tokio::test]
async fn health_checks() {
    let host = PluginHost::new();
    host.register(test_factory(manifest("h", "1.0.0"), Arc::default()))
        .unwrap();
    host.start("h").await.unwrap();
    let mut rx = host.subscribe();
    assert_eq!(host.health("h").await.unwrap(), HealthStatus::Healthy);
    let ev = rx.recv().await.unwrap();
    assert_eq!(
        ev.kind,
        EventKind::Health {
            status: HealthStatus::Healthy
        }
    );

    host.configure("h", json!({"unhealthy": true}))
        .await
        .unwrap();
    host.unload("h").await.unwrap();
    host.start("h").await.unwrap();
    assert!(matches!(
        host.health("h").await.unwrap(),
        HealthStatus::Unhealthy(_)
    ));

    host.configure("h", json!({"panicIn": "health"}))
        .await
        .unwrap();
    host.unload("h").await.unwrap();
    host.start("h").await.unwrap();
    assert_eq!(
        host.health("h").await.unwrap_err().kind(),
        ErrorKind::Internal
    );
    assert_eq!(host.state("h").unwrap(), PluginState::Failed);
}

#[tokio::test]
async fn dependencies_start_first_and_stop_last() {
    let host = PluginHost::new();
    host.register(test_factory(
        with_deps("app", "1.0.0", &[("api", "^2")]),
        Arc::default(),
    ))
    .unwrap();
    host.register(test_factory(
        with_deps("api", "2.1.0", &[("db", "1")]),
        Arc::default(),
    ))
    .unwrap();
    host.register(test_factory(with_deps("db", "1.4.0", &[]), Arc::default()))
        .unwrap();
    host.register(test_factory(with_deps("aaa", "1.0.0", &[]), Arc::default()))
        .unwrap();

    // starting alone needs running dependencies
    let e = host.start("api").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(
        e.to_string()
            .contains("dependency `db` is discovered, not running"),
        "{e}"
    );

    let mut rx = host.subscribe();
    let report = host.start_all().await.unwrap();
    assert_eq!(report.started, ["aaa", "db", "api", "app"]);
    let running: Vec<String> = std::iter::from_fn(|| rx.try_recv().ok())
        .filter(|ev| ev.transition().map(|t| t.1) == Some(PluginState::Running))
        .map(|ev| ev.plugin)
        .collect();
    assert_eq!(running, ["aaa", "db", "api", "app"]);

    let e = host.stop("db").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    assert!(e.to_string().contains("api"), "{e}");

    let failed = host.stop_all().await;
    assert!(failed.is_empty(), "{failed:?}");
    let stopped: Vec<String> = std::iter::from_fn(|| rx.try_recv().ok())
        .filter(|ev| ev.transition().map(|t| t.1) == Some(PluginState::Stopped))
        .map(|ev| ev.plugin)
        .collect();
    assert_eq!(stopped, ["app", "api", "db", "aaa"]);
}

#[tokio::test]
async fn dependency_problems_are_reported_before_anything_starts() {
    let host = PluginHost::new();
    let probe = Arc::new(Probe::default());
    let plugins = [
        with_deps("x", "1.0.0", &[("y", "*")]),
        with_deps("y", "1.0.0", &[("x", "*")]),
        with_deps("needs-ghost", "1.0.0", &[("ghost", "*")]),
        with_deps("old", "1.0.0", &[]),
        with_deps("needs-new", "1.0.0", &[("old", ">=2")]),
        with_deps("fine", "1.0.0", &[]),
    ];
    for m in plugins {
        host.register(test_factory(m, probe.clone())).unwrap();
    }
    let e = host.start_all().await.unwrap_err();
    let text = e.to_string();
    for needle in [
        "x → y → x",
        "`ghost`",
        "missing",
        "needs `old` >=2, but version 1.0.0 is present",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    assert_eq!(e.fields().len(), 3, "{e}");
    assert_eq!(probe.get(&probe.created), 0, "nothing was even created");
    assert!(
        host.plugins()
            .iter()
            .all(|p| p.state == PluginState::Discovered)
    );
}

#[tokio::test]
async fn trust_is_checked_at_registration() {
    let host = PluginHost::builder()
        .trust(TrustStore::new().quarantine("evil"))
        .build();
    let e = host
        .register(test_factory(manifest("evil", "1.0.0"), Arc::default()))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    assert!(
        e.to_string()
            .contains("plugin `evil@1.0.0` refused: it is quarantined"),
        "{e}"
    );
    assert!(host.plugins().is_empty());

    // badly signed
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let mut m = manifest("signed", "1.0.0");
    sign_manifest(&mut m, "k", &key);
    m.description = Some("changed after signing".into());
    let host = PluginHost::builder()
        .trust(TrustStore::new().trust_key("k", key.verifying_key(), TrustLevel::Verified))
        .build();
    let e = host.register(test_factory(m, Arc::default())).unwrap_err();
    assert!(e.to_string().contains("bad signature"), "{e}");

    // engine range
    let mut v = manifest_json("future", "1.0.0");
    v["engines"]["mosaic"] = json!(">=5");
    let e = host
        .register(test_factory(
            PluginManifest::from_value(&v).unwrap(),
            Arc::default(),
        ))
        .unwrap_err();
    assert_eq!(e.field(), Some("/engines/mosaic"));

    // twice
    host.register(test_factory(manifest("once", "1.0.0"), Arc::default()))
        .unwrap();
    let e = host
        .register(test_factory(manifest("once", "1.0.0"), Arc::default()))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
}

#[tokio::test]
async fn discovery_binds_manifests_to_implementations_and_search_finds_them() {
    let key = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let dir = tempfile::tempdir().unwrap();
    // a signed, hashed manifest for the built-in `forge` 1.0.0 that narrows its description
    let forge_dir = dir.path().join("forge");
    std::fs::create_dir(&forge_dir).unwrap();
    std::fs::write(forge_dir.join("README.md"), "the forge plugin").unwrap();
    let mut m = manifest("forge", "1.0.0");
    m.description = Some("Operator-approved forge".into());
    let content = mosaic_plugin_sdk::trust::directory_content(&forge_dir).unwrap();
    set_content_hash(&mut m, &content);
    sign_manifest(&mut m, "ops", &key);
    std::fs::write(
        forge_dir.join("plugin.json"),
        serde_json::to_string_pretty(&m.to_value()).unwrap(),
    )
    .unwrap();
    // a manifest with no implementation in this binary
    let wiki_dir = dir.path().join("wiki");
    std::fs::create_dir(&wiki_dir).unwrap();
    let mut wiki = manifest_json("wiki", "0.2.0");
    wiki["families"] = json!(["kb"]);
    wiki["capabilities"] = json!({"kb": ["kb.search"]});
    wiki["provider"] = json!("wikijs");
    let mut wiki = PluginManifest::from_value(&wiki).unwrap();
    sign_manifest(&mut wiki, "ops", &key);
    std::fs::write(
        wiki_dir.join("plugin.json"),
        serde_json::to_string(&wiki.to_value()).unwrap(),
    )
    .unwrap();
    // a broken one and an unsigned one
    let broken_dir = dir.path().join("broken");
    std::fs::create_dir(&broken_dir).unwrap();
    std::fs::write(
        broken_dir.join("plugin.json"),
        r#"{"id": "broken", "version": "x"}"#,
    )
    .unwrap();
    let unsigned_dir = dir.path().join("unsigned");
    std::fs::create_dir(&unsigned_dir).unwrap();
    std::fs::write(
        unsigned_dir.join("plugin.json"),
        serde_json::to_string(&manifest_json("unsigned", "1.0.0")).unwrap(),
    )
    .unwrap();

    let host = PluginHost::builder()
        .trust(TrustStore::new().trust_key("ops", key.verifying_key(), TrustLevel::Verified))
        .build();
    let probe = Arc::new(Probe::default());
    host.register(test_factory(manifest("forge", "1.0.0"), probe.clone()))
        .unwrap();
    let report = host.discover(dir.path()).unwrap();
    assert_eq!(report.registered, ["forge@1.0.0", "wiki@0.2.0"]);
    let errors: Vec<String> = report
        .errors
        .iter()
        .map(|(p, e)| {
            format!(
                "{}: {e}",
                p.parent().unwrap().file_name().unwrap().to_string_lossy()
            )
        })
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].starts_with("broken: invalid plugin manifest") && errors[0].contains("/version"),
        "{errors:?}"
    );
    assert!(
        errors[1].starts_with("unsigned:") && errors[1].contains("untrusted"),
        "{errors:?}"
    );

    let forge = host.info("forge").unwrap();
    assert_eq!(forge.trust, TrustLevel::Verified);
    assert_eq!(forge.signed_by.as_deref(), Some("ops"));
    assert_eq!(forge.origin, Origin::Discovered);
    assert!(forge.loadable);
    assert_eq!(
        forge.manifest.description.as_deref(),
        Some("Operator-approved forge")
    );
    let wiki = host.info("wiki").unwrap();
    assert!(!wiki.loadable);
    let e = host.load("wiki").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(
        e.to_string()
            .contains("no statically linked implementation"),
        "{e}"
    );
    host.start("forge").await.unwrap();
    assert_eq!(probe.get(&probe.started), 1);

    let ids = |q: PluginQuery| {
        host.search(&q)
            .into_iter()
            .map(|i| i.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(PluginQuery::new()), ["forge", "wiki"]);
    assert_eq!(
        ids(PluginQuery::new().family(Family::KnowledgeBase)),
        ["wiki"]
    );
    assert_eq!(
        ids(PluginQuery::new().capability("git.repository.get")),
        ["forge"]
    );
    assert!(ids(PluginQuery::new().capability("git.repository.create")).is_empty());
    assert_eq!(ids(PluginQuery::new().provider("WikiJS")), ["wiki"]);
    assert_eq!(ids(PluginQuery::new().text("operator-APPROVED")), ["forge"]);
    assert_eq!(
        ids(PluginQuery::new().text("fake")),
        ["forge", "wiki"],
        "keywords"
    );
    assert!(ids(PluginQuery::new().family(Family::Git).provider("wikijs")).is_empty());
}

#[tokio::test]
async fn a_changed_plugin_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("schema.json"), "{}").unwrap();
    let mut m = manifest("hashed", "1.0.0");
    set_content_hash(&mut m, b"something else entirely");
    std::fs::write(
        dir.path().join("plugin.json"),
        serde_json::to_string(&m.to_value()).unwrap(),
    )
    .unwrap();
    let host = PluginHost::builder()
        .trust(TrustStore::new().unsigned(Origin::Discovered, TrustLevel::Community))
        .build();
    let report = host.discover(dir.path()).unwrap();
    assert!(report.registered.is_empty());
    assert!(
        report.errors[0]
            .1
            .to_string()
            .contains("content hash mismatch"),
        "{:?}",
        report.errors
    );
}

#[tokio::test]
async fn state_survives_unload_and_lives_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let host = PluginHost::builder().state_dir(dir.path()).build();
    host.register(test_factory(manifest("stateful", "1.0.0"), Arc::default()))
        .unwrap();
    host.register(test_factory(manifest("stateful", "2.0.0"), Arc::default()))
        .unwrap();
    host.load_version("stateful", &semver::Version::new(1, 0, 0))
        .await
        .unwrap();
    host.start("stateful").await.unwrap();
    host.swap(
        "stateful",
        mosaic_plugin_sdk::SwapOptions::new().version(semver::Version::new(2, 0, 0)),
    )
    .await
    .unwrap();
    let on_disk: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("stateful.json")).unwrap()).unwrap();
    assert_eq!(on_disk["schema"], "2.0.0");
    host.unload("stateful").await.unwrap();
    // a new host on the same directory sees it
    let host2 = PluginHost::builder().state_dir(dir.path()).build();
    host2
        .register(test_factory(manifest("stateful", "2.0.0"), Arc::default()))
        .unwrap();
    host2.start("stateful").await.unwrap();
    let store = mosaic_plugin_sdk::StateStore::file(dir.path().join("stateful.json")).unwrap();
    assert_eq!(store.get("schema"), Some(json!("2.0.0")));
}

#[tokio::test]
async fn invalid_operations_are_errors_not_no_ops() {
    let host = PluginHost::new();
    host.register(test_factory(manifest("p", "1.0.0"), Arc::default()))
        .unwrap();
    let e = host
        .swap("p", mosaic_plugin_sdk::SwapOptions::new())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    assert!(
        e.to_string()
            .contains("only a running plugin can be hot swapped"),
        "{e}"
    );
    assert_eq!(
        host.stop("p").await.unwrap_err().kind(),
        ErrorKind::Conflict
    );
    assert_eq!(
        host.state("missing").unwrap_err().kind(),
        ErrorKind::NotFound
    );
    host.unload("p").await.unwrap();
    assert_eq!(host.state("p").unwrap(), PluginState::Unloaded);
}
