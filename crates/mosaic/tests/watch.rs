//! `Mosaic::watch`: a changed file is reloaded, a bad one is refused and
//! changes nothing, a burst of writes is one reload, and dropping the
//! watcher ends it. File events are real, so each step awaits the
//! watcher's event (with a generous timeout) instead of sleeping.
#![cfg(all(feature = "watch", feature = "testing"))]

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use mosaic::config::{ReloadEvent, WatchOptions};
use mosaic::{ErrorKind, Family, Mosaic};
use tokio::sync::broadcast::{self, error::RecvError};

const A: &str = "[providers.a]\nkind = \"fake-git\"\n";
const AB: &str = "[providers.a]\nkind = \"fake-git\"\n[providers.b]\nkind = \"fake-git\"\n";
const ABC: &str = "[providers.a]\nkind = \"fake-git\"\n[providers.b]\nkind = \"fake-git\"\n[providers.c]\nkind = \"fake-ai\"\n";
const UNKNOWN_KEY: &str = "[providers.a]\nkind = \"fake-git\"\n\n[not_a_table]\nx = 1\n";

/// Long enough for a loaded machine to deliver a file event; only a
/// failing test waits this long.
const PATIENCE: Duration = Duration::from_secs(20);

async fn next(events: &mut broadcast::Receiver<ReloadEvent>) -> ReloadEvent {
    match tokio::time::timeout(PATIENCE, events.recv()).await {
        Ok(Ok(event)) => event,
        Ok(Err(e)) => panic!("the event channel failed: {e}"),
        Err(_) => panic!("no reload event within {PATIENCE:?}"),
    }
}

fn names(mosaic: &Mosaic) -> Vec<String> {
    mosaic.instances().into_keys().collect()
}

/// Write `text` beside `path`, then rename it over `path`, as editors do.
fn replace(path: &Path, text: &str) {
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

#[tokio::test]
async fn changes_are_reloaded_bad_files_refused_and_drop_ends_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mosaic.toml");
    std::fs::write(&path, A).unwrap();
    let mosaic = Mosaic::from_path(&path).unwrap();
    let watcher = mosaic.watch(&path).unwrap();
    assert_eq!(watcher.path(), path);
    let mut events = watcher.subscribe();

    // Written in place.
    std::fs::write(&path, AB).unwrap();
    let event = next(&mut events).await;
    assert!(event.is_reloaded(), "{event:?}");
    assert_eq!(names(&mosaic), ["a", "b"]);

    // Replaced by rename; the temporary file's own events are ignored.
    replace(&path, ABC);
    let event = next(&mut events).await;
    assert!(event.is_reloaded(), "{event:?}");
    assert_eq!(names(&mosaic), ["a", "b", "c"]);
    assert_eq!(mosaic.instances()["c"], Family::Ai);

    // A bad file is refused, naming the file; the old configuration serves.
    let before: BTreeMap<String, Family> = mosaic.instances();
    replace(&path, UNKNOWN_KEY);
    let event = next(&mut events).await;
    let error = event.error().unwrap_or_else(|| panic!("{event:?}"));
    assert_eq!(error.kind(), ErrorKind::Config);
    let message = error.to_string();
    // `file:line:col`, then the key.
    let at = format!("{}:4:", path.display());
    assert!(message.contains(&at), "{message} names {at}");
    assert!(message.contains("not_a_table"), "{message}");
    assert_eq!(mosaic.instances(), before);
    assert!(mosaic.git().is_ok());

    // Fixed again: reloaded.
    std::fs::write(&path, A).unwrap();
    assert!(next(&mut events).await.is_reloaded());
    assert_eq!(names(&mosaic), ["a"]);

    // Dropped: the task ends, the channel closes, and a change to the
    // file is no longer applied.
    drop(watcher);
    std::fs::write(&path, AB).unwrap();
    match tokio::time::timeout(PATIENCE, events.recv()).await {
        Ok(Err(RecvError::Closed)) => {}
        other => panic!("expected the channel to close, got {other:?}"),
    }
    assert_eq!(names(&mosaic), ["a"]);
}

#[tokio::test]
async fn a_burst_of_writes_is_one_reload() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mosaic.toml");
    std::fs::write(&path, A).unwrap();
    let mosaic = Mosaic::from_path(&path).unwrap();
    let watcher = mosaic
        .watch_with(
            &path,
            WatchOptions::new().with_debounce(Duration::from_millis(500)),
        )
        .unwrap();
    let mut events = watcher.subscribe();

    // Several writes, the intermediate ones half-written and invalid.
    for _ in 0..5 {
        std::fs::write(&path, "[providers.a]\nkind = ").unwrap();
        std::fs::write(&path, AB).unwrap();
    }
    let event = next(&mut events).await;
    assert!(event.is_reloaded(), "{event:?}");
    assert_eq!(names(&mosaic), ["a", "b"]);

    // Had the burst caused more than one reload, the next event would be
    // another `Reloaded` rather than this refusal.
    std::fs::write(&path, UNKNOWN_KEY).unwrap();
    let event = next(&mut events).await;
    assert!(event.error().is_some(), "{event:?}");
    assert_eq!(names(&mosaic), ["a", "b"]);
}

#[tokio::test]
async fn other_files_in_the_directory_are_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mosaic.toml");
    std::fs::write(&path, A).unwrap();
    let mosaic = Mosaic::from_path(&path).unwrap();
    let watcher = mosaic.watch(&path).unwrap();
    let mut events = watcher.subscribe();

    // Neighbours change, then the file does: the first event is the file's.
    std::fs::write(dir.path().join("other.toml"), UNKNOWN_KEY).unwrap();
    std::fs::write(dir.path().join("mosaic.toml.bak"), UNKNOWN_KEY).unwrap();
    std::fs::write(&path, AB).unwrap();
    let event = next(&mut events).await;
    assert!(event.is_reloaded(), "{event:?}");
    assert_eq!(names(&mosaic), ["a", "b"]);
}

#[tokio::test]
async fn a_missing_file_or_a_directory_is_a_config_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let mosaic = Mosaic::from_str(A).unwrap();

    let missing = dir.path().join("absent.toml");
    let e = mosaic.watch(&missing).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.message().contains(&missing.display().to_string()), "{e}");

    let e = mosaic.watch(dir.path()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(
        e.message().contains(&dir.path().display().to_string()),
        "{e}"
    );
}

#[test]
fn without_a_tokio_runtime_watch_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mosaic.toml");
    std::fs::write(&path, A).unwrap();
    let mosaic = Mosaic::from_path(&path).unwrap();
    let e = mosaic.watch(&path).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.message().contains("tokio runtime"), "{e}");
}
