//! [`Mosaic::watch`]: reload the configuration file when it changes.
//!
//! The file's directory is watched, not the file itself: editors and
//! deployment tools replace a file by writing a temporary one and renaming
//! it over the original, which a watch on the old file would miss. Events
//! for other names in the directory are ignored. A burst of events (one
//! save is several) is debounced into one [`Mosaic::reload_path`], whose
//! outcome each subscriber receives as a [`ReloadEvent`] and which is
//! logged with `tracing`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use mosaic_core::{Error, Result};
use notify::event::{AccessKind, AccessMode, ModifyKind, RenameMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::{broadcast, mpsc, oneshot};

use super::Mosaic;

/// How long a burst of file events must be quiet before a reload, unless
/// [`WatchOptions::with_debounce`] says otherwise.
const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(100);

/// How many [`ReloadEvent`]s a slow subscriber may fall behind by, unless
/// [`WatchOptions::with_capacity`] says otherwise.
const DEFAULT_CAPACITY: usize = 16;

/// File events in flight from the watcher's thread to the reload task;
/// further ones are dropped while the task has not caught up (one pending
/// event already causes the reload).
const FORWARD_CAPACITY: usize = 64;

/// Options of [`Mosaic::watch_with`].
///
/// ```
/// use std::time::Duration;
/// use mosaic::config::WatchOptions;
///
/// let options = WatchOptions::new().with_debounce(Duration::from_millis(250));
/// assert_eq!(options.debounce(), Duration::from_millis(250));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchOptions {
    debounce: Duration,
    capacity: usize,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            debounce: DEFAULT_DEBOUNCE,
            capacity: DEFAULT_CAPACITY,
        }
    }
}

impl WatchOptions {
    /// The defaults: a 100 ms debounce and room for 16 unread events per
    /// subscriber.
    pub fn new() -> Self {
        WatchOptions::default()
    }

    /// Reload once the file's events have been quiet for `debounce`
    /// (100 ms by default). Each new event restarts the wait, so a file
    /// written in several steps is read once, after the last.
    pub fn with_debounce(mut self, debounce: Duration) -> Self {
        self.debounce = debounce;
        self
    }

    /// Keep up to `capacity` (at least 1) unread events per subscriber; a
    /// subscriber further behind skips the oldest and is told so
    /// ([`broadcast::error::RecvError::Lagged`]).
    pub fn with_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// The quiet time before a reload.
    pub fn debounce(&self) -> Duration {
        self.debounce
    }

    /// The unread events kept per subscriber.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

/// The outcome of one reload triggered by a change to the watched file.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ReloadEvent {
    /// The new file was built and is now in force.
    Reloaded,
    /// The new file was refused; the previous configuration keeps
    /// serving. The error (kind `Config` for a bad file) names the file,
    /// and line, column and key path where it can, never a secret value.
    Rejected(Error),
}

impl ReloadEvent {
    /// Whether the new file is in force.
    pub fn is_reloaded(&self) -> bool {
        matches!(self, ReloadEvent::Reloaded)
    }

    /// Why the new file was refused, if it was.
    pub fn error(&self) -> Option<&Error> {
        match self {
            ReloadEvent::Rejected(e) => Some(e),
            ReloadEvent::Reloaded => None,
        }
    }
}

/// Watches a configuration file for a [`Mosaic`] and reloads it on change;
/// returned by [`Mosaic::watch`].
///
/// Watching lasts as long as this value: dropping it stops the file
/// watcher and ends the reload task (after a reload already under way),
/// which closes every subscriber's channel.
pub struct ConfigWatcher {
    path: PathBuf,
    events: broadcast::Sender<ReloadEvent>,
    // Dropping it ends notify's event loop and with it the forwarding
    // callback.
    _watcher: RecommendedWatcher,
    // Dropping it tells the reload task to stop.
    _stop: oneshot::Sender<()>,
}

impl std::fmt::Debug for ConfigWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigWatcher")
            .field("path", &self.path)
            .field("subscribers", &self.events.receiver_count())
            .finish_non_exhaustive()
    }
}

impl ConfigWatcher {
    /// The outcome of every reload from now on. The channel closes once
    /// this watcher is dropped and its task has ended.
    pub fn subscribe(&self) -> broadcast::Receiver<ReloadEvent> {
        self.events.subscribe()
    }

    /// The watched file (made absolute).
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Mosaic {
    /// Reload the configuration from `path` whenever that file changes,
    /// with the default [`WatchOptions`].
    ///
    /// Each change (a burst of file events quiet for 100 ms) runs
    /// [`reload_path`](Self::reload_path): a valid file is swapped in, a
    /// bad one is refused and the configuration in force keeps serving.
    /// Either way subscribers of the returned [`ConfigWatcher`] receive a
    /// [`ReloadEvent`], and the outcome is logged with `tracing` (`info`
    /// on success, `warn` with the error on refusal). Watching stops when
    /// the [`ConfigWatcher`] is dropped.
    ///
    /// The file's directory is watched, so a file replaced by rename (as
    /// editors and deployment tools do) is seen. This does not load the
    /// file now: build the [`Mosaic`] from it first.
    ///
    /// Must be called within a tokio runtime, which runs the reload task.
    /// Errors (kind `Config`): no runtime; `path` does not exist, is a
    /// directory or cannot be read; its directory cannot be watched.
    ///
    /// ```no_run
    /// use mosaic::config::ReloadEvent;
    ///
    /// # async fn run() -> mosaic::Result<()> {
    /// let mosaic = mosaic::Mosaic::from_path("mosaic.toml")?;
    /// let watcher = mosaic.watch("mosaic.toml")?;
    /// let mut events = watcher.subscribe();
    /// tokio::spawn(async move {
    ///     while let Ok(event) = events.recv().await {
    ///         if let ReloadEvent::Rejected(e) = event {
    ///             eprintln!("mosaic.toml refused, the previous configuration serves: {e}");
    ///         }
    ///     }
    /// });
    /// // Calls use whatever configuration is in force when they start.
    /// let _git = mosaic.git()?;
    /// // ... serve; keep `watcher` alive while the file should be followed.
    /// drop(watcher);
    /// # Ok(()) }
    /// ```
    pub fn watch(&self, path: impl AsRef<Path>) -> Result<ConfigWatcher> {
        self.watch_with(path, WatchOptions::default())
    }

    /// [`watch`](Self::watch) with `options` (debounce, event capacity).
    pub fn watch_with(
        &self,
        path: impl AsRef<Path>,
        options: WatchOptions,
    ) -> Result<ConfigWatcher> {
        let path = path.as_ref();
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::config(format!(
                "cannot watch {}: Mosaic::watch needs a tokio runtime (call it from within one)",
                path.display()
            ))
        })?;
        let path = std::path::absolute(path).map_err(|e| cannot_watch(path, e.kind()))?;
        check_file(&path)?;
        let (dir, name) = match (path.parent(), path.file_name()) {
            (Some(dir), Some(name)) => (dir.to_path_buf(), name.to_os_string()),
            _ => {
                return Err(Error::config(format!(
                    "cannot watch {}: not a file name",
                    path.display()
                )));
            }
        };

        let (changed_tx, changed_rx) = mpsc::channel(FORWARD_CAPACITY);
        let mut watcher = notify::recommended_watcher(forwarder(name, changed_tx))
            .map_err(|e| watch_error(&path, e))?;
        watcher
            .watch(&dir, RecursiveMode::NonRecursive)
            .map_err(|e| watch_error(&path, e))?;

        let (events, _) = broadcast::channel(options.capacity.max(1));
        let (stop_tx, stop_rx) = oneshot::channel();
        runtime.spawn(reload_task(
            self.clone(),
            path.clone(),
            options.debounce,
            changed_rx,
            stop_rx,
            events.clone(),
        ));
        tracing::debug!(path = %path.display(), "watching the mosaic configuration");
        Ok(ConfigWatcher {
            path,
            events,
            _watcher: watcher,
            _stop: stop_tx,
        })
    }
}

fn cannot_watch(path: &Path, kind: std::io::ErrorKind) -> Error {
    Error::config(format!("cannot watch {}: {kind}", path.display()))
}

fn watch_error(path: &Path, e: notify::Error) -> Error {
    let why = match &e.kind {
        notify::ErrorKind::Io(io) => io.kind().to_string(),
        notify::ErrorKind::PathNotFound => std::io::ErrorKind::NotFound.to_string(),
        notify::ErrorKind::MaxFilesWatch => "the system's limit of watches is reached".to_owned(),
        _ => e.to_string(),
    };
    Error::config(format!(
        "cannot watch the directory of {}: {why}",
        path.display()
    ))
    .with_source(e)
}

/// `path` is a readable file (what a reload will read).
fn check_file(path: &Path) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|e| cannot_watch(path, e.kind()))?;
    let meta = file.metadata().map_err(|e| cannot_watch(path, e.kind()))?;
    if meta.is_dir() {
        return Err(Error::config(format!(
            "cannot watch {}: it is a directory, not a configuration file",
            path.display()
        )));
    }
    Ok(())
}

/// notify's callback, on notify's thread: pass on the events that may
/// have changed the file called `name`.
fn forwarder(name: OsString, changed: mpsc::Sender<()>) -> impl notify::EventHandler {
    move |event: notify::Result<Event>| match event {
        Ok(event) => {
            if concerns(&event, &name) {
                // Full: a change is already pending, which is enough.
                let _ = changed.try_send(());
            }
        }
        Err(e) => tracing::warn!(error = %e, "watching the mosaic configuration"),
    }
}

/// Whether `event` may have changed (or replaced) the file called `name`.
fn concerns(event: &Event, name: &OsString) -> bool {
    let is_name = |p: &PathBuf| p.file_name() == Some(name.as_os_str());
    match event.kind {
        // Renamed away: nothing to read until something takes its place.
        EventKind::Modify(ModifyKind::Name(RenameMode::From)) => false,
        // `[from, to]`: only its arrival under our name counts.
        EventKind::Modify(ModifyKind::Name(RenameMode::Both)) => {
            event.paths.last().is_some_and(is_name)
        }
        EventKind::Create(_)
        | EventKind::Modify(_)
        | EventKind::Access(AccessKind::Close(AccessMode::Write))
        | EventKind::Any
        | EventKind::Other => event.paths.iter().any(is_name),
        // Reads (ours included) and removals change nothing to reload.
        EventKind::Access(_) | EventKind::Remove(_) => false,
    }
}

/// Debounce the forwarded events and reload after each burst, until
/// stopped (the watcher dropped) or the forwarding side is gone.
async fn reload_task(
    mosaic: Mosaic,
    path: PathBuf,
    debounce: Duration,
    mut changed: mpsc::Receiver<()>,
    mut stop: oneshot::Receiver<()>,
    events: broadcast::Sender<ReloadEvent>,
) {
    loop {
        tokio::select! {
            biased;
            _ = &mut stop => break,
            change = changed.recv() => if change.is_none() { break },
        }
        let quiet = tokio::time::sleep(debounce);
        tokio::pin!(quiet);
        loop {
            tokio::select! {
                biased;
                _ = &mut stop => return finish(&path),
                change = changed.recv() => match change {
                    Some(()) => quiet.as_mut().reset(tokio::time::Instant::now() + debounce),
                    None => return finish(&path),
                },
                () = &mut quiet => break,
            }
        }
        let event = reload(&mosaic, &path).await;
        // No subscriber is not an error: the outcome is logged anyway.
        let _ = events.send(event);
    }
    finish(&path);
}

fn finish(path: &Path) {
    tracing::debug!(path = %path.display(), "stopped watching the mosaic configuration");
}

/// Reload `path` off the async threads (reading and building are
/// blocking) and log the outcome.
async fn reload(mosaic: &Mosaic, path: &Path) -> ReloadEvent {
    let (m, p) = (mosaic.clone(), path.to_path_buf());
    let outcome = tokio::task::spawn_blocking(move || m.reload_path(&p))
        .await
        .unwrap_or_else(|e| {
            Err(Error::internal(format!(
                "reloading {} did not finish: {e}",
                path.display()
            )))
        });
    match outcome {
        Ok(()) => {
            tracing::info!(path = %path.display(), "mosaic configuration reloaded");
            ReloadEvent::Reloaded
        }
        Err(error) => {
            tracing::warn!(
                path = %path.display(),
                error = %error,
                "mosaic configuration refused; the previous one keeps serving"
            );
            ReloadEvent::Rejected(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, DataChange, RemoveKind};

    fn event(kind: EventKind, paths: &[&str]) -> Event {
        paths
            .iter()
            .fold(Event::new(kind), |e, p| e.add_path(PathBuf::from(p)))
    }

    #[test]
    fn only_changes_to_the_file_name_count() {
        let name = OsString::from("mosaic.toml");
        let yes = [
            event(EventKind::Create(CreateKind::File), &["/d/mosaic.toml"]),
            event(
                EventKind::Modify(ModifyKind::Data(DataChange::Any)),
                &["/d/mosaic.toml"],
            ),
            event(
                EventKind::Access(AccessKind::Close(AccessMode::Write)),
                &["/d/mosaic.toml"],
            ),
            event(
                EventKind::Modify(ModifyKind::Name(RenameMode::To)),
                &["/d/mosaic.toml"],
            ),
            event(
                EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
                &["/d/.mosaic.toml.swp", "/d/mosaic.toml"],
            ),
        ];
        for e in &yes {
            assert!(concerns(e, &name), "{e:?}");
        }
        let no = [
            event(EventKind::Create(CreateKind::File), &["/d/other.toml"]),
            event(
                EventKind::Access(AccessKind::Open(AccessMode::Any)),
                &["/d/mosaic.toml"],
            ),
            event(
                EventKind::Access(AccessKind::Close(AccessMode::Read)),
                &["/d/mosaic.toml"],
            ),
            event(EventKind::Remove(RemoveKind::File), &["/d/mosaic.toml"]),
            event(
                EventKind::Modify(ModifyKind::Name(RenameMode::From)),
                &["/d/mosaic.toml"],
            ),
            event(
                EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
                &["/d/mosaic.toml", "/d/mosaic.toml.bak"],
            ),
        ];
        for e in &no {
            assert!(!concerns(e, &name), "{e:?}");
        }
    }

    #[test]
    fn options_keep_at_least_one_event() {
        let o = WatchOptions::new().with_capacity(0);
        assert_eq!(o.capacity(), 1);
        assert_eq!(WatchOptions::default().debounce(), DEFAULT_DEBOUNCE);
    }
}
