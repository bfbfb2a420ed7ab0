//! Hot swap: under load, rollback on every kind of failure, version
//! upgrades with state migration, draining.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use common::{Probe, manifest, test_factory, with_deps};
use mosaic_core::ErrorKind;
use mosaic_core::git::{GitProvider, RepoRef};
use mosaic_plugin_sdk::{EventKind, PluginHost, PluginState, SwapOptions};
use semver::Version;
use serde_json::json;

fn repo(name: &str) -> RepoRef {
    RepoRef::new("o", name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hot_swap_under_load_drops_no_call_and_disposes_every_old_instance() {
    const CALLERS: usize = 8;
    const SWAPS: usize = 100;
    let host = PluginHost::new();
    let probe = Arc::new(Probe::default());
    host.register(test_factory(manifest("forge", "1.0.0"), probe.clone()))
        .unwrap();
    host.configure("forge", json!({"label": "gen-0"}))
        .await
        .unwrap();
    let handle = host.start("forge").await.unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicU64::new(0));
    let mut callers = Vec::new();
    for t in 0..CALLERS {
        let (handle, stop, ok) = (handle.clone(), stop.clone(), ok.clone());
        callers.push(tokio::spawn(async move {
            let mut failures = Vec::new();
            let mut last_gen = 0usize;
            while !stop.load(Ordering::Relaxed) {
                match handle.get_repository(repo(&format!("r{t}"))).await {
                    Ok(r) => {
                        ok.fetch_add(1, Ordering::Relaxed);
                        // labels only move forward, per caller
                        let g: usize = r.full_name.split('/').next().unwrap()["gen-".len()..]
                            .parse()
                            .unwrap();
                        assert!(g >= last_gen, "went back from gen {last_gen} to {g}");
                        last_gen = g;
                    }
                    Err(e) => failures.push(e),
                }
            }
            failures
        }));
    }
    let mut events = host.subscribe();
    for i in 1..=SWAPS {
        let report = host
            .swap(
                "forge",
                SwapOptions::new().config(json!({"label": format!("gen-{i}")})),
            )
            .await
            .unwrap();
        assert!(report.drained, "swap {i} did not drain");
        assert!(report.retired_cleanly);
        assert_eq!(report.generation, i as u64 + 1);
        // let the callers make progress on the new instance between swaps
        let before = ok.load(Ordering::Relaxed);
        while ok.load(Ordering::Relaxed) < before + CALLERS as u64 {
            tokio::task::yield_now().await;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let mut failures = Vec::new();
    for c in callers {
        failures.extend(c.await.unwrap());
    }
    assert!(
        failures.is_empty(),
        "{} calls failed, first: {:?}",
        failures.len(),
        failures.first()
    );
    assert!(ok.load(Ordering::Relaxed) >= (SWAPS * CALLERS) as u64);
    assert_eq!(probe.get(&probe.created), SWAPS + 1);
    assert_eq!(
        probe.get(&probe.disposed),
        SWAPS,
        "every old instance disposed"
    );
    assert_eq!(probe.get(&probe.stopped), SWAPS);
    assert_eq!(handle.state(), PluginState::Running);
    assert_eq!(handle.generation(), Some(SWAPS as u64 + 1));
    assert_eq!(
        handle.get_repository(repo("z")).await.unwrap().full_name,
        format!("gen-{SWAPS}/z")
    );
    let mut swapped = 0;
    let mut retired = 0;
    while let Ok(ev) = events.try_recv() {
        match ev.kind {
            EventKind::Swapped { .. } => swapped += 1,
            EventKind::Retired { drained, .. } => {
                assert!(drained);
                retired += 1
            }
            EventKind::Transition { .. } => panic!("a swap changed the lifecycle state: {ev:?}"),
            _ => {}
        }
    }
    assert_eq!((swapped, retired), (SWAPS, SWAPS));
}

#[tokio::test(start_paused = true)]
async fn every_failure_of_the_new_instance_rolls_back() {
    let host = PluginHost::builder()
        .hook_timeout(Duration::from_secs(3))
        .build();
    let probe = Arc::new(Probe::default());
    host.register(test_factory(manifest("forge", "1.0.0"), probe.clone()))
        .unwrap();
    host.configure("forge", json!({"label": "old"}))
        .await
        .unwrap();
    let handle = host.start("forge").await.unwrap();
    let cases = [
        (json!({"label": 42}), ErrorKind::Config, "/label"),
        (
            json!({"failIn": "initialize"}),
            ErrorKind::Unavailable,
            "told to fail in initialize",
        ),
        (
            json!({"panicIn": "initialize"}),
            ErrorKind::Internal,
            "panicked in `initialize`",
        ),
        (
            json!({"failIn": "start"}),
            ErrorKind::Unavailable,
            "did not start",
        ),
        (
            json!({"panicIn": "start"}),
            ErrorKind::Internal,
            "panicked in `start`",
        ),
        (
            json!({"hangIn": "start"}),
            ErrorKind::Timeout,
            "`start` did not finish within 3s",
        ),
        (
            json!({"unhealthy": true}),
            ErrorKind::Unavailable,
            "unhealthy",
        ),
        (
            json!({"hangIn": "health"}),
            ErrorKind::Timeout,
            "`health` did not finish",
        ),
    ];
    for (config, kind, needle) in cases {
        let mut rx = host.subscribe();
        let created = probe.get(&probe.created);
        let disposed = probe.get(&probe.disposed);
        let e = host
            .swap("forge", SwapOptions::new().config(config.clone()))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), kind, "{config}: {e}");
        assert!(e.to_string().contains("rolled back"), "{e}");
        assert!(
            e.to_string().contains(needle) || e.fields().iter().any(|f| f.field == needle),
            "{config}: {e}"
        );
        let rolled_back = std::iter::from_fn(|| rx.try_recv().ok())
            .any(|ev| matches!(ev.kind, EventKind::SwapRolledBack { .. }));
        assert!(rolled_back, "{config}");
        // the old instance serves on, untouched
        assert_eq!(handle.state(), PluginState::Running);
        assert_eq!(handle.generation(), Some(1));
        assert_eq!(
            handle.get_repository(repo("x")).await.unwrap().full_name,
            "old/x"
        );
        // whatever was created was disposed
        let made = probe.get(&probe.created) - created;
        assert_eq!(probe.get(&probe.disposed) - disposed, made, "{config}");
    }
    // the stored configuration did not change: a plain swap keeps "old"
    host.swap("forge", SwapOptions::new()).await.unwrap();
    assert_eq!(
        handle.get_repository(repo("x")).await.unwrap().full_name,
        "old/x"
    );
}

#[tokio::test]
async fn upgrades_migrate_state_and_downgrades_need_force() {
    let host = PluginHost::new();
    let probe = Arc::new(Probe::default());
    for v in ["1.0.0", "2.0.0", "3.0.0"] {
        host.register(test_factory(manifest("forge", v), probe.clone()))
            .unwrap();
    }
    let handle = host
        .load_version("forge", &Version::new(1, 0, 0))
        .await
        .unwrap();
    host.start("forge").await.unwrap();
    assert_eq!(
        handle
            .get_repository(repo("x"))
            .await
            .unwrap()
            .description
            .as_deref(),
        Some("1.0.0")
    );

    let report = host
        .swap("forge", SwapOptions::new().version(Version::new(2, 0, 0)))
        .await
        .unwrap();
    assert_eq!(
        (report.from.to_string(), report.to.to_string()),
        ("1.0.0".into(), "2.0.0".into())
    );
    assert_eq!(
        handle
            .get_repository(repo("x"))
            .await
            .unwrap()
            .description
            .as_deref(),
        Some("2.0.0")
    );
    assert_eq!(
        *probe.migrations.lock(),
        [(Version::new(1, 0, 0), Version::new(2, 0, 0))]
    );
    assert_eq!(host.info("forge").unwrap().version, Version::new(2, 0, 0));

    // a failing migration restores the state it changed
    let e = host
        .swap(
            "forge",
            SwapOptions::new()
                .version(Version::new(3, 0, 0))
                .config(json!({"failIn": "migrate_state"})),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("rolled back"), "{e}");
    assert_eq!(handle.version(), Some(Version::new(2, 0, 0)));
    // (the probe's plugin wrote "3.0.0" before failing; the rollback undid it)
    let swapped_back = host.swap("forge", SwapOptions::new()).await.unwrap();
    assert_eq!(swapped_back.to, Version::new(2, 0, 0));

    let e = host
        .swap("forge", SwapOptions::new().version(Version::new(1, 0, 0)))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    assert!(
        e.to_string()
            .contains("refusing to downgrade plugin `forge` from 2.0.0 to 1.0.0"),
        "{e}"
    );
    host.swap(
        "forge",
        SwapOptions::new()
            .version(Version::new(1, 0, 0))
            .force(true),
    )
    .await
    .unwrap();
    assert_eq!(handle.version(), Some(Version::new(1, 0, 0)));
    assert_eq!(
        probe.migrations.lock().last().cloned(),
        Some((Version::new(2, 0, 0), Version::new(1, 0, 0)))
    );
    let e = host
        .swap("forge", SwapOptions::new().version(Version::new(9, 0, 0)))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn state_written_by_a_failed_migration_is_restored() {
    let dir = tempfile::tempdir().unwrap();
    let host = PluginHost::builder().state_dir(dir.path()).build();
    for v in ["1.0.0", "2.0.0"] {
        host.register(test_factory(manifest("forge", v), Arc::default()))
            .unwrap();
    }
    host.load_version("forge", &Version::new(1, 0, 0))
        .await
        .unwrap();
    host.start("forge").await.unwrap();
    let read = || -> serde_json::Value {
        std::fs::read(dir.path().join("forge.json"))
            .map(|b| serde_json::from_slice(&b).unwrap())
            .unwrap_or(json!({}))
    };
    assert_eq!(read(), json!({}));
    host.swap(
        "forge",
        SwapOptions::new()
            .version(Version::new(2, 0, 0))
            .config(json!({"failIn": "migrate_state"})),
    )
    .await
    .unwrap_err();
    assert_eq!(read(), json!({}), "the migration's write was undone");
    host.swap("forge", SwapOptions::new().version(Version::new(2, 0, 0)))
        .await
        .unwrap();
    assert_eq!(read(), json!({"schema": "2.0.0"}));
}

#[tokio::test(start_paused = true)]
async fn the_old_instance_drains_before_it_is_disposed() {
    let host = PluginHost::builder()
        .drain_timeout(Duration::from_secs(10))
        .build();
    let probe = Arc::new(Probe::default());
    host.register(test_factory(manifest("forge", "1.0.0"), probe.clone()))
        .unwrap();
    let handle = host.start("forge").await.unwrap();

    // a call that takes one second is in flight during the swap
    let h = handle.clone();
    let call = tokio::spawn(async move { h.get_repository(repo("sleepy")).await });
    tokio::task::yield_now().await;
    assert_eq!(handle.in_flight(), 1);
    let report = host.swap("forge", SwapOptions::new()).await.unwrap();
    assert!(report.drained);
    assert_eq!(
        report.drain,
        Duration::from_secs(1),
        "waited exactly for the call"
    );
    assert_eq!(
        report.prepare,
        Duration::ZERO,
        "preparing took no (paused) time"
    );
    let r = call.await.unwrap().unwrap();
    assert_eq!(
        r.full_name, "v/sleepy",
        "the call finished on the old instance"
    );
    assert_eq!(probe.get(&probe.disposed), 1);

    // a call that never ends bounds the drain by the deadline
    let h = handle.clone();
    let stuck = tokio::spawn(async move { h.get_repository(repo("slow")).await });
    tokio::task::yield_now().await;
    let report = host.swap("forge", SwapOptions::new()).await.unwrap();
    assert!(!report.drained);
    assert_eq!(report.drain, Duration::from_secs(10));
    assert_eq!(
        probe.get(&probe.disposed),
        2,
        "disposed after the deadline anyway"
    );
    stuck.abort();
    assert!(handle.get_repository(repo("x")).await.is_ok());
}

#[tokio::test]
async fn dependents_gate_version_swaps() {
    let host = PluginHost::new();
    host.register(test_factory(manifest("db", "1.0.0"), Arc::default()))
        .unwrap();
    host.register(test_factory(manifest("db", "2.0.0"), Arc::default()))
        .unwrap();
    host.register(test_factory(
        with_deps("app", "1.0.0", &[("db", "^1")]),
        Arc::default(),
    ))
    .unwrap();
    host.load_version("db", &Version::new(1, 0, 0))
        .await
        .unwrap();
    let report = host.start_all().await.unwrap();
    assert_eq!(report.started, ["db", "app"]);
    let e = host
        .swap("db", SwapOptions::new().version(Version::new(2, 0, 0)))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    assert!(e.to_string().contains("`app` requires db ^1"), "{e}");
    host.swap("db", SwapOptions::new()).await.unwrap();
}
